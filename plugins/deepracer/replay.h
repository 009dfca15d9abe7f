/* rlrun --replay-simtrace: the car model driven by the commands of a real
 * simulator trace log, from the logged poses (replay.c). */
#ifndef RL_DEEPRACER_REPLAY_H
#define RL_DEEPRACER_REPLAY_H

#include <stdio.h>

#include "deepracer.h"

struct row;

/* The rows of one log: a SIM_TRACE_LOG CSV file, or every .csv file under
 * a folder (training-simtrace/N-iteration.csv, ...) in iteration order. */
typedef struct dr_replay_log {
    struct row *rows;
    size_t n;     /* rows */
    size_t files; /* files read */
} dr_replay_log;

/* Read a log. RL_ENOTFOUND, RL_EFORMAT (naming file, line and column),
 * RL_EIO or RL_ENOMEM. */
int dr_replay_read(const char *path, dr_replay_log *log, rl_error *err);
void dr_replay_free(dr_replay_log *log);

typedef struct dr_replay_stats {
    size_t rows, windows;     /* rows read; starts replayed */
    double pos5_median, pos5_p90, pos15_median, pos15_p90; /* m */
    double yaw5_median, yaw5_p90, yaw15_median, yaw15_p90; /* degrees */
    size_t cv_windows;        /* starts with a previous step */
    double cv15_median;       /* m: constant velocity after 15 steps */
} dr_replay_stats;

/* Replay every start of the log with model m (parity 0 or 1: only the
 * starts in even or odd-numbered episodes; -1: all); one CSV row per start
 * to csv (NULL: none). */
int dr_replay_run(const dr_replay_log *log, const dr_car_model *m, int parity, FILE *csv,
                  dr_replay_stats *stats, rl_error *err);

extern const rl_command dr_replay_command;

#endif
