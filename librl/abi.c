/* librl: versioned type tables, the SQLite way.
 *
 * Every table a plugin or a program hands the core (rl_env_type,
 * rl_algo_type, rl_command) starts with the ABI it was built for and, from
 * ABI 2 on, the size of the struct it was compiled with. The core never
 * reads a caller's table beyond that size: it copies the table into a
 * zero-filled one of its own size, so slots an older table lacks read as
 * NULL ("not provided"), and refuses, by name, a table from a newer librl
 * whose slots it could not honour.
 *
 * ABI 1 tables (the first release) had no struct_size; their layout is
 * frozen below and converted field by field. Slots that were appended to
 * the ABI 1 headers later, before any release, are not read from ABI 1
 * tables: only the first release's are. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "internal.h"
#include "rl/algo.h"
#include "rl/plugin.h"

/* The first release's rl_env_type (ABI 1). */
typedef struct env_type_v1 {
    unsigned abi;
    const char *name;
    const char *summary;
    size_t size;
    const rl_param *params;
    int64_t max_episode_steps;
    int (*init)(void *, rl_config *, const char *, rl_env_spec *, rl_error *);
    int (*reset)(void *, rl_pcg32 *, double *, rl_error *);
    int (*step)(void *, rl_pcg32 *, const double *, double *, rl_step *, rl_error *);
    void (*fini)(void *);
    const char *const *metric_names;
    void (*episode_metrics)(const void *, double *);
} env_type_v1;

/* The first release's rl_algo_type (ABI 1). */
typedef struct algo_type_v1 {
    unsigned abi;
    const char *name;
    const char *summary;
    size_t size;
    const rl_param *params;
    const char *const *stat_names;
    int (*init)(void *, rl_config *, const char *, rl_env_batch *, uint64_t, rl_error *);
    int (*iterate)(void *, rl_env_batch *, uint64_t *, double *, rl_error *);
    int (*act)(void *, const double *, size_t, double *, int, rl_error *);
    int (*save)(const void *, rl_writer *, rl_error *);
    int (*load)(void *, rl_reader *, rl_error *);
    void (*fini)(void *);
} algo_type_v1;

/* Check abi and struct_size of a table of kind `what` called `name`:
 * `first` is the size up to the last slot every table must have, `mine`
 * the core's size. */
static int check_header(unsigned abi, size_t struct_size, size_t first, size_t mine,
                        const char *what, const char *name, char *msg)
{
    if (!name) name = "(no name)";
    if (abi > RL_ABI_VERSION)
        return rl__fmt(msg, RL_EVERSION,
                       "%s '%s' was built for librl ABI %u, newer than this librl's ABI %u: "
                       "upgrade librl or rebuild '%s' against this one",
                       what, name, abi, RL_ABI_VERSION, name);
    if (abi < RL_ABI_OLDEST)
        return rl__fmt(msg, RL_EVERSION,
                       "%s '%s' claims librl ABI %u; this librl loads ABI %u to %u", what, name,
                       abi, RL_ABI_OLDEST, RL_ABI_VERSION);
    if (abi == 1) return RL_OK;
    if (struct_size == 0)
        return rl__fmt(msg, RL_EINVAL,
                       "%s '%s' has no struct_size: start its table with its header macro "
                       "(.abi = RL_ABI_VERSION, .struct_size = sizeof the struct)",
                       what, name);
    if (struct_size < first)
        return rl__fmt(msg, RL_EINVAL,
                       "%s '%s' has a struct_size of %zu bytes, too small for ABI %u (at "
                       "least %zu)",
                       what, name, struct_size, abi, first);
    if (struct_size > mine)
        return rl__fmt(msg, RL_EVERSION,
                       "%s '%s' was built against a newer librl: its table is %zu bytes, this "
                       "librl's is %zu; upgrade librl or rebuild '%s' against this one",
                       what, name, struct_size, mine, name);
    return RL_OK;
}

