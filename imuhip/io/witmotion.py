"""WitMotion app / PC software exports. Written from WitMotion's documented column names; no
real file was available to test against.

Header text is matched, not positions: time `Time` / `time` (clock text `HH:MM:SS.fff` or a date
and time), acceleration `ax(g)` or `Acceleration X(g)`, angular rate `wx(deg/s)` or
`Angular velocity X(°/s)`. Comma or tab separated. Units g and deg/s.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from imuhip.errors import ColumnError, ValueFormatError
from imuhip.io.streams import increasing, numeric, read_table, row_line
from imuhip.io.units import G, sensor_data
from imuhip.recording import Recording

_ACC = r"^(a{axis}|acc(eleration)?\s*{axis})\s*\(g\)$"
_GYR = r"^(w{axis}|(angular\s*velocity|gyro)\s*{axis})\s*\((deg/s|°/s)\)$"


def _find(columns, pattern: str) -> list[str] | None:
    out = []
    for axis in "xyz":
        hit = [c for c in columns if re.match(pattern.format(axis=axis), c.strip(), re.I)]
        if not hit:
            return None
        out.append(hit[0])
    return out


def looks_like(head: str) -> bool:
    first = head.splitlines()[0] if head else ""
    cols = re.split(r"[,\t]", first)
    return _find(cols, _ACC) is not None and _find(cols, _GYR) is not None


#: Clock-time layouts tried in turn (one layout per file; no per-row guessing, which is slow).
TIME_FORMATS = ("%H:%M:%S.%f", "%H:%M:%S", "ISO8601", "%Y-%m-%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S.%f")


def _seconds(df: pd.DataFrame, column: str, path) -> np.ndarray:
    """Clock times to seconds from the first, continuing past midnight; ValueFormatError at the
    first value that reads in none of TIME_FORMATS."""
    text = df[column].fillna("").astype(str).str.strip()
    best = None
    for fmt in TIME_FORMATS:
        stamps = pd.to_datetime(text, errors="coerce", format=fmt)
        if best is None or stamps.isna().sum() < best.isna().sum():
            best = stamps
        if not best.isna().any():
            break
    stamps = best
    if stamps.isna().any():
        i = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise ValueFormatError(f"{column} is {text.iloc[i][:40]!r}: expected a clock time (HH:MM:SS.fff or date and "
                               f"time)", str(path), row_line(df, i))
    t = (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()
    return t + 86400.0 * np.cumsum(np.concatenate([[0], np.diff(t) < -43200]))  # past midnight


def read_witmotion(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    path = Path(path)
    df = read_table(path)
    acc_cols, gyr_cols = _find(df.columns, _ACC), _find(df.columns, _GYR)
    time_col = next((c for c in df.columns if c.strip().lower() in ("time", "chip time()", "chiptime")), None)
    if not acc_cols or not gyr_cols or time_col is None:
        raise ColumnError(f"not a WitMotion export with time, ax(g).. and wx(deg/s).. columns; found "
                          f"{', '.join(df.columns)}", str(path), 1)
    t = _seconds(df, time_col, path)
    acc = numeric(df, acc_cols, path) * G
    gyr = np.radians(numeric(df, gyr_cols, path))
    t, acc, gyr = increasing(t, acc, gyr, path=path)
    meta = {"device": "WitMotion", "protocol": "witmotion-export", "acc_unit": "g", "gyr_unit": "deg/s"}
    return Recording({sensor: sensor_data(path, sensor, t, acc, gyr, meta)}, {"source": path.name, "app": "WitMotion"})
