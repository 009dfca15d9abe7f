/* librl: small dense neural networks in float32 (see rl/nn.h).
 *
 * Every layer of a batch is one row-major cblas_sgemm; the activations are
 * plain loops. Backward follows the usual chain rule with delta_l standing
 * for dLoss/d(pre-activation of layer l):
 *     dW_l += delta_l^T a_{l-1}      (beta = 1: gradients accumulate)
 *     db_l += sum over rows of delta_l
 *     delta_{l-1} = (delta_l W_l) * act'(a_{l-1})
 * where a_0 is the input and a_l the stored output of layer l. The output
 * layer is linear, so delta_L is dout itself and is read in place.
 *
 * Nothing here allocates after rl_mlp_init: PPO calls forward and backward
 * tens of thousands of times a second, and the workspaces for max_batch
 * rows are made once. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "rl/nn.h"
#include "nn_internal.h"

size_t rl_mlp_param_count(size_t nin, const size_t *hidden, size_t nhidden, size_t nout)
{
    if (nhidden > 0 && !hidden) return 0;
    /* 0 stands for "does not fit in a size_t": a network that large could
     * never be allocated, and no real network has 0 parameters. */
    size_t total = 0, in = nin;
    for (size_t l = 0; l <= nhidden; l++) {
        size_t out = l < nhidden ? hidden[l] : nout;
        if (in == SIZE_MAX || (out != 0 && in + 1 > SIZE_MAX / out)) return 0;
        size_t layer = out * (in + 1);
        if (layer > SIZE_MAX - total) return 0;
        total += layer;
        in = out;
    }
    return total;
}

int rl_mlp_init(rl_mlp *m, size_t nin, const size_t *hidden, size_t nhidden, size_t nout,
                rl_activation act, size_t max_batch, float *params, float *grads, rl_error *err)
{
    if (!m) return rl_error_set(err, RL_EINVAL, "rl_mlp_init: no network to set up");
    /* Zero first, so that every failure below leaves a state rl_mlp_free
     * accepts and nothing the caller must free. */
    memset(m, 0, sizeof *m);
    if (nhidden > RL_MLP_MAX_LAYERS - 1)
        return rl_error_set(err, RL_EINVAL,
                            "rl_mlp_init: %zu hidden layers; at most %d are supported", nhidden,
                            RL_MLP_MAX_LAYERS - 1);
    if (nhidden > 0 && !hidden)
        return rl_error_set(err, RL_EINVAL, "rl_mlp_init: %zu hidden layers but no sizes given",
                            nhidden);
    if (nin == 0) return rl_error_set(err, RL_EINVAL, "rl_mlp_init: the input size is 0");
    if (nout == 0) return rl_error_set(err, RL_EINVAL, "rl_mlp_init: the output size is 0");
    for (size_t i = 0; i < nhidden; i++)
        if (hidden[i] == 0)
            return rl_error_set(err, RL_EINVAL, "rl_mlp_init: hidden layer %zu has 0 units", i);
    if (max_batch == 0) return rl_error_set(err, RL_EINVAL, "rl_mlp_init: max_batch is 0");
    if (!params != !grads)
        return rl_error_set(err, RL_EINVAL,
                            "rl_mlp_init: give both params and grads, or neither (%s is NULL)",
                            params ? "grads" : "params");
    if (act != RL_ACT_TANH && act != RL_ACT_RELU)
        return rl_error_set(err, RL_EINVAL, "rl_mlp_init: unknown activation %d", (int)act);

    size_t sizes[RL_MLP_MAX_LAYERS + 1];
    size_t nlayers = nhidden + 1;
    sizes[0] = nin;
    for (size_t i = 0; i < nhidden; i++) sizes[i + 1] = hidden[i];
    sizes[nlayers] = nout;

    size_t widest = 0;
    for (size_t l = 0; l <= nlayers; l++)
        if (sizes[l] > widest) widest = sizes[l];
    if (widest > INT_MAX || max_batch > INT_MAX)
        return rl_error_set(err, RL_EINVAL, "rl_mlp_init: sizes and max_batch must fit CBLAS's "
                            "int dimensions (at most %d)", INT_MAX);
    size_t nparams = rl_mlp_param_count(nin, hidden, nhidden, nout);
    if (nparams == 0 || nparams > SIZE_MAX / sizeof(float))
        return rl_error_set(err, RL_ENOMEM, "rl_mlp_init: the network has too many parameters");
    /* The widest layer bounds every workspace, so checking it once guards
     * all the max_batch * width products below against overflow. */
    if (max_batch > SIZE_MAX / sizeof(float) / widest)
        return rl_error_set(err, RL_ENOMEM, "rl_mlp_init: max_batch %zu is too large", max_batch);

    m->nlayers = nlayers;
    memcpy(m->sizes, sizes, (nlayers + 1) * sizeof sizes[0]);
    m->act = act;
    m->nparams = nparams;
    m->max_batch = max_batch;
    if (params) {
        m->params = params;
        m->grads = grads;
        m->owns = 0;
    } else {
        m->params = calloc(nparams, sizeof(float));
        m->grads = calloc(nparams, sizeof(float));
        m->owns = 1;
        if (!m->params || !m->grads) goto nomem;
    }
    /* One allocation per buffer rather than one block carved up: each then
     * starts on malloc's alignment, which the BLAS kernels like. calloc,
     * not malloc, so that no byte is ever uninitialised. */
    for (size_t l = 0; l <= nlayers; l++) {
        m->act_buf[l] = calloc(max_batch * sizes[l], sizeof(float));
        if (!m->act_buf[l]) goto nomem;
    }
    /* Deltas are only needed at hidden layers: the output's delta is dout. */
    if (nlayers > 1) {
        size_t hw = 0;
        for (size_t l = 1; l < nlayers; l++)
            if (sizes[l] > hw) hw = sizes[l];
        for (int k = 0; k < 2; k++) {
            m->delta[k] = calloc(max_batch * hw, sizeof(float));
            if (!m->delta[k]) goto nomem;
        }
    }
    return RL_OK;

nomem:
    rl_mlp_free(m);
    return rl_error_set(err, RL_ENOMEM, "rl_mlp_init: out of memory for a network of %zu "
                        "parameters and batches of %zu rows", nparams, max_batch);
}

