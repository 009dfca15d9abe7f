/* The deepracer plugin's pictures of a run: see plots.h. */
/* dladdr and RTLD_NODELETE are GNU extensions. */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "csv.h"
#include "deepracer.h"
#include "plots.h"
#include "simtrace.h"

/* ---- colour maps and scales (also without cairo: tests use them) ------- */

/* Five stops of matplotlib's plasma and viridis maps. */
static const double maps[2][5][3] = {
    {{0.050, 0.031, 0.529}, {0.494, 0.012, 0.659}, {0.800, 0.278, 0.471},
     {0.973, 0.584, 0.251}, {0.941, 0.976, 0.129}},
    {{0.267, 0.004, 0.329}, {0.231, 0.322, 0.545}, {0.129, 0.569, 0.549},
     {0.369, 0.788, 0.384}, {0.992, 0.906, 0.145}},
};

void dr_plot_colour(int map, double x, double lo, double hi, double rgb[3])
{
    const double(*m)[3] = maps[map == DR_PLOT_REWARD_MAP];
    double u = hi > lo ? (x - lo) / (hi - lo) : 0.5;
    if (!(u > 0)) u = 0; /* NaN too */
    if (u > 1) u = 1;
    double f = u * 4;
    int i = (int)f;
    if (i > 3) i = 3;
    f -= i;
    for (int c = 0; c < 3; c++) rgb[c] = m[i][c] + f * (m[i + 1][c] - m[i][c]);
}

void dr_plot_speed_scale(double lo, double hi, double *a, double *b)
{
    *a = floor(lo * 2) / 2;
    *b = ceil(hi * 2) / 2;
    if (*b - *a < 0.5) *b = *a + 0.5;
}

void dr_plot_view_of(const dr_track *t, dr_plot_view *v)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i <= t->n; i++) {
        const double xs[3] = {t->cx[i], t->lx[i], t->rx[i]}, ys[3] = {t->cy[i], t->ly[i], t->ry[i]};
        for (int k = 0; k < 3; k++) {
            if (xs[k] < x0) x0 = xs[k];
            if (xs[k] > x1) x1 = xs[k];
            if (ys[k] < y0) y0 = ys[k];
            if (ys[k] > y1) y1 = ys[k];
        }
    }
    double w = DR_PLOT_MAP_X1 - DR_PLOT_MAP_X0, h = DR_PLOT_MAP_Y1 - DR_PLOT_MAP_Y0;
    double dx = x1 - x0 > 1e-9 ? x1 - x0 : 1e-9, dy = y1 - y0 > 1e-9 ? y1 - y0 : 1e-9;
    v->scale = fmin(w / dx, h / dy);
    v->ox = DR_PLOT_MAP_X0 + 0.5 * (w - v->scale * dx) - v->scale * x0;
    v->oy = DR_PLOT_MAP_Y0 + 0.5 * (h - v->scale * dy) + v->scale * y1;
}

/* A track's name for titles: the first of the `track` key's list (the
 * track evaluation drives), its file name without folders and extension. */
void dr_plot_track_title(const char *track, char *name, size_t len)
{
    size_t n = strcspn(track, ",");
    while (n && (track[n - 1] == ' ' || track[n - 1] == '\t')) n--;
    while (n && (*track == ' ' || *track == '\t')) track++, n--;
    const char *b = track;
    for (size_t i = 0; i < n; i++)
        if (track[i] == '/') b = track + i + 1;
    size_t m = n - (size_t)(b - track), dot = 0;
    for (size_t i = 1; i < m; i++)
        if (b[i] == '.') dot = i; /* the last dot, not a leading one */
    snprintf(name, len, "%.*s", (int)(dot ? dot : m), b);
}

#ifndef RL_HAVE_CAIRO
void dr_plots_pin(void) {}

static const char no_cairo[] =
    "plots are off: this build of librl has no cairo (install libcairo2-dev and run "
    "configure again)";

int dr_plots_write(const dr_track *t, const char *track_name, const char *dir, FILE *out,
                   rl_error *err)
{
    (void)t, (void)track_name, (void)dir, (void)out;
    return rl_error_set(err, RL_EUNSUPPORTED, "%s", no_cairo);
}

int dr_plots_read(const dr_track *t, const char *dir, rl_error *err)
{
    (void)t, (void)dir;
    return rl_error_set(err, RL_EUNSUPPORTED, "%s", no_cairo);
}

int dr_plot_track_png(const dr_track *t, const dr_plot_view *v, const dr_plot_track_spec *p,
                      const char *path, rl_error *err)
{
    (void)t, (void)v, (void)p, (void)path;
    return rl_error_set(err, RL_EUNSUPPORTED, "%s", no_cairo);
}

#else /* RL_HAVE_CAIRO */

#include <cairo.h>
#include <dlfcn.h>
#include <pthread.h>

/* cairo and the libraries it loads (pixman, fontconfig, freetype) set up
 * state when they are loaded and keep font caches for the life of the
 * process. Unloaded with the plugin, all that would be left behind as
 * unreachable memory, which valgrind and LeakSanitizer report as lost.
 * Keeping libcairo (and so the libraries it loaded) mapped until the
 * process ends keeps it reachable, and a plugin loaded again does not set
 * them up again. */
