/* The classic plugin's Gymnasium control tasks against Gymnasium's own
 * equations: CartPole-v1 (gymnasium/envs/classic_control/cartpole.py) and
 * Pendulum-v1 (pendulum.py), each transcribed below from the Python, and the
 * save/load slots of every classic environment.
 *
 * The tests put an environment in an exact state through its load slot (the
 * saved layout is part of each type's documented contract: a u32 layout
 * version, then the state as f64), step it, and compare every observation,
 * reward, flag and the saved state with the transcription, exactly: the
 * plugin promises Gymnasium's arithmetic, rounding included. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "testutil.h"

/* Keep the transcriptions' roundings those of the Python: no fused
 * multiply-add (GCC's ISO C mode never contracts; clang does by default). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static rl_registry *reg;

static void setup(void) { reg = rl_test_registry("classic"); }
static void teardown(void) { rl_registry_free(reg); }

static rl_env *make(const char *name, const char *ini, rl_config **cfg)
{
    return rl_test_make_env(reg, name, ini, cfg);
}

static void unmake(rl_env *env, rl_config *cfg)
{
    rl_env_free(env);
    rl_config_free(cfg);
}

/* ---- save/load helpers -------------------------------------------------- */

static void save_env(rl_env *env, rl_writer *w)
{
    rl_error err = {0};
    const rl_env_type *t = rl_env_get_type(env);
    ck_assert_ptr_nonnull(t->save);
    ck_assert_int_eq(t->save(rl_env_state(env), w, &err), RL_OK);
    ck_assert(!w->failed);
}

/* Load len bytes; a successful load must consume them all. */
static int load_env(rl_env *env, const unsigned char *data, size_t len, rl_error *err)
{
    const rl_env_type *t = rl_env_get_type(env);
    ck_assert_ptr_nonnull(t->load);
    rl_reader r = {data, len, 0, 0};
    int rc = t->load(rl_env_state(env), &r, err);
    if (rc == RL_OK)
        ck_assert_uint_eq(r.pos, len);
    else
        ck_assert(r.failed);
    return rc;
}

/* Put a cartpole or pendulum in the state s (n values). */
static void set_state(rl_env *env, const double *s, size_t n)
{
    rl_writer w = {0};
    rl_write_u32(&w, 1);
    rl_write_f64_array(&w, s, n);
    rl_error err = {0};
    ck_assert_msg(load_env(env, w.data, w.len, &err) == RL_OK, "%s", err.msg);
    rl_writer_free(&w);
}

/* Read a cartpole's or pendulum's state (n values) back. */
static void get_state(rl_env *env, double *s, size_t n)
{
    rl_writer w = {0};
    save_env(env, &w);
    rl_reader r = {w.data, w.len, 0, 0};
    uint32_t layout = 0;
    rl_read_u32(&r, &layout);
    ck_assert_uint_eq(layout, 1);
    rl_read_f64_array(&r, s, n);
    ck_assert(!r.failed);
    ck_assert_uint_eq(r.pos, r.len);
    rl_writer_free(&w);
}

/* get_state without Check's assertions, for loops of thousands: in fork
 * mode each assertion reports its place to the parent through a pipe,
 * which under valgrind costs more than the test. 0 when anything is off. */
static int peek_state(rl_env *env, double *s, size_t n)
{
    rl_writer w = {0};
    rl_error err = {0};
    int ok = rl_env_get_type(env)->save(rl_env_state(env), &w, &err) == RL_OK && !w.failed;
    rl_reader r = {w.data, w.len, 0, 0};
    uint32_t layout = 0;
    rl_read_u32(&r, &layout);
    rl_read_f64_array(&r, s, n);
    ok = ok && layout == 1 && !r.failed && r.pos == r.len;
    rl_writer_free(&w);
    return ok;
}

/* Gymnasium returns np.float32 observations. */
static double f32(double v)
{
    float f = (float)v;
    return f;
}

/* ---- CartPole-v1, transcribed ------------------------------------------- */

typedef struct cp {
    double x, x_dot, theta, theta_dot;
} cp;

static double cp_theta_threshold(void) { return 12 * 2 * acos(-1.0) / 360; }

/* CartPoleEnv.step: advance s, return `terminated`. */
static int cp_step(cp *s, int action, int semi_implicit)
{
    const double gravity = 9.8, masscart = 1.0, masspole = 0.1;
    const double total_mass = masspole + masscart;
    const double length = 0.5, polemass_length = masspole * length;
    const double force_mag = 10.0, tau = 0.02, x_threshold = 2.4;
    const double theta_threshold_radians = cp_theta_threshold();

    double x = s->x, x_dot = s->x_dot, theta = s->theta, theta_dot = s->theta_dot;
    double force = action == 1 ? force_mag : -force_mag;
    double costheta = cos(theta);
    double sintheta = sin(theta);
    double temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass;
    double thetaacc = (gravity * sintheta - costheta * temp) /
                      (length * (4.0 / 3.0 - masspole * (costheta * costheta) / total_mass));
    double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
    if (!semi_implicit) {
        x = x + tau * x_dot;
        x_dot = x_dot + tau * xacc;
        theta = theta + tau * theta_dot;
        theta_dot = theta_dot + tau * thetaacc;
    } else {
        x_dot = x_dot + tau * xacc;
        x = x + tau * x_dot;
        theta_dot = theta_dot + tau * thetaacc;
        theta = theta + tau * theta_dot;
    }
    s->x = x, s->x_dot = x_dot, s->theta = theta, s->theta_dot = theta_dot;
    return x < -x_threshold || x > x_threshold || theta < -theta_threshold_radians ||
           theta > theta_threshold_radians;
}

