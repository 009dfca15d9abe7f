/* librl: error codes and messages. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "rl/common.h"

const char *rl_strerror(int code)
{
    switch (code) {
    case RL_OK: return "success";
    case RL_EINVAL: return "invalid argument or value";
    case RL_ENOMEM: return "out of memory";
    case RL_ERANGE: return "value out of range";
    case RL_ENOTFOUND: return "not found";
    case RL_EIO: return "input/output error";
    case RL_EFORMAT: return "malformed, truncated or corrupted data";
    case RL_EVERSION: return "made for another version";
    case RL_ESYNTAX: return "syntax error";
    case RL_EPLUGIN: return "plugin failure";
    case RL_ENUMERIC: return "non-finite number";
    case RL_EUNSUPPORTED: return "operation not supported";
    case RL_ECOMM: return "communication between processes failed";
    default: return "unknown error code";
    }
}

int rl_error_set(rl_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

const char *rl_version(void) { return PACKAGE_VERSION; }
