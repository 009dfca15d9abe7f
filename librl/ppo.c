/* librl: clipped PPO with GAE (Schulman et al. 2017): the algorithm.
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
 * them.
 *
 * This file is the algorithm: its [ppo] keys, the rollout, GAE, the
 * minibatch updates and its checkpoint record. The parts it is made of
 * live beside it: dist.c (distributions), normalizer.c (running
 * statistics), actor_critic.c (the networks and their policy) and
 * ppo_loss.c (the loss). */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "nn_internal.h"
#include "pool.h"
#include "ppo_internal.h"
#include "rl/algo.h"

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
     "environment steps the anneal spans (0: the run's total steps, which rlrun gives "
     "from [run] total_steps)"},
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
    int64_t batch_size, epochs, episodes_per_iter, steps_per_iter, anneal_steps;
    int anneal, norm_adv, scale_rew;
    uint64_t total_steps;  /* the run's horizon (rl_algo_set_total_steps), 0: not given */
    char anneal_where[RL_ERRMSG_SIZE / 2]; /* where anneal_lr was set, for the message */
    size_t n, obs_dim, act_dim;
    /* learning state */
    rl__acpol pol;         /* networks, observation normaliser, the policy */
    rl_adam adam;
    rl_pcg32 rng;
    rl__normalizer ret_rms;
    double *ret_acc;       /* discounted return of each environment, for scale_rewards */
    uint64_t steps_done;   /* environment steps taken */
    int broken;            /* a non-finite value appeared; no more training or saving */
    char broken_msg[RL_ERRMSG_SIZE];
    /* per-step workspaces */
    double *obs_raw, *next_raw, *final_raw, *env_act, *rew;
    unsigned char *term, *trunc;
    float *one_f;
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
    /* The minibatch's update on the batch's threads (update_minibatch):
     * the two networks' halves of the loss, then the parameters in chunks
     * of RL_NORM_CHUNK. */
    size_t nchunks;
    double *chunk_ss;
    int *chunk_ok;
    rl__pool *pool;
    size_t job_m;
    rl_ppo_loss_parts job_parts;
    double job_inv;
    int job_once;
    /* Training in a group (ppo_set_comm): the group, the normalisers at the
     * start of the iteration and this rank's batch of it (count from 0),
     * every rank's steps of the iteration, the gradients and a flag as
     * summed over the ranks. */
    const rl_comm *comm;
    rl__normalizer obs0, ret0, it_obs, it_ret;
    double *rank_steps;
    float *comm_buf;
    double *comm_f64;
    rl__adam_consts job_k;
    float job_scale;
} ppo;


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
    int norm_obs;
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
        rl_config_get_bool(cfg, sec, "normalize_observations", &norm_obs) ||
        rl_config_get_bool(cfg, sec, "scale_rewards", &p->scale_rew) ||
        rl_config_get_string(cfg, sec, "activation", &act) ||
        rl_config_get_real(cfg, sec, "adam_epsilon", &p->adam_eps) ||
        rl_config_get_real(cfg, sec, "log_std_init", &p->log_std_init))
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    p->coefs.huber = strcmp(loss, "huber") == 0;
    size_t hidden[RL_MLP_MAX_LAYERS], nhidden;
    if (parse_hidden(cfg, sec, hidden, &nhidden) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    if (rl_config_get_int(cfg, sec, "anneal_steps", &p->anneal_steps))
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    /* Without anneal_steps the anneal spans the run's total steps, which
     * only the driver knows (rl_algo_set_total_steps); iterate says so if
     * it was not given. */
    snprintf(p->anneal_where, sizeof p->anneal_where, "%s",
             rl_config_where(cfg, sec, "anneal_lr"));

    rl_env *env = rl_env_batch_env(envs, 0);
    const rl_space *os = rl_env_observation_space(env), *as = rl_env_action_space(env);
    p->n = rl_env_batch_size(envs);
    p->obs_dim = rl_space_dim(os);
    if (!p->n || !p->obs_dim)
        return rl_error_set(err, RL_EINVAL, "ppo: environment '%s' has no observations",
                            rl_env_get_type(env)->name);
    size_t maxb = (size_t)p->batch_size > p->n ? (size_t)p->batch_size : p->n;
    rl__ac_spec spec = {.obs = *os, .act = *as, .nhidden = nhidden, .norm_obs = norm_obs,
                        .activation = strcmp(act, "relu") == 0 ? RL_ACT_RELU : RL_ACT_TANH};
    memcpy(spec.hidden, hidden, nhidden * sizeof *hidden);
    int rc = rl__acpol_init(&p->pol, &spec, maxb, err);
    if (rc != RL_OK) return rc;
    p->act_dim = p->pol.act_dim;
    rl_pcg32_seed(&p->rng, seed, UINT64_C(0x9907)); /* a stream of its own */
    rc = rl_ac_reset_params(&p->pol.ac, &p->rng, p->log_std_init, err);
    if (rc != RL_OK) return rc;
    if (rl_adam_init(&p->adam, p->pol.ac.nparams, 0.9, 0.999, p->adam_eps) != RL_OK ||
        rl__norm_init(&p->ret_rms, 1) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory");

    size_t n = p->n, od = p->obs_dim, ad = p->act_dim;
    p->ret_acc = calloc(n, sizeof *p->ret_acc);
    p->obs_raw = calloc(n * od, sizeof(double));
    p->next_raw = calloc(n * od, sizeof(double));
    p->final_raw = calloc(n * od, sizeof(double));
    p->env_act = calloc(n * ad, sizeof(double));
    p->rew = calloc(n, sizeof(double));
    p->term = calloc(n, 1);
    p->trunc = calloc(n, 1);
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
    if (!p->ret_acc || !p->obs_raw || !p->next_raw || !p->final_raw ||
        !p->env_act || !p->rew || !p->term || !p->trunc || !p->one_f ||
        !p->one_val || !p->last_val || !p->mb_obs || !p->mb_act || !p->mb_logp || !p->mb_adv ||
        !p->mb_ret || grow_buffer(p, cap) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory");
    p->nchunks = (p->pol.ac.nparams + RL_NORM_CHUNK - 1) / RL_NORM_CHUNK;
    p->chunk_ss = calloc(p->nchunks, sizeof *p->chunk_ss);
    p->chunk_ok = calloc(p->nchunks, sizeof *p->chunk_ok);
    if (!p->chunk_ss || !p->chunk_ok) return rl_error_set(err, RL_ENOMEM, "ppo: out of memory");
    rc = rl_env_batch_reset(envs, seed, p->obs_raw);
    if (rc != RL_OK) return rl_error_set(err, rc, "%s", rl_env_batch_errmsg(envs));
    return RL_OK;
}

/* ---- one minibatch's update, on the batch's threads ---------------------------- */

/* Task 0: the policy's half of the loss and its gradients; task 1: the
 * value network's. They write disjoint parts of the gradients, with the
 * same operations as rl_ac_loss, so the bits do not depend on the
 * threads. */
static void loss_task(void *ctx, size_t t)
{
    ppo *p = ctx;
    rl_ac *ac = &p->pol.ac;
    size_t m = p->job_m;
    if (t == 0) {
        memset(ac->actor.grads, 0, ac->actor.nparams * sizeof(float));
        if (ac->dlog_std) memset(ac->dlog_std, 0, ac->act_dim * sizeof(float));
        rl__ac_loss_actor(ac, p->mb_obs, p->mb_act, p->mb_logp, p->mb_adv, m, p->job_inv,
                          p->job_once, &p->coefs, &p->job_parts, 1);
    } else {
        memset(ac->critic.grads, 0, ac->critic.nparams * sizeof(float));
        rl__ac_loss_critic(ac, p->mb_obs, p->mb_ret, m, p->job_inv, &p->coefs,
                           &p->job_parts.value, 1);
    }
}

static void chunk_range(const ppo *p, size_t c, size_t *lo, size_t *hi)
{
    size_t P = p->pol.ac.nparams;
    *lo = c * RL_NORM_CHUNK;
    *hi = P - *lo < RL_NORM_CHUNK ? P : *lo + RL_NORM_CHUNK;
}

static void sumsq_task(void *ctx, size_t c)
{
    ppo *p = ctx;
    size_t lo, hi;
    chunk_range(p, c, &lo, &hi);
    p->chunk_ss[c] = rl__sumsq_chunk(p->pol.ac.grads + lo, hi - lo);
}

static void adam_task(void *ctx, size_t c)
{
    ppo *p = ctx;
    size_t lo, hi;
    chunk_range(p, c, &lo, &hi);
    p->chunk_ok[c] = rl__adam_range(&p->job_k, p->pol.ac.params, p->pol.ac.grads, p->adam.m,
                                    p->adam.v, p->job_scale, lo, hi);
}

/* A collective's status, with "ppo: " before its message. */
static int comm_call(int rc, rl_error *err)
{
    if (rc == RL_OK) return RL_OK;
    char msg[RL_ERRMSG_SIZE];
    snprintf(msg, sizeof msg, "%s", err && err->msg[0] ? err->msg : rl_strerror(rc));
    return rl_error_set(err, rc, "ppo: %s", msg);
}

/* The loss and gradient of the m rows in the mb_ buffers, then the
 * clipped Adam step: rl_ac_loss then rl_adam_clip_step, bit for bit, on
 * the batch's threads (the two networks' halves, then the parameters in
 * chunks). The loss and its parts go to *loss and *parts, the norm to
 * *norm. Returns 1 when the step was taken and every weight is finite, 0
 * when a weight is not, -1 when the loss or the norm was not finite
 * (nothing changed), -2 when summing over the group failed (err says
 * why). */
static int update_minibatch(ppo *p, size_t m, size_t m_all, double lr, double *loss,
                            rl_ppo_loss_parts *parts, double *norm, rl_error *err)
{
    rl_ac *ac = &p->pol.ac;
    p->job_m = m;
    p->job_inv = 1.0 / (double)(p->comm ? m_all : m);
    p->job_once = !p->comm || p->comm->rank == 0;
    *norm = NAN;
    if (m > 0) {
        rl__pool_run(p->pool, 2, loss_task, p);
        *parts = p->job_parts;
    } else {
        /* A rank with no rows left in this minibatch adds nothing but what
         * rank 0 adds once. */
        rl_ac_zero_grad(ac);
        memset(parts, 0, sizeof *parts);
        if (p->job_once && ac->dlog_std)
            for (size_t k = 0; k < ac->act_dim; k++) ac->dlog_std[k] -= (float)p->coefs.entropy_coef;
    }
    *loss = rl__ac_loss_total(parts, &p->coefs);
    if (p->comm) {
        /* Sum the gradients over the ranks, with a flag for a rank whose
         * loss was not finite, so that all ranks stop together. */
        size_t P = ac->nparams;
        memcpy(p->comm_buf, ac->grads, P * sizeof(float));
        p->comm_buf[P] = isfinite(*loss) ? 0.0f : 1.0f;
        if (comm_call(p->comm->sum_f32(p->comm->ctx, p->comm_buf, P + 1, err), err) != RL_OK)
            return -2;
        memcpy(ac->grads, p->comm_buf, P * sizeof(float));
        if (p->comm_buf[P] != 0.0f) {
            *loss = NAN;
            return -1;
        }
    }
    if (!isfinite(*loss)) return -1;
    rl__pool_run(p->pool, p->nchunks, sumsq_task, p);
    double ss = 0;
    for (size_t c = 0; c < p->nchunks; c++) ss += p->chunk_ss[c];
    *norm = sqrt(ss);
    if (!isfinite(*norm)) return -1;
    double coef = rl_clip_coef(*norm, p->max_grad_norm);
    p->job_k = rl__adam_begin(&p->adam, lr);
    p->job_scale = (float)coef;
    rl__pool_run(p->pool, p->nchunks, adam_task, p);
    int ok = 1;
    for (size_t c = 0; c < p->nchunks; c++) ok &= p->chunk_ok[c];
    return ok;
}

/* Observation rows as the networks see them: normalised (without updating
 * the statistics) and in float. */
static void to_input(const ppo *p, const double *raw, size_t rows, float *out)
{
    rl__norm_apply(&p->pol.obs_rms, p->pol.spec.norm_obs, raw, rows, out);
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
        if (p->pol.spec.norm_obs) {
            rl__norm_update(&p->pol.obs_rms, p->obs_raw, n);
            if (p->comm) rl__norm_update(&p->it_obs, p->obs_raw, n);
        }
        float *o = p->b_obs + T * n * od;
        to_input(p, p->obs_raw, n, o);
        double *a = p->b_act + T * n * ad;
        rl_ac_act(&p->pol.ac, o, n, 0, &p->rng, a, p->b_logp + T * n, p->b_val + T * n);
        for (size_t i = 0; i < n; i++) rl_ac_env_action(&p->pol.ac, a + i * ad, p->env_act + i * ad);
        int rc = rl_env_batch_step(envs, p->env_act, p->next_raw, p->rew, p->term, p->trunc,
                                   p->final_raw);
        if (rc != RL_OK) return rl_error_set(err, rc, "%s", rl_env_batch_errmsg(envs));
        double *r = p->b_rew + T * n;
        if (p->scale_rew) {
            for (size_t i = 0; i < n; i++) p->ret_acc[i] = p->ret_acc[i] * p->gamma + p->rew[i];
            rl__norm_update(&p->ret_rms, p->ret_acc, n);
            if (p->comm) rl__norm_update(&p->it_ret, p->ret_acc, n);
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
                rl_ac_value(&p->pol.ac, p->one_f, 1, &p->b_final[k]);
            }
        }
        double *t = p->obs_raw;
        p->obs_raw = p->next_raw;
        p->next_raw = t;
        T++;
        if (T_target ? T >= T_target : episodes >= (uint64_t)p->episodes_per_iter) break;
    }
    to_input(p, p->obs_raw, n, p->pol.obs_f); /* a workspace of max_batch >= n rows */
    rl_ac_value(&p->pol.ac, p->pol.obs_f, n, p->last_val);
    *T_out = T;
    return RL_OK;
}

