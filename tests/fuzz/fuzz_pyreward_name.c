/* Fuzz target: the names a Python reward file's path gives
 * (plugins/deepracer/pyreward.c, dr_pyreward_names): the module's name and
 * the directory put on sys.path. The interpreter is not started; the
 * target checks what the names must be and aborts (a finding) when they
 * are not.
 *
 * Input: the path, up to its first NUL byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pyreward.h"

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "fuzz_pyreward_name: %s for '%s'\n", what, path);
    abort();
}

FUZZ_TARGET(pyreward_name)
{
    char *path = fuzz_strdup(data, size);
    if (!path) return 0;
    size_t len = strlen(path);
    const char *name;
    size_t name_len, dir_len;
    dr_pyreward_names(path, &name, &name_len, &dir_len);
    /* The module name is the base name up to its first dot. */
    if (name < path || name + name_len > path + len) fail("module name outside the path", path);
    if (memchr(name, '/', name_len) || memchr(name, '.', name_len))
        fail("module name holds '/' or '.'", path);
    if (name != path && name[-1] != '/') fail("module name does not start a base name", path);
    if (name[name_len] != '\0' && name[name_len] != '.') fail("module name cut short", path);
    /* The directory is everything before the last '/', or "/". */
    const char *slash = strrchr(path, '/');
    if (dir_len > len) fail("directory longer than the path", path);
    if (!slash && dir_len != 0) fail("a directory for a bare name", path);
    if (slash && dir_len != (slash == path ? 1 : (size_t)(slash - path)))
        fail("directory is not the path's dirname", path);
    free(path);
    return 0;
}
