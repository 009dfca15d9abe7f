/* librl: observation and action spaces (discrete and box). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl/space.h"
#include "rl/checkpoint.h"
#include "ppo_internal.h"

/* Every failure path ends here, so a caller never sees a half-built space
 * and rl_space_free on the result is always safe. */
static void space_clear(rl_space *s)
{
    *s = (rl_space){.kind = RL_SPACE_NONE, .low = NULL, .high = NULL};
}

int rl_space_discrete(rl_space *s, int64_t n)
{
    if (!s)
        return RL_EINVAL;
    space_clear(s);
    if (n < 1)
        return RL_EINVAL;
    s->kind = RL_SPACE_DISCRETE;
    s->n = n;
    return RL_OK;
}

/* Validate a shape and allocate the bound arrays for it. On success s is a
 * box whose bounds are still to be filled in; on failure s is empty. */
static int box_alloc(rl_space *s, size_t ndim, const size_t *shape)
{
    if (ndim < 1 || ndim > RL_SPACE_MAX_DIMS || !shape)
        return RL_EINVAL;

    /* The product is checked against overflow before each multiplication,
     * and against SIZE_MAX / sizeof(double) so that the byte count given
     * to malloc cannot wrap either. */
    size_t size = 1;
    for (size_t d = 0; d < ndim; d++) {
        if (shape[d] < 1 || size > SIZE_MAX / sizeof(double) / shape[d])
            return RL_EINVAL;
        size *= shape[d];
    }

    double *low = malloc(size * sizeof *low);
    double *high = malloc(size * sizeof *high);
    if (!low || !high) {
        free(low);
        free(high);
        return RL_ENOMEM;
    }

    s->kind = RL_SPACE_BOX;
    s->ndim = ndim;
    memcpy(s->shape, shape, ndim * sizeof *shape);
    s->size = size;
    s->low = low;
    s->high = high;
    return RL_OK;
}

/* NaN compares false with everything, so the single test !(lo <= hi)
 * rejects both a NaN on either side and an inverted interval. */
static int bounds_ok(double lo, double hi)
{
    return lo <= hi;
}

int rl_space_box(rl_space *s, size_t ndim, const size_t *shape,
                 const double *low, const double *high)
{
    if (!s)
        return RL_EINVAL;
    space_clear(s);
    if (!low || !high)
        return RL_EINVAL;

    int rc = box_alloc(s, ndim, shape);
    if (rc != RL_OK)
        return rc;

    for (size_t i = 0; i < s->size; i++) {
        if (!bounds_ok(low[i], high[i])) {
            rl_space_free(s);
            return RL_EINVAL;
        }
    }
    memcpy(s->low, low, s->size * sizeof *low);
    memcpy(s->high, high, s->size * sizeof *high);
    return RL_OK;
}

int rl_space_box_uniform(rl_space *s, size_t size, double low, double high)
{
    if (!s)
        return RL_EINVAL;
    space_clear(s);
    if (!bounds_ok(low, high))
        return RL_EINVAL;

    int rc = box_alloc(s, 1, &size);
    if (rc != RL_OK)
        return rc;

    for (size_t i = 0; i < size; i++) {
        s->low[i] = low;
        s->high[i] = high;
    }
    return RL_OK;
}

int rl_space_copy(rl_space *dst, const rl_space *src)
{
    /* Copying a space onto itself would clear it before reading it. */
    if (!dst || dst == src)
        return RL_EINVAL;
    if (!src) {
        space_clear(dst);
        return RL_EINVAL;
    }

    switch (src->kind) {
    case RL_SPACE_DISCRETE:
        return rl_space_discrete(dst, src->n);
    case RL_SPACE_BOX:
        return rl_space_box(dst, src->ndim, src->shape, src->low, src->high);
    case RL_SPACE_NONE:
        space_clear(dst);
        return RL_OK;
    }
    space_clear(dst);
    return RL_EINVAL;
}

