/* The deepracer plugin's tracks: loading and geometry (see track.h). */
#include "track.h"

#include "csv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Centre points closer than this are the same point (the duplicates in the
 * DeepRacer files are exact copies). */
#define SAME_POINT 1e-9
/* The first and last rows' centre points may differ by this much. */
#define CLOSE_TOL 1e-6
/* Segments either side of the hint tried first by the projection. */
#define HINT_WINDOW 3

static const char *const column_name[6] = {"center_x", "center_y", "inner_x",
                                           "inner_y",  "outer_x",  "outer_y"};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- reading ---------------------------------------------------------------- */

/* What is wrong with one row of six finite reals, in msg (the row's place
 * is the caller's to add), or 0 when it keeps to the limits of track.h. */
static int row_fault(const double *r, char *msg, size_t len)
{
    for (int c = 0; c < 6; c++)
        if (!(fabs(r[c]) <= DR_TRACK_MAX_COORD)) {
            snprintf(msg, len, "column %d (%s) is %g, beyond the limit of +-%g m", c,
                     column_name[c], r[c], DR_TRACK_MAX_COORD);
            return -1;
        }
    double w = hypot(r[4] - r[2], r[5] - r[3]);
    if (!(w >= DR_TRACK_MIN_WIDTH && w <= DR_TRACK_MAX_WIDTH)) {
        snprintf(msg, len, "the track is %g m wide (inner to outer border), outside %g..%g m", w,
                 DR_TRACK_MIN_WIDTH, DR_TRACK_MAX_WIDTH);
        return -1;
    }
    return 0;
}

/* The whole file, NUL-terminated (malloc'd), or NULL with errno set. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        unsigned char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            errno = ENOMEM;
            break;
        }
        b = nb;
        cap *= 2;
    }
    if (b && ferror(f)) {
        int e = errno ? errno : EIO;
        free(b);
        b = NULL;
        errno = e;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}

/* The value of key in a .npy header dict: a pointer just past the ':' and
 * any spaces, or NULL. */
static const char *npy_key(const char *h, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = h; (p = strstr(p, key)) != NULL; p += kl) {
        if (p == h || (p[-1] != '\'' && p[-1] != '"') || (p[kl] != '\'' && p[kl] != '"'))
            continue;
        const char *q = p + kl + 1;
        while (*q == ' ')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ')
            q++;
        return q;
    }
    return NULL;
}

