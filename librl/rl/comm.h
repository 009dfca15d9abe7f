/* librl: training over several processes (data-parallel), without
 * depending on any message-passing library.
 *
 * An rl_comm is a group of processes that train one agent together, each
 * stepping its own environments: rank 0 .. size-1. librl never calls MPI
 * itself; the caller fills an rl_comm with four collective operations over
 * its own transport (rlrun does it over MPI_COMM_WORLD when built with Open
 * MPI) and hands it to the agent with rl_algo_set_comm. Every operation is
 * collective: every member calls it, in the same order, with the same n.
 *
 * What an agent does with it (ppo; see rl_algo_set_comm): rank 0's learning
 * state is broadcast once, so all ranks start equal; each rank collects
 * its own batch with its own random stream; every minibatch's gradient is
 * summed over the ranks (weighted by their rows), so all ranks take the
 * same optimiser step; the observation and return normalisers' statistics
 * and the episode statistics are merged at the end of each iteration; and
 * after each iteration the ranks compare a checksum of their weights and
 * fail with RL_ECOMM if they differ.
 *
 * A function returns RL_OK, or an error status (RL_ECOMM for a failed
 * collective) with a message in err. */
#ifndef RL_COMM_H
#define RL_COMM_H

#include <stddef.h>
#include <rl/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rl_comm {
    int rank; /* this process, 0 .. size-1 */
    int size; /* processes in the group, >= 1 */
    void *ctx; /* the caller's, passed to every operation */
    /* Sum buf[0..n) element by element over the ranks, in place. Every
     * rank must receive the same bits (with MPI: MPI_Allreduce with MPI_SUM
     * is exact for 2 ranks; for more, reduce to rank 0 and broadcast). */
    int (*sum_f32)(void *ctx, float *buf, size_t n, rl_error *err);
    int (*sum_f64)(void *ctx, double *buf, size_t n, rl_error *err);
    /* The largest buf[i] over the ranks, in place. */
    int (*max_f64)(void *ctx, double *buf, size_t n, rl_error *err);
    /* Copy rank 0's bytes into every other rank's buf. */
    int (*bcast)(void *ctx, void *buf, size_t bytes, rl_error *err);
} rl_comm;

#ifdef __cplusplus
}
#endif
#endif /* RL_COMM_H */
