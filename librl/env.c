/* librl: environment instances and batches.
 *
 * The core wraps every environment type with the same checks, so a plugin
 * cannot hand training a NaN or be stepped past the end of an episode, and
 * applies the time limit (Gymnasium's TimeLimit wrapper) itself. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "internal.h"
#include "pool.h"
#include "rl/env.h"

const rl_param rl_env_common_params[] = {
    {"max_episode_steps", RL_PARAM_INT, "-1", -1, 1e12, NULL,
     "steps after which an episode is truncated: -1 the environment's default, 0 no limit"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

struct rl_env {
    const rl_env_type *type;   /* &own_type */
    rl_env_type own_type;      /* the caller's table, at the core's size */
    const rl_env_type *origin; /* the table the caller gave (plugin lifetime) */
    void *state;
    rl_env_spec spec;
    size_t obs_dim, act_dim;
    rl_pcg32 rng;
    rl_config *own_cfg;   /* a config of defaults when the caller gave none */
    int64_t steps;        /* steps in the current episode */
    uint64_t episode;     /* episodes started, this one included */
    int running;          /* an episode is in progress */
    int held;             /* the plugin is held (rl__plugin_hold) */
    double *metrics;      /* figures of the last ended episode */
    size_t nmetrics;
    FILE *trace;          /* per-step CSV, owned by the caller */
    unsigned trace_index;
    uint64_t trace_first; /* episode counter value of trace episode 0 */
    /* A batch's own-format trace: the rows of the running episode, held
     * until it ends (tbuf is an open_memstream over tdata). tpartial: the
     * episode began before tracing did, and is not written. */
    FILE *tbuf;
    char *tdata;
    size_t tsize;
    int tpartial;
    double *last_obs;     /* the observation the next action acts on */
    char errmsg[RL_ERRMSG_SIZE];
};

static void tbuf_free(rl_env *env);

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

static size_t count_names(const char *const *names)
{
    size_t n = 0;
    while (names && names[n]) n++;
    return n;
}

rl_env *rl_env_alloc(const rl_env_type *origin, rl_config *cfg, rl_error *err)
{
    rl_env *env = calloc(1, sizeof *env);
    if (!env) {
        rl_error_set(err, RL_ENOMEM, "out of memory creating an environment");
        return NULL;
    }
    char msg[RL_ERRMSG_SIZE];
    int rc = rl__env_type_copy(origin, &env->own_type, msg);
    if (rc != RL_OK) {
        rl_error_set(err, rc, "%s", msg);
        free(env);
        return NULL;
    }
    const rl_env_type *type = env->type = &env->own_type;
    env->origin = origin;
    if (!cfg) {
        env->own_cfg = rl_config_alloc(err);
        if (!env->own_cfg) goto fail;
        cfg = env->own_cfg;
    }
    if (!rl_config_is_declared(cfg, type->name)) {
        if ((type->params && rl_config_declare(cfg, type->name, type->params) != RL_OK) ||
            rl_config_declare(cfg, type->name, rl_env_common_params) != RL_OK) {
            rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
            goto fail;
        }
    }
    /* A misspelt key of the environment's section is an error here. */
    if ((rc = rl_config_validate_section(cfg, type->name)) != RL_OK) {
        rl_error_set(err, rc, "%s", rl_config_errmsg(cfg));
        goto fail;
    }
    int64_t limit;
    if (rl_config_get_int(cfg, type->name, "max_episode_steps", &limit) != RL_OK) {
        rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
        goto fail;
    }
    env->spec.max_episode_steps = limit < 0 ? type->max_episode_steps : limit;
    env->spec.max_episode_steps_given = limit >= 0;

    env->state = calloc(1, type->size ? type->size : 1);
    if (!env->state) {
        rl_error_set(err, RL_ENOMEM, "out of memory for the state of '%s'", type->name);
        goto fail;
    }
    rl_error e = {0};
    rc = type->init(env->state, cfg, type->name, &env->spec, &e);
    if (rc != RL_OK) {
        rl_error_set(err, rc, "%s: %s", type->name, e.msg[0] ? e.msg : rl_strerror(rc));
        goto fail;
    }
    if (env->spec.observation_space.kind == RL_SPACE_NONE ||
        env->spec.action_space.kind == RL_SPACE_NONE) {
        rl_error_set(err, RL_EPLUGIN, "%s: init did not set both spaces", type->name);
        goto fail;
    }
    env->obs_dim = rl_space_dim(&env->spec.observation_space);
    env->act_dim = rl_space_dim(&env->spec.action_space);
    env->nmetrics = type->episode_metrics ? count_names(type->metric_names) : 0;
    env->metrics = calloc(env->nmetrics + 1, sizeof *env->metrics);
    env->last_obs = calloc(env->obs_dim, sizeof *env->last_obs);
    if (!env->metrics || !env->last_obs) {
        rl_error_set(err, RL_ENOMEM, "out of memory creating environment '%s'", type->name);
        goto fail;
    }
    rl_pcg32_seed(&env->rng, 0, 0);
    rl__plugin_hold(origin);
    env->held = 1;
    return env;

fail:
    rl_env_free(env);
    return NULL;
}

