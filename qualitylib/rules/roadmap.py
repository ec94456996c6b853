"""Monitoring of road maps (METHODOLOGY §5): deadlines, execution state, share done on time.

A road map item has a deadline written as free text («Октябрь 2020 года», «Сентябрь,
январь, апрель», «Весь период», «по графику БУ ДПО «КРИПКРО»» ...). :func:`parse_deadline`
turns it into a :class:`Deadline` -- a kind and the last day by which the item is due --
and never guesses: a text that fits none of the forms below is ``"unparsed"`` with a
Russian note saying what was expected.

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

Execution state (:func:`roadmap_status`)
----------------------------------------
Rules, in this order, with ``due`` the parsed deadline and ``as_of`` the monitoring date:

1. **done** -- the ``status`` column says «выполнено» (also «выполнен», «выполнена», «да»,
   «done»; case-insensitive). ``on_time`` is 1 when ``completed_on`` <= ``due``, or when
   the item is periodic without a due date and was completed; 0 when completed after
   ``due``; NaN when ``completed_on`` is missing or unreadable, or when the deadline is
   unparsed (the lateness is not guessed). ``completed_on`` is ISO ``2020-10-28`` or
   ``28.10.2020``.
2. **overdue** -- not done, ``due`` is known and ``due < as_of`` (strictly: an item due
   on the ``as_of`` day itself is not overdue). A periodic item without a due date is
   never overdue.
3. **unparsed_deadline** -- not done and the deadline could not be read: reported in
   ``problem``, never guessed.
4. **in_progress** -- «в работе» (also «в процессе», «выполняется»).
5. **not_started** -- «не начато», «не начат», «нет» or an empty status. A status that is
   none of the words above is also counted here, with a ``problem`` note.

The share done on time (:func:`roadmap_summary`) divides the items done on time *among
the items due by ``as_of``* (``due <= as_of``) by the number of those items, times 100:
an item done early but not yet due counts in neither, so the share never exceeds 100 %.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

#: Deadline kinds and their Russian titles.
KIND_TITLES = {
    "date": "месяц и год",
    "year_range": "год или учебный год",
    "month_in_period": "месяц в периоде программы",
    "periodic": "периодически или постоянно",
    "unparsed": "срок не распознан",
}

#: Execution states, in report order, and their Russian titles.
STATE_TITLES = {
    "done": "выполнено",
    "in_progress": "в работе",
    "overdue": "просрочено",
    "not_started": "не начато",
    "unparsed_deadline": "срок не распознан",
}
STATES = tuple(STATE_TITLES)

#: Columns of :func:`roadmap_summary` (after the grouping columns) and their Russian titles.
SUMMARY_TITLES = {
    **STATE_TITLES,
    "total": "всего мероприятий",
    "done_on_time": "выполнено в срок",
    "due_by_as_of": "срок наступил",
    "done_on_time_of_due": "выполнено в срок из тех, чей срок наступил",
    "share_done_on_time": "доля выполненных в срок, %",
}

#: Status spellings (lower case, «ё» as «е», single spaces).
DONE_WORDS = frozenset({"выполнено", "выполнен", "выполнена", "да", "done"})
IN_PROGRESS_WORDS = frozenset({"в работе", "в процессе", "выполняется", "in progress", "in_progress"})
NOT_STARTED_WORDS = frozenset({"не начато", "не начат", "не начата", "нет", "not started",
                               "not_started", ""})

#: Label of an item without a responsible body in the summary by body.
NO_BODY = "ответственный не указан"
#: Label of an empty grouping value in the summary.
NOT_GIVEN = "не указано"

UNPARSED_NOTE = ("срок не распознан: ожидался месяц и год («октябрь 2020»), диапазон месяцев, "
                 "учебный год или «ежегодно»/«в течение года»/«по графику»")
NO_PERIOD_NOTE = ("срок не распознан: месяц указан без года, а период программы не задан — "
                  "укажите период программы (начало и конец), чтобы отнести месяц к году")

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
    note : str
        Russian explanation: how the due date was obtained, or for ``"unparsed"`` what
        was expected.
    """

    kind: str
    end: date | None
    text: str
    note: str


# --------------------------------------------------------------------------- parsing

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