enum { POLICY_PATTERN, POLICY_BALANCE, POLICY_LEFT };

static int cp_action(int policy, int t, const double *obs)
{
    switch (policy) {
    case POLICY_PATTERN: return (int)((0x5a3c96e1u >> (t % 32)) & 1u);
    case POLICY_BALANCE: return obs[2] + 0.5 * obs[3] > 0;
    default: return 0;
    }
}

/* Drive env from state s0 with a policy for at most max_steps steps,
 * comparing everything with the transcription. Returns the step (1-based)
 * at which the episode terminated, 0 if it did not; *end receives the
 * reference's final state. */
static int cp_run(rl_env *env, cp s0, int policy, int max_steps, int semi_implicit,
                  int sutton_barto, cp *end)
{
    double obs[4], a, st_now[4];
    rl_step st;
    ck_assert_int_eq(rl_env_reset_seeded(env, 1, obs), RL_OK);
    double s0v[4] = {s0.x, s0.x_dot, s0.theta, s0.theta_dot};
    set_state(env, s0v, 4);
    for (int i = 0; i < 4; i++) obs[i] = f32(s0v[i]);
    cp ref = s0;
    for (int t = 1; t <= max_steps; t++) {
        int act = cp_action(policy, t, obs);
        a = act;
        int term = cp_step(&ref, act, semi_implicit);
        ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
        ck_assert_double_eq(obs[0], f32(ref.x));
        ck_assert_double_eq(obs[1], f32(ref.x_dot));
        ck_assert_double_eq(obs[2], f32(ref.theta));
        ck_assert_double_eq(obs[3], f32(ref.theta_dot));
        get_state(env, st_now, 4);
        ck_assert_double_eq(st_now[0], ref.x);
        ck_assert_double_eq(st_now[1], ref.x_dot);
        ck_assert_double_eq(st_now[2], ref.theta);
        ck_assert_double_eq(st_now[3], ref.theta_dot);
        ck_assert_int_eq(st.terminated, term);
        ck_assert_int_eq(st.truncated, 0);
        if (sutton_barto)
            ck_assert_double_eq(st.reward, term ? -1.0 : 0.0);
        else
            ck_assert_double_eq(st.reward, 1.0);
        if (term) {
            /* The episode is over: the core refuses another step. */
            ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EINVAL);
            *end = ref;
            return t;
        }
    }
    *end = ref;
    return 0;
}

