/* placeholder */
#include <rl/rl.h>
#include "testutil.h"
static Suite *make_suite(void) { return suite_create("ppo"); }
RL_TEST_MAIN(make_suite)
