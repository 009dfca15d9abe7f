/* Tests for the deepracer plugin's pictures of a run (plugins/deepracer/
 * plots.c): a run directory built here with known trace rows on the oval
 * track is drawn, each PNG decoded and checked (size; every pixel of a
 * lap's path on the road; the colour of known segments and cells; the road
 * beside them), the output is the same on a second drawing, and every
 * malformed file is refused with its name and line. Built without cairo,
 * only the refusal is checked. */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RL_TEST_TMPDIR "/tmp/rl_test_plots_XXXXXX"
#include "testutil.h"

#include "plots.h"
#include "track.h"

#ifdef RL_HAVE_CAIRO
#include <cairo.h>
#include <dlfcn.h>
#endif

static dr_track oval;

static void load_oval(void)
{
    make_tmpdir();
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/envs/tracks/oval.csv", rl_test_srcdir());
    ck_assert_msg(dr_track_load(&oval, path, 0, err, sizeof err) == 0, "%s", err);
}

static void free_oval(void)
{
    dr_track_free(&oval);
    remove_tmpdir();
#ifdef RL_HAVE_CAIRO
    /* cairo keeps its toy fonts' fontconfig patterns, and fontconfig its
     * configuration, for the process's life; dropping them (fontconfig's
     * FcFini found at run time, cairo's dependency) lets valgrind's leak
     * check see only ours. */
    cairo_debug_reset_static_data();
    void (*fc_fini)(void);
    *(void **)&fc_fini = dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini) fc_fini();
#endif
}

/* Everything written to out by one call, as a string. */
typedef struct capture {
    char *text;
    size_t len;
    FILE *f;
} capture;

static FILE *capture_open(capture *c)
{
    memset(c, 0, sizeof *c);
    c->f = open_memstream(&c->text, &c->len);
    ck_assert_ptr_nonnull(c->f);
    return c->f;
}

static void capture_close(capture *c)
{
    fclose(c->f);
    c->f = NULL;
}

static void put_text(const char *path, const char *text) { put_file(path, text, strlen(text)); }

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

#ifdef RL_HAVE_CAIRO

/* ---- the fake run ----------------------------------------------------------- */

#define MAX_PTS 4000

/* The evaluation trace as the pictures read it back: each row's point and
 * the speed of the segment that ends there (NaN: no segment). */
static double ex[MAX_PTS], ey[MAX_PTS], ev[MAX_PTS];
static size_t en;
/* Each lap's time as the trace implies it: its last tstamp less its
 * prepare row's. */
static double lap_time[2];

/* A value as the file holds it: printed, then read back. */
static double as_written(char *buf, size_t len, const char *fmt, double v)
{
    snprintf(buf, len, fmt, v);
    return strtod(buf, NULL);
}

/* The track_len column of the rows written: the oval's length, or
 * another track's (training on several). */
static double row_track_len;

/* One trace row; the columns the simulator writes, in its order. */
static void trace_row(FILE *f, int episode, int step, double x, double y, double reward,
                      double progress, double tstamp, const char *status)
{
    fprintf(f, "%d,%d,%.4f,%.4f,0.0,0.00,1.00,0,%.4f,False,True,%.4f,0,%.2f,%.3f,%s,0.0,0,"
               "1796301636.864\n",
            episode, step, x, y, reward, progress, row_track_len, tstamp, status);
}

static const char trace_header[] =
    "episode,steps,X,Y,yaw,steer,throttle,action,reward,done,all_wheels_on_track,progress,"
    "closest_waypoint,track_len,tstamp,episode_status,pause_duration,obstacle_crash_counter,"
    "wall_clock\n";

/* A lap on the oval at `offset` metres left of the centre line, at
 * speed(s) m/s, from arc length 0 to the track's length: a prepare row,
 * then a row per 1/15 s. Appends the rows as read back to ex/ey/ev. */
