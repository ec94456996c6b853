"""The batch: every notebook for every municipality of a region, HTML and Excel, an index page.

One job is one municipality: its notebooks are executed with papermill (a fresh kernel
each) into a private temporary folder, converted to HTML, checked (no empty or unreadable
file is ever published), and only then moved file by file into
``<out>/<region>/<year>/<slug>/`` with :func:`os.replace`, so a crash never leaves a
half-written report. Jobs run in worker processes that import papermill and nbconvert
once; each worker starts a template process from which every notebook's kernel is forked,
already holding the reports' imports (:mod:`qualitylib.batch.warm`; ordinary kernels where
fork is not safe or ``QUALITYLIB_WARM_KERNELS=0``); a failing municipality is reported and the others go on, even when its worker
process dies (the other jobs go to a fresh pool).

A run holds an exclusive lock on the region's folder (:func:`output_lock`): a second run
into it stops at once. The region's outputs (index, registry, manifest) always describe
every municipality of the region: a run of some municipalities keeps the others' last
results and dates from the previous manifest, and folder names (slugs) are derived from
the whole region and kept from run to run. SIGINT and SIGTERM stop the workers and their
kernels and write the index and the manifest marked «прервано»; workers die with the main
process (``PR_SET_PDEATHSIG`` on Linux, a watchdog thread elsewhere).
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import multiprocessing
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from ..data.files import atomic_path, file_hash
from ..exceptions import QualitylibError, UnknownMunicipalityError, UsageError
from ..resources import notebooks_dir
from .slug import slugify, stable_slugs, unique_slugs

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the portable lock below
    fcntl = None

NOTEBOOKS_DIR = notebooks_dir()
logger = logging.getLogger(__name__)

#: Notebooks of one municipality, in order, with their Russian titles.
NOTEBOOKS = {
    "01_identification": "Выявление ШНОР и школ в зоне риска",
    "02_dynamics": "Динамика результатов",
    "03_monitoring": "Мониторинг показателей и дорожной карты",
    "04_tasks": "Анализ выполнения заданий ВПР",
}
#: What a notebook saves into ``output_dir`` besides itself (see ``tools/make_notebooks.py``):
#: published only when the notebook succeeded, removed when it failed.
NOTEBOOK_FILES = {"01_identification": ("registry.xlsx", "01_identification.docx"),
                  "03_monitoring": ("indicators.xlsx", "03_monitoring.docx"),
                  "04_tasks": ("tasks.xlsx", "04_tasks.docx"),
                  "00_region": ("region.xlsx", "00_region.docx")}
#: How the navigation bar and the index name those files.
FILE_TITLES = {"registry.xlsx": "Реестр (Excel)", "indicators.xlsx": "Показатели (Excel)",
               "01_identification.docx": "Выявление ШНОР (Word)", "03_monitoring.docx": "Аналитическая справка (Word)",
               "tasks.xlsx": "Дефициты по заданиям (Excel)", "04_tasks.docx": "Анализ заданий ВПР (Word)", "region.xlsx": "Обзор по региону (Excel)",
               "00_region.docx": "Обзор по региону (Word)"}
#: The region's report: its notebook (run once per region) and its title.
REGION_NOTEBOOK, REGION_TITLE = "00_region", "Обзор по региону"
#: The lock file of a region's output folder (removed at the end of the run).
LOCK_NAME = ".qualitylib-run.lock"
#: Reasons shown for municipalities a run did not finish.
INTERRUPTED_REASON = "прогон прерван до завершения этого муниципалитета"
RUNNING_REASON = "идёт прогон (или он был остановлен, не успев записать итог)"


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
    #: The region's report: its notebook takes the folder of parameters instead of one file.
    region_report: bool = False
    params_dir: str | None = None
    programme: str | None = None  # the run's programme for a municipality whose file names none


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


# --- worker processes ---------------------------------------------------------------------------

_CURRENT_TMP: list[Path] = []  # the private folder of the job a worker is running


def _stop_worker(signum=None, frame=None) -> None:
    """In a worker: kill its kernels, remove its private folder and exit at once."""
    from .kernels import kill_kernels
    from .warm import stop_template

    kill_kernels()
    stop_template()
    for tmp in _CURRENT_TMP:
        shutil.rmtree(tmp, ignore_errors=True)
    os._exit(128 + signal.SIGTERM)


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker stop (via :func:`_stop_worker`) when the process ``parent_pid`` dies."""
    bound = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            bound = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            bound = False
    if os.getppid() != parent_pid:  # the parent died before we could watch it
        _stop_worker()
    if not bound:  # pragma: no cover - macOS, Windows: poll
        def watch():
            while True:
                time.sleep(1.0)
                if os.getppid() != parent_pid:
                    _stop_worker()

        threading.Thread(target=watch, name="qualitylib-parent-watchdog", daemon=True).start()


def warm_up(parent_pid: int | None = None, run_dir: str | None = None, template: str | None = None) -> None:
    """Worker initializer: pay the heavy imports once per process, not once per notebook.

    Parameters
    ----------
    parent_pid : int, optional
        The main process: the worker ignores SIGINT (the main process decides what an
        interrupt does), stops its kernels on SIGTERM and dies when the main process dies.
    run_dir : str, optional
        The run's private folder: kernels put their connection files and sockets there.
    template : str, optional
        The socket of the kernel template the run's workers share
        (:class:`qualitylib.batch.warm.SharedTemplate`); without it, a worker has its own.
    """
    from .lean import skip_unused_imports

    # a pool worker (``parent_pid``) is a new process that reads no tables: its kernels do
    skip_unused_imports(tables=parent_pid is None)
    if parent_pid is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, _stop_worker)
        _die_with_parent(parent_pid)
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from .htmlreport import exporter
    from .kernels import set_kernel_dir
    from .warm import enable

    if run_dir is not None:
        set_kernel_dir(run_dir)
    exporter()
    # warm kernels where fork is safe: the run's shared template, or a pool worker forks its own
    # now, before any thread
    enable(available_notebooks(), fork_now=parent_pid is not None, shared=template)


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
                  "params_file": job.params_file, "programme": job.programme, "output_dir": str(output_dir),
                  "public": job.public, "interactive": False}
    if job.region_report:
        parameters = {"data_dir": job.data_dir, "year": job.year, "params_dir": job.params_dir,
                      "output_dir": str(output_dir), "public": job.public}
    options = execution_options()
    if not job.region_report:  # the kernels of a warm template find the region's shared results ready
        from .warm import prepare

        prepare(job.data_dir, job.year, job.municipality, job.params_file, job.programme)
    for attempt in range(attempts):
        try:
            pm.execute_notebook(path, str(executed), parameters=parameters, kernel_name=job.kernel_name,
                                language="python", cwd=str(Path(path).parent), **options)
            return
        except RuntimeError as exc:
            if attempt == attempts - 1 or not is_start_failure(exc):
                raise


