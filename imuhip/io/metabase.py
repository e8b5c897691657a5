"""MbientLab MetaBase CSV: accelerometer and gyroscope in separate files with their own clocks.

Header `epoch (ms),time (01:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)` (the UTC offset
sits inside the second column's name); the gyroscope file has `x-axis (deg/s)`. File names
end `_Accelerometer_<rate>Hz_<version>.csv` / `_Gyroscope_...`. The accelerometer is
interpolated onto the gyroscope's clock (`epoch (ms)`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from imuhip.errors import InputError
from imuhip.io.streams import merge_onto_gyro, numeric, pick, read_table
from imuhip.io.units import G, sensor_data
from imuhip.recording import Recording

_KIND = re.compile(r"_(Accelerometer|Gyroscope)_[0-9.]+Hz_[0-9.]+$")


def looks_like(head: str) -> bool:
    return head.startswith("epoch (ms),time (") and "x-axis (" in head


def _pair(path: Path) -> tuple[Path, Path]:
    if path.is_dir():
        accs = sorted(path.glob("*_Accelerometer_*.csv"))
        gyrs = sorted(path.glob("*_Gyroscope_*.csv"))
        if accs and gyrs:
            return accs[0], gyrs[0]
    else:
        prefix = _KIND.sub("", path.stem)
        accs = sorted(path.parent.glob(prefix + "_Accelerometer_*.csv"))
        gyrs = sorted(path.parent.glob(prefix + "_Gyroscope_*.csv"))
        if accs and gyrs:
            return accs[0], gyrs[0]
    raise InputError("a MetaBase recording needs its _Accelerometer_ and _Gyroscope_ CSV files side by side "
                     "(same name before _Accelerometer/_Gyroscope)", str(path))


def read_metabase(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    acc_path, gyr_path = _pair(Path(path))
    a, g = read_table(acc_path), read_table(gyr_path)
    acc = numeric(a, pick(a, [r"x-axis \(g\)", r"y-axis \(g\)", r"z-axis \(g\)"], acc_path, "accelerometer"),
                  acc_path) * G
    gyr = np.radians(numeric(g, pick(g, [r"x-axis \(deg/s\)", r"y-axis \(deg/s\)", r"z-axis \(deg/s\)"], gyr_path,
                                     "gyroscope"), gyr_path))
    t_acc = numeric(a, ["epoch (ms)"], acc_path)[:, 0] / 1000.0
    t_gyr = numeric(g, ["epoch (ms)"], gyr_path)[:, 0] / 1000.0
    t, acc, gyr = merge_onto_gyro(t_acc, acc, t_gyr, gyr, acc_path)
    device = re.search(r"_([0-9A-F]{12})_", acc_path.name)
    smeta = {"device": "MbientLab MetaWear", "device_id": device.group(1) if device else "",
             "protocol": "metabase-csv", "acc_unit": "g", "gyr_unit": "deg/s", "clock": "gyroscope epoch (ms)"}
    session = {"source": acc_path.name, "app": "MbientLab MetaBase", "start_unix_s": f"{t[0]:.3f}"}
    return Recording({sensor: sensor_data(acc_path, sensor, t - t[0], acc, gyr, smeta)}, session)
