/* The race line: the minimum-time line of a track for a car model
 * (raceline.h; doc/deepracer.md, "Race line").
 *
 * The method, in order:
 *
 *  1. Resample the centre line at n points, centre_ds apart (about
 *     opts.spacing; n a multiple of 2^K so that coarser levels are every
 *     2^k-th point) and smooth away its polyline's kinks: the reference
 *     line. Each point gets the unit normal (to the driver's left) of the
 *     chord 0.3 m either side, and bounds on its offset along it: the
 *     farthest offsets, either way, at which the point is on the road and
 *     at least the clearance (half the car's width plus the margin, plus 5
 *     mm for the chords) from both border polylines, by a scan in 2.5 cm
 *     steps then bisection; then lowered to their envelope under parabolas
 *     (a line riding a bound bends at most 0.5 1/m more than the
 *     reference), and kept short of where neighbouring normals meet.
 *  2. Two lines by projected Gauss-Seidel, coarse to fine (stride 2^K down
 *     to 1, each level started from the coarser one by cubic
 *     interpolation): the minimum-curvature line (least squares of the
 *     second differences weighted by (h / local spacing)^3, i.e. the
 *     integral of kappa^2 ds, weights refreshed at every update) and the
 *     shortest line (least squares of the segment vectors). Both are
 *     convex box-constrained problems; each coordinate step is exact.
 *  3. The best blend (1 - e) minimum curvature + e shortest, e in [0, 1],
 *     by lap time (a grid of 11, then two finer rounds).
 *  4. Refinement by lap time: smooth raised-cosine bumps of the offsets
 *     (the whole line at once, then half-widths 1.6, 0.8, 0.4 and 0.2 m,
 *     centred every quarter width) moved by +-step and kept when the lap is
 *     shorter, the step halved when a sweep keeps nothing, from 8 cm to
 *     2.5 mm (40 sweeps at most per width). A trial redoes the speed
 *     passes only where they change.
 *
 * The lap time of a path: the curvature at each point from the circle
 * through it and the points about 0.1 m either side (its neighbours at
 * the default spacing); the speed limit there is the largest v <=
 * v_max with |kappa| <= dr_car_max_curvature(m, v), found by binary
 * search in a table of that function (made non-increasing by a running
 * minimum) and bisection within the table step; then the periodic forward
 * pass (from the slowest point, whose speed no pass can change) with the
 * acceleration min(a_accel, (v_max - v) / speed_tau), and the backward
 * pass on its result with the braking a_brake; each segment takes
 * 2 ds / (v_i + v_i+1). With the friction circle both are scaled by
 * sqrt(1 - (v^2 kappa / a_lat)^2). A point that curves more than the car
 * can at its slowest gets the slowest speed (and is counted in
 * too_tight). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rl/checkpoint.h>

#include "plots.h"
#include "raceline.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
#define NT 1024          /* entries of the speed-for-curvature table */
#define LEVELS 4         /* coarse levels: strides 16, 8, 4, 2 */
#define SCAN_STEP 0.025  /* m, the bound scan's step */
#define CHORD_ALLOWANCE 0.005 /* m */
#define NORMAL_HALF_CHORD 0.3 /* m */
#define NORMAL_FOLD 0.8
#define SMOOTH_PASSES 8
#define BOUND_BEND 0.25  /* 1/m: half the extra curvature of a line riding a bound */

void dr_raceline_opts_default(dr_raceline_opts *o)
{
    o->spacing = DR_RACELINE_SPACING;
    o->margin = DR_RACELINE_MARGIN;
    o->friction_circle = 0;
    o->refine = 1;
}

/* ---- the lap time of a path --------------------------------------------------- */

typedef struct speed_table {
    const dr_car_model *m;
    dr_car_limits lim;
    int fc;
    double vt[NT], kt[NT]; /* speed, the largest curvature at every speed up to it */
} speed_table;

static void table_init(speed_table *st, const dr_car_model *m, int fc)
{
    st->m = m;
    st->fc = fc;
    dr_car_model_limits(m, &st->lim);
    double lo = st->lim.v_min, hi = st->lim.v_max, kmin = INFINITY;
    for (int k = 0; k < NT; k++) {
        st->vt[k] = lo + (hi - lo) * k / (NT - 1);
        double c = dr_car_max_curvature(m, st->vt[k]);
        if (c < kmin) kmin = c;
        st->kt[k] = kmin;
    }
}

/* The largest speed that takes curvature k; *tight set when not even the
 * slowest does. */
static double v_for(const speed_table *st, double k, int *tight)
{
    k = fabs(k);
    if (k <= st->kt[NT - 1]) return st->vt[NT - 1];
    if (k > st->kt[0]) {
        if (tight) *tight = 1;
        return st->vt[0];
    }
    size_t lo = 0, hi = NT - 1; /* kt[lo] >= k > kt[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (st->kt[mid] >= k) lo = mid;
        else hi = mid;
    }
    double a = st->vt[lo], b = st->vt[hi];
    for (int i = 0; i < 10; i++) {
        double mid = 0.5 * (a + b);
        if (dr_car_max_curvature(st->m, mid) >= k) a = mid;
        else b = mid;
    }
    return a;
}

/* The largest forward acceleration at speed v on curvature k: the car's,
 * less near its top speed, where the speed lag slows it, and shared with
 * the cornering under the friction circle. */
static double accel_limit(const dr_car_model *m, const dr_car_limits *lim, int fc, double v,
                          double k)
{
    double a = lim->a_accel;
    if (m->speed_tau > 0) {
        double lag = (lim->v_max - v) / m->speed_tau;
        if (lag < a) a = lag;
    }
    if (a < 0) a = 0;
    if (fc) {
        double r = v * v * fabs(k) / lim->a_lat;
        a *= r < 1 ? sqrt(1 - r * r) : 0;
    }
    return a;
}

static double accel(const speed_table *st, double v, double k)
{
    return accel_limit(st->m, &st->lim, st->fc, v, k);
}

static double brake(const speed_table *st, double v, double k)
{
    /* The speed lag would limit braking only within a_brake speed_tau of
     * the slowest command, where no race line goes (and where it would
     * stall the backward pass at a point too tight for any speed). */
    double b = st->lim.a_brake;
    if (st->fc) {
        double r = v * v * fabs(k) / st->lim.a_lat;
        b *= r < 1 ? sqrt(1 - r * r) : 0;
    }
    return b;
}

/* Curvature is measured over the circle through a point and the points
 * about CURVE_HALF_CHORD m either side: the car (0.164 m between its axles)
 * cannot follow bends shorter than that, and a line that rides a border
 * polyline's small kinks should not pay for them. kb: that many points of
 * spacing ds. */
#define CURVE_HALF_CHORD 0.1
static long baseline(double ds)
{
    long k = lround(CURVE_HALF_CHORD / ds);
    return k < 1 ? 1 : k;
}

/* Signed curvature of the circle through a, b, c (+ turning left). */
static double menger(double ax, double ay, double bx, double by, double cx, double cy)
{
    double ux = bx - ax, uy = by - ay, wx = cx - bx, wy = cy - by;
    double d = hypot(ux, uy) * hypot(wx, wy) * hypot(cx - ax, cy - ay);
    if (d < 1e-15) return 1e6; /* folded: no car takes it */
    return 2.0 * (ux * wy - uy * wx) / d;
}

/* The periodic speed profile over n points with speed limits vl, curvature
 * kap and segment lengths seg (point i to i + 1): v receives the speeds,
 * vf the forward pass's and dt each segment's time (n values each);
 * returns the lap time. */
static double profile(const speed_table *st, size_t n, const double *vl, const double *kap,
                      const double *seg, double *v, double *vf, double *dt)
{
    size_t m = 0;
    for (size_t i = 1; i < n; i++)
        if (vl[i] < vl[m]) m = i;
    /* Forward: no pass changes the slowest point's speed. */
    vf[m] = vl[m];
    for (size_t k = 1; k < n; k++) {
        size_t i = (m + k) % n, j = (m + k - 1) % n;
        double u = sqrt(vf[j] * vf[j] + 2.0 * accel(st, vf[j], kap[j]) * seg[j]);
        vf[i] = u < vl[i] ? u : vl[i];
    }
    size_t m2 = 0;
    for (size_t i = 1; i < n; i++)
        if (vf[i] < vf[m2]) m2 = i;
    v[m2] = vf[m2];
    for (size_t k = 1; k < n; k++) {
        size_t i = (m2 + n - k) % n, j = (i + 1) % n;
        double u = sqrt(v[j] * v[j] + 2.0 * brake(st, v[j], kap[j]) * seg[i]);
        v[i] = u < vf[i] ? u : vf[i];
    }
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        dt[i] = 2.0 * seg[i] / (v[i] + v[(i + 1) % n]);
        t += dt[i];
    }
    return t;
}

