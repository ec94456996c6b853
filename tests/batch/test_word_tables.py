"""Word tables: each cell's text, alignment and fill, whatever repeats in its column."""
import docx
import numpy as np
import pandas as pd
from docx.oxml.ns import qn

from qualitylib.batch.word import FLAG_FILL, HEADER_FILL, STATUS_FILLS, Report


def _cells(path):
    table = docx.Document(str(path)).tables[0]
    out = []
    for row in table.rows:
        line = []
        for cell in row.cells:
            shd = cell._tc.tcPr.find(qn("w:shd"))
            jc = cell.paragraphs[0]._p.find(qn("w:pPr"))
            line.append((cell.text, shd.get(qn("w:fill")) if shd is not None else None, jc is not None))
        out.append(line)
    return out


def test_repeated_values_read_as_each_one_alone(tmp_path):
    frame = pd.DataFrame({
        "school_name": ["Школа № 1", "Школа № 1", None, "Школа\tс табуляцией"],
        "share": [-0.0, 0.0, np.nan, 12.25],
        "mixed": [1, True, 1.0, "1"],
        "shnor": [1, 0, 1, np.nan],
        "status_title": ["выполнено", "просрочено", "выполнено", "иное"],
    })
    doc = Report("Проверка", "Регион", "Город", 2026, {}, programme=False)
    doc.table(frame, list(frame.columns), flags={"shnor": "ШНОР"}, status_columns=("status_title",),
              fills=[[None, "#a6d96a", None, None, None]] * 3 + [[None] * 5])
    rows = _cells(doc.save(tmp_path / "t.docx"))
    assert [c[1] for c in rows[0]] == [HEADER_FILL] * 5
    body = rows[1:]
    assert [r[0][0] for r in body] == ["Школа № 1", "Школа № 1", "—", "Школа\tс табуляцией"]
    # a zero keeps its sign; NaN reads «—»; the given fill replaces none
    assert [r[1][:2] for r in body] == [("-0,0", "a6d96a"), ("0,0", "a6d96a"), ("—", "a6d96a"), ("12,2", None)]
    assert [r[1][2] for r in body] == [True, True, False, True]  # numbers right-aligned
    # 1, True, 1.0 and "1" are equal keys of a dict, not equal cells
    assert [r[2][0] for r in body] == ["1", "True", "1,0", "1"] and [r[2][2] for r in body] == [True, True, True, False]
    assert [r[3][:2] for r in body] == [("ШНОР", FLAG_FILL), ("нет", None), ("ШНОР", FLAG_FILL), ("—", None)]
    assert [r[4][1] for r in body] == [STATUS_FILLS["ql-ok"], STATUS_FILLS["ql-bad"], STATUS_FILLS["ql-ok"], None]


def _members(path):
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def _tables_document(tmp_path, name):
    import datetime as dt

    frame = pd.DataFrame({
        "school_name": ["a&b<c>d\"'", "  с пробелами  ", "строка\nвторая\tтаб", "😀 вне BMP", ""],
        "share": [1.5, np.nan, 2.0, -0.0, 45.0],
        "shnor": [1, 0, 1, 0, 1],
    })
    doc = Report("Проверка", "Регион", "Город", 2026, {}, date=dt.date(2026, 12, 1), programme=False)
    doc.table(frame, list(frame.columns), flags={"shnor": "ШНОР"})
    doc.paragraph("Между таблицами")
    wide = pd.DataFrame({f"task_{i}": [i, i * 2.5] for i in range(12)})  # a landscape section
    doc.table(wide, list(wide.columns), fills=[["#a6d96a"] * 12, [None] * 12])
    doc.table(frame.iloc[0:0], ["school_name"], empty="Пусто.")
    return _members(doc.save(tmp_path / name))


def test_tables_kept_as_text_give_the_document_the_parsed_tables_give(tmp_path, monkeypatch):
    import re

    from qualitylib.batch import word

    kept = _tables_document(tmp_path, "kept.docx")
    assert b"qualitylib-table-" not in kept["word/document.xml"]
    monkeypatch.setattr(word, "_NOT_IN_XML", re.compile(""))  # every table parsed at once, as before
    parsed = _tables_document(tmp_path, "parsed.docx")
    assert kept == parsed
    tables = docx.Document(str(tmp_path / "kept.docx")).tables
    assert len(tables) == 2 and tables[0].cell(1, 0).text == "a&b<c>d\"'" and tables[1].cell(2, 11).text == "27,5"


def test_a_character_xml_refuses_is_refused_as_before(tmp_path):
    import pytest

    doc = Report("Проверка", "Регион", "Город", 2026, {}, programme=False)
    with pytest.raises(Exception, match="invalid Char"):  # lxml's own error, as before
        doc.table(pd.DataFrame({"school_name": ["плохой \x07 знак"]}), ["school_name"])
