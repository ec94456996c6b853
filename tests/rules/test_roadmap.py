"""Road map monitoring: deadline parsing (data floor), execution state, summaries (METHODOLOGY §5)."""
from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from qualitylib.data.deadlines import Deadline, parse_deadline, read_roadmap
from qualitylib.rules import roadmap as rules
from qualitylib.rules.roadmap import overdue_items, roadmap_summary, split_bodies
from qualitylib.views.monitoring import NO_BODY, NO_PERIOD_NOTE, deadline_note, roadmap_frame, summary_frame


def roadmap_status(frame, as_of, period=None):
    """The road map read (data floor), its state (rule) and its texts (view), as the note shows it."""
    return roadmap_frame(rules.roadmap_status(read_roadmap(frame, period), as_of), as_of)


def note(text, period=None):
    return deadline_note(parse_deadline(text, period))

ROOT = Path(__file__).resolve().parents[2]
POLYSAEVO = (date(2020, 9, 1), date(2021, 8, 31))
ELISTA = (date(2021, 9, 1), date(2022, 8, 31))


# --------------------------------------------------------------------------- parse_deadline

@pytest.mark.parametrize("text, kind, end", [
    ("Октябрь 2020 года", "date", date(2020, 10, 31)),
    ("Октябрь-ноябрь 2020 года", "date", date(2020, 11, 30)),
    ("Июль-август 2021 год", "date", date(2021, 8, 31)),
    ("Декабрь 2020", "date", date(2020, 12, 31)),
    ("Август 2021 г.", "date", date(2021, 8, 31)),
    ("Февраль 2021 года", "date", date(2021, 2, 28)),
    ("июль – август 2021", "date", date(2021, 8, 31)),
    ("Сентябрь—ноябрь 2020 г", "date", date(2020, 11, 30)),
    ("Декабрь 2020 – январь 2021", "date", date(2021, 1, 31)),
    ("с сентября по ноябрь 2020", "date", date(2020, 11, 30)),
    ("до 28 октября 2020 г.", "date", date(2020, 10, 28)),
    ("не позднее 01.09.2021", "date", date(2021, 9, 1)),
    ("IV квартал 2020 г.", "date", date(2020, 12, 31)),
    ("1-е полугодие 2021 года", "date", date(2021, 6, 30)),
    ("2021-2022г.", "year_range", date(2022, 12, 31)),
    ("2021–2022 гг.", "year_range", date(2022, 12, 31)),
    ("2021 год", "year_range", date(2021, 12, 31)),
    ("2020-2021 учебный год", "year_range", date(2021, 8, 31)),
    ("2020/2021 уч. г.", "year_range", date(2021, 8, 31)),
])
def test_dated_forms_need_no_period(text, kind, end):
    deadline = parse_deadline(text)
    assert isinstance(deadline, Deadline)
    assert (deadline.kind, deadline.end, deadline.text) == (kind, end, text)
    assert parse_deadline(text, POLYSAEVO).end == end  # a period changes nothing


@pytest.mark.parametrize("text", ["в октябре 2020 года", "октября 2020 г.", "в ноябре 2020 году",
                                  "ОКТЯБРЬ 2020", "с октября по ноябре 2020"])
def test_month_in_any_case_and_form(text):
    deadline = parse_deadline(text)
    assert deadline.kind == "date"
    assert deadline.end.year == 2020 and deadline.end.month in (10, 11)


def test_genitive_and_prepositional_of_may():
    assert parse_deadline("мая 2021 г.").end == date(2021, 5, 31)
    assert parse_deadline("в мае 2021 года").end == date(2021, 5, 31)


@pytest.mark.parametrize("text, period, end", [
    ("Сентябрь, январь, апрель", POLYSAEVO, date(2021, 4, 30)),
    ("Сентябрь, январь, апрель", ELISTA, date(2022, 4, 30)),
    ("Август, сентябрь", ELISTA, date(2021, 9, 30)),
    ("Август", ELISTA, date(2022, 8, 31)),
    ("Август", POLYSAEVO, date(2021, 8, 31)),
    ("ноябрь-декабрь", POLYSAEVO, date(2020, 12, 31)),
    ("в сентябре", POLYSAEVO, date(2020, 9, 30)),
])
def test_months_without_year_are_placed_in_the_period(text, period, end):
    deadline = parse_deadline(text, period)
    assert (deadline.kind, deadline.end) == ("month_in_period", end)


