/* The race line: the minimum-time line of a track for a car model
 * (doc/deepracer.md, "Race line").
 *
 * The line is the path of the car's origin (the middle of the wheelbase),
 * sampled at points that each lie on the normal of a resampled centre line
 * (every DR_RACELINE_SPACING m or so): point i is centre point i moved
 * sideways by offset[i], + to the driver's left. Every point keeps a
 * clearance of half the car's width plus a margin from both borders (the
 * distance to the border polylines themselves, not only along the normal)
 * and lies on the road.
 *
 * The speed at each point is the largest the car model allows: at most
 * v_max, at most the largest speed whose tightest turn
 * (dr_car_max_curvature) still takes the line's curvature there, reached
 * and left within the model's acceleration and braking (including the
 * speed lag near the top and bottom speeds). Longitudinal and lateral
 * limits are independent, as in the car model (car.c), unless the options
 * ask for a friction circle.
 *
 * The line itself: the minimum-curvature and the shortest line (each a
 * box-constrained least-squares problem, solved by projected Gauss-Seidel
 * from coarse to fine), the best blend of the two by lap time, then
 * gradient-free moves of smooth bumps of several widths (and of the whole
 * line) kept when they shorten the lap. Deterministic: the same track, car
 * and options give the same line, bit for bit.
 *
 * Nothing here prints or exits; failures return an RL_E* code with a
 * message in the rl_error. */
#ifndef RL_DEEPRACER_RACELINE_H
#define RL_DEEPRACER_RACELINE_H

#include <stddef.h>
#include <stdio.h>

#include <rl/rl.h>

#include "deepracer.h"
#include "track.h"

#define DR_RACELINE_SPACING 0.1  /* m between points, about */
#define DR_RACELINE_MARGIN 0.02  /* m of clearance beyond half the car's width */

typedef struct dr_raceline_opts {
    double spacing;       /* m between points along the centre line (> 0.01) */
    double margin;        /* m beyond half the car's width (>= 0) */
    int friction_circle;  /* 1: longitudinal acceleration shares the grip with the
                           * lateral, a_x <= a_max sqrt(1 - (a_y / a_lat)^2) */
    int refine;           /* 0: skip the lap-time refinement (tests, speed) */
} dr_raceline_opts;

/* DR_RACELINE_SPACING, DR_RACELINE_MARGIN, no friction circle, refine. */
void dr_raceline_opts_default(dr_raceline_opts *o);

typedef struct dr_raceline {
    size_t n;            /* points; the line closes from point n - 1 to point 0 */
    double *x, *y;       /* the car's origin, m */
    double *v;           /* speed, m/s */
    double *s;           /* arc length along the line from point 0 */
    double *t;           /* time from point 0, s */
    double *kappa;       /* signed curvature, 1/m, + turning left */
    double *heading;     /* direction of travel, radians */
    double *offset;      /* from the centre line, m, + left */
    double *lo, *hi;     /* the offset's bounds */
    double center_ds;    /* point i is centre-line arc length i * center_ds */
    double length;       /* of the line, m */
    double lap_time;     /* a flying lap, s */
    double v_mean, v_max, v_min; /* length / lap_time; the fastest and slowest points */
    double clearance;    /* from each border: width / 2 + margin */
    size_t pinched;      /* points where the road is narrower than 2 clearance */
    size_t too_tight;    /* points curving more than the car can at any speed */
    dr_car_limits limits; /* of the model the line was made for */
    char model[16];      /* its name */
    int friction_circle;
    double *mem;         /* the one allocation behind the arrays */
} dr_raceline;

/* Compute the race line of track t for car model m (opts NULL: the
 * defaults). RL_OK, or RL_ENOMEM / RL_EINVAL (bad options) with a message
 * in err. On failure *rl is left empty; dr_raceline_free is safe either
 * way. */
int dr_raceline_compute(dr_raceline *rl, const dr_track *t, const dr_car_model *m,
                        const dr_raceline_opts *opts, rl_error *err);

/* Free what dr_raceline_compute took and empty *rl. NULL or empty is fine. */
void dr_raceline_free(dr_raceline *rl);

/* The speed profile and lap time of a closed path of n points (x, y) for
 * model m: fills v (n values, may be NULL) and returns the lap time. For
 * tests and tools; dr_raceline_compute uses the same passes. */
double dr_raceline_path_time(const double *x, const double *y, size_t n, const dr_car_model *m,
                             int friction_circle, double *v);

/* The race line's time over the part of the lap from centre-line arc length
 * s_from, dist metres along the centre line (0 <= dist <= its length):
 * the whole lap time for dist = the length. */
double dr_raceline_time_over(const dr_raceline *rl, double s_from, double dist);

/* The same from rest: the car (model m, the line's) accelerates from 0 at
 * s_from as the line's forward pass does until it meets the line's speed
 * profile. */