static double *t_clock;
static void drive_lap(FILE *f, int episode, double offset, double (*speed)(double s))
{
    char b[64];
    double s = 0, t = *t_clock;
    int step = 1;
    size_t first = en;
    double t_first = 0, t_last = 0;
    while (s < oval.length - 0.05 && en < MAX_PTS) {
        double x, y, h;
        size_t seg;
        dr_track_point_at(&oval, s, &x, &y, &h, &seg);
        x += -sin(h) * offset, y += cos(h) * offset;
        const char *status = step == 1 ? "prepare" : "in_progress";
        double progress = 100 * s / oval.length;
        int last = s + speed(s) / 15.0 >= oval.length - 0.05;
        if (last) status = "lap_complete", progress = 100;
        trace_row(f, episode, step, x, y, 1.0, progress, t, status);
        ex[en] = as_written(b, sizeof b, "%.4f", x);
        ey[en] = as_written(b, sizeof b, "%.4f", y);
        double tw = as_written(b, sizeof b, "%.3f", t);
        if (en == first) t_first = tw;
        t_last = tw;
        if (en <= first + 1) {
            ev[en] = NAN; /* the prepare row, and the row after it where the car stood */
        } else {
            double tp = as_written(b, sizeof b, "%.3f", t - 1.0 / 15);
            ev[en] = hypot(ex[en] - ex[en - 1], ey[en] - ey[en - 1]) / (tw - tp);
        }
        en++;
        if (step > 1) s += speed(s) / 15.0;
        t += 1.0 / 15;
        step++;
    }
    *t_clock = t;
    lap_time[episode] = t_last - t_first;
}

static double rising(double s) { return 1.0 + 2.0 * s / oval.length; }
static double steady(double s) { return (void)s, 2.0; }

/* Known training rows: reward 1 at point A, 3 at point B (and one prepare
 * row, which carries no reward, at B with reward 50). */
static const double ax = 0.0, ay = 0.0, bx = 0.0, by = 3.2;

static void make_run(const char *dir, int with_traces)
{
    char p[1024];
    row_track_len = oval.length;
    snprintf(p, sizeof p, "%s/progress.csv", dir);
    put_text(p, "iteration,env_steps,episodes,mean_return,mean_length\n"
                "1,100,2,10.5,50\n2,200,2,nan,0\n3,300,2,30.25,50\n4,400,0,,\n");
    snprintf(p, sizeof p, "%s/eval.csv", dir);
    put_text(p, "episode,return,length,terminated,truncated,lap_time,progress,off_track_count,"
                "complete\n1,200,200,1,0,10.5,100,0,1\n2,210,210,1,0,11.5,100,0,1\n");
    /* The race line: the centre line at 1.5 m/s. */
    snprintf(p, sizeof p, "%s/raceline.csv", dir);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("x,y,speed,extra\n", f);
    for (size_t i = 0; i <= oval.n; i++) fprintf(f, "%.6f,%.6f,1.5,0\n", oval.cx[i], oval.cy[i]);
    ck_assert_int_eq(fclose(f), 0);
    if (!with_traces) return;

    snprintf(p, sizeof p, "%s/evaluation-20260101000000", dir);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/evaluation-20260101000000/evaluation-simtrace", dir);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/evaluation-20260101000000/evaluation-simtrace/0-iteration.csv", dir);
    f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(trace_header, f);
    double clock = 0;
    t_clock = &clock;
    en = 0;
    drive_lap(f, 0, 0.2, rising);
    drive_lap(f, 1, -0.2, steady);
    ck_assert_int_eq(fclose(f), 0);
    /* An older evaluation, which the pictures must not use. */
    snprintf(p, sizeof p, "%s/evaluation-20250101000000", dir);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/evaluation-20250101000000/evaluation-simtrace", dir);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/evaluation-20250101000000/evaluation-simtrace/0-iteration.csv", dir);
    put_text(p, "garbage\n");

    snprintf(p, sizeof p, "%s/training-simtrace", dir);
    ck_assert_int_eq(mkdir(p, 0777), 0);
    for (int k = 0; k < 2; k++) {
        snprintf(p, sizeof p, "%s/training-simtrace/%d-iteration.csv", dir, k);
        f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fputs(trace_header, f);
        /* Episode 2k: completes the lap in 2 + k seconds (30 + 15k rows
         * after its prepare row); episode 2k + 1 reaches 40% and goes off
         * track. Rewards at A and B only. */
        trace_row(f, 2 * k, 1, bx, by, 50, 0, 0, "prepare");
        int rows = 30 + 15 * k;
        for (int i = 1; i <= rows; i++)
            trace_row(f, 2 * k, i + 1, i % 2 ? ax : bx, i % 2 ? ay : by, i % 2 ? 1 : 3,
                      i == rows ? 100 : 50, i / 15.0, i == rows ? "lap_complete" : "in_progress");
        trace_row(f, 2 * k + 1, 1, ax, ay, 0, 0, 100, "prepare");
        trace_row(f, 2 * k + 1, 2, ax, ay, 1, 40, 100 + 1 / 15.0, "off_track");
        /* An episode on another track (track = oval, technical): counted
         * in the learning curve, but its rewards are not the oval's. */
        row_track_len = 31.86;
        trace_row(f, 2 * k + 2, 1, ax, ay, 0, 0, 200, "prepare");
        trace_row(f, 2 * k + 2, 2, 2.0, 0.0, 7, 40, 200 + 1 / 15.0, "off_track");
        row_track_len = oval.length;
        ck_assert_int_eq(fclose(f), 0);
    }
}

