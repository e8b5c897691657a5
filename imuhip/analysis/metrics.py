"""The metrics table: every per-side number a coach is shown, computed once from the events.

One row per (drill, side, metric[, set]): value in `unit`, `n_events` it rests on, `detail`,
and the `confidence` / `origin` of the segments it came from (recognised or given). Verdicts,
the JSON and the CSV tables read this table instead of recomputing from the events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from imuhip.analysis.recognition import MIN_CONFIDENCE

if TYPE_CHECKING:
    from imuhip.analysis.session import Analysis

COLUMNS = ["drill", "side", "metric", "value", "unit", "n_events", "detail", "confidence", "origin"]


def metrics_table(a: Analysis) -> pd.DataFrame:
    """The metrics of an analysed session (COLUMNS), in drill, side order."""
    rows: list[dict] = []

    def add(drill, side, metric, value, unit, n, detail=""):
        conf, origin = _provenance(a, drill, side)
        rows.append(dict(drill=drill, side=side, metric=metric, value=float(value), unit=unit, n_events=int(n),
                         detail=detail, confidence=conf, origin=origin))

    for side in a.sides:
        for drill in sorted({h.drill for h in a.holds if h.side == side}):
            hs = [h.duration_s for h in a.holds if h.drill == drill and h.side == side]
            add(drill, side, "longest_hold_s", max(hs), "s", len(hs), f"{len(hs)} hold(s)")
        for drill in sorted({r.drill for r in a.reps if r.side == side}):
            rs = [r for r in a.reps if r.drill == drill and r.side == side]
            for k in sorted({r.set_index for r in rs}):
                n = sum(r.set_index == k for r in rs)
                add(drill, side, "reps_per_set", n, "reps", n, f"set {k + 1}")
            add(drill, side, "reps", len(rs), "reps", len(rs))
            add(drill, side, "mean_top_hold_s", np.mean([r.top_hold_s for r in rs]), "s", len(rs),
                f"mean of {len(rs)} reps")
            add(drill, side, "mean_peak_angle_deg", np.mean([r.peak_angle_deg for r in rs]), "deg", len(rs))
        for drill in sorted({s.drill for s in a.strides if s.side == side}):
            ss = [s for s in a.strides if s.drill == drill and s.side == side]
            add(drill, side, "strides", len(ss), "strides", len(ss))
            add(drill, side, "median_peak_flexion_deg", np.median([s.peak_flexion_deg for s in ss]), "deg", len(ss),
                f"{len(ss)} strides")
            if len(ss) > 1:
                d = np.array([s.duration_s for s in ss])
                add(drill, side, "stride_time_cv_pct", np.std(d) / np.mean(d) * 100.0, "%", len(ss))
    for tt in a.table_test:
        add("table_test", tt["side"], "angle_above_horizontal_deg", tt["angle_above_horizontal_deg"], "deg", 1)
    return pd.DataFrame(rows, columns=COLUMNS)


#: Gait drills, fastest first: the session's knee drive is that of the fastest one it has.
GAIT_ORDER = ("sprint", "running", "run", "jog", "walk")


def headline(metrics: pd.DataFrame, side: str) -> dict:
    """One side's headline numbers from a metrics table (None where the session has none):
    holds (count) and longest_hold_s (s) over every hold drill; reps and mean_rep_peak_deg (deg,
    mean over every rep) over every rep drill; strides over every gait drill; knee_drive_deg
    (median peak flexion per stride, deg), stride_time_cv_pct (%) and knee_drive_drill of the
    fastest gait drill present (GAIT_ORDER); table_test_above_horizontal_deg (deg, median)."""
    m = metrics[metrics["side"] == side]

    def rows(metric, drill=None):
        r = m[m["metric"] == metric]
        return r if drill is None else r[r["drill"] == drill]

    def one(metric, drill):
        r = rows(metric, drill)
        return float(r["value"].iloc[0]) if len(r) else None

    hold, rep_peak = rows("longest_hold_s"), rows("mean_peak_angle_deg")
    table = rows("angle_above_horizontal_deg")
    fastest = next((d for d in GAIT_ORDER if len(rows("strides", d))), None)
    return {"holds": int(hold["n_events"].sum()), "longest_hold_s": float(hold["value"].max()) if len(hold) else None,
            "reps": int(rows("reps")["value"].sum()),
            "mean_rep_peak_deg": float(np.average(rep_peak["value"], weights=rep_peak["n_events"]))
            if len(rep_peak) else None,
            "strides": int(rows("strides")["value"].sum()), "knee_drive_drill": fastest or "",
            "knee_drive_deg": one("median_peak_flexion_deg", fastest),
            "stride_time_cv_pct": one("stride_time_cv_pct", fastest),
            "table_test_above_horizontal_deg": float(table["value"].median()) if len(table) else None}


def _provenance(a: Analysis, drill: str, side: str) -> tuple[float, str]:
    """Lowest confidence and the origins of the judged segments of `drill` covering `side`."""
    segs = [s for s in a.segments if s.drill == drill and s.side in (side, "both", "none")
            and (s.origin != "detected" or s.confidence >= MIN_CONFIDENCE)]
    if not segs:
        return 1.0, "user"
    return min(s.confidence for s in segs), "+".join(sorted({s.origin for s in segs}))
