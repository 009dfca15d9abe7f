/* The classic plugin: small textbook environments. */
#ifndef RL_CLASSIC_H
#define RL_CLASSIC_H

#include <rl/rl.h>

extern const rl_env_type rl_classic_cliffwalking;
extern const rl_env_type rl_classic_frozenlake;
extern const rl_env_type rl_classic_cartpole;
extern const rl_env_type rl_classic_pendulum;

#endif
