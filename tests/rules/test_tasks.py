"""Task analysis (:mod:`qualitylib.rules.tasks`) and its statistics, on small regions computed by hand."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qualitylib.rules.stats import benjamini_hochberg, benjamini_hochberg_by_group, bounded_mean_below_test
from qualitylib.rules.tasks import code_analysis, group_success, histogram_from_counts, marks_against_school, \
    marks_total, score_counts, score_histogram, success_reference, task_analysis, weakest

PARAMS = {"basic_mastered_pct": 60, "basic_not_mastered_pct": 57, "advanced_mastered_pct": 30,
          "advanced_not_mastered_pct": 28.5, "unknown_level": "basic", "min_participants": 10, "alpha": 0.05}
SCHOOLS = pd.DataFrame({"school_id": ["A", "B", "C", "D"], "municipality": ["X", "X", "Y", "Y"]})
CATALOGUE = pd.DataFrame({"year": [2021, 2021], "subject": ["math", "math"], "grade": [5, 5], "position": [1, 2],
                          "task": ["1", "2"], "level": ["basic", "advanced"], "max_score": [1, 2],
                          "skill": ["счёт", "задачи"], "block": ["", ""]})
CODES = pd.DataFrame({"year": [2021, 2021], "subject": ["math", "math"], "grade": [5, 5], "position": [1, 2],
                      "task": ["1", "2"], "kind": ["element", "element"], "code": ["1", "1"],
                      "title": ["Числа", "Числа"]})


def tasks_table() -> pd.DataFrame:
    rows = [  # school, participants, sum of task 1 (max 1), sum of task 2 (max 2)
        ("A", 20, 10, 10), ("B", 20, 12, 12), ("C", 5, 4, 5), ("D", 200, 180, 300)]
    out = []
    for school, n, s1, s2 in rows:
        out += [(2021, school, "vpr", "math", 5, "1", n, float(s1), 1), (2021, school, "vpr", "math", 5, "2", n, float(s2), 2)]
    return pd.DataFrame(out, columns=["year", "school_id", "procedure", "subject", "grade", "task", "participants",
                                      "score_sum", "max_score"])


def lower_tail(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


@pytest.fixture
def analysis():
    return task_analysis(tasks_table(), SCHOOLS, PARAMS, 2021, CATALOGUE)


def row(frame, school, task):
    return frame[(frame.school_id == school) & (frame.task == task)].iloc[0]


def test_success_levels_and_mastery_by_hand(analysis):
    a1, a2, b1, b2 = row(analysis, "A", "1"), row(analysis, "A", "2"), row(analysis, "B", "1"), row(analysis, "B", "2")
    assert (a1.success_pct, a2.success_pct) == (50.0, 25.0)  # 10/20, 10/(20×2)
    assert (a1.level, a2.level, a1.skill) == ("basic", "advanced", "счёт")
    assert a1.municipality_success_pct == pytest.approx(100 * 22 / 40)
    assert a1.region_success_pct == pytest.approx(100 * 206 / 245)
    assert a2.region_success_pct == pytest.approx(100 * 327 / 490)
    # basic 50 % < 57 %, advanced 25 % < 28.5 %; B exactly at 60 % and 30 %: mastered
    assert (a1.mastery, a2.mastery, b1.mastery, b2.mastery) == ("not_mastered",) * 2 + ("mastered",) * 2
    assert row(analysis, "C", "1").mastery == "insufficient_data" and np.isnan(row(analysis, "C", "1").p_value)
    # Wilson 95 % of 10 of 20 pupils: 0.5 ± 1.96·√(0.25/20 + 1.96²/1600) / (1 + 1.96²/20)
    assert (a1.ci_low_pct, a1.ci_high_pct) == pytest.approx((29.93, 70.07), abs=0.01)


def test_deficit_is_one_sided_against_the_rest_of_the_region(analysis):
    a1, a2 = row(analysis, "A", "1"), row(analysis, "A", "2")
    rest = 196 / 225  # the region without school A: (12 + 4 + 180) / (20 + 5 + 200)
    pooled = (10 + 196) / 245
    z = (0.5 - rest) / math.sqrt(pooled * (1 - pooled) * (1 / 20 + 1 / 225))
    assert a1.p_value == pytest.approx(lower_tail(z))
    rest2 = 317 / 450
    pooled2 = (0.25 * 20 + rest2 * 225) / 245
    z2 = (0.25 - rest2) / math.sqrt(pooled2 * (1 - pooled2) * (1 / 20 + 1 / 225))
    assert a2.p_value == pytest.approx(lower_tail(z2))
    # Benjamini–Hochberg over the two tasks of school A's work
    assert [a1.q_value, a2.q_value] == pytest.approx(benjamini_hochberg([a1.p_value, a2.p_value]).tolist())
    assert (a1.deficit, a2.deficit) == (1, 1)
    assert analysis[analysis.school_id != "A"]["deficit"].sum() == 0


def test_unknown_level_reads_as_basic_and_levels_of_the_table_win():
    tasks = tasks_table().assign(level=["advanced", pd.NA] * 4)
    out = task_analysis(tasks, SCHOOLS, PARAMS | {"unknown_level": "advanced"}, 2021)
    a1 = row(out, "A", "1")
    assert a1.level == "advanced" and a1.mastery == "mastered"  # 50 % ≥ 30 %
    assert row(out, "A", "2").level == "unknown" and row(out, "A", "2").mastery == "not_mastered"  # 25 % < 28.5 %


def test_code_analysis_pools_tasks_and_weights_thresholds(analysis):
    codes = code_analysis(analysis, CODES, PARAMS)
    b = codes[codes.school_id == "B"].iloc[0]
    # (12 + 12) / (20 + 40) = 40 %, thresholds (60·1 + 30·2) / 3 = 40 % and (57 + 57) / 3 = 38 %
    assert b.success_pct == pytest.approx(40.0) and b.mastery == "mastered" and b.tasks == "1, 2"
    a = codes[codes.school_id == "A"].iloc[0]
    assert a.success_pct == pytest.approx(100 * 20 / 60) and a.mastery == "not_mastered" and a.deficit == 1
    assert a.title == "Числа"


def test_weakest_skills_of_a_municipality(analysis):
    skills = group_success(analysis, ["assessment", "skill"], "municipality")
    x = skills[skills.municipality == "X"].set_index("skill")
    assert x.loc["счёт", "success_pct"] == pytest.approx(55.0)
    assert x.loc["задачи", "gap_pp"] == pytest.approx(100 * 22 / 80 - 100 * 327 / 490)
    top = weakest(skills, "municipality", n=1)
    assert top[top.municipality == "X"]["skill"].tolist() == ["задачи"]  # −39.2 pp against −29.1 pp
    assert "Y" not in set(top.municipality)  # Y is above the region on both


def test_a_municipalitys_skills_from_its_own_rows_and_the_regions_reference(analysis):
    """With the region's totals computed once, a municipality's rows alone give its skills as the
    whole region's rows do: X's «задачи» 22 of 80 points against the region's 327 of 490."""
    by = ["assessment", "skill"]
    reference = success_reference(analysis, by)
    assert reference[0].loc[("vpr.math.5", "задачи"), "capacity"] == 490
    assert reference[1].loc[("vpr.math.5", "задачи")] == "2"
    whole = group_success(analysis, by, "municipality")
    for name in ("X", "Y"):
        own = group_success(analysis[analysis.municipality == name], by, "municipality", reference=reference)
        pd.testing.assert_frame_equal(own, whole[whole.municipality == name].reset_index(drop=True))
    x = group_success(analysis[analysis.municipality == "X"], by, "municipality", reference=reference)
    assert x.set_index("skill").loc["задачи", "gap_pp"] == pytest.approx(100 * 22 / 80 - 100 * 327 / 490)


