"""Reading a road map (METHODOLOGY §5): deadlines, statuses and completion dates written as text.

A road map item has a deadline written as free text («Октябрь 2020 года», «Сентябрь,
январь, апрель», «Весь период», «по графику БУ ДПО «КРИПКРО»» ...). :func:`parse_deadline`
turns it into a :class:`Deadline` -- a kind and the last day by which the item is due --
and never guesses: a text that fits none of the forms below is ``"unparsed"`` with a
reason code saying why (:data:`REASONS`; their Russian notes are
:func:`qualitylib.views.monitoring.deadline_note`). :func:`read_roadmap` reads a whole
ROADMAP table: deadlines, the status words and the completion dates; the execution state
is :func:`qualitylib.rules.roadmap.roadmap_status`.

Deadline forms (case, «ё», hyphen/en dash/em dash and spaces do not matter)
-------------------------------------------------------------------------------
``date``
    Months with a year: «Октябрь 2020 года», «Декабрь 2020», «в октябре 2020 г.»,
    «Октябрь-ноябрь 2020 года», «Июль – август 2021 год», «с сентября по ноябрь 2020»,
    «Декабрь 2020 – январь 2021»; any grammatical form of the month name
    (октябрь/октября/октябре), the year followed by «г.», «г», «гг.», «год», «года», «году»
    or nothing. Due: the last day of the last month. Also exact days («28.10.2020»,
    «до 28 октября 2020 г.», «не позднее 01.09.2021») -- due that day -- and quarters or
    half-years of a year («IV квартал 2020 г.», «I полугодие 2021») -- due their last day.
``year_range``
    «2021-2022г.», «2021–2022 гг.», «2021 год», «в течение 2021 года»: due 31 December of
    the last year. An academic year («2020-2021 учебный год», «2020/2021 уч. г.»): due
    31 August of its second year. A range without «учебный» is read as calendar years
    (the later of the two readings, so it never makes an item overdue too early).
``month_in_period``
    Months without a year («Август», «Август, сентябрь», «Сентябрь, январь, апрель»):
    placed inside the programme ``period``. Due: the last day of the *last listed*
    month's first occurrence at or after the period start (the period 2020-09-01 ..
    2021-08-31 makes «Сентябрь, январь, апрель» due 2021-04-30). Without a period, or
    when that month falls after the period end, the deadline is ``"unparsed"``.
``periodic``
    Recurring or continuous work: «ежегодно», «ежемесячно», «в течение (учебного) года»,
    «весь период», «постоянно», «регулярно», «по графику ...», «по плану ...», «согласно
    графику», «в соответствии с графиком ...», «по мере необходимости», «2 раза в год»,
    «каждую четверть», «по итогам четверти». Due: the year or academic year named in the
    text if any («в соответствии с графиком проведения в 2020-2021 учебном году» ->
    2021-08-31), else the period end; ``None`` when neither is known.
``unparsed``
    Anything else, including an empty cell. Abbreviated month names («окт.») are not read.

Statuses and completion dates (:func:`read_roadmap`)
----------------------------------------------------
The ``status`` column is read as ``done`` («выполнено», also «выполнен», «выполнена», «да»,
«done»; case-insensitive), ``in_progress`` («в работе», «в процессе», «выполняется»),
``not_started`` («не начато», «не начат», «нет» or empty) or ``unknown`` (any other word).
``completed_on`` is ISO ``2020-10-28`` or ``28.10.2020`` (a time of day is ignored).
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

#: Reason codes of a deadline: how its due date was obtained, or why it could not be.
REASONS = {
    "date": ("day", "month", "quarter", "half"),
    "year_range": ("academic_year", "calendar_year"),
    "month_in_period": ("month_in_period",),
    "periodic": ("periodic_academic_year", "periodic_year", "periodic_period_end", "periodic_no_period"),
    "unparsed": ("empty", "no_such_day", "quarters_order", "range_order", "months_order",
                 "last_month_without_year", "no_period", "outside_period", "unknown_form"),
}

#: Status codes of :func:`read_status`.
STATUS_CODES = ("done", "in_progress", "not_started", "unknown")

#: Status spellings (lower case, «ё» as «е», single spaces).
DONE_WORDS = frozenset({"выполнено", "выполнен", "выполнена", "да", "done"})
IN_PROGRESS_WORDS = frozenset({"в работе", "в процессе", "выполняется", "in progress", "in_progress"})
NOT_STARTED_WORDS = frozenset({"не начато", "не начат", "не начата", "нет", "not started",
                               "not_started", ""})

Period = tuple[date, date]


@dataclass(frozen=True)
class Deadline:
    """One road map deadline, read from its text.

    Parameters
    ----------
    kind : str
        ``"date"``, ``"year_range"``, ``"month_in_period"``, ``"periodic"`` or
        ``"unparsed"`` (see the module docstring).
    end : datetime.date or None
        The last day by which the item is due; ``None`` when unknown.
    text : str
        The deadline as written.
    reason : str
        How the due date was obtained, or for ``"unparsed"`` why it could not be: one of
        :data:`REASONS` of the kind.
    detail : tuple
        What the reason refers to: the quarter or half-year number (``quarter``, ``half``),
        the two years (``academic_year``), the programme period (``month_in_period``,
        ``outside_period``); empty otherwise.
    """

    kind: str
    end: date | None
    text: str
    reason: str
    detail: tuple = ()


_MONTH_STEMS = (("январ", 1), ("феврал", 2), ("март", 3), ("апрел", 4), ("ма", 5), ("июн", 6),
                ("июл", 7), ("август", 8), ("сентябр", 9), ("октябр", 10), ("ноябр", 11),
                ("декабр", 12))
_MONTH = (r"(?:январ[ьяею]|феврал[ьяею]|март[ауе]?|апрел[ьяею]|ма[йяею]|июн[ьяею]|"
          r"июл[ьяею]|август[ауе]?|сентябр[ьяею]|октябр[ьяею]|ноябр[ьяею]|декабр[ьяею])")
_YEAR = r"(?:19|20)\d{2}"
_YEAR_WORD = r"(?:год(?:ов|а|у|ы)?|гг?)(?!\w)\.?"
_ACADEMIC_WORD = r"уч(?:ебн\w*)?\.?\s*г(?:од\w*)?(?!\w)\.?"

_DASHES = str.maketrans({"–": "-", "—": "-", "−": "-", "‑": "-", "‐": "-", "ё": "е",
                         "\u00a0": " ", "\u202f": " "})

_LEAD = re.compile(r"(?:(?:в|во|с|со)\s+)?")
_MONTH_ITEM = re.compile(rf"({_MONTH})\b(?:\s*({_YEAR})\s*(?:{_YEAR_WORD})?)?")
_SEPARATOR = re.compile(r"\s*(?:,|-|/|;)\s*(?:и\s+)?|\s+(?:и|по|до)\s+")
_DAY_PREFIX = r"(?:(?:до|к|по|не\s+позднее|не\s+позже)\s+)?"
_NUMERIC_DAY = re.compile(rf"{_DAY_PREFIX}(\d{{1,2}})\.(\d{{1,2}})\.({_YEAR})\s*(?:{_YEAR_WORD})?")
_WORD_DAY = re.compile(rf"{_DAY_PREFIX}(\d{{1,2}})\s+({_MONTH})\s+({_YEAR})\s*(?:{_YEAR_WORD})?")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = re.compile(rf"(?:в\s+)?(iv|i{{1,3}}|[1-4])(?:\s*-\s*(iv|i{{1,3}}|[1-4]))?\s*(?:-?(?:й|ом|ого))?"
                      rf"\s+квартал\w*\s+({_YEAR})\s*(?:{_YEAR_WORD})?")
_HALF = re.compile(rf"(?:в\s+)?(ii|i|[12]|перв\w*|втор\w*)\s*(?:-?(?:е|ое|ом|м))?\s+полугоди\w*\s+"
                   rf"({_YEAR})\s*(?:{_YEAR_WORD})?")
_YEAR_LEAD = r"(?:(?:в\s+течение|в|на)\s+)?"
_YEAR_RANGE = re.compile(rf"{_YEAR_LEAD}({_YEAR})\s*[-/]\s*(\d{{4}}|\d{{2}})\s*"
                         rf"(?:({_ACADEMIC_WORD})|{_YEAR_WORD})?")
_SINGLE_YEAR = re.compile(rf"{_YEAR_LEAD}({_YEAR})\s*(?:{_YEAR_WORD})?")

_PERIODIC = re.compile(r"""
    ежегодн|ежемесячн|ежекварт|еженедел|ежедневн|ежеполугод
  | \bпостоянн | \bсистематическ | \bрегулярн
  | \bвесь\s+период | \bвсего\s+период | \bна\s+протяжении
  | \bв\s+течени[еи]\s+(?:всего\s+)?(?:(?:учебного|календарного|отчетного)\s+)?
        (?:года|периода|срока|программы|реализации)
  | \bв\s+течени[еи]\s+\d{4}
  | \b(?:по|согласно)\s+(?:графику|плану|расписанию|календарю)
  | \bв\s+соответствии\s+с\s+(?:графиком|планом|расписанием|календарем)
  | \bпо\s+мере\s+(?:необходимости|поступления)
  | \bраза?\s+в\s+(?:год|полугодие|четверть|квартал|месяц|неделю)
  | \bкажд(?:ый|ого|ую|ое|ые|ых|ой)\s+(?:год|месяц|квартал|четверт|полугоди|недел|учебн)
  | \bпо\s+итогам\s+(?:каждой\s+|каждого\s+)?(?:четверти|триместра|полугодия|учебного\s+года|года)
