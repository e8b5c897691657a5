"""One class per protocol: start a connected sensor streaming, and turn its notifications into
samples on the sensor's own clock.

    stream = STREAMS[protocol](rate_hz)            # one per sensor, kept across reconnects
    refused = await stream.start(client, on_data)  # None, or the sensor's reason; on_data(bytes)
    device_s, acc, gyr, lost = stream.feed(data)   # or None while a packet is incomplete

`feed` returns device times (s, unwrapped, continuous across reconnects), acc (n, 3) m/s^2,
gyro (n, 3) rad/s and the notifications lost just before this one; a notification that does not
decode raises DecodeError. `rate_hz` is the rate the sensor actually streams at.
"""

from __future__ import annotations

import asyncio

import numpy as np

from imuhip.ble import imuhip_open, movella_dot, movesense, polar_pmd
from imuhip.ble.clock import GapDetector, unwrap_us
from imuhip.ble.errors import DecodeError, check_values
from imuhip.io.units import ACC_UNITS

ANSWER_TIMEOUT_S = 5.0
MOVESENSE_REF = 0x63
Samples = tuple[np.ndarray, np.ndarray, np.ndarray, int]


def _subscriber(on_data):
    return lambda _char, data: on_data(bytes(data))


class ImuhipStream:
    """imuhip open protocol: scales from the info characteristic, start command answered by
    indication, a sequence number and the first sample's device time (us) in every packet."""

    def __init__(self, rate_hz: float):
        self.rate_hz = rate_hz
        self._scales = None
        self._gaps = GapDetector()
        self._device_us: int | None = None

    async def start(self, client, on_data) -> str | None:
        self._scales = imuhip_open.decode_info(await client.read_gatt_char(imuhip_open.INFO))
        self._gaps = GapDetector()  # a restarted stream counts from its own first packet
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        await client.start_notify(imuhip_open.CONTROL, lambda _c, d: answer.done() or answer.set_result(bytes(d)))
        await client.start_notify(imuhip_open.DATA, _subscriber(on_data))
        await client.write_gatt_char(imuhip_open.CONTROL, imuhip_open.start_command(int(self.rate_hz)), response=True)
        _, status = imuhip_open.decode_response(await asyncio.wait_for(answer, ANSWER_TIMEOUT_S))
        return None if status == "ok" else status

    def feed(self, data: bytes) -> Samples:
        p = imuhip_open.decode_data(data, self._scales)
        gap = self._gaps.feed(p.sequence)
        self._device_us = unwrap_us(int(p.time_us[0]), self._device_us)
        device_s = (self._device_us + (p.time_us.astype(np.int64) - int(p.time_us[0])) % 2**32) * 1e-6
        return device_s, p.acc, p.gyr, gap[1] if gap else 0


class MovesenseStream:
    """Movesense IMU6 subscription: a u32 millisecond stamp of the first sample per packet;
    lost packets from stamps further apart than the packets' length."""

    def __init__(self, rate_hz: float):
        self.rate_hz = rate_hz
        self._assembler = movesense.Assembler()
        self._device_ms: int | None = None
        self._expected_ms: float | None = None

    async def start(self, client, on_data) -> str | None:
        self._assembler, self._expected_ms = movesense.Assembler(), None
        await client.start_notify(movesense.NOTIFY, _subscriber(on_data))
        await client.write_gatt_char(movesense.WRITE, movesense.subscribe_command(MOVESENSE_REF, int(self.rate_hz)),
                                     response=True)
        return None

    def feed(self, data: bytes) -> Samples | None:
        p = self._assembler.feed(data)
        if p is None:
            return None
        step_ms = 1000.0 / self.rate_hz
        self._device_ms = unwrap_us(p.timestamp_ms, self._device_ms)  # a u32 millisecond counter
        lost = 0
        if self._expected_ms is not None:
            lost = max(0, round((self._device_ms - self._expected_ms) / (len(p.acc) * step_ms)))
        self._expected_ms = self._device_ms + len(p.acc) * step_ms
        return (self._device_ms + step_ms * np.arange(len(p.acc))) * 1e-3, p.acc, p.gyr, lost


