"""Indicators: every computation kind by hand on tiny tables, targets of each kind."""
import datetime

import numpy as np
import pandas as pd
import pytest

from qualitylib.data.params import load_params
from qualitylib.data.programmes import BUILTIN_NAMES, Programme
from qualitylib.data.schema import CONTEXT, MONITORING
from qualitylib.rules.indicators import (BUILTINS, INDICATOR_COLUMNS, IndicatorTables, compute_indicators,
                                         evaluate_target)

GOOD_CONTEXT = {c: 1 for c in ("internet", "computers", "lab_physics", "lab_chemistry", "lab_biology",
                               "lab_geography", "lab_technology")}
GOOD_CONTEXT.update({c: 1.0 for c in ("teachers_overload_pct", "teachers_unqualified_pct", "pupils_registered_pct",
                                      "pupils_disabled_pct", "pupils_nonnative_pct", "pupils_absentee_pct",
                                      "pupils_failing_pct")})
GOOD_CONTEXT["teachers_unqualified_pct"] = 0.0


def tiny_tables() -> IndicatorTables:
    """Three schools; W is a ШНОР of 2025 (two low ВПР); monitoring for 2025 and 2026."""
    schools = pd.DataFrame({"school_id": ["W", "A", "B"], "school_name": ["Слабая", "Школа А", "Школа Б"],
                            "municipality": ["М"] * 3})
    res = [
        (2025, "W", "vpr", "math", 5, 20, 8), (2025, "W", "vpr", "russian", 5, 20, 8),
        (2026, "W", "vpr", "math", 5, 20, 2), (2026, "W", "vpr", "russian", 5, 20, 7),
        (2026, "A", "oge", "math", 9, 30, 0), (2026, "B", "oge", "math", 9, 25, 3),
        (2026, "A", "oge", "russian", 9, 30, 0),
    ]
    results = pd.DataFrame(res, columns=["year", "school_id", "procedure", "subject", "grade", "participants",
                                         "low_count"])
    for col in ("mark3", "mark4", "mark5", "mean_score", "max_score"):
        results[col] = np.nan
    context = pd.DataFrame([{"year": y, "school_id": s, **GOOD_CONTEXT} for y in (2025, 2026) for s in "WAB"])
    context.loc[(context["year"] == 2025) & (context["school_id"] == "B"), "internet"] = 0   # B at risk in 2025
    for col in CONTEXT.column_names:
        if col not in context:
            context[col] = np.nan
    mon = pd.DataFrame({"year": [2025, 2025, 2025, 2026, 2026, 2026], "school_id": list("WABWAB")})
    for col in MONITORING.column_names[2:]:
        mon[col] = np.nan
    mon.loc[mon["year"] == 2026, "teachers_total"] = [10, 20, 30]
    mon.loc[mon["year"] == 2026, "teachers_diagnosed"] = [4, 0, 0]
    mon.loc[mon["year"] == 2026, "methodical_support"] = [1, 0, 1]
    mon.loc[mon["year"] == 2025, "methodical_support"] = [0, 0, 1]
    mon.loc[mon["year"] == 2026, "olympiad_winners"] = [1, 5, 6]
    mon.loc[mon["year"] == 2025, "olympiad_winners"] = [0, 5, 5]
    mon.loc[mon["year"] == 2026, "staffing_pct"] = [90, 100, np.nan]
    mon.loc[mon["year"] == 2026, "prevention_system"] = [1, 1, np.nan]
    return IndicatorTables(schools, results, context, mon, results)


@pytest.fixture
def params():
    return load_params()


def run(params, indicator_specs, targets=None, as_of=None):
    catalogue = {k: {"title": k, "unit": "%", "group": "г", "programme": "p", "period": "ежегодно",
                     "compute": v, "target": {"direction": "increase"}} for k, v in indicator_specs.items()}
    programme = Programme("p", "Программа", None, list(catalogue), targets or {})
    return compute_indicators(tiny_tables(), 2026, params, programme, catalogue, as_of).set_index("id")


