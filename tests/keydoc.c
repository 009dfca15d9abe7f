/* keydoc: the configuration keys librl knows, against their documentation.
 *
 *     keydoc                         print every key, one line each:
 *                                    section, key, type, default, range
 *     keydoc --check CONFIG.md [RLRUN.1]
 *                                    compare the key tables with doc/config.md
 *                                    (and the [run], [ppo] and [qlearn] key
 *                                    lists of rlrun.1); one line per difference on
 *                                    standard error, exit status 1 if any
 *
 * The tables are those a program sees: [run] (rl_run_params), every
 * built-in algorithm's (rl_algo_at), the keys the core adds to every
 * environment section (rl_env_common_params, printed as section "*") and
 * every environment type the plugins on the search path register
 * (RL_PLUGIN_PATH, then the build tree). doc/config.md says, in its section
 * "Checked against the code", how its tables are read; tests/config_doc.sh
 * runs the check. Exit status 2 for bad usage or an unreadable file. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

enum { MAX_SECTIONS = 64, MAX_ROWS = 1024 };

/* One section's keys: its tables, in order. */
typedef struct section {
    const char *name;
    const rl_param *tables[2];
} section;

static section sections[MAX_SECTIONS];
static size_t nsections;
static int problems;

static const char *kind_name(rl_param_kind k)
{
    switch (k) {
    case RL_PARAM_INT: return "int";
    case RL_PARAM_REAL: return "real";
    case RL_PARAM_BOOL: return "bool";
    case RL_PARAM_STRING: return "string";
    case RL_PARAM_CHOICE: return "choice";
    default: return "?";
    }
}

static void add_section(const char *name, const rl_param *a, const rl_param *b)
{
    if (nsections == MAX_SECTIONS) return;
    sections[nsections].name = name;
    sections[nsections].tables[0] = a;
    sections[nsections].tables[1] = b;
    nsections++;
}

static const section *find_section(const char *name)
{
    for (size_t i = 0; i < nsections; i++)
        if (strcmp(sections[i].name, name) == 0) return &sections[i];
    return NULL;
}

/* The declaration of key in section s, or NULL. The environment sections
 * also hold the common keys (section "*"). */
static const rl_param *find_param(const section *s, const char *key)
{
    for (int t = 0; t < 2; t++)
        for (const rl_param *p = s->tables[t]; p && p->key; p++)
            if (strcmp(p->key, key) == 0) return p;
    return NULL;
}

/* ---- printing ------------------------------------------------------------ */

/* x in the fewest digits that read back as x (the tables' literals). */
static const char *num(char *buf, size_t len, double x)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return buf;
}

/* "[min, max]" of p in the fewest digits. */
static const char *range_text(char *buf, size_t len, const rl_param *p)
{
    char a[32], b[32];
    snprintf(buf, len, "[%s, %s]", num(a, sizeof a, p->min), num(b, sizeof b, p->max));
    return buf;
}

static void print_range(const rl_param *p)
{
    if (p->kind == RL_PARAM_CHOICE)
        printf("%s", p->choices ? p->choices : "");
    else if ((p->kind == RL_PARAM_INT || p->kind == RL_PARAM_REAL) &&
             (p->min != 0 || p->max != 0)) {
        char r[80];
        printf("%s", range_text(r, sizeof r, p));
    }
}

static void print_all(void)
{
    for (size_t i = 0; i < nsections; i++) {
        const section *s = &sections[i];
        /* An environment's common keys are printed once, as section "*". */
        for (const rl_param *p = s->tables[0]; p && p->key; p++) {
            printf("%s\t%s\t%s\t", s->name, p->key, kind_name(p->kind));
            printf("%s\t", p->def ? p->def : "(required)");
            print_range(p);
            putchar('\n');
        }
    }
}

/* ---- reading the documentation ------------------------------------------- */

/* Numbers as the documentation writes them: 0.5, 1e-09, 10^15, -10^9,
 * 2^53 - 1. Returns 0 and *out, or -1. */
