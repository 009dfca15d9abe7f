#!/bin/sh
# rlrun with several deepracer tracks, and what --eval and --resume restore,
# on small budgets: a continuous-action run (whose iterations end as an
# episode ends, the case --resume and --eval used to refuse) evaluates again,
# on a track it never trained on and with another num_envs (the same laps:
# evaluation does not depend on the training episodes under way), and
# resumes to the checkpoint of a straight run; `track = a, b` switches
# tracks from episode to episode (the training trace's track_len column),
# evaluates on the first, is deterministic, and a bad track in the list
# stops rlrun with exit status 2 naming it.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" multitrack
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"
ex="$src/examples/deepracer.ini"
# Iterations of 4 whole episodes; evaluation laps cut after 1500 steps.
small="--quiet --set run.num_envs=4 --set ppo.episodes_per_iteration=4 --set ppo.epochs=1
       --set run.eval_max_steps=1500 --set deepracer.action_space_type=continuous
       --set deepracer.speed_range=0.5,2"

# Track lengths in the trace's form (2 decimals), each distinct value once.
track_lens() { tail -n +2 "$1" | cut -d, -f14 | sort -u | tr '\n' ' '; }

# ---- a continuous-action run: --eval and --resume -----------------------
"$rlrun" $small --trace --set run.total_steps=1500 --set run.output_dir="$tmp/c" "$ex" \
    >"$tmp/c.out" 2>&1
check "continuous run exits 0" test $? -eq 0
check "continuous run: 3 evaluation laps on technical" test "$(wc -l <"$tmp/c/eval.csv")" -eq 4
cp "$tmp/c/eval.csv" "$tmp/c-eval.csv"

"$rlrun" --quiet --eval "$tmp/c" >"$tmp/ce.out" 2>&1
check "--eval of a continuous run exits 0" test $? -eq 0
check "--eval drives the run's laps again" cmp -s "$tmp/c/eval.csv" "$tmp/c-eval.csv"

"$rlrun" --quiet --eval "$tmp/c" --set run.num_envs=3 >"$tmp/cn.out" 2>&1
check "--eval with another num_envs exits 0" test $? -eq 0
check "--eval with another num_envs drives the same laps" cmp -s "$tmp/c/eval.csv" "$tmp/c-eval.csv"

rm -rf "$tmp"/c/evaluation-*
"$rlrun" --quiet --trace --eval "$tmp/c" --set deepracer.track=oval >"$tmp/co.out" 2>&1
check "--eval on a track never trained on (oval) exits 0" test $? -eq 0
check "--eval on oval: 3 laps" test "$(wc -l <"$tmp/c/eval.csv")" -eq 4
evaltrace=$(ls "$tmp"/c/evaluation-*/evaluation-simtrace/0-iteration.csv 2>/dev/null | head -n 1)
check "--eval on oval drives oval (track_len 20.05)" test "$(track_lens "$evaltrace")" = "20.05 "
reinvent="$src/../shared/tracks/reinvent_base.npy"
if [ -f "$reinvent" ]; then
    "$rlrun" --quiet --eval "$tmp/c" --set deepracer.track="$reinvent" >"$tmp/cr.out" 2>&1
    check "--eval on reinvent_base exits 0" test $? -eq 0
else
    echo "note: $reinvent is absent: the reinvent_base evaluation is skipped"
fi

# --resume continues, to the checkpoint and progress.csv a straight run
# reaches.
"$rlrun" --quiet --resume "$tmp/c" --set run.total_steps=3000 >"$tmp/cres.out" 2>&1
check "--resume of a continuous run exits 0" test $? -eq 0
"$rlrun" $small --set run.total_steps=3000 --set run.output_dir="$tmp/s" "$ex" >/dev/null 2>&1
check "straight continuous run exits 0" test $? -eq 0
check "--resume continued: more iterations" \
    test "$(wc -l <"$tmp/c/progress.csv")" -gt "$(wc -l <"$tmp/c-eval.csv")"
