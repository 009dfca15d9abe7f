/* librl: what PPO's modules share inside the library; not installed.
 *
 *   dist.c          distributions (the public part is in <rl/ppo.h>)
 *   normalizer.c    running mean and variance (SB3's RunningMeanStd)
 *   actor_critic.c  rl_ac, and rl__acpol: the actor-critic as a policy that
 *                   takes raw observations (normalised, then acted on, then
 *                   clipped to the action box), with its description (the
 *                   "spec": spaces, layers, activation) for checkpoints
 *   ppo_loss.c      the loss terms and rl_ac_loss
 *   ppo.c           the algorithm type "ppo"
 *   model.c         rl_model (<rl/model.h>) */
#ifndef RL_PPO_INTERNAL_H
#define RL_PPO_INTERNAL_H

#include "rl/checkpoint.h"
#include "rl/nn.h"
#include "rl/policy.h"
#include "rl/ppo.h"
#include "rl/space.h"

/* ---- dist.c ------------------------------------------------------------------- */

/* Gradients of log p[a] (into glogp) and of the entropy (into gent) with
 * respect to the k logits; either may be NULL. */
void rl__categorical_grads(const float *logits, size_t k, size_t a, double *glogp, double *gent);
/* log p[a], returned; the entropy into *entropy; when glogp is not NULL,
 * the gradients of log p[a] and of the entropy into glogp and gent; lp and
 * p are k values of scratch (left holding log p and p). The same bits as
 * rl_categorical_logp, rl_categorical_entropy and rl__categorical_grads. */
double rl__categorical_all(const float *logits, size_t k, size_t a, double *entropy,
                           double *glogp, double *gent, double *lp, double *p);
/* First index of the largest logit. */
size_t rl__argmax_f(const float *x, size_t k);
/* A draw from softmax(logits), by inversion of one uniform of rng. */
size_t rl__categorical_sample(const float *logits, size_t k, rl_pcg32 *rng);
/* The standardised value z = (x - mean) / std, std = exp(log_std); the
 * inverse standard deviation into *inv_std (may be NULL). */
double rl__gaussian_z(double x, double mean, double log_std, double *inv_std);
/* log N of one dimension from its z: -z^2/2 - log_std - log(2 pi)/2. */
double rl__gaussian_logp_z(double z, double log_std);

/* ---- normalizer.c ------------------------------------------------------------- */

typedef struct rl__normalizer {
    size_t dim;
    double *mean, *var;
    double count;
} rl__normalizer;

/* Mean 0, variance 1, count 1e-4 (SB3's epsilon). RL_ENOMEM. */
int rl__norm_init(rl__normalizer *s, size_t dim);
void rl__norm_free(rl__normalizer *s);
/* Merge a batch of n rows (Chan et al.'s parallel update). */
void rl__norm_update(rl__normalizer *s, const double *x, size_t n);
/* Merge a batch given by its count nb and its per-dimension mean and
 * (population) variance, as rl__norm_update does with a batch's rows. */
void rl__norm_merge(rl__normalizer *s, double nb, const double *bmean, const double *bvar);
/* Rows as a network sees them, in float: (x - mean) / sqrt(var + 1e-8)
 * clipped to +-10 when on, x itself when not. */
void rl__norm_apply(const rl__normalizer *s, int on, const double *raw, size_t rows, float *out);
/* Write mean, var, count; read them into scratch (2 dim + 1 values) without
 * touching s, and install them with rl__norm_commit once the whole record
 * has been read. rl__norm_valid: 1 when the scratch's variances are finite
 * and not negative, its means finite and its count finite and positive. */
void rl__norm_save(const rl__normalizer *s, rl_writer *w);
void rl__norm_read(rl_reader *r, double *scratch, size_t dim);
int rl__norm_valid(const double *scratch, size_t dim);
void rl__norm_commit(rl__normalizer *s, const double *scratch);

/* ---- actor_critic.c ----------------------------------------------------------- */

/* What it takes to build an actor-critic again: recorded in a ppo
 * checkpoint (layout 2 on), so that rl_model_load needs no configuration. */
