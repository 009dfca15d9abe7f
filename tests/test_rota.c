/* The rota plugin: costs, baselines and observations against figures worked
 * out by hand on a 16-hour series, no look-ahead, the synthetic series, CSV
 * errors naming file:line, the split keys, and the two real files of
 * ../shared/data/rota when present. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rl/rl.h>

#include "testutil.h"

static rl_registry *reg;
static char dir[64];

static void setup(void)
{
    reg = rl_test_registry("rota");
    snprintf(dir, sizeof dir, "/tmp/rl-test-rota.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    rl_registry_free(reg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write text to dir/name; returns the path (static buffer per call site). */
static void write_file(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* An hourly CSV from 2024-01-01 00:00 (a Monday) with the given demands. */
static void write_series(const char *name, const double *d, int n, char *path, size_t len)
{
    char text[8192];
    size_t k = (size_t)snprintf(text, sizeof text, "timestamp,demand\n");
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "2024-01-%02d %02d:00,%g\n", 1 + i / 24,
                              i % 24, d[i]);
    write_file(name, text, path, len);
}

/* The worked example: 8 training hours (mean 6), 8 held-out hours. */
static const double series[16] = {4, 8, 12, 0, 4, 4, 8, 8, 10, 3, 0, 17, 4, 4, 4, 4};
static const char *const small_keys =
    "window = 2\nepisode_length = 4\ntrain_fraction = 0.5\ncapacity = 4\nmin_staff = 0\n"
    "max_staff = 4\nmax_change = 1\nwage = 1\nunserved_cost = 2\nchange_cost = 0.5\n";

static rl_env *make(const char *csv, const char *extra, rl_config **cfg)
{
    char ini[2048];
    snprintf(ini, sizeof ini, "[rota]\ndata = %s\n%s%s", csv, small_keys, extra);
    return rl_test_make_env(reg, "rota", ini, cfg);
}

/* The error message of an instance that must fail. */
static void expect_error(const char *csv, const char *extra, const char *want)
{
    char ini[2048];
    snprintf(ini, sizeof ini, "[rota]\ndata = %s\n%s%s", csv, small_keys, extra);
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env *env = rl_env_alloc(rl_registry_find_env(reg, "rota"), cfg, &err);
    ck_assert_msg(env == NULL, "expected an error containing '%s'", want);
    ck_assert_msg(strstr(err.msg, want) != NULL, "'%s' does not contain '%s'", err.msg, want);
    rl_config_free(cfg);
}

enum { DOWN = 0, KEEP = 1, UP = 2 };
enum { A_COST, A_SERVICE, A_IDLE, A_WAIT, F_COST, F_SERVICE, F_IDLE, F_WAIT, R_COST, R_SERVICE,
       R_IDLE, R_WAIT, F_LEVEL, NMETRICS };

