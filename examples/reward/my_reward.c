/* A reward function of your own for the deepracer environment, in C.
 *
 * It receives the simulator's parameters (see <rl/deepracer.h> and
 * doc/deepracer.md) and returns the step's reward. Build it as a shared
 * module with one command:
 *
 *     cc -shared -fPIC -O2 $(pkg-config --cflags librl) -o my_reward.so my_reward.c -lm
 *
 * and name it in the INI file:
 *
 *     [deepracer]
 *     reward_function = ./my_reward.so
 *
 * (In librl's build tree `make check` builds it as examples/reward/my_reward.la,
 * which names the same way.) This one is a classic of the DeepRacer
 * community: follow the centre line, keep all wheels on the road, do not
 * zig-zag, and go fast on the straights. */
#include <math.h>
#include <rl/deepracer.h>

double reward_function(const rl_deepracer_params *params)
{
    if (!params->all_wheels_on_track || params->is_offtrack) return 1e-3;

    /* Bands around the centre line, as in DeepRacer's first example. */
    double w = params->track_width, d = params->distance_from_center, reward;
    if (d <= 0.1 * w)
        reward = 1.0;
    else if (d <= 0.25 * w)
        reward = 0.5;
    else if (d <= 0.5 * w)
        reward = 0.1;
    else
        reward = 1e-3;

    /* Steering hard costs a fifth. */
    if (fabs(params->steering_angle) > 15.0) reward *= 0.8;

    /* Speed pays while the car is nearly straight. */
    if (fabs(params->steering_angle) < 5.0) reward += 0.25 * params->speed;
    return reward;
}
