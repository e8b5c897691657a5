"""Holds, repetitions and strides from one segment's angle over time (pure functions).

Inputs: time `t` (s, increasing) and angles (deg) on that clock. Outputs: plain dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from imuhip.arrays import true_runs


@dataclass
class Hold:
    """A continuous period above a threshold angle (brief dips bridged)."""

    side: str
    start_s: float
    end_s: float
    duration_s: float
    mean_angle_deg: float
    min_angle_deg: float
    sd_deg: float
    threshold_deg: float
    dips_bridged: int
    drill: str = ""


@dataclass
class Rep:
    """One repetition: the peak, the time held near the top, rise and lower times."""

    side: str
    peak_time_s: float
    peak_angle_deg: float
    top_hold_s: float
    rise_s: float
    lower_s: float
    set_index: int
    drill: str = ""
    pelvis_tilt_deg: float | None = None  # A-skips with a pelvis sensor: most backward tilt near the peak


@dataclass
class Stride:
    """One stride of one leg: maximum extension to the next, with the flexion peak between."""

    side: str
    start_s: float
    end_s: float
    duration_s: float
    peak_time_s: float
    peak_flexion_deg: float
    peak_extension_deg: float
    range_deg: float
    peak_adduction_deg: float
    drill: str = ""


def _crossing(t: np.ndarray, x: np.ndarray, i: int, level: float) -> float:
    """Time where x crosses `level` between samples i-1 and i (linear interpolation)."""
    if i <= 0 or i >= len(t) or x[i] == x[i - 1]:
        return float(t[min(max(i, 0), len(t) - 1)])
    f = (level - x[i - 1]) / (x[i] - x[i - 1])
    return float(t[i - 1] + np.clip(f, 0.0, 1.0) * (t[i] - t[i - 1]))


def find_holds(t: np.ndarray, angle: np.ndarray, side: str, threshold: float = 90.0,
               min_duration: float = 1.0, max_dip_s: float = 0.3, hysteresis: float = 3.0) -> list[Hold]:
    """Periods with `angle` >= `threshold` lasting at least `min_duration` s.

    A dip below the threshold is bridged when it lasts at most `max_dip_s` and stays above
    `threshold - hysteresis`; bridged dips are counted in `dips_bridged`. Start and end are
    the interpolated threshold crossings.
    """
    ok = np.nan_to_num(angle, nan=-1e9) >= threshold
    runs = true_runs(ok)
    merged: list[list[int]] = []
    for a, b in runs:
        if merged:
            _pa, pb = merged[-1][0], merged[-1][1]
            gap = slice(pb, a)
            if t[a] - t[pb - 1] <= max_dip_s and np.min(angle[gap]) >= threshold - hysteresis:
                merged[-1][1] = b
                merged[-1][2] += 1
                continue
        merged.append([a, b, 0])
    holds = []
    for a, b, dips in merged:
        start = _crossing(t, angle, a, threshold)
        end = _crossing(t, angle, b, threshold) if b < len(t) else float(t[-1])
        if end - start < min_duration:
            continue
        seg = angle[a:b]
        holds.append(Hold(side, start, end, end - start, float(np.mean(seg)), float(np.min(seg)),
                          float(np.std(seg)), threshold, dips))
    return holds


def find_reps(t: np.ndarray, angle: np.ndarray, side: str, prominence: float = 15.0,
              top_tolerance: float = 3.0, set_gap_factor: float = 1.8) -> list[Rep]:
    """Repetitions as angle peaks of at least `prominence` deg.

    top_hold_s: continuous time within `top_tolerance` deg of the peak around it. rise_s and
    lower_s: from 10 % to 90 % of the way from the preceding (to the following) trough. A new
    set starts where the time between peaks exceeds `set_gap_factor` x the median.
    """
    x = np.nan_to_num(angle, nan=np.nanmin(angle) if np.isfinite(angle).any() else 0.0)
    if len(t) < 3:
        return []
    rate = 1.0 / float(np.median(np.diff(t)))
    peaks, props = find_peaks(x, prominence=prominence, distance=max(1, int(0.3 * rate)))
    reps = []
    gaps = np.diff(t[peaks])
    median_gap = float(np.median(gaps)) if gaps.size else 0.0
    set_index = 0
    for k, p in enumerate(peaks):
        if k and gaps[k - 1] > set_gap_factor * median_gap:
            set_index += 1
        lo, hi = int(props["left_bases"][k]), int(props["right_bases"][k])
        level = x[p] - top_tolerance  # the top lies between the bases (prominence > tolerance)
        below = np.flatnonzero(x[lo:hi + 1] < level) + lo
        a = int(below[below < p][-1]) + 1 if (below < p).any() else lo
        b = int(below[below > p][0]) - 1 if (below > p).any() else hi
        top = _crossing(t, x, b + 1, level) - _crossing(t, x, a, level)
        rise = _transit(t, x, lo, p)
        lower = _transit(t, x, p, hi)
        reps.append(Rep(side, float(t[p]), float(x[p]), float(top), rise, lower, set_index))
    return reps


def _transit(t: np.ndarray, x: np.ndarray, a: int, b: int) -> float:
    """Time between 10 % and 90 % of the way from x[a] to x[b] (monotone enough)."""
    if b <= a:
        return 0.0
    seg, ts = x[a:b + 1], t[a:b + 1]
    lo, hi = x[a] + 0.1 * (x[b] - x[a]), x[a] + 0.9 * (x[b] - x[a])
    rising = x[b] > x[a]
    i1 = np.argmax(seg >= lo) if rising else np.argmax(seg <= lo)
    i2 = np.argmax(seg >= hi) if rising else np.argmax(seg <= hi)
    return float(ts[i2] - ts[i1])


def find_strides(t: np.ndarray, elevation: np.ndarray, abduction: np.ndarray, side: str,
                 min_range: float = 15.0, max_stride_s: float = 2.0) -> list[Stride]:
    """Strides between consecutive maximum-extension troughs of the elevation.

    A stride needs a flexion peak at least `min_range` deg above both troughs and lasts at
    most `max_stride_s`. Peak adduction is the largest adduction (-abduction) in the stride.
    """
    x = np.nan_to_num(elevation)
    if len(t) < 3:
        return []
    rate = 1.0 / float(np.median(np.diff(t)))
    troughs, _ = find_peaks(-x, prominence=min_range, distance=max(1, int(0.25 * rate)))
    strides = []
    for a, b in zip(troughs[:-1], troughs[1:]):
        dur = float(t[b] - t[a])
        if dur > max_stride_s:
            continue
        p = a + int(np.argmax(x[a:b + 1]))
        if x[p] - max(x[a], x[b]) < min_range:
            continue
        strides.append(Stride(side, float(t[a]), float(t[b]), dur, float(t[p]), float(x[p]),
                              float(min(x[a], x[b])), float(x[p] - min(x[a], x[b])),
                              float(-np.nanmin(abduction[a:b + 1]))))
    return strides