int rl__env_type_copy(const rl_env_type *in, rl_env_type *out, char *msg)
{
    if (!in) return rl__fmt(msg, RL_EINVAL, "no environment type given");
    /* Only abi is at the same place in every layout; name is read through
     * the table's own layout. */
    const char *name = in->abi == 1 ? ((const env_type_v1 *)(const void *)in)->name : in->name;
    int rc = check_header(in->abi, in->abi == 1 ? 0 : in->struct_size,
                          offsetof(rl_env_type, fini), sizeof *out, "environment type", name,
                          msg);
    if (rc != RL_OK) return rc;
    memset(out, 0, sizeof *out);
    if (in->abi == 1) {
        const env_type_v1 *v = (const env_type_v1 *)(const void *)in;
        out->name = v->name;
        out->summary = v->summary;
        out->size = v->size;
        out->params = v->params;
        out->max_episode_steps = v->max_episode_steps;
        out->init = v->init;
        out->reset = v->reset;
        out->step = v->step;
        out->fini = v->fini;
        out->metric_names = v->metric_names;
        out->episode_metrics = v->episode_metrics;
    } else {
        memcpy(out, in, in->struct_size);
    }
    out->abi = RL_ABI_VERSION;
    out->struct_size = sizeof *out;
    if (!out->name || !out->name[0])
        return rl__fmt(msg, RL_EINVAL, "cannot use an environment type without a name");
    if (!out->init || !out->reset || !out->step)
        return rl__fmt(msg, RL_EINVAL, "environment type '%s' lacks init, reset or step",
                       out->name);
    return RL_OK;
}

int rl__algo_type_copy(const rl_algo_type *in, rl_algo_type *out, char *msg)
{
    if (!in) return rl__fmt(msg, RL_EINVAL, "no algorithm type given");
    const char *name = in->abi == 1 ? ((const algo_type_v1 *)(const void *)in)->name : in->name;
    int rc = check_header(in->abi, in->abi == 1 ? 0 : in->struct_size,
                          offsetof(rl_algo_type, fini), sizeof *out, "algorithm", name, msg);
    if (rc != RL_OK) return rc;
    memset(out, 0, sizeof *out);
    if (in->abi == 1) {
        const algo_type_v1 *v = (const algo_type_v1 *)(const void *)in;
        out->name = v->name;
        out->summary = v->summary;
        out->size = v->size;
        out->params = v->params;
        out->stat_names = v->stat_names;
        out->init = v->init;
        out->iterate = v->iterate;
        out->act = v->act;
        out->save = v->save;
        out->load = v->load;
        out->fini = v->fini;
    } else {
        memcpy(out, in, in->struct_size);
    }
    out->abi = RL_ABI_VERSION;
    out->struct_size = sizeof *out;
    if (!out->name || !out->name[0])
        return rl__fmt(msg, RL_EINVAL, "cannot use an algorithm type without a name");
    if (!out->init || !out->iterate || !out->act || !out->save || !out->load)
        return rl__fmt(msg, RL_EINVAL,
                       "algorithm '%s' lacks one of init, iterate, act, save and load",
                       out->name);
    return RL_OK;
}

int rl__command_copy(const rl_command *in, rl_command *out, char *msg)
{
    if (!in) return rl__fmt(msg, RL_EINVAL, "no command given");
    /* Commands came with ABI 2: there is no older layout. */
    int rc = in->abi < 2 && in->abi >= RL_ABI_OLDEST
                 ? rl__fmt(msg, RL_EVERSION, "command '%s' claims librl ABI %u, which had no "
                           "commands", in->name ? in->name : "(no name)", in->abi)
                 : check_header(in->abi, in->struct_size, offsetof(rl_command, run) + sizeof in->run,
                                sizeof *out, "command", in->name, msg);
    if (rc != RL_OK) return rc;
    memset(out, 0, sizeof *out);
    memcpy(out, in, in->struct_size);
    out->abi = RL_ABI_VERSION;
    out->struct_size = sizeof *out;
    if (!out->run)
        return rl__fmt(msg, RL_EINVAL, "command '%s' has no run function",
                       out->name ? out->name : "(no name)");
    return RL_OK;
}
