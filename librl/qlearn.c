/* librl: tabular Q-learning (Watkins), epsilon-greedy, for teaching.
 *
 * For every transition (s, a, r, s'):
 *     Q(s,a) += alpha * (r + gamma * max_b Q(s',b) - Q(s,a))
 * where the bootstrap term is dropped when s' is terminal. A truncated
 * episode (time limit) is not terminal: it bootstraps from the final
 * observation, which the batch hands back in final_obs. Epsilon falls
 * linearly from epsilon_start to epsilon_end over epsilon_decay_steps
 * environment steps, then stays. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rl/algo.h"
#include "rl/policy.h"
#include "ppo_internal.h"

static const rl_param qlearn_params[] = {
    {"learning_rate", RL_PARAM_REAL, "0.1", 1e-9, 1, NULL, "step size alpha of each update"},
    {"discount", RL_PARAM_REAL, "0.99", 0, 1, NULL, "discount factor gamma"},
    {"epsilon_start", RL_PARAM_REAL, "1.0", 0, 1, NULL, "exploration rate at the first step"},
    {"epsilon_end", RL_PARAM_REAL, "0.05", 0, 1, NULL, "exploration rate after the decay"},
    {"epsilon_decay_steps", RL_PARAM_INT, "10000", 0, 1e12, NULL,
     "environment steps over which epsilon falls linearly (0: epsilon_end at once)"},
    {"steps_per_iteration", RL_PARAM_INT, "1000", 1, 1e9, NULL,
     "environment steps per training iteration (one progress.csv row)"},
    {"initial_q", RL_PARAM_REAL, "0", -1e9, 1e9, NULL, "initial value of every Q(s,a)"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

static const char *const qlearn_stats[] = {"epsilon", "mean_abs_td_error", NULL};

typedef struct qlearn {
    double alpha, gamma, eps_start, eps_end;
    int64_t eps_steps, steps_per_iter;
    rl_qtable q;
    rl_tabular_policy tp; /* epsilon-greedy over q */
    rl_policy policy;
    rl_pcg32 rng;
    uint64_t total_steps; /* environment steps taken, for the epsilon schedule */
    size_t n;             /* environments in the batch */
    double *obs, *next, *final_obs, *actions, *rewards;
    unsigned char *term, *trunc;
} qlearn;

static double epsilon_at(const qlearn *ql, uint64_t step)
{
    if (ql->eps_steps <= 0 || step >= (uint64_t)ql->eps_steps) return ql->eps_end;
    double frac = (double)step / (double)ql->eps_steps;
    return ql->eps_start + frac * (ql->eps_end - ql->eps_start);
}

static int qlearn_init(void *state, rl_config *cfg, const char *sec, rl_env_batch *envs,
                       uint64_t seed, rl_error *err)
{
    qlearn *ql = state;
    if (rl_config_get_real(cfg, sec, "learning_rate", &ql->alpha) ||
        rl_config_get_real(cfg, sec, "discount", &ql->gamma) ||
        rl_config_get_real(cfg, sec, "epsilon_start", &ql->eps_start) ||
        rl_config_get_real(cfg, sec, "epsilon_end", &ql->eps_end) ||
        rl_config_get_int(cfg, sec, "epsilon_decay_steps", &ql->eps_steps) ||
        rl_config_get_int(cfg, sec, "steps_per_iteration", &ql->steps_per_iter))
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    double q0;
    if (rl_config_get_real(cfg, sec, "initial_q", &q0))
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));

    rl_env *env = rl_env_batch_env(envs, 0);
    const rl_space *os = rl_env_observation_space(env), *as = rl_env_action_space(env);
    char desc[128];
    if (os->kind != RL_SPACE_DISCRETE) {
        rl_space_describe(os, desc, sizeof desc);
        return rl_error_set(err, RL_EINVAL,
                            "qlearn is tabular and needs a discrete observation space; '%s' has %s",
                            rl_env_get_type(env)->name, desc);
    }
    if (as->kind != RL_SPACE_DISCRETE) {
        rl_space_describe(as, desc, sizeof desc);
        return rl_error_set(err, RL_EINVAL,
                            "qlearn needs a discrete action space; '%s' has %s",
                            rl_env_get_type(env)->name, desc);
    }
    if (os->n > (int64_t)1e8 || as->n > 65536 || (double)os->n * (double)as->n > 1e9)
        return rl_error_set(err, RL_ERANGE, "qlearn: a table of %lld x %lld values is too large",
                            (long long)os->n, (long long)as->n);

    ql->n = rl_env_batch_size(envs);
    if (rl_qtable_init(&ql->q, (size_t)os->n, (size_t)as->n, q0) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "qlearn: out of memory for the Q-table");
    ql->obs = calloc(ql->n, sizeof *ql->obs);
    ql->next = calloc(ql->n, sizeof *ql->next);
    ql->final_obs = calloc(ql->n, sizeof *ql->final_obs);
    ql->actions = calloc(ql->n, sizeof *ql->actions);
    ql->rewards = calloc(ql->n, sizeof *ql->rewards);
    ql->term = calloc(ql->n, 1);
    ql->trunc = calloc(ql->n, 1);
    if (!ql->obs || !ql->next || !ql->final_obs || !ql->actions || !ql->rewards || !ql->term ||
        !ql->trunc)
        return rl_error_set(err, RL_ENOMEM, "qlearn: out of memory");
    ql->tp.q = &ql->q;
    ql->tp.epsilon = ql->eps_start;
    ql->policy.type = &rl_policy_tabular;
    ql->policy.impl = &ql->tp;
    rl_pcg32_seed(&ql->rng, seed, UINT64_C(0x71ea4e)); /* a stream of its own */
    int rc = rl_env_batch_reset(envs, seed, ql->obs);
    if (rc != RL_OK) return rl_error_set(err, rc, "%s", rl_env_batch_errmsg(envs));
    return RL_OK;
}