void rl_env_free(rl_env *env)
{
    if (!env) return;
    if (env->state && env->type->fini) env->type->fini(env->state);
    free(env->state);
    rl_space_free(&env->spec.observation_space);
    rl_space_free(&env->spec.action_space);
    free(env->metrics);
    free(env->last_obs);
    rl_config_free(env->own_cfg);
    tbuf_free(env);
    if (env->held) rl__plugin_release(env->origin);
    free(env);
}

/* Report a failed call of the type's reset or step. */
static int plugin_failed(rl_env *env, int rc, const rl_error *e, const char *what)
{
    return rl__fmt(env->errmsg, rc ? rc : RL_EPLUGIN, "environment '%s' %s failed: %s",
                   env->type->name, what, e->msg[0] ? e->msg : rl_strerror(rc));
}

int rl_env_reset(rl_env *env, double *obs)
{
    rl_error e; /* as in rl_env_step */
    e.code = 0;
    e.msg[0] = 0;
    int rc = env->type->reset(env->state, &env->rng, obs, &e);
    if (rc != RL_OK) {
        env->running = 0;
        return plugin_failed(env, rc, &e, "reset");
    }
    if (!all_finite(obs, env->obs_dim)) {
        env->running = 0;
        return rl__fmt(env->errmsg, RL_EPLUGIN,
                       "environment '%s' returned a non-finite observation from reset "
                       "(episode %llu)",
                       env->type->name, (unsigned long long)env->episode + 1);
    }
    env->steps = 0;
    env->episode++;
    env->running = 1;
    if (obs != env->last_obs) memcpy(env->last_obs, obs, env->obs_dim * sizeof *obs);
    return RL_OK;
}

int rl_env_reset_seeded(rl_env *env, uint64_t seed, double *obs)
{
    /* The stream is fixed so that seed alone picks the sequence, as
     * Gymnasium's reset(seed=s) does. */
    rl_pcg32_seed(&env->rng, seed, UINT64_C(0x5851f42d4c957f2d));
    if (env->type->seeded) env->type->seeded(env->state);
    return rl_env_reset(env, obs);
}

static void trace_row(rl_env *env, const double *action, const rl_step *out)
{
    FILE *f = env->trace;
    fprintf(f, "%u,%llu,%lld", env->trace_index, (unsigned long long)env->episode,
            (long long)env->steps);
    for (size_t i = 0; i < env->obs_dim; i++) fprintf(f, ",%.17g", env->last_obs[i]);
    for (size_t i = 0; i < env->act_dim; i++) fprintf(f, ",%.17g", action[i]);
    fprintf(f, ",%.17g,%d,%d\n", out->reward, out->terminated, out->truncated);
}

int rl_env_step(rl_env *env, const double *action, double *obs, rl_step *out)
{
    if (!env->running)
        return rl__fmt(env->errmsg, RL_EINVAL,
                       "environment '%s': step without a running episode (call reset first)",
                       env->type->name);
    if (!rl_space_contains(&env->spec.action_space, action)) {
        char desc[128];
        rl_space_describe(&env->spec.action_space, desc, sizeof desc);
        return rl__fmt(env->errmsg, RL_EINVAL,
                       "environment '%s': action (first value %g) is not in the action space %s",
                       env->type->name, action[0], desc);
    }
    /* Only the code and the message's first byte are read unless the type
     * fills them; clearing all of its bytes on every step showed in the
     * profiles of fast environments. */
    rl_error e;
    e.code = 0;
    e.msg[0] = 0;
    out->reward = 0;
    out->terminated = out->truncated = 0;
    int rc = env->type->step(env->state, &env->rng, action, obs, out, &e);
    if (rc != RL_OK) {
        env->running = 0;
        return plugin_failed(env, rc, &e, "step");
    }
    env->steps++;
    if (!isfinite(out->reward) || !all_finite(obs, env->obs_dim)) {
        env->running = 0;
        return rl__fmt(env->errmsg, RL_EPLUGIN,
                       "environment '%s' returned a non-finite %s at step %lld of episode %llu",
                       env->type->name, isfinite(out->reward) ? "observation" : "reward",
                       (long long)env->steps, (unsigned long long)env->episode);
    }
    out->terminated = out->terminated != 0;
    out->truncated = out->truncated != 0;
    if (!out->terminated && env->spec.max_episode_steps > 0 &&
        env->steps >= env->spec.max_episode_steps)
        out->truncated = 1;
    /* Kept always (one small copy), so that tracing can start at any time. */
    if (env->trace) {
        if (!env->type->trace_row) {
            trace_row(env, action, out);
        } else if (env->tbuf) {
            if (!env->tpartial) env->type->trace_row(env->state, env->tbuf, out);
        } else {
            fprintf(env->trace, "%llu,", (unsigned long long)(env->episode - env->trace_first));
            env->type->trace_row(env->state, env->trace, out);
        }
    }
    memcpy(env->last_obs, obs, env->obs_dim * sizeof *obs);
    if (out->terminated || out->truncated) {
        env->running = 0;
        if (env->nmetrics) env->type->episode_metrics(env->state, env->metrics);
    }
    return RL_OK;
}