""", re.X)
_PERIODIC_ACADEMIC = re.compile(rf"({_YEAR})\s*[-/]\s*(\d{{4}}|\d{{2}})\s*{_ACADEMIC_WORD}")
_PERIODIC_YEARS = re.compile(rf"({_YEAR})(?:\s*[-/]\s*(\d{{4}}|\d{{2}}))?\s*(?:гг?\b|год)")


def as_date(value) -> date:
    """A date from a ``date``, ``datetime``, ``Timestamp`` or ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _as_period(period) -> Period | None:
    if period is None:
        return None
    start, end = (as_date(v) for v in period)
    if start > end:
        raise ValueError(f"Период программы задан неверно: начало {start:%d.%m.%Y} позже "
                         f"конца {end:%d.%m.%Y}.")
    return start, end


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_number(word: str) -> int:
    for stem, number in _MONTH_STEMS:
        if word.startswith(stem):
            return number
    raise ValueError(word)  # unreachable: the word matched _MONTH


def _normalise(text: str) -> str:
    """Lower case, «ё» -> «е», dashes -> «-», single spaces, no trailing punctuation."""
    s = text.lower().translate(_DASHES)
    s = re.sub(r"\s+", " ", s).strip()
    return s.rstrip(" .,;:").strip()


def _second_year(first: int, second: str) -> int | None:
    """The second year of «2021-2022» / «2021-22», or None when it is not after the first."""
    year = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    return year if year > first else None