static void pin_cairo(void)
{
    Dl_info info;
    if (dladdr((void *)cairo_create, &info) && info.dli_fname)
        (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

static void keep_cairo_loaded(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, pin_cairo);
}

void dr_plots_pin(void)
{
    keep_cairo_loaded();
}

#define MAX_POINTS 20000000u     /* evaluation trace rows kept */
#define MAX_ITER_FILES 10000000u /* training trace files read */
#define CELL_PX 8                /* reward.png: side of a cell, pixels */

/* Every file is read with the plugins' CSV reader (plugins/common/csv.h),
 * the traces through simtrace.h. csv_open: open path and read its header;
 * RL_ENOTFOUND when it does not exist. */
static rl_csv *csv_open(const char *path, int *rc, rl_error *err)
{
    rl_csv *c = rl_csv_open(path, 0, err);
    if (!c) {
        *rc = err->code;
        return NULL;
    }
    *rc = rl_csv_read_header(c, err);
    if (*rc != RL_OK) {
        rl_csv_close(c);
        return NULL;
    }
    return c;
}

/* ---- what the run's files hold ------------------------------------------ */

typedef struct lap {
    double time, progress;
    int complete, off_track;
} lap;

typedef struct plot_data {
    /* evaluation laps: points, the speed of the segment ending at each
     * (NaN: a new piece of path starts there) */
    double *px, *py, *pv;
    size_t np, pcap;
    lap *laps;
    size_t nlaps, lapcap;
    double vmin, vmax;
    char eval_file[4400];
    /* the race line */
    double *rx, *ry, *rv;
    size_t nr;
    double race_time;      /* lap time at its speeds, s (NaN: none) */
    /* progress.csv */
    double *it_x, *it_ret;
    size_t nit;
    /* training traces, one entry per file: the iteration (file k holds
     * iteration k + 1), the mean of the episodes' best progress (%), the
     * share of episodes that completed the lap (%), the mean time of the
     * completed laps (s; NaN: none) */
    double *tr_x, *tr_progress, *tr_completion, *tr_lap_time;
    size_t ntr, trcap;
    /* eval.csv: means over its laps (NaN: no such column) */
    double ev_progress, ev_completion, ev_lap_time;
    /* reward.png's cells */
    size_t gw, gh;
    double *gsum;
    unsigned *gcount;
} plot_data;

static void data_free(plot_data *d)
{
    free(d->px), free(d->py), free(d->pv), free(d->laps);
    free(d->rx), free(d->ry), free(d->rv);
    free(d->it_x), free(d->it_ret);
    free(d->tr_x), free(d->tr_progress), free(d->tr_completion), free(d->tr_lap_time);
    free(d->gsum), free(d->gcount);
}

/* Room for one more lap. */
static int grow_laps(plot_data *d)
{
    if (d->nlaps < d->lapcap) return 0;
    size_t n = d->lapcap ? d->lapcap * 2 : 16;
    lap *q = realloc(d->laps, n * sizeof *q);
    if (!q) return -1;
    d->laps = q;
    d->lapcap = n;
    return 0;
}

/* Grow k arrays of doubles that share one capacity to hold need values. */
static int grow_arrays(size_t *cap, size_t need, double **a[], int k)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need) n *= 2;
    for (int i = 0; i < k; i++) {
        double *q = realloc(*a[i], n * sizeof **a[i]);
        if (!q) return -1;
        *a[i] = q;
    }
    *cap = n;
    return 0;
}

/* The columns every picture needs of a trace (simtrace.h); track_len is
 * read when the trace has it. */
#define TRACE_NEED                                                                              \
    (DR_ST_NEED(DR_ST_EPISODE) | DR_ST_NEED(DR_ST_X) | DR_ST_NEED(DR_ST_Y) |                     \
     DR_ST_NEED(DR_ST_REWARD) | DR_ST_NEED(DR_ST_PROGRESS) | DR_ST_NEED(DR_ST_TSTAMP) |          \
     DR_ST_NEED(DR_ST_STATUS))

/* One row of a trace: the numbers every picture needs. */
typedef struct trace_row {
    double episode, x, y, reward, progress, tstamp;
    double track_len; /* NaN when the trace has no such column */
    const char *status;
} trace_row;

static int trace_next(dr_simtrace *t, trace_row *r, rl_error *err)
{
    dr_simtrace_row v;
    int k = dr_simtrace_next(t, &v, err);
    if (k <= 0) return k;
    r->episode = v.v[DR_ST_EPISODE];
    r->x = v.v[DR_ST_X];
    r->y = v.v[DR_ST_Y];
    r->reward = v.v[DR_ST_REWARD];
    r->progress = v.v[DR_ST_PROGRESS];
    r->tstamp = v.v[DR_ST_TSTAMP];
    r->track_len = v.v[DR_ST_TRACK_LEN];
    r->status = v.status;
    return 1;
}

/* Per-episode figures as deepracer-utils computes them: the time is the
 * sum of the tstamp differences between consecutive rows of the episode,
 * zero on prepare rows (the first row of a file counts zero too). */
typedef struct episode_acc {
    int open;
    double id, time, progress;
    int complete, off_track;
} episode_acc;

static void episode_add(episode_acc *a, const trace_row *r, double prev_tstamp, int first)
{
    if (!a->open || r->episode != a->id) {
        memset(a, 0, sizeof *a);
        a->open = 1;
        a->id = r->episode;
        a->progress = -INFINITY;
    }
    if (!first && strcmp(r->status, "prepare") != 0) a->time += r->tstamp - prev_tstamp;
    if (r->progress > a->progress) a->progress = r->progress;
    if (strcmp(r->status, "lap_complete") == 0) a->complete = 1;
    if (strcmp(r->status, "off_track") == 0) a->off_track++;
}

/* The evaluation trace: the newest evaluation-NAME/evaluation-simtrace/
 * 0-iteration.csv (names are local times, so the greatest is the newest). */
static int find_eval_trace(const char *dir, char *path, size_t len)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    char best[256] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "evaluation-", 11) != 0 || strlen(e->d_name) >= sizeof best) continue;
        char p[4400];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s/evaluation-simtrace/0-iteration.csv", dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    if (!best[0]) return 0;
    snprintf(path, len, "%s/%s/evaluation-simtrace/0-iteration.csv", dir, best);
    return 1;
}

