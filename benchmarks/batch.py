"""imuhip batch throughput and worker memory.

    pip install -e '.[dask]'
    python benchmarks/batch.py [--sessions 200] [--long-hours 10]

1. `--sessions` simulated one-minute two-thigh 100 Hz sessions (marching, knee-raise holds,
   A-skips, jogging in turn): sessions/s for a plain in-process loop over `analyze` (the baseline:
   no batch machinery, one core), `run_batch` with 1 and 2 local worker processes, and on a
   2-worker `dask.distributed.LocalCluster`; speed-up against 1 worker.
2. A `--long-hours` recording (a one-hour simulation repeated end to end, ~1 GB of CSV at 10 h)
   batched with one small session: the peak resident memory of the worker that analysed it.
Simulating and writing the inputs is not timed.
"""

import argparse
import multiprocessing
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from imuhip.analysis import analyze
from imuhip.batch import Settings, run_batch
from imuhip.io import read_any, write_csv
from imuhip.io.imuhip_csv import CsvWriter, merged_rows
from imuhip.simulate import simulate

SCENARIOS = [("marching", {"duration_s": 60}), ("knee_raise_hold", {"hold_s": {"left": 20.0, "right": 20.0}}),
             ("a_skips", {}), ("jog", {"duration_s": 60})]


def make_sessions(folder: Path, n: int) -> None:
    """n one-minute sessions (a few templates with different seeds, written as separate files)."""
    templates = []
    for k, (name, kw) in enumerate(SCENARIOS):
        rec = simulate(name, seed=k, **kw).recording
        for s in rec.sensors.values():
            m = s.time <= s.time[0] + 60.0
            s.time, s.acc, s.gyr = s.time[m], s.acc[m], s.gyr[m]
        templates.append(rec)
    for i in range(n):
        rec = templates[i % len(templates)]
        rec.meta["athlete"] = f"athlete {i % 25:02d}"
        write_csv(rec, folder / f"session_{i:04d}.csv")


def make_long(path: Path, hours: float) -> None:
    """A long two-thigh recording: one simulated hour repeated end to end."""
    rec = simulate("marching", seed=0, duration_s=3600).recording
    labels, values = merged_rows(rec)
    span = float(values[-1, 0] - values[0, 0]) + 0.01
    with CsvWriter(path, rec.meta, {n: s.meta for n, s in rec.sensors.items()}) as w:
        for a in rec.annotations:
            w.annotate(a)
        for k in range(int(np.ceil(hours))):
            v = values.copy()
            v[:, 0] += k * span
            keep = v[:, 0] <= hours * 3600
            w.write_rows([lab for lab, ok in zip(labels, keep) if ok], v[keep])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--long-hours", type=float, default=10.0)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        inputs = d / "sessions"
        inputs.mkdir()
        make_sessions(inputs, args.sessions)
        files = sorted(inputs.glob("*.csv"))
        print(f"{args.sessions} one-minute two-thigh 100 Hz sessions on {multiprocessing.cpu_count()} cores")

        analyze(read_any(files[0]))  # compile the kernel once for the in-process baseline
        t0 = time.perf_counter()
        for f in files:
            analyze(read_any(f))
        base = args.sessions / (time.perf_counter() - t0)
        print(f"  {'plain loop over analyze(), in process':42s} {base:7.2f} sessions/s")

        rates = {}
        for label, kw in (("run_batch, 1 local worker", {"workers": 1}),
                          ("run_batch, 2 local workers", {"workers": 2})):
            r = run_batch([inputs], d / label.replace(" ", "_"), Settings(), progress=False, **kw)
            assert r.failed == 0, r.errors
            rates[label] = (args.sessions / r.seconds, (args.sessions - 1) / (r.seconds - r.first_result_s))
        try:
            from distributed import LocalCluster
        except ImportError:
            print("  (dask.distributed not installed: pip install -e '.[dask]' for the LocalCluster figure)")
        else:
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=50) as cluster:
                r = run_batch([inputs], d / "dask", Settings(), scheduler=cluster.scheduler_address, progress=False)
                assert r.failed == 0, r.errors
                rates["run_batch, Dask LocalCluster 2 workers"] = (args.sessions / r.seconds,
                                                                   (args.sessions - 1) / (r.seconds - r.first_result_s))
        one, one_steady = rates["run_batch, 1 local worker"]
        for label, (rate, steady) in rates.items():
            print(f"  {label:42s} {rate:7.2f} sessions/s (x{rate / one:.2f} vs 1 worker, x{rate / base:.2f} vs "
                  f"the plain loop); after the first result {steady:7.2f} sessions/s (x{steady / one_steady:.2f})")
        print("  (the first figure includes worker start-up: a new process loading imuhip and the compiled kernel)")

        if args.long_hours > 0:
            long_dir = d / "long"
            long_dir.mkdir()
            make_long(long_dir / "long.csv", args.long_hours)
            write_csv(read_any(files[1]), long_dir / "short.csv")
            size = (long_dir / "long.csv").stat().st_size / 1e9
            r = run_batch([long_dir], d / "long_out", Settings(), workers=1, progress=False)
            assert r.failed == 0, r.errors
            print(f"{args.long_hours:g}-hour recording ({size:.2f} GB CSV) in a 1-worker batch: {r.seconds:.1f} s, "
                  f"worker peak resident memory {r.peak_rss_mb:.0f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()