void rl_mlp_free(rl_mlp *m)
{
    if (!m) return;
    if (m->owns) {
        free(m->params);
        free(m->grads);
    }
    for (size_t l = 0; l <= RL_MLP_MAX_LAYERS; l++) free(m->act_buf[l]);
    free(m->delta[0]);
    free(m->delta[1]);
    /* Leave m as rl_mlp_init's failure path does, so freeing twice is safe. */
    memset(m, 0, sizeof *m);
}

/* ---- orthogonal initialisation ------------------------------------------------ */

/* torch's sign(): 0 for 0. A zero on R's diagonal needs an exactly rank
 * deficient Gaussian matrix, which does not happen, but following torch
 * keeps the definition the same. */
static double sign_of(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }

int rl_mlp_orthogonal_init(rl_mlp *m, const double *gains, rl_pcg32 *rng, rl_error *err)
{
    if (!m || !m->params || !gains || !rng)
        return rl_error_set(err, RL_EINVAL,
                            "rl_mlp_orthogonal_init needs a network, gains and a generator");
    for (size_t l = 0; l < m->nlayers; l++)
        if (!isfinite(gains[l]))
            return rl_error_set(err, RL_ENUMERIC, "rl_mlp_orthogonal_init: the gain of layer "
                                "%zu is not finite", l);

    /* The QR works on a tall M x N matrix (M >= N): the weight itself, or
     * its transpose when it is wide, as torch does. GSL wants the full
     * M x M Q and M x N R for gsl_linalg_QR_unpack. The workspace is our own
     * malloc viewed through gsl_matrix_view_array, because gsl_matrix_alloc
     * reports a failed allocation through GSL's error handler, which by
     * default aborts, and library code must return RL_ENOMEM instead. */
    size_t need = 0;
    for (size_t l = 0; l < m->nlayers; l++) {
        size_t rows = m->sizes[l + 1], cols = m->sizes[l];
        size_t M = rows > cols ? rows : cols, N = rows > cols ? cols : rows;
        if (M > SIZE_MAX / sizeof(double) / (M + 2 * N + 1))
            return rl_error_set(err, RL_ENOMEM, "rl_mlp_orthogonal_init: layer %zu is too large "
                                "for the QR workspace", l);
        size_t n = M * M + 2 * M * N + N;
        if (n > need) need = n;
    }
    double *work = malloc(need * sizeof *work);
    if (!work)
        return rl_error_set(err, RL_ENOMEM, "rl_mlp_orthogonal_init: out of memory for the QR "
                            "workspace");

    int rc = RL_OK;
    float *p = m->params;
    for (size_t l = 0; l < m->nlayers; l++) {
        size_t rows = m->sizes[l + 1], cols = m->sizes[l];
        int wide = rows < cols;
        size_t M = wide ? cols : rows, N = wide ? rows : cols;
        double *a = work, *q = a + M * N, *r = q + M * M, *tau = r + M * N;
        /* Draw in the weight's own row-major order, whichever way the QR
         * then sees it, so the normals map to the same entries as torch's. */
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                double z = rl_pcg32_normal(rng);
                if (wide)
                    a[j * N + i] = z;
                else
                    a[i * N + j] = z;
            }
        gsl_matrix_view A = gsl_matrix_view_array(a, M, N);
        gsl_matrix_view Q = gsl_matrix_view_array(q, M, M);
        gsl_matrix_view R = gsl_matrix_view_array(r, M, N);
        gsl_vector_view T = gsl_vector_view_array(tau, N);
        int status = gsl_linalg_QR_decomp(&A.matrix, &T.vector);
        if (status == GSL_SUCCESS)
            status = gsl_linalg_QR_unpack(&A.matrix, &T.vector, &Q.matrix, &R.matrix);
        if (status != GSL_SUCCESS) {
            rc = rl_error_set(err, RL_ENUMERIC, "rl_mlp_orthogonal_init: QR decomposition of "
                              "layer %zu (%zu x %zu) failed: %s", l, rows, cols,
                              gsl_strerror(status));
            break;
        }
        /* Scaling Q's columns by sign(diag(R)) makes R's diagonal positive,
         * the one QR factorisation that is unique: the result depends only
         * on the normals, not on the QR algorithm. */
        double g = gains[l];
        float *w = p;
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                double v = wide ? q[j * M + i] * sign_of(r[i * N + i])
                                : q[i * M + j] * sign_of(r[j * N + j]);
                w[i * cols + j] = (float)(g * v);
            }
        if (!rl_all_finite_f(w, rows * cols)) {
            rc = rl_error_set(err, RL_ENUMERIC, "rl_mlp_orthogonal_init: layer %zu came out "
                              "non-finite (gain %g)", l, g);
            break;
        }
        memset(w + rows * cols, 0, rows * sizeof(float));
        p += rows * (cols + 1);
    }
    /* On failure the layers before the failing one are already written;
     * the caller has an error and no use for a half-initialised network. */
    free(work);
    return rc;
}

