/* rl_model (<rl/model.h>): a policy loaded from a checkpoint alone acts as
 * the agent that saved it (rl_algo_act, to the bit) for ppo (discrete,
 * continuous with normalised observations) and qlearn, on n = 0, 1 and
 * more rows than any internal batch; exploring draws what the agent's
 * policy draws from the same generator; every failure (missing file, not
 * a checkpoint, truncated records, old or unknown layouts, an unknown
 * algorithm, bad arguments) is a clean error naming the file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#define RL_TEST_TMPDIR "/tmp/rl_test_model_XXXXXX"
#include "testutil.h"

static rl_registry *reg;

static void setup(void)
{
    reg = rl_test_registry("classic");
    make_tmpdir();
}

static void teardown(void)
{
    rl_registry_free(reg);
    remove_tmpdir();
}

typedef struct agent {
    rl_config *cfg;
    rl_env_batch *envs;
    rl_algo *algo;
} agent;

/* An agent of algorithm algo on env configured by ini, trained for iters
 * iterations and saved to path. */
static agent train(const char *algo, const char *env, const char *ini, size_t nenvs, int iters,
                   const char *path)
{
    agent a;
    a.cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(a.cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    a.envs = rl_env_batch_alloc(rl_registry_find_env(reg, env), a.cfg, nenvs, &err);
    ck_assert_msg(a.envs != NULL, "%s", err.msg);
    a.algo = rl_algo_alloc(rl_algo_find(algo), a.cfg, a.envs, 3, &err);
    ck_assert_msg(a.algo != NULL, "%s", err.msg);
    for (int i = 0; i < iters; i++)
        ck_assert_msg(rl_algo_iterate(a.algo, NULL) == RL_OK, "%s", rl_algo_errmsg(a.algo));
    ck_assert_msg(rl_algo_save(a.algo, path) == RL_OK, "%s", rl_algo_errmsg(a.algo));
    return a;
}

static void untrain(agent *a)
{
    rl_algo_free(a->algo);
    rl_env_batch_free(a->envs);
    rl_config_free(a->cfg);
}

static rl_model *load_ok(const char *path)
{
    rl_error err = {0};
    rl_model *m = rl_model_load(path, &err);
    ck_assert_msg(m != NULL, "%s", err.msg);
    return m;
}

/* n observation rows of dim values, uniform in [-scale, scale]. */
static double *random_obs(size_t n, size_t dim, double scale, uint64_t seed)
{
    rl_pcg32 g;
    rl_pcg32_seed(&g, seed, 1);
    double *o = malloc(n * dim * sizeof *o);
    for (size_t i = 0; i < n * dim; i++) o[i] = scale * (2 * rl_pcg32_double(&g) - 1);
    return o;
}

/* The model's deterministic actions for n rows in one call against the
 * agent's greedy ones, each row on its own (as rl_algo_evaluate and rlrun
 * --eval act), and against the model's own row by row. */
static void same_greedy_actions(rl_model *m, rl_algo *algo, const double *obs, size_t n)
{
    size_t od = rl_space_dim(rl_model_observation_space(m));
    size_t ad = rl_space_dim(rl_model_action_space(m));
    double *want = malloc(n * ad * sizeof *want), *got = malloc(n * ad * sizeof *got);
    double one[8];
    rl_error err = {0};
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(rl_algo_act(algo, obs + i * od, 1, want + i * ad, 1), RL_OK);
    ck_assert_msg(rl_model_predict(m, obs, n, got, 1, NULL, &err) == RL_OK, "%s", err.msg);
    for (size_t i = 0; i < n * ad; i++)
        ck_assert_msg(got[i] == want[i], "row %zu: model %.17g, agent %.17g", i / ad, got[i],
                      want[i]);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(rl_model_predict(m, obs + i * od, 1, one, 1, NULL, &err), RL_OK);
        for (size_t k = 0; k < ad; k++) ck_assert(one[k] == got[i * ad + k]);
    }
    free(want);
    free(got);
}

