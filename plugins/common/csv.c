/* The plugins' CSV reader (csv.h; the rules are in doc/plugins.md, "CSV
 * files"). A byte-at-a-time state machine over a fixed input buffer: the
 * record (at most RL_CSV_MAX_LINE bytes), its field offsets and the
 * header's names are the only memory, all allocated when the file is
 * opened. */
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IN_SIZE 65536

struct rl_csv {
    FILE *f;
    unsigned flags;
    int failed;         /* an error was returned: every later call fails */
    int read_errno;     /* errno of a failed read */
    long next_line;     /* the physical line the next byte belongs to */
    long line;          /* the line the current record starts on */
    size_t rows;        /* records after the header */
    int have_header;
    size_t in_pos, in_len;
    size_t nf;                             /* fields in the current record */
    size_t off[RL_CSV_MAX_FIELDS];         /* their offsets in rec */
    const char *field[RL_CSV_MAX_FIELDS];  /* and their addresses */
    size_t ncols;                          /* the header's fields (0: none) */
    char *names;                           /* the header's names, NUL-separated */
    const char *name[RL_CSV_MAX_FIELDS];
    char rec[RL_CSV_MAX_LINE + 1];
    unsigned char in[IN_SIZE];
    char path[];
};

static void vfail(const rl_csv *c, rl_error *err, long line, const char *fmt, va_list ap)
{
    char msg[RL_ERRMSG_SIZE];
    vsnprintf(msg, sizeof msg, fmt, ap);
    rl_error_set(err, RL_EFORMAT, "%s:%ld: %s", c->path, line, msg);
}

/* An RL_EFORMAT error at line; the reader fails from now on. */
static int syntax(rl_csv *c, rl_error *err, long line, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int syntax(rl_csv *c, rl_error *err, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, err, line, fmt, ap);
    va_end(ap);
    c->failed = 1;
    return -1;
}

