#!/bin/sh
# The bad-input catalogue (tests/bad/README.md): every case of
# tests/bad/cases runs rlrun on a bad input and must give exactly the
# expected stderr and exit status, and write nothing: the case's directory
# (a fresh copy of tests/bad/files) holds the same files, with the same
# contents, after the run as before it.
#
#   RL_BAD_ONLY=NAME    run that case alone
#   RL_BAD_RECORD=1     print each case's actual status and stderr (to
#                       write a new case's expectations; check them by eye)
set -u
set -- bad
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" bad
build="${abs_top_builddir:-$(pwd)}"
bad="$src/tests/bad"
plugdir="$build/plugins:${RL_TEST_PLUGINDIR:-$build/tests/plugins}"
if grep -q '^#define HAVE_PYTHON 1' "$build/config.h"; then python=1; else python=0; fi

# Runs the cases' rlrun with the plugins of the build tree and the test
# plugins, quietly (errors are printed all the same).
rlrun() { RL_PLUGIN_PATH="$plugdir" "$rlrun" --quiet "$@"; }

# Good runs the checkpoint cases damage or mix up, made once.
mkdir -p "$tmp/runs"
(cd "$tmp/runs" &&
    rlrun --set run.output_dir=cliff "$bad/files/base.ini" &&
    rlrun --set run.output_dir=lake --set run.env=frozenlake "$bad/files/base.ini" &&
    rlrun --set run.output_dir=pole --set run.env=cartpole --set run.algorithm=ppo \
        --set ppo.steps_per_iteration=256 --set run.total_steps=256 "$bad/files/base.ini") \
    >/dev/null 2>"$tmp/runs.err" || { cat "$tmp/runs.err"; echo "FAIL: the good runs"; exit 1; }
runs="$tmp/runs"

# A listing of a directory's files with their checksums.
snapshot() { (cd "$1" && find . -print | LC_ALL=C sort | while IFS= read -r f; do
    if [ -f "$f" ]; then echo "$f $(cksum <"$f")"; else echo "$f"; fi; done); }

ncases=0
# run_case: the fields of one case are in name, need, prep, cmd, status, err.
run_case() {
    ncases=$((ncases + 1))
    if [ -n "${RL_BAD_ONLY:-}" ] && [ "$RL_BAD_ONLY" != "$name" ]; then return; fi
    if [ "$need" = python ] && [ "$python" = 0 ]; then echo "SKIP: $name (no Python)"; return; fi
    d="$tmp/case/$name"
    rm -rf "$d"
    mkdir -p "$d"
    cp -R "$bad/files/." "$d/"
    (cd "$d" && eval "$prep") >"$tmp/prep.out" 2>&1 || {
        fails=$((fails + 1)); echo "FAIL: $name: prep failed"; cat "$tmp/prep.out"; return; }
    snapshot "$d" >"$tmp/before"
    (cd "$d" && eval "$cmd") >"$tmp/out" 2>"$tmp/err.raw" </dev/null
    got=$?
    # Paths that differ from machine to machine, as the cases write them.
    sed -e "s|$d|@CASE@|g" -e "s|$runs|@RUNS@|g" \
        -e "s|${RL_TEST_PKGLIBDIR:-/usr/local/lib/librl}|@PKGLIBDIR@|g" \
        -e "s|$build|@BUILD@|g" -e "s|$src|@SRC@|g" "$tmp/err.raw" >"$tmp/err"
    snapshot "$d" >"$tmp/after"
    if [ -n "${RL_BAD_RECORD:-}" ]; then
        echo "[$name] status $got"; cat "$tmp/err"; return
    fi
    printf '%s\n' "$err" >"$tmp/want"
    why=
    if [ "$got" != "$status" ]; then why="exit status $got, expected $status"
    elif ! cmp -s "$tmp/want" "$tmp/err"; then why="stderr differs"
    elif ! cmp -s "$tmp/before" "$tmp/after"; then why="files were written or changed"
    elif [ -s "$tmp/out" ]; then why="something on stdout"
    fi
    if [ -z "$why" ]; then
        passes=$((passes + 1)); echo "PASS: $name"
    else
        fails=$((fails + 1)); echo "FAIL: $name: $why"
        echo "  expected: $err"; sed 's/^/  got:      /' "$tmp/err"
        diff "$tmp/before" "$tmp/after" | sed 's/^/  /'
    fi
}

name=
flush() { if [ -n "$name" ]; then run_case; fi; need= prep=: cmd= status= err=; }
flush
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
    '#'* | '') ;;
    '['*']') flush; name=${line#[}; name=${name%]} ;;
    'need: '*) need=${line#need: } ;;
    'prep: '*) prep=${line#prep: } ;;
    'cmd: '*) cmd=${line#cmd: } ;;
    'status: '*) status=${line#status: } ;;
    'err: '*) if [ -n "$err" ]; then err="$err
${line#err: }"; else err=${line#err: }; fi ;;
    *) echo "FAIL: tests/bad/cases: bad line: $line"; fails=$((fails + 1)) ;;
    esac
done <"$bad/cases"
flush
echo "$ncases cases"
finish
