"""imuhip batch: discovery, parallel analysis, cohort table, resume, errors, Dask LocalCluster;
and the bounded-memory (chunked) path it uses for large files."""

import json
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import shared_file
from imuhip.analysis import analyze
from imuhip.analysis.chunked import analyze_csv_chunked
from imuhip.batch import Settings, find_recordings, run_batch
from imuhip.cli import main
from imuhip.errors import ColumnError
from imuhip.io import write_csv
from imuhip.io.imuhip_csv import read_csv, read_csv_chunks
from imuhip.simulate import read_truth, simulate, write_simulation


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory):
    """Three simulated knee-raise sessions (two athletes, known hold times), a marching session in
    a subfolder, two bad files, and files that are not recordings."""
    root = tmp_path_factory.mktemp("cohort")
    (root / "anna").mkdir()
    (root / "ben" / "2026-03-02").mkdir(parents=True)
    plans = [("anna/kr_a.csv", 1, 32.0, 21.0, "Anna", "2026-03-01"),
             ("anna/kr_b.csv", 2, 25.0, 25.0, "Anna", "2026-03-08"),
             ("ben/2026-03-02/kr.csv", 3, 12.0, 35.0, "Ben", None)]
    for name, seed, left, right, athlete, date in plans:
        sim = simulate("knee_raise_hold", seed=seed, hold_s={"left": left, "right": right})
        sim.recording.meta["athlete"] = athlete
        if date:
            sim.recording.meta["date"] = date
        write_simulation(sim, root / name)
    write_simulation(simulate("marching", seed=4, duration_s=40), root / "ben" / "march.csv")
    (root / "anna" / "bad_garbage.csv").write_bytes(b"\x00\xff\x13garbage;;;\nnot,a,recording\n")
    (root / "ben" / "bad_truncated.csv").write_text(
        "# imuhip-csv: 1\ntime_s,sensor,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0.0,left_thigh,0,9.8,0\n")
    (root / "README.txt").write_text("cohort of the spring block\n")
    (root / ".hidden.csv").write_text("x\n")
    return root


def test_discovery_takes_recordings_and_leaves_other_files(cohort_dir):
    found = [p.relative_to(cohort_dir).as_posix() for p in find_recordings([cohort_dir])]
    assert found == ["anna/bad_garbage.csv", "anna/kr_a.csv", "anna/kr_b.csv", "ben/2026-03-02/kr.csv",
                     "ben/bad_truncated.csv", "ben/march.csv"]  # no README, truth sidecars or hidden files


def test_discovery_on_the_shared_app_exports():
    root = shared_file("app_formats").parent
    found = {p.relative_to(root).as_posix() for p in find_recordings([root])}
    # Multi-file exports count once, as their folder; single files are sniffed; README.md is not taken.
    assert {"app_formats/polar_sensor_logger", "app_formats/sensor_logger_ios", "app_formats/mbientlab_metabase",
            "real/hugadb_sit_stand/HuGaDB_v2_various_01_00.txt"} <= found
    assert not any(f.endswith("README.md") or "Polar_Sense_ACC" in f for f in found)


