"""Monitoring of road maps (METHODOLOGY §5): execution state, share done on time.

The road map's texts -- deadlines, status words, completion dates -- are read by
:func:`qualitylib.data.deadlines.read_roadmap`; this module works on what it returns and gives
codes and counts. Their Russian titles and notes are :mod:`qualitylib.views.monitoring`.

Execution state (:func:`roadmap_status`)
----------------------------------------
Rules, in this order, with ``due`` the parsed deadline and ``as_of`` the monitoring date:

The road map is read *on the monitoring date*: an item whose completion date is after ``as_of``
was not done on that date, whatever its status says, and is counted by rules 2-4 instead
(overdue when its due date has passed, else in progress), with the problem
``completion_after_as_of``.

1. **done** -- the status is ``done`` (the words are read by
   :func:`qualitylib.data.deadlines.read_status`) and the completion date is not after ``as_of``. ``on_time`` is 1 when ``completed_on`` <= ``due``, or when
   the item is periodic without a due date and was completed; 0 when completed after
   ``due``; NaN when ``completed_on`` is missing or unreadable, or when the deadline is
   unparsed (the lateness is not guessed).
2. **overdue** -- not done, ``due`` is known and ``due < as_of`` (strictly: an item due
   on the ``as_of`` day itself is not overdue). A periodic item without a due date is
   never overdue.
3. **unparsed_deadline** -- not done and the deadline could not be read: reported in
   ``problems``, never guessed.
4. **in_progress** -- the status is ``in_progress``.
5. **not_started** -- the status is ``not_started``; an ``unknown`` status is also counted
   here, with the problem ``status_unknown``.

The share done on time (:func:`roadmap_summary`) divides the items done on time *among
the items due by ``as_of``* (``due <= as_of``) by the number of those items, times 100:
an item done early but not yet due counts in neither, so the share never exceeds 100 %.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from ..data.deadlines import as_date as _as_date

#: Execution states, in report order.
STATES = ("done", "in_progress", "overdue", "not_started", "unparsed_deadline")

#: Problem codes of :func:`roadmap_status`, in the order they are listed.
PROBLEMS = ("deadline_unparsed", "on_time_unknown", "completion_date_missing", "completion_date_unreadable",
            "completion_after_as_of", "status_unknown")

#: Counting columns of :func:`roadmap_summary` (after the grouping columns).
SUMMARY_COLUMNS = (*STATES, "total", "done_on_time", "due_by_as_of", "done_on_time_of_due", "share_done_on_time")


def roadmap_status(roadmap: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Execution state of every road map item on a date.

    Parameters
    ----------
    roadmap : pandas.DataFrame
        A ROADMAP table read by :func:`qualitylib.data.deadlines.read_roadmap` (columns
        ``deadline_kind``, ``due``, ``status_code``, ``completed_given``, ``completed_date``).
    as_of : datetime.date
        Monitoring date: an item is overdue when its due date is before this day.

    Returns
    -------
    pandas.DataFrame
        A copy of ``roadmap`` with added columns ``state`` (``done``, ``in_progress``,
        ``overdue``, ``not_started``, ``unparsed_deadline``), ``on_time`` (1.0 / 0.0 / NaN),
        ``problems`` (codes of :data:`PROBLEMS` joined by commas: unparsed deadline, lateness not
        assessed, missing, unreadable or future completion date, unknown status; ``None`` when
        none) and ``due_by_as_of`` (the due date is known and not after ``as_of``). Rules:
        module docstring.
    """
    as_of_ts = pd.Timestamp(_as_date(as_of))
    out = roadmap.copy()
    index = out.index
    kind, due, code = out["deadline_kind"], out["due"], out["status_code"]
    completed, given = out["completed_date"], out["completed_given"].astype(bool)
    after = completed.notna() & (completed > as_of_ts)
    done = (code == "done") & ~after
    in_progress = (code == "in_progress") | ((code == "done") & after)
    unparsed = kind == "unparsed"
    late = due.notna() & (due < as_of_ts)

    state = pd.Series(np.select([done, late, unparsed, in_progress],
                                ["done", "overdue", "unparsed_deadline", "in_progress"],
                                default="not_started"), index=index, dtype=object)
    has_date = completed.notna()
    on_time = pd.Series(np.nan, index=index)
    known = done & has_date & due.notna()
    on_time[known] = (completed[known] <= due[known]).astype("float64")
    on_time[done & has_date & due.isna() & (kind == "periodic")] = 1.0

    flags = pd.DataFrame({
        "deadline_unparsed": unparsed,
        "on_time_unknown": done & unparsed & has_date,
        "completion_date_missing": done & ~given,
        "completion_date_unreadable": given & ~has_date,
        "completion_after_as_of": has_date & (completed > as_of_ts),
        "status_unknown": code == "unknown",
    }, index=index)[list(PROBLEMS)].to_numpy(dtype=bool)
    problems = [",".join(p for p, hit in zip(PROBLEMS, row) if hit) or None for row in flags]

    out["state"] = state
    out["on_time"] = on_time
    out["problems"] = pd.Series(problems, index=index, dtype=object)
    out["due_by_as_of"] = due.notna() & (due <= as_of_ts)
    return out


