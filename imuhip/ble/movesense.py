"""Movesense GATT SensorData protocol (firmware >= 2.3.0), IMU6 subscription
(firmware_protocols/movesense.md).

Service 34802252-7185-4d5d-b431-630e7050e8f0; commands written to 34800001-..., data notified on
34800002-.... Subscribe: `01 <ref> "/Meas/IMU6/<rate>"`. Notification: u8 type (1 command result,
2 data, 3 second part of a long data packet) | u8 ref | for data: u32 timestamp (ms) | float32
samples: n x (acc x, y, z) m/s^2 then n x (gyro x, y, z) deg/s. A long packet arrives as a type-2
part and a type-3 part with the same ref, to be joined before decoding.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from imuhip.ble.errors import DecodeError, check_values

SERVICE = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY = "34800002-7185-4d5d-b431-630e7050e8f0"
RESULT, DATA, DATA_PART2 = 1, 2, 3


@dataclass
class Imu6:
    ref: int
    timestamp_ms: int  # of the first sample
    acc: np.ndarray  # (n, 3) m/s^2
    gyr: np.ndarray  # (n, 3) rad/s


def subscribe_command(ref: int, rate_hz: int) -> bytes:
    return bytes([1, ref]) + f"/Meas/IMU6/{rate_hz}".encode()


class Assembler:
    """Joins the two parts of long packets; `feed` returns an Imu6 when a packet is complete."""

    def __init__(self):
        self._pending: dict[int, bytes] = {}

    def feed(self, data: bytes) -> Imu6 | None:
        if len(data) < 2:
            raise DecodeError("movesense", "notification shorter than 2 bytes", data)
        kind, ref = data[0], data[1]
        if kind == RESULT:
            return None
        if kind == DATA:
            whole = bytes(data)
            if (len(whole) - 6) % 24:  # an odd size: wait for part 2
                self._pending[ref] = whole
                return None
            return decode_imu6(whole)
        if kind == DATA_PART2:
            first = self._pending.pop(ref, None)
            if first is None:
                raise DecodeError("movesense", f"second part for ref {ref} without a first part", data)
            return decode_imu6(first + bytes(data[2:]))
        raise DecodeError("movesense", f"unknown notification type {kind}", data)


def decode_imu6(data: bytes) -> Imu6:
    """A whole IMU6 data packet (type 2, parts joined)."""
    if len(data) < 6 or data[0] != DATA:
        raise DecodeError("movesense", "IMU6 data needs type 2, ref and a u32 timestamp", data)
    body = len(data) - 6
    if body == 0 or body % 24:
        raise DecodeError("movesense", f"{body} data bytes is not n x 24 (acc and gyro float32 x 3)", data)
    n = body // 24
    (ts,) = struct.unpack_from("<I", data, 2)
    v = np.frombuffer(data, dtype="<f4", offset=6).astype(np.float64).reshape(2 * n, 3)
    acc, gyr = v[:n], np.radians(v[n:])
    check_values("movesense", acc, gyr, data)
    return Imu6(data[1], ts, acc, gyr)


def encode_imu6(ref: int, timestamp_ms: int, acc: np.ndarray, gyr: np.ndarray) -> bytes:
    """The packet a sensor sends (for simulated sensors and test vectors)."""
    v = np.concatenate([np.asarray(acc), np.degrees(np.asarray(gyr))]).astype("<f4")
    return bytes([DATA, ref]) + struct.pack("<I", timestamp_ms % 2**32) + v.tobytes()
