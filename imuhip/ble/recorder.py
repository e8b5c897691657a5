"""Record BLE sensors (imuhip-open, Movesense, Polar PMD, Movella DOT) to an imuhip CSV,
crash-safe, with a live view.

One task per sensor connects (bleak, any backend), finds its protocol, starts it streaming
(`imuhip.ble.streams`) and decodes every notification; samples go to the CSV as they arrive and
the file is flushed and fsynced every `FLUSH_S`, so a crash or kill -9 loses at most that much.
A disconnect is logged, the other sensors keep recording, and the sensor is reconnected with
back-off. Lost notifications and undecodable packets are counted and logged, never fatal.

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
from imuhip.ble.clock import SessionClock
from imuhip.ble.errors import DecodeError
from imuhip.ble.live import LiveAngle, warm_up
from imuhip.ble.streams import STREAMS
from imuhip.errors import InputError
from imuhip.io import CsvWriter
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
#: Stop ends every sensor task within this (s), whatever phase it is in; each is cancelled again
#: every STOP_RETRY_S meanwhile (a cancellation some library swallowed is sent once more).
STOP_S = 1.5
STOP_RETRY_S = 0.1
#: A device clock that runs this much (host s) ahead of the host between two notifications, or goes
#: back by more than CLOCK_BACK_S, has jumped (a reboot, a bad stamp): the sensor is re-anchored.
CLOCK_JUMP_S = 5.0
CLOCK_BACK_S = 1.0
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"


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
    last_device_s: float | None = None  # device time of the last sample accepted
    last_host_s: float = 0.0  # host time it was received at
    clock_resets: int = 0
    dropped_samples: int = 0  # samples not written (time not after the previous), each noted in the file
    clock: SessionClock = field(default_factory=SessionClock)
    live: LiveAngle | None = None
    stream: object | None = None  # the protocol's stream (imuhip.ble.streams), kept across reconnects
    battery_pct: int | None = None


class Recorder:
    """Record `sensors` ({location: address}) to `out`; `backend` is passed to BleakClient.
    `calibrations` ({location: Calibration}, same strapping) make the live angle the signed thigh
    elevation from the start (without one, it becomes so once the axes are found live).
    `clock_speed`: device seconds per host second (1 for real sensors, the speed-up of simulated
    ones)."""

    def __init__(self, out, sensors: dict[str, str], backend=None, rate_hz: int = 104, drill: str | None = None,
                 threshold_deg: float = 90.0, meta: dict | None = None, log=print, clock_speed: float = 1.0,
                 calibrations: dict | None = None):
        from imuhip.analysis.session import Options

        self.out, self.backend, self.rate_hz, self.clock_speed = out, backend, rate_hz, clock_speed
        self.drill, self.threshold = drill, threshold_deg
        rule = Options()
        self.log = log

        def found(loc):
            return lambda cal, seconds: self.log(
                f"{loc}: axes found in the first {seconds:.0f} s (a still moment and knee lifts): the live angle is "
                f"now the signed thigh elevation")

        self.states = {loc: SensorState(loc, addr, live=LiveAngle(loc, rate_hz, threshold_deg,
                                                                   (calibrations or {}).get(loc), rule.max_dip_s,
                                                                   rule.hysteresis_deg, on_calibrated=found(loc)))
                       for loc, addr in sensors.items()}
        self.meta = dict(meta or {})
        self._stop = asyncio.Event()
        self._t0 = None
        self._open_mark: tuple[str, float] | None = None  # drill being marked, since (session s)
        self.writer: CsvWriter | None = None

    def stop(self) -> None:
        """End the recording (a signal handler calls this): samples after it are not written."""
        self._stop.set()

    async def _until_stop(self, awaitable):
        """`awaitable`'s result, or None as soon as stop is asked (then it is cancelled)."""
        job = asyncio.ensure_future(awaitable)
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({job, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not job.done():
                job.cancel()
        return job.result() if job.done() and not job.cancelled() else None

    async def _end_tasks(self, tasks: list) -> None:
        """Cancel `tasks` until they end, for at most STOP_S; any still running is named in the log and
        the file (its later notifications are not written)."""
        deadline = time.monotonic() + STOP_S
        pending = set(tasks)
        while pending and time.monotonic() < deadline:
            for t in pending:
                t.cancel()
            _, pending = await asyncio.wait(pending, timeout=min(STOP_RETRY_S, max(deadline - time.monotonic(), 0)))
        for t in pending:
            text = f"{t.get_name()} did not end within {STOP_S:g} s of stop: left behind, nothing more written"
            self.writer.write_comment(text)
            self.log(text)

    def session_time(self) -> float:
        return time.monotonic() - self._t0

    async def run(self, duration_s: float | None = None) -> dict:
        warm_up()
        self._t0 = time.monotonic()
        self.meta.setdefault("recorded_with", "imuhip record")
        smeta = {loc: {"device_id": st.address} for loc, st in self.states.items()}
        with CsvWriter(self.out, self.meta, smeta) as writer:
            self.writer = writer
            tasks = [asyncio.create_task(self._sensor(st), name=f"{st.location} ({st.address})")
                     for st in self.states.values()]
            flusher = asyncio.create_task(self._flush_loop(), name="flush")
            try:
                await asyncio.wait([asyncio.ensure_future(self._stop.wait())], timeout=duration_s)
            finally:
                self._stop.set()
                await self._end_tasks(tasks + [flusher])
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
                    if protocol not in STREAMS:
                        st.last_error = protocol
                        self.log(f"{st.location} ({st.address}): {protocol}")
                        return
                    st.battery_pct = await _battery(client)
                    if st.stream is None:
                        st.stream = STREAMS[protocol](self.rate_hz)
                    refused = await self._until_stop(
                        st.stream.start(client, lambda data: self._on_notification(st, data)))
                    if self._stop.is_set():
                        return
                    if refused:
                        st.last_error = f"start refused: {refused}"
                        self.log(f"{st.location} ({st.address}): the sensor refused to start: {refused}")
                        return
                    rate = st.stream.rate_hz
                    st.live.set_rate(rate)
                    if rate != self.rate_hz:
                        self.log(f"{st.location} ({st.address}): {protocol} streams at {rate:g} Hz, the nearest it "
                                 f"offers to the {self.rate_hz:g} Hz asked")
                    self.writer.write_comment(f"{st.location} ({st.address}) streaming {protocol} at {rate:g} Hz "
                                              f"from {self.session_time():.3f} s")
                    self.log(f"{st.location} ({st.address}): streaming {protocol} at {rate:g} Hz")
                    delay = BACKOFF_S[0]
                    await self._until_stop(lost.wait())
                    if self._stop.is_set():
                        return
                    st.disconnects += 1
                    self.writer.write_comment(f"{st.location} disconnected at {self.session_time():.3f} s")
                    self.log(f"{st.location} ({st.address}): disconnected at {self.session_time():.1f} s; "
                             f"reconnecting")
            except (BleakError, asyncio.TimeoutError, OSError, DecodeError) as exc:
                st.last_error = str(exc) or type(exc).__name__
                self.log(f"{st.location} ({st.address}): {st.last_error}; retrying in {delay:.1f} s")
            await self._until_stop(asyncio.sleep(delay))
            delay = min(delay * 2, BACKOFF_S[1])

    def _on_notification(self, st: SensorState, data: bytes) -> None:
        """One notification: decoded by the sensor's stream, onto the session clock, into the file."""
        if self._stop.is_set():  # stopping: the file is being closed
            return
        host = self.session_time()
        try:
            samples = st.stream.feed(data)
        except DecodeError as exc:
            st.bad_packets += 1
            self.log(f"{st.location}: {exc}")
            return
        except (ValueError, IndexError, ArithmeticError) as exc:  # a packet the decoder let through
            st.bad_packets += 1
            self.log(f"{st.location}: undecodable notification of {len(data)} bytes ({type(exc).__name__}: {exc})")
            return
        if samples is None:
            return
        device_s, acc, gyr, lost = samples
        # A stamp that jumped is a clock reset, not the notifications its gap would hold (a stream
        # counting lost packets from stamps would count minutes of them after one bad stamp).
        jump = self._clock_jump(st, float(device_s[0]), host) if len(device_s) else None
        if lost and jump is None:
            st.lost_packets += lost
            self.writer.write_comment(f"{st.location} lost {lost} notification(s) before the one received at "
                                      f"{host:.3f} s")
        if len(device_s):
            self._accept(st, device_s, acc, gyr, host, jump)

    def _accept(self, st: SensorState, device_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray, host: float,
                jump: float | None) -> None:
        """Samples with device times (s) onto the session clock, into the CSV and the live view; `jump`
        is the device clock's jump (s, `_clock_jump`) before them, or None."""
        if jump is not None:
            st.clock = SessionClock()
        t = st.clock.to_session(device_s, host * self.clock_speed)
        if jump is not None:
            t = self._reanchored(st, jump, host, t, device_s)
        keep = t > st.last_time
        if not keep.all():
            st.dropped_samples += int((~keep).sum())
            self.writer.write_comment(f"{st.location} dropped {int((~keep).sum())} sample(s) received at {host:.3f} s: "
                                      f"not after the sample before (a repeated notification)")
        if not keep.any():
            return
        t, acc, gyr = t[keep], acc[keep], gyr[keep]
        self.writer.append(st.location, t, acc, gyr)
        st.last_time = float(t[-1])
        st.last_device_s, st.last_host_s = float(device_s[keep][-1]), host
        st.samples += len(t)
        st.packets += 1
        st.live.update(t, acc, gyr)

    def _clock_jump(self, st: SensorState, device_s: float, host: float) -> float | None:
        """How far (device s) the device clock jumped since the last sample written, when it ran more
        than CLOCK_JUMP_S ahead of the host or went back by more than CLOCK_BACK_S; else None."""
        if st.last_device_s is None:
            return None
        step = device_s - st.last_device_s
        ahead = step / self.clock_speed - (host - st.last_host_s)
        return step if ahead > CLOCK_JUMP_S or step / self.clock_speed < -CLOCK_BACK_S else None

    def _reanchored(self, st: SensorState, jump_s: float, host: float, t: np.ndarray,
                    device_s: np.ndarray) -> np.ndarray:
        """After a clock jump of `jump_s` the fresh session clock starts at this notification's receive
        time (`t`, its samples' session times), moved on to just after the last sample written when it
        would overlap it; the reset is counted, noted in the file and logged. Returns the samples' times."""
        st.clock_resets += 1
        if t[0] <= st.last_time:
            step = float(np.median(np.diff(device_s))) if len(device_s) > 1 else 1.0 / st.stream.rate_hz
            shift = st.last_time - float(t[0]) + step
            d0, s0 = st.clock.anchor
            st.clock.anchor = (d0, s0 + shift)
            t = t + shift
        text = (f"{st.location} clock reset: device time jumped {jump_s:+.3f} s at {host:.3f} s; re-anchored on the "
                f"receive time")
        self.writer.write_comment(text)
        self.log(text)
        return t

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

    def calibrations(self) -> dict:
        """{location: Calibration} of the sensors whose axes are known (given or found live)."""
        return {loc: st.live.calibration for loc, st in self.states.items() if st.live.calibration is not None}

    def summary(self) -> dict:
        out = {}
        for loc, st in self.states.items():
            _, drift = st.clock.sync.offset_drift()
            out[loc] = dict(address=st.address, samples=st.samples, packets=st.packets, lost_packets=st.lost_packets,
                            bad_packets=st.bad_packets, disconnects=st.disconnects, clock_resets=st.clock_resets,
                            dropped_samples=st.dropped_samples, best_hold_s=st.live.best_hold_s,
                            reps=st.live.reps, live_angle=st.live.kind, battery_pct=st.battery_pct,
                            drift_ppm=drift * 1e6, last_error=st.last_error)
        return out
