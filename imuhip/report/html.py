"""The self-contained HTML report: one file, inline SVG plots, no network, printable.

Every string that comes from the user or a file (athlete, notes, file names, warnings) is
escaped. Traces are decimated for plotting only (min/max per pixel column), never for analysis.
"""

from __future__ import annotations

import html
import io
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from imuhip import __version__  # noqa: E402
from imuhip.analysis import Analysis  # noqa: E402
from imuhip.report.verdicts import Verdict  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False})
COLORS = {"left": "#1f6feb", "right": "#d9480f", "thigh": "#1f6feb"}
MAX_POINTS = 1500  # per trace, after min/max decimation
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d1d1f}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:13px} table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border-bottom:1px solid #e5e5e5;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1a7f37;font-weight:600} .borderline{color:#9a6700;font-weight:600} .fail{color:#cf222e;font-weight:600}
.warn li{color:#9a6700} figure{margin:8px 0} svg{max-width:100%;height:auto}
@media print{body{margin:0} h2{break-after:avoid} figure{break-inside:avoid}}
"""


def decimate(t: np.ndarray, y: np.ndarray, points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Keep the min and max of each of points/2 buckets (shape-preserving for plots)."""
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    if len(t) <= points:
        return t, y
    buckets = np.array_split(np.arange(len(t)), points // 2)
    idx = np.unique(np.concatenate([[b[np.argmin(y[b])], b[np.argmax(y[b])]] for b in buckets if len(b)]))
    return t[idx], y[idx]


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def angle_plot(a: Analysis, threshold: float) -> str:
    sides = a.sides
    fig, axes = plt.subplots(len(sides), 1, figsize=(10, 2.4 * len(sides)), sharex=True, squeeze=False)
    t = a.angles["time_s"].to_numpy()
    for ax, side in zip(axes[:, 0], sides):
        col = f"{side}_thigh_elevation_deg" if side in ("left", "right") else f"{side}_elevation_deg"
        tt, yy = decimate(t, a.angles[col].to_numpy())
        ax.plot(tt, yy, color=COLORS.get(side, "#333"), lw=0.8)
        ax.axhline(threshold, color="#666", ls="--", lw=0.8)
        ax.text(t[0], threshold + 2, f"{threshold:g}°", color="#666", fontsize=8)
        for h in a.holds:
            if h.side == side:
                ax.axvspan(h.start_s, h.end_s, color="#2da44e", alpha=0.18, lw=0)
        ax.set_ylabel(f"{side} thigh\nelevation (°)")
    axes[-1, 0].set_xlabel("time (s)")
    return _svg(fig)


def left_right_bars(a: Analysis) -> list[tuple[str, str]]:
    out = []
    groups = {}
    for r in a.reps:
        groups.setdefault((r.drill, "rep", "peak angle (°)"), []).append((r.side, r.peak_angle_deg))
    for s in a.strides:
        groups.setdefault((s.drill, "stride", "peak flexion (°)"), []).append((s.side, s.peak_flexion_deg))
    for (drill, unit, label), values in groups.items():
        left = [v for sd, v in values if sd == "left"][:60]
        right = [v for sd, v in values if sd == "right"][:60]
        if not left and not right:
            continue
        fig, ax = plt.subplots(figsize=(10, 2.3))
        n = max(len(left), len(right))
        x = np.arange(n)
        if left:
            ax.bar(x[:len(left)] - 0.2, left, 0.4, color=COLORS["left"], label="left")
        if right:
            ax.bar(x[:len(right)] + 0.2, right, 0.4, color=COLORS["right"], label="right")
        ax.set_xlabel(f"{unit} number")
        ax.set_ylabel(label)
        ax.legend(loc="lower right", fontsize=8)
        out.append((f"{drill}: per {unit}, left vs right", _svg(fig)))
    return out


def symmetry_plot(a: Analysis) -> str | None:
    if not a.symmetry:
        return None
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(a.symmetry) + 0.9))
    y = np.arange(len(a.symmetry))
    lo = np.array([s.ci95[0] if s.ci95 else s.lsi_pct for s in a.symmetry])
    hi = np.array([s.ci95[1] if s.ci95 else s.lsi_pct for s in a.symmetry])
    sa = np.array([s.lsi_pct for s in a.symmetry])
    colors = ["#cf222e" if s.flagged else "#57606a" for s in a.symmetry]
    ax.errorbar(sa, y, xerr=[sa - lo, hi - sa], fmt="none", ecolor="#888", capsize=3)
    ax.scatter(sa, y, c=colors, zorder=3)
    ax.axvline(a.options.symmetry_min_lsi_pct, color="#cf222e", ls=":", lw=0.8)
    ax.axvline(100, color="#333", lw=0.6)
    ax.set_yticks(y, [s.metric for s in a.symmetry])
    ax.set_xlabel("limb symmetry index (%): lower side / higher side; 100 = symmetric; bars = 95 % CI")
    return _svg(fig)


