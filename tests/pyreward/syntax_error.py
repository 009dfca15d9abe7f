# A syntax error on line 4, column 28 (tests/rlrun_pyreward.sh).
def reward_function(params):
    reward = 1.0
    if params['steps'] > 3 reward = 2.0
    return reward
