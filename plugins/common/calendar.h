/* Calendar arithmetic shared by the plugins that read dated series
 * (trading, rota): whole days since 1970-01-01 in the proleptic Gregorian
 * calendar, so that no time zone or daylight-saving rule ever enters.
 * Compiled into each plugin that uses it (symbols stay hidden). */
#ifndef RL_PLUGIN_CALENDAR_H
#define RL_PLUGIN_CALENDAR_H

#include <stdint.h>

/* Days since 1970-01-01 of year y, month m (1-12), day d (H. Hinnant's
 * days_from_civil). */
int64_t rl_cal_days_from_civil(int64_t y, int64_t m, int64_t d);

/* The date of a day count (the inverse of rl_cal_days_from_civil). */
void rl_cal_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Read 'YYYY-MM-DD' from the first 10 characters of s (which may go on
 * after them, or end early: a NUL fails the check) into *days. Returns 0,
 * or -1 when they are not a real date (month 13, April 31, February 29 of
 * a common year, ...); *days is then unchanged. */
int rl_cal_parse_ymd(const char *s, int64_t *days);

#endif
