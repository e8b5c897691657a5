"""Movella (Xsens) DOT app CSV: preamble (`sep=,`, `DeviceTag:,`, `StartTime: ,... GMT+8`), then
`PacketCounter,SampleTimeFine,...`.

- Raw (rate-quantities) mode: `Acc_X..Z` in m/s^2, `Gyr_X..Z` in deg/s. The first row is all
  zeros on this app and is dropped.
- Sensor-fusion mode: `Quat_W..Z` and `FreeAcc_X..Z` (world frame, gravity removed, Z up): no
  raw gyroscope, so angular rate comes from consecutive orientations and the specific force
  from the orientation and free acceleration (see streams.from_orientation).
`SampleTimeFine` is in microseconds and wraps at 2^32.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from imuhip.errors import ColumnError, InputError, ValueFormatError
from imuhip.io.streams import counter, from_orientation, increasing, numeric, quat_to_matrix, read_table, row_line
from imuhip.io.text import read_text
from imuhip.io.xsens_mt import unwrap
from imuhip.io.units import sensor_data
from imuhip.recording import Recording

#: Largest departure of a quaternion's norm from 1 that is read (the app writes 4-5 digits).
MAX_QUAT_NORM_ERROR = 0.01


def looks_like(head: str) -> bool:
    return head.startswith("sep=,") or ("DeviceTag:" in head and "PacketCounter" in head)


def read_xsens_dot(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    path = Path(path)
    text = read_text(path)
    lines = text.splitlines()
    skip = next((i for i, ln in enumerate(lines) if ln.startswith("PacketCounter")), None)
    if skip is None:
        raise ColumnError("no PacketCounter header after the preamble", str(path), None)
    pre = {ln.split(":", 1)[0].strip(): ln.split(",", 1)[1].strip() if "," in ln else ""
           for ln in lines[:skip] if ":" in ln}
    df = read_table(path, text=text, skip=skip)
    t = unwrap(counter(df, "SampleTimeFine", 2**32, path), 2**32) * 1e-6
    meta = {"device": f"Movella DOT {pre.get('DeviceTag', '')}".strip(), "protocol": "xsens-dot-csv",
            "firmware": pre.get("FirmwareVersion", "")}
    if {"Gyr_X", "Acc_X"} <= set(df.columns):
        acc = numeric(df, ["Acc_X", "Acc_Y", "Acc_Z"], path)
        gyr = np.radians(numeric(df, ["Gyr_X", "Gyr_Y", "Gyr_Z"], path))
        keep = ~((acc == 0).all(axis=1) & (gyr == 0).all(axis=1))  # the app's empty first row
        t, acc, gyr = t[keep], acc[keep], gyr[keep]
        meta.update(acc_unit="m/s^2", gyr_unit="deg/s", mode="rate quantities")
    elif {"Quat_W", "FreeAcc_X"} <= set(df.columns):
        q = numeric(df, ["Quat_W", "Quat_X", "Quat_Y", "Quat_Z"], path)
        norm = np.linalg.norm(q, axis=1)
        off = np.flatnonzero(np.abs(norm - 1.0) > MAX_QUAT_NORM_ERROR)
        if off.size:
            raise ValueFormatError(f"quaternion of norm {norm[off[0]]:.4g}: expected a unit quaternion "
                                   f"({off.size} such row(s))", str(path), row_line(df, int(off[0])))
        free = numeric(df, ["FreeAcc_X", "FreeAcc_Y", "FreeAcc_Z"], path)
        t, q, free = increasing(t, q, free, path=path)
        if len(t) < 2:
            raise InputError(f"{len(t)} sample(s): angular rate from orientations needs at least 2", str(path))
        acc, gyr = from_orientation(t, quat_to_matrix(q), np.array([0.0, 0.0, 1.0]), free_acc=free)
        meta.update(acc_unit="m/s^2 (from orientation + free acceleration)",
                    gyr_unit="rad/s (from consecutive orientations)", mode="sensor fusion (quaternion)")
    else:
        raise ColumnError("neither Acc_*/Gyr_* (raw mode) nor Quat_*/FreeAcc_* (sensor fusion mode) "
                          f"columns; found {', '.join(df.columns)}", str(path), skip + 1)
    t, acc, gyr = increasing(t, acc, gyr, path=path)
    if not len(t):
        raise InputError("no samples (only the app's all-zero rows)", str(path))
    session = {"source": path.name, "app": "Movella DOT", "start_time": pre.get("StartTime", "")}
    return Recording({sensor: sensor_data(path, sensor, t - t[0], acc, gyr, meta)}, session)
