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
