/* librl: the actor-critic (rl_ac, <rl/ppo.h>) and the policy built on it
 * (rl__acpol, type "actor_critic"): a policy network giving logits or a
 * Gaussian mean, a separate value network and, for continuous actions, a
 * state-independent log standard deviation; in front of it the running
 * normaliser of observations, behind it the clipping of actions to the
 * box. PPO trains it (ppo.c); rl_model (model.c) loads it from a
 * checkpoint and acts with it alone. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ppo_internal.h"

/* ---- rl_ac ---------------------------------------------------------------------- */

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
    ac->work = calloc(4 * (ac->discrete ? ac->nactions : ac->act_dim), sizeof *ac->work);
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

static void ac_act_chunk(rl_ac *ac, const float *obs, size_t n, int greedy, rl_pcg32 *rng,
                         double *actions, double *logp, double *value)
{
    const float *out = rl_mlp_forward(&ac->actor, obs, n);
    if (ac->discrete) {
        size_t k = ac->nactions;
        for (size_t i = 0; i < n; i++) {
            const float *lg = out + i * k;
            size_t a = greedy ? rl__argmax_f(lg, k) : rl__categorical_sample(lg, k, rng);
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


/* ---- the spec ------------------------------------------------------------------- */

void rl__ac_spec_free(rl__ac_spec *s)
{
    rl_space_free(&s->obs);
    rl_space_free(&s->act);
}

/* Layout: u32 activation, u32 norm_obs, u32 nhidden, nhidden u64 sizes, the
 * observation space, the action space (rl__space_write). */
void rl__ac_spec_write(const rl__ac_spec *s, rl_writer *w)
{
    rl_write_u32(w, (uint32_t)s->activation);
    rl_write_u32(w, (uint32_t)s->norm_obs);
    rl_write_u32(w, (uint32_t)s->nhidden);
    for (size_t l = 0; l < s->nhidden; l++) rl_write_u64(w, s->hidden[l]);
    rl__space_write(&s->obs, w);
    rl__space_write(&s->act, w);
}

int rl__ac_spec_read(rl_reader *r, rl__ac_spec *s, rl_error *err)
{
    memset(s, 0, sizeof *s);
    uint32_t act = 0, norm = 0, nh = 0;
    rl_read_u32(r, &act);
    rl_read_u32(r, &norm);
    rl_read_u32(r, &nh);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    if (act > RL_ACT_RELU || norm > 1 || nh > RL_MLP_MAX_LAYERS - 1)
        return rl_error_set(err, RL_EFORMAT,
                            "ppo checkpoint describes an impossible network (activation %u, "
                            "%u hidden layers)",
                            (unsigned)act, (unsigned)nh);
    for (size_t l = 0; l < nh; l++) {
        uint64_t u = 0;
        rl_read_u64(r, &u);
        if (!r->failed && (u < 1 || u > 65536))
            return rl_error_set(err, RL_EFORMAT,
                                "ppo checkpoint describes a hidden layer of %llu units",
                                (unsigned long long)u);
        s->hidden[l] = (size_t)u;
    }
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "ppo checkpoint is truncated");
    s->nhidden = nh;
    s->activation = act == RL_ACT_RELU ? RL_ACT_RELU : RL_ACT_TANH;
    s->norm_obs = (int)norm;
    if (rl__space_read(r, &s->obs) != RL_OK || rl__space_read(r, &s->act) != RL_OK) {
        rl__ac_spec_free(s);
        return rl_error_set(err, RL_EFORMAT, "ppo checkpoint holds %s",
                            r->failed ? "a truncated space" : "an invalid space");
    }
    return RL_OK;
}

/* ---- the actor-critic as a policy ------------------------------------------------ */

int rl__acpol_init(rl__acpol *p, const rl__ac_spec *spec, size_t max_batch, rl_error *err)
{
    memset(p, 0, sizeof *p);
    p->obs_dim = rl_space_dim(&spec->obs);
    memcpy(p->spec.hidden, spec->hidden, sizeof p->spec.hidden);
    p->spec.nhidden = spec->nhidden;
    p->spec.activation = spec->activation;
    p->spec.norm_obs = spec->norm_obs;
    if (rl_space_copy(&p->spec.obs, &spec->obs) != RL_OK ||
        rl_space_copy(&p->spec.act, &spec->act) != RL_OK) {
        rl__acpol_free(p);
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory");
    }
    int rc = rl_ac_init(&p->ac, p->obs_dim, &spec->act, spec->hidden, spec->nhidden,
                        spec->activation, max_batch, err);
    if (rc != RL_OK) {
        rl__acpol_free(p);
        return rc;
    }
    p->act_dim = p->ac.act_dim;
    p->obs_f = calloc(max_batch * p->obs_dim, sizeof *p->obs_f);
    p->tmp_act = calloc(max_batch * p->act_dim, sizeof *p->tmp_act);
    if (!p->obs_f || !p->tmp_act || rl__norm_init(&p->obs_rms, p->obs_dim) != RL_OK) {
        rl__acpol_free(p);
        return rl_error_set(err, RL_ENOMEM, "ppo: out of memory");
    }
    p->policy.type = &rl__actor_critic_policy;
    p->policy.impl = p;
    return RL_OK;
}

void rl__acpol_free(rl__acpol *p)
{
    if (!p) return;
    rl_ac_free(&p->ac);
    rl__ac_spec_free(&p->spec);
    rl__norm_free(&p->obs_rms);
    free(p->obs_f);
    free(p->tmp_act);
    memset(p, 0, sizeof *p);
}

int rl__acpol_act(rl__acpol *p, const double *obs, size_t n, int greedy, rl_pcg32 *rng,
                  double *actions, double *logp, double *value)
{
    size_t od = p->obs_dim, ad = p->act_dim, maxb = p->ac.max_batch;
    for (size_t i = 0; i < n; i += maxb) {
        size_t m = n - i < maxb ? n - i : maxb;
        rl__norm_apply(&p->obs_rms, p->spec.norm_obs, obs + i * od, m, p->obs_f);
        rl_ac_act(&p->ac, p->obs_f, m, greedy, rng, p->tmp_act, logp ? logp + i : NULL,
                  value ? value + i : NULL);
        for (size_t j = 0; j < m; j++) {
            rl_ac_env_action(&p->ac, p->tmp_act + j * ad, actions + (i + j) * ad);
            if (greedy && logp) logp[i + j] = 0;
        }
    }
    return RL_OK;
}

static int policy_act(void *impl, const double *obs, size_t n, int greedy, rl_pcg32 *rng,
                      double *actions, double *logp, double *value, rl_error *err)
{
    (void)err;
    return rl__acpol_act(impl, obs, n, greedy, rng, actions, logp, value);
}

/* The networks and the observation normaliser: what acting needs. */
static void policy_save(const void *impl, rl_writer *w)
{
    const rl__acpol *p = impl;
    rl_write_u64(w, p->ac.nparams);
    rl_write_f32_array(w, p->ac.params, p->ac.nparams);
    rl__norm_save(&p->obs_rms, w);
}

static int policy_load(void *impl, rl_reader *r, rl_error *err)
{
    rl__acpol *p = impl;
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
    rl__norm_read(r, d, D);
    const char *bad = r->failed                  ? "truncated"
                      : !rl_all_finite_f(f, P)   ? "non-finite weights"
                      : !rl__norm_valid(d, D)    ? "invalid normaliser statistics"
                                                 : NULL;
    if (bad) {
        free(f);
        free(d);
        return rl_error_set(err, RL_EFORMAT, "actor-critic policy: %s", bad);
    }
    memcpy(p->ac.params, f, P * sizeof *f);
    rl__norm_commit(&p->obs_rms, d);
    free(f);
    free(d);
    return RL_OK;
}

const rl_policy_type rl__actor_critic_policy = {
    RL_POLICY_TYPE_HEADER,
    .name = "actor_critic",
    .act = policy_act,
    .save = policy_save,
    .load = policy_load,
};
