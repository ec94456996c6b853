"""Charts for the reports (matplotlib), Russian labels, meaning never carried by colour alone."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

STYLE = {
    "figure.dpi": 96,
    "savefig.dpi": 96,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "qualitylib",
}


def apply_style() -> None:
    """Set the reports' matplotlib style (fonts with Cyrillic, sizes, reproducible output).

    In a Jupyter kernel the inline backend is also told to drop the PNG «Software» tag, so
    the same data give byte-identical images across matplotlib versions.
    """
    plt.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):
        # no 'tight' bounding box: every chart calls tight_layout, and a tight box draws twice
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = "
                                       "{'bbox_inches': None, 'metadata': {'Software': None}}")


def _short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def social_scatter(social: pd.DataFrame, municipality: str | None, shnor_ids=(), title: str = "") -> plt.Figure:
    """Fail share against the social well-being index; the municipality's schools over the region's.

    ШНОР are drawn as triangles, ШНСУ carry a ring; the dashed line is the share expected
    for the index.
    """
    apply_style()
    fig, ax = plt.subplots(figsize=(8, 4.6))
    data = social.dropna(subset=["social_index", "fail_share"])
    others = data if municipality is None else data[data["municipality"] != municipality]
    mine = data if municipality is None else data[data["municipality"] == municipality]
    ax.scatter(others["social_index"], others["fail_share"], s=14, color="#bbbbbb",
               label="другие школы региона")
    shnor_mask = mine["school_id"].isin(list(shnor_ids))
    ax.scatter(mine.loc[~shnor_mask, "social_index"], mine.loc[~shnor_mask, "fail_share"], s=30,
               color="#1f77b4", label="школы муниципалитета" if municipality else "школы")
    ax.scatter(mine.loc[shnor_mask, "social_index"], mine.loc[shnor_mask, "fail_share"], s=60, marker="^",
               color="#d62728", label="ШНОР")
    shnsu = mine[mine["shnsu"] == 1]
    ax.scatter(shnsu["social_index"], shnsu["fail_share"], s=140, facecolors="none", edgecolors="black",
               label="ШНСУ (неблагоприятные условия)")
    line = data.sort_values("social_index")
    if line["expected_share"].notna().any():
        ax.plot(line["social_index"], line["expected_share"], "--", color="black", lw=1,
                label="ожидаемая доля при таком индексе")
    ax.set_xlabel("Индекс социального благополучия (больше — благополучнее)")
    ax.set_ylabel("Доля низких результатов, %")
    ax.set_title(title or "Результаты с учётом социального контекста")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


VERDICT_COLOURS = {"improved": "#1a9641", "declined": "#d7191c", "no_change": "#7f7f7f",
                   "insufficient_data": "#bdbdbd"}
VERDICT_MARKS = {"improved": "↓ значимо", "declined": "↑ значимо", "no_change": "=", "insufficient_data": "мало данных"}
def shnor_series(series: pd.DataFrame, schools: pd.DataFrame, assessments: list[str], threshold: float,
                 titles: dict[str, str]) -> plt.Figure | None:
    """Small multiples: one panel per school, fail share by year per assessment with 95 % intervals."""
    apply_style()
    ids = list(schools["school_id"])
    if not ids:
        return None
    cols = min(2, len(ids))
    rows = int(np.ceil(len(ids) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.4 * cols, 3.2 * rows + 0.9), squeeze=False, sharey=True)
    names = schools.set_index("school_id")["school_name"]
    palette = plt.get_cmap("tab10")
    for ax, sid in zip(axes.flat, ids):
        part = series[(series["school_id"] == sid) & series["assessment"].isin(assessments)]
        for k, (assessment, line) in enumerate(part.groupby("assessment", sort=True)):
            line = line.sort_values("year")
            err = np.vstack([line["share"] - line["share_lo"], line["share_hi"] - line["share"]])
            ax.errorbar(line["year"], line["share"], yerr=err, marker="o", ms=3, capsize=2, lw=1.2,
                        color=palette(k % 10), label=titles.get(assessment, assessment))
        ax.axhline(threshold, color="black", lw=0.8, ls="--")
        ax.set_title(_short(str(names.get(sid, sid)), 42), fontsize=9)
        ax.set_ylim(0, 100)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    for ax in list(axes.flat)[len(ids):]:
        ax.axis("off")
    axes[0, 0].set_ylabel("Доля низких результатов, %")
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.suptitle(f"ШНОР: доля низких результатов по годам, 95 % интервалы (пунктир — порог {threshold:g} %)",
                 fontsize=10)
    legend_rows = int(np.ceil(len(labels) / 3))
    bottom = (0.3 + 0.18 * legend_rows) / fig.get_figheight()
    fig.tight_layout(rect=(0, bottom, 1, 0.95))
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
    return fig


def _slope_panel(ax, changes: pd.DataFrame, year: int, title: str) -> None:
    data = changes.dropna(subset=["share_prev", "share_now"])
    quiet = data[~data["verdict"].isin(["improved", "declined"])]
    if len(quiet):  # one line broken by NaN, not one artist per school
        xs = np.tile([0.0, 1.0, np.nan], len(quiet))
        ys = np.column_stack([quiet["share_prev"], quiet["share_now"], np.full(len(quiet), np.nan)]).ravel()
        ax.plot(xs, ys, color="#c8c8c8", lw=0.8, marker="o", ms=2)
    loud = data[data["verdict"].isin(["improved", "declined"])].sort_values("share_now")
    for row in loud.itertuples():
        colour = VERDICT_COLOURS[row.verdict]
        ax.plot([0, 1], [row.share_prev, row.share_now], color=colour, lw=2, marker="o", ms=4)
        ax.text(1.04, row.share_now, f"{_short(str(row.school_name), 26)} ({VERDICT_MARKS[row.verdict]})",
                va="center", fontsize=6.5, color=colour)
    ax.plot([], [], color="#c8c8c8", label=f"без значимых изменений или мало данных: {len(quiet)}")
    ax.plot([], [], color=VERDICT_COLOURS["improved"], lw=2,
            label=f"значимое снижение доли: {int((loud['verdict'] == 'improved').sum())}")
    ax.plot([], [], color=VERDICT_COLOURS["declined"], lw=2,
            label=f"значимый рост доли: {int((loud['verdict'] == 'declined').sum())}")
    ax.set_xticks([0, 1], [str(year - 1), str(year)])
    ax.set_xlim(-0.1, 2.1)
    ax.set_ylabel("Доля низких результатов, %")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6.5, frameon=False, loc="upper right")


def slope_charts(panels: dict[str, pd.DataFrame], year: int) -> plt.Figure | None:
    """Year-to-year slopes of fail share per school, one panel per assessment (title -> changes).

    Significant changes are drawn thick and coloured, with the school named and the
    verdict written; the other schools are thin grey lines (their count is in the legend).
    """
    apply_style()
    panels = {t: c for t, c in panels.items() if c.dropna(subset=["share_prev", "share_now"]).shape[0]}
    if not panels:
        return None
    cols = min(2, len(panels))
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 3.9 * rows), squeeze=False)
    for ax, (title, changes) in zip(axes.flat, panels.items()):
        _slope_panel(ax, changes, year, title)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def _funnel_panel(ax, points: pd.DataFrame, curves: pd.DataFrame, title: str) -> None:
    ax.plot(curves["n"], curves["hi95"], color="#555555", lw=1, ls="--", label="95 %")
    ax.plot(curves["n"], curves["lo95"], color="#555555", lw=1, ls="--")
    ax.plot(curves["n"], curves["hi998"], color="black", lw=1.2, label="99,8 %")
    ax.plot(curves["n"], curves["lo998"], color="black", lw=1.2)
    ax.axhline(points["p0"].iloc[0], color="#1f77b4", lw=1, label=f"средняя доля {points['p0'].iloc[0]:.1f} %")
    inside = points["outside_998"] == 0
    ax.scatter(points.loc[inside, "participants"], points.loc[inside, "share"], s=16, color="#7f7f7f",
               label="в пределах 99,8 %")
    above = points["outside_998"] > 0
    ax.scatter(points.loc[above, "participants"], points.loc[above, "share"], s=40, marker="^", color="#d7191c",
               label="выше 99,8 % (особое внимание)")
    below = points["outside_998"] < 0
    ax.scatter(points.loc[below, "participants"], points.loc[below, "share"], s=40, marker="v", color="#1a9641",
               label="ниже 99,8 %")
    for row in points[~inside].itertuples():
        ax.annotate(_short(str(row.school_name), 24), (row.participants, row.share), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("Число участников")
    ax.set_ylabel("Доля низких результатов, %")
    ax.set_ylim(0, min(100, max(points["share"].max(), curves["hi998"].max()) * 1.1 + 1))
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6.5, frameon=False, loc="upper right")


def funnel_charts(panels: list[tuple[pd.DataFrame, pd.DataFrame, str]]) -> plt.Figure | None:
    """Fail share against participants with 95 % and 99.8 % limits around the area's rate.

    ``panels`` holds ``(points, curves, title)`` for each assessment shown side by side.
    """
    apply_style()
    panels = [p for p in panels if not p[0].empty]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.4), squeeze=False)
    for ax, (points, curves, title) in zip(axes.flat, panels):
        _funnel_panel(ax, points, curves, title)
    fig.tight_layout()
    return fig


def gap_chart(gap: pd.DataFrame) -> plt.Figure | None:
    """The best-vs-worst 10 % gap in mean ГИА score per year, one line per assessment."""
    apply_style()
    if gap.empty:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for title, part in gap.groupby("title"):
        ax.plot(part["year"], part["gap"], marker="o", label=title)
        last = part.iloc[-1]
        ax.annotate(f"{last['gap']:.1f}", (last["year"], last["gap"]), fontsize=7, xytext=(4, 0),
                    textcoords="offset points")
    ax.set_xlabel("Год")
    ax.set_ylabel("Разрыв, баллов")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_title("Разрыв среднего балла ГИА: 10 % лучших минус 10 % худших школ")
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def mean_trend_chart(trends: pd.DataFrame, titles: dict[str, str]) -> plt.Figure | None:
    """Mean ГИА score by year: all schools (solid) and ШНОР (dashed), one panel per assessment."""
    apply_style()
    if trends.empty:
        return None
    assessments = [a for a in titles if a in set(trends["assessment"])]
    fig, axes = plt.subplots(1, len(assessments), figsize=(3.2 * len(assessments), 2.8), squeeze=False)
    for ax, a in zip(axes.flat, assessments):
        for group, style in (("все школы", "-"), ("ШНОР", "--")):
            part = trends[(trends["assessment"] == a) & (trends["group"] == group)].sort_values("year")
            if not part.empty:
                ax.plot(part["year"], part["mean_score"], style, marker="o", ms=3, label=group)
        ax.set_title(_short(titles[a], 30), fontsize=9)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    axes[0, 0].set_ylabel("Средний балл")
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig.suptitle("Средний балл ГИА: все школы и ШНОР", fontsize=10)
    fig.tight_layout()
    return fig
