/* Tests for checkpoint.c (byte streams, CRC-32, checkpoint files) and for
 * the tabular policy in policy.c. */
/* mkdtemp, opendir, setrlimit and SIGXFSZ are POSIX, hidden by -std=c11. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rl/checkpoint.h>
#include <rl/policy.h>
#include <rl/rng.h>

#define RL_TEST_TMPDIR "/tmp/rl_test_ckpt_XXXXXX"
#include "testutil.h"

/* ---- helpers --------------------------------------------------------------- */

/* Offsets of the header fields, restated here from checkpoint.h rather than
 * taken from the implementation, so the layout itself is under test. */
enum {
    OFF_FORMAT = 8,
    OFF_ABI = 12,
    OFF_ALGO = 16,
    OFF_ENV = 48,
    OFF_PLEN = 112,
    HEADER = 120
};

/* The whole file, malloc'd (never NULL), its size in *n. */
static unsigned char *get_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t cap = 1024, len = 0;
    unsigned char *b = malloc(cap);
    ck_assert_ptr_nonnull(b);
    size_t k;
    while ((k = fread(b + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) {
            cap *= 2;
            b = realloc(b, cap);
            ck_assert_ptr_nonnull(b);
        }
    }
    fclose(f);
    *n = len;
    return b;
}

/* Number of entries in dir other than . and ..; and whether any of them
 * looks like a leftover temporary file. */
static int count_entries(const char *dir, int *temps)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    if (temps) *temps = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n++;
        if (temps && strstr(e->d_name, ".tmp.")) (*temps)++;
    }
    closedir(d);
    return n;
}

static void put_le32(unsigned char *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static void put_le64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_le64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* Recompute the trailing CRC after a deliberate edit, so that the test
 * reaches the check it is aimed at rather than the checksum. */
static void fix_crc(unsigned char *b, size_t n)
{
    put_le32(b + n - 4, rl_crc32(0, b, n - 4));
}

static uint64_t bits_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* A deterministic, non-trivial payload. */
static unsigned char *make_payload(size_t n, uint32_t seed)
{
    unsigned char *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)x;
    }
    return p;
}

/* Write a checkpoint with a payload of n bytes and return the file's bytes. */
static unsigned char *good_file(const char *path, size_t n, size_t *flen)
{
    unsigned char *p = make_payload(n, 7);
    rl_error err = {0};
    ck_assert_int_eq(rl_checkpoint_write(path, "qlearn", "CliffWalking", p, n, &err), RL_OK);
    free(p);
    return get_file(path, flen);
}

/* Read path, expecting failure with code; checks the outputs are cleared
 * and the message names the file. */
static void expect_read_fails(const char *path, int code)
{
    rl_checkpoint_meta meta;
    unsigned char *payload = (unsigned char *)"sentinel";
    size_t len = 12345;
    rl_error err = {0};
    int rc = rl_checkpoint_read(path, &meta, &payload, &len, &err);
    ck_assert_msg(rc == code, "reading %s: expected %d, got %d (%s)", path, code, rc, err.msg);
    ck_assert_int_eq(err.code, code);
    ck_assert_ptr_null(payload);
    ck_assert_uint_eq(len, 0);
    ck_assert_msg(strstr(err.msg, path) != NULL, "message does not name the file: %s", err.msg);
}

/* Read path only for the error message it gives. */
static void read_for_message(const char *path, rl_error *err)
{
    rl_checkpoint_meta meta;
    unsigned char *p = NULL;
    size_t len;
    ck_assert_int_ne(rl_checkpoint_read(path, &meta, &p, &len, err), RL_OK);
    free(p);
}

/* ---- writer and reader ------------------------------------------------------- */

START_TEST(test_stream_roundtrip)
{
    static const uint32_t u32s[] = {0, 1, 0x7fu, 0x80u, 0xdeadbeefu, UINT32_MAX};
    static const uint64_t u64s[] = {0, 1, UINT64_C(0x0123456789abcdef), UINT64_C(1) << 63,
                                    UINT64_MAX};
    const double f64s[] = {0.0,       -0.0,     1.0,       -1.5,          3.141592653589793,
                           DBL_MIN,   DBL_MAX,  -DBL_MAX,  DBL_MIN / 1e3, DBL_EPSILON,
                           INFINITY,  -INFINITY};
    /* NaNs compare unequal to themselves; their bit patterns must survive
     * exactly, payload and sign included. */
    static const uint64_t nan_bits[] = {UINT64_C(0x7ff8000000000000), UINT64_C(0x7ff8000000000123),
                                        UINT64_C(0xfff8000000000000),
                                        UINT64_C(0x7ff0000000000001)};
    const size_t nu32 = sizeof u32s / sizeof *u32s, nu64 = sizeof u64s / sizeof *u64s;
    const size_t nf64 = sizeof f64s / sizeof *f64s, nnan = sizeof nan_bits / sizeof *nan_bits;

    rl_writer w = {0};
    for (size_t i = 0; i < nu32; i++) rl_write_u32(&w, u32s[i]);
    for (size_t i = 0; i < nu64; i++) rl_write_u64(&w, u64s[i]);
    for (size_t i = 0; i < nf64; i++) rl_write_f64(&w, f64s[i]);
    for (size_t i = 0; i < nnan; i++) rl_write_f64(&w, from_bits(nan_bits[i]));
    rl_write_str(&w, "");
    rl_write_str(&w, "hello, world");
    rl_write_str(&w, "caf\xc3\xa9");
    rl_write_bytes(&w, "\x00\xff\x01", 3);
    rl_write_f64_array(&w, f64s, nf64);
    ck_assert_int_eq(w.failed, 0);
    ck_assert_uint_eq(w.len, 4 * nu32 + 8 * nu64 + 8 * nf64 + 8 * nnan + 4 + (4 + 12) + (4 + 5) + 3 +
                                 8 * nf64);

    rl_reader r = {w.data, w.len, 0, 0};
    for (size_t i = 0; i < nu32; i++) {
        uint32_t v = 1;
        ck_assert_int_eq(rl_read_u32(&r, &v), RL_OK);
        ck_assert_uint_eq(v, u32s[i]);
    }
    for (size_t i = 0; i < nu64; i++) {
        uint64_t v = 1;
        ck_assert_int_eq(rl_read_u64(&r, &v), RL_OK);
        ck_assert_uint_eq(v, u64s[i]);
    }
    for (size_t i = 0; i < nf64; i++) {
        double v = 42.0;
        ck_assert_int_eq(rl_read_f64(&r, &v), RL_OK);
        ck_assert_uint_eq(bits_of(v), bits_of(f64s[i]));
    }
    for (size_t i = 0; i < nnan; i++) {
        double v = 0.0;
        ck_assert_int_eq(rl_read_f64(&r, &v), RL_OK);
        ck_assert(isnan(v));
        ck_assert_uint_eq(bits_of(v), nan_bits[i]);
    }
    char s[32];
    ck_assert_int_eq(rl_read_str(&r, s, sizeof s), RL_OK);
    ck_assert_str_eq(s, "");
    ck_assert_int_eq(rl_read_str(&r, s, sizeof s), RL_OK);
    ck_assert_str_eq(s, "hello, world");
    ck_assert_int_eq(rl_read_str(&r, s, sizeof s), RL_OK);
    ck_assert_str_eq(s, "caf\xc3\xa9");
    unsigned char b[3];
    ck_assert_int_eq(rl_read_bytes(&r, b, 3), RL_OK);
    ck_assert_mem_eq(b, "\x00\xff\x01", 3);
    double arr[sizeof f64s / sizeof *f64s];
    ck_assert_int_eq(rl_read_f64_array(&r, arr, nf64), RL_OK);
    for (size_t i = 0; i < nf64; i++) ck_assert_uint_eq(bits_of(arr[i]), bits_of(f64s[i]));
    ck_assert_uint_eq(r.pos, r.len);
    ck_assert_int_eq(r.failed, 0);

    rl_writer_free(&w);
    ck_assert_ptr_null(w.data);
    ck_assert_uint_eq(w.len, 0);
    rl_writer_free(&w);
    rl_writer_free(NULL);
}
END_TEST

