#!/bin/sh
# No work lost to a kill: a CartPole run (checkpoints by wall time) and a
# DeepRacer run (a checkpoint every iteration) are each killed with SIGKILL
# at 20 random moments. Each time the last checkpoint must load, --resume
# must finish, and the final checkpoint and progress.csv must equal those
# of the same run left alone, byte for byte.
#
# Each kill comes once the run has its first checkpoint (so there is one
# to load), at a moment drawn uniformly over the rest of the uninterrupted
# run's wall time, from a seed (RL_KILL_SEED, printed; default: the time),
# so a failure can be replayed. RL_KILLS sets the number of kills (default
# 20).
set -u
rlrun="${abs_top_builddir:-$(pwd)}/src/rlrun"
samep="${abs_top_srcdir:-$(pwd)}/tests/same_progress.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-kill.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
seed=${RL_KILL_SEED:-$(date +%s)}
kills=${RL_KILLS:-20}
echo "seed $seed (RL_KILL_SEED=$seed replays these moments), $kills kills per run"
fails=0

cat >cartpole.ini <<EOF
[run]
env = cartpole
algorithm = ppo
total_steps = 40000
eval_episodes = 0
checkpoint_every = 0.05s
[ppo]
steps_per_iteration = 1024
EOF
cat >deepracer.ini <<EOF
[run]
env = deepracer
algorithm = ppo
total_steps = 12000
eval_episodes = 0
checkpoint_every = 1
[ppo]
episodes_per_iteration = 4
[deepracer]
track = oval
EOF

now() { date +%s.%N; }

# The i-th of the moments, uniform in [0, T] seconds, drawn from one
# stream of the seed.
moment() {
    awk -v s="$seed" -v i="$1" -v t="$2" \
        'BEGIN { srand(s); for (k = 1; k <= i; k++) u = rand(); printf "%.3f\n", t * u }'
}

# Start rlrun NAME.ini into DIR in the background (pid in $pid) and wait
# until DIR has a checkpoint or rlrun has ended.
start_until_checkpoint() {
    "$rlrun" --quiet --set run.output_dir="$2" "$1.ini" >/dev/null 2>"$2.err" &
    pid=$!
    while [ ! -f "$2/checkpoint.rlck" ] && kill -0 $pid 2>/dev/null; do sleep 0.005; done
}

for name in cartpole deepracer; do
    # The uninterrupted run, and how long it goes on after its first
    # checkpoint.
    start_until_checkpoint "$name" ref
    t0=$(now)
    wait $pid || { echo "FAIL: $name: the uninterrupted run failed"; cat ref.err; exit 1; }
    wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
    rows=$(($(wc -l <ref/progress.csv) - 1))
    echo "$name: the uninterrupted run: $rows iterations, $wall s after its first checkpoint"
    resumed=0 done_before=0 middle=0
    i=1
    while [ $i -le "$kills" ]; do
        rm -rf run
        at=$(moment $i "$wall")
        start_until_checkpoint "$name" run
        sleep "$at"
        kill -KILL $pid 2>/dev/null && killed=1 || killed=0
        wait $pid 2>/dev/null
        if [ ! -f run/checkpoint.rlck ]; then
            echo "FAIL: $name kill $i: no checkpoint"; cat run.err
            fails=$((fails + 1))
            i=$((i + 1))
            continue
        fi
        [ $killed -eq 1 ] || done_before=$((done_before + 1))
        at_iter=$(($(wc -l <run/progress.csv) - 1))
        [ $at_iter -lt $rows ] && middle=$((middle + 1))
        if ! "$rlrun" --resume run >resume.out 2>resume.err; then
            echo "FAIL: $name kill $i ($at s after the first checkpoint): --resume failed"; cat resume.err
            fails=$((fails + 1))
        elif ! cmp -s run/checkpoint.rlck ref/checkpoint.rlck; then
            echo "FAIL: $name kill $i ($at s after the first checkpoint): the final checkpoint differs from the uninterrupted run's"
            fails=$((fails + 1))
        elif ! sh "$samep" run/progress.csv ref/progress.csv; then
            echo "FAIL: $name kill $i ($at s after the first checkpoint): progress.csv differs from the uninterrupted run's"
            diff run/progress.csv ref/progress.csv | head -n 5
            fails=$((fails + 1))
        else
            from=$(sed -n 's/^resuming from iteration \([0-9]*\) .*/\1/p' resume.out)
            echo "  kill $i $at s after the first checkpoint: progress.csv had $at_iter rows, resumed from iteration $from: same checkpoint and progress.csv"
            resumed=$((resumed + 1))
        fi
        i=$((i + 1))
    done
    echo "$name: $resumed of $kills kills resumed to the same result ($middle in the middle of training, $done_before after the run had ended)"
    if [ $middle -lt $((kills / 2)) ]; then
        echo "FAIL: $name: only $middle of $kills kills landed in the middle of training"
        fails=$((fails + 1))
    fi
    rm -rf ref run
done
[ $fails -eq 0 ] || { echo "$fails failures"; exit 1; }
exit 0
