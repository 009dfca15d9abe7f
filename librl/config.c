/* librl: configuration from INI files, validated against declared keys.
 *
 * How the pieces fit:
 *
 *  - Values are kept as text, exactly as given. Those read from files live in
 *    `files` (in file order); those given by rl_config_set live in `sets`. A
 *    lookup tries `sets` first, so a --set wins whenever it was applied,
 *    before or after the files were loaded.
 *  - Declarations are kept per section as a list of caller-owned rl_param
 *    tables. Nothing is parsed until someone asks: a getter, or
 *    rl_config_validate, parses the text against its declaration. This is why
 *    files can be loaded before the program knows which sections it needs.
 *  - inih does the INI syntax. We feed it one line at a time through our own
 *    reader (ini_parse_stream), which lets us count lines ourselves (the
 *    handler's line number is a compile-time option of the installed inih,
 *    INI_HANDLER_LINENO, which we cannot rely on) and strip indentation, so
 *    that an indented key is read as a key and not as a continuation of the
 *    previous value (inih's Python-style multi-line values).
 *
 * An INT or REAL key declared with min == max == 0 has no range: the header
 * leaves that case open, and with designated initialisers an omitted range
 * reads as [0, 0], which no table author means. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "rl/config.h"

/* ---- entries: one value given in a file or by --set ------------------------- */

typedef struct entry {
    char *section;
    char *key;
    char *value;
    char *where;      /* "file.ini:12" or "--set", as rl_config_where returns it */
    char *file;       /* the file name, NULL for --set */
    int line;         /* line of the key; 0 for --set */
    int section_line; /* line of its [section] header; 0 for --set */
} entry;

/* Copy n bytes to *p and advance it; returns where they went. */
static char *put(char **p, const char *src, size_t n)
{
    char *dst = memcpy(*p, src, n);
    *p += n;
    return dst;
}

/* An entry and its strings share one allocation, so that creating one has a
 * single way to fail and freeing one is a single free(). */
static entry *entry_new(const char *section, const char *key, const char *value,
                        const char *file, int line, int section_line)
{
    char at[24]; /* ":LINE" */
    int lat = file ? snprintf(at, sizeof at, ":%d", line) : 0;
    size_t ls = strlen(section) + 1, lk = strlen(key) + 1, lv = strlen(value) + 1;
    size_t lf = file ? strlen(file) + 1 : 0;
    size_t lw = file ? lf + (size_t)lat : sizeof "--set";

    entry *e = malloc(sizeof *e + ls + lk + lv + lf + lw);
    if (!e) return NULL;
    char *p = (char *)(e + 1);
    e->section = put(&p, section, ls);
    e->key = put(&p, key, lk);
    e->value = put(&p, value, lv);
    if (file) {
        e->file = put(&p, file, lf);
        e->where = p;
        snprintf(p, lw, "%s%s", file, at);
    } else {
        e->file = NULL;
        e->where = put(&p, "--set", lw);
    }
    e->line = line;
    e->section_line = section_line;
    return e;
}

typedef struct entry_list {
    entry **items;
    size_t n, cap;
} entry_list;

/* Make room for `more` further entries, so that the pushes that follow
 * cannot fail halfway through a change. */
static int list_reserve(entry_list *l, size_t more)
{
    if (l->n + more <= l->cap) return RL_OK;
    size_t cap = l->cap ? l->cap : 16;
    while (cap < l->n + more) cap *= 2;
    entry **items = realloc(l->items, cap * sizeof *items);
    if (!items) return RL_ENOMEM;
    l->items = items;
    l->cap = cap;
    return RL_OK;
}

static int list_push(entry_list *l, entry *e)
{
    if (list_reserve(l, 1) != RL_OK) return RL_ENOMEM;
    l->items[l->n++] = e;
    return RL_OK;
}

/* The entry for section/key, or NULL; its index goes to *index when given. */
static entry *list_find(const entry_list *l, const char *section, const char *key,
                        size_t *index)
{
    for (size_t i = 0; i < l->n; i++) {
        entry *e = l->items[i];
        if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0) {
            if (index) *index = i;
            return e;
        }
    }
    return NULL;
}

/* Free entry i and close the gap, keeping the others in order. */
static void list_remove(entry_list *l, size_t i)
{
    free(l->items[i]);
    memmove(l->items + i, l->items + i + 1, (l->n - i - 1) * sizeof *l->items);
    l->n--;
}

