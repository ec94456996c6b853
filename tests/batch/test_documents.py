"""The batch's reports as documents: printed on A4 they lose no column; their text has no config key,
internal code, file path or library name.

Print: every page of a batch run, laid out as Chromium prints it on A4, loses no column.

The report template prints on A4 portrait with 12 mm side margins, so the printable width is
210 − 2 × 12 = 186 mm = 186 / 25,4 × 96 ≈ 703 CSS px. The page is laid out in print media at
that width; a table, chart or figure whose right edge is beyond it would be cut on paper.
Without Chromium the test is skipped, unless ``QUALITYLIB_REQUIRE_BROWSER=1`` makes its absence
a failure (as in :mod:`tests.batch.test_browser`).

By default the checks run on a fresh batch run of the sample region. ``QUALITYLIB_DOCUMENTS_OUTPUT``
points them at an existing run instead — its region-and-year folder, e.g. the real region's
``outputs/altayskiy-kray/2021`` after ``make real``.
"""
import html
import os
import re
from pathlib import Path

import pytest

from qualitylib.batch.runner import run_region

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
#: A4 portrait less the template's 12 mm side margins, in CSS px (96 per inch).
PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)

#: Elements wider than the printable area (tag, class, right edge, first words); the whole page's width.
OVERFLOW_JS = """(width) => {
  const wide = [];
  for (const el of document.querySelectorAll('table, img, svg, figure, pre, canvas')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1)) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className || ''} ${Math.round(r.left)}…${Math.round(r.right)} px: `
                + (el.innerText || el.getAttribute('alt') || '').slice(0, 60).replace(/\\s+/g, ' '));
    }
  }
  return {wide, page: document.documentElement.scrollWidth};
}"""


#: An existing batch output to check (a region-and-year folder) instead of a fresh run of the sample.
OUTPUT = os.environ.get("QUALITYLIB_DOCUMENTS_OUTPUT")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    if OUTPUT:
        base = Path(OUTPUT)
        assert (base / "index.html").is_file(), f"в «{base}» нет оглавления прогона (index.html)"
    else:
        out = tmp_path_factory.mktemp("print")
        run_region(ROOT / "data" / "sample", 2026, out, workers=2, progress=False)
        base = out / "sinteticheskiy-region-obrazets" / "2026"
    found = sorted(base.rglob("*.html"))
    assert len(found) > 6  # the index and the reports of every municipality
    return base, found


def printed_overflow(browser, path: Path) -> tuple[list[str], int]:
    page = browser.new_page(viewport={"width": PRINTABLE_PX, "height": 1100})
    try:
        page.emulate_media(media="print")
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        result = page.evaluate(OVERFLOW_JS, PRINTABLE_PX)
    finally:
        page.close()
    return result["wide"], result["page"]


def test_printable_width_is_the_templates():
    template = (ROOT / "qualitylib" / "batch" / "templates" / "report" / "index.html.j2").read_text(encoding="utf-8")
    assert "size: A4 portrait; margin: 14mm 12mm 16mm 12mm" in template
    assert PRINTABLE_PX == 703


def test_every_page_fits_a4(browser, pages):
    base, found = pages
    cut = {}
    for path in found:
        wide, width = printed_overflow(browser, path)
        if wide or width > PRINTABLE_PX + 1:
            cut[str(path.relative_to(base))] = (width, wide)
    assert cut == {}


def test_the_check_sees_a_wide_table(browser, tmp_path):
    """The measurement itself: a table of fixed 900 px is reported, a wrapped one is not."""
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html lang="ru"><body style="margin:0">'
                    '<table style="width:900px"><tr><td>широкая</td></tr></table>'
                    '<table style="width:100%"><tr><td>' + "слово " * 400 + "</td></tr></table></body></html>",
                    encoding="utf-8")
    wide, width = printed_overflow(browser, page)
    assert len(wide) == 1 and wide[0].startswith("table. 0…900 px") and "широкая" in wide[0]
    assert width >= 900


#: What a reader must never see: configuration keys, catalogue and assessment codes, file paths,
#: library names and column keys.
FORBIDDEN = {
    "config key": re.compile(r"\b(?:identification|risk|social|pairing|dynamics|privacy|recommendations|objectivity"
                             r"|monitoring|indicators)\.[a-z_]+\b"),
    "internal code": re.compile(r"\b[a-z][a-z-]*\.\d+(?:\.\d+)*\b"),
    "assessment code": re.compile(r"\b(?:vpr|oge|ege)\.[a-z_]+\.\d+\b"),
    "file path": re.compile(r"[\w./-]+\.(?:ya?ml|csv|py|ipynb|json)\b|params/|\.venv|/tmp/"),
    "library": re.compile(r"qualitylib|pandas|matplotlib|openpyxl|papermill|nbconvert|python|California", re.I),
    "column key": re.compile(r"\b[a-z]+_[a-z_]+\b"),
}


