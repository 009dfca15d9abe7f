/* rlrun --replay-simtrace: the car model against the simulator's own trace
 * logs.
 *
 * For every row of a SIM_TRACE_LOG from which 15 more steps of the same
 * episode follow (no prepare or pause row in between), the model car starts
 * at the logged pose, with the speed and steering angle the earlier rows
 * imply, and is driven by the logged commands of the next 15 rows. Its pose
 * after 5 and after 15 steps is compared with the logged ones.
 * doc/deepracer.md, "The car", describes the method and the figures. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rl/checkpoint.h>

#include "deepracer.h"
#include "replay.h"
#include "simtrace.h"

#define HORIZON 15 /* steps: one simulated second */
#define SHORT 5

typedef struct row {
    double x, y, yaw, steer, speed; /* m, m, radians, radians, m/s */
    double step;       /* the steps column */
    long episode;
    int file;          /* the file it came from */
    int held;          /* a prepare or pause row: the command is not applied */
    char key[2][32];   /* episode and steps, as the log wrote them */
} row;

typedef struct log_rows {
    row *r;
    size_t n, cap;
} log_rows;

/* ---- reading the logs -------------------------------------------------------- */

/* One log file (simtrace.h reads and checks it). */
static int read_log(const char *path, int file, log_rows *log, rl_error *err)
{
    dr_simtrace t;
    unsigned need = DR_ST_NEED(DR_ST_EPISODE) | DR_ST_NEED(DR_ST_STEPS) | DR_ST_NEED(DR_ST_X) |
                    DR_ST_NEED(DR_ST_Y) | DR_ST_NEED(DR_ST_YAW) | DR_ST_NEED(DR_ST_STEER) |
                    DR_ST_NEED(DR_ST_THROTTLE) | DR_ST_NEED(DR_ST_STATUS);
    int rc = dr_simtrace_open(&t, path, need, err);
    if (rc != RL_OK) return rc;
    dr_simtrace_row v;
    int k;
    while ((k = dr_simtrace_next(&t, &v, err)) == 1) {
        if (strlen(v.episode_text) >= 32 || strlen(v.steps_text) >= 32) {
            rc = rl_error_set(err, RL_EFORMAT, "%s:%ld: episode or steps longer than 31 bytes",
                              path, dr_simtrace_line(&t));
            break;
        }
        if (log->n == log->cap) {
            size_t cap = log->cap ? 2 * log->cap : 4096;
            row *r = realloc(log->r, cap * sizeof *r);
            if (!r) {
                rc = rl_error_set(err, RL_ENOMEM, "out of memory reading '%s'", path);
                break;
            }
            log->r = r;
            log->cap = cap;
        }
        row *r = &log->r[log->n++];
        r->x = v.v[DR_ST_X];
        r->y = v.v[DR_ST_Y];
        r->yaw = v.v[DR_ST_YAW] * (DR_PI / 180.0);
        r->steer = v.v[DR_ST_STEER] * (DR_PI / 180.0);
        r->speed = v.v[DR_ST_THROTTLE];
        r->episode = (long)v.v[DR_ST_EPISODE];
        r->step = v.v[DR_ST_STEPS];
        r->file = file;
        r->held = strcmp(v.status, "prepare") == 0 || strcmp(v.status, "pause") == 0;
        snprintf(r->key[0], sizeof r->key[0], "%s", v.episode_text);
        snprintf(r->key[1], sizeof r->key[1], "%s", v.steps_text);
    }
    if (k < 0) rc = err ? err->code : RL_EFORMAT;
    dr_simtrace_close(&t);
    return rc;
}

/* The iteration number a trace file's name starts with ("12-iteration.csv"),
 * for sorting; names without one sort after, by name. */
static int by_iteration(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');
    bx = bx ? bx + 1 : x;
    by = by ? by + 1 : y;
    char *ex, *ey;
    long nx = strtol(bx, &ex, 10), ny = strtol(by, &ey, 10);
    int hx = ex != bx, hy = ey != by;
    if (hx != hy) return hx ? -1 : 1;
    if (hx && nx != ny) return nx < ny ? -1 : 1;
    return strcmp(x, y);
}

typedef struct path_list {
    char **p;
    size_t n, cap;
} path_list;

static int add_path(path_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        char **p = realloc(l->p, cap * sizeof *p);
        if (!p) return -1;
        l->p = p;
        l->cap = cap;
    }
    if (!(l->p[l->n] = strdup(path))) return -1;
    l->n++;
    return 0;
}

/* The simulator's name for a trace file: N-iteration.csv. */
static int iteration_name(const char *name)
{
    size_t digits = strspn(name, "0123456789");
    return digits > 0 && strcmp(name + digits, "-iteration.csv") == 0;
}

