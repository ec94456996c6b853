"""Hand-computed cases for the ШНОР rule (Norilsk 2.1) and its variants."""
import copy

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualitylib.rules.identification import fail_share_matrix, identify_shnor, is_low, low_results, shnor_change
from qualitylib.views.identification import shnor_reasons
from qualitylib.data.params import load_params

COLUMNS = ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count"]


@pytest.fixture
def params():
    return load_params()


def make_results(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def make_schools(ids):
    return pd.DataFrame({"school_id": ids, "school_name": [f"Школа {i}" for i in ids],
                         "municipality": ["М"] * len(ids)})


def flagged(table, school):
    return table.set_index("school_id").loc[school]


@pytest.mark.parametrize("low, n, expected", [
    (3, 10, True),     # exactly 30 % is low
    (29, 100, False),  # 29 % is not
    (30, 100, True),
    (0, 0, False),     # no participants: no data, never low
    (1, 3, True),      # 33.3 %
    (2, 7, False),     # 28.6 %
])
def test_is_low_compares_in_integers(low, n, expected):
    assert bool(is_low(low, n, 30)) is expected


def test_is_low_fractional_threshold_is_exact():
    # 30.5 %: 61 of 200 is exactly 30.5 % -> low; 60 of 200 is not
    assert bool(is_low(61, 200, 30.5))
    assert not bool(is_low(60, 200, 30.5))


def test_low_results_marks_no_data(params):
    results = make_results([
        (2026, "A", "vpr", "math", 5, 0, 0),
        (2026, "A", "vpr", "math", 6, 10, 3),
        (2026, "A", "vpr", "math", 4, 10, 9),  # not an identification assessment
    ])
    flags = low_results(results, params).set_index("assessment")
    assert list(flags.index) == ["vpr.math.5", "vpr.math.6"]
    assert not flags.loc["vpr.math.5", "has_data"] and not flags.loc["vpr.math.5", "low"]
    assert pd.isna(flags.loc["vpr.math.5", "share"])
    assert flags.loc["vpr.math.6", "low"] and flags.loc["vpr.math.6", "share"] == pytest.approx(30.0)


def test_min_participants_turns_small_groups_into_no_data(params):
    params["identification"]["min_participants"] = 5
    results = make_results([(2026, "A", "vpr", "math", 5, 4, 4), (2026, "A", "oge", "math", 9, 5, 2)])
    flags = low_results(results, params).set_index("assessment")
    assert not flags.loc["vpr.math.5", "low"]
    assert flags.loc["oge.math.9", "low"]


def test_criterion_1_needs_two_low_procedures_in_the_year(params):
    results = make_results([
        (2026, "A", "vpr", "math", 5, 10, 3), (2026, "A", "oge", "russian", 9, 20, 6),   # 2 low
        (2026, "B", "vpr", "math", 5, 10, 3), (2026, "B", "oge", "russian", 9, 100, 29),  # 1 low
    ])
    table = identify_shnor(results, make_schools(["A", "B"]), 2026, params)
    assert flagged(table, "A")[["low_results", "criterion_1", "criterion_2", "shnor"]].tolist() == [2, 1, 0, 1]
    assert flagged(table, "B")[["low_results", "criterion_1", "criterion_2", "shnor"]].tolist() == [1, 0, 0, 0]


def test_criterion_2_any_procedure_versus_same_procedure(params):
    results = make_results([
        # C: low in vpr math 5 in 2026, low in vpr russian 5 in 2025 (different procedures)
        (2026, "C", "vpr", "math", 5, 10, 3), (2025, "C", "vpr", "russian", 5, 10, 3),
        # D: the same procedure low in both years
        (2026, "D", "ege", "math_base", 11, 10, 3), (2025, "D", "ege", "math_base", 11, 10, 4),
    ])
    schools = make_schools(["C", "D"])
    any_rule = identify_shnor(results, schools, 2026, params)
    assert flagged(any_rule, "C")["criterion_2"] == 1
    assert flagged(any_rule, "D")["criterion_2"] == 1
    same = copy.deepcopy(params)
    same["identification"]["criterion_2"] = "same"
    same_rule = identify_shnor(results, schools, 2026, same)
    assert flagged(same_rule, "C")["criterion_2"] == 0 and flagged(same_rule, "C")["shnor"] == 0
    assert flagged(same_rule, "D")["criterion_2"] == 1 and flagged(same_rule, "D")["shnor"] == 1


def test_missing_procedure_and_zero_participants_are_not_low(params):
    results = make_results([
        (2026, "E", "vpr", "math", 5, 10, 3),
        (2026, "E", "vpr", "math", 6, 0, 0),  # held with no participants
        # 2025: vpr math 5 missing entirely
    ])
    row = flagged(identify_shnor(results, make_schools(["E"]), 2026, params), "E")
    assert (row["low_results"], row["low_results_prev"], row["assessed"], row["shnor"]) == (1, 0, 1, 0)


def test_school_present_in_one_year_only(params):
    results = make_results([(2025, "F", "vpr", "math", 5, 10, 5), (2025, "F", "vpr", "math", 6, 10, 5)])
    schools = make_schools(["F", "G"])
    now = identify_shnor(results, schools, 2026, params)
    before = identify_shnor(results, schools, 2025, params)
    assert flagged(now, "F")["shnor"] == 0 and flagged(now, "F")["low_results_prev"] == 2
    assert flagged(before, "F")["shnor"] == 1
    assert flagged(now, "G")["assessed"] == 0  # a school with no results at all is listed, not flagged
    change = shnor_change(now, before)
    assert change == {"count": 0, "count_prev": 1, "entered": [], "left": ["F"], "stayed": []}


def with_reasons(results, schools, year, params):
    table = identify_shnor(results, schools, year, params)
    detail = low_results(results, params, years=(year - 1, year)).assign(hidden=False)
    return table.assign(reasons=shnor_reasons(table, detail, year, params))


def test_low_assessment_codes_of_both_years(params):
    results = make_results([
        (2026, "A", "vpr", "math", 5, 10, 3), (2026, "A", "oge", "russian", 9, 20, 7),
        (2025, "A", "vpr", "russian", 6, 12, 4), (2026, "B", "vpr", "math", 5, 10, 1),
    ])
    table = identify_shnor(results, make_schools(["A", "B"]), 2026, params)
    assert flagged(table, "A")["low_assessments"] == "vpr.math.5;oge.russian.9"
    assert flagged(table, "A")["low_assessments_prev"] == "vpr.russian.6"
    assert flagged(table, "B")[["low_assessments", "low_assessments_prev"]].tolist() == ["", ""]


def test_reasons_name_criterion_procedures_years_shares_and_n(params):
    results = make_results([
        (2026, "A", "vpr", "math", 5, 10, 3), (2026, "A", "oge", "russian", 9, 20, 7),
        (2025, "A", "vpr", "russian", 6, 12, 4),
    ])
    reasons = flagged(with_reasons(results, make_schools(["A"]), 2026, params), "A")["reasons"]
    assert reasons.startswith("Критерий 1")
    assert "критерий 2" in reasons
    assert "2026 г.: ВПР математика 5 кл. — 30,0 % (3 из 10); ОГЭ русский язык — 35,0 % (7 из 20)" in reasons
    assert "2025 г.: ВПР русский язык 6 кл. — 33,3 % (4 из 12)" in reasons


def test_unflagged_schools_have_no_reasons(params):
    results = make_results([(2026, "A", "vpr", "math", 5, 10, 1)])
    assert flagged(with_reasons(results, make_schools(["A"]), 2026, params), "A")["reasons"] == ""


def test_fail_share_matrix(params):
    results = make_results([(2026, "A", "vpr", "math", 5, 8, 2), (2026, "A", "oge", "math", 9, 10, 5)])
    matrix = fail_share_matrix(results, make_schools(["A", "B"]), 2026, params)
    assert list(matrix.columns) == ["vpr.math.5", "oge.math.9"]
    assert matrix.loc["A"].tolist() == [25.0, 50.0]
    assert matrix.loc["B"].isna().all()


# --- properties ---------------------------------------------------------------------------------

ASSESSMENTS = [("vpr", "math", 5), ("vpr", "russian", 6), ("oge", "math", 9), ("ege", "russian", 11)]


@st.composite
def result_tables(draw):
    rows = []
    for school in ("A", "B", "C"):
        for year in (2025, 2026):
            for proc, subj, grade in ASSESSMENTS:
                if draw(st.booleans()):
                    n = draw(st.integers(0, 40))
                    rows.append((year, school, proc, subj, grade, n, draw(st.integers(0, n))))
    return make_results(rows)


@settings(max_examples=60, deadline=None)
@given(table=result_tables(), pick=st.integers(0, 10_000), extra=st.integers(1, 20))
def test_raising_low_count_never_removes_a_school(table, pick, extra):
    params = load_params()
    schools = make_schools(["A", "B", "C"])
    before = set(identify_shnor(table, schools, 2026, params).query("shnor == 1")["school_id"])
    if table.empty:
        return
    row = pick % len(table)
    raised = table.copy()
    raised.loc[row, "low_count"] = min(raised.loc[row, "participants"], raised.loc[row, "low_count"] + extra)
    after = set(identify_shnor(raised, schools, 2026, params).query("shnor == 1")["school_id"])
    assert before <= after


@settings(max_examples=60, deadline=None)
@given(table=result_tables(), high=st.integers(1, 100), drop=st.integers(0, 99))
def test_lowering_threshold_never_shrinks_the_list(table, high, drop):
    params = load_params()
    schools = make_schools(["A", "B", "C"])
    params["identification"]["threshold_pct"] = high
    strict = set(identify_shnor(table, schools, 2026, params).query("shnor == 1")["school_id"])
    params["identification"]["threshold_pct"] = max(0, high - drop)
    loose = set(identify_shnor(table, schools, 2026, params).query("shnor == 1")["school_id"])
    assert strict <= loose


# --------------------------------------------------------------------------- the official list (issue 15)

def test_reconciliation_with_the_official_list_by_hand():
    from qualitylib.rules.identification import reconcile_official

    shnor = pd.DataFrame({
        "school_id": ["A", "B", "C", "D", "E", "F"],
        "school_name": ["Школа A", "Школа B", "Школа C", "Школа D", "Школа E", "Школа F"],
        "low_results": [2, 1, 1, 0, 0, 0], "low_results_prev": [0, 1, 0, 1, 0, 0],
        "assessed": [4, 4, 4, 4, 4, 0], "criterion_1": [1, 0, 0, 0, 0, 0], "criterion_2": [0, 1, 0, 0, 0, 0],
        "shnor": [1, 1, 0, 0, 0, 0]})
    official = pd.DataFrame({"year": [2026] * 5 + [2025], "school_id": ["A", "C", "D", "E", "F", "B"],
                             "source": ["ФИОКО"] * 6})
    out = reconcile_official(shnor, official, 2026).set_index("school_id")
    assert out["listed"].to_dict() == {"A": "both", "B": "computed_only", "C": "official_only",
                                       "D": "official_only", "E": "official_only", "F": "official_only"}
    # C: one low result this year, none last year; D: low last year only; E: none; F: no data
    assert out["not_selected"].to_dict() == {"A": None, "B": None, "C": "one_low_result",
                                             "D": "low_one_year_only_prev", "E": "no_low_results", "F": "no_data"}
    assert reconcile_official(shnor, official, 2024) is None      # no list for the year
    assert reconcile_official(shnor, None, 2026) is None
