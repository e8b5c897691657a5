"""Coach reports: catalog and citations, verdicts, escaping, CSV/JSON, and the HTML in a real browser."""

import json
import os
import re
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
        assert src["title"] in lines[:10], f"{rule.id}: {src['title']!r} is not the title of {src['article']}"


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


SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
VIEWPORTS = [(390, 844), (1400, 900)]
SHOTS = Path(os.environ.get("IMUHIP_SCREENSHOTS", "")) if os.environ.get("IMUHIP_SCREENSHOTS") else None


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("IMUHIP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium not installed at {CHROMIUM}")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def open_page(browser, path: Path, width: int, height: int, shot: Path):
    """The page at this viewport, its console errors and network requests, and a full-page screenshot."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: errors.append(f"network request {r.url}") if not r.url.startswith(
        ("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.screenshot(path=str(shot), full_page=True)
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SHOTS / shot.name)
    return page, errors


def assert_fits(page, errors, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []
    visible = page.evaluate("document.body.innerText")
    ours = visible
    for user_text in page.locator(".user").all_inner_texts():  # file names and notes: the user's words
        ours = ours.replace(user_text, "")
    assert not SNAKE.findall(ours), SNAKE.findall(ours)[:5]
    return visible


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_html_report_in_a_real_browser(browser, tmp_path, width, height):
    html_path = tmp_path / "report.html"
    demo = REPO / "recordings" / "demo_session.csv"
    assert main(["report", str(demo), "--athlete", "Test <Athlete>", "--html", str(html_path),
                 "--json", str(tmp_path / "r.json")]) == 0
    assert html_path.stat().st_size < 3_000_000
    doc = json.loads((tmp_path / "r.json").read_text())
    page, errors = open_page(browser, html_path, width, height, tmp_path / f"report_{width}.png")
    visible = assert_fits(page, errors, width)
    assert page.locator("h1").inner_text() == "Test <Athlete>"
    # the summary starts above the fold, one row per drill with a left and a right value and unit
    assert page.locator("#summary").bounding_box()["y"] < height / 2
    summary = page.locator("#summary").inner_text()
    said = [v["verdict"] for v in doc["verdicts"]]
    assert len(said) >= 15
    assert (f"{said.count('fail')} failed" in summary and f"{said.count('pass')} passed" in summary
            and f"of {len(said)} checks" in summary)
    drills = {m["drill"] for m in doc["metrics"]}  # drills with something measured
    assert page.locator("#summary .sumrow").count() == len(drills)
    for label in ("Standing knee raise", "Seated hip-flexor drill", "Marching", "A-skips", "Run", "Sprint"):
        row = page.locator(f"#summary .sumrow:has(.drill b:text-is('{label}'))")
        left, right = row.locator(".cell.left .val").first.inner_text(), row.locator(".cell.right .val").first.inner_text()
        assert re.fullmatch(r"\d+(\.\d)?( s| reps|°)", left) and re.fullmatch(r"\d+(\.\d)?( s| reps|°)", right)
    knee = page.locator("#summary .sumrow[data-drill='standing_knee_raise']")
    for side, value in (("left", "30.7 s"), ("right", "30.8 s")):
        cell = knee.locator(f".cell.{side}")
        assert cell.locator(".val").inner_text() == value and cell.locator(".chip").inner_text() == "pass"
        assert cell.locator(".chip.pass").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(26, 127, 55)"
    # the summary fits the first screen at 1400 px
    if width >= 1000:
        box = page.locator("#summary").bounding_box()
        assert box["y"] + box["height"] < 1.0 * height + 120
    # every rule's source: the article title and its exact quote, not the file name
    rules = load_catalog()
    for rule_id in {v["rule_id"] for v in doc["verdicts"]}:
        src = rules[rule_id].source
        if src.get("choice") == "imuhip":
            assert "imuhip's choice" in visible
        else:
            assert src["quote"] in visible and src.get("title", src.get("paper")) in visible
    assert "002_ac558802434f84d7" not in visible
    assert page.locator("#angle-plot svg").count() == 1 and page.locator("#symmetry-plot svg").count() == 1
    # the timeline labels the drill bands; per-rep ticks are whole numbers from 1
    plot = page.locator("#angle-plot").inner_text()
    assert "Standing knee raise (left)" in plot and "Sprint" in plot
    ticks = page.locator("figure.bars").first.locator("g[id^='xtick'] text").all_text_contents()
    assert ticks and ticks[0] != "0" and all(t.isdigit() for t in ticks)
    assert page.locator("figure.bars").first.locator("title").first.text_content().startswith("left rep 1: ")


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_unannotated_report_in_a_real_browser(browser, tmp_path, width, height):
    from imuhip.io import read_csv, write_csv
    from imuhip.recording import Recording

    rec = read_csv(REPO / "recordings" / "demo_knee_raise.csv")
    plain_file = tmp_path / "plain.csv"
    write_csv(Recording(rec.sensors, rec.meta, []), plain_file)
    html_path = tmp_path / "plain.html"
    assert main(["report", str(plain_file), "--html", str(html_path)]) == 0
    page, errors = open_page(browser, html_path, width, height, tmp_path / f"plain_{width}.png")
    assert_fits(page, errors, width)
    summary = page.locator("#summary").inner_text()
    # Nobody marked the holds: they are recognised, said so with the confidence, and judged per side.
    row = page.locator("#summary .sumrow[data-drill='standing_knee_raise']")
    assert re.search(r"recognised from the data \(confidence [01]\.\d\d\)", row.inner_text())
    assert row.locator(".cell.left .chip").first.inner_text() == "pass"  # 32.8 s
    assert row.locator(".cell.right .chip").first.inner_text() == "fail"  # 21.7 s
    assert re.search(r"\d+\.\d s", row.locator(".cell.left").first.inner_text())


def test_compare_sessions_and_squad(browser, tmp_path):
    files = []
    for i, (athlete, date, left, right) in enumerate([("Ana", "2026-11-01", 22, 20), ("Ana", "2026-11-08", 31, 26),
                                                      ("Ana", "2026-11-22", 33, 30), ("Ben", "2026-11-02", 30, 14),
                                                      ("Ben", "2026-11-09", 32, 30)]):
        f = tmp_path / f"{athlete}_{i}.csv"
        assert main(["simulate", "knee_raise_hold", "--seed", str(i), "--athlete", athlete, "--date", date,
                     "--left-hold", str(left), "--right-hold", str(right), "--out", str(f)]) == 0
        files.append(str(f))
    out, table = tmp_path / "cmp.html", tmp_path / "cmp.csv"
    assert main(["compare", *files[::-1], "--html", str(out), "--csv", str(table)]) == 0
    import pandas as pd

    rows = pd.read_csv(table)
    assert list(rows["athlete"]) == ["Ana"] * 3 + ["Ben"] * 2 and list(rows["date"])[:2] == ["2026-11-01", "2026-11-08"]
    ana = rows[rows["athlete"] == "Ana"]["longest_hold_left_s"].to_numpy()
    assert ana[1] - ana[0] == pytest.approx(9.0, abs=0.5)  # progress over the week
    # Symmetry is the LSI of the metrics table's holds, flagged by the catalog's rule (90 %).
    holds = rows[["longest_hold_left_s", "longest_hold_right_s"]].to_numpy()
    expected = 100 * holds.min(axis=1) / holds.max(axis=1)
    print("compare LSI %:", rows["lowest_lsi_pct"].round(1).tolist(), "flagged:", rows["flagged_asymmetries"].tolist())
    assert rows["lowest_lsi_pct"].to_numpy() == pytest.approx(expected, abs=0.05)
    assert set(rows["lowest_lsi_metric"]) == {"standing_knee_raise.hold_duration_s"}
    limit = {r.value for r in load_catalog().values() if r.kind == "duration"}
    assert limit == {90.0} and list(rows["flagged_asymmetries"]) == [int(x < 90.0) for x in expected]
    page = out.read_text()
    assert "90 %: symmetry pass mark" in page  # the symmetry chart's line is the catalog rule
    assert "id='squad'" in page and page.index("Ana") < page.index("Squad")
    for width, height in VIEWPORTS:
        view, errors = open_page(browser, out, width, height, tmp_path / f"compare_{width}.png")
        assert_fits(view, errors, width)
        hold = view.locator("figure.progress").first
        # sessions on a date axis, y from zero with the 30 s line, left and right in one chart
        ticks = hold.locator("g[id^='xtick'] text").all_text_contents()
        assert ticks and all(re.fullmatch(r"\d\d [A-Z][a-z]{2}", t) for t in ticks), ticks
        assert hold.locator("g[id^='ytick'] text").first.text_content() == "0"
        legend = hold.locator("g[id^='legend'] text").all_text_contents()
        assert legend == ["left", "right"] and "30 s: standing knee raise" in hold.text_content()
        assert "None" not in view.locator("body").inner_text() and "nan" not in view.locator("body").inner_text()
