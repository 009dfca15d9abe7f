#!/bin/sh
# A program outside the tree builds against an installed librl with
# pkg-config only, loads the installed classic plugin and runs an episode.
set -u
: "${abs_top_builddir:?run through make check}" "${abs_top_srcdir:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/root"
${MAKE:-make} -s -C "$abs_top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; echo "FAIL: make install"; exit 1; }
libdir=$(sed -n 's/^libdir=//p' "$abs_top_builddir/librl.pc")
prefix=$(sed -n 's/^prefix=//p' "$abs_top_builddir/librl.pc")
libdir=$(echo "$libdir" | sed "s|\${exec_prefix}|$prefix|; s|\${prefix}|$prefix|")
pcdir="$dest$libdir/pkgconfig"
test -f "$pcdir/librl.pc" || { echo "FAIL: librl.pc not installed in $pcdir"; exit 1; }
test -f "$dest$libdir/librl/classic.so" || { echo "FAIL: classic plugin not installed"; exit 1; }
flags=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest" ${PKG_CONFIG:-pkg-config} --cflags --libs librl) || {
    echo "FAIL: pkg-config librl"; exit 1; }
echo "pkg-config --cflags --libs librl: $flags"
cp "$abs_top_srcdir/examples/hello_env.c" "$tmp/"
(cd "$tmp" && ${CC:-cc} -std=c99 ${RL_TEST_CFLAGS:-} -o hello hello_env.c $flags) || { echo "FAIL: compile"; exit 1; }
out=$(cd "$tmp" && LD_LIBRARY_PATH="$dest$libdir" RL_PLUGIN_PATH="$dest$libdir/librl" ./hello cliffwalking 2>&1)
status=$?
echo "$out"
[ $status -eq 0 ] || { echo "FAIL: hello exited $status"; exit 1; }
echo "$out" | grep -q "episode of cliffwalking: 200 steps" || { echo "FAIL: unexpected output"; exit 1; }
echo "1 passed, 0 failed"
