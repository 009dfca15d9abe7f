/* ckpt_params A.rlck B.rlck: whether two checkpoints hold the same agent,
 * bit for bit (tests/rlrun_mpi.sh: the ranks of a group after training).
 *
 * A rank's checkpoint holds its own environments and random stream, so
 * the files differ whatever the agent; what must be equal is the policy:
 * its networks and observation normaliser. Both are loaded with
 * rl_model_load and asked, on 2000 observations drawn from the
 * observation space (fixed seed), for the greedy action and, with equal
 * generators, for a drawn action, its log-probability and the value
 * estimate; every double must be equal to the bit. Any difference in a
 * weight shows in these (a value estimate sums every critic weight's
 * contribution). Prints one line; exit 0 for the same agent, 3 for
 * different ones, 1 when a file cannot be used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rl/rl.h>

enum { NOBS = 2000 };

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ckpt_params A.rlck B.rlck\n");
        return 1;
    }
    rl_error err = {0};
    rl_model *m[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++)
        if (!(m[k] = rl_model_load(argv[1 + k], &err))) {
            fprintf(stderr, "ckpt_params: %s\n", err.msg);
            rl_model_free(m[0]);
            return 1;
        }
    size_t od = rl_space_dim(rl_model_observation_space(m[0]));
    size_t ad = rl_space_dim(rl_model_action_space(m[0]));
    if (od != rl_space_dim(rl_model_observation_space(m[1])) ||
        ad != rl_space_dim(rl_model_action_space(m[1]))) {
        printf("different agents: the spaces differ\n");
        rl_model_free(m[0]);
        rl_model_free(m[1]);
        return 3;
    }
    double *obs = malloc(NOBS * od * sizeof *obs);
    double *out[2];
    size_t per = 2 * ad + 2; /* greedy action, drawn action, logp, value */
    out[0] = calloc(NOBS * per, sizeof(double));
    out[1] = calloc(NOBS * per, sizeof(double));
    int status = 1;
    if (!obs || !out[0] || !out[1]) {
        fprintf(stderr, "ckpt_params: out of memory\n");
        goto done;
    }
    rl_pcg32 g;
    rl_pcg32_seed(&g, 12345, 54);
    for (size_t i = 0; i < NOBS; i++)
        rl_space_sample(rl_model_observation_space(m[0]), &g, obs + i * od);
    for (int k = 0; k < 2; k++) {
        rl_pcg32 rng;
        rl_pcg32_seed(&rng, 777, 3);
        const rl_policy *p = rl_model_policy(m[k]);
        for (size_t i = 0; i < NOBS; i++) {
            double *o = out[k] + i * per;
            if (rl_model_predict(m[k], obs + i * od, 1, o, 1, NULL, &err) != RL_OK ||
                rl_policy_act(p, obs + i * od, 1, 0, &rng, o + ad, o + 2 * ad, o + 2 * ad + 1,
                              &err) != RL_OK) {
                fprintf(stderr, "ckpt_params: %s: %s\n", argv[1 + k], err.msg);
                goto done;
            }
        }
    }
    if (memcmp(out[0], out[1], NOBS * per * sizeof(double)) == 0) {
        printf("the same agent: %d observations, equal actions, log-probabilities and values to "
               "the bit (iteration %llu, %llu steps)\n",
               NOBS, (unsigned long long)rl_model_iterations(m[0]),
               (unsigned long long)rl_model_env_steps(m[0]));
        status = 0;
    } else {
        size_t i = 0;
        while (memcmp(out[0] + i * per, out[1] + i * per, per * sizeof(double)) == 0) i++;
        printf("different agents: observation %zu: value %.17g against %.17g\n", i,
               out[0][i * per + 2 * ad + 1], out[1][i * per + 2 * ad + 1]);
        status = 3;
    }
done:
    free(obs);
    free(out[0]);
    free(out[1]);
    rl_model_free(m[0]);
    rl_model_free(m[1]);
    return status;
}
