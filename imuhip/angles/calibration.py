"""Sensor-to-segment calibration from the data alone: whatever way the sensor was strapped on,
whatever the session holds.

- Still moments: slow, steady rotation and |acc| close to g, judged on the local spread of the
  gyro (so no gyro bias and no other part of the recording matters).
- Flexion axis (segment Z, to the athlete's right): the principal axis of the angular rate
  while the segment swings, with the rotation about gravity (turns, walking round) removed.
- Long axis (segment Y, proximal): gravity in a standing moment found anywhere in the
  recording: a still moment whose gravity lies within `STANDING_MAX_DEG` of the thigh's mean
  direction around gait impacts (walking, running, skipping). Sitting, lying and knee-up holds
  are further away and are never taken for standing. Without impacts: a `standing`
  annotation, else the first still moment (with a warning). Without a standing moment: the
  gait direction itself (`GAIT_UNCERTAINTY_DEG`, with a warning).
- Sign: flexion (knee forward and up) must be the larger excursion; X = Y x Z (forward).
Quality: `still_sd_deg` (gravity direction spread in the standing moment, deg), `planarity`
(share of rotation about the flexion axis, 0..1), `axis_offplane_deg` (how far the
principal axis lay from the plane orthogonal to the long axis), `uncertainty_deg`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.ndimage import uniform_filter1d

from imuhip.angles import fusion
from imuhip.arrays import true_runs
from imuhip.errors import CalibrationError
from imuhip.io.units import G
from imuhip.recording import SensorData

MIN_STILL_S = 1.0
TRIM_S = 0.3  # s cut from both ends of the still moment
STEADY_DEG = 0.5  # the still moment's gravity direction may not wander further
STILL_WINDOW_S = 0.5  # s over which the local spread of gyro and accelerometer is taken
STILL_GYR_SD = 0.05  # rad/s: local spread of the gyro below this counts as still
STILL_GYR_MAX = 0.35  # rad/s: and its local mean (bias included) below this
STILL_ACC = 0.4  # m/s^2, ||acc| - g| (smoothed) below this counts as still
STILL_ACC_SD = 0.3  # m/s^2: local spread of the accelerometer below this
IMPACT_G = 1.4  # |acc| above this many g is an impact (foot strike, landing; walking reaches 1.5-1.7)
IMPACT_NEAR_S = 1.0  # s either side of an impact that count as gait for the gait direction
IMPACT_SHARE = 0.05  # share of impact samples within IMPACT_NEAR_S that marks gait
MIN_IMPACT_S = 2.0  # s of gait needed before the gait direction is trusted
STANDING_MAX_DEG = 30.0  # a standing moment's gravity lies this close to the gait direction
SAME_STANDING_DEG = 10.0  # standing moments this close to the first are averaged into the long axis
GAIT_UNCERTAINTY_DEG = 8.0
STATS_STEP = 2  # the axes and the gait direction are found on every 2nd sample  # long axis from the gait direction: its error, at most
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
    reference: str = "standing"  # where the long axis came from: standing, annotation, gait, first still
    uncertainty_deg: float = 1.0  # likely error of the long axis (deg)
    warnings: list[str] = field(default_factory=list)

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
    """Centered moving average over n samples (n >= 1) along axis 0, same shape (the ends
    repeat the first and last sample)."""
    if n <= 1:
        return x
    return uniform_filter1d(x, n, axis=0, mode="nearest")


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", v, v))


def still_mask(s: SensorData) -> np.ndarray:
    """Samples where the sensor is at rest, from local statistics only (0.5 s windows): the
    gyro's spread and mean (bias included) small, |acc| close to g and steady. Judged on every
    STATS_STEP-th sample (still moments last a second or more)."""
    c = coarse(s)
    mask = _at_rest(c)
    return mask if c is s else np.repeat(mask, STATS_STEP)[:len(s)]


def _at_rest(s: SensorData) -> np.ndarray:
    """still_mask's test on every sample of `s`."""
    n = max(1, int(round(STILL_WINDOW_S * s.rate_hz)))
    an = _norm(s.acc)
    local = _smooth(np.column_stack([s.gyr, np.einsum("ij,ij->i", s.gyr, s.gyr), an, an * an]), n)
    mean = local[:, :3]
    gyr_sd = np.sqrt(np.maximum(local[:, 3] - np.einsum("ij,ij->i", mean, mean), 0.0))
    acc_sd = np.sqrt(np.maximum(local[:, 5] - local[:, 4] ** 2, 0.0))
    return ((gyr_sd < STILL_GYR_SD) & (_norm(mean) < STILL_GYR_MAX)
            & (np.abs(local[:, 4] - G) < STILL_ACC) & (acc_sd < STILL_ACC_SD))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(_unit(a) @ _unit(b), -1.0, 1.0))))


