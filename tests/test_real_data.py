"""Real recordings from ../shared/data: readers and the angle engine on data nobody here shaped."""

import numpy as np
import pytest

from imuhip.angles import angles_table
from imuhip.io import read_any

from conftest import REPO, shared_file


def test_hugadb_sitting_and_standing_thigh_levels():
    rec = read_any(shared_file("real", "hugadb_sit_stand", "HuGaDB_v2_various_01_00.txt"))
    assert rec["left_thigh"].rate_hz == pytest.approx(58.8)
    assert np.median(np.linalg.norm(rec["left_thigh"].acc, axis=1)) == pytest.approx(9.9, abs=0.4)
    drills = [a.drill for a in rec.annotations]
    assert drills.count("sitting") == 5 and drills.count("standing") == 4
    table, _ = angles_table(rec)
    for side in ("left_thigh", "right_thigh"):
        s = rec[side]
        for a in rec.annotations:
            if a.drill not in ("sitting", "standing"):
                continue
            m = (table["time_s"] > a.start_s + 1.0) & (table["time_s"] < a.end_s - 0.5)
            elev = float(np.median(table.loc[m, f"{side}_elevation_deg"]))
            # The README's tilt of the sensor x axis (the thigh's long axis) from vertical.
            acc = s.acc[m.to_numpy()]
            tilt = float(np.median(np.degrees(np.arccos(np.abs(acc[:, 0]) / np.linalg.norm(acc, axis=1)))))
            print(f"{side} {a.drill:8s} at {a.start_s:5.1f} s: elevation {elev:5.1f} deg "
                  f"(from standing), sensor-x tilt {tilt:5.1f} deg")
            if a.drill == "sitting":
                assert 66.0 <= tilt <= 71.0
                assert 65.0 <= elev <= 73.0  # thigh elevation relative to this athlete's standing
            else:
                assert 4.0 <= tilt <= 8.0
                assert -3.0 <= elev <= 3.0


def test_real_walking_recording_gives_plausible_thigh_swing():
    rec = read_any(REPO / "recordings" / "skinematics_walking_thigh.csv")
    table, results = angles_table(rec)
    elev = table["thigh_elevation_deg"].to_numpy()
    walking = table["time_s"].to_numpy() > 4.0
    lo, hi = np.percentile(elev[walking], [2, 98])
    print(f"walking thigh elevation 2-98 %: {lo:.1f} .. {hi:.1f} deg")
    assert -20 < lo < -3 and 18 < hi < 40  # walking: about -10 extension to +25 flexion
    assert results["thigh"].calibration.still_start_s < 2.5


class FakePolarClient:
    """Just enough of a bleak client for PolarStream.start: a Verity Sense offering ACC and GYRO at
    52 Hz, answering with the given conversion factors."""

    def __init__(self, factors):
        from imuhip.ble import polar_pmd

        self.pmd, self.factors, self.answer = polar_pmd, factors, None

    async def read_gatt_char(self, uuid):
        return bytes([self.pmd.FEATURES, 1 << self.pmd.ACC | 1 << self.pmd.GYRO, 0])

    async def start_notify(self, uuid, callback):
        if uuid == self.pmd.CONTROL:
            self.answer = callback

    async def write_gatt_char(self, uuid, data, response=True):
        op, m = data[0], data[1]
        settings = {self.pmd.SAMPLE_RATE: [52], self.pmd.RESOLUTION: [16], self.pmd.RANGE: [8, 2000]}
        self.answer(None, self.pmd.encode_response(op, m, 0, self.factors.get(m) if op == self.pmd.OP_START else None,
                                                   settings if op == self.pmd.OP_SETTINGS else None))


