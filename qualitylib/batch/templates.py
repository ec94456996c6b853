"""Excel templates of the data contract and per-school forms, written with openpyxl.

:func:`write_templates` writes one workbook per table of :data:`qualitylib.data.schema.TABLES`:
a title row, the Russian header in row 2, a comment on each header cell saying what to enter,
drop-down lists and numeric ranges as Excel data validation, and an «Инструкция» sheet; with a
schools table the school list is prefilled. :func:`write_forms` writes the form one school fills
in (context and monitoring for one year), which :func:`qualitylib.data.forms.collect_forms`
reads back.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..data.forms import (CODE_ROW, FIRST_ROUND_COLUMN, FIRST_ROW, FORM_HEADER, FORM_TABLES, HEADER_ROW, NAME_ROW,
                          YEAR_ROW, round_header)
from ..data.io import atomic_path
from ..data.layout import REFERENCE_MARK
from ..data.schema import INT_LIMIT, PROCEDURES, SCHOOLS, SUBJECTS, TABLES, Column, Table

HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
REQUIRED_FILL = PatternFill("solid", start_color="FCE4D6", end_color="FCE4D6")
#: Rows of a template sheet: the title, the header; data from :data:`DATA_ROW` on.
TITLE_ROW, TEMPLATE_HEADER_ROW, DATA_ROW = 1, 2, 3
#: How many rows of a template carry drop-down lists and ranges.
VALIDATED_ROWS = 5000
_LISTS = "Списки"


def file_name(table: Table) -> str:
    """«результаты.xlsx»: the Russian file name the reader accepts for the table."""
    return f"{(table.file_aliases or (table.name,))[0]}.xlsx"


def choices(col: Column) -> list[str] | None:
    """The values of a drop-down list for ``col`` (``None``: no list)."""
    if col.name == "procedure":
        return list(PROCEDURES.values())
    if col.name == "subject":
        return list(SUBJECTS.values())
    if col.kind == "code":
        return sorted(set(col.allowed.values()))
    if col.kind == "flag":
        return ["да", "нет"]
    return None


def what_to_enter(col: Column) -> str:
    """What to type in the column, in plain Russian: the description, the kind and whether it is required."""
    lo = col.min_value
    kinds = {
        "id": "Текст: код школы, точно как в таблице «Школы».",
        "text": "Текст.",
        "int": (f"Целое число от {lo:g} до {col.max_value:g}." if lo is not None and col.max_value is not None
                else "Целое число не меньше 0."),
        "year": "Год четырьмя цифрами, например 2026.",
        "float": "Число не меньше 0; дробную часть можно писать через запятую.",
        "pct": "Процент от 0 до 100, без знака «%».",
        "flag": "«да» или «нет» (можно 1 или 0).",
        "code": "Одно из значений списка: " + ", ".join(choices(col) or []) + ".",
    }
    generic = ("1 — да, 0 — нет.", "Процент, 0–100.")  # the kind's own text says it better
    parts = [col.description.strip()] if col.description and col.description.strip() not in generic else []
    kind = kinds[col.kind]
    if col.name == "subject":
        kind = "Предмет из списка; другие предметы можно вписать своими словами."
    parts.append(kind)
    parts.append("Обязательно заполнить." if col.required else "Можно оставить пустым, если данных нет.")
    return " ".join(p if p.endswith(".") else p + "." for p in parts)


def _validation(col: Column, lists: dict[str, str]) -> DataValidation | None:
    """The Excel data validation of a column (drop-down list or numeric range)."""
    options = choices(col)
    if col.name == "school_id" and "school_id" in lists:
        dv = DataValidation(type="list", formula1=lists["school_id"], allow_blank=True)
    elif col.name == "municipality" and "municipality" in lists:
        dv = DataValidation(type="list", formula1=lists["municipality"], allow_blank=True)
    elif options:
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        if col.name == "subject":
            dv.errorStyle = "warning"  # other subjects are allowed
    elif col.kind in ("int", "year"):
        lo, hi = (2000, 2100) if col.kind == "year" else (col.min_value or 0, col.max_value or INT_LIMIT)
        dv = DataValidation(type="whole", operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}",
                            allow_blank=True)
    elif col.kind in ("float", "pct"):
        hi = 100 if col.kind == "pct" else (col.max_value if col.max_value is not None else 1e9)
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=f"{hi:g}",
                            allow_blank=True)
    else:
        return None
    dv.showErrorMessage = True
    dv.errorTitle = "Недопустимое значение"[:32]
    dv.error = what_to_enter(col)[:255]
    dv.showInputMessage = True
    dv.promptTitle = col.title[:32]
    dv.prompt = what_to_enter(col)[:255]
    return dv


def _lists_sheet(book: Workbook, schools: pd.DataFrame | None) -> dict[str, str]:
    """A hidden sheet with the school codes and municipalities; formulas of their drop-down lists."""
    if schools is None or schools.empty:
        return {}
    sheet = book.create_sheet(_LISTS)
    sheet.sheet_state = "hidden"
    codes = [str(c) for c in schools["school_id"]]
    towns = sorted(set(map(str, schools["municipality"])))
    sheet.append(["Код ОО", "Муниципалитет"])
    for position in range(max(len(codes), len(towns))):
        sheet.append([codes[position] if position < len(codes) else None,
                      towns[position] if position < len(towns) else None])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s" if cell.value is not None else cell.data_type
    return {"school_id": f"'{_LISTS}'!$A$2:$A${len(codes) + 1}",
            "municipality": f"'{_LISTS}'!$B$2:$B${len(towns) + 1}"}


def _instruction(book: Workbook, table: Table, lines: list[str]) -> None:
    sheet = book.create_sheet("Инструкция")
    sheet.column_dimensions["A"].width = 45
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 90
    sheet.append([f"Таблица «{table.title}»"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([table.description])
    for line in lines:
        sheet.append([line])
    sheet.append([])
    sheet.append(["Столбец", "Обязательный", "Что вводить"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for col in table.columns:
        sheet.append([col.title, "да" if col.required else "нет", what_to_enter(col)])
        sheet.cell(sheet.max_row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


_STEPS = [
    "Как заполнять:",
    "1. Заполняйте лист с таблицей со строки 3. Строку 1 с названием можно оставить или удалить.",
    "2. Не меняйте названия столбцов в строке 2; необязательный столбец, по которому нет данных, можно удалить.",
    "3. Одна строка — одна запись; пустые строки между записями не мешают.",
    "4. Строку «Итого» добавлять не нужно: итоги считаются сами, такая строка будет пропущена.",
    "5. Подсказка к столбцу появляется при наведении на его заголовок; ячейка со списком раскрывается стрелкой.",
    "6. Сохраните книгу как «Книга Excel (.xlsx)» с тем же именем в папке региона, затем выполните проверку "
    "данных (команда validate).",
]


def table_workbook(table: Table, schools: pd.DataFrame | None = None, year: int | None = None) -> Workbook:
    """The template workbook of one table.

    With ``schools`` the school codes and municipalities become drop-down lists; the table of
    schools is prefilled with them, and the tables of one row per school and year (context,
    monitoring) get a row for each school (with ``year`` when given) and the school's name in a
    column the reader skips.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = table.title
    columns = list(table.columns)
    per_school = schools is not None and table.name in PER_SCHOOL_TABLES
    headers = [c.title for c in columns] + ([f"Наименование ОО {REFERENCE_MARK}"] if per_school else [])
    sheet.cell(TITLE_ROW, 1, f"{table.title}: заполните таблицу со строки {DATA_ROW} "
                             "(подсказки — в заголовках столбцов и на листе «Инструкция»)")
    sheet.cell(TITLE_ROW, 1).font = Font(bold=True, size=12)
    for position, (title, col) in enumerate(zip(headers, columns + [None]), start=1):
        cell = sheet.cell(TEMPLATE_HEADER_ROW, position, title)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if col is not None and col.required else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        text = what_to_enter(col) if col is not None else "Для справки: этот столбец не читается."
        cell.comment = Comment(text, "qualitylib", width=320, height=140)
        sheet.column_dimensions[get_column_letter(position)].width = min(max(12, len(title) * 0.9), 40)
    sheet.row_dimensions[TEMPLATE_HEADER_ROW].height = 45
    sheet.freeze_panes = sheet.cell(DATA_ROW, 1)
    lists = _lists_sheet(book, schools)
    for position, col in enumerate(columns, start=1):
        dv = _validation(col, lists)
        if dv is not None:
            letter = get_column_letter(position)
            dv.add(f"{letter}{DATA_ROW}:{letter}{DATA_ROW + VALIDATED_ROWS - 1}")
            sheet.add_data_validation(dv)
    if schools is not None:
        rows = _prefill(table, schools, year, per_school)
        for offset, values in enumerate(rows):
            for position, value in enumerate(values, start=1):
                if value is not None:
                    cell = sheet.cell(DATA_ROW + offset, position, value)
                    if isinstance(value, str):
                        cell.data_type = "s"
    lines = list(_STEPS)
    if per_school:
        lines.append("Строки школ уже заполнены кодами; впишите значения в каждую строку.")
    _instruction(book, table, lines)
    return book


