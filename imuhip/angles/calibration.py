"""Sensor-to-segment calibration from the data alone: whatever way the sensor was strapped on.

- Long axis (segment Y, proximal): gravity during the first still moment of at least
  `MIN_STILL_S` (standing, by the protocol: stand still for a second or two first).
- Flexion axis (segment Z, to the athlete's right): the principal axis of the bias-free
  angular rate while the segment moves, made orthogonal to the long axis.
- Sign: flexion (knee forward and up) must be the larger excursion; the long axis and the
  flexion axis give X = Y x Z (forward).
Quality: `still_sd_deg` (gravity direction spread in the still moment, deg), `planarity`
(share of rotation about the flexion axis, 0..1), `axis_offplane_deg` (how far the
principal axis lay from the plane orthogonal to gravity).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from imuhip.angles import fusion
from imuhip.arrays import true_runs
from imuhip.errors import CalibrationError
from imuhip.io.units import G
from imuhip.recording import SensorData

MIN_STILL_S = 1.0
TRIM_S = 0.3  # s cut from both ends of the still moment
STEADY_DEG = 0.5  # the still moment's gravity direction may not wander further
STILL_GYR = 0.1  # rad/s, |gyro| below this (smoothed) counts as still
STILL_ACC = 0.4  # m/s^2, ||acc| - g| below this counts as still
MOVING_GYR = 0.5  # rad/s, samples used for the flexion axis
DEFAULT_LEVER_M = 0.2  # hip centre to a mid-thigh sensor, along the long axis
PELVIS_MOVING_GYR = 0.03  # rad/s: the pelvis turns little and slowly
MIN_MOVING_S = 1.0
PELVIS_BAND_DEG = 60.0  # a pelvis lying back (-90 deg) says nothing about the sign of its tilt
THIGH_BAND_DEG = 150.0  # beyond this (knee to chest while lying) the range wraps; ignore it


@dataclass
class Calibration:
    """Segment axes in sensor coordinates (unit vectors) and the gyro bias at rest (rad/s)."""

    long_axis: list[float]
    lateral_axis: list[float]
    gyro_bias: list[float]
    still_start_s: float = float("nan")
    still_end_s: float = float("nan")
    still_sd_deg: float = float("nan")
    planarity: float = float("nan")
    axis_offplane_deg: float = float("nan")
    lever_arm: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    warnings: list[str] = field(default_factory=list)

    def matrix(self) -> np.ndarray:
        """Rows: segment X (forward), Y (up), Z (right) in sensor coordinates."""
        y, z = np.asarray(self.long_axis), np.asarray(self.lateral_axis)
        return np.vstack([np.cross(y, z), y, z])

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        try:
            d = json.loads(text)
            cal = cls(**d)
            y, z = np.asarray(cal.long_axis, float), np.asarray(cal.lateral_axis, float)
            if y.shape != (3,) or z.shape != (3,) or len(cal.gyro_bias) != 3:
                raise ValueError("long_axis, lateral_axis and gyro_bias need 3 numbers each")
            if abs(np.linalg.norm(y) - 1) > 1e-3 or abs(np.linalg.norm(z) - 1) > 1e-3 or abs(y @ z) > 1e-3:
                raise ValueError("long_axis and lateral_axis must be orthogonal unit vectors")
        except (ValueError, TypeError) as exc:
            raise CalibrationError(f"bad calibration: {exc}") from None
        return cal


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """Centered moving average over n samples (n >= 1), same length."""
    if n <= 1:
        return x
    c = np.cumsum(np.concatenate([[0.0], x]))
    lo = np.clip(np.arange(len(x)) - n // 2, 0, len(x))
    hi = np.clip(lo + n, 0, len(x))
    return (c[hi] - c[lo]) / (hi - lo)


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", v, v))


def still_mask(s: SensorData) -> np.ndarray:
    """Samples where the sensor is at rest: slow rotation and |acc| close to g (0.25 s smoothing)."""
    n = max(1, int(round(0.25 * s.rate_hz)))
    gyr = _smooth(_norm(s.gyr - np.median(s.gyr[::10], axis=0)), n)
    acc = _smooth(np.abs(_norm(s.acc) - G), n)
    return (gyr < STILL_GYR) & (acc < STILL_ACC)


def still_periods(s: SensorData, mask: np.ndarray, min_s: float = MIN_STILL_S) -> list[tuple[int, int]]:
    """(start, end) index ranges of the runs of `mask` lasting at least `min_s` seconds."""
    return [(a, b) for a, b in true_runs(mask) if s.time[b - 1] - s.time[a] >= min_s]


def steady_part(acc: np.ndarray, a: int, b: int, first: int) -> tuple[int, int]:
    """The run from `a` over which the smoothed gravity direction stays within STEADY_DEG of its
    mean over the first `first` samples (a slow drift into the next posture is cut off)."""
    d = acc[a:b] / _norm(acc[a:b])[:, None]
    d = np.column_stack([_smooth(d[:, k], max(1, first // 4)) for k in range(3)])
    d /= _norm(d)[:, None]
    ref = d[:first].mean(axis=0)
    ref /= np.linalg.norm(ref)
    off = np.flatnonzero(d @ ref < np.cos(np.radians(STEADY_DEG)))
    return a, a + (int(off[0]) if off.size and off[0] >= first // 2 else b - a)


def calibrate(s: SensorData, name: str = "sensor", side: float = 1.0,
              standing: list[tuple[float, float]] | None = None, still: np.ndarray | None = None):
    """Find the segment axes of one sensor from its data (see module docstring).

    Returns (Calibration, (elevation, abduction, tilt_error)): the angles of the pass that fixed
    the sign, equal to a fusion run with the returned calibration. `still`: still_mask(s), if known.

    `standing`: (start_s, end_s) windows known to be quiet standing (from annotations); the
    still moment is taken inside them when there is one, else the first still moment.
    """
    if len(s) < 10 or s.duration_s < MIN_STILL_S:
        raise CalibrationError(f"sensor {name}: recording too short to calibrate "
                               f"({s.duration_s:.2f} s; needs a still moment of {MIN_STILL_S:g} s and movement)")
    warnings: list[str] = []
    periods = still_periods(s, still_mask(s) if still is None else still)
    if standing:
        inside = [(a, b) for a, b in periods
                  if any(lo <= s.time[a] and s.time[b - 1] <= hi for lo, hi in standing)]
        periods = inside or periods
    if periods:
        a, b = periods[0]
    else:
        # No still second: take the quietest second and say so.
        n = max(2, int(round(MIN_STILL_S * s.rate_hz)))
        energy = _smooth(np.linalg.norm(s.gyr, axis=1), n)
        centre = int(np.argmin(energy))
        a, b = max(0, centre - n // 2), min(len(s), centre + n // 2)
        warnings.append(f"sensor {name}: no still moment of {MIN_STILL_S:g} s (standing quietly): "
                        f"used the quietest second at {s.time[a]:.1f} s; angles may be off - "
                        f"start each recording with 2 s of quiet standing")
    trim = int(TRIM_S * s.rate_hz)
    if periods and b - a > 4 * trim:  # keep clear of the first and last moves
        a, b = a + trim, b - trim
    a, b = steady_part(s.acc, a, b, int(MIN_STILL_S * s.rate_hz))
    acc_still = s.acc[a:b]
    y = acc_still.mean(axis=0)
    y /= np.linalg.norm(y)
    dirs = acc_still / np.linalg.norm(acc_still, axis=1, keepdims=True)
    still_sd = float(np.degrees(np.sqrt(np.mean(np.sum((dirs - y) ** 2, axis=1)))))
    bias = s.gyr[a:b].mean(axis=0) if periods else np.median(s.gyr[::10], axis=0)

    w = s.gyr - bias
    threshold = PELVIS_MOVING_GYR if name == "pelvis" else MOVING_GYR
    moving = _norm(w) > threshold
    if moving.sum() < MIN_MOVING_S * s.rate_hz:
        warnings.append(
            f"sensor {name}: too little movement to find the flexion axis "
            f"({moving.sum() / s.rate_hz:.1f} s above {threshold} rad/s; needs {MIN_MOVING_S:g} s): the "
            f"tilt from vertical is right but its split into flexion and abduction is a guess; raise "
            f"each knee a few times, or pass a calibration from an earlier session")
        pc = np.eye(3)[int(np.argmin(np.abs(y)))]  # any axis far from the long axis
        planarity = float("nan")
    else:
        wm = w[moving]
        evals, evecs = np.linalg.eigh(wm.T @ wm)
        pc = evecs[:, -1]
        planarity = float(evals[-1] / evals.sum())
        if planarity < 0.5:
            warnings.append(f"sensor {name}: movement is not mostly flexion (planarity {planarity:.2f}): "
                            f"flexion axis uncertain")
    z = pc - (pc @ y) * y
    offplane = float(np.degrees(np.arcsin(min(1.0, abs(pc @ y)))))
    z /= np.linalg.norm(z)
    if offplane > 30 and planarity == planarity:
        warnings.append(f"sensor {name}: the main rotation axis lies {offplane:.0f} deg out of the horizontal "
                        f"plane at standing: is the long axis right (was the first still moment standing)?")
    # Sign: flexion (knee forward and up) goes further than extension. Turning the axes half a
    # turn about the long axis negates the fused angles, so one pass decides and is kept.
    lever = -DEFAULT_LEVER_M * y if name != "pelvis" else np.zeros(3)
    elev, abd, tilt, _ = fusion.run(s.time, s.acc, s.gyr, y, z, bias, side, lever)
    band = PELVIS_BAND_DEG if name == "pelvis" else THIGH_BAND_DEG
    inside = elev[::4][np.abs(elev[::4]) < band]
    if inside.size and np.percentile(inside, 99.5) < -np.percentile(inside, 0.5):
        z = -z
        elev, abd = fusion.negate_elevation(elev), -abd
    cal = Calibration(y.tolist(), z.tolist(), bias.tolist(), float(s.time[a]), float(s.time[b - 1]),
                      still_sd, planarity, offplane, lever.tolist(), warnings)
    return cal, (elev, abd, tilt)

