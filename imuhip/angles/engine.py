"""Segment angles from a Recording: batch (`segment_angles`, `angles_table`) and streaming.

Both run the same causal kernel (`fusion.fuse`); the streaming form keeps its state
between chunks, so it matches the batch result given the same calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from imuhip.angles import fusion
from imuhip.angles.calibration import (MIN_MOVING_S, MOVING_GYR, Calibration, across_gravity, calibrate,
                                       still_mask, still_periods)
from imuhip.errors import CalibrationError, InputError
from imuhip.io.units import G
from imuhip.recording import Recording, SensorData, side_label

# Per-sample quality flags (bits) of SegmentAngles.quality; angles are NaN where any is set.
SATURATED = 1  # the accelerometer or gyroscope was at its range (+- SATURATION_PAD_S)
NO_FIX = 2  # no tilt correction from the accelerometer for more than NO_FIX_S
MOUNT_CHANGE = 4  # between a mounting change and the next calibration
SATURATION_PAD_S = 0.25
NO_FIX_S = 60.0
RESTRAP_WINDOW_S = 10.0  # s: windows in which the flexion axis is found, to detect a re-strap
RESTRAP_DEG = 25.0  # the flexion axis moving this far between windows is a new mounting
RESTRAP_AGREE_DEG = 12.0  # ... when the next window confirms the new axis within this
RESTRAP_PLANARITY = 0.8  # windows whose swing is less planar than this say nothing


def side_of(name: str) -> float:
    """+1 for left segments (and unsided ones), -1 for right: the abduction sign."""
    return -1.0 if name.startswith("right") else 1.0


def saturated(s: SensorData) -> np.ndarray:
    """Samples (bool) at a flat top of the accelerometer or gyroscope range: three or more
    consecutive samples at the channel's extreme value."""
    out = np.zeros(len(s), dtype=bool)
    for data in (s.acc, s.gyr):
        peak = np.abs(data).max()
        if peak == 0 or len(s) < 3:
            continue
        at_peak = (np.abs(data) >= peak * (1 - 1e-9)).any(axis=1)
        flat = at_peak[:-2] & at_peak[1:-1] & at_peak[2:]
        if flat.any():
            out |= at_peak
    return out


def saturation_warnings(s: SensorData, name: str) -> list[str]:
    """Flat tops at one extreme value (a clipped accelerometer or gyroscope), with their time."""
    out = []
    for label, data, unit in (("accelerometer", s.acc, "m/s^2"), ("gyroscope", s.gyr, "rad/s")):
        peak = np.abs(data).max()
        if peak == 0:
            continue
        at_peak = np.abs(data) >= peak * (1 - 1e-9)
        flat = at_peak[:-2] & at_peak[1:-1] & at_peak[2:]
        if not np.ptp(data, axis=0).any():
            out.append(f"sensor {name}: the {label} reads ({', '.join(f'{v:.4g}' for v in data[0])}) {unit} on all "
                       f"{len(s)} samples: a stuck sensor or made-up data, nothing measured (angles NaN)")
        elif flat.any():
            i = int(np.flatnonzero(flat.any(axis=1))[0])
            count = int(at_peak.any(axis=1).sum())
            out.append(f"sensor {name}: {label} saturates at {peak:.1f} {unit} ({count} samples, first at "
                       f"{s.time[i]:.2f} s): angles within {SATURATION_PAD_S:g} s of it are not trusted (NaN)")
    return out


def _dilate(mask: np.ndarray, s: SensorData, pad_s: float) -> np.ndarray:
    n = int(round(pad_s * s.rate_hz))
    if n < 1 or not mask.any():
        return mask
    c = np.cumsum(np.concatenate([[0], mask.astype(np.int64)]))
    i = np.arange(len(mask))
    return (c[np.minimum(i + n + 1, len(mask))] - c[np.maximum(i - n, 0)]) > 0


def mounting_changes(s: SensorData) -> list[tuple[float, float, float]]:
    """Times where the sensor was strapped on anew or slipped: (last time of the old mounting s,
    first time of the new s, deg the flexion axis moved), from the flexion axis found in
    successive RESTRAP_WINDOW_S windows of swing (confirmed by the window after)."""
    w = across_gravity(s, np.zeros(3))
    w[np.einsum("ij,ij->i", w, w) <= MOVING_GYR ** 2] = 0.0
    starts = np.searchsorted(s.time, np.arange(s.time[0], s.time[-1], RESTRAP_WINDOW_S))
    starts = np.unique(starts)
    if len(starts) < 3:
        return []
    outer = np.add.reduceat(w[:, :, None] * w[:, None, :], starts, axis=0)  # (windows, 3, 3)
    count = np.add.reduceat((w != 0).any(axis=1).astype(int), starts)
    ends = np.append(starts[1:], len(s)) - 1
    axes = []
    for k in np.flatnonzero(count >= MIN_MOVING_S * s.rate_hz):
        evals, evecs = np.linalg.eigh(outer[k])
        if evals[-1] >= RESTRAP_PLANARITY * evals.sum():
            axes.append((float(s.time[starts[k]]), float(s.time[ends[k]]), evecs[:, -1]))
    changes = []
    ref = 0
    for k in range(1, len(axes) - 1):
        moved = np.degrees(np.arccos(min(1.0, abs(axes[k][2] @ axes[ref][2]))))
        agree = np.degrees(np.arccos(min(1.0, abs(axes[k][2] @ axes[k + 1][2]))))
        if moved > RESTRAP_DEG and agree < RESTRAP_AGREE_DEG:
            changes.append((axes[k - 1][1], axes[k][0], float(moved)))
            ref = k
        elif moved <= RESTRAP_DEG:
            ref = k
    return changes


