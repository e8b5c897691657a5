"""Session against session (one athlete over dates) and a squad table (latest session per
athlete, least symmetric first). One row per session: the headline metrics per side, read from
the session's metrics table (imuhip.analysis.metrics.headline): longest hold (s), knee drive (deg,
median peak flexion per stride of the fastest gait drill), cadence; and symmetry as the lowest
limb symmetry index (LSI = lower / higher side x 100 %) with its metric, and how many left/right
comparisons the catalog's symmetry rules do not pass.

The progress charts put sessions on a date axis (the session's date from its metadata, else a
date in the file name), draw left and right in one chart, start every y axis at zero and show the
rule's threshold, so that a small change looks small.
"""

from __future__ import annotations

import html
from datetime import date as Date

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from imuhip.analysis import Analysis
from imuhip.analysis.metrics import headline
from imuhip.batch.cohort import lowest_lsi, session_date, symmetry_flags
from imuhip.report.catalog import Rule, load_catalog
from imuhip.report.html import CSS
from imuhip.report.labels import NO_VALUE, drill_label, metric_label, text_table, unit_label, words
from imuhip.report.plots import COLORS, svg
from imuhip.report.verdicts import verdicts

COLUMNS = ["athlete", "date", "source", "longest_hold_left_s", "longest_hold_right_s", "knee_drive_left_deg",
           "knee_drive_right_deg", "cadence_spm", "lowest_lsi_pct", "lowest_lsi_metric", "flagged_asymmetries"]
#: Shown headers and units of the columns (CSV and JSON keep the names above).
HEADERS = {"athlete": ("Athlete", ""), "date": ("Date", ""), "source": ("File", ""),
           "longest_hold_left_s": ("Longest hold, left", "s"), "longest_hold_right_s": ("Longest hold, right", "s"),
           "knee_drive_left_deg": ("Knee drive, left", "deg"), "knee_drive_right_deg": ("Knee drive, right", "deg"),
           "cadence_spm": ("Cadence", "steps/min"), "lowest_lsi_pct": ("Lowest limb symmetry index", "%"),
           "lowest_lsi_metric": ("Least symmetric", ""), "flagged_asymmetries": ("Asymmetries flagged", "")}
NUMERIC = set(COLUMNS[3:]) - {"lowest_lsi_metric"}
#: The terminal's narrower headers.
SHORT = {"athlete": "athlete", "date": "date", "source": "file", "longest_hold_left_s": "hold L (s)",
         "longest_hold_right_s": "hold R (s)", "knee_drive_left_deg": "drive L (°)",
         "knee_drive_right_deg": "drive R (°)", "cadence_spm": "steps/min", "lowest_lsi_pct": "LSI (%)",
         "lowest_lsi_metric": "least symmetric", "flagged_asymmetries": "flagged"}
#: The progress charts: (column stem, title, unit, reference line and what it is); the symmetry
#: chart's lines are the catalog's symmetry rules (symmetry_lines).
CHARTS = [("longest_hold", "Longest hold", "s", 30.0, "30 s: standing knee raise"),
          ("knee_drive", "Knee drive (median peak per stride, fastest gait drill)", "deg", 90.0, "90°: sprint range")]
LSI_CHART = ("lowest_lsi_pct", "Lowest limb symmetry index (lower side / higher side)", "%")


def symmetry_lines(rules: dict[str, Rule]) -> list[tuple[float, str]]:
    """(LSI %, label) per distinct threshold of the catalog's limb-symmetry rules."""
    by_value: dict[float, list[str]] = {}
    for r in rules.values():
        if r.metric == "limb_symmetry_index_pct":
            by_value.setdefault(float(r.value), []).append(r.kind)
    return [(v, f"{v:g} %: symmetry pass mark ({', '.join(words(k) + 's' for k in kinds)})") for v, kinds in by_value.items()]


def session_row(a: Analysis, rules: dict[str, Rule]) -> dict:
    """Headline metrics of one analysed session from its metrics table (None where the session
    has no such data); symmetry: the lowest LSI and the comparisons the catalog's rules flag."""
    metrics = a.metrics()
    side = {s: headline(metrics, s) for s in ("left", "right")}
    lsi, lsi_metric = lowest_lsi(a)
    return {"athlete": a.meta.get("athlete", ""), "date": session_date(a.meta, a.source), "source": a.source,
            "longest_hold_left_s": side["left"]["longest_hold_s"], "longest_hold_right_s": side["right"]["longest_hold_s"],
            "knee_drive_left_deg": side["left"]["knee_drive_deg"], "knee_drive_right_deg": side["right"]["knee_drive_deg"],
            "cadence_spm": a.cadence_spm(), "lowest_lsi_pct": lsi, "lowest_lsi_metric": lsi_metric,
            "flagged_asymmetries": len(symmetry_flags(a, verdicts(a, rules)))}


def tables(analyses: list[Analysis], rules: dict[str, Rule] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sessions sorted by athlete and date, squad: latest session per athlete, lowest LSI first);
    `rules`: the catalog judging symmetry (default: the built-in one)."""
    rules = rules or load_catalog()
    sessions = pd.DataFrame([session_row(a, rules) for a in analyses], columns=COLUMNS)
    sessions = sessions.sort_values(["athlete", "date", "source"], kind="stable").reset_index(drop=True)
    squad = sessions.groupby("athlete", sort=False).tail(1)
    squad = squad.sort_values("lowest_lsi_pct", ascending=True, na_position="last").reset_index(drop=True)
    return sessions, squad


def _cell(column: str, v) -> str:
    """A table value as text: numbers with one decimal and no unit (the header has it), gaps as NO_VALUE."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)) or v == "":
        return NO_VALUE
    if isinstance(v, (float, np.floating)):
        return f"{v:.1f}" if column != "cadence_spm" else f"{v:.0f}"
    if column == "lowest_lsi_metric":  # 'standing_knee_raise.longest_hold_s' -> 'Standing knee raise: longest hold'
        return f"{drill_label(v.split('.')[0])}: {metric_label(v)}"
    return str(v)


