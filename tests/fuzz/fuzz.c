/* Helpers shared by the fuzz targets: a private temporary directory and
 * files in it, checkpoint files around a payload (fuzz.h). */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rl/rl.h>

#include "fuzz.h"

static char dir[512];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    if (dir[0]) nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
    if (dir[0]) return dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rlfuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        return NULL;
    }
    atexit(remove_dir);
    return dir;
}

const char *fuzz_write(const char *name, const void *data, size_t size)
{
    static char path[1024];
    if (!fuzz_dir()) return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return NULL;
    int ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0) ok = 0;
    return ok ? path : NULL;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

const char *fuzz_write_checkpoint(const char *algo, const char *env, const uint8_t *payload,
                                  size_t size)
{
    enum { HEADER = 8 + 4 + 4 + 32 + 64 + 8 };
    size_t n = HEADER + size + 4;
    unsigned char *file = calloc(1, n);
    if (!file) return NULL;
    memcpy(file, "RLCKPT\r\n", 8);
    put_u32(file + 8, RL_CHECKPOINT_FORMAT);
    put_u32(file + 12, RL_ABI_VERSION);
    memcpy(file + 16, algo, strnlen(algo, 31));
    memcpy(file + 48, env, strnlen(env, 63));
    put_u64(file + 112, size);
    if (size) memcpy(file + HEADER, payload, size);
    put_u32(file + HEADER + size, rl_crc32(0, file, HEADER + size));
    const char *path = fuzz_write("fuzz.rlck", file, n);
    free(file);
    return path;
}

char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return NULL;
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
