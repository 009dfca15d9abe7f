/* A test plugin built "against a newer librl": its plugin ABI is today's,
 * but its environment table is larger than this librl's rl_env_type (a
 * newer header appended slots this librl cannot honour), and it offers a
 * command whose table is larger too. The host must refuse both by name,
 * without reading past the tables it knows. The environment is registered
 * from a struct that really is larger, so the sizes tell the truth. */
#include <rl/plugin.h>

static int n_init(void *s, rl_config *c, const char *sec, rl_env_spec *spec, rl_error *e)
{
    (void)s, (void)c, (void)sec, (void)spec, (void)e;
    return RL_OK;
}
static int n_reset(void *s, rl_pcg32 *r, double *o, rl_error *e)
{
    (void)s, (void)r, (void)o, (void)e;
    return RL_OK;
}
static int n_step(void *s, rl_pcg32 *r, const double *a, double *o, rl_step *out, rl_error *e)
{
    (void)s, (void)r, (void)a, (void)o, (void)out, (void)e;
    return RL_OK;
}

/* Tomorrow's rl_env_type: today's and two more slots. */
typedef struct future_env_type {
    rl_env_type today;
    void (*later_slot)(void *state);
    void *another;
} future_env_type;

static const future_env_type future = {
    .today = {.abi = RL_ABI_VERSION, .struct_size = sizeof(future_env_type),
              .name = "newabi_env", .size = 1, .init = n_init, .reset = n_reset,
              .step = n_step},
};

RL_PLUGIN_ENTRY(newabi)
{
    return rl_registry_add_env(registry, &future.today);
}
