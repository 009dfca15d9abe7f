#!/bin/sh
# Interruptions and run directories:
# - SIGINT and SIGTERM finish the iteration under way, save its checkpoint
#   and exit 130 and 143; --resume then ends where the uninterrupted run
#   ends (same checkpoint, same progress.csv);
# - a second SIGINT stops at once, without a checkpoint of its own;
# - a signal during the evaluation leaves no eval.csv and exits 130;
# - a run directory in use is refused to a second rlrun;
# - a new run in an old run's directory removes the old checkpoint first;
# - --resume repairs a progress.csv with a torn last row or a damaged row;
# - [run] checkpoint_every takes iterations or wall time, and refuses the rest.
set -u
rlrun="${abs_top_builddir:-$(pwd)}/src/rlrun"
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-interrupt.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat >cp.ini <<EOF
[run]
env = cartpole
algorithm = ppo
total_steps = 100000
eval_episodes = 0
checkpoint_every = 0
[ppo]
steps_per_iteration = 1024
EOF

# Wait (up to 60 s) until COMMAND... succeeds.
wait_for() {
    k=0
    while ! "$@" 2>/dev/null && [ $k -lt 6000 ]; do
        sleep 0.01
        k=$((k + 1))
    done
}
has_rows() { [ "$(wc -l <"$1")" -ge "$2" ]; }
# Wait until FILE has at least N lines.
wait_rows() { wait_for has_rows "$1" "$2"; }

"$rlrun" --quiet --set run.output_dir=ref cp.ini >/dev/null 2>&1 || { echo "FAIL: the reference run"; exit 1; }

# One signal: the iteration under way is finished and saved.
for sig in INT TERM; do
    want=$([ $sig = INT ] && echo 130 || echo 143)
    rm -rf run
    "$rlrun" --quiet --set run.output_dir=run cp.ini >out.txt 2>err.txt &
    pid=$!
    wait_rows run/progress.csv 6
    kill -$sig $pid
    wait $pid
    st=$?
    rows=$(($(wc -l <run/progress.csv) - 1))
    if [ $st -ne $want ]; then
        bad "SIG$sig: exit status $st, expected $want"; cat err.txt
    elif ! grep -q "^rlrun: SIG$sig: stopped after iteration $rows ([0-9]* steps); the checkpoint is saved in run/checkpoint.rlck; continue with: rlrun --resume run\$" err.txt; then
        bad "SIG$sig: no message naming iteration $rows and the checkpoint:"; cat err.txt
    elif [ ! -f run/checkpoint.rlck ]; then
        bad "SIG$sig: no checkpoint"
    elif ! "$rlrun" --resume run >resume.out 2>resume.err; then
        bad "SIG$sig: --resume failed"; cat resume.err
    elif ! grep -q "^resuming from iteration $rows " resume.out; then
        bad "SIG$sig: the checkpoint is not that of iteration $rows (progress.csv's last row):"; head -n 1 resume.out
    elif ! cmp -s run/checkpoint.rlck ref/checkpoint.rlck || ! sh "$samep" run/progress.csv ref/progress.csv; then
        bad "SIG$sig: the resumed run does not end as the uninterrupted one"
    else
        echo "SIG$sig: exit $st, checkpoint of iteration $rows; resumed to the same end"
    fi
done

# Two SIGINTs: the second stops the process at once, in the middle of an
# iteration (these are long), without saving.
rm -rf run
"$rlrun" --quiet --set run.output_dir=run --set ppo.steps_per_iteration=400000 \
    --set run.total_steps=4000000 cp.ini >out.txt 2>err.txt &
pid=$!
wait_rows run/progress.csv 1
sleep 0.1
kill -INT $pid
sleep 0.2
kill -INT $pid
wait $pid
st=$?
if [ $st -ne 130 ]; then
    bad "two SIGINTs: exit status $st, expected 130"
elif grep -q 'stopped after' err.txt || [ -f run/checkpoint.rlck ]; then
    bad "two SIGINTs: the run went on to save a checkpoint"; cat err.txt
