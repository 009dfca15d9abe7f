/* rota: how many staff to roster, period by period, from a history of demand.
 *
 * The series is hourly or daily demand, either generated in memory from a
 * seed (data = synthetic) or read from a CSV file. One step is one period of
 * the series (an hour or a day). Before period t the agent sees the time of
 * day and week of t, the demand of the `window` periods before t, its
 * current staff and the queue; it changes the staff level by -max_change ..
 * +max_change (Discrete(2 max_change + 1), action a means a change of
 * a - max_change), clipped to [min_staff, max_staff]. Then the demand of t
 * arrives and is served up to capacity * staff. Cost of the period:
 *
 *   wage * staff + change_cost * |change| + unserved_cost * unserved
 *
 * where `unserved` is the demand lost in the period (unserved = lost) or the
 * demand still waiting at its end (unserved = queued: it carries over and
 * is charged again for every period it waits). Reward = -cost / scale with
 * scale = wage * max(1, mean training demand / capacity), so that a period
 * staffed for average demand costs about 1.
 *
 * Training episodes are windows of episode_length periods starting at a
 * uniform random period of the training split; after set_evaluation(1) an
 * episode is the whole held-out split. The fixed and reactive baselines are
 * simulated over the same periods as the agent's episode when it ends
 * (episode_metrics), so eval.csv holds agent and baselines side by side.
 *
 * Nothing the agent sees at period t depends on demand at t or later: the
 * observation reads demand[t - window .. t - 1] only, and the normalising
 * mean and the fixed baseline's level come from the training split, which
 * precedes the evaluation split.
 *
 * Saved state (exact resume): u32 layout version, u64 series length, u64
 * start, u64 t, u64 steps, i64 staff, f64 queue and the six sums of the episode. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "calendar.h"
#include "csv.h"

enum { LAYOUT = 1 };

#define HOUR 3600LL
#define DAY 86400LL
/* Limits of a CSV series (doc/rota.md, "Limits"). A span longer than a
 * century is almost surely a typo in a year; a grid of periods more than
 * MAX_FILL times the file's rows is mostly made up of filled gaps (and
 * would let a file of a few lines make a run of millions of periods);
 * demand beyond MAX_DEMAND in one period keeps no cost finite enough to
 * learn from. */
#define MAX_SPAN_DAYS 36525LL /* 100 years */
#define MAX_FILL 100LL
#define MAX_DEMAND 1e9
/* Periods each split must hold beyond the observation window. */
#define MIN_SPLIT_STEPS 4
#define TWO_PI 6.283185307179586

