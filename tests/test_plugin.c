/* The registry and plugin loading: found, not found, bad ABI, no entry
 * point, failing entry point, lifetime. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "testutil.h"

/* Point RL_PLUGIN_PATH at the test plugins (built by make check). */
static void use_test_plugins(void)
{
    const char *d = getenv("RL_TEST_PLUGINDIR");
    ck_assert_msg(d != NULL, "RL_TEST_PLUGINDIR is not set (run through make check)");
    setenv("RL_PLUGIN_PATH", d, 1);
}

START_TEST(test_load_classic)
{
    rl_error err = {0};
    rl_registry *reg = rl_registry_alloc(&err);
    ck_assert_ptr_nonnull(reg);
    ck_assert_int_eq(rl_registry_load(reg, "classic"), RL_OK);
    ck_assert_int_eq(rl_registry_load(reg, "classic"), RL_OK); /* twice is harmless */
    ck_assert_uint_eq(rl_registry_env_count(reg), 4);
    const rl_env_type *cw = rl_registry_find_env(reg, "cliffwalking");
    ck_assert_ptr_nonnull(cw);
    ck_assert_ptr_nonnull(rl_registry_find_env(reg, "frozenlake"));
    ck_assert_ptr_null(rl_registry_find_env(reg, "cartpole_x"));
    ck_assert_str_eq(rl_registry_env_plugin(reg, 0), "classic");
    rl_registry_free(reg);
}
END_TEST

START_TEST(test_not_found_lists_dirs)
{
    setenv("RL_PLUGIN_PATH", "/nonexistent/a:/nonexistent/b", 1);
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "nosuchplugin"), RL_ENOTFOUND);
    const char *m = rl_registry_errmsg(reg);
    ck_assert_ptr_nonnull(strstr(m, "nosuchplugin"));
    ck_assert_ptr_nonnull(strstr(m, "/nonexistent/a"));
    ck_assert_ptr_nonnull(strstr(m, "/nonexistent/b"));
    ck_assert_ptr_nonnull(strstr(m, "RL_PLUGIN_PATH"));
    ck_assert_ptr_nonnull(strstr(rl_registry_search_path(reg), "/nonexistent/a:/nonexistent/b"));
    unsetenv("RL_PLUGIN_PATH");
    rl_registry_free(reg);
}
END_TEST

START_TEST(test_bad_names)
{
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "../classic"), RL_EINVAL);
    ck_assert_int_eq(rl_registry_load(reg, ""), RL_EINVAL);
    ck_assert_int_eq(rl_registry_load(reg, "Classic"), RL_EINVAL);
    rl_registry_free(reg);
}
END_TEST

START_TEST(test_bad_abi)
{
    use_test_plugins();
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "badabi"), RL_EVERSION);
    const char *m = rl_registry_errmsg(reg);
    ck_assert_ptr_nonnull(strstr(m, "badabi"));
    char abi[32];
    snprintf(abi, sizeof abi, "ABI %u", RL_ABI_VERSION + 41);
    ck_assert_ptr_nonnull(strstr(m, abi));
    ck_assert_ptr_nonnull(strstr(m, "upgrade librl"));
    ck_assert_uint_eq(rl_registry_env_count(reg), 0);
    rl_registry_free(reg);
    unsetenv("RL_PLUGIN_PATH");
}
END_TEST

START_TEST(test_no_entry)
{
    use_test_plugins();
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "noentry"), RL_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "no entry point"));
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "RL_PLUGIN_ENTRY(noentry)"));
    rl_registry_free(reg);
    unsetenv("RL_PLUGIN_PATH");
}
END_TEST

START_TEST(test_failing_entry_forgets_types)
{
    use_test_plugins();
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "failinit"), RL_EPLUGIN);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "entry point failed"));
    ck_assert_ptr_null(rl_registry_find_env(reg, "half_registered"));
    ck_assert_uint_eq(rl_registry_env_count(reg), 0);
    rl_registry_free(reg);
    unsetenv("RL_PLUGIN_PATH");
}
END_TEST

