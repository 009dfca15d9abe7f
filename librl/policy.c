/* librl: the tabular policy. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rl/policy.h"

int rl_qtable_init(rl_qtable *t, size_t nstates, size_t nactions, double init)
{
    if (!t) return RL_EINVAL;
    t->nstates = t->nactions = 0;
    t->q = NULL;
    if (nstates == 0 || nactions == 0 || !isfinite(init)) return RL_EINVAL;
    /* Epsilon-greedy draws actions with rl_pcg32_bounded, which takes a u32. */
    if (nactions > UINT32_MAX || nstates > SIZE_MAX / sizeof(double) / nactions)
        return RL_ERANGE;
    size_t n = nstates * nactions;
    double *q = malloc(n * sizeof *q);
    if (!q) return RL_ENOMEM;
    for (size_t i = 0; i < n; i++) q[i] = init;
    t->nstates = nstates;
    t->nactions = nactions;
    t->q = q;
    return RL_OK;
}

void rl_qtable_free(rl_qtable *t)
{
    if (!t) return;
    free(t->q);
    t->q = NULL;
    t->nstates = t->nactions = 0;
}

double rl_qtable_max(const rl_qtable *t, size_t s)
{
    const double *row = rl_qtable_row(t, s);
    double best = row[0];
    for (size_t a = 1; a < t->nactions; a++)
        if (row[a] > best) best = row[a];
    return best;
}

size_t rl_qtable_greedy(const rl_qtable *t, size_t s)
{
    const double *row = rl_qtable_row(t, s);
    size_t best = 0;
    /* Strictly greater, so the first of equal values wins. */
    for (size_t a = 1; a < t->nactions; a++)
        if (row[a] > row[best]) best = a;
    return best;
}

size_t rl_qtable_epsilon_greedy(const rl_qtable *t, size_t s, double epsilon, rl_pcg32 *rng)
{
    /* The explore decision is always drawn, whatever epsilon is, so that a
     * change of epsilon does not shift the rest of the random sequence. */
    if (rl_pcg32_double(rng) < epsilon)
        return rl_pcg32_bounded(rng, (uint32_t)t->nactions);

    /* One pass, reservoir-style: the k-th maximal action seen so far replaces
     * the choice with probability 1/k, which leaves each of the tied actions
     * equally likely. */
    const double *row = rl_qtable_row(t, s);
    size_t choice = 0;
    double best = row[0];
    uint32_t ties = 1;
    for (size_t a = 1; a < t->nactions; a++) {
        if (row[a] > best) {
            best = row[a];
            choice = a;
            ties = 1;
        } else if (row[a] == best) {
            ties++;
            if (rl_pcg32_bounded(rng, ties) == 0) choice = a;
        }
    }
    return choice;
}

void rl_qtable_save(const rl_qtable *t, rl_writer *w)
{
    rl_write_u64(w, (uint64_t)t->nstates);
    rl_write_u64(w, (uint64_t)t->nactions);
    rl_write_f64_array(w, t->q, t->nstates * t->nactions);
}

int rl_qtable_load(rl_qtable *t, rl_reader *r)
{
    uint64_t ns, na;
    rl_read_u64(r, &ns);
    if (rl_read_u64(r, &na) != RL_OK) return RL_EFORMAT;
    /* Anything wrong leaves the reader failed, as a short read would: the
     * values were not consumed, so the position is no longer meaningful. */
    if (ns != (uint64_t)t->nstates || na != (uint64_t)t->nactions) {
        r->failed = 1;
        return RL_EFORMAT;
    }
    /* Values go through a scratch copy so that a bad table leaves t as it
     * was rather than half overwritten. */
    size_t n = t->nstates * t->nactions;
    if (n == 0) return RL_OK;
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return RL_ENOMEM;
    if (rl_read_f64_array(r, tmp, n) != RL_OK) {
        free(tmp);
        return RL_EFORMAT;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(tmp[i])) {
            free(tmp);
            r->failed = 1;
            return RL_EFORMAT;
        }
    }
    memcpy(t->q, tmp, n * sizeof *tmp);
    free(tmp);
    return RL_OK;
}

/* ---- rl_policy -------------------------------------------------------------- */

int rl_policy_act(const rl_policy *p, const double *obs, size_t n, int greedy, rl_pcg32 *rng,
                  double *actions, double *logp, double *value, rl_error *err)
{
    return p->type->act(p->impl, obs, n, greedy, rng, actions, logp, value, err);
}

void rl_policy_save(const rl_policy *p, rl_writer *w) { p->type->save(p->impl, w); }

int rl_policy_load(const rl_policy *p, rl_reader *r, rl_error *err)
{
    return p->type->load(p->impl, r, err);
}

static int tabular_act(void *impl, const double *obs, size_t n, int greedy, rl_pcg32 *rng,
                       double *actions, double *logp, double *value, rl_error *err)
{
    const rl_tabular_policy *tp = impl;
    const rl_qtable *t = tp->q;
    for (size_t i = 0; i < n; i++) {
        double x = obs[i];
        if (!(x >= 0 && x < (double)t->nstates) || x != floor(x))
            return rl_error_set(err, RL_EINVAL,
                                "tabular policy: observation %g is not a state index in [0, %zu)",
                                x, t->nstates);
        size_t s = (size_t)x;
        size_t a = greedy ? rl_qtable_greedy(t, s) : rl_qtable_epsilon_greedy(t, s, tp->epsilon, rng);
        actions[i] = (double)a;
        if (!logp && !value) continue;
        const double *row = rl_qtable_row(t, s);
        double best = rl_qtable_max(t, s), sum = 0;
        size_t ties = 0;
        for (size_t b = 0; b < t->nactions; b++) {
            ties += row[b] == best;
            sum += row[b];
        }
        double eps = tp->epsilon, na = (double)t->nactions;
        if (logp)
            logp[i] = greedy ? 0 : log(eps / na + (row[a] == best ? (1 - eps) / (double)ties : 0));
        if (value) value[i] = greedy ? best : eps * sum / na + (1 - eps) * best;
    }
    return RL_OK;
}

static void tabular_save(const void *impl, rl_writer *w)
{
    rl_qtable_save(((const rl_tabular_policy *)impl)->q, w);
}

static int tabular_load(void *impl, rl_reader *r, rl_error *err)
{
    rl_qtable *t = ((rl_tabular_policy *)impl)->q;
    int rc = rl_qtable_load(t, r);
    if (rc != RL_OK)
        rl_error_set(err, rc,
                     "tabular policy: the saved Q-table does not fit (%zu states x %zu actions "
                     "expected) or holds non-finite values",
                     t->nstates, t->nactions);
    return rc;
}

const rl_policy_type rl_policy_tabular = {
    RL_POLICY_TYPE_HEADER,
    .name = "tabular",
    .act = tabular_act,
    .save = tabular_save,
    .load = tabular_load,
};
