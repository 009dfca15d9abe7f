/* FrozenLake, as Gymnasium's FrozenLake-v1.
 *
 * The agent crosses a frozen lake from S to G without falling into a hole H.
 * Actions: 0 left, 1 down, 2 right, 3 up. On a slippery lake the agent
 * moves in the intended direction with probability 1/3 and in each of the
 * two perpendicular directions with probability 1/3; moving into the edge
 * leaves it in place. Reaching G gives reward 1 and terminates; a hole
 * terminates with reward 0; every other step gives 0. The observation is the
 * cell index row * ncol + column. Time limit: 100 steps on 4x4, 200 on 8x8
 * (Gymnasium's registrations); max_episode_steps = -1 picks those.
 *
 * Saved state (for exact resume): u32 layout version (1), u32 number of
 * cells (to catch a state saved on the other map), u32 position, u32
 * success flag. The slippery moves draw from the instance's generator,
 * which the core owns. */
#include <string.h>

#include "classic.h"

enum { LAYOUT = 1 };

static const char *const map_4x4[] = {"SFFF", "FHFH", "FFFH", "HFFG"};
static const char *const map_8x8[] = {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
                                      "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};

static const rl_param frozenlake_params[] = {
    {"map", RL_PARAM_CHOICE, "4x4", 0, 0, "4x4|8x8", "the lake: Gymnasium's 4x4 or 8x8 map"},
    {"is_slippery", RL_PARAM_BOOL, "true", 0, 0, NULL,
     "slippery ice: the intended move happens with probability 1/3"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

typedef struct lake {
    char cell[64];  /* row-major map letters */
    int nrow, ncol;
    int slippery;
    int pos;
    int success;    /* the episode reached G */
} lake;

static int lake_init(void *state, rl_config *cfg, const char *section, rl_env_spec *spec,
                     rl_error *err)
{
    lake *l = state;
    const char *map;
    if (rl_config_get_string(cfg, section, "map", &map) != RL_OK ||
        rl_config_get_bool(cfg, section, "is_slippery", &l->slippery) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    const char *const *rows = strcmp(map, "8x8") == 0 ? map_8x8 : map_4x4;
    l->nrow = l->ncol = strcmp(map, "8x8") == 0 ? 8 : 4;
    for (int r = 0; r < l->nrow; r++) memcpy(l->cell + r * l->ncol, rows[r], (size_t)l->ncol);
    /* Gymnasium's registered limits depend on the map; honour them unless
     * the user set one. */
    if (l->nrow == 8 && !spec->max_episode_steps_given) spec->max_episode_steps = 200;
    if (rl_space_discrete(&spec->observation_space, l->nrow * l->ncol) != RL_OK ||
        rl_space_discrete(&spec->action_space, 4) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "cannot make the spaces");
    return RL_OK;
}

static int lake_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)rng, (void)err;
    lake *l = state;
    l->pos = 0;
    l->success = 0;
    obs[0] = 0;
    return RL_OK;
}

static int lake_step(void *state, rl_pcg32 *rng, const double *action, double *obs, rl_step *out,
                     rl_error *err)
{
    (void)err;
    lake *l = state;
    int a = (int)action[0];
    if (l->slippery) a = (a + 3 + (int)rl_pcg32_bounded(rng, 3)) % 4; /* a-1, a or a+1 */
    int row = l->pos / l->ncol, col = l->pos % l->ncol;
    switch (a) {
    case 0: if (col > 0) col--; break;
    case 1: if (row < l->nrow - 1) row++; break;
    case 2: if (col < l->ncol - 1) col++; break;
    default: if (row > 0) row--; break;
    }
    l->pos = row * l->ncol + col;
    char c = l->cell[l->pos];
    l->success = c == 'G';
    out->reward = l->success ? 1.0 : 0.0;
    out->terminated = c == 'G' || c == 'H';
    obs[0] = l->pos;
    return RL_OK;
}

static const char *const lake_metrics[] = {"success", NULL};

static void lake_episode_metrics(const void *state, double *values)
{
    values[0] = ((const lake *)state)->success;
}

static int lake_save(const void *state, rl_writer *w, rl_error *err)
{
    (void)err;
    const lake *l = state;
    rl_write_u32(w, LAYOUT);
    rl_write_u32(w, (uint32_t)(l->nrow * l->ncol));
    rl_write_u32(w, (uint32_t)l->pos);
    rl_write_u32(w, (uint32_t)l->success);
    return RL_OK;
}

static int lake_load(void *state, rl_reader *r, rl_error *err)
{
    lake *l = state;
    uint32_t layout = 0, ncells = 0, pos = 0, success = 0;
    rl_read_u32(r, &layout);
    rl_read_u32(r, &ncells);
    rl_read_u32(r, &pos);
    rl_read_u32(r, &success);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "frozenlake state is truncated");
    /* Anything wrong leaves the reader failed, as a short read would, so a
     * caller checking only the reader cannot go on reading after it. The
     * position indexes the map, so it is checked rather than trusted. */
    if (layout != LAYOUT) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT, "frozenlake state has layout %u, expected %u",
                            (unsigned)layout, (unsigned)LAYOUT);
    }
    if (ncells != (uint32_t)(l->nrow * l->ncol)) {
        r->failed = 1;
        return rl_error_set(err, RL_EINVAL, "frozenlake state is for a map of %u cells, not %d",
                            (unsigned)ncells, l->nrow * l->ncol);
    }
    if (pos >= ncells || success > 1) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT,
                            "frozenlake state (position %u, success %u) is not valid",
                            (unsigned)pos, (unsigned)success);
    }
    l->pos = (int)pos;
    l->success = (int)success;
    return RL_OK;
}

const rl_env_type rl_classic_frozenlake = {
    RL_ENV_TYPE_HEADER,
    .name = "frozenlake",
    .summary = "FrozenLake 4x4 or 8x8, slippery or not (Gymnasium FrozenLake-v1)",
    .size = sizeof(lake),
    .params = frozenlake_params,
    .max_episode_steps = 100,
    .init = lake_init,
    .reset = lake_reset,
    .step = lake_step,
    .metric_names = lake_metrics,
    .episode_metrics = lake_episode_metrics,
    .save = lake_save,
    .load = lake_load,
};
