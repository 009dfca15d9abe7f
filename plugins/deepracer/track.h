/* The deepracer plugin's tracks: loading DeepRacer route files (.npy) and
 * the project's own CSV tracks, and the geometry every reward parameter and
 * observation is computed from.
 *
 * A track file holds N rows of six reals, in metres: centre x, y, inner
 * border x, y, outer border x, y. The loop is closed: the last row repeats
 * the first. Consecutive rows with the same centre point are dropped on
 * load, as the DeepRacer simulator does (later waypoint indices shift by
 * one).
 *
 * Once loaded, a track is stored in the driving direction: reversed
 * tracks (is_reversed) have their rows in the opposite order. "Left" and
 * "right" are the driver's: on a counter-clockwise track driven forwards
 * the inner border is on the left.
 *
 * Waypoint arrays hold n + 1 points: the n distinct waypoints and, at index
 * n, waypoint 0 again (DeepRacer's closing point). Segment i runs from
 * waypoint i to waypoint i + 1, for i in [0, n).
 *
 * Nothing here allocates after dr_track_load, prints or exits. */
#ifndef RL_DEEPRACER_TRACK_H
#define RL_DEEPRACER_TRACK_H

#include <stddef.h>

#define DR_TRACK_MIN_POINTS 4 /* distinct waypoints a track needs at least */
/* Limits a track file must keep to (doc/deepracer.md, "Track files"). The
 * real tracks are at most some 20 m across and 100 m long, 0.6 to 1.1 m
 * wide, with at most a few hundred rows; these bounds leave ample room and
 * keep the geometry, its grid and the race line computed at the start of a
 * run (which takes seconds for a 1 km track) of a bounded size. */
#define DR_TRACK_MAX_ROWS 100000   /* rows in a file */
#define DR_TRACK_MAX_COORD 10000.0 /* |x|, |y| of every point, metres */
#define DR_TRACK_MAX_EXTENT 1000.0 /* width and height of the bounding box, metres */
#define DR_TRACK_MAX_LENGTH 1000.0 /* centre line, metres */
#define DR_TRACK_MIN_WIDTH 0.05    /* inner to outer border of a row, metres */
#define DR_TRACK_MAX_WIDTH 100.0
#define DR_NO_HINT ((size_t)-1)

typedef struct dr_track {
    size_t n;            /* distinct waypoints */
    double *cx, *cy;     /* centre line, n + 1 points, driving direction */
    double *lx, *ly;     /* the left border (driver's left), n + 1 points */
    double *rx, *ry;     /* the right border, n + 1 points */
    double *s;           /* arc length of centre waypoint i from waypoint 0,
                          * n + 1 values, s[n] == length */
    double *ux, *uy;     /* unit direction of centre segment i, n values */
    double *seg;         /* length of centre segment i, n values */
    double *hl, *hr;     /* distance from centre waypoint i to the left and
                          * right border points of its row, n + 1 values */
    double length;       /* centre-line length */
    double min_width, max_width; /* over the rows, inner to outer */
    int ccw;             /* 1 when the file's loop runs counter-clockwise
                          * (positive shoelace area of the centre line) */
    int reversed;        /* loaded in the reverse direction */
    size_t dropped;      /* duplicate rows dropped on load */
    /* Derived at load for the fast paths (not part of the file's data). */
    double *w;           /* track width of row i, inner to outer, n + 1 */
    double *qkind;       /* how quadrilateral i is tested, n values: 0
                          * convex, 1 split along left_i - right_i+1, 2
                          * split along left_i+1 - right_i (the diagonal
                          * inside a non-convex one) */
    double max_half;     /* largest hl or hr */
    double max_seg;      /* longest centre segment */
    /* A uniform grid over the road: cell (ix, iy) covers
     * [gx0 + ix / ginv, gx0 + (ix + 1) / ginv) and likewise in y; its
     * quadrilaterals (those whose bounding box meets it) are
     * gquad[gcell[c]] to gquad[gcell[c + 1] - 1], c = iy * gnx + ix. */
    double gx0, gy0, ginv;
    size_t gnx, gny;
    unsigned *gcell, *gquad;
    double *mem;         /* the one allocation behind every array */
} dr_track;

