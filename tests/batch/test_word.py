"""Word documents of 01, 03 and 04: read back with python-docx."""
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from qualitylib import load_region
from qualitylib.batch.word import column_widths, identification_docx, monitoring_docx, tasks_docx
from qualitylib.data.params import find_municipality_params, load_params
from qualitylib.reports.identification import build_identification
from qualitylib.reports.monitoring import build_monitoring
from qualitylib.views import charts
from qualitylib.views.identification import present

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def polysaevo():
    region = load_region(ROOT / "data" / "sample")
    params = load_params(find_municipality_params("Полысаево"))
    return region, params


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def header_repeats(table) -> bool:
    tr_pr = table.rows[0]._tr.trPr
    return tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


def test_identification_document(polysaevo, tmp_path):
    region, params = polysaevo
    ident = present(build_identification(region, "Полысаево", 2026, params))
    path = identification_docx(tmp_path / "01.docx", region.name, ident,
                               charts.social_scatter(ident.social, "Полысаево", ident.shnor_list["school_id"]))
    document = docx.Document(path)
    titles = headings(document)
    assert titles[0] == "Выявление школ с низкими образовательными результатами и школ в зоне риска"
    for title in ("Итоги", "Реестр ШНОР", "Доли низких результатов по процедурам", "Сетевые пары «сильная школа — "
                  "слабая школа»", "Приложение. Методика и параметры"):
        assert title in titles
    # the ШНОР registry: one row per ШНОР of the report, headers in Russian, repeated on every page
    registry = document.tables[0]
    assert [c.text for c in registry.rows[0].cells][:3] == ["Школа", "Критерий 1", "Критерий 2"]
    assert [r.cells[0].text for r in registry.rows[1:]] == list(ident.shnor_list["school_name"])
    assert all(header_repeats(t) for t in document.tables)
    # the wide heatmap sits in a landscape section, the document starts and ends in portrait
    orientations = [s.orientation for s in document.sections]
    assert orientations[0] == orientations[-1] == WD_ORIENT.PORTRAIT and WD_ORIENT.LANDSCAPE in orientations
    assert len(document.inline_shapes) == 1  # the social-context chart
    text = "\n".join(p.text for p in document.paragraphs)
    assert "identification." not in text and "qualitylib" not in text and "Сформировано" in text


def test_identification_document_without_social_data(polysaevo, tmp_path):
    """No school with a social index (ФИС ОКО exports have none): one sentence, no empty chart and no
    table of dashes; the other tables stay."""
    import dataclasses

    from qualitylib.views.identification import NO_SOCIAL_DATA, social_rows

    region, params = polysaevo
    ident = present(build_identification(region, "Полысаево", 2026, params))
    with_data = docx.Document(identification_docx(tmp_path / "a.docx", region.name, ident,
                                                  charts.social_scatter(ident.social, "Полысаево")))
    blank = dataclasses.replace(ident, social=ident.social.assign(social_index=float("nan")))
    assert len(social_rows(ident)) == 6 and len(social_rows(blank)) == 0  # Полысаево has 6 schools
    document = docx.Document(identification_docx(tmp_path / "b.docx", region.name, blank, None))
    assert len(document.inline_shapes) == 0
    assert len(document.tables) == len(with_data.tables) - 1
    texts = [p.text for p in document.paragraphs]
    social = texts.index("Результаты с учётом социального контекста")
    assert texts[social + 1] == NO_SOCIAL_DATA and NO_SOCIAL_DATA not in [p.text for p in with_data.paragraphs]


def test_a_picture_the_notebook_showed_goes_into_the_document_as_it_is(polysaevo, tmp_path):
    """The notebook's picture (drawn once) and a figure drawn by the document give the same image."""
    region, params = polysaevo
    ident = present(build_identification(region, "Полысаево", 2026, params))

    def chart():
        return charts.social_scatter(ident.social, "Полысаево", ident.shnor_list["school_id"])

    pic = charts.picture(chart())
    images = []
    for name, figure in (("a.docx", chart()), ("b.docx", pic)):
        document = docx.Document(identification_docx(tmp_path / name, region.name, ident, figure))
        images.append([r.target_part.blob for r in document.part.rels.values() if "image" in r.reltype])
    assert images[0] == images[1] == [pic.png]