/* The encoding is little-endian whatever the host: check actual bytes. */
START_TEST(test_stream_little_endian)
{
    rl_writer w = {0};
    rl_write_u32(&w, 0x01020304u);
    rl_write_u64(&w, UINT64_C(0x0102030405060708));
    rl_write_f64(&w, 1.0);
    rl_write_f64(&w, -0.0);
    rl_write_str(&w, "ab");
    static const unsigned char want[] = {
        0x04, 0x03, 0x02, 0x01,                         /* u32 */
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* u64 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, /* 1.0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, /* -0.0 */
        0x02, 0x00, 0x00, 0x00, 'a',  'b'               /* "ab" */
    };
    ck_assert_int_eq(w.failed, 0);
    ck_assert_uint_eq(w.len, sizeof want);
    ck_assert_mem_eq(w.data, want, sizeof want);
    rl_writer_free(&w);
}
END_TEST

START_TEST(test_stream_big_array)
{
    const size_t n = 1000 * 1000 + 3;
    double *v = malloc(n * sizeof *v), *back = malloc(n * sizeof *back);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(back);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 42, 54);
    for (size_t i = 0; i < n; i++) v[i] = (rl_pcg32_double(&rng) - 0.5) * 1e6;
    v[17] = -0.0;
    v[n - 1] = INFINITY;

    rl_writer w = {0};
    rl_write_u64(&w, n);
    rl_write_f64_array(&w, v, n);
    /* Many small writes after a big one exercise the buffer's growth too. */
    for (size_t i = 0; i < 10000; i++) rl_write_f64(&w, v[i]);
    ck_assert_int_eq(w.failed, 0);
    ck_assert_uint_eq(w.len, 8 + 8 * n + 8 * 10000);

    rl_reader r = {w.data, w.len, 0, 0};
    uint64_t m = 0;
    ck_assert_int_eq(rl_read_u64(&r, &m), RL_OK);
    ck_assert_uint_eq(m, n);
    ck_assert_int_eq(rl_read_f64_array(&r, back, n), RL_OK);
    ck_assert_int_eq(memcmp(v, back, n * sizeof *v), 0);
    for (size_t i = 0; i < 10000; i++) {
        double d;
        ck_assert_int_eq(rl_read_f64(&r, &d), RL_OK);
        ck_assert_uint_eq(bits_of(d), bits_of(v[i]));
    }
    ck_assert_uint_eq(r.pos, r.len);
    rl_writer_free(&w);
    free(v);
    free(back);
}
END_TEST

START_TEST(test_stream_read_past_end)
{
    static const unsigned char data[] = {1, 2, 3};
    rl_reader r = {data, sizeof data, 0, 0};
    uint32_t u = 99;
    ck_assert_int_eq(rl_read_u32(&r, &u), RL_EFORMAT);
    ck_assert_uint_eq(u, 0);
    ck_assert_int_ne(r.failed, 0);
    ck_assert_uint_eq(r.pos, 0);

    /* Every kind of read past the end zeroes its output. */
    rl_reader e = {data, 0, 0, 0};
    uint64_t u64 = 99;
    ck_assert_int_eq(rl_read_u64(&e, &u64), RL_EFORMAT);
    ck_assert_uint_eq(u64, 0);
    rl_reader e2 = {data, sizeof data, 0, 0};
    double d = 99.0;
    ck_assert_int_eq(rl_read_f64(&e2, &d), RL_EFORMAT);
    ck_assert_uint_eq(bits_of(d), 0);
    rl_reader e3 = {data, sizeof data, 0, 0};
    unsigned char b[5] = {9, 9, 9, 9, 9};
    ck_assert_int_eq(rl_read_bytes(&e3, b, sizeof b), RL_EFORMAT);
    for (int i = 0; i < 5; i++) ck_assert_uint_eq(b[i], 0);

    /* An array that does not fit is zeroed entirely, even its first part
     * whose bytes were there. */
    rl_writer w = {0};
    rl_write_f64(&w, 1.0);
    rl_write_f64(&w, 2.0);
    rl_reader ra = {w.data, w.len, 0, 0};
    double arr[3] = {7, 7, 7};
    ck_assert_int_eq(rl_read_f64_array(&ra, arr, 3), RL_EFORMAT);
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(bits_of(arr[i]), 0);
    ck_assert_int_ne(ra.failed, 0);

    /* Failure is sticky: a read that would fit still fails afterwards. */
    double one = 5.0;
    ck_assert_int_eq(rl_read_f64(&ra, &one), RL_EFORMAT);
    ck_assert_uint_eq(bits_of(one), 0);
    rl_writer_free(&w);
}
END_TEST

