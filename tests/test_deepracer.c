/* The deepracer environment: reward parameters on hand-built positions,
 * episode rules, the car model, actions, observations, reward functions in
 * C, errors and exact resume.
 *
 * The hand-built track is a stadium: two 4 m straights joined by
 * semicircles of radius 1.5 m around (0, 0) and (4, 0), 1 m wide. Driven
 * counter-clockwise it starts at (0, -1.5) heading +x along the bottom
 * straight; its inner border (y = -1.0 there) is on the driver's left. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rl/rl.h>

#include "deepracer.h"
#include "testutil.h"

#define PI 3.14159265358979323846
#define SL 4.0   /* straight length */
#define SR 1.5   /* semicircle radius */
#define SW 1.0   /* width */
#define ARC 60   /* segments per semicircle */
#define STRAIGHT 8 /* segments per straight */

static char dir[64];
static char ccw_path[128], cw_path[128];

/* Centre point i of the CCW stadium and the unit normal pointing inwards
 * (towards the loop's inside). */
static void stadium_point(int i, double *x, double *y, double *nx, double *ny)
{
    int per = STRAIGHT + ARC;
    int k = i % (2 * per), half = k / per, j = k % per;
    double sx, sy, inx, iny;
    if (j < STRAIGHT) {
        double f = (double)j / STRAIGHT;
        sx = half == 0 ? f * SL : SL - f * SL;
        sy = half == 0 ? -SR : SR;
        inx = 0;
        iny = half == 0 ? 1 : -1;
    } else {
        double a = -PI / 2 + PI * (double)(j - STRAIGHT) / ARC + (half ? PI : 0);
        double cx = half == 0 ? SL : 0;
        sx = cx + SR * cos(a);
        sy = SR * sin(a);
        inx = -cos(a);
        iny = -sin(a);
    }
    *x = sx, *y = sy, *nx = inx, *ny = iny;
}

static double stadium_length(void)
{
    return 2 * SL + 2 * ARC * 2 * SR * sin(PI / (2 * ARC));
}

static void write_stadium(const char *path, int clockwise)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# stadium for test_deepracer\ncenter_x,center_y,inner_x,inner_y,outer_x,outer_y\n", f);
    int n = 2 * (STRAIGHT + ARC);
    for (int r = 0; r <= n; r++) {
        int i = clockwise ? (n - r) % n : r % n;
        double x, y, nx, ny;
        stadium_point(i, &x, &y, &nx, &ny);
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", x, y, x + 0.5 * SW * nx,
                y + 0.5 * SW * ny, x - 0.5 * SW * nx, y - 0.5 * SW * ny);
    }
    ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/rl_deepracer_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(ccw_path, sizeof ccw_path, "%s/stadium.csv", dir);
    snprintf(cw_path, sizeof cw_path, "%s/stadium_cw.csv", dir);
    write_stadium(ccw_path, 0);
    write_stadium(cw_path, 1);
}

static void teardown(void)
{
    remove(ccw_path);
    remove(cw_path);
    rmdir(dir);
}

/* The INI text for keys, on the stadium unless keys name a track. */
static void ini_for(char *ini, size_t len, const char *keys)
{
    int own = strncmp(keys, "track =", 7) == 0 || strstr(keys, "\ntrack =");
    snprintf(ini, len, "[deepracer]\n%s%s\n%s\n", own ? "" : "track = ", own ? "" : ccw_path, keys);
}

typedef struct fixture {
    rl_config *cfg;
    rl_env *env;
    dr_env *e;
    double obs[256];
} fixture;

/* An environment from [deepracer] keys (the stadium unless track= is
 * given), reset in evaluation mode so that it starts at waypoint 0. */
