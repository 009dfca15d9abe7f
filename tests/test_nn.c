/* Tests for librl's float32 networks and optimisers (rl/nn.h).
 *
 * - Gradients: the analytic backward of a 3-layer MLP (tanh and relu, a
 *   batch of several rows) against central differences of an independent
 *   double-precision forward written here, for every parameter and input.
 * - Known answers worked by hand: the forward and backward of a 2-2-1
 *   network, two Adam steps on three parameters, gradient clipping.
 * - The activations against libm's tanh over a sweep and at the edges.
 * - Orthogonal initialisation: orthogonality, zero biases, determinism, and
 *   torch's sign convention (W = gain * Q with A = Q R, diag(R) > 0, for
 *   the very normals the generator gives).
 * - Gradient accumulation, zero_grad, determinism, caller-owned arrays and
 *   every error path. */
#include <limits.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------ */

static void fill_uniform(rl_pcg32 *rng, float *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(lo + (hi - lo) * rl_pcg32_double(rng));
}

/* A double-precision forward of the network m describes, with parameters p
 * (same layout) and input x (n rows): written independently of nn.c, so the
 * gradient check compares librl with a second implementation. min_abs_pre,
 * when not NULL, gets the smallest |pre-activation| of the hidden layers
 * (relu's kink must stay well away from a finite-difference step). */
static void ref_forward(const rl_mlp *m, const double *p, const double *x, size_t n, double *out,
                        double *min_abs_pre)
{
    double cur[64], next[64];
    double mn = INFINITY;
    for (size_t r = 0; r < n; r++) {
        size_t width = m->sizes[0];
        for (size_t j = 0; j < width; j++) cur[j] = x[r * width + j];
        const double *w = p;
        for (size_t l = 1; l <= m->nlayers; l++) {
            size_t in = m->sizes[l - 1], o = m->sizes[l];
            const double *b = w + o * in;
            for (size_t i = 0; i < o; i++) {
                double s = b[i];
                for (size_t j = 0; j < in; j++) s += w[i * in + j] * cur[j];
                if (l < m->nlayers) {
                    if (fabs(s) < mn) mn = fabs(s);
                    s = m->act == RL_ACT_TANH ? tanh(s) : (s > 0 ? s : 0);
                }
                next[i] = s;
            }
            memcpy(cur, next, o * sizeof cur[0]);
            w = b + o;
        }
        memcpy(out + r * m->sizes[m->nlayers], cur, m->sizes[m->nlayers] * sizeof cur[0]);
    }
    if (min_abs_pre) *min_abs_pre = mn;
}

/* The test loss: sum over the batch of wts .* output. */
static double ref_loss(const rl_mlp *m, const double *p, const double *x, size_t n,
                       const double *wts, double *buf)
{
    ref_forward(m, p, x, n, buf, NULL);
    double s = 0;
    for (size_t i = 0; i < n * m->sizes[m->nlayers]; i++) s += wts[i] * buf[i];
    return s;
}

static void assert_close(double got, double want, double abs_tol, double rel_tol, const char *what,
                         size_t i)
{
    ck_assert_msg(fabs(got - want) <= abs_tol + rel_tol * fabs(want),
                  "%s[%zu]: got %.9g, want %.9g", what, i, got, want);
}

/* ---- gradient check ------------------------------------------------------------ */

START_TEST(test_gradient_check)
{
    /* _i is the activation: the loop runs the check for tanh and for relu. */
    rl_activation act = (rl_activation)_i;
    /* Widths of 11 and 9: nn.c works in blocks of 8 values plus a scalar
     * tail, and both paths must be right. */
    enum { NIN = 3, NOUT = 2, BATCH = 4 };
    const size_t hidden[] = {11, 9};
    rl_mlp m;
    rl_error err = {0};
    ck_assert_msg(rl_mlp_init(&m, NIN, hidden, 2, NOUT, act, 8, NULL, NULL, &err) == RL_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(m.nlayers, 3);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 12345u + (uint64_t)_i, 7u);
    /* Random weights and biases rather than the orthogonal init, so that
     * the biases' gradients flow through non-trivial values too. */
    fill_uniform(&rng, m.params, m.nparams, -0.8, 0.8);
    float x[BATCH * NIN], w[BATCH * NOUT], dx[BATCH * NIN];
    fill_uniform(&rng, x, BATCH * NIN, -1.5, 1.5);
    fill_uniform(&rng, w, BATCH * NOUT, -1, 1);

    double *p = malloc(m.nparams * sizeof *p);
    ck_assert_ptr_nonnull(p);
    double xd[BATCH * NIN], wd[BATCH * NOUT], outd[BATCH * NOUT], mn;
    for (size_t i = 0; i < m.nparams; i++) p[i] = m.params[i];
    for (size_t i = 0; i < BATCH * NIN; i++) xd[i] = x[i];
    for (size_t i = 0; i < BATCH * NOUT; i++) wd[i] = w[i];

    /* The float forward agrees with the double one. */
    const float *out = rl_mlp_forward(&m, x, BATCH);
    ck_assert_ptr_nonnull(out);
    ref_forward(&m, p, xd, BATCH, outd, &mn);
    for (size_t i = 0; i < BATCH * NOUT; i++) assert_close(out[i], outd[i], 1e-5, 1e-5, "out", i);
    /* Central differences across relu's kink would be meaningless; a step
     * of 1e-6 moves a pre-activation by a few 1e-6 at most. */
    if (act == RL_ACT_RELU)
        ck_assert_msg(mn > 1e-4, "a pre-activation is %g from 0; pick another seed", mn);

    rl_mlp_zero_grad(&m);
    rl_mlp_backward(&m, w, BATCH, dx);

    const double h = 1e-6;
    double maxerr = 0;
    for (size_t k = 0; k < m.nparams; k++) {
        double keep = p[k];
        p[k] = keep + h;
        double lp = ref_loss(&m, p, xd, BATCH, wd, outd);
        p[k] = keep - h;
        double lm = ref_loss(&m, p, xd, BATCH, wd, outd);
        p[k] = keep;
        double num = (lp - lm) / (2 * h);
        if (fabs(m.grads[k] - num) > maxerr) maxerr = fabs(m.grads[k] - num);
        assert_close(m.grads[k], num, 2e-5, 1e-4, "grad", k);
    }
    for (size_t k = 0; k < BATCH * NIN; k++) {
        double keep = xd[k];
        xd[k] = keep + h;
        double lp = ref_loss(&m, p, xd, BATCH, wd, outd);
        xd[k] = keep - h;
        double lm = ref_loss(&m, p, xd, BATCH, wd, outd);
        xd[k] = keep;
        assert_close(dx[k], (lp - lm) / (2 * h), 2e-5, 1e-4, "dx", k);
    }
    /* Not vacuous: the gradients are of order one. */
    double gmax = 0;
    for (size_t k = 0; k < m.nparams; k++)
        if (fabs(m.grads[k]) > gmax) gmax = fabs(m.grads[k]);
    ck_assert_msg(gmax > 0.1, "largest gradient %g", gmax);
    ck_assert_msg(maxerr < 2e-5, "max error %g", maxerr);
    free(p);
    rl_mlp_free(&m);
}
END_TEST