START_TEST(test_stream_strings)
{
    rl_writer w = {0};
    rl_write_str(&w, "abc");
    char s[8];

    /* Exactly fits (with the NUL), then one byte too small. */
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_read_str(&r, s, 4), RL_OK);
    ck_assert_str_eq(s, "abc");
    rl_reader r2 = {w.data, w.len, 0, 0};
    strcpy(s, "xyz");
    ck_assert_int_eq(rl_read_str(&r2, s, 3), RL_EFORMAT);
    ck_assert_str_eq(s, "");
    ck_assert_int_ne(r2.failed, 0);

    /* The length prefix promises more bytes than there are. */
    rl_reader r3 = {w.data, w.len - 1, 0, 0};
    ck_assert_int_eq(rl_read_str(&r3, s, sizeof s), RL_EFORMAT);
    ck_assert_str_eq(s, "");

    /* A length prefix alone, cut short. */
    rl_reader r4 = {w.data, 2, 0, 0};
    ck_assert_int_eq(rl_read_str(&r4, s, sizeof s), RL_EFORMAT);
    ck_assert_str_eq(s, "");

    /* An absurd length is refused before anything is copied. */
    rl_writer big = {0};
    rl_write_u32(&big, UINT32_MAX);
    rl_write_bytes(&big, "abc", 3);
    rl_reader r5 = {big.data, big.len, 0, 0};
    ck_assert_int_eq(rl_read_str(&r5, s, sizeof s), RL_EFORMAT);
    ck_assert_str_eq(s, "");

    /* NULL writes as the empty string. */
    rl_writer wn = {0};
    rl_write_str(&wn, NULL);
    rl_reader r6 = {wn.data, wn.len, 0, 0};
    ck_assert_int_eq(rl_read_str(&r6, s, sizeof s), RL_OK);
    ck_assert_str_eq(s, "");

    rl_writer_free(&w);
    rl_writer_free(&big);
    rl_writer_free(&wn);
}
END_TEST

/* ---- SHA-256 -------------------------------------------------------------------- */

START_TEST(test_sha256_known_answers)
{
    /* FIPS 180-4's examples ("abc", the two-block message), the empty
     * string, and a million 'a' (the long-message test), also as a file. */
    char hex[65];
    rl_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    rl_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    rl_sha256_hex(two, strlen(two), hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    ck_assert_ptr_nonnull(million);
    memset(million, 'a', 1000000);
    const char *path = in_tmp("million");
    put_file(path, million, 1000000);
    rl_error err = {0};
    ck_assert_int_eq(rl_sha256_file(path, hex, &err), RL_OK);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
    ck_assert_int_eq(rl_sha256_file(in_tmp("no-such-file"), hex, &err), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "no-such-file"));
}
END_TEST

/* ---- whole files ------------------------------------------------------------------ */