def gait_direction(s: SensorData) -> tuple[np.ndarray | None, float]:
    """The thigh's mean gravity direction (unit, sensor frame) around gait impacts, and the
    seconds of gait it comes from; None when there are fewer than MIN_IMPACT_S."""
    an = _norm(s.acc)
    impact = (an > IMPACT_G * G).astype(float)
    near = _smooth(impact, max(1, int(round(2 * IMPACT_NEAR_S * s.rate_hz)))) > IMPACT_SHARE
    seconds = near.sum() / s.rate_hz
    if seconds < MIN_IMPACT_S:
        return None, seconds
    return _unit((s.acc[near] / an[near, None]).mean(axis=0)), seconds


def coarse(s: SensorData) -> SensorData:
    """Every STATS_STEP-th sample: enough for the calibration's statistics (axes, gait
    direction), at a fraction of the cost."""
    k = STATS_STEP
    if k <= 1 or len(s) < 20 * k:
        return s
    out = s.__dict__.get("_coarse")  # made once per SensorData (its samples do not change)
    if out is None:
        out = SensorData(s.time[::k], s.acc[::k], s.gyr[::k], s.meta)
        out.__dict__["rate_hz"] = s.rate_hz / k  # the cached property, known without a median
        s.__dict__["_coarse"] = out
    return out


def gravity_up(s: SensorData) -> np.ndarray:
    """Gravity's direction (N, 3, unit, sensor frame): the accelerometer smoothed over 0.5 s."""
    up = _smooth(s.acc, max(1, int(round(0.5 * s.rate_hz))))
    return up / np.maximum(_norm(up), 1e-9)[:, None]


def across_gravity(s: SensorData, bias: np.ndarray) -> np.ndarray:
    """The bias-free angular rate (N, 3) rad/s with its part about gravity (`gravity_up`)
    removed: the body turning, walking round."""
    up = gravity_up(s)
    w = s.gyr - bias
    return w - np.einsum("ij,ij->i", w, up)[:, None] * up


def flexion_axis(s: SensorData, bias: np.ndarray, threshold: float):
    """Principal axis (unit, sensor frame) of the angular rate across gravity (`across_gravity`)
    where it exceeds `threshold` rad/s; with its planarity (0..1) and the seconds used.
    Turning and walking round are never the flexion axis."""
    w = across_gravity(s, bias)
    moving = _norm(w) > threshold
    seconds = moving.sum() / s.rate_hz
    if seconds < MIN_MOVING_S:
        return None, float("nan"), seconds
    wm = w[moving]
    evals, evecs = np.linalg.eigh(wm.T @ wm)
    return evecs[:, -1], float(evals[-1] / evals.sum()), seconds


def still_periods(s: SensorData, mask: np.ndarray, min_s: float = MIN_STILL_S) -> list[tuple[int, int]]:
    """(start, end) index ranges of the runs of `mask` lasting at least `min_s` seconds."""
    return [(a, b) for a, b in true_runs(mask) if s.time[b - 1] - s.time[a] >= min_s]


