/* Tests for the deepracer plugin's tracks (plugins/deepracer/track.c):
 * loading the DeepRacer .npy route files and the project's CSV tracks,
 * every load error, and the geometry on tracks built here with known
 * answers. */
/* mkdtemp, opendir and lstat are POSIX, hidden by -std=c11. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RL_TEST_TMPDIR "/tmp/rl_test_track_XXXXXX"
#include "testutil.h"
#include "track.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- helpers --------------------------------------------------------------- */

/* A .npy file: version major.0, the given header dict fields, and nbytes of
 * data taken from v (as little-endian float64, whatever the host). */
static void put_npy(const char *path, int major, const char *descr, const char *fortran,
                    const char *shape, const double *v, size_t nbytes)
{
    char dict[256];
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                      descr, fortran, shape);
    size_t pre = major == 1 ? 10 : 12;
    size_t hlen = (size_t)dl + 1;
    hlen += (64 - (pre + hlen) % 64) % 64; /* numpy pads to 64 bytes */
    size_t total = pre + hlen + nbytes;
    unsigned char *b = calloc(total + 8, 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 0; i < (major == 1 ? 2u : 4u); i++)
        b[8 + i] = (unsigned char)(hlen >> (8 * i));
    memset(b + pre, ' ', hlen);
    memcpy(b + pre, dict, (size_t)dl);
    b[pre + hlen - 1] = '\n';
    for (size_t i = 0; i * 8 < nbytes; i++) {
        uint64_t u;
        memcpy(&u, &v[i], 8);
        for (size_t k = 0; k < 8 && i * 8 + k < nbytes; k++)
            b[pre + hlen + i * 8 + k] = (unsigned char)(u >> (8 * k));
    }
    put_file(path, b, total);
    free(b);
}

/* rows (n x 6) as a well-formed .npy v1.0 file. */
static void put_npy_rows(const char *path, const double *rows, size_t n)
{
    char shape[64];
    snprintf(shape, sizeof shape, "(%zu, 6)", n);
    put_npy(path, 1, "<f8", "False", shape, rows, n * 48);
}

/* rows (n x 6) in the CSV form, with a comment and a header. */
static void put_csv_rows(const char *path, const double *rows, size_t n)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "# a test track\ncenter_x,center_y,inner_x,inner_y,outer_x,outer_y\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", rows[6 * i], rows[6 * i + 1],
                rows[6 * i + 2], rows[6 * i + 3], rows[6 * i + 4], rows[6 * i + 5]);
    ck_assert_int_eq(fclose(f), 0);
}

static void load_ok(dr_track *t, const char *path, int reversed)
{
    char err[512] = "";
    ck_assert_msg(dr_track_load(t, path, reversed, err, sizeof err) == 0, "%s", err);
}

/* A track that must not load: -1, an empty *t, and a message naming the
 * path and containing each of the words. */
static void load_fails(const char *path, const char *w1, const char *w2)
{
    dr_track t;
    memset(&t, 0x5a, sizeof t);
    char err[512] = "";
    ck_assert_int_eq(dr_track_load(&t, path, 0, err, sizeof err), -1);
    ck_assert_ptr_null(t.mem);
    ck_assert_ptr_null(t.cx);
    ck_assert_uint_eq(t.n, 0);
    ck_assert_msg(strstr(err, path) == err, "message does not begin with the path: %s", err);
    ck_assert_msg(strstr(err, w1) != NULL, "no '%s' in: %s", w1, err);
    if (w2)
        ck_assert_msg(strstr(err, w2) != NULL, "no '%s' in: %s", w2, err);
    dr_track_free(&t);
}

/* ---- the stadium: a track with known answers -----------------------------------
 *
 * Counter-clockwise: the lower straight runs along y = 0 from x = 0 to 4,
 * a half circle of radius R = 2 about (4, 2), the upper straight back along
 * y = 4, a half circle about (0, 2). Waypoint 0 is (2, 0); the straights are
 * sampled every 0.25 m (16 segments each), the half circles in ARC segments.
 * The left (inner) border is half_left(i) inside, the right one half_right(i)
 * outside; both 0.5 unless varying. */
#define ARC 32
#define STAD_N (2 * 16 + 2 * ARC)

static double stad_hl(size_t i, int varying)
{
    /* Varying: the left half-width grows by 0.05 m a waypoint along the
     * first eight waypoints of the lower straight. */
    return varying && i < 8 ? 0.3 + 0.05 * (double)i : 0.5;
}

/* STAD_N + 1 rows in *rows (static storage). */
static const double *stadium(int varying)
{
    static double r[(STAD_N + 1) * 6];
    size_t k = 0;
    double x, y, nx, ny; /* centre and left normal */
    for (size_t i = 0; i < STAD_N; i++) {
        if (i < 8) { /* lower straight, x from 2 to 4 */
            x = 2 + 0.25 * (double)i, y = 0, nx = 0, ny = 1;
        } else if (i < 8 + ARC) { /* right half circle */
            double a = -M_PI / 2 + M_PI * (double)(i - 8) / ARC;
            x = 4 + 2 * cos(a), y = 2 + 2 * sin(a), nx = -cos(a), ny = -sin(a);
        } else if (i < 8 + ARC + 16) { /* upper straight, x from 4 to 0 */
            x = 4 - 0.25 * (double)(i - 8 - ARC), y = 4, nx = 0, ny = -1;
        } else if (i < 8 + 2 * ARC + 16) { /* left half circle */
            double a = M_PI / 2 + M_PI * (double)(i - 24 - ARC) / ARC;
            x = 2 * cos(a), y = 2 + 2 * sin(a), nx = -cos(a), ny = -sin(a);
        } else { /* lower straight, x from 0 to 2 */
            x = 0.25 * (double)(i - 24 - 2 * ARC), y = 0, nx = 0, ny = 1;
        }
        double hl = stad_hl(i, varying), hr = 0.5;
        double *row = r + 6 * k++;
        row[0] = x, row[1] = y;
        row[2] = x + hl * nx, row[3] = y + hl * ny;
        row[4] = x - hr * nx, row[5] = y - hr * ny;
    }
    memcpy(r + 6 * k, r, 6 * sizeof *r);
    return r;
}

/* The stadium's centre-line length: straights plus chords. */
static double stadium_length(void)
{
    return 8 + 2 * ARC * 2 * 2 * sin(M_PI / (2 * ARC));
}

/* The same rows in the opposite order (a clockwise file). */
static const double *reversed_rows(const double *rows, size_t nrows)
{
    static double r[(STAD_N + 1) * 6];
    for (size_t i = 0; i < nrows; i++)
        memcpy(r + 6 * i, rows + 6 * (nrows - 1 - i), 6 * sizeof *r);
    return r;
}

