/* The [run] section: its one key table and the reader of it. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "internal.h"

#ifdef __linux__
#include <sched.h>
#endif
#include <unistd.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rl/run.h>

const rl_param rl_run_params[] = {
    {"env", RL_PARAM_STRING, NULL, 0, 0, NULL,
     "environment to train on, required (rlrun --list shows those installed)"},
    {"algorithm", RL_PARAM_STRING, "qlearn", 0, 0, NULL, "learning algorithm: ppo or qlearn"},
    {"plugin", RL_PARAM_STRING, "", 0, 0, NULL,
     "load only this plugin (empty: every plugin on the search path)"},
    {"seed", RL_PARAM_INT, "1", 0, 9007199254740991.0, NULL,
     "seed of every random number in the run"},
    {"total_steps", RL_PARAM_INT, "100000", 1, 1e15, NULL,
     "environment steps to train for (the last iteration may go past it)"},
    {"num_envs", RL_PARAM_INT, "1", 1, 4096, NULL, "environments stepped together"},
    {"threads", RL_PARAM_INT, "0", 0, 1024, NULL,
     "threads for stepping the environments and for ppo's update; the results are "
     "the same bits for any number (0: the cores available, shared among the processes of an "
     "MPI job on the same host)"},
    {"output_dir", RL_PARAM_STRING, "", 0, 0, NULL,
     "run directory; a directory that holds a run is refused unless --force or --resume "
     "(empty: a new one, runs/<env>, then runs/<env>_2, runs/<env>_3, ...)"},
    {"eval_episodes", RL_PARAM_INT, "100", 0, 1e8, NULL,
     "greedy evaluation episodes after training (0: none); when not given, the "
     "environment's own number if it has one (deepracer 3, trading and rota 1)"},
    {"eval_max_steps", RL_PARAM_INT, "100000", 0, 1e15, NULL,
     "cut an evaluation episode after this many steps (0: no cut)"},
    {"checkpoint_every", RL_PARAM_STRING, "60s", 0, 0, NULL,
     "also save the checkpoint during training: every N iterations (a plain number), or "
     "every interval of wall time (90s, 5min, 2h); 0: only at the end and on SIGINT/SIGTERM"},
    {"trace", RL_PARAM_BOOL, "false", 0, 0, NULL,
     "write every step to trace files, as --trace does"},
    {"log_every", RL_PARAM_INT, "0", 0, 1e12, NULL,
     "progress line every N iterations when output is not a terminal (0: about 20 lines "
     "over the run, by steps)"},
    {"plots", RL_PARAM_BOOL, "true", 0, 0, NULL,
     "draw the environment's pictures of the run at its end, as --plot does (PNG; DeepRacer's "
     "track.png, learning.png, reward.png; needs librl built with cairo)"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

int rl_run_parse_every(const char *text, int64_t *iters, double *secs)
{
    *iters = 0;
    *secs = 0;
    const char *p = text;
    while (*p == ' ') p++;
    if (!(*p >= '0' && *p <= '9') && *p != '.') return RL_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (errno || end == p || !isfinite(v) || v < 0) return RL_EINVAL;
    while (*end == ' ') end++;
    if (!*end) {
        /* Iterations: a whole number. */
        if (v != floor(v) || v > 1e12 || strpbrk(p, ".eE")) return RL_EINVAL;
        *iters = (int64_t)v;
        return RL_OK;
    }
    static const struct {
        const char *unit;
        double secs;
    } units[] = {{"s", 1}, {"min", 60}, {"h", 3600}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        size_t n = strlen(units[i].unit);
        if (strncmp(end, units[i].unit, n) != 0) continue;
        const char *q = end + n;
        while (*q == ' ') q++;
        if (*q) continue;
        if (v * units[i].secs > 1e9) return RL_EINVAL;
        *secs = v * units[i].secs;
        return RL_OK;
    }
    return RL_EINVAL;
}

int rl_run_read(rl_config *cfg, rl_run *out)
{
    if (!cfg || !out) return RL_EINVAL;
    memset(out, 0, sizeof *out);
    int rc;
    if (!rl_config_is_declared(cfg, "run") &&
        (rc = rl_config_declare(cfg, "run", rl_run_params)) != RL_OK)
        return rc;
    if ((rc = rl_config_validate_section(cfg, "run")) != RL_OK) return rc;
    int64_t seed;
    const char *every;
    if ((rc = rl_config_get_string(cfg, "run", "env", &out->env)) ||
        (rc = rl_config_get_string(cfg, "run", "algorithm", &out->algorithm)) ||
        (rc = rl_config_get_string(cfg, "run", "plugin", &out->plugin)) ||
        (rc = rl_config_get_string(cfg, "run", "output_dir", &out->output_dir)) ||
        (rc = rl_config_get_int(cfg, "run", "seed", &seed)) ||
        (rc = rl_config_get_int(cfg, "run", "total_steps", &out->total_steps)) ||
        (rc = rl_config_get_int(cfg, "run", "num_envs", &out->num_envs)) ||
        (rc = rl_config_get_int(cfg, "run", "threads", &out->threads)) ||
        (rc = rl_config_get_int(cfg, "run", "eval_episodes", &out->eval_episodes)) ||
        (rc = rl_config_get_int(cfg, "run", "eval_max_steps", &out->eval_max_steps)) ||
        (rc = rl_config_get_int(cfg, "run", "log_every", &out->log_every)) ||
        (rc = rl_config_get_string(cfg, "run", "checkpoint_every", &every)) ||
        (rc = rl_config_get_bool(cfg, "run", "trace", &out->trace)) ||
        (rc = rl_config_get_bool(cfg, "run", "plots", &out->plots)))
        return rc;
    out->seed = (uint64_t)seed;
    if (rl_run_parse_every(every, &out->checkpoint_iters, &out->checkpoint_secs) != RL_OK)
        return rl_config_fail(cfg, RL_EINVAL, "run", "checkpoint_every",
                              "'%s' is neither a number of iterations (such as 10) nor an "
                              "interval of wall time (such as 90s, 5min or 2h; at most 1e9 s); "
                              "0 saves only at the end",
                              every);
    return RL_OK;
}

int rl_cpu_count(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (n > 1024 ? 1024 : (int)n) : 1;
}
