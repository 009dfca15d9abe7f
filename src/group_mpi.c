/* rlrun's process group over MPI_COMM_WORLD (see group.h): built into
 * rlrun only when configure finds Open MPI.
 *
 * Every rank must receive the same bits from a sum, and a run must give
 * the same bits each time with the same number of ranks. With two ranks
 * MPI_Allreduce does both: each element is a + b on both, and IEEE
 * addition is commutative. With more, MPI's reduction order depends on
 * its choice of algorithm, so the ranks' buffers are gathered on rank 0,
 * summed there in rank order and the sum broadcast.
 *
 * Errors come back (MPI_ERRORS_RETURN) as RL_ECOMM with MPI's message;
 * rlrun then ends the job with rlrun_group_abort. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "group.h"

const char *const rlrun_group_mpi = RL_MPI_VERSION;

typedef struct mpi_ctx {
    int rank, size;
    void *gather;       /* rank 0's workspace for sums over more than two ranks */
    size_t gather_size; /* its bytes */
} mpi_ctx;

/* The largest count one MPI call takes (an int). */
#define CHUNK ((size_t)INT_MAX / 8)

static int mpi_failed(int rc, const char *what, size_t n, const mpi_ctx *c, rl_error *err)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "code %d", rc);
    return rl_error_set(err, RL_ECOMM, "%s of %zu values failed on rank %d of %d: %s", what, n,
                        c->rank, c->size, text);
}

/* Rank 0's workspace of at least bytes (grown once to the largest sum). */
static int workspace(mpi_ctx *c, size_t bytes, rl_error *err)
{
    if (c->gather_size >= bytes) return RL_OK;
    void *p = realloc(c->gather, bytes);
    if (!p) return rl_error_set(err, RL_ENOMEM, "out of memory summing over %d ranks", c->size);
    c->gather = p;
    c->gather_size = bytes;
    return RL_OK;
}

/* Sum n elements of type t (float or double, elem bytes each) over the
 * ranks, in place, with the same bits on every rank. */
static int sum(mpi_ctx *c, void *buf, size_t n, MPI_Datatype t, size_t elem, rl_error *err)
{
    char *b = buf;
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? n - at : CHUNK;
        char *p = b + at * elem;
        int rc;
        if (c->size <= 2) {
            rc = MPI_Allreduce(MPI_IN_PLACE, p, (int)k, t, MPI_SUM, MPI_COMM_WORLD);
            if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Allreduce (a sum)", n, c, err);
            continue;
        }
        /* Gathered on rank 0 and summed in rank order. Should rank 0
         * fail to grow its workspace, the others wait in the gather until
         * rlrun, told RL_ENOMEM, ends the job (rlrun_group_abort). */
        if (c->rank == 0 && workspace(c, k * elem * (size_t)c->size, err) != RL_OK)
            return RL_ENOMEM;
        rc = MPI_Gather(p, (int)k, t, c->gather, (int)k, t, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Gather (a sum)", n, c, err);
        if (c->rank == 0) {
            if (elem == sizeof(float)) {
                float *g = c->gather, *out = (float *)(void *)p;
                for (size_t i = 0; i < k; i++) {
                    float s = g[i];
                    for (int r = 1; r < c->size; r++) s += g[(size_t)r * k + i];
                    out[i] = s;
                }
            } else {
                double *g = c->gather, *out = (double *)(void *)p;
                for (size_t i = 0; i < k; i++) {
                    double s = g[i];
                    for (int r = 1; r < c->size; r++) s += g[(size_t)r * k + i];
                    out[i] = s;
                }
            }
        }
        rc = MPI_Bcast(p, (int)k, t, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Bcast (a sum)", n, c, err);
    }
    return RL_OK;
}

static int sum_f32(void *ctx, float *buf, size_t n, rl_error *err)
{
    return sum(ctx, buf, n, MPI_FLOAT, sizeof(float), err);
}

static int sum_f64(void *ctx, double *buf, size_t n, rl_error *err)
{
    return sum(ctx, buf, n, MPI_DOUBLE, sizeof(double), err);
}

static int max_f64(void *ctx, double *buf, size_t n, rl_error *err)
{
    mpi_ctx *c = ctx;
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? n - at : CHUNK;
        int rc = MPI_Allreduce(MPI_IN_PLACE, buf + at, (int)k, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Allreduce (a maximum)", n, c, err);
    }
    return RL_OK;
}

static int bcast(void *ctx, void *buf, size_t bytes, rl_error *err)
{
    mpi_ctx *c = ctx;
    char *b = buf;
    for (size_t at = 0; at < bytes; at += CHUNK) {
        size_t k = bytes - at < CHUNK ? bytes - at : CHUNK;
        int rc = MPI_Bcast(b + at, (int)k, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failed(rc, "MPI_Bcast", bytes, c, err);
    }
    return RL_OK;
}

int rlrun_group_init(rlrun_group *g, int *argc, char ***argv, char *msg, size_t len)
{
    memset(g, 0, sizeof *g);
    rlrun_group_alone(g);
    if (!rlrun_group_launched()) return 0;
    /* Only the main thread calls MPI (rlrun's worker threads step
     * environments and compute gradients, never communicate). */
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(msg, len, "MPI_Init failed: cannot join the group mpirun started");
        return 1;
    }
    g->mpi = 1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    g->rank = rank;
    g->size = size;
    /* The ranks on this host: those that share its memory. */
    MPI_Comm local;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local) ==
        MPI_SUCCESS) {
        int n = 1;
        MPI_Comm_size(local, &n);
        g->local_size = n > 0 ? n : 1;
        MPI_Comm_free(&local);
    }
    if (size == 1) return 0; /* the group of one: no collective is needed */
    mpi_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(msg, len, "out of memory joining the group (rank %d of %d)", rank, size);
        return 1;
    }
    c->rank = rank;
    c->size = size;
    g->impl = c;
    g->comm = (rl_comm){.rank = rank, .size = size, .ctx = c, .sum_f32 = sum_f32,
                        .sum_f64 = sum_f64, .max_f64 = max_f64, .bcast = bcast};
    return 0;
}

void rlrun_group_abort(rlrun_group *g, int status)
{
    if (g->mpi && g->size > 1) MPI_Abort(MPI_COMM_WORLD, status);
}

void rlrun_group_end(rlrun_group *g)
{
    mpi_ctx *c = g->impl;
    if (c) free(c->gather);
    free(c);
    g->impl = NULL;
    if (g->mpi) MPI_Finalize();
    g->mpi = 0;
}
