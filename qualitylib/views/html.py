"""Small HTML pieces for notebook outputs: escaped tables and paragraphs, deterministic markup.

Every value is escaped, so a school named ``<script>`` shows as text. Flagged cells carry
a word as well as a colour.
"""
from __future__ import annotations

import html
import re
import pandas as pd

from .labels import COLUMN_TITLES, params_frame, ru_number

CSS = """
<style>
.ql-table{border-collapse:collapse;font-size:12px;margin:6px 0 14px 0}
.ql-table th{background:#ddebf7;text-align:left !important;padding:4px 6px;border:1px solid #b4c6e7;vertical-align:top}
.ql-table td{padding:3px 6px;border:1px solid #d9d9d9;vertical-align:top;text-align:left !important}
.ql-table tr:nth-child(even) td{background:#f7f7f7}
.ql-table td.ql-flag{background:#f8cbad !important;font-weight:bold}
.ql-table td.ql-num{text-align:right !important;white-space:nowrap}
.ql-summary p{font-size:14px;margin:4px 0}
.ql-note{color:#555;font-size:12px}
.ql-table td.ql-ok{background:#c6efce !important;color:#006100;font-weight:bold}
.ql-table td.ql-bad{background:#ffc7ce !important;color:#9c0006;font-weight:bold}
.ql-table td.ql-none{background:#ededed !important;color:#555}
.ql-table td.ql-warn{background:#ffeb9c !important;color:#9c5700;font-weight:bold}
.ql-legend{font-size:12px;margin:4px 0}
.ql-legend span.ql-swatch{display:inline-block;padding:1px 6px;margin:0 4px 0 0;border:1px solid #ccc;
  -webkit-print-color-adjust:exact;print-color-adjust:exact}
</style>
"""


_VOWELS = set("аеёиоуыэюяaeiouy")
_NO_BREAK_BEFORE = set("ьъй")
_WORD = re.compile(r"[А-Яа-яЁёA-Za-z]{9,}")


def _hyphenate(word: str) -> str:
    """Soft hyphens (``&shy;``) at the syllable joints of a long word (V-CV and VC-CV; none before ь, ъ, й).

    A browser breaks a header there only when the column is too narrow, with a visible hyphen;
    otherwise the word reads whole. Three letters at least stay on each side.
    """
    low = word.lower()
    out, last = [], 0
    for i in range(3, len(word) - 2):
        a, b, c = low[i - 1], low[i], low[i + 1]
        if b in _NO_BREAK_BEFORE or c in _NO_BREAK_BEFORE and b not in _VOWELS:
            continue
        v_cv = a in _VOWELS and b not in _VOWELS and c in _VOWELS
        vc_cv = (a not in _VOWELS and b not in _VOWELS and c in _VOWELS and low[i - 2] in _VOWELS)
        if (v_cv or vc_cv) and i - last >= 3:
            out.append(word[last:i])
            last = i
    out.append(word[last:])
    return "&shy;".join(out)


def header(text: str) -> str:
    """An escaped column header whose long words may break, with a hyphen, at their syllables."""
    return _WORD.sub(lambda m: _hyphenate(m.group(0)), html.escape(text))


class HTML:
    """An HTML fragment displayed by Jupyter as ``text/html``."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


#: Tables of this many columns or more print in a smaller font (see the report template).
DENSE_COLUMNS = 9


#: Decimals shown for float columns (default 1).
DECIMALS = {"p_value": 3, "social_index": 1, "gap": 2, "gap_change": 2, "top_mean": 2, "bottom_mean": 2}


#: Count columns that may hold NaN (hence floats) but are shown as integers.
COUNT_COLUMNS = {"n_prev", "n_now", "participants", "numerator", "denominator", "schools", "low_count"}


#: Value columns shown without decimals when the value is whole (counts among percentages).
WHOLE_IF_INTEGRAL = {"value", "prev_value", "change"}


def cell_text(value, col: str) -> tuple[str, bool]:
    """A cell as plain text (Word, Excel notes) and whether it is a number: «—» for none, decimal commas."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—", False
    if isinstance(value, float) and col in COUNT_COLUMNS | WHOLE_IF_INTEGRAL and value.is_integer():
        return str(int(value)), True
    if isinstance(value, float):
        if col == "p_value" and value < 0.001:
            return "<0,001", True
        return ru_number(value, DECIMALS.get(col, 1)), True
    if isinstance(value, (int,)) or hasattr(value, "dtype"):
        return str(value), True
    return str(value), False


def _fmt(value, col: str) -> tuple[str, bool]:
    text, numeric = cell_text(value, col)
    return html.escape(text).replace("\n", "<br>"), numeric