static void load_stadium(dr_track *t, const char *name, int varying, int cw, int reversed)
{
    const double *rows = stadium(varying);
    if (cw)
        rows = reversed_rows(rows, STAD_N + 1);
    put_npy_rows(in_tmp(name), rows, STAD_N + 1);
    load_ok(t, in_tmp(name), reversed);
}

/* The road as a polygon pair: inside the outer border and not strictly
 * inside the inner one (even-odd rule), for comparison with on_road. */
static int in_poly(const double *px, const double *py, size_t n, double x, double y)
{
    int in = 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++)
        if ((py[i] > y) != (py[j] > y) &&
            x < (px[j] - px[i]) * (y - py[i]) / (py[j] - py[i]) + px[i])
            in = !in;
    return in;
}

/* on_road agrees with the polygon pair at random points, whatever the
 * hint: the projection's segment, a wrong one, or none. */
static void check_on_road_random(const dr_track *t, unsigned seed, int count)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < t->n; i++) {
        x0 = fmin(x0, fmin(t->lx[i], t->rx[i]));
        x1 = fmax(x1, fmax(t->lx[i], t->rx[i]));
        y0 = fmin(y0, fmin(t->ly[i], t->ry[i]));
        y1 = fmax(y1, fmax(t->ly[i], t->ry[i]));
    }
    /* On a clockwise loop the inside border is the driver's right. */
    int inner_left = t->ccw != t->reversed;
    const double *ix = inner_left ? t->lx : t->rx, *iy = inner_left ? t->ly : t->ry;
    const double *ox = inner_left ? t->rx : t->lx, *oy = inner_left ? t->ry : t->ly;
    int on = 0;
    srand(seed);
    for (int k = 0; k < count; k++) {
        double x = x0 - 0.5 + (x1 - x0 + 1) * rand() / (double)RAND_MAX;
        double y = y0 - 0.5 + (y1 - y0 + 1) * rand() / (double)RAND_MAX;
        int want = in_poly(ox, oy, t->n, x, y) && !in_poly(ix, iy, t->n, x, y);
        dr_proj p;
        dr_track_project(t, x, y, DR_NO_HINT, &p);
        ck_assert_int_eq(dr_track_on_road(t, x, y, DR_NO_HINT), want);
        ck_assert_int_eq(dr_track_on_road(t, x, y, p.seg), want);
        ck_assert_int_eq(dr_track_on_road(t, x, y, (p.seg + t->n / 2) % t->n), want);
        on += want;
    }
    /* Both kinds of point were tried. */
    ck_assert_int_gt(on, count / 20);
    ck_assert_int_lt(on, count - count / 20);
}

/* ---- the DeepRacer files (../shared/tracks) ---------------------------------- */

static const struct shared_track {
    const char *file;
    size_t rows;
    double length;
    int ccw;
    size_t dropped;
    double wmin, wmean, wmax;
} shared_tracks[] = {
    {"reinvent_base.npy", 119, 17.71, 1, 0, 0.756, 0.762, 0.762},
    {"Oval_track.npy", 102, 19.55, 1, 1, 0.608, 0.710, 0.939},
    {"reInvent2019_track.npy", 155, 23.12, 1, 1, 1.067, 1.067, 1.067},
    {"Spain_track.npy", 259, 60.00, 0, 1, 0.881, 0.913, 0.954},
    {"2022_reinvent_champ_ccw.npy", 113, 33.28, 1, 0, 0.950, 0.950, 0.950},
    {"penbay_pro.npy", 299, 89.24, 1, 1, 1.010, 1.067, 1.067},
};
#define N_SHARED (sizeof shared_tracks / sizeof shared_tracks[0])

/* The path of a shared track, or NULL (with a note) when the directory is
 * not there, as in a distribution tarball. */
static const char *shared_path(const char *file)
{
    static char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s/../shared/tracks", rl_test_srcdir());
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("test_dr_track: %s is absent: skipping the DeepRacer track checks\n", dir);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return path;
}

START_TEST(test_shared_track_facts)
{
    const struct shared_track *f = &shared_tracks[_i];
    const char *path = shared_path(f->file);
    if (!path)
        return;
    dr_track t;
    load_ok(&t, path, 0);
    ck_assert_double_eq_tol(t.length, f->length, 0.005);
    ck_assert_int_eq(t.ccw, f->ccw);
    ck_assert_int_eq(t.reversed, 0);
    ck_assert_uint_eq(t.dropped, f->dropped);
    ck_assert_uint_eq(t.n, f->rows - 1 - f->dropped);
    ck_assert_double_eq_tol(t.min_width, f->wmin, 0.001);
    ck_assert_double_eq_tol(t.max_width, f->wmax, 0.001);
    double mean = 0;
    for (size_t i = 0; i < t.n; i++)
        mean += t.w[i];
    ck_assert_double_eq_tol(mean / (double)t.n, f->wmean, 0.001);
    /* The closing point repeats waypoint 0; arc lengths add up. */
    ck_assert_double_eq(t.cx[t.n], t.cx[0]);
    ck_assert_double_eq(t.cy[t.n], t.cy[0]);
    ck_assert_double_eq(t.s[t.n], t.length);
    for (size_t i = 0; i < t.n; i++) {
        ck_assert_double_eq_tol(t.s[i + 1] - t.s[i], t.seg[i], 1e-12);
        ck_assert_double_eq_tol(hypot(t.ux[i], t.uy[i]), 1, 1e-12);
        ck_assert(t.seg[i] > 0);
    }
    /* The inner border is on the left of a CCW track, the right of a CW
     * one: the waypoint-0 left border point is left of the first segment. */
    double side = t.ux[0] * (t.ly[0] - t.cy[0]) - t.uy[0] * (t.lx[0] - t.cx[0]);
    ck_assert(side > 0);

    /* Every waypoint projects onto itself, with or without a hint. */
    for (size_t i = 0; i < t.n; i++) {
        dr_proj p, q;
        dr_track_project(&t, t.cx[i], t.cy[i], DR_NO_HINT, &p);
        dr_track_project(&t, t.cx[i], t.cy[i], i == 0 ? t.n - 1 : i - 1, &q);
        ck_assert_uint_eq(p.seg, i);
        ck_assert_uint_eq(q.seg, i);
        ck_assert_double_eq_tol(p.s, t.s[i], 1e-9);
        ck_assert_double_eq_tol(p.dist, 0, 1e-12);
        ck_assert_int_eq(dr_track_on_road(&t, t.cx[i], t.cy[i], i), 1);
    }
    check_on_road_random(&t, 7, 4000);

    /* The border points nearest a point of the centre line (the
     * simulator's track_width): the search from the projection's segment
     * finds the global nearest, and the width they give is within a few
     * percent of the rows' (narrower where a border cuts corners). */
    double ratio_min = 1;
    for (size_t i = 0; i < t.n; i++)
        for (int k = 0; k < 4; k++) {
            double x = t.cx[i] + 0.25 * k * t.seg[i] * t.ux[i];
            double y = t.cy[i] + 0.25 * k * t.seg[i] * t.uy[i];
            dr_proj p;
            dr_track_project(&t, x, y, i, &p);
            double q[2][2], g[2][2];
            for (int sd = 0; sd < 2; sd++) {
                dr_track_side_point(&t, sd, 1.0, p.px, p.py, p.seg, &q[sd][0], &q[sd][1], NULL);
                dr_track_side_point(&t, sd, 1.0, p.px, p.py, DR_NO_HINT, &g[sd][0], &g[sd][1], NULL);
                ck_assert_double_eq_tol(q[sd][0], g[sd][0], 1e-12);
                ck_assert_double_eq_tol(q[sd][1], g[sd][1], 1e-12);
            }
            double w = hypot(q[0][0] - q[1][0], q[0][1] - q[1][1]);
            ck_assert(w < p.width * 1.02);
            if (w / p.width < ratio_min) ratio_min = w / p.width;
        }
    /* Measured: reinvent_base 0.981, reInvent2019_track 0.995, Spain 0.937,
     * penbay_pro 0.940, 2022_reinvent_champ_ccw 0.953, Oval_track 0.645
     * (its rows are skewed where the width changes). */
    ck_assert(ratio_min > 0.6 && ratio_min <= 1);
    dr_track_free(&t);

    /* Reversed: the same loop the other way round. */
    load_ok(&t, path, 1);
    ck_assert_double_eq_tol(t.length, f->length, 0.005);
    ck_assert_int_eq(t.ccw, f->ccw);
    ck_assert_int_eq(t.reversed, 1);
    side = t.ux[0] * (t.ly[0] - t.cy[0]) - t.uy[0] * (t.lx[0] - t.cx[0]);
    ck_assert(side > 0);
    check_on_road_random(&t, 8, 1000);
    dr_track_free(&t);
}
END_TEST

