"""HuGaDB text files (Chereshnev & Kertesz-Farkas 2018): six IMUs on both legs.

Tab-separated: `#Activity`, `#ActivityID`, `#Date` lines, a header of 39 integer columns
`acc_{rf,rs,rt,lf,ls,lt}_{x,y,z}`, `gyro_..._{x,y,z}`, `EMG_r`, `EMG_l`, `act`. Raw int16:
accelerometer 16384 LSB/g, gyroscope 16.4 LSB/(deg/s). No time column: samples are taken
as evenly spaced at the dataset's nominal 58.8 Hz. The `act` column becomes annotations.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from imuhip.errors import ColumnError, EmptyFileError, ValueFormatError
from imuhip.io.streams import numeric, read_table, row_line
from imuhip.io.text import read_text
from imuhip.io.units import G, sensor_data
from imuhip.recording import Annotation, Recording

RATE_HZ = 58.8
ACC_LSB_PER_G = 16384.0
GYR_LSB_PER_DPS = 16.4
LOCATIONS = {"rt": "right_thigh", "lt": "left_thigh", "rs": "right_shin", "ls": "left_shin",
             "rf": "right_foot", "lf": "left_foot"}
ACTIVITIES = {1: "walking", 2: "running", 3: "going_up", 4: "going_down", 5: "sitting", 6: "sitting_down",
              7: "standing_up", 8: "standing", 9: "bicycling", 10: "up_by_elevator",
              11: "down_by_elevator", 12: "sitting_in_car"}


def looks_like(head: str) -> bool:
    return head.startswith("#Activity") and "acc_rt_x" in head


def read_hugadb(path: str | os.PathLike) -> Recording:
    path_s = str(path)
    text = read_text(path)
    lines = text.splitlines()
    n_comment = next((i for i, ln in enumerate(lines) if not ln.startswith("#")), len(lines))
    if n_comment >= len(lines) - 1:
        raise EmptyFileError("no header or no data rows", path_s, n_comment + 1)
    df = read_table(path, text=text, skip=n_comment)
    needed = [f"{k}_{loc}_{ax}" for loc in LOCATIONS for k in ("acc", "gyro") for ax in "xyz"] + ["act"]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ColumnError(f"missing HuGaDB column(s) {', '.join(missing[:6])}", path_s, n_comment + 1)
    values = numeric(df, needed, path)
    time = np.arange(len(df)) / RATE_HZ
    sensors = {}
    for code, name in LOCATIONS.items():
        acc = values[:, [needed.index(f"acc_{code}_{a}") for a in "xyz"]] * (G / ACC_LSB_PER_G)
        gyr = np.radians(values[:, [needed.index(f"gyro_{code}_{a}") for a in "xyz"]] / GYR_LSB_PER_DPS)
        sensors[name] = sensor_data(path_s, name, time, acc, gyr, {"device": "HuGaDB IMU (MPU-9250)",
                                                                   "protocol": "hugadb", "rate_hz": f"{RATE_HZ:g}",
                                                                   "acc_unit": "int16 16384/g",
                                                                   "gyr_unit": "int16 16.4/(deg/s)"}, check=False)
    act = values[:, -1]
    if (act != np.round(act)).any() or (np.abs(act) > 1000).any():
        i = int(np.flatnonzero((act != np.round(act)) | (np.abs(act) > 1000))[0])
        raise ValueFormatError(f"act is {act[i]!r}: expected an activity id (1-12)", path_s, row_line(df, i))
    act = act.astype(int)
    change = np.flatnonzero(np.diff(act)) + 1
    starts, ends = np.concatenate([[0], change]), np.concatenate([change, [len(act)]])
    annotations = [Annotation(float(time[a]), float(time[b - 1]), ACTIVITIES.get(int(act[a]), f"activity_{act[a]}"),
                              "both") for a, b in zip(starts, ends)]
    meta = {"source": Path(path).name, "notes": f"HuGaDB; time from the nominal {RATE_HZ} Hz rate"}
    return Recording(sensors, meta, annotations)
