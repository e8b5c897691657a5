"""Xsens MT Manager text export: `//` preamble, tab-separated, Acc_* m/s^2, Gyr_* rad/s.

    // Sample rate: 120.0Hz
    Counter<TAB>Acc_X<TAB>Acc_Y<TAB>Acc_Z<TAB>Gyr_X<TAB>Gyr_Y<TAB>Gyr_Z<TAB>...

Time comes from `SampleTimeFine` (units of 100 us) when filled, else from the packet
counter (`Counter` or `PacketCounter`, 16-bit, wraps) divided by the sample rate.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from imuhip.errors import ColumnError, EmptyFileError, InputError, ValueFormatError
from imuhip.io.streams import counter, from_orientation, numeric, read_table
from imuhip.io.text import read_text
from imuhip.io.units import sensor_data
from imuhip.recording import Recording

ACC = ("Acc_X", "Acc_Y", "Acc_Z")
GYR = ("Gyr_X", "Gyr_Y", "Gyr_Z")
MAX_RATE_HZ = 10_000.0  # the fastest rate an MT exports
_RATE = re.compile(r"(?:Sample|Update) rate:\s*([0-9]+(?:\.[0-9]*)?)\s*Hz", re.I)


def looks_like(head: str) -> bool:
    """True when the first lines of a file look like an MT Manager export."""
    return head.startswith("//") and "Acc_X" in head


def unwrap(counter: np.ndarray, modulus: int) -> np.ndarray:
    """Undo wrap-around of an integer counter that counts up modulo `modulus`."""
    steps = np.diff(counter) % modulus
    return counter[0] + np.concatenate([[0], np.cumsum(steps)])


def read_xsens_mt(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    """Read an MT Manager export into a one-sensor Recording: acceleration plus the gyroscope, or
    plus the orientation matrix `Mat[i][j]` (angular rate then comes from the orientations)."""
    path_s = str(path)
    text = read_text(path)
    lines = text.splitlines()
    header_idx = next((i for i, ln in enumerate(lines) if not ln.startswith("//")), len(lines))
    rate_at = next((i for i, ln in enumerate(lines[:header_idx]) if _RATE.search(ln)), None)
    rate = float(_RATE.search(lines[rate_at]).group(1)) if rate_at is not None else None
    if rate is not None and not 0 < rate <= MAX_RATE_HZ:
        raise ValueFormatError(f"sample rate {rate:g} Hz: expected 0 < rate <= {MAX_RATE_HZ:g} Hz", path_s,
                               rate_at + 1)
    if header_idx >= len(lines):
        raise EmptyFileError("no header after the // preamble", path_s, header_idx)
    df = read_table(path, text=text, skip=header_idx)
    mat = [f"Mat[{i}][{j}]" for i in (1, 2, 3) for j in (1, 2, 3)]
    has_gyr = all(c in df.columns for c in GYR)
    has_mat = all(c in df.columns for c in mat)
    missing = [c for c in ACC + (() if has_mat else GYR) if c not in df.columns]
    if missing:
        raise ColumnError(f"no {', '.join(missing)} column(s): an angle needs acceleration and "
                          f"angular rate; found {', '.join(c for c in df.columns if not c.startswith('Unnamed'))}",
                          path_s, header_idx + 1)
    if "SampleTimeFine" in df.columns and df["SampleTimeFine"].notna().all():
        time = unwrap(counter(df, "SampleTimeFine", 2**32, path_s), 2**32) * 1e-4
    else:
        counter_col = next((c for c in ("Counter", "PacketCounter") if c in df.columns), None)
        if counter_col is None or rate is None:
            raise InputError("no SampleTimeFine, and no packet counter with a stated sample rate", path_s)
        time = unwrap(counter(df, counter_col, 2**16, path_s), 2**16) / rate
    time = time - time[0]
    acc = numeric(df, list(ACC), path_s)
    meta = {"device": "Xsens MT", "protocol": "xsens-mt-manager-text", "acc_unit": "m/s^2", "gyr_unit": "rad/s"}
    if has_gyr:
        gyr = numeric(df, list(GYR), path_s)
    else:  # orientation matrix (sensor to global, Z up) only: angular rate from consecutive orientations
        if len(df) < 2:
            raise InputError(f"{len(df)} data row(s): angular rate from orientations needs at least 2", path_s)
        R = numeric(df, mat, path_s).reshape(-1, 3, 3)
        _, gyr = from_orientation(time, R, np.array([0.0, 0.0, 1.0]), acc=acc)
        meta["gyr_unit"] = "rad/s (from consecutive orientation matrices)"
    if rate:
        meta["rate_hz"] = f"{rate:g}"
    return Recording({sensor: sensor_data(path_s, sensor, time, acc, gyr, meta)}, {"source": Path(path).name})

