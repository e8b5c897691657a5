"""Coach reports: catalog and citations, verdicts, escaping, CSV/JSON, and the HTML in a real browser."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imuhip.analysis import analyze
from imuhip.cli import main
from imuhip.report import CatalogError, load_catalog, verdicts
from imuhip.report.html import render_html
from imuhip.simulate import SimOptions, simulate

from conftest import REPO, SHARED_DATA

ARTICLES = SHARED_DATA.parent / "articles"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    path = tmp_path_factory.mktemp("rep") / "session.csv"
    assert main(["simulate", "session", "--out", str(path), "--seed", "3", "--knee-drive", "right:-20"]) == 0
    return path


def test_every_catalog_citation_points_at_a_real_line():
    if not ARTICLES.exists():
        if os.environ.get("IMUHIP_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"articles missing: {ARTICLES}")
        pytest.skip("shared articles not present")
    rules = load_catalog()
    assert len(rules) >= 14
    for rule in rules.values():
        src = rule.source
        if src.get("choice") == "imuhip":
            assert rule.citation() == "imuhip's choice (no published cut-off)" and set(src) == {"choice"}
            continue
        if "article" not in src:
            assert src["paper"] and rule.citation() == src["paper"]
            continue
        lines = (ARTICLES / src["article"]).read_text(encoding="utf-8").splitlines()
        assert src["quote"] in lines[src["line"] - 1], f"{rule.id}: quote not on {src['article']}:{src['line']}"


def test_symmetry_rules_one_per_kind_lsi_90_cited_to_the_literature_only():
    rules = [r for r in load_catalog().values() if r.metric == "limb_symmetry_index_pct"]
    assert sorted(r.kind for r in rules) == ["count", "duration", "peak_angle"]
    assert {r.value for r in rules} == {90.0} and {r.comparison for r in rules} == {">="}
    cited = [r for r in rules if "Grindem" in r.citation()]
    assert [r.kind for r in cited] == ["duration"]
    assert all(r.citation().startswith("imuhip's choice") for r in rules if r not in cited)


def test_report_json_verdicts_name_catalog_rules(session, tmp_path):
    out = tmp_path / "r.json"
    assert main(["report", str(session), "--json", str(out), "--csv", str(tmp_path / "csv")]) == 0
    doc = json.loads(out.read_text())
    rules = load_catalog()
    assert doc["verdicts"]
    for v in doc["verdicts"]:
        assert v["rule_id"] in rules and v["verdict"] in ("pass", "borderline", "fail")
        assert v["citation"] == rules[v["rule_id"]].citation()
    by_id = {}
    for v in doc["verdicts"]:
        by_id.setdefault(v["rule_id"], []).append(v)
    assert {v["side"] for v in by_id["knee_raise_hold_30s"]} == {"left", "right"}
    sym = [v for v in by_id["symmetry_peak_angle"] if v["metric"] == "sprint.peak_flexion_deg"]
    assert sym[0]["verdict"] == "fail" and "right lower by" in sym[0]["detail"] and " deg (LSI " in sym[0]["detail"]
    assert "nan" not in json.dumps(doc["verdicts"]).lower()
    for name in ("holds", "reps", "strides", "verdicts", "symmetry", "metrics"):
        assert (tmp_path / "csv" / f"{name}.csv").stat().st_size > 50


def test_short_hold_fails_and_borderline_is_reported():
    sim = simulate("knee_raise_hold", SimOptions(seed=2, hold_s={"left": 27.0, "right": 12.0}))
    found = {v.side: v for v in verdicts(analyze(sim.recording), load_catalog()) if v.rule_id == "knee_raise_hold_30s"}
    assert found["left"].verdict == "borderline" and found["right"].verdict == "fail"


def test_user_thresholds_override_and_malformed_entry(tmp_path):
    good = tmp_path / "mine.toml"
    good.write_text('[[rule]]\nid = "knee_raise_hold_30s"\ndrill = "standing_knee_raise"\nmetric = "longest_hold_s"\n'
                    'comparison = ">="\nvalue = 10.0\nunit = "s"\nmeaning = "club standard"\n'
                    'source = { paper = "Club handbook 2026" }\n')
    assert load_catalog(good)["knee_raise_hold_30s"].value == 10.0
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "mine"\ndrill = "x"\nmetric = "longest_hold_s"\ncomparison = "about"\n'
                   'value = 1\nunit = "s"\nmeaning = "m"\nsource = { paper = "p" }\n')
    with pytest.raises(CatalogError, match=r"bad.toml: rule 'mine': comparison 'about' is not one of"):
        load_catalog(bad)
    r = subprocess.run([sys.executable, "-m", "imuhip.cli", "report", str(REPO / "recordings" / "demo_knee_raise.csv"),
                                      "--thresholds", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and "rule 'mine'" in r.stderr and "Traceback" not in r.stderr


def test_athlete_name_is_escaped(session):
    sim = simulate("knee_raise_hold", seed=1)
    a = analyze(sim.recording)
    page = render_html(a, verdicts(a, load_catalog()), athlete="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()


def test_html_report_in_a_real_browser(session, tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("IMUHIP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium not installed at {CHROMIUM}")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    html_path = tmp_path / "report.html"
    assert main(["report", str(session), "--athlete", "Test <Athlete>", "--html", str(html_path)]) == 0
    assert html_path.stat().st_size < 3_000_000
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: errors.append(f"network request {r.url}") if not r.url.startswith(
            ("file:", "data:")) else None)
        page.goto(html_path.as_uri())
        assert page.locator("#verdicts tbody tr").count() >= 10
        assert page.locator("#angle-plot svg").count() == 1
        assert page.locator("#symmetry-plot svg").count() == 1
        assert page.locator("h1").inner_text() == "Test <Athlete>"
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert errors == []
    assert shot.stat().st_size > 50_000


def test_compare_sessions_and_squad(tmp_path):
    files = []
    for i, (athlete, date, left, right) in enumerate([("Ana", "2026-11-01", 22, 20), ("Ana", "2026-11-08", 31, 26),
                                                      ("Ben", "2026-11-02", 30, 14), ("Ben", "2026-11-09", 32, 30)]):
        f = tmp_path / f"{athlete}_{i}.csv"
        assert main(["simulate", "knee_raise_hold", "--seed", str(i), "--athlete", athlete, "--date", date,
                     "--left-hold", str(left), "--right-hold", str(right), "--out", str(f)]) == 0
        files.append(str(f))
    out, table = tmp_path / "cmp.html", tmp_path / "cmp.csv"
    assert main(["compare", *files[::-1], "--html", str(out), "--csv", str(table)]) == 0
    import pandas as pd

    rows = pd.read_csv(table)
    assert list(rows["athlete"]) == ["Ana", "Ana", "Ben", "Ben"] and list(rows["date"])[:2] == ["2026-11-01", "2026-11-08"]
    ana = rows[rows["athlete"] == "Ana"]["longest_hold_left_s"].to_numpy()
    assert ana[1] - ana[0] == pytest.approx(9.0, abs=0.5)  # progress over the week
    page = out.read_text()
    assert "id='squad'" in page and page.index("Ana") < page.index("Squad")
