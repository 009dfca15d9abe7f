/* librl: pieces of nn.c that PPO's update runs on its threads, chunk by
 * chunk of the parameters (internal; not installed). Together they are
 * rl_adam_clip_step: rl_sumsq_chunked is rl__sumsq_chunk over the chunks
 * of RL_NORM_CHUNK values, added in order; the step is rl__adam_begin
 * once, then rl__adam_range over any split of [0, n) into ranges. */
#ifndef RL_NN_INTERNAL_H
#define RL_NN_INTERNAL_H

#include "rl/nn.h"

typedef struct rl__adam_consts {
    float b1, c1, b2, c2, step, bc2_sqrt, eps;
} rl__adam_consts;

/* The sum of squares of x[0..n), n <= RL_NORM_CHUNK, in its fixed order. */
double rl__sumsq_chunk(const float *x, size_t n);
/* Step t += 1 and its scalars. */
rl__adam_consts rl__adam_begin(rl_adam *a, double lr);
/* Adam on parameters [lo, hi) with the gradients times scale; 1 when the
 * new parameters are all finite. */
int rl__adam_range(const rl__adam_consts *k, float *params, const float *grads, float *m,
                   float *v, float scale, size_t lo, size_t hi);

#endif
