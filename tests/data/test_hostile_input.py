"""Hostile and careless input files (issue 13): every one gets a clear Russian message.

Each test builds a small region with ``conftest.write_region`` and spoils one thing: the
folder (two files of one table, an ``.xls``, a misnamed file), the text of a cell
(look-alike letters, invisible characters, ANSI escapes, a megabyte of text), a number
(``inf``, NaN words, more than 64 bits, «67%», «1 0 2 0»), an Excel workbook (a password,
formulas without values, serial dates) or ``region.yaml`` (a syntax error, Windows-1251).
Nothing may raise a traceback, and nothing may be guessed silently.
"""
from __future__ import annotations

import zipfile

import pytest
from conftest import RESULTS, SCHOOLS, CONTEXT, errors, with_cell, write_csv, write_region, write_xlsx

from qualitylib import DataValidationError, load_region, validate_region
from qualitylib.batch.cli import main
from qualitylib.data.io import shown

ROADMAP = (
    ["municipality", "item", "measure", "deadline", "status", "completed_on"],
    [
        ["Северный", "1", "Создать рабочую группу", "Октябрь 2024 года", "выполнено", "28.10.2024"],
        ["Южный", "1", "Утвердить координатора", "Октябрь 2024 года", "не начато", None],
    ],
)


def warnings_of(problems):
    return [p for p in problems if p.severity == "warning"]


def only_error(folder):
    region, problems = validate_region(folder)
    assert region is None
    [problem] = errors(problems)
    return problem


# ---------------------------------------------------------------------------- the folder
def test_two_files_of_one_table_is_an_error_naming_both(tmp_path):
    folder = write_region(tmp_path / "region")
    write_csv(folder / "школы.csv", *SCHOOLS)
    problem = only_error(folder)
    assert "schools.csv" in problem.message and "школы.csv" in problem.message
    assert "оставьте один" in problem.message
    assert problem.format().startswith("Ошибка: файл «schools.csv»")


def test_csv_and_xlsx_of_one_table_is_an_error(tmp_path):
    folder = write_region(tmp_path / "region")
    write_xlsx(folder / "results.xlsx", {"Результаты": RESULTS})
    problem = only_error(folder)
    assert "results.csv" in problem.message and "results.xlsx" in problem.message


def test_second_file_added_after_caching_is_not_ignored(tmp_path):
    folder = write_region(tmp_path / "region")
    load_region(folder)  # cached
    write_csv(folder / "школы.csv", *SCHOOLS)
    with pytest.raises(DataValidationError, match="школы.csv"):
        load_region(folder)


def test_old_xls_instead_of_the_table_says_save_as_xlsx(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "results.csv").rename(folder / "results.xls")
    problem = only_error(folder)
    assert problem.file == "results.xls"
    assert "старом формате Excel (.xls)" in problem.message
    assert "сохраните его как .xlsx или .csv" in problem.message