static double le_double(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | p[i];
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Parse a .npy file held in b (len bytes) into *rows (malloc'd, *nrows x 6). */
static int read_npy(const char *path, const unsigned char *b, size_t len, double **rows,
                    size_t *nrows, char *err, size_t errlen)
{
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0) {
        set_err(err, errlen, "%s: not a .npy file (bad magic)", path);
        return -1;
    }
    int major = b[6], minor = b[7];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        off = 10;
    } else if (major == 2) {
        if (len < 12) {
            set_err(err, errlen, "%s: truncated .npy header", path);
            return -1;
        }
        hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        off = 12;
    } else {
        set_err(err, errlen, "%s: unsupported .npy version %d.%d (need 1.0 or 2.0)", path,
                major, minor);
        return -1;
    }
    if (hlen > len - off) {
        set_err(err, errlen, "%s: truncated .npy header (%zu bytes announced, %zu found)", path,
                hlen, len - off);
        return -1;
    }
    char *h = malloc(hlen + 1);
    if (!h) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    memcpy(h, b + off, hlen);
    h[hlen] = '\0';
    off += hlen;

    int rc = -1;
    const char *v = npy_key(h, "descr");
    if (!v || (*v != '\'' && *v != '"')) {
        set_err(err, errlen, "%s: malformed .npy header (no 'descr')", path);
        goto out;
    }
    const char *ve = strchr(v + 1, *v);
    if (!ve) {
        set_err(err, errlen, "%s: malformed .npy header ('descr')", path);
        goto out;
    }
    if (ve - v - 1 != 3 || memcmp(v + 1, "<f8", 3) != 0) {
        set_err(err, errlen, "%s: dtype '%.*s' not supported (need '<f8', little-endian float64)",
                path, (int)(ve - v - 1 > 32 ? 32 : ve - v - 1), v + 1);
        goto out;
    }
    v = npy_key(h, "fortran_order");
    if (!v || (strncmp(v, "False", 5) != 0 && strncmp(v, "True", 4) != 0)) {
        set_err(err, errlen, "%s: malformed .npy header (no 'fortran_order')", path);
        goto out;
    }
    if (*v == 'T') {
        set_err(err, errlen, "%s: Fortran order not supported (need C order)", path);
        goto out;
    }
    v = npy_key(h, "shape");
    const char *se = v && *v == '(' ? strchr(v, ')') : NULL;
    if (!se) {
        set_err(err, errlen, "%s: malformed .npy header (no 'shape')", path);
        goto out;
    }
    int shown = (int)(se - v + 1 > 64 ? 64 : se - v + 1);
    size_t dim[3];
    int ndim = 0;
    const char *p = v + 1;
    for (;;) {
        while (*p == ' ')
            p++;
        if (p == se)
            break;
        if (!isdigit((unsigned char)*p) || ndim == 3)
            break;
        errno = 0;
        char *end;
        unsigned long long d = strtoull(p, &end, 10);
        if (errno || d > SIZE_MAX / 48)
            break;
        dim[ndim++] = (size_t)d;
        p = end;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        else if (p != se)
            break;
    }
    if (p != se || ndim != 2 || dim[1] != 6) {
        set_err(err, errlen, "%s: shape %.*s not supported (need (N, 6))", path, shown, v);
        goto out;
    }
    if (dim[0] > DR_TRACK_MAX_ROWS) {
        set_err(err, errlen, "%s: %zu rows, more than the limit of %d", path, dim[0],
                DR_TRACK_MAX_ROWS);
        goto out;
    }
    size_t want = dim[0] * 48, have = len - off;
    if (have < want) {
        set_err(err, errlen, "%s: truncated: expected %zu data bytes for shape (%zu, 6), found %zu",
                path, want, dim[0], have);
        goto out;
    }
    if (have > want) {
        set_err(err, errlen, "%s: %zu trailing bytes after the data (expected %zu, found %zu)",
                path, have - want, want, have);
        goto out;
    }
    *rows = malloc(want ? want : 1);
    if (!*rows) {
        set_err(err, errlen, "%s: out of memory", path);
        goto out;
    }
    for (size_t i = 0; i < dim[0] * 6; i++)
        (*rows)[i] = le_double(b + off + 8 * i);
    *nrows = dim[0];
    for (size_t i = 0; i < dim[0] * 6; i++)
        if (!isfinite((*rows)[i])) {
            set_err(err, errlen, "%s: row %zu, column %zu (%s) is not finite (%g)", path, i / 6,
                    i % 6, column_name[i % 6], (*rows)[i]);
            free(*rows);
            *rows = NULL;
            goto out;
        }
    for (size_t i = 0; i < dim[0]; i++) {
        char why[160];
        if (row_fault(*rows + 6 * i, why, sizeof why) != 0) {
            set_err(err, errlen, "%s: row %zu: %s", path, i, why);
            free(*rows);
            *rows = NULL;
            goto out;
        }
    }
    rc = 0;
out:
    free(h);
    return rc;
}

/* Read the CSV form (doc/deepracer.md, "Tracks") with the plugins' CSV
 * reader (plugins/common/csv.h: its rules, with '#' comment lines) into
 * *rows: six reals a row, after at most one header line (a first record
 * that starts with a letter), which is skipped. */
