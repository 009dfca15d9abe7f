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


/* The INI file at path with "section.key=value" overrides (sets, NULL-ended,
 * or NULL) and [run] declared with the library's table; dies on an error. */
static inline rl_config *bench_load_config(const char *program, const char *path,
                                           const char *const *sets)
{
    rl_config *cfg = rl_config_alloc(NULL);
    if (!cfg) bench_die(program, "config", "out of memory");
    if (rl_config_load(cfg, path) != RL_OK) bench_die(program, "config", rl_config_errmsg(cfg));
    for (; sets && *sets; sets++)
        if (rl_config_set(cfg, *sets) != RL_OK) bench_die(program, "config", rl_config_errmsg(cfg));
    rl_config_declare(cfg, "run", rl_run_params);
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