/* ---- decoding ----------------------------------------------------------------- */

typedef struct image {
    cairo_surface_t *s;
    unsigned char *data;
    int w, h, stride;
} image;

static void image_load(image *im, const char *path)
{
    im->s = cairo_image_surface_create_from_png(path);
    ck_assert_msg(cairo_surface_status(im->s) == CAIRO_STATUS_SUCCESS, "%s: %s", path,
                  cairo_status_to_string(cairo_surface_status(im->s)));
    im->w = cairo_image_surface_get_width(im->s);
    im->h = cairo_image_surface_get_height(im->s);
    im->stride = cairo_image_surface_get_stride(im->s);
    im->data = cairo_image_surface_get_data(im->s);
    ck_assert_int_eq(im->w, DR_PLOT_W);
    ck_assert_int_eq(im->h, DR_PLOT_H);
}

static void pixel(const image *im, int x, int y, int rgb[3])
{
    ck_assert(x >= 0 && y >= 0 && x < im->w && y < im->h);
    uint32_t v;
    memcpy(&v, im->data + (size_t)y * (size_t)im->stride + 4 * (size_t)x, 4);
    rgb[0] = (int)(v >> 16 & 255), rgb[1] = (int)(v >> 8 & 255), rgb[2] = (int)(v & 255);
}

/* The pixel at world (x, y) has colour c (0..1) within tol levels. */
static void check_colour_at(const image *im, const dr_plot_view *v, double x, double y,
                            const double c[3], int tol, const char *what)
{
    int px = (int)floor(v->ox + v->scale * x), py = (int)floor(v->oy - v->scale * y), rgb[3];
    pixel(im, px, py, rgb);
    for (int k = 0; k < 3; k++)
        ck_assert_msg(abs(rgb[k] - (int)lround(c[k] * 255)) <= tol,
                      "%s at (%.3f, %.3f) = pixel (%d, %d): (%d, %d, %d), expected (%ld, %ld, %ld)",
                      what, x, y, px, py, rgb[0], rgb[1], rgb[2], lround(c[0] * 255),
                      lround(c[1] * 255), lround(c[2] * 255));
}

static const double road[3] = {0.42, 0.42, 0.42};

/* ---- tests -------------------------------------------------------------------- */