/* The Spain track is clockwise: its file's inner border is the driver's
 * right going forwards and the left when reversed. */
START_TEST(test_shared_clockwise_sides)
{
    const char *path = shared_path("Spain_track.npy");
    if (!path)
        return;
    size_t len;
    unsigned char *raw = rl_test_slurp(path, &len);
    size_t hlen = (size_t)raw[8] | (size_t)raw[9] << 8;
    double row0[6];
    memcpy(row0, raw + 10 + hlen, sizeof row0); /* the test hosts are little-endian */
    free(raw);
    dr_track t;
    load_ok(&t, path, 0);
    ck_assert_int_eq(t.ccw, 0);
    ck_assert_double_eq(t.rx[0], row0[2]);
    ck_assert_double_eq(t.ry[0], row0[3]);
    ck_assert_double_eq(t.lx[0], row0[4]);
    dr_track_free(&t);
    load_ok(&t, path, 1);
    ck_assert_double_eq(t.lx[0], row0[2]);
    ck_assert_double_eq(t.ly[0], row0[3]);
    ck_assert_double_eq(t.rx[0], row0[4]);
    dr_track_free(&t);
}
END_TEST

/* ---- the project's own tracks ------------------------------------------------ */

START_TEST(test_own_tracks)
{
    static const struct {
        const char *file;
        size_t n;
        double length;
    } own[] = {{"oval.csv", 100, 20.05}, {"technical.csv", 159, 31.86}};
    for (size_t k = 0; k < 2; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/envs/tracks/%s", rl_test_srcdir(), own[k].file);
        dr_track t;
        load_ok(&t, path, 0);
        ck_assert_uint_eq(t.n, own[k].n);
        ck_assert_double_eq_tol(t.length, own[k].length, 0.005);
        ck_assert_int_eq(t.ccw, 1);
        ck_assert_uint_eq(t.dropped, 0);
        ck_assert_double_eq_tol(t.min_width, 1.067, 2e-6);
        ck_assert_double_eq_tol(t.max_width, 1.067, 2e-6);
        ck_assert_double_eq_tol(t.max_half, 0.5335, 2e-6);
        /* About 0.2 m between waypoints. */
        for (size_t i = 0; i < t.n; i++)
            ck_assert(t.seg[i] > 0.15 && t.seg[i] < 0.25);
        check_on_road_random(&t, 11, 4000);
        dr_track_free(&t);
    }
}
END_TEST

/* ---- load errors ------------------------------------------------------------- */

/* A closed square of n rows (n - 1 distinct points), 1 m wide. */
static double *square_rows(size_t n)
{
    double *r = calloc(6 * n, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        double a = 2 * M_PI * (double)(i % (n - 1)) / (double)(n - 1);
        double c = cos(a), s = sin(a);
        double row[6] = {3 * c, 3 * s, 2.5 * c, 2.5 * s, 3.5 * c, 3.5 * s};
        memcpy(r + 6 * i, row, sizeof row);
    }
    return r;
}

