"""Warm kernels (:mod:`qualitylib.batch.warm`): forked from a template, fresh per notebook, same reports."""
from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from qualitylib.batch import kernels, warm
from qualitylib.batch.runner import available_notebooks, run_region

ROOT = Path(__file__).resolve().parents[2]
needs_fork = pytest.mark.skipif(not warm.available(), reason="fork is not used on this platform")

CELLS = [
    "import os, sys\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
    "print('left over' in globals(), 'pandas' in sys.modules)",
    # a chart as the reports show it: SVG with texts as texts, in the reports' style
    "from qualitylib.views import charts\ncharts.configure_inline()\n"
    "fig, ax = plt.subplots(figsize=(3, 2), FigureClass=charts.ThemedFigure)\nax.plot([1, 3, 2])\n"
    "ax.set_title('Доля, %')\nplt.show()",
    "globals()['left over'] = 1\nprint(sorted(k for k in os.environ if k.startswith('JPY')))",
    "pd.DataFrame({'a': [1, 2]})",
    "print(sys.path[0], sys.path.count(os.getcwd()))",  # as python -m ipykernel_launcher has it: '' first
]


def run_notebook(folder: Path, name: str, manager) -> tuple[list, int]:
    nb = new_notebook(cells=[new_code_cell(c) for c in CELLS + ["print(os.getpid(), os.getppid())"]],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, folder / f"{name}.ipynb")
    import papermill as pm

    options = {**kernels.execution_options(), "kernel_manager_class": manager}
    pm.execute_notebook(str(folder / f"{name}.ipynb"), str(folder / f"{name}-out.ipynb"), kernel_name="python3",
                        cwd=str(folder), **options)
    cells = nbformat.read(folder / f"{name}-out.ipynb", as_version=4).cells
    pid, ppid = map(int, cells[-1].outputs[0]["text"].split())
    return [c.outputs for c in cells[:-1]], pid, ppid


@pytest.fixture
def template(tmp_path):
    kernels.set_kernel_dir(str(tmp_path))
    assert warm.start_template(available_notebooks())
    yield warm._TEMPLATE
    warm.stop_template()
    kernels.set_kernel_dir(None)


def test_interpreter_flags():
    python = sys.executable
    assert warm._interpreter_flags([python, "-m", "ipykernel_launcher", "-f", "x"]) == []
    assert warm._interpreter_flags([python, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "x"]) == [
        "-Xfrozen_modules=off"]
    assert warm._interpreter_flags([python, "-c", "print()"]) is None
    assert warm._interpreter_flags([python, "-m", "other_kernel"]) is None
    assert warm._interpreter_flags([python, "-S", "-m", "ipykernel_launcher"]) is None  # changes imports
    assert warm._interpreter_flags(["/usr/bin/env", "-m", "ipykernel_launcher"]) is None  # another Python


def test_the_templates_one_drawing_leaves_matplotlib_as_it_was():
    """The template draws once before forking: no pyplot figure, no backend, no thread, the style as it was."""
    import threading

    import matplotlib
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    figures, threads = plt.get_fignums(), threading.active_count()
    inline = "matplotlib_inline.backend_inline" in sys.modules
    warm._warm_matplotlib()
    assert dict(matplotlib.rcParams) == before and matplotlib.get_backend() == backend
    assert plt.get_fignums() == figures and threading.active_count() == threads
    assert ("matplotlib_inline.backend_inline" in sys.modules) == inline


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv(warm.ENV_SWITCH, "0")
    assert not warm.available()
    assert not warm.start_template(available_notebooks())
    assert kernels.execution_options()["kernel_manager_class"] is kernels.IpcKernelManager


@needs_fork
def test_forked_kernels_are_fresh_and_give_the_same_outputs(template, tmp_path):
    assert kernels.execution_options()["kernel_manager_class"] is kernels.WarmKernelManager
    first, pid1, parent1 = run_notebook(tmp_path, "first", kernels.WarmKernelManager)
    second, pid2, parent2 = run_notebook(tmp_path, "second", kernels.WarmKernelManager)
    ordinary, pid3, parent3 = run_notebook(tmp_path, "ordinary", kernels.IpcKernelManager)
    # each notebook in its own new process, forked by the template; the ordinary one by this process
    assert parent1 == parent2 == template.process.pid and pid1 != pid2
    assert parent3 == os.getpid()
    # nothing of the first notebook is left in the second; pandas was imported before the cell ran
    assert first[0][0]["text"] == "False True\n" and second == first
    # the same outputs as the ordinary kernel, the inline figure included (byte for byte)
    assert first == ordinary
    svg = [o["data"]["image/svg+xml"] for o in first[1] if "image/svg+xml" in o.get("data", {})]
    assert len(svg) == 1 and not any("image/png" in o.get("data", {}) for o in first[1])
    assert "Доля, %</text>" in svg[0] and "Matplotlib v" not in svg[0] and "<dc:date>" not in svg[0]
    assert first[2][0]["text"] == ordinary[2][0]["text"]


