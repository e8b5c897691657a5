"""The report's plots as inline SVG (matplotlib, Agg): session timeline, per-rep and per-stride
bars, symmetry. Each bar and point carries a hover <title>; legends sit outside the data.

Traces are decimated for plotting only (min/max per bucket), never for analysis.
"""

from __future__ import annotations

import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from imuhip.report.labels import drill_label, metric_label, value_text  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False, "svg.hashsalt": "imuhip"})
COLORS = {"left": "#1f6feb", "right": "#d9480f", "thigh": "#1f6feb"}
BAND_COLORS = ("#eef1f5", "#e1e6ed")
HOLD_COLOR = "#2da44e"
MAX_POINTS = 1500  # per trace, after min/max decimation
WIDTH_IN = 11.0  # every plot has the page's width; the SVG scales to the screen


def decimate(t: np.ndarray, y: np.ndarray, points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Keep the min and max of each of points/2 buckets (shape-preserving for plots); drops nan."""
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    if len(t) <= points:
        return t, y
    buckets = np.array_split(np.arange(len(t)), points // 2)
    idx = np.unique(np.concatenate([[b[np.argmin(y[b])], b[np.argmax(y[b])]] for b in buckets if len(b)]))
    return t[idx], y[idx]


def svg(fig, titles: dict[str, str] | None = None) -> str:
    """The figure as an <svg> element; `titles` ({artist gid: text}) become hover titles."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    for gid, title in (titles or {}).items():
        text = text.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{html.escape(title)}</title>', 1)
    return text


def _outside_legend(ax) -> None:
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, fontsize=8, frameon=False,
              borderaxespad=0.2)


#: Segments that are what the athlete did between drills: no band, no label on the timeline.
ACTIVITIES = {"standing", "sitting", "lying", "kneeling", "transition", "walk", "unknown"}
LABEL_WIDTH = 0.0075  # share of the plot's width one label character takes at 7.5 pt


def timeline(t: np.ndarray, traces: dict[str, np.ndarray], bands: list[tuple[float, float, str, str]],
             holds: list[tuple[float, float, str]], threshold_deg: float) -> str:
    """The session: thigh elevation per side over time, with labelled drill bands.

    Parameters
    ----------
    t : time, s.
    traces : {side: thigh elevation (deg) on `t`}.
    bands : (start_s, end_s, drill, side) per drill segment: annotations, or segments found
        (ACTIVITIES such as standing or walking between drills get no band).
    holds : (start_s, end_s, side) per hold window, shaded green.
    threshold_deg : the hold threshold, drawn as a dashed line.
    """
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.4))
    titles = {}
    lo_y, hi_y = -30.0, max(threshold_deg + 25.0, 120.0)
    span = max(float(t[-1] - t[0]), 1e-9)
    drills = [b for b in sorted(bands) if b[2] not in ACTIVITIES]
    for i, (start, end, drill, side) in enumerate(drills):
        label = drill_label(drill) + ("" if side in ("both", "none") else f" ({side})")
        gid = f"band-{i}"
        ax.axvspan(start, end, color=BAND_COLORS[i % 2], lw=0, zorder=0, gid=gid)
        titles[gid] = f"{label}: {start:.0f}-{end:.0f} s"
        # A label only where it fits over its band (the others keep their hover title), on
        # three alternating rows so neighbours do not overprint.
        if (end - start) / span >= LABEL_WIDTH * len(label) / 3:
            ax.text((start + end) / 2, 1.02 + 0.08 * (i % 3), label, transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=7.5, color="#333", clip_on=False)
    for k, (start, end, side) in enumerate(holds):
        gid = f"hold-{k}"
        ax.axvspan(start, end, ymin=0.0, ymax=1.0, color=HOLD_COLOR, alpha=0.22, lw=0, zorder=1, gid=gid)
        titles[gid] = f"{side} hold {start:.1f}-{end:.1f} s: {end - start:.1f} s"
    for side, y in traces.items():
        tt, yy = decimate(t, y)
        ax.plot(tt, yy, color=COLORS.get(side, "#333"), lw=0.7, label=f"{side} thigh", zorder=2)
    ax.axhline(threshold_deg, color="#444", ls="--", lw=0.8, zorder=3)
    ax.text(1.002, threshold_deg, f"{threshold_deg:g}°", transform=ax.get_yaxis_transform(), va="center",
            fontsize=8, color="#444")
    ax.fill_between([], [], [], color=HOLD_COLOR, alpha=0.22, label="hold")
    ax.set_xlim(float(t[0]), float(t[-1]))
    ax.set_ylim(lo_y, hi_y)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("thigh elevation (°)")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.18), ncol=4, fontsize=8, frameon=False)
    return svg(fig, titles)


