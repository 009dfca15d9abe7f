/* DeepRacer's model files (model_metadata.json, hyperparameters.json,
 * reward_function.py), read into an INI file and written from a run's
 * configuration. doc/deepracer.md, "DeepRacer model files", has the mapping
 * of every key; the formats are those of the AWS DeepRacer simulator
 * (deepracer-simapp's model_metadata.py and sagemaker_graph_manager.py) and
 * deepracer-for-cloud's defaults/. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drfiles.h"
#include "raceline.h"

/* The longest file we read: DeepRacer's files are a few kilobytes. */
#define MAX_FILE_BYTES (16u << 20)

/* The version written into model_metadata.json: deepracer-for-cloud's
 * default (its defaults/model_metadata.json), which the simulator reads as
 * SIMAPP_VERSION_5. */
#define DR_EXPORT_VERSION "5"

/* The longest value a "key=value" line of librl's INI files can hold
 * (inih's INI_MAX_LINE of 200 bytes, less the key, '=', "\n" and NUL). */
#define INI_VALUE_MAX(key) (200 - strlen(key) - 1 - 2)

static const char *const networks[] = {"DEEP_CONVOLUTIONAL_NETWORK_SHALLOW",
                                       "DEEP_CONVOLUTIONAL_NETWORK",
                                       "DEEP_CONVOLUTIONAL_NETWORK_DEEP"};

/* ---- hyperparameters ---------------------------------------------------------- */

enum hp_kind { HP_INT, HP_REAL, HP_WORD };

/* Each DeepRacer hyperparameter: its kind, the simulator's default when the
 * file leaves it out (sagemaker_graph_manager.py), the value exported when
 * librl has no equivalent (deepracer-for-cloud's defaults/hyperparameters.json),
 * the [ppo] key it maps to, or why it is ignored. */
static const struct hp_info {
    const char *name;
    enum hp_kind kind;
    double sim_default;
    double export_value; /* for keys without a [ppo] key */
    const char *ppo_key;
    double lo, hi;       /* range for keys without a [ppo] key */
    const char *why;
} hp_info[DR_HP_COUNT] = {
    [DR_HP_BATCH_SIZE] = {"batch_size", HP_INT, 64, 0, "batch_size", 0, 0, NULL},
    [DR_HP_BETA_ENTROPY] = {"beta_entropy", HP_REAL, 0.01, 0, "entropy", 0, 0, NULL},
    [DR_HP_DISCOUNT_FACTOR] = {"discount_factor", HP_REAL, 0.999, 0, "discount", 0, 0, NULL},
    [DR_HP_E_GREEDY_VALUE] = {"e_greedy_value", HP_REAL, 0.05, 0.05, NULL, 0, 1,
                              "used with exploration_type e-greedy only, which librl's PPO "
                              "does not have"},
    [DR_HP_EPSILON_STEPS] = {"epsilon_steps", HP_INT, 10000, 10000, NULL, 0, 1e15,
                             "used with exploration_type e-greedy only, which librl's PPO "
                             "does not have"},
    [DR_HP_EXPLORATION_TYPE] = {"exploration_type", HP_WORD, 0, 0, NULL, 0, 0, NULL},
    [DR_HP_LOSS_TYPE] = {"loss_type", HP_WORD, 0, 0, "loss", 0, 0, NULL},
    [DR_HP_LR] = {"lr", HP_REAL, 0.0003, 0, "learning_rate", 0, 0, NULL},
    [DR_HP_NUM_EPISODES_BETWEEN_TRAINING] = {"num_episodes_between_training", HP_INT, 20, 0,
                                             "episodes_per_iteration", 0, 0, NULL},
    [DR_HP_NUM_EPOCHS] = {"num_epochs", HP_INT, 10, 0, "epochs", 0, 0, NULL},
    [DR_HP_STACK_SIZE] = {"stack_size", HP_INT, 1, 1, NULL, 1, 1e6,
                          "frames stacked into one observation; librl's observation is one "
                          "vector with no frames to stack"},
    [DR_HP_TERM_COND_AVG_SCORE] = {"term_cond_avg_score", HP_REAL, 100000, 350.0, NULL, -1e300,
                                   1e300,
                                   "librl has no stop-on-score rule; training stops after "
                                   "[run] total_steps"},
    [DR_HP_TERM_COND_MAX_EPISODES] = {"term_cond_max_episodes", HP_INT, 100000, 1000, NULL, 0,
                                      1e15,
                                      "librl counts training in environment steps ([run] "
                                      "total_steps), and episodes vary in length, so there is "
                                      "no exact conversion"},
    [DR_HP_SAC_ALPHA] = {"sac_alpha", HP_REAL, 0.2, 0.2, NULL, 0, 1e6,
                         "used by SAC only; librl trains PPO (clipped_ppo)"},
};

/* ---- small helpers ------------------------------------------------------------ */

/* The shortest text that reads back as v ("%.17g" at most); whole numbers
 * without an exponent. */
static void fmt_real(char *buf, size_t size, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, size, "%.0f", v);
        if (strcmp(buf, "-0") == 0) snprintf(buf, size, "0");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (strcmp(buf, "-0") == 0) snprintf(buf, size, "0");
}

/* As fmt_real, written as a JSON float the way Python writes one (30.0,
 * 0.6, 1e-05), so that DeepRacer reads the type it expects. */
static void fmt_json_real(char *buf, size_t size, double v)
{
    fmt_real(buf, size, v);
    if (!strpbrk(buf, ".en")) {
        size_t n = strlen(buf);
        if (n + 2 < size) memcpy(buf + n, ".0", 3);
    }
}

/* A name from a hostile file, fit for a message or a comment line: at most
 * 48 characters, control and non-ASCII bytes as \xNN. */
static const char *clean(const char *s, char *buf, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 48) {
            o += (size_t)snprintf(buf + o, size - o, "...");
            break;
        }
        if (c < 0x20 || c >= 0x7f || c == '\\')
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = 0;
    return buf;
}