START_TEST(test_load_all_reports_failures_and_keeps_good)
{
    use_test_plugins();
    rl_registry *reg = rl_registry_alloc(NULL);
    /* Most test plugins fail; the good ones (and the build tree's classic
     * plugin) load. */
    ck_assert_int_ne(rl_registry_load_all(reg), RL_OK);
    const char *m = rl_registry_errmsg(reg);
    ck_assert_ptr_nonnull(strstr(m, "badabi"));
    ck_assert_ptr_nonnull(strstr(m, "noentry"));
    ck_assert_ptr_nonnull(strstr(m, "failinit"));
    ck_assert_ptr_nonnull(strstr(m, "newabi"));
    ck_assert_ptr_nonnull(rl_registry_find_env(reg, "cliffwalking"));
    ck_assert_ptr_nonnull(rl_registry_find_env(reg, "oldabi_walk"));
    ck_assert_ptr_nonnull(rl_registry_find_command(reg, "test-echo"));
    rl_registry_free(reg);
    unsetenv("RL_PLUGIN_PATH");
}
END_TEST

START_TEST(test_load_all_tries_each_name_once)
{
    /* The same directory twice on the path: each plugin is tried once, so
     * each failure is reported once. */
    const char *d = getenv("RL_TEST_PLUGINDIR");
    ck_assert_ptr_nonnull(d);
    char path[4096];
    snprintf(path, sizeof path, "%s:%s", d, d);
    setenv("RL_PLUGIN_PATH", path, 1);
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load_all(reg), RL_EVERSION); /* badabi comes first */
    const char *m = rl_registry_errmsg(reg), *first = strstr(m, "plugin 'badabi'");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "plugin 'badabi'"));
    rl_registry_free(reg);
    unsetenv("RL_PLUGIN_PATH");
}
END_TEST

START_TEST(test_env_outlives_registry)
{
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "classic"), RL_OK);
    const rl_env_type *t = rl_registry_find_env(reg, "cliffwalking");
    rl_error err = {0};
    rl_env *env = rl_env_alloc(t, NULL, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    rl_registry_free(reg); /* the plugin must stay mapped for env */
    double obs, a = 1;
    rl_step st;
    ck_assert_int_eq(rl_env_reset_seeded(env, 1, &obs), RL_OK);
    ck_assert_int_eq(rl_env_step(env, &a, &obs, &st), RL_OK);
    ck_assert_double_eq(st.reward, -100); /* right from the start: the cliff */
    rl_env_free(env);
}
END_TEST

static int ok_init(void *s, rl_config *c, const char *sec, rl_env_spec *spec, rl_error *e)
{
    (void)s, (void)c, (void)sec, (void)e;
    rl_space_discrete(&spec->observation_space, 1);
    rl_space_discrete(&spec->action_space, 1);
    return RL_OK;
}
static int ok_reset(void *s, rl_pcg32 *r, double *o, rl_error *e)
{
    (void)s, (void)r, (void)e;
    o[0] = 0;
    return RL_OK;
}
static int ok_step(void *s, rl_pcg32 *r, const double *a, double *o, rl_step *out, rl_error *e)
{
    (void)s, (void)r, (void)a, (void)e;
    o[0] = 0;
    out->terminated = 1;
    return RL_OK;
}

/* A type with two metrics and a summary that writes them, counting its
 * calls; "sum_fail" in the name makes it fail. */
static const char *const sum_metrics[] = {"a", "b", NULL};
static int sum_calls;
static void sum_episode_metrics(const void *s, double *v)
{
    (void)s;
    v[0] = 1, v[1] = 2;
}
static int sum_write(const void *s, const double *m, size_t episodes, FILE *out, rl_error *e)
{
    (void)s;
    sum_calls++;
    fprintf(out, "a %.2f, b %.2f over %zu\n", m[0], m[1], episodes);
    return m[0] < 0 ? rl_error_set(e, RL_EFORMAT, "cannot show a negative a") : RL_OK;
}

