/* A test plugin built against the headers of librl's first release (ABI 1,
 * frozen in tests/abi1/rl/, Makefile.am puts them first on the include
 * path): its rl_env_type has no struct_size and ends after episode_metrics.
 * Today's librl must load it, read only the slots it has, and run it.
 *
 * "oldabi_walk": a walk on 0..n-1 from the middle; action 0 steps left, 1
 * right; the episode ends at either end, reward +1 at the right end, -1 at
 * the left. The metric "right" is 1 when the episode ended on the right. */
#include <rl/plugin.h>

#if RL_ABI_VERSION != 1u
#error "oldabi.c must be built against tests/abi1 (the first release's headers)"
#endif

typedef struct walk {
    int64_t n;
    int64_t pos;
    int right;
} walk;

static const rl_param walk_params[] = {
    {"length", RL_PARAM_INT, "7", 3, 1001, NULL, "cells of the walk"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

static int walk_init(void *state, rl_config *cfg, const char *section, rl_env_spec *spec,
                     rl_error *err)
{
    walk *w = state;
    if (rl_config_get_int(cfg, section, "length", &w->n) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    if (rl_space_discrete(&spec->observation_space, w->n) != RL_OK ||
        rl_space_discrete(&spec->action_space, 2) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "cannot make the spaces");
    return RL_OK;
}

static int walk_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)rng, (void)err;
    walk *w = state;
    w->pos = w->n / 2;
    w->right = 0;
    obs[0] = (double)w->pos;
    return RL_OK;
}

static int walk_step(void *state, rl_pcg32 *rng, const double *action, double *obs,
                     rl_step *out, rl_error *err)
{
    (void)rng, (void)err;
    walk *w = state;
    w->pos += action[0] > 0.5 ? 1 : -1;
    out->terminated = w->pos == 0 || w->pos == w->n - 1;
    w->right = w->pos == w->n - 1;
    out->reward = w->right ? 1.0 : w->pos == 0 ? -1.0 : 0.0;
    obs[0] = (double)w->pos;
    return RL_OK;
}

static const char *const walk_metrics[] = {"right", NULL};

static void walk_metric_values(const void *state, double *v)
{
    v[0] = ((const walk *)state)->right;
}

static const rl_env_type walk_type = {
    .abi = RL_ABI_VERSION,
    .name = "oldabi_walk",
    .summary = "test: a plugin built against librl's first release",
    .size = sizeof(walk),
    .params = walk_params,
    .max_episode_steps = 50,
    .init = walk_init,
    .reset = walk_reset,
    .step = walk_step,
    .metric_names = walk_metrics,
    .episode_metrics = walk_metric_values,
};

RL_PLUGIN_ENTRY(oldabi)
{
    return rl_registry_add_env(registry, &walk_type);
}
