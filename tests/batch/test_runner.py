"""The batch runner end to end on a tiny region: isolation of failures, safe names, atomic outputs."""
import json
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from qualitylib.batch.runner import Job, run_job, run_region

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e  # every test here executes notebooks in kernels (the fast ones: test_orchestration.py)
EVIL = "../evil <script>alert(1)</script>"
EVIL_SCHOOL = '<script>alert("школа")</script>'


@pytest.fixture(scope="module")
def tiny_region(tmp_path_factory):
    """Полысаево as is, Чаа-Холь renamed to a hostile name, Элиста renamed to «Сломанный»."""
    folder = tmp_path_factory.mktemp("region")
    sample = ROOT / "data" / "sample"
    schools = pd.read_csv(sample / "schools.csv", dtype=str)
    keep = {"Полысаево": "Полысаево", "Чаа-Хольский кожуун": EVIL, "Элиста": "Сломанный"}
    schools = schools[schools["municipality"].isin(keep)].copy()
    schools["municipality"] = schools["municipality"].map(keep)
    first_evil = schools.index[schools["municipality"] == EVIL][0]
    schools.loc[first_evil, "school_name"] = EVIL_SCHOOL
    schools.to_csv(folder / "schools.csv", index=False)
    ids = set(schools["school_id"])
    for table in ("results", "context"):
        frame = pd.read_csv(sample / f"{table}.csv", dtype=str)
        frame[frame["school_id"].isin(ids)].to_csv(folder / f"{table}.csv", index=False)
    (folder / "region.yaml").write_text("name: Тестовый <регион>\n", encoding="utf-8")
    params = tmp_path_factory.mktemp("params")
    shutil.copy(ROOT / "params" / "methodology.yaml", params / "methodology.yaml")
    (params / "broken.yaml").write_text(
        "base: methodology.yaml\nmunicipality: Сломанный\nidentification:\n  threshold_pct: 130\n", encoding="utf-8")
    return folder, params


@pytest.fixture(scope="module")
def batch(tiny_region, tmp_path_factory):
    data, params = tiny_region
    out = tmp_path_factory.mktemp("out")
    manifest = run_region(data, 2026, out, params_dir=str(params), workers=2, progress=False)
    base = out / "testovyy-region" / "2026"
    return manifest, base, out


def test_failure_of_one_municipality_does_not_stop_the_others(batch):
    manifest, base, _ = batch
    assert manifest["failed"] == ["Сломанный"]
    broken = next(m for m in manifest["municipalities"] if m["municipality"] == "Сломанный")
    assert "вне допустимого диапазона (от 0 до 100)" in broken["reasons"][0]
    assert (base / "polysaevo" / "01_identification.html").is_file()
    assert (base / "polysaevo" / "registry.xlsx").is_file()


