#!/bin/sh
# The DeepRacer example end to end, as a user runs it: examples/deepracer.ini
# trains with its full budget and evaluates 3 laps, on the project's default
# track and on two official DeepRacer tracks from ../shared/tracks (the
# re:Invent 2018 track, counter-clockwise, and the clockwise Spain track).
# Each must complete 3 of 3 evaluation laps. Prints each run's wall time
# and lap time. The runs go two at a time (one per core) and take about a
# minute in all, so this is not part of `make check`: .ci/run runs it after
# the suite.
#
# With an INI (and a bound), the same for another example: the laps' mean
# lap_time_ratio (each lap's time over the race line's for that lap,
# eval.csv) must be at most the bound too; .ci/run checks
# examples/deepracer-fast.ini at 1.10.
#
#   sh tests/e2e_deepracer.sh            (from a built source tree)
#   sh tests/e2e_deepracer.sh examples/deepracer-fast.ini 1.10
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
rlrun="${abs_top_builddir:-$here}/src/rlrun"
src="${abs_top_srcdir:-$here}"
shared="$src/../shared/tracks"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-e2e-dr.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0; skips=0
export OPENBLAS_NUM_THREADS=1
ini="$src/${1:-examples/deepracer.ini}"
bound=${2:-}

run() { # NAME TRACK-OR-EMPTY
    name=$1 track=$2
    set -- --quiet --set run.output_dir="$tmp/$name"
    [ -n "$track" ] && set -- "$@" --set deepracer.track="$track"
    t0=$(date +%s.%N)
    "$rlrun" "$@" "$ini" >"$tmp/$name.out" 2>&1
    status=$?
    t1=$(date +%s.%N)
    wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
    laps=$(awk -F, 'NR > 1 && $9 == 1 { n++ } END { print n + 0 }' "$tmp/$name/eval.csv" 2>/dev/null)
    laptime=$(awk -F, 'NR > 1 { s += $6; n++ } END { if (n) printf "%.2f", s / n }' "$tmp/$name/eval.csv" 2>/dev/null)
    # Columns by name: the laps' mean ratio to the race line, and the worst.
    ratio=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "lap_time_ratio") c = i; next }
        c { s += $c; n++ } END { if (n) printf "%.3f", s / n }' "$tmp/$name/eval.csv" 2>/dev/null)
    worst=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "lap_time_ratio") c = i; next }
        c && $c > m { m = $c } END { printf "%.3f", m }' "$tmp/$name/eval.csv" 2>/dev/null)
    fast=yes
    [ -n "$bound" ] && fast=$(awk -v r="$ratio" -v b="$bound" 'BEGIN { print (r > 0 && r <= b) ? "yes" : "no" }')
    if [ "$status" -eq 0 ] && [ "$laps" = 3 ] && [ "$fast" = yes ]; then
        echo "PASS: $name: 3/3 laps complete, lap time ${laptime} s simulated, laps ${ratio} x the race line on average (worst ${worst}), ${wall} s wall" >"$tmp/$name.result"
    else
        { echo "FAIL: $name: exit $status, ${laps:-0}/3 laps complete, laps ${ratio} x the race line on average${bound:+ (at most $bound)}, worst ${worst} (${wall} s wall)"
          cat "$tmp/$name.out"; } >"$tmp/$name.result"
    fi
}

# Two runs at a time, then the third; each writes its verdict to a file.
names="technical"
run technical "" &
for f in reinvent_base Spain_track; do
    if [ -f "$shared/$f.npy" ]; then
        [ "$f" = Spain_track ] && wait
        run "$f" "$shared/$f.npy" &
        names="$names $f"
    else
        skips=$((skips + 1))
        echo "SKIP: $f: $shared/$f.npy is absent (the official tracks live in ../shared/tracks)"
    fi
done
wait
for name in $names; do
    cat "$tmp/$name.result"
    if grep -q '^PASS' "$tmp/$name.result"; then passes=$((passes + 1)); else fails=$((fails + 1)); fi
done
echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ]