/* ---- the optimisation's workspace --------------------------------------------- */

typedef struct work {
    speed_table st;
    size_t n;
    long kb;                   /* curvature over points i - kb, i, i + kb */
    double ds;
    double *px, *py, *nx, *ny; /* centre points, left normals */
    double *lo, *hi, *a;       /* bounds, offsets */
    double *qx, *qy;           /* the line's points */
    double *kap, *vl, *seg;
    double *v, *vf, *dt;       /* speeds, the forward pass's, segment times */
    double *sv, *svf, *sdt;    /* their copies before a trial move */
    double T;                  /* the lap time: the sum of dt */
    double *mc, *sp, *save;    /* the two lines, a saved copy of the offsets */
    double *bump;              /* bump weights, scratch */
    double *mem;
} work;

static inline size_t wrap(const work *w, long i)
{
    long n = (long)w->n;
    i %= n;
    return (size_t)(i < 0 ? i + n : i);
}

static void point(work *w, size_t i)
{
    w->qx[i] = w->px[i] + w->a[i] * w->nx[i];
    w->qy[i] = w->py[i] + w->a[i] * w->ny[i];
}

/* After points i0 .. i1 moved (indices taken round the loop): the
 * curvature and speed limit of points i0 - kb .. i1 + kb and the segments
 * i0 - 1 .. i1; everything when the range covers the loop. */
static void geometry(work *w, long i0, long i1)
{
    const long n = (long)w->n, kb = w->kb;
    long a = i0 - kb, b = i1 + kb, s0 = i0 - 1, s1 = i1;
    if (b - a + 1 >= n) a = s0 = 0, b = s1 = n - 1;
    for (long k = a; k <= b; k++) {
        size_t i = wrap(w, k), p = wrap(w, k - kb), q = wrap(w, k + kb);
        w->kap[i] = menger(w->qx[p], w->qy[p], w->qx[i], w->qy[i], w->qx[q], w->qy[q]);
        w->vl[i] = v_for(&w->st, w->kap[i], NULL);
    }
    for (long k = s0; k <= s1; k++) {
        size_t i = wrap(w, k), q = wrap(w, k + 1);
        w->seg[i] = hypot(w->qx[q] - w->qx[i], w->qy[q] - w->qy[i]);
    }
}

static double lap_time(work *w)
{
    w->T = profile(&w->st, w->n, w->vl, w->kap, w->seg, w->v, w->vf, w->dt);
    return w->T;
}

/* The lap time after the speed limits of points a .. b (unwrapped, and
 * the segments a - 1 .. b) changed: the passes are redone from there only
 * until they meet their previous values, which nothing after can change.
 * The periodic solution is unique, so this gives what lap_time would, but
 * for rounding (the final line is measured whole). */
static double update_time(work *w, long a, long b)
{
    const long n = (long)w->n;
    if (b - a + 3 >= n) return lap_time(w);
    const speed_table *st = &w->st;
    long i;
    for (i = a;; i++) {
        if (i - a >= n) return lap_time(w);
        size_t c = wrap(w, i), p = wrap(w, i - 1);
        double u = sqrt(w->vf[p] * w->vf[p] + 2.0 * accel(st, w->vf[p], w->kap[p]) * w->seg[p]);
        double nv = u < w->vl[c] ? u : w->vl[c];
        if (i > b && nv == w->vf[c]) break;
        w->vf[c] = nv;
    }
    long e = i - 1 > b ? i - 1 : b;
    for (i = e;; i--) {
        if (e - i >= n) return lap_time(w);
        size_t c = wrap(w, i), q = wrap(w, i + 1);
        double u = sqrt(w->v[q] * w->v[q] + 2.0 * brake(st, w->v[q], w->kap[q]) * w->seg[c]);
        double nv = u < w->vf[c] ? u : w->vf[c];
        if (i < a - 1 && nv == w->v[c]) break;
        w->v[c] = nv;
    }
    for (long k = i; k <= e; k++) {
        size_t c = wrap(w, k);
        double d = 2.0 * w->seg[c] / (w->v[c] + w->v[wrap(w, k + 1)]);
        w->T += d - w->dt[c];
        w->dt[c] = d;
    }
    return w->T;
}

/* Set the offsets to src (clipped to the bounds) and measure the whole line. */
static double set_offsets(work *w, const double *src)
{
    for (size_t i = 0; i < w->n; i++) {
        double x = src[i];
        w->a[i] = x < w->lo[i] ? w->lo[i] : x > w->hi[i] ? w->hi[i] : x;
        point(w, i);
    }
    geometry(w, 0, (long)w->n - 1);
    return lap_time(w);
}

/* ---- bounds ----------------------------------------------------------------- */

static int clear(const dr_track *t, double x, double y, size_t seg, double c)
{
    if (!dr_track_on_road(t, x, y, seg)) return 0;
    for (int side = 0; side < 2; side++) {
        double qx, qy;
        dr_track_side_point(t, side, 1.0, x, y, seg, &qx, &qy, NULL);
        if (hypot(qx - x, qy - y) < c) return 0;
    }
    return 1;
}

/* The farthest offset along (dx, dy) from (x, y) that stays clear, given
 * that (x, y) is; no farther than the first border the ray meets. */
