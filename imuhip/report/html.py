"""The self-contained HTML report: one file, inline SVG plots, no network, no script, printable.

On top, a one-screen summary (per drill: left and right side by side, verdict word and colour,
the key number with its unit, what it means); then the session timeline, every check with its
source (article title and exact quote), per-rep and per-stride charts, symmetry and runs.
Every string that comes from the user or a file (athlete, notes, file names, warnings) is
escaped. The page reflows from a 390 px phone to a wide screen without horizontal scrolling.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from imuhip import __version__
from imuhip.analysis import Analysis
from imuhip.recording import sensor_of
from imuhip.report import plots
from imuhip.report.labels import NO_VALUE, drill_label, metric_label, value_text, warning_text
from imuhip.report.verdicts import Verdict

e = html.escape
RANK = {"fail": 0, "borderline": 1, "pass": 2, "none": 3}
WORD = {"pass": "pass", "borderline": "borderline", "fail": "fail", "none": "no rule"}
CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;padding:16px;max-width:1240px;
color:#1d1d1f;line-height:1.35;overflow-wrap:break-word}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:13px} small,.small{color:#57606a;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e5e5e5;padding:5px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa} th.num{text-align:right} td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.chip{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;color:#fff;
white-space:nowrap;line-height:18px}
.chip.pass{background:#1a7f37} .chip.borderline{background:#9a6700} .chip.fail{background:#cf222e}
.chip.none{background:#fff;color:#57606a;border:1px solid #bbb;line-height:16px}
.headline{font-size:16px;margin:10px 0} .headline b.fail{color:#cf222e} .headline b.pass{color:#1a7f37}
.headline b.borderline{color:#9a6700}
.grid{display:grid;grid-template-columns:minmax(0,2.2fr) repeat(3,minmax(0,1fr));column-gap:12px}
.sumhead{font-size:12px;font-weight:600;color:#57606a;border-bottom:2px solid #d0d7de;padding:4px 0}
.sumrow{border-bottom:1px solid #e5e5e5;padding:6px 0;row-gap:4px}
.sumrow .drill b{font-size:14px} .sumrow .drill small{display:block}
.cell .val{font-weight:600;font-variant-numeric:tabular-nums;font-size:15px;margin-right:4px}
.cell .what{display:block;font-size:11.5px;color:#57606a} .cell .check+.check{margin-top:4px}
.side-label{display:none;font-size:11px;font-weight:600;color:#57606a}
.left .side-label,.sumhead .left{color:#1f6feb} .right .side-label,.sumhead .right{color:#d9480f}
figure{margin:8px 0} figure svg{width:100%;height:auto;display:block}
.wide{overflow-x:auto} .wide svg{min-width:720px}
blockquote{margin:2px 0 2px 0;padding-left:10px;border-left:3px solid #d0d7de;font-style:italic}
.sources li{margin-bottom:8px} .warn li{color:#9a6700}
@media (max-width:700px){
 body{padding:10px}
 .grid{grid-template-columns:repeat(3,minmax(0,1fr));column-gap:8px}
 .sumhead{display:none} .sumrow .drill{grid-column:1/-1} .side-label{display:block}
 .cell .val{font-size:14px}
 table.reflow thead{display:none}
 table.reflow,table.reflow tbody,table.reflow tr,table.reflow td{display:block;width:100%}
 table.reflow tr{border-bottom:1px solid #d0d7de;padding:4px 0}
 table.reflow td{border:0;padding:1px 0;text-align:left}
 table.reflow td[data-label]::before{content:attr(data-label) ": ";color:#57606a;font-size:12px}
}
@media print{body{margin:0} h2{break-after:avoid} figure,.sumrow{break-inside:avoid}}
"""


@dataclass
class Check:
    """One side's value of one check in the summary (a rule's verdict, or a value with no rule)."""

    label: str
    text: str
    verdict: str  # pass, borderline, fail, none


@dataclass
class DrillRow:
    """One summary row: a drill, what it means, its checks per side and the left/right balance."""

    drill: str
    meaning: str
    left: list[Check] = field(default_factory=list)
    right: list[Check] = field(default_factory=list)
    balance: list[Check] = field(default_factory=list)


def _worst(words: list[str]) -> str:
    return min(words, key=RANK.__getitem__) if words else "none"


def _chip(verdict: str) -> str:
    return f"<span class='chip {verdict}'>{WORD[verdict]}</span>"


def _drill_order(a: Analysis, verdicts: list[Verdict]) -> list[str]:
    seen = [s.drill for s in sorted(a.segments, key=lambda s: s.start_s)] + [v.drill for v in verdicts]
    return list(dict.fromkeys(seen))