static int read_eval_trace(plot_data *d, const char *path, rl_error *err)
{
    dr_simtrace c;
    int rc = dr_simtrace_open(&c, path, TRACE_NEED, err);
    if (rc != RL_OK) return rc;
    snprintf(d->eval_file, sizeof d->eval_file, "%s", path);
    trace_row r, prev = {0};
    episode_acc a = {0};
    int k, first = 1;
    d->vmin = INFINITY, d->vmax = -INFINITY;
    while ((k = trace_next(&c, &r, err)) == 1) {
        if (d->np == MAX_POINTS) {
            rc = rl_error_set(err, RL_EFORMAT, "%s:%ld: more than %u rows", path,
                              dr_simtrace_line(&c), MAX_POINTS);
            break;
        }
        if (!first && r.episode != a.id) {
            if (grow_laps(d)) goto oom;
            d->laps[d->nlaps++] = (lap){a.time, a.progress, a.complete, a.off_track};
        }
        episode_add(&a, &r, prev.tstamp, first);
        /* The path breaks where the car did not drive from the last row:
         * at the start, on a new episode that is not a continuous lap,
         * where the car was held (the prepare step, a reset's pause: the
         * row after them is where the car stood) and where time does not
         * move on. */
        double v = NAN, dt = r.tstamp - prev.tstamp;
        int cur_held = strcmp(r.status, "pause") == 0 || strcmp(r.status, "prepare") == 0;
        int held = cur_held || (prev.status && prev.status[0]);
        if (!first && !held && dt > 0 && dt < 1.0) {
            v = hypot(r.x - prev.x, r.y - prev.y) / dt;
            if (v > 20) v = NAN; /* a jump, not driving */
        }
        if (!isnan(v)) {
            if (v < d->vmin) d->vmin = v;
            if (v > d->vmax) d->vmax = v;
        }
        double **arrs[3] = {&d->px, &d->py, &d->pv};
        if (grow_arrays(&d->pcap, d->np + 1, arrs, 3)) goto oom;
        d->px[d->np] = r.x, d->py[d->np] = r.y, d->pv[d->np] = v;
        d->np++;
        prev = r;
        prev.status = cur_held ? "held" : "";
        first = 0;
    }
    if (k < 0) rc = err->code;
    if (rc == RL_OK && a.open) {
        if (grow_laps(d)) goto oom;
        d->laps[d->nlaps++] = (lap){a.time, a.progress, a.complete, a.off_track};
    }
    dr_simtrace_close(&c);
    return rc;
oom:
    dr_simtrace_close(&c);
    return rl_error_set(err, RL_ENOMEM, "%s: out of memory", path);
}

/* One training trace file: its episodes' figures, and its rewards into
 * the cells of reward.png. */
static int read_training_trace(plot_data *d, const char *path, double iteration,
                               const dr_plot_view *v, double track_length, rl_error *err)
{
    dr_simtrace c;
    int rc = dr_simtrace_open(&c, path, TRACE_NEED, err);
    if (rc != RL_OK) return rc;
    trace_row r;
    double prev_t = 0;
    episode_acc a = {0};
    int k, first = 1;
    size_t episodes = 0, completed = 0;
    double prog_sum = 0, time_sum = 0;
    while ((k = trace_next(&c, &r, err)) == 1) {
        if (!first && r.episode != a.id) {
            episodes++;
            prog_sum += a.progress;
            if (a.complete) completed++, time_sum += a.time;
        }
        episode_add(&a, &r, prev_t, first);
        prev_t = r.tstamp;
        first = 0;
        /* The reward function is not called on prepare and pause rows.
         * With several tracks (track = a,b,c), only the rows of the track
         * drawn (by its length, as the trace writes it, to the cm) go on
         * its map. */
        if (strcmp(r.status, "prepare") == 0 || strcmp(r.status, "pause") == 0) continue;
        if (!isnan(r.track_len) && fabs(r.track_len - track_length) > 0.0051) continue;
        double gx = (v->ox + v->scale * r.x) / CELL_PX, gy = (v->oy - v->scale * r.y) / CELL_PX;
        if (gx >= 0 && gy >= 0 && gx < (double)d->gw && gy < (double)d->gh) {
            size_t cell = (size_t)gy * d->gw + (size_t)gx;
            d->gsum[cell] += r.reward;
            d->gcount[cell]++;
        }
    }
    if (k < 0) rc = err->code;
    dr_simtrace_close(&c);
    if (rc != RL_OK) return rc;
    if (a.open) {
        episodes++;
        prog_sum += a.progress;
        if (a.complete) completed++, time_sum += a.time;
    }
    double **arrs[4] = {&d->tr_x, &d->tr_progress, &d->tr_completion, &d->tr_lap_time};
    if (grow_arrays(&d->trcap, d->ntr + 1, arrs, 4))
        return rl_error_set(err, RL_ENOMEM, "%s: out of memory", path);
    d->tr_x[d->ntr] = iteration;
    d->tr_progress[d->ntr] = episodes ? prog_sum / (double)episodes : NAN;
    d->tr_completion[d->ntr] = episodes ? 100.0 * (double)completed / (double)episodes : NAN;
    d->tr_lap_time[d->ntr] = completed ? time_sum / (double)completed : NAN;
    d->ntr++;
    return RL_OK;
}

static int read_progress(plot_data *d, const char *path, rl_error *err)
{
    int rc;
    rl_csv *c = csv_open(path, &rc, err);
    if (!c) return rc;
    int ci = rl_csv_column(c, "iteration", err), cr = ci < 0 ? -1 : rl_csv_column(c, "mean_return", err);
    if (ci < 0 || cr < 0) {
        rl_csv_close(c);
        return RL_EFORMAT;
    }
    size_t cap = 0;
    double **arrs[2] = {&d->it_x, &d->it_ret};
    int k;
    while ((k = rl_csv_next(c, err)) == 1) {
        double it, ret;
        if (rl_csv_double(c, (size_t)ci, 0, &it, err) ||
            /* No episode ended in the iteration: empty (nan before). */
            rl_csv_double(c, (size_t)cr, RL_CSV_NAN | RL_CSV_EMPTY, &ret, err)) {
            k = -1;
            break;
        }
        if (d->nit == MAX_POINTS) {
            rl_csv_fail(c, err, RL_EFORMAT, "more than %u rows", MAX_POINTS);
            k = -1;
            break;
        }
        if (it < 0 || it > 1e15 || it != floor(it)) {
            rl_csv_fail(c, err, RL_EFORMAT, "column 'iteration': %.17g is not an iteration", it);
            k = -1;
            break;
        }
        if (grow_arrays(&cap, d->nit + 1, arrs, 2)) {
            rl_error_set(err, RL_ENOMEM, "%s: out of memory", path);
            k = -1;
            break;
        }
        d->it_x[d->nit] = it;
        d->it_ret[d->nit] = ret;
        d->nit++;
    }
    rl_csv_close(c);
    return k < 0 ? err->code : RL_OK;
}

