"""Which files and folders under the batch inputs are recordings, and their content hashes.

- `.csv`, `.tsv` and `.zip` files are recordings (a broken one is reported, not skipped);
- `.txt` and `.json` files only when their first lines match a format imuhip reads (a README or
  a calibration file is not a recording); `*.truth.json` simulator sidecars never are;
- a folder holding a multi-file export (Sensor Logger, Polar Sensor Logger, MetaBase, phyphox)
  is one recording; any other folder is searched recursively. Hidden entries are skipped.
A file named on the command line is always taken.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from imuhip.errors import InputError
from imuhip.io.detect import file_head as _head
from imuhip.io import (hugadb, metabase, movesense_json, phyphox, polar_logger, sensor_logger, sensorlog, witmotion,
                       xsens_dot, xsens_mt)

TAKEN = {".csv", ".tsv", ".zip"}
SNIFFED = {".txt", ".json"}
_TEXT_FORMATS = (xsens_mt, hugadb, polar_logger, metabase, xsens_dot, phyphox, sensorlog, witmotion, movesense_json)
_FOLDER_FORMATS = (polar_logger, metabase, phyphox)


def _is_export_folder(folder: Path) -> bool:
    if sensor_logger.looks_like(folder):
        return True
    files = [f for f in folder.iterdir() if f.is_file() and not f.name.startswith(".")]
    return any(fmt.looks_like(_head(f)) for f in files for fmt in _FOLDER_FORMATS)


def _is_recording_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if path.name.endswith(".truth.json"):
        return False
    if suffix in TAKEN:
        return True
    return suffix in SNIFFED and any(fmt.looks_like(_head(path)) for fmt in _TEXT_FORMATS)


def find_recordings(inputs: list[str | os.PathLike], exclude: list[str | os.PathLike] = ()) -> list[Path]:
    """Every recording under `inputs` (files or folders), sorted, each once; folders in `exclude`
    (the batch's own output folder) are not searched."""
    skip = {Path(e).resolve() for e in exclude}
    found: dict[Path, Path] = {}

    def walk(folder: Path) -> None:
        if folder.resolve() in skip:
            return
        if _is_export_folder(folder):
            found.setdefault(folder.resolve(), folder)
            return
        for child in sorted(folder.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_dir():
                walk(child)
            elif _is_recording_file(child):
                found.setdefault(child.resolve(), child)

    for item in inputs:
        p = Path(item)
        if not p.exists():
            raise InputError("no such file or folder", str(p))
        if p.is_dir():
            walk(p)
        else:
            found.setdefault(p.resolve(), p)
    return sorted(found.values(), key=str)


def content_hash(path: Path, block: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, or of a folder's file names and bytes (hex)."""
    h = hashlib.sha256()
    files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode() + b"\0")
        with open(f, "rb") as fh:
            while chunk := fh.read(block):
                h.update(chunk)
    return h.hexdigest()
