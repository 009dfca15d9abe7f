/* librl: PCG random numbers (pcg32, XSH-RR 64/32, with streams).
 *
 * The generator follows M. E. O'Neill's pcg-c-basic bit for bit, so that a
 * run seeded here can be replayed against any other pcg32 implementation.
 * The derived draws (doubles, normals, splits) are librl's own and are
 * documented where they are defined. */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "rl/rng.h"

/* The 64-bit LCG multiplier of pcg-c-basic. */
#define PCG32_MULTIPLIER UINT64_C(6364136223846793005)

uint32_t rl_pcg32_next(rl_pcg32 *rng)
{
    uint64_t old = rng->state;

    rng->state = old * PCG32_MULTIPLIER + rng->inc;

    /* The output is computed from the old state so that the permutation
     * and the LCG step do not depend on each other. The xorshift folds the
     * well-mixed high bits down; the top five bits pick a rotation, which
     * hides the weak low bits of the LCG. */
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    unsigned rot = (unsigned)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

void rl_pcg32_seed(rl_pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    /* The increment must be odd for the LCG to have full period; the
     * shift keeps all but the top bit of initseq as the stream number. The
     * steps before and after adding initstate make nearby seeds diverge
     * at once. */
    rng->state = 0u;
    rng->inc = (initseq << 1) | 1u;
    rl_pcg32_next(rng);
    rng->state += initstate;
    rl_pcg32_next(rng);
}

uint32_t rl_pcg32_bounded(rl_pcg32 *rng, uint32_t bound)
{
    if (bound == 0)
        return 0;

    /* Taking r % bound directly would favour small values whenever bound
     * does not divide 2^32. Rejecting the lowest 2^32 mod bound outputs
     * leaves a range that is an exact multiple of bound. In 32-bit unsigned
     * arithmetic -bound is 2^32 - bound, which has the same remainder as
     * 2^32 and avoids a 64-bit division. */
    uint32_t threshold = (uint32_t)(-bound) % bound;

    for (;;) {
        uint32_t r = rl_pcg32_next(rng);
        if (r >= threshold)
            return r % bound;
    }
}

double rl_pcg32_double(rl_pcg32 *rng)
{
    /* A double has a 53-bit significand: take 27 bits from the first output
     * and 26 from the second, so every multiple of 2^-53 in [0, 1) is
     * equally likely and 1.0 can never come out. */
    uint64_t hi = rl_pcg32_next(rng) >> 5;
    uint64_t lo = rl_pcg32_next(rng) >> 6;
    return (double)((hi << 26) | lo) * 0x1.0p-53;
}

double rl_pcg32_normal(rl_pcg32 *rng)
{
    /* Marsaglia's polar method: no trigonometry, and it only uses +, *,
     * log and sqrt, which IEEE 754 makes reproducible enough for seeded
     * runs. It yields two deviates per accepted pair; the second is thrown
     * away because rl_pcg32 has nowhere to cache it, and keeping the state
     * to the two words of the reference is worth more than the speed. */
    double u, v, s;

    do {
        u = 2.0 * rl_pcg32_double(rng) - 1.0;
        v = 2.0 * rl_pcg32_double(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);

    return u * sqrt(-2.0 * log(s) / s);
}

void rl_pcg32_split(rl_pcg32 *parent, uint64_t stream_id, rl_pcg32 *child)
{
    /* The child's starting state comes from the parent, so splitting again
     * later gives a different child; its stream comes from stream_id, so
     * children with different ids walk different sequences rather than
     * different offsets of the same one. Drawing from the parent also
     * advances it, which keeps a sequence of splits reproducible. */
    uint64_t hi = rl_pcg32_next(parent);
    uint64_t lo = rl_pcg32_next(parent);
    rl_pcg32_seed(child, (hi << 32) | lo, stream_id);
}

/* ---- GSL adaptor -------------------------------------------------------- */

/* GSL allocates type->size bytes and passes them back as void *; these
 * three functions are the whole of what it needs. */

static void gsl_pcg32_set(void *state, unsigned long seed)
{
    rl_pcg32_seed(state, (uint64_t)seed, RL_PCG32_DEFAULT_STREAM);
}

static unsigned long gsl_pcg32_get(void *state)
{
    return rl_pcg32_next(state);
}

static double gsl_pcg32_get_double(void *state)
{
    return rl_pcg32_double(state);
}

static const gsl_rng_type gsl_pcg32_type = {
    .name = "pcg32",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(rl_pcg32),
    .set = gsl_pcg32_set,
    .get = gsl_pcg32_get,
    .get_double = gsl_pcg32_get_double,
};

const gsl_rng_type *rl_gsl_rng_pcg32 = &gsl_pcg32_type;
