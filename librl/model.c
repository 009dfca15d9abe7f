/* librl: rl_model, a policy loaded from a checkpoint alone (<rl/model.h>).
 *
 * The checkpoint's payload is: u64 iterations, u64 environment steps, the
 * algorithm's record, the environments' record. Each algorithm reads its
 * own record (rl__ppo_read_policy, rl__qlearn_read_policy: the layouts
 * stay in ppo.c and qlearn.c); the environments' record is not read. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ppo_internal.h"
#include "rl/model.h"

/* Rows per call of the networks: one. A BLAS computes a row of a matrix
 * product with other arithmetic (another kernel, another order of sums)
 * depending on how many rows come with it, so a batched forward pass can
 * differ in its last bits from a one-row pass. Acting one row at a time
 * makes each action independent of the other rows in the call, and equal
 * to the agent's own on that observation alone: what rl_algo_evaluate,
 * and so rlrun --eval, compute. */
#define MODEL_MAX_BATCH 1

struct rl_model {
    rl_checkpoint_meta meta;
    uint64_t iterations, env_steps;
    int is_ppo;
    rl__acpol pol;          /* ppo */
    rl_qtable q;            /* qlearn */
    rl_tabular_policy tp;
    rl_space obs, act;      /* qlearn's (ppo's are in pol.spec) */
    rl_policy policy;
};

static rl_model *load_failed(rl_model *m, rl_error *err, int code, const char *path,
                             const char *msg)
{
    rl_error_set(err, code, "checkpoint '%s': %s", path, msg);
    rl_model_free(m);
    return NULL;
}

rl_model *rl_model_load(const char *path, rl_error *err)
{
    if (!path) {
        rl_error_set(err, RL_EINVAL, "rl_model_load needs a path");
        return NULL;
    }
    rl_model *m = calloc(1, sizeof *m);
    if (!m) {
        rl_error_set(err, RL_ENOMEM, "out of memory loading checkpoint '%s'", path);
        return NULL;
    }
    unsigned char *payload = NULL;
    size_t len = 0;
    int rc = rl_checkpoint_read(path, &m->meta, &payload, &len, err);
    if (rc != RL_OK) {
        rl_model_free(m);
        return NULL;
    }
    rl_reader r = {payload, len, 0, 0};
    rl_read_u64(&r, &m->iterations);
    rl_read_u64(&r, &m->env_steps);
    rl_error e = {0};
    if (r.failed) {
        rc = rl_error_set(&e, RL_EFORMAT, "payload has too few bytes");
    } else if (strcmp(m->meta.algo, "ppo") == 0) {
        m->is_ppo = 1;
        rc = rl__ppo_read_policy(&r, &m->pol, MODEL_MAX_BATCH, &e);
        if (rc == RL_OK) m->policy = m->pol.policy;
    } else if (strcmp(m->meta.algo, "qlearn") == 0) {
        rc = rl__qlearn_read_policy(&r, &m->q, &m->tp.epsilon, &e);
        if (rc == RL_OK) {
            m->tp.q = &m->q;
            m->policy.type = &rl_policy_tabular;
            m->policy.impl = &m->tp;
            if (rl_space_discrete(&m->obs, (int64_t)m->q.nstates) != RL_OK ||
                rl_space_discrete(&m->act, (int64_t)m->q.nactions) != RL_OK)
                rc = rl_error_set(&e, RL_EFORMAT, "holding a Q-table of impossible size");
        }
    } else {
        rc = rl_error_set(&e, RL_EUNSUPPORTED,
                          "holds a '%s' agent; rl_model reads ppo and qlearn agents",
                          m->meta.algo);
    }
    free(payload);
    if (rc != RL_OK) return load_failed(m, err, rc, path, e.msg);
    return m;
}

void rl_model_free(rl_model *m)
{
    if (!m) return;
    rl__acpol_free(&m->pol);
    rl_qtable_free(&m->q);
    rl_space_free(&m->obs);
    rl_space_free(&m->act);
    free(m);
}

int rl_model_predict(rl_model *m, const double *obs, size_t n, double *actions,
                     int deterministic, rl_pcg32 *rng, rl_error *err)
{
    if (!m || (n > 0 && (!obs || !actions)))
        return rl_error_set(err, RL_EINVAL, "rl_model_predict needs a model, observations and "
                                            "room for the actions");
    if (!deterministic && !rng)
        return rl_error_set(err, RL_EINVAL,
                            "rl_model_predict: a random generator is needed to draw actions "
                            "(deterministic 0)");
    size_t d = rl_space_dim(rl_model_observation_space(m));
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++)
            if (!isfinite(obs[i * d + k]))
                return rl_error_set(err, RL_EINVAL,
                                    "rl_model_predict: observation %zu, element %zu is %g", i, k,
                                    obs[i * d + k]);
    if (n == 0) return RL_OK;
    return rl_policy_act(&m->policy, obs, n, deterministic, rng, actions, NULL, NULL, err);
}

const rl_space *rl_model_observation_space(const rl_model *m)
{
    return m->is_ppo ? &m->pol.spec.obs : &m->obs;
}

const rl_space *rl_model_action_space(const rl_model *m)
{
    return m->is_ppo ? &m->pol.spec.act : &m->act;
}

const char *rl_model_algorithm(const rl_model *m) { return m->meta.algo; }
const char *rl_model_env_name(const rl_model *m) { return m->meta.env; }
uint64_t rl_model_iterations(const rl_model *m) { return m->iterations; }
uint64_t rl_model_env_steps(const rl_model *m) { return m->env_steps; }
const rl_policy *rl_model_policy(const rl_model *m) { return &m->policy; }
