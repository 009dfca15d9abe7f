/* librl: the DeepRacer environment's reward parameters, for reward
 * functions written in C.
 *
 * The deepracer plugin calls the reward function once per step, after the
 * action has moved the car, with the parameters of the AWS DeepRacer
 * simulator and the same meanings (see doc/deepracer.md). A reward
 * function of your own is a libtool module that defines
 *
 *     #include <rl/deepracer.h>
 *     double reward_function(const rl_deepracer_params *params)
 *     {
 *         return params->all_wheels_on_track ? 1.0 : 1e-3;
 *     }
 *
 * and is named in the INI file: [deepracer] reward_function =
 * path/to/module.la (the symbol is reward_function unless reward_symbol
 * names another). The value must be finite and within [-1e5, 1e5], as in
 * the simulator; anything else stops training with an error naming the
 * function, the step and the parameters.
 *
 * Positions are in metres in the track's frame, angles in degrees
 * (heading in (-180, 180], steering_angle positive to the left), speed in
 * m/s. Every positional value is for the car's point 0.14 m ahead of its
 * origin (the middle of the wheelbase), as in the simulator.
 *
 * The struct only grows by appending fields; `size` is sizeof the struct
 * the plugin was built with, so a reward function can check for fields
 * newer than its header. */
#ifndef RL_DEEPRACER_H
#define RL_DEEPRACER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rl_deepracer_params {
    size_t size;                 /* sizeof(rl_deepracer_params) of the caller */
    int all_wheels_on_track;     /* all four wheel centres on the road */
    double x, y;                 /* the car point */
    double distance_from_center; /* from the car point to the centre line */
    int is_left_of_center;       /* left of the centre line, driving direction */
    int is_reversed;             /* the track is driven in reverse */
    double heading;              /* body yaw, degrees in (-180, 180] */
    double progress;             /* percent of the lap since the episode began */
    int steps;                   /* steps in this episode, 1 on the first call */
    double speed;                /* the commanded speed of the action, m/s */
    double steering_angle;       /* the commanded steering of the action, deg */
    double track_width;          /* local width at the nearest centre point */
    double track_length;         /* centre-line length */
    const double (*waypoints)[2];/* centre-line points in the driving
                                  * direction, num_waypoints of them; the last
                                  * repeats the first */
    int num_waypoints;
    int closest_waypoints[2];    /* [prev, next] around the projection */
    int is_offtrack;             /* all four wheels off the road */
    int is_crashed;              /* the car overlaps an object */
    double projection_distance;  /* arc length from waypoint 0 to the projection */

    /* Objects (obstacles and bot cars): empty until a track has them.
     * closest_objects is [0, 0] when there are none. */
    int num_objects;
    int closest_objects[2];               /* [behind, ahead] */
    const double (*objects_location)[2];  /* x, y of each object */
    const double *objects_distance;       /* arc length of each along the track */
    const double *objects_distance_from_center;
    const int *objects_left_of_center;
    const double *objects_heading;        /* degrees */
    const double *objects_speed;          /* m/s */
} rl_deepracer_params;

/* The type of a reward function. */
typedef double (*rl_deepracer_reward_fn)(const rl_deepracer_params *params);

/* Marks a reward function for export from its module, also when the module
 * is compiled with -fvisibility=hidden. */
#if defined(__GNUC__)
#define RL_REWARD_EXPORT __attribute__((visibility("default")))
#else
#define RL_REWARD_EXPORT
#endif

/* The default name of a reward function, declared (and exported) here so
 * that a module only defines it. */
RL_REWARD_EXPORT double reward_function(const rl_deepracer_params *params);

#ifdef __cplusplus
}
#endif
#endif /* RL_DEEPRACER_H */
