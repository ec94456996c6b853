"""Excel workbooks for the administration, written with openpyxl.

Every sheet has Russian headers, a frozen and bold header row, an autofilter, column
widths fitted to the content, and fills on flagged cells. Files are written atomically;
document properties carry the true creation date. Every sheet prints on A4 landscape fitted to the
page width, with the header row repeated and the date and page numbers in the footer.
Every text cell is a string cell: a school name or a recommendation starting with ``=`` is
shown as written, never turned into a formula.
"""
from __future__ import annotations

import datetime as _dt
import gc
import math
import re
from copy import copy
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..data.files import rewrite_archive
from ..data.io import atomic_path
from ..views.html import DECIMALS
from ..views.labels import COLUMN_TITLES, FLAG_COLUMNS
from ..views.method import method_sections
from ..views.monitoring import note_view

FLAG_FILL = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
WRAP_COLUMNS = {"reasons", "recommendations", "deficits", "material_missing", "vpr_high", "covered",
                "weak_assessments", "note", "value"}
#: Text longer than this (characters) wraps in its cell instead of running into the next one.
WRAP_FROM = 40
#: Who the workbooks say made them.
CREATOR = "Мониторинг качества образования"


def _cell_value(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _as_text(row) -> None:
    """Make every text cell of ``row`` a string cell.

    openpyxl turns a value starting with ``=`` into a formula cell (``data_type == "f"``,
    written as ``<f>``); a cell of type ``"s"`` is written as an inline string, whatever its
    first character. Numbers keep their type.
    """
    for cell in row:
        if isinstance(cell.value, str) and cell.data_type != "s":
            cell.data_type = "s"


def _flag_word(value):
    """A 0/1 flag (or a «да»/«нет» read back from an earlier workbook) as «да»/«нет»."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    return "да" if int(value) == 1 else "нет"


def _number_format(col: str, title: str, values: pd.Series) -> str | None:
    """Excel's format for a numeric column: whole numbers, one decimal, «%» for percentages.

    ``None`` for a text column (whose cells are all text: a format would never show).
    """
    if isinstance(values.dtype, pd.StringDtype):
        return None
    if values.dtype == object and not all(isinstance(v, (int, float)) for v in values.dropna()):
        return None
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.empty:
        return None
    whole = bool((numbers == numbers.round()).all()) and col not in DECIMALS
    decimals = DECIMALS.get(col, 0 if whole else 1)
    base = "0" if decimals == 0 else "0." + "0" * decimals
    return base + '" %"' if title.rstrip().endswith("%") else base


def _style_body(sheet, kinds: list[tuple[bool, str | None, bool]]) -> None:
    """Style every cell below the header: top-aligned (wrapped in a wrapping column), the column's number
    format on a number, the flag fill on «да»; a text cell is made a string cell (:func:`_as_text`).

    Setting a style through openpyxl's descriptors looks the style up in the workbook's lists by value,
    for every cell; here a cell takes the style of the first cell styled the same way (openpyxl's own
    worksheet copy does so), giving the same workbook.
    """
    done: dict[tuple, object] = {}
    for row in sheet.iter_rows(min_row=2):
        _as_text(row)
        for cell, (wrap, fmt, flag) in zip(row, kinds):
            value = cell.value
            if isinstance(value, _MOMENTS):  # the date format openpyxl gave it when the value was set
                number = cell.number_format
            else:
                number = fmt if fmt and isinstance(value, (int, float)) else None
            key = (wrap, number, flag and value == "да")
            style = done.get(key)
            if style is not None:
                cell._style = copy(style)
                continue
            _apply_style(cell, key)
            done[key] = copy(cell._style)


#: Values openpyxl writes as numbers with a date or time format.
_MOMENTS = (_dt.date, _dt.time, _dt.timedelta)


def _apply_style(cell, key: tuple[bool, str | None, bool]) -> None:
    """Give a body cell its style ``(wraps, number format or None, flag fill)``: top-aligned, wrapped in a
    wrapping column, the number format, the fill of a «да»."""
    wrap, fmt, fill = key
    cell.alignment = Alignment(wrap_text=True, vertical="top") if wrap else Alignment(vertical="top")
    if fmt:
        cell.number_format = fmt
    if fill:
        cell.fill = FLAG_FILL


def _layout_sheet(book: Workbook, title: str, frame: pd.DataFrame, flag_columns: tuple[str, ...],
                  caption: str):
    """Create the sheet with its styled header row, widths, freeze panes, autofilter and print setup.

    Returns ``(sheet, columns, flags, kinds)``: the frame's columns, the set of flag columns and, per
    column, ``(wraps, number format, is a flag)`` for :func:`_style_body` and :func:`_body_xml`.
    """
    sheet = book.create_sheet(title)
    columns = list(frame.columns)
    flags = set(flag_columns) | (FLAG_COLUMNS & set(columns))
    titles = [COLUMN_TITLES.get(c, c) for c in columns]
    sheet.append(titles)
    _as_text(sheet[1])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    if len(columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(frame) + 1)}"
    kinds = []  # per column: wraps, number format, flag
    for i, (col, head) in enumerate(zip(columns, titles), start=1):
        texts = [str(v) for v in frame[col].head(500) if v is not None]
        longest = max([len(t) for t in texts] + [min(len(head), 16)], default=8)
        wrap = col in WRAP_COLUMNS or longest > WRAP_FROM
        sheet.column_dimensions[get_column_letter(i)].width = min(60 if col in WRAP_COLUMNS else WRAP_FROM,
                                                                  max(8, longest + 2))
        kinds.append((wrap, None if col in flags else _number_format(col, head, frame[col]), col in flags))
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddHeader.center.text = f"{title}{' — ' + caption if caption else ''}"
    sheet.oddHeader.center.size = 9
    sheet.oddFooter.left.text = f"Сформировано {_dt.date.today():%d.%m.%Y}"
    sheet.oddFooter.right.text = "Стр. &[Page] из &[Pages]"
    return sheet, columns, flags, kinds


def add_sheet(book: Workbook, title: str, frame: pd.DataFrame, flag_columns: tuple[str, ...] = (),
              caption: str = "") -> None:
    """Append ``frame`` as a formatted sheet, ready to print.

    Column names are translated with :data:`qualitylib.views.labels.COLUMN_TITLES`; 0/1 flags
    (``flag_columns`` and :data:`~qualitylib.views.labels.FLAG_COLUMNS`) read «да»/«нет», «да» filled;
    numbers get number formats («%» where the header says so); long text wraps. The sheet prints
    on A4 landscape, fitted to the page width, with the header row repeated on every page and
    ``caption`` (region, municipality, year) and the date and page number in the page header
    and footer. Text is written as text, never as a formula.

    Every cell is an openpyxl cell of the sheet; :func:`write_workbook` writes the same sheet with its
    body rows as XML (:func:`_body_xml`), much faster for a large table.
    """
    sheet, columns, flags, kinds = _layout_sheet(book, title, frame, flag_columns, caption)
    _append_rows(sheet, frame, columns, flags)
    _style_body(sheet, kinds)


def _append_rows(sheet, frame: pd.DataFrame, columns: list, flags: set) -> None:
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_flag_word(v) if c in flags else _cell_value(v) for c, v in zip(columns, row)])


#: Types of the values :func:`_body_xml` writes itself (after :func:`_cell_value`); a sheet holding any
#: other (a date, a decimal) is written cell by cell through openpyxl.
_PLAIN_TYPES = frozenset({type(None), str, bool, int, float})
#: Characters openpyxl refuses in a cell (``IllegalCharacterError``) or lxml refuses in XML: a sheet holding
#: one is written through openpyxl, which raises its own error.
_BAD_CHARACTERS = re.compile(ILLEGAL_CHARACTERS_RE.pattern + r"|[\ufffe\uffff\ud800-\udfff]")
#: The longest text of a cell (openpyxl cuts a longer one).
_MAX_TEXT = 32767


def _column_values(series: pd.Series, flag: bool) -> list:
    """The values of one column as the sheet's cells hold them (what :func:`_append_rows` appends)."""
    if isinstance(series.dtype, pd.StringDtype):
        raw = series.to_numpy(dtype=object, na_value=None).tolist()  # str or None, as iterating gives them
        return [_flag_word(v) for v in raw] if flag else raw
    if flag:
        return [_flag_word(v) for v in series]
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "O"
    if kind == "f":
        return [None if v != v else v for v in series]  # iterating gives Python floats; NaN -> empty
    if kind in "iub":
        return list(series)  # Python ints and bools, never missing
    return [_cell_value(v) for v in series]


def _text_xml(text: str) -> str:
    """An inline string cell's content as openpyxl writes it through lxml: escaped, every character
    outside ASCII as a character reference."""
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT]
    if not text:
        return ' t="inlineStr"></c>'
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    escaped = escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _number_xml(value) -> str:
    """A number's (or a bool's) cell content as openpyxl writes it (``safe_string``: ``%.16g``)."""
    kind = "b" if value is True or value is False else "n"
    text = "%.16g" % value if math.isfinite(value) else ""
    return f' t="{kind}"><v>{text}</v></c>'


