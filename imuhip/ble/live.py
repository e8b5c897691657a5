"""The live view of streaming sensors: per thigh its angle, a hold timer and a rep count; a pelvis
shows its tilt. `render` lays them out as a small block of lines that fits the terminal's width, and
`Screen` redraws that block in place (log lines go above it).

The angle is the thigh elevation (deg, signed, flexion positive) from the streaming angle engine,
the same estimator as the offline analysis, once the sensor's axes are known: from a saved
calibration (`imuhip angles --save-calibration`, same strapping), or found live from the first
minute of data as soon as it holds a still moment and a few knee lifts (the same `calibrate` as
the offline analysis). Until then it is the tilt from vertical (deg, unsigned) of the low-passed
accelerometer against the first second, which must be quiet standing. The hold timer follows
the offline hold rule: time at or above the threshold, a dip bridged when it lasts at most
`max_dip_s` and stays within `hysteresis` deg of the threshold.
"""

from __future__ import annotations

import shutil
import sys

import numpy as np
from scipy.signal import lfilter

from imuhip.angles import Calibration
from imuhip.angles.calibration import calibrate
from imuhip.angles.engine import StreamingAngles, side_of
from imuhip.errors import ImuhipError
from imuhip.recording import SensorData

REFERENCE_S = 1.0  # without a calibration: the first second is the standing reference
REP_UP_DEG, REP_DOWN_DEG = 45.0, 30.0  # a rep: up past 45 deg, then back below 30
TILT_TAU_S = 0.06  # low-pass of the accelerometer for the tilt (steps and swings are not tilt)
AUTO_EVERY_S, AUTO_UNTIL_S = 2.0, 60.0  # try to find the axes every 2 s of data, over the first minute


def warm_up() -> None:
    """Load the angle engine's compiled kernel now (about 0.2 s), not on a live notification."""
    t = np.arange(20) / 100.0
    StreamingAngles(Calibration([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]), "left_thigh").update(
        t, np.tile([0.0, 9.81, 0.0], (20, 1)), np.zeros((20, 3)))


class LiveAngle:
    """`on_calibrated(calibration, seconds of data it took)` is called when the axes are found live."""

    def __init__(self, name: str, rate_hz: float, threshold_deg: float = 90.0,
                 calibration: Calibration | None = None, max_dip_s: float = 0.3, hysteresis_deg: float = 3.0,
                 on_calibrated=None):
        self.name, self.on_calibrated = name, on_calibrated
        self.threshold, self.max_dip_s, self.hysteresis = threshold_deg, max_dip_s, hysteresis_deg
        self.kind = "elevation" if calibration is not None else "tilt"
        self.calibration = calibration
        self._engine = StreamingAngles(calibration, name) if calibration is not None else None
        # data kept to find a thigh's axes live (a pelvis shows its tilt: it has no knee lifts to find them by)
        self._first: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = [] if name != "pelvis" else None
        self._next_try_s = AUTO_EVERY_S
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
        if self._engine is None and self._first is not None:
            self._find_axes(t, acc, gyr)
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

    def _find_axes(self, t, acc, gyr) -> None:
        """Keep the first minute; every 2 s of it, try to find the axes (a still moment and enough
        flexion movement) on what came before this packet; once found, warm the engine up on that
        data and use it from this packet on."""
        span = float(t[-1] - self._first[0][0][0]) if self._first else 0.0
        if span >= self._next_try_s:
            self._next_try_s = span + AUTO_EVERY_S
            data = SensorData(*(np.concatenate(parts) for parts in zip(*self._first)))
            try:
                calibration, _ = calibrate(data, self.name, side_of(self.name))
            except ImuhipError:
                calibration = None
            if calibration is not None and np.isfinite(calibration.planarity):
                self.calibration, self.kind = calibration, "elevation"
                self._engine = StreamingAngles(calibration, self.name)
                self._engine.update(data.time, data.acc, data.gyr)
                self._first = None
                if self.on_calibrated:
                    self.on_calibrated(calibration, span)
                return
        if span >= AUTO_UNTIL_S:
            self._first = None  # no still moment and knee lifts in the first minute: stay on the tilt
        else:
            self._first.append((t, acc, gyr))


