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
    Also, with their own reasons: a schedule that is not in the data («По отдельному графику
    ТИРО и ПК», «по графику БУ ДПО «КРИПКРО»» -- ``schedule_not_given``; «ежегодно по отдельному
    графику» is yearly), a date set by events («По мере проведения процедур…» --
    ``event_driven``), and a dated deadline before the calendar year in which the period starts
    («Февраль, 2019 г.» in a plan for 2021–2024 -- ``before_period``).

Recurring deadlines (:func:`deadline_occurrences`)
--------------------------------------------------
A recurring deadline -- months without a year, «ежегодно», «в течение года», «N раз в год» --
becomes one occurrence per programme year (or round) with its own due date; :func:`read_roadmap`
with ``occurrences=True`` gives one row per occurrence, the k-th completion date of the item
(dates separated by «;») belonging to its k-th occurrence.

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
    "periodic": ("periodic_academic_year", "periodic_year", "periodic_period_end", "periodic_no_period",
                 "periodic_each_year", "periodic_times_a_year"),
    "unparsed": ("empty", "no_such_day", "quarters_order", "range_order", "months_order",
                 "last_month_without_year", "no_period", "outside_period", "before_period",
                 "schedule_not_given", "event_driven", "unknown_form"),
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


_SCHEDULE = re.compile(r"\b(?:(?:по|согласно)\s+(?:отдельному\s+|утвержденному\s+)?графику"
                       r"|в\s+соответствии\s+с\s+(?:отдельным\s+)?графиком)")
_EVENT = re.compile(r"\bпо\s+мере\s+проведения")
_MONTH_COMMA_YEAR = re.compile(rf"({_MONTH})\s*,\s*({_YEAR})\s*(?:{_YEAR_WORD})?")


