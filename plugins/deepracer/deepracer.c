/* The deepracer environment: a 1/18 car on a DeepRacer track, with the
 * simulator's reward parameters, episode rules, action spaces, evaluation
 * laps and trace log (doc/deepracer.md).
 *
 * One step: decode the action (steering, speed), move the car one 1/15 s
 * frame, compute every reward parameter from the new pose (the point 0.14 m
 * ahead of the origin, and the four wheel centres), call the reward
 * function, decide the episode's end, write the observation. The prepare
 * step that begins an episode, and the pause steps after an evaluation
 * reset, hold the car instead and call no reward function. Nothing is
 * allocated or formatted in a step. */
#include <errno.h>
#include <ltdl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "deepracer.h"
#include "drfiles.h"
#include "plots.h"
#include "pyreward.h"
#include "replay.h"
#include "raceline.h"

/* 3: the car's steering angle and yaw rate (d[24], d[26]); layout 2 had
 * 0 there. d[25], the episode's track in the `track` list, was 0 in both
 * before there could be several, which still reads as the first. */
enum { LAYOUT = 3 };

static const char *const status_names[] = {"prepare",  "in_progress", "off_track",    "crashed",
                                           "reversed", "immobilized", "lap_complete", "pause"};

const rl_param dr_params[] = {
    {"track", RL_PARAM_STRING, "technical", 0, 0, NULL,
     "the track: a name from envs/tracks (technical, oval) or the path of a DeepRacer .npy "
     "or a .csv track file; several, separated by commas, take turns episode by episode in "
     "training, and evaluation drives the first"},
    {"track_sha256", RL_PARAM_STRING, "", 0, 0, NULL,
     "written by rlrun: the SHA-256 of each track file the run began with, in the order of "
     "track (empty for a built-in name; see rlrun(1), Input files)"},
    {"is_reversed", RL_PARAM_BOOL, "false", 0, 0, NULL,
     "drive the track in the reverse direction (DeepRacer's is_reversed)"},
    {"reward_function", RL_PARAM_STRING, "follow_centerline", 0, 0, NULL,
     "a built-in reward (follow_centerline, stay_inside_borders, prevent_zigzag, "
     "progress_per_step, follow_raceline), or the path of your own: a Python file (.py) with the "
     "simulator's reward_function(params), or a libtool module (.la) or shared object "
     "(.so) in C"},
    {"reward_symbol", RL_PARAM_STRING, "reward_function", 0, 0, NULL,
     "the name of the reward function in the Python file or module"},
    {"reward_function_sha256", RL_PARAM_STRING, "", 0, 0, NULL,
     "written by rlrun: the SHA-256 of the reward file the run began with (see rlrun(1), "
     "Input files)"},
    {"action_space_type", RL_PARAM_CHOICE, "discrete", 0, 0, "discrete|continuous",
     "DeepRacer's action_space_type"},
    {"steering_angles", RL_PARAM_STRING, "-30,-15,0,15,30", 0, 0, NULL,
     "discrete: steering angles in degrees (+ left), each paired with every speed"},
    {"speeds", RL_PARAM_STRING, "0.5,1.0", 0, 0, NULL, "discrete: speeds in m/s"},
    {"actions", RL_PARAM_STRING, "", 0, 0, NULL,
     "discrete: an explicit action list, steering:speed pairs separated by commas "
     "(e.g. -30:0.8, 0:1.5, 30:0.8), or raceline:N for N actions clustered from the race "
     "line's steering and speeds; replaces steering_angles x speeds"},
    {"steering_range", RL_PARAM_STRING, "-30,30", 0, 0, NULL,
     "continuous: steering low,high in degrees"},
    {"speed_range", RL_PARAM_STRING, "0.5,1.0", 0, 0, NULL, "continuous: speed low,high in m/s"},
    {"observation", RL_PARAM_CHOICE, "vector", 0, 0, "vector|lidar",
     "vector: speed, steering, heading error, offset and the centre line ahead; "
     "lidar: speed, steering and range-finder rays to the borders"},
    {"lookahead_points", RL_PARAM_INT, "10", 1, 64, NULL,
     "vector: centre-line points ahead, in the car's frame"},
    {"lookahead_spacing", RL_PARAM_REAL, "0.25", 0.01, 10, NULL,
     "vector: metres between those points along the centre line"},
    {"lidar_rays", RL_PARAM_INT, "16", 1, 256, NULL, "lidar: number of rays"},
    {"lidar_fov", RL_PARAM_REAL, "180", 1, 360, NULL,
     "lidar: field of view in degrees, centred ahead"},
    {"lidar_range", RL_PARAM_REAL, "2.0", 0.1, 100, NULL, "lidar: maximum range in metres"},
    {"round_robin_advance", RL_PARAM_REAL, "0.05", 0, 1, NULL,
     "training: each episode starts this share of the lap further on"},
    {"is_continuous", RL_PARAM_BOOL, "true", 0, 0, NULL,
     "evaluation: after a completed lap the next goes on from where the car is, at speed "
     "(deepracer-for-cloud's DR_EVAL_IS_CONTINUOUS); false: every lap from the start line, at rest"},
    {"number_of_resets", RL_PARAM_INT, "100", 0, 1e9, NULL,
     "evaluation: times the car is put back on the track after going off track or reversing, "
     "before that ends the lap (DR_EVAL_MAX_RESETS); 0: going off track ends the lap"},
    {"off_track_penalty", RL_PARAM_REAL, "5.0", 0, 3600, NULL,
     "evaluation: seconds the car is held after such a reset (DR_EVAL_OFF_TRACK_PENALTY)"},
    {"car_model", RL_PARAM_CHOICE, "sim2026", 0, 0, "sim2026|sim2022",
     "the car's dynamics, fitted on the simulator's trace logs: sim2026 (the current "
     "simulator, ROS 2) or sim2022 (the 2021-23 one); the keys below override single constants"},
    {"steering_time_constant", RL_PARAM_STRING, "", 0, 0, NULL,
     "seconds: the steering follows the command as a first-order lag (empty: the car_model's)"},
    {"steering_gain", RL_PARAM_STRING, "", 0, 0, NULL,
     "the path curvature at low speed as a share of the kinematic tan(steer) / wheelbase "
     "(empty: the car_model's)"},
    {"understeer", RL_PARAM_STRING, "", 0, 0, NULL,
     "s^2/m^2: the curvature falls as 1 / (1 + understeer v^2) (empty: the car_model's)"},
    {"speed_time_constant", RL_PARAM_STRING, "", 0, 0, NULL,
     "seconds: the speed follows the command as a first-order lag (empty: the car_model's)"},
    {"speed_scale", RL_PARAM_STRING, "", 0, 0, NULL,
     "the speed reached as a share of the command (empty: the car_model's)"},
    {"max_acceleration", RL_PARAM_STRING, "", 0, 0, NULL,
     "m/s^2: the largest forward acceleration (empty: the car_model's)"},
    {"max_braking", RL_PARAM_STRING, "", 0, 0, NULL,
     "m/s^2: the largest deceleration (empty: the car_model's)"},
    {"max_lateral_acceleration", RL_PARAM_STRING, "", 0, 0, NULL,
     "m/s^2: the grip limit; a faster corner slides wide (empty: the car_model's)"},
    {"top_speed", RL_PARAM_STRING, "", 0, 0, NULL,
     "m/s: the fastest the car goes whatever the command (empty: the car_model's)"},
    {"yaw_time_constant", RL_PARAM_STRING, "", 0, 0, NULL,
     "seconds: the yaw rate follows the steering's as a first-order lag (empty: the "
     "car_model's)"},
    {"yaw_time_constant_per_speed", RL_PARAM_STRING, "", 0, 0, NULL,
     "seconds per m/s: how that lag grows with speed (empty: the car_model's)"},
    {"max_curvature", RL_PARAM_STRING, "", 0, 0, NULL,
     "1/m: the path curvature saturates smoothly at it, kappa_max tanh(kappa / kappa_max); "
     "0: no limit (empty: the car_model's)"},
    {"scrub", RL_PARAM_STRING, "", 0, 0, NULL,
     "turning slows the car by scrub x its lateral acceleration (empty: the car_model's)"},
    {"sideslip", RL_PARAM_STRING, "", 0, 0, NULL,
     "the velocity points asin(sideslip x curvature x wheelbase / 2) off the body's heading "
     "(empty: the car_model's)"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};


/* ---- configuration ----------------------------------------------------------- */

static int config_error(rl_config *cfg, rl_error *err)
{
    return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
}

/* Parse "a, b, c" into at most max reals; returns the count or -1. */
static int parse_reals(const char *text, double *out, int max)
{
    int n = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) return n;
        if (n == max) return -1;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !isfinite(v)) return -1;
        out[n++] = v;
        p = end;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == ',') {
            p++;
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) return -1;
        } else if (*p) {
            return -1;
        }
    }
}