static int doc_number(const char *text, double *out)
{
    char buf[128];
    size_t n = 0;
    for (const char *c = text; *c && n < sizeof buf - 1; c++)
        if (*c != ' ' && *c != '`' && *c != ',') buf[n++] = *c;
    buf[n] = '\0';
    if (!n) return -1;
    char *end;
    double v = strtod(buf, &end);
    if (end == buf) return -1;
    if (*end == '^') {
        char *e2;
        double x = strtod(end + 1, &e2);
        if (e2 == end + 1) return -1;
        v = (v < 0 ? -1 : 1) * pow(fabs(v), x);
        end = e2;
        if (*end == '-' || *end == '+') {
            double d = strtod(end, &e2);
            if (e2 == end) return -1;
            v += d;
            end = e2;
        }
    }
    if (*end) return -1;
    *out = v;
    return 0;
}

static int doc_bool(const char *text, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", NULL};
    static const char *const no[] = {"false", "no", "off", "0", NULL};
    for (int i = 0; yes[i]; i++)
        if (strcmp(text, yes[i]) == 0) return *out = 1, 0;
    for (int i = 0; no[i]; i++)
        if (strcmp(text, no[i]) == 0) return *out = 0, 0;
    return -1;
}

/* The cell without blanks around it and, when the whole cell is one `code`
 * span, without the backticks. In place. */
static char *unquote(char *c)
{
    size_t n = strlen(c);
    if (n >= 2 && c[0] == '`' && c[n - 1] == '`' && !memchr(c + 1, '`', n - 2)) {
        c[n - 1] = '\0';
        return c + 1;
    }
    return c;
}

static void report(const char *file, int line, const char *sec, const char *key, const char *fmt,
                   ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static void report(const char *file, int line, const char *sec, const char *key, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (line > 0)
        fprintf(stderr, "%s:%d: [%s] %s: ", file, line, sec, key);
    else
        fprintf(stderr, "%s: [%s] %s: ", file, sec, key);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    problems++;
}

static void check_type(const char *file, int line, const char *sec, const rl_param *p,
                       const char *type)
{
    /* A string the environment reads as a number, or nothing for its own
     * value, is documented as "real or empty". */
    size_t n = strlen(type);
    if (p->kind == RL_PARAM_STRING && n > 9 && strcmp(type + n - 9, " or empty") == 0) return;
    if (strcmp(type, kind_name(p->kind)) != 0)
        report(file, line, sec, p->key, "type is %s, documented as '%s'", kind_name(p->kind), type);
}

static void check_default(const char *file, int line, const char *sec, const rl_param *p,
                          char *cell)
{
    char *d = unquote(cell);
    const char *def = p->def;
    if (!def || (!def[0] && p->kind == RL_PARAM_STRING)) {
        /* Required, or empty. A string without a default (NULL) reads as
         * empty; the program may require it ([run] env). */
        int empty = strcmp(d, "empty") == 0 || (d[0] == '(' && d[strlen(d) - 1] == ')');
        if (p->kind == RL_PARAM_STRING && (empty || (!def && strcmp(d, "none: required") == 0)))
            return;
        if (p->kind != RL_PARAM_STRING && strcmp(d, "none: required") == 0) return;
        report(file, line, sec, p->key, "default is %s, documented as '%s'",
               def                          ? "empty"
               : p->kind == RL_PARAM_STRING ? "empty (or none: required)"
                                            : "none (required)",
               d);
        return;
    }
    int ok;
    if (p->kind == RL_PARAM_INT || p->kind == RL_PARAM_REAL) {
        double a, b;
        ok = doc_number(def, &a) == 0 && doc_number(d, &b) == 0 && a == b;
    } else if (p->kind == RL_PARAM_BOOL) {
        int a, b;
        ok = doc_bool(def, &a) == 0 && doc_bool(d, &b) == 0 && a == b;
    } else {
        ok = strcmp(def, d) == 0;
    }
    if (!ok) report(file, line, sec, p->key, "default is '%s', documented as '%s'", def, d);
}

/* The `words` of a cell, joined with '|'. */
static void code_words(const char *cell, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *c = strchr(cell, '`'); c; c = strchr(c, '`')) {
        const char *e = strchr(c + 1, '`');
        if (!e) break;
        int w = snprintf(out + n, len - n, "%s%.*s", n ? "|" : "", (int)(e - c - 1), c + 1);
        if (w < 0 || (size_t)w >= len - n) break;
        n += (size_t)w;
        c = e + 1;
    }
}