/* ---- a network worked by hand ------------------------------------------------- */

/* 2-2-1: W1 = [[0.5, -1], [2, 0.25]], b1 = [0.1, -0.2], W2 = [[1.5, -0.5]],
 * b2 = [0.3]. Row x = (1, 2): pre1 = (0.5 - 2 + 0.1, 2 + 0.5 - 0.2)
 * = (-1.4, 2.3). Row x = (-1, 0.5): pre1 = (-0.5 - 0.5 + 0.1, -2 + 0.125
 * - 0.2) = (-0.9, -2.075). */
static const float tiny_params[9] = {0.5f, -1.0f, 2.0f, 0.25f, 0.1f, -0.2f, 1.5f, -0.5f, 0.3f};
static const float tiny_x[4] = {1.0f, 2.0f, -1.0f, 0.5f};

START_TEST(test_forward_by_hand)
{
    const size_t hidden[] = {2};
    ck_assert_uint_eq(rl_mlp_param_count(2, hidden, 1, 1), 9);
    float p[9], g[9];
    memcpy(p, tiny_params, sizeof p);
    rl_mlp m;
    ck_assert_int_eq(rl_mlp_init(&m, 2, hidden, 1, 1, RL_ACT_TANH, 2, p, g, NULL), RL_OK);
    /* Caller-owned arrays are used as they are, not copied or cleared. */
    ck_assert_ptr_eq(m.params, p);
    ck_assert_ptr_eq(m.grads, g);
    ck_assert_int_eq(m.owns, 0);
    ck_assert_float_eq(m.params[0], 0.5f);
    const float *y = rl_mlp_forward(&m, tiny_x, 2);
    ck_assert_ptr_nonnull(y);
    /* 1.5 tanh(-1.4) - 0.5 tanh(2.3) + 0.3 and 1.5 tanh(-0.9) - 0.5 tanh(-2.075) + 0.3. */
    ck_assert_double_eq_tol(y[0], -1.5180756704364895, 1e-6);
    ck_assert_double_eq_tol(y[1], -0.28996656187694564, 1e-6);
    rl_mlp_free(&m);

    ck_assert_int_eq(rl_mlp_init(&m, 2, hidden, 1, 1, RL_ACT_RELU, 2, p, g, NULL), RL_OK);
    y = rl_mlp_forward(&m, tiny_x, 2);
    /* relu: h = (0, 2.3) gives -1.15 + 0.3; h = (0, 0) gives the bias alone. */
    ck_assert_double_eq_tol(y[0], -0.85, 1e-6);
    ck_assert_double_eq_tol(y[1], 0.3, 1e-7);
    rl_mlp_free(&m);
    /* The caller's arrays survive rl_mlp_free (valgrind sees a double free
     * otherwise). */
    ck_assert_float_eq(p[8], 0.3f);
}
END_TEST

START_TEST(test_backward_by_hand)
{
    /* relu, first row only, dLoss/dy = 1: h = (0, 2.3), so dW2 = (0, 2.3),
     * db2 = 1; delta1 = W2 * relu'(h) = (0, -0.5); dW1 = delta1^T x
     * = [[0, 0], [-0.5, -1]]; db1 = (0, -0.5); dx = delta1 W1
     * = (-0.5 * 2, -0.5 * 0.25) = (-1, -0.125). */
    const size_t hidden[] = {2};
    float p[9], g[9], dx[2];
    memcpy(p, tiny_params, sizeof p);
    for (int i = 0; i < 9; i++) g[i] = 100.0f; /* zero_grad must clear this */
    rl_mlp m;
    ck_assert_int_eq(rl_mlp_init(&m, 2, hidden, 1, 1, RL_ACT_RELU, 2, p, g, NULL), RL_OK);
    rl_mlp_zero_grad(&m);
    for (int i = 0; i < 9; i++) ck_assert_float_eq(g[i], 0.0f);
    rl_mlp_forward(&m, tiny_x, 1);
    const float one = 1.0f;
    rl_mlp_backward(&m, &one, 1, dx);
    const double want[9] = {0, 0, -0.5, -1, 0, -0.5, 0, 2.3, 1};
    for (size_t i = 0; i < 9; i++) assert_close(g[i], want[i], 1e-6, 1e-6, "grad", i);
    assert_close(dx[0], -1.0, 1e-6, 0, "dx", 0);
    assert_close(dx[1], -0.125, 1e-6, 0, "dx", 1);
    rl_mlp_free(&m);
}
END_TEST

