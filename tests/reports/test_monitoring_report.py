"""The analytical note's data: road map on a date, recommendations, indicators.xlsx."""
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qualitylib import load_region
from qualitylib.batch.excel import write_indicators_workbook
from qualitylib.data.params import find_municipality_params, load_params
from qualitylib.data.programmes import Programme, programme_for
from qualitylib.reports.identification import build_identification
from qualitylib.reports.monitoring import build_monitoring, indicators_table, report_date
from qualitylib.views.monitoring import note_view, summary_sentences

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def region():
    return load_region(ROOT / "data" / "sample")


def test_report_date_defaults_and_cap():
    programme = Programme("p", "П", (dt.date(2020, 9, 1), dt.date(2021, 8, 31)), ["x"], {})
    # after the programme: its end, and the note is told so (the basis), nothing clamped silently
    assert report_date(2026, programme, None) == (dt.date(2021, 8, 31), "period_end")
    assert report_date(2021, programme, None) == (dt.date(2021, 8, 31), "period_end")
    assert report_date(2020, programme, None) == (dt.date(2020, 9, 1), "september")
    assert report_date(2019, programme, None) == (dt.date(2020, 9, 1), "period_start")
    assert report_date(2021, programme, "2021-03-01") == (dt.date(2021, 3, 1), "given")
    open_ended = Programme("p", "П", None, ["x"], {})
    assert report_date(2026, open_ended, None) == (dt.date(2026, 9, 1), "september")


def test_polysaevo_note_mid_programme(region, tmp_path):
    params = load_params(find_municipality_params("Полысаево"))
    m = build_monitoring(region, "Полысаево", 2026, params, as_of="2021-01-15")
    total = m.roadmap_total.iloc[0]
    assert total["total"] == 26
    assert total["done"] + total["in_progress"] + total["overdue"] + total["not_started"] + \
        total["unparsed_deadline"] == 26
    # items due by mid-January and not done are named as overdue
    assert set(m.overdue["item"].astype(str)) == set(
        m.roadmap.loc[m.roadmap["state"] == "overdue", "item"].astype(str))
    text = " ".join(summary_sentences(m))
    assert "Дорожная карта прочитана на дату мониторинга 15.01.2021." in text
    assert f"на 15.01.2021 выполнено — {int(total['done'])}" in text and f"просрочено — {int(total['overdue'])}" in text
    # read on the date: an item completed after 15.01.2021 is not done on that date
    later = m.roadmap["completed_date"] > pd.Timestamp("2021-01-15")
    assert later.sum() > 0 and not (m.roadmap.loc[later, "state"] == "done").any()
    assert (m.roadmap.loc[~later & (m.roadmap["status_code"] == "done"), "state"] == "done").all()
    assert set(m.recommendations["kind"]) == {"shnor", "risk"}
    recommendations = note_view(m).recommendations
    kinds = set(recommendations["kind"])
    assert "ШНОР" in kinds and "зона риска" in kinds
    shnor_rows = recommendations[recommendations["kind"] == "ШНОР"]
    assert shnor_rows["recommendation"].str.startswith("Включить школу в программу адресной поддержки ШНОР").all()
    path = write_indicators_workbook(tmp_path / "indicators.xlsx", m)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Показатели", "Дорожная карта", "Не выполнено", "Просрочено", "Рекомендации",
                               "Параметры"]
    headers = [cell.value for cell in book["Дорожная карта"][1]]
    assert {"План", "Ожидаемый результат", "Подтверждение", "Повторение"} <= set(headers)
    pending = book["Не выполнено"]
    assert pending.max_row == 1 + int(total["in_progress"] + total["overdue"] + total["not_started"]
                                      + total["unparsed_deadline"])
    assert book["Показатели"]["C1"].value == "Показатель" and book["Показатели"].max_row == len(m.indicators) + 1


def test_municipality_without_road_map(region):
    params = load_params(find_municipality_params("Кавказский район"))
    m = build_monitoring(region, "Кавказский район", 2026, params)
    assert m.roadmap is None and m.plans is None
    assert "Дорожной карты муниципалитета в данных нет." in summary_sentences(m)


def test_without_programme_the_note_still_renders(region):
    params = load_params()   # the base methodology names no programme
    m = build_monitoring(region, "Полысаево", 2026, params)
    assert m.programme is None and m.indicators.empty
    first, advice = summary_sentences(m)[:2]
    assert first.startswith("Программа мониторинга для муниципалитета не выбрана")
    assert advice.startswith("Что можно добавить: выбрать для муниципалитета программу мониторинга")
    # plain words for officials: no keys, file names or codes of the parameters
    for text in (first, advice):
        assert not any(word in text for word in ("programme", "yaml", "params", "ключ", "--"))
    assert m.roadmap is not None and len(m.recommendations)


@pytest.mark.parametrize("public", [False, True])
def test_indicators_reusing_the_identification_are_the_same(public, region, monkeypatch):
    # the analytical note lends its identification to the indicators: same numbers either way
    # (no results cache here, or the second call would only read the first)
    monkeypatch.setenv("QUALITYLIB_CACHE", "0")
    for name in region.municipalities:
        params = load_params(find_municipality_params(name))
        programme, catalogue = programme_for(params)
        ident = build_identification(region, name, 2026, params, public=public, objectivity=False)
        alone = indicators_table(region, name, 2026, params, programme, catalogue)
        lent = indicators_table(region, name, 2026, params, programme, catalogue, ident=ident)
        pd.testing.assert_frame_equal(alone, lent)


def test_the_note_carries_the_school_level_tests_behind_its_indicators(region):
    from qualitylib.rules.indicators import SCHOOL_TEST_BUILTINS
    params = load_params(find_municipality_params("Кавказский район"))
    m = build_monitoring(region, "Кавказский район", 2026, params)
    tests = m.school_tests
    # Kavkazsky counts «ШНОР с лучшими результатами»: one test per ШНОР of the programme year
    assert set(tests["indicator"]) == {"kavkazsky.3"}
    assert sorted(tests["school_id"]) == sorted(m.ident.shnor_prev.query("shnor == 1")["school_id"])
    row = m.indicators.set_index("id").loc["kavkazsky.3"]
    assert row["numerator"] == (tests["verdict"] == "improved").sum() and row["denominator"] == len(tests)
    assert "shnor_improved" in SCHOOL_TEST_BUILTINS


def test_school_tests_frame_with_an_indicator_held_in_rounds(region):
    from qualitylib.views.monitoring import school_tests_frame
    params = load_params(find_municipality_params("Красноярск"))
    m = build_monitoring(region, "Красноярск", 2026, params)
    assert m.indicators["id"].duplicated().any()  # Norilsk 4.3: January and June
    frame = school_tests_frame(m)
    assert len(frame) == len(m.school_tests) and frame["title"].notna().all()