START_TEST(test_read_write_whole_files)
{
    rl_error err = {0};
    const char *path = in_tmp("whole.txt");
    static const char text[] = "line one\nline two\n";
    ck_assert_int_eq(rl_write_file_atomic(path, text, sizeof text - 1, &err), RL_OK);
    char *back = NULL;
    size_t len = 0;
    ck_assert_int_eq(rl_read_file(path, 0, &back, &len, &err), RL_OK);
    ck_assert_uint_eq(len, sizeof text - 1);
    ck_assert_str_eq(back, text); /* NUL-terminated */
    free(back);
    /* Overwritten whole; the limit is checked. */
    ck_assert_int_eq(rl_write_file_atomic(path, "x", 1, &err), RL_OK);
    ck_assert_int_eq(rl_read_file(path, 1, &back, &len, &err), RL_OK);
    ck_assert_str_eq(back, "x");
    free(back);
    ck_assert_int_eq(rl_write_file_atomic(path, text, sizeof text - 1, &err), RL_OK);
    ck_assert_int_eq(rl_read_file(path, 4, &back, &len, &err), RL_EFORMAT);
    ck_assert_msg(strstr(err.msg, "whole.txt: larger than 4 bytes") != NULL, "%s", err.msg);
    ck_assert_int_eq(rl_read_file(in_tmp("absent"), 0, &back, &len, &err), RL_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "absent: cannot open: ") != NULL, "%s", err.msg);
    /* A directory in the way: refused, and no temporary file is left. */
    const char *dir = in_tmp("adir");
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    ck_assert_int_eq(rl_write_file_atomic(dir, "y", 1, &err), RL_EIO);
    ck_assert_msg(strstr(err.msg, "file '") != NULL, "%s", err.msg);
    ck_assert_int_eq(rl_read_file(dir, 0, &back, &len, &err), RL_EIO);
    rmdir(dir);
    /* A device or a pipe is written to, never replaced by a file. */
    struct stat st;
    ck_assert_int_eq(rl_write_file_atomic("/dev/null", text, sizeof text - 1, &err), RL_OK);
    ck_assert_int_eq(stat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    const char *fifo = in_tmp("fifo");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(rfd, 0);
    ck_assert_int_eq(rl_write_file_atomic(fifo, "via fifo", 8, &err), RL_OK);
    char got[16] = {0};
    ck_assert_int_eq(read(rfd, got, sizeof got - 1), 8);
    ck_assert_str_eq(got, "via fifo");
    close(rfd);
    ck_assert_int_eq(stat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    unlink(fifo);
}
END_TEST

/* ---- CRC-32 --------------------------------------------------------------------- */

START_TEST(test_crc32_known_answers)
{
    /* The check value of CRC-32/ISO-HDLC, and two answers of zlib's crc32(). */
    ck_assert_uint_eq(rl_crc32(0, "123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(rl_crc32(0, "", 0), 0);
    ck_assert_uint_eq(rl_crc32(0, "a", 1), 0xE8B7BE43u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    ck_assert_uint_eq(rl_crc32(0, fox, strlen(fox)), 0x414FA339u);

    /* Continuing from a previous CRC equals one pass over the whole. */
    uint32_t c = rl_crc32(0, fox, 10);
    c = rl_crc32(c, fox + 10, strlen(fox) - 10);
    ck_assert_uint_eq(c, 0x414FA339u);
    ck_assert_uint_eq(rl_crc32(0x414FA339u, "", 0), 0x414FA339u);
}
END_TEST

/* ---- checkpoint files -------------------------------------------------------------- */

START_TEST(test_checkpoint_roundtrip)
{
    const char *path = in_tmp("run.ckpt");
    const size_t n = 100003;
    unsigned char *p = make_payload(n, 1);
    rl_error err = {0};
    ck_assert_int_eq(rl_checkpoint_write(path, "qlearn", "FrozenLake", p, n, &err), RL_OK);

    rl_checkpoint_meta meta;
    unsigned char *back = NULL;
    size_t len = 0;
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &back, &len, &err), RL_OK);
    ck_assert_uint_eq(meta.format, RL_CHECKPOINT_FORMAT);
    ck_assert_uint_eq(meta.abi, RL_ABI_VERSION);
    ck_assert_str_eq(meta.algo, "qlearn");
    ck_assert_str_eq(meta.env, "FrozenLake");
    ck_assert_uint_eq(len, n);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(memcmp(back, p, n), 0);
    free(back);

    /* Only the checkpoint is left in the directory. */
    int temps;
    ck_assert_int_eq(count_entries(tmpdir, &temps), 1);
    ck_assert_int_eq(temps, 0);
    free(p);
}
END_TEST

START_TEST(test_checkpoint_empty_payload_and_names)
{
    const char *path = in_tmp("empty.ckpt");
    rl_error err = {0};
    char algo[32], env[64];
    memset(algo, 'a', 31);
    algo[31] = '\0';
    memset(env, 'e', 63);
    env[63] = '\0';
    ck_assert_int_eq(rl_checkpoint_write(path, algo, env, NULL, 0, &err), RL_OK);

    rl_checkpoint_meta meta;
    unsigned char *back = NULL;
    size_t len = 99;
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &back, &len, &err), RL_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(meta.algo, algo);
    ck_assert_str_eq(meta.env, env);
    free(back);

    size_t flen;
    unsigned char *raw = get_file(path, &flen);
    ck_assert_uint_eq(flen, HEADER + 4);
    free(raw);
}
END_TEST

/* The bytes on disk are exactly what checkpoint.h describes. */
START_TEST(test_checkpoint_layout)
{
    const char *path = in_tmp("layout.ckpt");
    rl_error err = {0};
    ck_assert_int_eq(rl_checkpoint_write(path, "ppo", "CartPole", "PAYLOAD", 7, &err), RL_OK);
    size_t n;
    unsigned char *b = get_file(path, &n);
    ck_assert_uint_eq(n, HEADER + 7 + 4);
    ck_assert_mem_eq(b, "RLCKPT\r\n", 8);
    ck_assert_uint_eq(get_le32(b + OFF_FORMAT), RL_CHECKPOINT_FORMAT);
    ck_assert_uint_eq(get_le32(b + OFF_ABI), RL_ABI_VERSION);
    ck_assert_str_eq((const char *)b + OFF_ALGO, "ppo");
    for (int i = 3; i < 32; i++) ck_assert_uint_eq(b[OFF_ALGO + i], 0);
    ck_assert_str_eq((const char *)b + OFF_ENV, "CartPole");
    for (int i = 8; i < 64; i++) ck_assert_uint_eq(b[OFF_ENV + i], 0);
    ck_assert_uint_eq(get_le64(b + OFF_PLEN), 7);
    ck_assert_mem_eq(b + HEADER, "PAYLOAD", 7);
    ck_assert_uint_eq(get_le32(b + n - 4), rl_crc32(0, b, n - 4));
    free(b);
}
END_TEST

START_TEST(test_checkpoint_mode)
{
    /* A new checkpoint gets 0666 less the umask, like any file the program
     * writes; an overwritten one keeps its mode. */
    const char *path = in_tmp("mode.ckpt");
    rl_error err = {0};
    unsigned char *a = make_payload(10, 1);
    mode_t old = umask(022);
    ck_assert_int_eq(rl_checkpoint_write(path, "qlearn", "A", a, 10, &err), RL_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(rl_checkpoint_write(path, "qlearn", "A", a, 10, &err), RL_OK);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0640);
    umask(old);
    free(a);
}
END_TEST

START_TEST(test_checkpoint_overwrite)
{
    const char *path = in_tmp("over.ckpt");
    rl_error err = {0};
    unsigned char *a = make_payload(5000, 2), *b = make_payload(300, 3);
    ck_assert_int_eq(rl_checkpoint_write(path, "qlearn", "A", a, 5000, &err), RL_OK);
    ck_assert_int_eq(rl_checkpoint_write(path, "sarsa", "B", b, 300, &err), RL_OK);

    rl_checkpoint_meta meta;
    unsigned char *back = NULL;
    size_t len = 0;
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &back, &len, &err), RL_OK);
    ck_assert_str_eq(meta.algo, "sarsa");
    ck_assert_str_eq(meta.env, "B");
    ck_assert_uint_eq(len, 300);
    ck_assert_int_eq(memcmp(back, b, 300), 0);
    free(back);

    /* Nothing of the old, longer file survives. */
    size_t flen;
    unsigned char *raw = get_file(path, &flen);
    ck_assert_uint_eq(flen, HEADER + 300 + 4);
    free(raw);
    int temps;
    ck_assert_int_eq(count_entries(tmpdir, &temps), 1);
    ck_assert_int_eq(temps, 0);
    free(a);
    free(b);
}
END_TEST

