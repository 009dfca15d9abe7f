/* One CSV reader for the plugins (trading's prices, rota's demand,
 * deepracer's tracks, simulator trace logs, a run's progress.csv, eval.csv
 * and raceline.csv). doc/plugins.md, "CSV files", states the rules; in
 * short:
 *
 *   - records end at LF or CRLF (a CR anywhere else outside quotes is an
 *     error); the last line may lack its line end; a UTF-8 byte-order mark
 *     at the start of the file is skipped;
 *   - fields are separated by commas; blanks (spaces and tabs) around a
 *     field are not part of it; a field may be quoted as RFC 4180 says
 *     ("a ""b"", c" is  a "b", c), and only then hold commas, quotes or
 *     line breaks; a quote inside an unquoted field, or anything but
 *     blanks between a closing quote and the next comma, is an error;
 *   - empty lines, and lines of blanks only, are skipped wherever they
 *     are (they count for line numbers); with RL_CSV_COMMENTS, so are
 *     lines whose first non-blank byte is '#';
 *   - a NUL byte anywhere is an error (not a text file);
 *   - a record is at most RL_CSV_MAX_LINE bytes (its line ends not
 *     counted) and RL_CSV_MAX_FIELDS fields, so memory stays bounded
 *     whatever the file holds;
 *   - a header's names are looked up ignoring ASCII case; a name the
 *     header holds twice (ignoring case) is an error when looked up; once
 *     a header is read, every row must have as many fields as it;
 *   - numbers (rl_csv_parse_double): decimal only, [+-]digits[.digits]
 *     [(e|E)[+-]digits], at least one digit before the exponent; no hex,
 *     no inf, no nan (unless a caller allows "nan"), no blanks inside;
 *     beyond the range of a double (overflow or underflow) is refused.
 *     Ranges are the callers' to check.
 *
 * Every error goes to the rl_error the caller passes in (which may be
 * NULL) as "PATH:LINE: what" (PATH as given to rl_csv_open, LINE the
 * line where it happened), naming the column where there is one. Nothing
 * here prints or exits. Compiled into each plugin that uses it (symbols
 * stay hidden). */
#ifndef RL_PLUGIN_CSV_H
#define RL_PLUGIN_CSV_H

#include <stddef.h>

#include <rl/common.h>

#define RL_CSV_MAX_LINE 65536 /* bytes in one record */
#define RL_CSV_MAX_FIELDS 256 /* fields in one record */

/* Flags of rl_csv_open. */
enum {
    RL_CSV_COMMENTS = 1 /* skip lines whose first non-blank byte is '#' */
};

/* Flags of rl_csv_double. */
enum {
    RL_CSV_NAN = 1,  /* "nan" (any case, optionally signed) reads as NaN */
    RL_CSV_EMPTY = 2 /* an empty field (a missing value, as pandas reads it) reads as NaN */
};

typedef struct rl_csv rl_csv;

/* Open path for reading (flags: RL_CSV_*). NULL on failure, with
 * RL_ENOTFOUND (no such file) or RL_EIO "cannot open 'PATH': reason", or
 * RL_ENOMEM, in err. */
rl_csv *rl_csv_open(const char *path, unsigned flags, rl_error *err);

/* Close and free; NULL does nothing. */
void rl_csv_close(rl_csv *c);

/* Read the next record. 1: a record (rl_csv_nfields, rl_csv_field);
 * 0: the end of the file; -1: an error in err (RL_EFORMAT naming the
 * line, RL_EIO), and every later call returns -1 again. After a header
 * (rl_csv_read_header), a record with another number of fields is an
 * RL_EFORMAT error "N fields where the header has M". */
int rl_csv_next(rl_csv *c, rl_error *err);

/* Read the next record as the header: its fields become the column
 * names. RL_OK, the errors of rl_csv_next, or RL_EFORMAT "PATH:1: empty
 * file: no header" when the file holds no record. The header's fields
 * stay readable as the current record. */
int rl_csv_read_header(rl_csv *c, rl_error *err);

/* Name the columns of a file without a header (n names, copied; for
 * messages only: rows are not held to n fields). RL_OK or RL_ENOMEM. */
int rl_csv_set_names(rl_csv *c, const char *const *names, size_t n, rl_error *err);

/* The current record: its number of fields and field i (0-based,
 * i < rl_csv_nfields), NUL-terminated, blanks and quotes removed. A field
 * stays valid until the next rl_csv_next. */
size_t rl_csv_nfields(const rl_csv *c);
const char *rl_csv_field(const rl_csv *c, size_t i);

/* The line the current record starts on (1 before the first record, the
 * last record's after the end); the path given to rl_csv_open; the
 * records read after the header (or all of them without one). */
long rl_csv_line(const rl_csv *c);
const char *rl_csv_path(const rl_csv *c);
size_t rl_csv_rows(const rl_csv *c);

/* The index of the column named name (ignoring ASCII case): >= 0; -1
 * when the header has no such column; -2 when it has two (then err holds
 * "PATH:LINE: the header names column 'NAME' twice (columns I and J)";
 * it is untouched for -1). Never matches without a header. */
int rl_csv_find(const rl_csv *c, const char *name, rl_error *err);

/* As rl_csv_find, with an RL_EFORMAT error "PATH:LINE: no column 'NAME'
 * in the header" when it is absent: the index, or -1. */
int rl_csv_column(const rl_csv *c, const char *name, rl_error *err);

/* The name of column i for messages: the header's (or rl_csv_set_names')
 * name, else "column I+1". */
const char *rl_csv_name(const rl_csv *c, size_t i, char *buf, size_t size);

/* Parse text as a number by the rules above (flags: RL_CSV_NAN). 0 and
 * *x set, or -1 (*x untouched). */
int rl_csv_parse_double(const char *text, unsigned flags, double *x);

/* Field i of the current record as a number (rl_csv_parse_double): RL_OK,
 * or RL_EFORMAT "PATH:LINE: bad number 'TEXT' in column 'NAME'" (TEXT cut
 * to 40 bytes, control bytes shown as '?'); a missing field (i beyond the
 * record) reads as an empty one. */
int rl_csv_double(const rl_csv *c, size_t i, unsigned flags, double *x, rl_error *err);

/* As rl_csv_double, then RL_EFORMAT "PATH:LINE: column 'NAME': TEXT is
 * outside [LO, HI]" unless lo <= *x <= hi. */
int rl_csv_double_in(const rl_csv *c, size_t i, double lo, double hi, double *x, rl_error *err);

/* Set err to "PATH:LINE: " and the message, with the current record's
 * line; returns code. For the callers' own checks. */
int rl_csv_fail(const rl_csv *c, rl_error *err, int code, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* text as a message shows it: at most 40 bytes (then "..."), bytes below
 * 0x20 and 0x7f as '?'. Returns buf (size >= 48). */
const char *rl_csv_show(const char *text, char *buf, size_t size);

#endif
