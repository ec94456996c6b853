"""Funnel plots with overdispersion (Spiegelhalter 2005; FunnelPlotR): hand-computed and simulated cases."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from qualitylib.rules import dynamics as dyn
from qualitylib.rules.stats import (
    Overdispersion,
    adjusted_funnel_limits,
    funnel_limits,
    outside_adjusted_funnel,
    outside_funnel,
    overdispersion,
)

PI = np.pi


def test_phi_tau2_and_test_hand_computed_without_winsorising():
    # two schools of 4 pupils, 0/4 and 4/4 around 50 %: z = 2*sqrt(4)*(0 - pi/4) = -pi and +pi
    d = overdispersion([0, 4], [4, 4], 0.5, trim=0.0)
    assert d.phi_winsorised == pytest.approx(PI ** 2) and d.phi == pytest.approx(PI ** 2)
    assert d.statistic == pytest.approx(2 * PI ** 2)
    assert d.critical == pytest.approx(chi2.ppf(0.95, 1))
    assert d.overdispersed and d.units == 2
    # w = 4n = 16 each: sum w - sum w^2 / sum w = 32 - 512/32 = 16
    assert d.tau2 == pytest.approx((2 * PI ** 2 - 1) / 16)


def test_phi_hand_computed_with_winsorising():
    # z = -pi, 0, +pi; the 10 % and 90 % quantiles (type 7) are -0.8 pi and 0.8 pi
    d = overdispersion([0, 2, 4], [4, 4, 4], 0.5)
    assert d.phi_winsorised == pytest.approx(2 * (0.8 * PI) ** 2 / 3)
    # the expected square of a standard normal winsorised at 10 % each side
    q = norm.ppf(0.9)
    c = norm.expect(lambda x: np.clip(x, -q, q) ** 2)
    assert c == pytest.approx(0.6787, abs=1e-4)
    assert d.phi == pytest.approx(d.phi_winsorised / c)
    assert d.statistic == pytest.approx(3 * d.phi) and d.critical == pytest.approx(chi2.ppf(0.95, 2))


def test_invalid_rows_are_left_out_and_too_few_units_are_not_tested():
    full = overdispersion([0, 2, 4], [4, 4, 4], 0.5)
    assert overdispersion([0, 2, 4, 1, np.nan], [4, 4, 4, 0, 10], 0.5) == full
    one = overdispersion([3], [10], 0.3)
    assert one.units == 1 and not one.overdispersed and one.tau2 == 0
    with pytest.raises(ValueError):
        overdispersion([1, 2], [4, 4], 1.5)


def _simulate(seed, beta_binomial, schools=400):
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 200, schools)
    p = rng.beta(0.2 * 30, 0.8 * 30, schools) if beta_binomial else np.full(schools, 0.2)
    k = rng.binomial(n, p)
    return k, n, k.sum() / n.sum()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_true_between_school_variation_exact_limits_flag_far_too_many(seed):
    k, n, p0 = _simulate(seed, beta_binomial=True)
    d = overdispersion(k, n, p0)
    assert d.overdispersed and d.tau2 > 0
    exact = np.mean(outside_funnel(k, n, p0, 0.95) != 0)
    adjusted = np.mean(outside_adjusted_funnel(k, n, p0, 0.95, d) != 0)
    adjusted_998 = np.mean(outside_adjusted_funnel(k, n, p0, 0.998, d) != 0)
    assert exact > 0.2                           # about a third of the schools
    assert 0.025 <= adjusted <= 0.085            # about 5 %
    assert adjusted_998 <= 0.02


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binomial_schools_get_no_adjustment(seed):
    k, n, p0 = _simulate(seed, beta_binomial=False)
    d = overdispersion(k, n, p0)
    assert not d.overdispersed
    for confidence in (0.95, 0.998):
        lower, upper = adjusted_funnel_limits(p0, n, confidence, d)
        exact_lower, exact_upper = funnel_limits(p0, n, confidence)
        np.testing.assert_array_equal(lower, exact_lower)
        np.testing.assert_array_equal(upper, exact_upper)
        np.testing.assert_array_equal(outside_adjusted_funnel(k, n, p0, confidence, d),
                                      outside_funnel(k, n, p0, confidence))
    assert np.mean(outside_funnel(k, n, p0, 0.95) != 0) < 0.08


def test_adjusted_limits_hand_computed_and_the_additive_width_stays():
    d = Overdispersion(phi=4.0, phi_winsorised=2.7, tau2=0.01, statistic=40.0, critical=16.9, units=10,
                       overdispersed=True)
    n = np.array([25, 10_000_000])
    z = norm.ppf(0.975)
    theta0 = np.arcsin(np.sqrt(0.2))
    lower, upper = adjusted_funnel_limits(0.2, n, 0.95, d)
    half = z * np.sqrt(1 / (4 * n) + 0.01)
    np.testing.assert_allclose(lower, np.sin(theta0 - half) ** 2)
    np.testing.assert_allclose(upper, np.sin(theta0 + half) ** 2)
    assert upper[1] - lower[1] > 0.1                     # a floor of 2 z tau on the arcsine scale
    lower_m, upper_m = adjusted_funnel_limits(0.2, n, 0.95, d, method="multiplicative")
    np.testing.assert_allclose(upper_m, np.sin(theta0 + z * 2 / (2 * np.sqrt(n))) ** 2)
    assert upper_m[1] - lower_m[1] < 0.001              # closes in on p0
    # a wide angle is clipped at 0 and pi/2, not folded back
    wide = d._replace(tau2=4.0)
    lo, hi = adjusted_funnel_limits(0.2, [10, 0], 0.95, wide)
    assert lo[0] == 0.0 and hi[0] == 1.0 and np.isnan(lo[1]) and np.isnan(hi[1])
    with pytest.raises(ValueError):
        adjusted_funnel_limits(0.2, n, 0.95, d, method="square")


def _region(k, n):
    ids = [f"S{i}" for i in range(len(n))]
    rows = pd.DataFrame({"year": 2026, "school_id": ids, "procedure": "vpr", "subject": "math", "grade": 5,
                         "participants": n, "low_count": k, "mean_score": np.nan})
    schools = pd.DataFrame({"school_id": ids, "school_name": [f"Школа {i}" for i in ids], "municipality": "М"})
    return rows, schools


def test_funnel_table_flags_against_the_adjusted_limits_and_keeps_the_exact_ones():
    k, n, p0 = _simulate(7, beta_binomial=True, schools=120)
    rows, schools = _region(k, n)
    points = dyn.funnel(rows, schools, 2026, "vpr.math.5")
    d = overdispersion(k, n, p0)
    assert d.overdispersed and points["adjusted"].eq(1).all() and points["method"].eq("additive").all()
    assert points["phi"].iloc[0] == pytest.approx(d.phi) and points["tau2"].iloc[0] == pytest.approx(d.tau2)
    assert (points["exact_95"] != 0).sum() > 2 * (points["outside_95"] != 0).sum()
    np.testing.assert_array_equal(points["exact_998"], outside_funnel(k, n, p0, 0.998))
    assert dyn.funnel_dispersion(points) == d
    curves = dyn.funnel_curves(p0, int(n.max()), dispersion=d)
    assert (curves["hi998"] >= curves["hi998_exact"]).all() and (curves["lo95"] <= curves["lo95_exact"]).all()
    assert (curves["hi998"] > curves["hi998_exact"]).any()
    plain = dyn.funnel_curves(p0, int(n.max()))
    np.testing.assert_array_equal(plain["hi95"], plain["hi95_exact"])


def test_funnel_table_of_binomial_schools_is_not_adjusted():
    k, n, _ = _simulate(7, beta_binomial=False, schools=120)
    rows, schools = _region(k, n)
    points = dyn.funnel(rows, schools, 2026, "vpr.math.5")
    assert points["adjusted"].eq(0).all()
    np.testing.assert_array_equal(points["outside_95"], points["exact_95"])
    np.testing.assert_array_equal(points["outside_998"], points["exact_998"])


def test_funnel_curves_are_dense_on_a_linear_and_on_a_logarithmic_axis():
    curves = dyn.funnel_curves(0.2, 10_000)
    n = curves["n"].to_numpy()
    assert n[0] == 1 and n[-1] == 10_000 and (np.diff(n) > 0).all() and len(n) <= 400
    # 200 evenly spaced sizes alone put 18 in 100..1000 (a step of 50.25); the logarithmic ones
    # add a step of 4.7 %: about 49 more in that decade
    assert ((n >= 100) & (n <= 1000)).sum() >= 60
    assert {1, 2, 3, 4, 5} <= set(n) and 51 in n  # the first linear step, 1 + 50.25, rounded
