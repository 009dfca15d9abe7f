#!/bin/sh
# rlrun on the trading plugin end to end: both examples train and print the
# agent beside buy-and-hold and cash on the held-out period; with their
# fixed seeds the trained agent beats both baselines on the default
# synthetic series (where a better policy exists by construction); a run is
# deterministic and resumes exactly; the real CSVs in ../shared/data load and train, and their
# buy-and-hold figure matches the prices; malformed data and periods are
# errors naming file:line.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" trading
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"

# The value of column NAME of eval.csv's first row.
col() { # FILE NAME
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
                          NR == 2 { print $c }' "$1"
}
# awk comparisons on decimal numbers.
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'; }

# The mean of column NAME over eval.csv's rows, times SCALE, as printf FMT:
# the figure the summary table shows.
mean() { # FILE NAME FMT SCALE
    awk -F, -v name="$2" -v fmt="$3" -v scale="$4" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        { s += $c; n++ } END { printf fmt, s / n * scale }' "$1"
}
# A row of the summary table as rlrun must print it, from eval.csv: LABEL,
# then a cell per metric column (- for none), each right-aligned in 14.
row() { # FILE LABEL FMT SCALE COLUMN...
    f=$1 line=$(printf '  %-24s' "$2") fmt=$3 scale=$4
    shift 4
    for c in "$@"; do
        if [ "$c" = - ]; then v=-; else v=$(mean "$f" "$c" "$fmt" "$scale"); fi
        line="$line$(printf '%14s' "$v")"
    done
    printf '%s\n' "$line"
}
# Business day K of the synthetic series (from Monday 2000-01-03,
# day 10959 since 1970), as YYYY-MM-DD.
busday() { # K
    awk -v k="$1" 'BEGIN {
        z = 10959 + int(k / 5) * 7 + k % 5 + 719468   # days from 0000-03-01
        era = int(z / 146097); doe = z - era * 146097
        yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
        doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100)); mp = int((5 * doy + 2) / 153)
        d = doy - int((153 * mp + 2) / 5) + 1; m = mp < 10 ? mp + 3 : mp - 9
        printf "%04d-%02d-%02d", yoe + era * 400 + (m <= 2), m, d }'
}
# Lines of the summary table checked against eval.csv for run RUN (eval.csv
# in DIR, stdout in OUT).
check_table() { # RUN DIR OUT
    e="$2/eval.csv"
    check "$1: table header" grep -qxF "$(printf '  %-24s%14s%14s%14s' '' agent buy-and-hold cash)" "$3"
    check "$1: total return row matches eval.csv" grep -qxF \
        "$(row "$e" 'total return (%)' %.2f 100 agent_total_return buy_and_hold_total_return cash_total_return)" "$3"
    check "$1: Sharpe row matches eval.csv" grep -qxF \
        "$(row "$e" 'Sharpe ratio (annual)' %.4f 1 agent_sharpe buy_and_hold_sharpe cash_sharpe)" "$3"
    check "$1: drawdown row matches eval.csv" grep -qxF \
        "$(row "$e" 'max drawdown (%)' %.2f 100 agent_max_drawdown buy_and_hold_max_drawdown cash_max_drawdown)" "$3"
    check "$1: trades row matches eval.csv" grep -qxF \
        "$(row "$e" trades %.0f 1 agent_trades buy_and_hold_trades cash_trades)" "$3"
    check "$1: exposure row matches eval.csv" grep -qxF \
        "$(row "$e" 'exposure (% invested)' %.2f 100 agent_exposure - -)" "$3"
    check "$1: no flat list of metric means" test "$(grep -c ': mean ' "$3")" -eq 0
}

header="episode,return,length,terminated,truncated,agent_total_return,agent_sharpe,agent_max_drawdown,agent_trades,agent_exposure,buy_and_hold_total_return,buy_and_hold_sharpe,buy_and_hold_max_drawdown,buy_and_hold_trades,cash_total_return,cash_sharpe,cash_max_drawdown,cash_trades"

