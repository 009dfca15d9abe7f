/* The deepracer plugin's pictures of a run (doc/deepracer.md, "Pictures"),
 * drawn with cairo from the files a run leaves in its directory:
 *
 *   track.png     the track (road, borders, dashed centre line) with every
 *                 evaluation lap's path coloured by speed, and the race line
 *                 of raceline.csv when the run directory has one;
 *   learning.png  per training iteration: mean return (progress.csv), mean
 *                 progress, lap completion and lap time (training-simtrace/);
 *   reward.png    the mean reward of the training traces by position.
 *
 * Every file read is treated as hostile: a malformed one is an error
 * naming it and the line. Each PNG is written whole or not at all
 * (rl_write_file_atomic). The same files give the same PNGs, byte for
 * byte, on the same machine (fonts come from fontconfig). Nothing here
 * prints or exits. Built without cairo (configure --without-cairo, or no
 * libcairo2-dev), dr_plots_write and dr_write_plots return
 * RL_EUNSUPPORTED with a message saying so. */
#ifndef RL_DEEPRACER_PLOTS_H
#define RL_DEEPRACER_PLOTS_H

#include <stdio.h>

#include <rl/rl.h>

#include "track.h"

/* Size in pixels of every picture. */
#define DR_PLOT_W 1200
#define DR_PLOT_H 900

/* The map area of track.png and reward.png: the track is fitted into
 * [DR_PLOT_MAP_X0, DR_PLOT_MAP_X1] x [DR_PLOT_MAP_Y0, DR_PLOT_MAP_Y1]
 * pixels; the colour bar and its labels sit to its right. */
#define DR_PLOT_MAP_X0 30.0
#define DR_PLOT_MAP_X1 1010.0
#define DR_PLOT_MAP_Y0 70.0
#define DR_PLOT_MAP_Y1 880.0

/* World to pixel: px = ox + scale x, py = oy - scale y (y points up in the
 * world and down in the picture). */
typedef struct dr_plot_view {
    double scale, ox, oy;
} dr_plot_view;

/* The view track.png and reward.png draw t with: its borders fitted into
 * the map area, centred, the same scale on both axes. */
void dr_plot_view_of(const dr_track *t, dr_plot_view *v);

enum { DR_PLOT_SPEED_MAP = 0, DR_PLOT_REWARD_MAP = 1 };

/* The colour (r, g, b in [0, 1]) of value x on a scale from lo to hi:
 * plasma for speeds, viridis for rewards, linear between five stops,
 * clamped at the ends. */
void dr_plot_colour(int map, double x, double lo, double hi, double rgb[3]);

/* The speed scale of track.png for laps whose speeds range from lo to hi
 * m/s: rounded outwards to 0.5 m/s, at least 0.5 m/s wide. */
void dr_plot_speed_scale(double lo, double hi, double *a, double *b);

/* Draw track.png, learning.png and reward.png of the run in dir on track t
 * (track_name, e.g. "technical", goes into the titles). Writes one line
 * per picture to out ("DIR/track.png: ...") and one per note on what
 * could not be drawn (no traces); out may be NULL. RL_ENOTFOUND when dir
 * has no progress.csv, RL_EFORMAT for a malformed file of the run (the
 * message names it and the line), RL_EIO / RL_ENOMEM, RL_EUNSUPPORTED
 * without cairo. */
int dr_plots_write(const dr_track *t, const char *track_name, const char *dir, FILE *out,
                   rl_error *err);

/* rl_env_type.write_plots: dr_plots_write on the instance's track. */
int dr_write_plots(const void *state, rl_config *cfg, const char *dir, FILE *out,
                   rl_error *err);

#endif /* RL_DEEPRACER_PLOTS_H */
