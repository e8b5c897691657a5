"""A squad's knee-raise holds in one cohort table: analyse a folder of sessions in parallel.

    python examples/batch_cohort.py [FOLDER]

Without FOLDER, four simulated sessions (two athletes, two dates) are written to a temporary folder.
"""

import sys
import tempfile
from pathlib import Path

from imuhip.batch import run_batch
from imuhip.io import write_csv
from imuhip.simulate import simulate

if __name__ == "__main__":  # worker processes import this file: keep the work under this guard
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp) / "squad"
        if len(sys.argv) == 1:
            for i, (athlete, date, left, right) in enumerate([("Ana", "2026-03-01", 24, 22), ("Ana", "2026-03-15", 31, 30),
                                                              ("Ben", "2026-03-01", 35, 18), ("Ben", "2026-03-15", 36, 26)]):
                rec = simulate("knee_raise_hold", seed=i, hold_s={"left": left, "right": right}).recording
                rec.meta.update(athlete=athlete, date=date)
                (folder / athlete).mkdir(parents=True, exist_ok=True)
                write_csv(rec, folder / athlete / f"{date}.csv")
        result = run_batch([folder], Path(tmp) / "out", workers=2, progress=False)
        table = result.cohort[["athlete", "date", "side", "longest_hold_s", "knee_raise_hold_30s"]]
        print(table.to_string(index=False, float_format="%.1f"))
        print(f"{result.found} sessions, {result.failed} failed, {result.seconds:.1f} s")