def _as_date(value) -> date:
    """A date from a ``date``, ``datetime``, ``Timestamp`` or ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _as_period(period) -> Period | None:
    if period is None:
        return None
    start, end = (_as_date(v) for v in period)
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


def _ru(day: date) -> str:
    return f"{day:%d.%m.%Y}"


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
    """The end of the academic year or the last year named in a periodic deadline."""
    academic = [(int(a), _second_year(int(a), b)) for a, b in _PERIODIC_ACADEMIC.findall(s)]
    academic = [y for _, y in academic if y is not None]
    if academic:
        year = max(academic)
        return date(year, 8, 31), f"конец {year - 1}-{year} учебного года"
    years = []
    for first, second in _PERIODIC_YEARS.findall(s):
        last = _second_year(int(first), second) if second else int(first)
        if last is not None:
            years.append(last)
    if years:
        return date(max(years), 12, 31), f"конец {max(years)} года"
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
        Its kind, due date (``end``), the text and a Russian note. The rules are in the
        module docstring; a text that fits none of them is ``"unparsed"``.

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
        return Deadline("unparsed", None, original,
                        "срок не указан: ожидался месяц и год («октябрь 2020»), диапазон месяцев, "
                        "учебный год или «ежегодно»/«в течение года»/«по графику»")

    day = _exact_day(s)
    if day is None:
        return Deadline("unparsed", None, original, "срок не распознан: такой даты нет в календаре")
    if day:
        return Deadline("date", day, original, f"срок до {_ru(day)}")

    m = _QUARTER.fullmatch(s)
    if m:
        first = _ROMAN[m.group(1)]
        last = _ROMAN[m.group(2)] if m.group(2) else first
        if last < first:
            return Deadline("unparsed", None, original, "срок не распознан: кварталы идут не по порядку")
        end = _month_end(int(m.group(3)), last * 3)
        return Deadline("date", end, original, f"срок до {_ru(end)} (конец {last}-го квартала)")
    m = _HALF.fullmatch(s)
    if m:
        half = 2 if m.group(1) in ("ii", "2") or m.group(1).startswith("втор") else 1
        end = _month_end(int(m.group(2)), half * 6)
        return Deadline("date", end, original, f"срок до {_ru(end)} (конец {half}-го полугодия)")

    m = _YEAR_RANGE.fullmatch(s)
    if m:
        first = int(m.group(1))
        last = _second_year(first, m.group(2))
        if last is None:
            return Deadline("unparsed", None, original,
                            "срок не распознан: второй год диапазона должен быть позже первого")
        if m.group(3):
            end = date(last, 8, 31)
            return Deadline("year_range", end, original,
                            f"срок до {_ru(end)} (конец {first}-{last} учебного года)")
        end = date(last, 12, 31)
        return Deadline("year_range", end, original, f"срок до {_ru(end)} (конец {last} года)")
    m = _SINGLE_YEAR.fullmatch(s)
    if m:
        end = date(int(m.group(1)), 12, 31)
        return Deadline("year_range", end, original, f"срок до {_ru(end)} (конец {end.year} года)")

    months = _month_sequence(s)
    if months is not None:
        return _months_deadline(months, original, period)

    if _PERIODIC.search(s):
        named = _periodic_end(s)
        if named is not None:
            end, what = named
            return Deadline("periodic", end, original,
                            f"периодическое мероприятие: срок — {what} ({_ru(end)})")
        if period is not None:
            return Deadline("periodic", period[1], original,
                            f"периодическое или постоянное мероприятие: срок — конец периода "
                            f"программы ({_ru(period[1])})")
        return Deadline("periodic", None, original,
                        "периодическое или постоянное мероприятие: срок — конец периода программы, "
                        "но период не задан, поэтому просрочка не определяется")

    return Deadline("unparsed", None, original, UNPARSED_NOTE)


def _months_deadline(months: list[tuple[int, int | None]], original: str,
                     period: Period | None) -> Deadline:
    """Deadline of a list or range of months (with or without years)."""
    dated = [(y, mo) for mo, y in months if y is not None]
    if dated and dated != sorted(dated):
        return Deadline("unparsed", None, original,
                        "срок не распознан: месяцы и годы указаны не по порядку")
    month, year = months[-1]
    if year is not None:
        end = _month_end(year, month)
        return Deadline("date", end, original, f"срок до {_ru(end)}")
    if dated:
        return Deadline("unparsed", None, original,
                        "срок не распознан: у последнего месяца не указан год")
    if period is None:
        return Deadline("unparsed", None, original, NO_PERIOD_NOTE)
    start, stop = period
    year = start.year if month >= start.month else start.year + 1
    if date(year, month, 1) > stop:
        return Deadline("unparsed", None, original,
                        f"срок не распознан: месяц без года не попадает в период программы "
                        f"{_ru(start)}–{_ru(stop)}")
    end = _month_end(year, month)
    return Deadline("month_in_period", end, original,
                    f"месяц без года отнесён к периоду программы {_ru(start)}–{_ru(stop)}: "
                    f"срок до {_ru(end)}")


# --------------------------------------------------------------------------- status

def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
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


def roadmap_status(roadmap: pd.DataFrame, as_of: date,
                   period: tuple[date, date] | Mapping[str, tuple[date, date]] | None = None
                   ) -> pd.DataFrame:
    """Execution state of every road map item on a date.

    Parameters
    ----------
    roadmap : pandas.DataFrame
        The ROADMAP table (``deadline`` required; ``status``, ``completed_on``,
        ``municipality`` used when present).
    as_of : datetime.date
        Monitoring date: an item is overdue when its due date is before this day.
    period : tuple of datetime.date or mapping, optional
        Programme ``(start, end)``; or a mapping municipality -> ``(start, end)`` when the
        table holds the road maps of several programmes (a municipality not in the
        mapping has no period).

    Returns
    -------
    pandas.DataFrame
        A copy of ``roadmap`` with added columns ``deadline_kind``, ``due`` (datetime,
        NaT when unknown), ``state`` (``done``, ``in_progress``, ``overdue``,
        ``not_started``, ``unparsed_deadline``), ``state_title`` (Russian), ``on_time``
        (1.0 / 0.0 / NaN), ``problem`` (Russian notes: unparsed deadline, unreadable or
        missing completion date, unknown status; NaN when none) and ``due_by_as_of``
        (the due date is known and not after ``as_of``). Rules: module docstring.
    """
    as_of_ts = pd.Timestamp(_as_date(as_of))
    if not isinstance(period, Mapping):
        period = _as_period(period)
    out = roadmap.copy()
    index = out.index
    deadlines = out["deadline"] if "deadline" in out else pd.Series(None, index=index, dtype=object)
    towns = out["municipality"] if "municipality" in out else pd.Series(None, index=index, dtype=object)
    parsed = [parse_deadline(None if pd.isna(text) else text, _period_of(period, town))
              for text, town in zip(deadlines.astype(object), towns.astype(object))]

    kind = pd.Series([d.kind for d in parsed], index=index, dtype=object)
    due = pd.to_datetime(pd.Series([d.end for d in parsed], index=index, dtype=object))
    status = (_text_column(out, "status").str.lower().str.replace("ё", "е")
              .str.replace(r"\s+", " ", regex=True))
    done = status.isin(DONE_WORDS)
    in_progress = status.isin(IN_PROGRESS_WORDS)
    unknown_status = ~(done | in_progress | status.isin(NOT_STARTED_WORDS))
    unparsed = kind == "unparsed"
    late = due.notna() & (due < as_of_ts)

    state = pd.Series(np.select([done, late, unparsed, in_progress],
                                ["done", "overdue", "unparsed_deadline", "in_progress"],
                                default="not_started"), index=index, dtype=object)

    status_text = _text_column(out, "status")
    completed_text = _text_column(out, "completed_on")
    completed = _parse_completed(completed_text)
    has_date = completed.notna()
    on_time = pd.Series(np.nan, index=index)
    known = done & has_date & due.notna()
    on_time[known] = (completed[known] <= due[known]).astype("float64")
    on_time[done & has_date & due.isna() & (kind == "periodic")] = 1.0

    notes: list[list[str]] = [[] for _ in range(len(out))]

    def add(mask: pd.Series, make) -> None:
        for k in np.flatnonzero(mask.to_numpy(dtype=bool)):
            notes[k].append(make(k))

    add(unparsed, lambda k: f"срок «{parsed[k].text}»: {parsed[k].note}")
    add(done & unparsed & has_date,
        lambda k: "выполнение в срок не оценивается, пока срок не распознан")
    add(done & (completed_text == ""), lambda k: "мероприятие выполнено, но дата выполнения не указана")
    add((completed_text != "") & ~has_date,
        lambda k: f"дата выполнения «{completed_text.iloc[k]}» не распознана: ожидалась дата "
                  f"вида 2020-10-28 или 28.10.2020")
    add(has_date & (completed > as_of_ts),
        lambda k: f"дата выполнения {completed.iloc[k]:%d.%m.%Y} позже даты мониторинга "
                  f"{as_of_ts:%d.%m.%Y}")
    add(unknown_status,
        lambda k: f"статус «{status_text.iloc[k]}» не распознан: ожидалось "
                  f"«выполнено», «в работе» или «не начато»; пункт учтён как не начатый")

    out["deadline_kind"] = kind
    out["due"] = due
    out["state"] = state
    out["state_title"] = state.map(STATE_TITLES)
    out["on_time"] = on_time
    out["problem"] = pd.Series(["; ".join(n) if n else None for n in notes], index=index,
                               dtype=object)
    out["due_by_as_of"] = due.notna() & (due <= as_of_ts)
    return out


# --------------------------------------------------------------------------- summary

def split_bodies(text) -> list[str]:
    """Responsible bodies named in one cell.

    Splits on commas and semicolons that are not inside «...» (nested allowed) or "..."
    quotes, strips spaces and a trailing full stop, drops empty parts and repeats.

    Parameters
    ----------
    text : str or None
        The ``responsible`` cell, e.g. «УО, МБОУ ДПО «ИМЦ», ОО».

    Returns
    -------
    list of str
        ``["УО", "МБОУ ДПО «ИМЦ»", "ОО"]``; empty for an empty cell.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    parts, current, depth, straight = [], [], 0, False
    for char in str(text):
        if char == "«":
            depth += 1
        elif char == "»":
            depth = max(depth - 1, 0)
        elif char == '"':
            straight = not straight
        elif char in ",;" and depth == 0 and not straight:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    bodies: list[str] = []
    seen: set[str] = set()
    for part in parts:
        body = re.sub(r"\s+", " ", part).strip().rstrip(".").strip()
        if body and body.casefold() not in seen:
            seen.add(body.casefold())
            bodies.append(body)
    return bodies


