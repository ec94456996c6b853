"""The runner's orchestration with a stand-in executor: no kernel, no worker process.

``run_region(..., executor="inline", execute=StandIn(...))`` goes through the real
planning, :func:`run_job` (private folder, HTML conversion, moving files into place),
the index page and the manifest; only the execution of a notebook is replaced by a
function that writes a small executed notebook (and the Excel files the real notebooks
write, as small real workbooks), or raises like papermill does.

The region is the hand-written one of ``conftest.py`` plus one row: in 2024 school S2
(Северный) has low results in two procedures (ВПР математика 5: 3 of 10 = 30 %, ВПР русский
язык 5: 4 of 10 = 40 %), so it is the one ШНОР; S1 (2 of 20 = 10 %) and S3 (ОГЭ 1 of 25,
ЕГЭ 0 of 15) are not, and there is no 2023 to count last year's ШНОР from.
"""
import hashlib
import inspect
import json
import re
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pytest
from conftest import RESULTS, write_region
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from papermill.exceptions import PapermillExecutionError

from qualitylib.batch import runner
from qualitylib.batch.runner import Job, execute_jobs, run_job, run_region
from qualitylib.exceptions import UnknownMunicipalityError

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2024
NOTEBOOK_NAMES = ["01_identification", "02_dynamics", "03_monitoring", "04_tasks"]
#: What the real notebooks save into ``output_dir`` (see tools/make_notebooks.py).
WORKBOOKS = {"01_identification": "registry.xlsx", "03_monitoring": "indicators.xlsx", "04_tasks": "tasks.xlsx"}


class StandIn:
    """``execute(path, executed, job, output_dir)`` without a kernel.

    Writes an executed notebook whose output names the municipality and the notebook,
    and the notebook's Excel file; ``failures`` maps ``(municipality, notebook)`` to the
    exception to raise, after writing the executed notebook when ``written`` is true (as
    papermill does for a failing cell) and before it otherwise (a kernel that never started).
    """

    def __init__(self, failures=None):
        self.failures = failures or {}
        self.calls = []

    @property
    def municipality_calls(self) -> list[dict]:
        """The calls for municipalities' notebooks (the region's report is run after them)."""
        return [call for call in self.calls if not call["job"].region_report]

    def __call__(self, path, executed, job, output_dir):
        name = Path(path).stem
        self.calls.append({"notebook": name, "executed": Path(executed), "job": job,
                           "output_dir": Path(output_dir), "tmp_exists": Path(output_dir).is_dir()})
        exc, written = self.failures.get((job.municipality, name), (None, True))
        if written:
            nb = new_notebook(cells=[
                new_markdown_cell(f"# {name}"),
                new_code_cell("print(municipality)", outputs=[
                    new_output("stream", name="stdout", text=f"Отчёт {name}: {job.municipality}, {job.year}\n")]),
            ])
            nbformat.write(nb, executed)
        if exc is not None:
            raise exc
        if name in WORKBOOKS:
            book = openpyxl.Workbook()
            book.active["A1"] = f"{job.municipality} {name}"
            book.save(Path(output_dir) / WORKBOOKS[name])


def cell_error(ename, evalue):
    return PapermillExecutionError(3, 3, "raise", ename, evalue, [])


