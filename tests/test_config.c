/* Tests for librl's configuration module (rl/config.h): loading INI text and
 * files, --set overrides, declarations, typed getters with their ranges,
 * validation messages, and writing the resolved configuration back out. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, unlink, chmod */

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rl/config.h>
#include <rl/run.h>

#include "testutil.h"

/* ---- declarations used throughout ------------------------------------------------ */

/* A made-up [job] section for the parser's own tests (the library's
 * [job] is rl_run_params, tested in test_run_read). */
static const rl_param job_params[] = {
    {.key = "env", .kind = RL_PARAM_STRING, .help = "Environment name."},
    {.key = "algorithm", .kind = RL_PARAM_CHOICE, .def = "qlearn", .choices = "ppo|qlearn",
     .help = "Learning algorithm."},
    {.key = "seed", .kind = RL_PARAM_INT, .def = "0", .help = "Seed (no range)."},
    {.key = "total_steps", .kind = RL_PARAM_INT, .min = 1, .max = 1e9,
     .help = "Required: no default."},
    {.key = "output", .kind = RL_PARAM_STRING, .def = "runs/out", .help = "Output folder."},
    {.key = NULL}};

static const rl_param qlearn_params[] = {
    {.key = "learning_rate", .kind = RL_PARAM_REAL, .def = "0.1", .min = 0, .max = 1,
     .help = "Step size."},
    {.key = "discount", .kind = RL_PARAM_REAL, .def = "0.99", .min = 0, .max = 1,
     .help = "Discount factor."},
    {.key = "episodes", .kind = RL_PARAM_INT, .def = "100", .min = 1, .max = 1000000,
     .help = "Training episodes."},
    {.key = "exploration", .kind = RL_PARAM_CHOICE, .def = "e_greedy",
     .choices = "e_greedy|softmax|greedy", .help = "How actions are explored."},
    {.key = NULL}};

/* Keys every algorithm shares: a second table for the same section. */
static const rl_param common_params[] = {
    {.key = "verbose", .kind = RL_PARAM_BOOL, .def = "no", .help = "Print progress."},
    {.key = "name", .kind = RL_PARAM_STRING, .def = "agent", .help = "Run name."},
    {.key = NULL}};

/* One key of each kind, with small ranges, for the parsing tests. */
static const rl_param kinds_params[] = {
    {.key = "i", .kind = RL_PARAM_INT, .def = "5", .min = 0, .max = 10, .help = "An int."},
    {.key = "r", .kind = RL_PARAM_REAL, .def = "0.5", .min = -1, .max = 1, .help = "A real."},
    {.key = "b", .kind = RL_PARAM_BOOL, .def = "true", .help = "A bool."},
    {.key = "c", .kind = RL_PARAM_CHOICE, .def = "a", .choices = "a|b|c", .help = "A choice."},
    {.key = "s", .kind = RL_PARAM_STRING, .def = "hello", .help = "A string."},
    {.key = NULL}};

static rl_config *cfg;

static void declare_all(rl_config *c)
{
    ck_assert_int_eq(rl_config_declare(c, "job", job_params), RL_OK);
    ck_assert_int_eq(rl_config_declare(c, "qlearn", qlearn_params), RL_OK);
    ck_assert_int_eq(rl_config_declare(c, "qlearn", common_params), RL_OK);
    ck_assert_int_eq(rl_config_declare(c, "t", kinds_params), RL_OK);
}

/* ---- temporary files, removed by the fixture ----------------------------------- */

#define MAX_TEMPS 8
static char temps[MAX_TEMPS][64];
static int ntemps;

/* Write text (len bytes) to a new file in /tmp and return its path. */
static const char *temp_file_n(const char *text, size_t len)
{
    ck_assert_int_lt(ntemps, MAX_TEMPS);
    char *path = temps[ntemps++];
    strcpy(path, "/tmp/rl_test_config_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static const char *temp_file(const char *text) { return temp_file_n(text, strlen(text)); }

static void setup(void)
{
    ntemps = 0;
    cfg = rl_config_alloc(NULL);
    ck_assert_ptr_nonnull(cfg);
    declare_all(cfg);
}

static void teardown(void)
{
    rl_config_free(cfg);
    cfg = NULL;
    for (int i = 0; i < ntemps; i++) unlink(temps[i]);
    ntemps = 0;
}

/* The last message must contain `want`. */
#define ck_assert_msg_has(c, want)                                                     \
    do {                                                                               \
        const char *m_ = rl_config_errmsg(c);                                          \
        ck_assert_msg(strstr(m_, (want)) != NULL, "message \"%s\" lacks \"%s\"", m_, \
                      (want));                                                         \
    } while (0)

/* ---- loading and reading ---------------------------------------------------------- */

START_TEST(test_alloc_free)
{
    rl_error err = {0};
    rl_config *c = rl_config_alloc(&err);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(rl_config_errmsg(c), "");
    rl_config_free(c);
    rl_config_free(NULL);
    ck_assert_str_eq(rl_config_errmsg(NULL), "");
}
END_TEST

START_TEST(test_load_string_and_get)
{
    const char *text = "; a comment\n"
                       "[qlearn]\n"
                       "learning_rate = 0.25\n"
                       "episodes=42\n"
                       "exploration = softmax\n"
                       "verbose = yes\n"
                       "[job]\n"
                       "env = gridworld\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "q.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_OK);

    double lr;
    int64_t episodes;
    const char *s;
    int verbose;
    ck_assert_int_eq(rl_config_get_real(cfg, "qlearn", "learning_rate", &lr), RL_OK);
    ck_assert_double_eq(lr, 0.25);
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "episodes", &episodes), RL_OK);
    ck_assert_int_eq(episodes, 42);
    ck_assert_int_eq(rl_config_get_string(cfg, "qlearn", "exploration", &s), RL_OK);
    ck_assert_str_eq(s, "softmax");
    ck_assert_int_eq(rl_config_get_bool(cfg, "qlearn", "verbose", &verbose), RL_OK);
    ck_assert_int_eq(verbose, 1);
    ck_assert_int_eq(rl_config_get_string(cfg, "job", "env", &s), RL_OK);
    ck_assert_str_eq(s, "gridworld");

    ck_assert_str_eq(rl_config_where(cfg, "qlearn", "learning_rate"), "q.ini:3");
    ck_assert_str_eq(rl_config_where(cfg, "job", "env"), "q.ini:8");
    ck_assert_int_eq(rl_config_has(cfg, "qlearn", "episodes"), 1);
    ck_assert_int_eq(rl_config_has(cfg, "qlearn", "discount"), 0);
}
END_TEST

