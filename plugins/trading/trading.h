/* The trading plugin: one asset, daily prices, a position the agent sets
 * each day (doc/trading.md). Internal header, shared by the plugin's files
 * and its test. */
#ifndef RL_TRADING_H
#define RL_TRADING_H

#include <rl/rl.h>

extern const rl_env_type rl_trading_env;

/* A daily price series: n prices, oldest first, with their dates as days
 * since 1970-01-01 (strictly increasing). Owns both arrays. */
typedef struct tr_series {
    size_t n;
    double *price;
    int32_t *day;
    /* Where each row came from, for messages: CSV line numbers (0 for the
     * synthetic series) and the file name (empty when synthetic). */
    int32_t *line;
    char source[256];
} tr_series;

/* Release what the series owns; a zeroed series is fine. */
void tr_series_free(tr_series *s);

/* The prices a CSV file may hold (doc/trading.md, "Data"): a price outside
 * [TR_PRICE_MIN, TR_PRICE_MAX] is refused, so that every return, ratio and
 * feature computed from two prices is finite (no real asset is quoted
 * beyond these, in any currency unit). */
#define TR_PRICE_MIN 1e-6
#define TR_PRICE_MAX 1e9

/* Read a CSV file (doc/trading.md, "Data"). Fills s; on failure returns
 * RL_ENOTFOUND, RL_EIO, RL_EFORMAT or RL_ENOMEM with a message naming
 * path:line in err, and s holds nothing; a price that is not positive or
 * lies outside [TR_PRICE_MIN, TR_PRICE_MAX] is an RL_EFORMAT error naming
 * its line, column and the limit. min_rows is the fewest rows the
 * caller can use: fewer is an RL_EFORMAT error naming the last line. */
int tr_series_load_csv(tr_series *s, const char *path, size_t min_rows, rl_error *err);

/* The synthetic series of doc/trading.md ("Synthetic data"): n business
 * days from 2000-01-03, regime-switching drift, from seed. If regime is not
 * NULL it receives the regime of each day's return (1 bull, 0 bear; n
 * values, regime[0] is the first day's). RL_ENOMEM on failure. */
int tr_series_synthetic(tr_series *s, size_t n, uint64_t seed, unsigned char *regime,
                        rl_error *err);

/* Dates: "YYYY-MM-DD" (exactly) to days since 1970-01-01; 0 on success,
 * -1 when text is not a valid calendar date. */
int tr_parse_date(const char *text, size_t len, int32_t *day);
/* Days since 1970-01-01 to "YYYY-MM-DD" (buf of at least 11 bytes). */
void tr_format_date(int32_t day, char *buf);

/* Performance of a portfolio over an episode. */
typedef struct tr_perf {
    double value, peak, maxdd;
    double mean, m2;  /* Welford's running mean and sum of squares of daily returns */
    int64_t steps, trades;
} tr_perf;

/* An environment instance (the state the core allocates). */
typedef struct trading {
    tr_series s;
    /* Features of each day, from prices up to that day. */
    double *z, *madev, *vol, *vratio, *trend;
    size_t first; /* first day with every feature defined */
    size_t tr_lo, tr_hi, ev_lo, ev_hi; /* decision days lo .. hi - 1 */
    int64_t window, episode_length;
    int continuous, discrete_obs, npos;
    double max_pos, min_pos, cost;
    int eval; /* mode of the next reset */

    /* The episode. */
    int ep_eval, ruined;
    size_t start, d, end;
    double w; /* position at day d, after the price moved */
    double expo_sum;
    tr_perf perf;
} trading;

#endif