const rl_env_type *rl_env_get_type(const rl_env *env) { return env->type; }
const rl_space *rl_env_observation_space(const rl_env *env) { return &env->spec.observation_space; }
const rl_space *rl_env_action_space(const rl_env *env) { return &env->spec.action_space; }
int64_t rl_env_max_episode_steps(const rl_env *env) { return env->spec.max_episode_steps; }
int64_t rl_env_episode_steps(const rl_env *env) { return env->steps; }
size_t rl_env_metric_count(const rl_env *env) { return env->nmetrics; }
void *rl_env_state(rl_env *env) { return env->state; }
const char *rl_env_errmsg(const rl_env *env) { return env->errmsg; }

void rl_env_metrics(const rl_env *env, double *values)
{
    memcpy(values, env->metrics, env->nmetrics * sizeof *values);
}

void rl_env_set_trace(rl_env *env, FILE *f, unsigned env_index)
{
    env->trace = f;
    env->trace_index = env_index;
    /* The running episode, if any, is the trace's episode 0. */
    env->trace_first = env->episode + (env->running ? 0 : 1);
}

/* Drop a held episode's rows (the memstream keeps its buffer). */
static void tbuf_clear(rl_env *env)
{
    if (env->tbuf) rewind(env->tbuf);
    env->tpartial = 0;
}

static void tbuf_free(rl_env *env)
{
    if (env->tbuf) fclose(env->tbuf);
    free(env->tdata);
    env->tbuf = NULL;
    env->tdata = NULL;
    env->tsize = 0;
    env->tpartial = 0;
}

static int tbuf_open(rl_env *env)
{
    if (env->tbuf) return RL_OK;
    env->tbuf = open_memstream(&env->tdata, &env->tsize);
    return env->tbuf ? RL_OK : RL_ENOMEM;
}

int rl_env_write_run_files(rl_env *env, rl_config *cfg, const char *dir)
{
    if (!env->type->write_run_files) return RL_OK;
    rl_error e = {0};
    int rc = env->type->write_run_files(env->state, cfg, dir, &e);
    if (rc != RL_OK)
        rl__fmt(env->errmsg, rc, "%s: %s", env->type->name, e.msg[0] ? e.msg : rl_strerror(rc));
    return rc;
}

int rl_env_write_plots(rl_env *env, rl_config *cfg, const char *dir, FILE *out)
{
    if (!env->type->write_plots) {
        rl__fmt(env->errmsg, RL_EUNSUPPORTED, "environment '%s' draws no pictures",
                env->type->name);
        return RL_EUNSUPPORTED;
    }
    rl_error e = {0};
    int rc = env->type->write_plots(env->state, cfg, dir, out, &e);
    if (rc != RL_OK)
        rl__fmt(env->errmsg, rc, "%s", e.msg[0] ? e.msg : rl_strerror(rc));
    return rc;
}

int rl_env_write_summary(rl_env *env, const double *metric_means, size_t episodes, FILE *out)
{
    const char *name = env->type->name;
    if (!env->type->write_summary)
        return rl__fmt(env->errmsg, RL_EUNSUPPORTED, "environment '%s' writes no summary", name);
    if (!out || episodes == 0 || (!metric_means && env->nmetrics > 0))
        return rl__fmt(env->errmsg, RL_EINVAL,
                       "rl_env_write_summary needs a stream, at least one episode and the "
                       "metrics' means");
    /* A write error counts only when it happened here. */
    int failed_before = ferror(out) != 0;
    rl_error e = {0};
    int rc = env->type->write_summary(env->state, metric_means, episodes, out, &e);
    if (rc != RL_OK) return plugin_failed(env, rc, &e, "write_summary");
    if (!failed_before && ferror(out))
        return rl__fmt(env->errmsg, RL_EIO, "cannot write the summary of environment '%s'", name);
    return RL_OK;
}

int rl_env_has_own_trace(const rl_env *env) { return env->type->trace_row != NULL; }

int rl_env_set_evaluation(rl_env *env, int on)
{
    if (!env->type->set_evaluation) return RL_OK;
    rl_error e = {0};
    int rc = env->type->set_evaluation(env->state, on, &e);
    return rc == RL_OK ? RL_OK : plugin_failed(env, rc, &e, "set_evaluation");
}

