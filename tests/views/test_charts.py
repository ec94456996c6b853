"""Charts: the theme is a context (no global side effect), ax= panels, decimal commas."""
import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from qualitylib.views import charts  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def gap():
    return pd.DataFrame({"assessment": ["oge.math.9"] * 2, "title": ["ОГЭ математика"] * 2, "year": [2025, 2026],
                         "gap": [3.0, 2.45]})


def test_theme_is_a_context_and_leaves_rcparams_alone():
    before = dict(mpl.rcParams)
    with charts.theme():
        assert mpl.rcParams["font.size"] == charts.THEME["font.size"]
        assert mpl.rcParams["axes.spines.top"] is False
    with charts.theme({"font.size": 13}):
        assert mpl.rcParams["font.size"] == 13
    fig = charts.gap_chart(gap())
    assert dict(mpl.rcParams) == before
    assert fig.dpi == charts.THEME["figure.dpi"]       # the style was in force when the figure was made
    assert fig.axes[0].title.get_fontsize() == charts.THEME["axes.titlesize"]


def test_theme_keeps_what_pyplot_sets_inside_it():
    # a kernel turns interactive mode on when its first figure picks the inline backend; undoing
    # that on leaving the theme (as rc_context would) hid every later figure of a notebook
    interactive = mpl.rcParams["interactive"]
    try:
        with charts.theme():
            mpl.rcParams["interactive"] = not interactive
        assert mpl.rcParams["interactive"] is (not interactive)
    finally:
        mpl.rcParams["interactive"] = interactive
    with pytest.raises(RuntimeError):
        with charts.theme({"font.size": 13}):
            raise RuntimeError
    assert mpl.rcParams["font.size"] != 13


def test_gap_chart_draws_into_the_callers_axes_with_a_decimal_comma():
    fig, (left, right) = plt.subplots(1, 2)
    assert charts.gap_chart(gap(), ax=right) is fig
    assert not left.lines and len(right.lines) == 1
    assert [t.get_text() for t in right.texts] == ["2,5"]       # 2.45 to one decimal


def test_panels_take_ax():
    fig, ax = plt.subplots()
    changes = pd.DataFrame({"school_name": ["А", "Б"], "share_prev": [30.0, 10.0], "share_now": [10.0, 12.0],
                            "verdict": ["improved", "no_change"]})
    assert charts.slope_panel(changes, 2026, "ВПР", ax=ax) is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025", "2026"]
    points = pd.DataFrame({"school_name": ["А"], "participants": [40], "share": [12.5], "p0": [12.5],
                           "outside_998": [0]})
    curves = pd.DataFrame({"n": [1, 40], "lo95": [0.0, 5.0], "hi95": [90.0, 25.0], "lo998": [0.0, 2.0],
                           "hi998": [99.0, 30.0]})
    fig2, ax2 = plt.subplots()
    charts.funnel_panel(points, curves, "ВПР", ax=ax2)
    assert "средняя доля 12,5 %" in ax2.get_legend_handles_labels()[1]


def _funnel_points(adjusted):
    return pd.DataFrame({"school_name": ["А", "Б"], "participants": [40, 200], "share": [12.5, 30.0],
                         "p0": [20.0, 20.0], "outside_998": [0, 0], "exact_998": [0, 1], "phi": [3.456 if adjusted else 1.104] * 2,
                         "tau2": [0.0100 if adjusted else 0.0] * 2, "adjusted": [int(adjusted)] * 2,
                         "method": ["additive"] * 2})


def _funnel_curves():
    limits = {"n": [1, 200], "lo95": [0.0, 5.0], "hi95": [90.0, 35.0], "lo998": [0.0, 2.0], "hi998": [99.0, 40.0]}
    limits.update({f"{key}_exact": value for key, value in limits.items() if key != "n"})
    return pd.DataFrame(limits)


