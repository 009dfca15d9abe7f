#!/bin/sh
# Every configuration key is documented: doc/config.md's key tables against
# the tables in the code (type, default, range or choices, both ways), and
# rlrun.1's [run], [ppo] and [qlearn] key lists, through tests/keydoc. Then
# the check is shown to fail on changed copies of the documentation: a key's row
# removed, a row for a key that does not exist, a wrong default, range, type
# or choices, the common environment key missing, a [ppo] key missing from
# the manual and one that does not exist; each with its message.
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" keydoc
unset RL_PLUGIN_PATH
keydoc="${abs_top_builddir:-$(pwd)}/tests/keydoc"
md="$src/doc/config.md"
man="$src/doc/rlrun.1"

# The listing: one line per key, with the sections of the four plugins
# (cliffwalking has only the common keys, section "*").
"$keydoc" > "$tmp/keys" 2> "$tmp/err"
check "keydoc lists the keys" test $? -eq 0 -a ! -s "$tmp/err"
for s in run ppo qlearn '*' frozenlake cartpole pendulum deepracer trading rota; do
    check "keydoc lists [$s]" grep -q "^$s	" "$tmp/keys"
done
check "keydoc: [run] seed's line" grep -qx 'run	seed	int	1	\[0, 9007199254740991\]' "$tmp/keys"
check "keydoc: [ppo] loss's line" grep -qx 'ppo	loss	choice	huber	huber|mse' "$tmp/keys"

# The documentation as it is.
if "$keydoc" --check "$md" "$man" 2> "$tmp/err"; then ok=1; else ok=0; fi
cat "$tmp/err"
check "doc/config.md and rlrun.1 document every key as the tables declare it" test $ok -eq 1 -a ! -s "$tmp/err"

# Expect keydoc --check to fail on FILE (a changed copy) with MESSAGE on
# standard error (a fixed string).
fails_with() { # NAME CONFIG.md RLRUN.1 MESSAGE
    "$keydoc" --check "$2" "$3" 2> "$tmp/err"
    status=$?
    if [ $status -eq 1 ] && grep -qF -- "$4" "$tmp/err"; then
        return 0
    fi
    echo "$1: exit status $status, expected 1 and '$4'; stderr:"
    cat "$tmp/err"
    return 1
}

# A row removed: the [ppo] clip row.
grep -v '^| `clip` |' "$md" > "$tmp/removed.md"
check "a removed row is found" fails_with removed "$tmp/removed.md" "$man" \
    "[ppo] clip: a key of the section's table, not documented in $tmp/removed.md"

# A row added for a key no table has, in [qlearn].
awk '{ print } /^\| `initial_q` \|/ { print "| `final_q` | real | `0` | [0, 1] | a key that does not exist |" }' \
    "$md" > "$tmp/added.md"
check "an added row is found" fails_with added "$tmp/added.md" "$man" \
    "[qlearn] final_q: documented, but not a key of [qlearn]"

# Both at once: two differences counted.
grep -v '^| `clip` |' "$tmp/added.md" > "$tmp/both.md"
check "both are counted" fails_with both "$tmp/both.md" "$man" \
    "keydoc: 2 differences between the key tables and the documentation"

# A wrong default, a wrong range, a wrong type, wrong choices.
sed 's/^| `num_envs` | int | `1` |/| `num_envs` | int | `2` |/' "$md" > "$tmp/default.md"
check "a wrong default is found" fails_with default "$tmp/default.md" "$man" \
    "[run] num_envs: default is '1', documented as '2'"
sed 's/^\(| `epochs` | int | `10` | \)\[1, 10^4\]/\1[1, 10^5]/' "$md" > "$tmp/range.md"
check "a wrong range is found" fails_with range "$tmp/range.md" "$man" \
    "[ppo] epochs: range is [1, 10000], documented as '[1, 10^5]'"
sed 's/^| `seed` | int |/| `seed` | real |/' "$md" > "$tmp/type.md"
check "a wrong type is found" fails_with type "$tmp/type.md" "$man" \
    "[run] seed: type is int, documented as 'real'"
sed 's/^\(| `activation` | choice | `tanh` | \)`tanh`, `relu`/\1`relu`, `tanh`/' "$md" > "$tmp/choice.md"
check "wrong choices are found" fails_with choice "$tmp/choice.md" "$man" \
    "[ppo] activation: choices are tanh|relu, documented as '\`relu\`, \`tanh\`'"

# The common environment keys: removed from their shared table and not
# repeated in every environment's, they are missing for each.
grep -v '^| `max_episode_steps` | int | `-1` | \[-1, 10^12\] | steps after' "$md" > "$tmp/common.md"
check "a missing common key is found" fails_with common "$tmp/common.md" "$man" \
    "[cliffwalking] max_episode_steps: a key of the section's table, not documented"

# The manual: a [ppo] key left out, and a [run] key that does not exist.
grep -v '^\.B anneal_steps$' "$man" > "$tmp/noppo.1"
check "a [ppo] key missing from rlrun.1 is found" fails_with noppo "$md" "$tmp/noppo.1" \
    "[ppo] anneal_steps: a key of the table, not in the manual's \"[ppo] keys\""
sed 's/^\.B total_steps$/.B total_stepz/' "$man" > "$tmp/badrun.1"
check "an unknown [run] key in rlrun.1 is found" fails_with badrun "$md" "$tmp/badrun.1" \
    "[run] total_stepz: in the manual, but not a key of [run]"

# Bad usage and an unreadable file: exit status 2.
"$keydoc" --check "$tmp/nosuch.md" 2> "$tmp/err"
check "a missing file is exit status 2" test $? -eq 2
check "... naming it" grep -qF "keydoc: cannot open '$tmp/nosuch.md'" "$tmp/err"

finish
