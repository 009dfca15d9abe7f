/* Tabular Q-learning end to end, through the library (no rlrun):
 * - CliffWalking from examples/cliffwalking.ini: the greedy return is -13,
 *   the optimal path.
 * - FrozenLake 4x4 slippery from examples/frozenlake.ini: the learned greedy
 *   policy reaches the goal within the 100-step limit with a probability
 *   within 0.05 of the best possible, both computed exactly here by dynamic
 *   programming over the lake's known transition model (value iteration for
 *   the optimum, policy evaluation for the learned policy).
 * - Determinism, checkpoints, and the errors of a misfit environment. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rl/rl.h>

#include "testutil.h"

static rl_registry *reg;

static void setup(void) { reg = rl_test_registry("classic"); }
static void teardown(void) { rl_registry_free(reg); }

typedef struct agent {
    rl_config *cfg;
    rl_env_batch *envs;
    rl_algo *algo;
    const rl_env_type *type;
} agent;

/* Build the agent of an example config (with extra overrides), train it for
 * [run] total_steps. */
static void train_example(agent *ag, const char *example, const char *const *sets, int train)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/%s", rl_test_srcdir(), example);
    ag->cfg = rl_config_alloc(NULL);
    ck_assert_msg(rl_config_load(ag->cfg, path) == RL_OK, "%s", rl_config_errmsg(ag->cfg));
    for (; sets && *sets; sets++) ck_assert_int_eq(rl_config_set(ag->cfg, *sets), RL_OK);
    rl_config_declare(ag->cfg, "run", rl_run_params);
    const char *env_name;
    int64_t seed, total, nenv;
    ck_assert_int_eq(rl_config_get_string(ag->cfg, "run", "env", &env_name), RL_OK);
    rl_config_get_int(ag->cfg, "run", "seed", &seed);
    rl_config_get_int(ag->cfg, "run", "total_steps", &total);
    rl_config_get_int(ag->cfg, "run", "num_envs", &nenv);
    ag->type = rl_registry_find_env(reg, env_name);
    ck_assert_ptr_nonnull(ag->type);
    rl_error err = {0};
    ag->envs = rl_env_batch_alloc(ag->type, ag->cfg, (size_t)nenv, &err);
    ck_assert_msg(ag->envs != NULL, "%s", err.msg);
    ag->algo = rl_algo_alloc(rl_algo_find("qlearn"), ag->cfg, ag->envs, (uint64_t)seed, &err);
    ck_assert_msg(ag->algo != NULL, "%s", err.msg);
    ck_assert_msg(rl_config_validate(ag->cfg) == RL_OK, "%s", rl_config_errmsg(ag->cfg));
    rl_iter_info it;
    while (train && (int64_t)rl_algo_env_steps(ag->algo) < total)
        ck_assert_msg(rl_algo_iterate(ag->algo, &it) == RL_OK, "%s", rl_algo_errmsg(ag->algo));
}

static void agent_free(agent *ag)
{
    rl_algo_free(ag->algo);
    rl_env_batch_free(ag->envs);
    rl_config_free(ag->cfg);
}

START_TEST(test_cliffwalking_learns_optimal_path)
{
    agent ag;
    train_example(&ag, "cliffwalking.ini", NULL, 1);
    rl_env *env = rl_env_alloc(ag.type, ag.cfg, NULL);
    rl_episode_result res;
    ck_assert_int_eq(rl_algo_evaluate(ag.algo, env, 99, 0, &res), RL_OK);
    ck_assert_double_eq(res.ret, -13);
    ck_assert_int_eq(res.length, 13);
    ck_assert_int_eq(res.terminated, 1);
    rl_env_free(env);
    agent_free(&ag);
}
END_TEST

/* ---- FrozenLake by dynamic programming ---------------------------------------- */

static const char *const lake4[4] = {"SFFF", "FHFH", "FFFH", "HFFG"};

static int lake_move(int s, int dir)
{
    int r = s / 4, c = s % 4;
    if (dir == 0 && c > 0) c--;
    if (dir == 1 && r < 3) r++;
    if (dir == 2 && c < 3) c++;
    if (dir == 3 && r > 0) r--;
    return r * 4 + c;
}

