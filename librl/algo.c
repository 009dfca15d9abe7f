/* librl: the algorithm wrapper: allocation, iteration bookkeeping,
 * evaluation and checkpoints. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rl/algo.h"

extern const rl_algo_type rl__qlearn_type;
extern const rl_algo_type rl__ppo_type;

static const rl_algo_type *const builtin[] = {&rl__ppo_type, &rl__qlearn_type};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

const rl_algo_type *rl_algo_find(const char *name)
{
    for (size_t i = 0; i < NBUILTIN; i++)
        if (strcmp(builtin[i]->name, name) == 0) return builtin[i];
    return NULL;
}

size_t rl_algo_count(void) { return NBUILTIN; }
const rl_algo_type *rl_algo_at(size_t i) { return i < NBUILTIN ? builtin[i] : NULL; }

struct rl_algo {
    const rl_algo_type *type; /* &own_type */
    rl_algo_type own_type;    /* the caller's table, at the core's size */
    void *state;
    rl_env_batch *envs;
    uint64_t iterations;
    uint64_t env_steps;
    double *stats;
    size_t nstats;
    double *eval_obs, *eval_act; /* workspaces for rl_algo_evaluate */
    size_t eval_obs_dim, eval_act_dim;
    int initialised;
    const rl_comm *comm; /* the group it trains in (rl_algo_set_comm), or NULL */
    /* The agent failed numerically (its iterate returned RL_ENUMERIC, or
     * its save refused with it): training and saving are refused with
     * broken_msg until a load succeeds. */
    int broken;
    char broken_msg[RL_ERRMSG_SIZE];
    char errmsg[RL_ERRMSG_SIZE];
};

static size_t count_names(const char *const *names)
{
    size_t n = 0;
    while (names && names[n]) n++;
    return n;
}

rl_algo *rl_algo_alloc(const rl_algo_type *type, rl_config *cfg, rl_env_batch *envs,
                       uint64_t seed, rl_error *err)
{
    if (!type || !envs || !cfg) {
        rl_error_set(err, RL_EINVAL, "rl_algo_alloc needs a type, a configuration and environments");
        return NULL;
    }
    rl_algo *a = calloc(1, sizeof *a);
    if (!a) {
        rl_error_set(err, RL_ENOMEM, "out of memory creating an algorithm");
        return NULL;
    }
    char msg[RL_ERRMSG_SIZE];
    int crc = rl__algo_type_copy(type, &a->own_type, msg);
    if (crc != RL_OK) {
        rl_error_set(err, crc, "%s", msg);
        free(a);
        return NULL;
    }
    type = a->type = &a->own_type;
    a->envs = envs;
    a->nstats = count_names(type->stat_names);
    const rl_env *env0 = rl_env_batch_env(envs, 0);
    a->eval_obs_dim = rl_space_dim(rl_env_observation_space(env0));
    a->eval_act_dim = rl_space_dim(rl_env_action_space(env0));
    a->stats = calloc(a->nstats + 1, sizeof *a->stats);
    a->eval_obs = calloc(a->eval_obs_dim, sizeof *a->eval_obs);
    a->eval_act = calloc(a->eval_act_dim, sizeof *a->eval_act);
    a->state = calloc(1, type->size ? type->size : 1);
    if (!a->stats || !a->eval_obs || !a->eval_act || !a->state) {
        rl_error_set(err, RL_ENOMEM, "out of memory creating algorithm '%s'", type->name);
        rl_algo_free(a);
        return NULL;
    }
    int rc0;
    if (!rl_config_is_declared(cfg, type->name) && type->params &&
        rl_config_declare(cfg, type->name, type->params) != RL_OK) {
        rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
        rl_algo_free(a);
        return NULL;
    }
    /* A misspelt key of the algorithm's section is an error here, with no
     * call of the caller's own. */
    if (type->params && (rc0 = rl_config_validate_section(cfg, type->name)) != RL_OK) {
        rl_error_set(err, rc0, "%s", rl_config_errmsg(cfg));
        rl_algo_free(a);
        return NULL;
    }
    a->initialised = 1;
    rl_error e = {0};
    int rc = type->init(a->state, cfg, type->name, envs, seed, &e);
    if (rc != RL_OK) {
        rl_error_set(err, rc, "%s", e.msg[0] ? e.msg : rl_strerror(rc));
        rl_algo_free(a);
        return NULL;
    }
    return a;
}

