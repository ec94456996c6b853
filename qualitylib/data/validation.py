"""Validation of raw tables against the data contract, vectorised, reporting every problem.

Each check works on whole columns and turns the failing cells into :class:`Problem`
records naming the file, sheet, Excel row, column, value and what was expected.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata

import numpy as np
import pandas as pd

from .io import TEXT, RawTable, shown
from .layout import REFERENCE_MARK, normalise_header, total_rows
from ..exceptions import Problem
from .schema import INT_LIMIT, PROCEDURE_GRADES, PROCEDURES, SUBJECT_SPELLINGS, TEXT_LIMIT, Column, Table

_SPACES = re.compile(r"\s+")
_FLAG_SPELLINGS = {"1": 1, "0": 0, "да": 1, "нет": 0, "yes": 1, "no": 0, "true": 1, "false": 0,
                   "1.0": 1, "0.0": 0}


def current_year() -> int:
    """The calendar year of today (years after it are in the future)."""
    return _dt.date.today().year


def map_headers(raw: RawTable, table: Table) -> tuple[dict[str, str], list[Problem]]:
    """Match file headers to canonical columns.

    Returns
    -------
    mapping : dict
        Header as written in the file -> canonical column name.
    problems : list of Problem
        Missing required columns, duplicated columns, unknown columns (warnings).
    """
    lookup: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, col.title, *col.aliases):
            lookup[normalise_header(spelling)] = col.name
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for header in raw.frame.columns:
        canonical = lookup.get(normalise_header(header))
        if canonical is None and table.extra_numeric and re.fullmatch(r"[a-z][a-z0-9_]*", str(header)):
            canonical = str(header)
        if canonical is None:
            if normalise_header(header).endswith(REFERENCE_MARK):
                continue  # a column the templates add for the reader's eyes («Наименование ОО (для справки)»)
            if str(header).strip():
                problems.append(Problem(
                    raw.file, "неизвестный столбец, он не используется", sheet=raw.sheet,
                    column=str(header), severity="warning"))
            continue
        if canonical in seen:
            problems.append(Problem(
                raw.file, f"столбец повторяется (уже есть «{seen[canonical]}»)",
                sheet=raw.sheet, column=str(header)))
            continue
        seen[canonical] = str(header)
        mapping[str(header)] = canonical
    for col in table.columns:
        if col.required and col.name not in seen:
            problems.append(Problem(
                raw.file, f"нет обязательного столбца «{col.name}» («{col.title}»)", sheet=raw.sheet))
    return mapping, problems


def _cell_problems(raw: RawTable, header: str, mask: pd.Series, values: pd.Series,
                   expected) -> list[Problem]:
    """One problem per True cell of ``mask``.

    ``expected`` says what is wrong: a text, or a function of the row giving it.
    """
    bad = mask[mask.fillna(False).astype(bool)].index
    return [
        Problem(raw.file, expected(row) if callable(expected) else expected, sheet=raw.sheet, row=int(row),
                column=header, value="" if pd.isna(values.loc[row]) else str(values.loc[row]))
        for row in bad
    ]


#: A number as people and Excel write it: sign, digits, a decimal point or comma, an exponent.
_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
#: Thousands separated by a space, a no-break or a narrow no-break space: «1 020», «12 345 678».
_THOUSANDS = r"[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+"
_GROUP_SPACES = r"[ \u00a0\u202f]"
_NOT_FINITE = r"[+-]?(?:inf|infinity|бесконечность|∞)"
_NAN_WORDS = r"nan|не число"
#: Error values of Excel formulas in English and Russian Excel.
_EXCEL_ERROR = r"#(?:VALUE|DIV/0|N/A|REF|NAME\?|NUM|NULL|ЗНАЧ|ДЕЛ/0|Н/Д|ССЫЛКА|ИМЯ\?|ЧИСЛО|ПУСТО)!?"


def _parse_number(text: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Numbers as written by people, read strictly; a non-number gets the reason it is not one.

    Accepted: a sign, digits, a decimal point or comma and an exponent (``11,5``, ``2.45e1``);
    in ``pct`` columns a trailing «%» (``67%`` and ``12,5 %`` are 67 and 12.5); in ``int``
    columns (counts) thousands separated by a space or a no-break space (``1 020``).
    Everything else is missing in the first result: spaces between digits elsewhere
    («1 0 2 0», «2 024» in a year, «1 020,5» in a score), a «%» outside percent columns,
    ``inf``, ``Infinity``, ``NaN``, Excel error values (``#ЗНАЧ!``), a number too large for
    a float. The second result is the Russian message for such cells (``None`` for an
    ordinary word, which gets the column's plain «ожидалось число»).

    Each distinct text is parsed once (a column of counts or task scores repeats a few values
    over a hundred thousand rows) and the results are spread back to the rows.
    """
    text = text.astype(TEXT)
    codes, uniques = pd.factorize(text)
    if len(uniques) * 2 >= len(text):
        return _parse_distinct(text, kind)
    number, reason = _parse_distinct(pd.Series(uniques, dtype=TEXT), kind)
    number = pd.Series(np.append(number.to_numpy(dtype="float64"), np.nan)[codes], index=text.index)
    reason = pd.Series(np.append(reason.to_numpy(dtype=object), None)[codes], index=text.index, dtype=object)
    return number, reason


