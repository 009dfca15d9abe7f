/* PPO and its parts: distributions against closed forms, GAE on a
 * hand-worked case, each loss term and the whole actor-critic loss against
 * finite differences, learning on CartPole with a small budget,
 * determinism, exact resume, and the stop on a non-finite loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rl/rl.h>

#include "testutil.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_E
#define M_E 2.7182818284590452354
#endif

/* ---- distributions --------------------------------------------------------------- */

START_TEST(test_categorical_closed_form)
{
    const float logits[3] = {1.0f, 2.0f, 3.0f};
    double z = exp(1.0) + exp(2.0) + exp(3.0);
    double p[3] = {exp(1.0) / z, exp(2.0) / z, exp(3.0) / z};
    for (size_t a = 0; a < 3; a++)
        ck_assert_double_eq_tol(rl_categorical_logp(logits, 3, a), log(p[a]), 1e-12);
    double h = -(p[0] * log(p[0]) + p[1] * log(p[1]) + p[2] * log(p[2]));
    ck_assert_double_eq_tol(rl_categorical_entropy(logits, 3), h, 1e-12);
    /* Published figures: softmax(1,2,3) = (0.0900306, 0.2447285, 0.6652410). */
    ck_assert_double_eq_tol(exp(rl_categorical_logp(logits, 3, 2)), 0.6652409558, 1e-9);
    /* Uniform over k: entropy log k; huge logits stay finite. */
    const float flat[4] = {0, 0, 0, 0}, big[2] = {1000.0f, 0.0f};
    ck_assert_double_eq_tol(rl_categorical_entropy(flat, 4), log(4.0), 1e-12);
    ck_assert_double_eq_tol(rl_categorical_logp(big, 2, 0), 0.0, 1e-12);
    ck_assert_double_eq_tol(rl_categorical_logp(big, 2, 1), -1000.0, 1e-9);
}
END_TEST

START_TEST(test_categorical_gradients)
{
    float lg[4] = {0.3f, -1.2f, 2.0f, 0.5f};
    double g[4], ge[4];
    rl_categorical_logp_grad(lg, 4, 2, g);
    rl_categorical_entropy_grad(lg, 4, ge);
    for (size_t j = 0; j < 4; j++) {
        float save = lg[j], e = 1e-2f;
        lg[j] = save + e;
        double lp1 = rl_categorical_logp(lg, 4, 2), h1 = rl_categorical_entropy(lg, 4);
        lg[j] = save - e;
        double lp0 = rl_categorical_logp(lg, 4, 2), h0 = rl_categorical_entropy(lg, 4);
        lg[j] = save;
        double de = (double)(save + e) - (double)(save - e);
        ck_assert_double_eq_tol(g[j], (lp1 - lp0) / de, 1e-4);
        ck_assert_double_eq_tol(ge[j], (h1 - h0) / de, 1e-4);
    }
}
END_TEST

START_TEST(test_gaussian_closed_form)
{
    const double x[2] = {0.5, -1.0}, mu[2] = {0.0, 1.0}, ls[2] = {0.0, log(2.0)};
    /* N(0.5; 0, 1) N(-1; 1, 2^2): z = 0.5 and -1. */
    double expect = -0.5 * (0.25 + 1.0) - log(2.0) - log(2 * M_PI);
    ck_assert_double_eq_tol(rl_gaussian_logp(x, mu, ls, 2), expect, 1e-12);
    /* Against the density itself. */
    double dens = exp(-0.125) / sqrt(2 * M_PI) * exp(-0.5) / (2 * sqrt(2 * M_PI));
    ck_assert_double_eq_tol(exp(rl_gaussian_logp(x, mu, ls, 2)), dens, 1e-12);
    /* Entropy of N(mu, s^2) is 0.5 log(2 pi e s^2). */
    ck_assert_double_eq_tol(rl_gaussian_entropy(ls, 2),
                            0.5 * log(2 * M_PI * M_E) + 0.5 * log(2 * M_PI * M_E * 4), 1e-12);
}
END_TEST

/* ---- GAE ------------------------------------------------------------------------------ */

