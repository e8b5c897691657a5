"""Session against session (one athlete over dates) and a squad table (latest session per
athlete, sorted by asymmetry). One row per session: the headline metrics per side."""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from imuhip.analysis import Analysis
from imuhip.report.html import CSS
from imuhip.report.plots import svg as _svg

COLUMNS = ["athlete", "date", "source", "longest_hold_left_s", "longest_hold_right_s", "knee_drive_left_deg",
           "knee_drive_right_deg", "cadence_spm", "max_abs_symmetry_angle_pct", "flagged_asymmetries"]


def session_row(a: Analysis) -> dict:
    """Headline metrics of one analysed session (None where the session has no such data)."""
    def longest(side):
        return max((h.duration_s for h in a.holds if h.side == side), default=None)

    def drive(side):
        peaks = [s.peak_flexion_deg for s in a.strides if s.side == side]
        return float(np.median(peaks)) if peaks else None

    sa = [abs(s.symmetry_angle_pct) for s in a.symmetry]
    return {"athlete": a.meta.get("athlete", ""), "date": a.meta.get("date", ""), "source": a.source,
            "longest_hold_left_s": longest("left"), "longest_hold_right_s": longest("right"),
            "knee_drive_left_deg": drive("left"), "knee_drive_right_deg": drive("right"),
            "cadence_spm": a.cadence_spm(), "max_abs_symmetry_angle_pct": max(sa) if sa else None,
            "flagged_asymmetries": sum(s.flagged for s in a.symmetry)}


def tables(analyses: list[Analysis]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sessions sorted by athlete and date, squad: latest session per athlete sorted by asymmetry)."""
    sessions = pd.DataFrame([session_row(a) for a in analyses], columns=COLUMNS)
    sessions = sessions.sort_values(["athlete", "date", "source"], kind="stable").reset_index(drop=True)
    squad = sessions.groupby("athlete", sort=False).tail(1)
    squad = squad.sort_values("max_abs_symmetry_angle_pct", ascending=False, na_position="last").reset_index(drop=True)
    return sessions, squad


def _table(df: pd.DataFrame, table_id: str) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(
        f"<td class='num'>{v:.1f}</td>" if isinstance(v, float) and np.isfinite(v) else
        f"<td>{'' if v is None or (isinstance(v, float) and not np.isfinite(v)) else e(str(v))}</td>"
        for v in row) + "</tr>" for row in df.itertuples(index=False))
    return f"<table id='{table_id}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _progress_plot(sessions: pd.DataFrame) -> str | None:
    metrics = [("longest_hold", "longest hold (s)"), ("knee_drive", "knee drive (°)")]
    if len(sessions) < 2:
        return None
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.6))
    labels = [f"{d or s}" for d, s in zip(sessions["date"], sessions["source"])]
    x = np.arange(len(sessions))
    for ax, (key, title) in zip(axes, metrics):
        for side, color in (("left", "#1f6feb"), ("right", "#d9480f")):
            y = pd.to_numeric(sessions[f"{key}_{side}_{'s' if key == 'longest_hold' else 'deg'}"], errors="coerce")
            ax.plot(x, y, "o-", color=color, label=side)
        ax.set_title(title)
        ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=7)
    axes[0].legend(fontsize=8)
    y = pd.to_numeric(sessions["max_abs_symmetry_angle_pct"], errors="coerce")
    axes[2].bar(x, y, color="#57606a")
    axes[2].set_title("largest |symmetry angle| (%)")
    axes[2].set_xticks(x, labels, rotation=30, ha="right", fontsize=7)
    return _svg(fig)


def render_compare(analyses: list[Analysis]) -> str:
    sessions, squad = tables(analyses)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>imuhip comparison</title>"
             f"<style>{CSS}</style></head><body><h1>Session comparison</h1>"
             f"<div class='meta'>{len(sessions)} sessions, {sessions['athlete'].nunique()} athlete(s)</div>"]
    for athlete, rows in sessions.groupby("athlete", sort=False):
        parts.append(f"<h2>{html.escape(str(athlete) or 'athlete not named')}: progress</h2>")
        plot = _progress_plot(rows)
        if plot:
            parts.append(f"<figure>{plot}</figure>")
        parts.append(_table(rows, "sessions"))
    if sessions["athlete"].nunique() > 1:
        parts.append("<h2>Squad: latest session per athlete, most asymmetric first</h2>" + _table(squad, "squad"))
    parts.append("</body></html>")
    return "\n".join(parts)
