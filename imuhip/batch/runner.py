"""Run a batch: find the recordings, skip those already done with the same content and settings,
analyse the rest in parallel (local worker processes, or a Dask cluster: one code path, both are
`concurrent.futures` executors), write per-session outputs as results arrive, then the cohort.

Output folder:
  sessions/<name>-<id>.json (and .html)   per session: analysis + verdicts (docs/analysis-json.md)
  cohort.parquet, cohort.csv              one row per session and side (imuhip.batch.cohort)
  errors.csv                              source, error_type, message of every failed session
  manifest.jsonl                          one line per finished task: what a rerun skips

A recording's corrected timeline `NAME.segments.csv` (next to it, or in `Settings.segments`)
replaces its recognised one (imuhip.batch.work.segments_file); such files are never recordings.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from imuhip.batch.cohort import FIRST, NUMERIC
from imuhip.batch.discover import content_hash, find_recordings
from imuhip.batch.work import SEGMENTS_SUFFIX, Settings, process, segments_file
from imuhip.errors import ImuhipError

MANIFEST = "manifest.jsonl"


@dataclass
class BatchResult:
    found: int
    analysed: int
    skipped: int  # unchanged since an earlier run
    failed: int
    cohort: pd.DataFrame
    errors: pd.DataFrame
    seconds: float
    peak_rss_mb: float  # largest peak resident memory reported by a worker (this run)
    first_result_s: float  # from the start to the first finished session (worker start-up included)


def _session_name(path: Path) -> str:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    return f"{path.name}-{digest}"


def _load_manifest(path: Path) -> dict[str, dict]:
    """Latest entry per source (a line cut short by a crash is ignored)."""
    entries = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                e = json.loads(line)
                entries[e["source"]] = e
            except (ValueError, KeyError, TypeError):
                continue
    return entries


def _executor(workers: int | None, scheduler: str | None):
    """(executor, client or None): local processes, or Dask's executor on the named scheduler."""
    if not scheduler:
        ctx = multiprocessing.get_context("spawn")  # same start on every OS; no fork of threads
        return cf.ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=ctx), None
    try:
        from distributed import Client
    except ImportError:
        raise ImuhipError("--scheduler needs Dask: pip install 'imuhip[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ImuhipError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    return client.get_executor(pure=False), client


def run_batch(inputs: list[str | os.PathLike], out: str | os.PathLike, settings: Settings = Settings(),
              workers: int | None = None, scheduler: str | None = None, progress: bool = True) -> BatchResult:
    """Analyse every recording under `inputs` into `out` (see the module docstring)."""
    t0 = time.perf_counter()
    out = Path(out)
    (out / "sessions").mkdir(parents=True, exist_ok=True)
    files = [f for f in find_recordings(inputs, exclude=[out]) if not f.name.endswith(SEGMENTS_SUFFIX)]
    done = _load_manifest(out / MANIFEST)
    key = settings.key()
    entries: dict[str, dict] = {}
    todo: list[tuple[Path, str]] = []
    for f in files:
        source, digest = str(f.resolve()), content_hash(f)
        timeline = segments_file(f, settings)
        if timeline is not None:  # a corrected timeline is part of the input: editing it re-does the session
            digest += "+" + content_hash(timeline)
        prev = done.get(source)
        if (prev and "error" not in prev and prev["hash"] == digest and prev["settings"] == key
                and (out / prev["json"]).exists()):
            entries[source] = prev
        else:
            todo.append((f, digest))
    skipped = len(entries)
    todo.sort(key=lambda item: -_size(item[0]))  # longest first: no long task left alone at the end
    peak, futures, first = 0.0, {}, float("nan")
    if todo:
        executor, client = _executor(workers, scheduler)
        bar = _bar(len(todo), progress)
        try:
            with executor, open(out / MANIFEST, "a", encoding="utf-8") as manifest:
                futures = {executor.submit(process, str(f), settings): (f, digest) for f, digest in todo}
                for fut in cf.as_completed(futures):
                    f, digest = futures[fut]
                    try:
                        result = fut.result()
                    except Exception as exc:  # the worker died (out of memory, killed) or was lost
                        result = {"error": f"{f}: worker failed: {type(exc).__name__}: {exc}",
                                  "error_type": "worker"}
                    if first != first:
                        first = time.perf_counter() - t0
                    entry = _save(out, f, digest, key, result)
                    manifest.write(json.dumps(entry) + "\n")
                    manifest.flush()
                    entries[entry["source"]] = entry
                    peak = max(peak, result.get("peak_rss_mb", 0.0))
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(failed=sum("error" in e for e in entries.values()), refresh=False)
        except KeyboardInterrupt:
            for fut in futures:
                fut.cancel()
            raise ImuhipError(f"interrupted: {len(entries) - skipped} of {len(todo)} sessions done and kept in "
                              f"{out}; run the same command again to go on") from None
        finally:
            if bar is not None:
                bar.close()
            if client is not None:
                client.close()
    ordered = [entries[str(f.resolve())] for f in files]
    cohort = pd.DataFrame([r for e in ordered if "error" not in e for r in e["rows"]])
    cohort = cohort.reindex(columns=FIRST + sorted(c for c in cohort.columns if c not in FIRST))
    for c in cohort.columns:
        if c in NUMERIC or c.endswith(".value"):
            cohort[c] = pd.to_numeric(cohort[c]).astype(float)  # a column of only None is still numbers
    errors = pd.DataFrame([{"source": e["path"], "error_type": e["error_type"], "message": e["error"]}
                           for e in ordered if "error" in e], columns=["source", "error_type", "message"])
    cohort.to_csv(out / "cohort.csv", index=False, float_format="%.4g")
    cohort.to_parquet(out / "cohort.parquet", index=False)
    errors.to_csv(out / "errors.csv", index=False)
    tmp = out / (MANIFEST + ".tmp")  # compacted: the latest entry of each recording still there
    tmp.write_text("".join(json.dumps(e) + "\n" for e in ordered), encoding="utf-8")
    tmp.replace(out / MANIFEST)
    return BatchResult(len(files), len(todo), skipped, len(errors), cohort, errors, time.perf_counter() - t0, peak,
                       first)


def _save(out: Path, f: Path, digest: str, key: str, result: dict) -> dict:
    """Write one session's files; the manifest entry that records them."""
    entry = {"source": str(f.resolve()), "path": str(f), "hash": digest, "settings": key,
             "seconds": round(result.get("seconds", float("nan")), 3), "worker": result.get("worker", "")}
    if "error" in result:
        return dict(entry, error=result["error"], error_type=result["error_type"])
    name = _session_name(f)
    (out / "sessions" / f"{name}.json").write_text(json.dumps(result["report"], indent=1), encoding="utf-8")
    if result.get("html"):
        (out / "sessions" / f"{name}.html").write_text(result["html"], encoding="utf-8")
    return dict(entry, json=f"sessions/{name}.json", rows=result["rows"])


def _size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size


def _bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="session", desc="imuhip batch", file=sys.stderr, dynamic_ncols=True,
                smoothing=0.05, mininterval=0.5)