else
    echo "two SIGINTs: stopped at once (exit $st), no checkpoint"
fi

# A signal during the evaluation: no eval.csv, half or whole, and 130.
rm -rf run
"$rlrun" --quiet --set run.output_dir=run --set run.total_steps=1024 \
    --set run.eval_episodes=100000 cp.ini >out.txt 2>err.txt &
pid=$!
wait_for test -f run/checkpoint.rlck
sleep 0.3
kill -INT $pid
wait $pid
st=$?
if [ $st -ne 130 ] || [ -e run/eval.csv ] || [ -e run/eval.csv.tmp ] ||
    ! grep -q 'evaluation stopped, eval.csv not written' err.txt; then
    bad "SIGINT during the evaluation: exit $st, files: $(ls run | tr '\n' ' ')"; cat err.txt
else
    echo "SIGINT during the evaluation: exit 130, no eval.csv"
fi

# A run directory in use: a second rlrun on it is refused, for a new
# run, --resume and --eval alike, and the first one is not disturbed.
rm -rf run
"$rlrun" --quiet --set run.output_dir=run --set run.total_steps=400000 cp.ini >out.txt 2>err.txt &
pid=$!
wait_rows run/progress.csv 2
for mode in new resume eval; do
    case $mode in
    new) "$rlrun" --quiet --force --set run.output_dir=run cp.ini >out2.txt 2>err2.txt ;;
    resume) "$rlrun" --quiet --resume run >out2.txt 2>err2.txt ;;
    eval) "$rlrun" --quiet --eval run --set run.eval_episodes=1 >out2.txt 2>err2.txt ;;
    esac
    st=$?
    if [ $st -ne 1 ] || ! grep -q "^rlrun: run directory 'run' is in use by another rlrun; wait for it to end, or give this run another one (--set run.output_dir=DIR)\$" err2.txt; then
        bad "a busy run directory ($mode): exit $st"; cat err2.txt
    else
        echo "a busy run directory ($mode): refused, exit 1"
    fi
done
kill -TERM $pid
wait $pid
st=$?
[ $st -eq 143 ] && grep -q '^rlrun: SIGTERM: stopped after' err.txt || { bad "the first run was disturbed: exit $st"; cat err.txt; }

# A new run in an old run's directory: killed before its first
# checkpoint, it leaves no checkpoint for --resume to continue under the
# new configuration.
rm -rf run
"$rlrun" --quiet --set run.output_dir=run --set run.total_steps=2048 cp.ini >/dev/null 2>&1
[ -f run/checkpoint.rlck ] || bad "the old run left no checkpoint"
"$rlrun" --quiet --force --set run.output_dir=run --set ppo.learning_rate=0.001 --set run.total_steps=4000000 \
    --set ppo.steps_per_iteration=400000 cp.ini >/dev/null 2>&1 &
pid=$!
wait_for grep -q 'learning_rate = 0.001' run/config.ini
kill -KILL $pid
wait $pid 2>/dev/null
if [ -e run/checkpoint.rlck ]; then
    bad "the old checkpoint is still beside the new config.ini"
else
    "$rlrun" --quiet --resume run >/dev/null 2>err.txt
    st=$?
    if [ $st -ne 2 ] || ! grep -q "^rlrun: cannot open checkpoint 'run/checkpoint.rlck': No such file or directory\$" err.txt; then
        bad "--resume without a checkpoint: exit $st"; cat err.txt
    else
        echo "a new run in an old run's directory: the old checkpoint went first; --resume says: $(cat err.txt)"
    fi
fi

# progress.csv damaged behind the checkpoint's back.
rm -rf run part
"$rlrun" --quiet --set run.output_dir=part --set run.total_steps=10240 cp.ini >/dev/null 2>&1
# (a) A torn row after the checkpoint's rows (a kill mid-write): dropped,
#     and the file continues exactly as the uninterrupted run's.
cp -r part run
printf '11,11264,9,5' >>run/progress.csv
"$rlrun" --quiet --resume run --set run.total_steps=100000 >/dev/null 2>err.txt
if [ $? -ne 0 ] || [ -s err.txt ] || ! sh "$samep" run/progress.csv ref/progress.csv; then
    bad "a torn last row: progress.csv after --resume differs"; cat err.txt; diff run/progress.csv ref/progress.csv | head -n 5
