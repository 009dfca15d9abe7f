/* Reward functions in Python for the deepracer environment
 * (plugins/deepracer/pyreward.c): the built-in presets and the AWS
 * examples they come from give bit-identical rewards; every parameter's
 * value is the C parameter's; the params dict has the keys and types of
 * doc/deepracer.md's table; errors at load and at a step; module state per
 * instance. Without CPython, the one-line message.
 *
 * The plugin's sources are compiled in, so the test reads the C
 * parameters from the environment's state. Runs on the project's
 * technical track with random actions (training starts, resets). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <rl/rl.h>

#include "deepracer.h"
#include "pyreward.h"
#include "testutil.h"

enum { STEPS = 600 };

static void src_path(char *buf, size_t len, const char *rel)
{
    snprintf(buf, len, "%s/%s", rl_test_srcdir(), rel);
}

typedef struct run {
    rl_config *cfg;
    rl_env *env;
    dr_env *e;
    double obs[256];
    rl_pcg32 rng;
} run;

/* An environment on the technical track with the reward (and symbol, when
 * not NULL), in training mode, reset with seed 11; actions from a
 * generator seeded the same for every run. */
static int open_run(run *r, const char *reward, const char *symbol, rl_error *err)
{
    char ini[8192];
    snprintf(ini, sizeof ini, "[deepracer]\ntrack = technical\nreward_function = %s\n%s%s%s", reward,
             symbol ? "reward_symbol = " : "", symbol ? symbol : "", symbol ? "\n" : "");
    r->cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(r->cfg, ini, "test.ini"), RL_OK);
    r->env = rl_env_alloc(&rl_deepracer_env, r->cfg, err);
    if (!r->env) {
        rl_config_free(r->cfg);
        return err->code;
    }
    ck_assert_int_eq(rl_env_reset_seeded(r->env, 11, r->obs), RL_OK);
    r->e = rl_env_state(r->env);
    rl_pcg32_seed(&r->rng, 5, 6);
    return RL_OK;
}

static void open_ok(run *r, const char *reward, const char *symbol)
{
    rl_error err = {0};
    ck_assert_msg(open_run(r, reward, symbol, &err) == RL_OK, "%s", err.msg);
}

static void close_run(run *r)
{
    rl_env_free(r->env);
    rl_config_free(r->cfg);
}

/* One step with a random action; a new episode after the last. */
static int step(run *r, rl_step *out)
{
    double a = (double)rl_pcg32_bounded(&r->rng, (uint32_t)r->e->nactions);
    int rc = rl_env_step(r->env, &a, r->obs, out);
    if (rc == RL_OK && (out->terminated || out->truncated))
        ck_assert_int_eq(rl_env_reset(r->env, r->obs), RL_OK);
    return rc;
}

/* The presets are the AWS examples: the same rewards, bit for bit. */
START_TEST(test_presets_are_the_aws_examples)
{
    static const char *const pairs[][2] = {
        {"follow_centerline", "examples/reward/follow_center_line.py"},
        {"stay_inside_borders", "examples/reward/stay_inside_borders.py"},
        {"prevent_zigzag", "examples/reward/prevent_zigzag.py"},
    };
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        char path[4096];
        src_path(path, sizeof path, pairs[k][1]);
        run c, py;
        open_ok(&c, pairs[k][0], NULL);
        open_ok(&py, path, NULL);
        int ends = 0, distinct = 0;
        double last = -1;
        for (int i = 0; i < STEPS; i++) {
            rl_step a, b;
            ck_assert_int_eq(step(&c, &a), RL_OK);
            ck_assert_msg(step(&py, &b) == RL_OK, "%s", rl_env_errmsg(py.env));
            ck_assert_msg(memcmp(&a.reward, &b.reward, sizeof a.reward) == 0,
                          "%s step %d: C %.17g, Python %.17g", pairs[k][0], i, a.reward, b.reward);
            ck_assert_int_eq(a.terminated, b.terminated);
            ends += a.terminated;
            distinct += a.reward != last;
            last = a.reward;
        }
        /* Random actions leave the road: both branches were taken. */
        ck_assert_int_gt(ends, 3);
        ck_assert_int_gt(distinct, 3);
        close_run(&c);
        close_run(&py);
    }
}
END_TEST

