#!/bin/sh
# The AWS DeepRacer example reward functions, as Python files run
# unchanged (examples/reward/*.py), each training examples/deepracer.ini
# with its full budget on the default track: each must complete 3 of 3
# evaluation laps. Prints each run's wall time and lap time. The runs go
# two at a time (one per core), about 30 s a pair, so this is not part of
# `make check`: .ci/run runs it after tests/e2e_deepracer.sh. Skips, with
# the reason, when this librl was built without CPython.
#
#   sh tests/e2e_pyreward.sh            (from a built source tree)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
rlrun="${abs_top_builddir:-$here}/src/rlrun"
src="${abs_top_srcdir:-$here}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-e2e-py.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0; skips=0
export OPENBLAS_NUM_THREADS=1
examples="follow_center_line stay_inside_borders prevent_zigzag speed steps_progress self_motivator"

# A build without CPython says so before training.
"$rlrun" --quiet --set run.total_steps=1 --set run.output_dir="$tmp/probe" \
    --set deepracer.reward_function="$src/examples/reward/follow_center_line.py" \
    "$src/examples/deepracer.ini" >/dev/null 2>"$tmp/probe.err"
if grep -q "built without Python" "$tmp/probe.err"; then
    for name in $examples; do echo "SKIP: $name.py: $(sed 's/.*: this librl/this librl/' "$tmp/probe.err")"; done
    echo "0 passed, 0 failed, 6 skipped"
    exit 0
fi

run() { # NAME
    name=$1
    t0=$(date +%s.%N)
    "$rlrun" --quiet --set run.output_dir="$tmp/$name" \
        --set deepracer.reward_function="$src/examples/reward/$name.py" \
        "$src/examples/deepracer.ini" >"$tmp/$name.out" 2>&1
    status=$?
    t1=$(date +%s.%N)
    wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
    laps=$(awk -F, 'NR > 1 && $9 == 1 { n++ } END { print n + 0 }' "$tmp/$name/eval.csv" 2>/dev/null)
    laptime=$(awk -F, 'NR > 1 { s += $6; n++ } END { if (n) printf "%.2f", s / n }' "$tmp/$name/eval.csv" 2>/dev/null)
    if [ "$status" -eq 0 ] && [ "$laps" = 3 ]; then
        echo "PASS: $name.py: 3/3 laps complete, lap time ${laptime} s simulated, ${wall} s wall" >"$tmp/$name.result"
    else
        { echo "FAIL: $name.py: exit $status, ${laps:-0}/3 laps complete (${wall} s wall)"
          cat "$tmp/$name.out"; } >"$tmp/$name.result"
    fi
}

# Two runs at a time.
set -- $examples
while [ $# -gt 0 ]; do
    run "$1" &
    if [ $# -gt 1 ]; then run "$2" & shift; fi
    shift
    wait
done
for name in $examples; do
    cat "$tmp/$name.result"
    if grep -q '^PASS' "$tmp/$name.result"; then passes=$((passes + 1)); else fails=$((fails + 1)); fi
done
echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ]