#: Tables with one row per school and year (a monitoring round aside): their templates list every school.
#: The official ШНОР list has the same key but names only the listed schools.
PER_SCHOOL_TABLES = ("context", "monitoring")


def _prefill(table: Table, schools: pd.DataFrame, year: int | None, per_school: bool) -> list[list]:
    if table.name == SCHOOLS.name:
        return [[_plain(record.get(c.name)) for c in table.columns] for record in schools.to_dict("records")]
    if not per_school:
        return []
    rows = []
    for record in schools.to_dict("records"):
        values = [year if c.name == "year" else (str(record["school_id"]) if c.name == "school_id" else None)
                  for c in table.columns]
        rows.append(values + [str(record["school_name"])])
    return rows


def _plain(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _save(book: Workbook, target: Path) -> Path:
    with atomic_path(target) as tmp:
        book.save(tmp)
    return target


def write_templates(directory: str | Path, schools: pd.DataFrame | None = None,
                    year: int | None = None, skip: tuple[str, ...] = ()) -> list[Path]:
    """Write a template workbook for every table of the data contract into ``directory``.

    Returns the paths written («школы.xlsx», «результаты.xlsx», …), ready to be filled and read
    as a region folder. Tables named in ``skip`` are left out (those the schools' forms give).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [_save(table_workbook(table, schools, year), directory / file_name(table))
            for table in TABLES.values() if table.name not in skip]


def safe_name(text: str) -> str:
    """A file or folder name from a school code or a municipality: no characters a file system forbids."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", str(text)).strip(" .")
    return cleaned[:100] or "_"


