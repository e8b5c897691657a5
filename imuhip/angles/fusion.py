"""The fusion kernel: gyro integration with gravity correction and bias tracking.

One causal pass over the samples, compiled with numba. Its whole state is a small float
array, so a stream processed chunk by chunk gives exactly the batch result.

World frame: Y up, heading arbitrary (never used). Per sample the kernel
1. integrates the bias-corrected angular rate (exact rotation over the interval);
2. pulls the predicted gravity direction towards the measured one, with a gain that falls
   as |acc| leaves g and as the segment turns fast (motion and impacts do not bend it);
3. pulls, slowly, the world-frame mean of the specific force (over `AVG_TAU`) towards up:
   over a stride, a skip or a rep the acceleration averages out and gravity is left, so the
   tilt stays anchored through a long run with no still moment; that error also feeds an
   integral gyro-bias correction;
   while the segment is still (slow |gyro| and |acc| close to g for `STILL_S`), the bias is
   tracked directly;
4. outputs elevation (deg, angle of the distal long axis from straight down in the segment's
   own sagittal plane, positive forward) and abduction (deg, positive away from the midline).

The sagittal plane is the plane that the segment's flexion (lateral) axis spans with gravity,
sample by sample: forward = up x (the lateral axis made horizontal). It needs no heading, so
turns, shuttles and bends do not change the angles.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from imuhip.io.units import G

# Index of each state entry.
Q0, BIAS0, STILL_T, PREV_T, GMAG, PREV_W, SINCE_FIX, FAVG0, WMEAN0, WVAR = 0, 4, 7, 8, 9, 10, 13, 14, 17, 20
STATE_SIZE = 21

GAIN = 1.0  # rad/s per rad of tilt error, at rest
ACC_SIGMA = 0.06 * G  # |acc| - g at which the gain falls to 1/e
GYR_SCALE = 0.7  # rad/s at which the gain halves
ALPHA_SCALE = 8.0  # rad/s^2 of angular acceleration at which the gain halves again
STILL_GYR = 0.02  # rad/s: local spread of the raw gyro below this is still
STILL_BIAS_MAX = 0.3  # rad/s: and its local mean this close to the bias estimate
STILL_TAU = 0.3  # s: time constant of that local mean and spread
STILL_ACC = 0.25  # m/s^2
STILL_S = 0.4  # s of stillness before bias updates
BIAS_TAU = 3.0  # s
AVG_TAU = 2.0  # s: time constant of the world-frame mean of the specific force
AVG_GAIN = 0.12  # rad/s per rad: pull of that mean towards up (the mean acceleration of a
#                  periodic motion such as running is zero, so its mean specific force is gravity)
AVG_SIGMA = 0.01 * G  # |mean specific force| - g at which that pull falls to 1/e
AVG_KI = 0.003  # rad/s of bias per rad of that tilt error per s (learns the bias in motion)
BIAS_MAX = 0.2  # rad/s: the integral correction never moves the bias further than this
FIX_GAIN = 0.3  # a sample corrects the tilt when its gain is above this share of GAIN
MAX_DT = 0.05  # s, longest step integrated (gaps are not bridged by the gyro)
LEVER_MIN_GYR = 0.3  # rad/s: below this, lever-arm terms are noise, not motion
ELEVATION_MIN = -120.0  # deg: output range [-120, 240), continuous through knee-to-chest when lying
LATERAL_MIN = 0.2  # horizontal share of the lateral axis below which the sagittal plane is undefined


@njit(cache=True)
def _rotate(q, v):
    """Rotate vector v by unit quaternion q = (w, x, y, z)."""
    w, x, y, z = q[0], q[1], q[2], q[3]
    tx = 2.0 * (y * v[2] - z * v[1])
    ty = 2.0 * (z * v[0] - x * v[2])
    tz = 2.0 * (x * v[1] - y * v[0])
    return (v[0] + w * tx + (y * tz - z * ty),
            v[1] + w * ty + (z * tx - x * tz),
            v[2] + w * tz + (x * ty - y * tx))


@njit(cache=True)
def initial_state(acc0, bias):
    """State for a segment at rest reading `acc0` (sensor frame, m/s^2), gyro `bias` (rad/s)."""
    s = np.zeros(STATE_SIZE)
    n = np.sqrt(acc0[0] ** 2 + acc0[1] ** 2 + acc0[2] ** 2)
    ax, ay, az = acc0[0] / n, acc0[1] / n, acc0[2] / n
    # Quaternion turning sensor vector a onto world up (0, 1, 0).
    w = 1.0 + ay
    if w < 1e-9:
        s[Q0 + 3] = 1.0  # upside down: half turn about z
    else:
        qx, qy, qz = -az, 0.0, ax  # a x up
        nq = np.sqrt(w * w + qx * qx + qy * qy + qz * qz)
        s[Q0], s[Q0 + 1], s[Q0 + 2], s[Q0 + 3] = w / nq, qx / nq, qy / nq, qz / nq
    s[BIAS0:BIAS0 + 3] = bias
    s[PREV_T] = np.nan
    s[GMAG] = n
    s[FAVG0 + 1] = n  # the mean specific force starts as gravity, straight up
    s[WMEAN0:WMEAN0 + 3] = bias
    s[WVAR] = 1.0  # not known to be still until the spread has been seen
    return s


@njit(cache=True, fastmath=True)
def fuse(time, acc, gyr, long_axis, lateral, lever, side, state, elevation, abduction, tilt_out, since_out):
    """Run the filter over samples, updating `state` in place and filling the outputs.

    long_axis, lateral: unit vectors of the segment's proximal (Y) and lateral-right (Z) axes
    in the sensor frame; lever: the sensor's position from the joint centre (m, sensor frame),
    whose centripetal and tangential acceleration is removed before the gravity correction.
    side: +1 left, -1 right (abduction sign). tilt_out receives the tilt error (deg) between
    prediction and accelerometer at quasi-static samples (else nan); since_out the time (s)
    since the accelerometer (or its mean) last corrected the tilt with a gain above FIX_GAIN
    of its full gain; elevation and
    abduction are nan where the lateral axis is too close to vertical for a sagittal plane.
    """
    q = state[Q0:Q0 + 4].copy()
    b = state[BIAS0:BIAS0 + 3].copy()
    still_t, prev_t, g, since = state[STILL_T], state[PREV_T], state[GMAG], state[SINCE_FIX]
    pw = state[PREV_W:PREV_W + 3].copy()
    fa = state[FAVG0:FAVG0 + 3].copy()
    wm = state[WMEAN0:WMEAN0 + 3].copy()
    wv = state[WVAR]
    b0 = b.copy()
    rx, ry, rz = lever[0], lever[1], lever[2]
    down = np.array([-long_axis[0], -long_axis[1], -long_axis[2]])
    for i in range(time.shape[0]):
        dt = 0.0 if np.isnan(prev_t) else time[i] - prev_t
        if dt > MAX_DT:
            dt = MAX_DT  # a gap: do not integrate across it blindly
        prev_t = time[i]
        wx, wy, wz = gyr[i, 0] - b[0], gyr[i, 1] - b[1], gyr[i, 2] - b[2]
        ax, ay, az = acc[i, 0], acc[i, 1], acc[i, 2]
        an_raw = np.sqrt(ax * ax + ay * ay + az * az)
        wn = np.sqrt(wx * wx + wy * wy + wz * wz)
        alpha2 = 0.0
        if dt > 0:
            alx, aly, alz = (wx - pw[0]) / dt, (wy - pw[1]) / dt, (wz - pw[2]) / dt
            alpha2 = alx * alx + aly * aly + alz * alz
        if dt > 0 and wn > LEVER_MIN_GYR:
            # Lever arm: a = gravity part + w x (w x r) + alpha x r (alpha by backward difference).
            cx, cy, cz = wy * rz - wz * ry, wz * rx - wx * rz, wx * ry - wy * rx
            ax -= (wy * cz - wz * cy) + (aly * rz - alz * ry)
            ay -= (wz * cx - wx * cz) + (alz * rx - alx * rz)
            az -= (wx * cy - wy * cx) + (alx * ry - aly * rx)
        # Rate over the interval: the mean of its two ends, plus the coning term
        # (w_prev x w) dt / 12, so a fast multi-axis swing does not drift the attitude.
        cox = (pw[1] * wz - pw[2] * wy) * dt / 12.0
        coy = (pw[2] * wx - pw[0] * wz) * dt / 12.0
        coz = (pw[0] * wy - pw[1] * wx) * dt / 12.0
        mwx, mwy, mwz = 0.5 * (pw[0] + wx) + cox, 0.5 * (pw[1] + wy) + coy, 0.5 * (pw[2] + wz) + coz
        pw[0], pw[1], pw[2] = wx, wy, wz
        wx, wy, wz = mwx, mwy, mwz
        an = np.sqrt(ax * ax + ay * ay + az * az)
        # Predicted up in the sensor frame: the inverse rotation of (0, 1, 0)
        # (second row of the rotation matrix of q)
        ux = 2.0 * (q[1] * q[2] + q[0] * q[3])
        uy = 1.0 - 2.0 * (q[1] * q[1] + q[3] * q[3])
        uz = 2.0 * (q[2] * q[3] - q[0] * q[1])
        tilt_out[i] = np.nan
        since += dt
        if an > 1e-6:
            dev = (an - g) / ACC_SIGMA
            k = GAIN * np.exp(-dev * dev) / ((1.0 + (wn / GYR_SCALE) ** 2) * (1.0 + alpha2 / ALPHA_SCALE ** 2))
            mx, my, mz = ax / an, ay / an, az / an
            ex, ey, ez = my * uz - mz * uy, mz * ux - mx * uz, mx * uy - my * ux
            if k > 0.5 * GAIN:
                tilt_out[i] = np.degrees(np.arcsin(min(1.0, np.sqrt(ex * ex + ey * ey + ez * ez))))
            if k > FIX_GAIN * GAIN:
                since = 0.0
            wx += k * ex
            wy += k * ey
            wz += k * ez
        if dt > 0:
            # World-frame mean of the specific force, and its pull towards up.
            fx, fy, fz = _rotate(q, (ax, ay, az))
            c = dt / AVG_TAU
            fa[0] += c * (fx - fa[0])
            fa[1] += c * (fy - fa[1])
            fa[2] += c * (fz - fa[2])
            fn = np.sqrt(fa[0] ** 2 + fa[1] ** 2 + fa[2] ** 2)
            # A mean that is not g long holds a net acceleration (speeding up, a bend): trust it less.
            dev = (fn - g) / AVG_SIGMA
            ka = AVG_GAIN * np.exp(-dev * dev)
            if ka > 1e-3 * AVG_GAIN:
                qc = (q[0], -q[1], -q[2], -q[3])
                mx, my, mz = _rotate(qc, (fa[0] / fn, fa[1] / fn, fa[2] / fn))
                ex, ey, ez = my * uz - mz * uy, mz * ux - mx * uz, mx * uy - my * ux
                wx += ka * ex
                wy += ka * ey
                wz += ka * ez
                if ka > FIX_GAIN * AVG_GAIN:
                    since = 0.0
                if still_t <= STILL_S:
                    ki = AVG_KI * dt * ka / AVG_GAIN
                    b[0] = min(b0[0] + BIAS_MAX, max(b0[0] - BIAS_MAX, b[0] - ki * ex))
                    b[1] = min(b0[1] + BIAS_MAX, max(b0[1] - BIAS_MAX, b[1] - ki * ey))
                    b[2] = min(b0[2] + BIAS_MAX, max(b0[2] - BIAS_MAX, b[2] - ki * ez))
        # Stillness, from the raw gyro's local spread (so a wrong bias does not hide it): bias tracking.
        if dt > 0:
            c = min(1.0, dt / STILL_TAU)
            d0, d1, d2 = gyr[i, 0] - wm[0], gyr[i, 1] - wm[1], gyr[i, 2] - wm[2]
            wm[0] += c * d0
            wm[1] += c * d1
            wm[2] += c * d2
            wv += c * (d0 * d0 + d1 * d1 + d2 * d2 - wv)
        off = np.sqrt((wm[0] - b[0]) ** 2 + (wm[1] - b[1]) ** 2 + (wm[2] - b[2]) ** 2)
        if wv < STILL_GYR ** 2 and off < STILL_BIAS_MAX and abs(an_raw - g) < STILL_ACC:
            still_t += dt
        else:
            still_t = 0.0
        if still_t > STILL_S and dt > 0:
            beta = dt / BIAS_TAU
            b[0] += beta * (gyr[i, 0] - b[0])
            b[1] += beta * (gyr[i, 1] - b[1])
            b[2] += beta * (gyr[i, 2] - b[2])
        # Integrate: q <- q * exp(omega dt / 2).
        h2 = 0.25 * (wx * wx + wy * wy + wz * wz) * dt * dt  # (half rotation angle)^2
        if h2 > 0:
            # exp(omega dt / 2) by series: exact to ~1e-10 rad for half angles below 0.1 rad.
            sh = 0.5 * dt * (1.0 - h2 / 6.0 + h2 * h2 / 120.0)
            dw, dx, dy, dz = 1.0 - 0.5 * h2 + h2 * h2 / 24.0, wx * sh, wy * sh, wz * sh
            w0, x0, y0, z0 = q[0], q[1], q[2], q[3]
            q[0] = w0 * dw - x0 * dx - y0 * dy - z0 * dz
            q[1] = w0 * dx + x0 * dw + y0 * dz - z0 * dy
            q[2] = w0 * dy - x0 * dz + y0 * dw + z0 * dx
            q[3] = w0 * dz + x0 * dy - y0 * dx + z0 * dw
            nq = np.sqrt(q[0] ** 2 + q[1] ** 2 + q[2] ** 2 + q[3] ** 2)
            q /= nq
        since_out[i] = since
        kx, ky, kz = _rotate(q, down)
        # Sagittal plane of the segment itself: right = its lateral axis made horizontal.
        lx, ly, lz = _rotate(q, lateral)
        h = np.sqrt(lx * lx + lz * lz)
        if h < LATERAL_MIN:
            elevation[i] = np.nan
            abduction[i] = np.nan
            continue
        hc, hs = lx / h, lz / h
        # Body frame: right = (hc, 0, hs), forward = up x right = (hs, 0, -hc).
        fwd = kx * hs - kz * hc
        right = kx * hc + kz * hs
        e = np.degrees(np.arctan2(fwd, -ky))
        elevation[i] = e + 360.0 if e < ELEVATION_MIN else e
        abduction[i] = np.degrees(np.arcsin(max(-1.0, min(1.0, -side * right))))
    state[Q0:Q0 + 4] = q
    state[BIAS0:BIAS0 + 3] = b
    state[STILL_T], state[PREV_T], state[SINCE_FIX] = still_t, prev_t, since
    state[PREV_W:PREV_W + 3] = pw
    state[FAVG0:FAVG0 + 3] = fa
    state[WMEAN0:WMEAN0 + 3] = wm
    state[WVAR] = wv


def run(time, acc, gyr, long_axis, lateral, bias, side, lever=(0.0, 0.0, 0.0), state=None):
    """Python entry: (elevation, abduction, tilt_error, since_fix, state) for one chunk;
    state=None starts afresh from the first sample."""
    y = np.asarray(long_axis, dtype=np.float64)
    z = np.asarray(lateral, dtype=np.float64)
    if state is None:
        state = initial_state(np.asarray(acc[0], dtype=np.float64), np.asarray(bias, np.float64))
    n = len(time)
    elev, abd, tilt, since = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    fuse(time, acc, gyr, y, z, np.asarray(lever, dtype=np.float64), side, state, elev, abd, tilt, since)
    return elev, abd, tilt, since, state


def negate_elevation(elevation: np.ndarray) -> np.ndarray:
    """The elevation with the lateral axis reversed: -raw angle, mapped back into the output range."""
    raw = np.where(elevation >= 180.0, elevation - 360.0, elevation)
    out = -raw
    return np.where(out < ELEVATION_MIN, out + 360.0, out)
