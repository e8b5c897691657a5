"""Every app export in ../shared/data/app_formats reads into a Recording with gravity at rest,
the file's rate and the gyroscope in rad/s; linear-acceleration exports are refused clearly."""

import numpy as np
import pytest

from imuhip.angles import segment_angles
from imuhip.cli import main
from imuhip.errors import InputError
from imuhip.io import read_any, read_csv
from imuhip.io.generic import read_generic

from conftest import shared_file

G = 9.80665


def at_rest_norm(s):
    """Median |acc| over the stillest second (m/s^2)."""
    n = max(2, int(s.rate_hz))
    w = np.convolve(np.linalg.norm(s.gyr, axis=1), np.ones(n) / n, mode="valid")
    i = int(np.argmin(w))
    return float(np.median(np.linalg.norm(s.acc[i:i + n], axis=1)))


# (path parts, expected rate Hz, at-rest |acc| tolerance m/s^2)
CASES = {
    "sensor_logger_ios": (("app_formats", "sensor_logger_ios"), 100.0, 0.6),
    "polar": (("app_formats", "polar_sensor_logger", "Polar_Sense_ACC.txt"), 52.0, 0.4),
    "metabase": (("app_formats", "mbientlab_metabase"), 25.0, 0.6),
    "xsens_dot_raw": (("app_formats", "xsens_dot", "bei_D4CA6EF17860_20210830_170505.csv"), 120.0, 0.4),
    "xsens_dot_quaternion": (("app_formats", "xsens_dot", "LFemur_20210820_202113_831.csv"), 30.0, 0.4),
    "xsens_mtmanager": (("app_formats", "xsens_mtmanager", "MT_012005D6_009-001_00B421EE.txt"), 100.0, 0.4),
    "skinematics": (("real", "skinematics_thigh_walking", "walking_xsens_upperLeg.txt"), 120.0, 0.4),
}


@pytest.mark.parametrize("case", list(CASES))
def test_app_export_reads_with_gravity_rate_and_rad_per_s(case):
    parts, rate, tol = CASES[case]
    rec = read_any(shared_file(*parts))
    s = rec["thigh"]
    norm = at_rest_norm(s)
    print(f"{case}: {len(s)} samples, {s.rate_hz:.2f} Hz, at-rest |acc| {norm:.2f} m/s^2, "
          f"peak |gyr| {np.abs(s.gyr).max():.2f} rad/s")
    assert norm == pytest.approx(G, abs=tol)
    assert s.rate_hz == pytest.approx(rate, rel=0.03)
    assert np.abs(s.gyr).max() < 20.0  # rad/s, not deg/s
    assert s.meta["gyr_unit"].startswith(("rad/s", "deg/s", "int16"))


def test_gyro_from_orientation_agrees_with_the_accelerometer():
    """The DOT quaternion export has no raw gyroscope: the rate derived from its orientations
    must move gravity the way the accelerometer sees it (small tilt error in the fusion)."""
    s = read_any(shared_file("app_formats", "xsens_dot", "LFemur_20210820_202113_831.csv"))["thigh"]
    r = segment_angles(s, "left_thigh")
    assert np.nanmedian(r.tilt_error) < 1.0


def test_polar_markers_become_annotations_and_streams_merge_on_the_gyro_clock():
    rec = read_any(shared_file("app_formats", "polar_sensor_logger"))
    (ann,) = rec.annotations
    assert ann.drill == "marker" and ann.end_s - ann.start_s == pytest.approx(481.0, abs=1.0)
    assert rec["thigh"].meta["clock"] == "gyroscope sensor timestamp"


def test_linear_acceleration_export_is_refused_naming_what_to_use():
    with pytest.raises(InputError, match=r"linear acceleration only .* export the 'Acceleration \(with g\)'"):
        read_any(shared_file("app_formats", "phyphox_ios", "p4-left-pocket"))


def test_ios_user_acceleration_is_refused(tmp_path):
    src = shared_file("app_formats", "sensor_logger_ios")
    for name in ("Accelerometer.csv", "Gyroscope.csv", "Metadata.csv"):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    with pytest.raises(InputError, match=r"without gravity.*AccelerometerUncalibrated"):
        read_any(tmp_path)


@pytest.mark.parametrize("sep,dec", [(",", "."), ("\t", "."), (";", ",")])
def test_phyphox_variants_with_gravity_and_gyro(tmp_path, sep, dec):
    t = np.arange(300) / 100.0
    rows = [sep.join(['"Time (s)"', '"Acceleration x (m/s^2)"', '"Acceleration y (m/s^2)"',
                      '"Acceleration z (m/s^2)"', '"Gyroscope x (rad/s)"', '"Gyroscope y (rad/s)"',
                      '"Gyroscope z (rad/s)"'])]
    for ti in t:
        vals = [f"{ti:.3E}", "1.0E-1", "9.80E0", "2.0E-1", "1.0E-2", "0.0E0", "-1.0E-2"]
        rows.append(sep.join(v.replace(".", dec) for v in vals))
    (tmp_path / "Raw Data.csv").write_text("\n".join(rows) + "\n")
    s = read_any(tmp_path)["thigh"]
    assert len(s) == 300 and s.acc[0, 1] == pytest.approx(9.8) and s.gyr[0, 0] == pytest.approx(0.01)


