"""Tests of validation (:mod:`qualitylib.data.validation`): one bad file per kind of error.

Each test writes the small valid region of ``conftest.py``, spoils one cell of one
file and checks the problem: file name, Excel row (header = row 1, data from row 2),
column header as written in the file, the bad value and the Russian message.
"""
from __future__ import annotations

from conftest import (
    CONTEXT, RESULTS, SCHOOLS, assert_problem, errors, russian, with_cell, without_column,
    write_csv, write_region,
)
import pytest

from qualitylib import validate_region
from qualitylib.data.io import read_raw
from qualitylib.data.schema import TABLES
from qualitylib.data.validation import convert_table, current_year, normalise_header


def only_error(folder):
    region, problems = validate_region(folder)
    assert region is None
    [problem] = errors(problems)
    return problem


def spoil(tmp_path, **tables):
    """A region folder (UTF-8, ``,``, canonical headers) with some tables replaced."""
    return write_region(tmp_path / "region", **tables)


def spoil_russian(tmp_path, **tables):
    """The same as cp1251 ``;`` CSV with Russian headers and values."""
    return write_region(tmp_path / "region", titles=True, sep=";", encoding="cp1251", **tables)


# ---------------------------------------------------------------------------- headers
def test_normalise_header():
    assert normalise_header("  Обучающиеся  на учёте, % ") == "обучающиеся на учете, %"


def test_missing_required_column(tmp_path):
    folder = spoil(tmp_path, results=without_column(RESULTS, "low_count"))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", None, None, None,
                   "нет обязательного столбца «low_count» («Низкий результат»)")


def test_missing_required_column_russian_file(tmp_path):
    folder = spoil_russian(tmp_path, schools=without_column(SCHOOLS, "municipality"))
    problem = only_error(folder)
    assert_problem(problem, "schools.csv", None, None, None,
                   "нет обязательного столбца «municipality» («Муниципалитет»)")


def test_aliases_are_accepted(tmp_path):
    folder = spoil(tmp_path)
    header, rows = russian("results", RESULTS)
    header[header.index("Участников")] = "Число  участников"
    header[header.index("Низкий результат")] = "Получили 2"
    write_csv(folder / "results.csv", header, rows, sep=";")
    region, problems = validate_region(folder)
    assert problems == []
    assert region.results["low_count"].tolist() == [2, 3, 1, 0]


def test_duplicated_column(tmp_path):
    folder = spoil(tmp_path)
    header, rows = RESULTS
    write_csv(folder / "results.csv", header[:-1] + ["Участников"], [r[:-1] + [r[5]] for r in rows])
    problem = only_error(folder)
    assert_problem(problem, "results.csv", None, "Участников", None,
                   "столбец повторяется (уже есть «participants»)")


def test_same_header_twice_is_reported_not_crashing(tmp_path):
    folder = spoil(tmp_path)
    header, rows = RESULTS
    write_csv(folder / "results.csv", header + ["participants"], [r + [r[5]] for r in rows])
    problem = only_error(folder)
    assert_problem(problem, "results.csv", None, "participants", None, "столбец повторяется")


# ---------------------------------------------------------------------------- cells
def test_text_in_int_column(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 1, "participants", "много"))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 3, "Участников", "много", "ожидалось целое число")


def test_fractional_grade(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 2, "grade", 9.5))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 4, "Класс", "9,5", "ожидалось целое число, а не дробное")


def test_empty_required_cell(tmp_path):
    folder = spoil(tmp_path, schools=with_cell(SCHOOLS, 2, "school_name", None))
    problem = only_error(folder)
    assert_problem(problem, "schools.csv", 4, "school_name", "", "пустая ячейка: значение обязательно")


def test_negative_count(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 3, "low_count", -2))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 5, "Низкий результат", "-2",
                   "отрицательное значение: ожидалось число ≥ 0")


def test_negative_count_in_schools(tmp_path):
    folder = spoil(tmp_path, schools=with_cell(SCHOOLS, 0, "pupils_total", -500))
    problem = only_error(folder)
    assert_problem(problem, "schools.csv", 2, "pupils_total", "-500", "отрицательное значение")


def test_negative_participants_is_one_problem(tmp_path):
    folder = spoil(tmp_path, results=with_cell(RESULTS, 3, "participants", -15))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 5, "participants", "-15", "отрицательное значение")


def test_low_count_above_participants(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 3, "low_count", 16))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 5, "Низкий результат", "16",
                   "низких результатов (16) больше, чем участников (15)")