/* rl_env_write_summary: the slot is called with the caller's means and
 * stream; its failures, bad arguments and a failing stream are errors; a
 * table from a header that lacked the slot (an ABI 2 plugin built before
 * it, its struct_size ending at write_plots) loads and has no summary,
 * whatever lies in memory past its size. */
START_TEST(test_summary_slot)
{
    rl_env_type t = {RL_ENV_TYPE_HEADER, .name = "summed", .size = 1, .init = ok_init,
                     .reset = ok_reset, .step = ok_step, .metric_names = sum_metrics,
                     .episode_metrics = sum_episode_metrics, .write_summary = sum_write};
    rl_error err = {0};
    rl_env *env = rl_env_alloc(&t, NULL, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    const double means[2] = {0.25, 3.5};
    sum_calls = 0;
    ck_assert_int_eq(rl_env_write_summary(env, means, 4, f), RL_OK);
    fflush(f);
    ck_assert_str_eq(text, "a 0.25, b 3.50 over 4\n");
    ck_assert_int_eq(sum_calls, 1);

    /* The type's error, with its message. */
    const double negative[2] = {-1, 0};
    ck_assert_int_eq(rl_env_write_summary(env, negative, 1, f), RL_EFORMAT);
    ck_assert_str_eq(rl_env_errmsg(env),
                     "environment 'summed' write_summary failed: cannot show a negative a");
    /* Bad arguments: the type is not called. */
    ck_assert_int_eq(rl_env_write_summary(env, means, 1, NULL), RL_EINVAL);
    ck_assert_int_eq(rl_env_write_summary(env, means, 0, f), RL_EINVAL);
    ck_assert_int_eq(rl_env_write_summary(env, NULL, 1, f), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_env_errmsg(env), "rl_env_write_summary needs"));
    ck_assert_int_eq(sum_calls, 2);
    fclose(f);
    free(text);

    /* A stream that cannot be written to. */
    FILE *ro = fopen("/dev/null", "r");
    ck_assert_ptr_nonnull(ro);
    ck_assert_int_eq(rl_env_write_summary(env, means, 1, ro), RL_EIO);
    ck_assert_str_eq(rl_env_errmsg(env), "cannot write the summary of environment 'summed'");
    ck_assert_int_eq(sum_calls, 3);
    fclose(ro);
    rl_env_free(env);

    /* The table as a plugin compiled before the slot existed hands it: its
     * size ends where write_summary begins. The slot's bytes hold a
     * function here, which the core must not read. */
    rl_env_type before = t;
    before.name = "before_summary";
    before.struct_size = offsetof(rl_env_type, write_summary);
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_add_env(reg, &before), RL_OK);
    const rl_env_type *copy = rl_registry_find_env(reg, "before_summary");
    ck_assert_ptr_null(copy->write_summary);
    ck_assert_ptr_eq(copy->episode_metrics, sum_episode_metrics); /* the slots it has */
    env = rl_env_alloc(copy, NULL, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    ck_assert_int_eq(rl_env_write_summary(env, means, 1, stdout), RL_EUNSUPPORTED);
    ck_assert_str_eq(rl_env_errmsg(env), "environment 'before_summary' writes no summary");
    rl_env_free(env);
    /* Directly, without the registry, the same. */
    env = rl_env_alloc(&before, NULL, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    ck_assert_int_eq(rl_env_write_summary(env, means, 1, stdout), RL_EUNSUPPORTED);
    rl_env_free(env);
    ck_assert_int_eq(sum_calls, 3); /* never called past the table's size */
    rl_registry_free(reg);
}
END_TEST

START_TEST(test_add_env_checks)
{
    rl_registry *reg = rl_registry_alloc(NULL);
    rl_env_type t = {RL_ENV_TYPE_HEADER, .name = "mine", .size = 1,
                     .init = ok_init, .reset = ok_reset, .step = ok_step};
    ck_assert_int_eq(rl_registry_add_env(reg, &t), RL_OK);
    ck_assert_str_eq(rl_registry_env_plugin(reg, 0), "");
    ck_assert_int_eq(rl_registry_add_env(reg, &t), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "registered twice"));

    rl_env_type bad = t;
    bad.name = "other";
    bad.abi = RL_ABI_VERSION + 1;
    ck_assert_int_eq(rl_registry_add_env(reg, &bad), RL_EVERSION);
    bad.abi = RL_ABI_VERSION;
    bad.name = "Bad-Name";
    ck_assert_int_eq(rl_registry_add_env(reg, &bad), RL_EINVAL);
    bad.name = "nostep";
    bad.step = NULL;
    ck_assert_int_eq(rl_registry_add_env(reg, &bad), RL_EINVAL);
    ck_assert_uint_eq(rl_registry_env_count(reg), 1);
    rl_registry_free(reg);
}
END_TEST