START_TEST(test_error_npy)
{
    double *r = square_rows(10);
    const char *p;

    p = in_tmp("truncated.npy");
    put_npy(p, 1, "<f8", "False", "(10, 6)", r, 9 * 48 + 5);
    load_fails(p, "truncated", "expected 480 data bytes");
    load_fails(p, "found 437", NULL);

    p = in_tmp("long.npy");
    put_npy(p, 1, "<f8", "False", "(9, 6)", r, 10 * 48);
    load_fails(p, "trailing", NULL);

    r[6 * 3 + 2] = NAN;
    p = in_tmp("nan.npy");
    put_npy_rows(p, r, 10);
    load_fails(p, "not finite", "row 3, column 2 (inner_x)");
    r[6 * 3 + 2] = INFINITY;
    put_npy_rows(p, r, 10);
    load_fails(p, "not finite", "inf");
    free(r);

    r = square_rows(4); /* three distinct points */
    p = in_tmp("few.npy");
    put_npy_rows(p, r, 4);
    load_fails(p, "too few distinct points", "(3, need at least 4)");
    free(r);

    p = in_tmp("shape4.npy");
    r = square_rows(10);
    put_npy(p, 1, "<f8", "False", "(15, 4)", r, 15 * 32);
    load_fails(p, "shape (15, 4)", "(N, 6)");
    p = in_tmp("shape1.npy");
    put_npy(p, 1, "<f8", "False", "(6,)", r, 48);
    load_fails(p, "shape (6,)", NULL);
    p = in_tmp("shape3.npy");
    put_npy(p, 1, "<f8", "False", "(10, 6, 1)", r, 480);
    load_fails(p, "shape (10, 6, 1)", NULL);

    p = in_tmp("f4.npy");
    put_npy(p, 1, "<f4", "False", "(10, 6)", r, 240);
    load_fails(p, "dtype '<f4'", "'<f8'");
    p = in_tmp("be.npy");
    put_npy(p, 1, ">f8", "False", "(10, 6)", r, 480);
    load_fails(p, "dtype '>f8'", NULL);

    p = in_tmp("fortran.npy");
    put_npy(p, 1, "<f8", "True", "(10, 6)", r, 480);
    load_fails(p, "Fortran order", NULL);

    p = in_tmp("v3.npy");
    put_npy(p, 3, "<f8", "False", "(10, 6)", r, 480);
    load_fails(p, "version 3.0", NULL);

    p = in_tmp("magic.npy");
    put_npy(p, 1, "<f8", "False", "(10, 6)", r, 480);
    FILE *f = fopen(p, "r+b");
    fputc('X', f);
    fclose(f);
    load_fails(p, "bad magic", NULL);
    p = in_tmp("empty.npy");
    put_file(p, "", 0);
    load_fails(p, "bad magic", NULL);

    p = in_tmp("header.npy");
    put_file(p, "\x93NUMPY\x01\x00\x50\x00{'descr'", 17);
    load_fails(p, "truncated .npy header", NULL);

    r[6 * 9] += 0.01; /* the last row no longer repeats the first */
    p = in_tmp("open.npy");
    put_npy_rows(p, r, 10);
    load_fails(p, "not closed", "0.01 m");
    free(r);

    load_fails(in_tmp("missing.npy"), "cannot read", NULL);
    load_fails(tmpdir, "cannot read", NULL);
}
END_TEST

START_TEST(test_error_csv)
{
    const char *p = in_tmp("bad.csv");
    const char *text = "# comment\n"
                       "center_x,center_y,inner_x,inner_y,outer_x,outer_y\n"
                       "3,0,2.5,0,3.5,0\n"
                       "0,3,0,2.5,0,3.5,\n"
                       "-3,0,-2.5,0,-3.5,0\n";
    put_file(p, text, strlen(text));
    char want[600];
    snprintf(want, sizeof want, "%s:4:", p);
    load_fails(p, want, "six comma-separated reals");

    text = "3,0,2.5,0,3.5\n";
    put_file(p, text, strlen(text));
    load_fails(p, ":1:", "six");
    text = "3,0,2.5,0,3.5,0\nx,y,a,b,c,d\n";
    put_file(p, text, strlen(text)); /* a header after a row is a bad line */
    load_fails(p, ":2: bad number 'x' in column 'center_x'", NULL);
    text = "3,0,2.5,0,3.5,0 7\n";
    put_file(p, text, strlen(text));
    load_fails(p, ":1: bad number '0 7' in column 'outer_y'", NULL);
    /* csv.h's rules: quoted fields, CRLF, blanks around fields. */
    text = "# quoted\r\n\"3\", 0 ,2.5,0,3.5,0\r\n0,3,0,2.5,0,\t3.5\r\n";
    put_file(p, text, strlen(text));
    load_fails(p, "not closed: the last row's centre (0, 3) is 4.24264 m from the first's (3, 0)",
               NULL);
    text = "3,0,2.5,0,3.5,0\n0,3,0,2.5,0,3.5\"\n";
    put_file(p, text, strlen(text));
    load_fails(p, ":2: a quote inside field 6", NULL);

    text = "# header-less\n\n3,0,2.5,0,3.5,0\n0,3,0,2.5,0,nan\n";
    put_file(p, text, strlen(text));
    load_fails(p, ":4: bad number 'nan' in column 'outer_y'", NULL);

    text = "# nothing but comments\n\n";
    put_file(p, text, strlen(text));
    load_fails(p, "too few distinct points", NULL);

    /* Four rows, but the third repeats the second: two distinct points. */
    text = "3,0,2.5,0,3.5,0\n0,3,0,2.5,0,3.5\n0,3,0,2.5,0,3.5\n3,0,2.5,0,3.5,0\n";
    put_file(p, text, strlen(text));
    load_fails(p, "too few distinct points", "(2,");

    text = "3,0,2.5,0,3.5,0\n0,3,0,2.5,0,3.5\n-3,0,-2.5,0,-3.5,0\n0,-3,0,-2.5,0,-3.5\n"
           "3,0.001,2.5,0,3.5,0\n";
    put_file(p, text, strlen(text));
    load_fails(p, "not closed", NULL);
}
END_TEST

/* A closed circle of n rows (n - 1 distinct points) of radius R, w wide. */
static double *circle_rows(size_t n, double R, double w)
{
    double *r = calloc(6 * n, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        double a = 2 * M_PI * (double)(i % (n - 1)) / (double)(n - 1);
        double c = cos(a), s = sin(a);
        double row[6] = {R * c, R * s, (R - w / 2) * c, (R - w / 2) * s, (R + w / 2) * c,
                         (R + w / 2) * s};
        memcpy(r + 6 * i, row, sizeof row);
    }
    return r;
}

/* The limits of track.h: magnitudes, widths, extent, length and rows, in
 * both forms, each refused with its row (and line) and the limit. */