@needs_fork
def test_kernels_take_the_region_the_template_prepared(template, tmp_path, monkeypatch):
    monkeypatch.setenv("QUALITYLIB_CACHE", str(tmp_path / "cache"))
    template.close()  # a template that sees this test's cache folder
    warm._TEMPLATE = None
    assert warm.start_template(available_notebooks())
    data = ROOT / "data" / "sample"
    params = str(ROOT / "params" / "methodology.yaml")
    assert warm.prepare(str(data), 2026, "Полысаево", params)
    assert not warm.prepare(str(tmp_path / "no-such-region"), 2026, "Полысаево", params)  # the kernel will say why
    cells = [
        "from qualitylib.data import cache\nbefore = sorted({k[0] for k in cache._PREPARED})\nprint(before)",
        f"from qualitylib import load_region\nregion = load_region({str(data)!r})\n"
        "print('region' in {k[0] for k in cache._PREPARED}, len(region.schools) > 0)",
    ]
    nb = new_notebook(cells=[new_code_cell(c) for c in cells],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, tmp_path / "prepared.ipynb")
    import papermill as pm

    pm.execute_notebook(str(tmp_path / "prepared.ipynb"), str(tmp_path / "prepared-out.ipynb"), kernel_name="python3",
                        cwd=str(tmp_path), **kernels.execution_options())
    out = nbformat.read(tmp_path / "prepared-out.ipynb", as_version=4).cells
    # the region, the catalogue and the region-wide results were ready in the kernel (the sample has no pupils)
    assert out[0].outputs[0]["text"].strip() == "['catalogue', 'memo', 'region']"
    assert out[1].outputs[0]["text"].strip() == "False True"  # taken from memory, not read again


@needs_fork
def test_a_dead_template_falls_back_to_ordinary_kernels(template, tmp_path):
    os.kill(template.process.pid, signal.SIGKILL)
    template.process.wait()
    outputs, _, parent = run_notebook(tmp_path, "after", kernels.WarmKernelManager)
    assert parent == os.getpid()  # an ordinary kernel started by this process
    assert outputs[0][0]["text"] == "False True\n"
    assert not warm.template_running()


def _in_pool_worker(folder: str) -> dict:
    """Run in a pool worker after :func:`qualitylib.batch.runner.warm_up`: its template and one notebook."""
    template = warm._TEMPLATE
    outputs, pid, parent = run_notebook(Path(folder), "in-worker", kernels.WarmKernelManager)
    ordinary, _, ordinary_parent = run_notebook(Path(folder), "ordinary", kernels.IpcKernelManager)
    return {"forked": template.forked, "worker": os.getpid(), "template": template.process.pid, "parent": parent,
            "ordinary_parent": ordinary_parent, "name": Path(f"/proc/{template.process.pid}/comm").read_text().strip(),
            "first": outputs[0][0]["text"], "same": outputs == ordinary}


@needs_fork
def test_a_pool_worker_forks_its_template_and_its_kernels_are_fresh(tmp_path):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from qualitylib.batch.runner import warm_up

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up,
                             initargs=(os.getpid(), str(tmp_path))) as pool:
        seen = pool.submit(_in_pool_worker, str(tmp_path)).result(timeout=300)
    # the template is the worker's own fork, named for ps and top; the kernel is the template's child
    assert seen["forked"] and seen["name"] == warm.TEMPLATE_NAME
    assert seen["parent"] == seen["template"] != seen["worker"] == seen["ordinary_parent"]
    # a fresh kernel that found pandas imported, with the outputs (sys.path too) of an ordinary kernel
    assert seen["first"] == "False True\n" and seen["same"]


@needs_fork
def test_pool_workers_use_the_runs_shared_template(shared, tmp_path):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from qualitylib.batch.runner import warm_up

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up,
                             initargs=(os.getpid(), str(tmp_path), shared.path)) as pool:
        seen = pool.submit(_in_pool_worker, str(tmp_path)).result(timeout=300)
    # the worker forked no template of its own: its kernel is the shared template's child
    assert not seen["forked"] and seen["template"] == seen["parent"] == shared.process.pid
    assert seen["ordinary_parent"] == seen["worker"]
    assert seen["first"] == "False True\n" and seen["same"]


