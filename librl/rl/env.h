/* librl: environments, with Gymnasium's semantics.
 *
 * An environment type (rl_env_type) is a const table, in the style of
 * gsl_rng_type: a name, the size of its state, the INI keys it takes, and
 * functions. The core allocates `size` zeroed bytes of state, calls init
 * with the configuration section named after the type, and afterwards reset
 * and step. The type never allocates what the core frees, nor the reverse.
 *
 * Every instance owns a PCG generator the core seeds on rl_env_reset_seeded
 * (Gymnasium's reset(seed=...)); the type draws all its randomness from it,
 * so a seed fixes an episode.
 *
 * Episodes end as in Gymnasium: `terminated` when the MDP reached a terminal
 * state (no bootstrapping past it), `truncated` when it was cut short (a
 * time limit: the core applies max_episode_steps). After either, call reset
 * before stepping again.
 *
 * The core checks every plugin's output at the boundary: a non-finite
 * observation or reward becomes RL_EPLUGIN with a message naming the type
 * and the step. */
#ifndef RL_ENV_H
#define RL_ENV_H

#include <stdio.h>
#include <rl/common.h>
#include <rl/rng.h>
#include <rl/space.h>
#include <rl/config.h>
#include <rl/checkpoint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What init fills in: the spaces (the core frees them). */
typedef struct rl_env_spec {
    rl_space observation_space;
    rl_space action_space;
    /* Time limit in steps, 0 for none. Set by the core before init: the
     * [<env>] max_episode_steps key when the user gave one (>= 0), else the
     * type's default. init may replace the default (e.g. by map size) only
     * when max_episode_steps_given is 0. */
    int64_t max_episode_steps;
    int max_episode_steps_given;
} rl_env_spec;

/* The outcome of one step. */
typedef struct rl_step {
    double reward;
    int terminated; /* a terminal state was reached */
    int truncated;  /* the episode was cut short (the type's own limit) */
} rl_step;