START_TEST(test_defaults)
{
    double d;
    int64_t i;
    int b;
    const char *s;
    ck_assert_int_eq(rl_config_get_real(cfg, "qlearn", "discount", &d), RL_OK);
    ck_assert_double_eq(d, 0.99);
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "episodes", &i), RL_OK);
    ck_assert_int_eq(i, 100);
    ck_assert_int_eq(rl_config_get_bool(cfg, "qlearn", "verbose", &b), RL_OK);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(rl_config_get_string(cfg, "qlearn", "exploration", &s), RL_OK);
    ck_assert_str_eq(s, "e_greedy");
    ck_assert_int_eq(rl_config_get_string(cfg, "qlearn", "name", &s), RL_OK);
    ck_assert_str_eq(s, "agent");
    /* A string with no default reads as empty. */
    ck_assert_int_eq(rl_config_get_string(cfg, "job", "env", &s), RL_OK);
    ck_assert_str_eq(s, "");
    ck_assert_str_eq(rl_config_where(cfg, "qlearn", "discount"), "default");
    ck_assert_int_eq(rl_config_has(cfg, "qlearn", "discount"), 0);
}
END_TEST

START_TEST(test_required_key)
{
    int64_t n;
    ck_assert_int_eq(rl_config_get_int(cfg, "job", "total_steps", &n), RL_ENOTFOUND);
    ck_assert_msg_has(cfg, "missing required key [job] total_steps");
    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\ntotal_steps = 5000\n", "r.ini"), RL_OK);
    ck_assert_int_eq(rl_config_get_int(cfg, "job", "total_steps", &n), RL_OK);
    ck_assert_int_eq(n, 5000);
}
END_TEST

START_TEST(test_indent_comments_crlf_bom)
{
    /* Indented keys are keys (not continuations), inline comments end a
     * value, a ';' not after a blank is part of it, CRLF and a BOM are fine. */
    const char *text = "\xEF\xBB\xBF[t]\r\n"
                       "    i = 7 ; seven\r\n"
                       "    r = -0.75\r\n"
                       "# a comment\r\n"
                       "\t s = a;b=c:d #e\r\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "t.ini"), RL_OK);
    int64_t i;
    double r;
    const char *s;
    ck_assert_int_eq(rl_config_get_int(cfg, "t", "i", &i), RL_OK);
    ck_assert_int_eq(i, 7);
    ck_assert_int_eq(rl_config_get_real(cfg, "t", "r", &r), RL_OK);
    ck_assert_double_eq(r, -0.75);
    ck_assert_int_eq(rl_config_get_string(cfg, "t", "s", &s), RL_OK);
    ck_assert_str_eq(s, "a;b=c:d #e");
    ck_assert_str_eq(rl_config_where(cfg, "t", "s"), "t.ini:5");
}
END_TEST

/* ---- syntax errors ----------------------------------------------------------------- */

START_TEST(test_key_before_section)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "; header\nseed = 1\n[job]\n", "a.ini"),
                     RL_ESYNTAX);
    ck_assert_msg_has(cfg, "a.ini:2: ");
    ck_assert_msg_has(cfg, "key 'seed' comes before any [section]");
}
END_TEST

START_TEST(test_empty_section_name)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "[]\nseed = 1\n", "a.ini"), RL_ESYNTAX);
    ck_assert_msg_has(cfg, "a.ini:2: ");
    ck_assert_msg_has(cfg, "empty name");
}
END_TEST

START_TEST(test_duplicate_key)
{
    const char *text = "[job]\nseed = 1\nenv = x\nseed = 2\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "d.ini"), RL_ESYNTAX);
    ck_assert_str_eq(rl_config_errmsg(cfg),
                     "d.ini:4: [job] key 'seed' is repeated (first given at line 2)");
    /* Also when the section is opened a second time in the same file. */
    text = "[job]\nseed = 1\n[t]\ni = 1\n[job]\nseed = 2\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "d.ini"), RL_ESYNTAX);
    ck_assert_msg_has(cfg, "d.ini:6: [job] key 'seed' is repeated");
}
END_TEST

START_TEST(test_syntax_errors)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\nseed = 1\n[ppo\n", "s.ini"),
                     RL_ESYNTAX);
    ck_assert_str_eq(rl_config_errmsg(cfg), "s.ini:3: '[ppo' has no closing ']'");

    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\n\n  just words\n", "s.ini"),
                     RL_ESYNTAX);
    ck_assert_msg_has(cfg, "s.ini:3: 'just words' is not 'key = value'");

    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\n= 4\n", "s.ini"), RL_ESYNTAX);
    ck_assert_msg_has(cfg, "s.ini:2: [job] '=' with no key");

    /* The first problem wins, whether inih or the handler finds it. */
    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\nbad\nseed=1\nseed=2\n", "s.ini"),
                     RL_ESYNTAX);
    ck_assert_msg_has(cfg, "s.ini:2: 'bad'");
    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\nseed=1\nseed=2\nbad\n", "s.ini"),
                     RL_ESYNTAX);
    ck_assert_msg_has(cfg, "s.ini:3: [job] key 'seed' is repeated");

    /* Without a name, messages still say where. */
    ck_assert_int_eq(rl_config_load_string(cfg, "x = 1\n", NULL), RL_ESYNTAX);
    ck_assert_msg_has(cfg, "<string>:1: ");
}
END_TEST

START_TEST(test_long_lines)
{
    char text[600];
    char filler[300];
    memset(filler, 'x', 250);
    filler[250] = '\0';
    /* A long comment is fine: only its first character matters. */
    snprintf(text, sizeof text, "[job]\n; %s\nenv = e\n", filler);
    ck_assert_int_eq(rl_config_load_string(cfg, text, "l.ini"), RL_OK);
    /* A long value would be cut by inih: an error, not a silent split. */
    snprintf(text, sizeof text, "[job]\nenv = %s\n", filler);
    ck_assert_int_eq(rl_config_load_string(cfg, text, "l.ini"), RL_ESYNTAX);
    ck_assert_msg_has(cfg, "l.ini:2: line is too long");
}
END_TEST

START_TEST(test_failed_load_changes_nothing)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "[t]\ni = 3\n", "a.ini"), RL_OK);
    ck_assert_int_eq(rl_config_load_string(cfg, "[t]\ni = 4\ns = new\noops\n", "b.ini"),
                     RL_ESYNTAX);
    int64_t i;
    ck_assert_int_eq(rl_config_get_int(cfg, "t", "i", &i), RL_OK);
    ck_assert_int_eq(i, 3);
    ck_assert_str_eq(rl_config_where(cfg, "t", "i"), "a.ini:2");
    ck_assert_int_eq(rl_config_has(cfg, "t", "s"), 0);
}
END_TEST

/* ---- real files ------------------------------------------------------------------- */

