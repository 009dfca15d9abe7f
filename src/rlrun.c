/* rlrun: train and evaluate an agent described by an INI file.
 *
 * A thin loop over librl: load the configuration, find the environment in
 * the plugins, make the algorithm, call rl_algo_iterate until the step
 * budget is spent, save the checkpoint, evaluate greedily. Every check that
 * can fail on the user's input runs before anything is written, so a bad
 * configuration leaves the run directory untouched.
 *
 * Exit status: 0 success, 1 runtime failure, 2 usage or configuration error. */
#define _XOPEN_SOURCE 700
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rl/rl.h>

#include "csv.h" /* plugins/common: the one CSV reader */
#include "group.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* The process group (src/group.h): rank 0 of 1 unless launched by mpirun
 * or srun in a build with MPI. `together` is 1 while the ranks train
 * together (size > 1, a new run or --resume): then every step that can
 * fail on one rank is followed by agree(). Ranks other than 0 write no
 * file (but the debugging aid RLRUN_RANK_CHECKPOINTS) and print only
 * errors, prefixed "rlrun: rank N: ", on the standard error they were
 * started with (rank_err); their stdout and stderr go to /dev/null. Until
 * the group has agreed that setup went well, their errors are held
 * (held), and dropped when rank 0 failed too, so that a bad configuration
 * is reported once. */
static rlrun_group group;
static int together;
static FILE *rank_err;
static int holding;
static char held[RL_ERRMSG_SIZE + 600];


typedef struct options {
    const char *config;
    const char *eval_dir;
    const char *resume_dir;
    const char *plot_dir;
    const char **sets;
    size_t nsets;
    const char *seed;
    int quiet, trace, force;
} options;

static void usage(FILE *f)
{
    fputs("Usage: rlrun [OPTION]... CONFIG.ini\n"
          "       rlrun --eval RUNDIR [OPTION]... [CONFIG.ini]\n"
          "       rlrun --resume RUNDIR [OPTION]... [CONFIG.ini]\n"
          "       rlrun --plot RUNDIR [OPTION]... [CONFIG.ini]\n"
          "       rlrun --COMMAND ARG...   (a plugin's command, e.g. --import-deepracer)\n"
          "       rlrun --list | --help | --version\n"
          "Train the agent CONFIG.ini describes, then evaluate it greedily.\n\n"
          "  --eval RUNDIR        evaluate the checkpoint in RUNDIR, do not train\n"
          "                       (the config defaults to RUNDIR/config.ini)\n"
          "  --resume RUNDIR      continue training from the checkpoint in RUNDIR up to\n"
          "                       [run] total_steps, then evaluate (same config default)\n"
          "  --plot RUNDIR        draw the pictures of the run in RUNDIR again from its\n"
          "                       files (DeepRacer: track.png, learning.png, reward.png)\n"
          "  --set SEC.KEY=VALUE  override a key of the config (repeatable)\n"
          "  --seed N             the same as --set run.seed=N\n"
          "  --force              replace the run in [run] output_dir (a new run refuses\n"
          "                       a directory that holds one)\n"
          "  --trace              write every step to trace files: trace.csv and\n"
          "                       eval-trace.csv, or the environment's own (DeepRacer:\n"
          "                       training-simtrace/ and evaluation-*/, rlrun(1))\n"
          "  --quiet              print only errors and the final summary\n"
          "  --list               list plugins, environments, commands and algorithms\n"
          "  --help, --version\n\n"
          "[run] keys:\n",
          f);
    for (const rl_param *p = rl_run_params; p->key; p++)
        fprintf(f, "  %-18s %s (default %s)\n", p->key, p->help,
                p->def ? (p->def[0] ? p->def : "empty") : "none");
    rl_registry *reg = rl_registry_alloc(NULL);
    if (reg) {
        rl_registry_load_all(reg);
        if (rl_registry_command_count(reg)) fputs("\nPlugin commands:\n", f);
        for (size_t i = 0; i < rl_registry_command_count(reg); i++) {
            const rl_command *c = rl_registry_command_at(reg, i);
            fprintf(f, "  --%s %s\n      %s (plugin %s)\n", rl_command_name(c),
                    rl_command_args(c), rl_command_summary(c), rl_registry_command_plugin(reg, i));
        }
        rl_registry_free(reg);
    }
    fputs("\nExit status: 0 success, 1 runtime failure, 2 usage or configuration error.\n"
          "Plugins are searched in RL_PLUGIN_PATH, the build tree, then " RL_PKGLIBDIR_TEXT ".\n"
          "See rlrun(1) and doc/config.md for every key.\n",
          f);
}

static int fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (group.rank == 0) {
        fputs("rlrun: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    } else if (holding) {
        if (!held[0]) { /* the first error: what went wrong first */
            int w = snprintf(held, sizeof held, "rlrun: rank %d: ", group.rank);
            if (w > 0 && (size_t)w < sizeof held - 2) {
                vsnprintf(held + w, sizeof held - (size_t)w - 1, fmt, ap);
                strcat(held, "\n");
            }
        }
    } else {
        FILE *f = rank_err ? rank_err : stderr;
        fprintf(f, "rlrun: rank %d: ", group.rank);
        vfprintf(f, fmt, ap);
        fputc('\n', f);
        fflush(f);
    }
    va_end(ap);
    return status;
}

/* The group's verdict on a step each rank took (setup, the run directory,
 * loading a checkpoint): each rank's exit status in, the group's out:
 * rank 0's when it failed (its message printed; the other ranks' held
 * ones dropped), else the largest of the others' (their held messages
 * printed now), else 0. Alone, status as it is. A failed collective ends
 * the job. */
static int agree(int status)
{
    if (!together) return status;
    double v[2] = {group.rank == 0 ? (double)status : 0, (double)status};
    rl_error err = {0};
    int rc = group.comm.max_f64(group.comm.ctx, v, 2, &err);
    if (rc == RL_OK && held[0] && v[0] == 0) {
        fputs(held, rank_err ? rank_err : stderr);
        fflush(rank_err ? rank_err : stderr);
    }
    held[0] = '\0';
    if (rc != RL_OK) {
        holding = 0;
        fail(EXIT_RUNTIME, "%s", err.msg);
        rlrun_group_abort(&group, EXIT_RUNTIME);
        return EXIT_RUNTIME;
    }
    return v[0] != 0 ? (int)v[0] : (int)v[1];
}

/* The exit status for an environment or algorithm that could not be set up:
 * a bad value, or a file the configuration names (a track, a data file, a
 * reward module) that is missing or malformed, is the user's input; the
 * rest (memory, a misbehaving plugin) is a runtime failure. */
static int setup_status(int code)
{
    return code == RL_EINVAL || code == RL_ERANGE || code == RL_ENOTFOUND ||
                   code == RL_EFORMAT || code == RL_EUNSUPPORTED || code == RL_ESYNTAX
               ? EXIT_USAGE
               : EXIT_RUNTIME;
}

/* The exit status for a checkpoint that --eval or --resume cannot load:
 * one that is missing, damaged, of another format version or not this
 * configuration's is the user's input (2); a read error or a lack of
 * memory is not (1). */
static int checkpoint_status(int code)
{
    return code == RL_EVERSION ? EXIT_USAGE : setup_status(code);
}

static const char *const builtin_options[] = {"eval",  "resume", "plot", "set",     "seed", "quiet",
                                              "trace", "list",   "help", "version", "force", NULL};

/* `rlrun --NAME ARG...` where NAME is no option of rlrun's own: a command
 * a plugin offers (rl_command). Returns -1 when argv is not such a call,
 * else the exit status. */
static int plugin_command(int argc, char **argv)
{
    if (argc < 2 || strncmp(argv[1], "--", 2) != 0 || !argv[1][2] || strchr(argv[1], '='))
        return -1;
    const char *name = argv[1] + 2;
    /* rlrun's own options, abbreviations included (getopt_long takes
     * --li for --list), are not commands. */
    for (const char *const *b = builtin_options; *b; b++)
        if (strncmp(*b, name, strlen(name)) == 0) return -1;
    rl_error err = {0};
    rl_registry *reg = rl_registry_alloc(&err);
    if (!reg) return fail(EXIT_RUNTIME, "%s", err.msg);
    int load_rc = rl_registry_load_all(reg);
    const rl_command *cmd = rl_registry_find_command(reg, name);
    if (!cmd) {
        /* Not a command: getopt reports the unknown option as ever, with
         * the plugins' commands named when there are some. */
        if (load_rc != RL_OK) fprintf(stderr, "rlrun: warning: %s\n", rl_registry_errmsg(reg));
        size_t n = rl_registry_command_count(reg);
        fprintf(stderr, "rlrun: unknown option '--%s'", name);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s--%s", i ? ", " : " (plugin commands: ",
                    rl_command_name(rl_registry_command_at(reg, i)));
        fputs(n ? ")\nTry 'rlrun --help'.\n" : "\nTry 'rlrun --help'.\n", stderr);
        rl_registry_free(reg);
        return EXIT_USAGE;
    }
    if (group.rank > 0) { /* rank 0 alone runs a command */
        rl_registry_free(reg);
        return EXIT_OK;
    }
    int rc = rl_command_run(cmd, argc - 2, argv + 2, stdout, &err);
    int status = EXIT_OK;
    if (fflush(stdout) != 0 && rc == RL_OK)
        status = fail(EXIT_RUNTIME, "--%s: cannot write the output: %s", name, strerror(errno));
    if (rc != RL_OK) status = fail(setup_status(rc), "%s", err.msg);
    rl_registry_free(reg);
    return status;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    return 0;
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    return fopen(path, "w");
}

/* Write the resolved configuration via a temporary file and rename, so a
 * run directory never holds half a config. */
