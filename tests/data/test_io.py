"""Tests of reading region tables (:mod:`qualitylib.data.io`) and of loading both formats."""
from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import (
    RESULTS, SCHOOLS, csv_text, errors, with_cell, write_csv, write_region, write_xlsx,
)

from qualitylib import load_region, validate_region
from qualitylib.data.io import TableReadError, decode_text, detect_separator, read_raw
from qualitylib.data.schema import RESULTS as RESULTS_TABLE


def only_problem(folder):
    region, problems = validate_region(folder)
    assert region is None
    [problem] = problems
    return problem


# ---------------------------------------------------------------------------- formats
def test_utf8_comma_csv_loads_typed(region_dir):
    region = load_region(region_dir)
    assert region.results["participants"].dtype == np.int64
    assert region.results["year"].dtype == np.int64
    assert region.results["mean_score"].dtype == np.float64
    assert region.context["teachers_overload_pct"].dtype == np.float64
    assert region.results["participants"].tolist() == [20, 10, 25, 15]
    assert region.results["procedure"].tolist() == ["vpr", "vpr", "oge", "ege"]
    assert region.results["subject"].tolist() == ["math", "math", "russian", "russian"]
    assert region.context["teachers_overload_pct"].tolist() == [12.5, 20.0, 0.0]


def test_cp1251_semicolon_russian_headers_load_equal_to_utf8(tmp_path):
    plain = load_region(write_region(tmp_path / "utf8"))
    folder = write_region(tmp_path / "cp1251", titles=True, sep=";", encoding="cp1251")
    assert (folder / "results.csv").read_bytes().startswith("Год;Код ОО;Процедура".encode("cp1251"))
    assert "ВПР;математика".encode("cp1251") in (folder / "results.csv").read_bytes()
    local = load_region(folder)
    for name in ("schools", "results", "context"):
        pd.testing.assert_frame_equal(getattr(local, name), getattr(plain, name))
    assert local.results["subject"].iloc[0] == "math"


def test_xlsx_sheet_named_like_table_loads_equal_to_csv(tmp_path):
    plain = load_region(write_region(tmp_path / "csv"))
    folder = write_region(tmp_path / "xlsx", fmt="xlsx", titles=True)
    assert openpyxl_sheets(folder / "results.xlsx") == ["Инструкция", "Результаты"]
    book = load_region(folder)
    for name in ("schools", "results", "context"):
        pd.testing.assert_frame_equal(getattr(book, name), getattr(plain, name))
    assert book.results["participants"].dtype == np.int64


def test_xlsx_first_sheet_used_when_no_sheet_named_like_table(tmp_path):
    plain = load_region(write_region(tmp_path / "csv"))
    book = load_region(write_region(tmp_path / "xlsx", fmt="xlsx", sheet="Лист1"))
    for name in ("schools", "results", "context"):
        pd.testing.assert_frame_equal(getattr(book, name), getattr(plain, name))


def openpyxl_sheets(path):
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True).sheetnames


def test_russian_file_names_are_found(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "results.csv").rename(folder / "Результаты.csv")
    region = load_region(folder)
    assert region.sources["results"].name == "Результаты.csv"
    assert len(region.results) == 4


def test_decimal_comma_in_percent_read_as_number(tmp_path):
    folder = write_region(tmp_path / "region", titles=True, sep=";", encoding="cp1251")
    assert ";12,5;".encode("cp1251") in (folder / "context.csv").read_bytes()
    region = load_region(folder)
    assert region.context.loc[0, "teachers_overload_pct"] == 12.5
    assert region.context.loc[1, "pupils_nonnative_pct"] == 5.5


def test_utf8_bom_header_is_recognised(tmp_path):
    folder = write_region(tmp_path / "region", encoding="utf-8-sig")
    assert (folder / "schools.csv").read_bytes().startswith(b"\xef\xbb\xbfschool_id")
    assert load_region(folder).schools["school_id"].tolist() == ["S1", "S2", "S3"]


def test_crlf_line_endings(tmp_path):
    folder = write_region(tmp_path / "region")
    text = (folder / "results.csv").read_text(encoding="utf-8")
    (folder / "results.csv").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert len(load_region(folder).results) == 4


def test_decode_text_falls_back_to_cp1251():
    assert decode_text("Код ОО".encode("cp1251")) == "Код ОО"
    assert decode_text("Код ОО".encode("utf-8")) == "Код ОО"


