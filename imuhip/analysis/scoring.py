"""How well a timeline matches a reference one (simulator truth, a dataset's own labels).

Pure functions over segments; used by the tests, benchmarks/recognition.py and anyone
checking recognition on their own labelled data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from imuhip.analysis.timeline import Segment


def labelled_fraction(found: list[Segment], reference: list[dict], same=None, step_s: float = 0.05,
                      ) -> dict[str, float]:
    """Per reference label, the fraction of its time that `found` labels the same.

    reference: dicts with start_s, end_s, drill (and side: a one-side reference also needs
    the side right). same(ref_label, found_label) -> bool decides a match (default equality).
    Time is sampled every `step_s` s.
    """
    same = same or (lambda r, f: r == f)
    hit: dict[str, list[int]] = {}
    for r in reference:
        ts = np.arange(r["start_s"], r["end_s"], step_s)
        for x in ts:
            here = [s for s in found if s.start_s <= x < s.end_s]
            ok = any(same(r["drill"], s.drill) and r.get("side", "both") in ("both", s.side) for s in here)
            n = hit.setdefault(r["drill"], [0, 0])
            n[0] += ok
            n[1] += 1
    return {k: v[0] / v[1] for k, v in hit.items() if v[1]}


def table_from_truth(truth: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """An angles table (the layout of `imuhip.angles.angles_table`) from true angle frames
    (name -> time_s, elevation_deg, abduction_deg; pelvis -> time_s, tilt_deg), on the first
    thigh's clock."""
    thighs = [n for n in truth if "thigh" in n]
    t = truth[thighs[0]]["time_s"].to_numpy()
    cols = {"time_s": t}
    for n in thighs:
        for k in ("elevation", "abduction"):
            cols[f"{n}_{k}_deg"] = np.interp(t, truth[n]["time_s"], truth[n][f"{k}_deg"])
    if "pelvis" in truth:
        cols["pelvis_tilt_deg"] = np.interp(t, truth["pelvis"]["time_s"], truth["pelvis"]["tilt_deg"])
        for n in thighs:
            cols[f"{n.split('_')[0]}_hip_flexion_deg"] = cols[f"{n}_elevation_deg"] - cols["pelvis_tilt_deg"]
    return pd.DataFrame(cols)