START_TEST(test_ppo_discrete)
{
    const char *path = in_tmp("cp.rlck");
    agent a = train("ppo", "cartpole",
                    "[ppo]\nsteps_per_iteration = 512\nbatch_size = 128\nepochs = 2\n", 4, 3,
                    path);
    rl_model *m = load_ok(path);
    ck_assert_str_eq(rl_model_algorithm(m), "ppo");
    ck_assert_str_eq(rl_model_env_name(m), "cartpole");
    ck_assert_uint_eq(rl_model_iterations(m), 3);
    ck_assert_uint_eq(rl_model_env_steps(m), rl_algo_env_steps(a.algo));
    ck_assert_uint_eq(rl_model_env_steps(m), 1536);
    const rl_space *os = rl_model_observation_space(m), *as = rl_model_action_space(m);
    ck_assert_int_eq(os->kind, RL_SPACE_BOX);
    ck_assert_uint_eq(os->size, 4);
    ck_assert_double_eq_tol(os->high[2], 24 * M_PI / 180, 1e-7); /* 2 x 12 degrees */
    ck_assert_int_eq(as->kind, RL_SPACE_DISCRETE);
    ck_assert_int_eq(as->n, 2);
    ck_assert_str_eq(rl_model_policy(m)->type->name, "actor_critic");

    /* 1000 rows: more than the agent's (128) and the model's (256) batch. */
    double *obs = random_obs(1000, 4, 1.5, 11);
    same_greedy_actions(m, a.algo, obs, 1000);
    size_t ones = 0;
    double act[1000];
    rl_error err = {0};
    ck_assert_int_eq(rl_model_predict(m, obs, 1000, act, 1, NULL, &err), RL_OK);
    for (size_t i = 0; i < 1000; i++) {
        ck_assert(act[i] == 0 || act[i] == 1);
        ones += act[i] == 1;
    }
    ck_assert_uint_gt(ones, 0); /* both actions occur: a real comparison */
    ck_assert_uint_lt(ones, 1000);

    /* n = 0 writes nothing and succeeds. */
    act[0] = -7;
    ck_assert_int_eq(rl_model_predict(m, obs, 0, act, 1, NULL, &err), RL_OK);
    ck_assert_double_eq(act[0], -7);

    /* Exploring: the draws of the agent's own policy from the same
     * generator, with its log-probabilities at hand. */
    rl_pcg32 g1, g2;
    rl_pcg32_seed(&g1, 5, 9);
    rl_pcg32_seed(&g2, 5, 9);
    double want[1000], logp[1000], logp_m[1000];
    for (size_t i = 0; i < 1000; i++)
        ck_assert_int_eq(rl_policy_act(rl_algo_policy(a.algo), obs + 4 * i, 1, 0, &g1, want + i,
                                       logp + i, NULL, &err),
                         RL_OK);
    ck_assert_int_eq(rl_model_predict(m, obs, 1000, act, 0, &g2, &err), RL_OK);
    for (size_t i = 0; i < 1000; i++) ck_assert(act[i] == want[i]);
    ck_assert_uint_eq(g1.state, g2.state);
    rl_pcg32_seed(&g2, 5, 9);
    ck_assert_int_eq(rl_policy_act(rl_model_policy(m), obs, 1000, 0, &g2, act, logp_m, NULL, &err),
                     RL_OK);
    for (size_t i = 0; i < 1000; i++) ck_assert(logp_m[i] == logp[i] && logp[i] < 0);
    free(obs);
    rl_model_free(m);
    untrain(&a);
}
END_TEST

START_TEST(test_ppo_continuous_normalised)
{
    const char *path = in_tmp("pend.rlck");
    agent a = train("ppo", "pendulum",
                    "[ppo]\nsteps_per_iteration = 512\nbatch_size = 64\nepochs = 2\n"
                    "normalize_observations = true\nhidden = 32\nactivation = relu\n",
                    2, 2, path);
    rl_model *m = load_ok(path);
    const rl_space *as = rl_model_action_space(m);
    ck_assert_int_eq(as->kind, RL_SPACE_BOX);
    ck_assert_double_eq(as->low[0], -2);
    ck_assert_double_eq(as->high[0], 2);
    ck_assert_uint_eq(rl_space_dim(rl_model_observation_space(m)), 3);
    double *obs = random_obs(600, 3, 8, 12);
    same_greedy_actions(m, a.algo, obs, 600);
    /* Exploring: the same draws as the agent's policy, clipped to the box,
     * and not all equal to the mean. */
    rl_pcg32 g1, g2;
    rl_pcg32_seed(&g1, 6, 1);
    rl_pcg32_seed(&g2, 6, 1);
    double want[600], got[600], mean[600];
    rl_error err = {0};
    for (size_t i = 0; i < 600; i++)
        ck_assert_int_eq(rl_policy_act(rl_algo_policy(a.algo), obs + 3 * i, 1, 0, &g1, want + i,
                                       NULL, NULL, &err),
                         RL_OK);
    ck_assert_int_eq(rl_model_predict(m, obs, 600, got, 0, &g2, &err), RL_OK);
    ck_assert_int_eq(rl_model_predict(m, obs, 600, mean, 1, NULL, &err), RL_OK);
    size_t differ = 0;
    for (size_t i = 0; i < 600; i++) {
        ck_assert(got[i] == want[i]);
        ck_assert(got[i] >= -2 && got[i] <= 2);
        differ += got[i] != mean[i];
    }
    ck_assert_uint_gt(differ, 500);
    free(obs);
    rl_model_free(m);
    untrain(&a);
}
END_TEST

