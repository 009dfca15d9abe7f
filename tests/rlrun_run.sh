#!/bin/sh
# rlrun end to end on CliffWalking: trains, writes the run directory,
# evaluates to the optimal return -13, evaluates again with --eval, is
# deterministic for a seed, and refuses a damaged checkpoint cleanly.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" run
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"

"$rlrun" --set run.output_dir="$tmp/a" "$src/examples/cliffwalking.ini" >"$tmp/a.out" 2>"$tmp/a.err"
check "training exits 0" test $? -eq 0
cat "$tmp/a.out"
for f in config.ini progress.csv checkpoint.rlck eval.csv; do
    check "run directory has $f" test -s "$tmp/a/$f"
done
check "greedy evaluation return is -13" grep -q "mean return -13.0000 (min -13.0000, max -13.0000)" "$tmp/a.out"
check "eval.csv header" grep -qx "episode,return,length,terminated,truncated,cliff_falls" "$tmp/a/eval.csv"
check "eval.csv rows" test "$(grep -c '^[0-9]*,-13,13,1,0,0$' "$tmp/a/eval.csv")" -eq 10
check "progress.csv header" grep -qx "iteration,env_steps,wall_time,steps_per_s,episodes,mean_return,mean_length,mean_return_100,mean_length_100,epsilon,mean_abs_td_error" "$tmp/a/progress.csv"
check "progress.csv has 30 iterations" test "$(wc -l <"$tmp/a/progress.csv")" -eq 31
check "resolved config names defaults" grep -q "^initial_q = 0" "$tmp/a/config.ini"
# An environment without a summary table of its own (rl_env_write_summary):
# a line per evaluation episode, its metrics in the means' format (%.4f),
# then the evaluation line and each metric's mean.
check "episode lines: metrics in %.4f" test "$(grep -c '^  episode [0-9]*: return -13.0000, length 13, cliff_falls 0.0000$' "$tmp/a.out")" -eq 10
check "the metric's mean after the evaluation line" test "$(sed -n '/^evaluation (cliffwalking, greedy): 10 episodes, mean return -13.0000/{n;p;}' "$tmp/a.out")" = "  cliff_falls: mean 0.0000"
# Without metrics (CartPole): the evaluation line and nothing else.
"$rlrun" --set run.env=cartpole --set run.algorithm=ppo --set run.total_steps=2048 --set run.eval_episodes=2 \
    --set run.output_dir="$tmp/pole" "$src/examples/cliffwalking.ini" >"$tmp/pole.out" 2>&1
check "cartpole: no metrics, no episode lines" test "$(sed -n '/^evaluation (cartpole, greedy): 2 episodes, mean return /,$p' "$tmp/pole.out" | sed 1d)" = "results in $tmp/pole/eval.csv"

# The resolved config is a config: training from it gives the same run.
"$rlrun" --quiet --set run.output_dir="$tmp/b" "$tmp/a/config.ini" >/dev/null 2>&1
check "same seed, same progress.csv" sh "$samep" "$tmp/a/progress.csv" "$tmp/b/progress.csv"
check "same seed, same checkpoint" cmp -s "$tmp/a/checkpoint.rlck" "$tmp/b/checkpoint.rlck"
"$rlrun" --quiet --seed 7 --set run.output_dir="$tmp/c" "$src/examples/cliffwalking.ini" >/dev/null 2>&1
check "another seed, another run" sh -c "! sh '$samep' '$tmp/a/progress.csv' '$tmp/c/progress.csv' 2>/dev/null"

# --eval loads the checkpoint and evaluates without training.
rm "$tmp/a/eval.csv"
"$rlrun" --eval "$tmp/a" >"$tmp/e.out" 2>&1
check "--eval exits 0" test $? -eq 0
check "--eval return is -13" grep -q "mean return -13.0000" "$tmp/e.out"
check "--eval writes eval.csv" test -s "$tmp/a/eval.csv"

# A damaged checkpoint: a clear error, exit 2 (bad input), no crash.
cp "$tmp/a/checkpoint.rlck" "$tmp/ok.rlck"
head -c 40 "$tmp/ok.rlck" >"$tmp/a/checkpoint.rlck"
"$rlrun" --eval "$tmp/a" >/dev/null 2>"$tmp/t.err"; s=$?
check "truncated checkpoint: exit 2" test $s -eq 2
check "truncated checkpoint: says so" grep -q "truncated" "$tmp/t.err"
printf 'not a checkpoint at all, just some text that is long enough to pass the size check........................................................\n' >"$tmp/a/checkpoint.rlck"
"$rlrun" --eval "$tmp/a" >/dev/null 2>"$tmp/f.err"; s=$?
check "foreign checkpoint: exit 2" test $s -eq 2
check "foreign checkpoint: says so" grep -q "not a librl checkpoint" "$tmp/f.err"

# --trace writes every step.
"$rlrun" --quiet --trace --set run.output_dir="$tmp/t" --set run.total_steps=1000 --set run.eval_episodes=1 \
    "$src/examples/cliffwalking.ini" >/dev/null 2>&1
check "trace.csv has a row per step" test "$(wc -l <"$tmp/t/trace.csv")" -eq 1001
check "trace.csv starts from the start state" test "$(sed -n 2p "$tmp/t/trace.csv" | cut -d, -f1-4)" = "0,1,1,36"
check "eval-trace.csv header" grep -qx "env,episode,step,obs_0,action_0,reward,terminated,truncated" "$tmp/t/eval-trace.csv"

# A config may hold the sections of several environments: [run] env picks.
printf '[run]\nenv = cliffwalking\ntotal_steps = 3000\neval_episodes = 1\noutput_dir = %s/m\n[frozenlake]\nis_slippery = false\n[cliffwalking]\nmax_episode_steps = 50\n' "$tmp" >"$tmp/multi.ini"
"$rlrun" --quiet "$tmp/multi.ini" >/dev/null 2>"$tmp/m.err"
check "other environments' sections are accepted" test $? -eq 0
"$rlrun" --quiet --force --set run.env=frozenlake "$tmp/multi.ini" >"$tmp/m.out" 2>&1
check "one line switches the environment" grep -q "evaluation (frozenlake" "$tmp/m.out"
check "the switched-to section applies" grep -q "^is_slippery = false" "$tmp/m/config.ini"

# Without a time limit, eval_max_steps cuts a greedy episode that never ends
# (after one update the greedy policy still walks into the top wall).
"$rlrun" --quiet --set run.output_dir="$tmp/cap" --set cliffwalking.max_episode_steps=0 \
    --set qlearn.steps_per_iteration=1 --set run.total_steps=1 --set run.eval_episodes=2 \
    --set run.eval_max_steps=50 "$src/examples/cliffwalking.ini" >/dev/null 2>&1
check "eval_max_steps ends an endless episode" test "$(grep -c '^[0-9],-50,50,0,1,0$' "$tmp/cap/eval.csv")" -eq 2

# --list, --help, --version.
"$rlrun" --list >"$tmp/l.out" 2>&1
check "--list shows the classic environments" grep -q "cliffwalking *(plugin classic)" "$tmp/l.out"
check "--help exits 0" "$rlrun" --help >/dev/null
check "--version exits 0" "$rlrun" --version >/dev/null

finish