START_TEST(test_cartpole_spaces)
{
    rl_config *cfg;
    rl_env *env = make("cartpole", "", &cfg);
    const rl_space *os = rl_env_observation_space(env), *as = rl_env_action_space(env);
    ck_assert_int_eq(os->kind, RL_SPACE_BOX);
    ck_assert_uint_eq(os->size, 4);
    ck_assert_uint_eq(os->ndim, 1);
    /* Gymnasium's float32 bounds: twice the thresholds, FLT_MAX for the
     * velocities. */
    const double high[4] = {f32(4.8), FLT_MAX, f32(2 * cp_theta_threshold()), FLT_MAX};
    for (int i = 0; i < 4; i++) {
        ck_assert_double_eq(os->high[i], high[i]);
        ck_assert_double_eq(os->low[i], -high[i]);
    }
    ck_assert_double_eq_tol(os->high[2], 0.418879, 1e-6);
    ck_assert_int_eq(as->kind, RL_SPACE_DISCRETE);
    ck_assert_int_eq(as->n, 2);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 500);
    double obs[4], a = 2;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EINVAL);
    a = 0.5;
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EINVAL);
    ck_assert_int_eq(rl_env_episode_steps(env), 0);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_pattern)
{
    /* A fixed action pattern from a fixed state, for as long as the pole
     * stays up (at most 40 steps). */
    rl_config *cfg;
    rl_env *env = make("cartpole", "", &cfg);
    cp end;
    int t = cp_run(env, (cp){0.01, -0.02, 0.03, 0.015}, POLICY_PATTERN, 40, 0, 0, &end);
    ck_assert_msg(t == 0 || t > 10, "fell at step %d", t);
    /* And from a state reset drew, as training sees them. */
    double obs[4], s[4];
    rl_env_reset_seeded(env, 2024, obs);
    get_state(env, s, 4);
    cp_run(env, (cp){s[0], s[1], s[2], s[3]}, POLICY_PATTERN, 40, 0, 0, &end);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_balance)
{
    /* A simple controller keeps the pole up: 300 steps without
     * termination, every one checked. */
    rl_config *cfg;
    rl_env *env = make("cartpole", "", &cfg);
    cp end;
    ck_assert_int_eq(cp_run(env, (cp){-0.04, 0.03, -0.02, 0.04}, POLICY_BALANCE, 300, 0, 0, &end),
                     0);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_falls_by_angle)
{
    /* Pushing left all the time tips the pole right past 12 degrees long
     * before the cart leaves the track. */
    rl_config *cfg;
    rl_env *env = make("cartpole", "", &cfg);
    cp end;
    int t = cp_run(env, (cp){0.0, 0.0, 0.01, 0.0}, POLICY_LEFT, 100, 0, 0, &end);
    ck_assert_int_gt(t, 1);
    ck_assert(end.theta > cp_theta_threshold());
    ck_assert(fabs(end.x) <= 2.4);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_falls_by_position)
{
    /* A cart running fast near either end leaves the track with the pole
     * still up. */
    rl_config *cfg;
    rl_env *env = make("cartpole", "", &cfg);
    cp end;
    int t = cp_run(env, (cp){2.3, 1.5, 0.0, 0.0}, POLICY_BALANCE, 100, 0, 0, &end);
    ck_assert_int_gt(t, 1);
    ck_assert(end.x > 2.4);
    ck_assert(fabs(end.theta) <= cp_theta_threshold());
    t = cp_run(env, (cp){-2.3, -1.5, 0.0, 0.0}, POLICY_BALANCE, 100, 0, 0, &end);
    ck_assert_int_gt(t, 1);
    ck_assert(end.x < -2.4);
    ck_assert(fabs(end.theta) <= cp_theta_threshold());
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_threshold_is_strict)
{
    /* Gymnasium terminates on x > 2.4 and theta > 12 degrees, strictly:
     * states exactly on the thresholds that stay there (no velocity, so
     * Euler leaves the positions as they were) go on. */
    rl_config *cfg;
    rl_env *env = make("cartpole", "", &cfg);
    double thr = cp_theta_threshold(), s[4], obs[4], a = 1;
    rl_step st;
    const double states[4][4] = {
        {2.4, 0, 0, 0}, {-2.4, 0, 0, 0}, {0, 0, thr, 0}, {0, 0, -thr, 0}};
    for (int k = 0; k < 4; k++) {
        rl_env_reset_seeded(env, 0, obs);
        set_state(env, states[k], 4);
        ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
        get_state(env, s, 4);
        ck_assert_double_eq(s[0], states[k][0]);
        ck_assert_double_eq(s[2], states[k][2]);
        ck_assert_int_eq(st.terminated, 0);
    }
    /* The next step moves off the threshold, outwards or inwards, as the
     * transcription says. */
    cp ref = {0, 0, thr, 0}, end;
    cp_step(&ref, 0, 0);
    int t = cp_run(env, ref, POLICY_LEFT, 1, 0, 0, &end);
    ck_assert_int_eq(t, 1);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_semi_implicit)
{
    rl_config *cfg;
    rl_env *env = make("cartpole", "[cartpole]\nintegrator = semi_implicit\n", &cfg);
    cp end;
    cp_run(env, (cp){0.01, -0.02, 0.03, 0.015}, POLICY_PATTERN, 40, 1, 0, &end);
    ck_assert_int_eq(cp_run(env, (cp){0.0, 0.0, -0.01, 0.0}, POLICY_BALANCE, 200, 1, 0, &end), 0);
    ck_assert_int_gt(cp_run(env, (cp){0.0, 0.0, 0.01, 0.0}, POLICY_LEFT, 100, 1, 0, &end), 1);
    /* The two integrators differ from the first step on. */
    cp e = {0.01, -0.02, 0.03, 0.015}, s = e;
    cp_step(&e, 1, 0);
    cp_step(&s, 1, 1);
    ck_assert(e.x != s.x && e.theta != s.theta);
    unmake(env, cfg);
    rl_config *bad = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(bad, "[cartpole]\nintegrator = rk4\n", "ci.ini"), RL_OK);
    rl_error err = {0};
    ck_assert_ptr_null(rl_env_alloc(rl_registry_find_env(reg, "cartpole"), bad, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "ci.ini:2"));
    rl_config_free(bad);
}
END_TEST

