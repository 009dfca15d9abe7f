/* The trading environment: one asset, one decision a day (doc/trading.md).
 *
 * Time: the agent decides at the close of day d, seeing prices up to day d
 * only; the position it picks is held from the close of d to the close of
 * d + 1, and the step's reward is the log change of the portfolio's value
 * over that day, after the cost of the trade made at d. Every feature of
 * the observation at day d is computed, once, in init, from prices of days
 * 0..d (trailing windows and recursions that only look back).
 *
 * The position w is the asset's share of the portfolio's value (1 = all in
 * the asset, -1 = short the whole value, the rest in cash earning nothing).
 * Holding keeps the units held, so w drifts with the price; a trade moves w
 * to a target and costs (cost_bps + slippage_bps) / 10^4 of the value
 * traded, |target - w| times the value before the trade.
 *
 * Saved state (for exact resume): u32 layout version (1), u32 evaluation
 * mode for the next reset, u32 mode of the episode, u32 ruined flag, u64
 * start, day, end, f64 position, then the agent's performance (f64 value,
 * peak, maximum drawdown, mean, m2, exposure sum; i64 steps, trades). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trading.h"

enum { LAYOUT = 1 };

/* Fewest steps each period must offer. */
#define MIN_STEPS 10
/* Features (doc/trading.md, "Observation"). */
#define VOL_INIT 20        /* returns averaged to start the volatility recursion */
#define VOL_LAMBDA 0.94    /* RiskMetrics' daily EWMA decay */
#define VOL_LONG_LAMBDA 0.99
#define VOL_FLOOR 1e-4     /* daily volatility floor: constant prices divide by it */
#define MA_LEN 50          /* moving average of the price, days */
#define Z_CLIP 5.0
#define DAYS_PER_YEAR 252.0
#define RUIN 1e-9          /* share of value a ruined short keeps, to keep log finite */

