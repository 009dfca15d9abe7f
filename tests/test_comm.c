/* Training in a group (rl/comm.h) without MPI: the ranks are threads of
 * this process and the collectives a shared table behind a barrier, each
 * sum taken in rank order. Checks that the ranks of a group hold the same
 * weights bit for bit after training (discrete and continuous actions,
 * normalised observations and rewards, ranks with different numbers of
 * steps), that the episode statistics and steps are the group's, that a
 * rank whose weights diverge is caught, that a failed collective comes back
 * as RL_ECOMM with its message, and the refusals of rl_algo_set_comm. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rl/rl.h>
#include "testutil.h"

#define MAX_RANKS 4
#define MAX_VALUES 65536

typedef struct group {
    int size;
    pthread_barrier_t bar;
    double slot[MAX_RANKS][MAX_VALUES];
    unsigned char bytes[MAX_VALUES * 8];
    int fail_at;   /* the sum_f32 call that fails on every rank (0: none) */
} group;

typedef struct member {
    group *g;
    int rank;
    int calls;     /* its sum_f32 calls so far */
} member;

/* Sum (or take the largest of) buf over the ranks, in rank order. */
static int reduce_f64(member *m, double *buf, size_t n, int largest)
{
    group *g = m->g;
    ck_assert_uint_le(n, MAX_VALUES);
    memcpy(g->slot[m->rank], buf, n * sizeof *buf);
    pthread_barrier_wait(&g->bar);
    for (size_t i = 0; i < n; i++) {
        double x = g->slot[0][i];
        for (int r = 1; r < g->size; r++)
            x = largest ? (g->slot[r][i] > x ? g->slot[r][i] : x) : x + g->slot[r][i];
        buf[i] = x;
    }
    pthread_barrier_wait(&g->bar);
    return RL_OK;
}

static int sum_f64(void *ctx, double *buf, size_t n, rl_error *err)
{
    (void)err;
    return reduce_f64(ctx, buf, n, 0);
}

static int max_f64(void *ctx, double *buf, size_t n, rl_error *err)
{
    (void)err;
    return reduce_f64(ctx, buf, n, 1);
}

static int sum_f32(void *ctx, float *buf, size_t n, rl_error *err)
{
    member *m = ctx;
    group *g = m->g;
    /* Every rank makes the same calls, so all fail at the same one. */
    if (g->fail_at && ++m->calls >= g->fail_at)
        return rl_error_set(err, RL_ECOMM, "MPI_Allreduce failed: rank 1 is gone (test)");
    ck_assert_uint_le(n, MAX_VALUES);
    for (size_t i = 0; i < n; i++) g->slot[m->rank][i] = buf[i];
    pthread_barrier_wait(&g->bar);
    for (size_t i = 0; i < n; i++) {
        float s = 0;
        for (int r = 0; r < g->size; r++) s += (float)g->slot[r][i];
        buf[i] = s;
    }
    pthread_barrier_wait(&g->bar);
    return RL_OK;
}

static int bcast(void *ctx, void *buf, size_t bytes, rl_error *err)
{
    member *m = ctx;
    group *g = m->g;
    ck_assert_uint_le(bytes, sizeof g->bytes);
    if (m->rank == 0) memcpy(g->bytes, buf, bytes);
    pthread_barrier_wait(&g->bar);
    if (m->rank != 0) memcpy(buf, g->bytes, bytes);
    pthread_barrier_wait(&g->bar);
    (void)err;
    return RL_OK;
}

static rl_registry *reg;
static void setup(void) { reg = rl_test_registry("classic"); }
static void teardown(void) { rl_registry_free(reg); }

#define NPROBE 64

typedef struct rank_run {
    member me;
    rl_comm comm;
    const char *env, *ini;
    int iterations;
    int diverge;            /* rank 1 reloads an older checkpoint midway */
    const char *ckpt;       /* where rank 0 saves it */
    /* results */
    int rc;
    char msg[RL_ERRMSG_SIZE];
    rl_iter_info last;
    uint64_t steps;
    double policy_loss;     /* the last iteration's policy_loss */
    double probe[NPROBE * 4];
    size_t act_dim;
} rank_run;

