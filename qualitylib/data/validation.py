"""Validation of raw tables against the data contract, vectorised, reporting every problem.

Each check works on whole columns and turns the failing cells into :class:`Problem`
records naming the file, sheet, Excel row, column, value and what was expected.
"""
from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from .io import TEXT, RawTable
from ..exceptions import Problem
from .schema import PROCEDURE_GRADES, PROCEDURES, SUBJECT_SPELLINGS, Column, Table

_SPACES = re.compile(r"\s+")
_FLAG_SPELLINGS = {"1": 1, "0": 0, "да": 1, "нет": 0, "yes": 1, "no": 0, "true": 1, "false": 0,
                   "1.0": 1, "0.0": 0}


def normalise_header(text: str) -> str:
    """Lower-case, collapse spaces and replace «ё» so that header spellings compare equal."""
    return _SPACES.sub(" ", str(text).strip().lower().replace("ё", "е"))


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


def _parse_number(text: pd.Series) -> pd.Series:
    """Numbers as written by people: spaces and no-break spaces dropped, decimal comma, a trailing «%»."""
    cleaned = (text.astype(TEXT).str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
               .str.replace(",", ".", regex=False).str.rstrip("%"))
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")


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
        return text.astype("string").str.strip(), problems
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

    number = _parse_number(text)
    not_number = present & number.isna()
    if kind in ("int", "year"):
        problems += _cell_problems(raw, header, not_number, text, "ожидалось целое число")
        fractional = number.notna() & (number != np.floor(number))
        problems += _cell_problems(raw, header, fractional, text, "ожидалось целое число, а не дробное")
        number = number.where(~fractional)
    else:
        problems += _cell_problems(raw, header, not_number, text, "ожидалось число")

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
    problems += check_keys(frame, raw, table, headers)
    frame.attrs["headers"] = headers
    return frame, problems


def _empty_dtype(col: Column) -> str:
    return {"int": "Int64", "year": "Int64", "flag": "Int64", "float": "Float64",
            "pct": "Float64"}.get(col.kind, "string")


def check_keys(frame: pd.DataFrame, raw: RawTable, table: Table,
               headers: dict[str, str]) -> list[Problem]:
    """Report rows that repeat the table's key, naming the first row with the same key."""
    key = list(table.key)
    if any(k not in frame for k in key):
        return []
    keyed = frame[key].dropna()
    dup = keyed.duplicated(keep=False)
    if not dup.any():
        return []
    problems = []
    first_row: dict[tuple, int] = {}
    repeated = keyed[dup].astype(str)
    for row, values in zip(repeated.index, map(tuple, repeated.values)):
        if values in first_row:
            shown = ", ".join(f"{k}={v}" for k, v in zip(key, values))
            problems.append(Problem(
                raw.file, f"повтор ключа ({shown}): такая же строка уже есть в строке {first_row[values]}",
                sheet=raw.sheet, row=int(row), column=headers.get(key[-1], key[-1])))
        else:
            first_row[values] = int(row)
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
    for code, grades in PROCEDURE_GRADES.items():
        bad = (frame["procedure"] == code) & ~frame["grade"].isin(grades) & frame["grade"].notna()
        allowed = ", ".join(str(g) for g in grades)
        problems += _cell_problems(
            raw, h("grade", "grade"), bad, frame["grade"],
            lambda r, c=code, a=allowed: f"{PROCEDURES[c]} не проводится в этом классе: ожидался класс {a}")
    return problems


def check_school_ids(frame: pd.DataFrame, raw: RawTable, known: set[str],
                     header: str, schools_file: str) -> list[Problem]:
    """Report rows whose ``school_id`` is not in the schools table."""
    ids = frame["school_id"]
    unknown = ids.notna() & ~ids.isin(known)
    return _cell_problems(raw, header, unknown, ids, f"код школы не найден в справочнике школ «{schools_file}»")
