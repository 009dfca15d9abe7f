/* Fuzz target: reading a whole checkpoint file (librl/checkpoint.c,
 * rl_checkpoint_read): magic, format version, lengths, checksum, names.
 * The checksum stops almost every mutation there; fuzz_payload.c fuzzes
 * what lies behind a valid header.
 *
 * Input: a whole file. */
#include <stdlib.h>

#include <rl/rl.h>

#include "fuzz.h"

FUZZ_TARGET(checkpoint)
{
    const char *path = fuzz_write("fuzz.rlck", data, size);
    if (!path) return 0;
    rl_checkpoint_meta meta;
    unsigned char *payload = NULL;
    size_t len = 0;
    rl_error err = {0};
    rl_checkpoint_read(path, &meta, &payload, &len, &err);
    free(payload);
    /* Also without the payload, which takes another path at the end. */
    rl_error err2 = {0};
    rl_checkpoint_read(path, &meta, NULL, &len, &err2);
    return 0;
}
