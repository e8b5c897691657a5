"""The Python API a data scientist expects: imuhip.read, a short repr, DataFrames in and out."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import imuhip
from imuhip.analysis import analyze
from imuhip.errors import InputError
from imuhip.report import load_catalog, verdicts
from imuhip.report.frames import holds_df, metrics_df, reps_df, strides_df, symmetry_df, verdicts_df

from conftest import REPO

DEMO = REPO / "recordings" / "demo_session.csv"


def test_read_any_format_and_a_short_repr():
    rec = imuhip.read(DEMO)
    assert rec.equals(imuhip.read_any(DEMO)) and rec.equals(imuhip.read_csv(DEMO))
    text = repr(rec)
    assert text.startswith("Recording(left_thigh ") and "100.0 Hz" in text and "annotation(s)" in text
    assert len(text) < 300 and "[" not in text  # no arrays dumped into a notebook
    assert repr(rec["left_thigh"]).startswith("SensorData(") and len(repr(rec["left_thigh"])) < 80


def test_dataframe_round_trip_is_exact():
    rec = imuhip.read(DEMO)
    df = rec.to_dataframe()
    assert list(df.columns) == ["sensor", "time_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    assert len(df) == sum(len(s) for s in rec.sensors.values())
    back = imuhip.Recording.from_dataframe(df, meta=rec.meta, annotations=rec.annotations,
                                           sensor_meta={n: s.meta for n, s in rec.sensors.items()})
    assert back.equals(rec)
    one = imuhip.Recording.from_dataframe(df[df["sensor"] == "left_thigh"].drop(columns="sensor"), sensor="thigh")
    assert list(one.sensors) == ["thigh"] and np.array_equal(one["thigh"].gyr, rec["left_thigh"].gyr)
    with pytest.raises(InputError, match="lacks column"):
        imuhip.Recording.from_dataframe(df.drop(columns="gyr_z"))


def test_results_as_dataframes_with_units():
    a = analyze(imuhip.read(DEMO))
    holds = holds_df(a)
    assert list(holds["side"]) == ["left", "right"] and holds["duration_s"].between(30, 31).all()
    reps = reps_df(a)
    assert len(reps) == len(a.reps) and {"peak_angle_deg", "top_hold_s", "set_index"} <= set(reps.columns)
    assert len(strides_df(a)) == len(a.strides)
    sym = symmetry_df(a).set_index("metric")
    sprint = sym.loc["sprint.peak_flexion_deg"]
    assert sprint["lower_side"] == "right" and 85.0 < sprint["lsi_pct"] < 100.0
    assert sprint["ci95_low_pct"] <= sprint["lsi_pct"] <= sprint["ci95_high_pct"]
    m = metrics_df(a)
    longest = m[(m["metric"] == "longest_hold_s")].set_index("side")["value"]
    assert longest.to_dict() == pytest.approx(holds.groupby("side")["duration_s"].max().to_dict())
    v = verdicts_df(verdicts(a, load_catalog()))
    assert len(v) == len(verdicts(a, load_catalog())) and set(v["verdict"]) <= {"pass", "borderline", "fail"}
    assert v.loc[v["citation"].str.contains(r"\.txt:\d+$"), "quote"].str.len().gt(0).all()
    empty = holds_df(analyze(imuhip.read(REPO / "recordings" / "skinematics_walking_thigh.csv")))
    assert isinstance(empty, pd.DataFrame) and "duration_s" in empty.columns


def test_import_imuhip_is_light():
    code = "import sys, imuhip; print(sorted(m for m in ('pandas', 'matplotlib', 'numba', 'bleak') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stderr
