/* Benchmarks of the deepracer environment, with examples/deepracer.ini:
 *
 *   1. environment steps/s on one core: the example's track, vector
 *      observation, a built-in reward (follow_centerline), one instance and
 *      a batch of 8, random actions (so episodes end and reset often);
 *   2. the same with a reward function in C from a module
 *      (examples/reward/my_reward.la), and (2b) with the AWS
 *      follow-the-centre-line example as a Python file
 *      (examples/reward/follow_center_line.py, the same function as the
 *      built-in of figure 1);
 *   3. the same with the lidar observation;
 *   4. wall seconds to 3/3 complete evaluation laps: train with the
 *      example's settings and, every 5 iterations, run the 3 evaluation
 *      laps; done when all three complete. Reported with and without the
 *      time spent evaluating.
 *
 * Prints figures; asserts nothing (see doc/benchmarks.md).
 *
 *     make bench   (or: bench/bench_deepracer [path/to/deepracer.ini [reward.la [reward.py]]])
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "bench.h"

static void die(const char *what, const char *msg) { bench_die("bench_deepracer", what, msg); }

static rl_config *load_config(const char *path, const char *const *sets)
{
    return bench_load_config("bench_deepracer", path, sets);
}

static int64_t get_int(rl_config *cfg, const char *key)
{
    return bench_run_int("bench_deepracer", cfg, key);
}

static double env_rate(const rl_env_type *t, rl_config *cfg, size_t n)
{
    rl_error err = {0};
    rl_env_batch *b = rl_env_batch_alloc(t, cfg, n, &err);
    if (!b) die(t->name, err.msg);
    const rl_env *e0 = rl_env_batch_env(b, 0);
    size_t od = rl_space_dim(rl_env_observation_space(e0));
    const rl_space *as = rl_env_action_space(e0);
    size_t ad = rl_space_dim(as);
    double *obs = calloc(n * od, sizeof *obs), *act = calloc(n * ad, sizeof *act),
           *rew = calloc(n, sizeof *rew);
    unsigned char *te = calloc(n, 1), *tr = calloc(n, 1);
    rl_env_batch_reset(b, 1, obs);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 3, 4);
    /* Actions drawn ahead of time, so that the figure is the environment's. */
    enum { NPRE = 4096 };
    double *pre = malloc(NPRE * n * ad * sizeof *pre);
    for (size_t i = 0; i < NPRE * n; i++) rl_space_sample(as, &rng, pre + i * ad);
    uint64_t steps = 0;
    double t0 = bench_now(), t1 = t0;
    while (t1 - t0 < 1.0) {
        for (int k = 0; k < NPRE; k++)
            if (rl_env_batch_step(b, pre + (size_t)k * n * ad, obs, rew, te, tr, NULL) != RL_OK)
                die(t->name, rl_env_batch_errmsg(b));
        steps += (uint64_t)NPRE * n;
        t1 = bench_now();
    }
    free(obs), free(act), free(rew), free(te), free(tr), free(pre);
    rl_env_batch_free(b);
    return (double)steps / (t1 - t0);
}

static void rates(const char *label, const rl_env_type *t, const char *ini,
                  const char *const *sets)
{
    rl_config *cfg = load_config(ini, sets);
    printf("%-44s %12.0f %12.0f\n", label, env_rate(t, cfg, 1), env_rate(t, cfg, 8));
    rl_config_free(cfg);
}

/* As rates, or one line saying why the environment cannot be made (a
 * Python reward in a build without CPython). */
static void rates_if(const char *label, const rl_env_type *t, const char *ini,
                     const char *const *sets)
{
    rl_config *cfg = load_config(ini, sets);
    rl_error err = {0};
    rl_env *probe = rl_env_alloc(t, cfg, &err);
    if (!probe) {
        printf("%-44s n/a: %s\n", label, err.msg);
        rl_config_free(cfg);
        return;
    }
    rl_env_free(probe);
    printf("%-44s %12.0f %12.0f\n", label, env_rate(t, cfg, 1), env_rate(t, cfg, 8));
    rl_config_free(cfg);
}

