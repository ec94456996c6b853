"""Tests of qualitylib.batch.htmlreport: one copy of each style block, no code in the report."""
from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output

from qualitylib.views.html import CSS, table
from qualitylib.batch.htmlreport import drop_repeated_styles, notebook_to_html


def test_identical_style_blocks_are_kept_once():
    page = "<style>a{}</style><p>1</p><style>b{}</style><style>a{}</style><p>2</p><style>b{}</style>"
    assert drop_repeated_styles(page) == "<style>a{}</style><p>1</p><style>b{}</style><p>2</p>"


def test_report_carries_the_table_css_once():
    import pandas as pd

    fragment = table(pd.DataFrame({"school_name": ["Школа № 1"]})).text
    cells = [new_code_cell("t", outputs=[new_output("display_data", data={"text/html": fragment})])
             for _ in range(3)]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    html = notebook_to_html(nb, "Отчёт")
    assert html.count(CSS.strip()) == 1
    assert html.count("Школа № 1") == 3


def test_repeated_styles_dropped_as_the_regular_expression_would():
    """The ``str.find`` scan keeps what ``re.sub`` of ``<style[^>]*>.*?</style>`` kept, odd pages included."""
    import random
    import re

    pattern = re.compile(r"<style[^>]*>.*?</style>", re.S)

    def by_regex(page):
        seen = set()

        def keep_first(match):
            if match.group(0) in seen:
                return ""
            seen.add(match.group(0))
            return match.group(0)
        return pattern.sub(keep_first, page)

    rng = random.Random(7)
    tokens = ["<style>a{}</style>", "<style>b{}</style>", "<style type='a'>a{}</style>", "<style>", "</style>",
              "a{}", ">", "<", "<p>", "x", "<stylex>", "</style", "style>", "<style", "\n"]
    pages = ["".join(rng.choice(tokens) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    assert sum(by_regex(p) != p for p in pages) > 1000   # the pages do hold repeated blocks
    for page in pages:
        assert drop_repeated_styles(page) == by_regex(page), page


def _chart_notebook():
    import base64

    png = base64.b64encode(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()
    cells = [new_code_cell("chart()", execution_count=3, metadata={"papermill": {"duration": 1.5}},
                           outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
                                    new_output("execute_result", data={"text/plain": "1"}, execution_count=3)])]
    return new_notebook(cells=cells, metadata={"papermill": {"start_time": "x"},
                                               "kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def test_images_carry_a_russian_alternative_text_and_the_notebook_is_left_as_it_was():
    import copy

    nb = _chart_notebook()
    before = copy.deepcopy(nb)
    html = notebook_to_html(nb, "Отчёт")
    assert html.count("<img ") == 1 and html.count('<img alt="Диаграмма" src="data:image/png;base64,') == 1
    assert "No description" not in html and "papermill" not in html and "chart()" not in html
    assert nb == before



def test_an_unchecked_nbconvert_release_gets_its_own_method_and_the_same_report(monkeypatch):
    import re

    from qualitylib.batch import htmlreport

    def text(page):  # what a reader sees: the words between the tags
        return " ".join(re.sub(r"<[^>]*>", " ", re.sub(r"(?s)<style.*?</style>", "", page)).split())

    assert htmlreport.reproduces_parent()  # the pinned nbconvert is one this module was checked against
    fast = notebook_to_html(_chart_notebook(), "Отчёт")
    monkeypatch.setattr(htmlreport, "reproduces_parent", lambda: False)
    own = notebook_to_html(_chart_notebook(), "Отчёт")
    # nbconvert's own method re-serialises the page and makes the outputs focusable; the report is the same
    assert 'tabindex="0"' in own and 'tabindex="0"' not in fast
    for page in (own, fast):
        assert len(re.findall(r'<img alt="Диаграмма"[^>]* src="data:image/png;base64,', page)) == 1
    assert text(own) == text(fast) and "Методика и параметры" in text(fast)


def _svg_notebook(svg: str):
    cells = [new_code_cell("chart()", execution_count=1,
                           outputs=[new_output("display_data", data={"image/svg+xml": svg, "text/plain": "<Figure>"})])]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def _matplotlib_svg(title: str) -> str:
    from io import BytesIO

    import matplotlib.pyplot as plt

    from qualitylib.views import charts

    with charts.theme():
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar([0, 1], [2, 3])
        ax.set_title(title)
        buf = BytesIO()
        fig.savefig(buf, format=charts.INLINE_FORMAT, **charts.INLINE_SAVE)
    plt.close(fig)
    return buf.getvalue().decode("utf-8")


def test_an_svg_chart_is_written_into_the_page_with_its_texts_and_their_font():
    from qualitylib.batch.webfont import CHART_FONT

    svg = _matplotlib_svg("Школа № 5 «Ромашка» & <лицей>")
    assert svg.startswith("<?xml") and "<metadata>" in svg and "<!DOCTYPE" in svg  # what the filter removes
    page = notebook_to_html(_svg_notebook(svg), "Отчёт")
    assert page.count('<svg role="img" aria-label="Диаграмма"') == 1 and "<img " not in page
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata>" not in page and "rdf:" not in page
    # the title is a text of the page (a search finds it), escaped as the SVG had it
    assert "Школа № 5 «Ромашка» &amp; &lt;лицей&gt;" in page
    assert page.count("@font-face") == 1 and f'font-family:"{CHART_FONT}"' in page
    assert "data:font/woff;base64," in page and "Matplotlib v" not in page


def test_an_svg_with_a_script_is_shown_as_an_image_and_a_page_without_svg_carries_no_font():
    import base64

    hostile = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect onclick="x()"/></svg>'
    page = notebook_to_html(_svg_notebook(hostile), "Отчёт")
    assert "<script>alert" not in page and "onclick" not in page
    data = base64.b64encode(hostile.encode()).decode()
    assert f'<img alt="Диаграмма" src="data:image/svg+xml;base64,{data}">' in page
    handler = '<svg><rect ONLOAD = "x()"/></svg>'
    assert notebook_to_html(_svg_notebook(handler), "Отчёт").count("<img ") == 1
    assert "@font-face" not in notebook_to_html(_chart_notebook(), "Отчёт")