START_TEST(test_gae_hand_worked)
{
    /* Two environments, time-major. Environment 0 is truncated at t = 1
     * (final value 4) and terminates at t = 3; environment 1 never ends.
     * gamma = lambda = 0.5. By hand, environment 0 from the back:
     *   t=4: delta = 5 + 0.5*3 - 2.5 = 4            A = 4
     *   t=3: terminal, delta = 4 - 2 = 2            A = 2
     *   t=2: delta = 3 + 0.5*2 - 1.5 = 2.5          A = 2.5 + 0.25*2 = 3
     *   t=1: truncated, delta = 2 + 0.5*4 - 1 = 3   A = 3
     *   t=0: delta = 1 + 0.5*1 - 0.5 = 1            A = 1 + 0.25*3 = 1.75
     * Environment 1: rewards 1, values 0, last value 0: every delta is 1 and
     * A_t = 1 + 0.25 A_{t+1}. */
    const double r[10] = {1, 1, 2, 1, 3, 1, 4, 1, 5, 1};
    const double v[10] = {0.5, 0, 1, 0, 1.5, 0, 2, 0, 2.5, 0};
    const unsigned char term[10] = {0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    const unsigned char trunc[10] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    double fin[10];
    for (int k = 0; k < 10; k++) fin[k] = NAN; /* only read where truncated */
    fin[2] = 4;
    const double last[2] = {3, 0};
    double adv[10], ret[10];
    rl_gae(5, 2, r, v, last, term, trunc, fin, 0.5, 0.5, adv, ret);
    const double a0[5] = {1.75, 3, 3, 2, 4};
    const double a1[5] = {1.33203125, 1.328125, 1.3125, 1.25, 1};
    for (int t = 0; t < 5; t++) {
        ck_assert_double_eq_tol(adv[2 * t], a0[t], 1e-15);
        ck_assert_double_eq_tol(adv[2 * t + 1], a1[t], 1e-15);
        ck_assert_double_eq_tol(ret[2 * t], a0[t] + v[2 * t], 1e-15);
        ck_assert_double_eq_tol(ret[2 * t + 1], a1[t], 1e-15);
    }
}
END_TEST

START_TEST(test_gae_lambda_one_is_monte_carlo)
{
    /* lambda = 1 and a terminal end: the return is the discounted sum of
     * rewards whatever the values. */
    const double r[4] = {1, 2, 3, 4}, v[4] = {9, -3, 0.5, 7};
    const unsigned char term[4] = {0, 0, 0, 1}, trunc[4] = {0, 0, 0, 0};
    double last = 123, adv[4], ret[4];
    rl_gae(4, 1, r, v, &last, term, trunc, NULL, 0.9, 1.0, adv, ret);
    ck_assert_double_eq_tol(ret[0], 1 + 0.9 * 2 + 0.81 * 3 + 0.729 * 4, 1e-12);
    ck_assert_double_eq_tol(ret[3], 4, 1e-12);
}
END_TEST

/* ---- loss terms ------------------------------------------------------------------------ */

START_TEST(test_clip_loss)
{
    double d;
    /* Inside the range: -A r. */
    ck_assert_double_eq_tol(rl_ppo_clip_loss(log(1.1), 0, 2.0, 0.2, &d), -2.2, 1e-12);
    ck_assert_double_eq_tol(d, -2.2, 1e-12);
    /* A > 0 and r above 1 + clip: the clipped term -A (1 + clip), flat. */
    ck_assert_double_eq_tol(rl_ppo_clip_loss(log(1.5), 0, 2.0, 0.2, &d), -2.4, 1e-12);
    ck_assert_double_eq(d, 0);
    /* A > 0 and r below 1 - clip: the unclipped term is the larger. */
    ck_assert_double_eq_tol(rl_ppo_clip_loss(log(0.5), 0, 2.0, 0.2, &d), -1.0, 1e-12);
    ck_assert_double_eq_tol(d, -1.0, 1e-12);
    /* A < 0 and r below 1 - clip: clipped, flat. */
    ck_assert_double_eq_tol(rl_ppo_clip_loss(log(0.5), 0, -2.0, 0.2, &d), 1.6, 1e-12);
    ck_assert_double_eq(d, 0);
    /* A < 0 and r above 1 + clip: unclipped. */
    ck_assert_double_eq_tol(rl_ppo_clip_loss(log(1.5), 0, -2.0, 0.2, &d), 3.0, 1e-12);
    ck_assert_double_eq_tol(d, 3.0, 1e-12);
    /* Finite differences away from the kinks. */
    const double pts[][3] = {{0.05, 0.0, 1.3}, {-0.6, 0.1, 0.7}, {0.4, -0.1, -0.9}, {-0.02, 0.0, -2}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double e = 1e-6, lp = pts[i][0], old = pts[i][1], A = pts[i][2];
        rl_ppo_clip_loss(lp, old, A, 0.2, &d);
        double fd = (rl_ppo_clip_loss(lp + e, old, A, 0.2, NULL) -
                     rl_ppo_clip_loss(lp - e, old, A, 0.2, NULL)) / (2 * e);
        ck_assert_double_eq_tol(d, fd, 1e-7);
    }
}
END_TEST

START_TEST(test_value_loss)
{
    double d;
    ck_assert_double_eq_tol(rl_value_loss(3, 1, 0, &d), 2.0, 1e-15);
    ck_assert_double_eq_tol(d, 2.0, 1e-15);
    ck_assert_double_eq_tol(rl_value_loss(3, 1, 1, &d), 1.5, 1e-15);
    ck_assert_double_eq_tol(d, 1.0, 1e-15);
    ck_assert_double_eq_tol(rl_value_loss(-3, 1, 1, &d), 3.5, 1e-15);
    ck_assert_double_eq_tol(d, -1.0, 1e-15);
    ck_assert_double_eq_tol(rl_value_loss(0.5, 1, 1, &d), 0.125, 1e-15);
    ck_assert_double_eq_tol(d, -0.5, 1e-15);
    const double pts[] = {-2.5, -0.7, 0.2, 0.9, 1.8, 4};
    for (int h = 0; h < 2; h++)
        for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
            double e = 1e-6;
            rl_value_loss(pts[i], 0.1, h, &d);
            double fd = (rl_value_loss(pts[i] + e, 0.1, h, NULL) -
                         rl_value_loss(pts[i] - e, 0.1, h, NULL)) / (2 * e);
            ck_assert_double_eq_tol(d, fd, 1e-7);
        }
}
END_TEST

/* ---- the whole loss against finite differences ----------------------------------------- */

/* Check d loss / d params of rl_ac_loss for every parameter, by central
 * differences on the float parameters, and each term alone. */
