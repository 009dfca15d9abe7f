/* librl: the umbrella header. #include <rl/rl.h> for everything. */
#ifndef RL_RL_H
#define RL_RL_H

#include <rl/common.h>
#include <rl/rng.h>
#include <rl/space.h>
#include <rl/config.h>
#include <rl/run.h>
#include <rl/env.h>
#include <rl/plugin.h>
#include <rl/checkpoint.h>
#include <rl/policy.h>
#include <rl/comm.h>
#include <rl/algo.h>
#include <rl/nn.h>
#include <rl/ppo.h>
#include <rl/model.h>

#endif /* RL_RL_H */
