/* A test plugin that offers commands: "test-echo" writes its arguments to
 * the output one a line, and fails on an argument "bad" (as a malformed
 * input: RL_EFORMAT) or "crash" (a runtime failure: RL_EIO). */
#include <string.h>

#include <rl/plugin.h>

static int echo_run(int argc, char *const *argv, FILE *out, rl_error *err)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "bad") == 0)
            return rl_error_set(err, RL_EFORMAT, "test-echo: argument %d is 'bad'", i + 1);
        if (strcmp(argv[i], "crash") == 0)
            return rl_error_set(err, RL_EIO, "test-echo: cannot go on after 'crash'");
        fprintf(out, "%s\n", argv[i]);
    }
    return RL_OK;
}

static const rl_command echo = {
    RL_COMMAND_HEADER,
    .name = "test-echo",
    .args = "WORD [WORD]",
    .summary = "test: print the words, one a line",
    .min_args = 1,
    .max_args = 2,
    .run = echo_run,
};

RL_PLUGIN_ENTRY(cmdtool)
{
    return rl_registry_add_command(registry, &echo);
}
