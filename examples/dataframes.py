"""A session as pandas DataFrames: read any format, the samples as a table, results as tables.

    python examples/dataframes.py [recordings/demo_session.csv]
"""

import sys
from pathlib import Path

import imuhip
from imuhip.analysis import analyze
from imuhip.report import load_catalog, verdicts
from imuhip.report.frames import holds_df, metrics_df, reps_df, strides_df, symmetry_df, verdicts_df

path = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "recordings" / "demo_session.csv"
rec = imuhip.read(path)  # imuhip CSV or any app export imuhip reads
print(rec)

samples = rec.to_dataframe()  # sensor, time_s, acc_x..z (m/s^2), gyr_x..z (rad/s)
print(samples.groupby("sensor")["time_s"].agg(["count", "min", "max"]))
same = imuhip.Recording.from_dataframe(samples, meta=rec.meta, annotations=rec.annotations)

result = analyze(same)
print(holds_df(result)[["side", "drill", "duration_s", "mean_angle_deg"]].round(1).to_string(index=False))
print(reps_df(result).groupby(["drill", "side"])["peak_angle_deg"].median().round(1))
strides = strides_df(result)
print(f"{len(strides)} strides, median knee drive by side:",
      strides.groupby("side")["peak_flexion_deg"].median().round(1).to_dict())
print(symmetry_df(result)[["metric", "left", "right", "lsi_pct", "flagged"]].round(2).to_string(index=False))
print(metrics_df(result)[["drill", "side", "metric", "value", "unit"]].head(8).to_string(index=False))
checks = verdicts_df(verdicts(result, load_catalog()))
print(f"checks: {(checks['verdict'] == 'fail').sum()} failed of {len(checks)}")
