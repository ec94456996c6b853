"""Bar charts drawn inside HTML tables: each bar sits in the row that gives its number.

For a handful of labelled values a table row with a bar reads as well as a picture and
better than a picture next to a table that repeats it: the words and numbers stay text,
the bars print (``print-color-adjust``), nothing is rasterised. Drawing the same bars with
matplotlib cost about 0.1 s per chart in every report.

* :func:`risk_area_table` — schools in each risk area (notebook 01);
* :func:`indicator_table` — a group of programme indicators: the table of the analytical
  note with a bar column, last year grey, this year in the colour of its status (notebook 03);
  :func:`indicator_legend` is their key.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .html import CSS, HTML, table
from .monitoring import FLAG_COLUMNS, FLAG_UNIT, STATUS_TITLES, evidence_notes

#: Bar colours of the indicator statuses (the status is also written in its own column).
STATUS_COLOURS = {"met": "#1a9641", "not_met": "#d7191c", "no_data": "#bdbdbd", "no_target": "#9ecae1"}

#: Colour of last year's bar and of the risk-area bars.
PREVIOUS_COLOUR = "#b0b0b0"
RISK_COLOUR = "#c0504d"

BAR_CSS = """
<style>
.ql-bars{display:block;min-width:11em}
.ql-bars span{display:block;height:7px;margin:2px 0;-webkit-print-color-adjust:exact;print-color-adjust:exact}
</style>
"""


def bars(values: list[float], colours: list[str], top: float) -> str:
    """Markup of stacked horizontal bars, one per value, as a share of ``top``; NaN: no bar."""
    spans = []
    for value, colour in zip(values, colours):
        width = 0.0 if pd.isna(value) or top <= 0 else max(0.0, min(100.0, 100.0 * float(value) / top))
        spans.append(f'<span style="width:{width:.1f}%;background:{colour}"></span>')
    return f'<span class="ql-bars">{"".join(spans)}</span>'


def risk_area_table(risk: pd.DataFrame) -> HTML:
    """Number of schools in each risk area, with a bar, out of the schools assessed."""
    areas = {"area_material": "1. Материальная база", "area_staff": "2. Кадры",
             "area_pupils": "3. Контингент", "area_results": "4. Результаты"}
    counts = [int(risk[col].sum()) for col in areas]
    top = max([1, *counts])
    frame = pd.DataFrame({"area": list(areas.values()), "schools": counts,
                          "schools_bar": [bars([c], [RISK_COLOUR], top) for c in counts]})
    head = (f'<p class="ql-legend">Школы в зоне риска по областям (всего в зоне риска: '
            f'{int(risk["risk"].sum())} из {len(risk)}).</p>')
    return HTML(BAR_CSS + head + table(frame, ["area", "schools", "schools_bar"], raw_columns=("schools_bar",)).text)


def indicator_table(group: pd.DataFrame, year: int) -> HTML:
    """A group of indicators under its heading: numerators, targets, statuses and a bar column.

    ``group`` holds the rows of :func:`qualitylib.views.monitoring.indicator_frame` of one
    ``group`` and ``unit``: the bars share one scale, the group's largest value.
    """
    data = group.reset_index(drop=True).copy()
    title = f"{data['group'].iloc[0]} ({data['unit'].iloc[0]})" if len(data) else ""
    if len(data) and data["unit"].iloc[0] == FLAG_UNIT:  # yes/no items: the answers and their evidence, no bars
        headers = {"prev_answer": f"{year - 1}", "answer": f"{year}"}
        return HTML(BAR_CSS + f"<h4>{html.escape(data['group'].iloc[0])}</h4>"
                    + table(data.rename(columns=headers), [headers.get(c, c) for c in FLAG_COLUMNS],
                            status_columns=("status_title",)).text)
    values = np.r_[data["value"].to_numpy(dtype=float), data["prev_value"].to_numpy(dtype=float)]
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    data["bar"] = [bars([row.prev_value, row.value], [PREVIOUS_COLOUR, STATUS_COLOURS[row.status]], top)
                   for row in data.itertuples()]
    columns = ["number", "title", "numerator", "denominator", "prev_value", "value", "bar", "target", "status_title",
               "target_note"]
    notes = ""  # what an indicator lists (Norilsk 3.3.1.2: the removed risk factors), under the table (A4 width)
    if "evidence" in data:
        notes = "".join(f'<p class="ql-note">{html.escape(text)}</p>' for text in evidence_notes(data))
    return HTML(BAR_CSS + f"<h4>{html.escape(title)}</h4>"
                + table(data, columns, status_columns=("status_title",), raw_columns=("bar",)).text + notes)


def indicator_legend(year: int) -> HTML:
    """The key of the bars of :func:`indicator_table`: last year grey, this year by status."""
    swatches = " ".join(f'<span class="ql-swatch" style="background:{STATUS_COLOURS[k]}">{html.escape(v)}</span>'
                        for k, v in STATUS_TITLES.items())
    return HTML(BAR_CSS + f'<p class="ql-legend">Полосы: верхняя — {year - 1} год '
                f'<span class="ql-swatch" style="background:{PREVIOUS_COLOUR}">{year - 1}</span>, нижняя — '
                f"{year} год цветом статуса: {swatches}.</p>")