START_TEST(test_load_file)
{
    const char *path = temp_file("[qlearn]\nlearning_rate = 0.5\n\nepisodes = 7\n");
    ck_assert_int_eq(rl_config_load(cfg, path), RL_OK);
    double lr;
    ck_assert_int_eq(rl_config_get_real(cfg, "qlearn", "learning_rate", &lr), RL_OK);
    ck_assert_double_eq(lr, 0.5);
    char where[128];
    snprintf(where, sizeof where, "%s:4", path);
    ck_assert_str_eq(rl_config_where(cfg, "qlearn", "episodes"), where);
}
END_TEST

START_TEST(test_file_errors_name_path_and_line)
{
    char want[160];
    const char *path = temp_file("[job]\nseed = 1\nseed = 2\n");
    ck_assert_int_eq(rl_config_load(cfg, path), RL_ESYNTAX);
    snprintf(want, sizeof want, "%s:3: [job] key 'seed' is repeated", path);
    ck_assert_msg_has(cfg, want);

    path = temp_file("x = 1\n");
    ck_assert_int_eq(rl_config_load(cfg, path), RL_ESYNTAX);
    snprintf(want, sizeof want, "%s:1: key 'x' comes before any [section]", path);
    ck_assert_msg_has(cfg, want);

    path = temp_file("[qlearn]\nepisodes = 0\n");
    ck_assert_int_eq(rl_config_load(cfg, path), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ERANGE);
    snprintf(want, sizeof want, "%s:2: [qlearn] episodes: 0 is out of range [1, 1000000]",
             path);
    ck_assert_str_eq(rl_config_errmsg(cfg), want);
}
END_TEST

START_TEST(test_missing_file)
{
    const char *path = "/tmp/rl_test_config_no_such_dir/none.ini";
    ck_assert_int_eq(rl_config_load(cfg, path), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(cfg), "cannot open config "
                     "'/tmp/rl_test_config_no_such_dir/none.ini': No such file or directory");
}
END_TEST

START_TEST(test_unreadable_file)
{
    /* A directory opens but cannot be read. */
    ck_assert_int_eq(rl_config_load(cfg, "/tmp"), RL_EIO);
    ck_assert_msg_has(cfg, "config '/tmp'");

    /* Permissions do not stop root, so only check them as another user. */
    if (geteuid() != 0) {
        const char *path = temp_file("[job]\n");
        ck_assert_int_eq(chmod(path, 0), 0);
        ck_assert_int_eq(rl_config_load(cfg, path), RL_EIO);
        ck_assert_msg_has(cfg, "cannot open config");
        ck_assert_msg_has(cfg, "Permission denied");
    }
}
END_TEST

START_TEST(test_nul_byte)
{
    const char *path = temp_file_n("[job]\nenv = a\0b\n", 15);
    ck_assert_int_eq(rl_config_load(cfg, path), RL_ESYNTAX);
    ck_assert_msg_has(cfg, ":2: NUL byte");
}
END_TEST

START_TEST(test_later_file_wins)
{
    const char *a = temp_file("[qlearn]\nepisodes = 10\ndiscount = 0.5\n");
    const char *b = temp_file("[qlearn]\n\nepisodes = 20\n");
    ck_assert_int_eq(rl_config_load(cfg, a), RL_OK);
    ck_assert_int_eq(rl_config_load(cfg, b), RL_OK);
    int64_t n;
    double d;
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "episodes", &n), RL_OK);
    ck_assert_int_eq(n, 20);
    ck_assert_int_eq(rl_config_get_real(cfg, "qlearn", "discount", &d), RL_OK);
    ck_assert_double_eq(d, 0.5);
    char where[128];
    snprintf(where, sizeof where, "%s:3", b);
    ck_assert_str_eq(rl_config_where(cfg, "qlearn", "episodes"), where);
    snprintf(where, sizeof where, "%s:3", a);
    ck_assert_str_eq(rl_config_where(cfg, "qlearn", "discount"), where);
}
END_TEST

/* ---- --set ------------------------------------------------------------------------- */

START_TEST(test_set_overrides_file)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "[qlearn]\nepisodes = 10\n", "f.ini"), RL_OK);
    ck_assert_int_eq(rl_config_set(cfg, "qlearn.episodes=30"), RL_OK);
    int64_t n;
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "episodes", &n), RL_OK);
    ck_assert_int_eq(n, 30);
    ck_assert_str_eq(rl_config_where(cfg, "qlearn", "episodes"), "--set");

    /* A later --set replaces an earlier one, and a file loaded after a
     * --set does not undo it. */
    ck_assert_int_eq(rl_config_set(cfg, "qlearn.episodes=40"), RL_OK);
    ck_assert_int_eq(rl_config_load_string(cfg, "[qlearn]\nepisodes = 50\n", "g.ini"), RL_OK);
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "episodes", &n), RL_OK);
    ck_assert_int_eq(n, 40);
    ck_assert_str_eq(rl_config_where(cfg, "qlearn", "episodes"), "--set");
    ck_assert_int_eq(rl_config_has(cfg, "qlearn", "episodes"), 1);
}
END_TEST

START_TEST(test_set_parsing)
{
    const char *s;
    int64_t n;
    /* Blanks around the parts are trimmed. */
    ck_assert_int_eq(rl_config_set(cfg, "  t . i  =  4  "), RL_OK);
    ck_assert_int_eq(rl_config_get_int(cfg, "t", "i", &n), RL_OK);
    ck_assert_int_eq(n, 4);
    /* Split at the first '.' and the first '=': the value keeps both. */
    ck_assert_int_eq(rl_config_set(cfg, "job.output=runs/v1.2=final"), RL_OK);
    ck_assert_int_eq(rl_config_get_string(cfg, "job", "output", &s), RL_OK);
    ck_assert_str_eq(s, "runs/v1.2=final");
    /* An empty value is a value. */
    ck_assert_int_eq(rl_config_set(cfg, "job.env="), RL_OK);
    ck_assert_int_eq(rl_config_get_string(cfg, "job", "env", &s), RL_OK);
    ck_assert_str_eq(s, "");
    ck_assert_int_eq(rl_config_has(cfg, "job", "env"), 1);
}
END_TEST

START_TEST(test_set_malformed)
{
    static const char *bad[] = {"seed", "seed=1", "=1", ".seed=1", "job.=1",
                                "run=a.b", "", " . = 3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(rl_config_set(cfg, bad[i]), RL_EINVAL);
        char want[64];
        snprintf(want, sizeof want, "--set '%s': expected section.key=value", bad[i]);
        ck_assert_msg_has(cfg, want);
    }
}
END_TEST