def form_workbook(school: dict, year: int, rounds: Sequence[str] = ()) -> Workbook:
    """The form of one school: a sheet per table of :data:`FORM_TABLES`, one indicator a row.

    ``rounds`` (monitoring rounds within the year, e.g. ``("январь", "июнь")``) add to the monitoring
    sheet a value column per round from column D on, headed «Значение — январь»
    (:func:`qualitylib.data.forms.round_header`); column B keeps the yearly values.
    """
    book = Workbook()
    book.remove(book.active)
    for table in FORM_TABLES:
        sheet = book.create_sheet(table.title)
        own_rounds = list(rounds) if "round" in table.column_names else []
        sheet.column_dimensions["A"].width = 55
        sheet.column_dimensions["B"].width = 18
        sheet.column_dimensions["C"].width = 80
        sheet.cell(1, 1, f"Форма школы: {table.title.lower()} за {year} год").font = Font(bold=True, size=12)
        sheet.cell(2, 1, "Заполните столбец «Значение»; названия в столбце A не меняйте. Код и год уже вписаны."
                   + (" Данные раундов мониторинга — в столбцах «Значение — …» справа (" + ", ".join(own_rounds)
                      + "): в столбце B — годовые." if own_rounds else ""))
        for row, label, value in ((CODE_ROW, "Код ОО", str(school["school_id"])),
                                  (NAME_ROW, "Наименование ОО", str(school.get("school_name") or "")),
                                  (YEAR_ROW, "Год", year)):
            sheet.cell(row, 1, label).font = Font(bold=True)
            cell = sheet.cell(row, 2, value)
            if isinstance(value, str):
                cell.data_type = "s"
        for position, title in enumerate([*FORM_HEADER, *map(round_header, own_rounds)], start=1):
            cell = sheet.cell(HEADER_ROW, position, title)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        for k in range(len(own_rounds)):
            sheet.column_dimensions[get_column_letter(FIRST_ROUND_COLUMN + 1 + k)].width = 18
        sheet.freeze_panes = sheet.cell(FIRST_ROW, 1)
        row = FIRST_ROW
        for col in table.columns:
            if col.name in table.key:
                continue
            sheet.cell(row, 1, col.title).alignment = Alignment(wrap_text=True, vertical="top")
            sheet.cell(row, 2).fill = REQUIRED_FILL if col.required else PatternFill()
            sheet.cell(row, 3, what_to_enter(col)).alignment = Alignment(wrap_text=True, vertical="top")
            dv = _validation(col, {})
            if dv is not None:
                dv.add(f"B{row}")
                for k in range(len(own_rounds)):
                    dv.add(f"{get_column_letter(FIRST_ROUND_COLUMN + 1 + k)}{row}")
                sheet.add_data_validation(dv)
            row += 1
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    sheet = book.create_sheet("Инструкция")
    sheet.column_dimensions["A"].width = 110
    for line in ("Форма школы для муниципального органа управления образованием.",
                 "На каждом листе («Контекст», «Мониторинг») впишите значения в столбец «Значение» (B).",
                 "Оранжевые ячейки обязательны; остальные оставьте пустыми, если данных нет.",
                 "Подсказка — в столбце «Что вводить»; у ячеек со списком есть стрелка.",
                 "Сохраните книгу в формате .xlsx и верните её в муниципалитет; имя файла можно не менять."):
        sheet.append([line])
    return book


