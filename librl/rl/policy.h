/* librl: policies, the part of an agent that acts.
 *
 * rl_policy is the interface: a type table (act, save, load) plus the
 * implementation's data, acting on a batch of observations at once and
 * reporting, when asked, the log-probability of each action taken and the
 * policy's value estimate of each observation.
 *
 * rl_qtable is the tabular policy: one row of action values per discrete
 * state. Acting greedily takes the best action, ties to the lowest index
 * (deterministic); epsilon-greedy acting explores with probability epsilon
 * and breaks ties at random otherwise, so an untrained table does not always
 * pick action 0. The neural policy (categorical or Gaussian over an MLP,
 * with a value network) is PPO's: rl_algo_policy() of a "ppo" agent returns
 * it, type name "actor_critic"; it normalises observations as the agent
 * does and clips continuous actions to the box. Its parts are in <rl/ppo.h>.
 * rl_model_policy() of a model loaded from a checkpoint (<rl/model.h>)
 * returns either kind. */
#ifndef RL_POLICY_H
#define RL_POLICY_H

#include <rl/common.h>
#include <rl/rng.h>
#include <rl/checkpoint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rl_qtable {
    size_t nstates, nactions;
    double *q; /* nstates * nactions values, row-major, owned */
} rl_qtable;

/* Allocate a table of nstates x nactions values, all `init`. */
RL_API int rl_qtable_init(rl_qtable *t, size_t nstates, size_t nactions, double init);
RL_API void rl_qtable_free(rl_qtable *t);

/* Row of state s. */
static inline double *rl_qtable_row(const rl_qtable *t, size_t s) { return t->q + s * t->nactions; }

/* Largest value in row s. */
RL_API double rl_qtable_max(const rl_qtable *t, size_t s);
/* Best action in s, ties to the lowest index. */
RL_API size_t rl_qtable_greedy(const rl_qtable *t, size_t s);
/* Epsilon-greedy action in s, ties broken uniformly at random. */
RL_API size_t rl_qtable_epsilon_greedy(const rl_qtable *t, size_t s, double epsilon,
                                       rl_pcg32 *rng);

/* Serialise (dimensions, then values) and restore. rl_qtable_load checks the
 * dimensions against t's and fails with RL_EFORMAT when they differ. */
RL_API void rl_qtable_save(const rl_qtable *t, rl_writer *w);
RL_API int rl_qtable_load(rl_qtable *t, rl_reader *r);

/* ---- rl_policy: anything that acts ---------------------------------------------- */

typedef struct rl_policy_type {
    unsigned abi;       /* RL_ABI_VERSION */
    size_t struct_size; /* sizeof(rl_policy_type) it was built with */
    const char *name; /* "tabular", ... */
    /* Act on n observations (rows of the observation space): write n rows of
     * actions. greedy picks the most likely action (evaluation); otherwise
     * actions are drawn from the policy's distribution with rng. When not
     * NULL, logp receives log pi(a|s) of each action under the distribution
     * it was drawn from (0 when greedy) and value the policy's estimate of
     * each observation's value. RL_EINVAL for an observation the policy
     * cannot take. */
    int (*act)(void *impl, const double *obs, size_t n, int greedy, rl_pcg32 *rng,
               double *actions, double *logp, double *value, rl_error *err);
    /* Serialise the parameters, and restore them (all or nothing). */
    void (*save)(const void *impl, rl_writer *w);
    int (*load)(void *impl, rl_reader *r, rl_error *err);
} rl_policy_type;

/* The first fields of every rl_policy_type table (see RL_ENV_TYPE_HEADER). */
#define RL_POLICY_TYPE_HEADER .abi = RL_ABI_VERSION, .struct_size = sizeof(rl_policy_type)

/* A policy: its type and the data the type acts on (not owned). */
typedef struct rl_policy {
    const rl_policy_type *type;
    void *impl;
} rl_policy;

RL_API int rl_policy_act(const rl_policy *p, const double *obs, size_t n, int greedy,
                         rl_pcg32 *rng, double *actions, double *logp, double *value,
                         rl_error *err);
RL_API void rl_policy_save(const rl_policy *p, rl_writer *w);
RL_API int rl_policy_load(const rl_policy *p, rl_reader *r, rl_error *err);

/* The tabular policy: epsilon-greedy over a Q-table. Observations are state
 * indices. Exploring, pi(a|s) = epsilon/|A| + (1-epsilon)/k for each of the
 * k maximal actions and epsilon/|A| for the others; value is
 * sum_a pi(a|s) Q(s,a) (greedy: max_a Q(s,a)). Use it as
 *     rl_tabular_policy tp = {&table, 0.1};
 *     rl_policy p = {&rl_policy_tabular, &tp}; */
typedef struct rl_tabular_policy {
    rl_qtable *q;
    double epsilon;
} rl_tabular_policy;

RL_API extern const rl_policy_type rl_policy_tabular;

#ifdef __cplusplus
}
#endif
#endif /* RL_POLICY_H */
