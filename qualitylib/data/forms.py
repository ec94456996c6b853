"""Per-school forms: one workbook a school fills in (context and monitoring for one year), and
their collection into the region's tables.

A form (written by :func:`qualitylib.batch.templates.write_forms`) has a sheet per table of
:data:`FORM_TABLES`; on each, the school's code and the year stand in column B of the rows
:data:`CODE_ROW` and :data:`YEAR_ROW`, and every indicator is a row from :data:`FIRST_ROW` on:
its title (as in the data contract) in column A, the value in column B; on the monitoring sheet,
each monitoring round within the year (Norilsk 4.3: January and June; Elista: September, January,
April) has its own value column from D on, headed «Значение — январь». :func:`collect_forms`
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
#: The header of a round's value column (from column D on, monitoring sheet): «Значение — январь».
ROUND_PREFIX = "Значение — "
#: The first column (0-based) of the rounds' values.
FIRST_ROUND_COLUMN = 3


def round_header(label: str) -> str:
    """The header of the value column of a monitoring round: «Значение — январь»."""
    return f"{ROUND_PREFIX}{label}"


def _round_label(header: str) -> str:
    text = header.strip()
    for prefix in (ROUND_PREFIX, "Значение - ", "Значение: ", "Раунд: ", "Раунд "):
        if text.casefold().startswith(prefix.casefold()):
            return text[len(prefix):].strip()
    return text


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


def _round_columns(rows: list[list[str | None]], table: Table, sheet: str, display: str
                   ) -> tuple[list[tuple[int, str]], list[Problem]]:
    """The round columns of a monitoring sheet: ``(column, round label)`` from column D on."""
    if "round" not in table.column_names:
        return [], []
    header = rows[HEADER_ROW - 1] if HEADER_ROW - 1 < len(rows) else []
    found, seen, problems = [], {}, []
    for column in range(FIRST_ROUND_COLUMN, len(header)):
        text = header[column]
        filled = any(_cell(rows, number, column) for number in range(FIRST_ROW, len(rows) + 1))
        if not text:
            if filled:
                problems.append(Problem(display, "у столбца значений нет названия раунда: значения не используются "
                                                 "(впишите в заголовок «Значение — январь»)", sheet=sheet,
                                        row=HEADER_ROW, column=_letter(column)))
            continue
        label = _round_label(text)
        if not label:
            problems.append(Problem(display, "в заголовке столбца не назван раунд мониторинга: ожидалось "
                                             "«Значение — январь»", sheet=sheet, row=HEADER_ROW,
                                    column=_letter(column), value=text))
        elif label.casefold() in seen:
            problems.append(Problem(display, f"раунд «{label}» указан дважды (столбцы {_letter(seen[label.casefold()])} "
                                             f"и {_letter(column)}): оставьте один", sheet=sheet, row=HEADER_ROW,
                                    column=_letter(column), value=text))
        else:
            seen[label.casefold()] = column
            found.append((column, label))
    return found, problems


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column + 1)


def read_form(rows: list[list[str | None]], table: Table, sheet: str, display: str
              ) -> tuple[list[dict[str, str | None]], dict[str, int], list[Problem]]:
    """The values of one form sheet, by the contract's column titles, and the form row of each.

    Returns ``(records, rows, problems)``: one record for the yearly values (column B) and, on the
    monitoring sheet, one per monitoring round -- a value column from D on headed «Значение — январь»
    (the record's «Раунд мониторинга» is the round); a column left empty gives none, a sheet left
    unfilled no record at all (a warning). The school's code and the year are read from their own rows.
    """
    by_spelling = {normalise_header(t): c for c in table.columns for t in (c.title, c.name, *c.aliases)}
    code, year = table.column("school_id"), table.column("year")
    base: dict[str, str | None] = {year.title: _cell(rows, YEAR_ROW, 1), code.title: _cell(rows, CODE_ROW, 1)}
    where = {year.title: YEAR_ROW, code.title: CODE_ROW}
    rounds, problems = _round_columns(rows, table, sheet, display)
    columns = [(1, None), *rounds]
    values: dict[int, dict[str, str | None]] = {column: {} for column, _ in columns}
    for number in range(FIRST_ROW, len(rows) + 1):
        title = _cell(rows, number, 0)
        if not title:
            continue
        col = by_spelling.get(normalise_header(title))
        if col is None or col.title in where or col.name == "round":
            problems.append(Problem(display, "показатель не из формы или повторяется, он не используется: не "
                                             "меняйте названия в столбце A", sheet=sheet, row=number,
                                    column=FORM_HEADER[0], value=title, severity="warning"))
            continue
        for column, _ in columns:
            values[column][col.title] = _cell(rows, number, column)
        where[col.title] = number
    records = []
    for column, label in columns:
        if not any(values[column].values()):
            continue
        record = {**base, **values[column]}
        if label is not None:
            record[table.column("round").title] = label
        records.append(record)
    if not records:
        problems.append(Problem(display, f"лист «{sheet}» не заполнен: школа не сдала эти данные", sheet=sheet,
                                severity="warning"))
    return records, where, problems


def _placed(problem: Problem, forms: dict[int, tuple[str, str, dict[str, int]]]) -> Problem | None:
    """A problem of the merged forms' table placed in its school's form (``None``: not reported)."""
    if problem.message.startswith("повтор ключа"):
        return None  # two forms of one school: reported by collect_forms, naming both files
    if problem.row not in forms:
        return problem
    display, sheet, where, label = forms[problem.row]
    row = where.get(problem.column)
    message = problem.message
    if row is None and problem.column is not None:
        message += "; строки этого показателя нет в форме — верните её из бланка"
    if label is not None:
        message += f" (раунд «{label}»)"
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
    forms: dict[str, dict[int, tuple[str, str, dict[str, int], str | None]]] = {t.name: {} for t in FORM_TABLES}
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
            found_records, where, found = read_form(sheets[sheet], table, sheet, display)
            problems += found
            for record in found_records:
                records[table.name].append(record)
                label = record.get(table.column("round").title) if "round" in table.column_names else None
                forms[table.name][len(records[table.name])] = (display, sheet, where, label)
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
        owner: dict[tuple[str, int, str], str] = {}
        unknown: set[tuple[str, str]] = set()
        keep = []
        for number, code, year in zip(typed.index, typed["school_id"], typed["year"]):
            display, sheet, where, label = forms[table.name][number]
            if number in bad or pd.isna(code) or pd.isna(year):
                continue
            if known_schools is not None and code not in known_schools:
                if (display, sheet) not in unknown:  # once per sheet, whatever its rounds
                    unknown.add((display, sheet))
                    problems.append(Problem(display, "код школы не найден в списке школ региона: проверьте код",
                                            sheet=sheet, row=CODE_ROW, column="Код ОО", value=str(code)))
                continue
            key = (code, int(year), (label or "").casefold())
            if key in owner:
                what = f" (раунд «{label}»)" if label else ""
                problems.append(Problem(display, f"форма школы {code} за {int(year)} год{what} уже прочитана из "
                                                 f"файла «{owner[key]}»: оставьте одну", sheet=sheet,
                                        row=CODE_ROW, column="Код ОО", value=str(code)))
                continue
            owner[key] = display
            keep.append(number)
        order = [c for c in ("year", "school_id", "round") if c in typed]
        tables[table.name] = (typed.loc[keep].sort_values(order, na_position="first", kind="stable")
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
