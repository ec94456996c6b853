"""The dynamics report object: small groups hidden once, in the builder, in public mode."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualitylib.data.params import load_params
from qualitylib.data.region import Region
from qualitylib.reports.dynamics import HIDDEN_COLUMNS, build_dynamics

COLUMNS = ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count", "mean_score"]


@pytest.fixture
def region():
    schools = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["Школа А", "Школа Б"],
                            "municipality": ["М", "М"]})
    results = pd.DataFrame([
        (2025, "A", "oge", "math", 9, 200, 60, 12.0), (2026, "A", "oge", "math", 9, 200, 20, 14.0),  # 30 % -> 10 %
        (2025, "B", "oge", "math", 9, 6, 3, 10.0), (2026, "B", "oge", "math", 9, 30, 3, 13.0),       # 6 pupils first
    ], columns=COLUMNS)
    return Region("Р", Path("."), schools, results, pd.DataFrame({"year": [], "school_id": []}))


def test_internal_report_hides_nothing(region):
    d = build_dynamics(region, None, 2026, load_params())
    assert d.changes["hidden"].tolist() == [0, 0] and d.grid["hidden"].tolist() == [0, 0]
    b = d.changes.set_index("school_id").loc["B"]
    assert b["share_prev"] == pytest.approx(50.0) and b["share_now"] == pytest.approx(10.0)
    assert len(d.series) == 4


def test_public_report_hides_a_change_with_a_small_year(region):
    params = load_params()
    assert params["privacy"]["min_group"] == 10
    d = build_dynamics(region, None, 2026, params, public=True)
    changes = d.changes.set_index("school_id")
    assert changes["hidden"].tolist() == [0, 1]
    assert changes.loc["B", HIDDEN_COLUMNS].isna().all()
    assert changes.loc["B", ["n_prev", "n_now"]].tolist() == [6, 30]         # group sizes stay
    assert changes.loc["B", "verdict"] == "insufficient_data"                # verdicts stay
    assert changes.loc["A", "share_now"] == pytest.approx(10.0) and changes.loc["A", "verdict"] == "improved"
    grid = d.grid.set_index("school_id")
    assert np.isnan(grid.loc["B", "level"]) and grid.loc["B", "hidden"] == 1 and grid.loc["A", "level"] == 1
    # the series loses the 6-pupil year only
    assert sorted(zip(d.series["school_id"], d.series["year"])) == [("A", 2025), ("A", 2026), ("B", 2026)]


def test_funnel_with_limits(region):
    d = build_dynamics(region, None, 2026, load_params())
    points, curves = d.funnel_with_limits(region, "oge.math.9")
    assert points["p0"].iloc[0] == pytest.approx(23 * 100 / 230)
    assert curves["n"].max() == 200
    empty, none = d.funnel_with_limits(region, "vpr.math.5")
    assert empty.empty and none is None


def test_school_level_tests_of_the_shnor_and_their_privacy():
    from qualitylib.reports.dynamics import hide_pooled
    from qualitylib.rules.dynamics import school_changes
    params = load_params()
    schools = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["Школа А", "Школа Б"], "municipality": ["М"] * 2})
    res = pd.DataFrame([
        (2025, "A", "oge", "math", 9, 40, 12, np.nan), (2026, "A", "oge", "math", 9, 40, 0, np.nan),     # 30 % -> 0 %
        (2025, "B", "oge", "math", 9, 40, 12, np.nan), (2026, "B", "oge", "math", 9, 40, 10, np.nan),
    ], columns=COLUMNS)
    tests = school_changes(res, schools, 2026, params, params["dynamics"]["gia_math"])
    internal, public = hide_pooled(tests, params, False), hide_pooled(tests, params, True)
    assert internal["hidden"].tolist() == [0, 0] and internal.loc[0, "share_now"] == 0.0
    # a pooled share of 0 % tells of every pupil: hidden in public, the verdict stays
    assert public["hidden"].tolist() == [1, 0]
    assert public.loc[0, ["share_prev", "share_now", "change_pp", "p_value", "q_value"]].isna().all()
    assert public.loc[0, "verdict"] == internal.loc[0, "verdict"] == "improved"
    assert public.loc[1, "share_now"] == pytest.approx(25.0)