static const rl_param trading_params[] = {
    {"data", RL_PARAM_STRING, "synthetic", 0, 0, NULL,
     "synthetic (a regime-switching series made from synthetic_seed) or the path of a daily "
     "price CSV (Date,...,Close,Adj Close,... or date,close)"},
    {"data_sha256", RL_PARAM_STRING, "", 0, 0, NULL,
     "written by rlrun: the SHA-256 of the data file the run began with (see rlrun(1), "
     "Input files)"},
    {"synthetic_seed", RL_PARAM_INT, "1", 0, 9007199254740991.0, NULL,
     "data = synthetic: seed of the series (independent of the run's seed)"},
    {"synthetic_days", RL_PARAM_INT, "5040", 100, 1e7, NULL,
     "data = synthetic: number of business days (5040 is about twenty years)"},
    {"train_start", RL_PARAM_STRING, "", 0, 0, NULL,
     "first day of the training period, YYYY-MM-DD (empty: automatic)"},
    {"train_end", RL_PARAM_STRING, "", 0, 0, NULL,
     "last day of the training period, YYYY-MM-DD (empty: automatic)"},
    {"eval_start", RL_PARAM_STRING, "", 0, 0, NULL,
     "first day of the evaluation period, after train_end (empty: automatic)"},
    {"eval_end", RL_PARAM_STRING, "", 0, 0, NULL,
     "last day of the evaluation period (empty: the last row)"},
    {"train_fraction", RL_PARAM_REAL, "0.7", 0.05, 0.95, NULL,
     "share of the rows that trains when train_end and eval_start are empty; the rest evaluates"},
    {"actions", RL_PARAM_CHOICE, "discrete", 0, 0, "discrete|continuous",
     "discrete: 0 hold, 1 buy (to max_position), 2 sell (to the minimum position); "
     "continuous: the target position"},
    {"allow_short", RL_PARAM_BOOL, "false", 0, 0, NULL,
     "the minimum position is -max_position instead of 0"},
    {"max_position", RL_PARAM_REAL, "1", 0.01, 1, NULL,
     "largest share of the portfolio's value held in the asset"},
    {"cost_bps", RL_PARAM_REAL, "10", 0, 1000, NULL,
     "transaction cost, basis points of the value traded"},
    {"slippage_bps", RL_PARAM_REAL, "5", 0, 1000, NULL,
     "slippage, basis points of the value traded (the fill is that much worse than the close)"},
    {"window", RL_PARAM_INT, "20", 1, 250, NULL,
     "vector observation: number of past daily returns"},
    {"episode_length", RL_PARAM_INT, "252", 10, 1e8, NULL,
     "training: steps (days) per episode, from a random day of the training period"},
    {"observation", RL_PARAM_CHOICE, "vector", 0, 0, "vector|discrete",
     "vector: returns, indicators and position (PPO); discrete: binned features, for qlearn"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

/* ---- features ------------------------------------------------------------------- */

static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* Fill the feature arrays. Each value at day i reads prices of days <= i:
 * the volatility starts at day VOL_INIT from the mean square of returns 1 to
 * VOL_INIT, then follows the EWMA recursion; a return is standardised by the
 * volatility of the day before it. */
static int compute_features(trading *t, rl_error *err)
{
    size_t n = t->s.n;
    double *r = calloc(n, sizeof *r), *sig = calloc(n, sizeof *sig),
           *sig_long = calloc(n, sizeof *sig_long);
    t->z = calloc(n, sizeof *t->z);
    t->madev = calloc(n, sizeof *t->madev);
    t->vol = calloc(n, sizeof *t->vol);
    t->vratio = calloc(n, sizeof *t->vratio);
    t->trend = calloc(n, sizeof *t->trend);
    if (!r || !sig || !sig_long || !t->z || !t->madev || !t->vol || !t->vratio || !t->trend) {
        free(r), free(sig), free(sig_long);
        return rl_error_set(err, RL_ENOMEM, "out of memory for the features");
    }
    const double *p = t->s.price;
    for (size_t i = 1; i < n; i++) r[i] = log(p[i] / p[i - 1]);
    double v = 0, vl = 0;
    for (size_t i = 1; i <= VOL_INIT && i < n; i++) v += r[i] * r[i];
    v /= VOL_INIT;
    vl = v;
    double ma_sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > VOL_INIT) {
            v = VOL_LAMBDA * v + (1 - VOL_LAMBDA) * r[i] * r[i];
            vl = VOL_LONG_LAMBDA * vl + (1 - VOL_LONG_LAMBDA) * r[i] * r[i];
        }
        sig[i] = fmax(sqrt(v), VOL_FLOOR);
        sig_long[i] = fmax(sqrt(vl), VOL_FLOOR);
        if (i > VOL_INIT) t->z[i] = clip(r[i] / sig[i - 1], -Z_CLIP, Z_CLIP);
        ma_sum += p[i];
        if (i >= MA_LEN) ma_sum -= p[i - MA_LEN];
        if (i + 1 >= MA_LEN)
            t->madev[i] = clip(log(p[i] / (ma_sum / MA_LEN)) / (sig[i] * sqrt(MA_LEN)), -Z_CLIP,
                               Z_CLIP);
        t->vol[i] = clip(sig[i] * sqrt(DAYS_PER_YEAR), 0, Z_CLIP);
        t->vratio[i] = clip(log(sig[i] / sig_long[i]), -3, 3);
    }
    /* The recent drift as a t-statistic: the window's standardised returns
     * summed, over the square root of their number. */
    size_t w = (size_t)t->window;
    double zs = 0;
    for (size_t i = 0; i < n; i++) {
        zs += t->z[i];
        if (i >= w) zs -= t->z[i - w];
        t->trend[i] = zs / sqrt((double)w);
    }
    free(r), free(sig), free(sig_long);
    return RL_OK;
}

/* The first day every feature is defined: the window's oldest return needs
 * the volatility of the day before it, and the moving average MA_LEN prices. */
static size_t first_day(int64_t window)
{
    size_t a = VOL_INIT + (size_t)window, b = MA_LEN - 1;
    return a > b ? a : b;
}

static size_t position_bin(const trading *t, double w)
{
    if (w > 1e-9) return t->npos - 1; /* long */
    if (w < -1e-9) return 0;          /* short (npos is 3) */
    return t->npos == 3 ? 1 : 0;      /* flat */
}

static void observe(const trading *t, double *obs)
{
    size_t d = t->d;
    if (t->discrete_obs) {
        double tr = t->trend[d];
        size_t tb = tr < -1 ? 0 : tr < 0 ? 1 : tr < 1 ? 2 : 3;
        size_t mb = t->madev[d] >= 0, vb = t->vratio[d] >= 0;
        obs[0] = (double)(((tb * 2 + mb) * 2 + vb) * (size_t)t->npos + position_bin(t, t->w));
        return;
    }
    size_t w = (size_t)t->window;
    for (size_t k = 0; k < w; k++) obs[k] = t->z[d + 1 - w + k];
    obs[w] = t->madev[d];
    obs[w + 1] = t->vol[d];
    obs[w + 2] = t->vratio[d];
    obs[w + 3] = t->w;
}

