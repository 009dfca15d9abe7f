/* The race line (plugins/deepracer/raceline.c): closed forms on a ring and
 * a stadium, the line inside the borders less half the car on every track
 * of ../shared/tracks and envs/tracks, determinism, the time over part of
 * a lap, the follow_raceline reward, the actions derived from the line and
 * their errors, the evaluation metrics, and the picture of the line (its
 * pixels on the line in the colours of the line's speeds).
 *
 * Every expected figure is computed from the car model's own limits
 * (dr_car_model_limits), never from constants written here, so the tests
 * hold when the model's constants change. */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#define _POSIX_C_SOURCE 200809L
#define RL_TEST_TMPDIR "/tmp/rl_test_raceline_XXXXXX"
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rl/rl.h>

#include "deepracer.h"
#include "plots.h"
#include "raceline.h"
#include "testutil.h"

#ifdef RL_HAVE_CAIRO
#include <cairo.h>
#include <dlfcn.h>
#endif

#define PI 3.14159265358979323846

/* A ring track of centre radius R and width W around (0, 0), rows
 * points, counter-clockwise (inner border on the driver's left). */
static void write_ring(const char *path, double R, double W, int rows)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# ring for test_raceline\ncenter_x,center_y,inner_x,inner_y,outer_x,outer_y\n", f);
    for (int i = 0; i <= rows; i++) {
        double a = 2 * PI * (i % rows) / rows - PI / 2, c = cos(a), s = sin(a);
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", R * c, R * s, (R - W / 2) * c,
                (R - W / 2) * s, (R + W / 2) * c, (R + W / 2) * s);
    }
    ck_assert_int_eq(fclose(f), 0);
}

static void load(dr_track *t, const char *path, int reversed)
{
    char msg[512];
    ck_assert_msg(dr_track_load(t, path, reversed, msg, sizeof msg) == 0, "%s", msg);
}

static void preset(dr_car_model *m, const char *name)
{
    ck_assert_int_eq(dr_car_model_preset(m, name), 0);
}

/* ---- closed forms --------------------------------------------------------------- */

/* On a ring the speed is constant round any circle, sqrt(a_lat r) where
 * the grip binds (v_max does not), so a lap of a circle of radius r takes
 * 2 pi r / sqrt(a_lat r) = 2 pi sqrt(r / a_lat): it falls with r. The
 * fastest circle is therefore the innermost one the car may take, radius
 * R - W/2 + clearance (clearance = width/2 + margin), as long as the
 * steering takes its curvature. Where v_max binds all round, the time is
 * the length over v_max, again least on the innermost circle.
 *
 * With the friction circle that circle is the fastest line, and the race
 * line is that circle. Without it, as in the car model, the car may
 * accelerate at full grip sideways, and a line a little off the circle,
 * faster where it curves less, gains up to a few percent (1.1% for sim2026
 * on a ring of 2 m): the lap time is at most the closed form's and within
 * 3% of it, and the line within 10 cm of the circle. */
static void ring_case(const char *model, double R, double W, int friction_circle)
{
    make_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/ring.csv", tmpdir);
    write_ring(path, R, W, 720);
    dr_track t;
    load(&t, path, 0);
    dr_car_model m;
    preset(&m, model);
    dr_car_limits lim;
    dr_car_model_limits(&m, &lim);
    dr_raceline rl;
    rl_error err = {0};
    dr_raceline_opts o;
    dr_raceline_opts_default(&o);
    o.friction_circle = friction_circle;
    ck_assert_int_eq(dr_raceline_compute(&rl, &t, &m, &o, &err), RL_OK);
    double c = 0.5 * lim.width + DR_RACELINE_MARGIN;
    ck_assert_double_eq_tol(rl.clearance, c, 1e-12);
    double r = R - 0.5 * W + c;
    ck_assert(1.0 / r <= dr_car_max_curvature(&m, lim.v_min)); /* the steering takes it */
    double v = sqrt(lim.a_lat * r), expect;
    if (v < lim.v_max) {
        ck_assert(1.0 / r <= dr_car_max_curvature(&m, v) * (1 + 1e-9));
        expect = 2 * PI * sqrt(r / lim.a_lat);
    } else {
        expect = 2 * PI * r / lim.v_max;
    }
    /* With the friction circle: the closed form within 1%. Without it the
     * line off the circle may only be faster, by a little. */
    if (friction_circle)
        ck_assert_msg(fabs(rl.lap_time / expect - 1) < 0.01,
                      "%s, R %g: lap %.5f s, closed form %.5f s", model, R, rl.lap_time, expect);
    else
        ck_assert_msg(rl.lap_time / expect < 1.001 && rl.lap_time / expect > 0.97,
                      "%s, R %g: lap %.5f s, closed form %.5f s", model, R, rl.lap_time, expect);
    printf("test_raceline: ring %s R %g%s: lap %.4f s, closed form %.4f s\n", model, R,
           friction_circle ? " (friction circle)" : "", rl.lap_time, expect);
    /* The line is that circle (5 mm: the points keep a little more than
     * the clearance for the chords between them), or near it. */
    for (size_t i = 0; i < rl.n; i++) {
        double d = hypot(rl.x[i], rl.y[i]) - r;
        ck_assert_msg(d > -1e-4 && d < (friction_circle ? 0.0055 : 0.10),
                      "point %zu at radius %g, not %g", i, hypot(rl.x[i], rl.y[i]), r);
    }
    dr_raceline_free(&rl);
    dr_track_free(&t);
    remove(path);
    remove_tmpdir();
}