/* Run the evaluation laps; the number completed. */
static int laps(rl_algo *a, rl_env *env, int64_t n, int64_t max_steps, int64_t seed)
{
    int done = 0;
    double m[8];
    for (int64_t k = 0; k < n; k++) {
        rl_episode_result res;
        if (rl_algo_evaluate(a, env, (uint64_t)seed + 1000000u + (uint64_t)k, max_steps, &res) !=
            RL_OK)
            die("evaluate", rl_algo_errmsg(a));
        rl_env_metrics(env, m);
        done += m[3] == 1.0; /* the "complete" metric */
    }
    return done;
}

static void time_to_laps(const rl_env_type *t, const char *ini)
{
    rl_config *cfg = load_config(ini, NULL);
    int64_t n = get_int(cfg, "num_envs"), total = get_int(cfg, "total_steps"),
            seed = get_int(cfg, "seed"), neval = get_int(cfg, "eval_episodes"),
            max_steps = get_int(cfg, "eval_max_steps");
    rl_error err = {0};
    rl_env_batch *b = rl_env_batch_alloc(t, cfg, (size_t)n, &err);
    if (!b) die(t->name, err.msg);
    rl_env *env = rl_env_alloc(t, cfg, &err);
    if (!env) die(t->name, err.msg);
    rl_env_set_evaluation(env, 1);
    rl_algo *a = rl_algo_alloc(rl_algo_find("ppo"), cfg, b, (uint64_t)seed, &err);
    if (!a) die("ppo", err.msg);
    rl_algo_set_total_steps(a, (uint64_t)total); /* the anneal's span, as rlrun gives it */
    double train = 0, eval = 0;
    int got = 0;
    while (got < neval && (int64_t)rl_algo_env_steps(a) < total) {
        double s = bench_now();
        for (int k = 0; k < 5 && (int64_t)rl_algo_env_steps(a) < total; k++)
            if (rl_algo_iterate(a, NULL) != RL_OK) die("ppo", rl_algo_errmsg(a));
        double m = bench_now();
        got = laps(a, env, neval, max_steps, seed);
        eval += bench_now() - m;
        train += m - s;
    }
    if (got == neval)
        printf("4. %lld/%lld evaluation laps complete after %llu steps, %llu iterations:\n"
               "   %.2f s wall (%.2f s training + %.2f s evaluating)\n",
               (long long)got, (long long)neval, (unsigned long long)rl_algo_env_steps(a),
               (unsigned long long)rl_algo_iterations(a), train + eval, train, eval);
    else
        printf("4. only %d/%lld evaluation laps complete within %lld steps (%.2f s)\n", got,
               (long long)neval, (long long)total, train + eval);
    rl_algo_free(a);
    rl_env_free(env);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    rl_blas_set_threads(1);
    const char *ini = argc > 1 ? argv[1] : "examples/deepracer.ini";
    const char *module = argc > 2 ? argv[2] : "examples/reward/my_reward.la";
    const char *pyfile = argc > 3 ? argv[3] : "examples/reward/follow_center_line.py";
    rl_registry *reg = rl_registry_alloc(NULL);
    if (!reg || rl_registry_load(reg, "deepracer") != RL_OK)
        die("plugin", reg ? rl_registry_errmsg(reg) : "out of memory");
    const rl_env_type *t = rl_registry_find_env(reg, "deepracer");

    char reward[4200];
    snprintf(reward, sizeof reward, "deepracer.reward_function=%s", module);
    const char *const builtin[] = {"deepracer.reward_function=follow_centerline", NULL};
    const char *const plugin[] = {reward, NULL};
    char pyreward[4200];
    snprintf(pyreward, sizeof pyreward, "deepracer.reward_function=%s", pyfile);
    const char *const python[] = {pyreward, NULL};
    const char *const lidar[] = {"deepracer.reward_function=follow_centerline",
                                 "deepracer.observation=lidar", NULL};
    printf("deepracer, %s, one core, env steps/s:        1 instance   batch of 8\n", ini);
    rates("1. vector observation, built-in reward", t, ini, builtin);
    rates("2. vector observation, C reward module", t, ini, plugin);
    rates_if("2b. vector observation, Python reward file", t, ini, python);
    rates("3. lidar observation (16 rays), built-in", t, ini, lidar);
    time_to_laps(t, ini);
    rl_registry_free(reg);
    return 0;
}
