#!/bin/sh
# rlrun end to end on the rota plugin: both examples train on the synthetic
# series and, on the held-out period, the agent's total cost is below both
# baselines' (fixed seed); eval.csv holds the metrics; runs are
# deterministic and resume exactly; one line switches the environment; the real CSVs of
# ../shared/data/rota load and train; a malformed CSV is an error naming
# file:line.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" rota
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"

header="episode,return,length,terminated,truncated,agent_total_cost,agent_service_level,agent_idle_staff_periods,agent_mean_wait,fixed_total_cost,fixed_service_level,fixed_idle_staff_periods,fixed_mean_wait,reactive_total_cost,reactive_service_level,reactive_idle_staff_periods,reactive_mean_wait,fixed_staff_level"

# Column NAME of the first row of eval.csv in run directory DIR.
col() { # DIR NAME
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
                          NR == 2 { print $c }' "$1/eval.csv"
}
# True when a < b (decimal numbers).
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

# The mean of column NAME over the rows of DIR/eval.csv, times SCALE, as
# printf FMT: the figure the summary table shows.
mean() { # DIR NAME FMT SCALE
    awk -F, -v name="$2" -v fmt="$3" -v scale="$4" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        { s += $c; n++ } END { printf fmt, s / n * scale }' "$1/eval.csv"
}
# A row of the summary table as rlrun must print it, from eval.csv: LABEL,
# then the agent's, the fixed level's and the reactive rule's mean of
# metric NAME (agent_NAME, fixed_NAME, reactive_NAME), each right-aligned
# in 16.
row() { # DIR LABEL FMT SCALE NAME
    line=$(printf '  %-24s' "$2")
    for who in agent fixed reactive; do
        line="$line$(printf '%16s' "$(mean "$1" "${who}_$5" "$3" "$4")")"
    done
    printf '%s\n' "$line"
}
# The summary table of run directory DIR (stdout in OUT), every row checked
# against eval.csv; UNIT is the series' period (hours or days).
check_table() { # RUN DIR OUT UNIT
    check "$1: table header names the fixed level" grep -qxF \
        "$(printf '  %-24s%16s%16s%16s' '' agent "fixed $(mean "$2" fixed_staff_level %.0f 1) staff" reactive)" "$3"
    check "$1: cost row matches eval.csv" grep -qxF "$(row "$2" 'total cost (cost units)' %.2f 1 total_cost)" "$3"
    check "$1: service row matches eval.csv" grep -qxF "$(row "$2" 'service level (%)' %.2f 100 service_level)" "$3"
    check "$1: idle row matches eval.csv" grep -qxF "$(row "$2" "idle staff-$4" %.2f 1 idle_staff_periods)" "$3"
    check "$1: wait row matches eval.csv" grep -qxF "$(row "$2" "mean wait ($4)" %.4f 1 mean_wait)" "$3"
    check "$1: no flat list of metric means" test "$(grep -c ': mean ' "$3")" -eq 0
}

for ex in rota rota-qlearn; do
    "$rlrun" --set run.output_dir="$tmp/$ex" "$src/examples/$ex.ini" >"$tmp/$ex.out" 2>"$tmp/$ex.err"
    check "$ex: exits 0" test $? -eq 0
    cat "$tmp/$ex.out"
    check "$ex: eval.csv header" grep -qx "$header" "$tmp/$ex/eval.csv"
    check "$ex: one held-out episode of 1008 hours" test "$(col "$tmp/$ex" length)" = 1008
    # 140 synthetic days from 2024-01-01 00:00: hours 2352 .. 3359 (days
    # 98 .. 139) are held out.
    check "$ex: table heading: the held-out period" grep -qxF \
        "  held-out period 2024-04-08 00:00 .. 2024-05-19 23:00: 1008 hours of the synthetic series" "$tmp/$ex.out"
    check_table "$ex" "$tmp/$ex" "$tmp/$ex.out" hours
    # The per-episode line (eval_episodes <= 20, not --quiet) has the
    # summary's number format, %.4f, as the metrics' means had.
    check "$ex: the episode line's figures in %.4f" grep -q "^  episode 1: return [-0-9.]*, length 1008, agent_total_cost $(mean "$tmp/$ex" agent_total_cost %.4f 1), .*, fixed_staff_level $(mean "$tmp/$ex" fixed_staff_level %.4f 1)\$" "$tmp/$ex.out"
    agent=$(col "$tmp/$ex" agent_total_cost)
    fixed=$(col "$tmp/$ex" fixed_total_cost)
    reactive=$(col "$tmp/$ex" reactive_total_cost)
    echo "$ex: agent $agent, fixed $fixed, reactive $reactive"
    check "$ex: agent cheaper than fixed staffing" less "$agent" "$fixed"
    check "$ex: agent cheaper than the reactive rule" less "$agent" "$reactive"
done
# The baselines do not depend on the agent: the same in both runs.
check "baselines agree across algorithms" test "$(cut -d, -f10- "$tmp/rota/eval.csv")" = "$(cut -d, -f10- "$tmp/rota-qlearn/eval.csv")"
# Figures of the synthetic series with the default keys (fixed seed 1).
check "fixed baseline: level 17, cost 18466" test "$(col "$tmp/rota" fixed_staff_level),$(col "$tmp/rota" fixed_total_cost)" = "17,18466"
check "reactive baseline: cost 18263" test "$(col "$tmp/rota" reactive_total_cost)" = 18263

