"""The other renderers of one analysed session: JSON (analysis + verdicts), CSV tables, terminal."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path

from imuhip.analysis import Analysis
from imuhip.analysis.text import summary
from imuhip.report.frames import holds_df, metrics_df, reps_df, strides_df, symmetry_df, verdicts_df
from imuhip.report.labels import drill_label, metric_label, text_table, value_text
from imuhip.report.verdicts import Verdict

ANSI = {"pass": "\033[32m", "borderline": "\033[33m", "fail": "\033[31m"}


def report_dict(a: Analysis, verdicts: list[Verdict], athlete: str | None = None) -> dict:
    doc = a.to_dict()
    if athlete:
        doc["meta"]["athlete"] = athlete
    doc["verdicts"] = [asdict(v) for v in verdicts]
    return doc


def write_csv_tables(a: Analysis, verdicts: list[Verdict], folder: str | os.PathLike) -> list[Path]:
    """holds.csv, reps.csv, strides.csv, verdicts.csv, symmetry.csv, metrics.csv in `folder` (created);
    columns as in `imuhip.report.frames`."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tables = {"holds": holds_df(a), "reps": reps_df(a), "strides": strides_df(a), "verdicts": verdicts_df(verdicts),
              "symmetry": symmetry_df(a), "metrics": metrics_df(a)}
    paths = []
    for name, df in tables.items():
        p = out / f"{name}.csv"
        df.to_csv(p, index=False, float_format="%.4f")
        paths.append(p)
    return paths


def terminal(a: Analysis, verdicts: list[Verdict], color: bool | None = None) -> str:
    """The analysis summary, a count of verdicts, and one aligned row per check in plain words."""
    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    counts = {w: sum(v.verdict == w for v in verdicts) for w in ("fail", "borderline", "pass")}
    lines = [summary(a), ""]
    if not verdicts:
        return "\n".join(lines + ["checks: none (no analysed drill has a rule in the catalog)"])
    lines.append(f"checks against the coaching articles: {counts['fail']} failed, {counts['borderline']} borderline, "
                 f"{counts['pass']} passed")
    rows = [(drill_label(v.drill), metric_label(v.metric), "left/right" if v.side == "both" else v.side,
             value_text(v.value, v.unit, 0 if v.unit == "reps" else 2), v.verdict, v.requirement) for v in verdicts]
    table = text_table(("drill", "check", "side", "measured", "verdict", "needs"), rows, right=(3,)).splitlines()
    if color:  # colour the verdict word only, after aligning (escape codes have no width)
        start = table[0].index("verdict")
        table = [table[0]] + [f"{row[:start]}{ANSI[v.verdict]}{v.verdict}\033[0m{row[start + len(v.verdict):]}"
                              for row, v in zip(table[1:], verdicts)]
    return "\n".join(lines + ["  " + row for row in table])
