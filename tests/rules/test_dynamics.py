"""Dynamics (METHODOLOGY §4): hand-computed cases for every function."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from qualitylib.rules import dynamics as dyn
from qualitylib.rules.stats import benjamini_hochberg
from qualitylib.data.params import load_params

COLUMNS = ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count", "mean_score"]


@pytest.fixture
def params():
    return load_params()


def schools(ids):
    return pd.DataFrame({"school_id": ids, "school_name": [f"Школа {i}" for i in ids], "municipality": ["М"] * len(ids)})


def results(rows):
    rows = [r if len(r) == 8 else (*r, np.nan) for r in rows]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_fail_series_wilson_interval(params):
    series = dyn.fail_series(results([(2026, "A", "vpr", "math", 5, 10, 3)]), schools(["A"]))
    row = series.iloc[0]
    assert row["share"] == pytest.approx(30.0)
    assert row["share_lo"] == pytest.approx(10.78, abs=0.01) and row["share_hi"] == pytest.approx(60.32, abs=0.01)


def test_changes_verdicts(params):
    table = dyn.changes(results([
        (2025, "A", "oge", "math", 9, 200, 60), (2026, "A", "oge", "math", 9, 200, 20),   # 30 % -> 10 %
        (2025, "B", "oge", "math", 9, 200, 20), (2026, "B", "oge", "math", 9, 200, 60),   # 10 % -> 30 %
        (2025, "C", "vpr", "math", 5, 6, 3), (2026, "C", "vpr", "math", 5, 6, 1),         # a class of 6
        (2026, "D", "vpr", "math", 5, 30, 3),                                              # no last year
        (2025, "E", "vpr", "math", 5, 20, 3), (2026, "E", "vpr", "math", 5, 22, 4),
    ]), schools(list("ABCDE")), 2026, params).set_index("school_id")
    assert table.loc["A", "verdict"] == "improved" and table.loc["A", "change_pp"] == pytest.approx(-20.0)
    assert table.loc["B", "verdict"] == "declined"
    assert table.loc["C", "verdict"] == "insufficient_data"   # below dynamics.min_participants
    assert table.loc["D", "verdict"] == "insufficient_data" and np.isnan(table.loc["D", "n_prev"])
    assert table.loc["E", "verdict"] == "no_change"
    assert table.loc["E", "method"] == "fisher"
    assert table.loc["E", "p_value"] == pytest.approx(fisher_exact([[3, 17], [4, 18]])[1])
    assert table.loc["A", "method"] == "z"
    assert (table.loc["A", ["procedure", "subject", "grade"]].tolist() == ["oge", "math", 9])


def test_cohort_grade4_to_grade5_and_a_school_without_grade4(params):
    table = dyn.cohort(results([
        (2025, "A", "vpr", "math", 4, 50, 15), (2026, "A", "vpr", "math", 5, 50, 5),
        (2026, "B", "vpr", "math", 5, 40, 4),                                          # no grade 4 last year
        (2025, "A", "vpr", "russian", 4, 50, 5), (2026, "A", "vpr", "russian", 5, 50, 6),
    ]), schools(["A", "B"]), 2026, params).set_index(["school_id", "subject"])
    assert table.loc[("A", "math"), "fell"] == 1 and table.loc[("A", "math"), "verdict"] == "improved"
    assert table.loc[("A", "russian"), "fell"] == 0
    assert table.loc[("B", "math"), "verdict"] == "insufficient_data"
    assert np.isnan(table.loc[("B", "math"), "change_pp"])


def test_norilsk_333_numerators_and_denominators(params):
    res = results([
        (2025, "A", "vpr", "math", 4, 50, 15), (2026, "A", "vpr", "math", 5, 50, 14),   # fell, not significant
        (2025, "B", "vpr", "math", 4, 50, 5), (2026, "B", "vpr", "math", 5, 50, 10),     # rose
        (2026, "C", "vpr", "math", 5, 40, 4),                                            # no grade 4: not counted
        (2026, "A", "oge", "russian", 9, 30, 0), (2026, "B", "oge", "russian", 9, 30, 2),
        (2026, "A", "oge", "math", 9, 30, 1),
    ])
    s = schools(["A", "B", "C"])
    ind = dyn.norilsk_333(dyn.cohort(res, s, 2026, params), res, s, 2026).set_index("id")
    assert ind.loc["norilsk.3.3.3.1", ["numerator", "denominator"]].tolist() == [1, 2]
    assert ind.loc["norilsk.3.3.3.1", "value"] == 50.0
    assert ind.loc["norilsk.3.3.3.1", "significant"] == 0 and np.isnan(ind.loc["norilsk.3.3.3.1", "untestable"])
    assert ind.loc["norilsk.3.3.3.2", "denominator"] == 0 and np.isnan(ind.loc["norilsk.3.3.3.2", "value"])
    assert ind.loc["norilsk.3.3.3.3", ["numerator", "denominator"]].tolist() == [1, 2]
    assert ind.loc["norilsk.3.3.3.4", ["numerator", "denominator"]].tolist() == [0, 1]
    assert np.isnan(ind.loc["norilsk.3.3.3.4", "significant"])


def test_school_changes_one_test_over_the_group(params):
    res = results([
        # A: ОГЭ 60/200 -> 20/200 and ЕГЭ base 10/100 -> 10/100: one strong fall, one flat
        (2025, "A", "oge", "math", 9, 200, 60), (2026, "A", "oge", "math", 9, 200, 20),
        (2025, "A", "ege", "math_base", 11, 100, 10), (2026, "A", "ege", "math_base", 11, 100, 10),
        # B: the ОГЭ fall is offset by an ЕГЭ rise: 60/200 -> 20/200 and 10/100 -> 50/100
        (2025, "B", "oge", "math", 9, 200, 60), (2026, "B", "oge", "math", 9, 200, 20),
        (2025, "B", "ege", "math_base", 11, 100, 10), (2026, "B", "ege", "math_base", 11, 100, 50),
        # C: too small both works; its ЕГЭ is not in the group
        (2025, "C", "oge", "math", 9, 5, 3), (2026, "C", "oge", "math", 9, 5, 0),
        (2025, "C", "ege", "russian", 11, 50, 25), (2026, "C", "ege", "russian", 11, 50, 0),
    ])
    table = dyn.school_changes(res, schools(list("ABC")), 2026, params, params["dynamics"]["gia_math"])
    table = table.set_index("school_id")
    # A: w = 100 and 50; RD = (100·(−0,2) + 50·0) / 150 = −13,33 п.п.
    assert table.loc["A", "change_pp"] == pytest.approx(-20 * 100 / 150)
    assert table.loc["A", "procedures"] == 2 and table.loc["A", ["n_prev", "n_now"]].tolist() == [300, 300]
    assert table.loc["A", "share_prev"] == pytest.approx(70 / 3) and table.loc["A", "share_now"] == pytest.approx(10)
    # B: RD = (100·(−0,2) + 50·0,4) / 150 = 0
    assert table.loc["B", "change_pp"] == pytest.approx(0.0)
    assert table.loc[["A", "B", "C"], "verdict"].tolist() == ["improved", "no_change", "insufficient_data"]
    assert table.loc["C", "procedures"] == 0 and np.isnan(table.loc["C", "q_value"])
    # the family is the two tested schools
    assert table.loc[["A", "B"], "q_value"].tolist() == pytest.approx(
        benjamini_hochberg(table.loc[["A", "B"], "p_value"].to_numpy()).tolist())


def test_school_changes_needs_the_practical_threshold(params):
    # 400 pupils a year in each of the eight works, 20 % -> 17 %: significant at 5 %, but 3 pp < 5 pp
    res = results([(y, "A", "vpr", s, g, 400, k) for g in (4, 6, 7, 8) for s in ("math", "russian")
                   for y, k in ((2025, 80), (2026, 68))])
    loose = {**params, "dynamics": {**params["dynamics"], "min_change_pp": 0}}
    strict = dyn.school_changes(res, schools(["A"]), 2026, params, params["dynamics"]["diagnostics"])
    free = dyn.school_changes(res, schools(["A"]), 2026, loose, params["dynamics"]["diagnostics"])
    assert strict["p_value"].iloc[0] < 0.05 and strict["change_pp"].iloc[0] == pytest.approx(-3.0)
    assert strict["verdict"].iloc[0] == "no_change" and free["verdict"].iloc[0] == "improved"


def test_norilsk_231_counts_the_school_level_verdicts(params):
    res = results([
        (2025, "A", "oge", "math", 9, 200, 60), (2026, "A", "oge", "math", 9, 200, 20),     # improved
        (2025, "B", "oge", "math", 9, 200, 60), (2026, "B", "oge", "math", 9, 200, 55),     # not significant
        (2025, "C", "oge", "math", 9, 5, 3), (2026, "C", "oge", "math", 9, 5, 0),           # too small
        (2025, "A", "oge", "russian", 9, 200, 20), (2026, "A", "oge", "russian", 9, 200, 60),  # A declined
    ])
    group = dyn.group_changes(res, schools(list("ABCD")), 2026, params, ["A", "B", "C"])
    assert sorted(group["group"].unique()) == ["diagnostics", "gia_math", "gia_russian"]
    ind = dyn.norilsk_231(group, ["A", "B", "C"]).set_index("id")
    assert ind.loc["norilsk.2.3.1.1", ["numerator", "denominator", "untestable"]].tolist() == [1, 3, 1]
    assert ind.loc["norilsk.2.3.1.2", ["numerator", "denominator", "untestable"]].tolist() == [0, 3, 2]
    assert ind.loc["norilsk.2.3.1.3", ["numerator", "untestable"]].tolist() == [0, 3]
    assert ind.loc["norilsk.2.3.1.1", "value"] == pytest.approx(33.3)
    assert np.isnan(ind.loc["norilsk.2.3.1.1", "significant"])


def test_gia_gap_best_and_worst_ten_percent(params):
    rows = [(2025, f"S{i}", "oge", "math", 9, 20, 1, float(i)) for i in range(1, 11)]          # gap 10 - 1 = 9
    rows += [(2026, f"S{i}", "oge", "math", 9, 20, 1, float(i) * 0.95) for i in range(1, 11)]  # 9.5 - 0.95
    gap = dyn.gia_gap(results(rows), schools([f"S{i}" for i in range(1, 11)]), params).set_index("year")
    assert gap.loc[2025, "gap"] == pytest.approx(9.0)
    assert gap.loc[2026, "gap"] == pytest.approx(8.55)
    assert gap.loc[2026, "gap_change"] == pytest.approx(-0.45)
    assert gap.loc[2026, "target_met"] == 1.0 and np.isnan(gap.loc[2025, "target_met"])


def test_mean_score_trends_are_participant_weighted(params):
    rows = [(2026, "A", "oge", "math", 9, 10, 1, 10.0), (2026, "B", "oge", "math", 9, 30, 1, 20.0)]
    trends = dyn.mean_score_trends(results(rows), schools(["A", "B"]), ["A"]).set_index("group")
    assert trends.loc["all", "mean_score"] == pytest.approx(17.5)    # (10·10 + 30·20) / 40
    assert trends.loc["shnor", "mean_score"] == pytest.approx(10.0)


@pytest.mark.parametrize("share_now, change, verdict, level", [
    (2.0, -15.0, "improved", 1),    # best status, strong fall: blue
    (45.0, 15.0, "declined", 5),    # worst status, strong rise: red
    (2.0, 15.0, "declined", 3),     # best status, strong rise: yellow
    (45.0, -15.0, "improved", 3),   # worst status, strong fall: yellow
    (45.0, 15.0, "no_change", 4),   # a rise that is not significant counts as no change
])
def test_grid_corners(params, share_now, change, verdict, level):
    table = pd.DataFrame({"share_now": [share_now], "change_pp": [change], "verdict": [verdict]})
    row = dyn.status_change_grid(table, params).iloc[0]
    assert row["level"] == level
    assert "level_name" not in row and "label" not in row   # words are the views' (views.dynamics)


def test_grid_without_data_has_no_level(params):
    table = pd.DataFrame({"share_now": [10.0], "change_pp": [np.nan], "verdict": ["insufficient_data"]})
    row = dyn.status_change_grid(table, params).iloc[0]
    assert np.isnan(row["level"]) and np.isnan(row["status_level"]) and np.isnan(row["change_level"])


def test_funnel_flags_outliers(params):
    rows = [(2026, f"S{i}", "vpr", "math", 5, 100, 10) for i in range(8)]
    rows += [(2026, "HIGH", "vpr", "math", 5, 100, 40), (2026, "TINY", "vpr", "math", 5, 4, 2)]
    ids = [f"S{i}" for i in range(8)] + ["HIGH", "TINY"]
    points = dyn.funnel(results(rows), schools(ids), 2026, "vpr.math.5").set_index("school_id")
    assert points.loc["HIGH", "outside_998"] == 1
    assert points.loc["TINY", "outside_998"] == 0      # 50 % of 4 pupils is within chance
    assert points["p0"].iloc[0] == pytest.approx(122 * 100 / 904)


def test_gia_gap_has_codes_not_titles(params):
    rows = [(2026, f"S{i}", "oge", "math", 9, 20, 1, float(i)) for i in range(1, 3)]
    gap = dyn.gia_gap(results(rows), schools(["S1", "S2"]), params)
    assert gap["assessment"].tolist() == ["oge.math.9"] and "title" not in gap


def test_changes_q_value_is_benjamini_hochberg_over_the_tested_rows(params):
    from statsmodels.stats.multitest import multipletests
    table = dyn.changes(results([
        (2025, "A", "oge", "math", 9, 200, 60), (2026, "A", "oge", "math", 9, 200, 20),   # 30 % -> 10 %
        (2025, "B", "oge", "math", 9, 200, 40), (2026, "B", "oge", "math", 9, 200, 58),   # 20 % -> 29 %
        (2025, "C", "vpr", "math", 5, 6, 3), (2026, "C", "vpr", "math", 5, 6, 1),         # a class of 6: not tested
        (2025, "E", "vpr", "math", 5, 20, 3), (2026, "E", "vpr", "math", 5, 22, 4),
    ]), schools(["A", "B", "C", "E"]), 2026, params).set_index("school_id")
    tested = ["A", "B", "E"]
    expected = multipletests(table.loc[tested, "p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(table.loc[tested, "q_value"], expected)
    assert np.isnan(table.loc["C", "q_value"]) and np.isfinite(table.loc["C", "p_value"])
    assert table.loc["B", "p_value"] < 0.05 < table.loc["B", "q_value"]  # significant alone, not in the family
    assert table.loc[tested, "verdict"].tolist() == ["improved", "no_change", "no_change"]


def test_changes_needs_the_practical_threshold(params):
    # 2000 pupils, 10 % -> 12 %: p ≈ 0.04 (a single test, so q = p), but only 2 pp
    rows = [(2025, "A", "oge", "math", 9, 2000, 200), (2026, "A", "oge", "math", 9, 2000, 240)]
    row = dyn.changes(results(rows), schools(["A"]), 2026, params).iloc[0]
    assert row["q_value"] == pytest.approx(row["p_value"]) and row["q_value"] < 0.05
    assert params["dynamics"]["min_change_pp"] == 5
    assert row["verdict"] == "no_change"
    lenient = {**params, "dynamics": {**params["dynamics"], "min_change_pp": 0}}
    assert dyn.changes(results(rows), schools(["A"]), 2026, lenient).iloc[0]["verdict"] == "declined"


SIMULATED_ASSESSMENTS = [("vpr", "math", 4), ("vpr", "russian", 4), ("vpr", "math", 5), ("vpr", "russian", 5),
                         ("oge", "math", 9), ("oge", "russian", 9)]


def simulated_region(seed, changed=None, n_schools=300):
    """``n_schools`` × 6 assessments, groups of 20–120 pupils, the same true fail rate (5–35 %) both years.

    ``changed`` maps (school index, assessment index) to the true rates (last year, this year)
    of a row that does change; such a row has 60–120 pupils each year (a 30-point change in a
    group of 20 is not clear-cut: Fisher's p of 50 % -> 20 % of 20 pupils is about 0.1).
    """
    rng = np.random.default_rng(seed)
    changed = changed or {}
    rows = []
    ids = [f"S{i:03d}" for i in range(n_schools)]
    for i, school in enumerate(ids):
        for j, (procedure, subject, grade) in enumerate(SIMULATED_ASSESSMENTS):
            rate = rng.uniform(0.05, 0.35)
            for year, p in zip((2025, 2026), changed.get((i, j), (rate, rate))):
                n = int(rng.integers(60 if (i, j) in changed else 20, 121))
                rows.append((year, school, procedure, subject, grade, n, int(rng.binomial(n, p))))
    return results(rows), schools(ids)


def significant_rows(table):
    return table["verdict"].isin(["improved", "declined"])


def test_simulation_without_true_change_gives_almost_no_significant_verdicts(params):
    frame, sch = simulated_region(seed=2026)
    table = dyn.changes(frame, sch, 2026, params)
    assert len(table) == 1800 and (table["verdict"] != "insufficient_data").all()
    assert significant_rows(table).mean() <= 0.01
    # the per-test reading this replaces: about alpha of the rows
    assert (table["p_value"] < params["dynamics"]["alpha"]).mean() > 0.03


def test_simulation_with_clear_changes_still_finds_them(params):
    rng = np.random.default_rng(7)
    picked = rng.choice(300, 20, replace=False)
    # 30 pp changes in 20 schools, in all six assessments: 10 schools fall 50 % -> 20 %, 10 rise 10 % -> 40 %
    changed = {(int(i), j): ((0.50, 0.20) if k % 2 == 0 else (0.10, 0.40))
               for k, i in enumerate(picked) for j in range(6)}
    frame, sch = simulated_region(seed=2027, changed=changed)
    table = dyn.changes(frame, sch, 2026, params)
    keys = [(int(s[1:]), SIMULATED_ASSESSMENTS.index((p, sub, g)))
            for s, p, sub, g in zip(table["school_id"], table["procedure"], table["subject"], table["grade"])]
    is_changed = np.array([key in changed for key in keys])
    expected = ["improved" if changed[key][1] < changed[key][0] else "declined" for key in keys if key in changed]
    found = (table.loc[is_changed, "verdict"] == expected).mean()
    assert found >= 0.8
    assert significant_rows(table[~is_changed]).mean() <= 0.01


DIAGNOSTICS = [("vpr", s, g) for g in (4, 6, 7, 8) for s in ("math", "russian")]


def simulated_diagnostics(seed, n_schools=600, improved=(), rates=(0.5, 0.25)):
    """Schools × the eight diagnostic works, classes of 8–60 pupils (a few below the minimum of 10).

    Without a true change a work has the same fail rate (5–40 %) both years; a school in
    ``improved`` has ``rates`` (last year, this year) in every work.
    """
    rng = np.random.default_rng(seed)
    rows, ids = [], [f"S{i:03d}" for i in range(n_schools)]
    for i, school in enumerate(ids):
        size = rng.integers(8, 61)  # one class size per school, each work varies around it
        for procedure, subject, grade in DIAGNOSTICS:
            rate = rng.uniform(0.05, 0.40)
            for year, p in zip((2025, 2026), rates if i in improved else (rate, rate)):
                n = int(max(1, size + rng.integers(-3, 4)))
                rows.append((year, school, procedure, subject, grade, n, int(rng.binomial(n, p))))
    return results(rows), schools(ids)


def old_rule_positive(table):
    """The rule the school-level test replaces: one work improved at p < 0.05, none declined."""
    tested = table[(table["n_prev"] >= 10) & (table["n_now"] >= 10)]
    improved = (tested["p_value"] < 0.05) & (tested["change_pp"] < 0)
    declined = (tested["p_value"] < 0.05) & (tested["change_pp"] > 0)
    flags = tested.assign(i=improved, d=declined).groupby("school_id")[["i", "d"]].any()
    return (flags["i"] & ~flags["d"]).mean()


def test_school_level_positive_dynamics_without_true_change_is_rare(params):
    frame, sch = simulated_diagnostics(seed=31)
    group = params["dynamics"]["diagnostics"]
    table = dyn.school_changes(frame, sch, 2026, params, group)
    tested = table[table["verdict"] != "insufficient_data"]
    assert len(tested) >= 550
    alpha = params["dynamics"]["alpha"]
    assert (tested["verdict"] == "improved").mean() <= alpha
    assert (tested["verdict"] == "declined").mean() <= alpha
    # even before the correction over the schools, one test per school keeps «improved» near alpha / 2
    assert ((tested["p_value"] < alpha) & (tested["change_pp"] < 0)).mean() <= alpha
    # the replaced reading of the same data: far above alpha
    assert old_rule_positive(dyn.changes(frame, sch, 2026, params)) > alpha


def test_school_level_positive_dynamics_finds_clear_improvements(params):
    improved = set(range(0, 600, 20))  # 30 schools: 50 % -> 25 % in every work
    frame, sch = simulated_diagnostics(seed=32, improved=improved)
    table = dyn.school_changes(frame, sch, 2026, params, params["dynamics"]["diagnostics"])
    is_improved = table["school_id"].str[1:].astype(int).isin(improved)
    assert (table.loc[is_improved, "verdict"] == "improved").mean() >= 0.9
    others = table[~is_improved & (table["verdict"] != "insufficient_data")]
    assert (others["verdict"] == "improved").mean() <= params["dynamics"]["alpha"]


def test_groups_without_results_are_those_no_school_has_a_result_of(params):
    """A has ВПР only; B an ОГЭ math row without participants: neither ГИА group has a result. With B's
    30 pupils in 2025 ГИА math has one, in the previous year: only ГИА Russian is without."""
    rows = [(2025, "A", "vpr", "math", 4, 50, 15), (2026, "A", "vpr", "math", 5, 50, 14),
            (2026, "B", "oge", "math", 9, 0, 0)]
    assert dyn.groups_without_results(results(rows), 2026, params, ["A", "B"]) == ["gia_math", "gia_russian"]
    rows.append((2025, "B", "oge", "math", 9, 30, 3))
    assert dyn.groups_without_results(results(rows), 2026, params, ["A", "B"]) == ["gia_russian"]
    # a result two years back is not of this comparison; no schools, nothing to say
    assert dyn.groups_without_results(results(rows), 2027, params, ["A", "B"]) == ["gia_math", "gia_russian",
                                                                                   "diagnostics"]
    assert dyn.groups_without_results(results(rows), 2026, params, []) == []
