/* Fuzz target: rl_model_load (librl/model.c) and what it reads of the ppo
 * and qlearn records (rl__ppo_read_policy with the actor-critic's spec and
 * the spaces in it, rl__qlearn_read_policy), behind a valid header and
 * checksum as fuzz_payload.c builds them; a model that loads then predicts
 * a few observations, deterministically and not.
 *
 * Input: a byte choosing the algorithm name in the header (bits 0-1: 0
 * "ppo", 1 "qlearn", 2 "ppo", 3 "sarsa"), then the payload. */
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "fuzz.h"

FUZZ_TARGET(model)
{
    if (size < 1) return 0;
    static const char *const algos[] = {"ppo", "qlearn", "ppo", "sarsa"};
    const char *algo = algos[data[0] & 3];
    const char *path = fuzz_write_checkpoint(algo, "fuzzenv", data + 1, size - 1);
    if (!path) return 0;

    rl_error err = {0};
    rl_model *m = rl_model_load(path, &err);
    if (!m) return 0;
    /* Three rows of zeros (state 0 for a table): every model takes them. */
    size_t od = rl_space_dim(rl_model_observation_space(m));
    size_t ad = rl_space_dim(rl_model_action_space(m));
    double *obs = calloc(3 * od, sizeof *obs), *act = calloc(3 * ad, sizeof *act);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 1, 1);
    if (obs && act) {
        rl_model_predict(m, obs, 3, act, 1, NULL, &err);
        rl_model_predict(m, obs, 3, act, 0, &rng, &err);
    }
    free(obs);
    free(act);
    rl_model_free(m);
    return 0;
}
