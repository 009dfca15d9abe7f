/* The fuzz targets' regression test: replays every input kept in
 * tests/fuzz/corpus/NAME/ and tests/fuzz/regress/NAME/ through the target
 * NAME, built without libFuzzer (fuzz.h), so that `make check` (and its
 * ASan and valgrind passes) run every input that ever crashed a parser.
 *
 *   replay                  every target, from $RL_TEST_SRCDIR/tests/fuzz
 *                            (or ./tests/fuzz)
 *   replay NAME FILE...     the given files through target NAME */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define TARGETS(X)   \
    X(config)        \
    X(track)         \
    X(price_csv)     \
    X(demand_csv)    \
    X(checkpoint)    \
    X(payload)       \
    X(model)         \
    X(drjson)        \
    X(pyreward_name) \
    X(simtrace)      \
    X(plots_trace)   \
    X(csv)

#define DECLARE(name) int fuzz_##name(const uint8_t *data, size_t size);
TARGETS(DECLARE)

typedef struct target {
    const char *name;
    int (*run)(const uint8_t *, size_t);
} target;

#define ENTRY(name) {#name, fuzz_##name},
static const target targets[] = {TARGETS(ENTRY)};
#define NTARGETS (sizeof targets / sizeof targets[0])

/* Run one file through t; -1 when it cannot be read. */
static int run_file(const target *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (n == cap) {
            uint8_t *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p, cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0) break;
        n += k;
    }
    fclose(f);
    if (!buf) return -1;
    /* A copy of exactly n bytes, so that ASan and valgrind see a read past
     * the input as libFuzzer would. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    t->run(exact, n);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir (sorted, so runs repeat), through t. Returns
 * the count, or -1 on a file that could not be read. */
static long run_dir(const target *t, const char *dir)
{
    char path[8400];
    DIR *d = opendir(dir);
    if (!d) return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) break;
            names = p;
        }
        names[n] = strdup(e->d_name);
        if (names[n]) n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    long count = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(t, path) != 0) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                count = -1;
                break;
            }
            count++;
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        for (size_t i = 0; i < NTARGETS; i++)
            if (strcmp(targets[i].name, argv[1]) == 0) {
                for (int k = 2; k < argc; k++) {
                    if (run_file(&targets[i], argv[k]) != 0) {
                        fprintf(stderr, "replay: cannot read %s\n", argv[k]);
                        return 1;
                    }
                    printf("%s: %s: ok\n", argv[1], argv[k]);
                }
                return 0;
            }
        fprintf(stderr, "replay: no target '%s'\n", argv[1]);
        return 2;
    }
    const char *src = getenv("RL_TEST_SRCDIR");
    char root[4096];
    snprintf(root, sizeof root, "%s/tests/fuzz", src && *src ? src : ".");
    int status = 0;
    for (size_t i = 0; i < NTARGETS; i++) {
        char dir[4200];
        long total = 0;
        const char *kinds[2] = {"corpus", "regress"};
        long counts[2];
        for (int k = 0; k < 2; k++) {
            snprintf(dir, sizeof dir, "%s/%s/%s", root, kinds[k], targets[i].name);
            counts[k] = run_dir(&targets[i], dir);
            if (counts[k] < 0) status = 1;
            else total += counts[k];
        }
        if (counts[0] <= 0) {
            fprintf(stderr, "replay: no seed inputs for %s in %s/corpus\n", targets[i].name, root);
            status = 1;
        }
        printf("%s: %ld seeds, %ld regression inputs replayed", targets[i].name, counts[0],
               counts[1] > 0 ? counts[1] : 0);
        printf("\n");
    }
    return status;
}
