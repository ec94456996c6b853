"""Russian texts of the analytical note (notebook 03), of ``indicators.xlsx`` and of the CLI.

The rules and the report builder return codes and numbers
(:func:`qualitylib.rules.indicators.compute_indicators`, :mod:`qualitylib.rules.roadmap`,
:func:`qualitylib.reports.monitoring.build_monitoring`); this module turns them into the
columns and sentences a reader sees: the status of an indicator and its target in words
(«не менее 90 %»), the state of a road map item and the notes on its problems, the titles of
the summaries, and the one-page summary. :func:`note_view` gives all the tables of a note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from ..data.deadlines import Deadline, text_column
from .labels import plural
from ..reports.monitoring import Monitoring
from .labels import indicator_numbers, period_years, ru_number

#: Russian titles of the indicator status codes.
STATUS_TITLES = {"met": "выполнен", "not_met": "не выполнен", "no_data": "нет данных", "no_target": "цель не задана"}

#: Columns of :func:`indicator_frame`, in order.
INDICATOR_VIEW_COLUMNS = ["id", "number", "title", "group", "unit", "period", "numerator", "denominator", "value",
                          "prev_numerator", "prev_denominator", "prev_value", "change", "target", "target_note",
                          "status", "status_title", "programme", "source", "source_title", "round", "answer",
                          "prev_answer", "evidence"]

#: The catalogue unit of a yes/no item of the municipality (``compute: {kind: municipal_flag}``).
FLAG_UNIT = "да/нет"
#: Status words of a yes/no item: the item (мероприятие) is «выполнено».
FLAG_STATUS_TITLES = {"met": "выполнено", "not_met": "не выполнено", "no_data": "нет данных",
                      "no_target": "цель не задана"}


#: What the diagnostics of Norilsk 2.3.1.3 were read from (:func:`qualitylib.rules.indicators.diagnostics_basis`).
BASIS_TEXTS = {
    "": "",
    "regional": "посчитано по краевым (региональным) диагностическим работам, как в программе",
    "vpr_substitute": ("краевых (региональных) диагностических работ в данных нет за оба года: посчитано по ВПР "
                       "тех же классов — это замена, а не показатель программы"),
}


def _answer(value) -> str:
    """A yes/no item's value in words: «да», «нет», «нет данных»."""
    if value is None or pd.isna(value):
        return "нет данных"
    return "да" if float(value) == 1 else "нет"


def _target_number(value: float) -> str:
    """A target value with as many decimals as it was written with: 10 → «10», 0.3 → «0,3»."""
    decimals = max(0, -Decimal(str(value)).normalize().as_tuple().exponent)
    return ru_number(value, decimals)


def target_text(direction: str, value: float | None, relative: bool, unit: str) -> str:
    """The target in Russian, e.g. «не менее 10», «100 %», «рост за год».

    Parameters
    ----------
    direction : str
        ``increase``, ``decrease``, ``at_least``, ``at_most``, ``equals``, ``increase_by``,
        ``decrease_by`` or ``none``.
    value : float or None
        The target value (NaN or ``None`` when the direction needs none).
    relative : bool
        For ``increase_by`` / ``decrease_by``: the value is a percentage of last year's value.
    unit : str
        The indicator's unit; «%» adds « %» after the value.
    """
    u = " %" if unit == "%" else ""
    num = _target_number(value) if value is not None and not pd.isna(value) else ""
    by = " %" if relative else u
    return {
        "increase": "рост за год", "decrease": "снижение за год", "at_least": f"не менее {num}{u}",
        "at_most": f"не более {num}{u}", "equals": f"{num}{u}",
        "increase_by": f"рост не менее чем на {num}{by} за год",
        "decrease_by": f"снижение не менее чем на {num}{by} за год",
        "none": "не задана",
    }[direction]


