"""The sheet body written as XML is the workbook openpyxl writes from its own cells, byte for byte."""
import datetime as dt
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from qualitylib.batch.excel import FLAG_FILL, add_sheet, write_workbook


def _reference(path, sheets):
    """The workbook as openpyxl writes it cell by cell (:func:`add_sheet` for every sheet)."""
    book = Workbook()
    book.remove(book.active)
    for title, frame, flags in sheets:
        add_sheet(book, title, frame, flags)
    book.save(path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def _tricky():
    return pd.DataFrame({
        "school_name": ["=1+2", " с пробелом", "a&b<c>d\"'", "строка\r\nвторая\tтаб", "#N/A", "", None, "да"],
        "share": [1.5, np.nan, 2.0, 3.25, 1e20, 0.1 + 0.2, -0.0, 45.0],
        "participants": [1, 2, 3, 4, 5, 6, 7, 12345678901234567],
        "done": [True, False, True, False, True, False, True, False],
        "code": pd.array(["S1", pd.NA, "S3", "S4", "S5", "S6", "S7", "S8"], dtype="string"),
        "risk": [1, 0, 1, 0, np.nan, 1, 0, 1],
        "mixed": [1, "два", 3.5, None, np.int64(5), np.float64(6.5), "=SUM(A1)", True],
        "reasons": ["длинный текст " * 10, "😀 знак вне BMP", "x" * 40000, "б", "в", "г", "д", "е"],
    })


def test_body_xml_is_what_openpyxl_writes(tmp_path):
    other = pd.DataFrame({"Раздел": ["Порог", "Порог"], "Положение": ["Доля ниже 20 %", "  отступ  "]})
    sheets = [("Лист", _tricky(), ("done",)), ("Пустой", _tricky().iloc[0:0], ()), ("Параметры", other, ())]
    fast = write_workbook(tmp_path / "fast.xlsx", sheets)
    slow = _reference(tmp_path / "slow.xlsx", sheets)
    assert _members(fast) == _members(slow)

    sheet = openpyxl.load_workbook(fast)["Лист"]
    assert sheet.dimensions == "A1:H9" and sheet.auto_filter.ref == "A1:H9"
    assert sheet["A2"].value == "=1+2" and sheet["A2"].data_type == "s"   # text, not a formula
    assert sheet["A6"].value == "#N/A" and sheet["A6"].data_type == "s"   # text, not an error
    assert sheet["A3"].value == " с пробелом" and sheet["A5"].value == "строка\r\nвторая\tтаб"
    assert sheet["B2"].value == 1.5 and sheet["B2"].number_format == '0.0" %"'  # «%» in the header
    assert sheet["B3"].value is None
    assert sheet["C9"].value == 1.234567890123457e+16  # 16 significant digits, as openpyxl writes it
    assert sheet["D2"].value == "да" and sheet["D2"].fill.start_color.rgb.endswith(FLAG_FILL.start_color.rgb[-6:])
    assert sheet["D3"].value == "нет" and sheet["D3"].fill.fill_type is None
    assert sheet["F2"].value == "да" and sheet["F6"].value is None  # the 0/1 risk flag in words
    assert [sheet.cell(2 + i, 7).value for i in range(8)] == [1, "два", 3.5, None, 5, 6.5, "=SUM(A1)", True]
    assert sheet["G8"].data_type == "s" and sheet["G9"].data_type == "b"
    assert sheet["H3"].value == "😀 знак вне BMP" and len(sheet["H4"].value) == 32767
    assert sheet["H2"].alignment.wrap_text and sheet["H2"].alignment.vertical == "top"


def test_rows_written_a_block_at_a_time_join_into_the_same_sheet(tmp_path, monkeypatch):
    from qualitylib.batch import excel

    sheets = [("Лист", _tricky(), ("done",)), ("Длинный", pd.concat([_tricky()] * 3, ignore_index=True), ())]
    monkeypatch.setattr(excel, "_ROWS_AT_A_TIME", 3)  # blocks of 3 rows: 8 and 24 rows end mid-block and on one
    fast = write_workbook(tmp_path / "fast.xlsx", sheets)
    assert _members(fast) == _members(_reference(tmp_path / "slow.xlsx", sheets))
    sheet = openpyxl.load_workbook(fast)["Длинный"]
    assert sheet.max_row == 25 and sheet["A25"].value == "да" and sheet["A4"].value == "a&b<c>d\"'"


def test_a_sheet_with_dates_is_written_cell_by_cell_the_same(tmp_path):
    frame = pd.DataFrame({"measure": ["Семинар", "Аудит"], "deadline": [dt.date(2026, 3, 1), None],
                          "done": [1, 0]})
    sheets = [("Дорожная карта", frame, ("done",)), ("Ещё", pd.DataFrame({"a": [1.25, 2.0]}), ())]
    fast = write_workbook(tmp_path / "fast.xlsx", sheets)
    assert _members(fast) == _members(_reference(tmp_path / "slow.xlsx", sheets))
    sheet = openpyxl.load_workbook(fast)["Дорожная карта"]
    assert sheet["B3"].value is None and sheet["C2"].value == "да"
    # the date keeps the date format openpyxl gives it (it would read as the number 46082 otherwise)
    assert sheet["B2"].is_date and sheet["B2"].value == dt.datetime(2026, 3, 1)


def test_a_date_and_a_number_in_one_column_keep_their_own_formats(tmp_path):
    frame = pd.DataFrame({"note": ["а", "б", "в"], "when": [dt.date(2026, 3, 1), 7, dt.datetime(2026, 4, 2, 10, 30)]})
    sheet = openpyxl.load_workbook(write_workbook(tmp_path / "mixed.xlsx", [("Лист", frame, ())]))["Лист"]
    assert sheet["A2"].number_format == "General"
    assert sheet["B2"].is_date and sheet["B2"].value == dt.datetime(2026, 3, 1)
    assert not sheet["B3"].is_date and sheet["B3"].value == 7 and sheet["B3"].number_format == "General"
    assert sheet["B4"].is_date and sheet["B4"].value == dt.datetime(2026, 4, 2, 10, 30)


def test_a_control_character_is_refused_as_before(tmp_path):
    frame = pd.DataFrame({"school_name": ["Школа\x01"]})
    with pytest.raises(IllegalCharacterError):
        write_workbook(tmp_path / "bad.xlsx", [("Лист", frame, ())])
    assert not list(tmp_path.iterdir())


def test_a_sheet_without_the_expected_place_is_written_cell_by_cell(tmp_path, monkeypatch):
    """Another openpyxl release may write the sheet otherwise: the workbook is then written the slow way."""
    from qualitylib.batch import excel

    def no_place(path, bodies):
        raise excel._NoPlace("Лист")

    sheets = [("Лист", _tricky(), ("risk",))]
    monkeypatch.setattr(excel, "_splice", no_place)
    written = write_workbook(tmp_path / "fallback.xlsx", sheets)
    assert _members(written) == _members(_reference(tmp_path / "reference.xlsx", sheets))
