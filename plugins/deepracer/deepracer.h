/* The deepracer plugin's internals: the car, the reward presets and the
 * environment's state. doc/deepracer.md describes the model and every
 * constant. */
#ifndef RL_DEEPRACER_PLUGIN_H
#define RL_DEEPRACER_PLUGIN_H

#include <ltdl.h>
#include <stdint.h>

#include <rl/rl.h>
#include <rl/deepracer.h>

#include "track.h"

/* ---- the car: a kinematic bicycle at the simulator's 15 Hz -------------- */

#define DR_DT (1.0 / 15.0)       /* one step: one camera frame */
#define DR_SUBSTEPS 4            /* integration steps per frame */
#define DR_WHEELBASE 0.164       /* m, front to rear axle */
#define DR_AXLE_TRACK 0.16       /* m, left to right wheel centres */
#define DR_POINT_AHEAD 0.14      /* m, the reward "car point" ahead of the origin */
#define DR_MAX_STEER 30.0        /* degrees */
#define DR_MIN_SPEED 0.1         /* m/s, commanded speed is clipped to */
#define DR_MAX_SPEED 4.0         /* m/s */
#define DR_CAR_WIDTH 0.196      /* m, the car's footprint */
#define DR_CAR_LENGTH 0.324
#define DR_PI 3.14159265358979323846

typedef struct dr_car {
    double x, y;   /* the origin: the middle of the wheelbase */
    double yaw;    /* radians, in (-pi, pi] */
    double cy, sy; /* cos and sin of yaw, kept by the step */
    double v;      /* speed, m/s */
    double steer;  /* the front wheels' actual angle, radians (+ left) */
    double yaw_rate; /* rad/s */
    double moved;  /* distance covered by the last step */
} dr_car;

/* The car model's constants: a preset (car_model = sim2026 | sim2022)
 * which keys of [deepracer] may override. doc/deepracer.md, "The car",
 * states the form and how each constant was fitted. */
typedef struct dr_car_model {
    char name[16];      /* the preset's name */
    double steer_tau;   /* s, time constant of the steering actuator (0: instant) */
    double steer_gain;  /* path curvature / kinematic tan(steer) / L, at low speed */
    double understeer;  /* s^2/m^2: the gain falls as 1 / (1 + understeer v^2) */
    double speed_tau;   /* s, time constant of the speed response */
    double speed_scale; /* the speed reached / the command */
    double accel_max;   /* m/s^2, the largest forward acceleration */
    double brake_max;   /* m/s^2, the largest deceleration */
    double a_lat_max;   /* m/s^2, the lateral grip limit */
    double top_speed;   /* m/s, the fastest the car goes whatever the command */
    double yaw_tau;     /* s, time constant of the yaw rate's response... */
    double yaw_tau_v;   /* s per m/s: ...which grows with speed */
    double sideslip;    /* the velocity points asin(sideslip kappa L / 2) off the body */
    double kappa_max;   /* 1/m: the curvature saturates smoothly at it (0: no limit) */
    double scrub;       /* the tyres' scrub: deceleration = scrub x lateral acceleration */
    /* Derived by dr_car_model_update. */
    double alpha;       /* 1 - exp(-h / speed_tau), h = DR_DT / DR_SUBSTEPS */
    double beta;        /* 1 - exp(-h / steer_tau) */
    double gamma;       /* 1 - exp(-h / yaw_tau), when yaw_tau_v is 0 */
} dr_car_model;

/* The preset called name ("sim2026", "sim2022"); -1 when there is none. */
int dr_car_model_preset(dr_car_model *m, const char *name);

/* The preset names, joined with " | ", for messages and docs. */
extern const char dr_car_model_names[];

/* Recompute the derived constants after a change. */
void dr_car_model_update(dr_car_model *m);

