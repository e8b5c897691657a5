"""Smooth trajectories as functions of time: keyframes, gait cycles, sway.

A `Track` is one scalar channel (an angle in deg or a position in m) defined piecewise:
min-jerk transitions between keyframes, cyclic segments for gait, plus additive sway.
It is evaluated at any times, so the IMU model can differentiate it exactly where the
sensor samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def min_jerk(x: np.ndarray) -> np.ndarray:
    """Min-jerk profile 10x^3 - 15x^4 + 6x^5 on [0, 1] (clipped outside)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (10.0 + x * (-15.0 + 6.0 * x))


@dataclass
class Cycles:
    """Periodic motion: trough (min) at each boundary, one peak (max) inside each cycle.

    `bounds` (n+1,) s, `troughs` (n+1,) and `peaks` (n,) values, `peak_phase` the fraction
    of the cycle at which the peak falls. Half-cosine rise and fall: continuous value and
    first derivative at troughs and peaks.
    """

    bounds: np.ndarray
    troughs: np.ndarray
    peaks: np.ndarray
    peak_phase: float = 0.5

    def __call__(self, t: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(self.bounds, t, side="right") - 1, 0, len(self.peaks) - 1)
        t0, t1 = self.bounds[i], self.bounds[i + 1]
        phase = np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
        p = self.peak_phase
        rising = phase < p
        x = np.where(rising, phase / p, (phase - p) / (1.0 - p))
        lo = np.where(rising, self.troughs[i], self.troughs[i + 1])
        up = (1.0 - np.cos(np.pi * x)) / 2.0
        shape = np.where(rising, up, 1.0 - up)
        return lo + (self.peaks[i] - lo) * shape

    def peak_times(self) -> np.ndarray:
        return self.bounds[:-1] + self.peak_phase * np.diff(self.bounds)


@dataclass
class Sway:
    """Additive quasi-random sway over [start, end): a sum of slow sines, faded in and out."""

    start: float
    end: float
    amplitude: float
    freqs: np.ndarray
    phases: np.ndarray
    fade: float = 0.5

    def __call__(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros(t.shape)
        inside = np.flatnonzero((t >= self.start) & (t < self.end))
        if inside.size == 0:
            return out
        ti = t[inside]
        fade = min(self.fade, (self.end - self.start) / 2.0)
        window = min_jerk((ti - self.start) / fade) * min_jerk((self.end - ti) / fade)
        waves = np.sin(2 * np.pi * self.freqs[:, None] * ti[None, :] + self.phases[:, None]).sum(axis=0)
        out[inside] = self.amplitude * window * waves / np.sqrt(len(self.freqs) / 2.0)
        return out


@dataclass
class Track:
    """One channel: keyframes joined by min-jerk moves, cyclic segments, additive sway."""

    value: float = 0.0
    _initial: float | None = None
    _segments: list = field(default_factory=list)  # (start, end, callable or (v0, v1))
    _sway: list = field(default_factory=list)
    _end: float = 0.0

    def __post_init__(self):
        self._initial = self.value

    def hold(self, until: float) -> None:
        """Keep the current value until time `until` (s)."""
        self.move(self.value, until)

    def move(self, target: float, until: float) -> None:
        """Min-jerk move from the current value to `target`, ending at `until` (s)."""
        if until > self._end:
            self._segments.append((self._end, until, (self.value, float(target))))
            self._end = until
        self.value = float(target)

    def cycles(self, cycles: Cycles) -> None:
        """Append a cyclic segment; it must start at this track's current time and value."""
        self._segments.append((float(cycles.bounds[0]), float(cycles.bounds[-1]), cycles))
        self._end = float(cycles.bounds[-1])
        self.value = float(cycles.troughs[-1])

    def sway(self, sway: Sway) -> None:
        self._sway.append(sway)

    @property
    def end(self) -> float:
        return self._end

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        out = np.where(t < 0.0, self._initial, self.value).astype(np.float64)
        order = None if np.all(np.diff(t) >= 0) else np.argsort(t)
        ts = t if order is None else t[order]
        vals = out if order is None else out[order]
        for start, end, seg in self._segments:
            lo, hi = np.searchsorted(ts, [start, end])
            if hi <= lo:
                continue
            ti = ts[lo:hi]
            if callable(seg):
                vals[lo:hi] = seg(ti)
            else:
                v0, v1 = seg
                vals[lo:hi] = v0 + (v1 - v0) * min_jerk((ti - start) / (end - start))
        if order is not None:
            out[order] = vals
        for s in self._sway:
            out += s(t)
        return out
