"""Import speed: one-hour 100 Hz exports in the Polar Sensor Logger and Sensor Logger formats.

    python benchmarks/importers.py

Writes synthetic exports (from the simulator) in each app's layout, then times read_any.
"""

import tempfile
import time
from pathlib import Path

import numpy as np

from imuhip.io import read_any
from imuhip.simulate import simulate

G = 9.80665


def polar(d: Path, t, acc, gyr):
    ns = (t * 1e9).astype(np.int64) + 700_000_000_000_000_000
    for kind, data, unit in (("ACC", acc / G * 1000, "mg"), ("GYRO", np.degrees(gyr), "dps")):
        lines = [f"Phone timestamp;sensor timestamp [ns];X [{unit}];Y [{unit}];Z [{unit}]"]
        lines += [f"2022-04-25T11:39:36.978;{n};{x:.2f};{y:.2f};{z:.2f}" for n, (x, y, z) in zip(ns.tolist(), data.tolist())]
        (d / f"Polar_Sense_{kind}.txt").write_text("\n".join(lines) + "\n")
    return d / "Polar_Sense_ACC.txt"


def sensor_logger(d: Path, t, acc, gyr):
    d.mkdir()
    (d / "Metadata.csv").write_text("version,platform,standardisation\n3,ios,false")
    for name, data in (("AccelerometerUncalibrated.csv", -acc / G), ("Gyroscope.csv", gyr)):
        lines = ["time,seconds_elapsed,z,y,x"]
        lines += [f"{int(1.7e18 + s * 1e9)},{s!r},{z!r},{y!r},{x!r}" for s, (x, y, z) in zip(t.tolist(), data.tolist())]
        (d / name).write_text("\n".join(lines) + "\n")
    return d


def main():
    s = simulate("standing", duration_s=3600, seed=0).recording["left_thigh"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, make in (("Polar Sensor Logger", polar), ("Sensor Logger (iOS)", sensor_logger)):
            target = make(tmp / name.split()[0] if make is sensor_logger else tmp, s.time, s.acc, s.gyr)
            t0 = time.perf_counter()
            rec = read_any(target)
            dt = time.perf_counter() - t0
            n = len(rec["thigh"])
            print(f"{name:22s} one hour, {n} samples: {dt:.2f} s ({n / dt / 1e6:.2f} M samples/s)")


if __name__ == "__main__":
    main()