/* ---- forward and backward ---------------------------------------------------- */

/* The elementwise loops below run over blocks of NN_BLOCK floats. GCC's -O2
 * vectoriser (its "very cheap" cost model) only takes a loop whose trip
 * count is a known multiple of the vector width, which a constant inner
 * count is; a plain loop over n * width values stays scalar. The leftover
 * elements go through the same scalar functions, and SIMD and scalar float
 * arithmetic round alike, so a value does not depend on where it sits in
 * the buffer. */
#define NN_BLOCK 8

/* tanh for the hidden layers is a rational function rather than libm's
 * tanhf: glibc's tanhf cost about 28 ns a value here, most of a 64x64
 * forward pass, and as a call it cannot be vectorised, while this is a few
 * multiply-adds and a division. The coefficients are Eigen's minimax fit
 * (generic_fast_tanh_float, also in ONNX Runtime's MLAS), with the input
 * clamped to +-7.9053, where the fit reaches +-1. Checked against double
 * tanh over every float: within 4e-7 (at most 7 ulp, near +-1), within
 * 2.2e-7 relative for |x| < 1e-3, never above 1 in magnitude, exactly odd,
 * and NaN in gives NaN out. */
#define TANH_CLAMP 7.90531110763549805f

/* Comparisons rather than fminf/fmaxf, so that a NaN passes through for
 * rl_all_finite_f and rl_clip_grad_norm to catch. */
static inline float tanh_clamp(float x)
{
    x = x < -TANH_CLAMP ? -TANH_CLAMP : x;
    return x > TANH_CLAMP ? TANH_CLAMP : x;
}

