/* librl: PCG random numbers (pcg32, XSH-RR 64/32, with streams).
 *
 * rl_pcg32_seed and rl_pcg32_next have exactly the semantics of the
 * reference implementation's pcg32_srandom_r and pcg32_random_r: the same
 * (initstate, initseq) give the same outputs, bit for bit. Everything random
 * in librl draws from this generator, so a seed fixes a run.
 *
 * rl_gsl_rng_pcg32 is a gsl_rng_type backed by the same generator, so every
 * gsl_ran_* distribution can draw from PCG: gsl_rng_alloc(rl_gsl_rng_pcg32).
 * gsl_rng_set(r, s) seeds it as rl_pcg32_seed(s, RL_PCG32_DEFAULT_STREAM). */
#ifndef RL_RNG_H
#define RL_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>
#include <rl/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The generator's whole state: copy it to snapshot, assign to restore. */
typedef struct rl_pcg32 {
    uint64_t state; /* current state */
    uint64_t inc;   /* stream selector; always odd */
} rl_pcg32;

/* The stream gsl_rng_set and rl_pcg32_seed1 use. */
#define RL_PCG32_DEFAULT_STREAM UINT64_C(0xda3e39cb94b95bdb)

/* Seed as pcg32_srandom_r(rng, initstate, initseq). */
RL_API void rl_pcg32_seed(rl_pcg32 *rng, uint64_t initstate, uint64_t initseq);

/* Next 32 random bits, as pcg32_random_r. */
RL_API uint32_t rl_pcg32_next(rl_pcg32 *rng);

/* Uniform integer in [0, bound), without modulo bias (the reference
 * pcg32_boundedrand_r). bound must be >= 1; bound 0 returns 0. */
RL_API uint32_t rl_pcg32_bounded(rl_pcg32 *rng, uint32_t bound);

/* Uniform double in [0, 1) with 53 random bits (two outputs). */
RL_API double rl_pcg32_double(rl_pcg32 *rng);

/* Standard normal deviate (mean 0, standard deviation 1). Deterministic
 * given the generator state; consumes a variable number of outputs. */
RL_API double rl_pcg32_normal(rl_pcg32 *rng);

/* Derive an independent stream: seeds child from the parent's next outputs
 * and the given stream id. Used to give each environment its own generator. */
RL_API void rl_pcg32_split(rl_pcg32 *parent, uint64_t stream_id, rl_pcg32 *child);

/* The gsl_rng_type: name "pcg32", max 0xffffffff, min 0. */
RL_API extern const gsl_rng_type *rl_gsl_rng_pcg32;

#ifdef __cplusplus
}
#endif
#endif /* RL_RNG_H */
