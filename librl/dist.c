/* librl: the probability distributions of PPO's policies: categorical over
 * logits and diagonal Gaussian, with their log-probabilities, entropies,
 * gradients, greedy choices and samples. Each formula is written here once;
 * the actor-critic (actor_critic.c) and the PPO loss (ppo_loss.c) call
 * these functions rather than repeat them. */
#include "config.h"

#include <math.h>

#include "ppo_internal.h"

/* ---- categorical ---------------------------------------------------------------- */

static double logsumexp_f(const float *x, size_t k)
{
    double mx = x[0];
    for (size_t j = 1; j < k; j++)
        if (x[j] > mx) mx = x[j];
    double s = 0;
    for (size_t j = 0; j < k; j++) s += exp((double)x[j] - mx);
    return mx + log(s);
}

static double entropy_lse(const float *logits, size_t k, double lse)
{
    double h = 0;
    for (size_t j = 0; j < k; j++) {
        double lp = (double)logits[j] - lse;
        h -= exp(lp) * lp;
    }
    return h;
}

double rl_categorical_logp(const float *logits, size_t k, size_t a)
{
    return (double)logits[a] - logsumexp_f(logits, k);
}

double rl_categorical_entropy(const float *logits, size_t k)
{
    return entropy_lse(logits, k, logsumexp_f(logits, k));
}

void rl__categorical_grads(const float *logits, size_t k, size_t a, double *glogp, double *gent)
{
    double lse = logsumexp_f(logits, k), h = gent ? entropy_lse(logits, k, lse) : 0;
    for (size_t j = 0; j < k; j++) {
        double lp = (double)logits[j] - lse, p = exp(lp);
        /* d log p[a] / d logit j = one-hot(a) - p_j; dH / d logit j = -p_j (log p_j + H). */
        if (glogp) glogp[j] = (j == a ? 1.0 : 0.0) - p;
        if (gent) gent[j] = -p * (lp + h);
    }
}

void rl_categorical_logp_grad(const float *logits, size_t k, size_t a, double *grad)
{
    rl__categorical_grads(logits, k, a, grad, NULL);
}

void rl_categorical_entropy_grad(const float *logits, size_t k, double *grad)
{
    rl__categorical_grads(logits, k, 0, NULL, grad);
}

double rl__categorical_all(const float *logits, size_t k, size_t a, double *entropy,
                           double *glogp, double *gent, double *lp, double *p)
{
    /* The values logsumexp_f, entropy_lse and rl__categorical_grads give,
     * with each exponential taken once: the same operations in the same
     * order, so the same bits, at a third of the calls to exp. */
    double lse = logsumexp_f(logits, k), h = 0;
    for (size_t j = 0; j < k; j++) {
        lp[j] = (double)logits[j] - lse;
        p[j] = exp(lp[j]);
        h -= p[j] * lp[j];
    }
    *entropy = h;
    if (glogp)
        for (size_t j = 0; j < k; j++) {
            glogp[j] = (j == a ? 1.0 : 0.0) - p[j];
            gent[j] = -p[j] * (lp[j] + h);
        }
    return (double)logits[a] - lse;
}

size_t rl__argmax_f(const float *x, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (x[j] > x[best]) best = j;
    return best;
}

size_t rl__categorical_sample(const float *logits, size_t k, rl_pcg32 *rng)
{
    /* By inversion of one uniform; each exponential taken once (up to 64
     * kept, the rest taken again). */
    double e[64];
    double mx = logits[rl__argmax_f(logits, k)], s = 0;
    for (size_t j = 0; j < k; j++) {
        double x = exp((double)logits[j] - mx);
        if (j < 64) e[j] = x;
        s += x;
    }
    double u = rl_pcg32_double(rng) * s, c = 0;
    for (size_t j = 0; j < k; j++) {
        c += j < 64 ? e[j] : exp((double)logits[j] - mx);
        if (u < c) return j;
    }
    return k - 1; /* rounding: u fell on the sum itself */
}

/* ---- diagonal Gaussian ------------------------------------------------------------ */

static const double HALF_LOG_2PI = 0.91893853320467274178;

double rl__gaussian_z(double x, double mean, double log_std, double *inv_std)
{
    double is = exp(-log_std);
    if (inv_std) *inv_std = is;
    return (x - mean) * is;
}

double rl__gaussian_logp_z(double z, double log_std) { return -0.5 * z * z - log_std - HALF_LOG_2PI; }

double rl_gaussian_logp(const double *x, const double *mean, const double *log_std, size_t d)
{
    double lp = 0;
    for (size_t k = 0; k < d; k++)
        lp += rl__gaussian_logp_z(rl__gaussian_z(x[k], mean[k], log_std[k], NULL), log_std[k]);
    return lp;
}

double rl_gaussian_entropy(const double *log_std, size_t d)
{
    double h = 0;
    for (size_t k = 0; k < d; k++) h += 0.5 + HALF_LOG_2PI + log_std[k];
    return h;
}