class PolarStream:
    """Polar PMD: the settings each stream offers are asked first and the offered rate nearest the
    one asked is chosen (a Verity Sense outside SDK mode offers 52 Hz only); ACC and GYRO are
    started by control-point writes (settings TLV), each answered with its conversion factor;
    frames are timed per stream and the gyro put onto the ACC clock."""

    def __init__(self, rate_hz: float):
        self.asked_hz = self.rate_hz = rate_hz
        self._factors: dict[int, float] = {}
        self._base_ns: int | None = None  # the first sample's stamp (ns since 2000) is device second 0
        self._reset()

    def _reset(self) -> None:
        self._factors = {}
        self._times = {m: polar_pmd.StreamTimes(self.rate_hz) for m in (polar_pmd.ACC, polar_pmd.GYRO)}
        self._merger = polar_pmd.Merger(self.rate_hz)

    async def start(self, client, on_data) -> str | None:
        offered = polar_pmd.decode_features(await client.read_gatt_char(polar_pmd.CONTROL))
        missing = [polar_pmd.NAMES[m] for m in (polar_pmd.ACC, polar_pmd.GYRO) if m not in offered]
        if missing:
            have = ", ".join(polar_pmd.NAMES.get(m, str(m)) for m in sorted(offered)) or "nothing"
            return f"no {' or '.join(missing)} stream (this sensor offers {have}; thigh angles need ACC and GYRO)"
        answers: asyncio.Queue = asyncio.Queue()

        async def ask(command: bytes) -> polar_pmd.Response:
            await client.write_gatt_char(polar_pmd.CONTROL, command, response=True)
            return polar_pmd.decode_response(await asyncio.wait_for(answers.get(), ANSWER_TIMEOUT_S))

        await client.start_notify(polar_pmd.CONTROL, lambda _c, d: answers.put_nowait(bytes(d)))
        offers = {}
        for m in (polar_pmd.ACC, polar_pmd.GYRO):
            answer = await ask(polar_pmd.settings_command(m))
            if answer.status != "ok":
                return f"{polar_pmd.NAMES[m]} settings: {answer.status}"
            offers[m] = answer.settings
        rates = [set(offers[m].get(polar_pmd.SAMPLE_RATE, [self.asked_hz])) for m in offers]
        common = sorted(rates[0] & rates[1])
        if not common:
            return f"ACC and GYRO share no sample rate (ACC {sorted(rates[0])}, GYRO {sorted(rates[1])} Hz)"
        self.rate_hz = polar_pmd.choose_settings({polar_pmd.SAMPLE_RATE: common}, self.asked_hz, polar_pmd.ACC)[0]
        self._reset()
        await client.start_notify(polar_pmd.DATA, _subscriber(on_data))
        for m in (polar_pmd.ACC, polar_pmd.GYRO):
            _, resolution, range_ = polar_pmd.choose_settings(offers[m], self.rate_hz, m)
            try:
                answer = await ask(polar_pmd.start_command(m, int(self.rate_hz), resolution, range_))
            except DecodeError as exc:  # an unusable conversion factor: nothing it sends could be read
                return f"{polar_pmd.NAMES[m]} start answer: {exc}"
            if answer.status != "ok":
                return f"{polar_pmd.NAMES[m]}: {answer.status}"
            self._factors[m] = answer.factor
        return None

    def feed(self, data: bytes) -> Samples | None:
        frame = polar_pmd.decode_frame(data)
        m = frame.measurement & 0x3F
        if m not in self._factors:  # a stream not started (or its start not yet answered)
            return None
        t_ns, lost_samples = self._times[m].feed(frame)
        if not len(t_ns):
            return None
        values = frame.values * self._factors[m]
        values = values * ACC_UNITS["mg"] if m == polar_pmd.ACC else np.radians(values)
        none = np.empty((0, 3))
        check_values("polar-pmd", *((values, none) if m == polar_pmd.ACC else (none, values)), data)
        self._merger.add(m, t_ns, values)
        t_ns, acc, gyr = self._merger.pop()
        lost = max(1, round(lost_samples / len(frame.values))) if lost_samples else 0
        if not len(t_ns):
            return (t_ns * 1e-9, acc, gyr, lost) if lost else None
        if self._base_ns is None:
            self._base_ns = int(t_ns[0])
        return (t_ns - self._base_ns) * 1e-9, acc, gyr, lost


class DotStream:
    """Movella DOT, rate quantities: output rate set in the device control characteristic, one
    sample per notification with a u32 microsecond stamp."""

    def __init__(self, rate_hz: float):
        self.rate_hz = movella_dot.streaming_rate(rate_hz)
        self._device_us: int | None = None
        self._expected_us: float | None = None

    async def start(self, client, on_data) -> str | None:
        control = await client.read_gatt_char(movella_dot.DEVICE_CONTROL)
        await client.write_gatt_char(movella_dot.DEVICE_CONTROL, movella_dot.set_rate(bytes(control), self.rate_hz),
                                     response=True)
        self._expected_us = None
        await client.start_notify(movella_dot.MEDIUM_PAYLOAD, _subscriber(on_data))
        await client.write_gatt_char(movella_dot.CONTROL, movella_dot.start_command(), response=True)
        state = bytes(await client.read_gatt_char(movella_dot.CONTROL))
        if state[1:3] != movella_dot.start_command()[1:3]:
            return f"measurement not started (control reads {state.hex(' ')}, expected 01 01 15)"
        return None

    def feed(self, data: bytes) -> Samples:
        t_us, acc, gyr = movella_dot.decode_rate_quantities(data)
        step_us = 1e6 / self.rate_hz
        self._device_us = unwrap_us(t_us, self._device_us)
        lost = 0 if self._expected_us is None else max(0, round((self._device_us - self._expected_us) / step_us))
        self._expected_us = self._device_us + step_us
        return np.array([self._device_us * 1e-6]), acc, gyr, lost


STREAMS = {"imuhip-open": ImuhipStream, "movesense": MovesenseStream, "polar-pmd": PolarStream,
           "movella-dot": DotStream}
