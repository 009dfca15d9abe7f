# Follows the centre line, then raises on its 200th call: with 8
# environments of 128 steps each per iteration, in the second iteration,
# after a periodic checkpoint (tests/rlrun_pyreward.sh).
calls = 0


def reward_function(params):
    global calls
    calls += 1
    if calls == 200:
        raise ValueError("call 200")
    if params['distance_from_center'] <= 0.25 * params['track_width']:
        return 1.0
    return 0.1