START_TEST(test_activations)
{
    /* 1-1-1 with unit weights and zero biases: the output is the hidden
     * activation itself. tanh is a rational approximation (rl/nn.h): it must
     * stay within 4e-7 of tanh over a fine sweep and in its clamped tails,
     * be odd, never exceed 1 in magnitude and keep NaN a NaN. */
    enum { SWEEP = 24001, NSPECIAL = 10 };
    const float special[NSPECIAL] = {0.0f, -0.0f, 1e-30f, 3e-4f, 4.5e-4f, 7.9f, 8.0f, 1e30f,
                                     INFINITY, NAN};
    const size_t hidden[] = {1};
    float p[4] = {1, 0, 1, 0}, g[4];
    rl_mlp m;
    ck_assert_int_eq(rl_mlp_init(&m, 1, hidden, 1, 1, RL_ACT_TANH, 2 * SWEEP + NSPECIAL, p, g,
                                 NULL),
                     RL_OK);
    float *x = malloc((2 * SWEEP + NSPECIAL) * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < SWEEP; i++) {
        x[i] = (float)(-12.0 + 0.001 * (double)i);
        x[SWEEP + i] = -x[i];
    }
    memcpy(x + 2 * SWEEP, special, sizeof special);
    const float *y = rl_mlp_forward(&m, x, 2 * SWEEP + NSPECIAL);
    ck_assert_ptr_nonnull(y);
    double worst = 0;
    for (size_t i = 0; i < 2 * SWEEP + NSPECIAL - 1; i++) {
        double e = fabs(y[i] - tanh((double)x[i]));
        if (e > worst) worst = e;
        ck_assert_msg(e <= 4e-7, "tanh(%.9g): got %.9g, want %.9g", x[i], y[i], tanh(x[i]));
        ck_assert_msg(fabsf(y[i]) <= 1.0f, "tanh(%.9g) = %.9g", x[i], y[i]);
    }
    for (size_t i = 0; i < SWEEP; i++) ck_assert_float_eq(y[SWEEP + i], -y[i]);
    /* Near 0 the error is relative too: tanh(x) rounds to x there. */
    ck_assert_float_eq_tol(y[2 * SWEEP + 2], 1e-30f, 3e-37f);
    ck_assert_float_eq_tol(y[2 * SWEEP + 3], tanh(3e-4), 1e-10f);
    ck_assert_float_eq_tol(y[2 * SWEEP + 4], tanh(4.5e-4), 1e-10f);
    ck_assert_float_eq(y[2 * SWEEP + 8], 1.0f);   /* +inf */
    ck_assert(isnan(y[2 * SWEEP + 9]));
    rl_mlp_free(&m);

    /* relu keeps NaN too, and zeroes negatives, -inf included. */
    ck_assert_int_eq(rl_mlp_init(&m, 1, hidden, 1, 1, RL_ACT_RELU, 4, p, g, NULL), RL_OK);
    const float xr[4] = {-2.5f, 2.5f, -INFINITY, NAN};
    y = rl_mlp_forward(&m, xr, 4);
    ck_assert_float_eq(y[0], 0.0f);
    ck_assert_float_eq(y[1], 2.5f);
    ck_assert_float_eq(y[2], 0.0f);
    ck_assert(isnan(y[3]));
    rl_mlp_free(&m);
    free(x);
}
END_TEST

/* ---- accumulation, zero_grad, determinism --------------------------------------- */

enum { ACC_NIN = 4, ACC_NOUT = 9, ACC_BATCH = 5 };

static void acc_net(rl_mlp *m, rl_activation act)
{
    const size_t hidden[] = {10, 12};
    ck_assert_int_eq(rl_mlp_init(m, ACC_NIN, hidden, 2, ACC_NOUT, act, ACC_BATCH, NULL, NULL, NULL),
                     RL_OK);
    ck_assert_int_eq(m->owns, 1);
    for (size_t i = 0; i < m->nparams; i++) {
        ck_assert_float_eq(m->params[i], 0.0f); /* allocated zeroed */
        ck_assert_float_eq(m->grads[i], 0.0f);
    }
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 99, 1);
    fill_uniform(&rng, m->params, m->nparams, -0.7, 0.7);
}

START_TEST(test_gradient_accumulation)
{
    rl_mlp m;
    acc_net(&m, RL_ACT_TANH);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 5, 5);
    float x[ACC_BATCH * ACC_NIN], a[ACC_BATCH * ACC_NOUT], b[ACC_BATCH * ACC_NOUT];
    fill_uniform(&rng, x, ACC_BATCH * ACC_NIN, -1, 1);
    fill_uniform(&rng, a, ACC_BATCH * ACC_NOUT, -1, 1);
    fill_uniform(&rng, b, ACC_BATCH * ACC_NOUT, -1, 1);
    size_t np = m.nparams;
    float *ga = malloc(np * sizeof *ga), *gb = malloc(np * sizeof *gb);
    ck_assert_ptr_nonnull(ga);
    ck_assert_ptr_nonnull(gb);

    rl_mlp_forward(&m, x, ACC_BATCH);
    rl_mlp_backward(&m, a, ACC_BATCH, NULL);
    memcpy(ga, m.grads, np * sizeof *ga);
    rl_mlp_zero_grad(&m);
    rl_mlp_backward(&m, b, ACC_BATCH, NULL);
    memcpy(gb, m.grads, np * sizeof *gb);

    /* Two calls without zero_grad add up: backward is linear in dout. */
    rl_mlp_zero_grad(&m);
    for (size_t i = 0; i < np; i++) ck_assert_float_eq(m.grads[i], 0.0f);
    rl_mlp_backward(&m, a, ACC_BATCH, NULL);
    rl_mlp_backward(&m, b, ACC_BATCH, NULL);
    for (size_t i = 0; i < np; i++) assert_close(m.grads[i], ga[i] + gb[i], 1e-6, 1e-5, "a+b", i);

    /* Gradients add to whatever is there, not only to zeros. */
    for (size_t i = 0; i < np; i++) m.grads[i] = 1.0f;
    rl_mlp_backward(&m, a, ACC_BATCH, NULL);
    for (size_t i = 0; i < np; i++) assert_close(m.grads[i], 1.0 + ga[i], 1e-6, 1e-5, "1+a", i);

    /* The gradients are not all zero, or the checks above prove nothing. */
    double s = 0;
    for (size_t i = 0; i < np; i++) s += fabs(ga[i]);
    ck_assert_double_gt(s, 1.0);
    free(ga);
    free(gb);
    rl_mlp_free(&m);
}
END_TEST

