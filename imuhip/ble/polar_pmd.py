"""Polar Measurement Data (PMD) frames: Verity Sense accelerometer and gyroscope, H10 accelerometer
(firmware_protocols/polar_pmd.md).

Frame: u8 measurement type | u64 LE timestamp of the LAST sample (ns since 2000-01-01) |
u8 frame type (bit 7 = delta compressed) | data. Raw frame types 0/1/2: 3 channels of signed
8/16/24-bit samples. Compressed: a reference sample (3 x 16 bit), then blocks of
[u8 delta bit width][u8 sample count][deltas bit-packed LSB first], each delta added to the
previous sample. Every value is multiplied by the conversion factor the sensor returned in its
start response (for ACC the result is in milli-g, for GYRO in deg/s).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from imuhip.ble.errors import DecodeError

SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
ACC, GYRO = 2, 5
RAW_BITS = {0: 8, 1: 16, 2: 24}
POLAR_EPOCH_UNIX_S = 946684800.0


@dataclass
class Frame:
    measurement: int
    timestamp_ns: int  # of the last sample, since 2000-01-01
    values: np.ndarray  # (n, 3) after the factor: mG for ACC, deg/s for GYRO


def _signed(values: np.ndarray, bits: int) -> np.ndarray:
    sign = np.int64(1) << (bits - 1)
    return (values ^ sign) - sign


def _raw(content: bytes, bits: int) -> np.ndarray:
    width = bits // 8
    if len(content) % (3 * width):
        raise ValueError(f"{len(content)} data bytes is not a whole number of {3 * width}-byte samples")
    b = np.frombuffer(content, dtype=np.uint8).reshape(-1, width).astype(np.int64)
    v = (b << (8 * np.arange(width))).sum(axis=1)
    return _signed(v, bits).reshape(-1, 3)


def _delta(content: bytes, resolution: int = 16, channels: int = 3) -> np.ndarray:
    ref_bytes = (resolution + 7) // 8
    if len(content) < channels * ref_bytes:
        raise ValueError("shorter than the reference sample")
    ref = _signed(np.array([int.from_bytes(content[i * ref_bytes:(i + 1) * ref_bytes], "little")
                            for i in range(channels)], dtype=np.int64), resolution)
    out = [ref[None, :]]
    offset = channels * ref_bytes
    last = ref
    while offset < len(content):
        if offset + 2 > len(content):
            raise ValueError(f"block header cut off at byte {offset}")
        width, count = content[offset], content[offset + 1]
        offset += 2
        if width == 0 or width > 32:
            raise ValueError(f"delta bit width {width} at byte {offset - 2}")
        nbytes = (width * count * channels + 7) // 8
        block = np.frombuffer(content[offset:offset + nbytes], dtype=np.uint8)
        if len(block) < nbytes:
            raise ValueError(f"delta block of {count} samples needs {nbytes} bytes, {len(block)} left")
        offset += nbytes
        bits = np.unpackbits(block, bitorder="little")[:width * count * channels].reshape(-1, width)
        deltas = _signed((bits.astype(np.int64) << np.arange(width)).sum(axis=1), width).reshape(count, channels)
        samples = last + np.cumsum(deltas, axis=0)
        out.append(samples)
        last = samples[-1]
    return np.concatenate(out)


def decode_frame(data: bytes, factor: float = 1.0) -> Frame:
    """One PMD data notification; DecodeError names what is wrong and shows the bytes."""
    if len(data) < 10:
        raise DecodeError("polar-pmd", "frame shorter than its 10-byte header", data)
    measurement = data[0]
    (timestamp,) = struct.unpack_from("<Q", data, 1)
    ftype = data[9]
    compressed, kind = bool(ftype & 0x80), ftype & 0x7F
    try:
        if compressed:
            if kind != 0:
                raise ValueError(f"compressed frame type {kind} not supported (0 is)")
            values = _delta(data[10:])
        else:
            if kind not in RAW_BITS:
                raise ValueError(f"raw frame type {kind} not supported (0, 1, 2 are)")
            values = _raw(data[10:], RAW_BITS[kind])
    except ValueError as exc:
        raise DecodeError("polar-pmd", str(exc), data) from None
    return Frame(measurement, timestamp, values.astype(np.float64) * factor)


def sample_times_ns(frame: Frame, rate_hz: float, previous_ns: int | None = None) -> np.ndarray:
    """Times (ns since 2000) of a frame's samples: spread up to the frame's last-sample stamp,
    over the interval since the previous frame when known, else by the nominal rate."""
    n = len(frame.values)
    if previous_ns is not None and frame.timestamp_ns > previous_ns:
        step = (frame.timestamp_ns - previous_ns) / n
    else:
        step = 1e9 / rate_hz
    return frame.timestamp_ns - step * np.arange(n - 1, -1, -1)