START_TEST(test_ring_grip)
{
    /* Grip-limited all round: a ring of centre radius 2 m, 1 m wide. */
    ring_case("sim2026", 2.0, 1.0, 1);
    ring_case("sim2022", 2.0, 1.0, 1);
    ring_case("sim2026", 2.0, 1.0, 0);
    ring_case("sim2022", 2.0, 1.0, 0);
}
END_TEST

START_TEST(test_ring_top_speed)
{
    /* Wide enough that v_max binds: centre radius 8 m, 1.067 m wide. */
    dr_car_model m;
    preset(&m, "sim2026");
    dr_car_limits lim;
    dr_car_model_limits(&m, &lim);
    double r = 8.0 - 0.5 * 1.067 + 0.5 * lim.width + DR_RACELINE_MARGIN;
    ck_assert(sqrt(lim.a_lat * r) > lim.v_max);
    ring_case("sim2026", 8.0, 1.067, 0);
    ring_case("sim2026", 8.0, 1.067, 1);
}
END_TEST

/* A stadium path (straights of length S joined by semicircles of radius
 * r), timed by dr_raceline_path_time with the speed lag made negligible:
 * corners at sqrt(a_lat r), straights at full acceleration to v_max, a
 * cruise, full braking. */
START_TEST(test_stadium_profile)
{
    dr_car_model m;
    preset(&m, "sim2026");
    m.speed_tau = 1e-6; /* no lag: the acceleration limits alone */
    m.accel_max = 6.0;
    m.brake_max = 5.0;
    dr_car_model_update(&m);
    dr_car_limits lim;
    dr_car_model_limits(&m, &lim);
    const double S = 8.0, r = 1.2, h = 0.01;
    size_t ns = (size_t)lround(S / h), na = (size_t)lround(PI * r / h), n = 2 * (ns + na);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *v = malloc(n * sizeof *v);
    size_t k = 0;
    for (int half = 0; half < 2; half++) {
        /* The bottom straight (+x), the right semicircle, the top straight
         * (-x), the left semicircle. */
        for (size_t i = 0; i < ns; i++, k++) {
            double f = (double)i / (double)ns;
            x[k] = half ? S / 2 - S * f : -S / 2 + S * f;
            y[k] = half ? r : -r;
        }
        for (size_t i = 0; i < na; i++, k++) {
            double a = -PI / 2 + PI * (double)i / (double)na + (half ? PI : 0);
            x[k] = (half ? -S / 2 : S / 2) + r * cos(a);
            y[k] = r * sin(a);
        }
    }
    ck_assert_uint_eq(k, n);
    double t = dr_raceline_path_time(x, y, n, &m, 0, v);
    double vc = sqrt(lim.a_lat * r), vm = lim.v_max;
    ck_assert(vc < vm);
    double da = (vm * vm - vc * vc) / (2 * lim.a_accel), db = (vm * vm - vc * vc) / (2 * lim.a_brake);
    ck_assert(da + db < S);
    double straight = (vm - vc) / lim.a_accel + (vm - vc) / lim.a_brake + (S - da - db) / vm;
    double expect = 2 * (straight + PI * r / vc);
    ck_assert_msg(fabs(t / expect - 1) < 0.01, "stadium: %.5f s, closed form %.5f s", t, expect);
    /* Mid-corner and mid-straight speeds. */
    ck_assert_double_eq_tol(v[ns + na / 2], vc, 1e-3 * vc);
    ck_assert_double_eq_tol(v[ns / 2], vm, 1e-9);
    /* The friction circle only slows the lap. */
    ck_assert(dr_raceline_path_time(x, y, n, &m, 1, NULL) > t);
    free(x);
    free(y);
    free(v);
}
END_TEST