def test_month_without_year_and_without_period_is_unparsed():
    deadline = parse_deadline("Август, сентябрь")
    assert (deadline.kind, deadline.end, deadline.reason) == ("unparsed", None, "no_period")
    assert deadline_note(deadline) == NO_PERIOD_NOTE
    assert "период программы" in deadline_note(deadline)


def test_month_after_the_period_end_is_unparsed():
    deadline = parse_deadline("Сентябрь", (date(2021, 1, 1), date(2021, 6, 30)))
    assert (deadline.kind, deadline.reason) == ("unparsed", "outside_period")
    assert deadline_note(deadline) == ("срок не распознан: месяц без года не попадает в период программы "
                                       "01.01.2021–30.06.2021")


@pytest.mark.parametrize("text", [
    "В течение учебного года", "Весь период", "Ежегодно, май", "Ежегодно май",
    "Ежегодно по плану ОУ", "Ежегодно по отдельному графику", "По плану МЦ УОА",
    "Ежегодно, не менее 2 раз в год", "постоянно", "2 раза в год", "по мере необходимости",
    "каждую четверть",
])
def test_periodic_forms(text):
    without = parse_deadline(text)
    assert (without.kind, without.end) == ("periodic", None)
    with_period = parse_deadline(text, POLYSAEVO)
    assert (with_period.kind, with_period.end) == ("periodic", date(2021, 8, 31))


def test_periodic_with_an_academic_year_named_in_the_text():
    text = "В соответствии с графиком проведения в 2020-2021 учебном году"
    assert parse_deadline(text).end == date(2021, 8, 31)
    assert parse_deadline(text, POLYSAEVO).kind == "periodic"


@pytest.mark.parametrize("text", ["когда-нибудь", "после ремонта", "в течение 10 дней после приказа",
                                  "окт. 2020", "Декабрь 2021 – январь 2021", "сентябрь 2020 - май",
                                  "31.02.2021", "2022-2021 гг."])
def test_unparseable_texts_are_not_guessed(text):
    deadline = parse_deadline(text, POLYSAEVO)
    assert (deadline.kind, deadline.end, deadline.text) == ("unparsed", None, text)
    assert deadline_note(deadline).startswith("срок не распознан")


def test_unparsed_note_says_what_was_expected():
    assert note("когда-нибудь") == ("срок не распознан: ожидался месяц и год («октябрь 2020»), диапазон месяцев, "
                    "учебный год или «ежегодно»/«в течение года»/«по графику»")


@pytest.mark.parametrize("text", ["", None, float("nan"), "   "])
def test_empty_deadline(text):
    deadline = parse_deadline(text)
    assert (deadline.kind, deadline.reason) == ("unparsed", "empty")
    assert deadline_note(deadline).startswith("срок не указан")


@pytest.mark.parametrize("text, period, expected", [
    ("28.10.2020", None, "срок до 28.10.2020"),
    ("Октябрь-ноябрь 2020 года", None, "срок до 30.11.2020"),
    ("IV квартал 2020 г.", None, "срок до 31.12.2020 (конец 4-го квартала)"),
    ("II полугодие 2021", None, "срок до 31.12.2021 (конец 2-го полугодия)"),
    ("2020-2021 учебный год", None, "срок до 31.08.2021 (конец 2020-2021 учебного года)"),
    ("2021–2022 гг.", None, "срок до 31.12.2022 (конец 2022 года)"),
    ("2021 год", None, "срок до 31.12.2021 (конец 2021 года)"),
    ("Август", POLYSAEVO, "месяц без года отнесён к периоду программы 01.09.2020–31.08.2021: срок до 31.08.2021"),
    ("В соответствии с графиком проведения в 2020-2021 учебном году", None,
     "периодическое мероприятие: срок — конец 2020-2021 учебного года (31.08.2021)"),
    ("ежегодно в 2021 году", None, "периодическое мероприятие: срок — конец 2021 года (31.12.2021)"),
    ("Весь период", POLYSAEVO, "периодическое или постоянное мероприятие: срок — конец периода программы (31.08.2021)"),
    ("Весь период", None, "периодическое или постоянное мероприятие: срок — конец периода программы, "
                          "но период не задан, поэтому просрочка не определяется"),
    ("31.02.2021", None, "срок не распознан: такой даты нет в календаре"),
    ("IV-II квартал 2020", None, "срок не распознан: кварталы идут не по порядку"),
    ("2022-2021 гг.", None, "срок не распознан: второй год диапазона должен быть позже первого"),
    ("Декабрь 2021 – январь 2021", None, "срок не распознан: месяцы и годы указаны не по порядку"),
    ("сентябрь 2020 - май", None, "срок не распознан: у последнего месяца не указан год"),
])
def test_deadline_notes(text, period, expected):
    assert note(text, period) == expected