def test_monitoring_document(polysaevo, tmp_path):
    region, params = polysaevo
    m = build_monitoring(region, "Полысаево", 2026, params)
    document = docx.Document(monitoring_docx(tmp_path / "03.docx", region.name, m))
    titles = headings(document)
    assert "Краткие итоги" in titles and "Дорожная карта" in titles and "Адресные рекомендации" in titles
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert "chaa-khol.1" not in cells and {"1", "2", "3", "4"} <= cells  # the programme's numbers
    named = [p.text for p in document.paragraphs if "Программа: Дорожная карта" in p.text]
    assert len(named) == 1  # the summary names the programme, the heading lines do not repeat it


def _members(path: Path) -> dict[str, bytes]:
    import zipfile
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


def test_one_note_view_serves_the_workbook_and_the_document(polysaevo, tmp_path):
    """Notebook 03 hands its note view to both writers: the files are those each writer makes by
    itself, and neither writer changes the tables the other one reads next."""
    from qualitylib.batch.excel import write_indicators_workbook
    from qualitylib.views.monitoring import note_view

    region, params = polysaevo
    m = build_monitoring(region, "Полысаево", 2026, params)
    note = note_view(m)
    before = {k: v.copy() for k, v in vars(note).items() if isinstance(v, pd.DataFrame)}
    shared = (write_indicators_workbook(tmp_path / "a.xlsx", m, note=note),
              monitoring_docx(tmp_path / "a.docx", region.name, m, note=note))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(note, name), frame)
    own = (write_indicators_workbook(tmp_path / "b.xlsx", m), monitoring_docx(tmp_path / "b.docx", region.name, m))
    for a, b in zip(shared, own):
        assert _members(a) == _members(b)
    # and the writers do use the view they are given
    note.indicators.loc[note.indicators.index[0], "title"] = "Проверочный показатель"
    import openpyxl
    sheet = openpyxl.load_workbook(write_indicators_workbook(tmp_path / "c.xlsx", m, note=note))["Показатели"]
    assert sheet["C2"].value == "Проверочный показатель"


def test_yes_no_items_are_answered_in_words_with_their_evidence(tmp_path):
    """Kavkazsky's yes/no items (5–7, 9–15): «да»/«нет» and the evidence, as in the HTML note, not 1 / 0."""
    region = load_region(ROOT / "data" / "sample")
    params = load_params(find_municipality_params("Кавказский район"))
    m = build_monitoring(region, "Кавказский район", 2026, params)
    document = docx.Document(monitoring_docx(tmp_path / "03.docx", region.name, m))
    flagged = [t for t in document.tables if [c.text for c in t.rows[0].cells][-1] == "Подтверждение"]
    assert len(flagged) == 1
    table = flagged[0]
    assert [c.text for c in table.rows[0].cells] == ["№", "Показатель", "2025", "2026", "Статус", "Подтверждение"]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[0] for r in rows] == ["5", "6", "7", "9", "10", "11", "12", "13", "14", "15"]
    items = m.indicators.set_index("id")
    for number, _, _, now, status, _ in rows:
        value = items.loc[f"kavkazsky.{number}", "value"]
        expected = "нет данных" if pd.isna(value) else ("да" if value == 1 else "нет")
        assert now == expected
        assert status == {"да": "выполнено", "нет": "не выполнено", "нет данных": "нет данных"}[now]
    assert all(r[5] for r in rows if r[4] != "нет данных")  # an answered item shows its evidence