START_TEST(test_determinism)
{
    /* Same inputs, same bits: forward twice, and backward from zeroed
     * gradients twice, with and without dx. */
    rl_mlp m;
    acc_net(&m, (rl_activation)_i);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 8, 8);
    float x[ACC_BATCH * ACC_NIN], d[ACC_BATCH * ACC_NOUT], y1[ACC_BATCH * ACC_NOUT];
    float dx1[ACC_BATCH * ACC_NIN], dx2[ACC_BATCH * ACC_NIN];
    fill_uniform(&rng, x, ACC_BATCH * ACC_NIN, -1, 1);
    fill_uniform(&rng, d, ACC_BATCH * ACC_NOUT, -1, 1);
    size_t np = m.nparams;
    float *g1 = malloc(np * sizeof *g1);
    ck_assert_ptr_nonnull(g1);

    memcpy(y1, rl_mlp_forward(&m, x, ACC_BATCH), sizeof y1);
    rl_mlp_backward(&m, d, ACC_BATCH, dx1);
    memcpy(g1, m.grads, np * sizeof *g1);

    /* Another forward on other data in between must not leave a trace. */
    float junk[ACC_BATCH * ACC_NIN];
    fill_uniform(&rng, junk, ACC_BATCH * ACC_NIN, -3, 3);
    rl_mlp_forward(&m, junk, 3);

    rl_mlp_zero_grad(&m);
    const float *y2 = rl_mlp_forward(&m, x, ACC_BATCH);
    ck_assert_int_eq(memcmp(y1, y2, sizeof y1), 0);
    rl_mlp_backward(&m, d, ACC_BATCH, dx2);
    ck_assert_int_eq(memcmp(g1, m.grads, np * sizeof *g1), 0);
    ck_assert_int_eq(memcmp(dx1, dx2, sizeof dx1), 0);
    rl_mlp_zero_grad(&m);
    rl_mlp_backward(&m, d, ACC_BATCH, NULL);
    ck_assert_int_eq(memcmp(g1, m.grads, np * sizeof *g1), 0);

    /* Every row depends on its own input only: row 0 alone gives row 0 of
     * the batch result. */
    const float *y0 = rl_mlp_forward(&m, x, 1);
    for (size_t j = 0; j < ACC_NOUT; j++) assert_close(y0[j], y1[j], 1e-6, 1e-6, "row0", j);
    free(g1);
    rl_mlp_free(&m);
}
END_TEST

/* ---- orthogonal initialisation ------------------------------------------------- */

