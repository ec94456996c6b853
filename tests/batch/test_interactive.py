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
    # the probe reads the kernel's own state; nbclient need not mirror the Output widgets (it sends a
    # widget's whole output list back to the kernel after every output: megabytes per section, and
    # the execution stalled on it until the cell timeout)
    client.comm_open_handlers = {}
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def _texts_probe() -> str:
    """Probe helper: the visible text of every section as last drawn."""
    return """
import re, html as _h
def section_texts():
    return [" ".join(" ".join(re.sub(r"<[^>]+>", " ", _h.unescape(str(d.get("text/html", d.get("text/plain", "")))))
                              for d in section).split()) for section in live.shown]
"""


def test_identification_controls_redraw_the_whole_notebook(tmp_path):
    probe = _texts_probe() + f"""
import json
from qualitylib.rules.identification import identify_shnor
before = sorted(view.tables["ШНОР"]["school_id"])
sections = len(live.sections)
first = section_texts()
view.controls["threshold"].value = 20
lower = sorted(view.tables["ШНОР"]["school_id"])
at_20 = section_texts()
view.controls["criterion_2"].value = True
scope = region.subset(view.controls["municipality"].value)
expected = identify_shnor(scope.results, scope.schools, year, view.params)
view.controls["school"].value = "S03005"
view.export_dir = __import__("pathlib").Path({str(tmp_path)!r})
saved = view.export()
after = section_texts()
after_ids = sorted(view.tables["ШНОР"]["school_id"])
card = " ".join(str(i) for i in view.card_items if hasattr(i, "text"))
view.controls["municipality"].value = "Элиста"
elista = section_texts()
summary = [" ".join(x.split()) for x in __import__("qualitylib.views.identification", fromlist=["x"])
           .summary_sentences(live.state.ident)]
print(json.dumps({{"before": before, "lower": lower, "after_ids": after_ids,
                  "expected": sorted(expected.loc[expected["shnor"] == 1, "school_id"]),
                  "threshold": view.params["identification"]["threshold_pct"],
                  "criterion_2": view.params["identification"]["criterion_2"],
                  "card": card, "saved": str(saved), "message": view.message.value, "sections": sections,
                  "shown": len(live.shown), "first": first, "at_20": at_20, "after": after, "elista": elista,
                  "summary": summary}}))
"""
    out = run_with_probe("01_identification.ipynb", probe)
    # every section of the notebook is an output area the explorer redraws: the summary, the tables, the appendix
    assert out["sections"] == out["shown"] >= 10
    # the appendix (the last section) states the threshold the controls set
    assert "30 %" in out["first"][-1] and "20 %" in out["at_20"][-1] and out["first"][-1] != out["at_20"][-1]
    assert out["first"][1] != out["at_20"][1]  # the summary changed with the threshold
    assert "Муниципалитет: Полысаево" in out["after"][0]
    assert "Муниципалитет: Элиста" in out["elista"][0] and "Полысаево" not in out["elista"][0]
    # the summary section shows what the library says for the current controls (the last state: Элиста)
    assert out["summary"] and all(sentence in out["elista"][1] for sentence in out["summary"])
    book = __import__("openpyxl").load_workbook(out["saved"])
    assert book.sheetnames[-1] == "Параметры расчёта"
    what_if = {row[0]: row[1] for row in book["Параметры расчёта"].iter_rows(values_only=True) if row[0]}
    assert what_if["Порог низкого результата, %"] == 20 and what_if["Критерий 2"] == "та же процедура в оба года"
    headers = [c.value for row in book["ШНОР"].iter_rows(max_row=3) for c in row]
    assert "Код ОО" not in headers and "Школа" in headers and "school_id" not in headers
    assert "share_lo" not in out["card"] and "Нижняя граница 95 %" in out["card"]
    assert out["threshold"] == 20 and out["criterion_2"] == "same"
    assert out["after_ids"] == out["expected"]
    assert set(out["lower"]) > set(out["before"])      # a lower threshold lists more schools in Полысаево
    assert "Основная общеобразовательная школа № 35" in out["card"] and "ШНОР в 2026 году" in out["card"]
    assert Path(out["saved"]).is_file() and Path(out["saved"]).parent == tmp_path


def test_dynamics_and_monitoring_explorers_follow_the_municipality():
    probe = _texts_probe() + """
import json
view.controls["municipality"].value = "Элиста"
print(json.dumps({"municipalities": sorted(set(view.tables["Динамика ШНОР"]["municipality"])),
                  "indicators": len(view.tables["Показатели"]), "texts": section_texts()}))
"""
    out = run_with_probe("02_dynamics.ipynb", probe)
    assert out["municipalities"] in ([], ["Элиста"]) and out["indicators"] == 7
    assert "Муниципалитет: Элиста" in out["texts"][0] and "Полысаев" not in " ".join(out["texts"])
    probe = _texts_probe() + """
import json
view.controls["municipality"].value = "Элиста"
print(json.dumps({"ids": sorted(view.tables["Показатели"]["id"]), "texts": section_texts()}))
"""
    out = run_with_probe("03_monitoring.ipynb", probe)
    assert out["ids"] and all(i.startswith("elista.") for i in out["ids"])
    assert "Муниципалитет: Элиста" in out["texts"][0]
    assert "Полысаев" not in " ".join(out["texts"])  # no section still shows the first municipality


def test_tasks_explorer_follows_the_work_and_the_mastery_thresholds(tmp_path):
    """04 in JupyterLab: a stricter basic threshold leaves fewer tasks mastered, in the heatmap and the export."""
    probe = _texts_probe() + f"""
import json
works = list(live.state.works)
t0 = live.state.t
mastered0 = int((t0.analysis["mastery"] == "mastered").sum())
view.controls["basic_mastered"].value = 90.0
view.controls["basic_not_mastered"].value = 89.0
t1 = live.state.t
mastered1 = int((t1.analysis["mastery"] == "mastered").sum())
heat = [d.get("text/html", "") for d in live.shown[3]]
view.controls["work"].value = works[0]
one = list(live.state.works)
view.export_dir = __import__("pathlib").Path({str(tmp_path)!r})
saved = view.export()
view.controls["school"].value = list(t1.focus["school_id"])[0]
print(json.dumps({{"works": works, "one": one, "m0": mastered0, "m1": mastered1, "saved": str(saved),
                  "params": t1.params["tasks"]["basic_mastered_pct"], "texts": section_texts(),
                  "card": " ".join(str(getattr(i, "data", i)) for i in view.card_items)}}))
"""
    out = run_with_probe("04_tasks.ipynb", probe)
    assert out["params"] == 90.0 and out["m1"] < out["m0"]
    assert out["one"] == out["works"][:1] and len(out["works"]) > 1
    joined = " ".join(out["texts"])
    assert "от 90 %" in joined  # the heatmap's legend and the method follow the thresholds
    book = __import__("openpyxl").load_workbook(out["saved"])
    assert book.sheetnames[-1] == "Параметры расчёта"
    what_if = {row[0]: row[1] for row in book["Параметры расчёта"].iter_rows(values_only=True) if row[0]}
    assert what_if["Базовый уровень: освоено от, %"] == 90
    headers = [c.value for row in book["Дефициты"].iter_rows(max_row=3) for c in row]
    assert "Код ОО" not in headers and "Школа" in headers
    assert "дефицитов по заданиям" in out["card"]


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