def _body_xml(sheet, frame: pd.DataFrame, columns: list, flags: set, kinds: list):
    """The ``<row>`` elements of the sheet's body (row 2 on), in blocks of rows, byte for byte as openpyxl writes them for
    :func:`add_sheet`'s cells (an iterator, :func:`_blocks`), and the styles they use registered in the
    workbook now, in the same order.

    openpyxl builds a cell object for every value, styles it and writes it through lxml: about 60 µs a
    cell, 12 s for a sheet of 200 000 cells. Here each column's values are turned into XML text with one
    comprehension. ``None`` when the sheet holds a value this does not write (see :data:`_PLAIN_TYPES`,
    :data:`_BAD_CHARACTERS`): then the caller writes it cell by cell.
    """
    n = len(frame)
    if not n or not columns:
        return None
    # each cell's style, as _style_body gives it: (wraps, the format on a number, the fill on «да»);
    # the values themselves are let go here and made again a block at a time (see _blocks)
    keys: dict[tuple, int] = {}
    codes = np.empty((n, len(columns)), dtype=np.int64)
    for j, (c, (wrap, fmt, flag)) in enumerate(zip(columns, kinds)):
        plain = keys.setdefault((wrap, None, False), len(keys))
        series = frame.iloc[:, j]
        kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "O"
        if kind in "iubf" and c not in flags:  # Python numbers (a float's NaN: empty), never «да»
            if fmt:
                number = keys.setdefault((wrap, fmt, False), len(keys))
                codes[:, j] = np.where(np.isnan(series.to_numpy()), plain, number) if kind == "f" else number
            else:
                codes[:, j] = plain
            continue
        if isinstance(series.dtype, pd.StringDtype) and c not in flags:
            # text or missing, in no number format (_number_format): only its distinct texts are checked,
            # not a Python string made for every cell of the column (the blocks make theirs, a block at a time)
            if _BAD_CHARACTERS.search("".join(series.dropna().unique())):
                return None
            codes[:, j] = plain
            continue
        col = _column_values(series, c in flags)
        types = set(map(type, col))
        if not types <= _PLAIN_TYPES:
            return None
        if str in types and _BAD_CHARACTERS.search("".join(v for v in col if type(v) is str)):
            return None
        if fmt:
            number = keys.setdefault((wrap, fmt, False), len(keys))
            codes[:, j] = [number if type(v) in (int, float, bool) else plain for v in col]
        elif flag:
            filled = keys.setdefault((wrap, None, True), len(keys))
            codes[:, j] = [filled if v == "да" else plain for v in col]
        else:
            codes[:, j] = plain
    # openpyxl numbers the styles as it meets them, header first, then row by row
    for cell in sheet[1]:
        cell.style_id  # noqa: B018  (registers the header's style)
    flat = codes.ravel()
    used, first = np.unique(flat, return_index=True)
    ids = {}
    by_code = {code: key for key, code in keys.items()}
    for code in used[np.argsort(first)]:
        cell = Cell(sheet)
        _apply_style(cell, by_code[int(code)])
        ids[int(code)] = f' s="{cell.style_id}"' if cell.has_style else ""
    made: dict = {}  # a text's cell content, written once (names, skills and words repeat)

    def content(v) -> str:
        if v is None:
            return ' t="n"></c>'
        if type(v) is str:
            xml = made.get(v)
            if xml is None:
                xml = made[v] = _text_xml(v)
            return xml
        return _number_xml(v)

    letters = [get_column_letter(j + 1) for j in range(len(columns))]
    return _blocks(frame, [c in flags for c in columns], letters, codes, ids, content)