/* ---- every track: inside the borders, deterministic ------------------------------- */

static const char *const track_files[] = {
    "envs/tracks/technical.csv",  "envs/tracks/oval.csv",
    "@reinvent_base.npy",         "@Oval_track.npy",
    "@reInvent2019_track.npy",    "@Spain_track.npy",
    "@2022_reinvent_champ_ccw.npy", "@penbay_pro.npy",
};
#define N_TRACKS (sizeof track_files / sizeof *track_files)

/* The path of track i, or NULL when it is one of ../shared/tracks and that
 * directory is absent (as in a distribution tarball). */
static const char *track_path(size_t i, char *buf, size_t len)
{
    const char *f = track_files[i];
    if (f[0] != '@') {
        snprintf(buf, len, "%s/%s", rl_test_srcdir(), f);
        return buf;
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s/../shared/tracks", rl_test_srcdir());
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("test_raceline: %s is absent: skipping %s\n", dir, f + 1);
        return NULL;
    }
    snprintf(buf, len, "%s/%s", dir, f + 1);
    return buf;
}

static double border_distance(const dr_track *t, int side, double x, double y, size_t hint)
{
    double qx, qy;
    dr_track_side_point(t, side, 1.0, x, y, hint, &qx, &qy, NULL);
    return hypot(qx - x, qy - y);
}

START_TEST(test_tracks_inside)
{
    char buf[1024];
    /* Under valgrind, the project's technical track and the first official
     * one, both ways: the memory checks need no more (every track in the
     * normal and ASan passes). */
    if (rl_test_under_valgrind() && _i / 2 != 0 && _i / 2 != 2) return;
    const char *path = track_path((size_t)_i / 2, buf, sizeof buf);
    if (!path) return;
    int reversed = _i % 2;
    dr_track t;
    load(&t, path, reversed);
    dr_car_model m;
    preset(&m, "sim2026");
    dr_car_limits lim;
    dr_car_model_limits(&m, &lim);
    dr_raceline rl, again;
    rl_error err = {0};
    ck_assert_int_eq(dr_raceline_compute(&rl, &t, &m, NULL, &err), RL_OK);
    ck_assert_uint_eq(rl.pinched, 0);
    /* Some hairpins are tighter than the car turns at full lock (the 2022
     * championship and penbay tracks with sim2026): a few points, said. */
    ck_assert_msg(rl.too_tight * 25 < rl.n, "%zu of %zu points too tight", rl.too_tight, rl.n);
    /* Every point, and the middle of every segment, on the road and at
     * least half the car plus the margin from both borders (1 mm for the
     * chord between points). */
    const double need = 0.5 * lim.width + DR_RACELINE_MARGIN;
    double worst = INFINITY;
    for (size_t i = 0; i < rl.n; i++) {
        size_t j = (i + 1) % rl.n;
        for (int half = 0; half < 2; half++) {
            double x = half ? 0.5 * (rl.x[i] + rl.x[j]) : rl.x[i];
            double y = half ? 0.5 * (rl.y[i] + rl.y[j]) : rl.y[i];
            dr_proj pr;
            dr_track_project(&t, x, y, DR_NO_HINT, &pr);
            ck_assert_msg(dr_track_on_road(&t, x, y, pr.seg), "%s: point %zu off the road", path, i);
            for (int side = 0; side < 2; side++) {
                double d = border_distance(&t, side, x, y, pr.seg);
                if (d < worst) worst = d;
                ck_assert_msg(d > need - 5e-4, "%s%s: point %zu%s is %.4f m from the %s border",
                              path, reversed ? " reversed" : "", i, half ? ".5" : "", d,
                              side ? "right" : "left");
            }
        }
    }
    /* A lap: no faster than the length at top speed, and faster than the
     * centre line at the speed of its tightest point would allow. */
    ck_assert(rl.lap_time >= rl.length / lim.v_max - 1e-9);
    ck_assert(rl.lap_time < t.length / 1.0);
    ck_assert_double_eq_tol(rl.v_mean, rl.length / rl.lap_time, 1e-9);
    ck_assert(rl.v_max <= lim.v_max + 1e-12);
    /* The speeds are those of the path itself. */
    double *v = malloc(rl.n * sizeof *v);
    double tt = dr_raceline_path_time(rl.x, rl.y, rl.n, &m, 0, v);
    ck_assert_double_eq_tol(tt, rl.lap_time, 1e-9 * tt);
    for (size_t i = 0; i < rl.n; i++) ck_assert_double_eq_tol(v[i], rl.v[i], 1e-9);
    free(v);
    ck_assert_double_eq_tol(rl.t[rl.n - 1] + 2 * hypot(rl.x[0] - rl.x[rl.n - 1], rl.y[0] - rl.y[rl.n - 1]) /
                                                (rl.v[0] + rl.v[rl.n - 1]),
                            rl.lap_time, 1e-9);
    /* The whole lap by dr_raceline_time_over, from anywhere. */
    ck_assert_double_eq_tol(dr_raceline_time_over(&rl, 0, t.length), rl.lap_time, 1e-9);
    ck_assert_double_eq_tol(dr_raceline_time_over(&rl, 0.37 * t.length, t.length), rl.lap_time,
                            1e-9);
    double a = dr_raceline_time_over(&rl, 0.2 * t.length, 0.3 * t.length),
           b = dr_raceline_time_over(&rl, 0.5 * t.length, 0.7 * t.length);
    ck_assert_double_eq_tol(a + b, rl.lap_time, 1e-9);
    /* Deterministic, bit for bit. */
    ck_assert_int_eq(dr_raceline_compute(&again, &t, &m, NULL, &err), RL_OK);
    ck_assert_uint_eq(again.n, rl.n);
    ck_assert(again.lap_time == rl.lap_time);
    ck_assert_int_eq(memcmp(again.x, rl.x, rl.n * sizeof *rl.x), 0);
    ck_assert_int_eq(memcmp(again.v, rl.v, rl.n * sizeof *rl.v), 0);
    printf("test_raceline: %s%s: lap %.3f s, %.2f m, %zu points (%zu too tight), %.4f m from a "
           "border at least\n",
           path, reversed ? " (reversed)" : "", rl.lap_time, rl.length, rl.n, rl.too_tight, worst);
    dr_raceline_free(&again);
    dr_raceline_free(&rl);
    dr_track_free(&t);
}
END_TEST

