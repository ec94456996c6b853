"""Tests of qualitylib.rules.stats against hand-computed values, scipy and statsmodels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats import chi2
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from qualitylib.rules import stats
from qualitylib.rules.stats import (
    funnel_limits,
    outside_funnel,
    two_proportion_test,
    verdict,
    wilson_interval,
)


def smallest_expected(k1, n1, k2, n2):
    """Smallest of the four expected cell counts, cell by cell."""
    n = n1 + n2
    cols = (k1 + k2, n - k1 - k2)
    return min(r * c / n for r in (n1, n2) for c in cols)


def random_small_tables(seed=20240901, size=300, max_n=40):
    """Random 2x2 tables with n up to ``max_n``, zeros and equal proportions included."""
    rng = np.random.default_rng(seed)
    n1 = rng.integers(1, max_n + 1, size)
    n2 = rng.integers(1, max_n + 1, size)
    k1 = rng.binomial(n1, rng.uniform(0, 1, size))
    k2 = rng.binomial(n2, rng.uniform(0, 1, size))
    # some all-zero / all-one outcomes
    k1[:20], k2[:20] = 0, 0
    k1[20:30], k2[20:30] = n1[20:30], n2[20:30]
    k2[30:40] = 0
    # equal proportions: second sample is the first one doubled
    n1[40:80] = rng.integers(1, max_n // 2 + 1, 40)
    k1[40:80] = rng.integers(0, n1[40:80] + 1)
    n2[40:80], k2[40:80] = 2 * n1[40:80], 2 * k1[40:80]
    # identical samples
    n2[80:100], k2[80:100] = n1[80:100], k1[80:100]
    return k1, n1, k2, n2


# ---------------------------------------------------------------------------
# Wilson
# ---------------------------------------------------------------------------

def test_wilson_hand_computed():
    lower, upper = wilson_interval([3], [10])
    assert lower[0] == pytest.approx(0.1078, abs=5e-5)
    assert upper[0] == pytest.approx(0.6032, abs=5e-5)


@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99])
def test_wilson_matches_statsmodels(confidence):
    k = np.array([0, 1, 0, 1, 3, 10, 0, 7, 25, 50, 999, 1000])
    n = np.array([1, 1, 10, 10, 10, 10, 5, 7, 100, 200, 1000, 1000])
    lower, upper = wilson_interval(k, n, confidence)
    ref_lower, ref_upper = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(lower, np.clip(ref_lower, 0, 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(upper, np.clip(ref_upper, 0, 1), rtol=0, atol=1e-12)
    assert np.all((lower >= 0) & (lower <= k / n) & (k / n <= upper) & (upper <= 1))


def test_wilson_edges_are_nan_and_bounded():
    lower, upper = wilson_interval(pd.Series([0, 5, 1, np.nan, 2, 0]),
                                   pd.Series([0, 5, np.nan, 4, 1, 3]))
    assert np.isnan(lower[[0, 2, 3, 4]]).all() and np.isnan(upper[[0, 2, 3, 4]]).all()
    assert upper[1] == 1.0 and lower[5] == 0.0


# ---------------------------------------------------------------------------
# two_proportion_test
# ---------------------------------------------------------------------------

def test_ztest_matches_statsmodels_for_large_tables():
    k1 = np.array([60, 300, 120, 45, 1000, 500, 30])
    n1 = np.array([200, 1000, 400, 150, 5000, 2500, 100])
    k2 = np.array([20, 250, 130, 45, 1100, 400, 31])
    n2 = np.array([200, 900, 400, 160, 5000, 2600, 100])
    p, method = two_proportion_test(k1, n1, k2, n2)
    assert (method == "z").all()
    ref = [proportions_ztest([a, b], [m, w])[1] for a, m, b, w in zip(k1, n1, k2, n2)]
    np.testing.assert_allclose(p, ref, rtol=1e-10, atol=1e-15)


def test_fisher_matches_scipy_on_random_small_tables():
    k1, n1, k2, n2 = random_small_tables()
    p, method = two_proportion_test(k1, n1, k2, n2, exact_below=np.inf)
    assert (method == "fisher").all()
    ref = [sps.fisher_exact([[a, m - a], [b, w - b]]).pvalue for a, m, b, w in zip(k1, n1, k2, n2)]
    np.testing.assert_allclose(p, ref, rtol=0, atol=1e-9)
    equal = k1 * n2 == k2 * n1
    assert equal.sum() >= 60
    np.testing.assert_allclose(p[equal], 1.0, atol=1e-9)


def test_method_choice_and_default_p_values():
    k1, n1, k2, n2 = random_small_tables(seed=7)
    p, method = two_proportion_test(k1, n1, k2, n2)
    small = np.array([smallest_expected(*t) < 5 for t in zip(k1, n1, k2, n2)])
    assert 0 < small.sum() < len(small)
    np.testing.assert_array_equal(method == "fisher", small)
    np.testing.assert_array_equal(method == "z", ~small)
    for i in np.flatnonzero(small):
        table = [[k1[i], n1[i] - k1[i]], [k2[i], n2[i] - k2[i]]]
        assert p[i] == pytest.approx(sps.fisher_exact(table).pvalue, abs=1e-9)
    for i in np.flatnonzero(~small):
        ref = proportions_ztest([k1[i], k2[i]], [n1[i], n2[i]])[1]
        assert p[i] == pytest.approx(ref, rel=1e-10)


def test_chunked_fisher_equals_unchunked(monkeypatch):
    k1, n1, k2, n2 = random_small_tables(seed=11)
    whole, _ = two_proportion_test(k1, n1, k2, n2, exact_below=np.inf)
    monkeypatch.setattr(stats, "FISHER_CHUNK_CELLS", 37)  # many chunks, some single wide rows
    chunked, _ = two_proportion_test(k1, n1, k2, n2, exact_below=np.inf)
    # padding changes only the summation order
    np.testing.assert_allclose(chunked, whole, rtol=1e-13, atol=1e-15)


def test_fisher_on_large_unbalanced_tables():
    # small expected counts with a large sample: the support stays small
    k1, n1, k2, n2 = [1, 0, 3], [12, 8, 30], [40, 900, 2], [20000, 150000, 4000]
    p, method = two_proportion_test(k1, n1, k2, n2)
    assert (method == "fisher").all()
    ref = [sps.fisher_exact([[a, m - a], [b, w - b]]).pvalue for a, m, b, w in zip(k1, n1, k2, n2)]
    np.testing.assert_allclose(p, ref, rtol=1e-7, atol=1e-12)


def test_degenerate_and_missing_rows():
    k1 = pd.Series([0, 5, 1, None, 30, 0, 3, 7, 2], dtype="Int64")
    n1 = pd.Series([0, 10, 10, 10, 100, 40, 40, 5, 10], dtype="Int64")
    k2 = pd.Series([1, 5, None, 2, 30, 0, 40, 1, 2], dtype="Int64")
    n2 = pd.Series([5, 0, 10, 10, 100, 40, 40, 5, 1], dtype="Int64")
    p, method = two_proportion_test(k1, n1, k2, n2)
    # n == 0, NaN inputs, k > n (rows 7 has k1 > n1, row 8 has k2 > n2)
    for i in (0, 1, 2, 3, 7, 8):
        assert np.isnan(p[i]) and method[i] == ""
    assert p[4] == pytest.approx(1.0) and method[4] == "z"
    # pooled proportion 0: p-value 1 with either method
    assert p[5] == 1.0 and method[5] == "fisher"
    p_z, m_z = two_proportion_test([0, 40], [40, 40], [0, 40], [40, 40], exact_below=0)
    assert (p_z == 1.0).all() and (m_z == "z").all()
    assert p[6] < 1e-10


# ---------------------------------------------------------------------------
# verdict
# ---------------------------------------------------------------------------

def test_verdict_programme_cases():
    k_prev = np.array([3, 60, 20, 3, 60])
    n_prev = np.array([6, 200, 200, 6, 9])
    k_now = np.array([1, 20, 60, 1, 20])
    n_now = np.array([6, 200, 200, 6, 200])
    p, method = two_proportion_test(k_prev, n_prev, k_now, n_now)
    assert method[0] == "fisher" and p[0] == pytest.approx(6 / 11)  # 3/6 -> 1/6
    share_prev, share_now = k_prev / n_prev, k_now / n_now
    loose = verdict(share_prev, share_now, p, n_prev, n_now, min_n=1)
    assert loose.tolist()[:3] == ["no_change", "improved", "declined"]
    strict = verdict(share_prev, share_now, p, n_prev, n_now)
    assert strict.tolist()[:3] == ["insufficient_data", "improved", "declined"]
    assert strict[4] == "insufficient_data"  # 9 participants < min_n = 10


def test_verdict_rules():
    share_prev = [0.3, 0.3, 0.3, 0.3, np.nan, 0.3, 0.3]
    share_now = [0.1, 0.5, 0.3, 0.1, 0.1, 0.1, 0.1]
    p = [0.01, 0.01, 0.01, 0.2, 0.01, np.nan, 0.049]
    n = [10, 10, 10, 10, 10, 10, np.nan]
    out = verdict(share_prev, share_now, p, n, [10] * 7)
    assert out.tolist() == ["improved", "declined", "no_change", "no_change",
                            "insufficient_data", "insufficient_data", "insufficient_data"]
    assert verdict([0.3], [0.1], [0.049], [10], [10], alpha=0.01).tolist() == ["no_change"]


# ---------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------

def test_funnel_limits_near_normal_approximation():
    lower, upper = funnel_limits(0.2, np.array([100]), 0.95)
    half = 1.96 * np.sqrt(0.2 * 0.8 / 100)
    assert lower[0] == pytest.approx(0.2 - half, abs=0.02)
    assert upper[0] == pytest.approx(0.2 + half, abs=0.02)


def test_funnel_limits_hand_computed():
    # p0 = 0.5, n = 10: r = 2, a' = (56 - 25.6) / 45 -> lower (2 - 0.6756) / 10;
    # r = 8, a' = (1013 - 998.4) / 45 -> upper (8 - 0.3244) / 10 (counts out of 1024)
    lower, upper = funnel_limits(0.5, [2, 4, 10], 0.95)
    np.testing.assert_allclose(lower, [0.0, 0.0, 0.1324], atol=5e-5)
    np.testing.assert_allclose(upper, [0.95, 0.9, 0.7676], atol=5e-5)


def test_funnel_limits_widen_as_n_falls():
    n = np.array([5000, 1000, 500, 200, 100, 50, 20, 10, 5])
    for confidence in (0.95, 0.998):
        lower, upper = funnel_limits(0.2, n, confidence)
        assert np.all((lower >= 0) & (lower <= 0.2) & (upper >= 0.2) & (upper <= 1))
        assert np.all(np.diff(upper - lower) > 0)
        assert np.all(np.diff(lower) <= 0) and np.all(np.diff(upper) >= 0)
    lo95, up95 = funnel_limits(0.2, n, 0.95)
    lo998, up998 = funnel_limits(0.2, n, 0.998)
    assert np.all(lo998 <= lo95) and np.all(up998 >= up95)


def test_funnel_limits_nan_for_empty_groups():
    lower, upper = funnel_limits(0.2, [0, -3, np.nan, 1], 0.95)
    assert np.isnan(lower[:3]).all() and np.isnan(upper[:3]).all()
    assert 0 <= lower[3] <= upper[3] <= 1


@pytest.mark.parametrize("p0", [0.0, 1e-6, 0.001, 0.05, 0.2345, 0.5, 0.77, 0.999999, 1.0])
def test_binomial_quantiles_match_scipy_stats(p0):
    # the funnel limits avoid importing scipy.stats; its binom.ppf/cdf are the reference
    n = np.concatenate([np.arange(1, 300), np.random.default_rng(3).integers(300, 5000, 300)]).astype(float)
    for q in (0.001, 0.025, 0.975, 0.999):
        r = stats._binom_ppf(q, n, np.full_like(n, p0))
        np.testing.assert_array_equal(r, sps.binom.ppf(q, n, p0))
        for k in (r, r - 1, r + 1):
            np.testing.assert_allclose(stats._binom_cdf(k, n, np.full_like(n, p0)), sps.binom.cdf(k, n, p0),
                                       rtol=1e-9, atol=1e-300)


def test_outside_funnel():
    out = outside_funnel([40, 20, 5, 0, 28], [100, 100, 100, 0, 100], 0.2, 0.95)
    assert out.dtype.kind == "i"
    assert out.tolist() == [1, 0, -1, 0, 1]
    assert outside_funnel([28], [100], 0.2, 0.998).tolist() == [0]


# ---------------------------------------------------------------------------
# vectorisation
# ---------------------------------------------------------------------------

def test_two_hundred_thousand_rows():
    rng = np.random.default_rng(12345)
    size = 200_000
    n1 = rng.integers(0, 300, size)
    n2 = rng.integers(0, 300, size)
    k1 = rng.binomial(n1, 0.15)
    k2 = rng.binomial(n2, 0.15)
    p, method = two_proportion_test(pd.Series(k1), pd.Series(n1), k2, n2)
    assert p.shape == (size,) and method.shape == (size,)
    empty = (n1 == 0) | (n2 == 0)
    assert np.isnan(p[empty]).all() and (method[empty] == "").all()
    assert np.all((p[~empty] >= 0) & (p[~empty] <= 1))
    assert set(np.unique(method[~empty])) == {"fisher", "z"}
    out = verdict(k1 / np.maximum(n1, 1), k2 / np.maximum(n2, 1), p, n1, n2)
    assert out.shape == (size,)
    lower, upper = wilson_interval(k1, n1)
    assert lower.shape == upper.shape == (size,)
    assert outside_funnel(k2, n2, 0.15, 0.998).shape == (size,)


# ---------------------------------------------------------------------------
# Benjamini–Hochberg
# ---------------------------------------------------------------------------

def test_benjamini_hochberg_hand_computed():
    # m = 8 finite p-values; m·p/rank = .008 .032 .104 .082 .0672 .08 .0846 .205, then the running
    # minimum from the largest rank down; the NaN is no test and stays out of the family
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, np.nan]
    q = stats.benjamini_hochberg(p)
    np.testing.assert_allclose(q, [0.008, 0.032, 0.0672, 0.0672, 0.0672, 0.08, 0.074 * 8 / 7, 0.205, np.nan])
    np.testing.assert_allclose(stats.benjamini_hochberg([0.01, 0.04, 0.03, np.nan]), [0.03, 0.04, 0.04, np.nan])
    np.testing.assert_allclose(stats.benjamini_hochberg([0.5, 0.9]), [0.9, 0.9])


def test_benjamini_hochberg_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests
    rng = np.random.default_rng(14)
    p = np.concatenate([rng.uniform(size=400), rng.uniform(0, 0.01, size=40), [0.02, 0.02, 0.02, 1.0, 0.0]])
    p = rng.permutation(p)
    with_nan = p.copy()
    with_nan[rng.choice(len(p), 30, replace=False)] = np.nan
    finite = np.isfinite(with_nan)
    q = stats.benjamini_hochberg(with_nan)
    np.testing.assert_allclose(q[finite], multipletests(with_nan[finite], method="fdr_bh")[1], rtol=1e-12)
    assert np.isnan(q[~finite]).all()


def test_benjamini_hochberg_shapes_and_empty_families():
    assert stats.benjamini_hochberg([]).shape == (0,)
    assert np.isnan(stats.benjamini_hochberg([np.nan, np.nan])).all()
    q = stats.benjamini_hochberg(pd.Series([0.01, None, 0.02], dtype="Float64"))
    np.testing.assert_allclose(q, [0.02, np.nan, 0.02])
    grid = stats.benjamini_hochberg(np.array([[0.01, 0.04], [0.03, 0.5]]))
    assert grid.shape == (2, 2)
    np.testing.assert_allclose(grid, [[0.04, 0.16 / 3], [0.16 / 3, 0.5]])


def test_verdict_needs_the_practical_change():
    # both changes significant; the 2-point one is below the 5-point threshold
    out = verdict([12.0, 30.0, 10.0], [10.0, 10.0, 15.0], [0.001, 0.001, 0.001], [500] * 3, [500] * 3,
                  min_change=5.0)
    assert out.tolist() == ["no_change", "improved", "declined"]  # exactly 5 pp counts
    assert verdict([12.0], [10.0], [0.001], [500], [500]).tolist() == ["improved"]  # default: no threshold


# --- Cochran–Mantel–Haenszel: one test per school over its procedures -----------------------

def test_mantel_haenszel_hand_computed():
    # school A: 30/100 -> 15/100 and 20/80 -> 10/80
    out = stats.mantel_haenszel([30, 20], [100, 80], [15, 10], [100, 80], ["A", "A"])
    # w = 100·100/200 = 50 and 80·80/160 = 40; RD = (50·(−0,15) + 40·(−0,125)) / 90
    assert out["risk_difference"][0] == pytest.approx((50 * -0.15 + 40 * -0.125) / 90)
    # deviation Σ(a − E) = (30 − 22,5) + (20 − 15) = 12,5
    # V = 100·100·45·155/(200²·199) + 80·80·30·130/(160²·159)
    var = 100 * 100 * 45 * 155 / (200 ** 2 * 199) + 80 * 80 * 30 * 130 / (160 ** 2 * 159)
    assert out["statistic"][0] == pytest.approx((12.5 - 0.5) ** 2 / var)
    assert out["p_value"][0] == pytest.approx(chi2.sf((12.5 - 0.5) ** 2 / var, 1))
    assert out["strata"].tolist() == [2] and out["n1"].tolist() == [180] and out["n2"].tolist() == [180]


@pytest.mark.parametrize("correction", [True, False])
def test_mantel_haenszel_matches_statsmodels(correction):
    from statsmodels.stats.contingency_tables import StratifiedTable
    rng = np.random.default_rng(11)
    for _ in range(30):
        strata = int(rng.integers(1, 9))
        n1, n2 = rng.integers(10, 80, strata), rng.integers(10, 80, strata)
        k1, k2 = rng.binomial(n1, rng.uniform(0.05, 0.5, strata)), rng.binomial(n2, rng.uniform(0.05, 0.5, strata))
        out = stats.mantel_haenszel(k1, n1, k2, n2, np.zeros(strata, dtype=int), correction=correction)
        tables = np.stack([[[a, n - a], [b, m - b]] for a, n, b, m in zip(k1, n1, k2, n2)], axis=2)
        ref = StratifiedTable(tables.astype(float)).test_null_odds(correction=correction)
        deviation = (k1 - n1 * (k1 + k2) / (n1 + n2)).sum()
        if correction and abs(deviation) < 0.5:
            # R's rule, which statsmodels does not apply: no correction below 1/2
            plain = StratifiedTable(tables.astype(float)).test_null_odds(correction=False)
            assert out["statistic"][0] == pytest.approx(plain.statistic, rel=1e-9)
            continue
        assert out["statistic"][0] == pytest.approx(ref.statistic, rel=1e-9)
        assert out["p_value"][0] == pytest.approx(ref.pvalue, rel=1e-9)


def test_mantel_haenszel_groups_and_degenerate_cases():
    out = stats.mantel_haenszel([3, 0, 5, 4], [10, 10, 0, 10], [1, 0, 0, 4], [10, 10, 10, 10], ["B", "B", "C", "A"])
    assert out["group"].tolist() == ["A", "B", "C"]
    # A: 4/10 both years — no change, deviation 0
    assert out["risk_difference"][0] == 0.0 and out["p_value"][0] == 1.0
    # B: the second stratum (none low in either year) adds weight, no variance
    assert out["strata"][1] == 2 and out["risk_difference"][1] == pytest.approx((5 * -0.2 + 5 * 0.0) / 10)
    # C: no pupils last year — nothing to test
    assert out["strata"][2] == 0 and np.isnan(out["p_value"][2]) and np.isnan(out["risk_difference"][2])
