"""Excel workbooks for the administration, written with openpyxl.

Every sheet has Russian headers, a frozen and bold header row, an autofilter, column
widths fitted to the content, and fills on flagged cells. Files are written atomically;
document properties carry a fixed timestamp (the zip entries still carry the write time).
Every text cell is a string cell: a school name or a recommendation starting with ``=`` is
shown as written, never turned into a formula.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..data.io import atomic_path
from ..views.labels import COLUMN_TITLES, params_frame

from ..views.monitoring import note_view

FLAG_FILL = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
WRAP_COLUMNS = {"reasons", "recommendations", "deficits", "material_missing", "vpr_high", "covered",
                "weak_assessments", "note", "value"}
_FIXED_TIME = _dt.datetime(2000, 1, 1)


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


def add_sheet(book: Workbook, title: str, frame: pd.DataFrame, flag_columns: tuple[str, ...] = ()) -> None:
    """Append ``frame`` as a formatted sheet; cells of ``flag_columns`` equal to 1 are filled.

    Column names are translated with :data:`qualitylib.labels.COLUMN_TITLES`. Text is
    written as text, never as a formula.
    """
    sheet = book.create_sheet(title)
    columns = list(frame.columns)
    sheet.append([COLUMN_TITLES.get(c, c) for c in columns])
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_cell_value(v) for v in row])
    for row in sheet.iter_rows():
        _as_text(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    if len(columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(frame) + 1)}"
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        texts = [COLUMN_TITLES.get(col, col)] + [str(v) for v in frame[col].head(500) if v is not None]
        longest = max((len(t) for t in texts), default=8)
        width = min(60 if col in WRAP_COLUMNS else 40, max(8, longest + 2))
        sheet.column_dimensions[letter].width = width
        if col in WRAP_COLUMNS:
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if col in flag_columns:
            for cell in sheet[letter][1:]:
                if cell.value == 1:
                    cell.fill = FLAG_FILL


def write_workbook(path: str | Path, sheets: list[tuple[str, pd.DataFrame, tuple[str, ...]]]) -> Path:
    """Write sheets ``(title, frame, flag_columns)`` to ``path`` atomically."""
    book = Workbook()
    book.remove(book.active)
    for title, frame, flags in sheets:
        add_sheet(book, title, frame, flags)
    book.properties.created = _FIXED_TIME
    book.properties.modified = _FIXED_TIME
    book.properties.creator = "qualitylib"
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


REGISTRY_COLUMNS = {
    "shnor": ["school_id", "school_name", "municipality", "criterion_1", "criterion_2", "low_results",
              "low_results_prev", "reasons"],
    "risk": ["school_id", "school_name", "municipality", "area_material", "area_staff", "area_pupils",
             "area_results", "material_missing", "teachers_overload_pct", "teachers_unqualified_pct",
             "pupils_sum_pct", "vpr_high", "pupils_failing_pct", "deficits", "recommendations"],
    "pairs": ["school_id", "school_name", "municipality", "weak_assessments", "leader_id", "leader_name",
              "leader_municipality", "covered", "note"],
}


def write_registry(path: str | Path, shnor: pd.DataFrame, risk: pd.DataFrame, pairs: pd.DataFrame,
                   params: dict, objectivity: pd.DataFrame | None = None) -> Path:
    """Write ``registry.xlsx``: sheets ШНОР, Риск, Пары, Параметры (and Объективность when given).

    Only flagged schools are listed on ШНОР and Риск (the registry is the list).
    """
    shnor_rows = shnor.loc[shnor["shnor"] == 1, REGISTRY_COLUMNS["shnor"]]
    risk_rows = risk.loc[risk["risk"] == 1, REGISTRY_COLUMNS["risk"]]
    sheets = [
        ("ШНОР", shnor_rows, ("criterion_1", "criterion_2")),
        ("Риск", risk_rows, ("area_material", "area_staff", "area_pupils", "area_results")),
        ("Пары", pairs[REGISTRY_COLUMNS["pairs"]], ()),
        ("Параметры", params_frame(params), ()),
    ]
    if objectivity is not None:
        cols = ["school_id", "school_name", "municipality", "inflated", "marks_mismatch", "sharp_rise", "sharp_fall",
                "signs", "marked"]
        sheets.insert(3, ("Объективность", objectivity[cols], ("marked",)))
    return write_workbook(path, sheets)


def write_indicators_workbook(path: str | Path, m) -> Path:
    """``indicators.xlsx``: Показатели, Дорожная карта, Просрочено, Рекомендации, Параметры.

    ``m`` is a :class:`qualitylib.reports.monitoring.Monitoring`.
    """
    v = note_view(m)
    ind = v.indicators[["id", "group", "title", "unit", "numerator", "denominator", "value", "prev_value",
                        "change", "target", "status_title", "target_note", "period"]]
    sheets = [("Показатели", ind, ())]
    if v.roadmap is not None:
        cols = ["item", "direction", "measure", "deadline", "responsible", "state_title", "due", "completed_on",
                "evidence", "problem"]
        sheets.append(("Дорожная карта", v.roadmap[[c for c in cols if c in v.roadmap]], ()))
        sheets.append(("Просрочено", v.overdue, ()))
    sheets.append(("Рекомендации", v.recommendations, ()))
    sheets.append(("Параметры", params_frame(m.params), ()))
    return write_workbook(path, sheets)


def write_tasks_workbook(path: str | Path, r) -> Path:
    """``tasks.xlsx``: Дефициты, Рекомендации, Выполнение заданий, Отметки (with pupil data), Параметры.

    ``r`` is a :class:`qualitylib.reports.tasks.TaskReport`; hidden groups are left out.
    """
    from ..views.tasks import deficits_sheet, marks_table, recommendations, tasks_sheet

    sheets = [("Дефициты", deficits_sheet(r), ()), ("Рекомендации", recommendations(r), ()),
              ("Выполнение заданий", tasks_sheet(r), ("Дефицит",))]
    marks = marks_table(r)
    if len(marks):
        sheets.append(("Отметки", marks, ()))
    sheets.append(("Параметры", params_frame(r.params), ()))
    return write_workbook(path, sheets)