START_TEST(test_pictures)
{
    make_run(tmpdir, 1);
    capture out;
    rl_error err = {0};
    int rc = dr_plots_write(&oval, "oval", tmpdir, capture_open(&out), &err);
    capture_close(&out);
    ck_assert_msg(rc == RL_OK, "%s", err.msg);
    /* The laps' times; the race line's: the centre line's length at 1.5
     * m/s. */
    char want[256];
    snprintf(want, sizeof want, "track.png: the track, 2 evaluation laps (%.2f s, %.2f s) and the "
             "race line (%.2f s)\n", lap_time[0], lap_time[1], oval.length / 1.5);
    ck_assert_msg(strstr(out.text, want) != NULL, "'%s' lacks '%s'", out.text, want);
    /* ... which are those of the speeds driven: the integral of ds / v
     * over the lap (L ln 3 / 2 from 1 to 3 m/s; L / 2 at 2 m/s), within a
     * step and the prepare step. */
    ck_assert_double_eq_tol(lap_time[0], oval.length * log(3.0) / 2, 0.15);
    ck_assert_double_eq_tol(lap_time[1], oval.length / 2, 0.15);
    /* Training iteration 2 (training-simtrace/1-iteration.csv): episodes
     * of best progress 100, 40 and 40 (on another track), one lap
     * completed in 45 steps, 3 s. */
    ck_assert_ptr_nonnull(strstr(out.text, "learning.png: the learning curve, 4 iterations; "
                                           "iteration 2 of the traces: progress 60.0%, "
                                           "completion 33%, lap time 3.00 s\n"));
    ck_assert_ptr_nonnull(strstr(out.text, "reward.png: the reward by position, 2 cells"));
    ck_assert_ptr_null(strstr(out.text, "note:"));
    free(out.text);

    dr_plot_view v;
    dr_plot_view_of(&oval, &v);
    /* The oval (9.267 x 4.267 m between its outer borders) fills the map
     * area's width, 980 px, centred in its height. */
    ck_assert_double_eq_tol(v.scale, (DR_PLOT_MAP_X1 - DR_PLOT_MAP_X0) / 9.267, 1e-9);
    ck_assert_double_eq_tol(v.ox - v.scale * 4.6335, DR_PLOT_MAP_X0, 1e-9);
    ck_assert_double_eq_tol((v.oy - v.scale * 3.7335 + v.oy + v.scale * 0.5335) / 2,
                            (DR_PLOT_MAP_Y0 + DR_PLOT_MAP_Y1) / 2, 1e-9);

    image im;
    image_load(&im, in_tmp("track.png"));
    /* The speed scale: the laps' speeds, rounded out to 0.5 m/s. */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < en; i++)
        if (!isnan(ev[i])) lo = fmin(lo, ev[i]), hi = fmax(hi, ev[i]);
    ck_assert_msg(lo > 0.85 && lo < 1.0 && hi > 2.9 && hi < 3.0, "speeds %g to %g", lo, hi);
    double a, b;
    dr_plot_speed_scale(lo, hi, &a, &b);
    ck_assert_double_eq(a, 0.5);
    ck_assert_double_eq(b, 3.0);
    /* Every 7th segment of both laps: its middle is the colour of its
     * speed, and the road 0.17 m further out (between the lap and the
     * border) is road. */
    int checked = 0;
    for (size_t i = 1; i < en; i += 7) {
        if (isnan(ev[i])) continue;
        if (hypot(ex[i] - ex[i - 1], ey[i] - ey[i - 1]) * v.scale < 4) continue;
        double c[3], mx = (ex[i] + ex[i - 1]) / 2, my = (ey[i] + ey[i - 1]) / 2;
        dr_plot_colour(DR_PLOT_SPEED_MAP, ev[i], a, b, c);
        check_colour_at(&im, &v, mx, my, c, 2, "lap path");
        dr_proj pr;
        dr_track_project(&oval, mx, my, DR_NO_HINT, &pr);
        double nx = (mx - pr.px) / pr.dist, ny = (my - pr.py) / pr.dist;
        check_colour_at(&im, &v, pr.px + nx * 0.37, pr.py + ny * 0.37, road, 1,
                        "road beside the lap");
        checked++;
    }
    ck_assert_int_gt(checked, 40);
    /* Every pixel of a lap's colours (saturated: the road, borders, centre
     * line, race line and background are all grey or nearly) lies on the
     * road, and there are many. */
    size_t coloured = 0, off = 0;
    for (int y = (int)DR_PLOT_MAP_Y0; y < (int)DR_PLOT_MAP_Y1; y++)
        for (int x = (int)DR_PLOT_MAP_X0; x < (int)DR_PLOT_MAP_X1; x++) {
            int rgb[3];
            pixel(&im, x, y, rgb);
            int mx = rgb[0] > rgb[1] ? rgb[0] : rgb[1], mn = rgb[0] < rgb[1] ? rgb[0] : rgb[1];
            mx = mx > rgb[2] ? mx : rgb[2], mn = mn < rgb[2] ? mn : rgb[2];
            if (mx - mn < 40) continue;
            coloured++;
            double wx = (x + 0.5 - v.ox) / v.scale, wy = (v.oy - (y + 0.5)) / v.scale;
            if (!dr_track_on_road(&oval, wx, wy, DR_NO_HINT)) off++;
        }
    ck_assert_uint_gt(coloured, 10000);
    ck_assert_uint_eq(off, 0);
    /* The race line (black) runs along the centre line, between the laps. */
    int rx = (int)floor(v.ox + v.scale * (oval.cx[3] + 0.01)), ry = (int)floor(v.oy - v.scale * oval.cy[3]);
    int darkest = 255;
    for (int dy = -1; dy <= 1; dy++) {
        int rgb[3];
        pixel(&im, rx, ry + dy, rgb);
        int m = rgb[0] > rgb[1] ? rgb[0] : rgb[1];
        m = m > rgb[2] ? m : rgb[2];
        if (m < darkest) darkest = m;
    }
    ck_assert_int_lt(darkest, 30);
    cairo_surface_destroy(im.s);

    /* reward.png: cell A's mean reward is 1 (the low end of viridis),
     * cell B's 3 (the high end); the prepare row's 50 counts nowhere, nor
     * the other track's 7 (a third cell). */
    image_load(&im, in_tmp("reward.png"));
    double c[3];
    for (int k = 0; k < 2; k++) {
        double wx = k ? bx : ax, wy = k ? by : ay;
        dr_plot_colour(DR_PLOT_REWARD_MAP, k ? 3 : 1, 1, 3, c);
        int cx = (int)floor((v.ox + v.scale * wx) / 8), cy = (int)floor((v.oy - v.scale * wy) / 8);
        int rgb[3];
        pixel(&im, cx * 8 + 4, cy * 8 + 4, rgb);
        for (int j = 0; j < 3; j++) ck_assert_int_le(abs(rgb[j] - (int)lround(c[j] * 255)), 2);
    }
    cairo_surface_destroy(im.s);

    image_load(&im, in_tmp("learning.png"));
    cairo_surface_destroy(im.s);

    /* The same files give the same pictures, byte for byte. */
    size_t n1, n2;
    unsigned char *first[3];
    const char *names[3] = {"track.png", "learning.png", "reward.png"};
    size_t len[3];
    for (int k = 0; k < 3; k++) first[k] = rl_test_slurp(in_tmp(names[k]), &len[k]);
    ck_assert_int_eq(dr_plots_write(&oval, "oval", tmpdir, NULL, &err), RL_OK);
    for (int k = 0; k < 3; k++) {
        unsigned char *again = rl_test_slurp(in_tmp(names[k]), &n2);
        n1 = len[k];
        ck_assert_uint_eq(n1, n2);
        ck_assert_msg(memcmp(first[k], again, n1) == 0, "%s differs", names[k]);
        free(again);
        free(first[k]);
    }
    /* No temporary file is left behind. */
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) ck_assert_ptr_null(strstr(e->d_name, ".tmp"));
    closedir(d);
}
END_TEST