def test_period_must_be_in_order():
    with pytest.raises(ValueError, match="Период программы"):
        parse_deadline("Август", (date(2021, 8, 31), date(2020, 9, 1)))


# --------------------------------------------------------------------------- roadmap_status

def _table(rows):
    columns = ["item", "direction", "measure", "deadline", "responsible", "status", "completed_on"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns)


def _one(deadline, status="", completed="", as_of=date(2020, 10, 31), period=None):
    frame = _table([("1", "Н", "Мероприятие", deadline, "УО", status, completed)])
    return roadmap_status(frame, as_of, period).iloc[0]


def test_due_on_the_as_of_day_is_not_overdue():
    row = _one("Октябрь 2020 года", "в работе", as_of=date(2020, 10, 31))
    assert row["due"] == pd.Timestamp("2020-10-31")
    assert (row["state"], row["state_title"]) == ("in_progress", "в работе")
    assert bool(row["due_by_as_of"])


def test_one_day_after_due_is_overdue():
    row = _one("Октябрь 2020 года", "в работе", as_of=date(2020, 11, 1))
    assert (row["state"], row["state_title"]) == ("overdue", "просрочено")
    assert _one("Октябрь 2020 года", "", as_of=date(2020, 11, 1))["state"] == "overdue"


def test_not_started_before_due():
    for status in ("не начато", "", None, "Не начато"):
        row = _one("Октябрь 2020 года", status, as_of=date(2020, 10, 1))
        assert (row["state"], row["state_title"]) == ("not_started", "не начато")
        assert pd.isna(row["problem"])


@pytest.mark.parametrize("completed, on_time", [
    ("2020-11-01", 0.0), ("01.11.2020", 0.0), ("2020-10-31", 1.0), ("31.10.2020", 1.0),
    ("2020-10-05", 1.0),
])
def test_on_time_at_the_boundary(completed, on_time):
    row = _one("Октябрь 2020 года", "выполнено", completed, as_of=date(2020, 12, 1))
    assert (row["state"], row["state_title"]) == ("done", "выполнено")
    assert row["on_time"] == on_time


@pytest.mark.parametrize("status", ["Выполнено", "выполнен", "ДА", "done"])
def test_done_spellings(status):
    assert _one("Октябрь 2020", status, "2020-10-10")["state"] == "done"


def test_done_without_or_with_unreadable_completion_date():
    row = _one("Октябрь 2020", "выполнено", "", as_of=date(2020, 12, 1))
    assert row["state"] == "done" and math.isnan(row["on_time"])
    row = _one("Октябрь 2020", "выполнено", "вчера", as_of=date(2020, 12, 1))
    assert row["state"] == "done" and math.isnan(row["on_time"])
    assert "дата выполнения «вчера» не распознана" in row["problem"]
    row = _one("Октябрь 2020", "выполнено", "31.02.2020", as_of=date(2020, 12, 1))
    assert math.isnan(row["on_time"]) and "не распознана" in row["problem"]


def test_periodic_item_without_period_is_never_overdue():
    row = _one("В течение учебного года", "в работе", as_of=date(2030, 1, 1))
    assert row["deadline_kind"] == "periodic" and pd.isna(row["due"])
    assert row["state"] == "in_progress"
    done = _one("Весь период", "выполнено", "2021-05-01", as_of=date(2030, 1, 1))
    assert (done["state"], done["on_time"]) == ("done", 1.0)


