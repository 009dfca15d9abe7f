/* librl: helpers shared inside the library; not installed. */
#ifndef RL_INTERNAL_H
#define RL_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rl/common.h"

/* Copy at most len-1 bytes of src into dst and NUL-terminate. */
static inline void rl__strlcpy(char *dst, const char *src, size_t len)
{
    size_t n = strlen(src);
    if (n >= len) n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* printf into a message buffer of RL_ERRMSG_SIZE bytes; returns code. */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static inline int rl__fmt(char *buf, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, RL_ERRMSG_SIZE, fmt, ap);
    va_end(ap);
    return code;
}

/* The thread pool of a batch (rl_env_batch_set_threads), NULL for one
 * thread: an algorithm uses the same threads for its own work. */
struct rl_env_batch;
struct rl__pool;
struct rl__pool *rl__env_batch_pool(struct rl_env_batch *b);

/* Plugin lifetime (plugin.c): an environment instance holds the plugin that
 * registered its type, so the code stays mapped while the instance lives.
 * Types added directly (not by a plugin) are not tracked; both are no-ops
 * for them. */
struct rl_env_type;
void rl__plugin_hold(const struct rl_env_type *type);
void rl__plugin_release(const struct rl_env_type *type);

/* Versioned tables (abi.c): copy a caller's table of any ABI the core
 * loads into out, the core's own size, zero-filled where the caller's is
 * shorter. On failure a message naming the table goes into msg
 * (RL_ERRMSG_SIZE bytes) and out is not to be used. */
struct rl_algo_type;
struct rl_command;
int rl__env_type_copy(const struct rl_env_type *in, struct rl_env_type *out, char *msg);
int rl__algo_type_copy(const struct rl_algo_type *in, struct rl_algo_type *out, char *msg);
int rl__command_copy(const struct rl_command *in, struct rl_command *out, char *msg);

#endif
