"""Holds, reps, strides and symmetry against the simulator's true events, and bad input."""

import json

import numpy as np
import pytest

from imuhip.analysis import Options, analyze
from imuhip.cli import main
from imuhip.io import read_any
from imuhip.recording import Annotation, Recording
from imuhip.simulate import SimOptions, simulate

from conftest import shared_file


@pytest.mark.parametrize("seed", range(4))
def test_holds_match_truth_and_are_never_split(seed):
    sim = simulate("knee_raise_hold", SimOptions(seed=200 + seed, hold_s={"left": 30.0, "right": 24.0}))
    a = analyze(sim.recording)
    assert len(a.holds) == 2, "a 30 s hold must not be split by noise or sway"
    for mine, true in zip(sorted(a.holds, key=lambda h: h.start_s), sim.events["holds"]):
        assert mine.side == true["side"]
        assert abs(mine.start_s - true["start_s"]) < 0.1 and abs(mine.end_s - true["end_s"]) < 0.1
        assert abs(mine.duration_s - true["duration_s"]) < 0.2
        assert mine.min_angle_deg > 89.0


@pytest.mark.parametrize("seed", range(4))
def test_rep_count_exact_and_top_hold_within_quarter_second(seed):
    sim = simulate("seated_drill", seed=300 + seed)
    a = analyze(sim.recording)
    for side in ("left", "right"):
        mine = [r for r in a.reps if r.side == side]
        true = [r for r in sim.events["reps"] if r["side"] == side]
        assert len(mine) == len(true)
        top = max(abs(m.top_hold_s - t["top_hold_s"]) for m, t in zip(mine, true))
        peak = max(abs(m.peak_angle_deg - t["peak_angle_deg"]) for m, t in zip(mine, true))
        assert top < 0.25 and peak < 2.0