START_TEST(test_orthogonal_init)
{
    /* Tall (8x5), square (8x8), wide (3x8) and tall again (6x3) weights. */
    const size_t hidden[] = {8, 8, 3};
    const double gains[] = {sqrt(2.0), 1.0, 0.5, 0.01};
    rl_mlp m, m2;
    rl_error err = {0};
    ck_assert_int_eq(rl_mlp_init(&m, 5, hidden, 3, 6, RL_ACT_TANH, 1, NULL, NULL, NULL), RL_OK);
    ck_assert_int_eq(rl_mlp_init(&m2, 5, hidden, 3, 6, RL_ACT_TANH, 1, NULL, NULL, NULL), RL_OK);
    for (size_t i = 0; i < m.nparams; i++) m.params[i] = 7.0f; /* biases must be reset */
    rl_pcg32 rng, rng2, ref;
    rl_pcg32_seed(&rng, 2024, 3);
    rl_pcg32_seed(&ref, 2024, 3);
    ck_assert_msg(rl_mlp_orthogonal_init(&m, gains, &rng, &err) == RL_OK, "%s", err.msg);

    const float *w = m.params;
    for (size_t l = 0; l < m.nlayers; l++) {
        size_t rows = m.sizes[l + 1], cols = m.sizes[l];
        double g = gains[l];
        /* The Gram matrix of the shorter side: W W^T when W is wide or
         * square, W^T W when tall, is gain^2 I; checked on W / gain so that
         * the tolerance means the same for every gain. */
        int wide = rows <= cols;
        size_t k = wide ? rows : cols, len = wide ? cols : rows;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++) {
                double s = 0;
                for (size_t t = 0; t < len; t++) {
                    double u = wide ? w[i * cols + t] : w[t * cols + i];
                    double v = wide ? w[j * cols + t] : w[t * cols + j];
                    s += u * v;
                }
                ck_assert_msg(fabs(s / (g * g) - (i == j)) < 1e-5,
                              "layer %zu: gram[%zu][%zu] = %g gain^2", l, i, j, s / (g * g));
            }
        /* torch's convention, which makes the result unique: with A the
         * rows x cols normals drawn for this layer (row-major), the tall
         * one of A and A^T is Q R with Q = W / gain (or its transpose) and
         * R upper triangular with a positive diagonal. So R = Q^T A must
         * come out that way. */
        double a[64];
        for (size_t i = 0; i < rows * cols; i++) a[i] = rl_pcg32_normal(&ref);
        int tall = rows >= cols;
        size_t M = tall ? rows : cols, N = tall ? cols : rows;
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) {
                double r = 0; /* R[i][j] = sum_t Q[t][i] * T[t][j], T the tall one of A, A^T */
                for (size_t t = 0; t < M; t++) {
                    double q = tall ? w[t * cols + i] : w[i * cols + t];
                    double tt = tall ? a[t * cols + j] : a[j * cols + t];
                    r += q / g * tt;
                }
                if (i > j)
                    ck_assert_msg(fabs(r) < 1e-5, "layer %zu: R[%zu][%zu] = %g", l, i, j, r);
                if (i == j) ck_assert_msg(r > 1e-3, "layer %zu: R[%zu][%zu] = %g", l, i, i, r);
            }
        for (size_t i = 0; i < rows; i++) ck_assert_float_eq(w[rows * cols + i], 0.0f);
        w += rows * (cols + 1);
    }
    /* The generator advanced by exactly those normals. */
    ck_assert_uint_eq(rng.state, ref.state);

    /* Same seed, same weights, bit for bit; another seed, other weights. */
    rl_pcg32_seed(&rng2, 2024, 3);
    ck_assert_int_eq(rl_mlp_orthogonal_init(&m2, gains, &rng2, NULL), RL_OK);
    ck_assert_int_eq(memcmp(m.params, m2.params, m.nparams * sizeof(float)), 0);
    rl_pcg32_seed(&rng2, 2025, 3);
    ck_assert_int_eq(rl_mlp_orthogonal_init(&m2, gains, &rng2, NULL), RL_OK);
    ck_assert_int_ne(memcmp(m.params, m2.params, m.nparams * sizeof(float)), 0);

    /* A non-finite gain is refused before anything is drawn. */
    const double bad[] = {1.0, NAN, 1.0, 1.0};
    rl_pcg32 before = rng2;
    ck_assert_int_eq(rl_mlp_orthogonal_init(&m2, bad, &rng2, &err), RL_ENUMERIC);
    ck_assert_int_eq(err.code, RL_ENUMERIC);
    ck_assert_uint_eq(rng2.state, before.state);
    ck_assert_int_eq(rl_mlp_orthogonal_init(&m2, NULL, &rng2, &err), RL_EINVAL);
    rl_mlp_free(&m);
    rl_mlp_free(&m2);
}
END_TEST

START_TEST(test_orthogonal_single_column)
{
    /* Vector-shaped layers: a 1 x 4 head (wide) and a 4 x 1 input layer
     * (tall): each is gain times a unit vector along the normals' direction
     * (R is 1 x 1, positive, so the sign follows the normals). */
    rl_mlp m;
    const size_t hidden[] = {4};
    const double gains[] = {2.0, 0.5};
    ck_assert_int_eq(rl_mlp_init(&m, 1, hidden, 1, 1, RL_ACT_RELU, 1, NULL, NULL, NULL), RL_OK);
    rl_pcg32 rng, ref;
    rl_pcg32_seed(&rng, 1, 2);
    rl_pcg32_seed(&ref, 1, 2);
    ck_assert_int_eq(rl_mlp_orthogonal_init(&m, gains, &rng, NULL), RL_OK);
    const float *w[2] = {m.params, m.params + 8}; /* W1 4x1, b1 4, W2 1x4, b2 1 */
    for (int l = 0; l < 2; l++) {
        double z[4], nz = 0;
        for (int i = 0; i < 4; i++) {
            z[i] = rl_pcg32_normal(&ref);
            nz += z[i] * z[i];
        }
        nz = sqrt(nz);
        for (int i = 0; i < 4; i++) assert_close(w[l][i], gains[l] * z[i] / nz, 1e-6, 1e-6, "w", i);
    }
    rl_mlp_free(&m);
}
END_TEST

/* ---- Adam --------------------------------------------------------------------- */

START_TEST(test_adam_by_hand)
{
    /* lr 0.1, beta1 0.9, beta2 0.999, eps 1e-8; p = (1, -2, 0.5).
     *
     * t = 1, g = (0.1, -0.2, 0.3): m = 0.1 g = (0.01, -0.02, 0.03),
     * v = 0.001 g^2 = (1e-5, 4e-5, 9e-5). With 1 - b1 = 0.1 and
     * 1 - b2 = 0.001 the corrected m / sqrt(v) is g / |g|, so each step is
     * 0.1 |g| / (|g| + 1e-8) in the direction of -g:
     * p = (1 - 0.1 * 0.1/(0.1 + 1e-8), ...) = (0.90000001, -1.9000000050,
     * 0.40000000333).
     *
     * t = 2, g = (0.2, 0.1, -0.3): m = 0.9 m + 0.1 g = (0.029, -0.008,
     * -0.003); v = 0.999 v + 0.001 g^2 = (4.999e-5, 4.996e-5, 1.7991e-4).
     * 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999. For p[2]: m / 0.19 =
     * -0.0157894737, v / 0.001999 = 0.09 exactly, sqrt 0.3, so the step is
     * 0.1 * -0.0157894737 / 0.3 = -0.00526315789 and p[2] = 0.40526316.
     * For p[0]: 0.1 * (0.029 / 0.19) / sqrt(4.999e-5 / 0.001999)
     * = 0.1 * 0.152631579 / 0.158138 = 0.0965182, p[0] = 0.8034818. For
     * p[1]: 0.1 * (-0.008 / 0.19) / sqrt(4.996e-5 / 0.001999) = -0.0266337,
     * p[1] = -1.8733663. (Full double precision by the same formula.) */
    rl_adam a;
    ck_assert_int_eq(rl_adam_init(&a, 3, 0.9, 0.999, 1e-8), RL_OK);
    float p[3] = {1.0f, -2.0f, 0.5f};
    const float g1[3] = {0.1f, -0.2f, 0.3f}, g2[3] = {0.2f, 0.1f, -0.3f};
    rl_adam_step(&a, p, g1, 0.1);
    ck_assert_uint_eq(a.t, 1);
    ck_assert_double_eq_tol(p[0], 0.900000009999999, 1e-6);
    ck_assert_double_eq_tol(p[1], -1.9000000049999999, 1e-6);
    ck_assert_double_eq_tol(p[2], 0.4000000033333332, 1e-6);
    ck_assert_double_eq_tol(a.m[1], -0.02, 1e-8);
    ck_assert_double_eq_tol(a.v[2], 9e-5, 1e-10);
    rl_adam_step(&a, p, g2, 0.1);
    ck_assert_uint_eq(a.t, 2);
    ck_assert_double_eq_tol(p[0], 0.803481813521253, 1e-6);
    ck_assert_double_eq_tol(p[1], -1.873366302718676, 1e-6);
    ck_assert_double_eq_tol(p[2], 0.4052631610526314, 1e-6);
    ck_assert_double_eq_tol(a.m[0], 0.029, 1e-8);
    ck_assert_double_eq_tol(a.v[1], 4.996e-5, 1e-10);
    rl_adam_free(&a);
    rl_adam_free(&a); /* freeing twice is harmless */
    rl_adam_free(NULL);
}
END_TEST