def _blocks(frame: pd.DataFrame, flagged: list[bool], letters: list[str], codes: np.ndarray, ids: dict, content):
    """The ``<row>`` elements of a sheet body, a block of rows at a time, made as the archive takes them.

    A block's values and styles are made from the frame when the block is, and its text is encoded at
    once: neither the values nor the text of every cell of a sheet are held together, nor those of all
    the sheets of a workbook before it is written (Barnaul's task workbook: 54 -> 23 MiB traced at the peak).
    """
    for start in range(0, len(frame), _ROWS_AT_A_TIME):
        stop = min(start + _ROWS_AT_A_TIME, len(frame))
        numbers = range(start + 2, stop + 2)
        part = frame.iloc[start:stop]
        cells = [[f'<c r="{letter}{i}"{ids[s]}{content(v)}'
                  for i, s, v in zip(numbers, codes[start:stop, j].tolist(), _column_values(part.iloc[:, j], flag))]
                 for j, (letter, flag) in enumerate(zip(letters, flagged))]
        yield "".join(f'<row r="{i}">' + "".join(line) + "</row>"
                      for i, line in zip(numbers, zip(*cells))).encode("ascii")


#: Rows of a sheet body turned into XML text together (:func:`_body_xml`).
_ROWS_AT_A_TIME = 2000