def parse_deadline(text: str, period: tuple[date, date] | None = None) -> Deadline:
    """Read a road map deadline written as text (the whole deadline; see :func:`deadline_occurrences`
    for its recurrences).

    A dated deadline that falls before the calendar year in which the period starts («Февраль,
    2019 г.» in a plan for 2021–2024) is ``"unparsed"`` with reason ``before_period``: such a date
    is a slip of the original and is listed, not counted as overdue. (A date just before the
    start, in the same year -- «Август 2021 г.» for a programme from 1 September 2021, the month
    it was approved -- is read as written.)

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
    deadline = _parse(text, period)
    if (period is not None and deadline.end is not None and deadline.kind in ("date", "year_range")
            and deadline.end < date(period[0].year, 1, 1)):
        return Deadline("unparsed", None, deadline.text, "before_period", period)
    return deadline


def _parse(text, period: Period | None) -> Deadline:
    """:func:`parse_deadline` without the check against the period start."""
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
    m = _MONTH_COMMA_YEAR.fullmatch(s)  # «Февраль, 2019 г.»
    if m:
        return Deadline("date", _month_end(int(m.group(2)), _month_number(m.group(1))), original, "month")

    if _EVENT.search(s):
        return Deadline("unparsed", None, original, "event_driven")
    if _SCHEDULE.search(s) and not re.search(r"ежегодн", s) and _periodic_end(s) is None:
        return Deadline("unparsed", None, original, "schedule_not_given")
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


_EACH_YEAR = re.compile(r"ежегодн|\bкажд(?:ый|ого)\s+(?:учебн\w*\s+)?год"
                        r"|\bв\s+течени[еи]\s+(?:(?:учебного|календарного)\s+)?года\b")
_TIMES_A_YEAR = re.compile(r"(?:не\s+менее\s+|не\s+реже\s+)?(\d|один|два|двух|три|трех|четыре|четырех)"
                           r"\s+раза?\s+в\s+(?:учебный\s+)?год")
_TIMES_WORDS = {"один": 1, "два": 2, "двух": 2, "три": 3, "трех": 3, "четыре": 4, "четырех": 4}
_PERIODIC_WORDS = re.compile(r"ежегодн\w*|\bв\s+течени[еи]\s+(?:учебного\s+)?года\b|[,;]")


def programme_years(period: Period) -> list[Period]:
    """The programme period cut into consecutive years from its start (the last one may be shorter).

    >>> programme_years((date(2022, 1, 1), date(2023, 6, 30)))
    [(datetime.date(2022, 1, 1), datetime.date(2022, 12, 31)), (datetime.date(2023, 1, 1), datetime.date(2023, 6, 30))]
    """
    start, stop = _as_period(period)
    years, k = [], 0
    while True:
        first = _add_years(start, k)
        if first > stop:
            return years
        last = min(_add_years(start, k + 1) - pd.Timedelta(days=1).to_pytimedelta(), stop)
        years.append((first, last))
        k += 1


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _month_at_or_after(day: date, month: int) -> date:
    """The last day of the first month ``month`` that starts at or after the month of ``day``."""
    year = day.year if month >= day.month else day.year + 1
    return _month_end(year, month)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def deadline_occurrences(text: str, period: Period | None = None) -> list[Deadline]:
    """The occurrences of a deadline: one per programme year or round of a recurring deadline.

    A recurring deadline becomes one occurrence per programme year (:func:`programme_years`) --
    or several, one per round -- each with its own due date, instead of a single date at the
    period's end:

    * months without a year, not consecutive («Сентябрь, январь, апрель») -- one round per month
      in each programme year, due at the end of that month's first occurrence in the year;
    * one month or consecutive months without a year («Август», «Август, сентябрь», «Ежегодно,
      май») -- one occurrence per programme year, due at the end of the last month's first
      occurrence in the year;
    * «ежегодно», «каждый год», «в течение (учебного) года» -- one per programme year, due at the
      year's end;
    * «N раз в год», «не менее N раз в год» -- N rounds per programme year, the k-th due at the end
      of the k-th of N equal parts of the year.

    Anything else -- a dated deadline, «весь период», «постоянно», an unreadable text, a recurring
    text that names its own year, or any text without a period -- is the single deadline of
    :func:`parse_deadline`. Occurrences that fall after the period end are left out.

    Returns
    -------
    list of Deadline
        In due-date order; ``detail`` of an occurrence is ``(k, n)``: its number and the count of
        occurrences.
    """
    period = _as_period(period)
    single = parse_deadline(text, period)
    if period is None or single.kind not in ("periodic", "month_in_period"):
        return [single]
    s = _normalise(single.text)
    if single.kind == "periodic" and single.reason != "periodic_period_end":
        return [single]  # the text names its own year
    years = programme_years(period)
    dues: list[tuple[date, str]] = []
    times = _TIMES_A_YEAR.search(s)
    months_text = _PERIODIC_WORDS.sub(" ", s).strip() if single.kind == "periodic" else s
    months = _month_sequence(re.sub(r"\s+", " ", months_text)) if months_text else None
    if months is not None and any(y is not None for _, y in months):
        months = None
    if months is not None and (single.kind == "month_in_period" or _EACH_YEAR.search(s)):
        numbers = [m for m, _ in months]
        consecutive = all((b - a) % 12 == 1 for a, b in zip(numbers, numbers[1:]))
        spans = consecutive or re.search(r"-|\bпо\b|\bдо\b", months_text) is not None
        for first, _last in years:
            if spans:
                dues.append((_month_at_or_after(first, numbers[-1]), "month_in_period"))
            else:
                dues.extend((_month_at_or_after(first, m), "month_in_period") for m in numbers)
    elif times is not None and single.kind == "periodic":
        word = times.group(1)
        n = int(word) if word.isdigit() else _TIMES_WORDS[word]
        if n < 1 or n > 12:
            return [single]
        for first, _last in years:
            dues.extend((_add_months(first, 12 * k // n) - pd.Timedelta(days=1).to_pytimedelta(),
                         "periodic_times_a_year") for k in range(1, n + 1))
    elif single.kind == "periodic" and _EACH_YEAR.search(s):
        dues.extend((last if last < period[1] else period[1], "periodic_each_year") for _first, last in years)
    else:
        return [single]
    dues = sorted({due: reason for due, reason in dues if due <= period[1]}.items())
    if not dues:
        return [single]
    kind = single.kind
    return [Deadline(kind, due, single.text, reason, (k, len(dues)))
            for k, (due, reason) in enumerate(dues, start=1)]


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as plain strings ('' for missing), dates written as ISO."""
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    col = frame[column]
    if pd.api.types.is_datetime64_any_dtype(col):
        col = col.dt.strftime("%Y-%m-%d")
    values = col.astype(object).where(col.notna(), "")
    return values.map(lambda v: v.isoformat() if isinstance(v, date) else str(v)).str.strip()


_DATE_SPLIT = re.compile(r"\s*[;,]\s*|\s+и\s+")


