#!/bin/sh
# Every public header compiles on its own, as C99 with -pedantic and as C++.
set -u
src="${abs_top_srcdir:-$(pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-headers.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cxx=""
for c in "${CXX:-}" g++ c++ clang++; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { cxx=$c; break; }
done
fails=0; passes=0
for h in "$src"/librl/rl/*.h; do
    name=$(basename "$h")
    printf '#include <rl/%s>\n#include <rl/%s>\nint main(void) { return 0; }\n' "$name" "$name" >"$tmp/t.c"
    if ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -I"$src/librl" ${GSL_CFLAGS:-} -c "$tmp/t.c" -o "$tmp/t.o"; then
        passes=$((passes + 1))
    else
        echo "FAIL: $name as C99"; fails=$((fails + 1))
    fi
    if [ -n "$cxx" ]; then
        cp "$tmp/t.c" "$tmp/t.cc"
        if $cxx -std=c++11 -pedantic -Wall -Wextra -Werror -I"$src/librl" ${GSL_CFLAGS:-} -c "$tmp/t.cc" -o "$tmp/t.o"; then
            passes=$((passes + 1))
        else
            echo "FAIL: $name as C++"; fails=$((fails + 1))
        fi
    fi
done
[ -n "$cxx" ] || echo "note: no C++ compiler found; the C++ half was skipped"
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