static void check_ac_gradient(int discrete, int huber)
{
    rl_space as;
    if (discrete)
        ck_assert_int_eq(rl_space_discrete(&as, 3), RL_OK);
    else
        ck_assert_int_eq(rl_space_box_uniform(&as, 2, -1, 1), RL_OK);
    rl_ac ac;
    const size_t hidden[2] = {5, 4};
    rl_error err = {0};
    ck_assert_int_eq(rl_ac_init(&ac, 3, &as, hidden, 2, RL_ACT_TANH, 8, &err), RL_OK);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 11, 3);
    ck_assert_int_eq(rl_ac_reset_params(&ac, &rng, -0.3, &err), RL_OK);
    /* Larger output weights than the 0.01 initialisation, so the policy
     * term is not negligible. */
    for (size_t i = 0; i < ac.actor.nparams; i++) ac.params[i] *= 3.0f;
    const size_t n = 6;
    float obs[6 * 3];
    double act[6 * 2], logp_old[6], logp[6], adv[6], ret[6], val[6];
    for (size_t i = 0; i < n * 3; i++) obs[i] = (float)(2 * rl_pcg32_double(&rng) - 1);
    rl_ac_act(&ac, obs, n, 0, &rng, act, logp, val);
    for (size_t i = 0; i < n; i++) {
        /* Old log-probabilities: most samples inside the clip range, two
         * well outside, none near a kink. */
        double shift = i == 1 ? 0.6 : i == 4 ? -0.7 : 0.05 * ((double)i - 2.5);
        logp_old[i] = logp[i] + shift;
        adv[i] = (i % 2 ? -1.0 : 1.0) * (0.5 + 0.3 * (double)i);
        ret[i] = val[i] + (i % 3 ? 2.5 : -0.4); /* some beyond Huber's kink */
    }
    const rl_ppo_coefs terms[4] = {
        {0.2, 0.5, 0.01, huber}, /* the whole loss */
        {0.2, 0.0, 0.0, huber},  /* policy alone */
        {0.2, 1.0, 0.0, huber},  /* plus value */
        {0.2, 0.0, 1.0, huber},  /* plus entropy */
    };
    for (int c = 0; c < 4; c++) {
        rl_ac_zero_grad(&ac);
        ck_assert_int_eq(rl_ac_loss(&ac, obs, act, logp_old, adv, ret, n, &terms[c], NULL, 1, NULL, NULL), RL_OK);
        double worst = 0;
        for (size_t p = 0; p < ac.nparams; p++) {
            float save = ac.params[p];
            float e = 1e-2f;
            ac.params[p] = save + e;
            double up, dn;
            rl_ac_loss(&ac, obs, act, logp_old, adv, ret, n, &terms[c], NULL, 0, &up, NULL);
            ac.params[p] = save - e;
            rl_ac_loss(&ac, obs, act, logp_old, adv, ret, n, &terms[c], NULL, 0, &dn, NULL);
            ac.params[p] = save;
            double fd = (up - dn) / ((double)(save + e) - (double)(save - e));
            double g = ac.grads[p];
            double tol = 2e-3 + 2e-2 * fabs(fd);
            ck_assert_msg(fabs(g - fd) <= tol,
                          "%s, %s, terms %d: parameter %zu: analytic %.6g, numeric %.6g",
                          discrete ? "categorical" : "gaussian", huber ? "huber" : "mse", c, p, g,
                          fd);
            if (fabs(g - fd) > worst) worst = fabs(g - fd);
        }
    }
    /* The gradient is not trivially zero. */
    double norm = 0;
    for (size_t p = 0; p < ac.nparams; p++) norm += (double)ac.grads[p] * ac.grads[p];
    ck_assert(norm > 1e-6);
    rl_ac_free(&ac);
    rl_space_free(&as);
}

START_TEST(test_ac_gradient_categorical)
{
    check_ac_gradient(1, 0);
    check_ac_gradient(1, 1);
}
END_TEST

START_TEST(test_ac_gradient_gaussian)
{
    check_ac_gradient(0, 0);
    check_ac_gradient(0, 1);
}
END_TEST

START_TEST(test_ac_loss_parts)
{
    /* With logp_old equal to the current log-probabilities every ratio is
     * 1: policy loss = -mean(A), KL 0, nothing clipped; the entropy part is
     * the mean entropy. */
    rl_space as;
    ck_assert_int_eq(rl_space_discrete(&as, 4), RL_OK);
    rl_ac ac;
    const size_t hidden[1] = {8};
    rl_error err = {0};
    ck_assert_int_eq(rl_ac_init(&ac, 2, &as, hidden, 1, RL_ACT_RELU, 4, &err), RL_OK);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 5, 5);
    ck_assert_int_eq(rl_ac_reset_params(&ac, &rng, 0, &err), RL_OK);
    float obs[8] = {0.1f, 0.2f, -0.3f, 0.4f, 1, -1, 0.5f, 0};
    double act[4], logp[4], val[4], adv[4] = {1, 2, 3, -2}, ret[4];
    rl_ac_act(&ac, obs, 4, 0, &rng, act, logp, val);
    for (int i = 0; i < 4; i++) ret[i] = val[i] + 0.5;
    rl_ppo_coefs c = {0.2, 0.5, 0.01, 0};
    rl_ppo_loss_parts parts;
    double loss;
    ck_assert_int_eq(rl_ac_loss(&ac, obs, act, logp, adv, ret, 4, &c, &parts, 0, &loss, NULL), RL_OK);
    ck_assert_double_eq_tol(parts.policy, -1.0, 1e-12);
    ck_assert_double_eq_tol(parts.value, 0.125, 1e-6);
    ck_assert_double_eq_tol(parts.approx_kl, 0, 1e-12);
    ck_assert_double_eq(parts.clip_fraction, 0);
    /* A network with 0.01-gain output weights is nearly uniform. */
    ck_assert_double_eq_tol(parts.entropy, log(4.0), 1e-3);
    ck_assert_double_eq_tol(loss, parts.policy + 0.5 * parts.value - 0.01 * parts.entropy, 1e-12);
    rl_ac_free(&ac);
}
END_TEST