static void check_range(const char *file, int line, const char *sec, const rl_param *p,
                        const char *cell)
{
    if (p->kind == RL_PARAM_CHOICE) {
        char words[512];
        code_words(cell, words, sizeof words);
        if (strcmp(words, p->choices ? p->choices : "") != 0)
            report(file, line, sec, p->key, "choices are %s, documented as '%s'", p->choices, cell);
        return;
    }
    if (p->kind == RL_PARAM_BOOL) {
        char words[64];
        code_words(cell, words, sizeof words);
        if (cell[0] && strcmp(words, "true|false") != 0)
            report(file, line, sec, p->key, "a bool, documented with the range '%s'", cell);
        return;
    }
    if (p->kind != RL_PARAM_INT && p->kind != RL_PARAM_REAL) return; /* free text */
    int ranged = p->min != 0 || p->max != 0;
    if (!ranged) {
        if (cell[0] == '[')
            report(file, line, sec, p->key, "has no range, documented as '%s'", cell);
        return;
    }
    /* "[min, max]" first in the cell; a comment may follow. */
    char lo[128], hi[128], r[80];
    const char *comma = strchr(cell, ',');
    const char *close = strchr(cell, ']');
    double a, b;
    if (cell[0] != '[' || !comma || !close || comma > close ||
        comma - cell - 1 >= (long)sizeof lo || close - comma - 1 >= (long)sizeof hi) {
        report(file, line, sec, p->key, "range is %s, documented as '%s'",
               range_text(r, sizeof r, p), cell);
        return;
    }
    snprintf(lo, sizeof lo, "%.*s", (int)(comma - cell - 1), cell + 1);
    snprintf(hi, sizeof hi, "%.*s", (int)(close - comma - 1), comma + 1);
    if (doc_number(lo, &a) != 0 || doc_number(hi, &b) != 0 || a != p->min || b != p->max)
        report(file, line, sec, p->key, "range is %s, documented as '%s'",
               range_text(r, sizeof r, p), cell);
}

/* Split a table row into at most max cells (a '|' after a backslash is
 * text). Returns the number of cells; each trimmed, in place. */
static int split_row(char *row, char **cells, int max)
{
    int n = 0;
    char *c = row;
    while (*c == ' ') c++;
    if (*c != '|') return 0;
    c++;
    while (*c && n < max) {
        char *start = c;
        while (*c && !(*c == '|' && c[-1] != '\\')) c++;
        if (!*c) break;
        *c++ = '\0';
        while (*start == ' ') start++;
        char *e = start + strlen(start);
        while (e > start && e[-1] == ' ') *--e = '\0';
        cells[n++] = start;
    }
    return n;
}

/* The section a heading names: the first `[name]` in it; "*" for the
 * heading of the environments' common keys; NULL for none. */
static int heading_section(const char *line, char *out, size_t len)
{
    const char *b = strstr(line, "`[");
    if (b) {
        const char *e = strstr(b, "]`");
        if (e && (size_t)(e - b - 2) < len) {
            snprintf(out, len, "%.*s", (int)(e - b - 2), b + 2);
            return 1;
        }
    }
    if (strstr(line, "Environment sections")) {
        snprintf(out, len, "*");
        return 1;
    }
    return 0;
}

typedef struct doc_row {
    char section[64];
    char key[64];
    int line;
} doc_row;

