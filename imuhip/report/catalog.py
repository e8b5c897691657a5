"""The thresholds catalog: rules with values and citations, shipped as thresholds.toml.

A user file (`--thresholds FILE`, same layout) overrides rules with the same id and adds new
ones. Every entry is checked; a malformed one raises CatalogError naming it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from imuhip.errors import ImuhipError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COMPARISONS = (">=", "<=", "<", ">", "between")
METRICS = ("longest_hold_s", "reps_per_set", "mean_top_hold_s", "angle_above_horizontal_deg",
           "median_peak_flexion_deg", "limb_symmetry_index_pct")
SYMMETRY_KINDS = ("duration", "peak_angle", "count")  # kind of metric a limb_symmetry_index_pct rule judges
IMUHIP_CHOICE = "imuhip's choice (no published cut-off)"


class CatalogError(ImuhipError):
    """A thresholds file that cannot be used."""


@dataclass(frozen=True)
class Rule:
    id: str
    drill: str
    metric: str
    comparison: str
    value: float | tuple[float, float]
    borderline: float
    unit: str
    meaning: str
    source: dict
    kind: str = ""  # limb_symmetry_index_pct rules: one of SYMMETRY_KINDS

    def citation(self) -> str:
        """Article file:line and/or paper; IMUHIP_CHOICE where imuhip chose the value."""
        if self.source.get("choice") == "imuhip":
            return IMUHIP_CHOICE
        art = self.source.get("article")
        where = f"{art}:{self.source['line']}" if art else ""
        paper = self.source.get("paper", "")
        return "; ".join(x for x in (where, paper) if x)

    def describe(self) -> str:
        v = f"{self.value[0]:g}-{self.value[1]:g}" if self.comparison == "between" else f"{self.comparison} {self.value:g}"
        return f"{self.metric} {v} {self.unit}"


def _rule(entry: dict, where: str) -> Rule:
    name = entry.get("id", "<no id>")
    try:
        missing = [k for k in ("id", "drill", "metric", "comparison", "value", "unit", "meaning", "source")
                   if k not in entry]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        if entry["comparison"] not in COMPARISONS:
            raise ValueError(f"comparison {entry['comparison']!r} is not one of {', '.join(COMPARISONS)}")
        if entry["metric"] not in METRICS:
            raise ValueError(f"metric {entry['metric']!r} is not one of {', '.join(METRICS)}")
        value = entry["value"]
        if entry["comparison"] == "between":
            if not (isinstance(value, list) and len(value) == 2 and value[0] <= value[1]):
                raise ValueError("'between' needs value = [low, high]")
            value = (float(value[0]), float(value[1]))
        else:
            value = float(value)
        src = dict(entry["source"])
        if src.get("choice") == "imuhip":
            if "article" in src or "paper" in src:
                raise ValueError("a value imuhip chose carries no citation: drop article / paper")
        elif not (("article" in src and isinstance(src.get("line"), int)) or "paper" in src):
            raise ValueError("source needs article and line (integer), or paper, or choice = \"imuhip\"")
        kind = str(entry.get("kind", ""))
        if (entry["metric"] == "limb_symmetry_index_pct") != bool(kind) or (kind and kind not in SYMMETRY_KINDS):
            raise ValueError(f"limb_symmetry_index_pct rules need kind = one of {', '.join(SYMMETRY_KINDS)} "
                             f"(and only they take a kind); got {kind!r}")
        return Rule(str(entry["id"]), str(entry["drill"]), entry["metric"], entry["comparison"], value,
                    float(entry.get("borderline", 0.0)), str(entry["unit"]), str(entry["meaning"]), src, kind)
    except (ValueError, TypeError) as exc:
        raise CatalogError(f"{where}: rule {name!r}: {exc}") from None


def _parse(text: str, where: str) -> list[Rule]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{where}: not valid TOML: {exc}") from None
    entries = doc.get("rule", [])
    if not isinstance(entries, list):
        raise CatalogError(f"{where}: expected [[rule]] entries")
    rules = [_rule(e, where) for e in entries]
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogError(f"{where}: duplicated rule id(s) {', '.join(dupes)}")
    return rules


def load_catalog(user_file: str | Path | None = None) -> dict[str, Rule]:
    """The shipped rules, updated by `user_file` (same id replaces, new id adds)."""
    text = resources.files("imuhip.report").joinpath("thresholds.toml").read_text(encoding="utf-8")
    rules = {r.id: r for r in _parse(text, "thresholds.toml")}
    if user_file:
        try:
            user_text = Path(user_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogError(f"{user_file}: cannot read: {exc.strerror or exc}") from None
        rules.update({r.id: r for r in _parse(user_text, str(user_file))})
    return rules