/* What the model's car can do, for the race line and action spaces. */
typedef struct dr_car_limits {
    double v_max;      /* m/s, the top speed reached (the largest command's) */
    double v_min;      /* m/s, the smallest command's speed */
    double a_lat;      /* m/s^2, lateral grip */
    double a_accel;    /* m/s^2, forward acceleration */
    double a_brake;    /* m/s^2, braking */
    double width;      /* m, the car's width */
    double length;     /* m, the car's length */
} dr_car_limits;

void dr_car_model_limits(const dr_car_model *m, dr_car_limits *out);

/* The largest steady |path curvature| (1/m) at speed v: full lock through
 * the steering gain, capped by the grip. */
double dr_car_max_curvature(const dr_car_model *m, double v);

/* The steady path curvature (1/m) a steering angle (radians) gives at
 * speed v, and the steering angle that gives curvature kappa (clipped to
 * full lock). */
double dr_car_curvature_at(const dr_car_model *m, double steer, double v);
double dr_car_steer_for(const dr_car_model *m, double kappa, double v);

/* The steady speed a command reaches, and the command that reaches v. */
double dr_car_speed_for(const dr_car_model *m, double command);
double dr_car_command_for(const dr_car_model *m, double v);

/* Read the car model of section sec: the car_model preset and the keys
 * that override its constants (doc/config.md, [deepracer]). */
int dr_car_model_read(dr_car_model *m, rl_config *cfg, const char *sec, rl_error *err);

/* Set the heading (radians, any value; kept in (-pi, pi]) and its unit
 * vector. */
void dr_car_set_yaw(dr_car *c, double yaw);

/* Advance one frame of dt seconds (DR_DT in the environment) with the
 * commanded steering (radians, + left) and speed (m/s, already clipped). */
void dr_car_step(dr_car *c, const dr_car_model *m, double steer, double speed, double dt);

/* The four wheel centres (front left, front right, rear left, rear right),
 * x then y. */
void dr_car_wheels(const dr_car *c, double wx[4], double wy[4]);

/* The keys of [deepracer] (deepracer.c). */
extern const rl_param dr_params[];

/* ---- reward presets ------------------------------------------------------ */

typedef enum dr_reward_preset {
    DR_REWARD_MODULE = 0,        /* a function from a libtool module */
    DR_REWARD_FOLLOW_CENTERLINE,
    DR_REWARD_STAY_INSIDE_BORDERS,
    DR_REWARD_PREVENT_ZIGZAG,
    DR_REWARD_PROGRESS_PER_STEP,
    DR_REWARD_PYTHON,            /* reward_function(params) from a .py file */
    DR_REWARD_FOLLOW_RACELINE    /* near the race line, at its speed (raceline.h) */
} dr_reward_preset;

/* The preset called name, or DR_REWARD_MODULE when there is none. */
dr_reward_preset dr_reward_find(const char *name);

/* The preset names, joined with ", ", for messages and docs. */
extern const char dr_reward_names[];

/* The preset's value. prev_progress is the progress before this step (for
 * progress_per_step). */
double dr_reward_preset_value(dr_reward_preset preset, const rl_deepracer_params *p,
                              double prev_progress);

/* ---- the environment -------------------------------------------------------- */

#define MAX_ACTIONS 256
#define STALL_STEPS 15      /* reversed and immobilized take this many steps */
#define STALL_DISTANCE 3e-4 /* m per step: immobilized below it */

/* How an episode ended (or not yet), with the trace log's names. */
typedef enum dr_status {
    DR_PREPARE = 0,
    DR_IN_PROGRESS,
    DR_OFF_TRACK,
    DR_CRASHED,
    DR_REVERSED,
    DR_IMMOBILIZED,
    DR_LAP_COMPLETE,
    DR_PAUSE          /* held after an evaluation reset */
} dr_status;

/* What the next step does with its action. */
typedef enum dr_phase {
    DR_PHASE_RUN = 0,  /* apply it */
    DR_PHASE_PREPARE,  /* the episode's first step: hold the car, no reward */
    DR_PHASE_PAUSE     /* an evaluation reset's penalty: hold the car */
} dr_phase;

/* One track of `track = a, b, c`: loaded once, with what is derived from
 * it. */