START_TEST(test_error_limits)
{
    double *r = square_rows(10);
    const char *p = in_tmp("huge.npy");
    r[6 * 3 + 2] = 1.7e308;
    put_npy_rows(p, r, 10);
    load_fails(p, "row 3: column 2 (inner_x) is 1.7e+308", "beyond the limit of +-10000 m");
    p = in_tmp("huge.csv");
    put_csv_rows(p, r, 10); /* a comment and a header, then the rows: row 3 on line 6 */
    char want[600];
    snprintf(want, sizeof want, "%s:6: row 3: column 2 (inner_x) is 1.7e+308", p);
    load_fails(p, want, "beyond the limit of +-10000 m");
    r[6 * 3 + 2] = -10000.5;
    put_csv_rows(p, r, 10);
    load_fails(p, "is -10000.5, beyond", NULL);
    free(r);

    /* Zero width: inner and outer borders on the centre line. */
    r = square_rows(10);
    for (size_t i = 0; i < 10; i++)
        for (int c = 2; c < 6; c++)
            r[6 * i + c] = r[6 * i + (c % 2)];
    p = in_tmp("zero.npy");
    put_npy_rows(p, r, 10);
    load_fails(p, "row 0: the track is 0 m wide", "outside 0.05..100 m");
    p = in_tmp("zero.csv");
    put_csv_rows(p, r, 10);
    load_fails(p, ":3: row 0: the track is 0 m wide", "outside 0.05..100 m");
    free(r);
    r = circle_rows(10, 3, 0.04);
    put_csv_rows(p, r, 10);
    load_fails(p, "is 0.04 m wide", NULL);
    free(r);
    r = circle_rows(10, 200, 101);
    put_csv_rows(p, r, 10);
    load_fails(p, "is 101 m wide", "outside 0.05..100 m");
    free(r);

    /* Extent: a circle 1200 m across, every coordinate within the limit. */
    r = circle_rows(64, 600, 1);
    p = in_tmp("wide.npy");
    put_npy_rows(p, r, 64);
    load_fails(p, "the track spans 1200.", "more than the limit of 1000 m in either direction");
    free(r);
    /* Length: 1131 m of centre line inside a box of 361 m. */
    r = circle_rows(64, 180, 1);
    put_npy_rows(p, r, 64);
    load_fails(p, "the centre line is 1130.", "more than the limit of 1000 m");
    free(r);

    /* Rows: the count in the shape is refused before the data is read. */
    p = in_tmp("rows.npy");
    r = square_rows(10);
    put_npy(p, 1, "<f8", "False", "(100001, 6)", r, 480);
    load_fails(p, "100001 rows, more than the limit of 100000", NULL);
    free(r);
    p = in_tmp("rows.csv");
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i <= DR_TRACK_MAX_ROWS; i++)
        fputs("3,0,2.5,0,3.5,0\n", f);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(want, sizeof want, "%s:%d: more than %d rows", p, DR_TRACK_MAX_ROWS + 1,
             DR_TRACK_MAX_ROWS);
    load_fails(p, want, NULL);
}
END_TEST

/* A track at the limits loads, and its grid answers for any point, however
 * far off it or not a number, without reading outside itself. */
START_TEST(test_limits_ok)
{
    double *r = circle_rows(9, 150, 1); /* 8 waypoints, 918 m of centre line */
    const char *p = in_tmp("big.csv");
    put_csv_rows(p, r, 9);
    free(r);
    dr_track t;
    load_ok(&t, p, 0);
    ck_assert(t.length < DR_TRACK_MAX_LENGTH && t.length > 900);
    ck_assert(t.gnx * t.gny <= 4 * (64 * t.n + 1024));
    ck_assert_int_eq(dr_track_on_road(&t, 150, 0, DR_NO_HINT), 1);
    ck_assert_int_eq(dr_track_on_road(&t, 0, 0, DR_NO_HINT), 0);
    const double far[] = {1e300, -1e300, 1.7e308, -1.7e308, INFINITY, -INFINITY, NAN, 1e4};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
        ck_assert_int_eq(dr_track_on_road(&t, far[i], 0, DR_NO_HINT), 0);
        ck_assert_int_eq(dr_track_on_road(&t, 0, far[i], DR_NO_HINT), 0);
        ck_assert_int_eq(dr_track_on_road(&t, far[i], far[i], DR_NO_HINT), 0);
    }
    dr_track_free(&t);
}
END_TEST

/* A short error buffer gets a truncated message, never an overflow. */
START_TEST(test_error_buffer)
{
    char err[17];
    memset(err, 'x', sizeof err);
    dr_track t;
    ck_assert_int_eq(dr_track_load(&t, in_tmp("missing.csv"), 0, err, 16), -1);
    ck_assert_uint_eq(strlen(err), 15);
    ck_assert_int_eq(err[16], 'x');
    ck_assert_int_eq(dr_track_load(&t, in_tmp("missing.csv"), 0, NULL, 0), -1);
    dr_track_free(&t);
    dr_track_free(&t);
    dr_track_free(NULL);
}
END_TEST

/* ---- the forms that load -------------------------------------------------------- */

START_TEST(test_forms)
{
    /* CSV: comments anywhere, blank lines, CRLF, spaces, no header. */
    const char *text = "# a square\r\n\r\n"
                       " 3, 0, 2.5, 0, 3.5, 0 \r\n"
                       "0,3,0,2.5,0,3.5\r\n"
                       "# halfway\n"
                       "-3,0,-2.5,0,-3.5,0\n"
                       "0,-3,0,-2.5,0,-3.5\n"
                       "3,0,2.5,0,3.5,0"; /* no final newline */
    put_file(in_tmp("sq.txt"), text, strlen(text));
    dr_track t;
    load_ok(&t, in_tmp("sq.txt"), 0);
    ck_assert_uint_eq(t.n, 4);
    ck_assert_double_eq_tol(t.length, 4 * 3 * sqrt(2), 1e-12);
    ck_assert_int_eq(t.ccw, 1);
    ck_assert_double_eq_tol(t.min_width, 1, 1e-15);
    ck_assert_double_eq(t.cx[4], 3);
    dr_track_free(&t);

    /* .npy version 2.0 (a 32-bit header length). */
    double *r = square_rows(9);
    char shape[] = "(9, 6)";
    put_npy(in_tmp("v2.npy"), 2, "<f8", "False", shape, r, 9 * 48);
    load_ok(&t, in_tmp("v2.npy"), 0);
    ck_assert_uint_eq(t.n, 8);
    ck_assert_double_eq(t.cx[0], r[0]);
    ck_assert_double_eq(t.ly[3], r[6 * 3 + 3]);
    dr_track_free(&t);

    /* Duplicates: row 2 is repeated twice, and so is the closing row; the
     * four are dropped and counted, and the indices after them shift. */
    double d[13 * 6];
    size_t src[13] = {0, 1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 8, 8};
    for (size_t i = 0; i < 13; i++)
        memcpy(d + 6 * i, r + 6 * src[i], 6 * sizeof *d);
    put_csv_rows(in_tmp("dup.csv"), d, 13);
    load_ok(&t, in_tmp("dup.csv"), 0);
    ck_assert_uint_eq(t.n, 8);
    ck_assert_uint_eq(t.dropped, 4);
    ck_assert_double_eq(t.cx[3], r[6 * 3]);
    ck_assert_double_eq(t.cy[7], r[6 * 7 + 1]);
    dr_track_free(&t);
    free(r);
}
END_TEST

/* ---- geometry -------------------------------------------------------------------- */

