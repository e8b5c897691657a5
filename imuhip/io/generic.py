"""Any delimited table, with the columns named by the user.

    imuhip import data.csv --columns time=t,acc=ax:ay:az,gyr=gx:gy:gz --acc-unit g --gyr-unit deg/s

Each of `acc` and `gyr` is three column names joined by `:` or one prefix (`acc=acc_` takes
acc_x, acc_y, acc_z). `time` is one column in `time_unit` (s, ms, us or ns).
"""

from __future__ import annotations

import os
from pathlib import Path

from imuhip.errors import ColumnError, InputError
from imuhip.io.streams import numeric, read_table
from imuhip.io.units import sensor_data, to_si
from imuhip.recording import Recording

TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def parse_columns(spec: str) -> dict[str, list[str]]:
    """'time=t,acc=ax:ay:az,gyr=g_' -> {'time': ['t'], 'acc': [...], 'gyr': [...]}."""
    out = {}
    for part in spec.split(","):
        key, _, value = part.partition("=")
        key = key.strip()
        if key not in ("time", "acc", "gyr") or not value:
            raise InputError(f"--columns: expected time=COL,acc=X:Y:Z|PREFIX,gyr=X:Y:Z|PREFIX; got {part!r}")
        out[key] = [v.strip() for v in value.split(":")]
    missing = {"time", "acc", "gyr"} - out.keys()
    if missing:
        raise InputError(f"--columns: missing {', '.join(sorted(missing))}")
    return out


def _resolve(names: list[str], columns: list[str], what: str, path) -> list[str]:
    if len(names) == 3:
        found = names
    else:
        lower = {c.lower(): c for c in columns}
        found = [lower.get(names[0].lower() + a) for a in "xyz"]
    missing = [n for n in found if n not in columns]
    if None in found or missing:
        raise ColumnError(f"{what} columns {names} not found; the file has: {', '.join(columns)}", str(path), None)
    return found


def read_generic(path: str | os.PathLike, columns: str, sensor: str = "thigh", acc_unit: str = "m/s^2",
                 gyr_unit: str = "rad/s", time_unit: str = "s") -> Recording:
    path = Path(path)
    spec = parse_columns(columns)
    if time_unit not in TIME_UNITS:
        raise InputError(f"time unit {time_unit!r}: expected one of {', '.join(TIME_UNITS)}")
    df = read_table(path)
    cols = list(df.columns)
    t_col = spec["time"][0]
    if t_col not in cols:
        raise ColumnError(f"time column {t_col!r} not found; the file has: {', '.join(cols)}", str(path), None)
    t = numeric(df, [t_col], path)[:, 0] * TIME_UNITS[time_unit]
    acc = to_si(numeric(df, _resolve(spec["acc"], cols, "acc", path), path), acc_unit, "acc")
    gyr = to_si(numeric(df, _resolve(spec["gyr"], cols, "gyr", path), path), gyr_unit, "gyr")
    meta = {"protocol": "generic-csv", "acc_unit": acc_unit, "gyr_unit": gyr_unit}
    return Recording({sensor: sensor_data(path, sensor, t - t[0], acc, gyr, meta)}, {"source": path.name})