static int write_config_file(rl_config *cfg, const char *dir)
{
    char path[4300], tmp[4400];
    snprintf(path, sizeof path, "%s/config.ini", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return fail(EXIT_RUNTIME, "cannot write '%s': %s", tmp, strerror(errno));
    fputs("; Resolved configuration written by rlrun " PACKAGE_VERSION
          ": every key, defaults included.\n",
          f);
    int rc = rl_config_write(cfg, f);
    if (fclose(f) != 0 || rc != RL_OK) {
        remove(tmp);
        return fail(EXIT_RUNTIME, "cannot write '%s'", path);
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
    }
    return EXIT_OK;
}

static int list_everything(void)
{
    rl_error err = {0};
    rl_registry *reg = rl_registry_alloc(&err);
    if (!reg) return fail(EXIT_RUNTIME, "%s", err.msg);
    if (rl_registry_load_all(reg) != RL_OK)
        fprintf(stderr, "rlrun: warning: %s\n", rl_registry_errmsg(reg));
    printf("Plugin search path: %s\n\nEnvironments:\n", rl_registry_search_path(reg));
    for (size_t i = 0; i < rl_registry_env_count(reg); i++) {
        const rl_env_type *t = rl_registry_env_at(reg, i);
        printf("  %-16s (plugin %s) %s\n", t->name, rl_registry_env_plugin(reg, i),
               t->summary ? t->summary : "");
    }
    if (rl_registry_command_count(reg)) printf("\nCommands:\n");
    for (size_t i = 0; i < rl_registry_command_count(reg); i++) {
        const rl_command *c = rl_registry_command_at(reg, i);
        printf("  --%-22s (plugin %s) %s\n", rl_command_name(c), rl_registry_command_plugin(reg, i),
               rl_command_summary(c));
    }
    printf("\nAlgorithms:\n");
    for (size_t i = 0; i < rl_algo_count(); i++)
        printf("  %-16s %s\n", rl_algo_at(i)->name, rl_algo_at(i)->summary);
    rl_registry_free(reg);
    return EXIT_OK;
}

/* Join n names, name(i) each, with ", " into buf (cut to fit). */
static const char *join_names(char *buf, size_t len, size_t n,
                              const char *(*name)(const void *ctx, size_t i), const void *ctx)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name(ctx, i));
        if (w < 0) break;
        used += (size_t)w;
    }
    return buf;
}

static const char *env_name_at(const void *reg, size_t i)
{
    return rl_registry_env_at(reg, i)->name;
}

static const char *algo_name_at(const void *ctx, size_t i)
{
    (void)ctx;
    return rl_algo_at(i)->name;
}

/* A file the configuration names that the run depends on (an input key of
 * the environment type, whose value is a path, or a comma-separated list
 * of paths and built-in names such as DeepRacer's tracks): recorded in
 * config.ini with its absolute path and SHA-256 (KEY_sha256, one per item,
 * empty for a built-in name), and copied into the run directory as KEY.EXT
 * (KEY-N.EXT for item N of a list) when it is at most RL_COPY_MAX bytes. */
#define MAX_INPUTS 64
#define RL_COPY_MAX (4 << 20)
typedef struct input {
    const char *key;
    int file;              /* 0: a built-in name, kept as it is (path) */
    char path[PATH_MAX];   /* absolute path of the original, or the name */
    char sha[65];
    char copy_from[PATH_MAX + 300]; /* the file to keep a copy of ("" for none) */
    char copy_name[256];   /* its name in the run directory */
    char use[PATH_MAX + 300]; /* the file the environments read */
    int module;            /* a compiled module: used in place, not copied */
} input;

/* Everything a run needs, created before any file is written. */
typedef struct run {
    rl_run rc;      /* [run], as the library reads it (trace: or --trace) */
    rl_config *cfg;
    rl_registry *reg;
    const rl_env_type *env_type;
    const rl_algo_type *algo_type;
    rl_env_batch *envs;
    rl_algo *algo;
    const char *env_name;
    int own_trace;  /* the environment writes its own trace format */
    char dir[4096];
    input inputs[MAX_INPUTS];
    size_t ninputs;
} run;

static void run_free(run *r)
{
    rl_algo_free(r->algo);
    rl_env_batch_free(r->envs);
    rl_registry_free(r->reg);
    rl_config_free(r->cfg);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot : "";
}

/* Set [section] key = value in cfg (a value may hold any character). */
static int set_key(rl_config *cfg, const char *section, const char *key, const char *value)
{
    size_t n = strlen(section) + strlen(key) + strlen(value) + 3;
    char *buf = malloc(n);
    if (!buf) return fail(EXIT_RUNTIME, "out of memory");
    snprintf(buf, n, "%s.%s=%s", section, key, value);
    int rc = rl_config_set(cfg, buf);
    free(buf);
    return rc == RL_OK ? EXIT_OK : fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
}

/* Item k of a comma-separated list (blanks around items dropped) into buf;
 * returns 0 past the last item. */
static int list_item(const char *list, size_t k, char *buf, size_t len)
{
    const char *p = list;
    for (size_t i = 0; i < k; i++) {
        p = strchr(p, ',');
        if (!p) return 0;
        p++;
    }
    const char *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) end--;
    snprintf(buf, len, "%.*s", (int)(end - p), p);
    return 1;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* One item of an input key: a file, or a built-in name kept as it is. A
 * run continued or evaluated from its directory (run_dir) uses the copy
 * it kept, and says so when the original has changed or gone since; a
 * compiled module cannot move, so it is used where it is, with the same
 * note (also with --quiet: it changes what the run means). Returns an
 * exit status. */
static int prepare_item(run *r, const char *run_dir, const char *key, const char *value,
                        const char *recorded, const char *copy_stem)
{
    rl_config *cfg = r->cfg;
    const char *ext = extension(value);
    int module = strcmp(ext, ".la") == 0 || strcmp(ext, ".so") == 0;
    char kept[PATH_MAX + 300];
    snprintf(kept, sizeof kept, "%s/%s%s", run_dir ? run_dir : ".", copy_stem, ext);
    /* A run continued or evaluated from its directory, which kept a
     * copy: the copy, whatever became of the original. */
    int use_copy = run_dir && recorded[0] && !module && is_file(kept);
    if (r->ninputs == MAX_INPUTS) return fail(EXIT_USAGE, "[%s] %s: too many input files (at most %d)",
                                              r->env_name, key, MAX_INPUTS);
    input *in = &r->inputs[r->ninputs];
    memset(in, 0, sizeof *in);
    in->key = key;
    if (strlen(value) >= sizeof in->path)
        return fail(EXIT_USAGE, "[%s] %s: the path is too long", r->env_name, key);
    snprintf(in->path, sizeof in->path, "%s", value);
    snprintf(in->use, sizeof in->use, "%s", value);
    if (!value[0] || (!use_copy && !is_file(value) && !recorded[0])) {
        r->ninputs++; /* a built-in name, or a missing file the environment reports */
        return EXIT_OK;
    }
    in->file = 1;
    in->module = module;
    rl_error err = {0};
    int gone = !is_file(value); /* then path is the absolute one config.ini recorded */
    if (!gone) {
        if (!realpath(value, in->path))
            return fail(EXIT_USAGE, "%s: [%s] %s: cannot resolve '%s': %s",
                        rl_config_where(cfg, r->env_name, key), r->env_name, key, value,
                        strerror(errno));
        if (rl_sha256_file(in->path, in->sha, &err) != RL_OK)
            return fail(EXIT_USAGE, "%s", err.msg);
    }
    int changed = run_dir && recorded[0] && (gone || strcmp(recorded, in->sha) != 0);

    if (use_copy) {
        char kept_sha[65];
        if (rl_sha256_file(kept, kept_sha, &err) != RL_OK)
            return fail(EXIT_RUNTIME, "%s", err.msg);
        if (strcmp(kept_sha, recorded) != 0)
            return fail(EXIT_USAGE, "%s: the run's copy of [%s] %s does not match the "
                        "SHA-256 config.ini records (%s): it was edited", kept,
                        r->env_name, key, recorded);
        if (changed)
            fprintf(stderr, "rlrun: note: '%s' has %s since the run began; using the run's "
                    "copy %s\n", in->path, gone ? "gone" : "changed", kept);
        snprintf(in->use, sizeof in->use, "%s", kept);
        snprintf(in->sha, sizeof in->sha, "%s", recorded);
    } else if (gone) {
        /* Recorded, not kept (too large), and gone: the environment says
         * what is missing. */
        in->file = 0;
        snprintf(in->path, sizeof in->path, "%s", value);
    } else {
        /* A module cannot move, or the run has no copy: the original
         * as it is now, which a new run or a resumed one keeps. */
        if (changed)
            fprintf(stderr, "rlrun: warning: '%s' has changed since the run began (SHA-256 "
                    "%.12s..., recorded %.12s...); using it as it is now\n",
                    in->path, in->sha, recorded);
        if (module) {
            /* Keep the C source for the record when it sits beside
             * the module (my_reward.la and my_reward.c). */
            size_t stem = strlen(in->path) - strlen(ext);
            snprintf(kept, sizeof kept, "%.*s.c", (int)stem, in->path);
            /* Its source edited since the run began (the module
             * rebuilt or not): say so, beside the run's copy. */
            char old_src[PATH_MAX + 300], sha_now[65], sha_then[65];
            snprintf(old_src, sizeof old_src, "%s/%s.c", run_dir ? run_dir : ".", copy_stem);
            if (run_dir && is_file(kept) && is_file(old_src) &&
                rl_sha256_file(kept, sha_now, &err) == RL_OK &&
                rl_sha256_file(old_src, sha_then, &err) == RL_OK && strcmp(sha_now, sha_then) != 0)
                fprintf(stderr,
                        "rlrun: note: the source '%s' of [%s] %s has changed since the run "
                        "began (the run's copy: %s); the module '%s' is %s\n",
                        kept, r->env_name, key, old_src, in->path,
                        changed ? "used as it is now" : "unchanged: rebuild it to use the new source");
            if (is_file(kept)) {
                memcpy(in->copy_from, kept, strlen(kept) + 1);
                snprintf(in->copy_name, sizeof in->copy_name, "%s.c", copy_stem);
            }
        } else if (file_size(in->path) <= RL_COPY_MAX) {
            memcpy(in->copy_from, in->path, strlen(in->path) + 1);
            snprintf(in->copy_name, sizeof in->copy_name, "%s%s", copy_stem, ext);
        }
    }
    r->ninputs++;
    return EXIT_OK;
}

