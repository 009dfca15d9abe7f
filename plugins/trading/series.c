/* Price series for the trading plugin: the CSV reader, the synthetic
 * regime-switching series and ISO dates. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "csv.h"
#include "trading.h"

/* ---- dates -------------------------------------------------------------------- */

void tr_format_date(int32_t day, char *buf)
{
    int y, m, d;
    rl_cal_civil_from_days(day, &y, &m, &d);
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(buf, tmp, 10);
    buf[10] = 0;
}

int tr_parse_date(const char *t, size_t len, int32_t *day)
{
    int64_t days;
    if (len != 10 || rl_cal_parse_ymd(t, &days) != 0) return -1;
    *day = (int32_t)days;
    return 0;
}

/* ---- series ------------------------------------------------------------------- */

void tr_series_free(tr_series *s)
{
    free(s->price);
    free(s->day);
    free(s->line);
    s->price = NULL;
    s->day = NULL;
    s->line = NULL;
    s->n = 0;
}

static int series_grow(tr_series *s, size_t *cap)
{
    size_t c = *cap ? *cap * 2 : 1024;
    double *p = realloc(s->price, c * sizeof *p);
    if (p) s->price = p;
    int32_t *d = realloc(s->day, c * sizeof *d);
    if (d) s->day = d;
    int32_t *l = realloc(s->line, c * sizeof *l);
    if (l) s->line = l;
    if (!p || !d || !l) return -1;
    *cap = c;
    return 0;
}

/* ---- CSV ---------------------------------------------------------------------- */

/* The file is read with the plugins' CSV reader (plugins/common/csv.h,
 * doc/plugins.md "CSV files"); what is checked here is what a price
 * series needs (doc/trading.md, "Data"). */

