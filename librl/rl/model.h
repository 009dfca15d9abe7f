/* librl: a trained policy, loaded from a checkpoint, to act with.
 *
 * What Stable-Baselines3 calls PPO.load(path).predict(obs,
 * deterministic=True), for a program that only acts (a car's controller,
 * a game): rl_model_load reads a checkpoint rlrun (or rl_algo_save) wrote
 * and rl_model_predict maps any number of observations to actions. No
 * configuration, no plugin, no environment: the checkpoint records the
 * spaces, the networks' shape and activation and the observation
 * normaliser's statistics. The deterministic actions are those rlrun
 * --eval takes for the same checkpoint, to the bit: the same code computes
 * them, one observation at a time as evaluation does (a CBLAS product over
 * many rows may round a row's sums otherwise than over one, so a batched
 * rl_algo_act can differ from it in the last bits).
 *
 *     rl_error err = {0};
 *     rl_model *m = rl_model_load("runs/cartpole/checkpoint.rlck", &err);
 *     if (!m) { fprintf(stderr, "%s\n", err.msg); return 1; }
 *     double obs[4] = {0.01, 0.02, -0.03, 0.04}, action;
 *     if (rl_model_predict(m, obs, 1, &action, 1, NULL, &err) != RL_OK) ...
 *     rl_model_free(m);
 *
 * Algorithms: "ppo" (checkpoints of ppo layout 2 on: discrete actions,
 * categorical; continuous, Gaussian, actions clipped to the box) and
 * "qlearn" (layout 2 on: greedy over the Q-table; exploring, epsilon-greedy
 * with the rate the agent had when it was saved). Older layouts are refused
 * with RL_EVERSION; they load with rl_algo_load_agent and the run's
 * configuration.
 *
 * Thread safety: a model holds workspaces, so calls on one model must not
 * overlap; load one model per thread, or serialise the calls. Different
 * models are independent. */
#ifndef RL_MODEL_H
#define RL_MODEL_H

#include <stddef.h>
#include <rl/common.h>
#include <rl/rng.h>
#include <rl/space.h>
#include <rl/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rl_model rl_model;

/* Read the checkpoint at path (every check rl_checkpoint_read makes, then
 * the agent's record, which is validated all through) and build its
 * policy. NULL with err (may be NULL) filled on failure: RL_ENOTFOUND or
 * RL_EIO when the file cannot be read; RL_EFORMAT when it is not a
 * checkpoint, truncated, damaged or holds values no agent could have;
 * RL_EVERSION for another checkpoint format or an agent layout that does
 * not describe itself; RL_EUNSUPPORTED for an algorithm rl_model does not
 * know; RL_ENOMEM. The message names the file. */
RL_API rl_model *rl_model_load(const char *path, rl_error *err);

/* Free m and all it holds. NULL is fine. */
RL_API void rl_model_free(rl_model *m);

/* Act on n observations: obs holds n rows of
 * rl_space_dim(rl_model_observation_space(m)) values; actions receives n
 * rows of rl_space_dim(rl_model_action_space(m)) values (an action index
 * for a discrete space). deterministic: the most likely action (argmax,
 * the Gaussian's mean, the greedy table entry); otherwise one drawn from
 * the policy's distribution with rng, which must then not be NULL (it may
 * be NULL when deterministic). Any n: larger calls are split internally;
 * n = 0 does nothing and succeeds. RL_EINVAL (message in err) for a NULL
 * argument, a missing rng, a non-finite observation, or for qlearn an
 * observation that is not a state index; nothing is written to actions
 * past the row that failed. */
RL_API int rl_model_predict(rl_model *m, const double *obs, size_t n, double *actions,
                            int deterministic, rl_pcg32 *rng, rl_error *err);

/* The spaces the agent was trained on (owned by m). */
RL_API const rl_space *rl_model_observation_space(const rl_model *m);
RL_API const rl_space *rl_model_action_space(const rl_model *m);

/* The algorithm ("ppo", "qlearn") and environment type names from the
 * checkpoint's header (owned by m). */
RL_API const char *rl_model_algorithm(const rl_model *m);
RL_API const char *rl_model_env_name(const rl_model *m);

/* The counters at the checkpoint: training iterations and environment
 * steps. */
RL_API uint64_t rl_model_iterations(const rl_model *m);
RL_API uint64_t rl_model_env_steps(const rl_model *m);

/* The policy itself, for log-probabilities and value estimates
 * (rl_policy_act; type "actor_critic" or "tabular"). Valid while m lives;
 * the same thread-safety rule holds. */
RL_API const rl_policy *rl_model_policy(const rl_model *m);

#ifdef __cplusplus
}
#endif
#endif /* RL_MODEL_H */