def test_unknown_csv_lists_columns_and_suggests_columns_option(tmp_path):
    p = tmp_path / "mystery.csv"
    p.write_text("stamp,ax,ay,az,gx,gy,gz\n" + "".join(f"{i * 10},0,1,0,0,0,{i % 3}\n" for i in range(50)))
    with pytest.raises(InputError, match=r"unknown format: first line has columns \['stamp', 'ax'.*tried imuhip CSV"
                                         r".*--columns time=COL"):
        read_any(p)
    rec = read_generic(p, "time=stamp,acc=ax:ay:az,gyr=g", acc_unit="g", gyr_unit="deg/s", time_unit="ms")
    s = rec["thigh"]
    assert s.rate_hz == pytest.approx(100.0) and s.acc[0, 1] == pytest.approx(G)
    assert s.gyr[1, 2] == pytest.approx(np.radians(1.0))


def test_import_cli_two_files_to_left_and_right(tmp_path, capsys):
    src = shared_file("app_formats", "xsens_dot")
    out = tmp_path / "both.csv"
    code = main(["import", str(src / "bei_D4CA6EF17860_20210830_170505.csv"), str(src / "LFemur_20210820_202113_831.csv"),
                 "--sensor", "right_thigh", "--sensor", "left_thigh", "--out", str(out)])
    assert code == 0
    rec = read_csv(out)
    assert set(rec.sensors) == {"left_thigh", "right_thigh"}
    assert main(["info", str(src / "LFemur_20210820_202113_831.csv")]) == 0


# Formats with no real file here: written from their documentation, tested on files laid out
# the documented way (the simulator supplies the motion).


def _motion():
    from imuhip.simulate import simulate

    return simulate("marching", seed=3, duration_s=8).recording["left_thigh"]


def test_sensorlog_csv(tmp_path):
    s = _motion()
    cols = ["loggingTime(txt)", "accelerometerTimestamp_sinceReboot(s)", "accelerometerAccelerationX(G)",
            "accelerometerAccelerationY(G)", "accelerometerAccelerationZ(G)", "gyroTimestamp_sinceReboot(s)",
            "gyroRotationX(rad/s)", "gyroRotationY(rad/s)", "gyroRotationZ(rad/s)"]
    rows = [",".join(cols)] + [
        ",".join(["2026-11-24T10:00:00.000+01:00", f"{1000 + t + 0.002!r}", *(repr(-v / G) for v in a),
                  f"{1000 + t!r}", *map(repr, g)]) for t, a, g in zip(s.time.tolist(), s.acc.tolist(), s.gyr.tolist())]
    p = tmp_path / "sensorlog.csv"
    p.write_text("\n".join(rows) + "\n")
    r = read_any(p)["thigh"]
    assert r.rate_hz == pytest.approx(s.rate_hz, rel=0.01)
    assert np.median(np.linalg.norm(r.acc, axis=1)) == pytest.approx(G, abs=0.3)
    assert np.allclose(r.gyr, s.gyr[1:1 + len(r)], atol=1e-9)  # the gyro sample before the first acc is cut


def test_witmotion_export(tmp_path):
    s = _motion()
    head = "Time\tax(g)\tay(g)\taz(g)\twx(deg/s)\twy(deg/s)\twz(deg/s)\tAngleX(deg)\tAngleY(deg)\tAngleZ(deg)"
    start = np.datetime64("2026-11-24T23:59:58")
    rows = [head] + ["\t".join([str(start + np.timedelta64(int(t * 1e6), "us")).replace("T", " "),
                                *(f"{v / G:.5f}" for v in a), *(f"{np.degrees(v):.4f}" for v in g), "0", "0", "0"])
                     for t, a, g in zip(s.time, s.acc, s.gyr)]
    p = tmp_path / "wit.txt"
    p.write_text("\n".join(rows) + "\n")
    r = read_any(p)["thigh"]
    assert r.duration_s == pytest.approx(s.duration_s, abs=0.01)  # across midnight
    assert np.abs(r.gyr - s.gyr).max() < 1e-3


def test_movesense_showcase_json(tmp_path):
    import json

    s = _motion()
    n = 8
    packets = [{"Timestamp": int(round(1000 * (5 + s.time[i]))),
                "ArrayAcc": [dict(zip("xyz", a)) for a in s.acc[i:i + n].tolist()],
                "ArrayGyro": [dict(zip("xyz", np.degrees(g))) for g in s.gyr[i:i + n]]}
               for i in range(0, len(s) - n, n)]
    p = tmp_path / "movesense.json"
    p.write_text(json.dumps({"Meas": {"IMU6": packets}}))
    r = read_any(p)["thigh"]
    assert r.rate_hz == pytest.approx(100.0, rel=0.01)
    assert np.abs(r.gyr - s.gyr[:len(r)]).max() < 1e-6
