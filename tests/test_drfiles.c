/* DeepRacer's model files: import-deepracer and export-deepracer through
 * the loaded deepracer plugin (rl_registry_find_command, rl_command_run),
 * the parsers on hostile input, write_run_files, and the round trips. The
 * plugin's sources are compiled in too, for the parsers. */
#define _POSIX_C_SOURCE 200809L
#define RL_TEST_TMPDIR "/tmp/rl_test_drfiles_XXXXXX"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rl/rl.h>

#include "drfiles.h"
#include "testutil.h"

static rl_registry *reg;

static void setup(void)
{
    make_tmpdir();
    reg = rl_test_registry("deepracer");
}

static void teardown(void)
{
    rl_registry_free(reg);
    remove_tmpdir();
}

static const char *data(const char *name)
{
    static char buf[4][1024];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/tests/data/%s", rl_test_srcdir(), name);
    return p;
}

/* Run a plugin command; its output, malloc'd, in *text (may be NULL). */
static int run_cmd(const char *name, int argc, const char *const *argv, char **text,
                   rl_error *err)
{
    const rl_command *cmd = rl_registry_find_command(reg, name);
    ck_assert_ptr_nonnull(cmd);
    size_t len = 0;
    char *buf = NULL;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(out);
    memset(err, 0, sizeof *err);
    int rc = rl_command_run(cmd, argc, (char *const *)argv, out, err);
    fclose(out);
    if (text)
        *text = buf;
    else
        free(buf);
    return rc;
}

