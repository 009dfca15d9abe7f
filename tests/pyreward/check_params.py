# Checks, at every step, that the params dict has exactly the keys of the
# table in doc/deepracer.md ("The params dict") with its Python types, and
# raises otherwise; the reward is follow-the-centre-line's. Used by
# tests/test_deepracer.c and tests/rlrun_pyreward.sh.
import os
import re

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "doc", "deepracer.md")


def read_table(path):
    """The table between the markers: {key: Python type as written}."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.index("<!-- params table:")
    end = text.index("<!-- end of the params table -->", start)
    table = {}
    for line in text[start:end].splitlines():
        m = re.match(r"\| `(\w+)` \| `([^`]+)` \|", line)
        if m:
            table[m.group(1)] = m.group(2)
    if len(table) < 20:
        raise AssertionError("%s: the params table has only %d rows" % (path, len(table)))
    return table


TYPES = read_table(DOC)


def is_pair(v):
    return type(v) is tuple and len(v) == 2 and all(type(c) is float for c in v)


CHECKS = {
    "bool": lambda v: type(v) is bool,
    "float": lambda v: type(v) is float,
    "int": lambda v: type(v) is int,
    "list of (float, float)": lambda v: type(v) is list and all(is_pair(p) for p in v),
    "list of 2 int": lambda v: type(v) is list and len(v) == 2 and all(type(i) is int for i in v),
    "list of bool": lambda v: type(v) is list and all(type(b) is bool for b in v),
    "list of float": lambda v: type(v) is list and all(type(f) is float for f in v),
}

for key, kind in TYPES.items():
    if kind not in CHECKS:
        raise AssertionError("doc/deepracer.md: key %s has a type this test does not know: %s" % (key, kind))


def reward_function(params):
    if sorted(params) != sorted(TYPES):
        raise AssertionError("keys differ from doc/deepracer.md: extra %s, missing %s" % (
            sorted(set(params) - set(TYPES)), sorted(set(TYPES) - set(params))))
    for key, kind in TYPES.items():
        if not CHECKS[kind](params[key]):
            raise AssertionError("params[%r] is %r, not %s" % (key, params[key], kind))
    waypoints = params["waypoints"]
    if waypoints[0] != waypoints[-1] or len(waypoints) < 4:
        raise AssertionError("waypoints do not close")
    prev, nxt = params["closest_waypoints"]
    if not (0 <= prev < len(waypoints) and nxt == prev + 1):
        raise AssertionError("closest_waypoints %r" % ([prev, nxt],))
    if params["closest_objects"] != [0, 0] or params["objects_location"] or params["object_in_camera"]:
        raise AssertionError("objects where there are none")
    if params["steps"] < 1 or params["sim_time"] <= 0:
        raise AssertionError("steps %r, sim_time %r" % (params["steps"], params["sim_time"]))
    if params["distance_from_center"] <= 0.25 * params["track_width"]:
        return 1.0
    return 0.1