static void list_clear(entry_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

/* ---- the configuration ----------------------------------------------------------- */

typedef struct section_decl {
    char *name;
    const rl_param **tables; /* caller-owned, in the order declared */
    size_t ntables;
} section_decl;

struct rl_config {
    entry_list files; /* values from files, in file order */
    entry_list sets;  /* values from --set, in the order given */
    section_decl *sections;
    size_t nsections;
    char errmsg[RL_ERRMSG_SIZE];
};

static const entry *find_entry(const rl_config *cfg, const char *section, const char *key)
{
    const entry *e = list_find(&cfg->sets, section, key, NULL);
    return e ? e : list_find(&cfg->files, section, key, NULL);
}

static section_decl *find_section(const rl_config *cfg, const char *section)
{
    for (size_t i = 0; i < cfg->nsections; i++)
        if (strcmp(cfg->sections[i].name, section) == 0) return &cfg->sections[i];
    return NULL;
}

static const rl_param *find_param_in(const section_decl *s, const char *key)
{
    for (size_t t = 0; t < s->ntables; t++)
        for (const rl_param *p = s->tables[t]; p->key; p++)
            if (strcmp(p->key, key) == 0) return p;
    return NULL;
}

static const rl_param *find_param(const rl_config *cfg, const char *section, const char *key)
{
    const section_decl *s = find_section(cfg, section);
    return s ? find_param_in(s, key) : NULL;
}

/* ---- messages ----------------------------------------------------------------- */

/* Messages are assembled piece by piece in a buffer of the final size. When
 * a piece does not fit, the message ends in "..." so that a reader knows it
 * was cut, and later pieces are dropped. */
typedef struct msg {
    char text[RL_ERRMSG_SIZE];
    size_t len;
} msg;

static void msg_vadd(msg *m, const char *fmt, va_list ap)
{
    size_t room = sizeof m->text - m->len;
    if (room <= 1) return;
    int n = vsnprintf(m->text + m->len, room, fmt, ap);
    if (n < 0) return;
    if ((size_t)n < room) {
        m->len += (size_t)n;
    } else {
        m->len = sizeof m->text - 1;
        memcpy(m->text + m->len - 3, "...", 3);
    }
}

static void msg_add(msg *m, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void msg_add(msg *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(m, fmt, ap);
    va_end(ap);
}

/* Store m as cfg's error. The message is built apart and copied at the end
 * so that its arguments may safely point into cfg's previous message. */
static int set_error(rl_config *cfg, int code, const msg *m)
{
    memcpy(cfg->errmsg, m->text, m->len + 1);
    return code;
}

static int fail(rl_config *cfg, int code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(rl_config *cfg, int code, const char *fmt, ...)
{
    msg m = {.len = 0};
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(&m, fmt, ap);
    va_end(ap);
    return set_error(cfg, code, &m);
}

/* Start a message about a value with where it came from:
 * "file.ini:12: ", "--set " or, for a default, "default ". */
static void msg_origin(msg *m, const entry *e)
{
    if (!e)
        msg_add(m, "default ");
    else if (e->file)
        msg_add(m, "%s: ", e->where);
    else
        msg_add(m, "--set ");
}

/* A number for a message or a comment: integers in full, reals in the
 * fewest digits that read back to the same double (0.0003, not 0.000300). */
static void fmt_num(char *buf, size_t size, double x, int integer)
{
    if (integer && fabs(x) < 1e18) {
        snprintf(buf, size, "%.0f", x);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) return;
    }
}

static const char *kind_name(rl_param_kind kind)
{
    switch (kind) {
    case RL_PARAM_INT: return "int";
    case RL_PARAM_REAL: return "real";
    case RL_PARAM_BOOL: return "bool";
    case RL_PARAM_STRING: return "string";
    case RL_PARAM_CHOICE: return "choice";
    default: return "invalid kind";
    }
}

/* ---- suggestions: the nearest known name ---------------------------------------- */

/* Longest name worth comparing; longer ones are not typos of a key. */
#define SUGGEST_MAX 64

/* Levenshtein distance, ignoring case (so that "Epochs" suggests "epochs"),
 * with two rolling rows. SIZE_MAX when a name is too long to bother. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > SUGGEST_MAX || lb > SUGGEST_MAX) return SIZE_MAX;
    size_t row[SUGGEST_MAX + 1];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0]; /* row[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Tracks the closest candidate seen so far for a name typed by the user. A
 * candidate counts only when the distance is small next to the typed name's
 * length: two edits for short names, a third of the length for long ones,
 * and never a complete rewrite. */
typedef struct nearest {
    const char *typed;
    const char *best;
    size_t best_len;
    size_t best_dist;
} nearest;

static void nearest_offer(nearest *n, const char *cand, size_t cand_len)
{
    size_t typed_len = strlen(n->typed);
    size_t limit = typed_len / 3 > 2 ? typed_len / 3 : 2;
    size_t d = edit_distance(n->typed, typed_len, cand, cand_len);
    if (d <= limit && d < typed_len && d < cand_len && d < n->best_dist) {
        n->best = cand;
        n->best_len = cand_len;
        n->best_dist = d;
    }
}

static nearest nearest_start(const char *typed)
{
    nearest n = {typed, NULL, 0, SIZE_MAX};
    return n;
}

/* ---- values: parsing, range checks, and what can be written back ----------------- */

/* A value once parsed, whichever its kind. */
typedef union parsed {
    int64_t i;
    double r;
    int b;
    const char *s;
} parsed;

/* The range test, honouring min == max == 0 as "no range" (see the top). */
static int has_range(const rl_param *p) { return !(p->min == 0 && p->max == 0); }

static void msg_range(msg *m, const rl_param *p, const char *text)
{
    char lo[40], hi[40];
    int integer = p->kind == RL_PARAM_INT;
    fmt_num(lo, sizeof lo, p->min, integer);
    fmt_num(hi, sizeof hi, p->max, integer);
    msg_add(m, "%s is out of range [%s, %s]", text, lo, hi);
}

static int parse_int(const rl_param *p, const char *text, int64_t *out, msg *m)
{
    /* strtoll would skip leading blanks and accept "" as 0; neither is a
     * number as written in a file. */
    if (text[0] == '\0' || isspace((unsigned char)text[0])) {
        msg_add(m, "'%s' is not an integer", text);
        return RL_EINVAL;
    }
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (*end != '\0') {
        msg_add(m, "'%s' is not an integer", text);
        return RL_EINVAL;
    }
    if (errno == ERANGE) {
        msg_add(m, "'%s' is out of range for a 64-bit integer", text);
        return RL_ERANGE;
    }
    if (has_range(p) && ((double)v < p->min || (double)v > p->max)) {
        msg_range(m, p, text);
        return RL_ERANGE;
    }
    *out = (int64_t)v;
    return RL_OK;
}

/* strtod follows LC_NUMERIC: librl expects the "C" numeric locale, which a
 * program has unless it calls setlocale() itself. */
static int parse_real(const rl_param *p, const char *text, double *out, msg *m)
{
    if (text[0] == '\0' || isspace((unsigned char)text[0])) {
        msg_add(m, "'%s' is not a number", text);
        return RL_EINVAL;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*end != '\0') {
        msg_add(m, "'%s' is not a number", text);
        return RL_EINVAL;
    }
    if (isinf(v) && errno == ERANGE) {
        msg_add(m, "'%s' is too large for a double", text);
        return RL_ERANGE;
    }
    if (!isfinite(v)) {
        msg_add(m, "'%s' is not a finite number", text);
        return RL_EINVAL;
    }
    if (has_range(p) && (v < p->min || v > p->max)) {
        msg_range(m, p, text);
        return RL_ERANGE;
    }
    *out = v;
    return RL_OK;
}

/* ASCII case-insensitive equality; strcasecmp is POSIX, not C11. */
static int same_word(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

static int parse_bool(const char *text, int *out, msg *m)
{
    static const struct {
        const char *word;
        int value;
    } words[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},
                 {"on", 1},   {"off", 0},   {"1", 1},   {"0", 0}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (same_word(text, words[i].word)) {
            *out = words[i].value;
            return RL_OK;
        }
    }
    msg_add(m, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", text);
    return RL_EINVAL;
}

static int parse_choice(const rl_param *p, const char *text, msg *m)
{
    nearest n = nearest_start(text);
    size_t len = strlen(text);
    for (const char *w = p->choices; *w;) {
        size_t wl = strcspn(w, "|");
        if (wl == len && strncmp(w, text, len) == 0) return RL_OK;
        nearest_offer(&n, w, wl);
        w += wl;
        if (*w == '|') w++;
    }
    msg_add(m, "'%s' is not one of %s", text, p->choices);
    if (n.best) msg_add(m, " (did you mean '%.*s'?)", (int)n.best_len, n.best);
    return RL_EINVAL;
}

/* Parse text as p's kind and check it against p's range or choices. On
 * failure, append to m what is wrong with the text (the caller has already
 * written where it came from) and return RL_EINVAL or RL_ERANGE. */
static int parse_value(const rl_param *p, const char *text, parsed *out, msg *m)
{
    switch (p->kind) {
    case RL_PARAM_INT: return parse_int(p, text, &out->i, m);
    case RL_PARAM_REAL: return parse_real(p, text, &out->r, m);
    case RL_PARAM_BOOL: return parse_bool(text, &out->b, m);
    case RL_PARAM_CHOICE:
        out->s = text;
        return parse_choice(p, text, m);
    case RL_PARAM_STRING: out->s = text; return RL_OK;
    default:
        msg_add(m, "invalid kind %d", (int)p->kind);
        return RL_EINVAL;
    }
}

/* Why "key = value" could not be written to an INI file and read back as the
 * same value, or NULL when it can. inih strips blanks around a value, ends a
 * value at a ';' that follows a blank (or starts it), and reads a line at a
 * time into a buffer of INI_MAX_LINE bytes (room for "\n" and NUL). Values
 * from files pass by construction; --set values and defaults are checked. */
static const char *unwritable(const char *key, const char *value)
{
    size_t n = strlen(value);
    if (n > 0 && (isspace((unsigned char)value[0]) || isspace((unsigned char)value[n - 1])))
        return "starts or ends with a blank";
    if (value[0] == ';') return "starts with ';', which would make it a comment";
    for (size_t i = 0; i < n; i++) {
        if (value[i] == '\n' || value[i] == '\r') return "contains a line break";
        if (value[i] == ';' && i > 0 && isspace((unsigned char)value[i - 1]))
            return "contains a blank followed by ';', which starts a comment";
    }
    if (strlen(key) + 1 + n + 2 > INI_MAX_LINE) return "is too long for one line of an INI file";
    return NULL;
}

/* Section and key names as declared: they must survive --set's split at
 * '.' and '=' and inih's at '=', ':' and ']'. */
static int is_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return 0;
    return 1;
}

/* ---- reading INI text ----------------------------------------------------------- */

/* State shared by the line reader and the handler while one file is read. */
typedef struct loader {
    rl_config *cfg;
    const char *name;   /* the file name, for messages */
    const char *pos;    /* the next unread character of the text */
    int line;           /* number of the line last handed to inih */
    int section_line;   /* line of the last [section] header */
    int too_long;       /* line that did not fit inih's buffer, or 0 */
    int code;           /* first error found by the handler, or RL_OK */
    int err_line;       /* its line */
    entry_list entries; /* what the file holds, kept apart until it all reads */
} loader;

/* inih's ini_reader: hand over one line of the text per call. */
static char *next_line(char *buf, int size, void *stream)
{
    loader *ld = stream;
    if (ld->too_long || *ld->pos == '\0') return NULL;

    const char *start = ld->pos;
    const char *nl = strchr(start, '\n');
    size_t len = nl ? (size_t)(nl - start) + 1 : strlen(start);
    ld->pos = start + len;
    ld->line++;

    /* Indentation is for readers; without it inih sees every line as a new
     * key, never as a continuation of the previous value. */
    while (len > 0 && *start != '\n' && isspace((unsigned char)*start)) start++, len--;

    if (len + 1 > (size_t)size) {
        /* inih only looks at a comment's first character, so a long comment
         * may be cut; anything else would be split into a bogus next line. */
        if (*start != ';' && *start != '#') {
            ld->too_long = ld->line;
            return NULL;
        }
        len = (size_t)size - 2;
        memcpy(buf, start, len);
        buf[len++] = '\n';
    } else {
        memcpy(buf, start, len);
    }
    buf[len] = '\0';
    /* Remember where each section starts, for "unknown section" messages;
     * the first line may begin with a UTF-8 byte-order mark, which inih skips. */
    if (ld->line == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) start += 3;
    if (*start == '[') ld->section_line = ld->line;
    return buf;
}

static int loader_fail(loader *ld, int code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Record the handler's first error, "name:line: ...", and return 0, which
 * tells inih that this line failed. */
static int loader_fail(loader *ld, int code, const char *fmt, ...)
{
    msg m = {.len = 0};
    msg_add(&m, "%s:%d: ", ld->name, ld->line);
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(&m, fmt, ap);
    va_end(ap);
    set_error(ld->cfg, code, &m);
    ld->code = code;
    ld->err_line = ld->line;
    return 0;
}

/* inih's handler: called for each key = value with strings that live only
 * during the call, so the entry copies them. */
static int on_value(void *user, const char *section, const char *key, const char *value)
{
    loader *ld = user;
    if (ld->code != RL_OK) return 1; /* only the first problem is reported */

    if (!value) return loader_fail(ld, RL_ESYNTAX, "'%s' has no '='", key);
    if (!*section) {
        if (ld->section_line > 0)
            return loader_fail(ld, RL_ESYNTAX, "key '%s' is in a section with an empty name "
                               "([] at line %d)", key, ld->section_line);
        return loader_fail(ld, RL_ESYNTAX, "key '%s' comes before any [section]", key);
    }
    if (!*key) return loader_fail(ld, RL_ESYNTAX, "[%s] '=' with no key before it", section);

    const entry *first = list_find(&ld->entries, section, key, NULL);
    if (first)
        return loader_fail(ld, RL_ESYNTAX, "[%s] key '%s' is repeated (first given at line %d)",
                           section, key, first->line);

    entry *e = entry_new(section, key, value, ld->name, ld->line, ld->section_line);
    if (!e || list_push(&ld->entries, e) != RL_OK) {
        free(e);
        return loader_fail(ld, RL_ENOMEM, "out of memory");
    }
    return 1;
}

/* inih only says which line it could not parse; say what is wrong with it. */
static int syntax_error(rl_config *cfg, const char *name, const char *text, int line)
{
    for (int i = 1; i < line && *text; i++) {
        const char *nl = strchr(text, '\n');
        text = nl ? nl + 1 : text + strlen(text);
    }
    while (*text != '\n' && isspace((unsigned char)*text)) text++;
    int len = (int)strcspn(text, "\r\n");
    if (*text == '[')
        return fail(cfg, RL_ESYNTAX, "%s:%d: '%.*s' has no closing ']'", name, line, len, text);
    return fail(cfg, RL_ESYNTAX,
                "%s:%d: '%.*s' is not 'key = value', a [section] or a comment", name, line,
                len, text);
}

/* Move what a file held into cfg. A key already read from an earlier file is
 * replaced, and moves to its place in the new file. Room is reserved first so
 * that the move cannot stop halfway. */
static int merge(rl_config *cfg, entry_list *from)
{
    if (list_reserve(&cfg->files, from->n) != RL_OK)
        return fail(cfg, RL_ENOMEM, "out of memory");
    for (size_t i = 0; i < from->n; i++) {
        entry *e = from->items[i];
        size_t old;
        if (list_find(&cfg->files, e->section, e->key, &old)) list_remove(&cfg->files, old);
        cfg->files.items[cfg->files.n++] = e;
    }
    from->n = 0;
    return RL_OK;
}

/* Parse INI text; cfg changes only when the whole text reads without error. */
static int load_text(rl_config *cfg, const char *text, const char *name)
{
    loader ld = {.cfg = cfg, .name = name, .pos = text, .code = RL_OK};
    int ret = ini_parse_stream(next_line, &ld, on_value, &ld);

    int rc;
    if (ld.code == RL_ENOMEM || ret == -2)
        rc = fail(cfg, RL_ENOMEM, "out of memory reading '%s'", name);
    else if (ret > 0 && (ld.code == RL_OK || ret < ld.err_line))
        rc = syntax_error(cfg, name, text, ret); /* inih found an earlier problem */
    else if (ld.code != RL_OK)
        rc = ld.code; /* the handler has written the message */
    else if (ld.too_long)
        rc = fail(cfg, RL_ESYNTAX, "%s:%d: line is too long (at most %d characters)", name,
                  ld.too_long, INI_MAX_LINE - 3);
    else
        rc = merge(cfg, &ld.entries);
    list_clear(&ld.entries);
    return rc;
}

/* Read a whole file into a NUL-terminated buffer. Configuration files are
 * small, and holding the text lets a syntax error quote the faulty line. */
static int read_file(rl_config *cfg, const char *path, char **out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        return fail(cfg, e == ENOENT || e == ENOTDIR ? RL_ENOTFOUND : RL_EIO,
                    "cannot open config '%s': %s", path, strerror(e));
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096 + 1) {
            size_t ncap = cap ? 2 * cap : 8192;
            char *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                fclose(f);
                return fail(cfg, RL_ENOMEM, "out of memory reading '%s'", path);
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return fail(cfg, RL_EIO, "cannot read config '%s': %s", path, strerror(e));
    }
    fclose(f);
    buf[len] = '\0';

    /* A NUL would silently end the text early. */
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *c = buf; c < nul; c++) line += *c == '\n';
        free(buf);
        return fail(cfg, RL_ESYNTAX, "%s:%d: NUL byte (is this a text file?)", path, line);
    }
    *out = buf;
    return RL_OK;
}