def test_periodic_item_with_period_is_due_at_period_end():
    row = _one("Весь период", "в работе", as_of=date(2021, 8, 31), period=POLYSAEVO)
    assert row["state"] == "in_progress"
    row = _one("Весь период", "в работе", as_of=date(2021, 9, 1), period=POLYSAEVO)
    assert row["state"] == "overdue"


def test_unparsed_deadline_is_reported_not_guessed():
    row = _one("после ремонта", "в работе", as_of=date(2030, 1, 1))
    assert (row["state"], row["state_title"]) == ("unparsed_deadline", "срок не распознан")
    assert "срок «после ремонта»: срок не распознан" in row["problem"]
    done = _one("после ремонта", "выполнено", "2020-10-01")
    assert done["state"] == "done" and math.isnan(done["on_time"])
    assert "срок не распознан" in done["problem"]


def test_unknown_status_counts_as_not_started_with_a_note():
    row = _one("Октябрь 2020", "частично", as_of=date(2020, 10, 1))
    assert row["state"] == "not_started"
    assert "статус «частично» не распознан" in row["problem"]


def test_status_keeps_rows_and_adds_columns():
    frame = _table([("1", "Н", "М", "Октябрь 2020", "УО", "в работе", None),
                    ("2", "Н", "М", "Весь период", "УО", None, None)])
    out = roadmap_status(frame, date(2020, 12, 1), POLYSAEVO)
    assert list(out.columns[:len(frame.columns)]) == list(frame.columns)
    for column in ("deadline_kind", "due", "state", "state_title", "on_time", "problem"):
        assert column in out
    assert list(out["state"]) == ["overdue", "not_started"]
    assert "deadline_kind" not in frame  # the input is not changed


def test_the_rule_gives_problem_codes():
    frame = _table([("1", "Н", "М", "после ремонта", "УО", "выполнено", "2020-10-01"),
                    ("2", "Н", "М", "Октябрь 2020", "УО", "частично", "вчера"),
                    ("3", "Н", "М", "Октябрь 2020", "УО", "выполнено", None),
                    ("4", "Н", "М", "Октябрь 2020", "УО", "в работе", None)])
    out = rules.roadmap_status(read_roadmap(frame), date(2020, 9, 1))
    # item 1 is marked done on 01.10.2020, after the monitoring date 01.09.2020: on that date it was
    # not done, so its lateness is not assessed and its unreadable deadline puts it in the list
    assert out["problems"].tolist() == ["deadline_unparsed,completion_after_as_of",
                                        "completion_date_unreadable,status_unknown", "completion_date_missing", None]
    assert out["state"].tolist() == ["unparsed_deadline", "not_started", "done", "in_progress"]
    assert "state_title" not in out and "problem" not in out


def test_period_per_municipality():
    frame = pd.DataFrame({"municipality": ["А", "Б", "В"], "item": ["1", "1", "1"],
                          "measure": ["М"] * 3, "deadline": ["Август"] * 3})
    out = roadmap_status(frame, date(2021, 1, 1), {"А": POLYSAEVO, "Б": ELISTA})
    assert list(out["due"]) == [pd.Timestamp("2021-08-31"), pd.Timestamp("2022-08-31"), pd.NaT]
    assert list(out["state"]) == ["not_started", "not_started", "unparsed_deadline"]


# --------------------------------------------------------------------------- summary

FIVE = _table([
    # due 31.10.2020, done on time
    ("1", "Кадры", "М1", "Октябрь 2020", "УО, МБОУ ДПО «ИМЦ», ОО", "выполнено", "2020-10-20"),
    # due 30.11.2020, done late
    ("2", "Кадры", "М2", "Ноябрь 2020", "УО", "выполнено", "05.12.2020"),
    # due 31.12.2020, not done -> overdue
    ("3", "Мониторинг", "М3", "Декабрь 2020", "ОО", "в работе", None),
    # due 31.03.2021, done early: on time but not yet due
    ("4", "Мониторинг", "М4", "Март 2021", "МБОУ «Школа № 35, филиал», ОО", "выполнено", "2021-01-10"),
    # periodic, due 31.08.2021: not started
    ("5", "Мониторинг", "М5", "В течение учебного года", "", "не начато", None),
])