static int get_range(rl_config *cfg, const char *sec, const char *key, double lo_min,
                     double hi_max, double *lo, double *hi, rl_error *err)
{
    const char *text;
    double v[2];
    if (rl_config_get_string(cfg, sec, key, &text) != RL_OK) return config_error(cfg, err);
    if (parse_reals(text, v, 2) != 2 || !(v[0] < v[1]) || v[0] < lo_min || v[1] > hi_max) {
        rl_config_fail(cfg, RL_EINVAL, sec, key,
                       "'%s' is not low,high with %g <= low < high <= %g", text, lo_min, hi_max);
        return config_error(cfg, err);
    }
    *lo = v[0];
    *hi = v[1];
    return RL_OK;
}

static int check_action(rl_config *cfg, const char *sec, const char *key, double steer,
                        double speed, rl_error *err)
{
    if (fabs(steer) > DR_MAX_STEER || speed < DR_MIN_SPEED || speed > DR_MAX_SPEED) {
        rl_config_fail(cfg, RL_ERANGE, sec, key,
                       "action (steering %g, speed %g) is outside steering [-30, 30] degrees "
                       "and speed [0.1, 4] m/s",
                       steer, speed);
        return rl_error_set(err, RL_ERANGE, "%s", rl_config_errmsg(cfg));
    }
    return RL_OK;
}

int dr_read_actions(dr_env *e, rl_config *cfg, const char *sec, rl_error *err)
{
    const char *type;
    if (rl_config_get_string(cfg, sec, "action_space_type", &type) != RL_OK)
        return config_error(cfg, err);
    e->continuous = strcmp(type, "continuous") == 0;
    if (e->continuous) {
        int rc = get_range(cfg, sec, "steering_range", -DR_MAX_STEER, DR_MAX_STEER, &e->steer_lo,
                           &e->steer_hi, err);
        if (rc == RL_OK)
            rc = get_range(cfg, sec, "speed_range", DR_MIN_SPEED, DR_MAX_SPEED, &e->speed_lo,
                           &e->speed_hi, err);
        return rc;
    }
    const char *list;
    if (rl_config_get_string(cfg, sec, "actions", &list) != RL_OK) return config_error(cfg, err);
    if (strncmp(list, "raceline:", 9) == 0)
        return dr_raceline_read_actions(e, cfg, sec, list + 9, err);
    if (list[0]) {
        /* "s:v, s:v, ...": swap the colons for commas and read pairs. */
        char buf[8192];
        size_t len = strlen(list);
        if (len >= sizeof buf) {
            rl_config_fail(cfg, RL_EINVAL, sec, "actions", "the list is too long");
            return config_error(cfg, err);
        }
        int colons = 0, commas = 0;
        for (size_t i = 0; i <= len; i++) {
            buf[i] = list[i] == ':' ? ',' : list[i];
            colons += list[i] == ':';
            commas += list[i] == ',';
        }
        double v[2 * MAX_ACTIONS];
        int n = parse_reals(buf, v, 2 * MAX_ACTIONS);
        if (n <= 0 || n % 2 || colons != n / 2 || commas != n / 2 - 1) {
            rl_config_fail(cfg, RL_EINVAL, sec, "actions",
                           "'%s' is not a list of steering:speed pairs separated by commas "
                           "(at most %d)",
                           list, MAX_ACTIONS);
            return config_error(cfg, err);
        }
        e->nactions = (size_t)n / 2;
        for (size_t i = 0; i < e->nactions; i++) {
            e->steer[i] = v[2 * i];
            e->speed[i] = v[2 * i + 1];
            if (check_action(cfg, sec, "actions", e->steer[i], e->speed[i], err) != RL_OK)
                return RL_ERANGE;
        }
        return RL_OK;
    }
    const char *angles_text, *speeds_text;
    double angles[MAX_ACTIONS], speeds[MAX_ACTIONS];
    if (rl_config_get_string(cfg, sec, "steering_angles", &angles_text) != RL_OK ||
        rl_config_get_string(cfg, sec, "speeds", &speeds_text) != RL_OK)
        return config_error(cfg, err);
    int na = parse_reals(angles_text, angles, MAX_ACTIONS);
    int ns = parse_reals(speeds_text, speeds, MAX_ACTIONS);
    if (na <= 0) {
        rl_config_fail(cfg, RL_EINVAL, sec, "steering_angles",
                       "'%s' is not a list of angles separated by commas", angles_text);
        return config_error(cfg, err);
    }
    if (ns <= 0) {
        rl_config_fail(cfg, RL_EINVAL, sec, "speeds",
                       "'%s' is not a list of speeds separated by commas", speeds_text);
        return config_error(cfg, err);
    }
    if ((size_t)na * (size_t)ns > MAX_ACTIONS) {
        rl_config_fail(cfg, RL_ERANGE, sec, "speeds",
                       "%d angles x %d speeds make more than %d actions", na, ns, MAX_ACTIONS);
        return rl_error_set(err, RL_ERANGE, "%s", rl_config_errmsg(cfg));
    }
    for (int i = 0; i < na; i++)
        if (check_action(cfg, sec, "steering_angles", angles[i], DR_MAX_SPEED, err) != RL_OK)
            return RL_ERANGE;
    for (int j = 0; j < ns; j++)
        if (check_action(cfg, sec, "speeds", 0.0, speeds[j], err) != RL_OK) return RL_ERANGE;
    /* The console's order: speeds within each angle. */
    e->nactions = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < ns; j++) {
            e->steer[e->nactions] = angles[i];
            e->speed[e->nactions++] = speeds[j];
        }
    return RL_OK;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A track name (no '/' and no '.') is looked for as NAME.csv then NAME.npy
 * in RL_TRACK_PATH's directories, the source tree's envs/tracks and the
 * installed tracks directory; anything else is a path. */
static int find_track(const char *name, char *path, size_t len, char *searched, size_t slen)
{
    if (strchr(name, '/') || strchr(name, '.')) {
        snprintf(path, len, "%s", name);
        snprintf(searched, slen, "%s", name);
        return 1;
    }
    char dirs[4096];
    const char *env = getenv("RL_TRACK_PATH");
    snprintf(dirs, sizeof dirs, "%s%s%s:%s", env ? env : "", env && env[0] ? ":" : "",
             RL_SRC_TRACKSDIR, RL_TRACKSDIR);
    searched[0] = 0;
    for (char *dir = dirs, *next; dir; dir = next) {
        next = strchr(dir, ':');
        if (next) *next++ = 0;
        if (!dir[0]) continue;
        size_t used = strlen(searched);
        if (used + 1 < slen &&
            (size_t)snprintf(searched + used, slen - used, "%s%s", used ? ", " : "", dir) >=
                slen - used)
            searched[used] = 0; /* no room to name more */
        static const char *const ext[] = {".csv", ".npy"};
        for (int k = 0; k < 2; k++) {
            if ((size_t)snprintf(path, len, "%s/%s%s", dir, name, ext[k]) < len &&
                file_exists(path))
                return 1;
        }
    }
    return 0;
}