def _month_sequence(s: str) -> list[tuple[int, int | None]] | None:
    """Months with optional years, e.g. «октябрь-ноябрь 2020»; None when ``s`` is not one."""
    pos = _LEAD.match(s).end()
    items = []
    while True:
        m = _MONTH_ITEM.match(s, pos)
        if m is None:
            return None
        items.append((_month_number(m.group(1)), int(m.group(2)) if m.group(2) else None))
        pos = m.end()
        if pos == len(s):
            return items
        sep = _SEPARATOR.match(s, pos)
        if sep is None or sep.end() == len(s):
            return None
        pos = sep.end()


def _exact_day(s: str) -> date | None | bool:
    """An exact day («28.10.2020», «до 28 октября 2020 г.»); False when ``s`` is not one."""
    m = _NUMERIC_DAY.fullmatch(s)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _WORD_DAY.fullmatch(s)
        if not m:
            return False
        day, month, year = int(m.group(1)), _month_number(m.group(2)), int(m.group(3))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _periodic_end(s: str) -> tuple[date, str] | None:
    """The end of the academic year or the last year named in a periodic deadline, and its reason."""
    academic = [(int(a), _second_year(int(a), b)) for a, b in _PERIODIC_ACADEMIC.findall(s)]
    academic = [y for _, y in academic if y is not None]
    if academic:
        year = max(academic)
        return date(year, 8, 31), "periodic_academic_year"
    years = []
    for first, second in _PERIODIC_YEARS.findall(s):
        last = _second_year(int(first), second) if second else int(first)
        if last is not None:
            years.append(last)
    if years:
        return date(max(years), 12, 31), "periodic_year"
    return None


