/* Tests for librl's observation and action spaces (rl/space.h). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rl/space.h"
#include "testutil.h"

/* Every failed constructor must leave this: kind NONE and no memory. */
static void assert_empty(const rl_space *s)
{
    ck_assert_int_eq(s->kind, RL_SPACE_NONE);
    ck_assert_ptr_null(s->low);
    ck_assert_ptr_null(s->high);
    ck_assert_uint_eq(s->size, 0);
    ck_assert_uint_eq(rl_space_dim(s), 0);
}

/* A space full of garbage, as an uninitialised local would be; the
 * constructors must not trust (or free) what is already there. */
static rl_space dirty_space(void)
{
    rl_space s;
    memset(&s, 0x5a, sizeof s);
    s.low = NULL;
    s.high = NULL;
    return s;
}

/* ---- construction --------------------------------------------------------- */

START_TEST(test_discrete)
{
    rl_space s = dirty_space();
    ck_assert_int_eq(rl_space_discrete(&s, 4), RL_OK);
    ck_assert_int_eq(s.kind, RL_SPACE_DISCRETE);
    ck_assert_int_eq(s.n, 4);
    ck_assert_uint_eq(rl_space_dim(&s), 1);
    ck_assert_ptr_null(s.low);
    rl_space_free(&s);
    assert_empty(&s);

    ck_assert_int_eq(rl_space_discrete(&s, 1), RL_OK);
    rl_space_free(&s);
}
END_TEST

START_TEST(test_discrete_invalid)
{
    static const int64_t bad[] = {0, -1, INT64_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rl_space s = dirty_space();
        ck_assert_int_eq(rl_space_discrete(&s, bad[i]), RL_EINVAL);
        assert_empty(&s);
    }
    ck_assert_int_eq(rl_space_discrete(NULL, 3), RL_EINVAL);
}
END_TEST

START_TEST(test_box)
{
    const size_t shape[2] = {2, 3};
    const double low[6] = {-1, -2, -3, -INFINITY, 0, 5};
    const double high[6] = {1, 2, 3, 0, INFINITY, 5};
    rl_space s = dirty_space();

    ck_assert_int_eq(rl_space_box(&s, 2, shape, low, high), RL_OK);
    ck_assert_int_eq(s.kind, RL_SPACE_BOX);
    ck_assert_uint_eq(s.ndim, 2);
    ck_assert_uint_eq(s.shape[0], 2);
    ck_assert_uint_eq(s.shape[1], 3);
    ck_assert_uint_eq(s.size, 6);
    ck_assert_uint_eq(rl_space_dim(&s), 6);
    /* The bounds are copied, not borrowed. */
    ck_assert_ptr_ne(s.low, low);
    ck_assert_ptr_ne(s.high, high);
    ck_assert_mem_eq(s.low, low, sizeof low);
    ck_assert_mem_eq(s.high, high, sizeof high);
    rl_space_free(&s);
    assert_empty(&s);
}
END_TEST

START_TEST(test_box_max_dims)
{
    const size_t shape[RL_SPACE_MAX_DIMS] = {1, 2, 1, 2};
    const double low[4] = {0, 0, 0, 0}, high[4] = {1, 1, 1, 1};
    rl_space s = dirty_space();
    ck_assert_int_eq(rl_space_box(&s, RL_SPACE_MAX_DIMS, shape, low, high), RL_OK);
    ck_assert_uint_eq(rl_space_dim(&s), 4);
    rl_space_free(&s);
}
END_TEST

START_TEST(test_box_uniform)
{
    rl_space s = dirty_space();
    ck_assert_int_eq(rl_space_box_uniform(&s, 3, -1.0, 1.0), RL_OK);
    ck_assert_int_eq(s.kind, RL_SPACE_BOX);
    ck_assert_uint_eq(s.ndim, 1);
    ck_assert_uint_eq(s.shape[0], 3);
    ck_assert_uint_eq(s.size, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert(s.low[i] == -1.0);
        ck_assert(s.high[i] == 1.0);
    }
    rl_space_free(&s);

    /* A degenerate interval is allowed: low == high. */
    ck_assert_int_eq(rl_space_box_uniform(&s, 2, 0.5, 0.5), RL_OK);
    rl_space_free(&s);
}
END_TEST