def write_forms(directory: str | Path, schools: pd.DataFrame, year: int,
                rounds: Mapping[str, Sequence[str]] | Sequence[str] = ()) -> list[Path]:
    """Write a form for every school into ``directory``/<municipality>/<code>.xlsx; return the paths.

    ``rounds``: the monitoring rounds within the year each form carries -- one list for every school,
    or a list per municipality (:func:`programme_rounds` gives those of its programme).
    """
    directory = Path(directory)
    written = []
    for school in schools.to_dict("records"):
        own = rounds.get(school["municipality"], ()) if isinstance(rounds, Mapping) else rounds
        target = directory / safe_name(school["municipality"]) / f"{safe_name(school['school_id'])}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(_save(form_workbook(school, year, own), target))
    return written


def programme_rounds(schools: pd.DataFrame, params_dir: str | Path | None = None) -> dict[str, list[str]]:
    """The monitoring rounds of each municipality's programme (its indicators' ``rounds``, in order).

    The programme is the municipality's parameters file's, else the schools table's column
    «Программа мониторинга»; a municipality without one, or whose files cannot be read, has none.
    """
    from ..data.municipality import municipality_params
    from ..data.programmes import load_catalogue, load_programme
    from ..exceptions import QualitylibError

    catalogue = load_catalogue()
    out: dict[str, list[str]] = {}
    for name in schools["municipality"].dropna().unique():
        try:
            key = municipality_params(str(name), params_dir=params_dir, schools=schools).get("programme")
            programme = load_programme(key, catalogue) if key else None
        except QualitylibError:
            programme = None
        labels: list[str] = []
        for ident in programme.indicators if programme is not None else ():
            for label in catalogue[ident].get("rounds") or ():
                if label not in labels:
                    labels.append(label)
        if labels:
            out[str(name)] = labels
    return out
