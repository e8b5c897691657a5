"""Thigh elevation: accuracy and speed of imuhip's pipeline next to imufusion and ahrs.

    pip install -e '.[bench]'
    python benchmarks/angles.py [--seeds 12] [--scenarios knee_raise_hold sprint ...]

Each scenario is simulated with `--seeds` seeds x 2 thighs = random mountings and
placements. imuhip runs its default pipeline (calibration from the data + fusion).
The others get imuhip's calibration (the thigh axes in the sensor frame) and the same
sagittal-plane elevation (the thigh's lateral axis made horizontal; no heading), so only
their orientation filters are compared
(each starts from its own default initial orientation):
imufusion Ahrs (6-axis, with its gyroscope Bias estimator, acceleration rejection 10 deg),
ahrs Madgwick and Mahony (IMU update). Prints elevation RMSE (deg) per scenario and
samples/s for each, in one run on the same data.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from imuhip.angles import segment_angles
from imuhip.io.streams import quat_to_matrix
from imuhip.io.units import G
from imuhip.simulate import simulate

SCENARIOS = ["standing", "knee_raise_hold", "seated_drill", "marching", "stretch_hold", "table_test",
             "a_skips", "jog", "run", "sprint"]
TARGETS = {"standing": 1, "knee_raise_hold": 1, "seated_drill": 2, "marching": 2, "stretch_hold": 2,
           "table_test": 2, "a_skips": 4, "jog": 4, "run": 4, "sprint": 5}
# Sessions as they really happen: (label, scenario, simulator options, target deg).
REAL = [
    ("hold+shuttle turns", "knee_raise_hold", {"turns": "shuttle"}, 1),
    ("seated+bend", "seated_drill", {"turns": "bend"}, 2),
    ("marching+figure8", "marching", {"turns": "figure8"}, 2),
    ("a_skips out/back", "a_skips_out_back", {}, 4),
    ("jog shuttle", "shuttle", {}, 4),
    ("jog bend 20deg/s", "bend", {}, 4),
    ("run+cutting", "run", {"turns": "cutting"}, 4),
    ("sprint shuttle", "sprint_shuttle", {}, 5),
    ("run 10 min", "run", {"duration_s": 600.0}, 4),
    ("field session", "field_session", {}, 3),
    ("field, seated start", "field_session", {"start": "seated"}, 3),
    ("field, lying start", "field_session", {"start": "lying"}, 3),
]
LONG = ("run 60 min", "run", {"duration_s": 3600.0}, 4)


def elevation_from_orientation(R: np.ndarray, up: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Elevation (deg) from sensor-to-world matrices (N,3,3), world `up`, thigh axes y, z
    (sensor frame), in the thigh's own sagittal plane (its lateral axis made horizontal,
    sample by sample), as imuhip defines it: no heading is needed, so turns are fair to all."""
    k = -(R @ y)
    lat = R @ z
    right = lat - (lat @ up)[:, None] * up
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    fwd = np.cross(up, right)
    e = np.degrees(np.arctan2(np.einsum("ij,ij->i", k, fwd), -(k @ up)))
    return np.where(e < -120, e + 360, e)


