/* librl: small dense neural networks in float32, for policies and value
 * functions.
 *
 * rl_mlp is a multilayer perceptron: input -> hidden layers (tanh or relu)
 * -> a linear output layer. It acts on a batch of rows at once: every layer
 * is one cblas_sgemm (OpenBLAS when configure found it, GSL's CBLAS
 * otherwise). The parameters and their gradients live in flat float arrays
 * the caller may own, so that several networks (an actor, a critic, a log
 * standard deviation) share one optimiser, one gradient norm and one
 * checkpoint record.
 *
 * Layout of the parameters of layer l (in_l inputs, out_l outputs), layers
 * one after the other: the weight matrix W_l, out_l x in_l, row-major, then
 * the bias b_l, out_l values. A layer computes y = act(x W_l^T + b_l) for a
 * batch x of rows.
 *
 * rl_adam is Adam (Kingma and Ba) as PyTorch implements it, with eps added
 * to the bias-corrected square root; rl_clip_grad_norm scales gradients to a
 * global norm as torch.nn.utils.clip_grad_norm_ does. rl_mlp_orthogonal_init
 * is torch.nn.init.orthogonal_ (QR of a Gaussian matrix, signs fixed by R's
 * diagonal) with a gain per layer and zero biases, as CleanRL initialises
 * its PPO networks.
 *
 * UNSTABLE: the structs rl_mlp and rl_adam and their fields may change in
 * any release, without an ABI or soname bump (a new workspace, another
 * layer limit). They are public for tests, benchmarks and experiments
 * that build networks of their own; use them through the functions below,
 * and expect to rebuild against each release. */
#ifndef RL_NN_H
#define RL_NN_H

#include <stddef.h>
#include <rl/common.h>
#include <rl/rng.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hidden-layer activation. The output layer is always linear. RL_ACT_TANH
 * is computed by a rational approximation within 4e-7 of tanh (|y| <= 1,
 * odd, NaN stays NaN); its backward uses 1 - y^2 of the stored output. */
typedef enum rl_activation { RL_ACT_TANH = 0, RL_ACT_RELU = 1 } rl_activation;

/* Most weight layers an rl_mlp may have (hidden layers + 1). */
#define RL_MLP_MAX_LAYERS 8

typedef struct rl_mlp {
    size_t nlayers;                     /* weight layers: hidden + 1 */
    size_t sizes[RL_MLP_MAX_LAYERS + 1];/* sizes[0] inputs ... sizes[nlayers] outputs */
    rl_activation act;
    size_t nparams;                     /* floats in params (and grads) */
    float *params, *grads;              /* owned when the caller passed NULL */
    int owns;
    size_t max_batch;                   /* rows forward/backward accept */
    /* Workspaces, allocated once: the input and every layer's output of the
     * last forward pass (what backward needs), and two delta buffers. */
    float *act_buf[RL_MLP_MAX_LAYERS + 1];
    float *delta[2];
} rl_mlp;

/* The number of parameters of a network with these sizes; 0 when hidden is
 * NULL with nhidden > 0, or when the count does not fit in a size_t. */
RL_API size_t rl_mlp_param_count(size_t nin, const size_t *hidden, size_t nhidden, size_t nout);

/* Set up m: nin inputs, nhidden hidden layers of hidden[i] units with
 * activation act, nout outputs, batches of up to max_batch rows. params and
 * grads: caller-owned arrays of rl_mlp_param_count() floats, or both NULL
 * for m to allocate its own (zeroed). Returns RL_OK, RL_EINVAL (a size of 0,
 * too many layers, max_batch 0, only one of params/grads given) or
 * RL_ENOMEM; err (may be NULL) gets the message. RL_EINVAL also covers an
 * unknown act and a size or max_batch above INT_MAX (CBLAS's limit). On
 * failure m holds nothing to free, but rl_mlp_free on it is safe. */
RL_API int rl_mlp_init(rl_mlp *m, size_t nin, const size_t *hidden, size_t nhidden, size_t nout,
                       rl_activation act, size_t max_batch, float *params, float *grads,
                       rl_error *err);
RL_API void rl_mlp_free(rl_mlp *m);