def test_generic_kinds_by_hand(params):
    out = run(params, {
        "ratio": {"kind": "sum_ratio", "scope": "shnor", "numerator": "teachers_diagnosed", "denominator": "teachers_total"},
        "share": {"kind": "school_share", "scope": "all", "column": "methodical_support"},
        "count": {"kind": "school_count", "scope": "all", "column": "methodical_support"},
        "sum": {"kind": "sum", "scope": "all", "column": "olympiad_winners"},
        "mean": {"kind": "mean", "scope": "all", "column": "staffing_pct"},
        "share_known": {"kind": "school_share", "scope": "all", "column": "prevention_system"},
        "empty": {"kind": "sum", "scope": "all", "column": "honours_certificates"},
    })
    # ШНОР of the programme year 2026 = the 2025 list = {W}: 4 of 10 teachers diagnosed
    assert out.loc["ratio", ["numerator", "denominator", "value"]].tolist() == [4, 10, 40.0]
    assert out.loc["share", ["numerator", "denominator", "value"]].tolist() == [2, 3, pytest.approx(66.67)]
    assert out.loc["share", "prev_value"] == pytest.approx(33.33) and out.loc["share", "status"] == "met"
    assert out.loc["count", "value"] == 2
    assert out.loc["sum", ["value", "prev_value", "change", "status"]].tolist() == [12, 10, 2, "met"]
    assert out.loc["mean", "value"] == 95.0 and out.loc["mean", "denominator"] == 2
    assert out.loc["share_known", ["numerator", "denominator"]].tolist() == [2, 2]   # B not reported
    assert np.isnan(out.loc["empty", "value"]) and out.loc["empty", "status"] == "no_data"


def test_builtins_by_hand(params):
    out = run(params, {name: {"kind": "builtin", "name": name} for name in (
        "shnor_count", "oge_math_no_fail", "oge_russian_no_fail", "risk_share", "risk_removed",
        "shnor_positive_diagnostics")}, as_of=datetime.date(2026, 11, 1))   # the context of 2026 is known
    # W: 2026 one low (russian 35 %) after two in 2025 -> criterion 2 keeps it on the list
    assert out.loc["shnor_count", "value"] == 1 and out.loc["shnor_count", "prev_value"] == 1
    assert out.loc["oge_math_no_fail", ["numerator", "denominator"]].tolist() == [1, 2]
    assert out.loc["oge_russian_no_fail", ["numerator", "denominator"]].tolist() == [1, 1]
    assert out.loc["risk_share", ["numerator", "denominator", "prev_value"]].tolist() == [0, 3, pytest.approx(33.33)]
    assert out.loc["risk_removed", ["numerator", "denominator", "value"]].tolist() == [1, 1, 100.0]
    # W: vpr.math.5 40 % -> 10 % (significant), vpr.russian.5 40 % -> 35 % (not): positive dynamics
    assert out.loc["shnor_positive_diagnostics", ["numerator", "denominator"]].tolist() == [0, 1]


@pytest.mark.parametrize("target, value, previous, status", [
    ({"direction": "increase"}, 5, 4, "met"), ({"direction": "increase"}, 4, 4, "not_met"),
    ({"direction": "increase"}, 5, np.nan, "no_data"), ({"direction": "decrease"}, 3, 4, "met"),
    ({"direction": "at_least", "value": 10}, 10, np.nan, "met"), ({"direction": "at_least", "value": 10}, 9, 20, "not_met"),
    ({"direction": "at_most", "value": 5}, 5, np.nan, "met"),
    ({"direction": "equals", "value": 100}, 100.0, np.nan, "met"), ({"direction": "equals", "value": 100}, 99.9, 100, "not_met"),
    ({"direction": "increase_by", "value": 10, "relative": True}, 110, 100, "met"),
    ({"direction": "increase_by", "value": 10, "relative": True}, 109, 100, "not_met"),
    ({"direction": "decrease_by", "value": 0.3}, 8.7, 9.0, "met"),
    ({"direction": "decrease_by", "value": 0.3}, 8.8, 9.0, "not_met"),
    ({"direction": "none"}, 5, 4, "no_target"), ({"direction": "at_least", "value": 1}, np.nan, 2, "no_data"),
])
def test_targets_of_each_kind(target, value, previous, status):
    assert evaluate_target(value, previous, target) == status


