/* librl: configuration from INI files (parsed with inih), validated against
 * tables of known keys.
 *
 * A program loads one or more INI files and `--set section.key=value`
 * overrides, then declares the keys of each section it knows (a table of
 * rl_param per section; several tables may serve one section). Getters
 * return the value parsed and range-checked against the declaration, or the
 * declared default. rl_config_validate checks everything at once: every
 * section present must be declared, every key in it known, every value of
 * the right type and in range. Each message names the file and line (or
 * "--set") and, for an unknown key or section, the nearest known one. */
#ifndef RL_CONFIG_H
#define RL_CONFIG_H

#include <stdio.h>
#include <rl/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rl_param_kind {
    RL_PARAM_END = 0,   /* terminates a table */
    RL_PARAM_INT = 1,   /* integer (int64_t), within [min, max] */
    RL_PARAM_REAL = 2,  /* finite double, within [min, max] */
    RL_PARAM_BOOL = 3,  /* true/false, yes/no, on/off, 1/0 */
    RL_PARAM_STRING = 4,/* any text (may be empty) */
    RL_PARAM_CHOICE = 5 /* one of the words in `choices`, "a|b|c" */
} rl_param_kind;

/* One known key. Tables are arrays ended by an entry with key NULL. */
typedef struct rl_param {
    const char *key;     /* the key's name */
    rl_param_kind kind;  /* its type */
    const char *def;     /* default, as it would be written in the file;
                          * NULL: empty for STRING, required for the others */
    double min, max;     /* INT and REAL: inclusive range; min == max == 0
                          * means no range (an omitted range in a designated
                          * initialiser) */
    const char *choices; /* CHOICE: allowed words separated by '|' */
    const char *help;    /* one line for --help and doc/config.md */
} rl_param;

typedef struct rl_config rl_config;

/* A new, empty configuration; NULL (with err filled) when out of memory. */
RL_API rl_config *rl_config_alloc(rl_error *err);

/* Free cfg and every string it holds. NULL is fine. */
RL_API void rl_config_free(rl_config *cfg);

/* Read an INI file into cfg. A key repeated within a section, a syntax
 * error, or a file that cannot be read is an error (RL_ESYNTAX, RL_EIO,
 * RL_ENOTFOUND) naming path:line. Keys before any [section] are errors. */
RL_API int rl_config_load(rl_config *cfg, const char *path);

/* As rl_config_load, from text in memory; `name` stands for the file name in
 * messages. */
RL_API int rl_config_load_string(rl_config *cfg, const char *text, const char *name);

/* Apply an override "section.key=value" (as given to --set). The value
 * replaces any value read from a file; later calls replace earlier ones.
 * RL_EINVAL when the text has no '.' before '=' or no '='. */
RL_API int rl_config_set(rl_config *cfg, const char *assignment);

/* Declare the keys of a section. The table must outlive cfg (use static
 * tables). Declaring the same key twice in a section is RL_EINVAL. */
RL_API int rl_config_declare(rl_config *cfg, const char *section, const rl_param *params);

/* 1 when the section has been declared. */
RL_API int rl_config_is_declared(const rl_config *cfg, const char *section);

/* Check every section and key present: sections must be declared, keys
 * known, values well-formed and in range. Reports the first problem in file
 * order (RL_ENOTFOUND for unknown names, RL_EINVAL or RL_ERANGE for values). */
RL_API int rl_config_validate(rl_config *cfg);

/* rl_config_validate for one section: every key given in it (in a file or
 * by --set) must be declared and its value well-formed and in range. The
 * library calls it for the sections it reads (rl_run_read for [run],
 * rl_algo_alloc for the algorithm's, rl_env_alloc for the environment's),
 * so a misspelt key there is reported without a call of your own; a
 * program that wants unknown sections reported too calls
 * rl_config_validate once everything is declared. */
RL_API int rl_config_validate_section(rl_config *cfg, const char *section);

/* 1 when the key was given (in a file or by --set), 0 when it takes its
 * default. */
RL_API int rl_config_has(const rl_config *cfg, const char *section, const char *key);

/* Typed getters for declared keys: the given value, or the default. The key
 * must be declared with the matching kind (CHOICE reads as a string);
 * otherwise RL_ENOTFOUND/RL_EINVAL. A bad value is RL_EINVAL or RL_ERANGE
 * with a message naming where it was set. Strings stay owned by cfg. */
RL_API int rl_config_get_int(rl_config *cfg, const char *section, const char *key, int64_t *out);
RL_API int rl_config_get_real(rl_config *cfg, const char *section, const char *key, double *out);
RL_API int rl_config_get_bool(rl_config *cfg, const char *section, const char *key, int *out);
RL_API int rl_config_get_string(rl_config *cfg, const char *section, const char *key, const char **out);

/* Where a key's value came from: "file.ini:12", "--set" or "default". The
 * string is owned by cfg and valid until cfg changes. */
RL_API const char *rl_config_where(const rl_config *cfg, const char *section, const char *key);

/* Write the resolved configuration: every declared section and key, in
 * declaration order, with its value or default, as an INI file that
 * rl_config_load reads back to the same values. Returns RL_EIO on a write
 * error. */
RL_API int rl_config_write(const rl_config *cfg, FILE *out);

/* Record a message about a key in cfg's error slot, prefixed with where the
 * key was set, and return code. For callers that find a value unusable
 * after parsing it (e.g. an unknown environment name). */
RL_API int rl_config_fail(rl_config *cfg, int code, const char *section, const char *key,
                          const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* The message of the last failed call on cfg. */
RL_API const char *rl_config_errmsg(const rl_config *cfg);

#ifdef __cplusplus
}
#endif
#endif /* RL_CONFIG_H */
