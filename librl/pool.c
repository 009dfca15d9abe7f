/* librl: the thread pool (pool.h). */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "rl/common.h"
#include "pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Spins before a waiting thread yields, and before it sleeps: about 50 to
 * 100 microseconds of pauses in all. */
#define SPIN_PAUSE 1000
#define SPIN_YIELD 1100

struct rl__pool {
    int nthreads;
    pthread_t *tid;
    int started;           /* workers running */
    atomic_uint gen;       /* job number; a new value starts a job */
    atomic_size_t next;    /* next task to hand out */
    atomic_int busy;       /* workers still in the current job */
    atomic_int sleepers;   /* workers asleep on cv */
    atomic_int stop;
    size_t ntasks;
    rl__pool_fn fn;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void run_tasks(rl__pool *p)
{
    size_t k;
    while ((k = atomic_fetch_add(&p->next, 1)) < p->ntasks) p->fn(p->ctx, k);
}

static void *worker(void *arg)
{
    rl__pool *p = arg;
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_PAUSE) {
                CPU_RELAX();
            } else if (spins < SPIN_YIELD) {
                sched_yield();
            } else {
                pthread_mutex_lock(&p->mu);
                atomic_fetch_add(&p->sleepers, 1);
                while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop))
                    pthread_cond_wait(&p->cv, &p->mu);
                atomic_fetch_sub(&p->sleepers, 1);
                pthread_mutex_unlock(&p->mu);
                spins = 0;
            }
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = g;
        run_tasks(p);
        atomic_fetch_sub(&p->busy, 1);
    }
}

int rl__pool_create(rl__pool **out, int threads)
{
    *out = NULL;
    if (threads <= 1) return RL_OK;
    rl__pool *p = calloc(1, sizeof *p);
    if (!p) return RL_ENOMEM;
    p->tid = calloc((size_t)threads - 1, sizeof *p->tid);
    if (!p->tid) {
        free(p);
        return RL_ENOMEM;
    }
    p->nthreads = threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < threads - 1; i++) {
        if (pthread_create(&p->tid[i], NULL, worker, p) != 0) {
            rl__pool_free(p);
            return RL_EIO;
        }
        p->started++;
    }
    *out = p;
    return RL_OK;
}

void rl__pool_free(rl__pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++) pthread_join(p->tid[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->tid);
    free(p);
}

int rl__pool_threads(const rl__pool *p) { return p ? p->nthreads : 1; }

void rl__pool_run(rl__pool *p, size_t ntasks, rl__pool_fn fn, void *ctx)
{
    if (!p || ntasks <= 1) {
        for (size_t k = 0; k < ntasks; k++) fn(ctx, k);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store(&p->next, 0);
    atomic_store(&p->busy, p->nthreads - 1);
    atomic_fetch_add(&p->gen, 1);
    /* Sequentially consistent: a worker that went to sleep before it saw
     * the new job is counted here, and one counted after will see it. */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    run_tasks(p);
    int spins = 0;
    while (atomic_load(&p->busy) > 0)
        if (++spins < SPIN_PAUSE)
            CPU_RELAX();
        else
            sched_yield();
}