static void make(fixture *fx, const char *keys, int evaluation)
{
    char ini[2048];
    ini_for(ini, sizeof ini, keys);
    fx->cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(fx->cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    fx->env = rl_env_alloc(&rl_deepracer_env, fx->cfg, &err);
    ck_assert_msg(fx->env != NULL, "%s", err.msg);
    ck_assert_int_eq(rl_env_set_evaluation(fx->env, evaluation), RL_OK);
    ck_assert_int_eq(rl_env_reset_seeded(fx->env, 7, fx->obs), RL_OK);
    fx->e = rl_env_state(fx->env);
}

static void unmake(fixture *fx)
{
    rl_env_free(fx->env);
    rl_config_free(fx->cfg);
}

/* The error an environment made from keys fails with. */
static void make_fails(const char *keys, int code, const char *part1, const char *part2)
{
    char ini[2048];
    ini_for(ini, sizeof ini, keys);
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env *env = rl_env_alloc(&rl_deepracer_env, cfg, &err);
    ck_assert_ptr_null(env);
    ck_assert_int_eq(err.code, code);
    ck_assert_msg(strstr(err.msg, part1) && strstr(err.msg, part2), "message: %s", err.msg);
    rl_config_free(cfg);
}

#define TOL 1e-9

START_TEST(test_straight_ccw)
{
    fixture fx;
    make(&fx, "", 1);
    const rl_deepracer_params *p = &fx.e->p;
    ck_assert_double_eq_tol(p->track_length, stadium_length(), 1e-9);
    ck_assert_int_eq(p->num_waypoints, 2 * (STRAIGHT + ARC) + 1);
    ck_assert_double_eq(p->waypoints[0][0], p->waypoints[p->num_waypoints - 1][0]);
    /* At the start: the car's origin on waypoint 0, heading along +x, so
     * its point is 0.14 m on and progress counts from the origin: the
     * simulator's 100 x 0.14 / track_length. */
    ck_assert_double_eq_tol(fx.e->car.x, 0, TOL);
    ck_assert_double_eq_tol(fx.e->car.y, -SR, TOL);
    ck_assert_double_eq_tol(p->x, 0.14, TOL);
    ck_assert_double_eq_tol(p->y, -SR, TOL);
    ck_assert_double_eq_tol(p->heading, 0, TOL);
    ck_assert_double_eq_tol(p->progress, 100 * 0.14 / stadium_length(), TOL);

    /* 0.2 m left of the centre on the bottom straight. */
    dr_env_set_pose(fx.e, 2.1, -SR + 0.2, 0, 1);
    ck_assert_double_eq_tol(p->distance_from_center, 0.2, TOL);
    ck_assert_int_eq(p->is_left_of_center, 1);
    ck_assert_int_eq(p->closest_waypoints[0], 4);
    ck_assert_int_eq(p->closest_waypoints[1], 5);
    ck_assert_double_eq_tol(p->projection_distance, 2.1, TOL);
    ck_assert_double_eq_tol(p->track_width, SW, TOL);
    ck_assert_double_eq_tol(p->progress, 100 * 2.1 / stadium_length(), 1e-9);
    ck_assert_int_eq(p->all_wheels_on_track, 1);
    ck_assert_int_eq(p->is_offtrack, 0);
    ck_assert_int_eq(p->is_reversed, 0);
    ck_assert_int_eq(p->is_crashed, 0);
    ck_assert_int_eq(p->num_objects, 0);
    ck_assert_int_eq(p->closest_objects[0], 0);
    ck_assert_int_eq(p->closest_objects[1], 0);

    /* 0.3 m right. */
    dr_env_set_pose(fx.e, 2.3, -SR - 0.3, 0, 0);
    ck_assert_double_eq_tol(p->distance_from_center, 0.3, TOL);
    ck_assert_int_eq(p->is_left_of_center, 0);
    ck_assert_double_eq_tol(p->projection_distance, 2.3, TOL);

    /* Heading is the body yaw in degrees, in (-180, 180]. */
    dr_env_set_pose(fx.e, 2.3, -SR, 45, 0);
    ck_assert_double_eq_tol(p->heading, 45, 1e-9);
    dr_env_set_pose(fx.e, 2.3, -SR, 180, 0);
    ck_assert_double_eq_tol(p->heading, 180, 1e-9);
    dr_env_set_pose(fx.e, 2.3, -SR, -170, 0);
    ck_assert_double_eq_tol(p->heading, -170, 1e-9);
    unmake(&fx);
}
END_TEST

/* The wheels are 0.082 m either side of the origin along the car and
 * 0.08 m across it; the car point is 0.14 m ahead of the origin. Heading
 * +x on the bottom straight, the left (inner) border is at y = -1.0. */
START_TEST(test_wheels_and_border)
{
    fixture fx;
    make(&fx, "", 1);
    const rl_deepracer_params *p = &fx.e->p;
    const double border = -SR + 0.5 * SW;
    /* Inside: the left wheels 1 cm from the border. */
    dr_env_set_pose(fx.e, 2.0, border - 0.08 - 0.01, 0, 1);
    ck_assert_int_eq(p->all_wheels_on_track, 1);
    ck_assert_int_eq(p->is_offtrack, 0);
    /* Straddling: the left wheels 1 cm over the border, the right ones on. */
    dr_env_set_pose(fx.e, 2.0, border - 0.08 + 0.01, 0, 1);
    ck_assert_int_eq(p->all_wheels_on_track, 0);
    ck_assert_int_eq(p->is_offtrack, 0);
    /* Centred on the border: two wheels either side. */
    dr_env_set_pose(fx.e, 2.0, border, 0, 1);
    ck_assert_int_eq(p->all_wheels_on_track, 0);
    ck_assert_int_eq(p->is_offtrack, 0);
    /* Over: the right wheels 1 cm past the border. */
    dr_env_set_pose(fx.e, 2.0, border + 0.08 + 0.01, 0, 1);
    ck_assert_int_eq(p->all_wheels_on_track, 0);
    ck_assert_int_eq(p->is_offtrack, 1);
    ck_assert_double_eq_tol(p->distance_from_center, 0.5 * SW + 0.09, TOL);
    /* Turned across the track, nose at the border: the front wheels are
     * 0.14 - 0.082 = 0.058 m behind the point, so they are on. */
    dr_env_set_pose(fx.e, 2.0, border, 90, 1);
    ck_assert_int_eq(p->all_wheels_on_track, 1);
    /* The right (outer) border, y = -2.0, likewise. */
    dr_env_set_pose(fx.e, 2.0, -SR - 0.5 * SW - 0.08 - 0.01, 0, 1);
    ck_assert_int_eq(p->is_offtrack, 1);
    ck_assert_int_eq(p->is_left_of_center, 0);
    unmake(&fx);
}
END_TEST

START_TEST(test_curve_ccw)
{
    fixture fx;
    make(&fx, "", 1);
    const rl_deepracer_params *p = &fx.e->p;
    /* On the right-hand semicircle at angle 0, 0.2 m inside the centre
     * line, heading +y (along the track). */
    dr_env_set_pose(fx.e, SL + SR - 0.2, 0, 90, 1);
    /* The centre polyline's chords lie inside the circle by at most
     * R (1 - cos(pi / 2 ARC)) = 0.26 mm. */
    ck_assert_double_eq_tol(p->distance_from_center, 0.2, 3e-4);
    ck_assert_int_eq(p->is_left_of_center, 1);
    double arc = 2 * SR * sin(PI / (2 * ARC));
    /* The nearest point is on a chord next to the vertex, (R - 0.2) sin(1.5 deg) away. */
    ck_assert_double_eq_tol(p->projection_distance, SL + (ARC / 2) * arc, 0.006);
    /* Angle 0 is waypoint STRAIGHT + ARC/2 = 38: bracketed as [37, 38] or [38, 39]. */
    ck_assert_msg(p->closest_waypoints[0] == 37 || p->closest_waypoints[0] == 38, "%d",
                  p->closest_waypoints[0]);
    ck_assert_int_eq(p->closest_waypoints[1], p->closest_waypoints[0] + 1);
    /* Between two vertices: a quarter of the way round (angle -45 deg). */
    double a = -PI / 4;
    dr_env_set_pose(fx.e, SL + (SR + 0.3) * cos(a), (SR + 0.3) * sin(a), 45, 1);
    ck_assert_int_eq(p->is_left_of_center, 0);
    ck_assert_double_eq_tol(p->distance_from_center, 0.3, 3e-4);
    ck_assert_int_eq(p->closest_waypoints[0], STRAIGHT + ARC / 4 - 1 + (p->closest_waypoints[0] >= STRAIGHT + ARC / 4));
    ck_assert_double_eq_tol(p->projection_distance, SL + (ARC / 4) * arc, 0.02);
    ck_assert_int_eq(p->all_wheels_on_track, 1);
    unmake(&fx);
}
END_TEST

/* Clockwise: the same stadium with its rows in the opposite order. It
 * starts at (0, -1.5) heading -x; the inner border is on the right. */
START_TEST(test_clockwise)
{
    char keys[256];
    snprintf(keys, sizeof keys, "track = %s\n", cw_path);
    fixture fx;
    make(&fx, keys, 1);
    const rl_deepracer_params *p = &fx.e->p;
    /* Heading toward the next waypoint, the first chord of the left
     * semicircle: 180 - 90 / ARC degrees. */
    ck_assert_double_eq_tol(p->heading, 180 - 90.0 / ARC, 1e-9);
    ck_assert_double_eq_tol(fx.e->track.length, stadium_length(), 1e-9);
    ck_assert_int_eq(fx.e->track.ccw, 0);
    /* Point (0.5, -1.3), on the straight: 0.2 m towards the inside, which
     * is right when driving -x. */
    dr_env_set_pose(fx.e, 0.5, -SR + 0.2, 180, 1);
    ck_assert_double_eq_tol(p->distance_from_center, 0.2, 1e-9);
    ck_assert_int_eq(p->is_left_of_center, 0);
    /* Outside the loop is on the left. */
    dr_env_set_pose(fx.e, 3.0, -SR - 0.2, 180, 1);
    ck_assert_int_eq(p->is_left_of_center, 1);
    ck_assert_double_eq_tol(p->distance_from_center, 0.2, TOL);
    /* 3 m along the straight the other way round: the whole lap minus 1 m. */
    ck_assert_double_eq_tol(p->projection_distance, stadium_length() - 3.0, 1e-9);
    ck_assert_int_eq(p->closest_waypoints[0], 2 * (STRAIGHT + ARC) - 6);
    ck_assert_int_eq(p->closest_waypoints[1], 2 * (STRAIGHT + ARC) - 5);
    unmake(&fx);
}
END_TEST

/* is_reversed drives the CCW file clockwise: the same as the CW file. */
START_TEST(test_reversed)
{
    fixture fx;
    make(&fx, "is_reversed = true\n", 1);
    const rl_deepracer_params *p = &fx.e->p;
    ck_assert_int_eq(p->is_reversed, 1);
    ck_assert_double_eq_tol(p->heading, 180 - 90.0 / ARC, 1e-9);
    /* The waypoints run in the driving direction. */
    ck_assert_double_eq_tol(p->waypoints[1][0], -SR * sin(PI / ARC), 1e-9);
    dr_env_set_pose(fx.e, 3.0, -SR - 0.2, 180, 1);
    ck_assert_int_eq(p->is_left_of_center, 1);
    ck_assert_double_eq_tol(p->projection_distance, stadium_length() - 3.0, 1e-9);
    ck_assert_int_eq(p->all_wheels_on_track, 1);
    unmake(&fx);
}
END_TEST

/* Progress from the episode's own start, across the start line and back
 * over it. */
START_TEST(test_progress)
{
    fixture fx;
    make(&fx, "", 1);
    const rl_deepracer_params *p = &fx.e->p;
    double L = stadium_length();
    /* Backing over the start line makes progress slightly negative. */
    dr_env_set_pose(fx.e, -0.1, -SR, 0, 0);
    /* (-0.1, -1.5) is on the first chord of the left semicircle. */
    ck_assert_double_eq_tol(p->progress, -100 * 0.1 / L, 2e-3);
    ck_assert(p->progress < 0);
    ck_assert_double_eq_tol(p->projection_distance, L - 0.1, 1e-3);
    /* Round the lap in small moves: the top straight is half way. */
    for (double x = 0.5; x <= SL; x += 0.5) dr_env_set_pose(fx.e, x, -SR, 0, 0);
    for (int k = 1; k <= ARC; k++) {
        double a = -PI / 2 + PI * k / ARC;
        dr_env_set_pose(fx.e, SL + SR * cos(a), SR * sin(a), a * 180 / PI + 90, 0);
    }
    ck_assert_double_eq_tol(p->progress, 50, 1e-9);
    for (double x = SL - 0.5; x >= 0; x -= 0.5) dr_env_set_pose(fx.e, x, SR, 180, 0);
    for (int k = 1; k < ARC; k++) {
        double a = PI / 2 + PI * k / ARC;
        dr_env_set_pose(fx.e, SR * cos(a), SR * sin(a), a * 180 / PI + 90, 0);
    }
    ck_assert(p->progress > 99 && p->progress < 100);
    /* Across the line: the lap is complete, progress is capped at 100. */
    dr_env_set_pose(fx.e, 0.1, -SR, 0, 0);
    ck_assert_double_eq_tol(p->progress, 100, 1e-12);
    unmake(&fx);

    /* An episode that starts just before the line carries on over it. */
    make(&fx, "", 1);
    p = &fx.e->p;
    dr_env_set_pose(fx.e, -1.0 * 0 + SR * cos(PI * 1.4), SR * sin(PI * 1.4), 0, 1);
    fx.e->travel = 0;
    fx.e->p.progress = 0;
    double s0 = p->projection_distance;
    dr_env_set_pose(fx.e, 0.0, -SR, 0, 0);
    dr_env_set_pose(fx.e, 1.0, -SR, 0, 0);
    ck_assert_double_eq_tol(p->progress, 100 * (L - s0 + 1.0) / L, 1e-6);
    ck_assert(p->progress > 0 && p->progress < 20);
    unmake(&fx);
}
END_TEST

/* Step the car with one action n times; the last step's outcome. */
static rl_step drive(fixture *fx, double action, int n)
{
    rl_step st = {0};
    for (int i = 0; i < n; i++) {
        ck_assert_msg(rl_env_step(fx->env, &action, fx->obs, &st) == RL_OK, "%s",
                      rl_env_errmsg(fx->env));
        if (st.terminated || st.truncated) break;
    }
    return st;
}

START_TEST(test_episode_ends)
{
    fixture fx;
    /* Off track: straight ahead on the bottom straight reaches the end of
     * the straight and leaves the road in the turn (in evaluation without
     * resets, as in training). */
    make(&fx, "actions = 0:1.0\nnumber_of_resets = 0\n", 1);
    rl_step st = drive(&fx, 0, 200);
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_int_eq(fx.e->status, DR_OFF_TRACK);
    ck_assert_int_eq(fx.e->p.is_offtrack, 1);
    double m[6];
    rl_env_metrics(fx.env, m);
    ck_assert_double_eq_tol(m[0], (fx.e->steps - 1) / 15.0, 1e-9); /* lap_time, after prepare */
    ck_assert(m[1] > 20 && m[1] < 50);                       /* progress */
    ck_assert_double_eq(m[2], 1);                            /* off_track_count */
    ck_assert_double_eq(m[3], 0);                            /* complete */
    unmake(&fx);

    /* Reversed: turned round, progress falls for 15 steps running. */
    make(&fx, "actions = 0:0.5\nnumber_of_resets = 0\n", 1);
    drive(&fx, 0, 1); /* the prepare step */
    dr_env_set_pose(fx.e, 3.0, -SR, 180, 1);
    st = drive(&fx, 0, 14);
    ck_assert_int_eq(st.terminated, 0);
    st = drive(&fx, 0, 1);
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_int_eq(fx.e->status, DR_REVERSED);
    ck_assert_int_eq(fx.e->steps, 16);
    unmake(&fx);

    /* Evaluation without resets: going off track ends the lap. */
    make(&fx, "actions = 0:1.0\nnumber_of_resets = 0\n", 1);
    st = drive(&fx, 0, 200);
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_int_eq(fx.e->status, DR_OFF_TRACK);
    unmake(&fx);
}
END_TEST

/* A lap: a simple steering controller (pure pursuit on the centre line)
 * drives the stadium; the lap completes at progress 100. */
START_TEST(test_lap_complete)
{
    fixture fx;
    make(&fx, "action_space_type = continuous\nspeed_range = 0.5,1.5\n", 1);
    rl_step st = {0};
    int n = 0;
    while (!st.terminated && !st.truncated && n < 2000) {
        /* Aim at the centre point 0.5 m ahead (the observation's second
         * lookahead pair is 0.5 m ahead of the projection). */
        double fx_ = fx.obs[7], fy = fx.obs[8];
        double steer = atan2(2 * DR_WHEELBASE * fy, fx_ * fx_ + fy * fy) * 180 / PI;
        if (steer > 30) steer = 30;
        if (steer < -30) steer = -30;
        double a[2] = {steer / 30, 0.0};
        ck_assert_int_eq(rl_env_step(fx.env, a, fx.obs, &st), RL_OK);
        n++;
    }
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_int_eq(fx.e->status, DR_LAP_COMPLETE);
    ck_assert_double_eq(fx.e->p.progress, 100);
    double m[6];
    rl_env_metrics(fx.env, m);
    ck_assert_double_eq(m[3], 1);
    ck_assert_double_eq(m[2], 0);
    /* At 1 m/s about 16.6 m take about 17 s. */
    ck_assert(m[0] > 15 && m[0] < 20);
    unmake(&fx);
}
END_TEST

START_TEST(test_car_model)
{
    fixture fx;
    make(&fx, "actions = 0:2.0, 30:0.5, 30:4.0\n", 1);
    const dr_car_model *m = &fx.e->model;
    ck_assert_str_eq(m->name, "sim2026");
    dr_car *c = &fx.e->car;
    /* Steady state at full left lock and 0.5 m/s: a circle of radius
     * 1 / kappa, kappa = dr_car_curvature_at(30 deg, speed reached). */
    *c = (dr_car){.cy = 1.0};
    double xs[300], ys[300];
    for (int i = 0; i < 300; i++) {
        dr_car_step(c, m, PI / 6, 0.5, DR_DT);
        xs[i] = c->x;
        ys[i] = c->y;
    }
    /* The speed settles where the lag's pull toward the command's speed
     * equals the scrub of the turn. */
    double v = c->v, k = dr_car_curvature_at(m, PI / 6, v);
    ck_assert(v < dr_car_speed_for(m, 0.5) && v > 0.95 * dr_car_speed_for(m, 0.5));
    ck_assert_double_eq_tol((dr_car_speed_for(m, 0.5) - v) * m->alpha,
                            m->scrub * fabs(c->yaw_rate * v) * DR_DT / DR_SUBSTEPS, 1e-12);
    ck_assert_double_eq_tol(c->yaw_rate, v * k, 1e-9);
    ck_assert_double_eq_tol(c->steer, PI / 6, 1e-9);
    /* The centre: from the last point, 1 / k to the left of the velocity. */
    double sb = m->sideslip * k * 0.5 * DR_WHEELBASE, yaw = c->yaw + asin(sb);
    double cx = xs[299] - sin(yaw) / k, cy = ys[299] + cos(yaw) / k;
    for (int i = 150; i < 300; i++)
        ck_assert_double_eq_tol(hypot(xs[i] - cx, ys[i] - cy), 1.0 / k, 1e-4);
    /* Too fast for the grip: at 3.5 m/s the path's lateral acceleration is
     * the grip limit (the yaw rate already there). */
    dr_car_model noscrub = *m;
    noscrub.scrub = 0; /* which would slow the car down */
    *c = (dr_car){.v = 3.5, .cy = 1.0, .steer = PI / 6, .yaw_rate = m->a_lat_max / 3.5};
    double yaw0 = c->yaw;
    dr_car_step(c, &noscrub, PI / 6, 3.5 / m->speed_scale, DR_DT);
    ck_assert_double_eq_tol(c->cy, cos(c->yaw), 1e-12);
    ck_assert_double_eq_tol(c->sy, sin(c->yaw), 1e-12);
    double turned = c->yaw - yaw0, dist = 3.5 / 15.0;
    ck_assert_double_eq_tol(c->v, 3.5, 1e-12);
    ck_assert_double_eq_tol(dist / turned, 3.5 * 3.5 / m->a_lat_max, 1e-6);
    unmake(&fx);
}
END_TEST

/* The presets and the keys that override their constants. */
START_TEST(test_car_model_keys)
{
    dr_car_model a, b;
    ck_assert_int_eq(dr_car_model_preset(&a, "sim2022"), 0);
    ck_assert_int_eq(dr_car_model_preset(&b, "sim1999"), -1);
    fixture fx;
    make(&fx, "car_model = sim2022\nsteering_gain = 0.5\nmax_lateral_acceleration = 3\n", 1);
    const dr_car_model *m = &fx.e->model;
    ck_assert_str_eq(m->name, "sim2022");
    ck_assert_double_eq(m->steer_gain, 0.5);
    ck_assert_double_eq(m->a_lat_max, 3.0);
    /* The others stay the preset's. */
    ck_assert_double_eq(m->steer_tau, a.steer_tau);
    ck_assert_double_eq(m->yaw_tau, a.yaw_tau);
    ck_assert_double_eq(m->speed_tau, a.speed_tau);
    unmake(&fx);
    /* The steady-state inverses undo each other below full lock. */
    for (double v = 0.5; v <= 4.0; v += 0.5)
        for (double k = -0.5; k <= 0.5; k += 0.25) {
            double s = dr_car_steer_for(&a, k, v);
            if (fabs(s) < DR_MAX_STEER * (PI / 180.0) - 1e-9 && fabs(k) < a.a_lat_max / (v * v))
                ck_assert_double_eq_tol(dr_car_curvature_at(&a, s, v), k, 1e-9);
        }
    ck_assert_double_eq_tol(dr_car_speed_for(&a, dr_car_command_for(&a, 2.0)), 2.0, 1e-12);
    make_fails("car_model = sim1999\n", RL_EINVAL, "car_model", "sim2026|sim2022");
    make_fails("steering_gain = fast\n", RL_EINVAL, "steering_gain", "'fast' is not a number");
    make_fails("max_braking = 0\n", RL_ERANGE, "max_braking", "outside [0.1, 1000]");
}
END_TEST

START_TEST(test_actions)
{
    fixture fx;
    make(&fx, "", 1);
    /* The console default: five angles x speeds {0.5, 1.0}, speeds within
     * each angle. */
    ck_assert_uint_eq(fx.e->nactions, 10);
    ck_assert_double_eq(fx.e->steer[0], -30);
    ck_assert_double_eq(fx.e->speed[0], 0.5);
    ck_assert_double_eq(fx.e->speed[1], 1.0);
    ck_assert_double_eq(fx.e->steer[9], 30);
    double a = 7;
    rl_step st;
    drive(&fx, 0, 1); /* the prepare step */
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    ck_assert_double_eq(fx.e->p.steering_angle, 15);
    ck_assert_double_eq(fx.e->p.speed, 1.0);
    /* The wheels' actual angle / 30: one frame of the steering's lag on
     * the way to 15 degrees. */
    ck_assert_double_eq_tol(fx.obs[1], 0.5 * (1 - exp(-DR_DT / fx.e->model.steer_tau)), 1e-12);
    unmake(&fx);

    make(&fx, "actions = -20:0.8, 0:2.5, 20:0.8\n", 1);
    ck_assert_uint_eq(fx.e->nactions, 3);
    ck_assert_int_eq(rl_env_action_space(fx.env)->n, 3);
    a = 1;
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK); /* prepare */
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    ck_assert_double_eq(fx.e->p.speed, 2.5);
    ck_assert_double_eq(fx.e->p.steering_angle, 0);
    unmake(&fx);

    make(&fx, "action_space_type = continuous\nsteering_range = -20,30\nspeed_range = 1,3\n", 1);
    double c[2] = {-1, 1};
    ck_assert_int_eq(rl_env_step(fx.env, c, fx.obs, &st), RL_OK); /* prepare */
    ck_assert_int_eq(rl_env_step(fx.env, c, fx.obs, &st), RL_OK);
    ck_assert_double_eq(fx.e->p.steering_angle, -20);
    ck_assert_double_eq(fx.e->p.speed, 3);
    c[0] = 0.2, c[1] = 0;
    ck_assert_int_eq(rl_env_step(fx.env, c, fx.obs, &st), RL_OK);
    ck_assert_double_eq_tol(fx.e->p.steering_angle, 10, 1e-12);
    ck_assert_double_eq_tol(fx.e->p.speed, 2, 1e-12);
    unmake(&fx);
}
END_TEST