/* Training figures per iteration, as learning.png plots them, are checked
 * through the lap times the traces imply: a run without traces draws the
 * return only and says so. */
START_TEST(test_no_traces)
{
    make_run(tmpdir, 0);
    capture out;
    rl_error err = {0};
    int rc = dr_plots_write(&oval, "oval", tmpdir, capture_open(&out), &err);
    capture_close(&out);
    ck_assert_msg(rc == RL_OK, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(out.text, "track.png: the track, 0 evaluation laps and the race line ("));
    ck_assert_ptr_nonnull(strstr(out.text, "(return only: no training traces)"));
    ck_assert_ptr_nonnull(strstr(out.text, "note: "));
    ck_assert_ptr_nonnull(strstr(out.text, "has no evaluation trace"));
    ck_assert_ptr_nonnull(strstr(out.text, "has no training traces"));
    free(out.text);
    image im;
    image_load(&im, in_tmp("track.png"));
    cairo_surface_destroy(im.s);
}
END_TEST

/* Each malformed file: the error names the file (and line), and no
 * picture is written. */
static const struct bad {
    const char *file, *text, *code_name, *want;
    int code;
} bad[] = {
    {"progress.csv", "iteration,mean_return\n1,abc\n", "", "progress.csv:2: bad number 'abc' in column 'mean_return'", RL_EFORMAT},
    {"progress.csv", "iteration,return\n1,2\n", "", "progress.csv:1: no column 'mean_return'", RL_EFORMAT},
    {"progress.csv", "iteration,mean_return\n1,2,3\n", "", "progress.csv:2: 3 fields where the header has 2", RL_EFORMAT},
    {"progress.csv", "iteration,mean_return\n1.5,2\n", "", "progress.csv:2: column 'iteration': 1.5 is not an iteration", RL_EFORMAT},
    {"progress.csv", "iteration,mean_return\n1,inf\n", "", "progress.csv:2: bad number 'inf' in column 'mean_return'", RL_EFORMAT},
    {"progress.csv", "", "", "progress.csv:1: empty file: no header", RL_EFORMAT},
    {"eval.csv", "episode,lap_time,complete\n1,x,1\n", "", "eval.csv:2: bad number 'x' in column 'lap_time'", RL_EFORMAT},
    {"raceline.csv", "y,x,speed\n1,2,3\n", "", "raceline.csv:1: the header must begin with x,y,speed", RL_EFORMAT},
    {"raceline.csv", "x,y,speed\n1,2,3\n1,2,-1\n", "", "raceline.csv:3: speed -1 m/s is outside [0.01, 100]", RL_EFORMAT},
    {"raceline.csv", "x,y,speed\n1,2,3\n", "", "raceline.csv: fewer than two points", RL_EFORMAT},
    {"training-simtrace/0-iteration.csv", "episode,steps,X,Y,reward,progress,tstamp,episode_status\n0,1,0,0,1,0,0,prepare\n0,2,nan,0,1,0,0,in_progress\n", "", "0-iteration.csv:3: bad number 'nan' in column 'X'", RL_EFORMAT},
    {"training-simtrace/0-iteration.csv", "episode,steps,X,reward,progress,tstamp,episode_status\n", "", "0-iteration.csv:1: no column 'Y'", RL_EFORMAT},
    {"training-simtrace/0-iteration.csv", "episode,steps,X,Y,reward,progress,tstamp,episode_status\n0,1,0,0,2e5,0,0,in_progress\n", "", "0-iteration.csv:2: column 'reward': 2e5 is outside [-100000, 100000]", RL_EFORMAT},
    {"evaluation-1/evaluation-simtrace/0-iteration.csv", "episode,steps,X,Y,reward,progress,tstamp,episode_status\n0,1,0,0,1,0,0\n", "", "evaluation-1/evaluation-simtrace/0-iteration.csv:2: 7 fields where the header has 8", RL_EFORMAT},
    /* simtrace.h's limits, the replay's too: on positions, and on every
     * known column the trace has, needed for the pictures or not. */
    {"training-simtrace/0-iteration.csv", "episode,steps,X,Y,reward,progress,tstamp,episode_status\n0,1,1e300,0,1,0,0,prepare\n", "", "0-iteration.csv:2: column 'X': 1e300 is outside [-10000, 10000]", RL_EFORMAT},
    {"training-simtrace/0-iteration.csv", "episode,steps,X,Y,yaw,steer,reward,progress,tstamp,episode_status\n0,1,0,0,0,400,1,0,0,prepare\n", "", "0-iteration.csv:2: column 'steer': 400 is outside [-360, 360]", RL_EFORMAT},
    {"training-simtrace/0-iteration.csv", "episode,steps,X,Y,reward,progress,tstamp,episode_status\n-1,1,0,0,1,0,0,prepare\n", "", "0-iteration.csv:2: column 'episode': -1 is outside [0, 1e+12]", RL_EFORMAT},
    {"raceline.csv", "x,y,speed\n1,2,3\n1,\"2,5\n", "", "raceline.csv:3: the quoted field 2 is not closed before the end of the file", RL_EFORMAT},
};