# ---- the examples: agent beside the baselines, and ahead of both --------------
for ex in trading trading-qlearn; do
    "$rlrun" --set run.output_dir="$tmp/$ex" "$src/examples/$ex.ini" >"$tmp/$ex.out" 2>"$tmp/$ex.err"
    check "$ex: exits 0" test $? -eq 0
    sed -n '/^evaluation/,$p' "$tmp/$ex.out"
    # The default series' held-out rows 3528 .. 5039 (doc/trading.md).
    check "$ex: table heading: the held-out period's dates" grep -qxF \
        "  held-out period $(busday 3528) .. $(busday 5039): 1511 trading days of the synthetic series" "$tmp/$ex.out"
    check_table "$ex" "$tmp/$ex" "$tmp/$ex.out"
    # The per-episode line (eval_episodes <= 20, not --quiet) has the
    # summary's number format, %.4f, as the metrics' means had.
    e="$tmp/$ex/eval.csv"
    check "$ex: the episode line's figures in %.4f" grep -q "^  episode 1: return [-0-9.]*, length 1511, agent_total_return $(mean "$e" agent_total_return %.4f 1), .*, agent_trades $(mean "$e" agent_trades %.4f 1), " "$tmp/$ex.out"
    check "$ex: eval.csv header" grep -qx "$header" "$tmp/$ex/eval.csv"
    check "$ex: one evaluation episode over the 1511 held-out days" \
        test "$(col "$tmp/$ex/eval.csv" length)" = 1511
    a=$(col "$tmp/$ex/eval.csv" agent_total_return)
    b=$(col "$tmp/$ex/eval.csv" buy_and_hold_total_return)
    c=$(col "$tmp/$ex/eval.csv" cash_total_return)
    echo "$ex: held-out total return: agent $a, buy-and-hold $b, cash $c"
    check "$ex: agent beats buy-and-hold" gt "$a" "$b"
    check "$ex: agent beats cash" gt "$a" "$c"
    check "$ex: agent's Sharpe beats buy-and-hold's" \
        gt "$(col "$tmp/$ex/eval.csv" agent_sharpe)" "$(col "$tmp/$ex/eval.csv" buy_and_hold_sharpe)"
    # Buy-and-hold on the synthetic series: 15 bps in, then the price.
    check "$ex: buy-and-hold return of the default series" near "$b" 0.2600615906
done

# ---- determinism ----------------------------------------------------------------
"$rlrun" --quiet --set run.output_dir="$tmp/again" "$src/examples/trading.ini" >/dev/null 2>&1
check "same seed, same eval.csv" cmp -s "$tmp/trading/eval.csv" "$tmp/again/eval.csv"
check "same seed, same progress.csv" sh "$samep" "$tmp/trading/progress.csv" "$tmp/again/progress.csv"

# ---- exact resume: 10 iterations, then --resume to 20, against 20 straight -----------
"$rlrun" --quiet --set run.total_steps=40960 --set run.output_dir="$tmp/r20" "$src/examples/trading.ini" >/dev/null 2>&1
"$rlrun" --quiet --set run.total_steps=20480 --set run.output_dir="$tmp/r10" "$src/examples/trading.ini" >/dev/null 2>&1
"$rlrun" --quiet --resume "$tmp/r10" --set run.total_steps=40960 >/dev/null 2>&1
check "resume: exits 0" test $? -eq 0
check "resume: the checkpoint of a straight run" cmp -s "$tmp/r20/checkpoint.rlck" "$tmp/r10/checkpoint.rlck"
check "resume: the evaluation of a straight run" cmp -s "$tmp/r20/eval.csv" "$tmp/r10/eval.csv"

# ---- continuous target positions, short selling -----------------------------------
"$rlrun" --quiet --set run.output_dir="$tmp/cont" --set run.total_steps=20000 \
    --set trading.actions=continuous --set trading.allow_short=true \
    "$src/examples/trading.ini" >"$tmp/cont.out" 2>&1
check "continuous actions train and evaluate" test $? -eq 0
check "continuous: the baselines are printed" grep -qx "  total return (%) *[-0-9.]* *26.01 *0.00" "$tmp/cont.out"

