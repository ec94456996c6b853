"""Signs of biased results (ФИОКО method) on hand-made pupil tables."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from qualitylib.rules.objectivity import cohort_jumps, inflated_means, marks_mismatch, objectivity
from qualitylib.views.identification import sign_texts


def pupils(rows):
    """rows: (year, school_id, work, score, school_mark)"""
    frame = pd.DataFrame(rows, columns=["year", "school_id", "work", "score", "school_mark"])
    frame["absent"] = False
    return frame


def test_inflated_mean_needs_the_whole_interval_above_the_region():
    rng = np.random.default_rng(3)
    rows = [(2021, f"S{s}", "math.4", float(v), 4.0) for s in range(10) for v in rng.integers(5, 12, 30)]
    rows += [(2021, "HIGH", "math.4", float(v), 5.0) for v in rng.integers(17, 20, 30)]
    rows += [(2021, "LUCKY", "math.4", v, 5.0) for v in (18.0, 5.0)]   # high mean but a wide interval
    out = inflated_means(pupils(rows)).set_index("school_id")
    assert out.loc["HIGH", "inflated"] == 1
    assert out.loc["LUCKY", "inflated"] == 0
    assert out.loc[[f"S{s}" for s in range(10)], "inflated"].sum() == 0
    # the interval by hand for HIGH
    scores = np.array([r[3] for r in rows if r[1] == "HIGH"])
    assert out.loc["HIGH", "school_lo"] == pytest.approx(scores.mean() - 1.96 * scores.std(ddof=1) / np.sqrt(30))


def test_spearman_matches_scipy_and_flags_negative_correlation():
    rows = [(2021, "POS", "russian.5", s, m) for s, m in [(10, 2), (20, 3), (25, 3), (30, 4), (40, 5), (35, 5)]]
    rows += [(2021, "NEG", "russian.5", s, m) for s, m in [(10, 5), (20, 4), (25, 4), (30, 3), (40, 2), (15, 5)]]
    rows += [(2021, "FEW", "russian.5", s, m) for s, m in [(10, 5), (20, 2)]]
    rows += [(2021, "FLAT", "russian.5", s, 4) for s in (10, 20, 30, 40, 50)]
    out = marks_mismatch(pupils(rows), min_pupils=5).set_index("school_id")
    pos = [r for r in rows if r[1] == "POS"]
    assert out.loc["POS", "spearman"] == pytest.approx(spearmanr([r[4] for r in pos], [r[3] for r in pos])[0], abs=1e-4)
    assert out.loc["NEG", "marks_mismatch"] == 1 and out.loc["POS", "marks_mismatch"] == 0
    assert out.loc["FEW", "marks_mismatch"] == 0           # below the minimum number of pupils
    assert np.isnan(out.loc["FLAT", "spearman"])           # marks do not vary


def test_sharp_fall_and_rise_of_a_cohort():
    rows = []
    for s in range(12):     # ordinary schools: ~60 % in grade 4, ~55 % in grade 5
        rows += [(2020, f"S{s}", "math.4", 12.0 + s % 3, 4.0)] * 5 + [(2021, f"S{s}", "math.5", 11.0 + s % 2, 4.0)] * 5
    rows += [(2020, "FALL", "math.4", 19.0, 5.0)] * 5 + [(2021, "FALL", "math.5", 2.0, 3.0)] * 5
    rows += [(2020, "RISE", "math.4", 1.0, 3.0)] * 5 + [(2021, "RISE", "math.5", 19.0, 5.0)] * 5
    maxima = {(2020, "math.4"): 20, (2021, "math.5"): 20}
    out = cohort_jumps(pupils(rows), maxima, 2020).set_index("school_id")
    assert out.loc["FALL", "sharp_fall"] == 1 and out.loc["FALL", "k"] == pytest.approx(95 / 10)
    assert out.loc["RISE", "sharp_rise"] == 1
    assert out.loc[[f"S{s}" for s in range(12)], ["sharp_rise", "sharp_fall"]].to_numpy().sum() == 0


def test_objectivity_index():
    rows = [(2021, f"S{s}", "math.4", float(v), 4.0) for s in range(9) for v in (5, 6, 7, 8, 9)]
    rows += [(2021, "BAD", "math.4", float(v), m) for v, m in [(5, 5), (6, 5), (7, 4), (8, 3), (9, 2)]]
    schools = pd.DataFrame({"school_id": [f"S{s}" for s in range(9)] + ["BAD"], "school_name": list("абвгдежзик"),
                            "municipality": ["М"] * 10})
    table, index = objectivity(pupils(rows), schools, {}, cohort_from=None)
    assert table.set_index("school_id").loc["BAD", "marked"] == 1
    codes = table.set_index("school_id").loc["BAD", "sign_codes"]
    assert "marks_mismatch(math.4 2021)" in codes.split(";")
    assert "несоответствие школьным отметкам (ВПР математика 4 кл., 2021)" in sign_texts(pd.Series([codes])).iloc[0]
    assert sign_texts(pd.Series(["sharp_rise(russian)"])).iloc[0] == "резкий рост результатов параллели 4 → 5 (русский язык)"
    assert index == 90.0


def test_scores_above_the_maximum_are_not_participants():
    """The importer's rule: a score above the work's maximum is an input error, not a participant."""
    valid = [(5, 2), (8, 3), (11, 3), (14, 4), (17, 5)]       # Spearman ≈ 0.97
    errors = [(40, 2), (45, 2), (50, 2)]                       # above the maximum 20: with them ρ ≈ −0.29
    rows = [(2021, "ERR", "math.4", float(s), float(m)) for s, m in valid + errors]
    rows += [(2021, f"S{i}", "math.4", float(s), float(m)) for i in range(9) for s, m in valid]
    maxima = {(2021, "math.4"): 20}
    kept = marks_mismatch(pupils(rows)).set_index("school_id")
    assert kept.loc["ERR", "marks_mismatch"] == 1 and kept.loc["ERR", "n"] == 8   # the old reading
    ruled = marks_mismatch(pupils(rows), max_scores=maxima).set_index("school_id")
    assert ruled.loc["ERR", "n"] == 5 and ruled.loc["ERR", "marks_mismatch"] == 0
    assert ruled.loc["ERR", "spearman"] == pytest.approx(spearmanr([m for _, m in valid], [s for s, _ in valid])[0],
                                                         abs=1e-4)
    # sign 1: the errors no longer raise the school's mean (nor the region's)
    means = inflated_means(pupils(rows), max_scores=maxima).set_index("school_id")
    assert means.loc["ERR", "n"] == 5 and means.loc["ERR", "mean"] == pytest.approx(11.0)
    assert means.loc["ERR", "region_mean"] == pytest.approx(11.0)
    # a score equal to the maximum is a participant; a work without a known maximum keeps its scores
    edge = pupils([(2021, "E", "math.4", 20.0, 5.0), (2021, "E", "russian.4", 99.0, 5.0)])
    assert inflated_means(edge, max_scores=maxima)["n"].tolist() == [1, 1]
    # the index: the school is no longer marked
    schools = pd.DataFrame({"school_id": ["ERR"] + [f"S{i}" for i in range(9)], "school_name": list("абвгдежзик"),
                            "municipality": ["М"] * 10})
    table, index = objectivity(pupils(rows), schools, maxima, cohort_from=None)
    assert table["marked"].sum() == 0 and index == 100.0


def test_sign_3_drops_scores_above_the_maximum():
    rows = []
    for s in range(12):
        rows += [(2020, f"S{s}", "math.4", 12.0 + s % 3, 4.0)] * 5 + [(2021, f"S{s}", "math.5", 11.0 + s % 2, 4.0)] * 5
    # one entry error (score 200 of 20) would make the school's grade 4 completion 280 % and K a "fall"
    rows += [(2020, "ERR", "math.4", 12.0, 4.0)] * 4 + [(2020, "ERR", "math.4", 200.0, 4.0)]
    rows += [(2021, "ERR", "math.5", 11.0, 4.0)] * 5
    maxima = {(2020, "math.4"): 20, (2021, "math.5"): 20}
    out = cohort_jumps(pupils(rows), maxima, 2020).set_index("school_id")
    assert out.loc["ERR", "s4"] == pytest.approx(60.0) and out.loc["ERR", "sharp_fall"] == 0