static int record_inputs(run *r, int record);

/* The environment's input files, before it is created: each input key's
 * value, one path, or a list of paths and built-in names. A new run
 * records each file (absolute path, SHA-256) to copy into the run
 * directory later. Returns an exit status. */
static int prepare_inputs(run *r, const char *run_dir)
{
    const char *const *keys = r->env_type->input_keys;
    rl_config *cfg = r->cfg;
    for (size_t k = 0; keys && keys[k]; k++) {
        const char *key = keys[k], *value, *recorded;
        char sha_key[128];
        snprintf(sha_key, sizeof sha_key, "%s_sha256", key);
        if (rl_config_get_string(cfg, r->env_name, key, &value) != RL_OK ||
            rl_config_get_string(cfg, r->env_name, sha_key, &recorded) != RL_OK)
            return fail(EXIT_RUNTIME, "environment '%s' names '%s' as an input key but does "
                        "not declare it and %s: %s", r->env_name, key, sha_key,
                        rl_config_errmsg(cfg));
        char item[PATH_MAX + 1], rec[80], stem[160];
        if (is_file(value) || !strchr(value, ',')) {
            /* One path (which may hold a comma) or name. */
            if (!list_item(recorded, 0, rec, sizeof rec)) rec[0] = '\0';
            int st = prepare_item(r, run_dir, key, value, rec, key);
            if (st != EXIT_OK) return st;
            continue;
        }
        for (size_t i = 0; list_item(value, i, item, sizeof item); i++) {
            if (!list_item(recorded, i, rec, sizeof rec)) rec[0] = '\0';
            snprintf(stem, sizeof stem, "%s-%zu", key, i + 1);
            int st = prepare_item(r, run_dir, key, item, rec, stem);
            if (st != EXIT_OK) return st;
        }
    }
    /* The environments read the run's copies where it kept them. */
    return record_inputs(r, 0);
}

/* Set each input key to its items' absolute paths (record = 1, with their
 * SHA-256, for config.ini) or back to the files the environments read
 * (record = 0). Items of one key are consecutive in r->inputs. */
static int record_inputs(run *r, int record)
{
    for (size_t i = 0; i < r->ninputs;) {
        const char *key = r->inputs[i].key;
        size_t n = 0, len = 1;
        while (i + n < r->ninputs && r->inputs[i + n].key == key) {
            len += strlen(r->inputs[i + n].path) + strlen(r->inputs[i + n].use) + 70;
            n++;
        }
        char *val = malloc(len), *sha = malloc(len);
        if (!val || !sha) {
            free(val);
            free(sha);
            return fail(EXIT_RUNTIME, "out of memory");
        }
        size_t vu = 0, su = 0;
        int any_file = 0;
        for (size_t j = 0; j < n; j++) {
            const input *in = &r->inputs[i + j];
            vu += (size_t)snprintf(val + vu, len - vu, "%s%s", j ? "," : "",
                                   record ? in->path : in->use);
            su += (size_t)snprintf(sha + su, len - su, "%s%s", j ? "," : "", in->file ? in->sha : "");
            any_file |= in->file;
        }
        char sha_key[128];
        snprintf(sha_key, sizeof sha_key, "%s_sha256", key);
        const char *now = NULL;
        int st = EXIT_OK;
        /* Unchanged values stay where they were set (file:line in messages). */
        if (!any_file) {
            /* Built-in names only: the value stays as it was written, and
             * no file's SHA-256 from an earlier configuration stays. */
            const char *had;
            if (record && rl_config_get_string(r->cfg, r->env_name, sha_key, &had) == RL_OK &&
                had[0])
                st = set_key(r->cfg, r->env_name, sha_key, "");
        } else if (record || rl_config_get_string(r->cfg, r->env_name, key, &now) != RL_OK ||
                   strcmp(now, val) != 0)
            st = set_key(r->cfg, r->env_name, key, val);
        if (st == EXIT_OK && record && any_file) st = set_key(r->cfg, r->env_name, sha_key, sha);
        free(val);
        free(sha);
        if (st != EXIT_OK) return st;
        i += n;
    }
    return EXIT_OK;
}

/* Copy src to dir/name whole or not at all. */
static int copy_file(const char *src, const char *dir, const char *name)
{
    char dst[4400];
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    rl_error err = {0};
    char *data = NULL;
    size_t len = 0;
    int rc = rl_read_file(src, 0, &data, &len, &err);
    if (rc == RL_OK) rc = rl_write_file_atomic(dst, data, len, &err);
    free(data);
    return rc == RL_OK ? EXIT_OK : fail(EXIT_RUNTIME, "%s", err.msg);
}

/* Copy the inputs into the run directory (a new run, or a resumed one
 * that reads a file it had no copy of). */
static int keep_inputs(const run *r)
{
    for (size_t i = 0; i < r->ninputs; i++) {
        const input *in = &r->inputs[i];
        if (!in->copy_from[0]) continue;
        int st = copy_file(in->copy_from, r->dir, in->copy_name);
        if (st != EXIT_OK) return st;
    }
    return EXIT_OK;
}

/* config.ini with the inputs recorded (absolute paths, SHA-256), then
 * the environment's own run files (DeepRacer's model_metadata.json ...). */
static int write_config(run *r)
{
    int st = record_inputs(r, 1);
    if (st == EXIT_OK) st = write_config_file(r->cfg, r->dir);
    int back = record_inputs(r, 0);
    if (st != EXIT_OK) return st;
    if (back != EXIT_OK) return back;
    rl_env *env = rl_env_batch_env(r->envs, 0);
    if (rl_env_write_run_files(env, r->cfg, r->dir) != RL_OK)
        return fail(EXIT_RUNTIME, "%s", rl_env_errmsg(env));
    return EXIT_OK;
}

/* Load and validate the configuration; find the environment and algorithm;
 * create them. Returns an exit status. */