static char cell(int s) { return lake4[s / 4][s % 4]; }

/* Probability of reaching G within `horizon` steps from the start: with the
 * best action in every state and step when policy is NULL (value
 * iteration), else with the stationary policy given. */
static double lake_success(const int *policy, int horizon)
{
    double v[16] = {0}, nv[16];
    for (int k = 0; k < horizon; k++) {
        for (int s = 0; s < 16; s++) {
            if (cell(s) == 'G' || cell(s) == 'H') {
                nv[s] = 0;
                continue;
            }
            double best = -1;
            for (int a = 0; a < 4; a++) {
                if (policy && a != policy[s]) continue;
                double q = 0;
                for (int d = -1; d <= 1; d++) {
                    int s2 = lake_move(s, (a + d + 4) % 4);
                    q += (cell(s2) == 'G' ? 1.0 : v[s2]) / 3.0;
                }
                if (q > best) best = q;
            }
            nv[s] = best;
        }
        memcpy(v, nv, sizeof v);
    }
    return v[0];
}

START_TEST(test_value_iteration_known_answer)
{
    /* Sanity of the DP itself: always going left from the start never
     * reaches the goal, and the optimum over 100 steps is about 0.74 (the
     * well-known figure for FrozenLake 4x4 with its time limit). */
    int left[16] = {0};
    ck_assert_double_eq(lake_success(left, 100), 0);
    double best = lake_success(NULL, 100);
    ck_assert_msg(best > 0.70 && best < 0.80, "optimum %g", best);
    /* With no time limit the optimum is 0.8235 (value iteration, gamma 1). */
    ck_assert_msg(fabs(lake_success(NULL, 100000) - 0.8235) < 0.001, "%g",
                  lake_success(NULL, 100000));
}
END_TEST

START_TEST(test_frozenlake_near_optimal)
{
    agent ag;
    train_example(&ag, "frozenlake.ini", NULL, 1);
    int policy[16];
    for (int s = 0; s < 16; s++) {
        double obs = s, act;
        ck_assert_int_eq(rl_algo_act(ag.algo, &obs, 1, &act, 1), RL_OK);
        policy[s] = (int)act;
    }
    double best = lake_success(NULL, 100), learned = lake_success(policy, 100);
    ck_assert_msg(learned >= best - 0.05, "learned policy succeeds with p=%.4f, optimum %.4f",
                  learned, best);

    /* The environment agrees with the model: 4000 greedy episodes succeed
     * at the computed rate (4 standard errors). */
    rl_env *env = rl_env_alloc(ag.type, ag.cfg, NULL);
    int wins = 0;
    const int n = 4000;
    for (int k = 0; k < n; k++) {
        rl_episode_result res;
        ck_assert_int_eq(rl_algo_evaluate(ag.algo, env, 1000 + (uint64_t)k, 0, &res), RL_OK);
        double m;
        rl_env_metrics(env, &m);
        ck_assert_double_eq(m, res.ret);
        wins += res.ret > 0.5;
    }
    double rate = wins / (double)n, se = sqrt(learned * (1 - learned) / n);
    ck_assert_msg(fabs(rate - learned) < 4 * se, "sampled %.4f, exact %.4f", rate, learned);
    rl_env_free(env);
    agent_free(&ag);
}
END_TEST

/* ---- determinism and checkpoints ---------------------------------------------- */

START_TEST(test_same_seed_same_agent)
{
    static const char *const sets[] = {"run.total_steps=20000", "run.num_envs=3", NULL};
    char dir[] = "/tmp/rl-qlearn-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char p1[256], p2[256], p3[256];
    snprintf(p1, sizeof p1, "%s/a.rlck", dir);
    snprintf(p2, sizeof p2, "%s/b.rlck", dir);
    snprintf(p3, sizeof p3, "%s/c.rlck", dir);
    agent a, b, c;
    train_example(&a, "frozenlake.ini", sets, 1);
    train_example(&b, "frozenlake.ini", sets, 1);
    static const char *const other[] = {"run.total_steps=20000", "run.num_envs=3", "run.seed=2",
                                        NULL};
    train_example(&c, "frozenlake.ini", other, 1);
    ck_assert_int_eq(rl_algo_save(a.algo, p1), RL_OK);
    ck_assert_int_eq(rl_algo_save(b.algo, p2), RL_OK);
    ck_assert_int_eq(rl_algo_save(c.algo, p3), RL_OK);
    size_t l1, l2, l3;
    unsigned char *b1 = rl_test_slurp(p1, &l1), *b2 = rl_test_slurp(p2, &l2),
                  *b3 = rl_test_slurp(p3, &l3);
    ck_assert_uint_eq(l1, l2);
    ck_assert(memcmp(b1, b2, l1) == 0);
    ck_assert(l1 != l3 || memcmp(b1, b3, l1) != 0);
    free(b1);
    free(b2);
    free(b3);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    rmdir(dir);
    agent_free(&a);
    agent_free(&b);
    agent_free(&c);
}
END_TEST