void rl_algo_free(rl_algo *a)
{
    if (!a) return;
    if (a->initialised && a->type->fini) a->type->fini(a->state);
    free(a->state);
    free(a->stats);
    free(a->eval_obs);
    free(a->eval_act);
    free(a);
}

static int failed(rl_algo *a, int rc, const rl_error *e)
{
    return rl__fmt(a->errmsg, rc, "%s", e->msg[0] ? e->msg : rl_strerror(rc));
}

/* Remember that the agent failed numerically, with the message. */
static void mark_broken(rl_algo *a, const rl_error *e)
{
    a->broken = 1;
    snprintf(a->broken_msg, sizeof a->broken_msg, "%s",
             e->msg[0] ? e->msg : rl_strerror(RL_ENUMERIC));
}

int rl_algo_set_total_steps(rl_algo *a, uint64_t total_steps)
{
    if (a->type->set_total_steps) a->type->set_total_steps(a->state, total_steps);
    return RL_OK;
}

int rl_algo_set_comm(rl_algo *a, const rl_comm *comm)
{
    if (comm && (comm->size < 1 || comm->rank < 0 || comm->rank >= comm->size || !comm->sum_f32 ||
                 !comm->sum_f64 || !comm->max_f64 || !comm->bcast))
        return rl__fmt(a->errmsg, RL_EINVAL,
                       "rl_algo_set_comm: an incomplete group (rank %d of %d, or an operation "
                       "missing)",
                       comm->rank, comm->size);
    if (comm && comm->size == 1) comm = NULL;
    if (!a->type->set_comm) {
        if (!comm) return RL_OK;
        return rl__fmt(a->errmsg, RL_EUNSUPPORTED,
                       "algorithm '%s' trains in one process only: it cannot train over %d "
                       "processes",
                       a->type->name, comm->size);
    }
    rl_error e = {0};
    int rc = a->type->set_comm(a->state, comm, &e);
    if (rc != RL_OK) return failed(a, rc, &e);
    a->comm = comm;
    return RL_OK;
}

int rl_algo_set_threads(rl_algo *a, int threads)
{
    if (threads < 1)
        return rl__fmt(a->errmsg, RL_EINVAL, "rl_algo_set_threads: %d threads; at least 1",
                       threads);
    int rc = rl_env_batch_set_threads(a->envs, threads);
    if (rc != RL_OK) return rl__fmt(a->errmsg, rc, "%s", rl_env_batch_errmsg(a->envs));
    return RL_OK;
}

/* Merge one iteration's episode statistics over the group, in place: the
 * sums of the episodes, their returns and lengths, and the last-100
 * windows (their counts, and their sums of returns and lengths). Every
 * rank takes part whether or not its caller asked for the figures. */
static int merge_stats(rl_algo *a, rl_episode_stats *s, double *recent_n, double *recent_ret,
                       double *recent_len)
{
    double b[6] = {(double)s->episodes, s->return_sum, s->length_sum,
                   *recent_n,           *recent_ret,   *recent_len};
    rl_error e = {0};
    int rc = a->comm->sum_f64(a->comm->ctx, b, 6, &e);
    if (rc != RL_OK) return failed(a, rc, &e);
    s->episodes = (uint64_t)b[0];
    s->return_sum = b[1];
    s->length_sum = b[2];
    *recent_n = b[3];
    *recent_ret = b[4];
    *recent_len = b[5];
    return RL_OK;
}

