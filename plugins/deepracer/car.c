/* The car: the 1/18 DeepRacer car as the simulator's Gazebo model drives.
 *
 * The state is the origin (the middle of the wheelbase), the yaw, the
 * speed, the front wheels' actual steering angle and the yaw rate.
 * doc/deepracer.md, "The car", gives the form, its constants and how they
 * were fitted on real simulator trace logs (../shared/simlogs). Per
 * substep of h seconds:
 *
 *  - the steering angle follows the command as a first-order lag
 *    (steer_tau: the steering joints' position controllers);
 *  - the speed follows speed_scale times the command, at most top_speed,
 *    as a first-order lag (speed_tau), its change limited to accel_max
 *    forward and brake_max backward, and turning scrubs scrub x the lateral
 *    acceleration off it (the wheel velocity controllers and the tyres);
 *  - the wheels ask for the curvature steer_gain tan(steer) / L, falling
 *    with speed as 1 / (1 + understeer v^2), saturating smoothly at
 *    kappa_max, and capped by the grip: v^2 kappa cannot exceed a_lat_max;
 *  - the yaw rate follows what that curvature asks as a first-order lag
 *    (yaw_tau + yaw_tau_v v), and the path's curvature is yaw rate / speed;
 *  - the origin moves along its velocity, which points beta off the body's
 *    heading with sin(beta) = sideslip kappa L / 2, and the heading turns
 *    by kappa times the distance.
 *
 * The lags are updated exactly, then the position with the midpoint
 * heading. The heading is kept both as an angle and as its unit vector
 * (cos, sin), which the step rotates. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "deepracer.h"

/* Fitted on ../shared/simlogs: doc/deepracer.md, "The car". The derived
 * constants are filled in by dr_car_model_update. */
static const dr_car_model presets[] = {
    {.name = "sim2026", .steer_tau = 0.1254, .steer_gain = 0.6381, .understeer = 0,
     .speed_tau = 0.0269, .speed_scale = 1.02, .accel_max = 12.4111, .brake_max = 11.5081,
     .a_lat_max = 4.2, .top_speed = 4.0, .yaw_tau = 0.0592, .yaw_tau_v = 0,
     .sideslip = 1.2935, .kappa_max = 3.2636, .scrub = 0.4227},
    {.name = "sim2022", .steer_tau = 0.4131, .steer_gain = 0.924, .understeer = 0.1643,
     .speed_tau = 0.2897, .speed_scale = 0.9975, .accel_max = 3.0041, .brake_max = 7.3231,
     .a_lat_max = 2.4241, .top_speed = 4.0, .yaw_tau = 0.0225, .yaw_tau_v = 0,
     .sideslip = 1.288, .kappa_max = 1.6693, .scrub = 0.0149},
};

const char dr_car_model_names[] = "sim2026 | sim2022";

/* The share of the way a first-order lag with time constant tau closes in
 * h seconds (all of it when tau is 0). */
static double lag(double h, double tau)
{
    return tau > 0 ? 1.0 - exp(-h / tau) : 1.0;
}

void dr_car_model_update(dr_car_model *m)
{
    const double h = DR_DT / DR_SUBSTEPS;
    m->alpha = lag(h, m->speed_tau);
    m->beta = lag(h, m->steer_tau);
    m->gamma = lag(h, m->yaw_tau);
}

int dr_car_model_preset(dr_car_model *m, const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++) {
        if (strcmp(name, presets[i].name) != 0) continue;
        *m = presets[i];
        dr_car_model_update(m);
        return 0;
    }
    return -1;
}

void dr_car_model_limits(const dr_car_model *m, dr_car_limits *out)
{
    out->v_max = dr_car_speed_for(m, DR_MAX_SPEED);
    out->v_min = dr_car_speed_for(m, DR_MIN_SPEED);
    out->a_lat = m->a_lat_max;
    out->a_accel = m->accel_max;
    out->a_brake = m->brake_max;
    out->width = DR_CAR_WIDTH;
    out->length = DR_CAR_LENGTH;
}