def test_detect_separator_from_header():
    assert detect_separator("Год;Код ОО;Процедура\n2024;S1;ВПР\n") == ";"
    assert detect_separator("year,school_id\n2024,S1\n") == ","
    assert detect_separator("year\tschool_id\n") == "\t"
    assert detect_separator("year\n2024\n") == ","


def test_semicolon_header_with_commas_in_titles(tmp_path):
    # context titles contain ", %"; the separator must still be «;»
    folder = write_region(tmp_path / "region", titles=True, sep=";", encoding="cp1251")
    header = (folder / "context.csv").read_bytes().decode("cp1251").split("\n")[0]
    assert "более, %" in header
    assert load_region(folder).context.loc[2, "teachers_unqualified_pct"] == 4.5


# ---------------------------------------------------------------------------- row numbers
def test_read_raw_index_is_excel_row(tmp_path):
    path = write_csv(tmp_path / "results.csv", *RESULTS)
    raw = read_raw(path)
    assert raw.frame.index.tolist() == [2, 3, 4, 5]
    assert raw.frame.loc[3, "school_id"] == "S2"
    assert pd.isna(raw.frame.loc[5, "mark3"])  # empty cell: missing, not ""
    assert raw.file == "results.csv" and raw.sheet is None


def test_csv_blank_lines_do_not_shift_row_numbers(tmp_path):
    text = csv_text(*RESULTS)
    lines = text.split("\n")
    # header, row, blank, blank, row, ...: the S2 row is on line 5
    path = tmp_path / "results.csv"
    path.write_text("\n".join(lines[:2] + ["", " , "] + lines[2:]), encoding="utf-8")
    raw = read_raw(path)
    assert raw.frame.index.tolist() == [2, 5, 6, 7]
    assert raw.frame.loc[5, "school_id"] == "S2"


def test_csv_blank_lines_row_number_in_problem(tmp_path):
    folder = write_region(tmp_path / "region")
    bad = csv_text(*with_cell(RESULTS, 1, "participants", "много")).split("\n")
    (folder / "results.csv").write_text("\n".join(bad[:2] + ["", ""] + bad[2:]), encoding="utf-8")
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "results.csv", 5, "participants", "много")
    assert "строка 5" in problem.format()


def test_xlsx_rows_are_excel_rows_and_blank_rows_kept(tmp_path):
    header, rows = RESULTS
    path = write_xlsx(tmp_path / "results.xlsx", {"Результаты": (header, [rows[0], [], rows[1]])})
    raw = read_raw(path, RESULTS_TABLE)
    assert raw.sheet == "Результаты"
    assert raw.frame.index.tolist() == [2, 4]
    assert raw.frame.loc[4, "school_id"] == "S2"
    assert raw.frame.loc[2, "participants"] == "20"
    assert raw.frame.loc[2, "mean_score"] == "11.5"


def test_xlsx_problem_names_sheet_and_row(tmp_path):
    folder = write_region(tmp_path / "region", fmt="xlsx",
                          results=with_cell(RESULTS, 2, "grade", 8))
    problem = only_problem(folder)
    assert (problem.file, problem.sheet, problem.row, problem.column, problem.value) == (
        "results.xlsx", "Результаты", 4, "grade", "8")
    assert "файл «results.xlsx», лист «Результаты», строка 4" in problem.format()


def test_xlsx_leading_empty_row_keeps_excel_row_numbers(tmp_path):
    import openpyxl

    header, rows = RESULTS
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Результаты"
    for r, row in enumerate([header, *rows], start=2):  # row 1 left empty
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value)
    book.save(tmp_path / "results.xlsx")
    raw = read_raw(tmp_path / "results.xlsx", RESULTS_TABLE)
    assert raw.frame.index.tolist() == [3, 4, 5, 6]


# ---------------------------------------------------------------------------- not a table
def test_empty_csv_file(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "results.csv").write_bytes(b"")
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.severity) == ("results.csv", None, "error")
    assert "файл пуст" in problem.message
    assert problem.format().startswith("Ошибка: файл «results.csv» — файл пуст")