START_TEST(test_observation)
{
    fixture fx;
    make(&fx, "lookahead_points = 4\nlookahead_spacing = 0.5\n", 1);
    ck_assert_uint_eq(rl_space_dim(rl_env_observation_space(fx.env)), 5 + 2 * 4);
    /* At the start, on the straight: the points ahead lie on the car's
     * axis, 0.14 + 0.5 k m ahead of its origin, scaled by 1 / (4 * 0.5). */
    ck_assert_double_eq(fx.obs[0], 0);
    ck_assert_double_eq_tol(fx.obs[2], 0, 1e-12);
    ck_assert_double_eq_tol(fx.obs[3], 0, 1e-12);
    ck_assert_double_eq_tol(fx.obs[4], SW, 1e-12);
    for (int k = 1; k <= 4; k++) {
        ck_assert_double_eq_tol(fx.obs[3 + 2 * k], (0.14 + 0.5 * k) / 2.0, 1e-12);
        ck_assert_double_eq_tol(fx.obs[4 + 2 * k], 0, 1e-12);
    }
    unmake(&fx);

    make(&fx, "observation = lidar\nlidar_rays = 3\nlidar_fov = 180\nlidar_range = 2\n", 1);
    ck_assert_uint_eq(rl_space_dim(rl_env_observation_space(fx.env)), 5);
    /* Rays at -90, 0 and +90 degrees from the car point on the centre of
     * the bottom straight (moved to x = 2): 0.5 m to either border, and
     * nothing within 2 m ahead. */
    dr_env_set_pose(fx.e, 2.0, -SR, 0, 1);
    rl_step st;
    double a = 4; /* straight on */
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    ck_assert_double_eq_tol(fx.obs[2], 0.5 / 2, 1e-3);
    ck_assert_double_eq_tol(fx.obs[3], 1.0, 1e-12);
    ck_assert_double_eq_tol(fx.obs[4], 0.5 / 2, 1e-3);
    unmake(&fx);
}
END_TEST

