"""Shared fixtures of the test suite and the helpers of the loader tests.

Isolation (in the style of seaborn's conftest): before anything is collected, every folder
the library, matplotlib, Jupyter, IPython and hypothesis would write to (the region cache,
the interactive explorer's Excel export, font caches, kernel connection files, IPython
profiles, hypothesis' storage, XDG caches) is pointed into one temporary folder, so that the
suite writes nothing to the home folder or the checkout. Browser screenshots go to pytest's
temporary folder and a failing test's report lists them. Figures are closed after each
test; hypothesis runs a derandomised profile without a database; end-to-end tests carry the
``e2e`` marker (``pytest -m "not e2e"`` is the fast loop).

Tiny region folders written by hand: a region is three tables (schools, results,
context), each given as ``(columns, rows)`` with canonical column names and canonical
values. The helpers write them as CSV (any separator and encoding, canonical or Russian
headers) or as XLSX, so that tests can change one cell and look at the problem it causes.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Environment variable -> sub-folder of the session's temporary folder. Set when this file is
#: imported, that is before any test module (and matplotlib, which reads MPLCONFIGDIR once).
ISOLATED = {
    "QUALITYLIB_CACHE": "qualitylib-cache",
    "QUALITYLIB_EXPORT": "qualitylib-export",
    "MPLCONFIGDIR": "matplotlib",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "JUPYTER_DATA_DIR": "jupyter-data",
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "IPYTHONDIR": "ipython",
    "HYPOTHESIS_STORAGE_DIRECTORY": "hypothesis",  # its constants cache, else .hypothesis/ of the checkout
    "XDG_CACHE_HOME": "xdg-cache",
    "XDG_CONFIG_HOME": "xdg-config",
    "XDG_DATA_HOME": "xdg-data",
}
ISOLATION_ROOT = Path(tempfile.mkdtemp(prefix="qualitylib-tests-"))
_SAVED = {name: os.environ.get(name) for name in ISOLATED}
for _name, _sub in ISOLATED.items():
    (ISOLATION_ROOT / _sub).mkdir()
    os.environ[_name] = str(ISOLATION_ROOT / _sub)

import csv  # noqa: E402
import io  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402

import matplotlib  # noqa: E402
import openpyxl  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

matplotlib.use("Agg")

from qualitylib.data.schema import PROCEDURES, SUBJECTS, TABLES  # noqa: E402

#: Hypothesis: the same examples on every run and machine, no example database.
settings.register_profile("qualitylib", derandomize=True, max_examples=60, database=None, deadline=None)
settings.load_profile("qualitylib")

FLAGS = [1, 1, 1, 0, 1, 1, 1]
CONTEXT_COLUMNS = [c.name for c in TABLES["context"].columns if c.required]

SCHOOLS = (
    ["school_id", "school_name", "municipality", "locality", "pupils_total"],
    [
        ["S1", "Школа № 1", "Северный", "город", 500],
        ["S2", "Школа № 2", "Северный", "село", 120],
        ["S3", "Школа № 3", "Южный", "город", 800],
    ],
)

# Excel rows 2-5; marks add up to participants; the ЕГЭ row has no marks.
RESULTS = (
    ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count",
     "mark3", "mark4", "mark5", "mean_score"],
    [
        [2024, "S1", "vpr", "math", 5, 20, 2, 8, 6, 4, 11.5],
        [2024, "S2", "vpr", "math", 5, 10, 3, 4, 2, 1, 9.0],
        [2024, "S3", "oge", "russian", 9, 25, 1, 10, 9, 5, 24.5],
        [2024, "S3", "ege", "russian", 11, 15, 0, None, None, None, 68.0],
    ],
)

CONTEXT = (
    CONTEXT_COLUMNS,
    [
        [2024, "S1", *FLAGS, 12.5, 0.0, 1.5, 2.0, 0.0, 3.0, 0.5],
        [2024, "S2", *FLAGS, 20.0, 10.0, 0.0, 1.0, 5.5, 0.0, 2.0],
        [2024, "S3", *FLAGS, 0.0, 4.5, 2.5, 0.0, 0.0, 1.0, 0.0],
    ],
)

REGION = {"schools": SCHOOLS, "results": RESULTS, "context": CONTEXT}


def with_cell(data, row: int, column: str, value):
    """Copy of ``(columns, rows)`` with one cell replaced (``row`` counts data rows from 0)."""
    columns, rows = data
    rows = [list(r) for r in rows]
    rows[row][columns.index(column)] = value
    return columns, rows


def without_column(data, column: str):
    """Copy of ``(columns, rows)`` without one column."""
    columns, rows = data
    i = columns.index(column)
    return columns[:i] + columns[i + 1:], [r[:i] + r[i + 1:] for r in rows]


def russian(table: str, data, comma: bool = True):
    """Russian headers (titles from the schema), «ВПР», «математика», decimal commas."""
    columns, rows = data
    header = [TABLES[table].column(c).title for c in columns]
    out = []
    for row in rows:
        new = []
        for column, value in zip(columns, row):
            if column == "procedure" and value in PROCEDURES:
                value = PROCEDURES[value]
            elif column == "subject" and value in SUBJECTS:
                value = SUBJECTS[value]
            elif comma and isinstance(value, float):
                value = str(value).replace(".", ",")
            new.append(value)
        out.append(new)
    return header, out


def csv_text(header, rows, sep: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


def write_csv(path: Path, header, rows, sep: str = ",", encoding: str = "utf-8") -> Path:
    """Write one table as CSV; ``None`` cells are left empty."""
    path.write_bytes(csv_text(header, rows, sep).encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict) -> Path:
    """Write a workbook: sheet name -> ``(header, rows)``, or a string for a note sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, content in sheets.items():
        sheet = book.create_sheet(name)
        if isinstance(content, str):
            sheet.append([content])
            continue
        header, rows = content
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def write_region(folder: Path, fmt: str = "csv", titles: bool = False, sep: str = ",",
                 encoding: str = "utf-8", sheet: str | None = None, **tables) -> Path:
    """Write schools, results and context to ``folder``; keyword tables replace the defaults.

    ``fmt`` is ``"csv"`` or ``"xlsx"``; ``titles`` writes Russian headers and values;
    ``sheet`` names the XLSX sheet (default: the table's Russian title), a note sheet
    «Инструкция» comes first unless ``sheet`` is given.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, default in REGION.items():
        data = tables.get(name, default)
        if titles:
            header, rows = russian(name, data, comma=(fmt == "csv"))
        else:
            header, rows = data
        if fmt == "csv":
            write_csv(folder / f"{name}.csv", header, rows, sep=sep, encoding=encoding)
        elif sheet is None:
            write_xlsx(folder / f"{name}.xlsx", {"Инструкция": "Заполните лист с таблицей",
                                                 TABLES[name].title: (header, rows)})
        else:
            write_xlsx(folder / f"{name}.xlsx", {sheet: (header, rows)})
    return folder


def errors(problems):
    """The problems that block loading."""
    return [p for p in problems if p.severity == "error"]


def assert_problem(problem, file, row, column, value, text):
    """Check every field of one problem and that its Russian sentence names them."""
    assert problem.severity == "error"
    assert (problem.file, problem.row, problem.column, problem.value) == (file, row, column, value)
    assert text in problem.message
    sentence = problem.format()
    assert sentence.startswith(f"Ошибка: файл «{file}»")
    if row is not None:
        assert f"строка {row}" in sentence
    if column is not None:
        assert f"столбец «{column}»" in sentence
    if value is not None:
        assert f"значение «{value}»" in sentence
    assert text in sentence


@pytest.fixture
def region_dir(tmp_path):
    """A valid region folder: UTF-8 CSV with ``,`` and canonical headers."""
    return write_region(tmp_path / "region")


#: End-to-end tests in files that carry no ``e2e`` marker of their own: node id -> why.
E2E_ELSEWHERE = {
    "tests/data/test_fisoko.py::test_real_altai_export":
        "imports the whole real ФИС ОКО export (16 files, about 640 schools): a quarter of the fast loop",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in E2E_ELSEWHERE:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def isolated_environment():
    """The temporary folders that replace the home folder's caches for the whole session."""
    paths = {name: Path(os.environ[name]) for name in ISOLATED}
    for name, path in paths.items():
        assert path.is_relative_to(ISOLATION_ROOT), f"{name} escaped the isolation: {path}"
    return paths


@pytest.fixture(autouse=True)
def close_figures():
    """Close every matplotlib figure a test opened."""
    yield
    if "matplotlib.pyplot" in sys.modules:  # no pyplot import for tests that never drew
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    """Where browser tests save screenshots (pytest keeps the last runs' temporary folders)."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(request, screenshot_dir):
    """``screenshot(page, name)`` saves a full-page PNG; a failing test's report names the files."""
    def take(page, name: str, full_page: bool = True) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        request.node.user_properties.append(("screenshot", str(path)))
        return path

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    shots = [value for key, value in item.user_properties if key == "screenshot"]
    if report.failed and shots:
        report.sections.append(("screenshots", "\n".join(shots)))


def pytest_unconfigure(config):
    """Give the environment back and remove the session's temporary folders."""
    for name, value in _SAVED.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(ISOLATION_ROOT, ignore_errors=True)


# --- one headless Chromium for the browser and print tests (tests/batch) ---------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Playwright; skipped without it, failed when QUALITYLIB_REQUIRE_BROWSER=1."""
    if not CHROMIUM:
        if os.environ.get("QUALITYLIB_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium не найден: установите пакет chromium (его ставит .ci/run)")
        pytest.skip("Chromium не установлен (Debian: apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