static inline float tanh_rational(float z)
{
    float z2 = z * z;
    float p = -2.76076847742355e-16f;
    p = p * z2 + 2.00018790482477e-13f;
    p = p * z2 + -8.60467152213735e-11f;
    p = p * z2 + 5.12229709037114e-08f;
    p = p * z2 + 1.48572235717979e-05f;
    p = p * z2 + 6.37261928875436e-04f;
    p = p * z2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * z2 + 1.18534705686654e-04f;
    q = q * z2 + 2.26843463243900e-03f;
    q = q * z2 + 4.89352518554385e-03f;
    /* z times the ratio of the even parts, rather than (z p) / q: the
     * product never underflows before the division, so tiny inputs keep
     * their relative accuracy instead of flushing to 0. */
    return z * (p / q);
}

/* The tanh loop is most of what a forward pass costs outside the BLAS, and
 * AVX2 runs it 2.5 times as fast as the SSE2 every x86-64 has (0.63 against
 * 1.55 ns a value). Where GCC or clang can build function clones picked at
 * load time (an ifunc, so ELF with glibc), build both. The clones compute
 * the same IEEE operations in the same order, with no fused multiply-add
 * (not part of "avx2", and ISO C mode does not contract), so they give the
 * same bits and the choice of clone does not break determinism. */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define NN_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef NN_CLONES
#define NN_CLONES
#endif

NN_CLONES static void tanh_inplace(float *y, size_t k)
{
    size_t i = 0;
    for (; i + NN_BLOCK <= k; i += NN_BLOCK) {
        float *b = y + i;
        /* Two loops: under its default -ftrapping-math GCC does not
         * if-convert the clamp's selects in a loop that also divides, and
         * then vectorises none of it. */
        for (size_t j = 0; j < NN_BLOCK; j++) b[j] = tanh_clamp(b[j]);
        for (size_t j = 0; j < NN_BLOCK; j++) b[j] = tanh_rational(b[j]);
    }
    for (; i < k; i++) y[i] = tanh_rational(tanh_clamp(y[i]));
}

/* Written so that a NaN stays NaN, as torch's relu keeps it. */
static inline float relu(float x) { return x < 0.0f ? 0.0f : x; }

static void relu_inplace(float *y, size_t k)
{
    size_t i = 0;
    for (; i + NN_BLOCK <= k; i += NN_BLOCK)
        for (size_t j = 0; j < NN_BLOCK; j++) y[i + j] = relu(y[i + j]);
    for (; i < k; i++) y[i] = relu(y[i]);
}

/* d *= tanh'(pre) = 1 - y^2, from the stored output y: no tanh again. */
static void tanh_backward(float *restrict d, const float *restrict y, size_t k)
{
    size_t i = 0;
    for (; i + NN_BLOCK <= k; i += NN_BLOCK)
        for (size_t j = 0; j < NN_BLOCK; j++) d[i + j] *= 1.0f - y[i + j] * y[i + j];
    for (; i < k; i++) d[i] *= 1.0f - y[i] * y[i];
}

/* torch's threshold_backward: the gradient is zero where the output is <= 0. */
static inline float relu_grad(float d, float y) { return y <= 0.0f ? 0.0f : d; }

static void relu_backward(float *restrict d, const float *restrict y, size_t k)
{
    size_t i = 0;
    for (; i + NN_BLOCK <= k; i += NN_BLOCK)
        for (size_t j = 0; j < NN_BLOCK; j++) d[i + j] = relu_grad(d[i + j], y[i + j]);
    for (; i < k; i++) d[i] = relu_grad(d[i], y[i]);
}

/* acc += x over k floats. */
static void add_inplace(float *restrict acc, const float *restrict x, size_t k)
{
    size_t i = 0;
    for (; i + NN_BLOCK <= k; i += NN_BLOCK)
        for (size_t j = 0; j < NN_BLOCK; j++) acc[i + j] += x[i + j];
    for (; i < k; i++) acc[i] += x[i];
}

const float *rl_mlp_forward(rl_mlp *m, const float *x, size_t n)
{
    if (n > m->max_batch) return NULL;
    size_t nl = m->nlayers;
    if (n == 0) return m->act_buf[nl];
    /* Backward needs the input for the first layer's weight gradient, and
     * the caller's x need not outlive this call. */
    memcpy(m->act_buf[0], x, n * m->sizes[0] * sizeof(float));
    const float *w = m->params;
    for (size_t l = 1; l <= nl; l++) {
        size_t in = m->sizes[l - 1], out = m->sizes[l];
        const float *b = w + out * in;
        const float *a = m->act_buf[l - 1];
        float *y = m->act_buf[l];
        /* Start every row from the bias and let the gemm add x W^T to it
         * (beta = 1), which saves a separate pass over y. */
        for (size_t i = 0; i < n; i++) memcpy(y + i * out, b, out * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)out, (int)in, 1.0f, a,
                    (int)in, w, (int)in, 1.0f, y, (int)out);
        if (l < nl) {
            if (m->act == RL_ACT_TANH)
                tanh_inplace(y, n * out);
            else
                relu_inplace(y, n * out);
        }
        w = b + out;
    }
    return m->act_buf[nl];
}