/* Every parameter's value in Python is the C parameter's. */
START_TEST(test_values_are_the_c_parameters)
{
    static const char *const keys[] = {
        "all_wheels_on_track", "x", "y", "heading", "distance_from_center",
        "projection_distance", "progress", "steps", "speed", "steering_angle",
        "track_width", "track_length", "is_left_of_center", "is_reversed", "is_crashed",
        "is_offtrack", "sim_time", "closest_prev", "closest_next", "waypoints"};
    char path[4096];
    src_path(path, sizeof path, "tests/pyreward/echo.py");
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        char symbol[64];
        snprintf(symbol, sizeof symbol, "echo_%s", keys[k]);
        run r;
        open_ok(&r, path, symbol);
        for (int i = 0; i < 300; i++) {
            rl_step out;
            const dr_env *e = r.e;
            const rl_deepracer_params *p = &e->p;
            ck_assert_msg(step(&r, &out) == RL_OK, "%s", rl_env_errmsg(r.env));
            /* After an episode's last step the reset has moved the car
             * on, and a prepare (or pause) step calls no reward function:
             * compare the other steps. */
            if (out.terminated || out.truncated || e->status == DR_PREPARE ||
                e->status == DR_PAUSE)
                continue;
            double want = 0;
            switch (k) {
            case 0: want = p->all_wheels_on_track; break;
            case 1: want = p->x; break;
            case 2: want = p->y; break;
            case 3: want = p->heading; break;
            case 4: want = p->distance_from_center; break;
            case 5: want = p->projection_distance; break;
            case 6: want = p->progress; break;
            case 7: want = p->steps; break;
            case 8: want = p->speed; break;
            case 9: want = p->steering_angle; break;
            case 10: want = p->track_width; break;
            case 11: want = p->track_length; break;
            case 12: want = p->is_left_of_center; break;
            case 13: want = p->is_reversed; break;
            case 14: want = p->is_crashed; break;
            case 15: want = p->is_offtrack; break;
            case 16: want = (double)e->clock * DR_DT; break;
            case 17: want = p->closest_waypoints[0]; break;
            case 18: want = p->closest_waypoints[1]; break;
            case 19: {
                double s = 0.0;
                for (int w = 0; w < p->num_waypoints; w++)
                    s += p->waypoints[w][0] * (w % 7) + p->waypoints[w][1] * (w % 5);
                want = s + p->num_waypoints;
                break;
            }
            }
            ck_assert_msg(memcmp(&want, &out.reward, sizeof want) == 0,
                          "%s at step %d: C %.17g, Python %.17g", keys[k], i, want, out.reward);
        }
        close_run(&r);
    }
}
END_TEST

/* The dict's keys and types are those of doc/deepracer.md's table
 * (check_params.py reads it and raises on any difference). */
START_TEST(test_keys_and_types_are_the_docs)
{
    char path[4096];
    src_path(path, sizeof path, "tests/pyreward/check_params.py");
    run r;
    open_ok(&r, path, NULL);
    for (int i = 0; i < STEPS; i++) {
        rl_step out;
        ck_assert_msg(step(&r, &out) == RL_OK, "%s", rl_env_errmsg(r.env));
    }
    close_run(&r);
}
END_TEST

static void open_fails(const char *reward, int code, const char *part1, const char *part2)
{
    run r;
    rl_error err = {0};
    ck_assert_int_eq(open_run(&r, reward, NULL, &err), code);
    ck_assert_msg(strstr(err.msg, part1) && strstr(err.msg, part2), "message: %s", err.msg);
}

