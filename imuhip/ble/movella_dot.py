"""Movella (Xsens) DOT: real-time streaming in the "Rate quantities" payload mode
(firmware_protocols/movella_dot.md).

UUIDs are 1517xxxx-4947-11e9-8646-d663bd873d93. The output rate (1, 4, 10, 12, 15, 20, 30 or
60 Hz) is set in the 32-byte device control characteristic (0x1002: visit index bit 4, u16 rate
at byte 24); measurement starts by writing `01 01 15` (measurement, start, payload mode 21) to
the control characteristic (0x2001) once the medium payload characteristic (0x2003) notifies.
Each notification is one sample: u32 timestamp (us) | acceleration x, y, z float32 (m/s^2) |
angular velocity x, y, z float32 (deg/s), zero-padded to 40 bytes.
"""

from __future__ import annotations

import struct

import numpy as np

from imuhip.ble.errors import DecodeError, check_values


def uuid(short: int) -> str:
    return f"1517{short:04x}-4947-11e9-8646-d663bd873d93"


CONFIG_SERVICE, DEVICE_CONTROL = uuid(0x1000), uuid(0x1002)
SERVICE, CONTROL, MEDIUM_PAYLOAD = uuid(0x2000), uuid(0x2001), uuid(0x2003)
BATTERY_SERVICE, BATTERY = uuid(0x3000), uuid(0x3001)
RATE_QUANTITIES = 21
RATES_HZ = (1, 4, 10, 12, 15, 20, 30, 60)  # real-time streaming (120 Hz is for on-board recording only)
VISIT_OUTPUT_RATE = 0x10
RATE_OFFSET = 24  # byte of the u16 output rate in the device control characteristic
PAYLOAD = struct.Struct("<I6f")
MEDIUM_BYTES = 40


def streaming_rate(requested_hz: float) -> int:
    """The DOT real-time rate closest to the one requested (Hz)."""
    return min(RATES_HZ, key=lambda r: abs(r - requested_hz))


def set_rate(device_control: bytes, rate_hz: int) -> bytes:
    """The device-control write changing only the output rate, from the 32 bytes read before."""
    if len(device_control) < RATE_OFFSET + 2:
        raise DecodeError("movella-dot", f"device control of {len(device_control)} bytes, expected 32",
                          device_control)
    if rate_hz not in RATES_HZ:
        raise ValueError(f"{rate_hz} Hz is not a DOT streaming rate ({', '.join(map(str, RATES_HZ))})")
    out = bytearray(device_control)
    out[0] = VISIT_OUTPUT_RATE
    out[RATE_OFFSET:RATE_OFFSET + 2] = struct.pack("<H", rate_hz)
    return bytes(out)


def start_command(start: bool = True) -> bytes:
    return bytes([1, int(start), RATE_QUANTITIES])


def decode_rate_quantities(data: bytes) -> tuple[int, np.ndarray, np.ndarray]:
    """One notification: (timestamp us, acc (1, 3) m/s^2, gyro (1, 3) rad/s)."""
    if len(data) < PAYLOAD.size:
        raise DecodeError("movella-dot", f"rate quantities need {PAYLOAD.size} bytes", data)
    t_us, *v = PAYLOAD.unpack_from(data)
    values = np.array(v).reshape(2, 3)
    acc, gyr = values[:1], np.radians(values[1:])
    check_values("movella-dot", acc, gyr, data)
    return t_us, acc, gyr


RECORD = np.dtype([("t_us", "<u4"), ("acc", "<f4", 3), ("gyr", "<f4", 3), ("pad", "V12")])


def decode_many(packets: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Many 40-byte notifications at once (a log of them): (timestamps us, acc m/s^2, gyro rad/s)."""
    bad = next((k for k, p in enumerate(packets) if len(p) != MEDIUM_BYTES), None)
    if bad is not None:
        raise DecodeError("movella-dot", f"notification {bad} is not {MEDIUM_BYTES} bytes", packets[bad])
    r = np.frombuffer(b"".join(packets), RECORD)
    acc, gyr = r["acc"].astype(np.float64), np.radians(r["gyr"].astype(np.float64))
    for k in np.flatnonzero(~(np.isfinite(acc).all(axis=1) & np.isfinite(gyr).all(axis=1)))[:1]:
        raise DecodeError("movella-dot", f"non-finite sample values in notification {k}", packets[k])
    check_values("movella-dot", acc, gyr, b"".join(packets[:1]))
    return r["t_us"].astype(np.int64), acc, gyr


def encode_rate_quantities(t_us: int, acc, gyr) -> bytes:
    """The notification a DOT sends (for simulated sensors and test vectors): acc m/s^2, gyro rad/s."""
    payload = PAYLOAD.pack(t_us % 2**32, *np.asarray(acc, float).ravel(), *np.degrees(np.asarray(gyr, float)).ravel())
    return payload.ljust(MEDIUM_BYTES, b"\0")