START_TEST(test_set_unwritable_values)
{
    /* Values an INI file could not hold are refused, so that
     * rl_config_write can always write what it was given. */
    ck_assert_int_eq(rl_config_set(cfg, "job.env=a ;b"), RL_EINVAL);
    ck_assert_msg_has(cfg, "--set 'job.env=a ;b': the value contains a blank followed by ';'");
    ck_assert_int_eq(rl_config_set(cfg, "job.env=;b"), RL_EINVAL);
    ck_assert_msg_has(cfg, "starts with ';'");
    ck_assert_int_eq(rl_config_set(cfg, "job.env=a\nb"), RL_EINVAL);
    ck_assert_msg_has(cfg, "line break");

    /* "output=VALUE" must fit in inih's 200-byte line with "\n" and NUL. */
    char text[300];
    char value[200];
    memset(value, 'v', 191);
    value[191] = '\0';
    snprintf(text, sizeof text, "job.output=%s", value);
    ck_assert_int_eq(rl_config_set(cfg, text), RL_OK);
    memset(value, 'v', 192);
    value[192] = '\0';
    snprintf(text, sizeof text, "job.output=%s", value);
    ck_assert_int_eq(rl_config_set(cfg, text), RL_EINVAL);
    ck_assert_msg_has(cfg, "too long");
}
END_TEST

START_TEST(test_set_bad_value_names_set)
{
    ck_assert_int_eq(rl_config_set(cfg, "t.i=x"), RL_OK);
    int64_t n;
    ck_assert_int_eq(rl_config_get_int(cfg, "t", "i", &n), RL_EINVAL);
    ck_assert_str_eq(rl_config_errmsg(cfg), "--set [t] i: 'x' is not an integer");
    ck_assert_int_eq(rl_config_validate(cfg), RL_EINVAL);
    ck_assert_str_eq(rl_config_errmsg(cfg), "--set [t] i: 'x' is not an integer");
}
END_TEST

/* ---- values of each kind: parsing and ranges ---------------------------------------- */

/* Put text in [t] KEY through --set. */
static void set_t(const char *key, const char *text)
{
    char assignment[128];
    snprintf(assignment, sizeof assignment, "t.%s=%s", key, text);
    ck_assert_int_eq(rl_config_set(cfg, assignment), RL_OK);
}

static int int_of(const char *text, int64_t *out)
{
    set_t("i", text);
    return rl_config_get_int(cfg, "t", "i", out);
}

static int real_of(const char *text, double *out)
{
    set_t("r", text);
    return rl_config_get_real(cfg, "t", "r", out);
}

static int bool_of(const char *text, int *out)
{
    set_t("b", text);
    return rl_config_get_bool(cfg, "t", "b", out);
}

static int choice_of(const char *text, const char **out)
{
    set_t("c", text);
    return rl_config_get_string(cfg, "t", "c", out);
}

START_TEST(test_int_values)
{
    int64_t v;
    ck_assert_int_eq(int_of("0", &v), RL_OK); /* both ends are inside */
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(int_of("10", &v), RL_OK);
    ck_assert_int_eq(v, 10);
    ck_assert_int_eq(int_of("+7", &v), RL_OK);
    ck_assert_int_eq(v, 7);
    ck_assert_int_eq(int_of("-0", &v), RL_OK);
    ck_assert_int_eq(v, 0);

    ck_assert_int_eq(int_of("-1", &v), RL_ERANGE);
    ck_assert_str_eq(rl_config_errmsg(cfg), "--set [t] i: -1 is out of range [0, 10]");
    ck_assert_int_eq(int_of("11", &v), RL_ERANGE);
    ck_assert_msg_has(cfg, "11 is out of range [0, 10]");

    static const char *not_int[] = {"", "3x", "1.5", "0x10", "1e3", "+", "-", "five"};
    for (size_t i = 0; i < sizeof not_int / sizeof not_int[0]; i++) {
        ck_assert_int_eq(int_of(not_int[i], &v), RL_EINVAL);
        char want[64];
        snprintf(want, sizeof want, "'%s' is not an integer", not_int[i]);
        ck_assert_msg_has(cfg, want);
    }
    ck_assert_int_eq(int_of("99999999999999999999", &v), RL_ERANGE);
    ck_assert_msg_has(cfg, "out of range for a 64-bit integer");
    ck_assert_int_eq(int_of("-99999999999999999999", &v), RL_ERANGE);

    /* min == max == 0: no range, the whole of int64_t. */
    ck_assert_int_eq(rl_config_set(cfg, "job.seed=-9223372036854775808"), RL_OK);
    ck_assert_int_eq(rl_config_get_int(cfg, "job", "seed", &v), RL_OK);
    ck_assert_int_eq(v, INT64_MIN);
    ck_assert_int_eq(rl_config_set(cfg, "job.seed=9223372036854775807"), RL_OK);
    ck_assert_int_eq(rl_config_get_int(cfg, "job", "seed", &v), RL_OK);
    ck_assert_int_eq(v, INT64_MAX);
}
END_TEST

START_TEST(test_real_values)
{
    double v;
    ck_assert_int_eq(real_of("-1", &v), RL_OK);
    ck_assert_double_eq(v, -1.0);
    ck_assert_int_eq(real_of("1", &v), RL_OK);
    ck_assert_double_eq(v, 1.0);
    ck_assert_int_eq(real_of("2.5e-1", &v), RL_OK);
    ck_assert_double_eq(v, 0.25);
    ck_assert_int_eq(real_of("1e-400", &v), RL_OK); /* underflow is just tiny */
    ck_assert_double_eq_tol(v, 0.0, 1e-300);

    ck_assert_int_eq(real_of("1.0000001", &v), RL_ERANGE);
    ck_assert_str_eq(rl_config_errmsg(cfg), "--set [t] r: 1.0000001 is out of range [-1, 1]");
    ck_assert_int_eq(real_of("-1.5", &v), RL_ERANGE);
    ck_assert_msg_has(cfg, "-1.5 is out of range [-1, 1]");
    ck_assert_int_eq(real_of("1e999", &v), RL_ERANGE);
    ck_assert_msg_has(cfg, "'1e999' is too large for a double");

    static const char *not_num[] = {"", "abc", "1.5x", "0.5 0.5", "--1"};
    for (size_t i = 0; i < sizeof not_num / sizeof not_num[0]; i++) {
        ck_assert_int_eq(real_of(not_num[i], &v), RL_EINVAL);
        char want[64];
        snprintf(want, sizeof want, "'%s' is not a number", not_num[i]);
        ck_assert_msg_has(cfg, want);
    }
    static const char *not_finite[] = {"nan", "NaN", "inf", "-inf", "infinity"};
    for (size_t i = 0; i < sizeof not_finite / sizeof not_finite[0]; i++) {
        ck_assert_int_eq(real_of(not_finite[i], &v), RL_EINVAL);
        ck_assert_msg_has(cfg, "is not a finite number");
    }
}
END_TEST

