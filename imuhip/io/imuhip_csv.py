"""The imuhip CSV format, version 1 (specified in docs/csv-format.md).

    # imuhip-csv: 1
    # athlete: Jane Doe
    # sensor.left_thigh.device: Polar Verity Sense
    # annotation: 12.5,42.5,standing_knee_raise,left
    time_s,sensor,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z
    0.0,left_thigh,0.12,9.79,0.31,0.001,-0.002,0.0

One row per sample per sensor, sensors interleaved in any order; floats written as the
shortest text that reads back to the same float64 (Python's repr), so a round trip is
bit-exact. `CsvWriter` appends rows as they arrive; a file cut off mid-line reads up to
its last complete row.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import warnings
from pathlib import Path
from typing import IO, Iterator

import numpy as np
import pandas as pd

from imuhip.errors import (
    ColumnError,
    EmptyFileError,
    ImuhipWarning,
    InputError,
    NonFiniteError,
    TimeOrderError,
    UnknownSensorError,
    ValueFormatError,
)
from imuhip.io.streamcheck import check_stream
from imuhip.io.text import check_text
from imuhip.io.units import MIN_SAMPLES, check_units, to_si
from imuhip.recording import KNOWN_LOCATIONS, Annotation, Recording, SensorData

FORMAT_VERSION = 1
MARKER_KEY = "imuhip-csv"
COLUMNS = ("time_s", "sensor", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
NUMERIC = tuple(c for c in COLUMNS if c != "sensor")
SENSOR_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KEY_VALUE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*:\s?(.*?)\r?$")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), value)


def _annotation_text(a: Annotation) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([repr(float(a.start_s)), repr(float(a.end_s)), a.drill, a.side])
    return buf.getvalue()


def _format_rows(labels: list[str], values: np.ndarray) -> str:
    """Data rows (shortest round-trip float text), one per entry of `labels`, each ending in a newline."""
    return "".join(
        f"{t!r},{name},{ax!r},{ay!r},{az!r},{gx!r},{gy!r},{gz!r}\n"
        for name, (t, ax, ay, az, gx, gy, gz) in zip(labels, values.tolist())
    )


class CsvWriter:
    """Append-friendly writer: header block first, then rows and annotations as they come.

    Use as a context manager. `flush()` pushes written rows to the OS (and to disk with
    `fsync=True`), so a crash loses at most what came after the last flush.
    """

    def __init__(self, path: str | os.PathLike, meta: dict[str, str] | None = None,
                 sensor_meta: dict[str, dict[str, str]] | None = None):
        self.path = Path(path)
        self._file: IO[str] = open(self.path, "w", encoding="utf-8", newline="\n")
        lines = [f"# {MARKER_KEY}: {FORMAT_VERSION}"]
        lines += [f"# {k}: {_escape(v)}" for k, v in (meta or {}).items()]
        for name, smeta in (sensor_meta or {}).items():
            _check_sensor_name(name)
            lines += [f"# sensor.{name}.{k}: {_escape(v)}" for k, v in smeta.items()]
        lines.append(",".join(COLUMNS))
        self._file.write("\n".join(lines) + "\n")

    def append(self, sensor: str, time, acc, gyr) -> None:
        """Write samples of one sensor: time (N,) s, acc (N, 3) m/s^2, gyr (N, 3) rad/s."""
        _check_sensor_name(sensor)
        time = np.atleast_1d(np.asarray(time, dtype=np.float64))
        values = np.column_stack([time, np.reshape(acc, (-1, 3)), np.reshape(gyr, (-1, 3))])
        self._file.write(_format_rows([sensor] * len(time), values))

    def write_rows(self, sensors: list[str], values: np.ndarray) -> None:
        """Write rows of several sensors: `values` (N, 7) = time_s, acc (m/s^2), gyr (rad/s)."""
        for name in set(sensors):
            _check_sensor_name(name)
        self._file.write(_format_rows(sensors, np.asarray(values, dtype=np.float64)))

    def write_comment(self, text: str) -> None:
        """A plain `#` comment line (text that would read as `key: value` metadata loses its colons)."""
        text = _escape(text)
        self._file.write("# " + (text.replace(":", " -") if _KEY_VALUE.match(text) else text) + "\n")

    def annotate(self, annotation: Annotation) -> None:
        self._file.write(f"# annotation: {_annotation_text(annotation)}\n")

    def flush(self, fsync: bool = False) -> None:
        self._file.flush()
        if fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> "CsvWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _check_sensor_name(name: str) -> None:
    if not SENSOR_NAME.match(name):
        raise InputError(f"sensor name {name!r} must start with a letter and hold only letters, digits and _")


def write_csv(recording: Recording, path: str | os.PathLike) -> None:
    """Write `recording` as imuhip CSV v1, rows of all sensors merged in time order."""
    names = list(recording.sensors)
    with CsvWriter(path, recording.meta, {n: recording.sensors[n].meta for n in names}) as w:
        for a in recording.annotations:
            w.annotate(a)
        if names:
            w.write_rows(*merged_rows(recording))


def merged_rows(recording: Recording) -> tuple[list[str], np.ndarray]:
    """(sensor label per row, rows (N, 7): time_s, acc, gyr) of all sensors merged in time order."""
    names = list(recording.sensors)
    sensors = [recording.sensors[n] for n in names]
    time = np.concatenate([s.time for s in sensors])
    which = np.concatenate([np.full(len(s), i) for i, s in enumerate(sensors)])
    order = np.lexsort((which, time))
    values = np.concatenate([np.column_stack([s.time, s.acc, s.gyr]) for s in sensors])[order]
    return [names[i] for i in which[order].tolist()], values


# ---------------------------------------------------------------- reading


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _data_line_numbers(body: bytes, first_line: int) -> np.ndarray:
    """1-based file line numbers of the data rows in `body` (comment and blank lines skipped)."""
    if not (body.startswith((b"#", b"\n", b"\r")) or b"\n#" in body or b"\n\n" in body or b"\n\r" in body):
        return np.arange(body.count(b"\n") + (not body.endswith(b"\n") and len(body) > 0)) + first_line
    buf = np.frombuffer(body, dtype=np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(buf == 10) + 1])
    starts = starts[starts < len(buf)]
    first = buf[starts]
    is_data = (first != ord("#")) & (first != 10) & (first != 13)
    return np.flatnonzero(is_data) + first_line


def _comment_lines(data: bytes):
    """(byte offset, text) of every line that starts with `#`."""
    pos = 0 if data.startswith(b"#") else data.find(b"\n#")
    while pos != -1:
        start = pos if data[pos:pos + 1] == b"#" else pos + 1
        end = data.find(b"\n", start)
        yield start, data[start + 1:end if end != -1 else len(data)]
        pos = -1 if end == -1 else data.find(b"\n#", end)


def _parse_comments(data: bytes, path: str, line0: int = 0):
    """Metadata, sensor metadata and annotations from the `#` lines (line numbers + `line0`)."""
    meta: dict[str, str] = {}
    sensor_meta: dict[str, dict[str, str]] = {}
    annotations: list[Annotation] = []
    version = None
    for start, raw in _comment_lines(data):
        text = raw.decode("utf-8", errors="replace")
        kv = _KEY_VALUE.match(text)
        if not kv:
            continue  # a plain comment
        key, value = kv.group(1), _unescape(kv.group(2))
        line = None
        try:
            if key == MARKER_KEY:
                version = int(value)
                if version > FORMAT_VERSION:
                    raise ValueError(f"format version {version} is newer than this imuhip reads "
                                     f"({FORMAT_VERSION}); upgrade imuhip")
            elif key == "annotation":
                fields = next(csv.reader([value]))
                if len(fields) != 4:
                    raise ValueError(f"annotation needs start_s,end_s,drill,side; got {value!r}")
                annotations.append(Annotation(float(fields[0]), float(fields[1]), fields[2], fields[3]))
            elif key.startswith("sensor."):
                parts = key.split(".", 2)
                if len(parts) != 3:
                    raise ValueError(f"sensor metadata key must be sensor.<name>.<key>; got {key!r}")
                sensor_meta.setdefault(parts[1], {})[parts[2]] = value
            else:
                meta[key] = value
        except (ValueError, InputError) as exc:
            line = _line_of(data, start) + line0
            raise ColumnError(f"bad metadata line: {getattr(exc, 'detail', exc)}", path, line) from None
    return version, meta, sensor_meta, annotations


def _same_after_strip(names, codes: np.ndarray, lines: np.ndarray, path_s: str) -> None:
    """ValueFormatError when two sensor names differ only in surrounding white space ('left_thigh' and
    'left_thigh '): one sensor written two ways, or two sensors, which the reader cannot tell."""
    seen: dict[str, int] = {}
    for k, raw in enumerate(names):
        name = str(raw).strip()
        if name in seen:
            first, again = (int(lines[np.flatnonzero(codes == j)[0]]) for j in (seen[name], k))
            raise ValueFormatError(
                f"sensor names {str(names[seen[name]])!r} (line {first}) and {str(raw)!r} differ only in white "
                f"space: one sensor or two? write every row of a sensor with the same name", path_s, again)
        seen[name] = k


def _check_header(header: list[str], path: str, line: int) -> None:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        hints = []
        for c in missing:
            close = difflib.get_close_matches(c, header, n=1, cutoff=0.6)
            hints.append(f"{c} (found {close[0]!r}?)" if close else c)
        raise ColumnError(
            f"missing column(s) {', '.join(hints)}; expected header {','.join(COLUMNS)}; "
            f"found {','.join(header)}", path, line)
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise ColumnError(f"duplicated column(s) {', '.join(dupes)}", path, line)


def _field_count_error(body: bytes, lines: np.ndarray, ncols: int, path: str) -> None:
    """Raise ColumnError at the first data row with the wrong number of fields, if any."""
    rows = [r for r in body.split(b"\n") if r and r[:1] not in (b"#", b"\r")]
    for i, r in enumerate(rows):
        n = r.rstrip(b"\r").count(b",") + 1
        if n != ncols:
            raise ColumnError(f"expected {ncols} fields, found {n}", path, int(lines[i]))


def _first_non_numeric(df_text: pd.DataFrame, lines: np.ndarray, path: str) -> None:
    for col in NUMERIC:
        values = df_text[col]
        parsed = pd.to_numeric(values, errors="coerce")
        bad = np.flatnonzero(parsed.isna().to_numpy() & values.notna().to_numpy())
        if bad.size:
            i = int(bad[0])
            raise ValueFormatError(
                f"column {col}: {values.iloc[i]!r} is not a number "
                f"({bad.size} such value(s) in this column)", path, int(lines[i]))


def read_csv(path: str | os.PathLike, *, strict: bool = False, acc_unit: str = "m/s^2",
             gyr_unit: str = "rad/s", check: bool = True) -> Recording:
    """Read an imuhip CSV file into a `Recording`.

    `acc_unit` ('m/s^2', 'g', 'mg') and `gyr_unit` ('rad/s', 'deg/s') declare the units of
    the file when they differ from the format's; values are converted on reading.
    `strict` rejects sensor names other than left_thigh, right_thigh, pelvis.
    `check=False` skips the unit plausibility checks (for deliberately odd data).
    Raises an `InputError` subclass naming the file and line; warns (`ImuhipWarning`)
    about gaps and a truncated last line, which are also listed in `Recording.warnings`.
    """
    path_s = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path_s) from None
    return _parse(data, path_s, strict, acc_unit, gyr_unit, check)


def read_csv_chunks(path: str | os.PathLike, chunk_bytes: int = 64 << 20, *, acc_unit: str = "m/s^2",
                    gyr_unit: str = "rad/s", check: bool = True) -> Iterator[Recording]:
    """A large imuhip CSV in pieces of about `chunk_bytes` of file, each a `Recording` holding that
    piece's rows (a sensor without rows there is absent) and the metadata and annotations written
    in that piece; memory stays near `chunk_bytes` whatever the file's size. Same checks and messages as
    `read_csv` (file and line), also for time going backwards across two pieces; gap warnings are
    left out (`imuhip info` lists gaps)."""
    path_s = str(path)
    last_time: dict[str, float] = {}
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path_s) from None
    with f:
        data = f.read(chunk_bytes) + f.readline()
        header = re.search(rb"^(?!#)[^\r\n]*\S[^\r\n]*$", data, re.M)
        line0 = 0  # data's line 1 is the file's line line0 + 1
        next_line = 1 + data.count(b"\n")  # the file's line where the next piece starts
        while data:
            rec = _parse(data, path_s, False, acc_unit, gyr_unit, check, line0, gap_notes=False, allow_empty=True)
            for name, s in rec.sensors.items():
                if name in last_time and s.time[0] <= last_time[name]:
                    raise TimeOrderError(f"time {float(s.time[0])!r} s of sensor {name} does not follow "
                                         f"{last_time[name]!r} s of the rows before line {line0 + 2}; time must "
                                         f"increase strictly within each sensor", path_s, None)
                last_time[name] = float(s.time[-1])
            yield rec
            block = f.read(chunk_bytes)
            if not block or header is None:
                break
            block += f.readline()
            data = header.group(0).rstrip(b"\r") + b"\n" + block
            line0 = next_line - 2  # the header line stands in front of the piece
            next_line += block.count(b"\n")


def _parse(data: bytes, path_s: str, strict: bool, acc_unit: str, gyr_unit: str, check: bool, line0: int = 0,
           gap_notes: bool = True, allow_empty: bool = False) -> Recording:
    """The Recording in `data` (a whole file, or a header line and a piece of one whose first line
    is line `line0 + 1` of the file)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    check_text(data, path_s, line0 + 1, nul=True)  # metadata text may hold any character
    notes: list[str] = []

    version, meta, sensor_meta, annotations = _parse_comments(data, path_s, line0)

    # Header: first line that is neither a comment nor blank.
    header_match = re.search(rb"^(?!#)[^\r\n]*\S[^\r\n]*$", data, re.M)
    if header_match is None:
        raise EmptyFileError(f"no header row; expected {','.join(COLUMNS)}", path_s, None)
    header_line = _line_of(data, header_match.start()) + line0
    header = [h.strip() for h in header_match.group(0).decode("utf-8", "replace").rstrip("\r").split(",")]
    _check_header(header, path_s, header_line)
    body_start = header_match.end() + 1
    body = data[body_start:]
    nul = re.search(rb"^[^#\n][^\n]*\x00", body, re.M)
    if nul:
        raise ValueFormatError("a NUL byte in a data row: not a text file", path_s,
                               header_line + 1 + body.count(b"\n", 0, nul.start()))

    # A last line without its newline was cut off (power loss, crash).
    if body and not body.endswith(b"\n"):
        cut = body.rfind(b"\n") + 1
        tail = body[cut:]
        if tail.strip() and not tail.startswith(b"#"):
            n_fields = tail.count(b",") + 1
            if version is not None or n_fields != len(header):
                line = header_line + 1 + body.count(b"\n")
                msg = (f"{path_s}:{line}: last line is incomplete (no line end): "
                       f"read up to the last complete row")
                warnings.warn(msg, ImuhipWarning, stacklevel=2)
                notes.append(msg)
                body = body[:cut]
            else:
                body = body + b"\n"

    lines = _data_line_numbers(body, header_line + 1)
    if lines.size == 0 and allow_empty:
        return Recording({}, meta, annotations, notes)
    if lines.size == 0:
        raise EmptyFileError("no data rows after the header", path_s, header_line)

    dtypes = {c: "float64" for c in NUMERIC}
    dtypes["sensor"] = "str"
    options = dict(header=None, names=header, comment="#", skip_blank_lines=True, engine="c")
    if int(pd.__version__.split(".")[0]) < 3:
        options["float_precision"] = "round_trip"
    try:
        df = pd.read_csv(io.BytesIO(body), dtype=dtypes, **options)
    except (ValueError, pd.errors.ParserError):
        _field_count_error(body, lines, len(header), path_s)
        try:
            as_text = pd.read_csv(io.BytesIO(body), dtype=str, **options)
        except (ValueError, pd.errors.ParserError) as exc:  # a stray quote, for one
            m = re.search(r"(?:row|line) (\d+)", str(exc))
            line = int(lines[min(int(m.group(1)), len(lines)) - 1]) if m else header_line
            raise ValueFormatError(f"could not parse the data rows: {str(exc).strip()[:200]}", path_s, line) from None
        _first_non_numeric(as_text, lines, path_s)
        raise ValueFormatError("could not parse the data rows", path_s, header_line)
    if len(df) != lines.size:  # whitespace-only lines and the like
        _field_count_error(body, lines, len(header), path_s)

    values = df[list(NUMERIC)].to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        _field_count_error(body, lines, len(header), path_s)
        bad_rows = np.flatnonzero(~finite.all(axis=1))
        i = int(bad_rows[0])
        col = NUMERIC[int(np.flatnonzero(~finite[i])[0])]
        raise NonFiniteError(
            f"{col} is {float(values[i, NUMERIC.index(col)])!r}: expected a finite number "
            f"({bad_rows.size} row(s) with NaN/inf, lines {int(lines[i])}..{int(lines[bad_rows[-1]])})",
            path_s, int(lines[i]))

    sensor_col = df["sensor"]
    if sensor_col.isna().any():
        i = int(np.flatnonzero(sensor_col.isna().to_numpy())[0])
        raise ValueFormatError("empty sensor name", path_s, int(lines[i]))
    codes, names = pd.factorize(sensor_col, sort=False)
    _same_after_strip(names, codes, lines, path_s)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))

    sensors: dict[str, SensorData] = {}
    for k, name in enumerate(names):
        idx = order[bounds[k]:bounds[k + 1]]
        name = str(name).strip()
        if not SENSOR_NAME.match(name):
            raise ValueFormatError(f"sensor name {name!r} must start with a letter and hold only "
                                   f"letters, digits and _", path_s, int(lines[idx[0]]))
        if strict and name not in KNOWN_LOCATIONS:
            close = difflib.get_close_matches(name, KNOWN_LOCATIONS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UnknownSensorError(
                f"unknown sensor {name!r}{hint}; strict mode accepts {', '.join(KNOWN_LOCATIONS)}",
                path_s, int(lines[idx[0]]))
        if len(idx) < MIN_SAMPLES and not allow_empty:
            raise EmptyFileError(f"sensor {name} has {len(idx)} sample(s); a recording needs at least {MIN_SAMPLES}",
                                 path_s, int(lines[idx[0]]))
        t = values[idx, 0]
        dt = np.diff(t)
        bad = np.flatnonzero(dt <= 0)
        if bad.size:
            j = int(bad[0])
            what = "repeats" if dt[j] == 0 else "goes backwards from"
            raise TimeOrderError(
                f"time {float(t[j + 1])!r} s of sensor {name} {what} {float(t[j])!r} s (line {int(lines[idx[j]])}); "
                f"time must increase strictly within each sensor", path_s, int(lines[idx[j + 1]]))
        acc = to_si(values[idx, 1:4], acc_unit, "acc")
        gyr = to_si(values[idx, 4:7], gyr_unit, "gyr")
        if check:
            check_units(acc, gyr, where=f"{path_s}:{int(lines[idx[0]])}: sensor {name}")
        smeta = dict(sensor_meta.get(name, {}))
        if acc_unit != "m/s^2":
            smeta["acc_unit"] = acc_unit
        if gyr_unit != "rad/s":
            smeta["gyr_unit"] = gyr_unit
        sensors[name] = SensorData(t, acc, gyr, smeta)
        if not allow_empty:
            check_stream(t, acc, name, path_s, int(lines[idx[0]]))
        gaps = sensors[name].gaps if gap_notes else []
        if gaps:
            longest = max(gaps, key=lambda g: g.end_s - g.start_s)
            msg = (f"{path_s}: sensor {name}: {len(gaps)} gap(s), ~{sum(g.missing_samples for g in gaps)} "
                   f"missing samples; longest gap of {longest.end_s - longest.start_s:.3f} s from "
                   f"{longest.start_s:.3f} s to {longest.end_s:.3f} s (imuhip info lists them)")
            warnings.warn(msg, ImuhipWarning, stacklevel=2)
            notes.append(msg)

    for name in sensor_meta.keys() - sensors.keys():
        notes.append(f"{path_s}: metadata for sensor {name} which has no data rows")
    return Recording(sensors, meta, annotations, notes)