int rl_env_trace_header(const rl_env *env, FILE *f)
{
    if (env->type->trace_row) {
        fprintf(f, "%s\n", env->type->trace_header ? env->type->trace_header : "");
        return ferror(f) ? RL_EIO : RL_OK;
    }
    fputs("env,episode,step", f);
    for (size_t i = 0; i < env->obs_dim; i++) fprintf(f, ",obs_%zu", i);
    for (size_t i = 0; i < env->act_dim; i++) fprintf(f, ",action_%zu", i);
    fputs(",reward,terminated,truncated\n", f);
    return ferror(f) ? RL_EIO : RL_OK;
}

/* ---- batches ----------------------------------------------------------------- */

struct rl_env_batch {
    size_t n;
    FILE *trace;            /* the own-format trace's current file, or NULL */
    uint64_t trace_next;    /* number of the next episode written to it */
    uint64_t quota;         /* whole episodes a file takes (0: any number) */
    uint64_t in_file;       /* episodes written to the current file */
    /* Ended episodes beyond a file's quota, numbered, for the next file:
     * their rows one after another, and where each episode ends. */
    char *held;
    size_t held_len, held_cap;
    size_t *held_ends;
    size_t nheld, held_ends_cap;
    rl_env **envs;
    size_t obs_dim, act_dim;
    double *returns;        /* running return of each instance's episode */
    rl_episode_stats stats;
    /* The last RL_RECENT_EPISODES episodes' returns and lengths, a ring:
     * recent_n of them, the oldest at recent_at. */
    double recent_ret[RL_RECENT_EPISODES], recent_len[RL_RECENT_EPISODES];
    size_t recent_n, recent_at;
    /* Threads (rl_env_batch_set_threads): the pool, and each instance's
     * step result and status while a parallel step is under way. */
    rl__pool *pool;
    rl_step *steps;
    int *rcs;
    const double *job_actions;
    double *job_obs;
    char errmsg[RL_ERRMSG_SIZE];
};

static void clear_stats(rl_episode_stats *s)
{
    memset(s, 0, sizeof *s);
    s->return_min = INFINITY;
    s->return_max = -INFINITY;
}

rl_env_batch *rl_env_batch_alloc(const rl_env_type *type, rl_config *cfg, size_t n,
                                  rl_error *err)
{
    if (n == 0) {
        rl_error_set(err, RL_EINVAL, "a batch needs at least one environment");
        return NULL;
    }
    rl_env_batch *b = calloc(1, sizeof *b);
    if (!b || !(b->envs = calloc(n, sizeof *b->envs)) ||
        !(b->returns = calloc(n, sizeof *b->returns))) {
        rl_error_set(err, RL_ENOMEM, "out of memory for a batch of %zu environments", n);
        rl_env_batch_free(b);
        return NULL;
    }
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        b->envs[i] = rl_env_alloc(type, cfg, err);
        if (!b->envs[i]) {
            rl_env_batch_free(b);
            return NULL;
        }
    }
    b->obs_dim = b->envs[0]->obs_dim;
    b->act_dim = b->envs[0]->act_dim;
    clear_stats(&b->stats);
    return b;
}

void rl_env_batch_free(rl_env_batch *b)
{
    if (!b) return;
    if (b->envs)
        for (size_t i = 0; i < b->n; i++) rl_env_free(b->envs[i]);
    free(b->envs);
    free(b->returns);
    free(b->held);
    free(b->held_ends);
    rl__pool_free(b->pool);
    free(b->steps);
    free(b->rcs);
    free(b);
}

size_t rl_env_batch_size(const rl_env_batch *b) { return b->n; }
rl_env *rl_env_batch_env(rl_env_batch *b, size_t i) { return i < b->n ? b->envs[i] : NULL; }
const char *rl_env_batch_errmsg(const rl_env_batch *b) { return b->errmsg; }

static void batch_fail(rl_env_batch *b, size_t i)
{
    rl__strlcpy(b->errmsg, b->envs[i]->errmsg, sizeof b->errmsg);
}

int rl_env_batch_reset(rl_env_batch *b, uint64_t seed, double *obs)
{
    for (size_t i = 0; i < b->n; i++) {
        int rc = rl_env_reset_seeded(b->envs[i], seed + i, obs + i * b->obs_dim);
        if (rc != RL_OK) {
            batch_fail(b, i);
            return rc;
        }
        b->returns[i] = 0;
        tbuf_clear(b->envs[i]);
    }
    return RL_OK;
}

