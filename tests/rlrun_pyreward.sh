#!/bin/sh
# rlrun with reward functions in Python (doc/deepracer.md, "Reward
# functions in Python"), on small budgets: an AWS example trains and the
# same seed gives the same run; the params dict matches doc/deepracer.md's
# table; extension modules of the standard library and a helper module
# beside the file import; an exception at step 5 stops training with exit
# status 1, the traceback's file:line, the step and the parameters, and
# leaves the checkpoint of an earlier run, and a periodic one, byte for
# byte; a syntax error stops rlrun before training with exit status 2 and
# file:line:column; a file that is no module says what it is. In a build
# without CPython it checks the one-line message instead and skips the
# rest. (The examples' full budgets, to 3/3 laps: tests/e2e_pyreward.sh.)
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" pyreward
py="$src/tests/pyreward"
small="--quiet --set run.total_steps=2048 --set ppo.steps_per_iteration=1024 --set ppo.epochs=2"

"$rlrun" $small --set deepracer.reward_function="$src/examples/reward/follow_center_line.py" \
    --set run.output_dir="$tmp/a" "$src/examples/deepracer.ini" >"$tmp/a.out" 2>"$tmp/a.err"
status=$?
if grep -q "built without Python" "$tmp/a.err"; then
    check "without CPython: exit status 2" test $status -eq 2
    check "without CPython: one line saying how to get it" grep -qx \
        "rlrun: deepracer: --set \[deepracer\] reward_function: cannot run '.*follow_center_line.py': this librl was built without Python: install python3-dev and rebuild (./configure reports 'CPython embed: yes')" \
        "$tmp/a.err"
    check "without CPython: nothing else on stderr" test "$(wc -l <"$tmp/a.err")" -eq 1
    echo "SKIP: the rest: this librl was built without Python"
    finish
    exit $?
fi
check "AWS follow_center_line.py trains and evaluates" test $status -eq 0 -a "$(wc -l <"$tmp/a/eval.csv")" -eq 4
"$rlrun" $small --set deepracer.reward_function="$src/examples/reward/follow_center_line.py" \
    --set run.output_dir="$tmp/b" "$src/examples/deepracer.ini" >/dev/null 2>&1
check "same seed, same checkpoint and laps" sh -c "cmp -s '$tmp/a/checkpoint.rlck' '$tmp/b/checkpoint.rlck' && cmp -s '$tmp/a/eval.csv' '$tmp/b/eval.csv'"
# follow_center_line.py is the built-in follow_centerline: the same run.
"$rlrun" $small --set deepracer.reward_function=follow_centerline \
    --set run.output_dir="$tmp/c" "$src/examples/deepracer.ini" >/dev/null 2>&1
check "the AWS .py and the C preset train the same agent" cmp -s "$tmp/a/checkpoint.rlck" "$tmp/c/checkpoint.rlck"

"$rlrun" $small --set deepracer.reward_function="$py/check_params.py" \
    --set run.output_dir="$tmp/k" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/k.err"
check "every step's params: the keys and types of doc/deepracer.md" test $? -eq 0
"$rlrun" $small --set deepracer.reward_function="$py/stdlib_and_helper.py" \
    --set run.output_dir="$tmp/s" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/s.err"
check "_json, _datetime and a helper module import; module state per environment" test $? -eq 0

# An exception at step 5, in a directory that holds an earlier run's
# checkpoint, replaced with --force: the new run removed it first (never
# an old agent beside a new config).
cp -r "$tmp/a" "$tmp/r"
"$rlrun" $small --force --set deepracer.reward_function="$py/raise_at_step5.py" \
    --set run.output_dir="$tmp/r" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/r.err"
check "exception: exit status 1" test $? -eq 1
check "exception: one line on stderr" test "$(wc -l <"$tmp/r.err")" -eq 1
check "exception: the file, the exception, the frames as file:line, the step and the parameters" grep -q \
    "training failed at iteration 1: .*reward function '.*raise_at_step5.py' raised RuntimeError: the fifth step (traceback: .*raise_at_step5.py:7.*) at step 5; parameters: x .*, progress " \
    "$tmp/r.err"
check "exception: the earlier run's checkpoint went before the new config.ini" sh -c "test ! -e '$tmp/r/checkpoint.rlck' && grep -q raise_at_step5 '$tmp/r/config.ini'"
# ... and after a periodic checkpoint: the one of iteration 1 stays, the
# same as a run stopped there.
periodic="--quiet --set ppo.steps_per_iteration=1024 --set ppo.epochs=1 --set run.checkpoint_every=1"
"$rlrun" $periodic --set run.total_steps=1024 --set deepracer.reward_function="$py/raise_later.py" \
    --set run.output_dir="$tmp/p1" "$src/examples/deepracer.ini" >/dev/null 2>&1
"$rlrun" $periodic --set run.total_steps=4096 --set deepracer.reward_function="$py/raise_later.py" \
    --set run.output_dir="$tmp/p2" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/p2.err"
check "exception in iteration 2: exit status 1" test $? -eq 1
check "exception in iteration 2: the message says so" grep -q \
    "training failed at iteration 2: .*raise_later.py' raised ValueError: call 200 (traceback: raise_later.py:11 in reward_function) at step" \
    "$tmp/p2.err"