/* ---- the public functions ---------------------------------------------------------- */

rl_config *rl_config_alloc(rl_error *err)
{
    rl_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) rl_error_set(err, RL_ENOMEM, "out of memory allocating a configuration");
    return cfg;
}

void rl_config_free(rl_config *cfg)
{
    if (!cfg) return;
    list_clear(&cfg->files);
    list_clear(&cfg->sets);
    for (size_t i = 0; i < cfg->nsections; i++) {
        free(cfg->sections[i].name);
        free(cfg->sections[i].tables);
    }
    free(cfg->sections);
    free(cfg);
}

int rl_config_load(rl_config *cfg, const char *path)
{
    if (!cfg) return RL_EINVAL;
    if (!path) return fail(cfg, RL_EINVAL, "rl_config_load: NULL path");
    char *text = NULL;
    int rc = read_file(cfg, path, &text);
    if (rc != RL_OK) return rc;
    rc = load_text(cfg, text, path);
    free(text);
    return rc;
}

int rl_config_load_string(rl_config *cfg, const char *text, const char *name)
{
    if (!cfg) return RL_EINVAL;
    if (!text) return fail(cfg, RL_EINVAL, "rl_config_load_string: NULL text");
    return load_text(cfg, text, name ? name : "<string>");
}

/* Strip blanks at both ends, in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

/* rl_config_set's work on a copy of the assignment that it may cut up. */
static int set_from_copy(rl_config *cfg, const char *assignment, char *copy)
{
    /* The key ends at the first '=' and the section at the first '.' before
     * it, so values may hold both ("run.output=runs/v1.2=final"). */
    char *eq = strchr(copy, '=');
    char *dot = eq ? memchr(copy, '.', (size_t)(eq - copy)) : NULL;
    if (!dot)
        return fail(cfg, RL_EINVAL, "--set '%s': expected section.key=value "
                    "(e.g. ppo.learning_rate=0.0003)", assignment);
    *dot = *eq = '\0';
    const char *section = trim(copy), *key = trim(dot + 1), *val = trim(eq + 1);
    if (!*section || !*key)
        return fail(cfg, RL_EINVAL, "--set '%s': expected section.key=value "
                    "(e.g. ppo.learning_rate=0.0003)", assignment);
    const char *why = unwritable(key, val);
    if (why) return fail(cfg, RL_EINVAL, "--set '%s': the value %s", assignment, why);

    /* Append the new entry before dropping the old one, so that running out
     * of memory leaves the earlier value in place. */
    size_t old;
    int had = list_find(&cfg->sets, section, key, &old) != NULL;
    entry *e = entry_new(section, key, val, NULL, 0, 0);
    if (!e || list_push(&cfg->sets, e) != RL_OK) {
        free(e);
        return fail(cfg, RL_ENOMEM, "out of memory");
    }
    if (had) list_remove(&cfg->sets, old);
    return RL_OK;
}