START_TEST(test_checkpoint_round_trip_and_errors)
{
    char dir[] = "/tmp/rl-qlearn-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], other[256];
    snprintf(path, sizeof path, "%s/q.rlck", dir);
    snprintf(other, sizeof other, "%s/cliff.rlck", dir);

    agent trained, fresh, cliff;
    train_example(&trained, "frozenlake.ini", NULL, 1);
    ck_assert_int_eq(rl_algo_save(trained.algo, path), RL_OK);
    train_example(&fresh, "frozenlake.ini", NULL, 0);
    ck_assert_int_eq(rl_algo_load(fresh.algo, path), RL_OK);
    ck_assert_uint_eq(rl_algo_env_steps(fresh.algo), rl_algo_env_steps(trained.algo));
    ck_assert_uint_eq(rl_algo_iterations(fresh.algo), rl_algo_iterations(trained.algo));
    for (int s = 0; s < 16; s++) {
        double obs = s, x, y;
        rl_algo_act(trained.algo, &obs, 1, &x, 1);
        rl_algo_act(fresh.algo, &obs, 1, &y, 1);
        ck_assert_double_eq(x, y);
    }

    /* A checkpoint of another environment is refused, naming both. */
    train_example(&cliff, "cliffwalking.ini", NULL, 0);
    ck_assert_int_eq(rl_algo_save(cliff.algo, other), RL_OK);
    ck_assert_int_eq(rl_algo_load(fresh.algo, other), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(fresh.algo), "cliffwalking"));
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(fresh.algo), "frozenlake"));

    /* A state of another layout (a later librl's) is refused by its
     * layout version, whatever the ABI that wrote the file: the payload
     * begins after the 120-byte header with two u64 counters, then qlearn's
     * u32 layout. */
    size_t len;
    unsigned char *bytes = rl_test_slurp(path, &len);
    ck_assert_uint_eq(bytes[136], 2);
    bytes[136] = 7;
    uint32_t crc = rl_crc32(0, bytes, len - 4);
    for (int i = 0; i < 4; i++) bytes[len - 4 + i] = (unsigned char)(crc >> (8 * i));
    FILE *lf = fopen(other, "wb");
    fwrite(bytes, 1, len, lf);
    fclose(lf);
    ck_assert_int_eq(rl_algo_load(fresh.algo, other), RL_EVERSION);
    ck_assert_msg(strstr(rl_algo_errmsg(fresh.algo), "qlearn state has layout 7") != NULL, "%s",
                  rl_algo_errmsg(fresh.algo));
    free(bytes);

    /* A corrupted file is refused and the agent keeps what it had. */
    bytes = rl_test_slurp(path, &len);
    bytes[len / 2] ^= 0x40;
    FILE *f = fopen(path, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    ck_assert_int_eq(rl_algo_load(fresh.algo, path), RL_EFORMAT);
    /* A missing one too. */
    ck_assert_int_eq(rl_algo_load(fresh.algo, "/nonexistent/q.rlck"), RL_ENOTFOUND);
    for (int s = 0; s < 16; s++) {
        double obs = s, x, y;
        rl_algo_act(trained.algo, &obs, 1, &x, 1);
        rl_algo_act(fresh.algo, &obs, 1, &y, 1);
        ck_assert_double_eq(x, y);
    }
    free(bytes);
    unlink(path);
    unlink(other);
    rmdir(dir);
    agent_free(&trained);
    agent_free(&fresh);
    agent_free(&cliff);
}
END_TEST