@pytest.fixture
def shared(tmp_path):
    kernels.set_kernel_dir(str(tmp_path))
    template = warm.share(available_notebooks(), "python3", str(tmp_path))
    assert template is not None
    yield template
    template.close()
    warm.stop_template()
    kernels.set_kernel_dir(None)


def _ended(pid: int, timeout: float = 20.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _children(pid: int) -> set[int]:
    """The running children of process ``pid`` (from ``/proc``)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _idle_kernel(template: warm.Template, folder: Path, name: str) -> int:
    """A kernel forked by ``template`` that no client talks to (it waits until it is killed)."""
    return template.fork(["-f", str(folder / f"{name}.json")], dict(os.environ), str(folder))


@needs_fork
def test_a_shared_template_serves_several_workers_and_ends_what_each_leaves(shared, tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager

    first = warm.Template([], [], socket_path=shared.path)
    second = warm.Template([], [], socket_path=shared.path)
    # both talk to the run's one template, named for ps and top, with the kernel spec's interpreter options
    assert first.shared and not first.forked and first.process.pid == second.process.pid == shared.process.pid
    assert Path(f"/proc/{shared.process.pid}/comm").read_text().strip() == warm.TEMPLATE_NAME
    assert first.flags == warm._interpreter_flags(KernelSpecManager().get_kernel_spec("python3").argv)
    # a notebook run through it: a fresh kernel, the template's child, the outputs of an ordinary kernel
    warm._TEMPLATE = first
    outputs, _, parent = run_notebook(tmp_path, "shared", kernels.WarmKernelManager)
    ordinary, _, _ = run_notebook(tmp_path, "ordinary", kernels.IpcKernelManager)
    assert parent == shared.process.pid and outputs[0][0]["text"] == "False True\n" and outputs == ordinary
    # a worker that goes (finished, or died) takes the kernels it left; the other worker is served on
    left = _idle_kernel(second, tmp_path, "left")
    kept = _idle_kernel(first, tmp_path, "kept")
    second.close()
    assert _ended(left)
    # one that dies while asking for a kernel: the template forks it, cannot answer, and kills it
    import json
    import socket
    import time

    with socket.socket(socket.AF_UNIX) as gone:
        gone.connect(shared.path)
        gone.makefile("r").readline()  # its hello
        request = {"argv": ["-f", str(tmp_path / "gone.json")], "env": dict(os.environ), "cwd": str(tmp_path)}
        gone.sendall((json.dumps(request) + "\n").encode())
    # first its fork (else the wait below could end before the template has read the request), then its end;
    # a fork killed between two looks is not seen: the first wait then only runs out
    deadline = time.monotonic() + 5
    while _children(shared.process.pid) == {kept} and time.monotonic() < deadline:
        time.sleep(0.01)
    deadline = time.monotonic() + 20
    while _children(shared.process.pid) != {kept} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _children(shared.process.pid) == {kept}
    assert first.prepare({"data_dir": str(tmp_path / "no-such-region"), "year": 2026, "municipality": None,
                          "params_file": None, "programme": None}) is False
    os.kill(kept, 0)  # still running
    # the end of the run ends the template and what is still running
    shared.close()
    assert shared.process.returncode == 0 and _ended(kept)
    assert not warm.template_running()


def _reports(base: Path) -> dict[str, bytes]:
    """The HTML reports of a run; the index and the changes page lose their «Сформировано» time."""
    out = {}
    for path in sorted(base.rglob("*.html")):
        text = path.read_bytes()
        if path.name in ("index.html", "changes.html"):
            text = re.sub(rb"\d\d\.\d\d\.\d{4} \d\d:\d\d", b"<time>", text)
        out[str(path.relative_to(base))] = text
    return out


@needs_fork
@pytest.mark.e2e
def test_reports_are_byte_identical_with_warm_and_ordinary_kernels(tmp_path, monkeypatch):
    started = []
    share = warm.share
    monkeypatch.setattr(warm, "share", lambda *a: started.append(share(*a)) or started[-1])
    runs = {}
    for mode in ("1", "0"):
        monkeypatch.setenv(warm.ENV_SWITCH, mode)
        monkeypatch.setenv("QUALITYLIB_CACHE", str(tmp_path / f"cache-{mode}"))
        manifest = run_region(ROOT / "data" / "sample", 2026, tmp_path / f"out-{mode}", workers=2, progress=False)
        assert not manifest["failed"]
        runs[mode] = _reports(tmp_path / f"out-{mode}")
    assert len(runs["1"]) >= 20
    assert runs["1"].keys() == runs["0"].keys()
    different = [name for name in runs["1"] if runs["1"][name] != runs["0"][name]]
    assert different == []
    assert started[0] is not None and started[1:] == [None]  # the warm run's workers shared one template
