/* A test plugin whose entry point registers a type, then fails: the host
 * must report it and forget the type. */
#include <rl/plugin.h>

static int x_init(void *s, rl_config *c, const char *sec, rl_env_spec *spec, rl_error *e)
{
    (void)s, (void)c, (void)sec, (void)spec, (void)e;
    return RL_OK;
}
static int x_reset(void *s, rl_pcg32 *r, double *o, rl_error *e)
{
    (void)s, (void)r, (void)o, (void)e;
    return RL_OK;
}
static int x_step(void *s, rl_pcg32 *r, const double *a, double *o, rl_step *out, rl_error *e)
{
    (void)s, (void)r, (void)a, (void)o, (void)out, (void)e;
    return RL_OK;
}

static const rl_env_type half_registered = {
    RL_ENV_TYPE_HEADER, .name = "half_registered", .size = 1,
    .init = x_init, .reset = x_reset, .step = x_step,
};

RL_PLUGIN_ENTRY(failinit)
{
    rl_registry_add_env(registry, &half_registered);
    return RL_EINVAL;
}
