/* CartPole, as Gymnasium's CartPole-v1 (gymnasium/envs/classic_control/
 * cartpole.py), after Barto, Sutton and Anderson (1983).
 *
 * A pole is hinged on a cart that moves along a frictionless track. Action
 * 0 pushes the cart left with a force of 10 N, action 1 right. The state is
 * (x, x_dot, theta, theta_dot); the episode terminates when |x| > 2.4 or
 * |theta| > 12 degrees. Every step, the terminating one included, gives
 * reward 1 (with sutton_barto_reward, 0 and -1 at termination, as
 * Gymnasium's option of that name). Time limit: 500 steps.
 *
 * Gymnasium keeps the state in float64 and returns it as float32, so the
 * state here is double and the observation is the state rounded to float:
 * the same numbers a Python agent sees, and the same termination step.
 * The arithmetic below follows Gymnasium's expressions term by term, in the
 * same order, so that each step rounds as numpy's float64 does.
 *
 * Saved state (for exact resume): u32 layout version (1), then x, x_dot,
 * theta, theta_dot as f64. */
#include <float.h>
#include <math.h>

#include "classic.h"

/* GCC compiles ISO C11 without contracting a*b+c into a fused multiply-add;
 * clang contracts by default, which would round differently from numpy. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define PI 3.14159265358979323846
#define GRAVITY 9.8
#define MASSCART 1.0
#define MASSPOLE 0.1
/* Gymnasium derives these two from the masses and the length; computing
 * them the same way gives the same doubles. */
#define TOTAL_MASS (MASSPOLE + MASSCART)
#define LENGTH 0.5 /* half the pole's length */
#define POLEMASS_LENGTH (MASSPOLE * LENGTH)
#define FORCE_MAG 10.0
#define TAU 0.02 /* seconds between state updates */
#define THETA_THRESHOLD (12 * 2 * PI / 360)
#define X_THRESHOLD 2.4
#define RESET_BOUND 0.05

enum { LAYOUT = 1 };

static const rl_param cartpole_params[] = {
    {"integrator", RL_PARAM_CHOICE, "euler", 0, 0, "euler|semi_implicit",
     "kinematics integrator: Gymnasium's default euler, or semi-implicit euler"},
    {"sutton_barto_reward", RL_PARAM_BOOL, "false", 0, 0, NULL,
     "reward 0 per step and -1 on termination instead of 1 per step"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

typedef struct cartpole {
    double s[4]; /* x, x_dot, theta, theta_dot */
    int semi_implicit;
    int sutton_barto;
} cartpole;

static void observe(const cartpole *c, double *obs)
{
    for (int i = 0; i < 4; i++) obs[i] = (double)(float)c->s[i];
}

static int cartpole_init(void *state, rl_config *cfg, const char *section, rl_env_spec *spec,
                         rl_error *err)
{
    cartpole *c = state;
    const char *integrator;
    if (rl_config_get_string(cfg, section, "integrator", &integrator) != RL_OK ||
        rl_config_get_bool(cfg, section, "sutton_barto_reward", &c->sutton_barto) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    c->semi_implicit = integrator[0] == 's';
    /* Gymnasium's bounds, which it stores as float32: twice the thresholds,
     * so that a terminating observation still lies in the space, and the
     * largest float for the unbounded velocities. */
    const double high[4] = {(float)(X_THRESHOLD * 2), FLT_MAX, (float)(THETA_THRESHOLD * 2),
                            FLT_MAX};
    const double low[4] = {-high[0], -high[1], -high[2], -high[3]};
    const size_t shape[1] = {4};
    if (rl_space_box(&spec->observation_space, 1, shape, low, high) != RL_OK ||
        rl_space_discrete(&spec->action_space, 2) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "cannot make the spaces");
    return RL_OK;
}

static int cartpole_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)err;
    cartpole *c = state;
    /* numpy's uniform(low, high, size=4): low + (high - low) * u, drawn in
     * state order. */
    const double low = -RESET_BOUND, high = RESET_BOUND;
    for (int i = 0; i < 4; i++) c->s[i] = low + (high - low) * rl_pcg32_double(rng);
    observe(c, obs);
    return RL_OK;
}

static int cartpole_step(void *state, rl_pcg32 *rng, const double *action, double *obs,
                         rl_step *out, rl_error *err)
{
    (void)rng, (void)err;
    cartpole *c = state;
    double x = c->s[0], x_dot = c->s[1], theta = c->s[2], theta_dot = c->s[3];
    double force = action[0] == 1 ? FORCE_MAG : -FORCE_MAG;
    double costheta = cos(theta), sintheta = sin(theta);
    double temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS;
    double thetaacc = (GRAVITY * sintheta - costheta * temp) /
                      (LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS));
    double xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
    if (!c->semi_implicit) {
        x = x + TAU * x_dot;
        x_dot = x_dot + TAU * xacc;
        theta = theta + TAU * theta_dot;
        theta_dot = theta_dot + TAU * thetaacc;
    } else {
        x_dot = x_dot + TAU * xacc;
        x = x + TAU * x_dot;
        theta_dot = theta_dot + TAU * thetaacc;
        theta = theta + TAU * theta_dot;
    }
    c->s[0] = x, c->s[1] = x_dot, c->s[2] = theta, c->s[3] = theta_dot;
    out->terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD ||
                      theta > THETA_THRESHOLD;
    if (c->sutton_barto)
        out->reward = out->terminated ? -1.0 : 0.0;
    else
        out->reward = 1.0;
    observe(c, obs);
    return RL_OK;
}

static int cartpole_save(const void *state, rl_writer *w, rl_error *err)
{
    (void)err;
    const cartpole *c = state;
    rl_write_u32(w, LAYOUT);
    rl_write_f64_array(w, c->s, 4);
    return RL_OK;
}

static int cartpole_load(void *state, rl_reader *r, rl_error *err)
{
    cartpole *c = state;
    uint32_t layout = 0;
    double s[4];
    rl_read_u32(r, &layout);
    rl_read_f64_array(r, s, 4);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "cartpole state is truncated");
    /* Anything wrong leaves the reader failed, as a short read would, so a
     * caller checking only the reader cannot go on reading after it. */
    if (layout != LAYOUT) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT, "cartpole state has layout %u, expected %u",
                            (unsigned)layout, (unsigned)LAYOUT);
    }
    for (int i = 0; i < 4; i++) {
        if (!isfinite(s[i])) {
            r->failed = 1;
            return rl_error_set(err, RL_EFORMAT, "cartpole state value %d is not finite", i);
        }
    }
    for (int i = 0; i < 4; i++) c->s[i] = s[i];
    return RL_OK;
}

const rl_env_type rl_classic_cartpole = {
    RL_ENV_TYPE_HEADER,
    .name = "cartpole",
    .summary = "CartPole (Gymnasium CartPole-v1), Box(4) / Discrete(2), 500 steps",
    .size = sizeof(cartpole),
    .params = cartpole_params,
    .max_episode_steps = 500,
    .init = cartpole_init,
    .reset = cartpole_reset,
    .step = cartpole_step,
    .save = cartpole_save,
    .load = cartpole_load,
};