def indicator_frame(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicators with their target and status in words, columns :data:`INDICATOR_VIEW_COLUMNS`.

    ``indicators`` is a table of :func:`qualitylib.rules.indicators.compute_indicators`:
    ``target_direction``, ``target_value`` and ``target_relative`` become ``target``
    (:func:`target_text`), ``status`` gains ``status_title`` (:data:`STATUS_TITLES`).
    """
    out = indicators.copy()
    if "round" not in out:
        out["round"] = ""
    if "round" in out:  # a round of a monitoring held several times a year is named in the title
        named = out["round"].fillna("").astype(str) != ""
        out.loc[named, "title"] = out.loc[named, "title"] + " — " + out.loc[named, "round"].astype(str)
    if "source" not in out:
        out["source"] = out["programme"]
    borrowed = out["source"] != out["programme"]
    titles = {}
    if borrowed.any():
        from ..data.programmes import programme_titles
        titles = programme_titles()
    out["source_title"] = pd.Series(
        [f"из программы «{titles.get(src, src)}»" if other else "" for src, other in zip(out["source"], borrowed)],
        index=out.index, dtype=object)
    # a borrowed indicator says where it comes from; the other programme's notes on its target do not apply
    own = out["target_own"] if "target_own" in out else pd.Series(False, index=out.index)
    out["target_note"] = out["target_note"].where(~borrowed, [
        f"Показатель каталога {label}; " + ("цель задана программой муниципалитета" if mine else
                                            "цель — как в каталоге") for label, mine in zip(out["source_title"], own)])
    out["target"] = pd.Series([target_text(r.target_direction, r.target_value, bool(r.target_relative), r.unit)
                               for r in indicators.itertuples()], index=indicators.index, dtype=object)
    out["status_title"] = indicators["status"].map(STATUS_TITLES).astype(object)
    flag = out["unit"] == FLAG_UNIT  # a yes/no item: answered «да»/«нет», «выполнено», with its evidence
    out.loc[flag, "target"] = "да"
    out.loc[flag, "change"] = np.nan  # a yes/no has no change to show; the values stay 1 / 0 for the tables
    out.loc[flag, "status_title"] = indicators.loc[flag, "status"].map(FLAG_STATUS_TITLES)
    out["answer"] = pd.Series([_answer(v) if f else "" for v, f in zip(out["value"], flag)], index=out.index,
                              dtype=object)
    out["prev_answer"] = pd.Series([_answer(v) if f else "" for v, f in zip(out["prev_value"], flag)],
                                   index=out.index, dtype=object)
    for column in ("evidence", "prev_evidence"):
        if column not in out:
            out[column] = ""
        out[column] = out[column].fillna("").astype(object)
    out["evidence"] = [e if e or not f or s == "no_data" else "подтверждение не указано"
                       for e, f, s in zip(out["evidence"], flag, out["status"])]
    if "basis" in indicators:  # which diagnostic works were read (Norilsk 2.3.1.3), said plainly
        basis = indicators["basis"].fillna("").map(BASIS_TEXTS).fillna("")
        out["evidence"] = [b or e for b, e in zip(basis, out["evidence"])]
    programme = str(indicators["programme"].iloc[0]) if len(indicators) else None
    out["number"] = pd.Series(indicator_numbers(indicators["id"], programme), index=indicators.index, dtype=object)
    return out[INDICATOR_VIEW_COLUMNS]


#: The columns of a group of yes/no items: last year's and this year's answers, status, evidence.
FLAG_COLUMNS = ["number", "title", "prev_answer", "answer", "status_title", "evidence"]


def evidence_notes(frame: pd.DataFrame) -> list[str]:
    """«number: evidence» for each indicator whose evidence says what it lists or which data it read.

    Shown under a group's table (Norilsk 3.3.1.2's removed risk factors, 2.3.1.3's diagnostic
    works), so the table itself keeps to the A4 width.
    """
    return [f"{row.number}: {row.evidence}" for row in frame.itertuples() if str(row.evidence or "")]


def shown_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The indicators of :func:`indicator_frame` with ``value`` / ``prev_value`` as a reader sees them.

    A yes/no item shows its answer («да», «нет», «нет данных») instead of 1 / 0; the other
    indicators keep their numbers. For tables that list every indicator together (the summary of
    the note, its Word copy).
    """
    out = frame.copy()
    flag = out["unit"] == FLAG_UNIT
    for value, answer in (("value", "answer"), ("prev_value", "prev_answer")):
        out[value] = pd.Series([a if f else v for v, a, f in zip(out[value], out[answer], flag)],
                               index=out.index, dtype=object)
    return out


