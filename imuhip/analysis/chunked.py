"""Analysis of imuhip CSV files too large to hold in memory (a 10-hour recording is ~1 GB of
text): read in pieces, calibrate each sensor on the first part of the file, stream every piece through the
same fusion kernel (`StreamingAngles`, bit-identical to a batch run with that calibration), and
keep only time and angles (86 MB per sensor for 10 h at 100 Hz).
"""

from __future__ import annotations

import os

import numpy as np

from imuhip.analysis.session import DRILLS, Analysis, Options, analyze_angles
from imuhip.analysis.timeline import read_segments
from imuhip.angles import SegmentAngles, StreamingAngles, segment_angles, table_of
from imuhip.errors import InputError
from imuhip.io.imuhip_csv import read_csv_chunks
from imuhip.recording import Recording

CALIBRATION_BYTES = 32 << 20  # ~17 min of two thighs at 100 Hz: where the sensor axes are found
PIECE_BYTES = 8 << 20  # read and fused a piece at a time


def analyze_csv_chunked(path: str | os.PathLike, drill: str | None = None, side: str = "both",
                        options: Options | None = None, source: str = "", calibration_bytes: int = CALIBRATION_BYTES,
                        piece_bytes: int = PIECE_BYTES, segments: str | os.PathLike | None = None) -> Analysis:
    """`analyze(read_csv(path))` in bounded memory; the sensor axes and sign come from the first
    `calibration_bytes` of the file (so it must begin with quiet standing and some movement, as usual).
    `segments`: a corrected timeline CSV (`--segments`), checked against the recording's span."""
    calibration_piece = read_csv_chunks(path, calibration_bytes)
    first = next(calibration_piece)
    calibration_piece.close()
    names = [n for n in first.sensors if "thigh" in n]
    if not names:
        raise InputError(f"no thigh sensor in the first {calibration_bytes >> 20} MB (sensors: "
                         f"{', '.join(first.sensors) or 'none'}); name them left_thigh / right_thigh", str(path))
    names += ["pelvis"] if "pelvis" in first.sensors else []
    standing = [(a.start_s, a.end_s) for a in first.annotations if a.drill == "standing"]
    live, notes = {}, {}
    for n in names:
        r = segment_angles(first.sensors[n], n, None, standing)
        live[n], notes[n] = StreamingAngles(r.calibration, n), r.warnings
    # One array per sensor and column, sized by the file's line count: pages never written are
    # never resident, and nothing is copied at the end (piecewise lists fragment the heap).
    capacity = _line_count(path)
    out = {n: np.empty((3, capacity)) for n in names}  # time, elevation, abduction
    filled = dict.fromkeys(names, 0)
    del first
    meta: dict[str, str] = {}
    annotations, warnings = [], []
    for rec in read_csv_chunks(path, piece_bytes):
        meta.update(rec.meta)
        annotations += rec.annotations
        warnings += rec.warnings
        for n, s in rec.sensors.items():
            if n not in live:
                raise InputError(f"sensor {n} first appears after the first {calibration_bytes >> 20} MB: "
                                 f"cannot calibrate it", str(path))
            i, j = filled[n], filled[n] + len(s)
            out[n][0, i:j] = s.time
            out[n][1, i:j], out[n][2, i:j] = live[n].update(s.time, s.acc, s.gyr)
            filled[n] = j
    results = {n: SegmentAngles(*out[n][:, :filled[n]], np.full(0, np.nan), live[n].calibration, notes[n])
               for n in names}
    table = table_of(results)
    # The table holds the angles now: let the per-sensor arrays go before the analysis runs.
    empty = np.empty(0)
    results = {n: SegmentAngles(empty, empty, empty, empty, r.calibration, r.warnings) for n, r in results.items()}
    del out
    context = Recording({}, meta, annotations, warnings)
    user = None
    if segments is not None:
        t = table["time_s"].to_numpy()
        user = read_segments(segments, DRILLS, float(t[0]), float(t[-1])) if len(t) else []
    return analyze_angles(table, results, context, drill, side, options, source, user)


def _line_count(path: str | os.PathLike, block: int = 16 << 20) -> int:
    """Lines in the file (an upper bound on its data rows)."""
    n = 1
    with open(path, "rb") as f:
        while chunk := f.read(block):
            n += chunk.count(b"\n")
    return n