# --------------------------------------------------------------------------- summary

_LIST_DASH = re.compile(r"(?:^|\s)[-–—]\s+")
_INITIAL_END = re.compile(r"(?:^|[\s.])\w\.$")


def split_bodies(text, aliases: Mapping[str, str] | None = None) -> list[str]:
    """Responsible bodies named in one cell.

    Splits on commas and semicolons that are not inside «...» (nested allowed) or "..."
    quotes and on list dashes («- ОО - Управление образования»), strips spaces and a trailing
    full stop (not the one of an initial: «Меркулова В.Ф.»), maps each body through ``aliases``,
    drops empty parts and repeats (compared ignoring case).

    Parameters
    ----------
    text : str or None
        The ``responsible`` cell, e.g. «УО, МБОУ ДПО «ИМЦ», ОО».
    aliases : mapping, optional
        A spelling of a body in lower case (:meth:`str.casefold`) -> its one name
        (:func:`qualitylib.data.roadmaps.load_body_aliases`).

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
    pieces = [piece for part in parts for piece in _LIST_DASH.split(part)]
    for part in pieces:
        body = re.sub(r"\s+", " ", part).strip()
        if body.endswith(".") and not _INITIAL_END.search(body):
            body = body.rstrip(".").strip()
        if aliases:
            body = aliases.get(body.casefold(), body)
        if body and body.casefold() not in seen:
            seen.add(body.casefold())
            bodies.append(body)
    return bodies


def roadmap_summary(status: pd.DataFrame, by: str | Sequence[str] | None = None,
                    aliases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Counts of road map items per state and the share done on time.

    Parameters
    ----------
    status : pandas.DataFrame
        Output of :func:`roadmap_status`.
    by : str or list of str, optional
        ``None``: one row for the whole table. A column name (``"direction"``,
        ``"municipality"`` ...) or a list of them: one row per group, in order of first
        appearance, an empty value given as ``""``. ``"responsible"`` splits the cell into
        bodies (:func:`split_bodies`, with ``aliases``) and counts an item once for each body named (bodies
        compared ignoring case; an item without a body goes to ``""``), so the rows then add
        up to more than the items.

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
            frame[key] = status[key].map(lambda v: split_bodies(v, aliases) or [""]) if key in status \
                else pd.Series([[""]] * len(status), index=status.index, dtype=object)
        else:
            values = status[key].astype(object)
            blank = values.isna() | (values.astype(str).str.strip() == "")
            frame[key] = values.where(~blank, "")
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
    columns = [c for c in ("municipality", "plan_title", "item", "measure", "deadline", "due", "responsible",
                           "expected_result", "status") if c in status]
    overdue = status.loc[status["state"] == "overdue", columns]
    return overdue.sort_values("due", kind="stable").reset_index(drop=True)