def _read_notebook(path: Path):
    """The notebook at ``path`` (an :class:`nbformat.NotebookNode`), or ``None`` when it is empty or unreadable."""
    import nbformat

    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        return nbformat.read(path, as_version=4)
    except Exception:
        return None


def readable(path: Path) -> bool:
    """Whether a produced file may be published: not empty and readable as what its suffix says."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
        if path.suffix == ".ipynb":
            import nbformat

            nbformat.read(path, as_version=4)
        elif path.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(path) as book:
                return "[Content_Types].xml" in book.namelist()
        return True
    except Exception:
        return False


def _broken(name: str) -> str:
    return (f"файл «{name}» пуст или повреждён (не хватило места на диске?): он не опубликован; "
            "освободите место и повторите прогон")


def run_job(job: Job, execute=execute) -> JobResult:
    """Execute one municipality's notebooks and move its files into place.

    Never raises an :class:`Exception`: every failure is recorded in the returned
    :class:`JobResult`. Only files that are not empty and can be read are moved into the
    final folder; a failed notebook's report and workbooks of an earlier run are removed.

    Parameters
    ----------
    execute : callable, optional
        ``execute(path, executed, job, output_dir)`` writes the executed notebook to
        ``executed`` (and any Excel files to ``output_dir``) or raises; the default runs
        papermill. Tests pass a stand-in that starts no kernel.
    """
    from .htmlreport import nav_bar, notebook_to_html
    from .trust import trust

    result = JobResult(job.municipality, job.slug)
    final = Path(job.out_dir)
    tmp = final.parent / f".tmp-{job.slug}-{os.getpid()}"
    _CURRENT_TMP[:] = [tmp]
    produced: list[str] = []
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        executed_ok = {}
        for path in job.notebooks:
            name = Path(path).stem
            started = time.perf_counter()
            entry = {"notebook": name, "status": "ok", "seconds": 0.0, "reason": ""}
            executed = tmp / f"{name}.ipynb"
            try:
                execute(path, executed, job, tmp)
                node = _read_notebook(executed)
                if node is None:
                    raise QualitylibError(_broken(executed.name))
                executed_ok[name] = node  # read once: for the check, for its trust and for its HTML
                trust(node)  # JupyterLab draws the charts (SVG) of the executed notebook only when trusted
                produced.append(executed.name)
            except Exception as exc:  # a failing cell, a kernel that died, bad data, a full disk
                entry["status"] = "failed"
                entry["reason"] = str(exc) if isinstance(exc, QualitylibError) else _reason(exc)
                if readable(executed):
                    produced.append(executed.name)
            entry["seconds"] = round(time.perf_counter() - started, 2)
            result.notebooks.append(entry)
        # the HTML of each executed notebook, with a navigation bar to the reports and files that exist
        reports = {f"{n}.html": REGION_TITLE if job.region_report else NOTEBOOKS.get(n, n) for n in executed_ok}
        files = {f: FILE_TITLES.get(f, f) for n in executed_ok for f in NOTEBOOK_FILES.get(n, ())
                 if readable(tmp / f)}
        date = _dt.date.today().strftime("%d.%m.%Y")
        for entry in result.notebooks:
            name = entry["notebook"]
            if name not in executed_ok:
                continue
            started = time.perf_counter()
            try:
                title = (f"{REGION_TITLE}, {job.year}" if job.region_report
                         else f"{NOTEBOOKS.get(name, name)} — {job.municipality}, {job.year}")
                node, executed_ok[name] = executed_ok[name], None  # let go once its page is made
                html = notebook_to_html(node, title, nav=nav_bar(f"{name}.html", reports, files), date=date)
                del node
                (tmp / f"{name}.html").write_text(html, encoding="utf-8")
                del html
                if not readable(tmp / f"{name}.html"):
                    raise QualitylibError(_broken(f"{name}.html"))
                produced.append(f"{name}.html")
            except Exception as exc:  # a full disk, an unreadable notebook
                entry["status"] = "failed"
                entry["reason"] = str(exc) if isinstance(exc, QualitylibError) else _reason(exc)
            entry["seconds"] = round(entry["seconds"] + time.perf_counter() - started, 2)
        owned = {file: entry for entry in result.notebooks for file in NOTEBOOK_FILES.get(entry["notebook"], ())}
        for book in sorted([*tmp.glob("*.xlsx"), *tmp.glob("*.docx")]):
            entry = owned.get(book.name)
            if entry is not None and entry["status"] != "ok":
                continue  # a failed notebook publishes nothing
            if readable(book):
                produced.append(book.name)
            elif entry is not None:
                entry.update(status="failed", reason=_broken(book.name))
                if f"{entry['notebook']}.html" in produced:
                    produced.remove(f"{entry['notebook']}.html")
        final.mkdir(parents=True, exist_ok=True)
        for entry in result.notebooks:  # a failed report must not leave last run's files behind
            if entry["status"] != "ok":
                stale = [f"{entry['notebook']}.html", *NOTEBOOK_FILES.get(entry["notebook"], ())]
                if f"{entry['notebook']}.ipynb" not in produced:
                    stale.append(f"{entry['notebook']}.ipynb")
                for name in stale:
                    (final / name).unlink(missing_ok=True)
        for name in produced:
            os.replace(tmp / name, final / name)
    except Exception as exc:  # unexpected (disk full, permissions)
        result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        _CURRENT_TMP.clear()
        executed_ok = None
        _give_back_memory()
    return result


def _give_back_memory() -> None:
    """After a municipality: collect, and give the heap's free pages back to the system.

    The worker held the executed notebooks with their pictures and their pages (Barnaul's: tens
    of megabytes); freed, they would stay in its heap for the rest of the run (glibc
    ``malloc_trim``; elsewhere only the collection).
    """
    import gc

    from .warm import trim_heap

    gc.collect()
    trim_heap()


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the reports."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("qualitylib", "pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert",
                 "nbclient", "ipykernel", "openpyxl", "python-docx"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "не установлен"
    return out


def write_json_atomic(data, target: Path) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False), encoding="utf-8")
    return target


# --- executing jobs -----------------------------------------------------------------------------

CRASH_REASON = ("процесс-исполнитель аварийно завершился во время этого муниципалитета ({error}; например, "
                "не хватило памяти); остальные муниципалитеты обработаны в новых процессах")


def _pool_task(job: Job, execute, run_dir: str) -> JobResult:
    """A job in a pool worker: mark it started (the main process learns who was running) and run it."""
    (Path(run_dir) / f"started-{job.slug}").write_text(str(os.getpid()), encoding="utf-8")
    return run_job(job, execute=execute)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: SIGTERM to every worker (each kills its kernels), SIGKILL to the slow ones."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public API lists the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + 5
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1)


def _pool_round(batch: list[Job], size: int, task, run_dir: Path, results: dict, bar,
                template: str | None = None) -> tuple[list[Job], set[str]]:
    """Run ``batch`` in a fresh pool of ``size`` workers; return the jobs lost to a dead worker and the
    slugs of the jobs that had started. ``template``: the socket of the run's shared kernel template."""
    context = multiprocessing.get_context("spawn")  # no inherited zmq/asyncio state in workers
    pool = ProcessPoolExecutor(max_workers=max(1, size), mp_context=context, initializer=warm_up,
                               initargs=(os.getpid(), str(run_dir), template))
    lost: list[Job] = []
    try:
        futures = {pool.submit(task, job): job for job in batch}
        for future in as_completed(futures):
            job = futures[future]
            try:
                res = future.result()
            except BrokenProcessPool:
                lost.append(job)
                continue
            except Exception as exc:  # the job could not be sent or its result not returned
                res = JobResult(job.municipality, job.slug, error=f"{type(exc).__name__}: {exc}")
            results[res.slug] = res
            bar.set_postfix_str(job.municipality[:20] or REGION_TITLE[:20])
            bar.update(1, job)
    except BaseException:
        _stop_pool(pool)
        raise
    if lost:
        _stop_pool(pool)
    else:
        pool.shutdown(wait=True)
    started = {}
    for marker in run_dir.glob("started-*"):
        started[marker.name[len("started-"):]] = marker.read_text(encoding="utf-8").strip()
        marker.unlink(missing_ok=True)
    for job in lost:  # a dead worker could not remove its private folder
        if job.slug in started:
            shutil.rmtree(Path(job.out_dir).parent / f".tmp-{job.slug}-{started[job.slug]}", ignore_errors=True)
    return lost, set(started)