START_TEST(test_worked_example_lost)
{
    char path[256];
    write_series("s.csv", series, 16, path, sizeof path);
    rl_config *cfg;
    rl_env *env = make(path, "", &cfg);
    ck_assert_int_eq(rl_space_dim(rl_env_observation_space(env)), 8);
    ck_assert_int_eq(rl_env_action_space(env)->n, 3);
    ck_assert_int_eq(rl_env_metric_count(env), NMETRICS);
    ck_assert_int_eq(rl_env_set_evaluation(env, 1), RL_OK);
    double obs[8];
    ck_assert_int_eq(rl_env_reset_seeded(env, 3, obs), RL_OK);
    /* Period 8 = Monday 08:00; demand of hours 6 and 7 over the training
     * mean 6; staff 2 (the reactive level for hour 7's demand of 8) is
     * capacity 8, 8/6 of the mean; no queue. */
    const double want0[8] = {sqrt(3) / 2, -0.5, 0, 1, 8 / 6.0, 8 / 6.0,
                             8 / 6.0, 0};
    for (int i = 0; i < 8; i++) ck_assert_double_eq_tol(obs[i], want0[i], 1e-12);
    /* Staff 3, 3, 2, 3, 4, 4, 3, 2 against demand 10, 3, 0, 17, 4, 4, 4, 4:
     * wages 24, changes 6 x 0.5, 5 units lost at hour 11 x 2. */
    const int actions[8] = {UP, KEEP, DOWN, UP, UP, KEEP, DOWN, DOWN};
    const double costs[8] = {3.5, 3, 2.5, 13.5, 4.5, 4, 3.5, 2.5};
    rl_step st;
    double ret = 0;
    for (int k = 0; k < 8; k++) {
        double a = actions[k];
        ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
        /* scale = wage * mean / capacity = 1.5 */
        ck_assert_double_eq_tol(st.reward, -costs[k] / 1.5, 1e-12);
        ck_assert_int_eq(st.truncated, k == 7);
        ck_assert_int_eq(st.terminated, 0);
        ret += st.reward;
    }
    ck_assert_double_eq_tol(ret, -37 / 1.5, 1e-12);
    double m[NMETRICS];
    rl_env_metrics(env, m);
    ck_assert_double_eq_tol(m[A_COST], 37, 1e-12);
    ck_assert_double_eq_tol(m[A_SERVICE], 41 / 46.0, 1e-12);
    ck_assert_double_eq_tol(m[A_IDLE], 13.75, 1e-12);
    ck_assert_double_eq(m[A_WAIT], 0); /* lost demand never waits */
    /* Fixed: levels 2 and 3 both cost 24 over training, the lower wins. */
    ck_assert_double_eq(m[F_LEVEL], 2);
    ck_assert_double_eq_tol(m[F_COST], 38, 1e-12);
    ck_assert_double_eq_tol(m[F_SERVICE], 35 / 46.0, 1e-12);
    ck_assert_double_eq_tol(m[F_IDLE], 7.25, 1e-12);
    /* Reactive: 2, 3, 2, 1, 2, 1, 1, 1 (one step at a time toward
     * ceil(demand[t-1] / 4), at most max_staff). */
    ck_assert_double_eq_tol(m[R_COST], 45.5, 1e-12);
    ck_assert_double_eq_tol(m[R_SERVICE], 31 / 46.0, 1e-12);
    ck_assert_double_eq_tol(m[R_IDLE], 5.25, 1e-12);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_worked_example_queued)
{
    char path[256];
    write_series("s.csv", series, 16, path, sizeof path);
    rl_config *cfg;
    rl_env *env = make(path, "unserved = queued\n", &cfg);
    rl_env_set_evaluation(env, 1);
    double obs[8];
    rl_env_reset_seeded(env, 0, obs);
    /* Staff stays at 2 (capacity 8): the queue is 2, 0, 0, 9, 5, 1, 0, 0
     * at the end of each hour, each unit charged 2 per hour it waits. */
    const double costs[8] = {6, 2, 2, 20, 12, 4, 2, 2}, queue[8] = {2, 0, 0, 9, 5, 1, 0, 0};
    rl_step st;
    for (int k = 0; k < 8; k++) {
        double a = KEEP;
        rl_env_step(env, &a, obs, &st);
        ck_assert_double_eq_tol(st.reward, -costs[k] / 1.5, 1e-12);
        ck_assert_double_eq_tol(obs[7], queue[k] / 6, 1e-12);
    }
    double m[NMETRICS];
    rl_env_metrics(env, m);
    ck_assert_double_eq_tol(m[A_COST], 50, 1e-12);
    ck_assert_double_eq_tol(m[A_SERVICE], 1, 1e-12);
    ck_assert_double_eq_tol(m[A_IDLE], 4.5, 1e-12);
    ck_assert_double_eq_tol(m[A_WAIT], 17 / 46.0, 1e-12); /* 2 + 9 + 5 + 1 unit-hours */
    /* The agent kept 2 all along, which is the fixed baseline's level. */
    ck_assert_double_eq(m[F_LEVEL], 2);
    ck_assert_double_eq_tol(m[F_COST], 50, 1e-12);
    /* Reactive staffs for the last hour's demand plus the queue: 2, 3, 2,
     * 1, 2, 3, 2, 1, leaving queues 2, 0, 0, 13, 9, 1, 0, 0. */
    ck_assert_double_eq_tol(m[R_COST], 69.5, 1e-12);
    ck_assert_double_eq_tol(m[R_SERVICE], 1, 1e-12);
    ck_assert_double_eq_tol(m[R_IDLE], 4.5, 1e-12);
    ck_assert_double_eq_tol(m[R_WAIT], 25 / 46.0, 1e-12);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_discrete_observation)
{
    char path[256];
    write_series("s.csv", series, 16, path, sizeof path);
    rl_config *cfg;
    rl_env *env = make(path, "observation = discrete\n", &cfg);
    /* 48 slots x 5 levels x 3 demand bins. */
    ck_assert_int_eq(rl_env_observation_space(env)->n, 720);
    rl_env_set_evaluation(env, 1);
    double obs, a;
    rl_step st;
    rl_env_reset_seeded(env, 0, &obs);
    /* Slot 8 * 2 + weekday, staff 2, last demand 8 within (4, 8]: bin 1. */
    ck_assert_double_eq(obs, ((16 * 5) + 2) * 3 + 1);
    a = DOWN; /* staff 1 at 09:00, after a demand of 10 > 8: bin 2 */
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, ((18 * 5) + 1) * 3 + 2);
    a = UP; /* staff 2 at 10:00, after a demand of 3 <= 4: bin 0 */
    rl_env_step(env, &a, &obs, &st);
    ck_assert_double_eq(obs, ((20 * 5) + 2) * 3 + 0);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* Two series equal up to hour 12 and different after: the observations of
 * hours 8..12 (which staff each hour knowing the demand before it) agree,
 * the one of hour 13 does not. Vector and discrete observations. */