def test_old_xls_beside_the_table_is_a_warning(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "результаты.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    region, problems = validate_region(folder)
    assert region is not None
    [warning] = warnings_of(problems)
    assert warning.file == "результаты.xls"
    assert "не читается" in warning.message and "results.csv" in warning.message


def test_missing_table_names_the_unrecognised_files(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "schools.csv").rename(folder / "Школы района 2024.csv")
    (folder / "notes.txt").write_text("заметки", encoding="utf-8")
    problem = only_error(folder)
    assert "нет таблицы «Школы»" in problem.message
    assert "«Школы района 2024.csv»" in problem.message and "«notes.txt»" in problem.message
    assert "переименуйте" in problem.message


def test_unreadable_file_is_a_problem_not_a_traceback(tmp_path, monkeypatch):
    folder = write_region(tmp_path / "region")
    original = type(folder).read_bytes

    def denied(self):
        if self.name == "results.csv":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(type(folder), "read_bytes", denied)
    problem = only_error(folder)
    assert problem.file == "results.csv"
    assert "нет прав на чтение" in problem.message


# ---------------------------------------------------------------------------- text in cells
def test_shown_escapes_invisible_characters_and_ansi_and_cuts_long_values():
    assert shown("S1\u200b") == "S1[U+200B]"
    assert shown("a\x1b[31mred") == "a[U+001B][31mred"
    assert shown("Школа\u00a0№ 1") == "Школа[U+00A0]№ 1"
    long = shown("ы" * 1_000_000)
    assert len(long) < 300 and "всего 1000000 символов" in long
    assert shown("Школа № 1") == "Школа № 1"


def test_two_spaces_make_a_look_alike_municipality_warning(tmp_path):
    schools = with_cell(with_cell(SCHOOLS, 0, "municipality", "Северный район"), 1, "municipality",
                        "Северный  район")
    folder = write_region(tmp_path / "region", schools=schools)
    region, problems = validate_region(folder)
    assert region is not None and len(region.municipalities) == 3  # not merged: a warning only
    [warning] = [p for p in warnings_of(problems) if "похожие" in p.message]
    assert warning.column == "municipality"
    assert "«Северный район» (строка 2)" in warning.message
    assert "«Северный  район» (строка 3, несколько пробелов подряд)" in warning.message


def test_latin_letter_in_cyrillic_municipality_is_a_warning(tmp_path):
    schools = with_cell(SCHOOLS, 1, "municipality", "Сeверный")  # Latin e
    region, problems = validate_region(write_region(tmp_path / "region", schools=schools))
    assert region is not None
    messages = [p.message for p in warnings_of(problems)]
    assert any("похожие" in m and "латинская буква «e» (U+0065)" in m for m in messages), messages


def test_latin_letter_alone_in_one_spelling_is_still_a_warning(tmp_path):
    schools = (SCHOOLS[0], [r[:2] + ["Пoлысаево"] + r[3:] for r in SCHOOLS[1]])  # Latin o everywhere
    region, problems = validate_region(write_region(tmp_path / "region", schools=schools))
    [warning] = warnings_of(problems)
    assert warning.column == "municipality" and warning.row == 2
    assert "латинская буква «o» (U+006F)" in warning.message and "строки 2, 3, 4" in warning.message


def test_zero_width_space_in_school_code_is_warned_and_shown_escaped(tmp_path):
    schools = with_cell(SCHOOLS, 2, "school_id", "S3\u200b")
    region, problems = validate_region(write_region(tmp_path / "region", schools=schools))
    assert region is None  # the results' S3 is not in the schools table now
    [warning] = [p for p in warnings_of(problems) if p.file == "schools.csv"]
    assert warning.value == "S3[U+200B]" and "невидимый символ U+200B" in warning.message
    unknown = [p for p in errors(problems) if "не найден" in p.message]
    assert unknown and all("\u200b" not in p.format() for p in problems)


def test_cyrillic_letter_in_latin_code_is_a_warning(tmp_path):
    schools = with_cell(SCHOOLS, 0, "school_id", "sсh1")  # Cyrillic с
    results = with_cell(RESULTS, 0, "school_id", "sсh1")
    region, problems = validate_region(write_region(tmp_path / "region", schools=schools, results=results))
    messages = [p.message for p in warnings_of(problems) if p.file == "schools.csv"]
    assert any("кириллическая буква «с» (U+0441)" in m for m in messages), messages


def test_roadmap_municipality_spelled_unlike_the_schools_table_is_a_warning(tmp_path):
    folder = write_region(tmp_path / "region")
    write_csv(folder / "roadmap.csv", *with_cell(ROADMAP, 1, "municipality", "Южный\u200b"))
    region, problems = validate_region(folder)
    assert region is not None
    [warning] = [p for p in warnings_of(problems) if p.file == "roadmap.csv"]
    assert "«Южный»" in warning.message and "U+200B" in warning.message


def test_ansi_escape_in_a_cell_is_never_printed_raw(tmp_path, capsys):
    results = with_cell(RESULTS, 0, "participants", "\x1b[2J\x1b[31mмного")
    folder = write_region(tmp_path / "region", results=results)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "[U+001B][2J" in out


def test_ansi_escape_in_a_header_and_file_name_is_escaped(tmp_path):
    folder = write_region(tmp_path / "region")
    text = (folder / "schools.csv").read_text(encoding="utf-8").replace("pupils_total", "x\x1b[1m", 1)
    (folder / "schools.csv").write_text(text, encoding="utf-8")
    (folder / "notes\x1b[5m.txt").write_text("", encoding="utf-8")
    (folder / "results.csv").unlink()
    region, problems = validate_region(folder)
    assert all("\x1b" not in p.format() for p in problems)
    assert any(p.column == "x[U+001B][1m" for p in problems)


def test_megabyte_school_name_is_an_error_with_a_short_message(tmp_path):
    schools = with_cell(SCHOOLS, 0, "school_name", "Школа " + "ы" * 1_000_000)
    problem = only_error(write_region(tmp_path / "region", schools=schools))
    assert problem.column == "school_name" and problem.row == 2
    assert "слишком длинное значение: 1000006 символов, ожидалось не больше 500" in problem.message
    assert len(problem.format()) < 600


def test_school_name_of_500_characters_is_accepted(tmp_path):
    schools = with_cell(SCHOOLS, 0, "school_name", "ы" * 500)
    region, problems = validate_region(write_region(tmp_path / "region", schools=schools))
    assert region is not None and problems == []


# ---------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("value", ["inf", "Infinity", "-inf", "∞", "1e999"])
def test_infinity_in_an_integer_column_is_an_error(tmp_path, value):
    problem = only_error(write_region(tmp_path / "region", results=with_cell(RESULTS, 0, "participants", value)))
    assert (problem.row, problem.column, problem.value) == (2, "participants", value)
    assert "ожидалось конечное число" in problem.message


@pytest.mark.parametrize("value, says", [
    ("NaN", "«не число» (NaN) не допускается"), ("nan", "«не число» (NaN) не допускается"),
    ("#ЗНАЧ!", "ошибка вычисления формулы Excel"), ("#DIV/0!", "ошибка вычисления формулы Excel"),
    ("NA", "ожидалось целое число"), ("N/A", "ожидалось целое число"),
])
def test_nan_words_and_excel_errors_in_an_integer_column_are_an_error_saying_what(tmp_path, value, says):
    problem = only_error(write_region(tmp_path / "region", results=with_cell(RESULTS, 0, "participants", value)))
    assert problem.value == value and "ожидалось целое число" in problem.message and says in problem.message


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "1000000000"])
def test_integer_beyond_the_limit_is_an_error(tmp_path, value):
    problem = only_error(write_region(tmp_path / "region", schools=with_cell(SCHOOLS, 0, "pupils_total", value)))
    assert problem.value == value and "слишком большое число" in problem.message


