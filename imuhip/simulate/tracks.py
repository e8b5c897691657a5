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
        """Sway (deg or m) at sorted times `t` (s): zero outside [start, end)."""
        out = np.zeros(t.shape)
        self.add_to(t, out)
        return out

    def add_to(self, t: np.ndarray, out: np.ndarray) -> None:
        """Add the sway at sorted times `t` (s) to `out`, touching only [start, end)."""
        lo, hi = np.searchsorted(t, [self.start, self.end])
        if hi <= lo:
            return
        inside = slice(lo, hi)
        ti = t[inside]
        fade = min(self.fade, (self.end - self.start) / 2.0)
        window = min_jerk((ti - self.start) / fade) * min_jerk((self.end - ti) / fade)
        waves = np.sin(2 * np.pi * self.freqs[:, None] * ti[None, :] + self.phases[:, None]).sum(axis=0)
        out[inside] += self.amplitude * window * waves / np.sqrt(len(self.freqs) / 2.0)


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
        for s in self._sway:
            s.add_to(ts, vals)
        if order is not None:
            out[order] = vals
        return out


class _Additive:
    """An additive channel that is zero (or constant) outside its own span: `add_to` adds it."""

    def add_to(self, t: np.ndarray, out: np.ndarray) -> None:
        out += self(t)


@dataclass
class Steps(_Additive):
    """Additive min-jerk steps: `sizes[k]` (deg) reached over `durations[k]` s from `starts[k]`.

    Steps must not overlap. Cost O(N log K) for N times and K steps.
    """

    starts: np.ndarray
    sizes: np.ndarray
    durations: np.ndarray

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Sum of the steps begun before each of the sorted times `t` (s); work only within
        the steps' own span (linear in the session's length)."""
        out = np.zeros(t.shape)
        if len(self.starts) == 0:
            return out
        lo, hi = np.searchsorted(t, [self.starts[0], self.starts[-1] + self.durations[-1]])
        out[hi:] = self.sizes.sum()
        ti = t[lo:hi]
        done = np.concatenate([[0.0], np.cumsum(self.sizes)])
        k = np.clip(np.searchsorted(self.starts, ti, side="right") - 1, 0, len(self.starts) - 1)
        out[lo:hi] = done[k] + min_jerk((ti - self.starts[k]) / self.durations[k]) * self.sizes[k]
        return out


@dataclass
class Ramps(_Additive):
    """Additive piecewise-linear channel: slope `rates[k]` (deg/s) from `bounds[k]` to `bounds[k+1]`,
    joined smoothly (the slope changes over `blend` s), constant outside."""

    bounds: np.ndarray
    rates: np.ndarray
    blend: float = 1.0

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Integral of the blended slope from bounds[0] to each of the sorted times `t` (s);
        work only within the ramps' own span."""
        out = np.zeros(t.shape)
        lo, hi = np.searchsorted(t, [self.bounds[0] - self.blend, self.bounds[-1] + self.blend])
        ti = t[lo:hi]
        changes = np.diff(np.concatenate([[0.0], self.rates, [0.0]]))
        for tb, dr in zip(self.bounds, changes):
            out[lo:hi] += dr * _smooth_ramp(ti - tb, self.blend)
        # After the last bound the slope is 0: the heading stays where the ramps left it.
        out[hi:] = sum(dr * (self.bounds[-1] + self.blend - tb) for tb, dr in zip(self.bounds, changes))
        return out


def _smooth_ramp(x: np.ndarray, blend: float) -> np.ndarray:
    """Integral of a min-jerk step of width `blend` (s) centred at 0: 0 before, x after."""
    u = np.clip(x / blend + 0.5, 0.0, 1.0)
    # integral of 10u^3 - 15u^4 + 6u^5 du, times blend
    inner = blend * u ** 4 * (2.5 - 3.0 * u + u * u)
    return np.where(x / blend + 0.5 >= 1.0, x, inner)


@dataclass
class Dips(_Additive):
    """Additive dips: -depth[k] * sin^2 over each [starts[k], starts[k] + durations[k]], else 0
    (on a speed factor of 1: the slow-down into and out of a turn)."""

    starts: np.ndarray
    durations: np.ndarray
    depth: np.ndarray  # per dip, share of the speed lost at its apex

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Dip (-depth..0) at the sorted times `t` (s); work only within the dips' own span."""
        out = np.zeros(t.shape)
        if len(self.starts) == 0:
            return out
        lo, hi = np.searchsorted(t, [self.starts[0], self.starts[-1] + self.durations[-1]])
        ti = t[lo:hi]
        k = np.clip(np.searchsorted(self.starts, ti, side="right") - 1, 0, len(self.starts) - 1)
        x = (ti - self.starts[k]) / self.durations[k]
        inside = (x >= 0) & (x <= 1)
        part = out[lo:hi]
        part[inside] -= np.asarray(self.depth)[k[inside]] * np.sin(np.pi * x[inside]) ** 2
        return out
