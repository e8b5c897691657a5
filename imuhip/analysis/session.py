"""A whole session: segments, then holds, reps, strides, cadence, table test and symmetry per
side. `analyze` returns an `Analysis`; `Analysis.to_dict()` is the versioned JSON of
docs/analysis-json.md.

Segments: `--drill` (the whole file), else a corrected timeline (`--segments`) or the file's
drill annotations (live marks), with recognition (imuhip.analysis.recognition) filling the
time they leave free. Events are measured only in drill segments, of the drill's kind: holds
in hold drills, reps in rep drills, strides in gait; a hold is measured whole even where it
outlasts its mark. Recognised segments below MIN_CONFIDENCE are listed, not judged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from imuhip import __version__
from imuhip.analysis.events import Hold, Rep, Stride, find_holds, find_reps, find_strides
from imuhip.analysis.recognition import MIN_CONFIDENCE, recognise
from imuhip.analysis.symmetry import DEFAULT_MIN_LSI_PCT, Symmetry, compare
from imuhip.analysis.metrics import metrics_table
from imuhip.analysis.timeline import Segment, read_segments
from imuhip.angles import SegmentAngles, angles_table
from imuhip.arrays import plain, true_runs
from imuhip.errors import InputError
from imuhip.recording import Recording, side_label, thigh_name_warnings

JSON_VERSION = 2
HOLD_DRILLS = {"standing_knee_raise", "band_drill", "balance", "hold"}
POSITION_DRILLS = {"half_kneeling_stretch", "stretch", "kneeling_stretch"}
REP_DRILLS = {"seated_hip_flexor", "knee_raise_reps", "hanging_knee_raise", "marching", "a_skip", "bridges"}
RUN_DRILLS = {"run", "jog", "sprint", "running", "walk"}
TABLE_DRILLS = {"table_test"}
DRILLS = sorted(HOLD_DRILLS | POSITION_DRILLS | REP_DRILLS | RUN_DRILLS | TABLE_DRILLS)
POSITION_TOLERANCE_DEG = 5.0
BALANCE_LIFT_DEG = 20.0  # single-leg balance: the free thigh held above this, deg (imuhip's choice: foot off the floor)


@dataclass
class Options:
    threshold_deg: float = 90.0
    min_hold_s: float = 1.0
    max_dip_s: float = 0.3
    hysteresis_deg: float = 3.0
    rep_prominence_deg: float = 15.0
    top_tolerance_deg: float = 3.0
    symmetry_min_lsi_pct: float = DEFAULT_MIN_LSI_PCT


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

    def timeline(self) -> list[tuple[float, float, str, str]]:
        """(start_s, end_s, drill, side) of every segment: the bands of the report's angle plot."""
        return [(s.start_s, s.end_s, s.drill, s.side) for s in self.segments]

    def metrics(self) -> pd.DataFrame:
        """The metrics table (imuhip.analysis.metrics): drill, side, metric, value, unit, n_events, ..."""
        return metrics_table(self)

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
            "metrics": self.metrics().to_dict(orient="records"),
            "symmetry": {s.metric: asdict(s) for s in self.symmetry},
            "warnings": self.warnings,
        })


def _side(name: str) -> str:
    return side_label(name)


def _segments(rec: Recording, t: np.ndarray, drill: str | None, side: str, user: list[Segment] | None,
              warnings: list[str]) -> list[Segment]:
    """The segments that win over recognition: --drill (the whole file), a --segments file, or
    the file's drill annotations (live marks)."""
    t0, t1 = float(t[0]), float(t[-1])
    if drill:
        if drill not in DRILLS:
            raise InputError(f"unknown drill {drill!r}; expected one of {', '.join(DRILLS)}")
        return [Segment(t0, t1, drill, side, "user")]
    if user is not None:
        return list(user)
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


def _with_recognition(given: list[Segment], t: np.ndarray, table: pd.DataFrame, thighs: list[str]) -> list[Segment]:
    """The given segments, and the recognised ones wherever none is given."""
    elevation = {_side(n): table[f"{n}_elevation_deg"].to_numpy() for n in thighs}
    tilt = table["pelvis_tilt_deg"].to_numpy() if "pelvis_tilt_deg" in table else None
    found = recognise(t, elevation, tilt)
    free = [s for s in found if not any(g.start_s < s.end_s and s.start_s < g.end_s for g in given)]
    return sorted(given + free, key=lambda s: s.start_s)


def read_user_segments(path, rec: Recording) -> list[Segment]:
    """A corrected timeline CSV (`--segments`, imuhip.analysis.timeline) checked against the
    drills and against the span (s) of `rec`'s sensors; InputError naming the line if not."""
    times = [s.time for s in rec.sensors.values() if len(s.time)]
    if not times:
        raise InputError("the recording has no samples to place the segments on", str(path))
    return read_segments(path, DRILLS, min(float(t[0]) for t in times), max(float(t[-1]) for t in times))


def judged(seg: Segment) -> bool:
    """Whether a segment's events are measured and judged: a drill (not a posture or a
    transition), given or recognised with at least MIN_CONFIDENCE."""
    return seg.drill in DRILLS and (seg.origin != "detected" or seg.confidence >= MIN_CONFIDENCE)


def analyze(rec: Recording, drill: str | None = None, side: str = "both", options: Options | None = None,
            calibrations: dict | None = None, source: str = "", segments: list[Segment] | None = None) -> Analysis:
    """Analyse a session: see the module docstring. `drill`/`side` override everything;
    `segments` (a corrected timeline, `read_segments`) override the annotations."""
    if side not in ("left", "right", "both"):
        raise InputError(f"side must be left, right or both; got {side!r}")
    table, results = angles_table(rec, calibrations)
    return analyze_angles(table, results, rec, drill, side, options, source, segments)