def test_batch_local_workers_cohort_errors_and_resume(cohort_dir, tmp_path, capsys):
    cohort_dir = Path(shutil.copytree(cohort_dir, tmp_path / "in"))  # changed below
    out = tmp_path / "out"
    code = main(["batch", str(cohort_dir), "--out", str(out), "--workers", "2"])
    assert code == 1  # two sessions failed
    err = capsys.readouterr().err
    assert "bad_garbage.csv" in err and "bad_truncated.csv" in err and "%" in err  # progress bar shown

    errors = pd.read_csv(out / "errors.csv")
    assert sorted(os.path.basename(s) for s in errors["source"]) == ["bad_garbage.csv", "bad_truncated.csv"]
    assert errors.loc[errors["source"].str.endswith("bad_truncated.csv"), "message"].item().endswith(
        "bad_truncated.csv:3: expected 8 fields, found 5")

    cohort = pd.read_parquet(out / "cohort.parquet")
    csv = pd.read_csv(out / "cohort.csv")
    assert list(csv.columns) == list(cohort.columns) and len(csv) == len(cohort)
    assert np.allclose(csv["longest_hold_s"], cohort["longest_hold_s"], rtol=1e-3, equal_nan=True)
    assert len(cohort) == 8  # four sessions x two sides
    for rel in ["anna/kr_a.csv", "anna/kr_b.csv", "ben/2026-03-02/kr.csv"]:
        truth = read_truth(cohort_dir / rel.replace(".csv", ".truth.json"))["events"]
        rows = cohort[cohort["source"].str.endswith(rel)]
        for side in ("left", "right"):
            row = rows[rows["side"] == side].iloc[0]
            expected = max(h["duration_s"] for h in truth["holds"] if h["side"] == side)
            assert abs(row["longest_hold_s"] - expected) < 0.5, (rel, side, row["longest_hold_s"], expected)
            assert row["knee_raise_hold_30s"] == ("pass" if row["longest_hold_s"] >= 30 else
                                                  row["knee_raise_hold_30s"])
    ben = cohort[cohort["source"].str.endswith("ben/2026-03-02/kr.csv")]
    assert set(ben["athlete"]) == {"Ben"} and set(ben["date"]) == {"2026-03-02"}  # date from the folder name
    left_a = cohort[cohort["source"].str.endswith("kr_a.csv") & (cohort["side"] == "left")].iloc[0]
    assert left_a["date"] == "2026-03-01" and left_a["knee_raise_hold_30s"] == "pass"
    right_a = cohort[cohort["source"].str.endswith("kr_a.csv") & (cohort["side"] == "right")].iloc[0]
    assert right_a["knee_raise_hold_30s"] == "fail" and right_a["worst_verdict"] == "fail"
    # Symmetry: the LSI of the holds (32 s against 21 s), flagged by the catalog's 90 % rule.
    a_rows = cohort[cohort["source"].str.endswith("kr_a.csv")]
    lsi = 100 * a_rows["longest_hold_s"].min() / a_rows["longest_hold_s"].max()
    print(f"cohort kr_a: lowest LSI {a_rows['lowest_lsi_pct'].iloc[0]:.1f} % (holds give {lsi:.1f} %), "
          f"flagged {a_rows['asymmetries_flagged'].iloc[0]}")
    assert a_rows["lowest_lsi_pct"].to_numpy() == pytest.approx([lsi, lsi], abs=0.05)
    assert (a_rows["asymmetries_flagged"] == 1).all() and "max_abs_symmetry_angle_pct" not in cohort
    march = cohort[cohort["source"].str.endswith("march.csv")]
    assert (march["reps"] > 10).all() and march["holds"].eq(0).all()
    assert (march["mean_rep_peak_deg"] > 50).all() and march["knee_drive_deg"].isna().all()
    sessions = sorted(p.name for p in (out / "sessions").glob("*.json"))
    assert len(sessions) == 4
    doc = json.loads(next((out / "sessions").glob("kr_a.csv-*.json")).read_text())
    assert doc["imuhip_analysis"] == 2 and {v["rule_id"] for v in doc["verdicts"]} >= {"knee_raise_hold_30s"}

    # Rerun: nothing changed, so only the failed ones are tried again.
    again = run_batch([cohort_dir], out, workers=1, progress=False)
    assert (again.found, again.skipped, again.analysed, again.failed) == (6, 4, 2, 2)
    assert again.cohort.equals(cohort)
    # One session re-recorded, one bad file fixed by deleting it: only the changed one is redone.
    sim = simulate("knee_raise_hold", seed=7, hold_s={"left": 40.0, "right": 40.0})
    write_csv(sim.recording, cohort_dir / "anna" / "kr_b.csv")
    (cohort_dir / "anna" / "bad_garbage.csv").rename(cohort_dir / "anna" / "bad_garbage.bin")
    third = run_batch([cohort_dir], out, workers=1, progress=False)
    assert (third.found, third.skipped, third.analysed, third.failed) == (5, 3, 2, 1)
    b = third.cohort[third.cohort["source"].str.endswith("kr_b.csv")]
    assert (b["longest_hold_s"] > 39).all()
    manifest = (out / "manifest.jsonl").read_text().splitlines()
    assert len(manifest) == 5  # compacted: one line per recording


def test_batch_on_a_dask_local_cluster_with_worker_processes(cohort_dir, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50)
    with cluster, distributed.Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
        out = tmp_path / "dask"
        code = main(["batch", str(cohort_dir), "--out", str(out), "--scheduler", cluster.scheduler_address,
                     "--html"])
        assert code == 1
        assert "Dask at tcp://" in capsys.readouterr().out
    errors = pd.read_csv(out / "errors.csv")
    assert len(errors) == 2 and all("bad_" in s for s in errors["source"])
    cohort = pd.read_parquet(out / "cohort.parquet")
    assert len(cohort) == 2 * (len(find_recordings([cohort_dir])) - 2)
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    pids = {int(e["worker"].rsplit(":", 1)[1]) for e in entries}
    assert pids <= worker_pids and os.getpid() not in pids  # run in the cluster's worker processes
    assert len(list((out / "sessions").glob("*.html"))) == len(cohort) // 2