/* More rows than the batch the actor-critic was made for (its workspaces
 * hold max_batch rows), or none: RL_EINVAL with a message, and nothing
 * computed: the gradients and *loss as they were. */
START_TEST(test_ac_loss_rows)
{
    rl_space as;
    ck_assert_int_eq(rl_space_discrete(&as, 3), RL_OK);
    rl_ac ac;
    const size_t hidden[1] = {8};
    rl_error err = {0};
    ck_assert_int_eq(rl_ac_init(&ac, 2, &as, hidden, 1, RL_ACT_TANH, 4, &err), RL_OK);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 5, 5);
    ck_assert_int_eq(rl_ac_reset_params(&ac, &rng, 0, &err), RL_OK);
    float obs[10] = {0.1f, 0.2f, -0.3f, 0.4f, 1, -1, 0.5f, 0, 0.25f, -0.75f};
    double act[5] = {0, 1, 2, 1, 0}, logp[5] = {-1, -1, -1, -1, -1}, adv[5] = {1, 2, 3, -2, 1};
    double ret[5] = {0, 0, 0, 0, 0};
    rl_ppo_coefs c = {0.2, 0.5, 0.01, 0};
    rl_ac_zero_grad(&ac);
    double loss = 42;
    ck_assert_int_eq(rl_ac_loss(&ac, obs, act, logp, adv, ret, 5, &c, NULL, 1, &loss, &err),
                     RL_EINVAL);
    ck_assert_int_eq(err.code, RL_EINVAL);
    ck_assert_str_eq(err.msg, "rl_ac_loss: 5 rows; the actor-critic takes 1 to 4 (its max_batch)");
    ck_assert_double_eq(loss, 42);
    for (size_t p = 0; p < ac.nparams; p++) ck_assert_float_eq(ac.grads[p], 0);
    ck_assert_int_eq(rl_ac_loss(&ac, obs, act, logp, adv, ret, 0, &c, NULL, 1, &loss, &err),
                     RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "0 rows"));
    ck_assert_int_eq(rl_ac_loss(&ac, obs, act, logp, adv, ret, 5, &c, NULL, 0, NULL, NULL),
                     RL_EINVAL); /* err may be NULL */
    ck_assert_int_eq(rl_ac_loss(&ac, obs, act, logp, adv, ret, 4, &c, NULL, 1, &loss, &err), RL_OK);
    ck_assert(isfinite(loss));
    rl_ac_free(&ac);
}
END_TEST

START_TEST(test_env_action_clipped)
{
    rl_space as;
    const size_t shape[1] = {2};
    const double lo[2] = {-2, 0}, hi[2] = {2, 1};
    ck_assert_int_eq(rl_space_box(&as, 1, shape, lo, hi), RL_OK);
    rl_ac ac;
    rl_error err = {0};
    ck_assert_int_eq(rl_ac_init(&ac, 1, &as, NULL, 0, RL_ACT_TANH, 1, &err), RL_OK);
    double a[2] = {-3.5, 0.25}, e[2];
    rl_ac_env_action(&ac, a, e);
    ck_assert_double_eq(e[0], -2);
    ck_assert_double_eq(e[1], 0.25);
    a[1] = 7;
    rl_ac_env_action(&ac, a, e);
    ck_assert_double_eq(e[1], 1);
    rl_ac_free(&ac);
    rl_space_free(&as);
}
END_TEST

/* ---- training -------------------------------------------------------------------------- */

static rl_registry *reg;
static void setup(void) { reg = rl_test_registry("classic"); }
static void teardown(void) { rl_registry_free(reg); }

static const char *cartpole_ini = "[ppo]\nsteps_per_iteration = 512\nbatch_size = 128\n"
                                  "epochs = 4\nlearning_rate = 0.001\nloss = mse\n";

typedef struct trained {
    rl_config *cfg;
    rl_env_batch *envs;
    rl_algo *algo;
} trained;