static void note(dr_model *m, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note(dr_model *m, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    /* Keep room for the line that says how many were left out. */
    if (m->notes_len + n + 2 > sizeof m->notes - 80) {
        m->dropped++;
        return;
    }
    memcpy(m->notes + m->notes_len, line, n);
    m->notes[m->notes_len + n] = '\n';
    m->notes_len += n + 1;
    m->notes[m->notes_len] = 0;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* Parse text as one JSON object: duplicate keys and trailing text are
 * syntax errors, reported as file:line:column. */
static json_t *load_object(const char *text, size_t len, const char *file, rl_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!root) {
        char t[160];
        rl_error_set(err, RL_EFORMAT, "%s:%d:%d: %s", file, je.line, je.column,
                     clean(je.text, t, sizeof t));
        return NULL;
    }
    if (!json_is_object(root)) {
        rl_error_set(err, RL_EFORMAT, "%s: the top level is %s; DeepRacer's files hold an object",
                     file, type_name(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

/* A finite number (integer or real, not a boolean or a string). */
static int get_number(const json_t *v, const char *file, const char *path, double *out,
                      rl_error *err)
{
    if (!json_is_number(v))
        return rl_error_set(err, RL_EFORMAT, "%s: %s: %s, expected a number", file, path,
                            type_name(v));
    *out = json_number_value(v);
    if (!isfinite(*out))
        return rl_error_set(err, RL_ERANGE, "%s: %s: not a finite number", file, path);
    return RL_OK;
}

static int in_range(const char *file, const char *path, double v, double lo, double hi,
                    const char *unit, rl_error *err)
{
    if (v >= lo && v <= hi) return RL_OK;
    char a[40], b[40], c[40];
    fmt_real(a, sizeof a, v);
    fmt_real(b, sizeof b, lo);
    fmt_real(c, sizeof c, hi);
    return rl_error_set(err, RL_ERANGE, "%s: %s: %s is outside [%s, %s]%s%s", file, path, a, b, c,
                        unit[0] ? " " : "", unit);
}

/* ASCII lower case of a short word, blanks around it removed (the simulator
 * compares lower().strip()). */
static void lower_word(const char *s, char *out, size_t size)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    size_t n = 0;
    for (; s[n] && n + 1 < size; n++)
        out[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] - 'A' + 'a' : s[n]);
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t' || out[n - 1] == '\n' ||
                     out[n - 1] == '\r'))
        n--;
    out[n] = 0;
}

static int get_word(const json_t *v, const char *file, const char *path, char *out,
                    size_t size, rl_error *err)
{
    if (!json_is_string(v))
        return rl_error_set(err, RL_EFORMAT, "%s: %s: %s, expected a string", file, path,
                            type_name(v));
    if (json_string_length(v) >= size || strlen(json_string_value(v)) != json_string_length(v)) {
        char t[160];
        return rl_error_set(err, RL_EFORMAT, "%s: %s: '%s' is not a known value", file, path,
                            clean(json_string_value(v), t, sizeof t));
    }
    snprintf(out, size, "%s", json_string_value(v));
    return RL_OK;
}

/* ---- model_metadata.json ------------------------------------------------------ */

void dr_model_init(dr_model *m)
{
    memset(m, 0, sizeof *m);
    for (int k = 0; k < DR_HP_COUNT; k++) m->hp[k] = hp_info[k].sim_default;
    /* The simulator's defaults for the two words: categorical exploration
     * and a mean squared error loss. */
    m->huber = 0;
    m->e_greedy = 0;
    snprintf(m->network, sizeof m->network, "%s", networks[0]);
}

static int parse_discrete(const json_t *space, const char *file, dr_model *m, rl_error *err)
{
    if (!json_is_array(space))
        return rl_error_set(err, RL_EFORMAT,
                            "%s: action_space: %s; a discrete action space is a list of "
                            "{\"steering_angle\", \"speed\"} objects",
                            file, type_name(space));
    size_t n = json_array_size(space);
    if (n == 0)
        return rl_error_set(err, RL_EFORMAT, "%s: action_space: the list is empty", file);
    if (n > MAX_ACTIONS)
        return rl_error_set(err, RL_ERANGE,
                            "%s: action_space: %zu actions; librl's deepracer takes at most %d",
                            file, n, MAX_ACTIONS);
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(space, i);
        char path[64];
        snprintf(path, sizeof path, "action_space[%zu]", i);
        if (!json_is_object(a))
            return rl_error_set(err, RL_EFORMAT, "%s: %s: %s, expected an object", file, path,
                                type_name(a));
        const char *key;
        const json_t *v;
        int have_steer = 0, have_speed = 0;
        json_object_foreach((json_t *)a, key, v)
        {
            char kp[96];
            snprintf(kp, sizeof kp, "%s.%s", path, key);
            if (strcmp(key, "steering_angle") == 0) {
                if (get_number(v, file, kp, &m->steer[i], err) != RL_OK ||
                    in_range(file, kp, m->steer[i], -DR_MAX_STEER, DR_MAX_STEER, "degrees",
                             err) != RL_OK)
                    return err->code;
                have_steer = 1;
            } else if (strcmp(key, "speed") == 0) {
                if (get_number(v, file, kp, &m->speed[i], err) != RL_OK ||
                    in_range(file, kp, m->speed[i], DR_MIN_SPEED, DR_MAX_SPEED, "m/s", err) !=
                        RL_OK)
                    return err->code;
                have_speed = 1;
            } else if (strcmp(key, "index") == 0) {
                /* The console numbers its actions; the position is what counts. */
                if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)i)
                    return rl_error_set(err, RL_EFORMAT,
                                        "%s: %s.index: must be the action's position, %zu",
                                        file, path, i);
            } else {
                char t[160];
                note(m, "WARNING: %s: %s: unknown key '%s' ignored", file, path,
                     clean(key, t, sizeof t));
            }
        }
        if (!have_steer || !have_speed)
            return rl_error_set(err, RL_EFORMAT, "%s: %s: no \"%s\"", file, path,
                                have_steer ? "speed" : "steering_angle");
    }
    m->nactions = n;
    return RL_OK;
}

static int parse_range(const json_t *space, const char *file, const char *name, double lo_min,
                       double hi_max, const char *unit, double *lo, double *hi, dr_model *m,
                       rl_error *err)
{
    const json_t *r = json_object_get(space, name);
    char path[64];
    snprintf(path, sizeof path, "action_space.%s", name);
    if (!r)
        return rl_error_set(err, RL_EFORMAT, "%s: %s: missing; a continuous action space has "
                            "\"steering_angle\" and \"speed\", each {\"low\", \"high\"}",
                            file, path);
    if (!json_is_object(r))
        return rl_error_set(err, RL_EFORMAT, "%s: %s: %s, expected {\"low\", \"high\"}", file,
                            path, type_name(r));
    const char *key;
    const json_t *v;
    int have = 0;
    json_object_foreach((json_t *)r, key, v)
    {
        char kp[96];
        snprintf(kp, sizeof kp, "%s.%s", path, key);
        double *dst = strcmp(key, "low") == 0 ? lo : strcmp(key, "high") == 0 ? hi : NULL;
        if (!dst) {
            char t[160];
            note(m, "WARNING: %s: %s: unknown key '%s' ignored", file, path,
                 clean(key, t, sizeof t));
            continue;
        }
        if (get_number(v, file, kp, dst, err) != RL_OK ||
            in_range(file, kp, *dst, lo_min, hi_max, unit, err) != RL_OK)
            return err->code;
        have |= dst == lo ? 1 : 2;
    }
    if (have != 3)
        return rl_error_set(err, RL_EFORMAT, "%s: %s: no \"%s\"", file, path,
                            have & 1 ? "high" : "low");
    if (!(*lo < *hi)) {
        char a[40], b[40];
        fmt_real(a, sizeof a, *lo);
        fmt_real(b, sizeof b, *hi);
        return rl_error_set(err, RL_ERANGE, "%s: %s: low %s is not below high %s", file, path,
                            a, b);
    }
    return RL_OK;
}

static int parse_continuous(const json_t *space, const char *file, dr_model *m, rl_error *err)
{
    if (!json_is_object(space))
        return rl_error_set(err, RL_EFORMAT,
                            "%s: action_space: %s; a continuous action space is an object "
                            "{\"steering_angle\": {\"low\", \"high\"}, \"speed\": {...}}",
                            file, type_name(space));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)space, key, v)
    {
        if (strcmp(key, "steering_angle") && strcmp(key, "speed")) {
            char t[160];
            note(m, "WARNING: %s: action_space: unknown key '%s' ignored", file,
                 clean(key, t, sizeof t));
        }
    }
    if (parse_range(space, file, "steering_angle", -DR_MAX_STEER, DR_MAX_STEER, "degrees",
                    &m->steer_lo, &m->steer_hi, m, err) != RL_OK ||
        parse_range(space, file, "speed", DR_MIN_SPEED, DR_MAX_SPEED, "m/s", &m->speed_lo,
                    &m->speed_hi, m, err) != RL_OK)
        return err->code;
    return RL_OK;
}

