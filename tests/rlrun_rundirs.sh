#!/bin/sh
# Runs people can live with (issue 13):
# - a run never overwrites another: without [run] output_dir each run gets
#   a new directory (runs/ENV, runs/ENV_2, ...); an explicit output_dir
#   that holds a run is refused (exit 2, nothing changed) unless --force;
# - piped output has 10 to 30 progress lines for a CartPole run, a short
#   DeepRacer run and a resumed run, never "nan"; progress.csv has the
#   wall-clock columns, cumulative over a resume;
# - a run directory works from any directory (--eval ABSOLUTE_RUNDIR) for
#   a DeepRacer run with a C reward module and a trading run on a real CSV;
#   a reward source changed after training makes --resume say so.
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" rundirs
cd "$tmp" || exit 99

# The files of a directory with their SHA-256, to see it unchanged.
fingerprint() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
# Lines of piped progress output.
iter_lines() { grep -c '^iter ' "$1"; }
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# ---- new directories, never an old one -----------------------------------------
"$rlrun" --set run.total_steps=3000 "$src/examples/cartpole.ini" >one.out 2>&1
check "first run: runs/cartpole" grep -qx "run directory: runs/cartpole" one.out
before=$(fingerprint runs/cartpole)
"$rlrun" --set run.total_steps=3000 "$src/examples/cartpole.ini" >two.out 2>&1
check "second run: runs/cartpole_2" grep -qx "run directory: runs/cartpole_2" two.out
check "second run: results in runs/cartpole_2" grep -qx "results in runs/cartpole_2/eval.csv" two.out
check "the first run is intact" test "$(fingerprint runs/cartpole)" = "$before"
"$rlrun" --quiet --set run.total_steps=3000 "$src/examples/cartpole.ini" >/dev/null 2>&1
check "third run: runs/cartpole_3" test -f runs/cartpole_3/checkpoint.rlck

# An explicit output_dir holding a run: refused, one line, exit 2, unchanged.
mkdir -p runs/cartpole/evaluation-20260101000000
touch runs/cartpole/old.png
before=$(fingerprint runs/cartpole)
"$rlrun" --set run.output_dir=runs/cartpole "$src/examples/cartpole.ini" >out.txt 2>err.txt
st=$?
check "explicit output_dir holding a run: exit 2" test $st -eq 2
check "explicit output_dir holding a run: the message" grep -qx "rlrun: --set: \[run\] output_dir 'runs/cartpole' holds a run already (config.ini): continue it with 'rlrun --resume runs/cartpole', replace it with --force, or name another directory" err.txt
check "explicit output_dir holding a run: one line, nothing on stdout" sh -c "test \$(wc -l <err.txt) -eq 1 && test ! -s out.txt"
check "explicit output_dir holding a run: unchanged" test "$(fingerprint runs/cartpole)" = "$before"
# --force replaces it whole: the old pictures and evaluation folders go.
"$rlrun" --quiet --force --set run.output_dir=runs/cartpole --set run.total_steps=2000 \
    "$src/examples/cartpole.ini" >/dev/null 2>err.txt
check "--force: exit 0" test $? -eq 0
check "--force: the old run's picture and evaluation folder are gone" \
    sh -c "test ! -e runs/cartpole/old.png && test ! -e runs/cartpole/evaluation-20260101000000"
check "--force: the new run's config" grep -qx "total_steps = 2000" runs/cartpole/config.ini
"$rlrun" --force --eval runs/cartpole >/dev/null 2>err.txt
check "--force with --eval: exit 2" test $? -eq 2
# An empty directory, or a new one, is fine without --force.
mkdir empty
"$rlrun" --quiet --set run.output_dir=empty --set run.total_steps=2000 "$src/examples/cartpole.ini" >/dev/null 2>&1
check "an empty output_dir is used" test -f empty/checkpoint.rlck

# ---- piped output and progress.csv ------------------------------------------------
"$rlrun" --set run.output_dir=cp "$src/examples/cartpole.ini" >cp.out 2>&1
n=$(iter_lines cp.out)
echo "CartPole: $n progress lines"
check "CartPole: 10 to 30 progress lines" between "$n" 10 30
check "CartPole: no nan in the output" sh -c "! grep -qi nan cp.out"
check "CartPole: the lines carry elapsed, ETA, steps/s and the last 100 episodes' return" \
    grep -q '^iter [0-9]*  steps [0-9]*/300000 ([0-9]*%)  elapsed [0-9.:]*s\{0,1\}  ETA [0-9.:]*s\{0,1\}  [0-9]* steps/s  return_100 [0-9.]*  episodes' cp.out
check "progress.csv: the time columns" \
    grep -qx "iteration,env_steps,wall_time,steps_per_s,episodes,mean_return,mean_length,mean_return_100,mean_length_100,policy_loss,value_loss,entropy,approx_kl,clip_fraction,explained_variance,learning_rate,grad_norm" cp/progress.csv
check "progress.csv: no nan (a mean of no episodes is empty)" sh -c "! grep -qi nan cp/progress.csv"
check "progress.csv: wall_time grows, steps_per_s is positive" awk -F, \
    'NR > 1 { if ($3 < last || $4 <= 0) bad = 1; last = $3 } END { exit bad || NR < 3 }' cp/progress.csv
# The last-100 mean of the last row from the rows' own episodes is not
# checkable from means alone; the first row's is its own mean.
check "progress.csv: the first row's last-100 mean is its own mean" awk -F, \
    'NR == 2 { exit !($6 == $8 && $7 == $9) }' cp/progress.csv
