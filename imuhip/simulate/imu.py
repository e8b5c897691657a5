"""The IMU model: from programmed segment motion to accelerometer and gyroscope samples.

Accelerometer = R_sensor^T (second derivative of the sensor's position + g up), m/s^2;
gyroscope = R_sensor^T (segment angular velocity in the world), rad/s. Derivatives are
central differences of the analytic trajectories at each sample time (step 1 ms).
"""

from __future__ import annotations

import numpy as np

from imuhip.io.units import G
from imuhip.simulate.scenarios import Body

H = 1e-3  # s, finite-difference step
HIP_HALF_WIDTH = 0.09  # m
THIGH_LEVER = 0.22  # m from hip centre down to the sensor
ACC_RANGE = 16 * G  # m/s^2, clipping of a typical +-16 g accelerometer
GYR_RANGE = np.radians(2000.0)  # rad/s, clipping of a +-2000 deg/s gyroscope


def _rot(axis: int, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) about world axis 0=X, 1=Y, 2=Z by `angle` (rad)."""
    c, s = np.cos(angle), np.sin(angle)
    R = np.zeros(angle.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    R[..., axis, axis] = 1.0
    R[..., i, i] = c
    R[..., j, j] = c
    R[..., i, j] = -s
    R[..., j, i] = s
    return R


def side_sign(side: str) -> float:
    return 1.0 if side == "left" else -1.0


def heading_rotation(body: Body, t: np.ndarray) -> np.ndarray:
    """The body's heading (N, 3, 3): a rotation about world up (turns, bends)."""
    return _rot(1, np.radians(body.pelvis["heading"](t)))


def thigh_rotation(body: Body, side: str, t: np.ndarray) -> np.ndarray:
    """World orientation of the thigh frame (N, 3, 3): Ry(heading) Rz(elev) Rx(s abd) Ry(s rot)."""
    tr, s = body.thigh[side], side_sign(side)
    return (heading_rotation(body, t)
            @ _rot(2, np.radians(tr["elevation"](t)))
            @ _rot(0, s * np.radians(tr["abduction"](t)))
            @ _rot(1, s * np.radians(tr["rotation"](t))))


def pelvis_rotation(body: Body, t: np.ndarray) -> np.ndarray:
    return heading_rotation(body, t) @ _rot(2, np.radians(body.pelvis["tilt"](t)))


def pelvis_height(body: Body, t: np.ndarray) -> np.ndarray:
    """Pelvis centre height (N,) in m, with foot-strike impacts as damped vertical oscillations."""
    y = body.pelvis["height"](t)
    for imp in body.impacts:
        lo, hi = np.searchsorted(t, [imp.time, imp.time + 12 * imp.decay])
        if hi > lo:
            x = (t[lo:hi] - imp.time) / imp.decay
            w = 2 * np.pi * imp.freq
            # x^2 e^-x envelope: starts with zero velocity and acceleration (no step).
            y[lo:hi] += imp.peak / (0.54 * w**2) * x * x * np.exp(-x) * np.sin(w * imp.decay * x)
    return y


def travel_acceleration(body: Body, t: np.ndarray) -> np.ndarray:
    """Horizontal acceleration of the pelvis (N, 3), m/s^2: along the path and centripetal.

    The pelvis travels `forward` metres (times the `pace` factor on its speed) along the
    heading, so its velocity is v = forward' pace (cos h, 0, -sin h).
    """
    d, m, h = body.pelvis["forward"], body.pelvis["pace"], body.pelvis["heading"]
    d0, dp, dm = d(t), d(t + H), d(t - H)
    mp, mm = m(t + H), m(t - H)
    psi, psi_p, psi_m = (np.radians(h(x)) for x in (t, t + H, t - H))
    d1, d2 = (dp - dm) / (2 * H), (dp - 2.0 * d0 + dm) / H**2
    m0, m1 = m(t), (mp - mm) / (2 * H)
    along = d2 * m0 + d1 * m1
    turn = d1 * m0 * (psi_p - psi_m) / (2 * H)
    c, s = np.cos(psi), np.sin(psi)
    return np.column_stack([along * c - turn * s, np.zeros_like(t), -along * s - turn * c])