START_TEST(test_bool_values)
{
    static const struct {
        const char *text;
        int value;
    } ok[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1},
              {"off", 0},  {"1", 1},     {"0", 0},   {"TRUE", 1}, {"No", 0},
              {"oN", 1},   {"OFF", 0}};
    int v;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ck_assert_int_eq(bool_of(ok[i].text, &v), RL_OK);
        ck_assert_int_eq(v, ok[i].value);
    }
    static const char *bad[] = {"", "maybe", "2", "tru", "y", "yess"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(bool_of(bad[i], &v), RL_EINVAL);
        char want[64];
        snprintf(want, sizeof want, "--set [t] b: '%s' is not a boolean", bad[i]);
        ck_assert_msg_has(cfg, want);
    }
}
END_TEST

START_TEST(test_choice_values)
{
    const char *s;
    ck_assert_int_eq(choice_of("b", &s), RL_OK);
    ck_assert_str_eq(s, "b");
    ck_assert_int_eq(choice_of("c", &s), RL_OK);
    ck_assert_str_eq(s, "c");
    static const char *bad[] = {"x", "", "B", "a|b", "ab"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(choice_of(bad[i], &s), RL_EINVAL);
        char want[64];
        snprintf(want, sizeof want, "'%s' is not one of a|b|c", bad[i]);
        ck_assert_msg_has(cfg, want);
    }
    /* A near miss gets a suggestion. */
    ck_assert_int_eq(rl_config_load_string(cfg, "[qlearn]\nexploration = softmx\n", "c.ini"),
                     RL_OK);
    ck_assert_int_eq(rl_config_get_string(cfg, "qlearn", "exploration", &s), RL_EINVAL);
    ck_assert_str_eq(rl_config_errmsg(cfg), "c.ini:2: [qlearn] exploration: 'softmx' is not "
                     "one of e_greedy|softmax|greedy (did you mean 'softmax'?)");
}
END_TEST

START_TEST(test_string_values)
{
    const char *s;
    set_t("s", "anything at all: =, [x], #, a;b");
    ck_assert_int_eq(rl_config_get_string(cfg, "t", "s", &s), RL_OK);
    ck_assert_str_eq(s, "anything at all: =, [x], #, a;b");
}
END_TEST

START_TEST(test_bad_value_in_file_names_line)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "[t]\ns = x\ni = 12\n", "v.ini"), RL_OK);
    int64_t v;
    ck_assert_int_eq(rl_config_get_int(cfg, "t", "i", &v), RL_ERANGE);
    ck_assert_str_eq(rl_config_errmsg(cfg), "v.ini:3: [t] i: 12 is out of range [0, 10]");
    ck_assert_int_eq(rl_config_load_string(cfg, "[t]\ni = ten\n", "w.ini"), RL_OK);
    ck_assert_int_eq(rl_config_get_int(cfg, "t", "i", &v), RL_EINVAL);
    ck_assert_str_eq(rl_config_errmsg(cfg), "w.ini:2: [t] i: 'ten' is not an integer");
}
END_TEST

/* ---- getters used the wrong way ------------------------------------------------------ */

START_TEST(test_getter_misuse)
{
    int64_t i;
    double d;
    int b;
    const char *s;
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "learning_rate", &i), RL_EINVAL);
    ck_assert_msg_has(cfg, "[qlearn] learning_rate is declared as real");
    ck_assert_msg_has(cfg, "rl_config_get_real");
    ck_assert_int_eq(rl_config_get_real(cfg, "qlearn", "episodes", &d), RL_EINVAL);
    ck_assert_msg_has(cfg, "declared as int");
    ck_assert_int_eq(rl_config_get_bool(cfg, "qlearn", "name", &b), RL_EINVAL);
    ck_assert_msg_has(cfg, "declared as string");
    ck_assert_int_eq(rl_config_get_string(cfg, "qlearn", "verbose", &s), RL_EINVAL);
    ck_assert_msg_has(cfg, "declared as bool");
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "exploration", &i), RL_EINVAL);
    ck_assert_msg_has(cfg, "declared as choice; read it with rl_config_get_string");

    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "nope", &i), RL_ENOTFOUND);
    ck_assert_msg_has(cfg, "[qlearn] nope is not declared");
    ck_assert_int_eq(rl_config_get_int(cfg, "nosection", "x", &i), RL_ENOTFOUND);
    ck_assert_int_eq(rl_config_get_int(cfg, "t", "i", NULL), RL_EINVAL);
    ck_assert_int_eq(rl_config_get_int(NULL, "t", "i", &i), RL_EINVAL);
}
END_TEST

/* ---- declarations ------------------------------------------------------------------- */

