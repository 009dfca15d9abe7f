/* Fuzz target: the trading plugin's price CSV (plugins/trading/series.c,
 * tr_series_load_csv), through the environment that reads it, so that
 * what it builds from the series (features, splits) is exercised too.
 *
 * Input: a whole CSV file (doc/trading.md, "Data"). A short window keeps
 * the rows a valid file needs few. */
#include "envcsv.h"

int trading_LTX_rl_plugin_init(rl_registry *registry);

FUZZ_TARGET(price_csv)
{
    return fuzz_env_csv(trading_LTX_rl_plugin_init, "trading", "prices.csv",
                        "window = 1\nepisode_length = 10\n", data, size);
}