/* ---- training in a group (rl/comm.h) ---------------------------------------------- */

static void norm_copy(rl__normalizer *dst, const rl__normalizer *src)
{
    memcpy(dst->mean, src->mean, src->dim * sizeof *src->mean);
    memcpy(dst->var, src->var, src->dim * sizeof *src->var);
    dst->count = src->count;
}

static void norm_zero(rl__normalizer *s)
{
    memset(s->mean, 0, s->dim * sizeof *s->mean);
    memset(s->var, 0, s->dim * sizeof *s->var);
    s->count = 0;
}

/* The group's batch of one normaliser from every rank's (count, mean,
 * variance), merged into the statistics the iteration started from: every
 * rank ends with the same bits. */
static int merge_normalizer(ppo *p, rl__normalizer *s, const rl__normalizer *s0,
                            const rl__normalizer *it, rl_error *err)
{
    size_t d = s->dim;
    double *b = p->comm_f64;
    b[0] = it->count;
    for (size_t k = 0; k < d; k++) b[1 + k] = it->count * it->mean[k];
    int rc = comm_call(p->comm->sum_f64(p->comm->ctx, b, d + 1, err), err);
    if (rc != RL_OK) return rc;
    double C = b[0];
    double *mean = b + 1 + d, *var = b + 1 + 2 * d;
    for (size_t k = 0; k < d; k++) mean[k] = C > 0 ? b[1 + k] / C : 0;
    for (size_t k = 0; k < d; k++) {
        double dm = it->mean[k] - mean[k];
        var[k] = it->count * (it->var[k] + dm * dm);
    }
    rc = comm_call(p->comm->sum_f64(p->comm->ctx, var, d, err), err);
    if (rc != RL_OK) return rc;
    for (size_t k = 0; k < d; k++) var[k] = C > 0 ? var[k] / C : 0;
    norm_copy(s, s0);
    rl__norm_merge(s, C, mean, var);
    return RL_OK;
}