def _parse_one_date(text: str):
    """``2020-10-28`` or ``28.10.2020`` (time of day ignored) -> Timestamp, else NaT."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if m:
        year, month, day = m.groups()
    else:
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s*г\.?)?", text)
        if not m:
            return pd.NaT
        day, month, year = m.groups()
    try:
        return pd.Timestamp(int(year), int(month), int(day))
    except ValueError:
        return pd.NaT


def completion_dates(text: str) -> list | None:
    """The completion dates of a cell, earliest first (several dates -- one per occurrence of a
    recurring item -- are separated by «;», «,» or «и»); ``None`` when one of them is unreadable,
    ``[]`` for an empty cell."""
    text = text.strip()
    if not text:
        return []
    dates = [_parse_one_date(part) for part in _DATE_SPLIT.split(text) if part]
    if any(pd.isna(d) for d in dates):
        return None
    return sorted(dates)


def _parse_completed(text: pd.Series) -> pd.Series:
    """The latest completion date of each cell (datetime), NaT when missing or unreadable."""
    values = [completion_dates(t) for t in text]
    return pd.to_datetime(pd.Series([v[-1] if v else pd.NaT for v in values], index=text.index, dtype=object))


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
                 period: tuple[date, date] | Mapping[str, tuple[date, date]] | None = None, *,
                 plan_periods: Mapping[str, tuple[date, date]] | None = None,
                 occurrences: bool = False) -> pd.DataFrame:
    """A road map with its deadlines, statuses and completion dates read.

    Parameters
    ----------
    roadmap : pandas.DataFrame
        The ROADMAP table (``deadline`` required; ``status``, ``completed_on``,
        ``municipality``, ``plan`` used when present).
    period : tuple of datetime.date or mapping, optional
        Programme ``(start, end)``; or a mapping municipality -> ``(start, end)`` when the
        table holds the road maps of several programmes (a municipality not in the
        mapping has no period).
    plan_periods : mapping, optional
        Plan key -> ``(start, end)``: a plan's own period, used for its rows instead of the
        programme's.
    occurrences : bool
        ``False``: one row per item, its deadline read as a whole (:func:`parse_deadline`).
        ``True``: one row per occurrence of a recurring deadline (:func:`deadline_occurrences`),
        with columns ``occurrence`` (1, 2, ...) and ``occurrences`` (their count for the item).
        The k-th completion date of the item's ``completed_on`` (several dates separated by «;»)
        belongs to its k-th occurrence, which is then ``done``; an occurrence without a date takes
        the item's status (a recurring item marked «выполнено» is done in every occurrence, its
        missing dates reported).

    Returns
    -------
    pandas.DataFrame
        A copy of ``roadmap`` with added columns ``deadline_kind``, ``due`` (datetime, NaT
        when unknown), ``deadline_reason`` (:data:`REASONS`), ``deadline_detail`` (the
        :class:`Deadline` detail), ``period_start`` and ``period_end`` (the period the deadline
        was read in, NaT when none), ``status_code`` (:func:`read_status`), ``completed_given``
        (the ``completed_on`` cell, or for an occurrence its own date, is not empty) and
        ``completed_date`` (datetime, NaT when missing or unreadable); with ``occurrences``
        also ``occurrence`` and ``occurrences``.

    Raises
    ------
    ValueError
        When a period starts after it ends.
    """
    if not isinstance(period, Mapping):
        period = _as_period(period)
    else:
        period = {town: _as_period(p) for town, p in period.items()}
    plan_periods = {key: _as_period(p) for key, p in (plan_periods or {}).items()}
    out = roadmap.copy()
    index = out.index
    deadlines = out["deadline"] if "deadline" in out else pd.Series(None, index=index, dtype=object)
    towns = out["municipality"] if "municipality" in out else pd.Series(None, index=index, dtype=object)
    plans = text_column(out, "plan")
    periods = [plan_periods.get(plan) or _period_of(period, town) for town, plan in zip(towns.astype(object), plans)]
    texts = [None if pd.isna(text) else text for text in deadlines.astype(object)]
    completed_text = text_column(out, "completed_on")
    codes = read_status(text_column(out, "status"))
    if not occurrences:
        parsed = [[parse_deadline(text, p)] for text, p in zip(texts, periods)]
    else:
        parsed = [deadline_occurrences(text, p) for text, p in zip(texts, periods)]
    rows, extra = [], []
    for position, (label, found, p, given, code) in enumerate(zip(index, parsed, periods, completed_text, codes)):
        dates = completion_dates(given)
        n = len(found)
        for k, deadline in enumerate(found, start=1):
            if n == 1:
                own = given != ""
                day = dates[-1] if dates else pd.NaT
                state = code
            else:
                own = dates is None or k <= len(dates)
                day = dates[k - 1] if dates and k <= len(dates) else pd.NaT
                state = "done" if not pd.isna(day) else code
            rows.append(position)
            extra.append((deadline.kind, deadline.end, deadline.reason, deadline.detail,
                          p[0] if p else None, p[1] if p else None, state, own, day, k, n))
    out = out.iloc[rows].copy()
    columns = ["deadline_kind", "due", "deadline_reason", "deadline_detail", "period_start", "period_end",
               "status_code", "completed_given", "completed_date", "occurrence", "occurrences"]
    values = dict(zip(columns, zip(*extra))) if extra else {c: () for c in columns}
    for name in columns:
        column = pd.Series(list(values[name]), index=out.index, dtype=object)
        if name in ("due", "period_start", "period_end", "completed_date"):
            column = pd.to_datetime(column)
        elif name == "completed_given":
            column = column.astype(bool)
        elif name in ("occurrence", "occurrences"):
            column = column.astype("int64")
        out[name] = column
    if not occurrences:
        out = out.drop(columns=["occurrence", "occurrences"])
    else:
        out = out.reset_index(drop=True)
    return out