def orient(R: np.ndarray, acc0: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Pick R or R^T, whichever maps the resting accelerometer onto world up."""
    a = acc0 / np.linalg.norm(acc0)
    return R if (R[0] @ a) @ up > (R[0].T @ a) @ up else np.swapaxes(R, 1, 2)


def run_imufusion(s, rate):
    import imufusion

    st = imufusion.AhrsSettings()
    st.sample_rate, st.gyroscope_range, st.acceleration_rejection, st.rejection_timeout = rate, 2000, 10, int(5 * rate)
    ahrs = imufusion.Ahrs()
    ahrs.set_settings(st)
    bs = imufusion.BiasSettings()
    bs.sample_rate = rate
    bias = imufusion.Bias()
    bias.set_settings(bs)
    gyr, acc = np.degrees(s.gyr), s.acc / G
    q = np.empty((len(s), 4))
    for i in range(len(s)):
        ahrs.update_no_magnetometer(bias.update(gyr[i]), acc[i])
        q[i] = ahrs.get_quaternion()
    return quat_to_matrix(q), np.array([0.0, 0.0, 1.0])


def run_ahrs(cls, s, rate):
    f = cls(gyr=s.gyr, acc=s.acc, frequency=rate)
    return quat_to_matrix(f.Q), np.array([0.0, 0.0, 1.0])


def _cpu_seconds(fn, *args) -> float:
    t0 = time.process_time()
    fn(*args)
    return time.process_time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--scenarios", nargs="*", default=SCENARIOS)
    ap.add_argument("--no-others", action="store_true", help="only imuhip")
    ap.add_argument("--no-real", action="store_true", help="skip the real-session cases")
    ap.add_argument("--long", action="store_true", help="add one 60-minute run (1 seed)")
    args = ap.parse_args()
    others = {}
    if not args.no_others:
        from ahrs.filters import Madgwick, Mahony

        others = {"imufusion": run_imufusion, "ahrs-madgwick": lambda s, r: run_ahrs(Madgwick, s, r),
                  "ahrs-mahony": lambda s, r: run_ahrs(Mahony, s, r)}
    names = ["imuhip"] + list(others)
    warm = simulate("standing", seed=0, duration_s=5).recording["left_thigh"]
    segment_angles(warm, "left_thigh")  # load the compiled kernel before timing
    times = {n: 0.0 for n in names}
    samples = 0
    print(f"elevation RMSE (deg), mean / worst over {2 * args.seeds} mountings per scenario")
    print(f"{'scenario':20s} {'target':>6s} " + " ".join(f"{n:>15s}" for n in names))
    cases = [(sc, sc, {}, TARGETS.get(sc, float("nan"))) for sc in args.scenarios]
    cases += [] if args.no_real else REAL
    cases += [LONG] if args.long else []
    for label, sc, opts, target in cases:
        err = {n: [] for n in names}
        for seed in range(1 if label == LONG[0] else args.seeds):
            sim = simulate(sc, seed=1000 + seed, **opts)
            for side in ("left_thigh", "right_thigh"):
                s = sim.recording[side]
                truth = sim.truth[side]["elevation_deg"].to_numpy()
                samples += len(s)
                t0 = time.perf_counter()
                r = segment_angles(s, side)
                times["imuhip"] += time.perf_counter() - t0
                err["imuhip"].append(np.sqrt(np.nanmean((r.elevation - truth) ** 2)))
                cal = r.calibration
                y, z = np.asarray(cal.long_axis), np.asarray(cal.lateral_axis)
                # Frame convention from the end of the standing moment: every filter has
                # converged from its own initial orientation by then.
                i0 = min(len(s) - 1, int(np.searchsorted(s.time, cal.still_end_s)))
                for n, fn in others.items():
                    t0 = time.perf_counter()
                    R, up = fn(s, s.rate_hz)
                    times[n] += time.perf_counter() - t0
                    e = elevation_from_orientation(orient(R, s.acc[i0], up), up, y, z)
                    err[n].append(np.sqrt(np.mean((e - truth) ** 2)))
        print(f"{label:20s} {target:6.0f} " +
              " ".join(f"{np.mean(err[n]):6.2f} / {max(err[n]):6.2f}" for n in names))
    # Steady-state speed on one long recording (the per-call overhead of short clips left out).
    long_run = simulate("run", seed=1, duration_s=600.0).recording["left_thigh"]
    best = min(_cpu_seconds(segment_angles, long_run, "left_thigh") for _ in range(5))
    print(f"imuhip on one thigh of a 10-minute run: {len(long_run) / best / 1e6:.2f} M samples/s "
          f"(CPU time, best of 5; calibration + fusion)")
    print("speed (samples/s, one core; imuhip includes calibration from the data):")
    for n in names:
        rate = samples / times[n]
        ratio = f"   imuhip is {times[n] / times['imuhip']:.1f}x as fast" if n != "imuhip" else ""
        print(f"  {n:15s} {rate / 1e6:8.3f} M samples/s{ratio}")


if __name__ == "__main__":
    main()