def _parse_distinct(text: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """:func:`_parse_number` of a text column, cell by cell."""
    body = text
    if kind == "pct" and text.str.contains("%", regex=False).any():
        body = body.str.replace(r"\s*%$", "", regex=True)
    if kind == "int" and body.str.contains(_GROUP_SPACES, regex=True).any():
        grouped = body.str.fullmatch(_THOUSANDS).fillna(False).astype(bool)
        body = body.where(~grouped, body.str.replace(_GROUP_SPACES, "", regex=True))
    plain = body.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    number = pd.to_numeric(body.str.replace(",", ".", regex=False), errors="coerce").astype("float64")
    number = number.where(plain)
    infinite = np.isinf(number)
    reason = pd.Series(None, index=text.index, dtype=object)
    odd = (text.notna() & ~plain) | infinite
    if odd.any():  # the reasons, for the few cells that are no plain number
        reason[odd] = _number_reasons(text[odd], body[odd], infinite[odd], kind)
    return number.where(~infinite), reason


def _number_reasons(text: pd.Series, body: pd.Series, infinite: pd.Series, kind: str) -> pd.Series:
    """The Russian message for cells that are no plain number (``None``: an ordinary word)."""
    expected = "ожидалось целое число" if kind in ("int", "year") else "ожидалось число"
    lower = text.str.lower()
    reasons = [  # the first that applies wins
        (lower.str.fullmatch(_NOT_FINITE) | infinite,
         "бесконечность или слишком большое число: ожидалось конечное число"),
        (lower.str.fullmatch(_NAN_WORDS), f"«не число» (NaN) не допускается: {expected}, "
                                          "а если значения нет — пустая ячейка"),
        (text.str.upper().str.fullmatch(_EXCEL_ERROR),
         f"ошибка вычисления формулы Excel: исправьте формулу в исходной таблице ({expected})"),
        (body.str.contains(r"\d[\s\u00a0\u202f]+\d", regex=True),
         f"пробелы внутри числа: {expected} без пробелов" + (
             " (разделители тысяч допускаются: 1 020)" if kind == "int" else "")),
        (text.str.fullmatch(r".*\d\s*%") & (kind != "pct"),
         f"знак «%» в столбце, где ожидался не процент: {expected} без знака «%»"),
    ]
    reason = pd.Series(None, index=text.index, dtype=object)
    for mask, why in reversed(reasons):
        reason = reason.mask(pd.Series(mask, index=text.index).fillna(False).astype(bool), why)
    return reason


#: Control characters no name or text holds (line breaks and tabs of multi-line cells are allowed).
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_CONTROL_MESSAGE = ("управляющий символ в тексте (в значении он показан как [U+…], например ESC "
                    "escape-последовательностей терминала): удалите его — ожидался обычный текст")


def _normalised(text: pd.Series) -> pd.Series:
    """:func:`normalise_header` of a column of cells, once per distinct value (missing stays missing)."""
    text = text.astype(TEXT)
    return text.map({value: normalise_header(value) for value in text.dropna().unique()})


def convert_column(raw: RawTable, header: str, col: Column) -> tuple[pd.Series, list[Problem]]:
    """Convert one column of text cells to its typed form, reporting every bad cell."""
    text = raw.frame.iloc[:, list(raw.frame.columns).index(header)]  # the first of repeated headers
    present = text.notna()
    problems: list[Problem] = []
    if not col.nullable and col.required:
        problems += _cell_problems(raw, header, ~present, text, "пустая ячейка: значение обязательно")

    kind = col.kind
    if kind in ("id", "text"):
        limit = col.max_length or TEXT_LIMIT
        lengths = text.astype(TEXT).str.len()
        problems += _cell_problems(raw, header, lengths > limit, text,
                                   lambda r: f"слишком длинное значение: {int(lengths.loc[r])} символов, "
                                             f"ожидалось не больше {limit}")
        control = text.astype(TEXT).str.contains(_CONTROL, regex=True).fillna(False).astype(bool)
        problems += _cell_problems(raw, header, control, text, _CONTROL_MESSAGE)
        rejected = ((lengths > limit).fillna(False).astype(bool) | control)
        return text.astype("string").str.strip().where(~rejected), problems
    if kind == "code":
        mapped = _normalised(text).map(col.allowed)
        allowed = ", ".join(sorted(set(col.allowed.values())))
        problems += _cell_problems(raw, header, present & mapped.isna(), text,
                                   f"неизвестный код: ожидалось одно из значений {allowed}")
        return mapped.astype("string"), problems
    if kind == "flag":
        mapped = _normalised(text).map(_FLAG_SPELLINGS)
        problems += _cell_problems(raw, header, present & mapped.isna(), text,
                                   "ожидалось 1 (да) или 0 (нет)")
        return mapped.astype("Int64"), problems

    number, reason = _parse_number(text, kind)
    not_number = present & number.isna()
    explained = not_number & reason.notna()
    expected = "ожидалось целое число" if kind in ("int", "year") else "ожидалось число"
    problems += _cell_problems(raw, header, explained, text, lambda r: reason.loc[r])
    problems += _cell_problems(raw, header, not_number & ~explained, text, expected)
    if kind in ("int", "year"):
        fractional = number.notna() & (number != np.floor(number))
        problems += _cell_problems(raw, header, fractional, text, "ожидалось целое число, а не дробное")
        number = number.where(~fractional)
    if kind == "int":
        huge = number.abs() > INT_LIMIT
        problems += _cell_problems(raw, header, huge, text,
                                   f"слишком большое число: ожидалось целое число не больше {INT_LIMIT:_}"
                                   .replace("_", " "))
        number = number.where(~huge)

    out_of_range = pd.Series(False, index=number.index)
    if kind == "year":
        low, high = 2000, current_year()
        problems += _cell_problems(raw, header, number < low, text,
                                   f"ожидался год проведения не ранее {low}")
        problems += _cell_problems(raw, header, number > high, text,
                                   f"год в будущем: ожидался год не позднее {high}")
        out_of_range |= (number < low) | (number > high)
    elif kind == "pct":
        problems += _cell_problems(raw, header, (number < 0) | (number > 100), text,
                                   "ожидался процент от 0 до 100")
        out_of_range |= (number < 0) | (number > 100)
    else:
        problems += _cell_problems(raw, header, number < 0, text,
                                   "отрицательное значение: ожидалось число ≥ 0")
        out_of_range |= number < 0
    if col.min_value is not None or col.max_value is not None:
        lo = -np.inf if col.min_value is None else col.min_value
        hi = np.inf if col.max_value is None else col.max_value
        bad = ((number < lo) | (number > hi)) & ~out_of_range.fillna(False).astype(bool)
        problems += _cell_problems(raw, header, bad, text, f"ожидалось значение от {lo:g} до {hi:g}")
        out_of_range |= (number < lo) | (number > hi)
    # a reported cell is blanked so that cross-column checks do not report it again
    number = number.where(~out_of_range.fillna(False).astype(bool))
    if kind in ("int", "year"):
        return number.round().astype("Int64"), problems
    return number.astype("Float64"), problems


def convert_table(raw: RawTable, table: Table) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Map headers and convert every column; return the typed frame and all problems.

    The frame keeps the Excel row numbers as its index and holds only canonical columns.
    It is ``None`` when a required column is missing.
    """
    mapping, problems = map_headers(raw, table)
    if any(col.required and col.name not in mapping.values() for col in table.columns):
        return None, problems
    if "school_id" in table.column_names:
        raw, found = drop_total_rows(raw, next((h for h, n in mapping.items() if n == "school_id"), None))
        problems += found
    columns = {}
    for header, name in mapping.items():
        try:
            col = table.column(name)
        except KeyError:  # an extra numeric column of an open table
            col = Column(name, name, "float", required=False)
        columns[name], found = convert_column(raw, header, col)
        problems += found
    frame = pd.DataFrame(columns, index=raw.frame.index)
    for col in table.columns:
        if col.name not in frame:
            frame[col.name] = pd.Series(pd.NA, index=frame.index, dtype=_empty_dtype(col))
    ordered = [c.name for c in table.columns] + [c for c in frame.columns if c not in table.column_names]
    frame = frame[ordered]
    headers = {name: header for header, name in mapping.items()}
    if table.name == "results":
        subject = frame["subject"].astype(object)
        frame["subject"] = _normalised(subject).map(SUBJECT_SPELLINGS).fillna(subject).astype("string")
        problems += check_results(frame, raw, headers)
    if table.name == "roadmap":
        problems += check_roadmap_dates(frame, raw, headers)
    if table.name == "tasks":
        subject = frame["subject"].astype(object)
        frame["subject"] = _normalised(subject).map(SUBJECT_SPELLINGS).fillna(subject).astype("string")
        problems += check_tasks(frame, raw, headers)
    problems += check_keys(frame, raw, table, headers)
    frame.attrs["headers"] = headers
    return frame, problems


def drop_total_rows(raw: RawTable, id_header: str | None) -> tuple[RawTable, list[Problem]]:
    """The table without its total rows («Итого», «Всего»), and a warning for each.

    Totals are computed from the schools' rows; a total row typed under them is no school and
    would otherwise give an error in every column.
    """
    rows = total_rows(raw.frame, id_header)
    if not len(rows):
        return raw, []
    first = raw.frame.loc[rows].astype(object).bfill(axis=1).iloc[:, 0]
    problems = [Problem(raw.file, f"строка итогов («{shown(first.loc[row], 60)}») пропущена: в таблице нужны "
                                  "только строки школ, итоги считаются по ним", sheet=raw.sheet, row=int(row),
                        severity="warning") for row in rows]
    return RawTable(raw.frame.drop(index=rows), raw.file, raw.sheet, raw.notes), problems


def _empty_dtype(col: Column) -> str:
    return {"int": "Int64", "year": "Int64", "flag": "Int64", "float": "Float64",
            "pct": "Float64"}.get(col.kind, "string")


def check_keys(frame: pd.DataFrame, raw: RawTable, table: Table,
               headers: dict[str, str]) -> list[Problem]:
    """Report rows that repeat the table's key, naming the first row with the same key."""
    optional = {c.name for c in table.columns if not c.required}
    key = [k for k in table.key if k in frame or k not in optional]
    if any(k not in frame for k in key):
        return []
    keyed = frame[key].copy()
    for k in key:  # an empty optional key cell (a road map without plans) is one value, not a hole
        if k in optional:
            keyed[k] = keyed[k].astype(object).where(keyed[k].notna(), "")
    keyed = keyed.dropna()
    dup = keyed.duplicated(keep=False)
    if not dup.any():
        return []
    problems = []
    first_row: dict[tuple, int] = {}
    repeated = keyed[dup].astype(str)
    for row, values in zip(repeated.index, map(tuple, repeated.values)):
        if values in first_row:
            listed = ", ".join(f"{k}={shown(v, 60)}" for k, v in zip(key, values))
            problems.append(Problem(
                raw.file, f"повтор ключа ({listed}): такая же строка уже есть в строке {first_row[values]}",
                sheet=raw.sheet, row=int(row), column=headers.get(key[-1], key[-1])))
        else:
            first_row[values] = int(row)
    return problems


def check_tasks(frame: pd.DataFrame, raw: RawTable, headers: dict[str, str]) -> list[Problem]:
    """Cross-column checks of the tasks table: the sum of scores fits participants × maximum."""
    h = headers.get
    over = frame["score_sum"] > frame["participants"] * frame["max_score"]
    problems = _cell_problems(
        raw, h("score_sum", "score_sum"), over, frame["score_sum"],
        lambda r: f"сумма баллов ({frame.at[r, 'score_sum']}) больше, чем участников × максимальный балл "
                  f"({frame.at[r, 'participants']} × {frame.at[r, 'max_score']}): ожидалось "
                  "score_sum ≤ participants × max_score")
    return problems + _grade_problems(frame, raw, h("grade", "grade"))


def _grade_problems(frame: pd.DataFrame, raw: RawTable, header: str) -> list[Problem]:
    """Rows whose grade is not one the procedure is held in (ВПР 4–8, ОГЭ 9, ЕГЭ 11)."""
    problems: list[Problem] = []
    for code, grades in PROCEDURE_GRADES.items():
        bad = (frame["procedure"] == code) & ~frame["grade"].isin(grades) & frame["grade"].notna()
        allowed = ", ".join(str(g) for g in grades)
        problems += _cell_problems(
            raw, header, bad, frame["grade"],
            lambda r, c=code, a=allowed: f"{PROCEDURES[c]} не проводится в этом классе: ожидался класс {a}")
    return problems


def check_results(frame: pd.DataFrame, raw: RawTable, headers: dict[str, str]) -> list[Problem]:
    """Cross-column checks of the results table."""
    problems: list[Problem] = []
    h = headers.get
    over = frame["low_count"] > frame["participants"]
    problems += _cell_problems(
        raw, h("low_count", "low_count"), over, frame["low_count"],
        lambda r: f"низких результатов ({frame.at[r, 'low_count']}) больше, чем участников "
                  f"({frame.at[r, 'participants']}): ожидалось low_count ≤ participants")
    marks = ["mark3", "mark4", "mark5"]
    if all(frame[m].notna().any() for m in marks):
        full = frame[marks + ["low_count", "participants"]].notna().all(axis=1)
        total = frame["low_count"] + frame["mark3"] + frame["mark4"] + frame["mark5"]
        problems += _cell_problems(
            raw, h("participants", "participants"), full & (total != frame["participants"]), frame["participants"],
            lambda r: f"сумма отметок «2»–«5» ({total.loc[r]}) не равна числу участников "
                      f"({frame.at[r, 'participants']})")
    return problems + _grade_problems(frame, raw, h("grade", "grade"))


def check_school_ids(frame: pd.DataFrame, raw: RawTable, known: set[str],
                     header: str, schools_file: str) -> list[Problem]:
    """Report rows whose ``school_id`` is not in the schools table."""
    ids = frame["school_id"]
    unknown = ids.notna() & ~ids.isin(known)
    return _cell_problems(raw, header, unknown, ids, f"код школы не найден в справочнике школ «{schools_file}»")


# ---------------------------------------------------------------------------- road-map dates
_EXCEL_EPOCH = _dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system (its 1900-02-29 included)
#: Serial numbers of the days 1954-10-04 .. 2119-01-08: a plain number there is almost surely a date.
_SERIAL_DAYS = (20_000, 80_000)


def _excel_day(number: float) -> _dt.date:
    return _EXCEL_EPOCH + _dt.timedelta(days=int(number))


def check_roadmap_dates(frame: pd.DataFrame, raw: RawTable, headers: dict[str, str]) -> list[Problem]:
    """Excel serial numbers (``45200``) where a road map expects a date are errors naming the date.

    A date cell formatted as «Общий» in Excel, or exported to CSV from such a cell, holds
    the number of the day; it is not converted silently: the message names the date it
    stands for and asks to write the date itself. ``completed_on`` accepts no plain number
    at all; ``deadline`` only serial-looking five-digit ones (a year such as «2021» is a
    valid deadline).
    """
    problems: list[Problem] = []
    for column in ("completed_on", "deadline"):
        if column not in headers:
            continue
        text = frame[column].astype(TEXT).str.strip()
        numeric = text.str.fullmatch(r"\d+(?:[.,]0+)?").fillna(False).astype(bool)
        number = pd.to_numeric(text.where(numeric).str.replace(",", ".", regex=False), errors="coerce")
        serial = numeric & number.between(*_SERIAL_DAYS)

        def message(row):
            day = _excel_day(number.loc[row])
            return (f"похоже на номер дня в Excel ({int(number.loc[row])} — это {day:%d.%m.%Y}), а не на дату: "
                    f"впишите дату как {day:%d.%m.%Y} или {day:%Y-%m-%d} (или задайте ячейке формат «Дата»)")

        problems += _cell_problems(raw, headers[column], serial, text, message)
        if column == "completed_on":
            problems += _cell_problems(raw, headers[column], numeric & ~serial, text,
                                       "число вместо даты выполнения: ожидалась дата вида 28.10.2020 или 2020-10-28")
    return problems


# ---------------------------------------------------------------------------- look-alike names and codes
_LATIN = "AaBCcEeHKkMOoPpTXxYy"
_CYRILLIC = "АаВСсЕеНКкМОоРрТХхУу"
_TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)
_LETTERS = re.compile(r"[^\W\d_]+")


