"""Russian texts of the analytical note: targets and statuses in words."""
import numpy as np
import pandas as pd

from qualitylib.views.monitoring import INDICATOR_VIEW_COLUMNS, STATUS_TITLES, indicator_frame, shown_values, target_text


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


def test_a_year_outside_the_programme_period_is_said_at_the_top_of_every_report():
    from pathlib import Path

    from qualitylib.data.params import find_municipality_params, load_params
    from qualitylib.data.region import load_region
    from qualitylib.reports.dynamics import build_dynamics
    from qualitylib.reports.identification import build_identification
    from qualitylib.reports.monitoring import build_monitoring
    from qualitylib.views import dynamics as dyn_view, identification as ident_view, monitoring as mon_view
    from qualitylib.views.labels import programme_period_note

    region = load_region(Path(__file__).resolve().parents[2] / "data" / "sample")
    params = load_params(find_municipality_params("Норильск"))   # programme 2022–2024
    note = "Отчётный год 2026 вне периода программы 2022–2024"
    assert programme_period_note(params, 2024) is None and programme_period_note(params, 2022) is None
    assert programme_period_note(params, 2026).startswith(note)
    assert ident_view.summary_sentences(build_identification(region, "Норильск", 2026, params))[0].startswith(note)
    assert dyn_view.summary_sentences(build_dynamics(region, "Норильск", 2026, params))[0].startswith(note)
    m = build_monitoring(region, "Норильск", 2026, params)
    first = mon_view.summary_sentences(m)
    assert first[0].startswith(note)
    # the road map is read at the period's end, and the note says so instead of clamping silently
    assert (m.as_of.isoformat(), m.as_of_basis) == ("2024-12-31", "period_end")
    assert first[1] == ("Дорожная карта прочитана на конец периода программы — 31.12.2024: после этой даты "
                        "мероприятия программы не планировались.")
    inside = mon_view.summary_sentences(build_monitoring(region, "Норильск", 2024, params))
    assert not inside[0].startswith("Отчётный год") and m.year_in_period is False


def test_yes_no_items_are_answered_in_words_with_their_evidence():
    """Kavkazsky 5–7, 9–15: «да»/«нет», «выполнено» / «не выполнено» / «нет данных», the evidence shown."""
    from qualitylib.views.htmlbars import indicator_table

    codes = pd.DataFrame({
        "id": ["k.5", "k.6", "k.7"], "title": ["Комплекс", "База", "Карта"], "group": ["м"] * 3,
        "unit": ["да/нет"] * 3, "period": ["ежегодно"] * 3, "numerator": [np.nan] * 3,
        "denominator": [np.nan] * 3, "value": [1.0, 0.0, np.nan], "prev_numerator": [np.nan] * 3,
        "prev_denominator": [np.nan] * 3, "prev_value": [0.0, 1.0, 1.0], "change": [np.nan] * 3,
        "target_direction": ["equals"] * 3, "target_value": [1.0] * 3, "target_relative": [False] * 3,
        "target_note": [""] * 3, "status": ["met", "not_met", "no_data"], "programme": ["k"] * 3,
        "evidence": ["приказ № 5", "", ""], "prev_evidence": [""] * 3})
    out = indicator_frame(codes)
    assert out["answer"].tolist() == ["да", "нет", "нет данных"]
    assert out["prev_answer"].tolist() == ["нет", "да", "да"]
    assert out["status_title"].tolist() == ["выполнено", "не выполнено", "нет данных"]
    assert out["target"].tolist() == ["да"] * 3
    assert out["evidence"].tolist() == ["приказ № 5", "подтверждение не указано", ""]
    page = indicator_table(out, 2026).text
    assert "приказ № 5" in page and "<th>2025</th>" in page and "<th>2026</th>" in page
    assert 'class="ql-bars"' not in page and 'class="ql-bad">не выполнено' in page
    shown = shown_values(out)  # the summary of the note lists every indicator together: words, not 1 / 0
    assert shown["value"].tolist() == ["да", "нет", "нет данных"]
    assert shown["prev_value"].tolist() == ["нет", "да", "да"]
    assert out["value"].tolist()[:2] == [1.0, 0.0]  # the frame itself keeps the numbers for Excel and bars


def test_the_works_read_for_the_diagnostics_are_said_plainly():
    from qualitylib.rules.indicators import INDICATOR_COLUMNS
    from qualitylib.views.monitoring import BASIS_TEXTS

    row = {c: np.nan for c in INDICATOR_COLUMNS}
    row.update(id="norilsk.2.3.1.3", title="Д", group="г", unit="%", period="ежегодно", target_direction="increase",
               target_relative=False, target_note="", status="no_data", programme="norilsk", source="norilsk",
               target_own=False, round="", evidence="", prev_evidence="", lists="")
    frame = pd.DataFrame([dict(row, basis="vpr_substitute"), dict(row, basis="regional"), dict(row, basis="")])
    out = indicator_frame(frame)
    assert out["evidence"].tolist() == [BASIS_TEXTS["vpr_substitute"], BASIS_TEXTS["regional"], ""]
    assert "замена" in out["evidence"].iloc[0] and "ВПР" in out["evidence"].iloc[0]