static int setup(run *r, const options *o)
{
    rl_error err = {0};
    r->cfg = rl_config_alloc(&err);
    if (!r->cfg) return fail(EXIT_RUNTIME, "%s", err.msg);
    rl_config *cfg = r->cfg;
    if (rl_config_load(cfg, o->config) != RL_OK) return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    for (size_t i = 0; i < o->nsets; i++)
        if (rl_config_set(cfg, o->sets[i]) != RL_OK)
            return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    if (o->seed) {
        char buf[128];
        snprintf(buf, sizeof buf, "run.seed=%s", o->seed);
        if (rl_config_set(cfg, buf) != RL_OK) return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    }
    rl_config_declare(cfg, "run", rl_run_params);
    for (size_t i = 0; i < rl_algo_count(); i++)
        rl_config_declare(cfg, rl_algo_at(i)->name, rl_algo_at(i)->params);

    const char *plugin;
    if (rl_config_get_string(cfg, "run", "plugin", &plugin) != RL_OK)
        return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    r->reg = rl_registry_alloc(&err);
    if (!r->reg) return fail(EXIT_RUNTIME, "%s", err.msg);
    if (plugin[0]) {
        if (rl_registry_load(r->reg, plugin) != RL_OK) {
            rl_config_fail(cfg, RL_ENOTFOUND, "run", "plugin", "%s", rl_registry_errmsg(r->reg));
            return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
        }
    } else if (rl_registry_load_all(r->reg) != RL_OK && !o->quiet) {
        fprintf(stderr, "rlrun: warning: %s\n", rl_registry_errmsg(r->reg));
    }
    /* Every environment found is a section the program knows, so a config can
     * keep the settings of several and switch with the one line [run] env;
     * their keys are validated all the same. Declaring them all before
     * validating means a typo anywhere, [run] included, is reported as a
     * typo, with the nearest known name. */
    for (size_t i = 0; i < rl_registry_env_count(r->reg); i++) {
        const rl_env_type *t = rl_registry_env_at(r->reg, i);
        if ((t->params && rl_config_declare(cfg, t->name, t->params) != RL_OK) ||
            rl_config_declare(cfg, t->name, rl_env_common_params) != RL_OK)
            return fail(EXIT_RUNTIME, "plugin '%s' declares a bad key table for [%s]: %s",
                        rl_registry_env_plugin(r->reg, i), t->name, rl_config_errmsg(cfg));
    }
    if (rl_config_validate(cfg) != RL_OK) return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));

    if (rl_run_read(cfg, &r->rc) != RL_OK) return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    r->env_name = r->rc.env;
    if (!r->env_name[0])
        return fail(EXIT_USAGE,
                    "%s: [run] env is missing: name the environment to train on "
                    "(rlrun --list shows them)",
                    o->config);
    r->env_type = rl_registry_find_env(r->reg, r->env_name);
    if (!r->env_type) {
        char known[512];
        join_names(known, sizeof known, rl_registry_env_count(r->reg), env_name_at, r->reg);
        rl_config_fail(cfg, RL_ENOTFOUND, "run", "env",
                       "unknown environment '%s' (available: %s; plugins searched in %s)",
                       r->env_name, known[0] ? known : "none", rl_registry_search_path(r->reg));
        return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    }
    /* The environment's number of evaluation episodes when [run] gives
     * none, written into the configuration so that config.ini and --eval
     * use it too. */
    if (r->env_type->eval_episodes > 0 && !rl_config_has(cfg, "run", "eval_episodes")) {
        char buf[64];
        snprintf(buf, sizeof buf, "run.eval_episodes=%lld",
                 (long long)r->env_type->eval_episodes);
        if (rl_config_set(cfg, buf) != RL_OK) return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    }
    /* Read again: the environment may have set eval_episodes. */
    if (rl_run_read(cfg, &r->rc) != RL_OK) return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    const char *algo_name = r->rc.algorithm;
    r->algo_type = rl_algo_find(algo_name);
    if (!r->algo_type) {
        char known[256];
        join_names(known, sizeof known, rl_algo_count(), algo_name_at, NULL);
        rl_config_fail(cfg, RL_ENOTFOUND, "run", "algorithm", "unknown algorithm '%s' (known: %s)",
                       algo_name, known);
        return fail(EXIT_USAGE, "%s", rl_config_errmsg(cfg));
    }

    r->rc.trace = r->rc.trace || o->trace; /* --trace or [run] trace */
    const char *dir = r->rc.output_dir;
    if (dir[0])
        snprintf(r->dir, sizeof r->dir, "%s", dir);
    else
        snprintf(r->dir, sizeof r->dir, "runs/%s", r->env_name);

    const char *run_dir = o->eval_dir ? o->eval_dir : o->resume_dir ? o->resume_dir : o->plot_dir;
    int st = prepare_inputs(r, run_dir);
    if (st != EXIT_OK) return st;
    r->envs = rl_env_batch_alloc(r->env_type, cfg, (size_t)r->rc.num_envs, &err);
    if (!r->envs) return fail(setup_status(err.code), "%s", err.msg);
    r->own_trace = rl_env_has_own_trace(rl_env_batch_env(r->envs, 0));
    /* Each rank's batch has a seed stream of its own: rank k resets its
     * instance i with run.seed + k * 0x9E3779B97F4A7C15 + i (mod 2^64), an
     * odd constant far from any batch's width, so rank 0's episodes are a
     * lone run's. rl_algo_set_comm then gives every rank rank 0's agent. */
    uint64_t seed = (uint64_t)r->rc.seed + (uint64_t)group.rank * UINT64_C(0x9E3779B97F4A7C15);
    r->algo = rl_algo_alloc(r->algo_type, cfg, r->envs, seed, &err);
    if (!r->algo) return fail(setup_status(err.code), "%s", err.msg);
    rl_algo_set_total_steps(r->algo, (uint64_t)r->rc.total_steps);
    /* threads = 0: the cores available, shared by the ranks on this host. */
    int threads = rl_cpu_count() / (group.local_size > 0 ? group.local_size : 1);
    if (threads < 1) threads = 1;
    if (r->rc.threads > 0) threads = (int)r->rc.threads;
    if (rl_algo_set_threads(r->algo, threads) != RL_OK)
        return fail(EXIT_RUNTIME, "%s", rl_algo_errmsg(r->algo));
    return EXIT_OK;
}

/* progress.csv's header: the columns every algorithm has, then its own.
 * wall_time is the seconds of training so far (a resumed run goes on from
 * the time its checkpoint had seen), steps_per_s this row's steps over its
 * wall time; mean_return and mean_length cover the episodes that ended in
 * the iteration, the _100 columns the last 100 episodes (SB3's
 * ep_rew_mean). A mean of no episodes is an empty field. */
static void progress_header(const run *r, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len,
                                   "iteration,env_steps,wall_time,steps_per_s,episodes,mean_return,"
                                   "mean_length,mean_return_100,mean_length_100");
    for (const char *const *s = r->algo_type->stat_names; s && *s && used < len; s++)
        used += (size_t)snprintf(buf + used, len - used, ",%s", *s);
}

/* ",x" with x in %.10g, or "," alone for NaN (a mean of no episodes). */
static size_t put_num(char *buf, size_t len, double x)
{
    int w = isnan(x) ? snprintf(buf, len, ",") : snprintf(buf, len, ",%.10g", x);
    return w < 0 ? 0 : (size_t)w;
}

/* One row of progress.csv, written whole and flushed, so that a run that
 * is killed leaves whole rows only (and at least every row its last
 * checkpoint has seen). Returns 0, or -1 on a write error. */
static int progress_row(FILE *f, const rl_iter_info *it, double wall, double rate)
{
    char row[8192];
    size_t used = (size_t)snprintf(row, sizeof row, "%llu,%llu,%.3f,%.1f,%llu",
                                   (unsigned long long)it->iteration,
                                   (unsigned long long)it->env_steps, wall, rate,
                                   (unsigned long long)it->episodes);
    const double figs[] = {it->mean_return, it->mean_length, it->recent_return, it->recent_length};
    for (size_t i = 0; i < 4 && used < sizeof row; i++)
        used += put_num(row + used, sizeof row - used, figs[i]);
    for (size_t i = 0; i < it->nstats && used < sizeof row; i++)
        used += put_num(row + used, sizeof row - used, it->stats[i]);
    if (used >= sizeof row - 1) return -1;
    row[used++] = '\n';
    return fwrite(row, 1, used, f) == used && fflush(f) == 0 ? 0 : -1;
}

/* A duration for people: "12.3s", "4:05", "1:02:03". */
static const char *fmt_duration(char *buf, size_t len, double secs)
{
    if (!(secs >= 0) || secs > 1e9) {
        snprintf(buf, len, "?");
    } else if (secs < 60) {
        snprintf(buf, len, "%.1fs", secs);
    } else {
        long t = (long)(secs + 0.5);
        if (t < 3600)
            snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
        else
            snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    }
    return buf;
}

/* The figures of one progress report: elapsed time and ETA of this
 * invocation, its rate, and the mean return of the last 100 episodes
 * ("-" before the first ends: never nan). */
typedef struct report {
    char elapsed[32], eta[32], ret[32];
    double rate, frac;
} report;

static void make_report(const run *r, const rl_iter_info *it, uint64_t steps0, double elapsed,
                        report *rep)
{
    uint64_t done = it->env_steps - steps0;
    rep->rate = elapsed > 0 ? (double)done / elapsed : 0;
    double left = (double)r->rc.total_steps - (double)it->env_steps;
    if (left < 0) left = 0;
    rep->frac = (double)it->env_steps / (double)r->rc.total_steps;
    if (rep->frac > 1) rep->frac = 1;
    fmt_duration(rep->elapsed, sizeof rep->elapsed, elapsed);
    if (left == 0)
        snprintf(rep->eta, sizeof rep->eta, "0.0s");
    else if (rep->rate > 0)
        fmt_duration(rep->eta, sizeof rep->eta, left / rep->rate);
    else
        snprintf(rep->eta, sizeof rep->eta, "?");
    if (it->recent_episodes)
        snprintf(rep->ret, sizeof rep->ret, "%.4g", it->recent_return);
    else
        snprintf(rep->ret, sizeof rep->ret, "-");
}

static void draw_bar(const run *r, const rl_iter_info *it, const report *rep)
{
    /* About 80 columns: a wider line would wrap and break the \r. */
    int width = 10, fill = (int)(rep->frac * width);
    fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%lld  %s, ETA %s  %.0f steps/s  return %s   ", fill,
            "##########", width - fill, "", (int)(rep->frac * 100 + 0.5),
            (unsigned long long)it->env_steps, (long long)r->rc.total_steps, rep->elapsed, rep->eta,
            rep->rate, rep->ret);
    fflush(stderr);
}

/* One line of piped output. */
static void log_line(const run *r, const rl_iter_info *it, const report *rep)
{
    printf("iter %llu  steps %llu/%lld (%d%%)  elapsed %s  ETA %s  %.0f steps/s  return_100 %s  "
           "episodes %llu",
           (unsigned long long)it->iteration, (unsigned long long)it->env_steps,
           (long long)r->rc.total_steps, (int)(rep->frac * 100 + 0.5), rep->elapsed, rep->eta,
           rep->rate, rep->ret, (unsigned long long)it->episodes);
    for (size_t i = 0; i < it->nstats; i++)
        if (!isnan(it->stats[i])) printf("  %s %.4g", r->algo_type->stat_names[i], it->stats[i]);
    putchar('\n');
    fflush(stdout);
}

/* 1 when the file at path ends with a newline (or is empty). */
static int ends_with_newline(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 1;
    int c = EOF;
    if (fseek(f, -1, SEEK_END) == 0) c = fgetc(f);
    fclose(f);
    return c == EOF || c == '\n';
}

/* Append a record's fields to *out (grown as needed), comma-separated,
 * with a newline. The fields rlrun writes are numbers (or empty), never
 * quoted, so this is the row as it was written. -1 when out of memory. */
static int put_record(const rl_csv *c, char **out, size_t *cap, size_t *len)
{
    size_t need = *len + 2;
    for (size_t i = 0; i < rl_csv_nfields(c); i++) need += strlen(rl_csv_field(c, i)) + 1;
    if (need > *cap) {
        size_t ncap = need > 2 * *cap ? need : 2 * *cap;
        char *p = realloc(*out, ncap);
        if (!p) return -1;
        *out = p;
        *cap = ncap;
    }
    for (size_t i = 0; i < rl_csv_nfields(c); i++) {
        size_t n = strlen(rl_csv_field(c, i));
        if (i) (*out)[(*len)++] = ',';
        memcpy(*out + *len, rl_csv_field(c, i), n);
        *len += n;
    }
    (*out)[(*len)++] = '\n';
    return 0;
}

