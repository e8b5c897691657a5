"""Simulated thigh (and pelvis) IMU sessions with exact ground truth.

    sim = simulate("knee_raise_hold", seed=3)
    sim.recording                  # a Recording, as read from any file
    sim.truth["left_thigh"]        # DataFrame: time_s, elevation_deg, abduction_deg, ...
    sim.events["holds"]            # true holds, reps, strides with their times
    write_simulation(sim, "s.csv") # s.csv plus the sidecar s.truth.json (docs/simulator.md)
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import find_peaks
from scipy.spatial.transform import Rotation

from imuhip import __version__
from imuhip.arrays import plain, true_runs
from imuhip.errors import SimulationError
from imuhip.io.imuhip_csv import write_csv
from imuhip.recording import Recording, SensorData
from imuhip.simulate import imu
from imuhip.simulate.scenarios import POSTURES, RUN_SPEEDS, SCENARIOS, SIDES, TURNS, Asymmetry, Body, EXTRA_DRILLS, add_turns, build

__all__ = ["SCENARIOS", "SimOptions", "Simulation", "simulate", "write_simulation", "truth_path"]

TRUTH_RATE = 1000.0  # Hz, grid on which true events are found
TOP_TOLERANCE_DEG = 3.0  # a rep's top hold: time within this of its peak
HOLD_THRESHOLD_DEG = 90.0


@dataclass
class SimOptions:
    """Everything that shapes a simulated session. Angles in deg, rates in rad/s."""

    rate_hz: float = 100.0
    seed: int = 0
    duration_s: float | None = None  # for standing, marching and runs
    pelvis: bool = False
    mounting: str = "random"  # 'random' (any rotation, per side) or 'aligned'
    placement: str = "random"  # 'front', 'side' or 'random' (per side)
    acc_noise: float = 0.05  # m/s^2 SD
    gyr_noise: float = 0.005  # rad/s SD
    gyr_bias: float = 0.02  # rad/s SD per axis
    bias_drift: float = 2e-4  # rad/s per sqrt(s)
    jitter_s: float = 0.0005  # SD of timestamp jitter
    drop: float = 0.0  # fraction of samples dropped (in runs of 1-5)
    hold_s: dict = field(default_factory=lambda: {"left": 30.0, "right": 30.0})
    knee_drive: dict = field(default_factory=lambda: {"left": 1.0, "right": 1.0})
    table_hover_deg: dict = field(default_factory=lambda: {"left": -6.0, "right": -6.0})
    start: str = "standing"  # field_session: the posture it begins in (standing, seated, lying, kneeling)
    turns: str = "none"  # heading changes over the whole session: none, shuttle, bend, figure8, cutting
    restrap_s: dict = field(default_factory=dict)  # sensor name -> time (s) it is strapped on anew
    drills: tuple = ()  # field_session: extra drills at the end (scenarios.EXTRA_DRILLS), none by default


@dataclass
class Simulation:
    scenario: str
    options: SimOptions
    recording: Recording
    truth: dict[str, pd.DataFrame]
    events: dict[str, list[dict]]
    mounting: dict[str, dict]


def _sensor_names(options: SimOptions) -> list[str]:
    return ["left_thigh", "right_thigh"] + (["pelvis"] if options.pelvis else [])


def _truth_frame(body: Body, name: str, t: np.ndarray) -> pd.DataFrame:
    tilt = body.pelvis["tilt"](t)
    if name == "pelvis":
        return pd.DataFrame({"time_s": t, "tilt_deg": tilt})
    tr = body.thigh[name.split("_")[0]]
    elev = tr["elevation"](t)
    return pd.DataFrame({"time_s": t, "elevation_deg": elev, "abduction_deg": tr["abduction"](t),
                         "hip_flexion_deg": elev - tilt})


def true_events(body: Body) -> dict[str, list[dict]]:
    """Holds, reps, strides, positions and drill segments measured on the true angles (1 kHz
    grid). Linear in the duration: each event looks only at its own stretch of the grid."""
    t = np.arange(0.0, body.t, 1.0 / TRUTH_RATE)
    elev = {s: body.thigh[s]["elevation"](t) for s in SIDES}
    abd = {s: body.thigh[s]["abduction"](t) for s in SIDES}
    ev: dict[str, list[dict]] = {"holds": [], "reps": [], "strides": [], "positions": [], "runs": [],
                                 "segments": list(body.segments)}
    for h in body.events["holds"]:
        s = h["side"]
        lo, hi = np.searchsorted(t, [h["programmed_start_s"], h["programmed_end_s"]], side="left")
        hi = int(np.searchsorted(t, h["programmed_end_s"], side="right"))
        for a, b in true_runs(elev[s][lo:hi] >= HOLD_THRESHOLD_DEG):
            a, b = a + lo, b + lo
            seg = elev[s][a:b]
            ev["holds"].append(dict(side=s, threshold_deg=HOLD_THRESHOLD_DEG, start_s=t[a], end_s=t[b - 1],
                                    duration_s=t[b - 1] - t[a], mean_angle_deg=seg.mean(),
                                    min_angle_deg=seg.min()))
    for ann in body.annotations:
        if ann.drill not in ("seated_hip_flexor", "marching", "a_skip", "knee_raise_reps"):
            continue
        for s in SIDES if ann.side == "both" else [ann.side]:
            i0, i1 = np.searchsorted(t, [ann.start_s, ann.end_s])
            seg = elev[s][i0:i1]
            peaks, _ = find_peaks(seg, prominence=15.0)
            for p in peaks:
                near = seg >= seg[p] - TOP_TOLERANCE_DEG
                a, b = next((a, b) for a, b in true_runs(near) if a <= p < b)
                ev["reps"].append(dict(side=s, drill=ann.drill, peak_time_s=t[i0 + p], peak_angle_deg=seg[p],
                                       top_hold_s=(b - a) / TRUTH_RATE))
    for st in body.events["strides"]:
        s = st["side"]
        i0, i1 = np.searchsorted(t, [st["start_s"], st["end_s"]])
        seg = elev[s][i0:i1]
        k = int(np.argmax(seg))
        ev["strides"].append(dict(side=s, speed=st["speed"], start_s=st["start_s"], end_s=st["end_s"],
                                  peak_time_s=t[i0 + k], peak_flexion_deg=seg[k],
                                  peak_extension_deg=seg.min(), peak_adduction_deg=-abd[s][i0:i1].min()))
    for speed in RUN_SPEEDS:
        times = [st["end_s"] - st["start_s"] for st in ev["strides"] if st["speed"] == speed]
        if times:
            ev["runs"].append(dict(speed=speed, cadence_spm=120.0 / float(np.mean(times)),
                                   strides=len(times)))
    for pos in body.events["positions"]:
        s = pos["side"]
        lo, hi = np.searchsorted(t, [pos["start_s"], pos["end_s"]])
        ev["positions"].append(dict(pos, mean_angle_deg=float(elev[s][lo:hi].mean())))
    return plain(ev)


def simulate(scenario: str, options: SimOptions | None = None, **kwargs) -> Simulation:
    """Simulate `scenario` (one of SCENARIOS) with `options` (or SimOptions fields as kwargs)."""
    if scenario not in SCENARIOS:
        raise SimulationError(f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIOS)}")
    options = options or SimOptions(**kwargs)
    if options.mounting not in ("random", "aligned") or options.placement not in ("random", "front", "side"):
        raise SimulationError("mounting must be 'random' or 'aligned'; placement 'random', 'front' or 'side'")
    if options.start not in POSTURES or options.turns not in TURNS:
        raise SimulationError(f"start must be one of {', '.join(POSTURES)}; turns one of {', '.join(TURNS)}")
    if options.start != "standing" and scenario != "field_session":
        raise SimulationError("only field_session can start in another posture than standing")
    if options.drills and scenario != "field_session":
        raise SimulationError("only field_session takes extra drills")
    if set(options.drills) - set(EXTRA_DRILLS):
        raise SimulationError(f"unknown drill(s) {', '.join(sorted(set(options.drills) - set(EXTRA_DRILLS)))}; "
                              f"expected {', '.join(EXTRA_DRILLS)}")
    unknown = set(options.restrap_s) - set(_sensor_names(options))
    if unknown:
        raise SimulationError(f"restrap: no sensor {', '.join(sorted(unknown))} in this session")
    if not 1.0 <= options.rate_hz <= 5000.0:
        raise SimulationError(f"rate_hz {options.rate_hz} is outside 1..5000 Hz")
    rng = np.random.default_rng(options.seed)
    body = Body(rng, Asymmetry(dict(options.hold_s), dict(options.knee_drive), dict(options.table_hover_deg)))
    build(scenario, body, options.duration_s, options.start, tuple(options.drills))
    if options.turns != "none":
        add_turns(body, options.turns, 3.0, body.t - 3.0)
    body.commit_turns()

    sensors, truth, mounting = {}, {}, {}
    for name in _sensor_names(options):
        srng = np.random.default_rng([options.seed, len(name), ord(name[0])])
        place = options.placement if options.placement != "random" else str(srng.choice(["front", "side"]))
        mount = (Rotation.random(random_state=srng).as_matrix() if options.mounting == "random"
                 else np.eye(3))
        if name == "pelvis":
            place = "sacrum"
        t = imu.sample_times(srng, body.t, options.rate_hz, options.jitter_s, options.drop)
        acc, gyr = imu.ideal_imu(body, name, t, mount, imu.lever_arm(name, place))
        mounts = [mount]
        if name in options.restrap_s:
            # Strapped on anew, any way round: the same motion seen through another mounting.
            again = Rotation.random(random_state=np.random.default_rng([options.seed, len(name), 7])).as_matrix()
            later = t >= options.restrap_s[name]
            turn = again.T @ mount
            acc[later], gyr[later] = acc[later] @ turn.T, gyr[later] @ turn.T
            mounts.append(again)
        acc, gyr = imu.sensor_errors(srng, t, acc, gyr, options.acc_noise, options.gyr_noise,
                                     options.gyr_bias, options.bias_drift)
        sensors[name] = SensorData(t, acc, gyr, {"device": "imuhip simulator", "protocol": "simulated",
                                                 "rate_hz": f"{options.rate_hz:g}", "placement": place})
        truth[name] = _truth_frame(body, name, t)
        mounting[name] = {"placement": place, "sensor_to_segment": mount.tolist()}
        if len(mounts) > 1:
            mounting[name]["restrap_s"] = options.restrap_s[name]
            mounting[name]["sensor_to_segment_after"] = mounts[1].tolist()
    meta = {"athlete": "Simulated Athlete", "source": f"synthetic: imuhip {__version__} simulate {scenario} "
            f"--seed {options.seed} --rate {options.rate_hz:g}", "synthetic": "true", "scenario": scenario}
    # A field session is recorded as people record: no annotations (the truth keeps the segments).
    rec = Recording(sensors, meta, [] if scenario == "field_session" else body.annotations)
    return Simulation(scenario, options, rec, truth, true_events(body), mounting)


def truth_path(path: str | os.PathLike) -> Path:
    """The ground-truth sidecar of a simulated CSV: `name.truth.json` next to `name.csv`."""
    p = Path(path)
    return p.with_name(p.stem + ".truth.json")


def write_simulation(sim: Simulation, path: str | os.PathLike) -> Path:
    """Write the recording as imuhip CSV and the ground truth as its JSON sidecar."""
    write_csv(sim.recording, path)
    doc = {
        "imuhip_truth": 1,
        "scenario": sim.scenario,
        "options": asdict(sim.options),
        "mounting": sim.mounting,
        "samples": {n: {c: df[c].tolist() for c in df.columns} for n, df in sim.truth.items()},
        "events": sim.events,
    }
    out = truth_path(path)
    out.write_text(json.dumps(doc))
    return out


def read_truth(path: str | os.PathLike) -> dict:
    """Load a truth sidecar (the JSON written by write_simulation); samples become DataFrames."""
    doc = json.loads(Path(path).read_text())
    doc["samples"] = {n: pd.DataFrame(cols) for n, cols in doc["samples"].items()}
    return doc
