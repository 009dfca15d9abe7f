#!/bin/sh
# rlrun's configuration errors: each bad config gives a one-line error naming
# file:line where there is one, exit status 2, and writes nothing.
set -u
rlrun="${abs_top_builddir:-$(pwd)}/src/rlrun"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-errors.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
fails=0; passes=0

good() {
    cat <<EOT
[run]
env = cliffwalking
algorithm = qlearn
total_steps = 2000
output_dir = $tmp/run
[qlearn]
learning_rate = 0.5
EOT
}

# expect NAME CONFIG-FILE PATTERN [rlrun args...]
expect() {
    name=$1 file=$2 pattern=$3
    shift 3
    "$rlrun" --quiet "$@" "$file" >out.txt 2>err.txt
    status=$?
    lines=$(wc -l <err.txt)
    if [ "$status" -ne 2 ]; then
        echo "FAIL: $name: exit status $status, expected 2"; cat err.txt; fails=$((fails + 1)); return
    fi
    if [ "$lines" -ne 1 ]; then
        echo "FAIL: $name: $lines lines on stderr, expected 1"; cat err.txt; fails=$((fails + 1)); return
    fi
    if ! grep -q -- "$pattern" err.txt; then
        echo "FAIL: $name: stderr lacks '$pattern':"; cat err.txt; fails=$((fails + 1)); return
    fi
    if [ -e "$tmp/run" ]; then
        echo "FAIL: $name: the run directory was created"; fails=$((fails + 1)); rm -rf "$tmp/run"; return
    fi
    echo "PASS: $name: $(cat err.txt)"
    passes=$((passes + 1))
}

good | sed 's/^learning_rate/learning_rat/' >misspelt.ini
expect "misspelt key" misspelt.ini "misspelt.ini:7: \[qlearn\] unknown key 'learning_rat' (did you mean 'learning_rate'?)"

good | sed 's/^learning_rate = 0.5/learning_rate = 7/' >range.ini
expect "out-of-range value" range.ini "range.ini:7: \[qlearn\] learning_rate: 7 is out of range"

good | sed 's/^total_steps = 2000/total_steps = lots/' >nonnum.ini
expect "non-numeric value" nonnum.ini "nonnum.ini:4: \[run\] total_steps: 'lots' is not an integer"

expect "missing config file" "$tmp/nosuch.ini" "cannot open config '$tmp/nosuch.ini'"

good | sed 's/^env = cliffwalking/env = clifwalking/' >env.ini
expect "unknown env" env.ini "env.ini:2: \[run\] env: unknown environment 'clifwalking' (available: .*cliffwalking"

good | sed 's/^algorithm = qlearn/algorithm = sarsa/' >algo.ini
expect "unknown algorithm" algo.ini "algo.ini:3: \[run\] algorithm: unknown algorithm 'sarsa' (known: ppo, qlearn"

good | sed 's/^\[qlearn\]/[qlaern]/' >section.ini
expect "unknown section" section.ini "section.ini:6: unknown section \[qlaern\] (did you mean \[qlearn\]?)"

good >ok.ini
expect "bad --set" ok.ini "--set \[qlearn\] discount: 'x' is not a number" --set qlearn.discount=x
expect "malformed --set" ok.ini "qlearn-discount" --set qlearn-discount=1
expect "unknown plugin" ok.ini "--set \[run\] plugin: plugin 'nosuch' not found; searched:" --set run.plugin=nosuch
printf '[run]\nenv = cliffwalking\nplugin = nosuch\n' >plugin.ini
expect "unknown plugin in file" plugin.ini "plugin.ini:3: \[run\] plugin: plugin 'nosuch' not found"

printf '[run]\nenv = cliffwalking\n[cliffwalking]\nmax_episode_steps = -5\n' >limit.ini
expect "env key out of range" limit.ini "limit.ini:4: \[cliffwalking\] max_episode_steps: -5 is out of range"

printf '[run]\nenv = cliffwalking\n[frozenlake]\nis_slipery = false\n' >other.ini
expect "typo in another environment's section" other.ini "other.ini:4: \[frozenlake\] unknown key 'is_slipery' (did you mean 'is_slippery'?)"

printf '[Run]\nenv = cliffwalking\n' >case.ini
expect "misspelt section" case.ini "case.ini:1: unknown section \[Run\] (did you mean \[run\]?)"
printf '[run]\nevn = cliffwalking\n' >evn.ini
expect "misspelt env key" evn.ini "evn.ini:2: \[run\] unknown key 'evn' (did you mean 'env'?)"
expect "--eval with no episodes" ok.ini "--eval: \[run\] eval_episodes is 0" --eval "$tmp" --set run.eval_episodes=0

printf '[run]\nalgorithm = qlearn\n' >noenv.ini
expect "missing env" noenv.ini "noenv.ini: \[run\] env is missing"

printf '[run\nenv = cliffwalking\n' >syntax.ini
expect "syntax error" syntax.ini "syntax.ini:1:"

