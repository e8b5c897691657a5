"""The simulator: every scenario writes a readable file with a ground-truth sidecar."""

import numpy as np
import pytest

from imuhip import read_csv
from imuhip.cli import main
from imuhip.io.units import G
from imuhip.simulate import SCENARIOS, SimOptions, read_truth, simulate, truth_path


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_scenario_writes_a_file_info_reads_with_truth(tmp_path, scenario, capsys):
    out = tmp_path / f"{scenario}.csv"
    assert main(["simulate", scenario, "--out", str(out), "--seed", "4", "--pelvis", "--rate", "60"]) == 0
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "left_thigh:" in text and "right_thigh:" in text and "pelvis:" in text
    rec = read_csv(out)
    truth = read_truth(truth_path(out))
    for name, s in rec.sensors.items():
        assert np.array_equal(truth["samples"][name]["time_s"].to_numpy(), s.time)
        assert s.rate_hz == pytest.approx(60.0, rel=0.01)
    assert set(truth["events"]) >= {"holds", "reps", "strides", "positions"}
    assert truth["events"]["segments"], "every scenario's truth has its drill segments"
    if scenario == "field_session":
        assert not rec.annotations, "a field session is recorded unannotated, as people record"
    else:
        assert rec.annotations, "every scenario annotates its drills"


def test_still_sensor_reads_gravity_and_no_rotation():
    sim = simulate("standing", seed=1, acc_noise=0, gyr_noise=0, gyr_bias=0, bias_drift=0, duration_s=5)
    s = sim.recording["left_thigh"]
    first = s.time < 2.5  # the quiet-standing start
    assert np.linalg.norm(s.acc[first], axis=1) == pytest.approx(G, abs=1e-6)
    assert np.abs(s.gyr[first]).max() < 1e-9


def test_gyroscope_integrates_to_the_true_elevation_change():
    """With an aligned sensor the gyro z component is d(elevation)/dt (the seated drill has no
    abduction or axial rotation)."""
    sim = simulate("seated_drill", seed=2, mounting="aligned", acc_noise=0, gyr_noise=0, gyr_bias=0,
                   bias_drift=0, jitter_s=0)
    s, truth = sim.recording["left_thigh"], sim.truth["left_thigh"]
    rate = (s.gyr[1:, 2] + s.gyr[:-1, 2]) / 2
    elev = np.degrees(np.concatenate([[0], np.cumsum(rate * np.diff(s.time))]))
    assert np.abs(elev - truth["elevation_deg"].to_numpy()).max() < 0.2


def test_events_match_the_requested_asymmetry():
    sim = simulate("knee_raise_hold", SimOptions(seed=5, hold_s={"left": 32.0, "right": 21.0}))
    holds = {h["side"]: h for h in sim.events["holds"]}
    assert holds["left"]["duration_s"] == pytest.approx(32.0 + 1.2, abs=0.5)  # plus rise/lower above 90
    assert holds["right"]["duration_s"] == pytest.approx(21.0 + 1.2, abs=0.5)
    assert holds["left"]["min_angle_deg"] >= 90.0


def test_runs_span_jogging_to_sprinting_and_knee_drive_deficit():
    sim = simulate("run_ladder", SimOptions(seed=3, knee_drive={"left": 1.0, "right": 0.92}))
    peaks = {}
    for st in sim.events["strides"]:
        peaks.setdefault((st["speed"], st["side"]), []).append(st["peak_flexion_deg"])
    assert 44 < np.mean(peaks[("jog", "left")]) < 56
    assert np.mean(peaks[("sprint", "left")]) > 90
    ratio = np.mean(peaks[("sprint", "right")]) / np.mean(peaks[("sprint", "left")])
    assert ratio == pytest.approx(0.92, abs=0.02)
    cadence = {r["speed"]: r["cadence_spm"] for r in sim.events["runs"]}
    assert cadence["jog"] == pytest.approx(160, abs=5) and cadence["sprint"] == pytest.approx(205, abs=6)


def test_seated_drill_reps_have_two_to_three_second_tops():
    sim = simulate("seated_drill", seed=8)
    reps = sim.events["reps"]
    per_side = {s: sum(r["side"] == s for r in reps) for s in ("left", "right")}
    assert 16 <= per_side["left"] <= 20 and 16 <= per_side["right"] <= 20
    tops = np.array([r["top_hold_s"] for r in reps])
    assert tops.min() > 2.0 and tops.max() < 3.6