START_TEST(test_options)
{
    char buf[1024];
    dr_track t;
    load(&t, track_path(0, buf, sizeof buf), 0);
    dr_car_model m;
    preset(&m, "sim2026");
    dr_raceline_opts o;
    dr_raceline_opts_default(&o);
    dr_raceline a, b, c;
    rl_error err = {0};
    ck_assert_int_eq(dr_raceline_compute(&a, &t, &m, &o, &err), RL_OK);
    /* A friction circle and a wider margin cost time; skipping the
     * refinement too. */
    o.friction_circle = 1;
    ck_assert_int_eq(dr_raceline_compute(&b, &t, &m, &o, &err), RL_OK);
    ck_assert(b.lap_time > a.lap_time);
    ck_assert_int_eq(b.friction_circle, 1);
    dr_raceline_free(&b);
    dr_raceline_opts_default(&o);
    o.margin = 0.1;
    ck_assert_int_eq(dr_raceline_compute(&b, &t, &m, &o, &err), RL_OK);
    ck_assert(b.lap_time > a.lap_time);
    ck_assert_double_eq_tol(b.clearance, a.clearance + 0.08, 1e-12);
    dr_raceline_opts_default(&o);
    o.refine = 0;
    ck_assert_int_eq(dr_raceline_compute(&c, &t, &m, &o, &err), RL_OK);
    ck_assert(c.lap_time >= a.lap_time);
    dr_raceline_free(&b);
    dr_raceline_free(&c);
    /* Bad options. */
    dr_raceline_opts_default(&o);
    o.spacing = 0;
    ck_assert_int_eq(dr_raceline_compute(&b, &t, &m, &o, &err), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "spacing 0"));
    ck_assert_ptr_null(b.mem);
    dr_raceline_free(&b);
    dr_raceline_free(NULL);
    /* A slower car is slower. */
    dr_car_model slow;
    preset(&slow, "sim2026");
    slow.a_lat_max *= 0.5;
    dr_car_model_update(&slow);
    ck_assert_int_eq(dr_raceline_compute(&b, &t, &slow, NULL, &err), RL_OK);
    ck_assert(b.lap_time > a.lap_time);
    dr_raceline_free(&b);
    dr_raceline_free(&a);
    dr_track_free(&t);
}
END_TEST

/* ---- the environment: follow_raceline, raceline:N, metrics ------------------------- */

typedef struct fixture {
    rl_config *cfg;
    rl_env *env;
    dr_env *e;
    double obs[256];
} fixture;

