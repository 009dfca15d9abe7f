/* librl: which CBLAS librl was linked with, and its thread count. */
#include "config.h"

#include "rl/nn.h"

#ifdef RL_HAVE_OPENBLAS
/* From OpenBLAS's cblas.h; declared here so that the GSL header that
 * librl uses for cblas_* does not clash with OpenBLAS's own. */
extern void openblas_set_num_threads(int num_threads);
#endif

const char *rl_blas_name(void)
{
#ifdef RL_HAVE_OPENBLAS
    return "OpenBLAS";
#else
    return "GSL CBLAS";
#endif
}

int rl_blas_set_threads(int n)
{
#ifdef RL_HAVE_OPENBLAS
    if (n < 1) return RL_EINVAL;
    openblas_set_num_threads(n);
    return RL_OK;
#else
    return n == 1 ? RL_OK : RL_EUNSUPPORTED;
#endif
}
