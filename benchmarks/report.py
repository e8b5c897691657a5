"""Report rendering for a one-hour two-thigh session: time and HTML size.

    python benchmarks/report.py [--minutes 60]
"""

import argparse
import time

from imuhip.analysis import analyze
from imuhip.report import load_catalog, verdicts
from imuhip.report.html import render_html
from imuhip.simulate import simulate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60.0)
    args = ap.parse_args()
    rec = simulate("marching", seed=0, duration_s=args.minutes * 60).recording
    a = analyze(rec)
    t0 = time.perf_counter()
    found = verdicts(a, load_catalog())
    page = render_html(a, found, "Benchmark")
    dt = time.perf_counter() - t0
    print(f"{args.minutes:g} min session, {len(a.reps)} reps: verdicts + HTML {dt:.2f} s, "
          f"HTML {len(page.encode()) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
