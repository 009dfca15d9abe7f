#!/bin/sh
# rlrun with PPO end to end: same seed and config give the same
# progress.csv; --resume after K iterations reaches a checkpoint
# byte-identical to 2K iterations straight; a loss that overflows stops
# training with a clear error and leaves the last good checkpoint intact and
# loadable; --trace writes observation and action columns.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" ppo
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"
plugdir="${abs_top_builddir:-$(pwd)}/plugins:${RL_TEST_PLUGINDIR:-$(pwd)/tests/plugins}"

cat >"$tmp/cp.ini" <<'INI'
[run]
env = cartpole
algorithm = ppo
seed = 5
num_envs = 4
total_steps = 3072
eval_episodes = 3
[ppo]
steps_per_iteration = 512
batch_size = 128
epochs = 2
anneal_lr = true
normalize_observations = true
INI

# Six iterations straight, twice: identical progress.csv and checkpoint.
"$rlrun" --quiet --set run.output_dir="$tmp/a" "$tmp/cp.ini" >"$tmp/a.out" 2>&1
check "ppo run exits 0" test $? -eq 0
"$rlrun" --quiet --set run.output_dir="$tmp/b" "$tmp/cp.ini" >/dev/null 2>&1
check "same seed, same progress.csv" sh "$samep" "$tmp/a/progress.csv" "$tmp/b/progress.csv"
check "same seed, same checkpoint" cmp -s "$tmp/a/checkpoint.rlck" "$tmp/b/checkpoint.rlck"
check "progress.csv has 6 iterations" test "$(wc -l <"$tmp/a/progress.csv")" -eq 7
check "progress.csv has PPO's columns" grep -qx "iteration,env_steps,wall_time,steps_per_s,episodes,mean_return,mean_length,mean_return_100,mean_length_100,policy_loss,value_loss,entropy,approx_kl,clip_fraction,explained_variance,learning_rate,grad_norm" "$tmp/a/progress.csv"

# Three iterations, then --resume to six, against six straight. (Without
# anneal_lr, whose schedule depends on total_steps; tests/test_ppo.c resumes
# an annealed run exactly through the library.)
"$rlrun" --quiet --set run.output_dir="$tmp/h" --set run.total_steps=1536 \
    --set ppo.anneal_lr=false "$tmp/cp.ini" >/dev/null 2>&1
check "half run exits 0" test $? -eq 0
"$rlrun" --quiet --set run.total_steps=3072 --resume "$tmp/h" >"$tmp/h.out" 2>&1
check "--resume exits 0" test $? -eq 0
"$rlrun" --quiet --set run.output_dir="$tmp/s" --set ppo.anneal_lr=false "$tmp/cp.ini" >/dev/null 2>&1
check "resumed checkpoint is byte-identical to the straight run's" cmp -s "$tmp/s/checkpoint.rlck" "$tmp/h/checkpoint.rlck"
check "resumed progress.csv is identical to the straight run's" sh "$samep" "$tmp/s/progress.csv" "$tmp/h/progress.csv"

# An interrupted run: progress.csv has rows past the checkpoint; resume
# drops them and continues from the checkpoint.
"$rlrun" --quiet --set run.output_dir="$tmp/i" --set run.total_steps=1536 \
    --set ppo.anneal_lr=false "$tmp/cp.ini" >/dev/null 2>&1
echo "4,2048,0,0,0,0,0,0,0,0,0,0,0" >>"$tmp/i/progress.csv"
"$rlrun" --quiet --set run.total_steps=3072 --resume "$tmp/i" >/dev/null 2>&1
check "resume after an interruption matches" sh "$samep" "$tmp/s/progress.csv" "$tmp/i/progress.csv"

"$rlrun" --quiet --resume "$tmp/nonexistent" >/dev/null 2>"$tmp/r.err"
check "--resume of a missing run fails" test $? -eq 2
"$rlrun" --quiet --eval "$tmp/a" --resume "$tmp/a" >/dev/null 2>"$tmp/r2.err"
check "--eval with --resume is a usage error" test $? -eq 2

# A loss that overflows: each blowup instance pays 1e308 after 600 of its
# steps, which is in iteration 3 (256 steps per instance per iteration).
cat >"$tmp/blow.ini" <<'INI'
[run]
env = blowup
algorithm = ppo
num_envs = 2
total_steps = 100000
checkpoint_every = 1
eval_episodes = 1
[blowup]
after = 600
[ppo]
steps_per_iteration = 512
batch_size = 64
epochs = 1
INI
RL_PLUGIN_PATH="$plugdir" "$rlrun" --quiet --set run.output_dir="$tmp/x" "$tmp/blow.ini" >"$tmp/x.out" 2>"$tmp/x.err"
check "non-finite loss exits 1" test $? -eq 1
cat "$tmp/x.err"
check "the error names the non-finite value and the iteration" \
    grep -q "training failed at iteration 3: ppo: the .* became non-finite" "$tmp/x.err"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --quiet --set run.output_dir="$tmp/y" --set run.total_steps=1024 \
    "$tmp/blow.ini" >/dev/null 2>&1
check "the last good checkpoint (iteration 2) is intact" cmp -s "$tmp/x/checkpoint.rlck" "$tmp/y/checkpoint.rlck"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --quiet --eval "$tmp/x" >"$tmp/xe.out" 2>&1
check "the last good checkpoint loads" test $? -eq 0

# --trace for PPO on a continuous env: obs and action columns.
"$rlrun" --quiet --trace --set run.env=pendulum --set run.total_steps=256 --set ppo.steps_per_iteration=256 \
    --set run.eval_episodes=1 --set run.output_dir="$tmp/t" "$tmp/cp.ini" >/dev/null 2>&1
check "trace run exits 0" test $? -eq 0
check "trace.csv header" grep -qx "env,episode,step,obs_0,obs_1,obs_2,action_0,reward,terminated,truncated" "$tmp/t/trace.csv"
check "trace.csv has every step" test "$(wc -l <"$tmp/t/trace.csv")" -eq 257
check "eval-trace.csv has the episode" test "$(wc -l <"$tmp/t/eval-trace.csv")" -eq 201

finish
