/* The deepracer plugin's pictures of a run (doc/deepracer.md, "Pictures"),
 * drawn with cairo from the files a run leaves in its directory:
 *
 *   track.png     the track (road, borders, dashed centre line) with every
 *                 evaluation lap's path coloured by speed, and the race line
 *                 of raceline.csv when the run directory has one;
 *   learning.png  per training iteration: mean return (progress.csv), mean
 *                 progress, lap completion and lap time (training-simtrace/);
 *   reward.png    the mean reward of the training traces by position;
 *
 * and the picture rlrun --raceline writes beside its CSV (raceline.c),
 * through dr_plot_track_png, which track.png uses too.
 *
 * Every file read is treated as hostile: a malformed one is an error
 * naming it and the line. Each PNG is written whole or not at all
 * (rl_write_file_atomic). The same files give the same PNGs, byte for
 * byte, on the same machine (fonts come from fontconfig). Nothing here
 * prints or exits. Built without cairo (configure --without-cairo, or no
 * libcairo2-dev), dr_plots_write, dr_write_plots and dr_plot_track_png
 * return RL_EUNSUPPORTED with a message saying so ("plots are off: ..."). */
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

/* A track's name for titles, from what the `track` key holds: the first
 * of its list, its file name without folders and extension ("technical",
 * "envs/tracks/oval.csv" -> "oval"). */
void dr_plot_track_title(const char *track, char *name, size_t len);

/* What dr_plot_track_png draws over the track. */
typedef struct dr_plot_track_spec {
    const char *title; /* top left, in bold */
    /* A path coloured by speed on the plasma scale from vlo to vhi m/s,
     * 3 px wide, with a colour bar in m/s when n > 0: n points (x, y) in
     * metres; v[i] the speed of the segment from point i - 1 to point i
     * (NaN: no segment, the path breaks there). v[0] is only read when
     * closed. Points far (1e5 px) outside the picture are not drawn. */
    const double *x, *y, *v;
    size_t n;
    int closed;       /* also the segment from point n - 1 to point 0, at v[0] */
    double vlo, vhi;  /* the colour scale (dr_plot_speed_scale) */
    /* A line drawn in black, 2.5 px, under the path (track.png: the race
     * line of raceline.csv), closed when its ends are less than 0.5 m
     * apart; ln < 2: none. line_label (NULL: none) is its legend entry,
     * bottom right. */
    const double *lx, *ly;
    size_t ln;
    const char *line_label;
    /* Lines of text at the top right, right-aligned, 20 px apart. */
    const char *const *legend;
    size_t nlegend;
} dr_plot_track_spec;

/* Draw track t (road, white borders, dashed centre line, start line) in
 * view v, DR_PLOT_W x DR_PLOT_H, with what p holds, and write it as a PNG
 * to path whole or not at all (rl_write_file_atomic). The same arguments
 * give the same bytes. RL_OK; RL_EIO / RL_ENOMEM naming path;
 * RL_EUNSUPPORTED without cairo. */
int dr_plot_track_png(const dr_track *t, const dr_plot_view *v, const dr_plot_track_spec *p,
                      const char *path, rl_error *err);

/* Draw track.png, learning.png and reward.png of the run in dir on track t
 * (track_name, e.g. "technical", goes into the titles). Writes one line
 * per picture to out ("DIR/track.png: ...") and one per note on what
 * could not be drawn (no traces); out may be NULL. RL_ENOTFOUND when dir
 * has no progress.csv, RL_EFORMAT for a malformed file of the run (the
 * message names it and the line), RL_EIO / RL_ENOMEM, RL_EUNSUPPORTED
 * without cairo. */
int dr_plots_write(const dr_track *t, const char *track_name, const char *dir, FILE *out,
                   rl_error *err);

/* Read the files of a run that dr_plots_write draws from, as it reads
 * them, without drawing: the same codes and messages (for tests and the
 * fuzz targets). RL_EUNSUPPORTED without cairo. */
int dr_plots_read(const dr_track *t, const char *dir, rl_error *err);

/* Keep libcairo and the libraries it loaded in memory until the process
 * ends (the plugin calls it when it is loaded): their load-time state and
 * font caches stay reachable after the plugin is closed, so valgrind and
 * LeakSanitizer do not report them. Nothing without cairo. */
void dr_plots_pin(void);

/* rl_env_type.write_plots: dr_plots_write on the instance's track. */
int dr_write_plots(const void *state, rl_config *cfg, const char *dir, FILE *out,
                   rl_error *err);

#endif /* RL_DEEPRACER_PLOTS_H */
