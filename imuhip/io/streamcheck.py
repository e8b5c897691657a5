"""A check that one sensor's samples are one sensor's, not several sensors' under one name. Readers call
`check_stream` on every sensor they read."""

from __future__ import annotations

import numpy as np

from imuhip.errors import MixedSensorsError

#: Fewest samples the checks look at (fewer say nothing).
MIN_CHECKED = 64
#: Samples looked at per block, and blocks spread over the recording (bounds the cost on long files).
BLOCK = 512
BLOCKS = 16
#: Most sensors under one name the mixing check looks for.
MAX_STREAMS = 4
#: Consecutive samples differ by more than this (m/s^2, median) ...
MIXED_STEP = 1.0
#: ... and by this many times more than samples k apart: k sensors take turns under one name.
MIXED_RATIO = 4.0


def _blocks(n: int) -> list[slice]:
    if n <= BLOCK * BLOCKS:
        return [slice(0, n)]
    starts = np.linspace(0, n - BLOCK, BLOCKS).astype(int)
    return [slice(int(s), int(s) + BLOCK) for s in starts]


def _median_step(acc: np.ndarray, k: int) -> float:
    """Median |acc[i + k] - acc[i]| (m/s^2) over the blocks of `acc`."""
    steps = [np.linalg.norm(acc[b][k:] - acc[b][:-k], axis=1) for b in _blocks(len(acc))]
    return float(np.median(np.concatenate(steps)))


def check_stream(time: np.ndarray, acc: np.ndarray, sensor: str, path: str | None = None,
                 line: int | None = None) -> None:
    """Refuse one sensor's samples that cannot be one sensor's.

    Parameters
    ----------
    time : (N,) s, strictly increasing.
    acc : (N, 3) m/s^2.
    sensor : its name, for messages; `path` and `line` (1-based, its first row) say where it is.

    Raises
    ------
    MixedSensorsError
        Consecutive samples differ by over MIXED_STEP m/s^2 and MIXED_RATIO times more than samples k
        apart (2 <= k <= MAX_STREAMS): k sensors' samples interleaved under one name.
    """
    n = len(time)
    if n < MIN_CHECKED:
        return
    step = _median_step(acc, 1)
    if step <= MIXED_STEP:
        return
    for k in range(2, MAX_STREAMS + 1):
        step_k = _median_step(acc, k)
        if step > MIXED_RATIO * step_k:
            rate = (n - 1) / float(time[-1] - time[0])
            raise MixedSensorsError(
                f"sensor {sensor}: its samples take turns between {k} different signals (consecutive samples "
                f"differ by {step:.3g} m/s^2, samples {k} apart by {step_k:.3g}): looks like {k} sensors under one name "
                f"(together {rate:.4g} Hz); give each sensor its own name", path, line)


#: A sensor whose time without any other sensor's beside it reaches this (s) and this share of its
#: own time is said so: left and right cannot be compared there.
ALONE_S = 10.0
ALONE_SHARE = 0.2


def _covered(time: np.ndarray) -> np.ndarray:
    """(K, 2) runs of time (s) a sensor covers: its span split at its gaps (`find_gaps`)."""
    from imuhip.recording import GAP_FACTOR

    if len(time) < 2:
        return np.empty((0, 2))
    dt = np.diff(time)
    cut = np.flatnonzero(dt > GAP_FACTOR * float(np.median(dt)))
    starts = np.concatenate([[0], cut + 1])
    ends = np.concatenate([cut, [len(time) - 1]])
    return np.column_stack([time[starts], time[ends]])


def _intersection_s(a: np.ndarray, b: np.ndarray) -> float:
    """Total length (s) of the intersection of two sorted lists of disjoint runs."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        total += max(0.0, min(a[i, 1], b[j, 1]) - max(a[i, 0], b[j, 0]))
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return total


def _union(runs: list[np.ndarray]) -> np.ndarray:
    """Sorted disjoint runs covering every run in `runs`."""
    both = np.concatenate(runs) if runs else np.empty((0, 2))
    both = both[np.argsort(both[:, 0], kind="stable")]
    out: list[list[float]] = []
    for s, e in both:
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([float(s), float(e)])
    return np.array(out).reshape(-1, 2)


def overlap_warnings(sensors: dict, path: str | None = None) -> list[str]:
    """One warning per sensor (one in all with two sensors) with much time (ALONE_S and ALONE_SHARE of its own) when no other sensor
    records: clocks set apart (a clock 10^6 s off, a time jump mid-file), which would otherwise make
    that part's verdicts vanish without a word.

    Parameters
    ----------
    sensors : {name: SensorData}, times in s.
    path : the file, for messages.
    """
    runs = {n: _covered(s.time) for n, s in sensors.items() if len(s) >= 2}
    if len(runs) < 2:
        return []
    where = f"{path}: " if path else ""
    out = []
    for name, own in runs.items():
        others = [r for n, r in runs.items() if n != name]
        mine = float(np.sum(own[:, 1] - own[:, 0]))
        shared = _intersection_s(own, _union(others))
        alone = mine - shared
        if alone < ALONE_S or alone < ALONE_SHARE * mine:
            continue
        spans = ", ".join(f"{n} {s.time[0]:.6g}-{s.time[-1]:.6g} s" for n, s in sensors.items() if n != name)
        what = ("does not overlap in time with any other sensor" if shared == 0 else
                f"has {alone:.6g} s ({100 * alone / mine:.0f} % of its time) when no other sensor records")
        out.append(f"{where}sensor {name} ({sensors[name].time[0]:.6g}-{sensors[name].time[-1]:.6g} s) {what} "
                   f"({spans}): left and right cannot be compared there and the verdicts of that time are missing; "
                   f"its clock is set apart (an offset or a time jump): align the clocks")
        if len(runs) == 2:  # the other one's message would say the same
            break
    return out