typedef struct rl_env_type {
    unsigned abi;             /* RL_ABI_VERSION the type was built for */
    size_t struct_size;       /* sizeof(rl_env_type) the type was built with */
    const char *name;         /* registry name and INI section, [a-z0-9_] */
    const char *summary;      /* one line for --list */
    size_t size;              /* bytes of state the core allocates, zeroed */
    const rl_param *params;   /* keys of the type's INI section, or NULL */
    int64_t max_episode_steps;/* default time limit, 0 for none */

    /* Read the configuration (section `section` of cfg; cfg is never NULL
     * and its keys are declared) and fill spec's spaces. Fail with an RL_E*
     * code and a message in err; the core then calls fini. */
    int (*init)(void *state, rl_config *cfg, const char *section, rl_env_spec *spec,
                rl_error *err);
    /* Start an episode: write the first observation. */
    int (*reset)(void *state, rl_pcg32 *rng, double *obs, rl_error *err);
    /* Apply a valid action: write the next observation and the outcome. */
    int (*step)(void *state, rl_pcg32 *rng, const double *action, double *obs, rl_step *out,
                rl_error *err);
    /* Release what init took. May be NULL. Called once, also after a
     * failed init. */
    void (*fini)(void *state);

    /* Optional: named per-episode figures (e.g. "success"), NULL-ended, and
     * a function that writes them for the episode that just ended. They
     * become extra columns of eval.csv. */
    const char *const *metric_names;
    void (*episode_metrics)(const void *state, double *values);

    /* Optional, for exact resume: write everything a later step or reset
     * depends on (the episode in progress, counters such as a round-robin
     * start), and read it back into an instance initialised from the same
     * configuration. load is all or nothing: on failure the state is as it
     * was. Types without them resume with fresh episodes. */
    int (*save)(const void *state, rl_writer *w, rl_error *err);
    int (*load)(void *state, rl_reader *r, rl_error *err);

    /* Optional: the type's own per-step trace format, used by
     * rl_env_set_trace and rl_env_batch_set_trace instead of the generic
     * one. trace_header is the CSV header line (no newline), whose first
     * column is the episode number. trace_row writes one row (with its
     * newline) for the step just taken, whose outcome is `out` (truncation
     * by the core's time limit included), without that first column: the
     * core writes the episode number and a comma before it, once it knows
     * the number (a batch numbers episodes in the order they end; see
     * rl_env_batch_set_trace). A row may also be written later than its
     * step, so it must not depend on anything but the state and `out`. */
    const char *trace_header;
    void (*trace_row)(const void *state, FILE *f, const rl_step *out);

    /* Optional: switch between training (0, the default) and evaluation (1)
     * behaviour, for types whose episodes differ (DeepRacer evaluates from
     * the start line). Takes effect at the next reset. */
    int (*set_evaluation)(void *state, int on, rl_error *err);
    /* Optional: called by rl_env_reset_seeded after it reseeds the
     * instance's generator, before reset. A type that carries something
     * from one episode to the next (DeepRacer's round-robin start) drops it
     * here, so that the same seed repeats the same trajectory. */
    void (*seeded)(void *state);
    /* Optional: how many greedy evaluation episodes a runner should make
     * when its configuration does not say (DeepRacer's 3 laps; 1 for an
     * evaluation that is one pass over a held-out period). 0: the
     * runner's own default. */
    int64_t eval_episodes;

    /* Optional: keys of the type's section whose value may name a file the
     * run depends on (a reward function's source), NULL-ended. For each
     * such key K the type also declares a string key K_sha256 (default
     * empty) in its table. A runner that keeps runs records such a file
     * (absolute path in K, its SHA-256 in K_sha256) and keeps a copy with
     * the run, which later evaluations and resumptions use; rlrun does
     * (rlrun(1), INPUT FILES). */
    const char *const *input_keys;
    /* Optional: write files of the environment's own formats into a new
     * run directory `dir` (DeepRacer: model/model_metadata.json and
     * ip/hyperparameters.json), from the instance and the whole
     * configuration. Called once, after config.ini is written. */
    int (*write_run_files)(const void *state, rl_config *cfg, const char *dir, rl_error *err);
    /* Optional: draw pictures (PNG) of a finished run into its run
     * directory dir, from the files the run left there (progress.csv,
     * eval.csv, the type's traces) and the whole configuration; a runner
     * calls it at the end of a run, and rlrun --plot for a run directory.
     * Each picture is written whole or not at all. A line per picture
     * written, and a line per note on what could not be drawn (no traces),
     * go to out (NULL: nothing is written there). RL_EUNSUPPORTED, with the
     * reason in err, when this build cannot draw (no cairo); RL_ENOTFOUND
     * or RL_EFORMAT for a missing or malformed file of the run, naming it
     * (and the line). */
    int (*write_plots)(const void *state, rl_config *cfg, const char *dir, FILE *out,
                       rl_error *err);
    /* Optional: write a summary of an evaluation to out, for people (a
     * small table: the agent beside the type's baselines, with units, and
     * a heading naming the evaluated period and the data). metric_means
     * holds the mean of each metric (metric_names order) over `episodes`
     * (>= 1) evaluation episodes; the state is an instance initialised
     * from the run's configuration (rlrun passes the one it evaluated
     * with). Write every line whole, with its newline, and only to out;
     * print the metrics' values, converted to the units shown (a fraction
     * as a percentage), not figures of the type's own. Called through
     * rl_env_write_summary; a runner prints the metrics' names and means
     * itself for types without. Appended after write_plots: a plugin built
     * against a header without it reads as NULL here (doc/plugins.md,
     * "Versions"). */
    int (*write_summary)(const void *state, const double *metric_means, size_t episodes,
                         FILE *out, rl_error *err);
} rl_env_type;

/* The first fields of every rl_env_type table this header builds:
 *     static const rl_env_type my_env = { RL_ENV_TYPE_HEADER, .name = ... };
 * is the same as .abi = RL_ABI_VERSION, .struct_size = sizeof(rl_env_type). */
#define RL_ENV_TYPE_HEADER .abi = RL_ABI_VERSION, .struct_size = sizeof(rl_env_type)

/* The core keys every environment section accepts, besides its type's. */
RL_API extern const rl_param rl_env_common_params[];

typedef struct rl_env rl_env;

/* Create an instance of type configured from cfg's section named after the
 * type (cfg may be NULL: every key takes its default). Declares the
 * section's keys in cfg when not yet declared. Seeded with 0 until
 * rl_env_reset_seeded. NULL with err filled on failure. */
RL_API rl_env *rl_env_alloc(const rl_env_type *type, rl_config *cfg, rl_error *err);

/* Finish and free. NULL is fine. */
RL_API void rl_env_free(rl_env *env);

/* Reseed the instance's generator from seed, then reset. */
RL_API int rl_env_reset_seeded(rl_env *env, uint64_t seed, double *obs);

/* Reset, continuing the generator's sequence (Gymnasium's reset()). */
RL_API int rl_env_reset(rl_env *env, double *obs);

/* Step with an action in the action space (RL_EINVAL otherwise, or when
 * no episode is running). obs receives the next observation. */