/* An environment with a continuous observation: qlearn must refuse it. */
static int box_init(void *s, rl_config *c, const char *sec, rl_env_spec *spec, rl_error *e)
{
    (void)s, (void)c, (void)sec, (void)e;
    rl_space_box_uniform(&spec->observation_space, 3, -1, 1);
    rl_space_discrete(&spec->action_space, 2);
    return RL_OK;
}
static int box_reset(void *s, rl_pcg32 *r, double *o, rl_error *e)
{
    (void)s, (void)r, (void)e;
    o[0] = o[1] = o[2] = 0;
    return RL_OK;
}
static int box_step(void *s, rl_pcg32 *r, const double *a, double *o, rl_step *out, rl_error *e)
{
    (void)s, (void)r, (void)a, (void)e;
    o[0] = o[1] = o[2] = 0;
    out->terminated = 1;
    return RL_OK;
}
static const rl_env_type box_type = {
    RL_ENV_TYPE_HEADER, .name = "boxy", .size = 1,
    .init = box_init, .reset = box_reset, .step = box_step,
};

START_TEST(test_refuses_continuous_observations)
{
    rl_config *cfg = rl_config_alloc(NULL);
    rl_env_batch *b = rl_env_batch_alloc(&box_type, cfg, 1, NULL);
    rl_error err = {0};
    ck_assert_ptr_null(rl_algo_alloc(rl_algo_find("qlearn"), cfg, b, 1, &err));
    ck_assert_int_eq(err.code, RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "discrete observation space"));
    ck_assert_ptr_nonnull(strstr(err.msg, "boxy"));
    rl_env_batch_free(b);
    rl_config_free(cfg);
    ck_assert_ptr_null(rl_algo_find("nosuch"));
    ck_assert_uint_ge(rl_algo_count(), 1);
}
END_TEST

/* A misspelt key of [qlearn] is reported by rl_algo_alloc itself, with no
 * call of rl_config_validate. */
START_TEST(test_alloc_reports_unknown_keys)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[qlearn]\nlearning_rat = 0.2\n", "q.ini"), RL_OK);
    const rl_env_type *t = rl_registry_find_env(reg, "cliffwalking");
    ck_assert_ptr_nonnull(t);
    rl_env_batch *b = rl_env_batch_alloc(t, cfg, 1, NULL);
    ck_assert_ptr_nonnull(b);
    rl_error err = {0};
    ck_assert_ptr_null(rl_algo_alloc(rl_algo_find("qlearn"), cfg, b, 1, &err));
    ck_assert_int_eq(err.code, RL_ENOTFOUND);
    ck_assert_ptr_nonnull(
        strstr(err.msg, "q.ini:2: [qlearn] unknown key 'learning_rat' (did you mean 'learning_rate'?)"));
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

/* ---- the tabular policy against closed forms ----------------------------------- */