START_TEST(test_cartpole_sutton_barto_reward)
{
    rl_config *cfg;
    rl_env *env = make("cartpole", "[cartpole]\nsutton_barto_reward = true\n", &cfg);
    cp end;
    ck_assert_int_gt(cp_run(env, (cp){0.0, 0.0, 0.01, 0.0}, POLICY_LEFT, 100, 0, 1, &end), 1);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_time_limit)
{
    rl_config *cfg;
    rl_env *env = make("cartpole", "[cartpole]\nmax_episode_steps = 5\n", &cfg);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 5);
    double obs[4], a;
    rl_step st;
    rl_env_reset_seeded(env, 3, obs);
    for (int t = 1; t <= 5; t++) {
        a = t % 2;
        ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
        ck_assert_int_eq(st.terminated, 0);
        ck_assert_int_eq(st.truncated, t == 5);
        ck_assert_double_eq(st.reward, 1.0);
    }
    ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_EINVAL);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_cartpole_reset)
{
    rl_config *cfg;
    rl_env *env = make("cartpole", "", &cfg);
    double obs[4], first[4], s[4], lo[4], hi[4], sum[4] = {0};
    for (int i = 0; i < 4; i++) lo[i] = 1, hi[i] = -1;
    rl_env_reset_seeded(env, 99, first);
    const int n = 20000;
    int bad = 0;
    for (int k = 0; k < n; k++) {
        bad += rl_env_reset(env, obs) != RL_OK || !peek_state(env, s, 4);
        for (int i = 0; i < 4; i++) {
            bad += !(s[i] >= -0.05 && s[i] < 0.05) || obs[i] != f32(s[i]);
            lo[i] = fmin(lo[i], s[i]);
            hi[i] = fmax(hi[i], s[i]);
            sum[i] += s[i];
        }
    }
    ck_assert_int_eq(bad, 0);
    /* Uniform over the whole interval: the extremes come close to its ends
     * and the mean close to 0 (standard error 0.1 / sqrt(12 n) ~ 2e-4). */
    for (int i = 0; i < 4; i++) {
        ck_assert(lo[i] < -0.0499 && hi[i] > 0.0499);
        ck_assert(fabs(sum[i] / n) < 1e-3);
    }
    /* Same seed, same first observation; another seed, another one. */
    rl_env_reset_seeded(env, 99, obs);
    ck_assert_mem_eq(obs, first, sizeof obs);
    rl_env_reset_seeded(env, 100, obs);
    ck_assert(memcmp(obs, first, sizeof obs) != 0);
    unmake(env, cfg);
}
END_TEST

/* ---- Pendulum-v1, transcribed ------------------------------------------- */

static double py_mod(double a, double b)
{
    /* Python's float %: the result has the divisor's sign. */
    double m = fmod(a, b);
    if (m != 0 && (m < 0) != (b < 0)) m += b;
    return m;
}

static double angle_normalize(double x)
{
    const double pi = acos(-1.0);
    return py_mod(x + pi, 2 * pi) - pi;
}

static double np_clip(double v, double lo, double hi) { return fmin(fmax(v, lo), hi); }

/* PendulumEnv.step: advance (th, thdot), return the reward. */
static double pd_step(double *th_io, double *thdot_io, double u, double g)
{
    const double max_speed = 8, max_torque = 2.0, dt = 0.05, m = 1.0, l = 1.0;
    double th = *th_io, thdot = *thdot_io;
    u = np_clip(u, -max_torque, max_torque);
    double costs = angle_normalize(th) * angle_normalize(th) + 0.1 * (thdot * thdot) +
                   0.001 * (u * u);
    double newthdot = thdot + (3 * g / (2 * l) * sin(th) + 3.0 / (m * (l * l)) * u) * dt;
    newthdot = np_clip(newthdot, -max_speed, max_speed);
    double newth = th + newthdot * dt;
    *th_io = newth;
    *thdot_io = newthdot;
    return -costs;
}

/* Step a pendulum from (th, thdot) with the torques u[0..n), checking each
 * step against the transcription. */
static void pd_run(rl_env *env, double th, double thdot, const double *u, int n, double g)
{
    double obs[3], s0[2] = {th, thdot}, s[2];
    rl_step st;
    ck_assert_int_eq(rl_env_reset_seeded(env, 5, obs), RL_OK);
    set_state(env, s0, 2);
    for (int t = 0; t < n; t++) {
        double reward = pd_step(&th, &thdot, u[t], g);
        ck_assert_int_eq(rl_env_step(env, &u[t], obs, &st), RL_OK);
        ck_assert_double_eq(obs[0], f32(cos(th)));
        ck_assert_double_eq(obs[1], f32(sin(th)));
        ck_assert_double_eq(obs[2], f32(thdot));
        ck_assert_double_eq(st.reward, reward);
        ck_assert_int_eq(st.terminated, 0);
        ck_assert_int_eq(st.truncated, 0);
        get_state(env, s, 2);
        ck_assert_double_eq(s[0], th);
        ck_assert_double_eq(s[1], thdot);
    }
}