START_TEST(test_multiple_tables)
{
    const char *text = "[qlearn]\nepisodes = 3\nverbose = on\nname = bob\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "m.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_OK);
    int64_t n;
    int b;
    const char *s;
    ck_assert_int_eq(rl_config_get_int(cfg, "qlearn", "episodes", &n), RL_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(rl_config_get_bool(cfg, "qlearn", "verbose", &b), RL_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(rl_config_get_string(cfg, "qlearn", "name", &s), RL_OK);
    ck_assert_str_eq(s, "bob");
    ck_assert_int_eq(rl_config_is_declared(cfg, "qlearn"), 1);
    ck_assert_int_eq(rl_config_is_declared(cfg, "ppo"), 0);

    /* Suggestions look in every table of the section. */
    ck_assert_int_eq(rl_config_load_string(cfg, "[qlearn]\nverbos = 1\n", "m2.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(cfg),
                     "m2.ini:2: [qlearn] unknown key 'verbos' (did you mean 'verbose'?)");
}
END_TEST

START_TEST(test_declare_errors)
{
    /* The same key in two tables of a section, or twice in one table. */
    static const rl_param again[] = {
        {.key = "discount", .kind = RL_PARAM_REAL, .def = "0.9", .min = 0, .max = 1},
        {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "qlearn", again), RL_EINVAL);
    ck_assert_msg_has(cfg, "[qlearn] key 'discount' is declared twice");
    static const rl_param twice[] = {
        {.key = "a", .kind = RL_PARAM_INT, .def = "1"},
        {.key = "a", .kind = RL_PARAM_INT, .def = "1"},
        {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "new", twice), RL_EINVAL);
    ck_assert_msg_has(cfg, "[new] key 'a' is declared twice");
    ck_assert_int_eq(rl_config_is_declared(cfg, "new"), 0);

    /* A failed declaration leaves the section as it was. */
    double d;
    ck_assert_int_eq(rl_config_get_real(cfg, "qlearn", "discount", &d), RL_OK);
    ck_assert_double_eq(d, 0.99);

    static const rl_param bad_default[] = {
        {.key = "n", .kind = RL_PARAM_INT, .def = "11", .min = 0, .max = 10}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", bad_default), RL_EINVAL);
    ck_assert_msg_has(cfg, "[x] n: bad default: 11 is out of range [0, 10]");

    static const rl_param bad_choice_default[] = {
        {.key = "c", .kind = RL_PARAM_CHOICE, .def = "z", .choices = "a|b"}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", bad_choice_default), RL_EINVAL);
    ck_assert_msg_has(cfg, "'z' is not one of a|b");

    static const rl_param no_choices[] = {
        {.key = "c", .kind = RL_PARAM_CHOICE, .def = "a"}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", no_choices), RL_EINVAL);
    ck_assert_msg_has(cfg, "choices must be words separated by '|'");

    static const rl_param empty_word[] = {
        {.key = "c", .kind = RL_PARAM_CHOICE, .def = "a", .choices = "a||b"}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", empty_word), RL_EINVAL);

    static const rl_param bad_range[] = {
        {.key = "r", .kind = RL_PARAM_REAL, .def = "1", .min = 2, .max = 1}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", bad_range), RL_EINVAL);
    ck_assert_msg_has(cfg, "[x] r: min is above max");

    static const rl_param bad_name[] = {
        {.key = "two words", .kind = RL_PARAM_STRING}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", bad_name), RL_EINVAL);
    ck_assert_msg_has(cfg, "'two words' is not a valid key name");

    static const rl_param bad_kind[] = {{.key = "k", .kind = RL_PARAM_END}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", bad_kind), RL_EINVAL);
    ck_assert_msg_has(cfg, "invalid kind 0");

    static const rl_param unwritable_default[] = {
        {.key = "s", .kind = RL_PARAM_STRING, .def = "a ; b"}, {.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "x", unwritable_default), RL_EINVAL);
    ck_assert_msg_has(cfg, "[x] s: the default contains a blank followed by ';'");

    ck_assert_int_eq(rl_config_declare(cfg, "a.b", kinds_params), RL_EINVAL);
    ck_assert_msg_has(cfg, "'a.b' is not a valid section name");
    ck_assert_int_eq(rl_config_declare(cfg, "x", NULL), RL_EINVAL);
    ck_assert_int_eq(rl_config_is_declared(cfg, "x"), 0);

    /* A section with no keys is allowed. */
    static const rl_param none[] = {{.key = NULL}};
    ck_assert_int_eq(rl_config_declare(cfg, "empty", none), RL_OK);
    ck_assert_int_eq(rl_config_is_declared(cfg, "empty"), 1);
}
END_TEST

/* ---- validation --------------------------------------------------------------------- */

START_TEST(test_unknown_key_suggestion)
{
    const char *text = "[qlearn]\nepisodes = 5\nlearning_rat = 0.2\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "q.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(cfg),
                     "q.ini:3: [qlearn] unknown key 'learning_rat' (did you mean "
                     "'learning_rate'?)");
}
END_TEST

START_TEST(test_unknown_key_lists_known)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "[t]\nzzzzzz = 1\n", "k.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(cfg),
                     "k.ini:2: [t] unknown key 'zzzzzz' (known keys: i, r, b, c, s)");
    /* Case differences are typos too. */
    rl_config *c = rl_config_alloc(NULL);
    declare_all(c);
    ck_assert_int_eq(rl_config_set(c, "qlearn.Episodes=3"), RL_OK);
    ck_assert_int_eq(rl_config_validate(c), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(c),
                     "--set [qlearn] unknown key 'Episodes' (did you mean 'episodes'?)");
    rl_config_free(c);
}
END_TEST

START_TEST(test_unknown_section)
{
    /* The message points at the section's header line. */
    const char *text = "[job]\nseed = 1\n\n[qlaern]\n; comment\nepisodes = 5\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "s.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(cfg),
                     "s.ini:4: unknown section [qlaern] (did you mean [qlearn]?)");

    rl_config *c = rl_config_alloc(NULL);
    declare_all(c);
    ck_assert_int_eq(rl_config_load_string(c, "[deepracer]\nspeed = 1\n", "d.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(c), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(c),
                     "d.ini:1: unknown section [deepracer] (known sections: job, qlearn, t)");
    rl_config_free(c);

    /* From --set, and with a BOM before the header. */
    c = rl_config_alloc(NULL);
    declare_all(c);
    ck_assert_int_eq(rl_config_set(c, "jbo.seed=1"), RL_OK);
    ck_assert_int_eq(rl_config_validate(c), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(c), "--set unknown section [jbo] (did you mean [job]?)");
    rl_config_free(c);

    c = rl_config_alloc(NULL);
    declare_all(c);
    ck_assert_int_eq(rl_config_load_string(c, "\xEF\xBB\xBF[qlern]\nx = 1\n", "b.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(c), RL_ENOTFOUND);
    ck_assert_msg_has(c, "b.ini:1: unknown section [qlern] (did you mean [qlearn]?)");
    rl_config_free(c);

    /* With nothing declared there is nothing to suggest. */
    c = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(c, "[job]\nx = 1\n", "n.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(c), RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(c), "n.ini:1: unknown section [job] (no sections are declared)");
    rl_config_free(c);
}
END_TEST

START_TEST(test_validate_order_and_kinds)
{
    /* The first problem in file order is the one reported. */
    const char *text = "[t]\ni = 3\nr = 2\nb = maybe\nzz = 1\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "o.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ERANGE);
    ck_assert_str_eq(rl_config_errmsg(cfg), "o.ini:3: [t] r: 2 is out of range [-1, 1]");

    /* Fixing it by --set moves on to the next one; --set problems come last. */
    ck_assert_int_eq(rl_config_set(cfg, "t.c=zzz"), RL_OK);
    ck_assert_int_eq(rl_config_set(cfg, "t.r=1"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_EINVAL);
    ck_assert_str_eq(rl_config_errmsg(cfg),
                     "o.ini:4: [t] b: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)");
    ck_assert_int_eq(rl_config_set(cfg, "t.b=off"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ENOTFOUND);
    ck_assert_msg_has(cfg, "o.ini:5: [t] unknown key 'zz'");
    ck_assert_int_eq(rl_config_load_string(cfg, "[t]\ns = fine\n", "p.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ENOTFOUND); /* o.ini's zz stays */

    rl_config *c = rl_config_alloc(NULL);
    declare_all(c);
    ck_assert_int_eq(rl_config_load_string(c, "[t]\ni = 3\n", "o.ini"), RL_OK);
    ck_assert_int_eq(rl_config_set(c, "t.c=zzz"), RL_OK);
    ck_assert_int_eq(rl_config_validate(c), RL_EINVAL);
    ck_assert_str_eq(rl_config_errmsg(c), "--set [t] c: 'zzz' is not one of a|b|c");
    rl_config_free(c);
}
END_TEST

START_TEST(test_validate_ok)
{
    /* Declared sections may be absent; only what is present is checked. */
    ck_assert_int_eq(rl_config_validate(cfg), RL_OK);
    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\nenv = x\nseed = -3\n", "ok.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_OK);
    /* A bad file value that --set replaces is never used. */
    ck_assert_int_eq(rl_config_load_string(cfg, "[t]\ni = 99\n", "b.ini"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_ERANGE);
    ck_assert_int_eq(rl_config_set(cfg, "t.i=9"), RL_OK);
    ck_assert_int_eq(rl_config_validate(cfg), RL_OK);
}
END_TEST

/* ---- writing ---------------------------------------------------------------------- */

/* Read a whole file into a static buffer. */
static const char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Every declared key reads the same in a and b. */
static void assert_same_values(rl_config *a, rl_config *b)
{
    static const struct {
        const char *section;
        const rl_param *table;
    } tables[] = {{"job", job_params},
                  {"qlearn", qlearn_params},
                  {"qlearn", common_params},
                  {"t", kinds_params}};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        const char *sec = tables[t].section;
        for (const rl_param *p = tables[t].table; p->key; p++) {
            int ra, rb;
            switch (p->kind) {
            case RL_PARAM_INT: {
                int64_t x = 0, y = 0;
                ra = rl_config_get_int(a, sec, p->key, &x);
                rb = rl_config_get_int(b, sec, p->key, &y);
                ck_assert_int_eq(x, y);
                break;
            }
            case RL_PARAM_REAL: {
                double x = 0, y = 0;
                ra = rl_config_get_real(a, sec, p->key, &x);
                rb = rl_config_get_real(b, sec, p->key, &y);
                ck_assert_double_eq(x, y);
                break;
            }
            case RL_PARAM_BOOL: {
                int x = 0, y = 0;
                ra = rl_config_get_bool(a, sec, p->key, &x);
                rb = rl_config_get_bool(b, sec, p->key, &y);
                ck_assert_int_eq(x, y);
                break;
            }
            default: {
                const char *x = "", *y = "";
                ra = rl_config_get_string(a, sec, p->key, &x);
                rb = rl_config_get_string(b, sec, p->key, &y);
                ck_assert_str_eq(x, y);
                break;
            }
            }
            ck_assert_msg(ra == rb, "[%s] %s: %d vs %d", sec, p->key, ra, rb);
        }
    }
}

START_TEST(test_write_round_trip)
{
    char long_value[192];
    memset(long_value, 'w', 191);
    long_value[191] = '\0';
    char set_long[256];
    snprintf(set_long, sizeof set_long, "job.output=%s", long_value);

    const char *text = "[qlearn]\n"
                       "learning_rate = 0.000123456789012345\n"
                       "exploration = greedy\n"
                       "name = a;b=c:d [x] #y\n"
                       "[t]\n"
                       "i = +10\n"
                       "b = OFF\n";
    ck_assert_int_eq(rl_config_load_string(cfg, text, "in.ini"), RL_OK);
    ck_assert_int_eq(rl_config_set(cfg, "t.r=-1e-3"), RL_OK);
    ck_assert_int_eq(rl_config_set(cfg, "job.env=grid world"), RL_OK);
    ck_assert_int_eq(rl_config_set(cfg, set_long), RL_OK);

    const char *path = temp_file("");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(rl_config_write(cfg, f), RL_OK);
    ck_assert_int_eq(fclose(f), 0);

    rl_config *back = rl_config_alloc(NULL);
    declare_all(back);
    ck_assert_int_eq(rl_config_load(back, path), RL_OK);
    ck_assert_int_eq(rl_config_validate(back), RL_OK);
    assert_same_values(cfg, back);
    /* The required key that was never set is still missing. */
    int64_t n;
    ck_assert_int_eq(rl_config_get_int(back, "job", "total_steps", &n), RL_ENOTFOUND);
    ck_assert_int_eq(rl_config_has(back, "job", "total_steps"), 0);
    rl_config_free(back);

    /* Sections and keys in declaration order, each with its comment. */
    const char *out = slurp(path);
    const char *run = strstr(out, "[job]\n");
    const char *qlearn = strstr(out, "\n[qlearn]\n");
    const char *t = strstr(out, "\n[t]\n");
    ck_assert_ptr_eq(run, out);
    ck_assert_ptr_nonnull(qlearn);
    ck_assert_ptr_nonnull(t);
    ck_assert(qlearn < t);
    ck_assert_ptr_nonnull(strstr(out, "; Step size. (real, range [0, 1], default 0.1)\n"
                                      "learning_rate = 0.000123456789012345\n"));
    ck_assert_ptr_nonnull(strstr(out, "; Learning algorithm. (choice of ppo|qlearn, "
                                      "default qlearn)\nalgorithm = qlearn\n"));
    ck_assert_ptr_nonnull(strstr(out, "; Seed (no range). (int, default 0)\nseed = 0\n"));
    ck_assert_ptr_nonnull(strstr(out, "(int, range [1, 1000000000], required)\n"
                                      "; total_steps = (required, not set)\n"));
    ck_assert_ptr_nonnull(strstr(out, "(string, default empty)\nenv = grid world\n"));
    ck_assert_ptr_nonnull(strstr(out, "\noutput=wwww"));
    const char *episodes = strstr(out, "\nepisodes = 100\n");
    const char *verbose = strstr(out, "\nverbose = no\n");
    ck_assert(episodes && verbose && episodes < verbose);
    const char *i = strstr(out, "\ni = +10\n"), *r = strstr(out, "\nr = -1e-3\n");
    ck_assert(i && r && i < r);
    /* Nothing after the last key. */
    size_t len = strlen(out);
    ck_assert_uint_gt(len, 11);
    ck_assert_str_eq(out + len - 11, "\ns = hello\n");
}
END_TEST

START_TEST(test_write_error)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f) return; /* not every system has it */
    ck_assert_int_eq(rl_config_write(cfg, f), RL_EIO);
    fclose(f);
    ck_assert_int_eq(rl_config_write(cfg, NULL), RL_EINVAL);
}
END_TEST

/* ---- rl_config_fail and messages ----------------------------------------------------- */

/* [job]: the library's one table, read into rl_run; a typo in [job] is
 * reported by rl_run_read itself, with the nearest key. */
START_TEST(test_run_read)
{
    rl_config *c = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(c, "[run]\nenv = cartpole\ntotal_steps = 5000\n"
                                                "checkpoint_every = 5min\n", "r.ini"), RL_OK);
    rl_run run;
    ck_assert_int_eq(rl_run_read(c, &run), RL_OK);
    ck_assert_str_eq(run.env, "cartpole");
    ck_assert_str_eq(run.algorithm, "qlearn");
    ck_assert_int_eq(run.total_steps, 5000);
    ck_assert_int_eq(run.num_envs, 1);
    ck_assert_uint_eq(run.seed, 1);
    ck_assert_int_eq(run.checkpoint_iters, 0);
    ck_assert_double_eq(run.checkpoint_secs, 300);
    ck_assert_int_eq(run.plots, 1);
    ck_assert_int_eq(rl_config_set(c, "run.num_env=4"), RL_OK);
    ck_assert_int_eq(rl_run_read(c, &run), RL_ENOTFOUND);
    ck_assert_msg_has(c, "[run] unknown key 'num_env' (did you mean 'num_envs'?)");
    rl_config_free(c);

    c = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(c, "[run]\ncheckpoint_every = 5m\n", "r.ini"), RL_OK);
    ck_assert_int_eq(rl_run_read(c, &run), RL_EINVAL);
    ck_assert_msg_has(c, "r.ini:2: [run] checkpoint_every: '5m' is neither");
    rl_config_free(c);

    int64_t it;
    double secs;
    ck_assert_int_eq(rl_run_parse_every("10", &it, &secs), RL_OK);
    ck_assert(it == 10 && secs == 0);
    ck_assert_int_eq(rl_run_parse_every("0.5s", &it, &secs), RL_OK);
    ck_assert(it == 0 && secs == 0.5);
    ck_assert_int_eq(rl_run_parse_every("2h", &it, &secs), RL_OK);
    ck_assert(secs == 7200);
    ck_assert_int_eq(rl_run_parse_every("2sec", &it, &secs), RL_EINVAL);
    ck_assert_int_eq(rl_run_parse_every("1.5", &it, &secs), RL_EINVAL);
    ck_assert_int_eq(rl_run_parse_every("2000000000s", &it, &secs), RL_EINVAL);
}
END_TEST

/* Only the section asked for: a typo elsewhere is not its business. */
START_TEST(test_validate_section)
{
    rl_config *c = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(c, "[a]\nx = 1\n[b]\ny = 2\n", "s.ini"), RL_OK);
    static const rl_param a_params[] = {{.key = "x", .kind = RL_PARAM_INT, .def = "0"}, {0}};
    ck_assert_int_eq(rl_config_declare(c, "a", a_params), RL_OK);
    ck_assert_int_eq(rl_config_validate_section(c, "a"), RL_OK);
    ck_assert_int_eq(rl_config_validate_section(c, "b"), RL_ENOTFOUND);
    ck_assert_msg_has(c, "s.ini:3: unknown section [b]");
    ck_assert_int_eq(rl_config_set(c, "a.z=3"), RL_OK);
    ck_assert_int_eq(rl_config_validate_section(c, "a"), RL_ENOTFOUND);
    ck_assert_msg_has(c, "--set [a] unknown key 'z'");
    rl_config_free(c);
}
END_TEST

START_TEST(test_fail)
{
    ck_assert_int_eq(rl_config_load_string(cfg, "[job]\n\nenv = foo\n", "r.ini"), RL_OK);
    ck_assert_int_eq(rl_config_fail(cfg, RL_ENOTFOUND, "job", "env",
                                    "unknown environment '%s'", "foo"),
                     RL_ENOTFOUND);
    ck_assert_str_eq(rl_config_errmsg(cfg), "r.ini:3: [job] env: unknown environment 'foo'");

    ck_assert_int_eq(rl_config_set(cfg, "job.env=bar"), RL_OK);
    ck_assert_int_eq(rl_config_fail(cfg, RL_EPLUGIN, "job", "env", "no plugin has %s", "bar"),
                     RL_EPLUGIN);
    ck_assert_str_eq(rl_config_errmsg(cfg), "--set [job] env: no plugin has bar");

    ck_assert_int_eq(rl_config_fail(cfg, RL_EINVAL, "job", "output", "cannot create"),
                     RL_EINVAL);
    ck_assert_str_eq(rl_config_errmsg(cfg), "default [job] output: cannot create");
}
END_TEST

START_TEST(test_message_truncation)
{
    char huge[RL_ERRMSG_SIZE + 500];
    memset(huge, 'h', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    ck_assert_int_eq(rl_config_fail(cfg, RL_EINVAL, "job", "env", "%s", huge), RL_EINVAL);
    const char *m = rl_config_errmsg(cfg);
    ck_assert_uint_eq(strlen(m), RL_ERRMSG_SIZE - 1);
    ck_assert_str_eq(m + strlen(m) - 3, "...");

    /* A message built from a long file name is cut the same way. */
    char name[RL_ERRMSG_SIZE + 200];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    ck_assert_int_eq(rl_config_load_string(cfg, "x = 1\n", name), RL_ESYNTAX);
    ck_assert_uint_eq(strlen(rl_config_errmsg(cfg)), RL_ERRMSG_SIZE - 1);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_alloc_free);
    tcase_add_test(tc, test_load_string_and_get);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_required_key);
    tcase_add_test(tc, test_indent_comments_crlf_bom);
    tcase_add_test(tc, test_key_before_section);
    tcase_add_test(tc, test_empty_section_name);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_long_lines);
    tcase_add_test(tc, test_failed_load_changes_nothing);
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_file_errors_name_path_and_line);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_unreadable_file);
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_later_file_wins);
    tcase_add_test(tc, test_set_overrides_file);
    tcase_add_test(tc, test_set_parsing);
    tcase_add_test(tc, test_set_malformed);
    tcase_add_test(tc, test_set_unwritable_values);
    tcase_add_test(tc, test_set_bad_value_names_set);
    tcase_add_test(tc, test_int_values);
    tcase_add_test(tc, test_real_values);
    tcase_add_test(tc, test_bool_values);
    tcase_add_test(tc, test_choice_values);
    tcase_add_test(tc, test_string_values);
    tcase_add_test(tc, test_bad_value_in_file_names_line);
    tcase_add_test(tc, test_getter_misuse);
    tcase_add_test(tc, test_multiple_tables);
    tcase_add_test(tc, test_declare_errors);
    tcase_add_test(tc, test_unknown_key_suggestion);
    tcase_add_test(tc, test_unknown_key_lists_known);
    tcase_add_test(tc, test_unknown_section);
    tcase_add_test(tc, test_validate_order_and_kinds);
    tcase_add_test(tc, test_validate_ok);
    tcase_add_test(tc, test_write_round_trip);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_fail);
    tcase_add_test(tc, test_run_read);
    tcase_add_test(tc, test_validate_section);
    tcase_add_test(tc, test_message_truncation);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(config_suite)
