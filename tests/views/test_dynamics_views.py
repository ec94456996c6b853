"""The Russian words of the dynamics report: titles, notes, cell labels, the summary."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualitylib.data.params import load_params
from qualitylib.data.region import Region
from qualitylib.reports.dynamics import build_dynamics
from qualitylib.views import dynamics as texts

COLUMNS = ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count", "mean_score"]


def test_indicator_titles_and_notes():
    indicators = pd.DataFrame({
        "id": ["norilsk.2.3.1.1", "norilsk.2.3.1.2", "norilsk.3.3.3.1", "norilsk.3.3.3.4"],
        "numerator": [0, 1, 1, 0], "denominator": [3, 3, 2, 1], "value": [0.0, 33.3, 50.0, 0.0],
        "untestable": [1, 0, np.nan, np.nan], "significant": [np.nan, np.nan, 0, np.nan]})
    table = texts.indicator_table(indicators, 2026)
    assert table["title"].tolist() == [
        "Доля ШНОР с положительной динамикой результатов ГИА по математике",
        "Доля ШНОР с положительной динамикой результатов ГИА по русскому языку",
        "Доля ОУ, в которых снизился процент «2» по ВПР по математике (4 класс 2025 → 5 класс 2026)",
        "Доля ОУ без неудовлетворительных результатов ОГЭ по математике"]
    assert table["note"].tolist() == ["нельзя оценить (мало участников или нет данных): 1", "",
                                      "из них значимо: 0", ""]
    with pytest.raises(KeyError):
        texts.indicator_title("norilsk.9.9.9", 2026)


def test_grid_labels():
    grid = pd.DataFrame({"share_now": [46.4, 2.0, 45.0, 10.0, np.nan],
                         "verdict": ["declined", "improved", "no_change", "insufficient_data", "improved"],
                         "level": [5.0, 1.0, 4.0, np.nan, np.nan], "hidden": [0, 0, 0, 0, 1]})
    assert texts.grid_labels(grid).tolist() == ["46% ↑\nкрасный", "2% ↓\nсиний", "45% =\nоранжевый",
                                                "нет\nданных", "скр."]


def test_change_counts_message():
    changes = pd.DataFrame({"verdict": ["improved", "improved", "declined", "insufficient_data"]})
    assert texts.change_counts_message(changes, 2026, "d.csv") == (
        "Динамика 2025 → 2026: значимо улучшились — 2, ухудшились — 1, без значимых изменений — 0, "
        "недостаточно данных — 1. Таблица записана в «d.csv».")


@pytest.fixture
def dynamics():
    """ОГЭ math of A (30 % -> 10 %, 200 pupils) and B, ОГЭ Russian of A in 2025 only, a 4 -> 5 cohort."""
    schools = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["Школа Б", "Школа А"],
                            "municipality": ["М", "М"]})
    results = pd.DataFrame([
        (2025, "A", "oge", "math", 9, 200, 60, 12.0), (2026, "A", "oge", "math", 9, 200, 20, 14.0),
        (2025, "B", "oge", "math", 9, 100, 10, 15.0), (2026, "B", "oge", "math", 9, 100, 12, 15.5),
        (2025, "A", "oge", "russian", 9, 50, 20, 20.0),                           # 40 %, no 2026
        (2025, "A", "vpr", "math", 4, 50, 15, np.nan), (2026, "A", "vpr", "math", 5, 50, 14, np.nan),
    ], columns=COLUMNS)
    region = Region("Р", Path("."), schools, results, pd.DataFrame({"year": [], "school_id": []}))
    return build_dynamics(region, "М", 2026, load_params())


def test_summary_sentences(dynamics):
    d = dynamics
    text = texts.summary_sentences(d)
    assert d.shnor_ids == ["A"]    # 2025: ОГЭ math 30 % and Russian 40 %, two low results
    assert text[:3] == [
        "Динамика 2025 → 2026 год: в списке ШНОР муниципалитета «М» за 2025 год 1 школа.",
        "1 из 1 ШНОР значимо улучшили результат ГИА по математике.",
        "0 из 1 ШНОР значимо улучшили результат ГИА по русскому языку; у 1 оценить нельзя "
        "(мало участников или нет данных)."]
    counts = d.changes["verdict"].value_counts()
    assert (f"Всего пар «школа — процедура» с результатами в обоих годах или в одном из них: {len(d.changes)}; "
            f"значимое улучшение — {counts.get('improved', 0)}") in " ".join(text)
    assert "Когорта 4 → 5 класс по математике: доля «2» снизилась в 1 из 1 школ (из них значимо: 0)." in text
    # ОГЭ math gap: one school each side; 2025: 15 − 12 = 3, 2026: 15,5 − 14 = 1,5; change −1,5
    assert ("Разрыв между 10 % лучших и 10 % худших школ, ОГЭ математика: 1,5 балла (изменение за год -1,5); "
            "цель (сокращение не менее чем на 0,3) достигнута.") in text


def test_verdict_table(dynamics):
    table = texts.verdict_table(dynamics, school_ids=["A", "B"], assessments=["oge.math.9"])
    assert table["school_name"].tolist() == ["Школа А", "Школа Б"]            # sorted by name
    assert table["verdict_title"].tolist() == ["без значимых изменений", "значимое улучшение"]
    assert table["method_title"].tolist() == ["z-критерий", "z-критерий"]
    assert table["assessment_title"].tolist() == ["ОГЭ математика"] * 2


def test_summary_says_how_many_changes_were_tested_and_corrected(dynamics):
    # two tested changes (ОГЭ math of A and B; the other rows lack a year); A: 30 % -> 10 % is significant
    assert texts.correction_sentence(dynamics) == (
        "Проверено 2 изменения доли низких результатов (пары «школа — процедура» с достаточным числом "
        "участников в обоих годах); если читать каждую проверку отдельно при уровне значимости 5 %, около 0,1 "
        "из них оказались бы «значимыми» случайно, даже без реальных изменений, поэтому выводы скорректированы "
        "на множественность сравнений (поправка Бенджамини — Хохберга, q < 0,05) и требуют изменения не меньше "
        "5 п.п.: значимых изменений — 1.")
    assert texts.correction_sentence(dynamics) in texts.summary_sentences(dynamics)


def test_correction_sentence_counts_a_large_family():
    d = build_dynamics_with_rows(40)
    text = texts.correction_sentence(d)
    assert text.startswith("Проверено 40 изменений доли низких результатов")
    assert "около 2 из них оказались бы «значимыми» случайно" in text  # 0,05 × 40


def build_dynamics_with_rows(n):
    ids = [f"S{i:02d}" for i in range(n)]
    schools = pd.DataFrame({"school_id": ids, "school_name": ids, "municipality": ["М"] * n})
    results = pd.DataFrame([(year, s, "oge", "math", 9, 50, 10, 15.0) for s in ids for year in (2025, 2026)],
                           columns=COLUMNS)
    region = Region("Р", Path("."), schools, results, pd.DataFrame({"year": [], "school_id": []}))
    return build_dynamics(region, "М", 2026, load_params())


def test_verdict_table_shows_the_q_value(dynamics):
    table = texts.verdict_table(dynamics, school_ids=["A", "B"], assessments=["oge.math.9"])
    assert table["q_value_title"].tolist()[1] == "<0,001"                    # A: 30 % -> 10 % of 200
    b = table.iloc[0]
    assert b["q_value"] >= b["p_value"]                                       # B: the larger p of the two
    assert b["q_value_title"] == texts.q_value_text(b["q_value"])
    assert texts.q_value_text(0.0456) == "0,046" and texts.q_value_text(np.nan) == "—"
    from qualitylib.views.labels import COLUMN_TITLES
    assert COLUMN_TITLES["q_value_title"] == "q (с поправкой на множественность)"


def test_public_report_hides_the_q_value_of_a_uniform_group():
    schools = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["A", "B"], "municipality": ["М", "М"]})
    # A: nobody low in 2025 (a uniform group, hidden in a public report), 4 of 12 in 2026
    results = pd.DataFrame([(2025, "A", "oge", "math", 9, 12, 0, 15.0), (2026, "A", "oge", "math", 9, 12, 4, 15.0),
                            (2025, "B", "oge", "math", 9, 80, 20, 15.0), (2026, "B", "oge", "math", 9, 80, 22, 15.0)],
                           columns=COLUMNS)
    region = Region("Р", Path("."), schools, results, pd.DataFrame({"year": [], "school_id": []}))
    params = load_params()
    internal = build_dynamics(region, "М", 2026, params).changes.set_index("school_id")
    assert np.isfinite(internal.loc["A", "q_value"])
    changes = build_dynamics(region, "М", 2026, params, public=True).changes.set_index("school_id")
    assert np.isnan(changes.loc["A", "q_value"]) and np.isfinite(changes.loc["B", "q_value"])
    assert changes.loc["A", "verdict"] == "no_change"


def test_groups_without_results_are_said_once_not_listed_school_by_school():
    """A region with ВПР only (as the ФИС ОКО exports): the ШНОР A (60 % and 50 % «2» in 2025) has no ГИА
    in either year. The table of
    one test per school keeps the diagnostics row only, and one sentence says why ГИА is missing."""
    schools = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["Школа А", "Школа Б"],
                            "municipality": ["М", "М"]})
    results = pd.DataFrame([
        (2025, "A", "vpr", "math", 6, 50, 30, np.nan), (2026, "A", "vpr", "math", 6, 50, 10, np.nan),
        (2025, "A", "vpr", "russian", 6, 50, 25, np.nan), (2026, "A", "vpr", "russian", 6, 50, 12, np.nan),
        (2025, "B", "vpr", "math", 6, 50, 2, np.nan), (2026, "B", "vpr", "math", 6, 50, 3, np.nan),
        (2025, "B", "vpr", "russian", 6, 50, 3, np.nan), (2026, "B", "vpr", "russian", 6, 50, 2, np.nan),
    ], columns=COLUMNS)
    region = Region("Р", Path("."), schools, results, pd.DataFrame({"year": [], "school_id": []}))
    d = build_dynamics(region, "М", 2026, load_params())
    assert d.shnor_ids == ["A"] and d.groups_without_results == ("gia_math", "gia_russian")
    assert texts.group_table(d)["group"].tolist() == ["diagnostics"]
    assert texts.missing_groups_sentences(d) == [
        "Результатов по группам «ГИА по математике» и «ГИА по русскому языку» у ШНОР нет ни в 2025, ни в 2026 "
        "году: положительная динамика по ним не оценивается, и в таблице их нет."]
    summary = texts.summary_sentences(d)
    assert summary[1] == ("Результатов ГИА по математике и по русскому языку у ШНОР нет ни в 2025, ни в 2026 "
                          "году: их динамику оценить нельзя.")
    assert not any("значимо улучшили результат ГИА" in s for s in summary)
    table = texts.indicator_table(d.indicators, 2026).set_index("id")
    assert table.loc["norilsk.2.3.1.1", "note"] == "у ШНОР нет результатов ни в прошлом, ни в этом году"
    assert pd.isna(table.loc["norilsk.2.3.1.2", "value"]) and table.loc["norilsk.2.3.1.2", "denominator"] == 1
    assert table.loc["norilsk.2.3.1.3", "value"] == table.loc["norilsk.2.3.1.3", "value"]  # diagnostics: a value
    assert table.loc["norilsk.3.3.3.3", "note"] == "нет результатов"  # no ОГЭ to count


def test_no_sentence_when_every_group_has_results(dynamics):
    assert dynamics.groups_without_results == () and texts.missing_groups_sentences(dynamics) == []