BAR = 20  # characters of the angle bar at most (it shrinks to fit the width)
BAR_MAX_DEG = 120.0  # the bar's full scale
NAMES = {"left_thigh": "left thigh", "right_thigh": "right thigh", "pelvis": "pelvis"}


def _bar(angle_deg: float, threshold_deg: float, n: int) -> str:
    """`n` characters: filled up to the angle (0..BAR_MAX_DEG deg), '|' marks the threshold."""
    filled = int(round(np.clip(angle_deg, 0.0, BAR_MAX_DEG) / BAR_MAX_DEG * n))
    mark = min(n - 1, int(threshold_deg / BAR_MAX_DEG * n))
    return "".join("#" if i < filled else "|" if i == mark else "." for i in range(n))


def sensor_line(name: str, live: LiveAngle, loss_pct: float, battery_pct: int | None, target_s: float,
                width: int) -> str:
    """One sensor's line, at most `width` characters.

    A thigh: angle (deg) and bar, the hold timer against `target_s` ("HOLD 10.8 / 30 s" while held,
    else the best hold), reps, loss (%) and battery (%, where the sensor gives it). A pelvis: its tilt.
    The bar shrinks, then goes, and the line is cut at `width` (never wrapped).
    """
    label = f"{NAMES.get(name, name):<11} "
    if not np.isfinite(live.angle_deg):
        angle = "waiting for data"
    elif name == "pelvis" or live.kind == "tilt":
        angle = f"tilt {live.angle_deg:5.1f}°"
    else:
        angle = f"elev {live.angle_deg:5.1f}°"
    tail = f"  loss {loss_pct:.1f}%" + (f"  battery {battery_pct}%" if battery_pct is not None else "")
    if name == "pelvis":
        return (label + angle + tail)[:width]
    if live.hold_start is not None:
        hold = f"HOLD {live.hold_s:4.1f} / {target_s:g} s"
    else:
        hold = f"best {live.best_hold_s:4.1f} / {target_s:g} s"
    reps = f"  reps {live.reps}"
    room = width - len(label + angle + " " + hold + reps + tail) - 3  # the bar's brackets and space
    bar = f" [{_bar(live.angle_deg, live.threshold, min(BAR, room))}]" if room >= 4 and np.isfinite(
        live.angle_deg) else ""
    line = label + angle + bar + " " + hold + reps + tail
    return line[:width]


def render(states, session_s: float, out: str, target_s: float, width: int) -> list[str]:
    """The live block: a header line, a hint while a thigh is on its tilt, and a line per sensor.

    `states` are the recorder's sensor states (location, live, packets, lost_packets, battery_pct).
    """
    lines = [f"recording {session_s:6.1f} s to {out}  (Ctrl-C stops)"[:width]]
    if any(st.live.kind == "tilt" and st.location != "pelvis" for st in states):
        lines.append("tilt until the axes are found: stand still, then lift each knee a few times"[:width])
    for st in states:
        sent = st.packets + st.lost_packets
        loss = 100.0 * st.lost_packets / sent if sent else 0.0
        lines.append(sensor_line(st.location, st.live, loss, st.battery_pct, target_s, width))
    return lines


class Screen:
    """A block of lines redrawn in place on a terminal; `log` prints a line above it."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.lines: list[str] = []
        self._drawn = 0

    @staticmethod
    def width() -> int:
        """Usable columns: one less than the terminal's, so no line wraps."""
        return max(20, shutil.get_terminal_size((80, 24)).columns - 1)

    def _clear(self) -> str:
        return f"\033[{self._drawn}F\033[J" if self._drawn else ""

    def draw(self, lines: list[str]) -> None:
        self.lines = lines
        self.stream.write(self._clear() + "".join(line + "\n" for line in lines))
        self.stream.flush()
        self._drawn = len(lines)

    def typed(self) -> None:
        """A line the user typed (echoed below the block): cleared with it on the next draw."""
        self._drawn += 1 if self._drawn else 0

    def log(self, message: str) -> None:
        self.stream.write(self._clear() + message + "\n")
        self._drawn = 0
        self.draw(self.lines)
