"""The cohort table: one row per session and side with the headline metrics and the verdicts.

Per row: source, athlete, date, side, drills, duration_s; holds, longest_hold_s, reps,
median_rep_peak_deg, strides, knee_drive_deg (median peak flexion), stride_time_cv_pct,
table_test_above_horizontal_deg; the session's cadence_spm, max_abs_symmetry_angle_pct and
asymmetries_flagged; counts of the pass/borderline/fail verdicts of the side and of left/right
symmetry, the worst one, and per catalog rule `<rule_id>` (the worst verdict when the rule judged
several sets or metrics) and `<rule_id>.value` (its measured value). Units are in the column names (s, deg, spm, pct).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from imuhip.analysis import Analysis
from imuhip.report.verdicts import Verdict

FIRST = ["source", "athlete", "date", "side", "drills", "duration_s", "holds", "longest_hold_s", "reps",
         "median_rep_peak_deg", "strides", "knee_drive_deg", "stride_time_cv_pct",
         "table_test_above_horizontal_deg", "cadence_spm", "max_abs_symmetry_angle_pct", "asymmetries_flagged",
         "verdicts_pass", "verdicts_borderline", "verdicts_fail", "worst_verdict", "warnings"]
NUMERIC = set(FIRST) - {"source", "athlete", "date", "side", "drills", "worst_verdict"}
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


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def cohort_rows(a: Analysis, verdicts: list[Verdict], source: str) -> list[dict]:
    t = a.angles["time_s"].to_numpy() if a.angles is not None and len(a.angles) else np.zeros(1)
    sa = [abs(s.symmetry_angle_pct) for s in a.symmetry]
    rows = []
    for side in a.sides:
        holds = [h for h in a.holds if h.side == side]
        reps = [r for r in a.reps if r.side == side]
        strides = [s for s in a.strides if s.side == side]
        durations = [s.duration_s for s in strides]
        table = [x["angle_above_horizontal_deg"] for x in a.table_test if x["side"] == side]
        judged = [v for v in verdicts if v.side in (side, "both")]  # its own, and left/right symmetry
        words = [v.verdict for v in judged]
        row = {
            "source": source, "athlete": a.meta.get("athlete", ""), "date": session_date(a.meta, source),
            "side": side,
            "drills": ",".join(sorted({s.drill for s in a.segments if s.side in ("both", "none", side)})),
            "duration_s": float(t[-1] - t[0]),
            "holds": len(holds), "longest_hold_s": max((h.duration_s for h in holds), default=None),
            "reps": len(reps), "median_rep_peak_deg": _median([r.peak_angle_deg for r in reps]),
            "strides": len(strides), "knee_drive_deg": _median([s.peak_flexion_deg for s in strides]),
            "stride_time_cv_pct": float(np.std(durations) / np.mean(durations) * 100) if len(durations) > 1
            else None,
            "table_test_above_horizontal_deg": _median(table),
            "cadence_spm": a.cadence_spm(), "max_abs_symmetry_angle_pct": max(sa) if sa else None,
            "asymmetries_flagged": sum(s.flagged for s in a.symmetry),
            "verdicts_pass": words.count("pass"), "verdicts_borderline": words.count("borderline"),
            "verdicts_fail": words.count("fail"),
            "worst_verdict": next((w for w in ("fail", "borderline", "pass") if w in words), None),
            "warnings": len(a.warnings),
        }
        for v in sorted(judged, key=lambda v: RANK[v.verdict]):  # several (sets, metrics): the worst stays
            row[v.rule_id], row[f"{v.rule_id}.value"] = v.verdict, v.value
        rows.append(row)
    return rows