/* The track of section sec, as dr_init loads it (raceline.h). */
static int load_named_track(dr_track *t, rl_config *cfg, const char *sec, const char *name,
                            int reversed, const char *prefix, rl_error *err);

int dr_track_from_config(dr_track *t, rl_config *cfg, const char *sec, rl_error *err)
{
    const char *list;
    int reversed;
    if (rl_config_get_string(cfg, sec, "track", &list) != RL_OK ||
        rl_config_get_bool(cfg, sec, "is_reversed", &reversed) != RL_OK)
        return config_error(cfg, err);
    /* The first track of a list `a, b, c`. */
    char track[1024];
    while (*list == ' ' || *list == '\t') list++;
    size_t len = strcspn(list, ",");
    while (len && (list[len - 1] == ' ' || list[len - 1] == '\t')) len--;
    if (len >= sizeof track) {
        rl_config_fail(cfg, RL_EINVAL, sec, "track", "the track's name is too long");
        return config_error(cfg, err);
    }
    memcpy(track, list, len);
    track[len] = 0;
    return load_named_track(t, cfg, sec, track, reversed, "", err);
}

/* What a file that libltdl could not load is, for the message. */
static const char *file_kind(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return NULL;
    if (S_ISDIR(st.st_mode)) return "a directory";
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    if (st.st_size == 0) return "an empty file";
    unsigned char head[512];
    FILE *f = fopen(path, "rb");
    if (!f) return "a file that cannot be read";
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n >= 4 && memcmp(head, "\177ELF", 4) == 0)
        return "an ELF file that does not load as a module (wrong architecture, missing "
               "libraries or not a shared object)";
    if (n >= 10 && memcmp(head, "# ", 2) == 0) {
        for (size_t i = 0; i + 7 <= n; i++)
            if (memcmp(head + i, "libtool", 7) == 0)
                return "a libtool file whose shared object does not load";
    }
    for (size_t i = 0; i < n; i++)
        if (head[i] == 0) return "a binary file, not a shared object";
    return "a text file";
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int load_python(dr_env *e, rl_config *cfg, const char *sec, const char *name,
                       const char *symbol, rl_error *err)
{
    char msg[RL_ERRMSG_SIZE];
    int code = RL_EPLUGIN;
    e->py = dr_pyreward_open(name, symbol, &code, msg, sizeof msg);
    if (!e->py) {
        rl_config_fail(cfg, code, sec, "reward_function", "%s", msg);
        return rl_error_set(err, code, "%s", rl_config_errmsg(cfg));
    }
    e->preset = DR_REWARD_PYTHON;
    snprintf(e->reward_name, sizeof e->reward_name, "%s", name);
    return RL_OK;
}

static int load_reward(dr_env *e, rl_config *cfg, const char *sec, rl_error *err)
{
    const char *name, *symbol;
    if (rl_config_get_string(cfg, sec, "reward_function", &name) != RL_OK ||
        rl_config_get_string(cfg, sec, "reward_symbol", &symbol) != RL_OK)
        return config_error(cfg, err);
    e->preset = dr_reward_find(name);
    if (e->preset != DR_REWARD_MODULE) {
        snprintf(e->reward_name, sizeof e->reward_name, "%s", name);
        return RL_OK;
    }
    if (!strchr(name, '/') && !strchr(name, '.')) {
        rl_config_fail(cfg, RL_ENOTFOUND, sec, "reward_function",
                       "unknown reward '%s': name a built-in one (%s), or give the path of a "
                       "Python file (e.g. ./reward_function.py) or of a libtool module "
                       "(e.g. ./my_reward.la)",
                       name, dr_reward_names);
        return rl_error_set(err, RL_ENOTFOUND, "%s", rl_config_errmsg(cfg));
    }
    if (has_suffix(name, ".py")) return load_python(e, cfg, sec, name, symbol, err);
    if (lt_dlinit() != 0) {
        rl_config_fail(cfg, RL_EPLUGIN, sec, "reward_function", "libltdl failed: %s",
                       lt_dlerror());
        return rl_error_set(err, RL_EPLUGIN, "%s", rl_config_errmsg(cfg));
    }
    e->ltdl_up = 1;
    e->module = lt_dlopen(name);
    if (!e->module) {
        const char *why = lt_dlerror();
        const char *kind = file_kind(name);
        if (kind) {
            /* The file is there: say what it is and what would do
             * (libltdl only says "file not found"). */
            rl_config_fail(cfg, RL_EFORMAT, sec, "reward_function",
                           "'%s' is %s, not a reward module; reward_function takes a "
                           "Python file (.py), a libtool module (.la) or a shared object "
                           "(.so), or a built-in name (%s)",
                           name, kind, dr_reward_names);
            return rl_error_set(err, RL_EFORMAT, "%s", rl_config_errmsg(cfg));
        }
        rl_config_fail(cfg, RL_ENOTFOUND, sec, "reward_function",
                       "cannot load the reward module '%s': %s", name,
                       why ? why : "unknown error");
        return rl_error_set(err, RL_ENOTFOUND, "%s", rl_config_errmsg(cfg));
    }
    /* lt_dlsym returns a data pointer; the module defines a function. */
    void *sym = lt_dlsym(e->module, symbol);
    if (!sym) {
        rl_config_fail(cfg, RL_ENOTFOUND, sec, "reward_symbol",
                       "the reward module '%s' has no function '%s'", name, symbol);
        return rl_error_set(err, RL_ENOTFOUND, "%s", rl_config_errmsg(cfg));
    }
    memcpy(&e->fn, &sym, sizeof e->fn);
    snprintf(e->reward_name, sizeof e->reward_name, "%s in %s", symbol, name);
    return RL_OK;
}

/* The car model: the car_model preset, then any constant a key sets. */
int dr_car_model_read(dr_car_model *m, rl_config *cfg, const char *sec, rl_error *err)
{
    static const struct {
        const char *key;
        size_t off;
        double lo, hi;
        const char *unit;
    } keys[] = {
        {"steering_time_constant", offsetof(dr_car_model, steer_tau), 0, 10, " s"},
        {"steering_gain", offsetof(dr_car_model, steer_gain), 0.01, 2, ""},
        {"understeer", offsetof(dr_car_model, understeer), 0, 100, " s^2/m^2"},
        {"speed_time_constant", offsetof(dr_car_model, speed_tau), 0.001, 10, " s"},
        {"speed_scale", offsetof(dr_car_model, speed_scale), 0.1, 2, ""},
        {"max_acceleration", offsetof(dr_car_model, accel_max), 0.1, 1000, " m/s^2"},
        {"max_braking", offsetof(dr_car_model, brake_max), 0.1, 1000, " m/s^2"},
        {"max_lateral_acceleration", offsetof(dr_car_model, a_lat_max), 0.1, 1000, " m/s^2"},
        {"top_speed", offsetof(dr_car_model, top_speed), 0.1, 100, " m/s"},
        {"yaw_time_constant", offsetof(dr_car_model, yaw_tau), 0, 10, " s"},
        {"yaw_time_constant_per_speed", offsetof(dr_car_model, yaw_tau_v), 0, 10, " s per m/s"},
        {"sideslip", offsetof(dr_car_model, sideslip), -5, 5, ""},
        {"max_curvature", offsetof(dr_car_model, kappa_max), 0, 100, " 1/m"},
        {"scrub", offsetof(dr_car_model, scrub), 0, 10, ""},
    };
    const char *name;
    if (rl_config_get_string(cfg, sec, "car_model", &name) != RL_OK) return config_error(cfg, err);
    if (dr_car_model_preset(m, name) != 0) {
        rl_config_fail(cfg, RL_EINVAL, sec, "car_model", "no car model '%s' (known: %s)", name,
                       dr_car_model_names);
        return config_error(cfg, err);
    }
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *text;
        if (rl_config_get_string(cfg, sec, keys[i].key, &text) != RL_OK)
            return config_error(cfg, err);
        if (!text[0]) continue;
        char *end;
        double v = strtod(text, &end);
        while (*end == ' ' || *end == '\t') end++;
        if (end == text || *end || !isfinite(v)) {
            rl_config_fail(cfg, RL_EINVAL, sec, keys[i].key, "'%s' is not a number", text);
            return config_error(cfg, err);
        }
        if (v < keys[i].lo || v > keys[i].hi) {
            rl_config_fail(cfg, RL_ERANGE, sec, keys[i].key, "%g is outside [%g, %g]%s", v,
                           keys[i].lo, keys[i].hi, keys[i].unit);
            return rl_error_set(err, RL_ERANGE, "%s", rl_config_errmsg(cfg));
        }
        *(double *)((char *)m + keys[i].off) = v;
    }
    dr_car_model_update(m);
    return RL_OK;
}

