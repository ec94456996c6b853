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


def read_form(rows: list[list[str | None]], table: Table, sheet: str, display: str
              ) -> tuple[dict[str, str | None] | None, dict[str, int], list[Problem]]:
    """The values of one form sheet, by the contract's column titles, and the form row of each.

    Returns ``(record, rows, problems)``; ``record`` is ``None`` for a sheet left unfilled
    (a warning). The school's code and the year are read from their own rows.
    """
    by_spelling = {normalise_header(t): c for c in table.columns for t in (c.title, c.name, *c.aliases)}
    code, year = table.column("school_id"), table.column("year")
    record: dict[str, str | None] = {year.title: _cell(rows, YEAR_ROW, 1), code.title: _cell(rows, CODE_ROW, 1)}
    where = {year.title: YEAR_ROW, code.title: CODE_ROW}
    problems: list[Problem] = []
    for number in range(FIRST_ROW, len(rows) + 1):
        title = _cell(rows, number, 0)
        if not title:
            continue
        col = by_spelling.get(normalise_header(title))
        if col is None or col.title in where:
            problems.append(Problem(display, "показатель не из формы или повторяется, он не используется: не "
                                             "меняйте названия в столбце A", sheet=sheet, row=number,
                                    column=FORM_HEADER[0], value=title, severity="warning"))
            continue
        record[col.title] = _cell(rows, number, 1)
        where[col.title] = number
    if not any(value for title, value in record.items() if title not in (year.title, code.title)):
        problems.append(Problem(display, f"лист «{sheet}» не заполнен: школа не сдала эти данные", sheet=sheet,
                                severity="warning"))
        return None, where, problems
    return record, where, problems


def _placed(problem: Problem, forms: dict[int, tuple[str, str, dict[str, int]]]) -> Problem | None:
    """A problem of the merged forms' table placed in its school's form (``None``: not reported)."""
    if problem.message.startswith("повтор ключа"):
        return None  # two forms of one school: reported by collect_forms, naming both files
    if problem.row not in forms:
        return problem
    display, sheet, where = forms[problem.row]
    row = where.get(problem.column)
    message = problem.message
    if row is None and problem.column is not None:
        message += "; строки этого показателя нет в форме — верните её из бланка"
    return dataclasses.replace(problem, file=display, sheet=sheet, row=row, message=message)


def collect_forms(folder: str | Path, known_schools: set[str] | None = None) -> Collected:
    """Read every filled form (``*.xlsx``) of ``folder`` and merge them into region tables.

    The values of all forms are checked at once, with the rules of the region tables
    (:func:`qualitylib.data.validation.convert_table`); each problem names the school's file,
    the sheet and the form's row.

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
    records: dict[str, list[dict]] = {t.name: [] for t in FORM_TABLES}
    forms: dict[str, dict[int, tuple[str, str, dict[str, int]]]] = {t.name: {} for t in FORM_TABLES}
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
            record, where, found = read_form(sheets[sheet], table, sheet, display)
            problems += found
            if record is not None:
                records[table.name].append(record)
                forms[table.name][len(records[table.name])] = (display, sheet, where)
    tables = {}
    for table in FORM_TABLES:
        if not records[table.name]:
            continue
        frame = pd.DataFrame(records[table.name], index=pd.Index(range(1, len(records[table.name]) + 1),
                                                                 name="row"), dtype=object)
        typed, found = convert_table(RawTable(frame, str(folder), table.title), table)
        placed = [_placed(p, forms[table.name]) for p in found]
        problems += [p for p in placed if p is not None]
        if typed is None:
            continue
        bad = {p.row for p, shown in zip(found, placed) if p.severity == "error" and shown is not None}
        owner: dict[tuple[str, int], str] = {}
        keep = []
        for number, code, year in zip(typed.index, typed["school_id"], typed["year"]):
            display, sheet, where = forms[table.name][number]
            if number in bad or pd.isna(code) or pd.isna(year):
                continue
            if known_schools is not None and code not in known_schools:
                problems.append(Problem(display, "код школы не найден в списке школ региона: проверьте код",
                                        sheet=sheet, row=CODE_ROW, column="Код ОО", value=str(code)))
                continue
            if (code, int(year)) in owner:
                problems.append(Problem(display, f"форма школы {code} за {int(year)} год уже прочитана из файла "
                                                 f"«{owner[code, int(year)]}»: оставьте одну", sheet=sheet,
                                        row=CODE_ROW, column="Код ОО", value=str(code)))
                continue
            owner[code, int(year)] = display
            keep.append(number)
        tables[table.name] = (typed.loc[keep].sort_values(["year", "school_id"], kind="stable")
                              .reset_index(drop=True))
    problems = [clean_problem(p) for p in problems]
    problems.sort(key=lambda p: (p.file, p.sheet or "", p.row or 0))
    if any(p.severity == "error" for p in problems):
        return Collected({}, problems, len(files))
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
