#!/bin/sh
# same_progress.sh A B: exit 0 when the progress.csv files A and B are the
# same but for their wall-clock columns (wall_time, steps_per_s), which no
# two runs share; print the first differences otherwise.
strip() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_time" || $i == "steps_per_s") drop[i] = 1 }
             { out = ""; sep = ""; for (i = 1; i <= NF; i++) if (!(i in drop)) { out = out sep $i; sep = "," } print out }' "$1"
}
[ -f "$1" ] && [ -f "$2" ] || { echo "same_progress.sh: missing $1 or $2" >&2; exit 1; }
a=$(strip "$1") && b=$(strip "$2") || exit 1
[ "$a" = "$b" ] && exit 0
printf '%s\n' "$a" >"${TMPDIR:-/tmp}/same_progress.$$.a"
printf '%s\n' "$b" | diff "${TMPDIR:-/tmp}/same_progress.$$.a" - | head -n 5 >&2
rm -f "${TMPDIR:-/tmp}/same_progress.$$.a"
exit 1
