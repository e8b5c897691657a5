"""Movesense Showcase app JSON (IMU6 subscription). Written from the Movesense `/Meas/IMU6`
API (a packet: `Timestamp` in ms of the first sample, `ArrayAcc` in m/s^2, `ArrayGyro` in deg/s);
no real export was available to test against, so the reader looks for such packets anywhere in
the JSON tree, whatever the wrapping.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from imuhip.errors import InputError, TimeOrderError, ValueFormatError
from imuhip.io.streams import increasing
from imuhip.io.text import read_text
from imuhip.io.units import sensor_data
from imuhip.recording import Recording


def looks_like(head: str) -> bool:
    return head.lstrip().startswith(("{", "[")) and "ArrayAcc" in head


#: Deepest JSON nesting read (a real export nests a few levels).
MAX_DEPTH = 64


def _packets(doc):
    """(JSON path, packet) of every dict holding Timestamp, ArrayAcc and ArrayGyro, in document order."""
    todo = [("$", doc, 0)]
    while todo:
        where, node, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{where}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            keys = {k.lower(): k for k in node}
            if {"timestamp", "arrayacc", "arraygyro"} <= keys.keys():
                yield where, {k: node[keys[k]] for k in ("timestamp", "arrayacc", "arraygyro")}
                continue
            todo.extend((f"{where}.{k}", v, depth + 1) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            todo.extend((f"{where}[{i}]", v, depth + 1) for i, v in reversed(list(enumerate(node))))


def _number(value, where: str) -> float:
    """A JSON number as float; ValueFormatError naming the field for anything else (or NaN, inf)."""
    number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        and abs(value) < 1e300 else float("nan")
    if not math.isfinite(number):
        raise ValueFormatError(f"{where} is {str(value)[:40]!r}: expected a finite number")
    return number


def _vectors(arr, where: str) -> list[list[float]]:
    if not isinstance(arr, list) or not arr:
        raise ValueFormatError(f"{where} is {str(arr)[:40]!r}: expected a non-empty list of {{x, y, z}}")
    out = []
    for i, v in enumerate(arr):
        if not isinstance(v, dict) or not {"x", "y", "z"} <= v.keys():
            raise ValueFormatError(f"{where}[{i}] is {str(v)[:40]!r}: expected {{\"x\": .., \"y\": .., \"z\": ..}}")
        out.append([_number(v[a], f"{where}[{i}].{a}") for a in "xyz"])
    return out


def read_movesense_json(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    """Read the IMU6 packets of a Movesense Showcase JSON export into a one-sensor Recording."""
    path = Path(path)
    text = read_text(path, lines=False)
    try:
        doc = json.loads(text)
        found = list(_packets(doc))
        packets = []
        for where, p in found:
            acc, gyr = _vectors(p["arrayacc"], f"{where}.ArrayAcc"), _vectors(p["arraygyro"], f"{where}.ArrayGyro")
            if len(acc) != len(gyr):
                raise ValueFormatError(f"{where}: {len(acc)} ArrayAcc but {len(gyr)} ArrayGyro samples")
            packets.append((_number(p["timestamp"], f"{where}.Timestamp") / 1000.0, acc, gyr))
    except ValueFormatError as exc:
        raise ValueFormatError(exc.detail, str(path)) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON: {str(exc)[:200]}", str(path)) from None
    packets.sort(key=lambda p: p[0])
    if len(packets) < 2:
        raise InputError("fewer than 2 IMU6 packets (Timestamp, ArrayAcc, ArrayGyro) in this JSON", str(path))
    stamps = np.array([p[0] for p in packets])
    per = len(packets[0][1])
    dt = float(np.median(np.diff(stamps))) / per  # sample interval from packet spacing
    if not dt > 0:
        raise TimeOrderError("packet Timestamps do not increase: no sample interval", str(path))
    t = np.concatenate([s + dt * np.arange(len(acc)) for s, acc, _ in packets])
    acc = np.array([x for p in packets for x in p[1]], dtype=np.float64)
    gyr = np.radians(np.array([x for p in packets for x in p[2]], dtype=np.float64))
    t, acc, gyr = increasing(t, acc, gyr, path=path)
    meta = {"device": "Movesense", "protocol": "movesense-showcase-json", "acc_unit": "m/s^2",
            "gyr_unit": "deg/s", "rate_hz": f"{1 / dt:.4g}"}
    return Recording({sensor: sensor_data(path, sensor, t - t[0], acc, gyr, meta)},
                     {"source": path.name, "app": "Movesense Showcase"})
