"""The other renderers of one analysed session: JSON (analysis + verdicts), CSV tables, terminal."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from imuhip.analysis import Analysis
from imuhip.analysis.text import summary
from imuhip.report.verdicts import Verdict

ANSI = {"pass": "\033[32m", "borderline": "\033[33m", "fail": "\033[31m"}


def report_dict(a: Analysis, verdicts: list[Verdict], athlete: str | None = None) -> dict:
    doc = a.to_dict()
    if athlete:
        doc["meta"]["athlete"] = athlete
    doc["verdicts"] = [asdict(v) for v in verdicts]
    return doc


def write_csv_tables(a: Analysis, verdicts: list[Verdict], folder: str | os.PathLike) -> list[Path]:
    """holds.csv, reps.csv, strides.csv, verdicts.csv, symmetry.csv, metrics.csv in `folder` (created)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tables = {"holds": [asdict(h) for h in a.holds], "reps": [asdict(r) for r in a.reps],
              "strides": [asdict(s) for s in a.strides], "verdicts": [asdict(v) for v in verdicts],
              "symmetry": [dict(asdict(s), ci95_low=s.ci95[0] if s.ci95 else None,
                                ci95_high=s.ci95[1] if s.ci95 else None) for s in a.symmetry],
              "metrics": a.metrics().to_dict(orient="records")}
    paths = []
    for name, rows in tables.items():
        p = out / f"{name}.csv"
        pd.DataFrame(rows).to_csv(p, index=False, float_format="%.4f")
        paths.append(p)
    return paths


def terminal(a: Analysis, verdicts: list[Verdict], color: bool | None = None) -> str:
    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    lines = [summary(a), "verdicts (drill, side, metric, measured, verdict, rule, source):"]
    for v in verdicts:
        word = f"{ANSI[v.verdict]}{v.verdict:10s}\033[0m" if color else f"{v.verdict:10s}"
        lines.append(f"  {v.drill:22s} {v.side:5s} {v.metric:28s} {v.value:8.2f} {v.unit:4s} {word} "
                     f"{v.rule}  [{v.citation.split(';')[0]}]")
    if not verdicts:
        lines.append("  none: no analysed metric has a rule")
    return "\n".join(lines)
