#!/bin/sh
# Pictures of a run (doc/deepracer.md, "Pictures"): a short deepracer run
# with traces leaves track.png, learning.png and reward.png (1200 x 900
# PNGs) in its directory and names them; `rlrun --plot RUNDIR` draws the
# same bytes again from the run's files; [run] plots = false draws none;
# a missing or malformed run directory or file is an error naming it, exit
# status 2. Built without cairo: the run says once that plots are off and
# succeeds, and --plot is refused with exit status 2.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" plots

run="--trace --set run.total_steps=4000 --set ppo.epochs=2"
"$rlrun" $run --set run.output_dir="$tmp/a" "$src/examples/deepracer.ini" >"$tmp/a.out" 2>"$tmp/a.err"
check "a short run exits 0" test $? -eq 0

if [ $cairo -eq 1 ]; then
    for f in track learning reward; do
        check "$f.png is a PNG" is_png "$tmp/a/$f.png"
        check "$f.png is 1200 x 900" test "$(png_size "$tmp/a/$f.png")" = "1200 900"
        check "the run names $f.png" grep -q "^$tmp/a/$f.png: " "$tmp/a.out"
        cp "$tmp/a/$f.png" "$tmp/$f.first.png"
    done
    check "the run says nothing on stderr" test ! -s "$tmp/a.err"
    check "track.png has the 3 evaluation laps" grep -q "track.png: the track, 3 evaluation laps" "$tmp/a.out"
    check "no temporary file is left" sh -c "! ls '$tmp/a' | grep -q tmp"

    rm -f "$tmp"/a/*.png
    "$rlrun" --plot "$tmp/a" >"$tmp/p.out" 2>"$tmp/p.err"
    check "--plot RUNDIR exits 0" test $? -eq 0
    check "--plot prints a line per picture" test "$(grep -c '\.png: ' "$tmp/p.out")" -eq 3
    for f in track learning reward; do
        check "--plot draws $f.png again, byte for byte" cmp -s "$tmp/a/$f.png" "$tmp/$f.first.png"
    done

    # A run without traces: pictures all the same, and notes on what is missing.
    "$rlrun" --set run.total_steps=1000 --set ppo.epochs=1 --set run.output_dir="$tmp/b" \
        "$src/examples/deepracer.ini" >"$tmp/b.out" 2>"$tmp/b.err"
    check "a run without traces exits 0" test $? -eq 0
    check "... draws its pictures" test -s "$tmp/b/track.png" -a -s "$tmp/b/learning.png" -a -s "$tmp/b/reward.png"
    check "... and notes that the laps need --trace" grep -q "note: .*no evaluation trace.*--trace" "$tmp/b.out"
else
    check "the run says once that plots are off" \
        test "$(grep -c 'rlrun: note: plots are off: this build of librl has no cairo' "$tmp/a.err")" -eq 1
    check "... and nothing else on stderr" test "$(wc -l <"$tmp/a.err")" -eq 1
    check "no PNG is written" sh -c "! ls '$tmp/a' | grep -q png"
    "$rlrun" --plot "$tmp/a" >"$tmp/p.out" 2>"$tmp/p.err"
    check "--plot without cairo exits 2" test $? -eq 2
    check "... saying why" grep -q "plots are off" "$tmp/p.err"
fi

# [run] plots = false: no pictures, no note.
"$rlrun" --set run.plots=false --set run.total_steps=1000 --set ppo.epochs=1 \
    --set run.output_dir="$tmp/c" "$src/examples/deepracer.ini" >"$tmp/c.out" 2>"$tmp/c.err"
check "plots = false exits 0" test $? -eq 0
check "... writes no PNG" sh -c "! ls '$tmp/c' | grep -q png"
check "... and says nothing on stderr" test ! -s "$tmp/c.err"

# Errors: exit status 2, one line on stderr naming the file.
"$rlrun" --plot "$tmp/nowhere" >/dev/null 2>"$tmp/e1.err"
check "--plot of a missing directory exits 2" test $? -eq 2
check "... naming its config.ini" grep -q "$tmp/nowhere/config.ini" "$tmp/e1.err"
check "... in one line" test "$(wc -l <"$tmp/e1.err")" -eq 1

if [ $cairo -eq 1 ]; then
    cp -r "$tmp/b" "$tmp/d"
    printf 'iteration,env_steps,episodes,mean_return,mean_length\n1,10,1,oops,3\n' >"$tmp/d/progress.csv"
    "$rlrun" --plot "$tmp/d" >/dev/null 2>"$tmp/e2.err"
    check "--plot of a malformed progress.csv exits 2" test $? -eq 2
    check "... naming the file, line and column" \
        grep -q "rlrun: --plot: $tmp/d/progress.csv:2: bad number 'oops' in column 'mean_return'" "$tmp/e2.err"
    check "... in one line" test "$(wc -l <"$tmp/e2.err")" -eq 1
    rm "$tmp/d/progress.csv"
    "$rlrun" --plot "$tmp/d" >/dev/null 2>"$tmp/e3.err"
    check "--plot of a directory without progress.csv exits 2" test $? -eq 2
    check "... naming it" grep -q "$tmp/d/progress.csv" "$tmp/e3.err"
fi

# An environment that draws no pictures.
"$rlrun" --quiet --set run.total_steps=200 --set run.eval_episodes=1 --set run.output_dir="$tmp/cw" \
    "$src/examples/cliffwalking.ini" >/dev/null 2>&1
check "a cliffwalking run exits 0" test $? -eq 0
"$rlrun" --plot "$tmp/cw" >/dev/null 2>"$tmp/e4.err"
check "--plot of a cliffwalking run exits 2" test $? -eq 2
check "... saying it draws no pictures" grep -q "environment 'cliffwalking' draws no pictures" "$tmp/e4.err"

"$rlrun" --plot "$tmp/a" --eval "$tmp/a" >/dev/null 2>"$tmp/e5.err"
check "--plot with --eval exits 2" test $? -eq 2

finish