def _measured_only(a: Analysis, drill: str, side: str) -> list[Check]:
    """What a drill without a rule shows: its longest hold, rep count or knee drive."""
    holds = [h.duration_s for h in a.holds if h.drill == drill and h.side == side]
    reps = [r.peak_angle_deg for r in a.reps if r.drill == drill and r.side == side]
    strides = [s.peak_flexion_deg for s in a.strides if s.drill == drill and s.side == side]
    if holds:
        return [Check("longest hold", value_text(max(holds), "s"), "none")]
    if reps:
        return [Check(f"{len(reps)} rep{'s' if len(reps) > 1 else ''}, median peak",
                      value_text(float(np.median(reps)), "deg"), "none")]
    if strides:
        return [Check(f"knee drive, {len(strides)} strides", value_text(float(np.median(strides)), "deg"), "none")]
    return []


def _meaning(text: str) -> str:
    """A catalog meaning without its leading drill name ('Band drill: press ...' -> 'Press ...')."""
    head, sep, rest = text.partition(": ")
    return rest[:1].upper() + rest[1:] if sep and len(head) < 40 else text


def summary_rows(a: Analysis, verdicts: list[Verdict]) -> list[DrillRow]:
    """The summary, one row per drill in session order (drills with nothing measured left out)."""
    rows = []
    for drill in _drill_order(a, verdicts):
        own = [v for v in verdicts if v.drill == drill]
        row = DrillRow(drill, _meaning(next((v.meaning for v in own if v.side != "both"), "")))
        for side in ("left", "right"):
            checks = []
            for rule_id in dict.fromkeys(v.rule_id for v in own if v.side == side):
                vs = [v for v in own if v.side == side and v.rule_id == rule_id]
                digits = 0 if vs[0].unit == "reps" else 1
                text = " · ".join(value_text(v.value, v.unit, digits) for v in vs)
                checks.append(Check(metric_label(vs[0].metric) + (" (per set)" if len(vs) > 1 else ""), text,
                                    _worst([v.verdict for v in vs])))
            getattr(row, side).extend(checks or _measured_only(a, drill, side))
        sym = {s.metric: s for s in a.symmetry}
        for v in own:
            if v.side != "both":
                continue
            s = sym.get(v.metric)
            text = s.describe_lower() if s is not None else f"LSI {v.value:.1f} %"
            row.balance.append(Check(metric_label(v.metric), text, v.verdict))
            for side in ("left", "right"):
                if s is not None and not getattr(row, side):
                    getattr(row, side).append(Check(metric_label(v.metric), value_text(getattr(s, side), s.unit),
                                                    "none"))
        if not row.meaning and (row.left or row.right):
            row.meaning = "No threshold for this drill in the catalog: measured values" + (
                ", left against right." if row.balance else ".")
        if row.left or row.right or row.balance:
            rows.append(row)
    return rows


def _cell(cls: str, label: str, checks: list[Check]) -> str:
    body = "".join(f"<div class='check'><span class='val'>{e(c.text)}</span> {_chip(c.verdict)}"
                   f"<span class='what'>{e(c.label)}</span></div>" for c in checks) or f"<span>{NO_VALUE}</span>"
    return f"<div class='cell {cls}'><span class='side-label'>{label}</span>{body}</div>"


def _origin(a: Analysis, drill: str) -> str:
    """'recognised from the data (confidence 0.85)' for a drill nobody marked, else ''."""
    found = [s.confidence for s in a.segments if s.drill == drill and s.origin == "detected"]
    if not found:
        return ""
    return f"<small class='origin'>recognised from the data (confidence {min(found):.2f})</small>"


def summary_html(a: Analysis, verdicts: list[Verdict]) -> str:
    """The one-screen summary: a headline count, then a row per drill (left, right, balance)."""
    counts = {w: sum(v.verdict == w for v in verdicts) for w in ("fail", "borderline", "pass")}
    if verdicts:
        head = (f"<p class='headline'><b class='fail'>{counts['fail']} failed</b> &middot; "
                f"<b class='borderline'>{counts['borderline']} borderline</b> &middot; "
                f"<b class='pass'>{counts['pass']} passed</b> <span class='small'>of {len(verdicts)} checks "
                f"against the coaching articles</span></p>")
    else:
        head = ("<p class='headline'>No check applies: no drill with a rule in the catalog was found. "
                "Measured values are shown without a verdict.</p>")
    rows = "".join(
        f"<div class='grid sumrow' data-drill='{e(r.drill)}'><div class='drill'><b>{e(drill_label(r.drill))}</b>"
        f"<small>{e(r.meaning)}</small>{_origin(a, r.drill)}</div>{_cell('left', 'Left', r.left)}{_cell('right', 'Right', r.right)}"
        f"{_cell('balance', 'Left vs right', r.balance)}</div>" for r in summary_rows(a, verdicts))
    return (f"<section id='summary'><h2>Summary</h2>{head}<div class='grid sumhead'><span>Drill</span>"
            f"<span class='left'>Left</span><span class='right'>Right</span><span>Left vs right</span></div>"
            f"{rows}</section>")


