"""One batch task, run in a worker process (local or Dask): analyse a recording, judge it, and
return the results as plain data; the coordinating process writes every file."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from imuhip import __version__
from imuhip.errors import ImuhipError, ImuhipWarning

LARGE_CSV_BYTES = 256 << 20  # imuhip CSV files above this (~2.5 h of two thighs) are analysed in pieces
SEGMENTS_SUFFIX = ".segments.csv"  # a corrected timeline, never a recording


@dataclass(frozen=True)
class Settings:
    """What every session of a batch is analysed with (a change re-does the whole batch)."""

    drill: str | None = None
    side: str = "both"
    threshold_deg: float = 90.0
    thresholds: str | None = None  # TOML of rules overriding the catalog
    html: bool = False
    segments: str | None = None  # a folder of corrected timelines NAME.segments.csv (see segments_file)

    def key(self) -> str:
        rules = Path(self.thresholds).read_text() if self.thresholds else ""
        return json.dumps([__version__, asdict(self), rules], sort_keys=True)


def segments_file(path: str | os.PathLike, settings: Settings) -> Path | None:
    """The corrected timeline of a recording, if there is one: `NAME.segments.csv` (NAME: the
    recording's file name without its extension, or its folder's name) in the `--segments`
    folder when one is given, else next to the recording."""
    p = Path(path)
    name = (p.name if p.is_dir() else p.stem) + SEGMENTS_SUFFIX
    f = Path(settings.segments) / name if settings.segments else p.parent / name
    return f if f.is_file() else None


def process(path: str, settings: Settings) -> dict:
    """{'report': analysis JSON with verdicts, 'rows': cohort rows, 'html': str or None,
    'seconds', 'peak_rss_mb', 'worker' (host:pid)}, or {'error', 'error_type', 'seconds', ...}."""
    t0 = time.perf_counter()
    try:
        out = _process(path, settings)
    except ImuhipError as exc:
        out = {"error": str(exc), "error_type": type(exc).__name__}
    except OSError as exc:
        out = {"error": f"{exc.filename or path}: {exc.strerror or exc}", "error_type": type(exc).__name__}
    except Exception as exc:  # a bad file must not stop the batch; this is a bug to report
        out = {"error": f"{path}: internal error {type(exc).__name__}: {exc} (please report it)",
               "error_type": "internal"}
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mb"] = _peak_rss_mb()
    out["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return out


def _process(path: str, settings: Settings) -> dict:
    from imuhip.analysis import Options, analyze
    from imuhip.analysis.chunked import analyze_csv_chunked
    from imuhip.analysis.session import read_user_segments
    from imuhip.batch.cohort import cohort_rows
    from imuhip.io import read_any
    from imuhip.io.detect import file_head
    from imuhip.report import load_catalog, verdicts
    from imuhip.report.html import render_html
    from imuhip.report.outputs import report_dict

    options = Options(threshold_deg=settings.threshold_deg)
    p = Path(path)
    timeline = segments_file(p, settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImuhipWarning)  # they are kept in the analysis' warnings
        if p.is_file() and p.stat().st_size > LARGE_CSV_BYTES and file_head(p).startswith("# imuhip-csv"):
            analysis = analyze_csv_chunked(p, settings.drill, settings.side, options, source=p.name,
                                           segments=timeline)
        else:
            rec = read_any(p)
            user = read_user_segments(timeline, rec) if timeline else None
            analysis = analyze(rec, settings.drill, settings.side, options, source=p.name, segments=user)
        found = verdicts(analysis, load_catalog(settings.thresholds))
        html = render_html(analysis, found) if settings.html else None
    return {"report": report_dict(analysis, found), "rows": cohort_rows(analysis, found, str(path)), "html": html}


def _peak_rss_mb() -> float:
    """Peak resident memory of this worker process so far (MB; nan where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024
