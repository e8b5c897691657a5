"""phyphox CSV exports (comma, tab, or semicolon with decimal comma) with a `meta/` folder.

Columns are matched by name: `Time (s)` (experiment time), `Acceleration x (m/s^2)` (with g),
`Gyroscope x (rad/s)`; `Linear Acceleration x` has no gravity and is refused for angles.
Acceleration and angular rate from different files are merged onto the gyroscope's clock.
The wall clock of the start comes from `meta/time.csv`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from imuhip.errors import ColumnError, InputError
from imuhip.io.streams import merge_onto_gyro, numeric, read_table
from imuhip.io.units import sensor_data
from imuhip.recording import Recording


def looks_like(head: str) -> bool:
    return bool(re.match(r'^\W*"?Time \(s\)"?[,;\t]', head))


def _columns(df, kind: str) -> list[str] | None:
    out = []
    for axis in "xyz":
        pat = {"acc": rf"^Acceleration {axis}\b", "lin": rf"^Linear Acceleration {axis}\b",
               "gyr": rf"^Gyroscope {axis}\b"}[kind]
        hit = [c for c in df.columns if re.match(pat, c, re.I)]
        if not hit:
            return None
        out.append(hit[0])
    return out


def read_phyphox(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    files = [path] if path.is_file() else sorted(p for p in folder.glob("*.csv"))
    acc = gyr = None
    linear = False
    for f in files:
        df = read_table(f)
        time_col = next((c for c in df.columns if c.lower().startswith("time (s)")), None)
        if time_col is None:
            continue
        t = numeric(df, [time_col], f)[:, 0]
        if cols := _columns(df, "acc"):
            acc = (t, numeric(df, cols, f))
        if cols := _columns(df, "gyr"):
            gyr = (t, numeric(df, cols, f))
        linear = linear or _columns(df, "lin") is not None
    if acc is None:
        hint = (" It holds linear acceleration only (gravity removed), which cannot give an inclination: "
                "export the 'Acceleration (with g)' experiment instead.") if linear else ""
        raise InputError(f"no acceleration with gravity (Acceleration x/y/z) in this phyphox export.{hint}",
                         str(path))
    if gyr is None:
        raise InputError("no Gyroscope x/y/z columns in this phyphox export: an angle needs the gyroscope "
                         "(use an experiment that records acceleration with g and the gyroscope)", str(path))
    t, a, g = merge_onto_gyro(acc[0], acc[1], gyr[0], gyr[1], path)
    session = {"source": folder.name, "app": "phyphox"}
    time_meta = folder / "meta" / "time.csv"
    if time_meta.exists():
        tm = read_table(time_meta)
        if tm.shape[1] < 3:
            raise ColumnError(f"expected event, experiment time, system time columns; found {', '.join(tm.columns)}",
                              str(time_meta), 1)
        start = np.flatnonzero(tm.iloc[:, 0].fillna("").astype(str).str.strip().str.upper().to_numpy() == "START")
        if len(start):
            session["start_unix_s"] = f"{numeric(tm, [tm.columns[2]], time_meta)[start[0], 0]:.3f}"
    smeta = {"device": "phone", "protocol": "phyphox", "acc_unit": "m/s^2", "gyr_unit": "rad/s",
             "clock": "gyroscope experiment time"}
    return Recording({sensor: sensor_data(path, sensor, t - t[0], a, g, smeta)}, session)
