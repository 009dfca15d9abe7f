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
 * rl_plugin_abi. The host refuses a plugin whose ABI differs from its own.
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

/* A new registry with no types. Initialises libltdl. */
RL_API rl_registry *rl_registry_alloc(rl_error *err);

/* Free the registry. Plugins stay open until the last environment made from
 * their types is freed. NULL is fine. */
RL_API void rl_registry_free(rl_registry *reg);

/* Register an environment type. RL_EVERSION when type->abi differs from
 * RL_ABI_VERSION, RL_EINVAL for a duplicate or malformed name or a missing
 * function. Called by plugins' entry points, or directly by programs that
 * link their types in. */
RL_API int rl_registry_add_env(rl_registry *reg, const rl_env_type *type);

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