/* The INI's comments joined up: wrapped lines ("\n; ") become one. */
static char *unwrapped(const char *ini)
{
    char *u = strdup(ini), *o = u;
    int comment = 0; /* the line being copied is a comment */
    for (const char *p = ini; *p;) {
        if (p == ini || p[-1] == '\n') comment = *p == ';';
        if (comment && p[0] == '\n' && p[1] == ';' && p[2] == ' ') {
            *o++ = ' ';
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return u;
}

/* needle is in the INI text, comments joined up. */
#define ck_assert_has(ini, needle)                                                  \
    do {                                                                            \
        char *u_ = unwrapped(ini);                                                  \
        ck_assert_msg(strstr(u_, needle) != NULL, "'%s' not in:\n%s", needle, u_); \
        free(u_);                                                                   \
    } while (0)

static char *import_in(const char *dir, int argc, const char *const *argv)
{
    char cwd[1024];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    char *ini;
    rl_error err;
    int rc = run_cmd("import-deepracer", argc, argv, &ini, &err);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_msg(rc == RL_OK, "import in %s: %s", dir, err.msg);
    return ini;
}


/* A configuration from INI text, with the sections rlrun declares. */
static rl_config *config_of(const char *ini)
{
    rl_config *cfg = rl_config_alloc(NULL);
    ck_assert_int_eq(rl_config_load_string(cfg, ini, "imported.ini"), RL_OK);
    ck_assert_int_eq(rl_config_declare(cfg, "run", rl_run_params), RL_OK);
    ck_assert_int_eq(rl_config_declare(cfg, "ppo", rl_algo_find("ppo")->params), RL_OK);
    const rl_env_type *t = rl_registry_find_env(reg, "deepracer");
    ck_assert_int_eq(rl_config_declare(cfg, "deepracer", t->params), RL_OK);
    ck_assert_int_eq(rl_config_declare(cfg, "deepracer", rl_env_common_params), RL_OK);
    ck_assert_msg(rl_config_validate(cfg) == RL_OK, "%s", rl_config_errmsg(cfg));
    return cfg;
}

/* A run directory holding the resolved configuration of ini, as rlrun
 * writes it. */
static void make_rundir(const char *dir, const char *ini)
{
    rl_config *cfg = config_of(ini);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/config.ini", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(rl_config_write(cfg, f), RL_OK);
    fclose(f);
    rl_config_free(cfg);
}

static char *export_import(const char *ini, const char *tag)
{
    char run[600], out[600];
    snprintf(run, sizeof run, "%s/run-%s", tmpdir, tag);
    snprintf(out, sizeof out, "%s/out-%s", tmpdir, tag);
    make_rundir(run, ini);
    rl_error err;
    const char *args[] = {run, out};
    ck_assert_msg(run_cmd("export-deepracer", 2, args, NULL, &err) == RL_OK, "%s", err.msg);
    const char *files[] = {"model_metadata.json", "hyperparameters.json", "reward_function.py"};
    return import_in(out, 3, files);
}

/* Train a few iterations on the INI's configuration. */
static void trains(const char *ini)
{
    rl_config *cfg = config_of(ini);
    rl_error err = {0};
    rl_env_batch *b = rl_env_batch_alloc(rl_registry_find_env(reg, "deepracer"), cfg, 2, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    ck_assert_int_eq(rl_config_set(cfg, "ppo.steps_per_iteration=512"), RL_OK);
    ck_assert_int_eq(rl_config_set(cfg, "ppo.epochs=1"), RL_OK);
    rl_algo *a = rl_algo_alloc(rl_algo_find("ppo"), cfg, b, 1, &err);
    ck_assert_msg(a != NULL, "%s", err.msg);
    rl_iter_info it;
    for (int i = 0; i < 2; i++)
        ck_assert_msg(rl_algo_iterate(a, &it) == RL_OK, "%s", rl_algo_errmsg(a));
    ck_assert_uint_ge(rl_algo_env_steps(a), 1024);
    rl_algo_free(a);
    rl_env_batch_free(b);
    rl_config_free(cfg);
}

START_TEST(test_commands_registered)
{
    const rl_command *imp = rl_registry_find_command(reg, "import-deepracer");
    const rl_command *exp = rl_registry_find_command(reg, "export-deepracer");
    ck_assert_ptr_nonnull(imp);
    ck_assert_ptr_nonnull(exp);
    ck_assert_str_eq(rl_command_args(exp), "RUNDIR OUTDIR");
    rl_error err;
    ck_assert_int_eq(run_cmd("import-deepracer", 0, NULL, NULL, &err), RL_EINVAL);
    const char *two[] = {"a.py", "b.py"};
    const char *args[] = {"m.json", two[0], two[1]};
    ck_assert_int_eq(run_cmd("import-deepracer", 3, args, NULL, &err), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "both Python files"));
}
END_TEST

/* deepracer-for-cloud's defaults: imported, the INI trains; exported from
 * a run of it and imported again, the same bytes. */
START_TEST(test_drfc_defaults_round_trip)
{
    const char *files[] = {"model_metadata.json", "hyperparameters.json", "reward_function.py"};
    char *ini = import_in(data("drfc"), 3, files);
    ck_assert_has(ini, "\nactions = -30:0.6, -15:0.6, 0:0.6, 15:0.6, 30:0.6\n");
    ck_assert_has(ini, "\nepochs = 5\n");
    ck_assert_has(ini, "\nlearning_rate = 0.0003\n");
    ck_assert_has(ini, "\nloss = huber\n");
    ck_assert_has(ini, "\nobservation = vector\n");
    /* DRfC's reward_function.py is the AWS example prevent_zigzag is. */
    ck_assert_has(ini, "\nreward_function = prevent_zigzag\n");
    /* Every DeepRacer key is named. */
    static const char *const keys[] = {
        "batch_size", "beta_entropy", "discount_factor", "e_greedy_value", "epsilon_steps",
        "exploration_type", "loss_type", "lr", "num_episodes_between_training", "num_epochs",
        "stack_size", "term_cond_avg_score", "term_cond_max_episodes", "sac_alpha",
        "neural_network", "sensor", "training_algorithm", "action_space_type", "version"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char c[80];
        snprintf(c, sizeof c, "; %s ", keys[i]);
        ck_assert_msg(strstr(ini, c) != NULL, "%s is not named", keys[i]);
    }
    trains(ini);
    char *again = import_in(data("drfc"), 3, files);
    ck_assert_str_eq(ini, again); /* deterministic */
    char *back = export_import(ini, "drfc");
    ck_assert_str_eq(back, ini);
    free(ini);
    free(again);
    free(back);
}
END_TEST

/* The exported files are DeepRacer's: the reward function is DRfC's
 * file byte for byte, the metadata has the simulator's keys. */
START_TEST(test_export_files)
{
    const char *files[] = {"model_metadata.json", "hyperparameters.json", "reward_function.py"};
    char *ini = import_in(data("drfc"), 3, files);
    char run[600], out[600];
    snprintf(run, sizeof run, "%s/run", tmpdir);
    snprintf(out, sizeof out, "%s/new/deeper/out", tmpdir); /* created */
    make_rundir(run, ini);
    rl_error err;
    const char *args[] = {run, out};
    char *listing;
    ck_assert_msg(run_cmd("export-deepracer", 2, args, &listing, &err) == RL_OK, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(listing, "reward_function.py (the built-in prevent_zigzag"));
    size_t n1, n2;
    char p[700];
    snprintf(p, sizeof p, "%s/reward_function.py", out);
    unsigned char *a = rl_test_slurp(p, &n1);
    unsigned char *b = rl_test_slurp(data("drfc/reward_function.py"), &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(a, b, n1), 0);
    free(a);
    free(b);
    snprintf(p, sizeof p, "%s/model_metadata.json", out);
    a = rl_test_slurp(p, &n1);
    a[n1] = 0;
    ck_assert_ptr_nonnull(strstr((char *)a, "\"sensor\": [\"FRONT_FACING_CAMERA\"]"));
    ck_assert_ptr_nonnull(strstr((char *)a, "\"training_algorithm\": \"clipped_ppo\""));
    ck_assert_ptr_nonnull(strstr((char *)a, "\"version\": \"5\""));
    ck_assert_ptr_nonnull(strstr((char *)a, "\"steering_angle\": -30.0,"));
    free(a);
    snprintf(p, sizeof p, "%s/hyperparameters.json", out);
    a = rl_test_slurp(p, &n1);
    a[n1] = 0;
    ck_assert_ptr_nonnull(strstr((char *)a, "\"batch_size\": 64,"));
    ck_assert_ptr_nonnull(strstr((char *)a, "\"loss_type\": \"huber\","));
    ck_assert_ptr_nonnull(strstr((char *)a, "\"term_cond_avg_score\": 350.0,"));
    free(a);
    /* Written again over the old files, and no temporary file is left. */
    ck_assert_int_eq(run_cmd("export-deepracer", 2, args, NULL, &err), RL_OK);
    DIR *d = opendir(out);
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) count += e->d_name[0] != '.';
    closedir(d);
    ck_assert_int_eq(count, 3);
    free(listing);
    free(ini);
}
END_TEST

/* A continuous console-style model: ranges, the console's hyperparameters;
 * export then import is a fixed point. */
START_TEST(test_continuous_console)
{
    const char *args[] = {data("console_continuous_model_metadata.json"),
                          data("console_hyperparameters.json")};
    char *ini;
    rl_error err;
    ck_assert_msg(run_cmd("import-deepracer", 2, args, &ini, &err) == RL_OK, "%s", err.msg);
    ck_assert_has(ini, "\naction_space_type = continuous\n");
    ck_assert_has(ini, "\nsteering_range = -25,25\n");
    ck_assert_has(ini, "\nspeed_range = 0.75,3.5\n");
    ck_assert_has(ini, "\nloss = mse\n");
    ck_assert_has(ini, "\nbatch_size = 128\n");
    ck_assert_has(ini, "\nepisodes_per_iteration = 40\n");
    /* Unknown keys are named, never dropped silently. */
    ck_assert_has(ini, "unknown key 'preprocess_type' ignored");
    ck_assert_has(ini, "unknown key 'regional_parameters' ignored");
    /* Not in the console's file: the simulator's default, and said so. */
    ck_assert_has(ini, "sac_alpha 0.2: ignored");
    trains(ini);
    char *once = export_import(ini, "c1");
    char *twice = export_import(once, "c2");
    ck_assert_str_eq(once, twice);
    ck_assert_has(once, "\nspeed_range = 0.75,3.5\n");
    free(ini);
    free(once);
    free(twice);
}
END_TEST

START_TEST(test_drfc_continuous_and_lidar)
{
    const char *a1[] = {data("drfc/model_metadata_cont.json")};
    char *ini;
    rl_error err;
    ck_assert_msg(run_cmd("import-deepracer", 1, a1, &ini, &err) == RL_OK, "%s", err.msg);
    ck_assert_has(ini, "\nspeed_range = 1,2\n");
    /* No hyperparameters.json: the simulator's defaults, said so. */
    ck_assert_has(ini, "\ndiscount = 0.999\n");
    ck_assert_has(ini, "no hyperparameters.json: the simulator's default");
    ck_assert_has(ini, "\nreward_function = follow_centerline\n");
    trains(ini);
    free(ini);
    const char *a2[] = {data("console_discrete_model_metadata.json")};
    ck_assert_msg(run_cmd("import-deepracer", 1, a2, &ini, &err) == RL_OK, "%s", err.msg);
    ck_assert_has(ini, "\nobservation = lidar\nlidar_rays = 64\n");
    ck_assert_has(ini, "\nactions = -30:0.5, -30:1, -15:0.5");
    char *back = export_import(ini, "lidar");
    ck_assert_has(back, "\nobservation = lidar\n");
    free(back);
    free(ini);
}
END_TEST

START_TEST(test_refused_by_name)
{
    rl_error err;
    const char *a1[] = {data("drfc/model_metadata_sac.json")};
    ck_assert_int_eq(run_cmd("import-deepracer", 1, a1, NULL, &err), RL_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "model_metadata_sac.json: training_algorithm: sac"));
    static const struct {
        const char *sensors, *expect;
    } cases[] = {
        {"[\"STEREO_CAMERAS\"]", "STEREO_CAMERAS is not supported"},
        {"[\"STEREO_CAMERAS\", \"LIDAR\"]", "STEREO_CAMERAS is not supported"},
        {"[\"LEFT_CAMERA\"]", "LEFT_CAMERA is not supported"},
        {"[\"FRONT_FACING_CAMERA\", \"SECTOR_LIDAR\"]", "SECTOR_LIDAR is not supported"},
        {"[\"FRONT_FACING_CAMERA\", \"DISCRETIZED_SECTOR_LIDAR\"]",
         "DISCRETIZED_SECTOR_LIDAR is not supported"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"sensor\": %s}",
                 cases[i].sensors);
        put_file(in_tmp("m.json"), text, strlen(text));
        const char *a[] = {in_tmp("m.json")};
        ck_assert_int_eq(run_cmd("import-deepracer", 1, a, NULL, &err), RL_EUNSUPPORTED);
        ck_assert_msg(strstr(err.msg, cases[i].expect) != NULL, "%s: %s", cases[i].sensors,
                      err.msg);
    }
}
END_TEST