def test_summary_by_hand():
    status = roadmap_status(FIVE, date(2021, 1, 15), POLYSAEVO)
    summary = roadmap_summary(status)
    assert len(summary) == 1
    row = summary.iloc[0]
    expected = {"done": 3, "in_progress": 0, "overdue": 1, "not_started": 1, "unparsed_deadline": 0,
                "total": 5, "done_on_time": 2, "due_by_as_of": 3, "done_on_time_of_due": 1}
    assert {k: int(row[k]) for k in expected} == expected
    # items 1, 2, 3 are due by 15.01.2021; only item 1 was done on time: 1 * 100 / 3
    assert row["share_done_on_time"] == pytest.approx(100 / 3)


def test_summary_share_is_nan_when_nothing_is_due():
    status = roadmap_status(FIVE, date(2020, 9, 15), POLYSAEVO)
    assert math.isnan(roadmap_summary(status).iloc[0]["share_done_on_time"])


def test_summary_by_direction():
    status = roadmap_status(FIVE, date(2021, 1, 15), POLYSAEVO)
    summary = roadmap_summary(status, by="direction").set_index("direction")
    assert list(summary.index) == ["Кадры", "Мониторинг"]
    assert summary.loc["Кадры", "total"] == 2 and summary.loc["Кадры", "done"] == 2
    assert summary.loc["Кадры", "share_done_on_time"] == pytest.approx(50.0)
    assert summary.loc["Мониторинг", "overdue"] == 1
    assert summary.loc["Мониторинг", "share_done_on_time"] == pytest.approx(0.0)


def test_split_bodies():
    assert split_bodies("УО, МБОУ ДПО «ИМЦ», ОО") == ["УО", "МБОУ ДПО «ИМЦ»", "ОО"]
    assert split_bodies("МБОУ «Школа № 35, филиал», ОО") == ["МБОУ «Школа № 35, филиал»", "ОО"]
    assert split_bodies("МБОУ «Школа «Гимназия, № 1»», УО") == ["МБОУ «Школа «Гимназия, № 1»»", "УО"]
    assert split_bodies('ООО "Рога, копыта";  УО ') == ['ООО "Рога, копыта"', "УО"]
    assert split_bodies("Управление образования Администрации города Элисты.") == [
        "Управление образования Администрации города Элисты"]
    assert split_bodies("УО, уо") == ["УО"]
    assert split_bodies("") == [] and split_bodies(None) == [] and split_bodies(float("nan")) == []


def test_summary_by_responsible_counts_an_item_once_per_body():
    status = roadmap_status(FIVE, date(2021, 1, 15), POLYSAEVO)
    assert roadmap_summary(status, by="responsible")["responsible"].iloc[-1] == ""   # the rule: no name
    summary = summary_frame(roadmap_summary(status, by="responsible")).set_index("responsible")
    assert list(summary.index) == ["УО", "МБОУ ДПО «ИМЦ»", "ОО", "МБОУ «Школа № 35, филиал»", NO_BODY]
    assert summary["total"].to_dict() == {"УО": 2, "МБОУ ДПО «ИМЦ»": 1, "ОО": 3,
                                          "МБОУ «Школа № 35, филиал»": 1, NO_BODY: 1}
    assert summary.loc["УО", "share_done_on_time"] == pytest.approx(50.0)
    assert summary.loc["ОО", "overdue"] == 1


def test_overdue_items():
    status = roadmap_status(FIVE, date(2021, 1, 15), POLYSAEVO)
    overdue = overdue_items(status)
    assert list(overdue.columns) == ["item", "measure", "deadline", "due", "responsible", "status"]
    assert overdue["item"].tolist() == ["3"]
    assert overdue.loc[0, "deadline"] == "Декабрь 2020"


# --------------------------------------------------------------------------- the sample

def _sample():
    """The Polysaevo and Elista plans of the sample (their execution state is fixed in params/roadmaps/)."""
    table = pd.read_csv(ROOT / "data" / "sample" / "roadmap.csv", dtype=str)
    return table[table["municipality"].isin(["Полысаево", "Элиста"])].reset_index(drop=True)