class _Progress:
    """The progress bar of the municipalities: the region's report (run with them) is not counted."""

    def __init__(self, bar):
        self.bar = bar

    def update(self, n: int = 1, job: "Job | None" = None) -> None:
        if job is None or not job.region_report:
            self.bar.update(n)

    def set_postfix_str(self, text: str) -> None:
        self.bar.set_postfix_str(text)

    def close(self) -> None:
        self.bar.close()


def _execute(jobs: list[Job], workers: int, executor: str, scheduler: str | None, progress: bool, execute,
             results: dict, run_dir: Path) -> None:
    """Run ``jobs``, filling ``results`` (slug -> :class:`JobResult`) as they finish.

    An interruption (KeyboardInterrupt) stops every worker and propagates; ``results``
    then holds what finished.
    """
    from tqdm.auto import tqdm

    shared = None
    bar = _Progress(tqdm(total=sum(not job.region_report for job in jobs), desc="Муниципалитеты", unit="мун.",
                         disable=not progress, file=sys.stderr, dynamic_ncols=True))
    try:
        if executor == "inline":
            from .kernels import set_kernel_dir

            set_kernel_dir(str(run_dir))
            try:
                for job in jobs:
                    res = run_job(job, execute=execute)
                    results[res.slug] = res
                    bar.update(1, job)
            finally:
                set_kernel_dir(None)
        elif executor == "dask":
            from dask.distributed import Client, LocalCluster, as_completed as dask_completed

            task = partial(run_job, execute=execute)
            cluster = None
            if scheduler is None:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
            client = Client(scheduler or cluster)
            try:
                client.run(warm_up)
                futures = {client.submit(task, job, pure=False): job for job in jobs}
                for future in dask_completed(list(futures)):
                    res = future.result()
                    results[res.slug] = res
                    bar.update(1, futures[future])
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        else:
            # A dead worker breaks the whole pool: the jobs that were running go again one by one
            # (alone, so that only the one that kills its worker fails), the others to a fresh pool.
            task = partial(_pool_task, execute=execute, run_dir=str(run_dir))
            pending, suspects = list(jobs), []
            shared = _share_template(jobs, run_dir) if workers > 1 else None  # one worker: its own fork
            while pending or suspects:
                isolated = bool(suspects)
                batch, size = ([suspects.pop(0)], 1) if isolated else (pending, workers)
                if not isolated:
                    pending = []
                lost, started = _pool_round(batch, size, task, run_dir, results, bar,
                                            template=shared.path if shared else None)
                if not lost:
                    continue
                if isolated or not started & {job.slug for job in lost}:
                    for job in lost:  # the culprit, or workers that could not even start
                        error = CRASH_REASON.format(error="BrokenProcessPool")
                        results[job.slug] = JobResult(job.municipality, job.slug, error=error)
                        bar.update(1, job)
                    continue
                suspects += [job for job in lost if job.slug in started]
                pending += [job for job in lost if job.slug not in started]
    finally:
        bar.close()
        if shared is not None:
            shared.close()


