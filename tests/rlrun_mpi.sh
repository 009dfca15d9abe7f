#!/bin/sh
# rlrun under mpirun (doc/distributed.md).
#
# A build without MPI: a launch of several processes (faked by the
# variables mpirun sets, OMPI_COMM_WORLD_SIZE or PMI_SIZE) is refused with
# exit status 2 before anything is written; a launch of one runs. Then the
# script ends (.ci/run runs make check in both builds).
#
# A build with MPI (skipped, 77, when mpirun is missing): rlrun's rl_comm
# over MPI (tests/mpi_comm, 2 and 3 ranks); --version; -np 1 gives a lone
# run's files bit for bit; a bad configuration under -np 2 is reported
# once, exit 2, nothing written; --eval under -np 2 runs on rank 0 alone.
# The checks marked [group] need PPO's training over an rl_comm (librl's
# ppo.c); while ppo refuses a group (RL_EUNSUPPORTED) they are skipped with
# a line saying so, and that refusal is checked instead: CartPole solved
# by 2 ranks (eval.csv's mean >= 475); the ranks' agents equal to the bit
# after training (RLRUN_RANK_CHECKPOINTS=1, tests/ckpt_params); the same
# 2-rank run twice gives the same checkpoint; a busy output_dir refused
# once; a rank killed with SIGKILL ends the job with an error, and the
# last checkpoint evaluates and resumes; a 2-rank checkpoint resumed by 1
# rank and the reverse; SIGTERM to mpirun stops the job with rank 0's
# checkpoint of the last iteration in progress.csv.
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" mpi
builddir="${abs_top_builddir:-$(pwd)}"
params="$builddir/tests/ckpt_params"
cd "$tmp" || exit 99

cat >tiny.ini <<EOF
[run]
env = cartpole
algorithm = ppo
seed = 3
num_envs = 4
total_steps = 8192
eval_episodes = 2
[ppo]
steps_per_iteration = 512
batch_size = 128
epochs = 2
hidden = 16
EOF

if ! grep -q '^#define RL_HAVE_MPI 1' "$builddir/config.h"; then
    echo "this build has no MPI: checking that rlrun refuses a launch of several processes"
    # refused LAUNCH-VARIABLE: exit 2, the message, no run directory.
    refused() {
        rm -rf runs
        env "$1" "$rlrun" tiny.ini >out 2>err
        st=$?
        [ $st -eq 2 ] && grep -q "this rlrun was built without MPI: .*apt-get install libopenmpi-dev openmpi-bin" err &&
            [ "$(wc -l <err)" -eq 1 ] && [ ! -e runs ] && [ ! -s out ] ||
            { echo "exit $st"; cat out err; return 1; }
    }
    check "OMPI_COMM_WORLD_SIZE=2: refused, exit 2, nothing written" refused OMPI_COMM_WORLD_SIZE=2
    check "PMI_SIZE=3: refused" refused PMI_SIZE=3
    one() {
        rm -rf runs
        OMPI_COMM_WORLD_SIZE=1 "$rlrun" --quiet tiny.ini >out 2>err && [ -f runs/cartpole/eval.csv ] ||
            { cat out err; return 1; }
    }
    check "OMPI_COMM_WORLD_SIZE=1: trains alone" one
    check "--version: built without MPI" sh -c '"$1" --version | grep -q "built without MPI"' sh "$rlrun"
    finish
    exit $?
fi

if ! command -v mpirun >/dev/null 2>&1; then
    echo "SKIP: mpirun is not installed (apt-get install openmpi-bin)"
    exit 77
fi
# In a container: as root, more ranks than cores, no ssh, no ptrace
# between processes.
mpiopts="--oversubscribe"
[ "$(id -u)" -eq 0 ] && mpiopts="$mpiopts --allow-run-as-root"
OMPI_MCA_plm_rsh_agent=${OMPI_MCA_plm_rsh_agent-false}
OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism-none}
export OMPI_MCA_plm_rsh_agent OMPI_MCA_btl_vader_single_copy_mechanism
# Under make check-sanitizers: Open MPI leaks what MPI_Init allocates, much
# of it in components that MPI_Finalize unloads (so no suppression can name
# them); LeakSanitizer is off for processes that mpirun starts, the rest
# of ASan and UBSan stays on. rlrun's own paths are leak-checked by the
# tests that run it alone.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
mpi() { # NP COMMAND...
    np=$1
    shift
    mpirun $mpiopts -np "$np" "$@"
}

