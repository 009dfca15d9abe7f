/* rlrun's process group: what needs no MPI (see group.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

/* A positive integer from the environment variable name, else 0. */
static int env_count(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) return 0;
    char *end;
    long n = strtol(v, &end, 10);
    return *end || n < 1 || n > 1000000 ? 0 : (int)n;
}

int rlrun_group_launched(void)
{
    int n = env_count("OMPI_COMM_WORLD_SIZE");
    if (!n) n = env_count("PMI_SIZE");
    if (!n && getenv("PMIX_RANK")) {
        n = env_count("SLURM_STEP_NUM_TASKS");
        if (!n) n = 1; /* a PMIx launcher whose size we cannot read: MPI_Init tells */
    }
    return n;
}

static int keep_f32(void *ctx, float *buf, size_t n, rl_error *err)
{
    (void)ctx, (void)buf, (void)n, (void)err;
    return RL_OK;
}

static int keep_f64(void *ctx, double *buf, size_t n, rl_error *err)
{
    (void)ctx, (void)buf, (void)n, (void)err;
    return RL_OK;
}

static int keep_bytes(void *ctx, void *buf, size_t bytes, rl_error *err)
{
    (void)ctx, (void)buf, (void)bytes, (void)err;
    return RL_OK;
}

void rlrun_group_alone(rlrun_group *g)
{
    g->rank = 0;
    g->size = 1;
    g->local_size = 1;
    g->comm = (rl_comm){.rank = 0, .size = 1, .ctx = NULL, .sum_f32 = keep_f32,
                        .sum_f64 = keep_f64, .max_f64 = keep_f64, .bcast = keep_bytes};
}

#ifndef RL_HAVE_MPI
const char *const rlrun_group_mpi = NULL;

int rlrun_group_init(rlrun_group *g, int *argc, char ***argv, char *msg, size_t len)
{
    (void)argc, (void)argv;
    memset(g, 0, sizeof *g);
    rlrun_group_alone(g);
    int n = rlrun_group_launched();
    if (n > 1) {
        /* Each of the n processes would train alone and write the same
         * run directory: refuse, on every one, before anything is written. */
        snprintf(msg, len,
                 "this rlrun was built without MPI: it cannot train as one of %d processes "
                 "(mpirun -np %d); run it alone, or rebuild after apt-get install "
                 "libopenmpi-dev openmpi-bin (configure says 'Open MPI: yes')",
                 n, n);
        return 2;
    }
    return 0;
}

void rlrun_group_abort(rlrun_group *g, int status)
{
    (void)g, (void)status;
}

void rlrun_group_end(rlrun_group *g)
{
    (void)g;
}
#endif
