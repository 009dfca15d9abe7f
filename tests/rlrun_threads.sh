#!/bin/sh
# [run] threads: the same seed and configuration give byte-identical
# checkpoints, progress.csv (but for its wall-clock columns) and eval.csv
# for 1, 2 and 3 threads, on the DeepRacer example (discrete actions,
# traced and untraced) and on Pendulum (continuous actions); a bad value is
# refused with the file, line and key.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" threads
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"
cd "$tmp" || exit 99

same_runs() { # TAG INI STEPS EXTRA... (set nockpt=1 to skip the checkpoints)
    tag=$1 ini=$2 steps=$3; shift 3
    for t in 1 2 3; do
        "$rlrun" --quiet --set run.output_dir="$tmp/$tag-$t" --set run.threads=$t \
            --set run.total_steps="$steps" --set run.plots=false "$@" "$ini" >"$tmp/$tag-$t.out" 2>&1
        check "$tag: $t threads exit 0" test $? -eq 0
    done
    for t in 2 3; do
        [ "${nockpt:-0}" = 1 ] ||
            check "$tag: checkpoint at $t threads = 1 thread" cmp "$tmp/$tag-1/checkpoint.rlck" "$tmp/$tag-$t/checkpoint.rlck"
        check "$tag: progress.csv at $t threads = 1 thread" sh "$samep" "$tmp/$tag-1/progress.csv" "$tmp/$tag-$t/progress.csv"
        check "$tag: eval.csv at $t threads = 1 thread" cmp "$tmp/$tag-1/eval.csv" "$tmp/$tag-$t/eval.csv"
    done
    check "$tag: several iterations" test "$(wc -l <"$tmp/$tag-1/progress.csv")" -ge 4
}

same_runs deepracer "$src/examples/deepracer.ini" 40000 --set run.eval_episodes=1
# Traced, the batch steps on one thread. Its trace rows carry the wall
# clock (the simulator's wall_clock column), so even two runs on one thread
# differ there and in the rows a checkpoint holds: compare the rest.
nockpt=1 same_runs deepracer-trace "$src/examples/deepracer.ini" 20000 --set run.eval_episodes=1 --trace
noclock() { # the simtrace CSVs of a run, without the wall_clock column
    for f in "$1"/training-simtrace/*.csv; do
        awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_clock") w = i }
                 { out = ""; for (i = 1; i <= NF; i++) if (i != w) out = out $i ","; print out }' "$f"
    done
}
noclock "$tmp/deepracer-trace-1" >"$tmp/trace-1.txt"
check "deepracer-trace: training traces written" test "$(wc -l <"$tmp/trace-1.txt")" -gt 1000
for t in 2 3; do
    noclock "$tmp/deepracer-trace-$t" >"$tmp/trace-$t.txt"
    check "deepracer-trace: training traces at $t threads = 1 thread" cmp "$tmp/trace-1.txt" "$tmp/trace-$t.txt"
done
same_runs pendulum "$src/examples/pendulum.ini" 20000 --set run.eval_episodes=2

# A bad number of threads: exit 2, file:line and key.
printf '[run]\nenv = cartpole\nthreads = -1\n' >"$tmp/bad.ini"
"$rlrun" --quiet "$tmp/bad.ini" >"$tmp/bad.out" 2>&1
check "threads = -1: exit 2" test $? -eq 2
check "threads = -1: names file, line and key" grep -q "bad.ini:3.*threads" "$tmp/bad.out"
check "threads = -1: no run directory" test ! -e "$tmp/runs"

finish
