"""Coach reports: thresholds catalog with citations, verdicts, and renderers (terminal, JSON,
CSV, self-contained HTML), plus session and squad comparison."""

from imuhip.report.catalog import CatalogError, Rule, load_catalog
from imuhip.report.verdicts import Verdict, verdicts

__all__ = ["CatalogError", "Rule", "Verdict", "load_catalog", "verdicts"]
