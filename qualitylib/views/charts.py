"""Charts for the reports (matplotlib), Russian labels, meaning never carried by colour alone.

Every chart is drawn inside :func:`theme`, a context with the reports' style: the global
``rcParams`` get their values back on leaving it, so a chart looks the same wherever it is
drawn and leaves the caller's settings as they were. A chart that is one panel takes
``ax=`` (draw into this axes of the caller's figure); a chart of several panels is built
from public panel functions that take ``ax=`` too.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache, partial
import gc
from typing import Iterator

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
import numpy as np
import pandas as pd

from .dynamics import TREND_GROUP_TITLES, funnel_limits_note
from .labels import ru_number

#: The reports' matplotlib style: fonts with Cyrillic, sizes, reproducible output.
#: The widest a figure may be (inches): the printable width of an A4 page with 12 mm margins
#: (186 mm), so a chart prints at its own size and every text keeps at least :data:`MIN_PRINT_PT`.
PRINT_WIDTH_IN = 7.2
#: The tallest a figure may be (inches): less than the printable height of an A4 page (267 mm), so
#: a chart is never sliced across two pages.
PRINT_HEIGHT_IN = 9.6
#: The smallest font size of any text on a chart (points, printed).
MIN_PRINT_PT = 8

THEME = {
    "figure.dpi": 96,
    "savefig.dpi": 96,
    # DejaVu Sans (it has Cyrillic and comes with matplotlib); a chart shown as SVG names it first and
    # then Arial and the browser's sans-serif, for a browser without it (the HTML reports embed it)
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial"],
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "qualitylib",
    # texts of an SVG chart stay texts (found by a search of the page, sharp in print, a tenth of the
    # bytes of their outlines), drawn by the page's font
    "svg.fonttype": "none",
    # school names are plain text: «$x^$» in a name must not be read (and fail) as mathtext
    "text.parse_math": False,
}


@contextmanager
def theme(overrides: dict | None = None) -> Iterator[None]:
    """The reports' style (:data:`THEME`, then ``overrides``) for the charts drawn inside.

    On leaving (also after an error) the keys of the style get back the values they had;
    nothing else is restored. Unlike :func:`matplotlib.rc_context`, which restores every
    key, this keeps what pyplot sets on its own inside the context: a Jupyter kernel picks
    its inline backend at the first figure and turns ``interactive`` on then, and undoing
    that would stop the kernel from showing the later figures.

    Examples
    --------
    >>> with theme():
    ...     fig, ax = plt.subplots()
    >>> plt.close(fig)
    """
    style = {**THEME, **(overrides or {})}
    saved = {key: mpl.rcParams[key] for key in style}
    collecting = gc.isenabled()
    try:
        mpl.rcParams.update(style)
        # a chart makes thousands of small objects (artists, transforms, paths) that stay alive
        # while it is drawn: the cyclic collector would visit them again and again for nothing
        # (a tenth of the chart's time); it runs again, as before, once the chart is done
        gc.disable()
        yield
    finally:
        if collecting:
            gc.enable()
        mpl.rcParams.update(saved)


@contextmanager
def _empty_labels_still(fig: Figure) -> Iterator[None]:
    """Axis labels without text are not placed while ``fig`` is laid out or drawn.

    Matplotlib places each axis label beside the tick labels of the axis (measuring them
    again) at every layout and drawing, also when the label is empty, which is neither
    drawn nor counted in any extent: most panels of our charts have no axis label.
    """
    still = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             if getattr(axis, "_autolabelpos", False) is True and not axis.label.get_text()]
    for axis in still:
        axis._autolabelpos = False
    try:
        yield
    finally:
        for axis in still:
            axis._autolabelpos = True


#: Matplotlib releases (major, minor) whose private drawing steps :func:`_ticks_once` and
#: :func:`_texts_once` stand in for, as ``tests/views/test_chart_speed.py`` checks them pixel for pixel.
#: With any other release the charts are drawn the ordinary way: slower, never wrong.
SHORTCUT_RELEASES = frozenset({(3, 11)})


def _shortcuts() -> bool:
    """Whether this matplotlib is one of :data:`SHORTCUT_RELEASES`."""
    return tuple(mpl.__version_info__[:2]) in SHORTCUT_RELEASES


@contextmanager
def _ticks_once(fig: Figure) -> Iterator[None]:
    """Each axis of ``fig`` places and labels its ticks once while it is laid out or drawn.

    Matplotlib asks an axis for its ticks (locating, formatting and placing every tick) and
    for the extents of their labels several times per layout and per drawing: for the axis
    itself, for its label's position, for each spine. Between those calls nothing that decides
    the ticks changes (the limits, the axes' place on the figure, the dpi, the locator and
    formatter); the first answer is kept for the same state and given again. Only with a
    matplotlib of :data:`SHORTCUT_RELEASES`.
    """
    if not _shortcuts():
        yield
        return
    patched = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if "_update_ticks" in vars(axis):  # already inside (a layout while drawing)
                continue
            def update(_axis=axis, _update=axis._update_ticks, _cache={}):
                key = (tuple(_axis.get_view_interval()), _axis.axes.bbox.bounds, id(_axis.major.locator),
                       id(_axis.major.formatter), id(_axis.minor.locator), id(_axis.minor.formatter))
                if key not in _cache:
                    _cache[key] = _update()
                return _cache[key]

            def bboxes(ticks, renderer, _measure=axis._get_ticklabel_bboxes, _cache={}):
                key = (id(ticks), id(renderer))
                if key not in _cache:
                    _cache[key] = (ticks, _measure(ticks, renderer))  # ``ticks`` kept: its id stays its own
                return _cache[key][1]

            axis._update_ticks = update
            axis._get_ticklabel_bboxes = bboxes
            axis._copy_tick_props = partial(_copy_tick_props, axis._copy_tick_props)
            patched.append(axis)
    try:
        yield
    finally:
        for axis in patched:
            del axis._update_ticks
            del axis._get_ticklabel_bboxes
            del axis._copy_tick_props


def _copy_tick_props(copy, src, dest) -> None:
    """``copy(src, dest)`` (:meth:`matplotlib.axis.Axis._copy_tick_props`, which makes every new tick
    like the first), with the tick lines' marker style shared instead of deep-copied.

    A marker style is never changed in place (a line given a new marker gets a new style), and the
    deep copy of its paths and transforms was a tenth of a chart's time (three per tick).
    """
    if src is None or dest is None:
        return copy(src, dest)
    lines = [(src.tick1line, dest.tick1line), (src.tick2line, dest.tick2line), (src.gridline, dest.gridline)]
    markers = [line._marker for line, _ in lines]
    try:
        for line, _ in lines:
            line._marker = ""  # what update_from copies now: no marker, at no cost
        copy(src, dest)
    finally:
        for (line, target), marker in zip(lines, markers):
            line._marker = target._marker = marker


#: Texts laid out by FreeType for drawing (glyphs and their offsets) and measured texts, by font,
#: size, dpi and string: the same tick labels, titles and legends come back on every figure.
_TEXT_CACHE: dict = {}
_TEXT_CACHE_SIZE = 4096


def _text_key(renderer, s, prop, *extra):
    from matplotlib.font_manager import fontManager

    return (tuple(fontManager._find_fonts_by_props(prop)), prop.get_size_in_points(), renderer.dpi, s,
            mpl.rcParams["text.hinting"], mpl.rcParams["text.hinting_factor"], mpl.rcParams["text.kerning_factor"],
            *extra)


def _remember(key, compute):
    if key not in _TEXT_CACHE:
        if len(_TEXT_CACHE) >= _TEXT_CACHE_SIZE:
            _TEXT_CACHE.clear()
        _TEXT_CACHE[key] = compute()
    return _TEXT_CACHE[key]


@contextmanager
def _texts_once(renderer) -> Iterator[None]:
    """``renderer`` (Agg) lays out and measures each plain text once, for this figure and the next ones.

    Matplotlib asks FreeType to lay out a string (find its glyphs and their places, about half
    a millisecond even for «20») every time the string is measured and again every time it is
    drawn, on every figure. The layout depends only on the font, its size, the dpi, the hinting
    and the string, so it is kept: drawing renders the same glyphs at the same places, measuring
    gives the same numbers. Other renderers and mathematical text are left alone.
    """
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag

    if (not _shortcuts() or type(renderer) is not RendererAgg or not hasattr(renderer, "_draw_text_glyphs_and_boxes")
            or "draw_text" in vars(renderer)):  # not Agg, or already inside (a layout while drawing)
        yield
        return
    draw_text, measure = renderer.draw_text, renderer.get_text_width_height_descent

    def draw(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        key = _text_key(renderer, s, prop, "draw", flags, None if features is None else tuple(features), language)
        items = _remember(key, lambda: tuple(
            (item.ft_object, item.glyph_index, item.x, item.y)
            for item in renderer._prepare_font(prop)._layout(s, flags=flags, features=features, language=language)))
        size = prop.get_size_in_points()
        renderer._draw_text_glyphs_and_boxes(gc, x, y, angle, ((font, size, glyph, 0, 1, gx, gy)
                                                               for font, glyph, gx, gy in items), [])

    def width_height_descent(s, prop, ismath):
        if ismath:
            return measure(s, prop, ismath)
        return _remember(_text_key(renderer, s, prop, "measure", get_hinting_flag()), lambda: measure(s, prop, ismath))

    renderer.draw_text, renderer.get_text_width_height_descent = draw, width_height_descent
    try:
        yield
    finally:
        del renderer.draw_text, renderer.get_text_width_height_descent


class ThemedFigure(Figure):
    """A figure drawn inside :func:`theme` whenever it is drawn (shown or saved), not only built.

    Some settings are read at drawing time (the room for tick labels, hence how many ticks
    an axis gets): a notebook shows a figure after the chart function has returned.
    """

    def draw(self, renderer):
        with theme(), _empty_labels_still(self), _ticks_once(self), _texts_once(renderer):
            super().draw(renderer)

    def tight_layout(self, *args, **kwargs):
        """:meth:`matplotlib.figure.Figure.tight_layout`, done once, now.

        Matplotlib leaves a placeholder layout engine behind, and any engine makes
        ``savefig`` (the inline backend's PNG too) draw the whole figure once more before
        the real drawing, only to lay it out; the placeholder lays nothing out, so it is
        dropped and every picture is drawn once (the same pixels, in about half the time).

        With ``rect``, matplotlib measures every axes twice (once for the margins, once
        inside the rectangle) although nothing has moved in between: each axes' extent is
        measured once and reused by the second pass (the same numbers, half the work).
        """
        measured = []
        for ax in self.axes:
            def once(*a, _measure=ax.get_tightbbox, _cache={}, **k):
                key = (tuple(id(v) for v in a), tuple(sorted((n, id(v)) for n, v in k.items())))
                if key not in _cache:
                    _cache[key] = _measure(*a, **k)
                return _cache[key]
            ax.get_tightbbox = once  # an instance attribute over the method, for this layout only
            measured.append(ax)
        try:
            with _empty_labels_still(self), _ticks_once(self), _texts_once(self._get_renderer()):
                super().tight_layout(*args, **kwargs)
        finally:
            for ax in measured:
                del ax.get_tightbbox
        if isinstance(self.get_layout_engine(), PlaceHolderLayoutEngine):
            self._layout_engine = None  # what a figure that never had an engine holds


#: The format the inline backend shows figures in (:func:`configure_inline`): SVG, a picture of lines
#: and texts that prints sharp at any size, costs about half the time of a PNG to write (no pixels
#: to fill and compress) and is smaller. A chart that also goes into a Word document is a
#: :class:`Picture`, a PNG.
INLINE_FORMAT = "svg"
#: How the inline backend saves the figures it shows: within the figure's own bounds (every chart
#: lays itself out; a 'tight' box would draw it twice) and without the creation date and the
#: program's name, so the same data give the same bytes.
INLINE_SAVE = {"bbox_inches": None, "metadata": {"Date": None, "Creator": None}}


#: Resolution of a chart that also goes into a Word document: printed at 16 cm, 150 dots per inch
#: keep its 8-point labels sharp (the screen's 96 would blur them).
PRINT_DPI = 150


class Picture:
    """A chart drawn once, at :data:`PRINT_DPI`, for the notebook and for the Word document.

    The notebook shows the PNG at the figure's width on screen (its inches at the figure's 96 dots
    per inch), as the inline backend shows a figure; the Word document takes the same bytes, so a
    chart that goes into both is not drawn a second time. On paper the page's picture is sharper.

    Attributes
    ----------
    png : bytes
        The image.
    width : int
        Its width on screen, in pixels.
    """

    def __init__(self, png: bytes, width: int):
        self.png, self.width = png, int(width)

    def _repr_png_(self):
        return self.png, {"width": self.width}


def picture(fig: Figure, dpi: int = PRINT_DPI) -> Picture:
    """``fig`` drawn once into a :class:`Picture` (within its own bounds, as every chart lays itself
    out; no «Software» tag, so the same data give the same bytes), and closed."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches=None, metadata={"Software": None})
    width = round(fig.get_figwidth() * fig.get_dpi())
    plt.close(fig)
    return Picture(buf.getvalue(), width)