def test_sample_road_maps_parse_with_their_periods():
    status = roadmap_status(_sample(), date(2022, 9, 1), {"Полысаево": POLYSAEVO, "Элиста": ELISTA})
    kinds = status.groupby("municipality")["deadline_kind"].value_counts().unstack(fill_value=0)
    assert kinds.loc["Полысаево"].to_dict() == {"date": 18, "month_in_period": 0, "periodic": 8,
                                                "unparsed": 0, "year_range": 0}
    # the four items «по графику БУ ДПО «КРИПКРО»» depend on a schedule the data do not hold
    assert kinds.loc["Элиста"].to_dict() == {"date": 1, "month_in_period": 3, "periodic": 10,
                                             "unparsed": 4, "year_range": 1}
    unparsed = status[status["deadline_kind"] == "unparsed"]
    assert set(unparsed["deadline"]) == {"по графику БУ ДПО «КРИПКРО»"}
    assert set(unparsed["deadline_reason"]) == {"schedule_not_given"}
    elista = status[status["municipality"] == "Элиста"].set_index("item")
    assert elista.loc["2", "due"] == pd.Timestamp("2022-04-30")  # «Сентябрь, январь, апрель»
    assert elista.loc["4", "due"] == pd.Timestamp("2021-09-30")  # «Август, сентябрь»
    assert elista.loc["15", "due"] == pd.Timestamp("2022-12-31")  # «2021-2022г.»
    polysaevo = status[status["municipality"] == "Полысаево"].set_index("item")
    assert polysaevo.loc["22", "due"] == pd.Timestamp("2021-08-31")


def test_sample_without_periods_leaves_only_yearless_months_unparsed():
    status = roadmap_status(_sample(), date(2022, 9, 1))
    unparsed = status[status["deadline_kind"] == "unparsed"]
    assert unparsed["deadline"].tolist() == ["Сентябрь, январь, апрель", "Август, сентябрь", "Август"] + [
        "по графику БУ ДПО «КРИПКРО»"] * 4
    assert unparsed.loc[unparsed["state"] == "unparsed_deadline", "item"].tolist() == ["2", "14"]  # others done
    periodic = status[status["deadline_kind"] == "periodic"]
    assert (periodic["state"] != "overdue").all()


def test_sample_summary_at_the_end_of_both_programmes():
    status = roadmap_status(_sample(), date(2022, 9, 1), {"Полысаево": POLYSAEVO, "Элиста": ELISTA})
    summary = roadmap_summary(status, by="municipality").set_index("municipality")
    assert summary.loc["Полысаево", ["done", "overdue", "total", "done_on_time"]].tolist() == [22, 4, 26, 17]
    # Элиста on 01.09.2022: item 15 was completed on 23.12.2022, after the date -> in progress, not done;
    # due by the date: 19 items less the 4 with a schedule not given and item 15 (due 31.12.2022) = 14;
    # done on time among them: items 1, 3, 4, 5, 11, 12, 16, 17 = 8
    assert summary.loc["Элиста", ["done", "in_progress", "overdue", "unparsed_deadline", "total",
                                  "due_by_as_of"]].tolist() == [11, 1, 6, 1, 19, 14]
    assert summary.loc["Полысаево", "share_done_on_time"] == pytest.approx(17 * 100 / 26)
    assert summary.loc["Элиста", "share_done_on_time"] == pytest.approx(8 * 100 / 14)
    by_body = roadmap_summary(status, by=["municipality", "responsible"])
    assert by_body["total"].sum() > len(status)


def test_loaded_region_roadmap_and_empty_table():
    from qualitylib.data.region import load_region

    roadmap = load_region(ROOT / "data" / "sample").roadmap  # string dtype with <NA>
    roadmap = roadmap[roadmap["municipality"].isin(["Полысаево", "Элиста"])]
    status = roadmap_status(roadmap, date(2022, 9, 1), {"Полысаево": POLYSAEVO, "Элиста": ELISTA})
    assert status["deadline_kind"].value_counts().to_dict() == {
        "periodic": 18, "date": 19, "month_in_period": 3, "unparsed": 4, "year_range": 1}
    assert status["state"].value_counts().to_dict() == {"done": 33, "overdue": 10, "in_progress": 1,
                                                        "unparsed_deadline": 1}
    empty = roadmap_status(roadmap.iloc[:0], date(2022, 9, 1))
    assert roadmap_summary(empty).iloc[0]["total"] == 0
    assert overdue_items(empty).empty


