/* librl: the [run] section, what one training run is.
 *
 * Every program that trains from an INI file (rlrun, the benchmarks, the
 * tests, a program of your own) reads the same [run] keys: the environment
 * and algorithm, the seed, the step budget, the batch size, where the run
 * directory goes, evaluation, checkpoints and logging. rl_run_params is the
 * one table of those keys, with their types, defaults, ranges and help;
 * rl_run_read reads a configuration's [run] into an rl_run, declaring the
 * section if needed and reporting any unknown key in it.
 *
 *     rl_config *cfg = rl_config_alloc(&err);
 *     rl_config_load(cfg, "examples/cartpole.ini");
 *     rl_run run;
 *     if (rl_run_read(cfg, &run) != RL_OK) puts(rl_config_errmsg(cfg));
 *
 * The strings an rl_run points to are owned by the configuration. */
#ifndef RL_RUN_H
#define RL_RUN_H

#include <stdint.h>
#include <rl/common.h>
#include <rl/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The [run] keys, ended by an entry with key NULL. */
RL_API extern const rl_param rl_run_params[];

/* A configuration's [run] section, read and checked. */
typedef struct rl_run {
    const char *env;        /* environment name ("" when not given) */
    const char *algorithm;  /* "ppo", "qlearn", ... */
    const char *plugin;     /* load only this plugin ("" for every one) */
    const char *output_dir; /* run directory ("" for one under runs/) */
    uint64_t seed;
    int64_t total_steps;    /* environment steps to train for */
    int64_t num_envs;       /* environments stepped together */
    int64_t threads;        /* threads to use (0: the cores available) */
    int64_t eval_episodes;  /* greedy evaluation episodes after training */
    int64_t eval_max_steps; /* cut an evaluation episode there (0: never) */
    int64_t log_every;      /* progress line every N iterations (0: about 20) */
    int64_t checkpoint_iters; /* checkpoint_every as iterations (0: not so) */
    double checkpoint_secs;   /* ... or as seconds of wall time (0: not so) */
    int trace;              /* write trace files */
    int plots;              /* draw the run's pictures at its end */
} rl_run;

/* Read cfg's [run] into out. Declares [run] with rl_run_params when it is
 * not declared yet, then checks the section whole: an unknown key (with the
 * nearest known one), a value of the wrong type or out of range, or a
 * checkpoint_every that is neither iterations nor an interval fails with
 * RL_ENOTFOUND, RL_EINVAL or RL_ERANGE and a message naming file:line and
 * key (rl_config_errmsg). A missing [run] section reads as the defaults. */
RL_API int rl_run_read(rl_config *cfg, rl_run *out);

/* The cores this process may run on (its CPU affinity), at least 1. */
RL_API int rl_cpu_count(void);

/* Parse a checkpoint_every value: a whole number of iterations ("10"), or a
 * positive interval of wall time, a number followed by s, min or h ("90s",
 * "0.5s", "5min", "2h"; at most 1e9 s). "0" (or "0s") means only at the
 * end. Exactly one of *iters and *secs is non-zero unless both are 0.
 * RL_EINVAL for anything else. */
RL_API int rl_run_parse_every(const char *text, int64_t *iters, double *secs);

#ifdef __cplusplus
}
#endif
#endif /* RL_RUN_H */
