/* librl: clipped PPO with GAE (Schulman et al. 2017), and its parts.
 *
 * The implementation follows the details CleanRL and Stable-Baselines3
 * document (Huang et al., "The 37 implementation details of PPO"):
 * separate actor and critic networks with orthogonal initialisation; a
 * vector of environments with auto-reset; GAE with truncated episodes
 * bootstrapped from the value of their final observation; per-minibatch
 * advantage normalisation; the clipped surrogate; Adam with eps 1e-5 and
 * an optional linear learning-rate anneal; global gradient-norm clipping;
 * optional running normalisation of observations and scaling of rewards by
 * the running standard deviation of the discounted return (SB3's
 * VecNormalize). DeepRacer's key names and defaults are used where it has
 * them. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rl/algo.h"
#include "rl/ppo.h"

/* ---- distributions ---------------------------------------------------------------- */

static double logsumexp_f(const float *x, size_t k)
{
    double mx = x[0];
    for (size_t j = 1; j < k; j++)
        if (x[j] > mx) mx = x[j];
    double s = 0;
    for (size_t j = 0; j < k; j++) s += exp((double)x[j] - mx);
    return mx + log(s);
}

double rl_categorical_logp(const float *logits, size_t k, size_t a)
{
    return (double)logits[a] - logsumexp_f(logits, k);
}

double rl_categorical_entropy(const float *logits, size_t k)
{
    double lse = logsumexp_f(logits, k), h = 0;
    for (size_t j = 0; j < k; j++) {
        double lp = (double)logits[j] - lse;
        h -= exp(lp) * lp;
    }
    return h;
}

void rl_categorical_logp_grad(const float *logits, size_t k, size_t a, double *grad)
{
    double lse = logsumexp_f(logits, k);
    for (size_t j = 0; j < k; j++) grad[j] = (j == a ? 1.0 : 0.0) - exp((double)logits[j] - lse);
}

void rl_categorical_entropy_grad(const float *logits, size_t k, double *grad)
{
    double lse = logsumexp_f(logits, k), h = rl_categorical_entropy(logits, k);
    for (size_t j = 0; j < k; j++) {
        double lp = (double)logits[j] - lse;
        grad[j] = -exp(lp) * (lp + h);
    }
}

static const double HALF_LOG_2PI = 0.91893853320467274178;

double rl_gaussian_logp(const double *x, const double *mean, const double *log_std, size_t d)
{
    double lp = 0;
    for (size_t k = 0; k < d; k++) {
        double z = (x[k] - mean[k]) * exp(-log_std[k]);
        lp += -0.5 * z * z - log_std[k] - HALF_LOG_2PI;
    }
    return lp;
}

double rl_gaussian_entropy(const double *log_std, size_t d)
{
    double h = 0;
    for (size_t k = 0; k < d; k++) h += 0.5 + HALF_LOG_2PI + log_std[k];
    return h;
}

/* ---- GAE ---------------------------------------------------------------------------- */

void rl_gae(size_t T, size_t n, const double *rewards, const double *values,
            const double *last_values, const unsigned char *terminated,
            const unsigned char *truncated, const double *final_values, double gamma,
            double lambda, double *advantages, double *returns)
{
    for (size_t i = 0; i < n; i++) {
        double next_adv = 0, next_value = last_values[i];
        for (size_t t = T; t-- > 0;) {
            size_t k = t * n + i;
            double delta, adv;
            if (terminated[k]) {
                delta = rewards[k] - values[k];
                adv = delta;
            } else if (truncated[k]) {
                delta = rewards[k] + gamma * final_values[k] - values[k];
                adv = delta;
            } else {
                delta = rewards[k] + gamma * next_value - values[k];
                adv = delta + gamma * lambda * next_adv;
            }
            advantages[k] = adv;
            returns[k] = adv + values[k];
            next_adv = adv;
            next_value = values[k];
        }
    }
}

/* ---- loss terms ---------------------------------------------------------------------- */

double rl_ppo_clip_loss(double logp, double logp_old, double advantage, double clip,
                        double *dlogp)
{
    double r = exp(logp - logp_old);
    double rc = r < 1 - clip ? 1 - clip : r > 1 + clip ? 1 + clip : r;
    double unclipped = -advantage * r, clipped = -advantage * rc;
    /* The max picks the unclipped term when it is the larger (or equal: then
     * r is inside the range and both have the same slope); the clipped one
     * is flat in r. */
    if (unclipped >= clipped) {
        if (dlogp) *dlogp = -advantage * r;
        return unclipped;
    }
    if (dlogp) *dlogp = 0;
    return clipped;
}

double rl_value_loss(double v, double target, int huber, double *dv)
{
    double d = v - target;
    if (!huber || fabs(d) <= 1) {
        if (dv) *dv = d;
        return 0.5 * d * d;
    }
    if (dv) *dv = d > 0 ? 1 : -1;
    return fabs(d) - 0.5;
}

/* ---- the actor-critic ------------------------------------------------------------- */

int rl_ac_init(rl_ac *ac, size_t obs_dim, const rl_space *as, const size_t *hidden,
               size_t nhidden, rl_activation act, size_t max_batch, rl_error *err)
{
    memset(ac, 0, sizeof *ac);
    ac->obs_dim = obs_dim;
    ac->max_batch = max_batch;
    size_t nout;
    if (as->kind == RL_SPACE_DISCRETE) {
        if (as->n < 2 || as->n > 1 << 20)
            return rl_error_set(err, RL_EINVAL, "ppo: a discrete action space of %lld actions",
                                (long long)as->n);
        ac->discrete = 1;
        ac->nactions = (size_t)as->n;
        ac->act_dim = 1;
        nout = ac->nactions;
    } else {
        ac->act_dim = rl_space_dim(as);
        nout = ac->act_dim;
    }
    size_t na = rl_mlp_param_count(obs_dim, hidden, nhidden, nout);
    size_t nc = rl_mlp_param_count(obs_dim, hidden, nhidden, 1);
    size_t nl = ac->discrete ? 0 : ac->act_dim;
    if (na == 0 || nc == 0)
        return rl_error_set(err, RL_EINVAL, "ppo: a network needs inputs and units in each layer");
    ac->nparams = na + nc + nl;
    ac->params = calloc(ac->nparams, sizeof *ac->params);
    ac->grads = calloc(ac->nparams, sizeof *ac->grads);
    ac->dout_a = calloc(max_batch * nout, sizeof *ac->dout_a);
    ac->dout_c = calloc(max_batch, sizeof *ac->dout_c);
    ac->work = calloc(ac->discrete ? ac->nactions : 2 * ac->act_dim, sizeof *ac->work);
    if (!ac->discrete) {
        ac->act_low = calloc(ac->act_dim, sizeof *ac->act_low);
        ac->act_high = calloc(ac->act_dim, sizeof *ac->act_high);
    }
    if (!ac->params || !ac->grads || !ac->dout_a || !ac->dout_c || !ac->work ||
        (!ac->discrete && (!ac->act_low || !ac->act_high))) {
        rl_ac_free(ac);
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory for the networks");
    }
    if (!ac->discrete)
        for (size_t k = 0; k < ac->act_dim; k++) {
            ac->act_low[k] = as->low[k];
            ac->act_high[k] = as->high[k];
        }
    int rc = rl_mlp_init(&ac->actor, obs_dim, hidden, nhidden, nout, act, max_batch, ac->params,
                         ac->grads, err);
    if (rc == RL_OK)
        rc = rl_mlp_init(&ac->critic, obs_dim, hidden, nhidden, 1, act, max_batch,
                         ac->params + na, ac->grads + na, err);
    if (rc != RL_OK) {
        rl_ac_free(ac);
        return rc;
    }
    if (!ac->discrete) {
        ac->log_std = ac->params + na + nc;
        ac->dlog_std = ac->grads + na + nc;
    }
    return RL_OK;
}