/* The simulator's rule (model_metadata.py): exactly one camera sensor and
 * at most one LIDAR. librl honours the front camera (as its geometric
 * observation) and the 360-degree LIDAR (as its range-finder observation). */
static int parse_sensors(const json_t *s, const char *file, dr_model *m, rl_error *err)
{
    if (!json_is_array(s))
        return rl_error_set(err, RL_EFORMAT, "%s: sensor: %s, expected a list of sensor names",
                            file, type_name(s));
    int cameras = 0, lidars = 0;
    size_t used = 0;
    m->sensors[0] = 0;
    for (size_t i = 0; i < json_array_size(s); i++) {
        const json_t *v = json_array_get(s, i);
        char path[48], name[64], t[160];
        snprintf(path, sizeof path, "sensor[%zu]", i);
        if (!json_is_string(v))
            return rl_error_set(err, RL_EFORMAT, "%s: %s: %s, expected a sensor name", file, path,
                                type_name(v));
        const char *sv = json_string_value(v);
        if (strlen(sv) >= sizeof name)
            return rl_error_set(err, RL_EFORMAT, "%s: %s: unknown sensor '%s'", file, path,
                                clean(sv, t, sizeof t));
        snprintf(name, sizeof name, "%s", sv);
        if (strcmp(name, "FRONT_FACING_CAMERA") == 0 || strcmp(name, "observation") == 0) {
            cameras++;
        } else if (strcmp(name, "LIDAR") == 0) {
            lidars++;
            m->lidar = 1;
        } else if (strcmp(name, "STEREO_CAMERAS") == 0 || strcmp(name, "LEFT_CAMERA") == 0) {
            return rl_error_set(err, RL_EUNSUPPORTED,
                                "%s: %s: %s is not supported: librl has no camera images; it "
                                "stands a geometric observation in for the one front-facing "
                                "camera (FRONT_FACING_CAMERA) only",
                                file, path, name);
        } else if (strcmp(name, "SECTOR_LIDAR") == 0 ||
                   strcmp(name, "DISCRETIZED_SECTOR_LIDAR") == 0) {
            return rl_error_set(err, RL_EUNSUPPORTED,
                                "%s: %s: %s is not supported: librl's lidar observation is "
                                "DeepRacer's LIDAR (one distance per ray), not sectors",
                                file, path, name);
        } else {
            return rl_error_set(err, RL_EFORMAT,
                                "%s: %s: unknown sensor '%s' (DeepRacer's are "
                                "FRONT_FACING_CAMERA, STEREO_CAMERAS, LEFT_CAMERA, LIDAR, "
                                "SECTOR_LIDAR, DISCRETIZED_SECTOR_LIDAR)",
                                file, path, clean(name, t, sizeof t));
        }
        if (used + strlen(name) + 3 < sizeof m->sensors)
            used += (size_t)snprintf(m->sensors + used, sizeof m->sensors - used, "%s%s",
                                     used ? ", " : "", name);
    }
    if (cameras != 1)
        return rl_error_set(err, RL_EFORMAT,
                            "%s: sensor: %d camera sensors; DeepRacer needs exactly one "
                            "(FRONT_FACING_CAMERA)",
                            file, cameras);
    if (lidars > 1)
        return rl_error_set(err, RL_EFORMAT, "%s: sensor: %d LIDAR sensors; at most one", file,
                            lidars);
    return RL_OK;
}

int dr_parse_model_metadata(const char *text, size_t len, const char *file, dr_model *m,
                            rl_error *err)
{
    json_t *root = load_object(text, len, file, err);
    if (!root) return err->code;
    int rc = RL_OK;
    char word[64], t[160];
    const json_t *space = NULL;
    const char *key;
    json_t *v;
    m->continuous = 0;
    m->lidar = 0;
    snprintf(m->sensors, sizeof m->sensors, "FRONT_FACING_CAMERA");
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "action_space") == 0) {
            space = v;
        } else if (strcmp(key, "action_space_type") == 0) {
            if ((rc = get_word(v, file, key, word, sizeof word, err)) != RL_OK) goto out;
            lower_word(word, word, sizeof word);
            if (strcmp(word, "discrete") && strcmp(word, "continuous")) {
                rc = rl_error_set(err, RL_EFORMAT,
                                  "%s: action_space_type: '%s' is neither discrete nor continuous",
                                  file, clean(word, t, sizeof t));
                goto out;
            }
            m->continuous = word[0] == 'c';
        } else if (strcmp(key, "training_algorithm") == 0) {
            if ((rc = get_word(v, file, key, word, sizeof word, err)) != RL_OK) goto out;
            lower_word(word, word, sizeof word);
            if (strcmp(word, "sac") == 0) {
                rc = rl_error_set(err, RL_EUNSUPPORTED,
                                  "%s: training_algorithm: sac (soft actor-critic) is not "
                                  "supported: librl trains DeepRacer's clipped_ppo",
                                  file);
                goto out;
            }
            if (strcmp(word, "clipped_ppo")) {
                rc = rl_error_set(err, RL_EFORMAT,
                                  "%s: training_algorithm: unknown '%s' (DeepRacer's are "
                                  "clipped_ppo and sac)",
                                  file, clean(word, t, sizeof t));
                goto out;
            }
        } else if (strcmp(key, "sensor") == 0) {
            if ((rc = parse_sensors(v, file, m, err)) != RL_OK) goto out;
        } else if (strcmp(key, "neural_network") == 0) {
            if ((rc = get_word(v, file, key, word, sizeof word, err)) != RL_OK) goto out;
            size_t k = 0;
            while (k < 3 && strcmp(word, networks[k])) k++;
            if (k == 3) {
                rc = rl_error_set(err, RL_EFORMAT,
                                  "%s: neural_network: unknown '%s' (DeepRacer's are %s, %s, %s)",
                                  file, clean(word, t, sizeof t), networks[0], networks[1],
                                  networks[2]);
                goto out;
            }
            snprintf(m->network, sizeof m->network, "%s", networks[k]);
        } else if (strcmp(key, "version") == 0) {
            /* The simulator reads float(version): a string or a number. */
            double ver;
            char *end;
            if (json_is_string(v)) {
                const char *s = json_string_value(v);
                ver = strtod(s, &end);
                if (end == s || *end || !isfinite(ver) || strlen(s) >= sizeof m->version) {
                    rc = rl_error_set(err, RL_EFORMAT, "%s: version: '%s' is not a number",
                                      file, clean(s, t, sizeof t));
                    goto out;
                }
            } else if ((rc = get_number(v, file, key, &ver, err)) != RL_OK) {
                goto out;
            }
            if (ver < 1 || ver > 1000) {
                rc = in_range(file, "version", ver, 1, 1000, "", err);
                goto out;
            }
            fmt_real(m->version, sizeof m->version, ver);
        } else if (strcmp(key, "lidar_config") == 0) {
            note(m, "%s: lidar_config: ignored: it configures DISCRETIZED_SECTOR_LIDAR only", file);
        } else {
            note(m, "WARNING: %s: unknown key '%s' ignored", file, clean(key, t, sizeof t));
        }
    }
    if (!space) {
        rc = rl_error_set(err, RL_EFORMAT, "%s: no action_space", file);
        goto out;
    }
    rc = m->continuous ? parse_continuous(space, file, m, err) : parse_discrete(space, file, m, err);
out:
    json_decref(root);
    return rc;
}

/* ---- hyperparameters.json ----------------------------------------------------- */

