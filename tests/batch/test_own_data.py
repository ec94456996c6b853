"""A region's own data in the templates, end to end: typed by hand into the Excel templates (the title row
kept, an «Итого» row at the bottom), the forms of the schools collected, a municipality added with
``init`` — validated and run into complete reports."""
from __future__ import annotations

import html
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qualitylib.batch.cli import main
from qualitylib.data.forms import FIRST_ROW
from qualitylib.data.programmes import load_catalogue, load_programme
from qualitylib.data.schema import CONTEXT, MONITORING, PROCEDURES, SUBJECTS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
pytestmark = pytest.mark.e2e  # executes the notebooks
NEW = "Берёзовский район"
PLAIN = "Без программы"
#: Schools of the sample whose numbers are typed in: three for the new municipality, one for the other.
CODES = {"S01001": NEW, "S01002": NEW, "S01003": NEW, "S02001": PLAIN}


def _type_rows(path: Path, sheet_name: str, rows: list[list]) -> None:
    """Type rows into a template from row 3 on, under its title and header, as an analyst does."""
    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name]
    assert sheet["A1"].value.startswith(sheet_name)  # the title row stays
    for offset, row in enumerate(rows):
        for position, value in enumerate(row, start=1):
            sheet.cell(3 + offset, position, value)
    book.save(path)


def _fill_form(path: Path, sheet_name: str, values: dict) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name]
    for row in range(FIRST_ROW, sheet.max_row + 1):
        title = sheet.cell(row, 1).value
        if title in values and values[title] is not None and not pd.isna(values[title]):
            sheet.cell(row, 2, values[title])
    book.save(path)


@pytest.fixture(scope="module")
def own_region(tmp_path_factory):
    work = tmp_path_factory.mktemp("own")
    schools = pd.read_csv(SAMPLE / "schools.csv", dtype=str)
    schools = schools[schools["school_id"].isin(CODES)].copy()
    schools["municipality"] = schools["school_id"].map(CODES)
    schools.to_csv(work / "list.csv", index=False)
    region = work / "region"
    assert main(["template", str(region), "--schools", str(work / "list.csv"), "--year", "2026", "--forms"]) == 0

    # results typed in Russian, as printed in the protocols, with a total row at the bottom
    results = pd.read_csv(SAMPLE / "results.csv", dtype=str)
    results = results[results["school_id"].isin(CODES)]
    rows = [[int(r.year), r.school_id, PROCEDURES[r.procedure], SUBJECTS.get(r.subject, r.subject), int(r.grade),
             int(r.participants), int(r.low_count)] for r in results.itertuples()]
    total = ["Итого", None, None, None, None, sum(r[5] for r in rows), sum(r[6] for r in rows)]
    _type_rows(region / "результаты.xlsx", "Результаты", [*rows, total])

    # the forms of the schools: context and monitoring of 2026
    context = pd.read_csv(SAMPLE / "context.csv").query("year == 2026").set_index("school_id")
    monitoring = pd.read_csv(SAMPLE / "monitoring.csv").query("year == 2026")
    if "round" in monitoring:  # a school's form holds its yearly row; rounds within a year are not in forms
        monitoring = monitoring[monitoring["round"].isna()]
    monitoring = monitoring.set_index("school_id")
    forms = sorted((region / "формы школ").rglob("*.xlsx"))
    assert len(forms) == 4
    for path in forms:
        code = path.stem
        _fill_form(path, "Контекст", {c.title: context.loc[code, c.name] for c in CONTEXT.columns
                                      if c.name in context.columns})
        _fill_form(path, "Мониторинг", {c.title: monitoring.loc[code, c.name] for c in MONITORING.columns
                                        if c.name in monitoring.columns})
    assert main(["collect", str(region / "формы школ"), "--out", str(region)]) == 0

    params = work / "params"
    assert main(["init", NEW, "--programme", "norilsk", "--params-dir", str(params)]) == 0
    return work, region, params


def test_the_typed_region_validates_with_the_total_row_named(own_region, capsys):
    _, region, _ = own_region
    capsys.readouterr()
    assert main(["validate", str(region)]) == 0
    out = capsys.readouterr().out
    # the unfilled optional templates (road map, municipal monitoring, official list, tasks) and the total row
    assert "ошибок нет, предупреждений — 5" in out
    assert "«мониторинг муниципалитета.xlsx»" in out
    assert "строка итогов («Итого») пропущена" in out
    # the road map template left unfilled is not an error
    assert "«дорожная карта.xlsx», лист «Дорожная карта» — в таблице нет ни одной строки под заголовком" in out
    assert "школ — 4" in out


def test_the_typed_region_runs_into_complete_reports(own_region, capsys):
    work, region, params = own_region
    out = work / "out"
    assert main(["run", "--data", str(region), "--year", "2026", "--params-dir", str(params), "--out", str(out),
                 "--workers", "1", "--quiet"]) == 0
    [base] = [p for p in out.iterdir() if p.is_dir()]
    base = base / "2026"
    folders = sorted(p for p in base.iterdir() if p.is_dir() and p.name != "_region")
    assert len(folders) == 2
    assert (base / "_region" / "00_region.html").is_file()  # and the region's report over both
    for folder in folders:
        for name in ("01_identification", "02_dynamics", "03_monitoring"):
            assert (folder / f"{name}.html").stat().st_size > 10_000
        assert (folder / "registry.xlsx").is_file()
    index = (base / "index.html").read_text(encoding="utf-8")
    assert index.count("программа мониторинга не выбрана") == 1

    notes = {html.unescape((f / "03_monitoring.html").read_text(encoding="utf-8")): f for f in folders}
    for text in notes:  # no road map: said once, without the words on how its plans are read
        assert "Дорожной карты муниципалитета в данных нет." in text and "Повторяющийся срок" not in text
    [new_note] = [text for text in notes if NEW in text]
    [plain_note] = [text for text in notes if PLAIN in text]
    # the municipality added with init: its programme's indicators are in its note
    programme = load_programme("norilsk", load_catalogue())
    assert programme.title in new_note
    catalogue = load_catalogue()
    missing = [i for i in programme.indicators if catalogue[i]["title"] not in new_note]
    assert missing == []
    # the other: plain words, no keys
    assert "Программа мониторинга для муниципалитета не выбрана" in plain_note
    assert "Что можно добавить" in plain_note
    assert "ключ programme" not in plain_note and "programme" not in plain_note.split("<body", 1)[-1]
