#!/bin/sh
# The policy-only API against rlrun --eval (issue 13): tests/model_eval
# loads a run's checkpoint with rl_model_load alone (no configuration key,
# no environment batch) and its deterministic actions must equal, to the
# bit, those rlrun --eval --trace recorded: CartPole (PPO, discrete) and
# Pendulum (PPO, continuous) from eval-trace.csv's observations, one row
# at a time and all rows in one call; CliffWalking (qlearn) the same way;
# DeepRacer (PPO, the example's config, a short run), whose simtrace has
# no observations, by replaying rlrun's evaluation episodes in one
# environment and comparing each step's action with the simtrace's.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" model
eval_prog="${abs_top_builddir:-$(pwd)}/tests/model_eval"

# CartPole and Pendulum: the examples, shortened.
for ex in cartpole:20000 pendulum:16384 cliffwalking:20000; do
    ex_name=${ex%%:*}; steps=${ex#*:}
    "$rlrun" --quiet --set run.output_dir="$tmp/$ex_name" --set run.total_steps="$steps" \
        --set run.eval_episodes=3 "$src/examples/$ex_name.ini" >/dev/null 2>&1
    check "$ex_name: the run exits 0" test $? -eq 0
    "$rlrun" --quiet --eval "$tmp/$ex_name" --trace >/dev/null 2>&1
    check "$ex_name: rlrun --eval --trace exits 0" test $? -eq 0
    "$eval_prog" trace "$tmp/$ex_name" >"$tmp/$ex_name.out" 2>&1
    check "$ex_name: rl_model_predict gives rlrun --eval's actions" test $? -eq 0
    cat "$tmp/$ex_name.out"
done

# DeepRacer: the example's configuration, 20000 steps.
"$rlrun" --quiet --set run.output_dir="$tmp/dr" --set run.total_steps=20000 \
    "$src/examples/deepracer.ini" >/dev/null 2>&1
check "deepracer: the run exits 0" test $? -eq 0
# The run's own evaluation wrote no simtrace (no --trace); --eval writes one.
"$rlrun" --quiet --eval "$tmp/dr" --trace >/dev/null 2>&1
check "deepracer: rlrun --eval --trace exits 0" test $? -eq 0
simtrace=$(ls "$tmp"/dr/evaluation-*/evaluation-simtrace/0-iteration.csv 2>/dev/null | head -n 1)
check "deepracer: an evaluation simtrace" test -n "$simtrace"
conf() { sed -n "s/^$1 *= *//p" "$tmp/dr/config.ini" | head -n 1; }
"$eval_prog" replay "$tmp/dr" "$simtrace" "$(conf seed)" "$(conf eval_episodes)" \
    "$(conf eval_max_steps)" >"$tmp/dr.out" 2>&1
check "deepracer: rl_model_predict gives rlrun --eval's actions, step by step" test $? -eq 0
cat "$tmp/dr.out"

finish
