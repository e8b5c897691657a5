"""Unchanged bleak code against simulated sensors over a bumble virtual link (real ATT/GATT)."""

import asyncio

import numpy as np
import pytest

pytest.importorskip("bumble")

from bleak import BleakClient, BleakScanner  # noqa: E402
from bleak.exc import BleakError  # noqa: E402

from imuhip.ble import imuhip_open  # noqa: E402
from imuhip.ble.clock import GapDetector  # noqa: E402
from imuhip.ble.virtual import SimulatedImuhipSensor, VirtualAir  # noqa: E402
from imuhip.simulate import simulate  # noqa: E402


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def stream(air, sensor, seconds):
    got, responses = [], []
    async with BleakClient(sensor.address, backend=air.client_backend()) as client:
        assert client.mtu_size == 247
        scales = imuhip_open.decode_info(await client.read_gatt_char(imuhip_open.INFO))
        await client.start_notify(imuhip_open.CONTROL, lambda c, d: responses.append(bytes(d)))
        await client.start_notify(imuhip_open.DATA,
                                  lambda c, d: got.append(imuhip_open.decode_data(bytes(d), scales)))
        await client.write_gatt_char(imuhip_open.CONTROL, imuhip_open.start_command(104), response=True)
        await asyncio.sleep(seconds)
    return got, responses


def test_scan_connect_and_stream_two_sensors_with_a_lost_notification():
    async def main():
        rec = simulate("marching", seed=1, duration_s=8, rate_hz=104).recording
        air = VirtualAir()
        left = await air.add_sensor(SimulatedImuhipSensor("F1:00:00:00:00:01", "imuhip-L", rec["left_thigh"], 104,
                                                          speed=25, drop={7}))
        right = await air.add_sensor(SimulatedImuhipSensor("F1:00:00:00:00:02", "imuhip-R", rec["right_thigh"], 104,
                                                           speed=25))
        found = await BleakScanner.discover(timeout=0.5, backend=air.scanner_backend(), return_adv=True,
                                            service_uuids=[imuhip_open.SERVICE])
        assert {v[1].local_name for v in found.values()} == {"imuhip-L", "imuhip-R"}
        (gl, rl), (gr, rr) = await asyncio.gather(stream(air, left, 0.6), stream(air, right, 0.6))
        return rec, gl, rl, gr, rr

    rec, gl, rl, gr, rr = run(main())
    assert rl == rr == [bytes([0xF0, 0x01, 0x00])]
    det = GapDetector()
    gaps = [g for g in (det.feed(p.sequence) for p in gl) if g]
    assert gaps == [(7, 1)]  # the dropped notification is seen as one lost packet
    right = np.concatenate([p.acc for p in gr])
    truth = rec["right_thigh"].acc
    assert len(right) == len(truth)  # every sample arrived, in order
    assert np.abs(right - truth).max() < 0.01  # int16 quantisation only


def test_start_rejected_by_the_sensor():
    async def main():
        rec = simulate("standing", seed=1, duration_s=3, rate_hz=52).recording
        air = VirtualAir()
        s = await air.add_sensor(SimulatedImuhipSensor("F1:00:00:00:00:03", "imuhip-X", rec["left_thigh"], 52,
                                                       reject_start=True))
        return await stream(air, s, 0.3)

    got, responses = run(main())
    assert got == [] and imuhip_open.decode_response(responses[0]) == (1, "sensor error")


def test_unknown_address_is_a_clear_error():
    async def main():
        air = VirtualAir()
        async with BleakClient("F1:00:00:00:00:09", backend=air.client_backend(), timeout=0.5):
            pass

    with pytest.raises(BleakError, match="could not connect to F1:00:00:00:00:09"):
        run(main())


def test_a_sensor_vanishing_during_a_scan_is_no_error():
    """A sensor switched off mid-scan: the scan ends normally and lists what was heard."""
    async def main():
        air = VirtualAir()
        rec = simulate("standing", duration_s=3, rate_hz=52).recording
        gone = await air.add_sensor(SimulatedImuhipSensor("F1:00:00:00:00:0A", "imuhip-L", rec["left_thigh"], 52))
        await air.add_sensor(SimulatedImuhipSensor("F1:00:00:00:00:0B", "imuhip-R", rec["right_thigh"], 52))

        async def vanish():
            await asyncio.sleep(0.3)
            await gone.device.stop_advertising()
            await gone.device.power_off()

        found, _ = await asyncio.gather(BleakScanner.discover(timeout=1.0, return_adv=True,
                                                              backend=air.scanner_backend()), vanish())
        return found

    found = run(main())
    assert "F1:00:00:00:00:0B" in found  # still advertising
    assert all(adv.local_name in ("imuhip-L", "imuhip-R") for _, adv in found.values())


def test_no_bluetooth_is_one_line_saying_how_to_fix_it(monkeypatch, capsys):
    from imuhip.cli import main

    async def no_adapter(*args, **kwargs):
        raise BleakError("No Bluetooth adapters found.")

    monkeypatch.setattr(BleakScanner, "discover", no_adapter)
    for args in (["scan"], ["record", "--left", "AA:BB:CC:DD:EE:FF", "--out", "x.csv", "--no-keys"]):
        assert main(args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("imuhip: error: Bluetooth unavailable: No Bluetooth adapters found.")
        assert "bluetoothctl power on" in err[0] and "--simulate" in err[0]
