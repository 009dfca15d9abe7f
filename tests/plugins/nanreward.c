/* A reward module for the deepracer tests: fine for four steps, then NaN. */
#include <math.h>
#include <rl/deepracer.h>

RL_REWARD_EXPORT double huge_reward(const rl_deepracer_params *params);

double reward_function(const rl_deepracer_params *params)
{
    return params->steps < 5 ? 1.0 : NAN;
}

/* Finite, but outside [-1e5, 1e5]. */
double huge_reward(const rl_deepracer_params *params)
{
    return params->steps < 3 ? 1.0 : 2e5;
}
