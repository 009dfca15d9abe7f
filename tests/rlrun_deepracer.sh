#!/bin/sh
# rlrun with the deepracer environment, end to end, on small budgets:
# per-iteration SIM_TRACE_LOG files with the simulator's 19 columns, an
# evaluation trace, eval.csv's lap columns, determinism (how
# deepracer-utils reads the traces is tests/rlrun_dr_traces.sh); the example reward
# function built with the one-line command of examples/reward/my_reward.c
# trains; a reward function returning NaN stops training with the error
# naming the function, the step and the parameters; continuous actions and
# the lidar observation train. (The full example, to 3/3 laps on three
# tracks, is tests/e2e_deepracer.sh.)
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" deepracer
plugdir="${RL_TEST_PLUGINDIR:-$(pwd)/tests/plugins}"
small="--quiet --set run.total_steps=2048 --set ppo.steps_per_iteration=1024 --set ppo.epochs=2"

# Two iterations with --trace.
"$rlrun" $small --trace --set run.output_dir="$tmp/a" "$src/examples/deepracer.ini" >"$tmp/a.out" 2>&1
check "deepracer run exits 0" test $? -eq 0
header="episode,steps,X,Y,yaw,steer,throttle,action,reward,done,all_wheels_on_track,progress,closest_waypoint,track_len,tstamp,episode_status,pause_duration,obstacle_crash_counter,wall_clock"
check "one training trace per iteration" test -f "$tmp/a/training-simtrace/0-iteration.csv" -a \
    -f "$tmp/a/training-simtrace/1-iteration.csv" -a ! -e "$tmp/a/training-simtrace/2-iteration.csv"
evaltrace=$(ls "$tmp"/a/evaluation-*/evaluation-simtrace/0-iteration.csv 2>/dev/null)
check "an evaluation trace" test -f "$evaltrace"
for f in "$tmp/a/training-simtrace/0-iteration.csv" "$evaltrace"; do
    check "$(basename "$(dirname "$f")") has the simulator's header" test "$(head -n 1 "$f")" = "$header"
    check "$(basename "$(dirname "$f")"): every row has 19 fields of the simulator's forms" awk -F, '
        NR == 1 { next }
        NF != 19 || $10 !~ /^(True|False)$/ || $11 !~ /^(True|False)$/ ||
        $16 !~ /^(prepare|in_progress|off_track|crashed|reversed|immobilized|lap_complete|pause)$/ ||
        $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ || $8 !~ /^[0-9]+$/ || $13 !~ /^[0-9]+$/ ||
        $14 != "31.86" || $17 !~ /^-?[0-9]+\.[0-9]+$/ || $18 != "0" { bad = 1; print "bad row " NR ": " $0; exit }
        END { exit bad || NR < 2 }' "$f"
done
# Training: every episode begins with its prepare row and is whole in one
# file; the episodes are numbered 0, 1, 2, ... across the files.
check "training traces: whole episodes, numbered on across the files" awk -F, '
    BEGIN { ep = -1; next_ep = 0; last = "True" }
    FNR == 1 { next }
    $1 != ep { if ($1 != next_ep || $2 != 1 || $16 != "prepare" || last != "True") bad = 1
               ep = $1; next_ep = $1 + 1 }
    { last = $10 }
    END { exit bad || last != "True" }' "$tmp/a/training-simtrace/0-iteration.csv" "$tmp/a/training-simtrace/1-iteration.csv"
# Evaluation: 3 laps; the first begins at the start line with its prepare
# row at tstamp 0.067; the others, laps of one continuous run, go on
# without one; the last row of each is done.
check "evaluation trace: three laps, one prepare row, each ending done" awk -F, '
    BEGIN { ep = -1 }
    NR == 1 { next }
    $1 != ep { starts++; ep = $1; if ($1 != starts - 1) bad = 1
               if (starts == 1 && ($2 != 1 || $15 != "0.067" || $16 != "prepare")) bad = 1 }
    $16 == "prepare" { prep++ }
    $10 == "True" { ends++ }
    END { exit bad || starts != 3 || ends != 3 || prep < 1 }' "$evaltrace"