static int read_csv(const char *path, double **rows, size_t *nrows, char *err, size_t errlen)
{
    rl_error e = {0};
    rl_csv *c = rl_csv_open(path, RL_CSV_COMMENTS, &e);
    if (!c) {
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 256, n = 0;
    double *r = malloc(cap * 6 * sizeof *r);
    int k, first = 1;
    if (!r || rl_csv_set_names(c, column_name, 6, &e) != RL_OK) {
        set_err(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    while ((k = rl_csv_next(c, &e)) == 1) {
        if (first && isalpha((unsigned char)rl_csv_field(c, 0)[0])) {
            first = 0; /* the header */
            continue;
        }
        first = 0;
        if (n == DR_TRACK_MAX_ROWS) {
            set_err(err, errlen, "%s:%ld: more than %d rows, the limit", path, rl_csv_line(c),
                    DR_TRACK_MAX_ROWS);
            goto fail;
        }
        if (n == cap) {
            double *nr = realloc(r, cap * 2 * 6 * sizeof *r);
            if (!nr) {
                set_err(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            r = nr;
            cap *= 2;
        }
        if (rl_csv_nfields(c) != 6) {
            set_err(err, errlen, "%s:%ld: expected six comma-separated reals, not %zu fields", path,
                    rl_csv_line(c), rl_csv_nfields(c));
            goto fail;
        }
        for (size_t i = 0; i < 6; i++)
            if (rl_csv_double(c, i, 0, &r[6 * n + i], &e) != RL_OK) {
                set_err(err, errlen, "%s", e.msg);
                goto fail;
            }
        char why[160];
        if (row_fault(r + 6 * n, why, sizeof why) != 0) {
            set_err(err, errlen, "%s:%ld: row %zu: %s", path, rl_csv_line(c), n, why);
            goto fail;
        }
        n++;
    }
    if (k < 0) {
        set_err(err, errlen, "%s", e.msg);
        goto fail;
    }
    rl_csv_close(c);
    *rows = r;
    *nrows = n;
    return 0;
fail:
    rl_csv_close(c);
    free(r);
    return -1;
}

/* ---- geometry helpers --------------------------------------------------------- */

static inline double cross(double ax, double ay, double bx, double by)
{
    return ax * by - ay * bx;
}

/* (px, py) in the triangle a, b, c (either orientation), edges included. */
static inline int in_tri(double px, double py, double ax, double ay, double bx, double by,
                         double cx, double cy)
{
    double c1 = cross(bx - ax, by - ay, px - ax, py - ay);
    double c2 = cross(cx - bx, cy - by, px - bx, py - by);
    double c3 = cross(ax - cx, ay - cy, px - cx, py - cy);
    return (c1 >= 0 && c2 >= 0 && c3 >= 0) || (c1 <= 0 && c2 <= 0 && c3 <= 0);
}

/* (x, y) in quadrilateral i (left_i, left_i+1, right_i+1, right_i),
 * edges included. A convex one (clockwise, as the driver's left comes
 * first) is inside all four edges; a non-convex one is split into two
 * triangles along the diagonal that lies inside it. */
static inline int in_quad(const dr_track *t, size_t i, double x, double y)
{
    double ax = t->lx[i], ay = t->ly[i], bx = t->lx[i + 1], by = t->ly[i + 1];
    double cx = t->rx[i + 1], cy = t->ry[i + 1], dx = t->rx[i], dy = t->ry[i];
    double k = t->qkind[i];
    if (k == 0)
        return cross(bx - ax, by - ay, x - ax, y - ay) <= 0 &&
               cross(cx - bx, cy - by, x - bx, y - by) <= 0 &&
               cross(dx - cx, dy - cy, x - cx, y - cy) <= 0 &&
               cross(ax - dx, ay - dy, x - dx, y - dy) <= 0;
    if (k == 1)
        return in_tri(x, y, ax, ay, bx, by, cx, cy) || in_tri(x, y, ax, ay, cx, cy, dx, dy);
    return in_tri(x, y, ax, ay, bx, by, dx, dy) || in_tri(x, y, bx, by, cx, cy, dx, dy);
}

/* The kind of quadrilateral i for in_quad. */
static double quad_kind(const dr_track *t, size_t i)
{
    double px[4] = {t->lx[i], t->lx[i + 1], t->rx[i + 1], t->rx[i]};
    double py[4] = {t->ly[i], t->ly[i + 1], t->ry[i + 1], t->ry[i]};
    int cw = 1;
    for (int v = 0; v < 4; v++) {
        int a = (v + 3) % 4, b = (v + 1) % 4;
        if (cross(px[v] - px[a], py[v] - py[a], px[b] - px[v], py[b] - py[v]) > 0)
            cw = 0;
    }
    if (cw)
        return 0;
    /* Split along a-c unless b and d lie on the same side of it (one of
     * them is then the reflex vertex). */
    double ex = px[2] - px[0], ey = py[2] - py[0];
    double sb = cross(ex, ey, px[1] - px[0], py[1] - py[0]);
    double sd = cross(ex, ey, px[3] - px[0], py[3] - py[0]);
    return (sb > 0 && sd > 0) || (sb < 0 && sd < 0) ? 2 : 1;
}

/* The grid column (or row) of coordinate v: floor((v - g0) ginv), clamped
 * to [0, n - 1] before it is converted, so that no coordinate, however far
 * off the grid, gives a cell outside it. The lookup in dr_track_on_road
 * uses the same arithmetic, which is monotonic, so a point inside a
 * quadrilateral's box falls in one of that quadrilateral's cells. */
static size_t grid_index(double v, double g0, double ginv, size_t n)
{
    double f = (v - g0) * ginv;
    if (!(f > 0))
        return 0;
    if (f >= (double)(n - 1))
        return n - 1;
    return (size_t)f;
}

/* The grid cell range [*i0, *i1] x [*j0, *j1] that quadrilateral q's
 * bounding box meets. */
static void quad_cells(const dr_track *t, size_t q, size_t *i0, size_t *i1, size_t *j0,
                       size_t *j1)
{
    double x0 = fmin(fmin(t->lx[q], t->lx[q + 1]), fmin(t->rx[q], t->rx[q + 1]));
    double x1 = fmax(fmax(t->lx[q], t->lx[q + 1]), fmax(t->rx[q], t->rx[q + 1]));
    double y0 = fmin(fmin(t->ly[q], t->ly[q + 1]), fmin(t->ry[q], t->ry[q + 1]));
    double y1 = fmax(fmax(t->ly[q], t->ly[q + 1]), fmax(t->ry[q], t->ry[q + 1]));
    *i0 = grid_index(x0, t->gx0, t->ginv, t->gnx);
    *i1 = grid_index(x1, t->gx0, t->ginv, t->gnx);
    *j0 = grid_index(y0, t->gy0, t->ginv, t->gny);
    *j1 = grid_index(y1, t->gy0, t->ginv, t->gny);
}

/* Point the arrays into t->mem (n waypoints; the grid after them). */
static void point_arrays(dr_track *t)
{
    size_t n = t->n, np1 = n + 1;
    double *m = t->mem;
    double **a1[] = {&t->cx, &t->cy, &t->lx, &t->ly, &t->rx, &t->ry, &t->s, &t->hl, &t->hr,
                     &t->w};
    for (size_t a = 0; a < sizeof a1 / sizeof a1[0]; a++, m += np1)
        *a1[a] = m;
    double **a2[] = {&t->ux, &t->uy, &t->seg, &t->qkind};
    for (size_t a = 0; a < sizeof a2 / sizeof a2[0]; a++, m += n)
        *a2[a] = m;
    t->gcell = (unsigned *)m;
    t->gquad = t->gcell + (t->gnx * t->gny + 1);
}

#define N_DOUBLES(n) (10 * ((n) + 1) + 4 * (n))

/* Build the grid (see track.h): grow t->mem to hold it, then fill it.
 * Returns 0, -1 when out of memory, or -2 when the track cannot have a
 * grid of a bounded size (a non-finite extent, or more entries than an
 * unsigned counts). The loader's limits keep real tracks far from -2; the
 * grid is safe on its own all the same: its size is computed in doubles
 * and bounded before any conversion, and every cell index is clamped. */
static int build_grid(dr_track *t)
{
    size_t n = t->n;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i <= n; i++) {
        x0 = fmin(x0, fmin(t->lx[i], t->rx[i]));
        x1 = fmax(x1, fmax(t->lx[i], t->rx[i]));
        y0 = fmin(y0, fmin(t->ly[i], t->ry[i]));
        y1 = fmax(y1, fmax(t->ly[i], t->ry[i]));
    }
    double ex = x1 - x0, ey = y1 - y0;
    if (!isfinite(ex) || !isfinite(ey))
        return -2;
    /* Cells about half the road wide, but no more than 64 per waypoint,
     * and no more than 256 grid entries (a quadrilateral in a cell) per
     * waypoint: start from the cell size that gives about that many cells,
     * then grow it until both counts, computed in doubles before anything
     * is converted or allocated, are within their caps. Cells as large as
     * the track give one cell and n entries, so the loop ends (after a few
     * rounds at most for any track the loader lets through). */
    double cap = 64.0 * (double)n + 1024, entry_cap = 256.0 * (double)n + 1024;
    double h = fmax(fmax(0.5 * t->max_width, 0.05), sqrt(ex * ey / cap));
    double entries = 0;
    for (int round = 0;; round++, h *= 1.5) {
        if (round == 4096 || !(h > 0) || !isfinite(h))
            return -2;
        double gx = floor(ex / h) + 1, gy = floor(ey / h) + 1;
        if (!(gx * gy <= 4 * cap) || !isfinite(1 / h))
            continue;
        t->gx0 = x0;
        t->gy0 = y0;
        t->ginv = 1 / h;
        t->gnx = (size_t)gx;
        t->gny = (size_t)gy;
        entries = 0;
        for (size_t q = 0; q < n; q++) {
            size_t i0, i1, j0, j1;
            quad_cells(t, q, &i0, &i1, &j0, &j1);
            entries += (double)(i1 - i0 + 1) * (double)(j1 - j0 + 1);
        }
        if (entries <= entry_cap && entries <= (double)UINT_MAX)
            break;
    }
    size_t ncell = t->gnx * t->gny, total = (size_t)entries;
    unsigned *count = calloc(ncell + 1, sizeof *count);
    if (!count)
        return -1;
    for (size_t q = 0; q < n; q++) {
        size_t i0, i1, j0, j1;
        quad_cells(t, q, &i0, &i1, &j0, &j1);
        for (size_t j = j0; j <= j1; j++)
            for (size_t i = i0; i <= i1; i++)
                count[j * t->gnx + i + 1]++;
    }
    size_t bytes = N_DOUBLES(n) * sizeof(double) + (ncell + 1 + total) * sizeof(unsigned);
    double *mem = realloc(t->mem, bytes);
    if (!mem) {
        free(count);
        return -1;
    }
    t->mem = mem;
    point_arrays(t);
    for (size_t c = 0; c < ncell; c++)
        count[c + 1] += count[c];
    memcpy(t->gcell, count, (ncell + 1) * sizeof *count);
    for (size_t q = 0; q < n; q++) {
        size_t i0, i1, j0, j1;
        quad_cells(t, q, &i0, &i1, &j0, &j1);
        for (size_t j = j0; j <= j1; j++)
            for (size_t i = i0; i <= i1; i++)
                t->gquad[count[j * t->gnx + i]++] = (unsigned)q;
    }
    free(count);
    return 0;
}

/* ---- loading ------------------------------------------------------------------- */

void dr_track_free(dr_track *t)
{
    if (!t)
        return;
    free(t->mem);
    memset(t, 0, sizeof *t);
}

static int has_npy_ext(const char *path)
{
    size_t l = strlen(path);
    return l >= 4 && strcmp(path + l - 4, ".npy") == 0;
}

/* Build *t from the validated rows (file order). */
static int build(dr_track *t, const char *path, const double *rows, size_t nrows, int reversed,
                 char *err, size_t errlen)
{
    if (nrows == 0) {
        set_err(err, errlen, "%s: too few distinct points (0, need at least %d)", path,
                DR_TRACK_MIN_POINTS);
        return -1;
    }
    const double *first = rows, *last = rows + 6 * (nrows - 1);
    double gap = hypot(last[0] - first[0], last[1] - first[1]);
    if (!(gap <= CLOSE_TOL)) {
        set_err(err, errlen,
                "%s: not closed: the last row's centre (%g, %g) is %g m from the first's "
                "(%g, %g)",
                path, last[0], last[1], gap, first[0], first[1]);
        return -1;
    }
    /* The bounding box of every point (the rows' limits bound each
     * coordinate; this bounds the whole, and so the grid and the episodes). */
    double bx0 = INFINITY, bx1 = -INFINITY, by0 = INFINITY, by1 = -INFINITY;
    for (size_t i = 0; i < nrows; i++)
        for (int c = 0; c < 6; c += 2) {
            bx0 = fmin(bx0, rows[6 * i + c]);
            bx1 = fmax(bx1, rows[6 * i + c]);
            by0 = fmin(by0, rows[6 * i + c + 1]);
            by1 = fmax(by1, rows[6 * i + c + 1]);
        }
    if (!(bx1 - bx0 <= DR_TRACK_MAX_EXTENT && by1 - by0 <= DR_TRACK_MAX_EXTENT)) {
        set_err(err, errlen,
                "%s: the track spans %g x %g m, more than the limit of %g m in either direction",
                path, bx1 - bx0, by1 - by0, DR_TRACK_MAX_EXTENT);
        return -1;
    }
    /* Keep the rows whose centre differs from the previous kept one. */
    size_t *keep = malloc(nrows * sizeof *keep);
    if (!keep) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t m = 0, dropped = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (m > 0) {
            const double *p = rows + 6 * keep[m - 1], *q = rows + 6 * i;
            if (fabs(q[0] - p[0]) <= SAME_POINT && fabs(q[1] - p[1]) <= SAME_POINT) {
                dropped++;
                continue;
            }
        }
        keep[m++] = i;
    }
    size_t n = m - 1; /* without the closing row */
    if (m == 0 || n < DR_TRACK_MIN_POINTS) {
        set_err(err, errlen, "%s: too few distinct points (%zu, need at least %d)", path,
                m ? n : 0, DR_TRACK_MIN_POINTS);
        free(keep);
        return -1;
    }

    /* Shoelace area of the centre line, relative to its first point. */
    double area = 0, x0 = rows[6 * keep[0]], y0 = rows[6 * keep[0] + 1];
    for (size_t i = 0; i < n; i++) {
        const double *p = rows + 6 * keep[i], *q = rows + 6 * keep[(i + 1) % n];
        area += (p[0] - x0) * (q[1] - y0) - (q[0] - x0) * (p[1] - y0);
    }
    int ccw = area > 0;
    int left_inner = ccw != (reversed != 0);

    double *mem = malloc(N_DOUBLES(n) * sizeof *mem);
    if (!mem) {
        set_err(err, errlen, "%s: out of memory", path);
        free(keep);
        return -1;
    }
    memset(t, 0, sizeof *t);
    t->mem = mem;
    t->n = n;
    point_arrays(t);
    t->ccw = ccw;
    t->reversed = reversed != 0;
    t->dropped = dropped;

    t->min_width = INFINITY;
    t->max_width = 0;
    for (size_t i = 0; i <= n; i++) {
        /* Reversed: waypoint 0 stays, then the rows backwards. */
        size_t src = reversed ? (n - i) % n : i % n;
        const double *r = rows + 6 * keep[src];
        t->cx[i] = r[0];
        t->cy[i] = r[1];
        t->lx[i] = left_inner ? r[2] : r[4];
        t->ly[i] = left_inner ? r[3] : r[5];
        t->rx[i] = left_inner ? r[4] : r[2];
        t->ry[i] = left_inner ? r[5] : r[3];
        t->hl[i] = hypot(t->lx[i] - r[0], t->ly[i] - r[1]);
        t->hr[i] = hypot(t->rx[i] - r[0], t->ry[i] - r[1]);
        t->w[i] = hypot(r[4] - r[2], r[5] - r[3]);
        t->min_width = fmin(t->min_width, t->w[i]);
        t->max_width = fmax(t->max_width, t->w[i]);
        t->max_half = fmax(t->max_half, fmax(t->hl[i], t->hr[i]));
    }
    free(keep);
    t->s[0] = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = t->cx[i + 1] - t->cx[i], dy = t->cy[i + 1] - t->cy[i];
        double l = hypot(dx, dy);
        t->seg[i] = l;
        t->ux[i] = dx / l;
        t->uy[i] = dy / l;
        t->s[i + 1] = t->s[i] + l;
        t->max_seg = fmax(t->max_seg, l);
        t->qkind[i] = quad_kind(t, i);
    }
    t->length = t->s[n];
    if (!(t->length <= DR_TRACK_MAX_LENGTH)) {
        set_err(err, errlen, "%s: the centre line is %g m long, more than the limit of %g m", path,
                t->length, DR_TRACK_MAX_LENGTH);
        return -1;
    }
    int g = n > UINT_MAX ? -2 : build_grid(t);
    if (g != 0) {
        set_err(err, errlen, g == -1 ? "%s: out of memory" : "%s: the track is too large for its grid",
                path);
        return -1;
    }
    return 0;
}

int dr_track_load(dr_track *t, const char *path, int reversed, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!t)
        return -1;
    memset(t, 0, sizeof *t);
    if (!path) {
        set_err(err, errlen, "(null): no track path");
        return -1;
    }
    double *rows = NULL;
    size_t nrows = 0;
    int rc;
    if (has_npy_ext(path)) {
        size_t len = 0;
        unsigned char *b = slurp(path, &len);
        if (!b) {
            set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            return -1;
        }
        rc = read_npy(path, b, len, &rows, &nrows, err, errlen);
        free(b);
    } else {
        rc = read_csv(path, &rows, &nrows, err, errlen);
    }
    if (rc == 0)
        rc = build(t, path, rows, nrows, reversed, err, errlen);
    free(rows);
    if (rc != 0)
        dr_track_free(t);
    return rc;
}

/* ---- queries --------------------------------------------------------------------- */

/* Squared distance from (x, y) to centre segment i; *a the clamped position
 * along it (metres from waypoint i). */
static inline double seg_d2(const dr_track *t, size_t i, double x, double y, double *a)
{
    double dx = x - t->cx[i], dy = y - t->cy[i];
    double p = dx * t->ux[i] + dy * t->uy[i];
    double l = t->seg[i];
    p = p > 0 ? p : 0; /* each compiles to one maxsd / minsd, no branch */
    p = p < l ? p : l;
    dx -= p * t->ux[i];
    dy -= p * t->uy[i];
    *a = p;
    return dx * dx + dy * dy;
}

/* The segment nearest (x, y): the global nearest without a hint (the first
 * on ties), else the local minimum reached from the hint. */
static size_t nearest(const dr_track *t, double x, double y, size_t hint, double *a, double *d2)
{
    size_t n = t->n, best;
    double bd, ba, v, p;
    if (hint >= n) {
        best = 0;
        bd = seg_d2(t, 0, x, y, &ba);
        for (size_t i = 1; i < n; i++)
            if ((v = seg_d2(t, i, x, y, &p)) < bd) {
                bd = v;
                ba = p;
                best = i;
            }
        *a = ba;
        *d2 = bd;
        return best;
    }
    best = hint;
    bd = seg_d2(t, hint, x, y, &ba);
    int side = 0; /* +1 / -1 when the best is the window's last segment */
    for (size_t k = 1; k <= HINT_WINDOW; k++) {
        size_t f = hint + k, b = hint >= k ? hint - k : hint + n - k;
        f = f >= n ? f - n : f;
        if ((v = seg_d2(t, f, x, y, &p)) < bd) {
            bd = v, ba = p, best = f;
            side = k == HINT_WINDOW ? 1 : 0;
        }
        if ((v = seg_d2(t, b, x, y, &p)) < bd) {
            bd = v, ba = p, best = b;
            side = k == HINT_WINDOW ? -1 : 0;
        }
    }
    /* The best inside the window is a local minimum already; at its edge,
     * keep walking while the next segment is closer. */
    for (size_t steps = 0; side != 0 && steps < n; steps++) {
        size_t nx = side > 0 ? (best + 1 == n ? 0 : best + 1) : (best == 0 ? n - 1 : best - 1);
        if (!((v = seg_d2(t, nx, x, y, &p)) < bd))
            break;
        bd = v, ba = p, best = nx;
    }
    *a = ba;
    *d2 = bd;
    return best;
}

void dr_track_project(const dr_track *t, double x, double y, size_t hint, dr_proj *out)
{
    double a, d2;
    size_t n = t->n, i = nearest(t, x, y, hint, &a, &d2);
    /* The end of segment i is the start of segment i + 1: one answer for
     * both, so hinted and global searches agree. */
    if (a >= t->seg[i]) {
        i = i + 1 == n ? 0 : i + 1;
        a = 0;
    }
    double dx = x - t->cx[i], dy = y - t->cy[i];
    double ux = t->ux[i], uy = t->uy[i];
    double lat;
    if (a > 0) {
        lat = cross(ux, uy, dx, dy);
        out->dist = fabs(lat);
    } else {
        /* At waypoint i the side comes from the bisector of the two
         * segments meeting there, which agrees with each segment's own
         * side at the edges of the vertex's region. */
        size_t pv = i == 0 ? n - 1 : i - 1;
        double dist = sqrt(dx * dx + dy * dy);
        double c = cross(ux + t->ux[pv], uy + t->uy[pv], dx, dy);
        lat = c < 0 ? -dist : dist;
        out->dist = dist;
    }
    double f = a / t->seg[i];
    out->seg = i;
    out->frac = f;
    double s = t->s[i] + a;
    if (s >= t->length)
        s -= t->length;
    out->s = s < 0 ? 0 : s;
    out->px = t->cx[i] + a * ux;
    out->py = t->cy[i] + a * uy;
    out->lateral = lat;
    out->half_left = t->hl[i] + f * (t->hl[i + 1] - t->hl[i]);
    out->half_right = t->hr[i] + f * (t->hr[i + 1] - t->hr[i]);
    out->width = t->w[i] + f * (t->w[i + 1] - t->w[i]);
}

int dr_track_on_road(const dr_track *t, double x, double y, size_t hint)
{
    size_t n = t->n;
    /* Most calls are wheels on the road next to the car point's segment:
     * the front wheels 6 cm behind the point, the rear ones 22 cm, so one
     * or two segments back. */
    if (hint < n) {
        size_t back = hint == 0 ? n - 1 : hint - 1, back2 = back == 0 ? n - 1 : back - 1;
        if (in_quad(t, hint, x, y) || in_quad(t, back, x, y) || in_quad(t, back2, x, y) ||
            in_quad(t, hint + 1 == n ? 0 : hint + 1, x, y))
            return 1;
    }
    /* Otherwise the quadrilaterals whose bounding box meets the point's
     * grid cell are the only ones that can hold it. */
    double fx = (x - t->gx0) * t->ginv, fy = (y - t->gy0) * t->ginv;
    if (!(fx >= 0 && fy >= 0 && fx < (double)t->gnx && fy < (double)t->gny))
        return 0;
    size_t c = (size_t)fy * t->gnx + (size_t)fx;
    for (unsigned k = t->gcell[c]; k < t->gcell[c + 1]; k++)
        if (in_quad(t, t->gquad[k], x, y))
            return 1;
    return 0;
}

void dr_track_point_at(const dr_track *t, double s, double *x, double *y, double *heading,
                       size_t *seg)
{
    double L = t->length;
    s = fmod(s, L);
    if (s < 0)
        s += L;
    if (s >= L)
        s = 0;
    /* The last waypoint with s[i] <= s. */
    size_t lo = 0, hi = t->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->s[mid] <= s)
            lo = mid;
        else
            hi = mid;
    }
    double a = s - t->s[lo];
    if (x)
        *x = t->cx[lo] + a * t->ux[lo];
    if (y)
        *y = t->cy[lo] + a * t->uy[lo];
    if (heading)
        *heading = atan2(t->uy[lo], t->ux[lo]);
    if (seg)
        *seg = lo;
}