static int csv_fail(tr_series *s, rl_csv *c, rl_error *err, int code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int csv_fail(tr_series *s, rl_csv *c, rl_error *err, int code, const char *fmt, ...)
{
    char msg[RL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rl_csv_close(c);
    tr_series_free(s);
    return rl_error_set(err, code, "%s", msg);
}

/* The reader's own error (already in err): free and pass it on. */
static int csv_pass(tr_series *s, rl_csv *c, rl_error *err)
{
    rl_csv_close(c);
    tr_series_free(s);
    return err ? err->code : RL_EFORMAT;
}

/* The header as a message shows it: its names joined by commas, cut to
 * 60 bytes (then "..."), control bytes as '?'. */
static const char *header_text(const rl_csv *c, char *buf, size_t size)
{
    size_t n = 0, max = size - 4;
    for (size_t i = 0; i < rl_csv_nfields(c) && n <= max; i++) {
        const char *f = rl_csv_field(c, i);
        if (i > 0) buf[n++] = ',';
        for (; *f && n <= max; f++) buf[n++] = (unsigned char)*f < 0x20 ? '?' : *f;
    }
    if (n > max) strcpy(buf + max, "...");
    else buf[n] = 0;
    return buf;
}

int tr_series_load_csv(tr_series *s, const char *path, size_t min_rows, rl_error *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->source, sizeof s->source, "%s", path);
    rl_csv *c = rl_csv_open(path, 0, err);
    if (!c) return err ? err->code : RL_EIO;
    char shown[48], price_name[64];
    if (rl_csv_read_header(c, err) != RL_OK) return csv_pass(s, c, err);
    size_t nf = rl_csv_nfields(c);
    int date_col = -1, price_col = -1, header = 1;
    int32_t day;
    const char *f0 = rl_csv_field(c, 0);
    if (nf == 2 && tr_parse_date(f0, strlen(f0), &day) == 0) {
        /* No header: a plain date,close file. The line is a row. */
        static const char *const names[2] = {"date", "column 2"};
        if (rl_csv_set_names(c, names, 2, err) != RL_OK) return csv_pass(s, c, err);
        date_col = 0, price_col = 1, header = 0;
    } else {
        static const char *const adj[] = {"adj close", "adj_close", "adjclose", "close"};
        if ((date_col = rl_csv_find(c, "date", err)) == -2) return csv_pass(s, c, err);
        for (size_t i = 0; i < sizeof adj / sizeof *adj && price_col < 0; i++)
            if ((price_col = rl_csv_find(c, adj[i], err)) == -2) return csv_pass(s, c, err);
        if (date_col < 0 && nf == 2) date_col = price_col == 0 ? 1 : 0; /* date, price */
        char head[64];
        if (date_col < 0)
            return csv_fail(s, c, err, RL_EFORMAT, "%s:%ld: missing column 'Date' in the header '%s'",
                            path, rl_csv_line(c), header_text(c, head, sizeof head));
        if (price_col < 0 && nf == 2) price_col = 1 - date_col;
        if (price_col < 0)
            return csv_fail(s, c, err, RL_EFORMAT,
                            "%s:%ld: missing column 'Close' or 'Adj Close' in the header '%s' (or "
                            "give exactly two columns, date and price)",
                            path, rl_csv_line(c), header_text(c, head, sizeof head));
    }
    rl_csv_name(c, (size_t)price_col, price_name, sizeof price_name);
    size_t cap = 0;
    for (;;) {
        if (header) {
            int k = rl_csv_next(c, err);
            if (k < 0) return csv_pass(s, c, err);
            if (k == 0) break;
        }
        header = 1;
        long lineno = rl_csv_line(c);
        if (rl_csv_nfields(c) != nf)
            return csv_fail(s, c, err, RL_EFORMAT, "%s:%ld: %zu fields where the first row has %zu",
                            path, lineno, rl_csv_nfields(c), nf);
        const char *df = rl_csv_field(c, (size_t)date_col);
        if (tr_parse_date(df, strlen(df), &day) != 0)
            return csv_fail(s, c, err, RL_EFORMAT, "%s:%ld: bad date '%s' (expected YYYY-MM-DD)",
                            path, lineno, rl_csv_show(df, shown, sizeof shown));
        double v;
        if (rl_csv_double(c, (size_t)price_col, 0, &v, err) != RL_OK) return csv_pass(s, c, err);
        const char *pf = rl_csv_show(rl_csv_field(c, (size_t)price_col), shown, sizeof shown);
        if (!(v > 0))
            return csv_fail(s, c, err, RL_EFORMAT,
                            "%s:%ld: price %s in column '%s' is not positive", path, lineno, pf,
                            price_name);
        if (v < TR_PRICE_MIN || v > TR_PRICE_MAX)
            return csv_fail(s, c, err, RL_EFORMAT,
                            "%s:%ld: price %s in column '%s' is outside the limits %g..%g", path,
                            lineno, pf, price_name, TR_PRICE_MIN, TR_PRICE_MAX);
        if (s->n > 0 && day <= s->day[s->n - 1]) {
            char d1[11], d2[11];
            tr_format_date(day, d1);
            tr_format_date(s->day[s->n - 1], d2);
            if (day == s->day[s->n - 1])
                return csv_fail(s, c, err, RL_EFORMAT,
                                "%s:%ld: duplicate date %s (also on line %d)", path, lineno, d1,
                                (int)s->line[s->n - 1]);
            return csv_fail(s, c, err, RL_EFORMAT,
                            "%s:%ld: date %s is not after %s on line %d: rows must be sorted by "
                            "date, oldest first",
                            path, lineno, d1, d2, (int)s->line[s->n - 1]);
        }
        if (s->n == cap && series_grow(s, &cap) != 0)
            return csv_fail(s, c, err, RL_ENOMEM, "%s: out of memory", path);
        s->price[s->n] = v;
        s->day[s->n] = day;
        s->line[s->n] = (int32_t)lineno;
        s->n++;
    }
    long last_line = rl_csv_line(c);
    if (s->n == 0)
        return csv_fail(s, c, err, RL_EFORMAT, "%s:%ld: empty file: a header but no rows", path,
                        last_line);
    if (s->n < min_rows)
        return csv_fail(s, c, err, RL_EFORMAT,
                        "%s:%ld: too few rows: %zu prices, at least %zu are needed (the "
                        "observation window and indicators, then steps to train and to evaluate)",
                        path, last_line, s->n, min_rows);
    rl_csv_close(c);
    return RL_OK;
}

/* ---- synthetic series --------------------------------------------------------- */

/* The regimes (doc/trading.md): daily log drift and volatility, and the
 * probability of leaving the regime on any day (mean lengths 125 and 60
 * days). Bull markets last longer and are calmer, bear markets fall faster
 * and are more volatile, as in real indices. */
#define BULL_DRIFT 0.0012
#define BULL_VOL 0.009
#define BULL_LEAVE (1.0 / 150)
#define BEAR_DRIFT -0.0025
#define BEAR_VOL 0.018
#define BEAR_LEAVE (1.0 / 50)
#define START_PRICE 100.0
#define START_DAY 10959 /* 2000-01-03, a Monday */

int tr_series_synthetic(tr_series *s, size_t n, uint64_t seed, unsigned char *regime,
                        rl_error *err)
{
    memset(s, 0, sizeof *s);
    s->price = malloc(n * sizeof *s->price);
    s->day = malloc(n * sizeof *s->day);
    s->line = calloc(n, sizeof *s->line);
    if (!s->price || !s->day || !s->line) {
        tr_series_free(s);
        return rl_error_set(err, RL_ENOMEM, "out of memory for %zu synthetic days", n);
    }
    s->n = n;
    /* A generator of its own: the series depends on synthetic_seed only,
     * never on the run's seed or on which instance draws it. */
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, seed, UINT64_C(0x74726164696e67)); /* "trading" */
    int bull = 1;
    double x = 0; /* log of the price over START_PRICE */
    int32_t day = START_DAY;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            if (rl_pcg32_double(&rng) < (bull ? BULL_LEAVE : BEAR_LEAVE)) bull = !bull;
            double e = rl_pcg32_normal(&rng);
            x += bull ? BULL_DRIFT + BULL_VOL * e : BEAR_DRIFT + BEAR_VOL * e;
            day++;
            /* Business days: skip Saturday and Sunday ((day + 4) % 7 is 0 on
             * a Sunday, 6 on a Saturday). */
            while ((day + 4) % 7 == 0 || (day + 4) % 7 == 6) day++;
        }
        s->price[i] = START_PRICE * exp(x);
        s->day[i] = day;
        if (regime) regime[i] = (unsigned char)bull;
    }
    return RL_OK;
}