/* ---- tracks ----------------------------------------------------------------- */

/* Make course i the current track: the geometry, the waypoints reward
 * functions see and track_length. */
static void use_course(dr_env *e, size_t i)
{
    const dr_course *c = &e->courses[i];
    e->course = i;
    e->track = c->track;
    e->wp = c->wp;
    e->seg_yaw = c->seg_yaw;
    e->p.track_length = c->track.length;
    e->p.waypoints = (const double (*)[2])c->wp;
    e->line = c->line;
    e->p.num_waypoints = (int)c->track.n + 1;
}

/* Load one track named name (a project track's name or a path) into c,
 * with its waypoints and segment directions. A failure is reported against
 * the key; prefix (empty for a single track) says which of the list. */
/* Find and load the track called name (a name from the tracks folders or
 * a path), the track key's message (after prefix) naming what failed. */
static int load_named_track(dr_track *t, rl_config *cfg, const char *sec, const char *name,
                            int reversed, const char *prefix, rl_error *err)
{
    char path[4096], searched[4096], msg[1024];
    if (!name[0] || !find_track(name, path, sizeof path, searched, sizeof searched)) {
        rl_config_fail(cfg, RL_ENOTFOUND, sec, "track",
                       "%sno track named '%s' (looked for %s.csv and %s.npy in %s)", prefix,
                       name, name, name, searched);
        return rl_error_set(err, RL_ENOTFOUND, "%s", rl_config_errmsg(cfg));
    }
    if (dr_track_load(t, path, reversed, msg, sizeof msg) != 0) {
        rl_config_fail(cfg, RL_EFORMAT, sec, "track", "%s%s", prefix, msg);
        return rl_error_set(err, RL_EFORMAT, "%s", rl_config_errmsg(cfg));
    }
    return RL_OK;
}

static int load_course(dr_course *c, rl_config *cfg, const char *sec, const char *name,
                       int reversed, const char *prefix, rl_error *err)
{
    int rc = load_named_track(&c->track, cfg, sec, name, reversed, prefix, err);
    if (rc != RL_OK) return rc;
    const dr_track *t = &c->track;
    /* The waypoints reward functions see: the centre line in the driving
     * direction, closing point included. */
    c->wp = malloc((t->n + 1) * sizeof *c->wp);
    if (!c->wp) return rl_error_set(err, RL_ENOMEM, "out of memory for the waypoints");
    for (size_t i = 0; i <= t->n; i++) {
        c->wp[i][0] = t->cx[i];
        c->wp[i][1] = t->cy[i];
    }
    /* Each centre segment's direction, for the heading error. */
    c->seg_yaw = malloc(t->n * sizeof *c->seg_yaw);
    if (!c->seg_yaw) return rl_error_set(err, RL_ENOMEM, "out of memory for the segments");
    for (size_t i = 0; i < t->n; i++) c->seg_yaw[i] = atan2(t->uy[i], t->ux[i]);
    return RL_OK;
}

/* `track = a, b, c`: every track of the list, loaded once. A name cannot
 * hold a comma; blanks around names are dropped. */
static int load_tracks(dr_env *e, rl_config *cfg, const char *sec, const char *list,
                       int reversed, rl_error *err)
{
    char names[4096];
    if (strlen(list) >= sizeof names) {
        rl_config_fail(cfg, RL_EINVAL, sec, "track", "the list of tracks is too long");
        return config_error(cfg, err);
    }
    char *item[DR_MAX_TRACKS];
    size_t n = 0;
    snprintf(names, sizeof names, "%s", list);
    for (char *p = names, *next; p; p = next) {
        next = strchr(p, ',');
        if (next) *next++ = 0;
        while (*p == ' ' || *p == '\t') p++;
        size_t len = strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) p[--len] = 0;
        if (n == DR_MAX_TRACKS) {
            rl_config_fail(cfg, RL_ERANGE, sec, "track", "more than %d tracks in '%s'",
                           DR_MAX_TRACKS, list);
            return rl_error_set(err, RL_ERANGE, "%s", rl_config_errmsg(cfg));
        }
        item[n++] = p;
    }
    if (n > 1)
        for (size_t i = 0; i < n; i++)
            if (!item[i][0]) {
                rl_config_fail(cfg, RL_EINVAL, sec, "track",
                               "track %zu of %zu in '%s' is empty: name tracks separated by "
                               "commas",
                               i + 1, n, list);
                return config_error(cfg, err);
            }
    e->courses = calloc(n, sizeof *e->courses);
    if (!e->courses) return rl_error_set(err, RL_ENOMEM, "out of memory for the tracks");
    e->ncourses = n;
    for (size_t i = 0; i < n; i++) {
        char prefix[64] = "";
        if (n > 1) snprintf(prefix, sizeof prefix, "track %zu of %zu: ", i + 1, n);
        int rc = load_course(&e->courses[i], cfg, sec, item[i], reversed, prefix, err);
        if (rc != RL_OK) return rc;
    }
    return RL_OK;
}