def test_skill_texts_are_held_once_and_group_as_plain_texts(analysis):
    """The catalogue's texts are categories (one copy each, not one per school's row); grouping by
    them gives what grouping the same texts as plain strings gives, in the same order."""
    assert isinstance(analysis["skill"].dtype, pd.CategoricalDtype)
    assert isinstance(analysis["block"].dtype, pd.CategoricalDtype)
    plain = analysis.astype({"skill": str, "block": str})
    for group in ("municipality", "school_id"):
        got = group_success(analysis, ["assessment", "skill"], group)
        want = group_success(plain, ["assessment", "skill"], group)
        pd.testing.assert_frame_equal(got.astype({"skill": str}), want)
        assert weakest(got, group, n=1)["skill"].astype(str).tolist() == weakest(want, group, n=1)["skill"].tolist()


def test_grouped_benjamini_hochberg_equals_the_loop():
    rng = np.random.default_rng(7)
    p = rng.uniform(size=500) ** 3
    p[::9] = np.nan
    groups = rng.integers(0, 40, size=500)
    expected = np.full(500, np.nan)
    for g in np.unique(groups):
        expected[groups == g] = benjamini_hochberg(p[groups == g])
    np.testing.assert_allclose(benjamini_hochberg_by_group(p, groups), expected, equal_nan=True)