static void *run_rank(void *arg)
{
    rank_run *r = arg;
    rl_config *cfg = rl_config_alloc(NULL);
    rl_config_load_string(cfg, r->ini, "test.ini");
    rl_error err = {0};
    rl_env_batch *envs = rl_env_batch_alloc(rl_registry_find_env(reg, r->env), cfg, 3, &err);
    /* Each rank its own seed, as rlrun gives them. */
    rl_algo *a = envs ? rl_algo_alloc(rl_algo_find("ppo"), cfg, envs, 11 + 1000 * (uint64_t)r->me.rank, &err) : NULL;
    if (!a) {
        r->rc = RL_EINVAL;
        snprintf(r->msg, sizeof r->msg, "%s", err.msg);
        return NULL;
    }
    r->rc = rl_algo_set_comm(a, &r->comm);
    for (int i = 0; r->rc == RL_OK && i < r->iterations; i++) {
        if (r->diverge && i == 2) {
            if (r->me.rank == 0) r->rc = rl_algo_save(a, r->ckpt);
            pthread_barrier_wait(&r->me.g->bar);
        }
        if (r->diverge && i == 3 && r->me.rank == 1) r->rc = rl_algo_load(a, r->ckpt);
        if (r->rc == RL_OK) r->rc = rl_algo_iterate(a, &r->last);
    }
    if (r->rc != RL_OK) snprintf(r->msg, sizeof r->msg, "%s", rl_algo_errmsg(a));
    r->steps = r->last.env_steps;
    r->policy_loss = r->rc == RL_OK ? r->last.stats[0] : NAN;
    /* Greedy actions on fixed observations: the weights, seen from outside. */
    size_t od = rl_space_dim(rl_env_observation_space(rl_env_batch_env(envs, 0)));
    r->act_dim = rl_space_dim(rl_env_action_space(rl_env_batch_env(envs, 0)));
    double obs[NPROBE * 4];
    for (size_t i = 0; i < NPROBE * od; i++) obs[i] = sin(0.37 * (double)i) * 0.8;
    if (r->rc == RL_OK) r->rc = rl_algo_act(a, obs, NPROBE, r->probe, 1);
    rl_algo_free(a);
    rl_env_batch_free(envs);
    rl_config_free(cfg);
    return NULL;
}

static void run_group(group *g, rank_run *runs, int size)
{
    g->size = size;
    pthread_barrier_init(&g->bar, NULL, (unsigned)size);
    pthread_t t[MAX_RANKS];
    for (int r = 0; r < size; r++) {
        runs[r].me.g = g;
        runs[r].me.rank = r;
        runs[r].comm = (rl_comm){.rank = r, .size = size, .ctx = &runs[r].me, .sum_f32 = sum_f32,
                                 .sum_f64 = sum_f64, .max_f64 = max_f64, .bcast = bcast};
        pthread_create(&t[r], NULL, run_rank, &runs[r]);
    }
    for (int r = 0; r < size; r++) pthread_join(t[r], NULL);
    pthread_barrier_destroy(&g->bar);
}

/* size ranks training env from ini for iterations each; fail_at makes that
 * sum_f32 call fail; diverge_ckpt (not NULL) makes rank 1 reload an older
 * checkpoint midway. Returns the group, for the caller to free. */
static group *train_group(rank_run *runs, int size, const char *env, const char *ini,
                          int iterations, int fail_at, const char *diverge_ckpt)
{
    group *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    g->fail_at = fail_at;
    memset(runs, 0, (size_t)size * sizeof *runs);
    for (int r = 0; r < size; r++) {
        runs[r].env = env;
        runs[r].ini = ini;
        runs[r].iterations = iterations;
        runs[r].diverge = diverge_ckpt != NULL;
        runs[r].ckpt = diverge_ckpt;
    }
    run_group(g, runs, size);
    return g;
}

static const char *cartpole_ini = "[ppo]\nepisodes_per_iteration = 6\nbatch_size = 64\n"
                                  "epochs = 3\nnormalize_observations = true\n";
static const char *pendulum_ini = "[ppo]\nsteps_per_iteration = 300\nbatch_size = 64\n"
                                  "epochs = 2\nnormalize_observations = true\n"
                                  "scale_rewards = true\nanneal_lr = true\nanneal_steps = 20000\n";

static void check_same(const char *env, const char *ini, int size)
{
    rank_run runs[MAX_RANKS];
    group *g = train_group(runs, size, env, ini, 5, 0, NULL);
    for (int r = 0; r < size; r++) ck_assert_msg(runs[r].rc == RL_OK, "rank %d: %s", r, runs[r].msg);
    for (int r = 1; r < size; r++) {
        /* The same weights: the same greedy actions, bit for bit. */
        ck_assert_int_eq(memcmp(runs[0].probe, runs[r].probe,
                                NPROBE * runs[0].act_dim * sizeof(double)), 0);
        /* The group's steps and episodes, the same on every rank. */
        ck_assert_uint_eq(runs[r].steps, runs[0].steps);
        ck_assert_uint_eq(runs[r].last.episodes, runs[0].last.episodes);
        ck_assert_uint_eq(runs[r].last.recent_episodes, runs[0].last.recent_episodes);
        ck_assert(runs[r].last.mean_return == runs[0].last.mean_return ||
                  (isnan(runs[r].last.mean_return) && isnan(runs[0].last.mean_return)));
        ck_assert_double_eq(runs[r].policy_loss, runs[0].policy_loss);
    }
    free(g);
}

START_TEST(test_group_same_weights_cartpole)
{
    /* Episodes per iteration: the ranks collect different numbers of steps. */
    check_same("cartpole", cartpole_ini, 2);
    check_same("cartpole", cartpole_ini, 3);
}
END_TEST

