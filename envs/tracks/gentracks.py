#!/usr/bin/env python3
"""Generate the project's own DeepRacer-style tracks (envs/tracks/*.csv).

Each track is a closed centre line made of straights and circular arcs,
driven counter-clockwise, sampled at about SPACING metres, with borders
offset by half the width along the left and right normals. The CSV form is
the one envs/tracks/README.md describes: comment lines, a header line, then
rows of centre x, y, inner x, y, outer x, y in metres, the last row
repeating the first.

Usage: python3 gentracks.py [output directory]   (default: this directory)

Plain Python 3, standard library only. The output is deterministic, so
running it again reproduces the committed files byte for byte.
"""

import math
import os
import sys

WIDTH = 1.067     # metres, the 2020+ DeepRacer tracks' width
SPACING = 0.2     # target distance between waypoints, metres
MIN_RADIUS = 0.75 # tightest centre-line radius allowed, metres


def walk(pieces, free):
    """Follow pieces from (0, 0) heading east. A piece is ("S", length or
    the name of a free length) or ("A", radius, degrees; > 0 turns left).
    Returns the end point and heading."""
    x = y = h = 0.0
    for p in pieces:
        if p[0] == "S":
            length = free[p[1]] if isinstance(p[1], str) else p[1]
            x += length * math.cos(h)
            y += length * math.sin(h)
        else:
            r, a = p[1], math.radians(p[2])
            sgn = 1.0 if a > 0 else -1.0
            # Centre of the turn is r to the left (or right) of the heading.
            cx, cy = x - sgn * r * math.sin(h), y + sgn * r * math.cos(h)
            h2 = h + a
            x, y = cx + sgn * r * math.sin(h2), cy - sgn * r * math.cos(h2)
            h = h2
    return x, y, h


def close_loop(pieces, names):
    """Solve the two free straight lengths in names so the loop closes
    (the end point is linear in them)."""
    base = {n: 0.0 for n in names}
    x0, y0, h = walk(pieces, base)
    if abs(math.remainder(h, 2 * math.pi)) > 1e-9:
        raise SystemExit("pieces do not turn a whole number of times")
    cols = []
    for n in names:
        f = dict(base)
        f[n] = 1.0
        x1, y1, _ = walk(pieces, f)
        cols.append((x1 - x0, y1 - y0))
    (a, c), (b, d) = cols
    det = a * d - b * c
    la = (-x0 * d + b * y0) / det
    lb = (-a * y0 + c * x0) / det
    if la <= 0 or lb <= 0:
        raise SystemExit("free straights would be negative: %g, %g" % (la, lb))
    return {names[0]: la, names[1]: lb}


def sample(pieces, free, spacing):
    """Points (x, y, heading) at equal arc length along the pieces."""
    segs = []  # (kind, start x, y, heading, length, radius, sign)
    x = y = h = 0.0
    for p in pieces:
        if p[0] == "S":
            length = free[p[1]] if isinstance(p[1], str) else p[1]
            segs.append(("S", x, y, h, length, 0.0, 0.0))
        else:
            r, a = p[1], math.radians(p[2])
            if r < MIN_RADIUS:
                raise SystemExit("radius %g below %g" % (r, MIN_RADIUS))
            segs.append(("A", x, y, h, r * abs(a), r, 1.0 if a > 0 else -1.0))
        x, y, h = _advance(segs[-1])
    total = sum(s[4] for s in segs)
    n = max(8, round(total / spacing))
    pts = []
    k, acc = 0, 0.0
    for i in range(n):
        s = total * i / n
        while s > acc + segs[k][4]:
            acc += segs[k][4]
            k += 1
        pts.append(_point(segs[k], s - acc))
    return pts, total


def _point(seg, d):
    kind, x, y, h, length, r, sgn = seg
    if kind == "S":
        return x + d * math.cos(h), y + d * math.sin(h), h
    cx, cy = x - sgn * r * math.sin(h), y + sgn * r * math.cos(h)
    h2 = h + sgn * d / r
    return cx + sgn * r * math.sin(h2), cy - sgn * r * math.cos(h2), h2


def _advance(seg):
    return _point(seg, seg[4])


def _cross(ax, ay, bx, by):
    return ax * by - ay * bx


def _within(p, q, r):
    """r, known to be on the line p-q, lies on the segment p-q."""
    return (min(p[0], q[0]) <= r[0] <= max(p[0], q[0])
            and min(p[1], q[1]) <= r[1] <= max(p[1], q[1]))


def _intersect(p, q, r, s):
    """Segments p-q and r-s cross or touch."""
    d1 = _cross(q[0] - p[0], q[1] - p[1], r[0] - p[0], r[1] - p[1])
    d2 = _cross(q[0] - p[0], q[1] - p[1], s[0] - p[0], s[1] - p[1])
    d3 = _cross(s[0] - r[0], s[1] - r[1], p[0] - r[0], p[1] - r[1])
    d4 = _cross(s[0] - r[0], s[1] - r[1], q[0] - r[0], q[1] - r[1])
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return ((d1 == 0 and _within(p, q, r)) or (d2 == 0 and _within(p, q, s))
            or (d3 == 0 and _within(r, s, p)) or (d4 == 0 and _within(r, s, q)))


