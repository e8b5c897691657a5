"""The terminal summary of an Analysis: plain text tables, one line per finding."""

from __future__ import annotations

from imuhip.analysis.session import DRILLS, Analysis, judged


def summary(a: Analysis) -> str:
    out = [f"session: {a.source}  sides: {', '.join(a.sides)}  segments: {len(a.segments)}"]
    shown = [s for s in a.segments if s.origin != "detected" or s.drill in DRILLS]
    if shown:
        out.append("drills (start-end s, drill, side, confidence, origin):")
        out += [f"  {s.start_s:7.1f}-{s.end_s:7.1f}  {s.drill:22s} {s.side:5s} {s.confidence:4.2f}  {s.origin}"
                + ("" if judged(s) else "  (unsure: not judged)") for s in shown]
    if a.holds:
        out.append("holds (side, drill, start-end s, duration s, mean / min deg):")
        out += [f"  {h.side:5s} {h.drill:22s} {h.start_s:7.2f}-{h.end_s:7.2f}  {h.duration_s:6.2f}  "
                f"{h.mean_angle_deg:6.1f} / {h.min_angle_deg:6.1f}" + (f"  ({h.dips_bridged} dips bridged)"
                                                                       if h.dips_bridged else "") for h in a.holds]
    for side in a.sides:
        reps = [r for r in a.reps if r.side == side]
        if reps:
            drills = sorted({r.drill for r in reps})
            for d in drills:
                rs = [r for r in reps if r.drill == d]
                out.append(f"reps {side:5s} {d:22s} {len(rs):3d} in {max(r.set_index for r in rs) + 1} set(s); "
                           f"peak {sum(r.peak_angle_deg for r in rs) / len(rs):6.1f} deg, top hold "
                           f"{sum(r.top_hold_s for r in rs) / len(rs):4.1f} s (means)")
    for r in a.runs:
        if r["strides"]:
            out.append(f"{r['drill']} {r['start_s']:.1f}-{r['end_s']:.1f} s: {r['strides']} strides, cadence "
                       f"{r['cadence_spm']:.0f} steps/min, median knee drive {r['median_peak_flexion_deg']:.1f} deg"
                       + (f" ({r['range_class']})" if r["range_class"] else ""))
    for tt in a.table_test:
        out.append(f"table test {tt['side']:5s}: resting thigh {tt['angle_above_horizontal_deg']:+.1f} deg "
                   f"above horizontal")
    if a.symmetry:
        out.append("symmetry (left, right, L-R, limb symmetry index % [95 % CI]):")
        for s in a.symmetry:
            spread = f"[{s.ci95[0]:.1f}, {s.ci95[1]:.1f}]" if s.ci95 else f"({s.note})"
            flag = f"  ASYMMETRY: {s.describe_lower()}" if s.flagged else ""
            out.append(f"  {s.metric:34s} {s.left:7.2f} {s.right:7.2f} {s.difference:+7.2f} {s.unit:7s} "
                       f"LSI {s.lsi_pct:5.1f} {spread}{flag}")
    out += [f"warning: {w}" for w in a.warnings]
    return "\n".join(out)
