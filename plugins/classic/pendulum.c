/* Pendulum, as Gymnasium's Pendulum-v1 (gymnasium/envs/classic_control/
 * pendulum.py).
 *
 * A rigid pendulum (mass 1, length 1) hangs from a frictionless pivot; the
 * agent applies a torque in [-2, 2] to swing it up and keep it upright
 * (theta = 0). The observation is (cos theta, sin theta, theta_dot) with
 * theta_dot within [-8, 8]; the reward is -(theta^2 + 0.1 theta_dot^2 +
 * 0.001 torque^2) with theta normalised to [-pi, pi), taken before the step.
 * The episode never terminates; the time limit is 200 steps.
 *
 * As in Gymnasium the state is double and the observation is rounded to
 * float. The arithmetic follows Gymnasium's expressions in the same order;
 * it matches Gymnasium bit for bit when the action reaches it as float64
 * (an agent passing a float32 array makes numpy 2 square the torque in
 * float32).
 *
 * Saved state (for exact resume): u32 layout version (1), then theta and
 * theta_dot as f64. */
#include <math.h>

#include "classic.h"

/* GCC compiles ISO C11 without contracting a*b+c into a fused multiply-add;
 * clang contracts by default, which would round differently from numpy. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define PI 3.14159265358979323846
#define MAX_SPEED 8.0
#define MAX_TORQUE 2.0
#define DT 0.05
#define MASS 1.0
#define LENGTH 1.0

enum { LAYOUT = 1 };

static const rl_param pendulum_params[] = {
    {"g", RL_PARAM_REAL, "10.0", 0, 0, NULL, "acceleration of gravity (Gymnasium's g)"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

typedef struct pendulum {
    double th, thdot;
    double g;
} pendulum;

static double clip(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ((x + pi) % (2 pi)) - pi with Python's modulo, whose result takes the
 * divisor's sign: fmod's takes the dividend's, so a negative remainder is
 * moved up by one period (numpy's npy_divmod does the same). */
static double angle_normalize(double x)
{
    double m = fmod(x + PI, 2 * PI);
    if (m < 0) m += 2 * PI;
    return m - PI;
}

static void observe(const pendulum *p, double *obs)
{
    obs[0] = (double)(float)cos(p->th);
    obs[1] = (double)(float)sin(p->th);
    obs[2] = (double)(float)p->thdot;
}

static int pendulum_init(void *state, rl_config *cfg, const char *section, rl_env_spec *spec,
                         rl_error *err)
{
    pendulum *p = state;
    if (rl_config_get_real(cfg, section, "g", &p->g) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    const double high[3] = {1.0, 1.0, MAX_SPEED}, low[3] = {-1.0, -1.0, -MAX_SPEED};
    const size_t oshape[1] = {3};
    if (rl_space_box(&spec->observation_space, 1, oshape, low, high) != RL_OK ||
        rl_space_box_uniform(&spec->action_space, 1, -MAX_TORQUE, MAX_TORQUE) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "cannot make the spaces");
    return RL_OK;
}

static int pendulum_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)err;
    pendulum *p = state;
    /* numpy's uniform(-high, high) with high = (pi, 1): low + (high - low) * u,
     * theta first. */
    const double th_low = -PI, th_high = PI, v_low = -1.0, v_high = 1.0;
    p->th = th_low + (th_high - th_low) * rl_pcg32_double(rng);
    p->thdot = v_low + (v_high - v_low) * rl_pcg32_double(rng);
    observe(p, obs);
    return RL_OK;
}

static int pendulum_step(void *state, rl_pcg32 *rng, const double *action, double *obs,
                         rl_step *out, rl_error *err)
{
    (void)rng, (void)err;
    pendulum *p = state;
    double th = p->th, thdot = p->thdot;
    /* The core only passes actions in [-2, 2]; the clip is Gymnasium's and
     * costs nothing. */
    double u = clip(action[0], -MAX_TORQUE, MAX_TORQUE);
    double an = angle_normalize(th);
    double costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
    double newthdot =
        thdot + (3 * p->g / (2 * LENGTH) * sin(th) + 3.0 / (MASS * (LENGTH * LENGTH)) * u) * DT;
    newthdot = clip(newthdot, -MAX_SPEED, MAX_SPEED);
    double newth = th + newthdot * DT;
    p->th = newth;
    p->thdot = newthdot;
    out->reward = -costs;
    out->terminated = 0;
    observe(p, obs);
    return RL_OK;
}

static int pendulum_save(const void *state, rl_writer *w, rl_error *err)
{
    (void)err;
    const pendulum *p = state;
    rl_write_u32(w, LAYOUT);
    rl_write_f64(w, p->th);
    rl_write_f64(w, p->thdot);
    return RL_OK;
}

static int pendulum_load(void *state, rl_reader *r, rl_error *err)
{
    pendulum *p = state;
    uint32_t layout = 0;
    double th = 0, thdot = 0;
    rl_read_u32(r, &layout);
    rl_read_f64(r, &th);
    rl_read_f64(r, &thdot);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "pendulum state is truncated");
    /* Anything wrong leaves the reader failed, as a short read would, so a
     * caller checking only the reader cannot go on reading after it. */
    if (layout != LAYOUT) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT, "pendulum state has layout %u, expected %u",
                            (unsigned)layout, (unsigned)LAYOUT);
    }
    if (!isfinite(th) || !isfinite(thdot)) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT,
                            "pendulum state (theta %g, theta_dot %g) is not finite", th, thdot);
    }
    p->th = th;
    p->thdot = thdot;
    return RL_OK;
}

const rl_env_type rl_classic_pendulum = {
    RL_ENV_TYPE_HEADER,
    .name = "pendulum",
    .summary = "Pendulum (Gymnasium Pendulum-v1), Box(3) / Box(1) torque in [-2, 2], 200 steps",
    .size = sizeof(pendulum),
    .params = pendulum_params,
    .max_episode_steps = 200,
    .init = pendulum_init,
    .reset = pendulum_reset,
    .step = pendulum_step,
    .save = pendulum_save,
    .load = pendulum_load,
};