static const rl_param *ppo_param(const char *key)
{
    const rl_algo_type *ppo = rl_algo_find("ppo");
    for (const rl_param *p = ppo ? ppo->params : NULL; p && p->key; p++)
        if (strcmp(p->key, key) == 0) return p;
    return NULL;
}

int dr_parse_hyperparameters(const char *text, size_t len, const char *file, dr_model *m,
                             rl_error *err)
{
    json_t *root = load_object(text, len, file, err);
    if (!root) return err->code;
    int rc = RL_OK;
    const char *key;
    json_t *v;
    m->have_hyperparameters = 1;
    json_object_foreach(root, key, v)
    {
        char t[160], word[64];
        int k = 0;
        while (k < DR_HP_COUNT && strcmp(key, hp_info[k].name)) k++;
        if (k == DR_HP_COUNT) {
            note(m, "WARNING: %s: unknown key '%s' ignored", file, clean(key, t, sizeof t));
            continue;
        }
        const struct hp_info *h = &hp_info[k];
        m->hp_given[k] = 1;
        if (h->kind == HP_WORD) {
            if ((rc = get_word(v, file, key, word, sizeof word, err)) != RL_OK) goto out;
            lower_word(word, word, sizeof word);
            if (k == DR_HP_LOSS_TYPE) {
                if (strcmp(word, "huber") && strcmp(word, "mean squared error")) {
                    rc = rl_error_set(err, RL_EFORMAT,
                                      "%s: loss_type: '%s' is neither \"huber\" nor \"mean "
                                      "squared error\"",
                                      file, clean(word, t, sizeof t));
                    goto out;
                }
                m->huber = word[0] == 'h';
            } else {
                if (strcmp(word, "categorical") && strcmp(word, "e-greedy")) {
                    rc = rl_error_set(err, RL_EFORMAT,
                                      "%s: exploration_type: '%s' is neither \"categorical\" nor "
                                      "\"e-greedy\"",
                                      file, clean(word, t, sizeof t));
                    goto out;
                }
                m->e_greedy = word[0] == 'e';
            }
            continue;
        }
        double x;
        if ((rc = get_number(v, file, key, &x, err)) != RL_OK) goto out;
        double lo = h->lo, hi = h->hi;
        const rl_param *p = h->ppo_key ? ppo_param(h->ppo_key) : NULL;
        if (p) {
            lo = p->min;
            hi = p->max;
        }
        if ((rc = in_range(file, key, x, lo, hi, "", err)) != RL_OK) goto out;
        if (h->kind == HP_INT && x != floor(x)) {
            char a[40];
            fmt_real(a, sizeof a, x);
            rc = rl_error_set(err, RL_EFORMAT, "%s: %s: %s is not a whole number", file, key, a);
            goto out;
        }
        m->hp[k] = x;
    }
out:
    json_decref(root);
    return rc;
}

/* ---- the INI ------------------------------------------------------------------ */

static void put_actions(const dr_model *m, char *buf, size_t size, const char *sep)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < m->nactions && o < size; i++) {
        char a[40], b[40];
        fmt_real(a, sizeof a, m->steer[i]);
        fmt_real(b, sizeof b, m->speed[i]);
        o += (size_t)snprintf(buf + o, size - o, "%s%s:%s", i ? sep : "", a, b);
    }
}

/* When the discrete actions are every steering angle with every speed in
 * the console's order (the speeds within each angle), the angles and the
 * speeds; 0 otherwise. */
static int as_grid(const dr_model *m, char *angles, char *speeds, size_t size)
{
    size_t ns = 1;
    while (ns < m->nactions && m->steer[ns] == m->steer[0]) ns++;
    if (m->nactions % ns) return 0;
    size_t na = m->nactions / ns;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < ns; j++)
            if (m->steer[i * ns + j] != m->steer[i * ns] || m->speed[i * ns + j] != m->speed[j])
                return 0;
    size_t oa = 0, os = 0;
    for (size_t i = 0; i < na && oa < size; i++) {
        char a[40];
        fmt_real(a, sizeof a, m->steer[i * ns]);
        oa += (size_t)snprintf(angles + oa, size - oa, "%s%s", i ? "," : "", a);
    }
    for (size_t j = 0; j < ns && os < size; j++) {
        char a[40];
        fmt_real(a, sizeof a, m->speed[j]);
        os += (size_t)snprintf(speeds + os, size - os, "%s%s", j ? "," : "", a);
    }
    return oa < size && os < size;
}

/* Write a comment, wrapped at 78 columns ("; " before each line), so that
 * no line comes near inih's 200-byte limit; a word longer than a line is
 * cut. */
