"""The integer-code signs of biased results give exactly what the former pandas version gave.

The former implementation is kept in ``reference_objectivity.py``; both run on seeded synthetic
pupil tables that hold the awkward cases: absent pupils, pupils without a score or a school mark,
scores above the work's maximum, works the method does not use, a work without a known maximum,
pupils without a school id, schools outside the list, schools whose marks do not vary, tiny
schools and three years. Tables come in two shapes: as the importer stores them (nullable
integers, ``string`` texts) and as plain pandas builds them from Python lists.
"""
import functools

import numpy as np
import pandas as pd
import pytest

import reference_objectivity as ref
from qualitylib.rules import objectivity as new

WORKS = ["math.4", "math.5", "russian.4", "russian.5", "math.6", "russian.8"]
YEARS = (2020, 2021, 2022)


@functools.lru_cache(maxsize=None)
def region(seed: int, stored: bool, n_schools: int = 80):
    """Pupils, schools and maximum scores of a synthetic region (``stored``: the importer's dtypes)."""
    rng = np.random.default_rng(seed)
    ids = [f"sch{i:05d}" for i in rng.permutation(n_schools + 6)]  # the last 6 are not in the list
    rows = []
    for number, school in enumerate(ids):
        level, bias = rng.uniform(0.3, 0.8), rng.random() < 0.1
        size = int(rng.choice([1, 3, 6, 25, 60]))
        for year in YEARS:
            for work in WORKS:
                if rng.random() < 0.15:
                    continue
                flat = rng.random() < 0.05        # marks that do not vary
                for _ in range(int(rng.integers(max(1, size // 2), size + 1))):
                    score = float(rng.binomial(20, level))
                    mark = 4.0 if flat else float(np.clip(round(2 + score / 6 + rng.normal(0, 0.7)), 2, 5))
                    if bias:
                        mark = float(7 - mark) if rng.random() < 0.7 else mark
                    absent = rng.random() < 0.04
                    if absent or rng.random() < 0.02:
                        score = np.nan
                    elif rng.random() < 0.01:
                        score = float(rng.integers(21, 60))   # above the maximum: not a participant
                    if rng.random() < 0.05:
                        mark = np.nan
                    sid = None if rng.random() < 0.003 else school
                    rows.append((year, sid, work, score, mark, absent))
    pupils = pd.DataFrame(rows, columns=["year", "school_id", "work", "score", "school_mark", "absent"])
    if stored:
        pupils = pupils.astype({"year": "int16", "school_id": "string", "work": "string", "score": "Float64",
                                "school_mark": "Int8", "absent": "boolean"})
        pupils.loc[pupils.index[::97], "absent"] = pd.NA
    else:
        pupils["school_id"] = pupils["school_id"].astype(object)
    schools = pd.DataFrame({"school_id": ids[:n_schools], "school_name": [f"Школа {i}" for i in ids[:n_schools]],
                            "municipality": rng.choice(["А", "Б"], n_schools)})
    max_scores = {(y, w): 20 for y in YEARS for w in WORKS if (y, w) != (2021, "russian.4")}
    return pupils, schools, max_scores


CASES = [(1, True), (2, False), (3, True)]


@pytest.mark.parametrize(("seed", "stored"), CASES)
def test_each_sign_as_before(seed, stored):
    pupils, _, max_scores = region(seed, stored)
    for limits in (None, {}, max_scores):
        pd.testing.assert_frame_equal(new.inflated_means(pupils, max_scores=limits),
                                      ref.inflated_means(pupils, max_scores=limits), check_exact=True)
        pd.testing.assert_frame_equal(new.marks_mismatch(pupils, 5, max_scores=limits),
                                      ref.marks_mismatch(pupils, 5, max_scores=limits), check_exact=True)
    for start in YEARS:
        got, want = new.cohort_jumps(pupils, max_scores, start), ref.cohort_jumps(pupils, max_scores, start)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert new.inflated_means(pupils)["inflated"].sum() > 0
    assert new.marks_mismatch(pupils)["marks_mismatch"].sum() > 0


@pytest.mark.parametrize(("seed", "stored"), CASES)
def test_objectivity_as_before(seed, stored):
    pupils, schools, max_scores = region(seed, stored)
    calls = [{"year": 2021}, {"year": 2022}, {"year": 2020}, {}, {"cohort_from": 2021}, {"year": 2019}]
    for kwargs in calls:
        got, got_index = new.objectivity(pupils, schools, max_scores, **kwargs)
        want, want_index = ref.objectivity(pupils, schools, max_scores, **kwargs)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got_index == want_index or (np.isnan(got_index) and np.isnan(want_index))
    table, _ = new.objectivity(pupils, schools, max_scores, year=2021)
    assert table["marked"].sum() > 0 and table["sign_codes"].str.contains(";").any()


def test_tables_without_participants():
    pupils, schools, max_scores = region(1, True)
    for part in (pupils.iloc[:0], pupils[pupils["work"] == "math.6"], pupils[pupils["absent"].fillna(False)]):
        pd.testing.assert_frame_equal(new.cohort_jumps(part, max_scores, 2020), ref.cohort_jumps(part, max_scores, 2020),
                                      check_exact=True)
        got, got_index = new.objectivity(part, schools, max_scores, year=2021)
        want, want_index = ref.objectivity(part, schools, max_scores, year=2021)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert np.isnan(got_index) and np.isnan(want_index)