/* ---- error paths ---------------------------------------------------------------------- */

START_TEST(test_error_missing_file)
{
    const char *path = in_tmp("does-not-exist.ckpt");
    expect_read_fails(path, RL_ENOTFOUND);
    rl_error err = {0};
    unsigned char *p = NULL;
    size_t len;
    rl_checkpoint_meta meta;
    rl_checkpoint_read(path, &meta, &p, &len, &err);
    ck_assert_msg(strstr(err.msg, "cannot open checkpoint") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, strerror(ENOENT)) != NULL, "%s", err.msg);

    /* A missing directory on the way is just as missing. */
    expect_read_fails(in_tmp("nodir/x.ckpt"), RL_ENOTFOUND);
}
END_TEST

START_TEST(test_error_empty_file)
{
    const char *path = in_tmp("empty");
    put_file(path, "", 0);
    expect_read_fails(path, RL_EFORMAT);
    rl_error err = {0};
    read_for_message(path, &err);
    ck_assert_msg(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_error_directory)
{
    const char *path = in_tmp("adir");
    ck_assert_int_eq(mkdir(path, 0700), 0);
    expect_read_fails(path, RL_EIO);
}
END_TEST

START_TEST(test_error_truncated_everywhere)
{
    const char *path = in_tmp("full.ckpt");
    const char *cut = in_tmp("cut.ckpt");
    size_t n;
    unsigned char *b = good_file(path, 200, &n);
    for (size_t k = 0; k < n; k++) {
        put_file(cut, b, k);
        expect_read_fails(cut, RL_EFORMAT);
    }
    /* One message, checked once: it gives both sizes. */
    put_file(cut, b, n - 1);
    rl_error err = {0};
    read_for_message(cut, &err);
    char want[64];
    snprintf(want, sizeof want, "(%zu bytes, expected %zu)", n - 1, n);
    ck_assert_msg(strstr(err.msg, "truncated") && strstr(err.msg, want), "%s", err.msg);
    free(b);
}
END_TEST

START_TEST(test_error_bit_flips_everywhere)
{
    const char *path = in_tmp("full.ckpt");
    const char *bad = in_tmp("flipped.ckpt");
    size_t n;
    unsigned char *b = good_file(path, 150, &n);
    int versions = 0;
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (unsigned char)(1u << bit);
            put_file(bad, b, n);
            rl_checkpoint_meta meta;
            unsigned char *p = NULL;
            size_t len = 0;
            rl_error err = {0};
            int rc = rl_checkpoint_read(bad, &meta, &p, &len, &err);
            ck_assert_msg(rc == RL_EFORMAT || rc == RL_EVERSION,
                          "flipping bit %d of byte %zu gave %d (%s)", bit, i, rc, err.msg);
            ck_assert_ptr_null(p);
            if (rc == RL_EVERSION) versions++;
            b[i] ^= (unsigned char)(1u << bit);
        }
    }
    /* Only the format version field may read as another version. */
    ck_assert_int_le(versions, 32);
    free(b);
}
END_TEST

START_TEST(test_error_foreign_file)
{
    const char *path = in_tmp("notes.txt");
    const char *text = "These are not the bytes you are looking for.\n"
                       "A plain text file, long enough to fill a whole checkpoint header, "
                       "so that size alone cannot give it away. More words, more words, "
                       "and a few more words for good measure.\n";
    put_file(path, text, strlen(text));
    expect_read_fails(path, RL_EFORMAT);
    rl_error err = {0};
    read_for_message(path, &err);
    ck_assert_msg(strstr(err.msg, "is not a librl checkpoint") != NULL, "%s", err.msg);

    /* Too short for a header, but already wrong in its first bytes. */
    const char *tiny = in_tmp("tiny.txt");
    put_file(tiny, "hi\n", 3);
    expect_read_fails(tiny, RL_EFORMAT);
    read_for_message(tiny, &err);
    ck_assert_msg(strstr(err.msg, "is not a librl checkpoint") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_error_trailing_garbage)
{
    const char *path = in_tmp("full.ckpt");
    size_t n;
    unsigned char *b = good_file(path, 64, &n);
    unsigned char *longer = malloc(n + 16);
    ck_assert_ptr_nonnull(longer);
    memcpy(longer, b, n);
    memset(longer + n, 0, 16);
    put_file(path, longer, n + 1);
    expect_read_fails(path, RL_EFORMAT);
    memcpy(longer + n, "garbage garbage!", 16);
    put_file(path, longer, n + 16);
    expect_read_fails(path, RL_EFORMAT);
    free(longer);
    free(b);
}
END_TEST

START_TEST(test_error_other_versions)
{
    const char *path = in_tmp("full.ckpt");
    size_t n;
    unsigned char *b = good_file(path, 40, &n);
    rl_error err = {0};

    /* A well-formed file of format 99: the checksum is right, the version is
     * not. */
    put_le32(b + OFF_FORMAT, 99);
    fix_crc(b, n);
    put_file(path, b, n);
    expect_read_fails(path, RL_EVERSION);
    read_for_message(path, &err);
    ck_assert_msg(strstr(err.msg, "99") != NULL, "%s", err.msg);
    char mine[32];
    snprintf(mine, sizeof mine, "%u", RL_CHECKPOINT_FORMAT);
    ck_assert_msg(strstr(err.msg, mine) != NULL, "%s", err.msg);

    /* The right format written by a librl of another plugin ABI: the ABI
     * is a record, read back, not a reason to refuse (the algorithms
     * version their own states). */
    put_le32(b + OFF_FORMAT, RL_CHECKPOINT_FORMAT);
    put_le32(b + OFF_ABI, RL_ABI_VERSION + 98);
    fix_crc(b, n);
    put_file(path, b, n);
    rl_checkpoint_meta meta;
    unsigned char *payload = NULL;
    size_t len = 0;
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &payload, &len, &err), RL_OK);
    ck_assert_uint_eq(meta.abi, RL_ABI_VERSION + 98);
    free(payload);
    free(b);
}
END_TEST

