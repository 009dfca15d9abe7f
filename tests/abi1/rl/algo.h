/* librl: learning algorithms, driven by the caller.
 *
 * An algorithm type (rl_algo_type) is a const table like rl_env_type. The
 * caller allocates an instance over a batch of environments and calls
 * rl_algo_iterate in its own loop, as with GSL's iterate functions: one call
 * is one training iteration (collect experience, update). rlrun is one such
 * loop; a program linking librl can write its own.
 *
 * Built-in types: "qlearn" (tabular Q-learning, epsilon-greedy). */
#ifndef RL_ALGO_H
#define RL_ALGO_H

#include <rl/common.h>
#include <rl/config.h>
#include <rl/env.h>
#include <rl/checkpoint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rl_algo_type {
    unsigned abi;             /* RL_ABI_VERSION */
    const char *name;         /* "qlearn", ...; also its INI section */
    const char *summary;      /* one line */
    size_t size;              /* bytes of state the core allocates, zeroed */
    const rl_param *params;   /* keys of its INI section */
    const char *const *stat_names; /* its own progress.csv columns, NULL-ended */

    /* Check the environments fit (e.g. discrete spaces), read the config,
     * allocate workspaces. The batch outlives the instance. */
    int (*init)(void *state, rl_config *cfg, const char *section, rl_env_batch *envs,
                uint64_t seed, rl_error *err);
    /* One iteration. Writes one value per stat name into stats; adds the
     * environment steps it took to *env_steps. */
    int (*iterate)(void *state, rl_env_batch *envs, uint64_t *env_steps, double *stats,
                   rl_error *err);
    /* Act on n observations (rows of the observation space): greedy for
     * evaluation, exploring otherwise. */
    int (*act)(void *state, const double *obs, size_t n, double *actions, int greedy,
               rl_error *err);
    /* Everything needed to continue training exactly, into w / out of r. */
    int (*save)(const void *state, rl_writer *w, rl_error *err);
    int (*load)(void *state, rl_reader *r, rl_error *err);
    void (*fini)(void *state);
} rl_algo_type;

/* The built-in algorithm named name, or NULL. */
RL_API const rl_algo_type *rl_algo_find(const char *name);
RL_API size_t rl_algo_count(void);
RL_API const rl_algo_type *rl_algo_at(size_t i);

typedef struct rl_algo rl_algo;

/* What one iteration did. */
typedef struct rl_iter_info {
    uint64_t iteration;    /* iterations done, this one included */
    uint64_t env_steps;    /* environment steps so far */
    uint64_t episodes;     /* episodes that ended in this iteration */
    double mean_return;    /* their mean undiscounted return (NaN if none) */
    double mean_length;    /* their mean length (NaN if none) */
    const double *stats;   /* the type's stat_names values, owned by the algo */
    size_t nstats;
} rl_iter_info;

/* An instance of type over envs, configured from cfg's section named after
 * the type (declared here when not yet), seeded with seed. The batch is
 * reset by this call. NULL with err filled on failure. */
RL_API rl_algo *rl_algo_alloc(const rl_algo_type *type, rl_config *cfg, rl_env_batch *envs,
                              uint64_t seed, rl_error *err);
RL_API void rl_algo_free(rl_algo *algo);

RL_API int rl_algo_iterate(rl_algo *algo, rl_iter_info *info);

/* Act greedily (or not) on n observations. */
RL_API int rl_algo_act(rl_algo *algo, const double *obs, size_t n, double *actions, int greedy);

/* Result of one evaluation episode. */
typedef struct rl_episode_result {
    double ret;        /* undiscounted return */
    int64_t length;    /* steps */
    int terminated;    /* ended in a terminal state (else truncated) */
} rl_episode_result;

/* Run one greedy episode on env, reset with seed. Metrics of the episode are
 * then available from rl_env_metrics(env). */
RL_API int rl_algo_evaluate(rl_algo *algo, rl_env *env, uint64_t seed, rl_episode_result *out);

/* Save the full training state to a checkpoint file (atomically), or load
 * one written for the same algorithm and environment. */
RL_API int rl_algo_save(rl_algo *algo, const char *path);
RL_API int rl_algo_load(rl_algo *algo, const char *path);

RL_API const rl_algo_type *rl_algo_get_type(const rl_algo *algo);
RL_API uint64_t rl_algo_iterations(const rl_algo *algo);
RL_API uint64_t rl_algo_env_steps(const rl_algo *algo);
RL_API const char *rl_algo_errmsg(const rl_algo *algo);

#ifdef __cplusplus
}
#endif
#endif /* RL_ALGO_H */
