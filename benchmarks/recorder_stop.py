"""Ctrl-C at every phase of recorder start-up: how long `imuhip record --simulate` takes to exit.

    python benchmarks/recorder_stop.py [RUNS]

Each run starts the recorder on simulated sensors and sends SIGINT a chosen time after the output
file appears (negative: after the process starts, before the file exists). Prints per delay the
exit codes, the slowest exit after the signal (s) and whether every file reads.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: s after the file appears (negative: s after start, before it), covering warm-up, connecting,
#: starting the streams and streaming.
DELAYS = (-0.5, 0.0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.5, 1.5)
#: The longest a stop may take (s).
STOP_LIMIT_S = 2.0


def interrupt_once(out: Path, delay: float, sig: int = signal.SIGINT) -> tuple[int | None, float]:
    """(exit code or None when it had to be killed, s from the signal to exit) of one recorder run."""
    proc = subprocess.Popen([sys.executable, "-m", "imuhip.cli", "record", "--simulate", "--no-keys", "--out",
                             str(out), "--duration", "60"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    start = time.monotonic()
    if delay < 0:
        time.sleep(-delay)
    else:
        while not out.exists() and time.monotonic() - start < 60 and proc.poll() is None:
            time.sleep(0.002)
        time.sleep(delay)
    sent = time.monotonic()
    os.kill(proc.pid, sig)
    try:
        code = proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, float("inf")
    return code, time.monotonic() - sent


def readable(out: Path) -> bool:
    """Whether the file reads (no file, or a header without rows when stopped before the first
    sample, count as readable)."""
    from imuhip import read_csv
    from imuhip.errors import EmptyFileError, ImuhipError

    if not out.exists():
        return True
    try:
        read_csv(out, check=False)
    except EmptyFileError:
        return True
    except ImuhipError:
        return False
    return True


def main(runs: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        worst_all, tries, unreadable = 0.0, 0, 0
        for delay in DELAYS:
            codes, worst = [], 0.0
            for k in range(runs):
                out = Path(tmp) / f"{delay}_{k}.csv"
                code, took = interrupt_once(out, delay)
                codes.append(code)
                worst = max(worst, took)
                unreadable += not readable(out)
            tries += runs
            worst_all = max(worst_all, worst)
            print(f"SIGINT {delay:+.2f} s: exit codes {codes}, slowest stop {worst:.2f} s")
        print(f"{tries} runs, slowest stop {worst_all:.2f} s (limit {STOP_LIMIT_S:g} s), {unreadable} unreadable "
              f"file(s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