int rl_config_set(rl_config *cfg, const char *assignment)
{
    if (!cfg) return RL_EINVAL;
    if (!assignment) return fail(cfg, RL_EINVAL, "rl_config_set: NULL assignment");
    size_t n = strlen(assignment);
    char *copy = malloc(n + 1);
    if (!copy) return fail(cfg, RL_ENOMEM, "out of memory");
    memcpy(copy, assignment, n + 1);
    int rc = set_from_copy(cfg, assignment, copy);
    free(copy);
    return rc;
}

/* Check one table entry before it is accepted: the mistakes it catches are
 * the table author's, found at start-up rather than when a user sets the key. */
static int check_param(rl_config *cfg, const char *section, const rl_param *p)
{
    if (!is_name(p->key))
        return fail(cfg, RL_EINVAL, "rl_config_declare: [%s] '%s' is not a valid key name "
                    "(use letters, digits, '_' and '-')", section, p->key);
    if (p->kind < RL_PARAM_INT || p->kind > RL_PARAM_CHOICE)
        return fail(cfg, RL_EINVAL, "rl_config_declare: [%s] %s: invalid kind %d", section,
                    p->key, (int)p->kind);
    if ((p->kind == RL_PARAM_INT || p->kind == RL_PARAM_REAL) && !(p->min <= p->max))
        return fail(cfg, RL_EINVAL, "rl_config_declare: [%s] %s: min is above max", section,
                    p->key);
    if (p->kind == RL_PARAM_CHOICE) {
        const char *c = p->choices;
        size_t len = c ? strlen(c) : 0;
        if (len == 0 || c[0] == '|' || c[len - 1] == '|' || strstr(c, "||") || unwritable(p->key, c))
            return fail(cfg, RL_EINVAL, "rl_config_declare: [%s] %s: choices must be words "
                        "separated by '|', e.g. \"huber|mse\"", section, p->key);
    }
    if (p->def) {
        const char *why = unwritable(p->key, p->def);
        if (why)
            return fail(cfg, RL_EINVAL, "rl_config_declare: [%s] %s: the default %s", section,
                        p->key, why);
        msg m = {.len = 0};
        msg_add(&m, "rl_config_declare: [%s] %s: bad default: ", section, p->key);
        parsed v;
        int rc = parse_value(p, p->def, &v, &m);
        if (rc != RL_OK) return set_error(cfg, RL_EINVAL, &m);
    }
    return RL_OK;
}