START_TEST(test_error_bad_checksum)
{
    const char *path = in_tmp("full.ckpt");
    size_t n;
    unsigned char *b = good_file(path, 40, &n);
    b[HEADER + 5] ^= 0x10;
    put_file(path, b, n);
    expect_read_fails(path, RL_EFORMAT);
    rl_error err = {0};
    read_for_message(path, &err);
    ck_assert_msg(strstr(err.msg, "checksum mismatch: corrupted") != NULL, "%s", err.msg);
    free(b);
}
END_TEST

START_TEST(test_error_names_not_terminated)
{
    const char *path = in_tmp("full.ckpt");
    size_t n;
    unsigned char *orig = good_file(path, 10, &n);
    unsigned char *b = malloc(n);
    ck_assert_ptr_nonnull(b);

    memcpy(b, orig, n);
    memset(b + OFF_ALGO, 'x', 32);
    fix_crc(b, n);
    put_file(path, b, n);
    expect_read_fails(path, RL_EFORMAT);

    memcpy(b, orig, n);
    memset(b + OFF_ENV, 'y', 64);
    fix_crc(b, n);
    put_file(path, b, n);
    expect_read_fails(path, RL_EFORMAT);
    free(b);
    free(orig);
}
END_TEST

/* Lengths that would overflow or ask for absurd memory, all with a valid
 * checksum so that only the length check stands in the way. */
START_TEST(test_error_payload_length)
{
    const char *path = in_tmp("full.ckpt");
    size_t n;
    unsigned char *b = good_file(path, 32, &n);
    static const uint64_t lens[] = {UINT64_MAX, UINT64_MAX - 123, UINT64_MAX - 124,
                                    UINT64_C(1) << 62, SIZE_MAX, 33, 31, 0};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        put_le64(b + OFF_PLEN, lens[i]);
        fix_crc(b, n);
        put_file(path, b, n);
        expect_read_fails(path, RL_EFORMAT);
    }
    free(b);
}
END_TEST

START_TEST(test_error_write_bad_names)
{
    const char *path = in_tmp("names.ckpt");
    rl_error err = {0};
    ck_assert_int_eq(rl_checkpoint_write(path, "keep", "me", "x", 1, &err), RL_OK);
    char algo[33], env[65];
    memset(algo, 'a', 32);
    algo[32] = '\0';
    memset(env, 'e', 64);
    env[64] = '\0';
    ck_assert_int_eq(rl_checkpoint_write(path, algo, "env", "y", 1, &err), RL_EINVAL);
    ck_assert_int_eq(err.code, RL_EINVAL);
    ck_assert_int_eq(rl_checkpoint_write(path, "algo", env, "y", 1, &err), RL_EINVAL);
    ck_assert_int_eq(rl_checkpoint_write(path, "algo", "env", NULL, 5, &err), RL_EINVAL);

    rl_checkpoint_meta meta;
    unsigned char *p = NULL;
    size_t len;
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &p, &len, &err), RL_OK);
    ck_assert_str_eq(meta.algo, "keep");
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_eq(p[0], 'x');
    free(p);
    ck_assert_int_eq(count_entries(tmpdir, NULL), 1);
}
END_TEST

START_TEST(test_error_write_missing_dir)
{
    const char *path = in_tmp("no/such/dir/run.ckpt");
    rl_error err = {0};
    ck_assert_int_eq(rl_checkpoint_write(path, "qlearn", "env", "abc", 3, &err), RL_EIO);
    ck_assert_int_eq(err.code, RL_EIO);
    ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, strerror(ENOENT)) != NULL, "%s", err.msg);
    ck_assert_int_eq(count_entries(tmpdir, NULL), 0);
}
END_TEST

/* The target is a directory: the temporary file is written, the rename
 * fails, and the temporary file must not be left behind. */
START_TEST(test_error_write_over_directory)
{
    const char *keep = in_tmp("keep.ckpt");
    const char *dir = in_tmp("target");
    size_t n;
    unsigned char *before = good_file(keep, 77, &n);
    ck_assert_int_eq(mkdir(dir, 0700), 0);

    rl_error err = {0};
    ck_assert_int_eq(rl_checkpoint_write(dir, "qlearn", "env", "abc", 3, &err), RL_EIO);
    ck_assert_msg(strstr(err.msg, dir) != NULL, "%s", err.msg);

    struct stat st;
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    int temps;
    ck_assert_int_eq(count_entries(tmpdir, &temps), 2);
    ck_assert_int_eq(temps, 0);
    size_t m;
    unsigned char *after = get_file(keep, &m);
    ck_assert_uint_eq(m, n);
    ck_assert_int_eq(memcmp(before, after, n), 0);
    free(before);
    free(after);
}
END_TEST

/* A write that fails halfway (the file size limit stands in for a full
 * disk) leaves the old checkpoint exactly as it was and no temporary file. */
START_TEST(test_error_write_fails_midway)
{
    const char *path = in_tmp("run.ckpt");
    size_t n;
    unsigned char *before = good_file(path, 100, &n);

    const size_t big = 256 * 1024;
    unsigned char *payload = make_payload(big, 9);
    struct rlimit old, lim;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 16 * 1024;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    rl_error err = {0};
    int rc = rl_checkpoint_write(path, "qlearn", "env", payload, big, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);

    ck_assert_int_eq(rc, RL_EIO);
    ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
    size_t m;
    unsigned char *after = get_file(path, &m);
    ck_assert_uint_eq(m, n);
    ck_assert_int_eq(memcmp(before, after, n), 0);
    int temps;
    ck_assert_int_eq(count_entries(tmpdir, &temps), 1);
    ck_assert_int_eq(temps, 0);
    free(before);
    free(after);
    free(payload);
}
END_TEST

/* ---- policy: rl_qtable ------------------------------------------------------------------ */

