"""Sensor Logger (Kelvin Choi; iOS and Android): a folder or zip of CSVs, one per sensor.

Columns `time` (Unix ns), `seconds_elapsed`, `z`, `y`, `x` (matched by name). `Metadata.csv`
says the platform and whether values were standardised. On iOS without standardisation,
`AccelerometerUncalibrated.csv` is in g with the opposite sign to Android's (CoreMotion reads
-1 g upwards at rest); `Accelerometer.csv` on iOS is user acceleration without gravity and
cannot give an inclination. Gyroscope in rad/s. The accelerometer is interpolated onto the
gyroscope's clock (`seconds_elapsed`); the wall-clock start goes to the metadata.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from imuhip.errors import InputError
from imuhip.io.streams import merge_onto_gyro, numeric, read_table
from imuhip.io.units import G, check_units
from imuhip.recording import Annotation, Recording, SensorData

ACC_FILES = ("AccelerometerUncalibrated.csv", "TotalAcceleration.csv", "Accelerometer.csv")


def looks_like(path: Path) -> bool:
    names = _names(path)
    return "Gyroscope.csv" in names or "GyroscopeUncalibrated.csv" in names


def _names(path: Path) -> set[str]:
    if path.is_dir():
        return {p.name for p in path.iterdir()}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return {Path(n).name for n in z.namelist()}
    return set()


def _texts(path: Path) -> dict[str, str]:
    if path.is_dir():
        return {p.name: p.read_text(encoding="utf-8-sig", errors="replace") for p in path.glob("*.csv")}
    with zipfile.ZipFile(path) as z:
        return {Path(n).name: z.read(n).decode("utf-8-sig", errors="replace") for n in z.namelist()
                if n.endswith(".csv")}


def read_sensor_logger(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        path = path.parent
    texts = _texts(path)
    meta_text = texts.get("Metadata.csv", "")
    meta = {}
    if meta_text.strip():
        row = pd.read_csv(io.StringIO(meta_text)).iloc[0]
        meta = {str(k).strip(): str(v) for k, v in row.items()}
    platform = meta.get("platform", "android").lower()
    standardised = meta.get("standardisation", "false").lower() == "true"
    gyro_name = "Gyroscope.csv" if "Gyroscope.csv" in texts else "GyroscopeUncalibrated.csv"
    if gyro_name not in texts:
        raise InputError("no Gyroscope.csv in this Sensor Logger export: an angle needs the gyroscope", str(path))
    acc_name = next((n for n in ACC_FILES if n in texts and texts[n].strip()), None)
    if acc_name is None:
        raise InputError("no accelerometer file in this Sensor Logger export", str(path))
    if acc_name == "Accelerometer.csv" and platform == "ios":
        raise InputError("Accelerometer.csv of an iOS Sensor Logger export is user acceleration without "
                         "gravity: it cannot give a thigh angle. Enable 'AccelerometerUncalibrated' (or "
                         "'TotalAcceleration') in Sensor Logger and use that file of the same export",
                         str(path / acc_name))
    frames = {}
    for name in (acc_name, gyro_name):
        df = read_table(path / name, text=texts[name])
        frames[name] = (numeric(df, ["seconds_elapsed"], path / name)[:, 0], numeric(df, ["x", "y", "z"], path / name),
                        int(df["time"].iloc[0]) if "time" in df else None)
    t_acc, acc, _ = frames[acc_name]
    t_gyr, gyr, wall_ns = frames[gyro_name]
    acc_unit = "m/s^2"  # Android, and any standardised export
    if not standardised and platform == "ios" and acc_name == "AccelerometerUncalibrated.csv":
        acc = acc * -G  # CoreMotion: g, and -1 g points up at rest
        acc_unit = "g (iOS sign)"
    t, acc, gyr = merge_onto_gyro(t_acc, acc, t_gyr, gyr)
    check_units(acc, gyr, f"{path}: sensor {sensor}")
    start = t[0]
    smeta = {"device": meta.get("device name", "phone"), "protocol": f"sensor-logger-{platform}",
             "acc_unit": acc_unit, "gyr_unit": "rad/s", "acc_file": acc_name,
             "rate_hz": f"{1 / np.median(np.diff(t)):.4g}", "clock": "gyroscope seconds_elapsed"}
    session = {"source": path.name, "app": f"Sensor Logger {meta.get('appVersion', '')}".strip()}
    if wall_ns is not None:
        session["start_unix_s"] = f"{wall_ns / 1e9:.3f}"
    annotations = []
    ann = texts.get("Annotation.csv", "")
    if ann.strip():
        df = read_table(path / "Annotation.csv", text=ann)
        if "seconds_elapsed" in df:
            label = next((c for c in df.columns if c not in ("time", "seconds_elapsed")), None)
            for _, r in df.iterrows():
                ts = float(r["seconds_elapsed"]) - start
                annotations.append(Annotation(ts, ts, str(r[label]) if label else "marker", "none"))
    return Recording({sensor: SensorData(t - start, acc, gyr, smeta)}, session, annotations)
