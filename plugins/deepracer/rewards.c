/* placeholder */
#include "deepracer.h"