@pytest.mark.parametrize("value", ["Infinity", "inf", "NaN"])
def test_infinity_or_nan_in_mean_score_is_an_error(tmp_path, value):
    problem = only_error(write_region(tmp_path / "region", results=with_cell(RESULTS, 0, "mean_score", value)))
    assert problem.column == "mean_score" and problem.value == value


def test_percent_sign_in_a_percent_column_is_accepted_as_percent_without_a_warning(tmp_path):
    context = with_cell(CONTEXT, 0, "teachers_overload_pct", "67%")
    context = with_cell(context, 1, "teachers_overload_pct", "12,5 %")
    region, problems = validate_region(write_region(tmp_path / "region", context=context))
    assert problems == []
    assert region.context["teachers_overload_pct"].tolist()[:2] == [67.0, 12.5]


def test_percent_sign_in_a_count_column_is_an_error(tmp_path):
    problem = only_error(write_region(tmp_path / "region", results=with_cell(RESULTS, 0, "participants", "20%")))
    assert problem.value == "20%" and "знак «%»" in problem.message


def test_percent_sign_in_mean_score_is_an_error(tmp_path):
    problem = only_error(write_region(tmp_path / "region", results=with_cell(RESULTS, 0, "mean_score", "67%")))
    assert problem.column == "mean_score" and "знак «%»" in problem.message