def check(name, rows):
    """Borders must not cross themselves or each other, and parts of the
    road far apart along the track must not come within a width of each
    other."""
    n = len(rows) - 1
    inner = [(r[2], r[3]) for r in rows]
    outer = [(r[4], r[5]) for r in rows]
    lines = [("inner", inner), ("outer", outer)]
    for an, a in lines:
        for bn, b in lines:
            for i in range(n):
                for j in range(n):
                    if an == bn and (abs(i - j) <= 1 or abs(i - j) >= n - 1):
                        continue
                    if an == bn and j < i:
                        continue
                    if _intersect(a[i], a[i + 1], b[j], b[j + 1]):
                        raise SystemExit("%s: %s segment %d crosses %s segment %d"
                                         % (name, an, i, bn, j))
    # Centre points more than 4 m apart along the loop must be more than
    # a width and a half apart in the plane.
    s = [0.0]
    for i in range(n):
        s.append(s[-1] + math.hypot(rows[i + 1][0] - rows[i][0], rows[i + 1][1] - rows[i][1]))
    total = s[-1]
    for i in range(n):
        for j in range(i + 1, n):
            along = min(s[j] - s[i], total - (s[j] - s[i]))
            if along > 4.0:
                d = math.hypot(rows[i][0] - rows[j][0], rows[i][1] - rows[j][1])
                if d < 1.5 * WIDTH:
                    raise SystemExit("%s: waypoints %d and %d only %.3f m apart" % (name, i, j, d))


def build(pieces, free_names):
    free = close_loop(pieces, free_names) if free_names else {}
    pts, _ = sample(pieces, free, SPACING)
    half = WIDTH / 2
    rows = []
    for x, y, h in pts:
        nx, ny = -math.sin(h), math.cos(h)  # left normal: inside of a CCW loop
        rows.append((x, y, x + half * nx, y + half * ny, x - half * nx, y - half * ny))
    # Round once, so the closing row repeats the first exactly.
    rows = [tuple(round(v, 6) + 0.0 for v in r) for r in rows]
    rows.append(rows[0])
    length = sum(math.hypot(rows[i + 1][0] - rows[i][0], rows[i + 1][1] - rows[i][1])
                 for i in range(len(rows) - 1))
    area = sum(rows[i][0] * rows[i + 1][1] - rows[i + 1][0] * rows[i][1]
               for i in range(len(rows) - 1))
    if area <= 0:
        raise SystemExit("track is not counter-clockwise")
    return rows, length, free


def write(path, rows, title, description):
    name = os.path.basename(path)
    length = sum(math.hypot(rows[i + 1][0] - rows[i][0], rows[i + 1][1] - rows[i][1])
                 for i in range(len(rows) - 1))
    with open(path, "w", newline="\n") as f:
        f.write("# %s: %s\n" % (name, title))
        for line in description:
            f.write("# %s\n" % line)
        f.write("# Counter-clockwise; centre line %.2f m; constant width %.3f m.\n"
                % (length, WIDTH))
        f.write("# %d rows: %d waypoints about %.2f m apart, then the closing row (a\n"
                "# repeat of the first). Metres; inner = the border inside the loop\n"
                "# (the driver's left here).\n" % (len(rows), len(rows) - 1, length / (len(rows) - 1)))
        f.write("# Generated by envs/tracks/gentracks.py; edit that, not this file.\n")
        f.write("center_x,center_y,inner_x,inner_y,outer_x,outer_y\n")
        for r in rows:
            f.write(",".join("%.6f" % v for v in r) + "\n")
    return length


OVAL = [
    ("S", 2.5),
    ("A", 1.6, 180),
    ("S", 5.0),
    ("A", 1.6, 180),
    ("S", 2.5),
]

# Start/finish straight; a left 90 and a kink up the right-hand side; a
# left 90 onto the top, where the track dips into the infield and back out
# round a right-hand hairpin; a left 90 down the left-hand side; then a
# right 90 out to the west and a left-hand hairpin back onto the
# start/finish straight. "b" and "c" are solved so the loop closes.
TECHNICAL = [
    ("S", 2.0),
    ("A", 1.2, 90),       # turn 1
    ("S", 0.5),
    ("A", 1.5, -30),
    ("A", 1.5, 30),       # the kink
    ("S", 1.0),
    ("A", 1.2, 90),       # onto the top
    ("S", 0.5),
    ("A", 1.0, 90),       # down into the dip
    ("S", 1.4),
    ("A", 0.9, -180),     # hairpin 1 (right)
    ("S", 1.4),
    ("A", 1.0, 90),       # back onto the top
    ("S", 0.5),
    ("A", 1.2, 90),       # down the left-hand side
    ("S", "b"),
    ("A", 1.0, -90),      # out to the west
    ("S", 0.5),
    ("A", 0.9, 180),      # hairpin 2 (left)
    ("S", "c"),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rows, _, _ = build(OVAL, None)
    check("oval", rows)
    length = write(os.path.join(out, "oval.csv"), rows,
                   "an easy oval for the librl deepracer plugin.",
                   ["Two 5.00 m straights joined by 180-degree turns of radius 1.60 m;",
                    "the start line is in the middle of the lower straight."])
    print("oval.csv: %d rows, %.2f m" % (len(rows), length))
    rows, _, free = build(TECHNICAL, ("b", "c"))
    check("technical", rows)
    length = write(os.path.join(out, "technical.csv"), rows,
                   "a technical loop for the librl deepracer plugin.",
                   ["Two hairpins (a right-hander in the infield dip, a left-hander onto",
                    "the start/finish straight), a kink and six 90-degree corners;",
                    "tightest centre-line radius 0.90 m, so the inner border never",
                    "folds and a 1/18 car (turning radius about 0.28 m) can drive it."])
    print("technical.csv: %d rows, %.2f m (free straights %.2f, %.2f m)"
          % (len(rows), length, free["b"], free["c"]))


if __name__ == "__main__":
    main()
