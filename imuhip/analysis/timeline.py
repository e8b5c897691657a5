"""The session timeline: what the athlete did when, as segments, and its CSV form.

`imuhip segments FILE --csv OUT` writes the recognised timeline; a coach corrects a label in a
spreadsheet and passes it back with `--segments OUT`. Columns: start_s, end_s, drill, side,
confidence, origin (the last two optional on reading). Times in s on the recording's clock.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from imuhip.errors import InputError

#: What recognition labels besides drills: postures and movements that no rule judges.
ACTIVITIES = ("standing", "sitting", "lying", "transition", "walk")
SEGMENT_SIDES = ("left", "right", "both", "none")
COLUMNS = ("start_s", "end_s", "drill", "side", "confidence", "origin")
REQUIRED = COLUMNS[:4]


@dataclass
class Segment:
    """One stretch of the session: [start_s, end_s] s, a drill or activity label, a side.

    origin: 'annotation' (in the file), 'user' (--drill or --segments) or 'detected'
    (recognition); confidence: 0-1, how clearly the data matched the rule (1 for the others).
    """

    start_s: float
    end_s: float
    drill: str
    side: str
    origin: str
    confidence: float = 1.0


def write_segments(segments: list[Segment], path: str | os.PathLike) -> None:
    """Write `segments` as the timeline CSV (COLUMNS, times to the millisecond)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for s in segments:
            w.writerow([f"{s.start_s:.3f}", f"{s.end_s:.3f}", s.drill, s.side, f"{s.confidence:.2f}", s.origin])


def read_segments(path: str | os.PathLike, known: set[str] | list[str], t0: float, t1: float,
                  tolerance_s: float = 0.5) -> list[Segment]:
    """Read a timeline CSV (as written by `write_segments`, possibly edited) as user segments.

    Every row is checked: numbers, start before end, a `known` drill or ACTIVITIES label, a side,
    times within [t0 - tolerance_s, t1 + tolerance_s] s, and no overlap with another row of a
    drill (activities may overlap). The first problem raises InputError naming the line.
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the segments file: {exc.strerror or exc}", where) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise InputError("the segments file is empty: expected a header " + ",".join(COLUMNS), where, 1)
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; the header needs {','.join(REQUIRED)} "
                         f"(confidence, origin optional), got {','.join(header)}", where, 1)
    col = {c: header.index(c) for c in COLUMNS if c in header}
    labels = set(known) | set(ACTIVITIES)
    out: list[tuple[int, Segment]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(x.strip() for x in row):
            continue
        if len(row) < len(header):
            raise InputError(f"{len(row)} value(s), the header has {len(header)}", where, line)
        get = {c: row[i].strip() for c, i in col.items()}
        try:
            start, end = float(get["start_s"]), float(get["end_s"])
        except ValueError:
            raise InputError(f"start_s / end_s must be numbers (s), got {get['start_s']!r}, {get['end_s']!r}",
                             where, line) from None
        if not end > start:
            raise InputError(f"end_s {end:g} is not after start_s {start:g}", where, line)
        if get["drill"] not in labels:
            raise InputError(f"unknown drill {get['drill']!r}; expected one of {', '.join(sorted(labels))}",
                             where, line)
        if get["side"] not in SEGMENT_SIDES:
            raise InputError(f"side {get['side']!r} is not one of {', '.join(SEGMENT_SIDES)}", where, line)
        if start < t0 - tolerance_s or end > t1 + tolerance_s:
            raise InputError(f"{start:g}-{end:g} s lies outside the recording ({t0:.3f}-{t1:.3f} s)", where, line)
        seg = Segment(max(start, t0), min(end, t1), get["drill"], get["side"], "user")
        if seg.drill not in ACTIVITIES:
            for other_line, o in out:
                if o.drill not in ACTIVITIES and o.start_s < seg.end_s and seg.start_s < o.end_s:
                    raise InputError(f"{seg.drill} {start:g}-{end:g} s overlaps {o.drill} {o.start_s:g}-{o.end_s:g} s "
                                     f"of line {other_line}", where, line)
        out.append((line, seg))
    return sorted((s for _, s in out), key=lambda s: s.start_s)