def configure_inline() -> None:
    """Tell the Jupyter inline backend how to show figures (not a style): as SVG
    (:data:`INLINE_FORMAT`), saved as :data:`INLINE_SAVE` says. Outside a Jupyter kernel nothing
    happens.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    # the backend's own settings object, as ``%config InlineBackend…`` changes it (a magic's line would
    # first have its braces read as Python expressions): it applies them now if the backend is already
    # in use, or when pyplot starts it
    from matplotlib_inline.config import InlineBackend

    backend = InlineBackend.instance(parent=shell)
    backend.print_figure_kwargs = dict(INLINE_SAVE)
    backend.figure_formats = {INLINE_FORMAT}


def _axes(ax, figsize: tuple[float, float]):
    """``(figure, axes, own)``: the caller's axes and its figure, or a new figure of ``figsize``."""
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = plt.subplots(figsize=figsize, FigureClass=ThemedFigure)
    return fig, ax, True


class RussianTicks(mticker.Formatter):
    """Tick labels with a decimal comma, through :func:`~qualitylib.views.labels.ru_number`.

    The number of decimals is the fewest that write every tick of the axis exactly
    (0, 2,5, 5, 7,5 …), as matplotlib's own formatter would choose them.
    """

    def format_ticks(self, values) -> list[str]:
        return list(_russian_labels(tuple(float(v) for v in values)))

    def __call__(self, x, pos=None) -> str:
        return ru_number(x, _decimals([x]))


