"""Left/right symmetry of a per-side metric: one measure of size for every kind of metric.

- limb symmetry index LSI = lower side / higher side x 100 % (100 = symmetric): the measure
  the catalog judges, the same way for a duration, a peak angle and a count, so the same
  asymmetry size gets the same severity whatever the metric;
- difference: mean(left) - mean(right), in the metric's unit (what a flag reports);
- symmetry angle SA = (45 deg - atan(L / R)) / 90 deg x 100 % (Zifchock et al. 2008, Gait &
  Posture 27:622-627), kept for plots: bounded, positive when left is the smaller.

With at least two events per side, a 95 % bootstrap interval of the LSI shows the athlete's
own variability; with one event on a side there is none (`ci95` None, `note` says so) and
the LSI alone is judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BOOTSTRAP = 2000
SINGLE_EVENT = "single event: no variability estimate"
ONE_COUNT = "one count per side: no variability estimate"
COUNT_TOLERANCE = 1  # counts this close are alike: which foot starts a bout (imuhip's choice)
WITHIN_ONE = "counts one apart: not an asymmetry (which side started the bout, one rep more or less)"
KINDS = ("duration", "peak_angle", "count")  # one catalog rule per kind
DEFAULT_MIN_LSI_PCT = 90.0  # `flagged` below this; the catalog's symmetry rules judge the same LSI


@dataclass
class Symmetry:
    """metric: '<drill>.<name>'; kind: one of KINDS; values in `unit`; lsi_pct and
    symmetry_angle_pct in %; ci95: bootstrap interval of the LSI (%), or None."""

    metric: str
    kind: str
    unit: str
    left: float
    right: float
    difference: float
    lsi_pct: float
    symmetry_angle_pct: float
    ci95: tuple[float, float] | None
    n_left: int
    n_right: int
    lower_side: str
    flagged: bool
    note: str = ""

    def describe_lower(self) -> str:
        """'left lower by 11.0 s (LSI 66.5 %)', or 'symmetric'."""
        digits = 0 if self.kind == "count" else 1
        if self.lower_side == "none" or round(abs(self.difference), digits) == 0:
            return "symmetric"
        return (f"{self.lower_side} lower by {abs(self.difference):.{digits}f} {self.unit} "
                f"(LSI {self.lsi_pct:.1f} %)")


def symmetry_angle(left: np.ndarray | float, right: np.ndarray | float) -> np.ndarray:
    """SA (%) of positive magnitudes: 0 symmetric, positive when left is the smaller."""
    return (45.0 - np.degrees(np.arctan2(left, right))) / 90.0 * 100.0


def lsi(left: np.ndarray | float, right: np.ndarray | float) -> np.ndarray:
    """Limb symmetry index (%) of positive magnitudes: lower / higher x 100 (100 if both 0)."""
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    return np.where(hi > 0, 100.0 * lo / np.where(hi > 0, hi, 1.0), 100.0)


def compare(metric: str, kind: str, unit: str, left: np.ndarray, right: np.ndarray,
            min_lsi_pct: float = DEFAULT_MIN_LSI_PCT, seed: int = 0) -> Symmetry:
    """Symmetry of `metric` from the per-event values of each side (>= 1 each; a count is one
    value per side); flagged when the LSI is below `min_lsi_pct` (%)."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    left, right = np.asarray(left, float), np.asarray(right, float)
    # Peak angles per side as their median (as the metrics table gives knee drive), others as mean.
    stat = np.median if kind == "peak_angle" else np.mean
    L, R = float(stat(left)), float(stat(right))
    alike = False
    if kind == "count":
        alike = abs(L - R) <= COUNT_TOLERANCE
        ci, note = None, WITHIN_ONE if alike and L != R else ONE_COUNT
    elif len(left) >= 2 and len(right) >= 2:
        lo, hi = np.percentile(lsi(_bootstrap(left, seed, stat), _bootstrap(right, seed + 1, stat)), [2.5, 97.5])
        ci, note = (float(lo), float(hi)), ""
    else:
        ci, note = None, SINGLE_EVENT
    lower = "left" if L < R else "right" if R < L else "none"
    index = float(lsi(L, R))
    return Symmetry(metric, kind, unit, L, R, L - R, index, float(symmetry_angle(L, R)), ci,
                    len(left), len(right), lower, bool(index < min_lsi_pct and not alike), note)


def _bootstrap(x: np.ndarray, seed: int, stat=np.mean) -> np.ndarray:
    """BOOTSTRAP values of `stat` (np.mean or np.median) over resamples of x, drawn a block at a
    time (bounded memory for long runs)."""
    rng = np.random.default_rng(seed)
    block = max(1, min(BOOTSTRAP, 2_000_000 // len(x)))
    return np.concatenate([stat(x[rng.integers(0, len(x), (min(block, BOOTSTRAP - i), len(x)))], axis=1)
                           for i in range(0, BOOTSTRAP, block)])