static int dr_init(void *state, rl_config *cfg, const char *sec, rl_env_spec *spec, rl_error *err)
{
    dr_env *e = state;
    const char *track, *obs;
    int reversed, rc;
    if (rl_config_get_string(cfg, sec, "track", &track) != RL_OK ||
        rl_config_get_bool(cfg, sec, "is_reversed", &reversed) != RL_OK ||
        rl_config_get_string(cfg, sec, "observation", &obs) != RL_OK)
        return config_error(cfg, err);

    if ((rc = load_tracks(e, cfg, sec, track, reversed, err)) != RL_OK) return rc;
    if ((rc = dr_read_actions(e, cfg, sec, err)) != RL_OK) return rc;
    if ((rc = load_reward(e, cfg, sec, err)) != RL_OK) return rc;

    int64_t k, rays;
    int continuous_laps;
    if (rl_config_get_int(cfg, sec, "lookahead_points", &k) != RL_OK ||
        rl_config_get_real(cfg, sec, "lookahead_spacing", &e->spacing) != RL_OK ||
        rl_config_get_int(cfg, sec, "lidar_rays", &rays) != RL_OK ||
        rl_config_get_real(cfg, sec, "lidar_fov", &e->fov) != RL_OK ||
        rl_config_get_real(cfg, sec, "lidar_range", &e->range) != RL_OK ||
        rl_config_get_real(cfg, sec, "round_robin_advance", &e->advance) != RL_OK ||
        rl_config_get_bool(cfg, sec, "is_continuous", &continuous_laps) != RL_OK ||
        rl_config_get_int(cfg, sec, "number_of_resets", &e->max_resets) != RL_OK ||
        rl_config_get_real(cfg, sec, "off_track_penalty", &e->penalty) != RL_OK)
        return config_error(cfg, err);
    if ((rc = dr_car_model_read(&e->model, cfg, sec, err)) != RL_OK) return rc;
    e->k_ahead = (int)k;
    e->rays = (int)rays;
    e->lidar = strcmp(obs, "lidar") == 0;
    e->eval_continuous = continuous_laps;
    e->fresh = 1;
    e->slots = e->advance > 0 ? (uint32_t)ceil(1.0 / e->advance - 1e-9) : 1;

    e->p.size = sizeof e->p;
    e->p.is_reversed = reversed;
    /* follow_raceline needs each track's line at every step: made once,
     * here. */
    for (size_t i = 0; e->preset == DR_REWARD_FOLLOW_RACELINE && i < e->ncourses; i++) {
        use_course(e, i);
        if ((rc = dr_env_raceline(e, err)) != RL_OK) return rc;
    }
    use_course(e, 0);

    /* Spaces. */
    e->obs_dim = e->lidar ? 2 + (size_t)e->rays : 5 + 2 * (size_t)e->k_ahead;
    double *lo = malloc(e->obs_dim * sizeof *lo), *hi = malloc(e->obs_dim * sizeof *hi);
    if (!lo || !hi) {
        free(lo);
        free(hi);
        return rl_error_set(err, RL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < e->obs_dim; i++) {
        lo[i] = e->lidar ? 0.0 : -INFINITY;
        hi[i] = e->lidar ? 1.0 : INFINITY;
    }
    lo[0] = 0, hi[0] = 1;  /* speed / 4 */
    lo[1] = -1, hi[1] = 1; /* steering / 30 */
    if (!e->lidar) lo[2] = -1, hi[2] = 1; /* heading error / pi */
    const size_t shape[1] = {e->obs_dim};
    rc = rl_space_box(&spec->observation_space, 1, shape, lo, hi);
    free(lo);
    free(hi);
    if (rc == RL_OK)
        rc = e->continuous ? rl_space_box_uniform(&spec->action_space, 2, -1.0, 1.0)
                           : rl_space_discrete(&spec->action_space, (int64_t)e->nactions);
    if (rc != RL_OK) return rl_error_set(err, rc, "cannot make the spaces");
    return RL_OK;
}

static void dr_fini(void *state)
{
    dr_env *e = state;
    /* e->track, e->wp and e->seg_yaw are one course's: freed with it. */
    for (size_t i = 0; e->courses && i < e->ncourses; i++) {
        dr_track_free(&e->courses[i].track);
        free(e->courses[i].wp);
        free(e->courses[i].seg_yaw);
        dr_raceline_free(e->courses[i].line);
        free(e->courses[i].line);
    }
    free(e->courses);
    if (e->module) lt_dlclose(e->module);
    if (e->ltdl_up) lt_dlexit();
    dr_pyreward_close(e->py);
}

/* ---- geometry of a step ------------------------------------------------------- */

/* Signed change of arc length from a to b, the short way round. */
static double ds_wrap(double a, double b, double length)
{
    double d = b - a;
    if (d > 0.5 * length) d -= length;
    else if (d < -0.5 * length) d += length;
    return d;
}

/* The car point, its projection and every positional parameter. */
static void measure(dr_env *e, size_t hint)
{
    const dr_track *t = &e->track;
    dr_car *c = &e->car;
    double px = c->x + DR_POINT_AHEAD * c->cy, py = c->y + DR_POINT_AHEAD * c->sy;
    dr_proj pr;
    dr_track_project(t, px, py, hint, &pr);
    e->seg = pr.seg;

    double wx[4], wy[4];
    dr_car_wheels(c, wx, wy);
    int on = 0;
    for (int i = 0; i < 4; i++) on += dr_track_on_road(t, wx[i], wy[i], pr.seg);

    rl_deepracer_params *p = &e->p;
    p->x = px;
    p->y = py;
    p->heading = c->yaw * (180.0 / DR_PI);
    if (p->heading <= -180.0) p->heading += 360.0;
    p->distance_from_center = pr.dist;
    /* The simulator's measures: the border points nearest the projection,
     * their distance apart, and the side whose point is nearer. */
    double lx, ly, rx, ry;
    dr_track_side_point(t, 0, 1.0, pr.px, pr.py, pr.seg, &lx, &ly, NULL);
    dr_track_side_point(t, 1, 1.0, pr.px, pr.py, pr.seg, &rx, &ry, NULL);
    p->is_left_of_center = hypot(px - lx, py - ly) < hypot(px - rx, py - ry);
    p->track_width = hypot(lx - rx, ly - ry);
    p->closest_waypoints[0] = (int)pr.seg;
    p->closest_waypoints[1] = (int)pr.seg + 1;
    p->projection_distance = pr.s;
    p->all_wheels_on_track = on == 4;
    p->is_offtrack = on == 0;
    p->is_crashed = 0;
    p->steps = e->steps;
    p->speed = e->speed_cmd;
    p->steering_angle = e->steer_cmd;
}

void dr_env_place(dr_env *e, double s)
{
    double x, y, heading;
    size_t seg;
    dr_track_point_at(&e->track, s, &x, &y, &heading, &seg);
    dr_car_set_yaw(&e->car, heading);
    e->car.x = x;
    e->car.y = y;
    e->car.v = 0;
    e->car.steer = 0;
    e->car.yaw_rate = 0;
    e->car.moved = 0;
    measure(e, seg);
}

/* Measure the new pose and carry progress on from the last one. */
static void advance(dr_env *e, size_t hint)
{
    const dr_track *t = &e->track;
    measure(e, hint);
    double s = e->p.projection_distance;
    e->travel += ds_wrap(e->s_prev, s, t->length);
    e->s_prev = s;
    double progress = 100.0 * e->travel / t->length;
    e->prev_progress = e->p.progress;
    e->p.progress = progress > 100.0 ? 100.0 : progress;
}

void dr_env_set_pose(dr_env *e, double x, double y, double heading, int search_all)
{
    double yaw = heading * (DR_PI / 180.0);
    dr_car_set_yaw(&e->car, yaw);
    e->car.x = x - DR_POINT_AHEAD * e->car.cy;
    e->car.y = y - DR_POINT_AHEAD * e->car.sy;
    e->car.v = 0;
    e->car.steer = 0;
    e->car.yaw_rate = 0;
    e->car.moved = 0;
    advance(e, search_all ? DR_NO_HINT : e->seg);
}

static void observe(const dr_env *e, double *obs)
{
    const dr_track *t = &e->track;
    const dr_car *c = &e->car;
    obs[0] = c->v / DR_MAX_SPEED;
    obs[1] = c->steer * (180.0 / DR_PI) / DR_MAX_STEER;
    double cy = c->cy, sy = c->sy;
    if (e->lidar) {
        double step = e->rays > 1 ? e->fov / (e->rays - (e->fov >= 360 ? 0 : 1)) : 0;
        double first = e->rays > 1 ? -0.5 * e->fov * (e->fov >= 360 ? (double)(e->rays - 1) / e->rays : 1) : 0;
        for (int i = 0; i < e->rays; i++) {
            double a = c->yaw + (first + step * i) * (DR_PI / 180.0);
            obs[2 + i] = dr_track_ray(t, e->p.x, e->p.y, a, e->range, e->seg) / e->range;
        }
        return;
    }
    size_t g = e->seg;
    /* The heading error, + when the car points left of the track. */
    double err = c->yaw - e->seg_yaw[g];
    if (err > DR_PI) err -= 2 * DR_PI;
    else if (err <= -DR_PI) err += 2 * DR_PI;
    obs[2] = err / DR_PI;
    double half = 0.5 * e->p.track_width;
    double off = e->p.distance_from_center / (half > 0 ? half : 1);
    obs[3] = e->p.is_left_of_center ? off : -off;
    obs[4] = e->p.track_width;
    /* Centre points ahead: walk the segments from the projection. */
    double s = e->p.projection_distance, scale = 1.0 / (e->k_ahead * e->spacing);
    double wrap = 0;
    for (int k = 1; k <= e->k_ahead; k++) {
        double target = s + k * e->spacing;
        while (t->s[g + 1] + wrap < target) {
            if (++g == t->n) {
                g = 0;
                wrap += t->length;
            }
        }
        double f = target - (t->s[g] + wrap);
        double x = t->cx[g] + f * t->ux[g] - c->x, y = t->cy[g] + f * t->uy[g] - c->y;
        obs[3 + 2 * k] = (x * cy + y * sy) * scale;
        obs[4 + 2 * k] = (y * cy - x * sy) * scale;
    }
}

/* ---- episodes ----------------------------------------------------------------- */

/* Progress from the travel along the centre line, capped at 100. */
static void set_progress(dr_env *e)
{
    double progress = 100.0 * e->travel / e->track.length;
    e->p.progress = progress > 100.0 ? 100.0 : progress;
}

/* The trace row's pose: the pose the next action starts from. */
static void trace_pose(dr_env *e)
{
    e->tr_x = e->p.x;
    e->tr_y = e->p.y;
    e->tr_heading = e->p.heading;
    e->tr_cw[0] = e->p.closest_waypoints[0];
    e->tr_cw[1] = e->p.closest_waypoints[1];
}

static int dr_reset(void *state, rl_pcg32 *rng, double *obs, rl_error *err)
{
    (void)err;
    dr_env *e = state;
    if (e->eval && e->eval_continuous && !e->fresh && e->status == DR_LAP_COMPLETE) {
        /* deepracer-for-cloud's continuous evaluation: the next lap goes on
         * from where the car crossed the line, at speed, without a prepare
         * step; what it drove past the line counts for the new lap. The
         * step counter, the clock and the resets run on. */
        e->travel -= e->track.length;
        set_progress(e);
        e->prev_progress = e->p.progress;
        e->max_progress = e->p.progress;
        e->lap_ticks = 0;
        e->offtrack_count = 0;
        e->falling = e->still = 0;
        e->status = DR_IN_PROGRESS;
        e->phase = DR_PHASE_RUN;
        e->lap_from_rest = 0;
        observe(e, obs);
        return RL_OK;
    }
    double s0 = 0;
    if (!e->eval) {
        /* One counter makes both round robins: with T tracks, episode rr
         * drives track rr % T from start slot (rr / T) % slots, so the
         * tracks take turns and each one's starts go round its lap. */
        uint64_t nt = e->ncourses;
        if (!e->rr_started) {
            /* Each instance begins its round robin at a place of its own
             * (and, with several tracks, on a track of its own). */
            e->rr = rl_pcg32_bounded(rng, e->slots);
            if (nt > 1) e->rr = e->rr * nt + rl_pcg32_bounded(rng, (uint32_t)nt);
            e->rr_started = 1;
        }
        if (nt > 1) use_course(e, (size_t)(e->rr % nt));
        s0 = fmod((double)(e->rr / nt % e->slots) * e->advance, 1.0) * e->track.length;
        e->rr++;
    } else if (e->course != 0) {
        use_course(e, 0); /* evaluation: the first track listed */
    }
    e->fresh = 0;
    e->steps = 0;
    e->falling = e->still = 0;
    e->lap_ticks = 0;
    e->offtrack_count = 0;
    e->resets = 0;
    e->pause_left = e->pause_m = 0;
    e->status = DR_PREPARE;
    e->phase = DR_PHASE_PREPARE;
    e->steer_cmd = 0;
    e->speed_cmd = 0;
    e->action_index = e->continuous ? -1 : 0; /* a continuous action has no index */
    e->reward = 0;
    /* The simulator's start: the origin on the centre line at s0, so the
     * car point is 0.14 m on, and progress counts from s0. */
    e->s0 = s0;
    e->lap_from_rest = 1;
    dr_env_place(e, s0);
    e->s_prev = e->p.projection_distance;
    e->travel = ds_wrap(s0, e->s_prev, e->track.length);
    set_progress(e);
    e->prev_progress = e->p.progress;
    e->max_progress = e->p.progress;
    trace_pose(e);
    observe(e, obs);
    return RL_OK;
}

/* The parameters of the step, for error messages. */
static void params_text(const dr_env *e, char *buf, size_t len)
{
    const rl_deepracer_params *p = &e->p;
    snprintf(buf, len,
             "x %.4f, y %.4f, heading %.4f, progress %.4f, speed %.4f, steering_angle %.4f, "
             "distance_from_center %.4f, is_left_of_center %d, track_width %.4f, "
             "all_wheels_on_track %d, is_offtrack %d, closest_waypoints [%d, %d], "
             "projection_distance %.4f, steps %d",
             p->x, p->y, p->heading, p->progress, p->speed, p->steering_angle,
             p->distance_from_center, p->is_left_of_center, p->track_width,
             p->all_wheels_on_track, p->is_offtrack, p->closest_waypoints[0],
             p->closest_waypoints[1], p->projection_distance, p->steps);
}

static int reward_failed(const dr_env *e, double r, rl_error *err)
{
    char params[512];
    params_text(e, params, sizeof params);
    return rl_error_set(err, RL_EPLUGIN,
                        "reward function '%s' returned %g at step %d (it must be finite and "
                        "within [-1e5, 1e5]); parameters: %s",
                        e->reward_name, r, e->p.steps, params);
}

/* The Python reward's value; an exception or a value that is not a number
 * fails the step, with what Python said, the step and the parameters. */
static int python_reward(dr_env *e, double *r, rl_error *err)
{
    char params[512], what[sizeof err->msg];
    params_text(e, params, sizeof params);
    /* The parameters and the step keep their room (with 128 bytes for
     * this format and the prefix the core adds); the exception and its
     * traceback get the rest, losing their oldest frames first. With a
     * small RL_ERRMSG_SIZE the end of the parameters gives way instead. */
    size_t fixed = strlen(params) + strlen(e->reward_name) + 128;
    size_t room = fixed + 96 < sizeof what ? sizeof what - fixed : 96;
    /* sim_time: the simulation clock, which runs on across episodes (the
     * simulator passes its ROS clock; the trace's tstamp). */
    if (dr_pyreward_call(e->py, &e->p, (double)e->clock * DR_DT, r, what, room) == RL_OK)
        return RL_OK;
    return rl_error_set(err, RL_EPLUGIN, "reward function '%s' %s at step %d; parameters: %s",
                        e->reward_name, what, e->p.steps, params);
}

/* After an evaluation off-track (or reversing): the car goes onto the lane
 * the simulator picks, half-way between the centre line and a border, at
 * the previous step's progress, on whichever side is nearer the previous
 * pose (ox, oy: the origin), heading along the lane, at rest. */
static void reset_on_lane(dr_env *e, double travel_before, double ox, double oy)
{
    const dr_track *t = &e->track;
    double s = fmod(e->s0 + travel_before, t->length);
    if (s < 0) s += t->length;
    double cx, cy, q[2][2], h[2];
    dr_track_point_at(t, s, &cx, &cy, NULL, NULL);
    for (int side = 0; side < 2; side++)
        dr_track_side_point(t, side, 0.5, cx, cy, DR_NO_HINT, &q[side][0], &q[side][1], &h[side]);
    /* The simulator takes the inner lane when it is strictly nearer. */
    int inner = (t->ccw != t->reversed) ? 0 : 1;
    double d_in = hypot(q[inner][0] - ox, q[inner][1] - oy);
    double d_out = hypot(q[1 - inner][0] - ox, q[1 - inner][1] - oy);
    int side = d_in < d_out ? inner : 1 - inner;
    dr_car_set_yaw(&e->car, h[side]);
    e->car.x = q[side][0];
    e->car.y = q[side][1];
    e->car.v = 0;
    e->car.steer = 0;
    e->car.yaw_rate = 0;
    e->car.moved = 0;
    measure(e, DR_NO_HINT);
    e->s_prev = e->p.projection_distance;
    e->travel = travel_before + ds_wrap(s, e->s_prev, t->length);
    set_progress(e);
    e->prev_progress = e->p.progress;
}

/* A step whose action is not applied (prepare, pause): the car is held
 * where it is, the reward function is not called. */
static void held_step(dr_env *e, double *obs)
{
    e->steer_cmd = 0;
    e->speed_cmd = 0;
    e->car.v = 0;
    e->car.steer = 0;
    e->car.yaw_rate = 0;
    e->car.moved = 0;
    e->reward = 0;
    e->p.steps = e->steps;
    e->p.speed = 0;
    e->p.steering_angle = 0;
    e->prev_progress = e->p.progress;
    e->tr_pause = 0;
    if (e->phase == DR_PHASE_PREPARE) {
        e->status = DR_PREPARE;
        e->phase = DR_PHASE_RUN;
    } else {
        e->lap_ticks++;
        e->pause_m++;
        e->tr_pause = e->pause_len - e->pause_m * DR_DT;
        e->status = DR_PAUSE;
        if (--e->pause_left == 0) {
            e->phase = DR_PHASE_RUN;
            e->falling = e->still = 0;
        }
    }
    e->tr_progress = e->p.progress;
    e->tr_on = e->p.all_wheels_on_track;
    observe(e, obs);
}

static int dr_step(void *state, rl_pcg32 *rng, const double *action, double *obs, rl_step *out,
                   rl_error *err)
{
    (void)rng;
    dr_env *e = state;
    double steer, speed;
    int index;
    if (e->continuous) {
        steer = e->steer_lo + 0.5 * (action[0] + 1.0) * (e->steer_hi - e->steer_lo);
        speed = e->speed_lo + 0.5 * (action[1] + 1.0) * (e->speed_hi - e->speed_lo);
        index = -1;
    } else {
        size_t a = (size_t)action[0];
        steer = e->steer[a];
        speed = e->speed[a];
        index = (int)a;
    }
    /* The trace logs the pose the action starts from and the action
     * chosen, as the simulator does (also on prepare and pause steps,
     * where it is not applied). */
    trace_pose(e);
    e->tr_steer = steer;
    e->tr_speed = speed;
    e->tr_action = index;
    e->steps++;
    e->clock++;
    if (e->phase != DR_PHASE_RUN) {
        held_step(e, obs);
        return RL_OK;
    }
    e->steer_cmd = steer;
    e->speed_cmd = speed;
    e->action_index = index;
    double ox = e->car.x, oy = e->car.y, travel_before = e->travel;
    dr_car_step(&e->car, &e->model, steer * (DR_PI / 180.0), e->speed_cmd, DR_DT);
    e->lap_ticks++;
    advance(e, e->seg);
    double progress = e->p.progress;

    double r;
    if (e->preset == DR_REWARD_PYTHON) {
        int rc = python_reward(e, &r, err);
        if (rc != RL_OK) return rc;
    } else {
        r = e->preset == DR_REWARD_FOLLOW_RACELINE
                ? dr_reward_follow_raceline(e->line, &e->model, &e->p)
                : e->preset != DR_REWARD_MODULE
                ? dr_reward_preset_value(e->preset, &e->p, e->prev_progress)
                : e->fn(&e->p);
    }
    if (!isfinite(r) || fabs(r) > 1e5) return reward_failed(e, r, err);
    e->reward = r;
    out->reward = r;

    e->falling = progress < e->prev_progress ? e->falling + 1 : 0;
    e->still = e->car.moved <= STALL_DISTANCE ? e->still + 1 : 0;
    e->status = DR_IN_PROGRESS;
    if (progress >= 100.0) e->status = DR_LAP_COMPLETE;
    else if (e->p.is_offtrack) e->status = DR_OFF_TRACK;
    else if (e->falling >= STALL_STEPS) e->status = DR_REVERSED;
    else if (e->still >= STALL_STEPS) e->status = DR_IMMOBILIZED;
    if (progress > e->max_progress) e->max_progress = progress;
    e->tr_progress = progress;
    e->tr_on = e->p.all_wheels_on_track;
    e->tr_pause = 0;
    if (e->status == DR_OFF_TRACK) e->offtrack_count++;

    if (e->status != DR_IN_PROGRESS && e->status != DR_LAP_COMPLETE && e->eval &&
        e->resets < e->max_resets) {
        /* Evaluation with resets left: the step is logged with its status,
         * then the car is put back on a lane and held for the penalty
         * (DRfC's reverse penalty is the off-track one; an immobilized car
         * is not held), and the lap goes on. */
        e->resets++;
        e->pause_len = e->status == DR_IMMOBILIZED ? 0 : e->penalty;
        int held = (int)ceil(e->pause_len / DR_DT - 1e-9);
        e->pause_left = held > 1 ? held : 1;
        e->pause_m = 0;
        e->phase = DR_PHASE_PAUSE;
        e->tr_pause = e->pause_len;
        e->falling = e->still = 0;
        reset_on_lane(e, travel_before, ox, oy);
    } else if (e->status != DR_IN_PROGRESS) {
        out->terminated = 1;
    }
    observe(e, obs);
    return RL_OK;
}

/* A new seed starts a new round robin, from a slot drawn from it. */
static void dr_seeded(void *state) { ((dr_env *)state)->rr_started = 0; }

static int dr_set_evaluation(void *state, int on, rl_error *err)
{
    dr_env *e = state;
    e->eval = on != 0;
    e->fresh = 1;
    /* The race line, for the laps' ratio to it: made once, when first
     * evaluating. */
    if (e->eval && !e->courses[0].line) {
        size_t now = e->course;
        use_course(e, 0);
        int rc = dr_env_raceline(e, err);
        use_course(e, now);
        return rc;
    }
    return RL_OK;
}

/* Files a run depends on: rlrun keeps a copy of the reward function. */
static const char *const dr_input_keys[] = {"track", "reward_function", NULL};

/* Per-episode figures, eval.csv's extra columns: what deepracer-utils
 * reads from the trace (the time after the prepare step, the highest
 * progress, the off_track rows), then the race line's lap time and the
 * lap's time over it (doc/deepracer.md, "Race line"; 0 until the line is
 * made, which evaluation does). */
static const char *const dr_metric_names[] = {"lap_time",      "progress",       "off_track_count",
                                              "complete",      "raceline_time", "lap_time_ratio",
                                              NULL};

static void dr_metrics(const void *state, double *v)
{
    const dr_env *e = state;
    v[0] = e->lap_ticks * DR_DT;
    v[1] = e->max_progress;
    v[2] = e->offtrack_count;
    v[3] = e->status == DR_LAP_COMPLETE;
    dr_raceline_ratio(e, v[0], &v[4], &v[5]);
}

/* ---- trace log: the simulator's SIM_TRACE_LOG columns --------------------------- */

/* One row, without the episode column (the core writes it). */
static void dr_trace_row(const void *state, FILE *f, const rl_step *out)
{
    const dr_env *e = state;
    /* The nearer of the two bracketing waypoints. */
    int a = e->tr_cw[0], b = e->tr_cw[1];
    double da = hypot(e->wp[a][0] - e->tr_x, e->wp[a][1] - e->tr_y);
    double db = hypot(e->wp[b][0] - e->tr_x, e->wp[b][1] - e->tr_y);
    int closest = da <= db ? a : b;
    if ((size_t)closest == e->track.n) closest = 0;
    char action[64], pause[32];
    if (e->tr_action >= 0)
        snprintf(action, sizeof action, "%d", e->tr_action);
    else
        snprintf(action, sizeof action, "[%.2f %.2f]", e->tr_steer, e->tr_speed);
    if (fabs(e->tr_pause) < 5e-4)
        snprintf(pause, sizeof pause, "0.0");
    else
        snprintf(pause, sizeof pause, "%.3f", e->tr_pause);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int done = out->terminated || out->truncated;
    fprintf(f, "%d,%.4f,%.4f,%.4f,%.2f,%.2f,%s,%.4f,%s,%s,%.4f,%d,%.2f,%.3f,%s,%s,0,%.3f\n",
            e->steps, e->tr_x, e->tr_y, e->tr_heading, e->tr_steer, e->tr_speed, action,
            e->reward, done ? "True" : "False", e->tr_on ? "True" : "False", e->tr_progress,
            closest, e->p.track_length, (double)e->clock * DR_DT, status_names[e->status], pause,
            (double)ts.tv_sec + ts.tv_nsec * 1e-9);
}

/* ---- exact resume --------------------------------------------------------------- */

enum { N_SAVED_D = 27, N_SAVED_U = 16 };

static int dr_save(const void *state, rl_writer *w, rl_error *err)
{
    (void)err;
    const dr_env *e = state;
    rl_write_u32(w, LAYOUT);
    const double d[N_SAVED_D] = {
        e->car.x,       e->car.y,      e->car.yaw,    e->car.v,       e->car.moved,
        e->s_prev,      e->travel,     e->prev_progress, e->p.progress, e->s0,
        e->pause_len,   e->steer_cmd,  e->speed_cmd,  e->reward,      e->car.cy,
        e->car.sy,      e->max_progress, e->tr_x,     e->tr_y,        e->tr_heading,
        e->tr_steer,    e->tr_speed,   e->tr_progress, e->tr_pause,   e->car.steer,
        (double)e->course, e->car.yaw_rate};
    rl_write_f64_array(w, d, N_SAVED_D);
    rl_write_u64(w, e->seg);
    rl_write_u64(w, e->rr);
    rl_write_u64(w, e->clock);
    const uint32_t u[N_SAVED_U] = {
        (uint32_t)e->steps,      (uint32_t)e->falling,   (uint32_t)e->still,
        (uint32_t)e->rr_started, (uint32_t)e->offtrack_count, (uint32_t)e->status,
        (uint32_t)(e->action_index + 1), (uint32_t)e->phase, (uint32_t)e->lap_ticks,
        (uint32_t)e->resets,     (uint32_t)e->pause_left, (uint32_t)e->pause_m,
        (uint32_t)e->fresh,      (uint32_t)e->tr_cw[0],  (uint32_t)e->tr_cw[1],
        (uint32_t)(e->tr_action + 1) | (uint32_t)e->tr_on << 31};
    for (size_t i = 0; i < N_SAVED_U; i++) rl_write_u32(w, u[i]);
    return RL_OK;
}

static int dr_load(void *state, rl_reader *r, rl_error *err)
{
    dr_env *e = state;
    uint32_t layout = 0, u[N_SAVED_U] = {0};
    double d[N_SAVED_D] = {0};
    uint64_t seg = 0, rr = 0, clk = 0;
    rl_read_u32(r, &layout);
    if (layout == LAYOUT || layout == 2) {
        rl_read_f64_array(r, d, N_SAVED_D);
        rl_read_u64(r, &seg);
        rl_read_u64(r, &rr);
        rl_read_u64(r, &clk);
        for (int i = 0; i < N_SAVED_U; i++) rl_read_u32(r, &u[i]);
    }
    if (r->failed) return rl_error_set(err, RL_EFORMAT, "deepracer state is truncated");
    /* d[25]: the episode's track among those listed (0 before there were
     * several). */
    if (!(d[25] >= 0 && d[25] < (double)e->ncourses && d[25] == floor(d[25]))) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT,
                            "deepracer state is on track %g of a list; this configuration "
                            "lists %zu (the [deepracer] track list must match to resume)",
                            d[25] + 1, e->ncourses);
    }
    size_t course = (size_t)d[25];
    const dr_track *t = &e->courses[course].track;
    uint32_t tr_action = u[15] & 0x7fffffffu;
    if (e->continuous) {
        /* No action index (-1, written as 0); records written before a
         * reset or a first step said so with 1 (index 0): either reads as
         * none. */
        if (u[6] <= 1) u[6] = 0;
        if (tr_action <= 1) tr_action = 0;
    }
    int ok = (layout == LAYOUT || layout == 2) && seg < t->n && u[5] <= DR_PAUSE && u[6] <= e->nactions &&
             u[7] <= DR_PHASE_PAUSE && u[13] <= t->n && u[14] <= t->n &&
             tr_action <= e->nactions;
    for (int i = 0; i < N_SAVED_D; i++) ok = ok && isfinite(d[i]);
    if (!ok) {
        r->failed = 1;
        return rl_error_set(err, RL_EFORMAT,
                            "deepracer state does not fit this configuration (layout %u, "
                            "segment %llu of %zu, status %u)",
                            (unsigned)layout, (unsigned long long)seg, t->n,
                            (unsigned)u[5]);
    }
    use_course(e, course);
    e->car = (dr_car){.x = d[0], .y = d[1], .yaw = d[2], .v = d[3], .moved = d[4],
                      .cy = d[14], .sy = d[15], .steer = d[24], .yaw_rate = d[26]};
    e->s_prev = d[5];
    e->travel = d[6];
    e->prev_progress = d[7];
    e->s0 = d[9];
    e->pause_len = d[10];
    e->steer_cmd = d[11];
    e->speed_cmd = d[12];
    e->reward = d[13];
    e->max_progress = d[16];
    e->tr_x = d[17];
    e->tr_y = d[18];
    e->tr_heading = d[19];
    e->tr_steer = d[20];
    e->tr_speed = d[21];
    e->tr_progress = d[22];
    e->tr_pause = d[23];
    e->rr = rr;
    e->clock = clk;
    e->steps = (int)u[0];
    e->falling = (int)u[1];
    e->still = (int)u[2];
    e->rr_started = (int)u[3];
    e->offtrack_count = (int)u[4];
    e->status = (dr_status)u[5];
    e->action_index = (int)u[6] - 1;
    e->phase = (dr_phase)u[7];
    e->lap_ticks = (int)u[8];
    e->resets = (int)u[9];
    e->pause_left = (int)u[10];
    e->pause_m = (int)u[11];
    e->fresh = (int)u[12];
    e->tr_cw[0] = (int)u[13];
    e->tr_cw[1] = (int)u[14];
    e->tr_action = (int)tr_action - 1;
    e->tr_on = (int)(u[15] >> 31);
    measure(e, (size_t)seg);
    e->p.progress = d[8];
    return RL_OK;
}