def _detail(a: Analysis, v: Verdict) -> str:
    """A check's detail in words (symmetry: both sides' values and the lower side)."""
    if v.side != "both":
        return v.detail.replace("hold(s)", "holds" if not v.detail.startswith("1 ") else "hold")
    s = next((s for s in a.symmetry if s.metric == v.metric), None)
    if s is None:
        return ""
    return (f"left {value_text(s.left, s.unit, 2)}, right {value_text(s.right, s.unit, 2)}; {s.describe_lower()}"
            + (f"; {s.note}" if s.note else ""))


def checks_html(a: Analysis, verdicts: list[Verdict]) -> str:
    """Every check: drill, check, side, measured, verdict, requirement, source number, detail."""
    sources = list(dict.fromkeys(v.rule_id for v in verdicts))
    rows = "".join(
        f"<tr><td data-label='Drill'>{e(drill_label(v.drill))}</td><td data-label='Check'>"
        f"{e(metric_label(v.metric))}</td><td data-label='Side'>{'left and right' if v.side == 'both' else e(v.side)}"
        f"</td><td class='num' data-label='Measured'>{e(value_text(v.value, v.unit, 0 if v.unit == 'reps' else 2))}"
        f"</td><td>{_chip(v.verdict)}</td><td data-label='Needs'>{e(v.requirement)} "
        f"<a href='#source-{sources.index(v.rule_id) + 1}'>[{sources.index(v.rule_id) + 1}]</a></td>"
        f"<td data-label='Detail'><small>{e(_detail(a, v))}</small></td></tr>" for v in verdicts)
    return ("<table id='verdicts' class='reflow'><thead><tr><th>Drill</th><th>Check</th><th>Side</th>"
            "<th class='num'>Measured</th><th>Verdict</th><th>Needs</th><th>Detail</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


KIND_WORDS = {"symmetry_duration": "hold times", "symmetry_peak_angle": "peak angles", "symmetry_count": "counts"}


def sources_html(verdicts: list[Verdict]) -> str:
    """One entry per rule used: what it asks, the exact quote, and the article's title."""
    items = []
    for n, rule_id in enumerate(dict.fromkeys(v.rule_id for v in verdicts), 1):
        v = next(v for v in verdicts if v.rule_id == rule_id)
        what = (f"Every drill: left/right symmetry of {KIND_WORDS.get(rule_id, 'each metric')}" if v.side == "both"
                else f"{drill_label(v.drill)}: {metric_label(v.metric)}")
        quote = f"<blockquote>&ldquo;{e(v.quote)}&rdquo;</blockquote>" if v.quote else ""
        title = v.source_title or v.citation  # imuhip's own choices say so, with no citation
        _, _, paper = v.citation.partition("; ")
        same = paper and (paper in v.source_title or v.source_title in paper)
        also = f"<br><small>and {e(paper)}</small>" if paper and not same else ""
        items.append(f"<li id='source-{n}'><b>{e(what)} {e(v.requirement)}</b>"
                     f"{quote}<br><small>{e(title)}</small>{also}</li>")
    return "<ol class='sources'>" + "".join(items) + "</ol>"


def _thigh_traces(a: Analysis) -> dict[str, np.ndarray]:
    columns = {side: f"{sensor_of(side)}_elevation_deg" for side in a.sides}
    return {side: a.angles[c].to_numpy() for side, c in columns.items() if c in a.angles}


def timeline_html(a: Analysis) -> str:
    """The session timeline: drill bands from the segments (annotations, or found), holds, threshold."""
    if a.angles is None or not len(a.angles):
        return ""
    bands = [(s.start_s, s.end_s, s.drill, s.side) for s in a.segments]
    holds = [(h.start_s, h.end_s, h.side) for h in a.holds]
    svg = plots.timeline(a.angles["time_s"].to_numpy(), _thigh_traces(a), bands, holds, a.options.threshold_deg)
    return (f"<h2>Session timeline</h2><figure id='angle-plot'><div class='wide'>{svg}</div>"
            f"<figcaption class='small'>Thigh elevation "
            f"per side; grey bands: drills; green: holds at or above {a.options.threshold_deg:g}°; "
            f"dashed: {a.options.threshold_deg:g}°.</figcaption></figure>")


def bars_html(a: Analysis) -> str:
    """Per-rep peak angle and per-stride knee drive charts, left and right, one per drill."""
    groups: dict[tuple[str, str], dict[str, list[float]]] = {}
    for r in a.reps:
        groups.setdefault((r.drill, "rep"), {}).setdefault(r.side, []).append(r.peak_angle_deg)
    for s in a.strides:
        groups.setdefault((s.drill, "stride"), {}).setdefault(s.side, []).append(s.peak_flexion_deg)
    parts = []
    for k, ((drill, item), values) in enumerate(groups.items()):
        values = {side: values[side][:60] for side in ("left", "right", *values) if side in values}
        label = "peak angle (°)" if item == "rep" else "knee drive (°)"
        svg = plots.per_item_bars(values, "deg", item, label, f"bars{k}", a.options.threshold_deg)
        shown = "" if max(len(v) for v in values.values()) < 60 else " (first 60)"
        parts.append(f"<h3>{e(drill_label(drill))}: {label.split(' (')[0]} per {item}{shown}</h3>"
                     f"<figure class='bars'>{svg}</figure>")
    return "<h2>Rep by rep, stride by stride</h2>" + "".join(parts) if parts else ""


def runs_html(a: Analysis) -> str:
    if not a.runs:
        return ""
    rows = "".join(
        f"<tr><td data-label='Drill'>{e(drill_label(r['drill']))}</td><td class='num' data-label='Time'>"
        f"{r['start_s']:.0f}–{r['end_s']:.0f} s</td><td class='num' data-label='Strides'>{r['strides']}</td>"
        f"<td class='num' data-label='Cadence'>{e(value_text(r['cadence_spm'], 'steps/min', 0))}</td>"
        f"<td class='num' data-label='Knee drive'>{e(value_text(r['median_peak_flexion_deg'], 'deg'))}</td>"
        f"<td data-label='Range'>{e((r['range_class'] or NO_VALUE).replace(' deg', '°'))}</td></tr>" for r in a.runs)
    return ("<h2>Runs</h2><table class='reflow'><thead><tr><th>Drill</th><th class='num'>Time</th>"
            "<th class='num'>Strides</th><th class='num'>Cadence</th><th class='num'>Knee drive (median)</th>"
            "<th>Range</th></tr></thead><tbody>" + rows + "</tbody></table>")


def render_html(a: Analysis, verdicts: list[Verdict], athlete: str | None = None) -> str:
    """The whole report page (str) of one analysed session and its verdicts."""
    name = athlete or a.meta.get("athlete", "") or "athlete not named"
    date = a.meta.get("date", "")
    dur = float(a.angles["time_s"].iloc[-1] - a.angles["time_s"].iloc[0]) if len(a.angles) else 0.0
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>imuhip report: {e(name)}"
             f"</title><style>{CSS}</style></head><body>",
             f"<h1>{e(name)}</h1><div class='meta'>{e(date) + ' &middot; ' if date else ''}{dur / 60:.1f} min"
             f" &middot; sensors: {e(', '.join(a.sides))} &middot; file <span class='user'>{e(a.source)}</span></div>"]
    if a.meta.get("notes"):
        parts.append(f"<p class='meta user'>{e(a.meta['notes'])}</p>")
    parts.append(summary_html(a, verdicts))
    parts.append(timeline_html(a))
    if verdicts:
        parts.append("<h2>Every check</h2>" + checks_html(a, verdicts))
    parts.append(bars_html(a))
    if a.symmetry:
        nan = float("nan")
        rows = [(s.metric, s.lsi_pct, *(s.ci95 or (nan, nan)), s.flagged) for s in a.symmetry]
        parts.append("<h2>Left against right</h2><figure id='symmetry-plot'>"
                     f"{plots.symmetry_chart(rows, a.options.symmetry_min_lsi_pct)}"
                     "<figcaption class='small'>Limb symmetry index: the lower side as a share of the higher. "
                     f"Red: below {a.options.symmetry_min_lsi_pct:g} %.</figcaption></figure>")
    parts.append(runs_html(a))
    if verdicts:
        parts.append("<h2 id='sources'>Sources</h2>" + sources_html(verdicts))
    if a.warnings:
        parts.append("<h2>Warnings</h2><ul class='warn'>" + "".join(f"<li>{e(warning_text(w))}</li>" for w in a.warnings) + "</ul>")
    parts.append(f"<p class='small'>Made by imuhip {__version__} on {datetime.now(timezone.utc):%Y-%m-%d}.</p>"
                 "</body></html>")
    return "\n".join(p for p in parts if p)