void rl_mlp_backward(rl_mlp *m, const float *dout, size_t n, float *dx)
{
    if (n == 0 || n > m->max_batch) return;
    /* Walk the layers backwards; off is where layer l's parameters start. */
    size_t off = m->nparams;
    const float *d = dout;
    int next = 0;
    for (size_t l = m->nlayers; l >= 1; l--) {
        size_t in = m->sizes[l - 1], out = m->sizes[l];
        off -= out * (in + 1);
        const float *w = m->params + off;
        float *gw = m->grads + off, *gb = gw + out * in;
        const float *a = m->act_buf[l - 1];

        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)n, 1.0f, d,
                    (int)out, a, (int)in, 1.0f, gw, (int)in);
        /* Row by row, so the inner loop runs along contiguous memory. */
        for (size_t i = 0; i < n; i++) add_inplace(gb, d + i * out, out);

        if (l == 1) {
            if (dx)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)in, (int)out,
                            1.0f, d, (int)out, w, (int)in, 0.0f, dx, (int)in);
            break;
        }
        /* The delta buffers alternate: the new one is written while the
         * previous one (or dout) is still being read. */
        float *nd = m->delta[next];
        next ^= 1;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)in, (int)out, 1.0f, d,
                    (int)out, w, (int)in, 0.0f, nd, (int)in);
        if (m->act == RL_ACT_TANH)
            tanh_backward(nd, a, n * in);
        else
            relu_backward(nd, a, n * in);
        d = nd;
    }
}

void rl_mlp_zero_grad(rl_mlp *m) { memset(m->grads, 0, m->nparams * sizeof(float)); }

/* ---- optimisation --------------------------------------------------------------- */

int rl_adam_init(rl_adam *a, size_t n, double beta1, double beta2, double eps)
{
    if (!a) return RL_EINVAL;
    memset(a, 0, sizeof *a);
    /* Negated comparisons, so that NaN is rejected too. */
    if (n == 0 || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps >= 0))
        return RL_EINVAL;
    a->m = calloc(n, sizeof(float));
    a->v = calloc(n, sizeof(float));
    if (!a->m || !a->v) {
        rl_adam_free(a);
        return RL_ENOMEM;
    }
    a->n = n;
    a->beta1 = beta1;
    a->beta2 = beta2;
    a->eps = eps;
    return RL_OK;
}