int rl_csv_fail(const rl_csv *c, rl_error *err, int code, const char *fmt, ...)
{
    char msg[RL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rl_error_set(err, code, "%s:%ld: %s", c->path, c->line, msg);
}

const char *rl_csv_show(const char *text, char *buf, size_t size)
{
    size_t n = 0, max = size > 8 ? size - 4 : 0;
    if (max > 40) max = 40;
    for (; text[n] && n < max; n++) {
        unsigned char ch = (unsigned char)text[n];
        buf[n] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    strcpy(buf + n, text[n] ? "..." : "");
    return buf;
}

rl_csv *rl_csv_open(const char *path, unsigned flags, rl_error *err)
{
    size_t plen = strlen(path);
    rl_csv *c = malloc(sizeof *c + plen + 1);
    if (!c) {
        rl_error_set(err, RL_ENOMEM, "out of memory reading '%s'", path);
        return NULL;
    }
    memset(c, 0, sizeof *c);
    memcpy(c->path, path, plen + 1);
    c->flags = flags;
    c->next_line = 1;
    c->line = 1;
    c->f = fopen(path, "rb");
    if (!c->f) {
        int e = errno;
        rl_error_set(err, e == ENOENT ? RL_ENOTFOUND : RL_EIO, "cannot open '%s': %s", path,
                     strerror(e));
        free(c);
        errno = e; /* for callers that word the message themselves */
        return NULL;
    }
    /* A UTF-8 byte-order mark (spreadsheet exports) is not part of the
     * first field. */
    errno = 0;
    c->in_len = fread(c->in, 1, IN_SIZE, c->f);
    if (ferror(c->f)) c->read_errno = errno ? errno : EIO;
    if (c->in_len >= 3 && memcmp(c->in, "\xef\xbb\xbf", 3) == 0) c->in_pos = 3;
    return c;
}

void rl_csv_close(rl_csv *c)
{
    if (!c) return;
    if (c->f) fclose(c->f);
    free(c->names);
    free(c);
}

/* The next byte, EOF at the end, -2 on a read error (c->read_errno). */
static inline int getch(rl_csv *c)
{
    if (c->in_pos == c->in_len) {
        if (ferror(c->f) || feof(c->f)) return ferror(c->f) ? -2 : EOF;
        errno = 0;
        c->in_len = fread(c->in, 1, IN_SIZE, c->f);
        c->in_pos = 0;
        if (c->in_len == 0 && ferror(c->f)) {
            c->read_errno = errno ? errno : EIO;
            return -2;
        }
        if (c->in_len == 0) return EOF;
    }
    return c->in[c->in_pos++];
}

static int read_error(rl_csv *c, rl_error *err)
{
    c->failed = 1;
    rl_error_set(err, RL_EIO, "%s:%ld: cannot read: %s", c->path, c->next_line,
                 strerror(c->read_errno ? c->read_errno : EIO));
    return -1;
}

/* The byte after a CR: LF or the end of the file end the line, anything
 * else is an error. Returns 0 or -1. */
static int after_cr(rl_csv *c, rl_error *err)
{
    int ch = getch(c);
    if (ch == '\n' || ch == EOF) return 0;
    if (ch == -2) return -1;
    return syntax(c, err, c->next_line,
                  "a carriage return inside a line (line ends must be LF or CRLF)");
}

enum { START, UNQUOTED, QUOTED, QUOTE, AFTER };

/* One record into c->rec. 1: a record, 0: the end, -1: an error. */
static int read_record(rl_csv *c, rl_error *err)
{
    for (;;) {
        size_t len = 0, raw = 0, fstart = 0;
        int state = START, quoted_any = 0, comment = 0;
        long quote_line = 0, line0 = c->next_line;
        c->nf = 0;
        for (;;) {
            int ch = getch(c);
            if (ch == -2) return read_error(c, err);
            if (ch == 0)
                return syntax(c, err, c->next_line, "a NUL byte: not a text file");
            /* Every byte but the line end counts, so that the record (its
             * bytes and a NUL per field) always fits in c->rec. */
            if (ch != EOF && (state == QUOTED || (ch != '\n' && ch != '\r')) &&
                ++raw > RL_CSV_MAX_LINE)
                return syntax(c, err, line0, "line longer than %d bytes", RL_CSV_MAX_LINE);
            if (comment) {
                if (ch == EOF) return 0;
                if (ch == '\n') {
                    c->next_line++;
                    break;
                }
                continue;
            }
            int end_field = 0, end_record = 0;
            switch (state) {
            case START:
            case AFTER:
                if (ch == ' ' || ch == '\t') continue;
                if (state == START && ch == '"') {
                    state = QUOTED;
                    quoted_any = 1;
                    quote_line = c->next_line;
                    continue;
                }
                if (state == START && ch == '#' && (c->flags & RL_CSV_COMMENTS) && c->nf == 0 &&
                    len == 0) {
                    comment = 1;
                    continue;
                }
                if (ch == ',') end_field = 1;
                else if (ch == '\n' || ch == '\r' || ch == EOF) end_record = 1;
                else if (state == AFTER)
                    return syntax(c, err, c->next_line,
                                  "'%c' after the closing quote of field %zu (a quoted field "
                                  "ends at its closing quote)",
                                  ch, c->nf + 1);
                else {
                    c->rec[len++] = (char)ch;
                    state = UNQUOTED;
                }
                break;
            case UNQUOTED:
                if (ch == ',') end_field = 1;
                else if (ch == '\n' || ch == '\r' || ch == EOF) end_record = 1;
                else if (ch == '"')
                    return syntax(c, err, c->next_line,
                                  "a quote inside field %zu, which is not quoted (quote the whole "
                                  "field and double the quote)",
                                  c->nf + 1);
                else c->rec[len++] = (char)ch;
                break;
            case QUOTED:
                if (ch == EOF)
                    return syntax(c, err, quote_line,
                                  "the quoted field %zu is not closed before the end of the file",
                                  c->nf + 1);
                if (ch == '"') state = QUOTE;
                else {
                    if (ch == '\n') c->next_line++;
                    c->rec[len++] = (char)ch;
                }
                break;
            case QUOTE:
                if (ch == '"') {
                    c->rec[len++] = '"';
                    state = QUOTED;
                } else if (ch == ',') end_field = 1;
                else if (ch == '\n' || ch == '\r' || ch == EOF) end_record = 1;
                else if (ch == ' ' || ch == '\t') state = AFTER;
                else
                    return syntax(c, err, c->next_line,
                                  "'%c' after the closing quote of field %zu (a quoted field "
                                  "ends at its closing quote)",
                                  ch, c->nf + 1);
                break;
            }
            if (!end_field && !end_record) continue;
            if (state == UNQUOTED)
                while (len > fstart && (c->rec[len - 1] == ' ' || c->rec[len - 1] == '\t')) len--;
            if (c->nf == RL_CSV_MAX_FIELDS)
                return syntax(c, err, line0, "more than %d fields", RL_CSV_MAX_FIELDS);
            c->off[c->nf++] = fstart;
            c->rec[len++] = '\0';
            fstart = len;
            state = START;
            if (end_record) {
                if (ch == '\r' && after_cr(c, err) != 0)
                    return c->failed ? -1 : read_error(c, err);
                if (ch != EOF) c->next_line++;
                /* An empty line, or one of blanks: skipped. */
                if (c->nf == 1 && c->rec[0] == '\0' && !quoted_any) {
                    if (ch == EOF) return 0;
                    break;
                }
                for (size_t i = 0; i < c->nf; i++) c->field[i] = c->rec + c->off[i];
                c->line = line0;
                return 1;
            }
        }
    }
}

int rl_csv_next(rl_csv *c, rl_error *err)
{
    if (c->failed) return rl_error_set(err, RL_EFORMAT, "%s: already failed", c->path), -1;
    int r = read_record(c, err);
    if (r != 1) {
        if (r == 0) c->nf = 0;
        return r;
    }
    if (c->have_header && c->nf != c->ncols)
        return syntax(c, err, c->line, "%zu fields where the header has %zu", c->nf, c->ncols);
    c->rows++;
    return 1;
}

static int copy_names(rl_csv *c, const char *const *names, size_t n, rl_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(names[i]) + 1;
    char *q = malloc(total ? total : 1);
    if (!q) return rl_error_set(err, RL_ENOMEM, "out of memory reading '%s'", c->path);
    free(c->names);
    c->names = q;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]) + 1;
        memcpy(q, names[i], len);
        c->name[i] = q;
        q += len;
    }
    c->ncols = n;
    return RL_OK;
}