def test_funnel_panel_says_the_limits_are_adjusted_for_overdispersion_with_phi_and_tau2():
    fig, ax = plt.subplots()
    charts.funnel_panel(_funnel_points(True), _funnel_curves(), "ВПР", ax=ax)
    title = ax.get_title().replace("\n", " ").replace("ВПР ", "ВПР\n", 1)  # the note wraps to the chart's width
    # tau = 0.1 on the arcsine scale is 0.1 * 2 * sqrt(0.2 * 0.8) * 100 = 8 percentage points at 20 %
    assert title == ("ВПР\nпределы с поправкой на сверхдисперсию (φ = 3,46, τ² = 0,0100: "
                     "межшкольный разброс ≈ 8,0 п. п.)")
    labels = ax.get_legend_handles_labels()[1]
    assert "95 % с поправкой" in labels and "99,8 % с поправкой" in labels and "99,8 % без поправки" in labels


def test_funnel_panel_says_when_the_limits_are_exact():
    fig, ax = plt.subplots()
    charts.funnel_panel(_funnel_points(False), _funnel_curves(), "ВПР", ax=ax)
    assert ax.get_title() == "ВПР\nточные биномиальные пределы: сверхдисперсии нет (φ = 1,10)"
    labels = ax.get_legend_handles_labels()[1]
    assert "95 %" in labels and not any("поправк" in label for label in labels)


def test_tick_labels_have_a_decimal_comma():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    charts._russian_ticks(ax)
    ax.set_yticks([0, 0.25, 0.5])
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0,00", "0,25", "0,50"]


def test_threshold_in_the_series_title_has_a_decimal_comma():
    series = pd.DataFrame({"school_id": ["S"] * 2, "assessment": ["vpr.math.5"] * 2, "year": [2025, 2026],
                           "share": [40.0, 20.0], "share_lo": [30.0, 10.0], "share_hi": [50.0, 30.0]})
    schools = pd.DataFrame({"school_id": ["S"], "school_name": ["Школа"]})
    fig = charts.shnor_series(series, schools, ["vpr.math.5"], 27.5, {"vpr.math.5": "ВПР"})
    assert "порог 27,5 %" in fig._suptitle.get_text()
    fig = charts.shnor_series(series, schools, ["vpr.math.5"], 30, {"vpr.math.5": "ВПР"})
    assert "порог 30 %" in fig._suptitle.get_text()
    assert charts.shnor_series(series, schools.iloc[:0], [], 30, {}) is None
    assert np.isclose(fig.axes[0].get_ylim()[1], 100)


def test_school_names_are_plain_text_not_mathtext():
    """«$x^$» is an invalid mathtext expression: drawn as a name it must render as it is written."""
    changes = pd.DataFrame({"school_name": ["Школа $x^$", "Б"], "share_prev": [30.0, 10.0], "share_now": [10.0, 12.0],
                            "verdict": ["declined", "no_change"]})
    with charts.theme():
        fig, ax = plt.subplots()
        charts.slope_panel(changes, 2026, "ВПР $x^$", ax=ax)
        fig.canvas.draw()  # mathtext would raise ValueError here
    texts = [t.get_text() for t in ax.texts] + [ax.get_title()]
    assert any("$x^$" in t for t in texts)


def test_shnor_series_pages_keep_panels_legible():
    """Many ШНОР: several figures of at most four schools, panels nearly as tall as for a short list."""
    import matplotlib.pyplot as plt

    years = [2024, 2025, 2026]
    ids = [f"S{i:02d}" for i in range(14)]
    series = pd.DataFrame([{"school_id": s, "assessment": "vpr.math.5", "year": y, "share": 30.0, "share_lo": 20.0,
                            "share_hi": 40.0} for s in ids for y in years])
    schools = pd.DataFrame({"school_id": ids, "school_name": [f"Школа {i}" for i in range(14)]})
    figs = charts.shnor_series_pages(series, schools, ["vpr.math.5"], 30, {"vpr.math.5": "ВПР"})
    try:
        assert [len(f.axes) for f in figs] == [4, 4, 4, 2]  # ВПР only: two schools a row
        one = charts.shnor_series(series, schools.iloc[:2], ["vpr.math.5"], 30, {"vpr.math.5": "ВПР"})
        row_of_two = one.get_figheight() - 1.3
        plt.close(one)
        assert (figs[0].get_figheight() - 1.3) / 2 >= 0.6 * row_of_two
    finally:
        for f in figs:
            plt.close(f)