/* ---- performance ---------------------------------------------------------------- */

static void perf_start(tr_perf *p)
{
    *p = (tr_perf){.value = 1, .peak = 1};
}

static void perf_step(tr_perf *p, double value, int traded)
{
    double r = value / p->value - 1;
    p->steps++;
    p->trades += traded;
    double delta = r - p->mean;
    p->mean += delta / (double)p->steps;
    p->m2 += delta * (r - p->mean);
    p->value = value;
    if (value > p->peak) p->peak = value;
    double dd = 1 - value / p->peak;
    if (dd > p->maxdd) p->maxdd = dd;
}

/* Annualised Sharpe ratio of the daily returns (no risk-free rate); 0 when
 * they do not vary. */
static double perf_sharpe(const tr_perf *p)
{
    if (p->steps < 2) return 0;
    double sd = sqrt(p->m2 / (double)(p->steps - 1));
    return sd > 1e-12 ? p->mean / sd * sqrt(DAYS_PER_YEAR) : 0;
}

/* ---- configuration -------------------------------------------------------------- */

static int config_error(rl_config *cfg, rl_error *err)
{
    return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
}

/* A date key: empty (has = 0) or a valid date. */
static int get_date(rl_config *cfg, const char *sec, const char *key, int *has, int32_t *day,
                    rl_error *err)
{
    const char *text;
    if (rl_config_get_string(cfg, sec, key, &text) != RL_OK) return config_error(cfg, err);
    *has = text[0] != 0;
    if (*has && tr_parse_date(text, strlen(text), day) != 0) {
        rl_config_fail(cfg, RL_EINVAL, sec, key, "'%s' is not a date YYYY-MM-DD", text);
        return config_error(cfg, err);
    }
    return RL_OK;
}

/* First row on or after day (n when none). */
static size_t row_from(const tr_series *s, int32_t day)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->day[mid] < day) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static const char *data_name(const trading *t)
{
    return t->s.source[0] ? t->s.source : "the synthetic series";
}

/* The training and evaluation periods, from the four date keys or the
 * fraction (doc/trading.md, "Periods"). */
