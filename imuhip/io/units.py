"""Unit conversion at the edge, and plausibility checks that catch a wrong unit.

Thigh-worn sensors at rest read |acc| = g = 9.81 m/s^2; thigh angular rate stays below
about 20 rad/s (1150 deg/s) even in sprinting.
"""

from __future__ import annotations

import numpy as np

from imuhip.errors import InputError, NonFiniteError, OutOfRangeError, UnitError
from imuhip.io.streamcheck import check_stream

G = 9.80665  # standard gravity, m/s^2

ACC_UNITS = {"m/s^2": 1.0, "m/s2": 1.0, "g": G, "mg": G / 1000.0}
GYR_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180.0, "dps": np.pi / 180.0, "mdeg/s": np.pi / 180000.0}

#: A 99.9th-percentile |angular rate| above this (rad/s) is taken to be deg/s.
MAX_PLAUSIBLE_GYR = 25.0


def to_si(values: np.ndarray, unit: str, kind: str) -> np.ndarray:
    """Convert acceleration (`kind`='acc') to m/s^2 or angular rate ('gyr') to rad/s."""
    table = ACC_UNITS if kind == "acc" else GYR_UNITS
    if unit not in table:
        raise InputError(f"unknown {kind} unit {unit!r}; expected one of {', '.join(table)}")
    factor = table[unit]
    return values if factor == 1.0 else values * factor


def check_units(acc: np.ndarray, gyr: np.ndarray, where: str) -> None:
    """Raise UnitError when acc (m/s^2) or gyr (rad/s) look like they are in another unit."""
    if len(acc) >= 10:
        norm = float(np.median(np.linalg.norm(acc, axis=1)))
        if 0.5 <= norm <= 2.0:
            raise UnitError(f"{where}: median |acc| is {norm:.3f}: looks like g, expected m/s^2 "
                            f"(about 9.81 at rest); declare the unit (--acc-unit g)")
        if 500.0 <= norm <= 2000.0:
            raise UnitError(f"{where}: median |acc| is {norm:.1f}: looks like milli-g, expected m/s^2 "
                            f"(about 9.81 at rest); declare the unit (--acc-unit mg)")
        if norm < 0.5 or norm > 50.0:
            raise UnitError(f"{where}: median |acc| is {norm:.3f} m/s^2, expected about 9.81 at rest: "
                            f"not m/s^2 with gravity (raw counts, or linear acceleration without "
                            f"gravity, cannot give a thigh angle)")
    if len(gyr) >= 10:
        peak = float(np.percentile(np.linalg.norm(gyr, axis=1), 99.9))
        if peak > MAX_PLAUSIBLE_GYR:
            raise UnitError(f"{where}: angular rate reaches {peak:.0f} rad/s, impossible for a thigh: "
                            f"looks like deg/s, expected rad/s; declare the unit (--gyr-unit deg/s)")


#: Largest |acceleration| component (m/s^2) and |angular rate| component (rad/s) any reader
#: accepts: about 200 g and 5700 deg/s, beyond the range of every body-worn IMU.
MAX_ABS_ACC = 2000.0
MAX_ABS_GYR = 100.0
#: Fewest samples a sensor needs (a rate, an interval, an angle all need two).
MIN_SAMPLES = 2


def check_range(acc: np.ndarray, gyr: np.ndarray, time: np.ndarray, path: str, sensor: str) -> None:
    """OutOfRangeError at the first sample no IMU can measure (acc m/s^2, gyr rad/s, time s)."""
    for values, limit, what, unit in ((acc, MAX_ABS_ACC, "acc", "m/s^2"), (gyr, MAX_ABS_GYR, "gyr", "rad/s")):
        over = np.abs(values) > limit
        if over.any():
            i = int(np.flatnonzero(over.any(axis=1))[0])
            k = int(np.flatnonzero(over[i])[0])
            raise OutOfRangeError(f"sensor {sensor}: {what}_{'xyz'[k]} is {float(values[i, k]):.6g} {unit} at "
                                  f"{float(time[i]):.6g} s ({int(over.any(axis=1).sum())} such sample(s)): beyond "
                                  f"any IMU's range (|{what}| <= {limit:g} {unit})", path)


def sensor_data(path, sensor: str, time, acc, gyr, meta: dict[str, str], check: bool = True):
    """The checked `SensorData` of one sensor a reader has read: at least MIN_SAMPLES samples, every
    value finite, time strictly increasing, values within an IMU's range, one sensor's (`check_stream`)
    and (unless `check` is False) units plausible; meta gains `rate_hz` when it has none. Errors name `path` and `sensor`."""
    from imuhip.recording import SensorData

    where = str(path)
    time, acc, gyr = (np.asarray(a, dtype=np.float64) for a in (time, acc, gyr))
    if len(time) < MIN_SAMPLES:
        raise InputError(f"sensor {sensor}: {len(time)} sample(s); a recording needs at least {MIN_SAMPLES}", where)
    for values, what in ((time, "time"), (acc, "acc"), (gyr, "gyr")):
        finite = np.isfinite(values) if values.ndim == 1 else np.isfinite(values).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise NonFiniteError(f"sensor {sensor}: {what} of sample {i + 1} is not finite "
                                 f"({int((~finite).sum())} such sample(s))", where)
    if check:
        check_units(acc, gyr, f"{where}: sensor {sensor}")
    check_range(acc, gyr, time, where, sensor)
    meta = dict(meta)
    try:
        s = SensorData(time, acc, gyr, meta)
    except InputError as exc:
        raise type(exc)(f"sensor {sensor}: {exc.detail}", where) from None
    check_stream(s.time, s.acc, sensor, where)
    meta.setdefault("rate_hz", f"{s.rate_hz:.4g}")
    s.meta = {str(k): str(v) for k, v in meta.items()}
    return s
