"""Per-school forms: one workbook a school fills in (context and monitoring for one year), and
their collection into the region's tables.

A form (written by :func:`qualitylib.batch.templates.write_forms`) has a sheet per table of
:data:`FORM_TABLES`; on each, the school's code and the year stand in column B of the rows
:data:`CODE_ROW` and :data:`YEAR_ROW`, and every indicator is a row from :data:`FIRST_ROW` on:
its title (as in the data contract) in column A, the value in column B. :func:`collect_forms`
reads every form of a folder, checks each value with the same rules as the region tables
(:func:`qualitylib.data.validation.convert_table`) and names the school's file, sheet and row
in every message.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from ..exceptions import Problem
from .io import RawTable, _xlsx_cell_text, clean_problem
from .schema import CONTEXT, MONITORING, Table
from .validation import convert_table, normalise_header

#: The tables a school reports in its form.
FORM_TABLES: tuple[Table, ...] = (CONTEXT, MONITORING)
#: Rows of a form sheet (Excel numbering): the school's code, its name, the year, the header of
#: the indicators and the first indicator.
CODE_ROW, NAME_ROW, YEAR_ROW, HEADER_ROW, FIRST_ROW = 3, 4, 5, 7, 8
#: Column headers of the indicator block.
FORM_HEADER = ("Показатель", "Значение", "Что вводить")


@dataclasses.dataclass
class Collected:
    """The tables merged from the forms, and everything found on the way.

    Attributes
    ----------
    tables : dict
        Table name -> typed frame (canonical columns, one row per school and year).
    problems : list of Problem
        Errors and warnings, each naming the form's file.
    forms : int
        How many forms were read.
    """

    tables: dict[str, pd.DataFrame]
    problems: list[Problem]
    forms: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _sheet_rows(path: Path) -> dict[str, list[list[str | None]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {name: [[_xlsx_cell_text(v) for v in row]
                   for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
            for name in book.sheet_names}


def _cell(rows: list[list[str | None]], row: int, column: int) -> str | None:
    """The text of a cell by Excel row (1-based) and column (0-based), ``None`` when empty."""
    if row - 1 < len(rows) and column < len(rows[row - 1]):
        return rows[row - 1][column]
    return None


def read_form(path: Path, table: Table, rows: list[list[str | None]], sheet: str, display: str | None = None
              ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The one row of ``table`` a form sheet holds, typed, with problems placed in the form.

    A problem of the indicator in Excel row *n* of the form names that row and the indicator's
    title; the school's code and the year are named at their own rows.
    """
    name = display or path.name
    lookup = {normalise_header(t): c.name for c in table.columns for t in (c.title, c.name, *c.aliases)}
    record: dict[str, str | None] = {"Год": _cell(rows, YEAR_ROW, 1), "Код ОО": _cell(rows, CODE_ROW, 1)}
    where = {"Год": YEAR_ROW, "Код ОО": CODE_ROW}
    problems: list[Problem] = []
    for number in range(FIRST_ROW, len(rows) + 1):
        title = _cell(rows, number, 0)
        if not title:
            continue
        if normalise_header(title) not in lookup:
            problems.append(Problem(name, "показатель не из формы, он не используется: не меняйте названия "
                                          "в столбце A", sheet=sheet, row=number, column=FORM_HEADER[0],
                                    value=title, severity="warning"))
            continue
        record[title] = _cell(rows, number, 1)
        where[title] = number
    if not any(record[t] for t in record if t not in ("Год", "Код ОО")):
        problems.append(Problem(name, f"лист «{sheet}» не заполнен: школа не сдала эти данные", sheet=sheet,
                                severity="warning"))
        return None, problems
    raw = RawTable(pd.DataFrame([record], index=pd.Index([FIRST_ROW], name="row"), dtype=object), name, sheet)
    frame, found = convert_table(raw, table)
    for problem in found:
        row = where.get(problem.column)
        if problem.column is not None and row is not None:
            problem = dataclasses.replace(problem, row=row)
        elif "нет обязательного столбца" in problem.message:  # a row deleted from the form
            problem = dataclasses.replace(problem, message=problem.message.replace(
                "нет обязательного столбца", "нет обязательной строки показателя") + ": верните её из бланка")
        problems.append(problem)
    return frame, problems


