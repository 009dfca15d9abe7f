/* librl: byte streams, CRC-32 and atomic checkpoint files. */
/* fsync, fchmod and O_DIRECTORY are POSIX, hidden by -std=c11 otherwise. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "rl/checkpoint.h"

/* ---- output buffer --------------------------------------------------------- */

void rl_writer_free(rl_writer *w)
{
    if (!w) return;
    free(w->data);
    w->data = NULL;
    w->len = w->cap = 0;
    w->failed = 0;
}

/* Make room for n more bytes; on failure mark the writer failed so that the
 * caller only has to check once, at the end. */
static int writer_reserve(rl_writer *w, size_t n)
{
    if (w->failed) return 0;
    if (n > SIZE_MAX - w->len) {
        w->failed = 1;
        return 0;
    }
    size_t need = w->len + n;
    if (need <= w->cap) return 1;
    size_t cap = w->cap < 64 ? 64 : w->cap;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    unsigned char *p = realloc(w->data, cap);
    if (!p) {
        w->failed = 1;
        return 0;
    }
    w->data = p;
    w->cap = cap;
    return 1;
}

void rl_write_bytes(rl_writer *w, const void *p, size_t n)
{
    if (!w || n == 0) return;
    if (!p) {
        w->failed = 1;
        return;
    }
    if (!writer_reserve(w, n)) return;
    memcpy(w->data + w->len, p, n);
    w->len += n;
}

/* Integers are encoded by shifting rather than by copying memory, so the
 * bytes come out little-endian whatever the host's byte order. */
static void put_u32(unsigned char *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *b)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)b[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
    return v;
}

/* Going through a uint64_t keeps every bit of the double, including the sign
 * of zero and NaN payloads, which a text or arithmetic conversion would not. */
static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double f64_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

void rl_write_u32(rl_writer *w, uint32_t v)
{
    unsigned char b[4];
    put_u32(b, v);
    rl_write_bytes(w, b, sizeof b);
}

void rl_write_u64(rl_writer *w, uint64_t v)
{
    unsigned char b[8];
    put_u64(b, v);
    rl_write_bytes(w, b, sizeof b);
}

void rl_write_f64(rl_writer *w, double v) { rl_write_u64(w, f64_bits(v)); }

void rl_write_f64_array(rl_writer *w, const double *v, size_t n)
{
    if (!w || n == 0) return;
    if (!v || n > SIZE_MAX / 8) {
        w->failed = 1;
        return;
    }
    /* One reservation for the whole array instead of one per element. */
    if (!writer_reserve(w, n * 8)) return;
    for (size_t i = 0; i < n; i++) put_u64(w->data + w->len + 8 * i, f64_bits(v[i]));
    w->len += n * 8;
}

/* Floats as IEEE-754 binary32, for network weights. */
void rl_write_f32_array(rl_writer *w, const float *v, size_t n)
{
    if (!w || n == 0) return;
    if (!v || n > SIZE_MAX / 4) {
        w->failed = 1;
        return;
    }
    if (!writer_reserve(w, n * 4)) return;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        put_u32(w->data + w->len + 4 * i, bits);
    }
    w->len += n * 4;
}

/* The length prefix is a u32: a longer string is surely a bug, and failing
 * here is better than writing something rl_read_str cannot take back. */
void rl_write_str(rl_writer *w, const char *s)
{
    if (!w) return;
    size_t n = s ? strlen(s) : 0;
    if (n > UINT32_MAX) {
        w->failed = 1;
        return;
    }
    rl_write_u32(w, (uint32_t)n);
    rl_write_bytes(w, s, n);
}

/* ---- input cursor ------------------------------------------------------------ */

/* Failure is sticky: after one bad read the position is meaningless, so every
 * later read fails too and a loader need only check the last status. */
int rl_read_bytes(rl_reader *r, void *p, size_t n)
{
    if (!r || r->failed || r->pos > r->len || n > r->len - r->pos) {
        if (r) r->failed = 1;
        if (p && n) memset(p, 0, n);
        return RL_EFORMAT;
    }
    if (p && n) memcpy(p, r->data + r->pos, n);
    r->pos += n;
    return RL_OK;
}

int rl_read_u32(rl_reader *r, uint32_t *v)
{
    unsigned char b[4];
    int rc = rl_read_bytes(r, b, sizeof b);
    if (v) *v = get_u32(b);
    return rc;
}