def per_item_bars(values: dict[str, list[float]], unit: str, item: str, label: str, chart_id: str,
                  threshold: float | None = None) -> str:
    """Left and right bars per rep or stride, numbered from 1.

    Parameters
    ----------
    values : {side: values in `unit`} in order (rep or stride 1, 2, ...).
    unit : 'deg' or 's'.
    item : 'rep' or 'stride' (the x axis and the hover titles).
    label : the y axis label.
    chart_id : unique prefix of the hover-title ids on the page.
    threshold : a reference line (same unit), or None.
    """
    n = max(len(v) for v in values.values())
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.4))
    titles = {}
    both = len(values) > 1
    for k, (side, ys) in enumerate(values.items()):
        x = np.arange(1, len(ys) + 1) + ((k - 0.5) * 0.4 if both else 0.0)
        bars = ax.bar(x, ys, 0.4 if both else 0.7, color=COLORS.get(side, "#57606a"), label=side)
        for i, (bar, y) in enumerate(zip(bars, ys)):
            gid = f"{chart_id}-{side}-{i + 1}"
            bar.set_gid(gid)
            titles[gid] = f"{side} {item} {i + 1}: {value_text(y, unit)}"
    if threshold is not None:
        ax.axhline(threshold, color="#444", ls="--", lw=0.8)
        ax.text(1.002, threshold, value_text(threshold, unit, 0), transform=ax.get_yaxis_transform(),
                va="center", fontsize=8, color="#444")
    ax.set_xlim(0.4, n + 0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.set_xlabel(f"{item} number")
    ax.set_ylabel(label)
    _outside_legend(ax)
    return svg(fig, titles)


def symmetry_chart(rows: list[tuple[str, float, float, float, bool]], min_lsi_pct: float) -> str:
    """Limb symmetry index per metric with its 95 % CI.

    Parameters
    ----------
    rows : (metric key 'drill.metric', LSI %, CI low %, CI high %, flagged) per metric; the CI
        is nan for a single event per side.
    min_lsi_pct : the LSI below which a difference is flagged, %.
    """
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.32 * len(rows) + 1.0))
    titles = {}
    for i, (key, lsi, lo, hi, flagged) in enumerate(rows):
        lo = lo if np.isfinite(lo) else lsi
        hi = hi if np.isfinite(hi) else lsi
        # A bootstrap interval need not contain the estimate (LSI near 100 %): draw the bar only
        # where it lies on each side.
        ax.errorbar([lsi], [i], xerr=[[max(0.0, lsi - lo)], [max(0.0, hi - lsi)]], fmt="none", ecolor="#888",
                    capsize=3)
        gid = f"sym-{i}"
        ax.scatter([lsi], [i], color="#cf222e" if flagged else "#57606a", zorder=3, gid=gid)
        spread = f"95 % CI {lo:.1f} to {hi:.1f} %" if hi > lo else "single event: no variability estimate"
        titles[gid] = f"{_metric_name(key)}: LSI {lsi:.1f} % ({spread})"
    ax.axvline(min_lsi_pct, color="#cf222e", ls=":", lw=0.8)
    ax.axvline(100, color="#333", lw=0.6)
    ax.set_yticks(range(len(rows)), [_metric_name(r[0]) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("limb symmetry index (%): lower side / higher side, 100 = alike; bars = 95 % CI")
    return svg(fig, titles)


def _metric_name(key: str) -> str:
    drill, _, metric = key.partition(".")
    return f"{drill_label(drill)}: {metric_label(metric)}"
