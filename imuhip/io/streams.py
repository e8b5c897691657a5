"""Helpers shared by the app importers: table reading, stream merging, orientation-only exports.

- `merge_onto_gyro`: accelerometer and gyroscope on separate clocks become one sensor on the
  gyroscope's clock (the accelerometer is linearly interpolated onto it; the overlap is kept).
- `from_orientation`: an export with orientation (sensor-to-world rotation) but no raw gyroscope
  gives the angular rate in the sensor frame from consecutive orientations, and, from
  gravity-free acceleration in the world frame, the specific force in the sensor frame.
"""

from __future__ import annotations

import csv
import io
import re
import warnings

import numpy as np
import pandas as pd

from imuhip.errors import ColumnError, EmptyFileError, ImuhipWarning, InputError, NonFiniteError, ValueFormatError
from imuhip.io.text import MAX_FIELDS, check_lines, read_text
from imuhip.io.units import G

#: Texts that read as NaN or infinity (missing values in pandas' sense are NaN too).
NON_FINITE = {"", "nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity", "none", "null",
              "na", "n/a", "<na>", "#n/a"}


def _fields(line: str, sep: str) -> int:
    return len(next(csv.reader([line], delimiter=sep))) if '"' in line else line.count(sep) + 1


def read_table(path, text: str | None = None, skip: int = 0, **options) -> pd.DataFrame:
    """A delimited table with its delimiter and decimal separator guessed from the header line:
    comma, tab or semicolon; a semicolon file whose numbers use decimal commas reads them.

    `text` is the file's text when already read, `skip` the lines before the header. Blank lines
    are skipped. The file line of each data row is in `df.attrs["lines"]`, for messages. Raises
    EmptyFileError without a header or data rows, ColumnError at a row with more fields than the
    header (or a header of more than MAX_FIELDS fields), InputError for text that is not bounded
    UTF-8.
    """
    where = str(path)
    if text is None:
        text = read_text(path)
    else:
        check_lines(text, where)
    numbered = [(i + 1, ln) for i, ln in enumerate(text.splitlines()[skip:], start=skip) if ln.strip()]
    if not numbered:
        raise EmptyFileError("no header row", where, skip + 1)
    header_line, header = numbered[0]
    sep = max(("\t", ";", ","), key=header.count)
    n_header = _fields(header, sep)
    if n_header > MAX_FIELDS:
        raise ColumnError(f"header of {n_header} fields; expected at most {MAX_FIELDS}", where, header_line)
    for line, row in numbered[1:]:
        n = _fields(row, sep)
        if n > n_header:
            raise ColumnError(f"{n} fields, the header (line {header_line}) has {n_header}", where, line)
    decimal = "."
    if sep == ";" and len(numbered) > 1 and re.search(r"\d,\d", numbered[1][1]):
        decimal = ","
    body = "\n".join(ln for _, ln in numbered)
    try:
        df = pd.read_csv(io.StringIO(body), sep=sep, decimal=decimal, index_col=False, **options)
    except (ValueError, csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = numbered[min(int(m.group(1)), len(numbered)) - 1][0] if m else header_line
        raise ColumnError(f"cannot read the table: {str(exc).strip()[:200]}", where, line) from None
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise EmptyFileError("no data rows after the header", where, header_line)
    lines = np.array([n for n, _ in numbered[1:]], dtype=np.int64)
    df.attrs["lines"] = lines if len(lines) == len(df) else None
    return df


def pick(df: pd.DataFrame, patterns: list[str], path, what: str) -> list[str]:
    """Column names matching each regex in `patterns` (case-insensitive), in order."""
    out = []
    for p in patterns:
        hit = [c for c in df.columns if re.fullmatch(p, c, re.I)]
        if not hit:
            raise ColumnError(f"no {what} column matching {p!r}; found: {', '.join(df.columns)}", str(path), None)
        out.append(hit[0])
    return out


def row_line(df: pd.DataFrame, i: int) -> int | None:
    """The file line of data row `i` of a table from `read_table` (None when unknown)."""
    lines = df.attrs.get("lines")
    return int(lines[i]) if lines is not None and i < len(lines) else None


def numeric(df: pd.DataFrame, cols: list[str], path) -> np.ndarray:
    """Columns `cols` as float64 (n, len(cols)): every value a finite number, else ValueFormatError
    (or NonFiniteError for NaN and infinity) naming the file line and column."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ColumnError(f"no column {', '.join(map(repr, missing))}; found: {', '.join(df.columns)}", str(path), None)
    values = df[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad.any(axis=1))[0])
        k = int(np.flatnonzero(bad[i])[0])
        raw = df[cols[k]].iloc[i]
        n_bad = int(bad.any(axis=1).sum())
        kind = NonFiniteError if np.isinf(values[i, k]) or str(raw).strip().lower() in NON_FINITE else \
            ValueFormatError
        raise kind(f"{cols[k]} is {str(raw)[:40]!r}: expected a finite number ({n_bad} such row(s))", str(path),
                   row_line(df, i))
    return values


def counter(df, column: str, modulus: int, path: str) -> np.ndarray:
    """An integer counter column in [0, modulus), as int64; ValueFormatError at the first other value."""
    values = numeric(df, [column], path)[:, 0]
    bad = (values != np.round(values)) | (values < 0) | (values >= modulus)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueFormatError(f"{column} is {values[i]!r}: expected a whole number from 0 to {modulus - 1}", path,
                               row_line(df, i))
    return values.astype(np.int64)


def increasing(t: np.ndarray, *arrays: np.ndarray, path=None, what: str = "samples"):
    """`t` (s) and `arrays` without the samples whose time does not increase (repeated or stepped-back
    timestamps); an ImuhipWarning naming `path` and `what` counts those dropped."""
    keep = t > np.maximum.accumulate(np.concatenate([[-np.inf], t[:-1]]))
    dropped = int(len(t) - keep.sum())
    if dropped:
        i = int(np.flatnonzero(~keep)[0])
        where = f"{path}: " if path is not None else ""
        warnings.warn(f"{where}{what}: {dropped} sample(s) dropped whose time repeats or goes back (the first, sample "
                      f"{i + 1}, at {float(t[i]):.6g} s)", ImuhipWarning, stacklevel=2)
    return (t[keep],) + tuple(a[keep] for a in arrays)


def merge_onto_gyro(t_acc: np.ndarray, acc: np.ndarray, t_gyr: np.ndarray, gyr: np.ndarray, path=None):
    """(time, acc, gyr) on the gyroscope clock over the span both streams cover; InputError naming
    `path` when they overlap by fewer than two gyroscope samples."""
    t_acc, acc = increasing(t_acc, acc, path=path, what="accelerometer")
    t_gyr, gyr = increasing(t_gyr, gyr, path=path, what="gyroscope")
    keep = (t_gyr >= t_acc[0]) & (t_gyr <= t_acc[-1])
    if keep.sum() < 2:
        raise InputError(f"the accelerometer ({t_acc[0]:.6g} .. {t_acc[-1]:.6g} s) and gyroscope ({t_gyr[0]:.6g} .. "
                         f"{t_gyr[-1]:.6g} s) streams do not overlap in time", None if path is None else str(path))
    t = t_gyr[keep]
    acc_i = np.column_stack([np.interp(t, t_acc, acc[:, k]) for k in range(3)])
    return t, acc_i, gyr[keep]


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(N, 4) unit quaternions (w, x, y, z) to (N, 3, 3) rotation matrices."""
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack([np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
                     np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
                     np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1)], 1)