static double reach(const dr_track *t, double x, double y, double dx, double dy, size_t seg,
                    double c)
{
    double range = 2.0 * t->max_half + 0.5;
    double d = dr_track_ray(t, x, y, atan2(dy, dx), range, seg);
    double ok = 0, bad = d;
    for (double r = SCAN_STEP; r < d; r += SCAN_STEP) {
        if (!clear(t, x + r * dx, y + r * dy, seg, c)) {
            bad = r;
            break;
        }
        ok = r;
    }
    for (int i = 0; i < 12; i++) {
        double mid = 0.5 * (ok + bad);
        if (clear(t, x + mid * dx, y + mid * dy, seg, c)) ok = mid;
        else bad = mid;
    }
    return ok;
}

/* ---- the two lines: projected Gauss-Seidel, coarse to fine ------------------- */

/* One level: points j * h. kind 0: minimum curvature, 1: shortest. */
static void relax(work *w, size_t h, int kind, int max_sweeps)
{
    const long M = (long)(w->n / h);
    const double l0 = (double)h * w->ds, omega = kind ? 1.5 : 1.2;
    for (long j = 0; j < M; j++) point(w, (size_t)j * h);
#define IDX(j) ((size_t)((((j) % M) + M) % M) * h)
    for (int sweep = 0; sweep < max_sweeps; sweep++) {
        double moved = 0;
        for (long j = 0; j < M; j++) {
            size_t i = IDX(j);
            double step;
            if (kind == 1) {
                size_t p = IDX(j - 1), q = IDX(j + 1);
                double mx = 0.5 * (w->qx[p] + w->qx[q]), my = 0.5 * (w->qy[p] + w->qy[q]);
                step = (mx - w->qx[i]) * w->nx[i] + (my - w->qy[i]) * w->ny[i];
            } else {
                double g = 0, hsum = 0;
                for (int k = -1; k <= 1; k++) {
                    size_t p = IDX(j + k - 1), c = IDX(j + k), q = IDX(j + k + 1);
                    double dx = w->qx[p] - 2 * w->qx[c] + w->qx[q];
                    double dy = w->qy[p] - 2 * w->qy[c] + w->qy[q];
                    double l = 0.5 * (hypot(w->qx[c] - w->qx[p], w->qy[c] - w->qy[p]) +
                                      hypot(w->qx[q] - w->qx[c], w->qy[q] - w->qy[c]));
                    double r = l0 / (l > 1e-9 ? l : 1e-9), wt = r * r * r;
                    double coef = k == 0 ? -2.0 : 1.0;
                    g += wt * coef * (dx * w->nx[i] + dy * w->ny[i]);
                    hsum += wt * coef * coef;
                }
                step = -g / hsum;
            }
            double na = w->a[i] + omega * step;
            na = na < w->lo[i] ? w->lo[i] : na > w->hi[i] ? w->hi[i] : na;
            double d = fabs(na - w->a[i]);
            if (d > moved) moved = d;
            w->a[i] = na;
            point(w, i);
        }
        if (moved < 1e-5) break;
    }
#undef IDX
}

/* The line of one kind into out, from the centre line. */
static void solve(work *w, int kind, size_t top, double *out)
{
    for (size_t i = 0; i < w->n; i++) {
        w->a[i] = 0 < w->lo[i] ? w->lo[i] : 0 > w->hi[i] ? w->hi[i] : 0;
        point(w, i);
    }
    for (size_t h = top;; h /= 2) {
        relax(w, h, kind, h == top ? 20000 : 400);
        if (h == 1) break;
        /* Fill the points half-way with a cubic through four neighbours. */
        size_t M = w->n / h, hh = h / 2;
        for (size_t j = 0; j < M; j++) {
            double a0 = w->a[((j + M - 1) % M) * h], a1 = w->a[j * h], a2 = w->a[((j + 1) % M) * h],
                   a3 = w->a[((j + 2) % M) * h];
            size_t i = j * h + hh;
            double x = (-a0 + 9 * a1 + 9 * a2 - a3) / 16;
            w->a[i] = x < w->lo[i] ? w->lo[i] : x > w->hi[i] ? w->hi[i] : x;
        }
    }
    memcpy(out, w->a, w->n * sizeof *out);
}

/* ---- refinement by lap time -------------------------------------------------- */

/* Move the offsets by step times a raised-cosine bump of half-width W
 * points centred on c (W >= n: every offset), clipped; returns the range
 * changed in *i0, *i1 (unwrapped indices). */
static void apply_bump(work *w, long c, long W, double step, long *i0, long *i1)
{
    if (W * 2 + 1 >= (long)w->n) {
        for (size_t i = 0; i < w->n; i++) {
            double x = w->a[i] + step;
            w->a[i] = x < w->lo[i] ? w->lo[i] : x > w->hi[i] ? w->hi[i] : x;
            point(w, i);
        }
        *i0 = 0;
        *i1 = (long)w->n - 1;
        return;
    }
    for (long k = -W; k <= W; k++) {
        size_t i = wrap(w, c + k);
        double x = w->a[i] + step * w->bump[k + W];
        w->a[i] = x < w->lo[i] ? w->lo[i] : x > w->hi[i] ? w->hi[i] : x;
        point(w, i);
    }
    *i0 = c - W;
    *i1 = c + W;
}

static double refine(work *w, double best)
{
    static const double widths[] = {0, 1.6, 0.8, 0.4, 0.2}; /* 0: the whole line */
    const long n = (long)w->n;
    for (size_t s = 0; s < sizeof widths / sizeof *widths; s++) {
            long W = widths[s] > 0 ? lround(widths[s] / w->ds) : n;
            if (W < 1) W = 1;
            if (W * 2 + 1 < n)
                for (long k = -W; k <= W; k++) w->bump[k + W] = 0.5 * (1 + cos(DR_PI * k / (W + 1)));
            long stride = W * 2 + 1 >= n ? n : (W / 2 > 1 ? W / 2 : 1);
            int sweeps = 0;
            for (double step = 0.08; step >= 0.002 && sweeps < 40; sweeps++) {
                int kept = 0;
                for (long c = 0; c < n; c += stride) {
                    for (int sign = 1; sign >= -1; sign -= 2) {
                        const size_t bytes = w->n * sizeof(double);
                        memcpy(w->save, w->a, bytes);
                        memcpy(w->sv, w->v, bytes);
                        memcpy(w->svf, w->vf, bytes);
                        memcpy(w->sdt, w->dt, bytes);
                        double T0 = w->T;
                        long i0, i1;
                        apply_bump(w, c, W, sign * step, &i0, &i1);
                        geometry(w, i0, i1);
                        double t = update_time(w, i0 - w->kb, i1 + w->kb);
                        if (t < best - 1e-9) {
                            best = t;
                            kept++;
                            break;
                        }
                        /* Put back the offsets and what they change. */
                        memcpy(w->a, w->save, bytes);
                        memcpy(w->v, w->sv, bytes);
                        memcpy(w->vf, w->svf, bytes);
                        memcpy(w->dt, w->sdt, bytes);
                        w->T = T0;
                        for (long k = i0; k <= i1; k++) point(w, wrap(w, k));
                        geometry(w, i0, i1);
                    }
                }
                if (!kept) step *= 0.5;
            }
    }
    return best;
}