def test_targets_are_codes_and_numbers(params):
    spec = {"kind": "sum", "scope": "all", "column": "olympiad_winners"}
    out = run(params, {"a": spec, "b": spec, "c": spec},
              targets={"b": {"direction": "increase_by", "value": 10, "relative": True},
                       "c": {"direction": "at_least", "value": 0.3}})
    assert list(out.reset_index().columns) == INDICATOR_COLUMNS
    assert out.loc["a", ["target_direction", "target_relative"]].tolist() == ["increase", False]
    assert np.isnan(out.loc["a", "target_value"])
    assert out.loc["b", ["target_direction", "target_value", "target_relative"]].tolist() == ["increase_by", 10.0, True]
    assert out.loc["c", ["target_direction", "target_value", "status"]].tolist() == ["at_least", 0.3, "met"]
    assert set(out["status"]) <= {"met", "not_met", "no_data", "no_target"}


def test_adopted_tables_are_used(params):
    # a ШНОР table lent for 2025 that lists A instead of W: the programme's ШНОР of 2026 follow it
    tables = tiny_tables()
    shnor_2025 = pd.DataFrame({"school_id": ["W", "A", "B"], "shnor": [0, 1, 0], "assessed": [2, 0, 0]})
    lent = IndicatorTables(tables.schools, tables.results, tables.context, tables.monitoring,
                           tables.region_results, shnor={2025: shnor_2025})
    catalogue = {"ratio": {"title": "r", "unit": "%", "group": "г", "programme": "p", "period": "ежегодно",
                           "compute": {"kind": "sum_ratio", "scope": "shnor", "numerator": "teachers_diagnosed",
                                       "denominator": "teachers_total"}, "target": {"direction": "none"}}}
    programme = Programme("p", "Программа", None, ["ratio"], {})
    out = compute_indicators(lent, 2026, params, programme, catalogue).set_index("id")
    assert out.loc["ratio", ["numerator", "denominator", "value", "status"]].tolist() == [0, 20, 0.0, "no_target"]


def test_builtin_names_of_the_catalogue_are_the_functions():
    assert set(BUILTINS) == set(BUILTIN_NAMES)


def test_shnor_improved_is_one_test_over_the_identification_assessments(params):
    spec = {"better": {"kind": "builtin", "name": "shnor_improved"}}
    # W: 8/20 -> 2/20 and 8/20 -> 7/20 — Σ(a − E) = 3 + 0,5, V = 1,923 + 2,404, χ² = 3²/4,327 = 2,08, p = 0,15
    out = run(params, spec)
    assert out.loc["better", ["numerator", "denominator"]].tolist() == [0, 1]
    # W: 8/20 -> 0/20 and 8/20 -> 1/20 — Σ(a − E) = 4 + 3,5, χ² = 7²/3,429 = 14,3, p < 0,001, change −37,5 п.п.
    tables = tiny_tables()
    res = tables.results.copy()
    res.loc[(res["year"] == 2026) & (res["school_id"] == "W"), "low_count"] = [0, 1]
    catalogue = {"better": {"title": "ШНОР с лучшими результатами", "group": "г", "unit": "%", "period": "год",
                            "programme": "p",
                            "compute": spec["better"], "target": {"direction": "increase"}}}
    programme = Programme("p", "Программа", None, ["better"], {})
    out = compute_indicators(IndicatorTables(tables.schools, res, tables.context, tables.monitoring, res), 2026,
                             params, programme, catalogue).set_index("id")
    assert out.loc["better", ["numerator", "denominator", "value"]].tolist() == [1, 1, 100.0]


# --------------------------------------------------------------------------- scopes of issue 15

def _with_social(tables: IndicatorTables) -> IndicatorTables:
    """B has the hardest intake in 2025 (lowest social index): the one ШНСУ of 2026's programme year."""
    context = tables.context.copy()
    for col in ("pupils_low_income_pct", "pupils_single_parent_pct"):
        context[col] = 5.0
    context["parents_higher_ed_pct"] = 60.0
    context.loc[context["school_id"] == "B", "pupils_low_income_pct"] = 60.0
    return IndicatorTables(tables.schools, tables.results, context, tables.monitoring, tables.results)


def _run_on(tables, params, specs, registry=()):
    catalogue = {k: {"title": k, "unit": "%", "group": "г", "programme": "p", "period": "ежегодно",
                     "compute": v, "target": {"direction": "increase"}} for k, v in specs.items()}
    programme = Programme("p", "Программа", None, list(catalogue), {}, tuple(registry))
    return compute_indicators(tables, 2026, params, programme, catalogue).set_index("id")


