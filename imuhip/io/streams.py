"""Helpers shared by the app importers: table reading, stream merging, orientation-only exports.

- `merge_onto_gyro`: accelerometer and gyroscope on separate clocks become one sensor on the
  gyroscope's clock (the accelerometer is linearly interpolated onto it; the overlap is kept).
- `from_orientation`: an export with orientation (sensor-to-world rotation) but no raw gyroscope
  gives the angular rate in the sensor frame from consecutive orientations, and, from
  gravity-free acceleration in the world frame, the specific force in the sensor frame.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from imuhip.errors import ColumnError, EmptyFileError, InputError
from imuhip.io.units import G


def read_table(path, text: str | None = None, skip: int = 0, **options) -> pd.DataFrame:
    """A delimited table with its delimiter and decimal separator guessed from the header line:
    comma, tab or semicolon; a semicolon file whose numbers use decimal commas reads them."""
    if text is None:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            text = f.read()
    lines = text.splitlines()
    if len(lines) <= skip:
        raise EmptyFileError("no header row", str(path), skip + 1)
    header = lines[skip]
    sep = max(("\t", ";", ","), key=header.count)
    decimal = "."
    if sep == ";" and len(lines) > skip + 1 and re.search(r"\d,\d", lines[skip + 1]):
        decimal = ","
    df = pd.read_csv(io.StringIO("\n".join(lines[skip:])), sep=sep, decimal=decimal, **options)
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise EmptyFileError("no data rows after the header", str(path), skip + 1)
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


def numeric(df: pd.DataFrame, cols: list[str], path) -> np.ndarray:
    values = df[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad.any(axis=1))[0])
        raise InputError(f"row {i + 1} of the data: {cols[int(np.flatnonzero(bad[i])[0])]} is not a number",
                         str(path))
    return values


def increasing(t: np.ndarray, *arrays: np.ndarray):
    """Drop samples whose time does not increase (repeated or stepped-back timestamps)."""
    keep = t > np.maximum.accumulate(np.concatenate([[-np.inf], t[:-1]]))
    return (t[keep],) + tuple(a[keep] for a in arrays)


def merge_onto_gyro(t_acc: np.ndarray, acc: np.ndarray, t_gyr: np.ndarray, gyr: np.ndarray):
    """(time, acc, gyr) on the gyroscope clock over the span both streams cover."""
    t_acc, acc = increasing(t_acc, acc)
    t_gyr, gyr = increasing(t_gyr, gyr)
    keep = (t_gyr >= t_acc[0]) & (t_gyr <= t_acc[-1])
    if keep.sum() < 2:
        raise InputError("the accelerometer and gyroscope streams do not overlap in time")
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