/* ---- the whole computation ------------------------------------------------------ */

void dr_raceline_free(dr_raceline *rl)
{
    if (!rl) return;
    free(rl->mem);
    memset(rl, 0, sizeof *rl);
}

int dr_raceline_compute(dr_raceline *rl, const dr_track *t, const dr_car_model *m,
                        const dr_raceline_opts *opts, rl_error *err)
{
    memset(rl, 0, sizeof *rl);
    dr_raceline_opts o;
    if (opts) o = *opts;
    else dr_raceline_opts_default(&o);
    if (!(o.spacing >= 0.01 && o.spacing <= 1.0) || !(o.margin >= 0 && o.margin <= 1.0))
        return rl_error_set(err, RL_EINVAL,
                            "race line: spacing %g is outside [0.01, 1] m or margin %g outside "
                            "[0, 1] m",
                            o.spacing, o.margin);
    /* n: a multiple of 2^levels, the coarsest level 12 points or more. */
    size_t top = (size_t)1 << LEVELS;
    while (top > 1 && lround(t->length / (o.spacing * top)) < 12) top /= 2;
    long blocks = lround(t->length / (o.spacing * top));
    if (blocks < 12) blocks = 12;
    size_t n = (size_t)blocks * top;

    work *w = calloc(1, sizeof *w);
    if (!w) return rl_error_set(err, RL_ENOMEM, "race line: out of memory");
    enum { NW = 22 };
    w->mem = malloc((NW * n + 2 * n + 2) * sizeof *w->mem);
    rl->mem = malloc(12 * n * sizeof *rl->mem);
    if (!w->mem || !rl->mem) {
        free(w->mem);
        free(w);
        dr_raceline_free(rl);
        return rl_error_set(err, RL_ENOMEM, "race line: out of memory for %zu points", n);
    }
    double **wa[] = {&w->px, &w->py, &w->nx, &w->ny, &w->lo, &w->hi, &w->a,   &w->qx, &w->qy,
                     &w->kap, &w->vl, &w->seg, &w->v, &w->vf, &w->mc, &w->sp, &w->save,
                     &w->dt, &w->sv, &w->svf, &w->sdt};
    for (size_t k = 0; k < sizeof wa / sizeof *wa; k++) *wa[k] = w->mem + k * n;
    w->bump = w->mem + NW * n; /* 2n + 2 */
    w->n = n;
    w->ds = t->length / (double)n;
    w->kb = baseline(w->ds);
    table_init(&w->st, m, o.friction_circle);

    dr_car_limits lim = w->st.lim;
    double c = 0.5 * lim.width + o.margin;
    /* The points keep CHORD_ALLOWANCE more, so that the chords between
     * them keep the clearance too where they pass a border's corner. */
    double cb = c + CHORD_ALLOWANCE;
    size_t *segs = malloc(n * sizeof *segs);
    if (!segs) {
        free(w->mem);
        free(w);
        dr_raceline_free(rl);
        return rl_error_set(err, RL_ENOMEM, "race line: out of memory for %zu points", n);
    }
    for (size_t i = 0; i < n; i++) dr_track_point_at(t, (double)i * w->ds, &w->px[i], &w->py[i], NULL, &segs[i]);
    /* The reference line: the centre line with its polyline's kinks
     * smoothed away (SMOOTH_PASSES of p_i <- (p_i-1 + 2 p_i + p_i+1) / 4,
     * which moves a point by less than a centimetre on a bend of radius
     * 0.5 m), so that smooth offsets make a smooth line. */
    for (int pass = 0; pass < SMOOTH_PASSES; pass++) {
        double x0 = w->px[n - 1], y0 = w->py[n - 1], xf = w->px[0], yf = w->py[0];
        for (size_t i = 0; i < n; i++) {
            double xn = i + 1 < n ? w->px[i + 1] : xf, yn = i + 1 < n ? w->py[i + 1] : yf;
            double xi = w->px[i], yi = w->py[i];
            w->px[i] = 0.25 * (x0 + 2 * xi + xn);
            w->py[i] = 0.25 * (y0 + 2 * yi + yn);
            x0 = xi, y0 = yi;
        }
    }
    size_t pinched = 0;
    /* The normals: of the chord NORMAL_HALF_CHORD m either side, which on
     * a bend is parallel to the tangent, and smooth across the polyline's
     * vertices, so that smooth offsets make a smooth line. */
    size_t nk = (size_t)lround(NORMAL_HALF_CHORD / w->ds);
    if (nk < 1) nk = 1;
    if (nk > n / 8) nk = n / 8;
    for (size_t i = 0; i < n; i++) {
        size_t p = (i + n - nk) % n, q = (i + nk) % n;
        double dx = w->px[q] - w->px[p], dy = w->py[q] - w->py[p], l = hypot(dx, dy);
        w->nx[i] = -dy / l;
        w->ny[i] = dx / l;
        if (clear(t, w->px[i], w->py[i], segs[i], cb)) {
            w->hi[i] = reach(t, w->px[i], w->py[i], w->nx[i], w->ny[i], segs[i], cb);
            w->lo[i] = -reach(t, w->px[i], w->py[i], -w->nx[i], -w->ny[i], segs[i], cb);
        } else {
            /* Narrower than the car and its margins: the middle of the road
             * along the normal. */
            double range = 2.0 * t->max_half + 0.5;
            double dl = dr_track_ray(t, w->px[i], w->py[i], atan2(w->ny[i], w->nx[i]), range, segs[i]);
            double dr = dr_track_ray(t, w->px[i], w->py[i], atan2(-w->ny[i], -w->nx[i]), range, segs[i]);
            w->lo[i] = w->hi[i] = 0.5 * (dl - dr);
            pinched++;
        }
    }
    free(segs);
    /* Bounds taken along turning normals against polyline borders jump by
     * centimetres from one point to the next, and a line that rode such a
     * dip would curve more than any car can. So each bound is lowered to
     * its envelope under parabolas of curvature 2 BOUND_BEND hung from
     * every point, hi_j = min_i hi_i + BOUND_BEND (s_j - s_i)^2 (lo
     * likewise): never wider than before, and a line that rides it bends
     * at most 2 BOUND_BEND 1/m more than the reference line. */
    memcpy(w->mc, w->lo, n * sizeof *w->mc);
    memcpy(w->sp, w->hi, n * sizeof *w->sp);
    long reachk = lround(sqrt((2 * t->max_half) / BOUND_BEND) / w->ds) + 1;
    if (reachk > (long)n / 2) reachk = (long)n / 2;
    for (size_t i = 0; i < n; i++) {
        for (long k = -reachk; k <= reachk; k++) {
            size_t j = wrap(w, (long)i + k);
            double lift = BOUND_BEND * (double)(k * k) * w->ds * w->ds;
            if (w->mc[j] - lift > w->lo[i]) w->lo[i] = w->mc[j] - lift;
            if (w->sp[j] + lift < w->hi[i]) w->hi[i] = w->sp[j] + lift;
        }
        if (w->lo[i] > w->hi[i]) w->lo[i] = w->hi[i] = 0.5 * (w->lo[i] + w->hi[i]);
    }
    /* Neighbouring normals that turn by an angle d meet at about ds / d on
     * the inside of the turn: points there would bunch and fold. Keep
     * each point within NORMAL_FOLD of that distance. */
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        double d = atan2(w->nx[i] * w->ny[j] - w->ny[i] * w->nx[j],
                         w->nx[i] * w->nx[j] + w->ny[i] * w->ny[j]);
        if (fabs(d) < 1e-12) continue;
        double r = NORMAL_FOLD * w->ds / fabs(d);
        for (size_t k = i; k != SIZE_MAX; k = k == i ? j : SIZE_MAX) {
            if (d > 0 && w->hi[k] > r) w->hi[k] = r > w->lo[k] ? r : w->lo[k];
            if (d < 0 && w->lo[k] < -r) w->lo[k] = -r < w->hi[k] ? -r : w->hi[k];
        }
    }

    solve(w, 0, top, w->mc);
    solve(w, 1, top, w->sp);
    /* The best blend of the two, by lap time. */
    double best_e = 0, best = INFINITY;
    for (int k = 0; k <= 10; k++) {
        double e = k / 10.0;
        for (size_t i = 0; i < n; i++) w->save[i] = (1 - e) * w->mc[i] + e * w->sp[i];
        double tt = set_offsets(w, w->save);
        if (tt < best) best = tt, best_e = e;
    }
    for (double d = 0.05; d >= 0.0125; d *= 0.5) {
        double centre = best_e;
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            double e = centre + sgn * d;
            if (e < 0 || e > 1) continue;
            for (size_t i = 0; i < n; i++) w->save[i] = (1 - e) * w->mc[i] + e * w->sp[i];
            double tt = set_offsets(w, w->save);
            if (tt < best) best = tt, best_e = e;
        }
    }
    for (size_t i = 0; i < n; i++) w->save[i] = (1 - best_e) * w->mc[i] + best_e * w->sp[i];
    best = set_offsets(w, w->save);

    if (o.refine) best = refine(w, best);
    /* Measure the final line from scratch (no sums carried over). */
    memcpy(w->save, w->a, n * sizeof *w->save);
    best = set_offsets(w, w->save);

    double **ra[] = {&rl->x, &rl->y, &rl->v, &rl->s, &rl->t, &rl->kappa, &rl->heading,
                     &rl->offset, &rl->lo, &rl->hi};
    for (size_t k = 0; k < sizeof ra / sizeof *ra; k++) *ra[k] = rl->mem + k * n;
    rl->n = n;
    rl->center_ds = w->ds;
    rl->lap_time = best;
    rl->clearance = c;
    rl->pinched = pinched;
    rl->limits = lim;
    rl->friction_circle = o.friction_circle;
    snprintf(rl->model, sizeof rl->model, "%s", m->name);
    double s = 0, tt = 0;
    rl->v_max = 0;
    rl->v_min = INFINITY;
    for (size_t i = 0; i < n; i++) {
        size_t p = (i + n - 1) % n, q = (i + 1) % n;
        rl->x[i] = w->qx[i];
        rl->y[i] = w->qy[i];
        rl->v[i] = w->v[i];
        rl->s[i] = s;
        rl->t[i] = tt;
        rl->kappa[i] = w->kap[i];
        rl->heading[i] = atan2(w->qy[q] - w->qy[p], w->qx[q] - w->qx[p]);
        rl->offset[i] = w->a[i];
        rl->lo[i] = w->lo[i];
        rl->hi[i] = w->hi[i];
        int tight = 0;
        v_for(&w->st, w->kap[i], &tight);
        rl->too_tight += (size_t)tight;
        if (w->v[i] > rl->v_max) rl->v_max = w->v[i];
        if (w->v[i] < rl->v_min) rl->v_min = w->v[i];
        s += w->seg[i];
        tt += 2.0 * w->seg[i] / (w->v[i] + w->v[q]);
    }
    rl->length = s;
    rl->v_mean = s / best;
    free(w->mem);
    free(w);
    return RL_OK;
}

