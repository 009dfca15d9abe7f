/* librl: common definitions shared by every module.
 *
 * Error model (see doc/ARCHITECTURE.md): every function that can fail returns
 * an int status, RL_OK (0) or one of the positive RL_E* codes below. The
 * message that goes with a failure lives in the object the call was made on
 * (rl_env_errmsg(), rl_config_errmsg(), ...) and stays valid until the next
 * call on that object. A constructor that fails has no object yet: it fills
 * the rl_error the caller passes in (which may be NULL). Library code never
 * prints and never exits. */
#ifndef RL_COMMON_H
#define RL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RL_BUILDING_LIBRL) && defined(__GNUC__)
#define RL_API __attribute__((visibility("default")))
#else
#define RL_API
#endif

/* Version of the plugin ABI: bumped whenever rl_env_type, rl_algo_type,
 * rl_policy_type, rl_command or the plugin entry point change in a way an
 * old plugin cannot follow (a slot's meaning, a field moved). Appending an
 * optional slot to a type table does not bump it: every table carries its
 * struct_size, and the core reads an older, shorter table as if the missing
 * slots were NULL (the SQLite way). A table larger than the core's own
 * comes from a newer librl and is refused by name.
 *
 * ABI 1: the first release's tables, without struct_size. The core still
 * loads such plugins, reading the slots the first release had.
 * ABI 2: struct_size after abi in every table; rl_error messages of
 * RL_ERRMSG_SIZE 2048; plugin commands (rl_command). */
#define RL_ABI_VERSION 2u

/* The oldest plugin ABI the core still loads. */
#define RL_ABI_OLDEST 1u

enum {
    RL_OK = 0,        /* success */
    RL_EINVAL = 1,    /* an argument or a value is invalid */
    RL_ENOMEM = 2,    /* out of memory */
    RL_ERANGE = 3,    /* a value is outside its allowed range */
    RL_ENOTFOUND = 4, /* a file, key, plugin or name was not found */
    RL_EIO = 5,       /* reading or writing a file failed */
    RL_EFORMAT = 6,   /* a file is malformed, truncated or corrupted */
    RL_EVERSION = 7,  /* a file or plugin was made for another version */
    RL_ESYNTAX = 8,   /* a configuration file does not parse */
    RL_EPLUGIN = 9,   /* a plugin misbehaved (bad output, failed call) */
    RL_ENUMERIC = 10, /* a non-finite number appeared */
    RL_EUNSUPPORTED = 11, /* the operation is not provided by this type */
    RL_ECOMM = 12     /* a collective operation between processes failed,
                       * or the processes disagree (rl/comm.h) */
};

/* Size of every error message buffer, including the terminating NUL. */
#define RL_ERRMSG_SIZE 2048

/* An error report for constructors: code and message. Zero-initialise it
 * (rl_error e = {0};) before passing it in. */
typedef struct rl_error {
    int code;
    char msg[RL_ERRMSG_SIZE];
} rl_error;

/* A one-line description of an RL_E* code; never NULL. */
RL_API const char *rl_strerror(int code);

/* Fill err (when not NULL) with code and a printf-style message; returns
 * code so that `return rl_error_set(err, RL_EINVAL, "...")` reads well. */
RL_API int rl_error_set(rl_error *err, int code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The library's version string, e.g. "0.1.0". */
RL_API const char *rl_version(void);

#ifdef __cplusplus
}
#endif
#endif /* RL_COMMON_H */