int rl_config_declare(rl_config *cfg, const char *section, const rl_param *params)
{
    if (!cfg) return RL_EINVAL;
    if (!section || !params) return fail(cfg, RL_EINVAL, "rl_config_declare: NULL argument");
    if (!is_name(section))
        return fail(cfg, RL_EINVAL, "rl_config_declare: '%s' is not a valid section name "
                    "(use letters, digits, '_' and '-')", section);

    section_decl *s = find_section(cfg, section);
    for (const rl_param *p = params; p->key; p++) {
        int rc = check_param(cfg, section, p);
        if (rc != RL_OK) return rc;
        int twice = s && find_param_in(s, p->key);
        for (const rl_param *q = params; q < p && !twice; q++) twice = strcmp(q->key, p->key) == 0;
        if (twice)
            return fail(cfg, RL_EINVAL, "rl_config_declare: [%s] key '%s' is declared twice",
                        section, p->key);
    }

    if (!s) {
        /* Take everything a new section needs before changing cfg, so that a
         * failure leaves no half-declared section behind. */
        char *name = malloc(strlen(section) + 1);
        const rl_param **tables = malloc(sizeof *tables);
        section_decl *more = realloc(cfg->sections, (cfg->nsections + 1) * sizeof *more);
        if (more) cfg->sections = more;
        if (!name || !tables || !more) {
            free(name);
            free(tables);
            return fail(cfg, RL_ENOMEM, "out of memory");
        }
        tables[0] = params;
        cfg->sections[cfg->nsections++] =
            (section_decl){.name = strcpy(name, section), .tables = tables, .ntables = 1};
        return RL_OK;
    }
    const rl_param **tables = realloc(s->tables, (s->ntables + 1) * sizeof *tables);
    if (!tables) return fail(cfg, RL_ENOMEM, "out of memory");
    s->tables = tables;
    s->tables[s->ntables++] = params;
    return RL_OK;
}