START_TEST(test_syntax_error_position)
{
    const char text[] = "{\n  \"action_space\": [\n    {\"steering_angle\": 0,, \"speed\": 1}\n]}\n";
    put_file(in_tmp("bad.json"), text, strlen(text));
    const char *a[] = {in_tmp("bad.json")};
    rl_error err;
    ck_assert_int_eq(run_cmd("import-deepracer", 1, a, NULL, &err), RL_EFORMAT);
    char want[700];
    snprintf(want, sizeof want, "%s:3:26: ", in_tmp("bad.json"));
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    const char *missing[] = {in_tmp("nosuch.json")};
    ck_assert_int_eq(run_cmd("import-deepracer", 1, missing, NULL, &err), RL_ENOTFOUND);
    /* A bad hyperparameters.json after a good model_metadata.json. */
    const char hp[] = "{\"lr\": 0.001,\n \"lr\": 0.002}";
    put_file(in_tmp("hp.json"), hp, strlen(hp));
    const char *b[] = {data("drfc/model_metadata.json"), in_tmp("hp.json")};
    ck_assert_int_eq(run_cmd("import-deepracer", 2, b, NULL, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "hp.json:2:"));
    ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
}
END_TEST

/* Hostile inputs to the parsers: each refused with the file, the key path
 * and the reason. */
