/* Fuzz target: the rota plugin's demand CSV (plugins/rota/rota.c,
 * read_csv and load_csv), through the environment that reads it, so that
 * what it builds from the series (the period grid, splits, baselines) is
 * exercised too.
 *
 * Input: a whole CSV file (doc/rota.md). A short window and a narrow
 * staffing range keep a valid file short and a run cheap. */
#include "envcsv.h"

int rota_LTX_rl_plugin_init(rl_registry *registry);

FUZZ_TARGET(demand_csv)
{
    return fuzz_env_csv(rota_LTX_rl_plugin_init, "rota", "demand.csv",
                        "window = 1\nepisode_length = 4\nmin_staff = 0\nmax_staff = 3\ngaps = zero\n",
                        data, size);
}
