"""A plain-text description of a Recording (what `imuhip info` prints)."""

from __future__ import annotations

import numpy as np

from imuhip.recording import Recording


def describe(rec: Recording, source: str = "") -> str:
    """Sensors with rate, duration, samples, |acc| at rest and gaps; annotations; warnings."""
    out = [f"recording: {source}"] if source else []
    for key, value in rec.meta.items():
        out.append(f"  {key}: {value}")
    out.append(f"sensors: {len(rec.sensors)}, span {rec.start_s:.3f} .. {rec.end_s:.3f} s")
    for name, s in rec.sensors.items():
        gaps = s.gaps
        missing = sum(g.missing_samples for g in gaps)
        acc_norm = np.linalg.norm(s.acc, axis=1)
        out.append(f"  {name}: {len(s)} samples, {s.rate_hz:.2f} Hz, {s.duration_s:.2f} s "
                   f"({s.time[0]:.3f} .. {s.time[-1]:.3f} s), median |acc| {np.median(acc_norm):.2f} m/s^2, "
                   f"peak |gyr| {np.abs(s.gyr).max():.2f} rad/s, {len(gaps)} gap(s), ~{missing} missing sample(s)")
        for g in gaps[:5]:
            out.append(f"    gap {g.start_s:.3f} .. {g.end_s:.3f} s (~{g.missing_samples} samples)")
        if len(gaps) > 5:
            out.append(f"    ... and {len(gaps) - 5} more gaps")
        if s.meta:
            out.append("    " + ", ".join(f"{k}={v}" for k, v in s.meta.items()))
    out.append(f"annotations: {len(rec.annotations)}")
    for a in rec.annotations:
        out.append(f"  {a.start_s:8.2f} .. {a.end_s:8.2f} s  {a.drill} ({a.side})")
    if rec.warnings:
        out.append(f"warnings: {len(rec.warnings)}")
        out.extend(f"  {w}" for w in rec.warnings[:20])
    return "\n".join(out)
