"""Reading speed of the imuhip CSV reader: a one-hour two-thigh 100 Hz recording (720,000 rows).

    python benchmarks/read_csv.py [--hours H]

Prints the time of imuhip.read_csv (with all validation) next to a bare pandas.read_csv
of the same file (no validation), and their ratio.
"""

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from imuhip import read_csv, write_csv
from imuhip.simulate import simulate


def best_of(fn, n=3):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=1.0)
    args = ap.parse_args()
    sim = simulate("standing", duration_s=args.hours * 3600, seed=0)
    rows = sum(len(s) for s in sim.recording.sensors.values())
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "hour.csv"
        t_write = best_of(lambda: write_csv(sim.recording, path), 1)
        size = path.stat().st_size / 1e6
        t_ours = best_of(lambda: read_csv(path))
        t_pandas = best_of(lambda: pd.read_csv(path, comment="#"))
    print(f"rows: {rows}, file {size:.1f} MB")
    print(f"imuhip.read_csv (validated): {t_ours:.3f} s  ({rows / t_ours / 1e6:.2f} M rows/s)")
    print(f"pandas.read_csv (bare):      {t_pandas:.3f} s  ratio imuhip/pandas {t_ours / t_pandas:.2f}")
    print(f"imuhip.write_csv:            {t_write:.3f} s")


if __name__ == "__main__":
    main()
