"""Social well-being index (Kavkazsky) and results read against it."""
import pandas as pd
import pytest

from qualitylib.data.params import load_params
from qualitylib.rules.social import results_vs_context, social_index


@pytest.fixture
def params():
    p = load_params()
    p["social"]["weights"] = {"pupils_low_income_pct": 3, "parents_no_higher_ed_pct": 1}
    p["social"]["shnsu_pct"] = 25
    return p


def context(rows):
    return pd.DataFrame([{"year": 2026, "school_id": s, "pupils_low_income_pct": li,
                          "parents_higher_ed_pct": he} for s, li, he in rows])


def test_index_formula_by_hand(params):
    # A: 100 - (3*20 + 1*(100-60)) / 4 = 100 - 100/4 = 75
    out = social_index(context([("A", 20, 60)]), 2026, params).set_index("school_id")
    assert out.loc["A", "social_index"] == pytest.approx(75.0)


def test_missing_component_renormalises_weights(params):
    # B has no parents_higher_ed: 100 - 3*40/3 = 60
    out = social_index(context([("B", 40, None)]), 2026, params).set_index("school_id")
    assert out.loc["B", "social_index"] == pytest.approx(60.0)
    assert out.loc["B", "components"] == 1


def test_shnsu_is_the_lowest_share_with_ties(params):
    # indices: A 90, B 80, C 70, D 70, E 95 -> 25 % of 5 = 2 schools (ceil 1.25); cut-off 70 -> C, D
    rows = [("A", 10, 90 + 10 * 3 - 30), ("B", 20, 80), ("C", 30, 70), ("D", 30, 70), ("E", 5, 95)]
    out = social_index(context(rows), 2026, params).set_index("school_id")
    assert set(out.index[out["shnsu"] == 1]) == {"C", "D"}


def test_results_vs_context_expected_share_and_reading(params):
    ctx = context([("A", 10, 90), ("B", 30, 70), ("C", 50, 50), ("D", 30, 70)])
    # index: A 100-(30+10)/4=90, B 100-(90+30)/4=70, C 100-(150+50)/4=50, D 70
    res = pd.DataFrame([
        (2026, "A", "vpr", "math", 5, 100, 5),
        (2026, "B", "vpr", "math", 5, 100, 15),
        (2026, "C", "vpr", "math", 5, 100, 25),
        (2026, "D", "vpr", "math", 5, 100, 40),
    ], columns=["year", "school_id", "procedure", "subject", "grade", "participants", "low_count"])
    schools = pd.DataFrame({"school_id": list("ABCD"), "school_name": list("ABCD"), "municipality": ["М"] * 4})
    out = results_vs_context(res, ctx, schools, 2026, params).set_index("school_id")
    assert out.loc["D", "share"] == pytest.approx(40.0)
    assert out.loc["D", "difference"] > 5 and out.loc["D", "reading_code"] == "worse"
    # the fitted line is monotone: harder intake (lower index) -> higher expected share
    assert out.loc["C", "expected_share"] > out.loc["B", "expected_share"] > out.loc["A", "expected_share"]