/* eval.csv's lap figures (deepracer's metric columns), when it has them. */
static int read_eval_csv(plot_data *d, const char *path, rl_error *err)
{
    d->ev_progress = d->ev_completion = d->ev_lap_time = NAN;
    int rc;
    rl_csv *c = csv_open(path, &rc, err);
    if (rc == RL_ENOTFOUND) return RL_OK;
    if (!c) return rc;
    int cp = rl_csv_find(c, "progress", err), cc = rl_csv_find(c, "complete", err),
        ct = rl_csv_find(c, "lap_time", err);
    if (cp == -2 || cc == -2 || ct == -2) {
        rl_csv_close(c);
        return RL_EFORMAT;
    }
    double n = 0, prog = 0, done = 0, time = 0;
    int k;
    while ((k = rl_csv_next(c, err)) == 1) {
        double p = 0, m = 0, t = 0;
        if ((cp >= 0 && rl_csv_double(c, (size_t)cp, 0, &p, err)) ||
            (cc >= 0 && rl_csv_double(c, (size_t)cc, 0, &m, err)) ||
            (ct >= 0 && rl_csv_double(c, (size_t)ct, 0, &t, err))) {
            k = -1;
            break;
        }
        n++, prog += p;
        if (m > 0.5) done++, time += t;
    }
    rl_csv_close(c);
    if (k < 0) return err->code;
    if (n > 0 && cp >= 0) d->ev_progress = prog / n;
    if (n > 0 && cc >= 0) d->ev_completion = 100 * done / n;
    if (done > 0 && ct >= 0 && cc >= 0) d->ev_lap_time = time / done;
    return RL_OK;
}

/* raceline.csv: a header, then x, y and speed (m/s) in its first three
 * columns. */
static int read_raceline(plot_data *d, const char *path, rl_error *err)
{
    d->race_time = NAN;
    int rc;
    rl_csv *c = csv_open(path, &rc, err);
    if (rc == RL_ENOTFOUND) return RL_OK;
    if (!c) return rc;
    if (rl_csv_nfields(c) < 3 || strcasecmp(rl_csv_field(c, 0), "x") != 0 ||
        strcasecmp(rl_csv_field(c, 1), "y") != 0 || strcasecmp(rl_csv_field(c, 2), "speed") != 0) {
        rl_csv_close(c);
        return rl_error_set(err, RL_EFORMAT, "%s:1: the header must begin with x,y,speed", path);
    }
    size_t cap = 0;
    double **arrs[3] = {&d->rx, &d->ry, &d->rv};
    int k;
    while ((k = rl_csv_next(c, err)) == 1) {
        double x, y, s;
        if (rl_csv_double(c, 0, 0, &x, err) || rl_csv_double(c, 1, 0, &y, err) ||
            rl_csv_double(c, 2, 0, &s, err)) {
            k = -1;
            break;
        }
        if (s < 0.01 || s > 100) {
            rl_csv_fail(c, err, RL_EFORMAT, "speed %g m/s is outside [0.01, 100]", s);
            k = -1;
            break;
        }
        if (d->nr == MAX_POINTS) {
            rl_csv_fail(c, err, RL_EFORMAT, "more than %u points", MAX_POINTS);
            k = -1;
            break;
        }
        if (grow_arrays(&cap, d->nr + 1, arrs, 3)) {
            rl_error_set(err, RL_ENOMEM, "%s: out of memory", path);
            k = -1;
            break;
        }
        d->rx[d->nr] = x, d->ry[d->nr] = y, d->rv[d->nr] = s;
        d->nr++;
    }
    rl_csv_close(c);
    if (k < 0) return err->code;
    if (d->nr < 2) return rl_error_set(err, RL_EFORMAT, "%s: fewer than two points", path);
    /* The time of a lap along it, each segment at the mean of its ends'
     * speeds; the line is closed when its ends (nearly) meet. */
    double t = 0;
    for (size_t i = 1; i < d->nr; i++)
        t += hypot(d->rx[i] - d->rx[i - 1], d->ry[i] - d->ry[i - 1]) /
             (0.5 * (d->rv[i] + d->rv[i - 1]));
    double gap = hypot(d->rx[0] - d->rx[d->nr - 1], d->ry[0] - d->ry[d->nr - 1]);
    if (gap < 0.5) t += gap / (0.5 * (d->rv[0] + d->rv[d->nr - 1]));
    d->race_time = t;
    return RL_OK;
}

/* ---- drawing ------------------------------------------------------------- */

static const double BG[3] = {0.953, 0.957, 0.937};
static const double ROAD[3] = {0.42, 0.42, 0.42};
static const double INK[3] = {0.10, 0.10, 0.10};

static void set_rgb(cairo_t *cr, const double c[3]) { cairo_set_source_rgb(cr, c[0], c[1], c[2]); }

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Text at (x, y), y the baseline; align 0 left, 0.5 centre, 1 right. */
static void text(cairo_t *cr, double x, double y, double align, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.x_advance, y);
    cairo_show_text(cr, s);
}

static void textf(cairo_t *cr, double x, double y, double align, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    text(cr, x, y, align, buf);
}

static void background(cairo_t *cr, const char *title)
{
    set_rgb(cr, BG);
    cairo_paint(cr);
    set_rgb(cr, INK);
    font(cr, 22, 1);
    text(cr, 30, 40, 0, title);
}

/* The road, its borders and the dashed centre line. */
/* Both borders of t as closed paths, in the current colour and width. */
static void stroke_borders(cairo_t *cr, const dr_track *t, const dr_plot_view *v)
{
    for (int side = 0; side < 2; side++) {
        const double *bx = side ? t->rx : t->lx, *by = side ? t->ry : t->ly;
        cairo_move_to(cr, v->ox + v->scale * bx[0], v->oy - v->scale * by[0]);
        for (size_t i = 1; i <= t->n; i++)
            cairo_line_to(cr, v->ox + v->scale * bx[i], v->oy - v->scale * by[i]);
        cairo_close_path(cr);
        cairo_stroke(cr);
    }
}