START_TEST(test_adam_errors)
{
    rl_adam a;
    ck_assert_int_eq(rl_adam_init(&a, 0, 0.9, 0.999, 1e-8), RL_EINVAL);
    ck_assert_int_eq(rl_adam_init(&a, 3, 1.0, 0.999, 1e-8), RL_EINVAL);
    ck_assert_int_eq(rl_adam_init(&a, 3, -0.1, 0.999, 1e-8), RL_EINVAL);
    ck_assert_int_eq(rl_adam_init(&a, 3, 0.9, 1.0, 1e-8), RL_EINVAL);
    ck_assert_int_eq(rl_adam_init(&a, 3, 0.9, NAN, 1e-8), RL_EINVAL);
    ck_assert_int_eq(rl_adam_init(&a, 3, 0.9, 0.999, -1e-8), RL_EINVAL);
    ck_assert_ptr_null(a.m);
    rl_adam_free(&a);
    /* The bounds themselves: beta 0 and eps 0 are allowed. */
    ck_assert_int_eq(rl_adam_init(&a, 3, 0.0, 0.0, 0.0), RL_OK);
    rl_adam_free(&a);
}
END_TEST

/* ---- gradient clipping ---------------------------------------------------------- */

START_TEST(test_clip_grad_norm)
{
    float g[2] = {3.0f, 4.0f};
    /* Below the limit, and with clipping off: the norm, g untouched. */
    ck_assert_double_eq(rl_clip_grad_norm(g, 2, 10.0), 5.0);
    ck_assert_float_eq(g[0], 3.0f);
    ck_assert_float_eq(g[1], 4.0f);
    ck_assert_double_eq(rl_clip_grad_norm(g, 2, 0.0), 5.0);
    ck_assert_float_eq(g[1], 4.0f);
    /* Above: scaled by 1 / (5 + 1e-6), to a norm of 1 less a hair. */
    ck_assert_double_eq(rl_clip_grad_norm(g, 2, 1.0), 5.0);
    ck_assert_double_eq_tol(g[0], 0.6, 1e-6);
    ck_assert_double_eq_tol(g[1], 0.8, 1e-6);
    ck_assert_double_eq_tol(rl_clip_grad_norm(g, 2, 0.0), 1.0, 1e-6);
    /* At exactly the limit torch still scales (coef = 5 / (5 + 1e-6) < 1). */
    g[0] = 3.0f;
    g[1] = 4.0f;
    rl_clip_grad_norm(g, 2, 5.0);
    ck_assert_float_lt(g[0], 3.0f);
    ck_assert_double_eq_tol(g[0], 3.0 * 5.0 / (5.0 + 1e-6), 1e-6);
    /* The norm is summed in double: float squares would overflow here. */
    float big[2] = {1e30f, 1e30f};
    ck_assert_double_eq_tol(rl_clip_grad_norm(big, 2, 0.0), sqrt(2.0) * 1e30, 1e24);
    /* Non-finite gradients: a non-finite norm, and g left as it was. */
    float bad[3] = {1.0f, NAN, 2.0f}, keep[3];
    memcpy(keep, bad, sizeof bad);
    ck_assert(isnan(rl_clip_grad_norm(bad, 3, 1.0)));
    ck_assert_int_eq(memcmp(bad, keep, sizeof bad), 0);
    float inf[2] = {INFINITY, 1.0f};
    ck_assert(isinf(rl_clip_grad_norm(inf, 2, 1.0)));
    ck_assert_float_eq(inf[1], 1.0f);
    /* An empty vector has norm 0. */
    ck_assert_double_eq(rl_clip_grad_norm(NULL, 0, 1.0), 0.0);

    ck_assert_int_eq(rl_all_finite_f(g, 2), 1);
    ck_assert_int_eq(rl_all_finite_f(bad, 3), 0);
    ck_assert_int_eq(rl_all_finite_f(inf, 2), 0);
    ck_assert_int_eq(rl_all_finite_f(NULL, 0), 1);
}
END_TEST

/* rl_sumsq_chunked's order, written out: chunks of RL_NORM_CHUNK, 8 lanes
 * each added pairwise, the chunks in order. */