def test_percent_above_100(tmp_path):
    folder = spoil_russian(tmp_path, context=with_cell(CONTEXT, 1, "teachers_overload_pct", 100.5))
    problem = only_error(folder)
    assert_problem(problem, "context.csv", 3, "2.1 Учителя с нагрузкой 36 ч и более, %", "100,5",
                   "ожидался процент от 0 до 100")


def test_percent_below_0(tmp_path):
    folder = spoil(tmp_path, context=with_cell(CONTEXT, 2, "pupils_failing_pct", -1.0))
    problem = only_error(folder)
    assert_problem(problem, "context.csv", 4, "pupils_failing_pct", "-1.0", "ожидался процент от 0 до 100")


def test_flag_not_0_or_1(tmp_path):
    folder = spoil(tmp_path, context=with_cell(CONTEXT, 0, "internet", 2))
    problem = only_error(folder)
    assert_problem(problem, "context.csv", 2, "internet", "2", "ожидалось 1 (да) или 0 (нет)")


def test_unknown_school_in_results(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 1, "school_id", "S9"))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 3, "Код ОО", "S9",
                   "код школы не найден в справочнике школ «schools.csv»")


def test_unknown_school_in_context(tmp_path):
    folder = spoil(tmp_path, context=with_cell(CONTEXT, 2, "school_id", "S4"))
    problem = only_error(folder)
    assert_problem(problem, "context.csv", 4, "school_id", "S4", "код школы не найден")


def test_duplicate_key_names_earlier_row(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 1, "school_id", "S1"))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 3, "Класс", None,
                   "такая же строка уже есть в строке 2")
    assert "year=2024, school_id=S1, procedure=vpr, subject=math, grade=5" in problem.message


def test_duplicate_key_across_subject_spellings(tmp_path):
    columns, rows = with_cell(RESULTS, 1, "school_id", "S1")
    rows[1][columns.index("subject")] = "Математика"
    folder = spoil(tmp_path, results=(columns, rows))
    problem = only_error(folder)
    assert (problem.file, problem.row) == ("results.csv", 3)
    assert "уже есть в строке 2" in problem.message


def test_duplicate_school(tmp_path):
    folder = spoil(tmp_path, schools=with_cell(SCHOOLS, 2, "school_id", "S1"))
    region, problems = validate_region(folder)
    assert region is None
    duplicate = [p for p in errors(problems) if "повтор ключа" in p.message]
    assert len(duplicate) == 1
    assert_problem(duplicate[0], "schools.csv", 4, "school_id", None, "уже есть в строке 2")


def test_unknown_procedure_code(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 0, "procedure", "ВПР-2"))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 2, "Процедура", "ВПР-2",
                   "неизвестный код: ожидалось одно из значений ege, oge, rdr, vpr")


def test_year_in_future(tmp_path):
    future = current_year() + 1
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 2, "year", future))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 4, "Год", str(future),
                   f"год в будущем: ожидался год не позднее {current_year()}")


def test_current_year_is_accepted(tmp_path):
    folder = spoil(tmp_path, results=with_cell(RESULTS, 2, "year", current_year()))
    region, problems = validate_region(folder)
    assert problems == []
    assert region.years == [2024, current_year()]


def test_year_too_early(tmp_path):
    folder = spoil(tmp_path, context=with_cell(CONTEXT, 0, "year", 1999))
    problem = only_error(folder)
    assert_problem(problem, "context.csv", 2, "year", "1999", "не ранее 2000")


def test_oge_in_grade_8(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 2, "grade", 8))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 4, "Класс", "8",
                   "ОГЭ не проводится в этом классе: ожидался класс 9")


def test_ege_in_grade_9(tmp_path):
    folder = spoil(tmp_path, results=with_cell(RESULTS, 3, "grade", 9))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 5, "grade", "9", "ЕГЭ не проводится в этом классе")


def test_grade_out_of_range(tmp_path):
    folder = spoil(tmp_path, results=with_cell(RESULTS, 3, "grade", 3))
    region, problems = validate_region(folder)
    first = errors(problems)[0]
    assert_problem(first, "results.csv", 5, "grade", "3", "ожидалось значение от 4 до 11")


def test_marks_do_not_add_up_to_participants(tmp_path):
    folder = spoil_russian(tmp_path, results=with_cell(RESULTS, 0, "mark3", 9))
    problem = only_error(folder)
    assert_problem(problem, "results.csv", 2, "Участников", "20",
                   "сумма отметок «2»–«5» (21) не равна числу участников (20)")


def test_missing_marks_are_not_summed(tmp_path):
    # the ЕГЭ row has no marks; a ВПР row with one mark missing is not checked either
    folder = spoil(tmp_path, results=with_cell(RESULTS, 0, "mark5", None))
    region, problems = validate_region(folder)
    assert problems == []
    assert region.results["mark5"].isna().tolist() == [True, False, False, True]