typedef struct dr_course {
    dr_track track;
    double (*wp)[2];              /* the waypoints handed to reward functions */
    double *seg_yaw;              /* direction of each centre segment, radians */
    struct dr_raceline *line;     /* its race line, once made (raceline.c) */
} dr_course;

#define DR_MAX_TRACKS 32          /* tracks one `track` key may list */

typedef struct dr_env {
    /* The current episode's track: copies of courses[course]'s fields
     * (its arrays belong to courses). */
    dr_track track;
    double (*wp)[2];              /* the waypoints handed to reward functions */
    double *seg_yaw;              /* direction of each centre segment, radians */
    /* Every track the `track` key lists, in its order; training episodes
     * take them in turn, evaluation the first (doc/deepracer.md, "Several
     * tracks"). */
    dr_course *courses;
    size_t ncourses, course;
    dr_car_model model;

    /* actions */
    int continuous;
    size_t nactions;
    double steer[MAX_ACTIONS], speed[MAX_ACTIONS]; /* degrees, m/s */
    double steer_lo, steer_hi, speed_lo, speed_hi; /* continuous */

    /* observations */
    int lidar;
    int k_ahead;
    double spacing;
    int rays;
    double fov, range;
    size_t obs_dim;

    /* reward */
    dr_reward_preset preset;
    rl_deepracer_reward_fn fn;
    lt_dlhandle module;
    int ltdl_up;
    struct dr_pyreward *py;       /* a Python reward function (pyreward.h) */
    char reward_name[256];

    /* episodes */
    double advance;
    uint32_t slots;
    int eval;                     /* evaluation behaviour */
    int eval_continuous;          /* evaluation laps follow each other */
    int64_t max_resets;           /* evaluation resets allowed per run of laps */
    double penalty;               /* seconds held after a reset */

    /* the episode in progress (saved for exact resume) */
    dr_car car;
    double s0;                    /* arc length of the origin at the standing start */
    int lap_from_rest;            /* the lap began at rest (not a continuous lap) */
    size_t seg;                   /* centre segment of the car point */
    double s_prev;                /* its arc length at the last step */
    double travel;                /* signed distance along the track since the start */
    double prev_progress;
    int steps;
    int falling, still;           /* steps in a row of lost progress, of no motion */
    uint64_t rr;                  /* round-robin start counter */
    int rr_started;
    uint64_t clock;               /* steps since the instance began: the trace's tstamp */
    int lap_ticks;                /* steps of this lap after its prepare step */
    int offtrack_count;
    int resets;                   /* evaluation resets in this run of laps */
    int pause_left, pause_m;      /* pause steps to come, pause steps taken */
    double pause_len;             /* the pause's penalty, seconds */
    int fresh;                    /* the next reset is a standing start */
    double max_progress;          /* of this lap */
    dr_status status;
    dr_phase phase;
    double steer_cmd, speed_cmd;  /* degrees, m/s: the command applied */
    int action_index;             /* -1 for continuous actions */
    double reward;

    /* The trace row of the last step: the pose before the action, the
     * chosen action (also when it was not applied) and the outcome. */
    double tr_x, tr_y, tr_heading, tr_steer, tr_speed, tr_progress, tr_pause;
    int tr_cw[2], tr_action, tr_on;

    rl_deepracer_params p;

    struct dr_raceline *line;     /* the current track's race line, when made (its course's) */
} dr_env;

extern const rl_env_type rl_deepracer_env;

/* Put the car's origin at arc length s of the centre line, heading along
 * its segment (toward the next waypoint), at rest: the simulator's start.
 * Measures every parameter; progress is not touched. */
void dr_env_place(dr_env *e, double s);

/* Put the car with its reward point at (x, y) and the given heading
 * (degrees), at rest, and update every parameter as a step that ended there
 * would (progress included). For tests and tools. search_all projects onto
 * the whole centre line instead of near the car's last segment. */
void dr_env_set_pose(dr_env *e, double x, double y, double heading, int search_all);

#endif /* RL_DEEPRACER_PLUGIN_H */
