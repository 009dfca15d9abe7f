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

/* Plugin lifetime (plugin.c): an environment instance holds the plugin that
 * registered its type, so the code stays mapped while the instance lives.
 * Types added directly (not by a plugin) are not tracked; both are no-ops
 * for them. */
struct rl_env_type;
void rl__plugin_hold(const struct rl_env_type *type);
void rl__plugin_release(const struct rl_env_type *type);

#endif