int rl_read_u64(rl_reader *r, uint64_t *v)
{
    unsigned char b[8];
    int rc = rl_read_bytes(r, b, sizeof b);
    if (v) *v = get_u64(b);
    return rc;
}

int rl_read_f64(rl_reader *r, double *v)
{
    uint64_t u;
    int rc = rl_read_u64(r, &u);
    if (v) *v = f64_from_bits(u);
    return rc;
}

int rl_read_f32_array(rl_reader *r, float *v, size_t n)
{
    if (n == 0) return (r && !r->failed) ? RL_OK : RL_EFORMAT;
    if (!r || !v || r->failed || n > SIZE_MAX / 4 || r->pos > r->len ||
        n * 4 > r->len - r->pos) {
        if (r) r->failed = 1;
        if (v)
            for (size_t i = 0; i < n; i++) v[i] = 0.0f;
        return RL_EFORMAT;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = get_u32(r->data + r->pos + 4 * i);
        memcpy(&v[i], &bits, 4);
    }
    r->pos += n * 4;
    return RL_OK;
}

int rl_read_f64_array(rl_reader *r, double *v, size_t n)
{
    if (n == 0) return (r && !r->failed) ? RL_OK : RL_EFORMAT;
    if (!r || !v || r->failed || n > SIZE_MAX / 8 || r->pos > r->len ||
        n * 8 > r->len - r->pos) {
        if (r) r->failed = 1;
        if (v)
            for (size_t i = 0; i < n; i++) v[i] = 0.0;
        return RL_EFORMAT;
    }
    for (size_t i = 0; i < n; i++) v[i] = f64_from_bits(get_u64(r->data + r->pos + 8 * i));
    r->pos += n * 8;
    return RL_OK;
}

int rl_read_str(rl_reader *r, char *buf, size_t len)
{
    uint32_t n;
    if (buf && len) buf[0] = '\0';
    if (rl_read_u32(r, &n) != RL_OK) return RL_EFORMAT;
    if (!buf || (size_t)n >= len) {
        r->failed = 1;
        return RL_EFORMAT;
    }
    if (rl_read_bytes(r, buf, n) != RL_OK) {
        buf[0] = '\0';
        return RL_EFORMAT;
    }
    /* An embedded NUL would silently shorten the string: the writer never
     * produces one, so it means corruption. */
    if (memchr(buf, '\0', n)) {
        r->failed = 1;
        buf[0] = '\0';
        return RL_EFORMAT;
    }
    buf[n] = '\0';
    return RL_OK;
}

/* ---- CRC-32 ------------------------------------------------------------------- */

