/* placeholder */
#include "deepracer.h"
RL_PLUGIN_ENTRY(deepracer)
{
    (void)registry;
    return RL_OK;
}
