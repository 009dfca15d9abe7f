/* librl: a small pool of threads for fixed sets of independent tasks
 * (internal; not installed).
 *
 * rl__pool_run(pool, ntasks, fn, ctx) calls fn(ctx, k) once for every k in
 * 0 .. ntasks-1, on the caller's thread and the pool's workers, and returns
 * when all have run. Which thread runs which task is not fixed, so a task
 * must write only its own outputs: results then do not depend on the
 * number of threads. A NULL pool runs every task on the caller's thread.
 *
 * Workers wait for the next job by spinning briefly (a PPO update hands
 * out a job every few tens of microseconds), then sleep on a condition
 * variable, so an idle pool costs no CPU. */
#ifndef RL_POOL_H
#define RL_POOL_H

#include <stddef.h>

typedef struct rl__pool rl__pool;
typedef void (*rl__pool_fn)(void *ctx, size_t task);

/* A pool of threads in all (the caller's included; threads - 1 workers).
 * *out is NULL for threads <= 1. RL_OK, RL_ENOMEM, or RL_EIO when a thread
 * cannot be started. */
int rl__pool_create(rl__pool **out, int threads);
void rl__pool_free(rl__pool *pool);
int rl__pool_threads(const rl__pool *pool);
void rl__pool_run(rl__pool *pool, size_t ntasks, rl__pool_fn fn, void *ctx);

#endif
