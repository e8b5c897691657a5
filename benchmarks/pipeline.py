"""End to end on a one-hour two-thigh 100 Hz session: read, angles, analysis, JSON.

    python benchmarks/pipeline.py [--minutes 60] [--scenario marching]

Prints the time of each stage (the simulation and writing of the input are not timed).
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from imuhip.analysis import analyze
from imuhip.angles import angles_table
from imuhip.io import read_any, write_csv
from imuhip.simulate import simulate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--scenario", default="marching")
    args = ap.parse_args()
    sim = simulate(args.scenario, seed=0, duration_s=args.minutes * 60)
    warm = simulate("marching", seed=1, duration_s=10).recording
    analyze(warm)  # load the compiled kernel
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "hour.csv", Path(d) / "hour.json"
        write_csv(sim.recording, src)
        stages = {}
        t0 = time.perf_counter()
        rec = read_any(src)
        stages["read"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        angles_table(rec)
        stages["angles (calibration + fusion, both thighs)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = analyze(rec)
        stages["analyze (angles again + events + symmetry)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out.write_text(json.dumps(result.to_dict()))
        stages["JSON"] = time.perf_counter() - t0
    rows = sum(len(s) for s in rec.sensors.values())
    print(f"{args.scenario}, {args.minutes:g} min, {rows} rows; {len(result.reps)} reps found")
    for k, v in stages.items():
        print(f"  {k:45s} {v:6.2f} s")
    total = stages["read"] + stages["analyze (angles again + events + symmetry)"] + stages["JSON"]
    print(f"  {'end to end (read + analyze + JSON)':45s} {total:6.2f} s")


if __name__ == "__main__":
    main()
