/* Fuzz target: the plugins' CSV reader itself (plugins/common/csv.c):
 * the tokenizer, the header and its lookups, and the number parser on
 * every field.
 *
 * Input: one byte of options (bit 0: RL_CSV_COMMENTS; bit 1: read the
 * first record as a header; bit 2: allow "nan"), then the file. */
#include <stdio.h>
#include <string.h>

#include <rl/rl.h>

#include "csv.h"
#include "fuzz.h"

FUZZ_TARGET(csv)
{
    if (size < 1) return 0;
    unsigned opt = data[0];
    const char *path = fuzz_write("file.csv", data + 1, size - 1);
    if (!path) return 0;
    rl_error err = {0};
    rl_csv *c = rl_csv_open(path, (opt & 1) ? RL_CSV_COMMENTS : 0, &err);
    if (!c) return 0;
    if (!(opt & 2) || rl_csv_read_header(c, &err) == RL_OK) {
        /* Lookups by name, each field read as a number, checks that what
         * the reader hands out keeps to its limits. */
        rl_csv_find(c, "x", &err);
        rl_csv_column(c, "Close", &err);
        int k;
        while ((k = rl_csv_next(c, &err)) == 1) {
            size_t nf = rl_csv_nfields(c);
            if (nf == 0 || nf > RL_CSV_MAX_FIELDS) __builtin_trap();
            size_t total = 0;
            for (size_t i = 0; i < nf; i++) {
                double x;
                total += strlen(rl_csv_field(c, i)) + 1;
                if (rl_csv_double(c, i, (opt & 4) ? RL_CSV_NAN : 0, &x, &err) == RL_OK &&
                    x != x && !(opt & 4))
                    __builtin_trap();
                rl_csv_double_in(c, i, -1, 1, &x, &err);
            }
            if (total > RL_CSV_MAX_LINE + 1 || rl_csv_line(c) < 1) __builtin_trap();
        }
        if (k == 0) rl_csv_fail(c, &err, RL_EFORMAT, "%zu rows", rl_csv_rows(c));
    }
    rl_csv_close(c);
    return 0;
}