# The deepracer environment: a malformed track file, an unknown track or
# reward, a bad action list. Each names the INI file and line of the key.
dr() { printf '[run]\nenv = deepracer\noutput_dir = %s/run\n[deepracer]\n%s\n' "$tmp" "$1"; }
head -n 60 "${abs_top_srcdir:-$(pwd)}/envs/tracks/technical.csv" >cut.csv
printf '\223NUMPY\001\000\100\000%s   \n' "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 6), }" >trunc.npy
dr "track = $tmp/trunc.npy" >trunc.ini
expect "truncated .npy track" trunc.ini "trunc.ini:5: \[deepracer\] track: $tmp/trunc.npy: truncated: expected 480 data bytes"
dr "track = $tmp/cut.csv" >cut.ini
expect "cut-off CSV track" cut.ini "cut.ini:5: \[deepracer\] track: $tmp/cut.csv: .*not closed"
dr "track = tecnical" >name.ini
expect "unknown track name" name.ini "name.ini:5: \[deepracer\] track: no track named 'tecnical'"
dr "reward_function = follow_center_line" >reward.ini
expect "unknown reward" reward.ini "reward.ini:5: \[deepracer\] reward_function: unknown reward 'follow_center_line': name a built-in one (follow_centerline"
dr "reward_function = ./nosuch.la" >module.ini
expect "missing reward module" module.ini "module.ini:5: \[deepracer\] reward_function: cannot load the reward module './nosuch.la'"
dr "actions = -30:0.5, 45:1.0" >actions.ini
expect "steering out of range" actions.ini "actions.ini:5: \[deepracer\] actions: action (steering 45, speed 1) is outside"

# Finite but absurd inputs (issue 12): each loader checks magnitudes,
# widths and extents, so these stop at setup with exit status 2 and no run
# directory, not in training after files were written.
sq() { # SCALE WIDTH: a closed square track (centre x, y, inner x, y, outer x, y)
    awk -v s="$1" -v w="$2" 'BEGIN { split("0 1 1 0 0", px); split("0 0 1 1 0", py)
        for (i = 1; i <= 5; i++) { X = px[i] * s; Y = py[i] * s
            printf "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", X, Y, X + w, Y + w, X - w, Y - w } }'
}
# N dated rows (2000-01-01 on, 28 days a month), row K (from 0) holding V
# instead of 10: dates HEADER N K V
dated() {
    awk -v h="$1" -v n="$2" -v k="$3" -v v="$4" 'BEGIN { print h
        for (i = 0; i < n; i++)
            printf "%04d-%02d-%02d,%s\n", 2000 + int(i / 336), int(i % 336 / 28) + 1, i % 28 + 1, i == k ? v : 10 }'
}
sq 1.7e308 0.5 >huge.csv
dr "track = $tmp/huge.csv" >huge.ini
expect "huge-extent track" huge.ini "huge.ini:5: \[deepracer\] track: $tmp/huge.csv:2: row 1: column 0 (center_x) is 1.7e+308, beyond the limit of +-10000 m"
sq 1e308 0.5 >e308.csv
dr "track = $tmp/e308.csv" >e308.ini
expect "1e308 track" e308.ini "e308.ini:5: \[deepracer\] track: $tmp/e308.csv:2: row 1: column 0 (center_x) is 1e+308, beyond the limit of +-10000 m"
sq 10 0 >zero.csv
dr "track = $tmp/zero.csv" >zero.ini
expect "zero-width track" zero.ini "zero.ini:5: \[deepracer\] track: $tmp/zero.csv:1: row 0: the track is 0 m wide (inner to outer border), outside 0.05..100 m"
dated Date,Close 400 200 1e308 >price.csv
printf '[run]\nenv = trading\nalgorithm = ppo\noutput_dir = %s/run\n[trading]\ndata = %s/price.csv\n' "$tmp" "$tmp" >price.ini
expect "1e308 price" price.ini "trading: $tmp/price.csv:202: price 1e308 in column 'Close' is outside the limits 1e-06..1e+09"
dated timestamp,demand 400 100 1e308 >demand.csv
printf '[run]\nenv = rota\nalgorithm = ppo\noutput_dir = %s/run\n[rota]\ndata = %s/demand.csv\n' "$tmp" "$tmp" >demand.ini
expect "1e308 demand" demand.ini "rota: $tmp/demand.csv:102: demand 1e+308 in column 'demand' is above the limit of 1e+09"

# Usage errors: no config, an unknown option.
"$rlrun" >/dev/null 2>&1; s=$?
if [ $s -eq 2 ]; then passes=$((passes + 1)); echo "PASS: no config file: exit 2"; else fails=$((fails + 1)); echo "FAIL: no config file: exit $s"; fi
"$rlrun" --bogus ok.ini >/dev/null 2>&1; s=$?
if [ $s -eq 2 ]; then passes=$((passes + 1)); echo "PASS: unknown option: exit 2"; else fails=$((fails + 1)); echo "FAIL: unknown option: exit $s"; fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