def skeleton(text: str) -> str:
    """What a value looks like: two values with one skeleton are hard to tell apart on screen.

    NFKC form, invisible characters dropped, runs of spaces collapsed, Latin letters that look
    Cyrillic read as Cyrillic, case and «ё» ignored.
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    text = _SPACES.sub(" ", text).strip()
    return text.translate(_TO_CYRILLIC).casefold().replace("ё", "е")


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return "latin" if name.startswith("LATIN") else "cyrillic" if name.startswith("CYRILLIC") else None


def oddities(text: str) -> list[str]:
    """What makes a value differ from one typed plainly, in Russian (empty: nothing odd).

    Invisible and control characters, spaces other than the ordinary one, several spaces in a
    row, and Latin letters inside a Cyrillic word (or Cyrillic inside a Latin one).
    """
    found: list[str] = []
    for char in dict.fromkeys(str(text)):
        category = unicodedata.category(char)
        if char == " ":
            continue
        if category == "Cc":
            found.append(f"управляющий символ U+{ord(char):04X}")
        elif category in ("Cf", "Zl", "Zp", "Co", "Cn", "Cs"):
            found.append(f"невидимый символ U+{ord(char):04X}")
        elif category == "Zs":
            found.append(f"особый пробел U+{ord(char):04X}")
    if "  " in str(text):
        found.append("несколько пробелов подряд")
    for word in _LETTERS.findall(str(text)):
        scripts = [_script(c) for c in word]
        latin, cyrillic = scripts.count("latin"), scripts.count("cyrillic")
        if latin and cyrillic:
            minority, label = ("latin", "латинская") if latin <= cyrillic else ("cyrillic", "кириллическая")
            for char in dict.fromkeys(c for c, s in zip(word, scripts) if s == minority):
                found.append(f"{label} буква «{char}» (U+{ord(char):04X}) в слове «{shown(word)}»")
    return found


def _rows_text(rows: list[int]) -> str:
    head = ", ".join(str(r) for r in rows[:5]) + (f" и ещё {len(rows) - 5}" if len(rows) > 5 else "")
    return f"строка {head}" if len(rows) == 1 else f"строки {head}"


def _spelling(value: str, rows: list[int]) -> str:
    notes = [_rows_text(rows), *oddities(value)]
    return f"«{shown(value)}» ({', '.join(notes)})"


def lookalike_problems(raw: RawTable, header: str, values: pd.Series, what: str,
                       groups: bool = True) -> list[Problem]:
    """Warnings for values of one column that look like others or hold odd characters.

    Parameters
    ----------
    raw : RawTable
        The file, for the messages.
    header : str
        The column's header as written in the file.
    values : pandas.Series
        The column's values, indexed by Excel row.
    what : str
        What differing spellings would be, in Russian («разные муниципалитеты»).
    groups : bool
        Also report spellings that share a :func:`skeleton` (for the table that defines the values).
    """
    present = values.dropna().astype(object)

    def rows(value: str) -> list[int]:
        return [int(r) for r in present.index[present == value]]

    distinct = [str(v) for v in present.unique()]
    problems: list[Problem] = []
    grouped: set[str] = set()
    if groups:
        by_look: dict[str, list[str]] = {}
        for value in distinct:
            by_look.setdefault(skeleton(value), []).append(value)
        for spellings in by_look.values():
            if len(spellings) < 2:
                continue
            grouped.update(spellings)
            listed = "; ".join(_spelling(v, rows(v)) for v in spellings)
            problems.append(Problem(
                raw.file, f"похожие, но разные написания: {listed} — это {what}; если имелось в виду одно и то же, "
                          "исправьте написание", sheet=raw.sheet, row=rows(spellings[0])[0], column=header,
                severity="warning"))
    for value in distinct:
        odd = oddities(value)
        if odd and value not in grouped:
            where = rows(value)
            problems.append(Problem(
                raw.file, f"в значении {', '.join(odd)} ({_rows_text(where)}): такое значение не совпадёт с "
                          "набранным обычными буквами; проверьте написание", sheet=raw.sheet, row=where[0],
                column=header, value=value, severity="warning"))
    return problems


def check_lookalikes(frames: dict[str, pd.DataFrame], raws: dict[str, RawTable]) -> list[Problem]:
    """Look-alike and oddly written municipalities and school codes across the region's tables.

    In the schools table, spellings of ``municipality`` or ``school_id`` that look the same
    (:func:`skeleton`) but differ are listed together, and values with invisible characters,
    double spaces or mixed alphabets are named; in the other tables, odd school codes and
    road-map municipalities written unlike the schools table are.
    """
    problems: list[Problem] = []
    known: dict[str, str] = {}
    if "schools" in frames:
        schools, headers = frames["schools"], frames["schools"].attrs["headers"]
        problems += lookalike_problems(raws["schools"], headers["municipality"], schools["municipality"],
                                       "разные муниципалитеты")
        problems += lookalike_problems(raws["schools"], headers["school_id"], schools["school_id"],
                                       "разные коды школ")
        known = {skeleton(v): v for v in schools["municipality"].dropna().unique()}
    for name in ("results", "context", "monitoring"):
        if name in frames:
            header = frames[name].attrs["headers"]["school_id"]
            problems += lookalike_problems(raws[name], header, frames[name]["school_id"], "", groups=False)
    for name in ("roadmap", "municipal"):
        if name in frames and "municipality" in frames[name].attrs["headers"]:
            problems += _town_lookalikes(frames[name], raws[name], known)
    return problems


def _town_lookalikes(frame: pd.DataFrame, raw: RawTable, known: dict) -> list[Problem]:
    """Municipalities of a table keyed by municipality written unlike the schools table's."""
    problems: list[Problem] = []
    header = frame.attrs["headers"]["municipality"]
    towns = frame["municipality"]
    plain = towns.isin(set(known.values())) | towns.isna()
    for value in towns[~plain].dropna().astype(str).unique():
        where = [int(r) for r in towns.index[towns == value]]
        twin = known.get(skeleton(value))
        if twin is not None:
            odd = oddities(value) or ["другие буквы или пробелы"]
            problems.append(Problem(
                raw.file, f"муниципалитет написан не так, как в справочнике школ («{shown(twin)}»): "
                          f"{', '.join(odd)} ({_rows_text(where)}); строки не будут отнесены к "
                          f"«{shown(twin)}» — исправьте написание", sheet=raw.sheet, row=where[0],
                column=header, value=value, severity="warning"))
    problems += lookalike_problems(raw, header, towns[~plain & ~towns.astype(str).map(skeleton).isin(known)],
                                   "", groups=False)
    return problems
