/* librl: proximal policy optimisation (clipped PPO with GAE) and its parts.
 *
 * The algorithm itself is the built-in algorithm type "ppo" (rl_algo_find,
 * <rl/algo.h>): it trains an actor-critic over a batch of environments,
 * collecting steps_per_iteration steps (or episodes_per_iteration
 * episodes), estimating advantages with GAE and taking epochs passes of
 * minibatch Adam steps on the clipped surrogate, the value loss and the
 * entropy bonus. Its INI keys are documented in doc/config.md; its
 * learning-rate anneal spans [ppo] anneal_steps, or the run's total steps
 * the driver gives with rl_algo_set_total_steps. To act with a trained
 * agent alone, load its checkpoint with rl_model_load (<rl/model.h>).
 *
 * This header exposes the pieces it is made of, so that a program (or a
 * test, or a student) can use and check each one on its own:
 *
 *   - probability distributions: categorical over logits, diagonal Gaussian
 *     (librl/dist.c);
 *   - generalised advantage estimation over a batch of environments, with
 *     Gymnasium's terminated / truncated distinction (librl/ppo.c);
 *   - the per-sample loss terms and their derivatives (librl/ppo_loss.c);
 *   - rl_ac, the actor-critic: a policy network, a separate value network and
 *     (for continuous actions) a state-independent log standard deviation,
 *     with the full PPO loss and its gradient (librl/actor_critic.c,
 *     librl/ppo_loss.c).
 *
 * UNSTABLE: the structs of this header (rl_ac, rl_ppo_coefs,
 * rl_ppo_loss_parts) and the fields of rl_ac may change in any release,
 * without an ABI or soname bump. They are public for tests, benchmarks and
 * experiments; a program that only trains or acts should use <rl/algo.h>
 * and <rl/model.h>, whose types are opaque. The functions' contracts below
 * hold as documented.
 *
 * Conventions follow CleanRL's ppo.py / ppo_continuous_action.py and
 * Stable-Baselines3 (see doc/ARCHITECTURE.md for the list). */
#ifndef RL_PPO_H
#define RL_PPO_H

#include <stddef.h>
#include <rl/common.h>
#include <rl/rng.h>
#include <rl/space.h>
#include <rl/nn.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- distributions ---------------------------------------------------------------- */

/* log softmax(logits)[a], computed stably (max subtracted). */
RL_API double rl_categorical_logp(const float *logits, size_t k, size_t a);
/* Entropy -sum p log p of softmax(logits). */
RL_API double rl_categorical_entropy(const float *logits, size_t k);
/* Gradients with respect to the logits, into grad (k values, overwritten):
 * of log p[a] (one-hot(a) - p) and of the entropy (-p_j (log p_j + H)). */
RL_API void rl_categorical_logp_grad(const float *logits, size_t k, size_t a, double *grad);
RL_API void rl_categorical_entropy_grad(const float *logits, size_t k, double *grad);

/* log N(x; mean, diag(exp(log_std))^2), summed over d dimensions. */
RL_API double rl_gaussian_logp(const double *x, const double *mean, const double *log_std,
                               size_t d);
/* Entropy: sum over dimensions of 0.5 + 0.5 log(2 pi) + log_std. */
RL_API double rl_gaussian_entropy(const double *log_std, size_t d);

/* ---- generalised advantage estimation ------------------------------------------------ */

/* GAE(gamma, lambda) over T steps of n environments, arrays time-major
 * (element [t * n + i] is step t of environment i):
 *   rewards, values (V(s_t)), terminated, truncated;
 *   last_values: n values, V of each environment's observation after step T-1;
 *   final_values: V of the final observation at steps where truncated is set
 *   (other elements are not read; may be NULL when nothing is truncated).
 * A terminated step bootstraps nothing; a truncated step bootstraps from its
 * final observation, gamma * final_value, and no advantage flows across an
 * episode's end either way. Writes advantages and returns (advantage +
 * value), T * n values each. */
RL_API void rl_gae(size_t T, size_t n, const double *rewards, const double *values,
                   const double *last_values, const unsigned char *terminated,
                   const unsigned char *truncated, const double *final_values, double gamma,
                   double lambda, double *advantages, double *returns);

/* ---- loss terms (per sample; the PPO loss averages them) -------------------------------- */

/* The clipped surrogate, to be minimised:
 *   max(-A r, -A clip(r, 1 - clip, 1 + clip)),  r = exp(logp - logp_old).
 * *dlogp receives its derivative with respect to logp. */