void rl_ac_free(rl_ac *ac)
{
    if (!ac) return;
    rl_mlp_free(&ac->actor);
    rl_mlp_free(&ac->critic);
    free(ac->params);
    free(ac->grads);
    free(ac->dout_a);
    free(ac->dout_c);
    free(ac->work);
    free(ac->act_low);
    free(ac->act_high);
    memset(ac, 0, sizeof *ac);
}

int rl_ac_reset_params(rl_ac *ac, rl_pcg32 *rng, double log_std_init, rl_error *err)
{
    double gains[RL_MLP_MAX_LAYERS];
    size_t L = ac->actor.nlayers;
    for (size_t l = 0; l + 1 < L; l++) gains[l] = sqrt(2.0);
    gains[L - 1] = 0.01;
    int rc = rl_mlp_orthogonal_init(&ac->actor, gains, rng, err);
    if (rc != RL_OK) return rc;
    gains[L - 1] = 1.0;
    rc = rl_mlp_orthogonal_init(&ac->critic, gains, rng, err);
    if (rc != RL_OK) return rc;
    if (!ac->discrete)
        for (size_t k = 0; k < ac->act_dim; k++) ac->log_std[k] = (float)log_std_init;
    return RL_OK;
}

void rl_ac_zero_grad(rl_ac *ac) { memset(ac->grads, 0, ac->nparams * sizeof *ac->grads); }

static size_t argmax_f(const float *x, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (x[j] > x[best]) best = j;
    return best;
}

/* Draw from softmax(logits) by inversion of one uniform. */
static size_t sample_categorical(const float *logits, size_t k, rl_pcg32 *rng)
{
    double mx = logits[argmax_f(logits, k)], s = 0;
    for (size_t j = 0; j < k; j++) s += exp((double)logits[j] - mx);
    double u = rl_pcg32_double(rng) * s, c = 0;
    for (size_t j = 0; j < k; j++) {
        c += exp((double)logits[j] - mx);
        if (u < c) return j;
    }
    return k - 1; /* rounding: u fell on the sum itself */
}

static void ac_act_chunk(rl_ac *ac, const float *obs, size_t n, int greedy, rl_pcg32 *rng,
                         double *actions, double *logp, double *value)
{
    const float *out = rl_mlp_forward(&ac->actor, obs, n);
    if (ac->discrete) {
        size_t k = ac->nactions;
        for (size_t i = 0; i < n; i++) {
            const float *lg = out + i * k;
            size_t a = greedy ? argmax_f(lg, k) : sample_categorical(lg, k, rng);
            actions[i] = (double)a;
            if (logp) logp[i] = rl_categorical_logp(lg, k, a);
        }
    } else {
        size_t d = ac->act_dim;
        double *mean = ac->work, *ls = ac->work + d;
        for (size_t i = 0; i < n; i++) {
            double *a = actions + i * d;
            for (size_t k = 0; k < d; k++) {
                mean[k] = out[i * d + k];
                ls[k] = (double)ac->log_std[k];
                a[k] = greedy ? mean[k] : mean[k] + exp(ls[k]) * rl_pcg32_normal(rng);
            }
            if (logp) logp[i] = rl_gaussian_logp(a, mean, ls, d);
        }
    }
    if (value) rl_ac_value(ac, obs, n, value);
}

void rl_ac_act(rl_ac *ac, const float *obs, size_t n, int greedy, rl_pcg32 *rng,
               double *actions, double *logp, double *value)
{
    for (size_t i = 0; i < n; i += ac->max_batch) {
        size_t m = n - i < ac->max_batch ? n - i : ac->max_batch;
        ac_act_chunk(ac, obs + i * ac->obs_dim, m, greedy, rng, actions + i * ac->act_dim,
                     logp ? logp + i : NULL, value ? value + i : NULL);
    }
}

void rl_ac_value(rl_ac *ac, const float *obs, size_t n, double *value)
{
    for (size_t i = 0; i < n; i += ac->max_batch) {
        size_t m = n - i < ac->max_batch ? n - i : ac->max_batch;
        const float *v = rl_mlp_forward(&ac->critic, obs + i * ac->obs_dim, m);
        for (size_t j = 0; j < m; j++) value[i + j] = v[j];
    }
}