"$rlrun" --quiet --set run.output_dir="$tmp/again" "$src/examples/rota-qlearn.ini" >/dev/null 2>&1
check "same seed, same eval.csv" cmp -s "$tmp/rota-qlearn/eval.csv" "$tmp/again/eval.csv"
check "same seed, same checkpoint" cmp -s "$tmp/rota-qlearn/checkpoint.rlck" "$tmp/again/checkpoint.rlck"

# A run resumed half way ends exactly as the uninterrupted one.
"$rlrun" --quiet --set run.total_steps=400000 --set run.output_dir="$tmp/whole" "$src/examples/rota-qlearn.ini" >/dev/null 2>&1
"$rlrun" --quiet --set run.total_steps=200000 --set run.output_dir="$tmp/half" "$src/examples/rota-qlearn.ini" >/dev/null 2>&1
"$rlrun" --quiet --resume "$tmp/half" --set run.total_steps=400000 >/dev/null 2>&1
check "resume: same checkpoint" cmp -s "$tmp/whole/checkpoint.rlck" "$tmp/half/checkpoint.rlck"
check "resume: same progress.csv" sh "$samep" "$tmp/whole/progress.csv" "$tmp/half/progress.csv"

# One line switches the environment.
"$rlrun" --quiet --set run.env=cartpole --set run.total_steps=2048 --set run.eval_episodes=1 \
    --set run.output_dir="$tmp/swap" "$src/examples/rota.ini" >"$tmp/swap.out" 2>&1
check "run.env=cartpole trains cartpole from rota.ini" grep -q "evaluation (cartpole" "$tmp/swap.out"

# A malformed CSV: file and line, exit 2 (a configuration error), no run directory.
printf 'timestamp,demand\n2024-01-01 00:00,1\n2024-01-01 01:00,zz\n' >"$tmp/bad.csv"
"$rlrun" --set rota.data="$tmp/bad.csv" --set run.output_dir="$tmp/bad" "$src/examples/rota-qlearn.ini" \
    >/dev/null 2>"$tmp/bad.err"
check "bad CSV: exit 2" test $? -eq 2
check "bad CSV: names file:line" grep -qx "rlrun: rota: $tmp/bad.csv:3: bad number 'zz' in column 'demand'" "$tmp/bad.err"
check "bad CSV: no run directory" test ! -e "$tmp/bad"
"$rlrun" --set rota.train_end=2024-03-01 --set rota.eval_start=2024-02-01 \
    --set run.output_dir="$tmp/bad" "$src/examples/rota-qlearn.ini" >/dev/null 2>"$tmp/split.err"
check "evaluation before training: exit 2" test $? -eq 2
check "evaluation before training: names the key" grep -q "\[rota\] eval_start: the evaluation split must start after train_end" "$tmp/split.err"

# The real files: they load and train (a short budget; doc/rota.md has the
# full runs).
data="$src/../shared/data/rota"
if [ -r "$data/uihc_ed_arrivals_hourly.csv" ] && [ -r "$data/bike_sharing_hour.csv" ]; then
    "$rlrun" --quiet --set run.output_dir="$tmp/uihc" --set run.total_steps=100000 \
        --set rota.data="$data/uihc_ed_arrivals_hourly.csv" --set rota.time_column=Date \
        --set rota.hour_column=Hour --set rota.demand_column=Arrivals --set rota.capacity=2 \
        --set rota.max_staff=15 --set rota.unserved=queued --set rota.train_end=2016-12-31 \
        --set rota.eval_start=2017-01-01 "$src/examples/rota-qlearn.ini" >"$tmp/uihc.out" 2>&1
    check "UIHC ED arrivals: trains and evaluates" test $? -eq 0
    check "UIHC ED arrivals: 455 held-out days" test "$(col "$tmp/uihc" length)" = 10920
    # The heading: the file's first row on eval_start and its last row
    # (Date is column 7, Hour column 5), and the hours between.
    head=$(awk -F, -v path="$data/uihc_ed_arrivals_hourly.csv" '
        NR > 1 && $7 >= "2017-01-01" { if (!n++) first = sprintf("%s %02d:00", $7, $5); last = sprintf("%s %02d:00", $7, $5) }
        END { printf "  held-out period %s .. %s: %d hours of %s", first, last, n, path }' "$data/uihc_ed_arrivals_hourly.csv")
    grep '^  held-out' "$tmp/uihc.out"
    check "UIHC ED arrivals: table heading: the held-out period's first and last hour" grep -qxF "$head" "$tmp/uihc.out"
    check_table "UIHC ED arrivals" "$tmp/uihc" "$tmp/uihc.out" hours
    "$rlrun" --quiet --set run.output_dir="$tmp/bike" --set run.total_steps=100000 \
        --set rota.data="$data/bike_sharing_hour.csv" --set rota.time_column=dteday \
        --set rota.hour_column=hr --set rota.demand_column=cnt --set rota.capacity=20 \
        --set rota.max_staff=50 --set rota.max_change=3 --set rota.train_end=2012-06-30 \
        --set rota.eval_start=2012-07-01 "$src/examples/rota-qlearn.ini" >/dev/null 2>&1
    check "bike sharing: trains and evaluates" test $? -eq 0
    check "bike sharing: 184 held-out days, missing hours filled" test "$(col "$tmp/bike" length)" = 4416
else
    echo "SKIP: $data is absent, the real files are not tried"
fi

finish
