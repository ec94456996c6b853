"""Risk-zone areas (Norilsk 3.2) at their boundaries."""
import pandas as pd
import pytest

from qualitylib.data.params import load_params
from qualitylib.rules.risk import high_vpr, identify_risk, join_labels
from qualitylib.views.identification import risk_texts

GOOD = {"internet": 1, "computers": 1, "lab_physics": 1, "lab_chemistry": 1, "lab_biology": 1,
        "lab_geography": 1, "lab_technology": 1, "teachers_overload_pct": 5.0,
        "teachers_unqualified_pct": 0.0, "pupils_registered_pct": 1.0, "pupils_disabled_pct": 1.0,
        "pupils_nonnative_pct": 1.0, "pupils_absentee_pct": 1.0, "pupils_failing_pct": 2.0}


@pytest.fixture
def params():
    return load_params()


def run(params, overrides=None, results=()):
    row = {"year": 2026, "school_id": "A", **GOOD, **(overrides or {})}
    context = pd.DataFrame([row])
    res = pd.DataFrame(list(results), columns=["year", "school_id", "procedure", "subject", "grade",
                                               "participants", "low_count"])
    schools = pd.DataFrame({"school_id": ["A"], "school_name": ["Школа"], "municipality": ["М"]})
    table = identify_risk(context, res, schools, 2026, params)
    # the rule gives codes; the words the report shows come from the views
    words = risk_texts(table, high_vpr(res, schools, 2026, params).assign(hidden=False), params)
    return table.join(words).iloc[0]


def test_a_school_with_good_values_is_not_at_risk(params):
    row = run(params)
    assert row[["area_material", "area_staff", "area_pupils", "area_results", "risk"]].tolist() == [0] * 5
    assert row["deficits"] == "" and row["recommendations"] == ""


@pytest.mark.parametrize("column", ["internet", "computers", "lab_physics", "lab_technology"])
def test_material_area_any_no(params, column):
    row = run(params, {column: 0})
    assert row["area_material"] == 1 and row["risk"] == 1


def test_material_area_names_missing_labs(params):
    row = run(params, {"internet": 0, "lab_chemistry": 0, "lab_biology": 0})
    assert row["labs_codes"] == "lab_chemistry;lab_biology" and row["deficit_codes"].startswith("internet;labs")
    assert row["material_missing"] == "нет устойчивого Интернета; нет лабораторного оборудования: химия, биология"


@pytest.mark.parametrize("overload, expected", [(10.0, 0), (10.01, 1)])
def test_staff_overload_boundary(params, overload, expected):
    assert run(params, {"teachers_overload_pct": overload})["area_staff"] == expected


@pytest.mark.parametrize("unqualified, expected", [(0.0, 0), (0.01, 1), (3.0, 1)])
def test_staff_unqualified_boundary(params, unqualified, expected):
    assert run(params, {"teachers_unqualified_pct": unqualified})["area_staff"] == expected


def test_pupils_area_sum_exactly_ten_is_not_risk(params):
    # 3.3 + 3.3 + 3.4 + 0 = 10.000000000000002 in floats; exactly 10 % by the rule
    row = run(params, {"pupils_registered_pct": 3.3, "pupils_disabled_pct": 3.3,
                       "pupils_nonnative_pct": 3.4, "pupils_absentee_pct": 0.0})
    assert row["area_pupils"] == 0
    assert row["pupils_sum_pct"] == pytest.approx(10.0)


def test_pupils_area_sum_above_ten_is_risk(params):
    row = run(params, {"pupils_registered_pct": 3.3, "pupils_disabled_pct": 3.3,
                       "pupils_nonnative_pct": 3.4, "pupils_absentee_pct": 0.01})
    assert row["area_pupils"] == 1


def vpr(grade, subject, n, low):
    return (2026, "A", "vpr", subject, grade, n, low)


def test_results_area_needs_twenty_percent_in_two_of_four(params):
    one = run(params, results=[vpr(4, "math", 10, 2), vpr(8, "math", 10, 1)])
    assert one["area_results"] == 0 and one["vpr_high_count"] == 1
    two = run(params, results=[vpr(4, "math", 10, 2), vpr(8, "russian", 20, 4)])  # exactly 20 % twice
    assert two["area_results"] == 1 and two["vpr_high_count"] == 2
    assert two["vpr_high_codes"] == "vpr.math.4;vpr.russian.8"
    assert two["vpr_high"] == "ВПР математика 4 кл. — 20 %; ВПР русский язык 8 кл. — 20 %"
    below = run(params, results=[vpr(4, "math", 100, 19), vpr(8, "russian", 100, 19)])
    assert below["area_results"] == 0


@pytest.mark.parametrize("failing, expected", [(10.0, 0), (10.1, 1)])
def test_results_area_failing_pupils_boundary(params, failing, expected):
    assert run(params, {"pupils_failing_pct": failing})["area_results"] == expected


def test_recommendations_come_from_params(params):
    params["recommendations"]["overload"] = "Текст из параметров."
    row = run(params, {"teachers_overload_pct": 50.0, "pupils_failing_pct": 12.0})
    assert row["deficit_codes"] == "overload;failing"
    assert row["recommendations"].splitlines()[0] == "Перегрузка учителей: Текст из параметров."
    assert row["areas"] == 2


def test_school_without_context_is_not_flagged_by_context_areas(params):
    context = pd.DataFrame([{"year": 2025, "school_id": "A", **GOOD, "internet": 0}])
    schools = pd.DataFrame({"school_id": ["A"], "school_name": ["Школа"], "municipality": ["М"]})
    empty = pd.DataFrame(columns=["year", "school_id", "procedure", "subject", "grade", "participants",
                                  "low_count"])
    row = identify_risk(context, empty, schools, 2026, params).iloc[0]
    assert row["has_context"] == 0 and row["risk"] == 0


def test_join_labels():
    flags = pd.DataFrame({"a": [True, False, True], "b": [True, False, False]})
    assert join_labels(flags, {"a": "А", "b": "Б"}, "; ").tolist() == ["А; Б", "", "А"]


def test_recommendation_heading_keeps_abbreviations(params):
    row = run(params, results=[vpr(4, "math", 10, 5), vpr(8, "russian", 10, 5)])
    assert row["recommendations"].startswith("Низкие результаты ВПР: ")