START_TEST(test_tabular_policy_closed_forms)
{
    rl_qtable t;
    ck_assert_int_eq(rl_qtable_init(&t, 2, 4, 0), RL_OK);
    double *r0 = rl_qtable_row(&t, 0), *r1 = rl_qtable_row(&t, 1);
    r0[0] = 1, r0[1] = 3, r0[2] = 2, r0[3] = -2; /* one best action: 1 */
    r1[0] = 5, r1[1] = 0, r1[2] = 5, r1[3] = 1;  /* two best: 0 and 2 */
    rl_tabular_policy tp = {&t, 0.2};
    rl_policy p = {&rl_policy_tabular, &tp};
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 3, 4);
    double obs[2] = {0, 1}, act[2], logp[2], value[2];

    /* Greedy: argmax (ties to the lowest index), probability 1, max Q. */
    ck_assert_int_eq(rl_policy_act(&p, obs, 2, 1, &rng, act, logp, value, NULL), RL_OK);
    ck_assert_double_eq(act[0], 1);
    ck_assert_double_eq(act[1], 0);
    ck_assert_double_eq(logp[0], 0);
    ck_assert_double_eq(value[0], 3);
    ck_assert_double_eq(value[1], 5);

    /* Exploring: pi = eps/4 + (1-eps)/k on the k maxima, eps/4 elsewhere;
     * V = eps * mean(Q) + (1-eps) * max(Q). Sampled frequencies agree. */
    int count[2][4] = {{0}};
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(rl_policy_act(&p, obs, 2, 0, &rng, act, logp, value, NULL), RL_OK);
        for (int k = 0; k < 2; k++) {
            int a = (int)act[k];
            count[k][a]++;
            int best = k ? (a == 0 || a == 2) : a == 1;
            double pi = 0.05 + (best ? (k ? 0.4 : 0.8) : 0);
            ck_assert_double_eq_tol(logp[k], log(pi), 1e-15);
        }
        ck_assert_double_eq_tol(value[0], 0.2 * 4.0 / 4 + 0.8 * 3, 1e-12);
        ck_assert_double_eq_tol(value[1], 0.2 * 11.0 / 4 + 0.8 * 5, 1e-12);
    }
    double expect[2][4] = {{0.05, 0.85, 0.05, 0.05}, {0.45, 0.05, 0.45, 0.05}};
    for (int k = 0; k < 2; k++)
        for (int a = 0; a < 4; a++)
            ck_assert_msg(fabs(count[k][a] / (double)n - expect[k][a]) < 0.005, "s%d a%d: %g", k,
                          a, count[k][a] / (double)n);

    /* An observation that is not a state index is refused. */
    double bad = 1.5, out;
    rl_error err = {0};
    ck_assert_int_eq(rl_policy_act(&p, &bad, 1, 1, &rng, &out, NULL, NULL, &err), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a state index"));
    bad = 2;
    ck_assert_int_eq(rl_policy_act(&p, &bad, 1, 1, &rng, &out, NULL, NULL, &err), RL_EINVAL);
    rl_qtable_free(&t);
}
END_TEST

START_TEST(test_evaluate_stops_at_max_steps)
{
    /* Untrained, the greedy policy goes up (action 0) for ever; with no
     * time limit only max_steps ends the episode. */
    static const char *const sets[] = {"cliffwalking.max_episode_steps=0", NULL};
    agent ag;
    train_example(&ag, "cliffwalking.ini", sets, 0);
    rl_env *env = rl_env_alloc(ag.type, ag.cfg, NULL);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 0);
    rl_episode_result res;
    ck_assert_int_eq(rl_algo_evaluate(ag.algo, env, 1, 500, &res), RL_OK);
    ck_assert_int_eq(res.length, 500);
    ck_assert_int_eq(res.terminated, 0);
    ck_assert_int_eq(res.truncated, 1);
    ck_assert_double_eq(res.ret, -500);
    rl_env_free(env);
    agent_free(&ag);
}
END_TEST

/* An environment of one state whose every step pays 1e308: with
 * learning_rate 1 and discount 0.99 the second update's target overflows. */
static int huge_init(void *s, rl_config *c, const char *sec, rl_env_spec *spec, rl_error *e)
{
    (void)s, (void)c, (void)sec, (void)e;
    int rc = rl_space_discrete(&spec->observation_space, 1);
    return rc == RL_OK ? rl_space_discrete(&spec->action_space, 2) : rc;
}
static int huge_reset(void *s, rl_pcg32 *r, double *o, rl_error *e)
{
    (void)s, (void)r, (void)e;
    o[0] = 0;
    return RL_OK;
}
static int huge_step(void *s, rl_pcg32 *r, const double *a, double *o, rl_step *out, rl_error *e)
{
    (void)s, (void)r, (void)a, (void)e;
    o[0] = 0;
    out->reward = 1e308;
    out->terminated = 0;
    out->truncated = 0;
    return RL_OK;
}
static const rl_env_type huge_type = {
    RL_ENV_TYPE_HEADER,
    .name = "huge",
    .summary = "one state, rewards of 1e308",
    .size = 1,
    .max_episode_steps = 100,
    .init = huge_init,
    .reset = huge_reset,
    .step = huge_step,
};

/* qlearn never stores a non-finite value: the update that would is refused
 * with RL_ENUMERIC naming the entry, the table keeps only finite values,
 * training and saving are refused from then on, and a good checkpoint
 * loads. */
