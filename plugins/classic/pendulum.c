/* placeholder */
#include "config.h"
typedef int rl__placeholder_pendulum;