def test_shnor_series_leave_out_a_kind_of_assessment_without_results():
    """A region with ВПР only: no column of empty ОГЭ/ЕГЭ panels; two schools a row, the fifth on a page of its own;
    every page has the kinds some school of all the pages has, and the colours stay by assessment."""
    rows = [{"school_id": s, "assessment": a, "year": y, "share": 30.0, "share_lo": 20.0, "share_hi": 40.0}
            for s in ["S1", "S2", "S3", "S4", "S5"] for a in ["vpr.math.5", "vpr.russian.5"] for y in [2025, 2026]]
    series = pd.DataFrame(rows)
    schools = pd.DataFrame({"school_id": ["S1", "S2", "S3", "S4", "S5"],
                            "school_name": ["Школа 1", "Школа 2", "Школа 3", "Школа 4", "Школа 5"]})
    assessments = ["vpr.math.5", "vpr.russian.5", "oge.math.9"]
    titles = {"vpr.math.5": "ВПР м", "vpr.russian.5": "ВПР р", "oge.math.9": "ОГЭ м"}
    figs = charts.shnor_series_pages(series, schools, assessments, 30, titles)
    try:
        assert [len(f.axes) for f in figs] == [4, 1]  # 2 × 2, then the fifth school
        assert [ax.get_title() for f in figs for ax in f.axes] == [f"Школа {i}: ВПР" for i in range(1, 6)]
        assert figs[0].axes[0].get_subplotspec().get_geometry()[:2] == (2, 2)
        three = charts.shnor_series(series, schools.iloc[:3], assessments, 30, titles)
        assert len(three.axes) == 4 and not three.axes[3].axison  # an odd number: the last place blank
        plt.close(three)
    finally:
        for f in figs:
            plt.close(f)
    # ОГЭ results for one school of the second page: every page gets the ОГЭ column
    oge = pd.DataFrame([{"school_id": "S5", "assessment": "oge.math.9", "year": 2026, "share": 10.0,
                         "share_lo": 5.0, "share_hi": 20.0}])
    figs = charts.shnor_series_pages(pd.concat([series, oge]), schools, assessments, 30, titles)
    try:
        assert [len(f.axes) for f in figs] == [8, 2]
        assert [ax.get_title() for ax in figs[0].axes[:2]] == ["Школа 1: ВПР", "Школа 1: ОГЭ и ЕГЭ"]
        colour = {f.axes[0].lines[0].get_color() for f in figs}  # ВПР м has one colour on every page
        assert len(colour) == 1
    finally:
        for f in figs:
            plt.close(f)
    assert charts.shnor_series(series.iloc[:0], schools, assessments, 30, titles) is None


def test_a_picture_is_drawn_once_at_print_resolution_and_shown_at_screen_width():
    import struct

    fig = charts.shnor_series(*_series_case())
    inches = fig.get_size_inches()
    pic = charts.picture(fig)
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend does not show it again
    width, height = struct.unpack(">II", pic.png[16:24])  # the PNG header's size
    assert (width, height) == (round(inches[0] * 150), round(inches[1] * 150))
    data, meta = pic._repr_png_()
    assert data is pic.png and meta == {"width": round(inches[0] * 96)}


def _series_case():
    series = pd.DataFrame([{"school_id": s, "assessment": a, "year": y, "share": 10.0 + 5 * k + y % 7,
                            "share_lo": 5.0 + 5 * k, "share_hi": 30.0 + 5 * k + y % 7}
                           for s in ["S1", "S2"] for k, a in enumerate(["vpr.math.5", "oge.math.9"])
                           for y in [2024, 2025, 2026]])
    schools = pd.DataFrame({"school_id": ["S1", "S2"],
                            "school_name": ["МБОУ «Средняя общеобразовательная школа № 1 имени очень длинного имени»",
                                            "Школа 2"]})
    return series, schools, ["vpr.math.5", "oge.math.9"], 27.5, {"vpr.math.5": "ВПР", "oge.math.9": "ОГЭ"}


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches=None, metadata={"Software": None})  # as the inline backend
    return buf.getvalue()