int rl_algo_iterate(rl_algo *a, rl_iter_info *info)
{
    if (a->broken) return rl__fmt(a->errmsg, RL_ENUMERIC, "%s", a->broken_msg);
    rl_error e = {0};
    uint64_t steps = 0;
    int rc = a->type->iterate(a->state, a->envs, &steps, a->stats, &e);
    if (rc == RL_ENUMERIC) mark_broken(a, &e);
    if (rc != RL_OK) return failed(a, rc, &e);
    a->iterations++;
    a->env_steps += steps;
    rl_episode_stats s;
    rl_env_batch_take_stats(a->envs, &s);
    double rr, rl;
    size_t rn = rl_env_batch_recent(a->envs, &rr, &rl);
    double recent_n = (double)rn, recent_ret = rn ? rr * (double)rn : 0,
           recent_len = rn ? rl * (double)rn : 0;
    if (a->comm && (rc = merge_stats(a, &s, &recent_n, &recent_ret, &recent_len)) != RL_OK)
        return rc;
    if (info) {
        info->iteration = a->iterations;
        info->env_steps = a->env_steps;
        info->episodes = s.episodes;
        info->mean_return = s.episodes ? s.return_sum / (double)s.episodes : NAN;
        info->mean_length = s.episodes ? s.length_sum / (double)s.episodes : NAN;
        info->recent_episodes = (uint64_t)recent_n;
        info->recent_return = a->comm ? (recent_n > 0 ? recent_ret / recent_n : NAN) : rr;
        info->recent_length = a->comm ? (recent_n > 0 ? recent_len / recent_n : NAN) : rl;
        info->stats = a->stats;
        info->nstats = a->nstats;
    }
    return RL_OK;
}

int rl_algo_act(rl_algo *a, const double *obs, size_t n, double *actions, int greedy)
{
    rl_error e = {0};
    int rc = a->type->act(a->state, obs, n, actions, greedy, &e);
    return rc == RL_OK ? RL_OK : failed(a, rc, &e);
}

int rl_algo_evaluate(rl_algo *a, rl_env *env, uint64_t seed, int64_t max_steps,
                     rl_episode_result *out)
{
    if (rl_space_dim(rl_env_observation_space(env)) != a->eval_obs_dim ||
        rl_space_dim(rl_env_action_space(env)) != a->eval_act_dim)
        return rl__fmt(a->errmsg, RL_EINVAL,
                       "evaluation environment's spaces differ from the training ones");
    memset(out, 0, sizeof *out);
    int rc = rl_env_reset_seeded(env, seed, a->eval_obs);
    if (rc != RL_OK) return rl__fmt(a->errmsg, rc, "%s", rl_env_errmsg(env));
    for (;;) {
        rc = rl_algo_act(a, a->eval_obs, 1, a->eval_act, 1);
        if (rc != RL_OK) return rc;
        rl_step st;
        rc = rl_env_step(env, a->eval_act, a->eval_obs, &st);
        if (rc != RL_OK) return rl__fmt(a->errmsg, rc, "%s", rl_env_errmsg(env));
        out->ret += st.reward;
        out->length++;
        if (st.terminated || st.truncated || (max_steps > 0 && out->length >= max_steps)) {
            out->terminated = st.terminated;
            out->truncated = !st.terminated;
            return RL_OK;
        }
    }
}

/* The whole payload: counters, the agent, the environments. */
static int save_payload(rl_algo *a, rl_writer *w, rl_error *e)
{
    rl_write_u64(w, a->iterations);
    rl_write_u64(w, a->env_steps);
    int rc = a->type->save(a->state, w, e);
    if (rc == RL_OK) rc = rl_env_batch_save(a->envs, w, e);
    if (rc == RL_OK && w->failed) rc = rl_error_set(e, RL_ENOMEM, "out of memory saving a checkpoint");
    return rc;
}