static int make(fixture *fx, const char *keys, rl_error *err)
{
    char ini[2048];
    snprintf(ini, sizeof ini, "[deepracer]\n%s\n", keys);
    fx->cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(fx->cfg, ini, "test.ini"), RL_OK);
    fx->env = rl_env_alloc(&rl_deepracer_env, fx->cfg, err);
    if (!fx->env) {
        rl_config_free(fx->cfg);
        return err->code;
    }
    fx->e = rl_env_state(fx->env);
    return RL_OK;
}

static void unmake(fixture *fx)
{
    rl_env_free(fx->env);
    rl_config_free(fx->cfg);
}

START_TEST(test_follow_raceline)
{
    fixture fx;
    rl_error err = {0};
    ck_assert_int_eq(make(&fx, "track = technical\nreward_function = follow_raceline", &err), RL_OK);
    dr_env *e = fx.e;
    ck_assert_ptr_nonnull(e->line); /* made at init for this reward */
    ck_assert_int_eq(e->preset, DR_REWARD_FOLLOW_RACELINE);
    ck_assert_int_eq(rl_env_reset_seeded(fx.env, 1, fx.obs), RL_OK);
    const dr_raceline *rl = e->line;
    double sum_on = 0, sum_off = 0, sum_slow = 0;
    int count = 0;
    for (size_t i = 0; i < rl->n; i += 7) {
        /* The car's origin on the line, heading along it: the reward point
         * is 0.14 m ahead. */
        double h = rl->heading[i];
        dr_env_set_pose(e, rl->x[i] + DR_POINT_AHEAD * cos(h), rl->y[i] + DR_POINT_AHEAD * sin(h),
                        h * 180 / PI, 1);
        double c = dr_car_command_for(&e->model, rl->v[i]);
        e->p.speed = c;
        double r = dr_reward_follow_raceline(rl, &e->model, &e->p);
        ck_assert_msg(r > 0.97 && r <= 1.0, "on the line at %zu: %g", i, r);
        sum_on += r;
        /* At half the line's speed command: pace 0.5, reward 0.75 of it. */
        e->p.speed = 0.5 * c;
        double rs = dr_reward_follow_raceline(rl, &e->model, &e->p);
        ck_assert_double_eq_tol(rs, 0.75 * r, 0.02);
        sum_slow += rs;
        /* 8 cm to the side of the line (to the side with room). */
        double side = rl->offset[i] > 0 ? -1 : 1, nx = -sin(h) * side, ny = cos(h) * side;
        dr_env_set_pose(e, rl->x[i] + 0.08 * nx + DR_POINT_AHEAD * cos(h),
                        rl->y[i] + 0.08 * ny + DR_POINT_AHEAD * sin(h), h * 180 / PI, 1);
        e->p.speed = c;
        double ro = dr_reward_follow_raceline(rl, &e->model, &e->p);
        double expect = 1 - 0.08 / (0.5 * e->p.track_width);
        ck_assert_msg(fabs(ro - expect) < 0.03, "8 cm off at %zu: %g, expected %g", i, ro, expect);
        sum_off += ro;
        count++;
    }
    ck_assert(sum_off < sum_on && sum_slow < sum_on);
    /* Off the track: 1e-3. */
    e->p.is_offtrack = 1;
    ck_assert_double_eq(dr_reward_follow_raceline(rl, &e->model, &e->p), 1e-3);
    /* Steps give rewards in [1e-3, 1]. */
    ck_assert_int_eq(rl_env_reset_seeded(fx.env, 2, fx.obs), RL_OK);
    double action = 4; /* straight ahead, the faster speed */
    for (int k = 0; k < 30; k++) {
        rl_step out;
        ck_assert_int_eq(rl_env_step(fx.env, &action, fx.obs, &out), RL_OK);
        if (k > 0) ck_assert(out.reward >= 1e-3 && out.reward <= 1.0);
        if (out.terminated || out.truncated) break;
    }
    unmake(&fx);
}
END_TEST