/* Append n bytes to the held episodes' text. */
static int held_append(rl_env_batch *b, const char *p, size_t n)
{
    if (n == 0) return RL_OK; /* an empty episode: nothing to copy (held may be NULL) */
    if (b->held_len + n > b->held_cap) {
        size_t cap = 2 * (b->held_len + n);
        char *grown = realloc(b->held, cap);
        if (!grown) return RL_ENOMEM;
        b->held = grown;
        b->held_cap = cap;
    }
    memcpy(b->held + b->held_len, p, n);
    b->held_len += n;
    return RL_OK;
}

/* Room for one more held episode's end. */
static int held_reserve_end(rl_env_batch *b)
{
    if (b->nheld < b->held_ends_cap) return RL_OK;
    size_t cap = b->held_ends_cap ? 2 * b->held_ends_cap : 8;
    size_t *grown = realloc(b->held_ends, cap * sizeof *grown);
    if (!grown) return RL_ENOMEM;
    b->held_ends = grown;
    b->held_ends_cap = cap;
    return RL_OK;
}

/* Write the held episodes into the current file while its quota allows,
 * oldest first. */
static void write_held(rl_env_batch *b)
{
    size_t k = 0;
    while (k < b->nheld && (!b->quota || b->in_file < b->quota)) k++, b->in_file++;
    if (!k) return;
    size_t bytes = b->held_ends[k - 1];
    fwrite(b->held, 1, bytes, b->trace);
    memmove(b->held, b->held + bytes, b->held_len - bytes);
    b->held_len -= bytes;
    for (size_t j = k; j < b->nheld; j++) b->held_ends[j - k] = b->held_ends[j] - bytes;
    b->nheld -= k;
}

/* Write instance env's ended episode to the batch's trace, each row
 * behind its episode number; past the file's quota, hold it for the next
 * file. */
static int flush_episode(rl_env_batch *b, rl_env *env)
{
    if (env->tpartial) {
        tbuf_clear(env);
        return RL_OK;
    }
    int hold = b->quota && b->in_file >= b->quota;
    if (fflush(env->tbuf) != 0 || ferror(env->tbuf) || (hold && held_reserve_end(b) != RL_OK))
        return rl__fmt(b->errmsg, RL_ENOMEM, "out of memory holding the trace of an episode");
    off_t len = ftello(env->tbuf);
    const char *p = env->tdata, *end = env->tdata + (len > 0 ? len : 0);
    char prefix[32];
    size_t plen = (size_t)snprintf(prefix, sizeof prefix, "%llu,",
                                   (unsigned long long)b->trace_next);
    size_t held_before = b->held_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (!hold) {
            fwrite(prefix, 1, plen, b->trace);
            fwrite(p, 1, n, b->trace);
        } else if (held_append(b, prefix, plen) != RL_OK || held_append(b, p, n) != RL_OK) {
            b->held_len = held_before;
            return rl__fmt(b->errmsg, RL_ENOMEM, "out of memory holding the trace of an episode");
        }
        p += n;
    }
    b->trace_next++;
    if (hold)
        b->held_ends[b->nheld++] = b->held_len;
    else
        b->in_file++;
    rewind(env->tbuf);
    return RL_OK;
}

int rl_env_batch_set_threads(rl_env_batch *b, int threads)
{
    if (threads < 1)
        return rl__fmt(b->errmsg, RL_EINVAL, "rl_env_batch_set_threads: %d threads; at least 1",
                       threads);
    if (rl__pool_threads(b->pool) == threads) return RL_OK;
    rl__pool_free(b->pool);
    b->pool = NULL;
    if (threads > 1 && (!b->steps || !b->rcs)) {
        free(b->steps);
        free(b->rcs);
        b->steps = calloc(b->n, sizeof *b->steps);
        b->rcs = calloc(b->n, sizeof *b->rcs);
        if (!b->steps || !b->rcs)
            return rl__fmt(b->errmsg, RL_ENOMEM, "out of memory for %d threads", threads);
    }
    int rc = rl__pool_create(&b->pool, threads);
    if (rc != RL_OK)
        return rl__fmt(b->errmsg, rc, "could not start %d threads: %s", threads - 1,
                       rc == RL_ENOMEM ? "out of memory" : "pthread_create failed");
    return RL_OK;
}

int rl_env_batch_threads(const rl_env_batch *b) { return rl__pool_threads(b->pool); }

rl__pool *rl__env_batch_pool(rl_env_batch *b) { return b->pool; }

/* One instance's step, on whichever thread: it touches only that
 * instance and its own rows. */
static void step_task(void *ctx, size_t i)
{
    rl_env_batch *b = ctx;
    b->rcs[i] = rl_env_step(b->envs[i], b->job_actions + i * b->act_dim,
                            b->job_obs + i * b->obs_dim, &b->steps[i]);
}