def test_dropped_samples_become_gaps():
    sim = simulate("marching", seed=1, drop=0.01)
    assert len(sim.recording["left_thigh"].gaps) > 0


def test_unknown_scenario_is_one_clear_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "moonwalk", "--out", str(tmp_path / "x.csv")])
    assert "unknown scenario 'moonwalk'; one of standing, knee_raise_hold" in capsys.readouterr().err


def test_turns_change_the_heading_not_the_true_angles():
    """A shuttle overlay turns the body 180 deg every 8-10 s: the world-frame rate about up
    integrates to the turns, while the true sagittal-plane elevation is the straight one's."""
    straight = simulate("knee_raise_hold", seed=3, mounting="aligned", acc_noise=0, gyr_noise=0,
                        gyr_bias=0, bias_drift=0)
    turning = simulate("knee_raise_hold", seed=3, mounting="aligned", acc_noise=0, gyr_noise=0,
                       gyr_bias=0, bias_drift=0, turns="shuttle")
    for name in ("left_thigh", "right_thigh"):
        assert np.array_equal(straight.truth[name]["elevation_deg"], turning.truth[name]["elevation_deg"])
    # Standing with turns, aligned sensor: the thigh stays vertical, so gyro y is the turn rate.
    quiet = simulate("standing", seed=3, duration_s=60.0, mounting="aligned", acc_noise=0, gyr_noise=0,
                     gyr_bias=0, bias_drift=0, turns="shuttle")
    s = quiet.recording["left_thigh"]
    heading = np.degrees(np.concatenate([[0.0], np.cumsum(s.gyr[:-1, 1] * np.diff(s.time))]))
    assert heading.max() == pytest.approx(180.0, abs=2.0) and heading.min() == pytest.approx(0.0, abs=2.0)
    flips = np.flatnonzero(np.diff(np.sign(heading - 90.0)) != 0)
    assert 5 <= len(flips) <= 8  # 180 deg every 8-10 s over 54 s


def test_field_session_is_unannotated_with_truth_segments_and_start_posture():
    sim = simulate("field_session", seed=1, start="seated")
    assert sim.recording.annotations == []
    seg = sim.events["segments"]
    drills = {s["drill"] for s in seg}
    assert {"sitting", "seated_hip_flexor", "standing_knee_raise", "walk", "a_skip", "marching", "jog",
            "sprint", "standing"} <= drills
    assert all(a["end_s"] <= b["start_s"] + 1e-6 for a, b in zip(seg, seg[1:])), "segments in order"
    first = sim.truth["left_thigh"]["time_s"] < 4.0
    assert sim.truth["left_thigh"]["elevation_deg"][first].to_numpy() == pytest.approx(85.0, abs=0.5)
    assert sim.recording.end_s > 300.0


def test_field_session_repeats_to_its_duration():
    sim = simulate("field_session", seed=2, duration_s=900.0)
    assert 880.0 < sim.recording.end_s < 1300.0
    holds = [h for h in sim.events["holds"] if h["side"] == "left"]
    assert len(holds) == len([s for s in sim.events["segments"]
                              if s["drill"] == "standing_knee_raise" and s["side"] == "left"]) >= 2


def test_restrap_changes_the_mounting_from_its_time_on():
    sim = simulate("standing", seed=4, duration_s=20.0, acc_noise=0, gyr_noise=0, restrap_s={"left_thigh": 10.0})
    s = sim.recording["left_thigh"]
    before, after = s.acc[(s.time > 1) & (s.time < 2)].mean(0), s.acc[s.time > 18.5].mean(0)
    m = sim.mounting["left_thigh"]
    assert m["restrap_s"] == 10.0
    R0, R1 = np.array(m["sensor_to_segment"]), np.array(m["sensor_to_segment_after"])
    up = np.array([0.0, G, 0.0])
    assert before == pytest.approx(R0.T @ up, abs=0.05) and after == pytest.approx(R1.T @ up, abs=0.05)
    assert np.array_equal(simulate("standing", seed=4, duration_s=20.0).truth["left_thigh"]["elevation_deg"],
                          sim.truth["left_thigh"]["elevation_deg"])