START_TEST(test_qlearn)
{
    const char *path = in_tmp("q.rlck");
    agent a = train("qlearn", "cliffwalking",
                    "[qlearn]\nsteps_per_iteration = 1000\nepsilon_decay_steps = 10000\n", 1, 3,
                    path);
    rl_model *m = load_ok(path);
    ck_assert_str_eq(rl_model_algorithm(m), "qlearn");
    ck_assert_str_eq(rl_model_env_name(m), "cliffwalking");
    ck_assert_int_eq(rl_model_observation_space(m)->kind, RL_SPACE_DISCRETE);
    ck_assert_int_eq(rl_model_observation_space(m)->n, 48);
    ck_assert_int_eq(rl_model_action_space(m)->n, 4);
    ck_assert_str_eq(rl_model_policy(m)->type->name, "tabular");
    double obs[48 * 10];
    for (size_t i = 0; i < 480; i++) obs[i] = (double)(i % 48);
    same_greedy_actions(m, a.algo, obs, 480);
    /* Exploring with the rate the agent had at 3000 of 10000 steps:
     * 1 - 0.3 * 0.95 = 0.715, drawing what the agent's policy draws. */
    double one;
    ck_assert_int_eq(rl_algo_act(a.algo, obs, 1, &one, 0), RL_OK); /* sets the agent's rate */
    ck_assert_double_eq_tol(((rl_tabular_policy *)rl_model_policy(m)->impl)->epsilon, 0.715,
                            1e-12);
    rl_pcg32 g1, g2;
    rl_pcg32_seed(&g1, 8, 3);
    rl_pcg32_seed(&g2, 8, 3);
    double want[480], got[480];
    rl_error err = {0};
    ck_assert_int_eq(rl_policy_act(rl_algo_policy(a.algo), obs, 480, 0, &g1, want, NULL, NULL,
                                   &err),
                     RL_OK);
    ck_assert_int_eq(rl_model_predict(m, obs, 480, got, 0, &g2, &err), RL_OK);
    for (size_t i = 0; i < 480; i++) ck_assert(got[i] == want[i]);
    /* A state the table does not have. */
    double bad = 48;
    ck_assert_int_eq(rl_model_predict(m, &bad, 1, &one, 1, NULL, &err), RL_EINVAL);
    ck_assert_msg(strstr(err.msg, "not a state index"), "%s", err.msg);
    rl_model_free(m);
    untrain(&a);
}
END_TEST

START_TEST(test_predict_errors)
{
    const char *path = in_tmp("cp.rlck");
    agent a = train("ppo", "cartpole", "[ppo]\nsteps_per_iteration = 64\nbatch_size = 32\n", 1, 1,
                    path);
    rl_model *m = load_ok(path);
    double obs[8] = {0, 0, 0, 0, 0.1, NAN, 0, 0}, act[2];
    rl_error err = {0};
    ck_assert_int_eq(rl_model_predict(m, obs, 1, act, 0, NULL, &err), RL_EINVAL);
    ck_assert_msg(strstr(err.msg, "random generator"), "%s", err.msg);
    ck_assert_int_eq(rl_model_predict(m, obs, 2, act, 1, NULL, &err), RL_EINVAL);
    ck_assert_msg(strstr(err.msg, "observation 1, element 1 is nan"), "%s", err.msg);
    ck_assert_int_eq(rl_model_predict(m, NULL, 1, act, 1, NULL, &err), RL_EINVAL);
    ck_assert_int_eq(rl_model_predict(NULL, obs, 1, act, 1, NULL, &err), RL_EINVAL);
    ck_assert_int_eq(rl_model_predict(m, obs, 1, act, 1, NULL, NULL), RL_OK);
    rl_model_free(m);
    rl_model_free(NULL);
    untrain(&a);
}
END_TEST