static int qlearn_iterate(void *state, rl_env_batch *envs, uint64_t *env_steps, double *stats,
                          rl_error *err)
{
    qlearn *ql = state;
    double abs_td = 0;
    uint64_t updates = 0;
    int64_t rounds = (ql->steps_per_iter + (int64_t)ql->n - 1) / (int64_t)ql->n;
    /* From the batch, not a copy of our own: after a checkpoint is loaded
     * the batch holds the restored episodes. */
    rl_env_batch_observations(envs, ql->obs);
    for (int64_t k = 0; k < rounds; k++) {
        ql->tp.epsilon = epsilon_at(ql, ql->total_steps);
        int rc = rl_policy_act(&ql->policy, ql->obs, ql->n, 0, &ql->rng, ql->actions, NULL, NULL,
                               err);
        if (rc != RL_OK) return rc;
        rc = rl_env_batch_step(envs, ql->actions, ql->next, ql->rewards, ql->term, ql->trunc,
                                   ql->final_obs);
        if (rc != RL_OK) return rl_error_set(err, rc, "%s", rl_env_batch_errmsg(envs));
        for (size_t i = 0; i < ql->n; i++) {
            size_t s = (size_t)ql->obs[i], a = (size_t)ql->actions[i];
            int ended = ql->term[i] || ql->trunc[i];
            size_t s2 = (size_t)(ended ? ql->final_obs[i] : ql->next[i]);
            double target = ql->rewards[i];
            if (!ql->term[i]) target += ql->gamma * rl_qtable_max(&ql->q, s2);
            double *q = &rl_qtable_row(&ql->q, s)[a];
            double td = target - *q, nq = *q + ql->alpha * td;
            /* Checked before it is stored: the table never holds a
             * non-finite value, so it stays a valid agent to evaluate or
             * to save a copy of (the wrapper refuses further training and
             * saving until a checkpoint is loaded). */
            if (!isfinite(nq))
                return rl_error_set(err, RL_ENUMERIC,
                                    "qlearn: the update of Q(%zu,%zu) = %g would be non-finite "
                                    "(reward %g, target %g) at step %llu; the table keeps %g",
                                    s, a, *q, ql->rewards[i], target,
                                    (unsigned long long)ql->total_steps + i + 1, *q);
            *q = nq;
            abs_td += fabs(td);
            updates++;
        }
        memcpy(ql->obs, ql->next, ql->n * sizeof *ql->obs);
        ql->total_steps += ql->n;
        *env_steps += ql->n;
    }
    stats[0] = epsilon_at(ql, ql->total_steps);
    stats[1] = updates ? abs_td / (double)updates : 0;
    return RL_OK;
}

static int qlearn_act(void *state, const double *obs, size_t n, double *actions, int greedy,
                      rl_error *err)
{
    qlearn *ql = state;
    ql->tp.epsilon = epsilon_at(ql, ql->total_steps);
    return rl_policy_act(&ql->policy, obs, n, greedy, &ql->rng, actions, NULL, NULL, err);
}

static const rl_policy *qlearn_policy(void *state) { return &((qlearn *)state)->policy; }

/* Version of the layout qlearn_save writes; bump it when the layout
 * changes.
 *   1: steps taken, generator, the Q-table (rl_qtable_save).
 *   2: the exploration rate at those steps after the generator, so that
 *      rl_model_load can explore as the agent did without its
 *      configuration. Layout 1 still loads (the rate comes from the
 *      configuration, as it always does for training). */
#define QLEARN_LAYOUT 2u

static int qlearn_save(const void *state, rl_writer *w, rl_error *err)
{
    const qlearn *ql = state;
    rl_write_u32(w, QLEARN_LAYOUT);
    rl_write_u64(w, ql->total_steps);
    rl_write_u64(w, ql->rng.state);
    rl_write_u64(w, ql->rng.inc);
    rl_write_f64(w, epsilon_at(ql, ql->total_steps));
    rl_policy_save(&ql->policy, w);
    return RL_OK;
}