def parse_deadline(text: str, period: tuple[date, date] | None = None) -> Deadline:
    """Read a road map deadline written as text.

    Parameters
    ----------
    text : str
        The deadline as written in the road map («Октябрь-ноябрь 2020 года», «Август»,
        «Весь период» ...). ``None`` or NaN is read as an empty deadline.
    period : tuple of datetime.date, optional
        ``(start, end)`` of the programme. Needed for months named without a year and
        gives the due date of periodic items.

    Returns
    -------
    Deadline
        Its kind, due date (``end``), the text and the reason code (:data:`REASONS`). The
        rules are in the module docstring; a text that fits none of them is ``"unparsed"``.

    Raises
    ------
    ValueError
        When the period starts after it ends.

    Examples
    --------
    >>> parse_deadline("Октябрь-ноябрь 2020 года").end
    datetime.date(2020, 11, 30)
    >>> parse_deadline("Сентябрь, январь, апрель", (date(2020, 9, 1), date(2021, 8, 31))).end
    datetime.date(2021, 4, 30)
    """
    period = _as_period(period)
    original = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    s = _normalise(original)
    if not s:
        return Deadline("unparsed", None, original, "empty")

    day = _exact_day(s)
    if day is None:
        return Deadline("unparsed", None, original, "no_such_day")
    if day:
        return Deadline("date", day, original, "day")

    m = _QUARTER.fullmatch(s)
    if m:
        first = _ROMAN[m.group(1)]
        last = _ROMAN[m.group(2)] if m.group(2) else first
        if last < first:
            return Deadline("unparsed", None, original, "quarters_order")
        end = _month_end(int(m.group(3)), last * 3)
        return Deadline("date", end, original, "quarter", (last,))
    m = _HALF.fullmatch(s)
    if m:
        half = 2 if m.group(1) in ("ii", "2") or m.group(1).startswith("втор") else 1
        end = _month_end(int(m.group(2)), half * 6)
        return Deadline("date", end, original, "half", (half,))

    m = _YEAR_RANGE.fullmatch(s)
    if m:
        first = int(m.group(1))
        last = _second_year(first, m.group(2))
        if last is None:
            return Deadline("unparsed", None, original, "range_order")
        if m.group(3):
            return Deadline("year_range", date(last, 8, 31), original, "academic_year", (first, last))
        return Deadline("year_range", date(last, 12, 31), original, "calendar_year")
    m = _SINGLE_YEAR.fullmatch(s)
    if m:
        return Deadline("year_range", date(int(m.group(1)), 12, 31), original, "calendar_year")

    months = _month_sequence(s)
    if months is not None:
        return _months_deadline(months, original, period)

    if _PERIODIC.search(s):
        named = _periodic_end(s)
        if named is not None:
            return Deadline("periodic", named[0], original, named[1])
        if period is not None:
            return Deadline("periodic", period[1], original, "periodic_period_end")
        return Deadline("periodic", None, original, "periodic_no_period")

    return Deadline("unparsed", None, original, "unknown_form")