static doc_row rows[MAX_ROWS];
static size_t nrows;

static int documented(const char *sec, const char *key)
{
    for (size_t i = 0; i < nrows; i++)
        if (strcmp(rows[i].section, sec) == 0 && strcmp(rows[i].key, key) == 0) return 1;
    return 0;
}

/* 1 when section s is an environment's (it takes the common keys). */
static int is_env_section(const section *s) { return s->tables[1] == rl_env_common_params; }

static int check_config_md(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "keydoc: cannot open '%s'\n", path);
        return -1;
    }
    char line[8192], cur[64] = "";
    int level = 0, lineno = 0, in_table = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#') {
            int lv = (int)strspn(line, "#");
            char name[64];
            if (heading_section(line, name, sizeof name)) {
                snprintf(cur, sizeof cur, "%s", name);
                level = lv;
            } else if (lv <= level) {
                cur[0] = '\0';
                level = 0;
            }
            in_table = 0;
            continue;
        }
        if (line[0] != '|') {
            in_table = 0;
            continue;
        }
        char *cells[8];
        int n = split_row(line, cells, 8);
        if (!in_table) {
            /* A key table starts with the header "| key | type | ...". */
            if (n >= 1 && strcmp(cells[0], "key") == 0) {
                in_table = 1;
                if (!cur[0]) {
                    fprintf(stderr, "%s:%d: a table of keys outside any section's heading\n", path,
                            lineno);
                    problems++;
                }
            }
            continue;
        }
        if (n >= 1 && cells[0][0] == '-') continue; /* | --- | --- | */
        if (!cur[0]) continue;
        if (n != 5) {
            fprintf(stderr,
                    "%s:%d: [%s] a row of %d cells, not 5 (key, type, default, range, "
                    "meaning)\n",
                    path, lineno, cur, n);
            problems++;
            continue;
        }
        const char *key = unquote(cells[0]);
        if (!cells[4][0]) report(path, lineno, cur, key, "no meaning given");
        const section *s = find_section(cur);
        const rl_param *p = s ? find_param(s, key) : NULL;
        if (!s) {
            report(path, lineno, cur, key, "documented, but no table declares section [%s]", cur);
            continue;
        }
        if (!p) {
            report(path, lineno, cur, key, "documented, but not a key of [%s]", cur);
            continue;
        }
        if (documented(cur, key)) {
            report(path, lineno, cur, key, "documented twice");
            continue;
        }
        if (nrows < MAX_ROWS) {
            snprintf(rows[nrows].section, sizeof rows[nrows].section, "%s", cur);
            snprintf(rows[nrows].key, sizeof rows[nrows].key, "%s", key);
            rows[nrows].line = lineno;
            nrows++;
        }
        check_type(path, lineno, cur, p, cells[1]);
        check_default(path, lineno, cur, p, cells[2]);
        check_range(path, lineno, cur, p, cells[3]);
    }
    fclose(f);
    /* The other way: every declared key is documented in its section (an
     * environment's common keys may be, once, in the common table). */
    for (size_t i = 0; i < nsections; i++) {
        const section *s = &sections[i];
        for (int t = 0; t < 2; t++) {
            if (t == 1 && !is_env_section(s)) continue;
            for (const rl_param *p = s->tables[t]; p && p->key; p++)
                if (!documented(s->name, p->key) && !(t == 1 && documented("*", p->key)))
                    report(path, 0, s->name, p->key, "a key of the %s, not documented in %s",
                           strcmp(s->name, "*") == 0 ? "environments' common table"
                                                     : "section's table",
                           path);
        }
    }
    return 0;
}

/* rlrun.1: under a heading `.SS "[NAME] keys"`, each key is the first word
 * of the `.B` or `.BR` line after a `.TP`. The lists of [run] and of every
 * algorithm ([ppo], [qlearn]) must be exactly the tables' keys. */
