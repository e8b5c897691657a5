"""Class 6, end to end through the virtual sensors: device clock faults lose no sample silently; a
Polar start answer with an unusable factor refuses the sensor and leaves a readable file."""

import asyncio
import sys
from pathlib import Path

import pytest

pytest.importorskip("bumble")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import recorder_faults as rf  # noqa: E402
from imuhip import read_csv  # noqa: E402
from imuhip.ble import polar_pmd  # noqa: E402
from imuhip.ble.virtual import SimulatedPolarSensor  # noqa: E402


@pytest.mark.parametrize("fault", ["one packet 20 min in the future", "one packet 10 s in the past",
                                   "clock jumps 10 min ahead for good", "reboot, clock restarts on reconnect"])
def test_a_clock_jump_either_way_keeps_every_sample_and_is_noted(tmp_path, fault):
    out = tmp_path / "rec.csv"
    summary, logs, sensors = asyncio.run(rf._record(out, rf.FAULTS[fault]))
    rec = read_csv(out, check=False)
    left = rec["left_thigh"]
    assert len(left) == len(sensors[0].samples) == summary["left_thigh"]["samples"]
    assert summary["left_thigh"]["clock_resets"] >= 1 and summary["left_thigh"]["dropped_samples"] == 0
    assert out.read_text().count("# left_thigh clock reset: device time jumped") == summary["left_thigh"]["clock_resets"]
    assert summary["right_thigh"]["clock_resets"] == 0
    assert abs(left.time[-1] - rec["right_thigh"].time[-1]) < 30.0  # not 20 min away from the other side


@pytest.mark.parametrize("factor", [float("nan"), 0.0, -1.0, float("inf")])
def test_an_unusable_polar_factor_refuses_the_sensor_and_the_file_reads(tmp_path, factor):
    out = tmp_path / "rec.csv"
    summary, _, _ = asyncio.run(rf._record(out, {"announced_factors": {polar_pmd.ACC: factor}}, SimulatedPolarSensor,
                                           52))
    assert "conversion factor" in summary["left_thigh"]["last_error"] and summary["left_thigh"]["samples"] == 0
    rec = read_csv(out, check=False)
    assert "left_thigh" not in rec.sensors and len(rec["right_thigh"]) == summary["right_thigh"]["samples"] > 1000