def test_bounded_mean_test_is_the_pooled_z_test_for_one_point_tasks():
    from statsmodels.stats.proportion import proportions_ztest

    _, expected = proportions_ztest([12, 300], [40, 500], alternative="smaller")
    assert float(bounded_mean_below_test(12 / 40, 40, 300 / 500, 500)) == pytest.approx(expected)
    assert np.isnan(bounded_mean_below_test(0.5, 0, 0.5, 10))
    assert float(bounded_mean_below_test(1.0, 10, 1.0, 10)) == 1.0


def test_marks_against_school_marks():
    pupils = pd.DataFrame({"year": 2021, "school_id": "A", "work": "math.5",
                           "mark": pd.array([2, 3, 4, 5, 3, pd.NA], dtype="Int8"),
                           "school_mark": pd.array([4, 3, 3, 5, pd.NA, 4], dtype="Int8"),
                           "participant": [True, True, True, True, True, False]})
    out = marks_against_school(pupils).iloc[0]
    assert (out.compared, out.lowered, out.confirmed, out.raised, out.discrepant) == (4, 1, 2, 1, 1)
    assert out.lowered_pct == 25.0 and out.confirmed_pct == 50.0


def test_score_histogram_only_for_large_groups():
    pupils = pd.DataFrame({"year": 2021, "work": ["math.5"] * 50 + ["math.6"] * 3,
                           "score": [0.0] * 10 + [3.0] * 40 + [1.0] * 3, "participant": True})
    out = score_histogram(pupils, min_participants=50)
    assert set(out.work) == {"math.5"}
    assert out["count"].tolist() == [10, 0, 0, 40] and out["score"].tolist() == [0, 1, 2, 3]


def test_a_scopes_marks_add_up_from_its_schools():
    """Two schools of a scope: 4 and 2 pupils compared; their counts add up and the shares are of the
    sums (lowered 2 of 6), the same table as from the scope's pupils."""
    pupils = pd.DataFrame({"year": 2021, "school_id": ["A"] * 5 + ["B"] * 3, "work": "math.5",
                           "mark": pd.array([2, 3, 4, 5, 3, 2, 5, 4], dtype="Int8"),
                           "school_mark": pd.array([4, 3, 3, 5, pd.NA, 3, 5, 4], dtype="Int8"),
                           "participant": [True] * 7 + [False]})
    per_school = marks_against_school(pupils)
    total = marks_total(per_school)
    pd.testing.assert_frame_equal(total, marks_against_school(pupils, by=("year", "work")))
    row = total.iloc[0]
    assert (row.compared, row.lowered, row.confirmed, row.raised, row.discrepant) == (6, 2, 3, 1, 1)
    assert row.lowered_pct == pytest.approx(100 * 2 / 6)


def test_a_scopes_histogram_adds_up_from_its_schools():
    """30 + 25 participants of one work pass the 50 of a histogram together, not apart; the scores
    0, 2, 3 of the schools fill one row per score from 0 to 3."""
    pupils = pd.DataFrame({"year": 2021, "school_id": ["A"] * 30 + ["B"] * 25 + ["C"] * 3,
                           "work": "math.5", "score": [0.0] * 10 + [3.0] * 20 + [2.2] * 25 + [1.0] * 3,
                           "participant": [True] * 55 + [False] * 3})
    counts = score_counts(pupils)
    assert counts.loc[(2021, "B", "math.5", 2)] == 25 and len(counts) == 3  # C's pupils did not take part
    out = histogram_from_counts(counts, min_participants=50)
    pd.testing.assert_frame_equal(out, score_histogram(pupils, min_participants=50))
    assert out["count"].tolist() == [10, 0, 25, 20] and out["score"].tolist() == [0, 1, 2, 3]
    alone = histogram_from_counts(counts[counts.index.get_level_values("school_id") == "A"], min_participants=50)
    assert alone.empty
