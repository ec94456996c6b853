"""Charts' speed shortcuts change no pixel: ticks placed once, tick markers shared, the collector paused."""
import gc
import io
from contextlib import nullcontext
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from qualitylib.views import charts  # noqa: E402
from qualitylib.views.tasks import histogram_chart  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches=None, metadata={"Software": None})  # as the inline backend
    return buf.getvalue()


def _charts():
    rng = np.random.default_rng(7)
    series = pd.DataFrame([{"school_id": s, "assessment": a, "year": y, "share": 10.0 + 5 * k + y % 7,
                            "share_lo": 5.0 + 5 * k, "share_hi": 30.0 + 5 * k + y % 7}
                           for s in ["S1", "S2", "S3"] for k, a in enumerate(["vpr.math.5", "vpr.russian.5",
                                                                              "oge.math.9"])
                           for y in [2024, 2025, 2026]])
    schools = pd.DataFrame({"school_id": ["S1", "S2", "S3"], "school_name": ["Школа 1", "Школа 2", "Школа 3"]})
    titles = {"vpr.math.5": "ВПР математика", "vpr.russian.5": "ВПР русский", "oge.math.9": "ОГЭ математика"}
    changes = pd.DataFrame({"school_name": ["Школа А", "Школа Б", "Школа В"], "share_prev": [30.0, 10.0, 50.0],
                            "share_now": [10.0, 12.0, 70.0], "verdict": ["improved", "no_change", "declined"]})
    hist = pd.DataFrame([{"work": w, "score": s, "count": int(c)}
                         for w in ["math.4", "russian.4", "math.5"]
                         for s, c in enumerate(rng.integers(0, 900, 25))])
    tasks = SimpleNamespace(histograms=hist, bounds={"math.4": {"mark2": 5, "mark3": 9, "mark4": 14}})
    social = pd.DataFrame({"school_id": [f"S{i}" for i in range(40)], "municipality": ["А", "Б"] * 20,
                           "social_index": rng.uniform(40, 95, 40), "share": rng.uniform(0, 60, 40),
                           "expected_share": np.linspace(50, 5, 40), "shnsu": [1, 0, 0, 0] * 10})
    return [*charts.shnor_series_pages(series, schools, list(titles), 27.5, titles, per_page=2),
            charts.slope_charts({"ВПР": changes, "ОГЭ": changes}, 2026), histogram_chart(tasks),
            charts.social_scatter(social, "А", ["S2"])]


def test_the_speed_shortcuts_leave_every_pixel(monkeypatch):
    """The same charts with matplotlib placing and copying every tick, laying out and measuring every
    text itself: byte-identical PNGs, with the kept texts empty (the first figure) and full."""
    charts._TEXT_CACHE.clear()
    cold = [_png(f) for f in _charts()]
    plt.close("all")
    assert charts._TEXT_CACHE  # the texts were kept
    warm = [_png(f) for f in _charts()]
    plt.close("all")
    monkeypatch.setattr(charts, "_ticks_once", lambda fig: nullcontext())
    monkeypatch.setattr(charts, "_texts_once", lambda renderer: nullcontext())
    plain = [_png(f) for f in _charts()]
    assert len(plain) == 5
    assert cold == plain
    assert warm == plain


def test_kept_texts_follow_size_and_dpi():
    """A text kept at one size or dpi is not given for another (Word saves at 150 dpi)."""
    charts._TEXT_CACHE.clear()
    fig = charts.gap_chart(pd.DataFrame({"assessment": ["oge.math.9"] * 2, "title": ["ОГЭ математика"] * 2,
                                         "year": [2025, 2026], "gap": [3.0, 2.45]}))
    shown = _png(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches=None, metadata={"Software": None})
    dpis = {key[2] for key in charts._TEXT_CACHE}
    assert dpis == {96, 150}
    assert _png(fig) == shown


def test_ticks_placed_once_only_while_drawing():
    fig = charts.slope_charts({"ВПР": pd.DataFrame({"school_name": ["А"], "share_prev": [30.0], "share_now": [10.0],
                                                    "verdict": ["improved"]})}, 2026)
    _png(fig)
    axis = fig.axes[0].yaxis
    assert not {"_update_ticks", "_get_ticklabel_bboxes", "_copy_tick_props"} & set(vars(axis))
    ticks = axis.get_major_ticks()
    assert len(ticks) > 2
    first = ticks[0].tick1line.get_marker()
    assert all(t.tick1line.get_marker() == first for t in ticks)  # every tick drawn like the first
    # after the drawing, the axis follows new limits at once (nothing kept from the drawing)
    fig.axes[0].set_ylim(0, 1000)
    _png(fig)
    assert max(t.get_loc() for t in axis._update_ticks()) == 1000


def test_theme_pauses_the_collector_and_gives_it_back():
    assert gc.isenabled()
    with charts.theme():
        assert not gc.isenabled()
        with charts.theme():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner theme leaves it to the outer one
    assert gc.isenabled()
    gc.disable()
    try:
        with charts.theme():
            pass
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()
    with pytest.raises(RuntimeError):
        with charts.theme():
            raise RuntimeError
    assert gc.isenabled()


def test_another_matplotlib_release_draws_the_ordinary_way(monkeypatch):
    """The shortcuts replace private steps of the releases they were checked on; any other draws as usual."""
    fig = charts.ThemedFigure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [0, 1])
    monkeypatch.setattr(charts, "SHORTCUT_RELEASES", frozenset())
    with charts._ticks_once(fig):
        assert "_update_ticks" not in vars(fig.axes[0].xaxis)
    fig.canvas.draw()
    assert not charts._shortcuts()
