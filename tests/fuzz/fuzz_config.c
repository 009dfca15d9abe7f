/* Fuzz target: librl's configuration (config.c): an INI file read with
 * rl_config_load, then `--set` overrides, declarations, validation, the
 * typed getters and writing the resolved configuration.
 *
 * Input: the INI file's text up to the first NUL byte; each later
 * NUL-separated piece is one `--set section.key=value` assignment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "fuzz.h"

/* One key of every kind, with and without ranges and defaults. */
static const rl_param fuzz_params[] = {
    {"count", RL_PARAM_INT, "3", 0, 1000, NULL, "an integer in range"},
    {"big", RL_PARAM_INT, "0", 0, 0, NULL, "an integer without range"},
    {"rate", RL_PARAM_REAL, "0.5", 0, 1, NULL, "a real in range"},
    {"any", RL_PARAM_REAL, NULL, 0, 0, NULL, "a required real"},
    {"flag", RL_PARAM_BOOL, "false", 0, 0, NULL, "a boolean"},
    {"name", RL_PARAM_STRING, NULL, 0, 0, NULL, "a string"},
    {"mode", RL_PARAM_CHOICE, "a", 0, 0, "a|bb|ccc", "a choice"},
    {NULL, RL_PARAM_END, NULL, 0, 0, NULL, NULL},
};

static FILE *devnull;

/* Read every declared key of section through its getter. */
static void get_all(rl_config *cfg, const char *section, const rl_param *p)
{
    for (; p && p->key; p++) {
        int64_t i;
        double r;
        int b;
        const char *s;
        switch (p->kind) {
        case RL_PARAM_INT: rl_config_get_int(cfg, section, p->key, &i); break;
        case RL_PARAM_REAL: rl_config_get_real(cfg, section, p->key, &r); break;
        case RL_PARAM_BOOL: rl_config_get_bool(cfg, section, p->key, &b); break;
        default: rl_config_get_string(cfg, section, p->key, &s); break;
        }
        rl_config_where(cfg, section, p->key);
        rl_config_has(cfg, section, p->key);
    }
}

FUZZ_TARGET(config)
{
    if (!devnull) devnull = fopen("/dev/null", "w");
    size_t ini_len = 0;
    while (ini_len < size && data[ini_len] != 0) ini_len++;
    const char *path = fuzz_write("fuzz.ini", data, ini_len);
    if (!path) return 0;
    rl_config *cfg = rl_config_alloc(NULL);
    if (!cfg) return 0;
    int rc = rl_config_load(cfg, path);
    rl_config_errmsg(cfg);
    char *sets = fuzz_strdup(data, size);
    if (sets) {
        for (size_t at = ini_len; at < size;) {
            const char *one = sets + at + 1;
            size_t n = strlen(one);
            rl_config_set(cfg, one);
            rl_config_errmsg(cfg);
            at += n + 1;
        }
        free(sets);
    }
    const rl_algo_type *ppo = rl_algo_find("ppo"), *ql = rl_algo_find("qlearn");
    rl_config_declare(cfg, "fuzz", fuzz_params);
    rl_config_declare(cfg, "env", rl_env_common_params);
    if (ppo) rl_config_declare(cfg, "ppo", ppo->params);
    if (ql) rl_config_declare(cfg, "qlearn", ql->params);
    rc = rl_config_validate(cfg);
    (void)rc;
    get_all(cfg, "fuzz", fuzz_params);
    get_all(cfg, "env", rl_env_common_params);
    if (ppo) get_all(cfg, "ppo", ppo->params);
    if (ql) get_all(cfg, "qlearn", ql->params);
    rl_config_get_string(cfg, "nosuch", "key", &(const char *){NULL});
    if (devnull) rl_config_write(cfg, devnull);
    rl_config_free(cfg);
    return 0;
}
