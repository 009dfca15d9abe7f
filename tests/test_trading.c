/* The trading environment (plugins/trading): the CSV reader and its errors,
 * the synthetic series, the periods, the accounting of a step against
 * hand-computed values, the metrics beside buy-and-hold and cash, the
 * absence of look-ahead, the discrete observation and exact resume. The
 * plugin's sources are compiled into the test, which reads the instance's
 * state (plugins/trading/trading.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rl/rl.h>

#include "testutil.h"
#include "trading.h"

#define C_RATE 0.0015 /* the default cost_bps 10 + slippage_bps 5 */

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/rl-trading.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write text to dir/name; path receives the file's path. */
static void write_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The date of row i of the test series: consecutive days from 2001-01-01. */
static void row_date(int i, char *buf)
{
    int32_t d0;
    ck_assert_int_eq(tr_parse_date("2001-01-01", 10, &d0), 0);
    tr_format_date(d0 + i, buf);
}

/* A Yahoo-style CSV of n rows with the given Adj Close prices (Close is
 * twice that, to show which column is read). Returns malloc'd text. */
static char *yahoo_csv(const double *p, int n)
{
    size_t cap = 100 + (size_t)n * 120, len = 0;
    char *t = malloc(cap);
    len += (size_t)snprintf(t, cap, "Date,Open,High,Low,Close,Adj Close,Volume\n");
    for (int i = 0; i < n; i++) {
        char d[11];
        row_date(i, d);
        len += (size_t)snprintf(t + len, cap - len, "%s,1,1,1,%.17g,%.17g,1000\n", d, 2 * p[i],
                                p[i]);
    }
    return t;
}

/* A price path with some movement: used where the exact values only need
 * to be known to the test. */
static double wave(int i) { return 100 * exp(0.03 * sin(0.7 * i) + 0.002 * i); }

static rl_env *make_env(const char *ini, rl_config **cfg, rl_error *err)
{
    *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(*cfg, ini, "test.ini"), RL_OK);
    memset(err, 0, sizeof *err);
    return rl_env_alloc(&rl_trading_env, *cfg, err);
}

