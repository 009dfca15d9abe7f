/* The classic plugin's dynamics against the textbook definitions:
 * CliffWalking (Sutton & Barto Example 6.6) and FrozenLake (Gymnasium's
 * FrozenLake-v1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "testutil.h"

static rl_registry *reg;

static void setup(void) { reg = rl_test_registry("classic"); }
static void teardown(void) { rl_registry_free(reg); }

static rl_env *make(const char *name, const char *ini, rl_config **cfg)
{
    return rl_test_make_env(reg, name, ini, cfg);
}

enum { UP, RIGHT, DOWN, LEFT };

START_TEST(test_cliff_optimal_path)
{
    rl_config *cfg;
    rl_env *env = make("cliffwalking", "", &cfg);
    ck_assert_int_eq(rl_env_observation_space(env)->n, 48);
    ck_assert_int_eq(rl_env_action_space(env)->n, 4);
    double obs, a;
    rl_step st;
    ck_assert_int_eq(rl_env_reset_seeded(env, 0, &obs), RL_OK);
    ck_assert_double_eq(obs, 36);
    double ret = 0;
    int expect_pos[13] = {24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 47};
    for (int t = 0; t < 13; t++) {
        a = t == 0 ? UP : t == 12 ? DOWN : RIGHT;
        ck_assert_int_eq(rl_env_step(env, &a, &obs, &st), RL_OK);
        ck_assert_double_eq(obs, expect_pos[t]);
        ck_assert_double_eq(st.reward, -1);
        ck_assert_int_eq(st.terminated, t == 12);
        ret += st.reward;
    }
    ck_assert_double_eq(ret, -13);
    double m;
    rl_env_metrics(env, &m);
    ck_assert_double_eq(m, 0);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_cliff_fall_and_walls)
{
    rl_config *cfg;
    rl_env *env = make("cliffwalking", "", &cfg);
    double obs, a;
    rl_step st;
    rl_env_reset_seeded(env, 0, &obs);
    /* Left and down from the start: walls, the agent stays, -1 each. */
    a = LEFT;
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, 36);
    ck_assert_double_eq(st.reward, -1);
    a = DOWN;
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, 36);
    /* Right from the start is the cliff: -100, back to the start, going on. */
    a = RIGHT;
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, 36);
    ck_assert_double_eq(st.reward, -100);
    ck_assert_int_eq(st.terminated, 0);
    /* Up to row 0, then up again: the top wall. */
    a = UP;
    for (int i = 0; i < 4; i++) rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, 0);
    /* Down from row 2, column 5 falls into the cliff. */
    a = RIGHT;
    for (int i = 0; i < 5; i++) rl_env_step(env, &a, &obs, &st);
    a = DOWN;
    rl_env_step(env, &a, &obs, &st);
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, 29);
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, 36);
    ck_assert_double_eq(st.reward, -100);
    /* Finish by the safe path to read the episode's fall count. */
    a = UP;
    rl_env_step(env, &a, &obs, &st);
    a = RIGHT;
    for (int i = 0; i < 11; i++) rl_env_step(env, &a, &obs, &st);
    a = DOWN;
    rl_env_step(env, &a, &obs, &st);
    ck_assert_int_eq(st.terminated, 1);
    double m;
    rl_env_metrics(env, &m);
    ck_assert_double_eq(m, 2);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_lake_not_slippery)
{
    rl_config *cfg;
    rl_env *env = make("frozenlake", "[frozenlake]\nis_slippery = false\n", &cfg);
    ck_assert_int_eq(rl_env_observation_space(env)->n, 16);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 100);
    /* 0 left, 1 down, 2 right, 3 up: D D R R D R reaches G (15). */
    int path[6] = {1, 1, 2, 2, 1, 2}, pos[6] = {4, 8, 9, 10, 14, 15};
    double obs, a;
    rl_step st;
    rl_env_reset_seeded(env, 0, &obs);
    for (int t = 0; t < 6; t++) {
        a = path[t];
        rl_env_step(env, &a, &obs, &st);
        ck_assert_double_eq(obs, pos[t]);
        ck_assert_double_eq(st.reward, t == 5 ? 1 : 0);
        ck_assert_int_eq(st.terminated, t == 5);
    }
    double m;
    rl_env_metrics(env, &m);
    ck_assert_double_eq(m, 1);
    /* Right then down falls into the hole at 5: terminated, reward 0. */
    rl_env_reset(env, &obs);
    a = 2;
    rl_env_step(env, &a, &obs, &st);
    a = 1;
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, 5);
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_double_eq(st.reward, 0);
    rl_env_metrics(env, &m);
    ck_assert_double_eq(m, 0);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_lake_slippery_frequencies)
{
    /* From the start (cell 0), action down (1) moves down to 4, left into
     * the wall (staying on 0) or right to 1, each with probability 1/3. */
    rl_config *cfg;
    rl_env *env = make("frozenlake", "", &cfg);
    int count[16] = {0};
    const int n = 30000;
    double obs, a = 1;
    rl_step st;
    rl_env_reset_seeded(env, 123, &obs);
    for (int i = 0; i < n; i++) {
        rl_env_reset(env, &obs);
        rl_env_step(env, &a, &obs, &st);
        count[(int)obs]++;
    }
    for (int c = 0; c < 16; c++) {
        if (c == 0 || c == 1 || c == 4)
            ck_assert_msg(fabs(count[c] / (double)n - 1.0 / 3) < 0.015, "cell %d: %d", c, count[c]);
        else
            ck_assert_int_eq(count[c], 0);
    }
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_lake_8x8)
{
    rl_config *cfg;
    rl_env *env = make("frozenlake", "[frozenlake]\nmap = 8x8\n", &cfg);
    ck_assert_int_eq(rl_env_observation_space(env)->n, 64);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 200);
    rl_env_free(env);
    rl_config_free(cfg);
    env = make("frozenlake", "[frozenlake]\nmap = 8x8\nmax_episode_steps = 7\n", &cfg);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 7);
    rl_env_free(env);
    rl_config_free(cfg);
    /* -1, as a resolved config.ini writes it, means the map's default. */
    env = make("frozenlake", "[frozenlake]\nmap = 8x8\nmax_episode_steps = -1\n", &cfg);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 200);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_lake_bad_map)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[frozenlake]\nmap = 5x5\n", "lake.ini"), RL_OK);
    rl_error err = {0};
    ck_assert_ptr_null(rl_env_alloc(rl_registry_find_env(reg, "frozenlake"), cfg, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "lake.ini:2"));
    ck_assert_ptr_nonnull(strstr(err.msg, "5x5"));
    rl_config_free(cfg);
}
END_TEST

static Suite *classic_suite(void)
{
    Suite *s = suite_create("classic");
    TCase *tc = tcase_create("dynamics");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cliff_optimal_path);
    tcase_add_test(tc, test_cliff_fall_and_walls);
    tcase_add_test(tc, test_lake_not_slippery);
    tcase_add_test(tc, test_lake_slippery_frequencies);
    tcase_add_test(tc, test_lake_8x8);
    tcase_add_test(tc, test_lake_bad_map);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(classic_suite)