int rl_ac_loss(rl_ac *ac, const float *obs, const double *actions, const double *logp_old,
               const double *adv, const double *returns, size_t n, const rl_ppo_coefs *c,
               rl_ppo_loss_parts *parts, int accumulate, double *loss, rl_error *err)
{
    if (n == 0 || n > ac->max_batch)
        return rl_error_set(err, RL_EINVAL,
                            "rl_ac_loss: %zu rows; the actor-critic takes 1 to %zu (its max_batch)",
                            n, ac->max_batch);
    const float *out = rl_mlp_forward(&ac->actor, obs, n);
    double pol = 0, ent = 0, kl = 0, clipped = 0, inv_n = 1.0 / (double)n;
    if (ac->discrete) {
        size_t k = ac->nactions;
        double *prob = ac->work;
        for (size_t i = 0; i < n; i++) {
            const float *lg = out + i * k;
            size_t a = (size_t)actions[i];
            double lp = rl_categorical_logp(lg, k, a), dlogp;
            pol += rl_ppo_clip_loss(lp, logp_old[i], adv[i], c->clip, &dlogp);
            ent += rl_categorical_entropy(lg, k);
            double lr = lp - logp_old[i], r = exp(lr);
            kl += (r - 1) - lr;
            if (fabs(r - 1) > c->clip) clipped += 1;
            if (!accumulate) continue;
            float *d = ac->dout_a + i * k;
            /* d/dlogits of dlogp * logp - entropy_coef * H, over n. */
            double lse = logsumexp_f(lg, k), h = 0;
            for (size_t j = 0; j < k; j++) {
                double lpj = (double)lg[j] - lse;
                prob[j] = exp(lpj);
                h -= prob[j] * lpj;
            }
            for (size_t j = 0; j < k; j++) {
                double lpj = (double)lg[j] - lse;
                double dl = (j == a ? 1.0 : 0.0) - prob[j];
                double dh = -prob[j] * (lpj + h);
                d[j] = (float)((dlogp * dl - c->entropy_coef * dh) * inv_n);
            }
        }
    } else {
        size_t d = ac->act_dim;
        for (size_t i = 0; i < n; i++) {
            const double *a = actions + i * d;
            double lp = 0;
            for (size_t k = 0; k < d; k++) {
                double s = (double)ac->log_std[k], z = (a[k] - out[i * d + k]) * exp(-s);
                lp += -0.5 * z * z - s - HALF_LOG_2PI;
            }
            double dlogp;
            pol += rl_ppo_clip_loss(lp, logp_old[i], adv[i], c->clip, &dlogp);
            double lr = lp - logp_old[i], r = exp(lr);
            kl += (r - 1) - lr;
            if (fabs(r - 1) > c->clip) clipped += 1;
            if (!accumulate) continue;
            for (size_t k = 0; k < d; k++) {
                double s = (double)ac->log_std[k], is = exp(-s);
                double z = (a[k] - out[i * d + k]) * is;
                /* dlogp/dmean = z / std, dlogp/dlog_std = z^2 - 1. */
                ac->dout_a[i * d + k] = (float)(dlogp * z * is * inv_n);
                ac->dlog_std[k] += (float)(dlogp * (z * z - 1) * inv_n);
            }
        }
        double *ls = ac->work;
        for (size_t k = 0; k < d; k++) ls[k] = ac->log_std[k];
        ent = rl_gaussian_entropy(ls, d) * (double)n;
        if (accumulate)
            for (size_t k = 0; k < d; k++) ac->dlog_std[k] -= (float)c->entropy_coef;
    }
    if (accumulate) rl_mlp_backward(&ac->actor, ac->dout_a, n, NULL);

    const float *v = rl_mlp_forward(&ac->critic, obs, n);
    double vl = 0;
    for (size_t i = 0; i < n; i++) {
        double dv;
        vl += rl_value_loss(v[i], returns[i], c->huber, &dv);
        ac->dout_c[i] = (float)(c->value_coef * dv * inv_n);
    }
    if (accumulate) rl_mlp_backward(&ac->critic, ac->dout_c, n, NULL);

    pol *= inv_n;
    vl *= inv_n;
    ent *= inv_n;
    if (parts) {
        parts->policy = pol;
        parts->value = vl;
        parts->entropy = ent;
        parts->approx_kl = kl * inv_n;
        parts->clip_fraction = clipped * inv_n;
    }
    if (loss) *loss = pol + c->value_coef * vl - c->entropy_coef * ent;
    return RL_OK;
}

void rl_ac_env_action(const rl_ac *ac, const double *action, double *env_action)
{
    if (ac->discrete) {
        env_action[0] = action[0];
        return;
    }
    for (size_t k = 0; k < ac->act_dim; k++) {
        double x = action[k];
        env_action[k] = x < ac->act_low[k] ? ac->act_low[k] : x > ac->act_high[k] ? ac->act_high[k] : x;
    }
}

/* ---- running statistics (SB3's RunningMeanStd) ------------------------------------ */

typedef struct running_stats {
    size_t dim;
    double *mean, *var;
    double count;
} running_stats;

static int rs_init(running_stats *s, size_t dim)
{
    s->dim = dim;
    s->mean = calloc(dim, sizeof *s->mean);
    s->var = malloc(dim * sizeof *s->var);
    if (!s->mean || !s->var) return RL_ENOMEM;
    for (size_t k = 0; k < dim; k++) s->var[k] = 1;
    s->count = 1e-4;
    return RL_OK;
}

static void rs_free(running_stats *s)
{
    free(s->mean);
    free(s->var);
}

/* Merge a batch of n rows (Chan et al.'s parallel update). */
static void rs_update(running_stats *s, const double *x, size_t n)
{
    double nb = (double)n, tot = s->count + nb;
    for (size_t k = 0; k < s->dim; k++) {
        double bm = 0, bv = 0;
        for (size_t i = 0; i < n; i++) bm += x[i * s->dim + k];
        bm /= nb;
        for (size_t i = 0; i < n; i++) {
            double d = x[i * s->dim + k] - bm;
            bv += d * d;
        }
        bv /= nb;
        double delta = bm - s->mean[k];
        double m2 = s->var[k] * s->count + bv * nb + delta * delta * s->count * nb / tot;
        s->mean[k] += delta * nb / tot;
        s->var[k] = m2 / tot;
    }
    s->count = tot;
}

static void rs_save(const running_stats *s, rl_writer *w)
{
    rl_write_f64_array(w, s->mean, s->dim);
    rl_write_f64_array(w, s->var, s->dim);
    rl_write_f64(w, s->count);
}

/* Read what rs_save wrote into scratch (2 dim + 1 values) without touching
 * s; rs_commit then installs it, once the whole record has been read. */
static void rs_read(rl_reader *r, double *scratch, size_t dim)
{
    rl_read_f64_array(r, scratch, 2 * dim + 1);
}

static void rs_commit(running_stats *s, const double *scratch)
{
    memcpy(s->mean, scratch, s->dim * sizeof *scratch);
    memcpy(s->var, scratch + s->dim, s->dim * sizeof *scratch);
    s->count = scratch[2 * s->dim];
}

/* ---- the algorithm ------------------------------------------------------------------ */