last_wall=$(tail -n 1 cp/progress.csv | cut -d, -f3)
rows=$(wc -l <cp/progress.csv)
"$rlrun" --resume cp --set run.total_steps=400000 >res.out 2>&1
n=$(iter_lines res.out)
echo "resumed CartPole: $n progress lines"
check "resumed: 10 to 30 progress lines" between "$n" 10 30
check "resumed: no nan in the output" sh -c "! grep -qi nan res.out"
first_wall=$(sed -n "$((rows + 1))p" cp/progress.csv | cut -d, -f3)
check "resumed: wall_time goes on from the checkpoint's ($last_wall s, then $first_wall s)" \
    awk -v a="$last_wall" -v b="$first_wall" 'BEGIN { exit !(b > a) }'

"$rlrun" --set run.output_dir=dr --set run.total_steps=40000 --set ppo.episodes_per_iteration=4 \
    "$src/examples/deepracer.ini" >dr.out 2>&1
n=$(iter_lines dr.out)
echo "DeepRacer: $n progress lines"
check "DeepRacer: 10 to 30 progress lines" between "$n" 10 30

# ---- a run directory from anywhere -------------------------------------------------
mkdir -p mod elsewhere
cp "$src/examples/reward/my_reward.c" mod/
if cc -shared -fPIC -O2 -I "$src/librl" -o mod/my_reward.so mod/my_reward.c -lm 2>cc.err; then
    "$rlrun" --quiet --set run.output_dir=drc --set run.total_steps=20000 \
        --set deepracer.reward_function=mod/my_reward.so "$src/examples/deepracer.ini" >/dev/null 2>&1
    check "C reward module: trains" test -f drc/checkpoint.rlck
    check "C reward module: its source is kept in the run" cmp -s mod/my_reward.c drc/reward_function.c
    (cd elsewhere && "$rlrun" --quiet --eval "$tmp/drc" >eval.out 2>eval.err)
    check "C reward module: --eval ABSOLUTE_RUNDIR from another directory" test $? -eq 0
    check "C reward module: ... evaluates three laps" grep -q "evaluation (deepracer, greedy): 3 episodes" elsewhere/eval.out
    echo "/* a change */" >>mod/my_reward.c
    "$rlrun" --quiet --resume drc --set run.total_steps=25000 >/dev/null 2>res.err
    check "C reward source changed: --resume says so" grep -q "^rlrun: note: the source '$tmp/mod/my_reward.c' of \[deepracer\] reward_function has changed since the run began" res.err
else
    echo "SKIP: no C compiler for the reward module: $(cat cc.err)"
fi
# A Python reward changed after training: --resume uses the run's copy and says so.
cp "$src/examples/reward/follow_center_line.py" mod/reward.py
"$rlrun" --quiet --set run.output_dir=drp --set run.total_steps=20000 \
    --set deepracer.reward_function=mod/reward.py "$src/examples/deepracer.ini" >/dev/null 2>&1
echo "# a change" >>mod/reward.py
"$rlrun" --quiet --resume drp --set run.total_steps=25000 >/dev/null 2>res.err
check "Python reward changed: --resume says so and uses the run's copy" grep -q "^rlrun: note: '$tmp/mod/reward.py' has changed since the run began; using the run's copy" res.err

# Track files, a list of them too: recorded (absolute path, SHA-256 each)
# and kept in the run; --eval from elsewhere drives the run's copy, and
# says so when the original has gone.
mkdir -p tracks
cp "$src/envs/tracks/oval.csv" tracks/my_oval.csv
"$rlrun" --quiet --set run.output_dir=drt --set run.total_steps=5000 \
    --set "deepracer.track=tracks/my_oval.csv, technical" "$src/examples/deepracer.ini" >/dev/null 2>&1
check "track list: the file is kept as track-1.csv" cmp -s tracks/my_oval.csv drt/track-1.csv
sha=$(sha256sum tracks/my_oval.csv | cut -c1-64)
check "track list: config.ini records the absolute path and SHA-256, the name stays" sh -c \
    "grep -qx 'track = $tmp/tracks/my_oval.csv,technical' drt/config.ini && grep -qx 'track_sha256 = $sha,' drt/config.ini"
rm tracks/my_oval.csv
(cd elsewhere && "$rlrun" --quiet --eval "$tmp/drt" --set run.eval_episodes=1 >drt.out 2>drt.err)
check "track gone: --eval from elsewhere drives the run's copy" test $? -eq 0
check "track gone: ... and says so" grep -q "^rlrun: note: '$tmp/tracks/my_oval.csv' has gone since the run began; using the run's copy $tmp/drt/track-1.csv" elsewhere/drt.err

data="$src/../shared/data/trading/SP500_1999-2018.csv"
if [ -f "$data" ]; then
    # A relative path, as a user types it.
    mkdir -p data && ln -s "$data" data/prices.csv
    "$rlrun" --quiet --set run.output_dir=tr --set run.total_steps=20000 \
        --set trading.data=data/prices.csv "$src/examples/trading.ini" >/dev/null 2>&1
    check "trading: the CSV is kept in the run" cmp -s tr/data.csv "$data"
    mv tr/eval.csv trained-eval.csv
    (cd elsewhere && "$rlrun" --quiet --eval "$tmp/tr" >tr.out 2>tr.err)
    check "trading on a real CSV: --eval ABSOLUTE_RUNDIR from another directory" test $? -eq 0
    check "trading: the same evaluation as at the end of training" cmp -s tr/eval.csv trained-eval.csv
else
    echo "SKIP: trading on a real CSV: $data is absent (../shared/data, see README.md)"
fi
finish
