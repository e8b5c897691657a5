"""BLE without hardware: a bleak backend on Google's bumble stack, and simulated sensors.

A bumble central and bumble peripherals (GATT servers that behave like real sensors) share an
in-process virtual link (`bumble.link.LocalLink`) in one asyncio loop, so unchanged bleak code
runs real ATT/GATT: advertising and scanning, connection, MTU exchange, discovery, writes,
indications and notifications, disconnects.

    air = VirtualAir()
    sensor = await air.add_sensor(SimulatedImuhipSensor(...))
    async with BleakClient(sensor.address, backend=air.client_backend()) as client: ...
    BleakScanner(..., backend=air.scanner_backend())

bumble is pinned exactly (optional extra `imuhip[sim]`): its API moves between releases.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import numpy as np
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Device, Peer
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from imuhip.ble import imuhip_open, movella_dot, movesense, polar_pmd
from imuhip.io.units import G
from imuhip.recording import SensorData

CENTRAL_ADDRESS = "F0:00:00:00:00:01"
MOVELLA_COMPANY_ID = 0x0886
REQUESTED_MTU = 247
PROPERTY_NAMES = {Characteristic.Properties.READ: "read", Characteristic.Properties.WRITE: "write",
                  Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
                  Characteristic.Properties.NOTIFY: "notify", Characteristic.Properties.INDICATE: "indicate"}


def uuid_str(u: UUID) -> str:
    """A bumble UUID as bleak's normalised 128-bit lower-case string."""
    h = u.to_bytes(force_128=True)[::-1].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _device(link: LocalLink, address: str, name: str) -> Device:
    controller = Controller(name, link=link, public_address=address)
    return Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))