check "rl_comm over MPI, 2 ranks" mpi 2 "$builddir/tests/mpi_comm"
check "rl_comm over MPI, 3 ranks (gathered in rank order)" mpi 3 "$builddir/tests/mpi_comm"
check "--version names MPI" sh -c '"$1" --version | grep -q "MPI: Open MPI"' sh "$rlrun"

# The columns of progress.csv that do not depend on the clock.
steady() { cut -d, -f1,2,5- "$1"; }

one_rank() {
    "$rlrun" --quiet --set run.output_dir=alone tiny.ini >/dev/null &&
        mpi 1 "$rlrun" --quiet --set run.output_dir=np1 tiny.ini >np1.out 2>np1.err &&
        cmp alone/checkpoint.rlck np1/checkpoint.rlck && cmp alone/eval.csv np1/eval.csv &&
        steady alone/progress.csv >a && steady np1/progress.csv >b && cmp a b ||
        { cat np1.out np1.err; return 1; }
}
check "-np 1: the lone run's checkpoint, eval.csv and progress.csv, bit for bit" one_rank

bad_config() {
    mpi 2 "$rlrun" --set ppo.batch_size=0 --set run.output_dir=bad tiny.ini >out 2>err
    st=$?
    n=$(grep -c "batch_size" err)
    [ $st -eq 2 ] && [ "$n" -eq 1 ] && [ ! -e bad ] && ! grep -q "rank 1" err ||
        { echo "exit $st, $n messages"; cat out err; return 1; }
}
check "a bad configuration under -np 2: one message, exit 2, nothing written" bad_config

eval_np2() {
    rm -f np1/eval.csv
    mpi 2 "$rlrun" --eval np1 >out 2>err
    st=$?
    [ $st -eq 0 ] && [ "$(grep -c '^evaluation (' out)" -eq 1 ] && cmp np1/eval.csv alone/eval.csv ||
        { echo "exit $st"; cat out err; return 1; }
}
check "--eval under -np 2: rank 0 alone evaluates (the same eval.csv)" eval_np2

# Does ppo train in a group yet?
mpi 2 "$rlrun" --quiet --set run.output_dir=probe tiny.ini >probe.out 2>probe.err
probe=$?
if grep -q "trains in one process only" probe.err; then
    echo "SKIP: the [group] checks: ppo trains in one process only (PPO's training over an rl_comm, librl/ppo.c, has not landed)"
    refusal() {
        [ $probe -eq 2 ] && [ "$(grep -c 'trains in one process only' probe.err)" -eq 1 ] &&
            [ ! -e probe ] || { echo "exit $probe"; cat probe.out probe.err; return 1; }
    }
    check "an algorithm that trains alone is refused under -np 2: exit 2, nothing written" refusal
    finish
    exit $?
fi
[ $probe -eq 0 ] || { echo "FAIL: [group] a 2-rank run failed (exit $probe)"; cat probe.out probe.err; exit 1; }

solve() { # [group]
    mpi 2 "$rlrun" --quiet --set run.output_dir=solved "$src/examples/cartpole.ini" >out 2>err ||
        { cat out err; return 1; }
    awk -F, 'NR > 1 { s += $2; n++ } END { printf "eval mean %.2f over %d episodes\n", s / n, n; exit !(n == 100 && s / n >= 475) }' \
        solved/eval.csv
}
check "[group] mpirun -np 2 rlrun examples/cartpole.ini solves CartPole (mean >= 475)" solve

same_agents() { # [group]
    RLRUN_RANK_CHECKPOINTS=1 mpi 2 "$rlrun" --quiet --set run.output_dir=ranks tiny.ini >out 2>err &&
        "$params" ranks/checkpoint-rank0.rlck ranks/checkpoint-rank1.rlck &&
        "$params" ranks/checkpoint.rlck ranks/checkpoint-rank1.rlck &&
        ! cmp -s ranks/checkpoint-rank0.rlck ranks/checkpoint-rank1.rlck ||
        { cat out err; return 1; }
    # Not vacuous: the group's agent is not a lone run's.
    "$params" ranks/checkpoint.rlck alone/checkpoint.rlck >out
    [ $? -eq 3 ] || { echo "the group trained the lone run's agent"; cat out; return 1; }
}
check "[group] both ranks hold the same agent to the bit after 16 updates" same_agents

