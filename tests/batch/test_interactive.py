"""Interactive mode: notebooks executed with nbclient, widgets driven from the test."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
pytestmark = pytest.mark.e2e  # every test here starts a kernel (and one JupyterLab and a browser)


def run_with_probe(name: str, probe: str) -> dict:
    """Execute a notebook in interactive mode, then a probe cell in the same kernel; return its JSON."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(new_code_cell(probe))
    client = NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(NOTEBOOKS)}},
                            shutdown_kernel="immediate")
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def test_identification_controls_redraw_as_the_library_says(tmp_path):
    probe = f"""
import json
from qualitylib.rules.identification import identify_shnor
before = sorted(view.tables["ШНОР"]["school_id"])
view.controls["threshold"].value = 20
lower = sorted(view.tables["ШНОР"]["school_id"])
view.controls["criterion_2"].value = True
scope = region.subset(view.controls["municipality"].value)
expected = identify_shnor(scope.results, scope.schools, year, view.params)
view.controls["school"].value = "S03005"
view.export_dir = __import__("pathlib").Path({str(tmp_path)!r})
saved = view.export()
print(json.dumps({{"before": before, "lower": lower, "after": sorted(view.tables["ШНОР"]["school_id"]),
                  "expected": sorted(expected.loc[expected["shnor"] == 1, "school_id"]),
                  "threshold": view.params["identification"]["threshold_pct"],
                  "criterion_2": view.params["identification"]["criterion_2"],
                  "card": " ".join(str(i) for i in view.card_items if hasattr(i, "text")),
                  "saved": str(saved), "stale": view.stale.value, "message": view.message.value}}))
"""
    out = run_with_probe("01_identification.ipynb", probe)
    # the static sections below the panel are said to show the first computation
    assert "исходный расчёт (Полысаево, 2026 год, порог 30 %)" in out["stale"]
    book = __import__("openpyxl").load_workbook(out["saved"])
    assert book.sheetnames[-1] == "Параметры расчёта"
    what_if = dict(book["Параметры расчёта"].iter_rows(min_row=2, values_only=True))
    assert what_if["Порог низкого результата, %"] == 20 and what_if["Критерий 2"] == "та же процедура в оба года"
    assert "Код ОО" not in [c.value for c in book["ШНОР"][1]] and "Школа" in [c.value for c in book["ШНОР"][1]]
    assert "share_lo" not in out["card"] and "Нижняя граница 95 %" in out["card"]
    assert out["threshold"] == 20 and out["criterion_2"] == "same"
    assert out["after"] == out["expected"]
    assert set(out["lower"]) > set(out["before"])      # a lower threshold lists more schools in Полысаево
    assert "Основная общеобразовательная школа № 35" in out["card"] and "ШНОР в 2026 году" in out["card"]
    assert Path(out["saved"]).is_file() and Path(out["saved"]).parent == tmp_path


def test_dynamics_and_monitoring_explorers_follow_the_municipality():
    probe = """
import json
view.controls["municipality"].value = "Элиста"
print(json.dumps({"municipalities": sorted(set(view.tables["Динамика ШНОР"]["municipality"])),
                  "indicators": len(view.tables["Показатели"])}))
"""
    out = run_with_probe("02_dynamics.ipynb", probe)
    assert out["municipalities"] in ([], ["Элиста"]) and out["indicators"] == 7
    probe = """
import json
view.controls["municipality"].value = "Элиста"
print(json.dumps({"ids": sorted(view.tables["Показатели"]["id"])}))
"""
    out = run_with_probe("03_monitoring.ipynb", probe)
    assert out["ids"] and all(i.startswith("elista.") for i in out["ids"])


def test_batch_mode_shows_no_widgets(tmp_path):
    import papermill as pm

    out = tmp_path / "01.ipynb"
    pm.execute_notebook(str(NOTEBOOKS / "01_identification.ipynb"), str(out), parameters={"interactive": False},
                        kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOKS))
    text = out.read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-view+json" not in text


# --- the real thing: JupyterLab in headless Chromium ------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab_server(tmp_path):
    chromium = shutil.which("chromium")
    if not chromium:
        if os.environ.get("QUALITYLIB_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium не найден: установите пакет chromium (его ставит .ci/run)")
        pytest.skip("Chromium не установлен")
    # a copy of the notebooks, so that JupyterLab's autosave never touches the committed ones
    work = tmp_path / "lab"
    shutil.copytree(NOTEBOOKS, work / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (work / "data").symlink_to(ROOT / "data")
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={work / 'notebooks'}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}", chromium
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_jupyterlab_runs_a_notebook_with_widgets(lab_server, screenshot):
    playwright = pytest.importorskip("playwright.sync_api")
    url, chromium = lab_server
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/lab/tree/01_identification.ipynb?reset", timeout=120_000)
            page.wait_for_selector(".jp-Notebook", timeout=120_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            page.wait_for_selector("text=Python 3", timeout=120_000)  # the kernel is attached
            for _attempt in range(4):  # «Run All» before the kernel session is ready does nothing
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
                try:
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('.jp-InputPrompt')]"
                        ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))", timeout=20_000)
                    break
                except playwright.TimeoutError:
                    continue
            page.wait_for_selector(".widget-dropdown", state="attached", timeout=180_000)
            page.wait_for_selector(".widget-slider", state="attached", timeout=60_000)
            page.locator(".widget-dropdown").first.scroll_into_view_if_needed()
            page.wait_for_timeout(1500)
            screenshot(page, "jupyterlab", full_page=False)
            assert page.locator(".widget-slider").count() >= 2
        except Exception:
            screenshot(page, "jupyterlab-failure", full_page=False)  # what the browser showed
            raise
        browser.close()