static int load_payload(rl_algo *a, const unsigned char *data, size_t len, const char *path,
                        rl_error *e)
{
    rl_reader r = {data, len, 0, 0};
    uint64_t iterations = 0, steps = 0;
    rl_read_u64(&r, &iterations);
    rl_read_u64(&r, &steps);
    int rc = r.failed ? RL_EFORMAT : a->type->load(a->state, &r, e);
    if (rc == RL_OK) rc = rl_env_batch_load(a->envs, &r, e);
    if (rc == RL_OK && (r.failed || r.pos != r.len))
        rc = rl_error_set(e, RL_EFORMAT, "checkpoint '%s': payload has %s", path,
                          r.failed ? "too few bytes" : "bytes left over");
    if (rc != RL_OK) {
        if (!e->msg[0]) rl_error_set(e, rc, "checkpoint '%s' does not fit this agent", path);
        return rc;
    }
    a->iterations = iterations;
    a->env_steps = steps;
    return RL_OK;
}

int rl_algo_save(rl_algo *a, const char *path)
{
    if (a->broken)
        return rl__fmt(a->errmsg, RL_ENUMERIC, "not saving a broken training state: %s",
                       a->broken_msg);
    rl_writer w = {0};
    rl_error e = {0};
    int rc = save_payload(a, &w, &e);
    if (rc == RL_OK) {
        const rl_env_type *et = rl_env_get_type(rl_env_batch_env(a->envs, 0));
        rc = rl_checkpoint_write(path, a->type->name, et->name, w.data, w.len, &e);
    }
    rl_writer_free(&w);
    return rc == RL_OK ? RL_OK : failed(a, rc, &e);
}

/* Read the checkpoint at path and check it holds this algorithm's agent
 * for this environment type; the payload is the caller's to free. */
static int read_checkpoint(rl_algo *a, const char *path, unsigned char **payload, size_t *len)
{
    rl_checkpoint_meta meta;
    rl_error e = {0};
    int rc = rl_checkpoint_read(path, &meta, payload, len, &e);
    if (rc != RL_OK) return failed(a, rc, &e);
    const rl_env_type *et = rl_env_get_type(rl_env_batch_env(a->envs, 0));
    if (strcmp(meta.algo, a->type->name) != 0) {
        free(*payload);
        *payload = NULL;
        return rl__fmt(a->errmsg, RL_EINVAL, "checkpoint '%s' holds a '%s' agent, not '%s'", path,
                       meta.algo, a->type->name);
    }
    if (strcmp(meta.env, et->name) != 0) {
        free(*payload);
        *payload = NULL;
        return rl__fmt(a->errmsg, RL_EINVAL,
                       "checkpoint '%s' was trained on environment '%s', not '%s'", path,
                       meta.env, et->name);
    }
    return RL_OK;
}

/* Keep the agent's state in *w for a rollback: 1 when kept, 0 when the
 * agent failed numerically and has nothing worth keeping (its save refuses
 * with RL_ENUMERIC, or it is known to be broken; it is then marked so), or
 * -1 on another failure, with the message in *e. A copy for a rollback is
 * not a checkpoint: it is the save's refusal to write a broken state that
 * must not stop a good checkpoint from replacing that state. */
static int keep_agent(rl_algo *a, rl_writer *w, rl_error *e)
{
    if (a->broken) return 0;
    int rc = a->type->save(a->state, w, e);
    if (rc == RL_ENUMERIC) {
        mark_broken(a, e);
        rl_writer_free(w);
        *w = (rl_writer){0};
        *e = (rl_error){0};
        return 0;
    }
    if (rc == RL_OK && w->failed) rc = rl_error_set(e, RL_ENOMEM, "out of memory keeping the agent");
    return rc == RL_OK ? 1 : -1;
}

