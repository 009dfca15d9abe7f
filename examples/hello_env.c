/* The smallest program that links librl: load a plugin's environment by
 * name and run one episode with random actions.
 *
 *     cc -o hello hello_env.c $(pkg-config --cflags --libs librl)
 *     ./hello cliffwalking
 */
#include <stdio.h>
#include <stdlib.h>

#include <rl/rl.h>

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "cliffwalking";
    rl_error err = {0};
    rl_registry *reg = rl_registry_alloc(&err);
    if (!reg) {
        fprintf(stderr, "hello: %s\n", err.msg);
        return 1;
    }
    if (rl_registry_load_all(reg) != RL_OK)
        fprintf(stderr, "hello: warning: %s\n", rl_registry_errmsg(reg));
    const rl_env_type *type = rl_registry_find_env(reg, name);
    if (!type) {
        fprintf(stderr, "hello: no environment '%s' (searched %s)\n", name,
                rl_registry_search_path(reg));
        rl_registry_free(reg);
        return 1;
    }
    rl_env *env = rl_env_alloc(type, NULL, &err);
    if (!env) {
        fprintf(stderr, "hello: %s\n", err.msg);
        rl_registry_free(reg);
        return 1;
    }
    const rl_space *os = rl_env_observation_space(env), *as = rl_env_action_space(env);
    double *obs = calloc(rl_space_dim(os), sizeof *obs), *act = calloc(rl_space_dim(as), sizeof *act);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 42, 54);
    double ret = 0;
    long steps = 0;
    int rc = rl_env_reset_seeded(env, 42, obs);
    for (rl_step st = {0, 0, 0}; rc == RL_OK && !st.terminated && !st.truncated; steps++) {
        rl_space_sample(as, &rng, act);
        rc = rl_env_step(env, act, obs, &st);
        ret += st.reward;
    }
    if (rc != RL_OK)
        fprintf(stderr, "hello: %s\n", rl_env_errmsg(env));
    else
        printf("episode of %s: %ld steps, return %g\n", name, steps, ret);
    free(obs);
    free(act);
    rl_env_free(env);
    rl_registry_free(reg);
    return rc == RL_OK ? 0 : 1;
}