static double sumsq_reference(const float *x, size_t n)
{
    double ss = 0;
    for (size_t at = 0; at < n; at += RL_NORM_CHUNK) {
        size_t len = n - at < RL_NORM_CHUNK ? n - at : RL_NORM_CHUNK;
        double lane[8] = {0};
        for (size_t i = 0; i < len; i++) lane[i % 8] += (double)x[at + i] * (double)x[at + i];
        double a = lane[0] + lane[4], b = lane[1] + lane[5], c = lane[2] + lane[6],
               d = lane[3] + lane[7];
        ss += (a + c) + (b + d);
    }
    return ss;
}

/* The fused step gives the bits of clip, Adam and the finite check done
 * one after another, whether it clips or not, over sizes that leave
 * remainders in every loop; its norm is rl_sumsq_chunked's. */
START_TEST(test_adam_clip_step_fused)
{
    size_t sizes[] = {1, 7, 8, 9, 4095, 4096, 4097, 12931};
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 42, 1);
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        float *p1 = malloc(n * sizeof *p1), *p2 = malloc(n * sizeof *p2);
        float *g = malloc(n * sizeof *g), *gc = malloc(n * sizeof *gc);
        for (size_t i = 0; i < n; i++) {
            p1[i] = p2[i] = (float)(rl_pcg32_double(&rng) - 0.5);
            g[i] = (float)((rl_pcg32_double(&rng) - 0.5) * 0.1);
        }
        ck_assert_double_eq(rl_sumsq_chunked(g, n), sumsq_reference(g, n));
        rl_adam a1, a2;
        ck_assert_int_eq(rl_adam_init(&a1, n, 0.9, 0.999, 1e-5), RL_OK);
        ck_assert_int_eq(rl_adam_init(&a2, n, 0.9, 0.999, 1e-5), RL_OK);
        for (int step = 0; step < 5; step++) {
            /* Steps 0-2 clip (max norm 0.01), 3-4 do not (max norm 1e9). */
            double max_norm = step < 3 ? 0.01 : 1e9;
            memcpy(gc, g, n * sizeof *g);
            double n1 = rl_clip_grad_norm(gc, n, max_norm);
            rl_adam_step(&a1, p1, gc, 3e-4);
            double n2 = -1;
            ck_assert_int_eq(rl_adam_clip_step(&a2, p2, g, 3e-4, max_norm, &n2), 1);
            ck_assert_double_eq(n1, n2);
            ck_assert_int_eq(memcmp(p1, p2, n * sizeof *p1), 0);
            ck_assert_int_eq(memcmp(a1.m, a2.m, n * sizeof *p1), 0);
            ck_assert_int_eq(memcmp(a1.v, a2.v, n * sizeof *p1), 0);
        }
        ck_assert_uint_eq(a2.t, 5);
        /* A non-finite gradient: -1, nothing changed, t included. */
        g[n / 2] = NAN;
        memcpy(gc, p2, n * sizeof *p2);
        double nn = 0;
        ck_assert_int_eq(rl_adam_clip_step(&a2, p2, g, 3e-4, 1.0, &nn), -1);
        ck_assert(isnan(nn));
        ck_assert_int_eq(memcmp(gc, p2, n * sizeof *p2), 0);
        ck_assert_uint_eq(a2.t, 5);
        /* A step that overflows a weight: 0. */
        g[n / 2] = 0;
        p2[n - 1] = FLT_MAX;
        a2.m[n - 1] = -FLT_MAX;
        ck_assert_int_eq(rl_adam_clip_step(&a2, p2, g, 1e30, 0, NULL), 0);
        ck_assert(!isfinite(p2[n - 1]));
        rl_adam_free(&a1);
        rl_adam_free(&a2);
        free(p1);
        free(p2);
        free(g);
        free(gc);
    }
}
END_TEST

/* ---- sizes and errors ----------------------------------------------------------- */

START_TEST(test_param_count)
{
    const size_t h64[] = {64, 64};
    /* 64 * (4 + 1) + 64 * (64 + 1) + 2 * (64 + 1) */
    ck_assert_uint_eq(rl_mlp_param_count(4, h64, 2, 2), 320 + 4160 + 130);
    ck_assert_uint_eq(rl_mlp_param_count(3, NULL, 0, 2), 8);
    ck_assert_uint_eq(rl_mlp_param_count(3, NULL, 1, 2), 0);
    ck_assert_uint_eq(rl_mlp_param_count(SIZE_MAX / 2, NULL, 0, 4), 0);
    const size_t huge[] = {SIZE_MAX / 4};
    ck_assert_uint_eq(rl_mlp_param_count(3, huge, 1, 1), 0);

    rl_mlp m;
    ck_assert_int_eq(rl_mlp_init(&m, 4, h64, 2, 2, RL_ACT_TANH, 64, NULL, NULL, NULL), RL_OK);
    ck_assert_uint_eq(m.nparams, 4610);
    ck_assert_uint_eq(m.nlayers, 3);
    ck_assert_uint_eq(m.sizes[0], 4);
    ck_assert_uint_eq(m.sizes[3], 2);
    /* A network without hidden layers is a linear map. */
    rl_mlp lin;
    ck_assert_int_eq(rl_mlp_init(&lin, 3, NULL, 0, 2, RL_ACT_TANH, 2, NULL, NULL, NULL), RL_OK);
    ck_assert_uint_eq(lin.nparams, 8);
    const float p[8] = {1, 2, 3, 4, 5, 6, 0.5f, -0.5f}, x[3] = {1, -1, 2};
    memcpy(lin.params, p, sizeof p);
    const float *y = rl_mlp_forward(&lin, x, 1);
    ck_assert_float_eq(y[0], 1 - 2 + 6 + 0.5f);
    ck_assert_float_eq(y[1], 4 - 5 + 12 - 0.5f);
    float dy[2] = {1, 2}, dx[3];
    rl_mlp_backward(&lin, dy, 1, dx);
    ck_assert_float_eq(dx[0], 1 + 8);
    ck_assert_float_eq(dx[2], 3 + 12);
    ck_assert_float_eq(lin.grads[7], 2);
    rl_mlp_free(&lin);
    rl_mlp_free(&m);
}
END_TEST