# --------------------------------------------------------------------------- occurrences (issue 15)

from qualitylib.data.deadlines import deadline_occurrences, programme_years  # noqa: E402

NORILSK = (date(2022, 1, 1), date(2024, 12, 31))
CHAA_KHOL = (date(2021, 1, 1), date(2024, 12, 31))


def _dues(text, period):
    return [d.end for d in deadline_occurrences(text, period)]


def test_programme_years_cut_the_period_from_its_start():
    assert programme_years(ELISTA) == [ELISTA]
    assert programme_years(NORILSK) == [(date(2022, 1, 1), date(2022, 12, 31)), (date(2023, 1, 1), date(2023, 12, 31)),
                                        (date(2024, 1, 1), date(2024, 12, 31))]
    assert programme_years((date(2020, 9, 1), date(2021, 12, 31)))[-1] == (date(2021, 9, 1), date(2021, 12, 31))


def test_rounds_of_months_without_a_year():
    # Elista 2: three rounds in its one programme year, each due at the end of its month
    assert _dues("Сентябрь, январь, апрель", ELISTA) == [date(2021, 9, 30), date(2022, 1, 31), date(2022, 4, 30)]
    # over two programme years: six rounds
    two = (date(2021, 9, 1), date(2023, 8, 31))
    assert len(_dues("Сентябрь, январь, апрель", two)) == 6
    # consecutive months are one span, not rounds (Elista 4)
    assert _dues("Август, сентябрь", ELISTA) == [date(2021, 9, 30)]
    # a month without a year, every programme year (Norilsk 4.5.2)
    assert _dues("Октябрь", NORILSK) == [date(2022, 10, 31), date(2023, 10, 31), date(2024, 10, 31)]


def test_yearly_and_times_a_year():
    assert _dues("Ежегодно, май", NORILSK) == [date(2022, 5, 31), date(2023, 5, 31), date(2024, 5, 31)]
    assert _dues("Ежегодно", CHAA_KHOL) == [date(2021, 12, 31), date(2022, 12, 31), date(2023, 12, 31),
                                            date(2024, 12, 31)]
    assert _dues("В течение года", NORILSK)[-1] == date(2024, 12, 31)
    # «не менее 2 раз в год»: the year cut in halves from the period start (1 September)
    assert _dues("Ежегодно, не менее 2 раз в год", ELISTA) == [date(2022, 2, 28), date(2022, 8, 31)]
    occurrence = deadline_occurrences("Ежегодно, не менее 2 раз в год", ELISTA)[1]
    assert (occurrence.kind, occurrence.reason, occurrence.detail) == ("periodic", "periodic_times_a_year", (2, 2))


def test_single_deadlines_stay_single():
    assert _dues("Весь период", NORILSK) == [date(2024, 12, 31)]
    assert _dues("Январь 2023", NORILSK) == [date(2023, 1, 31)]
    assert _dues("ежегодно в 2021 году", NORILSK) == [date(2021, 12, 31)]  # names its own year
    assert _dues("Октябрь", None) == [None]  # no period: the month cannot be placed


@pytest.mark.parametrize("text, reason", [
    ("По отдельному графику ТИРО и ПК", "schedule_not_given"),
    ("По отдельному графику", "schedule_not_given"),
    ("по графику БУ ДПО «КРИПКРО»", "schedule_not_given"),
    ("По мере проведения процедур итоговой аттестации обучающихся", "event_driven"),
    ("Февраль, 2019 г.", "before_period"),
])
def test_deadlines_that_cannot_be_read_are_listed(text, reason):
    deadline = parse_deadline(text, CHAA_KHOL)
    assert (deadline.kind, deadline.end, deadline.reason) == ("unparsed", None, reason)
    assert deadline_note(deadline).startswith("срок не распознан")


def test_a_date_just_before_the_period_start_is_read_as_written():
    # Elista 1: «Август 2021 г.», the programme starts on 1 September 2021
    assert parse_deadline("Август 2021 г.", ELISTA).end == date(2021, 8, 31)
    assert parse_deadline("Ежегодно по отдельному графику", CHAA_KHOL).kind == "periodic"


def _recurring(*rows):
    return pd.DataFrame(rows, columns=["item", "measure", "deadline", "status", "completed_on"])