START_TEST(test_stadium_shape)
{
    dr_track t;
    load_stadium(&t, "st.npy", 0, 0, 0);
    ck_assert_uint_eq(t.n, STAD_N);
    ck_assert_double_eq_tol(t.length, stadium_length(), 1e-12);
    ck_assert_int_eq(t.ccw, 1);
    ck_assert_double_eq_tol(t.min_width, 1, 1e-12);
    ck_assert_double_eq_tol(t.max_width, 1, 1e-12);
    /* Left is the inside (y = 0.5 on the lower straight). */
    ck_assert_double_eq(t.ly[0], 0.5);
    ck_assert_double_eq(t.ry[0], -0.5);
    ck_assert_double_eq(t.hl[0], 0.5);
    ck_assert_double_eq(t.hr[3], 0.5);
    ck_assert_double_eq(t.s[4], 1.0);
    ck_assert_double_eq(t.ux[0], 1);
    ck_assert_double_eq(t.uy[0], 0);
    ck_assert_double_eq(t.seg[7], 0.25);
    ck_assert_ptr_eq(t.cx, t.mem);
    dr_track_free(&t);
    ck_assert_ptr_null(t.mem);
    ck_assert_uint_eq(t.n, 0);
}
END_TEST

START_TEST(test_project_straight)
{
    dr_track t;
    load_stadium(&t, "st.npy", 0, 0, 0);
    size_t hints[] = {DR_NO_HINT, 4, 3, 6, 0, 10, STAD_N - 3};
    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
        dr_proj p;
        dr_track_project(&t, 3.1, 0.2, hints[h], &p);
        ck_assert_uint_eq(p.seg, 4);
        ck_assert_double_eq_tol(p.frac, 0.4, 1e-12);
        ck_assert_double_eq_tol(p.s, 1.1, 1e-12);
        ck_assert_double_eq_tol(p.px, 3.1, 1e-12);
        ck_assert_double_eq_tol(p.py, 0, 1e-12);
        ck_assert_double_eq_tol(p.dist, 0.2, 1e-12);
        ck_assert_double_eq_tol(p.lateral, 0.2, 1e-12);
        ck_assert_double_eq_tol(p.half_left, 0.5, 1e-12);
        ck_assert_double_eq_tol(p.half_right, 0.5, 1e-12);
        ck_assert_double_eq_tol(p.width, 1, 1e-12);

        dr_track_project(&t, 3.1, -0.3, hints[h], &p);
        ck_assert_uint_eq(p.seg, 4);
        ck_assert_double_eq_tol(p.lateral, -0.3, 1e-12);
        ck_assert_double_eq_tol(p.dist, 0.3, 1e-12);
    }
    /* On the upper straight, driven westwards, y > 4 is the right. */
    dr_proj p;
    dr_track_project(&t, 1.0, 4.25, DR_NO_HINT, &p);
    ck_assert_uint_eq(p.seg, 8 + ARC + 12);
    ck_assert_double_eq_tol(p.lateral, -0.25, 1e-12);
    ck_assert_double_eq_tol(p.s, 2 + (stadium_length() - 8) / 2 + 3, 1e-9);

    /* A waypoint itself: frac 0 on its own segment, whichever side the
     * hint comes from. */
    dr_track_project(&t, 3.0, 0.1, 3, &p);
    ck_assert_uint_eq(p.seg, 4);
    ck_assert_double_eq(p.frac, 0);
    dr_track_project(&t, 3.0, 0.1, 5, &p);
    ck_assert_uint_eq(p.seg, 4);
    ck_assert_double_eq_tol(p.lateral, 0.1, 1e-15);
    dr_track_free(&t);
}
END_TEST

START_TEST(test_project_start_line)
{
    dr_track t;
    load_stadium(&t, "st.npy", 0, 0, 0);
    double L = t.length;
    dr_proj p, q;
    dr_track_project(&t, 1.99, 0.1, DR_NO_HINT, &p);
    ck_assert_uint_eq(p.seg, STAD_N - 1);
    ck_assert_double_eq_tol(p.frac, 0.96, 1e-12);
    ck_assert_double_eq_tol(p.s, L - 0.01, 1e-9);
    dr_track_project(&t, 1.99, 0.1, 0, &q);
    ck_assert_uint_eq(q.seg, p.seg);
    ck_assert_double_eq(q.s, p.s);

    dr_track_project(&t, 2.01, -0.1, STAD_N - 1, &p);
    ck_assert_uint_eq(p.seg, 0);
    ck_assert_double_eq_tol(p.s, 0.01, 1e-12);
    ck_assert_double_eq_tol(p.lateral, -0.1, 1e-12);

    /* Waypoint 0 is at s = 0, never at s = length. */
    dr_track_project(&t, 2.0, 0.3, STAD_N - 1, &p);
    ck_assert_uint_eq(p.seg, 0);
    ck_assert_double_eq(p.s, 0);
    ck_assert(p.s < L);
    dr_track_free(&t);
}
END_TEST

START_TEST(test_project_curve)
{
    dr_track t;
    load_stadium(&t, "st.npy", 0, 0, 0);
    /* Around the right half circle (R = 2 about (4, 2)), inside and
     * outside, the distance is |r - R| up to the chords' sagitta. */
    double sag = 2 * (1 - cos(M_PI / (2 * ARC)));
    size_t hint = 8;
    for (int k = 1; k < 40; k++) {
        double a = -M_PI / 2 + M_PI * (k + 0.3) / 40.0; /* never on a vertex */
        for (double r = 1.6; r <= 2.41; r += 0.2) {
            double x = 4 + r * cos(a), y = 2 + r * sin(a);
            dr_proj p, q;
            dr_track_project(&t, x, y, hint, &p);
            dr_track_project(&t, x, y, DR_NO_HINT, &q);
            ck_assert_double_eq_tol(p.dist, fabs(r - 2), sag + 1e-12);
            ck_assert_double_eq_tol(fabs(p.lateral), p.dist, 1e-15);
            if (fabs(r - 2) > sag)
                ck_assert_int_eq(p.lateral > 0, r < 2); /* inside is left */
            ck_assert_uint_eq(p.seg, q.seg);
            ck_assert_double_eq_tol(p.s, q.s, 1e-12);
            /* s grows with the angle: 2 m of straight, then r = 2 arcs. */
            ck_assert_double_eq_tol(p.s, 2 + 2 * (a + M_PI / 2), 0.02);
            hint = p.seg;
        }
    }
    /* Outside a vertex of the polygon the nearest point is the vertex; the
     * side comes from the bisector, and nearby points agree. */
    size_t v = 8 + ARC / 2; /* (6, 2) */
    dr_proj p;
    dr_track_project(&t, 6.3, 2.0, v, &p);
    ck_assert_uint_eq(p.seg, v);
    ck_assert_double_eq(p.frac, 0);
    ck_assert_double_eq_tol(p.dist, 0.3, 1e-12);
    ck_assert_double_eq_tol(p.lateral, -0.3, 1e-12);
    double eps = 1e-3;
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        dr_proj q;
        dr_track_project(&t, 6.3, 2.0 + sgn * eps, v, &q);
        ck_assert_double_eq_tol(q.lateral, p.lateral, 2 * eps);
    }
    dr_track_free(&t);
}
END_TEST

