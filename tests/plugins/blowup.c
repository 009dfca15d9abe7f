/* A test plugin whose rewards overflow: 1 per step until the instance has
 * taken `after` steps in all, then 1e308, whose discounted sums are
 * infinite. Training on it must stop with a clear error and leave the last
 * good checkpoint alone. Episodes last 10 steps. */
#include <rl/plugin.h>

typedef struct blowup {
    int64_t after;
    int64_t total; /* steps taken over all episodes */
    int64_t t;     /* steps in this episode */
} blowup;

static const rl_param blowup_params[] = {
    {"after", RL_PARAM_INT, "1000", 0, 1e12, NULL, "steps before the rewards overflow"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

static int b_init(void *s, rl_config *c, const char *sec, rl_env_spec *spec, rl_error *e)
{
    blowup *b = s;
    if (rl_config_get_int(c, sec, "after", &b->after))
        return rl_error_set(e, RL_EINVAL, "%s", rl_config_errmsg(c));
    int rc = rl_space_box_uniform(&spec->observation_space, 1, -1, 1);
    if (rc == RL_OK) rc = rl_space_discrete(&spec->action_space, 2);
    return rc;
}
static int b_reset(void *s, rl_pcg32 *r, double *o, rl_error *e)
{
    (void)r, (void)e;
    ((blowup *)s)->t = 0;
    o[0] = 0;
    return RL_OK;
}
static int b_step(void *s, rl_pcg32 *r, const double *a, double *o, rl_step *out, rl_error *e)
{
    (void)r, (void)e;
    blowup *b = s;
    b->t++;
    b->total++;
    o[0] = a[0] > 0.5 ? 0.5 : -0.5;
    out->reward = b->total > b->after ? 1e308 : 1;
    out->terminated = b->t >= 10;
    out->truncated = 0;
    return RL_OK;
}
static int b_save(const void *s, rl_writer *w, rl_error *e)
{
    (void)e;
    const blowup *b = s;
    rl_write_u64(w, (uint64_t)b->total);
    rl_write_u64(w, (uint64_t)b->t);
    return RL_OK;
}
static int b_load(void *s, rl_reader *r, rl_error *e)
{
    uint64_t total = 0, t = 0;
    rl_read_u64(r, &total);
    rl_read_u64(r, &t);
    if (r->failed) return rl_error_set(e, RL_EFORMAT, "blowup: truncated state");
    ((blowup *)s)->total = (int64_t)total;
    ((blowup *)s)->t = (int64_t)t;
    return RL_OK;
}

static const rl_env_type blowup_type = {
    RL_ENV_TYPE_HEADER, .name = "blowup", .summary = "test: rewards overflow after a while",
    .size = sizeof(blowup), .params = blowup_params,
    .init = b_init, .reset = b_reset, .step = b_step, .save = b_save, .load = b_load,
};

RL_PLUGIN_ENTRY(blowup) { return rl_registry_add_env(registry, &blowup_type); }