START_TEST(test_pendulum_spaces)
{
    rl_config *cfg;
    rl_env *env = make("pendulum", "", &cfg);
    const rl_space *os = rl_env_observation_space(env), *as = rl_env_action_space(env);
    ck_assert_int_eq(os->kind, RL_SPACE_BOX);
    ck_assert_uint_eq(os->size, 3);
    const double high[3] = {1, 1, 8};
    for (int i = 0; i < 3; i++) {
        ck_assert_double_eq(os->high[i], high[i]);
        ck_assert_double_eq(os->low[i], -high[i]);
    }
    ck_assert_int_eq(as->kind, RL_SPACE_BOX);
    ck_assert_uint_eq(as->ndim, 1);
    ck_assert_uint_eq(as->shape[0], 1);
    ck_assert_double_eq(as->low[0], -2);
    ck_assert_double_eq(as->high[0], 2);
    ck_assert_int_eq(rl_env_max_episode_steps(env), 200);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_pendulum_dynamics)
{
    rl_config *cfg;
    rl_env *env = make("pendulum", "", &cfg);
    /* Torques across the range, its ends included, from a few states. */
    double u[40];
    for (int t = 0; t < 40; t++) u[t] = t % 5 == 0 ? 2.0 : t % 7 == 0 ? -2.0 : 1.7 * sin(t * 0.9);
    pd_run(env, 0.3, -0.4, u, 40, 10.0);
    pd_run(env, -2.9, 0.9, u, 40, 10.0);
    pd_run(env, 3.0, 0.0, u, 40, 10.0);
    pd_run(env, 0.0, 0.0, u, 40, 10.0);
    unmake(env, cfg);
    /* Another gravity. */
    env = make("pendulum", "[pendulum]\ng = 9.81\n", &cfg);
    pd_run(env, 1.1, 0.2, u, 40, 9.81);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_pendulum_angle_normalize)
{
    rl_config *cfg;
    rl_env *env = make("pendulum", "", &cfg);
    const double pi = acos(-1.0);
    /* The cost uses theta wrapped into [-pi, pi), whatever the winding:
     * check the reward against a wrap computed another way (floor), then
     * step across +pi and -pi with the exact transcription. */
    const double ths[] = {pi,       -pi,           pi + 0.25,  -pi - 0.25, 3 * pi + 0.5,
                          -7.5 * pi, 100.0 * pi + 1, -31.0,     2 * pi,     -2 * pi + 0.125};
    double obs[3], u = 0.5;
    rl_step st;
    for (size_t k = 0; k < sizeof ths / sizeof ths[0]; k++) {
        double th = ths[k], thdot = 0.3, s[2] = {th, thdot};
        double wrapped = th - 2 * pi * floor((th + pi) / (2 * pi));
        ck_assert(wrapped >= -pi - 1e-9 && wrapped < pi + 1e-9);
        ck_assert_double_eq_tol(angle_normalize(th) * angle_normalize(th), wrapped * wrapped, 1e-9);
        rl_env_reset_seeded(env, 0, obs);
        set_state(env, s, 2);
        ck_assert_int_eq(rl_env_step(env, &u, obs, &st), RL_OK);
        double expect = -(wrapped * wrapped + 0.1 * thdot * thdot + 0.001 * u * u);
        ck_assert_double_eq_tol(st.reward, expect, 1e-9);
        double th2 = th, thdot2 = thdot;
        ck_assert_double_eq(st.reward, pd_step(&th2, &thdot2, u, 10.0));
    }
    /* theta = +pi and -pi both wrap to -pi: the largest angle cost. */
    ck_assert_double_eq(angle_normalize(pi), -pi);
    ck_assert_double_eq(angle_normalize(-pi), -pi);
    /* Swinging through the bottom at speed, both ways, crosses +-pi. */
    double spin[30];
    for (int t = 0; t < 30; t++) spin[t] = 2.0;
    pd_run(env, pi - 0.05, 6.0, spin, 30, 10.0);
    for (int t = 0; t < 30; t++) spin[t] = -2.0;
    pd_run(env, -pi + 0.05, -6.0, spin, 30, 10.0);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_pendulum_speed_clip)
{
    rl_config *cfg;
    rl_env *env = make("pendulum", "", &cfg);
    double obs[3], s[2], u;
    rl_step st;
    /* Gravity and torque both push past 8 rad/s: clipped to exactly 8. */
    const double start[2][2] = {{1.0, 7.9}, {-1.0, -7.9}};
    for (int k = 0; k < 2; k++) {
        double sign = k == 0 ? 1 : -1;
        rl_env_reset_seeded(env, 0, obs);
        set_state(env, start[k], 2);
        u = 2.0 * sign;
        ck_assert_int_eq(rl_env_step(env, &u, obs, &st), RL_OK);
        get_state(env, s, 2);
        ck_assert_double_eq(s[1], 8.0 * sign);
        ck_assert_double_eq(obs[2], 8.0 * sign);
        ck_assert_double_eq(s[0], start[k][0] + 8.0 * sign * 0.05);
        /* The cost is that of the state before the step (theta within
         * (-pi, pi) wraps to itself, up to rounding). */
        double th = start[k][0], thdot = start[k][1];
        ck_assert_double_eq_tol(st.reward, -(th * th + 0.1 * (thdot * thdot) + 0.001 * (u * u)),
                                1e-12);
        ck_assert_double_eq(st.reward, pd_step(&th, &thdot, u, 10.0));
    }
    double u10[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    pd_run(env, 0.5, 7.5, u10, 10, 10.0);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_pendulum_bad_torque)
{
    /* Torques outside [-2, 2] never reach the plugin: the core refuses
     * them and nothing moves. */
    rl_config *cfg;
    rl_env *env = make("pendulum", "", &cfg);
    double obs[3], before[2] = {0.7, -0.3}, after[2];
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    set_state(env, before, 2);
    const double bad[] = {2.0000001, -2.5, 1e9, NAN, INFINITY, -INFINITY};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        ck_assert_int_eq(rl_env_step(env, &bad[k], obs, &st), RL_EINVAL);
        ck_assert_ptr_nonnull(strstr(rl_env_errmsg(env), "not in the action space"));
    }
    ck_assert_int_eq(rl_env_episode_steps(env), 0);
    get_state(env, after, 2);
    ck_assert_mem_eq(after, before, sizeof before);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_pendulum_time_limit)
{
    rl_config *cfg;
    rl_env *env = make("pendulum", "", &cfg);
    double obs[3], u = 0;
    rl_step st;
    rl_env_reset_seeded(env, 8, obs);
    for (int t = 1; t <= 200; t++) {
        u = 2.0 * sin(0.1 * t);
        ck_assert_int_eq(rl_env_step(env, &u, obs, &st), RL_OK);
        ck_assert_int_eq(st.terminated, 0);
        ck_assert_int_eq(st.truncated, t == 200);
    }
    ck_assert_int_eq(rl_env_step(env, &u, obs, &st), RL_EINVAL);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_pendulum_reset)
{
    rl_config *cfg;
    rl_env *env = make("pendulum", "", &cfg);
    const double pi = acos(-1.0);
    double obs[3], first[3], s[2], lo[2] = {9, 9}, hi[2] = {-9, -9};
    rl_env_reset_seeded(env, 42, first);
    const int n = 20000;
    int bad = 0;
    for (int k = 0; k < n; k++) {
        bad += rl_env_reset(env, obs) != RL_OK || !peek_state(env, s, 2);
        bad += !(s[0] >= -pi && s[0] < pi) || !(s[1] >= -1 && s[1] < 1);
        bad += obs[0] != f32(cos(s[0])) || obs[1] != f32(sin(s[0])) || obs[2] != f32(s[1]);
        for (int i = 0; i < 2; i++) lo[i] = fmin(lo[i], s[i]), hi[i] = fmax(hi[i], s[i]);
    }
    ck_assert_int_eq(bad, 0);
    ck_assert(lo[0] < -pi + 0.01 && hi[0] > pi - 0.01);
    ck_assert(lo[1] < -0.999 && hi[1] > 0.999);
    rl_env_reset_seeded(env, 42, obs);
    ck_assert_mem_eq(obs, first, sizeof obs);
    rl_env_reset_seeded(env, 43, obs);
    ck_assert(memcmp(obs, first, sizeof obs) != 0);
    unmake(env, cfg);
}
END_TEST

