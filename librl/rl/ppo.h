/* librl: proximal policy optimisation (placeholder until PPO lands). */
#ifndef RL_PPO_H
#define RL_PPO_H

#include <rl/common.h>

#endif /* RL_PPO_H */
