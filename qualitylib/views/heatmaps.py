"""Colour-coded HTML tables (heatmaps) of school × assessment grids.

A heatmap whose every cell carries a number or a label reads best as a table: the numbers
stay exact, selectable and searchable, the page prints sharply on A4 (``print-color-adjust``
keeps the fills), and a table of 600 schools is as cheap as one of 6. Drawing the same grid
with matplotlib cost 0.3–0.8 s a report (one text artist per cell).

Two tables are built here:

* :func:`fail_share_table` — the fail share of each school in each assessment, coloured from
  green (0 %) through yellow (the threshold) to red; cells at or above the threshold are
  framed and marked «▲»; small groups «м»; suppressed cells «скр.»;
* :func:`level_table` — the status/change level of
  :func:`qualitylib.rules.dynamics.status_change_grid`, one of five colours with its label
  (:func:`qualitylib.views.dynamics.grid_labels`) in the cell.

Colour is never the only carrier of meaning: every cell holds its value or label. Names are
escaped.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .dynamics import LEVEL_NAMES, grid_labels
from .html import CSS, HTML, header
from .labels import natural_sort, ru_number

#: Colours of the five status/change levels (1: best ... 5: needs the most attention).
LEVEL_COLOURS = {1: "#2c7bb6", 2: "#1a9641", 3: "#ffd92f", 4: "#fdae61", 5: "#d7191c"}

#: Fill of a cell without data or with its value suppressed.
NO_DATA = "#eeeeee"

#: Fail-share colour stops: green at 0 %, yellow at the threshold, red at twice it and above.
SHARE_STOPS = ("#a6d96a", "#ffffbf", "#d73027")

HEAT_CSS = """
<style>
.ql-heat{border-collapse:collapse;font-size:11px;margin:6px 0 14px 0}
.ql-heat th{background:#ddebf7;padding:3px 5px;border:1px solid #b4c6e7;vertical-align:bottom;font-weight:bold}
.ql-heat th.ql-row{text-align:left !important;font-weight:normal;background:#fff;border:1px solid #d9d9d9;
  white-space:normal;min-width:14em;max-width:26em}
.ql-heat td{padding:3px 5px;border:1px solid #fff;text-align:center !important;white-space:nowrap;min-width:4.2em;
  -webkit-print-color-adjust:exact;print-color-adjust:exact}
.ql-heat td.ql-mark{font-weight:bold;outline:2px solid #000;outline-offset:-3px}
.ql-heat td.ql-empty{color:#666}
</style>
"""


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _hex(rgb: np.ndarray) -> str:
    r, g, b = (int(np.floor(v + 0.5)) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (WCAG relative luminance)."""
    channel = _rgb(fill) / 255.0
    linear = np.where(channel <= 0.03928, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ np.array([0.2126, 0.7152, 0.0722]))
    return "#000" if luminance > 0.22 else "#fff"


def share_colours(values: np.ndarray, threshold: float) -> np.ndarray:
    """Fill colours for fail shares (%): green at 0, yellow at ``threshold``, red from ``2 × threshold``.

    Missing values get :data:`NO_DATA`. Returns an array of ``#rrggbb`` strings.
    """
    values = np.asarray(values, dtype=float)
    green, yellow, red = (_rgb(c) for c in SHARE_STOPS)
    top = max(2.0 * threshold, 1e-9)
    t = np.clip(np.nan_to_num(values, nan=0.0), 0.0, top)
    low_half = (t < threshold)[..., None]
    a = np.where(threshold > 0, t / max(threshold, 1e-9), 1.0)[..., None]
    b = ((t - threshold) / max(top - threshold, 1e-9))[..., None]
    rgb = np.where(low_half, green + (yellow - green) * a, yellow + (red - yellow) * b)
    out = np.array([_hex(c) for c in rgb.reshape(-1, 3)], dtype=object).reshape(values.shape)
    out[np.isnan(values)] = NO_DATA
    return out


def _cell(text: str, fill: str, marked: bool = False, empty: bool = False) -> str:
    cls = " ql-mark" if marked else ""
    cls += " ql-empty" if empty else ""
    attr = f' class="{cls.strip()}"' if cls else ""
    return f'<td{attr} style="background:{fill};color:{text_colour(fill)}">{text}</td>'


def _keep_number(name: str) -> str:
    """An escaped school name whose «№» stays on the line of its number."""
    return html.escape(name).replace("№ ", "№\u00a0")


def _heat(rows: list[str], columns: list[str], cells: list[list[str]], corner: str, legend: str) -> HTML:
    head = f'<th class="ql-row">{html.escape(corner)}</th>' + "".join(
        f"<th>{header(str(c))}</th>" for c in columns)
    body = "".join(f'<tr><th class="ql-row">{_keep_number(name)}</th>{"".join(row)}</tr>'
                   for name, row in zip(rows, cells))
    return HTML(CSS + HEAT_CSS + f'<p class="ql-legend">{legend}</p><table class="ql-heat"><thead><tr>{head}'
                f"</tr></thead><tbody>{body}</tbody></table>")


def fail_share_table(matrix: pd.DataFrame, threshold: float, small: pd.DataFrame | None = None,
                     hidden: pd.DataFrame | None = None, min_group: int | None = None,
                     low: pd.DataFrame | None = None) -> HTML:
    """The heatmap school × assessment of fail shares with the threshold marked.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Fail shares in %, schools (names) as rows, assessments (titles) as columns; NaN: no data.
    threshold : float
        The low-result threshold in %: cells at or above it are framed and read «N ▲».
    small : pandas.DataFrame, optional
        True where the group is below the privacy minimum: «м» is added (internal reports).
    hidden : pandas.DataFrame, optional
        True where the value is suppressed in a public report: the cell reads «скр.».
    min_group : int, optional
        The privacy minimum, named in the legend.
    low : pandas.DataFrame, optional
        The rule's flags (:func:`qualitylib.rules.identification.low_results`): True where the
        result is low. Without it a cell is low when its share is at least ``threshold``.
    """
    values = matrix.to_numpy(dtype=float)
    hidden_arr = np.zeros(values.shape, bool) if hidden is None else hidden.to_numpy(dtype=bool)
    public = bool(hidden_arr.any())
    small_arr = (np.zeros(values.shape, bool) if small is None or public
                 else small.fillna(False).to_numpy(dtype=bool))
    low_arr = (values >= threshold) if low is None else low.to_numpy(dtype=bool)
    fills = share_colours(np.where(hidden_arr, np.nan, values), threshold)
    rows = []
    for i in range(values.shape[0]):
        row = []
        for j in range(values.shape[1]):
            v = values[i, j]
            if hidden_arr[i, j]:
                row.append(_cell("скр.", NO_DATA, empty=True))
            elif np.isnan(v):
                row.append(_cell("—", NO_DATA, empty=True))
            else:
                is_low = bool(low_arr[i, j])
                # a share just below the threshold keeps a decimal, so «20» never reads as unmarked
                shown = ru_number(v) if not is_low and round(v) >= threshold else ru_number(v, 0)
                text = shown + (" ▲" if is_low else "") + (" м" if small_arr[i, j] else "")
                row.append(_cell(text, fills[i, j], marked=is_low))
        rows.append(row)
    group = f" (меньше {min_group} участников)" if min_group else ""
    small_note = (f"скр. — скрыто: малая группа{group} или у всех участников одинаковый результат "
                  f"(0 % или 100 %)" if public else f"м — малая группа{group}")
    legend = (f"Доля низких результатов, %: цвет от зелёного (0 %) через жёлтый (порог {threshold:g} %) "
              f"к красному (от {2 * threshold:g} %); ▲ и рамка — не ниже порога; {small_note}; "
              f"«—» — нет данных.")
    return _heat([str(s) for s in matrix.index], list(matrix.columns), rows, "Школа", html.escape(legend))


def level_table(grid: pd.DataFrame, titles: dict[str, str]) -> HTML:
    """School × assessment cells coloured by the status/change level, each with its label.

    Parameters
    ----------
    grid : pandas.DataFrame
        Rows of :func:`qualitylib.rules.dynamics.status_change_grid` (as the report gives
        them): ``school_id``, ``school_name``, ``assessment``, ``share_now``, ``verdict``,
        ``level`` (1–5 or NaN) and, optionally, ``hidden`` (1: hidden in a public report).
    titles : dict
        Assessment code -> title; gives the columns and their order.
    """
    if grid.empty:
        return HTML(CSS + '<p class="ql-note">Нет школ с результатами двух лет подряд.</p>')
    order = [a for a in titles if a in set(grid["assessment"])]
    schools = natural_sort(grid.drop_duplicates("school_id"), ["school_name"])
    cells = grid.drop_duplicates(["school_id", "assessment"])
    cells = cells.assign(label=grid_labels(cells)).set_index(["school_id", "assessment"])
    rows = []
    for sid in schools["school_id"]:
        row = []
        for a in order:
            if (sid, a) in cells.index:
                level, label = cells.at[(sid, a), "level"], cells.at[(sid, a), "label"]
            else:
                level, label = np.nan, np.nan
            fill = LEVEL_COLOURS.get(int(level), NO_DATA) if pd.notna(level) else NO_DATA
            text = "—" if pd.isna(label) else html.escape(str(label)).replace("\n", "<br>")
            row.append(_cell(text, fill, empty=pd.isna(level)))
        rows.append(row)
    swatches = " ".join(f'<span class="ql-swatch" style="background:{c};color:{text_colour(c)}">'
                        f"{LEVEL_NAMES[k]}</span>" for k, c in LEVEL_COLOURS.items())
    legend = ("Уровень × изменение: в ячейке — доля «2» в этом году, знак изменения (↓ — доля значимо "
              "снизилась, ↑ — выросла, = — без значимых изменений) и уровень. Уровни от лучшего "
              "к требующему наибольшего внимания: " + swatches)
    return _heat([str(n) for n in schools["school_name"]], [titles[a] for a in order], rows, "Школа", legend)
