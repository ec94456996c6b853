"""Excel templates of the data contract and per-school forms (:mod:`qualitylib.batch.templates`,
:mod:`qualitylib.data.forms`, commands ``template`` and ``collect``)."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from conftest import SCHOOLS, write_csv

from qualitylib.batch.cli import main
from qualitylib.batch.templates import write_forms, write_templates
from qualitylib.data.forms import FIRST_ROW, collect_forms, read_table_file
from qualitylib.data.schema import CONTEXT, MONITORING, SCHOOLS as SCHOOLS_TABLE, TABLES


@pytest.fixture
def schools(tmp_path):
    header, rows = SCHOOLS
    return read_table_file(write_csv(tmp_path / "schools.csv", header, rows), SCHOOLS_TABLE)


def _validations(sheet):
    return {str(dv.sqref).split(":")[0][:-1]: dv for dv in sheet.data_validations.dataValidation}


def test_a_workbook_for_every_table_with_russian_headers_comments_and_instructions(tmp_path):
    written = write_templates(tmp_path / "t")
    assert sorted(p.name for p in written) == sorted(f"{t.file_aliases[0]}.xlsx" for t in TABLES.values())
    for table in TABLES.values():
        book = openpyxl.load_workbook(tmp_path / "t" / f"{table.file_aliases[0]}.xlsx")
        assert book.sheetnames[:1] == [table.title] and "Инструкция" in book.sheetnames
        sheet = book[table.title]
        assert [c.value for c in sheet[2]] == [c.title for c in table.columns]
        assert all(c.comment is not None and c.comment.text for c in sheet[2])
        instruction = [r[0] for r in book["Инструкция"].iter_rows(values_only=True)]
        assert any("Итого" in (line or "") for line in instruction)


def test_drop_down_lists_and_ranges(tmp_path):
    write_templates(tmp_path / "t")
    sheet = openpyxl.load_workbook(tmp_path / "t" / "результаты.xlsx")["Результаты"]
    dv = _validations(sheet)
    letters = {c.value: c.column_letter for c in sheet[2]}
    procedure = dv[letters["Процедура"]]
    assert (procedure.type, procedure.formula1) == ("list", '"ВПР,ОГЭ,ЕГЭ,РДР"')
    grade = dv[letters["Класс"]]
    assert (grade.type, grade.formula1, grade.formula2) == ("whole", "4", "11")
    assert str(grade.sqref) == f"{letters['Класс']}3:{letters['Класс']}5002"
    assert dv[letters["Средний балл"]].type == "decimal"
    context = openpyxl.load_workbook(tmp_path / "t" / "контекст.xlsx")["Контекст"]
    dv = _validations(context)
    letters = {c.value: c.column_letter for c in context[2]}
    assert dv[letters["1.1 Устойчивый доступ в Интернет"]].formula1 == '"да,нет"'
    pct = dv[letters["2.1 Учителя с нагрузкой 36 ч и более, %"]]
    assert (pct.type, pct.formula1, pct.formula2) == ("decimal", "0", "100")


def test_school_list_prefilled_and_offered_as_codes(tmp_path, schools):
    write_templates(tmp_path / "t", schools, year=2024)
    # the schools template read back is the schools table itself
    pd.testing.assert_frame_equal(read_table_file(tmp_path / "t" / "школы.xlsx", SCHOOLS_TABLE), schools)
    book = openpyxl.load_workbook(tmp_path / "t" / "мониторинг.xlsx")
    sheet = book["Мониторинг"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[-1]) for r in rows] == [(2024, "S1", "Школа № 1"), (2024, "S2", "Школа № 2"),
                                                    (2024, "S3", "Школа № 3")]
    assert sheet.cell(2, sheet.max_column).value == "Наименование ОО (для справки)"
    assert _validations(sheet)["B"].formula1 == "'Списки'!$A$2:$A$4"
    assert [r[0] for r in book["Списки"].iter_rows(min_row=2, values_only=True)] == ["S1", "S2", "S3"]
    # filled in, the monitoring template reads without a word about the reference column
    for row in range(3, 6):
        sheet.cell(row, 3, 40 + row)
    book.save(tmp_path / "t" / "мониторинг.xlsx")
    frame = read_table_file(tmp_path / "t" / "мониторинг.xlsx", MONITORING)
    assert frame["teachers_total"].tolist() == [43, 44, 45]


def _fill(path, sheet_name, values: dict):
    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name]
    rows = {sheet.cell(r, 1).value: r for r in range(FIRST_ROW, sheet.max_row + 1)}
    for title, value in values.items():
        sheet.cell(rows[title], 2, value)
    book.save(path)
    return rows


CONTEXT_VALUES = {c.title: (0 if c.kind == "flag" else 12.5) for c in CONTEXT.columns
                  if c.required and c.name not in CONTEXT.key}


def test_forms_of_three_schools_collected(tmp_path, schools):
    forms = write_forms(tmp_path / "forms", schools, 2024)
    assert [p.relative_to(tmp_path / "forms").as_posix() for p in forms] == [
        "Северный/S1.xlsx", "Северный/S2.xlsx", "Южный/S3.xlsx"]
    for number, path in enumerate(forms, start=1):
        _fill(path, "Контекст", {**CONTEXT_VALUES, "1.1 Устойчивый доступ в Интернет": "да" if number != 2 else "нет"})
        _fill(path, "Мониторинг", {"Педагогов всего": 10 * number, "Педагогов с ИОМ": number})
    collected = collect_forms(tmp_path / "forms", {"S1", "S2", "S3"})
    assert collected.problems == []
    context, monitoring = collected.tables["context"], collected.tables["monitoring"]
    assert context["school_id"].tolist() == ["S1", "S2", "S3"]
    assert context["internet"].tolist() == [1, 0, 1]
    assert context["teachers_overload_pct"].tolist() == [12.5] * 3
    assert monitoring["teachers_total"].tolist() == [10, 20, 30]
    assert monitoring["teachers_with_iom"].tolist() == [1, 2, 3]


def test_every_message_names_the_school_file_sheet_and_row(tmp_path, schools):
    forms = write_forms(tmp_path / "forms", schools, 2024)
    rows = _fill(forms[0], "Контекст", {**CONTEXT_VALUES, "2.2 Учителя без профильного диплома, %": 140})
    _fill(forms[1], "Мониторинг", {"Педагогов всего": "много"})
    collected = collect_forms(tmp_path / "forms", {"S1", "S2", "S3"})
    assert collected.tables == {}
    errors = [(p.file, p.sheet, p.row, p.column, p.value) for p in collected.errors]
    assert errors == [
        ("Северный/S1.xlsx", "Контекст", rows["2.2 Учителя без профильного диплома, %"],
         "2.2 Учителя без профильного диплома, %", "140"),
        ("Северный/S2.xlsx", "Мониторинг", FIRST_ROW, "Педагогов всего", "много"),
    ]
    assert collected.errors[0].format().startswith("Ошибка: файл «Северный/S1.xlsx», лист «Контекст», строка ")


def test_required_value_left_empty_and_unknown_or_repeated_school(tmp_path, schools):
    forms = write_forms(tmp_path / "forms", schools, 2024)
    values = dict(CONTEXT_VALUES)
    missing = values.pop("3.4 Систематически пропускающие занятия, %")
    assert missing == 12.5
    rows = _fill(forms[0], "Контекст", values)
    _fill(forms[1], "Мониторинг", {"Педагогов всего": 5})
    copy = tmp_path / "forms" / "копия S2.xlsx"
    copy.write_bytes(forms[1].read_bytes())
    collected = collect_forms(tmp_path / "forms", {"S1", "S3"})
    found = {(p.file, p.row, p.message.split(":")[0]) for p in collected.errors}
    assert ("Северный/S1.xlsx", rows["3.4 Систематически пропускающие занятия, %"], "пустая ячейка") in found
    assert ("Северный/S2.xlsx", 3, "код школы не найден в списке школ региона") in found
    assert ("копия S2.xlsx", 3, "код школы не найден в списке школ региона") in found
    collected = collect_forms(tmp_path / "forms", {"S1", "S2", "S3"})
    assert any(p.file == "копия S2.xlsx" and "уже прочитана из файла «Северный/S2.xlsx»" in p.message
               for p in collected.errors)


def test_template_and_collect_commands(tmp_path, capsys):
    header, rows = SCHOOLS
    write_csv(tmp_path / "schools.csv", header, rows)
    region = tmp_path / "region"
    assert main(["template", str(region), "--schools", str(tmp_path / "schools.csv"), "--year", "2024",
                 "--forms"]) == 0
    out = capsys.readouterr().out
    assert "форм — 3" in out
    assert not (region / "контекст.xlsx").exists()  # the forms give it
    for path in sorted((region / "формы школ").rglob("*.xlsx")):
        _fill(path, "Мониторинг", {"Педагогов всего": 7})
    assert main(["collect", str(region / "формы школ"), "--out", str(region)]) == 0
    out = capsys.readouterr().out
    assert "Таблица «Мониторинг»: строк из форм — 3, всего — 3" in out
    written = pd.read_csv(region / "monitoring.csv")
    assert written["teachers_total"].tolist() == [7, 7, 7]
    # collected again after one school corrected its form: its row is replaced, not repeated
    _fill(region / "формы школ" / "Южный" / "S3.xlsx", "Мониторинг", {"Педагогов всего": 9})
    assert main(["collect", str(region / "формы школ"), "--out", str(region)]) == 0
    assert pd.read_csv(region / "monitoring.csv")["teachers_total"].tolist() == [7, 7, 9]


def test_forms_need_schools_and_year(tmp_path, capsys):
    assert main(["template", str(tmp_path / "t"), "--forms"]) == 2
    assert "--schools" in capsys.readouterr().err


def test_forms_carry_monitoring_rounds_and_collect_checks_them(tmp_path, schools):
    """A form holds the yearly values (B) and one column per round (D, E); collect makes a row per round."""
    from openpyxl import load_workbook

    from qualitylib.data.forms import FIRST_ROUND_COLUMN, HEADER_ROW

    forms = write_forms(tmp_path / "forms", schools, 2024, {"Северный": ["январь", "июнь"]})
    sheet = load_workbook(forms[0])["Мониторинг"]
    headers = [sheet.cell(HEADER_ROW, c).value for c in range(1, 6)]
    assert headers == ["Показатель", "Значение", "Что вводить", "Значение — январь", "Значение — июнь"]
    assert load_workbook(forms[2])["Мониторинг"].cell(HEADER_ROW, FIRST_ROUND_COLUMN + 1).value is None  # Южный
    assert load_workbook(forms[0])["Контекст"].cell(HEADER_ROW, FIRST_ROUND_COLUMN + 1).value is None
    rows = _fill(forms[0], "Мониторинг", {"Педагогов всего": 10})
    book = load_workbook(forms[0])
    mon = book["Мониторинг"]
    row = rows["Слабоуспевающих и неуспевающих"]
    mon.cell(row, 4, 30)          # January
    mon.cell(row, 5, 24)          # June
    mon.cell(rows["Из них с ИОМ"], 5, 20)
    book.save(forms[0])
    _fill(forms[1], "Мониторинг", {"Педагогов всего": 7})
    collected = collect_forms(tmp_path / "forms", {"S1", "S2", "S3"})
    assert collected.errors == []
    monitoring = collected.tables["monitoring"]
    s1 = monitoring[monitoring["school_id"] == "S1"].set_index(monitoring.loc[monitoring["school_id"] == "S1", "round"]
                                                               .fillna(""))
    assert s1.loc["", "teachers_total"] == 10 and pd.isna(s1.loc["", "weak_pupils"])
    assert s1.loc["январь", "weak_pupils"] == 30 and pd.isna(s1.loc["январь", "weak_pupils_with_iom"])
    assert s1.loc["июнь", ["weak_pupils", "weak_pupils_with_iom"]].tolist() == [24, 20]
    assert sorted(monitoring["round"].fillna("").tolist()) == ["", "", "июнь", "январь"]
    # a round's bad value names the form's row and the round; a round named twice is an error
    mon.cell(rows["Из них с ИОМ"], 4, "много")
    mon.cell(HEADER_ROW, 6, "Значение — июнь")
    mon.cell(row, 6, 1)
    book.save(forms[0])
    collected = collect_forms(tmp_path / "forms", {"S1", "S2", "S3"})
    found = [(p.row, p.column, p.message) for p in collected.errors]
    assert any(r == rows["Из них с ИОМ"] and c == "Из них с ИОМ" and m.endswith("(раунд «январь»)")
               for r, c, m in found)
    assert any(r == HEADER_ROW and c == "F" and "раунд «июнь» указан дважды" in m for r, c, m in found)
    assert collected.tables == {}


def test_template_writes_the_rounds_of_each_programme(tmp_path, capsys):
    header, rows = SCHOOLS
    write_csv(tmp_path / "schools.csv", header, [r for r in rows])
    schools = pd.read_csv(tmp_path / "schools.csv").assign(programme="norilsk")
    schools.to_csv(tmp_path / "schools.csv", index=False)
    region = tmp_path / "region"
    assert main(["template", str(region), "--schools", str(tmp_path / "schools.csv"), "--year", "2024",
                 "--forms"]) == 0
    assert "Раунды мониторинга в формах (Северный): январь, июнь" in capsys.readouterr().out
    from openpyxl import load_workbook
    from qualitylib.data.forms import HEADER_ROW

    path = sorted((region / "формы школ").rglob("*.xlsx"))[0]
    assert load_workbook(path)["Мониторинг"].cell(HEADER_ROW, 5).value == "Значение — июнь"
    assert main(["template", str(tmp_path / "r2"), "--schools", str(tmp_path / "schools.csv"), "--year", "2024",
                 "--forms", "--rounds", "сентябрь, январь, апрель"]) == 0
    assert "(все школы): сентябрь, январь, апрель" in capsys.readouterr().out
