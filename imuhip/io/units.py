"""Unit conversion at the edge, and plausibility checks that catch a wrong unit.

Thigh-worn sensors at rest read |acc| = g = 9.81 m/s^2; thigh angular rate stays below
about 20 rad/s (1150 deg/s) even in sprinting.
"""

from __future__ import annotations

import numpy as np

from imuhip.errors import InputError, UnitError

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