check "resumed progress.csv is the straight run's" sh "$samep" "$tmp/c/progress.csv" "$tmp/s/progress.csv"
# (The resumed run traced its first part, so its checkpoint holds trace
# rows; compare with one resumed without tracing.)
"$rlrun" $small --set run.total_steps=1500 --set run.output_dir="$tmp/u" "$ex" >/dev/null 2>&1
"$rlrun" --quiet --resume "$tmp/u" --set run.total_steps=3000 >/dev/null 2>&1
check "resumed checkpoint is byte-identical to the straight run's" \
    cmp -s "$tmp/u/checkpoint.rlck" "$tmp/s/checkpoint.rlck"

# ---- several tracks ------------------------------------------------------
"$rlrun" $small --trace --set run.total_steps=3000 --set 'deepracer.track=technical, oval' \
    --set run.output_dir="$tmp/m" "$ex" >"$tmp/m.out" 2>&1
check "two-track run exits 0" test $? -eq 0
check "training traces hold both tracks (track_len 20.05 and 31.86)" \
    test "$(cat "$tmp"/m/training-simtrace/*.csv | grep -v '^episode' | cut -d, -f14 | sort -u | tr '\n' ' ')" = "20.05 31.86 "
check "each training episode stays on one track, and they take turns" awk -F, '
    FNR == 1 { next }
    { if (($1 in len) && len[$1] != $14) bad = 1; len[$1] = $14; n[$14]++ }
    END { if (bad || length(n) != 2) exit 1 }' "$tmp"/m/training-simtrace/*.csv
evaltrace=$(ls "$tmp"/m/evaluation-*/evaluation-simtrace/0-iteration.csv 2>/dev/null | head -n 1)
check "evaluation drives the first track (technical, 31.86)" test "$(track_lens "$evaltrace")" = "31.86 "
check "config.ini keeps the list" grep -qx "track = technical, oval" "$tmp/m/config.ini"

"$rlrun" $small --set run.total_steps=3000 --set 'deepracer.track=technical, oval' \
    --set run.output_dir="$tmp/m1" "$ex" >/dev/null 2>&1
"$rlrun" $small --set run.total_steps=3000 --set 'deepracer.track=technical, oval' \
    --set run.output_dir="$tmp/m2" "$ex" >/dev/null 2>&1
check "two tracks: same seed, same progress.csv" sh "$samep" "$tmp/m1/progress.csv" "$tmp/m2/progress.csv"
check "two tracks: same seed, same checkpoint" cmp -s "$tmp/m1/checkpoint.rlck" "$tmp/m2/checkpoint.rlck"
differ() { ! sh "$samep" "$1" "$2" 2>/dev/null; }
check "two tracks train otherwise than one" differ "$tmp/m1/progress.csv" "$tmp/s/progress.csv"

# --resume needs the list it trained with; --eval takes any.
"$rlrun" --quiet --resume "$tmp/m1" --set run.total_steps=4500 >/dev/null 2>&1
check "--resume of a two-track run exits 0" test $? -eq 0
"$rlrun" --quiet --eval "$tmp/m1" --set deepracer.track=oval >/dev/null 2>&1
check "--eval of a two-track run on one of them exits 0" test $? -eq 0

# ---- a bad track in the list ---------------------------------------------
"$rlrun" $small --set 'deepracer.track=technical, nosuch' --set run.output_dir="$tmp/bad" "$ex" \
    >"$tmp/bad.out" 2>"$tmp/bad.err"
check "a bad track in the list: exit status 2" test $? -eq 2
check "... one line naming the key, the place and the track" \
    grep -q "^rlrun: .*\[deepracer\] track: track 2 of 2: no track named 'nosuch'" "$tmp/bad.err"
check "... one line only" test "$(wc -l <"$tmp/bad.err")" -eq 1
check "... and no run directory" test ! -e "$tmp/bad"
printf 'bad\n' >"$tmp/bad.csv"
"$rlrun" $small --set "deepracer.track=oval,$tmp/bad.csv" --set run.output_dir="$tmp/bad" "$ex" \
    >/dev/null 2>"$tmp/bad2.err"
check "a malformed track file in the list: exit status 2" test $? -eq 2
check "... naming its place and the file" grep -q "track 2 of 2: $tmp/bad.csv" "$tmp/bad2.err"

finish