typedef struct rl__ac_spec {
    rl_space obs, act;                   /* owned copies */
    size_t hidden[RL_MLP_MAX_LAYERS];
    size_t nhidden;
    rl_activation activation;
    int norm_obs;                        /* observations are normalised */
} rl__ac_spec;

void rl__ac_spec_free(rl__ac_spec *s);
void rl__ac_spec_write(const rl__ac_spec *s, rl_writer *w);
/* Read a spec into s (owned on RL_OK, empty otherwise). RL_EFORMAT with a
 * message (prefixed "ppo checkpoint") when it is truncated or makes no
 * sense. */
int rl__ac_spec_read(rl_reader *r, rl__ac_spec *s, rl_error *err);

/* The actor-critic as a policy on raw observations. */
typedef struct rl__acpol {
    rl_ac ac;
    rl__ac_spec spec;
    rl__normalizer obs_rms;  /* used when spec.norm_obs */
    size_t obs_dim, act_dim;
    float *obs_f;            /* ac.max_batch rows of network input */
    double *tmp_act;         /* ac.max_batch rows of actions before clipping */
    rl_policy policy;        /* type rl__actor_critic_policy, impl this */
} rl__acpol;

/* Build it for the observation and action spaces and layers of spec (which
 * is copied), with zero weights; max_batch rows per network call (larger
 * calls are chunked). On failure nothing is left to free, but
 * rl__acpol_free is harmless. */
int rl__acpol_init(rl__acpol *p, const rl__ac_spec *spec, size_t max_batch, rl_error *err);
void rl__acpol_free(rl__acpol *p);
/* rl_policy's act: normalise, act, clip continuous actions to the box. */
int rl__acpol_act(rl__acpol *p, const double *obs, size_t n, int greedy, rl_pcg32 *rng,
                  double *actions, double *logp, double *value);

extern const rl_policy_type rl__actor_critic_policy;

/* ---- ppo_loss.c --------------------------------------------------------------- */

/* rl_ac_loss in its two independent halves, which PPO's update runs on two
 * threads: the policy's (the actor's forward pass, the surrogate and
 * entropy, the actor's backward pass into its gradients and log_std's)
 * fills every part but value; the value network's fills *value_loss.
 * Each touches only its own network's workspaces and gradients. n must be
 * 1 .. ac->max_batch; sums over the rows are taken times inv_n (1 / n for
 * the minibatch's mean; 1 / the rows of all ranks under an rl_comm); once
 * adds the terms counted once per minibatch (the Gaussian entropy's
 * gradient in log_std), which under an rl_comm one rank alone adds. rl__ac_loss_total puts the parts together. */
void rl__ac_loss_actor(rl_ac *ac, const float *obs, const double *actions,
                       const double *logp_old, const double *adv, size_t n, double inv_n,
                       int once, const rl_ppo_coefs *c, rl_ppo_loss_parts *parts, int accumulate);
void rl__ac_loss_critic(rl_ac *ac, const float *obs, const double *returns, size_t n,
                        double inv_n, const rl_ppo_coefs *c, double *value_loss, int accumulate);
double rl__ac_loss_total(const rl_ppo_loss_parts *parts, const rl_ppo_coefs *c);

/* ---- ppo.c, qlearn.c: what rl_model reads of their records ------------------------ */

/* Read the agent record a ppo (qlearn) save wrote, from the layout version
 * on, into a new actor-critic policy (Q-table and exploration rate); the
 * rest of the record (optimiser, counters, running returns) is read past.
 * RL_EVERSION for a layout that does not describe itself, RL_EFORMAT for a
 * damaged record, RL_ENOMEM. On failure nothing is left to free. */
int rl__ppo_read_policy(rl_reader *r, rl__acpol *pol, size_t max_batch, rl_error *err);
int rl__qlearn_read_policy(rl_reader *r, rl_qtable *q, double *epsilon, rl_error *err);

/* ---- space.c ------------------------------------------------------------------ */

/* A space as a record: u32 kind; discrete: u64 n; box: u32 ndim, ndim u64
 * extents, size f64 low, size f64 high. rl__space_read makes s (empty on
 * failure) and returns RL_EFORMAT for a truncated or invalid record. */
void rl__space_write(const rl_space *s, rl_writer *w);
int rl__space_read(rl_reader *r, rl_space *s);

#endif
