# Shared by the rlrun script tests; source it with the temporary directory's
# tag as $1:  . "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" run
# Sets rlrun, src, tmp (removed on exit) and cairo (1 when pictures are
# drawn), and defines check, finish, is_png and png_size.
rlrun="${abs_top_builddir:-$(pwd)}/src/rlrun"
src="${abs_top_srcdir:-$(pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-$1.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0

check() { # NAME COMMAND...
    name=$1; shift
    if "$@"; then passes=$((passes + 1)); echo "PASS: $name"; else fails=$((fails + 1)); echo "FAIL: $name"; fi
}

# 1 when this build draws pictures (configure found cairo), else 0.
if grep -q '^#define RL_HAVE_CAIRO 1' "${abs_top_builddir:-$(pwd)}/config.h"; then cairo=1; else cairo=0; fi

# A PNG file: the 8-byte signature, then the IHDR chunk (length 13).
is_png() {
    test "$(od -An -tx1 -N16 "$1" | tr -d ' \n')" = 89504e470d0a1a0a0000000d49484452
}

# Width and height of a PNG, from its IHDR chunk, as "W H".
png_size() {
    od -An -tu1 -j16 -N8 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

# The summary line and the script's exit status.
finish() {
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ]
}
