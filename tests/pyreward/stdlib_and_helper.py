# Imports extension modules of the standard library (json and datetime,
# whose C parts are .so files in lib-dynload: imported directly, as they
# would otherwise fall back to pure Python when the .so does not load) and
# a helper module that sits beside this file, and keeps module-level state,
# which must be the environment instance's own: each instance sees its own
# steps rise within an episode (by one a step, or more after an evaluation
# reset's pause steps, which call no reward function; tests/rlrun_pyreward.sh).
import _datetime
import _json
import datetime
import json

import pyreward_helper

last_steps = None


def reward_function(params):
    global last_steps
    steps = params['steps']
    if last_steps is not None and steps > 2 and steps <= last_steps:
        raise AssertionError("module state is shared: steps %d after %d" % (steps, last_steps))
    last_steps = steps
    json.dumps(params['closest_waypoints'])
    _json.encode_basestring_ascii(str(steps))
    datetime.timedelta(seconds=params['sim_time'])
    _datetime.timedelta(seconds=params['sim_time'])
    return pyreward_helper.centre_reward(params)
