"""The results of an analysis as pandas DataFrames, one row per event, with units in the names.

    from imuhip.report.frames import holds_df, reps_df, strides_df, metrics_df, symmetry_df, verdicts_df

Columns (every name ends in its unit: _s seconds, _deg degrees, _pct percent):

- holds_df: side, start_s, end_s, duration_s, mean_angle_deg, min_angle_deg, sd_deg,
  threshold_deg, dips_bridged, drill
- reps_df: side, peak_time_s, peak_angle_deg, top_hold_s, rise_s, lower_s, set_index (0-based),
  drill, pelvis_tilt_deg
- strides_df: side, start_s, end_s, duration_s, peak_time_s, peak_flexion_deg,
  peak_extension_deg, range_deg, peak_adduction_deg, drill
- metrics_df: the analysis's metrics table (`Analysis.metrics()`): drill, side, metric, value,
  unit, n events, detail, confidence, origin
- symmetry_df: one row per left/right metric: metric ('drill.name'), kind, unit, left, right,
  difference (left - right, in unit), lsi_pct, symmetry_angle_pct, ci95_low_pct, ci95_high_pct
  (of the LSI; empty for a single event), n_left, n_right, lower_side, flagged, note
- verdicts_df: one row per judged check: rule_id, drill, side, metric, value, unit, verdict,
  requirement, meaning, citation (article file:line), source_title, quote, detail, confidence
"""

from __future__ import annotations

from dataclasses import asdict, fields

import pandas as pd

from imuhip.analysis import Analysis, Hold, Rep, Stride, Symmetry
from imuhip.report.verdicts import Verdict


def _frame(rows: list, kind) -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in rows], columns=[f.name for f in fields(kind)])


def holds_df(a: Analysis) -> pd.DataFrame:
    """Every hold above the threshold, in time order."""
    return _frame(a.holds, Hold)


def reps_df(a: Analysis) -> pd.DataFrame:
    """Every repetition."""
    return _frame(a.reps, Rep)


def strides_df(a: Analysis) -> pd.DataFrame:
    """Every stride of each leg."""
    return _frame(a.strides, Stride)


def metrics_df(a: Analysis) -> pd.DataFrame:
    """The metrics table: one row per drill, side and metric."""
    return a.metrics()


def symmetry_df(a: Analysis) -> pd.DataFrame:
    """Left against right per metric, with the limb symmetry index and its 95 % CI."""
    df = _frame(a.symmetry, Symmetry)
    ci = df.pop("ci95")
    df.insert(df.columns.get_loc("symmetry_angle_pct") + 1, "ci95_low_pct", [c[0] if c else None for c in ci])
    df.insert(df.columns.get_loc("ci95_low_pct") + 1, "ci95_high_pct", [c[1] if c else None for c in ci])
    return df


def verdicts_df(verdicts: list[Verdict]) -> pd.DataFrame:
    """Every judged check (the verdicts of `imuhip.report.verdicts`)."""
    order = ["rule_id", "drill", "side", "metric", "value", "unit", "verdict", "requirement", "meaning", "citation",
             "source_title", "quote", "detail", "confidence"]
    return _frame(verdicts, Verdict)[order]
