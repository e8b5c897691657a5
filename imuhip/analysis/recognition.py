"""Drill recognition: a whole session's thigh angles to a timeline of labelled segments.

Small explainable rules over both thighs' elevation (deg), its rate and the pelvis tilt when
present, in three passes (docs/recognition.md):

1. cyclic bouts: flexion peaks alternating left/right, one step apart at most
   MAX_STEP_S. Stride time (same-side peak to peak) and the typical peak height class them:
   strides shorter than RUN_STRIDE_S are running (jog / run / sprint by peak), longer ones
   walking, marching or A-skips by peak;
2. one-leg rep bouts: at least MIN_REPS peaks of one thigh, at most REP_GAP_S apart, while
   the other thigh stays still: seated hip-flexor drill when the base is a seated thigh
   (above SEATED_BASE_DEG), else standing knee-raise reps;
3. postures, per frame, of what is left: table test, standing knee-raise hold, half-kneeling
   stretch, sitting / lying, single-leg balance, quiet standing; anything else is a
   transition.

Each segment gets a confidence in 0-1: how far its features lie from the rule's edges
(1 = clear; below MIN_CONFIDENCE the analysis lists it and judges nothing in it).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import find_peaks

from imuhip.analysis.timeline import Segment

GRID_HZ = 20.0  # frames per s the rules run on
PEAK_PROMINENCE_DEG = 15.0  # a step, skip or rep: a flexion peak at least this high above its bases
MAX_STEP_S = 1.0  # alternating peaks at most this far apart form one cyclic bout
MOVING_WINDOW_S, MOVING_DEG = 0.5, 3.0  # a thigh moves: range over this window above this
GAIT_SETTLE_S = 0.5  # a gait bout ends this long after the thighs stop (coming to a halt)
MIN_CYCLIC_PEAKS = 6  # three per side
RUN_STRIDE_S = 0.95  # same-side peak to peak shorter than this: running (above ~126 steps/min)
RUN_CLASSES = ((58.0, "jog"), (82.0, "run"), (np.inf, "sprint"))  # typical peak flexion (deg) up to
SLOW_CLASSES = ((45.0, "walk"), (83.0, "marching"), (np.inf, "a_skip"))
TYPICAL_PEAK_PCT = 75  # percentile of the peaks that stands for the bout (build-up strides are lower)
REP_GAP_S = 9.0  # one-leg peaks at most this far apart form one rep bout
MIN_REPS = 3
STILL_RANGE_DEG = 12.0  # the other thigh's range during one-leg reps, and each thigh's in a hold, below this
SEATED_BASE_DEG = 45.0  # a rep bout starting from a thigh above this is the seated drill
UPRIGHT_DEG = 25.0  # |elevation| below this: a vertical thigh
GAIT_TROUGH_DEG = (-45.0, UPRIGHT_DEG)  # gait: the median low point between peaks lies in this range
RAISED_DEG = 65.0  # a knee-raise hold: one thigh above this, the other vertical
SEATED_DEG = 45.0  # both thighs above this: sitting (lying when the pelvis tilts back beyond LYING_TILT_DEG)
LYING_TILT_DEG = -45.0
PULLED_DEG = 150.0  # table test: one thigh pulled to the chest beyond this, the other hanging near level
HANGING_DEG = (60.0, 120.0)
REAR_DEG = -10.0  # half-kneeling stretch: the rear thigh behind this, the front one near level
BALANCE_DEG = (UPRIGHT_DEG, RAISED_DEG)  # single-leg balance: the free thigh held in this range, still
STEADY_WINDOW_S = 2.0  # range of each thigh over this window measures stillness
MIN_HOLD_S = 2.0  # a hold or position shorter than this is a transition
MIN_SEGMENT_S = 1.0  # shorter runs are absorbed into the neighbouring transition
RAMP_DEG = 15.0  # a hold's segment extends over the rise and lowering while the thigh is above this
MIN_CONFIDENCE = 0.6
HOLD_LABELS = ("standing_knee_raise", "balance", "half_kneeling_stretch", "table_test")


def recognise(t: np.ndarray, elevation: dict[str, np.ndarray], pelvis_tilt: np.ndarray | None = None,
              ) -> list[Segment]:
    """The timeline of a session from its thigh elevations.

    Parameters
    ----------
    t : (N,) s, increasing.
    elevation : side ('left', 'right') -> (N,) thigh elevation, deg (0 vertical, 90 level,
        positive = flexion); NaN where the angle cannot be trusted (never labelled).
    pelvis_tilt : (N,) deg, positive forward, or None.

    Returns
    -------
    Segments (origin 'detected') covering the recording, in time order.
    """
    sides = [s for s in ("left", "right") if s in elevation]
    if len(t) < 2 or not sides or t[-1] - t[0] < MIN_SEGMENT_S:
        return []
    g = np.arange(float(t[0]), float(t[-1]), 1.0 / GRID_HZ)
    e = {s: np.interp(g, t, np.nan_to_num(elevation[s], nan=0.0)) for s in sides}
    valid = np.ones(len(g), bool)
    for s in sides:
        valid &= np.interp(g, t, np.isfinite(elevation[s]).astype(float)) > 0.999
    tilt = np.interp(g, t, np.nan_to_num(pelvis_tilt)) if pelvis_tilt is not None else None
    label = np.full(len(g), "", dtype=object)
    side = np.full(len(g), "both", dtype=object)
    conf = np.zeros(len(g))
    peaks = {s: _peaks(e[s]) for s in sides}
    for find in (_cyclic, _one_leg_reps):
        for a, b, drill, sd, c in find(g, e, {s: p[label[p] == ""] for s, p in peaks.items()}):
            free = label[a:b] == ""
            label[a:b][free], side[a:b][free], conf[a:b][free] = drill, sd, c
    _postures(e, tilt, label, side, conf)
    label[~valid] = ""
    return _segments(g, e, label, side, conf, float(t[-1]))


def _peaks(x: np.ndarray) -> np.ndarray:
    p, _ = find_peaks(x, prominence=PEAK_PROMINENCE_DEG, distance=max(1, int(0.25 * GRID_HZ)))
    return p


def _margin(x: float, edges: list[float], scale: float) -> float:
    """0 on a class edge, 1 at `scale` (relative) or more away from every edge."""
    d = [abs(np.log(x / e)) for e in edges if np.isfinite(e) and e > 0 and x > 0]
    return float(np.clip(min(d) / np.log(1.0 + scale), 0.0, 1.0)) if d else 1.0


def _cyclic(g, e, peaks) -> list[tuple[int, int, str, str, float]]:
    """Bouts of alternating (one thigh: regular) flexion peaks, classed by stride and peak."""
    sides = list(peaks)
    allp = sorted((int(p), s) for s in sides for p in peaks[s])
    max_gap = MAX_STEP_S * (1 if len(sides) == 2 else 2)
    bouts, cur = [], []
    for p, s in allp:
        if cur and (g[p] - g[cur[-1][0]] > max_gap or (len(sides) == 2 and s == cur[-1][1])):
            bouts.append(cur)
            cur = []
        cur.append((p, s))
    bouts.append(cur)
    need = MIN_CYCLIC_PEAKS // (1 if len(sides) == 2 else 2)
    moving = _moving(e)
    out = []
    for bout in bouts:
        if len(bout) < need:
            continue
        strides = np.concatenate([np.diff(g[[p for p, s in bout if s == sd]]) for sd in sides])
        if strides.size == 0:
            continue
        stride = float(np.median(strides))
        frames = [p for p, _ in bout]
        troughs = [float(np.min(e[sd][p:q + 1])) for sd in sides for p, q in _pairs([p for p, s in bout if s == sd])]
        if not troughs or not GAIT_TROUGH_DEG[0] < np.median(troughs) < GAIT_TROUGH_DEG[1]:
            continue  # the thighs do not swing through upright between peaks: not gait
        height = float(np.percentile([e[s][p] for p, s in bout], TYPICAL_PEAK_PCT))
        classes = RUN_CLASSES if stride < RUN_STRIDE_S else SLOW_CLASSES
        drill = next(name for top, name in classes if height < top)
        regular = float(np.mean(np.abs(strides / stride - 1.0) < 0.25))
        if len(sides) == 2:  # each step about half a stride after the other leg's
            steps = np.diff(g[frames]) / stride
            regular = min(regular, float(np.mean((steps > 0.3) & (steps < 0.7))))
        c = regular * (0.5 + 0.5 * min(_margin(stride, [RUN_STRIDE_S], 0.15),
                                       _margin(height, [top for top, _ in classes], 0.12)))
        a = _extend(moving, bout[0][0], -1, stride)
        b = min(len(g), _extend(moving, bout[-1][0], +1, stride) + int(GAIT_SETTLE_S * GRID_HZ))
        out.append((a, b, drill, "both", c))
    return out


def _pairs(frames: list[int]) -> list[tuple[int, int]]:
    """Consecutive pairs of a list."""
    return list(zip(frames[:-1], frames[1:]))


def _moving(e: dict[str, np.ndarray]) -> np.ndarray:
    """Frames where a thigh moves: its range over MOVING_WINDOW_S exceeds MOVING_DEG."""
    w = max(2, int(MOVING_WINDOW_S * GRID_HZ))
    return np.any([maximum_filter1d(x, w) - minimum_filter1d(x, w) > MOVING_DEG for x in e.values()], axis=0)


def _extend(moving: np.ndarray, p: int, step: int, stride_s: float) -> int:
    """From peak frame `p`, the edge of the bout going `step` while a thigh moves, at most
    1.5 strides (end exclusive going forward)."""
    i, limit = p, int(1.5 * stride_s * GRID_HZ)
    while 0 < i < len(moving) - 1 and abs(i - p) < limit and moving[i + step]:
        i += step
    return i if step < 0 else i + 1


def _one_leg_reps(g, e, peaks) -> list[tuple[int, int, str, str, float]]:
    """Bouts of one thigh's peaks while the other thigh stays still."""
    out = []
    for s, ps in peaks.items():
        others = [o for o in e if o != s]
        chains, cur = [], []
        for p in ps:
            if cur and g[p] - g[cur[-1]] > REP_GAP_S:
                chains.append(cur)
                cur = []
            cur.append(int(p))
        chains.append(cur)
        for ch in chains:
            if len(ch) < MIN_REPS:
                continue
            x = e[s]
            base = float(np.percentile(x[ch[0]:ch[-1] + 1], 10))
            a = _leave(x, ch[0], base, -1)
            b = _leave(x, ch[-1], base, +1)
            still = [float(np.ptp(e[o][a:b])) for o in others]
            if any(r > STILL_RANGE_DEG for r in still):
                continue
            drill = "seated_hip_flexor" if base > SEATED_BASE_DEG else "knee_raise_reps"
            c = 0.5 + 0.5 * min([_margin(base + 90.0, [SEATED_BASE_DEG + 90.0], 0.1)]
                                + [1.0 - r / STILL_RANGE_DEG for r in still])
            out.append((a, b, drill, s, c))
    return out


