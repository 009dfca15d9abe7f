# One function per parameter, each returning its value (reward_symbol picks
# one): tests/test_deepracer.c compares them with the C parameters.
def _echo(key):
    return lambda params: params[key]


for _key in ("all_wheels_on_track", "x", "y", "heading", "distance_from_center",
             "projection_distance", "progress", "steps", "speed", "steering_angle",
             "track_width", "track_length", "is_left_of_center", "is_reversed",
             "is_crashed", "is_offtrack", "sim_time"):
    globals()["echo_" + _key] = _echo(_key)


def echo_closest_prev(params):
    return params["closest_waypoints"][0]


def echo_closest_next(params):
    return params["closest_waypoints"][1]


def echo_waypoints(params):
    """A sum the C test computes in the same order."""
    s = 0.0
    for i, (x, y) in enumerate(params["waypoints"]):
        s += x * (i % 7) + y * (i % 5)
    return s + len(params["waypoints"])
