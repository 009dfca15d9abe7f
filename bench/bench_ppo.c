/* Benchmarks of the neural path, on CartPole with examples/cartpole.ini:
 *
 *   1. environment steps/s, simulation alone (a batch, random actions);
 *   2. policy samples/s: actor and critic forward plus sampling, in rollout
 *      batches (one row per environment);
 *   3. PPO update samples/s: loss, gradient, clipping and an Adam step per
 *      minibatch, counted per sample and epoch;
 *   4. end-to-end training steps/s (rl_algo_iterate: collect and update);
 *   5. wall seconds to solve CartPole: train with the example's settings
 *      and, every 10 iterations, evaluate 100 greedy episodes; solved when
 *      their mean return is 475 or more. Reported with and without the
 *      time spent evaluating.
 *
 * Prints figures; asserts nothing (see doc/benchmarks.md).
 *
 *     make bench            (or: bench/bench_ppo [path/to/cartpole.ini])
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rl/rl.h>

#include "bench.h"

static void die(const char *what, const char *msg) { bench_die("bench_ppo", what, msg); }

static void bench_env(const rl_env_type *t, rl_config *cfg, size_t n)
{
    rl_error err = {0};
    rl_env_batch *b = rl_env_batch_alloc(t, cfg, n, &err);
    if (!b) die(t->name, err.msg);
    size_t od = rl_space_dim(rl_env_observation_space(rl_env_batch_env(b, 0)));
    double *obs = calloc(n * od, sizeof *obs), *act = calloc(n, sizeof *act),
           *rew = calloc(n, sizeof *rew);
    unsigned char *te = calloc(n, 1), *tr = calloc(n, 1);
    rl_env_batch_reset(b, 1, obs);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 3, 4);
    uint64_t steps = 0;
    double t0 = bench_now(), t1 = t0;
    while (t1 - t0 < 1.0) {
        for (int k = 0; k < 10000; k++) {
            for (size_t i = 0; i < n; i++) act[i] = (double)rl_pcg32_bounded(&rng, 2);
            if (rl_env_batch_step(b, act, obs, rew, te, tr, NULL) != RL_OK)
                die(t->name, rl_env_batch_errmsg(b));
        }
        steps += 10000 * n;
        t1 = bench_now();
    }
    printf("1. env steps/s (%s, batch of %zu, random actions):     %12.0f\n", t->name, n,
           (double)steps / (t1 - t0));
    free(obs), free(act), free(rew), free(te), free(tr);
    rl_env_batch_free(b);
}

static void bench_networks(size_t n, size_t mb)
{
    rl_space as;
    rl_space_discrete(&as, 2);
    rl_ac ac;
    const size_t hidden[2] = {64, 64};
    rl_error err = {0};
    size_t maxb = mb > n ? mb : n;
    if (rl_ac_init(&ac, 4, &as, hidden, 2, RL_ACT_TANH, maxb, &err) != RL_OK) die("ac", err.msg);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 1, 1);
    rl_ac_reset_params(&ac, &rng, 0, &err);
    float *obs = malloc(maxb * 4 * sizeof *obs);
    double *act = malloc(maxb * sizeof *act), *logp = malloc(maxb * sizeof *logp),
           *val = malloc(maxb * sizeof *val), *adv = malloc(maxb * sizeof *adv),
           *ret = malloc(maxb * sizeof *ret);
    for (size_t i = 0; i < maxb * 4; i++) obs[i] = (float)(rl_pcg32_double(&rng) - 0.5);

    uint64_t samples = 0;
    double t0 = bench_now(), t1 = t0;
    while (t1 - t0 < 1.0) {
        for (int k = 0; k < 1000; k++) rl_ac_act(&ac, obs, n, 0, &rng, act, logp, val);
        samples += 1000 * n;
        t1 = bench_now();
    }
    printf("2. policy samples/s (64x64 actor + critic, rows of %zu):  %12.0f\n", n,
           (double)samples / (t1 - t0));

    rl_ac_act(&ac, obs, mb, 0, &rng, act, logp, val);
    for (size_t i = 0; i < mb; i++) {
        adv[i] = rl_pcg32_normal(&rng);
        ret[i] = val[i] + rl_pcg32_normal(&rng);
    }
    rl_adam adam;
    rl_adam_init(&adam, ac.nparams, 0.9, 0.999, 1e-5);
    rl_ppo_coefs c = {0.2, 0.5, 0.01, 0};
    samples = 0;
    t0 = t1 = bench_now();
    while (t1 - t0 < 1.0) {
        for (int k = 0; k < 100; k++) {
            rl_ac_zero_grad(&ac);
            rl_ac_loss(&ac, obs, act, logp, adv, ret, mb, &c, NULL, 1, NULL, NULL);
            rl_clip_grad_norm(ac.grads, ac.nparams, 0.5);
            rl_adam_step(&adam, ac.params, ac.grads, 1e-6);
        }
        samples += 100 * mb;
        t1 = bench_now();
    }
    printf("3. PPO update samples/s (minibatch %zu, per epoch):     %12.0f\n", mb,
           (double)samples / (t1 - t0));
    rl_adam_free(&adam);
    rl_ac_free(&ac);
    rl_space_free(&as);
    free(obs), free(act), free(logp), free(val), free(adv), free(ret);
}

/* Mean greedy return over 100 episodes. */
static double evaluate(rl_algo *a, rl_env *env)
{
    double sum = 0;
    for (int k = 0; k < 100; k++) {
        rl_episode_result res;
        if (rl_algo_evaluate(a, env, 1000000u + (uint64_t)k, 0, &res) != RL_OK)
            die("evaluate", rl_algo_errmsg(a));
        sum += res.ret;
    }
    return sum / 100;
}