/* Each row is one invalid call to rl_space_box. */
struct bad_box {
    const char *what;
    size_t ndim;
    size_t shape[RL_SPACE_MAX_DIMS + 1];
    double low0, high0;
};

static const struct bad_box bad_boxes[] = {
    {"ndim 0", 0, {1}, 0, 1},
    {"ndim too large", RL_SPACE_MAX_DIMS + 1, {1, 1, 1, 1, 1}, 0, 1},
    {"zero extent", 2, {2, 0}, 0, 1},
    {"shape product overflows", 2, {SIZE_MAX / 2, 4}, 0, 1},
    {"low > high", 1, {1}, 1, 0},
    {"NaN low", 1, {1}, NAN, 1},
    {"NaN high", 1, {1}, 0, NAN},
    {"both infinite, inverted", 1, {1}, INFINITY, -INFINITY},
};

START_TEST(test_box_invalid)
{
    const struct bad_box *b = &bad_boxes[_i];
    /* Enough bounds for the valid shapes above; the element checked is
     * the first, and the others are fine. */
    double low[4] = {b->low0, 0, 0, 0}, high[4] = {b->high0, 1, 1, 1};
    rl_space s = dirty_space();
    ck_assert_msg(rl_space_box(&s, b->ndim, b->shape, low, high) == RL_EINVAL,
                  "%s accepted", b->what);
    assert_empty(&s);
}
END_TEST

START_TEST(test_box_invalid_late_element)
{
    /* A bad bound after good ones must still fail and free the arrays
     * already allocated (valgrind and ASan check the second part). */
    const size_t shape[1] = {4};
    const double low[4] = {0, 0, 0, 2}, high[4] = {1, 1, 1, 1};
    rl_space s = dirty_space();
    ck_assert_int_eq(rl_space_box(&s, 1, shape, low, high), RL_EINVAL);
    assert_empty(&s);
}
END_TEST

START_TEST(test_box_invalid_pointers)
{
    const size_t shape[1] = {1};
    const double low[1] = {0}, high[1] = {1};
    rl_space s = dirty_space();

    ck_assert_int_eq(rl_space_box(NULL, 1, shape, low, high), RL_EINVAL);
    ck_assert_int_eq(rl_space_box(&s, 1, NULL, low, high), RL_EINVAL);
    assert_empty(&s);
    s = dirty_space();
    ck_assert_int_eq(rl_space_box(&s, 1, shape, NULL, high), RL_EINVAL);
    assert_empty(&s);
    s = dirty_space();
    ck_assert_int_eq(rl_space_box(&s, 1, shape, low, NULL), RL_EINVAL);
    assert_empty(&s);
}
END_TEST

START_TEST(test_box_uniform_invalid)
{
    rl_space s = dirty_space();
    ck_assert_int_eq(rl_space_box_uniform(&s, 0, 0, 1), RL_EINVAL);
    assert_empty(&s);
    s = dirty_space();
    ck_assert_int_eq(rl_space_box_uniform(&s, 3, 1, 0), RL_EINVAL);
    assert_empty(&s);
    s = dirty_space();
    ck_assert_int_eq(rl_space_box_uniform(&s, 3, NAN, 0), RL_EINVAL);
    assert_empty(&s);
    s = dirty_space();
    ck_assert_int_eq(rl_space_box_uniform(&s, 3, 0, NAN), RL_EINVAL);
    assert_empty(&s);
    s = dirty_space();
    /* So many elements that the byte count would wrap around. */
    ck_assert_int_eq(rl_space_box_uniform(&s, SIZE_MAX, 0, 1), RL_EINVAL);
    assert_empty(&s);
    ck_assert_int_eq(rl_space_box_uniform(NULL, 3, 0, 1), RL_EINVAL);
}
END_TEST

