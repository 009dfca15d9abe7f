/* Environment contracts. A conformance suite runs the same checks over every
 * environment type the plugins on the search path register (as GSL runs the
 * same tests over every generator), then the core's own guarantees are
 * checked with small environments defined here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "testutil.h"

static rl_registry *reg;

static void load_registry(void)
{
    unsetenv("RL_PLUGIN_PATH");
    reg = rl_registry_alloc(NULL);
    ck_assert_ptr_nonnull(reg);
    ck_assert_int_eq(rl_registry_load_all(reg), RL_OK);
}

static void free_registry(void) { rl_registry_free(reg); }

/* Roll random actions for `steps` steps; write a fingerprint of the
 * trajectory (sum of obs*weight + rewards) to *print. */
static void roll(rl_env *env, uint64_t seed, int steps, double *print)
{
    const rl_space *os = rl_env_observation_space(env), *as = rl_env_action_space(env);
    size_t od = rl_space_dim(os), ad = rl_space_dim(as);
    double *obs = calloc(od, sizeof *obs), *act = calloc(ad, sizeof *act);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, seed, 7);
    *print = 0;
    ck_assert_int_eq(rl_env_reset_seeded(env, seed, obs), RL_OK);
    ck_assert(rl_space_contains(os, obs));
    for (int t = 0; t < steps; t++) {
        rl_space_sample(as, &rng, act);
        rl_step st;
        ck_assert_msg(rl_env_step(env, act, obs, &st) == RL_OK, "%s", rl_env_errmsg(env));
        ck_assert(isfinite(st.reward));
        ck_assert_msg(rl_space_contains(os, obs), "%s: observation outside its space",
                      rl_env_get_type(env)->name);
        for (size_t i = 0; i < od; i++) *print += obs[i] * (double)(t % 7 + i + 1);
        *print += st.reward * 3.0;
        if (rl_env_max_episode_steps(env) > 0)
            ck_assert(rl_env_episode_steps(env) <= rl_env_max_episode_steps(env));
        if (st.terminated || st.truncated) {
            ck_assert(!(st.terminated && st.truncated));
            /* Stepping past the end is an error until reset. */
            rl_step dummy;
            ck_assert_int_eq(rl_env_step(env, act, obs, &dummy), RL_EINVAL);
            ck_assert_int_eq(rl_env_reset(env, obs), RL_OK);
            ck_assert_int_eq(rl_env_episode_steps(env), 0);
        }
    }
    free(obs);
    free(act);
}

START_TEST(test_conformance)
{
    ck_assert_uint_gt(rl_registry_env_count(reg), 0);
    for (size_t k = 0; k < rl_registry_env_count(reg); k++) {
        const rl_env_type *t = rl_registry_env_at(reg, k);
        rl_error err = {0};
        rl_env *a = rl_env_alloc(t, NULL, &err), *b = rl_env_alloc(t, NULL, &err);
        ck_assert_msg(a && b, "%s: %s", t->name, err.msg);
        ck_assert_int_ne(rl_env_observation_space(a)->kind, RL_SPACE_NONE);
        ck_assert_int_ne(rl_env_action_space(a)->kind, RL_SPACE_NONE);
        /* Same seed, same trajectory; seeding again repeats it. */
        double p1, p2, p3;
        roll(a, 11, 3000, &p1);
        roll(b, 11, 3000, &p2);
        roll(a, 11, 3000, &p3);
        ck_assert_msg(p1 == p2 && p1 == p3, "%s: not deterministic for a seed", t->name);

        /* An action outside the space is refused without stepping. */
        double obs[64] = {0}, bad[64];
        for (int i = 0; i < 64; i++) bad[i] = NAN;
        ck_assert_int_eq(rl_env_reset_seeded(a, 1, obs), RL_OK);
        rl_step st;
        ck_assert_int_eq(rl_env_step(a, bad, obs, &st), RL_EINVAL);
        ck_assert_ptr_nonnull(strstr(rl_env_errmsg(a), "not in the action space"));
        ck_assert_int_eq(rl_env_episode_steps(a), 0);
        rl_env_free(a);
        rl_env_free(b);
    }
}
END_TEST

START_TEST(test_step_without_reset)
{
    const rl_env_type *t = rl_registry_find_env(reg, "cliffwalking");
    rl_env *env = rl_env_alloc(t, NULL, NULL);
    double obs, a = 0;
    rl_step st;
    ck_assert_int_eq(rl_env_step(env, &a, &obs, &st), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_env_errmsg(env), "reset"));
    rl_env_free(env);
}
END_TEST

