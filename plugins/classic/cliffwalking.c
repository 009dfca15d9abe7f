/* CliffWalking: Sutton and Barto, Example 6.6, as Gymnasium's CliffWalking-v0.
 *
 * A 4 x 12 grid. The agent starts in the bottom-left corner (row 3, column
 * 0; state 36) and must reach the bottom-right corner (state 47). The cells
 * between them on the bottom row are the cliff. Actions: 0 up, 1 right,
 * 2 down, 3 left; moving into a wall leaves the agent where it is. Each step
 * costs -1; stepping into the cliff costs -100 and sends the agent back to
 * the start without ending the episode. The episode terminates at the goal.
 * The observation is the state index row * 12 + column. The optimal return
 * is -13 (up, 11 times right, down).
 *
 * Gymnasium registers no time limit for CliffWalking; a greedy policy can
 * loop for ever, so we truncate at 200 steps by default ([cliffwalking]
 * max_episode_steps changes it).
 *
 * Saved state (for exact resume): u32 layout version (1), u32 position,
 * u64 falls this episode. */
#include <limits.h>
#include <string.h>

#include "classic.h"

enum { NROW = 4, NCOL = 12, START = 3 * NCOL, GOAL = 3 * NCOL + NCOL - 1 };
enum { LAYOUT = 1 };

typedef struct cliff {
    int pos;
    int falls; /* times the agent fell off the cliff this episode */
} cliff;

static int is_cliff(int row, int col) { return row == NROW - 1 && col > 0 && col < NCOL - 1; }

static int cliff_init(void *state, rl_config *cfg, const char *section, rl_env_spec *spec,
                      rl_error *err)
{
    (void)state, (void)cfg, (void)section;
    if (rl_space_discrete(&spec->observation_space, NROW * NCOL) != RL_OK ||
        rl_space_discrete(&spec->action_space, 4) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "cannot make the spaces");
    return RL_OK;
}

static int cliff_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)rng, (void)err;
    cliff *c = state;
    c->pos = START;
    c->falls = 0;
    obs[0] = START;
    return RL_OK;
}

static int cliff_step(void *state, rl_pcg32 *rng, const double *action, double *obs, rl_step *out,
                      rl_error *err)
{
    (void)rng, (void)err;
    static const int drow[4] = {-1, 0, 1, 0}, dcol[4] = {0, 1, 0, -1};
    cliff *c = state;
    int a = (int)action[0];
    int row = c->pos / NCOL + drow[a], col = c->pos % NCOL + dcol[a];
    if (row < 0) row = 0;
    if (row > NROW - 1) row = NROW - 1;
    if (col < 0) col = 0;
    if (col > NCOL - 1) col = NCOL - 1;
    if (is_cliff(row, col)) {
        c->falls++;
        c->pos = START;
        out->reward = -100;
    } else {
        c->pos = row * NCOL + col;
        out->reward = -1;
    }
    out->terminated = c->pos == GOAL;
    obs[0] = c->pos;
    return RL_OK;
}

static const char *const cliff_metrics[] = {"cliff_falls", NULL};

static void cliff_episode_metrics(const void *state, double *values)
{
    values[0] = ((const cliff *)state)->falls;
}

static int cliff_save(const void *state, rl_writer *w, rl_error *err)
{
    (void)err;
    const cliff *c = state;
    rl_write_u32(w, LAYOUT);
    rl_write_u32(w, (uint32_t)c->pos);
    rl_write_u64(w, (uint64_t)c->falls);
    return RL_OK;
}

static int cliff_load(void *state, rl_reader *r, rl_error *err)
{
    cliff *c = state;
    uint32_t layout = 0, pos = 0;
    uint64_t falls = 0;
    rl_read_u32(r, &layout);
    rl_read_u32(r, &pos);
    rl_read_u64(r, &falls);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "cliffwalking state is truncated");
    /* Anything wrong leaves the reader failed, as a short read would, so a
     * caller checking only the reader cannot go on reading after it. The
     * position indexes the grid, so it is checked rather than trusted. */
    if (layout != LAYOUT) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT, "cliffwalking state has layout %u, expected %u",
                            (unsigned)layout, (unsigned)LAYOUT);
    }
    if (pos >= NROW * NCOL || is_cliff((int)pos / NCOL, (int)pos % NCOL) || falls > INT_MAX) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT,
                            "cliffwalking state (position %u, %llu falls) is not reachable",
                            (unsigned)pos, (unsigned long long)falls);
    }
    c->pos = (int)pos;
    c->falls = (int)falls;
    return RL_OK;
}

const rl_env_type rl_classic_cliffwalking = {
    RL_ENV_TYPE_HEADER,
    .name = "cliffwalking",
    .summary = "CliffWalking 4x12 (Sutton & Barto Example 6.6), Discrete(48) / Discrete(4)",
    .size = sizeof(cliff),
    .params = NULL,
    .max_episode_steps = 200,
    .init = cliff_init,
    .reset = cliff_reset,
    .step = cliff_step,
    .metric_names = cliff_metrics,
    .episode_metrics = cliff_episode_metrics,
    .save = cliff_save,
    .load = cliff_load,
};