def make_region(tmp_path_factory, label: str) -> Path:
    """The two-municipality region the runner tests use (Северный, Южный), named «Тестовый регион»."""
    columns, rows = RESULTS
    rows = rows + [[2024, "S2", "vpr", "russian", 5, 10, 4, 3, 2, 1, 10.0]]
    folder = write_region(tmp_path_factory.mktemp(label) / "region", results=(columns, rows))
    (folder / "region.yaml").write_text("name: Тестовый регион\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return make_region(tmp_path_factory, "orchestration")


def run(region, out, execute, **kwargs):
    """A run that executes every municipality (reuse of unchanged ones: tests/batch/test_reruns.py)."""
    kwargs.setdefault("workers", 1)
    kwargs.setdefault("force", True)
    return run_region(region, YEAR, out, executor="inline", execute=execute, progress=False, **kwargs)


@pytest.fixture(scope="module")
def failing_run(region, tmp_path_factory):
    """Южный's 02_dynamics fails in a cell; everything else succeeds (the stand-in ignores the notebooks)."""
    out = tmp_path_factory.mktemp("out")
    stand_in = StandIn({("Южный", "02_dynamics"): (cell_error("ValueError", "Нет данных за 2023 год"), True)})
    manifest = run(region, out, stand_in)
    return manifest, out / "testovyy-region" / str(YEAR), stand_in


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_one_failing_notebook_does_not_stop_the_others(failing_run):
    manifest, base, stand_in = failing_run
    assert len(stand_in.municipality_calls) == 8  # every notebook of both municipalities was tried
    assert [c["notebook"] for c in stand_in.calls[8:]] == ["00_region"]  # then the region's report, once
    assert manifest["failed"] == ["Южный"]
    north, south = manifest["municipalities"]
    assert north["status"] == "ok" and north["reasons"] == []
    assert south["status"] == "failed"
    assert south["reasons"] == ["02_dynamics: ValueError: Нет данных за 2023 год"]
    assert [(n["notebook"], n["status"], n["reason"]) for n in south["notebooks"]] == [
        ("01_identification", "ok", ""),
        ("02_dynamics", "failed", "ValueError: Нет данных за 2023 год"),
        ("03_monitoring", "ok", ""),
        ("04_tasks", "ok", ""),
    ]
    assert files(base) == ["_region", "changes.html", "changes.xlsx", "index.html", "manifest.json",
                           "registry.xlsx", "severnyy", "yuzhnyy"]
    assert files(base / "_region") == ["00_region.html", "00_region.ipynb"]
    assert files(base / "severnyy") == sorted([f"{n}.{ext}" for n in NOTEBOOK_NAMES for ext in ("html", "ipynb")]
                                              + ["indicators.xlsx", "registry.xlsx", "tasks.xlsx"])
    # the failed notebook keeps its executed copy (to read the traceback) but has no report
    assert files(base / "yuzhnyy") == ["01_identification.html", "01_identification.ipynb", "02_dynamics.ipynb",
                                       "03_monitoring.html", "03_monitoring.ipynb", "04_tasks.html", "04_tasks.ipynb",
                                       "indicators.xlsx", "registry.xlsx", "tasks.xlsx"]


def test_reports_are_the_converted_executed_notebooks(failing_run):
    _, base, _ = failing_run
    html = (base / "severnyy" / "02_dynamics.html").read_text(encoding="utf-8")
    assert "<title>Динамика результатов — Северный, 2024</title>" in html
    assert "Отчёт 02_dynamics: Северный, 2024" in html
    assert "print(municipality)" not in html  # code cells are hidden
    assert openpyxl.load_workbook(base / "yuzhnyy" / "registry.xlsx").active["A1"].value == "Южный 01_identification"


def test_manifest_contents(failing_run, region):
    manifest, base, _ = failing_run
    assert json.loads((base / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert list(manifest) == ["region", "year", "generated", "public", "workers", "executor", "seconds",
                              "interrupted", "inputs", "params", "versions", "run", "reused", "municipalities",
                              "failed", "region_report"]
    assert manifest["region_report"] == {"status": "ok", "reasons": [], "folder": "_region",
                                         "reports": {"00_region.html": True, "region.xlsx": False,
                                                     "00_region.docx": False}}
    assert manifest["interrupted"] is None and manifest["run"] == ["Северный", "Южный"]
    assert (manifest["region"], manifest["year"], manifest["public"], manifest["workers"], manifest["executor"]) \
        == ("Тестовый регион", 2024, False, 1, "inline")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", manifest["generated"])
    assert manifest["inputs"] == {
        name: {"file": str(region / f"{name}.csv"),
               "sha256": hashlib.sha256((region / f"{name}.csv").read_bytes()).hexdigest()}
        for name in ("schools", "results", "context")}
    methodology = str(ROOT / "params" / "methodology.yaml")
    assert manifest["params"] == {"Северный": methodology, "Южный": methodology}
    assert {"python", "qualitylib", "pandas", "papermill", "nbconvert"} <= set(manifest["versions"])
    north, south = manifest["municipalities"]
    assert [(m["municipality"], m["slug"]) for m in (north, south)] == [("Северный", "severnyy"), ("Южный", "yuzhnyy")]
    assert set(north) == {"municipality", "slug", "status", "reasons", "headline", "notebooks", "generated",
                          "fingerprint", "state"}
    assert set(north["fingerprint"]) == {"data", "region", "params", "code", "notebooks"}
    assert list(north["state"]["shnor"]) == ["S2"] and sorted(north["state"]["risk"]) == ["S1", "S2"]
    assert north["generated"] == manifest["generated"]
    assert north["headline"]["schools"] == 2 and north["headline"]["shnor"] == 1 and north["headline"]["shnor_prev"] == 0
    assert south["headline"]["schools"] == 1 and south["headline"]["shnor"] == 0
    assert [n["notebook"] for n in north["notebooks"]] == NOTEBOOK_NAMES
    assert all(n["seconds"] >= 0 for n in north["notebooks"])


def index_rows(base: Path) -> list[str]:
    page = (base / "index.html").read_text(encoding="utf-8")
    return re.findall(r"<tr><td>.*?</tr>", page.split("<tbody>")[1])


def test_index_page_rows(failing_run):
    _, base, _ = failing_run
    page = (base / "index.html").read_text(encoding="utf-8")
    assert "Муниципалитетов: 2; с ошибками: 1." in page
    north, south = index_rows(base)
    assert north.startswith("<tr><td>Северный</td><td class=\"num\">2</td><td class=\"num\">1</td>"
                            "<td class=\"num\">0</td>")
    assert re.findall(r'href="([^"]+)"', north) == [
        "severnyy/01_identification.html", "severnyy/02_dynamics.html", "severnyy/03_monitoring.html",
        "severnyy/04_tasks.html", "severnyy/registry.xlsx", "severnyy/indicators.xlsx", "severnyy/tasks.xlsx"]
    assert '<span class="ok">готово</span>' in north
    assert south.startswith("<tr><td>Южный</td><td class=\"num\">1</td><td class=\"num\">0</td>")
    assert re.findall(r'href="([^"]+)"', south) == [
        "yuzhnyy/01_identification.html", "yuzhnyy/03_monitoring.html", "yuzhnyy/04_tasks.html",
        "yuzhnyy/registry.xlsx", "yuzhnyy/indicators.xlsx", "yuzhnyy/tasks.xlsx"]
    assert '<span class="fail">ошибка</span><div class="reason">02_dynamics: ValueError: Нет данных за 2023 год' \
        in south


def test_stand_in_gets_the_jobs_of_the_batch(failing_run, region):
    _, base, stand_in = failing_run
    assert [(c["job"].municipality, c["notebook"]) for c in stand_in.municipality_calls] == [
        (m, n) for m in ("Северный", "Южный") for n in NOTEBOOK_NAMES]
    first = stand_in.calls[0]
    job = first["job"]
    assert (job.data_dir, job.year, job.out_dir, job.public) == (str(region.resolve()), 2024,
                                                                  str((base / "severnyy").resolve()), False)
    assert Path(job.params_file).is_absolute()
    # each notebook is executed into a private folder beside the final one, removed afterwards
    assert first["tmp_exists"] and first["executed"] == first["output_dir"] / "01_identification.ipynb"
    assert first["output_dir"].parent == base.resolve() and first["output_dir"].name.startswith(".tmp-severnyy-")
    assert not [p for p in base.rglob("*") if p.name.startswith(".tmp")]


def test_files_already_written_are_replaced_or_removed(region, tmp_path):
    base = tmp_path / "testovyy-region" / str(YEAR)
    run(region, tmp_path, StandIn())
    south = base / "yuzhnyy"
    (south / "01_identification.html").write_text("прошлый прогон", encoding="utf-8")
    (south / "notes.txt").write_text("записи пользователя", encoding="utf-8")
    old_dynamics = (south / "02_dynamics.html").read_bytes()
    assert old_dynamics
    failing = StandIn({("Южный", "02_dynamics"): (cell_error("KeyError", "'share'"), True)})
    manifest = run(region, tmp_path, failing)
    assert manifest["failed"] == ["Южный"]
    assert "прошлый прогон" not in (south / "01_identification.html").read_text(encoding="utf-8")
    assert not (south / "02_dynamics.html").exists()  # a failed report must not show last run's HTML
    assert (south / "02_dynamics.ipynb").is_file()
    assert (south / "notes.txt").read_text(encoding="utf-8") == "записи пользователя"  # not ours: kept
    assert (base / "severnyy" / "02_dynamics.html").is_file()
    row = next(r for r in index_rows(base) if r.startswith("<tr><td>Южный"))
    assert "yuzhnyy/02_dynamics.html" not in row


def test_a_kernel_that_never_started_leaves_no_notebook(region, tmp_path):
    stand_in = StandIn({("Северный", "01_identification"): (RuntimeError("Kernel died before replying to kernel_info"),
                                                            False)})
    manifest = run(region, tmp_path, stand_in)
    north = manifest["municipalities"][0]
    assert manifest["failed"] == ["Северный"]
    assert north["reasons"] == ["01_identification: RuntimeError: Kernel died before replying to kernel_info"]
    folder = tmp_path / "testovyy-region" / str(YEAR) / "severnyy"
    assert "01_identification.ipynb" not in files(folder) and "01_identification.html" not in files(folder)
    assert "02_dynamics.html" in files(folder)


def test_bad_parameters_skip_the_municipality_but_not_the_batch(region, tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(ROOT / "params" / "methodology.yaml", params / "methodology.yaml")
    (params / "south.yaml").write_text(
        "base: methodology.yaml\nmunicipality: Южный\nidentification:\n  threshold_pct: 130\n", encoding="utf-8")
    stand_in = StandIn()
    manifest = run(region, tmp_path / "out", stand_in, params_dir=str(params))
    assert {c["job"].municipality for c in stand_in.municipality_calls} == {"Северный"}  # never executed
    assert manifest["failed"] == ["Южный"]
    south = manifest["municipalities"][1]
    assert south["notebooks"] == [] and len(south["reasons"]) == 1
    assert "вне допустимого диапазона (от 0 до 100)" in south["reasons"][0]
    assert manifest["params"]["Южный"] == str(params / "south.yaml")
    base = tmp_path / "out" / "testovyy-region" / str(YEAR)
    assert files(base) == ["_region", "changes.html", "changes.xlsx", "index.html", "manifest.json",
                           "registry.xlsx", "severnyy"]


def test_unknown_municipality_writes_nothing(region, tmp_path):
    stand_in = StandIn()
    with pytest.raises(UnknownMunicipalityError):
        run(region, tmp_path / "out", stand_in, municipalities=["Атлантида"])
    assert stand_in.calls == [] and not (tmp_path / "out").exists()


def test_one_municipality_only(region, tmp_path):
    manifest = run(region, tmp_path, StandIn(), municipalities=["Южный"])
    # the region's outputs describe the whole region (tests/batch/test_faults.py: partial reruns)
    assert [(m["municipality"], m["status"]) for m in manifest["municipalities"]] == [("Северный", "not_run"),
                                                                                       ("Южный", "ok")]
    assert manifest["run"] == ["Южный"] and manifest["failed"] == []
    assert files(tmp_path / "testovyy-region" / str(YEAR)) == ["_region", "changes.html", "changes.xlsx", "index.html",
                                                               "manifest.json", "registry.xlsx", "yuzhnyy"]


def test_run_job_and_execute_jobs_with_a_stand_in(tmp_path):
    paths = runner.available_notebooks()[:2]
    jobs = [Job(f"М{i}", f"m{i}", str(tmp_path), 2026, "p.yaml", str(tmp_path / "out" / f"m{i}"), paths)
            for i in range(3)]
    stand_in = StandIn({("М1", "02_dynamics"): (cell_error("ZeroDivisionError", "division by zero"), True)})
    results = execute_jobs(jobs, workers=1, executor="inline", progress=False, execute=stand_in)
    assert [r.municipality for r in results] == ["М0", "М1", "М2"]
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].notebooks[1]["reason"] == "ZeroDivisionError: division by zero"
    single = run_job(jobs[0], execute=StandIn())
    assert single.ok and files(tmp_path / "out" / "m0") == ["01_identification.html", "01_identification.ipynb",
                                                            "02_dynamics.html", "02_dynamics.ipynb", "registry.xlsx"]


def test_papermill_is_the_default_executor():
    for function in (run_job, execute_jobs, run_region):
        assert inspect.signature(function).parameters["execute"].default is runner.execute
    assert inspect.signature(run_region).parameters["executor"].default == "local"


def test_unreadable_params_file_fails_its_municipality_in_the_index_and_manifest(region, tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    (params / "methodology.yaml").write_text((ROOT / "params" / "methodology.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    (params / "north.yaml").write_text("base: methodology.yaml\nmunicipality: Северный\nrisk: {\n",
                                       encoding="utf-8")
    manifest = run(region, tmp_path / "out", StandIn(), params_dir=str(params))
    assert manifest["failed"] == ["Северный"]
    north, south = manifest["municipalities"]
    assert north["status"] == "failed" and "north.yaml" in north["reasons"][0]
    assert "не является корректным YAML" in north["reasons"][0] and south["status"] == "ok"
    assert manifest["params"]["Северный"] is None
    assert manifest["params"]["Южный"] == str(params / "methodology.yaml")
    index = (tmp_path / "out" / "testovyy-region" / str(YEAR) / "index.html").read_text(encoding="utf-8")
    assert "north.yaml" in index


def test_the_largest_municipalities_run_first_and_the_region_report_last(tmp_path):
    from conftest import SCHOOLS

    columns, rows = SCHOOLS  # Южный gets two of the three schools: it goes first, though not first by name
    schools = (columns, [rows[0], [*rows[1][:2], "Южный", *rows[1][3:]], rows[2]])
    folder = write_region(tmp_path / "region", schools=schools, results=RESULTS)
    stand_in = StandIn()
    manifest = run(folder, tmp_path / "out", stand_in)
    order = list(dict.fromkeys(call["job"].municipality for call in stand_in.calls))
    assert order == ["Южный", "Северный", ""]
    assert stand_in.calls[-1]["job"].region_report  # after every municipality: it reads what they memoised
    assert manifest["region_report"]["folder"] == "_region"