START_TEST(test_project_varying_width)
{
    dr_track t;
    load_stadium(&t, "var.npy", 1, 0, 0);
    ck_assert_double_eq_tol(t.min_width, 0.8, 1e-12);
    ck_assert_double_eq_tol(t.max_width, 1.15, 1e-12);
    ck_assert_double_eq_tol(t.hl[2], 0.4, 1e-12);
    dr_proj p;
    dr_track_project(&t, 2.35, 0.1, 1, &p); /* segment 1, frac 0.4 */
    ck_assert_uint_eq(p.seg, 1);
    ck_assert_double_eq_tol(p.frac, 0.4, 1e-12);
    ck_assert_double_eq_tol(p.half_left, 0.35 + 0.4 * 0.05, 1e-12);
    ck_assert_double_eq_tol(p.half_right, 0.5, 1e-12);
    ck_assert_double_eq_tol(p.width, 0.85 + 0.4 * 0.05, 1e-12);
    /* On the road up to the narrower left border, not beyond. */
    ck_assert_int_eq(dr_track_on_road(&t, 2.35, 0.36, 1), 1);
    ck_assert_int_eq(dr_track_on_road(&t, 2.35, 0.38, 1), 0);
    ck_assert_int_eq(dr_track_on_road(&t, 2.35, 0.38, DR_NO_HINT), 0);
    dr_track_free(&t);
}
END_TEST

START_TEST(test_on_road)
{
    dr_track t;
    load_stadium(&t, "st.npy", 0, 0, 0);
    static const struct {
        double x, y;
        int want;
    } pts[] = {
        {3.1, 0.2, 1},          {3.1, -0.45, 1},      {3.1, 0.5, 1},
        {3.1, -0.5, 1},         {3.0, 0.5, 1},        {2.0, -0.5, 1}, /* border, at a row */
        {3.1, 0.5 + 1e-9, 0},   {3.1, -0.5 - 1e-9, 0}, {3.1, 0.6, 0},
        {2.0, 2.0, 0},          {100, 100, 0},        {-100, 2, 0},
        {6.4, 2.0, 1},          {6.6, 2.0, 0},        {5.4, 2.0, 0}, /* right half circle */
        {2.0, 4.49, 1},         {2.0, 3.51, 1},       {2.0, 3.49, 0},
    };
    for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
        dr_proj p;
        dr_track_project(&t, pts[k].x, pts[k].y, DR_NO_HINT, &p);
        size_t hints[] = {DR_NO_HINT, p.seg, (p.seg + 1) % t.n, (p.seg + 20) % t.n};
        for (size_t h = 0; h < 4; h++)
            ck_assert_msg(dr_track_on_road(&t, pts[k].x, pts[k].y, hints[h]) == pts[k].want,
                          "(%g, %g) hint %zu", pts[k].x, pts[k].y, hints[h]);
    }
    check_on_road_random(&t, 3, 5000);
    dr_track_free(&t);
}
END_TEST

/* A non-convex quadrilateral: the right border point of row 2 moved to
 * (2.3, -0.1), back and in, makes a reflex corner of quadrilateral 1 and a
 * notch in the road there. */
START_TEST(test_on_road_nonconvex)
{
    double r[STAD_N + 1][6];
    memcpy(r, stadium(0), sizeof r);
    r[2][4] = 2.3;
    r[2][5] = -0.1;
    put_npy_rows(in_tmp("nc.npy"), &r[0][0], STAD_N + 1);
    dr_track t;
    load_ok(&t, in_tmp("nc.npy"), 0);
    ck_assert_double_eq(t.qkind[0], 0);
    ck_assert_double_eq(t.qkind[1], 1);
    ck_assert_double_eq(t.qkind[2], 0);
    size_t hints[] = {DR_NO_HINT, 1, 2, 0, 30};
    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
        ck_assert_int_eq(dr_track_on_road(&t, 2.27, -0.2, hints[h]), 1);  /* by the reflex corner */
        ck_assert_int_eq(dr_track_on_road(&t, 2.3, -0.1, hints[h]), 1);   /* on it */
        ck_assert_int_eq(dr_track_on_road(&t, 2.295, -0.2, hints[h]), 0); /* in the notch */
        ck_assert_int_eq(dr_track_on_road(&t, 2.32, -0.3, hints[h]), 0);
        ck_assert_int_eq(dr_track_on_road(&t, 2.4, -0.1, hints[h]), 1);
        ck_assert_int_eq(dr_track_on_road(&t, 2.253, -0.45, hints[h]), 1); /* edge at x = 2.256 */
    }
    check_on_road_random(&t, 5, 3000);
    dr_track_free(&t);
}
END_TEST

START_TEST(test_ray)
{
    dr_track t;
    load_stadium(&t, "st.npy", 0, 0, 0);
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.0, M_PI / 2, 2, 4), 0.5, 1e-12);
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.0, -M_PI / 2, 2, 4), 0.5, 1e-12);
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.0, M_PI / 4, 2, 4), 0.5 * sqrt(2), 1e-12);
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.2, M_PI / 4, 2, 4), 0.3 * sqrt(2), 1e-12);
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.2, -3 * M_PI / 4, 2, 4), 0.7 * sqrt(2),
                            1e-12);
    ck_assert_double_eq(dr_track_ray(&t, 3.0, 0.2, -3 * M_PI / 4, 0.5, 4), 0.5);
    /* Along the straight: nothing within 0.7 m; the outer border of the
     * half circle (radius 2.5 about (4, 2)) meets y = 0 at x = 5.5. */
    ck_assert_double_eq(dr_track_ray(&t, 3.0, 0.0, 0, 0.7, 4), 0.7);
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.0, 0, 5, 4), 2.5, 0.01);
    /* Without a hint, the same. */
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.0, 0, 5, DR_NO_HINT), 2.5, 0.01);
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.0, M_PI / 4, 2, DR_NO_HINT),
                            0.5 * sqrt(2), 1e-12);
    /* Max range larger than half the track: every border is tried. */
    ck_assert_double_eq_tol(dr_track_ray(&t, 3.0, 0.0, 0, 100, 4), 2.5, 0.01);
    dr_track_free(&t);
}
END_TEST