def test_shnsu_and_shnor_or_shnsu_scopes(params):
    params = {**params, "social": {**params["social"], "shnsu_pct": 10}}   # 10 % of 3 schools -> one school
    specs = {scope: {"kind": "sum_ratio", "scope": scope, "numerator": "teachers_diagnosed",
                     "denominator": "teachers_total"} for scope in ("shnor", "shnsu", "shnor_shnsu")}
    out = _run_on(_with_social(tiny_tables()), params, specs)
    # ШНОР {W}: 4 of 10; ШНСУ {B}: 0 of 30; ШНОР and/or ШНСУ {W, B}: 4 of 40
    assert out.loc["shnor", ["numerator", "denominator", "value"]].tolist() == [4, 10, 40.0]
    assert out.loc["shnsu", ["numerator", "denominator", "value"]].tolist() == [0, 30, 0.0]
    assert out.loc["shnor_shnsu", ["numerator", "denominator", "value"]].tolist() == [4, 40, 10.0]


def test_registry_scope_is_the_programme_list_else_the_shnor(params):
    spec = {"r": {"kind": "sum_ratio", "scope": "registry", "numerator": "teachers_diagnosed",
                  "denominator": "teachers_total"}}
    named = _run_on(tiny_tables(), params, spec, registry=("Школа Б",))   # by name, as the programme writes
    assert named.loc["r", ["numerator", "denominator"]].tolist() == [0, 30]
    by_code = _run_on(tiny_tables(), params, spec, registry=("A", "B"))
    assert by_code.loc["r", ["numerator", "denominator"]].tolist() == [0, 50]
    unnamed = _run_on(tiny_tables(), params, spec)                        # no registry: the ШНОР {W}
    assert unnamed.loc["r", ["numerator", "denominator"]].tolist() == [4, 10]


def test_gia_gap_per_mandatory_subject_on_its_own_scale(params):
    tables = tiny_tables()
    rows = []
    for year, scores in ((2025, {"W": 10, "A": 30, "B": 22}), (2026, {"W": 12, "A": 30, "B": 20})):
        for school, score in scores.items():
            rows.append((year, school, "oge", "russian", 9, 20, 0, score))
            rows.append((year, school, "ege", "math_base", 11, 15, 0, score / 10))   # marks 1..5
            rows.append((year, school, "ege", "math_profile", 11, 10, 0, 50.0))      # not mandatory
    results = pd.DataFrame(rows, columns=["year", "school_id", "procedure", "subject", "grade", "participants",
                                          "low_count", "mean_score"])
    for col in ("mark3", "mark4", "mark5", "max_score"):
        results[col] = np.nan
    tables = IndicatorTables(tables.schools, results, tables.context, tables.monitoring, results)
    specs = {"oge": {"kind": "builtin", "name": "gia_gap_oge_russian"},
             "math": {"kind": "builtin", "name": "gia_gap_ege_math_base"},
             "no_data": {"kind": "builtin", "name": "gia_gap_ege_russian"}}
    catalogue = {k: {"title": k, "unit": "балл", "group": "г", "programme": "p", "period": "ежегодно",
                     "compute": v, "target": {"direction": "decrease_by", "value": 0.3, "relative": True}}
                 for k, v in specs.items()}
    out = compute_indicators(tables, 2026, params, Programme("p", "П", None, list(catalogue), {}),
                             catalogue).set_index("id")
    # three schools, 10 % -> one best and one worst: ОГЭ 30 − 10 = 20 in 2025, 30 − 12 = 18 in 2026
    assert out.loc["oge", ["prev_value", "value", "change"]].tolist() == [20.0, 18.0, -2.0]
    assert out.loc["oge", "status"] == "met"            # 10 % smaller: at least 0.3 % of last year's gap
    # base maths on the marks' own scale (3.0 − 1.0 = 2.0, then 3.0 − 1.2 = 1.8), never mixed with ОГЭ points
    assert out.loc["math", ["prev_value", "value"]].tolist() == [2.0, 1.8]
    assert out.loc["no_data", "status"] == "no_data"


