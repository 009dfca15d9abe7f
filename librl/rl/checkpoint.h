/* librl: checkpoints and the byte streams algorithms save themselves into.
 *
 * A checkpoint file is:
 *   magic "RLCKPT\r\n" (8 bytes) | u32 format version | u32 librl ABI |
 *   algorithm name (32 bytes, NUL-padded) | environment name (64 bytes) |
 *   u64 payload length | payload | u32 CRC-32 of everything before it.
 * All integers little-endian, doubles as IEEE-754 binary64 little-endian.
 * Files are written atomically: a temporary file in the same directory,
 * fsync, rename over the target, fsync of the directory. A reader never sees
 * half a checkpoint, and a failed write leaves the old file as it was. */
#ifndef RL_CHECKPOINT_H
#define RL_CHECKPOINT_H

#include <rl/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: the payload ends with the environments' state (rl_env_batch_save).
 * 3: the ABI field is a record only (not checked on reading); each
 *    algorithm's state begins with its own layout version. */
#define RL_CHECKPOINT_FORMAT 3u

/* A growable output buffer. Zero-initialise; a failed allocation sets
 * `failed` and later writes do nothing. */
typedef struct rl_writer {
    unsigned char *data;
    size_t len, cap;
    int failed;
} rl_writer;

RL_API void rl_writer_free(rl_writer *w);
RL_API void rl_write_bytes(rl_writer *w, const void *p, size_t n);
RL_API void rl_write_u32(rl_writer *w, uint32_t v);
RL_API void rl_write_u64(rl_writer *w, uint64_t v);
RL_API void rl_write_f64(rl_writer *w, double v);
RL_API void rl_write_f64_array(rl_writer *w, const double *v, size_t n);
/* Floats as IEEE-754 binary32 little-endian. */
RL_API void rl_write_f32_array(rl_writer *w, const float *v, size_t n);
/* A length-prefixed string. */
RL_API void rl_write_str(rl_writer *w, const char *s);

/* A bounds-checked input cursor. A read past the end sets `failed`, writes
 * zeros to the output and returns RL_EFORMAT. */
typedef struct rl_reader {
    const unsigned char *data;
    size_t len, pos;
    int failed;
} rl_reader;

RL_API int rl_read_bytes(rl_reader *r, void *p, size_t n);
RL_API int rl_read_u32(rl_reader *r, uint32_t *v);
RL_API int rl_read_u64(rl_reader *r, uint64_t *v);
RL_API int rl_read_f64(rl_reader *r, double *v);
RL_API int rl_read_f64_array(rl_reader *r, double *v, size_t n);
RL_API int rl_read_f32_array(rl_reader *r, float *v, size_t n);
/* Read a string written by rl_write_str into buf (size len, NUL-ended);
 * RL_EFORMAT when it does not fit. */
RL_API int rl_read_str(rl_reader *r, char *buf, size_t len);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of n bytes, continuing from crc
 * (start with 0). */
RL_API uint32_t rl_crc32(uint32_t crc, const void *p, size_t n);

/* SHA-256 of n bytes, as 64 lower-case hex digits and a NUL. */
RL_API void rl_sha256_hex(const void *data, size_t n, char hex[65]);

/* SHA-256 of a file's bytes. RL_ENOTFOUND or RL_EIO (naming the file). */
RL_API int rl_sha256_file(const char *path, char hex[65], rl_error *err);

typedef struct rl_checkpoint_meta {
    uint32_t format;   /* RL_CHECKPOINT_FORMAT */
    uint32_t abi;      /* RL_ABI_VERSION of the writer (a record, not checked) */
    char algo[32];     /* algorithm type name */
    char env[64];      /* environment type name */
} rl_checkpoint_meta;

/* Write meta and payload to path atomically. RL_EIO (with errno's text and
 * the path) on failure; the previous file at path, if any, is untouched. */
RL_API int rl_checkpoint_write(const char *path, const char *algo, const char *env,
                               const void *payload, size_t len, rl_error *err);

/* Write len bytes to path whole or not at all, as checkpoints are
 * written: a temporary file beside it, fsync, rename over path, fsync of
 * the directory. A new file gets mode 0666 less the umask; an overwritten
 * one keeps its mode. RL_EIO naming the path and errno's text; the old
 * file, if any, is then untouched. A path naming a device or a pipe
 * (/dev/null, /dev/stdout, a FIFO) is written to directly, never replaced;
 * a directory is RL_EIO. */
RL_API int rl_write_file_atomic(const char *path, const void *data, size_t len, rl_error *err);

/* Read a whole file into a malloc'd, NUL-terminated buffer the caller
 * frees (*len bytes, the NUL not counted). RL_ENOTFOUND when it does not
 * exist, RL_EIO when it cannot be read, RL_EFORMAT when it holds more than
 * max bytes (0: no limit), RL_ENOMEM; messages name the path. */
RL_API int rl_read_file(const char *path, size_t max, char **text, size_t *len, rl_error *err);

/* Read and verify a checkpoint. On RL_OK *payload is a malloc'd buffer of
 * *len bytes the caller frees. RL_ENOTFOUND / RL_EIO when it cannot be read,
 * RL_EFORMAT when it is not a librl checkpoint, truncated or its checksum
 * fails, RL_EVERSION for another format version. A checkpoint written by a
 * librl of another plugin ABI reads as any other: the algorithms check the
 * layout versions of their own states. */
RL_API int rl_checkpoint_read(const char *path, rl_checkpoint_meta *meta,
                              unsigned char **payload, size_t *len, rl_error *err);

#ifdef __cplusplus
}
#endif
#endif /* RL_CHECKPOINT_H */