/* The reflected IEEE 802.3 polynomial 0xEDB88320, one entry per byte value;
 * a constant table needs no initialisation and so no locking. */
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t rl_crc32(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    if (!b) return crc;
    /* zlib's convention: the register is inverted on the way in and out, so
     * crc32(crc32(0, a), b) equals crc32(0, a followed by b). */
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ b[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* ---- checkpoint files ------------------------------------------------------- */

static const unsigned char ckpt_magic[8] = {'R', 'L', 'C', 'K', 'P', 'T', '\r', '\n'};

enum {
    OFF_FORMAT = 8,
    OFF_ABI = 12,
    OFF_ALGO = 16,
    ALGO_LEN = 32,
    OFF_ENV = OFF_ALGO + ALGO_LEN,
    ENV_LEN = 64,
    OFF_PAYLOAD_LEN = OFF_ENV + ENV_LEN,
    HEADER_LEN = OFF_PAYLOAD_LEN + 8,
    CRC_LEN = 4,
    MIN_FILE_LEN = HEADER_LEN + CRC_LEN
};

/* write() may write less than asked, be interrupted by a signal, or reject
 * counts above SSIZE_MAX; this hides all three. Returns 0 or -1 with errno. */
static int write_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n > 0) {
        size_t chunk = n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n;
        ssize_t k = write(fd, b, chunk);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (k == 0) {
            errno = EIO;
            return -1;
        }
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A rename is durable only once the directory holding the new entry has been
 * synced. Returns 0 or -1 with errno. */
static int sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        dir = malloc(2);
        if (dir) memcpy(dir, ".", 2);
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    /* Some file systems cannot sync a directory and say so with EINVAL;
     * there is nothing more we could do there. */
    if (rc != 0 && saved == EINVAL) rc = 0;
    errno = saved;
    return rc;
}

/* Write nparts pieces to path whole or not at all; `kind` names the file in
 * messages ("checkpoint"). */
static int write_parts(const char *path, const void *const *parts, const size_t *lens,
                       size_t nparts, const char *kind, rl_error *err)
{
    /* A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written to as
     * it is: renaming a file over it would replace the device node. */
    struct stat target;
    if (stat(path, &target) == 0 && !S_ISREG(target.st_mode)) {
        if (S_ISDIR(target.st_mode))
            return rl_error_set(err, RL_EIO, "cannot write %s '%s': it is a directory", kind, path);
        int dfd = open(path, O_WRONLY | O_CLOEXEC);
        if (dfd < 0)
            return rl_error_set(err, RL_EIO, "cannot open %s '%s': %s", kind, path,
                                strerror(errno));
        int bad = 0;
        for (size_t i = 0; i < nparts && !bad; i++) bad = write_all(dfd, parts[i], lens[i]) != 0;
        int e = errno;
        if (close(dfd) != 0 && !bad) {
            e = errno;
            bad = 1;
        }
        if (bad) return rl_error_set(err, RL_EIO, "cannot write %s '%s': %s", kind, path, strerror(e));
        return RL_OK;
    }
    /* The temporary file must live in the target's directory: rename() is
     * atomic only within one file system. */
    /* The name is made unique by process id and a counter, and O_EXCL makes
     * sure no other file is ever clobbered. Unlike mkstemp's 0600 this
     * creates the file 0666 less the umask, like every other file a run
     * writes. */
    size_t tlen = strlen(path) + 48;
    char *tmp = malloc(tlen);
    if (!tmp) return rl_error_set(err, RL_ENOMEM, "%s '%s': out of memory", kind, path);
    static unsigned counter;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; attempt++) {
        snprintf(tmp, tlen, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return rl_error_set(err, RL_EIO, "cannot create a temporary file for %s '%s': %s", kind,
                            path, strerror(e));
    }
    /* Overwriting keeps the old file's permissions. */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        /* Failure only leaves the umask's mode, which is no reason to lose
         * the checkpoint (some file systems refuse chmod altogether). */
        (void)fchmod(fd, st.st_mode & 07777);
    }

    const char *what = "write";
    int failed = 0;
    for (size_t i = 0; i < nparts && !failed; i++) failed = write_all(fd, parts[i], lens[i]) != 0;
    if (!failed && fsync(fd) != 0) {
        what = "sync";
        failed = 1;
    }
    int e = errno;
    if (close(fd) != 0 && !failed) {
        e = errno;
        what = "close";
        failed = 1;
    }
    if (!failed && rename(tmp, path) != 0) {
        e = errno;
        what = "rename the temporary file over";
        failed = 1;
    }
    if (failed) {
        unlink(tmp);
        free(tmp);
        return rl_error_set(err, RL_EIO, "cannot %s %s '%s': %s", what, kind, path, strerror(e));
    }
    free(tmp);

    if (sync_parent_dir(path) != 0) {
        e = errno;
        return rl_error_set(err, RL_EIO,
                            "%s '%s' was written but its directory could not be synced: %s", kind,
                            path, strerror(e));
    }
    return RL_OK;
}

int rl_checkpoint_write(const char *path, const char *algo, const char *env,
                        const void *payload, size_t len, rl_error *err)
{
    if (!path || !*path)
        return rl_error_set(err, RL_EINVAL, "checkpoint path is missing or empty");
    if (!algo || !env)
        return rl_error_set(err, RL_EINVAL, "checkpoint '%s': algorithm or environment name is missing",
                            path);
    if (!payload && len > 0)
        return rl_error_set(err, RL_EINVAL, "checkpoint '%s': payload is NULL but its length is %zu",
                            path, len);
    if (strlen(algo) >= ALGO_LEN)
        return rl_error_set(err, RL_EINVAL,
                            "checkpoint '%s': algorithm name '%.20s...' is too long (%zu characters, "
                            "at most %d)",
                            path, algo, strlen(algo), ALGO_LEN - 1);
    if (strlen(env) >= ENV_LEN)
        return rl_error_set(err, RL_EINVAL,
                            "checkpoint '%s': environment name '%.20s...' is too long (%zu "
                            "characters, at most %d)",
                            path, env, strlen(env), ENV_LEN - 1);

    unsigned char header[HEADER_LEN] = {0};
    memcpy(header, ckpt_magic, sizeof ckpt_magic);
    put_u32(header + OFF_FORMAT, RL_CHECKPOINT_FORMAT);
    put_u32(header + OFF_ABI, RL_ABI_VERSION);
    memcpy(header + OFF_ALGO, algo, strlen(algo));
    memcpy(header + OFF_ENV, env, strlen(env));
    put_u64(header + OFF_PAYLOAD_LEN, (uint64_t)len);
    unsigned char trailer[CRC_LEN];
    put_u32(trailer, rl_crc32(rl_crc32(0, header, sizeof header), payload, len));

    const void *parts[3] = {header, payload, trailer};
    const size_t lens[3] = {sizeof header, len, sizeof trailer};
    return write_parts(path, parts, lens, 3, "checkpoint", err);
}

