/* model_eval: shows that a policy loaded with rl_model_load alone acts as
 * rlrun --eval did (tests/rlrun_model.sh drives it).
 *
 *   model_eval trace RUNDIR
 *       RUNDIR/eval-trace.csv (rlrun --eval --trace, the generic trace)
 *       holds each step's observation and action: predict every
 *       observation deterministically, one row at a time and all rows in
 *       one call, and require the trace's actions to the bit.
 *   model_eval replay RUNDIR SIMTRACE SEED EPISODES MAX_STEPS
 *       for an environment whose trace lacks the observation (DeepRacer's
 *       evaluation-simtrace): make one environment (rl_env_alloc, no batch)
 *       from RUNDIR/config.ini, run EPISODES greedy episodes with rlrun's
 *       evaluation seeds (SEED + 1000000 + k) acting with rl_model_predict,
 *       and require each step's action to equal the SIMTRACE's action
 *       column.
 *
 * The model needs nothing but the checkpoint: no configuration key is
 * declared or set, no batch is made. Prints one summary line; exit 0 when
 * every action matched, 1 otherwise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "model_eval: %s: %s\n", what, msg);
    return 1;
}

/* Split line (modified) at commas into at most max fields. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        f[n++] = p;
        p = strchr(p, ',');
        if (!p) break;
        *p++ = '\0';
    }
    return n;
}

static int trace_mode(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.rlck", dir);
    rl_error err = {0};
    rl_model *m = rl_model_load(path, &err);
    if (!m) return die("load", err.msg);
    size_t od = rl_space_dim(rl_model_observation_space(m));
    size_t ad = rl_space_dim(rl_model_action_space(m));
    snprintf(path, sizeof path, "%s/eval-trace.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return die(path, "cannot open");
    static char line[1 << 16];
    char *col[512];
    size_t obs_at = 0, act_at = 0, rows = 0, cap = 1024;
    if (!fgets(line, sizeof line, f)) return die(path, "empty");
    size_t nc = split(line, col, 512);
    for (size_t i = 0; i < nc; i++) {
        if (strcmp(col[i], "obs_0") == 0) obs_at = i;
        if (strcmp(col[i], "action_0") == 0) act_at = i;
    }
    if (!obs_at || !act_at || act_at != obs_at + od || act_at + ad > nc)
        return die(path, "columns obs_0.. and action_0.. do not fit the model's spaces");
    double *obs = malloc(cap * od * sizeof *obs), *want = malloc(cap * ad * sizeof *want);
    while (obs && want && fgets(line, sizeof line, f)) {
        if (rows == cap) {
            cap *= 2;
            obs = realloc(obs, cap * od * sizeof *obs);
            want = realloc(want, cap * ad * sizeof *want);
            if (!obs || !want) break;
        }
        if (split(line, col, 512) != nc) return die(path, "a short row");
        for (size_t k = 0; k < od; k++) obs[rows * od + k] = strtod(col[obs_at + k], NULL);
        for (size_t k = 0; k < ad; k++) want[rows * ad + k] = strtod(col[act_at + k], NULL);
        rows++;
    }
    fclose(f);
    if (!obs || !want) return die("trace", "out of memory");
    double *one = malloc(rows * ad * sizeof *one), *all = malloc(rows * ad * sizeof *all);
    if (!one || !all) return die("trace", "out of memory");
    for (size_t i = 0; i < rows; i++)
        if (rl_model_predict(m, obs + i * od, 1, one + i * ad, 1, NULL, &err) != RL_OK)
            return die("predict", err.msg);
    if (rl_model_predict(m, obs, rows, all, 1, NULL, &err) != RL_OK) return die("predict", err.msg);
    size_t bad_one = 0, bad_all = 0;
    for (size_t i = 0; i < rows * ad; i++) {
        bad_one += one[i] != want[i];
        bad_all += all[i] != want[i];
    }
    printf("%s: %s on %s, %zu steps: %zu actions differ predicting one row at a time, %zu "
           "predicting all %zu rows in one call\n",
           dir, rl_model_algorithm(m), rl_model_env_name(m), rows, bad_one, bad_all, rows);
    free(obs), free(want), free(one), free(all);
    rl_model_free(m);
    return rows > 0 && bad_one == 0 && bad_all == 0 ? 0 : 1;
}

static int replay_mode(const char *dir, const char *simtrace, uint64_t seed, long episodes,
                       long max_steps)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.rlck", dir);
    rl_error err = {0};
    rl_model *m = rl_model_load(path, &err);
    if (!m) return die("load", err.msg);

    /* The environment, from the run's configuration, to make
     * observations: the model itself read nothing but the checkpoint. */
    rl_registry *reg = rl_registry_alloc(&err);
    if (!reg) return die("registry", err.msg);
    if (rl_registry_load_all(reg) != RL_OK) return die("plugins", rl_registry_errmsg(reg));
    const rl_env_type *type = rl_registry_find_env(reg, rl_model_env_name(m));
    if (!type) return die(rl_model_env_name(m), "no such environment type");
    rl_config *cfg = rl_config_alloc(&err);
    if (!cfg) return die("config", err.msg);
    snprintf(path, sizeof path, "%s/config.ini", dir);
    if (rl_config_load(cfg, path) != RL_OK) return die("config", rl_config_errmsg(cfg));
    rl_env *env = rl_env_alloc(type, cfg, &err);
    if (!env) return die("environment", err.msg);
    if (rl_env_set_evaluation(env, 1) != RL_OK) return die("environment", rl_env_errmsg(env));

    FILE *f = fopen(simtrace, "r");
    if (!f) return die(simtrace, "cannot open");
    static char line[1 << 16];
    char *col[64];
    if (!fgets(line, sizeof line, f)) return die(simtrace, "empty");
    size_t nc = split(line, col, 64), act_at = nc;
    for (size_t i = 0; i < nc; i++)
        if (strcmp(col[i], "action") == 0) act_at = i;
    if (act_at == nc) return die(simtrace, "no action column");

    size_t od = rl_space_dim(rl_model_observation_space(m));
    size_t ad = rl_space_dim(rl_model_action_space(m));
    double *obs = calloc(od, sizeof *obs), *act = calloc(ad, sizeof *act);
    if (!obs || !act) return die("replay", "out of memory");
    size_t steps = 0, differ = 0;
    int status = 0;
    for (long k = 0; k < episodes && !status; k++) {
        if (rl_env_reset_seeded(env, seed + 1000000u + (uint64_t)k, obs) != RL_OK)
            return die("reset", rl_env_errmsg(env));
        for (long t = 0;; t++) {
            if (rl_model_predict(m, obs, 1, act, 1, NULL, &err) != RL_OK)
                return die("predict", err.msg);
            if (!fgets(line, sizeof line, f) || split(line, col, 64) != nc) {
                status = die(simtrace, "fewer steps than the replay");
                break;
            }
            steps++;
            differ += strtod(col[act_at], NULL) != act[0];
            rl_step st;
            if (rl_env_step(env, act, obs, &st) != RL_OK) return die("step", rl_env_errmsg(env));
            if (st.terminated || st.truncated || (max_steps > 0 && t + 1 >= max_steps)) break;
        }
    }
    if (!status && fgets(line, sizeof line, f)) status = die(simtrace, "more steps than the replay");
    fclose(f);
    printf("%s: %s on %s, %ld episodes, %zu steps: %zu actions differ from the simtrace's\n", dir,
           rl_model_algorithm(m), rl_model_env_name(m), episodes, steps, differ);
    free(obs), free(act);
    rl_env_free(env);
    rl_config_free(cfg);
    rl_registry_free(reg);
    rl_model_free(m);
    return !status && steps > 0 && differ == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    rl_blas_set_threads(1);
    if (argc == 3 && strcmp(argv[1], "trace") == 0) return trace_mode(argv[2]);
    if (argc == 7 && strcmp(argv[1], "replay") == 0)
        return replay_mode(argv[2], argv[3], strtoull(argv[4], NULL, 10), atol(argv[5]),
                           atol(argv[6]));
    fprintf(stderr, "usage: model_eval trace RUNDIR\n"
                    "       model_eval replay RUNDIR SIMTRACE SEED EPISODES MAX_STEPS\n");
    return 2;
}