check "exception in iteration 2: the periodic checkpoint of iteration 1 is intact" \
    cmp -s "$tmp/p1/checkpoint.rlck" "$tmp/p2/checkpoint.rlck"

# Errors before training: exit status 2, nothing written.
"$rlrun" $small --set deepracer.reward_function="$py/syntax_error.py" \
    --set run.output_dir="$tmp/y" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/y.err"
check "syntax error: exit status 2" test $? -eq 2
check "syntax error: file:line:column" grep -q \
    "reward_function: the reward function '.*syntax_error.py' does not compile: .*syntax_error.py:4:28: SyntaxError: invalid syntax$" \
    "$tmp/y.err"
check "syntax error: before training (no run directory)" test ! -e "$tmp/y"
"$rlrun" $small --set deepracer.reward_function="$py/raise_on_load.py" \
    --set run.output_dir="$tmp/l" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/l.err"
check "exception while the file loads: exit status 2 with the traceback" sh -c \
    "test $? -eq 2 && grep -q 'failed while it loaded: ValueError: math domain error (traceback: raise_on_load.py:4 in <module>)' '$tmp/l.err'"
"$rlrun" $small --set deepracer.reward_function="$py/no_function.py" \
    --set run.output_dir="$tmp/f" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/f.err"
check "no reward_function: exit status 2, said" sh -c \
    "test $? -eq 2 && grep -q \"no_function.py' defines no function 'reward_function'\" '$tmp/f.err'"
"$rlrun" $small --set deepracer.reward_function="$py/nowhere.py" \
    --set run.output_dir="$tmp/n" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/n.err"
check "missing file: exit status 2, named" sh -c \
    "test $? -eq 2 && grep -q \"no reward function file '.*nowhere.py'\" '$tmp/n.err'"
printf 'not a module\n' >"$tmp/reward.txt"
"$rlrun" $small --set deepracer.reward_function="$tmp/reward.txt" \
    --set run.output_dir="$tmp/t" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/t.err"
check "a text file: exit status 2, says what it is and what is accepted" sh -c \
    "test $? -eq 2 && grep -q \"reward.txt' is a text file, not a reward module; reward_function takes a Python file (.py), a libtool module (.la) or a shared object (.so), or a built-in name\" '$tmp/t.err'"


# The run keeps its reward (rlrun(1), Input files): a copy in the run
# directory, the original's absolute path and SHA-256 in config.ini; --eval
# and --resume use the copy and say when the original has changed; export
# writes the copy.
mkdir -p "$tmp/mine"
cp "$src/examples/reward/speed.py" "$tmp/mine/my_reward.py"
(cd "$tmp/mine" && "$rlrun" $small --set deepracer.reward_function=my_reward.py \
    --set run.output_dir="$tmp/kept" "$src/examples/deepracer.ini" >/dev/null 2>&1)
check "a run with a relative .py path exits 0" test $? -eq 0
check "the run directory holds a copy of the reward file" cmp -s "$tmp/kept/reward_function.py" "$tmp/mine/my_reward.py"
check "config.ini records its absolute path" grep -qx "reward_function = $tmp/mine/my_reward.py" "$tmp/kept/config.ini"
check "config.ini records its SHA-256" \
    grep -qx "reward_function_sha256 = $(sha256sum "$tmp/mine/my_reward.py" | cut -d' ' -f1)" "$tmp/kept/config.ini"
cp "$tmp/kept/eval.csv" "$tmp/kept-eval.csv"
# The original changes (it would now reward something else entirely).
printf 'def reward_function(params):\n    return float("nan")\n' >"$tmp/mine/my_reward.py"
(cd / && "$rlrun" --eval "$tmp/kept" >"$tmp/kept-ev.out" 2>"$tmp/kept-ev.err")
check "--eval after the original changed exits 0, from any directory" test $? -eq 0
check "... says the original changed and the copy is used" \
    grep -q "note: '$tmp/mine/my_reward.py' has changed since the run began; using the run's copy $tmp/kept/reward_function.py" "$tmp/kept-ev.err"
check "... and drives the same laps" cmp -s "$tmp/kept/eval.csv" "$tmp/kept-eval.csv"
rm "$tmp/mine/my_reward.py"
"$rlrun" --quiet --resume "$tmp/kept" --set run.total_steps=3072 >"$tmp/kept-res.out" 2>"$tmp/kept-res.err"
check "--resume with the original gone exits 0" test $? -eq 0
check "... and config.ini still records the original and its SHA-256" \
    grep -q "reward_function = $tmp/mine/my_reward.py" "$tmp/kept/config.ini"
"$rlrun" --export-deepracer "$tmp/kept" "$tmp/kept-out" >/dev/null 2>&1
check "--export-deepracer writes the run's copy" cmp -s "$tmp/kept-out/reward_function.py" "$src/examples/reward/speed.py"
echo "edited" >>"$tmp/kept/reward_function.py"
"$rlrun" --quiet --eval "$tmp/kept" >/dev/null 2>"$tmp/kept-bad.err"
check "a copy edited by hand: exit 2, saying so" sh -c \
    "test $? -eq 2 && grep -q 'reward_function.py: the run.s copy of \[deepracer\] reward_function does not match' '$tmp/kept-bad.err'"

finish
