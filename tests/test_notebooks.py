"""The committed notebooks are the generator's output, and the runner fills their parameters cell.

No kernel is started: the notebooks are compared as JSON, their parameters are read with
``papermill.inspect_notebook``, and the runner's parameters are caught by replacing
``papermill.execute_notebook`` for one call of :func:`qualitylib.batch.runner.execute`.
"""
import ast
import importlib.util
import json
from pathlib import Path

import nbformat
import papermill
import pytest

from qualitylib.batch import runner
from qualitylib.batch.runner import NOTEBOOKS, Job

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "notebooks"


def generator():
    spec = importlib.util.spec_from_file_location("make_notebooks", ROOT / "tools" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated():
    return generator().build_notebooks()


def test_the_generator_makes_exactly_the_runner_notebooks(generated):
    # the municipalities' notebooks, and the region's report run once per region
    assert list(generated) == [f"{runner.REGION_NOTEBOOK}.ipynb"] + [f"{name}.ipynb" for name in NOTEBOOKS]
    assert sorted(p.name for p in COMMITTED.glob("*.ipynb")) == sorted(generated)


@pytest.mark.parametrize("name", [f"{n}.ipynb" for n in [runner.REGION_NOTEBOOK, *NOTEBOOKS]])
def test_committed_notebook_equals_the_generated_one(generated, name):
    committed = (COMMITTED / name).read_text(encoding="utf-8")
    expected = nbformat.writes(generated[name])
    message = f"notebooks/{name} is stale: run python tools/make_notebooks.py"
    assert json.loads(committed) == json.loads(expected), message  # cell ids, sources, metadata
    assert committed.rstrip("\n") == expected.rstrip("\n"), message  # and the same formatting
    cells = json.loads(committed)["cells"]
    assert [c["id"] for c in cells] == [f"cell-{i:02d}" for i in range(len(cells))]
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in cells)


def test_the_package_ships_the_committed_notebooks():
    assert sorted(Path(p).name for p in runner.available_notebooks()) == sorted(
        p.name for p in COMMITTED.glob("*.ipynb") if p.stem != runner.REGION_NOTEBOOK)
    assert (runner.NOTEBOOKS_DIR / f"{runner.REGION_NOTEBOOK}.ipynb").read_bytes() == \
        (COMMITTED / f"{runner.REGION_NOTEBOOK}.ipynb").read_bytes()
    for path in runner.available_notebooks():
        assert Path(path).read_bytes() == (COMMITTED / Path(path).name).read_bytes()


@pytest.fixture(scope="module")
def runner_parameters(tmp_path_factory):
    """The parameters :func:`runner.execute` gives papermill for one job."""
    tmp = tmp_path_factory.mktemp("execute")
    caught = {}

    def execute_notebook(path, output, parameters=None, **kwargs):
        caught.update(path=path, output=output, parameters=parameters, **kwargs)

    job = Job("Полысаево", "polysaevo", str(tmp / "region"), 2026, str(tmp / "p.yaml"), str(tmp / "out"), [])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(papermill, "execute_notebook", execute_notebook)
        runner.execute(str(COMMITTED / "01_identification.ipynb"), tmp / "executed.ipynb", job, tmp / "private")
    assert caught["kernel_name"] == "python3" and caught["cwd"] == str(COMMITTED)
    return caught["parameters"]


def test_runner_parameters_are_those_of_the_job(runner_parameters):
    assert {k: type(v) for k, v in runner_parameters.items()} == {
        "data_dir": str, "municipality": str, "year": int, "params_file": str, "programme": type(None),
        "output_dir": str, "public": bool, "interactive": bool}
    assert runner_parameters["municipality"] == "Полысаево" and runner_parameters["year"] == 2026
    assert runner_parameters["public"] is False and runner_parameters["interactive"] is False
    assert Path(runner_parameters["output_dir"]).name == "private"


#: The type of each parameter's default in the notebooks: the paths the runner always passes
#: may be left out by hand (``None``), the rest have defaults of the type the runner passes.
DEFAULT_TYPES = {"data_dir": str, "municipality": str, "year": int, "params_file": type(None),
                 "programme": type(None), "output_dir": type(None), "public": bool, "interactive": bool}


#: Parameters a notebook has beyond the runner's, with the default a batch run keeps:
#: the road map's date of 03 is 1 September of the year unless set by hand.
NOTEBOOK_ONLY = {"03_monitoring.ipynb": {"as_of": None}}


@pytest.mark.parametrize("name", [f"{n}.ipynb" for n in NOTEBOOKS])
def test_runner_parameters_match_the_parameters_cell(runner_parameters, name):
    declared = papermill.inspect_notebook(str(COMMITTED / name))
    defaults = {key: ast.literal_eval(p["default"]) for key, p in declared.items()}
    extra = NOTEBOOK_ONLY.get(name, {})
    assert list(declared) == list(runner_parameters) + list(extra)  # same names, same order
    assert {key: defaults[key] for key in extra} == extra
    assert {key: type(defaults[key]) for key in runner_parameters} == DEFAULT_TYPES
    for key, value in runner_parameters.items():
        assert defaults[key] is None or type(defaults[key]) is type(value), key
    assert all(p["help"] for p in declared.values()), "every parameter has a comment"
    # a notebook opened by hand is interactive; the batch switches the controls off
    assert defaults["interactive"] is True and runner_parameters["interactive"] is False
    assert defaults["public"] is False


def test_region_notebook_takes_the_runner_parameters(tmp_path):
    caught = {}

    def execute_notebook(path, output, parameters=None, **kwargs):
        caught.update(parameters=parameters)

    job = Job("", "_region", str(tmp_path / "region"), 2026, "", str(tmp_path / "out"), [], region_report=True,
              params_dir=str(tmp_path / "params"))
    name = f"{runner.REGION_NOTEBOOK}.ipynb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(papermill, "execute_notebook", execute_notebook)
        runner.execute(str(COMMITTED / name), tmp_path / "executed.ipynb", job, tmp_path / "private")
    declared = papermill.inspect_notebook(str(COMMITTED / name))
    assert list(declared) == list(caught["parameters"]) == ["data_dir", "year", "params_dir", "output_dir", "public"]
    assert all(p["help"] for p in declared.values())
