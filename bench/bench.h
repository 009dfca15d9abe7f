/* Helpers shared by the benchmark programs. */
#ifndef RL_BENCH_H
#define RL_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Monotonic wall time in seconds. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Report a failure as "PROGRAM: WHAT: MSG" and exit 1 (benchmarks are
 * programs, not library code). */
static inline void bench_die(const char *program, const char *what, const char *msg)
{
    fprintf(stderr, "%s: %s: %s\n", program, what, msg);
    exit(1);
}

#endif