/* Every .csv file under dir, depth first; only the simulator's
 * N-iteration.csv files when `iterations`. */
static int find_csv(const char *dir, path_list *l, int depth, int iterations, rl_error *err)
{
    if (depth > 16) return RL_OK;
    DIR *d = opendir(dir);
    if (!d) return rl_error_set(err, RL_ENOTFOUND, "cannot open '%s': %s", dir, strerror(errno));
    struct dirent *de;
    int rc = RL_OK;
    while (rc == RL_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= sizeof path) continue;
        struct stat st;
        if (stat(path, &st) != 0) continue;
        size_t len = strlen(de->d_name);
        if (S_ISDIR(st.st_mode))
            rc = find_csv(path, l, depth + 1, iterations, err);
        else if (S_ISREG(st.st_mode) && len > 4 && strcmp(de->d_name + len - 4, ".csv") == 0 &&
                 (!iterations || iteration_name(de->d_name)) && add_path(l, path) != 0)
            rc = rl_error_set(err, RL_ENOMEM, "out of memory listing '%s'", dir);
    }
    closedir(d);
    return rc;
}

int dr_replay_read(const char *path, dr_replay_log *out, rl_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0)
        return rl_error_set(err, RL_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno));
    path_list files = {0};
    int rc = RL_OK;
    if (S_ISDIR(st.st_mode)) {
        /* The simulator's trace files where there are some (a run or model
         * folder also holds eval.csv, progress.csv, ...), else every .csv. */
        rc = find_csv(path, &files, 0, 1, err);
        if (rc == RL_OK && !files.n) rc = find_csv(path, &files, 0, 0, err);
        if (rc == RL_OK && !files.n)
            rc = rl_error_set(err, RL_ENOTFOUND, "'%s' holds no .csv trace files", path);
        if (rc == RL_OK) qsort(files.p, files.n, sizeof *files.p, by_iteration);
    } else if (add_path(&files, path) != 0) {
        rc = rl_error_set(err, RL_ENOMEM, "out of memory");
    }
    log_rows log = {0};
    for (size_t i = 0; rc == RL_OK && i < files.n; i++)
        rc = read_log(files.p[i], (int)i, &log, err);
    out->files = files.n;
    for (size_t i = 0; i < files.n; i++) free(files.p[i]);
    free(files.p);
    if (rc != RL_OK) {
        free(log.r);
        return rc;
    }
    out->rows = log.r;
    out->n = log.n;
    return RL_OK;
}

void dr_replay_free(dr_replay_log *log)
{
    free(log->rows);
    memset(log, 0, sizeof *log);
}

/* ---- the replay --------------------------------------------------------------- */

/* Does row k+j continue row k's episode, step by step? */
static int follows(const row *r, size_t k, size_t j)
{
    return r[k + j].episode == r[k].episode && r[k + j].file == r[k].file &&
           r[k + j].step == r[k].step + (double)j;
}

static double wrap(double a)
{
    return remainder(a, 2 * DR_PI);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorted in place), by linear interpolation. */
static double quantile(double *v, size_t n, double q)
{
    if (!n) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n) return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

