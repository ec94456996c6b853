"""Stress: 30 notebooks through the parallel runner without a single kernel failure."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from qualitylib.batch.runner import Job, execute_jobs

pytestmark = pytest.mark.e2e


def test_thirty_notebooks_in_parallel(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("data_dir = None\nmunicipality = None\nyear = None\nparams_file = None\noutput_dir = None\npublic = False\ninteractive = False",
                      metadata={"tags": ["parameters"]}),
        new_code_cell("import pandas as pd\nimport matplotlib.pyplot as plt\n"
                      "fig, ax = plt.subplots(figsize=(2, 1))\nax.plot(range(3))\n"
                      "pd.DataFrame({'m': [municipality]})"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / "01_identification.ipynb"
    nbformat.write(nb, path)
    jobs = [Job(f"М{i}", f"m{i}", str(tmp_path), 2026, "p.yaml", str(tmp_path / "out" / f"m{i}"), [str(path)])
            for i in range(30)]
    results = execute_jobs(jobs, workers=3, progress=False)
    failures = [(r.municipality, r.notebooks, r.error) for r in results if not r.ok]
    assert failures == []
    assert all((tmp_path / "out" / f"m{i}" / "01_identification.html").is_file() for i in range(30))


def test_dask_executor_with_a_local_cluster(tmp_path):
    """``--executor dask``: the same jobs sent to a Dask distributed cluster (LocalCluster here)."""
    pytest.importorskip("dask.distributed")
    nb = new_notebook(cells=[
        new_code_cell("data_dir = None\nmunicipality = None\nyear = None\nparams_file = None\noutput_dir = None\npublic = False\ninteractive = False",
                      metadata={"tags": ["parameters"]}),
        new_code_cell("print(municipality)"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / "01_identification.ipynb"
    nbformat.write(nb, path)
    jobs = [Job(f"М{i}", f"m{i}", str(tmp_path), 2026, "p.yaml", str(tmp_path / "out" / f"m{i}"), [str(path)])
            for i in range(4)]
    results = execute_jobs(jobs, workers=2, executor="dask", progress=False)
    assert [r.municipality for r in results] == [j.municipality for j in jobs]
    assert all(r.ok for r in results)
    html = (tmp_path / "out" / "m3" / "01_identification.html").read_text(encoding="utf-8")
    assert "М3" in html