START_TEST(test_qtable_init)
{
    rl_qtable t;
    ck_assert_int_eq(rl_qtable_init(&t, 3, 4, 0.5), RL_OK);
    ck_assert_uint_eq(t.nstates, 3);
    ck_assert_uint_eq(t.nactions, 4);
    for (size_t i = 0; i < 12; i++) ck_assert(t.q[i] == 0.5);
    ck_assert_ptr_eq(rl_qtable_row(&t, 2), t.q + 8);
    rl_qtable_free(&t);
    ck_assert_ptr_null(t.q);
    rl_qtable_free(&t);
    rl_qtable_free(NULL);

    ck_assert_int_eq(rl_qtable_init(&t, 0, 4, 0.0), RL_EINVAL);
    ck_assert_ptr_null(t.q);
    ck_assert_int_eq(rl_qtable_init(&t, 3, 0, 0.0), RL_EINVAL);
    ck_assert_int_eq(rl_qtable_init(&t, 3, 4, NAN), RL_EINVAL);
    ck_assert_int_eq(rl_qtable_init(&t, SIZE_MAX / 2, 4, 0.0), RL_ERANGE);
    ck_assert_ptr_null(t.q);
    rl_qtable_free(&t);
}
END_TEST

START_TEST(test_qtable_greedy)
{
    rl_qtable t;
    ck_assert_int_eq(rl_qtable_init(&t, 2, 4, 0.0), RL_OK);
    /* Untrained: every action ties, the lowest wins. */
    ck_assert_uint_eq(rl_qtable_greedy(&t, 0), 0);
    double *row = rl_qtable_row(&t, 1);
    row[0] = 1.0;
    row[1] = 3.0;
    row[2] = 3.0;
    row[3] = 2.0;
    ck_assert_uint_eq(rl_qtable_greedy(&t, 1), 1);
    ck_assert(rl_qtable_max(&t, 1) == 3.0);
    row[3] = 3.5;
    ck_assert_uint_eq(rl_qtable_greedy(&t, 1), 3);
    row[0] = -1.0;
    row[1] = -2.0;
    row[2] = -1.0;
    row[3] = -5.0;
    ck_assert_uint_eq(rl_qtable_greedy(&t, 1), 0);
    ck_assert(rl_qtable_max(&t, 1) == -1.0);
    /* The other row is untouched. */
    ck_assert(rl_qtable_max(&t, 0) == 0.0);
    rl_qtable_free(&t);
}
END_TEST

START_TEST(test_qtable_epsilon_zero_ties)
{
    rl_qtable t;
    ck_assert_int_eq(rl_qtable_init(&t, 1, 5, 0.0), RL_OK);
    const double vals[5] = {0.0, 5.0, 5.0, 1.0, 5.0};
    memcpy(t.q, vals, sizeof vals);
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 12345, 678);
    const int n = 30000;
    int counts[5] = {0};
    for (int i = 0; i < n; i++) {
        size_t a = rl_qtable_epsilon_greedy(&t, 0, 0.0, &rng);
        ck_assert_uint_lt(a, 5);
        counts[a]++;
    }
    ck_assert_int_eq(counts[0], 0);
    ck_assert_int_eq(counts[3], 0);
    /* n/3 each; the binomial standard deviation is about 82, so 600 is over
     * seven of them. */
    ck_assert_int_lt(abs(counts[1] - n / 3), 600);
    ck_assert_int_lt(abs(counts[2] - n / 3), 600);
    ck_assert_int_lt(abs(counts[4] - n / 3), 600);

    /* A unique maximum is always taken. */
    t.q[2] = 6.0;
    for (int i = 0; i < 1000; i++) ck_assert_uint_eq(rl_qtable_epsilon_greedy(&t, 0, 0.0, &rng), 2);
    rl_qtable_free(&t);
}
END_TEST

START_TEST(test_qtable_epsilon_one_uniform)
{
    rl_qtable t;
    ck_assert_int_eq(rl_qtable_init(&t, 2, 5, 0.0), RL_OK);
    t.q[5 + 3] = 100.0;
    rl_pcg32 rng;
    rl_pcg32_seed(&rng, 99, 1);
    const int n = 50000;
    int counts[5] = {0};
    for (int i = 0; i < n; i++) counts[rl_qtable_epsilon_greedy(&t, 1, 1.0, &rng)]++;
    /* n/5 each; the standard deviation is about 89. */
    for (int a = 0; a < 5; a++) ck_assert_int_lt(abs(counts[a] - n / 5), 600);

    /* epsilon 0.2 with a unique best action: 0.8 + 0.2/5 of the picks. */
    int best = 0;
    for (int i = 0; i < n; i++) best += rl_qtable_epsilon_greedy(&t, 1, 0.2, &rng) == 3;
    ck_assert_int_lt(abs(best - (int)(0.84 * n)), 600);
    rl_qtable_free(&t);
}
END_TEST

START_TEST(test_qtable_epsilon_deterministic)
{
    rl_qtable t;
    ck_assert_int_eq(rl_qtable_init(&t, 1, 7, 1.0), RL_OK);
    rl_pcg32 a, b;
    rl_pcg32_seed(&a, 2024, 3);
    rl_pcg32_seed(&b, 2024, 3);
    for (int i = 0; i < 2000; i++) {
        double eps = (i % 3) * 0.3;
        ck_assert_uint_eq(rl_qtable_epsilon_greedy(&t, 0, eps, &a),
                          rl_qtable_epsilon_greedy(&t, 0, eps, &b));
    }
    ck_assert_uint_eq(a.state, b.state);
    rl_qtable_free(&t);
}
END_TEST

