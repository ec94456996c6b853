"""Charts for the reports (matplotlib/seaborn), Russian labels, meaning never carried by colour alone."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

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
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = "
                                       "{'bbox_inches': 'tight', 'metadata': {'Software': None}}")


def _short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def fail_share_heatmap(matrix: pd.DataFrame, threshold: float, small: pd.DataFrame | None = None,
                       hidden: pd.DataFrame | None = None, title: str = "") -> plt.Figure:
    """Heatmap school × assessment of fail shares with the threshold marked.

    Cells at or above ``threshold`` are framed and their value is followed by «▲»;
    cells of small groups (``small`` True) carry «м»; cells suppressed in a public report
    (``hidden`` True, see :mod:`qualitylib.privacy`) read «скр.»; «—» means no data.
    """
    apply_style()
    n_rows, n_cols = matrix.shape
    fig, ax = plt.subplots(figsize=(1.1 * n_cols + 3.2, 0.28 * n_rows + 1.6))
    values = matrix.to_numpy(dtype=float)
    public = hidden is not None and bool(hidden.to_numpy().any())
    hidden = np.zeros_like(values, dtype=bool) if hidden is None else hidden.to_numpy(dtype=bool)
    vmax = max(threshold * 2, np.nanmax(values) if np.isfinite(values).any() else threshold * 2)
    norm = TwoSlopeNorm(vmin=0, vcenter=threshold, vmax=vmax)
    masked = np.ma.masked_invalid(values)
    cmap = plt.get_cmap("RdYlGn_r").copy()
    cmap.set_bad("#eeeeee")
    image = ax.imshow(masked, cmap=cmap, norm=norm, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            v = values[i, j]
            if hidden[i, j]:
                ax.text(j, i, "скр.", ha="center", va="center", fontsize=7, color="#777777")
                continue
            if np.isnan(v):
                ax.text(j, i, "—", ha="center", va="center", fontsize=7, color="#777777")
                continue
            low = v >= threshold
            mark = " ▲" if low else ""
            if small is not None and bool(small.iat[i, j]) and not public:
                mark += " м"
            ax.text(j, i, f"{v:.0f}{mark}", ha="center", va="center", fontsize=7,
                    fontweight="bold" if low else "normal")
            if low:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.4, ec="black"))
    ax.set_xticks(range(n_cols), [_short(c, 24) for c in matrix.columns], rotation=35, ha="right")
    ax.set_yticks(range(n_rows), [_short(str(s)) for s in matrix.index])
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    bar.set_label("Доля низких результатов, %")
    bar.ax.axhline(threshold, color="black", lw=1.5)
    note = "; скр. — малая группа скрыта" if public else "; м — малая группа"
    ax.set_title(title or f"Доля низких результатов, % (▲ — не ниже порога {threshold:g} %{note})")
    fig.tight_layout()
    return fig


def risk_area_bars(risk: pd.DataFrame) -> plt.Figure:
    """Number of schools in each risk area, with the count written on each bar."""
    apply_style()
    areas = {"area_material": "1. Материальная база", "area_staff": "2. Кадры",
             "area_pupils": "3. Контингент", "area_results": "4. Результаты"}
    counts = pd.Series({label: int(risk[col].sum()) for col, label in areas.items()})
    fig, ax = plt.subplots(figsize=(7, 2.6))
    bars = ax.barh(counts.index[::-1], counts.values[::-1], color="#c0504d")
    ax.bar_label(bars, padding=3)
    ax.set_xlabel("Число школ")
    ax.set_title(f"Школы в зоне риска по областям (всего в зоне риска: {int(risk['risk'].sum())} "
                 f"из {len(risk)})")
    ax.set_xlim(0, max(1, counts.max()) * 1.15)
    fig.tight_layout()
    return fig


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