START_TEST(test_no_lookahead)
{
    double other[16];
    memcpy(other, series, sizeof other);
    other[12] = 40, other[13] = 0, other[14] = 9, other[15] = 1;
    char pa[256], pb[256];
    write_series("a.csv", series, 16, pa, sizeof pa);
    write_series("b.csv", other, 16, pb, sizeof pb);
    for (int discrete = 0; discrete < 2; discrete++) {
        const char *extra = discrete ? "observation = discrete\n" : "";
        rl_config *ca, *cb;
        rl_env *ea = make(pa, extra, &ca), *eb = make(pb, extra, &cb);
        size_t dim = rl_space_dim(rl_env_observation_space(ea));
        rl_env_set_evaluation(ea, 1);
        rl_env_set_evaluation(eb, 1);
        double oa[8], ob[8];
        rl_env_reset_seeded(ea, 5, oa);
        rl_env_reset_seeded(eb, 5, ob);
        const int actions[5] = {UP, UP, KEEP, DOWN, UP};
        for (int k = 0; k <= 5; k++) {
            int hour = 8 + k;
            int same = memcmp(oa, ob, dim * sizeof *oa) == 0;
            ck_assert_msg(same == (hour <= 12), "%s observation of hour %d: same %d",
                          discrete ? "discrete" : "vector", hour, same);
            if (k == 5) break;
            double a = actions[k];
            rl_step sa, sb;
            rl_env_step(ea, &a, oa, &sa);
            rl_env_step(eb, &a, ob, &sb);
        }
        rl_env_free(ea);
        rl_env_free(eb);
        rl_config_free(ca);
        rl_config_free(cb);
    }
}
END_TEST

/* Training episodes: episode_length steps from a random hour of the
 * training split (whose window may reach before it), never into the
 * held-out hours; the same seed gives the same episode. */
