#!/bin/sh
# Training steps per second at 1 and 2 ranks (mpirun -np 1 against -np 2,
# one thread per rank), for CartPole and the DeepRacer example, with the
# commands run. Figures for doc/distributed.md ("Measured scaling"); never
# part of make check.
#
#   sh bench/mpi.sh            (from the build tree; RLRUN=path to choose rlrun)
#
# Each run trains the example's configuration without evaluation, for
# STEPS_CARTPOLE and STEPS_DEEPRACER steps (of the group: 2 ranks train on
# twice the data per iteration), in a temporary directory.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rlrun=${RLRUN:-$(pwd)/src/rlrun}
[ -x "$rlrun" ] || { echo "bench/mpi.sh: no rlrun at $rlrun (run it from the build tree, or set RLRUN)" >&2; exit 1; }
"$rlrun" --version | grep -q "MPI: " || { echo "bench/mpi.sh: this rlrun was built without MPI" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "bench/mpi.sh: mpirun is not installed (openmpi-bin)" >&2; exit 1; }
opts="--oversubscribe"
[ "$(id -u)" -eq 0 ] && opts="$opts --allow-run-as-root"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-bench-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
echo "rlrun: $("$rlrun" --version); $(nproc) cores"
printf '%-10s %5s %12s  %s\n' example ranks steps/s command
for ex in cartpole:${STEPS_CARTPOLE:-300000} deepracer:${STEPS_DEEPRACER:-201600}; do
    name=${ex%%:*} steps=${ex#*:}
    base=
    for np in 1 2; do
        cmd="mpirun $opts -np $np $rlrun --set run.threads=1 --set run.eval_episodes=0 --set run.plots=false --set run.total_steps=$steps --set run.output_dir=$name-$np $top/examples/$name.ini"
        rate=$($cmd | sed -n 's/^trained .* (\([0-9]*\) steps\/s)$/\1/p')
        [ -n "$rate" ] || { echo "bench/mpi.sh: $cmd failed" >&2; exit 1; }
        ratio=
        [ -n "$base" ] && ratio=$(awk -v a="$rate" -v b="$base" 'BEGIN { printf " (%.2fx)", a / b }')
        [ -z "$base" ] && base=$rate
        printf '%-10s %5d %12s  %s\n' "$name" "$np" "$rate$ratio" "$cmd"
    done
done