static void cmt(FILE *out, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void cmt(FILE *out, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    const size_t width = 76;
    const char *p = text;
    while (*p) {
        size_t n = strlen(p);
        if (n > width) {
            n = width;
            while (n > 0 && p[n] != ' ') n--;
            if (n == 0) n = width;
        }
        fprintf(out, "; %.*s\n", (int)n, p);
        p += n;
        while (*p == ' ') p++;
    }
}

/* A path named in the INI as given: it must read back as the same text. */
static int ini_safe_path(const char *what, const char *path, rl_error *err)
{
    size_t n = strlen(path);
    int bad = n == 0 || n > INI_VALUE_MAX("reward_function") || path[0] == ' ' ||
              path[n - 1] == ' ' || strchr(path, ';') || strchr(path, '#');
    for (size_t i = 0; i < n; i++) bad |= (unsigned char)path[i] < 0x20;
    if (bad) {
        char t[160];
        return rl_error_set(err, RL_EINVAL,
                            "%s '%s' cannot be named in an INI file (empty, longer than %zu "
                            "characters, blanks around it, a control character, ';' or '#')",
                            what, clean(path, t, sizeof t), INI_VALUE_MAX("reward_function"));
    }
    return RL_OK;
}

static void hp_text(const dr_model *m, int k, char *buf, size_t size)
{
    if (k == DR_HP_LOSS_TYPE)
        snprintf(buf, size, "\"%s\"", m->huber ? "huber" : "mean squared error");
    else if (k == DR_HP_EXPLORATION_TYPE)
        snprintf(buf, size, "\"%s\"", m->e_greedy ? "e-greedy" : "categorical");
    else
        fmt_real(buf, size, m->hp[k]);
}

/* The comment that says where hyperparameter k came from. */
static const char *hp_origin(const dr_model *m, int k)
{
    if (m->hp_given[k]) return "";
    return m->have_hyperparameters ? " (not in the file: the simulator's default)"
                                   : " (no hyperparameters.json: the simulator's default)";
}

int dr_write_ini(const dr_model *m, const char *meta, const char *hyper, const char *reward,
                 const char *preset, FILE *out, rl_error *err)
{
    char acts[8192], acts2[8192], angles[4096], speeds[4096];
    const char *act_key = NULL;
    if (reward && ini_safe_path("the reward function", reward, err) != RL_OK) return err->code;
    if (!m->continuous) {
        /* inih reads lines of at most 200 bytes: the explicit list when it
         * fits, else the grid it may be, else refuse. */
        put_actions(m, acts, sizeof acts, ", ");
        put_actions(m, acts2, sizeof acts2, ",");
        if (strlen(acts) <= INI_VALUE_MAX("actions") - 2)
            act_key = acts;
        else if (strlen(acts2) <= INI_VALUE_MAX("actions") - 2)
            act_key = acts2;
        else if (!as_grid(m, angles, speeds, sizeof angles) ||
                 strlen(angles) > INI_VALUE_MAX("steering_angles") - 2 ||
                 strlen(speeds) > INI_VALUE_MAX("speeds") - 2)
            return rl_error_set(err, RL_EUNSUPPORTED,
                                "%s: action_space: the %zu actions, written as librl's "
                                "[deepracer] actions list (%zu characters), do not fit on one "
                                "line of an INI file (at most %zu), and they are not every "
                                "steering angle with every speed",
                                meta, m->nactions, strlen(acts2), INI_VALUE_MAX("actions") - 2);
    }

    char a[64], b[64];
    cmt(out, "Imported from DeepRacer's model files by rlrun --import-deepracer:");
    cmt(out, "  model_metadata.json: %s", meta);
    cmt(out, "  hyperparameters.json: %s", hyper ? hyper : "(none)");
    cmt(out, "  reward function: %s", reward ? reward : "(none)");
    cmt(out, "Each DeepRacer key is named in a comment with the librl key it became, or "
             "why it is ignored (doc/deepracer.md, \"DeepRacer model files\").");
    if (m->notes_len || m->dropped) {
        const char *p = m->notes;
        while (*p) {
            const char *nl = strchr(p, '\n');
            cmt(out, "%.*s", (int)(nl - p), p);
            p = nl + 1;
        }
        if (m->dropped) cmt(out, "WARNING: %zu more warnings left out", m->dropped);
    }

    fprintf(out, "\n[run]\nenv = deepracer\n");
    cmt(out, "training_algorithm clipped_ppo -> algorithm = ppo: librl's PPO is DeepRacer's "
             "clipped PPO (clip 0.2, GAE lambda 0.95, Adam epsilon 1e-5, separate actor and "
             "critic networks).");
    fprintf(out, "algorithm = ppo\nseed = 1\n");
    cmt(out, "Not in DeepRacer's files; as in examples/deepracer.ini: 8 cars step together "
             "(the simulator uses parallel workers), and training stops after a number of "
             "steps where DeepRacer trains for a wall-clock time.");
    fprintf(out, "num_envs = 8\ntotal_steps = 1000000\n");
    cmt(out, "DeepRacer's evaluation: 3 laps (deepracer-for-cloud's DR_EVAL_NUMBER_OF_TRIALS).");
    fprintf(out, "eval_episodes = 3\noutput_dir = runs/deepracer\n");

    fprintf(out, "\n[ppo]\n");
    static const int mapped[] = {DR_HP_BATCH_SIZE,  DR_HP_NUM_EPOCHS,
                                 DR_HP_LR,          DR_HP_BETA_ENTROPY,
                                 DR_HP_DISCOUNT_FACTOR, DR_HP_LOSS_TYPE,
                                 DR_HP_NUM_EPISODES_BETWEEN_TRAINING};
    for (size_t i = 0; i < sizeof mapped / sizeof *mapped; i++) {
        int k = mapped[i];
        hp_text(m, k, a, sizeof a);
        cmt(out, "%s %s -> %s%s", hp_info[k].name, a, hp_info[k].ppo_key, hp_origin(m, k));
        if (k == DR_HP_LOSS_TYPE)
            fprintf(out, "loss = %s\n", m->huber ? "huber" : "mse");
        else
            fprintf(out, "%s = %s\n", hp_info[k].ppo_key, a);
    }
    hp_text(m, DR_HP_EXPLORATION_TYPE, a, sizeof a);
    if (m->e_greedy)
        cmt(out, "WARNING: exploration_type %s: ignored: librl's PPO has no epsilon-greedy "
                 "exploration; it samples from the policy in training and acts greedily in "
                 "evaluation (DeepRacer's categorical)%s",
            a, hp_origin(m, DR_HP_EXPLORATION_TYPE));
    else
        cmt(out, "exploration_type %s: librl's PPO samples from the policy in training and "
                 "acts greedily in evaluation, as DeepRacer's categorical exploration%s",
            a, hp_origin(m, DR_HP_EXPLORATION_TYPE));
    static const int ignored[] = {DR_HP_E_GREEDY_VALUE, DR_HP_EPSILON_STEPS, DR_HP_STACK_SIZE,
                                  DR_HP_TERM_COND_MAX_EPISODES, DR_HP_TERM_COND_AVG_SCORE,
                                  DR_HP_SAC_ALPHA};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) {
        int k = ignored[i];
        hp_text(m, k, a, sizeof a);
        cmt(out, "%s%s %s: ignored: %s%s", k == DR_HP_STACK_SIZE && m->hp[k] != 1 ? "WARNING: " : "",
            hp_info[k].name, a, hp_info[k].why, hp_origin(m, k));
    }
    cmt(out, "neural_network %s: ignored: librl trains a multilayer perceptron (hidden) on "
             "its vector observation, not a CNN on camera frames.",
        m->network);
    fprintf(out, "hidden = 64,64\n");

    fprintf(out, "\n[deepracer]\n");
    cmt(out, "action_space_type %s -> action_space_type", m->continuous ? "continuous" : "discrete");
    fprintf(out, "action_space_type = %s\n", m->continuous ? "continuous" : "discrete");
    if (m->continuous) {
        fmt_real(a, sizeof a, m->steer_lo);
        fmt_real(b, sizeof b, m->steer_hi);
        cmt(out, "action_space.steering_angle {low, high} -> steering_range (degrees)");
        fprintf(out, "steering_range = %s,%s\n", a, b);
        fmt_real(a, sizeof a, m->speed_lo);
        fmt_real(b, sizeof b, m->speed_hi);
        cmt(out, "action_space.speed {low, high} -> speed_range (m/s)");
        fprintf(out, "speed_range = %s,%s\n", a, b);
    } else if (act_key) {
        cmt(out, "action_space, %zu actions (steering_angle:speed; index = position) -> actions",
            m->nactions);
        fprintf(out, "actions = %s\n", act_key);
    } else {
        cmt(out, "action_space, %zu actions: every steering angle with every speed, in the "
                 "console's order -> steering_angles x speeds",
            m->nactions);
        fprintf(out, "steering_angles = %s\nspeeds = %s\n", angles, speeds);
    }
    if (m->lidar) {
        cmt(out, "sensor %s -> observation = lidar: DeepRacer's LIDAR, 64 rays over 300 "
                 "degrees, up to 12 m; librl has no camera and uses the rays alone",
            m->sensors);
        fprintf(out, "observation = lidar\nlidar_rays = 64\nlidar_fov = 300\nlidar_range = 12\n");
    } else {
        cmt(out, "sensor %s -> observation = vector: librl trains on a geometric vector "
                 "(speed, steering, heading error, offset, the centre line ahead) where "
                 "DeepRacer uses the camera",
            m->sensors);
        fprintf(out, "observation = vector\n");
    }
    if (m->version[0])
        cmt(out, "version %s: ignored: the simulator's version the files were written for",
            m->version);
    if (reward && preset) {
        cmt(out, "reward function: %s is, byte for byte, the AWS example that librl's "
                 "built-in %s is -> reward_function = %s (name the .py file instead to run "
                 "the Python)",
            reward, preset, preset);
        fprintf(out, "reward_function = %s\n", preset);
    } else if (reward) {
        cmt(out, "reward function -> reward_function, the path as given (relative to the "
                 "directory rlrun runs in)");
        fprintf(out, "reward_function = %s\n", reward);
    } else {
        cmt(out, "No reward function given: follow_centerline, DeepRacer's first example");
        fprintf(out, "reward_function = follow_centerline\n");
    }
    cmt(out, "Not in DeepRacer's model files (deepracer-for-cloud's run.env names the track, "
             "DR_WORLD_NAME): the example's track.");
    fprintf(out, "track = technical\n");
    if (fflush(out) != 0 || ferror(out))
        return rl_error_set(err, RL_EIO, "writing the INI failed: %s", strerror(errno));
    return RL_OK;
}