def test_spaces_between_digits_are_an_error(tmp_path):
    schools = with_cell(SCHOOLS, 0, "pupils_total", "1 0 2 0")
    problem = only_error(write_region(tmp_path / "region", schools=schools))
    assert problem.value == "1 0 2 0" and "пробелы внутри числа" in problem.message


@pytest.mark.parametrize("value", ["1 020", "1\u00a0020", "1\u202f020"])
def test_thousands_separator_in_a_count_is_accepted_silently(tmp_path, value):
    schools = with_cell(SCHOOLS, 0, "pupils_total", value)
    region, problems = validate_region(write_region(tmp_path / "region", schools=schools))
    assert problems == [] and region.schools.loc[0, "pupils_total"] == 1020


def test_thousands_separator_in_a_year_or_score_is_an_error(tmp_path):
    results = with_cell(with_cell(RESULTS, 0, "year", "2 024"), 1, "mean_score", "1 020,5")
    region, problems = validate_region(write_region(tmp_path / "region", results=results))
    found = {(p.column, p.value) for p in errors(problems) if "пробелы внутри числа" in p.message}
    assert found == {("year", "2 024"), ("mean_score", "1 020,5")}


def test_ordinary_numbers_still_read(tmp_path):
    results = with_cell(with_cell(RESULTS, 0, "mean_score", "11,5"), 1, "mean_score", "+9.0")
    results = with_cell(results, 2, "mean_score", "2.45e1")
    region, problems = validate_region(write_region(tmp_path / "region", results=results))
    assert problems == []
    assert region.results["mean_score"].tolist()[:3] == [11.5, 9.0, 24.5]


# ---------------------------------------------------------------------------- Excel
def _fake_encrypted_workbook(path):
    """The layout of an encrypted OOXML file: an OLE2 container with an EncryptedPackage stream.

    Excel writes a password-protected .xlsx as a Compound File (magic ``D0 CF 11 E0``) whose
    directory names the streams ``EncryptionInfo`` and ``EncryptedPackage`` in UTF-16LE.
    """
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(header + directory + bytes(1024))


def test_password_protected_xlsx_is_named_so(tmp_path):
    folder = write_region(tmp_path / "region", fmt="xlsx")
    _fake_encrypted_workbook(folder / "results.xlsx")
    problem = only_error(folder)
    assert problem.file == "results.xlsx"
    assert "защищена паролем" in problem.message and "снимите пароль" in problem.message