@lru_cache(maxsize=1024)
def _russian_labels(values: tuple[float, ...]) -> tuple[str, ...]:
    """:meth:`RussianTicks.format_ticks` of ``values``, remembered: an axis asks for the labels
    of the same ticks many times per layout and drawing."""
    decimals = _decimals(values)
    return tuple(ru_number(v, decimals) for v in values)


def _decimals(values, most: int = 6) -> int:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    for decimals in range(most):
        if np.allclose(np.round(values, decimals), values, rtol=0, atol=1e-9):
            return decimals
    return most


def _g(value: float) -> str:
    """``value`` as the ``g`` format writes it (no trailing zeros), with a decimal comma."""
    return ru_number(value, _decimals([value]))


def _russian_ticks(ax, x: bool = True, y: bool = True) -> None:
    """Decimal commas in the numeric tick labels of ``ax`` (:class:`RussianTicks`)."""
    if x:
        ax.xaxis.set_major_formatter(RussianTicks())
    if y:
        ax.yaxis.set_major_formatter(RussianTicks())


def set_title(ax, text: str, **kwargs):
    """``ax.set_title(text, **kwargs)`` at the height matplotlib would pick for our charts, said once.

    Left to itself, matplotlib re-measures the y axis of the axes (and its ticks) at every
    layout and every drawing to find out whether its offset text or top tick labels push
    the title up; our charts have neither (tick labels below, no offset), so the title
    always stays at the top of the axes, and saying so (``y=1``) skips that measuring.
    """
    return ax.set_title(text, y=1.0, **kwargs)


