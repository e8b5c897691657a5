"""Regenerate the demo recordings in this folder: python recordings/make_demos.py

The synthetic files come from imuhip's simulator (values rounded to 1e-5, about a real
sensor's resolution, to keep them small); the walking file is a real recording converted
to imuhip CSV with its attribution in the header.
"""

from pathlib import Path

import numpy as np

from imuhip.io import read_xsens_mt, write_csv
from imuhip.recording import Recording, SensorData
from imuhip.simulate import SimOptions, simulate

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "data" / "real" / "skinematics_thigh_walking"


def rounded(rec: Recording) -> Recording:
    sensors = {n: SensorData(np.round(s.time, 5), np.round(s.acc, 5), np.round(s.gyr, 5), s.meta)
               for n, s in rec.sensors.items()}
    return Recording(sensors, rec.meta, rec.annotations)


def synthetic(name: str, scenario: str, command: str, **options) -> None:
    sim = simulate(scenario, SimOptions(**options))
    rec = rounded(sim.recording)
    rec.meta["notes"] = (f"SYNTHETIC data from the imuhip simulator ({command}); values rounded to 1e-5. "
                         "Not a real athlete.")
    write_csv(rec, HERE / name)


def main() -> None:
    synthetic("demo_knee_raise.csv", "knee_raise_hold",
              "imuhip simulate knee_raise_hold --seed 7 --pelvis --left-hold 32 --right-hold 21",
              seed=7, pelvis=True, hold_s={"left": 32.0, "right": 21.0})
    synthetic("demo_session.csv", "session",
              "imuhip simulate session --seed 11 --knee-drive right:-8", seed=11,
              knee_drive={"left": 1.0, "right": 0.92})
    walk = read_xsens_mt(SHARED / "walking_xsens_upperLeg.txt")
    walk.meta.update({
        "notes": "REAL recording: one Xsens MTx on an upper leg (side not stated), quiet standing "
                 "then walking with turns, 120 Hz. Converted from walking_xsens_upperLeg.txt.",
        "source": "scikit-kinematics tests/data/walking_xsens_upperLeg.txt",
        "licence": "BSD-2-Clause, (c) 2016 Thomas Haslwanter (scikit-kinematics)",
    })
    write_csv(walk, HERE / "skinematics_walking_thigh.csv")


if __name__ == "__main__":
    main()