def _share_template(jobs: list[Job], run_dir: Path):
    """The kernel template the pool workers of a run share (:func:`qualitylib.batch.warm.share`), or
    ``None``: each worker then has its own. Started now, so that it imports while the workers start."""
    from .warm import share

    names = {job.kernel_name for job in jobs}
    if len(names) != 1:
        return None
    return share(available_notebooks(), names.pop(), str(run_dir))


def new_run_dir() -> Path:
    """A private folder for one run (kernel connection files and sockets, start markers).

    Named ``qlr-<pid>-…`` in the temp folder; the folders of runs whose process no longer
    exists (a main process killed with SIGKILL cannot remove its own) are removed first.
    """
    tmp = Path(tempfile.gettempdir())
    for folder in tmp.glob("qlr-*-*"):
        pid = _read_pid(folder.name.split("-")[1])
        try:
            mine = folder.is_dir() and (not hasattr(os, "getuid") or folder.stat().st_uid == os.getuid())
        except OSError:
            continue
        if mine and pid is not None and pid != os.getpid() and _pid_alive(pid) is False:
            shutil.rmtree(folder, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"qlr-{os.getpid()}-", dir=tmp))


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

    Notes
    -----
    A local worker that dies fails only the job it was running. The kernels' connection
    files and sockets live in a private folder removed at the end.
    """
    results: dict[str, JobResult] = {}
    run_dir = new_run_dir()
    try:
        _execute(jobs, workers, executor, scheduler, progress, execute, results, run_dir)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return [results[job.slug] for job in jobs]


def region_folder(out: Path, region_name: str, year: int) -> Path:
    """``<out>/<region-slug>/<year>``."""
    return Path(out) / slugify(region_name) / str(int(year))


def now_text() -> str:
    return _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")


def plan_jobs(region, year: int, out: Path, params_dir: str | None, municipalities: list[str] | None,
              public: bool, programme: str | None = None) -> tuple[list[Job], dict[str, str]]:
    """Build one job per municipality; return jobs and municipalities whose parameters failed.

    A municipality whose parameters file cannot be found unambiguously (an unreadable file,
    two files, a look-alike name; see :func:`~qualitylib.data.params.find_municipality_params`)
    or does not load fails with the Russian reason; the others are planned.
    """
    from ..data.municipality import municipality_params
    from ..data.params import ParamsError, find_municipality_params

    names = municipalities or region.municipalities
    slugs = unique_slugs(names)
    base = region_folder(out, region.name, year)
    notebooks = available_notebooks()
    jobs, failed = [], {}
    for name in names:
        try:
            params_file = find_municipality_params(name, params_dir, known=region.municipalities)
            municipality_params(name, params_file, schools=region.schools, programme=programme)
        except ParamsError as exc:
            failed[name] = str(exc)
            continue
        # absolute paths: the kernels run in the notebooks' folder, not in the caller's
        jobs.append(Job(name, slugs[name], str(Path(region.path).resolve()), int(year),
                        str(Path(params_file).resolve()), str((base / slugs[name]).resolve()), notebooks, public,
                        programme=programme))
    return jobs, failed


# --- the region's output folder: lock, leftovers, the previous run ------------------------------

def _unwritable(folder: Path, exc: OSError) -> QualitylibError:
    return QualitylibError(f"Папка результатов «{folder}» недоступна для записи ({exc.strerror or exc}): "
                           "укажите другую папку (--out) или проверьте права на неё.")


def _busy(folder: Path, pid: int | None, lock_file: Path | None = None) -> QualitylibError:
    text = (f"Папка результатов «{folder}» занята другим прогоном (процесс {pid if pid else 'неизвестен'}): "
            "дождитесь его окончания или укажите другую папку (--out).")
    if lock_file is not None:
        text += f" Если такого прогона нет, удалите файл «{lock_file}»."
    return QualitylibError(text)


def _pid_alive(pid: int) -> bool | None:
    """Whether a process exists (``None``: cannot tell on this platform)."""
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) would terminate it on Windows
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _acquire_flock(folder: Path, path: Path) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.lseek(fd, 0, os.SEEK_SET)
            pid = _read_pid(os.read(fd, 64).decode("ascii", "replace"))
            os.close(fd)
            raise _busy(folder, pid) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file between our open and our lock: once more
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    return fd


def _acquire_exclusive(folder: Path, path: Path) -> int:
    """The portable lock: the lock file is created exclusively; a dead holder's file is taken over."""
    for _ in range(3):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                pid = _read_pid(path.read_text(encoding="ascii", errors="replace"))
            except FileNotFoundError:
                continue
            if pid is not None and _pid_alive(pid) is False:
                path.unlink(missing_ok=True)
                continue
            raise _busy(folder, pid, path) from None
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        return fd
    raise _busy(folder, None, path)


@contextmanager
def output_lock(folder: str | Path):
    """Hold the exclusive lock of an output folder (created if needed) for one run.

    ``fcntl.flock`` on ``<folder>/.qualitylib-run.lock`` where available (released by the
    system when the holder dies), else a file created exclusively (a file left by a process
    that no longer exists is taken over). The file holds the holder's process id and is
    removed on release.

    Raises
    ------
    qualitylib.exceptions.QualitylibError
        When another run holds the folder (the message names the folder and its process
        id) or the folder cannot be written.
    """
    folder = Path(folder)
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = _acquire_flock(folder, path) if fcntl is not None else _acquire_exclusive(folder, path)
    except QualitylibError:
        raise
    except OSError as exc:
        raise _unwritable(folder, exc) from exc
    try:
        yield path
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(fd)


