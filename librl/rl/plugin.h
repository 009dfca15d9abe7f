/* librl: the registry of environment types, and plugins loaded with libltdl.
 *
 * A plugin is a libtool module (-module -avoid-version) with one entry
 * point, written with RL_PLUGIN_ENTRY:
 *
 *     RL_PLUGIN_ENTRY(classic)      // the module's file name, classic.la
 *     {
 *         return rl_registry_add_env(registry, &my_env_type);
 *     }
 *
 * The macro defines `classic_LTX_rl_plugin_init` and
 * `classic_LTX_rl_plugin_abi`; libltdl finds them as rl_plugin_init and
 * rl_plugin_abi. The host loads plugins of its own ABI and of older ones
 * down to RL_ABI_OLDEST (reading their shorter tables as if the slots they
 * lack were NULL) and refuses a plugin built for a newer librl, by name.
 *
 * Besides environment types, a plugin may offer commands (rl_command):
 * tools a runner exposes by name, e.g. `rlrun --import-deepracer FILE...`,
 * so that format-specific tools live with their plugin, not in rlrun.
 *
 * Plugins are searched for, by name, in each directory of the environment
 * variable RL_PLUGIN_PATH (colon-separated), then the build tree's plugins/
 * folder (when it exists), then the installed pkglibdir. A plugin stays
 * loaded while the registry or any environment made from its types lives. */
#ifndef RL_PLUGIN_H
#define RL_PLUGIN_H

#include <rl/common.h>
#include <rl/env.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rl_registry rl_registry;

#if defined(__GNUC__)
#define RL_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define RL_PLUGIN_EXPORT
#endif

#define RL_PLUGIN_ENTRY(module)                                                     \
    RL_PLUGIN_EXPORT extern const unsigned module##_LTX_rl_plugin_abi;              \
    RL_PLUGIN_EXPORT const unsigned module##_LTX_rl_plugin_abi = RL_ABI_VERSION;    \
    RL_PLUGIN_EXPORT int module##_LTX_rl_plugin_init(rl_registry *registry);        \
    RL_PLUGIN_EXPORT int module##_LTX_rl_plugin_init(rl_registry *registry)

/* A command a plugin offers through a runner: rlrun runs `rlrun --NAME
 * ARGS...` as run(argc, argv, out, err) with the arguments after --NAME. */
typedef struct rl_command {
    unsigned abi;             /* RL_ABI_VERSION */
    size_t struct_size;       /* sizeof(rl_command) it was built with */
    const char *name;         /* e.g. "import-deepracer": a-z, 0-9 and '-' */
    const char *args;         /* synopsis of the arguments, for --help */
    const char *summary;      /* one line for --help and --list */
    int min_args, max_args;   /* how many arguments it takes */
    /* Do the work. Results meant for the user go to out (rlrun: standard
     * output); nothing is printed otherwise. Fail with an RL_E* code and a
     * message in err naming the file (and line, key) at fault: RL_EINVAL,
     * RL_ERANGE, RL_ENOTFOUND, RL_EFORMAT and RL_EUNSUPPORTED are the
     * user's input (rlrun exits 2), anything else a runtime failure (1). A
     * command that writes files writes each whole or not at all. */
    int (*run)(int argc, char *const *argv, FILE *out, rl_error *err);
} rl_command;

/* The first fields of every rl_command table (see RL_ENV_TYPE_HEADER). */
#define RL_COMMAND_HEADER .abi = RL_ABI_VERSION, .struct_size = sizeof(rl_command)

/* A new registry with no types. libltdl is initialised when a plugin is
 * loaded. */
RL_API rl_registry *rl_registry_alloc(rl_error *err);

/* Free the registry. Plugins stay open until the last environment made from
 * their types is freed. NULL is fine. */
RL_API void rl_registry_free(rl_registry *reg);

/* Register an environment type. The registry keeps a copy of the table,
 * of its own size: slots an older table lacks read as NULL. RL_EVERSION
 * when type->abi is newer than RL_ABI_VERSION or older than RL_ABI_OLDEST,
 * or the table is larger than this librl's (a newer librl's); RL_EINVAL for
 * a duplicate or malformed name, a missing struct_size or a missing
 * function. Called by plugins' entry points, or directly by programs that
 * link their types in.
 * The type returned by rl_registry_find_env and rl_registry_env_at is the
 * registry's copy, valid while the registry or an environment of the
 * plugin lives. */
RL_API int rl_registry_add_env(rl_registry *reg, const rl_env_type *type);

/* Register a command, as rl_registry_add_env does a type (a copy is kept;
 * the same version rules). RL_EINVAL for a duplicate or malformed name or
 * a missing run function. */
RL_API int rl_registry_add_command(rl_registry *reg, const rl_command *cmd);

/* The command registered as name, or NULL. */
RL_API const rl_command *rl_registry_find_command(const rl_registry *reg, const char *name);
RL_API size_t rl_registry_command_count(const rl_registry *reg);
RL_API const rl_command *rl_registry_command_at(const rl_registry *reg, size_t i);
/* The plugin that registered command i ("" for commands added directly). */
RL_API const char *rl_registry_command_plugin(const rl_registry *reg, size_t i);

/* A command's name, argument synopsis and summary (never NULL). */
RL_API const char *rl_command_name(const rl_command *cmd);
RL_API const char *rl_command_args(const rl_command *cmd);
RL_API const char *rl_command_summary(const rl_command *cmd);

/* Run cmd with argc arguments, after checking their number (RL_EINVAL
 * with the synopsis otherwise); output to out, messages in err. */
RL_API int rl_command_run(const rl_command *cmd, int argc, char *const *argv, FILE *out,
                          rl_error *err);

/* The type registered as name, or NULL. */
RL_API const rl_env_type *rl_registry_find_env(const rl_registry *reg, const char *name);

RL_API size_t rl_registry_env_count(const rl_registry *reg);
RL_API const rl_env_type *rl_registry_env_at(const rl_registry *reg, size_t i);
/* The plugin that registered type i ("" for types added directly). */
RL_API const char *rl_registry_env_plugin(const rl_registry *reg, size_t i);

/* Load the plugin `name` (a module file name without extension, e.g.
 * "classic") from the search path and run its entry point. Loading a plugin
 * twice is harmless. RL_ENOTFOUND lists the directories searched;
 * RL_EPLUGIN names a missing entry symbol or a failed entry point;
 * RL_EVERSION a plugin built for another ABI. */
RL_API int rl_registry_load(rl_registry *reg, const char *name);

/* Load every plugin found on the search path (the first of each name).
 * Plugins that fail are skipped; their messages are kept, joined, in
 * rl_registry_errmsg and the return is the first failure's code, or RL_OK. */
RL_API int rl_registry_load_all(rl_registry *reg);

/* The search path, directories joined with ':' (owned by reg). */
RL_API const char *rl_registry_search_path(const rl_registry *reg);

RL_API const char *rl_registry_errmsg(const rl_registry *reg);

#ifdef __cplusplus
}
#endif
#endif /* RL_PLUGIN_H */