static int split_periods(trading *t, rl_config *cfg, const char *sec, rl_error *err)
{
    int hts, hte, hes, hee;
    int32_t ts = 0, te = 0, es = 0, ee = 0;
    double frac;
    int rc = get_date(cfg, sec, "train_start", &hts, &ts, err);
    if (!rc) rc = get_date(cfg, sec, "train_end", &hte, &te, err);
    if (!rc) rc = get_date(cfg, sec, "eval_start", &hes, &es, err);
    if (!rc) rc = get_date(cfg, sec, "eval_end", &hee, &ee, err);
    if (rc) return rc;
    if (rl_config_get_real(cfg, sec, "train_fraction", &frac) != RL_OK)
        return config_error(cfg, err);
    const tr_series *s = &t->s;
    size_t n = s->n;
    char d0[11], d1[11];
    tr_format_date(s->day[0], d0);
    tr_format_date(s->day[n - 1], d1);
    if (hte && hes && es <= te) {
        rl_config_fail(cfg, RL_EINVAL, sec, "eval_start",
                       "the evaluation period must start after the training period ends "
                       "(train_end is %s)",
                       rl_config_where(cfg, sec, "train_end"));
        return config_error(cfg, err);
    }
    const struct {
        int has;
        int32_t day;
        const char *key;
    } keys[4] = {{hts, ts, "train_start"}, {hte, te, "train_end"}, {hes, es, "eval_start"},
                 {hee, ee, "eval_end"}};
    for (int k = 0; k < 4; k++) {
        if (keys[k].has && (keys[k].day < s->day[0] || keys[k].day > s->day[n - 1])) {
            rl_config_fail(cfg, RL_ERANGE, sec, keys[k].key,
                           "the date is outside the data (%s has %s .. %s)", data_name(t), d0,
                           d1);
            return rl_error_set(err, RL_ERANGE, "%s", rl_config_errmsg(cfg));
        }
    }
    /* Rows: train [a, b], evaluation [c, e]. */
    size_t a = hts ? row_from(s, ts) : 0;
    size_t e = hee ? row_from(s, ee + 1) - 1 : n - 1;
    size_t b, c;
    if (!hte && !hes) {
        if (e < a) e = a;
        size_t split = a + (size_t)floor(frac * (double)(e - a + 1));
        b = split - 1;
        c = split;
    } else {
        b = hte ? row_from(s, te + 1) - 1 : row_from(s, es) - 1;
        c = hes ? row_from(s, es) : b + 1;
    }
    t->tr_lo = a > t->first ? a : t->first;
    t->tr_hi = b;
    t->ev_lo = c > t->first ? c : t->first;
    t->ev_hi = e;
    if (b != SIZE_MAX && b >= c) {
        rl_config_fail(cfg, RL_EINVAL, sec, hes ? "eval_start" : "train_end",
                       "the evaluation period must start after the training period ends");
        return config_error(cfg, err);
    }
    const char *what[2] = {"training", "evaluation"};
    size_t lo[2] = {t->tr_lo, t->ev_lo}, hi[2] = {t->tr_hi, t->ev_hi};
    /* The key to blame: the one that set the period's end, else its start. */
    const char *key[2] = {hte ? "train_end" : hes ? "eval_start" : hts ? "train_start"
                                                                      : "train_fraction",
                          hee ? "eval_end" : hes ? "eval_start" : hte ? "train_end"
                                                                      : "train_fraction"};
    for (int k = 0; k < 2; k++) {
        if (hi[k] >= n || lo[k] >= hi[k] || hi[k] - lo[k] < MIN_STEPS) {
            size_t steps = hi[k] < n && lo[k] < hi[k] ? hi[k] - lo[k] : 0;
            rl_config_fail(cfg, RL_ERANGE, sec, key[k],
                           "the %s period gives %zu steps of %s, at least %d are needed (the "
                           "first %zu rows only feed the observation window and indicators)",
                           what[k], steps, data_name(t), MIN_STEPS, t->first);
            return rl_error_set(err, RL_ERANGE, "%s", rl_config_errmsg(cfg));
        }
    }
    return RL_OK;
}

