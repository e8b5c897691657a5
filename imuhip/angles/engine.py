"""Segment angles from a Recording: batch (`segment_angles`, `angles_table`) and streaming.

Both run the same causal kernel (`fusion.fuse`); the streaming form keeps its state
between chunks, so it matches the batch result given the same calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.ndimage import binary_dilation

from imuhip.angles import fusion
from imuhip.angles.calibration import (MIN_MOVING_S, MOVING_GYR, Calibration, across_gravity, calibrate,
                                       coarse, still_mask, still_periods)
from imuhip.arrays import true_runs
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
RESTRAP_DEG = 8.0  # the flexion axis moving this far between windows is a new mounting
RESTRAP_AGREE_DEG = 4.0  # ... when the next window confirms the new axis within this (a window
#                          holds it to about 2 deg)
RESTRAP_PLANARITY = 0.8  # windows whose swing is less planar than this say nothing
RESTRAP_JUMP_DEG = 3.0  # gravity turning this far from one sample to the next splits a still moment
RESTRAP_STILL_DEG = 10.0  # a still moment's gravity this close to across a mounting's flexion axis fits it


def side_of(name: str) -> float:
    """+1 for left segments (and unsided ones), -1 for right: the abduction sign."""
    return -1.0 if name.startswith("right") else 1.0


def saturation(s: SensorData, name: str) -> tuple[np.ndarray, list[str]]:
    """Samples (bool) at a flat top of the accelerometer or gyroscope range (three or more
    consecutive samples at the channel's extreme value; every sample of a channel that never
    changes: a stuck sensor), and a warning per clipped or stuck sensor."""
    out = np.zeros(len(s), dtype=bool)
    warnings = []
    if len(s) < 3:
        return out, warnings
    for label, data, unit in (("accelerometer", s.acc, "m/s^2"), ("gyroscope", s.gyr, "rad/s")):
        if np.array_equal(data[0], data[-1]) and (data == data[0]).all():
            out[:] = True
            warnings.append(f"sensor {name}: the {label} reads ({', '.join(f'{v:.4g}' for v in data[0])}) {unit} on "
                            f"all {len(s)} samples: a stuck sensor or made-up data, nothing measured (angles NaN)")
            continue
        flat_view = data.reshape(-1)  # whole-array extremes: much faster than per column
        peak = float(max(flat_view.max(), -flat_view.min()))
        if peak == 0:
            continue
        edge = peak * (1 - 1e-9)
        hits = (data >= edge) | (data <= -edge)
        at_peak = hits[:, 0] | hits[:, 1] | hits[:, 2]
        flat = at_peak[:-2] & at_peak[1:-1] & at_peak[2:]
        if flat.any():
            out |= at_peak
            i = int(np.argmax(flat))
            warnings.append(f"sensor {name}: {label} saturates at {peak:.1f} {unit} ({int(at_peak.sum())} samples, "
                            f"first at {s.time[i]:.2f} s): angles within {SATURATION_PAD_S:g} s of it are not "
                            f"trusted (NaN)")
    return out, warnings


def _dilate(mask: np.ndarray, s: SensorData, pad_s: float) -> np.ndarray:
    """`mask` widened by `pad_s` (s) on each side."""
    n = int(round(pad_s * s.rate_hz))
    return binary_dilation(mask, np.ones(2 * n + 1, dtype=bool)) if n >= 1 and mask.any() else mask


def mounting_changes(s: SensorData) -> list[tuple[float, float, float]]:
    """Times where the sensor was strapped on anew or slipped: (last time of the old mounting s,
    first time of the new s, deg the flexion axis moved), from the flexion axis found in
    successive RESTRAP_WINDOW_S windows of swing (confirmed by the window after)."""
    s = coarse(s)
    w = across_gravity(s, np.zeros(3))
    w[np.einsum("ij,ij->i", w, w) <= MOVING_GYR ** 2] = 0.0
    starts = np.searchsorted(s.time, np.arange(s.time[0], s.time[-1], RESTRAP_WINDOW_S))
    starts = np.unique(starts)
    if len(starts) < 3:
        return []
    i, j = np.triu_indices(3)
    sums = np.add.reduceat(w[:, i] * w[:, j], starts, axis=0)  # (windows, 6): the sums of w w^T
    outer = np.empty((len(starts), 3, 3))
    outer[:, i, j] = sums
    outer[:, j, i] = sums
    count = np.add.reduceat((w[:, 0] != 0) | (w[:, 1] != 0) | (w[:, 2] != 0), starts)
    ends = np.append(starts[1:], len(s)) - 1
    axes = []
    for k in np.flatnonzero(count >= MIN_MOVING_S * s.rate_hz):
        evals, evecs = np.linalg.eigh(outer[k])
        if evals[-1] >= RESTRAP_PLANARITY * evals.sum():
            axes.append((float(s.time[starts[k]]), float(s.time[ends[k]]), evecs[:, -1]))
    changes = []
    ref = 0  # the last window seen through the current mounting
    for k in range(1, len(axes) - 1):
        moved = _axis_deg(axes[k][2], axes[ref][2])
        if moved <= RESTRAP_DEG:
            ref = k
        elif _axis_deg(axes[k][2], axes[k + 1][2]) < RESTRAP_AGREE_DEG:
            # Windows between ref and k mixed both mountings: the change lies in that gap.
            old_end, new_start = _narrow(s, axes[ref][1], axes[k][0], axes[ref][2], axes[k][2])
            changes.append((old_end, new_start, moved))
            ref = k
    return changes


def _axis_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg) between two axes, either way round."""
    return float(np.degrees(np.arccos(min(1.0, abs(float(a @ b))))))


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