else
    echo "a torn last row of progress.csv: dropped silently; resumed to the uninterrupted run's file"
fi
# (b) A damaged row among the checkpoint's: the rows before it are kept,
#     with a warning, and the rest goes on after the checkpoint's iteration.
rm -rf run
cp -r part run
sed -i '6s/^5,/5x,/' run/progress.csv
"$rlrun" --quiet --resume run --set run.total_steps=12288 >/dev/null 2>err.txt
st=$?
if [ $st -ne 0 ] ||
    ! grep -q "^rlrun: warning: run/progress.csv was damaged; it keeps 4 verified rows of the checkpoint's 10 iterations and goes on from iteration 11\$" err.txt ||
    [ "$(cut -d, -f1 run/progress.csv | tr '\n' ' ')" != "iteration 1 2 3 4 11 12 " ]; then
    bad "a damaged row: exit $st"; cat err.txt; cut -d, -f1 run/progress.csv | tr '\n' ' '; echo
else
    echo "a damaged row of progress.csv: warned, rows 1-4 kept, then 11 on"
fi
# (c) progress.csv gone: a header and a warning.
rm -rf run
cp -r part run
rm run/progress.csv
"$rlrun" --quiet --resume run --set run.total_steps=11264 >/dev/null 2>err.txt
st=$?
if [ $st -ne 0 ] || ! grep -q 'progress.csv is missing' err.txt ||
    [ "$(head -n 1 run/progress.csv)" != "$(head -n 1 ref/progress.csv)" ] ||
    [ "$(wc -l <run/progress.csv)" -ne 2 ]; then
    bad "a missing progress.csv: exit $st"; cat err.txt run/progress.csv
else
    echo "a missing progress.csv: written again with its header, and a warning"
fi

# [run] checkpoint_every: iterations, or wall time.
for v in 3 0 90s 0.5s 5min 2h "10 s"; do
    rm -rf run
    "$rlrun" --quiet --set run.output_dir=run --set run.total_steps=1024 \
        --set "run.checkpoint_every=$v" cp.ini >/dev/null 2>err.txt ||
        { bad "checkpoint_every = $v refused"; cat err.txt; }
done
for v in abc -1 1.5 5x 1e3 "" 3s4 2000000000s 1m 2sec; do
    rm -rf run
    "$rlrun" --quiet --set run.output_dir=run --set "run.checkpoint_every=$v" cp.ini >/dev/null 2>err.txt
    st=$?
    if [ $st -ne 2 ] || [ -e run ] ||
        ! grep -q "^rlrun: --set \[run\] checkpoint_every: '$v' is neither a number of iterations (such as 10) nor an interval of wall time (such as 90s, 5min or 2h; at most 1e9 s); 0 saves only at the end\$" err.txt; then
        bad "checkpoint_every = '$v': exit $st"; cat err.txt
    fi
done
echo "checkpoint_every: 7 good values taken, 10 bad ones refused with exit 2"
# Every 2 iterations: the checkpoint of a run killed at once is of an even one.
rm -rf run
"$rlrun" --quiet --set run.output_dir=run --set run.checkpoint_every=2 cp.ini >/dev/null 2>&1 &
pid=$!
wait_rows run/progress.csv 6
kill -KILL $pid
wait $pid 2>/dev/null
from=$("$rlrun" --resume run --set run.total_steps=1 2>/dev/null | sed -n 's/^resuming from iteration \([0-9]*\) .*/\1/p')
if [ -z "$from" ] || [ $((from % 2)) -ne 0 ] || [ "$from" -lt 4 ]; then
    bad "checkpoint_every = 2: the checkpoint is of iteration '$from'"
else
    echo "checkpoint_every = 2: killed, the checkpoint was of iteration $from"
fi

[ $fails -eq 0 ] || { echo "$fails failures"; exit 1; }
exit 0
