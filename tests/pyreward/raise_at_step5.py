# Raises on the fifth step, two frames deep (tests/rlrun_pyreward.sh).
import math


def check(steps):
    if steps == 5:
        raise RuntimeError("the fifth step")
    return 1.0


def reward_function(params):
    return check(params['steps']) * math.exp(-params['distance_from_center'])
