/* The deepracer plugin's internals (placeholder). */
#ifndef RL_DEEPRACER_PLUGIN_H
#define RL_DEEPRACER_PLUGIN_H
#include <rl/rl.h>
#include <rl/deepracer.h>
#include "track.h"
#endif