/* On resume: keep the header and the rows of progress.csv the checkpoint
 * has seen, iterations 1 to `rows`, each verified (read by the plugins'
 * one CSV reader: the header's names and number of fields, the iteration
 * it should be, a whole last line), and drop the rest: the rows of
 * iterations after the checkpoint, and whatever a run that was killed
 * left behind. The file is rewritten atomically and reopened for
 * appending; *wall is the wall_time of the last row kept. Returns NULL
 * with a message printed. */
static FILE *reopen_progress(const run *r, uint64_t rows, char *path, size_t len, double *wall)
{
    *wall = 0;
    snprintf(path, len, "%s/progress.csv", r->dir);
    char header[4096];
    progress_header(r, header, sizeof header);
    size_t hlen = strlen(header);
    rl_error err = {0};
    rl_csv *c = rl_csv_open(path, 0, &err);
    if (!c && err.code != RL_ENOTFOUND) {
        fail(EXIT_RUNTIME, "%s", err.msg);
        return NULL;
    }
    /* The verified part: the header, then `verified` rows. */
    size_t cap = hlen + 4096, olen = 0;
    char *out = malloc(cap);
    if (!out) {
        rl_csv_close(c);
        fail(EXIT_RUNTIME, "out of memory");
        return NULL;
    }
    memcpy(out, header, hlen);
    out[hlen] = '\n';
    olen = hlen + 1;
    uint64_t verified = 0;
    int header_ok = 0;
    if (c && rl_csv_read_header(c, &err) == RL_OK) {
        size_t used = 0;
        header_ok = 1;
        for (size_t i = 0; i < rl_csv_nfields(c) && header_ok; i++) {
            const char *f = rl_csv_field(c, i);
            size_t n = strlen(f);
            header_ok = used + n <= hlen && memcmp(header + used, f, n) == 0 &&
                        (header[used + n] == (i + 1 < rl_csv_nfields(c) ? ',' : '\0'));
            used += n + 1;
        }
    }
    if (header_ok) {
        size_t prev = olen;    /* out's length before the last row kept */
        double w = 0, prev_w = 0;
        int k = 0, bad = 0;
        while (verified < rows && (k = rl_csv_next(c, &err)) == 1) {
            char *end;
            const char *f0 = rl_csv_field(c, 0);
            errno = 0;
            unsigned long long it = strtoull(f0, &end, 10);
            double row_w;
            size_t before = olen;
            if (errno || end == f0 || *end || it != verified + 1 || rl_csv_nfields(c) < 3 ||
                rl_csv_parse_double(rl_csv_field(c, 2), 0, &row_w) != 0 ||
                put_record(c, &out, &cap, &olen) != 0) {
                olen = before;
                bad = 1;
                break;
            }
            prev = before;
            prev_w = w;
            w = row_w;
            verified++;
        }
        /* A torn last row: the file ended within the last row kept (no
         * final newline), which may have lost digits. */
        if (!bad && verified > 0 && !ends_with_newline(path) &&
            (k == 0 || rl_csv_next(c, &err) == 0)) {
            verified--;
            olen = prev;
            w = prev_w;
        }
        *wall = isfinite(w) && w >= 0 && w < 1e12 ? w : 0;
    }
    rl_csv_close(c);
    if (!header_ok || verified < rows)
        fprintf(stderr,
                "rlrun: warning: %s %s; it keeps %llu verified row%s of the checkpoint's %llu "
                "iterations and goes on from iteration %llu\n",
                path, !c ? "is missing" : !header_ok ? "has lost its header" : "was damaged",
                (unsigned long long)verified, verified == 1 ? "" : "s", (unsigned long long)rows,
                (unsigned long long)rows + 1);
    int rc = rl_write_file_atomic(path, out, olen, &err);
    free(out);
    if (rc != RL_OK) {
        fail(EXIT_RUNTIME, "%s", err.msg);
        return NULL;
    }
    FILE *f = fopen(path, "a");
    if (!f) fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
    return f;
}

/* On resume: remove the training trace files of iteration `from` on
 * (written after the checkpoint by the run that is resumed); training
 * writes them again. */
static void remove_iteration_files(const char *dir, uint64_t from)
{
    char path[4200];
    for (uint64_t k = from;; k++) {
        snprintf(path, sizeof path, "%s/%llu-iteration.csv", dir, (unsigned long long)k);
        if (remove(path) != 0) break;
    }
}

/* SIGINT and SIGTERM during a run: the first asks the loop to stop after
 * the iteration (or evaluation episode) under way, with the checkpoint
 * saved; a second one ends the process at once, as the signal does by
 * default. The handler only records the signal. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    if (stop_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
    static const char msg[] = "\nrlrun: stopping after this iteration, with the checkpoint saved "
                              "(interrupt again to stop at once)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The exit status of a run stopped by a signal: 128 + its number (130 for
 * SIGINT, 143 for SIGTERM), as a shell reports a process it killed. */
static int stopped_status(void)
{
    return 128 + (int)stop_signal;
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* In a group: stop after this iteration when any rank has had a signal
 * (the same answer on every rank). Returns an exit status. */
static int agree_stop(void)
{
    double v = (double)stop_signal;
    rl_error err = {0};
    if (group.comm.max_f64(group.comm.ctx, &v, 1, &err) != RL_OK)
        return fail(EXIT_RUNTIME, "%s", err.msg);
    if (v > 0 && !stop_signal) stop_signal = (sig_atomic_t)v;
    return EXIT_OK;
}

/* RLRUN_RANK_CHECKPOINTS=1 (a debugging aid, rlrun(1)): every rank writes
 * its process id into RUNDIR/rank-N.pid when training begins and its
 * whole training state into RUNDIR/checkpoint-rankN.rlck when it ends, so
 * that the ranks' agents can be compared (tests/rlrun_mpi.sh). */
static int rank_files(void)
{
    const char *v = getenv("RLRUN_RANK_CHECKPOINTS");
    return v && strcmp(v, "1") == 0;
}

static int write_rank_pid(const run *r)
{
    if (!rank_files()) return EXIT_OK;
    char path[4300];
    snprintf(path, sizeof path, "%s/rank-%d.pid", r->dir, group.rank);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0)
        return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
    return EXIT_OK;
}

static int save_rank_checkpoint(run *r)
{
    if (!rank_files()) return EXIT_OK;
    char path[4300];
    snprintf(path, sizeof path, "%s/checkpoint-rank%d.rlck", r->dir, group.rank);
    return rl_algo_save(r->algo, path) == RL_OK ? EXIT_OK
                                                : fail(EXIT_RUNTIME, "%s", rl_algo_errmsg(r->algo));
}