int rl_config_is_declared(const rl_config *cfg, const char *section)
{
    return cfg && section && find_section(cfg, section) != NULL;
}

static int unknown_section(rl_config *cfg, const entry *e)
{
    msg m = {.len = 0};
    if (e->file)
        msg_add(&m, "%s:%d: ", e->file, e->section_line);
    else
        msg_add(&m, "--set ");
    msg_add(&m, "unknown section [%s]", e->section);

    nearest n = nearest_start(e->section);
    for (size_t i = 0; i < cfg->nsections; i++)
        nearest_offer(&n, cfg->sections[i].name, strlen(cfg->sections[i].name));
    if (n.best) {
        msg_add(&m, " (did you mean [%s]?)", n.best);
    } else if (cfg->nsections == 0) {
        msg_add(&m, " (no sections are declared)");
    } else {
        msg_add(&m, " (known sections: ");
        for (size_t i = 0; i < cfg->nsections; i++)
            msg_add(&m, "%s%s", i ? ", " : "", cfg->sections[i].name);
        msg_add(&m, ")");
    }
    return set_error(cfg, RL_ENOTFOUND, &m);
}

static int unknown_key(rl_config *cfg, const entry *e, const section_decl *s)
{
    msg m = {.len = 0};
    msg_origin(&m, e);
    msg_add(&m, "[%s] unknown key '%s'", e->section, e->key);

    nearest n = nearest_start(e->key);
    for (size_t t = 0; t < s->ntables; t++)
        for (const rl_param *p = s->tables[t]; p->key; p++) nearest_offer(&n, p->key, strlen(p->key));
    if (n.best) {
        msg_add(&m, " (did you mean '%s'?)", n.best);
    } else {
        const char *sep = "";
        msg_add(&m, " (known keys: ");
        for (size_t t = 0; t < s->ntables; t++)
            for (const rl_param *p = s->tables[t]; p->key; p++, sep = ", ")
                msg_add(&m, "%s%s", sep, p->key);
        msg_add(&m, "%s)", *sep ? "" : "none");
    }
    return set_error(cfg, RL_ENOTFOUND, &m);
}