START_TEST(test_reward_presets)
{
    static const struct {
        const char *name;
        double d, steer, expected;
    } cases[] = {
        {"follow_centerline", 0.05, 0, 1.0},   {"follow_centerline", 0.2, 0, 0.5},
        {"follow_centerline", 0.4, 0, 0.1},    {"follow_centerline", 0.55, 0, 1e-3},
        {"stay_inside_borders", 0.2, 0, 1.0},  {"stay_inside_borders", 0.46, 0, 1e-3},
        {"prevent_zigzag", 0.05, 30, 0.8},     {"prevent_zigzag", 0.05, 15, 1.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rl_deepracer_params p = {0};
        p.track_width = 1.0;
        p.distance_from_center = cases[i].d;
        p.steering_angle = cases[i].steer;
        p.all_wheels_on_track = cases[i].d < 0.4;
        ck_assert_double_eq_tol(dr_reward_preset_value(dr_reward_find(cases[i].name), &p, 0),
                                cases[i].expected, 1e-12);
    }
    rl_deepracer_params p = {0};
    p.progress = 12.5;
    ck_assert_double_eq(dr_reward_preset_value(DR_REWARD_PROGRESS_PER_STEP, &p, 12.0), 0.5);
    ck_assert_int_eq(dr_reward_find("nonsense"), DR_REWARD_MODULE);

    /* Through the environment: the step's reward is the preset's. */
    fixture fx;
    make(&fx, "reward_function = progress_per_step\nactions = 0:1.0\n", 1);
    rl_step st = drive(&fx, 0, 10);
    double before = fx.e->p.progress;
    st = drive(&fx, 0, 1);
    ck_assert_double_eq_tol(st.reward, fx.e->p.progress - before, 1e-12);
    ck_assert(st.reward > 0);
    unmake(&fx);
}
END_TEST

static void module_path(char *buf, size_t len, const char *rel)
{
    snprintf(buf, len, "%s/%s", getenv("abs_top_builddir") ? getenv("abs_top_builddir") : ".",
             rel);
}

START_TEST(test_reward_module)
{
    char path[4096], keys[4300];
    module_path(path, sizeof path, "examples/reward/my_reward.la");
    snprintf(keys, sizeof keys, "reward_function = %s\nactions = 0:1.0, 30:1.0\n", path);
    fixture fx;
    make(&fx, keys, 1);
    rl_step st = drive(&fx, 0, 1);
    ck_assert_double_eq(st.reward, 0); /* the prepare step: no reward */
    st = drive(&fx, 0, 1);
    /* On the centre line, straight: 1 + 0.25 * speed. */
    ck_assert_double_eq_tol(st.reward, 1.25, 1e-12);
    st = drive(&fx, 1, 1);
    ck_assert(st.reward < 1.0);
    unmake(&fx);

    /* NaN from the fifth step: the error names the function, the step and
     * the parameters. */
    module_path(path, sizeof path, "tests/plugins/nanreward.la");
    snprintf(keys, sizeof keys, "reward_function = %s\nactions = 0:1.0\n", path);
    make(&fx, keys, 1);
    double a = 0;
    rl_step out;
    for (int i = 0; i < 4; i++) ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &out), RL_OK);
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &out), RL_EPLUGIN);
    const char *msg = rl_env_errmsg(fx.env);
    ck_assert_msg(strstr(msg, "reward function 'reward_function in ") &&
                      strstr(msg, "nanreward.la") && strstr(msg, "returned nan at step 5") &&
                      strstr(msg, "progress") && strstr(msg, "distance_from_center 0.0000"),
                  "%s", msg);
    unmake(&fx);

    snprintf(keys, sizeof keys, "reward_function = %s\nreward_symbol = huge_reward\n", path);
    make(&fx, keys, 1);
    for (int i = 0; i < 2; i++) ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &out), RL_OK);
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &out), RL_EPLUGIN);
    ck_assert_msg(strstr(rl_env_errmsg(fx.env), "returned 200000 at step 3"), "%s",
                  rl_env_errmsg(fx.env));
    unmake(&fx);
}
END_TEST

START_TEST(test_config_errors)
{
    make_fails("reward_function = fastest\n", RL_ENOTFOUND, "test.ini:3",
               "unknown reward 'fastest'");
    make_fails("reward_function = ./nowhere.la\n", RL_ENOTFOUND, "reward_function",
               "cannot load the reward module './nowhere.la'");
    char path[4096], keys[4300];
    module_path(path, sizeof path, "tests/plugins/nanreward.la");
    snprintf(keys, sizeof keys, "reward_function = %s\nreward_symbol = nope\n", path);
    make_fails(keys, RL_ENOTFOUND, "test.ini:4", "has no function 'nope'");
    make_fails("actions = -30:0.5, 0\n", RL_EINVAL, "test.ini:3", "steering:speed pairs");
    make_fails("actions = -31:0.5\n", RL_ERANGE, "test.ini:3", "steering -31");
    make_fails("speeds = 0.5, 5\n", RL_ERANGE, "test.ini:3", "speed 5");
    make_fails("steering_angles = -30,,30\n", RL_EINVAL, "steering_angles", "not a list");
    make_fails("action_space_type = continuous\nspeed_range = 2,1\n", RL_EINVAL, "test.ini:4",
               "low,high");
    make_fails("track = no_such_track\n", RL_ENOTFOUND, "test.ini:3",
               "no track named 'no_such_track'");
    make_fails("track = /nonexistent/track.npy\n", RL_EFORMAT, "test.ini:3",
               "/nonexistent/track.npy");
}
END_TEST

/* The project's tracks load by name, and official ones by path. */
START_TEST(test_tracks_by_name)
{
    fixture fx;
    make(&fx, "track = technical\n", 0);
    ck_assert(fx.e->track.length > 20);
    unmake(&fx);
    make(&fx, "track = oval\n", 0);
    ck_assert(fx.e->track.length > 15);
    unmake(&fx);
    char shared[4096];
    snprintf(shared, sizeof shared, "%s/../shared/tracks/Spain_track.npy", rl_test_srcdir());
    if (access(shared, R_OK) != 0) {
        printf("test_deepracer: %s is absent, official tracks skipped\n", shared);
        return;
    }
    char keys[4200];
    snprintf(keys, sizeof keys, "track = %s\n", shared);
    make(&fx, keys, 1);
    ck_assert_double_eq_tol(fx.e->p.track_length, 60.00, 0.01);
    ck_assert_int_eq(fx.e->track.ccw, 0);
    unmake(&fx);
}
END_TEST

/* Training starts round the track in 5% steps from a place drawn from the
 * instance's generator; a new seed draws the place again. */
START_TEST(test_round_robin)
{
    fixture fx;
    make(&fx, "", 0);
    double L = fx.e->track.length;
    double s0 = fx.e->s0;
    for (int k = 1; k <= 25; k++) {
        ck_assert_int_eq(rl_env_reset(fx.env, fx.obs), RL_OK);
        double d = fmod(fx.e->s0 - s0 + 2 * L, L);
        ck_assert_double_eq_tol(d, fmod(0.05 * k, 1.0) * L, 1e-6);
        /* The origin on the centre line there, the point 0.14 m on. */
        double x, y;
        dr_track_point_at(&fx.e->track, fx.e->s0, &x, &y, NULL, NULL);
        ck_assert_double_eq_tol(fx.e->car.x, x, 1e-12);
        ck_assert_double_eq_tol(fx.e->car.y, y, 1e-12);
        ck_assert_double_eq_tol(hypot(fx.e->p.x - x, fx.e->p.y - y), 0.14, 1e-12);
        ck_assert(fx.e->p.progress > 0 && fx.e->p.progress < 100 * 0.1401 / L);
    }
    /* Seeding again starts the round robin again, where the first seed
     * started it: a seed repeats the trajectory (Gymnasium's reset(seed)). */
    ck_assert_int_eq(rl_env_reset_seeded(fx.env, 7, fx.obs), RL_OK);
    ck_assert_double_eq(fx.e->s0, s0);
    ck_assert_int_eq(rl_env_reset(fx.env, fx.obs), RL_OK);
    ck_assert_double_eq_tol(fmod(fx.e->s0 - s0 + 2 * L, L), 0.05 * L, 1e-6);
    unmake(&fx);
}
END_TEST

/* Save in the middle of an episode, load into a fresh instance: the two
 * go on identically. */
