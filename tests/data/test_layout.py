"""The forgiving reader (:mod:`qualitylib.data.layout`): title rows, two-row headers, total rows, odd file names.

Every file is made by hand in ``tmp_path`` the way an analyst lays it out in Excel.
"""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from conftest import CONTEXT, RESULTS, SCHOOLS, errors, russian, write_csv, write_region

from qualitylib import load_region, validate_region
from qualitylib.data.layout import guess_table, join_header, header_lookup
from qualitylib.data.schema import CONTEXT as CONTEXT_TABLE


def _book(path, rows, merges=()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Результаты"
    for row in rows:
        sheet.append(list(row))
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def _plain(tmp_path):
    return load_region(write_region(tmp_path / "plain"), use_cache=False)


def test_title_rows_above_the_header_of_a_workbook_are_skipped(tmp_path):
    folder = write_region(tmp_path / "titled")
    (folder / "results.csv").unlink()
    header, rows = russian("results", RESULTS, comma=False)
    _book(folder / "результаты.xlsx",
          [["Результаты оценочных процедур, 2024 год"], [None], header, *rows], merges=["A1:K1"])
    region, problems = validate_region(folder)
    assert errors(problems) == []
    assert problems == []  # a title is no data: nothing to warn about
    pd.testing.assert_frame_equal(region.results, _plain(tmp_path).results)
    assert region.sources["results"].name == "результаты.xlsx"


def test_title_row_of_a_csv_and_its_row_numbers(tmp_path):
    folder = write_region(tmp_path / "titled")
    header, rows = RESULTS
    rows = [list(r) for r in rows]
    rows[1][header.index("participants")] = "десять"
    text = "Результаты ВПР;;;\n" + ";".join(header) + "\n" + "\n".join(
        ";".join("" if v is None else str(v) for v in r) for r in rows) + "\n"
    (folder / "results.csv").write_text(text, encoding="utf-8")
    region, problems = validate_region(folder)
    [problem] = errors(problems)
    # the title is line 1, the header line 2: the second school row is line 4, as the editor shows it
    assert (problem.row, problem.column, problem.value) == (4, "participants", "десять")


def test_rows_with_several_values_above_the_header_are_named(tmp_path):
    folder = write_region(tmp_path / "lost")
    header, rows = RESULTS
    _book(folder / "results.xlsx", [[2023, "S1", "vpr", "math", 5, 20, 2], header, *rows])
    (folder / "results.csv").unlink()
    region, problems = validate_region(folder)
    [warning] = problems
    assert warning.severity == "warning" and warning.file == "results.xlsx"
    assert "строки над заголовком (1) не прочитаны" in warning.message
    assert "в строке 2" in warning.message
    assert len(region.results) == 4


def test_two_row_header_with_merged_groups_is_joined(tmp_path):
    """«Результаты» merged over three sub-columns, «Код ОО» merged down over two rows."""
    folder = write_region(tmp_path / "merged")
    (folder / "results.csv").unlink()
    top = ["Год", "Код ОО", "Процедура", "Предмет", "Класс", "Результаты", None, None, None, None, None]
    bottom = [None, None, None, None, None, "Участников", "Низкий результат", "Отметка 3", "Отметка 4",
              "Отметка 5", "Средний балл"]
    _, rows = RESULTS
    _book(folder / "results.xlsx", [top, bottom, *rows],
          merges=["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:K1"])
    region, problems = validate_region(folder)
    assert problems == []
    # the optional columns under the group are kept, not dropped
    assert region.results["mean_score"].tolist() == [11.5, 9.0, 24.5, 68.0]
    pd.testing.assert_frame_equal(region.results, _plain(tmp_path).results)


def test_two_row_header_joins_group_and_sub_column_into_the_contract_title():
    names = join_header(["Год", "Код ОО", "1.3 Лаборатория", None, None],
                        [None, None, "физика", "химия", "неизвестно"], header_lookup(CONTEXT_TABLE))
    assert names == ["Год", "Код ОО", "1.3 Лаборатория: физика", "1.3 Лаборатория: химия",
                     "1.3 Лаборатория: неизвестно"]


def test_two_row_header_of_a_csv_context_table(tmp_path):
    header, rows = CONTEXT
    labs = [c for c in header if c.startswith("lab_")]
    sub = {"lab_physics": "физика", "lab_chemistry": "химия", "lab_biology": "биология",
           "lab_geography": "география", "lab_technology": "технология"}
    top = [("1.3 Лаборатория" if c == labs[0] else "") if c in labs else c for c in header]
    bottom = [sub[c] if c in labs else "" for c in header]
    folder = write_region(tmp_path / "labs")
    write_csv(folder / "context.csv", top, [bottom, *rows], sep=";")
    region, problems = validate_region(folder)
    assert problems == []
    pd.testing.assert_frame_equal(region.context, _plain(tmp_path).context)


@pytest.mark.parametrize("word", ["Итого", "ВСЕГО:", "Итого по муниципалитету"])
def test_total_row_at_the_bottom_is_skipped_with_one_warning(tmp_path, word):
    header, rows = RESULTS
    total = [word, None, None, None, None, 70, 6, None, None, None, None]
    folder = write_region(tmp_path / "total", results=(header, [*rows, total]))
    region, problems = validate_region(folder)
    [warning] = problems
    assert warning.severity == "warning"
    assert (warning.file, warning.row) == ("results.csv", 6)
    assert warning.message.startswith(f"строка итогов («{word}») пропущена")
    assert len(region.results) == 4


def test_total_row_in_the_name_column_of_schools(tmp_path):
    header, rows = SCHOOLS
    folder = write_region(tmp_path / "total", schools=(header, [*rows, [None, "Всего школ", None, None, 1420]]))
    region, problems = validate_region(folder)
    assert [(p.file, p.row, p.severity) for p in problems] == [("schools.csv", 5, "warning")]
    assert len(region.schools) == 3


def test_school_whose_code_is_filled_is_never_a_total_row(tmp_path):
    header, rows = SCHOOLS
    folder = write_region(tmp_path / "school", schools=(header, [*rows, ["S4", "Всего хорошего", "Южный",
                                                                           "город", 10]]))
    region, problems = validate_region(folder)
    assert problems == []
    assert "S4" in set(region.schools["school_id"])


def test_missing_results_names_the_unrecognised_file_and_the_accepted_russian_name(tmp_path):
    folder = write_region(tmp_path / "odd")
    (folder / "results.csv").rename(folder / "Результаты ВПР и ГИА 2026.csv")
    region, problems = validate_region(folder)
    [problem] = errors(problems)
    assert region is None
    assert "«results.csv», «results.xlsx», «результаты.csv» или «результаты.xlsx»" in problem.message
    assert ("«Результаты ВПР и ГИА 2026.csv» (похоже на таблицу «Результаты»: ожидалось имя «результаты.csv» "
            "или «results.csv»)") in problem.message


def test_unrecognised_file_of_an_optional_table_is_a_warning_with_the_nearest_name(tmp_path):
    folder = write_region(tmp_path / "odd")
    (folder / "context.csv").rename(folder / "Контекстные данные 2024.csv")
    (folder / "заметки.txt").write_text("черновик", encoding="utf-8")
    region, problems = validate_region(folder)
    assert region is not None
    texts = {p.file: p.message for p in problems if p.file != "context.csv"}
    assert texts["Контекстные данные 2024.csv"] == (
        "файл не распознан как таблица и не прочитан: похоже на таблицу «Контекст» — переименуйте его "
        "в «контекст.csv» (или «context.csv»)")
    assert texts["заметки.txt"].startswith("файл не распознан как таблица и не прочитан; таблицы называются так: "
                                           "школы (schools), результаты (results)")


@pytest.mark.parametrize("name, table", [
    ("Результаты ВПР и ГИА 2026.xlsx", "results"), ("schools_2026.csv", "schools"),
    ("Мониторинг программы.xlsx", "monitoring"), ("шклы.csv", "schools"), ("Дорожная карта 2025.xlsx", "roadmap"),
])
def test_guess_table(name, table):
    assert guess_table(name).name == table


def test_guess_table_gives_up_on_unrelated_names():
    assert guess_table("отчёт директора.docx") is None
