/* Fuzz target: DeepRacer's JSON model files as rlrun --import-deepracer
 * reads them (plugins/deepracer/drfiles.c): model_metadata.json and
 * hyperparameters.json. What parses must also come out whole: the INI
 * written from it must read back, and the JSON written from it must parse
 * again; the target aborts (a finding) when either does not.
 *
 * Input: one byte (bit 0: hyperparameters.json instead of
 * model_metadata.json), then the file's text. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

#include "drfiles.h"
#include "fuzz.h"

static void fail(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_drjson: %s: %s\n", what, msg);
    abort();
}

FUZZ_TARGET(drjson)
{
    if (size < 1) return 0;
    int hyper = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    dr_model m;
    dr_model_init(&m);
    rl_error err = {0};
    int rc = hyper ? dr_parse_hyperparameters(text, len, "hyperparameters.json", &m, &err)
                   : dr_parse_model_metadata(text, len, "model_metadata.json", &m, &err);
    if (rc != RL_OK) return 0;

    char *ini = NULL;
    size_t ini_len = 0;
    FILE *f = open_memstream(&ini, &ini_len);
    if (!f) return 0;
    rl_error e2 = {0};
    rc = dr_write_ini(&m, "model_metadata.json", hyper ? "hyperparameters.json" : NULL, NULL,
                      NULL, f, &e2);
    if (fclose(f) != 0) rc = RL_EIO;
    if (rc == RL_OK) {
        rl_config *cfg = rl_config_alloc(NULL);
        if (cfg && rl_config_load_string(cfg, ini, "imported.ini") != RL_OK)
            fail("the imported INI does not read back", rl_config_errmsg(cfg));
        rl_config_free(cfg);
    }
    free(ini);

    char *json = NULL;
    size_t json_len = 0;
    rl_error e3 = {0};
    rc = hyper ? dr_hyperparameters_json(&m, &json, &json_len, &e3)
               : dr_model_metadata_json(&m, &json, &json_len, &e3);
    if (rc == RL_OK) {
        dr_model back;
        dr_model_init(&back);
        rl_error e4 = {0};
        rc = hyper ? dr_parse_hyperparameters(json, json_len, "out.json", &back, &e4)
                   : dr_parse_model_metadata(json, json_len, "out.json", &back, &e4);
        if (rc != RL_OK) fail("the JSON written does not parse again", e4.msg);
    }
    free(json);
    return 0;
}