def _remove_leftovers(base: Path) -> None:
    """Private folders and temporary files of runs that were killed (we hold the lock: none is live)."""
    for path in base.glob(".tmp-*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    for pattern in (".*.tmp", "*/.*.tmp"):
        for path in base.glob(pattern):
            if path.is_file():
                path.unlink(missing_ok=True)


class _Signals:
    """While armed, SIGINT and SIGTERM raise :class:`KeyboardInterrupt` once; the first is remembered.

    Only the main thread can handle signals: elsewhere nothing is installed.
    """

    def __init__(self):
        self.name: str | None = None
        self.armed = True
        self._saved = {}

    def _handle(self, signum, frame):
        self.name = self.name or signal.Signals(signum).name
        if self.armed:
            self.armed = False  # one interruption: the rest of the run writes what finished
            raise KeyboardInterrupt

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, old in self._saved.items():
            signal.signal(signum, signal.SIG_DFL if old is None else old)
        return False


def _previous_manifest(base: Path, region_name: str, year: int) -> dict | None:
    """The manifest of the last run into ``base`` (``None`` when there is none or it is not ours)."""
    path = base / "manifest.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning(f"Прошлый «{path}» не читается ({exc}): муниципалитеты, не вошедшие в этот прогон, "
                       "будут показаны как не запускавшиеся.")
        return None
    if (not isinstance(data, dict) or data.get("region") != region_name or data.get("year") != int(year)
            or not isinstance(data.get("municipalities"), list)):
        return None
    entries = {item["municipality"]: item for item in data["municipalities"]
               if isinstance(item, dict) and isinstance(item.get("municipality"), str)}
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    return {"public": bool(data.get("public")), "generated": str(data.get("generated", "")),
            "entries": entries, "params": params, "raw": data}


def file_key(name: str) -> str:
    """The key of a notebook's file in a row's ``reports``: ``registry`` for ``registry.xlsx``, the
    file name itself for a Word document (its stem is the notebook's)."""
    return Path(name).stem if name.endswith(".xlsx") else name


def _reports(folder: Path, notebooks: list) -> dict[str, bool]:
    """Which reports of a municipality the index may link: the file is there and its notebook succeeded."""
    ok = {n.get("notebook") for n in notebooks if isinstance(n, dict) and n.get("status") == "ok"}
    out = {nb: nb in ok and (folder / f"{nb}.html").is_file() for nb in NOTEBOOKS}
    for nb, names in NOTEBOOK_FILES.items():
        for name in names:
            out[file_key(name)] = nb in ok and (folder / name).is_file()
    return out


def _kept_row(name: str, slug: str, entry: dict, generated: str, folder: Path) -> dict:
    """The row of a municipality not in this run: its last results, as the previous manifest has them."""
    status = entry.get("status")
    reasons = [str(r) for r in entry.get("reasons") or [] if isinstance(r, str)]
    if status == "running":  # that run was killed before it finished this municipality
        status, reasons = "interrupted", [INTERRUPTED_REASON]
    if status not in ("ok", "failed", "interrupted", "not_run"):
        status = "failed"
    notebooks = [n for n in entry.get("notebooks") or [] if isinstance(n, dict)]
    headline = entry.get("headline") if isinstance(entry.get("headline"), dict) else {}
    reports = _reports(folder, notebooks) if status in ("ok", "failed") else {}
    return {"municipality": name, "slug": slug, "status": status, "reasons": reasons, "reports": reports,
            "headline": headline, "notebooks": notebooks, "generated": str(entry.get("generated") or generated),
            "fingerprint": entry.get("fingerprint") if isinstance(entry.get("fingerprint"), dict) else None,
            "state": entry.get("state") if isinstance(entry.get("state"), dict) else None}


def _previous_registry(path: Path):
    """The ШНОР, Риск, Пары and ШНСУ sheets of the last region registry as tables, or ``None``."""
    import openpyxl
    import pandas as pd

    from ..views.labels import COLUMN_TITLES
    from .excel import REGISTRY_COLUMNS

    if not path.is_file():
        return None
    out = {}
    try:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            for key, title in (("shnor", "ШНОР"), ("risk", "Риск"), ("pairs", "Пары"), ("shnsu", "ШНСУ")):
                columns = REGISTRY_COLUMNS[key]
                if title not in book.sheetnames and key == "shnsu":  # a registry written before the sheet
                    out[key] = pd.DataFrame(columns=columns)
                    continue
                rows = list(book[title].iter_rows(values_only=True))
                if not rows or list(rows[0][:len(columns)]) != [COLUMN_TITLES.get(c, c) for c in columns]:
                    return None
                body = [list(r[:len(columns)]) for r in rows[1:] if any(v is not None for v in r)]
                out[key] = pd.DataFrame(body, columns=columns)
        finally:
            book.close()
    except Exception as exc:
        logger.warning(f"Прошлый реестр региона «{path}» не читается ({exc}): в новом реестре только "
                       "муниципалитеты этого прогона.")
        return None
    out["shnor"]["shnor"] = 1  # the registry lists flagged schools only
    out["risk"]["risk"] = 1
    out["shnsu"]["shnsu"] = 1
    return out