def steady_part(acc: np.ndarray, a: int, b: int, first: int) -> tuple[int, int]:
    """The run from `a` over which the smoothed gravity direction stays within STEADY_DEG of its
    mean over the first `first` samples (a slow drift into the next posture is cut off)."""
    d = acc[a:b] / _norm(acc[a:b])[:, None]
    d = _smooth(d, max(1, first // 4))
    d /= _norm(d)[:, None]
    ref = d[:first].mean(axis=0)
    ref /= np.linalg.norm(ref)
    off = np.flatnonzero(d @ ref < np.cos(np.radians(STEADY_DEG)))
    return a, a + (int(off[0]) if off.size and off[0] >= first // 2 else b - a)


def _reference(s: SensorData, name: str, periods: list[tuple[int, int]],
               standing: list[tuple[float, float]] | None, warnings: list[str]):
    """The standing moments [(a, b), ...] whose gravity gives the long axis, their origin and
    uncertainty (deg), None; (None, 'gait', deg, direction) when only the gait direction is there."""
    if standing:
        inside = [(a, b) for a, b in periods if any(lo <= s.time[a] and s.time[b - 1] <= hi for lo, hi in standing)]
        if inside:
            return inside, "annotation", 1.0, None
    gait, gait_s = gait_direction(coarse(s))
    if gait is not None:
        upright = [(a, b) for a, b in periods if _angle_deg(s.acc[a:b].mean(axis=0), gait) < STANDING_MAX_DEG]
        if upright:
            return upright, "standing", 1.0, None
        warnings.append(f"sensor {name}: no standing moment of {MIN_STILL_S:g} s in the recording: the long "
                        f"axis comes from the thigh's direction in {gait_s:.0f} s of gait (uncertainty "
                        f"+-{GAIT_UNCERTAINTY_DEG:g} deg); stand still for 2 s at some point, or pass "
                        f"--calibration from an earlier session")
        return None, "gait", GAIT_UNCERTAINTY_DEG, gait
    if periods:
        a, b = periods[0]
        warnings.append(f"sensor {name}: no walking or running in the recording to confirm which still "
                        f"moment is standing: took the first one, at {s.time[a]:.1f} s, as standing")
        return [(a, b)], "first still", 2.0, None
    # No still second: take the quietest second and say so.
    n = max(2, int(round(MIN_STILL_S * s.rate_hz)))
    energy = _smooth(np.linalg.norm(s.gyr, axis=1), n)
    centre = int(np.argmin(energy))
    a, b = max(0, centre - n // 2), min(len(s), centre + n // 2)
    warnings.append(f"sensor {name}: no still moment of {MIN_STILL_S:g} s (standing quietly): "
                    f"used the quietest second at {s.time[a]:.1f} s; angles may be off - "
                    f"start each recording with 2 s of quiet standing")
    return [(a, b)], "quietest second", 20.0, None


def calibrate(s: SensorData, name: str = "sensor", side: float = 1.0,
              standing: list[tuple[float, float]] | None = None, still: np.ndarray | None = None,
              bias: np.ndarray | None = None):
    """Find the segment axes of one sensor from its data (see module docstring).

    Returns (Calibration, (elevation, abduction, tilt_error, since_fix)): the angles of the pass
    that fixed the sign, equal to a fusion run with the returned calibration. `still`:
    still_mask(s), if known; `bias`: the gyro bias (rad/s), if known (the same sensor strapped on
    anew keeps its bias). `standing`: (start_s, end_s) windows known to be quiet standing
    (from annotations): the standing moment is taken inside them when there is one.
    """
    if len(s) < 10 or s.duration_s < MIN_STILL_S:
        raise CalibrationError(f"sensor {name}: recording too short to calibrate "
                               f"({s.duration_s:.2f} s; needs a still moment of {MIN_STILL_S:g} s and movement)")
    warnings: list[str] = []
    periods = still_periods(s, still_mask(s) if still is None else still)
    spans, reference, uncertainty, direction = _reference(s, name, periods, standing, warnings)
    # The gyro bias does not depend on posture: the first still moment gives it.
    if bias is None:
        bias = s.gyr[periods[0][0]:periods[0][1]].mean(axis=0) if periods else np.median(s.gyr[::10], axis=0)
    bias = np.asarray(bias, dtype=float)
    if spans is None:
        y, still_sd, a, b = direction, float("nan"), 0, 1
    else:
        trim = int(TRIM_S * s.rate_hz)
        parts = []
        for a, b in spans:
            if reference != "quietest second" and b - a > 4 * trim:  # clear of the moves either side
                a, b = a + trim, b - trim
            parts.append(steady_part(s.acc, a, b, int(MIN_STILL_S * s.rate_hz)))
        a, b = parts[0]
        acc_still = s.acc[a:b]
        first = _unit(acc_still.mean(axis=0))
        dirs = acc_still / np.linalg.norm(acc_still, axis=1, keepdims=True)
        still_sd = float(np.degrees(np.sqrt(np.mean(np.sum((dirs - first) ** 2, axis=1)))))
        # People stand a little differently each time: the long axis is the mean over every
        # standing moment like the first (duration-weighted).
        y = np.zeros(3)
        for pa, pb in parts:
            d = _unit(s.acc[pa:pb].mean(axis=0))
            if _angle_deg(d, first) < SAME_STANDING_DEG:
                y += d * (pb - pa)
        y = _unit(y)

    threshold = PELVIS_MOVING_GYR if name == "pelvis" else MOVING_GYR
    pc, planarity, seconds = flexion_axis(coarse(s), bias, threshold)
    if pc is None:
        warnings.append(
            f"sensor {name}: too little movement to find the flexion axis "
            f"({seconds:.1f} s above {threshold} rad/s; needs {MIN_MOVING_S:g} s): the "
            f"tilt from vertical is right but its split into flexion and abduction is a guess; "
            + ("bend forward a few times" if name == "pelvis" else "raise each knee a few times")
            + ", or pass a calibration from an earlier session")
        pc = np.eye(3)[int(np.argmin(np.abs(y)))]  # any axis far from the long axis
    elif planarity < 0.5:
        warnings.append(f"sensor {name}: movement is not mostly flexion (planarity {planarity:.2f}): "
                        f"flexion axis uncertain")
    z = pc - (pc @ y) * y
    offplane = float(np.degrees(np.arcsin(min(1.0, abs(pc @ y)))))
    z /= np.linalg.norm(z)
    if offplane > 30 and planarity == planarity:
        warnings.append(f"sensor {name}: the main rotation axis lies {offplane:.0f} deg out of the horizontal "
                        f"plane at standing: is the long axis right?")
    # Sign: flexion (knee forward and up) goes further than extension. Turning the axes half a
    # turn about the long axis negates the fused angles, so one pass decides and is kept.
    lever = -DEFAULT_LEVER_M * y if name != "pelvis" else np.zeros(3)
    elev, abd, tilt, since, _ = fusion.run(s.time, s.acc, s.gyr, y, z, bias, side, lever)
    band = PELVIS_BAND_DEG if name == "pelvis" else THIGH_BAND_DEG
    sample = elev[::4]
    inside = sample[np.abs(sample) < band]
    if inside.size and np.percentile(inside, 99.5) < -np.percentile(inside, 0.5):
        z = -z
        elev, abd = fusion.negate_elevation(elev), -abd
    cal = Calibration(y.tolist(), z.tolist(), bias.tolist(), float(s.time[a]), float(s.time[b - 1]),
                      still_sd, planarity, offplane, lever.tolist(), reference, uncertainty, warnings)
    return cal, (elev, abd, tilt, since)
