/* For the fuzz targets of the plugins' CSV readers (fuzz_price_csv.c,
 * fuzz_demand_csv.c): an environment of a plugin compiled into the target,
 * made from a file of fuzzed bytes, reset and stepped a little. */
#ifndef RL_FUZZ_ENVCSV_H
#define RL_FUZZ_ENVCSV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "fuzz.h"

/* Register the plugin through its entry point (once), write the input to
 * a file named file, make the environment `name` of the INI text
 * "[name]\ndata = FILE\n" followed by extra, and, when that works, reset it
 * and take a few steps with action 0, in training and in evaluation. */
static inline int fuzz_env_csv(int (*entry)(rl_registry *), const char *name, const char *file,
                               const char *extra, const uint8_t *data, size_t size)
{
    static rl_registry *reg;
    if (!reg) {
        reg = rl_registry_alloc(NULL);
        if (!reg || entry(reg) != RL_OK) abort(); /* the harness itself is broken */
    }
    const rl_env_type *type = rl_registry_find_env(reg, name);
    const char *path = fuzz_write(file, data, size);
    if (!type || !path) return 0;
    char ini[2048];
    snprintf(ini, sizeof ini, "[%s]\ndata = %s\n%s", name, path, extra);
    rl_config *cfg = rl_config_alloc(NULL);
    if (!cfg) return 0;
    rl_error err = {0};
    rl_env *env = NULL;
    if (rl_config_load_string(cfg, ini, "fuzz.ini") == RL_OK) env = rl_env_alloc(type, cfg, &err);
    if (env) {
        double obs[512], action[8] = {0};
        rl_step st;
        size_t dim = rl_space_dim(rl_env_observation_space(env));
        if (dim <= sizeof obs / sizeof obs[0]) {
            for (int phase = 0; phase < 2; phase++) {
                if (phase == 1 && rl_env_set_evaluation(env, 1) != RL_OK) break;
                if (rl_env_reset_seeded(env, 1, obs) != RL_OK) break;
                for (int k = 0; k < 3; k++)
                    if (rl_env_step(env, action, obs, &st) != RL_OK || st.terminated || st.truncated)
                        break;
            }
        }
        rl_env_free(env);
    }
    rl_config_free(cfg);
    return 0;
}

#endif