def test_hostile_names_stay_inside_outputs_and_show_as_text(batch):
    _, base, out = batch
    folders = sorted(p.name for p in base.iterdir() if p.is_dir())
    assert folders == ["_region", "evil-script-alert-1-script", "polysaevo"]
    for path in out.rglob("*"):
        assert out.resolve() in path.resolve().parents
    report = (base / "evil-script-alert-1-script" / "01_identification.html").read_text(encoding="utf-8")
    assert "<script>alert" not in report
    assert "&lt;script&gt;alert(&quot;школа&quot;)&lt;/script&gt;" in report or \
        "&lt;script&gt;alert(\"школа\")&lt;/script&gt;" in report
    index = (base / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in index and "../evil &lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_the_region_report_covers_the_region_and_names_what_it_left_out(batch):
    manifest, base, _ = batch
    assert manifest["region_report"]["status"] == "ok"
    page = (base / "_region" / "00_region.html").read_text(encoding="utf-8")
    assert "Муниципалитет «Сломанный» не включён" in page and "<script>alert" not in page
    assert '../polysaevo/01_identification.html' in page
    book = openpyxl.load_workbook(base / "_region" / "region.xlsx")
    rows = list(book["Муниципалитеты"].iter_rows(values_only=True))
    assert rows[0][0] == "Муниципалитет" and rows[-1][0] == "Регион в целом"
    index = (base / "index.html").read_text(encoding="utf-8")
    assert 'href="_region/00_region.html"' in index and 'href="changes.html"' in index


def test_reports_are_offline_and_without_code(batch):
    _, base, _ = batch
    html = (base / "polysaevo" / "01_identification.html").read_text(encoding="utf-8")
    assert 'src="http' not in html and "href=\"http" not in html and "<script src" not in html
    assert "html.table(" not in html and "load_region" not in html  # no code cells
    assert "data:image/png;base64" in html  # charts embedded
    assert "@page" in html and "size: A4" in html
    assert "Реестр ШНОР" in html


def test_registry_workbook_layout(batch):
    _, base, _ = batch
    book = openpyxl.load_workbook(base / "polysaevo" / "registry.xlsx")
    assert book.sheetnames == ["ШНОР", "Риск", "ШНСУ", "Пары", "Параметры"]
    sheet = book["ШНОР"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert sheet["A1"].value == "Код ОО" and sheet["H1"].value == "Основания"
    assert sheet.max_row >= 2  # Полысаево has a ШНОР in the sample
    region = openpyxl.load_workbook(base / "registry.xlsx")
    assert region.sheetnames == ["Сводка", "ШНОР", "Риск", "ШНСУ", "Пары", "Параметры"]
    # each municipality's own method on Параметры, its counts on Сводка
    method = [r for r in region["Параметры"].iter_rows(min_row=2, values_only=True)]
    assert "Полысаево" in {r[0] for r in method} and any("30 %" in r[2] for r in method if r[0] == "Полысаево")
    assert [c.value for c in region["Сводка"][1]] == ["Муниципалитет", "ШНОР", "В зоне риска", "Сетевых пар"]
    shnsu = [row[2] for row in region["ШНСУ"].iter_rows(min_row=2, values_only=True)]
    assert shnsu and "Полысаево" in shnsu  # the ШНСУ of every municipality of the run


def test_manifest_records_inputs_versions_and_durations(batch):
    manifest, base, _ = batch
    on_disk = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["failed"] == manifest["failed"]
    assert set(on_disk["inputs"]) == {"schools", "results", "context"}
    assert len(on_disk["inputs"]["results"]["sha256"]) == 64
    assert on_disk["versions"]["papermill"]
    poly = next(m for m in on_disk["municipalities"] if m["municipality"] == "Полысаево")
    assert poly["status"] == "ok" and poly["notebooks"][0]["seconds"] > 0
    assert poly["headline"]["shnor"] >= 1


def test_no_temporary_files_left(batch):
    _, _, out = batch
    assert not [p for p in out.rglob("*") if p.name.startswith(".tmp") or p.suffix == ".tmp"]


def test_same_inputs_give_the_same_html(batch, tiny_region, tmp_path):
    data, params = tiny_region
    _, base, _ = batch
    run_region(data, 2026, tmp_path, params_dir=str(params), municipalities=["Полысаево"], workers=1,
               progress=False)
    again = tmp_path / "testovyy-region" / "2026" / "polysaevo" / "01_identification.html"
    assert again.read_bytes() == (base / "polysaevo" / "01_identification.html").read_bytes()


def test_failing_cell_keeps_the_executed_notebook_and_removes_stale_html(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("data_dir = None\nmunicipality = None\nyear = None\nparams_file = None\noutput_dir = None\npublic = False\ninteractive = False",
                      metadata={"tags": ["parameters"]}),
        new_code_cell("raise ValueError('Нет данных за этот год')"),
    ])
    path = tmp_path / "01_identification.ipynb"
    nbformat.write(nb, path)
    final = tmp_path / "out" / "m"
    final.mkdir(parents=True)
    (final / "01_identification.html").write_text("old report", encoding="utf-8")
    result = run_job(Job("М", "m", str(tmp_path), 2026, "x.yaml", str(final), [str(path)]))
    assert not result.ok
    assert result.notebooks[0]["status"] == "failed"
    assert "ValueError: Нет данных за этот год" in result.notebooks[0]["reason"]
    assert (final / "01_identification.ipynb").is_file()
    assert not (final / "01_identification.html").exists()
    assert sorted(p.name for p in final.parent.iterdir()) == ["m"]


def test_relative_paths_put_the_excel_files_in_place(tiny_region, tmp_path, monkeypatch):
    # the kernels run in notebooks/: a relative --out once sent registry.xlsx there
    data, params = tiny_region
    monkeypatch.chdir(tmp_path)
    shutil.copytree(data, tmp_path / "region")
    shutil.copytree(params, tmp_path / "params")
    manifest = run_region("region", 2026, "rel-out", params_dir="params", municipalities=["Полысаево"],
                          workers=1, progress=False)
    assert manifest["failed"] == []
    folder = tmp_path / "rel-out" / "testovyy-region" / "2026" / "polysaevo"
    assert {"registry.xlsx", "indicators.xlsx", "01_identification.html"} <= {p.name for p in folder.iterdir()}
    assert not (ROOT / "notebooks" / "rel-out").exists()
