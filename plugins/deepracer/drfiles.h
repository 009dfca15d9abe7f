/* DeepRacer's model files, both ways (doc/deepracer.md, "DeepRacer model
 * files"): model_metadata.json and hyperparameters.json as the AWS console
 * and deepracer-for-cloud write them, read into an INI file for rlrun
 * (import-deepracer), and written from a run's config.ini (export-deepracer,
 * and every new run's model/ and ip/ folders through write_run_files).
 *
 * Every JSON file is treated as hostile: syntax errors name file:line:column
 * (jansson's), everything else the file and the key path, e.g.
 * "model_metadata.json: action_space[3].speed: 5.2 is outside [0.1, 4] m/s".
 * Nothing here prints or exits; commands write only to their `out` and the
 * files they were asked to write. */
#ifndef RL_DEEPRACER_DRFILES_H
#define RL_DEEPRACER_DRFILES_H

#include <stddef.h>
#include <stdint.h>

#include <rl/rl.h>

#include "deepracer.h"

/* The hyperparameters of hyperparameters.json, in the order DeepRacer
 * writes them (alphabetical, as deepracer-for-cloud's defaults). */
enum dr_hp {
    DR_HP_BATCH_SIZE,
    DR_HP_BETA_ENTROPY,
    DR_HP_DISCOUNT_FACTOR,
    DR_HP_E_GREEDY_VALUE,
    DR_HP_EPSILON_STEPS,
    DR_HP_EXPLORATION_TYPE,
    DR_HP_LOSS_TYPE,
    DR_HP_LR,
    DR_HP_NUM_EPISODES_BETWEEN_TRAINING,
    DR_HP_NUM_EPOCHS,
    DR_HP_STACK_SIZE,
    DR_HP_TERM_COND_AVG_SCORE,
    DR_HP_TERM_COND_MAX_EPISODES,
    DR_HP_SAC_ALPHA,
    DR_HP_COUNT
};

/* What the two JSON files say, in librl's terms. */
typedef struct dr_model {
    /* model_metadata.json */
    int continuous;
    size_t nactions;
    double steer[MAX_ACTIONS], speed[MAX_ACTIONS]; /* discrete, in file order */
    double steer_lo, steer_hi, speed_lo, speed_hi; /* continuous */
    int lidar;                /* the sensors include DeepRacer's 360-degree LIDAR */
    char sensors[160];        /* the sensor list as given, for comments */
    char network[64];         /* neural_network as given (or the default) */
    char version[32];         /* version as given, "" when absent */
    /* hyperparameters.json: each value as given or the simulator's default */
    int hp_given[DR_HP_COUNT];
    double hp[DR_HP_COUNT];   /* numbers (integers are exact) */
    int huber;                /* loss_type: huber (1) or mean squared error (0) */
    int e_greedy;             /* exploration_type: e-greedy (1) or categorical (0) */
    int have_hyperparameters; /* a hyperparameters.json was read */
    /* Warnings for the INI's comments (unknown keys, values librl cannot
     * honour), one per line; `dropped` counts those that did not fit. */
    char notes[4096];
    size_t notes_len, dropped;
} dr_model;

/* A model with the simulator's defaults for every hyperparameter (its
 * sagemaker_graph_manager's, used for keys a file leaves out). */
void dr_model_init(dr_model *m);

/* Parse model_metadata.json / hyperparameters.json from text (len bytes,
 * not necessarily NUL-terminated) into m; filename names the file in
 * messages. RL_EFORMAT for syntax and types, RL_ERANGE for values out of
 * range, RL_EUNSUPPORTED for what librl cannot train (SAC, camera set-ups
 * and LIDAR kinds it cannot honour), each with a message in err. These
 * take only memory, so a fuzzer can call them. */
int dr_parse_model_metadata(const char *text, size_t len, const char *filename, dr_model *m,
                            rl_error *err);
int dr_parse_hyperparameters(const char *text, size_t len, const char *filename, dr_model *m,
                             rl_error *err);

/* Write the INI that trains what m describes. The paths are named as given
 * (hyperparameters and reward may be NULL); preset, when not NULL, is the
 * built-in reward whose Python text the reward file is, named instead of
 * the file. RL_EIO when out fails. */
int dr_write_ini(const dr_model *m, const char *metadata_path, const char *hyper_path,
                 const char *reward_path, const char *preset, FILE *out, rl_error *err);

/* Fill m from a configuration whose [deepracer], [ppo] and [run] keys are
 * declared. RL_EUNSUPPORTED when [run] algorithm is not ppo and need_ppo. */
int dr_model_from_config(dr_model *m, rl_config *cfg, int need_ppo, rl_error *err);

/* The two JSON files in DeepRacer's format, as malloc'd text. */
int dr_model_metadata_json(const dr_model *m, char **text, size_t *len, rl_error *err);
int dr_hyperparameters_json(const dr_model *m, char **text, size_t *len, rl_error *err);

/* Write data to dir/name whole or not at all (rl_write_file_atomic). */
int dr_write_file_atomic(const char *dir, const char *name, const char *data, size_t len,
                         rl_error *err);

/* rl_env_type.write_run_files: dir/model/model_metadata.json and
 * dir/ip/hyperparameters.json, where deepracer-utils looks for them. */
int dr_write_run_files(const void *state, rl_config *cfg, const char *dir, rl_error *err);

/* The plugin's commands: import-deepracer and export-deepracer. */
extern const rl_command dr_import_command;
extern const rl_command dr_export_command;

/* deepracer.c: read the action space of section sec into e (continuous,
 * nactions, steer, speed and the ranges). */
int dr_read_actions(dr_env *e, rl_config *cfg, const char *sec, rl_error *err);

#endif /* RL_DEEPRACER_DRFILES_H */