def test_a_laid_out_chart_is_drawn_once_when_saved(monkeypatch):
    """tight_layout leaves no layout engine behind: saving draws the figure once, not twice."""
    fig = charts.shnor_series(*_series_case())
    assert fig.get_layout_engine() is None
    drawn = []
    original = charts.ThemedFigure.draw
    monkeypatch.setattr(charts.ThemedFigure, "draw", lambda self, renderer: (drawn.append(1), original(self, renderer)))
    _png(fig)
    assert len(drawn) == 1
    assert not any("get_tightbbox" in vars(ax) for ax in fig.axes)  # the layout's measuring is undone


def test_the_shortcuts_leave_every_pixel_as_matplotlib_draws_it(monkeypatch):
    """The same charts through matplotlib's own paths (layout engine kept, titles placed automatically,
    empty labels placed, each axes measured twice): byte-identical PNGs."""
    from contextlib import nullcontext

    from matplotlib.figure import Figure

    def make():
        changes = pd.DataFrame({"school_name": ["Школа А", "Школа Б", "Школа В"], "share_prev": [30.0, 10.0, 50.0],
                                "share_now": [10.0, 12.0, 70.0], "verdict": ["improved", "no_change", "declined"]})
        return [charts.shnor_series(*_series_case()), charts.slope_charts({"ВПР": changes, "ОГЭ": changes}, 2026)]

    fast = [_png(f) for f in make()]
    monkeypatch.setattr(charts.ThemedFigure, "tight_layout", Figure.tight_layout)
    monkeypatch.setattr(charts, "set_title", lambda ax, text, **kw: ax.set_title(text, **kw))
    monkeypatch.setattr(charts, "_empty_labels_still", lambda fig: nullcontext())
    plain = make()
    assert plain[0].get_layout_engine() is not None  # matplotlib's own path indeed
    assert [_png(f) for f in plain] == fast


def test_bars_are_the_rectangles_ax_bar_draws():
    with charts.theme():
        fig, ax = plt.subplots()
        rects = charts.bars(ax, [1, 2, 4], [3, 0, 5], width=0.85, color="#6baed6")
    boxes = [p.get_extents() for p in rects.get_paths()]
    assert np.allclose([[b.x0, b.y0, b.x1, b.y1] for b in boxes],
                       [[0.575, 0, 1.425, 3], [1.575, 0, 2.425, 0], [3.575, 0, 4.425, 5]])
    assert ax.get_ylim()[0] == 0  # no margin under the bars, as ax.bar
    assert ax.get_xlim()[0] < 0.575 and ax.get_xlim()[1] > 4.425


def test_funnel_names_are_moved_apart_only_where_their_labels_would_meet():
    # two labels starting 0.05 apart and 0.2 long meet; the third, far to the right, stays at its point
    out = charts._spread_near([0.1, 0.15, 0.8], [0.2, 0.2, 0.2], [10.0, 10.5, 10.0], gap=2.0, floor=0.0)
    assert out == pytest.approx([9.25, 11.25, 10.0])  # centre 10,25, one gap apart
    # the group lifted above the floor as a whole, its gap kept; the lone label already above it
    out = charts._spread_near([0.1, 0.15, 0.8], [0.2, 0.2, 0.2], [10.0, 10.5, 10.0], gap=2.0, floor=10.0)
    assert out == pytest.approx([10.0, 12.0, 10.0])
    # a chain: each label meets the next, so all three are one group
    out = charts._spread_near([0.1, 0.25, 0.4], [0.2, 0.2, 0.2], [5.0, 5.0, 5.0], gap=1.0, floor=0.0)
    assert sorted(out) == pytest.approx([4.0, 5.0, 6.0])