#: What the road-map section reads, shown above the plans (only where the municipality has a road map).
ROADMAP_INTRO = ("Состояние каждого плана муниципалитета на дату мониторинга. Повторяющийся срок («ежегодно», "
                 "«Сентябрь, январь, апрель», месяц без года) считается отдельно для каждого года программы или "
                 "раза; пункт, выполненный позже даты мониторинга, на эту дату не выполнен.")


def period_sentences(m: Monitoring) -> list[str]:
    """What the top of the note says about the programme period and the monitoring date.

    A report year outside the programme period is said first («Отчётный год 2026 вне периода
    программы 2022–2024»); a road map read at the end (or start) of the period, not on the
    monitoring day of the report year, is labelled as such.
    """
    out = []
    if m.programme is not None and m.programme.period is not None and m.year_in_period is False:
        out.append(f"Отчётный год {m.year} вне периода программы {period_years(m.programme.period)}: показатели "
                   f"вычислены по данным {m.year} года, но цели и мероприятия программы относятся к её периоду.")
    if m.roadmap is not None:
        if m.as_of_basis == "period_end":
            out.append(f"Дорожная карта прочитана на конец периода программы — {m.as_of:%d.%m.%Y}: "
                       f"после этой даты мероприятия программы не планировались.")
        elif m.as_of_basis == "period_start":
            out.append(f"Дорожная карта прочитана на начало периода программы — {m.as_of:%d.%m.%Y}.")
        elif m.as_of_basis == "september":
            out.append(f"Дорожная карта прочитана на дату мониторинга {m.as_of:%d.%m.%Y} (1 сентября отчётного года).")
        else:
            out.append(f"Дорожная карта прочитана на дату мониторинга {m.as_of:%d.%m.%Y}.")
    return out


#: Title of a plan given without a name (a road-map table without the «План» column).
UNNAMED_PLAN = "Дорожная карта муниципалитета"


def plan_title(title) -> str:
    """The title of a plan, «Дорожная карта муниципалитета» when it has none."""
    return UNNAMED_PLAN if title is None or (not isinstance(title, str) and pd.isna(title)) or title == "" \
        else str(title)


def plan_sentences(m: Monitoring) -> list[str]:
    """One sentence per plan: its items, its occurrences and their state on the monitoring date."""
    out = []
    if m.plans is None:
        return out
    for row in m.plans.itertuples():
        share = "—" if pd.isna(row.share_done_on_time) else f"{ru_number(row.share_done_on_time, 0)} %"
        repeats = (f" (с повторяющимися сроками — "
                   f"{plural(int(row.total), 'срок исполнения', 'срока исполнения', 'сроков исполнения')})"
                   if int(row.total) != int(row.items) else "")
        text = (f"«{plan_title(row.title)}»: {plural(int(row.items), 'пункт', 'пункта', 'пунктов')}{repeats}; "
                f"на {m.as_of:%d.%m.%Y} выполнено — {int(row.done)}, в работе — {int(row.in_progress)}, "
                f"просрочено — {int(row.overdue)}, не начато — {int(row.not_started)}, срок не распознан — "
                f"{int(row.unparsed_deadline)}; выполнено в срок — {share} сроков, которые наступили.")
        out.append(text)
    return out
#: What the analyst can add for a municipality without a programme (plain words, for the note).
NO_PROGRAMME_ADVICE = (
    "Что можно добавить: выбрать для муниципалитета программу мониторинга — одну из готовых (программы "
    "Норильска, Элисты, Полысаево, Кавказского района, Чаа-Хольского кожууна) или свою; тогда справка "
    "покажет её показатели, целевые значения и их выполнение. Для показателей нужны данные мониторинга "
    "школ (формы школ или таблица мониторинга), для раздела о дорожной карте — её мероприятия и сроки. "
    "Выявление ШНОР, школ в зоне риска и динамика результатов считаются и без программы.")