/* ---- copy and free ---------------------------------------------------------- */

START_TEST(test_copy_box_is_deep)
{
    const size_t shape[2] = {3, 1};
    const double low[3] = {-1, -INFINITY, 0}, high[3] = {1, 0, INFINITY};
    rl_space a, b = dirty_space();
    ck_assert_int_eq(rl_space_box(&a, 2, shape, low, high), RL_OK);
    ck_assert_int_eq(rl_space_copy(&b, &a), RL_OK);

    ck_assert_int_eq(b.kind, RL_SPACE_BOX);
    ck_assert_uint_eq(b.ndim, 2);
    ck_assert_uint_eq(b.shape[0], 3);
    ck_assert_uint_eq(b.shape[1], 1);
    ck_assert_uint_eq(b.size, 3);
    ck_assert_ptr_ne(b.low, a.low);
    ck_assert_ptr_ne(b.high, a.high);
    ck_assert_mem_eq(b.low, low, sizeof low);
    ck_assert_mem_eq(b.high, high, sizeof high);

    /* Changing or freeing the original leaves the copy intact. */
    a.low[0] = -5;
    rl_space_free(&a);
    ck_assert(b.low[0] == -1);
    ck_assert(b.high[2] == INFINITY);
    rl_space_free(&b);
}
END_TEST

START_TEST(test_copy_discrete_and_empty)
{
    rl_space a, b = dirty_space();
    ck_assert_int_eq(rl_space_discrete(&a, 7), RL_OK);
    ck_assert_int_eq(rl_space_copy(&b, &a), RL_OK);
    ck_assert_int_eq(b.kind, RL_SPACE_DISCRETE);
    ck_assert_int_eq(b.n, 7);

    rl_space empty = {0};
    b = dirty_space();
    ck_assert_int_eq(rl_space_copy(&b, &empty), RL_OK);
    assert_empty(&b);
}
END_TEST

START_TEST(test_copy_invalid)
{
    rl_space a, b = dirty_space();
    ck_assert_int_eq(rl_space_discrete(&a, 2), RL_OK);
    ck_assert_int_eq(rl_space_copy(NULL, &a), RL_EINVAL);
    ck_assert_int_eq(rl_space_copy(&b, NULL), RL_EINVAL);
    assert_empty(&b);
    ck_assert_int_eq(rl_space_copy(&a, &a), RL_EINVAL);
    ck_assert_int_eq(a.kind, RL_SPACE_DISCRETE);
}
END_TEST

START_TEST(test_free_harmless)
{
    rl_space s = {0};
    rl_space_free(NULL);
    rl_space_free(&s); /* empty */
    assert_empty(&s);

    ck_assert_int_eq(rl_space_box_uniform(&s, 2, 0, 1), RL_OK);
    rl_space_free(&s);
    rl_space_free(&s); /* twice */
    assert_empty(&s);

    ck_assert_int_eq(rl_space_discrete(&s, 3), RL_OK);
    rl_space_free(&s);
    assert_empty(&s);
}
END_TEST

/* ---- dim and contains ------------------------------------------------------- */

START_TEST(test_dim)
{
    rl_space s = {0};
    ck_assert_uint_eq(rl_space_dim(NULL), 0);
    ck_assert_uint_eq(rl_space_dim(&s), 0);
    ck_assert_int_eq(rl_space_discrete(&s, 100), RL_OK);
    ck_assert_uint_eq(rl_space_dim(&s), 1);
    ck_assert_int_eq(rl_space_box_uniform(&s, 17, 0, 1), RL_OK);
    ck_assert_uint_eq(rl_space_dim(&s), 17);
    rl_space_free(&s);
}
END_TEST