int rl_write_file_atomic(const char *path, const void *data, size_t len, rl_error *err)
{
    if (!path || !*path) return rl_error_set(err, RL_EINVAL, "file path is missing or empty");
    if (!data && len > 0)
        return rl_error_set(err, RL_EINVAL, "file '%s': data is NULL but its length is %zu",
                            path, len);
    const void *parts[1] = {data};
    const size_t lens[1] = {len};
    return write_parts(path, parts, lens, 1, "file", err);
}

/* Read all of fd into a malloc'd buffer, with room for a NUL after it.
 * Returns RL_OK, RL_EIO (errno set), RL_ENOMEM, or RL_EFORMAT when the file
 * holds more than max bytes. The file's size is only a hint: it may change
 * under us. */
static int read_whole(int fd, size_t max, unsigned char **out, size_t *outlen)
{
    struct stat st;
    size_t cap = 4096;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uintmax_t)st.st_size < (uintmax_t)SIZE_MAX)
        cap = (size_t)st.st_size + 1; /* +1 so that EOF is seen without growing. */
    unsigned char *buf = malloc(cap);
    if (!buf) return RL_ENOMEM;
    size_t n = 0;
    for (;;) {
        if (n > max) {
            free(buf);
            return RL_EFORMAT;
        }
        if (n == cap) {
            if (cap > SIZE_MAX / 2) {
                free(buf);
                return RL_ENOMEM;
            }
            unsigned char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                return RL_ENOMEM;
            }
            buf = p;
            cap *= 2;
        }
        size_t want = cap - n;
        if (want > ((size_t)1 << 30)) want = (size_t)1 << 30;
        ssize_t k = read(fd, buf + n, want);
        if (k < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            errno = e;
            return RL_EIO;
        }
        if (k == 0) break;
        n += (size_t)k;
    }
    if (n == cap) {
        unsigned char *p = realloc(buf, cap + 1);
        if (!p) {
            free(buf);
            return RL_ENOMEM;
        }
        buf = p;
    }
    *out = buf;
    *outlen = n;
    return RL_OK;
}

int rl_read_file(const char *path, size_t max, char **text, size_t *len, rl_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        int e = errno;
        return rl_error_set(err, (e == ENOENT || e == ENOTDIR) ? RL_ENOTFOUND : RL_EIO,
                            "%s: cannot open: %s", path, strerror(e));
    }
    unsigned char *buf = NULL;
    size_t n = 0;
    int rc = read_whole(fd, max ? max : SIZE_MAX, &buf, &n);
    int e = errno;
    close(fd);
    if (rc == RL_ENOMEM) return rl_error_set(err, rc, "%s: out of memory", path);
    if (rc == RL_EFORMAT) return rl_error_set(err, rc, "%s: larger than %zu bytes", path, max);
    if (rc != RL_OK) return rl_error_set(err, rc, "%s: read failed: %s", path, strerror(e));
    buf[n] = '\0';
    *text = (char *)buf;
    *len = n;
    return RL_OK;
}

/* Check everything about a checkpoint held in memory. On RL_OK, *plen is the
 * payload's length; it starts at HEADER_LEN. */