class _NoPlace(Exception):
    """The sheet openpyxl wrote has no place for the body rows where :func:`_splice` expects it (another
    openpyxl release): :func:`write_workbook` then writes the workbook cell by cell."""


def _splice(path: Path, bodies: dict) -> None:
    """Put each sheet's body rows into the workbook openpyxl wrote at ``path`` with header rows only.

    ``bodies`` maps a sheet to ``(rows XML in blocks, its last column letter, its last row)``; the sheet's
    dimension is set to the whole table, as openpyxl gives it when it writes every cell. Each sheet is
    written into the archive piece by piece, and its rows are let go once written: a sheet's XML is
    never joined into one more copy.
    """
    parts = {sheet.path.lstrip("/"): (sheet.title, *body) for sheet, body in bodies.items()}

    def sheet_xml(name: str, data: bytes):
        if name not in parts:
            return None
        title, rows, letter, last = parts.pop(name)
        head, sep, tail = data.partition(b"</sheetData>")
        dimension = f'<dimension ref="A1:{letter}1"/>'.encode()
        if not sep or head.count(dimension) != 1:  # openpyxl wrote the sheet otherwise than expected
            raise _NoPlace(title)
        return _pieces(head.replace(dimension, f'<dimension ref="A1:{letter}{last}"/>'.encode()), rows, sep + tail)

    rewrite_archive(path, sheet_xml)


def _pieces(head: bytes, rows, tail: bytes):
    """``head``, the blocks of ``rows`` (an iterator: each made as it is handed out), ``tail``."""
    yield head
    yield from rows
    yield tail


def write_workbook(path: str | Path, sheets: list[tuple[str, pd.DataFrame, tuple[str, ...]]],
                   caption: str = "") -> Path:
    """Write sheets ``(title, frame, flag_columns)`` to ``path`` atomically; ``caption`` heads every page.

    Each sheet is :func:`add_sheet`'s; openpyxl writes the workbook with the header rows and the body
    rows are put in as :func:`_body_xml` wrote them (a sheet :func:`_body_xml` does not write is
    written cell by cell).
    """
    try:
        return _write_workbook(path, sheets, caption, fast=True)
    except _NoPlace:
        return _write_workbook(path, sheets, caption, fast=False)


