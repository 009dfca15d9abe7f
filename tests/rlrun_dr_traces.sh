#!/bin/sh
# The deepracer traces read the way deepracer-utils reads them (its
# deepracer/logs/handler.py, log.py and log_utils.py, read, not run: this
# is an independent reading in awk):
# - the folder: no sim-trace/ and a training-simtrace/ at the root is its
#   DRFC_MODEL_SINGLE_WORKERS layout; training files
#   training-simtrace/<iteration>-iteration.csv, evaluations
#   evaluation-<14 digits>/evaluation-simtrace/0-iteration.csv;
# - columns by the header's names;
# - per episode (evaluation rows sorted by episode then steps): time = the
#   sum of the tstamp differences from row to row, 0 on prepare rows;
#   progress = the highest; off_track = the rows with that status;
#   complete = progress 100.
# For every evaluation lap this must give eval.csv's lap_time, progress,
# off_track_count and complete; training episodes must be whole, each in
# one file, numbered on from file to file. A resumed run writes the same
# traces as a straight one.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" drtraces

# A short training on the technical track, then evaluation with the
# defaults: laps back to back, off-track resets after a 5 s hold; the
# barely trained car goes off track, so the laps have pause rows.
run="--quiet --trace --set run.total_steps=4000 --set ppo.epochs=2"
"$rlrun" $run --set run.output_dir="$tmp/a" "$src/examples/deepracer.ini" >"$tmp/a.out" 2>&1
check "training and evaluation exit 0" test $? -eq 0

# The folder type deepracer-utils detects, and its files.
check "the layout is deepracer-utils' DRFC_MODEL_SINGLE_WORKERS" \
    test ! -e "$tmp/a/sim-trace" -a -d "$tmp/a/training-simtrace"
evals=$(ls -d "$tmp"/a/evaluation-*/evaluation-simtrace/0-iteration.csv 2>/dev/null)
check "one evaluation, in evaluation-<14 digits>/evaluation-simtrace/0-iteration.csv" \
    sh -c "test \$(echo '$evals' | grep -Ec '/evaluation-[0-9]{14}/evaluation-simtrace/0-iteration\\.csv\$') -eq 1"

# Rows by column name (as pandas reads them), as
# "episode steps tstamp status progress"; drops the header.
columns() {
    awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
             { print $c["episode"], $c["steps"], $c["tstamp"], $c["episode_status"], $c["progress"] }' "$@"
}

# deepracer-utils' simulation_agg on rows sorted by episode and steps:
# "episode time progress off_track complete" per episode.
aggregate() {
    sort -k1,1n -k2,2n | awk '
        { dt = NR == 1 ? 0 : $3 - prev; prev = $3; if ($4 == "prepare") dt = 0
          if (!($1 in t)) { order[n++] = $1; p[$1] = $5 }
          t[$1] += dt; if ($5 > p[$1]) p[$1] = $5; off[$1] += $4 == "off_track" }
        END { for (i = 0; i < n; i++) { e = order[i]
                  printf "%d %.6f %.4f %d %d\n", e, t[e], p[e], off[e], p[e] == 100 } }'
}

columns $evals | aggregate >"$tmp/eval.agg"
awk -F, 'NR > 1 { printf "%d %.6f %.4f %d %d\n", $1 - 1, $6, $7, $8, $9 }' "$tmp/a/eval.csv" >"$tmp/eval.want"
check "as many laps in the trace as in eval.csv" test "$(wc -l <"$tmp/eval.agg")" -eq "$(wc -l <"$tmp/eval.want")"
check "every lap: deepracer-utils' time, progress, off_track and complete are eval.csv's" \
    awk 'NR == FNR { w[$1] = $0; next }
         { split(w[$1], v, " "); d = $2 - v[2]
           if (!($1 in w) || d > 0.0011 || d < -0.0011 || $3 - v[3] > 6e-5 || v[3] - $3 > 6e-5 ||
               $4 != v[4] || $5 != v[5]) { print "lap " $1 ": trace " $0 ", eval.csv " w[$1]; bad = 1 } }
         END { exit bad }' "$tmp/eval.want" "$tmp/eval.agg"
check "the evaluation went off track and was put back (pause rows, 75 per reset)" awk -F, '
    NR > 1 && $16 == "off_track" { offs++ } NR > 1 && $16 == "pause" { pauses++ }
    END { exit !(offs > 0 && pauses >= 75) }' $evals
cat "$tmp/eval.agg" "$tmp/eval.want" | sed 's/^/  /'

