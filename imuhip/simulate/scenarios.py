"""Drill and run scenarios: programmed thigh and pelvis motion with a timeline of drills.

World frame (ISB-like): X forward, Y up, Z to the athlete's right. Per side, the thigh's
world orientation is R = Rz(elevation) Rx(s * abduction) Ry(s * rotation) with s = +1 on
the left and -1 on the right, so the elevation and abduction tracks are exactly the true
thigh elevation and ab/adduction (positive = knee away from the midline) of
docs/angles.md, and axial rotation (positive = external) changes neither.
The pelvis tilts about Z (positive = forward); hip flexion = thigh elevation - pelvis tilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imuhip.recording import Annotation
from imuhip.simulate.tracks import Cycles, Dips, Ramps, Steps, Sway, Track

SIDES = ("left", "right")
STANDING_HIP_HEIGHT = 0.92  # m
SEATED_HIP_HEIGHT = 0.50
KNEELING_HIP_HEIGHT = 0.62
TABLE_HIP_HEIGHT = 0.80

#: Running speeds: cadence (steps/min), peak thigh flexion, peak extension (deg),
#: forward speed (m/s), impact peak (m/s^2) and vertical oscillation (m).
RUN_SPEEDS = {
    "jog": dict(cadence=160.0, flexion=50.0, extension=-18.0, speed=2.8, impact=18.0, bounce=0.045),
    "run": dict(cadence=172.0, flexion=65.0, extension=-22.0, speed=4.0, impact=24.0, bounce=0.05),
    "fast": dict(cadence=184.0, flexion=80.0, extension=-25.0, speed=6.0, impact=30.0, bounce=0.05),
    "sprint": dict(cadence=205.0, flexion=100.0, extension=-28.0, speed=8.5, impact=38.0, bounce=0.045),
}
#: Walking, in the same terms (no flight phase: small heel-strike impacts).
WALK = dict(cadence=110.0, flexion=25.0, extension=-12.0, speed=1.4, impact=5.0, bounce=0.02)
GAITS = {"walk": WALK, **RUN_SPEEDS}
#: Start postures of a field session: thigh elevation (deg), pelvis tilt (deg), hip height (m).
POSTURES = {
    "standing": (0.0, 0.0, STANDING_HIP_HEIGHT),
    "seated": (85.0, 5.0, SEATED_HIP_HEIGHT),
    "lying": (90.0, -90.0, 0.12),
    "kneeling": (0.0, 0.0, KNEELING_HIP_HEIGHT),
}
TURN_S = 1.2  # s for a 180 deg turn
TURN_SLOWDOWN = 0.8  # fraction of the speed lost at the apex of a turn


@dataclass
class Asymmetry:
    """Per-side changes to the programmed motion.

    hold_s: standing knee-raise hold durations (s) per side; knee_drive: factor on the peak
    flexion above standing (strides, skips, marching, reps) per side.
    """

    hold_s: dict = field(default_factory=lambda: {"left": 30.0, "right": 30.0})
    knee_drive: dict = field(default_factory=lambda: {"left": 1.0, "right": 1.0})
    table_hover_deg: dict = field(default_factory=lambda: {"left": -6.0, "right": -6.0})


@dataclass
class Impact:
    """A foot strike: damped vertical oscillation of the pelvis (m/s^2 peak) from `time`."""

    time: float
    peak: float
    freq: float = 14.0
    decay: float = 0.03


class Body:
    """Builds the motion of both thighs and the pelvis phase by phase."""

    def __init__(self, rng: np.random.Generator, asym: Asymmetry):
        self.rng = rng
        self.asym = asym
        self.t = 0.0
        self.thigh = {s: {"elevation": Track(0.0), "abduction": Track(0.0), "rotation": Track(0.0)}
                      for s in SIDES}
        # forward: distance travelled (m) along the heading (deg, about world up: positive turns
        # left); pace: factor on the travel speed (slowing into a turn).
        self.pelvis = {"tilt": Track(0.0), "height": Track(STANDING_HIP_HEIGHT), "forward": Track(0.0),
                       "heading": Track(0.0), "pace": Track(1.0)}
        self.impacts: list[Impact] = []
        self.annotations: list[Annotation] = []
        self.segments: list[dict] = []  # what the athlete did, start to end (truth for recognition)
        self._turns: list[tuple] = []  # (start s, size deg, duration s, slowdown) until committed
        self.events: dict[str, list[dict]] = {"holds": [], "reps": [], "strides": [], "positions": []}

    # ------------------------------------------------------------ helpers
    def tracks(self):
        for side in SIDES:
            yield from self.thigh[side].values()
        yield from self.pelvis.values()

    def sway(self, track: Track, start: float, end: float, amplitude: float) -> None:
        if end - start < 0.5 or amplitude <= 0:
            return
        freqs = self.rng.uniform(0.08, 0.6, 4)
        track.sway(Sway(start, end, amplitude, freqs, self.rng.uniform(0, 2 * np.pi, 4)))

    def advance(self, duration: float) -> None:
        """Hold every track that has not been moved up to the new time."""
        self.t += duration
        for tr in self.tracks():
            tr.hold(self.t)

    def move(self, duration: float, **targets) -> None:
        """Min-jerk move of the named channels ('left_elevation', 'pelvis_tilt', ...)."""
        end = self.t + duration
        for key, value in targets.items():
            part, channel = key.split("_", 1)
            track = self.pelvis[channel] if part == "pelvis" else self.thigh[part][channel]
            track.move(value, end)
        self.advance(duration)

    def annotate(self, start: float, drill: str, side: str = "both", label: str | None = None) -> None:
        """Annotate [start, now) as `drill`; the truth segment is called `label` (default drill)."""
        self.annotations.append(Annotation(round(start, 3), round(self.t, 3), drill, side))
        self.segment(start, label or drill, side)

    def segment(self, start: float, label: str, side: str = "both") -> None:
        """A truth segment [start, now) with no annotation (walking, standing, sitting, ...)."""
        if self.t > start:
            self.segments.append(dict(start_s=round(start, 3), end_s=round(self.t, 3), drill=label, side=side))

    def set_posture(self, posture: str) -> None:
        """Start the session in `posture` (a key of POSTURES) instead of standing."""
        elev, tilt, height = POSTURES[posture]
        for side in SIDES:
            tr = self.thigh[side]["elevation"]
            tr.value = tr._initial = elev
        for key, value in (("tilt", tilt), ("height", height)):
            self.pelvis[key].value = self.pelvis[key]._initial = value

    def turns(self, starts, sizes, durations=None, slowdown: float = TURN_SLOWDOWN) -> None:
        """Heading steps (deg) from `starts` (s), with the travel speed dipping through each by
        `slowdown` (a share of it). Collected here; `commit_turns` puts them on the tracks."""
        starts = np.atleast_1d(np.asarray(starts, float))
        sizes = np.atleast_1d(np.asarray(sizes, float))
        durations = np.full(len(starts), TURN_S) if durations is None else np.asarray(durations, float)
        self._turns += [(a, z, d, slowdown) for a, z, d in zip(starts, sizes, durations)]

    def commit_turns(self) -> None:
        """Put every collected turn on the heading and pace tracks, as a few layers of
        non-overlapping steps (so evaluating them stays linear in the session's length)."""
        layers: list[list[tuple]] = []
        for turn in sorted(self._turns):
            a = turn[0] - 0.3 * turn[2]  # the slow-down starts before the turn
            for layer in layers:
                if layer[-1][0] + 1.3 * layer[-1][2] <= a:
                    layer.append(turn)
                    break
            else:
                layers.append([turn])
        for layer in layers:
            a, z, d, slow = (np.array(x) for x in zip(*layer))
            self.pelvis["heading"].sway(Steps(a, z, d))
            if (slow > 0).any():
                self.pelvis["pace"].sway(Dips(a - 0.3 * d, 1.6 * d, slow))
        self._turns = []

    def bend(self, start: float, end: float, rates) -> None:
        """Heading changing at `rates` (deg/s), each for an equal share of [start, end)."""
        rates = np.atleast_1d(np.asarray(rates, float))
        self.pelvis["heading"].sway(Ramps(np.linspace(start, end, len(rates) + 1), rates))

    def stand(self, duration: float, sway: float = 0.4) -> None:
        start = self.t
        self.move(min(1.0, duration), left_elevation=0.0, right_elevation=0.0, left_abduction=0.0,
                  right_abduction=0.0, left_rotation=0.0, right_rotation=0.0, pelvis_tilt=0.0,
                  pelvis_height=STANDING_HIP_HEIGHT)
        self.advance(max(0.0, duration - 1.0))
        for side in SIDES:
            self.sway(self.thigh[side]["elevation"], start + 1.0, self.t, sway)

    def still(self, duration: float) -> None:
        """Quiet standing with no sway: the moment calibration looks for."""
        self.stand(duration, sway=0.0)

    def drive(self, side: str, base: float, peak: float) -> float:
        """Peak angle after the side's knee-drive factor (scales the rise above `base`)."""
        return base + (peak - base) * self.asym.knee_drive[side]


# ---------------------------------------------------------------- drills


def knee_raise_hold(b: Body, sides=SIDES, target: float = 100.0) -> None:
    """Standing knee raise: lift the thigh well above 90 deg, hold, lower; per side."""
    for side in sides:
        start = b.t
        hold = b.asym.hold_s[side]
        angle = target + b.rng.uniform(-3, 3)
        rise_start = b.t
        b.move(1.5, **{f"{side}_elevation": angle, f"{side}_abduction": 3.0, "pelvis_tilt": -3.0})
        top_start = b.t
        b.advance(hold)
        b.sway(b.thigh[side]["elevation"], top_start, b.t, 1.2)
        b.move(1.5, **{f"{side}_elevation": 0.0, f"{side}_abduction": 0.0, "pelvis_tilt": 0.0})
        b.events["holds"].append(dict(side=side, kind="above_90", programmed_start_s=rise_start,
                                      programmed_end_s=b.t))
        b.annotate(start, "standing_knee_raise", side)
        b.stand(5.0)


def seated_drill(b: Body, sets: int = 2) -> None:
    """Seated hip-flexor drill: sets of 8-10 reps per side, 2-3 s hold at the top."""
    b.move(2.0, left_elevation=78.0, right_elevation=78.0, pelvis_height=SEATED_HIP_HEIGHT,
           pelvis_tilt=5.0)
    b.advance(2.0)
    for _ in range(sets):
        for side in SIDES:
            start = b.t
            for _ in range(int(b.rng.integers(8, 11))):
                peak = b.drive(side, 78.0, 112.0 + b.rng.uniform(-3, 3))
                b.move(0.8, **{f"{side}_elevation": peak})
                top = b.rng.uniform(2.0, 3.0)
                b.sway(b.thigh[side]["elevation"], b.t, b.t + top, 0.4)
                b.advance(top)
                b.move(0.8, **{f"{side}_elevation": 78.0})
                b.advance(1.2)
            b.annotate(start, "seated_hip_flexor", side)
            b.advance(6.0)
    b.move(2.0, left_elevation=0.0, right_elevation=0.0, pelvis_height=STANDING_HIP_HEIGHT,
           pelvis_tilt=0.0)


def marching(b: Body, duration: float = 20.0, peak: float = 70.0) -> None:
    """Marching in place: alternate knee lifts, about 110 steps/min."""
    start = b.t
    step = 60.0 / 110.0
    n_steps = int(duration / step)
    for k in range(n_steps):
        side = SIDES[k % 2]
        angle = b.drive(side, 0.0, peak + b.rng.uniform(-4, 4))
        b.move(step * 0.45, **{f"{side}_elevation": angle, f"{side}_abduction": 2.0})
        b.move(step * 0.55, **{f"{side}_elevation": 0.0, f"{side}_abduction": 0.0})
    b.annotate(start, "marching")


def a_skips(b: Body, skips: int = 16, peak: float = 95.0, lean_back: float = 0.0) -> None:
    """A-skips: the knee pops high on each skip, a hop and landing impact, travelling forward."""
    start = b.t
    period = 0.62
    b.pelvis["forward"].move(b.pelvis["forward"].value + 1.6 * period * skips, b.t + period * skips)
    for k in range(skips):
        side = SIDES[k % 2]
        angle = b.drive(side, 0.0, peak + b.rng.uniform(-4, 4))
        b.move(period * 0.35, **{f"{side}_elevation": angle, f"{side}_rotation": 6.0,
                                 "pelvis_tilt": -lean_back, "pelvis_height": STANDING_HIP_HEIGHT + 0.06})
        b.move(period * 0.65, **{f"{side}_elevation": 0.0, f"{side}_rotation": 0.0,
                                 "pelvis_height": STANDING_HIP_HEIGHT})
        b.impacts.append(Impact(b.t - 0.05, 20.0))
    b.move(0.5, pelvis_tilt=0.0)
    b.annotate(start, "a_skip")


def stretch_hold(b: Body, hold: float = 30.0) -> None:
    """Half-kneeling hip-flexor stretch, each side: rear thigh extended, front thigh level."""
    for rear in SIDES:
        front = "right" if rear == "left" else "left"
        start = b.t
        b.move(2.5, **{f"{front}_elevation": 90.0, f"{rear}_elevation": -5.0,
                       "pelvis_height": KNEELING_HIP_HEIGHT})
        angle = -22.0 + b.rng.uniform(-4, 4)
        b.move(1.5, **{f"{front}_elevation": 92.0, f"{rear}_elevation": angle})
        top = b.t
        b.advance(hold)
        b.sway(b.thigh[rear]["elevation"], top, b.t, 0.8)
        b.sway(b.thigh[front]["elevation"], top, b.t, 0.6)
        b.events["positions"].append(dict(side=rear, kind="stretch", start_s=top, end_s=b.t,
                                          programmed_angle_deg=angle))
        b.move(1.5, **{f"{front}_elevation": 90.0, f"{rear}_elevation": -5.0})
        b.move(2.5, **{f"{front}_elevation": 0.0, f"{rear}_elevation": 0.0,
                       "pelvis_height": STANDING_HIP_HEIGHT})
        b.annotate(start, "half_kneeling_stretch", rear)
        b.stand(4.0)


def table_test(b: Body, hold: float = 20.0) -> None:
    """Lying (Thomas-style) table test: sit on the table edge, lie back, pull one knee to the
    chest while the other thigh rests; elevation - 90 is its angle above horizontal."""
    b.move(2.5, left_elevation=88.0, right_elevation=88.0, pelvis_height=TABLE_HIP_HEIGHT)
    b.advance(2.0)
    b.move(3.0, left_elevation=90.0, right_elevation=90.0, pelvis_tilt=-90.0)
    b.advance(3.0)
    for hanging in SIDES:
        pulled = "right" if hanging == "left" else "left"
        start = b.t
        rest = 90.0 + b.asym.table_hover_deg[hanging]
        b.move(2.5, **{f"{pulled}_elevation": 205.0, f"{hanging}_elevation": rest})
        top = b.t
        b.advance(hold)
        b.sway(b.thigh[hanging]["elevation"], top, b.t, 0.5)
        b.events["positions"].append(dict(side=hanging, kind="table_test", start_s=top, end_s=b.t,
                                          programmed_angle_deg=rest))
        b.move(2.5, **{f"{pulled}_elevation": 90.0, f"{hanging}_elevation": 90.0})
        b.annotate(start, "table_test", hanging)
        b.advance(3.0)
    b.move(3.0, pelvis_tilt=0.0)
    b.move(2.5, left_elevation=0.0, right_elevation=0.0, pelvis_height=STANDING_HIP_HEIGHT)


def single_leg_balance(b: Body, hold: float = 20.0, lift: float = 45.0) -> None:
    """Single-leg balance, each side: the free thigh lifted to about `lift` deg and held still
    for `hold` s while the stance thigh stays vertical; the truth segment's side is the free leg."""
    for free in SIDES:
        start = b.t
        b.move(1.0, **{f"{free}_elevation": lift + b.rng.uniform(-5, 5), f"{free}_abduction": 2.0})
        top = b.t
        b.advance(hold)
        b.sway(b.thigh[free]["elevation"], top, b.t, 1.0)
        b.move(1.0, **{f"{free}_elevation": 0.0, f"{free}_abduction": 0.0})
        b.annotate(start, "balance", free)
        b.stand(4.0)


def knee_raise_reps(b: Body, reps: int = 10, peak: float = 95.0) -> None:
    """Standing knee-raise reps, each side: the thigh raised to about `peak` deg and lowered
    `reps` times (0.6 s up, 0.3 s at the top, 0.6 s down, 0.5 s standing), the other thigh vertical."""
    for side in SIDES:
        start = b.t
        for _ in range(reps):
            b.move(0.6, **{f"{side}_elevation": b.drive(side, 0.0, peak + b.rng.uniform(-4, 4))})
            b.advance(0.3)
            b.move(0.6, **{f"{side}_elevation": 0.0})
            b.advance(0.5)
        b.annotate(start, "knee_raise_reps", side)
        b.stand(4.0)


#: Drills a field session can add at its end (SimOptions.drills), in the order given.
EXTRA_DRILLS = {"balance": single_leg_balance, "half_kneeling_stretch": stretch_hold, "table_test": table_test,
                "knee_raise_reps": knee_raise_reps}


def run(b: Body, speed: str = "run", duration: float = 20.0, turn_every: float | None = None) -> None:
    """Running (or walking) at one of GAITS: strides alternating left/right, impacts at foot
    strike; with `turn_every` (s), a 180 deg shuttle turn that often."""
    p = GAITS[speed]
    start = b.t
    stride = 120.0 / p["cadence"]  # s per stride (two steps)
    n = max(3, int(round(duration / stride)))
    periods = stride * (1.0 + 0.02 * b.rng.standard_normal(n))
    bounds = {"left": b.t + np.concatenate([[0.0], np.cumsum(periods)])}
    # The right leg runs half a stride behind the left.
    bounds["right"] = np.concatenate([[b.t], (bounds["left"][:-1] + bounds["left"][1:]) / 2.0,
                                      [bounds["left"][-1] + stride / 2.0]])
    end = bounds["right"][-1]
    for side in SIDES:
        m = len(bounds[side]) - 1
        rr = np.minimum(1.0, (np.arange(m) + 1.0) / 2.0)  # the first strides build up
        rr[-1] = 0.6  # and the last slows down
        flex = np.array([b.drive(side, 0.0, p["flexion"] + 2.0 * b.rng.standard_normal()) for _ in range(m)])
        peaks = flex * rr
        troughs = np.concatenate([[0.0], (p["extension"] + 1.5 * b.rng.standard_normal(m - 1)) * rr[1:], [0.0]])
        if side == "right":  # its first half stride starts from standing
            troughs[1] = 0.0
        cyc = Cycles(bounds[side], troughs, peaks, peak_phase=0.62)
        b.thigh[side]["elevation"].cycles(cyc)
        span = np.maximum(peaks - np.minimum(troughs[:-1], troughs[1:]), 1e-9)
        # Abduction rises in swing, adduction in stance; external rotation in swing.
        b.thigh[side]["abduction"].cycles(Cycles(bounds[side], troughs * 0.12, 0.06 * span - 2.0 * rr, 0.62))
        b.thigh[side]["rotation"].cycles(Cycles(bounds[side], troughs * 0.2, 0.1 * span, 0.62))
        for k in range(m):
            t_strike = bounds[side][k] + 0.8 * (bounds[side][k + 1] - bounds[side][k])
            b.impacts.append(Impact(t_strike, p["impact"] * rr[k]))
            if k >= 1 and k < m - 1 and bounds[side][k + 1] <= end:
                b.events["strides"].append(dict(side=side, start_s=float(bounds[side][k]),
                                                end_s=float(bounds[side][k + 1]), speed=speed))
        for tr in b.thigh[side].values():
            tr.hold(end)
    # Pelvis: forward travel and vertical oscillation at step frequency.
    fwd, height = b.pelvis["forward"], b.pelvis["height"]
    x0, t0 = fwd.value, b.t
    fwd.move(x0 + p["speed"] * (end - t0), end)
    step_bounds = np.sort(np.concatenate([bounds["left"], bounds["right"][1:-1]]))
    k = len(step_bounds) - 1
    lows = np.full(k + 1, STANDING_HIP_HEIGHT - p["bounce"])
    lows[[0, -1]] = STANDING_HIP_HEIGHT
    height.cycles(Cycles(step_bounds, lows, np.full(k, STANDING_HIP_HEIGHT), 0.5))
    height.move(STANDING_HIP_HEIGHT, end)
    b.pelvis["tilt"].move({"sprint": 8.0, "walk": 2.0}.get(speed, 4.0), end)
    if turn_every:
        at = np.arange(t0 + turn_every, end - 2.0, turn_every)
        b.turns(at, 180.0 * (-1.0) ** np.arange(len(at)))
    b.t = end
    b.advance(0.0)
    b.move(1.0, pelvis_tilt=0.0, pelvis_height=STANDING_HIP_HEIGHT)
    drill = {"sprint": "sprint", "walk": "walk"}.get(speed, "run")
    b.annotate(start, drill, label={"fast": "run"}.get(speed, speed))


def walk(b: Body, duration: float, turn_first: bool = False) -> None:
    """Walk for `duration` s; `turn_first`: turn round on the spot before setting off."""
    if turn_first:
        pivot(b)
    run(b, "walk", duration)


def pivot(b: Body, angle: float = 180.0, duration: float = 1.8) -> None:
    """Turn on the spot, standing (the heading changes; the thighs stay vertical)."""
    start = b.t
    b.turns([b.t], [angle], [duration], slowdown=0.0)
    b.stand(duration, sway=0.0)
    b.segment(start, "transition")


def stand_up(b: Body, posture: str) -> None:
    """From the start `posture` to standing, through sitting when lying."""
    start = b.t
    if posture == "lying":
        b.move(3.0, pelvis_tilt=5.0, pelvis_height=SEATED_HIP_HEIGHT, left_elevation=85.0,
               right_elevation=85.0)
        b.segment(start, "transition")
        start = b.t
        b.advance(3.0)
        b.segment(start, "sitting")
        start = b.t
    b.move(2.0, left_elevation=0.0, right_elevation=0.0, pelvis_tilt=0.0, pelvis_height=STANDING_HIP_HEIGHT)
    b.segment(start, "transition")


def quiet(b: Body, duration: float, label: str = "standing") -> None:
    """Stand quietly (a truth segment), with the slight sway of a person waiting."""
    start = b.t
    b.stand(duration, sway=0.3)
    b.segment(start, label)


def field_session(b: Body, start: str = "standing", duration: float | None = None, drills=()) -> None:
    """A coach's session with no annotations: walk to the spot, holds, walk back, seated drill,
    stand up, marching, A-skips out and back, a jog shuttle, a sprint, walk back; repeated until
    `duration` (s) when given. `start`: the posture the recording begins in (POSTURES). `drills`:
    names of EXTRA_DRILLS done at the end, each after 3 s of quiet standing (none by default, so
    the session without them is unchanged)."""
    t0 = b.t
    if start == "standing":
        quiet(b, 3.0)
    else:
        b.set_posture(start)
        b.advance(5.0)
        b.segment(t0, {"seated": "sitting", "lying": "lying", "kneeling": "kneeling"}[start])
        if start == "seated":
            seated_drill(b, sets=1)
            quiet(b, 3.0)
        else:
            stand_up(b, start)
            quiet(b, 3.0)
    first = True
    while first or (duration is not None and b.t < duration - 10.0):
        walk(b, 10.0 + b.rng.uniform(0, 6))
        pivot(b)
        quiet(b, 3.0)
        knee_raise_hold(b)
        walk(b, 10.0 + b.rng.uniform(0, 6), turn_first=True)
        if not (first and start == "seated"):
            seated_drill(b, sets=1)
            quiet(b, 3.0)
        marching(b, 10.0)
        quiet(b, 2.0)
        a_skips(b, 10)
        pivot(b)
        a_skips(b, 10)
        quiet(b, 3.0)
        run(b, "jog", 30.0, turn_every=8.0 + b.rng.uniform(0, 2))
        walk(b, 8.0)
        quiet(b, 3.0)
        run(b, "sprint", 6.0)
        walk(b, 12.0, turn_first=True)
        first = False
    for name in drills:
        quiet(b, 3.0)
        EXTRA_DRILLS[name](b)
    quiet(b, 3.0)


def add_turns(b: Body, kind: str, start: float, end: float) -> None:
    """Overlay heading changes on a built session over [start, end) s: 'shuttle' (180 deg every
    8-10 s), 'bend' (20 deg/s), 'figure8' (loops of +-30 deg/s), 'cutting' (45-90 deg cuts
    every 2-4 s)."""
    if end - start < 3.0:
        return
    if kind == "shuttle":
        at = start + np.cumsum(b.rng.uniform(8.0, 10.0, int((end - start) / 8.0) + 1))
        at = at[at < end - TURN_S]
        b.turns(at, 180.0 * (-1.0) ** np.arange(len(at)))
    elif kind == "bend":
        b.bend(start, end, [20.0])
    elif kind == "figure8":
        b.bend(start, end, 30.0 * (-1.0) ** np.arange(max(1, int((end - start) / 12.0))))
    elif kind == "cutting":
        at = start + np.cumsum(b.rng.uniform(2.0, 4.0, int((end - start) / 2.0) + 1))
        at = at[at < end - 0.5]
        sizes = b.rng.uniform(45.0, 90.0, len(at)) * b.rng.choice([-1.0, 1.0], len(at))
        b.turns(at, sizes, np.full(len(at), 0.5), slowdown=0.4)
    else:
        raise KeyError(kind)


SCENARIOS = {
    "standing": "quiet standing with sway",
    "knee_raise_hold": "standing knee-raise hold, each side (default 30 s above 90 deg)",
    "seated_drill": "seated hip-flexor drill: 2 sets of 8-10 reps per side, 2-3 s at the top",
    "marching": "marching in place, about 110 steps/min",
    "a_skips": "A-skips, 16 skips",
    "stretch_hold": "half-kneeling hip-flexor stretch, 30 s per side",
    "table_test": "lying table test, each thigh hanging 20 s",
    "jog": "jogging, peak thigh flexion ~50 deg",
    "run": "running, peak thigh flexion ~65 deg",
    "sprint": "sprinting, peak thigh flexion ~100 deg",
    "run_ladder": "jog, run, fast and sprint in one session",
    "session": "a full drill session: every drill above, then runs",
    "shuttle": "jog shuttle, a 180 deg turn every 8-10 s",
    "sprint_shuttle": "sprint shuttles, a 180 deg turn every 5 s",
    "bend": "jogging a tight bend, turning 20 deg/s",
    "a_skips_out_back": "A-skips out, turn round, A-skips back",
    "field_session": "a coach's session, unannotated: walking, holds, seated drill, marching, "
                     "A-skips out and back, jog shuttle, sprint (--start, --duration repeat it)",
}
TURNS = ("none", "shuttle", "bend", "figure8", "cutting")


def build(scenario: str, body: Body, duration: float | None = None, start: str = "standing", drills=()) -> None:
    """Program `scenario` into `body`: always 3 s of quiet standing first and last (a field
    session begins in its `start` posture and ends with the EXTRA_DRILLS named in `drills`)."""
    if scenario == "field_session":
        field_session(body, start, duration, drills)
        body.still(3.0)
        return
    body.still(3.0)
    if scenario == "standing":
        start = body.t
        body.stand(duration or 30.0)
        body.annotate(start, "standing")
    elif scenario == "knee_raise_hold":
        knee_raise_hold(body)
    elif scenario == "seated_drill":
        seated_drill(body)
    elif scenario == "marching":
        marching(body, duration or 20.0)
    elif scenario == "a_skips":
        a_skips(body)
    elif scenario == "stretch_hold":
        stretch_hold(body)
    elif scenario == "table_test":
        table_test(body)
    elif scenario in RUN_SPEEDS:
        run(body, scenario, duration or 20.0)
    elif scenario == "run_ladder":
        for speed in RUN_SPEEDS:
            run(body, speed, duration or 12.0)
            body.stand(3.0)
    elif scenario in ("shuttle", "sprint_shuttle", "bend"):
        speed = "sprint" if scenario == "sprint_shuttle" else "jog"
        t0 = body.t
        run(body, speed, duration or 40.0, turn_every={"shuttle": 9.0, "sprint_shuttle": 5.0}.get(scenario))
        if scenario == "bend":
            body.bend(t0, body.t, [20.0])
    elif scenario == "a_skips_out_back":
        a_skips(body)
        pivot(body)
        a_skips(body)
    elif scenario == "session":
        knee_raise_hold(body)
        seated_drill(body, sets=1)
        body.stand(3.0)
        marching(body, 12.0)
        body.stand(3.0)
        a_skips(body)
        body.stand(3.0)
        run(body, "jog", 15.0)
        body.stand(3.0)
        run(body, "sprint", 8.0)
    else:
        raise KeyError(scenario)
    body.still(3.0)
