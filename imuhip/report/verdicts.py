"""Verdicts: every analysed metric that has a rule, judged pass / borderline / fail, per side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imuhip.analysis import Analysis
from imuhip.report.catalog import Rule
from imuhip.report.labels import requirement_text

RUN_FAMILY = {"run": {"run", "jog", "running"}, "sprint": {"sprint"}}


@dataclass
class Verdict:
    rule_id: str
    drill: str
    side: str
    metric: str
    value: float
    unit: str
    verdict: str  # pass, borderline, fail
    rule: str
    meaning: str
    citation: str
    detail: str = ""
    requirement: str = ""  # the pass range in words, e.g. "at least 30 s"
    source_title: str = ""  # the article's title, shown with the quote
    quote: str = ""  # the exact words of the article (or paper) the rule comes from


def judge(rule: Rule, v: float) -> str:
    b = rule.borderline
    if rule.comparison == "between":
        lo, hi = rule.value
        return "pass" if lo <= v <= hi else "borderline" if lo - b <= v <= hi + b else "fail"
    val = rule.value
    ok, near = {">=": (v >= val, v >= val - b), "<=": (v <= val, v <= val + b),
                "<": (v < val, v < val + b), ">": (v > val, v > val - b)}[rule.comparison]
    return "pass" if ok else "borderline" if near else "fail"


def _values(a: Analysis, rule: Rule):
    """(side, value, detail) triples of the rule's metric in this analysis."""
    m, d = rule.metric, rule.drill
    if m == "longest_hold_s":
        for side in a.sides:
            hs = [h for h in a.holds if h.drill == d and h.side == side]
            if hs:
                yield side, max(h.duration_s for h in hs), f"{len(hs)} hold(s)"
    elif m == "reps_per_set":
        for side in a.sides:
            rs = [r for r in a.reps if r.drill == d and r.side == side]
            for k in sorted({r.set_index for r in rs}):
                yield side, float(sum(r.set_index == k for r in rs)), f"set {k + 1}"
    elif m == "mean_top_hold_s":
        for side in a.sides:
            rs = [r.top_hold_s for r in a.reps if r.drill == d and r.side == side]
            if rs:
                yield side, float(np.mean(rs)), f"mean of {len(rs)} reps"
    elif m == "angle_above_horizontal_deg":
        for t in a.table_test:
            yield t["side"], t["angle_above_horizontal_deg"], ""
    elif m == "median_peak_flexion_deg":
        family = RUN_FAMILY.get(d, {d})
        for side in a.sides:
            ps = [s.peak_flexion_deg for s in a.strides if s.drill in family and s.side == side]
            if ps:
                yield side, float(np.median(ps)), f"{len(ps)} strides"


def _shown(rule: Rule) -> tuple[str, str, str]:
    """(requirement in words, source title, quote) of a rule, as the report shows them."""
    src = rule.source
    return (requirement_text(rule.comparison, rule.value, rule.unit), src.get("title", src.get("paper", "")),
            src.get("quote", ""))


def verdicts(a: Analysis, rules: dict[str, Rule]) -> list[Verdict]:
    out = []
    for rule in rules.values():
        if rule.metric == "abs_symmetry_angle_pct":
            for s in a.symmetry:
                if rule.drill not in ("*", s.metric.split(".")[0]):
                    continue
                v = abs(s.symmetry_angle_pct)
                verdict = "fail" if s.flagged else "pass" if v < rule.value else "borderline"
                detail = (f"{s.metric}: left {s.left:.2f}, right {s.right:.2f} {s.unit}; "
                          f"95% CI {s.ci95[0]:+.2f}..{s.ci95[1]:+.2f} %"
                          + (f"; {s.lower_side} lower" if s.flagged else ""))
                out.append(Verdict(rule.id, s.metric.split(".")[0], "both", s.metric, v, rule.unit, verdict,
                                   rule.describe(), rule.meaning, rule.citation(), detail, *_shown(rule)))
            continue
        for side, v, detail in _values(a, rule):
            out.append(Verdict(rule.id, rule.drill, side, rule.metric, float(v), rule.unit, judge(rule, v),
                               rule.describe(), rule.meaning, rule.citation(), detail, *_shown(rule)))
    return out
