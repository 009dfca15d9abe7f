/* Helpers shared by the fuzz targets (tests/fuzz/README.md).
 *
 * Each tests/fuzz/fuzz_NAME.c defines its target with FUZZ_TARGET(NAME).
 * Built for libFuzzer (`make fuzz`), that is LLVMFuzzerTestOneInput; built
 * for `make check` (FUZZ_REGRESS defined), it is fuzz_NAME, which the
 * replay driver (replay.c) calls on every file of the target's corpus and
 * regression folders, so that the regressions run under gcc, ASan and
 * valgrind with the rest of the suite. */
#ifndef RL_FUZZ_H
#define RL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_REGRESS
#define FUZZ_TARGET(name)                                   \
    int fuzz_##name(const uint8_t *data, size_t size);      \
    int fuzz_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name)                                              \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);      \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* A private directory for the process's files (made on the first call,
 * removed with everything in it at exit); NULL when it cannot be made. */
const char *fuzz_dir(void);

/* Write size bytes to fuzz_dir()/name, replacing the file; returns the
 * path (a static buffer, valid until the next call) or NULL. */
const char *fuzz_write(const char *name, const void *data, size_t size);

/* A checkpoint file around a payload: librl/checkpoint.c's header (magic,
 * format, ABI, the algorithm and environment names, the payload's length),
 * the payload, the CRC-32 of all that, written to fuzz_dir()/fuzz.rlck, so
 * that fuzz bytes reach the payload's readers past the checksum. Returns
 * the path (as fuzz_write) or NULL. */
const char *fuzz_write_checkpoint(const char *algo, const char *env, const uint8_t *payload,
                                  size_t size);

/* The bytes as a NUL-terminated string (malloc'd; NULL when out of
 * memory). */
char *fuzz_strdup(const uint8_t *data, size_t size);

#endif /* RL_FUZZ_H */