int rl_env_batch_step(rl_env_batch *b, const double *actions, double *obs, double *rewards,
                      unsigned char *terminated, unsigned char *truncated, double *final_obs)
{
    /* With threads, the instances step in parallel; what they share (the
     * statistics, the trace file, the order of resets) is then done here in
     * instance order, so the results are those of one thread. A batch
     * writing traces steps on one thread: its rows go to one file. */
    int parallel = b->pool && b->n > 1 && !b->trace && !b->envs[0]->trace;
    if (parallel) {
        b->job_actions = actions;
        b->job_obs = obs;
        rl__pool_run(b->pool, b->n, step_task, b);
    }
    for (size_t i = 0; i < b->n; i++) {
        rl_env *env = b->envs[i];
        double *o = obs + i * b->obs_dim;
        rl_step st;
        int rc = parallel ? b->rcs[i] : rl_env_step(env, actions + i * b->act_dim, o, &st);
        if (parallel) st = b->steps[i];
        if (rc != RL_OK) {
            batch_fail(b, i);
            return rc;
        }
        rewards[i] = st.reward;
        terminated[i] = (unsigned char)st.terminated;
        truncated[i] = (unsigned char)st.truncated;
        b->returns[i] += st.reward;
        if (st.terminated || st.truncated) {
            rl_episode_stats *s = &b->stats;
            s->episodes++;
            s->return_sum += b->returns[i];
            s->length_sum += (double)env->steps;
            if (b->returns[i] < s->return_min) s->return_min = b->returns[i];
            if (b->returns[i] > s->return_max) s->return_max = b->returns[i];
            size_t at = (b->recent_at + b->recent_n) % RL_RECENT_EPISODES;
            b->recent_ret[at] = b->returns[i];
            b->recent_len[at] = (double)env->steps;
            if (b->recent_n < RL_RECENT_EPISODES) b->recent_n++;
            else b->recent_at = (b->recent_at + 1) % RL_RECENT_EPISODES;
            b->returns[i] = 0;
            if (final_obs) memcpy(final_obs + i * b->obs_dim, o, b->obs_dim * sizeof *o);
            if (env->tbuf && env->trace && (rc = flush_episode(b, env)) != RL_OK) return rc;
            rc = rl_env_reset(env, o);
            if (rc != RL_OK) {
                batch_fail(b, i);
                return rc;
            }
        }
    }
    return RL_OK;
}

int rl_env_batch_set_trace(rl_env_batch *b, FILE *f)
{
    int own = b->envs[0]->type->trace_row != NULL;
    b->trace = own ? f : NULL;
    b->in_file = 0;
    if (b->trace) write_held(b);
    for (size_t i = 0; i < b->n; i++) {
        rl_env *env = b->envs[i];
        rl_env_set_trace(env, f, (unsigned)i);
        if (!own) continue;
        if (!f) {
            tbuf_free(env);
        } else if (!env->tbuf) {
            if (tbuf_open(env) != RL_OK) {
                for (size_t j = 0; j < b->n; j++) tbuf_free(b->envs[j]);
                b->trace = NULL;
                for (size_t j = 0; j < b->n; j++) rl_env_set_trace(b->envs[j], NULL, (unsigned)j);
                return rl__fmt(b->errmsg, RL_ENOMEM, "out of memory for the trace buffers");
            }
            /* An episode already under way is not traced: it would lack
             * its first rows. */
            env->tpartial = env->running && env->steps > 0;
        }
    }
    return RL_OK;
}

uint64_t rl_env_batch_trace_episodes(const rl_env_batch *b) { return b->trace_next; }

void rl_env_batch_set_trace_quota(rl_env_batch *b, uint64_t episodes) { b->quota = episodes; }

uint64_t rl_env_batch_trace_held(const rl_env_batch *b) { return b->nheld; }

size_t rl_env_batch_recent(const rl_env_batch *b, double *mean_return, double *mean_length)
{
    /* Summed oldest first, so the figure depends only on the episodes. */
    double ret = 0, len = 0;
    for (size_t k = 0; k < b->recent_n; k++) {
        size_t at = (b->recent_at + k) % RL_RECENT_EPISODES;
        ret += b->recent_ret[at];
        len += b->recent_len[at];
    }
    double n = (double)b->recent_n;
    if (mean_return) *mean_return = b->recent_n ? ret / n : NAN;
    if (mean_length) *mean_length = b->recent_n ? len / n : NAN;
    return b->recent_n;
}

void rl_env_batch_take_stats(rl_env_batch *b, rl_episode_stats *out)
{
    *out = b->stats;
    clear_stats(&b->stats);
}

/* ---- saving and restoring a batch, for exact resume ---------------------------- */

/* Layout: u64 n, u32 obs_dim, u32 act_dim, episode figures gathered so far,
 * then per instance: generator, episode counters, running return, the
 * observation the next action acts on, u32 1 + the type's own record when
 * the type has save/load, or u32 0. */
