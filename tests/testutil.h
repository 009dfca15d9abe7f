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

#endif
