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
    assert "несоответствие школьным отметкам (math.4 2021)" in sign_texts(pd.Series([codes])).iloc[0]
    assert index == 90.0