/* Rows of the minibatch starting at start over all ranks. */
static size_t rows_all(const ppo *p, size_t start)
{
    size_t M = 0, mb = (size_t)p->batch_size;
    for (int r = 0; r < p->comm->size; r++) {
        size_t Nr = (size_t)p->rank_steps[r];
        M += start >= Nr ? 0 : Nr - start < mb ? Nr - start : mb;
    }
    return M;
}

/* After collecting: every rank's steps (rank_steps), the group's total and
 * minibatches per epoch, and the normalisers merged. */
static int comm_iteration_start(ppo *p, size_t N, uint64_t *N_all, size_t *nmb, rl_error *err)
{
    const rl_comm *c = p->comm;
    memset(p->rank_steps, 0, (size_t)c->size * sizeof *p->rank_steps);
    p->rank_steps[c->rank] = (double)N;
    int rc = comm_call(c->sum_f64(c->ctx, p->rank_steps, (size_t)c->size, err), err);
    if (rc != RL_OK) return rc;
    uint64_t tot = 0;
    size_t most = 0, mb = (size_t)p->batch_size;
    for (int r = 0; r < c->size; r++) {
        size_t Nr = (size_t)p->rank_steps[r];
        tot += Nr;
        if (Nr > most) most = Nr;
    }
    *N_all = tot;
    *nmb = (most + mb - 1) / mb;
    if (p->pol.spec.norm_obs &&
        (rc = merge_normalizer(p, &p->pol.obs_rms, &p->obs0, &p->it_obs, err)) != RL_OK)
        return rc;
    if (p->scale_rew && (rc = merge_normalizer(p, &p->ret_rms, &p->ret0, &p->it_ret, err)) != RL_OK)
        return rc;
    return RL_OK;
}