def segment_pose(body: Body, name: str, t: np.ndarray, lever: np.ndarray):
    """(R (N,3,3), sensor position (N,3) less the horizontal travel) of sensor `name` at `lever`
    in its segment frame."""
    y = pelvis_height(body, t)
    origin = np.column_stack([np.zeros_like(t), y, np.zeros_like(t)])
    if name == "pelvis":
        R = pelvis_rotation(body, t)
    else:
        side = name.split("_")[0]
        R = thigh_rotation(body, side, t)
        hip = np.array([0.0, 0.0, -side_sign(side) * HIP_HALF_WIDTH])
        origin = origin + heading_rotation(body, t) @ hip
    return R, origin + R @ lever


def ideal_imu(body: Body, name: str, t: np.ndarray, mount: np.ndarray, lever: np.ndarray):
    """Noise-free (acc m/s^2, gyr rad/s) in the sensor frame; `mount` maps sensor to segment axes."""
    R0, p0 = segment_pose(body, name, t, lever)
    Rp, pp = segment_pose(body, name, t + H, lever)
    Rm, pm = segment_pose(body, name, t - H, lever)
    accel = (pp - 2.0 * p0 + pm) / H**2 + travel_acceleration(body, t)
    W = (Rp - Rm) / (2 * H) @ np.swapaxes(R0, 1, 2)  # skew(omega_world), to O(H^2)
    omega = 0.5 * np.column_stack([W[:, 2, 1] - W[:, 1, 2], W[:, 0, 2] - W[:, 2, 0], W[:, 1, 0] - W[:, 0, 1]])
    Rs = R0 @ mount  # sensor frame in the world
    specific = accel + np.array([0.0, G, 0.0])
    acc = np.einsum("nji,nj->ni", Rs, specific)
    gyr = np.einsum("nji,nj->ni", Rs, omega)
    return acc, gyr


def sample_times(rng: np.random.Generator, end: float, rate: float, jitter: float, drop: float) -> np.ndarray:
    """A sensor's clock: random start offset, jitter (s, SD) and dropped runs of samples."""
    n = int(end * rate)
    t = rng.uniform(0.0, 0.5 / rate) + np.arange(n) / rate
    if jitter > 0:
        t = t + np.clip(rng.normal(0.0, jitter, n), -0.3 / rate, 0.3 / rate)
    if drop > 0:
        keep = np.ones(n, dtype=bool)
        n_runs = rng.binomial(n, drop / 3.0)
        for start in rng.integers(5, n - 5, n_runs):
            keep[start:start + int(rng.integers(1, 6))] = False
        t = t[keep]
    return t[(t >= 0.0) & (t < end)]


def sensor_errors(rng: np.random.Generator, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray,
                  acc_noise: float, gyr_noise: float, gyr_bias: float, bias_drift: float):
    """Add white noise (SD), a constant gyro bias (SD per axis, rad/s), a bias random walk
    (rad/s per sqrt(s)), and clip at the sensor ranges."""
    n = len(t)
    bias = rng.normal(0.0, gyr_bias, 3)
    if bias_drift > 0 and n > 1:
        steps = rng.normal(0.0, 1.0, (n, 3)) * (bias_drift * np.sqrt(np.diff(t, prepend=t[0])))[:, None]
        bias = bias + np.cumsum(steps, axis=0)
    acc = acc + rng.normal(0.0, acc_noise, (n, 3))
    gyr = gyr + bias + rng.normal(0.0, gyr_noise, (n, 3))
    return np.clip(acc, -ACC_RANGE, ACC_RANGE), np.clip(gyr, -GYR_RANGE, GYR_RANGE)


def lever_arm(name: str, place: str) -> np.ndarray:
    """Sensor position in the segment frame (m): thigh front or outer side, or sacrum."""
    if name == "pelvis":
        return np.array([-0.10, 0.0, 0.0])
    if place == "front":
        return np.array([0.08, -THIGH_LEVER, 0.0])
    outward = -side_sign(name.split("_")[0])
    return np.array([0.0, -THIGH_LEVER, outward * 0.08])
