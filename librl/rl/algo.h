/* librl: learning algorithms, driven by the caller.
 *
 * An algorithm type (rl_algo_type) is a const table like rl_env_type. The
 * caller allocates an instance over a batch of environments and calls
 * rl_algo_iterate in its own loop, as with GSL's iterate functions: one call
 * is one training iteration (collect experience, update). rlrun is one such
 * loop; a program linking librl can write its own.
 *
 * Built-in types (rl_algo_find, rl_algo_count, rl_algo_at):
 *   "ppo"     proximal policy optimisation (clipped surrogate, GAE, Adam)
 *             on an actor-critic of two MLPs: categorical for discrete
 *             actions, diagonal Gaussian for boxes, optional observation
 *             normalisation and reward scaling; any observation space
 *             (<rl/ppo.h>, keys in [ppo]).
 *   "qlearn"  tabular Q-learning, epsilon-greedy with a linear decay, for
 *             discrete observations and actions (keys in [qlearn]).
 *
 * A driver's loop: rl_algo_alloc over a batch of environments,
 * rl_algo_set_total_steps with the run's horizon, then rl_algo_iterate
 * until rl_algo_env_steps reaches it, rl_algo_save now and then,
 * rl_algo_evaluate at the end. To act with a saved agent without a
 * configuration or environments, see rl_model_load (<rl/model.h>).
 *
 * rl_algo_type tables are public so that the core can version them; the
 * types are built in (plugins register environments, not algorithms). */
#ifndef RL_ALGO_H
#define RL_ALGO_H

#include <rl/common.h>
#include <rl/config.h>
#include <rl/env.h>
#include <rl/checkpoint.h>
#include <rl/policy.h>
#include <rl/comm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rl_algo_type {
    unsigned abi;             /* RL_ABI_VERSION the type was built for */
    size_t struct_size;       /* sizeof(rl_algo_type) it was built with */
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
    /* The agent's whole learning state (parameters, counters, random
     * generator), into w / out of r; load is all or nothing. Episodes in
     * progress in the environments are not part of it. */
    int (*save)(const void *state, rl_writer *w, rl_error *err);
    int (*load)(void *state, rl_reader *r, rl_error *err);
    void (*fini)(void *state);
    /* Optional: the policy the agent acts with (owned by the state). */
    const rl_policy *(*policy)(void *state);
    /* Optional: restore the agent only, for evaluation
     * (rl_algo_load_agent): from a record save wrote, everything but what
     * belongs to the environments the agent trained with (for ppo, each
     * environment's running discounted return), which is read past and
     * left as it is; so the record loads whatever the number of
     * environments, as long as the networks fit. All or nothing. NULL:
     * load serves, and then the record must fit as it does for a resume. */
    int (*load_agent)(void *state, rl_reader *r, rl_error *err);
    /* Optional: the run's horizon, environment steps the driver means to
     * train for (rl_algo_set_total_steps; 0: not known). A type whose
     * schedules span the run (ppo's learning-rate anneal) takes it from
     * here: a type never reads another section of the configuration. */
    void (*set_total_steps)(void *state, uint64_t total_steps);
    /* Optional: train as one member of comm's group (rl_algo_set_comm).
     * Types without it train alone; rl_algo_set_comm refuses a group of
     * more than one for them. */
    int (*set_comm)(void *state, const rl_comm *comm, rl_error *err);
} rl_algo_type;

/* The first fields of every rl_algo_type table (see RL_ENV_TYPE_HEADER). */
#define RL_ALGO_TYPE_HEADER .abi = RL_ABI_VERSION, .struct_size = sizeof(rl_algo_type)

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
    uint64_t recent_episodes; /* episodes in the window below (at most 100) */
    double recent_return;  /* mean return of the last 100 episodes, this and
                            * earlier iterations (NaN before the first) */
    double recent_length;  /* their mean length */
    const double *stats;   /* the type's stat_names values, owned by the algo */
    size_t nstats;
} rl_iter_info;

/* An instance of type over envs, configured from cfg's section named after
 * the type (declared here when not yet), seeded with seed. The batch is
 * reset by this call. NULL with err filled on failure. */
RL_API rl_algo *rl_algo_alloc(const rl_algo_type *type, rl_config *cfg, rl_env_batch *envs,
                              uint64_t seed, rl_error *err);
RL_API void rl_algo_free(rl_algo *algo);

/* Tell the agent how many environment steps the run means to train for
 * (rlrun gives [run] total_steps), for schedules that span the run: ppo's
 * learning-rate anneal when [ppo] anneal_lr is on and anneal_steps is 0
 * (without either, its rl_algo_iterate fails with RL_EINVAL naming both
 * keys). Call it after rl_algo_alloc, before training; 0 means not known.
 * Types without such a schedule (qlearn) ignore it. Returns RL_OK. */
