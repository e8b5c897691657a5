"""Choose the reader from a file's content (first lines), its name, or a folder's files."""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from pathlib import Path

from imuhip.errors import EmptyFileError, ImuhipWarning, InputError
from imuhip.io import (hugadb, metabase, movesense_json, phyphox, polar_logger, sensor_logger, sensorlog, witmotion,
                       xsens_dot, xsens_mt)
from imuhip.io.imuhip_csv import COLUMNS, read_csv
from imuhip.io.streamcheck import overlap_warnings
from imuhip.recording import Recording

FORMATS = ("imuhip CSV", "Sensor Logger (folder or zip)", "Polar Sensor Logger", "MbientLab MetaBase",
           "phyphox", "Movella DOT", "Xsens MT Manager", "HuGaDB", "SensorLog", "WitMotion", "Movesense JSON")


def file_head(path: Path) -> str:
    """The first 4 KiB of a file as text (what format sniffing looks at)."""
    with open(path, "rb") as f:
        return f.read(4096).decode("utf-8-sig", errors="replace")


def read_any(path: str | os.PathLike, sensor: str | None = None) -> Recording:
    """Read a recording in any format imuhip knows. `sensor` names the location of a
    single-sensor export (default 'thigh'; use left_thigh / right_thigh / pelvis). Sensors with much
    time when no other sensor records are named in its warnings (`overlap_warnings`), and so is what the
    reader warned about (samples dropped, gaps)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = _read_any(Path(path), sensor)
    for w in caught:  # passed on, and the readers' ImuhipWarnings kept with the recording
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if issubclass(w.category, ImuhipWarning) and str(w.message) not in rec.warnings:
            rec.warnings.append(str(w.message))
    rec.warnings += overlap_warnings(rec.sensors, str(path))
    return rec


def _read_any(p: Path, sensor: str | None) -> Recording:
    name = sensor or "thigh"
    if not p.exists():
        raise InputError("cannot read: no such file or folder", str(p))
    if p.is_dir() or zipfile.is_zipfile(p):
        if sensor_logger.looks_like(p):
            return sensor_logger.read_sensor_logger(p, name)
        files = [f for f in p.iterdir() if f.is_file()] if p.is_dir() else []
        for f in sorted(files):
            head = file_head(f)
            if polar_logger.looks_like(head):
                return polar_logger.read_polar_logger(p, name)
            if metabase.looks_like(head):
                return metabase.read_metabase(p, name)
            if phyphox.looks_like(head):
                return phyphox.read_phyphox(p, name)
        raise InputError(f"no recording imuhip knows in this folder; it reads: {', '.join(FORMATS)}", str(p))
    with open(p, "rb") as f:
        raw = f.read(4096)
    if not raw.strip():
        raise EmptyFileError("empty file", str(p))
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("not a text file (a NUL byte)", str(p), raw.count(b"\n", 0, raw.find(b"\x00")) + 1)
    head = raw.decode("utf-8-sig", errors="replace")
    first = head.splitlines()[0] if head else ""
    looks_imuhip = head.startswith("#") and not hugadb.looks_like(head)
    if looks_imuhip or first.startswith("time_s") or all(c in first for c in COLUMNS):
        return read_csv(p)
    for looks, read in ((xsens_mt.looks_like, xsens_mt.read_xsens_mt), (hugadb.looks_like, hugadb.read_hugadb)):
        if looks(head):
            return read(p) if read is hugadb.read_hugadb else read(p, name)
    if sensor_logger.looks_like(p.parent) and re.match(r"^time,seconds_elapsed", head):
        return sensor_logger.read_sensor_logger(p.parent, name)
    for looks, read in ((polar_logger.looks_like, polar_logger.read_polar_logger),
                        (metabase.looks_like, metabase.read_metabase), (xsens_dot.looks_like, xsens_dot.read_xsens_dot),
                        (phyphox.looks_like, phyphox.read_phyphox), (sensorlog.looks_like, sensorlog.read_sensorlog),
                        (witmotion.looks_like, witmotion.read_witmotion),
                        (movesense_json.looks_like, movesense_json.read_movesense_json)):
        if looks(head):
            return read(p, name)
    found = re.split(r"[,;\t]", first)[:20]
    raise InputError(f"unknown format: first line has columns {found}; tried {', '.join(FORMATS)}. For another "
                     f"CSV, name the columns: imuhip import FILE --columns time=COL,acc=X:Y:Z,gyr=X:Y:Z "
                     f"--acc-unit m/s^2|g --gyr-unit rad/s|deg/s --out OUT.csv", str(p))