START_TEST(test_save_load)
{
    rl_config *cfg = rl_config_alloc(NULL);
    char ini[512];
    snprintf(ini, sizeof ini, "[deepracer]\ntrack = %s\nactions = 0:1.0, 10:1.0, -10:1.0\n",
             ccw_path);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env_batch *a = rl_env_batch_alloc(&rl_deepracer_env, cfg, 2, &err);
    rl_env_batch *b = rl_env_batch_alloc(&rl_deepracer_env, cfg, 2, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(rl_env_batch_resumable(a));
    double obs_a[2 * 64], obs_b[2 * 64], act[2], ra[2], rb[2];
    unsigned char ta[2], tb[2], ua[2], ub[2];
    ck_assert_int_eq(rl_env_batch_reset(a, 3, obs_a), RL_OK);
    for (int i = 0; i < 40; i++) {
        act[0] = i % 3, act[1] = (i / 2) % 3;
        ck_assert_int_eq(rl_env_batch_step(a, act, obs_a, ra, ta, ua, NULL), RL_OK);
    }
    rl_writer w = {0};
    ck_assert_int_eq(rl_env_batch_save(a, &w, &err), RL_OK);
    /* The record ends with the trace section: the episode count (u64),
     * per instance a u32 flag for held rows (none: not tracing), and the
     * count of ended episodes held for the next file (u64, 0). A record
     * without it (written before it existed) loads; a bad flag does not. */
    /* After it, the last episodes' figures: a u32 count, then a return
     * and a length (f64) each; a record without them loads too. */
    size_t nrecent = rl_env_batch_recent(a, NULL, NULL);
    size_t recent_at = w.len - 4 - 16 * nrecent;
    size_t trace_at = recent_at - 8 - 2 * 4 - 8;
    rl_reader no_recent = {w.data, recent_at, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &no_recent, &err), RL_OK);
    ck_assert_uint_eq(rl_env_batch_recent(b, NULL, NULL), 0);
    rl_reader old = {w.data, trace_at, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &old, &err), RL_OK);
    w.data[trace_at + 8] = 2;
    rl_reader bad = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &bad, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "trace record of environment 0"));
    w.data[trace_at + 8] = 0;
    /* More than 100 last episodes is refused. */
    unsigned char count[4];
    memcpy(count, w.data + recent_at, 4);
    w.data[recent_at] = 101, w.data[recent_at + 1] = w.data[recent_at + 2] = w.data[recent_at + 3] = 0;
    rl_reader many = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &many, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "last episodes"));
    memcpy(w.data + recent_at, count, 4);
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &r, &err), RL_OK);
    double ma, mb, la, lb;
    ck_assert_uint_eq(rl_env_batch_recent(b, &mb, &lb), nrecent);
    rl_env_batch_recent(a, &ma, &la);
    if (nrecent) ck_assert(ma == mb && la == lb);
    rl_env_batch_observations(b, obs_b);
    size_t dim = rl_space_dim(rl_env_observation_space(rl_env_batch_env(a, 0)));
    ck_assert_mem_eq(obs_a, obs_b, 2 * dim * sizeof(double));
    for (int i = 0; i < 300; i++) {
        act[0] = (i * 7) % 3, act[1] = (i * 5) % 3;
        ck_assert_int_eq(rl_env_batch_step(a, act, obs_a, ra, ta, ua, NULL), RL_OK);
        ck_assert_int_eq(rl_env_batch_step(b, act, obs_b, rb, tb, ub, NULL), RL_OK);
        ck_assert_mem_eq(obs_a, obs_b, 2 * dim * sizeof(double));
        ck_assert_mem_eq(ra, rb, sizeof ra);
        ck_assert_mem_eq(ta, tb, sizeof ta);
    }
    /* The window goes on alike: the same last episodes on both. */
    ck_assert_uint_gt(rl_env_batch_recent(a, &ma, &la), nrecent);
    ck_assert_uint_eq(rl_env_batch_recent(b, &mb, &lb), rl_env_batch_recent(a, NULL, NULL));
    ck_assert(ma == mb && la == lb);
    rl_writer_free(&w);
    rl_env_batch_free(a);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

/* Continuous actions resume: the record of an instance just reset (no
 * action index) or one that has stepped loads, before any step and right
 * after an episode ended, and the run goes on as it would have. */
