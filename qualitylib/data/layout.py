"""The layouts people give their tables: title rows above the header, two-row headers, total rows,
files named in their own words.

The reader (:mod:`qualitylib.data.io`) asks :func:`find_header` where the header of a table is
among the first rows of a sheet or a CSV file, and :func:`join_header` merges a two-row header
(a merged group cell above its sub-columns) into one row of names the data contract knows.
Validation (:mod:`qualitylib.data.validation`) drops total rows (:func:`total_rows`).
:func:`guess_table` names the table a file that was not recognised most probably holds.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .schema import EXTENSIONS, TABLES, Table

_SPACES = re.compile(r"\s+")
#: How many rows from the top of a sheet are searched for the header.
HEADER_SEARCH_ROWS = 20
#: A cell that opens a total row: «Итого», «ВСЕГО:», «Итого по муниципалитету», «Всего по району».
#: The end of a header the reader skips silently: a column for the reader's eyes, not data.
REFERENCE_MARK = "(для справки)"
TOTAL_PATTERN = r"(?i)^\s*(?:итого|всего|итог)(?:\s.*|[:.]\s*.*)?$"


def normalise_header(text: str) -> str:
    """Lower-case, collapse spaces and replace «ё» so that header spellings compare equal."""
    return _SPACES.sub(" ", str(text).strip().lower().replace("ё", "е"))


def header_lookup(table: Table) -> dict[str, str]:
    """Every accepted header spelling of ``table`` (normalised) mapped to its canonical column."""
    lookup: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, col.title, *col.aliases):
            lookup[normalise_header(spelling)] = col.name
    return lookup


def _score(cells: list[str | None], lookup: dict[str, str]) -> int:
    """How many distinct columns of the table the cells name."""
    return len({lookup[normalise_header(c)] for c in cells if c and normalise_header(c) in lookup})


def header_score(names: list[str | None], table: Table) -> int:
    """How many distinct columns of ``table`` a row of header names names."""
    return _score(names, header_lookup(table))


def join_header(top: list[str | None], bottom: list[str | None], lookup: dict[str, str]) -> list[str]:
    """One row of column names from a two-row header.

    A group name spans its sub-columns (a merged cell keeps its text in the first of them only,
    so the top row is filled to the right until the next name). For each column the first of
    «группа: подстолбец», «группа подстолбец», «подстолбец», «группа» that the data contract knows
    is taken; a column it does not know is named «группа: подстолбец».

    Examples
    --------
    >>> from qualitylib.data.schema import CONTEXT
    >>> join_header(["Год", "1.3 Лаборатория", None], [None, "физика", "химия"], header_lookup(CONTEXT))
    ['Год', '1.3 Лаборатория: физика', '1.3 Лаборатория: химия']
    """
    width = max(len(top), len(bottom))
    top = list(top) + [None] * (width - len(top))
    bottom = list(bottom) + [None] * (width - len(bottom))
    filled, last = [], None
    for position, cell in enumerate(top):
        if cell:
            last = cell
        # a group spreads only over columns that have a name of their own below it
        filled.append(cell or (last if bottom[position] else None))
    names = []
    for group, sub in zip(filled, bottom):
        group, sub = (group or "").strip(), (sub or "").strip()
        if not sub or sub == group:
            names.append(group)
            continue
        if not group:
            names.append(sub)
            continue
        candidates = (f"{group}: {sub}", f"{group} {sub}", f"{group}, {sub}", sub, group)
        known = next((c for c in candidates if normalise_header(c) in lookup), None)
        names.append(known or f"{group}: {sub}")
    return names


@dataclass(frozen=True)
class Header:
    """Where a table's header is among the rows of a sheet.

    Attributes
    ----------
    start : int
        Position (0-based) of the header's first row among the rows given.
    depth : int
        1 for a one-row header, 2 for a two-row header.
    names : list of str
        The column names (joined for a two-row header).
    """

    start: int
    depth: int
    names: list[str]


def _blank(row: list[str | None]) -> bool:
    return not any(c and str(c).strip() for c in row)


def find_header(rows: list[list[str | None]], table: Table | None) -> Header | None:
    """Find the header of ``table`` among the first :data:`HEADER_SEARCH_ROWS` rows.

    The header is the row (or pair of rows, see :func:`join_header`) naming the most columns of
    the table; rows above it — a title, a date, an empty line — are not part of the table. On a
    tie the lower of two one-row headers is not taken over the upper, and a one-row header is
    preferred to a two-row one that names no more columns. Without a table, or when no row names
    any of its columns, the first non-empty row is the header. ``None`` when every row is empty.
    """
    first = next((i for i, row in enumerate(rows) if not _blank(row)), None)
    if first is None:
        return None
    plain = Header(first, 1, [(c or "").strip() for c in rows[first]])
    if table is None:
        return plain
    lookup = header_lookup(table)
    best, best_key = plain, (0, 0, 0)
    for i in range(first, min(len(rows), HEADER_SEARCH_ROWS)):
        if _blank(rows[i]):
            continue
        single = _score(rows[i], lookup)
        options = [((single, 1, -i), Header(i, 1, [(c or "").strip() for c in rows[i]]))]
        if i + 1 < len(rows) and not _blank(rows[i + 1]):
            joined = join_header(rows[i], rows[i + 1], lookup)
            double = _score(joined, lookup)
            if double > max(single, _score(rows[i + 1], lookup)):
                options.append(((double, 0, -i), Header(i, 2, joined)))
        for key, header in options:
            if key > best_key:
                best, best_key = header, key
    return best if best_key[0] > 0 else plain


def skipped_note(rows: list[list[str | None]], header: Header) -> str | None:
    """A warning text when rows above the header hold more than titles (several filled cells).

    A title, a date or a note above a table (one filled cell a row, as a merged title is) is
    skipped silently; a row with several values may be lost data, and is named.
    """
    busy = [i for i in range(header.start) if sum(1 for c in rows[i] if c and str(c).strip()) > 1]
    if not busy:
        return None
    return (f"строки над заголовком ({', '.join(str(i + 1) for i in busy)}) не прочитаны: заголовок "
            "таблицы найден ниже, в строке " + str(header.start + 1)
            + "; если в этих строках данные, перенесите их под заголовок")


def total_rows(frame: pd.DataFrame, id_header: str | None) -> pd.Index:
    """Rows of a raw table that hold totals («Итого», «Всего»), not a school.

    A row is a total row when its first filled cell opens with «Итого», «Всего» or «Итог» and
    its school code (``id_header``) is empty or that same word.
    """
    if frame.empty:
        return frame.index[:0]
    # the first filled cell of each row (a row-wise back-fill), a column at a time: in a table of
    # schools the first column is filled in nearly every row
    first = frame.iloc[:, 0].astype(object)
    for k in range(1, frame.shape[1]):
        missing = first.isna().to_numpy()
        if not missing.any():
            break
        first = first.where(~missing, frame.iloc[:, k].astype(object))
    opens = _total_word(first)
    if id_header is not None and id_header in frame.columns:
        code = frame.loc[:, id_header]
        if isinstance(code, pd.DataFrame):  # repeated headers: the first
            code = code.iloc[:, 0]
        opens &= code.isna().to_numpy() | _total_word(code.astype(object))
    return frame.index[opens]


def _total_word(cells: pd.Series) -> np.ndarray:
    """Whether each cell opens with a total word (:data:`TOTAL_PATTERN`); each distinct cell is matched once."""
    codes, uniques = pd.factorize(cells)
    hit = pd.Series(uniques, dtype=object).astype("string").str.match(TOTAL_PATTERN).fillna(False).to_numpy(dtype=bool)
    return np.append(hit, False)[codes]


def _plain_stem(text: str) -> str:
    return _SPACES.sub(" ", re.sub(r"[_\-.,()]+", " ", normalise_header(text))).strip()


def guess_table(file_name: str) -> Table | None:
    """The table a file that was not recognised most probably holds, or ``None``.

    A file whose name contains a table's name («Результаты ВПР и ГИА 2026.xlsx»,
    «schools_2026.csv») is taken for it; otherwise the closest name by spelling («шклы.csv»).

    Examples
    --------
    >>> guess_table("Результаты ВПР и ГИА 2026.xlsx").name
    'results'
    """
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    stem = _plain_stem(stem)
    names: dict[str, Table] = {}
    for table in TABLES.values():
        for name in (table.name, table.title, *table.file_aliases):
            names[_plain_stem(name)] = table
    words = f" {stem} "
    contained = [(len(n), t) for n, t in names.items() if f" {n} " in words or (len(n) > 5 and n in stem)]
    if contained:
        return max(contained, key=lambda item: item[0])[1]
    close = difflib.get_close_matches(stem, list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else None


def accepted_names(table: Table) -> str:
    """«results.csv, results.xlsx, результаты.csv или результаты.xlsx»."""
    files = [f"{name}{ext}" for name in (table.name, *table.file_aliases) for ext in EXTENSIONS]
    return ", ".join(f"«{f}»" for f in files[:-1]) + f" или «{files[-1]}»"
