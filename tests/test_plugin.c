/* The registry and plugin loading: found, not found, bad ABI, no entry
 * point, failing entry point, lifetime. */
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
    /* The test plugins all fail; the build tree's classic plugin loads. */
    ck_assert_int_ne(rl_registry_load_all(reg), RL_OK);
    const char *m = rl_registry_errmsg(reg);
    ck_assert_ptr_nonnull(strstr(m, "badabi"));
    ck_assert_ptr_nonnull(strstr(m, "noentry"));
    ck_assert_ptr_nonnull(strstr(m, "failinit"));
    ck_assert_ptr_nonnull(rl_registry_find_env(reg, "cliffwalking"));
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
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(plugin_suite)