START_TEST(test_hostile_model_metadata)
{
    static const struct {
        const char *text;
        int code;
        const char *expect;
    } cases[] = {
        {"[]", RL_EFORMAT, "m.json: the top level is a list"},
        {"\"x\"", RL_EFORMAT, "the top level is a string"},
        {"", RL_EFORMAT, "m.json:"},
        {"{}", RL_EFORMAT, "m.json: no action_space"},
        {"{\"action_space\": []}", RL_EFORMAT, "action_space: the list is empty"},
        {"{\"action_space\": {}}", RL_EFORMAT, "action_space: an object"},
        {"{\"action_space\": [1]}", RL_EFORMAT, "action_space[0]: an integer, expected an object"},
        {"{\"action_space\": [{\"steering_angle\": 0}]}", RL_EFORMAT, "action_space[0]: no \"speed\""},
        {"{\"action_space\": [{\"steering_angle\": \"0\", \"speed\": 1}]}", RL_EFORMAT,
         "action_space[0].steering_angle: a string, expected a number"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": \"NaN\"}]}", RL_EFORMAT,
         "action_space[0].speed: a string"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": NaN}]}", RL_EFORMAT, "m.json:1:"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1e999}]}", RL_EFORMAT,
         "m.json:1:"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 99999999999999999999999}]}",
         RL_EFORMAT, "m.json:1:"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": true}]}", RL_EFORMAT,
         "a boolean, expected a number"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}, {\"steering_angle\": 0, "
         "\"speed\": 1}, {\"steering_angle\": 0, \"speed\": 1}, {\"steering_angle\": 0, "
         "\"speed\": 5.2}]}",
         RL_ERANGE, "m.json: action_space[3].speed: 5.2 is outside [0.1, 4] m/s"},
        {"{\"action_space\": [{\"steering_angle\": -31, \"speed\": 1}]}", RL_ERANGE,
         "action_space[0].steering_angle: -31 is outside [-30, 30] degrees"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 0.05}]}", RL_ERANGE,
         "is outside [0.1, 4] m/s"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1, \"index\": 3}]}", RL_EFORMAT,
         "action_space[0].index: must be the action's position, 0"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"action_space_type\": "
         "\"continuous\"}",
         RL_EFORMAT, "action_space: a list; a continuous action space is an object"},
        {"{\"action_space\": {\"speed\": {\"low\": 2, \"high\": 1}, \"steering_angle\": "
         "{\"low\": -30, \"high\": 30}}, \"action_space_type\": \"continuous\"}",
         RL_ERANGE, "action_space.speed: low 2 is not below high 1"},
        {"{\"action_space\": {\"steering_angle\": {\"low\": -30, \"high\": 30}}, "
         "\"action_space_type\": \"continuous\"}",
         RL_EFORMAT, "action_space.speed: missing"},
        {"{\"action_space\": {\"speed\": {\"low\": 1}, \"steering_angle\": {\"low\": -30, "
         "\"high\": 30}}, \"action_space_type\": \"continuous\"}",
         RL_EFORMAT, "m.json: action_space.speed: no \"high\""},
        {"{\"action_space\": {\"speed\": {\"low\": 1, \"high\": 9}, \"steering_angle\": "
         "{\"low\": -30, \"high\": 30}}, \"action_space_type\": \"continuous\"}",
         RL_ERANGE, "action_space.speed.high: 9 is outside [0.1, 4] m/s"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"action_space_type\": "
         "\"diagonal\"}",
         RL_EFORMAT, "action_space_type: 'diagonal' is neither"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"training_algorithm\": 7}",
         RL_EFORMAT, "training_algorithm: an integer, expected a string"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"training_algorithm\": "
         "\" SAC \"}",
         RL_EUNSUPPORTED, "sac (soft actor-critic) is not supported"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"training_algorithm\": "
         "\"dqn\"}",
         RL_EFORMAT, "training_algorithm: unknown 'dqn'"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"sensor\": \"LIDAR\"}",
         RL_EFORMAT, "sensor: a string, expected a list"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"sensor\": []}", RL_EFORMAT,
         "sensor: 0 camera sensors"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"sensor\": "
         "[\"FRONT_FACING_CAMERA\", \"FRONT_FACING_CAMERA\"]}",
         RL_EFORMAT, "sensor: 2 camera sensors"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"sensor\": "
         "[\"FRONT_FACING_CAMERA\", \"LIDAR\", \"LIDAR\"]}",
         RL_EFORMAT, "sensor: 2 LIDAR sensors"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"sensor\": [\"RADAR\\n\"]}",
         RL_EFORMAT, "sensor[0]: unknown sensor 'RADAR\\x0a'"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"sensor\": [[[]]]}",
         RL_EFORMAT, "sensor[0]: a list, expected a sensor name"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"neural_network\": \"BIG\"}",
         RL_EFORMAT, "neural_network: unknown 'BIG'"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"version\": \"five\"}",
         RL_EFORMAT, "version: 'five' is not a number"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"version\": 1e300}",
         RL_ERANGE, "version: 1e+300 is outside [1, 1000]"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}]} junk", RL_EFORMAT,
         "m.json:1:"},
        {"{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}], \"a\": 1, \"a\": 2}",
         RL_EFORMAT, "duplicate"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        dr_model m;
        rl_error err = {0};
        dr_model_init(&m);
        int rc = dr_parse_model_metadata(cases[i].text, strlen(cases[i].text), "m.json", &m, &err);
        ck_assert_msg(rc == cases[i].code, "case %zu (%s): %d %s", i, cases[i].text, rc, err.msg);
        ck_assert_msg(strstr(err.msg, cases[i].expect) != NULL, "case %zu: '%s' not in '%s'", i,
                      cases[i].expect, err.msg);
    }
    /* Nested junk: jansson's depth limit, not our stack. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = 0;
    dr_model m;
    rl_error err = {0};
    dr_model_init(&m);
    ck_assert_int_eq(dr_parse_model_metadata(deep, 2 * depth, "deep.json", &m, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "deep.json:1:"));
    free(deep);
    /* A NUL byte inside. */
    ck_assert_int_eq(dr_parse_model_metadata("{\"a\0\": 1}", 9, "nul.json", &m, &err),
                     RL_EFORMAT);
}
END_TEST

