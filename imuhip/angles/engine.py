"""Segment angles from a Recording: batch (`segment_angles`, `angles_table`) and streaming.

Both run the same causal kernel (`fusion.fuse`); the streaming form keeps its state
between chunks, so it matches the batch result given the same calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from imuhip.angles import fusion
from imuhip.angles.calibration import Calibration, calibrate, still_mask, still_periods
from imuhip.errors import CalibrationError, InputError
from imuhip.io.units import G
from imuhip.recording import Recording, SensorData

SATURATION_RUN = 3  # consecutive samples at the same extreme value


def side_of(name: str) -> float:
    """+1 for left segments (and unsided ones), -1 for right: the abduction sign."""
    return -1.0 if name.startswith("right") else 1.0


def saturation_warnings(s: SensorData, name: str) -> list[str]:
    """Flat tops at one extreme value (a clipped accelerometer or gyroscope), with their time."""
    out = []
    for label, data, unit in (("accelerometer", s.acc, "m/s^2"), ("gyroscope", s.gyr, "rad/s")):
        peak = np.abs(data).max()
        if peak == 0:
            continue
        at_peak = np.abs(data) >= peak * (1 - 1e-9)
        flat = at_peak[:-2] & at_peak[1:-1] & at_peak[2:]
        if flat.any():
            i = int(np.flatnonzero(flat.any(axis=1))[0])
            count = int(at_peak.any(axis=1).sum())
            out.append(f"sensor {name}: {label} saturates at {peak:.1f} {unit} ({count} samples, first at "
                       f"{s.time[i]:.2f} s): angles there rely on the other sensor and may be off")
    return out


@dataclass
class SegmentAngles:
    """Angles of one segment on its own clock: elevation and abduction in deg."""

    time: np.ndarray
    elevation: np.ndarray
    abduction: np.ndarray
    tilt_error: np.ndarray  # deg, accelerometer vs estimate at quasi-static samples (nan elsewhere)
    calibration: Calibration
    warnings: list[str] = field(default_factory=list)


def _run(s: SensorData, cal: Calibration, side: float, state: np.ndarray | None = None):
    return fusion.run(s.time, s.acc, s.gyr, cal.long_axis, cal.lateral_axis, cal.gyro_bias, side,
                      cal.lever_arm, state)


def segment_angles(s: SensorData, name: str, calibration: Calibration | None = None,
                   standing: list[tuple[float, float]] | None = None) -> SegmentAngles:
    """Calibrate (unless given; `standing` windows help find the reference) and run the fusion."""
    if len(s) < 2:
        raise CalibrationError(f"sensor {name}: fewer than 2 samples")
    still = still_mask(s)
    at_rest = still.sum() >= 10
    rest = float(np.median(np.linalg.norm((s.acc[still] if at_rest else s.acc)[::10], axis=1)))
    if rest < 0.5 * G or (at_rest and rest > 2.0 * G):
        raise InputError(f"sensor {name}: |acc| at rest is {rest:.2f} m/s^2, expected about 9.81 (wrong "
                         f"units, or acceleration without gravity): no angle can be computed")
    if calibration is None:
        cal, (elev, abd, tilt, since) = calibrate(s, name, side_of(name), standing, still)
    else:
        # Axes carry over between sessions of one mounting; the gyro bias changes at every power-up.
        periods = still_periods(s, still)
        cal = calibration if not periods else replace(
            calibration, gyro_bias=s.gyr[periods[0][0]:periods[0][1]].mean(axis=0).tolist())
        elev, abd, tilt, since, _ = _run(s, cal, side_of(name))
    warnings = list(cal.warnings) + saturation_warnings(s, name)
    return SegmentAngles(s.time, elev, abd, tilt, cal, warnings)


def _on_clock(t: np.ndarray, src_t: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values (on src_t) interpolated at t; NaN further than one sample interval outside src_t."""
    out = np.interp(t, src_t, values)
    step = float(np.median(np.diff(src_t))) if len(src_t) > 1 else 0.0
    out[(t < src_t[0] - step) | (t > src_t[-1] + step)] = np.nan
    return out


def angles_table(rec: Recording, calibrations: dict[str, Calibration] | None = None,
                 ) -> tuple[pd.DataFrame, dict[str, SegmentAngles]]:
    """Angles of every thigh (and the pelvis) on the first thigh sensor's clock.

    Columns: time_s, <sensor>_elevation_deg, <sensor>_abduction_deg per thigh sensor; with a
    pelvis sensor also pelvis_tilt_deg (positive = forward) and <side>_hip_flexion_deg
    (thigh elevation minus pelvis tilt). Returns the table and the per-sensor results.
    """
    calibrations = calibrations or {}
    thighs = [n for n in rec.sensors if "thigh" in n]
    if not thighs:
        raise InputError(f"no thigh sensor in this recording (sensors: {', '.join(rec.sensors) or 'none'}); "
                         f"name them left_thigh / right_thigh")
    standing = [(a.start_s, a.end_s) for a in rec.annotations if a.drill == "standing"]
    names = thighs + (["pelvis"] if "pelvis" in rec.sensors else [])
    results = {n: segment_angles(rec.sensors[n], n, calibrations.get(n), standing) for n in names}
    return table_of(results), results


def table_of(results: dict[str, SegmentAngles]) -> pd.DataFrame:
    """The angles table of `angles_table` from per-sensor results (thighs first, then pelvis)."""
    thighs = [n for n in results if "thigh" in n]
    t = results[thighs[0]].time
    sides = [n.split("_")[0] if "_" in n else n for n in thighs]
    names = ["time_s"] + [f"{n}_{k}_deg" for n in thighs for k in ("elevation", "abduction")]
    if "pelvis" in results:
        names += ["pelvis_tilt_deg"] + [f"{side}_hip_flexion_deg" for side in sides]
    block = np.empty((len(t), len(names)), order="F")  # filled in place: no copy into the frame
    block[:, 0] = t
    for i, n in enumerate(thighs):
        block[:, 1 + 2 * i] = _on_clock(t, results[n].time, results[n].elevation)
        block[:, 2 + 2 * i] = _on_clock(t, results[n].time, results[n].abduction)
    if "pelvis" in results:
        k = 1 + 2 * len(thighs)
        block[:, k] = _on_clock(t, results["pelvis"].time, results["pelvis"].elevation)
        for i in range(len(thighs)):
            block[:, k + 1 + i] = block[:, 1 + 2 * i] - block[:, k]
    return pd.DataFrame(block, columns=names, copy=False)


class StreamingAngles:
    """Chunk-by-chunk form of the same estimator, constant memory, for live use.

        live = StreamingAngles(calibration, "left_thigh")
        elev, abd = live.update(time, acc, gyr)   # each chunk as it arrives
    """

    def __init__(self, calibration: Calibration, name: str):
        self.calibration = calibration
        self.name = name
        self.side = side_of(name)
        self._state: np.ndarray | None = None

    def update(self, time, acc, gyr) -> tuple[np.ndarray, np.ndarray]:
        """Angles (deg) for a chunk: time (N,) s, acc (N, 3) m/s^2, gyr (N, 3) rad/s."""
        s = SensorData(time, acc, gyr)
        if len(s) == 0:
            return np.empty(0), np.empty(0)
        elev, abd, _, _, self._state = _run(s, self.calibration, self.side, self._state)
        return elev, abd