static rl_env *make_ok(const char *ini, rl_config **cfg)
{
    rl_error err;
    rl_env *env = make_env(ini, cfg, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    return env;
}

/* An environment over a CSV of n wave() prices (or p when not NULL),
 * training on rows 0..60, evaluating from row 61 (to eval_end_row),
 * with extra INI lines. */
static rl_env *make_csv_env(const double *p, int n, int eval_end_row, const char *extra,
                            rl_config **cfg)
{
    double *q = malloc((size_t)n * sizeof *q);
    for (int i = 0; i < n; i++) q[i] = p ? p[i] : wave(i);
    char *csv = yahoo_csv(q, n), path[128], ini[1024], te[11], es[11], ee[11];
    write_file("prices.csv", csv, path, sizeof path);
    row_date(60, te);
    row_date(61, es);
    row_date(eval_end_row, ee);
    snprintf(ini, sizeof ini,
             "[trading]\ndata = %s\ntrain_end = %s\neval_start = %s\neval_end = %s\n%s", path, te,
             es, ee, extra);
    free(csv);
    free(q);
    return make_ok(ini, cfg);
}

/* ---- dates and the CSV reader ---------------------------------------------------- */

START_TEST(test_dates)
{
    int32_t d;
    char buf[11];
    ck_assert_int_eq(tr_parse_date("1970-01-01", 10, &d), 0);
    ck_assert_int_eq(d, 0);
    ck_assert_int_eq(tr_parse_date("2000-01-03", 10, &d), 0);
    ck_assert_int_eq(d, 10959);
    ck_assert_int_eq(tr_parse_date("2000-02-29", 10, &d), 0);
    ck_assert_int_eq(d, 11016);
    tr_format_date(d, buf);
    ck_assert_str_eq(buf, "2000-02-29");
    ck_assert_int_eq(tr_parse_date("1900-02-29", 10, &d), -1); /* not a leap year */
    ck_assert_int_eq(tr_parse_date("2001-13-01", 10, &d), -1);
    ck_assert_int_eq(tr_parse_date("2001-04-31", 10, &d), -1);
    ck_assert_int_eq(tr_parse_date("2001/01/01", 10, &d), -1);
    ck_assert_int_eq(tr_parse_date("2001-1-1", 8, &d), -1);
}
END_TEST

START_TEST(test_csv_yahoo_adj_close)
{
    char path[128];
    /* Header names in any case; Adj Close wins over Close; a BOM, CRLF and a
     * blank last line are fine. */
    write_file("y.csv",
               "\xef\xbb\xbf" "date,OPEN,High,Low,close,ADJ CLOSE,Volume\r\n"
               "2014-01-02,1,1,1,10.5,5.25,100\r\n"
               "2014-01-03,1,1,1,11,5.5,100\r\n"
               "\r\n",
               path, sizeof path);
    tr_series s;
    rl_error err = {0};
    ck_assert_int_eq(tr_series_load_csv(&s, path, 1, &err), RL_OK);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_double_eq(s.price[0], 5.25);
    ck_assert_double_eq(s.price[1], 5.5);
    ck_assert_int_eq(s.line[1], 3);
    ck_assert_int_eq(s.day[1] - s.day[0], 1);
    tr_series_free(&s);
    /* Without Adj Close, Close. */
    write_file("c.csv", "Date,Open,Close\n2014-01-02,1,7\n", path, sizeof path);
    ck_assert_int_eq(tr_series_load_csv(&s, path, 1, &err), RL_OK);
    ck_assert_double_eq(s.price[0], 7);
    tr_series_free(&s);
    /* Two columns: date and price, whatever their names, or no header at
     * all. */
    write_file("p.csv", "day,price\n2014-01-02,3.5\n", path, sizeof path);
    ck_assert_int_eq(tr_series_load_csv(&s, path, 1, &err), RL_OK);
    ck_assert_double_eq(s.price[0], 3.5);
    tr_series_free(&s);
    write_file("h.csv", "2014-01-02,3.5\n2014-01-06,4\n", path, sizeof path);
    ck_assert_int_eq(tr_series_load_csv(&s, path, 1, &err), RL_OK);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_double_eq(s.price[1], 4);
    ck_assert_int_eq(s.line[0], 1);
    tr_series_free(&s);
}
END_TEST

/* Each malformed file gives an error naming file:line, through the
 * environment as a user sees it. */
START_TEST(test_csv_errors)
{
    enum { N = 100 };
    double p[N];
    for (int i = 0; i < N; i++) p[i] = wave(i);
    char *good = yahoo_csv(p, N);
    /* Row k of the data is line k + 2 of the file. */
    char *line6 = good, *line7;
    for (int i = 0; i < 5; i++) line6 = strchr(line6, '\n') + 1;
    line7 = strchr(line6, '\n') + 1;
    size_t head = (size_t)(line6 - good);
    struct {
        const char *name, *expect;
        char text[16384];
    } c[15];
    int nc = 0;
#define CASE(nm, ex) (c[nc].name = nm, c[nc].expect = ex, nc++)
    /* Missing column in the header, then in a row. */
    snprintf(c[nc].text, sizeof c[nc].text, "Date,Open,High\n2001-01-01,1,2\n");
    CASE("nohead.csv", "nohead.csv:1: missing column 'Close' or 'Adj Close'");
    snprintf(c[nc].text, sizeof c[nc].text, "Open,High,Close\n1,2,3\n");
    CASE("nodate.csv", "nodate.csv:1: missing column 'Date'");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-05,1,1\n%s", (int)head, good, line7);
    CASE("short.csv", "short.csv:6: 3 fields where the header has 7");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-05,1,1,1,2,abc,9\n%s", (int)head, good,
             line7);
    CASE("bad.csv", "bad.csv:6: bad number 'abc' in column 'Adj Close'");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-05,1,1,1,2,nan,9\n%s", (int)head, good,
             line7);
    CASE("nan.csv", "nan.csv:6: bad number 'nan'");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-05,1,1,1,2,0,9\n%s", (int)head, good,
             line7);
    CASE("zero.csv", "zero.csv:6: price 0 in column 'Adj Close' is not positive");
    /* Finite but beyond the limits: every return from them would be huge. */
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-05,1,1,1,2,1e308,9\n%s", (int)head, good,
             line7);
    CASE("e308.csv", "e308.csv:6: price 1e308 in column 'Adj Close' is outside the limits 1e-06..1e+09");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-05,1,1,1,2,1000000001,9\n%s", (int)head,
             good, line7);
    CASE("big.csv", "big.csv:6: price 1000000001 in column 'Adj Close' is outside the limits");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-05,1,1,1,2,1e-300,9\n%s", (int)head, good,
             line7);
    CASE("tiny.csv", "tiny.csv:6: price 1e-300 in column 'Adj Close' is outside the limits");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-03,1,1,1,2,3,9\n%s", (int)head, good,
             line7);
    CASE("unsorted.csv", "unsorted.csv:6: date 2001-01-03 is not after 2001-01-04 on line 5");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s2001-01-04,1,1,1,2,3,9\n%s", (int)head, good,
             line7);
    CASE("dup.csv", "dup.csv:6: duplicate date 2001-01-04 (also on line 5)");
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s01/05/2001,1,1,1,2,3,9\n%s", (int)head, good,
             line7);
    CASE("date.csv", "date.csv:6: bad date '01/05/2001' (expected YYYY-MM-DD)");
    c[nc].text[0] = 0;
    CASE("empty.csv", "empty.csv:1: empty file");
    snprintf(c[nc].text, sizeof c[nc].text, "Date,Close\n");
    CASE("header.csv", "header.csv:1: empty file: a header but no rows");
    /* 30 rows: the window and the indicators need 49, then 22 to train and
     * evaluate. */
    snprintf(c[nc].text, sizeof c[nc].text, "%.*s", (int)(strchr(good, '\n') - good + 1), good);
    for (int i = 0, k = (int)strlen(c[nc].text); i < 30; i++) {
        char d[11];
        row_date(i, d);
        k += snprintf(c[nc].text + k, sizeof c[nc].text - (size_t)k, "%s,1,1,1,2,3,9\n", d);
    }
    CASE("few.csv", "few.csv:31: too few rows: 30 prices, at least 71 are needed");
