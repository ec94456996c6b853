"""Excel workbooks: Russian headers, frozen header, autofilter, fills, atomic writes."""
import openpyxl
import pandas as pd

from qualitylib.batch.excel import FLAG_FILL, write_workbook


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


def test_document_properties_are_fixed(tmp_path):
    frame = pd.DataFrame({"school_id": ["A"], "risk": [1]})
    book = openpyxl.load_workbook(write_workbook(tmp_path / "a.xlsx", [("Риск", frame, ("risk",))]))
    assert book.properties.creator == "qualitylib"
    assert book.properties.created.year == 2000


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