double dr_raceline_path_time(const double *x, const double *y, size_t n, const dr_car_model *m,
                             int friction_circle, double *v)
{
    if (n < 3) return NAN;
    speed_table *st = malloc(sizeof *st);
    double *buf = malloc(6 * n * sizeof *buf);
    if (!st || !buf) {
        free(st);
        free(buf);
        return NAN;
    }
    table_init(st, m, friction_circle);
    double *kap = buf, *vl = buf + n, *seg = buf + 2 * n, *vv = buf + 3 * n, *vf = buf + 4 * n;
    double len = 0;
    for (size_t i = 0; i < n; i++) {
        seg[i] = hypot(x[(i + 1) % n] - x[i], y[(i + 1) % n] - y[i]);
        len += seg[i];
    }
    size_t kb = (size_t)baseline(len / (double)n) % n;
    for (size_t i = 0; i < n; i++) {
        size_t p = (i + n - kb) % n, q = (i + kb) % n;
        kap[i] = menger(x[p], y[p], x[i], y[i], x[q], y[q]);
        vl[i] = v_for(st, kap[i], NULL);
    }
    double t = profile(st, n, vl, kap, seg, vv, vf, buf + 5 * n);
    if (v) memcpy(v, vv, n * sizeof *v);
    free(st);
    free(buf);
    return t;
}

/* ---- queries ----------------------------------------------------------------- */

/* The line's time from point 0 to centre-line arc length s (any real). */
static double time_at(const dr_raceline *rl, double s)
{
    double L = rl->center_ds * (double)rl->n;
    double laps = floor(s / L), r = s - laps * L;
    double f = r / rl->center_ds;
    size_t i = (size_t)f;
    if (i >= rl->n) i = rl->n - 1;
    f -= (double)i;
    double t1 = i + 1 < rl->n ? rl->t[i + 1] : rl->lap_time;
    return laps * rl->lap_time + rl->t[i] + f * (t1 - rl->t[i]);
}

double dr_raceline_time_over(const dr_raceline *rl, double s_from, double dist)
{
    return time_at(rl, s_from + dist) - time_at(rl, s_from);
}

double dr_raceline_time_from_rest(const dr_raceline *rl, const dr_car_model *m, double s_from,
                                  double dist)
{
    double flying = dr_raceline_time_over(rl, s_from, dist);
    size_t n = rl->n;
    double L = rl->center_ds * (double)n, r = fmod(s_from, L);
    if (!(r >= 0)) r = r < 0 ? r + L : 0;
    size_t i = (size_t)(r / rl->center_ds) % n;
    /* From rest, accelerating as the forward pass does, until the speed
     * meets the flying lap's profile; what that costs is added. */
    double v = 0, lost = 0, covered = 0;
    for (size_t k = 0; k < n && covered < dist; k++) {
        size_t j = (i + 1) % n;
        double ds = hypot(rl->x[j] - rl->x[i], rl->y[j] - rl->y[i]);
        double a = accel_limit(m, &rl->limits, rl->friction_circle, v, rl->kappa[i]);
        double vr = sqrt(v * v + 2 * a * ds), vj = rl->v[j];
        double fly = (j ? rl->t[j] : rl->lap_time) - rl->t[i];
        if (vr >= vj) {
            lost += (v + vj > 0 ? 2 * ds / (v + vj) : 0) - fly;
            break;
        }
        lost += (v + vr > 0 ? 2 * ds / (v + vr) : 0) - fly;
        v = vr;
        covered += rl->center_ds;
        i = j;
    }
    return flying + (lost > 0 ? lost : 0);
}