/* A plugin built against the first release's headers (ABI 1, no
 * struct_size, a 96-byte table) loads, reads as if every later slot were
 * NULL, and runs: episodes, metrics, a batch, and Q-learning on it. */
START_TEST(test_old_abi_plugin_runs)
{
    use_test_plugins();
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "oldabi"), RL_OK);
    const rl_env_type *t = rl_registry_find_env(reg, "oldabi_walk");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->abi, RL_ABI_VERSION); /* the registry's copy */
    ck_assert_uint_eq(t->struct_size, sizeof(rl_env_type));
    ck_assert_ptr_null(t->save);
    ck_assert_ptr_null(t->trace_row);
    ck_assert_ptr_null(t->seeded);
    ck_assert_int_eq(t->eval_episodes, 0);
    ck_assert_ptr_null(t->input_keys);
    ck_assert_ptr_null(t->write_run_files);
    ck_assert_ptr_null(t->write_summary);
    ck_assert_int_eq(t->max_episode_steps, 50);

    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, "[oldabi_walk]\nlength = 9\n", "old.ini"), RL_OK);
    rl_error err = {0};
    rl_env *env = rl_env_alloc(t, cfg, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    rl_registry_free(reg); /* the plugin stays loaded for env */
    ck_assert_int_eq(rl_env_max_episode_steps(env), 50);
    ck_assert_uint_eq(rl_env_metric_count(env), 1);
    ck_assert_int_eq(rl_env_has_own_trace(env), 0);
    double obs, right = 1, m;
    rl_step st = {0};
    ck_assert_int_eq(rl_env_reset_seeded(env, 3, &obs), RL_OK);
    ck_assert_double_eq(obs, 4);
    for (int i = 0; i < 4; i++) ck_assert_int_eq(rl_env_step(env, &right, &obs, &st), RL_OK);
    ck_assert_int_eq(st.terminated, 1);
    ck_assert_double_eq(st.reward, 1);
    rl_env_metrics(env, &m);
    ck_assert_double_eq(m, 1);
    ck_assert_int_eq(rl_env_set_evaluation(env, 1), RL_OK); /* no slot: nothing to do */
    /* No summary: the caller prints the means itself; nothing is written. */
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(rl_env_write_summary(env, &m, 1, f), RL_EUNSUPPORTED);
    ck_assert_str_eq(rl_env_errmsg(env), "environment 'oldabi_walk' writes no summary");
    ck_assert_int_eq(ftell(f), 0);
    fclose(f);
    rl_env_free(env);

    /* A batch, and the built-in Q-learning, on the old plugin's type. */
    reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "oldabi"), RL_OK);
    t = rl_registry_find_env(reg, "oldabi_walk");
    rl_env_batch *b = rl_env_batch_alloc(t, cfg, 4, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    ck_assert_int_eq(rl_env_batch_resumable(b), 0);
    rl_algo *q = rl_algo_alloc(rl_algo_find("qlearn"), cfg, b, 1, &err);
    ck_assert_msg(q != NULL, "%s", err.msg);
    rl_iter_info it;
    for (int i = 0; i < 200; i++) ck_assert_int_eq(rl_algo_iterate(q, &it), RL_OK);
    /* Greedy from the middle: always right (the only positive reward). */
    for (double s = 1; s < 8; s++) {
        double a = -1;
        ck_assert_int_eq(rl_algo_act(q, &s, 1, &a, 1), RL_OK);
        ck_assert_double_eq(a, 1);
    }
    rl_algo_free(q);
    rl_env_batch_free(b);
    rl_registry_free(reg);
    rl_config_free(cfg);
    unsetenv("RL_PLUGIN_PATH");
}
END_TEST