static void draw_track(cairo_t *cr, const dr_track *t, const dr_plot_view *v)
{
#define PX(x) (v->ox + v->scale * (x))
#define PY(y) (v->oy - v->scale * (y))
    /* The road as the union of the quadrilaterals between the borders,
     * each wound the same way, filled at once (no seams between them). */
    cairo_new_path(cr);
    for (size_t i = 0; i < t->n; i++) {
        double qx[4] = {t->lx[i], t->lx[i + 1], t->rx[i + 1], t->rx[i]};
        double qy[4] = {t->ly[i], t->ly[i + 1], t->ry[i + 1], t->ry[i]};
        double area = 0;
        for (int k = 0; k < 4; k++) area += qx[k] * qy[(k + 1) % 4] - qx[(k + 1) % 4] * qy[k];
        for (int k = 0; k < 4; k++) {
            int j = area >= 0 ? k : 3 - k;
            if (k == 0)
                cairo_move_to(cr, PX(qx[j]), PY(qy[j]));
            else
                cairo_line_to(cr, PX(qx[j]), PY(qy[j]));
        }
        cairo_close_path(cr);
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    set_rgb(cr, ROAD);
    cairo_fill(cr);

    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 2.0);
    stroke_borders(cr, t, v);
    static const double dash[2] = {8, 8};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_set_source_rgb(cr, 0.86, 0.86, 0.86);
    cairo_set_line_width(cr, 1.2);
    cairo_move_to(cr, PX(t->cx[0]), PY(t->cy[0]));
    for (size_t i = 1; i <= t->n; i++) cairo_line_to(cr, PX(t->cx[i]), PY(t->cy[i]));
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    /* The start line across the road at waypoint 0. */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 4);
    cairo_move_to(cr, PX(t->lx[0]), PY(t->ly[0]));
    cairo_line_to(cr, PX(t->rx[0]), PY(t->ry[0]));
    cairo_stroke(cr);
}

/* Nice tick step for a range: 1, 2 or 5 times a power of ten. */
static double tick_step(double span, int want)
{
    double raw = span / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* A vertical colour bar from lo (bottom) to hi, with ticks and a label. */
static void colour_bar(cairo_t *cr, int map, double lo, double hi, const char *label)
{
    const double x = 1050, y0 = 160, y1 = 760, w = 28;
    for (int i = 0; i < 600; i++) {
        double rgb[3];
        dr_plot_colour(map, lo + (hi - lo) * (i + 0.5) / 600, lo, hi, rgb);
        set_rgb(cr, rgb);
        cairo_rectangle(cr, x, y1 - (i + 1) * (y1 - y0) / 600, w, (y1 - y0) / 600 + 0.6);
        cairo_fill(cr);
    }
    set_rgb(cr, INK);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x, y0, w, y1 - y0);
    cairo_stroke(cr);
    font(cr, 15, 0);
    double step = tick_step(hi - lo, 5), k0 = ceil(lo / step - 1e-9);
    for (int i = 0; i < 50 && (k0 + i) * step <= hi + 1e-9 * step; i++) {
        double val = (k0 + i) * step, yy = y1 - (val - lo) / (hi - lo) * (y1 - y0);
        cairo_move_to(cr, x + w, yy);
        cairo_line_to(cr, x + w + 6, yy);
        cairo_stroke(cr);
        textf(cr, x + w + 9, yy + 5, 0, "%g", fabs(val) < 1e-12 * step ? 0.0 : val);
    }
    font(cr, 16, 1);
    text(cr, x + w / 2, y0 - 18, 0.5, label);
}

/* The PNG of surface s, written atomically to path. */
typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} membuf;

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *m = closure;
    if (m->n + len > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->n + len) cap *= 2;
        unsigned char *q = realloc(m->p, cap);
        if (!q) {
            m->oom = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return CAIRO_STATUS_SUCCESS;
}

static int save_png(cairo_surface_t *s, cairo_t *cr, const char *path, rl_error *err)
{
    cairo_status_t st = cairo_status(cr);
    if (st != CAIRO_STATUS_SUCCESS)
        return rl_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? RL_ENOMEM : RL_EIO,
                            "%s: cairo: %s", path, cairo_status_to_string(st));
    cairo_surface_flush(s);
    membuf m = {0};
    st = cairo_surface_write_to_png_stream(s, mem_write, &m);
    int rc;
    if (st != CAIRO_STATUS_SUCCESS || m.oom)
        rc = rl_error_set(err, m.oom ? RL_ENOMEM : RL_EIO, "%s: cannot encode the PNG: %s",
                          path, cairo_status_to_string(st));
    else
        rc = rl_write_file_atomic(path, m.p, m.n, err);
    free(m.p);
    return rc;
}

int dr_plot_track_png(const dr_track *t, const dr_plot_view *v, const dr_plot_track_spec *p,
                      const char *path, rl_error *err)
{
    keep_cairo_loaded();
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, DR_PLOT_W, DR_PLOT_H);
    cairo_t *cr = cairo_create(s);
    background(cr, p->title ? p->title : "");
    draw_track(cr, t, v);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    if (p->ln >= 2) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 2.5);
        /* A closed line (its ends less than 0.5 m apart: rlrun --raceline
         * does not repeat the first point) is drawn closed. */
        int pen = 0, whole = 1;
        for (size_t i = 0; i < p->ln; i++) {
            double x = PX(p->lx[i]), y = PY(p->ly[i]);
            if (fabs(x) > 1e5 || fabs(y) > 1e5) {
                pen = 0, whole = 0; /* far outside the picture: not drawn */
            } else if (pen) {
                cairo_line_to(cr, x, y);
            } else {
                cairo_move_to(cr, x, y);
                pen = 1;
            }
        }
        if (whole && hypot(p->lx[0] - p->lx[p->ln - 1], p->ly[0] - p->ly[p->ln - 1]) < 0.5)
            cairo_close_path(cr);
        cairo_stroke(cr);
    }
    cairo_set_line_width(cr, 3.0);
    /* Each segment in its own colour; points far outside the picture are
     * left out (a hostile trace must not reach cairo's fixed-point
     * limits). Segment i ends at point i; the closing one (i = n) ends at
     * point 0. */
    size_t segs = p->closed && p->n >= 2 ? p->n + 1 : p->n;
    for (size_t i = 1; i < segs; i++) {
        size_t j = i == p->n ? 0 : i;
        if (isnan(p->v[j])) continue;
        double x0 = PX(p->x[i - 1]), y0 = PY(p->y[i - 1]), x1 = PX(p->x[j]), y1 = PY(p->y[j]);
        if (fabs(x0) > 1e5 || fabs(y0) > 1e5 || fabs(x1) > 1e5 || fabs(y1) > 1e5) continue;
        double rgb[3];
        dr_plot_colour(DR_PLOT_SPEED_MAP, p->v[j], p->vlo, p->vhi, rgb);
        set_rgb(cr, rgb);
        cairo_move_to(cr, x0, y0);
        cairo_line_to(cr, x1, y1);
        cairo_stroke(cr);
    }
    if (p->n) colour_bar(cr, DR_PLOT_SPEED_MAP, p->vlo, p->vhi, "speed, m/s");
    set_rgb(cr, INK);
    font(cr, 15, 0);
    for (size_t i = 0; i < p->nlegend; i++) text(cr, 1190, 62 + 20.0 * (double)i, 1, p->legend[i]);
    if (p->ln >= 2 && p->line_label) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 2.5);
        cairo_move_to(cr, 1010, 860);
        cairo_line_to(cr, 1040, 860);
        cairo_stroke(cr);
        text(cr, 1190, 865, 1, p->line_label);
    }
    int rc = save_png(s, cr, path, err);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return rc;
}