static void bench_training(const rl_env_type *t, const char *ini)
{
    rl_config *cfg = bench_load_config("bench_ppo", ini, NULL);
    int64_t n = bench_run_int("bench_ppo", cfg, "num_envs");
    int64_t total = bench_run_int("bench_ppo", cfg, "total_steps");
    int64_t seed = bench_run_int("bench_ppo", cfg, "seed");
    rl_error err = {0};
    rl_env_batch *b = rl_env_batch_alloc(t, cfg, (size_t)n, &err);
    if (!b) die(t->name, err.msg);
    rl_env *env = rl_env_alloc(t, cfg, &err);
    if (!env) die(t->name, err.msg);

    /* 4. End to end, no evaluation in the way. */
    rl_algo *a = rl_algo_alloc(rl_algo_find("ppo"), cfg, b, (uint64_t)seed, &err);
    if (!a) die("ppo", err.msg);
    rl_algo_set_total_steps(a, (uint64_t)total); /* the anneal's span, as rlrun gives it */
    double t0 = bench_now();
    while ((int64_t)rl_algo_env_steps(a) < total)
        if (rl_algo_iterate(a, NULL) != RL_OK) die("ppo", rl_algo_errmsg(a));
    double secs = bench_now() - t0;
    printf("4. end-to-end PPO training steps/s (%s, %lld envs):  %12.0f  (%llu steps, %.2f s)\n",
           t->name, (long long)n, (double)rl_algo_env_steps(a) / secs,
           (unsigned long long)rl_algo_env_steps(a), secs);
    double final = evaluate(a, env);
    rl_algo_free(a);

    /* 5. Time to solve. */
    a = rl_algo_alloc(rl_algo_find("ppo"), cfg, b, (uint64_t)seed, &err);
    if (!a) die("ppo", err.msg);
    rl_algo_set_total_steps(a, (uint64_t)total);
    double train = 0, eval = 0, score = 0;
    int solved = 0;
    while (!solved && (int64_t)rl_algo_env_steps(a) < total) {
        double s = bench_now();
        for (int k = 0; k < 10 && (int64_t)rl_algo_env_steps(a) < total; k++)
            if (rl_algo_iterate(a, NULL) != RL_OK) die("ppo", rl_algo_errmsg(a));
        double m = bench_now();
        score = evaluate(a, env);
        eval += bench_now() - m;
        train += m - s;
        solved = score >= 475;
    }
    if (solved)
        printf("5. CartPole solved (100-episode greedy mean %.1f >= 475) after %llu steps:\n"
               "   %.2f s wall (%.2f s training + %.2f s evaluating)\n",
               score, (unsigned long long)rl_algo_env_steps(a), train + eval, train, eval);
    else
        printf("5. CartPole not solved within %lld steps (last greedy mean %.1f)\n",
               (long long)total, score);
    printf("   the full example run (%lld steps) ends at greedy mean %.1f\n", (long long)total,
           final);
    rl_algo_free(a);
    rl_env_free(env);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}

int main(int argc, char **argv)
{
    const char *ini = argc > 1 ? argv[1] : "examples/cartpole.ini";
    rl_blas_set_threads(1);
    rl_error err = {0};
    rl_registry *reg = rl_registry_alloc(&err);
    if (!reg) die("registry", err.msg);
    if (rl_registry_load(reg, "classic") != RL_OK) die("classic", rl_registry_errmsg(reg));
    const rl_env_type *cp = rl_registry_find_env(reg, "cartpole");
    if (!cp) die("cartpole", "not in the classic plugin");
    printf("librl %s, CBLAS: %s, one thread\n", rl_version(), rl_blas_name());
    bench_env(cp, NULL, 8);
    bench_networks(8, 256);
    bench_training(cp, ini);
    rl_registry_free(reg);
    return 0;
}