static const rl_param rota_params[] = {
    {"data", RL_PARAM_STRING, "synthetic", 0, 0, NULL,
     "'synthetic' (generated from synthetic_seed) or the path of a CSV file of demand"},
    {"data_sha256", RL_PARAM_STRING, "", 0, 0, NULL,
     "written by rlrun: the SHA-256 of the data file the run began with (see rlrun(1), "
     "Input files)"},
    {"synthetic_seed", RL_PARAM_INT, "1", 0, 9007199254740991.0, NULL,
     "seed of the synthetic demand series"},
    {"synthetic_days", RL_PARAM_INT, "140", 14, 36500, NULL,
     "length of the synthetic hourly series in days (from 2024-01-01, a Monday)"},
    {"synthetic_mean", RL_PARAM_REAL, "40", 1, 1e6, NULL,
     "mean hourly demand of the synthetic series"},
    {"time_column", RL_PARAM_STRING, "timestamp", 0, 0, NULL,
     "CSV column of the period: YYYY-MM-DD, or with a time 'YYYY-MM-DD HH[:MM[:SS]]' (or T)"},
    {"hour_column", RL_PARAM_STRING, "", 0, 0, NULL,
     "CSV column of the hour 0-23 added to a date-only time column; empty for none"},
    {"demand_column", RL_PARAM_STRING, "demand", 0, 0, NULL,
     "CSV column of the demand (a finite number >= 0)"},
    {"gaps", RL_PARAM_CHOICE, "zero", 0, 0, "zero|error",
     "periods missing from the CSV: zero = demand 0, error = refuse the file"},
    {"train_start", RL_PARAM_STRING, "", 0, 0, NULL,
     "first day of the training split, YYYY-MM-DD; empty: the series' first"},
    {"train_end", RL_PARAM_STRING, "", 0, 0, NULL,
     "last day of the training split; empty: the day before eval_start, or by train_fraction"},
    {"eval_start", RL_PARAM_STRING, "", 0, 0, NULL,
     "first day of the evaluation split; empty: the day after train_end, or by train_fraction"},
    {"eval_end", RL_PARAM_STRING, "", 0, 0, NULL,
     "last day of the evaluation split; empty: the series' last"},
    {"train_fraction", RL_PARAM_REAL, "0.7", 0.05, 0.95, NULL,
     "share of the periods that trains when train_end and eval_start are both empty"},
    {"episode_length", RL_PARAM_INT, "168", 1, 1e9, NULL,
     "periods in a training episode (evaluation runs over the whole held-out split)"},
    {"window", RL_PARAM_INT, "24", 1, 10000, NULL,
     "periods of past demand in the observation"},
    {"capacity", RL_PARAM_REAL, "4", 1e-6, 1e12, NULL,
     "units of demand one staff member serves in a period"},
    {"min_staff", RL_PARAM_INT, "0", 0, 100000, NULL, "lowest staff level"},
    {"max_staff", RL_PARAM_INT, "30", 1, 100000, NULL, "highest staff level"},
    {"max_change", RL_PARAM_INT, "2", 1, 1000, NULL,
     "largest change of the staff level in one period: actions -k..+k"},
    {"wage", RL_PARAM_REAL, "1", 1e-9, 1e9, NULL, "cost of one staff member for one period"},
    {"unserved_cost", RL_PARAM_REAL, "2", 0, 1e9, NULL,
     "cost per unit of demand unserved in a period (lost, or waiting at its end)"},
    {"change_cost", RL_PARAM_REAL, "0.5", 0, 1e9, NULL,
     "cost per unit of change of the staff level"},
    {"unserved", RL_PARAM_CHOICE, "lost", 0, 0, "lost|queued",
     "demand beyond capacity: lost, or queued into the next period"},
    {"observation", RL_PARAM_CHOICE, "vector", 0, 0, "vector|discrete",
     "vector for PPO, or discrete (time slot x staff level x demand bin) for qlearn"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

/* Sums over the periods of an episode. */
typedef struct tally {
    double cost, demand, served, idle;
    double waiting; /* units still queued at the end of each period, summed */
} tally;

typedef struct rota {
    /* configuration */
    int64_t min_staff, max_staff, max_change, window, episode_length;
    double capacity, wage, unserved_cost, change_cost;
    int queued, discrete;
    /* the series: demand[i] is the period starting at t0 + i * step seconds */
    double *demand;
    size_t n;
    int64_t t0, step;
    size_t train_lo, train_hi, eval_lo, eval_hi; /* [lo, hi) */
    double mean;  /* training mean demand (1 when it is 0), the normaliser */
    double scale; /* reward = -cost / scale */
    int64_t fixed_level;
    size_t nslots; /* discrete time slots: 48 hourly, 7 daily */
    char *source;  /* the CSV's path as configured; NULL for the synthetic series */
    /* episode */
    int eval;
    size_t start, t, steps;
    int64_t staff;
    double queue;
    tally acc;
} rota;

/* ---- dates ---------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Read n digits at s into *v; 0 when they are not all digits. */
static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* Parse 'YYYY-MM-DD' (the first 10 characters of s) into days since the
 * epoch. 0 when malformed or not a real date. */
static int parse_date(const char *s, int64_t *days) { return rl_cal_parse_ymd(s, days) == 0; }

/* Parse a timestamp: 'YYYY-MM-DD', optionally followed by ' ' or 'T' and
 * 'HH', 'HH:MM' or 'HH:MM:SS'. *secs: seconds since the epoch; *has_time
 * says whether a time part was present. 0 when malformed. */
static int parse_timestamp(const char *s, int64_t *secs, int *has_time)
{
    int64_t days;
    if (!parse_date(s, &days)) return 0;
    int64_t sec = days * DAY;
    *has_time = 0;
    const char *p = s + 10;
    if (*p == ' ' || *p == 'T') {
        int hh, mm = 0, ss = 0;
        if (!digits(p + 1, 2, &hh) || hh > 23) return 0;
        p += 3;
        if (*p == ':') {
            if (!digits(p + 1, 2, &mm) || mm > 59) return 0;
            p += 3;
            if (*p == ':') {
                if (!digits(p + 1, 2, &ss) || ss > 59) return 0;
                p += 3;
            }
        }
        sec += hh * HOUR + mm * 60 + ss;
        *has_time = 1;
    }
    if (*p != '\0') return 0;
    *secs = sec;
    return 1;
}

static void format_time(int64_t secs, int64_t step, char *buf, size_t len)
{
    int y, m, d;
    int64_t days = floor_div(secs, DAY);
    rl_cal_civil_from_days(days, &y, &m, &d);
    if (step < DAY) {
        int64_t s = secs - days * DAY;
        snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", y, m, d, (int)(s / HOUR),
                 (int)(s % HOUR / 60));
    } else {
        snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
    }
}

/* ---- synthetic series ------------------------------------------------------------ */

/* Hourly demand from 2024-01-01 00:00 (a Monday) for `days` days:
 *
 *   lambda(h, w, day) = mean * daily(h) * weekly(w) * level(day)
 *   daily(h)  = 1 + 0.6 cos(2 pi (h - 14) / 24)    (peak 14:00, trough 02:00)
 *   weekly(w) = 1.1 Monday..Friday, 0.75 Saturday and Sunday
 *   level     = 1 + 0.08 N(0, 1) per day, clipped to [0.7, 1.3]
 *   demand    = max(0, round(lambda + sqrt(lambda) N(0, 1)))
 *
 * (the last line is the normal approximation of a Poisson count). The
 * weekly factors average to 1. Everything is drawn from one PCG stream
 * seeded with `seed`, so a seed gives the same series on every machine. */
static int make_synthetic(rota *r, uint64_t seed, int64_t days, double mean)
{
    r->n = (size_t)days * 24;
    r->demand = malloc(r->n * sizeof *r->demand);
    if (!r->demand) return RL_ENOMEM;
    rl_pcg32 g;
    rl_pcg32_seed(&g, seed, 0x726f7461u); /* stream "rota" */
    r->t0 = rl_cal_days_from_civil(2024, 1, 1) * DAY;
    r->step = HOUR;
    for (int64_t day = 0; day < days; day++) {
        double level = 1 + 0.08 * rl_pcg32_normal(&g);
        level = level < 0.7 ? 0.7 : level > 1.3 ? 1.3 : level;
        double weekly = day % 7 < 5 ? 1.1 : 0.75;
        for (int h = 0; h < 24; h++) {
            double lambda = mean * (1 + 0.6 * cos(TWO_PI * (h - 14) / 24.0)) * weekly * level;
            double x = round(lambda + sqrt(lambda) * rl_pcg32_normal(&g));
            r->demand[day * 24 + h] = x > 0 ? x : 0;
        }
    }
    return RL_OK;
}

/* ---- CSV -------------------------------------------------------------------------- */

typedef struct csv_row {
    int64_t time;
    double demand;
    long line;
} csv_row;

static int csv_fail(rl_error *err, const char *path, long line, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int csv_fail(rl_error *err, const char *path, long line, const char *fmt, ...)
{
    char msg[RL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rl_error_set(err, RL_EFORMAT, "%s:%ld: %s", path, line, msg);
}

/* Read the rows of path into *rows (malloc'd, *nrows of them) with the
 * plugins' CSV reader (plugins/common/csv.h, doc/plugins.md "CSV
 * files"); what is checked here is what a demand series needs
 * (doc/rota.md). Every error names path:line. */
static int read_csv(const char *path, const char *time_col, const char *hour_col,
                    const char *demand_col, csv_row **rows, size_t *nrows, rl_error *err)
{
    *rows = NULL;
    *nrows = 0;
    rl_csv *c = rl_csv_open(path, 0, err);
    if (!c) return err ? err->code : RL_EIO;
    /* Column indices; -1: absent, -2: named twice (an error in err); hi
     * is -3 when there is no hour column. */
    int rc = rl_csv_read_header(c, err), ti = -1, hi = -3, di = -1, k = 0;
    if (rc == RL_OK) {
        ti = rl_csv_find(c, time_col, err);
        if (ti != -2) di = rl_csv_find(c, demand_col, err);
        if (ti != -2 && di != -2 && hour_col[0]) hi = rl_csv_find(c, hour_col, err);
        const char *missing = ti == -1 ? time_col : di == -1 ? demand_col : hi == -1 ? hour_col : NULL;
        if (ti == -2 || di == -2 || hi == -2)
            rc = RL_EFORMAT;
        else if (missing)
            rc = csv_fail(err, path, 1, "no column '%s' in the header (set time_column, "
                          "hour_column and demand_column to the file's names)", missing);
    }
    char shown[48], tname[64], hname[64], dname[64];
    if (rc == RL_OK) {
        rl_csv_name(c, (size_t)ti, tname, sizeof tname);
        rl_csv_name(c, (size_t)di, dname, sizeof dname);
        if (hi >= 0) rl_csv_name(c, (size_t)hi, hname, sizeof hname);
    }
    size_t nalloc = 0;
    while (rc == RL_OK && (k = rl_csv_next(c, err)) == 1) {
        long lineno = rl_csv_line(c);
        const char *tf = rl_csv_field(c, (size_t)ti);
        csv_row row = {.line = lineno};
        int has_time;
        if (!parse_timestamp(tf, &row.time, &has_time)) {
            rc = csv_fail(err, path, lineno, "bad timestamp '%s' in column '%s' (YYYY-MM-DD, "
                          "optionally with ' HH', ' HH:MM' or ' HH:MM:SS')",
                          rl_csv_show(tf, shown, sizeof shown), tname);
            break;
        }
        if (hi >= 0) {
            const char *hf = rl_csv_field(c, (size_t)hi);
            double h;
            if (has_time) {
                rc = csv_fail(err, path, lineno, "'%s' has a time of day and hour_column '%s' is "
                              "set too", rl_csv_show(tf, shown, sizeof shown), hname);
                break;
            }
            if (rl_csv_parse_double(hf, 0, &h) != 0 || h != floor(h) || h < 0 || h > 23) {
                rc = csv_fail(err, path, lineno, "bad hour '%s' in column '%s' (an integer 0-23)",
                              rl_csv_show(hf, shown, sizeof shown), hname);
                break;
            }
            row.time += (int64_t)h * HOUR;
        }
        if ((rc = rl_csv_double(c, (size_t)di, 0, &row.demand, err)) != RL_OK) break;
        if (row.demand < 0) {
            rc = csv_fail(err, path, lineno, "negative demand %g in column '%s'", row.demand, dname);
            break;
        }
        if (row.demand > MAX_DEMAND) {
            rc = csv_fail(err, path, lineno, "demand %g in column '%s' is above the limit of %g",
                          row.demand, dname, MAX_DEMAND);
            break;
        }
        if (*nrows > 0) {
            const csv_row *prev = &(*rows)[*nrows - 1];
            if (row.time <= prev->time) {
                char a[32], b[32];
                format_time(row.time, HOUR, a, sizeof a);
                format_time(prev->time, HOUR, b, sizeof b);
                if (row.time == prev->time)
                    rc = csv_fail(err, path, lineno, "duplicate timestamp %s (also on line %ld)", a,
                                  prev->line);
                else
                    rc = csv_fail(err, path, lineno,
                                  "timestamps not sorted: %s comes after %s (line %ld)", a, b,
                                  prev->line);
                break;
            }
        }
        if (*nrows == nalloc) {
            size_t nn = nalloc ? 2 * nalloc : 1024;
            csv_row *p = realloc(*rows, nn * sizeof *p);
            if (!p) {
                rc = rl_error_set(err, RL_ENOMEM, "out of memory reading '%s'", path);
                break;
            }
            *rows = p;
            nalloc = nn;
        }
        (*rows)[(*nrows)++] = row;
    }
    if (rc == RL_OK && k < 0) rc = err ? err->code : RL_EFORMAT;
    if (rc == RL_OK && *nrows == 0)
        rc = csv_fail(err, path, rl_csv_line(c), "no data rows after the header");
    rl_csv_close(c);
    if (rc != RL_OK) {
        free(*rows);
        *rows = NULL;
        *nrows = 0;
    }
    return rc;
}

/* Load the CSV onto a full grid of periods (hourly or daily, the smallest
 * gap between rows); missing periods become demand 0, or an error. */
static int load_csv(rota *r, const char *path, const char *time_col, const char *hour_col,
                    const char *demand_col, int gaps_zero, int64_t min_rows, rl_error *err)
{
    csv_row *rows;
    size_t n;
    int rc = read_csv(path, time_col, hour_col, demand_col, &rows, &n, err);
    if (rc != RL_OK) return rc;
    if ((int64_t)n < min_rows) {
        rc = csv_fail(err, path, rows[n - 1].line,
                      "too short: %zu rows, the window and two splits need at least %lld", n,
                      (long long)min_rows);
        goto done;
    }
    /* The span first: every loop below and after is bounded by it. */
    if (rows[n - 1].time - rows[0].time > MAX_SPAN_DAYS * DAY) {
        char a[32], b[32];
        format_time(rows[0].time, DAY, a, sizeof a);
        format_time(rows[n - 1].time, DAY, b, sizeof b);
        rc = csv_fail(err, path, rows[n - 1].line,
                      "the series spans %s to %s, more than the limit of %lld days (100 years)",
                      a, b, MAX_SPAN_DAYS);
        goto done;
    }
    int64_t step = INT64_MAX;
    for (size_t i = 1; i < n; i++)
        if (rows[i].time - rows[i - 1].time < step) step = rows[i].time - rows[i - 1].time;
    if (step != HOUR && step != DAY) {
        size_t i = 1;
        while (rows[i].time - rows[i - 1].time != step) i++;
        rc = csv_fail(err, path, rows[i].line,
                      "rows %lld seconds apart: the period must be one hour or one day",
                      (long long)step);
        goto done;
    }
    for (size_t i = 1; i < n; i++) {
        int64_t gap = rows[i].time - rows[i - 1].time;
        if (gap % step != 0) {
            rc = csv_fail(err, path, rows[i].line,
                          "not on the %s grid of the rows before it", step == HOUR ? "hourly" : "daily");
            goto done;
        }
        if (gap != step && !gaps_zero) {
            char a[32];
            format_time(rows[i - 1].time + step, step, a, sizeof a);
            rc = csv_fail(err, path, rows[i].line,
                          "%lld periods missing before this row, from %s (gaps = error)",
                          (long long)(gap / step - 1), a);
            goto done;
        }
    }
    int64_t periods = (rows[n - 1].time - rows[0].time) / step + 1;
    if (periods > MAX_FILL * (int64_t)n) {
        rc = csv_fail(err, path, rows[n - 1].line,
                      "the series spans %lld %s periods but holds %zu rows: more than %lld "
                      "periods per row, mostly gaps",
                      (long long)periods, step == HOUR ? "hourly" : "daily", n, MAX_FILL);
        goto done;
    }
    r->demand = calloc((size_t)periods, sizeof *r->demand);
    if (!r->demand) {
        rc = rl_error_set(err, RL_ENOMEM, "out of memory for '%s'", path);
        goto done;
    }
    r->n = (size_t)periods;
    r->t0 = rows[0].time;
    r->step = step;
    for (size_t i = 0; i < n; i++) r->demand[(rows[i].time - r->t0) / step] = rows[i].demand;
done:
    free(rows);
    return rc;
}

/* ---- simulation ------------------------------------------------------------------- */

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }


/* One period with staff `s` after `prev`: returns the new queue and adds to
 * the tally. The one place costs are computed, so the agent and the
 * baselines are charged alike. */
static double period(const rota *r, int64_t prev, int64_t s, double queue, double d, tally *tl,
                     double *cost_out)
{
    double cap = r->capacity * (double)s;
    double load = d + (r->queued ? queue : 0);
    double served = load < cap ? load : cap;
    double unserved = load - served;
    double cost = r->wage * (double)s + r->change_cost * fabs((double)(s - prev)) +
                  r->unserved_cost * unserved;
    tl->cost += cost;
    tl->demand += d;
    tl->served += served;
    tl->idle += (cap - served) / r->capacity;
    if (r->queued) tl->waiting += unserved;
    if (cost_out) *cost_out = cost;
    return r->queued ? unserved : 0;
}

/* The reactive rule's level for period t: staff for the demand of t - 1,
 * plus the queue waiting at the start of t (0 when demand is lost). Without
 * the queue the rule would staff for new arrivals only and let a backlog
 * linger for days, a straw man rather than what a manager would do. */
static int64_t reactive_target(const rota *r, size_t t, double queue)
{
    double want = ceil((r->demand[t - 1] + queue) / r->capacity);
    if (want > (double)r->max_staff) return r->max_staff;
    return clampi((int64_t)want, r->min_staff, r->max_staff);
}

/* Baseline over periods [lo, hi): fixed at `level` (>= 0), or the reactive
 * rule (level < 0) starting from staff `init`. */
static tally simulate(const rota *r, size_t lo, size_t hi, int64_t level, int64_t init)
{
    tally tl = {0, 0, 0, 0, 0};
    double q = 0;
    int64_t s = level >= 0 ? level : init;
    for (size_t t = lo; t < hi; t++) {
        int64_t prev = s;
        if (level < 0) s = clampi(reactive_target(r, t, q), prev - r->max_change, prev + r->max_change);
        q = period(r, prev, s, q, r->demand[t], &tl, NULL);
    }
    return tl;
}

/* ---- observation ---------------------------------------------------------------- */

static void observe(const rota *r, double *obs)
{
    size_t t = r->t;
    int64_t secs = r->t0 + (int64_t)t * r->step;
    int64_t days = floor_div(secs, DAY);
    int hour = (int)((secs - days * DAY) / HOUR);
    int dow = (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; 0 = Monday */
    if (r->discrete) {
        size_t slot = r->step == DAY ? (size_t)dow : (size_t)(hour * 2 + (dow >= 5));
        int64_t levels = r->max_staff - r->min_staff + 1;
        double cap = r->capacity * (double)r->staff, last = r->demand[t - 1];
        int bin = last + r->queue > cap ? 2 : last > cap - r->capacity ? 1 : 0;
        obs[0] = (double)(((int64_t)slot * levels + (r->staff - r->min_staff)) * 3 + bin);
        return;
    }
    obs[0] = sin(TWO_PI * hour / 24.0);
    obs[1] = cos(TWO_PI * hour / 24.0);
    obs[2] = sin(TWO_PI * dow / 7.0);
    obs[3] = cos(TWO_PI * dow / 7.0);
    size_t w = (size_t)r->window;
    for (size_t i = 0; i < w; i++) obs[4 + i] = r->demand[t - w + i] / r->mean;
    obs[4 + w] = r->capacity * (double)r->staff / r->mean;
    obs[5 + w] = r->queue / r->mean;
}

/* ---- configuration ------------------------------------------------------------------ */

/* A date key: *days, or -1 when empty. */
static int date_key(rl_config *cfg, const char *section, const char *key, int64_t *days,
                    rl_error *err)
{
    const char *v;
    if (rl_config_get_string(cfg, section, key, &v) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    *days = -1;
    if (v[0] == '\0') return RL_OK;
    if (strlen(v) != 10 || !parse_date(v, days)) {
        rl_config_fail(cfg, RL_EINVAL, section, key, "'%s' is not a date YYYY-MM-DD", v);
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    }
    /* Stored shifted so that -1 stays free for "empty" for any real date. */
    *days += (int64_t)1 << 40;
    return RL_OK;
}

static int key_fail(rl_config *cfg, const char *section, const char *key, rl_error *err,
                    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int key_fail(rl_config *cfg, const char *section, const char *key, rl_error *err,
                    const char *fmt, ...)
{
    char msg[RL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rl_config_fail(cfg, RL_EINVAL, section, key, "%s", msg);
    return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
}

/* First period whose day is >= days (r->n when none). */
static size_t first_on_or_after(const rota *r, int64_t days)
{
    for (size_t i = 0; i < r->n; i++)
        if (floor_div(r->t0 + (int64_t)i * r->step, DAY) >= days) return i;
    return r->n;
}

/* Resolve the four date keys and train_fraction into the two splits. */
static int split(rota *r, rl_config *cfg, const char *section, rl_error *err)
{
    static const char *const keys[4] = {"train_start", "train_end", "eval_start", "eval_end"};
    const int64_t shift = (int64_t)1 << 40;
    int64_t d[4];
    for (int k = 0; k < 4; k++) {
        int rc = date_key(cfg, section, keys[k], &d[k], err);
        if (rc != RL_OK) return rc;
    }
    double fraction;
    if (rl_config_get_real(cfg, section, "train_fraction", &fraction) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    size_t lo = d[0] < 0 ? 0 : first_on_or_after(r, d[0] - shift);
    size_t hi = d[3] < 0 ? r->n : first_on_or_after(r, d[3] - shift + 1);
    if (d[0] >= 0 && lo >= r->n)
        return key_fail(cfg, section, keys[0], err, "the data ends before train_start");
    if (d[3] >= 0 && hi == 0)
        return key_fail(cfg, section, keys[3], err, "the data starts after eval_end");
    if (hi <= lo)
        return key_fail(cfg, section, keys[3], err, "eval_end is before train_start");
    size_t train_hi, eval_lo;
    if (d[1] < 0 && d[2] < 0) {
        train_hi = eval_lo = lo + (size_t)floor(fraction * (double)(hi - lo));
    } else {
        train_hi = d[1] >= 0 ? first_on_or_after(r, d[1] - shift + 1) : first_on_or_after(r, d[2] - shift);
        eval_lo = d[2] >= 0 ? first_on_or_after(r, d[2] - shift) : train_hi;
        if (d[1] >= 0 && d[2] >= 0 && d[2] <= d[1])
            return key_fail(cfg, section, keys[2], err,
                            "the evaluation split must start after train_end");
    }
    if (d[0] >= 0 && d[1] >= 0 && d[1] < d[0])
        return key_fail(cfg, section, keys[1], err, "train_end is before train_start");
    if (d[2] >= 0 && d[3] >= 0 && d[3] < d[2])
        return key_fail(cfg, section, keys[3], err, "eval_end is before eval_start");
    if (train_hi > hi) train_hi = hi;
    if (eval_lo < train_hi) eval_lo = train_hi;
    r->train_lo = lo;
    r->train_hi = train_hi;
    r->eval_lo = eval_lo;
    r->eval_hi = hi;
    /* A training episode's window may reach before train_start (the past),
     * never before the series. */
    size_t first = r->train_lo > (size_t)r->window ? r->train_lo : (size_t)r->window;
    if (r->train_hi < first + (size_t)r->episode_length || r->train_hi < first + MIN_SPLIT_STEPS) {
        int64_t have = r->train_hi > first ? (int64_t)(r->train_hi - first) : 0;
        return key_fail(cfg, section,
                        d[1] >= 0 ? keys[1] : d[2] >= 0 ? keys[2] : "train_fraction", err,
                        "the training split leaves %lld periods after the %lld-period window, "
                        "fewer than episode_length %lld (or %d)",
                        (long long)have, (long long)r->window, (long long)r->episode_length,
                        MIN_SPLIT_STEPS);
    }
    if (r->eval_hi < r->eval_lo + MIN_SPLIT_STEPS || r->eval_lo < (size_t)r->window)
        return key_fail(cfg, section,
                        d[2] >= 0   ? keys[2]
                        : d[1] >= 0 ? keys[1]
                        : d[3] >= 0 ? keys[3]
                                    : "train_fraction",
                        err, "the evaluation split holds %lld periods, fewer than %d",
                        (long long)(r->eval_hi > r->eval_lo ? r->eval_hi - r->eval_lo : 0),
                        MIN_SPLIT_STEPS);
    return RL_OK;
}

static int rota_init(void *state, rl_config *cfg, const char *section, rl_env_spec *spec,
                     rl_error *err)
{
    rota *r = state;
    const char *data, *time_col, *hour_col, *demand_col, *gaps, *unserved, *observation;
    int64_t seed, days;
    double synth_mean;
    if (rl_config_get_string(cfg, section, "data", &data) != RL_OK ||
        rl_config_get_int(cfg, section, "synthetic_seed", &seed) != RL_OK ||
        rl_config_get_int(cfg, section, "synthetic_days", &days) != RL_OK ||
        rl_config_get_real(cfg, section, "synthetic_mean", &synth_mean) != RL_OK ||
        rl_config_get_string(cfg, section, "time_column", &time_col) != RL_OK ||
        rl_config_get_string(cfg, section, "hour_column", &hour_col) != RL_OK ||
        rl_config_get_string(cfg, section, "demand_column", &demand_col) != RL_OK ||
        rl_config_get_string(cfg, section, "gaps", &gaps) != RL_OK ||
        rl_config_get_int(cfg, section, "episode_length", &r->episode_length) != RL_OK ||
        rl_config_get_int(cfg, section, "window", &r->window) != RL_OK ||
        rl_config_get_real(cfg, section, "capacity", &r->capacity) != RL_OK ||
        rl_config_get_int(cfg, section, "min_staff", &r->min_staff) != RL_OK ||
        rl_config_get_int(cfg, section, "max_staff", &r->max_staff) != RL_OK ||
        rl_config_get_int(cfg, section, "max_change", &r->max_change) != RL_OK ||
        rl_config_get_real(cfg, section, "wage", &r->wage) != RL_OK ||
        rl_config_get_real(cfg, section, "unserved_cost", &r->unserved_cost) != RL_OK ||
        rl_config_get_real(cfg, section, "change_cost", &r->change_cost) != RL_OK ||
        rl_config_get_string(cfg, section, "unserved", &unserved) != RL_OK ||
        rl_config_get_string(cfg, section, "observation", &observation) != RL_OK)
        return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
    r->queued = strcmp(unserved, "queued") == 0;
    r->discrete = strcmp(observation, "discrete") == 0;
    if (r->min_staff >= r->max_staff)
        return key_fail(cfg, section, "max_staff", err, "max_staff %lld must exceed min_staff %lld",
                        (long long)r->max_staff, (long long)r->min_staff);
    if (data[0] == '\0')
        return key_fail(cfg, section, "data", err, "empty: 'synthetic' or a CSV path");
    /* For the evaluation's summary, which names the data. */
    if (strcmp(data, "synthetic") != 0 && !(r->source = strdup(data)))
        return rl_error_set(err, RL_ENOMEM, "out of memory");

    int rc;
    if (strcmp(data, "synthetic") == 0) {
        rc = make_synthetic(r, (uint64_t)seed, days, synth_mean);
        if (rc != RL_OK) return rl_error_set(err, rc, "out of memory for the synthetic series");
    } else {
        rc = load_csv(r, data, time_col, hour_col, demand_col, strcmp(gaps, "zero") == 0,
                      r->window + 2 * MIN_SPLIT_STEPS, err);
        if (rc != RL_OK) return rc;
    }
    if (r->n < (size_t)(r->window + 2 * MIN_SPLIT_STEPS))
        return key_fail(cfg, section, "window", err,
                        "the series has %zu periods, too few for a window of %lld", r->n,
                        (long long)r->window);
    rc = split(r, cfg, section, err);
    if (rc != RL_OK) return rc;

    double sum = 0;
    for (size_t i = r->train_lo; i < r->train_hi; i++) sum += r->demand[i];
    r->mean = sum / (double)(r->train_hi - r->train_lo);
    if (!(r->mean > 0)) r->mean = 1;
    double per_staff = r->mean / r->capacity;
    r->scale = r->wage * (per_staff > 1 ? per_staff : 1);

    /* The fixed baseline: the level cheapest over the whole training split,
     * the lowest on ties. Levels above the one that serves the split's
     * largest demand in every period leave nothing unserved and no queue,
     * so each costs more than the one below it (each period's cost is no
     * smaller, and rounded sums are monotonic): the search stops there, so
     * that it is bounded by the data as well as by max_staff. */
    double dmax = 0;
    for (size_t i = r->train_lo; i < r->train_hi; i++)
        if (r->demand[i] > dmax) dmax = r->demand[i];
    int64_t top = r->max_staff;
    if (ceil(dmax / r->capacity) < (double)top)
        top = clampi((int64_t)ceil(dmax / r->capacity), r->min_staff, r->max_staff);
    double best = INFINITY;
    for (int64_t level = r->min_staff; level <= top; level++) {
        double c = simulate(r, r->train_lo, r->train_hi, level, level).cost;
        if (c < best) {
            best = c;
            r->fixed_level = level;
        }
    }

    int64_t levels = r->max_staff - r->min_staff + 1;
    r->nslots = r->step == DAY ? 7 : 48;
    if (r->discrete) {
        if ((double)r->nslots * (double)levels * 3 > 1e8)
            return key_fail(cfg, section, "max_staff", err,
                            "too many discrete states; narrow min_staff..max_staff");
        rc = rl_space_discrete(&spec->observation_space, (int64_t)r->nslots * levels * 3);
    } else {
        rc = rl_space_box_uniform(&spec->observation_space, (size_t)r->window + 6, -INFINITY,
                                  INFINITY);
    }
    if (rc != RL_OK || rl_space_discrete(&spec->action_space, 2 * r->max_change + 1) != RL_OK)
        return rl_error_set(err, RL_ENOMEM, "cannot make the spaces");
    return RL_OK;
}

static void rota_fini(void *state)
{
    rota *r = state;
    free(r->demand);
    r->demand = NULL;
    free(r->source);
    r->source = NULL;
}

/* ---- episodes --------------------------------------------------------------------- */

static void begin(rota *r, size_t start)
{
    r->start = r->t = start;
    r->steps = 0;
    r->staff = reactive_target(r, start, 0);
    r->queue = 0;
    memset(&r->acc, 0, sizeof r->acc);
}

static int rota_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)err;
    rota *r = state;
    if (r->eval) {
        begin(r, r->eval_lo);
    } else {
        size_t first = r->train_lo > (size_t)r->window ? r->train_lo : (size_t)r->window;
        size_t span = r->train_hi - (size_t)r->episode_length - first + 1;
        begin(r, first + (span > 1 ? rl_pcg32_bounded(rng, (uint32_t)(span > UINT32_MAX ? UINT32_MAX : span)) : 0));
    }
    observe(r, obs);
    return RL_OK;
}

static int rota_step(void *state, rl_pcg32 *rng, const double *action, double *obs, rl_step *out,
                     rl_error *err)
{
    (void)rng, (void)err;
    rota *r = state;
    int64_t prev = r->staff;
    r->staff = clampi(prev + (int64_t)action[0] - r->max_change, r->min_staff, r->max_staff);
    double cost;
    r->queue = period(r, prev, r->staff, r->queue, r->demand[r->t], &r->acc, &cost);
    r->t++;
    r->steps++;
    out->reward = -cost / r->scale;
    if (r->eval ? r->t >= r->eval_hi : r->steps >= (size_t)r->episode_length) out->truncated = 1;
    observe(r, obs);
    return RL_OK;
}

static int rota_set_evaluation(void *state, int on, rl_error *err)
{
    (void)err;
    ((rota *)state)->eval = on != 0;
    return RL_OK;
}

static const char *const rota_metric_names[] = {
    "agent_total_cost",    "agent_service_level",    "agent_idle_staff_periods",
    "agent_mean_wait",     "fixed_total_cost",       "fixed_service_level",
    "fixed_idle_staff_periods", "fixed_mean_wait",   "reactive_total_cost",
    "reactive_service_level", "reactive_idle_staff_periods", "reactive_mean_wait",
    "fixed_staff_level",   NULL};

/* Cost, service level (served / demand, 1 without demand), idle
 * staff-periods and mean wait (periods queued per unit of demand). */
static void figures(const tally *t, double *v)
{
    v[0] = t->cost;
    v[1] = t->demand > 0 ? t->served / t->demand : 1;
    v[2] = t->idle;
    v[3] = t->demand > 0 ? t->waiting / t->demand : 0;
}

/* The agent's figures and the baselines' over the same periods. */
static void rota_metrics(const void *state, double *v)
{
    const rota *r = state;
    size_t hi = r->start + r->steps;
    tally fixed = simulate(r, r->start, hi, r->fixed_level, 0);
    tally react = simulate(r, r->start, hi, -1, reactive_target(r, r->start, 0));
    figures(&r->acc, v);
    figures(&fixed, v + 4);
    figures(&react, v + 8);
    v[12] = (double)r->fixed_level;
}

/* ---- the evaluation's summary: a table of the metrics' means ------------------- */

enum { ROTA_NCOLS = 3 }; /* agent, fixed, reactive */

/* One row: the label, then the three columns' means of metric `first`
 * (agent), first + 4 (fixed) and first + 8 (reactive), as fmt of value *
 * scale, right-aligned under rota_summary's header. */
static void rota_row(FILE *out, const char *label, const double *m, int first, const char *fmt,
                     double scale)
{
    fprintf(out, "  %-24s", label);
    for (int c = 0; c < ROTA_NCOLS; c++) {
        char cell[32];
        snprintf(cell, sizeof cell, fmt, m[first + 4 * c] * scale);
        fprintf(out, "%16s", cell);
    }
    fputc('\n', out);
}

/* The period is the evaluation split's, from its first period to its last
 * (both named by their start). Costs are in the units of wage, which the
 * configuration does not name: "cost units". Staff-periods and waits are
 * in the series' period, hours or days. */
static int rota_summary(const void *state, const double *m, size_t episodes, FILE *out,
                        rl_error *err)
{
    (void)err;
    const rota *r = state;
    int hourly = r->step < DAY;
    const char *unit = hourly ? "hours" : "days";
    char first[32], last[32];
    format_time(r->t0 + (int64_t)r->eval_lo * r->step, r->step, first, sizeof first);
    format_time(r->t0 + (int64_t)(r->eval_hi - 1) * r->step, r->step, last, sizeof last);
    fprintf(out, "  held-out period %s .. %s: %zu %s of %s", first, last, r->eval_hi - r->eval_lo,
            unit, r->source ? r->source : "the synthetic series");
    if (episodes > 1) fprintf(out, " (means of %zu episodes)", episodes);
    fputc('\n', out);
    char fixed[32];
    /* The fixed level is the same in every episode (the training split's
     * cheapest): its mean is a whole number. */
    snprintf(fixed, sizeof fixed, "fixed %.0f staff", m[12]);
    fprintf(out, "  %-24s%16s%16s%16s\n", "", "agent", fixed, "reactive");
    char label[64];
    rota_row(out, "total cost (cost units)", m, 0, "%.2f", 1);
    rota_row(out, "service level (%)", m, 1, "%.2f", 100);
    snprintf(label, sizeof label, "idle staff-%s", unit);
    rota_row(out, label, m, 2, "%.2f", 1);
    snprintf(label, sizeof label, "mean wait (%s)", unit);
    rota_row(out, label, m, 3, "%.4f", 1);
    return RL_OK;
}

/* ---- exact resume --------------------------------------------------------------- */

static int rota_save(const void *state, rl_writer *w, rl_error *err)
{
    (void)err;
    const rota *r = state;
    rl_write_u32(w, LAYOUT);
    rl_write_u64(w, r->n);
    rl_write_u64(w, r->start);
    rl_write_u64(w, r->t);
    rl_write_u64(w, r->steps);
    rl_write_u64(w, (uint64_t)r->staff);
    const double d[] = {r->queue,     r->acc.cost, r->acc.demand,
                        r->acc.served, r->acc.idle, r->acc.waiting};
    rl_write_f64_array(w, d, 6);
    return RL_OK;
}

static int rota_load(void *state, rl_reader *rd, rl_error *err)
{
    rota *r = state;
    uint32_t layout = 0;
    uint64_t n = 0, start = 0, t = 0, steps = 0, staff = 0;
    double d[6] = {0};
    rl_read_u32(rd, &layout);
    rl_read_u64(rd, &n);
    rl_read_u64(rd, &start);
    rl_read_u64(rd, &t);
    rl_read_u64(rd, &steps);
    rl_read_u64(rd, &staff);
    rl_read_f64_array(rd, d, 6);
    if (rd->failed) return rl_error_set(err, RL_EFORMAT, "rota state is truncated");
    if (layout != LAYOUT || n != r->n || start < (uint64_t)r->window || t != start + steps ||
        t > n || (int64_t)staff < r->min_staff || (int64_t)staff > r->max_staff) {
        rd->failed = 1;
        return rl_error_set(err, RL_EFORMAT, "rota state does not fit this configuration");
    }
    r->start = (size_t)start;
    r->t = (size_t)t;
    r->steps = (size_t)steps;
    r->staff = (int64_t)staff;
    r->queue = d[0];
    r->acc = (tally){d[1], d[2], d[3], d[4], d[5]};
    return RL_OK;
}

/* The data file, recorded by rlrun with its SHA-256 and kept in the run. */
static const char *const data_input_keys[] = {"data", NULL};

static const rl_env_type rota_type = {
    RL_ENV_TYPE_HEADER,
    .name = "rota",
    .summary = "staff rota from a demand series (synthetic or CSV), Discrete(2k+1) changes",
    .size = sizeof(rota),
    .params = rota_params,
    .input_keys = data_input_keys,
    .max_episode_steps = 0,
    .init = rota_init,
    .reset = rota_reset,
    .step = rota_step,
    .fini = rota_fini,
    .metric_names = rota_metric_names,
    .episode_metrics = rota_metrics,
    .save = rota_save,
    .load = rota_load,
    .set_evaluation = rota_set_evaluation,
    .eval_episodes = 1, /* one pass over the held-out period */
    .write_summary = rota_summary,
};

RL_PLUGIN_ENTRY(rota)
{
    return rl_registry_add_env(registry, &rota_type);
}