static int draw_track_png(const plot_data *d, const dr_track *t, const char *name,
                          const dr_plot_view *v, const char *path, FILE *out, rl_error *err)
{
    char title[400];
    if (d->nlaps)
        snprintf(title, sizeof title, "%s: %zu evaluation lap%s, coloured by speed", name,
                 d->nlaps, d->nlaps == 1 ? "" : "s");
    else
        snprintf(title, sizeof title, "%s: no evaluation trace (run with --trace)", name);
    /* The legend: each lap's time (the first ten), and the race line's. */
    char lines[11][96], line_label[64];
    const char *legend[11];
    size_t nl = 0;
    for (size_t i = 0; i < d->nlaps && i < 10; i++, nl++) {
        const lap *l = &d->laps[i];
        if (l->complete)
            snprintf(lines[nl], sizeof lines[nl], "lap %zu: %.2f s%s", i + 1, l->time,
                     l->off_track ? " (off track)" : "");
        else
            snprintf(lines[nl], sizeof lines[nl], "lap %zu: %.0f%%, not complete", i + 1,
                     l->progress);
    }
    if (d->nlaps > 10) snprintf(lines[nl++], sizeof lines[0], "... %zu laps", d->nlaps);
    for (size_t i = 0; i < nl; i++) legend[i] = lines[i];
    snprintf(line_label, sizeof line_label, "race line %.2f s", d->race_time);
    dr_plot_track_spec p = {
        .title = title,
        .x = d->px, .y = d->py, .v = d->pv, .n = d->np,
        .vlo = 0, .vhi = 1,
        .lx = d->rx, .ly = d->ry, .ln = d->nr, .line_label = line_label,
        .legend = legend, .nlegend = nl,
    };
    if (d->vmax >= d->vmin) dr_plot_speed_scale(d->vmin, d->vmax, &p.vlo, &p.vhi);
    int rc = dr_plot_track_png(t, v, &p, path, err);
    if (rc == RL_OK && out) {
        /* The figures drawn, for the user (and tests): each lap's time or
         * progress, the race line's time. */
        fprintf(out, "%s: the track, %zu evaluation lap%s", path, d->nlaps, d->nlaps == 1 ? "" : "s");
        for (size_t i = 0; i < d->nlaps && i < 5; i++) {
            const lap *l = &d->laps[i];
            fputs(i ? ", " : " (", out);
            if (l->complete)
                fprintf(out, "%.2f s", l->time);
            else
                fprintf(out, "%.0f%%", l->progress);
        }
        fputs(d->nlaps > 5 ? ", ...)" : d->nlaps ? ")" : "", out);
        if (d->nr >= 2) fprintf(out, " and the race line (%.2f s)", d->race_time);
        fputc('\n', out);
    }
    return rc;
}

/* One panel of learning.png: y against x, points joined where both are
 * known; ref (NaN: none) as a dashed line labelled ref_label; mark (NaN:
 * none) as a diamond at the last x, labelled "evaluation". */
typedef struct panel {
    const char *title, *ylabel;
    const double *x, *y;
    size_t n;
    double ymin_floor, ymax_ceil; /* NaN: from the data */
    double ref, mark;
    const char *ref_label, *empty;
} panel;

/* A value a panel can draw: values beyond 1e12 (in a hostile file) are
 * left out like NaN, so that the axes stay finite. */
static int usable(double y) { return fabs(y) <= 1e12; }