START_TEST(test_bad_files)
{
    const struct bad *b = &bad[_i];
    make_run(tmpdir, 0);
    char p[1024];
    snprintf(p, sizeof p, "%s/training-simtrace", tmpdir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/evaluation-1", tmpdir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/evaluation-1/evaluation-simtrace", tmpdir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/%s", tmpdir, b->file);
    put_text(p, b->text);
    rl_error err = {0};
    int rc = dr_plots_write(&oval, "oval", tmpdir, NULL, &err);
    ck_assert_int_eq(rc, b->code);
    ck_assert_msg(strstr(err.msg, b->want) != NULL, "'%s' lacks '%s'", err.msg, b->want);
    ck_assert_msg(strstr(err.msg, tmpdir) != NULL, "'%s' does not name the directory", err.msg);
    ck_assert(!exists(in_tmp("track.png")));
    ck_assert(!exists(in_tmp("learning.png")));
    ck_assert(!exists(in_tmp("reward.png")));
}
END_TEST

START_TEST(test_missing_and_long)
{
    rl_error err = {0};
    /* No progress.csv: not a run directory. */
    ck_assert_int_eq(dr_plots_write(&oval, "oval", tmpdir, NULL, &err), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "progress.csv"));
    /* A line longer than 64 KiB. */
    size_t n = 70000;
    char *text = malloc(n + 40);
    strcpy(text, "iteration,mean_return\n1,");
    memset(text + strlen(text), '1', n);
    text[n + 24] = '\0';
    put_file(in_tmp("progress.csv"), text, strlen(text));
    free(text);
    ck_assert_int_eq(dr_plots_write(&oval, "oval", tmpdir, NULL, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "progress.csv:2: line longer than 65536 bytes"));
    /* A point far off the track (within simtrace.h's +-1e4 m) is drawn
     * nowhere, not an error. */
    make_run(tmpdir, 0);
    char p[1024];
    snprintf(p, sizeof p, "%s/evaluation-2", tmpdir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/evaluation-2/evaluation-simtrace", tmpdir);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/evaluation-2/evaluation-simtrace/0-iteration.csv", tmpdir);
    put_text(p, "episode,steps,X,Y,reward,progress,tstamp,episode_status\n"
                "0,1,0,0,1,0,0,prepare\n0,2,9999,-9999,1,0,0.067,in_progress\n"
                "0,3,0.1,0,1,1,0.133,in_progress\n");
    ck_assert_msg(dr_plots_write(&oval, "oval", tmpdir, NULL, &err) == RL_OK, "%s", err.msg);
}
END_TEST