def _narrow(s: SensorData, old_end: float, new_start: float, z_old: np.ndarray, z_new: np.ndarray):
    """The gap (old_end, new_start) s of a mounting change, narrowed by the still moments in it:
    in any sagittal posture gravity lies across the flexion axis, so a still moment tells which
    mounting it was seen through (the last under the old, the first under the new)."""
    still = still_mask(s)
    # A still moment is split where gravity jumps (the sensor turned in its strap).
    u = s.acc / np.linalg.norm(s.acc, axis=1, keepdims=True)
    still[1:] &= np.einsum("ij,ij->i", u[1:], u[:-1]) > np.cos(np.radians(RESTRAP_JUMP_DEG))
    lo, hi = np.searchsorted(s.time, [old_end, new_start])
    across = np.sin(np.radians(RESTRAP_STILL_DEG))
    first_new = last_old = None
    for a, b in true_runs(still[lo:hi]):
        a, b = a + lo, b + lo
        g = s.acc[a:b].mean(axis=0)
        g /= np.linalg.norm(g)
        off_old, off_new = abs(g @ z_old), abs(g @ z_new)
        on_old, on_new = off_old < min(across, off_new), off_new < min(across, off_old)
        if on_new and not on_old and first_new is None:
            first_new = float(s.time[a])
        if on_old and not on_new and first_new is None:
            last_old = float(s.time[b - 1])
    return (last_old if last_old is not None else old_end), (first_new if first_new is not None else new_start)


def _sub(s: SensorData, a: int, b: int) -> SensorData:
    if a == 0 and b == len(s):
        return s
    return SensorData(s.time[a:b], s.acc[a:b], s.gyr[a:b], s.meta)


def _one_mounting(s: SensorData, name: str, calibration: Calibration | None,
                  standing: list[tuple[float, float]] | None, still: np.ndarray, bias=None):
    """(calibration, elevation, abduction, tilt_error, since_fix) for a stretch of one mounting;
    `still`: its still_mask; `bias`: the gyro bias carried over from the mounting before."""
    if calibration is None:
        cal, (elev, abd, tilt, since) = calibrate(s, name, side_of(name), standing, still, bias)
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
        cal, elev, abd, tilt, since = _one_mounting(_sub(s, a, b), name, calibration, standing, still[a:b],
                                                    cals[-1][1].gyro_bias if cals else None)
        parts.append((elev, abd, tilt, since))
        cals.append((float(s.time[a]), cal))
        warnings += cal.warnings
        if k > 0:
            old_end, new_start, moved = changes[k - 1]
            ready = cal.still_end_s if np.isfinite(cal.still_end_s) else s.time[b - 1]
            lo = int(np.searchsorted(s.time, old_end))
            hi = int(np.searchsorted(s.time, min(ready, new_start)))
            quality[lo:max(hi, a)] |= MOUNT_CHANGE
            when = (f"at {new_start:.1f} s" if new_start - old_end < 1.0
                    else f"between {old_end:.1f} and {new_start:.1f} s")
            untrusted = s.time[max(hi, a) - 1] - old_end
            warnings.append(f"sensor {name}: mounting changed {when} (flexion axis moved {moved:.0f} deg: "
                            f"re-strapped or slipped): recalibrated from {s.time[a]:.1f} s on"
                            + (f"; angles from {old_end:.1f} to {old_end + untrusted:.1f} s are not trusted"
                               if untrusted >= 1.0 else ""))
    elev, abd, tilt, since = (np.concatenate(x) for x in zip(*parts))
    sat, clipped = saturation(s, name)
    if sat.any():
        quality[_dilate(sat, s, SATURATION_PAD_S)] |= SATURATED
    quality[since > NO_FIX_S] |= NO_FIX
    if (since > NO_FIX_S).any():
        i = int(np.argmax(since > NO_FIX_S))
        warnings.append(f"sensor {name}: no tilt correction from the accelerometer for over {NO_FIX_S:g} s "
                        f"(from {s.time[i] - NO_FIX_S:.1f} s): {int((since > NO_FIX_S).sum())} samples not trusted")
    bad = quality > 0
    elev, abd = np.where(bad, np.nan, elev), np.where(bad, np.nan, abd)
    warnings += clipped
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