const rl_env_type rl_deepracer_env = {
    RL_ENV_TYPE_HEADER,
    .name = "deepracer",
    .summary = "AWS DeepRacer: a 1/18 car laps a track; the simulator's reward parameters, "
               "discrete or continuous actions",
    .size = sizeof(dr_env),
    .params = dr_params,
    .max_episode_steps = 100000,
    .init = dr_init,
    .reset = dr_reset,
    .step = dr_step,
    .fini = dr_fini,
    .metric_names = dr_metric_names,
    .episode_metrics = dr_metrics,
    .save = dr_save,
    .load = dr_load,
    .trace_header = "episode,steps,X,Y,yaw,steer,throttle,action,reward,done,all_wheels_on_track,"
                    "progress,closest_waypoint,track_len,tstamp,episode_status,pause_duration,"
                    "obstacle_crash_counter,wall_clock",
    .trace_row = dr_trace_row,
    .set_evaluation = dr_set_evaluation,
    .seeded = dr_seeded,
    .eval_episodes = 3, /* DeepRacer's evaluation: 3 laps */
    .input_keys = dr_input_keys,
    .write_run_files = dr_write_run_files, /* model/ and ip/, drfiles.c */
    .write_plots = dr_write_plots,         /* track.png ..., plots.c */
};

RL_PLUGIN_ENTRY(deepracer)
{
    dr_plots_pin(); /* cairo's state outlives the plugin: plots.h */
    int rc = rl_registry_add_env(registry, &rl_deepracer_env);
    if (rc == RL_OK) rc = rl_registry_add_command(registry, &dr_import_command);
    if (rc == RL_OK) rc = rl_registry_add_command(registry, &dr_export_command);
    if (rc == RL_OK) rc = rl_registry_add_command(registry, &dr_replay_command);
    if (rc == RL_OK) rc = rl_registry_add_command(registry, &dr_raceline_command);
    return rc;
}
