/* librl: policies, the part of an agent that acts.
 *
 * rl_qtable is the tabular policy: one row of action values per discrete
 * state. Acting greedily takes the best action, ties to the lowest index
 * (deterministic); epsilon-greedy acting explores with probability epsilon
 * and breaks ties at random otherwise, so an untrained table does not always
 * pick action 0. Neural policies (MLP, categorical and Gaussian) join this
 * header with PPO. */
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

#ifdef __cplusplus
}
#endif
#endif /* RL_POLICY_H */