START_TEST(test_pendulum_bad_g)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[pendulum]\ng = heavy\n", "g.ini"), RL_OK);
    rl_error err = {0};
    ck_assert_ptr_null(rl_env_alloc(rl_registry_find_env(reg, "pendulum"), cfg, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "g.ini:2"));
    rl_config_free(cfg);
}
END_TEST

/* ---- save/load ----------------------------------------------------------- */

/* An action for step t of a round trip, valid for every classic type. */
static void roundtrip_action(const rl_env *env, int t, double *a)
{
    const rl_space *as = rl_env_action_space(env);
    if (as->kind == RL_SPACE_DISCRETE)
        a[0] = (double)((t * 7 + t / 3) % as->n);
    else
        a[0] = 2.0 * sin(0.37 * t);
}

/* Save env mid-episode, load into a fresh instance, step both alike: the
 * same observations, rewards and flags, and the same episode figures. */
static void check_roundtrip(const char *name, const char *ini, int warmup)
{
    rl_config *cfg, *cfg2;
    rl_env *a = make(name, ini, &cfg), *b = make(name, ini, &cfg2);
    size_t od = rl_space_dim(rl_env_observation_space(a));
    double oa[8], ob[8], act[1];
    rl_step sa, sb;
    ck_assert_int_eq(rl_env_reset_seeded(a, 17, oa), RL_OK);
    for (int t = 0; t < warmup; t++) {
        roundtrip_action(a, t, act);
        ck_assert_int_eq(rl_env_step(a, act, oa, &sa), RL_OK);
        ck_assert_msg(!sa.terminated && !sa.truncated, "%s: warm-up ended at %d", name, t);
    }
    rl_writer w = {0};
    save_env(a, &w);
    /* The fresh instance is mid-episode from another seed; the load
     * replaces its state. */
    ck_assert_int_eq(rl_env_reset_seeded(b, 99, ob), RL_OK);
    rl_error err = {0};
    ck_assert_msg(load_env(b, w.data, w.len, &err) == RL_OK, "%s: %s", name, err.msg);
    /* Saving the loaded instance gives the same bytes. */
    rl_writer w2 = {0};
    save_env(b, &w2);
    ck_assert_uint_eq(w2.len, w.len);
    ck_assert_mem_eq(w2.data, w.data, w.len);
    int ended = 0;
    for (int t = warmup; t < warmup + 60 && !ended; t++) {
        roundtrip_action(a, t, act);
        ck_assert_int_eq(rl_env_step(a, act, oa, &sa), RL_OK);
        ck_assert_int_eq(rl_env_step(b, act, ob, &sb), RL_OK);
        ck_assert_mem_eq(ob, oa, od * sizeof *oa);
        ck_assert_double_eq(sb.reward, sa.reward);
        ck_assert_int_eq(sb.terminated, sa.terminated);
        ended = sa.terminated;
    }
    size_t nm = rl_env_metric_count(a);
    if (ended && nm) {
        double ma[8], mb[8];
        rl_env_metrics(a, ma);
        rl_env_metrics(b, mb);
        ck_assert_mem_eq(mb, ma, nm * sizeof *ma);
    }
    rl_writer_free(&w);
    rl_writer_free(&w2);
    unmake(a, cfg);
    unmake(b, cfg2);
}

