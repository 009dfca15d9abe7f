/* The trace-log layer of replay.c and plots.c (simtrace.h). */
#include "simtrace.h"

#include <math.h>
#include <string.h>

static const char *const names[DR_ST_NCOLS] = {
    "episode", "steps",    "X",         "Y",      "yaw",           "steer",
    "throttle", "reward", "progress", "track_len", "tstamp", "episode_status"};

/* The limits of each numeric column (simtrace.h). */
static const double lo[DR_ST_STATUS] = {0,    0,    -1e4, -1e4,      -1e4,      -360,
                                        -100, -1e5, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
static const double hi[DR_ST_STATUS] = {1e12, 1e12, 1e4,      1e4,      1e4,     360,
                                        100,  1e5,  HUGE_VAL, HUGE_VAL, HUGE_VAL};

int dr_simtrace_open(dr_simtrace *t, const char *path, unsigned need, rl_error *err)
{
    memset(t, 0, sizeof *t);
    t->csv = rl_csv_open(path, 0, err);
    if (!t->csv) return err ? err->code : RL_EIO;
    int rc = rl_csv_read_header(t->csv, err);
    for (int c = 0; rc == RL_OK && c < DR_ST_NCOLS; c++) {
        t->col[c] = rl_csv_find(t->csv, names[c], err);
        if (t->col[c] == -2) rc = RL_EFORMAT;
        else if (t->col[c] < 0 && (need & DR_ST_NEED(c)))
            rc = rl_error_set(err, RL_EFORMAT,
                              "%s:1: no column '%s' in the header (not a SIM_TRACE_LOG: the "
                              "simulator's logs start with episode,steps,X,Y,yaw,...)",
                              path, names[c]);
    }
    if (rc != RL_OK) dr_simtrace_close(t);
    return rc;
}

int dr_simtrace_next(dr_simtrace *t, dr_simtrace_row *r, rl_error *err)
{
    int k = rl_csv_next(t->csv, err);
    if (k <= 0) return k;
    for (int c = 0; c < DR_ST_STATUS; c++) {
        r->v[c] = NAN;
        if (t->col[c] >= 0 &&
            rl_csv_double_in(t->csv, (size_t)t->col[c], lo[c], hi[c], &r->v[c], err) != RL_OK)
            return -1;
    }
    r->status = t->col[DR_ST_STATUS] >= 0 ? rl_csv_field(t->csv, (size_t)t->col[DR_ST_STATUS]) : NULL;
    r->episode_text = t->col[DR_ST_EPISODE] >= 0 ? rl_csv_field(t->csv, (size_t)t->col[DR_ST_EPISODE]) : NULL;
    r->steps_text = t->col[DR_ST_STEPS] >= 0 ? rl_csv_field(t->csv, (size_t)t->col[DR_ST_STEPS]) : NULL;
    return 1;
}

long dr_simtrace_line(const dr_simtrace *t) { return rl_csv_line(t->csv); }

void dr_simtrace_close(dr_simtrace *t)
{
    rl_csv_close(t->csv);
    t->csv = NULL;
}