def from_orientation(t: np.ndarray, R: np.ndarray, up: np.ndarray, free_acc: np.ndarray | None = None,
                     acc: np.ndarray | None = None):
    """(acc m/s^2, gyr rad/s) in the sensor frame from sensor-to-world rotations R (N, 3, 3).

    Angular rate: the rotation R_k^T R_k+1 over each interval, by central differences. `up`
    is the world's up axis. Give `free_acc` (world frame, gravity removed) or `acc` (sensor
    frame, with gravity).
    """
    n = len(t)
    D = np.einsum("nji,njk->nik", R[:-1], R[1:])  # R_k^T R_k+1, sensor frame
    angle = np.arccos(np.clip((np.trace(D, axis1=1, axis2=2) - 1) / 2, -1, 1))
    axis = np.column_stack([D[:, 2, 1] - D[:, 1, 2], D[:, 0, 2] - D[:, 2, 0], D[:, 1, 0] - D[:, 0, 1]])
    s = np.sin(angle)
    scale = np.where(s > 1e-12, angle / (2 * np.where(s > 1e-12, s, 1.0)), 0.5)
    w_mid = axis * (scale / np.diff(t))[:, None]  # rad/s at interval midpoints
    gyr = np.empty((n, 3))
    gyr[1:-1] = (w_mid[:-1] + w_mid[1:]) / 2
    gyr[0], gyr[-1] = w_mid[0], w_mid[-1]
    if acc is None:
        acc = np.einsum("nji,nj->ni", R, free_acc + G * up)
    return acc, gyr