RL_API int rl_algo_set_total_steps(rl_algo *algo, uint64_t total_steps);

/* Train as member comm->rank of a group of comm->size processes
 * (rl/comm.h), each with its own environment batch (seeded differently)
 * and its own rl_algo made from the same configuration and seed. Call it
 * on every member after rl_algo_alloc and after any rl_algo_load, before
 * training. It broadcasts rank 0's learning state, so every member starts
 * equal, and gives each rank its own random stream; from then on each
 * rl_algo_iterate is collective: the environment steps it reports are the
 * group's (so a budget of total steps is the group's), and the episode
 * statistics in rl_iter_info are merged over the group (the last-100
 * window as the ranks' windows weighted by their episodes). comm must
 * outlive the algo; NULL or a group of one trains alone again. A type
 * without the slot: RL_EUNSUPPORTED for a group of more than one. */
RL_API int rl_algo_set_comm(rl_algo *algo, const rl_comm *comm);

/* Use up to threads threads (>= 1) inside rl_algo_iterate: it sets the
 * environment batch's (rl_env_batch_set_threads), and the type uses the
 * same threads for its own work (ppo: the policy and value networks' halves
 * of each minibatch, then the optimiser step in chunks of the parameters).
 * Results are bit-identical for any number. RL_EINVAL for threads < 1; RL_ENOMEM or RL_EIO when a thread
 * cannot be started. */
RL_API int rl_algo_set_threads(rl_algo *algo, int threads);

RL_API int rl_algo_iterate(rl_algo *algo, rl_iter_info *info);

/* Act greedily (or not) on n observations. */
RL_API int rl_algo_act(rl_algo *algo, const double *obs, size_t n, double *actions, int greedy);

/* Result of one evaluation episode. */
typedef struct rl_episode_result {
    double ret;        /* undiscounted return */
    int64_t length;    /* steps */
    int terminated;    /* ended in a terminal state */
    int truncated;     /* cut short: the time limit or max_steps */
} rl_episode_result;

/* Run one greedy episode on env, reset with seed, for at most max_steps
 * steps (0: until the episode ends; an environment without a time limit
 * and a policy that never reaches a terminal state then never return).
 * Cut short, the result has terminated 0 and truncated 1. Metrics of an
 * episode that ended are then available from rl_env_metrics(env). */
RL_API int rl_algo_evaluate(rl_algo *algo, rl_env *env, uint64_t seed, int64_t max_steps,
                            rl_episode_result *out);

/* Save the full training state to a checkpoint file (atomically), or load
 * one written for the same algorithm and environment: the agent, its
 * counters and the environments' episodes in progress, to resume training
 * exactly (the batch must have as many instances, and each type's own
 * record must fit its configuration). All or nothing.
 *
 * An agent whose training failed numerically (rl_algo_iterate returned
 * RL_ENUMERIC) refuses rl_algo_iterate and rl_algo_save (RL_ENUMERIC, with
 * the failure's message) until a checkpoint is loaded: rl_algo_load and
 * rl_algo_load_agent of a good checkpoint work on it and clear the
 * failure. Its state is not worth keeping, so if such a load fails the
 * agent stays failed (the environments are put back as they were). */
RL_API int rl_algo_save(rl_algo *algo, const char *path);
RL_API int rl_algo_load(rl_algo *algo, const char *path);

/* Load only the agent from a checkpoint written for the same algorithm
 * and environment type: what acting needs (for ppo: the networks and the
 * observation normaliser, with the rest of its learning state) and the
 * iteration and step counters, not the environments' record, which is
 * not read. The batch may thus differ from the one the checkpoint was
 * written with, in size or in configuration (another track, say), as long
 * as the observation and action spaces fit the agent. For evaluation
 * (rlrun --eval); rl_algo_load resumes training. All or nothing: on
 * failure the agent is as it was. RL_OK, or an RL_E* code with the message
 * in rl_algo_errmsg. */
RL_API int rl_algo_load_agent(rl_algo *algo, const char *path);

/* The agent's policy, or NULL when its type does not expose one. Valid
 * while algo lives. */
RL_API const rl_policy *rl_algo_policy(rl_algo *algo);

RL_API const rl_algo_type *rl_algo_get_type(const rl_algo *algo);
RL_API uint64_t rl_algo_iterations(const rl_algo *algo);
RL_API uint64_t rl_algo_env_steps(const rl_algo *algo);
RL_API const char *rl_algo_errmsg(const rl_algo *algo);

#ifdef __cplusplus
}
#endif
#endif /* RL_ALGO_H */