START_TEST(test_continuous_resume)
{
    char ini[512];
    snprintf(ini, sizeof ini,
             "[deepracer]\ntrack = %s\naction_space_type = continuous\nspeed_range = 0.5,2\n",
             ccw_path);
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env_batch *a = rl_env_batch_alloc(&rl_deepracer_env, cfg, 2, &err);
    rl_env_batch *b = rl_env_batch_alloc(&rl_deepracer_env, cfg, 2, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    double obs_a[2 * 64], obs_b[2 * 64], act[4], ra[2], rb[2];
    unsigned char ta[2], tb[2], ua[2], ub[2];
    ck_assert_int_eq(rl_env_batch_reset(a, 11, obs_a), RL_OK);
    ck_assert_int_eq(rl_env_batch_reset(b, 12, obs_b), RL_OK);
    rl_writer w = {0};
    ck_assert_int_eq(rl_env_batch_save(a, &w, &err), RL_OK);
    rl_reader r0 = {w.data, w.len, 0, 0};
    ck_assert_msg(rl_env_batch_load(b, &r0, &err) == RL_OK, "%s", err.msg);
    rl_writer_free(&w);
    /* Full left lock at 2 m/s: off the 1 m road within a lap. */
    act[0] = act[2] = 1.0;
    act[1] = act[3] = 1.0;
    int ended = 0;
    for (int i = 0; i < 2000 && !ended; i++) {
        ck_assert_int_eq(rl_env_batch_step(a, act, obs_a, ra, ta, ua, NULL), RL_OK);
        ended = ta[0] || ua[0];
    }
    ck_assert(ended);
    ck_assert_int_eq(((dr_env *)rl_env_state(rl_env_batch_env(a, 0)))->status, DR_PREPARE);
    memset(&w, 0, sizeof w);
    ck_assert_int_eq(rl_env_batch_save(a, &w, &err), RL_OK);
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_msg(rl_env_batch_load(b, &r, &err) == RL_OK, "%s", err.msg);
    size_t dim = rl_space_dim(rl_env_observation_space(rl_env_batch_env(a, 0)));
    for (int k = 0; k < 400; k++) {
        act[0] = sin(0.1 * k), act[1] = cos(0.07 * k);
        act[2] = -act[0], act[3] = act[1];
        ck_assert_int_eq(rl_env_batch_step(a, act, obs_a, ra, ta, ua, NULL), RL_OK);
        ck_assert_int_eq(rl_env_batch_step(b, act, obs_b, rb, tb, ub, NULL), RL_OK);
        ck_assert_mem_eq(obs_a, obs_b, 2 * dim * sizeof(double));
        ck_assert_mem_eq(ra, rb, sizeof ra);
        ck_assert_mem_eq(ta, tb, sizeof ta);
    }
    rl_writer_free(&w);
    rl_env_batch_free(a);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

/* 1 when two spaces are the same: kind, size and bounds. */
static int same_space(const rl_space *a, const rl_space *b)
{
    if (a->kind != b->kind || a->n != b->n || a->size != b->size || a->ndim != b->ndim) return 0;
    if (a->kind != RL_SPACE_BOX) return 1;
    return memcmp(a->low, b->low, a->size * sizeof *a->low) == 0 &&
           memcmp(a->high, b->high, a->size * sizeof *a->high) == 0;
}

/* track = a, b, c: every track loaded once; training episodes take the
 * tracks in turn (the instance's first drawn from its generator), each
 * track's starts going round its own lap in 5% steps; the waypoints,
 * track_length and start follow the track; the spaces are the same;
 * evaluation drives the first track; exact resume keeps the track; a bad
 * name in the list is named with its place. */
START_TEST(test_several_tracks)
{
    fixture one, fx;
    make(&one, "", 0);
    char keys[512];
    snprintf(keys, sizeof keys, "track = %s , %s,technical\n", ccw_path, cw_path);
    make(&fx, keys, 0);
    dr_env *e = fx.e;
    ck_assert_uint_eq(e->ncourses, 3);
    ck_assert_double_eq_tol(e->courses[0].track.length, stadium_length(), 1e-9);
    ck_assert_double_eq_tol(e->courses[1].track.length, stadium_length(), 1e-9);
    ck_assert_int_eq(e->courses[1].track.ccw, 0);
    ck_assert_double_eq_tol(e->courses[2].track.length, 31.86, 0.005);
    ck_assert(same_space(rl_env_observation_space(one.env), rl_env_observation_space(fx.env)));
    ck_assert(same_space(rl_env_action_space(one.env), rl_env_action_space(fx.env)));
    unmake(&one);

    size_t first = e->course;
    double s0[3], seen[3] = {0, 0, 0};
    for (int k = 0; k < 9; k++) {
        if (k) ck_assert_int_eq(rl_env_reset(fx.env, fx.obs), RL_OK);
        size_t c = (first + (size_t)k) % 3;
        ck_assert_uint_eq(e->course, c);
        const dr_track *t = &e->courses[c].track;
        ck_assert_double_eq(e->track.length, t->length);
        ck_assert_double_eq(e->p.track_length, t->length);
        ck_assert_ptr_eq(e->p.waypoints, e->courses[c].wp);
        ck_assert_int_eq(e->p.num_waypoints, (int)t->n + 1);
        ck_assert_double_eq(e->p.waypoints[t->n][0], t->cx[0]);
        /* The start on this track's centre line, progress from there. */
        double x, y;
        dr_track_point_at(t, e->s0, &x, &y, NULL, NULL);
        ck_assert_double_eq_tol(e->car.x, x, 1e-12);
        ck_assert_double_eq_tol(e->car.y, y, 1e-12);
        /* (a little less where the start is on a curve: the point 0.14 m
         * ahead on the tangent projects back onto the arc) */
        ck_assert(e->p.progress > 0.98 * 100 * 0.14 / t->length);
        ck_assert(e->p.progress <= 100 * 0.14 / t->length + 1e-12);
        /* Each track's starts: 5% of its lap on from its last. */
        if (k >= 3) {
            double d = fmod(e->s0 - s0[c] + 2 * t->length, t->length);
            ck_assert_double_eq_tol(d, 0.05 * t->length, 1e-6);
        }
        s0[c] = e->s0;
        seen[c] = 1;
        /* A few steps drive on this track. */
        double a[1] = {0};
        rl_step st;
        for (int i = 0; i < 5; i++) ck_assert_int_eq(rl_env_step(fx.env, a, fx.obs, &st), RL_OK);
        ck_assert_double_eq(e->p.track_length, t->length);
    }
    ck_assert(seen[0] && seen[1] && seen[2]);
    /* Evaluation: the first track, from its start line. */
    ck_assert_int_eq(rl_env_set_evaluation(fx.env, 1), RL_OK);
    ck_assert_int_eq(rl_env_reset(fx.env, fx.obs), RL_OK);
    ck_assert_uint_eq(e->course, 0);
    ck_assert_double_eq(e->s0, 0);
    ck_assert_double_eq_tol(e->p.track_length, stadium_length(), 1e-9);
    unmake(&fx);

    make_fails("track = technical, no_such_track, oval\n", RL_ENOTFOUND, "test.ini:3",
               "track 2 of 3: no track named 'no_such_track'");
    make_fails("track = oval, /nonexistent/t.npy\n", RL_EFORMAT, "track 2 of 2: ",
               "/nonexistent/t.npy");
    make_fails("track = technical,,oval\n", RL_EINVAL, "test.ini:3", "track 2 of 3");
    char many[512] = "track = oval";
    for (int i = 0; i < DR_MAX_TRACKS; i++) strcat(many, ",oval");
    strcat(many, "\n");
    make_fails(many, RL_ERANGE, "test.ini:3", "more than 32 tracks");
}
END_TEST

/* Exact resume on several tracks: the episode's track is in the record,
 * and a configuration listing fewer tracks refuses it. */
START_TEST(test_several_tracks_resume)
{
    char ini[1024];
    snprintf(ini, sizeof ini, "[deepracer]\ntrack = %s, %s, oval\nactions = 0:1.0, 10:1.0, -10:1.0\n",
             ccw_path, cw_path);
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env_batch *a = rl_env_batch_alloc(&rl_deepracer_env, cfg, 2, &err);
    rl_env_batch *b = rl_env_batch_alloc(&rl_deepracer_env, cfg, 2, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    double obs_a[2 * 64], obs_b[2 * 64], act[2], ra[2], rb[2];
    unsigned char ta[2], tb[2], ua[2], ub[2];
    ck_assert_int_eq(rl_env_batch_reset(a, 5, obs_a), RL_OK);
    /* Until an instance is on a track other than the first. */
    int i = 0;
    while (((dr_env *)rl_env_state(rl_env_batch_env(a, 0)))->course == 0 ||
           ((dr_env *)rl_env_state(rl_env_batch_env(a, 1)))->course == 0 || i < 40) {
        act[0] = i % 3, act[1] = (i / 2) % 3;
        ck_assert_int_eq(rl_env_batch_step(a, act, obs_a, ra, ta, ua, NULL), RL_OK);
        ck_assert_int_lt(++i, 5000);
    }
    rl_writer w = {0};
    ck_assert_int_eq(rl_env_batch_save(a, &w, &err), RL_OK);
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &r, &err), RL_OK);
    size_t dim = rl_space_dim(rl_env_observation_space(rl_env_batch_env(a, 0)));
    for (int k = 0; k < 2; k++)
        ck_assert_uint_eq(((dr_env *)rl_env_state(rl_env_batch_env(b, k)))->course,
                          ((dr_env *)rl_env_state(rl_env_batch_env(a, k)))->course);
    for (int k = 0; k < 600; k++) {
        act[0] = (k * 7) % 3, act[1] = (k * 5) % 3;
        ck_assert_int_eq(rl_env_batch_step(a, act, obs_a, ra, ta, ua, NULL), RL_OK);
        ck_assert_int_eq(rl_env_batch_step(b, act, obs_b, rb, tb, ub, NULL), RL_OK);
        ck_assert_mem_eq(obs_a, obs_b, 2 * dim * sizeof(double));
        ck_assert_mem_eq(ra, rb, sizeof ra);
    }
    /* One track fewer: the record's track is not in the list. */
    rl_config *one = rl_config_alloc(NULL);
    snprintf(ini, sizeof ini, "[deepracer]\ntrack = %s\nactions = 0:1.0, 10:1.0, -10:1.0\n",
             ccw_path);
    ck_assert_int_eq(rl_config_load_string(one, ini, "test.ini"), RL_OK);
    rl_env_batch *c = rl_env_batch_alloc(&rl_deepracer_env, one, 2, &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(rl_env_batch_reset(c, 5, obs_b), RL_OK);
    rl_reader r2 = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(c, &r2, &err), RL_EFORMAT);
    ck_assert_msg(strstr(err.msg, "this configuration lists 1"), "%s", err.msg);
    rl_env_batch_free(c);
    rl_config_free(one);
    rl_writer_free(&w);
    rl_env_batch_free(a);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

/* The trace rows: 19 columns in the simulator's order and formats; each
 * row's pose is the one its action starts from, the first row of an
 * episode is its prepare step, tstamp is the instance's clock. */
START_TEST(test_trace_row)
{
    fixture fx;
    make(&fx, "actions = 0:0.6, 15:0.6\n", 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rl_env_trace_header(fx.env, f);
    rl_env_set_trace(fx.env, f, 0);
    double a = 1, x0 = fx.e->p.x, y0 = fx.e->p.y, prog0 = fx.e->p.progress;
    rl_step st;
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    double x2 = fx.e->p.x, y2 = fx.e->p.y, r2 = fx.e->reward, prog2 = fx.e->p.progress;
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    fclose(f);
    char *row = strchr(buf, '\n');
    ck_assert_ptr_nonnull(row);
    *row++ = 0;
    ck_assert_str_eq(buf, "episode,steps,X,Y,yaw,steer,throttle,action,reward,done,"
                          "all_wheels_on_track,progress,closest_waypoint,track_len,tstamp,"
                          "episode_status,pause_duration,obstacle_crash_counter,wall_clock");
    int commas = 0;
    for (char *c = row; *c != '\n'; c++) commas += *c == ',';
    ck_assert_int_eq(commas, 18);
    char expect[256];
    /* The prepare step: the chosen action is logged, not applied; reward 0. */
    snprintf(expect, sizeof expect,
             "0,1,%.4f,%.4f,0.0000,15.00,0.60,1,0.0000,False,True,%.4f,0,%.2f,0.067,prepare,0.0,0,",
             x0, y0, prog0, fx.e->p.track_length);
    ck_assert_msg(strncmp(row, expect, strlen(expect)) == 0, "row %s\nwant %s", row, expect);
    /* Step 2 starts where the car stood. */
    row = strchr(row, '\n') + 1;
    snprintf(expect, sizeof expect, "0,2,%.4f,%.4f,0.0000,15.00,0.60,1,%.4f,False,True,%.4f,0,%.2f,0.133,in_progress,0.0,0,",
             x0, y0, r2, prog2, fx.e->p.track_length);
    ck_assert_msg(strncmp(row, expect, strlen(expect)) == 0, "row %s\nwant %s", row, expect);
    /* Step 3 starts where step 2 ended. */
    row = strchr(row, '\n') + 1;
    snprintf(expect, sizeof expect, "0,3,%.4f,%.4f,", x2, y2);
    ck_assert_msg(strncmp(row, expect, strlen(expect)) == 0, "row %s\nwant %s", row, expect);
    ck_assert_ptr_nonnull(strstr(row, ",0.200,in_progress,"));
    free(buf);
    unmake(&fx);
}
END_TEST

/* track_width and is_left_of_center as the simulator measures them: the
 * border points nearest the car point's projection c (the stadium's
 * borders are polylines of radius 1.0 and 2.0 with the centre line's
 * angles), hand-checked on a semicircle, where they are narrower than the
 * rows' 1 m width. */
START_TEST(test_track_width_sim)
{
    fixture fx;
    make(&fx, "", 1);
    const rl_deepracer_params *p = &fx.e->p;
    /* On the straight: the rows' width. */
    dr_env_set_pose(fx.e, 2.1, -SR + 0.2, 0, 1);
    ck_assert_double_eq_tol(p->track_width, 1.0, 1e-12);
    /* The right semicircle's centre chord 30 (from vertex 38 to 39) has
     * its midpoint in the direction h = 1.5 degrees from (4, 0), at radius
     * 1.5 cos(1.5 deg); a point 0.2 m inside it projects there, and the
     * inner and outer borders' nearest points are their own chords'
     * midpoints on the same ray, at 1.0 cos(1.5 deg) and 2.0 cos(1.5
     * deg): the width is cos(1.5 deg) = 0.999657, not 1. */
    double h = PI / 120, c = cos(h), r = SR * c - 0.2;
    dr_env_set_pose(fx.e, SL + r * cos(h), r * sin(h), 91.5, 1);
    ck_assert_double_eq_tol(p->distance_from_center, 0.2, 1e-12);
    ck_assert_double_eq_tol(p->track_width, 0.99965732497555726, 1e-12);
    ck_assert_int_eq(p->is_left_of_center, 1); /* nearer the inner (left) point */
    /* 0.3 m outside: nearer the outer (right) point. */
    r = SR * c + 0.3;
    dr_env_set_pose(fx.e, SL + r * cos(h), r * sin(h), 91.5, 0);
    ck_assert_double_eq_tol(p->track_width, 0.99965732497555726, 1e-12);
    ck_assert_int_eq(p->is_left_of_center, 0);
    unmake(&fx);
}
END_TEST

static int reward_calls;
static double counting_reward(const rl_deepracer_params *p)
{
    (void)p;
    reward_calls++;
    return 1.0;
}

/* The prepare step: the first step of an episode holds the car at the
 * start, the reward function is not called, the reward is 0 and the
 * status prepare; the first call sees steps = 2. */
START_TEST(test_prepare_step)
{
    fixture fx;
    make(&fx, "actions = 0:1.0, 30:1.0\n", 0);
    fx.e->preset = DR_REWARD_MODULE;
    fx.e->fn = counting_reward;
    reward_calls = 0;
    double x = fx.e->car.x, y = fx.e->car.y, yaw = fx.e->car.yaw, a = 1;
    rl_step st;
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    ck_assert_int_eq(reward_calls, 0);
    ck_assert_double_eq(st.reward, 0);
    ck_assert_int_eq(st.terminated, 0);
    ck_assert_int_eq(fx.e->status, DR_PREPARE);
    ck_assert_int_eq(fx.e->steps, 1);
    ck_assert_double_eq(fx.e->car.x, x);
    ck_assert_double_eq(fx.e->car.y, y);
    ck_assert_double_eq(fx.e->car.yaw, yaw);
    ck_assert_double_eq(fx.e->car.v, 0);
    ck_assert_double_eq(fx.obs[1], 0); /* no steering was applied */
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    ck_assert_int_eq(reward_calls, 1);
    ck_assert_int_eq(fx.e->p.steps, 2);
    ck_assert_double_eq(st.reward, 1.0);
    ck_assert_int_eq(fx.e->status, DR_IN_PROGRESS);
    ck_assert(fx.e->car.v > 0);
    ck_assert_double_eq(fx.e->p.steering_angle, 30);
    unmake(&fx);
}
END_TEST

/* Drive the stadium with a pure-pursuit controller until the episode ends
 * (at most max steps); its last outcome. */
static rl_step pursue(fixture *fx, int max)
{
    rl_step st = {0};
    for (int n = 0; n < max && !st.terminated && !st.truncated; n++) {
        double fx_ = fx->obs[7], fy = fx->obs[8];
        double steer = atan2(2 * DR_WHEELBASE * fy, fx_ * fx_ + fy * fy) * 180 / PI;
        steer = steer > 30 ? 30 : steer < -30 ? -30 : steer;
        double a[2] = {steer / 30, 0.0};
        ck_assert_int_eq(rl_env_step(fx->env, a, fx->obs, &st), RL_OK);
    }
    return st;
}

/* deepracer-for-cloud's evaluation: the laps follow each other; the next
 * lap goes on from where the car crossed the line, at speed, without a
 * prepare step, its time counted from the last lap's end. Standing-start
 * laps with is_continuous = false. */
START_TEST(test_eval_continuous)
{
    fixture fx;
    make(&fx, "action_space_type = continuous\nspeed_range = 0.5,1.5\n", 1);
    pursue(&fx, 2000);
    ck_assert_int_eq(fx.e->status, DR_LAP_COMPLETE);
    int n1 = (int)rl_env_episode_steps(fx.env);
    double m[6];
    rl_env_metrics(fx.env, m);
    ck_assert_double_eq_tol(m[0], (n1 - 1) / 15.0, 1e-12);
    double x = fx.e->car.x, v = fx.e->car.v, travel = fx.e->travel;
    uint64_t clk = fx.e->clock;
    ck_assert(v > 0.4);
    ck_assert_int_eq(rl_env_reset_seeded(fx.env, 99, fx.obs), RL_OK);
    ck_assert_double_eq(fx.e->car.x, x);
    ck_assert_double_eq(fx.e->car.v, v);
    ck_assert_int_eq(fx.e->status, DR_IN_PROGRESS);
    ck_assert_int_eq(fx.e->phase, DR_PHASE_RUN);
    ck_assert_int_eq(fx.e->steps, n1); /* steps run on, as the simulator's */
    ck_assert_double_eq_tol(fx.e->p.progress, 100 * (travel - fx.e->track.length) / fx.e->track.length, 1e-12);
    ck_assert(fx.e->p.progress >= 0 && fx.e->p.progress < 1);
    pursue(&fx, 1);
    ck_assert(fx.e->car.moved > 0); /* the first action is applied */
    pursue(&fx, 2000);
    ck_assert_int_eq(fx.e->status, DR_LAP_COMPLETE);
    int n2 = (int)rl_env_episode_steps(fx.env);
    rl_env_metrics(fx.env, m);
    ck_assert_double_eq_tol(m[0], n2 / 15.0, 1e-12);
    ck_assert_double_eq(m[1], 100);
    ck_assert_int_eq(fx.e->clock, clk + (uint64_t)n2);
    /* A new evaluation starts again from the start line. */
    ck_assert_int_eq(rl_env_set_evaluation(fx.env, 1), RL_OK);
    ck_assert_int_eq(rl_env_reset_seeded(fx.env, 99, fx.obs), RL_OK);
    ck_assert_int_eq(fx.e->status, DR_PREPARE);
    ck_assert_double_eq_tol(fx.e->car.x, 0, 1e-12);
    unmake(&fx);

    make(&fx, "action_space_type = continuous\nspeed_range = 0.5,1.5\nis_continuous = false\n", 1);
    pursue(&fx, 2000);
    ck_assert_int_eq(fx.e->status, DR_LAP_COMPLETE);
    ck_assert_int_eq(rl_env_reset_seeded(fx.env, 99, fx.obs), RL_OK);
    ck_assert_int_eq(fx.e->status, DR_PREPARE);
    ck_assert_double_eq_tol(fx.e->car.x, 0, 1e-12);
    ck_assert_double_eq(fx.e->car.v, 0);
    ck_assert_int_eq(fx.e->steps, 0);
    unmake(&fx);
}
END_TEST

/* Off track in evaluation: the step is logged off_track with the
 * penalty as pause_duration, the car goes onto the lane half-way to the
 * nearer border at the last step's progress, heading along it, and is
 * held for ceil(penalty x 15) pause steps (reward 0, pause_duration
 * counting down); then the lap goes on. Past number_of_resets, going off
 * track ends the lap. */
START_TEST(test_eval_resets)
{
    fixture fx;
    make(&fx, "actions = 0:1.0\noff_track_penalty = 2.5\nnumber_of_resets = 2\n", 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rl_env_set_trace(fx.env, f, 0);
    rl_step st = {0};
    double a = 0, before = 0;
    int n = 0;
    while (fx.e->status != DR_OFF_TRACK && n < 300) {
        before = fx.e->p.progress;
        ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
        n++;
    }
    ck_assert_int_eq(fx.e->status, DR_OFF_TRACK);
    ck_assert_int_eq(st.terminated, 0);
    ck_assert_int_eq(fx.e->offtrack_count, 1);
    ck_assert_double_eq(fx.e->tr_pause, 2.5);
    /* Straight on, it left the first turn on the outside: the outer lane
     * (radius 1.75 about (4, 0)), tangent to it, just ahead of the last
     * step's progress. */
    double dx = fx.e->car.x - SL, dy = fx.e->car.y;
    ck_assert_double_eq_tol(hypot(dx, dy), SR + 0.25, 2e-3);
    double tangent = atan2(dy, dx) + PI / 2, d = remainder(fx.e->car.yaw - tangent, 2 * PI);
    ck_assert_msg(fabs(d) < 0.06, "yaw %g, tangent %g", fx.e->car.yaw, tangent);
    ck_assert(fx.e->p.progress > before && fx.e->p.progress < before + 1.5);
    ck_assert_double_eq(fx.e->car.v, 0);
    double x = fx.e->car.x, y = fx.e->car.y;
    int held = (int)ceil(2.5 * 15);
    for (int m = 1; m <= held; m++) {
        ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
        ck_assert_int_eq(fx.e->status, DR_PAUSE);
        ck_assert_double_eq(st.reward, 0);
        ck_assert_double_eq(fx.e->car.x, x);
        ck_assert_double_eq(fx.e->car.y, y);
        ck_assert_double_eq_tol(fx.e->tr_pause, 2.5 - m / 15.0, 1e-12);
    }
    ck_assert_int_eq(rl_env_step(fx.env, &a, fx.obs, &st), RL_OK);
    ck_assert_int_eq(fx.e->status, DR_IN_PROGRESS);
    ck_assert(fx.e->car.moved > 0);
    /* Twice more off track: the second reset, then the end. */
    st = drive(&fx, 0, 2000);
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_int_eq(fx.e->status, DR_OFF_TRACK);
    ck_assert_int_eq(fx.e->offtrack_count, 3);
    double m4[6];
    rl_env_metrics(fx.env, m4);
    ck_assert_double_eq_tol(m4[0], (fx.e->steps - 1) / 15.0, 1e-12); /* pauses included */
    ck_assert_double_eq(m4[2], 3);
    fclose(f);
    /* The trace: one off_track row per off-track, 2 x 38 pause rows. */
    int offs = 0, pauses = 0, rows = 0;
    for (char *line = buf; *line; line = strchr(line, '\n') + 1) {
        char *nl = strchr(line, '\n'), *o = strstr(line, ",off_track,"), *ps = strstr(line, ",pause,");
        rows++;
        offs += o && o < nl;
        pauses += ps && ps < nl;
    }
    ck_assert_int_eq(rows, fx.e->steps);
    ck_assert_int_eq(offs, 3);
    ck_assert_int_eq(pauses, 2 * held);
    ck_assert_ptr_nonnull(strstr(buf, ",off_track,2.500,0,"));
    free(buf);
    unmake(&fx);
}
END_TEST

/* A batch traces whole episodes: each instance's rows are held until its
 * episode ends and written together, numbered in the order episodes end,
 * into the file current then; switching files keeps the held rows;
 * episodes under way when tracing starts are left out; a saved batch
 * carries the held rows, so that a loaded one writes what the original
 * would have. */
static void batch_steps(rl_env_batch *b, int from, int n)
{
    double obs[3 * 64], act[3], r[3];
    unsigned char te[3], tr[3];
    for (int i = from; i < from + n; i++) {
        for (int k = 0; k < 3; k++) act[k] = ((i / 7 + k) % 3) == 0;
        ck_assert_int_eq(rl_env_batch_step(b, act, obs, r, te, tr, NULL), RL_OK);
    }
}

/* The rows of buf without their last column (wall_clock). */
static char *strip_wall(const char *buf)
{
    char *out = malloc(strlen(buf) + 1), *o = out;
    for (const char *line = buf; *line;) {
        const char *nl = strchr(line, '\n'), *c = nl;
        while (c > line && *c != ',') c--;
        memcpy(o, line, (size_t)(c - line));
        o += c - line;
        *o++ = '\n';
        line = nl + 1;
    }
    *o = 0;
    return out;
}

START_TEST(test_batch_trace)
{
    rl_config *cfg = rl_config_alloc(NULL);
    char ini[512];
    snprintf(ini, sizeof ini, "[deepracer]\ntrack = %s\nactions = 0:1.0, 30:1.0\n", ccw_path);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env_batch *a = rl_env_batch_alloc(&rl_deepracer_env, cfg, 3, &err);
    rl_env_batch *b = rl_env_batch_alloc(&rl_deepracer_env, cfg, 3, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    double obs[3 * 64];
    char *buf[4] = {0};
    size_t len[4] = {0};
    FILE *f[4];
    for (int i = 0; i < 4; i++) f[i] = open_memstream(&buf[i], &len[i]);
    ck_assert_int_eq(rl_env_batch_reset(a, 5, obs), RL_OK);
    ck_assert_int_eq(rl_env_batch_set_trace(a, f[0]), RL_OK);
    batch_steps(a, 0, 150);
    ck_assert_int_eq(rl_env_batch_set_trace(a, f[1]), RL_OK);
    batch_steps(a, 150, 150);
    rl_writer w = {0};
    ck_assert_int_eq(rl_env_batch_save(a, &w, &err), RL_OK);
    uint64_t written = rl_env_batch_trace_episodes(a);
    ck_assert(written >= 4);
    ck_assert_int_eq(rl_env_batch_set_trace(a, f[2]), RL_OK);
    batch_steps(a, 300, 200);
    ck_assert_int_eq(rl_env_batch_set_trace(a, NULL), RL_OK);
    /* b: loaded from the save, tracing into its own file. */
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &r, &err), RL_OK);
    ck_assert_int_eq(rl_env_batch_trace_episodes(b), written);
    ck_assert_int_eq(rl_env_batch_set_trace(b, f[3]), RL_OK);
    batch_steps(b, 300, 200);
    ck_assert_int_eq(rl_env_batch_set_trace(b, NULL), RL_OK);
    for (int i = 0; i < 4; i++) fclose(f[i]);
    char *sa = strip_wall(buf[2]), *sb = strip_wall(buf[3]);
    ck_assert_str_eq(sa, sb);
    ck_assert(strlen(sa) > 0);
    free(sa);
    free(sb);
    /* Files 0, 1, 2: episodes 0, 1, 2, ... each whole (from its prepare
     * row, steps 1, 2, 3, ..., to its done row) and in one file. */
    long next = 0, ep = -1, step = 0;
    int done = 1;
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(done, "an episode is split across files");
        for (char *line = buf[i]; *line; line = strchr(line, '\n') + 1) {
            long e = strtol(line, NULL, 10), s = strtol(strchr(line, ',') + 1, NULL, 10);
            if (e != ep) {
                ck_assert_msg(done && e == next, "episode %ld after %ld", e, ep);
                ck_assert_int_eq(s, 1);
                ck_assert_ptr_nonnull(strstr(line, ",prepare,"));
                ep = e;
                next = e + 1;
            } else {
                ck_assert_int_eq(s, step + 1);
            }
            step = s;
            /* done, the 10th column. */
            char *c = line;
            for (int k = 0; k < 9; k++) c = strchr(c, ',') + 1;
            done = strncmp(c, "True,", 5) == 0;
        }
    }
    ck_assert(done);
    ck_assert_int_eq(next, (long)rl_env_batch_trace_episodes(a));
    for (int i = 0; i < 4; i++) free(buf[i]);

    /* Tracing that starts within episodes leaves them out. */
    char *tb = NULL;
    size_t tl = 0;
    FILE *t = open_memstream(&tb, &tl);
    ck_assert_int_eq(rl_env_batch_reset(b, 5, obs), RL_OK);
    batch_steps(b, 0, 10);
    uint64_t first = rl_env_batch_trace_episodes(b);
    ck_assert_int_eq(rl_env_batch_set_trace(b, t), RL_OK);
    batch_steps(b, 10, 300);
    ck_assert_int_eq(rl_env_batch_set_trace(b, NULL), RL_OK);
    fclose(t);
    ck_assert(tl > 0);
    ck_assert_int_eq(strtol(tb, NULL, 10), (long)first);
    ck_assert_int_eq(strncmp(strchr(tb, ',') + 1, "1,", 2), 0); /* from its first step */
    free(tb);
    rl_writer_free(&w);
    rl_env_batch_free(a);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

/* Episodes in a trace buffer: the distinct episode numbers, which must
 * follow on from *next, each whole (from its prepare row to its done row). */
static int count_episodes(const char *buf, long *next)
{
    long ep = -1, step = 0;
    int n = 0, done = 1;
    for (const char *line = buf; *line; line = strchr(line, '\n') + 1) {
        long e = strtol(line, NULL, 10), s = strtol(strchr(line, ',') + 1, NULL, 10);
        if (e != ep) {
            ck_assert_msg(done && e == *next, "episode %ld after %ld, expected %ld", e, ep, *next);
            ck_assert_int_eq(s, 1);
            ep = e;
            *next = e + 1;
            n++;
        } else {
            ck_assert_int_eq(s, step + 1);
        }
        step = s;
        const char *c = line;
        for (int k = 0; k < 9; k++) c = strchr(c, ',') + 1;
        done = strncmp(c, "True,", 5) == 0;
    }
    ck_assert(done);
    return n;
}

/* With a quota, every file takes exactly that many whole episodes, in
 * order; those that end beyond it are held for the next file, and a saved
 * batch carries them. */
START_TEST(test_batch_trace_quota)
{
    rl_config *cfg = rl_config_alloc(NULL);
    char ini[512];
    snprintf(ini, sizeof ini, "[deepracer]\ntrack = %s\nactions = 0:1.0, 30:1.0\n", ccw_path);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env_batch *a = rl_env_batch_alloc(&rl_deepracer_env, cfg, 3, &err);
    rl_env_batch *b = rl_env_batch_alloc(&rl_deepracer_env, cfg, 3, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    double obs[3 * 64];
    enum { FILES = 4 };
    char *buf[FILES + 2] = {0};
    size_t len[FILES + 2] = {0};
    FILE *f[FILES + 2];
    for (int i = 0; i < FILES + 2; i++) f[i] = open_memstream(&buf[i], &len[i]);
    ck_assert_int_eq(rl_env_batch_reset(a, 9, obs), RL_OK);
    rl_env_batch_set_trace_quota(a, 2);
    rl_writer w = {0};
    for (int i = 0; i < FILES; i++) {
        ck_assert_int_eq(rl_env_batch_set_trace(a, f[i]), RL_OK);
        batch_steps(a, 150 * i, 150);
        if (i == FILES - 1) ck_assert_int_eq(rl_env_batch_save(a, &w, &err), RL_OK);
    }
    uint64_t held = rl_env_batch_trace_held(a);
    ck_assert_uint_gt(held, 0); /* more episodes end than 2 per 150 steps */
    ck_assert_uint_eq(rl_env_batch_trace_episodes(a), 2 * FILES + held);
    /* The next file begins with the held episodes (2 of them). */
    ck_assert_int_eq(rl_env_batch_set_trace(a, f[FILES]), RL_OK);
    ck_assert_uint_eq(rl_env_batch_trace_held(a), held - 2);
    ck_assert_int_eq(rl_env_batch_set_trace(a, NULL), RL_OK);
    /* b, loaded from the save, writes the same next file. */
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &r, &err), RL_OK);
    ck_assert_uint_eq(rl_env_batch_trace_held(b), held);
    rl_env_batch_set_trace_quota(b, 2);
    ck_assert_int_eq(rl_env_batch_set_trace(b, f[FILES + 1]), RL_OK);
    ck_assert_int_eq(rl_env_batch_set_trace(b, NULL), RL_OK);
    for (int i = 0; i < FILES + 2; i++) fclose(f[i]);
    long next = 0;
    for (int i = 0; i <= FILES; i++)
        ck_assert_int_eq(count_episodes(buf[i], &next), 2);
    char *sa = strip_wall(buf[FILES]), *sb = strip_wall(buf[FILES + 1]);
    ck_assert_str_eq(sa, sb);
    free(sa);
    free(sb);
    for (int i = 0; i < FILES + 2; i++) free(buf[i]);
    rl_writer_free(&w);
    rl_env_batch_free(a);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

static Suite *deepracer_suite(void)
{
    Suite *s = suite_create("deepracer");
    TCase *tc = tcase_create("env");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_straight_ccw);
    tcase_add_test(tc, test_wheels_and_border);
    tcase_add_test(tc, test_curve_ccw);
    tcase_add_test(tc, test_clockwise);
    tcase_add_test(tc, test_reversed);
    tcase_add_test(tc, test_progress);
    tcase_add_test(tc, test_episode_ends);
    tcase_add_test(tc, test_lap_complete);
    tcase_add_test(tc, test_car_model);
    tcase_add_test(tc, test_car_model_keys);
    tcase_add_test(tc, test_actions);
    tcase_add_test(tc, test_observation);
    tcase_add_test(tc, test_reward_presets);
    tcase_add_test(tc, test_reward_module);
    tcase_add_test(tc, test_config_errors);
    tcase_add_test(tc, test_tracks_by_name);
    tcase_add_test(tc, test_round_robin);
    tcase_add_test(tc, test_save_load);
    tcase_add_test(tc, test_several_tracks);
    tcase_add_test(tc, test_several_tracks_resume);
    tcase_add_test(tc, test_continuous_resume);
    tcase_add_test(tc, test_trace_row);
    tcase_add_test(tc, test_track_width_sim);
    tcase_add_test(tc, test_prepare_step);
    tcase_add_test(tc, test_eval_continuous);
    tcase_add_test(tc, test_eval_resets);
    tcase_add_test(tc, test_batch_trace);
    tcase_add_test(tc, test_batch_trace_quota);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(deepracer_suite)