/* Squared distance from (x, y) to segment i of the line, and where on it. */
static double seg_d2(const dr_raceline *rl, size_t i, double x, double y, double *f)
{
    size_t j = (i + 1) % rl->n;
    double dx = rl->x[j] - rl->x[i], dy = rl->y[j] - rl->y[i], l2 = dx * dx + dy * dy;
    double u = l2 > 0 ? ((x - rl->x[i]) * dx + (y - rl->y[i]) * dy) / l2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    double ex = rl->x[i] + u * dx - x, ey = rl->y[i] + u * dy - y;
    *f = u;
    return ex * ex + ey * ey;
}

size_t dr_raceline_nearest(const dr_raceline *rl, double x, double y, double s_hint, double *dist,
                           double *speed)
{
    size_t n = rl->n;
    double L = rl->center_ds * (double)n, r = fmod(s_hint, L);
    if (!(r >= 0)) r = r < 0 ? r + L : 0;
    size_t i = (size_t)(r / rl->center_ds) % n;
    double f, d = seg_d2(rl, i, x, y, &f);
    /* Walk to the nearest local minimum, either way. */
    for (int dir = 1; dir >= -1; dir -= 2) {
        for (size_t k = 0; k < n; k++) {
            size_t j = dir > 0 ? (i + 1) % n : (i + n - 1) % n;
            double g, e = seg_d2(rl, j, x, y, &g);
            if (!(e < d)) break;
            i = j, d = e, f = g;
        }
    }
    if (dist) *dist = sqrt(d);
    if (speed) *speed = rl->v[i] + f * (rl->v[(i + 1) % n] - rl->v[i]);
    return i;
}

/* ---- output ------------------------------------------------------------------ */

int dr_raceline_csv(const dr_raceline *rl, const dr_car_model *m, char **text, size_t *len,
                    rl_error *err)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) return rl_error_set(err, RL_ENOMEM, "race line: out of memory for the CSV");
    fputs("x,y,speed,s,time,curvature,heading,offset,center_s,steering,command\n", f);
    for (size_t i = 0; i < rl->n; i++) {
        double steer = dr_car_steer_for(m, rl->kappa[i], rl->v[i]) * (180.0 / DR_PI);
        fprintf(f, "%.5f,%.5f,%.4f,%.4f,%.4f,%.5f,%.3f,%.5f,%.4f,%.3f,%.4f\n", rl->x[i], rl->y[i],
                rl->v[i], rl->s[i], rl->t[i], rl->kappa[i], rl->heading[i] * (180.0 / DR_PI),
                rl->offset[i], (double)i * rl->center_ds, steer,
                dr_car_command_for(m, rl->v[i]));
    }
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return rl_error_set(err, RL_ENOMEM, "race line: out of memory for the CSV");
    }
    *text = buf;
    *len = size;
    return RL_OK;
}

int dr_raceline_write_csv(const dr_raceline *rl, const dr_car_model *m, const char *path,
                          rl_error *err)
{
    char *text;
    size_t len;
    int rc = dr_raceline_csv(rl, m, &text, &len, err);
    if (rc != RL_OK) return rc;
    rc = rl_write_file_atomic(path, text, len, err);
    free(text);
    return rc;
}

int dr_raceline_write_png(const dr_raceline *rl, const dr_track *t, const char *track_name,
                          const char *path, rl_error *err)
{
    if (rl->n < 2) return rl_error_set(err, RL_EINVAL, "%s: no race line to draw", path);
    char title[400], length[64], speed[64];
    snprintf(title, sizeof title, "%s%s: race line, car model %s%s, lap time %.2f s", track_name,
             t->reversed ? " (reversed)" : "", rl->model,
             rl->friction_circle ? ", friction circle" : "", rl->lap_time);
    snprintf(length, sizeof length, "length %.2f m", rl->length);
    snprintf(speed, sizeof speed, "mean speed %.2f m/s", rl->v_mean);
    const char *legend[2] = {length, speed};
    dr_plot_view v;
    dr_plot_view_of(t, &v);
    /* The segment that ends at point i in point i's speed; the line is
     * closed, the last segment ending at point 0. */
    dr_plot_track_spec p = {
        .title = title,
        .x = rl->x, .y = rl->y, .v = rl->v, .n = rl->n, .closed = 1,
        .legend = legend, .nlegend = 2,
    };
    dr_plot_speed_scale(rl->v_min, rl->v_max, &p.vlo, &p.vhi);
    return dr_plot_track_png(t, &v, &p, path, err);
}

/* ---- actions from the line --------------------------------------------------- */

static double round_to(double x, double q) { return q * nearbyint(x / q); }