int rl_algo_load(rl_algo *a, const char *path)
{
    unsigned char *payload = NULL;
    size_t len = 0;
    rl_error e = {0};
    int rc = read_checkpoint(a, path, &payload, &len);
    if (rc != RL_OK) return rc;
    /* All or nothing: the agent and the environments are restored in turn,
     * so keep what they were and put it back if any part fails. An agent
     * that failed numerically is not kept: if the load fails it stays
     * failed (training and saving refused), whatever part of it the load
     * replaced. */
    rl_writer agent = {0}, envs = {0};
    rl_error be = {0};
    int kept = keep_agent(a, &agent, &be);
    rc = kept < 0 ? be.code : rl_env_batch_save(a->envs, &envs, &be);
    if (rc == RL_OK && envs.failed)
        rc = rl_error_set(&be, RL_ENOMEM, "out of memory keeping the environments");
    if (rc != RL_OK) {
        free(payload);
        rl_writer_free(&agent);
        rl_writer_free(&envs);
        return failed(a, rc, &be);
    }
    rc = load_payload(a, payload, len, path, &e);
    free(payload);
    if (rc != RL_OK) {
        rl_error ignored = {0};
        if (kept) {
            rl_reader ar = {agent.data, agent.len, 0, 0};
            a->type->load(a->state, &ar, &ignored);
        }
        rl_reader er = {envs.data, envs.len, 0, 0};
        rl_env_batch_load(a->envs, &er, &ignored);
        rl_writer_free(&agent);
        rl_writer_free(&envs);
        return failed(a, rc, &e);
    }
    rl_writer_free(&agent);
    rl_writer_free(&envs);
    a->broken = 0;
    a->broken_msg[0] = '\0';
    return RL_OK;
}

int rl_algo_load_agent(rl_algo *a, const char *path)
{
    unsigned char *payload = NULL;
    size_t len = 0;
    int rc = read_checkpoint(a, path, &payload, &len);
    if (rc != RL_OK) return rc;
    /* The payload begins with the counters and the agent; the
     * environments' record after it is left unread. */
    rl_reader r = {payload, len, 0, 0};
    uint64_t iterations = 0, steps = 0;
    rl_read_u64(&r, &iterations);
    rl_read_u64(&r, &steps);
    if (r.failed) {
        free(payload);
        return rl__fmt(a->errmsg, RL_EFORMAT, "checkpoint '%s': payload has too few bytes", path);
    }
    /* All or nothing, whatever the type's load does on a failure: keep
     * the agent as it is and put it back if the load fails. */
    rl_writer backup = {0};
    rl_error e = {0};
    int kept = keep_agent(a, &backup, &e);
    if (kept < 0) {
        free(payload);
        rl_writer_free(&backup);
        return failed(a, e.code, &e);
    }
    int (*load)(void *, rl_reader *, rl_error *) =
        a->type->load_agent ? a->type->load_agent : a->type->load;
    rc = load(a->state, &r, &e);
    if (rc == RL_OK && r.failed)
        rc = rl_error_set(&e, RL_EFORMAT, "checkpoint '%s': payload has too few bytes", path);
    free(payload);
    if (rc != RL_OK) {
        if (!e.msg[0]) rl_error_set(&e, rc, "checkpoint '%s' does not fit this agent", path);
        if (kept) {
            rl_reader br = {backup.data, backup.len, 0, 0};
            rl_error ignored = {0};
            a->type->load(a->state, &br, &ignored);
        }
        rl_writer_free(&backup);
        return failed(a, rc, &e);
    }
    rl_writer_free(&backup);
    a->iterations = iterations;
    a->env_steps = steps;
    a->broken = 0;
    a->broken_msg[0] = '\0';
    return RL_OK;
}

const rl_policy *rl_algo_policy(rl_algo *a)
{
    return a->type->policy ? a->type->policy(a->state) : NULL;
}

const rl_algo_type *rl_algo_get_type(const rl_algo *a) { return a->type; }
uint64_t rl_algo_iterations(const rl_algo *a) { return a->iterations; }
uint64_t rl_algo_env_steps(const rl_algo *a) { return a->env_steps; }
const char *rl_algo_errmsg(const rl_algo *a) { return a->errmsg; }