static trained make_ppo(const char *env, const char *ini, size_t nenvs, uint64_t seed)
{
    trained t;
    t.cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(t.cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    t.envs = rl_env_batch_alloc(rl_registry_find_env(reg, env), t.cfg, nenvs, &err);
    ck_assert_msg(t.envs != NULL, "%s", err.msg);
    t.algo = rl_algo_alloc(rl_algo_find("ppo"), t.cfg, t.envs, seed, &err);
    ck_assert_msg(t.algo != NULL, "%s", err.msg);
    return t;
}

static void free_ppo(trained *t)
{
    rl_algo_free(t->algo);
    rl_env_batch_free(t->envs);
    rl_config_free(t->cfg);
}

static void iterate(trained *t, int k, rl_iter_info *info)
{
    for (int i = 0; i < k; i++)
        ck_assert_msg(rl_algo_iterate(t->algo, info) == RL_OK, "%s", rl_algo_errmsg(t->algo));
}

START_TEST(test_ppo_learns_cartpole)
{
    /* 40 iterations of 512 steps: a random policy lasts about 22 steps;
     * after 20,480 steps PPO's greedy policy holds the pole far longer. */
    trained t = make_ppo("cartpole", cartpole_ini, 4, 1);
    rl_iter_info info;
    iterate(&t, 40, &info);
    ck_assert_int_eq(info.env_steps, 40 * 512);
    rl_error err = {0};
    rl_env *env = rl_env_alloc(rl_registry_find_env(reg, "cartpole"), t.cfg, &err);
    ck_assert_ptr_nonnull(env);
    double sum = 0;
    for (int k = 0; k < 10; k++) {
        rl_episode_result res;
        ck_assert_int_eq(rl_algo_evaluate(t.algo, env, 1000 + (uint64_t)k, 0, &res), RL_OK);
        sum += res.ret;
    }
    ck_assert_msg(sum / 10 >= 150, "greedy mean return %g after 20k steps", sum / 10);
    rl_env_free(env);
    free_ppo(&t);
}
END_TEST

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    unsigned char *x = rl_test_slurp(a, &la), *y = rl_test_slurp(b, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_msg(memcmp(x, y, la) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

static void check_resume(const char *env, const char *ini, size_t nenvs)
{
    char dir[] = "/tmp/rl-ppo-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char straight[64], half[64], resumed[64];
    snprintf(straight, sizeof straight, "%s/straight.rlck", dir);
    snprintf(half, sizeof half, "%s/half.rlck", dir);
    snprintf(resumed, sizeof resumed, "%s/resumed.rlck", dir);
    const int K = 3;
    rl_iter_info a, b;
    trained t = make_ppo(env, ini, nenvs, 42);
    iterate(&t, 2 * K, &a);
    ck_assert_int_eq(rl_algo_save(t.algo, straight), RL_OK);
    double sa[16];
    ck_assert_uint_le(a.nstats, 16);
    memcpy(sa, a.stats, a.nstats * sizeof *sa);
    free_ppo(&t);

    t = make_ppo(env, ini, nenvs, 42);
    iterate(&t, K, &b);
    ck_assert_int_eq(rl_algo_save(t.algo, half), RL_OK);
    free_ppo(&t);

    /* A fresh process would do this: new objects, the checkpoint loaded. */
    t = make_ppo(env, ini, nenvs, 42);
    ck_assert_msg(rl_algo_load(t.algo, half) == RL_OK, "%s", rl_algo_errmsg(t.algo));
    ck_assert_int_eq(rl_algo_iterations(t.algo), K);
    iterate(&t, K, &b);
    ck_assert_int_eq(rl_algo_save(t.algo, resumed), RL_OK);
    for (size_t i = 0; i < a.nstats; i++) ck_assert_double_eq(sa[i], b.stats[i]);
    free_ppo(&t);

    assert_same_file(straight, resumed);
    ck_assert_int_eq(a.env_steps, b.env_steps);
    ck_assert_msg(a.mean_return == b.mean_return || (isnan(a.mean_return) && isnan(b.mean_return)),
                  "mean return %g vs %g", a.mean_return, b.mean_return);
    remove(straight);
    remove(half);
    remove(resumed);
    rmdir(dir);
}

START_TEST(test_resume_is_exact_cartpole)
{
    check_resume("cartpole", cartpole_ini, 3);
}
END_TEST

START_TEST(test_resume_is_exact_pendulum_normalised)
{
    /* Continuous actions, observation normalisation, reward scaling and an
     * annealed learning rate: every piece of state must come back. */
    check_resume("pendulum",
                 "[ppo]\nanneal_steps = 100000\nsteps_per_iteration = 256\nbatch_size = 64\nepochs = 2\n"
                 "normalize_observations = true\nscale_rewards = true\nanneal_lr = true\n",
                 2);
}
END_TEST

START_TEST(test_same_seed_same_run)
{
    trained t1 = make_ppo("cartpole", cartpole_ini, 2, 9), t2 = make_ppo("cartpole", cartpole_ini, 2, 9),
            t3 = make_ppo("cartpole", cartpole_ini, 2, 10);
    rl_iter_info i1, i2, i3;
    iterate(&t1, 3, &i1);
    iterate(&t2, 3, &i2);
    iterate(&t3, 3, &i3);
    for (size_t k = 0; k < i1.nstats; k++) ck_assert_double_eq(i1.stats[k], i2.stats[k]);
    ck_assert(i1.stats[0] != i3.stats[0] || i1.stats[1] != i3.stats[1]);
    free_ppo(&t1);
    free_ppo(&t2);
    free_ppo(&t3);
}
END_TEST

START_TEST(test_episodes_per_iteration)
{
    /* DeepRacer's unit of collection: whole episodes. Every iteration ends
     * once 20 episodes (the default) have ended across the environments. */
    trained t = make_ppo("cartpole", "[ppo]\nbatch_size = 64\nepochs = 1\n", 4, 3);
    rl_iter_info info;
    for (int k = 0; k < 3; k++) {
        iterate(&t, 1, &info);
        ck_assert_uint_ge(info.episodes, 20);
        ck_assert_uint_lt(info.episodes, 24);
    }
    free_ppo(&t);
}
END_TEST

START_TEST(test_bad_configs)
{
    const char *bad[][2] = {
        {"[ppo]\nhidden = 64,x\n", "hidden"},
        {"[ppo]\nhidden = 64,0\n", "hidden"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rl_config *cfg = rl_config_alloc(NULL);
        ck_assert_int_eq(rl_config_load_string(cfg, bad[i][0], "bad.ini"), RL_OK);
        rl_error err = {0};
        rl_env_batch *envs =
            rl_env_batch_alloc(rl_registry_find_env(reg, "cartpole"), cfg, 1, &err);
        ck_assert_ptr_nonnull(envs);
        rl_algo *a = rl_algo_alloc(rl_algo_find("ppo"), cfg, envs, 1, &err);
        ck_assert_ptr_null(a);
        ck_assert_msg(strstr(err.msg, bad[i][1]) && strstr(err.msg, "bad.ini:"),
                      "case %zu: %s", i, err.msg);
        rl_env_batch_free(envs);
        rl_config_free(cfg);
    }
}
END_TEST

/* An anneal needs a span: [ppo] anneal_steps, or the run's total steps
 * from the driver (rl_algo_set_total_steps); ppo reads no other section. */
START_TEST(test_anneal_span)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg,
                                           "[run]\ntotal_steps = 512\n"
                                           "[ppo]\nanneal_lr = true\nsteps_per_iteration = 256\n"
                                           "learning_rate = 0.001\n",
                                           "anneal.ini"),
                     RL_OK);
    rl_error err = {0};
    rl_env_batch *envs = rl_env_batch_alloc(rl_registry_find_env(reg, "cartpole"), cfg, 2, &err);
    ck_assert_ptr_nonnull(envs);
    rl_algo *a = rl_algo_alloc(rl_algo_find("ppo"), cfg, envs, 1, &err);
    ck_assert_ptr_nonnull(a);
    /* [run] total_steps is in the file, but it is not ppo's to read. */
    ck_assert_int_eq(rl_algo_iterate(a, NULL), RL_EINVAL);
    const char *msg = rl_algo_errmsg(a);
    ck_assert_msg(strstr(msg, "anneal.ini:4") && strstr(msg, "[ppo] anneal_lr") &&
                      strstr(msg, "[ppo] anneal_steps") && strstr(msg, "rl_algo_set_total_steps"),
                  "%s", msg);
    ck_assert_uint_eq(rl_algo_env_steps(a), 0);
    /* Given the horizon, the rate falls linearly: 0.001 at step 0, then
     * 0.001 * (1 - 256/1024) after the first 256 steps. */
    ck_assert_int_eq(rl_algo_set_total_steps(a, 1024), RL_OK);
    rl_iter_info info;
    ck_assert_int_eq(rl_algo_iterate(a, &info), RL_OK);
    ck_assert_double_eq_tol(info.stats[6], 0.001, 1e-15);
    ck_assert_int_eq(rl_algo_iterate(a, &info), RL_OK);
    ck_assert_double_eq_tol(info.stats[6], 0.00075, 1e-15);
    rl_algo_free(a);

    /* anneal_steps wins over the run's total. */
    ck_assert_int_eq(rl_config_set(cfg, "ppo.anneal_steps=512"), RL_OK);
    a = rl_algo_alloc(rl_algo_find("ppo"), cfg, envs, 1, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(rl_algo_set_total_steps(a, 1024), RL_OK);
    ck_assert_int_eq(rl_algo_iterate(a, &info), RL_OK);
    ck_assert_int_eq(rl_algo_iterate(a, &info), RL_OK);
    ck_assert_double_eq_tol(info.stats[6], 0.0005, 1e-15);
    rl_algo_free(a);

    rl_env_batch_free(envs);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_resume_needs_same_shape)
{
    char dir[] = "/tmp/rl-ppo-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/c.rlck", dir);
    trained t = make_ppo("cartpole", cartpole_ini, 2, 1);
    iterate(&t, 1, NULL);
    ck_assert_int_eq(rl_algo_save(t.algo, path), RL_OK);
    free_ppo(&t);
    /* Other hidden layers: refused with a message, nothing changed. */
    t = make_ppo("cartpole", "[ppo]\nhidden = 32\nsteps_per_iteration = 64\n", 2, 1);
    ck_assert_int_ne(rl_algo_load(t.algo, path), RL_OK);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(t.algo), "hidden"));
    ck_assert_int_eq(rl_algo_iterations(t.algo), 0);
    iterate(&t, 1, NULL);
    free_ppo(&t);
    /* Another number of environments. */
    t = make_ppo("cartpole", cartpole_ini, 3, 1);
    ck_assert_int_ne(rl_algo_load(t.algo, path), RL_OK);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(t.algo), "num_envs"));
    free_ppo(&t);
    remove(path);
    rmdir(dir);
}
END_TEST


