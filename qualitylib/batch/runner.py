"""The batch: every notebook for every municipality of a region, HTML and Excel, an index page.

One job is one municipality: its notebooks are executed with papermill (a fresh kernel
each) into a private temporary folder, converted to HTML, and only then moved file by file
into ``<out>/<region>/<year>/<slug>/`` with :func:`os.replace`, so a crash never leaves a
half-written report. Jobs run in worker processes that import papermill and nbconvert
once; a failing municipality is reported and the others go on.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import multiprocessing
import os
import platform
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..data.io import atomic_path, file_hash
from ..exceptions import UnknownMunicipalityError
from ..resources import notebooks_dir
from .slug import slugify, unique_slugs

NOTEBOOKS_DIR = notebooks_dir()
logger = logging.getLogger(__name__)

#: Notebooks of one municipality, in order, with their Russian titles.
NOTEBOOKS = {
    "01_identification": "Выявление ШНОР и школ в зоне риска",
    "02_dynamics": "Динамика результатов",
    "03_monitoring": "Мониторинг показателей и дорожной карты",
}


@dataclass
class Job:
    """What one worker needs to produce one municipality's reports."""

    municipality: str
    slug: str
    data_dir: str
    year: int
    params_file: str
    out_dir: str
    notebooks: list[str]
    public: bool = False
    kernel_name: str = "python3"


@dataclass
class JobResult:
    """The outcome of one municipality's job."""

    municipality: str
    slug: str
    notebooks: list[dict] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(n["status"] == "ok" for n in self.notebooks)


def available_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[str]:
    """Paths of the workbench notebooks that exist, in report order."""
    return [str(folder / f"{name}.ipynb") for name in NOTEBOOKS if (folder / f"{name}.ipynb").is_file()]


def warm_up() -> None:
    """Worker initializer: pay the heavy imports once per process, not once per notebook."""
    import matplotlib

    matplotlib.use("Agg")
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from .htmlreport import exporter

    exporter()