START_TEST(test_hostile_hyperparameters)
{
    static const struct {
        const char *text;
        int code;
        const char *expect;
    } cases[] = {
        {"[1]", RL_EFORMAT, "h.json: the top level is a list"},
        {"{\"batch_size\": 64.5}", RL_EFORMAT, "h.json: batch_size: 64.5 is not a whole number"},
        {"{\"batch_size\": \"64\"}", RL_EFORMAT, "batch_size: a string, expected a number"},
        {"{\"batch_size\": 0}", RL_ERANGE, "h.json: batch_size: 0 is outside [1, 10000000]"},
        {"{\"batch_size\": 1e300}", RL_ERANGE, "batch_size: 1e+300 is outside"},
        {"{\"lr\": -1}", RL_ERANGE, "lr: -1 is outside"},
        {"{\"lr\": \"nan\"}", RL_EFORMAT, "lr: a string"},
        {"{\"lr\": null}", RL_EFORMAT, "lr: null, expected a number"},
        {"{\"discount_factor\": 1.5}", RL_ERANGE, "discount_factor: 1.5 is outside [0, 1]"},
        {"{\"loss_type\": \"l1\"}", RL_EFORMAT, "loss_type: 'l1' is neither"},
        {"{\"loss_type\": 1}", RL_EFORMAT, "loss_type: an integer, expected a string"},
        {"{\"exploration_type\": \"e_greedy\"}", RL_EFORMAT, "exploration_type: 'e_greedy'"},
        {"{\"e_greedy_value\": 2}", RL_ERANGE, "e_greedy_value: 2 is outside [0, 1]"},
        {"{\"stack_size\": 0}", RL_ERANGE, "stack_size: 0 is outside"},
        {"{\"num_epochs\": {\"a\": [1, 2]}}", RL_EFORMAT, "num_epochs: an object"},
        {"{\"lr\": 1, \"lr\": 2}", RL_EFORMAT, "duplicate"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        dr_model m;
        rl_error err = {0};
        dr_model_init(&m);
        int rc = dr_parse_hyperparameters(cases[i].text, strlen(cases[i].text), "h.json", &m, &err);
        ck_assert_msg(rc == cases[i].code, "case %zu (%s): %d %s", i, cases[i].text, rc, err.msg);
        ck_assert_msg(strstr(err.msg, cases[i].expect) != NULL, "case %zu: '%s' not in '%s'", i,
                      cases[i].expect, err.msg);
    }
}
END_TEST

/* Warnings in the INI: unknown keys, e-greedy, stack_size; many of them
 * are counted, not dropped. */
START_TEST(test_warnings_in_ini)
{
    const char meta[] = "{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1, \"colour\": "
                        "\"red\"}, {\"steering_angle\": 9, \"speed\": 2}], "
                        "\"mystery\": {\"x\": [1, {\"y\": null}]}}";
    const char hp[] = "{\"exploration_type\": \"E-Greedy\", \"stack_size\": 3, \"zz\": 1}";
    put_file(in_tmp("m.json"), meta, strlen(meta));
    put_file(in_tmp("h.json"), hp, strlen(hp));
    const char *a[] = {in_tmp("m.json"), in_tmp("h.json")};
    char *ini;
    rl_error err;
    ck_assert_msg(run_cmd("import-deepracer", 2, a, &ini, &err) == RL_OK, "%s", err.msg);
    trains(ini);
    ck_assert_has(ini, "action_space[0]: unknown key 'colour' ignored");
    ck_assert_has(ini, "unknown key 'mystery' ignored");
    ck_assert_has(ini, "unknown key 'zz' ignored");
    ck_assert_has(ini, "WARNING: exploration_type \"e-greedy\": ignored");
    ck_assert_has(ini, "WARNING: stack_size 3: ignored");
    free(ini);

    /* 500 unknown keys with long names: every line fits inih's 200 bytes. */
    size_t cap = 200000, o = 0;
    char *big = malloc(cap);
    o += (size_t)snprintf(big, cap, "{\"action_space\": [{\"steering_angle\": 0, \"speed\": 1}]");
    for (int i = 0; i < 500; i++)
        o += (size_t)snprintf(big + o, cap - o, ", \"key_%d_%0100d\": %d", i, 0, i);
    snprintf(big + o, cap - o, "}");
    put_file(in_tmp("big.json"), big, strlen(big));
    const char *b[] = {in_tmp("big.json")};
    ck_assert_int_eq(run_cmd("import-deepracer", 1, b, &ini, &err), RL_OK);
    ck_assert_has(ini, "more warnings left out");
    for (const char *p = ini; *p;) {
        const char *nl = strchr(p, '\n');
        ck_assert_uint_lt((size_t)(nl - p), 198);
        p = nl + 1;
    }
    rl_config_free(config_of(ini));
    free(ini);
    free(big);
}
END_TEST

/* Action spaces of every size: 1000 refused, 256 in a grid written as
 * angles x speeds, a long irregular list refused for the INI's sake. */
START_TEST(test_action_space_sizes)
{
    size_t cap = 100000, o;
    char *t = malloc(cap);
    rl_error err;
    const char *a[] = {in_tmp("m.json")};
    o = (size_t)snprintf(t, cap, "{\"action_space\": [");
    for (int i = 0; i < 1000; i++)
        o += (size_t)snprintf(t + o, cap - o, "%s{\"steering_angle\": 0, \"speed\": 1}",
                              i ? "," : "");
    snprintf(t + o, cap - o, "]}");
    put_file(in_tmp("m.json"), t, strlen(t));
    ck_assert_int_eq(run_cmd("import-deepracer", 1, a, NULL, &err), RL_ERANGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "action_space: 1000 actions; librl's deepracer takes at most 256"));

    o = (size_t)snprintf(t, cap, "{\"action_space\": [");
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            o += (size_t)snprintf(t + o, cap - o, "%s{\"steering_angle\": %d, \"speed\": %g}",
                                  i + j ? "," : "", -30 + 4 * i, 0.25 * (j + 1));
    snprintf(t + o, cap - o, "]}");
    put_file(in_tmp("m.json"), t, strlen(t));
    char *ini;
    ck_assert_msg(run_cmd("import-deepracer", 1, a, &ini, &err) == RL_OK, "%s", err.msg);
    ck_assert_has(ini, "\nsteering_angles = -30,-26,");
    ck_assert_has(ini, "\nspeeds = 0.25,0.5,0.75,1,");
    trains(ini);
    char *back = export_import(ini, "grid");
    char *again = export_import(back, "grid2");
    ck_assert_str_eq(back, again);
    free(back);
    free(again);
    free(ini);

    o = (size_t)snprintf(t, cap, "{\"action_space\": [");
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(t + o, cap - o, "%s{\"steering_angle\": %.3f, \"speed\": %.3f}",
                              i ? "," : "", -29.5 + 1.3 * i, 0.5 + 0.07 * i);
    snprintf(t + o, cap - o, "]}");
    put_file(in_tmp("m.json"), t, strlen(t));
    ck_assert_int_eq(run_cmd("import-deepracer", 1, a, NULL, &err), RL_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "do not fit on one line"));
    free(t);
}
END_TEST