def test_whitespace_only_csv_is_empty(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(b"\r\n  \n")
    with pytest.raises(TableReadError) as info:
        read_raw(path)
    [problem] = info.value.problems
    assert "файл пуст" in problem.message


def test_header_only_csv_has_no_rows(tmp_path):
    folder = write_region(tmp_path / "region")
    write_csv(folder / "schools.csv", SCHOOLS[0], [])
    problem = only_problem(folder)
    assert problem.file == "schools.csv"
    assert "нет ни одной строки данных" in problem.message


def test_empty_xlsx_file(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "results.csv").unlink()
    (folder / "results.xlsx").write_bytes(b"")
    problem = only_problem(folder)
    assert problem.file == "results.xlsx"
    assert "файл пуст" in problem.message


def test_binary_bytes_in_csv(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "context.csv").write_bytes(bytes(range(256)) * 8)
    problem = only_problem(folder)
    assert problem.file == "context.csv"
    assert "не является таблицей CSV" in problem.message


def test_pdf_in_csv(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "schools.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n")
    problem = only_problem(folder)
    assert problem.file == "schools.csv"
    assert "не является таблицей CSV" in problem.message
    assert "Ошибка: файл «schools.csv» — файл не является таблицей CSV" in problem.format()


def test_xlsx_workbook_saved_as_csv(tmp_path):
    folder = write_region(tmp_path / "region")
    write_xlsx(tmp_path / "book.xlsx", {"Лист1": SCHOOLS})
    (folder / "schools.csv").write_bytes((tmp_path / "book.xlsx").read_bytes())
    assert "не является таблицей CSV" in only_problem(folder).message


def test_undecodable_bytes_in_csv_are_a_problem(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "results.csv").write_bytes(bytes(range(1, 256)) * 4)  # no NUL, has 0x98
    problem = only_problem(folder)
    assert problem.file == "results.csv"
    assert "не является таблицей CSV" in problem.message


def test_random_bytes_in_xlsx(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "results.csv").unlink()
    (folder / "results.xlsx").write_bytes(np.random.default_rng(7).bytes(2048))
    problem = only_problem(folder)
    assert problem.file == "results.xlsx"
    assert "не является книгой Excel" in problem.message


def test_zip_that_is_not_a_workbook(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "results.csv").unlink()
    with zipfile.ZipFile(folder / "results.xlsx", "w") as archive:
        archive.writestr("readme.txt", "не книга")
    problem = only_problem(folder)
    assert problem.file == "results.xlsx"
    assert "не удалось прочитать как книгу Excel" in problem.message


def test_row_with_wrong_number_of_fields(tmp_path):
    folder = write_region(tmp_path / "region")
    lines = csv_text(*RESULTS).split("\n")
    lines[2] += ",лишнее"  # the S2 row, Excel row 3
    lines[4] = lines[4].rsplit(",", 2)[0]  # the ЕГЭ row, Excel row 5, two fields short
    (folder / "results.csv").write_text("\n".join(lines), encoding="utf-8")
    region, problems = validate_region(folder)
    assert region is None
    assert [(p.file, p.row) for p in problems] == [("results.csv", 3), ("results.csv", 5)]
    assert "в строке 12 полей, а в заголовке 11" in problems[0].message
    assert "в строке 9 полей, а в заголовке 11" in problems[1].message
    assert "разделитель «,»" in problems[0].message
    assert "строка 3" in problems[0].format()


def test_wrong_separator_guess_reports_rows(tmp_path):
    # a «;» file whose header happens to hold no «;» is read with «,»; decimal commas
    # then split the data rows, and the row is named
    path = tmp_path / "context.csv"
    path.write_text("year\n2024;1,5\n", encoding="utf-8")
    with pytest.raises(TableReadError) as info:
        read_raw(path)
    [problem] = info.value.problems
    assert problem.row == 2
    assert errors(info.value.problems) == info.value.problems



def test_csv_output_neutralises_formula_text_and_keeps_numbers(tmp_path):
    import csv

    from qualitylib.data.io import write_csv_atomic

    texts = ["=HYPERLINK(\"http://evil.example\")", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "\tx",
             "\rx", "обычная школа", "-5", None]
    frame = pd.DataFrame({"school_name": texts, "n": [-5, 1, 2, 3, 4, 5, 6, 7, 8],
                          "x": [-1.5, "=1", None, 1.0, "+", "a", "b", "c", "d"],
                          "=header": pd.array(["@a", None, "b", "c", "d", "e", "f", "g", "h"], dtype="string")})
    before = frame.copy()
    path = write_csv_atomic(frame, tmp_path / "out.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["school_name", "n", "x", "'=header"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil.example\")", "'-2+3+cmd|' /C calc'!A0",
                                        "'@SUM(1+1)", "'+1+1", "'\tx", "'\rx", "обычная школа", "-5", ""]
    assert [r[1] for r in rows[1:]] == ["-5", "1", "2", "3", "4", "5", "6", "7", "8"]
    assert [r[2] for r in rows[1:4]] == ["-1.5", "'=1", ""] and rows[5][2] == "'+"
    assert rows[1][3] == "'@a"
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is not changed