START_TEST(test_raceline_actions)
{
    fixture a, b;
    rl_error err = {0};
    ck_assert_int_eq(make(&a, "track = technical\nactions = raceline:7", &err), RL_OK);
    ck_assert_int_eq(make(&b, "track = technical\nactions = raceline:7", &err), RL_OK);
    ck_assert_uint_eq(a.e->nactions, 7);
    ck_assert_ptr_null(a.e->line); /* made only for follow_raceline or evaluation */
    double lo = INFINITY, hi = -INFINITY, fastest = 0;
    for (size_t i = 0; i < 7; i++) {
        /* Deterministic, sorted, within the limits, rounded. */
        ck_assert(a.e->steer[i] == b.e->steer[i] && a.e->speed[i] == b.e->speed[i]);
        if (i) ck_assert(a.e->steer[i] >= a.e->steer[i - 1]);
        ck_assert(fabs(a.e->steer[i]) <= DR_MAX_STEER);
        ck_assert(a.e->speed[i] >= DR_MIN_SPEED && a.e->speed[i] <= DR_MAX_SPEED);
        ck_assert_double_eq_tol(a.e->steer[i] * 10, nearbyint(a.e->steer[i] * 10), 1e-9);
        if (a.e->steer[i] < lo) lo = a.e->steer[i];
        if (a.e->steer[i] > hi) hi = a.e->steer[i];
        if (a.e->speed[i] > fastest) fastest = a.e->speed[i];
    }
    /* The technical track turns both ways, and has straights at full
     * speed. */
    ck_assert(lo < -5 && hi > 5);
    ck_assert(fastest > 3.0);
    /* The action space has those actions. */
    ck_assert_int_eq(rl_env_action_space(a.env)->n, 7);
    unmake(&a);
    unmake(&b);

    /* The derivation alone: k-means of the line's pairs. */
    char buf[1024];
    dr_track t;
    load(&t, track_path(0, buf, sizeof buf), 0);
    dr_car_model m;
    preset(&m, "sim2026");
    dr_raceline rl;
    ck_assert_int_eq(dr_raceline_compute(&rl, &t, &m, NULL, &err), RL_OK);
    double st[3], sp[3];
    ck_assert_int_eq(dr_raceline_actions(&rl, &m, 0, st, sp, &err), RL_EINVAL);
    /* One action: the time-weighted mean of the line's pairs. */
    ck_assert_int_eq(dr_raceline_actions(&rl, &m, 1, st, sp, &err), RL_OK);
    double ws = 0, wv = 0;
    for (size_t i = 0; i < rl.n; i++) {
        double dt = (i + 1 < rl.n ? rl.t[i + 1] : rl.lap_time) - rl.t[i];
        ws += dt * dr_car_steer_for(&m, rl.kappa[i], rl.v[i]) * 180 / PI;
        wv += dt * dr_car_command_for(&m, rl.v[i]);
    }
    ck_assert_double_eq_tol(st[0], ws / rl.lap_time, 0.05 + 1e-9);
    ck_assert_double_eq_tol(sp[0], wv / rl.lap_time, 0.005 + 1e-9);
    dr_raceline_free(&rl);
    dr_track_free(&t);
}
END_TEST

START_TEST(test_raceline_action_errors)
{
    static const char *const bad[] = {"raceline:0", "raceline:1", "raceline:65", "raceline:x",
                                      "raceline:", "raceline:3x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fixture fx;
        rl_error err = {0};
        char keys[256];
        snprintf(keys, sizeof keys, "track = technical\nactions = %s", bad[i]);
        ck_assert_int_eq(make(&fx, keys, &err), RL_EINVAL);
        ck_assert_msg(strstr(err.msg, "test.ini:3") && strstr(err.msg, "actions") &&
                          strstr(err.msg, bad[i]) && strstr(err.msg, "from 2 to 64"),
                      "%s: %s", bad[i], err.msg);
    }
    /* A track that is not there: the track key's message. */
    fixture fx;
    rl_error err = {0};
    ck_assert_int_eq(make(&fx, "track = nosuchtrack\nactions = raceline:5", &err), RL_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "track") && strstr(err.msg, "nosuchtrack"), "%s", err.msg);
}
END_TEST