START_TEST(test_init_errors)
{
    const size_t h[] = {4, 4}, hz[] = {4, 0};
    const size_t h8[RL_MLP_MAX_LAYERS] = {2, 2, 2, 2, 2, 2, 2, 2};
    float p[64], g[64];
    rl_mlp m;
    struct {
        size_t nin;
        const size_t *hidden;
        size_t nhidden, nout;
        int act;
        size_t max_batch;
        float *params, *grads;
        const char *why;
    } cases[] = {
        {0, h, 2, 1, RL_ACT_TANH, 4, NULL, NULL, "no inputs"},
        {3, h, 2, 0, RL_ACT_TANH, 4, NULL, NULL, "no outputs"},
        {3, hz, 2, 1, RL_ACT_TANH, 4, NULL, NULL, "an empty hidden layer"},
        {3, h8, RL_MLP_MAX_LAYERS, 1, RL_ACT_TANH, 4, NULL, NULL, "too many layers"},
        {3, NULL, 2, 1, RL_ACT_TANH, 4, NULL, NULL, "no hidden sizes"},
        {3, h, 2, 1, RL_ACT_TANH, 0, NULL, NULL, "max_batch 0"},
        {3, h, 2, 1, RL_ACT_TANH, 4, p, NULL, "params without grads"},
        {3, h, 2, 1, RL_ACT_TANH, 4, NULL, g, "grads without params"},
        {3, h, 2, 1, 7, 4, NULL, NULL, "an unknown activation"},
        {3, h, 2, 1, RL_ACT_TANH, (size_t)INT_MAX + 1, NULL, NULL, "max_batch beyond INT_MAX"},
        {(size_t)INT_MAX + 1, h, 2, 1, RL_ACT_TANH, 4, NULL, NULL, "an input beyond INT_MAX"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rl_error err = {0};
        memset(&m, 0xab, sizeof m); /* garbage in: init must not trust it */
        int rc = rl_mlp_init(&m, cases[i].nin, cases[i].hidden, cases[i].nhidden, cases[i].nout,
                             (rl_activation)cases[i].act, cases[i].max_batch, cases[i].params,
                             cases[i].grads, &err);
        ck_assert_msg(rc == RL_EINVAL, "%s: got %d", cases[i].why, rc);
        ck_assert_int_eq(err.code, RL_EINVAL);
        ck_assert_msg(strncmp(err.msg, "rl_mlp_init: ", 13) == 0, "%s: '%s'", cases[i].why,
                      err.msg);
        ck_assert_ptr_null(m.params);
        ck_assert_ptr_null(m.act_buf[0]);
        rl_mlp_free(&m); /* safe on a failed init */
        /* err may be NULL. */
        ck_assert_int_eq(rl_mlp_init(&m, cases[i].nin, cases[i].hidden, cases[i].nhidden,
                                     cases[i].nout, (rl_activation)cases[i].act,
                                     cases[i].max_batch, cases[i].params, cases[i].grads, NULL),
                         RL_EINVAL);
    }
    /* The limit itself is fine: RL_MLP_MAX_LAYERS weight layers. */
    ck_assert_int_eq(rl_mlp_init(&m, 3, h8, RL_MLP_MAX_LAYERS - 1, 1, RL_ACT_RELU, 2, NULL, NULL,
                                 NULL),
                     RL_OK);
    ck_assert_uint_eq(m.nlayers, RL_MLP_MAX_LAYERS);
    /* A batch beyond max_batch is refused, not written past the buffers. */
    float x[3 * 3] = {0}, d[3] = {1, 1, 1};
    ck_assert_ptr_null(rl_mlp_forward(&m, x, 3));
    ck_assert_ptr_nonnull(rl_mlp_forward(&m, x, 2));
    rl_mlp_zero_grad(&m);
    rl_mlp_backward(&m, d, 3, NULL);
    ck_assert_int_eq(rl_all_finite_f(m.grads, m.nparams), 1);
    for (size_t i = 0; i < m.nparams; i++) ck_assert_float_eq(m.grads[i], 0.0f);
    rl_mlp_free(&m);
    rl_mlp_free(&m); /* twice is harmless */
    rl_mlp_free(NULL);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("nn");
    TCase *tc = tcase_create("mlp");
    tcase_add_loop_test(tc, test_gradient_check, RL_ACT_TANH, RL_ACT_RELU + 1);
    tcase_add_test(tc, test_forward_by_hand);
    tcase_add_test(tc, test_backward_by_hand);
    tcase_add_test(tc, test_activations);
    tcase_add_test(tc, test_gradient_accumulation);
    tcase_add_loop_test(tc, test_determinism, RL_ACT_TANH, RL_ACT_RELU + 1);
    tcase_add_test(tc, test_param_count);
    tcase_add_test(tc, test_init_errors);
    suite_add_tcase(s, tc);
    TCase *ti = tcase_create("init");
    tcase_add_test(ti, test_orthogonal_init);
    tcase_add_test(ti, test_orthogonal_single_column);
    suite_add_tcase(s, ti);
    TCase *to = tcase_create("optim");
    tcase_add_test(to, test_adam_by_hand);
    tcase_add_test(to, test_adam_errors);
    tcase_add_test(to, test_clip_grad_norm);
    tcase_add_test(to, test_adam_clip_step_fused);
    suite_add_tcase(s, to);
    return s;
}

RL_TEST_MAIN(make_suite)