START_TEST(test_errors)
{
    char path[4096];
    src_path(path, sizeof path, "tests/pyreward/syntax_error.py");
    open_fails(path, RL_EFORMAT, "test.ini:3", "syntax_error.py:4:28: SyntaxError: invalid syntax");
    src_path(path, sizeof path, "tests/pyreward/no_function.py");
    open_fails(path, RL_ENOTFOUND, "no_function.py", "defines no function 'reward_function'");
    src_path(path, sizeof path, "tests/pyreward/raise_on_load.py");
    open_fails(path, RL_EFORMAT, "failed while it loaded: ValueError: math domain error",
               "raise_on_load.py:4 in <module>");
    open_fails("/nonexistent/reward.py", RL_ENOTFOUND, "no reward function file",
               "/nonexistent/reward.py");
    /* A file that is neither Python nor a module. */
    src_path(path, sizeof path, "examples/reward/README.md");
    open_fails(path, RL_EFORMAT, "is a text file, not a reward module",
               "a Python file (.py), a libtool module (.la) or a shared object (.so)");

    /* An exception at step 5: the file, the frames, the step, the
     * parameters. */
    src_path(path, sizeof path, "tests/pyreward/raise_at_step5.py");
    run r;
    open_ok(&r, path, NULL);
    double a = 4; /* straight on at 1 m/s */
    rl_step out;
    for (int i = 0; i < 4; i++) ck_assert_int_eq(rl_env_step(r.env, &a, r.obs, &out), RL_OK);
    ck_assert_int_eq(rl_env_step(r.env, &a, r.obs, &out), RL_EPLUGIN);
    const char *msg = rl_env_errmsg(r.env);
    ck_assert_msg(strstr(msg, "raise_at_step5.py' raised RuntimeError: the fifth step") &&
                      strstr(msg, "raise_at_step5.py:7") &&
                      strstr(msg, " at step 5; parameters: x "),
                  "%s", msg);
    /* The whole traceback and line fit when messages may be long enough
     * (the parameters alone take about 330 bytes). */
    if (RL_ERRMSG_SIZE >= 1024)
        ck_assert_msg(strstr(msg, "(traceback: raise_at_step5.py:12 in reward_function > "
                                  "raise_at_step5.py:7 in check) at step 5;") &&
                          strstr(msg, "steps 5"),
                      "%s", msg);
    close_run(&r);

    /* A value that is not a number. */
    src_path(path, sizeof path, "tests/pyreward/returns_str.py");
    open_ok(&r, path, NULL);
    for (int i = 0; i < 2; i++) ck_assert_int_eq(rl_env_step(r.env, &a, r.obs, &out), RL_OK);
    ck_assert_int_eq(rl_env_step(r.env, &a, r.obs, &out), RL_EPLUGIN);
    ck_assert_msg(strstr(rl_env_errmsg(r.env),
                         "returns_str.py' returned a str, not a number (int, float or bool) at "
                         "step 3"),
                  "%s", rl_env_errmsg(r.env));
    close_run(&r);
}
END_TEST

/* Two instances of one file: their module state is their own (the file
 * raises when its steps do not follow each other), extension modules of
 * the standard library load, a helper beside the file imports. */
START_TEST(test_instances_and_imports)
{
    char path[4096];
    src_path(path, sizeof path, "tests/pyreward/stdlib_and_helper.py");
    run a, b;
    open_ok(&a, path, NULL);
    open_ok(&b, path, NULL);
    for (int i = 0; i < STEPS; i++) {
        rl_step out;
        ck_assert_msg(step(&a, &out) == RL_OK, "%s", rl_env_errmsg(a.env));
        ck_assert_msg(step(&b, &out) == RL_OK, "%s", rl_env_errmsg(b.env));
    }
    close_run(&a);
    close_run(&b);
}
END_TEST

START_TEST(test_without_python)
{
    /* Only meaningful in a build without CPython. */
    run r;
    rl_error err = {0};
    ck_assert_int_eq(open_run(&r, "examples/reward/follow_center_line.py", NULL, &err), RL_EINVAL);
    ck_assert_msg(strstr(err.msg, "this librl was built without Python: install python3-dev and "
                                  "rebuild (./configure reports 'CPython embed: yes')"),
                  "%s", err.msg);
}
END_TEST

static Suite *pyreward_suite(void)
{
    Suite *s = suite_create("pyreward");
    TCase *tc = tcase_create("pyreward");
    tcase_set_timeout(tc, 600);
    if (dr_pyreward_available()) {
        tcase_add_test(tc, test_presets_are_the_aws_examples);
        tcase_add_test(tc, test_values_are_the_c_parameters);
        tcase_add_test(tc, test_keys_and_types_are_the_docs);
        tcase_add_test(tc, test_errors);
        tcase_add_test(tc, test_instances_and_imports);
    } else {
        tcase_add_test(tc, test_without_python);
    }
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(pyreward_suite)