/* FNV-1a over the parameters and Adam's state. */
static uint64_t weights_hash(const ppo *p)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    const float *arrays[3] = {p->pol.ac.params, p->adam.m, p->adam.v};
    for (int a = 0; a < 3; a++) {
        const unsigned char *b = (const unsigned char *)arrays[a];
        for (size_t i = 0; i < p->pol.ac.nparams * sizeof(float); i++) {
            h ^= b[i];
            h *= UINT64_C(0x100000001b3);
        }
    }
    return h;
}

/* After each iteration's update: the ranks compare their checksums. */
static int comm_check_weights(ppo *p, rl_error *err)
{
    uint64_t h = weights_hash(p);
    double hi = (double)(h >> 32), lo = (double)(h & 0xffffffffu);
    double b[4] = {hi, lo, -hi, -lo};
    int rc = comm_call(p->comm->max_f64(p->comm->ctx, b, 4, err), err);
    if (rc != RL_OK) return rc;
    if (b[0] != hi || b[1] != lo || -b[2] != hi || -b[3] != lo)
        return rl_error_set(err, RL_ECOMM,
                            "ppo: the ranks' weights differ after the update at %llu environment "
                            "steps (rank %d's checksum %016llx): every rank must run the same "
                            "build of librl, configuration and checkpoint",
                            (unsigned long long)p->steps_done, p->comm->rank,
                            (unsigned long long)h);
    return RL_OK;
}