int rl_csv_read_header(rl_csv *c, rl_error *err)
{
    int r = rl_csv_next(c, err);
    if (r < 0) return err ? err->code : RL_EFORMAT;
    if (r == 0) return rl_error_set(err, RL_EFORMAT, "%s:%ld: empty file: no header", c->path, c->line);
    int rc = copy_names(c, c->field, c->nf, err);
    if (rc != RL_OK) return rc;
    c->have_header = 1;
    c->rows = 0;
    return RL_OK;
}

int rl_csv_set_names(rl_csv *c, const char *const *names, size_t n, rl_error *err)
{
    if (n > RL_CSV_MAX_FIELDS) n = RL_CSV_MAX_FIELDS;
    int rc = copy_names(c, names, n, err);
    c->have_header = 0;
    return rc;
}

size_t rl_csv_nfields(const rl_csv *c) { return c->nf; }
const char *rl_csv_field(const rl_csv *c, size_t i) { return i < c->nf ? c->field[i] : ""; }
long rl_csv_line(const rl_csv *c) { return c->line; }
const char *rl_csv_path(const rl_csv *c) { return c->path; }
size_t rl_csv_rows(const rl_csv *c) { return c->rows; }

const char *rl_csv_name(const rl_csv *c, size_t i, char *buf, size_t size)
{
    if (i < c->ncols && c->name[i][0]) return rl_csv_show(c->name[i], buf, size);
    snprintf(buf, size, "column %zu", i + 1);
    return buf;
}

int rl_csv_find(const rl_csv *c, const char *name, rl_error *err)
{
    if (!c->have_header) return -1;
    int found = -1;
    for (size_t i = 0; i < c->ncols; i++) {
        if (strcasecmp(c->name[i], name) != 0) continue;
        if (found >= 0) {
            char shown[48];
            rl_error_set(err, RL_EFORMAT,
                         "%s:1: the header names column '%s' twice (columns %d and %zu)", c->path,
                         rl_csv_show(name, shown, sizeof shown), found + 1, i + 1);
            return -2;
        }
        found = (int)i;
    }
    return found;
}

int rl_csv_column(const rl_csv *c, const char *name, rl_error *err)
{
    int i = rl_csv_find(c, name, err);
    if (i == -1) {
        char shown[48];
        rl_error_set(err, RL_EFORMAT, "%s:1: no column '%s' in the header", c->path,
                     rl_csv_show(name, shown, sizeof shown));
    }
    return i < 0 ? -1 : i;
}

int rl_csv_parse_double(const char *s, unsigned flags, double *x)
{
    const char *p = s;
    if ((flags & RL_CSV_EMPTY) && !*p) {
        *x = NAN;
        return 0;
    }
    if (*p == '+' || *p == '-') p++;
    if ((flags & RL_CSV_NAN) && strcasecmp(p, "nan") == 0) {
        *x = NAN;
        return 0;
    }
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++, digits++;
    }
    if (digits == 0) return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return -1;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return -1;
    *x = v;
    return 0;
}

int rl_csv_double(const rl_csv *c, size_t i, unsigned flags, double *x, rl_error *err)
{
    const char *s = rl_csv_field(c, i);
    if (rl_csv_parse_double(s, flags, x) == 0) return RL_OK;
    char shown[48], name[64];
    return rl_csv_fail(c, err, RL_EFORMAT, "bad number '%s' in column '%s'",
                       rl_csv_show(s, shown, sizeof shown), rl_csv_name(c, i, name, sizeof name));
}

int rl_csv_double_in(const rl_csv *c, size_t i, double lo, double hi, double *x, rl_error *err)
{
    int rc = rl_csv_double(c, i, 0, x, err);
    if (rc != RL_OK || (*x >= lo && *x <= hi)) return rc;
    char shown[48], name[64];
    return rl_csv_fail(c, err, RL_EFORMAT, "column '%s': %s is outside [%g, %g]",
                       rl_csv_name(c, i, name, sizeof name),
                       rl_csv_show(rl_csv_field(c, i), shown, sizeof shown), lo, hi);
}