static const rl_param ppo_params[] = {
    {"batch_size", RL_PARAM_INT, "64", 1, 1e7, NULL,
     "samples in each gradient step (minibatch size)"},
    {"epochs", RL_PARAM_INT, "10", 1, 1e4, NULL, "passes over each iteration's experience"},
    {"learning_rate", RL_PARAM_REAL, "0.0003", 1e-12, 10, NULL, "Adam's step size"},
    {"entropy", RL_PARAM_REAL, "0.01", 0, 1e3, NULL,
     "coefficient of the entropy bonus (DeepRacer's beta_entropy)"},
    {"discount", RL_PARAM_REAL, "0.99", 0, 1, NULL, "discount factor gamma"},
    {"loss", RL_PARAM_CHOICE, "huber", 0, 0, "huber|mse", "value loss: Huber or mean squared error"},
    {"episodes_per_iteration", RL_PARAM_INT, "20", 1, 1e6, NULL,
     "episodes to collect before each update (DeepRacer's num_episodes_between_training)"},
    {"steps_per_iteration", RL_PARAM_INT, "0", 0, 1e8, NULL,
     "environment steps (over all environments) to collect before each update, "
     "instead of episodes_per_iteration; 0: use episodes_per_iteration"},
    {"gae_lambda", RL_PARAM_REAL, "0.95", 0, 1, NULL, "lambda of generalised advantage estimation"},
    {"clip", RL_PARAM_REAL, "0.2", 1e-6, 10, NULL, "clip range of the probability ratio"},
    {"value_coef", RL_PARAM_REAL, "0.5", 0, 1e6, NULL, "weight of the value loss"},
    {"max_grad_norm", RL_PARAM_REAL, "0.5", 0, 1e12, NULL,
     "clip the global gradient norm to this (0: no clipping)"},
    {"anneal_lr", RL_PARAM_BOOL, "false", 0, 0, NULL,
     "let the learning rate fall linearly to 0 over anneal_steps"},
    {"anneal_steps", RL_PARAM_INT, "0", 0, 1e15, NULL,
     "environment steps the anneal spans (0: [run] total_steps)"},
    {"normalize_advantages", RL_PARAM_BOOL, "true", 0, 0, NULL,
     "normalise advantages within each minibatch"},
    {"normalize_observations", RL_PARAM_BOOL, "false", 0, 0, NULL,
     "scale observations by running mean and standard deviation (clipped to +-10)"},
    {"scale_rewards", RL_PARAM_BOOL, "false", 0, 0, NULL,
     "divide rewards by the running standard deviation of the discounted return"},
    {"hidden", RL_PARAM_STRING, "64,64", 0, 0, NULL,
     "hidden layer sizes of both networks, comma-separated (empty: linear)"},
    {"activation", RL_PARAM_CHOICE, "tanh", 0, 0, "tanh|relu", "hidden-layer activation"},
    {"adam_epsilon", RL_PARAM_REAL, "1e-5", 0, 1, NULL, "Adam's epsilon"},
    {"log_std_init", RL_PARAM_REAL, "0", -20, 5, NULL,
     "initial log standard deviation of continuous actions"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

static const char *const ppo_stats[] = {"policy_loss",   "value_loss",         "entropy",
                                        "approx_kl",     "clip_fraction",      "explained_variance",
                                        "learning_rate", "grad_norm",          NULL};

/* Transitions a single iteration may hold before it gives up waiting for
 * episodes to end. */
#define PPO_MAX_BUFFER ((size_t)1 << 24)

typedef struct ppo {
    /* configuration */
    double lr, gamma, lambda, max_grad_norm, adam_eps, log_std_init;
    rl_ppo_coefs coefs;
    int64_t batch_size, epochs, episodes_per_iter, steps_per_iter, total_steps;
    int anneal, norm_adv, norm_obs, scale_rew;
    size_t n, obs_dim, act_dim;
    /* learning state */
    rl_ac ac;
    rl_policy policy;      /* the actor-critic as an rl_policy, impl = this state */
    rl_adam adam;
    rl_pcg32 rng;
    running_stats obs_rms, ret_rms;
    double *ret_acc;       /* discounted return of each environment, for scale_rewards */
    uint64_t steps_done;   /* environment steps taken */
    int broken;            /* a non-finite value appeared; no more training or saving */
    char broken_msg[RL_ERRMSG_SIZE];
    /* per-step workspaces */
    double *obs_raw, *next_raw, *final_raw, *env_act, *rew, *tmp_act;
    unsigned char *term, *trunc;
    float *obs_f, *one_f;
    double *one_val;
    /* the rollout buffer: cap_T steps of n environments */
    size_t cap_T;
    float *b_obs;
    double *b_act, *b_logp, *b_val, *b_rew, *b_final, *b_adv, *b_ret;
    unsigned char *b_term, *b_trunc;
    double *last_val;
    /* minibatch workspaces */
    size_t *perm;
    float *mb_obs;
    double *mb_act, *mb_logp, *mb_adv, *mb_ret;
} ppo;

static const rl_policy_type actor_critic_policy;

static int parse_hidden(rl_config *cfg, const char *sec, size_t *hidden, size_t *nhidden)
{
    const char *s;
    if (rl_config_get_string(cfg, sec, "hidden", &s)) return RL_EINVAL;
    *nhidden = 0;
    const char *p = s;
    while (*p == ' ') p++;
    if (!*p) return RL_OK;
    for (;;) {
        char *end;
        while (*p == ' ') p++;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65536)
            return rl_config_fail(cfg, RL_EINVAL, sec, "hidden",
                                  "'%s' is not a list of layer sizes (1 to 65536, e.g. 64,64)", s);
        if (*nhidden == RL_MLP_MAX_LAYERS - 1)
            return rl_config_fail(cfg, RL_ERANGE, sec, "hidden", "at most %d hidden layers",
                                  RL_MLP_MAX_LAYERS - 1);
        hidden[(*nhidden)++] = (size_t)v;
        p = end;
        while (*p == ' ') p++;
        if (!*p) return RL_OK;
        if (*p != ',')
            return rl_config_fail(cfg, RL_EINVAL, sec, "hidden",
                                  "'%s' is not a list of layer sizes (1 to 65536, e.g. 64,64)", s);
        p++;
    }
}

static int grow_buffer(ppo *p, size_t cap)
{
    size_t n = p->n, od = p->obs_dim, ad = p->act_dim, rows = cap * n;
#define GROW(ptr, count)                                                       \
    do {                                                                       \
        void *q_ = realloc((ptr), (count) * sizeof *(ptr));                    \
        if (!q_) return RL_ENOMEM;                                             \
        (ptr) = q_;                                                            \
    } while (0)
    GROW(p->b_obs, rows * od);
    GROW(p->b_act, rows * ad);
    GROW(p->b_logp, rows);
    GROW(p->b_val, rows);
    GROW(p->b_rew, rows);
    GROW(p->b_final, rows);
    GROW(p->b_adv, rows);
    GROW(p->b_ret, rows);
    GROW(p->b_term, rows);
    GROW(p->b_trunc, rows);
    GROW(p->perm, rows);
#undef GROW
    p->cap_T = cap;
    return RL_OK;
}

static int ppo_init(void *state, rl_config *cfg, const char *sec, rl_env_batch *envs,
                    uint64_t seed, rl_error *err)
{
    ppo *p = state;
    const char *loss, *act;
    if (rl_config_get_int(cfg, sec, "batch_size", &p->batch_size) ||
        rl_config_get_int(cfg, sec, "epochs", &p->epochs) ||
        rl_config_get_real(cfg, sec, "learning_rate", &p->lr) ||
        rl_config_get_real(cfg, sec, "entropy", &p->coefs.entropy_coef) ||
        rl_config_get_real(cfg, sec, "discount", &p->gamma) ||
        rl_config_get_string(cfg, sec, "loss", &loss) ||
        rl_config_get_int(cfg, sec, "episodes_per_iteration", &p->episodes_per_iter) ||
        rl_config_get_int(cfg, sec, "steps_per_iteration", &p->steps_per_iter) ||
        rl_config_get_real(cfg, sec, "gae_lambda", &p->lambda) ||
        rl_config_get_real(cfg, sec, "clip", &p->coefs.clip) ||
        rl_config_get_real(cfg, sec, "value_coef", &p->coefs.value_coef) ||
        rl_config_get_real(cfg, sec, "max_grad_norm", &p->max_grad_norm) ||
        rl_config_get_bool(cfg, sec, "anneal_lr", &p->anneal) ||
        rl_config_get_bool(cfg, sec, "normalize_advantages", &p->norm_adv) ||
        rl_config_get_bool(cfg, sec, "normalize_observations", &p->norm_obs) ||
        rl_config_get_bool(cfg, sec, "scale_rewards", &p->scale_rew) ||
        rl_config_get_string(cfg, sec, "activation", &act) ||
        rl_config_get_real(cfg, sec, "adam_epsilon", &p->adam_eps) ||
        rl_config_get_real(cfg, sec, "log_std_init", &p->log_std_init))
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    p->coefs.huber = strcmp(loss, "huber") == 0;
    size_t hidden[RL_MLP_MAX_LAYERS], nhidden;
    if (parse_hidden(cfg, sec, hidden, &nhidden) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    if (rl_config_get_int(cfg, sec, "anneal_steps", &p->total_steps))
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    if (p->anneal && p->total_steps == 0 && rl_config_is_declared(cfg, "run") &&
        rl_config_get_int(cfg, "run", "total_steps", &p->total_steps))
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    if (p->anneal && p->total_steps <= 0)
        return rl_error_set(err, RL_EINVAL,
                            "%s: [%s] anneal_lr needs anneal_steps (or [run] total_steps, "
                            "which rlrun provides) to anneal over",
                            rl_config_where(cfg, sec, "anneal_lr"), sec);

    rl_env *env = rl_env_batch_env(envs, 0);
    const rl_space *os = rl_env_observation_space(env), *as = rl_env_action_space(env);
    p->n = rl_env_batch_size(envs);
    p->obs_dim = rl_space_dim(os);
    if (!p->n || !p->obs_dim)
        return rl_error_set(err, RL_EINVAL, "ppo: environment '%s' has no observations",
                            rl_env_get_type(env)->name);
    size_t maxb = (size_t)p->batch_size > p->n ? (size_t)p->batch_size : p->n;
    int rc = rl_ac_init(&p->ac, p->obs_dim, as, hidden, nhidden,
                        strcmp(act, "relu") == 0 ? RL_ACT_RELU : RL_ACT_TANH, maxb, err);
    if (rc != RL_OK) return rc;
    p->act_dim = p->ac.act_dim;
    p->policy.type = &actor_critic_policy;
    p->policy.impl = p;
    rl_pcg32_seed(&p->rng, seed, UINT64_C(0x9907)); /* a stream of its own */
    rc = rl_ac_reset_params(&p->ac, &p->rng, p->log_std_init, err);
    if (rc != RL_OK) return rc;
    if (rl_adam_init(&p->adam, p->ac.nparams, 0.9, 0.999, p->adam_eps) != RL_OK ||
        rs_init(&p->obs_rms, p->obs_dim) != RL_OK || rs_init(&p->ret_rms, 1) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory");

    size_t n = p->n, od = p->obs_dim, ad = p->act_dim;
    p->ret_acc = calloc(n, sizeof *p->ret_acc);
    p->obs_raw = calloc(n * od, sizeof(double));
    p->next_raw = calloc(n * od, sizeof(double));
    p->final_raw = calloc(n * od, sizeof(double));
    p->tmp_act = calloc(maxb * ad, sizeof(double));
    p->env_act = calloc(n * ad, sizeof(double));
    p->rew = calloc(n, sizeof(double));
    p->term = calloc(n, 1);
    p->trunc = calloc(n, 1);
    p->obs_f = calloc(maxb * od, sizeof(float));
    p->one_f = calloc(od, sizeof(float));
    p->one_val = calloc(n, sizeof(double));
    p->last_val = calloc(n, sizeof(double));
    size_t mb = (size_t)p->batch_size;
    p->mb_obs = calloc(mb * od, sizeof(float));
    p->mb_act = calloc(mb * ad, sizeof(double));
    p->mb_logp = calloc(mb, sizeof(double));
    p->mb_adv = calloc(mb, sizeof(double));
    p->mb_ret = calloc(mb, sizeof(double));
    size_t cap = p->steps_per_iter > 0 ? ((size_t)p->steps_per_iter + n - 1) / n : 256;
    if (!p->ret_acc || !p->obs_raw || !p->next_raw || !p->final_raw || !p->tmp_act ||
        !p->env_act || !p->rew || !p->term || !p->trunc || !p->obs_f || !p->one_f ||
        !p->one_val || !p->last_val || !p->mb_obs || !p->mb_act || !p->mb_logp || !p->mb_adv ||
        !p->mb_ret || grow_buffer(p, cap) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory");
    rc = rl_env_batch_reset(envs, seed, p->obs_raw);
    if (rc != RL_OK) return rl_error_set(err, rc, "%s", rl_env_batch_errmsg(envs));
    return RL_OK;
}

/* Observation rows as the networks see them: normalised (without updating
 * the statistics) and in float. */
static void to_input(const ppo *p, const double *raw, size_t rows, float *out)
{
    size_t od = p->obs_dim;
    for (size_t i = 0; i < rows; i++)
        for (size_t k = 0; k < od; k++) {
            double x = raw[i * od + k];
            if (p->norm_obs) {
                x = (x - p->obs_rms.mean[k]) / sqrt(p->obs_rms.var[k] + 1e-8);
                x = x < -10 ? -10 : x > 10 ? 10 : x;
            }
            out[i * od + k] = (float)x;
        }
}

static int broken(ppo *p, rl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int broken(ppo *p, rl_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->broken_msg, sizeof p->broken_msg, fmt, ap);
    va_end(ap);
    p->broken = 1;
    return rl_error_set(err, RL_ENUMERIC, "%s", p->broken_msg);
}

/* Collect one iteration's experience into the buffer; returns T. */
static int collect(ppo *p, rl_env_batch *envs, size_t *T_out, rl_error *err)
{
    size_t n = p->n, od = p->obs_dim, ad = p->act_dim, T = 0;
    size_t T_target = p->steps_per_iter > 0 ? ((size_t)p->steps_per_iter + n - 1) / n : 0;
    uint64_t episodes = 0;
    rl_env_batch_observations(envs, p->obs_raw);
    for (;;) {
        if (T == p->cap_T) {
            if ((T + 1) * n > PPO_MAX_BUFFER)
                return rl_error_set(err, RL_ERANGE,
                                    "ppo: %zu steps collected and only %llu of the %lld "
                                    "episodes_per_iteration ended; set steps_per_iteration",
                                    T * n, (unsigned long long)episodes,
                                    (long long)p->episodes_per_iter);
            if (grow_buffer(p, 2 * p->cap_T) != RL_OK)
                return rl_error_set(err, RL_ENOMEM, "ppo: out of memory for the rollout");
        }
        if (p->norm_obs) rs_update(&p->obs_rms, p->obs_raw, n);
        float *o = p->b_obs + T * n * od;
        to_input(p, p->obs_raw, n, o);
        double *a = p->b_act + T * n * ad;
        rl_ac_act(&p->ac, o, n, 0, &p->rng, a, p->b_logp + T * n, p->b_val + T * n);
        for (size_t i = 0; i < n; i++) rl_ac_env_action(&p->ac, a + i * ad, p->env_act + i * ad);
        int rc = rl_env_batch_step(envs, p->env_act, p->next_raw, p->rew, p->term, p->trunc,
                                   p->final_raw);
        if (rc != RL_OK) return rl_error_set(err, rc, "%s", rl_env_batch_errmsg(envs));
        double *r = p->b_rew + T * n;
        if (p->scale_rew) {
            for (size_t i = 0; i < n; i++) p->ret_acc[i] = p->ret_acc[i] * p->gamma + p->rew[i];
            rs_update(&p->ret_rms, p->ret_acc, n);
            double sd = sqrt(p->ret_rms.var[0] + 1e-8);
            for (size_t i = 0; i < n; i++) {
                double x = p->rew[i] / sd;
                r[i] = x < -10 ? -10 : x > 10 ? 10 : x;
            }
        } else {
            memcpy(r, p->rew, n * sizeof *r);
        }
        for (size_t i = 0; i < n; i++) {
            size_t k = T * n + i;
            p->b_term[k] = p->term[i];
            p->b_trunc[k] = p->trunc[i] && !p->term[i];
            if (p->term[i] || p->trunc[i]) {
                episodes++;
                p->ret_acc[i] = 0;
            }
            if (p->b_trunc[k]) {
                to_input(p, p->final_raw + i * od, 1, p->one_f);
                rl_ac_value(&p->ac, p->one_f, 1, &p->b_final[k]);
            }
        }
        double *t = p->obs_raw;
        p->obs_raw = p->next_raw;
        p->next_raw = t;
        T++;
        if (T_target ? T >= T_target : episodes >= (uint64_t)p->episodes_per_iter) break;
    }
    to_input(p, p->obs_raw, n, p->obs_f);
    rl_ac_value(&p->ac, p->obs_f, n, p->last_val);
    *T_out = T;
    return RL_OK;
}

static int ppo_iterate(void *state, rl_env_batch *envs, uint64_t *env_steps, double *stats,
                       rl_error *err)
{
    ppo *p = state;
    if (p->broken) return rl_error_set(err, RL_ENUMERIC, "%s", p->broken_msg);
    size_t T = 0;
    int rc = collect(p, envs, &T, err);
    if (rc != RL_OK) return rc;
    size_t n = p->n, N = T * n, od = p->obs_dim, ad = p->act_dim;
    double lr = p->lr;
    if (p->anneal) {
        double frac = 1.0 - (double)p->steps_done / (double)p->total_steps;
        lr *= frac > 0 ? frac : 0;
    }
    p->steps_done += N;
    *env_steps += N;

    rl_gae(T, n, p->b_rew, p->b_val, p->last_val, p->b_term, p->b_trunc, p->b_final, p->gamma,
           p->lambda, p->b_adv, p->b_ret);

    /* Explained variance of the value predictions, before the update. */
    double rm = 0, dm = 0, rv = 0, dv = 0;
    for (size_t k = 0; k < N; k++) {
        rm += p->b_ret[k];
        dm += p->b_ret[k] - p->b_val[k];
    }
    rm /= (double)N;
    dm /= (double)N;
    for (size_t k = 0; k < N; k++) {
        double a = p->b_ret[k] - rm, b = p->b_ret[k] - p->b_val[k] - dm;
        rv += a * a;
        dv += b * b;
    }
    double explained = rv > 0 ? 1 - dv / rv : NAN;

    rl_ppo_loss_parts sum = {0, 0, 0, 0, 0}, parts;
    double norm_sum = 0;
    size_t updates = 0, mbsize = (size_t)p->batch_size;
    for (size_t k = 0; k < N; k++) p->perm[k] = k;
    for (int64_t epoch = 0; epoch < p->epochs; epoch++) {
        for (size_t k = N; k > 1; k--) {
            size_t j = rl_pcg32_bounded(&p->rng, (uint32_t)k);
            size_t t = p->perm[k - 1];
            p->perm[k - 1] = p->perm[j];
            p->perm[j] = t;
        }
        for (size_t start = 0; start < N; start += mbsize) {
            size_t m = N - start < mbsize ? N - start : mbsize;
            double am = 0, as = 0;
            for (size_t j = 0; j < m; j++) {
                size_t k = p->perm[start + j];
                memcpy(p->mb_obs + j * od, p->b_obs + k * od, od * sizeof(float));
                memcpy(p->mb_act + j * ad, p->b_act + k * ad, ad * sizeof(double));
                p->mb_logp[j] = p->b_logp[k];
                p->mb_adv[j] = p->b_adv[k];
                p->mb_ret[j] = p->b_ret[k];
                am += p->b_adv[k];
            }
            if (p->norm_adv && m > 1) {
                /* As CleanRL: the sample standard deviation, plus 1e-8. */
                am /= (double)m;
                for (size_t j = 0; j < m; j++) as += (p->mb_adv[j] - am) * (p->mb_adv[j] - am);
                double sd = sqrt(as / (double)(m - 1));
                for (size_t j = 0; j < m; j++) p->mb_adv[j] = (p->mb_adv[j] - am) / (sd + 1e-8);
            }
            rl_ac_zero_grad(&p->ac);
            double loss;
            rc = rl_ac_loss(&p->ac, p->mb_obs, p->mb_act, p->mb_logp, p->mb_adv, p->mb_ret, m,
                            &p->coefs, &parts, 1, &loss, err);
            if (rc != RL_OK) return rc;
            if (!isfinite(loss))
                return broken(p, err,
                              "ppo: the loss became non-finite (policy %g, value %g, entropy %g) "
                              "in epoch %lld, minibatch %zu, after %llu environment steps",
                              parts.policy, parts.value, parts.entropy, (long long)epoch + 1,
                              start / mbsize + 1, (unsigned long long)p->steps_done);
            double norm = rl_clip_grad_norm(p->ac.grads, p->ac.nparams, p->max_grad_norm);
            if (!isfinite(norm))
                return broken(p, err,
                              "ppo: the gradient became non-finite (loss %g) in epoch %lld, "
                              "minibatch %zu, after %llu environment steps",
                              loss, (long long)epoch + 1, start / mbsize + 1,
                              (unsigned long long)p->steps_done);
            rl_adam_step(&p->adam, p->ac.params, p->ac.grads, lr);
            if (!rl_all_finite_f(p->ac.params, p->ac.nparams))
                return broken(p, err,
                              "ppo: a network weight became non-finite in epoch %lld, "
                              "minibatch %zu, after %llu environment steps",
                              (long long)epoch + 1, start / mbsize + 1,
                              (unsigned long long)p->steps_done);
            sum.policy += parts.policy;
            sum.value += parts.value;
            sum.entropy += parts.entropy;
            sum.approx_kl += parts.approx_kl;
            sum.clip_fraction += parts.clip_fraction;
            norm_sum += norm;
            updates++;
        }
    }
    double u = updates ? (double)updates : 1;
    stats[0] = sum.policy / u;
    stats[1] = sum.value / u;
    stats[2] = sum.entropy / u;
    stats[3] = sum.approx_kl / u;
    stats[4] = sum.clip_fraction / u;
    stats[5] = explained;
    stats[6] = lr;
    stats[7] = norm_sum / u;
    return RL_OK;
}

/* ---- the agent as an rl_policy ---------------------------------------------------- */

static int policy_act(void *impl, const double *obs, size_t n, int greedy, rl_pcg32 *rng,
                      double *actions, double *logp, double *value, rl_error *err)
{
    ppo *p = impl;
    (void)err;
    size_t od = p->obs_dim, ad = p->act_dim, maxb = p->ac.max_batch;
    for (size_t i = 0; i < n; i += maxb) {
        size_t m = n - i < maxb ? n - i : maxb;
        to_input(p, obs + i * od, m, p->obs_f);
        rl_ac_act(&p->ac, p->obs_f, m, greedy, rng, p->tmp_act, logp ? logp + i : NULL,
                  value ? value + i : NULL);
        for (size_t j = 0; j < m; j++) {
            rl_ac_env_action(&p->ac, p->tmp_act + j * ad, actions + (i + j) * ad);
            if (greedy && logp) logp[i + j] = 0;
        }
    }
    return RL_OK;
}

/* The networks and the observation normaliser: what acting needs. */
static void policy_save(const void *impl, rl_writer *w)
{
    const ppo *p = impl;
    rl_write_u64(w, p->ac.nparams);
    rl_write_f32_array(w, p->ac.params, p->ac.nparams);
    rs_save(&p->obs_rms, w);
}

static int policy_load(void *impl, rl_reader *r, rl_error *err)
{
    ppo *p = impl;
    uint64_t np = 0;
    rl_read_u64(r, &np);
    if (r->failed || np != p->ac.nparams)
        return rl_error_set(err, RL_EFORMAT, "actor-critic policy: %s",
                            r->failed ? "truncated" : "another network shape");
    size_t P = p->ac.nparams, D = p->obs_dim;
    float *f = malloc(P * sizeof *f);
    double *d = malloc((2 * D + 1) * sizeof *d);
    if (!f || !d) {
        free(f);
        free(d);
        return rl_error_set(err, RL_ENOMEM, "out of memory loading a policy");
    }
    rl_read_f32_array(r, f, P);
    rs_read(r, d, D);
    if (r->failed || !rl_all_finite_f(f, P)) {
        free(f);
        free(d);
        return rl_error_set(err, RL_EFORMAT, "actor-critic policy: %s",
                            r->failed ? "truncated" : "non-finite weights");
    }
    memcpy(p->ac.params, f, P * sizeof *f);
    rs_commit(&p->obs_rms, d);
    free(f);
    free(d);
    return RL_OK;
}

static const rl_policy_type actor_critic_policy = {
    RL_POLICY_TYPE_HEADER,
    .name = "actor_critic",
    .act = policy_act,
    .save = policy_save,
    .load = policy_load,
};

static const rl_policy *ppo_policy(void *state) { return &((ppo *)state)->policy; }

static int ppo_act(void *state, const double *obs, size_t n, double *actions, int greedy,
                   rl_error *err)
{
    ppo *p = state;
    return policy_act(p, obs, n, greedy, &p->rng, actions, NULL, NULL, err);
}

/* Layout: sizes (for a clear error on a mismatch), counters, generator,
 * parameters, Adam's state, the normalisers, the running returns. */
/* Version of the layout ppo_save writes; bump it when the layout changes
 * and keep reading the older ones where possible. */
#define PPO_LAYOUT 1u

static int ppo_save(const void *state, rl_writer *w, rl_error *err)
{
    const ppo *p = state;
    if (p->broken)
        return rl_error_set(err, RL_ENUMERIC, "not saving a broken training state: %s",
                            p->broken_msg);
    rl_write_u32(w, PPO_LAYOUT);
    rl_write_u64(w, p->ac.nparams);
    rl_write_u64(w, p->obs_dim);
    rl_write_u64(w, p->n);
    rl_write_u64(w, p->steps_done);
    rl_write_u64(w, p->rng.state);
    rl_write_u64(w, p->rng.inc);
    rl_write_f32_array(w, p->ac.params, p->ac.nparams);
    rl_write_u64(w, p->adam.t);
    rl_write_f32_array(w, p->adam.m, p->adam.n);
    rl_write_f32_array(w, p->adam.v, p->adam.n);
    rs_save(&p->obs_rms, w);
    rs_save(&p->ret_rms, w);
    rl_write_f64_array(w, p->ret_acc, p->n);
    return RL_OK;
}

/* ppo_load (agent_only 0) and ppo_load_agent (1): the latter reads past
 * the running returns, one per environment of the run that saved, and
 * keeps this instance's. */
static int ppo_read(ppo *p, rl_reader *r, int agent_only, rl_error *err)
{
    uint64_t np = 0, od = 0, n = 0;
    uint32_t layout = 0;
    rl_read_u32(r, &layout);
    if (!r->failed && layout != PPO_LAYOUT)
        return rl_error_set(err, RL_EVERSION,
                            "the checkpoint's ppo state has layout %u; this librl reads layout %u",
                            (unsigned)layout, PPO_LAYOUT);
    rl_read_u64(r, &np);
    rl_read_u64(r, &od);
    rl_read_u64(r, &n);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    if (np != p->ac.nparams || od != p->obs_dim)
        return rl_error_set(err, RL_EINVAL,
                            "the checkpoint's networks have %llu parameters over %llu inputs; "
                            "this configuration's have %zu over %zu (check [ppo] hidden)",
                            (unsigned long long)np, (unsigned long long)od, p->ac.nparams,
                            p->obs_dim);
    if (agent_only && n > (uint64_t)(r->len - r->pos) / 8)
        return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    if (!agent_only && n != p->n)
        return rl_error_set(err, RL_EINVAL,
                            "the checkpoint was trained with %llu environments; this run has %zu "
                            "([run] num_envs must match)",
                            (unsigned long long)n, p->n);
    size_t P = p->ac.nparams, D = p->obs_dim;
    /* Read everything into scratch space first: load is all or nothing. */
    uint64_t steps = 0, t = 0;
    rl_pcg32 rng = {0, 0};
    float *f = malloc(3 * P * sizeof *f);
    double *d = malloc((4 * D + 4 + p->n) * sizeof *d);
    if (!f || !d) {
        free(f);
        free(d);
        return rl_error_set(err, RL_ENOMEM, "out of memory loading a ppo checkpoint");
    }
    rl_read_u64(r, &steps);
    rl_read_u64(r, &rng.state);
    rl_read_u64(r, &rng.inc);
    rl_read_f32_array(r, f, P);
    rl_read_u64(r, &t);
    rl_read_f32_array(r, f + P, P);
    rl_read_f32_array(r, f + 2 * P, P);
    double *obs_stats = d, *ret_stats = d + 2 * D + 1, *acc = ret_stats + 3;
    rs_read(r, obs_stats, D);
    rs_read(r, ret_stats, 1);
    if (agent_only) {
        if (r->pos <= r->len && n * 8 <= r->len - r->pos) r->pos += (size_t)n * 8;
        else r->failed = 1;
    } else {
        rl_read_f64_array(r, acc, p->n);
    }
    /* PCG's increment is odd; an even one (never written) can make the
     * generator's outputs constant, and bounded draws loop for ever. */
    const char *bad = r->failed                    ? "truncated"
                      : !rl_all_finite_f(f, 3 * P) ? "holding non-finite weights"
                      : !(rng.inc & 1)             ? "holding an invalid generator"
                                                   : NULL;
    if (bad) {
        free(f);
        free(d);
        return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is %s", bad);
    }
    memcpy(p->ac.params, f, P * sizeof *f);
    memcpy(p->adam.m, f + P, P * sizeof *f);
    memcpy(p->adam.v, f + 2 * P, P * sizeof *f);
    p->adam.t = t;
    rs_commit(&p->obs_rms, obs_stats);
    rs_commit(&p->ret_rms, ret_stats);
    if (!agent_only) memcpy(p->ret_acc, acc, p->n * sizeof *d);
    else if (p->broken) memset(p->ret_acc, 0, p->n * sizeof *p->ret_acc); /* may hold inf */
    p->steps_done = steps;
    p->rng = rng;
    /* The loaded state is whole and finite: whatever failed before is
     * gone with the state it failed in. */
    p->broken = 0;
    p->broken_msg[0] = '\0';
    free(f);
    free(d);
    return RL_OK;
}

static int ppo_load(void *state, rl_reader *r, rl_error *err)
{
    return ppo_read(state, r, 0, err);
}

static int ppo_load_agent(void *state, rl_reader *r, rl_error *err)
{
    return ppo_read(state, r, 1, err);
}

static void ppo_fini(void *state)
{
    ppo *p = state;
    rl_ac_free(&p->ac);
    rl_adam_free(&p->adam);
    rs_free(&p->obs_rms);
    rs_free(&p->ret_rms);
    void *bufs[] = {p->ret_acc, p->obs_raw, p->next_raw, p->final_raw, p->tmp_act, p->env_act,
                    p->rew,     p->term,    p->trunc,    p->obs_f,     p->one_f,   p->one_val,
                    p->last_val, p->b_obs,  p->b_act,    p->b_logp,    p->b_val,   p->b_rew,
                    p->b_final, p->b_adv,   p->b_ret,    p->b_term,    p->b_trunc, p->perm,
                    p->mb_obs,  p->mb_act,  p->mb_logp,  p->mb_adv,    p->mb_ret};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
}

const rl_algo_type rl__ppo_type = {
    RL_ALGO_TYPE_HEADER,
    .name = "ppo",
    .summary = "proximal policy optimisation (clipped, GAE) on MLPs: categorical or Gaussian",
    .size = sizeof(ppo),
    .params = ppo_params,
    .stat_names = ppo_stats,
    .init = ppo_init,
    .iterate = ppo_iterate,
    .act = ppo_act,
    .save = ppo_save,
    .load = ppo_load,
    .fini = ppo_fini,
    .policy = ppo_policy,
    .load_agent = ppo_load_agent,
};