def _months_deadline(months: list[tuple[int, int | None]], original: str,
                     period: Period | None) -> Deadline:
    """Deadline of a list or range of months (with or without years)."""
    dated = [(y, mo) for mo, y in months if y is not None]
    if dated and dated != sorted(dated):
        return Deadline("unparsed", None, original, "months_order")
    month, year = months[-1]
    if year is not None:
        return Deadline("date", _month_end(year, month), original, "month")
    if dated:
        return Deadline("unparsed", None, original, "last_month_without_year")
    if period is None:
        return Deadline("unparsed", None, original, "no_period")
    start, stop = period
    year = start.year if month >= start.month else start.year + 1
    if date(year, month, 1) > stop:
        return Deadline("unparsed", None, original, "outside_period", (start, stop))
    return Deadline("month_in_period", _month_end(year, month), original, "month_in_period", (start, stop))


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as plain strings ('' for missing), dates written as ISO."""
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    col = frame[column]
    if pd.api.types.is_datetime64_any_dtype(col):
        col = col.dt.strftime("%Y-%m-%d")
    values = col.astype(object).where(col.notna(), "")
    return values.map(lambda v: v.isoformat() if isinstance(v, date) else str(v)).str.strip()


def _parse_completed(text: pd.Series) -> pd.Series:
    """``2020-10-28`` or ``28.10.2020`` (time of day ignored) -> datetime, else NaT."""
    iso = text.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
    ru = text.str.extract(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s*г\.?)?$")
    parts = pd.DataFrame({"year": iso[0].fillna(ru[2]), "month": iso[1].fillna(ru[1]),
                          "day": iso[2].fillna(ru[0])}).astype("float64")
    return pd.to_datetime(parts, errors="coerce")


def _period_of(period, municipality) -> Period | None:
    if isinstance(period, Mapping):
        return period.get(municipality)
    return period


def read_status(status: pd.Series) -> pd.Series:
    """Status words as codes: ``done``, ``in_progress``, ``not_started`` or ``unknown``."""
    words = status.str.lower().str.replace("ё", "е").str.replace(r"\s+", " ", regex=True)
    codes = np.select([words.isin(DONE_WORDS), words.isin(IN_PROGRESS_WORDS), words.isin(NOT_STARTED_WORDS)],
                      ["done", "in_progress", "not_started"], default="unknown")
    return pd.Series(codes, index=status.index, dtype=object)


def read_roadmap(roadmap: pd.DataFrame,
                 period: tuple[date, date] | Mapping[str, tuple[date, date]] | None = None) -> pd.DataFrame:
    """A road map with its deadlines, statuses and completion dates read.

    Parameters
    ----------
    roadmap : pandas.DataFrame
        The ROADMAP table (``deadline`` required; ``status``, ``completed_on``,
        ``municipality`` used when present).
    period : tuple of datetime.date or mapping, optional
        Programme ``(start, end)``; or a mapping municipality -> ``(start, end)`` when the
        table holds the road maps of several programmes (a municipality not in the
        mapping has no period).

    Returns
    -------
    pandas.DataFrame
        A copy of ``roadmap`` with added columns ``deadline_kind``, ``due`` (datetime, NaT
        when unknown), ``deadline_reason`` (:data:`REASONS`), ``period_start`` and
        ``period_end`` (the programme period the deadline was read in, NaT when none),
        ``status_code`` (:func:`read_status`), ``completed_given`` (the ``completed_on``
        cell is not empty) and ``completed_date`` (datetime, NaT when missing or unreadable).

    Raises
    ------
    ValueError
        When a period starts after it ends.
    """
    if not isinstance(period, Mapping):
        period = _as_period(period)
    else:
        period = {town: _as_period(p) for town, p in period.items()}
    out = roadmap.copy()
    index = out.index
    deadlines = out["deadline"] if "deadline" in out else pd.Series(None, index=index, dtype=object)
    towns = out["municipality"] if "municipality" in out else pd.Series(None, index=index, dtype=object)
    periods = [_period_of(period, town) for town in towns.astype(object)]
    parsed = [parse_deadline(None if pd.isna(text) else text, p)
              for text, p in zip(deadlines.astype(object), periods)]
    completed_text = text_column(out, "completed_on")
    out["deadline_kind"] = pd.Series([d.kind for d in parsed], index=index, dtype=object)
    out["due"] = pd.to_datetime(pd.Series([d.end for d in parsed], index=index, dtype=object))
    out["deadline_reason"] = pd.Series([d.reason for d in parsed], index=index, dtype=object)
    out["period_start"] = pd.to_datetime(pd.Series([p[0] if p else None for p in periods], index=index,
                                                   dtype=object))
    out["period_end"] = pd.to_datetime(pd.Series([p[1] if p else None for p in periods], index=index,
                                                 dtype=object))
    out["status_code"] = read_status(text_column(out, "status"))
    out["completed_given"] = completed_text != ""
    out["completed_date"] = _parse_completed(completed_text)
    return out
