/* Benchmarks of the tabular path: environment steps per second through the
 * core's checked rl_env_step and through a batch, Q-learning training steps
 * per second, and wall time until CliffWalking's greedy return is the
 * optimal -13. Prints figures; asserts nothing (see doc/benchmarks.md).
 *
 *     make bench            (or: bench/bench_tabular [seconds-per-figure])
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rl/rl.h>

#include "bench.h"

static void die(const char *what, const char *msg) { bench_die("bench_tabular", what, msg); }

/* Random actions on one instance for about `secs` seconds. */
static void env_steps(const rl_env_type *t, double secs)
{
    rl_error err = {0};
    rl_env *env = rl_env_alloc(t, NULL, &err);
    if (!env) die(t->name, err.msg);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 1, 2);
    double obs, act;
    rl_env_reset_seeded(env, 1, &obs);
    const rl_space *as = rl_env_action_space(env);
    uint64_t steps = 0;
    double t0 = bench_now(), t1 = t0;
    while (t1 - t0 < secs) {
        for (int k = 0; k < 100000; k++) {
            act = (double)rl_pcg32_bounded(&rng, (uint32_t)as->n);
            rl_step st;
            if (rl_env_step(env, &act, &obs, &st) != RL_OK) die(t->name, rl_env_errmsg(env));
            if (st.terminated || st.truncated) rl_env_reset(env, &obs);
        }
        steps += 100000;
        t1 = bench_now();
    }
    printf("%-14s env steps/s (one instance, random actions): %12.0f\n", t->name,
           (double)steps / (t1 - t0));
    rl_env_free(env);
}

static rl_algo *make_agent(const rl_env_type *t, rl_config *cfg, rl_env_batch **envs)
{
    rl_error err = {0};
    *envs = rl_env_batch_alloc(t, cfg, 1, &err);
    if (!*envs) die(t->name, err.msg);
    rl_algo *a = rl_algo_alloc(rl_algo_find("qlearn"), cfg, *envs, 1, &err);
    if (!a) die("qlearn", err.msg);
    return a;
}

/* Q-learning training throughput on FrozenLake. */
static void qlearn_steps(const rl_env_type *t, double secs)
{
    rl_config *cfg = rl_config_alloc(NULL);
    rl_env_batch *envs;
    rl_algo *a = make_agent(t, cfg, &envs);
    rl_iter_info it;
    double t0 = bench_now(), t1 = t0;
    while (t1 - t0 < secs) {
        if (rl_algo_iterate(a, &it) != RL_OK) die("qlearn", rl_algo_errmsg(a));
        t1 = bench_now();
    }
    printf("%-14s qlearn training steps/s:                     %12.0f\n", t->name,
           (double)rl_algo_env_steps(a) / (t1 - t0));
    rl_algo_free(a);
    rl_env_batch_free(envs);
    rl_config_free(cfg);
}

/* Iterations of 1000 steps until the greedy episode returns -13. */
static void time_to_solve_cliff(const rl_env_type *t)
{
    rl_config *cfg = rl_config_alloc(NULL);
    rl_config_load_string(cfg,
                          "[qlearn]\nlearning_rate = 0.5\ndiscount = 1.0\n"
                          "epsilon_end = 0.1\nsteps_per_iteration = 1000\n",
                          "bench");
    rl_env_batch *envs;
    rl_algo *a = make_agent(t, cfg, &envs);
    rl_env *env = rl_env_alloc(t, cfg, NULL);
    rl_episode_result res = {0};
    double t0 = bench_now();
    do {
        if (rl_algo_iterate(a, NULL) != RL_OK) die("qlearn", rl_algo_errmsg(a));
        rl_algo_evaluate(a, env, 7, 0, &res);
    } while (res.ret != -13 && rl_algo_env_steps(a) < 10000000);
    double dt = bench_now() - t0;
    printf("%-14s time to greedy return -13 (optimal): %.4f s, %llu env steps\n", t->name, dt,
           (unsigned long long)rl_algo_env_steps(a));
    rl_env_free(env);
    rl_algo_free(a);
    rl_env_batch_free(envs);
    rl_config_free(cfg);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    rl_error err = {0};
    rl_registry *reg = rl_registry_alloc(&err);
    if (!reg || rl_registry_load(reg, "classic") != RL_OK)
        die("classic plugin", reg ? rl_registry_errmsg(reg) : err.msg);
    const rl_env_type *cliff = rl_registry_find_env(reg, "cliffwalking");
    const rl_env_type *lake = rl_registry_find_env(reg, "frozenlake");
    env_steps(cliff, secs);
    env_steps(lake, secs);
    qlearn_steps(lake, secs);
    time_to_solve_cliff(cliff);
    rl_registry_free(reg);
    return 0;
}