def _write_workbook(path: str | Path, sheets: list[tuple[str, pd.DataFrame, tuple[str, ...]]], caption: str,
                    fast: bool) -> Path:
    """:func:`write_workbook`; without ``fast`` every body cell goes through openpyxl."""
    book = Workbook()
    book.remove(book.active)
    bodies = {}
    for title, frame, flags in sheets:
        sheet, columns, flagged, kinds = _layout_sheet(book, title, frame, flags, caption)
        rows = _body_xml(sheet, frame, columns, flagged, kinds) if fast else None
        if rows is None:
            _append_rows(sheet, frame, columns, flagged)
            _style_body(sheet, kinds)
            for row in sheet.iter_rows():  # number its styles now, in the order saving would
                for cell in row:
                    if cell.has_style:
                        cell.style_id  # noqa: B018
        else:
            bodies[sheet] = (rows, get_column_letter(len(columns)), len(frame) + 1)
    now = _dt.datetime.now().replace(microsecond=0)
    book.properties.created = now
    book.properties.modified = now
    book.properties.creator = CREATOR
    book.properties.language = "ru-RU"
    with atomic_path(path) as tmp:
        book.save(tmp)
        if bodies:
            _splice(tmp, bodies)
    return Path(path)


def method_frame(params: dict, report: str, municipality: str | None = None) -> pd.DataFrame:
    """The appendix «Методика и параметры» as a sheet: one sentence a row (with the municipality)."""
    from ..views.html import programme_title

    rows = [{"Раздел": title, "Положение": sentence}
            for title, sentences in method_sections(params, report, programme_title(params)) for sentence in sentences]
    frame = pd.DataFrame(rows, columns=["Раздел", "Положение"])
    if municipality is not None:
        frame.insert(0, "Муниципалитет", municipality)
    return frame


REGISTRY_COLUMNS = {
    "shnor": ["school_id", "school_name", "municipality", "criterion_1", "criterion_2", "low_results",
              "low_results_prev", "reasons"],
    "risk": ["school_id", "school_name", "municipality", "area_material", "area_staff", "area_pupils",
             "area_results", "material_missing", "teachers_overload_pct", "teachers_unqualified_pct",
             "pupils_sum_pct", "vpr_high", "pupils_failing_pct", "deficits", "recommendations"],
    "pairs": ["school_id", "school_name", "municipality", "weak_assessments", "leader_id", "leader_name",
              "leader_municipality", "covered", "note"],
    "shnsu": ["school_id", "school_name", "municipality", "social_index", "share", "expected_share",
              "difference", "reading"],
}


def write_registry(path: str | Path, shnor: pd.DataFrame, risk: pd.DataFrame, pairs: pd.DataFrame,
                   params: dict, objectivity: pd.DataFrame | None = None,
                   social: pd.DataFrame | None = None, caption: str = "",
                   params_by_municipality: dict[str, dict] | None = None) -> Path:
    """Write ``registry.xlsx``: sheets ШНОР, Риск, ШНСУ (when ``social`` is given), Пары, Параметры
    (and Объективность when given).

    Only flagged schools are listed on ШНОР, Риск and ШНСУ (the registry is the list); ``social`` is
    the identification's social table in words (:func:`qualitylib.views.identification.present`).
    Параметры holds the method in sentences (:func:`method_frame`). The region's registry passes
    ``params_by_municipality``: then Параметры gives each municipality's own method and a first
    sheet Сводка counts each municipality's ШНОР, schools at risk and pairs.
    """
    shnor_rows = shnor.loc[shnor["shnor"] == 1, REGISTRY_COLUMNS["shnor"]]
    risk_rows = risk.loc[risk["risk"] == 1, REGISTRY_COLUMNS["risk"]]
    if params_by_municipality:
        method = pd.concat([method_frame(p, "identification", name) for name, p in params_by_municipality.items()],
                           ignore_index=True)
    else:
        method = method_frame(params, "identification")
    sheets = [
        ("ШНОР", shnor_rows, ("criterion_1", "criterion_2")),
        ("Риск", risk_rows, ("area_material", "area_staff", "area_pupils", "area_results")),
        ("Пары", pairs[REGISTRY_COLUMNS["pairs"]], ()),
        ("Параметры", method, ()),
    ]
    if social is not None:
        shnsu_rows = social.loc[social["shnsu"] == 1, [c for c in REGISTRY_COLUMNS["shnsu"] if c in social]]
        sheets.insert(2, ("ШНСУ", shnsu_rows, ()))
    if params_by_municipality:
        names = list(params_by_municipality)
        summary = pd.DataFrame({
            "municipality": names,
            "ШНОР": [int((shnor_rows["municipality"] == n).sum()) for n in names],
            "В зоне риска": [int((risk_rows["municipality"] == n).sum()) for n in names],
            "Сетевых пар": [int(((pairs["municipality"] == n) & pairs["leader_id"].notna()).sum()) for n in names],
        })
        sheets.insert(0, ("Сводка", summary, ()))
    if objectivity is not None:
        cols = ["school_id", "school_name", "municipality", "inflated", "marks_mismatch", "sharp_rise", "sharp_fall",
                "signs", "marked"]
        sheets.insert(len(sheets) - 1, ("Объективность", objectivity[cols], ("marked",)))
    return write_workbook(path, sheets, caption=caption)


