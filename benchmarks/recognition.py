"""Drill recognition on unannotated field sessions: the issue-15 acceptance figures per seed.

    python benchmarks/recognition.py [--seeds 10] [--first 0] [--engine truth|real] [--start standing]
                                     [--drills balance,half_kneeling_stretch,table_test,knee_raise_reps]

Each seed simulates `field_session` (random mountings and placements, no annotations) and
analyses it from the true angles (`--engine truth`: recognition and event logic alone) or
through imuhip's angle engine (`--engine real`); `--drills` adds those drills at the session's
end (SimOptions.drills) and measures their labelled fraction too. Prints, per seed: the fraction of each
drill's time labelled right, the knee-raise holds (found once per side, duration error),
seated reps (exact per side, worst top-hold error), jog / sprint stride count errors per side,
and whether every present drill got its catalog verdicts per side and no absent drill any.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np

from imuhip.analysis import analyze, analyze_angles
from imuhip.analysis.scoring import labelled_fraction, table_from_truth
from imuhip.report import load_catalog, verdicts
from imuhip.simulate import simulate

DRILLS = ("standing_knee_raise", "seated_hip_flexor", "marching", "a_skip", "jog", "sprint")
SIDES = ("left", "right")


def analysed(seed: int, engine: str = "truth", start: str = "standing", drills: tuple = ()):
    """(simulation, analysis, verdicts) of one unannotated field session."""
    sim = simulate("field_session", seed=seed, start=start, drills=drills)
    if engine == "truth":
        table = table_from_truth(sim.truth)
        results = {n: SimpleNamespace(warnings=[]) for n in sim.truth if "thigh" in n}
        a = analyze_angles(table, results, sim.recording)
    else:
        a = analyze(sim.recording)
    return sim, a, verdicts(a, load_catalog())


def figures(sim, a, found) -> dict:
    """The acceptance figures of one session (see the module docstring)."""
    ev = sim.events
    measured = DRILLS + tuple(sim.options.drills)
    out = {"labelled": labelled_fraction(a.segments, [s for s in ev["segments"] if s["drill"] in measured]),
           "measured": measured}
    holds = {}
    for side in SIDES:
        mine = [h for h in a.holds if h.drill == "standing_knee_raise" and h.side == side]
        true = [h for h in ev["holds"] if h["side"] == side]
        holds[side] = dict(found=len(mine), true=len(true),
                           error_s=max((abs(m.duration_s - t["duration_s"]) for m, t in zip(mine, true)),
                                       default=np.inf) if len(mine) == len(true) else np.inf)
    out["holds"] = holds
    reps = {}
    for side in SIDES:
        mine = [r for r in a.reps if r.drill == "seated_hip_flexor" and r.side == side]
        true = [r for r in ev["reps"] if r["drill"] == "seated_hip_flexor" and r["side"] == side]
        top = max((abs(m.top_hold_s - t["top_hold_s"]) for m, t in zip(mine, true)), default=np.inf)
        reps[side] = dict(found=len(mine), true=len(true), top_error_s=top if len(mine) == len(true) else np.inf)
    out["reps"] = reps
    out["strides"] = {f"{drill}.{side}": sum(s.drill == drill and s.side == side for s in a.strides)
                      - sum(s["speed"] == drill and s["side"] == side for s in ev["strides"])
                      for drill in ("jog", "sprint") for side in SIDES}
    present = {s["drill"] for s in ev["segments"]}
    rules = load_catalog()
    expected = {(r.id, r.drill if r.drill != "run" else "jog", side) for r in rules.values()
                if r.drill in present | {"run"} and r.metric != "limb_symmetry_index_pct" and r.drill != "*"
                for side in SIDES if (r.drill != "run" or "jog" in present)}
    got = {(v.rule_id, v.drill, v.side) for v in found if v.side in SIDES}
    out["verdicts_missing"] = sorted(expected - got)
    out["verdicts_absent_drill"] = sorted({v.drill for v in found if v.drill not in present})
    out["hold_30s"] = {v.side: v.verdict for v in found if v.rule_id == "knee_raise_hold_30s"}
    return out


def passes(f: dict) -> dict[str, bool]:
    """Which acceptance item the figures meet."""
    return {
        "labelled >= 90 %": all(v >= 0.9 for v in f["labelled"].values()) and set(f["labelled"]) == set(f["measured"]),
        "holds once per side within 0.3 s": all(h["found"] == h["true"] == 1 and h["error_s"] <= 0.3
                                               for h in f["holds"].values()),
        "30 s rule per side": set(f["hold_30s"]) == set(SIDES),
        "seated reps exact, top within 0.25 s": all(r["found"] == r["true"] and r["top_error_s"] <= 0.25
                                                     for r in f["reps"].values()),
        "jog/sprint strides +-1": all(abs(d) <= 1 for d in f["strides"].values()),
        "verdicts per drill, none for absent": not f["verdicts_missing"] and not f["verdicts_absent_drill"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--engine", choices=["truth", "real"], default="truth")
    p.add_argument("--start", default="standing")
    p.add_argument("--drills", default="", help="extra drills at the end, comma-separated")
    args = p.parse_args()
    drills = tuple(d for d in args.drills.split(",") if d)
    tally: dict[str, int] = {}
    worst: dict[str, float] = {}
    for seed in range(args.first, args.first + args.seeds):
        t0 = time.perf_counter()
        f = figures(*analysed(seed, args.engine, args.start, drills))
        ok = passes(f)
        for k, v in ok.items():
            tally[k] = tally.get(k, 0) + v
        for k, v in f["labelled"].items():
            worst[k] = min(worst.get(k, 1.0), v)
        print(f"seed {seed} ({time.perf_counter() - t0:.1f} s): labelled "
              + " ".join(f"{k} {v:.1%}" for k, v in f["labelled"].items())
              + " | holds " + ", ".join(f"{s} {h['found']}/{h['true']} err {h['error_s']:.2f} s" for s, h in f["holds"].items())
              + f" | 30 s rule {f['hold_30s']}"
              + " | seated reps " + ", ".join(f"{s} {r['found']}/{r['true']} top err {r['top_error_s']:.3f} s"
                                              for s, r in f["reps"].items())
              + f" | stride errors {f['strides']}"
              + (f" | MISSING verdicts {f['verdicts_missing']}" if f["verdicts_missing"] else "")
              + (f" | verdicts for absent drills {f['verdicts_absent_drill']}" if f["verdicts_absent_drill"] else ""))
    print(f"\n{args.seeds} seeds, {args.engine} angles, start {args.start}:")
    for k, v in tally.items():
        print(f"  {k}: {v}/{args.seeds} seeds")
    print("  worst labelled fraction per drill: " + ", ".join(f"{k} {v:.1%}" for k, v in worst.items()))


if __name__ == "__main__":
    main()