START_TEST(test_export_reward_kinds_and_errors)
{
    const char *base = "[run]\nenv = deepracer\nalgorithm = ppo\n[deepracer]\nreward_function = %s\n";
    char ini[512], run[600], out[600];
    rl_error err;
    char *listing;
    /* A C module: two files and a line saying why there is no third. */
    snprintf(ini, sizeof ini, base, "./my_reward.la");
    snprintf(run, sizeof run, "%s/run-c", tmpdir);
    snprintf(out, sizeof out, "%s/out-c", tmpdir);
    make_rundir(run, ini);
    const char *a[] = {run, out};
    ck_assert_int_eq(run_cmd("export-deepracer", 2, a, &listing, &err), RL_OK);
    ck_assert_ptr_nonnull(strstr(listing, "no reward_function.py: the reward function "
                                          "'./my_reward.la' is compiled C"));
    ck_assert_int_ne(access(in_tmp("out-c/reward_function.py"), F_OK), 0);
    ck_assert_int_eq(access(in_tmp("out-c/hyperparameters.json"), F_OK), 0);
    free(listing);
    /* A user's Python: copied byte for byte. */
    const char py[] = "def reward_function(params):\n    return 1.0\n";
    put_file(in_tmp("mine.py"), py, strlen(py));
    snprintf(ini, sizeof ini, base, in_tmp("mine.py"));
    snprintf(run, sizeof run, "%s/run-py", tmpdir);
    snprintf(out, sizeof out, "%s/out-py", tmpdir);
    make_rundir(run, ini);
    ck_assert_int_eq(run_cmd("export-deepracer", 2, a, NULL, &err), RL_OK);
    size_t n;
    unsigned char *got = rl_test_slurp(in_tmp("out-py/reward_function.py"), &n);
    ck_assert_uint_eq(n, strlen(py));
    ck_assert_int_eq(memcmp(got, py, n), 0);
    free(got);
    /* A missing Python file: named with where the configuration set it,
     * and nothing written. */
    snprintf(ini, sizeof ini, base, "/nonexistent/r.py");
    snprintf(run, sizeof run, "%s/run-nopy", tmpdir);
    snprintf(out, sizeof out, "%s/out-nopy", tmpdir);
    make_rundir(run, ini);
    ck_assert_int_eq(run_cmd("export-deepracer", 2, a, NULL, &err), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "[deepracer] reward_function: /nonexistent/r.py"));
    ck_assert_int_ne(access(out, F_OK), 0);
    /* No run directory; another environment; another algorithm. */
    const char *none[] = {in_tmp("nothing"), out};
    ck_assert_int_eq(run_cmd("export-deepracer", 2, none, NULL, &err), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "no config.ini"));
    snprintf(run, sizeof run, "%s/run-cp", tmpdir);
    make_rundir(run, "[run]\nenv = cartpole\n");
    ck_assert_int_eq(run_cmd("export-deepracer", 2, a, NULL, &err), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "[run] env is 'cartpole', not deepracer"));
    snprintf(run, sizeof run, "%s/run-q", tmpdir);
    make_rundir(run, "[run]\nenv = deepracer\nalgorithm = qlearn\n");
    ck_assert_int_eq(run_cmd("export-deepracer", 2, a, NULL, &err), RL_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.msg, "algorithm is 'qlearn'"));
    /* A malformed config.ini. */
    snprintf(run, sizeof run, "%s/run-bad", tmpdir);
    ck_assert_int_eq(mkdir(run, 0777), 0);
    put_file(in_tmp("run-bad/config.ini"), "[run\n", 5);
    ck_assert_int_eq(run_cmd("export-deepracer", 2, a, NULL, &err), RL_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "config.ini:1"));
}
END_TEST