# ---- the real data ----------------------------------------------------------------
data="$src/../shared/data/trading"
if [ -d "$data" ]; then
    for f in AMZN_2014-2018 NVDA_1999-2014 YHOO_1996-2015 SP500_1999-2018; do
        "$rlrun" --quiet --set run.output_dir="$tmp/$f" --set run.total_steps=20000 \
            --set trading.data="$data/$f.csv" "$src/examples/trading.ini" >"$tmp/$f.out" 2>&1
        check "$f: loads, trains and evaluates" test $? -eq 0
        # Rows 0 .. n-1 of the file; the held-out period starts at row
        # floor(0.7 n); buy-and-hold pays 15 bps and holds to the last row.
        expect=$(awk -F, 'NR > 1 { p[n++] = $6 } END { s = int(0.7 * n); printf "%.10f", 0.9985 * p[n - 1] / p[s] - 1 }' "$data/$f.csv")
        got=$(col "$tmp/$f/eval.csv" buy_and_hold_total_return)
        echo "$f: buy-and-hold $got (from the CSV: $expect), agent $(col "$tmp/$f/eval.csv" agent_total_return)"
        check "$f: buy-and-hold matches the prices" near "$got" "$expect"
        # The table's heading: the dates and prices of rows floor(0.7 n)
        # and n - 1 of the file (Adj Close).
        head=$(awk -F, -v path="$data/$f.csv" 'NR > 1 { d[n] = $1; p[n++] = $6 }
            END { s = int(0.7 * n)
                  printf "  held-out period %s .. %s: %d trading days of %s\n", d[s], d[n - 1], n - 1 - s, path
                  printf "  price %.2f on %s, %.2f on %s (price units)", p[s], d[s], p[n - 1], d[n - 1] }' "$data/$f.csv")
        sed -n '/^  held-out/,/^  price/p' "$tmp/$f.out"
        check "$f: table heading: the held-out period's dates and prices" \
            test "$(sed -n '/^  held-out/,/^  price/p' "$tmp/$f.out")" = "$head"
        check_table "$f" "$tmp/$f" "$tmp/$f.out"
    done
else
    echo "SKIP: $data is absent: the real-data checks did not run"
fi

# One line switches the environment: the trading example's file with
# [run] env = rota trains and evaluates the staffing plugin.
"$rlrun" --quiet --set run.env=rota --set run.total_steps=4096 \
    --set run.output_dir="$tmp/swap" "$src/examples/trading.ini" >"$tmp/swap.out" 2>&1
check "run.env=rota trains rota from trading.ini" grep -q "evaluation (rota" "$tmp/swap.out"

# ---- errors: file:line ---------------------------------------------------------------
printf 'Date,Close\n2020-01-02,10\n2020-01-03,ten\n' >"$tmp/bad.csv"
"$rlrun" --quiet --set run.output_dir="$tmp/x" --set trading.data="$tmp/bad.csv" \
    "$src/examples/trading.ini" >/dev/null 2>"$tmp/bad.err"; s=$?
cat "$tmp/bad.err"
check "bad number: exit 2 (a malformed file the configuration names)" test $s -eq 2
check "bad number: names file:line" grep -q "bad.csv:3: bad number 'ten' in column 'Close'" "$tmp/bad.err"
check "bad number: no run directory" test ! -e "$tmp/x"
# The example's [trading] section is its last: two more keys go into it.
{ cat "$src/examples/trading.ini"; printf 'train_end = 2010-06-01\neval_start = 2010-01-04\n'; } >"$tmp/periods.ini"
n=$(wc -l <"$tmp/periods.ini")
"$rlrun" --quiet --set run.output_dir="$tmp/y" "$tmp/periods.ini" >/dev/null 2>"$tmp/p.err"; s=$?
cat "$tmp/p.err"
check "evaluation before training ends: exit 2" test $s -eq 2
check "evaluation before training ends: names the keys" \
    grep -q "periods.ini:$n: \\[trading\\] eval_start: the evaluation period must start after the training period ends (train_end is .*periods.ini:$((n - 1)))" "$tmp/p.err"

finish