def test_missing_required_table(tmp_path):
    folder = spoil(tmp_path)
    (folder / "results.csv").unlink()
    problem = only_error(folder)
    assert problem.file == "results.csv"
    assert ("нет таблицы «Результаты»: ожидался файл «results.csv», «results.xlsx», «результаты.csv» или "
            "«результаты.xlsx»") in problem.message


# ---------------------------------------------------------------------------- all at once
def test_all_problems_of_a_file_at_once_sorted_by_row(tmp_path):
    columns, rows = with_cell(RESULTS, 3, "procedure", "ГИА")  # row 5, reported first by column
    rows[0][columns.index("participants")] = "двадцать"  # row 2
    rows[1][columns.index("grade")] = "5.5"  # row 3
    folder = spoil(tmp_path, results=(columns, rows))
    region, problems = validate_region(folder)
    assert region is None
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("results.csv", 2, "participants", "двадцать"),
        ("results.csv", 3, "grade", "5.5"),
        ("results.csv", 5, "procedure", "ГИА"),
    ]


def test_problems_of_all_files_sorted_by_file_and_row(tmp_path):
    folder = spoil(
        tmp_path,
        schools=with_cell(SCHOOLS, 1, "pupils_total", "сто"),
        results=with_cell(with_cell(RESULTS, 3, "low_count", -1), 0, "year", "2024 г."),
        context=with_cell(CONTEXT, 2, "internet", "может быть"),
    )
    region, problems = validate_region(folder)
    assert region is None
    assert [(p.file, p.row) for p in problems] == [
        ("context.csv", 4), ("results.csv", 2), ("results.csv", 5), ("schools.csv", 3)]
    assert all(p.severity == "error" for p in problems)


def test_unknown_schools_reported_with_cell_errors(tmp_path):
    columns, rows = with_cell(RESULTS, 2, "school_id", "S7")
    rows[0][columns.index("grade")] = "пятый"
    folder = spoil(tmp_path, results=(columns, rows))
    region, problems = validate_region(folder)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "grade", "пятый"), (4, "school_id", "S7")]


# ---------------------------------------------------------------------------- convert_table
def test_convert_table_keeps_excel_rows_and_headers(tmp_path):
    header, rows = russian("results", RESULTS)
    raw = read_raw(write_csv(tmp_path / "results.csv", header, rows, sep=";", encoding="cp1251"))
    frame, problems = convert_table(raw, TABLES["results"])
    assert problems == []
    assert frame.index.tolist() == [2, 3, 4, 5]
    assert frame.attrs["headers"]["participants"] == "Участников"
    assert frame.loc[2, "subject"] == "math"
    assert frame.loc[4, "procedure"] == "oge"
    assert frame.loc[3, "mean_score"] == 9.0
    assert str(frame["participants"].dtype) == "Int64"


def test_convert_table_none_when_required_column_missing(tmp_path):
    raw = read_raw(write_csv(tmp_path / "results.csv", *without_column(RESULTS, "grade")))
    frame, problems = convert_table(raw, TABLES["results"])
    assert frame is None
    assert [p.message for p in problems] == ["нет обязательного столбца «grade» («Класс»)"]


def test_municipal_records_are_read_and_checked(tmp_path):
    """The table «Мониторинг муниципалитета»: yes/no items with evidence, a flag checked, a town spelling named."""
    folder = spoil(tmp_path)
    write_csv(folder / "мониторинг муниципалитета.csv", ["Год", "Муниципалитет", "Показатель", "Выполнено",
                                                          "Подтверждение"],
              [[2024, "Северный", "6", 1, "приказ № 3"], [2024, "Северный", "7", "", ""],
               [2024, "С\u0065верный", "9", 0, ""]])
    region, problems = validate_region(folder)
    assert region is not None and errors(problems) == []
    assert region.municipal["indicator"].tolist() == ["6", "7", "9"]
    assert region.municipal["done"].isna().tolist() == [False, True, False]
    assert region.subset("Северный").municipal["evidence"].iloc[0] == "приказ № 3"
    [odd] = [p for p in problems if p.file.endswith("мониторинг муниципалитета.csv")]
    assert odd.severity == "warning" and odd.row == 4 and "не так, как в справочнике школ" in odd.message
    write_csv(folder / "мониторинг муниципалитета.csv", ["Год", "Муниципалитет", "Показатель", "Выполнено"],
              [[2024, "Северный", "6", "да2"]])
    problem = only_error(folder)
    assert_problem(problem, "мониторинг муниципалитета.csv", 2, "Выполнено", "да2", "ожидалось 1 (да) или 0 (нет)")