/* Row i of the line centre + w (border - centre) of the given side. */
static inline void side_pt(const dr_track *t, int side, double w, size_t i, double *x, double *y)
{
    const double *bx = side ? t->rx : t->lx, *by = side ? t->ry : t->ly;
    *x = t->cx[i] + w * (bx[i] - t->cx[i]);
    *y = t->cy[i] + w * (by[i] - t->cy[i]);
}

/* Squared distance from (x, y) to segment i of that line; *f the clamped
 * fraction along it. A zero-length segment is its start point. */
static double side_d2(const dr_track *t, int side, double w, size_t i, double x, double y,
                      double *f)
{
    double ax, ay, bx, by;
    side_pt(t, side, w, i, &ax, &ay);
    side_pt(t, side, w, i + 1, &bx, &by);
    double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    double u = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    *f = u;
    double ex = ax + u * dx - x, ey = ay + u * dy - y;
    return ex * ex + ey * ey;
}

void dr_track_side_point(const dr_track *t, int side, double w, double x, double y, size_t hint,
                         double *qx, double *qy, double *heading)
{
    size_t n = t->n, best = 0;
    double bd, bf, v, f;
    if (hint >= n) {
        bd = side_d2(t, side, w, 0, x, y, &bf);
        for (size_t i = 1; i < n; i++)
            if ((v = side_d2(t, side, w, i, x, y, &f)) < bd) bd = v, bf = f, best = i;
    } else {
        /* As nearest(): the window around the hint, then walk on from its
         * edge while the next segment is closer. */
        best = hint;
        bd = side_d2(t, side, w, hint, x, y, &bf);
        int dir = 0;
        for (size_t k = 1; k <= HINT_WINDOW; k++) {
            size_t a = hint + k >= n ? hint + k - n : hint + k;
            size_t b = hint >= k ? hint - k : hint + n - k;
            if ((v = side_d2(t, side, w, a, x, y, &f)) < bd)
                bd = v, bf = f, best = a, dir = k == HINT_WINDOW ? 1 : 0;
            if ((v = side_d2(t, side, w, b, x, y, &f)) < bd)
                bd = v, bf = f, best = b, dir = k == HINT_WINDOW ? -1 : 0;
        }
        for (size_t k = 0; dir != 0 && k < n; k++) {
            size_t nx = dir > 0 ? (best + 1 == n ? 0 : best + 1) : (best == 0 ? n - 1 : best - 1);
            if (!((v = side_d2(t, side, w, nx, x, y, &f)) < bd)) break;
            bd = v, bf = f, best = nx;
        }
    }
    double ax, ay, bx, by;
    side_pt(t, side, w, best, &ax, &ay);
    side_pt(t, side, w, best + 1, &bx, &by);
    *qx = ax + bf * (bx - ax);
    *qy = ay + bf * (by - ay);
    if (heading) {
        /* The segment's direction; at its end, the next one's (a forward
         * difference), and past a zero-length segment the first real one. */
        size_t i = best;
        if (bf >= 1) i = i + 1 == n ? 0 : i + 1;
        for (size_t k = 0; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
            side_pt(t, side, w, i, &ax, &ay);
            side_pt(t, side, w, i + 1, &bx, &by);
            if (bx != ax || by != ay) break;
        }
        *heading = atan2(by - ay, bx - ax);
    }
}

