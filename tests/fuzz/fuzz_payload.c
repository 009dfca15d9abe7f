/* Fuzz target: the payload readers behind a valid checkpoint header: the
 * algorithms' states (qlearn.c, ppo.c), the batch of environments
 * (env.c's rl_env_batch_load) and the environments' own records (the
 * classic plugin's, compiled in), through rl_algo_load and
 * rl_algo_load_agent. A load that succeeds is followed by one short
 * training iteration, as a resumed run would do.
 *
 * Input: one byte choosing the set-up (bits 0-1: qlearn on cliffwalking,
 * qlearn on frozenlake, ppo on cartpole, ppo on pendulum; bit 2:
 * rl_algo_load_agent instead of rl_algo_load), then the payload, which the
 * target wraps in a header and checksum as rl_checkpoint_write does. */
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "classic.h"
#include "fuzz.h"

typedef struct setup {
    const char *algo;
    const rl_env_type *env;
    size_t nenvs;
    const char *ini;
} setup;

static const setup setups[4] = {
    {"qlearn", &rl_classic_cliffwalking, 1, "[qlearn]\nsteps_per_iteration = 10\n"},
    {"qlearn", &rl_classic_frozenlake, 2, "[qlearn]\nsteps_per_iteration = 10\n"},
    {"ppo", &rl_classic_cartpole, 2,
     "[ppo]\nhidden = 4\nsteps_per_iteration = 16\nbatch_size = 8\nepochs = 1\n"
     "normalize_observations = true\nscale_rewards = true\n"},
    {"ppo", &rl_classic_pendulum, 1,
     "[ppo]\nhidden = 4\nsteps_per_iteration = 16\nbatch_size = 8\nepochs = 1\n"},
};

typedef struct made {
    rl_config *cfg;
    rl_env_batch *envs;
    rl_algo *algo;
} made;

static made live[4];

static void unmake(made *m)
{
    rl_algo_free(m->algo);
    rl_env_batch_free(m->envs);
    rl_config_free(m->cfg);
    memset(m, 0, sizeof *m);
}

static int make(made *m, const setup *s)
{
    rl_error err = {0};
    m->cfg = rl_config_alloc(&err);
    if (!m->cfg || rl_config_load_string(m->cfg, s->ini, "fuzz.ini") != RL_OK) return -1;
    m->envs = rl_env_batch_alloc(s->env, m->cfg, s->nenvs, &err);
    if (!m->envs) return -1;
    m->algo = rl_algo_alloc(rl_algo_find(s->algo), m->cfg, m->envs, 7, &err);
    return m->algo ? 0 : -1;
}

FUZZ_TARGET(payload)
{
    if (size < 1) return 0;
    unsigned which = data[0] & 3, agent_only = (data[0] >> 2) & 1;
    const setup *s = &setups[which];
    made *m = &live[which];
    if (!m->algo && make(m, s) != 0) abort(); /* the harness itself is broken */

    /* The payload behind a valid header and checksum. */
    const char *path = fuzz_write_checkpoint(s->algo, s->env->name, data + 1, size - 1);
    if (!path) return 0;

    int rc = agent_only ? rl_algo_load_agent(m->algo, path) : rl_algo_load(m->algo, path);
    if (rc == RL_OK) {
        rl_iter_info info;
        rl_algo_iterate(m->algo, &info);
        /* The next input starts from a fresh agent again, so that every
         * input replays alone. */
        unmake(m);
    }
    return 0;
}