def summary_sentences(m: Monitoring) -> list[str]:
    """The one-page summary of the analytical note, from the data."""
    y = m.year
    ind = m.indicators
    counts = ind["status"].value_counts()
    with_target = int(len(ind) - counts.get("no_target", 0))
    if m.programme is None:
        out = [f"Программа мониторинга для муниципалитета не выбрана, поэтому показатели программы и их "
               f"цели в справке не приводятся. Отчётный год — {y}.", NO_PROGRAMME_ADVICE, *period_sentences(m)]
    else:
        out = [*period_sentences(m), f"Программа: {m.programme.title}. Отчётный год — {y}.",
               f"Из {with_target} показателей с целевым значением выполнено {int(counts.get('met', 0))}, не "
               f"выполнено {int(counts.get('not_met', 0))}, нет данных по {int(counts.get('no_data', 0))}."]
    comparable = ind.dropna(subset=["change"])
    if len(comparable):
        up = int((comparable["change"] > 0).sum())
        down = int((comparable["change"] < 0).sum())
        out.append(f"По сравнению с {y - 1} годом выросли значения {plural(up, 'показателя', 'показателей', 'показателей')}, "
                   f"снизились — {down}, не изменились — {len(comparable) - up - down}.")
    missed = ind[ind["status"] == "not_met"]["title"].tolist()
    if missed:
        out.append("Не выполнены: " + "; ".join(missed[:6]) + ("; …" if len(missed) > 6 else "") + ".")
    c = m.ident.change
    out.append(f"ШНОР в {y} году — {c['count']} (в {y - 1} году — {c['count_prev']}); школ в зоне риска — "
               f"{int(m.ident.risk['risk'].sum())}.")
    if m.roadmap_total is not None:
        t = m.roadmap_total.iloc[0]
        out += plan_sentences(m)
        if int(t["unparsed_deadline"]):
            n = int(t["unparsed_deadline"])
            out.append(f"Срок не распознан: {plural(n, 'срок исполнения', 'срока исполнения', 'сроков исполнения')} "
                       f"(перечислены в разделе о дорожной карте) — уточните их в плане.")
    else:
        out.append("Дорожной карты муниципалитета в данных нет.")
    return out


# --------------------------------------------------------------------------- road map

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

#: Columns of :func:`qualitylib.rules.roadmap.roadmap_summary` and their Russian titles.
SUMMARY_TITLES = {
    **STATE_TITLES,
    "total": "всего мероприятий",
    "done_on_time": "выполнено в срок",
    "due_by_as_of": "срок наступил",
    "done_on_time_of_due": "выполнено в срок из тех, чей срок наступил",
    "share_done_on_time": "доля выполненных в срок, %",
}

#: Label of an item without a responsible body in the summary by body.
NO_BODY = "ответственный не указан"
#: Label of an empty grouping value in the summary.
NOT_GIVEN = "не указано"

EXPECTED = ("ожидался месяц и год («октябрь 2020»), диапазон месяцев, "
            "учебный год или «ежегодно»/«в течение года»/«по графику»")
UNPARSED_NOTE = f"срок не распознан: {EXPECTED}"
NO_PERIOD_NOTE = ("срок не распознан: месяц указан без года, а период программы не задан — "
                  "укажите период программы (начало и конец), чтобы отнести месяц к году")


