"""Sensor Logger (Kelvin Choi; iOS and Android): a folder or zip of CSVs, one per sensor.

Columns `time` (Unix ns), `seconds_elapsed`, `z`, `y`, `x` (matched by name). `Metadata.csv`
says the platform and whether values were standardised. On iOS without standardisation,
`AccelerometerUncalibrated.csv` is in g with the opposite sign to Android's (CoreMotion reads
-1 g upwards at rest); `Accelerometer.csv` on iOS is user acceleration without gravity and
cannot give an inclination. Gyroscope in rad/s. The accelerometer is interpolated onto the
gyroscope's clock (`seconds_elapsed`); the wall-clock start goes to the metadata.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

from imuhip.errors import EmptyFileError, InputError
from imuhip.io.streams import merge_onto_gyro, numeric, read_table
from imuhip.io.text import MAX_MEMBER_BYTES, decode, read_bytes
from imuhip.io.units import G, sensor_data
from imuhip.recording import Annotation, Recording

ACC_FILES = ("AccelerometerUncalibrated.csv", "TotalAcceleration.csv", "Accelerometer.csv")


def looks_like(path: Path) -> bool:
    names = _names(path)
    return "Gyroscope.csv" in names or "GyroscopeUncalibrated.csv" in names


#: What a damaged zip raises inside zipfile and zlib.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, NotImplementedError,
              RuntimeError, ValueError, OverflowError)


def _names(path: Path) -> set[str]:
    if path.is_dir():
        return {p.name for p in path.iterdir()}
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                return {Path(n).name for n in z.namelist()}
        except ZIP_ERRORS:
            return set()
    return set()


def _text(data: bytes, where: str) -> str:
    """A member's text; an empty file (Sensor Logger writes empty Annotation.csv) is ''."""
    try:
        return decode(data, where)
    except EmptyFileError:
        return ""


def _texts(path: Path) -> dict[str, str]:
    """{file name: text} of the CSV files of an export folder or zip."""
    if path.is_dir():
        return {p.name: _text(read_bytes(p), str(p)) for p in path.glob("*.csv")}
    try:
        with zipfile.ZipFile(path) as z:
            out = {}
            for info in z.infolist():
                if not info.filename.endswith(".csv"):
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    raise InputError(f"{info.filename} unpacks to {info.file_size:,} bytes; at most "
                                     f"{MAX_MEMBER_BYTES:,} are read", str(path))
                out[Path(info.filename).name] = _text(z.read(info), f"{path}/{info.filename}")
            return out
    except ZIP_ERRORS as exc:
        raise InputError(f"corrupt or truncated zip: {str(exc)[:200] or type(exc).__name__}", str(path)) from None


def read_sensor_logger(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        path = path.parent
    texts = _texts(path)
    meta_text = texts.get("Metadata.csv", "")
    meta = {}
    if meta_text.strip():
        row = read_table(path / "Metadata.csv", text=meta_text).iloc[0]
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
        wall = numeric(df, ["time"], path / name)[0, 0] if "time" in df else None
        frames[name] = (numeric(df, ["seconds_elapsed"], path / name)[:, 0], numeric(df, ["x", "y", "z"], path / name),
                        wall)
    t_acc, acc, _ = frames[acc_name]
    t_gyr, gyr, wall_ns = frames[gyro_name]
    acc_unit = "m/s^2"  # Android, and any standardised export
    if not standardised and platform == "ios" and acc_name == "AccelerometerUncalibrated.csv":
        acc = acc * -G  # CoreMotion: g, and -1 g points up at rest
        acc_unit = "g (iOS sign)"
    t, acc, gyr = merge_onto_gyro(t_acc, acc, t_gyr, gyr, path)
    start = t[0]
    smeta = {"device": meta.get("device name", "phone"), "protocol": f"sensor-logger-{platform}",
             "acc_unit": acc_unit, "gyr_unit": "rad/s", "acc_file": acc_name, "clock": "gyroscope seconds_elapsed"}
    data = sensor_data(path, sensor, t - start, acc, gyr, smeta)
    session = {"source": path.name, "app": f"Sensor Logger {meta.get('appVersion', '')}".strip()}
    if wall_ns is not None:
        session["start_unix_s"] = f"{wall_ns / 1e9:.3f}"
    annotations = []
    ann = texts.get("Annotation.csv", "")
    if ann.strip():
        df = read_table(path / "Annotation.csv", text=ann)
        if "seconds_elapsed" in df:
            label = next((c for c in df.columns if c not in ("time", "seconds_elapsed")), None)
            when = numeric(df, ["seconds_elapsed"], path / "Annotation.csv")[:, 0] - start
            names = df[label].fillna("").astype(str).tolist() if label else ["marker"] * len(df)
            annotations = [Annotation(float(ts), float(ts), name, "none") for ts, name in zip(when, names)]
    return Recording({sensor: data}, session, annotations)