def _reason(exc: BaseException) -> str:
    """A short Russian reason for a failed notebook."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    first = str(evalue).strip().splitlines()[:6]
    return f"{ename}: " + " ".join(first) if first else ename


def execute(path: str, executed: Path, job: Job, output_dir: Path, attempts: int = 3) -> None:
    """Execute one notebook with papermill, retrying only kernel start-up failures."""
    import papermill as pm

    from .kernels import execution_options, is_start_failure

    parameters = {"data_dir": job.data_dir, "municipality": job.municipality, "year": job.year,
                  "params_file": job.params_file, "output_dir": str(output_dir), "public": job.public,
                  "interactive": False}
    for attempt in range(attempts):
        try:
            pm.execute_notebook(path, str(executed), parameters=parameters, kernel_name=job.kernel_name,
                                language="python", cwd=str(Path(path).parent), **execution_options())
            return
        except RuntimeError as exc:
            if attempt == attempts - 1 or not is_start_failure(exc):
                raise


def run_job(job: Job, execute=execute) -> JobResult:
    """Execute one municipality's notebooks and move its files into place.

    Never raises: every failure is recorded in the returned :class:`JobResult`.

    Parameters
    ----------
    execute : callable, optional
        ``execute(path, executed, job, output_dir)`` writes the executed notebook to
        ``executed`` (and any Excel files to ``output_dir``) or raises; the default runs
        papermill. Tests pass a stand-in that starts no kernel.
    """
    import nbformat

    from .htmlreport import notebook_to_html

    result = JobResult(job.municipality, job.slug)
    final = Path(job.out_dir)
    tmp = final.parent / f".tmp-{job.slug}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    produced: list[str] = []
    try:
        for path in job.notebooks:
            name = Path(path).stem
            started = time.perf_counter()
            entry = {"notebook": name, "status": "ok", "seconds": 0.0, "reason": ""}
            executed = tmp / f"{name}.ipynb"
            try:
                execute(path, executed, job, tmp)
                title = f"{NOTEBOOKS.get(name, name)} — {job.municipality}, {job.year}"
                html = notebook_to_html(nbformat.read(executed, as_version=4), title)
                (tmp / f"{name}.html").write_text(html, encoding="utf-8")
                produced.append(f"{name}.html")
            except Exception as exc:  # a failing cell, a kernel that died, bad data
                entry["status"] = "failed"
                entry["reason"] = _reason(exc)
            if executed.exists():
                produced.append(executed.name)
            entry["seconds"] = round(time.perf_counter() - started, 2)
            result.notebooks.append(entry)
        produced += [p.name for p in tmp.glob("*.xlsx")]
        final.mkdir(parents=True, exist_ok=True)
        for entry in result.notebooks:  # a failed report must not leave last run's HTML behind
            if entry["status"] != "ok":
                (final / f"{entry['notebook']}.html").unlink(missing_ok=True)
        for name in produced:
            os.replace(tmp / name, final / name)
    except Exception as exc:  # pragma: no cover - unexpected (disk full, permissions)
        result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the reports."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("qualitylib", "pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert",
                 "nbclient", "ipykernel", "openpyxl"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "не установлен"
    return out


def write_json_atomic(data, target: Path) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False), encoding="utf-8")
    return target


def execute_jobs(jobs: list[Job], workers: int, executor: str = "local", scheduler: str | None = None,
                 progress: bool = True, execute=execute) -> list[JobResult]:
    """Run jobs in parallel and return their results in job order.

    Parameters
    ----------
    workers : int
        Worker processes for the local executor.
    executor : {"local", "dask", "inline"}
        ``dask`` sends jobs to a Dask distributed cluster at ``scheduler`` (or a
        ``LocalCluster`` with ``workers`` processes when ``scheduler`` is ``None``);
        ``inline`` runs them one after another in this process (no workers).
    execute : callable, optional
        How one notebook is executed, passed to :func:`run_job` (papermill by default);
        it must be picklable for the ``local`` and ``dask`` executors.
    """
    from tqdm.auto import tqdm

    task = partial(run_job, execute=execute)
    results: dict[str, JobResult] = {}
    bar = tqdm(total=len(jobs), desc="Муниципалитеты", unit="мун.", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    if executor == "inline":
        for job in jobs:
            res = task(job)
            results[res.slug] = res
            bar.update(1)
    elif executor == "dask":
        from dask.distributed import Client, LocalCluster, as_completed as dask_completed

        cluster = None
        if scheduler is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = Client(scheduler or cluster)
        try:
            client.run(warm_up)
            futures = [client.submit(task, job, pure=False) for job in jobs]
            for future in dask_completed(futures):
                res = future.result()
                results[res.slug] = res
                bar.update(1)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        context = multiprocessing.get_context("spawn")  # no inherited zmq/asyncio state in workers
        with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context, initializer=warm_up) as pool:
            futures = {pool.submit(task, job): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    res = future.result()
                except Exception as exc:  # the worker process died
                    res = JobResult(job.municipality, job.slug, error=f"{type(exc).__name__}: {exc}")
                results[res.slug] = res
                bar.set_postfix_str(job.municipality[:20])
                bar.update(1)
    bar.close()
    return [results[job.slug] for job in jobs]


def region_folder(out: Path, region_name: str, year: int) -> Path:
    """``<out>/<region-slug>/<year>``."""
    return Path(out) / slugify(region_name) / str(int(year))


def now_text() -> str:
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")


def plan_jobs(region, year: int, out: Path, params_dir: str | None, municipalities: list[str] | None,
              public: bool) -> tuple[list[Job], dict[str, str]]:
    """Build one job per municipality; return jobs and municipalities whose parameters failed.

    A municipality whose parameters file cannot be found unambiguously (an unreadable file,
    two files, a look-alike name; see :func:`~qualitylib.data.params.find_municipality_params`)
    or does not load fails with the Russian reason; the others are planned.
    """
    from ..data.params import ParamsError, find_municipality_params, load_params

    names = municipalities or region.municipalities
    slugs = unique_slugs(names)
    base = region_folder(out, region.name, year)
    notebooks = available_notebooks()
    jobs, failed = [], {}
    for name in names:
        try:
            params_file = find_municipality_params(name, params_dir, known=region.municipalities)
            load_params(params_file)
        except ParamsError as exc:
            failed[name] = str(exc)
            continue
        # absolute paths: the kernels run in the notebooks' folder, not in the caller's
        jobs.append(Job(name, slugs[name], str(Path(region.path).resolve()), int(year),
                        str(Path(params_file).resolve()), str((base / slugs[name]).resolve()), notebooks, public))
    return jobs, failed


def _params_path(name: str, params_dir: str | None, known: list[str]) -> str | None:
    """The parameters file of ``name`` for the manifest; ``None`` when it cannot be told (see plan_jobs)."""
    from ..data.params import ParamsError, find_municipality_params

    try:
        return str(find_municipality_params(name, params_dir, known=known))
    except ParamsError:
        return None


def run_region(data_dir: str | Path, year: int, out: str | Path = "outputs", params_dir: str | None = None,
               municipalities: list[str] | None = None, workers: int = 2, public: bool = False,
               executor: str = "local", scheduler: str | None = None, progress: bool = True,
               execute=execute) -> dict:
    """Run the whole batch for a region and write the index, the region registry and the manifest.

    ``executor`` and ``execute`` are passed to :func:`execute_jobs`: ``execute`` runs one
    notebook (papermill by default; tests pass a stand-in that starts no kernel).

    Returns
    -------
    dict
        The manifest (also written to ``manifest.json``); ``manifest["failed"]`` lists
        municipalities with a failure.

    Raises
    ------
    qualitylib.exceptions.DataValidationError
        When the region's data are invalid (nothing is written then).
    qualitylib.exceptions.UnknownMunicipalityError
        For a municipality not in the data.
    """
    import pandas as pd

    from .excel import write_registry
    from .index_page import render_index
    from ..data.params import find_municipality_params, load_params
    from ..data.programmes import programme_for
    from ..data.region import load_region
    from ..reports.identification import build_identification
    from ..views.identification import present
    from ..reports.monitoring import indicators_table

    started = time.perf_counter()
    region = load_region(data_dir)
    if municipalities:
        unknown = [m for m in municipalities if m not in region.municipalities]
        if unknown:
            raise UnknownMunicipalityError(unknown, region.municipalities)
    jobs, params_failed = plan_jobs(region, year, Path(out), params_dir, municipalities, public)
    base = region_folder(Path(out), region.name, year)
    base.mkdir(parents=True, exist_ok=True)
    logger.info(f"Регион «{region.name}», {year} год: муниципалитетов — {len(jobs) + len(params_failed)}, "
        f"блокнотов — {len(jobs) * len(available_notebooks())}, процессов — {workers}.")
    results = {r.municipality: r for r in execute_jobs(jobs, workers, executor, scheduler, progress, execute)}

    rows, frames = [], {"shnor": [], "risk": [], "pairs": []}
    names = municipalities or region.municipalities
    slugs = unique_slugs(names)
    region_params = None
    catalogue = None
    for name in names:
        row = {"municipality": name, "slug": slugs[name], "status": "ok", "reasons": [], "reports": {},
               "headline": {}, "notebooks": []}
        if name in params_failed:
            row.update(status="failed", reasons=[params_failed[name]])
            rows.append(row)
            continue
        res = results[name]
        row["notebooks"] = res.notebooks
        if not res.ok:
            row["status"] = "failed"
            row["reasons"] = [f"{n['notebook']}: {n['reason']}" for n in res.notebooks if n["status"] != "ok"]
            if res.error:
                row["reasons"].append(res.error)
        folder = base / slugs[name]
        row["reports"] = {nb: (folder / f"{nb}.html").is_file() and any(
            n["notebook"] == nb and n["status"] == "ok" for n in res.notebooks) for nb in NOTEBOOKS}
        row["reports"]["registry"] = (folder / "registry.xlsx").is_file()
        row["reports"]["indicators"] = (folder / "indicators.xlsx").is_file()
        try:
            params = load_params(find_municipality_params(name, params_dir, known=region.municipalities))
            region_params = region_params or params
            ident = present(build_identification(region, name, year, params, objectivity=False))
            row["headline"] = ident.headline
            if params.get("programme"):
                programme, catalogue = programme_for(params, catalogue)
                table = indicators_table(region, name, year, params, programme, catalogue)
                row["headline"]["indicators_met"] = int((table["status"] == "met").sum())
                row["headline"]["indicators_total"] = int((table["status"] != "no_target").sum())
            frames["shnor"].append(ident.shnor)
            frames["risk"].append(ident.risk)
            frames["pairs"].append(ident.pairs)
        except Exception as exc:  # the notebook failed for the same reason; keep the index honest
            row["status"] = "failed"
            row["reasons"].append(_reason(exc))
        rows.append(row)

    if region_params is not None and frames["shnor"]:
        write_registry(base / "registry.xlsx", pd.concat(frames["shnor"], ignore_index=True),
                       pd.concat(frames["risk"], ignore_index=True),
                       pd.concat(frames["pairs"], ignore_index=True), region_params)
    generated = now_text()
    index = render_index(region.name, year, rows, generated, public, NOTEBOOKS)
    with atomic_path(base / "index.html") as tmp:
        tmp.write_text(index, encoding="utf-8")
    manifest = {
        "region": region.name,
        "year": int(year),
        "generated": generated,
        "public": public,
        "workers": workers,
        "executor": executor,
        "seconds": round(time.perf_counter() - started, 2),
        "inputs": {name: {"file": str(path), "sha256": file_hash(path)} for name, path in region.sources.items()},
        "params": {row["municipality"]: _params_path(row["municipality"], params_dir, region.municipalities)
                   for row in rows},
        "versions": package_versions(),
        "municipalities": [{k: row[k] for k in ("municipality", "slug", "status", "reasons", "headline",
                                                "notebooks")} for row in rows],
        "failed": [row["municipality"] for row in rows if row["status"] != "ok"],
    }
    write_json_atomic(manifest, base / "manifest.json")
    return manifest