START_TEST(test_non_finite_update_refused)
{
    ck_assert_int_eq(rl_registry_add_env(reg, &huge_type), RL_OK);
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg,
                                           "[qlearn]\nlearning_rate = 1\ndiscount = 0.99\n"
                                           "steps_per_iteration = 1\n",
                                           "test.ini"),
                     RL_OK);
    rl_error err = {0};
    rl_env_batch *envs = rl_env_batch_alloc(&huge_type, cfg, 1, &err);
    ck_assert_msg(envs != NULL, "%s", err.msg);
    rl_algo *algo = rl_algo_alloc(rl_algo_find("qlearn"), cfg, envs, 3, &err);
    ck_assert_msg(algo != NULL, "%s", err.msg);
    char dir[] = "/tmp/rl-ql-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char good[64], again[64];
    snprintf(good, sizeof good, "%s/good.rlck", dir);
    snprintf(again, sizeof again, "%s/again.rlck", dir);
    ck_assert_int_eq(rl_algo_save(algo, good), RL_OK);
    int rc = RL_OK;
    for (int k = 0; k < 10 && rc == RL_OK; k++) rc = rl_algo_iterate(algo, NULL);
    ck_assert_int_eq(rc, RL_ENUMERIC);
    ck_assert_msg(strstr(rl_algo_errmsg(algo), "would be non-finite") != NULL, "%s",
                  rl_algo_errmsg(algo));
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(algo), "(reward 1e+308, target inf)"));
    const rl_tabular_policy *tp = rl_algo_policy(algo)->impl;
    for (size_t i = 0; i < tp->q->nstates * tp->q->nactions; i++)
        ck_assert_msg(isfinite(tp->q->q[i]), "Q[%zu] = %g", i, tp->q->q[i]);
    ck_assert_double_eq(fmax(tp->q->q[0], tp->q->q[1]), 1e308);
    ck_assert_int_eq(rl_algo_iterate(algo, NULL), RL_ENUMERIC);
    ck_assert_int_eq(rl_algo_save(algo, again), RL_ENUMERIC);
    ck_assert_msg(rl_algo_load(algo, good) == RL_OK, "%s", rl_algo_errmsg(algo));
    ck_assert_double_eq(tp->q->q[0], 0);
    ck_assert_double_eq(tp->q->q[1], 0);
    ck_assert_int_eq(rl_algo_iterate(algo, NULL), RL_OK);
    ck_assert_int_eq(rl_algo_save(algo, again), RL_OK);
    rl_algo_free(algo);
    rl_env_batch_free(envs);
    rl_config_free(cfg);
    remove(good);
    remove(again);
    rmdir(dir);
}
END_TEST

START_TEST(test_algo_exposes_policy)
{
    agent ag;
    train_example(&ag, "cliffwalking.ini", NULL, 1);
    const rl_policy *p = rl_algo_policy(ag.algo);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->type->name, "tabular");
    /* The policy acts as the agent does: the optimal first move is up (0). */
    double obs = 36, a, v;
    ck_assert_int_eq(rl_policy_act(p, &obs, 1, 1, NULL, &a, NULL, &v, NULL), RL_OK);
    ck_assert_double_eq(a, 0);
    ck_assert_double_eq_tol(v, -13, 1e-6); /* gamma 1: the return of the optimal path */
    agent_free(&ag);
}
END_TEST

static Suite *qlearn_suite(void)
{
    Suite *s = suite_create("qlearn");
    TCase *tc = tcase_create("learning");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, test_cliffwalking_learns_optimal_path);
    tcase_add_test(tc, test_value_iteration_known_answer);
    tcase_add_test(tc, test_frozenlake_near_optimal);
    tcase_add_test(tc, test_same_seed_same_agent);
    tcase_add_test(tc, test_checkpoint_round_trip_and_errors);
    tcase_add_test(tc, test_refuses_continuous_observations);
    tcase_add_test(tc, test_alloc_reports_unknown_keys);
    tcase_add_test(tc, test_algo_exposes_policy);
    tcase_add_test(tc, test_non_finite_update_refused);
    tcase_add_test(tc, test_evaluate_stops_at_max_steps);
    suite_add_tcase(s, tc);
    tc = tcase_create("policy");
    tcase_add_test(tc, test_tabular_policy_closed_forms);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(qlearn_suite)