twice() { # [group]
    mpi 2 "$rlrun" --quiet --set run.output_dir=again tiny.ini >/dev/null 2>&1 &&
        cmp ranks/checkpoint.rlck again/checkpoint.rlck && steady ranks/progress.csv >a &&
        steady again/progress.csv >b && cmp a b && cmp ranks/eval.csv again/eval.csv
}
check "[group] the same 2-rank run twice: the same checkpoint, progress.csv and eval.csv" twice

busy() { # [group]
    mpi 2 "$rlrun" --set run.output_dir=ranks tiny.ini >out 2>err
    st=$?
    [ $st -eq 2 ] && [ "$(grep -c 'holds a run already' err)" -eq 1 ] ||
        { echo "exit $st"; cat out err; return 1; }
}
check "[group] a busy output_dir: rank 0's refusal, once, exit 2" busy

cross() { # [group] 2 ranks, resumed by 1, then by 2
    mpi 2 "$rlrun" --quiet --set run.output_dir=cross --set run.total_steps=4096 tiny.ini >out 2>err &&
        "$rlrun" --quiet --resume cross --set run.total_steps=6144 >>out 2>>err &&
        [ "$(tail -n 1 cross/progress.csv | cut -d, -f2)" -ge 6144 ] &&
        mpi 2 "$rlrun" --quiet --resume cross --set run.total_steps=12288 >>out 2>>err &&
        [ "$(tail -n 1 cross/progress.csv | cut -d, -f2)" -ge 12288 ] &&
        steady cross/progress.csv | awk -F, 'NR > 1 && $1 != NR - 1 { exit 1 }' &&
        [ -f cross/eval.csv ] || { cat out err; return 1; }
}
check "[group] a 2-rank checkpoint resumed by 1 rank, then by 2 (rows 1, 2, 3, ...)" cross

cat >long.ini <<EOF
[run]
env = cartpole
algorithm = ppo
total_steps = 100000000
eval_episodes = 2
checkpoint_every = 0.2s
[ppo]
steps_per_iteration = 512
hidden = 16
EOF

# Start a long 2-rank run into DIR in the background (mpirun's pid in
# $mp), and wait for both ranks' pid files and a checkpoint.
start_long() {
    RLRUN_RANK_CHECKPOINTS=1 mpirun $mpiopts -np 2 "$rlrun" --quiet --set run.output_dir="$1" long.ini \
        >"$1.out" 2>"$1.err" &
    mp=$! # mpirun's own (not a subshell's)
    while { [ ! -f "$1/rank-1.pid" ] || [ ! -f "$1/checkpoint.rlck" ]; } && kill -0 $mp 2>/dev/null; do
        sleep 0.05
    done
    sleep 0.5
}

kill_rank() { # [group]
    start_long killed
    kill -KILL "$(cat killed/rank-1.pid)" || return 1
    wait $mp
    st=$?
    [ $st -ne 0 ] && [ -s killed.err ] || { echo "exit $st"; cat killed.out killed.err; return 1; }
    echo "mpirun: exit $st; stderr: $(grep -m1 -i 'signal\|rank' killed.err)"
    "$rlrun" --eval killed >out 2>err || { echo "--eval of the last checkpoint failed"; cat err; return 1; }
    steps=$("$params" killed/checkpoint.rlck killed/checkpoint.rlck | sed -n 's/.*, \([0-9]*\) steps).*/\1/p')
    [ -n "$steps" ] && mpi 2 "$rlrun" --quiet --resume killed --set run.total_steps=$((steps + 4096)) >out 2>err ||
        { echo "--resume after the kill failed"; cat out err; return 1; }
}
check "[group] SIGKILL to rank 1 ends the job with an error; the checkpoint evaluates and resumes" kill_rank

term() { # [group]
    start_long stopped
    kill -TERM $mp
    wait $mp
    st=$?
    rows=$(($(wc -l <stopped/progress.csv) - 1))
    it=$("$params" stopped/checkpoint.rlck stopped/checkpoint.rlck | sed -n 's/.*(iteration \([0-9]*\),.*/\1/p')
    [ $st -ne 0 ] && grep -q "SIGTERM: stopped after iteration" stopped.err && [ "$it" = "$rows" ] ||
        { echo "exit $st, checkpoint at iteration $it, $rows rows"; cat stopped.out stopped.err; return 1; }
}
check "[group] SIGTERM to mpirun: both ranks stop after one iteration, rank 0 saves it" term

finish