def match_f1(found, truth, tol=0.15):
    """F1 of stride peaks matched one-to-one within `tol` s, per side."""
    tp = 0
    for side in ("left", "right"):
        f = sorted(s.peak_time_s for s in found if s.side == side)
        t = sorted(s["peak_time_s"] for s in truth if s["side"] == side)
        used = set()
        for x in f:
            j = int(np.argmin([abs(x - y) if k not in used else np.inf for k, y in enumerate(t)])) if t else -1
            if j >= 0 and j not in used and abs(x - t[j]) <= tol:
                used.add(j)
                tp += 1
    precision, recall = tp / max(len(found), 1), tp / max(len(truth), 1)
    return 2 * precision * recall / max(precision + recall, 1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_strides_from_jogging_to_sprinting(seed):
    sim = simulate("run_ladder", seed=400 + seed)
    a = analyze(sim.recording)
    f1 = match_f1(a.strides, sim.events["strides"])
    true_peaks = {(s["side"], round(s["peak_time_s"], 1)): s["peak_flexion_deg"] for s in sim.events["strides"]}
    errors = [abs(s.peak_flexion_deg - true_peaks[(s.side, round(s.peak_time_s, 1))])
              for s in a.strides if (s.side, round(s.peak_time_s, 1)) in true_peaks]
    within = float(np.mean(np.array(errors) <= 3.0))
    print(f"\nseed {seed}: stride F1 {f1:.3f}, peak flexion within 3 deg in {within:.1%} of strides, "
          f"worst {max(errors):.2f} deg")
    assert f1 >= 0.99
    # The fusion now also anchors the tilt on the stride-mean specific force (long runs, no still
    # moment): at sprint peaks that costs up to a degree (3.66 deg worst of 3 seeds; sprint
    # elevation RMSE stays <= 3.2 deg against its 5 deg target).
    assert max(errors) <= 4.0
    # cadence: one run segment per speed, in order
    for run, true in zip(a.runs, sim.events["runs"]):
        assert abs(run["cadence_spm"] - true["cadence_spm"]) < 1.0
    assert [r["range_class"].split()[0] for r in a.runs] == ["distance", "distance", "distance", "sprint"]


def test_knee_drive_deficit_is_flagged_naming_the_side():
    sim = simulate("sprint", SimOptions(seed=5, knee_drive={"left": 0.8, "right": 1.0}))
    sym = {s.metric: s for s in analyze(sim.recording).symmetry}["sprint.peak_flexion_deg"]
    print(f"\n{sym.describe_lower()}, 95 % CI {sym.ci95}")
    assert sym.flagged and sym.lower_side == "left"
    assert sym.difference < -15 and sym.ci95[0] < sym.lsi_pct < sym.ci95[1] < 90
    assert sym.describe_lower().startswith(f"left lower by {abs(sym.difference):.1f} deg")


def test_small_knee_drive_difference_is_not_an_asymmetry():
    """8 % less knee drive (about 8 deg): LSI 92 %, within the 90 % rule, not a flag."""
    sim = simulate("sprint", SimOptions(seed=5, knee_drive={"left": 0.92, "right": 1.0}))
    sym = {s.metric: s for s in analyze(sim.recording).symmetry}["sprint.peak_flexion_deg"]
    assert not sym.flagged and sym.lower_side == "left" and 90 < sym.lsi_pct < 94


def test_symmetric_athlete_is_rarely_flagged():
    flagged = 0
    for seed in range(100):
        sim = simulate("sprint", seed=500 + seed, duration_s=8)
        sym = {s.metric: s for s in analyze(sim.recording).symmetry}["sprint.peak_flexion_deg"]
        flagged += sym.flagged
    print(f"\nsymmetric sprinter flagged in {flagged} of 100 seeds")
    assert flagged <= 5


def test_table_test_resting_angle():
    sim = simulate("table_test", SimOptions(seed=3, table_hover_deg={"left": -6.0, "right": 8.0}))
    tt = {t["side"]: t for t in analyze(sim.recording).table_test}
    assert tt["left"]["angle_above_horizontal_deg"] == pytest.approx(-6.0, abs=1.0)
    assert tt["right"]["angle_above_horizontal_deg"] == pytest.approx(8.0, abs=1.0)


def test_stretch_position_hold_time():
    sim = simulate("stretch_hold", seed=2)
    holds = {h.side: h for h in analyze(sim.recording).holds}
    for pos in sim.events["positions"]:
        assert holds[pos["side"]].duration_s == pytest.approx(pos["end_s"] - pos["start_s"], abs=1.5)


def test_analyze_cli_writes_the_documented_json(tmp_path):
    src, out = tmp_path / "s.csv", tmp_path / "a.json"
    assert main(["simulate", "session", "--out", str(src), "--seed", "2"]) == 0
    assert main(["analyze", str(src), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["imuhip_analysis"] == 2
    assert set(doc["segments"][0]) == {"start_s", "end_s", "drill", "side", "origin", "confidence"}
    assert set(doc["metrics"][0]) >= {"drill", "side", "metric", "value", "unit", "n_events"}
    assert set(doc["holds"][0]) >= {"side", "start_s", "end_s", "duration_s", "mean_angle_deg", "min_angle_deg"}
    assert set(doc["reps"][0]) >= {"side", "peak_time_s", "peak_angle_deg", "top_hold_s"}
    assert set(doc["strides"][0]) >= {"side", "start_s", "end_s", "peak_flexion_deg", "peak_adduction_deg"}
    assert 150 < doc["cadence_spm"] < 215
    sym = next(iter(doc["symmetry"].values()))
    assert set(sym) >= {"left", "right", "difference", "lsi_pct", "kind", "ci95", "flagged", "note"}
    assert doc["warnings"] == []


def test_drill_override_and_side(tmp_path):
    sim = simulate("knee_raise_hold", seed=4)
    a = analyze(sim.recording, drill="standing_knee_raise", side="right")
    assert [h.side for h in a.holds] == ["right"]


# ---------------------------------------------------------------- bad input


def test_one_thigh_only_says_symmetry_needs_both():
    sim = simulate("marching", seed=1)
    rec = Recording({"left_thigh": sim.recording["left_thigh"]}, annotations=sim.recording.annotations)
    a = analyze(rec)
    assert a.reps and not a.symmetry
    assert any("symmetry needs both thighs" in w for w in a.warnings)


def test_no_motion_warns():
    sim = simulate("standing", seed=1, duration_s=20)
    rec = sim.recording
    rec.annotations = []
    a = analyze(rec)
    assert any(w.startswith("no drill found") for w in a.warnings)
    assert not (a.holds or a.reps or a.strides or a.symmetry)


def test_run_cut_mid_stride_warns():
    sim = simulate("jog", seed=2)
    rec = sim.recording
    cut = Recording({n: type(s)(s.time[s.time < 14.03], s.acc[s.time < 14.03], s.gyr[s.time < 14.03])
                     for n, s in rec.sensors.items()}, annotations=[Annotation(3.0, 14.03, "run", "both")])
    a = analyze(cut)
    assert a.strides
    assert any("ends mid-run" in w for w in a.warnings)


def test_annotations_outside_the_recording_warn():
    sim = simulate("knee_raise_hold", seed=1)
    rec = sim.recording
    rec.annotations = rec.annotations + [Annotation(500.0, 530.0, "marching", "both"),
                                         Annotation(70.0, 120.0, "marching", "both")]
    a = analyze(rec)
    assert any("lies outside the recording" in w for w in a.warnings)
    assert any("reaches outside the recording" in w and "clipped" in w for w in a.warnings)


def test_hugadb_sitting_holds_and_standing_between():
    rec = read_any(shared_file("real", "hugadb_sit_stand", "HuGaDB_v2_various_01_00.txt"))
    a = analyze(rec, drill="hold", options=Options(threshold_deg=45.0))
    sitting = [x for x in rec.annotations if x.drill == "sitting"]
    for side in ("left", "right"):
        holds = [h for h in a.holds if h.side == side]
        print(f"\n{side}: sitting holds (mean deg): {[round(h.mean_angle_deg, 1) for h in holds]}")
        assert len(holds) == len(sitting)
        for h, s in zip(holds, sitting):
            assert 64.0 < h.mean_angle_deg < 74.0
            assert h.start_s < s.end_s and h.end_s > s.start_s
