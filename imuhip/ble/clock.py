"""Device clock to session clock, and lost-packet detection, for one streaming sensor.

Each notification carries a device timestamp; the host sees it arrive later by a variable
delay (radio, OS) that is never negative. `ClockSync` keeps the lower envelope of
(host receive time - device time) over the last few minutes and fits offset and drift to it.
`SessionClock` maps device time to session time with that fit without ever jumping: it starts
at the first packet's offset and, every couple of seconds, steers its rate so that it meets the
fitted line a few seconds later (a continuous, monotonic, piecewise-linear mapping). Sequence
numbers (or, without them, device time jumps) reveal lost notifications, reported as gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

WINDOW_S = 2.0  # host time per envelope bucket
KEEP_BUCKETS = 150  # the fit follows the last 5 minutes (a crystal's drift moves with temperature)
SUPPORT_S = 20.0  # host time the fit needs before the mapping is steered by it
STEER_S = 5.0  # device time over which the mapping converges onto the fitted line
MAX_DRIFT = 5e-3  # beyond +-5000 ppm a clock is broken (or simulated faster than real time): not steered


@dataclass
class ClockSync:
    """Online offset and drift between a device clock and the host clock (both in s)."""

    _buckets: dict = field(default_factory=dict)  # bucket index -> (min delay, device time)
    _fit: tuple[float, float] | None = None

    def observe(self, device_s: float, host_s: float) -> None:
        """One notification: the device time of its LAST sample and when the host received it."""
        key = int(host_s // WINDOW_S)
        delay = host_s - device_s
        best = self._buckets.get(key)
        if best is None and len(self._buckets) >= KEEP_BUCKETS:
            for old in [k for k in self._buckets if k <= key - KEEP_BUCKETS]:
                del self._buckets[old]
        if best is None or delay < best[0]:
            self._buckets[key] = (delay, device_s)
            self._fit = None

    def support_s(self) -> float:
        """Host time spanned by the envelope the fit uses."""
        return (max(self._buckets) - min(self._buckets)) * WINDOW_S if self._buckets else 0.0

    def offset_drift(self) -> tuple[float, float]:
        """(offset s, drift ratio): least squares over the per-bucket minimum delays."""
        if self._fit is None:
            pts = np.array(list(self._buckets.values()))
            if len(pts) == 0:
                return 0.0, 0.0
            if len(pts) < 3:
                self._fit = (float(pts[:, 0].min()), 0.0)
            else:
                slope, intercept = np.polyfit(pts[:, 1], pts[:, 0], 1)
                self._fit = (float(intercept), float(slope))
        return self._fit



@dataclass
class SessionClock:
    """Device time (s) to session time (s) for one sensor, drift-corrected, never jumping."""

    sync: ClockSync = field(default_factory=ClockSync)
    anchor: tuple[float, float] | None = None  # (device s, session s) where the current piece starts
    rate: float = 1.0  # session seconds per device second on the current piece

    def to_session(self, device_s: np.ndarray, host_s: float) -> np.ndarray:
        """Session times of one notification's samples, received at `host_s`."""
        d = float(device_s[-1])
        self.sync.observe(d, host_s)
        if self.anchor is None:
            self.anchor = (d, host_s)
        elif d - self.anchor[0] >= WINDOW_S and self.sync.support_s() >= SUPPORT_S:
            offset, drift = self.sync.offset_drift()
            if abs(drift) <= MAX_DRIFT:  # a new piece from this packet's first sample: no step inside it
                d0 = float(device_s[0])
                now = self._map(d0)
                target = (d0 + STEER_S) * (1.0 + drift) + offset
                self.rate = float(np.clip((target - now) / STEER_S, 1 - 2 * MAX_DRIFT, 1 + 2 * MAX_DRIFT))
                self.anchor = (d0, now)
        return self._map(np.asarray(device_s, dtype=np.float64))

    def _map(self, device_s):
        return self.anchor[1] + (device_s - self.anchor[0]) * self.rate


@dataclass
class GapDetector:
    """Lost notifications from a wrapping sequence counter; yields (first missing seq, count)."""

    modulus: int = 2**16
    _last: int | None = None

    def feed(self, seq: int) -> tuple[int, int] | None:
        last, self._last = self._last, seq
        if last is None:
            return None
        step = (seq - last) % self.modulus
        if step == 1:
            return None
        if step == 0:
            return (seq, 0)  # a repeated notification
        return ((last + 1) % self.modulus, step - 1)


def unwrap_us(t_us: int, previous: int | None, modulus: int = 2**32) -> int:
    """A wrapping microsecond counter made monotonic, given the previous unwrapped value."""
    if previous is None:
        return t_us
    base = previous - previous % modulus
    value = base + t_us
    if value < previous - modulus // 2:
        value += modulus
    return value