int dr_raceline_actions(const dr_raceline *rl, const dr_car_model *m, size_t k, double *steer,
                        double *speed, rl_error *err)
{
    size_t n = rl->n;
    if (k == 0 || k > n)
        return rl_error_set(err, RL_EINVAL, "race line: %zu actions from %zu points", k, n);
    double *px = malloc(n * sizeof *px), *py = malloc(n * sizeof *py), *wt = malloc(n * sizeof *wt);
    double *cx = malloc(k * sizeof *cx), *cy = malloc(k * sizeof *cy);
    double *sx = malloc(k * sizeof *sx), *sy = malloc(k * sizeof *sy), *sw = malloc(k * sizeof *sw);
    size_t *of = malloc(n * sizeof *of);
    double *dmin = malloc(n * sizeof *dmin);
    int rc = RL_OK;
    if (!px || !py || !wt || !cx || !cy || !sx || !sy || !sw || !of || !dmin) {
        rc = rl_error_set(err, RL_ENOMEM, "race line: out of memory for the actions");
        goto out;
    }
    /* Each point: (steering / 30 degrees, command / 4 m/s), weighted by the
     * time the car spends on its segment. */
    size_t first = 0;
    for (size_t i = 0; i < n; i++) {
        double st = dr_car_steer_for(m, rl->kappa[i], rl->v[i]) * (180.0 / DR_PI);
        double cmd = dr_car_command_for(m, rl->v[i]);
        px[i] = st / DR_MAX_STEER;
        py[i] = cmd / DR_MAX_SPEED;
        wt[i] = (i + 1 < n ? rl->t[i + 1] : rl->lap_time) - rl->t[i];
        if (py[i] > py[first] || (py[i] == py[first] && fabs(px[i]) < fabs(px[first]))) first = i;
    }
    /* Maximin start: the fastest point, then each time the point farthest
     * from the centres so far (the lowest index on ties). */
    cx[0] = px[first];
    cy[0] = py[first];
    for (size_t i = 0; i < n; i++) dmin[i] = INFINITY;
    for (size_t c = 1; c < k; c++) {
        size_t far = 0;
        for (size_t i = 0; i < n; i++) {
            double d = (px[i] - cx[c - 1]) * (px[i] - cx[c - 1]) + (py[i] - cy[c - 1]) * (py[i] - cy[c - 1]);
            if (d < dmin[i]) dmin[i] = d;
            if (dmin[i] > dmin[far]) far = i;
        }
        cx[c] = px[far];
        cy[c] = py[far];
    }
    /* Lloyd's iterations until no point changes cluster. */
    for (size_t i = 0; i < n; i++) of[i] = SIZE_MAX;
    for (int it = 0; it < 200; it++) {
        int changed = 0;
        for (size_t c = 0; c < k; c++) sx[c] = sy[c] = sw[c] = 0;
        for (size_t i = 0; i < n; i++) {
            size_t bestc = 0;
            double bd = INFINITY;
            for (size_t c = 0; c < k; c++) {
                double d = (px[i] - cx[c]) * (px[i] - cx[c]) + (py[i] - cy[c]) * (py[i] - cy[c]);
                if (d < bd) bd = d, bestc = c;
            }
            if (of[i] != bestc) changed = 1, of[i] = bestc;
            sx[bestc] += wt[i] * px[i];
            sy[bestc] += wt[i] * py[i];
            sw[bestc] += wt[i];
        }
        for (size_t c = 0; c < k; c++)
            if (sw[c] > 0) cx[c] = sx[c] / sw[c], cy[c] = sy[c] / sw[c];
        if (!changed) break;
    }
    for (size_t c = 0; c < k; c++) {
        double st = round_to(cx[c] * DR_MAX_STEER, 0.1), sp = round_to(cy[c] * DR_MAX_SPEED, 0.01);
        steer[c] = st < -DR_MAX_STEER ? -DR_MAX_STEER : st > DR_MAX_STEER ? DR_MAX_STEER : st;
        speed[c] = sp < DR_MIN_SPEED ? DR_MIN_SPEED : sp > DR_MAX_SPEED ? DR_MAX_SPEED : sp;
        if (steer[c] == 0) steer[c] = 0; /* no -0 */
    }
    /* Sorted by steering, then speed (insertion sort: k is small). */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && (steer[j] < steer[j - 1] ||
                                     (steer[j] == steer[j - 1] && speed[j] < speed[j - 1]));
             j--) {
            double a = steer[j], b = speed[j];
            steer[j] = steer[j - 1], speed[j] = speed[j - 1];
            steer[j - 1] = a, speed[j - 1] = b;
        }
out:
    free(px), free(py), free(wt), free(cx), free(cy), free(sx), free(sy), free(sw), free(of);
    free(dmin);
    return rc;
}

/* ---- from a configuration ----------------------------------------------------- */

int dr_raceline_from_config(dr_raceline *rl, rl_config *cfg, const char *sec,
                            const dr_raceline_opts *opts, rl_error *err)
{
    memset(rl, 0, sizeof *rl);
    dr_track t;
    memset(&t, 0, sizeof t);
    dr_car_model m;
    int rc = dr_track_from_config(&t, cfg, sec, err);
    if (rc == RL_OK) rc = dr_car_model_read(&m, cfg, sec, err);
    if (rc == RL_OK) rc = dr_raceline_compute(rl, &t, &m, opts, err);
    dr_track_free(&t);
    return rc;
}

/* ---- the environment's uses ---------------------------------------------------- */

int dr_env_raceline(dr_env *e, rl_error *err)
{
    if (e->line) return RL_OK;
    /* The current track's line, kept with the track. */
    dr_raceline *rl = malloc(sizeof *rl);
    if (!rl) return rl_error_set(err, RL_ENOMEM, "race line: out of memory");
    int rc = dr_raceline_compute(rl, &e->track, &e->model, NULL, err);
    if (rc != RL_OK) {
        free(rl);
        return rc;
    }
    e->line = e->courses[e->course].line = rl;
    return RL_OK;
}