/* A table larger than this librl's is a newer librl's: refused by name,
 * through a plugin and directly; a table without struct_size too. */
START_TEST(test_newer_table_refused)
{
    use_test_plugins();
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "newabi"), RL_EPLUGIN);
    const char *m = rl_registry_errmsg(reg);
    ck_assert_msg(strstr(m, "newabi_env") && strstr(m, "newer librl") && strstr(m, "plugin 'newabi'"),
                  "%s", m);
    ck_assert_ptr_null(rl_registry_find_env(reg, "newabi_env"));
    unsetenv("RL_PLUGIN_PATH");

    struct {
        rl_env_type t;
        char more[64];
    } big = {{RL_ENV_TYPE_HEADER, .name = "bigger", .size = 1, .init = ok_init,
              .reset = ok_reset, .step = ok_step}, {0}};
    big.t.struct_size = sizeof big;
    ck_assert_int_eq(rl_registry_add_env(reg, &big.t), RL_EVERSION);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "'bigger'"));
    rl_error err = {0};
    ck_assert_ptr_null(rl_env_alloc(&big.t, NULL, &err));
    ck_assert_int_eq(err.code, RL_EVERSION);
    ck_assert_ptr_nonnull(strstr(err.msg, "'bigger' was built against a newer librl"));

    big.t.struct_size = 0;
    ck_assert_int_eq(rl_registry_add_env(reg, &big.t), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "no struct_size"));
    big.t.struct_size = 8;
    ck_assert_int_eq(rl_registry_add_env(reg, &big.t), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "too small"));

    /* A shorter ABI 2 table (an older header that lacked the last slots)
     * is fine: they read as NULL. */
    rl_env_type short_t = {RL_ENV_TYPE_HEADER, .name = "shorter", .size = 1, .init = ok_init,
                           .reset = ok_reset, .step = ok_step, .eval_episodes = 5};
    short_t.struct_size = offsetof(rl_env_type, eval_episodes);
    ck_assert_int_eq(rl_registry_add_env(reg, &short_t), RL_OK);
    ck_assert_int_eq(rl_registry_find_env(reg, "shorter")->eval_episodes, 0);

    /* Algorithms follow the same rules. */
    rl_algo_type algo = *rl_algo_find("qlearn");
    algo.struct_size = sizeof algo + 8;
    rl_env_batch *b = rl_env_batch_alloc(rl_registry_find_env(reg, "shorter"), NULL, 1, &err);
    ck_assert_ptr_nonnull(b);
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_ptr_null(rl_algo_alloc(&algo, cfg, b, 1, &err));
    ck_assert_int_eq(err.code, RL_EVERSION);
    ck_assert_ptr_nonnull(strstr(err.msg, "algorithm 'qlearn' was built against a newer librl"));
    rl_config_free(cfg);
    rl_env_batch_free(b);
    rl_registry_free(reg);
}
END_TEST

/* Commands a plugin offers: found by name, run with their arguments
 * counted, failures with the command's message and code. */