def test_tasks_document(polysaevo, tmp_path):
    """04 in Word: the heatmap of every work with the cells of the report (text and mastery colour)."""
    from qualitylib.reports.tasks import build_tasks
    from qualitylib.views import tasks as views
    from qualitylib.views.labels import ru_number

    region, params = polysaevo
    r = build_tasks(region, "Полысаево", 2026, params)
    document = docx.Document(tasks_docx(tmp_path / "04.docx", region.name, r))
    titles = headings(document)
    works = list(r.analysis["assessment"].drop_duplicates())
    for title in ("Итоги", "Выполнение заданий по школам", "Дефициты ШНОР и школ в зоне риска",
                  "Адресные рекомендации", "Приложение. Методика", *(views.assessment_title(w) for w in works)):
        assert title in titles
    assert all(header_repeats(t) for t in document.tables)
    # the first table: the first work's first tasks; a school's cell holds its success and ▼ for a deficit
    first = document.tables[0]
    a = r.analysis[r.analysis["assessment"] == works[0]].sort_values("position")
    task = a.iloc[0]
    headers = [c.text for c in first.rows[0].cells]
    assert headers[0] == "Школа" and headers[1].startswith(f"{task['task']} (")
    row = next(r_ for r_ in first.rows[1:] if r_.cells[0].text.startswith(views.short_school_name(task["school_name"])))
    expected = ru_number(task["success_pct"], 0) + (" ▼" if task["deficit"] == 1 else "")
    assert row.cells[1].text.startswith(expected)
    fill = row.cells[1]._tc.tcPr.find(qn("w:shd")).get(qn("w:fill"))
    assert "#" + fill.lower() == views.MASTERY_COLOURS[task["mastery"]]
    assert [r_.cells[0].text for r_ in first.rows[-2:]] == ["Муниципалитет", "Регион"]
    assert WD_ORIENT.LANDSCAPE in [s.orientation for s in document.sections]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "qualitylib" not in text and "Сформировано" in text


def test_column_widths_follow_the_text_and_fill_the_page():
    widths = column_widths([["Школа", "МБОУ «Средняя общеобразовательная школа № 1»"], ["да", "нет"]], 18.0)
    assert sum(widths) == pytest.approx(18.0)
    assert widths[0] > 3 * widths[1]


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _report():
    from qualitylib.batch.word import Report

    return Report("Проверка", "Регион", "Полысаево", 2026, {}, programme=False)


def _cell(tr, j):
    return tr.findall(f"{W}tc")[j]


def _fill(tc):
    shd = tc.find(f"{W}tcPr/{W}shd")
    return None if shd is None else shd.get(f"{W}fill")


def _right(tc):
    jc = tc.find(f"{W}p/{W}pPr/{W}jc")
    return jc is not None and jc.get(f"{W}val") == "right"


def test_table_element_header_fills_widths_alignment_and_text(tmp_path):
    """One small table's XML: repeated unsplit header, fills, widths, right-aligned numbers, escaped text."""
    frame = pd.DataFrame({"school_name": ["Лицей <1>", "Гимназия"], "share": [45.0, 7.5],
                          "criterion_1": [1, 0]})
    doc = _report()
    doc.table(frame, ["school_name", "share", "criterion_1"], flags={"criterion_1": "да"},
              headers=["Школа", "Доля", "Флаг"], fills=[[None, "#a6d96a", None], [None, None, None]])
    document = docx.Document(doc.save(tmp_path / "t.docx"))
    table = document.tables[0]
    tbl = table._tbl
    assert tbl.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val") == "TableGrid"
    assert tbl.find(f"{W}tblPr/{W}jc").get(f"{W}val") == "center"
    assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
    head, first, second = tbl.findall(f"{W}tr")
    # the header row repeats on every page and is never split; bold, 8.5 pt (17 half-points), filled
    assert head.find(f"{W}trPr/{W}tblHeader").get(f"{W}val") == "true"
    assert head.find(f"{W}trPr/{W}cantSplit") is not None
    assert first.find(f"{W}trPr") is None and second.find(f"{W}trPr") is None
    assert [c.text for c in table.rows[0].cells] == ["Школа", "Доля", "Флаг"]
    assert all(_fill(_cell(head, j)) == "DDEBF7" for j in range(3))
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs if r.text)
    sizes = {r.font.size.pt for row in table.rows for c in row.cells for r in c.paragraphs[0].runs if r.text}
    assert sizes == {8.5}
    # body: flags in words, the «да» filled, a given fill, numbers right-aligned with a decimal comma
    assert [[c.text for c in r.cells] for r in table.rows[1:]] == [["Лицей <1>", "45,0", "да"],
                                                                   ["Гимназия", "7,5", "нет"]]
    assert [_fill(_cell(first, j)) for j in range(3)] == [None, "a6d96a", "F8CBAD"]
    assert [_fill(_cell(second, j)) for j in range(3)] == [None, None, None]
    assert [_right(_cell(first, j)) for j in range(3)] == [False, True, False]
    assert [_right(_cell(second, j)) for j in range(3)] == [False, True, False]
    # widths by the longest text (header cut to 12 characters) and word: weights 9+3=12, 4+3=7, 4+3=7 of
    # 18 cm -> 8.3077 cm and 4.8462 cm = 4710 and 2747 twips (1 cm = 566.93 twips); grid and cells agree
    grid = [int(g.get(f"{W}w")) for g in tbl.findall(f"{W}tblGrid/{W}gridCol")]
    assert grid == [4710, 2747, 2747]
    for tr in (head, first, second):
        tcw = [tc.find(f"{W}tcPr/{W}tcW") for tc in tr.findall(f"{W}tc")]
        assert [int(w.get(f"{W}w")) for w in tcw] == grid and {w.get(f"{W}type") for w in tcw} == {"dxa"}