#undef CASE
    for (int i = 0; i < nc; i++) {
        char path[128], ini[256];
        write_file(c[i].name, c[i].text, path, sizeof path);
        snprintf(ini, sizeof ini, "[trading]\ndata = %s\n", path);
        rl_config *cfg;
        rl_error err;
        rl_env *env = make_env(ini, &cfg, &err);
        ck_assert_msg(env == NULL, "%s loaded", c[i].name);
        ck_assert_int_eq(err.code, RL_EFORMAT);
        ck_assert_msg(strstr(err.msg, c[i].expect) != NULL, "%s: got '%s', expected '%s'",
                      c[i].name, err.msg, c[i].expect);
        ck_assert_msg(strncmp(err.msg, "trading: ", 9) == 0, "%s", err.msg);
        rl_config_free(cfg);
    }
    /* A NUL byte (a binary file), and a line of 257 columns (csv.h's
     * limit is 256). */
    char path[128], ini[256], wide[1200] = "Date";
    rl_config *cfg;
    rl_error err;
    snprintf(path, sizeof path, "%s/nul.csv", dir);
    FILE *fp = fopen(path, "wb");
    fwrite("Date,Close\n2001-01-01,1\0\n", 1, 26, fp);
    fclose(fp);
    snprintf(ini, sizeof ini, "[trading]\ndata = %s\n", path);
    ck_assert_ptr_null(make_env(ini, &cfg, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "nul.csv:2: a NUL byte: not a text file"));
    rl_config_free(cfg);
    for (int i = 1; i < 257; i++) strcat(wide, ",x");
    strcat(wide, "\n");
    write_file("wide.csv", wide, path, sizeof path);
    snprintf(ini, sizeof ini, "[trading]\ndata = %s\n", path);
    ck_assert_ptr_null(make_env(ini, &cfg, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "wide.csv:1: more than 256 fields"));
    rl_config_free(cfg);
    /* A file that does not exist. */
    ck_assert_ptr_null(make_env("[trading]\ndata = /nonexistent/prices.csv\n", &cfg, &err));
    ck_assert_int_eq(err.code, RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot open '/nonexistent/prices.csv'"));
    rl_config_free(cfg);
    free(good);
}
END_TEST

/* ---- the synthetic series and the periods ------------------------------------------ */

START_TEST(test_synthetic_series)
{
    tr_series a, b, c;
    unsigned char reg[300];
    rl_error err = {0};
    ck_assert_int_eq(tr_series_synthetic(&a, 300, 1, reg, &err), RL_OK);
    ck_assert_int_eq(tr_series_synthetic(&b, 300, 1, NULL, &err), RL_OK);
    ck_assert_int_eq(tr_series_synthetic(&c, 300, 2, NULL, &err), RL_OK);
    ck_assert_mem_eq(a.price, b.price, 300 * sizeof(double));
    ck_assert(memcmp(a.price, c.price, 300 * sizeof(double)) != 0);
    ck_assert_double_eq(a.price[0], 100);
    ck_assert_int_eq(reg[0], 1); /* starts in the bull regime */
    /* Business days from Monday 2000-01-03: Friday the 7th, then Monday the
     * 10th. */
    char d[11];
    tr_format_date(a.day[0], d);
    ck_assert_str_eq(d, "2000-01-03");
    tr_format_date(a.day[4], d);
    ck_assert_str_eq(d, "2000-01-07");
    tr_format_date(a.day[5], d);
    ck_assert_str_eq(d, "2000-01-10");
    for (size_t i = 0; i < 300; i++) ck_assert_int_ne((a.day[i] + 4) % 7 % 6, 0);
    tr_series_free(&a);
    tr_series_free(&b);
    tr_series_free(&c);
}
END_TEST

/* The default split: 5040 days, the first floor(0.7 * 5040) = 3528 rows
 * train and rows 3528 .. 5039 evaluate, one episode of 1511 steps. Training
 * episodes are 252 steps within rows 49 .. 3527. */