START_TEST(test_roundtrip)
{
    check_roundtrip("cartpole", "", 6);
    check_roundtrip("cartpole", "[cartpole]\nintegrator = semi_implicit\n", 6);
    check_roundtrip("pendulum", "", 25);
    check_roundtrip("cliffwalking", "", 9);
    /* The slippery lake draws from the core's generator, which the type
     * does not save, so its round trip uses the deterministic lake. */
    check_roundtrip("frozenlake", "[frozenlake]\nis_slippery = false\nmap = 8x8\n", 4);
}
END_TEST

START_TEST(test_roundtrip_metrics)
{
    /* CliffWalking's fall count travels with the state. */
    rl_config *cfg, *cfg2;
    rl_env *a = make("cliffwalking", "", &cfg), *b = make("cliffwalking", "", &cfg2);
    double obs, act = 1; /* right from the start: the cliff */
    rl_step st;
    rl_env_reset_seeded(a, 0, &obs);
    rl_env_step(a, &act, &obs, &st);
    rl_env_step(a, &act, &obs, &st);
    ck_assert_double_eq(st.reward, -100);
    rl_writer w = {0};
    save_env(a, &w);
    rl_env_reset_seeded(b, 0, &obs);
    rl_error err = {0};
    ck_assert_int_eq(load_env(b, w.data, w.len, &err), RL_OK);
    const double path[13] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2};
    for (int t = 0; t < 13; t++) ck_assert_int_eq(rl_env_step(b, &path[t], &obs, &st), RL_OK);
    ck_assert_int_eq(st.terminated, 1);
    double m;
    rl_env_metrics(b, &m);
    ck_assert_double_eq(m, 2);
    rl_writer_free(&w);
    unmake(a, cfg);
    unmake(b, cfg2);
}
END_TEST

/* Every proper prefix of a saved state is refused with RL_EFORMAT and a
 * message, and leaves the instance as it was. */
static void check_truncated(const char *name, const char *ini)
{
    rl_config *cfg, *cfg2;
    rl_env *a = make(name, ini, &cfg), *b = make(name, ini, &cfg2);
    double obs[8], act[1];
    rl_step st;
    rl_env_reset_seeded(b, 4, obs);
    rl_writer wa = {0}, wb = {0};
    save_env(b, &wb);
    /* Step a until its state differs from b's, so that a partial load
     * would show. */
    rl_env_reset_seeded(a, 3, obs);
    for (int t = 0;; t++) {
        roundtrip_action(a, t, act);
        ck_assert_int_eq(rl_env_step(a, act, obs, &st), RL_OK);
        ck_assert_msg(!st.terminated && !st.truncated && t < 10, "%s: no distinct state", name);
        rl_writer_free(&wa);
        wa = (rl_writer){0};
        save_env(a, &wa);
        if (wa.len != wb.len || memcmp(wa.data, wb.data, wa.len) != 0) break;
    }
    for (size_t len = 0; len < wa.len; len++) {
        rl_error err = {0};
        ck_assert_int_eq(load_env(b, wa.data, len, &err), RL_EFORMAT);
        ck_assert_msg(strstr(err.msg, "truncated") != NULL, "%s: %s", name, err.msg);
        rl_writer now = {0};
        save_env(b, &now);
        ck_assert_uint_eq(now.len, wb.len);
        ck_assert_mem_eq(now.data, wb.data, wb.len);
        rl_writer_free(&now);
    }
    rl_writer_free(&wa);
    rl_writer_free(&wb);
    unmake(a, cfg);
    unmake(b, cfg2);
}

START_TEST(test_truncated_state)
{
    check_truncated("cartpole", "");
    check_truncated("pendulum", "");
    check_truncated("cliffwalking", "");
    check_truncated("frozenlake", "");
    check_truncated("frozenlake", "[frozenlake]\nis_slippery = false\n");
}
END_TEST