static int train(run *r, const options *o)
{
    char path[4200], ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.rlck", r->dir);
    FILE *progress = NULL;
    double wall0 = 0; /* wall_time of the training before this invocation */
    /* In a group, rank 0 alone writes progress, traces and checkpoints. */
    const int writer = group.rank == 0, trace_on = r->rc.trace && writer;
    if (!writer) {
        /* nothing to open */
    } else if (o->resume_dir) {
        progress = reopen_progress(r, rl_algo_iterations(r->algo), path, sizeof path, &wall0);
        if (!progress) return EXIT_RUNTIME;
    } else {
        char header[4096];
        progress_header(r, header, sizeof header);
        progress = open_in(r->dir, "progress.csv", path, sizeof path);
        if (!progress) return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        if (fprintf(progress, "%s\n", header) < 0 || fflush(progress) != 0) {
            fclose(progress);
            return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        }
    }

    /* Traces: the generic format goes to one trace.csv; a type with its
     * own (DeepRacer's) writes one file per iteration into
     * training-simtrace/, as the simulator does: each episode whole, in the
     * file of the iteration in which it ends. */
    FILE *trace = NULL;
    char simtrace_dir[4120];
    snprintf(simtrace_dir, sizeof simtrace_dir, "%s/training-simtrace", r->dir);
    if (trace_on && r->own_trace && make_dirs(simtrace_dir) != 0) {
        fclose(progress);
        return fail(EXIT_RUNTIME, "cannot create '%s': %s", simtrace_dir, strerror(errno));
    }
    if (trace_on && r->own_trace && o->resume_dir)
        remove_iteration_files(simtrace_dir, rl_algo_iterations(r->algo));
    if (trace_on && r->own_trace) {
        /* DeepRacer's iteration files hold num_episodes_between_training
         * episodes each (deepracer-utils numbers episodes by it): when PPO
         * iterates by episodes, a file takes that many, and the episodes
         * that ended in the same last step as the iteration's last go
         * first into the next file. */
        int64_t per_iter = 0, steps_per_iter = 0;
        if (strcmp(r->algo_type->name, "ppo") == 0 &&
            rl_config_get_int(r->cfg, "ppo", "steps_per_iteration", &steps_per_iter) == RL_OK &&
            steps_per_iter == 0 &&
            rl_config_get_int(r->cfg, "ppo", "episodes_per_iteration", &per_iter) == RL_OK)
            rl_env_batch_set_trace_quota(r->envs, (uint64_t)per_iter);
    }
    if (trace_on && !r->own_trace) {
        snprintf(path, sizeof path, "%s/trace.csv", r->dir);
        trace = fopen(path, o->resume_dir ? "a" : "w");
        if (!trace) {
            fclose(progress);
            return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        }
        if (ftell(trace) == 0) rl_env_trace_header(rl_env_batch_env(r->envs, 0), trace);
        rl_env_batch_set_trace(r->envs, trace);
    }

    int tty = isatty(STDERR_FILENO) && !o->quiet;
    int status = write_rank_pid(r);
    double t0 = now(), last_draw = 0, last_ckpt = t0, last_row = t0;
    const uint64_t steps0 = rl_algo_env_steps(r->algo), iters0 = rl_algo_iterations(r->algo);
    uint64_t last_steps = steps0;
    /* Piped output: a line each log_every iterations, or (0) about 20
     * lines over this invocation's steps, a resumed one's too. */
    const int64_t log_every = r->rc.log_every;
    const double span = (double)r->rc.total_steps - (double)steps0;
    unsigned mark = 1; /* the next line is due at steps0 + mark * span / 20 */
    rl_iter_info it = {0};
    while (status == EXIT_OK && (int64_t)rl_algo_env_steps(r->algo) < r->rc.total_steps &&
           !stop_signal) {
        if (trace_on && r->own_trace) {
            /* The next iteration's file; the batch keeps the rows of the
             * episodes under way from one file to the next. */
            FILE *next;
            snprintf(path, sizeof path, "%s/%llu-iteration.csv", simtrace_dir,
                     (unsigned long long)rl_algo_iterations(r->algo));
            if (!(next = fopen(path, "w"))) {
                status = fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
                break;
            }
            rl_env_trace_header(rl_env_batch_env(r->envs, 0), next);
            if (rl_env_batch_set_trace(r->envs, next) != RL_OK) {
                fclose(next);
                status = fail(EXIT_RUNTIME, "%s", rl_env_batch_errmsg(r->envs));
                break;
            }
            if (trace && fclose(trace) != 0) {
                trace = next;
                status = fail(EXIT_RUNTIME, "cannot write the trace of iteration %llu",
                              (unsigned long long)rl_algo_iterations(r->algo));
                break;
            }
            trace = next;
        }
        int rc = rl_algo_iterate(r->algo, &it);
        if (rc != RL_OK) {
            status = fail(EXIT_RUNTIME, "training failed at iteration %llu: %s",
                          (unsigned long long)rl_algo_iterations(r->algo) + 1,
                          rl_algo_errmsg(r->algo));
            break;
        }
        double t = now();
        double rate = t > last_row ? (double)(it.env_steps - last_steps) / (t - last_row) : 0;
        last_row = t;
        last_steps = it.env_steps;
        if (writer && progress_row(progress, &it, wall0 + (t - t0), rate) != 0) {
            status = fail(EXIT_RUNTIME, "cannot write '%s/progress.csv': %s", r->dir,
                          strerror(errno));
            break;
        }
        int last = (int64_t)it.env_steps >= r->rc.total_steps;
        int due = last;
        if (log_every > 0) {
            due = due || it.iteration % (uint64_t)log_every == 0;
        } else if ((double)(it.env_steps - steps0) >= (double)mark * span / 20) {
            due = 1;
            while ((double)(it.env_steps - steps0) >= (double)mark * span / 20) mark++;
        }
        if (tty && (t - last_draw > 0.1 || last)) {
            report rep;
            make_report(r, &it, steps0, t - t0, &rep);
            draw_bar(r, &it, &rep);
            last_draw = t;
        } else if (!tty && !o->quiet && due) {
            report rep;
            make_report(r, &it, steps0, t - t0, &rep);
            log_line(r, &it, &rep);
        }
        /* The periodic checkpoint (the one at the end, or on a signal,
         * follows the loop). progress.csv already holds this iteration's
         * row, so it never has fewer rows than the checkpoint has seen. */
        if (writer && !last && !stop_signal &&
            ((r->rc.checkpoint_iters > 0 && it.iteration % (uint64_t)r->rc.checkpoint_iters == 0) ||
             (r->rc.checkpoint_secs > 0 && t - last_ckpt >= r->rc.checkpoint_secs))) {
            if (rl_algo_save(r->algo, ckpt) != RL_OK) {
                status = fail(EXIT_RUNTIME, "%s", rl_algo_errmsg(r->algo));
                break;
            }
            last_ckpt = now();
        }
        /* A signal reaches the ranks at different moments (mpirun passes
         * it on): they stop after the same iteration, the first after
         * which any of them had it. Saving is rank 0's alone, so when it
         * saves needs no agreement. */
        if (together && (status = agree_stop()) != EXIT_OK) break;
    }
    if (tty) fputc('\n', stderr);
    if (progress && fclose(progress) != 0 && status == EXIT_OK)
        status = fail(EXIT_RUNTIME, "cannot write '%s/progress.csv'", r->dir);
    /* The checkpoint is saved while the trace is on, so that it keeps the
     * rows of the episodes under way for a later --resume. */
    if (status == EXIT_OK && writer && rl_algo_save(r->algo, ckpt) != RL_OK)
        status = fail(EXIT_RUNTIME, "%s", rl_algo_errmsg(r->algo));
    if (status == EXIT_OK) status = save_rank_checkpoint(r);
    if (trace) rl_env_batch_set_trace(r->envs, NULL);
    if (trace && fclose(trace) != 0 && status == EXIT_OK)
        status = fail(EXIT_RUNTIME, "cannot write the trace in '%s'", r->dir);
    /* Episodes that ended past the last file's quota: a file of their own,
     * numbered as the next iteration's (a later --resume writes it again,
     * with that iteration's episodes after them). */
    for (uint64_t k = rl_algo_iterations(r->algo);
         status == EXIT_OK && trace_on && r->own_trace && rl_env_batch_trace_held(r->envs) > 0;
         k++) {
        snprintf(path, sizeof path, "%s/%llu-iteration.csv", simtrace_dir, (unsigned long long)k);
        FILE *rest = fopen(path, "w");
        if (!rest) {
            status = fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
            break;
        }
        rl_env_trace_header(rl_env_batch_env(r->envs, 0), rest);
        int rc = rl_env_batch_set_trace(r->envs, rest);
        rl_env_batch_set_trace(r->envs, NULL);
        if ((fclose(rest) != 0 || rc != RL_OK) && status == EXIT_OK)
            status = fail(EXIT_RUNTIME, "cannot write '%s'", path);
    }
    /* A failure on one rank while the others go on would leave them
     * waiting in a collective: the job ends (rank 0's last checkpoint,
     * written atomically, stays as it was). */
    if (status != EXIT_OK && together) rlrun_group_abort(&group, status);
    if (status != EXIT_OK) return status;
    if (stop_signal) {
        fprintf(stderr,
                "rlrun: %s: stopped after iteration %llu (%llu steps); the checkpoint is saved in "
                "%s; continue with: rlrun --resume %s\n",
                signal_name(stop_signal), (unsigned long long)rl_algo_iterations(r->algo),
                (unsigned long long)rl_algo_env_steps(r->algo), ckpt, r->dir);
        return stopped_status();
    }
    if (!o->quiet) {
        double t = now() - t0;
        /* This invocation's share (a resumed run began at steps0). */
        uint64_t steps = rl_algo_env_steps(r->algo) - steps0;
        printf("trained %llu steps in %llu iterations, %.2f s (%.0f steps/s)\n",
               (unsigned long long)steps, (unsigned long long)(rl_algo_iterations(r->algo) - iters0),
               t, (double)steps / (t > 0 ? t : 1e-9));
    }
    return EXIT_OK;
}