def run_region(data_dir: str | Path, year: int, out: str | Path = "outputs", params_dir: str | None = None,
               municipalities: list[str] | None = None, workers: int = 2, public: bool = False,
               executor: str = "local", scheduler: str | None = None, progress: bool = True,
               execute=execute, force: bool = False, programme: str | None = None) -> dict:
    """Run the whole batch for a region and write the index, the region registry and the manifest.

    ``executor`` and ``execute`` are passed to :func:`execute_jobs`: ``execute`` runs one
    notebook (papermill by default; tests pass a stand-in that starts no kernel).

    The region's outputs describe every municipality of the region: those not in
    ``municipalities`` keep their last results, date and registry rows (from the previous
    manifest and registry), or are listed as not run. Folder names come from the whole
    region and are kept from the previous manifest. The region folder is locked for the
    run; at its start the index and manifest already mark its municipalities «не
    завершено» (so a killed run claims nothing). SIGINT or SIGTERM stops the workers and
    their kernels; the index and manifest are then written for what finished, the rest
    marked «прервано», and the function returns with ``manifest["interrupted"]`` set to
    the signal's name.

    A municipality whose reports of the previous run succeeded and whose inputs are unchanged
    (:func:`qualitylib.batch.fingerprint.fingerprint`: its data, what it reads of the region,
    its parameters, the library's code, the notebooks) is not executed again: its reports are
    kept with their date (``manifest["reused"]``); ``force`` reruns everything. The region's
    outputs are rebuilt from all municipalities, and ``changes.html`` / ``changes.xlsx`` say
    what changed since the previous run (:mod:`qualitylib.batch.changes`).

    Returns
    -------
    dict
        The manifest (also written to ``manifest.json``); ``manifest["run"]`` lists the
        municipalities of this run, ``manifest["failed"]`` those of them with a failure
        or not finished, ``manifest["interrupted"]`` is ``None`` or ``"SIGINT"``/``"SIGTERM"``.

    Raises
    ------
    qualitylib.exceptions.DataValidationError
        When the region's data are invalid (nothing is written then).
    qualitylib.exceptions.UnknownMunicipalityError
        For a municipality not in the data.
    qualitylib.exceptions.UsageError
        For a year without results in the data, or a partial rerun in the other privacy
        mode than the folder's previous run (nothing is run then).
    qualitylib.exceptions.QualitylibError
        When the output folder is locked by another run or cannot be written.
    """
    started = time.perf_counter()
    from ..data.region import load_region

    region = load_region(data_dir)
    if municipalities:
        unknown = [m for m in municipalities if m not in region.municipalities]
        if unknown:
            raise UnknownMunicipalityError(unknown, region.municipalities)
    if int(year) not in region.years:
        raise UsageError(f"В данных «{data_dir}» нет результатов за {int(year)} год: прогон не запущен. "
                         f"Есть годы: {', '.join(map(str, region.years))}.")
    base = region_folder(Path(out), region.name, year)
    with output_lock(base):
        return _run_locked(region, int(year), Path(out), base, params_dir, municipalities, workers, public,
                           executor, scheduler, progress, execute, started, force, programme=programme)


def _reusable(job: Job, entry: dict | None, current: dict[str, str], folder: Path, public_before: bool | None,
              public: bool) -> list[str]:
    """Why ``job`` must run again (Russian reasons); empty when its last reports can be kept."""
    from .fingerprint import PARTS, changed_parts

    if not entry:
        return ["в прошлых прогонах его не было"]
    if entry.get("status") != "ok":
        return ["в прошлый раз отчёты не были готовы"]
    if public_before is not None and public_before != public:
        return ["сменился режим (публичный или внутренний)"]
    reports = _reports(folder, entry.get("notebooks") or [])
    if not all(reports.get(Path(nb).stem) for nb in job.notebooks):
        return ["не хватает файлов прошлых отчётов"]
    return [PARTS[part] for part in changed_parts(entry.get("fingerprint"), current)]


def _region_job(region, year: int, base: Path, params_dir, public: bool) -> Job | None:
    """The job of the region's notebook (into ``<base>/_region``); ``None`` when it is not shipped.

    It runs in the pool with the municipalities, submitted after them: it reads the
    identifications their notebooks have memoised, and a worker takes it while the other one
    finishes the last municipalities, instead of the main process running it alone at the end.
    """
    from .region_outputs import REGION_FOLDER

    path = NOTEBOOKS_DIR / f"{REGION_NOTEBOOK}.ipynb"
    if not path.is_file():
        return None
    return Job("", REGION_FOLDER, str(Path(region.path).resolve()), int(year), "", str((base / REGION_FOLDER).resolve()),
               [str(path)], public, region_report=True,
               params_dir=str(Path(params_dir).resolve()) if params_dir else None)


def _region_outcome(job: Job | None, result: JobResult | None, base: Path, interrupted: str | None) -> dict | None:
    """What the manifest and the index record of the region's notebook: ``status``, ``reasons``,
    ``folder``, ``reports`` (file -> present); ``None`` when it is not shipped or the run was interrupted."""
    if job is None or interrupted or result is None:
        return None
    folder = Path(job.out_dir)
    reasons = [f"{n['notebook']}: {n['reason']}" for n in result.notebooks if n["status"] != "ok"]
    if result.error:
        reasons.append(result.error)
    if reasons:
        logger.info("Обзор по региону не построен: " + " | ".join(reasons))
    ok = {n["notebook"] for n in result.notebooks if n["status"] == "ok"}
    reports = {f"{REGION_NOTEBOOK}.html": REGION_NOTEBOOK in ok and (folder / f"{REGION_NOTEBOOK}.html").is_file(),
               "region.xlsx": REGION_NOTEBOOK in ok and (folder / "region.xlsx").is_file(),
               f"{REGION_NOTEBOOK}.docx": REGION_NOTEBOOK in ok and (folder / f"{REGION_NOTEBOOK}.docx").is_file()}
    return {"status": "ok" if not reasons else "failed", "reasons": reasons, "folder": job.slug,
            "reports": reports}