START_TEST(test_eval_metrics)
{
    fixture fx;
    rl_error err = {0};
    ck_assert_int_eq(make(&fx, "track = technical\nnumber_of_resets = 0", &err), RL_OK);
    ck_assert_uint_eq(rl_env_metric_count(fx.env), 6);
    ck_assert_str_eq(rl_deepracer_env.metric_names[4], "raceline_time");
    ck_assert_str_eq(rl_deepracer_env.metric_names[5], "lap_time_ratio");
    ck_assert_ptr_null(fx.e->line);
    double v[6];
    dr_raceline_ratio(fx.e, 10.0, &v[0], &v[1]);
    ck_assert(v[0] == 0 && v[1] == 0); /* no line in training */
    ck_assert_int_eq(rl_env_set_evaluation(fx.env, 1), RL_OK);
    ck_assert_ptr_nonnull(fx.e->line);
    const dr_raceline *line = fx.e->line;
    ck_assert_int_eq(rl_env_reset_seeded(fx.env, 1, fx.obs), RL_OK);
    /* A complete lap from the standing start: its time over the line's
     * from rest, which loses what accelerating from 0 costs. */
    ck_assert_int_eq(fx.e->lap_from_rest, 1);
    fx.e->status = DR_LAP_COMPLETE;
    double rest = dr_raceline_time_from_rest(line, &fx.e->model, fx.e->s0,
                                             fx.e->track.length);
    ck_assert(rest > line->lap_time + 0.05 && rest < line->lap_time + 1.0);
    dr_raceline_ratio(fx.e, 2 * rest, &v[0], &v[1]);
    ck_assert_double_eq(v[0], rest);
    ck_assert_double_eq_tol(v[1], 2.0, 1e-12);
    /* A flying lap (a continuous evaluation's second): the line's lap. */
    fx.e->lap_from_rest = 0;
    dr_raceline_ratio(fx.e, 2 * line->lap_time, &v[0], &v[1]);
    ck_assert_double_eq(v[0], line->lap_time);
    ck_assert_double_eq_tol(v[1], 2.0, 1e-12);
    /* Half a flying lap: over the line's time for that half. */
    fx.e->status = DR_OFF_TRACK;
    fx.e->max_progress = 50;
    double half = dr_raceline_time_over(line, fx.e->s0, 0.5 * fx.e->track.length);
    dr_raceline_ratio(fx.e, 1.5 * half, &v[0], &v[1]);
    ck_assert_double_eq_tol(v[1], 1.5, 1e-12);
    fx.e->lap_from_rest = 1;
    fx.e->max_progress = 0;
    dr_raceline_ratio(fx.e, 3.0, &v[0], &v[1]);
    ck_assert_double_eq(v[1], 0);
    /* An episode's metrics carry them. */
    double action = 4;
    rl_step out = {0};
    for (int k = 0; k < 2000 && !out.terminated && !out.truncated; k++)
        ck_assert_int_eq(rl_env_step(fx.env, &action, fx.obs, &out), RL_OK);
    double m[6];
    rl_env_metrics(fx.env, m);
    /* The line's lap from rest for a complete lap, its flying lap else. */
    ck_assert_double_eq(m[4], fx.e->status == DR_LAP_COMPLETE ? rest : line->lap_time);
    ck_assert(m[5] > 0);
    unmake(&fx);
}
END_TEST

/* ---- the picture ------------------------------------------------------------------ */

#ifdef RL_HAVE_CAIRO
/* cairo's toy fonts keep fontconfig's patterns for the process's life;
 * dropping them lets valgrind's leak check see only ours (as
 * test_dr_plots.c does). */
static void release_fonts(void)
{
    cairo_debug_reset_static_data();
    void (*fc_fini)(void);
    *(void **)&fc_fini = dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini) fc_fini();
}

/* The pixel (x, y) of an RGB24 surface, 0..255 each. */
static void pixel_at(cairo_surface_t *s, int x, int y, int rgb[3])
{
    ck_assert(x >= 0 && y >= 0 && x < DR_PLOT_W && y < DR_PLOT_H);
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v;
    memcpy(&v, d + (size_t)y * (size_t)cairo_image_surface_get_stride(s) + 4 * (size_t)x, 4);
    rgb[0] = (int)(v >> 16 & 255), rgb[1] = (int)(v >> 8 & 255), rgb[2] = (int)(v & 255);
}
#endif

/* rlrun --raceline's picture: decoded, every 5th point of the line (and
 * the last, where the closing segment starts) is the colour of the speed
 * of the segment drawn last over it, the one leaving it: the 3 px round
 * cap covers the pixel whole, so the colour is exact; none of those
 * pixels is road or background. The same line gives the same bytes; an
 * unwritable path is an error naming it with no file left. */