check "eval.csv has the lap columns" grep -qx "episode,return,length,terminated,truncated,lap_time,progress,off_track_count,complete,raceline_time,lap_time_ratio" "$tmp/a/eval.csv"
check "eval.csv: the race line's time and each lap's ratio to it" awk -F, 'NR > 1 && ($10 < 5 || $10 > 20 || $11 <= 0) { bad = 1 } END { exit bad }' "$tmp/a/eval.csv"
check "the run has raceline.csv (x,y,speed first)" grep -q "^x,y,speed," "$tmp/a/raceline.csv"
check "eval.csv has 3 laps" test "$(wc -l <"$tmp/a/eval.csv")" -eq 4
# No summary table of its own: each metric's mean over the laps, %.4f,
# after the evaluation line, as eval.csv has them.
means=$(awk -F, 'NR == 1 { for (i = 6; i <= NF; i++) name[i] = $i; nf = NF; next }
    { for (i = 6; i <= nf; i++) s[i] += $i; n++ }
    END { for (i = 6; i <= nf; i++) printf "  %s: mean %.4f\n", name[i], s[i] / n }' "$tmp/a/eval.csv")
check "the laps' metric means, as eval.csv has them" test "$(sed -n '/^evaluation (deepracer/,/^results in/p' "$tmp/a.out" | sed '1d;$d')" = "$means"
# lap_time is the simulated time after the prepare step: (length - 1) / 15
# s for a lap from the start line, length / 15 for one that goes on from
# the last (the figures deepracer-utils reads from the trace).
check "lap_time = steps after the prepare step / 15" awk -F, '
    NR > 1 { d = $6 - ($3 - (NR == 2 || prev != 1)) / 15; if (d > 1e-6 || d < -1e-6) bad = 1; prev = $9 }
    END { exit bad }' "$tmp/a/eval.csv"

# Without [run] eval_episodes, the environment's own number: 3 laps, which
# config.ini records.
printf '[run]\nenv = deepracer\nalgorithm = ppo\ntotal_steps = 512\n[ppo]\nsteps_per_iteration = 512\nepochs = 1\n' >"$tmp/three.ini"
"$rlrun" --quiet --set run.output_dir="$tmp/t3" "$tmp/three.ini" >"$tmp/t3.out" 2>&1
check "no eval_episodes: 3 laps" test "$(wc -l <"$tmp/t3/eval.csv")" -eq 4
check "no eval_episodes: config.ini records 3" grep -qx "eval_episodes = 3" "$tmp/t3/config.ini"

# --eval loads the checkpoint and drives the same laps again.
cp "$tmp/a/eval.csv" "$tmp/a-eval.csv"
"$rlrun" --quiet --eval "$tmp/a" >/dev/null 2>&1
check "--eval of the run exits 0" test $? -eq 0
check "--eval drives the same laps" cmp -s "$tmp/a/eval.csv" "$tmp/a-eval.csv"

# The same seed and configuration give the same run (the traces differ only
# in wall_clock, their last column; so do checkpoints written while
# tracing, which hold the rows of the episodes under way).
"$rlrun" $small --trace --set run.output_dir="$tmp/b" "$src/examples/deepracer.ini" >/dev/null 2>&1
"$rlrun" $small --set run.output_dir="$tmp/b1" "$src/examples/deepracer.ini" >/dev/null 2>&1
"$rlrun" $small --set run.output_dir="$tmp/b2" "$src/examples/deepracer.ini" >/dev/null 2>&1
check "same seed, same checkpoint" cmp -s "$tmp/b1/checkpoint.rlck" "$tmp/b2/checkpoint.rlck"
check "same seed, same eval.csv" cmp -s "$tmp/a/eval.csv" "$tmp/b/eval.csv"
check "tracing does not change the run" cmp -s "$tmp/a/eval.csv" "$tmp/b1/eval.csv"
cut -d, -f1-18 "$tmp/a/training-simtrace/1-iteration.csv" >"$tmp/ta"
cut -d, -f1-18 "$tmp/b/training-simtrace/1-iteration.csv" >"$tmp/tb"
check "same seed, same training trace" cmp -s "$tmp/ta" "$tmp/tb"

# The example reward function, built with its one-line command.
${CC:-cc} -shared -fPIC -O2 -I"$src/librl" -o "$tmp/my_reward.so" "$src/examples/reward/my_reward.c" -lm
check "examples/reward/my_reward.c builds with one command" test -f "$tmp/my_reward.so"
"$rlrun" $small --set deepracer.reward_function="$tmp/my_reward.so" \
    --set run.output_dir="$tmp/c" "$src/examples/deepracer.ini" >"$tmp/c.out" 2>&1
check "training with the example reward module exits 0" test $? -eq 0
check "... and evaluates" test "$(wc -l <"$tmp/c/eval.csv")" -eq 4
check "... with other returns than the built-in reward" sh -c "! cmp -s '$tmp/a/eval.csv' '$tmp/c/eval.csv'"

# A reward function that returns NaN on its fifth step.
"$rlrun" $small --set deepracer.reward_function="$plugdir/nanreward.la" \
    --set run.output_dir="$tmp/n" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/n.err"
check "NaN reward: exit status 1" test $? -eq 1
check "NaN reward: one line on stderr" test "$(wc -l <"$tmp/n.err")" -eq 1
check "NaN reward: the error names the function, the step and the parameters" grep -q \
    "training failed at iteration 1: .*reward function 'reward_function in .*nanreward.la' returned nan at step 5 (it must be finite and within \[-1e5, 1e5\]); parameters: x .*, progress .*, closest_waypoints \[.*steps 5$" "$tmp/n.err"
check "NaN reward: no checkpoint was written" test ! -e "$tmp/n/checkpoint.rlck"
"$rlrun" $small --set deepracer.reward_function="$plugdir/nanreward.la" --set deepracer.reward_symbol=huge_reward \
    --set run.output_dir="$tmp/h" "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/h.err"
check "reward beyond 1e5: exit status 1" test $? -eq 1
check "reward beyond 1e5: the error says so" grep -q "reward function 'huge_reward in .*' returned 200000 at step 3" "$tmp/h.err"

# Continuous actions: the trace's action column is "[steer speed]".
"$rlrun" $small --trace --set deepracer.action_space_type=continuous --set deepracer.speed_range=0.5,2 \
    --set run.output_dir="$tmp/k" "$src/examples/deepracer.ini" >/dev/null 2>&1
check "continuous actions: exit 0" test $? -eq 0
check "continuous actions: the action column holds [steer speed] within the ranges" awk -F, '
    NR == 1 { next }
    { if ($8 !~ /^\[-?[0-9.]+ [0-9.]+\]$/) bad = 1
      split(substr($8, 2, length($8) - 2), a, " ")
      if (a[1] < -30 || a[1] > 30 || a[2] < 0.5 || a[2] > 2 || a[1] != $6 || a[2] != $7) bad = 1 }
    END { exit bad || NR < 2 }' "$tmp/k/training-simtrace/1-iteration.csv"

# The lidar observation trains too.
"$rlrun" $small --set deepracer.observation=lidar --set run.output_dir="$tmp/l" "$src/examples/deepracer.ini" >/dev/null 2>&1
check "lidar observation: exit 0" test $? -eq 0

# Reversed direction on the oval, with off-track resets in evaluation: the
# barely trained car leaves the road, and the laps count their off-tracks;
# the 2 s the car is held each time (30 steps) are in the lap's length.
"$rlrun" $small --set deepracer.track=oval --set deepracer.is_reversed=true \
    --set deepracer.off_track_penalty=2 --set deepracer.is_continuous=false \
    --set run.output_dir="$tmp/r" "$src/examples/deepracer.ini" >/dev/null 2>&1
check "reversed oval with resets: exit 0" test $? -eq 0
check "resets: the laps count their off-tracks, lap_time = (length - 1) / 15" awk -F, '
    NR > 1 { d = $6 - ($3 - 1) / 15; if (d > 1e-6 || d < -1e-6) bad = 1
             if ($8 > 0) offs++; if ($9 == 1 && $7 != 100) bad = 1
             if ($8 > 0 && $3 < 31 * $8) bad = 1 }
    END { exit bad || offs == 0 }' "$tmp/r/eval.csv"

finish