def _plan_reuse(region, year: int, jobs: list[Job], entries: dict, previous: dict | None, params_dir,
                public: bool, force: bool, base: Path) -> tuple[dict, dict, dict]:
    """Fingerprint every job and decide which can keep their last reports.

    Returns the fingerprints (municipality -> digests), the reused municipalities (-> their
    previous manifest entry) and the Russian reasons of those that run again.
    """
    from ..data.municipality import municipality_params
    from .fingerprint import fingerprint, shared_digests

    fingerprints, reused, rerun = {}, {}, {}
    with shared_digests():  # the region's tables hashed once for all the jobs
        for job in jobs:
            name = job.municipality
            try:
                params = municipality_params(name, job.params_file, schools=region.schools, programme=job.programme)
                fingerprints[name] = fingerprint(region, name, year, params, job.params_file, params_dir,
                                                 job.notebooks, NOTEBOOKS_DIR, public)
            except Exception as exc:  # the notebooks will meet and report the same problem
                rerun[name] = [f"входные данные не удалось сравнить с прошлым прогоном ({_reason(exc)})"]
                continue
            if force:
                rerun[name] = ["задан пересчёт всех муниципалитетов (--force)"]
                continue
            why = _reusable(job, entries.get(name), fingerprints[name], base / job.slug,
                            previous["public"] if previous else None, public)
            if why:
                rerun[name] = why
            else:
                reused[name] = entries[name]
    return fingerprints, reused, rerun


