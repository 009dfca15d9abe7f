/* Fuzz target: the deepracer plugin's track loader (plugins/deepracer/
 * track.c): NumPy .npy route files and the project's CSV form, each loaded
 * in both driving directions, then queried once.
 *
 * Input: a whole file; one that begins with NumPy's magic ("\x93NUMPY") is
 * read as track.npy, anything else as track.csv. */
#include <string.h>

#include "fuzz.h"
#include "track.h"

FUZZ_TARGET(track)
{
    int npy = size >= 6 && memcmp(data, "\x93NUMPY", 6) == 0;
    const char *path = fuzz_write(npy ? "track.npy" : "track.csv", data, size);
    if (!path) return 0;
    for (int reversed = 0; reversed < 2; reversed++) {
        dr_track t;
        char err[512];
        if (dr_track_load(&t, path, reversed, err, sizeof err) == 0) {
            /* The derived structures (the grid, the projections) at a
             * point of the road and one far off it. */
            dr_proj p;
            dr_track_project(&t, t.cx[0], t.cy[0], DR_NO_HINT, &p);
            dr_track_on_road(&t, t.cx[0], t.cy[0], DR_NO_HINT);
            dr_track_on_road(&t, t.cx[0] + 1e3, t.cy[0] - 1e3, 0);
            double x, y, h;
            dr_track_point_at(&t, 0.5 * t.length, &x, &y, &h, NULL);
            dr_track_ray(&t, t.cx[0], t.cy[0], 0.3, 10.0, 0);
        }
        dr_track_free(&t);
    }
    return 0;
}