def test_old_xls_renamed_to_xlsx_is_named_so(tmp_path):
    folder = write_region(tmp_path / "region", fmt="xlsx")
    (folder / "results.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    problem = only_error(folder)
    assert "старого формата (.xls)" in problem.message


def test_formulas_without_cached_values_give_one_message(tmp_path):
    header, rows = RESULTS
    column = header.index("participants")
    letter = chr(ord("A") + column)
    rows = [row[:column] + [f"={row[column]}+0"] + row[column + 1:] for row in rows]
    folder = write_region(tmp_path / "region", fmt="xlsx", results=(header, rows))
    region, problems = validate_region(folder)
    assert region is None
    [problem] = errors(problems)
    assert problem.file == "results.xlsx" and problem.sheet == "Результаты"
    assert "файл сохранён без значений формул: откройте и сохраните его в Excel" in problem.message
    assert f"4 ячейки, например {letter}2" in problem.message


def test_formulas_with_cached_values_are_read(tmp_path):
    folder = write_region(tmp_path / "region", fmt="xlsx")
    path = folder / "results.xlsx"
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/") and b">20<" in parts[n])
    parts[sheet] = parts[sheet].replace(b"<v>20</v>", b"<f>10+10</f><v>20</v>", 1)
    assert b"<f>10+10</f>" in parts[sheet]
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    region, problems = validate_region(folder)
    assert problems == [] and region.results.loc[0, "participants"] == 20


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_excel_serial_date_in_the_road_map_is_an_error_naming_the_date(tmp_path, fmt):
    folder = write_region(tmp_path / "region")
    roadmap = with_cell(ROADMAP, 0, "completed_on", 45200)
    if fmt == "csv":
        write_csv(folder / "roadmap.csv", *roadmap)
        sheet = None
    else:
        write_xlsx(folder / "roadmap.xlsx", {"Дорожная карта": roadmap})
        sheet = "Дорожная карта"
    problem = only_error(folder)
    assert (problem.sheet, problem.row, problem.column, problem.value) == (sheet, 2, "completed_on", "45200")
    assert "номер дня в Excel" in problem.message and "01.10.2023" in problem.message


def test_excel_serial_date_as_a_deadline_is_an_error(tmp_path):
    folder = write_region(tmp_path / "region")
    write_csv(folder / "roadmap.csv", *with_cell(ROADMAP, 1, "deadline", "45291"))
    problem = only_error(folder)
    assert problem.column == "deadline" and "31.12.2023" in problem.message


# ---------------------------------------------------------------------------- region.yaml
def test_region_yaml_syntax_error_names_the_file_and_line(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "region.yaml").write_text("name: Регион\nfisoko: [1, 2\n", encoding="utf-8")
    problem = only_error(folder)
    assert problem.file == "region.yaml" and problem.row is not None
    assert "не является корректным YAML" in problem.message


def test_region_yaml_in_windows_1251_is_read_with_a_warning(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "region.yaml").write_bytes("name: Кемеровская область\n".encode("cp1251"))
    region, problems = validate_region(folder)
    assert region is not None and region.name == "Кемеровская область"
    [warning] = warnings_of(problems)
    assert warning.file == "region.yaml" and "Windows-1251" in warning.message


def test_region_yaml_that_is_not_a_mapping_is_an_error(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "region.yaml").write_text("- Регион\n", encoding="utf-8")
    problem = only_error(folder)
    assert problem.file == "region.yaml" and "ожидались пары «ключ: значение»" in problem.message and "а в файле список" in problem.message


def test_cli_validate_reports_region_yaml_error_without_traceback(tmp_path, capsys):
    folder = write_region(tmp_path / "region")
    (folder / "region.yaml").write_text("name: [\n", encoding="utf-8")
    assert main(["validate", str(folder)]) == 1
    assert "файл «region.yaml»" in capsys.readouterr().out


def test_control_characters_in_a_name_are_an_error(tmp_path, capsys):
    schools = with_cell(SCHOOLS, 0, "school_name", "Школа\x1b]0;взлом\x07 № 1")
    folder = write_region(tmp_path / "region", schools=schools)
    problem = only_error(folder)
    assert (problem.row, problem.column) == (2, "school_name")
    assert problem.value == "Школа[U+001B]]0;взлом[U+0007] № 1" and "управляющий символ" in problem.message
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out


def test_line_break_inside_a_road_map_cell_is_accepted(tmp_path):
    folder = write_region(tmp_path / "region")
    write_csv(folder / "roadmap.csv", *with_cell(ROADMAP, 0, "measure", "Создать\nрабочую группу"))
    region, problems = validate_region(folder)
    assert region is not None and problems == []


def test_region_name_with_an_escape_sequence_is_an_error(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "region.yaml").write_text('name: "Регион\\e[2J"\n', encoding="utf-8")
    problem = only_error(folder)
    assert problem.file == "region.yaml" and problem.value == "Регион[U+001B][2J"
