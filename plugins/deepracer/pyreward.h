/* Reward functions in Python for the deepracer plugin: the simulator's
 * reward_function(params) run unchanged through embedded CPython
 * (doc/deepracer.md, "Reward functions in Python").
 *
 * The interpreter is started once per process, by the first environment
 * that needs it, and never finalised (it cannot be restarted safely).
 * Each file is compiled once per process; each environment instance runs
 * it in a module of its own, so module-level state is per instance, as
 * the simulator's workers are processes of their own. Calls take the GIL,
 * so instances may be stepped from any thread.
 *
 * Library code: nothing here prints or exits; failures come back as an
 * RL_E* code with a one-line message. */
#ifndef RL_DEEPRACER_PYREWARD_H
#define RL_DEEPRACER_PYREWARD_H

#include <stddef.h>

#include <rl/common.h>
#include <rl/deepracer.h>

typedef struct dr_pyreward dr_pyreward;

/* 1 when this build embeds CPython, else 0. */
int dr_pyreward_available(void);

/* The message for a .py reward in a build without CPython. */
extern const char dr_pyreward_missing[];

/* The names a reward file's resolved path real gives (pure string
 * handling, the part of loading a fuzzer can reach without Python): the
 * module's name, the base name up to its first '.' (empty when that is
 * nothing: the module is then called "reward_function"), as *name and
 * *name_len pointing into real; and the length of the directory put on
 * sys.path ("/" for a file at the root, 0 for a bare name). */
void dr_pyreward_names(const char *real, const char **name, size_t *name_len, size_t *dir_len);

/* Load the function `symbol` of the Python file `path` for one environment
 * instance: compile the file (once per process) and run it in a new
 * module. On failure returns NULL, sets *code and writes the message to msg:
 * RL_ENOTFOUND (no such file, or no such function), RL_EFORMAT (a syntax
 * error, with file:line:column, or an exception while the module ran),
 * RL_EINVAL (a build without CPython), RL_ENOMEM, RL_EPLUGIN (the
 * interpreter failed to start). */
dr_pyreward *dr_pyreward_open(const char *path, const char *symbol, int *code, char *msg,
                              size_t len);

/* Call the function with the parameters of a step (sim_time: the episode's
 * simulated seconds). The first call turns p's waypoints into the list of
 * (x, y) tuples every later call passes again, as long as p->waypoints
 * points to the same array (whose contents must not change); another
 * array (the next track's) gets a list of its own. RL_OK with the value in *reward, which the caller
 * checks for range; or RL_EPLUGIN with a message fragment that follows
 * "reward function 'FILE' ": "raised TYPE: MESSAGE (traceback: FILE:LINE in
 * FUNC > ...)" or "returned a TYPE, not a number". */
int dr_pyreward_call(dr_pyreward *r, const rl_deepracer_params *p, double sim_time,
                     double *reward, char *msg, size_t len);

/* Release an instance's module and objects; NULL does nothing. */
void dr_pyreward_close(dr_pyreward *r);

#endif /* RL_DEEPRACER_PYREWARD_H */