RL_API int rl_env_step(rl_env *env, const double *action, double *obs, rl_step *out);

RL_API const rl_env_type *rl_env_get_type(const rl_env *env);
RL_API const rl_space *rl_env_observation_space(const rl_env *env);
RL_API const rl_space *rl_env_action_space(const rl_env *env);
RL_API int64_t rl_env_max_episode_steps(const rl_env *env);
/* Steps taken in the current (or just ended) episode. */
RL_API int64_t rl_env_episode_steps(const rl_env *env);
/* Number of metric names of the type (0 when it has none). */
RL_API size_t rl_env_metric_count(const rl_env *env);
/* Figures of the episode that just ended (rl_env_metric_count values). */
RL_API void rl_env_metrics(const rl_env *env, double *values);
/* The instance's state, for code that knows its type (tests, tools). */
RL_API void *rl_env_state(rl_env *env);
RL_API const char *rl_env_errmsg(const rl_env *env);

/* Trace every step to f as CSV rows (rl_env_trace_header first). The
 * generic format: env,episode,step,obs_0..,action_0..,reward,terminated,
 * truncated, where obs is the observation the action was taken on. A type
 * with its own format (trace_row) writes its rows behind the episode
 * number, counted from 0: the episode running when tracing starts (or
 * else the next one) is episode 0. Tracing may start at any time, also
 * within an episode. f NULL stops tracing. The caller keeps ownership of
 * f. */
RL_API void rl_env_set_trace(rl_env *env, FILE *f, unsigned env_index);
RL_API int rl_env_trace_header(const rl_env *env, FILE *f);

/* 1 when the type writes its own trace format (trace_row), 0 for the
 * generic one. */
RL_API int rl_env_has_own_trace(const rl_env *env);

/* Write the type's own run files into the run directory dir (the type's
 * write_run_files slot); RL_OK and nothing written for types without. */
RL_API int rl_env_write_run_files(rl_env *env, rl_config *cfg, const char *dir);

/* Draw the type's pictures of the run in dir (the type's write_plots
 * slot; see there); RL_EUNSUPPORTED with a message for types without. */
RL_API int rl_env_write_plots(rl_env *env, rl_config *cfg, const char *dir, FILE *out);

/* Write the type's summary of an evaluation to out (the type's
 * write_summary slot; see there): metric_means holds rl_env_metric_count
 * means over `episodes` episodes. Only out is written to. RL_EUNSUPPORTED
 * with a message, and nothing written, for types without a summary (also
 * every plugin built against a header that lacked the slot); RL_EINVAL
 * when out is NULL, episodes is 0, or metric_means is NULL and the type
 * has metrics; RL_EIO when out reports a write error; else the type's
 * error, with its message in rl_env_errmsg. */
RL_API int rl_env_write_summary(rl_env *env, const double *metric_means, size_t episodes,
                                FILE *out);

/* Evaluation (on = 1) or training (0) behaviour from the next reset on, for
 * types that tell them apart; RL_OK and no change for the others. */
RL_API int rl_env_set_evaluation(rl_env *env, int on);

/* ---- batches: N instances stepped together, auto-reset ------------------ */

typedef struct rl_env_batch rl_env_batch;

/* Episode figures gathered by a batch since the last rl_env_batch_take_stats. */
typedef struct rl_episode_stats {
    uint64_t episodes;     /* episodes that ended */
    double return_sum;     /* sum of their undiscounted returns */
    double length_sum;     /* sum of their lengths */
    double return_min, return_max;
} rl_episode_stats;

/* n instances of type from cfg. Instance i is seeded with seed + i on
 * rl_env_batch_reset. NULL with err filled on failure. */
RL_API rl_env_batch *rl_env_batch_alloc(const rl_env_type *type, rl_config *cfg, size_t n,
                                        rl_error *err);
RL_API void rl_env_batch_free(rl_env_batch *batch);
RL_API size_t rl_env_batch_size(const rl_env_batch *batch);
RL_API rl_env *rl_env_batch_env(rl_env_batch *batch, size_t i);

/* Seed instance i with seed + i and reset it; obs receives n rows. */
RL_API int rl_env_batch_reset(rl_env_batch *batch, uint64_t seed, double *obs);

/* Step every instance with its row of actions. rewards, terminated and
 * truncated receive n values. Where an episode ended, the instance is reset
 * at once: its obs row holds the first observation of the next episode and
 * its final_obs row (when final_obs is not NULL) the last observation of the
 * one that ended, which is what a truncated episode bootstraps from. Rows
 * of final_obs for instances that did not end are left untouched. */