int rl_env_batch_save(const rl_env_batch *b, rl_writer *w, rl_error *err)
{
    rl_write_u64(w, b->n);
    rl_write_u32(w, (uint32_t)b->obs_dim);
    rl_write_u32(w, (uint32_t)b->act_dim);
    rl_write_u64(w, b->stats.episodes);
    rl_write_f64(w, b->stats.return_sum);
    rl_write_f64(w, b->stats.length_sum);
    rl_write_f64(w, b->stats.return_min);
    rl_write_f64(w, b->stats.return_max);
    for (size_t i = 0; i < b->n; i++) {
        const rl_env *env = b->envs[i];
        rl_write_u64(w, env->rng.state);
        rl_write_u64(w, env->rng.inc);
        rl_write_u64(w, (uint64_t)env->steps);
        rl_write_u64(w, env->episode);
        rl_write_u32(w, (uint32_t)env->running);
        rl_write_f64(w, b->returns[i]);
        rl_write_f64_array(w, env->last_obs, env->obs_dim);
        if (env->type->save && env->type->load) {
            rl_write_u32(w, 1);
            int rc = env->type->save(env->state, w, err);
            if (rc != RL_OK) return rc;
        } else {
            rl_write_u32(w, 0);
        }
    }
    /* The own-format trace: the next episode's number and, while tracing,
     * the rows held of each running episode, so that a resumed run writes
     * every episode once and whole. */
    rl_write_u64(w, b->trace_next);
    for (size_t i = 0; i < b->n; i++) {
        rl_env *env = b->envs[i];
        int held = b->trace && env->tbuf && !env->tpartial && env->running;
        off_t len = 0;
        if (held && (fflush(env->tbuf) != 0 || (len = ftello(env->tbuf)) < 0)) held = 0;
        rl_write_u32(w, (uint32_t)held);
        if (held) {
            rl_write_u64(w, (uint64_t)len);
            rl_write_bytes(w, env->tdata, (size_t)len);
        }
    }
    /* The ended episodes held for the next file: their count, then each
     * one's length and rows. */
    rl_write_u64(w, b->nheld);
    for (size_t k = 0; k < b->nheld; k++) {
        size_t from = k ? b->held_ends[k - 1] : 0;
        rl_write_u64(w, b->held_ends[k] - from);
        rl_write_bytes(w, b->held + from, b->held_ends[k] - from);
    }
    /* The last episodes' figures, oldest first. */
    rl_write_u32(w, (uint32_t)b->recent_n);
    for (size_t k = 0; k < b->recent_n; k++) {
        size_t at = (b->recent_at + k) % RL_RECENT_EPISODES;
        rl_write_f64(w, b->recent_ret[at]);
        rl_write_f64(w, b->recent_len[at]);
    }
    if (w->failed) return rl_error_set(err, RL_ENOMEM, "out of memory saving the environments");
    return RL_OK;
}

int rl_env_batch_resumable(const rl_env_batch *b)
{
    return b->envs[0]->type->save && b->envs[0]->type->load;
}

/* The core fields of one instance, read before anything is changed. */
typedef struct saved_env {
    rl_pcg32 rng;
    uint64_t steps, episode;
    uint32_t running, has_state;
    double ret;
} saved_env;

