"""The live view of one streaming sensor: its angle, a hold timer and a rep count.

With a saved calibration (`imuhip angles --save-calibration`, same strapping) the angle is the
thigh elevation (deg, signed, flexion positive) from the streaming angle engine, the same
estimator as the offline analysis. Without one it is the tilt from vertical (deg, unsigned) of
the low-passed accelerometer against the first second of data, which must be quiet standing. The hold timer follows the
offline hold rule: time at or above the threshold, a dip bridged when it lasts at most
`max_dip_s` and stays within `hysteresis` deg of the threshold.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from imuhip.angles import Calibration
from imuhip.angles.engine import StreamingAngles

REFERENCE_S = 1.0  # without a calibration: the first second is the standing reference
REP_UP_DEG, REP_DOWN_DEG = 45.0, 30.0  # a rep: up past 45 deg, then back below 30
TILT_TAU_S = 0.06  # low-pass of the accelerometer for the tilt (steps and swings are not tilt)


class LiveAngle:
    def __init__(self, name: str, rate_hz: float, threshold_deg: float = 90.0,
                 calibration: Calibration | None = None, max_dip_s: float = 0.3, hysteresis_deg: float = 3.0):
        self.threshold, self.max_dip_s, self.hysteresis = threshold_deg, max_dip_s, hysteresis_deg
        self.kind = "elevation" if calibration is not None else "tilt"
        self._engine = StreamingAngles(calibration, name) if calibration is not None else None
        self._reference: list[np.ndarray] = []
        self._up: np.ndarray | None = None
        self._zi: np.ndarray | None = None
        self.set_rate(rate_hz)
        self.angle_deg = float("nan")
        self.reps = 0
        self.hold_start: float | None = None
        self.hold_s = self.best_hold_s = 0.0
        self._dip_start: float | None = None
        self._raised = False

    def set_rate(self, rate_hz: float) -> None:
        """The sensor's actual sample rate (Hz): the reference length and low-pass depend on it."""
        self._reference_n = int(REFERENCE_S * rate_hz)
        alpha = 1.0 - np.exp(-1.0 / (TILT_TAU_S * rate_hz))
        self._lowpass = ([alpha], [1.0, alpha - 1.0])

    def update(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> None:
        """One notification's samples: time (s), acc (m/s^2), gyro (rad/s)."""
        angles = self._angles(t, acc, gyr)
        for ti, a in zip(t.tolist(), angles.tolist()):
            self._step(ti, a)

    def _angles(self, t, acc, gyr) -> np.ndarray:
        if self._engine is not None:
            return self._engine.update(t, acc, gyr)[0]
        if self._up is None:
            self._reference.append(acc)
            if sum(len(a) for a in self._reference) >= self._reference_n:
                mean = np.concatenate(self._reference).mean(axis=0)
                self._up = mean / np.linalg.norm(mean)
                self._reference = []
            return np.empty(0)
        if self._zi is None:
            self._zi = acc[:1] * (1.0 - self._lowpass[0][0])  # start settled on the first sample
        smooth, self._zi = lfilter(*self._lowpass, acc, axis=0, zi=self._zi)
        unit = smooth / np.linalg.norm(smooth, axis=1, keepdims=True)
        return np.degrees(np.arccos(np.clip(unit @ self._up, -1.0, 1.0)))

    def _step(self, t: float, a: float) -> None:
        self.angle_deg = a
        if a >= REP_UP_DEG:
            self._raised = True
        elif a <= REP_DOWN_DEG and self._raised:
            self._raised = False
            self.reps += 1
        if a >= self.threshold:
            if self.hold_start is None:
                self.hold_start = t
            self._dip_start = None
            self.hold_s = t - self.hold_start
            self.best_hold_s = max(self.best_hold_s, self.hold_s)
        elif self.hold_start is not None:
            self._dip_start = t if self._dip_start is None else self._dip_start
            if a < self.threshold - self.hysteresis or t - self._dip_start > self.max_dip_s:
                self.hold_start = self._dip_start = None
                self.hold_s = 0.0
