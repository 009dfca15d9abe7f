/* The car: a kinematic bicycle model of the 1/18 DeepRacer car.
 *
 * The state is the origin (the middle of the wheelbase), the yaw and the
 * speed. Both front wheels take the commanded angle delta at once (the
 * simulator's servo is fast next to a 1/15 s frame). Referenced at the
 * middle of the wheelbase (lr = L / 2), the kinematic bicycle moves along a
 * path of curvature kappa = sin(beta) / lr with the slip angle
 * beta = atan(tan(delta) / 2) between the body and the velocity.
 *
 * Speed follows the command as a first-order lag with time constant
 * speed_tau (the wheel PID controllers seen in the simulator's logs, about
 * 3 m/s^2 for a 0.8 m/s step).
 *
 * Grip: the lateral acceleration v^2 kappa cannot exceed friction * g.
 * Beyond it the tyres slide and the car follows the widest path the grip
 * allows, kappa = a_lat_max / v^2: too fast into a corner slides wide.
 *
 * Each frame is integrated in DR_SUBSTEPS steps, speed first (exactly, for
 * the lag), then position with the midpoint heading. The heading is kept
 * both as an angle and as its unit vector (cos, sin), which the step
 * rotates. */
#include <math.h>

#include "deepracer.h"

void dr_car_model_init(dr_car_model *m, double speed_tau, double friction)
{
    m->speed_tau = speed_tau;
    m->a_lat_max = friction * DR_GRAVITY;
    m->alpha = 1.0 - exp(-(DR_DT / DR_SUBSTEPS) / speed_tau);
}

double dr_car_curvature(double steer)
{
    /* sin(atan(t / 2)) = t / sqrt(4 + t^2) */
    double t = tan(steer);
    return t / sqrt(4.0 + t * t) / (0.5 * DR_WHEELBASE);
}

void dr_car_set_yaw(dr_car *c, double yaw)
{
    c->cy = cos(yaw);
    c->sy = sin(yaw);
    /* Kept in (-pi, pi], as the step keeps it. */
    c->yaw = yaw > -DR_PI && yaw <= DR_PI ? yaw : atan2(c->sy, c->cy);
}

/* Per substep the heading turns by at most about 0.07 rad (the grip
 * limit bounds kappa * v), so the rotations use Taylor series, exact to
 * 1e-13, and a step needs no trigonometry at all. */
void dr_car_step(dr_car *c, const dr_car_model *m, double kappa_cmd, double speed)
{
    const double lr = 0.5 * DR_WHEELBASE, h = DR_DT / DR_SUBSTEPS;
    double x = c->x, y = c->y, yaw = c->yaw, v = c->v, cy = c->cy, sy = c->sy, moved = 0;
    for (int k = 0; k < DR_SUBSTEPS; k++) {
        double v1 = v + (speed - v) * m->alpha;
        double vm = 0.5 * (v + v1), d = vm * h;
        double kappa = kappa_cmd, lim = m->a_lat_max / (vm * vm + 1e-12);
        if (kappa > lim) kappa = lim;
        if (kappa < -lim) kappa = -lim;
        /* The slip angle beta: sin(beta) = kappa lr. */
        double sb = kappa * lr, cb = sqrt(1.0 - sb * sb);
        double a = 0.5 * kappa * d, a2 = a * a;
        double sa = a * (1.0 - a2 / 6.0 * (1.0 - a2 / 20.0));
        double ca = 1.0 - a2 / 2.0 * (1.0 - a2 / 12.0 * (1.0 - a2 / 30.0));
        /* Move along yaw + beta + a (the midpoint heading)... */
        double bx = cy * cb - sy * sb, by = sy * cb + cy * sb;
        x += d * (bx * ca - by * sa);
        y += d * (by * ca + bx * sa);
        /* ...and turn by 2a. */
        double c2 = ca * ca - sa * sa, s2 = 2.0 * sa * ca;
        double ncy = cy * c2 - sy * s2;
        sy = sy * c2 + cy * s2;
        cy = ncy;
        yaw += 2.0 * a;
        v = v1;
        moved += d;
    }
    double norm = 1.0 / sqrt(cy * cy + sy * sy);
    /* Keep the yaw in (-pi, pi]. */
    if (yaw > DR_PI) yaw -= 2 * DR_PI;
    else if (yaw <= -DR_PI) yaw += 2 * DR_PI;
    c->x = x;
    c->y = y;
    c->yaw = yaw;
    c->cy = cy * norm;
    c->sy = sy * norm;
    c->v = v;
    c->moved = moved;
}

void dr_car_wheels(const dr_car *c, double wx[4], double wy[4])
{
    const double a = 0.5 * DR_WHEELBASE, b = 0.5 * DR_AXLE_TRACK;
    /* Forward (a) and left (b) offsets in the car's frame. */
    const double fx[4] = {a, a, -a, -a}, fy[4] = {b, -b, b, -b};
    for (int i = 0; i < 4; i++) {
        wx[i] = c->x + fx[i] * c->cy - fy[i] * c->sy;
        wy[i] = c->y + fx[i] * c->sy + fy[i] * c->cy;
    }
}