double dr_car_curvature_at(const dr_car_model *m, double steer, double v)
{
    double k = m->steer_gain / DR_WHEELBASE * tan(steer) / (1.0 + m->understeer * v * v);
    if (m->kappa_max > 0) k = m->kappa_max * tanh(k / m->kappa_max);
    double lim = m->a_lat_max / (v * v + 1e-12);
    return k > lim ? lim : k < -lim ? -lim : k;
}

double dr_car_max_curvature(const dr_car_model *m, double v)
{
    return dr_car_curvature_at(m, DR_MAX_STEER * (DR_PI / 180.0), v);
}

double dr_car_steer_for(const dr_car_model *m, double kappa, double v)
{
    double full = DR_MAX_STEER * (DR_PI / 180.0);
    if (m->kappa_max > 0) {
        double q = kappa / m->kappa_max;
        if (q >= 1) return full;
        if (q <= -1) return -full;
        kappa = m->kappa_max * atanh(q);
    }
    double s = atan(kappa * DR_WHEELBASE * (1.0 + m->understeer * v * v) / m->steer_gain);
    return s > full ? full : s < -full ? -full : s;
}

double dr_car_speed_for(const dr_car_model *m, double command)
{
    double v = m->speed_scale * command;
    return v < m->top_speed ? v : m->top_speed;
}

double dr_car_command_for(const dr_car_model *m, double v)
{
    return v / m->speed_scale;
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
 * 1e-13. */
void dr_car_step(dr_car *c, const dr_car_model *m, double steer_cmd, double speed_cmd, double dt)
{
    const double lr = 0.5 * DR_WHEELBASE, h = dt / DR_SUBSTEPS;
    double alpha = m->alpha, beta = m->beta, gamma = m->gamma;
    if (dt != DR_DT) {
        alpha = lag(h, m->speed_tau);
        beta = lag(h, m->steer_tau);
        gamma = lag(h, m->yaw_tau);
    }
    const double target = dr_car_speed_for(m, speed_cmd), dv_up = m->accel_max * h,
                 dv_down = -m->brake_max * h;
    double x = c->x, y = c->y, yaw = c->yaw, v = c->v, cy = c->cy, sy = c->sy, moved = 0;
    double delta = c->steer, r = c->yaw_rate;
    for (int k = 0; k < DR_SUBSTEPS; k++) {
        double d0 = delta;
        delta += (steer_cmd - delta) * beta;
        double dv = (target - v) * alpha;
        if (dv > dv_up) dv = dv_up;
        if (dv < dv_down) dv = dv_down;
        /* Turning scrubs speed off: the wheels all turn at the command's
         * rate while the car's path curves. */
        dv -= m->scrub * fabs(r * v) * h;
        double v1 = v + dv > 0 ? v + dv : 0;
        double vm = 0.5 * (v + v1), d = vm * h;
        /* The curvature the wheels ask for, within the grip, which the yaw
         * rate follows with a lag. */
        double kappa = dr_car_curvature_at(m, 0.5 * (d0 + delta), vm);
        double g = m->yaw_tau_v > 0 ? lag(h, m->yaw_tau + m->yaw_tau_v * vm) : gamma;
        r += (vm * kappa - r) * g;
        kappa = vm > 1e-9 ? r / vm : 0.0;
        /* The slip angle: sin(beta) = sideslip kappa lr. */
        double sb = m->sideslip * kappa * lr;
        if (sb > 0.9) sb = 0.9;
        if (sb < -0.9) sb = -0.9;
        double cb = sqrt(1.0 - sb * sb);
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
    while (yaw > DR_PI) yaw -= 2 * DR_PI;
    while (yaw <= -DR_PI) yaw += 2 * DR_PI;
    c->x = x;
    c->y = y;
    c->yaw = yaw;
    c->cy = cy * norm;
    c->sy = sy * norm;
    c->v = v;
    c->steer = delta;
    c->yaw_rate = r;
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
