#!/bin/sh
# rlrun and plugins across versions and formats: a plugin's command run as
# `rlrun --NAME ARGS` (output, exit 0; bad input exit 2; a runtime failure
# exit 1; a wrong argument count and an unknown option exit 2), --list
# naming commands; a plugin built against the first release's headers
# (tests/plugins/oldabi, ABI 1) trains and evaluates through rlrun; a run
# keeps the files it depends on (input keys: the absolute path and SHA-256
# in config.ini, a copy in the run directory, and a note when the original
# has changed since).
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" plugins
plugdir="${RL_TEST_PLUGINDIR:-$(pwd)/tests/plugins}"
builddir="${abs_top_builddir:-$(pwd)}"

# ---- commands -----------------------------------------------------------------
out=$(RL_PLUGIN_PATH="$plugdir" "$rlrun" --test-echo alpha beta 2>"$tmp/err")
check "--test-echo exits 0" test $? -eq 0
check "--test-echo prints its arguments" test "$out" = "$(printf 'alpha\nbeta')"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --test-echo alpha bad >"$tmp/out" 2>"$tmp/err"
check "a command's input error exits 2" test $? -eq 2
check "... with the command's message" grep -qx "rlrun: test-echo: argument 2 is 'bad'" "$tmp/err"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --test-echo crash >"$tmp/out" 2>"$tmp/err"
check "a command's runtime failure exits 1" test $? -eq 1
RL_PLUGIN_PATH="$plugdir" "$rlrun" --test-echo >"$tmp/out" 2>"$tmp/err"
check "a wrong argument count exits 2" test $? -eq 2
check "... naming the synopsis" grep -q "takes 1 to 2 arguments, not 0: test-echo WORD \[WORD\]" "$tmp/err"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --no-such-thing x >"$tmp/out" 2>"$tmp/err"
check "an unknown option exits 2" test $? -eq 2
check "... naming the option and the commands there are" \
    grep -q "unknown option '--no-such-thing' (plugin commands: .*--test-echo" "$tmp/err"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --list >"$tmp/list" 2>/dev/null
check "--list names the command and its plugin" grep -q -- "--test-echo.*(plugin cmdtool)" "$tmp/list"
check "--list names the old plugin's environment" grep -q "oldabi_walk.*(plugin oldabi)" "$tmp/list"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --help >"$tmp/help" 2>/dev/null
check "--help lists plugin commands" grep -q -- "--test-echo WORD \[WORD\]" "$tmp/help"

# ---- a plugin built for ABI 1 -------------------------------------------------
cat >"$tmp/old.ini" <<'INI'
[run]
env = oldabi_walk
plugin = oldabi
algorithm = qlearn
total_steps = 20000
eval_episodes = 5
[oldabi_walk]
length = 9
INI
RL_PLUGIN_PATH="$plugdir" "$rlrun" --quiet --set run.output_dir="$tmp/old" "$tmp/old.ini" >"$tmp/old.out" 2>&1
check "rlrun trains an ABI 1 plugin's environment" test $? -eq 0
check "... and its greedy policy walks right (return 1)" \
    grep -q "5 episodes, mean return 1.0000" "$tmp/old.out"
check "... with its metric in eval.csv" grep -qx "episode,return,length,terminated,truncated,right" "$tmp/old/eval.csv"
RL_PLUGIN_PATH="$plugdir" "$rlrun" --quiet --set run.plugin=newabi --set run.output_dir="$tmp/new" \
    "$tmp/old.ini" >"$tmp/new.out" 2>&1
check "a plugin whose table is a newer librl's is refused (exit 2)" test $? -eq 2
check "... by name" grep -q "environment type 'newabi_env' was built against a newer librl" "$tmp/new.out"
check "... and nothing is written" test ! -e "$tmp/new"

# ---- input files kept with the run ----------------------------------------------
# A reward module in a folder of its own, with its C source beside it.
mkdir -p "$tmp/mod"
cp -R "$builddir/examples/reward/.libs" "$tmp/mod/" 2>/dev/null
cp "$builddir/examples/reward/my_reward.la" "$src/examples/reward/my_reward.c" "$tmp/mod/"
small="--quiet --set run.total_steps=1024 --set ppo.steps_per_iteration=1024 --set ppo.epochs=1 --set run.eval_episodes=1"
(cd "$tmp" && "$rlrun" $small --set deepracer.reward_function=mod/my_reward.la \
    --set run.output_dir=inp "$src/examples/deepracer.ini" >inp.out 2>&1)
check "a run with a reward module exits 0" test $? -eq 0
check "config.ini records the module's absolute path" \
    grep -qx "reward_function = $tmp/mod/my_reward.la" "$tmp/inp/config.ini"
sha=$(sha256sum "$tmp/mod/my_reward.la" | cut -d' ' -f1)
check "config.ini records its SHA-256" grep -qx "reward_function_sha256 = $sha" "$tmp/inp/config.ini"
check "the run keeps the C source beside the module" cmp -s "$tmp/inp/reward_function.c" "$tmp/mod/my_reward.c"
# --eval from another directory finds it by its absolute path.
(cd / && "$rlrun" --quiet --eval "$tmp/inp" >"$tmp/ev.out" 2>&1)
check "--eval from another directory exits 0" test $? -eq 0
check "... without a note (nothing changed)" sh -c "! grep -q note \"$tmp/ev.out\""
echo "# edited" >>"$tmp/mod/my_reward.la"
"$rlrun" --quiet --eval "$tmp/inp" >"$tmp/ev2.out" 2>&1
check "--eval after the module changed exits 0" test $? -eq 0
check "... and says the module has changed" grep -q "warning: '$tmp/mod/my_reward.la' has changed since the run began" "$tmp/ev2.out"

finish
