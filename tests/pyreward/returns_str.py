# Returns a string on the third step (tests/rlrun_pyreward.sh).
def reward_function(params):
    return "fast" if params['steps'] == 3 else 1.0