def bars(ax, x, heights, width: float = 0.8, color=None):
    """Vertical bars from 0 as :meth:`~matplotlib.axes.Axes.bar` draws them, as one collection.

    ``ax.bar`` makes one rectangle artist per bar (each added, measured and drawn on its own);
    a histogram of a few works has hundreds. Here the same rectangles (centred on ``x``, filled,
    no edge, the axis starting at 0 without a margin) are one :class:`~matplotlib.collections.PolyCollection`.
    """
    from matplotlib.collections import PolyCollection

    x = np.asarray(x, dtype=float)
    heights = np.asarray(heights, dtype=float)
    left, right = x - width / 2, x + width / 2
    zeros = np.zeros_like(x)
    verts = np.stack([np.column_stack([left, zeros]), np.column_stack([left, heights]),
                      np.column_stack([right, heights]), np.column_stack([right, zeros])], axis=1)
    rects = PolyCollection(verts, closed=True, facecolors=color, edgecolors="none", linewidths=0)
    rects.sticky_edges.y.append(0)  # as each bar of ax.bar: no margin under the bars
    ax.add_collection(rects, autolim=True)
    ax.autoscale_view()  # matplotlib < 3.11 updates only the data limits in add_collection
    return rects


def _short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _wrap(name: str, width: int = 40) -> str:
    """A name on as many lines of at most ``width`` characters as it needs (whole words), never cut."""
    import textwrap

    return "\n".join(textwrap.wrap(name, width)) or name


def _spread_near(across: list[float], widths: list[float], values: list[float], gap: float,
                 floor: float) -> list[float]:
    """:func:`_spread` among the labels that could cover each other: a label starts at its point
    (``across``: 0 at the left of the axes, 1 at its right) and is ``widths`` long, and labels whose
    stretches overlap, in a chain, are one group. No label of a group goes below ``floor`` (the group
    moves up as a whole, its gaps kept)."""
    order = sorted(range(len(values)), key=lambda i: across[i])
    groups: list[list[int]] = []
    reach = -np.inf  # where the labels of the last group end
    for i in order:
        end = across[i] + widths[i]
        if groups and across[i] < reach:
            groups[-1].append(i)
            reach = max(reach, end)
        else:
            groups.append([i])
            reach = end
    out = [0.0] * len(values)
    for g in groups:
        ys = _spread([values[k] for k in g], gap)
        lift = max(0.0, floor - min(ys))
        for k, y in zip(g, ys):
            out[k] = y + lift
    return out


