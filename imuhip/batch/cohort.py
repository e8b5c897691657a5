"""The cohort table: one row per session and side with the headline metrics and the verdicts.

Read from the session's metrics table (imuhip.analysis.metrics.headline), never recomputed. Per
row: source, athlete, date, side, drills, duration_s; holds, longest_hold_s, reps,
mean_rep_peak_deg, strides, knee_drive_drill, knee_drive_deg (median peak flexion per stride of
the fastest gait drill), stride_time_cv_pct (same drill), table_test_above_horizontal_deg; the
session's cadence_spm, lowest_lsi_pct and lowest_lsi_metric (the least symmetric left/right
comparison, limb symmetry index = lower / higher side x 100 %) and asymmetries_flagged (the
comparisons the catalog's symmetry rules do not pass); counts of the pass/borderline/fail
verdicts of the side and of left/right symmetry, the worst one, and per catalog rule `<rule_id>`
(the worst verdict when the rule judged several sets or metrics) and `<rule_id>.value` (its
measured value). Units are in the column names (s, deg, spm, pct).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from imuhip.analysis import Analysis
from imuhip.analysis.metrics import headline
from imuhip.report.verdicts import Verdict

FIRST = ["source", "athlete", "date", "side", "drills", "duration_s", "holds", "longest_hold_s", "reps",
         "mean_rep_peak_deg", "strides", "knee_drive_drill", "knee_drive_deg", "stride_time_cv_pct",
         "table_test_above_horizontal_deg", "cadence_spm", "lowest_lsi_pct", "lowest_lsi_metric",
         "asymmetries_flagged", "verdicts_pass", "verdicts_borderline", "verdicts_fail", "worst_verdict", "warnings"]
NUMERIC = set(FIRST) - {"source", "athlete", "date", "side", "drills", "knee_drive_drill", "lowest_lsi_metric",
                        "worst_verdict"}
RANK = {"pass": 0, "borderline": 1, "fail": 2}
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def session_date(meta: dict, source: str) -> str:
    """ISO date of a session: its metadata (date, start_time), else a date in its path, else ''."""
    for key in ("date", "start_time"):
        m = _DATE.search(meta.get(key, ""))
        if m:
            return "-".join(m.groups())
    m = _DATE.search(str(Path(source)))
    return "-".join(m.groups()) if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31 else ""


def lowest_lsi(a: Analysis) -> tuple[float | None, str]:
    """(LSI %, metric) of the session's least symmetric left/right comparison, or (None, '')."""
    worst = min(a.symmetry, key=lambda s: s.lsi_pct, default=None)
    return (worst.lsi_pct, worst.metric) if worst else (None, "")


def symmetry_flags(a: Analysis, verdicts: list[Verdict]) -> list[Verdict]:
    """The verdicts of the catalog's symmetry rules that are not a pass (LSI below the rule)."""
    compared = {s.metric for s in a.symmetry}
    return [v for v in verdicts if v.side == "both" and v.metric in compared and v.verdict != "pass"]


def cohort_rows(a: Analysis, verdicts: list[Verdict], source: str) -> list[dict]:
    """One row per side of an analysed and judged session (FIRST, then the rule columns)."""
    t = a.angles["time_s"].to_numpy() if a.angles is not None and len(a.angles) else np.zeros(1)
    metrics = a.metrics()
    lsi, lsi_metric = lowest_lsi(a)
    flagged = len(symmetry_flags(a, verdicts))
    rows = []
    for side in a.sides:
        judged = [v for v in verdicts if v.side in (side, "both")]  # its own, and left/right symmetry
        words = [v.verdict for v in judged]
        row = {
            "source": source, "athlete": a.meta.get("athlete", ""), "date": session_date(a.meta, source),
            "side": side,
            "drills": ",".join(sorted({s.drill for s in a.segments if s.side in ("both", "none", side)})),
            "duration_s": float(t[-1] - t[0]), **headline(metrics, side),
            "cadence_spm": a.cadence_spm(), "lowest_lsi_pct": lsi, "lowest_lsi_metric": lsi_metric,
            "asymmetries_flagged": flagged,
            "verdicts_pass": words.count("pass"), "verdicts_borderline": words.count("borderline"),
            "verdicts_fail": words.count("fail"),
            "worst_verdict": next((w for w in ("fail", "borderline", "pass") if w in words), None),
            "warnings": len(a.warnings),
        }
        for v in sorted(judged, key=lambda v: RANK[v.verdict]):  # several (sets, metrics): the worst stays
            row[v.rule_id], row[f"{v.rule_id}.value"] = v.verdict, v.value
        rows.append(row)
    return rows
