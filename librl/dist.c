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

size_t rl__argmax_f(const float *x, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (x[j] > x[best]) best = j;
    return best;
}

size_t rl__categorical_sample(const float *logits, size_t k, rl_pcg32 *rng)
{
    /* By inversion of one uniform. */
    double mx = logits[rl__argmax_f(logits, k)], s = 0;
    for (size_t j = 0; j < k; j++) s += exp((double)logits[j] - mx);
    double u = rl_pcg32_double(rng) * s, c = 0;
    for (size_t j = 0; j < k; j++) {
        c += exp((double)logits[j] - mx);
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
