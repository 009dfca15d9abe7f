/* The plugins' CSV reader (plugins/common/csv.c): the rules of
 * doc/plugins.md, "CSV files", and each error's message. */
#define _POSIX_C_SOURCE 200809L
#define RL_TEST_TMPDIR "/tmp/rl_test_csv_XXXXXX"
#include <errno.h>
#include <math.h>

#include <rl/rl.h>

#include "csv.h"
#include "testutil.h"

/* Write text to name in the test's directory and open it. */
static rl_csv *open_text(const char *name, const char *text, size_t len, unsigned flags)
{
    const char *p = in_tmp(name);
    put_file(p, text, len);
    rl_error err = {0};
    rl_csv *c = rl_csv_open(p, flags, &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    return c;
}

#define OPEN(name, text, flags) open_text(name, text, sizeof text - 1, flags)

/* The next record must be there, with these fields ('|'-separated, as
 * the test writes them) and this line. */
static void expect_record(rl_csv *c, long line, size_t nf, const char *const *fields)
{
    rl_error err = {0};
    ck_assert_msg(rl_csv_next(c, &err) == 1, "%s", err.msg);
    ck_assert_int_eq(rl_csv_line(c), line);
    ck_assert_uint_eq(rl_csv_nfields(c), nf);
    for (size_t i = 0; i < nf; i++) ck_assert_str_eq(rl_csv_field(c, i), fields[i]);
}

/* The next call must fail with code and the message path + want. */
static void expect_error(rl_csv *c, int code, const char *name, const char *want)
{
    rl_error err = {0};
    int k;
    while ((k = rl_csv_next(c, &err)) == 1) continue;
    ck_assert_int_eq(k, -1);
    ck_assert_int_eq(err.code, code);
    char full[1024];
    snprintf(full, sizeof full, "%s%s", in_tmp(name), want);
    ck_assert_str_eq(err.msg, full);
    /* A reader that failed keeps failing. */
    ck_assert_int_eq(rl_csv_next(c, &err), -1);
}

static void expect_end(rl_csv *c)
{
    rl_error err = {0};
    ck_assert_int_eq(rl_csv_next(c, &err), 0);
    ck_assert_int_eq(rl_csv_next(c, &err), 0);
}

START_TEST(test_quoting)
{
    rl_csv *c = OPEN("q.csv",
                     "a,\"b,c\",\"say \"\"hi\"\"\"\n"
                     "\"two\nlines\",x,\"\"\n"
                     "  \"blanks outside\"  , in side ,\"\"\"\"\n"
                     "last,\"\",z\n",
                     0);
    expect_record(c, 1, 3, (const char *const[]){"a", "b,c", "say \"hi\""});
    expect_record(c, 2, 3, (const char *const[]){"two\nlines", "x", ""});
    /* The record after a quoted line break starts on line 4. */
    expect_record(c, 4, 3, (const char *const[]){"blanks outside", "in side", "\""});
    expect_record(c, 5, 3, (const char *const[]){"last", "", "z"});
    expect_end(c);
    ck_assert_int_eq(rl_csv_line(c), 5);
    ck_assert_uint_eq(rl_csv_rows(c), 4);
    rl_csv_close(c);

    c = OPEN("q1.csv", "a,b\"c\n", 0);
    expect_error(c, RL_EFORMAT, "q1.csv",
                 ":1: a quote inside field 2, which is not quoted (quote the whole field and "
                 "double the quote)");
    rl_csv_close(c);
    c = OPEN("q2.csv", "x\n\"ab\"c,d\n", 0);
    expect_error(c, RL_EFORMAT, "q2.csv",
                 ":2: 'c' after the closing quote of field 1 (a quoted field ends at its closing "
                 "quote)");
    rl_csv_close(c);
    c = OPEN("q3.csv", "x\n1,\"open\n2,3\n", 0);
    expect_error(c, RL_EFORMAT, "q3.csv",
                 ":2: the quoted field 2 is not closed before the end of the file");
    rl_csv_close(c);
}
END_TEST

START_TEST(test_line_ends_and_bom)
{
    /* CRLF, a BOM, blank lines (empty or of blanks) anywhere, no line end
     * at the very end. */
    rl_csv *c = OPEN("crlf.csv", "\xef\xbb\xbfName,Value\r\n\r\nx,1\r\n  \t \r\ny,2", 0);
    rl_error err = {0};
    ck_assert_int_eq(rl_csv_read_header(c, &err), RL_OK);
    ck_assert_int_eq(rl_csv_find(c, "name", &err), 0);
    ck_assert_int_eq(rl_csv_find(c, "VALUE", &err), 1);
    expect_record(c, 3, 2, (const char *const[]){"x", "1"});
    expect_record(c, 5, 2, (const char *const[]){"y", "2"});
    expect_end(c);
    ck_assert_uint_eq(rl_csv_rows(c), 2);
    rl_csv_close(c);
    /* A BOM is skipped at the start only. */
    c = OPEN("bom2.csv", "a\n\xef\xbb\xbf" "b\n", 0);
    expect_record(c, 1, 1, (const char *const[]){"a"});
    expect_record(c, 2, 1, (const char *const[]){"\xef\xbb\xbf" "b"});
    rl_csv_close(c);
    /* A CR alone ends no line; a CR at the very end does. */
    c = OPEN("cr.csv", "a,b\rc,d\n", 0);
    expect_error(c, RL_EFORMAT, "cr.csv",
                 ":1: a carriage return inside a line (line ends must be LF or CRLF)");
    rl_csv_close(c);
    c = OPEN("cr2.csv", "a,b\r", 0);
    expect_record(c, 1, 2, (const char *const[]){"a", "b"});
    expect_end(c);
    rl_csv_close(c);
    /* Comments, when asked for: '#' first on a line, after blanks too. */
    c = OPEN("comments.csv", "# one\n  # two\n1,#3\n#\n", RL_CSV_COMMENTS);
    expect_record(c, 3, 2, (const char *const[]){"1", "#3"});
    expect_end(c);
    rl_csv_close(c);
    c = OPEN("nocomments.csv", "# one\n", 0);
    expect_record(c, 1, 1, (const char *const[]){"# one"});
    rl_csv_close(c);
}
END_TEST

START_TEST(test_limits)
{
    /* A record of RL_CSV_MAX_LINE bytes reads; one more byte does not. */
    size_t n = RL_CSV_MAX_LINE;
    char *text = malloc(n + 8);
    memset(text, '7', n);
    strcpy(text + n, "\n1\n");
    rl_csv *c = open_text("long.csv", text, n + 3, 0);
    rl_error err = {0};
    ck_assert_int_eq(rl_csv_next(c, &err), 1);
    ck_assert_uint_eq(strlen(rl_csv_field(c, 0)), n);
    expect_record(c, 2, 1, (const char *const[]){"1"});
    rl_csv_close(c);
    text[n] = '7';
    strcpy(text + n + 1, "\n");
    c = open_text("long.csv", text, n + 2, 0);
    expect_error(c, RL_EFORMAT, "long.csv", ":1: line longer than 65536 bytes");
    rl_csv_close(c);
    /* Also when the bytes are line breaks inside quotes. */
    text[0] = '"';
    memset(text + 1, '\n', n);
    strcpy(text + n + 1, "\"\n");
    c = open_text("long.csv", text, n + 3, 0);
    expect_error(c, RL_EFORMAT, "long.csv", ":1: line longer than 65536 bytes");
    rl_csv_close(c);
    free(text);
    /* RL_CSV_MAX_FIELDS fields read; one more does not. */
    char fields[2 * RL_CSV_MAX_FIELDS + 8];
    size_t k = 0;
    for (int i = 0; i < RL_CSV_MAX_FIELDS; i++) k += (size_t)sprintf(fields + k, "%sx", i ? "," : "");
    strcpy(fields + k, "\n");
    c = open_text("wide.csv", fields, k + 1, 0);
    ck_assert_int_eq(rl_csv_next(c, &err), 1);
    ck_assert_uint_eq(rl_csv_nfields(c), RL_CSV_MAX_FIELDS);
    rl_csv_close(c);
    strcpy(fields + k, ",\n");
    c = open_text("wide.csv", fields, k + 2, 0);
    expect_error(c, RL_EFORMAT, "wide.csv", ":1: more than 256 fields");
    rl_csv_close(c);
    /* A NUL byte. */
    c = OPEN("nul.csv", "a,b\n1,\0\n", 0);
    expect_error(c, RL_EFORMAT, "nul.csv", ":2: a NUL byte: not a text file");
    rl_csv_close(c);
}
END_TEST

START_TEST(test_header)
{
    rl_error err = {0};
    /* Empty files: nothing, blank lines, comments only. */
    rl_csv *c = OPEN("empty.csv", "", 0);
    ck_assert_int_eq(rl_csv_read_header(c, &err), RL_EFORMAT);
    char want[1024];
    snprintf(want, sizeof want, "%s:1: empty file: no header", in_tmp("empty.csv"));
    ck_assert_str_eq(err.msg, want);
    rl_csv_close(c);
    c = OPEN("blank.csv", "\n \n# x\n", RL_CSV_COMMENTS);
    ck_assert_int_eq(rl_csv_read_header(c, &err), RL_EFORMAT);
    snprintf(want, sizeof want, "%s:1: empty file: no header", in_tmp("blank.csv"));
    ck_assert_str_eq(err.msg, want);
    rl_csv_close(c);
    /* A header only: no rows; the callers' message names its line. */
    c = OPEN("head.csv", "\nDate,Close\n", 0);
    ck_assert_int_eq(rl_csv_read_header(c, &err), RL_OK);
    ck_assert_int_eq(rl_csv_next(c, &err), 0);
    ck_assert_uint_eq(rl_csv_rows(c), 0);
    ck_assert_int_eq(rl_csv_fail(c, &err, RL_EFORMAT, "a header but %s", "no rows"), RL_EFORMAT);
    snprintf(want, sizeof want, "%s:2: a header but no rows", in_tmp("head.csv"));
    ck_assert_str_eq(err.msg, want);
    rl_csv_close(c);
    /* Lookups: any case; missing; twice. */
    c = OPEN("cols.csv", " Date ,Close,close,\"Adj Close\"\n1,2,3,4\n1,2\n", 0);
    ck_assert_int_eq(rl_csv_read_header(c, &err), RL_OK);
    ck_assert_int_eq(rl_csv_find(c, "DATE", &err), 0);
    ck_assert_int_eq(rl_csv_column(c, "adj close", &err), 3);
    err.code = 0;
    ck_assert_int_eq(rl_csv_find(c, "Volume", &err), -1);
    ck_assert_int_eq(err.code, 0);
    ck_assert_int_eq(rl_csv_column(c, "Volume", &err), -1);
    snprintf(want, sizeof want, "%s:1: no column 'Volume' in the header", in_tmp("cols.csv"));
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(rl_csv_find(c, "CLOSE", &err), -2);
    snprintf(want, sizeof want, "%s:1: the header names column 'CLOSE' twice (columns 2 and 3)",
             in_tmp("cols.csv"));
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(rl_csv_column(c, "close", &err), -1);
    /* Rows hold as many fields as the header. */
    expect_record(c, 2, 4, (const char *const[]){"1", "2", "3", "4"});
    expect_error(c, RL_EFORMAT, "cols.csv", ":3: 2 fields where the header has 4");
    rl_csv_close(c);
    /* Without a header, names for messages, no count enforced. */
    c = OPEN("nohead.csv", "1,x\n1,2,3\n", 0);
    static const char *const names[] = {"a", ""};
    ck_assert_int_eq(rl_csv_set_names(c, names, 2, &err), RL_OK);
    ck_assert_int_eq(rl_csv_find(c, "a", &err), -1);
    expect_record(c, 1, 2, (const char *const[]){"1", "x"});
    double x;
    ck_assert_int_eq(rl_csv_double(c, 1, 0, &x, &err), RL_EFORMAT);
    snprintf(want, sizeof want, "%s:1: bad number 'x' in column 'column 2'", in_tmp("nohead.csv"));
    ck_assert_str_eq(err.msg, want);
    expect_record(c, 2, 3, (const char *const[]){"1", "2", "3"});
    ck_assert_int_eq(rl_csv_double(c, 0, 0, &x, &err), RL_OK);
    ck_assert_double_eq(x, 1);
    ck_assert_int_eq(rl_csv_double(c, 5, 0, &x, &err), RL_EFORMAT); /* beyond the record: '' */
    snprintf(want, sizeof want, "%s:2: bad number '' in column 'column 6'", in_tmp("nohead.csv"));
    ck_assert_str_eq(err.msg, want);
    rl_csv_close(c);
    /* A file that cannot be opened. */
    ck_assert_ptr_null(rl_csv_open(in_tmp("absent.csv"), 0, &err));
    ck_assert_int_eq(err.code, RL_ENOTFOUND);
    snprintf(want, sizeof want, "cannot open '%s': %s", in_tmp("absent.csv"), strerror(ENOENT));
    ck_assert_str_eq(err.msg, want);
    rl_csv_close(NULL);
}
END_TEST

START_TEST(test_numbers)
{
    static const struct {
        const char *text;
        int ok;
        double x;
    } t[] = {
        {"0", 1, 0},          {"-0.5", 1, -0.5},       {"+3", 1, 3},       {".5", 1, 0.5},
        {"5.", 1, 5},         {"1e3", 1, 1000},        {"1E-3", 1, 1e-3},  {"2.5e+2", 1, 250},
        {"1e308", 1, 1e308},  {"2.3e-308", 1, 2.3e-308}, {"-1.7976931348623157e308", 1, -1.7976931348623157e308},
        {"", 0, 0},           {"-", 0, 0},             {".", 0, 0},        {"e5", 0, 0},
        {"1e", 0, 0},         {"1e+", 0, 0},           {"1.2.3", 0, 0},    {"1 2", 0, 0},
        {" 1", 0, 0},         {"1 ", 0, 0},            {"0x10", 0, 0},     {"inf", 0, 0},
        {"-Infinity", 0, 0},  {"nan", 0, 0},           {"NaN", 0, 0},      {"1e309", 0, 0},
        {"1e-320", 0, 0},     {"1,5", 0, 0},           {"12abc", 0, 0},    {"--1", 0, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        double x = 42;
        int r = rl_csv_parse_double(t[i].text, 0, &x);
        ck_assert_msg(r == (t[i].ok ? 0 : -1), "'%s': %d", t[i].text, r);
        if (t[i].ok) ck_assert_msg(x == t[i].x, "'%s': %.17g", t[i].text, x);
        else ck_assert_double_eq(x, 42);
    }
    /* "nan" only when allowed; inf never. */
    const char *nans[] = {"nan", "NaN", "-nan", "+NAN"};
    for (size_t i = 0; i < 4; i++) {
        double x = 0;
        ck_assert_int_eq(rl_csv_parse_double(nans[i], RL_CSV_NAN, &x), 0);
        ck_assert(isnan(x));
    }
    double x = 0;
    ck_assert_int_eq(rl_csv_parse_double("inf", RL_CSV_NAN, &x), -1);
    ck_assert_int_eq(rl_csv_parse_double("nanx", RL_CSV_NAN, &x), -1);
    /* An empty field: a missing value only when allowed. */
    ck_assert_int_eq(rl_csv_parse_double("", RL_CSV_NAN, &x), -1);
    x = 0;
    ck_assert_int_eq(rl_csv_parse_double("", RL_CSV_EMPTY, &x), 0);
    ck_assert(isnan(x));
    ck_assert_int_eq(rl_csv_parse_double("-", RL_CSV_EMPTY, &x), -1);

    /* In a file: blanks around a field are not part of it; messages. */
    rl_csv *c = OPEN("num.csv",
                     "x,y\n 1.5 ,\t-2\n1,abc\n1,\"2\"\n1,1e400\n3,NaN\n7,"
                     "\"a long field with\x01 a control byte and more than forty bytes\"\n",
                     0);
    rl_error err = {0};
    char want[1024];
    ck_assert_int_eq(rl_csv_read_header(c, &err), RL_OK);
    ck_assert_int_eq(rl_csv_next(c, &err), 1);
    ck_assert_int_eq(rl_csv_double(c, 0, 0, &x, &err), RL_OK);
    ck_assert_double_eq(x, 1.5);
    ck_assert_int_eq(rl_csv_double(c, 1, 0, &x, &err), RL_OK);
    ck_assert_double_eq(x, -2);
    ck_assert_int_eq(rl_csv_double_in(c, 1, -1, 1, &x, &err), RL_EFORMAT);
    snprintf(want, sizeof want, "%s:2: column 'y': -2 is outside [-1, 1]", in_tmp("num.csv"));
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(rl_csv_double_in(c, 0, 1.5, 1.5, &x, &err), RL_OK);
    ck_assert_int_eq(rl_csv_next(c, &err), 1);
    ck_assert_int_eq(rl_csv_double(c, 1, 0, &x, &err), RL_EFORMAT);
    snprintf(want, sizeof want, "%s:3: bad number 'abc' in column 'y'", in_tmp("num.csv"));
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(rl_csv_next(c, &err), 1); /* a quoted number is a number */
    ck_assert_int_eq(rl_csv_double(c, 1, 0, &x, &err), RL_OK);
    ck_assert_double_eq(x, 2);
    ck_assert_int_eq(rl_csv_next(c, &err), 1);
    ck_assert_int_eq(rl_csv_double(c, 1, 0, &x, &err), RL_EFORMAT);
    snprintf(want, sizeof want, "%s:5: bad number '1e400' in column 'y'", in_tmp("num.csv"));
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(rl_csv_next(c, &err), 1);
    ck_assert_int_eq(rl_csv_double(c, 1, 0, &x, &err), RL_EFORMAT);
    ck_assert_int_eq(rl_csv_double(c, 1, RL_CSV_NAN, &x, &err), RL_OK);
    ck_assert(isnan(x));
    ck_assert_int_eq(rl_csv_double_in(c, 1, -1, 1, &x, &err), RL_EFORMAT); /* NaN: never in */
    ck_assert_int_eq(rl_csv_next(c, &err), 1);
    ck_assert_int_eq(rl_csv_double(c, 1, 0, &x, &err), RL_EFORMAT);
    snprintf(want, sizeof want,
             "%s:7: bad number 'a long field with? a control byte and mo...' in column 'y'",
             in_tmp("num.csv"));
    ck_assert_str_eq(err.msg, want);
    expect_end(c);
    rl_csv_close(c);
}
END_TEST

/* The real files of ../shared (prices, demand, simulator logs) read
 * whole, every record with its header's fields. */
START_TEST(test_real_files)
{
    static const char *const files[] = {
        "data/trading/SP500_1999-2018.csv", "data/rota/bike_sharing_hour.csv",
        "data/rota/uihc_ed_arrivals_hourly.csv",
        "simlogs/drfc21-redstar/deepracer-0_robomaker.1.ynytdrw16nuhl8y1pauseuelw.log.simtrace.csv",
    };
    static const size_t rows[] = {5031, 17379, 41640, 7810};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/../shared/%s", rl_test_srcdir(), files[i]);
        if (access(p, R_OK) != 0) {
            fprintf(stderr, "test_csv: skipped: %s is absent\n", p);
            continue;
        }
        rl_error err = {0};
        rl_csv *c = rl_csv_open(p, 0, &err);
        ck_assert_msg(c != NULL, "%s", err.msg);
        ck_assert_msg(rl_csv_read_header(c, &err) == RL_OK, "%s", err.msg);
        int k;
        while ((k = rl_csv_next(c, &err)) == 1) continue;
        ck_assert_msg(k == 0, "%s", err.msg);
        ck_assert_msg(rl_csv_rows(c) == rows[i], "%s: %zu rows", files[i], rl_csv_rows(c));
        rl_csv_close(c);
    }
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("reader");
    tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_test(tc, test_quoting);
    tcase_add_test(tc, test_line_ends_and_bom);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_real_files);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(csv_suite)