def test_current_year_list_scope(params):
    # A has two low ОГЭ in 2026: on the list identified in 2026 ({W, A}), not on 2025's ({W}) that the
    # programme works with in 2026; Norilsk 2.3.3.6 counts "of those identified in the current year"
    tables = tiny_tables()
    results = tables.results.copy()
    results.loc[(results["school_id"] == "A") & (results["procedure"] == "oge"), "low_count"] = 15
    tables = IndicatorTables(tables.schools, results, tables.context, tables.monitoring, results)
    spec = {"prev": {"kind": "sum", "scope": "shnor", "column": "teachers_total"},
            "now": {"kind": "sum", "scope": "shnor_current", "column": "teachers_total"}}
    out = _run_on(tables, params, spec)
    assert out.loc["prev", "value"] == 10        # W
    assert out.loc["now", "value"] == 30         # W + A


def test_a_borrowed_indicator_carries_its_source_not_its_notes(params):
    from qualitylib.data.programmes import load_catalogue, programme_titles
    from qualitylib.views.monitoring import indicator_frame

    catalogue = load_catalogue()
    programme = Programme("polysaevo", "П", None, ["chaa-khol.1", "chaa-khol.2"],
                          {"chaa-khol.2": {"direction": "equals", "value": 100}})
    out = indicator_frame(compute_indicators(tiny_tables(), 2026, params, programme, catalogue)).set_index("id")
    title = programme_titles()["chaa-khol"]
    assert out.loc["chaa-khol.1", "source_title"] == f"из программы «{title}»"
    assert catalogue["chaa-khol.1"]["target_note"] not in out.loc["chaa-khol.1", "target_note"]
    assert out.loc["chaa-khol.1", "target_note"].endswith("цель — как в каталоге")
    assert out.loc["chaa-khol.2", "target_note"].endswith("цель задана программой муниципалитета")
    own = Programme("chaa-khol", "Ч", None, ["chaa-khol.1"], {})
    mine = indicator_frame(compute_indicators(tiny_tables(), 2026, params, own, catalogue)).set_index("id")
    assert mine.loc["chaa-khol.1", "source_title"] == ""
    assert mine.loc["chaa-khol.1", "target_note"] == catalogue["chaa-khol.1"]["target_note"]


def test_rounds_within_a_year_are_computed_each_for_its_round(params):
    tables = tiny_tables()
    mon = tables.monitoring.copy()
    mon["round"] = None
    extra = []
    for year, values in ((2025, {"январь": (2, 10), "июнь": (5, 10)}), (2026, {"январь": (4, 10), "июнь": (4, 10)})):
        for label, (with_iom, weak) in values.items():
            extra.append({"year": year, "school_id": "A", "round": label, "weak_pupils": weak,
                          "weak_pupils_with_iom": with_iom})
    mon = pd.concat([mon, pd.DataFrame(extra)], ignore_index=True)
    mon.loc[mon["round"].isna() & (mon["year"] == 2026), ["weak_pupils", "weak_pupils_with_iom"]] = [[10, 9]] * 3
    tables = IndicatorTables(tables.schools, tables.results, tables.context, mon, tables.results)
    compute = {"kind": "sum_ratio", "scope": "all", "numerator": "weak_pupils_with_iom", "denominator": "weak_pupils"}
    catalogue = {"r": {"title": "Доля с ИОМ", "unit": "%", "group": "г", "programme": "p", "period": "январь и июнь",
                       "compute": compute, "target": {"direction": "increase"}, "rounds": ["январь", "июнь"]},
                 "y": {"title": "Доля с ИОМ за год", "unit": "%", "group": "г", "programme": "p", "period": "ежегодно",
                       "compute": compute, "target": {"direction": "increase"}}}
    out = compute_indicators(tables, 2026, params, Programme("p", "П", None, ["r", "y"], {}), catalogue)
    assert out["round"].tolist() == ["январь", "июнь", ""]
    # January: 4 of 10 against last January's 2 of 10 (met); June: 4 of 10 against 5 of 10 (not met)
    assert out[["value", "prev_value", "status"]].values.tolist()[:2] == [[40.0, 20.0, "met"], [40.0, 50.0, "not_met"]]
    # the yearly rows ignore the rounds: 27 of 30 over the three schools
    assert out.loc[2, ["numerator", "denominator"]].tolist() == [27, 30]
    from qualitylib.views.monitoring import indicator_frame
    assert indicator_frame(out)["title"].tolist()[:2] == ["Доля с ИОМ — январь", "Доля с ИОМ — июнь"]