def collect_forms(folder: str | Path, known_schools: set[str] | None = None) -> Collected:
    """Read every filled form (``*.xlsx``) of ``folder`` and merge them into region tables.

    Parameters
    ----------
    folder : str or Path
        Folder of the forms, one workbook per school (any file names, in subfolders too).
    known_schools : set of str, optional
        The codes of the region's schools: a form of another code is an error.

    Returns
    -------
    Collected
        The merged tables (only when no form has an error, else empty) and every problem.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        return Collected({}, [Problem(str(folder), "папка с формами школ не найдена")], 0)
    files = sorted(p for p in folder.rglob("*.xlsx")
                   if p.is_file() and not p.name.startswith(("~$", ".")))
    if not files:
        problems.append(Problem(str(folder), "в папке нет форм школ (файлов .xlsx)"))
    parts: dict[str, list[pd.DataFrame]] = {t.name: [] for t in FORM_TABLES}
    owner: dict[tuple[str, int], str] = {}
    for path in files:
        display = path.relative_to(folder).as_posix()
        try:
            sheets = _sheet_rows(path)
        except Exception as exc:  # a broken workbook stops only its own school
            problems.append(Problem(display, f"файл не удалось прочитать как книгу Excel "
                                               f"({type(exc).__name__}): ожидалась форма школы .xlsx"))
            continue
        for table in FORM_TABLES:
            sheet = next((s for s in sheets if normalise_header(s) == normalise_header(table.title)), None)
            if sheet is None:
                problems.append(Problem(display, f"нет листа «{table.title}»: ожидалась форма школы, "
                                                   "выпущенная командой template"))
                continue
            frame, found = read_form(path, table, sheets[sheet], sheet, display)
            problems += found
            if frame is None or frame.empty or any(p.severity == "error" for p in found):
                continue
            code, year = str(frame["school_id"].iloc[0]), int(frame["year"].iloc[0])
            if known_schools is not None and code not in known_schools:
                problems.append(Problem(display, "код школы не найден в списке школ региона: проверьте код",
                                        sheet=sheet, row=CODE_ROW, column="Код ОО", value=code))
                continue
            key = (table.name, code, year)
            if key in owner:
                problems.append(Problem(display, f"форма школы {code} за {year} год уже прочитана из файла "
                                                   f"«{owner[key]}»: оставьте одну", sheet=sheet, row=CODE_ROW,
                                        column="Код ОО", value=code))
                continue
            owner[key] = display
            parts[table.name].append(frame.assign(form=display))
    problems = [clean_problem(p) for p in problems]
    problems.sort(key=lambda p: (p.file, p.sheet or "", p.row or 0))
    if any(p.severity == "error" for p in problems):
        return Collected({}, problems, len(files))
    tables = {}
    for name, frames in parts.items():
        if frames:
            merged = pd.concat(frames, ignore_index=True).drop(columns="form")
            tables[name] = merged.sort_values(["year", "school_id"], kind="stable").reset_index(drop=True)
    return Collected(tables, problems, len(files))


def read_table_file(path: str | Path, table: Table) -> pd.DataFrame:
    """One table read and checked on its own: a file, or the table's file in a region folder.

    Raises
    ------
    DataValidationError
        When the file is missing or breaks the data contract (every problem listed).
    """
    from ..exceptions import DataValidationError, TableReadError
    from .io import locate_table, read_raw

    path = Path(path)
    if path.is_dir():
        found, problems = locate_table(path, table)
        if found is None:
            raise DataValidationError(problems or [Problem(str(path), f"нет таблицы «{table.title}»")],
                                      source=f"«{path}»")
        path = found
    if not path.is_file():
        raise DataValidationError([Problem(str(path), f"файл не найден: ожидалась таблица «{table.title}»")])
    try:
        raw = read_raw(path, table)
    except TableReadError as exc:
        raise DataValidationError(exc.problems, source=f"«{path}»") from None
    frame, problems = convert_table(raw, table)
    if frame is None or any(p.severity == "error" for p in problems):
        raise DataValidationError([clean_problem(p) for p in problems], source=f"«{path}»")
    return frame.reset_index(drop=True)


def merge_into(existing: pd.DataFrame | None, new: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``existing`` rows of ``table`` with those of ``new`` added; a key in both takes ``new``'s row."""
    if existing is None or existing.empty:
        return new
    key = list(table.key)
    kept = existing.merge(new[key].drop_duplicates(), on=key, how="left", indicator=True)
    kept = existing[(kept["_merge"] == "left_only").to_numpy()]
    merged = pd.concat([kept, new], ignore_index=True)
    return merged.sort_values(key, kind="stable").reset_index(drop=True)