static int tr_init(void *state, rl_config *cfg, const char *sec, rl_env_spec *spec,
                   rl_error *err)
{
    trading *t = state;
    const char *data, *actions, *observation;
    int64_t seed, days;
    int allow_short;
    double cost_bps, slip_bps;
    if (rl_config_get_string(cfg, sec, "data", &data) != RL_OK ||
        rl_config_get_int(cfg, sec, "synthetic_seed", &seed) != RL_OK ||
        rl_config_get_int(cfg, sec, "synthetic_days", &days) != RL_OK ||
        rl_config_get_string(cfg, sec, "actions", &actions) != RL_OK ||
        rl_config_get_bool(cfg, sec, "allow_short", &allow_short) != RL_OK ||
        rl_config_get_real(cfg, sec, "max_position", &t->max_pos) != RL_OK ||
        rl_config_get_real(cfg, sec, "cost_bps", &cost_bps) != RL_OK ||
        rl_config_get_real(cfg, sec, "slippage_bps", &slip_bps) != RL_OK ||
        rl_config_get_int(cfg, sec, "window", &t->window) != RL_OK ||
        rl_config_get_int(cfg, sec, "episode_length", &t->episode_length) != RL_OK ||
        rl_config_get_string(cfg, sec, "observation", &observation) != RL_OK)
        return config_error(cfg, err);
    t->continuous = strcmp(actions, "continuous") == 0;
    t->discrete_obs = strcmp(observation, "discrete") == 0;
    t->min_pos = allow_short ? -t->max_pos : 0;
    t->npos = allow_short ? 3 : 2;
    t->cost = (cost_bps + slip_bps) / 1e4;
    t->first = first_day(t->window);

    size_t min_rows = t->first + 2 * (MIN_STEPS + 1);
    int rc;
    if (strcmp(data, "synthetic") == 0) {
        if ((size_t)days < min_rows) {
            rl_config_fail(cfg, RL_ERANGE, sec, "synthetic_days",
                           "%lld days are too few for window %lld: at least %zu are needed",
                           (long long)days, (long long)t->window, min_rows);
            return rl_error_set(err, RL_ERANGE, "%s", rl_config_errmsg(cfg));
        }
        rc = tr_series_synthetic(&t->s, (size_t)days, (uint64_t)seed, NULL, err);
    } else {
        rc = tr_series_load_csv(&t->s, data, min_rows, err);
    }
    if (rc != RL_OK) return rc;
    if ((rc = compute_features(t, err)) != RL_OK) return rc;
    if ((rc = split_periods(t, cfg, sec, err)) != RL_OK) return rc;

    if (t->discrete_obs) {
        rc = rl_space_discrete(&spec->observation_space, 16 * t->npos);
    } else {
        size_t dim = (size_t)t->window + 4;
        double *lo = malloc(dim * sizeof *lo), *hi = malloc(dim * sizeof *hi);
        if (!lo || !hi) {
            free(lo), free(hi);
            return rl_error_set(err, RL_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < dim; k++) lo[k] = -Z_CLIP, hi[k] = Z_CLIP;
        lo[dim - 4] = -Z_CLIP, hi[dim - 4] = Z_CLIP; /* price vs moving average */
        lo[dim - 3] = 0, hi[dim - 3] = Z_CLIP;       /* annualised volatility */
        lo[dim - 2] = -3, hi[dim - 2] = 3;           /* log volatility ratio */
        lo[dim - 1] = -INFINITY, hi[dim - 1] = INFINITY; /* position, drifts */
        rc = rl_space_box(&spec->observation_space, 1, &dim, lo, hi);
        free(lo), free(hi);
    }
    if (rc == RL_OK) {
        if (t->continuous) {
            const size_t one = 1;
            rc = rl_space_box(&spec->action_space, 1, &one, &t->min_pos, &t->max_pos);
        } else {
            rc = rl_space_discrete(&spec->action_space, 3);
        }
    }
    if (rc != RL_OK) return rl_error_set(err, RL_ENOMEM, "cannot make the spaces");
    return RL_OK;
}

static void tr_fini(void *state)
{
    trading *t = state;
    tr_series_free(&t->s);
    free(t->z), free(t->madev), free(t->vol), free(t->vratio), free(t->trend);
}

/* ---- episodes ------------------------------------------------------------------- */

static int tr_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)err;
    trading *t = state;
    t->ep_eval = t->eval;
    if (t->ep_eval) {
        t->start = t->ev_lo;
        t->end = t->ev_hi;
    } else {
        size_t avail = t->tr_hi - t->tr_lo;
        size_t len = (size_t)t->episode_length < avail ? (size_t)t->episode_length : avail;
        t->start = t->tr_lo + rl_pcg32_bounded(rng, (uint32_t)(avail - len + 1));
        t->end = t->start + len;
    }
    t->d = t->start;
    t->w = 0;
    t->ruined = 0;
    t->expo_sum = 0;
    perf_start(&t->perf);
    observe(t, obs);
    return RL_OK;
}

static int tr_step(void *state, rl_pcg32 *rng, const double *action, double *obs, rl_step *out,
                   rl_error *err)
{
    (void)rng, (void)err;
    trading *t = state;
    double target;
    if (t->continuous) {
        target = action[0];
    } else {
        int a = (int)action[0];
        target = a == 1 ? t->max_pos : a == 2 ? t->min_pos : t->w;
    }
    double traded = fabs(target - t->w);
    double after_cost = 1 - t->cost * traded;
    double ret = t->s.price[t->d + 1] / t->s.price[t->d] - 1;
    double growth = 1 + target * ret;
    if (growth <= RUIN) {
        /* A short wiped out by a rise: the episode ends. */
        growth = RUIN;
        t->ruined = 1;
        out->terminated = 1;
    }
    double ratio = after_cost * growth;
    t->w = t->ruined ? 0 : target * (1 + ret) / growth;
    t->expo_sum += fabs(target);
    perf_step(&t->perf, t->perf.value * ratio, traded > 1e-12);
    t->d++;
    out->reward = log(ratio);
    if (!out->terminated && t->d >= t->end) out->truncated = 1;
    observe(t, obs);
    return RL_OK;
}

static int tr_set_evaluation(void *state, int on, rl_error *err)
{
    (void)err;
    ((trading *)state)->eval = on != 0;
    return RL_OK;
}

/* ---- metrics: the agent beside buy-and-hold and cash on the same days ----------- */

static const char *const tr_metric_names[] = {
    "agent_total_return",        "agent_sharpe",           "agent_max_drawdown",
    "agent_trades",              "agent_exposure",         "buy_and_hold_total_return",
    "buy_and_hold_sharpe",       "buy_and_hold_max_drawdown", "buy_and_hold_trades",
    "cash_total_return",         "cash_sharpe",            "cash_max_drawdown",
    "cash_trades",               NULL};