/* The nearer of best and the distance along the ray (ox, oy) + r (dx, dy)
 * to the segment a-b; the division only for a hit. */
static inline double ray_hit(double ox, double oy, double dx, double dy, double ax, double ay,
                             double bx, double by, double best)
{
    double ex = bx - ax, ey = by - ay;
    double den = cross(dx, dy, ex, ey);
    double wx = ax - ox, wy = ay - oy;
    double rn = cross(wx, wy, ex, ey), un = cross(wx, wy, dx, dy);
    if (den < 0) {
        den = -den;
        rn = -rn;
        un = -un;
    }
    if (!(den > 0) || rn < 0 || un < 0 || un > den || rn >= best * den)
        return best;
    return rn / den;
}

static inline double ray_borders(const dr_track *t, size_t j, double x, double y, double dx,
                                 double dy, double best)
{
    best = ray_hit(x, y, dx, dy, t->lx[j], t->ly[j], t->lx[j + 1], t->ly[j + 1], best);
    return ray_hit(x, y, dx, dy, t->rx[j], t->ry[j], t->rx[j + 1], t->ry[j + 1], best);
}

double dr_track_ray(const dr_track *t, double x, double y, double angle, double max_range,
                    size_t hint)
{
    size_t n = t->n;
    double dx = cos(angle), dy = sin(angle), best = max_range, a, d2;
    size_t k = nearest(t, x, y, hint, &a, &d2);
    double L = t->length, s0 = t->s[k] + a;
    /* Border segment j runs beside centre segment j, so the borders within
     * max_range of the origin are those whose centre arc length is within
     * max_range plus the road's width and a segment of it (exact on the
     * outside of curves, an approximation on the inside of very tight ones,
     * where the border is shorter than the centre line). */
    double reach = max_range + 2 * t->max_half + t->max_seg;
    if (2 * reach >= L) {
        for (size_t j = 0; j < n; j++)
            best = ray_borders(t, j, x, y, dx, dy, best);
        return best;
    }
    size_t j = k, cnt = 0;
    for (; cnt < n; cnt++) {
        double ds = t->s[j] - s0;
        if (ds < -L / 2)
            ds += L;
        if (ds > reach)
            break;
        best = ray_borders(t, j, x, y, dx, dy, best);
        j = j + 1 == n ? 0 : j + 1;
    }
    j = k == 0 ? n - 1 : k - 1;
    for (; cnt < n; cnt++) {
        double ds = s0 - t->s[j + 1];
        if (ds < -L / 2)
            ds += L;
        if (ds > reach)
            break;
        best = ray_borders(t, j, x, y, dx, dy, best);
        j = j == 0 ? n - 1 : j - 1;
    }
    return best;
}