START_TEST(test_point_at)
{
    dr_track t;
    load_stadium(&t, "st.npy", 0, 0, 0);
    double L = t.length, x, y, h;
    size_t seg;
    dr_track_point_at(&t, 1.1, &x, &y, &h, &seg);
    ck_assert_double_eq_tol(x, 3.1, 1e-12);
    ck_assert_double_eq_tol(y, 0, 1e-12);
    ck_assert_double_eq_tol(h, 0, 1e-12);
    ck_assert_uint_eq(seg, 4);
    dr_track_point_at(&t, 1.1 + 3 * L, &x, &y, &h, &seg);
    ck_assert_double_eq_tol(x, 3.1, 1e-9);
    ck_assert_uint_eq(seg, 4);
    dr_track_point_at(&t, -0.1, &x, &y, &h, &seg);
    ck_assert_double_eq_tol(x, 1.9, 1e-12);
    ck_assert_uint_eq(seg, STAD_N - 1);
    dr_track_point_at(&t, L, &x, &y, &h, &seg);
    ck_assert_double_eq_tol(x, 2, 1e-12);
    ck_assert_uint_eq(seg, 0);
    /* Half way: the middle of the upper straight, heading west. */
    dr_track_point_at(&t, L / 2, &x, &y, &h, NULL);
    ck_assert_double_eq_tol(x, 2, 1e-12);
    ck_assert_double_eq_tol(y, 4, 1e-12);
    ck_assert_double_eq_tol(fabs(h), M_PI, 1e-12);
    /* Round trip through the projection. */
    for (double s = 0; s < L; s += 0.37) {
        dr_proj p;
        dr_track_point_at(&t, s, &x, &y, NULL, &seg);
        dr_track_project(&t, x, y, seg, &p);
        ck_assert_double_eq_tol(p.s, s, 1e-9);
        ck_assert_double_eq_tol(p.dist, 0, 1e-9);
    }
    dr_track_free(&t);
}
END_TEST

START_TEST(test_directions)
{
    /* Clockwise file: the inside (y = +0.5 on the lower straight) is the
     * driver's right; waypoint 1 is (1.75, 0). */
    dr_track cw, rev, t;
    load_stadium(&cw, "cw.npy", 0, 1, 0);
    ck_assert_int_eq(cw.ccw, 0);
    ck_assert_int_eq(cw.reversed, 0);
    ck_assert_double_eq_tol(cw.length, stadium_length(), 1e-12);
    ck_assert_double_eq(cw.cx[0], 2);
    ck_assert_double_eq(cw.cx[1], 1.75);
    ck_assert_double_eq(cw.ry[0], 0.5);
    ck_assert_double_eq(cw.ly[0], -0.5);
    dr_proj p;
    dr_track_project(&cw, 1.9, 0.2, DR_NO_HINT, &p);
    ck_assert_uint_eq(p.seg, 0);
    ck_assert_double_eq_tol(p.s, 0.1, 1e-12);
    ck_assert_double_eq_tol(p.lateral, -0.2, 1e-12);
    ck_assert_double_eq_tol(dr_track_ray(&cw, 1.9, 0.2, M_PI / 2, 2, 0), 0.3, 1e-12);
    ck_assert_int_eq(dr_track_on_road(&cw, 1.9, 0.49, 0), 1);
    ck_assert_int_eq(dr_track_on_road(&cw, 1.9, 0.51, 0), 0);
    check_on_road_random(&cw, 9, 2000);

    /* The counter-clockwise file reversed is the same track. */
    load_stadium(&rev, "ccw.npy", 0, 0, 1);
    ck_assert_int_eq(rev.ccw, 1);
    ck_assert_int_eq(rev.reversed, 1);
    ck_assert_uint_eq(rev.n, cw.n);
    ck_assert_double_eq_tol(rev.length, cw.length, 1e-12);
    for (size_t i = 0; i <= rev.n; i++) {
        ck_assert_double_eq(rev.cx[i], cw.cx[i]);
        ck_assert_double_eq(rev.cy[i], cw.cy[i]);
        ck_assert_double_eq(rev.lx[i], cw.lx[i]);
        ck_assert_double_eq(rev.ly[i], cw.ly[i]);
        ck_assert_double_eq(rev.rx[i], cw.rx[i]);
        ck_assert_double_eq(rev.ry[i], cw.ry[i]);
        ck_assert_double_eq_tol(rev.s[i], cw.s[i], 1e-12);
    }
    dr_track_project(&rev, 3.1, 0.2, DR_NO_HINT, &p);
    ck_assert_double_eq_tol(p.lateral, -0.2, 1e-12);
    ck_assert_double_eq_tol(p.s, rev.length - 1.1, 1e-9);
    ck_assert_uint_eq(p.seg, STAD_N - 5);

    /* The clockwise file reversed is the counter-clockwise track again,
     * inside on the left. */
    load_stadium(&t, "cw2.npy", 0, 1, 1);
    ck_assert_int_eq(t.ccw, 0);
    ck_assert_int_eq(t.reversed, 1);
    ck_assert_double_eq(t.cx[1], 2.25);
    ck_assert_double_eq(t.ly[0], 0.5);
    dr_track_project(&t, 3.1, 0.2, DR_NO_HINT, &p);
    ck_assert_double_eq_tol(p.lateral, 0.2, 1e-12);
    ck_assert_double_eq_tol(p.s, 1.1, 1e-9);
    dr_track_free(&t);
    dr_track_free(&rev);
    dr_track_free(&cw);
}
END_TEST

/* ---- the suite ------------------------------------------------------------------- */

static Suite *track_suite(void)
{
    Suite *s = suite_create("dr_track");
    TCase *tc = tcase_create("files");
    tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_loop_test(tc, test_shared_track_facts, 0, (int)N_SHARED);
    tcase_add_test(tc, test_shared_clockwise_sides);
    tcase_add_test(tc, test_own_tracks);
    tcase_add_test(tc, test_error_npy);
    tcase_add_test(tc, test_error_csv);
    tcase_add_test(tc, test_error_limits);
    tcase_add_test(tc, test_limits_ok);
    tcase_add_test(tc, test_error_buffer);
    tcase_add_test(tc, test_forms);
    suite_add_tcase(s, tc);

    tc = tcase_create("geometry");
    tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_test(tc, test_stadium_shape);
    tcase_add_test(tc, test_project_straight);
    tcase_add_test(tc, test_project_start_line);
    tcase_add_test(tc, test_project_curve);
    tcase_add_test(tc, test_project_varying_width);
    tcase_add_test(tc, test_on_road);
    tcase_add_test(tc, test_on_road_nonconvex);
    tcase_add_test(tc, test_ray);
    tcase_add_test(tc, test_point_at);
    tcase_add_test(tc, test_directions);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(track_suite)