/* The checkpoint at path with its payload replaced by payload[0..len). */
static void rewrite(const char *path, const char *algo, const char *env,
                    const unsigned char *payload, size_t len)
{
    rl_error err = {0};
    ck_assert_msg(rl_checkpoint_write(path, algo, env, payload, len, &err) == RL_OK, "%s", err.msg);
}

static int load_fails(const char *path, const char *needle)
{
    rl_error err = {0};
    rl_model *m = rl_model_load(path, &err);
    ck_assert_msg(m == NULL, "%s loaded", path);
    ck_assert_msg(strstr(err.msg, path), "no file name in: %s", err.msg);
    if (needle) ck_assert_msg(strstr(err.msg, needle), "'%s' not in: %s", needle, err.msg);
    return err.code;
}

START_TEST(test_load_errors)
{
    ck_assert_int_eq(load_fails(in_tmp("none.rlck"), NULL), RL_ENOTFOUND);
    const char *text = in_tmp("text.rlck");
    put_file(text, "[run]\nenv = cartpole\n", 21);
    ck_assert_int_eq(load_fails(text, NULL), RL_EFORMAT);
    rl_error err = {0};
    ck_assert_ptr_null(rl_model_load(NULL, &err));
    ck_assert_int_eq(err.code, RL_EINVAL);

    /* A real checkpoint cut short: the file (the checksum fails) and the
     * payload under a good checksum, at every length short of the agent's
     * record (counters, layout, spec, sizes, weights, Adam, statistics). */
    const char *path = in_tmp("cp.rlck"), *bad = in_tmp("bad.rlck");
    agent a = train("ppo", "cartpole", "[ppo]\nsteps_per_iteration = 64\nbatch_size = 32\n"
                                       "hidden = 8\n", 1, 1, path);
    size_t flen;
    unsigned char *file = rl_test_slurp(path, &flen);
    put_file(bad, file, flen / 2);
    ck_assert_int_eq(load_fails(bad, NULL), RL_EFORMAT);
    rl_checkpoint_meta meta;
    unsigned char *pl;
    size_t len;
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &pl, &len, &err), RL_OK);
    /* The agent's record ends with the running returns; the environments'
     * record follows, which rl_model does not read. */
    /* One hidden layer of 8: the actor 4x8+8 and 8x2+2, the critic 4x8+8
     * and 8+1; the spec: 12 bytes, one size, a 4-element box (80 bytes),
     * Discrete(2) (12 bytes). */
    size_t P = (4 * 8 + 8 + 8 * 2 + 2) + (4 * 8 + 8 + 8 + 1), spec = 12 + 8 + 80 + 12;
    size_t agent_end = 16 + 4 + spec + 24 + 24 + 4 * P + 8 + 8 * P + (8 * 8 + 8) + 24 + 8;
    ck_assert_uint_gt(len, agent_end);
    for (size_t k = 0; k < agent_end; k += k < 200 ? 1 : 37) {
        rewrite(bad, "ppo", "cartpole", pl, k);
        int code = load_fails(bad, NULL);
        ck_assert_msg(code == RL_EFORMAT, "cut at %zu: %s", k, rl_strerror(code));
    }
    /* Only the environments' record gone: the model still loads. */
    rewrite(bad, "ppo", "cartpole", pl, agent_end);
    rl_model *m = load_ok(bad);
    rl_model_free(m);

    /* Layouts: 1 (no spec) is refused with RL_EVERSION but still loads
     * into an agent (rl_algo_load_agent); 3 is unknown. */
    unsigned char *old = malloc(len);
    memcpy(old, pl, 16);
    old[16] = 1, old[17] = old[18] = old[19] = 0;
    memcpy(old + 20, pl + 20 + spec, len - 20 - spec);
    rewrite(bad, "ppo", "cartpole", old, len - spec);
    ck_assert_int_eq(load_fails(bad, "layout 1"), RL_EVERSION);
    ck_assert_msg(rl_algo_load_agent(a.algo, bad) == RL_OK, "%s", rl_algo_errmsg(a.algo));
    memcpy(old, pl, len);
    old[16] = 3;
    rewrite(bad, "ppo", "cartpole", old, len);
    ck_assert_int_eq(load_fails(bad, "layout 3"), RL_EVERSION);
    /* A spec that makes no sense: activation 7, then 9 hidden layers. */
    memcpy(old, pl, len);
    old[20] = 7;
    rewrite(bad, "ppo", "cartpole", old, len);
    ck_assert_int_eq(load_fails(bad, "impossible network"), RL_EFORMAT);
    memcpy(old, pl, len);
    old[28] = 9;
    rewrite(bad, "ppo", "cartpole", old, len);
    ck_assert_int_eq(load_fails(bad, "impossible network"), RL_EFORMAT);
    /* A non-finite weight (the first of the actor's). */
    memcpy(old, pl, len);
    memset(old + 16 + 4 + spec + 48, 0xff, 4);
    rewrite(bad, "ppo", "cartpole", old, len);
    ck_assert_int_eq(load_fails(bad, "non-finite"), RL_EFORMAT);
    /* A negative observation variance. */
    memcpy(old, pl, len);
    double neg = -1;
    memcpy(old + 16 + 4 + spec + 48 + 12 * P + 8 + 32, &neg, 8);
    rewrite(bad, "ppo", "cartpole", old, len);
    ck_assert_int_eq(load_fails(bad, "normaliser"), RL_EFORMAT);
    /* Another algorithm. */
    rewrite(bad, "sarsa", "cartpole", pl, len);
    ck_assert_int_eq(load_fails(bad, "'sarsa'"), RL_EUNSUPPORTED);
    free(old);
    free(pl);
    free(file);
    untrain(&a);

    /* qlearn: layout 1 refused; a truncated table, one larger than the
     * file, one without actions, one holding a NaN. The record: counters
     * (16 bytes), layout, steps, generator, exploration rate (36), the
     * table's dimensions at 52 and 60, its values from 68. */
    a = train("qlearn", "cliffwalking", "[qlearn]\nsteps_per_iteration = 100\n", 1, 1, path);
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &pl, &len, &err), RL_OK);
    old = malloc(len);
    memcpy(old, pl, 16 + 28);
    old[16] = 1;
    memcpy(old + 44, pl + 52, len - 52); /* without the exploration rate */
    rewrite(bad, "qlearn", "cliffwalking", old, len - 8);
    ck_assert_int_eq(load_fails(bad, "layout 1"), RL_EVERSION);
    ck_assert_msg(rl_algo_load_agent(a.algo, bad) == RL_OK, "%s", rl_algo_errmsg(a.algo));
    rewrite(bad, "qlearn", "cliffwalking", pl, 68 + 8 * 100);
    ck_assert_int_eq(load_fails(bad, "48 x 4 values does not fit"), RL_EFORMAT);
    memcpy(old, pl, len);
    old[52 + 7] = 0x40; /* 2^62 states */
    rewrite(bad, "qlearn", "cliffwalking", old, len);
    ck_assert_int_eq(load_fails(bad, "truncated"), RL_EFORMAT);
    memcpy(old, pl, len);
    memset(old + 60, 0, 8); /* 0 actions */
    rewrite(bad, "qlearn", "cliffwalking", old, len);
    ck_assert_int_eq(load_fails(bad, "48 x 0"), RL_EFORMAT);
    memcpy(old, pl, len);
    memset(old + 68, 0xff, 8); /* a NaN in the table */
    rewrite(bad, "qlearn", "cliffwalking", old, len);
    ck_assert_int_eq(load_fails(bad, "damaged Q-table"), RL_EFORMAT);
    free(old);
    free(pl);
    untrain(&a);
}
END_TEST

/* The spec a layout 2 checkpoint records names the key that differs when
 * it is loaded into an agent configured otherwise. */
START_TEST(test_spec_mismatch_names_key)
{
    const char *path = in_tmp("cp.rlck");
    agent a = train("ppo", "cartpole", "[ppo]\nsteps_per_iteration = 64\nbatch_size = 32\n", 1, 1,
                    path);
    untrain(&a);
    const char *other[] = {"[ppo]\nactivation = relu\n", "activation",
                           "[ppo]\nnormalize_observations = true\n", "normalize_observations"};
    for (int i = 0; i < 2; i++) {
        a = train("ppo", "cartpole", other[2 * i], 1, 0, in_tmp("other.rlck"));
        ck_assert_int_eq(rl_algo_load_agent(a.algo, path), RL_EINVAL);
        ck_assert_msg(strstr(rl_algo_errmsg(a.algo), other[2 * i + 1]), "%s",
                      rl_algo_errmsg(a.algo));
        untrain(&a);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, test_ppo_discrete);
    tcase_add_test(tc, test_ppo_continuous_normalised);
    tcase_add_test(tc, test_qlearn);
    tcase_add_test(tc, test_predict_errors);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_spec_mismatch_names_key);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(make_suite)