#: Cell classes for words that carry a status (the word itself stays in the cell).
STATUS_CLASSES = {
    "выполнен": "ql-ok", "не выполнен": "ql-bad", "нет данных": "ql-none", "цель не задана": "ql-none",
    "выполнено": "ql-ok", "не выполнено": "ql-bad", "просрочено": "ql-bad", "в работе": "ql-warn", "не начато": "ql-none",
    "срок не распознан": "ql-warn",
}


def table(frame: pd.DataFrame, columns: list[str] | None = None, flags: dict[str, str] | None = None,
          empty: str = "Нет записей.", status_columns: tuple[str, ...] = (),
          raw_columns: tuple[str, ...] = ()) -> HTML:
    """An escaped HTML table with Russian headers.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : list of str, optional
        Columns to show, in order (default: all).
    flags : dict, optional
        Column -> word shown in cells equal to 1 (e.g. ``{"risk": "да"}``); 0 shows «нет»;
        flagged cells are also filled.
    empty : str
        Text shown when the frame has no rows.
    status_columns : tuple of str
        Columns whose words (see :data:`STATUS_CLASSES`) also colour the cell.
    raw_columns : tuple of str
        Columns of markup built by the library (bars of :mod:`qualitylib.htmlbars`), inserted
        as they are: never a column holding data from the files.
    """
    columns = list(frame.columns) if columns is None else columns
    flags = flags or {}
    if frame.empty:
        return HTML(CSS + f'<p class="ql-note">{html.escape(empty)}</p>')
    head = "".join(f"<th>{header(COLUMN_TITLES.get(c, c))}</th>" for c in columns)
    body = []
    for row in frame[columns].itertuples(index=False, name=None):
        cells = []
        for col, value in zip(columns, row):
            if col in raw_columns:
                cells.append(f"<td>{value}</td>")
                continue
            if col in flags and value is not None and not pd.isna(value):
                on = int(value) == 1
                cls = ' class="ql-flag"' if on else ""
                cells.append(f"<td{cls}>{html.escape(flags[col]) if on else 'нет'}</td>")
                continue
            text, numeric = _fmt(value, col)
            if col in status_columns and str(value) in STATUS_CLASSES:
                cells.append(f'<td class="{STATUS_CLASSES[str(value)]}">{text}</td>')
                continue
            cells.append(f'<td class="ql-num">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    dense = " ql-dense" if len(columns) >= DENSE_COLUMNS else ""
    return HTML(CSS + f'<table class="ql-table{dense}"><thead><tr>{head}</tr></thead><tbody>'
                + "".join(body) + "</tbody></table>")


def paragraphs(sentences: list[str], css_class: str = "ql-summary") -> HTML:
    """Escaped sentences as paragraphs."""
    inner = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    return HTML(CSS + f'<div class="{css_class}">{inner}</div>')


def programme_title(params: dict) -> str | None:
    """The title of the municipality's programme named in ``params``, or ``None``."""
    from ..data.programmes import programme_for
    from ..exceptions import QualitylibError

    if not params.get("programme"):
        return None
    try:
        return programme_for(params)[0].title
    except QualitylibError:  # the notebook reports a broken programme where it uses it
        return None


def title_block(region: str, municipality: str | None, year: int, params: dict, programme: bool = True) -> HTML:
    """The report's heading line: region, municipality, year and the municipality's programme.

    ``programme=False`` leaves the programme out: for a report whose first sentences name it (03).
    """
    where = municipality or "весь регион"
    title = programme_title(params) if programme else None
    programme = (f'<p class="ql-summary"><b>Программа:</b> {html.escape(title)}</p>' if title else "")
    return HTML(CSS + f'<p class="ql-summary"><b>Регион:</b> {html.escape(region)} · <b>Муниципалитет:</b> '
                f"{html.escape(where)} · <b>Год:</b> {int(year)}</p>" + programme)


def method_appendix(params: dict, report: str) -> HTML:
    """The appendix «Методика и параметры» of ``report`` (see :mod:`qualitylib.views.method`) in sentences."""
    from .method import method_sections

    parts = []
    for title, sentences in method_sections(params, report, programme_title(params)):
        parts.append(f"<h3>{html.escape(title)}</h3>" + "".join(f"<p>{html.escape(s)}</p>" for s in sentences))
    return HTML(CSS + '<div class="ql-summary ql-method">' + "".join(parts) + "</div>")


def params_table(params: dict) -> HTML:
    """The parameters in force as a two-column table."""
    frame = params_frame(params)
    return table(frame, list(frame.columns))


def heading(text: str, level: int = 3) -> HTML:
    """An escaped heading, for a section a cell shows only when it has something to show."""
    level = min(max(int(level), 1), 6)
    return HTML(f"<h{level}>{html.escape(text)}</h{level}>")
