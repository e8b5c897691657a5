"""Record imuhip-open, Movesense, Polar (PMD) and Movella DOT sensors over BLE to an imuhip CSV, crash-safe, with a live view.

One task per sensor connects (bleak, any backend), reads the scales, starts streaming and
decodes every notification; samples go to the CSV as they arrive and the file is flushed and
fsynced every `FLUSH_S`, so a crash or kill -9 loses at most that much. A disconnect is
logged, the other sensors keep recording, and the sensor is reconnected with back-off. Lost
notifications (sequence jumps) and undecodable packets are counted and logged, never fatal.

Session clock: each sensor's device time (unwrapped) goes through its own `SessionClock`: the
offset of its first packet against the host receive time (one host clock for all sensors), then
steered onto the lower envelope of the receive delays, so left and right stay lined up even when
their crystals run tens of ppm apart.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import numpy as np
from bleak import BleakClient
from bleak.exc import BleakError

from imuhip.ble import imuhip_open, movella_dot, movesense, polar_pmd
from imuhip.ble.clock import GapDetector, SessionClock, unwrap_us
from imuhip.ble.errors import DecodeError
from imuhip.ble.live import LiveAngle
from imuhip.errors import InputError
from imuhip.io import CsvWriter
from imuhip.io.units import G
from imuhip.recording import Annotation

FLUSH_S = 0.5
#: Drills markable live by number (any drill name, or its unique beginning, works too).
MARK_KEYS = ["standing", "standing_knee_raise", "seated_hip_flexor", "a_skip", "marching", "half_kneeling_stretch",
             "table_test", "run", "sprint"]


def parse_mark(line: str) -> str | None:
    """The drill a typed line marks: a number of MARK_KEYS, a drill name or its unique beginning;
    an empty line ends the current mark (None)."""
    from imuhip.analysis.session import DRILLS

    text = line.strip().lower().replace(" ", "_").replace("-", "_")
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= len(MARK_KEYS):
        return MARK_KEYS[int(text) - 1]
    names = sorted(set(DRILLS) | {"standing"})
    if text in names:
        return text
    starts = [n for n in names if n.startswith(text)]
    if len(starts) == 1:
        return starts[0]
    raise InputError(f"no drill {line.strip()!r}" + (f" (could be {', '.join(starts)})" if starts else "")
                     + f"; type 1-{len(MARK_KEYS)} or a drill name, Enter to end a mark")
BACKOFF_S = (0.25, 8.0)
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"
MOVESENSE_REF = 0x63


SERVICES = {imuhip_open.SERVICE: "imuhip-open", movesense.SERVICE: "movesense", polar_pmd.SERVICE: "polar-pmd",
            movella_dot.SERVICE: "movella-dot"}
#: Smallest ATT MTU each protocol works with: one imuhip-open sample, a whole DOT notification
#: (Movesense splits long packets itself; Polar fills frames to the MTU).
MIN_MTU = {"imuhip-open": 3 + imuhip_open.HEADER.size + 12, "movella-dot": 3 + movella_dot.MEDIUM_BYTES}


def _protocol(client) -> str:
    """The recordable protocol this connected device speaks, or why it cannot be recorded."""
    uuids = {s.uuid.lower() for s in client.services}
    protocol = next((name for uuid, name in SERVICES.items() if uuid in uuids), None)
    if protocol is None:
        return (f"does not offer a protocol imuhip records (imuhip open protocol, Movesense, Polar PMD, "
                f"Movella DOT); services: {', '.join(sorted(uuids)) or 'none'}")
    if client.mtu_size < MIN_MTU.get(protocol, 0):
        return f"ATT MTU {client.mtu_size} is too small: {protocol} needs at least {MIN_MTU[protocol]}"
    return protocol


async def _battery(client) -> int | None:
    """Battery level (%) from the standard Battery Service (or the DOT's own), when the sensor has one."""
    for uuid in (BATTERY_LEVEL, movella_dot.BATTERY):
        char = client.services.get_characteristic(uuid)
        if char is not None:
            try:
                return int((await client.read_gatt_char(char))[0])
            except (BleakError, IndexError):
                return None
    return None


@dataclass
class SensorState:
    location: str
    address: str
    samples: int = 0
    packets: int = 0
    lost_packets: int = 0
    bad_packets: int = 0
    disconnects: int = 0
    last_error: str = ""
    last_time: float = -np.inf
    device_us: int | None = None
    clock: SessionClock = field(default_factory=SessionClock)
    gaps: GapDetector = field(default_factory=GapDetector)
    live: LiveAngle | None = None
    battery_pct: int | None = None
    rate_hz: float = 0.0  # the rate the sensor was started at
    expected_ms: float | None = None  # Movesense: device time expected for the next packet
    expected_us: float | None = None  # Movella DOT: device time expected for the next sample
    polar_base_ns: int | None = None  # Polar: device time (ns since 2000) taken as device second 0


class Recorder:
    """Record `sensors` ({location: address}) to `out`; `backend` is passed to BleakClient.
    `calibrations` ({location: Calibration}, same strapping) make the live angle the signed thigh
    elevation instead of the tilt from vertical. `clock_speed`: device seconds per host second
    (1 for real sensors, the speed-up of simulated ones)."""

    def __init__(self, out, sensors: dict[str, str], backend=None, rate_hz: int = 104, drill: str | None = None,
                 threshold_deg: float = 90.0, meta: dict | None = None, log=print, clock_speed: float = 1.0,
                 calibrations: dict | None = None):
        from imuhip.analysis.session import Options

        self.out, self.backend, self.rate_hz, self.clock_speed = out, backend, rate_hz, clock_speed
        self.drill, self.threshold = drill, threshold_deg
        rule = Options()
        self.states = {loc: SensorState(loc, addr, live=LiveAngle(loc, rate_hz, threshold_deg,
                                                                   (calibrations or {}).get(loc), rule.max_dip_s,
                                                                   rule.hysteresis_deg))
                       for loc, addr in sensors.items()}
        self.log = log
        self.meta = dict(meta or {})
        self._stop = asyncio.Event()
        self._t0 = None
        self._open_mark: tuple[str, float] | None = None  # drill being marked, since (session s)
        self.writer: CsvWriter | None = None

    def stop(self) -> None:
        self._stop.set()

    def session_time(self) -> float:
        return time.monotonic() - self._t0

    async def run(self, duration_s: float | None = None) -> dict:
        self._t0 = time.monotonic()
        self.meta.setdefault("recorded_with", "imuhip record")
        smeta = {loc: {"device_id": st.address} for loc, st in self.states.items()}
        with CsvWriter(self.out, self.meta, smeta) as writer:
            self.writer = writer
            tasks = [asyncio.create_task(self._sensor(st)) for st in self.states.values()]
            flusher = asyncio.create_task(self._flush_loop())
            try:
                if duration_s is None:
                    await self._stop.wait()
                else:
                    await asyncio.wait_for(self._stop.wait(), duration_s)
            except asyncio.TimeoutError:
                pass
            finally:
                for t in tasks + [flusher]:
                    t.cancel()
                await asyncio.gather(*tasks, flusher, return_exceptions=True)
                if self.drill:
                    writer.annotate(Annotation(0.0, round(self.session_time(), 3), self.drill, "both"))
                self.mark(None)
                writer.flush(fsync=True)
        return self.summary()

    def mark(self, drill: str | None) -> str:
        """Mark `drill` from now on, ending the drill marked before (None: just end it). Each ended
        mark is written and fsynced at once as an annotation. Returns what was done, for the log."""
        if self.writer is None:
            return "not recording yet: mark again in a moment"
        now = round(self.session_time(), 3)
        said = []
        if self._open_mark:
            name, start = self._open_mark
            self.writer.annotate(Annotation(start, now, name, "both"))
            self.writer.flush(fsync=True)
            said.append(f"{name} marked {start:.1f}-{now:.1f} s")
        self._open_mark = (drill, now) if drill else None
        if drill:
            said.append(f"{drill} from {now:.1f} s (Enter ends it)")
        return "; ".join(said) or "no drill being marked"

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            self.writer.flush(fsync=True)

    async def _sensor(self, st: SensorState) -> None:
        delay = BACKOFF_S[0]
        while not self._stop.is_set():
            lost = asyncio.Event()
            try:
                async with BleakClient(st.address, backend=self.backend, timeout=5.0,
                                       disconnected_callback=lambda _c: lost.set()) as client:
                    protocol = _protocol(client)
                    if protocol not in STARTERS:
                        st.last_error = protocol
                        self.log(f"{st.location} ({st.address}): {protocol}")
                        return
                    st.battery_pct = await _battery(client)
                    st.rate_hz = self.rate_hz
                    refused = await STARTERS[protocol](self, client, st)
                    if refused:
                        st.last_error = f"start refused: {refused}"
                        self.log(f"{st.location} ({st.address}): the sensor refused to start: {refused}")
                        return
                    st.live.set_rate(st.rate_hz)
                    self.writer.write_comment(f"{st.location} ({st.address}) streaming {protocol} at {st.rate_hz:g} Hz "
                                              f"from {self.session_time():.3f} s")
                    self.log(f"{st.location} ({st.address}): streaming {protocol} at {st.rate_hz:g} Hz")
                    delay = BACKOFF_S[0]
                    st.gaps = GapDetector()  # a restarted stream counts from its own first packet
                    await lost.wait()
                    st.disconnects += 1
                    self.writer.write_comment(f"{st.location} disconnected at {self.session_time():.3f} s")
                    self.log(f"{st.location} ({st.address}): disconnected at {self.session_time():.1f} s; "
                             f"reconnecting")
            except (BleakError, asyncio.TimeoutError, OSError, DecodeError) as exc:
                st.last_error = str(exc) or type(exc).__name__
                self.log(f"{st.location} ({st.address}): {st.last_error}; retrying in {delay:.1f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_S[1])

    async def _start_imuhip(self, client, st: SensorState) -> str | None:
        scales = imuhip_open.decode_info(await client.read_gatt_char(imuhip_open.INFO))
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        await client.start_notify(imuhip_open.CONTROL, lambda _c, d: answer.done() or answer.set_result(bytes(d)))
        await client.start_notify(imuhip_open.DATA, lambda _c, d: self._on_data(st, bytes(d), scales))
        await client.write_gatt_char(imuhip_open.CONTROL, imuhip_open.start_command(self.rate_hz), response=True)
        _, status = imuhip_open.decode_response(await asyncio.wait_for(answer, 5.0))
        return None if status == "ok" else status

    async def _start_polar(self, client, st: SensorState) -> str | None:
        offered = polar_pmd.decode_features(await client.read_gatt_char(polar_pmd.CONTROL))
        missing = [polar_pmd.NAMES[m] for m in (polar_pmd.ACC, polar_pmd.GYRO) if m not in offered]
        if missing:
            have = ", ".join(polar_pmd.NAMES.get(m, str(m)) for m in sorted(offered)) or "nothing"
            return f"no {' or '.join(missing)} stream (this sensor offers {have}; thigh angles need ACC and GYRO)"
        answers: asyncio.Queue = asyncio.Queue()
        factors: dict[int, float] = {}
        times = {m: polar_pmd.StreamTimes(self.rate_hz) for m in (polar_pmd.ACC, polar_pmd.GYRO)}
        merger = polar_pmd.Merger(self.rate_hz)
        await client.start_notify(polar_pmd.CONTROL, lambda _c, d: answers.put_nowait(bytes(d)))
        await client.start_notify(polar_pmd.DATA, lambda _c, d: self._on_polar(st, bytes(d), factors, times, merger))
        for m in (polar_pmd.ACC, polar_pmd.GYRO):
            await client.write_gatt_char(polar_pmd.CONTROL, polar_pmd.start_command(m, self.rate_hz), response=True)
            answer = polar_pmd.decode_response(await asyncio.wait_for(answers.get(), 5.0))
            if answer.status != "ok":
                return f"{polar_pmd.NAMES[m]}: {answer.status}"
            factors[m] = answer.factor
        return None

    async def _start_dot(self, client, st: SensorState) -> str | None:
        st.rate_hz = movella_dot.streaming_rate(self.rate_hz)
        if st.rate_hz != self.rate_hz:
            self.log(f"{st.location} ({st.address}): a Movella DOT streams at most 60 Hz; {st.rate_hz} Hz is the "
                     f"nearest to the {self.rate_hz} Hz asked")
        control = await client.read_gatt_char(movella_dot.DEVICE_CONTROL)
        await client.write_gatt_char(movella_dot.DEVICE_CONTROL, movella_dot.set_rate(bytes(control), st.rate_hz),
                                     response=True)
        st.expected_us = None
        await client.start_notify(movella_dot.MEDIUM_PAYLOAD, lambda _c, d: self._on_dot(st, bytes(d)))
        await client.write_gatt_char(movella_dot.CONTROL, movella_dot.start_command(), response=True)
        state = bytes(await client.read_gatt_char(movella_dot.CONTROL))
        if state[1:3] != movella_dot.start_command()[1:3]:
            return f"measurement not started (control reads {state.hex(' ')}, expected 01 01 15)"
        return None

    async def _start_movesense(self, client, st: SensorState) -> str | None:
        assembler = movesense.Assembler()
        st.expected_ms = None
        await client.start_notify(movesense.NOTIFY, lambda _c, d: self._on_movesense(st, bytes(d), assembler))
        await client.write_gatt_char(movesense.WRITE, movesense.subscribe_command(MOVESENSE_REF, self.rate_hz),
                                     response=True)
        return None

    def _on_data(self, st: SensorState, data: bytes, scales) -> None:
        host = self.session_time()
        try:
            p = imuhip_open.decode_data(data, scales)
        except DecodeError as exc:
            st.bad_packets += 1
            self.log(f"{st.location}: {exc}")
            return
        gap = st.gaps.feed(p.sequence)
        if gap and gap[1]:
            st.lost_packets += gap[1]
        st.device_us = unwrap_us(int(p.time_us[0]), st.device_us)
        device_s = (st.device_us + (p.time_us.astype(np.int64) - int(p.time_us[0])) % 2**32) * 1e-6
        self._accept(st, device_s, p.acc, p.gyr, host)

    def _on_movesense(self, st: SensorState, data: bytes, assembler) -> None:
        host = self.session_time()
        try:
            p = assembler.feed(data)
        except DecodeError as exc:
            st.bad_packets += 1
            self.log(f"{st.location}: {exc}")
            return
        if p is None:
            return
        step_ms = 1000.0 / self.rate_hz
        st.device_us = unwrap_us(p.timestamp_ms, st.device_us)  # a u32 millisecond counter
        if st.expected_ms is not None:
            missing = round((st.device_us - st.expected_ms) / (len(p.acc) * step_ms))
            st.lost_packets += max(0, missing)
        st.expected_ms = st.device_us + len(p.acc) * step_ms
        device_s = (st.device_us + step_ms * np.arange(len(p.acc))) * 1e-3
        self._accept(st, device_s, p.acc, p.gyr, host)

    def _on_dot(self, st: SensorState, data: bytes) -> None:
        host = self.session_time()
        try:
            t_us, acc, gyr = movella_dot.decode_rate_quantities(data)
        except DecodeError as exc:
            st.bad_packets += 1
            self.log(f"{st.location}: {exc}")
            return
        step_us = 1e6 / st.rate_hz
        st.device_us = unwrap_us(t_us, st.device_us)
        if st.expected_us is not None:
            st.lost_packets += max(0, round((st.device_us - st.expected_us) / step_us))
        st.expected_us = st.device_us + step_us
        self._accept(st, np.array([st.device_us * 1e-6]), acc, gyr, host)

    def _on_polar(self, st: SensorState, data: bytes, factors: dict, times: dict, merger) -> None:
        host = self.session_time()
        try:
            frame = polar_pmd.decode_frame(data)
        except DecodeError as exc:
            st.bad_packets += 1
            self.log(f"{st.location}: {exc}")
            return
        m = frame.measurement & 0x3F
        if m not in factors:  # a stream not started (or its start not yet answered)
            return
        t_ns, lost = times[m].feed(frame)
        if lost:
            st.lost_packets += max(1, round(lost / len(frame.values)))
        if not len(t_ns):
            return
        values = frame.values * factors[m]
        merger.add(m, t_ns, values * (G / 1000) if m == polar_pmd.ACC else np.radians(values))
        t_ns, acc, gyr = merger.pop()
        if len(t_ns):
            if st.polar_base_ns is None:
                st.polar_base_ns = int(t_ns[0])
            self._accept(st, (t_ns - st.polar_base_ns) * 1e-9, acc, gyr, host)

    def _accept(self, st: SensorState, device_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray, host: float) -> None:
        """Samples with device times (s) onto the session clock, into the CSV and the live view."""
        t = st.clock.to_session(device_s, host * self.clock_speed)
        keep = t > st.last_time
        if not keep.any():
            return
        t, acc, gyr = t[keep], acc[keep], gyr[keep]
        self.writer.append(st.location, t, acc, gyr)
        st.last_time = float(t[-1])
        st.samples += len(t)
        st.packets += 1
        st.live.update(t, acc, gyr)

    def status_line(self) -> str:
        parts = []
        for st in self.states.values():
            sent = st.packets + st.lost_packets
            loss = 100.0 * st.lost_packets / sent if sent else 0.0
            live = st.live
            hold = f" HOLD {live.hold_s:5.1f} s" if live.hold_start is not None else ""
            battery = f" battery {st.battery_pct}%" if st.battery_pct is not None else ""
            parts.append(f"{st.location}: {live.kind} {live.angle_deg:5.1f}°{hold} reps {live.reps} loss {loss:.1f}%"
                         f"{battery}")
        return f"{self.session_time():6.1f} s | " + " | ".join(parts)

    def summary(self) -> dict:
        out = {}
        for loc, st in self.states.items():
            _, drift = st.clock.sync.offset_drift()
            out[loc] = dict(address=st.address, samples=st.samples, packets=st.packets, lost_packets=st.lost_packets,
                            bad_packets=st.bad_packets, disconnects=st.disconnects, best_hold_s=st.live.best_hold_s,
                            reps=st.live.reps, battery_pct=st.battery_pct,
                            drift_ppm=drift * 1e6, last_error=st.last_error)
        return out


STARTERS = {"imuhip-open": Recorder._start_imuhip, "movesense": Recorder._start_movesense,
            "polar-pmd": Recorder._start_polar, "movella-dot": Recorder._start_dot}