def roadmap_summary(status: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Counts of road map items per state and the share done on time.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`roadmap_status`.
    by : str or list of str, optional
        ``None``: one row for the whole table. A column name (``"direction"``,
        ``"municipality"`` ...) or a list of them: one row per group, in order of first
        appearance, an empty value shown as «не указано». ``"responsible"`` splits the
        cell into bodies (:func:`split_bodies`) and counts an item once for each body
        named (bodies compared ignoring case; an item without a body goes to
        «ответственный не указан»), so the rows then add up to more than the items.

    Returns
    -------
    pandas.DataFrame
        The grouping columns, then ``done``, ``in_progress``, ``overdue``,
        ``not_started``, ``unparsed_deadline``, ``total``, ``done_on_time`` (items with
        ``on_time`` 1), ``due_by_as_of`` (items whose due date is known and not after
        the monitoring date), ``done_on_time_of_due`` (of those, the ones done on time)
        and ``share_done_on_time`` = ``done_on_time_of_due`` * 100 / ``due_by_as_of``
        (NaN when no item is due yet).
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    frame = pd.DataFrame(index=status.index)
    for key in keys:
        if key == "responsible":
            frame[key] = status[key].map(lambda v: split_bodies(v) or [NO_BODY]) if key in status \
                else pd.Series([[NO_BODY]] * len(status), index=status.index, dtype=object)
        else:
            values = status[key].astype(object)
            blank = values.isna() | (values.astype(str).str.strip() == "")
            frame[key] = values.where(~blank, NOT_GIVEN)
    for state in STATES:
        frame[state] = (status["state"] == state).astype("int64")
    frame["total"] = 1
    on_time = status["on_time"] == 1
    due_by = status["due_by_as_of"].fillna(False).astype(bool)
    frame["done_on_time"] = on_time.astype("int64")
    frame["due_by_as_of"] = due_by.astype("int64")
    frame["done_on_time_of_due"] = (on_time & due_by).astype("int64")
    counts = [*STATES, "total", "done_on_time", "due_by_as_of", "done_on_time_of_due"]

    if "responsible" in keys:
        frame = frame.explode("responsible")
        folded = frame["responsible"].str.casefold()
        first_spelling = frame.groupby(folded, sort=False)["responsible"].first()
        frame["responsible"] = folded.map(first_spelling)
    if keys:
        result = frame.groupby(keys, sort=False)[counts].sum().reset_index()
    else:
        result = frame[counts].sum().to_frame().T.reset_index(drop=True)
    result[counts] = result[counts].astype("int64")
    denominator = result["due_by_as_of"].astype("float64")
    result["share_done_on_time"] = (result["done_on_time_of_due"] * 100
                                    / denominator.where(denominator > 0))
    return result


def overdue_items(status: pd.DataFrame) -> pd.DataFrame:
    """The overdue items, earliest due date first, for the analytical note.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`roadmap_status`.

    Returns
    -------
    pandas.DataFrame
        Columns ``municipality`` (when present), ``item``, ``measure``, ``deadline``,
        ``due``, ``responsible`` and ``status`` (those present), one row per overdue
        item, index reset.
    """
    columns = [c for c in ("municipality", "item", "measure", "deadline", "due", "responsible",
                           "status") if c in status]
    overdue = status.loc[status["state"] == "overdue", columns]
    return overdue.sort_values("due", kind="stable").reset_index(drop=True)