# Training: every episode whole in one file (from its prepare row to its
# done row), the numbers running on from file to file in file order.
ls "$tmp/a/training-simtrace" | sed 's/-iteration.csv$//' | sort -n >"$tmp/iters"
check "training files 0 .. K-1" test "$(sed -n '$=' "$tmp/iters")" -eq "$(($(tail -n 1 "$tmp/iters") + 1))"
files=$(sed "s|.*|$tmp/a/training-simtrace/&-iteration.csv|" "$tmp/iters")
check "training episodes whole, each in one file, numbered on across the files" awk -F, '
    BEGIN { ep = -1; next_ep = 0; done = "True" }
    FNR == 1 { if (done != "True") bad = 1; next }
    $1 != ep { if ($1 != next_ep || $2 != 1 || $16 != "prepare" || done != "True") bad = 1
               ep = $1; next_ep = $1 + 1 }
    $1 == ep && $2 != 1 && $2 != step + 1 { bad = 1 }
    { step = $2; done = $10 }
    END { exit bad || done != "True" || next_ep < 2 }' $files
# deepracer-utils numbers training episodes uniquely as
# episode % E + iteration x E, E the episodes of iteration 0: right when
# every file holds E consecutive episodes, as the simulator's do
# (num_episodes_between_training). A batch ends an iteration when its 20th
# episode ends, and more than one can end on that last step: those go first
# into the next file (rl_env_batch_set_trace_quota), and the last file holds
# what is left.
counts=$(for f in $files; do awk -F, 'FNR > 1 { e[$1] = 1 } END { n = 0; for (x in e) n++; print n }' "$f"; done)
echo "$counts" | awk '{ c[NR] = $1 } END { for (i = 1; i < NR; i++) if (c[i] != 20) bad = 1
                                          exit bad || c[NR] < 1 || c[NR] > 20 }'
check "every training file holds the iteration's 20 episodes (the last at most 20)" test $? -eq 0
check "deepracer-utils' unique_episode is the episode number" awk -F, '
    FNR == 1 { it = FILENAME; sub(/.*\//, "", it); sub(/-iteration.csv/, "", it); next }
    it == 0 && $1 + 1 > E { E = $1 + 1 }
    { e[NR] = $1; i[NR] = it }
    END { for (r in e) if (e[r] % E + i[r] * E != e[r]) bad = 1; exit bad }' $files
# Time: the tstamp differences of an episode add up to its steps after the
# prepare step, 1/15 s each.
columns $files | aggregate | awk '{ print $1, $2 }' >"$tmp/train.time"
columns $files | awk '{ n[$1] = $2 } END { for (e in n) printf "%d %.6f\n", e, (n[e] - 1) / 15 }' | sort -n >"$tmp/train.want"
check "training episodes: deepracer-utils' time is (steps - 1) / 15" awk '
    NR == FNR { w[$1] = $2; next } { d = $2 - w[$1]; if (d > 0.0011 || d < -0.0011) bad = 1 }
    END { exit bad }' "$tmp/train.want" "$tmp/train.time"

# Resume: half the training, then --resume to the end, writes the same
# training traces as the straight run (but wall_clock): the episodes under
# way at the checkpoint go whole into the file of the iteration where they
# end, none lost, none twice.
"$rlrun" $run --set run.total_steps=2000 --set run.eval_episodes=0 --set run.output_dir="$tmp/h" \
    "$src/examples/deepracer.ini" >/dev/null 2>&1
check "first half exits 0" test $? -eq 0
"$rlrun" --quiet --trace --resume "$tmp/h" --set run.total_steps=4000 --set run.eval_episodes=3 >/dev/null 2>&1
check "--resume exits 0" test $? -eq 0
check "resumed: the same training files" sh -c "cd '$tmp/a/training-simtrace' && ls | sort >'$tmp/la' && cd '$tmp/h/training-simtrace' && ls | sort >'$tmp/lh' && cmp -s '$tmp/la' '$tmp/lh'"
same=1
for f in $files; do
    b=$(basename "$f")
    cut -d, -f1-18 "$f" >"$tmp/x" && cut -d, -f1-18 "$tmp/h/training-simtrace/$b" >"$tmp/y" && cmp -s "$tmp/x" "$tmp/y" || same=0
done
check "resumed: the same training traces (but wall_clock)" test $same -eq 1
check "resumed: the same eval.csv" cmp -s "$tmp/a/eval.csv" "$tmp/h/eval.csv"

finish