START_TEST(test_group_same_weights_pendulum)
{
    check_same("pendulum", pendulum_ini, 2);
}
END_TEST

START_TEST(test_group_steps_are_the_groups)
{
    /* Fixed steps per iteration: 300 on each rank (100 steps of 3
     * environments); the steps reported are the group's. */
    rank_run runs[2];
    group *g = train_group(runs, 2, "pendulum", pendulum_ini, 3, 0, NULL);
    ck_assert_msg(runs[0].rc == RL_OK, "%s", runs[0].msg);
    ck_assert_uint_eq(runs[0].steps, 3 * 2 * 300);
    ck_assert_uint_eq(runs[1].steps, 3 * 2 * 300);
    free(g);
}
END_TEST

START_TEST(test_group_catches_divergence)
{
    char path[] = "/tmp/rl-comm-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    rank_run runs[2];
    group *g = train_group(runs, 2, "cartpole", cartpole_ini, 5, 0, path);
    unlink(path);
    for (int r = 0; r < 2; r++) {
        ck_assert_int_eq(runs[r].rc, RL_ECOMM);
        ck_assert_msg(strstr(runs[r].msg, "the ranks' weights differ") != NULL, "%s", runs[r].msg);
    }
    free(g);
}
END_TEST

START_TEST(test_group_failed_collective)
{
    rank_run runs[2];
    group *g = train_group(runs, 2, "cartpole", cartpole_ini, 5, 7, NULL);
    for (int r = 0; r < 2; r++) {
        ck_assert_int_eq(runs[r].rc, RL_ECOMM);
        ck_assert_msg(strstr(runs[r].msg, "ppo: MPI_Allreduce failed: rank 1 is gone (test)"),
                      "%s", runs[r].msg);
    }
    free(g);
}
END_TEST

START_TEST(test_set_comm_refusals)
{
    rl_config *cfg = rl_config_alloc(NULL);
    rl_error err = {0};
    rl_env_batch *envs = rl_env_batch_alloc(rl_registry_find_env(reg, "cartpole"), cfg, 1, &err);
    ck_assert_ptr_nonnull(envs);
    member me = {NULL, 0, 0};
    rl_comm two = {.rank = 0, .size = 2, .ctx = &me, .sum_f32 = sum_f32, .sum_f64 = sum_f64,
                   .max_f64 = max_f64, .bcast = bcast};
    rl_comm one = two;
    one.size = 1;
    /* qlearn trains alone. */
    rl_config *qc = rl_config_alloc(NULL);
    rl_env_batch *fl = rl_env_batch_alloc(rl_registry_find_env(reg, "frozenlake"), qc, 1, &err);
    ck_assert_ptr_nonnull(fl);
    rl_algo *q = rl_algo_alloc(rl_algo_find("qlearn"), qc, fl, 1, &err);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(rl_algo_set_comm(q, &two), RL_EUNSUPPORTED);
    ck_assert_str_eq(rl_algo_errmsg(q),
                     "algorithm 'qlearn' trains in one process only: it cannot train over 2 "
                     "processes");
    ck_assert_int_eq(rl_algo_set_comm(q, &one), RL_OK);
    ck_assert_int_eq(rl_algo_set_comm(q, NULL), RL_OK);
    /* An incomplete group. */
    rl_algo *a = rl_algo_alloc(rl_algo_find("ppo"), cfg, envs, 1, &err);
    ck_assert_ptr_nonnull(a);
    rl_comm bad = two;
    bad.bcast = NULL;
    ck_assert_int_eq(rl_algo_set_comm(a, &bad), RL_EINVAL);
    bad = two;
    bad.rank = 2;
    ck_assert_int_eq(rl_algo_set_comm(a, &bad), RL_EINVAL);
    ck_assert_str_eq(rl_algo_errmsg(a), "rl_algo_set_comm: an incomplete group (rank 2 of 2, or "
                                        "an operation missing)");
    /* A group of one is training alone. */
    ck_assert_int_eq(rl_algo_set_comm(a, &one), RL_OK);
    rl_iter_info info;
    ck_assert_int_eq(rl_algo_iterate(a, &info), RL_OK);
    /* Threads: at least one. */
    ck_assert_int_eq(rl_algo_set_threads(a, 0), RL_EINVAL);
    ck_assert_int_eq(rl_algo_set_threads(a, 2), RL_OK);
    ck_assert_int_eq(rl_env_batch_threads(envs), 2);
    rl_algo_free(a);
    rl_algo_free(q);
    rl_env_batch_free(fl);
    rl_env_batch_free(envs);
    rl_config_free(qc);
    rl_config_free(cfg);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("comm");
    TCase *tc = tcase_create("group");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, test_group_same_weights_cartpole);
    tcase_add_test(tc, test_group_same_weights_pendulum);
    tcase_add_test(tc, test_group_steps_are_the_groups);
    tcase_add_test(tc, test_group_catches_divergence);
    tcase_add_test(tc, test_group_failed_collective);
    tcase_add_test(tc, test_set_comm_refusals);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(make_suite)
