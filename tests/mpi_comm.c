/* rlrun's rl_comm over MPI (src/group_mpi.c), run by tests/rlrun_mpi.sh
 * under mpirun -np 2 and -np 3: every operation gives the expected
 * values, and every rank the same bits.
 *
 * Each rank fills buffers with values of its own whose sums round (so the
 * order of the additions matters in the last bits); the expected sum is
 * the one in rank order, which both the two-rank Allreduce (a + b) and
 * the gather on rank 0 compute. Prints one line per check and exits 0
 * when all pass, 1 otherwise. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

static int fails;

static void check(const rlrun_group *g, int ok, const char *what)
{
    if (!ok) fails++;
    if (g->rank == 0 || !ok) printf("%s: rank %d: %s\n", ok ? "PASS" : "FAIL", g->rank, what);
}

/* Rank r's value i: scaled so that sums round. */
static double value(int r, size_t i)
{
    return (1.0 + 0.1 * (double)r) * (1e8 * (double)(i % 7) + 1.0 / (double)(i + 3)) *
           ((i + (size_t)r) % 2 ? 1 : -1);
}

int main(int argc, char **argv)
{
    rlrun_group g;
    char msg[512];
    if (rlrun_group_init(&g, &argc, &argv, msg, sizeof msg) != 0) {
        fprintf(stderr, "mpi_comm: %s\n", msg);
        return 1;
    }
    if (!g.mpi) {
        fprintf(stderr, "mpi_comm: run me under mpirun\n");
        rlrun_group_end(&g);
        return 1;
    }
    rl_comm *c = &g.comm;
    check(&g, c->size == g.size && c->rank == g.rank && g.local_size >= 1 &&
                  g.local_size <= g.size,
          "rank, size and ranks on this host");
    /* More than one chunk of nothing, but an odd length. */
    enum { N = 1001 };
    static float f[N], fexp[N];
    static double d[N], dexp[N], m[N], mexp[N];
    for (size_t i = 0; i < N; i++) {
        f[i] = (float)value(g.rank, i);
        d[i] = value(g.rank, i);
        m[i] = value(g.rank, i);
        float fs = (float)value(0, i);
        double ds = value(0, i), ms = value(0, i);
        for (int r = 1; r < g.size; r++) {
            fs += (float)value(r, i);
            ds += value(r, i);
            ms = fmax(ms, value(r, i));
        }
        fexp[i] = fs;
        dexp[i] = ds;
        mexp[i] = ms;
    }
    rl_error err = {0};
    check(&g, c->sum_f32(c->ctx, f, N, &err) == RL_OK, "sum_f32 returns RL_OK");
    check(&g, memcmp(f, fexp, sizeof f) == 0, "sum_f32: the sum in rank order, bit for bit");
    check(&g, c->sum_f64(c->ctx, d, N, &err) == RL_OK, "sum_f64 returns RL_OK");
    check(&g, memcmp(d, dexp, sizeof d) == 0, "sum_f64: the sum in rank order, bit for bit");
    check(&g, c->max_f64(c->ctx, m, N, &err) == RL_OK, "max_f64 returns RL_OK");
    check(&g, memcmp(m, mexp, sizeof m) == 0, "max_f64: the largest of the ranks' values");
    /* Rank 0's bytes everywhere; then each rank's sums against rank 0's. */
    unsigned char bytes[777], f0[sizeof f], d0[sizeof d];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (unsigned char)(g.rank == 0 ? i * 31 : 0xee);
    memcpy(f0, f, sizeof f);
    memcpy(d0, d, sizeof d);
    check(&g, c->bcast(c->ctx, bytes, sizeof bytes, &err) == RL_OK &&
                  c->bcast(c->ctx, f0, sizeof f0, &err) == RL_OK &&
                  c->bcast(c->ctx, d0, sizeof d0, &err) == RL_OK,
          "bcast returns RL_OK");
    int same = 1;
    for (size_t i = 0; i < sizeof bytes; i++) same &= bytes[i] == (unsigned char)(i * 31);
    check(&g, same, "bcast: rank 0's bytes on every rank");
    check(&g, memcmp(f0, f, sizeof f) == 0 && memcmp(d0, d, sizeof d) == 0,
          "every rank has rank 0's sums, bit for bit");
    /* Zero elements: nothing to do, no message. */
    check(&g, c->sum_f32(c->ctx, f, 0, &err) == RL_OK && c->bcast(c->ctx, bytes, 0, &err) == RL_OK,
          "zero elements");
    double v = (double)fails;
    c->max_f64(c->ctx, &v, 1, &err);
    if (g.rank == 0) printf("%s over %d ranks\n", v > 0 ? "FAILED" : "all checks passed", g.size);
    rlrun_group_end(&g);
    return v > 0 ? 1 : 0;
}
