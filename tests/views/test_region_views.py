"""The region's funnel (qualitylib.views.region): which municipalities it names, and its axis."""
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from qualitylib.rules import dynamics as dyn
from qualitylib.views import region as views


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _report(participants, low):
    units = pd.DataFrame({"municipality": [f"Район {i}" for i in range(len(participants))],
                          "participants": participants, "low_count": low})
    funnel = dyn.funnel_units(units.assign(school_name=units["municipality"]))
    curves = dyn.funnel_curves(funnel["p0"].iloc[0] / 100, int(funnel["participants"].max()),
                               dispersion=dyn.funnel_dispersion(funnel))
    return SimpleNamespace(funnel=funnel, curves=curves, year=2026)


def _names(fig):
    return {t.get_text() for t in fig.axes[0].texts}


def test_a_small_region_has_every_municipality_named_on_a_linear_axis():
    report = _report([100, 200, 300, 400, 500], [20, 40, 60, 80, 100])  # 20 % each, none outside
    fig = views.funnel_chart(report)
    assert _names(fig) == {f"Район {i}" for i in range(5)}
    assert fig.axes[0].get_xscale() == "linear" and fig.axes[0].get_xlabel() == "Число участников"
    assert views.funnel_caption(report.funnel) == "Подписаны все муниципалитеты."


def test_a_large_region_names_those_outside_the_95_limits_on_a_logarithmic_axis():
    rng = np.random.default_rng(20)
    n = np.r_[rng.integers(200, 900, 29), 20_000]  # a capital 22 times the smallest district and more
    low = rng.binomial(n, 0.2)
    low[:3] = (n[:3] * np.array([0.02, 0.45, 0.5])).astype(int)  # three far from 20 %
    report = _report(n, low)
    funnel = report.funnel
    outside = set(funnel.loc[funnel["outside_95"] != 0, "municipality"])
    assert {"Район 0", "Район 1", "Район 2"} <= outside and len(outside) < len(funnel)
    fig = views.funnel_chart(report)
    assert _names(fig) == outside
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Число участников (логарифмическая шкала)"
    assert ax.get_xlim()[0] == pytest.approx(n.min() / 1.4) and ax.get_xlim()[1] == pytest.approx(20_000 * 1.4)
    assert views.funnel_caption(funnel).startswith("Подписаны муниципалитеты за пределами 95 % границ;")
    assert "логарифмической шкале" in views.funnel_caption(funnel)


def test_the_axis_turns_logarithmic_at_twenty_times_the_smallest():
    assert not views.funnel_log_axis(pd.DataFrame({"participants": [100, 1999]}))
    assert views.funnel_log_axis(pd.DataFrame({"participants": [100, 2000]}))
    assert not views.funnel_log_axis(pd.DataFrame({"participants": []}))