def test_table_status_fills_line_breaks_and_spaces(tmp_path):
    frame = pd.DataFrame({"status_title": ["выполнено", "просрочено", "в работе"],
                          "note": ["строка 1\nстрока 2", " отступ", "A & B\tC"]})
    doc = _report()
    doc.table(frame, ["status_title", "note"], status_columns=("status_title",), headers=["Статус", "Примечание"])
    document = docx.Document(doc.save(tmp_path / "s.docx"))
    table = document.tables[0]
    rows = table._tbl.findall(f"{W}tr")[1:]
    assert [_fill(_cell(r, 0)) for r in rows] == ["C6EFCE", "FFC7CE", "FFEB9C"]
    assert [_fill(_cell(r, 1)) for r in rows] == [None, None, None]
    assert [r.cells[1].text for r in table.rows[1:]] == ["строка 1\nстрока 2", " отступ", "A & B\tC"]
    runs = [_cell(r, 1).find(f"{W}p/{W}r") for r in rows]
    assert [etree_tag(e) for e in runs[0]] == ["rPr", "t", "br", "t"]
    assert [etree_tag(e) for e in runs[2]] == ["rPr", "t", "tab", "t"]
    t = runs[1].find(f"{W}t")
    assert t.text == " отступ" and t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"


def etree_tag(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def test_wide_table_goes_landscape_in_smaller_type_and_fills_the_page(tmp_path):
    from qualitylib.views.html import DENSE_COLUMNS

    columns = [f"c{j}" for j in range(DENSE_COLUMNS)]
    frame = pd.DataFrame({c: [1.5, 2.5] for c in columns})
    doc = _report()
    doc.table(frame, columns, headers=columns)
    doc.orientation(False)
    document = docx.Document(doc.save(tmp_path / "w.docx"))
    assert [s.orientation for s in document.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE,
                                                          WD_ORIENT.PORTRAIT]
    table = document.tables[0]
    sizes = {r.font.size.pt for row in table.rows for c in row.cells for r in c.paragraphs[0].runs if r.text}
    assert sizes == {7.5}
    grid = [int(g.get(f"{W}w")) for g in table._tbl.findall(f"{W}tblGrid/{W}gridCol")]
    # equal columns across 26.7 cm of a landscape A4 page: 26.7 / 9 cm = 1682 twips each
    assert grid == [1682] * DENSE_COLUMNS
    # the table sits in the landscape section: after the first section break, before the second
    body = list(document.element.body)
    breaks = [i for i, e in enumerate(body) if e.find(f"{W}pPr/{W}sectPr") is not None]
    assert breaks[0] < body.index(table._tbl) < breaks[1]