void rl_adam_free(rl_adam *a)
{
    if (!a) return;
    free(a->m);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* The scalars of step t, as PyTorch computes them: the bias corrections in
 * double (Python floats), rounded to float once for the per-element work
 * in float32, as on PyTorch's float tensors. */
typedef rl__adam_consts adam_consts;

adam_consts rl__adam_begin(rl_adam *a, double lr)
{
    a->t++;
    double bc1 = 1.0 - pow(a->beta1, (double)a->t);
    double bc2 = 1.0 - pow(a->beta2, (double)a->t);
    adam_consts k = {(float)a->beta1, (float)(1.0 - a->beta1), (float)a->beta2,
                     (float)(1.0 - a->beta2), (float)(lr / bc1), (float)sqrt(bc2), (float)a->eps};
    return k;
}

/* Parameters [lo, hi): the gradient times scale (1 when not clipping: x
 * times 1 is x, bit for bit), then Adam. Returns 1 when every new parameter is finite. One pass over
 * the four arrays, in blocks the compiler vectorises: every element gets
 * the same IEEE operations in the same order as one at a time (no fused
 * multiply-add), so the clones agree bit for bit. */
NN_CLONES static int adam_range(const adam_consts *k, float *restrict params,
                                const float *restrict grads, float *restrict mm,
                                float *restrict vv, float scale, size_t lo, size_t hi)
{
    const float b1 = k->b1, c1 = k->c1, b2 = k->b2, c2 = k->c2, step = k->step,
                bs = k->bc2_sqrt, eps = k->eps;
    int ok = 1;
    size_t i = lo;
    for (; i + NN_BLOCK <= hi; i += NN_BLOCK) {
        float g[NN_BLOCK], q[NN_BLOCK];
        for (size_t j = 0; j < NN_BLOCK; j++) g[j] = grads[i + j] * scale;
        for (size_t j = 0; j < NN_BLOCK; j++) {
            float m = b1 * mm[i + j] + c1 * g[j];
            float v = b2 * vv[i + j] + c2 * (g[j] * g[j]);
            mm[i + j] = m;
            vv[i + j] = v;
            /* Grouped as PyTorch's addcdiv_ does: step * (m / denom). */
            q[j] = params[i + j] - step * (m / (sqrtf(v) / bs + eps));
            params[i + j] = q[j];
        }
        /* x - x is 0 for every finite x, NaN for NaN and the infinities. */
        int bok = 1;
        for (size_t j = 0; j < NN_BLOCK; j++) bok &= (q[j] - q[j]) == 0.0f;
        ok &= bok;
    }
    for (; i < hi; i++) {
        float g = grads[i] * scale;
        mm[i] = b1 * mm[i] + c1 * g;
        vv[i] = b2 * vv[i] + c2 * (g * g);
        params[i] -= step * (mm[i] / (sqrtf(vv[i]) / bs + eps));
        ok &= (params[i] - params[i]) == 0.0f;
    }
    return ok;
}

void rl_adam_step(rl_adam *a, float *params, const float *grads, double lr)
{
    adam_consts k = rl__adam_begin(a, lr);
    adam_range(&k, params, grads, a->m, a->v, 1.0f, 0, a->n);
}

/* The sum of squares of x[0..n), n at most RL_NORM_CHUNK: 8 lanes, lane j
 * summing the elements j, j + 8, ... in order, then the lanes added
 * pairwise. In double, from float squares' exact doubles. */
NN_CLONES static double sumsq_chunk(const float *restrict x, size_t n)
{
    enum { LANES = 8 }; /* fixed: the order of the sum is part of the results */
    double lane[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t j = 0; j < LANES; j++) lane[j] += (double)x[i + j] * (double)x[i + j];
    for (size_t j = 0; i < n; i++, j++) lane[j] += (double)x[i] * (double)x[i];
    for (size_t w = LANES / 2; w >= 1; w /= 2)
        for (size_t j = 0; j < w; j++) lane[j] += lane[j + w];
    return lane[0];
}

/* The entry points PPO's threads call (nn_internal.h): plain functions
 * over the clones, since clang's target_clones resolver does not reach
 * callers in other files of a static library. */
double rl__sumsq_chunk(const float *x, size_t n) { return sumsq_chunk(x, n); }

int rl__adam_range(const adam_consts *k, float *params, const float *grads, float *m, float *v,
                   float scale, size_t lo, size_t hi)
{
    return adam_range(k, params, grads, m, v, scale, lo, hi);
}

double rl_sumsq_chunked(const float *x, size_t n)
{
    double ss = 0;
    for (size_t at = 0; at < n; at += RL_NORM_CHUNK)
        ss += sumsq_chunk(x + at, n - at < RL_NORM_CHUNK ? n - at : RL_NORM_CHUNK);
    return ss;
}

double rl_clip_coef(double norm, double max_norm)
{
    if (!isfinite(norm) || !(max_norm > 0)) return 1.0;
    double coef = max_norm / (norm + 1e-6);
    return coef < 1.0 ? coef : 1.0;
}

double rl_clip_grad_norm(float *g, size_t n, double max_norm)
{
    double norm = sqrt(rl_sumsq_chunked(g, n));
    /* A non-finite norm would turn every gradient into NaN or 0; leave them
     * for the caller to see and skip the update. */
    if (!isfinite(norm)) return norm;
    double coef = rl_clip_coef(norm, max_norm);
    if (coef < 1.0) {
        float c = (float)coef;
        for (size_t i = 0; i < n; i++) g[i] *= c;
    }
    return norm;
}

int rl_adam_clip_step(rl_adam *a, float *params, const float *grads, double lr, double max_norm,
                      double *norm_out)
{
    double norm = sqrt(rl_sumsq_chunked(grads, a->n));
    if (norm_out) *norm_out = norm;
    if (!isfinite(norm)) return -1;
    double coef = rl_clip_coef(norm, max_norm);
    adam_consts k = rl__adam_begin(a, lr);
    return adam_range(&k, params, grads, a->m, a->v, (float)coef, 0, a->n);
}

int rl_all_finite_f(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}