static int ppo_set_comm(void *state, const rl_comm *c, rl_error *err)
{
    ppo *p = state;
    if (!c) {
        p->comm = NULL;
        return RL_OK;
    }
    size_t P = p->pol.ac.nparams, d = p->obs_dim;
    free(p->rank_steps);
    free(p->comm_buf);
    free(p->comm_f64);
    p->rank_steps = calloc((size_t)c->size, sizeof *p->rank_steps);
    p->comm_buf = calloc(P + 1, sizeof *p->comm_buf);
    p->comm_f64 = calloc(3 * d + 1, sizeof *p->comm_f64);
    if (!p->rank_steps || !p->comm_buf || !p->comm_f64 ||
        (!p->obs0.mean && (rl__norm_init(&p->obs0, d) != RL_OK ||
                           rl__norm_init(&p->it_obs, d) != RL_OK ||
                           rl__norm_init(&p->ret0, 1) != RL_OK ||
                           rl__norm_init(&p->it_ret, 1) != RL_OK)))
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory for training in a group");
    /* Rank 0's learning state, so that every rank starts equal. */
    struct {
        void *ptr;
        size_t bytes;
    } parts[] = {
        {p->pol.ac.params, P * sizeof(float)},
        {p->adam.m, P * sizeof(float)},
        {p->adam.v, P * sizeof(float)},
        {&p->adam.t, sizeof p->adam.t},
        {p->pol.obs_rms.mean, d * sizeof(double)},
        {p->pol.obs_rms.var, d * sizeof(double)},
        {&p->pol.obs_rms.count, sizeof(double)},
        {p->ret_rms.mean, sizeof(double)},
        {p->ret_rms.var, sizeof(double)},
        {&p->ret_rms.count, sizeof(double)},
        {&p->steps_done, sizeof p->steps_done},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        int rc = comm_call(c->bcast(c->ctx, parts[i].ptr, parts[i].bytes, err), err);
        if (rc != RL_OK) return rc;
    }
    /* Each rank its own stream of actions and shuffles; rank 0 keeps the
     * one a single process would have. */
    if (c->rank > 0) {
        rl_pcg32 child;
        rl_pcg32_split(&p->rng, (uint64_t)c->rank, &child);
        p->rng = child;
    }
    p->comm = c;
    return RL_OK;
}

