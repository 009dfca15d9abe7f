#!/bin/sh
# The DeepRacer example end to end, as a user runs it: examples/deepracer.ini
# trains with its full budget and evaluates 3 laps, on the project's default
# track and on two official DeepRacer tracks from ../shared/tracks (the
# re:Invent 2018 track, counter-clockwise, and the clockwise Spain track).
# Each must complete 3 of 3 evaluation laps. Prints each run's wall time
# and lap time; takes about a minute and a half on one core, so it is not
# part of `make check`: .ci/run runs it after the suite.
#
#   sh tests/e2e_deepracer.sh            (from a built source tree)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
rlrun="${abs_top_builddir:-$here}/src/rlrun"
src="${abs_top_srcdir:-$here}"
shared="$src/../shared/tracks"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-e2e-dr.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0; skips=0
export OPENBLAS_NUM_THREADS=1

run() { # NAME TRACK-OR-EMPTY
    name=$1 track=$2
    set -- --quiet --set run.output_dir="$tmp/$name"
    [ -n "$track" ] && set -- "$@" --set deepracer.track="$track"
    t0=$(date +%s.%N)
    "$rlrun" "$@" "$src/examples/deepracer.ini" >"$tmp/$name.out" 2>&1
    status=$?
    t1=$(date +%s.%N)
    wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
    laps=$(awk -F, 'NR > 1 && $9 == 1 { n++ } END { print n + 0 }' "$tmp/$name/eval.csv" 2>/dev/null)
    laptime=$(awk -F, 'NR > 1 { s += $6; n++ } END { if (n) printf "%.2f", s / n }' "$tmp/$name/eval.csv" 2>/dev/null)
    if [ "$status" -eq 0 ] && [ "$laps" = 3 ]; then
        passes=$((passes + 1))
        echo "PASS: $name: 3/3 laps complete, lap time ${laptime} s simulated, ${wall} s wall"
    else
        fails=$((fails + 1))
        echo "FAIL: $name: exit $status, ${laps:-0}/3 laps complete (${wall} s wall)"
        cat "$tmp/$name.out"
    fi
}

run technical ""
for f in reinvent_base Spain_track; do
    if [ -f "$shared/$f.npy" ]; then
        run "$f" "$shared/$f.npy"
    else
        skips=$((skips + 1))
        echo "SKIP: $f: $shared/$f.npy is absent (the official tracks live in ../shared/tracks)"
    fi
done
echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ]