int dr_replay_run(const dr_replay_log *log, const dr_car_model *m, int parity, FILE *csv,
                  dr_replay_stats *stats, rl_error *err)
{
    const row *r = log->rows;
    size_t n = log->n;
    memset(stats, 0, sizeof *stats);
    /* The speed, steering angle and yaw rate each row starts with: the model's own
     * response to the commands since the episode began (a prepare or pause
     * row holds the car at rest). */
    double *v0 = malloc((n + 1) * sizeof *v0), *s0 = malloc((n + 1) * sizeof *s0),
           *r0 = malloc((n + 1) * sizeof *r0);
    double *e[4];
    for (int i = 0; i < 4; i++) e[i] = malloc((n + 1) * sizeof *e[i]);
    double *cv = malloc((n + 1) * sizeof *cv);
    if (!v0 || !s0 || !r0 || !e[0] || !e[1] || !e[2] || !e[3] || !cv) {
        free(v0), free(s0), free(r0), free(cv);
        for (int i = 0; i < 4; i++) free(e[i]);
        return rl_error_set(err, RL_ENOMEM, "out of memory for %zu rows", n);
    }
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || !follows(r, k - 1, 1) || r[k - 1].held) {
            v0[k] = s0[k] = r0[k] = 0;
            continue;
        }
        dr_car c = {.cy = 1, .v = v0[k - 1], .steer = s0[k - 1], .yaw_rate = r0[k - 1]};
        dr_car_step(&c, m, r[k - 1].steer, r[k - 1].speed, DR_DT);
        v0[k] = c.v;
        s0[k] = c.steer;
        r0[k] = c.yaw_rate;
    }
    if (csv)
        fputs("episode,steps,X_5,Y_5,yaw_5,X_15,Y_15,yaw_15,error_5,error_15,yaw_error_5,"
              "yaw_error_15\n",
              csv);
    size_t w = 0;
    for (size_t k = 1; k + HORIZON < n; k++) {
        if (r[k].held || !follows(r, k, HORIZON)) continue;
        if (parity >= 0 && (r[k].episode & 1) != parity) continue;
        int ok = 1;
        for (size_t j = 1; j <= HORIZON && ok; j++) ok = !r[k + j].held;
        if (!ok) continue;
        dr_car c = {.v = v0[k], .steer = s0[k], .yaw_rate = r0[k]};
        dr_car_set_yaw(&c, r[k].yaw);
        c.x = r[k].x - DR_POINT_AHEAD * c.cy;
        c.y = r[k].y - DR_POINT_AHEAD * c.sy;
        double px[2], py[2], pyaw[2], pe[2], ye[2];
        for (size_t j = 0; j < HORIZON; j++) {
            dr_car_step(&c, m, r[k + j].steer, r[k + j].speed, DR_DT);
            int at = j + 1 == SHORT ? 0 : j + 1 == HORIZON ? 1 : -1;
            if (at < 0) continue;
            const row *t = &r[k + j + 1];
            px[at] = c.x + DR_POINT_AHEAD * c.cy;
            py[at] = c.y + DR_POINT_AHEAD * c.sy;
            pyaw[at] = c.yaw;
            pe[at] = hypot(px[at] - t->x, py[at] - t->y);
            ye[at] = fabs(wrap(c.yaw - t->yaw)) * (180.0 / DR_PI);
        }
        e[0][w] = pe[0];
        e[1][w] = pe[1];
        e[2][w] = ye[0];
        e[3][w] = ye[1];
        /* Constant velocity: the last step's displacement, 15 times. */
        if (follows(r, k - 1, 1) && !r[k - 1].held) {
            double cx = r[k].x + HORIZON * (r[k].x - r[k - 1].x);
            double cyy = r[k].y + HORIZON * (r[k].y - r[k - 1].y);
            cv[stats->cv_windows++] = hypot(cx - r[k + HORIZON].x, cyy - r[k + HORIZON].y);
        }
        w++;
        if (csv)
            fprintf(csv, "%s,%s,%.6f,%.6f,%.4f,%.6f,%.6f,%.4f,%.6f,%.6f,%.4f,%.4f\n", r[k].key[0],
                    r[k].key[1], px[0], py[0], pyaw[0] * (180.0 / DR_PI), px[1], py[1],
                    pyaw[1] * (180.0 / DR_PI), pe[0], pe[1], ye[0], ye[1]);
    }
    stats->windows = w;
    stats->rows = n;
    stats->pos5_median = quantile(e[0], w, 0.5);
    stats->pos5_p90 = quantile(e[0], w, 0.9);
    stats->pos15_median = quantile(e[1], w, 0.5);
    stats->pos15_p90 = quantile(e[1], w, 0.9);
    stats->yaw5_median = quantile(e[2], w, 0.5);
    stats->yaw5_p90 = quantile(e[2], w, 0.9);
    stats->yaw15_median = quantile(e[3], w, 0.5);
    stats->yaw15_p90 = quantile(e[3], w, 0.9);
    stats->cv15_median = quantile(cv, stats->cv_windows, 0.5);
    free(v0), free(s0), free(r0), free(cv);
    for (int i = 0; i < 4; i++) free(e[i]);
    return RL_OK;
}

/* ---- the command --------------------------------------------------------------- */

/* The car model of "--set deepracer.KEY=VALUE" options (KEY any of
 * [deepracer]'s, car_model and its constants being the ones that matter). */
static int model_from_sets(char *const *sets, int nsets, dr_car_model *m, rl_error *err)
{
    rl_config *cfg = rl_config_alloc(err);
    if (!cfg) return err->code ? err->code : RL_ENOMEM;
    int rc = rl_config_declare(cfg, "deepracer", dr_params);
    for (int i = 0; rc == RL_OK && i < nsets; i++) rc = rl_config_set(cfg, sets[i]);
    if (rc == RL_OK) rc = rl_config_validate(cfg);
    if (rc != RL_OK)
        rc = rl_error_set(err, rc, "%s", rl_config_errmsg(cfg));
    else
        rc = dr_car_model_read(m, cfg, "deepracer", err);
    rl_config_free(cfg);
    return rc;
}

