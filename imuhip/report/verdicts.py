"""Verdicts: every row of the metrics table that has a rule, judged pass / borderline / fail, per side;
and each left/right comparison against the symmetry rule of its kind of metric."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from imuhip.analysis import Analysis
from imuhip.analysis.metrics import metrics_table
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
    confidence: float = 1.0  # of the segments judged (recognised ones below 1)


def judge(rule: Rule, v: float) -> str:
    b = rule.borderline
    if rule.comparison == "between":
        lo, hi = rule.value
        return "pass" if lo <= v <= hi else "borderline" if lo - b <= v <= hi + b else "fail"
    val = rule.value
    ok, near = {">=": (v >= val, v >= val - b), "<=": (v <= val, v <= val + b),
                "<": (v < val, v < val + b), ">": (v > val, v > val - b)}[rule.comparison]
    return "pass" if ok else "borderline" if near else "fail"


def _values(metrics: pd.DataFrame, rule: Rule):
    """(drill, side, value, detail, confidence) of the rule's metric in the metrics table."""
    family = RUN_FAMILY.get(rule.drill, {rule.drill})
    rows = metrics[(metrics["metric"] == rule.metric) & metrics["drill"].isin(family)]
    for r in rows.itertuples(index=False):
        yield r.drill, r.side, r.value, r.detail, r.confidence


def _shown(rule: Rule) -> tuple[str, str, str]:
    """(requirement in words, source title, quote) of a rule, as the report shows them."""
    src = rule.source
    return (requirement_text(rule.comparison, rule.value, rule.unit), src.get("title", src.get("paper", "")),
            src.get("quote", ""))


def verdicts(a: Analysis, rules: dict[str, Rule]) -> list[Verdict]:
    """Every rule judged on the metrics table (and the symmetry comparisons), per side."""
    metrics = metrics_table(a)
    out = []
    for rule in rules.values():
        if rule.metric == "limb_symmetry_index_pct":
            for s in a.symmetry:
                drill = s.metric.split(".")[0]
                if rule.drill not in ("*", drill) or rule.kind != s.kind:
                    continue
                spread = f"95% CI {s.ci95[0]:.1f}..{s.ci95[1]:.1f} %" if s.ci95 else s.note
                detail = (f"{s.metric}: left {s.left:.2f}, right {s.right:.2f} {s.unit}; {s.describe_lower()}; "
                          f"{spread}")
                rows = metrics[metrics["drill"] == drill]
                conf = float(rows["confidence"].min()) if len(rows) else 1.0
                out.append(Verdict(rule.id, drill, "both", s.metric, s.lsi_pct, rule.unit, "pass" if s.kind == "count" and not s.flagged else judge(rule, s.lsi_pct),
                                   rule.describe(), rule.meaning, rule.citation(), detail, *_shown(rule), conf))
            continue
        for drill, side, v, detail, conf in _values(metrics, rule):
            out.append(Verdict(rule.id, drill, side, rule.metric, float(v), rule.unit, judge(rule, v),
                               rule.describe(), rule.meaning, rule.citation(), detail, *_shown(rule), float(conf)))
    return out
