"""Real browser: headless Chromium (Debian package) opens the index and each report kind.

Fails on console errors, failed requests and broken images; saves screenshots in pytest's
temporary folder (a failing test's report lists their paths). Without Chromium the test is skipped, unless
``QUALITYLIB_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes its absence a failure.
"""
from pathlib import Path

import pytest

from qualitylib.batch.runner import NOTEBOOKS, run_region

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    run_region(ROOT / "data" / "sample", 2026, out, municipalities=["Полысаево"], workers=1, progress=False)
    return out / "sinteticheskiy-region-obrazets" / "2026"


def open_page(browser, path: Path, shot: str, screenshot):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: problems.append(f"network request: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length")
    screenshot(page, shot)
    title = page.title()
    page.close()
    return title, problems, broken


def test_index_page_in_browser(browser, reports, screenshot):
    title, problems, broken = open_page(browser, reports / "index.html", "index", screenshot)
    assert title == "Синтетический регион (образец) — отчёты за 2026 год"
    assert problems == [] and broken == 0


@pytest.mark.parametrize("notebook", list(NOTEBOOKS))
def test_each_report_in_browser(browser, reports, notebook, screenshot):
    path = reports / "polysaevo" / f"{notebook}.html"
    if not (ROOT / "notebooks" / f"{notebook}.ipynb").is_file():
        pytest.skip(f"блокнота {notebook} ещё нет")
    title, problems, broken = open_page(browser, path, notebook, screenshot)
    assert title.endswith("— Полысаево, 2026")
    assert problems == []
    assert broken == 0