static int evaluate(run *r, const options *o)
{
    if (r->rc.eval_episodes == 0) return EXIT_OK;
    rl_error err = {0};
    rl_env *env = rl_env_alloc(r->env_type, r->cfg, &err);
    if (!env) return fail(EXIT_RUNTIME, "%s", err.msg);
    if (rl_env_set_evaluation(env, 1) != RL_OK) {
        fail(EXIT_RUNTIME, "%s", rl_env_errmsg(env));
        rl_env_free(env);
        return EXIT_RUNTIME;
    }
    /* eval.csv appears whole, when the evaluation is over: it is written
     * as eval.csv.tmp and renamed. */
    char path[4200], csv_tmp[4200];
    FILE *csv = open_in(r->dir, "eval.csv.tmp", csv_tmp, sizeof csv_tmp);
    if (!csv) {
        rl_env_free(env);
        return fail(EXIT_RUNTIME, "cannot write '%s': %s", csv_tmp, strerror(errno));
    }
    FILE *trace = NULL;
    if (r->rc.trace && r->own_trace) {
        /* deepracer-for-cloud's layout, which deepracer-utils finds beside
         * training-simtrace/: evaluation-<local time, 14 digits>/. */
        char dir[4200], stamp[32];
        time_t t = time(NULL);
        struct tm tm;
        strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", localtime_r(&t, &tm));
        snprintf(dir, sizeof dir, "%s/evaluation-%s/evaluation-simtrace", r->dir, stamp);
        if (make_dirs(dir) != 0) {
            fclose(csv);
            fail(EXIT_RUNTIME, "cannot create '%s': %s", dir, strerror(errno));
            rl_env_free(env);
            return EXIT_RUNTIME;
        }
        trace = open_in(dir, "0-iteration.csv", path, sizeof path);
    } else if (r->rc.trace) {
        trace = open_in(r->dir, "eval-trace.csv", path, sizeof path);
    }
    if (r->rc.trace) {
        if (!trace) {
            fclose(csv);
            rl_env_free(env);
            return fail(EXIT_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        }
        rl_env_trace_header(env, trace);
        rl_env_set_trace(env, trace, 0);
    }
    size_t nm = rl_env_metric_count(env);
    const char *const *names = r->env_type->metric_names;
    double *m = calloc(nm + 1, sizeof *m), *msum = calloc(nm + 1, sizeof *msum);
    fputs("episode,return,length,terminated,truncated", csv);
    for (size_t i = 0; i < nm; i++) fprintf(csv, ",%s", names[i]);
    fputc('\n', csv);

    int status = EXIT_OK;
    double sum = 0, len_sum = 0, lo = INFINITY, hi = -INFINITY;
    for (int64_t k = 0; k < r->rc.eval_episodes && m && msum && !stop_signal; k++) {
        rl_episode_result res;
        /* Evaluation seeds are apart from training's: run.seed + 1000000 + k. */
        if (rl_algo_evaluate(r->algo, env, (uint64_t)r->rc.seed + 1000000u + (uint64_t)k,
                             r->rc.eval_max_steps, &res) != RL_OK) {
            status = fail(EXIT_RUNTIME, "evaluation episode %lld failed: %s", (long long)k + 1,
                          rl_algo_errmsg(r->algo));
            break;
        }
        rl_env_metrics(env, m);
        fprintf(csv, "%lld,%.10g,%lld,%d,%d", (long long)k + 1, res.ret, (long long)res.length,
                res.terminated, res.truncated);
        for (size_t i = 0; i < nm; i++) {
            fprintf(csv, ",%.10g", m[i]);
            msum[i] += m[i];
        }
        fputc('\n', csv);
        if (nm && r->rc.eval_episodes <= 20 && !o->quiet) {
            /* A few episodes with figures (DeepRacer's laps): one line each. */
            printf("  episode %lld: return %.4f, length %lld", (long long)k + 1, res.ret,
                   (long long)res.length);
            for (size_t i = 0; i < nm; i++) printf(", %s %.4f", names[i], m[i]);
            putchar('\n');
        }
        sum += res.ret;
        len_sum += (double)res.length;
        if (res.ret < lo) lo = res.ret;
        if (res.ret > hi) hi = res.ret;
    }
    if (fclose(csv) != 0 && status == EXIT_OK)
        status = fail(EXIT_RUNTIME, "cannot write '%s/eval.csv'", r->dir);
    if (trace && fclose(trace) != 0 && status == EXIT_OK)
        status = fail(EXIT_RUNTIME, "cannot write '%s'", path);
    if (status == EXIT_OK && stop_signal) {
        fprintf(stderr,
                "rlrun: %s: evaluation stopped, eval.csv not written; the trained agent is in "
                "%s/checkpoint.rlck (rlrun --eval %s evaluates it)\n",
                signal_name(stop_signal), r->dir, r->dir);
        status = stopped_status();
    }
    char csv_path[4200];
    snprintf(csv_path, sizeof csv_path, "%s/eval.csv", r->dir);
    if (status == EXIT_OK && rename(csv_tmp, csv_path) != 0)
        status = fail(EXIT_RUNTIME, "cannot write '%s': %s", csv_path, strerror(errno));
    if (status != EXIT_OK) remove(csv_tmp);
    if (status == EXIT_OK && m && msum) {
        double n = (double)r->rc.eval_episodes;
        printf("evaluation (%s, greedy): %lld episode%s, mean return %.4f (min %.4f, max %.4f), "
               "mean length %.1f\n",
               r->env_name, (long long)r->rc.eval_episodes, r->rc.eval_episodes == 1 ? "" : "s", sum / n,
               lo, hi, len_sum / n);
        /* The environment's own table where it has one (trading, rota),
         * else each metric's mean. */
        for (size_t i = 0; i < nm; i++) msum[i] /= n;
        int rc = rl_env_write_summary(env, msum, (size_t)r->rc.eval_episodes, stdout);
        if (rc == RL_EUNSUPPORTED)
            for (size_t i = 0; i < nm; i++) printf("  %s: mean %.4f\n", names[i], msum[i]);
        else if (rc != RL_OK)
            status = fail(EXIT_RUNTIME, "%s", rl_env_errmsg(env));
        printf("results in %s/eval.csv\n", r->dir);
    } else if (!m || !msum) {
        status = fail(EXIT_RUNTIME, "out of memory");
    }
    free(m);
    free(msum);
    rl_env_free(env);
    return status;
}

/* The environment's pictures of the run in r->dir (DeepRacer's track.png,
 * learning.png, reward.png), whose lines go to standard output. Asked for
 * (--plot), any failure is the exit status. At the end of a run, which
 * has succeeded by then, a failure is a warning and a build without cairo
 * a one-line note; [run] plots = false draws nothing. */
static int draw_plots(run *r, const options *o, int asked)
{
    if (!asked && (!r->rc.plots || !r->env_type->write_plots)) return EXIT_OK;
    rl_env *env = rl_env_batch_env(r->envs, 0);
    int rc = rl_env_write_plots(env, r->cfg, r->dir, o->quiet && !asked ? NULL : stdout);
    fflush(stdout);
    if (rc == RL_OK) return EXIT_OK;
    if (asked) return fail(setup_status(rc), "--plot: %s", rl_env_errmsg(env));
    if (rc == RL_EUNSUPPORTED) {
        if (!o->quiet) fprintf(stderr, "rlrun: note: %s\n", rl_env_errmsg(env));
    } else {
        fprintf(stderr, "rlrun: warning: no pictures of the run: %s\n", rl_env_errmsg(env));
    }
    return EXIT_OK;
}

/* Lock the run directory for this process's life (flock on the directory
 * itself, released by the kernel however the process ends), so that two
 * runs never write into one directory. Returns an exit status. */
static int lock_run_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(EXIT_RUNTIME, "cannot open run directory '%s': %s", dir, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return fail(EXIT_RUNTIME,
                        "run directory '%s' is in use by another rlrun; wait for it to end, or "
                        "give this run another one (--set run.output_dir=DIR)",
                        dir);
        return fail(EXIT_RUNTIME, "cannot lock run directory '%s': %s", dir, strerror(e));
    }
    return EXIT_OK; /* fd stays open, and the lock held, until the process ends */
}

/* 1 when dir holds a run: its config.ini, checkpoint or progress.csv. */
static int holds_run(const char *dir, const char **what)
{
    static const char *const names[] = {"config.ini", "checkpoint.rlck", "progress.csv", NULL};
    char path[4300];
    for (const char *const *n = names; *n; n++) {
        snprintf(path, sizeof path, "%s/%s", dir, *n);
        if (access(path, F_OK) == 0) {
            *what = *n;
            return 1;
        }
    }
    return 0;
}

/* The directory of a new run. With [run] output_dir, that directory: one
 * that holds a run already is refused unless --force replaces it. Without,
 * a new directory: runs/ENV, or runs/ENV_2, runs/ENV_3, ... when taken
 * (created with mkdir, so two runs started together never share one), as
 * SB3 and deepracer-for-cloud number theirs. Returns an exit status. */
static int new_run_dir(run *r, const options *o)
{
    const char *what;
    if (r->rc.output_dir[0]) {
        if (holds_run(r->dir, &what) && !o->force)
            return fail(EXIT_USAGE,
                        "%s: [run] output_dir '%s' holds a run already (%s): continue it with "
                        "'rlrun --resume %s', replace it with --force, or name another directory",
                        rl_config_where(r->cfg, "run", "output_dir"), r->dir, what, r->dir);
        if (make_dirs(r->dir) != 0)
            return fail(EXIT_RUNTIME, "cannot create run directory '%s': %s", r->dir,
                        strerror(errno));
    } else {
        if (make_dirs("runs") != 0)
            return fail(EXIT_RUNTIME, "cannot create 'runs': %s", strerror(errno));
        for (unsigned k = 1;; k++) {
            if (k == 1)
                snprintf(r->dir, sizeof r->dir, "runs/%s", r->env_name);
            else
                snprintf(r->dir, sizeof r->dir, "runs/%s_%u", r->env_name, k);
            if (mkdir(r->dir, 0777) == 0) break;
            if (errno != EEXIST || k == 100000)
                return fail(EXIT_RUNTIME, "cannot create run directory '%s': %s", r->dir,
                            strerror(errno));
        }
    }
    if (!o->quiet) printf("run directory: %s\n", r->dir);
    return EXIT_OK;
}

/* A file of an old run's that --force removes: pictures, and the run files
 * environments write (DeepRacer's model_metadata.json ...) are replaced by
 * the new run's own. */
static int is_picture(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".png") == 0;
}

/* Remove path and, for a directory, everything in it (no symbolic link is
 * followed). Returns 0 or -1 with errno. */
static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) return -1;
        struct dirent *e;
        char sub[4400];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (remove_tree(sub) != 0) {
                int err = errno;
                closedir(d);
                errno = err;
                return -1;
            }
        }
        closedir(d);
    }
    return remove(path);
}

/* A new run in a directory that held one: the old run's files go before
 * the new config.ini is written, the checkpoint first, so that an early
 * --resume can never continue the old agent under the new configuration. */