def test_each_occurrence_has_its_own_state():
    frame = _recurring(("1", "М1", "Октябрь", "в работе", "2022-10-20; 2023-11-05"),
                       ("2", "М2", "Октябрь", "выполнено", "2022-10-10"),
                       ("3", "М3", "Январь 2023", "выполнено", "2023-01-20"))
    read = read_roadmap(frame, NORILSK, occurrences=True)
    assert read["item"].tolist() == ["1", "1", "1", "2", "2", "2", "3"]
    assert read["occurrence"].tolist() == [1, 2, 3, 1, 2, 3, 1]
    status = rules.roadmap_status(read, date(2024, 11, 15))
    # item 1: 2022 on time, 2023 late (due 31.10.2023, done 05.11.2023), 2024 not done and due 31.10.2024
    assert status["state"].tolist()[:3] == ["done", "done", "overdue"]
    assert status["on_time"].tolist()[:2] == [1.0, 0.0]
    # item 2 marked done as a whole: every occurrence done, the dates of 2023 and 2024 missing
    assert status["state"].tolist()[3:6] == ["done"] * 3
    assert status["problems"].tolist()[4:6] == ["completion_date_missing"] * 2
    summary = roadmap_summary(status)
    assert summary.loc[0, ["total", "done", "overdue", "due_by_as_of"]].tolist() == [7, 6, 1, 7]


def test_an_item_completed_after_the_monitoring_date_is_not_done_on_that_date():
    frame = _recurring(("15", "М", "2021-2022г.", "выполнено", "2022-12-23"),
                       ("26", "М", "Июль-август 2021 год", "выполнено", "2021-09-14"))
    status = rules.roadmap_status(read_roadmap(frame, ELISTA), date(2022, 9, 1))
    # 15: due 31.12.2022, not yet due -> in progress; 26: due 31.08.2021, done later but before the date
    assert status["state"].tolist() == ["in_progress", "done"]
    assert status["problems"].tolist() == ["completion_after_as_of", None]
    earlier = rules.roadmap_status(read_roadmap(frame, ELISTA), date(2021, 9, 1))
    assert earlier["state"].tolist() == ["in_progress", "overdue"]  # 26 was overdue on 01.09.2021


def test_a_plan_period_overrides_the_programme_period():
    frame = pd.DataFrame({"municipality": ["Н", "Н"], "plan": ["p2023", "measures"], "item": ["1", "1"],
                          "measure": ["М", "М"], "deadline": ["В течение учебного года"] * 2})
    read = read_roadmap(frame, {"Н": NORILSK}, plan_periods={"p2023": (date(2023, 1, 1), date(2023, 12, 31))},
                        occurrences=True)
    assert read.groupby("plan").size().to_dict() == {"measures": 3, "p2023": 1}
    assert read.loc[read["plan"] == "p2023", "due"].tolist() == [pd.Timestamp("2023-12-31")]


def test_bodies_are_normalised_through_the_alias_table():
    from qualitylib.data.roadmaps import load_body_aliases

    aliases = load_body_aliases()["Элиста"]
    cell_a = "МЦ Управление образования Администрации города Элисты, общеобразовательные организации"
    cell_b = "МЦ Управления образования Администрации города Элисты, общеобразовательные организации"
    assert split_bodies(cell_a, aliases) == split_bodies(cell_b, aliases)
    frame = _table([("1", "Н", "М", "Октябрь 2021", cell_a, "выполнено", "2021-10-01"),
                    ("2", "Н", "М", "Октябрь 2021", cell_b, "в работе", None)])
    status = rules.roadmap_status(read_roadmap(frame), date(2021, 12, 1))
    by_body = roadmap_summary(status, by="responsible", aliases=aliases).set_index("responsible")
    centre = "МЦ Управления образования Администрации города Элисты"
    assert by_body.loc[centre, ["total", "done", "overdue"]].tolist() == [2, 1, 1]
    assert len(by_body) == 2
    # list dashes split bodies; an initial keeps its full stop
    assert split_bodies("- ОО - Управления образования") == ["ОО", "Управления образования"]
    assert split_bodies("Меркулова В.Ф.") == ["Меркулова В.Ф."]