/* ---- files -------------------------------------------------------------------- */

/* The whole file (malloc'd, NUL-terminated, *len bytes without the NUL). */
static int read_file(const char *path, char **text, size_t *len, rl_error *err)
{
    return rl_read_file(path, MAX_FILE_BYTES, text, len, err);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* mkdir -p, for directories librl is asked to write into. */
static int make_dirs(const char *path, rl_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return rl_error_set(err, RL_EINVAL, "%s: the path is too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            struct stat st;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return rl_error_set(err, RL_EIO, "%s: cannot create the directory: %s", buf,
                                    strerror(errno));
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                return rl_error_set(err, RL_EIO, "%s: not a directory", buf);
            *p = c;
            if (!c) break;
        }
    }
    return RL_OK;
}

int dr_write_file_atomic(const char *dir, const char *name, const char *data, size_t len,
                         rl_error *err)
{
    char dst[4096];
    if (snprintf(dst, sizeof dst, "%s/%s", dir, name) >= (int)sizeof dst)
        return rl_error_set(err, RL_EINVAL, "%s/%s: the path is too long", dir, name);
    return rl_write_file_atomic(dst, data, len, err);
}

/* ---- the JSON files ----------------------------------------------------------- */

static int take_stream(FILE *f, char **buf, size_t *len, rl_error *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(*buf);
        *buf = NULL;
        return rl_error_set(err, RL_ENOMEM, "out of memory writing JSON");
    }
    return RL_OK;
}

int dr_model_metadata_json(const dr_model *m, char **text, size_t *len, rl_error *err)
{
    *text = NULL;
    FILE *f = open_memstream(text, len);
    if (!f) return rl_error_set(err, RL_ENOMEM, "out of memory writing JSON");
    char a[40], b[40];
    fprintf(f, "{\n    \"action_space\": ");
    if (m->continuous) {
        fmt_json_real(a, sizeof a, m->speed_hi);
        fmt_json_real(b, sizeof b, m->speed_lo);
        fprintf(f, "{\n        \"speed\": {\n            \"high\": %s,\n            \"low\": %s\n"
                   "        },\n",
                a, b);
        fmt_json_real(a, sizeof a, m->steer_hi);
        fmt_json_real(b, sizeof b, m->steer_lo);
        fprintf(f, "        \"steering_angle\": {\n            \"high\": %s,\n            \"low\": "
                   "%s\n        }\n    },\n",
                a, b);
    } else {
        fprintf(f, "[\n");
        for (size_t i = 0; i < m->nactions; i++) {
            fmt_json_real(a, sizeof a, m->steer[i]);
            fmt_json_real(b, sizeof b, m->speed[i]);
            fprintf(f, "        {\n            \"steering_angle\": %s,\n            \"speed\": %s\n"
                       "        }%s\n",
                    a, b, i + 1 < m->nactions ? "," : "");
        }
        fprintf(f, "    ],\n");
    }
    fprintf(f, "    \"sensor\": [\"FRONT_FACING_CAMERA\"%s],\n", m->lidar ? ", \"LIDAR\"" : "");
    fprintf(f, "    \"neural_network\": \"%s\",\n", networks[0]);
    fprintf(f, "    \"training_algorithm\": \"clipped_ppo\",\n");
    fprintf(f, "    \"action_space_type\": \"%s\",\n", m->continuous ? "continuous" : "discrete");
    fprintf(f, "    \"version\": \"%s\"\n}\n", DR_EXPORT_VERSION);
    return take_stream(f, text, len, err);
}

int dr_hyperparameters_json(const dr_model *m, char **text, size_t *len, rl_error *err)
{
    *text = NULL;
    FILE *f = open_memstream(text, len);
    if (!f) return rl_error_set(err, RL_ENOMEM, "out of memory writing JSON");
    fprintf(f, "{\n");
    for (int k = 0; k < DR_HP_COUNT; k++) {
        char v[64];
        if (hp_info[k].kind == HP_WORD)
            hp_text(m, k, v, sizeof v);
        else if (hp_info[k].kind == HP_REAL)
            fmt_json_real(v, sizeof v, m->hp[k]);
        else
            snprintf(v, sizeof v, "%.0f", m->hp[k]);
        fprintf(f, "    \"%s\": %s%s\n", hp_info[k].name, v, k + 1 < DR_HP_COUNT ? "," : "");
    }
    fprintf(f, "}\n");
    return take_stream(f, text, len, err);
}

/* ---- from a configuration ----------------------------------------------------- */

static int cfg_fail(rl_config *cfg, rl_error *err)
{
    return rl_error_set(err, RL_EINVAL, "%s", rl_config_errmsg(cfg));
}

int dr_model_from_config(dr_model *m, rl_config *cfg, int need_ppo, rl_error *err)
{
    dr_model_init(m);
    dr_env *e = calloc(1, sizeof *e);
    if (!e) return rl_error_set(err, RL_ENOMEM, "out of memory");
    int rc = dr_read_actions(e, cfg, "deepracer", err);
    if (rc == RL_OK) {
        m->continuous = e->continuous;
        m->nactions = e->nactions;
        memcpy(m->steer, e->steer, sizeof m->steer);
        memcpy(m->speed, e->speed, sizeof m->speed);
        m->steer_lo = e->steer_lo;
        m->steer_hi = e->steer_hi;
        m->speed_lo = e->speed_lo;
        m->speed_hi = e->speed_hi;
    }
    free(e);
    if (rc != RL_OK) return rc;
    const char *obs, *algo;
    if (rl_config_get_string(cfg, "deepracer", "observation", &obs) != RL_OK ||
        rl_config_get_string(cfg, "run", "algorithm", &algo) != RL_OK)
        return cfg_fail(cfg, err);
    m->lidar = strcmp(obs, "lidar") == 0;
    /* The values DeepRacer's files hold that librl has no key for. */
    for (int k = 0; k < DR_HP_COUNT; k++)
        if (!hp_info[k].ppo_key) m->hp[k] = hp_info[k].export_value;
    m->huber = 1;
    if (strcmp(algo, "ppo") != 0) {
        if (!need_ppo) return RL_OK;
        return rl_error_set(err, RL_EUNSUPPORTED,
                            "%s: [run] algorithm is '%s': DeepRacer's hyperparameters are "
                            "PPO's (clipped_ppo)",
                            rl_config_where(cfg, "run", "algorithm"), algo);
    }
    for (int k = 0; k < DR_HP_COUNT; k++) {
        const char *key = hp_info[k].ppo_key;
        if (!key) continue;
        if (k == DR_HP_LOSS_TYPE) {
            const char *loss;
            if (rl_config_get_string(cfg, "ppo", "loss", &loss) != RL_OK) return cfg_fail(cfg, err);
            m->huber = strcmp(loss, "huber") == 0;
        } else if (hp_info[k].kind == HP_INT) {
            int64_t v;
            if (rl_config_get_int(cfg, "ppo", key, &v) != RL_OK) return cfg_fail(cfg, err);
            m->hp[k] = (double)v;
        } else if (rl_config_get_real(cfg, "ppo", key, &m->hp[k]) != RL_OK) {
            return cfg_fail(cfg, err);
        }
    }
    return RL_OK;
}

/* ---- write_run_files ---------------------------------------------------------- */

