"""A whole session: segments (from annotations, `--drill`, or found), then holds, reps,
strides, cadence, table test and symmetry per side. `analyze` returns an `Analysis`;
`Analysis.to_dict()` is the versioned JSON of docs/analysis-json.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from imuhip import __version__
from imuhip.analysis.events import Hold, Rep, Stride, find_holds, find_reps, find_strides
from imuhip.analysis.symmetry import DEFAULT_THRESHOLD_SA_PCT, Symmetry, compare
from imuhip.angles import SegmentAngles, angles_table
from imuhip.arrays import plain, true_runs
from imuhip.errors import InputError
from imuhip.recording import Recording

JSON_VERSION = 1
FOUND_HOLDS, FOUND_REPS = "found_holds", "found_reps"  # segments found in the data: no drill rule applies
HOLD_DRILLS = {"standing_knee_raise", "band_drill", "balance", "hold", FOUND_HOLDS}
POSITION_DRILLS = {"half_kneeling_stretch", "stretch", "kneeling_stretch"}
REP_DRILLS = {"seated_hip_flexor", "knee_raise_reps", "hanging_knee_raise", "marching", "a_skip", "bridges",
              FOUND_REPS}
RUN_DRILLS = {"run", "jog", "sprint", "running", "walk"}
TABLE_DRILLS = {"table_test"}
DRILLS = sorted((HOLD_DRILLS | POSITION_DRILLS | REP_DRILLS | RUN_DRILLS | TABLE_DRILLS) - {FOUND_HOLDS, FOUND_REPS})
RUN_STRIDE_MAX_S = 0.95  # strides shorter than this (cadence above ~126 steps/min) are running
WALK_STRIDE_MAX_S = 1.6
WALK_RANGE_MAX_DEG = 50.0  # slower strides with less thigh range are walking (more: marching)
MIN_GAIT_STRIDES = 4
POSITION_TOLERANCE_DEG = 5.0


@dataclass
class Options:
    threshold_deg: float = 90.0
    min_hold_s: float = 1.0
    max_dip_s: float = 0.3
    hysteresis_deg: float = 3.0
    rep_prominence_deg: float = 15.0
    top_tolerance_deg: float = 3.0
    symmetry_threshold_sa_pct: float = DEFAULT_THRESHOLD_SA_PCT


@dataclass
class Segment:
    start_s: float
    end_s: float
    drill: str
    side: str
    origin: str  # 'annotation', 'user' or 'detected'


@dataclass
class Analysis:
    source: str
    meta: dict
    sides: list[str]
    segments: list[Segment]
    holds: list[Hold]
    reps: list[Rep]
    strides: list[Stride]
    runs: list[dict]
    table_test: list[dict]
    symmetry: list[Symmetry]
    warnings: list[str]
    options: Options
    angles: pd.DataFrame = field(repr=False, default=None)

    def cadence_spm(self) -> float | None:
        """Steps per minute over all run segments (both legs), weighted by strides."""
        runs = [r for r in self.runs if r["cadence_spm"] is not None]
        if not runs:
            return None
        return float(np.average([r["cadence_spm"] for r in runs], weights=[r["strides"] for r in runs]))

    def to_dict(self) -> dict:
        return plain({
            "imuhip_analysis": JSON_VERSION,
            "imuhip_version": __version__,
            "source": self.source,
            "meta": self.meta,
            "sides": self.sides,
            "options": asdict(self.options),
            "segments": [asdict(s) for s in self.segments],
            "holds": [asdict(h) for h in self.holds],
            "longest_hold_s": {s: max((h.duration_s for h in self.holds if h.side == s), default=None)
                               for s in self.sides},
            "reps": [asdict(r) for r in self.reps],
            "strides": [asdict(s) for s in self.strides],
            "runs": self.runs,
            "cadence_spm": self.cadence_spm(),
            "table_test": self.table_test,
            "symmetry": {s.metric: asdict(s) for s in self.symmetry},
            "warnings": self.warnings,
        })


def _side(name: str) -> str:
    return name.split("_")[0] if name.endswith("_thigh") else name


def _segments(rec: Recording, t: np.ndarray, drill: str | None, side: str, warnings: list[str]) -> list[Segment]:
    t0, t1 = float(t[0]), float(t[-1])
    if drill:
        if drill not in DRILLS:
            raise InputError(f"unknown drill {drill!r}; expected one of {', '.join(DRILLS)}")
        return [Segment(t0, t1, drill, side, "user")]
    out = []
    for a in rec.annotations:
        if a.drill not in DRILLS:
            continue
        if a.end_s < t0 or a.start_s > t1:
            warnings.append(f"annotation {a.drill} {a.start_s:.1f}-{a.end_s:.1f} s lies outside the recording "
                            f"({t0:.1f}-{t1:.1f} s): ignored")
            continue
        if a.start_s < t0 or a.end_s > t1:
            warnings.append(f"annotation {a.drill} {a.start_s:.1f}-{a.end_s:.1f} s reaches outside the recording "
                            f"({t0:.1f}-{t1:.1f} s): clipped")
        out.append(Segment(max(a.start_s, t0), min(a.end_s, t1), a.drill, a.side, "annotation"))
    return out


def _detect(t: np.ndarray, table: pd.DataFrame, thighs: list[str], options: Options) -> list[Segment]:
    """Segments without annotations: running (short strides), walking (slower, small thigh range),
    and holds and reps everywhere else."""
    found: list[tuple[float, float, str]] = []
    for n in thighs:
        for s in find_strides(t, table[f"{n}_elevation_deg"].to_numpy(), table[f"{n}_abduction_deg"].to_numpy(), ""):
            if s.duration_s < RUN_STRIDE_MAX_S:
                found.append((s.start_s, s.end_s, "run"))
            elif s.duration_s < WALK_STRIDE_MAX_S and s.range_deg < WALK_RANGE_MAX_DEG:
                found.append((s.start_s, s.end_s, "walk"))
    found.sort()
    merged: list[list] = []
    for a, b, kind in found:
        if merged and merged[-1][2] == kind and a - merged[-1][1] < 2.0:
            merged[-1][1] = max(merged[-1][1], b)
            merged[-1][3] += 1
        else:
            merged.append([a, b, kind, 1])
    gait = [(a, b, kind) for a, b, kind, n in merged if n >= MIN_GAIT_STRIDES * max(1, len(thighs))]
    segs = [Segment(a - 1.0, b + 1.0, kind, "both", "detected") for a, b, kind in gait]
    edges = [float(t[0])] + [x for a, b, _ in gait for x in (a - 1.0, b + 1.0)] + [float(t[-1])]
    for a, b in zip(edges[::2], edges[1::2]):
        if b - a > 1.0:
            segs.append(Segment(a, b, FOUND_HOLDS, "both", "detected"))
            segs.append(Segment(a, b, FOUND_REPS, "both", "detected"))
    return sorted(segs, key=lambda s: (s.start_s, s.drill))


def analyze(rec: Recording, drill: str | None = None, side: str = "both", options: Options | None = None,
            calibrations: dict | None = None, source: str = "") -> Analysis:
    """Analyse a session: see the module docstring. `drill`/`side` override the annotations."""
    if side not in ("left", "right", "both"):
        raise InputError(f"side must be left, right or both; got {side!r}")
    table, results = angles_table(rec, calibrations)
    return analyze_angles(table, results, rec, drill, side, options, source)


def analyze_angles(table: pd.DataFrame, results: dict[str, SegmentAngles], rec: Recording, drill: str | None = None,
                   side: str = "both", options: Options | None = None, source: str = "") -> Analysis:
    """`analyze` on angles already computed (`angles_table`); `rec` gives annotations, meta and
    warnings only, so its sensors may be empty (the chunked reader of large files uses this)."""
    options = options or Options()
    warnings = list(rec.warnings) + [w for r in results.values() for w in r.warnings]
    thighs = [n for n in results if "thigh" in n]
    t = table["time_s"].to_numpy()
    segments = _segments(rec, t, drill, side, warnings)
    if not segments and not drill:
        segments = _detect(t, table, thighs, options)
    holds, reps, strides, runs, table_test = [], [], [], [], []
    sets_done: dict[str, int] = {}  # per side: sets numbered across segments
    pelvis = table["pelvis_tilt_deg"].to_numpy() if "pelvis_tilt_deg" in table else None
    for seg in segments:
        m = (t >= seg.start_s) & (t <= seg.end_s)
        if m.sum() < 3:
            continue
        tt = t[m]
        seg_strides = []
        for n in thighs:
            sd = _side(n)
            if seg.side not in ("both", "none") and sd != seg.side and sd in ("left", "right"):
                continue
            elev = table[f"{n}_elevation_deg"].to_numpy()[m]
            abd = table[f"{n}_abduction_deg"].to_numpy()[m]
            if seg.drill in HOLD_DRILLS:
                found = find_holds(tt, elev, sd, options.threshold_deg, options.min_hold_s, options.max_dip_s,
                                   options.hysteresis_deg)
                holds += [_tag(h, seg.drill) for h in found]
            elif seg.drill in POSITION_DRILLS:
                holds += [_tag(h, seg.drill) for h in _position_holds(tt, elev, sd, options)]
            elif seg.drill in TABLE_DRILLS:
                table_test.append(_table_test(tt, elev, sd))
            elif seg.drill in REP_DRILLS:
                found = find_reps(tt, elev, sd, options.rep_prominence_deg, options.top_tolerance_deg)
                first_set = sets_done.get(sd, 0)
                for r in found:
                    r.drill = seg.drill
                    r.set_index += first_set
                    sets_done[sd] = r.set_index + 1
                    if pelvis is not None and seg.drill == "a_skip":
                        near = np.abs(tt - r.peak_time_s) < 0.3
                        r.pelvis_tilt_deg = float(np.nanmin(pelvis[m][near]))
                reps += found
            elif seg.drill in RUN_DRILLS:
                found = [s for s in find_strides(tt, elev, abd, sd) if s.duration_s < 2.0]
                for s in found:
                    s.drill = seg.drill
                seg_strides += found
        strides += seg_strides
        if seg.drill in RUN_DRILLS:
            runs.append(_run_summary(seg, seg_strides, warnings))
            last = t >= t[-1] - 1.0
            if seg.end_s >= t[-1] - 0.5 and any(np.nanmax(table[f"{n}_elevation_deg"].to_numpy()[last])
                                                 - np.nanmin(table[f"{n}_elevation_deg"].to_numpy()[last])
                                                 > 15.0 for n in thighs):
                warnings.append(f"{seg.drill} {seg.start_s:.1f}-{seg.end_s:.1f} s: the recording ends mid-run; "
                                f"the last, incomplete stride is left out")
    sides = [_side(n) for n in thighs]
    symmetry = _symmetry(holds, reps, strides, sides, options, warnings)
    if not (holds or reps or strides or table_test):
        warnings.append("no holds, repetitions or strides found: no movement, or a drill the data does not "
                        "show (check --drill and the threshold)")
    return Analysis(source, dict(rec.meta), sides, segments, holds, reps, strides, runs, table_test, symmetry,
                    warnings, options, table)


def _tag(h: Hold, drill: str) -> Hold:
    h.drill = drill
    return h


def _position_holds(t: np.ndarray, angle: np.ndarray, side: str, options: Options) -> list[Hold]:
    """The longest steady position (within POSITION_TOLERANCE_DEG of its median) in a stretch."""
    level = float(np.nanmedian(angle))
    steady = np.abs(angle - level) <= POSITION_TOLERANCE_DEG
    runs = true_runs(steady)
    if not runs:
        return []
    a, b = max(runs, key=lambda r: t[r[1] - 1] - t[r[0]])
    seg = angle[a:b]
    dur = float(t[b - 1] - t[a])
    if dur < options.min_hold_s:
        return []
    return [Hold(side, float(t[a]), float(t[b - 1]), dur, float(np.mean(seg)), float(np.min(seg)),
                 float(np.std(seg)), level - POSITION_TOLERANCE_DEG, 0)]


def _table_test(t: np.ndarray, elev: np.ndarray, side: str) -> dict:
    """Resting thigh angle above horizontal (elevation - 90) over the steady middle of the test."""
    n = len(t)
    mid = elev[n // 5: n - n // 5]
    level = float(np.nanmedian(mid))
    return dict(side=side, start_s=float(t[0]), end_s=float(t[-1]), angle_above_horizontal_deg=level - 90.0,
                sd_deg=float(np.nanstd(mid)))


def _run_summary(seg: Segment, strides: list[Stride], warnings: list[str]) -> dict:
    durations = [s.duration_s for s in strides]
    peaks = [s.peak_flexion_deg for s in strides]
    cadence = 120.0 / float(np.mean(durations)) if durations else None
    if not strides:
        warnings.append(f"{seg.drill} {seg.start_s:.1f}-{seg.end_s:.1f} s: no complete stride found")
    peak = float(np.median(peaks)) if peaks else None
    return dict(drill=seg.drill, start_s=seg.start_s, end_s=seg.end_s, strides=len(strides), cadence_spm=cadence,
                median_peak_flexion_deg=peak,
                stride_time_cv_pct=float(np.std(durations) / np.mean(durations) * 100) if len(durations) > 1 else None,
                peak_flexion_sd_deg=float(np.std(peaks)) if len(peaks) > 1 else None,
                range_class=None if peak is None or seg.drill == "walk"
                else ("sprint (above 90 deg)" if peak >= 90 else "distance (below 90 deg)"))


def _symmetry(holds, reps, strides, sides, options: Options, warnings: list[str]) -> list[Symmetry]:
    if not ("left" in sides and "right" in sides):
        if holds or reps or strides:
            warnings.append("symmetry needs both thighs (left_thigh and right_thigh): not computed")
        return []
    metrics = []
    for drill in sorted({s.drill for s in strides}):
        sel = [s for s in strides if s.drill == drill]
        metrics += [(f"{drill}.peak_flexion_deg", "deg", [s.peak_flexion_deg for s in sel], sel),
                    (f"{drill}.range_deg", "deg", [s.range_deg for s in sel], sel)]
    for drill in sorted({r.drill for r in reps}):
        sel = [r for r in reps if r.drill == drill]
        metrics += [(f"{drill}.peak_angle_deg", "deg", [r.peak_angle_deg for r in sel], sel)]
        if drill == "seated_hip_flexor":
            metrics += [(f"{drill}.top_hold_s", "s", [r.top_hold_s for r in sel], sel)]
    for drill in sorted({h.drill for h in holds}):
        sel = [h for h in holds if h.drill == drill]
        metrics += [(f"{drill}.hold_duration_s", "s", [h.duration_s for h in sel], sel)]
    out = []
    for name, unit, values, items in metrics:
        left = [v for v, it in zip(values, items) if it.side == "left"]
        right = [v for v, it in zip(values, items) if it.side == "right"]
        if left and right:
            out.append(compare(name, unit, np.array(left), np.array(right), options.symmetry_threshold_sa_pct))
    return out
