/* Shared helpers for librl's Check suites. */
#ifndef RL_TESTUTIL_H
#define RL_TESTUTIL_H

#include <check.h>
#include <stdlib.h>

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
#endif

#endif