def test_batch_names_an_unreachable_scheduler(tmp_path, cohort_dir, capsys):
    pytest.importorskip("distributed")
    code = main(["batch", str(cohort_dir / "anna" / "kr_a.csv"), "--out", str(tmp_path / "o"),
                 "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_chunked_reading_equals_whole_file_reading(tmp_path):
    sim = simulate("marching", seed=5, duration_s=60)
    path = tmp_path / "m.csv"
    write_csv(sim.recording, path)
    whole = read_csv(path)
    pieces = list(read_csv_chunks(path, chunk_bytes=200_000))
    assert len(pieces) > 5
    for name, s in whole.sensors.items():
        for attr in ("time", "acc", "gyr"):
            joined = np.concatenate([getattr(p.sensors[name], attr) for p in pieces if name in p.sensors])
            assert np.array_equal(joined, getattr(s, attr))
    assert sum(len(p.annotations) for p in pieces) == len(whole.annotations)
    # An error deep in the file names the same line as the whole-file reader.
    lines = path.read_text().splitlines(keepends=True)
    lines[9000] = lines[9000].rsplit(",", 1)[0] + "\n"
    path.write_text("".join(lines))
    with pytest.raises(ColumnError) as whole_err:
        read_csv(path)
    with pytest.raises(ColumnError) as piece_err:
        list(read_csv_chunks(path, chunk_bytes=200_000))
    assert str(piece_err.value) == str(whole_err.value) == f"{path}:9001: expected 8 fields, found 7"


def test_chunked_analysis_matches_the_whole_file_analysis(tmp_path):
    sim = simulate("knee_raise_hold", seed=8, hold_s={"left": 31.0, "right": 24.0})
    path = tmp_path / "kr.csv"
    write_csv(sim.recording, path)
    whole = analyze(read_csv(path))
    chunked = analyze_csv_chunked(path, calibration_bytes=2_000_000, piece_bytes=300_000)  # axes from ~40 %
    assert [round(h.duration_s, 2) for h in chunked.holds] == [round(h.duration_s, 2) for h in whole.holds]
    assert chunked.meta == whole.meta and len(chunked.segments) == len(whole.segments)
    diff = np.nanmax(np.abs(chunked.angles.to_numpy() - whole.angles.to_numpy()))
    print(f"chunked vs whole-file analysis: largest angle difference {diff:.2f} deg")
    assert diff < 2.0
    left = next(a for a in sim.recording.annotations if a.side == "left" and a.drill == "standing_knee_raise")
    timeline = tmp_path / "kr.segments.csv"
    timeline.write_text(f"start_s,end_s,drill,side\n{left.start_s},{left.end_s},standing_knee_raise,left\n")
    fixed = analyze_csv_chunked(path, calibration_bytes=2_000_000, piece_bytes=300_000, segments=timeline)
    assert [(s.drill, s.origin) for s in fixed.segments] == [("standing_knee_raise", "user")]
    assert [h.side for h in fixed.holds] == ["left"] and abs(fixed.holds[0].duration_s - 31.0) < 1.0


def test_settings_key_changes_with_the_rules(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("# none yet\n")
    a = Settings(thresholds=str(rules)).key()
    rules.write_text("# changed\n")
    assert Settings(thresholds=str(rules)).key() != a and Settings(drill="marching").key() != Settings().key()


def test_batch_takes_each_recordings_corrected_timeline(tmp_path):
    """NAME.segments.csv next to a recording (or in --segments DIR) replaces its timeline; an
    edited timeline re-does the session; a bad one fails that session naming the line."""
    sim = simulate("knee_raise_hold", seed=1, hold_s={"left": 32.0, "right": 21.0})
    marks = {a.side: a for a in sim.recording.annotations if a.drill == "standing_knee_raise"}
    (tmp_path / "in").mkdir()
    write_simulation(sim, tmp_path / "in" / "kr.csv")
    timeline = tmp_path / "in" / "kr.segments.csv"
    left = marks["left"]
    timeline.write_text(f"start_s,end_s,drill,side\n{left.start_s},{left.end_s},standing_knee_raise,left\n")
    out = tmp_path / "out"
    first = run_batch([tmp_path / "in"], out, workers=1, progress=False)
    assert (first.found, first.failed) == (1, 0)  # the timeline is not taken for a recording
    rows = first.cohort.set_index("side")
    print("next to it: longest hold left", rows.loc["left", "longest_hold_s"], "right", rows.loc["right", "holds"])
    assert abs(rows.loc["left", "longest_hold_s"] - 32.0) < 1.0 and rows.loc["right", "holds"] == 0
    assert pd.isna(rows.loc["right", "knee_raise_hold_30s"])  # only the left hold was named

    # Edited: now the right hold only, and the rerun redoes the session.
    right = marks["right"]
    timeline.write_text(f"start_s,end_s,drill,side\n{right.start_s},{right.end_s},standing_knee_raise,right\n")
    second = run_batch([tmp_path / "in"], out, workers=1, progress=False)
    assert (second.skipped, second.analysed) == (0, 1)
    rows = second.cohort.set_index("side")
    assert rows.loc["left", "holds"] == 0 and rows.loc["right", "knee_raise_hold_30s"] == "fail"

    # --segments DIR wins over the file next to the recording; a bad row is an error naming its line.
    fixes = tmp_path / "fixes"
    fixes.mkdir()
    (fixes / "kr.segments.csv").write_text("start_s,end_s,drill,side\n0,5,standing,both\n3,9,no_such_drill,left\n")
    code = main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out2"), "--segments", str(fixes),
                 "--workers", "1", "--quiet"])
    message = pd.read_csv(tmp_path / "out2" / "errors.csv")["message"].item()
    print(message)
    assert code == 1 and "kr.segments.csv:3" in message and "no_such_drill" in message
