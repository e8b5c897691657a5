"""Movesense Showcase app JSON (IMU6 subscription). Written from the Movesense `/Meas/IMU6`
API (a packet: `Timestamp` in ms of the first sample, `ArrayAcc` in m/s^2, `ArrayGyro` in deg/s);
no real export was available to test against, so the reader looks for such packets anywhere in
the JSON tree, whatever the wrapping.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from imuhip.errors import InputError
from imuhip.io.streams import increasing
from imuhip.io.units import check_units
from imuhip.recording import Recording, SensorData


def looks_like(head: str) -> bool:
    return head.lstrip().startswith(("{", "[")) and "ArrayAcc" in head


def _packets(node):
    if isinstance(node, dict):
        keys = {k.lower(): k for k in node}
        if {"timestamp", "arrayacc", "arraygyro"} <= keys.keys():
            yield node[keys["timestamp"]], node[keys["arrayacc"]], node[keys["arraygyro"]]
        else:
            for v in node.values():
                yield from _packets(v)
    elif isinstance(node, list):
        for v in node:
            yield from _packets(v)


def read_movesense_json(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", str(path)) from None
    packets = sorted(_packets(doc), key=lambda p: p[0])
    if len(packets) < 2:
        raise InputError("no IMU6 packets (Timestamp, ArrayAcc, ArrayGyro) in this JSON", str(path))
    stamps = np.array([p[0] for p in packets], dtype=np.float64) / 1000.0
    per = len(packets[0][1])
    dt = float(np.median(np.diff(stamps))) / per  # sample interval from packet spacing
    t = np.concatenate([s + dt * np.arange(len(p[1])) for s, p in zip(stamps, packets)])
    vec = lambda arr: [[v["x"], v["y"], v["z"]] for v in arr]  # noqa: E731
    acc = np.array([x for p in packets for x in vec(p[1])], dtype=np.float64)
    gyr = np.radians(np.array([x for p in packets for x in vec(p[2])], dtype=np.float64))
    t, acc, gyr = increasing(t, acc, gyr)
    check_units(acc, gyr, f"{path}: sensor {sensor}")
    meta = {"device": "Movesense", "protocol": "movesense-showcase-json", "acc_unit": "m/s^2",
            "gyr_unit": "deg/s", "rate_hz": f"{1 / dt:.4g}"}
    return Recording({sensor: SensorData(t - t[0], acc, gyr, meta)}, {"source": path.name, "app": "Movesense Showcase"})
