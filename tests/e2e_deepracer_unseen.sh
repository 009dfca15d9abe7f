#!/bin/sh
# Generalisation, as a user tries it: examples/deepracer-fast.ini trained on
# two of the project's tracks together (track = technical, oval), then
# evaluated with --eval on the re:Invent 2018 track from ../shared/tracks,
# which it never saw. It must complete 3 of 3 laps there. Prints the wall
# time and the laps' times beside the race line. About a minute and a
# half; .ci/run runs it after the suite. Skipped when ../shared is absent.
#
#   sh tests/e2e_deepracer_unseen.sh     (from a built source tree)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
rlrun="${abs_top_builddir:-$here}/src/rlrun"
src="${abs_top_srcdir:-$here}"
unseen="$src/../shared/tracks/reinvent_base.npy"
if [ ! -f "$unseen" ]; then
    echo "SKIP: $unseen is absent (the official tracks live in ../shared/tracks)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-e2e-unseen.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1
t0=$(date +%s.%N)
"$rlrun" --quiet --set run.output_dir="$tmp/run" --set deepracer.track="technical, oval" \
    "$src/examples/deepracer-fast.ini" >"$tmp/train.out" 2>&1
train=$?
"$rlrun" --quiet --eval "$tmp/run" --set deepracer.track="$unseen" >"$tmp/eval.out" 2>&1
status=$?
t1=$(date +%s.%N)
wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
csv="$tmp/run/eval.csv"
laps=$(awk -F, 'NR > 1 && $9 == 1 { n++ } END { print n + 0 }' "$csv" 2>/dev/null)
ratios=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "lap_time_ratio") c = i; next }
    c { printf "%s%.3f", (n++ ? " " : ""), $c }' "$csv" 2>/dev/null)
if [ "$train" -eq 0 ] && [ "$status" -eq 0 ] && [ "$laps" = 3 ]; then
    echo "PASS: trained on technical and oval, 3/3 laps on reinvent_base (laps ${ratios} x the race line), ${wall} s wall"
    exit 0
fi
echo "FAIL: trained on technical and oval (exit $train), evaluated on reinvent_base (exit $status): ${laps:-0}/3 laps (${wall} s wall)"
cat "$tmp/train.out" "$tmp/eval.out"
exit 1