#endif /* RL_HAVE_CAIRO */

START_TEST(test_colours)
{
    double c[3];
    dr_plot_colour(DR_PLOT_SPEED_MAP, 0.5, 0.5, 3.5, c); /* plasma's first stop */
    ck_assert_double_eq_tol(c[0], 0.050, 1e-12);
    ck_assert_double_eq_tol(c[2], 0.529, 1e-12);
    dr_plot_colour(DR_PLOT_SPEED_MAP, 9, 0.5, 3.5, c); /* clamped to the last */
    ck_assert_double_eq_tol(c[1], 0.976, 1e-12);
    dr_plot_colour(DR_PLOT_REWARD_MAP, 2, 1, 3, c); /* viridis' middle stop */
    ck_assert_double_eq_tol(c[0], 0.129, 1e-12);
    ck_assert_double_eq_tol(c[1], 0.569, 1e-12);
    dr_plot_colour(DR_PLOT_REWARD_MAP, 1.25, 1, 3, c); /* half-way between stops 0 and 1 */
    ck_assert_double_eq_tol(c[1], (0.004 + 0.322) / 2, 1e-12);
    double a, b;
    dr_plot_speed_scale(0.62, 0.98, &a, &b);
    ck_assert_double_eq(a, 0.5);
    ck_assert_double_eq(b, 1.0);
    dr_plot_speed_scale(1.0, 1.0, &a, &b);
    ck_assert_double_eq(a, 1.0);
    ck_assert_double_eq(b, 1.5);
}
END_TEST

#ifndef RL_HAVE_CAIRO
/* Without cairo: no pictures, and a message that says why. */
START_TEST(test_no_cairo)
{
    rl_error err = {0};
    ck_assert_int_eq(dr_plots_write(&oval, "oval", tmpdir, NULL, &err), RL_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "plots are off"));
    ck_assert_ptr_nonnull(strstr(err.msg, "cairo"));
    ck_assert(!exists(in_tmp("track.png")));
}
END_TEST
#endif

static Suite *plots_suite(void)
{
    Suite *s = suite_create("dr_plots");
    TCase *tc = tcase_create("plots");
    tcase_add_checked_fixture(tc, load_oval, free_oval);
    tcase_add_test(tc, test_colours);
#ifdef RL_HAVE_CAIRO
    tcase_add_test(tc, test_pictures);
    tcase_add_test(tc, test_no_traces);
    tcase_add_loop_test(tc, test_bad_files, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_missing_and_long);
#else
    tcase_add_test(tc, test_no_cairo);
#endif
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(plots_suite)