class VirtualAir:
    """The virtual radio: one link, one central for bleak, any number of simulated sensors."""

    def __init__(self):
        self.link = LocalLink()
        self.central = _device(self.link, CENTRAL_ADDRESS, "imuhip-central")
        self.sensors: dict[str, Any] = {}
        self._powered = False
        self.connecting = asyncio.Lock()  # one connection set-up at a time, as a controller allows
        self.mtu = REQUESTED_MTU  # what the central asks for in the MTU exchange (23: no exchange)

    async def ready(self) -> None:
        if not self._powered:
            await self.central.power_on()
            self._powered = True

    async def add_sensor(self, sensor):
        sensor.device = _device(self.link, sensor.address, sensor.name)
        sensor.install()
        await sensor.device.power_on()
        await sensor.advertise()
        self.sensors[sensor.address] = sensor
        return sensor

    def client_backend(self) -> type[BaseBleakClient]:
        """A BumbleClient class bound to this air, for `BleakClient(..., backend=...)`."""
        return type("BumbleClient", (BumbleClient,), {"AIR": self})

    def scanner_backend(self) -> type[BaseBleakScanner]:
        """A BumbleScanner class bound to this air, for `BleakScanner(..., backend=...)`."""
        return type("BumbleScanner", (BumbleScanner,), {"AIR": self})


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend: advertisements heard by the virtual central."""

    AIR: VirtualAir | None = None

    def __init__(self, detection_callback, service_uuids, scanning_mode="active", **kwargs):
        super().__init__(detection_callback, service_uuids)
        self._air = self.AIR

    async def start(self) -> None:
        await self._air.ready()
        self.seen_devices = {}
        self._air.central.on("advertisement", self._on_advertisement)
        await self._air.central.start_scanning(filter_duplicates=False)

    async def stop(self) -> None:
        await self._air.central.stop_scanning()
        self._air.central.remove_listener("advertisement", self._on_advertisement)

    def set_scanning_filter(self, **kwargs) -> None:  # pragma: no cover - nothing to filter here
        raise NotImplementedError("the virtual scanner has no OS-level filters")

    def _on_advertisement(self, adv) -> None:
        name = adv.data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
        uuids = [uuid_str(u) for u in (adv.data.get(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS)
                                       or [])]
        if self._service_uuids and not set(uuids) & set(self._service_uuids):
            return
        makers = dict(adv.data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA) or [])
        data = AdvertisementData(local_name=name, manufacturer_data=makers, service_data={}, service_uuids=uuids,
                                 tx_power=None, rssi=adv.rssi, platform_data=(adv,))
        address = str(adv.address).split("/")[0]
        device = self.create_or_update_device(address, address, name, adv, data)
        self.call_detection_callbacks(device, data)


class BumbleClient(BaseBleakClient):
    """bleak client backend: a connection of the virtual central to a simulated sensor."""

    AIR: VirtualAir | None = None

    def __init__(self, address_or_ble_device, *, disconnected_callback=None, timeout=10.0, services=None, **kwargs):
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._air = self.AIR
        self._connection = None
        self._peer: Peer | None = None
        self._subscriptions: dict[int, Any] = {}

    @property
    def name(self) -> str:
        return self.address

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs) -> None:
        await self._air.ready()
        try:
            async with self._air.connecting:
                self._connection = await asyncio.wait_for(self._air.central.connect(Address(self.address)),
                                                          self._timeout)
        except (asyncio.TimeoutError, Exception) as exc:
            raise BleakError(f"could not connect to {self.address}: {exc}") from None
        self._connection.on("disconnection", self._on_disconnection)
        self._peer = Peer(self._connection)
        if self._air.mtu > 23:
            await self._peer.request_mtu(self._air.mtu)
        await self._peer.discover_services()
        collection = BleakGATTServiceCollection()
        for svc in self._peer.services:
            await svc.discover_characteristics()
            service = BleakGATTService(svc, svc.handle, uuid_str(svc.uuid))
            collection.add_service(service)
            for ch in svc.characteristics:
                props = [n for flag, n in PROPERTY_NAMES.items() if ch.properties & flag]
                char = BleakGATTCharacteristic(ch, ch.handle, uuid_str(ch.uuid), props,
                                               lambda: self.mtu_size - 3, service)
                collection.add_characteristic(char)
        self.services = collection

    def _on_disconnection(self, reason) -> None:
        self._connection = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        if self._connection is not None:
            await self._connection.disconnect()
            self._connection = None

    async def pair(self, *args, **kwargs) -> None:  # pragma: no cover - sensors here need no pairing
        raise NotImplementedError("pairing is not simulated")

    async def unpair(self) -> None:  # pragma: no cover
        raise NotImplementedError("pairing is not simulated")

    async def read_gatt_char(self, characteristic, **kwargs) -> bytearray:
        return bytearray(await characteristic.obj.read_value())

    async def read_gatt_descriptor(self, descriptor, **kwargs) -> bytearray:  # pragma: no cover
        return bytearray(await descriptor.obj.read_value())

    async def write_gatt_char(self, characteristic, data, response: bool) -> None:
        await characteristic.obj.write_value(bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor, data) -> None:  # pragma: no cover
        await descriptor.obj.write_value(bytes(data), with_response=True)

    async def start_notify(self, characteristic, callback, **kwargs) -> None:
        def on_value(value):
            callback(bytearray(value))

        self._subscriptions[characteristic.handle] = on_value
        await characteristic.obj.subscribe(on_value, prefer_notify=True)

    async def stop_notify(self, characteristic) -> None:
        on_value = self._subscriptions.pop(characteristic.handle, None)
        await characteristic.obj.unsubscribe(on_value)


class SimulatedImuhipSensor:
    """A sensor speaking the imuhip open protocol, streaming a simulated SensorData.

    `speed` > 1 streams faster than real time (for tests); `drop` lists notification indices
    not sent (their sequence numbers are skipped, as a lost radio packet would); `garbage` lists
    indices sent as garbage bytes instead; `reject_start` answers the start command with a sensor
    error; `disconnect_at` lists indices at which the sensor drops the connection (it advertises
    again and resumes where it stopped when started again). The stream loops when `loop`.
    `clock_ppm`: how fast the sensor's clock runs (its timestamps; sampling keeps true time).
    Clock faults: `stamp_jump_us` ({index: us}) adds that much to the stamps of those notifications
    only (a corrupt stamp); `reboot_at` lists indices at which the sensor reboots: it drops the
    connection and, when started again, its clock and sequence numbers count from 0.
    """

    def __init__(self, address: str, name: str, samples: SensorData, rate_hz: float, per_packet: int = 19,
                 speed: float = 1.0, drop: set[int] | None = None, garbage: set[int] | None = None,
                 reject_start: bool = False, disconnect_at: set[int] | None = None, loop: bool = False,
                 clock_ppm: float = 0.0, stamp_jump_us: dict[int, int] | None = None,
                 reboot_at: set[int] | None = None):
        self.address, self.name = address, name
        self.samples, self.rate_hz, self.per_packet = samples, rate_hz, per_packet
        self.speed, self.drop, self.reject_start = speed, set(drop or ()), reject_start
        self.garbage, self.disconnect_at, self.loop = set(garbage or ()), set(disconnect_at or ()), loop
        self.clock_ppm = clock_ppm
        self.stamp_jump_us, self.reboot_at = dict(stamp_jump_us or {}), set(reboot_at or ())
        self._clock_base_us = 0  # subtracted from every stamp (a reboot restarts the clock)
        self._seq_base = 0  # subtracted from every sequence number
        self._next = 0  # next notification index to send
        self._connection = None
        self.scales = imuhip_open.Scales(2048.0, 16.4)
        self.device: Device | None = None
        self.sent = 0
        self._task: asyncio.Task | None = None

    def install(self) -> None:
        self.data = Characteristic(imuhip_open.DATA, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        self.control = Characteristic(imuhip_open.CONTROL,
                                      Characteristic.Properties.WRITE | Characteristic.Properties.INDICATE,
                                      Characteristic.WRITEABLE, CharacteristicValue(write=self._on_command))
        info = (np.array([imuhip_open.VERSION], "u1").tobytes()
                + np.array([self.scales.acc_lsb_per_g, self.scales.gyr_lsb_per_dps], "<f4").tobytes()
                + np.array([int(self.rate_hz)], "<u2").tobytes() + self.name.encode())
        self.info = Characteristic(imuhip_open.INFO, Characteristic.Properties.READ, Characteristic.READABLE, info)
        self.device.add_service(Service(imuhip_open.SERVICE, [self.control, self.data, self.info]))
        battery = Characteristic("2A19", Characteristic.Properties.READ, Characteristic.READABLE, bytes([87]))
        self.device.add_service(Service("180F", [battery]))

    def advertised(self) -> list:
        """What this kind of sensor puts in its advertisements: its name and service."""
        return [(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
                (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, UUID(imuhip_open.SERVICE).to_bytes())]

    async def advertise(self) -> None:
        self.device.advertising_data = bytes(AdvertisingData(self.advertised()))
        await self.device.start_advertising(advertising_interval_min=20)

    def _on_command(self, connection, value) -> None:
        cmd = bytes(value)[:1]
        if cmd == bytes([imuhip_open.CMD_START]):
            self._connection = connection
            status = 3 if self.reject_start else 0
            asyncio.get_running_loop().create_task(self._answer(imuhip_open.CMD_START, status))
            if status == 0 and self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._stream())
        elif cmd == bytes([imuhip_open.CMD_STOP]) and self._task is not None:
            self._task.cancel()
            self._task = None

    def stopped(self) -> None:
        """The connection is gone: measurements stop (a sensor resumes its data when started again)."""

    def _frames(self, k: int, t0_us: int, dt_us: int, i: int, j: int) -> list[bytes]:
        """The notification(s) carrying samples i..j (packet k, first sample at device time t0_us)."""
        s = self.samples
        return [imuhip_open.encode_data(k, t0_us, dt_us, s.acc[i:j], s.gyr[i:j], self.scales)]

    async def _answer(self, command: int, status: int) -> None:
        await self.device.indicate_subscribers(self.control, bytes([imuhip_open.RESPONSE, command, status]))

    async def _stream(self) -> None:
        s = self.samples
        dt_us = int(round(1e6 / self.rate_hz))
        period = self.per_packet / self.rate_hz / self.speed
        n_packets = -(-len(s) // self.per_packet)
        span_us = int(round((s.time[-1] - s.time[0]) * 1e6)) + dt_us
        loop = asyncio.get_running_loop()
        start, first = loop.time(), self._next
        try:
            while self.loop or self._next < n_packets:
                k = self._next
                lap, idx = divmod(k, n_packets)
                i = idx * self.per_packet
                j = min(i + self.per_packet, len(s))
                t0_us = int(round((s.time[i] * 1e6 + lap * span_us) * (1 + self.clock_ppm * 1e-6)))
                self._next += 1
                rebooting = k in self.reboot_at
                if (k in self.disconnect_at or rebooting) and self._connection is not None:
                    self.disconnect_at.discard(k)
                    if rebooting:
                        self.reboot_at.discard(k)
                        self._clock_base_us, self._seq_base = t0_us, k
                    self._next -= 1
                    connection, self._connection, self._task = self._connection, None, None
                    self.stopped()
                    await connection.disconnect()
                    await self.advertise()
                    return
                if k in self.garbage:
                    await self.device.notify_subscribers(self.data, b"\xde\xad\xbe\xef")
                elif k not in self.drop:
                    stamp_us = t0_us - self._clock_base_us + self.stamp_jump_us.get(k, 0)
                    for frame in self._frames(k - self._seq_base, stamp_us, dt_us, i, j):
                        await self.device.notify_subscribers(self.data, frame)
                    self.sent += 1
                delay = start + (k - first + 1) * period - loop.time()
                await asyncio.sleep(max(0.0, delay))
        finally:
            if self._task is asyncio.current_task():
                self._task = None


class SimulatedMovesenseSensor(SimulatedImuhipSensor):
    """A Movesense sensor (GATT SensorData protocol, IMU6 subscription), 8 samples a packet."""

    def __init__(self, address: str, name: str, samples: SensorData, rate_hz: float, **kwargs):
        kwargs.setdefault("per_packet", 8)
        super().__init__(address, name, samples, rate_hz, **kwargs)
        self.ref = 0

    def install(self) -> None:
        self.data = Characteristic(movesense.NOTIFY, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        self.control = Characteristic(movesense.WRITE, Characteristic.Properties.WRITE
                                      | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
                                      Characteristic.WRITEABLE, CharacteristicValue(write=self._on_command))
        self.device.add_service(Service(movesense.SERVICE, [self.control, self.data]))

    def advertised(self) -> list:
        return [(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode())]  # no service announced

    def _on_command(self, connection, value) -> None:
        value = bytes(value)
        if value[:1] == b"\x01" and len(value) > 2:  # subscribe <ref> <path>
            self.ref, self._connection = value[1], connection
            if self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._stream())
        elif value[:1] == b"\x02" and self._task is not None:  # unsubscribe
            self._task.cancel()
            self._task = None

    def _frames(self, k: int, t0_us: int, dt_us: int, i: int, j: int) -> list[bytes]:
        s = self.samples
        return [movesense.encode_imu6(self.ref, int(round(t0_us / 1000)), s.acc[i:j], s.gyr[i:j])]


class SimulatedPolarSensor(SimulatedImuhipSensor):
    """A Polar Verity Sense (PMD service): ACC as delta-compressed frames, GYRO as raw int16 frames
    of half the size, both stamped in ns since 2000 on the sensor's clock; the stream starts once
    both measurements are started, each answered with its conversion factor. `gyro=False` makes an
    H10 (ACC only); `reject_start` answers "device in charger"; `announced_factors` ({measurement:
    factor}) replaces the conversion factor a start answer announces (a faulty sensor)."""

    FACTORS = {polar_pmd.ACC: 8000 / 32768, polar_pmd.GYRO: 2000 / 32768}  # mG and deg/s per LSB
    EPOCH_NS = 846_000_000 * 10**9  # the sensor clock: ~2026 in Polar time (ns since 2000)

    RANGES = {polar_pmd.ACC: [2, 4, 8, 16], polar_pmd.GYRO: [250, 500, 1000, 2000]}

    def __init__(self, address: str, name: str, samples: SensorData, rate_hz: float, gyro: bool = True,
                 rates=(26, 52, 104, 208, 416), announced_factors: dict[int, float] | None = None, **kwargs):
        kwargs.setdefault("per_packet", 36)
        super().__init__(address, name, samples, rate_hz, **kwargs)
        self.offered = {polar_pmd.ACC, polar_pmd.GYRO} if gyro else {polar_pmd.ACC}
        self.rates = list(rates)  # (26 ... 416) in SDK mode; a Verity Sense outside it offers 52 Hz only
        self.announced = {**self.FACTORS, **(announced_factors or {})}
        self.started: set[int] = set()
        self.requested: dict[int, bytes] = {}  # the start command received per measurement

    def install(self) -> None:
        self.data = Characteristic(polar_pmd.DATA, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")
        bitmap = sum(1 << m for m in self.offered)
        props = Characteristic.Properties
        self.control = Characteristic(polar_pmd.CONTROL, props.READ | props.WRITE | props.INDICATE,
                                      Characteristic.READABLE | Characteristic.WRITEABLE,
                                      CharacteristicValue(read=lambda _c: bytes([polar_pmd.FEATURES, bitmap, 0]),
                                                          write=self._on_command))
        self.device.add_service(Service(polar_pmd.SERVICE, [self.control, self.data]))
        battery = Characteristic("2A19", Characteristic.Properties.READ, Characteristic.READABLE, bytes([64]))
        self.device.add_service(Service("180F", [battery]))  # Polar sensors have the standard battery service

    def advertised(self) -> list:
        return [(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode())]  # no service announced

    def _on_command(self, connection, value) -> None:
        value = bytes(value)
        if len(value) < 2:
            return
        op, m = value[0], value[1]
        loop = asyncio.get_running_loop()
        if op == polar_pmd.OP_SETTINGS:
            settings = {polar_pmd.SAMPLE_RATE: self.rates, polar_pmd.RESOLUTION: [16], polar_pmd.RANGE: self.RANGES[m]}
            loop.create_task(self._answer_pmd(op, m, 0 if m in self.offered else 3, settings=settings))
        elif op == polar_pmd.OP_START:
            self._connection = connection
            self.requested[m] = value
            asked = polar_pmd.decode_settings(value[2:]).get(polar_pmd.SAMPLE_RATE, [0])[0]
            status = 3 if m not in self.offered else 13 if self.reject_start else 8 if asked not in self.rates else 0
            loop.create_task(self._start(m, status))
        elif op == polar_pmd.OP_STOP:
            self.started.discard(m)
            loop.create_task(self._answer_pmd(op, m, 0))
            if not self.started and self._task is not None:
                self._task.cancel()
                self._task = None

    def stopped(self) -> None:
        self.started.clear()

    async def _answer_pmd(self, op: int, m: int, status: int, factor: float | None = None, settings=None) -> None:
        await self.device.indicate_subscribers(self.control, polar_pmd.encode_response(op, m, status, factor, settings))

    async def _start(self, m: int, status: int) -> None:
        await self._answer_pmd(polar_pmd.OP_START, m, status, self.announced[m] if status == 0 else None)
        if status == 0:
            self.started.add(m)
        if self.started >= self.offered & {polar_pmd.ACC, polar_pmd.GYRO} and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._stream())

    def _frames(self, k: int, t0_us: int, dt_us: int, i: int, j: int) -> list[bytes]:
        s = self.samples
        stamp = self.EPOCH_NS + 1000 * t0_us + 1000 * dt_us * np.arange(j - i)
        acc = np.round(s.acc[i:j] / G * 1000 / self.FACTORS[polar_pmd.ACC])
        frames = [polar_pmd.encode_frame(polar_pmd.ACC, int(stamp[-1]), acc, compressed=True)]
        if polar_pmd.GYRO in self.started:
            gyr = np.round(np.degrees(s.gyr[i:j]) / self.FACTORS[polar_pmd.GYRO])
            half = max(1, (j - i) // 2)
            frames += [polar_pmd.encode_frame(polar_pmd.GYRO, int(stamp[b - 1]), gyr[a:b])
                       for a, b in ((0, half), (half, j - i)) if b > a]
        return frames


class SimulatedDotSensor(SimulatedImuhipSensor):
    """A Movella DOT: device control (output rate), measurement control, one "rate quantities"
    sample per medium-payload notification, stamped in microseconds; battery 0x3001."""

    def __init__(self, address: str, name: str, samples: SensorData, rate_hz: float, **kwargs):
        kwargs["per_packet"] = 1
        super().__init__(address, name, samples, rate_hz, **kwargs)
        tag = b"Movella DOT"
        self.device_control = bytearray(bytes(7) + bytes([len(tag)]) + tag.ljust(16, b"\0")
                                        + struct.pack("<H", 60) + bytes(6))
        self.state = bytearray([1, 0, 0])

    def install(self) -> None:
        rw = Characteristic.Properties.READ | Characteristic.Properties.WRITE
        access = Characteristic.READABLE | Characteristic.WRITEABLE
        config = Characteristic(movella_dot.DEVICE_CONTROL, rw, access,
                                CharacteristicValue(read=lambda _c: bytes(self.device_control), write=self._on_config))
        self.device.add_service(Service(movella_dot.CONFIG_SERVICE, [config]))
        self.data = Characteristic(movella_dot.MEDIUM_PAYLOAD, Characteristic.Properties.NOTIFY,
                                   Characteristic.READABLE, b"")
        self.control = Characteristic(movella_dot.CONTROL, rw, access,
                                      CharacteristicValue(read=lambda _c: bytes(self.state), write=self._on_command))
        self.device.add_service(Service(movella_dot.SERVICE, [self.control, self.data]))
        battery = Characteristic(movella_dot.BATTERY, Characteristic.Properties.READ, Characteristic.READABLE,
                                 bytes([64, 0]))
        self.device.add_service(Service(movella_dot.BATTERY_SERVICE, [battery]))

    def advertised(self) -> list:
        return [(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
                (AdvertisingData.MANUFACTURER_SPECIFIC_DATA, struct.pack("<H", MOVELLA_COMPANY_ID) + b"\x00")]

    def _on_config(self, connection, value) -> None:
        value = bytes(value)
        if len(value) == 32 and value[0] & movella_dot.VISIT_OUTPUT_RATE:
            self.device_control[24:26] = value[24:26]

    def _on_command(self, connection, value) -> None:
        value = bytes(value)
        if len(value) != 3 or value[0] != 1:
            return
        self.state[1:3] = value[1:3]
        if value[1] == 1 and value[2] == movella_dot.RATE_QUANTITIES and self._task is None:
            self._connection = connection
            self._task = asyncio.get_running_loop().create_task(self._stream())
        elif value[1] == 0 and self._task is not None:
            self._task.cancel()
            self._task = None

    def _frames(self, k: int, t0_us: int, dt_us: int, i: int, j: int) -> list[bytes]:
        return [movella_dot.encode_rate_quantities(t0_us, self.samples.acc[i], self.samples.gyr[i])]


SIMULATED = {"left_thigh": "F1:00:00:00:00:01", "right_thigh": "F1:00:00:00:00:02", "pelvis": "F1:00:00:00:00:03"}


class SimulatedHeartRateStrap(SimulatedImuhipSensor):
    """A heart-rate strap (Heart Rate service only): a device imuhip does not record."""

    def install(self) -> None:
        self.device.add_service(Service("180D", [Characteristic(
            "2A37", Characteristic.Properties.NOTIFY, Characteristic.READABLE, b"")]))

    def advertised(self) -> list:
        return [(AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode())]


KINDS = {"imuhip-open": ("imuhip", SimulatedImuhipSensor), "movesense": ("Movesense", SimulatedMovesenseSensor),
         "polar-pmd": ("Polar Sense", SimulatedPolarSensor), "movella-dot": ("Movella DOT", SimulatedDotSensor)}


async def simulated_air(rate_hz: int = 104, speed: float = 1.0, pelvis: bool = False, seed: int = 0,
                        protocol: str = "imuhip-open", **faults) -> tuple[VirtualAir, dict[str, str]]:
    """A virtual air with sensors of `protocol` streaming a simulated drill session in a loop (the
    demo of `imuhip record --simulate`); `faults` go to the sensor per location
    ({'left_thigh': {'drop': {3}}})."""
    from imuhip.simulate import simulate

    name, kind = KINDS[protocol]
    if protocol == "movella-dot":
        rate_hz = movella_dot.streaming_rate(rate_hz)
    rec = simulate("session", seed=seed, rate_hz=float(rate_hz), pelvis=pelvis, jitter_s=0.0).recording
    air = VirtualAir()
    for loc, sensor in rec.sensors.items():
        label = f"{name} {loc[0].upper()}"
        await air.add_sensor(kind(SIMULATED[loc], label, sensor, rate_hz, speed=speed, loop=True,
                                  **faults.get(loc, {})))
    return air, {loc: SIMULATED[loc] for loc in rec.sensors}


async def scan_demo_air() -> VirtualAir:
    """One virtual sensor of each protocol, and a heart-rate strap imuhip does not record (the demo
    of `imuhip scan --simulate`)."""
    from imuhip.simulate import simulate

    rec = simulate("standing", duration_s=5.0, rate_hz=60.0, jitter_s=0.0).recording["left_thigh"]
    air = VirtualAir()
    for k, (protocol, (name, kind)) in enumerate(KINDS.items()):
        await air.add_sensor(kind(f"F2:00:00:00:00:0{k + 1}", name if protocol != "polar-pmd" else "Polar Sense 1A",
                                  rec, 60.0))
    await air.add_sensor(SimulatedHeartRateStrap("F2:00:00:00:00:09", "HR strap", rec, 60.0))
    return air