/* Load a track from path: a NumPy .npy file (v1.0 or 2.0, dtype '<f8',
 * C order, shape (N, 6)) or, for any other extension, the project's CSV
 * form (see envs/tracks/README.md: '#' comment lines, an optional header
 * line, then N lines of six comma-separated reals). reversed selects the
 * driving direction. Returns 0, or -1 with a message in err (errlen bytes)
 * naming the file and what is wrong: unreadable, truncated, not a .npy,
 * wrong dtype, Fortran order, wrong shape, data longer than the shape says,
 * a non-finite value (with its row and column), a coordinate beyond
 * DR_TRACK_MAX_COORD, a row whose width is outside [DR_TRACK_MIN_WIDTH,
 * DR_TRACK_MAX_WIDTH] (each with its row, and its line in a CSV), more
 * than DR_TRACK_MAX_ROWS rows, a bounding box wider or taller than
 * DR_TRACK_MAX_EXTENT, a centre line longer than DR_TRACK_MAX_LENGTH,
 * too few distinct points,
 * not closed (first and last rows' centre points more than 1e-6 m apart),
 * or a CSV line that does not hold six reals (with its line). On
 * failure *t is left empty (dr_track_free is still safe). */
int dr_track_load(dr_track *t, const char *path, int reversed, char *err, size_t errlen);

/* Free what dr_track_load took and empty *t. Safe on an empty track. */
void dr_track_free(dr_track *t);

/* The projection of a point onto the centre line. */
typedef struct dr_proj {
    size_t seg;         /* segment holding the projection */
    double frac;        /* position along it, in [0, 1] */
    double s;           /* arc length from waypoint 0, in [0, length) */
    double px, py;      /* the projected point */
    double dist;        /* distance from the point to the centre line, >= 0 */
    double lateral;     /* signed distance: > 0 left of the centre line in
                         * the driving direction, < 0 right */
    double half_left;   /* centre line to left border here (interpolated) */
    double half_right;  /* centre line to right border here */
    double width;       /* track width here: inner to outer border,
                         * interpolated between the segment's two rows */
} dr_proj;

/* Project (x, y) onto the nearest point of the centre polyline. With hint
 * a segment index (the car's last one), the search starts there and walks
 * to the nearest local minimum of the distance, which keeps the car on its
 * own part of the track where the track passes close to itself; with
 * DR_NO_HINT the whole polyline is searched. */
void dr_track_project(const dr_track *t, double x, double y, size_t hint, dr_proj *out);

/* 1 when (x, y) lies inside the road: the union of the quadrilaterals
 * (left_i, left_i+1, right_i+1, right_i), borders included (non-convex
 * quadrilaterals too). hint as for dr_track_project: the quadrilaterals
 * next to it are tried first, then those in the point's grid cell, so the
 * answer never depends on the hint and the cost does not grow with the
 * track. */
int dr_track_on_road(const dr_track *t, double x, double y, size_t hint);

/* The point at arc length s (taken modulo the length) on the centre line,
 * the direction of its segment in radians, and the segment. */
void dr_track_point_at(const dr_track *t, double s, double *x, double *y, double *heading,
                       size_t *seg);

/* The point of the left (side 0) or right (side 1) line nearest (x, y),
 * where the line runs through centre_i + w (border_i - centre_i) for each
 * row i: w = 1 is the border itself (the simulator's
 * border.interpolate(border.project(p))), w = 0.5 the lane half-way to it
 * (the simulator's inner_lane and outer_lane). *heading receives the
 * direction (radians) of the line's segment holding that point, in the
 * driving direction (the simulator's forward difference); it may be NULL.
 * With hint a segment index, the search starts at that row's segment and
 * walks to the nearest local minimum, as dr_track_project does; with
 * DR_NO_HINT the whole line is searched. */
void dr_track_side_point(const dr_track *t, int side, double w, double x, double y, size_t hint,
                         double *qx, double *qy, double *heading);

/* Distance from (x, y) along the ray at angle (radians, world frame) to
 * the first border crossed (either border), at most max_range. Only
 * border segments near hint are tested (those within max_range of the
 * origin, by the centre line's arc length), so the cost does not grow with
 * the track. */
double dr_track_ray(const dr_track *t, double x, double y, double angle, double max_range,
                    size_t hint);

#endif /* RL_DEEPRACER_TRACK_H */