/* rl_algo_load_agent: the agent alone (networks, normaliser, counters),
 * into a batch of another size; it then acts and evaluates exactly as the
 * agent that was saved. A checkpoint whose networks do not fit is refused
 * and leaves the agent as it was. */
START_TEST(test_load_agent)
{
    const char *ini = "[ppo]\nsteps_per_iteration = 256\nbatch_size = 64\nepochs = 2\n"
                      "normalize_observations = true\n";
    char dir[] = "/tmp/rl-ppo-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/c.rlck", dir);
    trained a = make_ppo("pendulum", ini, 2, 4);
    iterate(&a, 2, NULL);
    ck_assert_int_eq(rl_algo_save(a.algo, path), RL_OK);
    trained b = make_ppo("pendulum", ini, 3, 99);
    ck_assert_msg(rl_algo_load_agent(b.algo, path) == RL_OK, "%s", rl_algo_errmsg(b.algo));
    ck_assert_uint_eq(rl_algo_iterations(b.algo), 2);
    ck_assert_uint_eq(rl_algo_env_steps(b.algo), rl_algo_env_steps(a.algo));
    /* rl_algo_load still needs the same number of environments. */
    ck_assert_int_ne(rl_algo_load(b.algo, path), RL_OK);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(b.algo), "num_envs"));
    /* The same greedy actions (the mean, through the same normaliser). */
    double obs[3 * 5], act_a[5], act_b[5];
    for (int i = 0; i < 15; i++) obs[i] = sin(1.7 * i) * (i % 3 == 2 ? 6 : 1);
    ck_assert_int_eq(rl_algo_act(a.algo, obs, 5, act_a, 1), RL_OK);
    ck_assert_int_eq(rl_algo_act(b.algo, obs, 5, act_b, 1), RL_OK);
    ck_assert_mem_eq(act_a, act_b, sizeof act_a);
    /* The same evaluation episode, return and length. */
    rl_error err = {0};
    rl_env *env = rl_env_alloc(rl_registry_find_env(reg, "pendulum"), a.cfg, &err);
    ck_assert_ptr_nonnull(env);
    rl_episode_result ra, rb;
    ck_assert_int_eq(rl_algo_evaluate(a.algo, env, 1000000, 0, &ra), RL_OK);
    ck_assert_int_eq(rl_algo_evaluate(b.algo, env, 1000000, 0, &rb), RL_OK);
    ck_assert_double_eq(ra.ret, rb.ret);
    ck_assert_int_eq(ra.length, 200);
    ck_assert_int_eq(rb.length, 200);
    rl_env_free(env);
    free_ppo(&b);
    /* Other hidden layers: refused, the agent as it was. */
    trained c = make_ppo("pendulum", "[ppo]\nhidden = 32\nsteps_per_iteration = 256\n", 1, 4);
    double before[5], after[5];
    ck_assert_int_eq(rl_algo_act(c.algo, obs, 5, before, 1), RL_OK);
    ck_assert_int_ne(rl_algo_load_agent(c.algo, path), RL_OK);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(c.algo), "hidden"));
    ck_assert_int_eq(rl_algo_iterations(c.algo), 0);
    ck_assert_int_eq(rl_algo_act(c.algo, obs, 5, after, 1), RL_OK);
    ck_assert_mem_eq(before, after, sizeof before);
    free_ppo(&c);
    /* No file: refused, with the path. */
    ck_assert_int_ne(rl_algo_load_agent(a.algo, "/nonexistent/c.rlck"), RL_OK);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(a.algo), "/nonexistent/c.rlck"));
    free_ppo(&a);
    remove(path);
    rmdir(dir);
}
END_TEST

