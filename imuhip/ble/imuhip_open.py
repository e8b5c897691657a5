"""The imuhip open protocol: our GATT profile for do-it-yourself thigh sensors
(firmware_protocols/imuhip_open.md).

Data notification, little endian:
    u8 version (1) | u8 flags | u16 sequence | u32 device time of the first sample (us)
    | u16 sample interval (us) | u8 n | n x (i16 ax, ay, az, gx, gy, gz)
Scales (LSB per g, LSB per deg/s) come from the info characteristic.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from imuhip.ble.errors import DecodeError, check_factor, check_values
from imuhip.io.units import G

SERVICE = "6a1b0000-7c1d-4e2a-9c58-1f3e0a1b2c3d"
CONTROL = "6a1b0001-7c1d-4e2a-9c58-1f3e0a1b2c3d"
DATA = "6a1b0002-7c1d-4e2a-9c58-1f3e0a1b2c3d"
INFO = "6a1b0003-7c1d-4e2a-9c58-1f3e0a1b2c3d"
VERSION = 1
HEADER = struct.Struct("<BBHIHB")
CMD_START, CMD_STOP, RESPONSE = 0x01, 0x02, 0xF0
STATUS = {0: "ok", 1: "unsupported rate", 2: "busy", 3: "sensor error"}
FLAG_ACC_CLIPPED, FLAG_GYR_CLIPPED = 0x01, 0x02


@dataclass
class Scales:
    acc_lsb_per_g: float
    gyr_lsb_per_dps: float


@dataclass
class Packet:
    sequence: int
    time_us: np.ndarray  # device time of each sample (wraps at 2^32)
    acc: np.ndarray  # (n, 3) m/s^2
    gyr: np.ndarray  # (n, 3) rad/s
    flags: int


def decode_info(data: bytes) -> Scales:
    """Info characteristic: u8 version | f32 acc LSB/g | f32 gyro LSB/(deg/s) | u16 max rate | name."""
    if len(data) < 11 or data[0] != VERSION:
        raise DecodeError("imuhip-open", "info: expected version 1 and at least 11 bytes", data)
    _, acc, gyr, _ = struct.unpack_from("<BffH", data)
    return Scales(check_factor("imuhip-open", "info: accelerometer scale (LSB/g)", acc, data),
                  check_factor("imuhip-open", "info: gyroscope scale (LSB/(deg/s))", gyr, data))


def decode_data(data: bytes, scales: Scales) -> Packet:
    if len(data) < HEADER.size:
        raise DecodeError("imuhip-open", f"data: shorter than the {HEADER.size}-byte header", data)
    version, flags, seq, t0, dt, n = HEADER.unpack_from(data)
    if version != VERSION:
        raise DecodeError("imuhip-open", f"data: version {version}, expected {VERSION}", data)
    if n == 0:
        raise DecodeError("imuhip-open", "data: a packet of 0 samples", data)
    if dt == 0:
        raise DecodeError("imuhip-open", "data: sample interval 0 us", data)
    if len(data) != HEADER.size + 12 * n:
        raise DecodeError("imuhip-open", f"data: {n} samples need {HEADER.size + 12 * n} bytes", data)
    raw = np.frombuffer(data, dtype="<i2", offset=HEADER.size).reshape(n, 6).astype(np.float64)
    time_us = (t0 + dt * np.arange(n, dtype=np.int64)) % 2**32
    acc = raw[:, :3] * (G / scales.acc_lsb_per_g)
    gyr = np.radians(raw[:, 3:] / scales.gyr_lsb_per_dps)
    check_values("imuhip-open", acc, gyr, data)
    return Packet(seq, time_us, acc, gyr, flags)


def encode_data(seq: int, t0_us: int, dt_us: int, acc: np.ndarray, gyr: np.ndarray, scales: Scales,
                flags: int = 0) -> bytes:
    """The notification a sensor sends (used by the simulated sensors and the test vectors)."""
    raw = np.column_stack([np.asarray(acc) / G * scales.acc_lsb_per_g,
                           np.degrees(np.asarray(gyr)) * scales.gyr_lsb_per_dps])
    raw = np.clip(np.round(raw), -32768, 32767).astype("<i2")
    return HEADER.pack(VERSION, flags, seq % 2**16, t0_us % 2**32, dt_us, len(raw)) + raw.tobytes()


def start_command(rate_hz: int, acc_range_g: int = 16, gyr_range_dps: int = 2000) -> bytes:
    return struct.pack("<BHBH", CMD_START, rate_hz, acc_range_g, gyr_range_dps)


def decode_response(data: bytes) -> tuple[int, str]:
    """(command, status text) of a control-point indication; DecodeError when malformed."""
    if len(data) < 3 or data[0] != RESPONSE:
        raise DecodeError("imuhip-open", "control response: expected F0 <command> <status>", data)
    return data[1], STATUS.get(data[2], f"status {data[2]}")
