"""SensorLog (Bernd Thomas, iOS) CSV export. Written from the app's documented column names;
no real file was available to test against.

Columns used: `accelerometerTimestamp_sinceReboot(s)`, `accelerometerAccelerationX(G)` ..Z (raw
CoreMotion acceleration in g, -1 g upwards at rest, gravity included), `gyroTimestamp_sinceReboot(s)`,
`gyroRotationX(rad/s)` ..Z. `motionUserAcceleration*` has no gravity and is never used. The
accelerometer is interpolated onto the gyroscope's clock; `loggingTime(txt)` gives the wall clock.
"""

from __future__ import annotations

import os
from pathlib import Path

from imuhip.errors import InputError
from imuhip.io.streams import merge_onto_gyro, numeric, read_table
from imuhip.io.units import G, sensor_data
from imuhip.recording import Recording

ACC = [f"accelerometerAcceleration{a}(G)" for a in "XYZ"]
GYR = [f"gyroRotation{a}(rad/s)" for a in "XYZ"]


def looks_like(head: str) -> bool:
    return "accelerometerAccelerationX(G)" in head or "gyroRotationX(rad/s)" in head


def read_sensorlog(path: str | os.PathLike, sensor: str = "thigh") -> Recording:
    path = Path(path)
    df = read_table(path)
    if not all(c in df.columns for c in ACC):
        hint = " (motionUserAcceleration has no gravity: enable the raw accelerometer)" \
            if "motionUserAccelerationX(G)" in df.columns else ""
        raise InputError(f"SensorLog export without accelerometerAcceleration X/Y/Z (G){hint}", str(path))
    if not all(c in df.columns for c in GYR):
        raise InputError("SensorLog export without gyroRotation X/Y/Z (rad/s): an angle needs the gyroscope",
                         str(path))
    t_acc = numeric(df, ["accelerometerTimestamp_sinceReboot(s)"], path)[:, 0]
    t_gyr = numeric(df, ["gyroTimestamp_sinceReboot(s)"], path)[:, 0]
    acc = numeric(df, ACC, path) * -G  # CoreMotion sign: -1 g points up at rest
    t, acc, gyr = merge_onto_gyro(t_acc, acc, t_gyr, numeric(df, GYR, path), path)
    meta = {"device": "iPhone (SensorLog)", "protocol": "sensorlog-csv", "acc_unit": "g (iOS sign)",
            "gyr_unit": "rad/s", "clock": "gyroscope since reboot"}
    session = {"source": path.name, "app": "SensorLog"}
    if "loggingTime(txt)" in df.columns:
        session["start_time"] = str(df["loggingTime(txt)"].iloc[0])
    return Recording({sensor: sensor_data(path, sensor, t - t[0], acc, gyr, meta)}, session)
