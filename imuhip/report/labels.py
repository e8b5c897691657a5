"""Plain-language labels for what a coach reads: drills, metrics, units, rules, values and text tables.

The snake_case names stay in JSON and CSV; every visible string of the reports goes through
these. An unknown name (a user's own drill or rule) falls back to its words without underscores.
"""

from __future__ import annotations

import math
import re

DRILLS = {
    "standing_knee_raise": "Standing knee raise", "seated_hip_flexor": "Seated hip-flexor drill",
    "band_drill": "Band drill", "half_kneeling_stretch": "Half-kneeling stretch", "stretch": "Hip-flexor stretch",
    "kneeling_stretch": "Kneeling stretch", "table_test": "Table test", "run": "Run", "jog": "Jog",
    "running": "Run", "sprint": "Sprint", "walk": "Walk", "hold": "Hold", "knee_raise_reps": "Knee-raise reps",
    "hanging_knee_raise": "Hanging knee raise", "marching": "Marching", "a_skip": "A-skips",
    "bridges": "Bridges", "balance": "Single-leg balance", "found_holds": "Holds (found in the data)",
    "found_reps": "Repetitions (found in the data)",
}
METRICS = {
    "longest_hold_s": "longest hold", "reps_per_set": "reps per set", "mean_top_hold_s": "hold at the top",
    "angle_above_horizontal_deg": "thigh above horizontal", "median_peak_flexion_deg": "knee drive",
    "limb_symmetry_index_pct": "left/right symmetry (LSI)", "peak_flexion_deg": "knee drive",
    "range_deg": "thigh range", "peak_angle_deg": "peak angle", "top_hold_s": "hold at the top",
    "hold_duration_s": "hold time",
}
UNITS = {"deg": "°", "s": " s", "reps": " reps", "%": " %", "steps/min": " steps/min"}
COMPARISONS = {">=": "at least", "<=": "at most", "<": "below", ">": "above"}
NO_VALUE = "–"  # one spelling of "no value" in every table


def words(name: str) -> str:
    """`name` with underscores as spaces (the fallback of every label)."""
    return name.replace("_", " ")


def drill_label(drill: str) -> str:
    """'standing_knee_raise' -> 'Standing knee raise'; 'both' (every drill) -> 'All drills'."""
    if drill in ("*", "both"):
        return "All drills"
    label = DRILLS.get(drill, words(drill))
    return label[:1].upper() + label[1:]


def metric_label(metric: str) -> str:
    """A metric name, or a symmetry key 'drill.metric', in words: 'run.range_deg' -> 'thigh range'."""
    name = metric.split(".")[-1]
    return METRICS.get(name, words(name))


def unit_label(unit: str) -> str:
    """A unit as shown: 'deg' -> '°', 's' -> 's'."""
    return UNITS.get(unit, unit).strip()


def value_text(value: float | None, unit: str, digits: int | None = None) -> str:
    """A number with its unit: 30.68, 's' -> '30.7 s'; 50.01, 'deg' -> '50.0°'; 8, 'reps' -> '8 reps'.

    `digits` defaults to 0 for reps and 1 otherwise; None or nan -> NO_VALUE.
    """
    if value is None or not math.isfinite(value):
        return NO_VALUE
    if digits is None:
        digits = 0 if unit == "reps" else 1
    return f"{value:.{digits}f}{UNITS.get(unit, ' ' + unit if unit else '')}"


def requirement_text(comparison: str, value, unit: str) -> str:
    """A rule's pass range in words: ('>=', 30, 's') -> 'at least 30 s'; between -> '8–10 reps'."""
    u = UNITS.get(unit, " " + unit)
    if comparison == "between":
        return f"{value[0]:g}–{value[1]:g}{u}"
    return f"{COMPARISONS.get(comparison, comparison)} {value:g}{u}"


def text_table(header: tuple[str, ...], rows: list[tuple], right: tuple[int, ...] = ()) -> str:
    """Rows as aligned text columns under a header (None -> NO_VALUE); columns in `right` right-aligned."""
    cells = [tuple(str(c) for c in header)] + [tuple(NO_VALUE if c is None else str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     .rstrip() for r in cells)


def warning_text(w: str) -> str:
    """A warning in plain words: sensor names as people say them ('left_thigh' -> 'left thigh')."""
    return re.sub(r"\b(left|right)_(thigh|shank|foot)\b", r"\1 \2", w)