START_TEST(test_training_episodes)
{
    char path[256];
    write_series("s.csv", series, 16, path, sizeof path);
    rl_config *cfg;
    rl_env *env = make(path, "observation = discrete\n", &cfg);
    int seen[3] = {0, 0, 0};
    for (uint64_t seed = 0; seed < 60; seed++) {
        double o1, o2, a = KEEP;
        rl_step st;
        rl_env_reset_seeded(env, seed, &o1);
        /* The time slot is obs / 15: hours 2, 3 or 4 (weekday). */
        int slot = (int)o1 / 15;
        ck_assert_msg(slot == 4 || slot == 6 || slot == 8, "slot %d", slot);
        seen[(slot - 4) / 2] = 1;
        rl_env_reset_seeded(env, seed, &o2);
        ck_assert_double_eq(o1, o2);
        for (int k = 0; k < 4; k++) {
            ck_assert_int_eq(rl_env_step(env, &a, &o1, &st), RL_OK);
            ck_assert_int_eq(st.truncated, k == 3);
        }
    }
    ck_assert_int_eq(seen[0] + seen[1] + seen[2], 3);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_save_load)
{
    char path[256];
    write_series("s.csv", series, 16, path, sizeof path);
    rl_config *cfg;
    rl_env *env = make(path, "", &cfg);
    rl_env_set_evaluation(env, 1);
    double obs[8], o2[8], a = UP;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    rl_env_step(env, &a, obs, &st);
    rl_env_step(env, &a, obs, &st);
    const rl_env_type *type = rl_env_get_type(env);
    rl_writer w = {0};
    ck_assert_int_eq(type->save(rl_env_state(env), &w, NULL), RL_OK);
    rl_env_step(env, &a, obs, &st);
    double r1 = st.reward;
    /* A fresh instance restored from the record takes the same step. */
    rl_config *c2;
    rl_env *e2 = make(path, "", &c2);
    rl_env_set_evaluation(e2, 1);
    rl_env_reset_seeded(e2, 0, o2);
    rl_reader rd = {w.data, w.len, 0, 0};
    rl_error err = {0};
    ck_assert_int_eq(type->load(rl_env_state(e2), &rd, &err), RL_OK);
    ck_assert_int_eq(rl_env_step(e2, &a, o2, &st), RL_OK);
    ck_assert_double_eq(st.reward, r1);
    ck_assert_int_eq(memcmp(obs, o2, sizeof obs), 0);
    /* A truncated record is refused. */
    rl_reader bad = {w.data, w.len - 3, 0, 0};
    ck_assert_int_eq(type->load(rl_env_state(e2), &bad, &err), RL_EFORMAT);
    rl_writer_free(&w);
    rl_env_free(env);
    rl_env_free(e2);
    rl_config_free(cfg);
    rl_config_free(c2);
}
END_TEST

/* The default series: 140 days of hours; its mean is near synthetic_mean,
 * a seed fixes it, another seed changes it. */
START_TEST(test_synthetic)
{
    rl_config *c1, *c2, *c3;
    rl_env *e1 = rl_test_make_env(reg, "rota", "", &c1);
    rl_env *e2 = rl_test_make_env(reg, "rota", "[rota]\nsynthetic_seed = 1\n", &c2);
    rl_env *e3 = rl_test_make_env(reg, "rota", "[rota]\nsynthetic_seed = 2\n", &c3);
    ck_assert_int_eq(rl_space_dim(rl_env_observation_space(e1)), 30);
    ck_assert_int_eq(rl_env_action_space(e1)->n, 5);
    rl_env_set_evaluation(e1, 1);
    rl_env_set_evaluation(e2, 1);
    rl_env_set_evaluation(e3, 1);
    double o1[30], o2[30], o3[30], a = 2;
    rl_env_reset_seeded(e1, 0, o1);
    rl_env_reset_seeded(e2, 0, o2);
    rl_env_reset_seeded(e3, 0, o3);
    ck_assert_int_eq(memcmp(o1, o2, sizeof o1), 0);
    ck_assert_int_ne(memcmp(o1, o3, sizeof o1), 0);
    /* The held-out split is the last 30% of 3360 hours: 1008 hours, from
     * day 98 (a Monday) at midnight. */
    ck_assert_double_eq_tol(o1[0], 0, 1e-12);
    ck_assert_double_eq_tol(o1[1], 1, 1e-12);
    ck_assert_double_eq_tol(o1[3], 1, 1e-12);
    rl_step st;
    int steps = 0;
    do {
        ck_assert_int_eq(rl_env_step(e1, &a, o1, &st), RL_OK);
        steps++;
    } while (!st.truncated);
    ck_assert_int_eq(steps, 1008);
    double m[NMETRICS];
    rl_env_metrics(e1, m);
    ck_assert(m[F_LEVEL] >= 10 && m[F_LEVEL] <= 25);
    ck_assert(m[R_SERVICE] > 0.8 && m[R_SERVICE] < 1);
    rl_env_free(e1);
    rl_env_free(e2);
    rl_env_free(e3);
    rl_config_free(c1);
    rl_config_free(c2);
    rl_config_free(c3);
}
END_TEST