/* An agent that failed numerically (the blowup plugin's rewards of 1e308
 * overflow the loss in iteration 3) refuses to train and to save, and a
 * good checkpoint loads into it, with rl_algo_load (its copy for a
 * rollback does not go through the save that refuses) and with
 * rl_algo_load_agent; it then saves the same bytes and trains on exactly
 * as the run that wrote the checkpoint did. A load that fails leaves it
 * failed. */
START_TEST(test_load_into_failed_agent)
{
    const char *d = getenv("RL_TEST_PLUGINDIR");
    ck_assert_msg(d != NULL, "RL_TEST_PLUGINDIR is not set (run through make check)");
    setenv("RL_PLUGIN_PATH", d, 1);
    rl_registry_free(reg); /* the search path is read when a registry is made */
    reg = rl_registry_alloc(NULL);
    ck_assert_ptr_nonnull(reg);
    ck_assert_msg(rl_registry_load(reg, "blowup") == RL_OK, "%s", rl_registry_errmsg(reg));
    unsetenv("RL_PLUGIN_PATH");
    const char *ini = "[blowup]\nafter = 600\n[ppo]\nsteps_per_iteration = 512\nbatch_size = 64\n"
                      "epochs = 1\n";
    char dir[] = "/tmp/rl-ppo-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char good[64], again[64], other[64];
    snprintf(good, sizeof good, "%s/good.rlck", dir);
    snprintf(again, sizeof again, "%s/again.rlck", dir);
    snprintf(other, sizeof other, "%s/other.rlck", dir);
    trained t = make_ppo("blowup", ini, 2, 7);
    iterate(&t, 2, NULL);
    ck_assert_int_eq(rl_algo_save(t.algo, good), RL_OK);
    ck_assert_int_eq(rl_algo_iterate(t.algo, NULL), RL_ENUMERIC);
    char first[RL_ERRMSG_SIZE];
    snprintf(first, sizeof first, "%s", rl_algo_errmsg(t.algo));
    ck_assert_ptr_nonnull(strstr(first, "became non-finite"));
    ck_assert_int_eq(rl_algo_iterate(t.algo, NULL), RL_ENUMERIC);
    ck_assert_str_eq(rl_algo_errmsg(t.algo), first);
    ck_assert_int_eq(rl_algo_save(t.algo, again), RL_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(t.algo), "not saving a broken training state"));
    ck_assert_int_ne(access(again, F_OK), 0);

    /* Loads that fail: no file; a checkpoint of three environments. The
     * agent stays failed. */
    ck_assert_int_eq(rl_algo_load(t.algo, "/nonexistent/c.rlck"), RL_ENOTFOUND);
    trained o = make_ppo("blowup", ini, 3, 7);
    ck_assert_int_eq(rl_algo_save(o.algo, other), RL_OK);
    free_ppo(&o);
    ck_assert_int_ne(rl_algo_load(t.algo, other), RL_OK);
    ck_assert_ptr_nonnull(strstr(rl_algo_errmsg(t.algo), "num_envs"));
    ck_assert_int_eq(rl_algo_iterate(t.algo, NULL), RL_ENUMERIC);
    ck_assert_int_eq(rl_algo_save(t.algo, again), RL_ENUMERIC);

    /* The good checkpoint: loaded, the same bytes saved again, and the
     * same failure in the same iteration (the run resumes exactly). */
    ck_assert_msg(rl_algo_load(t.algo, good) == RL_OK, "%s", rl_algo_errmsg(t.algo));
    ck_assert_uint_eq(rl_algo_iterations(t.algo), 2);
    ck_assert_int_eq(rl_algo_save(t.algo, again), RL_OK);
    assert_same_file(good, again);
    ck_assert_int_eq(rl_algo_iterate(t.algo, NULL), RL_ENUMERIC);
    ck_assert_str_eq(rl_algo_errmsg(t.algo), first);

    /* rl_algo_load_agent too; the agent then trains (its running returns,
     * which held infinities, start again from 0). */
    ck_assert_msg(rl_algo_load_agent(t.algo, good) == RL_OK, "%s", rl_algo_errmsg(t.algo));
    ck_assert_int_eq(rl_algo_save(t.algo, again), RL_OK);
    free_ppo(&t);
    remove(good);
    remove(again);
    remove(other);
    rmdir(dir);
}
END_TEST

