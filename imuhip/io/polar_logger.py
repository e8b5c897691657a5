"""Polar Sensor Logger (Android app for Polar Verity Sense / H10): `;`-separated .txt files.

`*_ACC.txt`: `Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]`; `*_GYRO.txt` the same
with `[dps]`; `MARKER.txt`: phone time and MARKER_START / MARKER_STOP (trailing space). Sensor
time is ns since 2000-01-01 (Polar's epoch); phone time is local ISO time without a zone.
Accelerometer and gyroscope start at different times: the accelerometer is interpolated onto
the gyroscope's clock. Markers become annotations through the phone-to-sensor clock offset.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from imuhip.errors import InputError
from imuhip.ble.polar_pmd import POLAR_EPOCH_UNIX_S
from imuhip.io.streams import merge_onto_gyro, numeric, read_table
from imuhip.io.units import G, check_units
from imuhip.recording import Annotation, Recording, SensorData



def looks_like(head: str) -> bool:
    return head.startswith("Phone timestamp;sensor timestamp [ns]")


def _pair(path: Path) -> tuple[Path, Path]:
    if path.is_dir():
        acc = sorted(path.glob("*_ACC.txt"))
        gyr = sorted(path.glob("*_GYRO.txt"))
    else:
        stem = re.sub(r"_(ACC|GYRO)$", "", path.stem)
        acc = [path.with_name(stem + "_ACC.txt")]
        gyr = [path.with_name(stem + "_GYRO.txt")]
    if not acc or not acc[0].exists() or not gyr or not gyr[0].exists():
        raise InputError("a Polar Sensor Logger recording needs both the _ACC.txt and the _GYRO.txt file "
                         "(same name before _ACC/_GYRO, same folder)", str(path))
    return acc[0], gyr[0]


def read_polar_logger(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    acc_path, gyr_path = _pair(Path(path))
    a = read_table(acc_path)
    g = read_table(gyr_path)
    t_acc = numeric(a, ["sensor timestamp [ns]"], acc_path)[:, 0] * 1e-9
    t_gyr = numeric(g, ["sensor timestamp [ns]"], gyr_path)[:, 0] * 1e-9
    acc = numeric(a, ["X [mg]", "Y [mg]", "Z [mg]"], acc_path) * (G / 1000.0)
    gyr = np.radians(numeric(g, ["X [dps]", "Y [dps]", "Z [dps]"], gyr_path))
    t, acc, gyr = merge_onto_gyro(t_acc, acc, t_gyr, gyr)
    check_units(acc, gyr, f"{acc_path}: sensor {sensor}")
    start = t[0]
    phone = pd.to_datetime(a["Phone timestamp"], errors="coerce")
    # Phone (local) minus sensor clock, s: the median is robust to Bluetooth delivery delays.
    offset = float(np.nanmedian((phone - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy() - t_acc))
    annotations = []
    marker = acc_path.with_name("MARKER.txt")
    if marker.exists():
        m = read_table(marker)
        opened = None
        for _, row in m.iterrows():
            when = (pd.Timestamp(row.iloc[0]) - pd.Timestamp("1970-01-01")).total_seconds() - offset - start
            kind = str(row.iloc[1]).strip().upper()
            if kind.endswith("START"):
                opened = when
            elif kind.endswith("STOP") and opened is not None:
                annotations.append(Annotation(opened, when, "marker", "none"))
                opened = None
    smeta = {"device": acc_path.stem.split("_")[0] + " " + acc_path.stem.split("_")[1]
             if "_" in acc_path.stem else "Polar", "protocol": "polar-sensor-logger", "acc_unit": "mg",
             "gyr_unit": "deg/s", "rate_hz": f"{1 / np.median(np.diff(t)):.4g}",
             "clock": "gyroscope sensor timestamp"}
    session = {"source": acc_path.name, "app": "Polar Sensor Logger",
               "start_sensor_unix_s": f"{POLAR_EPOCH_UNIX_S + start:.3f}",
               "start_phone_local": str(phone.iloc[0])}
    return Recording({sensor: SensorData(t - start, acc, gyr, smeta)}, session, annotations)