@dataclass
class SegmentAngles:
    """Angles of one segment on its own clock: elevation and abduction in deg (NaN where not
    trusted: see `quality`)."""

    time: np.ndarray
    elevation: np.ndarray
    abduction: np.ndarray
    tilt_error: np.ndarray  # deg, accelerometer vs estimate at quasi-static samples (nan elsewhere)
    calibration: Calibration
    warnings: list[str] = field(default_factory=list)
    quality: np.ndarray | None = None  # per-sample flags (SATURATED | NO_FIX | MOUNT_CHANGE); 0 = trusted
    calibrations: list[tuple[float, Calibration]] = field(default_factory=list)  # (from s, its calibration)


def _run(s: SensorData, cal: Calibration, side: float, state: np.ndarray | None = None):
    return fusion.run(s.time, s.acc, s.gyr, cal.long_axis, cal.lateral_axis, cal.gyro_bias, side,
                      cal.lever_arm, state)


def _sub(s: SensorData, a: int, b: int) -> SensorData:
    return SensorData(s.time[a:b], s.acc[a:b], s.gyr[a:b], s.meta)


def _one_mounting(s: SensorData, name: str, calibration: Calibration | None,
                  standing: list[tuple[float, float]] | None, still: np.ndarray):
    """(calibration, elevation, abduction, tilt_error, since_fix) for a stretch of one mounting;
    `still`: its still_mask."""
    if calibration is None:
        cal, (elev, abd, tilt, since) = calibrate(s, name, side_of(name), standing, still)
        return cal, elev, abd, tilt, since
    # Axes carry over between sessions of one mounting; the gyro bias changes at every power-up.
    periods = still_periods(s, still)
    cal = calibration if not periods else replace(
        calibration, gyro_bias=s.gyr[periods[0][0]:periods[0][1]].mean(axis=0).tolist())
    elev, abd, tilt, since, _ = _run(s, cal, side_of(name))
    return cal, elev, abd, tilt, since


def segment_angles(s: SensorData, name: str, calibration: Calibration | None = None,
                   standing: list[tuple[float, float]] | None = None) -> SegmentAngles:
    """Calibrate (unless given; `standing` windows help find the reference) and run the fusion.

    A mounting change (re-strap, slip) splits the recording: each part is calibrated from its
    own data, and the samples between the change and the part's first standing moment are
    flagged MOUNT_CHANGE. Untrusted samples (any quality flag) are NaN.
    """
    if len(s) < 2:
        raise CalibrationError(f"sensor {name}: fewer than 2 samples")
    still = still_mask(s)
    at_rest = still.sum() >= 10
    rest = float(np.median(np.linalg.norm((s.acc[still] if at_rest else s.acc)[::10], axis=1)))
    if rest < 0.5 * G or (at_rest and rest > 2.0 * G):
        raise InputError(f"sensor {name}: |acc| at rest is {rest:.2f} m/s^2, expected about 9.81 (wrong "
                         f"units, or acceleration without gravity): no angle can be computed")
    changes = mounting_changes(s) if calibration is None else []
    bounds = [0] + [int(np.searchsorted(s.time, new)) for _, new, _ in changes] + [len(s)]
    quality = np.zeros(len(s), dtype=np.uint8)
    parts, warnings, cals = [], [], []
    for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        cal, elev, abd, tilt, since = _one_mounting(_sub(s, a, b), name, calibration, standing, still[a:b])
        parts.append((elev, abd, tilt, since))
        cals.append((float(s.time[a]), cal))
        warnings += cal.warnings
        if k > 0:
            old_end, new_start, moved = changes[k - 1]
            ready = cal.still_end_s if np.isfinite(cal.still_end_s) else s.time[b - 1]
            lo = int(np.searchsorted(s.time, old_end))
            hi = int(np.searchsorted(s.time, min(ready, new_start)))
            quality[lo:max(hi, a)] |= MOUNT_CHANGE
            warnings.append(f"sensor {name}: mounting changed between {old_end:.1f} and {new_start:.1f} s "
                            f"(flexion axis moved {moved:.0f} deg: re-strapped or slipped): recalibrated "
                            f"from {s.time[a]:.1f} s on; angles from {old_end:.1f} to {max(s.time[max(hi, a) - 1], old_end):.1f} s "
                            f"are not trusted")
    elev, abd, tilt, since = (np.concatenate(x) for x in zip(*parts))
    sat = saturated(s)
    if sat.any():
        quality[_dilate(sat, s, SATURATION_PAD_S)] |= SATURATED
    quality[since > NO_FIX_S] |= NO_FIX
    if (since > NO_FIX_S).any():
        i = int(np.argmax(since > NO_FIX_S))
        warnings.append(f"sensor {name}: no tilt correction from the accelerometer for over {NO_FIX_S:g} s "
                        f"(from {s.time[i] - NO_FIX_S:.1f} s): {int((since > NO_FIX_S).sum())} samples not trusted")
    bad = quality > 0
    elev, abd = np.where(bad, np.nan, elev), np.where(bad, np.nan, abd)
    warnings += saturation_warnings(s, name)
    return SegmentAngles(s.time, elev, abd, tilt, cals[0][1], warnings, quality, cals)


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
    sides = [side_label(n) for n in thighs]
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