def _header(column: str) -> str:
    name, unit = HEADERS[column]
    return f"{name} ({unit_label(unit)})" if unit else name


def terminal_table(df: pd.DataFrame) -> str:
    """The sessions or squad table as aligned text (the columns' plain names; no value = NO_VALUE)."""
    numeric = tuple(i for i, c in enumerate(df.columns) if c in NUMERIC)
    return text_table(tuple(SHORT[c] for c in df.columns),
                      [tuple(_cell(c, v) for c, v in zip(df.columns, row)) for row in df.itertuples(index=False)],
                      right=numeric)


def _table(df: pd.DataFrame, table_id: str) -> str:
    """The table as HTML, without the columns that no row has a value in (the CSV keeps them)."""
    e = html.escape
    df = df[[c for c in df.columns if c == "athlete" or df[c].map(lambda v: _cell(c, v) != NO_VALUE).any()]]
    head = "".join(f"<th>{e(_header(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(
        f"<td data-label='{e(_header(c))}'{' class=num' if c in NUMERIC else ''}>{e(_cell(c, v))}</td>"
        for c, v in zip(df.columns, row)) + "</tr>" for row in df.itertuples(index=False))
    return f"<table id='{table_id}' class='reflow'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _dates(rows: pd.DataFrame) -> list[Date] | None:
    """The sessions' dates, or None when any session has none (then sessions are numbered)."""
    try:
        return [Date.fromisoformat(d) for d in rows["date"]]
    except (TypeError, ValueError):
        return None


def progress_charts(rows: pd.DataFrame, rules: dict[str, Rule] | None = None) -> list[str]:
    """One SVG per headline metric that the sessions have: left and right over the session dates;
    the symmetry chart with the lines of the catalog's symmetry rules (`rules`, default built-in)."""
    dates = _dates(rows)
    x = dates if dates is not None else list(range(1, len(rows) + 1))
    out = []
    charts = [(stem, title, unit, [(ref, label)]) for stem, title, unit, ref, label in CHARTS]
    charts.append((*LSI_CHART, symmetry_lines(rules or load_catalog())))
    for stem, title, unit, refs in charts:
        sides = [(None, stem)] if stem in rows else [(s, f"{stem}_{s}_{unit}") for s in ("left", "right")]
        ys = {side: pd.to_numeric(rows[col], errors="coerce").to_numpy(float) for side, col in sides}
        if not any(np.isfinite(y).any() for y in ys.values()):
            continue
        fig, ax = plt.subplots(figsize=(5.4, 2.6))
        for side, y in ys.items():
            ax.plot(x, y, "o-", color=COLORS.get(side, "#57606a"), label=side or "both sides", ms=4)
        top = max([np.nanmax(np.concatenate(list(ys.values())))] + [ref for ref, _ in refs]) * 1.15
        for ref, ref_label in refs:
            ax.axhline(ref, color="#444", ls="--", lw=0.8)
            ax.text(0.0, ref, " " + ref_label, transform=ax.get_yaxis_transform(), va="bottom", fontsize=7.5,
                    color="#444")
        ax.set_ylim(0, top)
        ax.set_ylabel(unit_label(unit))
        ax.set_title(title, fontsize=10, loc="left")
        if dates is not None:
            if len(set(dates)) <= 6:  # a tick on each session's date
                ax.set_xticks(sorted(set(dates)))
            else:
                ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=6))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
            if len(set(dates)) == 1:
                ax.set_xlim(dates[0] - pd.Timedelta(days=3), dates[0] + pd.Timedelta(days=3))
        else:
            ax.set_xticks(x)
            ax.set_xlabel("session (no date in the files)")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
        out.append(svg(fig))
    return out


COMPARE_CSS = """
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:8px 16px}
.charts figure{margin:0} td:nth-child(2){white-space:nowrap}
"""


def render_compare(analyses: list[Analysis], rules: dict[str, Rule] | None = None) -> str:
    """The comparison page: per athlete, progress charts and the sessions table; then the squad
    (least symmetric first). `rules`: the catalog judging symmetry (default: the built-in one)."""
    rules = rules or load_catalog()
    sessions, squad = tables(analyses, rules)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>imuhip comparison</title>"
             f"<style>{CSS}{COMPARE_CSS}</style></head><body><h1>Session comparison</h1>"
             f"<div class='meta'>{len(sessions)} sessions, {sessions['athlete'].nunique()} athlete(s)</div>"]
    for athlete, rows in sessions.groupby("athlete", sort=False):
        parts.append(f"<h2>{html.escape(str(athlete) or 'athlete not named')}: progress</h2>")
        if len(rows) > 1:
            parts.append("<div class='charts'>" + "".join(f"<figure class='progress'>{c}</figure>"
                                                          for c in progress_charts(rows, rules)) + "</div>")
        parts.append(_table(rows.drop(columns="athlete"), "sessions"))
    if sessions["athlete"].nunique() > 1:
        parts.append("<h2>Squad: latest session per athlete, least symmetric first</h2>" + _table(squad, "squad"))
    parts.append("</body></html>")
    return "\n".join(parts)
