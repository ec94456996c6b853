"""environment.yml (conda) and pyproject.toml describe the same environment."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=\s*[0-9.]+)?", spec)
    return match.group(1).lower().replace("_", "-"), (match.group(2) or "").replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = dict(_split(s) for s in project["dependencies"] + extras["test"] + extras["dask"] + extras["bench"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = dict(_split(s) for s in env["dependencies"] if isinstance(s, str))
    conda.pop("pip")
    python = conda.pop("python")
    assert python == ">=" + project["requires-python"].removeprefix(">=")
    assert conda == wanted
    pip_part = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_part == ["-e ."]


def test_data_readme_is_generated_from_the_schema():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data_readme", ROOT / "tools" / "make_data_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "data" / "README.md").read_text(encoding="utf-8") == module.render(), \
        "data/README.md is stale: run python tools/make_data_readme.py"


def test_plain_pytest_runs_everything_and_e2e_is_registered():
    # the fast loop is ``pytest -m "not e2e"``; ``make test`` (the README's command) deselects nothing
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "-m" not in options["addopts"].split() and "--strict-markers" in options["addopts"].split()
    assert [m.split(":")[0] for m in options["markers"]] == ["e2e"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    # the architecture contract first, then every test
    assert re.search(r"^test: setup\n\t\$\(VENV\)/bin/lint-imports --no-cache\n\t\$\(PY\) -m pytest$", makefile, re.M)


def test_ci_checks_the_contract_and_the_wheel():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "tools/check_wheel.sh" in ci
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in contracts["contracts"] if c["type"] == "layers")["layers"]
    assert layers[:5] == ["qualitylib.batch", "qualitylib.views", "qualitylib.reports", "qualitylib.rules",
                          "qualitylib.data"]