def _run_locked(region, year, out, base, params_dir, municipalities, workers, public, executor, scheduler,
                progress, execute, started, force=False, programme=None) -> dict:
    """:func:`run_region` once the region folder is locked."""
    import pandas as pd

    from .changes import compare, municipality_state, write_changes
    from .excel import write_registry
    from .index_page import render_index
    from ..data.params import find_municipality_params, load_params
    from ..data.municipality import municipality_params
    from ..data.programmes import programme_for
    from ..reports.identification import build_identification
    from ..views.identification import present
    from ..reports.monitoring import indicators_table

    selected = list(dict.fromkeys(municipalities or region.municipalities))
    chosen = set(selected)
    previous = _previous_manifest(base, region.name, year)
    entries = previous["entries"] if previous else {}
    if previous and chosen != set(region.municipalities) and previous["public"] != public:
        raise UsageError(
            f"Прошлый прогон в папке «{base}» был {'публичным' if previous['public'] else 'внутренним'}, "
            f"а этот — {'публичный' if public else 'внутренний'}: в одном оглавлении режимы не смешиваются. "
            "Запустите все муниципалитеты (без --municipality) или укажите другую папку (--out).")
    slugs = stable_slugs(region.municipalities, {n: e.get("slug") for n, e in entries.items()})

    def params_path(name: str, run: bool) -> str | None:
        if not run and isinstance((previous or {}).get("params", {}).get(name), str):
            return previous["params"][name]
        try:
            return str(find_municipality_params(name, params_dir, known=region.municipalities))
        except QualitylibError:  # recorded as the municipality's failure by plan_jobs
            return None

    def publish(rows: list[dict], generated: str, note: str, interrupted: str | None, seconds: float,
                region_report: dict | None = None) -> dict:
        index = render_index(region.name, year, rows, generated, public, NOTEBOOKS, note=note,
                             region_report=region_report)
        manifest = {
            "region": region.name,
            "year": int(year),
            "generated": generated,
            "public": public,
            "workers": workers,
            "executor": executor,
            "seconds": seconds,
            "interrupted": interrupted,
            "inputs": {name: {"file": str(path), "sha256": file_hash(path)} for name, path in region.sources.items()},
            "params": {row["municipality"]: params_path(row["municipality"], row["municipality"] in chosen)
                       for row in rows},
            "versions": package_versions(),
            "run": selected,
            "reused": [row["municipality"] for row in rows if row.get("reused")],
            "municipalities": [{**{k: row[k] for k in ("municipality", "slug", "status", "reasons", "headline",
                                                       "notebooks", "generated")},
                                **{k: row[k] for k in ("fingerprint", "state", "reused") if row.get(k) is not None}}
                               for row in rows],
            "failed": [row["municipality"] for row in rows
                       if row["municipality"] in chosen and row["status"] != "ok"],
            "region_report": region_report,
        }
        try:
            with atomic_path(base / "index.html") as tmp:
                tmp.write_text(index, encoding="utf-8")
            write_json_atomic(manifest, base / "manifest.json")
        except OSError as exc:
            raise _unwritable(base, exc) from exc
        return manifest

    def other_row(name: str, generated: str) -> dict:
        if name in entries:
            return _kept_row(name, slugs[name], entries[name], previous["generated"], base / slugs[name])
        return {"municipality": name, "slug": slugs[name], "status": "not_run", "reasons": [], "reports": {},
                "headline": {}, "notebooks": [], "generated": ""}

    def empty_row(name: str, status: str, reasons: list[str], generated: str) -> dict:
        return {"municipality": name, "slug": slugs[name], "status": status, "reasons": reasons, "reports": {},
                "headline": {}, "notebooks": [], "generated": generated}

    jobs, params_failed, results, interrupted = [], {}, {}, None
    fingerprints, reused, region_job = {}, {}, None
    run_dir = new_run_dir()
    with _Signals() as stop:
        try:
            _remove_leftovers(base)
            jobs, params_failed = plan_jobs(region, year, out, params_dir, selected, public, programme=programme)
            # folder names of the whole region, kept from the previous run (plan_jobs sees the selection only)
            jobs = [replace(job, slug=slugs[job.municipality],
                            out_dir=str((base / slugs[job.municipality]).resolve())) for job in jobs]
            fingerprints, reused, rerun = _plan_reuse(region, year, jobs, entries, previous, params_dir, public,
                                                      force, base)
            to_run = [job for job in jobs if job.municipality not in reused]
            logger.info(f"Регион «{region.name}», {year} год: муниципалитетов — {len(jobs) + len(params_failed)}, "
                        f"блокнотов — {len(to_run) * len(available_notebooks())}, процессов — {workers}.")
            if reused:
                logger.info(f"Отчёты {len(reused)} муниципалитетов оставлены без пересчёта: их данные, параметры, "
                            "библиотека и блокноты не изменились (пересчитать всё — --force).")
            for name, why in rerun.items():
                logger.info(f"Пересчитывается «{name}»: {'; '.join(why)}.")
            begun = now_text()
            publish([empty_row(n, "running", [RUNNING_REASON], begun) if n in chosen and n not in reused
                     else other_row(n, begun) for n in region.municipalities], begun,
                    f"Идёт прогон (начат {begun}): муниципалитеты с пометкой «не завершено» ещё не готовы; "
                    "если прогон был остановлен, запустите его снова.", None, 0.0)
            # the largest municipalities first, so that no worker is left with a long one at the end;
            # the region's notebook last (it reads what theirs memoised)
            size = region.schools["municipality"].value_counts()
            to_run = sorted(to_run, key=lambda job: -int(size.get(job.municipality, 0)))
            region_job = _region_job(region, year, base, params_dir, public)
            _execute(to_run + ([region_job] if region_job else []), workers, executor, scheduler, progress, execute,
                     results, run_dir)
        except KeyboardInterrupt:
            interrupted = stop.name or "SIGINT"
        finally:
            stop.armed = False  # from here on a signal only waits for the outputs to be written
            shutil.rmtree(run_dir, ignore_errors=True)
            _remove_leftovers(base)
        if interrupted:
            logger.info(f"Прогон прерван ({interrupted}): рабочие процессы и ядра остановлены, "
                        "записываются оглавление и manifest.json для завершённых муниципалитетов.")

        region_result = results.pop(region_job.slug, None) if region_job else None
        by_name = {r.municipality: r for r in results.values()}
        generated = now_text()
        rows, fresh, kept, params_of = [], {}, [], {}
        catalogue = None
        for name in region.municipalities:
            if name not in chosen:
                row = other_row(name, generated)
                if name in entries:
                    kept.append(name)
                rows.append(row)
                continue
            if name in params_failed:
                rows.append(empty_row(name, "failed", [params_failed[name]], generated))
                continue
            if name in reused:  # its last reports stand: the row is rebuilt, the notebooks are not run
                entry = reused[name]
                row = empty_row(name, "ok", [], str(entry.get("generated") or previous["generated"]))
                row["notebooks"] = [n for n in entry.get("notebooks") or [] if isinstance(n, dict)]
                row["reused"] = True
            elif name not in by_name:
                rows.append(empty_row(name, "interrupted", [INTERRUPTED_REASON], generated))
                continue
            else:
                res = by_name[name]
                row = empty_row(name, "ok", [], generated)
                row["notebooks"] = res.notebooks
                if not res.ok:
                    row["status"] = "failed"
                    row["reasons"] = [f"{n['notebook']}: {n['reason']}" for n in res.notebooks if n["status"] != "ok"]
                    if res.error:
                        row["reasons"].append(res.error)
            row["reports"] = _reports(base / slugs[name], row["notebooks"])
            row["fingerprint"] = fingerprints.get(name)
            try:
                params = municipality_params(name, find_municipality_params(name, params_dir, known=region.municipalities),
                                             schools=region.schools, programme=programme)
                params_of[name] = params
                # the region registry is published like the reports: public mode hides what they hide
                ident = present(build_identification(region, name, year, params, public=public, objectivity=False))
                row["headline"] = ident.headline
                table = None
                if params.get("programme"):
                    prog, catalogue = programme_for(params, catalogue)
                    table = indicators_table(region, name, year, params, prog, catalogue)
                    row["headline"]["indicators_met"] = int((table["status"] == "met").sum())
                    row["headline"]["indicators_total"] = int((table["status"] != "no_target").sum())
                else:
                    row["headline"]["no_programme"] = True
                fresh[name] = (ident.shnor, ident.risk, ident.pairs, ident.own_social)
                row["state"] = municipality_state(ident.shnor_list, ident.risk_list, table, params)
            except Exception as exc:  # the notebook failed for the same reason; keep the index honest
                row["status"] = "failed"
                row["reasons"].append(_reason(exc))
            rows.append(row)

        region_report = _region_outcome(region_job, region_result, base, interrupted)

        # the region registry: this run's tables and the kept municipalities' rows of the last registry
        parts = dict(fresh)
        if kept:
            last = _previous_registry(base / "registry.xlsx")
            if last is not None:
                for name in kept:
                    parts[name] = tuple(last[key][last[key]["municipality"] == name]
                                        for key in ("shnor", "risk", "pairs", "shnsu"))
        ordered = [parts[name] for name in region.municipalities if name in parts]
        # the Параметры sheet: each municipality's own method; Сводка counts each one's lists
        own_params = {}
        for name in region.municipalities:
            if name not in parts:
                continue
            if name in params_of:
                own_params[name] = params_of[name]
                continue
            try:
                own_params[name] = load_params(find_municipality_params(name, params_dir, known=region.municipalities))
            except QualitylibError:
                continue
        try:
            if ordered and own_params:
                first = next(iter(own_params.values()))
                shnor, risk, pairs, social = (pd.concat([p[i] for p in ordered], ignore_index=True)
                                              for i in range(4))
                write_registry(base / "registry.xlsx", shnor, risk, pairs, first, social=social,
                               caption=f"{region.name}, {int(year)}", params_by_municipality=own_params)
            else:
                (base / "registry.xlsx").unlink(missing_ok=True)  # never leave a registry of an older run
        except OSError as exc:
            raise _unwritable(base, exc) from exc
        note = ""
        if interrupted:
            done = sum(1 for row in rows if row["municipality"] in chosen and row["status"] != "interrupted")
            note = (f"Прогон прерван ({interrupted}) {generated}: обработано муниципалитетов — {done} из "
                    f"{len(selected)}; остальные отмечены «прервано», их прежние отчёты не показаны.")
        manifest = publish(rows, generated, note, interrupted, round(time.perf_counter() - started, 2),
                           region_report)
        try:
            write_changes(base, region.name, year, compare(previous["raw"] if previous else None, manifest),
                          generated, previous["generated"] if previous else "")
        except OSError as exc:
            raise _unwritable(base, exc) from exc
        return manifest