/* Orthogonal initialisation: layer l's weights get gain gains[l] (nlayers
 * values; CleanRL uses sqrt(2) for hidden layers, 0.01 for a policy head and
 * 1 for a value head), biases 0. Draws normals from rng. RL_ENOMEM, or
 * RL_ENUMERIC when GSL's QR decomposition fails or a gain is not finite
 * (RL_EINVAL when m, gains or rng is NULL). Layer l's weights come from the
 * out_l x in_l normals drawn for it in row-major order, layer 0 first. */
RL_API int rl_mlp_orthogonal_init(rl_mlp *m, const double *gains, rl_pcg32 *rng, rl_error *err);

/* Forward n rows (n <= max_batch) of x (n x nin, row-major). Returns the
 * n x nout output, owned by m and valid until the next forward. Keeps what
 * backward needs. NULL when n > max_batch. */
RL_API const float *rl_mlp_forward(rl_mlp *m, const float *x, size_t n);

/* Backpropagate dout (n x nout: dLoss/dOutput of the last forward, same n)
 * and ADD dLoss/dParams into grads. When dx is not NULL it receives
 * dLoss/dInput (n x nin). Does nothing when n is 0 or above max_batch. */
RL_API void rl_mlp_backward(rl_mlp *m, const float *dout, size_t n, float *dx);

/* Set all gradients to zero. */
RL_API void rl_mlp_zero_grad(rl_mlp *m);

/* ---- optimisation --------------------------------------------------------------- */

typedef struct rl_adam {
    size_t n;
    float *m, *v;      /* first and second moment estimates, owned */
    uint64_t t;        /* steps taken */
    double beta1, beta2, eps;
} rl_adam;

/* Adam over n parameters. RL_ENOMEM or RL_EINVAL (n 0, betas outside
 * [0, 1), eps < 0). */
RL_API int rl_adam_init(rl_adam *a, size_t n, double beta1, double beta2, double eps);
RL_API void rl_adam_free(rl_adam *a);

/* One step: t += 1; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
RL_API void rl_adam_step(rl_adam *a, float *params, const float *grads, double lr);

/* The sum of squares of x in double, in a fixed order that does not
 * depend on how the work is shared: chunks of RL_NORM_CHUNK values, each
 * summed in 8 lanes (lane j takes the elements j, j + 8, ...) added
 * pairwise, then the chunks' sums in order. */
#define RL_NORM_CHUNK 4096
RL_API double rl_sumsq_chunked(const float *x, size_t n);

/* torch's clip coefficient: max_norm / (norm + 1e-6) when that is below 1
 * and max_norm > 0; 1 otherwise (and for a non-finite norm). */
RL_API double rl_clip_coef(double norm, double max_norm);

/* rl_clip_grad_norm, rl_adam_step and rl_all_finite_f of the new
 * parameters, fused into two passes over memory (the norm, then one pass
 * that scales each gradient, updates the moments and the parameter and
 * checks it): the same bits as the three calls. grads is left as it is.
 * *norm (may be NULL) receives the norm before clipping. Returns 1 when
 * every new parameter is finite, 0 when one is not, and -1 when the norm
 * is not finite: then nothing was changed (t included). */
RL_API int rl_adam_clip_step(rl_adam *a, float *params, const float *grads, double lr,
                             double max_norm, double *norm);

/* The global L2 norm of g (rl_sumsq_chunked, in double). If max_norm > 0 and
 * coef = max_norm / (norm + 1e-6) is below 1 (the norm exceeds max_norm,
 * give or take the 1e-6), scale g by coef, exactly as torch does. Returns
 * the norm before clipping (NaN or inf when g holds a non-finite value; g
 * is then left alone). */
RL_API double rl_clip_grad_norm(float *g, size_t n, double max_norm);

/* 1 when all n values are finite. */
RL_API int rl_all_finite_f(const float *x, size_t n);

/* ---- the CBLAS librl uses ----------------------------------------------------------- */

/* "OpenBLAS" or "GSL CBLAS". */
RL_API const char *rl_blas_name(void);

/* Threads OpenBLAS may use (process-wide). rlrun sets 1: the networks are
 * small, threads only add overhead, and one thread is what determinism is
 * promised for. A program that trains with librl should do the same (or
 * set OPENBLAS_NUM_THREADS=1): with OpenBLAS's default of one thread per
 * core, PPO on CartPole spends ten times as long, mostly in the kernel's
 * scheduler while idle threads spin. RL_EUNSUPPORTED for n > 1 without OpenBLAS. */
RL_API int rl_blas_set_threads(int n);

#ifdef __cplusplus
}
#endif
#endif /* RL_NN_H */