static int clear_old_run(const char *dir)
{
    static const char *const names[] = {"checkpoint.rlck", "progress.csv", "eval.csv",
                                        "trace.csv", "eval-trace.csv", NULL};
    char path[4400];
    for (const char *const *n = names; *n; n++) {
        snprintf(path, sizeof path, "%s/%s", dir, *n);
        if (remove(path) != 0 && errno != ENOENT)
            return fail(EXIT_RUNTIME, "cannot remove the old run's '%s': %s", path, strerror(errno));
    }
    snprintf(path, sizeof path, "%s/training-simtrace", dir);
    remove_iteration_files(path, 0);
    /* Its pictures and evaluation folders (deepracer-for-cloud's
     * evaluation-<time>/), which would otherwise pass for the new run's. */
    DIR *d = opendir(dir);
    if (!d) return fail(EXIT_RUNTIME, "cannot read run directory '%s': %s", dir, strerror(errno));
    struct dirent *e;
    int st = EXIT_OK;
    while (st == EXIT_OK && (e = readdir(d))) {
        if (!is_picture(e->d_name) && strncmp(e->d_name, "evaluation-", 11) != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (remove_tree(path) != 0)
            st = fail(EXIT_RUNTIME, "cannot remove the old run's '%s': %s", path, strerror(errno));
    }
    closedir(d);
    return st;
}

/* Train as one of the group (rl_algo_set_comm): every rank gets rank 0's
 * agent. Refused by an algorithm that trains alone (qlearn), as the
 * user's input. Returns an exit status. */
static int join_group(run *r)
{
    int rc = rl_algo_set_comm(r->algo, &group.comm);
    if (rc == RL_OK) return EXIT_OK;
    return fail(rc == RL_EUNSUPPORTED ? EXIT_USAGE : EXIT_RUNTIME, "%s%s", rl_algo_errmsg(r->algo),
                rc == RL_EUNSUPPORTED ? " (run it without mpirun, or with -np 1)" : "");
}

/* --resume: rank 0 locks the run directory, loads the whole checkpoint
 * (its environments' episodes under way included), keeps the inputs and
 * writes config.ini again; the other ranks load the agent alone and start
 * fresh episodes with their own seeds. Returns an exit status. */
static int resume_run(run *r, const options *o)
{
    char ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.rlck", r->dir);
    if (group.rank > 0) {
        int rc = rl_algo_load_agent(r->algo, ckpt);
        return rc == RL_OK ? EXIT_OK : fail(checkpoint_status(rc), "%s", rl_algo_errmsg(r->algo));
    }
    int status = lock_run_dir(r->dir);
    if (status != EXIT_OK) return status;
    int rc = rl_algo_load(r->algo, ckpt);
    if (rc != RL_OK) return fail(checkpoint_status(rc), "%s", rl_algo_errmsg(r->algo));
    if (!o->quiet)
        printf("resuming from iteration %llu (%llu steps) of %s\n",
               (unsigned long long)rl_algo_iterations(r->algo),
               (unsigned long long)rl_algo_env_steps(r->algo), ckpt);
    if ((status = keep_inputs(r)) == EXIT_OK) status = write_config(r);
    return status;
}

/* A new run (rank 0): its directory, locked and cleared of an old run's
 * files, the inputs kept and config.ini written. Returns an exit status. */
static int start_run(run *r, const options *o)
{
    int status;
    if ((status = new_run_dir(r, o)) == EXIT_OK && (status = lock_run_dir(r->dir)) == EXIT_OK &&
        (status = clear_old_run(r->dir)) == EXIT_OK && (status = keep_inputs(r)) == EXIT_OK)
        status = write_config(r);
    return status;
}

/* Ranks other than 0 print nothing but errors: their standard output and
 * error go to /dev/null, errors to a copy of the standard error they were
 * started with (rank_err). */
static void quiet_rank(void)
{
    int fd = dup(STDERR_FILENO);
    if (fd >= 0) rank_err = fdopen(fd, "w");
    if (!rank_err) return; /* then errors and all go to stderr */
    fflush(stdout);
    fflush(stderr);
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) {
        /* stdout or stderr closed: nothing more to silence */
    }
}

static int rlrun_main(int argc, char **argv);

int main(int argc, char **argv)
{
    char msg[512];
    int status = rlrun_group_init(&group, &argc, &argv, msg, sizeof msg);
    if (status != EXIT_OK) {
        fprintf(stderr, "rlrun: %s\n", msg);
        rlrun_group_end(&group);
        return status;
    }
    if (group.rank > 0) quiet_rank();
    status = rlrun_main(argc, argv);
    rlrun_group_end(&group);
    if (rank_err) fclose(rank_err);
    return status;
}

static int rlrun_main(int argc, char **argv)
{
    /* GSL's default handler aborts; librl checks GSL's return codes. */
    gsl_set_error_handler_off();
    rl_blas_set_threads(1);

    static const struct option longopts[] = {
        {"eval", required_argument, NULL, 'e'}, {"resume", required_argument, NULL, 'r'},
        {"plot", required_argument, NULL, 'p'},
        {"set", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'}, {"quiet", no_argument, NULL, 'q'},
        {"trace", no_argument, NULL, 't'},      {"list", no_argument, NULL, 'l'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},       {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int cmd_status = plugin_command(argc, argv);
    if (cmd_status >= 0) return cmd_status;

    options o = {0};
    o.sets = calloc((size_t)argc + 1, sizeof *o.sets);
    if (!o.sets) return fail(EXIT_RUNTIME, "out of memory");
    int c, status;
    while ((c = getopt_long(argc, argv, "e:r:p:s:S:qtflhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': o.eval_dir = optarg; break;
        case 'r': o.resume_dir = optarg; break;
        case 'p': o.plot_dir = optarg; break;
        case 's': o.sets[o.nsets++] = optarg; break;
        case 'S': o.seed = optarg; break;
        case 'q': o.quiet = 1; break;
        case 't': o.trace = 1; break;
        case 'f': o.force = 1; break;
        case 'l': free(o.sets); return list_everything();
        case 'h': free(o.sets); usage(stdout); return EXIT_OK;
        case 'V':
            free(o.sets);
            printf("rlrun (librl) %s, plugin ABI %u, %s%s\n", rl_version(), RL_ABI_VERSION,
                   rlrun_group_mpi ? "MPI: " : "built without MPI",
                   rlrun_group_mpi ? rlrun_group_mpi : "");
            return EXIT_OK;
        default:
            free(o.sets);
            fputs("Try 'rlrun --help'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (!!o.eval_dir + !!o.resume_dir + !!o.plot_dir > 1) {
        free(o.sets);
        fputs("rlrun: --eval, --resume and --plot do not go together\nTry 'rlrun --help'.\n",
              stderr);
        return EXIT_USAGE;
    }
    const char *run_dir = o.eval_dir ? o.eval_dir : o.resume_dir ? o.resume_dir : o.plot_dir;
    if (o.force && run_dir) {
        free(o.sets);
        fputs("rlrun: --force replaces the run in a new run's output_dir; it does not go with "
              "--eval, --resume or --plot\nTry 'rlrun --help'.\n",
              stderr);
        return EXIT_USAGE;
    }
    char eval_config[4200];
    if (optind == argc - 1) {
        o.config = argv[optind];
    } else if (optind == argc && run_dir) {
        snprintf(eval_config, sizeof eval_config, "%s/config.ini", run_dir);
        o.config = eval_config;
    } else {
        free(o.sets);
        fprintf(stderr, "rlrun: %s\nTry 'rlrun --help'.\n",
                optind == argc ? "no configuration file given" : "more than one configuration file given");
        return EXIT_USAGE;
    }

    /* In a group, rank 0 alone evaluates or draws; the others end at once. */
    if (group.rank > 0 && (o.eval_dir || o.plot_dir)) {
        free(o.sets);
        return EXIT_OK;
    }
    together = group.size > 1 && !o.eval_dir && !o.plot_dir;
    holding = together && group.rank > 0;

    run r = {0};
    status = agree(setup(&r, &o));
    if (status == EXIT_OK && together) status = agree(join_group(&r));
    if (status == EXIT_OK && (o.eval_dir || o.plot_dir)) status = lock_run_dir(run_dir);
    if (status == EXIT_OK) catch_stop_signals();
    if (status == EXIT_OK) {
        if (o.plot_dir) {
            /* Draw the pictures again from the run's files. */
            snprintf(r.dir, sizeof r.dir, "%s", o.plot_dir);
            status = draw_plots(&r, &o, 1);
        } else if (o.eval_dir) {
            /* Evaluate a trained agent: results go into its run directory. */
            snprintf(r.dir, sizeof r.dir, "%s", o.eval_dir);
            if (r.rc.eval_episodes == 0) {
                fail(EXIT_USAGE, "--eval: [run] eval_episodes is 0, nothing to evaluate");
                run_free(&r);
                free(o.sets);
                return EXIT_USAGE;
            }
            char ckpt[4200];
            snprintf(ckpt, sizeof ckpt, "%s/checkpoint.rlck", o.eval_dir);
            /* The agent only: evaluation runs episodes of its own, so the
             * training episodes under way stay behind, and the batch may
             * differ (num_envs, a track never trained on). */
            /* A checkpoint that is missing, damaged or not this run's is
             * the user's input (exit 2); a read error is not (1). */
            int rc = rl_algo_load_agent(r.algo, ckpt);
            if (rc != RL_OK)
                status = fail(checkpoint_status(rc), "%s", rl_algo_errmsg(r.algo));
            else if ((status = evaluate(&r, &o)) == EXIT_OK)
                status = draw_plots(&r, &o, 0);
        } else {
            if (o.resume_dir) {
                /* Continue training: the run directory is the one resumed,
                 * the configuration (with any --set) is written back over
                 * its own. */
                snprintf(r.dir, sizeof r.dir, "%s", o.resume_dir);
                status = agree(resume_run(&r, &o));
                /* The loaded agent, rank 0's, to every rank. */
                if (status == EXIT_OK && together) status = agree(join_group(&r));
            } else {
                status = agree(group.rank == 0 ? start_run(&r, &o) : EXIT_OK);
                /* The directory rank 0 chose (rank-N files go there). */
                rl_error err = {0};
                if (status == EXIT_OK &&
                    group.comm.bcast(group.comm.ctx, r.dir, sizeof r.dir, &err) != RL_OK) {
                    holding = 0;
                    status = fail(EXIT_RUNTIME, "%s", err.msg);
                    rlrun_group_abort(&group, status);
                }
            }
            holding = 0;
            if (status == EXIT_OK) status = train(&r, &o);
            if (status == EXIT_OK && group.rank == 0 && (status = evaluate(&r, &o)) == EXIT_OK)
                status = draw_plots(&r, &o, 0);
        }
    }
    run_free(&r);
    free(o.sets);
    return status;
}