static int check_entry(rl_config *cfg, const entry *e)
{
    const section_decl *s = find_section(cfg, e->section);
    if (!s) return unknown_section(cfg, e);
    const rl_param *p = find_param_in(s, e->key);
    if (!p) return unknown_key(cfg, e, s);

    msg m = {.len = 0};
    msg_origin(&m, e);
    msg_add(&m, "[%s] %s: ", e->section, e->key);
    parsed v;
    int rc = parse_value(p, e->value, &v, &m);
    return rc == RL_OK ? RL_OK : set_error(cfg, rc, &m);
}

/* Check every entry given (of one section, or of all when section is
 * NULL), in file order, then the --set ones. */
static int validate(rl_config *cfg, const char *section)
{
    for (size_t i = 0; i < cfg->files.n; i++) {
        const entry *e = cfg->files.items[i];
        if (section && strcmp(e->section, section) != 0) continue;
        /* A value that --set replaces is never used, so it cannot be wrong. */
        if (list_find(&cfg->sets, e->section, e->key, NULL)) continue;
        int rc = check_entry(cfg, e);
        if (rc != RL_OK) return rc;
    }
    for (size_t i = 0; i < cfg->sets.n; i++) {
        const entry *e = cfg->sets.items[i];
        if (section && strcmp(e->section, section) != 0) continue;
        int rc = check_entry(cfg, e);
        if (rc != RL_OK) return rc;
    }
    return RL_OK;
}

int rl_config_validate(rl_config *cfg)
{
    return cfg ? validate(cfg, NULL) : RL_EINVAL;
}

int rl_config_validate_section(rl_config *cfg, const char *section)
{
    return cfg && section ? validate(cfg, section) : RL_EINVAL;
}

int rl_config_has(const rl_config *cfg, const char *section, const char *key)
{
    return cfg && section && key && find_entry(cfg, section, key) != NULL;
}

/* The getters' shared path: find the declaration, check the kind, take the
 * given text or the default, and parse it. */
static int get_value(rl_config *cfg, const char *fn, const char *section, const char *key,
                     rl_param_kind want, parsed *out)
{
    if (!section || !key) return fail(cfg, RL_EINVAL, "%s: NULL section or key", fn);
    const rl_param *p = find_param(cfg, section, key);
    if (!p) return fail(cfg, RL_ENOTFOUND, "%s: [%s] %s is not declared", fn, section, key);
    /* A choice is read as the string it is. */
    rl_param_kind got = p->kind == RL_PARAM_CHOICE ? RL_PARAM_STRING : p->kind;
    if (got != want)
        return fail(cfg, RL_EINVAL, "%s: [%s] %s is declared as %s; read it with "
                    "rl_config_get_%s", fn, section, key, kind_name(p->kind), kind_name(got));

    const entry *e = find_entry(cfg, section, key);
    const char *text = e ? e->value : p->def;
    if (!text) {
        if (p->kind != RL_PARAM_STRING)
            return fail(cfg, RL_ENOTFOUND, "missing required key [%s] %s (add '%s = ...' "
                        "under [%s], or --set %s.%s=...)", section, key, key, section,
                        section, key);
        text = "";
    }
    msg m = {.len = 0};
    msg_origin(&m, e);
    msg_add(&m, "[%s] %s: ", section, key);
    int rc = parse_value(p, text, out, &m);
    return rc == RL_OK ? RL_OK : set_error(cfg, rc, &m);
}

