/* Reading the simulator's trace logs (SIM_TRACE_LOG CSV files, and the
 * deepracer environment's own training-simtrace/ and evaluation-simtrace/
 * files, which have the same columns): one layer, on the plugins' CSV
 * reader (plugins/common/csv.h), for the replay (replay.c) and the
 * pictures (plots.c), so that both accept the same files.
 *
 * Columns are found by name in the header. The caller says which it
 * needs; every known column the header has is read and checked on every
 * row, needed or not:
 *
 *   episode, steps     0 .. 1e12
 *   X, Y, yaw          -1e4 .. 1e4 (m, m, degrees)
 *   steer              -360 .. 360 (degrees)
 *   throttle           -100 .. 100 (m/s)
 *   reward             -1e5 .. 1e5 (the simulator's and the environment's limit)
 *   progress, track_len, tstamp   finite
 *   episode_status     text
 *
 * Every error is RL_EFORMAT naming the file, line and column (csv.h's
 * messages), or what the CSV reader returns. Nothing prints or exits. */
#ifndef RL_DEEPRACER_SIMTRACE_H
#define RL_DEEPRACER_SIMTRACE_H

#include <rl/rl.h>

#include "csv.h"

enum {
    DR_ST_EPISODE,
    DR_ST_STEPS,
    DR_ST_X,
    DR_ST_Y,
    DR_ST_YAW,
    DR_ST_STEER,
    DR_ST_THROTTLE,
    DR_ST_REWARD,
    DR_ST_PROGRESS,
    DR_ST_TRACK_LEN,
    DR_ST_TSTAMP,
    DR_ST_STATUS, /* episode_status, the one text column */
    DR_ST_NCOLS
};

#define DR_ST_NEED(col) (1u << (col))

typedef struct dr_simtrace {
    rl_csv *csv;
    int col[DR_ST_NCOLS]; /* index in the file, -1 when absent */
} dr_simtrace;

/* One row: v[c] for each numeric column c (NaN when the file lacks it),
 * the status (NULL when absent; valid until the next row), and the
 * episode and steps fields as the log wrote them (likewise). */
typedef struct dr_simtrace_row {
    double v[DR_ST_STATUS];
    const char *status;
    const char *episode_text, *steps_text;
} dr_simtrace_row;

/* Open path and read its header; need is the DR_ST_NEED(...) of the
 * columns the caller must have. RL_OK; RL_ENOTFOUND / RL_EIO when it
 * cannot be opened; RL_EFORMAT "PATH:1: no column 'NAME' in the header
 * (not a SIM_TRACE_LOG: ...)", or an empty file. */
int dr_simtrace_open(dr_simtrace *t, const char *path, unsigned need, rl_error *err);

/* The next row: 1, 0 at the end, -1 on an error (in err). */
int dr_simtrace_next(dr_simtrace *t, dr_simtrace_row *r, rl_error *err);

/* The line of the current row. */
long dr_simtrace_line(const dr_simtrace *t);

/* Close; a zeroed or closed t is fine. */
void dr_simtrace_close(dr_simtrace *t);

#endif