START_TEST(test_policy_interface)
{
    /* The agent's rl_policy acts as the agent does; its logp and value are
     * the actor-critic's; saved and loaded it acts the same. */
    trained t = make_ppo("pendulum", "[ppo]\nsteps_per_iteration = 256\nepochs = 1\n"
                                     "normalize_observations = true\n", 2, 4);
    iterate(&t, 2, NULL);
    const rl_policy *pol = rl_algo_policy(t.algo);
    ck_assert_ptr_nonnull(pol);
    ck_assert_str_eq(pol->type->name, "actor_critic");
    const double obs[6] = {1, 0, 0.5, -0.6, 0.8, -3};
    double a1[2], a2[2], lp[2], v[2];
    ck_assert_int_eq(rl_algo_act(t.algo, obs, 2, a1, 1), RL_OK);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 1, 1);
    rl_error err = {0};
    ck_assert_int_eq(rl_policy_act(pol, obs, 2, 1, &rng, a2, lp, v, &err), RL_OK);
    for (int i = 0; i < 2; i++) {
        ck_assert_double_eq(a1[i], a2[i]);
        ck_assert_double_eq(lp[i], 0);
        ck_assert(isfinite(v[i]));
        ck_assert(a2[i] >= -2 && a2[i] <= 2);
    }
    rl_writer w = {0};
    rl_policy_save(pol, &w);
    ck_assert(!w.failed);
    trained u = make_ppo("pendulum", "[ppo]\nsteps_per_iteration = 256\nepochs = 1\n"
                                     "normalize_observations = true\n", 2, 99);
    const rl_policy *pu = rl_algo_policy(u.algo);
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_policy_load(pu, &r, &err), RL_OK);
    ck_assert_int_eq(rl_algo_act(u.algo, obs, 2, a2, 1), RL_OK);
    for (int i = 0; i < 2; i++) ck_assert_double_eq(a1[i], a2[i]);
    /* A truncated record is refused and changes nothing. */
    rl_reader rt = {w.data, w.len - 1, 0, 0};
    ck_assert_int_eq(rl_policy_load(pu, &rt, &err), RL_EFORMAT);
    ck_assert_int_eq(rl_algo_act(u.algo, obs, 2, a2, 1), RL_OK);
    for (int i = 0; i < 2; i++) ck_assert_double_eq(a1[i], a2[i]);
    rl_writer_free(&w);
    free_ppo(&u);
    free_ppo(&t);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("ppo");
    TCase *tc = tcase_create("parts");
    tcase_add_test(tc, test_categorical_closed_form);
    tcase_add_test(tc, test_categorical_gradients);
    tcase_add_test(tc, test_gaussian_closed_form);
    tcase_add_test(tc, test_gae_hand_worked);
    tcase_add_test(tc, test_gae_lambda_one_is_monte_carlo);
    tcase_add_test(tc, test_clip_loss);
    tcase_add_test(tc, test_value_loss);
    tcase_add_test(tc, test_ac_gradient_categorical);
    tcase_add_test(tc, test_ac_gradient_gaussian);
    tcase_add_test(tc, test_ac_loss_parts);
    tcase_add_test(tc, test_ac_loss_rows);
    tcase_add_test(tc, test_env_action_clipped);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("training");
    tcase_add_checked_fixture(tr, setup, teardown);
    tcase_set_timeout(tr, 0);
    tcase_add_test(tr, test_ppo_learns_cartpole);
    tcase_add_test(tr, test_resume_is_exact_cartpole);
    tcase_add_test(tr, test_resume_is_exact_pendulum_normalised);
    tcase_add_test(tr, test_same_seed_same_run);
    tcase_add_test(tr, test_episodes_per_iteration);
    tcase_add_test(tr, test_bad_configs);
    tcase_add_test(tr, test_anneal_span);
    tcase_add_test(tr, test_resume_needs_same_shape);
    tcase_add_test(tr, test_load_agent);
    tcase_add_test(tr, test_policy_interface);
    tcase_add_test(tr, test_load_into_failed_agent);
    suite_add_tcase(s, tr);
    return s;
}

RL_TEST_MAIN(make_suite)
