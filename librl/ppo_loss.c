/* librl: the PPO loss, written once: the clipped surrogate, the value loss,
 * the entropy bonus, their derivatives, and rl_ac_loss, which puts them
 * together over a minibatch and backpropagates through the actor-critic.
 * The distributions' own formulas (log-probabilities, entropies and their
 * gradients) are in dist.c. */
#include "config.h"

#include <math.h>

#include "ppo_internal.h"

/* rl_ppo_clip_loss from the ratio r = exp(logp - logp_old). */
static double clip_loss_r(double r, double advantage, double clip, double *dlogp)
{
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

double rl_ppo_clip_loss(double logp, double logp_old, double advantage, double clip,
                        double *dlogp)
{
    return clip_loss_r(exp(logp - logp_old), advantage, clip, dlogp);
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

/* The surrogate of one sample, with what progress.csv reports of its
 * probability ratio: Schulman's KL estimator (r - 1) - log r and whether
 * the ratio left the clip range. */
static double surrogate(double lp, double logp_old, double adv, double clip, double *dlogp,
                        double *kl, double *clipped)
{
    double lr = lp - logp_old, r = exp(lr);
    double loss = clip_loss_r(r, adv, clip, dlogp);
    *kl += (r - 1) - lr;
    if (fabs(r - 1) > clip) *clipped += 1;
    return loss;
}

int rl_ac_loss(rl_ac *ac, const float *obs, const double *actions, const double *logp_old,
               const double *adv, const double *returns, size_t n, const rl_ppo_coefs *c,
               rl_ppo_loss_parts *parts, int accumulate, double *loss, rl_error *err)
{
    if (n == 0 || n > ac->max_batch)
        return rl_error_set(err, RL_EINVAL,
                            "rl_ac_loss: %zu rows; the actor-critic takes 1 to %zu (its max_batch)",
                            n, ac->max_batch);
    rl_ppo_loss_parts pp;
    double inv_n = 1.0 / (double)n;
    rl__ac_loss_actor(ac, obs, actions, logp_old, adv, n, inv_n, 1, c, &pp, accumulate);
    rl__ac_loss_critic(ac, obs, returns, n, inv_n, c, &pp.value, accumulate);
    if (parts) *parts = pp;
    if (loss) *loss = rl__ac_loss_total(&pp, c);
    return RL_OK;
}

double rl__ac_loss_total(const rl_ppo_loss_parts *pp, const rl_ppo_coefs *c)
{
    return pp->policy + c->value_coef * pp->value - c->entropy_coef * pp->entropy;
}

void rl__ac_loss_actor(rl_ac *ac, const float *obs, const double *actions,
                       const double *logp_old, const double *adv, size_t n, double inv_n,
                       int once, const rl_ppo_coefs *c, rl_ppo_loss_parts *parts, int accumulate)
{
    const float *out = rl_mlp_forward(&ac->actor, obs, n);
    double pol = 0, ent = 0, kl = 0, clipped = 0;
    if (ac->discrete) {
        size_t k = ac->nactions;
        double *glogp = ac->work, *gent = ac->work + k, *lp = ac->work + 2 * k,
               *pr = ac->work + 3 * k;
        for (size_t i = 0; i < n; i++) {
            const float *lg = out + i * k;
            size_t a = (size_t)actions[i];
            double dlogp, h;
            double lpa = rl__categorical_all(lg, k, a, &h, accumulate ? glogp : NULL, gent, lp, pr);
            pol += surrogate(lpa, logp_old[i], adv[i], c->clip, &dlogp, &kl, &clipped);
            ent += h;
            if (!accumulate) continue;
            /* d/dlogits of dlogp * logp - entropy_coef * H, over n. */
            float *d = ac->dout_a + i * k;
            for (size_t j = 0; j < k; j++)
                d[j] = (float)((dlogp * glogp[j] - c->entropy_coef * gent[j]) * inv_n);
        }
    } else {
        size_t d = ac->act_dim;
        for (size_t i = 0; i < n; i++) {
            const double *a = actions + i * d;
            double lp = 0;
            for (size_t k = 0; k < d; k++) {
                double s = (double)ac->log_std[k];
                lp += rl__gaussian_logp_z(rl__gaussian_z(a[k], out[i * d + k], s, NULL), s);
            }
            double dlogp;
            pol += surrogate(lp, logp_old[i], adv[i], c->clip, &dlogp, &kl, &clipped);
            if (!accumulate) continue;
            for (size_t k = 0; k < d; k++) {
                double is, z = rl__gaussian_z(a[k], out[i * d + k], ac->log_std[k], &is);
                /* dlogp/dmean = z / std, dlogp/dlog_std = z^2 - 1. */
                ac->dout_a[i * d + k] = (float)(dlogp * z * is * inv_n);
                ac->dlog_std[k] += (float)(dlogp * (z * z - 1) * inv_n);
            }
        }
        double *ls = ac->work;
        for (size_t k = 0; k < d; k++) ls[k] = ac->log_std[k];
        ent = rl_gaussian_entropy(ls, d) * (double)n;
        if (accumulate && once)
            for (size_t k = 0; k < d; k++) ac->dlog_std[k] -= (float)c->entropy_coef;
    }
    if (accumulate) rl_mlp_backward(&ac->actor, ac->dout_a, n, NULL);
    parts->policy = pol * inv_n;
    parts->entropy = ent * inv_n;
    parts->approx_kl = kl * inv_n;
    parts->clip_fraction = clipped * inv_n;
}

void rl__ac_loss_critic(rl_ac *ac, const float *obs, const double *returns, size_t n,
                        double inv_n, const rl_ppo_coefs *c, double *value_loss, int accumulate)
{
    const float *v = rl_mlp_forward(&ac->critic, obs, n);
    double vl = 0;
    for (size_t i = 0; i < n; i++) {
        double dv;
        vl += rl_value_loss(v[i], returns[i], c->huber, &dv);
        ac->dout_c[i] = (float)(c->value_coef * dv * inv_n);
    }
    if (accumulate) rl_mlp_backward(&ac->critic, ac->dout_c, n, NULL);
    *value_loss = vl * inv_n;
}