static void draw_panel(cairo_t *cr, double px, double py, double pw, double ph, const panel *p,
                       double xmax)
{
    const double xlast = xmax;
    const double ax0 = px + 70, ax1 = px + pw - 20, ay0 = py + 40, ay1 = py + ph - 55;
    set_rgb(cr, INK);
    font(cr, 17, 1);
    text(cr, (ax0 + ax1) / 2, py + 24, 0.5, p->title);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, ax0, ay0, ax1 - ax0, ay1 - ay0);
    cairo_fill(cr);
    double lo = INFINITY, hi = -INFINITY;
    size_t known = 0;
    for (size_t i = 0; i < p->n; i++) {
        double y = p->y[i];
        if (!usable(y)) continue;
        known++;
        if (y < lo) lo = y;
        if (y > hi) hi = y;
    }
    int ref = usable(p->ref), mark = usable(p->mark);
    if (ref) lo = fmin(lo, p->ref), hi = fmax(hi, p->ref);
    if (mark) lo = fmin(lo, p->mark), hi = fmax(hi, p->mark);
    if (!isnan(p->ymin_floor)) lo = fmin(isfinite(lo) ? lo : p->ymin_floor, p->ymin_floor);
    if (!isnan(p->ymax_ceil)) hi = fmax(isfinite(hi) ? hi : p->ymax_ceil, p->ymax_ceil);
    if (!isfinite(lo) || !isfinite(hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-9 * fmax(1, fabs(hi))) {
        double w = fmax(0.5, 1e-3 * fabs(hi));
        lo -= w, hi += w;
    }
    double ystep = tick_step(hi - lo, 5);
    lo = floor(lo / ystep) * ystep, hi = ceil(hi / ystep) * ystep;
    double xlo = 0, xhi = xmax > 1 ? xmax : 1, xstep = tick_step(xhi - xlo, 6);
    xhi = ceil(xhi / xstep) * xstep;
#define AX(x) (ax0 + ((x) - xlo) / (xhi - xlo) * (ax1 - ax0))
#define AY(y) (ay1 - ((y) - lo) / (hi - lo) * (ay1 - ay0))
    /* Grid and ticks. */
    font(cr, 13, 0);
    cairo_set_line_width(cr, 1);
    for (int k = 0; k < 50 && lo + k * ystep <= hi + 1e-9 * ystep; k++) {
        double y = lo + k * ystep;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, ax0, AY(y));
        cairo_line_to(cr, ax1, AY(y));
        cairo_stroke(cr);
        set_rgb(cr, INK);
        textf(cr, ax0 - 6, AY(y) + 4, 1, "%g", fabs(y) < 1e-9 * ystep ? 0.0 : y);
    }
    for (int k = 0; k < 50 && xlo + k * xstep <= xhi + 1e-9 * xstep; k++) {
        double x = xlo + k * xstep;
        set_rgb(cr, INK);
        cairo_move_to(cr, AX(x), ay1);
        cairo_line_to(cr, AX(x), ay1 + 5);
        cairo_stroke(cr);
        textf(cr, AX(x), ay1 + 19, 0.5, "%g", x);
    }
    set_rgb(cr, INK);
    cairo_rectangle(cr, ax0, ay0, ax1 - ax0, ay1 - ay0);
    cairo_stroke(cr);
    font(cr, 14, 0);
    text(cr, (ax0 + ax1) / 2, ay1 + 40, 0.5, "iteration");
    cairo_save(cr);
    cairo_translate(cr, px + 22, (ay0 + ay1) / 2);
    cairo_rotate(cr, -DR_PI / 2);
    text(cr, 0, 0, 0.5, p->ylabel);
    cairo_restore(cr);
    if (known == 0) {
        font(cr, 15, 0);
        text(cr, (ax0 + ax1) / 2, (ay0 + ay1) / 2, 0.5, p->empty);
    }
    cairo_save(cr);
    cairo_rectangle(cr, ax0, ay0, ax1 - ax0, ay1 - ay0);
    cairo_clip(cr);
    if (ref) {
        static const double dash[2] = {6, 5};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_source_rgb(cr, 0.55, 0.1, 0.1);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, ax0, AY(p->ref));
        cairo_line_to(cr, ax1, AY(p->ref));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        font(cr, 13, 0);
        text(cr, ax1 - 6, AY(p->ref) - 6, 1, p->ref_label);
    }
    cairo_set_source_rgb(cr, 0.12, 0.35, 0.65);
    cairo_set_line_width(cr, 2);
    int pen = 0;
    for (size_t i = 0; i < p->n; i++) {
        double y = p->y[i], x = p->x[i];
        if (!usable(y)) {
            pen = 0;
            continue;
        }
        if (pen)
            cairo_line_to(cr, AX(x), AY(y));
        else
            cairo_move_to(cr, AX(x), AY(y));
        pen = 1;
    }
    cairo_stroke(cr);
    if (known <= 60)
        for (size_t i = 0; i < p->n; i++) {
            double y = p->y[i], x = p->x[i];
            if (!usable(y)) continue;
            cairo_arc(cr, AX(x), AY(y), 3, 0, 2 * DR_PI);
            cairo_fill(cr);
        }
    cairo_restore(cr);
    if (mark) {
        /* The evaluation after training, at the last iteration. */
        double x = AX(xlast), y = AY(p->mark);
        cairo_set_source_rgb(cr, 0.85, 0.4, 0.0);
        cairo_move_to(cr, x, y - 8);
        cairo_line_to(cr, x - 7, y);
        cairo_line_to(cr, x, y + 8);
        cairo_line_to(cr, x + 7, y);
        cairo_close_path(cr);
        cairo_fill(cr);
        font(cr, 13, 0);
        text(cr, x - 10, y < ay0 + 20 ? y + 18 : y - 8, 1, "evaluation");
    }
#undef AX
#undef AY
}

static int draw_learning_png(const plot_data *d, const char *name, const char *path, FILE *out,
                             rl_error *err)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, DR_PLOT_W, DR_PLOT_H);
    cairo_t *cr = cairo_create(s);
    char title[400];
    snprintf(title, sizeof title, "%s: learning curve, %zu iteration%s", name, d->nit,
             d->nit == 1 ? "" : "s");
    background(cr, title);
    double xmax = 1;
    for (size_t i = 0; i < d->nit; i++) xmax = fmax(xmax, d->it_x[i]);
    for (size_t i = 0; i < d->ntr; i++) xmax = fmax(xmax, d->tr_x[i]);
    const char *no_traces = "no training traces (run with --trace)";
    char ref_label[64];
    snprintf(ref_label, sizeof ref_label, "race line %.2f s", d->race_time);
    panel ps[4] = {
        {"Mean return per episode", "return", d->it_x, d->it_ret, d->nit, NAN, NAN, NAN, NAN,
         NULL, "no iterations in progress.csv"},
        {"Mean progress per episode", "progress, %", d->tr_x, d->tr_progress, d->ntr, 0, 100,
         NAN, d->ev_progress, NULL, no_traces},
        {"Lap completion", "episodes completing the lap, %", d->tr_x, d->tr_completion, d->ntr,
         0, 100, NAN, d->ev_completion, NULL, no_traces},
        {"Mean lap time of completed laps", "lap time, s", d->tr_x, d->tr_lap_time, d->ntr, 0,
         NAN, d->race_time, d->ev_lap_time, ref_label,
         d->ntr ? "no lap completed in training" : no_traces},
    };
    for (int i = 0; i < 4; i++)
        draw_panel(cr, (i % 2) * 600.0, 55 + (i / 2) * 420.0, 600, 420, &ps[i], xmax);
    int rc = save_png(s, cr, path, err);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    if (rc == RL_OK && out) {
        fprintf(out, "%s: the learning curve, %zu iteration%s", path, d->nit,
                d->nit == 1 ? "" : "s");
        if (d->ntr) {
            size_t k = d->ntr - 1;
            fprintf(out, "; iteration %.0f of the traces: progress %.1f%%, completion %.0f%%",
                    d->tr_x[k], d->tr_progress[k], d->tr_completion[k]);
            if (isnan(d->tr_lap_time[k]))
                fputs(", no lap completed", out);
            else
                fprintf(out, ", lap time %.2f s", d->tr_lap_time[k]);
        } else {
            fputs(" (return only: no training traces)", out);
        }
        fputc('\n', out);
    }
    return rc;
}