START_TEST(test_qtable_save_load)
{
    rl_qtable t, u;
    ck_assert_int_eq(rl_qtable_init(&t, 4, 3, 0.0), RL_OK);
    for (size_t i = 0; i < 12; i++) t.q[i] = (double)i * 1.25 - 7.0;
    t.q[5] = -0.0;
    rl_writer w = {0};
    rl_qtable_save(&t, &w);
    ck_assert_int_eq(w.failed, 0);
    ck_assert_uint_eq(w.len, 16 + 12 * 8);

    /* Layout: u64 nstates, u64 nactions, then the values. */
    rl_reader hdr = {w.data, w.len, 0, 0};
    uint64_t ns, na;
    rl_read_u64(&hdr, &ns);
    rl_read_u64(&hdr, &na);
    ck_assert_uint_eq(ns, 4);
    ck_assert_uint_eq(na, 3);

    ck_assert_int_eq(rl_qtable_init(&u, 4, 3, 9.0), RL_OK);
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_qtable_load(&u, &r), RL_OK);
    ck_assert_uint_eq(r.pos, r.len);
    for (size_t i = 0; i < 12; i++) ck_assert_uint_eq(bits_of(u.q[i]), bits_of(t.q[i]));

    /* Through a checkpoint file as well. */
    const char *path = in_tmp("q.ckpt");
    rl_error err = {0};
    ck_assert_int_eq(rl_checkpoint_write(path, "qlearn", "Grid", w.data, w.len, &err), RL_OK);
    unsigned char *p = NULL;
    size_t len;
    rl_checkpoint_meta meta;
    ck_assert_int_eq(rl_checkpoint_read(path, &meta, &p, &len, &err), RL_OK);
    rl_qtable v;
    ck_assert_int_eq(rl_qtable_init(&v, 4, 3, 0.0), RL_OK);
    rl_reader rf = {p, len, 0, 0};
    ck_assert_int_eq(rl_qtable_load(&v, &rf), RL_OK);
    ck_assert_int_eq(memcmp(v.q, t.q, 12 * sizeof(double)), 0);
    free(p);

    rl_writer_free(&w);
    rl_qtable_free(&t);
    rl_qtable_free(&u);
    rl_qtable_free(&v);
}
END_TEST

START_TEST(test_qtable_load_errors)
{
    rl_qtable t, u;
    ck_assert_int_eq(rl_qtable_init(&t, 4, 3, 1.0), RL_OK);
    ck_assert_int_eq(rl_qtable_init(&u, 3, 4, 2.0), RL_OK);
    rl_writer w = {0};
    rl_qtable_save(&t, &w);

    /* Same number of values, other shape. */
    rl_reader r = {w.data, w.len, 0, 0};
    ck_assert_int_eq(rl_qtable_load(&u, &r), RL_EFORMAT);
    for (size_t i = 0; i < 12; i++) ck_assert(u.q[i] == 2.0);

    /* A NaN or an infinity among the values; the table is left as it was. */
    rl_qtable v;
    ck_assert_int_eq(rl_qtable_init(&v, 4, 3, 3.0), RL_OK);
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t k = 0; k < 3; k++) {
        t.q[7] = bad[k];
        rl_writer wb = {0};
        rl_qtable_save(&t, &wb);
        rl_reader rb = {wb.data, wb.len, 0, 0};
        ck_assert_int_eq(rl_qtable_load(&v, &rb), RL_EFORMAT);
        for (size_t i = 0; i < 12; i++) ck_assert(v.q[i] == 3.0);
        rl_writer_free(&wb);
    }

    /* Truncated at every length. */
    for (size_t k = 0; k < w.len; k++) {
        rl_reader rt = {w.data, k, 0, 0};
        ck_assert_int_eq(rl_qtable_load(&v, &rt), RL_EFORMAT);
        for (size_t i = 0; i < 12; i++) ck_assert(v.q[i] == 3.0);
    }

    rl_writer_free(&w);
    rl_qtable_free(&t);
    rl_qtable_free(&u);
    rl_qtable_free(&v);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------------ */

static Suite *checkpoint_suite(void)
{
    Suite *s = suite_create("checkpoint");

    TCase *tc = tcase_create("stream");
    tcase_add_test(tc, test_stream_roundtrip);
    tcase_add_test(tc, test_stream_little_endian);
    tcase_add_test(tc, test_stream_big_array);
    tcase_add_test(tc, test_stream_read_past_end);
    tcase_add_test(tc, test_stream_strings);
    suite_add_tcase(s, tc);

    tc = tcase_create("crc32");
    tcase_add_test(tc, test_crc32_known_answers);
    tcase_add_test(tc, test_sha256_known_answers);
    tcase_add_test(tc, test_read_write_whole_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_test(tc, test_checkpoint_roundtrip);
    tcase_add_test(tc, test_checkpoint_empty_payload_and_names);
    tcase_add_test(tc, test_checkpoint_layout);
    tcase_add_test(tc, test_checkpoint_overwrite);
    tcase_add_test(tc, test_checkpoint_mode);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_error_missing_file);
    tcase_add_test(tc, test_error_empty_file);
    tcase_add_test(tc, test_error_directory);
    tcase_add_test(tc, test_error_truncated_everywhere);
    tcase_add_test(tc, test_error_bit_flips_everywhere);
    tcase_add_test(tc, test_error_foreign_file);
    tcase_add_test(tc, test_error_trailing_garbage);
    tcase_add_test(tc, test_error_other_versions);
    tcase_add_test(tc, test_error_bad_checksum);
    tcase_add_test(tc, test_error_names_not_terminated);
    tcase_add_test(tc, test_error_payload_length);
    tcase_add_test(tc, test_error_write_bad_names);
    tcase_add_test(tc, test_error_write_missing_dir);
    tcase_add_test(tc, test_error_write_over_directory);
    tcase_add_test(tc, test_error_write_fails_midway);
    suite_add_tcase(s, tc);

    tc = tcase_create("policy");
    tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_test(tc, test_qtable_init);
    tcase_add_test(tc, test_qtable_greedy);
    tcase_add_test(tc, test_qtable_epsilon_zero_ties);
    tcase_add_test(tc, test_qtable_epsilon_one_uniform);
    tcase_add_test(tc, test_qtable_epsilon_deterministic);
    tcase_add_test(tc, test_qtable_save_load);
    tcase_add_test(tc, test_qtable_load_errors);
    suite_add_tcase(s, tc);

    return s;
}

RL_TEST_MAIN(checkpoint_suite)