START_TEST(test_raceline_png)
{
    make_tmpdir();
    char buf[1024];
    dr_track t;
    load(&t, track_path(0, buf, sizeof buf), 0);
    dr_car_model m;
    preset(&m, "sim2026");
    dr_raceline rl;
    rl_error err = {0};
    ck_assert_int_eq(dr_raceline_compute(&rl, &t, &m, NULL, &err), RL_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/line.png", tmpdir);
    int rc = dr_raceline_write_png(&rl, &t, "technical", path, &err);
#ifdef RL_HAVE_CAIRO
    ck_assert_msg(rc == RL_OK, "%s", err.msg);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    ck_assert_int_eq(cairo_image_surface_get_width(s), 1200);
    ck_assert_int_eq(cairo_image_surface_get_height(s), 900);
    dr_plot_view v;
    dr_plot_view_of(&t, &v);
    double lo, hi;
    dr_plot_speed_scale(rl.v_min, rl.v_max, &lo, &hi);
    /* sim2026 on the technical track: from under 2 m/s to the top speed. */
    ck_assert_double_eq(hi, 4.0);
    ck_assert(lo >= 1.0 && lo <= 2.0);
    static const int road[3] = {107, 107, 107}, bg[3] = {243, 244, 239};
    size_t checked = 0, slow = 0, fast = 0;
    for (size_t i = 0; i < rl.n; i += (i + 5 < rl.n || i == rl.n - 1) ? 5 : rl.n - 1 - i) {
        int px = (int)floor(v.ox + v.scale * rl.x[i]), py = (int)floor(v.oy - v.scale * rl.y[i]);
        int rgb[3];
        pixel_at(s, px, py, rgb);
        double speed = rl.v[(i + 1) % rl.n], c[3];
        dr_plot_colour(DR_PLOT_SPEED_MAP, speed, lo, hi, c);
        int far_road = 0, far_bg = 0;
        for (int k = 0; k < 3; k++) {
            ck_assert_msg(abs(rgb[k] - (int)lround(c[k] * 255)) <= 2,
                          "point %zu (%.3f, %.3f) = pixel (%d, %d): (%d, %d, %d), expected the "
                          "colour of %.3f m/s (%ld, %ld, %ld)",
                          i, rl.x[i], rl.y[i], px, py, rgb[0], rgb[1], rgb[2], speed,
                          lround(c[0] * 255), lround(c[1] * 255), lround(c[2] * 255));
            far_road |= abs(rgb[k] - road[k]) > 30;
            far_bg |= abs(rgb[k] - bg[k]) > 30;
        }
        ck_assert(far_road && far_bg);
        checked++;
        slow += speed < lo + 0.25 * (hi - lo);
        fast += speed > hi - 0.25 * (hi - lo);
    }
    /* Both ends of the scale are on the picture. */
    ck_assert_uint_ge(checked, rl.n / 5);
    ck_assert_uint_gt(slow, 3);
    ck_assert_uint_gt(fast, 10);
    /* Half-way between the line and the centre line, where they are more
     * than 0.2 m apart (about 20 px), away from the start line: road. */
    size_t j = rl.n / 4;
    while (j < rl.n && fabs(rl.offset[j]) <= 0.2) j++;
    ck_assert_uint_lt(j, rl.n);
    double h = rl.heading[j], half = rl.offset[j] / 2;
    double sx = rl.x[j] + sin(h) * half, sy = rl.y[j] - cos(h) * half;
    int rgb[3];
    pixel_at(s, (int)floor(v.ox + v.scale * sx), (int)floor(v.oy - v.scale * sy), rgb);
    for (int k = 0; k < 3; k++) ck_assert_int_le(abs(rgb[k] - road[k]), 1);
    cairo_surface_destroy(s);
    /* The same bytes again. */
    size_t n1, n2;
    unsigned char *a = rl_test_slurp(path, &n1);
    ck_assert_int_eq(dr_raceline_write_png(&rl, &t, "technical", path, &err), RL_OK);
    unsigned char *b = rl_test_slurp(path, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(a, b, n1), 0);
    free(a);
    free(b);
    /* A folder that is not there. */
    snprintf(path, sizeof path, "%s/nosuchdir/line.png", tmpdir);
    ck_assert_int_eq(dr_raceline_write_png(&rl, &t, "technical", path, &err), RL_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, path));
    struct stat st;
    ck_assert_int_ne(stat(path, &st), 0);
    release_fonts();
#else
    /* Without cairo: no picture, and the message says so. */
    ck_assert_int_eq(rc, RL_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "plots are off"));
    struct stat st;
    ck_assert_int_ne(stat(path, &st), 0);
#endif
    dr_raceline_free(&rl);
    dr_track_free(&t);
    remove_tmpdir();
}
END_TEST

static Suite *raceline_suite(void)
{
    Suite *s = suite_create("raceline");
    TCase *tc = tcase_create("raceline");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_ring_grip);
    tcase_add_test(tc, test_ring_top_speed);
    tcase_add_test(tc, test_stadium_profile);
    tcase_add_loop_test(tc, test_tracks_inside, 0, (int)(2 * N_TRACKS));
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_follow_raceline);
    tcase_add_test(tc, test_raceline_actions);
    tcase_add_test(tc, test_raceline_action_errors);
    tcase_add_test(tc, test_eval_metrics);
    tcase_add_test(tc, test_raceline_png);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(raceline_suite)
