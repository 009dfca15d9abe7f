#!/bin/sh
# Both cores, then several processes: training steps/s and time to solve at
# 1 and 2 threads ([run] threads) and at 1 and 2 MPI ranks (mpirun -np 1
# against -np 2, one thread per rank), for CartPole and the DeepRacer
# example, with the commands run. Figures for doc/benchmarks.md and
# doc/distributed.md; never part of make check. Run it on an otherwise idle
# machine: other processes on the cores skew the 2-way figures most.
#
#   sh bench/scaling.sh        (from the build tree; RLRUN=path to choose rlrun)
#
# Part 1, steps/s: each example's configuration without evaluation, for
# STEPS_CARTPOLE and STEPS_DEEPRACER steps (the group's: 2 ranks train on
# twice the data per iteration). Part 2, time to solve: the whole example
# as README runs it (its own step budget, then its evaluation): wall time
# and the evaluation (CartPole's mean return, DeepRacer's laps complete).
# Without MPI (or mpirun) the rank rows are left out, with a note.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rlrun=${RLRUN:-$(pwd)/src/rlrun}
[ -x "$rlrun" ] || { echo "bench/scaling.sh: no rlrun at $rlrun (run it from the build tree, or set RLRUN)" >&2; exit 1; }
mpi=1
"$rlrun" --version | grep -q "MPI: " || mpi=0
command -v mpirun >/dev/null || mpi=0
opts="--oversubscribe"
[ "$(id -u)" -eq 0 ] && opts="$opts --allow-run-as-root"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-bench-scaling.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
echo "rlrun: $("$rlrun" --version | head -n 1); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$mpi" = 1 ] || echo "note: no MPI in this rlrun or no mpirun: the rank rows are left out"

# The ways to run: "threads N" or "ranks N", as a command prefix and option.
ways="threads:1 threads:2"
[ "$mpi" = 1 ] && ways="$ways ranks:1 ranks:2"
prefix() { # WAY -> the launcher and the [run] threads option
    case $1 in
    threads:*) echo "$rlrun --set run.threads=${1#threads:}" ;;
    ranks:*) echo "mpirun $opts -np ${1#ranks:} $rlrun --set run.threads=1" ;;
    esac
}

echo
echo "training steps/s"
printf '%-10s %-10s %20s  %s\n' example way steps/s command
for ex in cartpole:${STEPS_CARTPOLE:-300000} deepracer:${STEPS_DEEPRACER:-1000000}; do
    name=${ex%%:*} steps=${ex#*:}
    for kind in threads ranks; do
        base=
        for way in $ways; do
            case $way in $kind:*) ;; *) continue ;; esac
            dir="$name-${way%%:*}${way#*:}"
            cmd="$(prefix "$way") --set run.eval_episodes=0 --set run.plots=false --set run.total_steps=$steps --set run.output_dir=$dir $top/examples/$name.ini"
            rate=$($cmd 2>/dev/null | sed -n 's/^trained .* (\([0-9]*\) steps\/s)$/\1/p')
            [ -n "$rate" ] || { echo "bench/scaling.sh: $cmd failed" >&2; exit 1; }
            ratio=
            [ -n "$base" ] && ratio=$(awk -v a="$rate" -v b="$base" 'BEGIN { printf " (%.2fx)", a / b }')
            [ -z "$base" ] && base=$rate
            printf '%-10s %-10s %20s  %s\n' "$name" "$way" "$rate$ratio" "$cmd"
        done
    done
done

echo
echo "time to solve: the whole example (training, then its evaluation)"
printf '%-10s %-10s %9s  %-28s %s\n' example way wall result command
for name in cartpole deepracer; do
    for way in $ways; do
        dir="solve-$name-${way%%:*}${way#*:}"
        cmd="$(prefix "$way") --set run.plots=false --set run.output_dir=$dir $top/examples/$name.ini"
        t0=$(date +%s.%N)
        $cmd >"$dir.out" 2>&1 || { echo "bench/scaling.sh: $cmd failed" >&2; exit 1; }
        t1=$(date +%s.%N)
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f s", b - a }')
        if [ "$name" = cartpole ]; then
            result=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "return") c = i; next } { s += $c; n++ } END { printf "mean return %.1f (%d ep.)", s / n, n }' "$dir/eval.csv")
        else
            result=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "complete") c = i; next } { s += $c; n++ } END { printf "%d/%d laps complete", s, n }' "$dir/eval.csv")
        fi
        printf '%-10s %-10s %9s  %-28s %s\n' "$name" "$way" "$wall" "$result" "$cmd"
    done
done
