"""Start-up of the command line, and the first report against a warm one.

    python benchmarks/startup.py [--runs 5]

Prints the median wall time of `imuhip --help`, `imuhip info` and `imuhip report` (the report
twice: with an empty numba cache, as after install, then warm), and the heaviest imports of
`python -X importtime -c "import imuhip.cli"`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "recordings"


def wall(args, env=None) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "imuhip.cli", *args], capture_output=True, check=True, env=env)
    return time.perf_counter() - t


def median(args, runs: int) -> float:
    return statistics.median(wall(args) for _ in range(runs))


def heaviest_imports(n: int = 6) -> list[tuple[int, str]]:
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import imuhip.cli"], capture_output=True,
                       text=True)
    rows = []
    for line in r.stderr.splitlines()[1:]:
        _, self_us, total_us, name = (part.strip() for part in line.replace(":", "|", 1).split("|"))
        rows.append((int(total_us), name))
    return sorted(rows, reverse=True)[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"imuhip --help: {median(['--help'], args.runs):.3f} s (median of {args.runs})")
    print(f"imuhip info demo_knee_raise.csv: {median(['info', str(DEMO / 'demo_knee_raise.csv')], args.runs):.3f} s")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        report = ["report", str(DEMO / "demo_session.csv")]
        first = wall(report, env)
        warm = statistics.median(wall(report, env) for _ in range(max(1, args.runs // 2)))
    print(f"imuhip report demo_session.csv: first (empty numba cache) {first:.2f} s, warm {warm:.2f} s "
          f"({first / warm:.1f}x)")
    print("heaviest imports of `import imuhip.cli` (cumulative):")
    for total_us, name in heaviest_imports():
        print(f"  {total_us / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
