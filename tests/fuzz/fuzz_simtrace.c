/* Fuzz target: the replay's reader of DeepRacer simulator trace logs
 * (plugins/deepracer/replay.c, dr_replay_read), then the replay itself
 * over what was read (rlrun --replay-simtrace), with the default car.
 *
 * Input: a whole SIM_TRACE_LOG CSV file. */
#include <stdio.h>

#include <rl/rl.h>

#include "deepracer.h"
#include "fuzz.h"
#include "replay.h"

FUZZ_TARGET(simtrace)
{
    const char *path = fuzz_write("0-iteration.csv", data, size);
    if (!path) return 0;
    dr_replay_log log;
    rl_error err = {0};
    if (dr_replay_read(path, &log, &err) == RL_OK) {
        dr_car_model m;
        if (dr_car_model_preset(&m, "sim2026") == 0) {
            dr_replay_stats st;
            rl_error e2 = {0};
            dr_replay_run(&log, &m, -1, NULL, &st, &e2);
        }
        dr_replay_free(&log);
    }
    return 0;
}