RL_API double rl_ppo_clip_loss(double logp, double logp_old, double advantage, double clip,
                               double *dlogp);

/* Value loss of prediction v against target: 0.5 (v - target)^2 (mse), or
 * Huber with delta 1 (0.5 d^2 when |d| <= 1, |d| - 0.5 otherwise), as
 * PyTorch's smooth_l1_loss. *dv receives the derivative. */
RL_API double rl_value_loss(double v, double target, int huber, double *dv);

/* ---- the actor-critic --------------------------------------------------------------- */

/* Coefficients of the PPO loss: policy + value_coef * value - entropy_coef * entropy. */
typedef struct rl_ppo_coefs {
    double clip;          /* surrogate clip range */
    double value_coef;
    double entropy_coef;
    int huber;            /* value loss: 1 Huber, 0 mse */
} rl_ppo_coefs;

/* The parts of one loss evaluation (means over the samples). */
typedef struct rl_ppo_loss_parts {
    double policy, value, entropy;
    double approx_kl;     /* mean of (r - 1) - log r, Schulman's estimator */
    double clip_fraction; /* share of samples with |r - 1| > clip */
} rl_ppo_loss_parts;

typedef struct rl_ac {
    size_t obs_dim;
    int discrete;         /* categorical (1) or diagonal Gaussian (0) */
    size_t nactions;      /* discrete: number of actions */
    size_t act_dim;       /* continuous: dimensions; discrete: 1 */
    double *act_low, *act_high; /* continuous: the action box, for clipping */
    rl_mlp actor;         /* logits, or the Gaussian mean */
    rl_mlp critic;        /* one value */
    size_t nparams;       /* actor + critic + log_std */
    float *params, *grads;/* flat, owned: actor's, critic's, then log_std */
    float *log_std;       /* into params (continuous only) */
    float *dlog_std;      /* into grads */
    size_t max_batch;
    float *dout_a, *dout_c; /* workspaces */
    double *work;         /* 4 nactions, or 4 act_dim, values of scratch */
} rl_ac;

/* An actor-critic for observations of obs_dim values and the given action
 * space (discrete, or a box), with nhidden hidden layers of hidden[i] units
 * in both networks, for batches of up to max_batch rows. */
RL_API int rl_ac_init(rl_ac *ac, size_t obs_dim, const rl_space *action_space,
                      const size_t *hidden, size_t nhidden, rl_activation act, size_t max_batch,
                      rl_error *err);
RL_API void rl_ac_free(rl_ac *ac);

/* CleanRL's initialisation: orthogonal, gain sqrt(2) for hidden layers,
 * 0.01 for the policy head, 1 for the value head, zero biases; log_std all
 * log_std_init. */
RL_API int rl_ac_reset_params(rl_ac *ac, rl_pcg32 *rng, double log_std_init, rl_error *err);

/* Act on n rows of (already normalised) observations. actions: n rows of
 * act_dim values: the action index (discrete) or the Gaussian sample before
 * any clipping; greedy takes the argmax / the mean. logp and value (either
 * may be NULL) receive log pi(a|s) and V(s). */
RL_API void rl_ac_act(rl_ac *ac, const float *obs, size_t n, int greedy, rl_pcg32 *rng,
                      double *actions, double *logp, double *value);

/* V(s) for n rows. */
RL_API void rl_ac_value(rl_ac *ac, const float *obs, size_t n, double *value);

/* The PPO loss over n samples and, when accumulate is set, its gradient
 * ADDED to ac->grads (clear them first with rl_ac_zero_grad). *loss (may
 * be NULL) receives the total loss, parts (may be NULL) its pieces.
 * Returns RL_OK, or RL_EINVAL with a message in err (may be NULL) when n is
 * 0 or more than the max_batch the actor-critic was made for (its
 * workspaces hold that many rows); nothing is computed or written then. */
RL_API int rl_ac_loss(rl_ac *ac, const float *obs, const double *actions, const double *logp_old,
                      const double *advantages, const double *returns, size_t n,
                      const rl_ppo_coefs *c, rl_ppo_loss_parts *parts, int accumulate,
                      double *loss, rl_error *err);
RL_API void rl_ac_zero_grad(rl_ac *ac);

/* Clip a continuous action row into the box (copies a discrete one). */
RL_API void rl_ac_env_action(const rl_ac *ac, const double *action, double *env_action);

#ifdef __cplusplus
}
#endif
#endif /* RL_PPO_H */
