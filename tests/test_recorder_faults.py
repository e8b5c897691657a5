"""Classes 6 and 7, end to end through the virtual sensors: device clock faults lose no sample silently; a
Polar start answer with an unusable factor refuses the sensor and leaves a readable file; every recording
stops within 2 s of being asked, and Ctrl-C at any phase of start-up ends `imuhip record` within 2 s."""

import asyncio
import signal
import sys
from pathlib import Path

import pytest

pytest.importorskip("bumble")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import recorder_faults as rf  # noqa: E402
import recorder_stop as rf_stop  # noqa: E402
from imuhip import read_csv  # noqa: E402
from imuhip.ble import polar_pmd  # noqa: E402
from imuhip.ble.virtual import SimulatedPolarSensor  # noqa: E402


@pytest.mark.parametrize("fault", ["one packet 20 min in the future", "one packet 10 s in the past",
                                   "clock jumps 10 min ahead for good", "reboot, clock restarts on reconnect"])
def test_a_clock_jump_either_way_keeps_every_sample_and_is_noted(tmp_path, fault):
    out = tmp_path / "rec.csv"
    summary, logs, sensors, stop_s = asyncio.run(rf._record(out, rf.FAULTS[fault]))
    assert stop_s < rf_stop.STOP_LIMIT_S
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
    summary, _, _, stop_s = asyncio.run(rf._record(out, {"announced_factors": {polar_pmd.ACC: factor}},
                                                   SimulatedPolarSensor, 52))
    assert stop_s < rf_stop.STOP_LIMIT_S
    assert "conversion factor" in summary["left_thigh"]["last_error"] and summary["left_thigh"]["samples"] == 0
    rec = read_csv(out, check=False)
    assert "left_thigh" not in rec.sensors and len(rec["right_thigh"]) == summary["right_thigh"]["samples"] > 1000


@pytest.mark.parametrize("delay", [-0.5, 0.0, 0.03, 0.06, 0.2, 1.0])
def test_ctrl_c_at_any_phase_of_start_up_stops_within_2_s_with_a_readable_file(tmp_path, delay):
    out = tmp_path / "rec.csv"
    code, took = rf_stop.interrupt_once(out, delay)
    assert code in (0, 130, -signal.SIGINT) and took < rf_stop.STOP_LIMIT_S, (code, took)  # -SIGINT: still importing
    assert rf_stop.readable(out)
    if code == 0 and delay >= 0.2:
        assert len(read_csv(out, check=False).sensors) >= 1


@pytest.mark.parametrize("kind, rate, k", rf.STAMPED, ids=lambda v: getattr(v, "__name__", str(v)))
def test_one_far_future_stamp_is_a_clock_reset_not_lost_packets(tmp_path, kind, rate, k):
    """Movesense and DOT count lost packets from their stamps: one stamp 20 min ahead must not count
    20 minutes of lost packets, and every sample is still written."""
    out = tmp_path / "rec.csv"
    summary, _, sensors, stop_s = asyncio.run(rf._record(out, {"stamp_jump_us": {k: rf.MINUTES_20_US}}, kind, rate))
    left = summary["left_thigh"]
    assert left["lost_packets"] == 0 and left["clock_resets"] >= 1 and stop_s < rf_stop.STOP_LIMIT_S
    assert len(read_csv(out, check=False)["left_thigh"]) == left["samples"] == len(sensors[0].samples)


def test_packets_really_lost_are_still_counted_from_the_stamps(tmp_path):
    out = tmp_path / "rec.csv"
    kind, rate, _ = rf.STAMPED[0]
    summary, _, _, _ = asyncio.run(rf._record(out, {"drop": {50, 51, 200}}, kind, rate))
    assert summary["left_thigh"]["lost_packets"] == 3 and summary["left_thigh"]["clock_resets"] == 0
    assert out.read_text().count("# left_thigh lost ") == 2