static int write_json_files(const dr_model *m, const char *meta_dir, const char *hyper_dir,
                            rl_error *err)
{
    char *meta = NULL, *hyper = NULL;
    size_t meta_len, hyper_len;
    int rc = dr_model_metadata_json(m, &meta, &meta_len, err);
    if (rc == RL_OK && hyper_dir) rc = dr_hyperparameters_json(m, &hyper, &hyper_len, err);
    if (rc == RL_OK) rc = make_dirs(meta_dir, err);
    if (rc == RL_OK) rc = dr_write_file_atomic(meta_dir, "model_metadata.json", meta, meta_len, err);
    if (rc == RL_OK && hyper_dir) rc = make_dirs(hyper_dir, err);
    if (rc == RL_OK && hyper_dir)
        rc = dr_write_file_atomic(hyper_dir, "hyperparameters.json", hyper, hyper_len, err);
    free(meta);
    free(hyper);
    return rc;
}

int dr_write_run_files(const void *state, rl_config *cfg, const char *dir, rl_error *err)
{
    /* The model files need only the configuration; the race line uses the
     * state's track and car. */
    dr_model *m = malloc(sizeof *m);
    if (!m) return rl_error_set(err, RL_ENOMEM, "out of memory");
    int rc = dr_model_from_config(m, cfg, 0, err);
    const char *algo = "";
    if (rc == RL_OK && rl_config_get_string(cfg, "run", "algorithm", &algo) != RL_OK)
        rc = cfg_fail(cfg, err);
    char md[4096], ip[4096];
    if (rc == RL_OK && (snprintf(md, sizeof md, "%s/model", dir) >= (int)sizeof md ||
                        snprintf(ip, sizeof ip, "%s/ip", dir) >= (int)sizeof ip))
        rc = rl_error_set(err, RL_EINVAL, "%s: the path is too long", dir);
    /* Without PPO there are no DeepRacer hyperparameters to write. */
    if (rc == RL_OK) rc = write_json_files(m, md, strcmp(algo, "ppo") == 0 ? ip : NULL, err);
    /* The race line beside them, for plots (raceline.c). */
    if (rc == RL_OK && state) rc = dr_raceline_run_file(state, dir, err);
    free(m);
    return rc;
}

/* ---- the commands ------------------------------------------------------------- */

/* The AWS DeepRacer developer guide's example reward functions, which the
 * presets of the same behaviour are (rewards.c), and a Python version of
 * progress_per_step. */
static const char py_follow_centerline[] =
    "def reward_function(params):\n"
    "    '''\n"
    "    Example of rewarding the agent to follow center line\n"
    "    '''\n"
    "    \n"
    "    # Read input parameters\n"
    "    track_width = params['track_width']\n"
    "    distance_from_center = params['distance_from_center']\n"
    "\n"
    "    # Calculate 3 markers that are increasingly further away from the center line\n"
    "    marker_1 = 0.1 * track_width\n"
    "    marker_2 = 0.25 * track_width\n"
    "    marker_3 = 0.5 * track_width\n"
    "\n"
    "    # Give higher reward if the car is closer to center line and vice versa\n"
    "    if distance_from_center <= marker_1:\n"
    "        reward = 1\n"
    "    elif distance_from_center <= marker_2:\n"
    "        reward = 0.5\n"
    "    elif distance_from_center <= marker_3:\n"
    "        reward = 0.1\n"
    "    else:\n"
    "        reward = 1e-3  # likely crashed/ close to off track\n"
    "\n"
    "    return reward\n";

static const char py_stay_inside_borders[] =
    "def reward_function(params):\n"
    "    '''\n"
    "    Example of rewarding the agent to stay inside the two borders of the track\n"
    "    '''\n"
    "    \n"
    "    # Read input parameters\n"
    "    all_wheels_on_track = params['all_wheels_on_track']\n"
    "    distance_from_center = params['distance_from_center']\n"
    "    track_width = params['track_width']\n"
    "    \n"
    "    # Give a very low reward by default\n"
    "    reward = 1e-3\n"
    "\n"
    "    # Give a high reward if no wheels go off the track and \n"
    "    # the car is somewhere in between the track borders \n"
    "    if all_wheels_on_track and (0.5*track_width - distance_from_center) >= 0.05:\n"
    "        reward = 1.0\n"
    "\n"
    "    # Always return a float value\n"
    "    return reward\n";

static const char py_prevent_zigzag[] =
    "def reward_function(params):\n"
    "    '''\n"
    "    Example of penalize steering, which helps mitigate zig-zag behaviors\n"
    "    '''\n"
    "    \n"
    "    # Read input parameters\n"
    "    distance_from_center = params['distance_from_center']\n"
    "    track_width = params['track_width']\n"
    "    steering = abs(params['steering_angle']) # Only need the absolute steering angle\n"
    "\n"
    "    # Calculate 3 marks that are farther and father away from the center line\n"
    "    marker_1 = 0.1 * track_width\n"
    "    marker_2 = 0.25 * track_width\n"
    "    marker_3 = 0.5 * track_width\n"
    "\n"
    "    # Give higher reward if the car is closer to center line and vice versa\n"
    "    if distance_from_center <= marker_1:\n"
    "        reward = 1\n"
    "    elif distance_from_center <= marker_2:\n"
    "        reward = 0.5\n"
    "    elif distance_from_center <= marker_3:\n"
    "        reward = 0.1\n"
    "    else:\n"
    "        reward = 1e-3  # likely crashed/ close to off track\n"
    "\n"
    "    # Steering penality threshold, change the number based on your action space setting\n"
    "    ABS_STEERING_THRESHOLD = 15\n"
    "\n"
    "    # Penalize reward if the car is steering too much\n"
    "    if steering > ABS_STEERING_THRESHOLD:\n"
    "        reward *= 0.8\n"
    "\n"
    "    return float(reward)\n";

static const char py_progress_per_step[] =
    "# librl's progress_per_step reward, in Python: the progress this step made,\n"
    "# in percent of the lap (negative when the car lost ground). A lap earns 100\n"
    "# in all, sooner when faster, so with discounting it rewards speed.\n"
    "\n"
    "_last = {'steps': 0, 'progress': 0.0}\n"
    "\n"
    "\n"
    "def reward_function(params):\n"
    "    steps = params['steps']\n"
    "    progress = params['progress']\n"
    "    if steps <= _last['steps']:\n"
    "        # A new episode: its progress counts from its own start.\n"
    "        _last['progress'] = 0.0\n"
    "    reward = progress - _last['progress']\n"
    "    _last['steps'] = steps\n"
    "    _last['progress'] = progress\n"
    "    return float(reward)\n";