int rl_env_batch_load(rl_env_batch *b, rl_reader *r, rl_error *err)
{
    uint64_t n = 0;
    uint32_t od = 0, ad = 0;
    rl_episode_stats st;
    rl_read_u64(r, &n);
    rl_read_u32(r, &od);
    rl_read_u32(r, &ad);
    rl_read_u64(r, &st.episodes);
    rl_read_f64(r, &st.return_sum);
    rl_read_f64(r, &st.length_sum);
    rl_read_f64(r, &st.return_min);
    rl_read_f64(r, &st.return_max);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "the environments' record is truncated");
    if (n != b->n)
        return rl_error_set(err, RL_EINVAL,
                            "the checkpoint holds %llu environments; this run has %zu "
                            "([run] num_envs must match to resume)",
                            (unsigned long long)n, b->n);
    if (od != b->obs_dim || ad != b->act_dim)
        return rl_error_set(err, RL_EINVAL,
                            "the checkpoint's environments have %u observation and %u action "
                            "values; these have %zu and %zu",
                            od, ad, b->obs_dim, b->act_dim);
    /* Instances are restored one after the other; a failure part-way leaves
     * earlier ones restored, which rl_algo_load undoes from its backup. */
    for (size_t i = 0; i < b->n; i++) {
        rl_env *env = b->envs[i];
        saved_env s = {{0, 0}, 0, 0, 0, 0, 0};
        rl_read_u64(r, &s.rng.state);
        rl_read_u64(r, &s.rng.inc);
        rl_read_u64(r, &s.steps);
        rl_read_u64(r, &s.episode);
        rl_read_u32(r, &s.running);
        rl_read_f64(r, &s.ret);
        size_t obs_at = r->pos;
        if (r->pos <= r->len && env->obs_dim * 8 <= r->len - r->pos) r->pos += env->obs_dim * 8;
        else r->failed = 1;
        rl_read_u32(r, &s.has_state);
        if (r->failed)
            return rl_error_set(err, RL_EFORMAT, "the record of environment %zu is truncated", i);
        /* An even PCG increment (never written) can make the generator's
         * outputs constant, and bounded draws loop for ever. */
        if (s.has_state > 1 || s.running > 1 || !(s.rng.inc & 1) ||
            (s.has_state && !(env->type->save && env->type->load)))
            return rl_error_set(err, RL_EFORMAT, "the record of environment %zu is malformed", i);
        if (s.has_state) {
            int rc = env->type->load(env->state, r, err);
            if (rc != RL_OK) return rc;
        }
        rl_reader obs = {r->data, r->len, obs_at, 0};
        rl_read_f64_array(&obs, env->last_obs, env->obs_dim);
        env->rng = s.rng;
        env->steps = (int64_t)s.steps;
        env->episode = s.episode;
        env->running = (int)s.running;
        b->returns[i] = s.ret;
        if (!s.has_state) {
            /* Without the type's own record the episode cannot continue: a
             * fresh one starts from the restored generator, so even this is
             * reproducible. */
            b->returns[i] = 0;
            int rc = rl_env_reset(env, env->last_obs);
            if (rc != RL_OK) return rl_error_set(err, rc, "%s", env->errmsg);
        }
        tbuf_clear(env);
        if (b->trace) env->tpartial = env->running && env->steps > 0;
    }
    b->stats = st;
    b->nheld = b->held_len = 0;
    /* The trace section; checkpoints written before it existed end here. */
    if (r->pos == r->len) return RL_OK;
    uint64_t next = 0;
    rl_read_u64(r, &next);
    for (size_t i = 0; i < b->n && !r->failed; i++) {
        rl_env *env = b->envs[i];
        uint32_t held = 0;
        uint64_t len = 0;
        rl_read_u32(r, &held);
        if (!held) continue;
        rl_read_u64(r, &len);
        if (r->failed || held > 1 || len > r->len - r->pos)
            return rl_error_set(err, RL_EFORMAT, "the trace record of environment %zu is malformed",
                                i);
        if (env->type->trace_row && env->running) {
            if (tbuf_open(env) != RL_OK)
                return rl_error_set(err, RL_ENOMEM, "out of memory for the trace buffers");
            if (fwrite(r->data + r->pos, 1, (size_t)len, env->tbuf) != (size_t)len)
                return rl_error_set(err, RL_ENOMEM, "out of memory for the trace buffers");
            env->tpartial = 0;
        }
        r->pos += (size_t)len;
    }
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "the trace record is truncated");
    b->trace_next = next;
    uint64_t nheld = 0;
    rl_read_u64(r, &nheld);
    if (r->failed || nheld > r->len - r->pos)
        return rl_error_set(err, RL_EFORMAT, "the held trace episodes are malformed");
    for (uint64_t k = 0; k < nheld; k++) {
        uint64_t len = 0;
        rl_read_u64(r, &len);
        if (r->failed || len > r->len - r->pos)
            return rl_error_set(err, RL_EFORMAT, "held trace episode %llu is truncated",
                                (unsigned long long)k);
        if (held_reserve_end(b) != RL_OK ||
            held_append(b, (const char *)r->data + r->pos, (size_t)len) != RL_OK)
            return rl_error_set(err, RL_ENOMEM, "out of memory for the held trace episodes");
        b->held_ends[b->nheld++] = b->held_len;
        r->pos += (size_t)len;
    }
    /* The last episodes' figures; checkpoints written before them end
     * here. */
    b->recent_n = b->recent_at = 0;
    if (r->pos == r->len) return RL_OK;
    uint32_t nrecent = 0;
    rl_read_u32(r, &nrecent);
    if (r->failed || nrecent > RL_RECENT_EPISODES || (size_t)nrecent * 16 > r->len - r->pos)
        return rl_error_set(err, RL_EFORMAT, "the record of the last episodes is malformed");
    for (size_t k = 0; k < nrecent; k++) {
        rl_read_f64(r, &b->recent_ret[k]);
        rl_read_f64(r, &b->recent_len[k]);
        if (!isfinite(b->recent_ret[k]) || !(b->recent_len[k] >= 0 && b->recent_len[k] <= 1e18))
            return rl_error_set(err, RL_EFORMAT, "the record of the last episodes is malformed");
    }
    b->recent_n = nrecent;
    return RL_OK;
}

void rl_env_batch_observations(const rl_env_batch *b, double *obs)
{
    for (size_t i = 0; i < b->n; i++)
        memcpy(obs + i * b->obs_dim, b->envs[i]->last_obs, b->obs_dim * sizeof *obs);
}
