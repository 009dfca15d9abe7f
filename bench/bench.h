/* Helpers shared by the benchmark programs. */
#ifndef RL_BENCH_H
#define RL_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rl/rl.h>

/* Monotonic wall time in seconds. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Report a failure as "PROGRAM: WHAT: MSG" and exit 1 (benchmarks are
 * programs, not library code). */
static inline void bench_die(const char *program, const char *what, const char *msg)
{
    fprintf(stderr, "%s: %s: %s\n", program, what, msg);
    exit(1);
}

/* The [run] keys of an example INI file that the benchmarks read (rlrun's
 * own table is private to rlrun); declared so that the file validates. */
static const rl_param bench_run_keys[] = {
    {"env", RL_PARAM_STRING, "", 0, 0, NULL, ""},
    {"algorithm", RL_PARAM_STRING, "", 0, 0, NULL, ""},
    {"plugin", RL_PARAM_STRING, "", 0, 0, NULL, ""},
    {"seed", RL_PARAM_INT, "1", 0, 1e15, NULL, ""},
    {"num_envs", RL_PARAM_INT, "1", 1, 4096, NULL, ""},
    {"total_steps", RL_PARAM_INT, "100000", 1, 1e15, NULL, ""},
    {"eval_episodes", RL_PARAM_INT, "3", 0, 1e8, NULL, ""},
    {"eval_max_steps", RL_PARAM_INT, "100000", 0, 1e15, NULL, ""},
    {"output_dir", RL_PARAM_STRING, "", 0, 0, NULL, ""},
    {"trace", RL_PARAM_BOOL, "false", 0, 0, NULL, ""},
    {"log_every", RL_PARAM_INT, "0", 0, 1e12, NULL, ""},
    {"checkpoint_every", RL_PARAM_STRING, "60s", 0, 0, NULL, ""},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

/* The INI file at path with "section.key=value" overrides (sets, NULL-ended,
 * or NULL) and [run] declared; dies on an error. */
static inline rl_config *bench_load_config(const char *program, const char *path,
                                           const char *const *sets)
{
    rl_config *cfg = rl_config_alloc(NULL);
    if (!cfg) bench_die(program, "config", "out of memory");
    if (rl_config_load(cfg, path) != RL_OK) bench_die(program, "config", rl_config_errmsg(cfg));
    for (; sets && *sets; sets++)
        if (rl_config_set(cfg, *sets) != RL_OK) bench_die(program, "config", rl_config_errmsg(cfg));
    rl_config_declare(cfg, "run", bench_run_keys);
    return cfg;
}

/* An integer key of [run]; dies on an error. */
static inline int64_t bench_run_int(const char *program, rl_config *cfg, const char *key)
{
    int64_t v;
    if (rl_config_get_int(cfg, "run", key, &v) != RL_OK)
        bench_die(program, "config", rl_config_errmsg(cfg));
    return v;
}

#endif
