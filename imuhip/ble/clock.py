"""Device clock to session clock, and lost-packet detection, for one streaming sensor.

Each notification carries a device timestamp; the host sees it arrive later by a variable
delay (radio, OS) that is never negative. `ClockSync` keeps the lower envelope of
(host receive time - device time) and fits offset and drift to it, so the session time of a
sample is `device_time * (1 + drift) + offset`. Sequence numbers (or, without them, device
time jumps) reveal lost notifications, reported as gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

WINDOW_S = 2.0  # host time per envelope bucket


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
        if best is None or delay < best[0]:
            self._buckets[key] = (delay, device_s)
            self._fit = None

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

    def to_session(self, device_s: np.ndarray) -> np.ndarray:
        offset, drift = self.offset_drift()
        return np.asarray(device_s) * (1.0 + drift) + offset


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
