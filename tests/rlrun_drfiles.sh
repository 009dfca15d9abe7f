#!/bin/sh
# rlrun --import-deepracer / --export-deepracer end to end: deepracer-for-cloud's
# default files import into an INI that rlrun trains (on a small budget);
# exported and imported again, the same INI byte for byte; malformed JSON is
# file:line:column and exit 2; SAC and stereo cameras are refused by name,
# exit 2.
set -u
. "${abs_top_srcdir:-$(pwd)}/tests/testlib.sh" drfiles
drfc="$src/tests/data/drfc"
# No [ppo] key DeepRacer has is overridden: the export must give back the
# imported hyperparameters.
small="--quiet --set run.total_steps=2048 --set ppo.steps_per_iteration=1024"

(cd "$drfc" && "$rlrun" --import-deepracer model_metadata.json hyperparameters.json \
    reward_function.py) >"$tmp/a.ini" 2>"$tmp/a.err"
check "import of DRfC's defaults exits 0" test $? -eq 0
check "the INI names the actions" grep -q '^actions = -30:0.6, -15:0.6, 0:0.6, 15:0.6, 30:0.6$' "$tmp/a.ini"
"$rlrun" $small --set run.output_dir="$tmp/run" "$tmp/a.ini" >"$tmp/run.out" 2>&1
check "rlrun trains the imported INI" test $? -eq 0
check "the run directory holds DeepRacer's model files where deepracer-utils looks" \
    test -f "$tmp/run/model/model_metadata.json" -a -f "$tmp/run/ip/hyperparameters.json"
"$rlrun" --export-deepracer "$tmp/run" "$tmp/out" >"$tmp/exp.out" 2>&1
check "export exits 0" test $? -eq 0
(cd "$tmp/out" && "$rlrun" --import-deepracer model_metadata.json hyperparameters.json \
    reward_function.py) >"$tmp/b.ini" 2>&1
check "export then import gives the same INI" cmp -s "$tmp/a.ini" "$tmp/b.ini"
check "the exported reward function is DRfC's" cmp -s "$drfc/reward_function.py" "$tmp/out/reward_function.py"

printf '{\n  "action_space": [\n    {"speed": 1,, }\n' >"$tmp/bad.json"
"$rlrun" --import-deepracer "$tmp/bad.json" >/dev/null 2>"$tmp/bad.err"
check "malformed JSON exits 2" test $? -eq 2
check "and names file:line:column" grep -q "bad.json:3:[0-9]*: " "$tmp/bad.err"
"$rlrun" --import-deepracer "$drfc/model_metadata_sac.json" >/dev/null 2>"$tmp/sac.err"
check "SAC exits 2" test $? -eq 2
check "and says sac" grep -q "training_algorithm: sac" "$tmp/sac.err"
printf '{"action_space": [{"steering_angle": 0, "speed": 1}], "sensor": ["STEREO_CAMERAS"]}' >"$tmp/st.json"
"$rlrun" --import-deepracer "$tmp/st.json" >/dev/null 2>"$tmp/st.err"
check "stereo cameras exit 2" test $? -eq 2
check "and are named" grep -q "STEREO_CAMERAS is not supported" "$tmp/st.err"
finish
