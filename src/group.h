/* rlrun's process group: the ranks of an mpirun (or srun) launch, or this
 * process alone.
 *
 * librl never links MPI: it trains over an rl_comm (rl/comm.h) that the
 * caller fills. group_mpi.c, built into rlrun when configure finds Open
 * MPI, fills one over MPI_COMM_WORLD; group.c holds what does not need
 * MPI (reading the launcher's environment, the group of one) and, in a
 * build without MPI, the refusal of a launch of several processes.
 * doc/distributed.md describes what rlrun does with the group. */
#ifndef RLRUN_GROUP_H
#define RLRUN_GROUP_H

#include <stddef.h>
#include <rl/comm.h>

typedef struct rlrun_group {
    int rank;       /* this process, 0 .. size-1 */
    int size;       /* processes in the group; 1 alone */
    int local_size; /* processes of the group on this host, >= 1 */
    int mpi;        /* 1 when MPI_Init was called (launched by mpirun or srun) */
    rl_comm comm;   /* the group's collectives; for a group of one they copy nothing */
    void *impl;     /* the implementation's own (group_mpi.c) */
} rlrun_group;

/* "Open MPI 4.1.4" in a build with MPI, NULL without (rlrun --version). */
extern const char *const rlrun_group_mpi;

/* The number of processes the launcher started, from the environment it
 * gives each one: OMPI_COMM_WORLD_SIZE (Open MPI's mpirun), PMI_SIZE
 * (MPICH's, Slurm's PMI-2), or, with PMIX_RANK set (srun --mpi=pmix),
 * SLURM_STEP_NUM_TASKS. 0 when this process was not started by one. */
int rlrun_group_launched(void);

/* Join the group this process was launched in: over MPI_COMM_WORLD in a
 * build with MPI launched by mpirun or srun (MPI_Init is called only
 * then, so a plain rlrun starts as fast as ever), else alone (rank 0 of
 * 1). A build without MPI launched as several processes refuses, with
 * the message in msg. Returns 0, 2 (that refusal) or 1 (MPI_Init or the
 * setup of the group failed), rlrun's exit statuses. */
int rlrun_group_init(rlrun_group *g, int *argc, char ***argv, char *msg, size_t len);

/* End the whole job at once with status (MPI_Abort; in a group of one,
 * nothing: the caller returns status). */
void rlrun_group_abort(rlrun_group *g, int status);

/* Leave the group (MPI_Finalize) and free what init took. */
void rlrun_group_end(rlrun_group *g);

/* The group of one: its rl_comm's operations leave the buffers as they
 * are. group.c; group_mpi.c uses it for a launch of one process. */
void rlrun_group_alone(rlrun_group *g);

#endif /* RLRUN_GROUP_H */