int rl_config_get_int(rl_config *cfg, const char *section, const char *key, int64_t *out)
{
    if (!cfg) return RL_EINVAL;
    if (!out) return fail(cfg, RL_EINVAL, "rl_config_get_int: NULL out");
    parsed v;
    int rc = get_value(cfg, "rl_config_get_int", section, key, RL_PARAM_INT, &v);
    if (rc == RL_OK) *out = v.i;
    return rc;
}

int rl_config_get_real(rl_config *cfg, const char *section, const char *key, double *out)
{
    if (!cfg) return RL_EINVAL;
    if (!out) return fail(cfg, RL_EINVAL, "rl_config_get_real: NULL out");
    parsed v;
    int rc = get_value(cfg, "rl_config_get_real", section, key, RL_PARAM_REAL, &v);
    if (rc == RL_OK) *out = v.r;
    return rc;
}

int rl_config_get_bool(rl_config *cfg, const char *section, const char *key, int *out)
{
    if (!cfg) return RL_EINVAL;
    if (!out) return fail(cfg, RL_EINVAL, "rl_config_get_bool: NULL out");
    parsed v;
    int rc = get_value(cfg, "rl_config_get_bool", section, key, RL_PARAM_BOOL, &v);
    if (rc == RL_OK) *out = v.b;
    return rc;
}

int rl_config_get_string(rl_config *cfg, const char *section, const char *key, const char **out)
{
    if (!cfg) return RL_EINVAL;
    if (!out) return fail(cfg, RL_EINVAL, "rl_config_get_string: NULL out");
    parsed v;
    int rc = get_value(cfg, "rl_config_get_string", section, key, RL_PARAM_STRING, &v);
    if (rc == RL_OK) *out = v.s;
    return rc;
}

const char *rl_config_where(const rl_config *cfg, const char *section, const char *key)
{
    const entry *e = cfg && section && key ? find_entry(cfg, section, key) : NULL;
    return e ? e->where : "default";
}

/* Print s on one line: help text is meant to be one line, and a stray line
 * break would turn the rest of a comment into a syntax error. */
static void put_oneline(FILE *out, const char *s)
{
    for (; *s; s++) fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
}

/* "; Learning rate. (real, range [0, 1], default 0.0003)" */
static void write_comment(FILE *out, const rl_param *p)
{
    fputs("; ", out);
    if (p->help && *p->help) {
        put_oneline(out, p->help);
        fputc(' ', out);
    }
    fprintf(out, "(%s", kind_name(p->kind));
    if ((p->kind == RL_PARAM_INT || p->kind == RL_PARAM_REAL) && has_range(p)) {
        char lo[40], hi[40];
        fmt_num(lo, sizeof lo, p->min, p->kind == RL_PARAM_INT);
        fmt_num(hi, sizeof hi, p->max, p->kind == RL_PARAM_INT);
        fprintf(out, ", range [%s, %s]", lo, hi);
    }
    if (p->kind == RL_PARAM_CHOICE) fprintf(out, " of %s", p->choices);
    if (!p->def && p->kind != RL_PARAM_STRING)
        fputs(", required)\n", out);
    else if (!p->def || !*p->def)
        fputs(", default empty)\n", out);
    else
        fprintf(out, ", default %s)\n", p->def);
}

int rl_config_write(const rl_config *cfg, FILE *out)
{
    if (!cfg || !out) return RL_EINVAL;
    for (size_t i = 0; i < cfg->nsections; i++) {
        const section_decl *s = &cfg->sections[i];
        fprintf(out, "%s[%s]\n", i ? "\n" : "", s->name);
        for (size_t t = 0; t < s->ntables; t++) {
            for (const rl_param *p = s->tables[t]; p->key; p++) {
                write_comment(out, p);
                const entry *e = find_entry(cfg, s->name, p->key);
                const char *v = e ? e->value : p->def;
                if (!v && p->kind == RL_PARAM_STRING) v = "";
                if (!v)
                    /* Commented out, so that it reads back as still missing. */
                    fprintf(out, "; %s = (required, not set)\n", p->key);
                else if (strlen(p->key) + 3 + strlen(v) + 2 <= INI_MAX_LINE)
                    fprintf(out, "%s = %s\n", p->key, v);
                else
                    fprintf(out, "%s=%s\n", p->key, v); /* what fitted in the file fits */
            }
        }
    }
    /* Errors on a buffered stream often show only when it is flushed. */
    if (fflush(out) != 0 || ferror(out)) return RL_EIO;
    return RL_OK;
}

int rl_config_fail(rl_config *cfg, int code, const char *section, const char *key,
                   const char *fmt, ...)
{
    if (!cfg) return code;
    if (!section) section = "";
    if (!key) key = "";
    msg m = {.len = 0};
    msg_origin(&m, find_entry(cfg, section, key));
    msg_add(&m, "[%s] %s: ", section, key);
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(&m, fmt, ap);
    va_end(ap);
    return set_error(cfg, code, &m);
}

const char *rl_config_errmsg(const rl_config *cfg) { return cfg ? cfg->errmsg : ""; }
