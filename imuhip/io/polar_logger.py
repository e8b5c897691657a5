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

from imuhip.errors import ColumnError, InputError, ValueFormatError
from imuhip.ble.polar_pmd import POLAR_EPOCH_UNIX_S
from imuhip.io.streams import merge_onto_gyro, numeric, read_table, row_line
from imuhip.io.units import G, sensor_data
from imuhip.recording import Annotation, Recording



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
    t, acc, gyr = merge_onto_gyro(t_acc, acc, t_gyr, gyr, acc_path)
    start = t[0]
    smeta = {"device": acc_path.stem.split("_")[0] + " " + acc_path.stem.split("_")[1]
             if "_" in acc_path.stem else "Polar", "protocol": "polar-sensor-logger", "acc_unit": "mg",
             "gyr_unit": "deg/s", "clock": "gyroscope sensor timestamp"}
    data = sensor_data(acc_path, sensor, t - start, acc, gyr, smeta)
    phone = _phone_seconds(a, acc_path, "Phone timestamp", strict=False)
    # Phone (local) minus sensor clock, s: the median is robust to Bluetooth delivery delays.
    offset = float(np.nanmedian(phone - t_acc)) if np.isfinite(phone).any() else None
    annotations, notes = [], []
    marker = acc_path.with_name("MARKER.txt")
    if marker.exists() and offset is None:
        notes.append(f"{marker}: markers left out: no phone timestamp of {acc_path.name} reads as a time")
    elif marker.exists():
        m = read_table(marker)
        if m.shape[1] < 2:
            raise ColumnError(f"expected a phone time and MARKER_START/MARKER_STOP; found {', '.join(m.columns)}",
                              str(marker), 1)
        opened = None
        for when, kind in zip(_phone_seconds(m, marker, m.columns[0]) - offset - start, m.iloc[:, 1].fillna("").astype(str)):
            kind = kind.strip().upper()
            if kind.endswith("START"):
                opened = when
            elif kind.endswith("STOP") and opened is not None and when >= opened:
                annotations.append(Annotation(float(opened), float(when), "marker", "none"))
                opened = None
    session = {"source": acc_path.name, "app": "Polar Sensor Logger",
               "start_sensor_unix_s": f"{POLAR_EPOCH_UNIX_S + start:.3f}",
               "start_phone_local": str(a["Phone timestamp"].iloc[0])}
    return Recording({sensor: data}, session, annotations, notes)


def _phone_seconds(df, path: Path, column: str, strict: bool = True) -> np.ndarray:
    """A phone-time column (local ISO 8601 without a zone) as seconds since 1970; ValueFormatError
    at the first other value, or (not `strict`) NaN for it."""
    if column not in df.columns:
        raise ColumnError(f"no {column!r} column; found: {', '.join(df.columns)}", str(path), 1)
    text = df[column].fillna("").astype(str).str.strip()
    stamps = pd.to_datetime(text, errors="coerce", format="%Y-%m-%dT%H:%M:%S.%f")
    bad = stamps.isna().to_numpy()
    if bad.any() and strict:
        i = int(np.flatnonzero(bad)[0])
        raise ValueFormatError(f"{column} is {text.iloc[i][:40]!r}: expected a time like 2022-04-25T11:39:36.978",
                               str(path), row_line(df, i))
    return (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
