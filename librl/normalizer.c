/* librl: running mean and variance of observations (and of discounted
 * returns), as Stable-Baselines3's RunningMeanStd: the batch's moments
 * merged into the running ones with Chan et al.'s parallel update, starting
 * from a count of 1e-4. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ppo_internal.h"

int rl__norm_init(rl__normalizer *s, size_t dim)
{
    s->dim = dim;
    s->mean = calloc(dim, sizeof *s->mean);
    s->var = malloc(dim * sizeof *s->var);
    if (!s->mean || !s->var) return RL_ENOMEM;
    for (size_t k = 0; k < dim; k++) s->var[k] = 1;
    s->count = 1e-4;
    return RL_OK;
}

void rl__norm_free(rl__normalizer *s)
{
    free(s->mean);
    free(s->var);
    s->mean = s->var = NULL;
}

void rl__norm_update(rl__normalizer *s, const double *x, size_t n)
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

void rl__norm_merge(rl__normalizer *s, double nb, const double *bmean, const double *bvar)
{
    if (!(nb > 0)) return;
    double tot = s->count + nb;
    for (size_t k = 0; k < s->dim; k++) {
        double delta = bmean[k] - s->mean[k];
        double m2 = s->var[k] * s->count + bvar[k] * nb + delta * delta * s->count * nb / tot;
        s->mean[k] += delta * nb / tot;
        s->var[k] = m2 / tot;
    }
    s->count = tot;
}

void rl__norm_apply(const rl__normalizer *s, int on, const double *raw, size_t rows, float *out)
{
    size_t d = s->dim;
    for (size_t i = 0; i < rows; i++)
        for (size_t k = 0; k < d; k++) {
            double x = raw[i * d + k];
            if (on) {
                x = (x - s->mean[k]) / sqrt(s->var[k] + 1e-8);
                x = x < -10 ? -10 : x > 10 ? 10 : x;
            }
            out[i * d + k] = (float)x;
        }
}

void rl__norm_save(const rl__normalizer *s, rl_writer *w)
{
    rl_write_f64_array(w, s->mean, s->dim);
    rl_write_f64_array(w, s->var, s->dim);
    rl_write_f64(w, s->count);
}

void rl__norm_read(rl_reader *r, double *scratch, size_t dim)
{
    rl_read_f64_array(r, scratch, 2 * dim + 1);
}

int rl__norm_valid(const double *scratch, size_t dim)
{
    for (size_t k = 0; k < dim; k++)
        if (!isfinite(scratch[k]) || !isfinite(scratch[dim + k]) || scratch[dim + k] < 0) return 0;
    return isfinite(scratch[2 * dim]) && scratch[2 * dim] > 0;
}

void rl__norm_commit(rl__normalizer *s, const double *scratch)
{
    memcpy(s->mean, scratch, s->dim * sizeof *scratch);
    memcpy(s->var, scratch + s->dim, s->dim * sizeof *scratch);
    s->count = scratch[2 * s->dim];
}