START_TEST(test_contains_discrete)
{
    rl_space s;
    ck_assert_int_eq(rl_space_discrete(&s, 4), RL_OK);

    static const double inside[] = {0.0, 1.0, 3.0, -0.0};
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++)
        ck_assert_msg(rl_space_contains(&s, &inside[i]), "%g rejected", inside[i]);

    static const double outside[] = {4.0, -1.0, 0.5, 2.999, -0.5, 1e300,
                                     NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
        ck_assert_msg(!rl_space_contains(&s, &outside[i]), "%g accepted", outside[i]);

    ck_assert_int_eq(rl_space_contains(&s, NULL), 0);
    ck_assert_int_eq(rl_space_contains(NULL, inside), 0);
}
END_TEST

START_TEST(test_contains_box)
{
    const size_t shape[1] = {3};
    const double low[3] = {-1, -INFINITY, 0}, high[3] = {1, 0, INFINITY};
    rl_space s;
    ck_assert_int_eq(rl_space_box(&s, 1, shape, low, high), RL_OK);

    const double ok[][3] = {
        {-1, -1e300, 0},          /* on the finite bounds */
        {1, 0, 1e300},
        {0.5, -INFINITY, INFINITY} /* infinite values within infinite bounds */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_msg(rl_space_contains(&s, ok[i]), "row %zu rejected", i);

    const double bad[][3] = {
        {1.0000001, 0, 0}, /* above a finite bound */
        {-2, 0, 0},        /* below */
        {0, 0.1, 0},       /* above the finite side of a half-bounded one */
        {0, 0, -0.1},
        {0, 0, -INFINITY},
        {NAN, 0, 0},
        {0, NAN, 0},
        {0, 0, NAN},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!rl_space_contains(&s, bad[i]), "row %zu accepted", i);

    rl_space_free(&s);
}
END_TEST

START_TEST(test_contains_empty)
{
    rl_space s = {0};
    double x = 0;
    ck_assert_int_eq(rl_space_contains(&s, &x), 0);
}
END_TEST

/* ---- sample ------------------------------------------------------------------- */

enum { DRAWS = 20000 };

START_TEST(test_sample_discrete)
{
    rl_space s;
    rl_pcg32 rng;
    long count[5] = {0};
    ck_assert_int_eq(rl_space_discrete(&s, 5), RL_OK);
    rl_pcg32_seed(&rng, 1, 2);
    for (int i = 0; i < DRAWS; i++) {
        double x;
        rl_space_sample(&s, &rng, &x);
        ck_assert(rl_space_contains(&s, &x));
        count[(int)x]++;
    }
    /* Every value turns up, roughly DRAWS / 5 times each. */
    for (int k = 0; k < 5; k++)
        ck_assert_int_gt(count[k], DRAWS / 5 - 500);
}
END_TEST

START_TEST(test_sample_discrete_wide)
{
    /* More values than one 32-bit output can index. */
    rl_space s;
    rl_pcg32 rng;
    const int64_t n = INT64_C(1) << 40;
    ck_assert_int_eq(rl_space_discrete(&s, n), RL_OK);
    rl_pcg32_seed(&rng, 3, 4);
    int above_32_bits = 0;
    for (int i = 0; i < 1000; i++) {
        double x;
        rl_space_sample(&s, &rng, &x);
        ck_assert(rl_space_contains(&s, &x));
        above_32_bits += x >= 4294967296.0;
    }
    ck_assert_int_gt(above_32_bits, 900);
}
END_TEST

/* Draw DRAWS values and check each lies in s; also return the mean of
 * element k, for the distribution checks. */
static double sample_all_contained(const rl_space *s, uint64_t seed, size_t k)
{
    rl_pcg32 rng;
    double x[8], sum = 0.0;
    ck_assert_uint_le(rl_space_dim(s), 8);
    rl_pcg32_seed(&rng, seed, 1);
    for (int i = 0; i < DRAWS; i++) {
        rl_space_sample(s, &rng, x);
        ck_assert_msg(rl_space_contains(s, x), "draw %d not contained", i);
        for (size_t j = 0; j < rl_space_dim(s); j++)
            ck_assert(isfinite(x[j]) || isinf(s->low[j]) || isinf(s->high[j]));
        sum += x[k];
    }
    return sum / DRAWS;
}

START_TEST(test_sample_bounded)
{
    rl_space s;
    ck_assert_int_eq(rl_space_box_uniform(&s, 4, -2.0, 3.0), RL_OK);
    /* Uniform on [-2, 3]: mean 0.5, standard deviation 5/sqrt(12). */
    double mean = sample_all_contained(&s, 11, 2);
    ck_assert_double_eq_tol(mean, 0.5, 5.0 * 5.0 / sqrt(12.0 * DRAWS));
    rl_space_free(&s);
}
END_TEST

START_TEST(test_sample_unbounded)
{
    rl_space s;
    ck_assert_int_eq(rl_space_box_uniform(&s, 3, -INFINITY, INFINITY), RL_OK);
    double mean = sample_all_contained(&s, 12, 0);
    ck_assert_double_eq_tol(mean, 0.0, 5.0 / sqrt(DRAWS));
    rl_space_free(&s);
}
END_TEST

START_TEST(test_sample_half_bounded)
{
    const size_t shape[1] = {2};
    const double low[2] = {1.0, -INFINITY}, high[2] = {INFINITY, -1.0};
    rl_space s;
    ck_assert_int_eq(rl_space_box(&s, 1, shape, low, high), RL_OK);
    /* Bound plus or minus an exponential(1), whose mean is 1. */
    double mean_low = sample_all_contained(&s, 13, 0);
    double mean_high = sample_all_contained(&s, 13, 1);
    ck_assert_double_eq_tol(mean_low, 2.0, 5.0 / sqrt(DRAWS));
    ck_assert_double_eq_tol(mean_high, -2.0, 5.0 / sqrt(DRAWS));
    rl_space_free(&s);
}
END_TEST

START_TEST(test_sample_edge_bounds)
{
    /* A point interval, the widest finite interval (whose width overflows)
     * and intervals pinned at an infinity all stay contained. */
    const size_t shape[1] = {6};
    const double low[6] = {0.1, -DBL_MAX, INFINITY, -INFINITY, -1e-300, 1e300};
    const double high[6] = {0.1, DBL_MAX, INFINITY, -INFINITY, 1e-300, 1e300};
    rl_space s;
    ck_assert_int_eq(rl_space_box(&s, 1, shape, low, high), RL_OK);
    sample_all_contained(&s, 14, 0);
    rl_space_free(&s);
}
END_TEST

START_TEST(test_sample_deterministic)
{
    const size_t shape[2] = {2, 2};
    const double low[4] = {-1, -INFINITY, 0, -INFINITY};
    const double high[4] = {1, INFINITY, INFINITY, 0};
    rl_space s;
    rl_pcg32 a, b;
    ck_assert_int_eq(rl_space_box(&s, 2, shape, low, high), RL_OK);
    rl_pcg32_seed(&a, 8, 9);
    rl_pcg32_seed(&b, 8, 9);
    for (int i = 0; i < 100; i++) {
        double xa[4], xb[4];
        rl_space_sample(&s, &a, xa);
        rl_space_sample(&s, &b, xb);
        ck_assert_mem_eq(xa, xb, sizeof xa);
    }
    rl_space_free(&s);
}
END_TEST

START_TEST(test_sample_empty_is_noop)
{
    rl_space s = {0};
    rl_pcg32 rng, before;
    double x = 42.0;
    rl_pcg32_seed(&rng, 1, 1);
    before = rng;
    rl_space_sample(&s, &rng, &x);
    ck_assert(x == 42.0);
    ck_assert_uint_eq(rng.state, before.state);
}
END_TEST

/* ---- describe ----------------------------------------------------------------- */

START_TEST(test_describe)
{
    char buf[128];
    rl_space s = {0};

    rl_space_describe(&s, buf, sizeof buf);
    ck_assert_str_eq(buf, "Space(empty)");

    ck_assert_int_eq(rl_space_discrete(&s, 4), RL_OK);
    rl_space_describe(&s, buf, sizeof buf);
    ck_assert_str_eq(buf, "Discrete(4)");

    ck_assert_int_eq(rl_space_box_uniform(&s, 3, -1.0, 1.0), RL_OK);
    rl_space_describe(&s, buf, sizeof buf);
    ck_assert_str_eq(buf, "Box(-1, 1, (3,))");
    rl_space_free(&s);

    const size_t shape[2] = {2, 1};
    const double inf_low[2] = {-INFINITY, -INFINITY}, inf_high[2] = {INFINITY, INFINITY};
    ck_assert_int_eq(rl_space_box(&s, 2, shape, inf_low, inf_high), RL_OK);
    rl_space_describe(&s, buf, sizeof buf);
    ck_assert_str_eq(buf, "Box(-inf, inf, (2, 1))");
    rl_space_free(&s);

    const double low[2] = {0, -1}, high[2] = {1, 1};
    ck_assert_int_eq(rl_space_box(&s, 2, shape, low, high), RL_OK);
    rl_space_describe(&s, buf, sizeof buf);
    ck_assert_str_eq(buf, "Box((2, 1), [varying bounds])");
    rl_space_free(&s);
}
END_TEST

START_TEST(test_describe_truncates)
{
    char buf[8];
    rl_space s;
    ck_assert_int_eq(rl_space_box_uniform(&s, 3, -1.0, 1.0), RL_OK);
    memset(buf, 'x', sizeof buf);
    rl_space_describe(&s, buf, sizeof buf);
    ck_assert_str_eq(buf, "Box(-1,");
    rl_space_free(&s);

    /* A zero-length buffer is left alone; NULL is ignored. */
    buf[0] = 'x';
    rl_space_describe(&s, buf, 0);
    ck_assert_int_eq(buf[0], 'x');
    rl_space_describe(&s, NULL, 10);
}
END_TEST

static Suite *space_suite(void)
{
    Suite *s = suite_create("space");
    TCase *tc;

    tc = tcase_create("construct");
    tcase_add_test(tc, test_discrete);
    tcase_add_test(tc, test_discrete_invalid);
    tcase_add_test(tc, test_box);
    tcase_add_test(tc, test_box_max_dims);
    tcase_add_test(tc, test_box_uniform);
    tcase_add_loop_test(tc, test_box_invalid, 0,
                        (int)(sizeof bad_boxes / sizeof bad_boxes[0]));
    tcase_add_test(tc, test_box_invalid_late_element);
    tcase_add_test(tc, test_box_invalid_pointers);
    tcase_add_test(tc, test_box_uniform_invalid);
    tcase_add_test(tc, test_copy_box_is_deep);
    tcase_add_test(tc, test_copy_discrete_and_empty);
    tcase_add_test(tc, test_copy_invalid);
    tcase_add_test(tc, test_free_harmless);
    suite_add_tcase(s, tc);

    tc = tcase_create("query");
    tcase_add_test(tc, test_dim);
    tcase_add_test(tc, test_contains_discrete);
    tcase_add_test(tc, test_contains_box);
    tcase_add_test(tc, test_contains_empty);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_describe_truncates);
    suite_add_tcase(s, tc);

    tc = tcase_create("sample");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sample_discrete);
    tcase_add_test(tc, test_sample_discrete_wide);
    tcase_add_test(tc, test_sample_bounded);
    tcase_add_test(tc, test_sample_unbounded);
    tcase_add_test(tc, test_sample_half_bounded);
    tcase_add_test(tc, test_sample_edge_bounds);
    tcase_add_test(tc, test_sample_deterministic);
    tcase_add_test(tc, test_sample_empty_is_noop);
    suite_add_tcase(s, tc);

    return s;
}

RL_TEST_MAIN(space_suite)