START_TEST(test_default_periods)
{
    rl_config *cfg;
    rl_env *env = make_ok("", &cfg);
    trading *t = rl_env_state(env);
    ck_assert_uint_eq(t->first, 49);
    ck_assert_uint_eq(t->tr_lo, 49);
    ck_assert_uint_eq(t->tr_hi, 3527);
    ck_assert_uint_eq(t->ev_lo, 3528);
    ck_assert_uint_eq(t->ev_hi, 5039);
    ck_assert_uint_eq(rl_space_dim(rl_env_observation_space(env)), 24);
    ck_assert_int_eq(rl_env_action_space(env)->n, 3);
    double obs[24], a = 0;
    rl_step st;
    for (int ep = 0; ep < 20; ep++) {
        ck_assert_int_eq(rl_env_reset_seeded(env, (uint64_t)ep, obs), RL_OK);
        ck_assert_uint_ge(t->start, 49);
        ck_assert_uint_le(t->start + 252, 3527);
        int steps = 0;
        do {
            ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
            steps++;
        } while (!st.truncated && !st.terminated);
        ck_assert_int_eq(steps, 252);
    }
    /* The same seed starts on the same day. */
    rl_env_reset_seeded(env, 5, obs);
    size_t s5 = t->start;
    rl_env_reset_seeded(env, 6, obs);
    rl_env_reset_seeded(env, 5, obs);
    ck_assert_uint_eq(t->start, s5);
    /* Evaluation: one episode over the held-out rows. */
    ck_assert_int_eq(rl_env_set_evaluation(env, 1), RL_OK);
    rl_env_reset_seeded(env, 0, obs);
    ck_assert_uint_eq(t->start, 3528);
    int steps = 0;
    do {
        rl_env_step(env, &a, obs, &st);
        steps++;
    } while (!st.truncated && !st.terminated);
    ck_assert_int_eq(steps, 1511);
    ck_assert_int_eq(st.truncated, 1);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_period_keys)
{
    rl_config *cfg;
    rl_error err;
    /* Dates: a start is the first row on or after it, an end the last row on
     * or before it (2005-01-08 is a Saturday: training ends on Friday 7th). */
    rl_env *env = make_ok("[trading]\ntrain_start = 2001-01-01\ntrain_end = 2005-01-08\n"
                          "eval_start = 2005-01-10\neval_end = 2006-12-29\n",
                          &cfg);
    trading *t = rl_env_state(env);
    char d[11];
    tr_format_date(t->s.day[t->tr_lo], d);
    ck_assert_str_eq(d, "2001-01-01");
    tr_format_date(t->s.day[t->tr_hi], d);
    ck_assert_str_eq(d, "2005-01-07");
    tr_format_date(t->s.day[t->ev_lo], d);
    ck_assert_str_eq(d, "2005-01-10");
    tr_format_date(t->s.day[t->ev_hi], d);
    ck_assert_str_eq(d, "2006-12-29");
    rl_env_free(env);
    rl_config_free(cfg);

    /* Only eval_start: training is everything before it. */
    env = make_ok("[trading]\neval_start = 2008-01-02\n", &cfg);
    t = rl_env_state(env);
    ck_assert_uint_eq(t->tr_hi + 1, t->ev_lo);
    ck_assert_uint_eq(t->ev_hi, 5039);
    rl_env_free(env);
    rl_config_free(cfg);

    struct {
        const char *ini, *expect;
    } bad[] = {
        {"[trading]\ntrain_end = 2005-06-01\neval_start = 2005-06-01\n",
         "test.ini:3: [trading] eval_start: the evaluation period must start after the training "
         "period ends (train_end is test.ini:2)"},
        {"[trading]\ntrain_end = 2005-06-01\neval_start = 2005-01-01\n",
         "eval_start: the evaluation period must start after"},
        {"[trading]\neval_start = 2005-13-01\n", "test.ini:2: [trading] eval_start: '2005-13-01' "
                                                 "is not a date YYYY-MM-DD"},
        {"[trading]\ntrain_start = 1990-01-01\n",
         "train_start: the date is outside the data (the synthetic series has 2000-01-03 .. "
         "2019-04-26)"},
        {"[trading]\neval_start = 2019-04-17\n",
         "eval_start: the evaluation period gives 7 steps of the synthetic series, at least 10"},
        {"[trading]\ntrain_end = 2000-03-10\n",
         "train_end: the training period gives 0 steps"},
        {"[trading]\neval_start = 2000-01-03\n", "eval_start: the training period gives 0 steps"},
        {"[trading]\nsynthetic_days = 150\nwindow = 120\n",
         "synthetic_days: 150 days are too few for window 120: at least 162 are needed"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_ptr_null(make_env(bad[i].ini, &cfg, &err));
        ck_assert_msg(strstr(err.msg, bad[i].expect) != NULL, "case %zu: got '%s'", i, err.msg);
        rl_config_free(cfg);
    }
}
END_TEST

/* ---- accounting ------------------------------------------------------------------ */

/* Discrete, long only: buy, hold, sell, hold, sell again, buy; each reward
 * against the prices by hand. */
START_TEST(test_step_discrete)
{
    rl_config *cfg;
    rl_env *env = make_csv_env(NULL, 120, 119, "", &cfg);
    trading *t = rl_env_state(env);
    ck_assert_int_eq(rl_env_set_evaluation(env, 1), RL_OK);
    double obs[24], a;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    ck_assert_uint_eq(t->d, 61);
    ck_assert_double_eq(obs[23], 0); /* starts in cash */
    const int acts[6] = {1, 0, 2, 0, 2, 1};
    const double c = log(1 - C_RATE);
    double expect[6] = {c + log(wave(62) / wave(61)), log(wave(63) / wave(62)), c, 0, 0,
                        c + log(wave(67) / wave(66))};
    const double pos[6] = {1, 1, 0, 0, 0, 1};
    for (int k = 0; k < 6; k++) {
        a = acts[k];
        ck_assert_int_eq(rl_env_step(env, &a, obs, &st), RL_OK);
        ck_assert_double_eq_tol(st.reward, expect[k], 1e-12);
        ck_assert_double_eq(obs[23], pos[k]);
        ck_assert_int_eq(st.terminated || st.truncated, 0);
    }
    ck_assert_int_eq(t->perf.trades, 3);
    ck_assert_double_eq_tol(t->perf.value, exp(expect[0] + expect[1] + expect[2] + expect[5]),
                            1e-12);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* Continuous targets: the held share drifts with the price, and the next
 * target trades only the difference. */
START_TEST(test_step_continuous)
{
    rl_config *cfg;
    rl_env *env = make_csv_env(NULL, 120, 119, "actions = continuous\nmax_position = 0.8\n", &cfg);
    const rl_space *as = rl_env_action_space(env);
    ck_assert_int_eq(as->kind, RL_SPACE_BOX);
    ck_assert_double_eq(as->low[0], 0);
    ck_assert_double_eq(as->high[0], 0.8);
    rl_env_set_evaluation(env, 1);
    double obs[24], a;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    double r1 = wave(62) / wave(61) - 1, r2 = wave(63) / wave(62) - 1;
    a = 0.5;
    rl_env_step(env, &a, obs, &st);
    ck_assert_double_eq_tol(st.reward, log(1 - C_RATE * 0.5) + log(1 + 0.5 * r1), 1e-12);
    double w1 = 0.5 * (1 + r1) / (1 + 0.5 * r1);
    ck_assert_double_eq_tol(obs[23], w1, 1e-12);
    rl_env_step(env, &a, obs, &st);
    ck_assert_double_eq_tol(st.reward, log(1 - C_RATE * fabs(0.5 - w1)) + log(1 + 0.5 * r2),
                            1e-12);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* Short selling: sell goes to -max_position; a rise that wipes the short
 * out ends the episode. */
START_TEST(test_step_short_and_ruin)
{
    double p[120];
    for (int i = 0; i < 120; i++) p[i] = wave(i);
    p[63] = 2.5 * p[62];
    for (int i = 64; i < 120; i++) p[i] = p[63];
    rl_config *cfg;
    rl_env *env = make_csv_env(p, 120, 119, "allow_short = true\n", &cfg);
    ck_assert_int_eq(rl_env_observation_space(env)->size, 24);
    rl_env_set_evaluation(env, 1);
    double obs[24], a = 2;
    rl_step st;
    rl_env_reset_seeded(env, 0, obs);
    double r1 = p[62] / p[61] - 1;
    rl_env_step(env, &a, obs, &st);
    ck_assert_double_eq_tol(st.reward, log(1 - C_RATE) + log(1 - r1), 1e-12);
    double w1 = -(1 + r1) / (1 - r1);
    ck_assert_double_eq_tol(obs[23], w1, 1e-12);
    /* Sell again: back to -1, trading 1 + w1 of the value; the price rises
     * 150%, the short loses everything. */
    rl_env_step(env, &a, obs, &st);
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_double_eq_tol(st.reward, log(1 - C_RATE * fabs(-1 - w1)) + log(1e-9), 1e-9);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* Metrics on a hand-made evaluation period: 61 flat days, then 100, 110,
 * 99, 108.9, 121, 96.8, 100, 105, 110, 115.5, 121, 127.05. */
static const double tail_prices[12] = {100, 110, 99,  108.9, 121, 96.8,
                                       100, 105, 110, 115.5, 121, 127.05};

static rl_env *make_metrics_env(rl_config **cfg)
{
    double p[73];
    for (int i = 0; i < 61; i++) p[i] = 100;
    for (int i = 0; i < 12; i++) p[61 + i] = tail_prices[i];
    return make_csv_env(p, 73, 72, "", cfg);
}

static void run_eval(rl_env *env, int first_action, int then, double *m)
{
    double obs[24], a = first_action;
    rl_step st;
    rl_env_set_evaluation(env, 1);
    rl_env_reset_seeded(env, 0, obs);
    int steps = 0;
    for (;;) {
        rl_env_step(env, &a, obs, &st);
        steps++;
        a = then;
        if (st.terminated || st.truncated) break;
    }
    ck_assert_int_eq(steps, 11);
    ck_assert_uint_eq(rl_env_metric_count(env), 13);
    rl_env_metrics(env, m);
}

START_TEST(test_metrics_buy_and_hold)
{
    rl_config *cfg;
    rl_env *env = make_metrics_env(&cfg);
    double m[13];
    run_eval(env, 1, 0, m); /* buy, then hold: the agent is buy-and-hold */
    /* Values: 0.9985 times price / 100; the first day's return counts the
     * cost. */
    double v[12], mean = 0, m2 = 0;
    v[0] = 1;
    for (int i = 1; i < 12; i++) v[i] = (1 - C_RATE) * tail_prices[i] / 100;
    double r[11];
    for (int i = 0; i < 11; i++) mean += (r[i] = v[i + 1] / v[i] - 1) / 11;
    for (int i = 0; i < 11; i++) m2 += (r[i] - mean) * (r[i] - mean);
    double sharpe = mean / sqrt(m2 / 10) * sqrt(252);
    ck_assert_double_eq_tol(m[0], 0.9985 * 1.2705 - 1, 1e-12); /* agent_total_return */
    ck_assert_double_eq_tol(m[1], sharpe, 1e-9);
    ck_assert_double_eq_tol(m[2], 0.2, 1e-12); /* from 121 down to 96.8 */
    ck_assert_double_eq(m[3], 1);
    ck_assert_double_eq(m[4], 1); /* always fully invested */
    for (int k = 0; k < 4; k++) ck_assert_double_eq_tol(m[5 + k], m[k], 1e-12);
    for (int k = 9; k < 13; k++) ck_assert_double_eq(m[k], 0); /* cash */
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* The evaluation's summary (rl_env_write_summary): the heading names the
 * held-out period's first and last close, the file and their prices; the
 * rows are the metrics' means, fractions as percentages, right-aligned
 * under agent, buy-and-hold and cash. */
START_TEST(test_summary_table)
{
    rl_config *cfg;
    rl_env *env = make_metrics_env(&cfg);
    double m[13];
    run_eval(env, 1, 0, m); /* buy, then hold */
    char *text = NULL, expect[2048], sharpe[32];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(rl_env_write_summary(env, m, 1, f), RL_OK);
    fclose(f);
    snprintf(sharpe, sizeof sharpe, "%.4f", m[1]);
    snprintf(expect, sizeof expect,
             "  held-out period 2001-03-03 .. 2001-03-14: 11 trading days of %s/prices.csv\n"
             "  price 100.00 on 2001-03-03, 127.05 on 2001-03-14 (price units)\n"
             "                                   agent  buy-and-hold          cash\n"
             "  total return (%%)                 26.86         26.86          0.00\n"
             "  Sharpe ratio (annual)   %14s%14s        0.0000\n"
             "  max drawdown (%%)                 20.00         20.00          0.00\n"
             "  trades                               1             1             0\n"
             "  exposure (%% invested)           100.00             -             -\n",
             dir, sharpe, sharpe);
    ck_assert_str_eq(text, expect);
    free(text);

    /* Means over several episodes: a fractional trade count keeps two
     * decimals, and the heading says how many episodes. */
    const double means[13] = {-0.05, -0.25, 0.125, 2.5, 0.375, 0.01, 0.1, 0.3, 1, 0, 0, 0, 0};
    text = NULL;
    f = open_memstream(&text, &len);
    ck_assert_int_eq(rl_env_write_summary(env, means, 4, f), RL_OK);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "prices.csv (means of 4 episodes)\n"));
    ck_assert_ptr_nonnull(strstr(text, "  total return (%)                 -5.00          1.00          0.00\n"));
    ck_assert_ptr_nonnull(strstr(text, "  Sharpe ratio (annual)          -0.2500        0.1000        0.0000\n"));
    ck_assert_ptr_nonnull(strstr(text, "  max drawdown (%)                 12.50         30.00          0.00\n"));
    ck_assert_ptr_nonnull(strstr(text, "  trades                            2.50             1             0\n"));
    ck_assert_ptr_nonnull(strstr(text, "  exposure (% invested)            37.50             -             -\n"));
    free(text);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* Prices below 1 keep six significant digits, and the synthetic series is
 * named as such. */
START_TEST(test_summary_small_prices)
{
    double p[73];
    for (int i = 0; i < 73; i++) p[i] = 0.0123456 * wave(i) / 100;
    rl_config *cfg;
    rl_env *env = make_csv_env(p, 73, 72, "", &cfg);
    double m[13] = {0};
    char *text = NULL, expect[256];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(rl_env_write_summary(env, m, 1, f), RL_OK);
    fclose(f);
    char a[32], b[32];
    snprintf(a, sizeof a, "%.6g", p[61]);
    snprintf(b, sizeof b, "%.6g", p[72]);
    ck_assert_double_lt(p[72], 1);
    snprintf(expect, sizeof expect, "  price %s on 2001-03-03, %s on 2001-03-14 (price units)\n", a,
             b);
    ck_assert_ptr_nonnull(strstr(text, expect));
    free(text);
    rl_env_free(env);
    rl_config_free(cfg);

    env = make_ok("", &cfg); /* the synthetic series: held-out rows 3528 .. 5039 */
    trading *t = rl_env_state(env);
    char d0[11], d1[11], head[128];
    tr_format_date(t->s.day[3528], d0);
    tr_format_date(t->s.day[5039], d1);
    snprintf(head, sizeof head,
             "  held-out period %s .. %s: 1511 trading days of the synthetic series\n", d0, d1);
    text = NULL;
    f = open_memstream(&text, &len);
    ck_assert_int_eq(rl_env_write_summary(env, m, 1, f), RL_OK);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, head));
    ck_assert_ptr_eq(strstr(text, head), text); /* the first line */
    free(text);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_metrics_cash_agent)
{
    rl_config *cfg;
    rl_env *env = make_metrics_env(&cfg);
    double m[13];
    run_eval(env, 0, 0, m); /* hold cash throughout */
    ck_assert_double_eq(m[0], 0);
    ck_assert_double_eq(m[1], 0);
    ck_assert_double_eq(m[2], 0);
    ck_assert_double_eq(m[3], 0);
    ck_assert_double_eq(m[4], 0);
    ck_assert_double_eq_tol(m[5], 0.9985 * 1.2705 - 1, 1e-12);
    ck_assert_double_eq_tol(m[7], 0.2, 1e-12);
    ck_assert_double_eq(m[8], 1);
    /* Buy, then sell at once, then hold: two trades, 2 x 15 bps, and the
     * 10% of the first day. */
    rl_env_free(env);
    rl_config_free(cfg);
    env = make_metrics_env(&cfg);
    double obs[24], a = 1;
    rl_step st;
    rl_env_set_evaluation(env, 1);
    rl_env_reset_seeded(env, 0, obs);
    rl_env_step(env, &a, obs, &st);
    a = 2;
    do rl_env_step(env, &a, obs, &st);
    while (!st.truncated);
    rl_env_metrics(env, m);
    ck_assert_double_eq_tol(m[0], 0.9985 * 1.1 * 0.9985 - 1, 1e-12);
    ck_assert_double_eq(m[3], 2);
    ck_assert_double_eq_tol(m[4], 1.0 / 11, 1e-12);
    ck_assert_double_eq_tol(m[2], 0.0015, 1e-12); /* the selling cost after the peak */
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* ---- no look-ahead ----------------------------------------------------------------- */

/* Two series equal up to row t and different after: the observations of
 * days 0..t are identical, bit for bit, whatever the actions; day t + 1's
 * differs (so the comparison can fail). */
static void check_no_lookahead(const char *extra, size_t dim)
{
    enum { N = 200 };
    const size_t ts[] = {61, 62, 100, 150, 198};
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++) {
        size_t t = ts[k];
        double pa[N], pb[N];
        for (int i = 0; i < N; i++) {
            pa[i] = wave(i);
            /* After t: a crash, then a different wave. */
            pb[i] = (size_t)i <= t ? pa[i] : pa[i] * (i % 2 ? 0.5 : 0.6);
        }
        rl_config *ca, *cb;
        rl_env *ea = make_csv_env(pa, N, N - 1, extra, &ca);
        rl_env *eb = make_csv_env(pb, N, N - 1, extra, &cb);
        rl_env_set_evaluation(ea, 1);
        rl_env_set_evaluation(eb, 1);
        double oa[64], ob[64];
        rl_step sa, sb;
        rl_env_reset_seeded(ea, 0, oa);
        rl_env_reset_seeded(eb, 0, ob);
        trading *ta = rl_env_state(ea);
        for (int step = 0;; step++) {
            size_t day = ta->d;
            if (day <= t)
                ck_assert_msg(memcmp(oa, ob, dim * sizeof(double)) == 0,
                              "t = %zu: observation of day %zu differs", t, day);
            else if (day == t + 1 && dim > 1)
                ck_assert_msg(memcmp(oa, ob, dim * sizeof(double)) != 0,
                              "t = %zu: day %zu should differ", t, day);
            if (day >= t + 1) break;
            double a = step % 5 == 0 ? 1 : step % 7 == 0 ? 2 : 0;
            ck_assert_int_eq(rl_env_step(ea, &a, oa, &sa), RL_OK);
            ck_assert_int_eq(rl_env_step(eb, &a, ob, &sb), RL_OK);
            /* The reward of the day ending at t is the same too. */
            if (ta->d <= t) ck_assert_double_eq(sa.reward, sb.reward);
        }
        rl_env_free(ea);
        rl_env_free(eb);
        rl_config_free(ca);
        rl_config_free(cb);
    }
}

START_TEST(test_no_lookahead_vector) { check_no_lookahead("", 24); }
END_TEST

START_TEST(test_no_lookahead_discrete)
{
    check_no_lookahead("observation = discrete\nwindow = 5\n", 1);
}
END_TEST

/* The synthetic series of 1000 and of 2000 days with one seed agree on the
 * first 1000 days (the generator draws day by day): every observation of
 * the same evaluation period (days up to 999) is the same. */
START_TEST(test_no_lookahead_synthetic)
{
    const char *periods = "train_end = 2002-06-28\neval_start = 2002-07-01\neval_end = 2003-10-31\n";
    char ia[256], ib[256];
    snprintf(ia, sizeof ia, "[trading]\nsynthetic_days = 1000\n%s", periods);
    snprintf(ib, sizeof ib, "[trading]\nsynthetic_days = 2000\n%s", periods);
    rl_config *ca, *cb;
    rl_env *ea = make_ok(ia, &ca), *eb = make_ok(ib, &cb);
    rl_env_set_evaluation(ea, 1);
    rl_env_set_evaluation(eb, 1);
    double oa[24], ob[24], a = 1;
    rl_step sa, sb;
    rl_env_reset_seeded(ea, 0, oa);
    rl_env_reset_seeded(eb, 0, ob);
    int steps = 0;
    do {
        ck_assert_mem_eq(oa, ob, sizeof oa);
        a = (steps / 10) % 3;
        rl_env_step(ea, &a, oa, &sa);
        rl_env_step(eb, &a, ob, &sb);
        ck_assert_double_eq(sa.reward, sb.reward);
        steps++;
    } while (!sa.truncated);
    ck_assert_int_eq(sb.truncated, 1);
    ck_assert_int_gt(steps, 300);
    rl_env_free(ea);
    rl_env_free(eb);
    rl_config_free(ca);
    rl_config_free(cb);
}
END_TEST

/* ---- discrete observation, features, resume ---------------------------------------- */

START_TEST(test_discrete_observation)
{
    rl_config *cfg;
    rl_env *env = make_ok("[trading]\nobservation = discrete\n", &cfg);
    ck_assert_int_eq(rl_env_observation_space(env)->n, 32);
    trading *t = rl_env_state(env);
    double o, a;
    rl_step st;
    rl_env_reset_seeded(env, 3, &o);
    for (int k = 0; k < 200; k++) {
        size_t d = t->d;
        /* The documented binning: trend (4 bins), price vs average, volatility
         * vs its long-run level, position. */
        double tr = t->trend[d];
        int tb = tr < -1 ? 0 : tr < 0 ? 1 : tr < 1 ? 2 : 3;
        int expect = ((tb * 2 + (t->madev[d] >= 0)) * 2 + (t->vratio[d] >= 0)) * 2 + (t->w > 0);
        ck_assert_double_eq(o, expect);
        a = k % 9 < 4 ? 1 : k % 9 < 6 ? 0 : 2;
        rl_env_step(env, &a, &o, &st);
    }
    rl_env_free(env);
    rl_config_free(cfg);
    env = make_ok("[trading]\nobservation = discrete\nallow_short = true\n", &cfg);
    ck_assert_int_eq(rl_env_observation_space(env)->n, 48);
    rl_env_set_evaluation(env, 1);
    rl_env_reset_seeded(env, 0, &o);
    a = 2;
    rl_env_step(env, &a, &o, &st);
    ck_assert_int_eq((int)o % 3, 0); /* short */
    a = 1;
    rl_env_step(env, &a, &o, &st);
    ck_assert_int_eq((int)o % 3, 2); /* long */
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* The vector features on a hand-made series: a constant price, then one
 * 1% rise. */
START_TEST(test_vector_features)
{
    double p[120];
    for (int i = 0; i < 120; i++) p[i] = i < 90 ? 100 : 101;
    rl_config *cfg;
    rl_env *env = make_csv_env(p, 120, 119, "window = 3\n", &cfg);
    ck_assert_uint_eq(rl_space_dim(rl_env_observation_space(env)), 7);
    trading *t = rl_env_state(env);
    /* Before the rise the volatility is its floor, 1e-4 a day. */
    ck_assert_double_eq(t->vol[89], 1e-4 * sqrt(252));
    ck_assert_double_eq(t->z[89], 0);
    /* The rise, standardised by the day before's volatility: clipped at 5. */
    ck_assert_double_eq(t->z[90], 5);
    /* The day of the rise: EWMA variance 0.06 * log(1.01)^2 (plus the
     * floor's nothing), so the volatility is sqrt(0.06) * log(1.01). */
    double s90 = sqrt(0.06) * log(1.01);
    ck_assert_double_eq_tol(t->vol[90], s90 * sqrt(252), 1e-12);
    /* Price vs its 50-day average: 41 days at 100 and 9 at 101 by day 98. */
    double ma = (41 * 100.0 + 9 * 101.0) / 50;
    double s98 = sqrt(0.06 * pow(0.94, 8)) * log(1.01);
    ck_assert_double_eq_tol(t->madev[98], log(101 / ma) / (s98 * sqrt(50)), 1e-9);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

START_TEST(test_resume)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[trading]\nepisode_length = 50\n", "t.ini"),
                     RL_OK);
    rl_error err = {0};
    rl_env_batch *a = rl_env_batch_alloc(&rl_trading_env, cfg, 2, &err);
    rl_env_batch *b = rl_env_batch_alloc(&rl_trading_env, cfg, 2, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert(rl_env_batch_resumable(a));
    double oa[48], ob[48], act[2], ra[2], rb[2];
    unsigned char ta[2], tb[2], ua[2], ub[2];
    ck_assert_int_eq(rl_env_batch_reset(a, 3, oa), RL_OK);
    for (int i = 0; i < 70; i++) {
        act[0] = i % 3, act[1] = (i / 4) % 3;
        ck_assert_int_eq(rl_env_batch_step(a, act, oa, ra, ta, ua, NULL), RL_OK);
    }
    rl_writer w = {0};
    ck_assert_int_eq(rl_env_batch_save(a, &w, &err), RL_OK);
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_env_batch_load(b, &r, &err), RL_OK);
    rl_env_batch_observations(b, ob);
    ck_assert_mem_eq(oa, ob, sizeof oa);
    for (int i = 0; i < 120; i++) {
        act[0] = (i * 7) % 3, act[1] = (i * 5) % 3;
        ck_assert_int_eq(rl_env_batch_step(a, act, oa, ra, ta, ua, NULL), RL_OK);
        ck_assert_int_eq(rl_env_batch_step(b, act, ob, rb, tb, ub, NULL), RL_OK);
        ck_assert_mem_eq(oa, ob, sizeof oa);
        ck_assert_mem_eq(ra, rb, sizeof ra);
        ck_assert_mem_eq(ua, ub, sizeof ua);
    }
    rl_writer_free(&w);
    rl_env_batch_free(a);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}
END_TEST

/* A saved state that does not fit is refused, and leaves the episode as
 * it was. */
START_TEST(test_load_refuses)
{
    rl_config *cfg;
    rl_env *env = make_ok("[trading]\nepisode_length = 50\n", &cfg);
    trading *t = rl_env_state(env);
    double obs[24], a = 1;
    rl_step st;
    rl_env_reset_seeded(env, 1, obs);
    for (int i = 0; i < 5; i++) rl_env_step(env, &a, obs, &st);
    rl_writer w = {0};
    rl_error err = {0};
    ck_assert_int_eq(rl_trading_env.save(t, &w, &err), RL_OK);
    size_t d = t->d;
    /* Truncated. */
    rl_reader r = {w.data, w.len - 1, 0, 0};
    ck_assert_int_eq(rl_trading_env.load(t, &r, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    /* Another layout version. */
    w.data[0] = 9;
    r = (rl_reader){w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_trading_env.load(t, &r, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not fit this configuration (layout 9"));
    ck_assert_int_eq(r.failed, 1);
    w.data[0] = 1;
    /* A day past the training period (the u64 after four u32 and start). */
    memset(w.data + 24, 0xff, 8);
    r = (rl_reader){w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_trading_env.load(t, &r, &err), RL_EFORMAT);
    ck_assert_uint_eq(t->d, d);
    rl_writer_free(&w);
    rl_env_free(env);
    rl_config_free(cfg);
}
END_TEST

/* The real files load, with their first and last rows (SOURCE.md). */
START_TEST(test_real_data)
{
    static const struct {
        const char *file, *first, *last;
        size_t rows;
    } f[] = {
        {"AMZN_2014-2018.csv", "2013-12-31", "2018-12-31", 1259},
        {"NVDA_1999-2014.csv", "1999-01-22", "2014-12-31", 4012},
        {"YHOO_1996-2015.csv", "1996-04-12", "2015-12-31", 4965},
        {"SP500_1999-2018.csv", "1999-01-04", "2018-12-31", 5031},
    };
    char path[4096];
    snprintf(path, sizeof path, "%s/../shared/data/trading/%s", rl_test_srcdir(), f[0].file);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "skipped: %s is absent\n", path);
        return;
    }
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/../shared/data/trading/%s", rl_test_srcdir(), f[i].file);
        tr_series s;
        rl_error err = {0};
        ck_assert_msg(tr_series_load_csv(&s, path, 100, &err) == RL_OK, "%s", err.msg);
        ck_assert_uint_eq(s.n, f[i].rows);
        char d[11];
        tr_format_date(s.day[0], d);
        ck_assert_str_eq(d, f[i].first);
        tr_format_date(s.day[s.n - 1], d);
        ck_assert_str_eq(d, f[i].last);
        tr_series_free(&s);
    }
}
END_TEST

static Suite *trading_suite(void)
{
    Suite *s = suite_create("trading");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_dates);
    tcase_add_test(tc, test_csv_yahoo_adj_close);
    tcase_add_test(tc, test_csv_errors);
    tcase_add_test(tc, test_synthetic_series);
    tcase_add_test(tc, test_default_periods);
    tcase_add_test(tc, test_period_keys);
    tcase_add_test(tc, test_step_discrete);
    tcase_add_test(tc, test_step_continuous);
    tcase_add_test(tc, test_step_short_and_ruin);
    tcase_add_test(tc, test_metrics_buy_and_hold);
    tcase_add_test(tc, test_metrics_cash_agent);
    tcase_add_test(tc, test_no_lookahead_vector);
    tcase_add_test(tc, test_no_lookahead_discrete);
    tcase_add_test(tc, test_no_lookahead_synthetic);
    tcase_add_test(tc, test_discrete_observation);
    tcase_add_test(tc, test_vector_features);
    tcase_add_test(tc, test_resume);
    tcase_add_test(tc, test_load_refuses);
    tcase_add_test(tc, test_real_data);
    tcase_add_test(tc, test_summary_table);
    tcase_add_test(tc, test_summary_small_prices);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(trading_suite)