def analyze_angles(table: pd.DataFrame, results: dict[str, SegmentAngles], rec: Recording, drill: str | None = None,
                   side: str = "both", options: Options | None = None, source: str = "",
                   segments: list[Segment] | None = None) -> Analysis:
    """`analyze` on angles already computed (`angles_table`); `rec` gives annotations, meta and
    warnings only, so its sensors may be empty (the chunked reader of large files uses this)."""
    options = options or Options()
    warnings = list(rec.warnings) + [w for r in results.values() for w in r.warnings]
    thighs = [n for n in results if "thigh" in n]
    warnings += thigh_name_warnings(rec.sensors or results)
    t = table["time_s"].to_numpy()
    given = _segments(rec, t, drill, side, segments, warnings)
    # --drill and a corrected timeline replace recognition entirely (a deleted row: nothing there)
    segments = given if drill or segments is not None else _with_recognition(given, t, table, thighs)
    for seg in segments:
        if seg.origin == "detected" and seg.drill in DRILLS and not judged(seg):
            warnings.append(f"{seg.drill} {seg.start_s:.1f}-{seg.end_s:.1f} s: recognition unsure (confidence "
                            f"{seg.confidence:.2f} < {MIN_CONFIDENCE}): listed, not judged")
    holds, reps, strides, runs, table_test = [], [], [], [], []
    sets_done: dict[tuple[str, str], int] = {}  # per drill and side: sets numbered across segments
    whole_holds: dict[tuple, list[Hold]] = {}  # per sensor and level: every hold of the recording, measured whole
    pelvis = table["pelvis_tilt_deg"].to_numpy() if "pelvis_tilt_deg" in table else None
    for seg in (s for s in segments if judged(s)):
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
                level = BALANCE_LIFT_DEG if seg.drill == "balance" else options.threshold_deg
                if (n, level) not in whole_holds:
                    whole_holds[n, level] = find_holds(t, table[f"{n}_elevation_deg"].to_numpy(), sd, level,
                                                       options.min_hold_s, options.max_dip_s, options.hysteresis_deg)
                for h in whole_holds[n, level]:
                    if h.start_s < seg.end_s and seg.start_s < h.end_s and not h.drill:
                        holds.append(_tag(h, seg.drill))
                        if seg.origin != "detected" and (h.start_s < seg.start_s - 0.5 or h.end_s > seg.end_s + 0.5):
                            warnings.append(f"{seg.drill} {sd}: the hold {h.start_s:.1f}-{h.end_s:.1f} s reaches "
                                            f"beyond its mark {seg.start_s:.1f}-{seg.end_s:.1f} s: measured whole "
                                            f"({h.duration_s:.1f} s); the mark says which drill, not its bounds")
            elif seg.drill in POSITION_DRILLS:
                holds += [_tag(h, seg.drill) for h in _position_holds(tt, elev, sd, options)]
            elif seg.drill in TABLE_DRILLS:
                table_test.append(_table_test(tt, elev, sd))
            elif seg.drill in REP_DRILLS:
                found = find_reps(tt, elev, sd, options.rep_prominence_deg, options.top_tolerance_deg)
                first_set = sets_done.get((seg.drill, sd), 0)
                for r in found:
                    r.drill = seg.drill
                    r.set_index += first_set
                    sets_done[(seg.drill, sd)] = r.set_index + 1
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
    if not any(judged(s) for s in segments):
        unsure = [s for s in segments if s.drill in DRILLS]
        warnings.append("recognition is unsure everywhere: no drill judged (see the segments' confidence; "
                        "name the drills with --segments or --drill)" if unsure else
                        "no drill found: only standing, sitting, walking or transitions, or no movement at all "
                        "(a sensor lying still, noise); nothing judged")
    elif not (holds or reps or strides or table_test):
        warnings.append("no holds, repetitions or strides found in the drills: check --drill and the threshold")
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
    """One comparison per drill and kind of metric: the hold duration, the peak angle (reps,
    strides), the count (reps, strides)."""
    if not ("left" in sides and "right" in sides):
        if holds or reps or strides:
            warnings.append("symmetry needs both thighs (left_thigh and right_thigh): not computed")
        return []
    metrics = []
    for drill in sorted({h.drill for h in holds}):
        sel = [h for h in holds if h.drill == drill]
        metrics.append((f"{drill}.hold_duration_s", "duration", "s", [(h.side, h.duration_s) for h in sel]))
    for drill in sorted({r.drill for r in reps}):
        sel = [r for r in reps if r.drill == drill]
        metrics.append((f"{drill}.peak_angle_deg", "peak_angle", "deg", [(r.side, r.peak_angle_deg) for r in sel]))
        metrics.append((f"{drill}.reps", "count", "reps", _counts(sel)))
    for drill in sorted({s.drill for s in strides}):
        sel = [s for s in strides if s.drill == drill]
        metrics.append((f"{drill}.peak_flexion_deg", "peak_angle", "deg", [(s.side, s.peak_flexion_deg) for s in sel]))
        metrics.append((f"{drill}.strides", "count", "strides", _counts(sel)))
    out = []
    for name, kind, unit, values in metrics:
        left = [v for sd, v in values if sd == "left"]
        right = [v for sd, v in values if sd == "right"]
        if left and right:
            out.append(compare(name, kind, unit, np.array(left), np.array(right), options.symmetry_min_lsi_pct))
    return out


def _counts(events) -> list[tuple[str, float]]:
    """One (side, number of events) per side."""
    return [(sd, float(sum(e.side == sd for e in events))) for sd in ("left", "right")]