void rl_space_free(rl_space *s)
{
    if (!s)
        return;
    free(s->low);
    free(s->high);
    space_clear(s);
}

size_t rl_space_dim(const rl_space *s)
{
    if (!s)
        return 0;
    switch (s->kind) {
    case RL_SPACE_DISCRETE:
        return 1;
    case RL_SPACE_BOX:
        return s->size;
    case RL_SPACE_NONE:
        break;
    }
    return 0;
}

int rl_space_contains(const rl_space *s, const double *x)
{
    if (!s || !x)
        return 0;

    switch (s->kind) {
    case RL_SPACE_DISCRETE:
        /* The range test is written so that NaN fails it; infinities fail
         * it too, so floor() only ever sees finite values. */
        if (!(x[0] >= 0.0 && x[0] < (double)s->n))
            return 0;
        return x[0] == floor(x[0]);
    case RL_SPACE_BOX:
        for (size_t i = 0; i < s->size; i++) {
            if (!(x[i] >= s->low[i] && x[i] <= s->high[i]))
                return 0;
        }
        return 1;
    case RL_SPACE_NONE:
        break;
    }
    return 0;
}

/* Uniform integer in [0, n) for any positive int64 n. rl_pcg32_bounded
 * covers the common case with one output; wider spaces need 64 bits, with
 * the same rejection of the incomplete top range to avoid modulo bias. */
static int64_t sample_index(rl_pcg32 *rng, int64_t n)
{
    if (n <= (int64_t)UINT32_MAX)
        return (int64_t)rl_pcg32_bounded(rng, (uint32_t)n);

    uint64_t bound = (uint64_t)n;
    uint64_t threshold = (uint64_t)(-bound) % bound;
    for (;;) {
        uint64_t r = (uint64_t)rl_pcg32_next(rng) << 32;
        r |= rl_pcg32_next(rng);
        if (r >= threshold)
            return (int64_t)(r % bound);
    }
}

static double sample_element(rl_pcg32 *rng, double lo, double hi)
{
    int below = lo == -INFINITY;
    int above = hi == INFINITY;

    if (below && above)
        return rl_pcg32_normal(rng);
    if (below || above) {
        /* 1 - u lies in (0, 1], so the logarithm is finite. */
        double e = -log(1.0 - rl_pcg32_double(rng));
        return below ? hi - e : lo + e;
    }

    /* Both bounds are finite here. Their difference can still overflow
     * (think -DBL_MAX and DBL_MAX), in which case interpolating from both
     * ends stays finite. Rounding may land a hair outside the interval, so
     * the result is clamped: containment matters more than the last ulp
     * of uniformity. */
    double u = rl_pcg32_double(rng);
    double width = hi - lo;
    double x = isfinite(width) ? lo + u * width : lo * (1.0 - u) + hi * u;
    if (x < lo)
        x = lo;
    if (x > hi)
        x = hi;
    return x;
}

void rl_space_sample(const rl_space *s, rl_pcg32 *rng, double *x)
{
    if (!s || !rng || !x)
        return;

    switch (s->kind) {
    case RL_SPACE_DISCRETE:
        x[0] = (double)sample_index(rng, s->n);
        break;
    case RL_SPACE_BOX:
        for (size_t i = 0; i < s->size; i++)
            x[i] = sample_element(rng, s->low[i], s->high[i]);
        break;
    case RL_SPACE_NONE:
        break;
    }
}

/* A cursor over a fixed buffer: appends printf-style and keeps the text
 * NUL-terminated, truncating silently when the buffer is full. */
typedef struct {
    char *buf;
    size_t len;
    size_t pos;
} strbuf;