static int draw_reward_png(const plot_data *d, const dr_track *t, const char *name,
                           const dr_plot_view *v, const char *path, FILE *out, rl_error *err)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, DR_PLOT_W, DR_PLOT_H);
    cairo_t *cr = cairo_create(s);
    double lo = INFINITY, hi = -INFINITY;
    size_t cells = 0, n = d->gw * d->gh;
    for (size_t i = 0; i < n; i++) {
        if (!d->gcount[i]) continue;
        double m = d->gsum[i] / d->gcount[i];
        cells++;
        if (m < lo) lo = m;
        if (m > hi) hi = m;
    }
    char title[400];
    if (cells)
        snprintf(title, sizeof title, "%s: mean reward by position, training", name);
    else
        snprintf(title, sizeof title, "%s: no training traces (run with --trace)", name);
    background(cr, title);
    draw_track(cr, t, v);
    if (cells && !(hi - lo > 1e-9 * fmax(1, fabs(hi)))) {
        double w = fmax(0.5, 1e-3 * fabs(hi));
        lo -= w, hi += w;
    }
    for (size_t i = 0; i < n; i++) {
        if (!d->gcount[i]) continue;
        double rgb[3];
        dr_plot_colour(DR_PLOT_REWARD_MAP, d->gsum[i] / d->gcount[i], lo, hi, rgb);
        set_rgb(cr, rgb);
        cairo_rectangle(cr, (double)(i % d->gw) * CELL_PX, (double)(i / d->gw) * CELL_PX, CELL_PX,
                        CELL_PX);
        cairo_fill(cr);
    }
    /* The borders again, over the cells. */
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1.0);
    stroke_borders(cr, t, v);
    if (cells) {
        colour_bar(cr, DR_PLOT_REWARD_MAP, lo, hi, "mean reward");
        set_rgb(cr, INK);
        font(cr, 14, 0);
        textf(cr, 1190, 62, 1, "cells of %d px (%.2f m)", CELL_PX, CELL_PX / v->scale);
    }
    int rc = save_png(s, cr, path, err);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    if (rc == RL_OK && out)
        fprintf(out, "%s: the reward by position, %zu cell%s\n", path, cells,
                cells == 1 ? "" : "s");
    return rc;
#undef PX
#undef PY
}

/* Read everything dr_plots_write draws from into d (allocated here, freed
 * by data_free whatever the outcome), in the view v of track t. */
static int read_run(plot_data *d, const dr_track *t, const char *dir, dr_plot_view *v,
                    int *have_eval, rl_error *err)
{
    memset(d, 0, sizeof *d);
    d->race_time = d->ev_progress = d->ev_completion = d->ev_lap_time = NAN;
    dr_plot_view_of(t, v);
    d->gw = DR_PLOT_W / CELL_PX, d->gh = DR_PLOT_H / CELL_PX;
    d->gsum = calloc(d->gw * d->gh, sizeof *d->gsum);
    d->gcount = calloc(d->gw * d->gh, sizeof *d->gcount);
    if (!d->gsum || !d->gcount)
        return rl_error_set(err, RL_ENOMEM, "pictures of %s: out of memory", dir);
    char path[4400];
    int rc;
    snprintf(path, sizeof path, "%s/progress.csv", dir);
    rc = read_progress(d, path, err);
    if (rc == RL_OK) {
        snprintf(path, sizeof path, "%s/eval.csv", dir);
        rc = read_eval_csv(d, path, err);
    }
    if (rc == RL_OK) {
        snprintf(path, sizeof path, "%s/raceline.csv", dir);
        rc = read_raceline(d, path, err);
    }
    *have_eval = 0;
    if (rc == RL_OK && find_eval_trace(dir, path, sizeof path)) {
        *have_eval = 1;
        rc = read_eval_trace(d, path, err);
    }
    for (size_t k = 0; rc == RL_OK && k < MAX_ITER_FILES; k++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/training-simtrace/%zu-iteration.csv", dir, k);
        if (stat(path, &st) != 0) break;
        rc = read_training_trace(d, path, (double)k + 1, v, t->length, err);
    }
    return rc;
}

int dr_plots_read(const dr_track *t, const char *dir, rl_error *err)
{
    plot_data d;
    dr_plot_view v;
    int have_eval;
    int rc = read_run(&d, t, dir, &v, &have_eval, err);
    data_free(&d);
    return rc;
}

int dr_plots_write(const dr_track *t, const char *track_name, const char *dir, FILE *out,
                   rl_error *err)
{
    keep_cairo_loaded();
    plot_data d;
    dr_plot_view v;
    int have_eval;
    char path[4400];
    int rc = read_run(&d, t, dir, &v, &have_eval, err);
    if (rc == RL_OK) {
        snprintf(path, sizeof path, "%s/track.png", dir);
        rc = draw_track_png(&d, t, track_name, &v, path, out, err);
    }
    if (rc == RL_OK) {
        snprintf(path, sizeof path, "%s/learning.png", dir);
        rc = draw_learning_png(&d, track_name, path, out, err);
    }
    if (rc == RL_OK) {
        snprintf(path, sizeof path, "%s/reward.png", dir);
        rc = draw_reward_png(&d, t, track_name, &v, path, out, err);
    }
    if (rc == RL_OK && out && !have_eval)
        fprintf(out, "note: %s has no evaluation trace, so track.png shows no laps: run with "
                "--trace (or [run] trace = true) to draw them\n", dir);
    if (rc == RL_OK && out && d.ntr == 0)
        fprintf(out, "note: %s has no training traces, so learning.png shows only the return "
                "and reward.png no rewards: run with --trace (or [run] trace = true)\n", dir);
    data_free(&d);
    return rc;
}

#endif /* RL_HAVE_CAIRO */

int dr_write_plots(const void *state, rl_config *cfg, const char *dir, FILE *out, rl_error *err)
{
    const dr_env *e = state;
    /* Evaluation drives the first track of the list. */
    const dr_track *t = e->ncourses ? &e->courses[0].track : &e->track;
    const char *track = "track";
    if (cfg && rl_config_get_string(cfg, "deepracer", "track", &track) != RL_OK) track = "track";
    char name[256];
    dr_plot_track_title(track, name, sizeof name);
    return dr_plots_write(t, name, dir, out, err);
}