START_TEST(test_time_limit_truncates)
{
    const rl_env_type *t = rl_registry_find_env(reg, "cliffwalking");
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[cliffwalking]\nmax_episode_steps = 5\n", "t.ini"),
                     RL_OK);
    rl_env *env = rl_env_alloc(t, cfg, NULL);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 5);
    double obs, up = 0;
    rl_step st;
    rl_env_reset_seeded(env, 0, &obs);
    for (int i = 1; i <= 5; i++) {
        ck_assert_int_eq(rl_env_step(env, &up, &obs, &st), RL_OK);
        ck_assert_int_eq(st.terminated, 0);
        ck_assert_int_eq(st.truncated, i == 5);
    }
    rl_env_free(env);
    rl_config_free(cfg);

    /* The type's default: 200 steps for CliffWalking. */
    env = rl_env_alloc(t, NULL, NULL);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 200);
    rl_env_free(env);
}
END_TEST

/* ---- environments that misbehave, defined here ------------------------------ */

typedef struct toy {
    int t;
    int fail_at; /* step at which to misbehave */
    int how;     /* 0 NaN reward, 1 inf obs, 2 error code, 3 NaN obs on reset */
} toy;

static const rl_param toy_params[] = {
    {"how", RL_PARAM_INT, "0", 0, 3, NULL, "way to misbehave"},
    {"fail_at", RL_PARAM_INT, "3", 0, 100, NULL, "step"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

static int toy_init(void *s, rl_config *c, const char *sec, rl_env_spec *spec, rl_error *e)
{
    toy *x = s;
    int64_t how, at;
    if (rl_config_get_int(c, sec, "how", &how) || rl_config_get_int(c, sec, "fail_at", &at))
        return rl_error_set(e, RL_EINVAL, "%s", rl_config_errmsg(c));
    x->how = (int)how;
    x->fail_at = (int)at;
    double lo[2] = {-10, -10}, hi[2] = {10, 10};
    size_t shape[1] = {2};
    rl_space_box(&spec->observation_space, 1, shape, lo, hi);
    rl_space_discrete(&spec->action_space, 2);
    return RL_OK;
}
static int toy_reset(void *s, rl_pcg32 *r, double *o, rl_error *e)
{
    (void)r, (void)e;
    toy *x = s;
    x->t = 0;
    o[0] = o[1] = x->how == 3 ? NAN : 0;
    return RL_OK;
}
static int toy_step(void *s, rl_pcg32 *r, const double *a, double *o, rl_step *out, rl_error *e)
{
    toy *x = s;
    x->t++;
    o[0] = a[0];
    o[1] = (double)rl_pcg32_bounded(r, 5);
    out->reward = 1;
    out->terminated = x->t >= 10 + (int)a[0];
    if (x->t == x->fail_at) {
        if (x->how == 0) out->reward = NAN;
        if (x->how == 1) o[1] = INFINITY;
        if (x->how == 2) return rl_error_set(e, RL_EINVAL, "the toy broke on purpose");
    }
    return RL_OK;
}

static const rl_env_type toy_type = {
    RL_ENV_TYPE_HEADER, .name = "toy", .size = sizeof(toy), .params = toy_params,
    .init = toy_init, .reset = toy_reset, .step = toy_step,
};

static rl_env *toy_env(int how, rl_config **cfgp)
{
    char text[128];
    snprintf(text, sizeof text, "[toy]\nhow = %d\n", how);
    *cfgp = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(*cfgp, text, "toy.ini"), RL_OK);
    rl_error err = {0};
    rl_env *env = rl_env_alloc(&toy_type, *cfgp, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    return env;
}

START_TEST(test_non_finite_reward_is_an_error)
{
    rl_config *cfg;
    rl_env *env = toy_env(0, &cfg);
    double obs[2], a = 0;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EPLUGIN);
    const char *m = rl_env_errmsg(env);
    ck_assert_ptr_nonnull(strstr(m, "'toy'"));
    ck_assert_ptr_nonnull(strstr(m, "non-finite reward"));
    ck_assert_ptr_nonnull(strstr(m, "step 3"));
    /* The episode is over after a failure. */
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EINVAL);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_non_finite_obs_is_an_error)
{
    rl_config *cfg;
    rl_env *env = toy_env(1, &cfg);
    double obs[2], a = 1;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    rl_env_step(env, &a, obs, &st);
    rl_env_step(env, &a, obs, &st);
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(rl_env_errmsg(env), "non-finite observation"));
    rl_env_free(env);
    rl_config_free(cfg);

    env = toy_env(3, &cfg);
    ck_assert_int_eq(rl_env_reset_seeded(env, 0, obs), RL_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(rl_env_errmsg(env), "from reset"));
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_plugin_error_is_passed_on)
{
    rl_config *cfg;
    rl_env *env = toy_env(2, &cfg);
    double obs[2], a = 1;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    rl_env_step(env, &a, obs, &st);
    rl_env_step(env, &a, obs, &st);
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_env_errmsg(env), "the toy broke on purpose"));
    ck_assert_ptr_nonnull(strstr(rl_env_errmsg(env), "step failed"));
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_bad_config_value_fails_alloc)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[toy]\nhow = 9\n", "toy.ini"), RL_OK);
    rl_error err = {0};
    ck_assert_ptr_null(rl_env_alloc(&toy_type, cfg, &err));
    ck_assert_int_ne(err.code, RL_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "toy.ini:2"));
    rl_config_free(cfg);

    /* A misspelt key is the library's to report: no rl_config_validate. */
    cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[toy]\nhwo = 1\n", "toy.ini"), RL_OK);
    ck_assert_ptr_null(rl_env_alloc(&toy_type, cfg, &err));
    ck_assert_int_eq(err.code, RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "toy.ini:2: [toy] unknown key 'hwo' (did you mean 'how'?)"));
    rl_config_free(cfg);

    rl_env_type bad = toy_type;
    bad.abi = 99;
    ck_assert_ptr_null(rl_env_alloc(&bad, NULL, &err));
    ck_assert_int_eq(err.code, RL_EVERSION);
}
END_TEST

