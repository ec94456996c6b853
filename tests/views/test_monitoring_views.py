"""Russian texts of the analytical note: targets and statuses in words."""
import numpy as np
import pandas as pd

from qualitylib.views.monitoring import INDICATOR_VIEW_COLUMNS, STATUS_TITLES, indicator_frame, target_text


def test_target_texts():
    assert target_text("at_least", 90, False, "%") == "не менее 90 %"
    assert target_text("at_least", 90.0, False, "число") == "не менее 90"
    assert target_text("increase_by", 10, True, "число") == "рост не менее чем на 10 % за год"
    assert target_text("decrease_by", 0.3, False, "балл") == "снижение не менее чем на 0,3 за год"
    assert target_text("equals", 100.0, False, "%") == "100 %"
    assert target_text("at_most", 2.25, False, "%") == "не более 2,25 %"
    assert target_text("increase", np.nan, False, "%") == "рост за год"
    assert target_text("none", None, False, "%") == "не задана"


def test_indicator_frame_words_the_codes():
    codes = pd.DataFrame({
        "id": ["a", "b"], "title": ["А", "Б"], "group": ["г", "г"], "unit": ["%", "балл"], "period": ["ежегодно"] * 2,
        "numerator": [1.0, np.nan], "denominator": [2.0, np.nan], "value": [50.0, np.nan],
        "prev_numerator": [1.0, np.nan], "prev_denominator": [4.0, np.nan], "prev_value": [25.0, np.nan],
        "change": [25.0, np.nan], "target_direction": ["at_least", "decrease_by"], "target_value": [40.0, 0.3],
        "target_relative": [False, False], "target_note": ["", "программа"], "status": ["met", "no_data"],
        "programme": ["p", "p"]})
    out = indicator_frame(codes)
    assert list(out.columns) == INDICATOR_VIEW_COLUMNS
    assert out["target"].tolist() == ["не менее 40 %", "снижение не менее чем на 0,3 за год"]
    assert out["status_title"].tolist() == [STATUS_TITLES["met"], "нет данных"]
    assert out["value"].iloc[0] == 50.0


def test_empty_indicator_frame():
    from qualitylib.rules.indicators import INDICATOR_COLUMNS

    out = indicator_frame(pd.DataFrame(columns=INDICATOR_COLUMNS))
    assert out.empty and list(out.columns) == INDICATOR_VIEW_COLUMNS


def test_recommendations_in_words():
    from qualitylib.views.monitoring import recommendation_frame

    codes = pd.DataFrame({"school_id": ["a", "b", "c"], "school_name": ["А", "Б", "В"],
                          "kind": ["shnor", "shnor", "risk"], "leader_name": ["Лидер", None, None]})
    shnor = pd.DataFrame({"school_id": ["a", "b"], "reasons": ["р1", "р2"]})
    risk = pd.DataFrame({"school_id": ["c"], "deficits": ["д3"], "recommendations": ["Р3."]})
    out = recommendation_frame(codes, shnor, risk, "Включить.")
    assert list(out.columns) == ["school_name", "kind", "reasons", "recommendation"]
    assert out["kind"].tolist() == ["ШНОР", "ШНОР", "зона риска"]
    assert out["reasons"].tolist() == ["р1", "р2", "д3"]
    assert out["recommendation"].tolist() == ["Включить. Школа-лидер для сетевой пары: Лидер.", "Включить.", "Р3."]


def test_summary_groups_without_a_name():
    from qualitylib.views.monitoring import NO_BODY, NOT_GIVEN, summary_frame

    summary = pd.DataFrame({"direction": ["Кадры", ""], "responsible": ["", "УО"], "total": [1, 2]})
    out = summary_frame(summary)
    assert out["direction"].tolist() == ["Кадры", NOT_GIVEN] and out["responsible"].tolist() == [NO_BODY, "УО"]
    assert out["total"].tolist() == [1, 2]
