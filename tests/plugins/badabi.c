/* A test plugin that claims to be built for another librl ABI version. */
#include <rl/plugin.h>

RL_PLUGIN_EXPORT extern const unsigned badabi_LTX_rl_plugin_abi;
RL_PLUGIN_EXPORT const unsigned badabi_LTX_rl_plugin_abi = RL_ABI_VERSION + 41;
RL_PLUGIN_EXPORT int badabi_LTX_rl_plugin_init(rl_registry *registry);
RL_PLUGIN_EXPORT int badabi_LTX_rl_plugin_init(rl_registry *registry)
{
    (void)registry;
    return RL_OK;
}