def _num(v, digits: int) -> str:
    return "" if v is None else f"{v:.{digits}f}"


def render_html(a: Analysis, verdicts: list[Verdict], athlete: str | None = None) -> str:
    e = html.escape
    name = athlete or a.meta.get("athlete", "") or "athlete not named"
    date = a.meta.get("date", "")
    dur = float(a.angles["time_s"].iloc[-1] - a.angles["time_s"].iloc[0]) if len(a.angles) else 0.0
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>imuhip report: {e(name)}"
             f"</title><style>{CSS}</style></head><body>",
             f"<h1>{e(name)}</h1><div class='meta'>session {e(a.source)}{' &middot; ' + e(date) if date else ''}"
             f" &middot; {dur / 60:.1f} min &middot; sides: {e(', '.join(a.sides))}"
             f" &middot; made by imuhip {__version__} on {datetime.now(timezone.utc):%Y-%m-%d}</div>"]
    if a.meta.get("notes"):
        parts.append(f"<p class='meta'>{e(a.meta['notes'])}</p>")
    parts.append("<h2>Verdicts</h2>")
    if verdicts:
        rows = "".join(
            f"<tr><td>{e(v.drill)}</td><td>{e(v.side)}</td><td>{e(v.metric)}</td><td class='num'>{v.value:.2f} "
            f"{e(v.unit)}</td><td class='{v.verdict}'>{v.verdict}</td><td>{e(v.rule)}<br><small>{e(v.meaning)}"
            f"</small></td><td><small>{e(v.citation)}</small></td><td><small>{e(v.detail)}</small></td></tr>"
            for v in verdicts)
        parts.append("<table id='verdicts'><thead><tr><th>drill</th><th>side</th><th>metric</th><th>measured</th>"
                     "<th>verdict</th><th>rule</th><th>source</th><th>detail</th></tr></thead><tbody>"
                     f"{rows}</tbody></table>")
    else:
        parts.append("<p>No analysed metric has a rule in the catalog (no recognised drill found).</p>")
    parts.append(f"<h2>Thigh angle over time</h2><figure id='angle-plot'>{angle_plot(a, a.options.threshold_deg)}"
                 "<figcaption class='meta'>Green: holds above the threshold.</figcaption></figure>")
    for title, svg in left_right_bars(a):
        parts.append(f"<h2>{e(title)}</h2><figure>{svg}</figure>")
    sym = symmetry_plot(a)
    if sym:
        parts.append(f"<h2>Left/right symmetry</h2><figure id='symmetry-plot'>{sym}</figure>")
    if a.runs:
        rows = "".join(f"<tr><td>{e(r['drill'])}</td><td class='num'>{r['start_s']:.1f}-{r['end_s']:.1f}</td>"
                       f"<td class='num'>{r['strides']}</td><td class='num'>{_num(r['cadence_spm'], 0)}</td>"
                       f"<td class='num'>{_num(r['median_peak_flexion_deg'], 1)}</td>"
                       f"<td>{e(r['range_class'] or '')}</td></tr>" for r in a.runs)
        parts.append("<h2>Runs</h2><table><tr><th>drill</th><th>time (s)</th><th>strides</th><th>cadence "
                     "(steps/min)</th><th>median knee drive (°)</th><th>range</th></tr>" + rows + "</table>")
    if a.warnings:
        parts.append("<h2>Warnings</h2><ul class='warn'>" + "".join(f"<li>{e(w)}</li>" for w in a.warnings) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
