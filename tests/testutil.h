/* Shared helpers for librl's Check suites. */
#ifndef RL_TESTUTIL_H
#define RL_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* main() for a test program made of one suite. */
#define RL_TEST_MAIN(make_suite)                                    \
    int main(void)                                                  \
    {                                                               \
        SRunner *sr = srunner_create(make_suite());                 \
        srunner_run_all(sr, CK_NORMAL);                             \
        int failed = srunner_ntests_failed(sr);                     \
        srunner_free(sr);                                           \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;           \
    }

/* The source tree (for examples/ and data), from the test environment. */
static inline const char *rl_test_srcdir(void)
{
    const char *d = getenv("RL_TEST_SRCDIR");
    return d ? d : ".";
}

/* Under `make check-valgrind` (RL_TEST_VALGRIND=1), where code runs some
 * 50 times slower: a test that repeats one computation over many inputs
 * may check a few of them there, the normal and ASan passes checking all. */
static inline int rl_test_under_valgrind(void)
{
    const char *v = getenv("RL_TEST_VALGRIND");
    return v && v[0] && strcmp(v, "0") != 0;
}

/* The whole file at path (malloc'd, *len bytes; the caller frees it). */
static inline unsigned char *rl_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*len + 1);
    ck_assert_uint_eq(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

#ifdef RL_TEST_TMPDIR
/* A temporary directory for each test, from the template RL_TEST_TMPDIR
 * (e.g. "/tmp/rl_test_x_XXXXXX"), which the suite defines before including
 * this header (with _POSIX_C_SOURCE 200809L, for mkdtemp and lstat): a
 * checked fixture of make_tmpdir and remove_tmpdir, in_tmp for paths in
 * it and put_file to write a file. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static inline void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s", RL_TEST_TMPDIR);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Remove dir and everything under it. */
static inline void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p) continue;
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static inline void remove_tmpdir(void) { remove_tree(tmpdir); }

/* The path of name in the directory; the last four stay valid. */
static inline const char *in_tmp(const char *name)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

static inline void put_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    if (n) ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}
#endif

#ifdef RL_PLUGIN_H
/* A registry holding the build tree's plugin `name`, for fixtures. The
 * search path is the default one, whatever the caller's environment says. */
static inline rl_registry *rl_test_registry(const char *name)
{
    unsetenv("RL_PLUGIN_PATH");
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_ptr_nonnull(reg);
    ck_assert_msg(rl_registry_load(reg, name) == RL_OK, "%s", rl_registry_errmsg(reg));
    return reg;
}

/* An instance of reg's environment `name` configured from the INI text
 * ini (named "test.ini" in messages); *cfg receives the configuration,
 * which the caller frees after the environment. */
static inline rl_env *rl_test_make_env(rl_registry *reg, const char *name, const char *ini,
                                       rl_config **cfg)
{
    *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(*cfg, ini, "test.ini"), RL_OK);
    rl_error err = {0};
    rl_env *env = rl_env_alloc(rl_registry_find_env(reg, name), *cfg, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    return env;
}
#endif

#endif
