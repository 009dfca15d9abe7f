/* Fuzz target: the readers of a run's files behind the deepracer
 * plugin's pictures (plugins/deepracer/plots.c, dr_plots_read): above all
 * the simulator trace logs (the evaluation trace and the training
 * traces), and progress.csv, eval.csv and raceline.csv.
 *
 * Input: one byte choosing the file the rest of the input replaces
 * (0-2: the evaluation trace, 3-5: a training trace, 6: progress.csv,
 * 7: eval.csv, 8: raceline.csv; modulo 9); the run's other files keep a
 * small valid content. The track is a 4 m square made here. Without cairo
 * dr_plots_read refuses at once, and the target tests nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rl/rl.h>

#include "fuzz.h"
#include "plots.h"
#include "track.h"

static const char trace[] =
    "episode,steps,X,Y,yaw,steer,throttle,action,reward,done,all_wheels_on_track,progress,"
    "closest_waypoint,track_len,tstamp,episode_status,pause_duration\n"
    "0,1,0.5,0.0,0.0,0.0,1.0,1,0.0,False,True,0.0,0,16.00,0.000,prepare,0.0\n"
    "0,2,0.6,0.0,0.0,0.0,1.0,1,1.0,False,True,1.0,0,16.00,0.067,in_progress,0.0\n"
    "0,3,0.7,0.0,0.0,0.0,1.0,1,1.0,False,True,2.0,1,16.00,0.133,in_progress,0.0\n"
    "1,1,0.5,0.0,0.0,0.0,1.0,1,0.0,False,True,0.0,0,16.00,0.200,prepare,0.0\n"
    "1,2,0.6,0.0,0.0,0.0,1.0,1,1.0,True,True,100.0,0,16.00,0.267,lap_complete,0.0\n";

static const struct {
    const char *name, *text;
} files[] = {
    {"evaluation-1/evaluation-simtrace/0-iteration.csv", trace},
    {"training-simtrace/0-iteration.csv", trace},
    {"progress.csv", "iteration,mean_return\n1,2.5\n2,nan\n"},
    {"eval.csv", "episode,return,progress,complete,lap_time\n0,1.0,100,1,9.5\n"},
    {"raceline.csv", "x,y,speed\n0,0,1\n1,0,2\n2,0.5,1.5\n"},
};

static char run[1024];
static dr_track track;

/* The run folder, its files and the track, once. */
static int setup(void)
{
    const char *dir = fuzz_dir();
    if (!dir) return -1;
    char csv[4096] = "";
    for (int i = 0; i <= 16; i++) {
        /* A 4 m square, 16 rows around it, then the closing row. */
        int k = i % 16, side = k / 4;
        double a = (double)(k % 4), x, y, nx, ny;
        if (side == 0) x = a, y = 0, nx = 0, ny = 1;
        else if (side == 1) x = 4, y = a, nx = -1, ny = 0;
        else if (side == 2) x = 4 - a, y = 4, nx = 0, ny = -1;
        else x = 0, y = 4 - a, nx = 1, ny = 0;
        char row[200];
        snprintf(row, sizeof row, "%g,%g,%g,%g,%g,%g\n", x, y, x + 0.5 * nx, y + 0.5 * ny,
                 x - 0.5 * nx, y - 0.5 * ny);
        strcat(csv, row);
    }
    const char *path = fuzz_write("square.csv", csv, strlen(csv));
    char err[256];
    if (!path || dr_track_load(&track, path, 0, err, sizeof err) != 0) return -1;
    snprintf(run, sizeof run, "%s/run", dir);
    const char *subdirs[] = {"", "/evaluation-1", "/evaluation-1/evaluation-simtrace",
                             "/training-simtrace"};
    for (size_t i = 0; i < sizeof subdirs / sizeof *subdirs; i++) {
        char p[1200];
        snprintf(p, sizeof p, "%s%s", run, subdirs[i]);
        if (mkdir(p, 0700) != 0) return -1;
    }
    return 0;
}

static int put(const char *name, const void *data, size_t size)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", run, name);
    FILE *f = fopen(p, "wb");
    if (!f) return -1;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok ? 0 : -1;
}

FUZZ_TARGET(plots_trace)
{
    static int ready;
    if (!ready) {
        if (setup() != 0) abort(); /* the harness itself is broken */
        ready = 1;
    }
    if (size < 1) return 0;
    unsigned pick = data[0] % 9;
    size_t which = pick < 3 ? 0 : pick < 6 ? 1 : pick - 4;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        int rc = i == which ? put(files[i].name, data + 1, size - 1)
                            : put(files[i].name, files[i].text, strlen(files[i].text));
        if (rc != 0) return 0;
    }
    rl_error err = {0};
    dr_plots_read(&track, run, &err);
    return 0;
}