static int check_man(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "keydoc: cannot open '%s'\n", path);
        return -1;
    }
    char line[4096], cur[64] = "";
    int lineno = 0, after_tp = 0;
    size_t first = nrows;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, ".SH", 3) == 0 || strncmp(line, ".SS", 3) == 0) {
            cur[0] = '\0';
            const char *b = strchr(line, '[');
            const char *e = b ? strstr(b, "] keys") : NULL;
            if (strncmp(line, ".SS", 3) == 0 && e && (size_t)(e - b - 1) < sizeof cur)
                snprintf(cur, sizeof cur, "%.*s", (int)(e - b - 1), b + 1);
            after_tp = 0;
            continue;
        }
        if (strcmp(line, ".TP") == 0) {
            after_tp = 1;
            continue;
        }
        if (after_tp && cur[0] && (strncmp(line, ".B ", 3) == 0 || strncmp(line, ".BR ", 4) == 0)) {
            char key[64];
            const char *k = line + (line[2] == ' ' ? 3 : 4);
            size_t n = strcspn(k, " \"");
            if (n >= sizeof key) n = sizeof key - 1;
            snprintf(key, sizeof key, "%.*s", (int)n, k);
            /* roff writes an underscore as itself, a hyphen as \-. */
            const section *s = find_section(cur);
            if (!s || !find_param(s, key))
                report(path, lineno, cur, key, "in the manual, but not a key of [%s]", cur);
            else if (nrows < MAX_ROWS) {
                snprintf(rows[nrows].section, sizeof rows[nrows].section, "man:%s", cur);
                snprintf(rows[nrows].key, sizeof rows[nrows].key, "%s", key);
                rows[nrows].line = lineno;
                nrows++;
            }
        }
        after_tp = 0;
    }
    fclose(f);
    for (size_t c = 0; c <= rl_algo_count(); c++) {
        const char *name = c == 0 ? "run" : rl_algo_at(c - 1)->name;
        const section *s = find_section(name);
        char tag[80];
        snprintf(tag, sizeof tag, "man:%s", name);
        for (const rl_param *p = s ? s->tables[0] : NULL; p && p->key; p++) {
            int found = 0;
            for (size_t i = first; i < nrows; i++)
                if (strcmp(rows[i].section, tag) == 0 && strcmp(rows[i].key, p->key) == 0)
                    found = 1;
            if (!found)
                report(path, 0, name, p->key,
                       "a key of the table, not in the manual's "
                       "\"[%s] keys\"",
                       name);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    int check = argc >= 3 && argc <= 4 && strcmp(argv[1], "--check") == 0;
    if (argc != 1 && !check) {
        fputs("usage: keydoc [--check CONFIG.md [RLRUN.1]]\n", stderr);
        return 2;
    }
    rl_error err = {0};
    rl_registry *reg = rl_registry_alloc(&err);
    if (!reg) {
        fprintf(stderr, "keydoc: %s\n", err.msg);
        return 2;
    }
    if (rl_registry_load_all(reg) != RL_OK) {
        fprintf(stderr, "keydoc: %s\n", rl_registry_errmsg(reg));
        rl_registry_free(reg);
        return 2;
    }
    add_section("run", rl_run_params, NULL);
    for (size_t i = 0; i < rl_algo_count(); i++)
        add_section(rl_algo_at(i)->name, rl_algo_at(i)->params, NULL);
    add_section("*", rl_env_common_params, NULL);
    for (size_t i = 0; i < rl_registry_env_count(reg); i++) {
        const rl_env_type *t = rl_registry_env_at(reg, i);
        add_section(t->name, t->params, rl_env_common_params);
    }
    int status = 0;
    if (!check) {
        print_all();
    } else {
        if (check_config_md(argv[2]) != 0 || (argc == 4 && check_man(argv[3]) != 0))
            status = 2;
        else if (problems) {
            fprintf(stderr,
                    "keydoc: %d difference%s between the key tables and the documentation\n",
                    problems, problems == 1 ? "" : "s");
            status = 1;
        }
    }
    rl_registry_free(reg);
    return status;
}