static void tr_metrics(const void *state, double *v)
{
    const trading *t = state;
    const tr_perf *a = &t->perf;
    v[0] = a->value - 1;
    v[1] = perf_sharpe(a);
    v[2] = a->maxdd;
    v[3] = (double)a->trades;
    v[4] = a->steps ? t->expo_sum / (double)a->steps : 0;
    /* Buy-and-hold: buy max_position at the first close of the episode
     * (paying the same cost), hold the units to its last day. */
    tr_perf b;
    perf_start(&b);
    double cash = 1 - t->cost * t->max_pos;
    double units = (1 - t->cost * t->max_pos) * t->max_pos / t->s.price[t->start];
    cash -= units * t->s.price[t->start];
    for (size_t d = t->start + 1; d <= t->d; d++)
        perf_step(&b, cash + units * t->s.price[d], d == t->start + 1);
    v[5] = b.value - 1;
    v[6] = perf_sharpe(&b);
    v[7] = b.maxdd;
    v[8] = (double)b.trades;
    /* Cash earns nothing: every figure is 0. */
    v[9] = v[10] = v[11] = v[12] = 0;
}

/* ---- the evaluation's summary: a table of the metrics' means -------------------- */

enum { TR_NCOLS = 3 }; /* agent, buy-and-hold, cash */

/* One row: the label, then a cell per column, right-aligned under the
 * column names of tr_summary's header. */
static void tr_row(FILE *out, const char *label, char cells[TR_NCOLS][32])
{
    fprintf(out, "  %-24s", label);
    for (int c = 0; c < TR_NCOLS; c++) fprintf(out, "%14s", cells[c]);
    fputc('\n', out);
}

/* The means of metric k of each column (metric index per column, -1 for a
 * figure the column has not), as fmt of value * scale. */
static void tr_cells(char cells[TR_NCOLS][32], const double *m, const int idx[TR_NCOLS],
                     const char *fmt, double scale)
{
    for (int c = 0; c < TR_NCOLS; c++) {
        if (idx[c] < 0) snprintf(cells[c], sizeof cells[c], "-");
        else snprintf(cells[c], sizeof cells[c], fmt, m[idx[c]] * scale);
    }
}

/* Trade counts: whole numbers as such, a mean over episodes with two
 * decimals. */
static void tr_count_cells(char cells[TR_NCOLS][32], const double *m, const int idx[TR_NCOLS])
{
    for (int c = 0; c < TR_NCOLS; c++) {
        double v = m[idx[c]];
        snprintf(cells[c], sizeof cells[c], v == floor(v) ? "%.0f" : "%.2f", v);
    }
}

/* The period is that of evaluation episodes: from the close of row ev_lo,
 * where the first decision is taken, to the close of row ev_hi, the last
 * one valued (doc/trading.md, "Periods"). Prices have no currency in the
 * data: they are in price units. */
static int tr_summary(const void *state, const double *m, size_t episodes, FILE *out,
                      rl_error *err)
{
    (void)err;
    const trading *t = state;
    char first[11], last[11];
    tr_format_date(t->s.day[t->ev_lo], first);
    tr_format_date(t->s.day[t->ev_hi], last);
    fprintf(out, "  held-out period %s .. %s: %zu trading days of %s", first, last,
            t->ev_hi - t->ev_lo,
            data_name(t));
    if (episodes > 1) fprintf(out, " (means of %zu episodes)", episodes);
    fputc('\n', out);
    double p0 = t->s.price[t->ev_lo], p1 = t->s.price[t->ev_hi];
    fprintf(out, p0 >= 1 && p1 >= 1 ? "  price %.2f on %s, %.2f on %s (price units)\n"
                                     : "  price %.6g on %s, %.6g on %s (price units)\n",
            p0, first, p1, last);
    fprintf(out, "  %-24s%14s%14s%14s\n", "", "agent", "buy-and-hold", "cash");
    char cells[TR_NCOLS][32];
    /* Indices in tr_metric_names. */
    static const int ret[] = {0, 5, 9}, sharpe[] = {1, 6, 10}, dd[] = {2, 7, 11},
                     trades[] = {3, 8, 12}, expo[] = {4, -1, -1};
    tr_cells(cells, m, ret, "%.2f", 100);
    tr_row(out, "total return (%)", cells);
    tr_cells(cells, m, sharpe, "%.4f", 1);
    tr_row(out, "Sharpe ratio (annual)", cells);
    tr_cells(cells, m, dd, "%.2f", 100);
    tr_row(out, "max drawdown (%)", cells);
    tr_count_cells(cells, m, trades);
    tr_row(out, "trades", cells);
    tr_cells(cells, m, expo, "%.2f", 100);
    tr_row(out, "exposure (% invested)", cells);
    return RL_OK;
}

