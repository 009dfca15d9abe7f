# Fails while the module loads (tests/rlrun_pyreward.sh).
import math

SCALE = math.sqrt(-1.0)


def reward_function(params):
    return SCALE