static int verify(const unsigned char *buf, size_t n, const char *path, rl_checkpoint_meta *meta,
                  size_t *plen, rl_error *err)
{
    /* The magic comes first so that a foreign file, however short, is called
     * foreign rather than truncated. */
    size_t m = n < sizeof ckpt_magic ? n : sizeof ckpt_magic;
    if (memcmp(buf, ckpt_magic, m) != 0)
        return rl_error_set(err, RL_EFORMAT, "'%s' is not a librl checkpoint", path);
    if (n < MIN_FILE_LEN)
        return rl_error_set(err, RL_EFORMAT,
                            "checkpoint '%s' is truncated (%zu bytes, expected at least %d)", path,
                            n, MIN_FILE_LEN);

    /* The version is checked before anything that depends on the layout,
     * which another format version is free to change. */
    uint32_t format = get_u32(buf + OFF_FORMAT);
    if (format != RL_CHECKPOINT_FORMAT)
        return rl_error_set(err, RL_EVERSION,
                            "checkpoint '%s' has format version %" PRIu32
                            "; this librl reads format version %u",
                            path, format, RL_CHECKPOINT_FORMAT);

    /* Compared against what is left rather than added to the header size,
     * so that a huge length cannot overflow. */
    uint64_t len64 = get_u64(buf + OFF_PAYLOAD_LEN);
    uint64_t room = (uint64_t)(n - MIN_FILE_LEN);
    if (len64 > room) {
        if (len64 > UINT64_MAX - MIN_FILE_LEN)
            return rl_error_set(err, RL_EFORMAT,
                                "checkpoint '%s' is truncated (%zu bytes, payload length %" PRIu64
                                " is impossible)",
                                path, n, len64);
        return rl_error_set(err, RL_EFORMAT,
                            "checkpoint '%s' is truncated (%zu bytes, expected %" PRIu64 ")", path, n,
                            len64 + MIN_FILE_LEN);
    }
    if (len64 < room)
        return rl_error_set(err, RL_EFORMAT,
                            "checkpoint '%s' has trailing bytes after its checksum (%zu bytes, "
                            "expected %" PRIu64 ")",
                            path, n, len64 + MIN_FILE_LEN);

    size_t body = n - CRC_LEN;
    uint32_t want = get_u32(buf + body);
    uint32_t got = rl_crc32(0, buf, body);
    if (want != got)
        return rl_error_set(err, RL_EFORMAT,
                            "checkpoint '%s' checksum mismatch: corrupted (stored %08" PRIx32
                            ", computed %08" PRIx32 ")",
                            path, want, got);

    /* The ABI the writer had is a record, not a condition: each algorithm
     * versions its own payload. */
    uint32_t abi = get_u32(buf + OFF_ABI);

    if (!memchr(buf + OFF_ALGO, '\0', ALGO_LEN))
        return rl_error_set(err, RL_EFORMAT,
                            "checkpoint '%s': algorithm name is not NUL-terminated", path);
    if (!memchr(buf + OFF_ENV, '\0', ENV_LEN))
        return rl_error_set(err, RL_EFORMAT,
                            "checkpoint '%s': environment name is not NUL-terminated", path);

    if (meta) {
        meta->format = format;
        meta->abi = abi;
        memcpy(meta->algo, buf + OFF_ALGO, ALGO_LEN);
        memcpy(meta->env, buf + OFF_ENV, ENV_LEN);
    }
    *plen = (size_t)len64;
    return RL_OK;
}

int rl_checkpoint_read(const char *path, rl_checkpoint_meta *meta, unsigned char **payload,
                       size_t *len, rl_error *err)
{
    if (meta) memset(meta, 0, sizeof *meta);
    if (payload) *payload = NULL;
    if (len) *len = 0;
    if (!path || !*path)
        return rl_error_set(err, RL_EINVAL, "checkpoint path is missing or empty");

    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        int e = errno;
        return rl_error_set(err, (e == ENOENT || e == ENOTDIR) ? RL_ENOTFOUND : RL_EIO,
                            "cannot open checkpoint '%s': %s", path, strerror(e));
    }
    unsigned char *buf = NULL;
    size_t n = 0;
    int rc = read_whole(fd, SIZE_MAX, &buf, &n);
    int e = errno;
    close(fd);
    if (rc == RL_ENOMEM)
        return rl_error_set(err, RL_ENOMEM, "cannot read checkpoint '%s': out of memory", path);
    if (rc != RL_OK)
        return rl_error_set(err, RL_EIO, "cannot read checkpoint '%s': %s", path, strerror(e));

    size_t plen = 0;
    rl_checkpoint_meta m;
    rc = verify(buf, n, path, &m, &plen, err);
    if (rc != RL_OK) {
        free(buf);
        return rc;
    }
    if (meta) *meta = m;
    if (len) *len = plen;
    if (!payload) {
        free(buf);
        return RL_OK;
    }
    /* Reuse the file's buffer for the payload rather than holding two copies
     * of a possibly large checkpoint at once. */
    memmove(buf, buf + HEADER_LEN, plen);
    unsigned char *shrunk = realloc(buf, plen ? plen : 1);
    *payload = shrunk ? shrunk : buf;
    return RL_OK;
}
