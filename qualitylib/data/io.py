"""Reading table files (CSV in UTF-8 or cp1251 with ``,`` or ``;``, or XLSX) as raw text.

The reader does not interpret values: every cell comes back as a string (missing for an
empty cell) so that validation can report the value exactly as the user wrote it. Row numbers are kept as Excel shows them (the header is row 1).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from xml.etree import ElementTree
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..exceptions import EmptyTableError, Problem, TableReadError
from .files import atomic_path, file_hash  # noqa: F401  (the writers and readers of this floor use them from here)
from .layout import (
    HEADER_SEARCH_ROWS, Header, accepted_names, find_header, guess_table, header_score, skipped_note,
)
from .schema import EXTENSIONS, TABLES, Table

_SEPARATORS = (";", ",", "\t")
#: Dtype of raw text cells read from CSV (pyarrow-backed: vectorised string kernels).
TEXT = "string[pyarrow]"


@dataclass
class RawTable:
    """A table read from a file, every cell as text.

    Attributes
    ----------
    frame : pandas.DataFrame
        Cells as text, missing when empty (Arrow strings for CSV, objects for XLSX); the
        index is the row number as Excel shows it.
    file : str
        File name for messages.
    sheet : str or None
        Sheet name for XLSX.
    notes : list of Problem
        Warnings about the layout (rows above the header that were not read).
    """

    frame: pd.DataFrame
    file: str
    sheet: str | None = None
    notes: list[Problem] = field(default_factory=list)


#: Table formats the reader does not open, and what they are called in messages.
OTHER_FORMATS = {
    ".xls": "старом формате Excel (.xls)",
    ".xlsb": "двоичном формате Excel (.xlsb)",
    ".xlsm": "формате Excel с макросами (.xlsm)",
    ".ods": "формате OpenDocument (.ods)",
}
#: Longest value (in characters) echoed in a message; longer ones are cut.
SHOWN_LIMIT = 200
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _invisible(char: str) -> bool:
    """A character a reader cannot see or tell from another: controls, format marks, odd spaces."""
    if char == " ":
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")


def shown(value, limit: int = SHOWN_LIMIT) -> str:
    """A value as it may be printed in a message: invisible characters escaped, length cut.

    Control and format characters (zero-width spaces, ESC of ANSI sequences, tabs and line
    breaks) and spaces other than the ordinary one are written as ``[U+200B]``, so a message
    never moves the terminal's cursor or hides a difference; a value longer than ``limit``
    characters is cut and says how long it was.

    Examples
    --------
    >>> shown("S1\u200b")
    'S1[U+200B]'
    """
    text = str(value)
    cut = text[:limit]
    out = "".join(f"[U+{ord(c):04X}]" if _invisible(c) else c for c in cut)
    if len(text) > limit:
        out += f"… (обрезано, всего {len(text)} символов)"
    return out


def clean_problem(problem: Problem) -> Problem:
    """The problem with every text field passed through :func:`shown` (messages cut longer)."""
    def field(text, limit=SHOWN_LIMIT):
        return None if text is None else shown(text, limit)

    return Problem(shown(problem.file), shown(problem.message, 4000), sheet=field(problem.sheet),
                   row=problem.row, column=field(problem.column), value=field(problem.value),
                   severity=problem.severity)


def _names(table: Table) -> set[str]:
    return {table.name, *table.file_aliases}


def table_files(folder: Path, table: Table) -> list[Path]:
    """Every file of a region folder that may hold ``table``, sorted.

    A file matches when its stem, lower-cased, is the table's canonical name or one of its
    Russian aliases and its extension is ``.csv`` or ``.xlsx``.
    """
    names = _names(table)
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in EXTENSIONS and p.stem.lower() in names
    )


def find_table_file(folder: Path, table: Table) -> Path | None:
    """Return the file holding ``table`` in a region folder, or ``None``.

    ``None`` also when several files match (``schools.csv`` and ``школы.csv``): which one
    holds the table is then unknown, and :func:`locate_table` reports it.
    """
    candidates = table_files(folder, table)
    return candidates[0] if len(candidates) == 1 else None


def _unrecognised(folder: Path) -> list[Path]:
    """Files of the folder that are no table, no ``region.yaml`` and not hidden or Excel locks."""
    known = set().union(*(_names(t) for t in TABLES.values()))
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and p.name != "region.yaml"
        and not (p.suffix.lower() in (*EXTENSIONS, *OTHER_FORMATS) and p.stem.lower() in known)
    )


def locate_table(folder: Path, table: Table) -> tuple[Path | None, list[Problem]]:
    """Find the file of ``table`` and say what is wrong with the folder around it.

    Returns
    -------
    file : Path or None
        The one file holding the table; ``None`` when there is none or several.
    problems : list of Problem
        Several files of the table (an error naming them all); a file of the table in a
        format that is not read, such as ``.xls`` (an error when it is the only one, else a
        warning); a missing required table (an error listing the folder's unrecognised files).
    """
    candidates = table_files(folder, table)
    others = sorted(p for p in folder.iterdir()
                    if p.is_file() and p.suffix.lower() in OTHER_FORMATS and p.stem.lower() in _names(table))
    problems: list[Problem] = []
    if len(candidates) > 1:
        names = ", ".join(f"«{p.name}»" for p in candidates)
        problems.append(Problem(candidates[0].name, f"найдено несколько файлов таблицы «{table.title}»: {names}; "
                                                    "оставьте один из них, остальные удалите или переименуйте"))
        return None, problems
    if candidates:
        problems += [Problem(p.name, f"файл не читается (он в {OTHER_FORMATS[p.suffix.lower()]}) и не "
                                     f"используется: таблица «{table.title}» прочитана из «{candidates[0].name}»",
                             severity="warning") for p in others]
        return candidates[0], problems
    if others:
        problems += [Problem(p.name, f"таблица «{table.title}» сохранена в {OTHER_FORMATS[p.suffix.lower()]}, "
                                     "который не читается: откройте файл в Excel и сохраните его как .xlsx или .csv")
                     for p in others]
        return None, problems
    if table.required:
        message = (f"нет таблицы «{table.title}»: ожидался файл {accepted_names(table)} в папке {folder}")
        strangers = _unrecognised(folder)
        if strangers:
            listed = "; ".join(_stranger_text(p) for p in strangers[:20])
            more = f" и ещё {len(strangers) - 20}" if len(strangers) > 20 else ""
            message += (f". В папке есть файлы, не распознанные как таблицы: {listed}{more}. Если таблица "
                        f"«{table.title}» в одном из них, переименуйте его в «{table.file_aliases[0]}"
                        f"{strangers[0].suffix.lower() if strangers[0].suffix.lower() in EXTENSIONS else '.xlsx'}»")
        problems.append(Problem(f"{table.name}.csv", message))
    return None, problems


def _stranger_text(path: Path) -> str:
    """«Результаты ВПР 2026.xlsx» (похоже на таблицу «Результаты»: ожидалось имя «результаты.xlsx»)."""
    guess = guess_table(path.name)
    if guess is None or path.suffix.lower() not in (*EXTENSIONS, *OTHER_FORMATS):
        return f"«{path.name}»"
    suffix = path.suffix.lower() if path.suffix.lower() in EXTENSIONS else ".xlsx"
    return (f"«{path.name}» (похоже на таблицу «{guess.title}»: ожидалось имя «{guess.file_aliases[0]}{suffix}» "
            f"или «{guess.name}{suffix}»)")


def unrecognised_problems(folder: Path) -> list[Problem]:
    """A warning for each file of a region folder that is read as no table, with the nearest name.

    Examples of the text: «файл не распознан как таблица и не прочитан: похоже на таблицу
    «Результаты» — переименуйте его в «результаты.xlsx» (или «results.xlsx»)».
    """
    problems = []
    for path in _unrecognised(folder):
        guess = guess_table(path.name) if path.suffix.lower() in (*EXTENSIONS, *OTHER_FORMATS) else None
        if guess is not None:
            suffix = path.suffix.lower() if path.suffix.lower() in EXTENSIONS else ".xlsx"
            message = (f"файл не распознан как таблица и не прочитан: похоже на таблицу «{guess.title}» — "
                       f"переименуйте его в «{guess.file_aliases[0]}{suffix}» (или «{guess.name}{suffix}»)")
        else:
            names = ", ".join(f"{t.file_aliases[0]} ({t.name})" for t in TABLES.values())
            message = ("файл не распознан как таблица и не прочитан; таблицы называются так: "
                       f"{names} — с расширением .xlsx или .csv")
        problems.append(Problem(path.name, message, severity="warning"))
    return problems


def decode_text(data: bytes) -> str:
    """Decode CSV bytes as UTF-8 (with or without BOM), falling back to cp1251."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def detect_separator(text: str) -> str:
    """Pick the field separator from the header line: the most frequent of ``;``, ``,``, tab."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:4096] or data[:4] == b"PK\x03\x04" or data[:5] == b"%PDF-"


def read_csv_raw(path: Path, display: str, table: Table | None = None) -> RawTable:
    """Read a CSV file as text cells, detecting encoding and separator.

    With ``table``, the header is looked for among the first rows (:func:`find_header`): title
    rows above it are skipped and a two-row header is joined.
    """
    data = path.read_bytes()
    if not data.strip():
        raise TableReadError(Problem(display, "файл пуст: ожидалась таблица с заголовком и строками"))
    if _looks_binary(data):
        raise TableReadError(Problem(
            display, "файл не является таблицей CSV (похоже на двоичный файл); "
                     "ожидался текст CSV в кодировке UTF-8 или Windows-1251"))
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise TableReadError(Problem(
            display, "файл не является таблицей CSV (текст не читается ни в UTF-8, ни в Windows-1251); "
                     "ожидался текст CSV в кодировке UTF-8 или Windows-1251")) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sep, found, head = detect_separator(text), None, None
    if table is not None:
        sep, found, head = _csv_header(text, table, sep)
    if found is not None and (found.start, found.depth) != (0, 1):  # title rows or a two-row header
        frame = _careful_csv(text, sep, display, found)
        note = skipped_note(head, found)
        return RawTable(frame, display, None, [Problem(display, note, severity="warning")] if note else [])
    frame = _fast_csv(text, sep) if '"' not in text else None
    if frame is None:
        frame = _careful_csv(text, sep, display)
    return RawTable(frame, display)


def _csv_header(text: str, table: Table, default: str) -> tuple[str, Header | None, list[list[str]]]:
    """The separator and header position under which the first rows name most columns of ``table``."""
    lines = [line[:10_000] for line in text.split("\n")[:HEADER_SEARCH_ROWS + 1]]  # a header cell is short
    best = (default, None, [], -1)
    for sep in (default, *(s for s in _SEPARATORS if s != default)):
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
        except csv.Error:  # a broken quote: the ordinary reader reports it
            continue
        rows = [[c.strip() or None for c in row] for row in rows]
        found = find_header(rows, table)
        if found is None:
            continue
        score = header_score(found.names, table)
        if score > best[3]:
            best = (sep, found, rows, score)
    return best[0], best[1], best[2]


def _fast_csv(text: str, sep: str) -> pd.DataFrame | None:
    """Unquoted CSV through pandas' C parser; ``None`` when a line has the wrong number of fields.

    Row numbers stay those of the file: blank lines are read as empty rows and dropped
    after numbering.
    """
    lines = text.split("\n")
    width = lines[0].count(sep)
    if any(line.count(sep) != width for line in lines[1:] if line.strip()):
        return None  # the careful reader names each bad row
    # header=None keeps repeated header names as written (pandas would rename them)
    # Arrow strings: strip and the later parsing run as vectorised kernels, not per cell in Python
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=TEXT, keep_default_na=False, skip_blank_lines=False,
                        header=None)
    header = [str(h).strip() for h in frame.iloc[0]]
    body = frame.iloc[1:]
    index = pd.Index(body.index + 1, name="row")  # file line numbers: the header is line 1
    cells = {}
    for position in range(len(header)):
        column = body.iloc[:, position].str.strip()
        cells[position] = column.mask(column == "").to_numpy()
    out = pd.DataFrame(cells, index=index).astype(TEXT)
    out.columns = header
    return out[out.notna().any(axis=1)]


def _careful_csv(text: str, sep: str, display: str, found: Header | None = None) -> pd.DataFrame:
    """The csv module, row by row: quoted fields, and a problem for every row of the wrong width.

    ``found`` places the header lower (title rows above it) or over two rows; by default it is
    the first line.
    """
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    # Excel row numbers: the physical line of each record (records never span lines
    # in these tables; a quoted newline would shift numbers, which we accept).
    if found is None:
        header, body = [h.strip() for h in rows[0]], 1
    else:
        header, body = list(found.names), found.start + found.depth
        while header and not header[-1] and all(len(r) < len(header) or not r[len(header) - 1].strip()
                                                for r in rows[body:]):
            header.pop()  # trailing separators of a title row widen nothing
    width = len(header)
    records, index, problems = [], [], []
    for number, row in enumerate(rows[body:], start=body + 1):
        if not any(cell.strip() for cell in row):
            continue
        if found is not None and len(row) > width and not any(c.strip() for c in row[width:]):
            row = row[:width]
        if len(row) != width:
            problems.append(Problem(
                display, f"в строке {len(row)} полей, а в заголовке {width}: проверьте "
                         f"разделитель «{sep}» и кавычки", row=number))
            continue
        records.append([cell.strip() or None for cell in row])
        index.append(number)
    if problems:
        raise TableReadError(*problems)
    return pd.DataFrame(records, columns=header, index=pd.Index(index, name="row"), dtype=object)


def _xlsx_cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if pd.isna(value):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if hasattr(value, "hour") and not (
            value.hour or value.minute or value.second) else value.isoformat()
    text = str(value).strip()
    return text or None


def read_xlsx_raw(path: Path, display: str, table: Table | None = None) -> RawTable:
    """Read the table's sheet of an XLSX workbook as text cells.

    The sheet named after the table (canonical or Russian title) is used when present,
    otherwise the first sheet.
    """
    if path.stat().st_size == 0:
        raise TableReadError(Problem(display, "файл пуст: ожидалась книга Excel с таблицей"))
    if not zipfile.is_zipfile(path):
        raise TableReadError(Problem(display, _not_a_workbook(path)))
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - calamine is a declared dependency
        CalamineWorkbook = None
    try:
        if CalamineWorkbook is not None:
            book = CalamineWorkbook.from_path(str(path))
            names = book.sheet_names
            sheet = _pick_sheet(names, table)
            rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        else:
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            sheet = _pick_sheet(book.sheetnames, table)
            rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    except Exception as exc:  # a broken or foreign zip, an encrypted book
        raise TableReadError(Problem(
            display, f"файл не удалось прочитать как книгу Excel ({type(exc).__name__}): "
                     "ожидалась таблица XLSX")) from exc
    formulas = _formulas_without_values(path, sheet)
    if formulas:
        count, first = formulas
        raise TableReadError(Problem(
            display, f"файл сохранён без значений формул: откройте и сохраните его в Excel "
                     f"({_cells(count)}, например {first}, содержат формулу без вычисленного значения; "
                     "так бывает с файлами, созданными программой, а не Excel)", sheet=sheet))
    cells = [[_xlsx_cell_text(v) for v in row] for row in rows]
    found = find_header(cells[:HEADER_SEARCH_ROWS + 1], table)
    if found is None:
        raise TableReadError(Problem(display, "лист пуст: ожидалась таблица с заголовком", sheet=sheet))
    header = list(found.names)
    while header and not header[-1]:
        header.pop()
    width = len(header)
    records, index = [], []
    body = found.start + found.depth
    for number, row in enumerate(cells[body:], start=body + 1):
        row = (row + [None] * width)[:width]
        if any(row):
            records.append(row)
            index.append(number)
    frame = pd.DataFrame(records, columns=header, index=pd.Index(index, name="row"), dtype=object)
    note = skipped_note(cells, found)
    notes = [Problem(display, note, sheet=sheet, severity="warning")] if note else []
    return RawTable(frame, display, sheet, notes)


def _not_a_workbook(path: Path) -> str:
    """Why a ``.xlsx`` that is no zip archive cannot be read: a password, an old ``.xls``, else unknown."""
    with open(path, "rb") as fh:
        data = fh.read(64 << 20)
    if data.startswith(_OLE2):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return ("книга Excel защищена паролем и не может быть прочитана: снимите пароль "
                    "(Файл → Сведения → Защита книги → Зашифровать с использованием пароля, очистите поле) "
                    "и сохраните книгу снова")
        return ("файл — книга Excel старого формата (.xls) с расширением .xlsx: откройте его в Excel и "
                "сохраните как «Книга Excel (.xlsx)» или CSV")
    return "файл не является книгой Excel (.xlsx): сохраните его в формате XLSX или CSV"


def _cells(count: int) -> str:
    """«1 ячейка», «4 ячейки», «5 ячеек»."""
    if count % 10 == 1 and count % 100 != 11:
        word = "ячейка"
    elif 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        word = "ячейки"
    else:
        word = "ячеек"
    return f"{count} {word}"


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _sheet_part(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the worksheet named ``sheet`` (``None`` when not found)."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for node in workbook.iter(f"{_MAIN}sheet"):
        if node.get("name") == sheet:
            target = targets.get(node.get(f"{_REL}id"), "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return re.sub(r"[^/]+/\.\./", "", target)
    return None


def _formulas_without_values(path: Path, sheet: str) -> tuple[int, str] | None:
    """Count the cells of ``sheet`` with a formula and no cached value, and name the first.

    Programs that write workbooks (openpyxl, many exports) store formulas without their
    results; a reader sees empty cells. ``None`` when every formula has its value.
    """
    with zipfile.ZipFile(path) as book:
        part = _sheet_part(book, sheet)
        if part is None or part not in book.namelist():
            return None
        with book.open(part) as fh:
            data = fh.read()
    if b"<f" not in data and b":f" not in data:
        return None
    count, first = 0, None
    try:
        for _, node in ElementTree.iterparse(io.BytesIO(data)):
            if node.tag == f"{_MAIN}c":
                formula, value = node.find(f"{_MAIN}f"), node.find(f"{_MAIN}v")
                if formula is not None and (value is None or not (value.text or "").strip()):
                    count += 1
                    first = first or node.get("r")
                node.clear()
    except ElementTree.ParseError:
        return None
    return (count, first or "?") if count else None


def _pick_sheet(names: list[str], table: Table | None) -> str:
    if table is not None:
        wanted = {table.name, table.title.lower(), *table.file_aliases}
        for name in names:
            if name.strip().lower() in wanted:
                return name
    return names[0]


def read_raw(path: Path, table: Table | None = None, display: str | None = None) -> RawTable:
    """Read a CSV or XLSX file as text cells.

    Raises
    ------
    TableReadError
        When the file is empty, not a table, or has malformed rows.
    """
    path = Path(path)
    display = display or path.name
    try:
        if path.suffix.lower() == ".xlsx":
            raw = read_xlsx_raw(path, display, table)
        else:
            raw = read_csv_raw(path, display, table)
    except PermissionError:
        raise TableReadError(Problem(display, "нет прав на чтение файла: проверьте права доступа "
                                              "или закройте файл в другой программе")) from None
    except OSError as exc:
        raise TableReadError(Problem(display, f"файл не удалось прочитать ({exc.strerror or type(exc).__name__}): "
                                              "проверьте, что он доступен")) from None
    if raw.frame.empty:
        raise EmptyTableError(Problem(
            display, "в таблице нет ни одной строки данных под заголовком", sheet=raw.sheet))
    return raw


#: First characters that make a spreadsheet read a CSV field as a formula (OWASP «CSV injection»).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")


def is_formula_text(value) -> bool:
    """Whether ``value`` is text a spreadsheet would take for a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, except a plain
    number written as text (``-5``, ``+1,5``), which a spreadsheet reads as that number.

    Examples
    --------
    >>> is_formula_text("=HYPERLINK(1)"), is_formula_text("-2+3"), is_formula_text("-5"), is_formula_text(-5)
    (True, True, False, False)
    """
    return isinstance(value, str) and value[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.match(value)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula-like text field (:func:`is_formula_text`) prefixed by ``'``.

    The OWASP rule for CSV files opened in a spreadsheet: the apostrophe makes the field plain
    text. Numbers (negative ones included) and other text are untouched; column names are
    treated the same way. ``frame`` itself is not changed; it is returned as is when no field
    needs the prefix.
    """
    changed: dict[str, pd.Series] = {}
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if not (pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)
                or isinstance(series.dtype, pd.CategoricalDtype)):
            continue
        text = series.astype(object) if isinstance(series.dtype, pd.CategoricalDtype) else series
        starts = text.str.match(_FORMULA_START, na=False).astype(bool)
        if not starts.any():
            continue
        risky = starts & ~text.str.match(_PLAIN_NUMBER, na=False).astype(bool)
        if risky.any():
            fixed = text.astype(object).copy()
            fixed[risky.to_numpy()] = "'" + fixed[risky.to_numpy()].astype(str)
            changed[position] = fixed
    names = ["'" + c if is_formula_text(c) else c for c in frame.columns]
    if not changed and names == list(frame.columns):
        return frame
    out = frame.copy()
    for position, fixed in changed.items():
        out.isetitem(position, fixed.to_numpy())
    out.columns = names
    return out


def write_csv_atomic(frame: pd.DataFrame, target: str | os.PathLike, encoding: str = "utf-8", **kwargs) -> Path:
    """Write ``frame`` as UTF-8 CSV to ``target`` atomically (temp file, then rename).

    ``encoding="utf-8-sig"`` adds the byte-order mark by which Russian Excel recognises UTF-8;
    other ``kwargs`` go to :meth:`pandas.DataFrame.to_csv` (``sep``, ``decimal``).

    Formula-like text fields are written with a leading ``'`` (:func:`neutralise_formulas`),
    so that a spreadsheet opening the file shows them as text and runs nothing; when a text
    field holds a carriage return, every text field is quoted.
    """
    frame = neutralise_formulas(frame)
    if "quoting" not in kwargs and _has_carriage_return(frame):
        # the csv module quotes a field with "\n" but not one with a lone "\r" (which a reader
        # takes for a line end): quote every text field then
        kwargs["quoting"] = csv.QUOTE_NONNUMERIC
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, encoding=encoding, lineterminator="\n", **kwargs)
    return Path(target)


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
            if series.str.contains("\r", regex=False, na=False).astype(bool).any():
                return True
    return any("\r" in str(c) for c in frame.columns)