START_TEST(test_plugin_commands)
{
    use_test_plugins();
    rl_registry *reg = rl_registry_alloc(NULL);
    ck_assert_int_eq(rl_registry_load(reg, "cmdtool"), RL_OK);
    ck_assert_uint_eq(rl_registry_command_count(reg), 1);
    ck_assert_str_eq(rl_registry_command_plugin(reg, 0), "cmdtool");
    const rl_command *c = rl_registry_find_command(reg, "test-echo");
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(rl_registry_find_command(reg, "test-ech"));
    ck_assert_str_eq(rl_command_name(c), "test-echo");
    ck_assert_str_eq(rl_command_args(c), "WORD [WORD]");
    ck_assert_str_eq(rl_command_summary(c), "test: print the words, one a line");

    char buf[256] = {0};
    FILE *out = fmemopen(buf, sizeof buf, "w");
    rl_error err = {0};
    char *args[] = {"one", "two", "three"};
    ck_assert_int_eq(rl_command_run(c, 2, args, out, &err), RL_OK);
    fclose(out);
    ck_assert_str_eq(buf, "one\ntwo\n");
    ck_assert_int_eq(rl_command_run(c, 3, args, stdout, &err), RL_EINVAL);
    ck_assert_str_eq(err.msg, "--test-echo takes 1 to 2 arguments, not 3: test-echo WORD [WORD]");
    ck_assert_int_eq(rl_command_run(c, 0, args, stdout, &err), RL_EINVAL);
    char *bad[] = {"bad"};
    ck_assert_int_eq(rl_command_run(c, 1, bad, stdout, &err), RL_EFORMAT);
    ck_assert_str_eq(err.msg, "test-echo: argument 1 is 'bad'");

    /* Registration checks: a duplicate, a bad name, no run function, a
     * table from a newer librl. */
    rl_command dup = *c;
    ck_assert_int_eq(rl_registry_add_command(reg, &dup), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "registered twice"));
    dup.name = "Bad_Name";
    ck_assert_int_eq(rl_registry_add_command(reg, &dup), RL_EINVAL);
    dup.name = "-dash";
    ck_assert_int_eq(rl_registry_add_command(reg, &dup), RL_EINVAL);
    dup.name = "norun";
    dup.run = NULL;
    ck_assert_int_eq(rl_registry_add_command(reg, &dup), RL_EINVAL);
    dup = *c;
    dup.name = "later";
    dup.struct_size = sizeof dup + 16;
    ck_assert_int_eq(rl_registry_add_command(reg, &dup), RL_EVERSION);
    ck_assert_ptr_nonnull(strstr(rl_registry_errmsg(reg), "command 'later'"));
    dup.struct_size = sizeof dup;
    dup.abi = 1;
    ck_assert_int_eq(rl_registry_add_command(reg, &dup), RL_EVERSION);
    dup.abi = RL_ABI_VERSION;
    dup.min_args = 3;
    ck_assert_int_eq(rl_registry_add_command(reg, &dup), RL_EINVAL);
    ck_assert_uint_eq(rl_registry_command_count(reg), 1);
    rl_registry_free(reg);
    unsetenv("RL_PLUGIN_PATH");
}
END_TEST

static Suite *plugin_suite(void)
{
    Suite *s = suite_create("plugin");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_load_classic);
    tcase_add_test(tc, test_not_found_lists_dirs);
    tcase_add_test(tc, test_bad_names);
    tcase_add_test(tc, test_bad_abi);
    tcase_add_test(tc, test_no_entry);
    tcase_add_test(tc, test_failing_entry_forgets_types);
    tcase_add_test(tc, test_load_all_reports_failures_and_keeps_good);
    tcase_add_test(tc, test_load_all_tries_each_name_once);
    tcase_add_test(tc, test_env_outlives_registry);
    tcase_add_test(tc, test_add_env_checks);
    tcase_add_test(tc, test_old_abi_plugin_runs);
    tcase_add_test(tc, test_newer_table_refused);
    tcase_add_test(tc, test_summary_slot);
    tcase_add_test(tc, test_plugin_commands);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(plugin_suite)