/* ---- batches ------------------------------------------------------------------- */

START_TEST(test_batch_autoreset_and_final_obs)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[toy]\nfail_at = 0\n", "toy.ini"), RL_OK);
    rl_error err = {0};
    rl_env_batch *b = rl_env_batch_alloc(&toy_type, cfg, 3, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    ck_assert_uint_eq(rl_env_batch_size(b), 3);
    double obs[6], fin[6], rew[3], act[3] = {0, 1, 0};
    unsigned char term[3], trunc[3];
    ck_assert_int_eq(rl_env_batch_reset(b, 5, obs), RL_OK);
    for (int i = 0; i < 6; i++) fin[i] = -99;
    /* Env 0 and 2 terminate after 10 steps, env 1 (action 1) after 11. */
    for (int t = 1; t <= 11; t++) {
        ck_assert_int_eq(rl_env_batch_step(b, act, obs, rew, term, trunc, fin), RL_OK);
        ck_assert_int_eq(term[0], t == 10);
        ck_assert_int_eq(term[1], t == 11);
        ck_assert_int_eq(trunc[0] | trunc[1] | trunc[2], 0);
        if (t == 10) {
            /* Reset observation in obs, last one in final_obs. */
            ck_assert_double_eq(obs[0], 0);
            ck_assert_double_eq(fin[0], 0);
            ck_assert(fin[1] >= 0 && fin[1] <= 4);
            ck_assert_double_eq(fin[2], -99); /* env 1 untouched */
        }
    }
    ck_assert_double_eq(fin[2], 1); /* env 1's last observation: its action */
    rl_episode_stats s;
    rl_env_batch_take_stats(b, &s);
    ck_assert_uint_eq(s.episodes, 3);
    ck_assert_double_eq(s.return_sum, 10 + 11 + 10);
    ck_assert_double_eq(s.length_sum, 31);
    ck_assert_double_eq(s.return_min, 10);
    ck_assert_double_eq(s.return_max, 11);
    rl_env_batch_take_stats(b, &s);
    ck_assert_uint_eq(s.episodes, 0);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

/* The window of the last 100 episodes: empty (NaN) before the first ends,
 * untouched by rl_env_batch_take_stats, then exactly the mean of the last
 * 100 episodes' returns and lengths, worked out here from the steps. */
START_TEST(test_batch_recent_episodes)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[toy]\nfail_at = 0\n", "toy.ini"), RL_OK);
    rl_env_batch *b = rl_env_batch_alloc(&toy_type, cfg, 3, NULL);
    ck_assert_ptr_nonnull(b);
    double obs[6], rew[3], act[3] = {0, 1, 0}, mr, ml;
    unsigned char term[3], trunc[3];
    ck_assert_int_eq(rl_env_batch_reset(b, 5, obs), RL_OK);
    ck_assert_uint_eq(rl_env_batch_recent(b, &mr, &ml), 0);
    ck_assert(isnan(mr) && isnan(ml));
    double ret[3] = {0, 0, 0}, len[3] = {0, 0, 0}, ends_r[400], ends_l[400];
    size_t nends = 0;
    for (int t = 1; t <= 1200; t++) {
        ck_assert_int_eq(rl_env_batch_step(b, act, obs, rew, term, trunc, NULL), RL_OK);
        for (int i = 0; i < 3; i++) {
            ret[i] += rew[i], len[i] += 1;
            if (term[i] || trunc[i]) {
                ck_assert_uint_lt(nends, 400);
                ends_r[nends] = ret[i], ends_l[nends++] = len[i];
                ret[i] = len[i] = 0;
            }
        }
        if (t == 11) {
            rl_episode_stats s;
            rl_env_batch_take_stats(b, &s);
            ck_assert_uint_eq(rl_env_batch_recent(b, &mr, &ml), 3);
            ck_assert_double_eq_tol(mr, 31.0 / 3, 1e-12);
            ck_assert_double_eq_tol(ml, 31.0 / 3, 1e-12);
        }
    }
    ck_assert_uint_gt(nends, 100);
    double sr = 0, sl = 0;
    for (size_t k = nends - 100; k < nends; k++) sr += ends_r[k], sl += ends_l[k];
    ck_assert_uint_eq(rl_env_batch_recent(b, &mr, &ml), 100);
    ck_assert_double_eq_tol(mr, sr / 100, 1e-9);
    ck_assert_double_eq_tol(ml, sl / 100, 1e-9);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_batch_seeds_instances_apart)
{
    /* Instance i is seeded with seed + i: instance 1 of seed 5 equals a
     * single instance seeded with 6. */
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[toy]\nfail_at = 0\n", "toy.ini"), RL_OK);
    rl_env_batch *b = rl_env_batch_alloc(&toy_type, cfg, 2, NULL);
    rl_env *one = rl_env_alloc(&toy_type, cfg, NULL);
    double obs[4], o1[2], rew[2], act[2] = {0, 0};
    unsigned char term[2], trunc[2];
    rl_env_batch_reset(b, 5, obs);
    rl_env_reset_seeded(one, 6, o1);
    int differ = 0;
    for (int t = 0; t < 9; t++) {
        rl_step st;
        rl_env_batch_step(b, act, obs, rew, term, trunc, NULL);
        rl_env_step(one, &act[1], o1, &st);
        ck_assert_double_eq(obs[3], o1[1]);
        differ |= obs[1] != obs[3];
    }
    ck_assert(differ);
    rl_env_free(one);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_batch_reports_failures)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[toy]\nhow = 0\n", "toy.ini"), RL_OK);
    rl_env_batch *b = rl_env_batch_alloc(&toy_type, cfg, 2, NULL);
    double obs[4], rew[2], act[2] = {0, 0};
    unsigned char term[2], trunc[2];
    rl_env_batch_reset(b, 1, obs);
    rl_env_batch_step(b, act, obs, rew, term, trunc, NULL);
    rl_env_batch_step(b, act, obs, rew, term, trunc, NULL);
    ck_assert_int_eq(rl_env_batch_step(b, act, obs, rew, term, trunc, NULL), RL_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(rl_env_batch_errmsg(b), "non-finite reward"));
    ck_assert_ptr_null(rl_env_batch_alloc(&toy_type, cfg, 0, NULL));
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_trace_rows)
{
    const rl_env_type *t = rl_registry_find_env(reg, "cliffwalking");
    rl_env *env = rl_env_alloc(t, NULL, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rl_env_trace_header(env, f);
    rl_env_set_trace(env, f, 3);
    double obs, up = 0, right = 1;
    rl_step st;
    rl_env_reset_seeded(env, 0, &obs);
    rl_env_step(env, &up, &obs, &st);
    rl_env_step(env, &right, &obs, &st);
    fclose(f);
    ck_assert_str_eq(buf, "env,episode,step,obs_0,action_0,reward,terminated,truncated\n"
                          "3,1,1,36,0,-1,0,0\n"
                          "3,1,2,24,1,-1,0,0\n");
    free(buf);
    rl_env_free(env);
}
END_TEST

static Suite *env_suite(void)
{
    Suite *s = suite_create("env");
    TCase *tc = tcase_create("conformance");
    tcase_add_checked_fixture(tc, load_registry, free_registry);
    tcase_add_test(tc, test_conformance);
    tcase_add_test(tc, test_step_without_reset);
    tcase_add_test(tc, test_time_limit_truncates);
    tcase_add_test(tc, test_trace_rows);
    suite_add_tcase(s, tc);
    tc = tcase_create("core");
    tcase_add_test(tc, test_non_finite_reward_is_an_error);
    tcase_add_test(tc, test_non_finite_obs_is_an_error);
    tcase_add_test(tc, test_plugin_error_is_passed_on);
    tcase_add_test(tc, test_bad_config_value_fails_alloc);
    tcase_add_test(tc, test_batch_autoreset_and_final_obs);
    tcase_add_test(tc, test_batch_recent_episodes);
    tcase_add_test(tc, test_batch_seeds_instances_apart);
    tcase_add_test(tc, test_batch_reports_failures);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(env_suite)