/* Malformed CSV files: each error names the file and the line. */
START_TEST(test_csv_errors)
{
    char p[256], want[400];
    const char *ok_rows = "2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 02:00,3\n"
                          "2024-01-01 03:00,4\n2024-01-01 04:00,5\n2024-01-01 05:00,6\n"
                          "2024-01-01 06:00,7\n2024-01-01 07:00,8\n2024-01-01 08:00,9\n"
                          "2024-01-01 09:00,10\n2024-01-01 10:00,11\n2024-01-01 11:00,12\n";
    char text[2048];
    static const struct {
        const char *name, *head, *rows, *extra, *want;
    } cases[] = {
        {"nocol.csv", "timestamp,amount\n", "", "", ":1: no column 'demand'"},
        {"nohour.csv", "timestamp,demand\n", "", "hour_column = hr\n", ":1: no column 'hr'"},
        {"badnum.csv", "timestamp,demand\n", "2024-01-01 00:00,1\n2024-01-01 01:00,x\n", "",
         ":3: bad number 'x' in column 'demand'"},
        {"neg.csv", "timestamp,demand\n", "2024-01-01 00:00,-2\n", "", ":2: negative demand -2"},
        {"e308.csv", "timestamp,demand\n", "2024-01-01 00:00,1\n2024-01-01 01:00,1e308\n", "",
         ":3: demand 1e+308 in column 'demand' is above the limit of 1e+09"},
        {"span.csv", "timestamp,demand\n",
         "2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 02:00,3\n"
         "2024-01-01 03:00,4\n2024-01-01 04:00,5\n2024-01-01 05:00,6\n"
         "2024-01-01 06:00,7\n2024-01-01 07:00,8\n2024-01-01 08:00,9\n"
         "2024-01-01 09:00,10\n2024-01-01 10:00,11\n2024-01-01 11:00,12\n"
         "2124-01-03 00:00,1\n", "",
         ":14: the series spans 2024-01-01 to 2124-01-03, more than the limit of 36525 days "
         "(100 years)"},
        {"fill.csv", "timestamp,demand\n",
         "2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 02:00,3\n"
         "2024-01-01 03:00,4\n2024-01-01 04:00,5\n2024-01-01 05:00,6\n"
         "2024-01-01 06:00,7\n2024-01-01 07:00,8\n2024-01-01 08:00,9\n"
         "2024-01-01 09:00,10\n2024-01-01 10:00,11\n2024-01-01 11:00,12\n"
         "2024-03-01 00:00,1\n", "",
         ":14: the series spans 1441 hourly periods but holds 13 rows: more than 100 periods per "
         "row, mostly gaps"},
        {"unsorted.csv", "timestamp,demand\n",
         "2024-01-01 00:00,1\n2024-01-01 02:00,1\n2024-01-01 01:00,1\n", "",
         ":4: timestamps not sorted: 2024-01-01 01:00 comes after 2024-01-01 02:00 (line 3)"},
        {"dup.csv", "timestamp,demand\n", "2024-01-01 00:00,1\n2024-01-01 00:00,1\n", "",
         ":3: duplicate timestamp 2024-01-01 00:00 (also on line 2)"},
        {"empty.csv", "", "", "", ":1: empty file"},
        {"header.csv", "timestamp,demand\n", "", "", ":1: no data rows"},
        {"short.csv", "timestamp,demand\n",
         "2024-01-01 00:00,1\n2024-01-01 01:00,1\n2024-01-01 02:00,1\n", "",
         ":4: too short: 3 rows, the window and two splits need at least 10"},
        {"badtime.csv", "timestamp,demand\n", "2024-02-30 00:00,1\n", "", ":2: bad timestamp"},
        {"fields.csv", "timestamp,demand\n", "2024-01-01 00:00\n", "", ":2: 1 fields"},
        {"badhour.csv", "date,hour,demand\n", "2024-01-01,24,1\n",
         "time_column = date\nhour_column = hour\n", ":2: bad hour '24' in column 'hour'"},
        {"both.csv", "date,hour,demand\n", "2024-01-01 05:00,5,1\n",
         "time_column = date\nhour_column = hour\n",
         ":2: '2024-01-01 05:00' has a time of day and hour_column 'hour' is set too"},
        {"gap.csv", "timestamp,demand\n", NULL, "gaps = error\n",
         ":8: 1 periods missing before this row, from 2024-01-01 06:00"},
        {"step.csv", "timestamp,demand\n", NULL, "", ": the period must be one hour or one day"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *rows = cases[i].rows;
        char built[2048];
        if (!rows && strcmp(cases[i].name, "gap.csv") == 0) {
            /* ok_rows without 06:00, which is line 8 */
            const char *cut = strstr(ok_rows, "2024-01-01 06:00");
            const char *next = strchr(cut, '\n') + 1;
            snprintf(built, sizeof built, "%.*s%s", (int)(cut - ok_rows), ok_rows, next);
            rows = built;
        } else if (!rows) {
            snprintf(built, sizeof built, "2024-01-01 00:00,1\n2024-01-01 00:30,1\n%s", ok_rows + 19);
            rows = built;
        }
        snprintf(text, sizeof text, "%s%s", cases[i].head, rows);
        write_file(cases[i].name, text, p, sizeof p);
        snprintf(want, sizeof want, "%s%s", p, cases[i].want);
        if (strcmp(cases[i].name, "step.csv") == 0) snprintf(want, sizeof want, "%s", cases[i].want);
        expect_error(p, cases[i].extra, want);
    }
    snprintf(p, sizeof p, "%s/absent.csv", dir);
    expect_error(p, "", "cannot open");
    /* A byte-order mark and CRLF line endings are fine. */
    char crlf[2048];
    size_t k = (size_t)snprintf(crlf, sizeof crlf, "\xEF\xBB\xBFtimestamp,demand\r\n");
    for (const char *r = ok_rows; *r; r++) {
        if (*r == '\n') crlf[k++] = '\r';
        crlf[k++] = *r;
    }
    crlf[k] = '\0';
    write_file("crlf.csv", crlf, p, sizeof p);
    rl_config *cfg;
    rl_env *env = make(p, "", &cfg);
    ck_assert_int_eq(rl_space_dim(rl_env_observation_space(env)), 8);
    rl_env_free(env);
    rl_config_free(cfg);
    /* csv.h's rules (doc/plugins.md, "CSV files"): column names in any
     * case, quoted fields, blanks around fields, empty lines anywhere
     * (skipped; they were refused within the data before). The same
     * series as ok_rows gives the same first observation. */
    char loose[2048];
    k = (size_t)snprintf(loose, sizeof loose, "\"TimeStamp\", DEMAND \n");
    int lines = 0;
    for (const char *r = ok_rows; *r; r++) {
        if (*r == ',') k += (size_t)snprintf(loose + k, sizeof loose - k, " , ");
        else loose[k++] = *r;
        if (*r == '\n' && ++lines == 3) k += (size_t)snprintf(loose + k, sizeof loose - k, "\n \t\n");
    }
    loose[k] = '\0';
    write_file("loose.csv", loose, p, sizeof p);
    snprintf(text, sizeof text, "timestamp,demand\n%s", ok_rows);
    write_file("plain.csv", text, want, sizeof want);
    rl_config *c1, *c2;
    rl_env *e1 = make(p, "", &c1), *e2 = make(want, "", &c2);
    double o1[8], o2[8];
    ck_assert_int_eq(rl_env_reset_seeded(e1, 3, o1), RL_OK);
    ck_assert_int_eq(rl_env_reset_seeded(e2, 3, o2), RL_OK);
    for (int i = 0; i < 8; i++) ck_assert_double_eq(o1[i], o2[i]);
    rl_env_free(e1);
    rl_env_free(e2);
    rl_config_free(c1);
    rl_config_free(c2);
    /* A column the header names twice, ignoring case. */
    snprintf(text, sizeof text, "timestamp,demand,Demand\n2024-01-01 00:00,1,1\n");
    write_file("twice.csv", text, p, sizeof p);
    snprintf(want, sizeof want, "%s:1: the header names column 'demand' twice (columns 2 and 3)", p);
    expect_error(p, "", want);
}
END_TEST

/* The date keys: evaluation must start after training ends; dates must be
 * dates; daily files split by date. */
START_TEST(test_split_keys)
{
    char text[8192], p[256];
    /* 40 days: March 1..31 then April 1..9 */
    size_t k = (size_t)snprintf(text, sizeof text, "day,demand\n");
    for (int i = 0; i < 40; i++) {
        int m = i < 31 ? 3 : 4, d = i < 31 ? i + 1 : i - 30;
        k += (size_t)snprintf(text + k, sizeof text - k, "2024-%02d-%02d,%d\n", m, d, 10 + i % 7);
    }
    write_file("daily.csv", text, p, sizeof p);
    expect_error(p, "time_column = day\ntrain_end = 2024-03-20\neval_start = 2024-03-20\n",
                 "test.ini:15: [rota] eval_start: the evaluation split must start after train_end");
    expect_error(p, "time_column = day\ntrain_end = 2024-03-32\n", "'2024-03-32' is not a date");
    expect_error(p, "time_column = day\ntrain_start = 2025-01-01\n",
                 "the data ends before train_start");
    {
        rl_config *c = rl_config_alloc(NULL);
        ck_assert_int_eq(rl_config_load_string(c, "[rota]\nmin_staff = 3\nmax_staff = 3\n", "t.ini"),
                         RL_OK);
        rl_error err = {0};
        ck_assert_ptr_null(rl_env_alloc(rl_registry_find_env(reg, "rota"), c, &err));
        ck_assert_str_eq(err.msg, "rota: t.ini:3: [rota] max_staff: max_staff 3 must exceed min_staff 3");
        rl_config_free(c);
    }
    expect_error(p, "time_column = day\neval_start = 2024-03-06\n",
                 "fewer than episode_length");
    /* A valid daily split: 20 training days, evaluation April 1..5. */
    rl_config *cfg;
    rl_env *env = make(p, "time_column = day\ntrain_end = 2024-03-20\neval_start = 2024-04-01\n"
                          "eval_end = 2024-04-05\nobservation = discrete\n", &cfg);
    ck_assert_int_eq(rl_env_observation_space(env)->n, 7 * 5 * 3);
    rl_env_set_evaluation(env, 1);
    double obs, a = KEEP;
    rl_step st;
    rl_env_reset_seeded(env, 0, &obs);
    /* 2024-04-01 is a Monday: slot 0. */
    ck_assert_int_lt(obs, 15);
    int steps = 0;
    do {
        rl_env_step(env, &a, &obs, &st);
        steps++;
    } while (!st.truncated);
    ck_assert_int_eq(steps, 5);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* The evaluation's summary (rl_env_write_summary): a heading with the
 * held-out split's first and last period and the file, then the agent, the
 * fixed level and the reactive rule, with costs, the service level in %,
 * idle staff-periods and waits in the series' period (hours, or days). */
START_TEST(test_summary_table)
{
    char path[256];
    write_series("s.csv", series, 16, path, sizeof path);
    rl_config *cfg;
    rl_env *env = make(path, "", &cfg);
    /* The worked example's figures (test_worked_example_lost), with a wait. */
    const double m[NMETRICS] = {37, 41 / 46.0, 13.75, 0.125, 38, 35 / 46.0, 7.25, 0,
                                45.5, 31 / 46.0, 5.25, 1.5, 2};
    char *text = NULL, expect[2048];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(rl_env_write_summary(env, m, 1, f), RL_OK);
    fclose(f);
    snprintf(expect, sizeof expect,
             "  held-out period 2024-01-01 08:00 .. 2024-01-01 15:00: 8 hours of %s\n"
             "                                     agent   fixed 2 staff        reactive\n"
             "  total cost (cost units)            37.00           38.00           45.50\n"
             "  service level (%%)                  89.13           76.09           67.39\n"
             "  idle staff-hours                   13.75            7.25            5.25\n"
             "  mean wait (hours)                 0.1250          0.0000          1.5000\n",
             path);
    ck_assert_str_eq(text, expect);
    free(text);
    rl_env_free(env);
    rl_config_free(cfg);

    /* A daily series: dates only, days as the unit; several episodes. */
    char p[256], daily[4096];
    size_t k = (size_t)snprintf(daily, sizeof daily, "day,demand\n");
    for (int i = 0; i < 40; i++)
        k += (size_t)snprintf(daily + k, sizeof daily - k, "2024-%02d-%02d,%d\n", i < 31 ? 3 : 4,
                              i < 31 ? i + 1 : i - 30, 10 + i % 7);
    write_file("daily.csv", daily, p, sizeof p);
    env = make(p, "time_column = day\ntrain_end = 2024-03-20\neval_start = 2024-04-01\n"
                  "eval_end = 2024-04-05\n", &cfg);
    text = NULL;
    f = open_memstream(&text, &len);
    ck_assert_int_eq(rl_env_write_summary(env, m, 3, f), RL_OK);
    fclose(f);
    snprintf(expect, sizeof expect,
             "  held-out period 2024-04-01 .. 2024-04-05: 5 days of %s (means of 3 episodes)\n", p);
    ck_assert_ptr_eq(strstr(text, expect), text);
    ck_assert_ptr_nonnull(strstr(text, "\n  idle staff-days                    13.75 "));
    ck_assert_ptr_nonnull(strstr(text, "\n  mean wait (days)                  0.1250 "));
    free(text);
    rl_env_free(env);
    rl_config_free(cfg);

    /* The synthetic series is named as such. */
    env = rl_test_make_env(reg, "rota", "[rota]\n", &cfg);
    text = NULL;
    f = open_memstream(&text, &len);
    ck_assert_int_eq(rl_env_write_summary(env, m, 1, f), RL_OK);
    fclose(f);
    /* 140 days from 2024-01-01: hours 2352 .. 3359 are held out. */
    ck_assert_ptr_eq(strstr(text, "  held-out period 2024-04-08 00:00 .. 2024-05-19 23:00: 1008 "
                                  "hours of the synthetic series\n"),
                     text);
    free(text);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* The real files, when ../shared/data is there: they load with their own
 * column names, the bike file's 165 missing hours become demand 0 (or an
 * error naming the line after the first gap), and the held-out episodes
 * span the expected hours. */
START_TEST(test_real_files)
{
    char uihc[4096], bike[4096];
    snprintf(uihc, sizeof uihc, "%s/../shared/data/rota/uihc_ed_arrivals_hourly.csv",
             rl_test_srcdir());
    snprintf(bike, sizeof bike, "%s/../shared/data/rota/bike_sharing_hour.csv", rl_test_srcdir());
    if (access(uihc, R_OK) != 0 || access(bike, R_OK) != 0) {
        fprintf(stderr, "test_rota: skipped: %s or %s is absent\n", uihc, bike);
        return;
    }
    const struct {
        const char *path, *keys;
        int steps;
    } files[2] = {
        {uihc, "time_column = Date\nhour_column = Hour\ndemand_column = Arrivals\n"
               "train_end = 2016-12-31\neval_start = 2017-01-01\nmax_staff = 15\n", 455 * 24},
        {bike, "time_column = dteday\nhour_column = hr\ndemand_column = cnt\n"
               "train_end = 2012-06-30\neval_start = 2012-07-01\nmax_staff = 50\ncapacity = 20\n",
         184 * 24},
    };
    for (int f = 0; f < 2; f++) {
        char ini[8192];
        snprintf(ini, sizeof ini, "[rota]\ndata = %s\n%s", files[f].path, files[f].keys);
        rl_config *cfg;
        rl_env *env = rl_test_make_env(reg, "rota", ini, &cfg);
        rl_env_set_evaluation(env, 1);
        double obs[30], a = 2;
        rl_step st;
        rl_env_reset_seeded(env, 0, obs);
        int steps = 0;
        do {
            ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
            steps++;
        } while (!st.truncated);
        ck_assert_int_eq(steps, files[f].steps);
        rl_env_free(env);
        rl_config_free(cfg);
    }
    /* gaps = error: the first missing hour of the bike file is 2011-01-02
     * 05:00, so line 31 (06:00) follows a gap. */
    char ini[8192];
    snprintf(ini, sizeof ini, "[rota]\ndata = %s\n%sgaps = error\n", bike, files[1].keys);
    rl_config *cfg = rl_config_alloc(NULL);
    rl_config_load_string(cfg, ini, "test.ini");
    rl_error err = {0};
    ck_assert_ptr_null(rl_env_alloc(rl_registry_find_env(reg, "rota"), cfg, &err));
    char want[4200];
    snprintf(want, sizeof want, "%s:31: 1 periods missing before this row, from 2011-01-02 05:00",
             bike);
    ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
    rl_config_free(cfg);
}
END_TEST

static Suite *rota_suite(void)
{
    Suite *s = suite_create("rota");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_worked_example_lost);
    tcase_add_test(tc, test_worked_example_queued);
    tcase_add_test(tc, test_discrete_observation);
    tcase_add_test(tc, test_no_lookahead);
    tcase_add_test(tc, test_training_episodes);
    tcase_add_test(tc, test_save_load);
    tcase_add_test(tc, test_synthetic);
    tcase_add_test(tc, test_csv_errors);
    tcase_add_test(tc, test_split_keys);
    tcase_add_test(tc, test_real_files);
    tcase_add_test(tc, test_summary_table);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(rota_suite)
