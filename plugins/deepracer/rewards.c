/* The built-in reward functions, chosen by name with [deepracer]
 * reward_function. The first three are the examples of the AWS DeepRacer
 * developer guide, written in C with the same thresholds. */
#include <math.h>
#include <string.h>

#include "deepracer.h"
#include "raceline.h"

const char dr_reward_names[] =
    "follow_centerline, stay_inside_borders, prevent_zigzag, progress_per_step, "
    "follow_raceline";

dr_reward_preset dr_reward_find(const char *name)
{
    static const struct {
        const char *name;
        dr_reward_preset preset;
    } table[] = {
        {"follow_centerline", DR_REWARD_FOLLOW_CENTERLINE},
        {"stay_inside_borders", DR_REWARD_STAY_INSIDE_BORDERS},
        {"prevent_zigzag", DR_REWARD_PREVENT_ZIGZAG},
        {"progress_per_step", DR_REWARD_PROGRESS_PER_STEP},
        {"follow_raceline", DR_REWARD_FOLLOW_RACELINE},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(name, table[i].name) == 0) return table[i].preset;
    return DR_REWARD_MODULE;
}

/* Three bands around the centre line: 10%, 25% and 50% of the width. */
static double follow_centerline(const rl_deepracer_params *p)
{
    double w = p->track_width, d = p->distance_from_center;
    if (d <= 0.1 * w) return 1.0;
    if (d <= 0.25 * w) return 0.5;
    if (d <= 0.5 * w) return 0.1;
    return 1e-3; /* likely crashed or close to off track */
}

double dr_reward_preset_value(dr_reward_preset preset, const rl_deepracer_params *p,
                              double prev_progress)
{
    switch (preset) {
    case DR_REWARD_FOLLOW_CENTERLINE:
        return follow_centerline(p);
    case DR_REWARD_STAY_INSIDE_BORDERS:
        /* All wheels on the road and 5 cm from the border. */
        return p->all_wheels_on_track && 0.5 * p->track_width - p->distance_from_center >= 0.05
                   ? 1.0
                   : 1e-3;
    case DR_REWARD_PREVENT_ZIGZAG: {
        double r = follow_centerline(p);
        /* Penalise steering harder than 15 degrees. */
        return fabs(p->steering_angle) > 15.0 ? r * 0.8 : r;
    }
    case DR_REWARD_PROGRESS_PER_STEP:
        /* The share of the lap this step covered, in percent: a lap earns
         * 100 in all, sooner when faster, so discounting rewards speed.
         * Losing ground costs what it lost. */
        return p->progress - prev_progress;
    case DR_REWARD_MODULE:
    case DR_REWARD_PYTHON:
    case DR_REWARD_FOLLOW_RACELINE: /* needs the line: dr_reward_follow_raceline */
        break;
    }
    return 0;
}

/* follow_raceline: near the race line, at its speed. d is the distance
 * from the car's origin (the reward point 0.14 m back along the heading)
 * to the line, c the line's speed command at its nearest point (the
 * command that reaches the line's speed there), speed the commanded
 * speed:
 *     position = max(0, 1 - d / (track_width / 2))
 *     pace     = max(0, 1 - |speed - c| / c)
 *     reward   = max(1e-3, position * (0.5 + 0.5 pace)),  1e-3 off track. */
double dr_reward_follow_raceline(const struct dr_raceline *line, const dr_car_model *m,
                                 const rl_deepracer_params *p)
{
    if (p->is_offtrack) return 1e-3;
    double h = p->heading * (DR_PI / 180.0);
    double ox = p->x - DR_POINT_AHEAD * cos(h), oy = p->y - DR_POINT_AHEAD * sin(h);
    double d, v;
    dr_raceline_nearest(line, ox, oy, p->projection_distance, &d, &v);
    double half = 0.5 * p->track_width;
    double position = half > 0 ? 1.0 - d / half : 0.0;
    if (position < 0) position = 0;
    double c = dr_car_command_for(m, v);
    double pace = c > 0 ? 1.0 - fabs(p->speed - c) / c : 0.0;
    if (pace < 0) pace = 0;
    double r = position * (0.5 + 0.5 * pace);
    return r > 1e-3 ? r : 1e-3;
}