static int replay_run(int argc, char *const *argv, FILE *out, rl_error *err)
{
    const char *log_path = NULL, *csv_path = "replay-simtrace.csv";
    int parity = -1;
    char *sets[64];
    int nsets = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "--episodes") == 0 || strncmp(a, "--episodes=", 11) == 0) {
            const char *e = a[10] == '=' ? a + 11 : i + 1 < argc ? argv[++i] : "";
            if (strcmp(e, "even") == 0) parity = 0;
            else if (strcmp(e, "odd") == 0) parity = 1;
            else if (strcmp(e, "all") == 0) parity = -1;
            else
                return rl_error_set(err, RL_EINVAL,
                                    "--replay-simtrace: --episodes takes even, odd or all, not '%s'",
                                    e);
            continue;
        }
        if (strcmp(a, "--set") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 == argc)
                return rl_error_set(err, RL_EINVAL, "--replay-simtrace: %s needs a value", a);
            val = argv[++i];
        } else if (strncmp(a, "--set=", 6) == 0 || strncmp(a, "--output=", 9) == 0) {
            val = strchr(a, '=') + 1;
        }
        if (val && (a[2] == 's')) {
            if (nsets == (int)(sizeof sets / sizeof *sets))
                return rl_error_set(err, RL_EINVAL, "--replay-simtrace: too many --set options");
            sets[nsets++] = (char *)val;
        } else if (val) {
            csv_path = val;
        } else if (a[0] == '-' && a[1]) {
            return rl_error_set(err, RL_EINVAL,
                                "--replay-simtrace: unknown option '%s' (known: --set "
                                "deepracer.KEY=VALUE, -o FILE, --episodes even|odd|all)",
                                a);
        } else if (log_path) {
            return rl_error_set(err, RL_EINVAL, "--replay-simtrace: one log at a time ('%s', '%s')",
                                log_path, a);
        } else {
            log_path = a;
        }
    }
    if (!log_path)
        return rl_error_set(err, RL_EINVAL, "--replay-simtrace: which log? (a CSV file or folder)");
    dr_car_model m;
    int rc = model_from_sets(sets, nsets, &m, err);
    if (rc != RL_OK) return rc;
    dr_replay_log log;
    if ((rc = dr_replay_read(log_path, &log, err)) != RL_OK) return rc;
    char *buf = NULL;
    size_t len = 0;
    FILE *csv = open_memstream(&buf, &len);
    if (!csv) {
        dr_replay_free(&log);
        return rl_error_set(err, RL_ENOMEM, "out of memory for the predictions");
    }
    dr_replay_stats s;
    rc = dr_replay_run(&log, &m, parity, csv, &s, err);
    if (fclose(csv) != 0 && rc == RL_OK) rc = rl_error_set(err, RL_ENOMEM, "out of memory");
    if (rc == RL_OK && !s.windows)
        rc = rl_error_set(err, RL_EFORMAT,
                          "'%s': no row is followed by %d steps of its episode: nothing to replay",
                          log_path, HORIZON);
    if (rc == RL_OK) rc = rl_write_file_atomic(csv_path, buf, len, err);
    free(buf);
    if (rc == RL_OK) {
        fprintf(out, "%s: %zu rows in %zu file%s; %zu starts replayed for %d steps, car model %s\n",
                log_path, s.rows, log.files, log.files == 1 ? "" : "s", s.windows, HORIZON,
                m.name);
        fprintf(out, "after %2d steps: position error median %.3f m, 90th percentile %.3f m; "
                     "yaw error median %.2f deg, 90th percentile %.2f deg\n",
                SHORT, s.pos5_median, s.pos5_p90, s.yaw5_median, s.yaw5_p90);
        fprintf(out, "after %2d steps: position error median %.3f m, 90th percentile %.3f m; "
                     "yaw error median %.2f deg, 90th percentile %.2f deg\n",
                HORIZON, s.pos15_median, s.pos15_p90, s.yaw15_median, s.yaw15_p90);
        fprintf(out, "constant velocity after %d steps: position error median %.3f m\n", HORIZON,
                s.cv15_median);
        fprintf(out, "predictions in %s\n", csv_path);
    }
    dr_replay_free(&log);
    return rc;
}

const rl_command dr_replay_command = {
    RL_COMMAND_HEADER,
    .name = "replay-simtrace",
    .args = "LOG [--set deepracer.KEY=VALUE]... [-o FILE] [--episodes even|odd|all]",
    .summary = "drive the car model with a real simulator trace log's commands from its poses "
               "and report how far it ends from where the simulator's car went",
    .min_args = 1,
    .max_args = 64,
    .run = replay_run,
};