int dr_raceline_read_actions(dr_env *e, rl_config *cfg, const char *sec, const char *arg,
                             rl_error *err)
{
    char *end;
    long k = strtol(arg, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (end == arg || *end || k < 2 || k > DR_RACELINE_MAX_ACTIONS) {
        rl_config_fail(cfg, RL_EINVAL, sec, "actions",
                       "'raceline:%s' is not raceline:N with N from 2 to %d (N actions "
                       "clustered from the race line)",
                       arg, DR_RACELINE_MAX_ACTIONS);
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    }
    dr_raceline rl;
    dr_car_model m;
    int rc = dr_raceline_from_config(&rl, cfg, sec, NULL, err);
    if (rc == RL_OK) rc = dr_car_model_read(&m, cfg, sec, err);
    if (rc == RL_OK) rc = dr_raceline_actions(&rl, &m, (size_t)k, e->steer, e->speed, err);
    if (rc == RL_OK) e->nactions = (size_t)k;
    dr_raceline_free(&rl);
    return rc;
}

void dr_raceline_ratio(const dr_env *e, double lap_time, double *limit, double *ratio)
{
    *limit = *ratio = 0;
    if (!e->line) return;
    *limit = e->line->lap_time;
    double share = e->status == DR_LAP_COMPLETE ? 1.0 : e->max_progress / 100.0;
    if (share <= 0) return;
    if (share > 1) share = 1;
    /* The line's time over the same distance, from rest when the lap began
     * at rest (the first evaluation lap; every lap with is_continuous =
     * false). */
    double t = e->lap_from_rest
                   ? dr_raceline_time_from_rest(e->line, &e->model, e->s0,
                                                share * e->track.length)
                   : dr_raceline_time_over(e->line, e->s0, share * e->track.length);
    *limit = t > 0 && share >= 1 ? t : *limit;
    if (t > 0) *ratio = lap_time / t;
}

int dr_raceline_run_file(const void *state, const char *dir, rl_error *err)
{
    const dr_env *e = state;
    char path[4200];
    if (snprintf(path, sizeof path, "%s/raceline.csv", dir) >= (int)sizeof path)
        return rl_error_set(err, RL_EINVAL, "%s: the path is too long", dir);
    if (e->line) return dr_raceline_write_csv(e->line, &e->model, path, err);
    dr_raceline rl;
    int rc = dr_raceline_compute(&rl, &e->track, &e->model, NULL, err);
    if (rc == RL_OK) rc = dr_raceline_write_csv(&rl, &e->model, path, err);
    dr_raceline_free(&rl);
    return rc;
}

/* ---- the command ---------------------------------------------------------------- */


/* The picture's path: the CSV's with .csv replaced by .png, or .png
 * appended. malloc'd; NULL when out of memory. */
static char *png_path(const char *csv)
{
    size_t n = strlen(csv);
    if (n >= 4 && strcmp(csv + n - 4, ".csv") == 0) n -= 4;
    char *p = malloc(n + 5);
    if (p) {
        memcpy(p, csv, n);
        memcpy(p + n, ".png", 5);
    }
    return p;
}

static int raceline_run(int argc, char *const *argv, FILE *out, rl_error *err)
{
    const char *track = NULL, *path = "raceline.csv";
    char *png = NULL;
    int plot = 1;
    dr_raceline_opts o;
    dr_raceline_opts_default(&o);
    rl_config *cfg = rl_config_alloc(err);
    if (!cfg) return err->code;
    int rc = RL_OK;
    if (rl_config_declare(cfg, "deepracer", rl_deepracer_env.params) != RL_OK ||
        rl_config_declare(cfg, "deepracer", rl_env_common_params) != RL_OK)
        rc = rl_error_set(err, RL_EPLUGIN, "%s", rl_config_errmsg(cfg));
    for (int i = 0; rc == RL_OK && i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--set") == 0) {
            if (i + 1 >= argc) {
                rc = rl_error_set(err, RL_EINVAL, "raceline: %s needs a value", a);
                break;
            }
            val = argv[++i];
        } else if (strncmp(a, "--output=", 9) == 0) {
            a = "-o", val = argv[i] + 9;
        } else if (strncmp(a, "--set=", 6) == 0) {
            a = "--set", val = argv[i] + 6;
        }
        if (val && strcmp(a, "--set") == 0) {
            if (strncmp(val, "deepracer.", 10) != 0 || !strchr(val, '=')) {
                rc = rl_error_set(err, RL_EINVAL,
                                  "raceline: --set '%s': give deepracer.KEY=VALUE (the "
                                  "[deepracer] keys: track, is_reversed, car_model and the "
                                  "car's constants)",
                                  val);
            } else if (rl_config_set(cfg, val) != RL_OK) {
                rc = rl_error_set(err, RL_EINVAL, "raceline: %s", rl_config_errmsg(cfg));
            }
        } else if (val) {
            if (!val[0]) rc = rl_error_set(err, RL_EINVAL, "raceline: -o needs a file name");
            path = val;
        } else if (strcmp(a, "--friction-circle") == 0) {
            o.friction_circle = 1;
        } else if (strcmp(a, "--no-plot") == 0) {
            plot = 0;
        } else if (a[0] == '-' && a[1]) {
            rc = rl_error_set(err, RL_EINVAL,
                              "raceline: unknown option '%s' (options: -o FILE, --set "
                              "deepracer.KEY=VALUE, --friction-circle, --no-plot)",
                              a);
        } else if (track) {
            rc = rl_error_set(err, RL_EINVAL, "raceline: two tracks given, '%s' and '%s'", track,
                              a);
        } else {
            track = a;
        }
    }
    if (rc == RL_OK && !track)
        rc = rl_error_set(err, RL_EINVAL, "raceline: no track given (rlrun --raceline TRACK)");
    if (rc == RL_OK) {
        /* The track argument goes in as the track key would. */
        size_t len = strlen(track) + 32;
        char *set = malloc(len);
        if (!set) rc = rl_error_set(err, RL_ENOMEM, "out of memory");
        else {
            snprintf(set, len, "deepracer.track=%s", track);
            if (rl_config_set(cfg, set) != RL_OK)
                rc = rl_error_set(err, RL_EINVAL, "raceline: %s", rl_config_errmsg(cfg));
            free(set);
        }
    }
    if (rc == RL_OK && rl_config_validate(cfg) != RL_OK)
        rc = rl_error_set(err, RL_EINVAL, "raceline: %s", rl_config_errmsg(cfg));
    if (rc == RL_OK && plot && !(png = png_path(path)))
        rc = rl_error_set(err, RL_ENOMEM, "out of memory");
    dr_track t;
    memset(&t, 0, sizeof t);
    dr_car_model m;
    dr_raceline rl;
    memset(&rl, 0, sizeof rl);
    double t0 = now(), t1 = t0;
    if (rc == RL_OK) rc = dr_track_from_config(&t, cfg, "deepracer", err);
    if (rc == RL_OK) rc = dr_car_model_read(&m, cfg, "deepracer", err);
    if (rc == RL_OK) {
        t0 = now();
        rc = dr_raceline_compute(&rl, &t, &m, &o, err);
        t1 = now();
    }
    if (rc == RL_OK) rc = dr_raceline_write_csv(&rl, &m, path, err);
    /* The picture after the CSV: without cairo the CSV is all there is,
     * and a line of the output says so. */
    int drawn = 0;
    rl_error perr = {0};
    if (rc == RL_OK && png) {
        char name[256];
        dr_plot_track_title(track, name, sizeof name);
        int prc = dr_raceline_write_png(&rl, &t, name, png, &perr);
        if (prc == RL_OK)
            drawn = 1;
        else if (prc != RL_EUNSUPPORTED)
            rc = rl_error_set(err, prc, "raceline: %s", perr.msg);
    }
    if (rc == RL_OK) {
        fprintf(out, "race line of %s%s, car model %s%s\n", track, t.reversed ? " (reversed)" : "",
                m.name, o.friction_circle ? ", friction circle" : "");
        fprintf(out, "lap time %.3f s\n", rl.lap_time);
        fprintf(out, "length %.3f m (centre line %.3f m), mean speed %.3f m/s, from %.3f to %.3f m/s\n",
                rl.length, t.length, rl.v_mean, rl.v_min, rl.v_max);
        fprintf(out, "limits: top speed %.3f m/s, grip %.3g m/s^2, acceleration %.3g m/s^2, "
                     "braking %.3g m/s^2; clearance %.3f m from the borders\n",
                rl.limits.v_max, rl.limits.a_lat, rl.limits.a_accel, rl.limits.a_brake,
                rl.clearance);
        if (rl.pinched)
            fprintf(out, "warning: %zu points where the road is narrower than the car and its "
                         "margins\n",
                    rl.pinched);
        if (rl.too_tight)
            fprintf(out, "warning: %zu points curve more than the car can turn at any speed\n",
                    rl.too_tight);
        fprintf(out, "%zu points every %.4f m of centre line, written to %s in %.0f ms\n", rl.n,
                rl.center_ds, path, 1000 * (t1 - t0));
        if (drawn)
            fprintf(out, "the line coloured by speed on the track, written to %s\n", png);
        else if (png)
            fprintf(out, "note: no picture of the line (--no-plot to skip it): %s\n", perr.msg);
        if (ferror(out)) rc = rl_error_set(err, RL_EIO, "raceline: writing the output failed");
    }
    free(png);
    dr_raceline_free(&rl);
    dr_track_free(&t);
    rl_config_free(cfg);
    return rc;
}

const rl_command dr_raceline_command = {
    RL_COMMAND_HEADER,
    .name = "raceline",
    .args = "TRACK [-o FILE] [--set deepracer.KEY=VALUE]... [--friction-circle] [--no-plot]",
    .summary = "compute the minimum-time line of a track for the car model, print its lap time "
               "and write it as CSV (raceline.csv) and as a picture (raceline.png)",
    .min_args = 1,
    .max_args = 64,
    .run = raceline_run,
};