/* The preset whose Python text (above) is text, byte for byte, or NULL. */
static const char *preset_of_python(const char *text, size_t len)
{
    static const struct {
        const char *name, *py;
    } table[] = {{"follow_centerline", py_follow_centerline},
                 {"stay_inside_borders", py_stay_inside_borders},
                 {"prevent_zigzag", py_prevent_zigzag},
                 {"progress_per_step", py_progress_per_step}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (len == strlen(table[i].py) && memcmp(text, table[i].py, len) == 0)
            return table[i].name;
    return NULL;
}

static int import_run(int argc, char *const *argv, FILE *out, rl_error *err)
{
    const char *meta = argv[0], *hyper = NULL, *reward = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = ends_with(argv[i], ".py") ? &reward : &hyper;
        if (*slot)
            return rl_error_set(err, RL_EINVAL,
                                "import-deepracer: '%s' and '%s' are both %s; give "
                                "model_metadata.json [hyperparameters.json] [reward_function.py]",
                                *slot, argv[i],
                                slot == &reward ? "Python files" : "hyperparameter files");
        *slot = argv[i];
    }
    dr_model *m = malloc(sizeof *m);
    if (!m) return rl_error_set(err, RL_ENOMEM, "out of memory");
    dr_model_init(m);
    char *text = NULL;
    size_t len;
    int rc = read_file(meta, &text, &len, err);
    if (rc == RL_OK) rc = dr_parse_model_metadata(text, len, meta, m, err);
    free(text);
    text = NULL;
    if (rc == RL_OK && hyper) {
        rc = read_file(hyper, &text, &len, err);
        if (rc == RL_OK) rc = dr_parse_hyperparameters(text, len, hyper, m, err);
        free(text);
    }
    const char *preset = NULL;
    if (rc == RL_OK && reward) {
        text = NULL;
        rc = read_file(reward, &text, &len, err);
        if (rc == RL_OK) preset = preset_of_python(text, len);
        free(text);
    }
    if (rc == RL_OK) rc = dr_write_ini(m, meta, hyper, reward, preset, out, err);
    free(m);
    return rc;
}

static int export_run(int argc, char *const *argv, FILE *out, rl_error *err)
{
    (void)argc;
    const char *rundir = argv[0], *outdir = argv[1];
    static const rl_param run_keys[] = {
        {"env", RL_PARAM_STRING, "", 0, 0, NULL, "the environment"},
        {"algorithm", RL_PARAM_STRING, "ppo", 0, 0, NULL, "the algorithm"},
        {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
    };
    char path[4096];
    if (snprintf(path, sizeof path, "%s/config.ini", rundir) >= (int)sizeof path)
        return rl_error_set(err, RL_EINVAL, "%s: the path is too long", rundir);
    struct stat st;
    if (stat(path, &st) != 0)
        return rl_error_set(err, RL_ENOTFOUND,
                            "%s: no config.ini (export-deepracer reads a run directory rlrun "
                            "wrote)",
                            rundir);
    rl_config *cfg = rl_config_alloc(err);
    if (!cfg) return err->code;
    dr_model *m = malloc(sizeof *m);
    char *meta = NULL, *hyper = NULL, *py = NULL;
    size_t meta_len = 0, hyper_len = 0, py_len = 0;
    const char *env = NULL, *reward = NULL;
    int rc = m ? RL_OK : rl_error_set(err, RL_ENOMEM, "out of memory");
    if (rc == RL_OK && rl_config_load(cfg, path) != RL_OK)
        rc = rl_error_set(err, RL_EFORMAT, "%s", rl_config_errmsg(cfg));
    if (rc == RL_OK &&
        (rl_config_declare(cfg, "run", run_keys) != RL_OK ||
         rl_config_declare(cfg, "deepracer", rl_deepracer_env.params) != RL_OK ||
         rl_config_declare(cfg, "deepracer", rl_env_common_params) != RL_OK ||
         rl_config_declare(cfg, "ppo", rl_algo_find("ppo")->params) != RL_OK))
        rc = rl_error_set(err, RL_EPLUGIN, "%s", rl_config_errmsg(cfg));
    if (rc == RL_OK && rl_config_get_string(cfg, "run", "env", &env) != RL_OK)
        rc = cfg_fail(cfg, err);
    if (rc == RL_OK && strcmp(env, "deepracer") != 0)
        rc = rl_error_set(err, RL_EINVAL, "%s: [run] env is '%s', not deepracer", path, env);
    if (rc == RL_OK) rc = dr_model_from_config(m, cfg, 1, err);
    if (rc == RL_OK && rl_config_get_string(cfg, "deepracer", "reward_function", &reward) != RL_OK)
        rc = cfg_fail(cfg, err);
    if (rc == RL_OK) rc = dr_model_metadata_json(m, &meta, &meta_len, err);
    if (rc == RL_OK) rc = dr_hyperparameters_json(m, &hyper, &hyper_len, err);

    /* The reward function: the user's Python copied, a preset as the AWS
     * example it is, a C module not at all (DeepRacer runs Python). */
    const char *preset_py = NULL;
    if (rc == RL_OK) {
        switch (dr_reward_find(reward)) {
        case DR_REWARD_FOLLOW_CENTERLINE: preset_py = py_follow_centerline; break;
        case DR_REWARD_STAY_INSIDE_BORDERS: preset_py = py_stay_inside_borders; break;
        case DR_REWARD_PREVENT_ZIGZAG: preset_py = py_prevent_zigzag; break;
        case DR_REWARD_PROGRESS_PER_STEP: preset_py = py_progress_per_step; break;
        case DR_REWARD_MODULE:
        case DR_REWARD_PYTHON:
        case DR_REWARD_FOLLOW_RACELINE: break;
        }
        /* The run's own copy of its reward file (rlrun keeps one, see
         * rlrun(1), Input files) is what the run trained with, even when
         * the original has changed or gone since. */
        char kept[4200];
        snprintf(kept, sizeof kept, "%s/reward_function.py", rundir);
        if (preset_py) {
            py_len = strlen(preset_py);
        } else if (ends_with(reward, ".py")) {
            rc = read_file(stat(kept, &st) == 0 && S_ISREG(st.st_mode) ? kept : reward, &py,
                           &py_len, err);
            if (rc != RL_OK) {
                rl_error err2 = *err;
                rc = rl_error_set(err, err2.code, "%s: [deepracer] reward_function: %s",
                                  rl_config_where(cfg, "deepracer", "reward_function"),
                                  err2.msg);
            }
        }
    }
    if (rc == RL_OK) rc = make_dirs(outdir, err);
    if (rc == RL_OK) rc = dr_write_file_atomic(outdir, "model_metadata.json", meta, meta_len, err);
    if (rc == RL_OK) rc = dr_write_file_atomic(outdir, "hyperparameters.json", hyper, hyper_len, err);
    if (rc == RL_OK && (preset_py || py))
        rc = dr_write_file_atomic(outdir, "reward_function.py", preset_py ? preset_py : py, py_len,
                                  err);
    if (rc == RL_OK) {
        fprintf(out, "%s/model_metadata.json\n%s/hyperparameters.json\n", outdir, outdir);
        if (preset_py || py)
            fprintf(out, "%s/reward_function.py%s%s%s\n", outdir,
                    preset_py ? " (the built-in " : "", preset_py ? reward : "",
                    preset_py ? " as DeepRacer's Python)" : "");
        else
            fprintf(out, "no reward_function.py: the reward function '%s' is compiled C, and "
                         "DeepRacer runs Python\n",
                    reward);
        if (fflush(out) != 0 || ferror(out))
            rc = rl_error_set(err, RL_EIO, "writing the list of files failed");
    }
    free(meta);
    free(hyper);
    free(py);
    free(m);
    rl_config_free(cfg);
    return rc;
}

const rl_command dr_import_command = {
    RL_COMMAND_HEADER,
    .name = "import-deepracer",
    .args = "model_metadata.json [hyperparameters.json] [reward_function.py]",
    .summary = "write an INI file (to standard output) that trains what DeepRacer's model "
               "files describe",
    .min_args = 1,
    .max_args = 3,
    .run = import_run,
};

const rl_command dr_export_command = {
    RL_COMMAND_HEADER,
    .name = "export-deepracer",
    .args = "RUNDIR OUTDIR",
    .summary = "write a run's model_metadata.json, hyperparameters.json and reward_function.py "
               "in DeepRacer's formats into OUTDIR",
    .min_args = 2,
    .max_args = 2,
    .run = export_run,
};