def test_yes_no_items_of_the_municipality(params):
    """Kavkazsky 5–7, 9–15: a yes/no item read from the municipality's record, by code or number."""
    municipal = pd.DataFrame({
        "year": [2026, 2026, 2025, 2026, 2026, 2026],
        "municipality": ["М"] * 6,
        "indicator": ["6", "p.7", "6", "9", "9", "11"],
        "done": [1, 0, 0, 1, 0, np.nan],
        "evidence": ["приказ № 12 от 01.02.2026", None, "", "положение", "журнал", "не оценивалось"]})
    tables = tiny_tables()
    tables = IndicatorTables(tables.schools, tables.results, tables.context, tables.monitoring, tables.results,
                             municipal=municipal)
    specs = {f"p.{n}": {"kind": "municipal_flag"} for n in (6, 7, 9, 10, 11)}
    catalogue = {k: {"title": k, "unit": "да/нет", "group": "г", "programme": "p", "period": "ежегодно",
                     "compute": v, "target": {"direction": "equals", "value": 1}} for k, v in specs.items()}
    out = compute_indicators(tables, 2026, params, Programme("p", "П", None, list(catalogue), {}),
                             catalogue).set_index("id")
    # 6: done in 2026 (by its number), not in 2025; the evidence is the record's
    assert out.loc["p.6", ["value", "prev_value", "status"]].tolist() == [1.0, 0.0, "met"]
    assert out.loc["p.6", "evidence"] == "приказ № 12 от 01.02.2026"
    assert out.loc["p.7", ["value", "status"]].tolist() == [0.0, "not_met"]       # by its code, «нет»
    assert out.loc["p.9", ["value", "status"]].tolist() == [0.0, "not_met"]       # two records, one «нет»
    assert out.loc["p.9", "evidence"] == "положение; журнал"
    assert np.isnan(out.loc["p.10", "value"]) and out.loc["p.10", "status"] == "no_data"   # no record
    assert out.loc["p.11", "status"] == "no_data"                                 # empty «done»
    assert np.isnan(out.loc["p.6", "numerator"]) and np.isnan(out.loc["p.6", "denominator"])


def test_analysis_in_every_school_is_read_from_the_monitoring_column(params):
    """Kavkazsky 8: the schools that say the analysis was done, not the schools that have data rows."""
    tables = tiny_tables()
    mon = tables.monitoring.copy()
    mon.loc[mon["year"] == 2026, "analysis_done"] = [1, 0, 1]
    mon.loc[mon["year"] == 2025, "analysis_done"] = [1, 1, 1]
    tables = IndicatorTables(tables.schools, tables.results, tables.context, mon, tables.results)
    catalogue = {"k.8": {"title": "анализ", "unit": "%", "group": "г", "programme": "k", "period": "ежегодно",
                         "compute": {"kind": "school_share", "scope": "all", "column": "analysis_done"},
                         "target": {"direction": "equals", "value": 100}}}
    out = compute_indicators(tables, 2026, params, Programme("k", "К", None, ["k.8"], {}), catalogue).iloc[0]
    # every school has results and context in 2026, but A did not do the analysis: 2 of 3
    assert [out["numerator"], out["denominator"]] == [2, 3]
    assert out["value"] == pytest.approx(66.67) and out["prev_value"] == 100.0 and out["status"] == "not_met"


def test_a_september_report_reads_the_context_of_the_year_before(params):
    """Risk schools are identified in October: on 1 September 2026 the latest context is October 2025's."""
    specs = {name: {"kind": "builtin", "name": name} for name in ("risk_share", "risk_removed")}
    september = run(params, specs)                                      # default: 1 September 2026
    october = run(params, specs, as_of=datetime.date(2026, 10, 1))
    # B lacked internet in the context of 2025 only. In September 2026 that is the latest context: B is at risk
    assert september.loc["risk_share", ["numerator", "denominator", "value"]].tolist() == [1, 3, pytest.approx(33.33)]
    # ... and last year's (September 2025) zone would read the context of 2024, which the data do not have
    assert np.isnan(september.loc["risk_share", "prev_value"])
    assert np.isnan(september.loc["risk_removed", "value"])
    # from October 2026 the context of 2026 is known: nobody at risk, B's risk removed
    assert october.loc["risk_share", ["numerator", "denominator"]].tolist() == [0, 3]
    assert october.loc["risk_removed", ["numerator", "denominator"]].tolist() == [1, 1]


