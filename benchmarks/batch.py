"""Benchmarks of the batch and of the library (results tabled in benchmarks/README.md).

Usage::

    python benchmarks/batch.py            # everything (about 10 minutes on 2 cores)
    python benchmarks/batch.py --quick    # sample region and country-scale computation only

Measures, in one run (the machines are noisy: compare ratios within a run):

* the floor: a papermill run of an empty notebook with every import statement of the
  reports (taken from the notebooks), in a warm worker, with the runner's options, HTML included;
* the sample region: wall time of the whole batch with 1 and 2 workers (speed-up), the
  per-notebook cost from the manifest of the 1-worker run (as the floor), peak memory; the
  floor and the 1-worker batch alternate in three rounds, the median round is reported;
* a synthetic region of 60 municipalities / 1,500 schools: wall time with 2 workers;
* the library's computation for a country of 40,000 schools (~1.08 M result rows):
  the ШНОР rule, the risk zone and the social index.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import country  # noqa: E402

from qualitylib.data.params import load_params  # noqa: E402
from qualitylib.batch.runner import Job, available_notebooks, execute_jobs, run_region  # noqa: E402


#: Alternating rounds of floor and 1-worker sample batch (the reported ratio is their median).
ROUNDS = 3


def notebook_imports() -> str:
    """The import statements of the report notebooks as a batch run executes them.

    Every ``import``/``from … import`` of every code cell, but those under ``if interactive:``
    (batch runs pass ``interactive=False``), deduplicated in order of appearance.
    """
    lines: list[str] = []
    for path in available_notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            tree = ast.parse(cell.source)
            skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and isinstance(node.test, ast.Name) and node.test.id == "interactive"
                       for n in ast.walk(node)}
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
                    line = ast.unparse(node)
                    if line not in lines:
                        lines.append(line)
    return "\n".join(lines)


def floor(tmp: Path, repeats: int = 12) -> float:
    """Median seconds per empty notebook importing what the reports import, in a warm worker.

    The notebook is the reports' ``parameters`` cell and one cell with every import statement
    of the three reports (:func:`notebook_imports`); it is run, and converted to HTML, by the
    runner exactly as the reports are.
    """
    nb = new_notebook(cells=[
        new_code_cell("data_dir = None\nmunicipality = None\nyear = None\nparams_file = None\noutput_dir = None\n"
                      "public = False\ninteractive = False", metadata={"tags": ["parameters"]}),
        new_code_cell(notebook_imports()),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp / "floor" / "01_identification.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    jobs = [Job(f"m{i}", f"m{i}", str(tmp), 2026, "p", str(tmp / "floor-out" / f"m{i}"), [str(path)])
            for i in range(repeats)]
    results = execute_jobs(jobs, workers=1, progress=False)
    return statistics.median(r.notebooks[0]["seconds"] for r in results[2:])


def batch(data: Path, out: Path, workers: int) -> tuple[float, list[tuple[str, float]]]:
    """Wall time of a batch run and ``(notebook, seconds)`` of each report.

    Every run starts with empty caches (validated region, memoised results: see
    ``qualitylib.data.cache``), as the first run on new data does.
    """
    os.environ["QUALITYLIB_CACHE"] = str(out.parent / f"cache-{out.name}")
    start = time.perf_counter()
    manifest = run_region(data, 2026, out, workers=workers, progress=False)
    wall = time.perf_counter() - start
    per_nb = [(n["notebook"], n["seconds"]) for m in manifest["municipalities"] for n in m["notebooks"]]
    assert not manifest["failed"], manifest["failed"]
    return wall, per_nb


def synthetic_region(folder: Path, n_schools: int = 1500, n_municipalities: int = 60) -> Path:
    schools, results, context = country(n_schools, years=(2022, 2023, 2024, 2025, 2026), seed=7,
                                        n_municipalities=n_municipalities)
    folder.mkdir(parents=True, exist_ok=True)
    schools.to_csv(folder / "schools.csv", index=False)
    results.to_csv(folder / "results.csv", index=False)
    context.to_csv(folder / "context.csv", index=False)
    (folder / "region.yaml").write_text("name: Синтетический регион 60\n", encoding="utf-8")
    return folder


def country_scale() -> dict[str, float]:
    from qualitylib.rules.identification import identify_shnor
    from qualitylib.rules.risk import identify_risk
    from qualitylib.rules.social import social_index

    schools, results, context = country()
    params = load_params()
    times = {}
    for name, func in (("ШНОР", lambda: identify_shnor(results, schools, 2026, params)),
                       ("зона риска", lambda: identify_risk(context, results, schools, 2026, params)),
                       ("социальный индекс", lambda: social_index(context, 2026, params))):
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            func()
            runs.append(time.perf_counter() - t)
        times[name] = min(runs)
    times["всего"] = sum(times.values())
    times["строк результатов"] = len(results)
    return times


def fisoko_import(tmp: Path) -> dict | None:
    """The ФИС ОКО importer on the shared Altai export: first run, cached run, one file by each reader."""
    from qualitylib.data.fisoko import import_fisoko

    source = Path(os.environ.get("QUALITYLIB_REAL_DATA", ROOT.parent / "shared" / "real" / "altai-vpr"))
    if not source.is_dir():
        return None
    out = tmp / "altai"
    t = time.perf_counter()
    report = import_fisoko(source, out)
    first = time.perf_counter() - t
    t = time.perf_counter()
    again = import_fisoko(source, out)
    cached = time.perf_counter() - t
    one = next(source.glob("2021/5/*.xlsx"))
    t = time.perf_counter()
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(one))
    book.get_sheet_by_index(0).to_python()
    calamine = time.perf_counter() - t
    import openpyxl

    t = time.perf_counter()
    sheet = openpyxl.load_workbook(one, read_only=True).worksheets[0]
    for _ in sheet.iter_rows(values_only=True):
        pass
    openpyxl_s = time.perf_counter() - t
    return {"files": len(report.files), "first_import_s": round(first, 1), "cached_import_s": round(cached, 2),
            "cache_hits": again.cache_hits, "one_file_calamine_s": round(calamine, 2),
            "one_file_openpyxl_s": round(openpyxl_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    report: dict = {"notebooks": [Path(p).stem for p in available_notebooks()]}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # The machine drifts by 10-25 % within minutes: the floor and the 1-worker sample batch are
        # measured in alternating rounds and the ratio is the median of the rounds' ratios.
        rounds = []
        for n in range(ROUNDS):
            floor_s = floor(tmp / f"round{n}")
            wall1, per_nb1 = batch(ROOT / "data" / "sample", tmp / f"round{n}" / "s1", workers=1)
            median = statistics.median(s for _, s in per_nb1)
            rounds.append({"floor_s": round(floor_s, 2), "per_notebook_median_s": round(median, 2),
                           "ratio": round(median / floor_s, 2), "wall_1_worker_s": round(wall1, 1),
                           "per_nb": per_nb1})
        middle = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
        wall2, per_nb2 = batch(ROOT / "data" / "sample", tmp / "s2", workers=2)
        by_notebook: dict[str, list[float]] = {}
        for name, seconds in middle.pop("per_nb"):
            by_notebook.setdefault(name, []).append(seconds)
        for r in rounds:
            r.pop("per_nb", None)
        report["floor_s"] = middle["floor_s"]
        report["sample"] = {"wall_1_worker_s": middle["wall_1_worker_s"], "wall_2_workers_s": round(wall2, 1),
                            "speedup": round(middle["wall_1_worker_s"] / wall2, 2), "notebooks": len(per_nb2),
                            "per_notebook_median_s": middle["per_notebook_median_s"],
                            "per_notebook_median_by_notebook_s": {k: round(statistics.median(v), 2)
                                                                  for k, v in by_notebook.items()},
                            "per_notebook_median_2_workers_s": round(statistics.median(s for _, s in per_nb2), 2)}
        report["per_notebook_vs_floor"] = middle["ratio"]
        report["rounds"] = rounds
        if not args.quick:
            data = synthetic_region(tmp / "region60")
            wall, per_nb = batch(data, tmp / "r60", workers=2)
            report["region_60"] = {"municipalities": 60, "schools": 1500, "notebooks": len(per_nb),
                                   "wall_2_workers_s": round(wall, 1),
                                   "per_notebook_median_s": round(statistics.median(s for _, s in per_nb), 2)}
        report["fisoko"] = fisoko_import(tmp)
    report["peak_memory_worker_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    report["country"] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in country_scale().items()}
    report["peak_memory_main_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