static int ppo_iterate(void *state, rl_env_batch *envs, uint64_t *env_steps, double *stats,
                       rl_error *err)
{
    ppo *p = state;
    if (p->broken) return rl_error_set(err, RL_ENUMERIC, "%s", p->broken_msg);
    if (p->anneal && p->anneal_steps == 0 && p->total_steps == 0)
        return rl_error_set(err, RL_EINVAL,
                            "%s: [ppo] anneal_lr is on but the anneal has no span: set [ppo] "
                            "anneal_steps, or give the run's total steps with "
                            "rl_algo_set_total_steps (rlrun gives [run] total_steps)",
                            p->anneal_where);
    p->pool = rl__env_batch_pool(envs);
    if (p->comm) {
        norm_copy(&p->obs0, &p->pol.obs_rms);
        norm_copy(&p->ret0, &p->ret_rms);
        norm_zero(&p->it_obs);
        norm_zero(&p->it_ret);
    }
    size_t T = 0;
    int rc = collect(p, envs, &T, err);
    if (rc != RL_OK) return rc;
    size_t n = p->n, N = T * n, od = p->obs_dim, ad = p->act_dim;
    double lr = p->lr;
    if (p->anneal) {
        uint64_t span = p->anneal_steps > 0 ? (uint64_t)p->anneal_steps : p->total_steps;
        double frac = 1.0 - (double)p->steps_done / (double)span;
        lr *= frac > 0 ? frac : 0;
    }
    /* In a group: every rank's steps, the normalisers merged over the
     * ranks, and as many minibatches in each epoch as the rank with the
     * most steps has (the others join with no rows). */
    uint64_t N_all = N;
    size_t mbsize = (size_t)p->batch_size, nmb = (N + mbsize - 1) / mbsize;
    if (p->comm) {
        rc = comm_iteration_start(p, N, &N_all, &nmb, err);
        if (rc != RL_OK) return rc;
    }
    p->steps_done += N_all;
    *env_steps += N_all;

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
    size_t updates = 0;
    for (size_t k = 0; k < N; k++) p->perm[k] = k;
    for (int64_t epoch = 0; epoch < p->epochs; epoch++) {
        for (size_t k = N; k > 1; k--) {
            size_t j = rl_pcg32_bounded(&p->rng, (uint32_t)k);
            size_t t = p->perm[k - 1];
            p->perm[k - 1] = p->perm[j];
            p->perm[j] = t;
        }
        for (size_t b = 0; b < nmb; b++) {
            size_t start = b * mbsize;
            size_t m = start >= N ? 0 : N - start < mbsize ? N - start : mbsize;
            size_t m_all = p->comm ? rows_all(p, start) : m;
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
            double loss, norm;
            int ok = update_minibatch(p, m, m_all, lr, &loss, &parts, &norm, err);
            if (ok == -2) return err && err->code ? err->code : RL_ECOMM;
            if (!isfinite(loss))
                return broken(p, err,
                              "ppo: the loss became non-finite (policy %g, value %g, entropy %g) "
                              "in epoch %lld, minibatch %zu, after %llu environment steps",
                              parts.policy, parts.value, parts.entropy, (long long)epoch + 1,
                              start / mbsize + 1, (unsigned long long)p->steps_done);
            if (ok < 0)
                return broken(p, err,
                              "ppo: the gradient became non-finite (loss %g) in epoch %lld, "
                              "minibatch %zu, after %llu environment steps",
                              loss, (long long)epoch + 1, start / mbsize + 1,
                              (unsigned long long)p->steps_done);
            if (!ok)
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
    if (p->comm) {
        /* Each rank's parts are its rows' share of the group's means. */
        double b[5] = {sum.policy, sum.value, sum.entropy, sum.approx_kl, sum.clip_fraction};
        rc = comm_call(p->comm->sum_f64(p->comm->ctx, b, 5, err), err);
        if (rc == RL_OK) rc = comm_check_weights(p, err);
        if (rc != RL_OK) return rc;
        sum.policy = b[0];
        sum.value = b[1];
        sum.entropy = b[2];
        sum.approx_kl = b[3];
        sum.clip_fraction = b[4];
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

static const rl_policy *ppo_policy(void *state) { return &((ppo *)state)->pol.policy; }

static int ppo_act(void *state, const double *obs, size_t n, double *actions, int greedy,
                   rl_error *err)
{
    ppo *p = state;
    (void)err;
    return rl__acpol_act(&p->pol, obs, n, greedy, &p->rng, actions, NULL, NULL);
}

static void ppo_set_total_steps(void *state, uint64_t total_steps)
{
    ((ppo *)state)->total_steps = total_steps;
}

/* Version of the layout ppo_save writes; bump it when the layout changes
 * and keep reading the older ones where possible.
 *   1: sizes (for a clear error on a mismatch), counters, generator,
 *      parameters, Adam's state, the normalisers, the running returns.
 *   2: the actor-critic's spec (rl__ac_spec_write: activation, whether
 *      observations are normalised, hidden layers, observation and action
 *      spaces) after the layout number, then layout 1's fields: enough
 *      for rl_model_load to rebuild the policy without a configuration. */
#define PPO_LAYOUT 2u

static int ppo_save(const void *state, rl_writer *w, rl_error *err)
{
    const ppo *p = state;
    if (p->broken)
        return rl_error_set(err, RL_ENUMERIC, "not saving a broken training state: %s",
                            p->broken_msg);
    rl_write_u32(w, PPO_LAYOUT);
    rl__ac_spec_write(&p->pol.spec, w);
    rl_write_u64(w, p->pol.ac.nparams);
    rl_write_u64(w, p->obs_dim);
    rl_write_u64(w, p->n);
    rl_write_u64(w, p->steps_done);
    rl_write_u64(w, p->rng.state);
    rl_write_u64(w, p->rng.inc);
    rl_write_f32_array(w, p->pol.ac.params, p->pol.ac.nparams);
    rl_write_u64(w, p->adam.t);
    rl_write_f32_array(w, p->adam.m, p->adam.n);
    rl_write_f32_array(w, p->adam.v, p->adam.n);
    rl__norm_save(&p->pol.obs_rms, w);
    rl__norm_save(&p->ret_rms, w);
    rl_write_f64_array(w, p->ret_acc, p->n);
    return RL_OK;
}

/* The layout number and, from layout 2, the spec. RL_EVERSION for a layout
 * this librl does not know. */
static int read_head(rl_reader *r, uint32_t *layout, rl__ac_spec *spec, rl_error *err)
{
    memset(spec, 0, sizeof *spec);
    rl_read_u32(r, layout);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    if (*layout < 1 || *layout > PPO_LAYOUT)
        return rl_error_set(err, RL_EVERSION,
                            "the checkpoint's ppo state has layout %u; this librl reads "
                            "layouts 1 to %u",
                            (unsigned)*layout, PPO_LAYOUT);
    return *layout >= 2 ? rl__ac_spec_read(r, spec, err) : RL_OK;
}

/* The checkpoint's network against this agent's: which [ppo] key differs. */
static int check_spec(const ppo *p, const rl__ac_spec *s, rl_error *err)
{
    const rl__ac_spec *mine = &p->pol.spec;
    const char *key = s->activation != mine->activation ? "activation"
                      : s->norm_obs != mine->norm_obs   ? "normalize_observations"
                      : s->nhidden != mine->nhidden ||
                              memcmp(s->hidden, mine->hidden, s->nhidden * sizeof *s->hidden)
                          ? "hidden"
                          : NULL;
    if (!key) return RL_OK;
    return rl_error_set(err, RL_EINVAL,
                        "the checkpoint's networks differ from this configuration's in [ppo] %s",
                        key);
}

/* ppo_load (agent_only 0) and ppo_load_agent (1): the latter reads past
 * the running returns, one per environment of the run that saved, and
 * keeps this instance's. */
static int ppo_read(ppo *p, rl_reader *r, int agent_only, rl_error *err)
{
    uint64_t np = 0, od = 0, n = 0;
    uint32_t layout = 0;
    rl__ac_spec spec;
    int rc = read_head(r, &layout, &spec, err);
    if (rc != RL_OK) return rc;
    rl_read_u64(r, &np);
    rl_read_u64(r, &od);
    rl_read_u64(r, &n);
    if (r->failed) rc = rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    else if (np != p->pol.ac.nparams || od != p->obs_dim)
        rc = rl_error_set(err, RL_EINVAL,
                          "the checkpoint's networks have %llu parameters over %llu inputs; "
                          "this configuration's have %zu over %zu (check [ppo] hidden)",
                          (unsigned long long)np, (unsigned long long)od, p->pol.ac.nparams,
                          p->obs_dim);
    else if (layout >= 2)
        rc = check_spec(p, &spec, err);
    rl__ac_spec_free(&spec);
    if (rc != RL_OK) return rc;
    if (agent_only && n > (uint64_t)(r->len - r->pos) / 8)
        return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    if (!agent_only && n != p->n)
        return rl_error_set(err, RL_EINVAL,
                            "the checkpoint was trained with %llu environments; this run has %zu "
                            "([run] num_envs must match)",
                            (unsigned long long)n, p->n);
    size_t P = p->pol.ac.nparams, D = p->obs_dim;
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
    rl__norm_read(r, obs_stats, D);
    rl__norm_read(r, ret_stats, 1);
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
                      : !rl__norm_valid(obs_stats, D) || !rl__norm_valid(ret_stats, 1)
                          ? "holding invalid normaliser statistics"
                      : !(rng.inc & 1) ? "holding an invalid generator"
                                       : NULL;
    if (bad) {
        free(f);
        free(d);
        return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is %s", bad);
    }
    memcpy(p->pol.ac.params, f, P * sizeof *f);
    memcpy(p->adam.m, f + P, P * sizeof *f);
    memcpy(p->adam.v, f + 2 * P, P * sizeof *f);
    p->adam.t = t;
    rl__norm_commit(&p->pol.obs_rms, obs_stats);
    rl__norm_commit(&p->ret_rms, ret_stats);
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

/* Skip n bytes of r, or mark it failed. */
static void skip(rl_reader *r, uint64_t n)
{
    if (!r->failed && r->pos <= r->len && n <= r->len - r->pos) r->pos += (size_t)n;
    else r->failed = 1;
}

int rl__ppo_read_policy(rl_reader *r, rl__acpol *pol, size_t max_batch, rl_error *err)
{
    memset(pol, 0, sizeof *pol);
    uint32_t layout = 0;
    rl__ac_spec spec;
    int rc = read_head(r, &layout, &spec, err);
    if (rc != RL_OK) return rc;
    if (layout < 2)
        return rl_error_set(err, RL_EVERSION,
                            "the checkpoint's ppo state has layout %u, which does not record "
                            "the networks' shape; rl_model_load reads layout 2 on (load it "
                            "with rl_algo_load_agent and the run's configuration, or train "
                            "again)",
                            (unsigned)layout);
    uint64_t np = 0, od = 0, n = 0;
    rl_read_u64(r, &np);
    rl_read_u64(r, &od);
    rl_read_u64(r, &n);
    /* Check the sizes against the bytes left before building anything: a
     * damaged spec must not make us allocate what the file cannot hold. */
    size_t nout = spec.act.kind == RL_SPACE_DISCRETE ? (size_t)spec.act.n : rl_space_dim(&spec.act);
    size_t D = rl_space_dim(&spec.obs);
    uint64_t P = rl_mlp_param_count(D, spec.hidden, spec.nhidden, nout) +
                 rl_mlp_param_count(D, spec.hidden, spec.nhidden, 1) +
                 (spec.act.kind == RL_SPACE_DISCRETE ? 0 : nout);
    uint64_t left = r->pos <= r->len ? r->len - r->pos : 0;
    if (r->failed) rc = rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    else if (np != P || od != D)
        rc = rl_error_set(err, RL_EFORMAT,
                          "ppo checkpoint's networks (%llu parameters over %llu inputs) do not "
                          "match its own description (%llu over %zu)",
                          (unsigned long long)np, (unsigned long long)od,
                          (unsigned long long)P, D);
    else if (P > left / 12 || D > left / 16 || n > left / 8)
        rc = rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    if (rc == RL_OK) rc = rl__acpol_init(pol, &spec, max_batch, err);
    rl__ac_spec_free(&spec);
    if (rc != RL_OK) return rc;
    skip(r, 8 * 3);                                 /* steps, generator */
    rl_read_f32_array(r, pol->ac.params, (size_t)P);
    skip(r, 8 + 8 * P);                             /* Adam's t, m, v */
    double *d = malloc((2 * D + 1) * sizeof *d);
    if (!d) {
        rl__acpol_free(pol);
        return rl_error_set(err, RL_ENOMEM, "out of memory loading a ppo checkpoint");
    }
    rl__norm_read(r, d, D);
    skip(r, 8 * 3 + 8 * n);                         /* return statistics, running returns */
    const char *bad = r->failed                                  ? "truncated"
                      : !rl_all_finite_f(pol->ac.params, (size_t)P) ? "holding non-finite weights"
                      : !rl__norm_valid(d, D) ? "holding invalid normaliser statistics"
                                              : NULL;
    if (bad) {
        free(d);
        rl__acpol_free(pol);
        return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is %s", bad);
    }
    rl__norm_commit(&pol->obs_rms, d);
    free(d);
    return RL_OK;
}

static void ppo_fini(void *state)
{
    ppo *p = state;
    free(p->chunk_ss);
    free(p->rank_steps);
    free(p->comm_buf);
    free(p->comm_f64);
    rl__norm_free(&p->obs0);
    rl__norm_free(&p->ret0);
    rl__norm_free(&p->it_obs);
    rl__norm_free(&p->it_ret);
    free(p->chunk_ok);
    rl__acpol_free(&p->pol);
    rl_adam_free(&p->adam);
    rl__norm_free(&p->ret_rms);
    void *bufs[] = {p->ret_acc, p->obs_raw, p->next_raw, p->final_raw, p->env_act,
                    p->rew,     p->term,    p->trunc,    p->one_f,     p->one_val,
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
    .set_total_steps = ppo_set_total_steps,
    .set_comm = ppo_set_comm,
};
