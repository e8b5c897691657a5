"""Regenerate the screenshots in docs/: python docs/make_screenshots.py

Renders the report of recordings/demo_session.csv and a comparison of five simulated sessions,
then photographs them in headless Chromium (playwright on /usr/bin/chromium) at a phone's width
(390 x 844) and a desktop's (1400 x 900): the first screen, as a coach opens it.
"""

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from imuhip.cli import main

DOCS = Path(__file__).resolve().parent
DEMO = DOCS.parent / "recordings" / "demo_session.csv"
SESSIONS = [("Ana", "2026-11-01", 22, 20), ("Ana", "2026-11-08", 27, 24), ("Ana", "2026-11-15", 31, 26),
            ("Ana", "2026-11-22", 33, 30), ("Ana", "2026-11-29", 34, 33)]


def pages(tmp: Path) -> dict[str, Path]:
    report, compare = tmp / "report.html", tmp / "compare.html"
    main(["report", str(DEMO), "--html", str(report)])
    files = []
    for i, (athlete, date, left, right) in enumerate(SESSIONS):
        files.append(str(tmp / f"s{i}.csv"))
        main(["simulate", "knee_raise_hold", "--seed", str(i), "--athlete", athlete, "--date", date,
              "--left-hold", str(left), "--right-hold", str(right), "--out", files[-1]])
    main(["compare", *files, "--html", str(compare)])
    return {"report": report, "compare": compare}


def main_() -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for name, path in pages(Path(tmp)).items():
            for width, height, suffix in ((1400, 900, ""), (390, 844, "_phone")):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(path.as_uri())
                page.screenshot(path=str(DOCS / f"{name}_screenshot{suffix}.png"))
                page.close()
        browser.close()


if __name__ == "__main__":
    main_()
