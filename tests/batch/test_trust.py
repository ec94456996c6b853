"""The batch's executed notebooks open as trusted in Jupyter (their SVG charts are drawn), and only as written."""
import logging

import nbformat
import pytest
from jupyter_server.services.contents.filemanager import FileContentsManager
from nbformat.v4 import new_code_cell, new_notebook, new_output
from test_orchestration import StandIn

from qualitylib.batch import runner, trust
from qualitylib.batch.runner import Job, run_job


@pytest.fixture(autouse=True)
def fresh_notary():
    trust.reset()  # each test opens the store of the Jupyter data folder it sets
    yield
    trust.reset()


def trusted_cells(root, path) -> list[bool]:
    """What Jupyter Server (the server of JupyterLab) tells the page about each code cell of ``path``."""
    model = FileContentsManager(root_dir=str(root)).get(path)
    return [cell.metadata.get("trusted") for cell in model["content"].cells if cell.cell_type == "code"]


def one_job(tmp_path) -> Job:
    return Job("М", "m", str(tmp_path), 2026, "p.yaml", str(tmp_path / "out" / "m"), runner.available_notebooks()[:2])


def test_the_executed_notebooks_of_a_run_open_trusted(tmp_path):
    assert run_job(one_job(tmp_path), execute=StandIn()).ok
    for name in ("01_identification.ipynb", "02_dynamics.ipynb"):
        assert trusted_cells(tmp_path / "out", f"m/{name}") == [True]
    # a notebook the run did not execute, with the same kind of output: not trusted
    other = new_notebook(cells=[new_code_cell("1", outputs=[new_output("stream", name="stdout", text="1\n")])])
    nbformat.write(other, tmp_path / "out" / "other.ipynb")
    assert trusted_cells(tmp_path / "out", "other.ipynb") == [False]


def test_a_notebook_changed_after_the_run_is_no_longer_trusted(tmp_path):
    assert run_job(one_job(tmp_path), execute=StandIn()).ok
    path = tmp_path / "out" / "m" / "01_identification.ipynb"
    assert trusted_cells(tmp_path / "out", "m/01_identification.ipynb") == [True]
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs[0].text = "<script>alert(1)</script>"
    nbformat.write(nb, path)
    assert trusted_cells(tmp_path / "out", "m/01_identification.ipynb") == [False]


def test_a_store_that_cannot_be_written_leaves_the_run_going(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")  # the Jupyter data folder cannot be made: it is a file
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(blocked / "jupyter"))
    with caplog.at_level(logging.WARNING, logger="qualitylib.batch.trust"):
        result = run_job(one_job(tmp_path), execute=StandIn())
    assert result.ok and (tmp_path / "out" / "m" / "02_dynamics.html").is_file()
    warnings = [r.getMessage() for r in caplog.records if r.name == "qualitylib.batch.trust"]
    assert len(warnings) == 1 and "«Доверять блокноту»" in warnings[0]  # once, not for every notebook
    assert trust.trust(new_notebook()) is False