double dr_raceline_time_from_rest(const dr_raceline *rl, const dr_car_model *m, double s_from,
                                  double dist);

/* The point of the line (between two samples) nearest (x, y): its distance
 * and the line's speed there. s_hint is the centre-line arc length near
 * (x, y) (the car's projection_distance): the search starts at that sample
 * and walks to the nearest local minimum, so the cost does not grow with
 * the track. Returns the index of the sample that starts the segment. */
size_t dr_raceline_nearest(const dr_raceline *rl, double x, double y, double s_hint,
                           double *dist, double *speed);

/* The line as CSV text: a header row, then one row per point with x, y,
 * speed first (m, m, m/s), then s, time, curvature, heading (degrees),
 * offset, center_s, steering (degrees, dr_car_steer_for) and command (m/s,
 * dr_car_command_for). *text is malloc'd. */
int dr_raceline_csv(const dr_raceline *rl, const dr_car_model *m, char **text, size_t *len,
                    rl_error *err);

/* Write that CSV to path, whole or not at all (rl_write_file_atomic). */
int dr_raceline_write_csv(const dr_raceline *rl, const dr_car_model *m, const char *path,
                          rl_error *err);

/* The line on track t (the track it was computed for) as a PNG of
 * DR_PLOT_W x DR_PLOT_H, written to path whole or not at all: the track
 * as track.png draws it (dr_plot_track_png, in the view dr_plot_view_of),
 * the line coloured by its speed (the segment ending at point i in point
 * i's) on a scale from v_min to v_max rounded out to 0.5 m/s
 * (dr_plot_speed_scale) with a colour bar in m/s, its length and mean
 * speed at the top right, and the title "TRACK_NAME: race line, car model
 * M, lap time T s" (with "(reversed)" and ", friction circle" when so).
 * RL_EUNSUPPORTED without cairo ("plots are off: ..."); RL_EIO / RL_ENOMEM
 * naming path. */
int dr_raceline_write_png(const dr_raceline *rl, const dr_track *t, const char *track_name,
                          const char *path, rl_error *err);

/* k discrete actions from the line, the DeepRacer community's way: the
 * (steering, speed command) pair of every point, weighted by the time the
 * car spends there, clustered by k-means (steering / 30 degrees and
 * command / 4 m/s, maximin start from the fastest point: deterministic).
 * steer (degrees, rounded to 0.1) and speed (m/s, rounded to 0.01) get k
 * values each, sorted by steering then speed, within the environment's
 * action limits. RL_EINVAL when k is 0 or more than the line's points. */
int dr_raceline_actions(const dr_raceline *rl, const dr_car_model *m, size_t k, double *steer,
                        double *speed, rl_error *err);

/* The race line of section sec of cfg: its track (name or path, with
 * is_reversed) and its car model; errors name the key as dr_init does. */
int dr_raceline_from_config(dr_raceline *rl, rl_config *cfg, const char *sec,
                            const dr_raceline_opts *opts, rl_error *err);

/* The plugin's command: rlrun --raceline TRACK [-o FILE] [--set deepracer.KEY=VALUE]...
 * [--friction-circle] [--no-plot]. Writes FILE (raceline.csv) and, unless
 * --no-plot, the picture beside it (FILE with .csv replaced by .png, or
 * .png appended); built without cairo, only the CSV and a "note: ..."
 * line in its output. */
extern const rl_command dr_raceline_command;

/* ---- the environment's uses (deepracer.c, rewards.c, drfiles.c) ------------- */

/* Make e->line for the environment's own track and car model, once. */
int dr_env_raceline(dr_env *e, rl_error *err);

/* [deepracer] actions = raceline:N: arg is the text after "raceline:".
 * Fills e->nactions, e->steer, e->speed; errors name the key. */
#define DR_RACELINE_MAX_ACTIONS 64
int dr_raceline_read_actions(dr_env *e, rl_config *cfg, const char *sec, const char *arg,
                             rl_error *err);

/* The race line's lap time and the lap's ratio to it, for the episode's
 * metrics: lap_time / the line's time over the same part of the lap (the
 * whole lap when complete); both 0 without a line or without progress. */
void dr_raceline_ratio(const dr_env *e, double lap_time, double *limit, double *ratio);

/* The follow_raceline reward (rewards.c; doc/deepracer.md gives the
 * formula). */
double dr_reward_follow_raceline(const struct dr_raceline *line, const dr_car_model *m,
                                 const rl_deepracer_params *p);

/* write_run_files' part: dir/raceline.csv for the environment state's
 * track and car model. */
int dr_raceline_run_file(const void *state, const char *dir, rl_error *err);

/* deepracer.c: load the track of section sec (the first of its track list,
 * with is_reversed) as dr_init does, with the same messages. */
int dr_track_from_config(dr_track *t, rl_config *cfg, const char *sec, rl_error *err);

#endif /* RL_DEEPRACER_RACELINE_H */