def write_indicators_workbook(path: str | Path, m, note=None) -> Path:
    """``indicators.xlsx``: Показатели, Дорожная карта, Не выполнено, Просрочено, Рекомендации, Параметры.

    ``m`` is a :class:`qualitylib.reports.monitoring.Monitoring`; ``note``, its
    :func:`qualitylib.views.monitoring.note_view` when the caller has it already (notebook 03 does).
    """
    v = note_view(m) if note is None else note
    ind = v.indicators[["number", "group", "title", "round", "unit", "numerator", "denominator", "value", "prev_value",
                        "change", "answer", "prev_answer", "target", "status_title", "evidence", "target_note",
                        "period"]]
    sheets = [("Показатели", ind, ())]
    if v.roadmap is not None:
        cols = ["plan_title", "item", "direction", "measure", "deadline", "occurrence_title", "responsible",
                "bodies", "expected_result", "state_title", "due", "completed_on", "evidence", "problem", "restored"]
        sheets.append(("Дорожная карта", v.roadmap[[c for c in cols if c in v.roadmap]], ()))
        pending = ["plan_title", "item", "measure", "deadline", "occurrence_title", "due", "state_title",
                   "responsible", "expected_result"]
        sheets.append(("Не выполнено", v.pending[[c for c in pending if c in v.pending]], ()))
        sheets.append(("Просрочено", v.overdue, ()))
    sheets.append(("Рекомендации", v.recommendations, ()))
    sheets.append(("Параметры", method_frame(m.params, "monitoring"), ()))
    where = m.municipality or "весь регион"
    return write_workbook(path, sheets, caption=f"{where}, {int(m.year)}")


def write_tasks_workbook(path: str | Path, r) -> Path:
    """``tasks.xlsx``: Дефициты, Рекомендации, Выполнение заданий, Отметки (with pupil data), Параметры.

    ``r`` is a :class:`qualitylib.reports.tasks.TaskReport`; hidden groups are left out.
    """
    from ..views.tasks import deficits_sheet, marks_table, method_paragraphs, recommendations, tasks_sheet

    sheets = [("Дефициты", deficits_sheet(r), ()), ("Рекомендации", recommendations(r), ()),
              ("Выполнение заданий", tasks_sheet(r), ("Дефицит",))]
    marks = marks_table(r)
    if len(marks):
        sheets.append(("Отметки", marks, ()))
    sheets.append(("Параметры", pd.DataFrame({"Положение": method_paragraphs(r)}), ()))
    written = write_workbook(path, sheets)
    # the workbook's objects refer to each other: collected now, not at the kernel's next full
    # collection, they leave room for the Word document that follows (30 MiB on a large municipality)
    gc.collect()
    return written
