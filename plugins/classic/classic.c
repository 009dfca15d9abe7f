/* The classic plugin's entry point: registers its environment types. */
#include "classic.h"

RL_PLUGIN_ENTRY(classic)
{
    int rc = rl_registry_add_env(registry, &rl_classic_cliffwalking);
    if (rc == RL_OK) rc = rl_registry_add_env(registry, &rl_classic_frozenlake);
    if (rc == RL_OK) rc = rl_registry_add_env(registry, &rl_classic_cartpole);
    if (rc == RL_OK) rc = rl_registry_add_env(registry, &rl_classic_pendulum);
    return rc;
}