def _leave(x: np.ndarray, p: int, base: float, step: int, within_deg: float = 5.0) -> int:
    """From peak `p`, the first frame (going `step`) back within `within_deg` of `base`."""
    i = p
    while 0 < i < len(x) - 1 and x[i] > base + within_deg:
        i += step
    return i if step < 0 else i + 1


def _postures(e, tilt, label, side, conf) -> None:
    """Label the frames still free with the posture rules (in place)."""
    free = label == ""
    names = list(e)
    rng = {s: maximum_filter1d(e[s], int(STEADY_WINDOW_S * GRID_HZ)) - minimum_filter1d(e[s], int(STEADY_WINDOW_S * GRID_HZ))
           for s in names}
    up = {s: np.abs(e[s]) < UPRIGHT_DEG for s in names}
    moving = _moving(e)

    def put(mask, drill, sd, score):
        m = free & mask & (label == "")
        label[m], side[m], conf[m] = drill, sd, (0.5 + 0.5 * np.clip(score, 0, 1))[m] if np.ndim(score) else 0.5 + 0.5 * score

    if len(names) == 2:
        for s, o in (("left", "right"), ("right", "left")):
            x, y = e[s], e[o]
            calm = (rng[s] < STILL_RANGE_DEG) & (rng[o] < STILL_RANGE_DEG)
            put(calm & (x > PULLED_DEG) & (y > HANGING_DEG[0]) & (y < HANGING_DEG[1]), "table_test", o,
                np.minimum(x - PULLED_DEG, 20 - np.abs(y - 90)) / 20)
            # Before the knee-raise hold: a rear thigh behind REAR_DEG is kneeling, not a stance leg.
            put(calm & (x > HANGING_DEG[0]) & (x < HANGING_DEG[1]) & (y < REAR_DEG), "half_kneeling_stretch", o,
                np.minimum(x - HANGING_DEG[0], REAR_DEG - y) / 10)
            put(calm & (x > RAISED_DEG) & (x < PULLED_DEG) & up[o], "standing_knee_raise", s,
                np.minimum(x - RAISED_DEG, UPRIGHT_DEG - np.abs(y)) / 15)
        lying = tilt < LYING_TILT_DEG if tilt is not None else np.zeros(len(label), bool)
        both = (e["left"] > SEATED_DEG) & (e["right"] > SEATED_DEG) & (e["left"] < PULLED_DEG) & (e["right"] < PULLED_DEG)
        score = np.minimum(e["left"], e["right"]) - SEATED_DEG
        # Only when the thighs are still: lowering onto or rising off a seat is a transition.
        put(both & lying & ~moving, "lying", "both", score / 15)
        put(both & ~lying & ~moving, "sitting", "both", score / 15)
        for s, o in (("left", "right"), ("right", "left")):
            x = e[s]
            put((x > BALANCE_DEG[0]) & (x < BALANCE_DEG[1]) & (rng[s] < STILL_RANGE_DEG / 2) & up[o], "balance", s,
                np.minimum(x - BALANCE_DEG[0], BALANCE_DEG[1] - x) / 10)
        put(up["left"] & up["right"] & ~moving, "standing", "both",
            1.0 - np.maximum(rng["left"], rng["right"]) / STILL_RANGE_DEG)
    else:  # one thigh: a raised, still thigh is sitting or a hold; say so with a low confidence
        s = names[0]
        x = e[s]
        put((x > SEATED_DEG) & (rng[s] < STILL_RANGE_DEG), "sitting", s, np.zeros(len(x)) - 1)
        put(up[s] & (rng[s] < STILL_RANGE_DEG), "standing", s, 1.0 - rng[s] / STILL_RANGE_DEG)
    label[label == ""] = "transition"
    conf[(label == "transition") & free] = 1.0


