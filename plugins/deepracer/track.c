/* placeholder */
#include "track.h"