def _spread(values: list[float], gap: float) -> list[float]:
    """Label positions near ``values`` (in their order) at least ``gap`` apart: overlapping labels
    are pushed apart symmetrically around their group's centre, as little as needed."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    groups: list[list[int]] = []
    for i in order:
        groups.append([i])
        while len(groups) > 1:  # merge with the group below while they collide
            low, high = groups[-2], groups[-1]
            def centre(g):
                return sum(values[k] for k in g) / len(g)
            top_of_low = centre(low) + gap * (len(low) - 1) / 2
            bottom_of_high = centre(high) - gap * (len(high) - 1) / 2
            if bottom_of_high - top_of_low >= gap:
                break
            groups[-2:] = [low + high]
    out = [0.0] * len(values)
    for g in groups:
        c = sum(values[k] for k in g) / len(g)
        start = c - gap * (len(g) - 1) / 2
        for n, k in enumerate(sorted(g, key=lambda k: values[k])):
            out[k] = start + n * gap
    return out


def social_scatter(social: pd.DataFrame, municipality: str | None, shnor_ids=(), title: str = "",
                   ax=None) -> plt.Figure:
    """Fail share against the social well-being index; the municipality's schools over the region's.

    ШНОР are drawn as triangles, ШНСУ carry a ring; the dashed line is the share expected
    for the index. With ``ax``, the chart is drawn into it and its figure returned.
    """
    with theme():
        fig, ax, own = _axes(ax, (PRINT_WIDTH_IN, 4.4))
        data = social.dropna(subset=["social_index", "share"])
        others = data if municipality is None else data[data["municipality"] != municipality]
        mine = data if municipality is None else data[data["municipality"] == municipality]
        ax.scatter(others["social_index"], others["share"], s=14, color="#bbbbbb",
                   label="другие школы региона")
        shnor_mask = mine["school_id"].isin(list(shnor_ids))
        ax.scatter(mine.loc[~shnor_mask, "social_index"], mine.loc[~shnor_mask, "share"], s=30,
                   color="#1f77b4", label="школы муниципалитета" if municipality else "школы")
        ax.scatter(mine.loc[shnor_mask, "social_index"], mine.loc[shnor_mask, "share"], s=60, marker="^",
                   color="#d62728", label="ШНОР")
        shnsu = mine[mine["shnsu"] == 1]
        ax.scatter(shnsu["social_index"], shnsu["share"], s=140, facecolors="none", edgecolors="black",
                   label="ШНСУ (неблагоприятные условия)")
        line = data.sort_values("social_index")
        if line["expected_share"].notna().any():
            ax.plot(line["social_index"], line["expected_share"], "--", color="black", lw=1,
                    label="ожидаемая доля при таком индексе")
        ax.set_xlabel("Индекс социального благополучия (больше — благополучнее)")
        ax.set_ylabel("Доля низких результатов, %")
        set_title(ax, title or "Результаты с учётом социального контекста")
        ax.legend(loc="upper right", fontsize=MIN_PRINT_PT, frameon=False)
        _russian_ticks(ax)
        if own:
            fig.tight_layout()
    return fig


VERDICT_COLOURS = {"improved": "#1a9641", "declined": "#d7191c", "no_change": "#7f7f7f",
                   "insufficient_data": "#bdbdbd"}
VERDICT_MARKS = {"improved": "↓ значимо", "declined": "↑ значимо", "no_change": "=", "insufficient_data": "мало данных"}


def series_panel(series: pd.DataFrame, school_id: str, assessments: list[str], threshold: float,
                 titles: dict[str, str], school_name: str | None = None, ax=None, colours: dict | None = None):
    """One school: fail share by year per assessment with 95 % intervals, the threshold dashed.

    ``colours`` maps assessments to colours (so panels of one figure agree); by default tab10 in order.

    Returns the axes drawn into (a new figure's when ``ax`` is not given).
    """
    with theme():
        _, ax, _ = _axes(ax, (5.4, 4.1))
        palette = plt.get_cmap("tab10")
        # the school's rows as arrays: a few pandas selections per panel cost more than drawing its lines
        mine = (series["school_id"].to_numpy() == school_id) & series["assessment"].isin(assessments).to_numpy()
        kinds = series["assessment"].to_numpy()[mine]
        year, share, lo, hi = (series[c].to_numpy()[mine] for c in ("year", "share", "share_lo", "share_hi"))
        for k, assessment in enumerate(sorted(set(kinds))):  # in the order of the assessments' codes
            rows = np.flatnonzero(kinds == assessment)
            rows = rows[np.argsort(year[rows], kind="stable")]
            err = np.vstack([share[rows] - lo[rows], hi[rows] - share[rows]])
            ax.errorbar(year[rows], share[rows], yerr=err, marker="o", ms=3, capsize=2, lw=1.2,
                        color=(colours or {}).get(assessment, palette(k % 10)), label=titles.get(assessment, assessment))
        ax.axhline(threshold, color="black", lw=0.8, ls="--")
        set_title(ax, _wrap(str(school_name if school_name is not None else school_id), 40), fontsize=8.5)
        ax.set_ylim(0, 100)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        _russian_ticks(ax)
    return ax


def _kinds_with_data(series: pd.DataFrame, ids, assessments: list[str]) -> list[list[str]]:
    """The assessments in panels: the ВПР, then the ОГЭ and ЕГЭ, each kind only when one of the schools
    ``ids`` has a result in it (a region without ОГЭ data gets no column of empty panels)."""
    present = set(series.loc[series["school_id"].isin(list(ids)), "assessment"])
    kinds = [[a for a in assessments if a.startswith("vpr.")], [a for a in assessments if not a.startswith("vpr.")]]
    return [kind for kind in kinds if present.intersection(kind)]


def shnor_series(series: pd.DataFrame, schools: pd.DataFrame, assessments: list[str], threshold: float,
                 titles: dict[str, str], kinds: list[list[str]] | None = None) -> plt.Figure | None:
    """Small multiples: one panel per school and kind of assessment (:func:`series_panel`), one legend below.

    A school's ВПР and its ОГЭ/ЕГЭ are two panels of a row; when only one kind has results
    (``kinds``, by default those of :func:`_kinds_with_data`), two schools share a row. ``None``
    without schools or without any result.
    """
    ids = list(schools["school_id"])
    kinds = _kinds_with_data(series, ids, assessments) if kinds is None else kinds
    if not ids or not kinds:
        return None
    with theme():
        # small multiples of a few lines each: a row per school (ВПР | ОГЭ и ЕГЭ), or two schools a row
        panels = [(sid, kind) for sid in ids for kind in kinds]
        cols = len(kinds) if len(kinds) > 1 or len(ids) == 1 else 2
        rows = -(-len(panels) // cols)
        colours = {a: plt.get_cmap("tab10")(i % 10) for i, a in enumerate(assessments)}
        fig, axes = plt.subplots(rows, cols, figsize=(PRINT_WIDTH_IN, min(2.6, (PRINT_HEIGHT_IN - 1.3) / rows) * rows
                                                      + 1.3), squeeze=False, sharey=True,
                                 FigureClass=ThemedFigure)
        names = schools.set_index("school_id")["school_name"]
        for ax, (sid, kind) in zip(axes.flat, panels):
            label = "ВПР" if kind[0].startswith("vpr.") else "ОГЭ и ЕГЭ"
            series_panel(series, sid, kind, threshold, titles, school_name=f"{names.get(sid, sid)}: {label}",
                         ax=ax, colours=colours)
        for ax in list(axes.flat)[len(panels):]:  # an odd number of schools: the last place stays blank
            ax.axis("off")
        axes[0, 0].set_ylabel("Доля низких результатов, %")
        handles, labels = [], []
        for ax in axes.flat:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.suptitle(f"ШНОР: доля низких результатов по годам, 95 % интервалы\n(пунктир — порог {_g(threshold)} %)",
                     fontsize=9.5)
        legend_rows = int(np.ceil(len(labels) / 3))  # one legend for all panels, colours by assessment
        bottom = (0.3 + 0.2 * legend_rows) / fig.get_figheight()
        fig.tight_layout(rect=(0, bottom, 1, 1 - 0.45 / fig.get_figheight()))
        fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=MIN_PRINT_PT, frameon=False)
    return fig


def shnor_series_pages(series: pd.DataFrame, schools: pd.DataFrame, assessments: list[str], threshold: float,
                       titles: dict[str, str], per_page: int = 4) -> list[plt.Figure]:
    """:func:`shnor_series` in figures of at most ``per_page`` schools each: a municipality with many
    ШНОР (Barnaul: dozens) gets legible panels on several pages instead of one page of slivers.

    Every page has the same kinds of panels: those with a result for one of all the schools.
    """
    kinds = _kinds_with_data(series, schools["school_id"], assessments)
    return [fig for start in range(0, len(schools), per_page)
            if (fig := shnor_series(series, schools.iloc[start:start + per_page], assessments, threshold, titles,
                                    kinds=kinds))
            is not None]


def slope_panel(changes: pd.DataFrame, year: int, title: str, ax=None):
    """One assessment: fail share of each school last year and this year, joined by a line.

    Significant changes are drawn thick and coloured, with the school named and the
    verdict written; the other schools are thin grey lines (their count is in the legend).
    Rows without both shares (no data, or hidden in a public report) are left out. Returns
    the axes drawn into (a new figure's when ``ax`` is not given).
    """
    with theme():
        _, ax, _ = _axes(ax, (PRINT_WIDTH_IN, 3.6))
        data = changes.dropna(subset=["share_prev", "share_now"])
        quiet = data[~data["verdict"].isin(["improved", "declined"])]
        if len(quiet):  # one line broken by NaN, not one artist per school
            xs = np.tile([0.0, 1.0, np.nan], len(quiet))
            ys = np.column_stack([quiet["share_prev"], quiet["share_now"], np.full(len(quiet), np.nan)]).ravel()
            ax.plot(xs, ys, color="#c8c8c8", lw=0.8, marker="o", ms=2)
        loud = data[data["verdict"].isin(["improved", "declined"])].sort_values("share_now")
        spread = _spread(list(loud["share_now"]), gap=4.5)  # labels 4,5 p.p. apart never overlap at 8 pt
        for row, y in zip(loud.itertuples(), spread):
            colour = VERDICT_COLOURS[row.verdict]
            ax.plot([0, 1], [row.share_prev, row.share_now], color=colour, lw=2, marker="o", ms=4)
            ax.plot([1, 1.04], [row.share_now, y], color=colour, lw=0.6)
            ax.text(1.05, y, f"{_short(str(row.school_name), 48)} ({VERDICT_MARKS[row.verdict]})",
                    va="center", fontsize=MIN_PRINT_PT, color=colour)
        ax.plot([], [], color="#c8c8c8", label=f"без значимых изменений или мало данных: {len(quiet)}")
        ax.plot([], [], color=VERDICT_COLOURS["improved"], lw=2,
                label=f"значимое снижение доли: {int((loud['verdict'] == 'improved').sum())}")
        ax.plot([], [], color=VERDICT_COLOURS["declined"], lw=2,
                label=f"значимый рост доли: {int((loud['verdict'] == 'declined').sum())}")
        ax.set_xticks([0, 1], [str(year - 1), str(year)])
        ax.set_xlim(-0.1, 2.6 if len(loud) else 1.15)  # room for the names only when there are some
        ax.set_ylim(0, max(100.0, max(spread, default=0) + 3))
        ax.set_ylabel("Доля низких результатов, %")
        set_title(ax, title, fontsize=9)
        # the legend under the axes: never over a line or a label
        ax.legend(fontsize=MIN_PRINT_PT, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1)
        _russian_ticks(ax, x=False)
    return ax


def slope_charts(panels: dict[str, pd.DataFrame], year: int) -> plt.Figure | None:
    """Year-to-year slopes of fail share per school, one :func:`slope_panel` per assessment (title -> changes).

    Panels without a school having both shares are left out; ``None`` when none is left.
    """
    panels = {t: c for t, c in panels.items() if c.dropna(subset=["share_prev", "share_now"]).shape[0]}
    if not panels:
        return None
    with theme():
        cols = 1  # one panel a row: the school names beside the lines need the page's width
        rows = len(panels)
        fig, axes = plt.subplots(rows, cols, figsize=(PRINT_WIDTH_IN, min(4.3, PRINT_HEIGHT_IN / rows) * rows),
                                 squeeze=False,
                                 FigureClass=ThemedFigure)
        for ax, (title, changes) in zip(axes.flat, panels.items()):
            slope_panel(changes, year, title, ax=ax)
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        fig.tight_layout()
    return fig


def funnel_panel(points: pd.DataFrame, curves: pd.DataFrame, title: str, ax=None, log_x: bool = False,
                 named: pd.Series | None = None):
    """One assessment: fail share against participants with the 95 % and 99.8 % limits.

    When the limits are widened for overdispersion (``points["adjusted"]``), the title's
    second line says so with φ and τ² (:func:`qualitylib.views.dynamics.funnel_limits_note`),
    the legend names the lines «с поправкой» and the exact 99.8 % limits are drawn dotted
    for comparison. The points outside the 99.8 % limits are named (``school_name``), and those
    ``named`` marks too, their names moved apart where they would cover each other. With ``log_x``
    the number of participants is on a logarithmic scale (its label says so), from a little below
    the smallest group to a little above the largest. Returns the axes drawn into (a new figure's
    when ``ax`` is not given).
    """
    adjusted = "adjusted" in points and bool(points["adjusted"].iloc[0])
    suffix = " с поправкой" if adjusted else ""
    with theme():
        _, ax, _ = _axes(ax, (PRINT_WIDTH_IN, 4.4))
        ax.plot(curves["n"], curves["hi95"], color="#555555", lw=1, ls="--", label=f"95 %{suffix}")
        ax.plot(curves["n"], curves["lo95"], color="#555555", lw=1, ls="--")
        ax.plot(curves["n"], curves["hi998"], color="black", lw=1.2, label=f"99,8 %{suffix}")
        ax.plot(curves["n"], curves["lo998"], color="black", lw=1.2)
        if adjusted and "hi998_exact" in curves:
            ax.plot(curves["n"], curves["hi998_exact"], color="#999999", lw=0.8, ls=":",
                    label="99,8 % без поправки")
            ax.plot(curves["n"], curves["lo998_exact"], color="#999999", lw=0.8, ls=":")
        p0 = points["p0"].iloc[0]
        ax.axhline(p0, color="#1f77b4", lw=1, label=f"средняя доля {ru_number(p0, 1)} %")
        inside = points["outside_998"] == 0
        ax.scatter(points.loc[inside, "participants"], points.loc[inside, "share"], s=16, color="#7f7f7f",
                   label="в пределах 99,8 %")
        above = points["outside_998"] > 0
        ax.scatter(points.loc[above, "participants"], points.loc[above, "share"], s=40, marker="^",
                   color="#d7191c", label="выше 99,8 % (особое внимание)")
        below = points["outside_998"] < 0
        ax.scatter(points.loc[below, "participants"], points.loc[below, "share"], s=40, marker="v",
                   color="#1a9641", label="ниже 99,8 %")
        if log_x:
            ax.set_xscale("log")
            ax.set_xlim(points["participants"].min() / 1.4, points["participants"].max() * 1.4)
            ax.xaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_minor_formatter(mticker.NullFormatter())
        marked = points[~inside | (named if named is not None else False)].sort_values("share")
        top = max(points["share"].max(), curves["hi998"].max()) * 1.1 + 1
        dx = 0.015 * max(1.0, float(curves["n"].max() - curves["n"].min()))
        lo, hi = ax.get_xlim()
        scale = np.log10 if log_x else (lambda v: v)
        across = [(scale(x) - scale(lo)) / max(1e-12, scale(hi) - scale(lo)) for x in marked["participants"]]
        names = [_short(str(name), 40) for name in marked["school_name"]]
        # a name's length across the axes: 8-point characters of about 0.6 em, plus its offset
        inches = ax.get_position().width * ax.figure.get_figwidth()
        widths = [(len(name) * 0.6 * MIN_PRINT_PT + 6) / (72 * inches) for name in names]
        ys = _spread_near(across, widths, list(marked["share"]), gap=top / 18, floor=top * 0.02)
        for row, name, y in zip(marked.itertuples(), names, ys):
            moved = abs(y - row.share) > 1e-9
            x = row.participants * 1.06 if log_x else row.participants + dx
            ax.annotate(name, (row.participants, row.share),
                        xytext=(x, y), textcoords="data", fontsize=MIN_PRINT_PT, va="center",
                        arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#777777"} if moved else None)
        ax.set_xlabel("Число участников (логарифмическая шкала)" if log_x else "Число участников")
        ax.set_ylabel("Доля низких результатов, %")
        ax.set_ylim(0, min(100, top))
        set_title(ax, f"{title}\n{_wrap(funnel_limits_note(points), 80)}", fontsize=9)
        ax.legend(fontsize=MIN_PRINT_PT, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
        _russian_ticks(ax)
    return ax


def funnel_charts(panels: list[tuple[pd.DataFrame, pd.DataFrame, str]]) -> plt.Figure | None:
    """Fail share against participants with 95 % and 99.8 % limits around the area's rate.

    ``panels`` holds ``(points, curves, title)`` for each assessment shown side by side
    (:func:`funnel_panel`).
    """
    panels = [p for p in panels if not p[0].empty]
    if not panels:
        return None
    with theme():
        fig, axes = plt.subplots(len(panels), 1, figsize=(PRINT_WIDTH_IN, min(5.4, PRINT_HEIGHT_IN / len(panels))
                                                          * len(panels)), squeeze=False,
                                 FigureClass=ThemedFigure)
        for ax, (points, curves, title) in zip(axes.flat, panels):
            funnel_panel(points, curves, title, ax=ax)
        fig.tight_layout()
    return fig


def gap_chart(gap: pd.DataFrame, ax=None) -> plt.Figure | None:
    """The best-vs-worst 10 % gap in mean ГИА score per year, one line per assessment.

    ``gap`` is :func:`qualitylib.views.dynamics.gap_table` (the rule's table with ``title``).
    With ``ax``, the chart is drawn into it and its figure returned.
    """
    if gap.empty:
        return None
    with theme():
        fig, ax, own = _axes(ax, (PRINT_WIDTH_IN, 3.4))
        for title, part in gap.groupby("title"):
            ax.plot(part["year"], part["gap"], marker="o", label=title)
            last = part.iloc[-1]
            ax.annotate(ru_number(last["gap"], 1), (last["year"], last["gap"]), fontsize=MIN_PRINT_PT, xytext=(4, 0),
                        textcoords="offset points")
        ax.set_xlabel("Год")
        ax.set_ylabel("Разрыв, баллов")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        set_title(ax, "Разрыв среднего балла ГИА: 10 % лучших минус 10 % худших школ", fontsize=9.5)
        ax.legend(fontsize=MIN_PRINT_PT, frameon=False)
        _russian_ticks(ax)
        if own:
            fig.tight_layout()
    return fig


def trend_panel(trends: pd.DataFrame, assessment: str, title: str, ax=None):
    """One assessment: mean score by year of all schools (solid) and of the ШНОР (dashed).

    Returns the axes drawn into (a new figure's when ``ax`` is not given).
    """
    with theme():
        _, ax, _ = _axes(ax, (3.2, 2.8))
        for group, style in (("all", "-"), ("shnor", "--")):
            part = trends[(trends["assessment"] == assessment) & (trends["group"] == group)].sort_values("year")
            if not part.empty:
                ax.plot(part["year"], part["mean_score"], style, marker="o", ms=3, label=TREND_GROUP_TITLES[group])
        set_title(ax, _wrap(title, 22), fontsize=8.5)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        _russian_ticks(ax)
    return ax


def mean_trend_chart(trends: pd.DataFrame, titles: dict[str, str]) -> plt.Figure | None:
    """Mean ГИА score by year: all schools (solid) and ШНОР (dashed), one :func:`trend_panel` per assessment."""
    if trends.empty:
        return None
    assessments = [a for a in titles if a in set(trends["assessment"])]
    with theme():
        cols = min(3, len(assessments))
        rows = int(np.ceil(len(assessments) / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(PRINT_WIDTH_IN, 2.5 * rows + 0.8), squeeze=False,
                                 FigureClass=ThemedFigure)
        for ax, a in zip(axes.flat, assessments):
            trend_panel(trends, a, titles[a], ax=ax)
        for ax in list(axes.flat)[len(assessments):]:
            ax.axis("off")
        for row in axes:
            row[0].set_ylabel("Средний балл")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.suptitle("Средний балл ГИА: все школы и ШНОР", fontsize=9.5)
        fig.tight_layout(rect=(0, 0.35 / fig.get_figheight(), 1, 1))
        fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=MIN_PRINT_PT, frameon=False)
    return fig