static void sb_printf(strbuf *sb, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void sb_printf(strbuf *sb, const char *fmt, ...)
{
    if (sb->pos >= sb->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sb->buf + sb->pos, sb->len - sb->pos, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb->pos += (size_t)n;
    if (sb->pos >= sb->len)
        sb->pos = sb->len - 1;
}

/* Gymnasium writes a shape as a Python tuple: "(3,)" for one dimension,
 * "(2, 3)" for more. */
static void sb_shape(strbuf *sb, const rl_space *s)
{
    sb_printf(sb, "(");
    for (size_t d = 0; d < s->ndim; d++)
        sb_printf(sb, d ? ", %zu" : "%zu", s->shape[d]);
    sb_printf(sb, s->ndim == 1 ? ",)" : ")");
}

void rl_space_describe(const rl_space *s, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    strbuf sb = {buf, len, 0};
    buf[0] = '\0';

    if (!s || s->kind == RL_SPACE_NONE) {
        sb_printf(&sb, "Space(empty)");
        return;
    }
    if (s->kind == RL_SPACE_DISCRETE) {
        sb_printf(&sb, "Discrete(%lld)", (long long)s->n);
        return;
    }

    /* Per-element bounds would make the description as long as the space,
     * so they are shown only when they are the same for every element. */
    int uniform = 1;
    for (size_t i = 1; i < s->size && uniform; i++)
        uniform = s->low[i] == s->low[0] && s->high[i] == s->high[0];

    sb_printf(&sb, "Box(");
    if (uniform)
        sb_printf(&sb, "%g, %g, ", s->low[0], s->high[0]);
    sb_shape(&sb, s);
    if (!uniform)
        sb_printf(&sb, ", [varying bounds]");
    sb_printf(&sb, ")");
}

/* ---- spaces as records (checkpoints) ---------------------------------------------- */

void rl__space_write(const rl_space *s, rl_writer *w)
{
    rl_write_u32(w, (uint32_t)s->kind);
    if (s->kind == RL_SPACE_DISCRETE) {
        rl_write_u64(w, (uint64_t)s->n);
        return;
    }
    rl_write_u32(w, (uint32_t)s->ndim);
    for (size_t d = 0; d < s->ndim; d++) rl_write_u64(w, s->shape[d]);
    rl_write_f64_array(w, s->low, s->size);
    rl_write_f64_array(w, s->high, s->size);
}

int rl__space_read(rl_reader *r, rl_space *s)
{
    memset(s, 0, sizeof *s);
    uint32_t kind = 0, ndim = 0;
    rl_read_u32(r, &kind);
    if (r->failed) return RL_EFORMAT;
    if (kind == RL_SPACE_DISCRETE) {
        uint64_t n = 0;
        rl_read_u64(r, &n);
        if (r->failed || n < 1 || n > (uint64_t)INT64_MAX) return RL_EFORMAT;
        return rl_space_discrete(s, (int64_t)n) == RL_OK ? RL_OK : RL_EFORMAT;
    }
    if (kind != RL_SPACE_BOX) return RL_EFORMAT;
    rl_read_u32(r, &ndim);
    if (r->failed || ndim < 1 || ndim > RL_SPACE_MAX_DIMS) return RL_EFORMAT;
    size_t shape[RL_SPACE_MAX_DIMS], size = 1;
    size_t left = r->pos <= r->len ? (r->len - r->pos) / 16 : 0;
    for (uint32_t d = 0; d < ndim; d++) {
        uint64_t e = 0;
        rl_read_u64(r, &e);
        /* Each element's bounds take 16 bytes: a size the record cannot
         * hold is refused before anything is allocated. */
        if (r->failed || e < 1 || e > left || size > left / e) return RL_EFORMAT;
        shape[d] = (size_t)e;
        size *= (size_t)e;
    }
    double *b = malloc(2 * size * sizeof *b);
    if (!b) return RL_ENOMEM;
    rl_read_f64_array(r, b, 2 * size);
    int rc = r->failed ? RL_EFORMAT : rl_space_box(s, ndim, shape, b, b + size);
    free(b);
    if (rc != RL_OK) rl_space_free(s);
    return rc == RL_OK ? RL_OK : rc == RL_ENOMEM ? RL_ENOMEM : RL_EFORMAT;
}