/* What comes before the table: layout, steps, generator and, from layout
 * 2, the exploration rate (NAN for layout 1). */
static int read_head(rl_reader *r, uint32_t *layout, uint64_t *steps, rl_pcg32 *rng,
                     double *epsilon, rl_error *err)
{
    *epsilon = NAN;
    rl_read_u32(r, layout);
    if (!r->failed && (*layout < 1 || *layout > QLEARN_LAYOUT))
        return rl_error_set(err, RL_EVERSION,
                            "the checkpoint's qlearn state has layout %u; this librl reads "
                            "layouts 1 to %u",
                            (unsigned)*layout, QLEARN_LAYOUT);
    rl_read_u64(r, steps);
    rl_read_u64(r, &rng->state);
    rl_read_u64(r, &rng->inc);
    if (*layout >= 2) rl_read_f64(r, epsilon);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "qlearn checkpoint is truncated");
    /* PCG's increment is odd; an even one (never written) can make the
     * generator's outputs constant, and bounded draws loop for ever. */
    if (!(rng->inc & 1))
        return rl_error_set(err, RL_EFORMAT, "qlearn checkpoint holds an invalid generator");
    if (*layout >= 2 && !(*epsilon >= 0 && *epsilon <= 1))
        return rl_error_set(err, RL_EFORMAT, "qlearn checkpoint holds an exploration rate of %g",
                            *epsilon);
    return RL_OK;
}

int rl__qlearn_read_policy(rl_reader *r, rl_qtable *q, double *epsilon, rl_error *err)
{
    uint32_t layout = 0;
    uint64_t steps = 0, ns = 0, na = 0;
    rl_pcg32 rng = {0, 0};
    memset(q, 0, sizeof *q);
    int rc = read_head(r, &layout, &steps, &rng, epsilon, err);
    if (rc != RL_OK) return rc;
    if (layout < 2)
        return rl_error_set(err, RL_EVERSION,
                            "the checkpoint's qlearn state has layout 1, which does not record "
                            "the exploration rate; rl_model_load reads layout 2 on (load it "
                            "with rl_algo_load_agent and the run's configuration, or train "
                            "again)");
    /* The table's dimensions, checked against the bytes left before the
     * table is allocated; rl_qtable_load then reads it all. */
    size_t at = r->pos;
    rl_read_u64(r, &ns);
    rl_read_u64(r, &na);
    uint64_t left = r->pos <= r->len ? (r->len - r->pos) / 8 : 0;
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "qlearn checkpoint is truncated");
    if (ns < 1 || na < 1 || na > 65536)
        return rl_error_set(err, RL_EFORMAT, "qlearn checkpoint holds a Q-table of %llu x %llu",
                            (unsigned long long)ns, (unsigned long long)na);
    if (ns > left / na)
        return rl_error_set(err, RL_EFORMAT,
                            "qlearn checkpoint is truncated: its Q-table of %llu x %llu values "
                            "does not fit in it",
                            (unsigned long long)ns, (unsigned long long)na);
    r->pos = at;
    if (rl_qtable_init(q, (size_t)ns, (size_t)na, 0) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "out of memory for a Q-table");
    rc = rl_qtable_load(q, r);
    if (rc != RL_OK) {
        rl_qtable_free(q);
        return rl_error_set(err, rc, "qlearn checkpoint is %s",
                            rc == RL_ENOMEM ? "too large" : "holding a damaged Q-table");
    }
    return RL_OK;
}

static int qlearn_load(void *state, rl_reader *r, rl_error *err)
{
    qlearn *ql = state;
    uint64_t steps = 0;
    rl_pcg32 rng = {0, 0};
    uint32_t layout = 0;
    double epsilon;
    int rc = read_head(r, &layout, &steps, &rng, &epsilon, err);
    if (rc != RL_OK) return rc;
    /* The table loads all or nothing, so a bad checkpoint leaves the agent
     * as it was. */
    rc = rl_policy_load(&ql->policy, r, err);
    if (rc != RL_OK) return rc;
    ql->total_steps = steps;
    ql->rng = rng;
    return RL_OK;
}

static void qlearn_fini(void *state)
{
    qlearn *ql = state;
    rl_qtable_free(&ql->q);
    free(ql->obs);
    free(ql->next);
    free(ql->final_obs);
    free(ql->actions);
    free(ql->rewards);
    free(ql->term);
    free(ql->trunc);
}

const rl_algo_type rl__qlearn_type = {
    RL_ALGO_TYPE_HEADER,
    .name = "qlearn",
    .summary = "tabular Q-learning, epsilon-greedy (discrete observations and actions)",
    .size = sizeof(qlearn),
    .params = qlearn_params,
    .stat_names = qlearn_stats,
    .init = qlearn_init,
    .iterate = qlearn_iterate,
    .act = qlearn_act,
    .save = qlearn_save,
    .load = qlearn_load,
    .fini = qlearn_fini,
    .policy = qlearn_policy,
};
