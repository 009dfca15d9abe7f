# Shared by the rlrun script tests; source it with the temporary directory's
# tag as $1:  . "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" run
# Sets rlrun, src and tmp (removed on exit) and defines check and finish.
rlrun="${abs_top_builddir:-$(pwd)}/src/rlrun"
src="${abs_top_srcdir:-$(pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-$1.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0

check() { # NAME COMMAND...
    name=$1; shift
    if "$@"; then passes=$((passes + 1)); echo "PASS: $name"; else fails=$((fails + 1)); echo "FAIL: $name"; fi
}

# The summary line and the script's exit status.
finish() {
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ]
}
