/* Price series for the trading plugin: the CSV reader, the synthetic
 * regime-switching series and ISO dates. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"
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

enum { MAX_FIELDS = 64 };

typedef struct field {
    const char *p;
    size_t len;
} field;

/* Split one line (without its line break) at commas; blanks around each
 * field are dropped. Returns the number of fields, at most MAX_FIELDS + 1
 * (more means "too many"). */
static int split(const char *line, size_t len, field *f)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && line[i] != ',') i++;
        size_t a = start, b = i;
        while (a < b && isspace((unsigned char)line[a])) a++;
        while (b > a && isspace((unsigned char)line[b - 1])) b--;
        if (n < MAX_FIELDS) f[n] = (field){line + a, b - a};
        n++;
        if (i >= len || n > MAX_FIELDS) return n;
        i++;
    }
}

static int field_is(field f, const char *name)
{
    return f.len == strlen(name) && strncasecmp(f.p, name, f.len) == 0;
}

/* The whole file, NUL-terminated (malloc'd). */
static char *slurp(const char *path, size_t *len, rl_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        rl_error_set(err, errno == ENOENT ? RL_ENOTFOUND : RL_EIO, "cannot open '%s': %s", path,
                     strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) break;
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) break;
    }
    int bad = !buf || ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        rl_error_set(err, buf ? RL_EIO : RL_ENOMEM, "cannot read '%s'", path);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int csv_fail(tr_series *s, char *buf, rl_error *err, int code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int csv_fail(tr_series *s, char *buf, rl_error *err, int code, const char *fmt, ...)
{
    char msg[RL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(buf);
    tr_series_free(s);
    return rl_error_set(err, code, "%s", msg);
}

/* Quote a field for a message, cut to a readable length. */
static const char *show(field f, char *buf, size_t size)
{
    size_t n = f.len < size - 4 ? f.len : size - 4;
    memcpy(buf, f.p, n);
    strcpy(buf + n, f.len > n ? "..." : "");
    return buf;
}

int tr_series_load_csv(tr_series *s, const char *path, size_t min_rows, rl_error *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->source, sizeof s->source, "%s", path);
    size_t len;
    char *buf = slurp(path, &len, err);
    if (!buf) return err ? err->code : RL_EIO;
    if (memchr(buf, 0, len))
        return csv_fail(s, buf, err, RL_EFORMAT, "%s: the file holds a NUL byte; not a CSV file",
                        path);
    /* A UTF-8 byte-order mark is not part of the first column's name. */
    size_t pos = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

    field f[MAX_FIELDS];
    char shown[64];
    int date_col = -1, price_col = -1, nfields = 0, header_line = 0, lineno = 0;
    char price_name[40] = "column 2"; /* as the header spells it */
    size_t cap = 0;
    int32_t last_line = 0;
    while (pos < len) {
        const char *line = buf + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl != NULL);
        lineno++;
        if (ll && line[ll - 1] == '\r') ll--;
        int nf = split(line, ll, f);
        if (nf == 1 && f[0].len == 0) continue; /* blank line */
        last_line = lineno;
        if (nf > MAX_FIELDS)
            return csv_fail(s, buf, err, RL_EFORMAT, "%s:%d: more than %d columns", path, lineno,
                            MAX_FIELDS);
        if (!header_line && date_col < 0) {
            int32_t day;
            if (nf == 2 && tr_parse_date(f[0].p, f[0].len, &day) == 0) {
                /* No header: a plain date,close file. The line is a row. */
                date_col = 0, price_col = 1, nfields = 2;
                header_line = -1;
            } else {
                header_line = lineno;
                nfields = nf;
                for (int i = 0; i < nf; i++) {
                    if (field_is(f[i], "date") && date_col < 0) date_col = i;
                    if (field_is(f[i], "adj close") || field_is(f[i], "adj_close") ||
                        field_is(f[i], "adjclose"))
                        price_col = i;
                }
                for (int i = 0; i < nf && price_col < 0; i++)
                    if (field_is(f[i], "close")) price_col = i;
                if (date_col < 0 && nf == 2) date_col = 0; /* any two columns: date, price */
                if (date_col < 0)
                    return csv_fail(s, buf, err, RL_EFORMAT,
                                    "%s:%d: missing column 'Date' in the header '%s'", path,
                                    lineno, show((field){line, ll}, shown, sizeof shown));
                if (price_col < 0 && nf == 2) price_col = 1 - date_col;
                if (price_col < 0)
                    return csv_fail(s, buf, err, RL_EFORMAT,
                                    "%s:%d: missing column 'Close' or 'Adj Close' in the header "
                                    "'%s' (or give exactly two columns, date and price)",
                                    path, lineno, show((field){line, ll}, shown, sizeof shown));
                snprintf(price_name, sizeof price_name, "%.*s", (int)f[price_col].len,
                         f[price_col].p);
                continue;
            }
        }
        int need = (date_col > price_col ? date_col : price_col) + 1;
        if (nf < need)
            return csv_fail(s, buf, err, RL_EFORMAT,
                            "%s:%d: missing column: %d fields, the header has %d", path, lineno,
                            nf, nfields);
        int32_t day;
        if (tr_parse_date(f[date_col].p, f[date_col].len, &day) != 0)
            return csv_fail(s, buf, err, RL_EFORMAT, "%s:%d: bad date '%s' (expected YYYY-MM-DD)",
                            path, lineno, show(f[date_col], shown, sizeof shown));
        field pf = f[price_col];
        char num[64];
        double v = NAN;
        if (pf.len > 0 && pf.len < sizeof num) {
            memcpy(num, pf.p, pf.len);
            num[pf.len] = 0;
            char *end;
            errno = 0;
            v = strtod(num, &end);
            if (*end || errno == ERANGE) v = NAN;
        }
        if (!isfinite(v))
            return csv_fail(s, buf, err, RL_EFORMAT, "%s:%d: bad number '%s' in column '%s'", path,
                            lineno, show(pf, shown, sizeof shown), price_name);
        if (!(v > 0))
            return csv_fail(s, buf, err, RL_EFORMAT,
                            "%s:%d: price %s in column '%s' is not positive", path, lineno,
                            show(pf, shown, sizeof shown), price_name);
        if (v < TR_PRICE_MIN || v > TR_PRICE_MAX)
            return csv_fail(s, buf, err, RL_EFORMAT,
                            "%s:%d: price %s in column '%s' is outside the limits %g..%g", path,
                            lineno, show(pf, shown, sizeof shown), price_name, TR_PRICE_MIN,
                            TR_PRICE_MAX);
        if (s->n > 0 && day <= s->day[s->n - 1]) {
            char d1[11], d2[11];
            tr_format_date(day, d1);
            tr_format_date(s->day[s->n - 1], d2);
            if (day == s->day[s->n - 1])
                return csv_fail(s, buf, err, RL_EFORMAT,
                                "%s:%d: duplicate date %s (also on line %d)", path, lineno, d1,
                                (int)s->line[s->n - 1]);
            return csv_fail(s, buf, err, RL_EFORMAT,
                            "%s:%d: date %s is not after %s on line %d: rows must be sorted by "
                            "date, oldest first",
                            path, lineno, d1, d2, (int)s->line[s->n - 1]);
        }
        if (s->n == cap && series_grow(s, &cap) != 0)
            return csv_fail(s, buf, err, RL_ENOMEM, "%s: out of memory", path);
        s->price[s->n] = v;
        s->day[s->n] = day;
        s->line[s->n] = lineno;
        s->n++;
    }
    if (last_line == 0)
        return csv_fail(s, buf, err, RL_EFORMAT, "%s:1: empty file: no header and no rows", path);
    if (s->n == 0)
        return csv_fail(s, buf, err, RL_EFORMAT, "%s:%d: empty file: a header but no rows", path,
                        last_line);
    if (s->n < min_rows)
        return csv_fail(s, buf, err, RL_EFORMAT,
                        "%s:%d: too few rows: %zu prices, at least %zu are needed (the "
                        "observation window and indicators, then steps to train and to evaluate)",
                        path, last_line, s->n, min_rows);
    free(buf);
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
