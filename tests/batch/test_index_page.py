"""The region's index page."""
from qualitylib.batch.index_page import render_index
from qualitylib.batch.runner import NOTEBOOKS


def row(name, status="ok", **extra):
    base = {"municipality": name, "slug": "s", "status": status, "reasons": [],
            "reports": {"01_identification": True, "registry": True},
            "headline": {"schools": 10, "shnor": 2, "shnor_prev": 1, "risk": 3, "shnsu": 1}}
    base.update(extra)
    return base


def test_names_and_reasons_are_escaped():
    page = render_index("Регион <b>", 2026, [row("<script>alert(1)</script>", "failed",
                                                  reasons=["01: ошибка <img src=x>"])], "2026-01-01", False, NOTEBOOKS)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x&gt;" in page and "Регион &lt;b&gt;" in page


def test_headline_numbers_and_links():
    page = render_index("Р", 2026, [row("Полысаево")], "2026-01-01 10:00", True, NOTEBOOKS)
    assert '<a href="s/01_identification.html">Выявление ШНОР и школ в зоне риска</a>' in page
    assert '<a href="s/registry.xlsx">' in page
    assert "публичный" in page and "с ошибками: 0" in page
    assert "http" not in page


def test_municipality_without_a_programme_is_marked_in_plain_words():
    headline = {"schools": 10, "shnor": 2, "shnor_prev": 1, "risk": 3, "shnsu": 1, "no_programme": True}
    with_programme = {**headline, "no_programme": False, "indicators_met": 3, "indicators_total": 8}
    page = render_index("Р", 2026, [row("Новый", headline=headline), row("Норильск", headline=with_programme)],
                        "2026-01-01 10:00", False, NOTEBOOKS)
    assert page.count("программа мониторинга не выбрана") == 1
    assert "<td class='num'>3 из 8</td>" in page
