#!/bin/sh
# rlrun --raceline: the deepracer plugin's race-line command. Its output,
# the CSV (header, x,y,speed first, one row per point), the picture beside
# it (FILE with .csv replaced by .png, or .png appended; a 1200 x 900 PNG,
# named in the output; none with --no-plot; built without cairo, none and
# one note line), the car model chosen with --set, -o, and the errors: a
# track that is not there (neither file written), a key of another
# section, a bad value, an unknown option (exit 2, one message naming what
# is wrong).
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" raceline

cd "$tmp" || exit 99
"$rlrun" --raceline technical >out 2>err
check "--raceline technical exits 0" test $? -eq 0
check "it prints the lap time" grep -q "^lap time [0-9.]* s$" out
check "it names the car model (sim2026 by default)" grep -q "car model sim2026" out
check "it prints the length and the mean speed" grep -q "^length [0-9.]* m (centre line 31.864 m), mean speed" out
check "nothing on stderr" test ! -s err
check "raceline.csv in the current directory, with its header" \
    test "$(head -n 1 raceline.csv)" = "x,y,speed,s,time,curvature,heading,offset,center_s,steering,command"
check "one row per point, 11 numbers each" awk -F, 'NR > 1 && (NF != 11 || $3 < 0.1 || $3 > 4) { bad = 1 } END { exit bad || NR < 100 }' raceline.csv
t1=$(sed -n 's/^lap time \([0-9.]*\) s$/\1/p' out)
check "the lap time is the CSV's last time plus its last segment" awk -F, -v t="$t1" '
    NR == 2 { x0 = $1; y0 = $2; v0 = $3 }
    NR > 1 { x = $1; y = $2; v = $3; tt = $5 }
    END { d = sqrt((x - x0) ^ 2 + (y - y0) ^ 2); T = tt + 2 * d / (v + v0); exit (T - t > 0.002 || t - T > 0.002) }' raceline.csv
if [ $cairo -eq 1 ]; then
    check "raceline.png beside it" is_png raceline.png
    check "raceline.png is 1200 x 900" test "$(png_size raceline.png)" = "1200 900"
    check "the output names it" grep -q "^the line coloured by speed on the track, written to raceline.png$" out
    check "no note" sh -c "! grep -q '^note:' out"
    check "no temporary file left" sh -c "! ls | grep -q tmp"
    cp raceline.png first.png
    "$rlrun" --raceline technical >/dev/null 2>&1
    check "the same PNG bytes on a second run" cmp -s raceline.png first.png
else
    check "without cairo: no picture" test ! -e raceline.png
    check "without cairo: one note saying the plot is off" \
        test "$(grep -c '^note: no picture of the line (--no-plot to skip it): plots are off: this build of librl has no cairo' out)" -eq 1
fi

"$rlrun" --raceline technical --set deepracer.car_model=sim2022 -o "$tmp/b.csv" >out2 2>&1
check "--set deepracer.car_model=sim2022 exits 0" test $? -eq 0
check "it names sim2022" grep -q "car model sim2022" out2
t2=$(sed -n 's/^lap time \([0-9.]*\) s$/\1/p' out2)
check "the 2021-23 car (less grip) is slower" awk -v a="$t1" -v b="$t2" 'BEGIN { exit !(b > a) }'
check "-o writes there" test -s "$tmp/b.csv"
if [ $cairo -eq 1 ]; then
    check "-o b.csv draws b.png" is_png "$tmp/b.png"
    check "its title's car model changes the picture" sh -c "! cmp -s '$tmp/b.png' raceline.png"
    check "the output names b.png" grep -q "written to $tmp/b.png$" out2
    "$rlrun" --raceline oval -o line.txt >out10 2>&1
    check "-o line.txt (not .csv) exits 0" test $? -eq 0
    check "-o line.txt draws line.txt.png" is_png line.txt.png
    check "and nothing else" test "$(ls line.txt* | tr '\n' ' ')" = "line.txt line.txt.png "
fi
mkdir np && cd np || exit 99
"$rlrun" --raceline oval --no-plot >out11 2>&1
check "--no-plot exits 0" test $? -eq 0
check "--no-plot writes the CSV" test -s raceline.csv
check "--no-plot writes no PNG" test ! -e raceline.png
check "--no-plot: no note, no picture named" sh -c "! grep -q 'png\|^note' out11"
cd .. || exit 99
"$rlrun" --raceline "$src/envs/tracks/oval.csv" --set deepracer.is_reversed=true -o r.csv >out3 2>&1
check "a path and is_reversed" grep -q "(reversed)" out3

mkdir bad && cd bad || exit 99
"$rlrun" --raceline nosuchtrack >out4 2>err4
check "a track that is not there: exit 2" test $? -eq 2
check "it writes neither the CSV nor the PNG" test "$(ls)" = "$(printf 'err4\nout4')"
cd .. && mv bad/out4 bad/err4 . || exit 99
check "the message names it" grep -q "no track named 'nosuchtrack'" err4
check "one line on stderr" test "$(wc -l <err4)" -eq 1
"$rlrun" --raceline technical --set ppo.epochs=3 >/dev/null 2>err5
check "a key of another section: exit 2" test $? -eq 2
check "the message says what --set takes" grep -q "deepracer.KEY=VALUE" err5
"$rlrun" --raceline technical --set deepracer.car_model=sim1999 >/dev/null 2>err6
check "a bad car model: exit 2" test $? -eq 2
check "the message names it and the known ones" grep -q "sim1999.*sim2026" err6
"$rlrun" --raceline technical --set deepracer.track_widht=1 >/dev/null 2>err7
check "an unknown key: exit 2 with the nearest" sh -c "test $? -eq 2 && grep -q track err7"
"$rlrun" --raceline technical --frobnicate >/dev/null 2>err8
check "an unknown option: exit 2" test $? -eq 2
check "the message names it" grep -q "frobnicate" err8
"$rlrun" --raceline >/dev/null 2>err9
check "no track: exit 2" test $? -eq 2
"$rlrun" --list >list 2>&1
check "--list names the command" grep -q "raceline" list
finish