def _ru(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def deadline_note(deadline: Deadline) -> str:
    """How the due date of a deadline was obtained, or for an unparsed one what was expected."""
    end, detail = deadline.end, deadline.detail
    notes = {
        "empty": lambda: f"срок не указан: {EXPECTED}",
        "no_such_day": lambda: "срок не распознан: такой даты нет в календаре",
        "quarters_order": lambda: "срок не распознан: кварталы идут не по порядку",
        "range_order": lambda: "срок не распознан: второй год диапазона должен быть позже первого",
        "months_order": lambda: "срок не распознан: месяцы и годы указаны не по порядку",
        "last_month_without_year": lambda: "срок не распознан: у последнего месяца не указан год",
        "no_period": lambda: NO_PERIOD_NOTE,
        "outside_period": lambda: (f"срок не распознан: месяц без года не попадает в период программы "
                                   f"{_ru(detail[0])}–{_ru(detail[1])}"),
        "unknown_form": lambda: UNPARSED_NOTE,
        "before_period": lambda: (f"срок не распознан: дата лежит до начала периода программы "
                                  f"{_ru(detail[0])}–{_ru(detail[1])}"),
        "schedule_not_given": lambda: ("срок не распознан: он задан графиком, которого нет в данных — "
                                       "укажите месяц и год"),
        "event_driven": lambda: ("срок не распознан: он зависит от сроков процедур, которых нет в данных — "
                                 "укажите месяц и год"),
        "periodic_each_year": lambda: f"повторяется каждый год программы: срок этого года — {_ru(end)}",
        "periodic_times_a_year": lambda: f"повторяется несколько раз в год: срок этого раза — {_ru(end)}",
        "day": lambda: f"срок до {_ru(end)}",
        "month": lambda: f"срок до {_ru(end)}",
        "quarter": lambda: f"срок до {_ru(end)} (конец {detail[0]}-го квартала)",
        "half": lambda: f"срок до {_ru(end)} (конец {detail[0]}-го полугодия)",
        "academic_year": lambda: f"срок до {_ru(end)} (конец {detail[0]}-{detail[1]} учебного года)",
        "calendar_year": lambda: f"срок до {_ru(end)} (конец {end.year} года)",
        "month_in_period": lambda: (f"месяц без года отнесён к периоду программы {_ru(detail[0])}–"
                                    f"{_ru(detail[1])}: срок до {_ru(end)}"),
        "periodic_academic_year": lambda: (f"периодическое мероприятие: срок — конец {end.year - 1}-{end.year} "
                                           f"учебного года ({_ru(end)})"),
        "periodic_year": lambda: f"периодическое мероприятие: срок — конец {end.year} года ({_ru(end)})",
        "periodic_period_end": lambda: (f"периодическое или постоянное мероприятие: срок — конец периода "
                                        f"программы ({_ru(end)})"),
        "periodic_no_period": lambda: ("периодическое или постоянное мероприятие: срок — конец периода программы, "
                                       "но период не задан, поэтому просрочка не определяется"),
    }
    return notes[deadline.reason]()


def _row_deadline(row) -> Deadline:
    """The :class:`Deadline` of a row of :func:`qualitylib.data.deadlines.read_roadmap`."""
    text = row["deadline"] if "deadline" in row.index else None
    text = "" if text is None or pd.isna(text) else str(text)
    period = () if pd.isna(row["period_start"]) else (row["period_start"].date(), row["period_end"].date())
    return Deadline(row["deadline_kind"], None if pd.isna(row["due"]) else row["due"].date(), text,
                    row["deadline_reason"], period)


def problem_texts(status: pd.DataFrame, as_of: date) -> pd.Series:
    """The Russian notes of the problem codes of :func:`qualitylib.rules.roadmap.roadmap_status`.

    Each item's notes in the order of its codes, joined by «; »; NaN when it has none.
    """
    as_of = pd.Timestamp(as_of)
    status_text = text_column(status, "status")
    completed_text = text_column(status, "completed_on")
    texts = []
    for k, (_, row) in enumerate(status.iterrows()):
        codes = row["problems"]
        if codes is None or (not isinstance(codes, str) and pd.isna(codes)):
            texts.append(None)
            continue
        notes = []
        for code in codes.split(","):
            if code == "deadline_unparsed":
                deadline = _row_deadline(row)
                notes.append(f"срок «{deadline.text}»: {deadline_note(deadline)}")
            elif code == "on_time_unknown":
                notes.append("выполнение в срок не оценивается, пока срок не распознан")
            elif code == "completion_date_missing":
                notes.append("мероприятие выполнено, но дата выполнения не указана")
            elif code == "completion_date_unreadable":
                notes.append(f"дата выполнения «{completed_text.iloc[k]}» не распознана: ожидалась дата "
                             f"вида 2020-10-28 или 28.10.2020")
            elif code == "completion_after_as_of":
                notes.append(f"дата выполнения {row['completed_date']:%d.%m.%Y} позже даты мониторинга "
                             f"{as_of:%d.%m.%Y}")
            elif code == "status_unknown":
                notes.append(f"статус «{status_text.iloc[k]}» не распознан: ожидалось "
                             f"«выполнено», «в работе» или «не начато»; пункт учтён как не начатый")
            else:
                raise ValueError(code)
        texts.append("; ".join(notes))
    return pd.Series(texts, index=status.index, dtype=object)


def occurrence_title(k: int, n: int, due) -> str:
    """«2-й раз из 3, срок 31.01.2022» for an occurrence of a recurring deadline; «» for a single one."""
    if n <= 1:
        return ""
    when = "" if due is None or pd.isna(due) else f", срок {pd.Timestamp(due):%d.%m.%Y}"
    return f"{k}-й раз из {n}{when}"


def roadmap_frame(status: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """A road map of :func:`qualitylib.rules.roadmap.roadmap_status` with ``state_title``, ``problem``,
    ``occurrence_title`` (for a table read with occurrences) and ``plan_title`` in words."""
    out = status.copy()
    out["state_title"] = status["state"].map(STATE_TITLES).astype(object)
    out["problem"] = problem_texts(status, as_of)
    if "occurrence" in status:
        out["occurrence_title"] = pd.Series([occurrence_title(k, n, due) for k, n, due in zip(
            status["occurrence"], status["occurrences"], status["due"])], index=status.index, dtype=object)
        if "completed_on" in status:  # an occurrence shows its own completion date, not the item's list
            repeated = status["occurrences"] > 1
            own = status["completed_date"].map(lambda d: "" if pd.isna(d) else f"{d:%Y-%m-%d}")
            out["completed_on"] = out["completed_on"].astype(object).where(~repeated, own.where(own != "", None))
    if "plan_title" in status:
        out["plan_title"] = status["plan_title"].map(plan_title).astype(object)
    return out


#: States of the items a note lists by name, in order: what is not done on the monitoring date.
PENDING_STATES = ("overdue", "in_progress", "not_started", "unparsed_deadline")


def pending_items(roadmap: pd.DataFrame) -> pd.DataFrame:
    """The occurrences not done on the monitoring date, by state (overdue first) and due date.

    ``roadmap`` is a table of :func:`roadmap_frame`.
    """
    pending = roadmap[roadmap["state"].isin(PENDING_STATES)].copy()
    order = {state: k for k, state in enumerate(PENDING_STATES)}
    pending["_order"] = pending["state"].map(order)
    pending = pending.sort_values(["_order", "due"], kind="stable", na_position="last")
    return pending.drop(columns="_order").reset_index(drop=True)


def summary_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """A summary of :func:`qualitylib.rules.roadmap.roadmap_summary` with its unnamed groups named.

    An empty ``responsible`` becomes «ответственный не указан», any other empty grouping value
    «не указано».
    """
    out = summary.copy()
    for key in out.columns:
        if key in SUMMARY_TITLES:
            continue
        out[key] = out[key].where(out[key] != "", NO_BODY if key == "responsible" else NOT_GIVEN)
    return out


# --------------------------------------------------------------------------- recommendations

#: Russian titles of the kinds of :func:`qualitylib.reports.monitoring.addressed_recommendations`.
RECOMMENDATION_KINDS = {"shnor": "ШНОР", "risk": "зона риска"}


def recommendation_frame(recommendations: pd.DataFrame, shnor: pd.DataFrame, risk: pd.DataFrame,
                         shnor_text: str) -> pd.DataFrame:
    """Addressed recommendations in words: ``school_name``, ``kind``, ``reasons``, ``recommendation``.

    A ШНОР reads the reasons it is listed for (``reasons`` of ``shnor``) and ``shnor_text``, ending
    with its network pair's leader school; a risk school its ``deficits`` and ``recommendations``
    (of ``risk``). ``shnor`` and ``risk`` are the identification's tables in words
    (:func:`qualitylib.views.identification.present`).
    """
    is_shnor = recommendations["kind"] == "shnor"
    ids = recommendations["school_id"].astype(object)
    shnor, risk = shnor.set_index("school_id"), risk.set_index("school_id")
    out = recommendations.copy()
    out["kind"] = recommendations["kind"].map(RECOMMENDATION_KINDS).astype(object)
    out["reasons"] = ids.map(shnor["reasons"]).where(is_shnor, ids.map(risk["deficits"])).astype(object)
    if "list" in recommendations:  # a school of the official list the rule does not select has no reasons
        official = is_shnor & (recommendations["list"] == "official")
        blank = out["reasons"].isna() | (out["reasons"].astype(str).str.strip() == "")
        out.loc[official & blank, "reasons"] = "В официальном списке ШНОР; правило выявления школу не отбирает."
        out.loc[official & ~blank, "reasons"] = "В официальном списке ШНОР. " + out.loc[official & ~blank, "reasons"]
    out["recommendation"] = pd.Series(shnor_text, index=out.index, dtype=object).where(
        is_shnor, ids.map(risk["recommendations"]))
    recommendations = out.assign(recommendation=out["recommendation"].astype(object))
    paired = recommendations["leader_name"].notna()
    out.loc[paired, "recommendation"] = [f"{text} Школа-лидер для сетевой пары: {name}." for text, name in zip(
        recommendations.loc[paired, "recommendation"], recommendations.loc[paired, "leader_name"])]
    return out[["school_name", "kind", "reasons", "recommendation"]]


@dataclass(frozen=True)
class NoteView:
    """The tables of an analytical note with their codes in words (:func:`note_view`)."""

    indicators: pd.DataFrame
    roadmap: pd.DataFrame | None
    roadmap_total: pd.DataFrame | None
    roadmap_by_direction: pd.DataFrame | None
    roadmap_by_body: pd.DataFrame | None
    overdue: pd.DataFrame | None
    recommendations: pd.DataFrame
    plans: pd.DataFrame | None = None
    pending: pd.DataFrame | None = None


def school_tests_frame(m: Monitoring) -> pd.DataFrame:
    """The school-level tests behind the note's «positive dynamics» indicators, with the indicator's ``title``.

    Empty when the programme has no indicator that counts a school's verdict.
    """
    from .dynamics import school_test_frame

    if m.school_tests is None or m.school_tests.empty:
        return pd.DataFrame(columns=["title", "school_name", "procedures", "share_prev", "share_now", "change_pp",
                                     "q_value_title", "verdict_title"])
    table = school_test_frame(m.school_tests)
    titles = m.indicators.drop_duplicates("id").set_index("id")["title"]  # an indicator with rounds repeats
    table["title"] = table["indicator"].map(titles)
    return table.sort_values(["indicator", "school_name"])


def _with_lists(frame: pd.DataFrame, m: Monitoring) -> pd.DataFrame:
    """The indicators with what they list written into ``evidence`` (:func:`removed_factors_text`)."""
    lists = m.indicators["lists"] if "lists" in m.indicators else pd.Series("", index=m.indicators.index)
    listed = (lists == "removed_risk_factors").to_numpy()
    if listed.any():
        frame = frame.copy()
        frame.loc[listed, "evidence"] = removed_factors_text(m.risk_factors)
    return frame


def removed_factors_text(factors: pd.DataFrame | None) -> str:
    """Norilsk 3.3.1.2 «с перечислением устраненных факторов»: per school of last year's risk zone, the
    risk factors it removed (schools that left the zone say so)."""
    from .identification import DEFICIT_NAMES

    if factors is None or factors.empty:
        return "в прошлом году школ в зоне риска не было (или нет контекстных данных за оба года)"
    parts, kept = [], 0
    for row in factors.itertuples():
        removed = [DEFICIT_NAMES.get(c, c) for c in str(row.removed_codes).split(";") if c]
        if not removed:
            kept += 1
            continue
        left = " (вышла из зоны риска)" if row.left_zone == 1 else ""
        parts.append(f"{row.school_name}{left}: устранено — {', '.join(removed)}")
    if kept:
        parts.append(f"без устранённых факторов — {plural(kept, 'школа', 'школы', 'школ')}")
    return "; ".join(parts)


def note_view(m: Monitoring) -> NoteView:
    """The tables notebook 03 and ``indicators.xlsx`` show: indicators, road map, summaries, recommendations."""
    from .identification import present

    has_roadmap = m.roadmap is not None
    shown = present(m.ident)
    roadmap = roadmap_frame(m.roadmap, m.as_of) if has_roadmap else None
    plans = None
    if m.plans is not None:
        plans = m.plans.copy()
        plans["plan_title"] = plans["title"].map(plan_title).astype(object)
    return NoteView(
        plans=plans,
        pending=pending_items(roadmap) if has_roadmap else None,
        indicators=_with_lists(indicator_frame(m.indicators), m),
        roadmap=roadmap,
        roadmap_total=m.roadmap_total,
        roadmap_by_direction=summary_frame(m.roadmap_by_direction) if has_roadmap else None,
        roadmap_by_body=summary_frame(m.roadmap_by_body) if has_roadmap else None,
        overdue=m.overdue,
        recommendations=recommendation_frame(m.recommendations, shown.shnor, shown.risk,
                                             m.params["recommendations"]["shnor"].strip()),
    )
