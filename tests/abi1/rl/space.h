/* librl: observation and action spaces.
 *
 * A space is either discrete(n) (values 0 .. n-1) or a box: a flat vector of
 * `size` real values, each within [low[i], high[i]] (bounds may be
 * -INFINITY / INFINITY), with an optional shape of up to RL_SPACE_MAX_DIMS
 * dimensions whose product is `size`.
 *
 * Values travel as arrays of double. A discrete value is one double holding
 * an integer; a box value is `size` doubles. rl_space_dim() says how many
 * doubles a value takes, so a batch of N values is N * rl_space_dim(s). */
#ifndef RL_SPACE_H
#define RL_SPACE_H

#include <rl/common.h>
#include <rl/rng.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RL_SPACE_MAX_DIMS 4

typedef enum rl_space_kind {
    RL_SPACE_NONE = 0,     /* not yet initialised */
    RL_SPACE_DISCRETE = 1, /* integers 0 .. n-1 */
    RL_SPACE_BOX = 2       /* real vectors within per-element bounds */
} rl_space_kind;

typedef struct rl_space {
    rl_space_kind kind;
    int64_t n;                        /* discrete: number of values */
    size_t ndim;                      /* box: number of dimensions (>= 1) */
    size_t shape[RL_SPACE_MAX_DIMS];  /* box: extent of each dimension */
    size_t size;                      /* box: number of elements */
    double *low;                      /* box: size lower bounds, owned */
    double *high;                     /* box: size upper bounds, owned */
} rl_space;

/* Make s the discrete space of n values (n >= 1). s needs no freeing but
 * rl_space_free on it is harmless. Returns RL_OK or RL_EINVAL. */
RL_API int rl_space_discrete(rl_space *s, int64_t n);

/* Make s a box of ndim dimensions with the given shape; low and high hold
 * one bound per element and are copied. low[i] <= high[i] is required and
 * neither may be NaN. Returns RL_OK, RL_EINVAL or RL_ENOMEM; on failure s is
 * left empty (kind RL_SPACE_NONE). */
RL_API int rl_space_box(rl_space *s, size_t ndim, const size_t *shape,
                        const double *low, const double *high);

/* Convenience: a flat box of `size` elements all within [low, high]. */
RL_API int rl_space_box_uniform(rl_space *s, size_t size, double low, double high);

/* Deep copy src into dst (dst must be empty or freed). */
RL_API int rl_space_copy(rl_space *dst, const rl_space *src);

/* Release what s owns and make it empty. NULL and empty spaces are fine. */
RL_API void rl_space_free(rl_space *s);

/* Number of doubles one value takes: 1 for discrete, size for a box. */
RL_API size_t rl_space_dim(const rl_space *s);

/* 1 when x (rl_space_dim(s) doubles) lies in s, 0 otherwise. A discrete
 * value must be an integer in [0, n); no element may be NaN. */
RL_API int rl_space_contains(const rl_space *s, const double *x);

/* Draw a uniform value of s into x. Unbounded box elements draw from a
 * standard normal, half-bounded ones from an exponential off the bound. */
RL_API void rl_space_sample(const rl_space *s, rl_pcg32 *rng, double *x);

/* Write a short description, e.g. "Discrete(4)" or "Box(-1, 1, (3,))". */
RL_API void rl_space_describe(const rl_space *s, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* RL_SPACE_H */