RL_API int rl_env_batch_step(rl_env_batch *batch, const double *actions, double *obs,
                             double *rewards, unsigned char *terminated,
                             unsigned char *truncated, double *final_obs);

/* Step the instances on up to threads threads (>= 1; 1 by default): each
 * thread steps whole instances, and what they share (statistics, traces,
 * resets in order) is done afterwards in instance order, so the results
 * are the same bits for any number. An environment type's step must then
 * touch only its own instance (every built-in type and plugin of librl
 * does; a Python reward takes the GIL). A batch writing traces steps on
 * one thread. RL_EINVAL for threads < 1; RL_ENOMEM, or RL_EIO when a
 * thread cannot be started (rl_env_batch_errmsg). */
RL_API int rl_env_batch_set_threads(rl_env_batch *batch, int threads);
RL_API int rl_env_batch_threads(const rl_env_batch *batch);

/* Save the batch for an exact resume: every instance's generator, episode
 * counters and running return and, where the type provides save/load, its
 * episode in progress; then the own-format trace's episode count and the
 * rows held of the running episodes. RL_ENOMEM when w failed, or the
 * type's error. */
RL_API int rl_env_batch_save(const rl_env_batch *batch, rl_writer *w, rl_error *err);

/* Restore what rl_env_batch_save wrote into a batch of the same size made
 * from the same configuration. RL_EINVAL when the sizes differ, RL_EFORMAT
 * when the record is malformed. Instances whose type has no save/load
 * start a fresh episode from their restored generator (reproducible, but
 * not the episode that was running). A failure may leave some instances
 * restored and others not. */
RL_API int rl_env_batch_load(rl_env_batch *batch, rl_reader *r, rl_error *err);

/* 1 when the batch's type saves its episodes (rl_env_batch_load then
 * restores them exactly), 0 otherwise. */
RL_API int rl_env_batch_resumable(const rl_env_batch *batch);

/* The observation each instance's next action acts on (n rows): what the
 * last reset or step returned. */
RL_API void rl_env_batch_observations(const rl_env_batch *batch, double *obs);

/* Trace every instance into f. The generic format: instance i writes its
 * rows as they come, with env_index i. A type with its own format
 * (trace_row): the rows of each instance's running episode are held in
 * memory and written together, behind the episode's number, when the
 * episode ends, so that an episode is whole in the file that is current
 * when it ends; the batch numbers episodes 0, 1, 2, ... in the order they
 * end (rl_env_batch_save keeps the count and the held rows). Calling it
 * again with another f switches files and keeps the held rows; an episode
 * already under way when tracing starts is not written. f NULL stops
 * tracing and drops the held rows of episodes that never ended (those that
 * ended beyond a file's quota stay held: rl_env_batch_set_trace_quota). The
 * caller keeps ownership of f. RL_ENOMEM (tracing stopped) when the
 * buffers cannot be had. */
RL_API int rl_env_batch_set_trace(rl_env_batch *batch, FILE *f);

/* The number the next episode written to an own-format trace gets: the
 * episodes written so far. */
RL_API uint64_t rl_env_batch_trace_episodes(const rl_env_batch *batch);

/* At most `episodes` whole episodes go into each own-format trace file
 * (0, the default: any number). Episodes that end after the current file
 * has its quota are held, numbered, and written first into the next file
 * given to rl_env_batch_set_trace, so that every file holds the same
 * number of consecutive episodes, as DeepRacer's per-iteration trace files
 * do (num_episodes_between_training each) when a batch's iteration ended
 * with more episodes than that. rl_env_batch_save keeps the held
 * episodes. */
RL_API void rl_env_batch_set_trace_quota(rl_env_batch *batch, uint64_t episodes);

/* How many ended episodes are held for the next file. */
RL_API uint64_t rl_env_batch_trace_held(const rl_env_batch *batch);

/* The mean return and length of the last episodes that ended in the batch,
 * at most RL_RECENT_EPISODES of them (SB3's ep_rew_mean): returns how many
 * (0, with NaN means, before the first episode ends). The window is kept
 * in checkpoints, so a resumed run goes on with the same figures. */
#define RL_RECENT_EPISODES 100
RL_API size_t rl_env_batch_recent(const rl_env_batch *batch, double *mean_return,
                                  double *mean_length);

/* Copy out and clear the episode figures gathered so far. */
RL_API void rl_env_batch_take_stats(rl_env_batch *batch, rl_episode_stats *out);
RL_API const char *rl_env_batch_errmsg(const rl_env_batch *batch);

#ifdef __cplusplus
}
#endif
#endif /* RL_ENV_H */
