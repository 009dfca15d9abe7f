/* placeholder */
#include <rl/rl.h>
#include "testutil.h"
static Suite *make_suite(void) { return suite_create("gym"); }
RL_TEST_MAIN(make_suite)