def test_real_polar_streams_through_the_recorders_pmd_path_match_the_app_export():
    """The Polar Sensor Logger export (a Verity Sense: ACC and GYRO at 52 Hz, each sample with the
    sensor's own stamp) re-sent as PMD frames - delta-compressed ACC frames of 36 samples, raw GYRO
    frames of 24, each stamped with its last sample's real stamp, in the order the stamps say - and
    put together by the recorder's Polar stream: sample times against the sensor's own, and the
    thigh elevation against the app export read by our importer."""
    import asyncio

    from imuhip.ble import polar_pmd
    from imuhip.ble.streams import PolarStream
    from imuhip.recording import Recording, SensorData

    folder = shared_file("app_formats", "polar_sensor_logger")
    acc = np.loadtxt(folder / "Polar_Sense_ACC.txt", delimiter=";", skiprows=1, usecols=(1, 2, 3, 4), dtype=np.int64)
    t_gyr = np.loadtxt(folder / "Polar_Sense_GYRO.txt", delimiter=";", skiprows=1, usecols=1, dtype=np.int64)
    gyr = np.loadtxt(folder / "Polar_Sense_GYRO.txt", delimiter=";", skiprows=1, usecols=(2, 3, 4))
    lsb = 0.07  # the export's gyro values are whole multiples of 0.07 deg/s
    frames = [(int(acc[k:k + 36][-1, 0]), polar_pmd.encode_frame(polar_pmd.ACC, int(acc[k:k + 36][-1, 0]),
                                                                   acc[k:k + 36, 1:], compressed=True))
              for k in range(0, len(acc), 36)]
    frames += [(int(t_gyr[k:k + 24][-1]), polar_pmd.encode_frame(polar_pmd.GYRO, int(t_gyr[k:k + 24][-1]),
                                                                   np.round(gyr[k:k + 24] / lsb)))
               for k in range(0, len(gyr), 24)]
    stream = PolarStream(104)
    assert asyncio.run(stream.start(FakePolarClient({polar_pmd.ACC: 1.0, polar_pmd.GYRO: lsb}), lambda d: None)) is None
    assert stream.rate_hz == 52  # the nearest it offers
    parts = [p for _, data in sorted(frames, key=lambda f: f[0]) if (p := stream.feed(data)) is not None]
    t = np.concatenate([p[0] for p in parts])
    got = SensorData(t, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]))

    # sample times: the stream's spread of each frame against the sensor's own per-sample stamps
    own = (acc[:, 0] - acc[0, 0]) * 1e-9
    t_own = t + own[35] - t[35]  # the first frame's last sample carries its stamp exactly
    right = np.clip(np.searchsorted(own, t_own), 1, len(own) - 1)
    time_err = np.minimum(np.abs(own[right] - t_own), np.abs(own[right - 1] - t_own))  # to the nearest stamp
    exported = read_any(folder)
    table_ours, _ = angles_table(Recording({"thigh": got}))
    table_app, _ = angles_table(exported)
    t_app = table_app["time_s"].to_numpy() - exported["thigh"].time[0]
    ours = np.interp(t_app, table_ours["time_s"].to_numpy() - t[0] + (got.time[0] - t[0]),
                     table_ours["thigh_elevation_deg"].to_numpy())
    inside = (t_app > 5) & (t_app < t[-1] - t[0] - 5)
    diff = ours[inside] - table_app["thigh_elevation_deg"].to_numpy()[inside]
    later = t_own > own[35] + 1e-4  # after the first frame, timed at the nominal rate before any interval is known
    print(f"\nreal Polar export through the PMD path: {len(got)} samples ({len(acc)} ACC, {len(gyr)} GYRO in the "
          f"export); time vs the sensor's own stamps: max {time_err[later].max() * 1e3:.3f} ms after the first frame, "
          f"{time_err.max() * 1e3:.2f} ms in it; elevation vs the export read directly: RMSE "
          f"{np.sqrt(np.mean(diff ** 2)):.2f} deg, max {np.abs(diff).max():.2f} deg")
    assert len(got) >= min(len(acc), len(gyr)) - 40
    assert time_err[later].max() < 0.0005 and time_err.max() < 0.005
    assert np.sqrt(np.mean(diff ** 2)) < 0.3
