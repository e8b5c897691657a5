"""Polar Measurement Data (PMD) frames: Verity Sense accelerometer and gyroscope, H10 accelerometer
(firmware_protocols/polar_pmd.md).

Frame: u8 measurement type | u64 LE timestamp of the LAST sample (ns since 2000-01-01) |
u8 frame type (bit 7 = delta compressed) | data. Raw frame types 0/1/2: 3 channels of signed
8/16/24-bit samples. Compressed: a reference sample (3 x 16 bit), then blocks of
[u8 delta bit width][u8 sample count][deltas bit-packed LSB first], each delta added to the
previous sample. Every value is multiplied by the conversion factor the sensor returned in its
start response (for ACC the result is in milli-g, for GYRO in deg/s).

Control point: write `01 <type>` to ask which settings a stream offers (rates, resolutions,
ranges), `02 <type> <settings TLV>` to start, `03 <type>` to stop; the sensor
answers by indication `F0 <op> <type> <status> <more> <parameters>`, a started stream's
parameters holding the conversion factor (setting 5, float32). Reading the control point gives
`0F <bitmap of the measurement types offered>`. ACC and GYRO come as separate frames with their
own stamps on the same device clock; `Merger` puts the gyro onto the ACC sample times.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from imuhip.ble.errors import DecodeError, check_factor

SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
ACC, GYRO = 2, 5
NAMES = {0: "ECG", 1: "PPG", 2: "ACC", 3: "PPI", 5: "GYRO", 6: "MAG"}
RAW_BITS = {0: 8, 1: 16, 2: 24}
POLAR_EPOCH_UNIX_S = 946684800.0  # Polar time counts ns from 2000-01-01T00:00:00Z
MAX_STAMP_NS = 200 * 365 * 86400 * 10**9  # a stamp past 2200 is damage (and would overflow int64 arithmetic)
OP_SETTINGS, OP_START, OP_STOP, RESPONSE, FEATURES = 0x01, 0x02, 0x03, 0xF0, 0x0F
SAMPLE_RATE, RESOLUTION, RANGE, FACTOR = 0, 1, 2, 5
SETTING_BYTES = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4, 6: 16}  # bytes per value of each setting id
STATUS = {0: "ok", 1: "invalid op code", 2: "invalid measurement type", 3: "not supported", 4: "invalid length",
          5: "invalid parameter", 6: "already in state", 7: "invalid resolution", 8: "invalid sample rate",
          9: "invalid range", 10: "invalid MTU", 11: "invalid number of channels", 12: "invalid state",
          13: "device in charger"}
#: Range setting per measurement: +-8 g for ACC, +-2000 deg/s for GYRO (thigh drills stay well inside).
DEFAULT_RANGE = {ACC: 8, GYRO: 2000}


@dataclass
class Response:
    op: int
    measurement: int
    status: str  # "ok" or what the sensor refused
    settings: dict[int, list[float]]

    @property
    def factor(self) -> float:
        return float(self.settings.get(FACTOR, [1.0])[0])


def start_command(measurement: int, rate_hz: int, resolution: int = 16, range_: int | None = None) -> bytes:
    """Control-point write starting a stream: rate (Hz), resolution (bits) and range (g or deg/s)."""
    rng = DEFAULT_RANGE.get(measurement, 8) if range_ is None else range_
    tlv = b"".join(struct.pack("<BBH", sid, 1, value)
                   for sid, value in ((SAMPLE_RATE, rate_hz), (RESOLUTION, resolution), (RANGE, rng)))
    return bytes([OP_START, measurement]) + tlv


def stop_command(measurement: int) -> bytes:
    return bytes([OP_STOP, measurement])


def decode_settings(data: bytes) -> dict[int, list[float]]:
    """Settings TLV: [u8 id][u8 count][count values of the id's size] ...; the factor is float32."""
    out, i = {}, 0
    while i < len(data):
        if i + 2 > len(data):
            raise DecodeError("polar-pmd", f"setting header cut off at byte {i}", data)
        sid, count = data[i], data[i + 1]
        size = SETTING_BYTES.get(sid)
        if size is None:
            raise DecodeError("polar-pmd", f"unknown setting id {sid} at byte {i}", data)
        body = data[i + 2:i + 2 + count * size]
        if len(body) < count * size:
            raise DecodeError("polar-pmd", f"setting {sid} needs {count * size} bytes, {len(body)} left", data)
        if sid == FACTOR:
            values = [check_factor("polar-pmd", "conversion factor", float(v), data) for v in np.frombuffer(body, "<f4")]
        else:
            values = [float(int.from_bytes(body[k:k + size], "little")) for k in range(0, len(body), size)]
        out[sid] = values
        i += 2 + count * size
    return out


def decode_response(data: bytes) -> Response:
    """A control-point indication answering a command."""
    if len(data) < 4 or data[0] != RESPONSE:
        raise DecodeError("polar-pmd", "control-point response needs F0 <op> <type> <status>", data)
    status = STATUS.get(data[3], f"error {data[3]}")
    settings = decode_settings(data[5:]) if data[3] == 0 and len(data) > 5 else {}
    return Response(data[1], data[2], status, settings)


def settings_command(measurement: int) -> bytes:
    """Control-point write asking which settings a measurement offers."""
    return bytes([OP_SETTINGS, measurement])


def choose_settings(offered: dict[int, list[float]], rate_hz: float, measurement: int) -> tuple[int, int, int]:
    """(rate Hz, resolution bits, range) to start with: the offered rate nearest `rate_hz`, 16 bit
    when offered, the default range (8 g, 2000 deg/s) when offered, else the widest."""
    rates = offered.get(SAMPLE_RATE) or [rate_hz]
    rate = int(min(rates, key=lambda r: (abs(r - rate_hz), -r)))
    resolutions = offered.get(RESOLUTION) or [16]
    resolution = 16 if 16 in resolutions else int(max(resolutions))
    ranges = offered.get(RANGE) or [DEFAULT_RANGE.get(measurement, 8)]
    wanted = DEFAULT_RANGE.get(measurement, 8)
    return rate, resolution, int(wanted if wanted in ranges else max(ranges))


def encode_settings(settings: dict[int, list[float]]) -> bytes:
    """Settings TLV (for simulated sensors and test vectors)."""
    out = b""
    for sid, values in settings.items():
        size = SETTING_BYTES[sid]
        body = b"".join(struct.pack("<f", v) if sid == FACTOR else int(v).to_bytes(size, "little") for v in values)
        out += bytes([sid, len(values)]) + body
    return out


def encode_response(op: int, measurement: int, status: int = 0, factor: float | None = None,
                    settings: dict[int, list[float]] | None = None) -> bytes:
    """The indication a sensor sends (for simulated sensors and test vectors)."""
    params = dict(settings or {})
    if factor is not None:
        params[FACTOR] = [factor]
    return bytes([RESPONSE, op, measurement, status, 0]) + encode_settings(params)


def decode_features(data: bytes) -> set[int]:
    """Measurement types a sensor offers, from a read of the control point (`0F <bitmap>`)."""
    if len(data) < 2 or data[0] != FEATURES:
        raise DecodeError("polar-pmd", "control-point read needs 0F <feature bitmap>", data)
    bits = int.from_bytes(data[1:], "little")
    return {k for k in range(8 * (len(data) - 1)) if bits >> k & 1}


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
        if count == 0:
            raise ValueError(f"delta block of 0 samples at byte {offset - 2}")
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
    if timestamp >= MAX_STAMP_NS:
        raise DecodeError("polar-pmd", f"timestamp {timestamp} ns is after the year 2200", data)
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
    if not len(values):
        raise DecodeError("polar-pmd", "frame without samples", data)
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


def encode_frame(measurement: int, timestamp_ns: int, values: np.ndarray, compressed: bool = False) -> bytes:
    """A data frame of int16 samples (n, 3): raw type 1, or delta compressed (type 0 | 0x80) as one
    block after the reference sample. For simulated sensors and test vectors."""
    v = np.asarray(values, dtype=np.int64)
    head = bytes([measurement]) + struct.pack("<Q", timestamp_ns)
    if not compressed:
        return head + b"\x01" + v.astype("<i2").tobytes()
    body = v[0].astype("<i2").tobytes()
    if len(v) > 1:
        deltas = np.diff(v, axis=0).ravel()
        width = max(2, int(np.abs(deltas).max()).bit_length() + 1)
        bits = ((deltas[:, None] >> np.arange(width)) & 1).astype(np.uint8).ravel()
        body += bytes([width, len(v) - 1]) + np.packbits(bits, bitorder="little").tobytes()
    return head + b"\x80" + body


class StreamTimes:
    """Sample times of one measurement's frames, and the samples lost between frames.

    Within a frame the samples are spread back from its stamp over the time since the previous
    frame; when that time exceeds 1.5 frames at the nominal rate, frames were lost: the samples
    are spaced at the nominal rate and the missing ones counted."""

    def __init__(self, rate_hz: float):
        self.step_ns = 1e9 / rate_hz
        self.previous_ns: int | None = None

    def feed(self, frame: Frame) -> tuple[np.ndarray, int]:
        """(sample times, ns since 2000 as int64; samples lost just before this frame)."""
        n, previous = len(frame.values), self.previous_ns
        lost = 0
        if previous is not None:
            span = frame.timestamp_ns - previous
            if span <= 0:
                return np.empty(0, np.int64), 0  # a repeated or out-of-order frame
            if span > 1.5 * n * self.step_ns:
                lost = max(0, round(span / self.step_ns) - n)
                previous = None
        self.previous_ns = frame.timestamp_ns
        return np.round(sample_times_ns(frame, 1e9 / self.step_ns, previous)).astype(np.int64), lost


class Merger:
    """ACC and GYRO streams of one sensor onto the ACC sample times.

    Each ACC sample is emitted once gyro samples on both sides of it have arrived, with the gyro
    interpolated linearly to its time; across a gyro gap longer than `max_gap` sample steps the
    ACC samples are dropped (a gap in the file, never invented data)."""

    def __init__(self, rate_hz: float, max_gap: float = 2.5):
        self.max_gap_ns = max_gap * 1e9 / rate_hz
        self._acc_t, self._acc = np.empty(0, np.int64), np.empty((0, 3))
        self._gyr_t, self._gyr = np.empty(0, np.int64), np.empty((0, 3))

    def add(self, measurement: int, times_ns: np.ndarray, values: np.ndarray) -> None:
        if measurement == ACC:
            self._acc_t, self._acc = np.concatenate([self._acc_t, times_ns]), np.concatenate([self._acc, values])
        elif measurement == GYRO:
            self._gyr_t, self._gyr = np.concatenate([self._gyr_t, times_ns]), np.concatenate([self._gyr, values])

    def pop(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times ns, acc, gyro) ready to emit; what still waits for gyro samples stays."""
        gt, at = self._gyr_t, self._acc_t
        if len(gt) < 2 or len(at) == 0 or at[0] > gt[-1]:
            if len(at) == 0:  # ACC not flowing: keep a bounded tail of gyro
                self._gyr_t, self._gyr = gt[-1024:], self._gyr[-1024:]
            return np.empty(0, np.int64), np.empty((0, 3)), np.empty((0, 3))
        n = int(np.searchsorted(at, gt[-1], side="right"))  # ACC samples with gyro after them
        t, acc = at[:n], self._acc[:n]
        self._acc_t, self._acc = at[n:], self._acc[n:]
        right = np.clip(np.searchsorted(gt, t), 1, len(gt) - 1)
        t_left, t_right = gt[right - 1], gt[right]
        span = t_right - t_left
        near = self.max_gap_ns / 5  # half a step: a gyro sample this close stands for the ACC time
        ok = (t >= gt[0] - near) & ((span <= self.max_gap_ns) | (np.minimum(np.abs(t_right - t), np.abs(t - t_left))
                                                                  <= near))
        w = np.clip((t - t_left) / np.maximum(span, 1), 0.0, 1.0)[:, None]
        gyr = self._gyr[right - 1] * (1.0 - w) + self._gyr[right] * w
        keep_from = max(0, int(np.searchsorted(gt, t[-1])) - 1)
        self._gyr_t, self._gyr = gt[keep_from:], self._gyr[keep_from:]
        return t[ok], acc[ok], gyr[ok]