/* ---- exact resume ----------------------------------------------------------------- */

static int tr_save(const void *state, rl_writer *w, rl_error *err)
{
    (void)err;
    const trading *t = state;
    rl_write_u32(w, LAYOUT);
    rl_write_u32(w, (uint32_t)t->eval);
    rl_write_u32(w, (uint32_t)t->ep_eval);
    rl_write_u32(w, (uint32_t)t->ruined);
    rl_write_u64(w, t->start);
    rl_write_u64(w, t->d);
    rl_write_u64(w, t->end);
    const double f[] = {t->w,         t->perf.value, t->perf.peak, t->perf.maxdd,
                        t->perf.mean, t->perf.m2,    t->expo_sum};
    rl_write_f64_array(w, f, sizeof f / sizeof *f);
    rl_write_u64(w, (uint64_t)t->perf.steps);
    rl_write_u64(w, (uint64_t)t->perf.trades);
    return RL_OK;
}

static int tr_load(void *state, rl_reader *r, rl_error *err)
{
    trading *t = state;
    uint32_t layout = 0, eval = 0, ep_eval = 0, ruined = 0;
    uint64_t start = 0, d = 0, end = 0, steps = 0, trades = 0;
    double f[7] = {0};
    rl_read_u32(r, &layout);
    rl_read_u32(r, &eval);
    rl_read_u32(r, &ep_eval);
    rl_read_u32(r, &ruined);
    rl_read_u64(r, &start);
    rl_read_u64(r, &d);
    rl_read_u64(r, &end);
    rl_read_f64_array(r, f, 7);
    rl_read_u64(r, &steps);
    rl_read_u64(r, &trades);
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "trading state is truncated");
    size_t lo = ep_eval ? t->ev_lo : t->tr_lo, hi = ep_eval ? t->ev_hi : t->tr_hi;
    int ok = layout == LAYOUT && eval <= 1 && ep_eval <= 1 && ruined <= 1 && lo <= start &&
             start <= d && d <= end && end <= hi && steps == d - start && trades <= steps;
    for (int i = 0; i < 7; i++) ok = ok && isfinite(f[i]);
    if (!ok) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT,
                            "trading state does not fit this configuration (layout %u, days "
                            "%llu .. %llu of %zu)",
                            (unsigned)layout, (unsigned long long)start,
                            (unsigned long long)end, t->s.n);
    }
    t->eval = (int)eval;
    t->ep_eval = (int)ep_eval;
    t->ruined = (int)ruined;
    t->start = start;
    t->d = d;
    t->end = end;
    t->w = f[0];
    t->perf = (tr_perf){.value = f[1], .peak = f[2], .maxdd = f[3], .mean = f[4], .m2 = f[5],
                        .steps = (int64_t)steps, .trades = (int64_t)trades};
    t->expo_sum = f[6];
    return RL_OK;
}

/* The data file, recorded by rlrun with its SHA-256 and kept in the run. */
static const char *const data_input_keys[] = {"data", NULL};

const rl_env_type rl_trading_env = {
    RL_ENV_TYPE_HEADER,
    .name = "trading",
    .summary = "one asset from daily prices (synthetic or CSV): hold/buy/sell or a target "
               "position, costs in bps; agent vs buy-and-hold and cash",
    .size = sizeof(trading),
    .params = trading_params,
    .input_keys = data_input_keys,
    .max_episode_steps = 0,
    .init = tr_init,
    .reset = tr_reset,
    .step = tr_step,
    .fini = tr_fini,
    .metric_names = tr_metric_names,
    .episode_metrics = tr_metrics,
    .save = tr_save,
    .load = tr_load,
    .set_evaluation = tr_set_evaluation,
    .eval_episodes = 1, /* one pass over the held-out period */
    .write_summary = tr_summary,
};

RL_PLUGIN_ENTRY(trading)
{
    return rl_registry_add_env(registry, &rl_trading_env);
}