/* Load bytes that are complete but wrong: RL_EFORMAT (or code) and the
 * instance as it was. */
static void check_refused(rl_env *env, const rl_writer *w, int code, const char *what)
{
    rl_writer before = {0}, after = {0};
    save_env(env, &before);
    rl_error err = {0};
    ck_assert_int_eq(load_env(env, w->data, w->len, &err), code);
    ck_assert_msg(strstr(err.msg, what) != NULL, "message '%s' lacks '%s'", err.msg, what);
    save_env(env, &after);
    ck_assert_uint_eq(after.len, before.len);
    ck_assert_mem_eq(after.data, before.data, before.len);
    rl_writer_free(&before);
    rl_writer_free(&after);
}

START_TEST(test_bad_state)
{
    rl_config *cfg;
    double obs[4];
    rl_writer w = {0};

    rl_env *env = make("cartpole", "", &cfg);
    rl_env_reset_seeded(env, 0, obs);
    rl_write_u32(&w, 2); /* a layout this build does not know */
    for (int i = 0; i < 4; i++) rl_write_f64(&w, 0.0);
    check_refused(env, &w, RL_EFORMAT, "layout 2");
    rl_writer_free(&w);
    w = (rl_writer){0};
    rl_write_u32(&w, 1);
    rl_write_f64(&w, 0.0);
    rl_write_f64(&w, NAN);
    rl_write_f64(&w, 0.0);
    rl_write_f64(&w, 0.0);
    check_refused(env, &w, RL_EFORMAT, "not finite");
    rl_writer_free(&w);
    unmake(env, cfg);

    env = make("pendulum", "", &cfg);
    rl_env_reset_seeded(env, 0, obs);
    w = (rl_writer){0};
    rl_write_u32(&w, 1);
    rl_write_f64(&w, INFINITY);
    rl_write_f64(&w, 0.0);
    check_refused(env, &w, RL_EFORMAT, "not finite");
    rl_writer_free(&w);
    unmake(env, cfg);

    /* Positions index the grid: a cliff cell or one off the grid is
     * refused rather than trusted. */
    env = make("cliffwalking", "", &cfg);
    rl_env_reset_seeded(env, 0, obs);
    const uint32_t bad_pos[3] = {40, 48, 0xffffffffu};
    for (int k = 0; k < 3; k++) {
        w = (rl_writer){0};
        rl_write_u32(&w, 1);
        rl_write_u32(&w, bad_pos[k]);
        rl_write_u64(&w, 0);
        check_refused(env, &w, RL_EFORMAT, "not reachable");
        rl_writer_free(&w);
    }
    unmake(env, cfg);

    /* A state saved on the 8x8 map does not load on the 4x4 one. */
    rl_config *cfg8;
    rl_env *big = make("frozenlake", "[frozenlake]\nmap = 8x8\n", &cfg8);
    env = make("frozenlake", "", &cfg);
    rl_env_reset_seeded(big, 0, obs);
    rl_env_reset_seeded(env, 0, obs);
    w = (rl_writer){0};
    save_env(big, &w);
    check_refused(env, &w, RL_EINVAL, "64 cells");
    rl_writer_free(&w);
    w = (rl_writer){0};
    rl_write_u32(&w, 1);
    rl_write_u32(&w, 16);
    rl_write_u32(&w, 16);
    rl_write_u32(&w, 0);
    check_refused(env, &w, RL_EFORMAT, "not valid");
    rl_writer_free(&w);
    unmake(env, cfg);
    unmake(big, cfg8);
}
END_TEST

static Suite *gym_suite(void)
{
    Suite *s = suite_create("gym");
    TCase *tc = tcase_create("cartpole");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cartpole_spaces);
    tcase_add_test(tc, test_cartpole_pattern);
    tcase_add_test(tc, test_cartpole_balance);
    tcase_add_test(tc, test_cartpole_falls_by_angle);
    tcase_add_test(tc, test_cartpole_falls_by_position);
    tcase_add_test(tc, test_cartpole_threshold_is_strict);
    tcase_add_test(tc, test_cartpole_semi_implicit);
    tcase_add_test(tc, test_cartpole_sutton_barto_reward);
    tcase_add_test(tc, test_cartpole_time_limit);
    tcase_add_test(tc, test_cartpole_reset);
    suite_add_tcase(s, tc);

    tc = tcase_create("pendulum");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_pendulum_spaces);
    tcase_add_test(tc, test_pendulum_dynamics);
    tcase_add_test(tc, test_pendulum_angle_normalize);
    tcase_add_test(tc, test_pendulum_speed_clip);
    tcase_add_test(tc, test_pendulum_bad_torque);
    tcase_add_test(tc, test_pendulum_time_limit);
    tcase_add_test(tc, test_pendulum_reset);
    tcase_add_test(tc, test_pendulum_bad_g);
    suite_add_tcase(s, tc);

    tc = tcase_create("save_load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_roundtrip_metrics);
    tcase_add_test(tc, test_truncated_state);
    tcase_add_test(tc, test_bad_state);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(gym_suite)