def _segments(g, e, label, side, conf, t_end: float) -> list[Segment]:
    """Runs of equal (label, side) frames as segments: short ones become transitions, holds
    extend over their rise and lowering."""
    key = np.array([f"{lab}|{sd}" for lab, sd in zip(label, side)], dtype=object)
    runs = _runs(key)
    for a, b in runs:  # too short to be what it says
        lab = label[a]
        short = (b - a) / GRID_HZ < (MIN_HOLD_S if lab in HOLD_LABELS else MIN_SEGMENT_S)
        if short and lab not in ("", "transition"):
            label[a:b], side[a:b], conf[a:b] = "transition", "both", 1.0
    for a, b in _runs(np.array([f"{lab}|{sd}" for lab, sd in zip(label, side)], dtype=object)):
        lab, sd = label[a], side[a]
        if lab in HOLD_LABELS and sd in e:
            # The thigh that moves into the position, the level it stays above and what it crosses:
            # the raised or free thigh; the front thigh of a stretch (side: the rear); the pulled
            # thigh of a table test (side: the hanging one), which passes through lying / sitting.
            other = next((o for o in e if o != sd), sd)
            x, above, over = {"half_kneeling_stretch": (e[other], RAMP_DEG, ("transition",)),
                              "table_test": (e[other], HANGING_DEG[1], ("transition", "sitting", "lying"))
                              }.get(lab, (e[sd], RAMP_DEG, ("transition",)))
            i = a
            while i > 0 and label[i - 1] in over and x[i - 1] > above:
                i -= 1
            j = b
            while j < len(x) and label[j] in over and x[j] > above:
                j += 1
            label[i:j], side[i:j], conf[i:a], conf[b:j] = lab, sd, conf[a], conf[b - 1]
    out = []
    for a, b in _runs(np.array([f"{lab}|{sd}" for lab, sd in zip(label, side)], dtype=object)):
        if label[a] == "":
            continue
        end = g[b] if b < len(g) else t_end
        out.append(Segment(float(g[a]), float(end), str(label[a]), str(side[a]), "detected",
                           round(float(np.mean(conf[a:b])), 2)))
    return out


def _runs(key: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of the runs of equal values in `key`, end exclusive."""
    if len(key) == 0:
        return []
    change = np.flatnonzero(key[1:] != key[:-1]) + 1
    return list(zip(np.concatenate([[0], change]).tolist(), np.concatenate([change, [len(key)]]).tolist()))