def visible_text(page: str) -> str:
    """The text of an HTML page a reader sees: no styles, no markup, entities and soft hyphens resolved."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page).replace("\xad", "")


def forbidden_words(text: str) -> dict[str, list[str]]:
    found = {kind: sorted(set(p.findall(text))) for kind, p in FORBIDDEN.items()}
    return {kind: words for kind, words in found.items() if words}


def test_the_scan_finds_what_it_forbids():
    text = visible_text("<p>Порог <code>identification.threshold_pct</code> из params/polysaevo.yaml, "
                        "показатель norilsk.2.3.1.1, vpr.math.5, библиотека qualitylib, share_lo</p>"
                        "<style>.a_b{}</style>")
    assert forbidden_words(text) == {
        "config key": ["identification.threshold_pct"], "internal code": ["math.5", "norilsk.2.3.1.1"],
        "assessment code": ["vpr.math.5"], "file path": ["params/polysaevo.yaml"],
        "library": ["qualitylib"], "column key": ["share_lo", "threshold_pct"]}
    assert forbidden_words(visible_text("<p>Показатель 2.3.1.1: 30,5 % (ВПР математика 5 кл.)</p>")) == {}


def test_reader_text_has_no_keys_codes_or_paths(pages):
    base, found = pages
    hits = {str(p.relative_to(base)): forbidden_words(visible_text(p.read_text(encoding="utf-8"))) for p in found}
    assert {name: words for name, words in hits.items() if words} == {}


def test_every_report_is_russian_dated_and_navigable(pages):
    base, found = pages
    for path in found:
        page = path.read_text(encoding="utf-8")
        assert '<html lang="ru">' in page, path
        if path.name in ("index.html", "changes.html"):  # the region's pages, linked from the index
            assert not re.search(r"\d{4}-\d{2}-\d{2}", visible_text(page))  # dates as дд.мм.гггг
            continue
        assert re.search(r"Сформировано \d{2}\.\d{2}\.\d{4}", page), path
        nav = re.search(r'<nav class="ql-nav">(.*?)</nav>', page, re.S).group(1)
        links = set(re.findall(r'href="([^"]+)"', nav))
        assert "../index.html" in links
        for link in links:  # every link of the bar leads to a file that is there
            assert (path.parent / link).is_file(), (path, link)
        others = {p.name for p in path.parent.glob("*.html")} - {path.name}
        assert others <= links


def test_the_road_map_is_introduced_only_where_there_is_one(pages):
    """Four municipalities of the sample have a road map, Кавказский район and Красноярск none: the words on
    how the plans are read stand only above a road map, and the others say in one sentence there is none."""
    _, found = pages
    notes = [visible_text(p.read_text(encoding="utf-8")) for p in found if p.name == "03_monitoring.html"]
    without = [text for text in notes if "Дорожной карты муниципалитета в данных нет." in text]
    with_map = [text for text in notes if text not in without]
    assert len(notes) == 6 and len(without) == 2
    assert all("Повторяющийся срок" in text for text in with_map)
    assert not any("Повторяющийся срок" in text for text in without)


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_word_documents_of_every_municipality_read_back_clean(pages):
    base, _ = pages
    folders = sorted(p for p in base.iterdir() if p.is_dir() and p.name != "_region")
    assert len(folders) == 6 or OUTPUT
    region = docx_text(base / "_region" / "00_region.docx")
    assert "Регион в целом" in region and "Приложение. Методика" in region and forbidden_words(region) == {}
    dirty = {}
    for folder in folders:
        for name, appendix in (("01_identification.docx", "Приложение. Методика и параметры"),
                               ("03_monitoring.docx", "Приложение. Методика и параметры"),
                               ("04_tasks.docx", "Приложение. Методика")):
            assert (folder / name).is_file(), folder / name
            text = docx_text(folder / name)
            assert appendix in text, folder / name
            if forbidden_words(text):
                dirty[f"{folder.name}/{name}"] = forbidden_words(text)
    assert dirty == {}
