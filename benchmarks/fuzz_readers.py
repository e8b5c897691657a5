"""Mutation-fuzzing campaign of the readers: what `imuhip info` does (read_any, then describe) on
mutated copies of the real exports and our recordings (tests/mutate.py).

    python benchmarks/fuzz_readers.py --inputs 2880 --timeout 10

Each input runs in a worker process under a 3 GB address-space limit; an input is a failure when it
raises anything but an ImuhipError, returns a Recording with non-finite values (or whose description
says nan), or takes longer than --timeout seconds (hung: the worker is killed). Prints the counts,
and one line per failure kind with an example. The mutated copies live in a temporary folder.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import mutate  # noqa: E402

MEMORY_LIMIT = 3 << 30


def check(path: str) -> str:
    """'ok', 'refused <class>' or 'FAIL <what>' for one input (run inside the worker)."""
    import warnings

    import numpy as np

    from imuhip.errors import ImuhipError
    from imuhip.io import read_any
    from imuhip.summary import describe

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec = read_any(path)
            text = describe(rec, path)
    except ImuhipError as exc:
        return f"refused {type(exc).__name__}"
    except BaseException as exc:  # noqa: BLE001 - everything else is what the campaign counts
        return f"FAIL {type(exc).__name__}: {str(exc)[:120]}"
    for name, s in rec.sensors.items():
        if not (np.isfinite(s.acc).all() and np.isfinite(s.gyr).all() and np.isfinite(s.time).all()):
            return f"FAIL non-finite values in {name}"
    if " nan" in text:
        return "FAIL nan in the description"
    return "ok"


def worker() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    for line in sys.stdin:
        path = line.rstrip("\n")
        print(json.dumps([path, check(path)]), flush=True)


def run(paths: list[str], timeout: float) -> dict[str, str]:
    """Results by path; a worker that takes longer than `timeout` on one input is killed (hung)."""
    results: dict[str, str] = {}
    todo = list(paths)
    while todo:
        proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        proc.stdin.write("".join(p + "\n" for p in todo).encode())
        proc.stdin.close()
        fd = proc.stdout.fileno()
        started, buf, first = time.monotonic(), b"", True
        while todo:
            ready, _, _ = select.select([fd], [], [], 0.05)
            chunk = os.read(fd, 65536) if ready else b""
            buf += chunk
            *done, buf = buf.split(b"\n")
            for d in done:
                path, result = json.loads(d)
                results[path] = result
                todo.remove(path)
                started, first = time.monotonic(), False
            if not todo:
                break
            if ready and not chunk:  # end of output: the worker died on todo[0]
                proc.wait()
                results[todo.pop(0)] = f"FAIL worker died (exit {proc.returncode})"
                break
            limit = timeout + (5.0 if first else 0.0)  # the first input also pays for the imports
            if time.monotonic() - started > limit:
                proc.kill()
                results[todo.pop(0)] = f"FAIL hung (over {timeout:g} s)"
                break
        proc.wait()
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", type=int, default=2880)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--worker", action="store_true")
    args = ap.parse_args()
    if args.worker:
        worker()
        return
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        seeds = mutate.build_seeds(Path(tmp) / "seeds")
        cases = {}
        for k in range(args.inputs):
            seed = seeds[k % len(seeds)]
            path, what = mutate.mutate_copy(seed, Path(tmp) / f"m{k:05d}", rng)
            cases[str(path)] = what
        paths = list(cases)
        t0 = time.monotonic()
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(args.jobs) as pool:
            parts = pool.map(lambda j: run(paths[j::args.jobs], args.timeout), range(args.jobs))
            results = {k: v for part in parts for k, v in part.items()}
        elapsed = time.monotonic() - t0
    fails = {p: r for p, r in results.items() if r.startswith("FAIL")}
    kinds = collections.Counter(r.split(":")[0] if "hung" not in r else "FAIL hung" for r in fails.values())
    per_seed = collections.Counter(cases[p].split(":")[0] for p in fails)
    print(f"{len(fails)} of {len(results)} mutated inputs crashed or hung ({len(seeds)} seeds, seed {args.seed}, "
          f"timeout {args.timeout:g} s, {elapsed:.0f} s)")
    outcomes = collections.Counter(r if not r.startswith("FAIL") else "FAIL" for r in results.values())
    print("outcomes:", dict(outcomes.most_common()))
    for kind, n in kinds.most_common():
        example = next(p for p, r in fails.items() if r.startswith(kind) or (kind == "FAIL hung" and "hung" in r))
        print(f"  {n:5d}  {kind}  e.g. {cases[example]} -> {fails[example]}")
    print("failures per seed:", dict(per_seed.most_common()))


if __name__ == "__main__":
    main()