/* write_run_files: model/model_metadata.json and ip/hyperparameters.json,
 * the same files export writes. */
START_TEST(test_write_run_files)
{
    const rl_env_type *t = rl_registry_find_env(reg, "deepracer");
    ck_assert_ptr_nonnull(t->write_run_files);
    const char *files[] = {"model_metadata.json", "hyperparameters.json", "reward_function.py"};
    char *ini = import_in(data("drfc"), 3, files);
    rl_config *cfg = config_of(ini);
    rl_error err = {0};
    rl_env *env = rl_env_alloc(t, cfg, &err);
    ck_assert_msg(env != NULL, "%s", err.msg);
    ck_assert_msg(t->write_run_files(rl_env_state(env), cfg, tmpdir, &err) == RL_OK, "%s",
                  err.msg);
    size_t n1, n2;
    unsigned char *a = rl_test_slurp(in_tmp("model/model_metadata.json"), &n1);
    unsigned char *b = rl_test_slurp(in_tmp("ip/hyperparameters.json"), &n2);
    dr_model m;
    dr_model_init(&m);
    ck_assert_int_eq(dr_parse_model_metadata((char *)a, n1, "model_metadata.json", &m, &err),
                     RL_OK);
    ck_assert_int_eq(dr_parse_hyperparameters((char *)b, n2, "hyperparameters.json", &m, &err),
                     RL_OK);
    ck_assert_uint_eq(m.nactions, 5);
    ck_assert(m.hp[DR_HP_NUM_EPOCHS] == 5);
    free(a);
    free(b);
    /* An unwritable directory: an error, not a crash. */
    ck_assert_int_eq(t->write_run_files(rl_env_state(env), cfg, "/proc/nonexistent", &err),
                     RL_EIO);
    rl_env_free(env);
    rl_config_free(cfg);
    free(ini);
}
END_TEST

static Suite *drfiles_suite(void)
{
    Suite *s = suite_create("drfiles");
    TCase *tc = tcase_create("drfiles");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_commands_registered);
    tcase_add_test(tc, test_drfc_defaults_round_trip);
    tcase_add_test(tc, test_export_files);
    tcase_add_test(tc, test_continuous_console);
    tcase_add_test(tc, test_drfc_continuous_and_lidar);
    tcase_add_test(tc, test_refused_by_name);
    tcase_add_test(tc, test_syntax_error_position);
    tcase_add_test(tc, test_hostile_model_metadata);
    tcase_add_test(tc, test_hostile_hyperparameters);
    tcase_add_test(tc, test_warnings_in_ini);
    tcase_add_test(tc, test_action_space_sizes);
    tcase_add_test(tc, test_export_reward_kinds_and_errors);
    tcase_add_test(tc, test_write_run_files);
    suite_add_tcase(s, tc);
    return s;
}

RL_TEST_MAIN(drfiles_suite)
