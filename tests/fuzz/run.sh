#!/bin/sh
# Run every fuzz target for FUZZ_TIME seconds (default 60), FUZZ_JOBS at a
# time (default 1), from a build made by `make fuzz` (tests/fuzz/README.md).
# Each target starts from its seeds (tests/fuzz/corpus/NAME, copied into
# fuzz-out/corpus/NAME, where new inputs accumulate) and writes crashes,
# hangs and leaks to fuzz-out/NAME-*. Prints each target's executions;
# fails when any target found something.
#
#   sh tests/fuzz/run.sh              every target
#   sh tests/fuzz/run.sh NAME...      only these
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
time=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-1}
out=$top/fuzz-out

# One target: NAME MAX_LEN.
if [ "${1-}" = --one ]; then
    name=$2 max_len=$3
    mkdir -p "$out/corpus/$name"
    cp "$top/tests/fuzz/corpus/$name/"* "$out/corpus/$name/" 2>/dev/null
    log=$out/$name.log
    # -close_fd_mask=1: the targets' stdout (none expected) stays quiet.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=print_stacktrace=1 \
    "$top/tests/fuzz/fuzz_$name" -max_total_time="$time" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 \
        -artifact_prefix="$out/$name-" "$out/corpus/$name" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    if [ $status -eq 0 ]; then
        echo "PASS: fuzz_$name: ${execs:-?} executions in ${time} s (${secs:-?}/s)"
    else
        echo "FAIL: fuzz_$name (status $status): ${execs:-?} executions; log $log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$log" | head -n 20
        tail -n 40 "$log"
    fi
    exit $status
fi

# name and -max_len: the largest input worth trying for the format.
targets="config:4096 track:65536 price_csv:65536 demand_csv:65536 checkpoint:16384
payload:16384 model:16384 drjson:16384 pyreward_name:4096 simtrace:65536 plots_trace:65536 csv:140000"
if [ $# -gt 0 ]; then
    want=" $* " sel=
    for t in $targets; do
        case "$want" in *" ${t%%:*} "*) sel="$sel $t" ;; esac
    done
    targets=$sel
fi
mkdir -p "$out"
start=$(date +%s)
echo "fuzzing each target for $time s, $jobs at a time"
status=0
for t in $targets; do echo "${t%%:*} ${t#*:}"; done |
    xargs -P "$jobs" -n 2 sh "$0" --one || status=1
echo "fuzzing took $(( $(date +%s) - start )) s"
exit $status