def test_removed_risk_factors_are_named_per_school(params):
    """Norilsk 3.3.1.2 «с перечислением устраненных факторов»: B lacked internet in 2025 and has it in 2026."""
    from qualitylib.rules.indicators import risk_factor_changes
    from qualitylib.views.monitoring import removed_factors_text

    tables = tiny_tables()
    ctx = tables.context.copy()
    both = (ctx["year"] == 2025) & (ctx["school_id"] == "B")
    ctx.loc[both, "teachers_overload_pct"] = 15.0          # B: internet and overload in 2025 ...
    ctx.loc[(ctx["year"] == 2026) & (ctx["school_id"] == "B"), "teachers_overload_pct"] = 12.0   # ... overload stays
    mon = tables.monitoring.copy()
    mon.loc[mon["year"] == 2026, "risk_prevention"] = [0, 0, 1]
    tables = IndicatorTables(tables.schools, tables.results, ctx, mon, tables.results)
    out = risk_factor_changes(tables, 2026, params, as_of=datetime.date(2026, 11, 1))
    assert out[["school_id", "removed_codes", "remaining_codes", "left_zone", "prevention"]].values.tolist() == [
        ["B", "internet", "overload", 0, 1.0]]
    assert removed_factors_text(out) == "Школа Б: устранено — нет устойчивого доступа в Интернет"
    ctx.loc[(ctx["year"] == 2026) & (ctx["school_id"] == "B"), "teachers_overload_pct"] = 5.0
    tables = IndicatorTables(tables.schools, tables.results, ctx, mon, tables.results)
    out = risk_factor_changes(tables, 2026, params, as_of=datetime.date(2026, 11, 1))
    assert out["removed_codes"].tolist() == ["internet;overload"] and out["left_zone"].tolist() == [1]
    assert removed_factors_text(out) == ("Школа Б (вышла из зоны риска): устранено — нет устойчивого доступа в "
                                         "Интернет, перегрузка учителей")
    # on 1 September 2026 the zones are those of the contexts of 2024 (none) and 2025: nothing to compare
    assert risk_factor_changes(tables, 2026, params).empty


def test_the_lists_of_the_catalogue_are_those_of_the_rules():
    from qualitylib.data.programmes import LISTS as DATA_LISTS
    from qualitylib.rules.indicators import LISTS

    assert DATA_LISTS == LISTS


def test_regional_diagnostics_are_read_when_the_data_hold_them(params):
    """Norilsk 2.3.1.3: the region's diagnostic works when both years hold them, ВПР only as a labelled substitute."""
    tables = tiny_tables()
    spec = {"d": {"kind": "builtin", "name": "shnor_positive_diagnostics"}}
    catalogue = {"d": {"title": "d", "unit": "%", "group": "г", "programme": "p", "period": "ежегодно",
                       "compute": spec["d"], "target": {"direction": "increase"}}}
    programme = Programme("p", "П", None, ["d"], {})
    # no regional works and no ВПР of grades 4, 6, 7, 8 in the data: the substitute, nothing to test
    vpr = compute_indicators(tables, 2026, params, programme, catalogue).iloc[0]
    assert vpr["basis"] == "vpr_substitute" and [vpr["numerator"], vpr["denominator"]] == [0, 1]
    # W (the ШНОР of 2025) wrote the regional work of grade 4: 10 of 20 low in 2025, 1 of 20 in 2026
    rdr = pd.DataFrame([(2025, "W", "rdr", "math", 4, 20, 10), (2026, "W", "rdr", "math", 4, 20, 1)],
                       columns=["year", "school_id", "procedure", "subject", "grade", "participants", "low_count"])
    results = pd.concat([tables.results, rdr], ignore_index=True)
    with_rdr = IndicatorTables(tables.schools, results, tables.context, tables.monitoring, results)
    out = compute_indicators(with_rdr, 2026, params, programme, catalogue).iloc[0]
    assert out["basis"] == "regional" and [out["numerator"], out["denominator"]] == [1, 1]
    # one year only: not comparable, the substitute again
    one_year = pd.concat([tables.results, rdr.iloc[1:]], ignore_index=True)
    only = IndicatorTables(tables.schools, one_year, tables.context, tables.monitoring, one_year)
    assert compute_indicators(only, 2026, params, programme, catalogue).iloc[0]["basis"] == "vpr_substitute"
