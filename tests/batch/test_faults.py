"""Partial, concurrent and interrupted batch runs lose nothing (issue 13).

Most tests run the real runner with the stand-in executor of ``test_orchestration.py``
(no kernel, inline); the worker-process tests (``e2e``) use the local process pool with a
stand-in that starts no kernel either (each worker still imports papermill once).
"""
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
import pytest
from conftest import SCHOOLS, write_region
from test_orchestration import NOTEBOOK_NAMES, YEAR, StandIn, cell_error, files, index_rows, make_region, run

from qualitylib.batch import cli, runner
from qualitylib.batch.runner import Job, execute_jobs, run_region
from qualitylib.exceptions import QualitylibError, UsageError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return make_region(tmp_path_factory, "faults")


def base_of(out: Path) -> Path:
    return out / "testovyy-region" / str(YEAR)


def manifest_of(out: Path) -> dict:
    return json.loads((base_of(out) / "manifest.json").read_text(encoding="utf-8"))


# --- partial reruns ---------------------------------------------------------------------------

def test_partial_rerun_keeps_every_municipality_of_the_region(region, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "now_text", lambda: "2026-01-01 10:00")
    run(region, tmp_path, StandIn())
    monkeypatch.setattr(runner, "now_text", lambda: "2026-02-02 12:00")
    # forced: with unchanged inputs Южный's reports would be kept (tests/batch/test_reruns.py)
    manifest = run(region, tmp_path, StandIn(), municipalities=["Южный"], force=True)
    assert [m["municipality"] for m in manifest["municipalities"]] == ["Северный", "Южный"]
    assert manifest["run"] == ["Южный"] and manifest["failed"] == []
    north, south = manifest["municipalities"]
    assert north["status"] == "ok" and north["generated"] == "2026-01-01 10:00"  # kept with its date
    assert north["headline"]["shnor"] == 1 and [n["notebook"] for n in north["notebooks"]] == NOTEBOOK_NAMES
    assert south["generated"] == "2026-02-02 12:00"
    assert manifest_of(tmp_path) == manifest
    rows = index_rows(base_of(tmp_path))
    assert len(rows) == 2 and rows[0].startswith("<tr><td>Северный</td><td class=\"num\">2</td>")
    assert "severnyy/01_identification.html" in rows[0] and "01.01.2026 10:00" in rows[0]
    assert "02.02.2026" not in rows[0] and "01.01.2026" not in rows[1]
    # the region registry still lists Северный's ШНОР (S2)
    sheet = openpyxl.load_workbook(base_of(tmp_path) / "registry.xlsx")["ШНОР"]
    assert [r[:3] for r in sheet.iter_rows(min_row=2, values_only=True)] == [("S2", "Школа № 2", "Северный")]


def test_partial_first_run_lists_the_others_as_not_run(region, tmp_path):
    manifest = run(region, tmp_path, StandIn(), municipalities=["Южный"])
    north = manifest["municipalities"][0]
    assert (north["municipality"], north["status"], north["notebooks"]) == ("Северный", "not_run", [])
    assert manifest["failed"] == []
    assert "не запускался" in index_rows(base_of(tmp_path))[0]


def test_slugs_come_from_the_whole_region_and_stay_stable(tmp_path):
    schools = (SCHOOLS[0], [["S1", "Школа № 1", "ПОЛЫСАЕВО", "город", 500],
                            ["S2", "Школа № 2", "ПОЛЫСАЕВО", "село", 120],
                            ["S3", "Школа № 3", "Полысаево", "город", 800]])
    data = write_region(tmp_path / "region", schools=schools)
    (data / "region.yaml").write_text("name: Тестовый регион\n", encoding="utf-8")
    out = tmp_path / "out"
    first = run(data, out, StandIn())
    slugs = {m["municipality"]: m["slug"] for m in first["municipalities"]}
    assert slugs == {"ПОЛЫСАЕВО": "polysaevo", "Полысаево": "polysaevo-2"}
    capital = (base_of(out) / "polysaevo" / "01_identification.html").read_text(encoding="utf-8")
    stand_in = StandIn()
    again = run(data, out, stand_in, municipalities=["Полысаево"])
    assert stand_in.calls[0]["job"].slug == "polysaevo-2"
    assert (base_of(out) / "polysaevo" / "01_identification.html").read_text(encoding="utf-8") == capital
    assert {m["municipality"]: m["slug"] for m in again["municipalities"]} == slugs
    # the manifest's slugs win over the order of the names
    manifest = manifest_of(out)
    for item in manifest["municipalities"]:
        item["slug"] = {"polysaevo": "polysaevo-2", "polysaevo-2": "polysaevo"}[item["slug"]]
    (base_of(out) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    third = run(data, out, StandIn())
    assert {m["municipality"]: m["slug"] for m in third["municipalities"]} == {
        "ПОЛЫСАЕВО": "polysaevo-2", "Полысаево": "polysaevo"}


def test_a_tampered_manifest_slug_is_not_a_path(region, tmp_path):
    run(region, tmp_path, StandIn())
    manifest = manifest_of(tmp_path)
    manifest["municipalities"][0]["slug"] = "../../evil"
    (base_of(tmp_path) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    again = run(region, tmp_path, StandIn())
    assert again["municipalities"][0]["slug"] == "severnyy"


def test_partial_rerun_in_the_other_privacy_mode_is_refused(region, tmp_path):
    run(region, tmp_path, StandIn())
    with pytest.raises(UsageError, match="публичн"):
        run(region, tmp_path, StandIn(), municipalities=["Южный"], public=True)


# --- locking ----------------------------------------------------------------------------------

def test_a_second_run_into_the_same_folder_stops(region, tmp_path):
    base = base_of(tmp_path)
    stand_in = StandIn()
    with runner.output_lock(base):
        with pytest.raises(QualitylibError) as info:
            run(region, tmp_path, stand_in)
    text = str(info.value)
    assert str(base) in text and f"процесс {os.getpid()}" in text and "занята другим прогоном" in text
    assert stand_in.calls == []
    run(region, tmp_path, StandIn())  # the lock was released
    assert not list(base.glob("*.lock"))


def test_a_second_run_from_the_command_line_exits_with_1(region, tmp_path, capsys):
    with runner.output_lock(base_of(tmp_path)):
        code = cli.main(["run", "--data", str(region), "--year", str(YEAR), "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "занята другим прогоном" in err and "Traceback" not in err


def test_lock_held_by_another_process(tmp_path):
    base = tmp_path / "base"
    script = textwrap.dedent(f"""
        import sys, time
        from qualitylib.batch import runner
        with runner.output_lock(runner.Path({str(base)!r})):
            print("locked", flush=True)
            time.sleep(30)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(QualitylibError, match=f"процесс {holder.pid}"):
            with runner.output_lock(base):
                pass
    finally:
        holder.kill()
        holder.wait()
    with runner.output_lock(base):  # a dead holder holds nothing
        pass


def test_portable_lock_without_fcntl(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "fcntl", None)
    base = tmp_path / "base"
    with runner.output_lock(base):
        assert (base / runner.LOCK_NAME).read_text().strip() == str(os.getpid())
        with pytest.raises(QualitylibError, match="занята другим прогоном"):
            with runner.output_lock(base):
                pass
    assert not (base / runner.LOCK_NAME).exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (base / runner.LOCK_NAME).write_text(dead.stdout)  # left by a process that no longer exists
    with runner.output_lock(base):
        pass


# --- interruption -----------------------------------------------------------------------------

class SignalOn(StandIn):
    """Sends ``signum`` to this process while executing ``(municipality, notebook)``."""

    def __init__(self, where, signum):
        super().__init__()
        self.where, self.signum = where, signum

    def __call__(self, path, executed, job, output_dir):
        if (job.municipality, Path(path).stem) == self.where:
            os.kill(os.getpid(), self.signum)
        return super().__call__(path, executed, job, output_dir)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_marks_the_index_interrupted(region, tmp_path, signum):
    run(region, tmp_path, StandIn())  # a previous, complete run
    manifest = run(region, tmp_path, SignalOn(("Южный", "02_dynamics"), signum))
    assert manifest["interrupted"] == signal.Signals(signum).name
    north, south = manifest["municipalities"]
    assert north["status"] == "ok" and south["status"] == "interrupted"
    assert manifest["failed"] == ["Южный"] and manifest_of(tmp_path) == manifest
    base = base_of(tmp_path)
    page = (base / "index.html").read_text(encoding="utf-8")
    assert "Прогон прерван" in page
    north_row, south_row = index_rows(base)
    assert "готово" in north_row and "прервано" in south_row and "готово" not in south_row
    assert "href" not in south_row  # the previous run's reports are not claimed
    assert not [p for p in base.rglob("*") if p.name.startswith(".tmp")]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


def test_cli_reports_an_interrupted_run(region, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        return {"region": "Тестовый регион", "seconds": 3, "interrupted": "SIGTERM", "run": ["Южный"],
                "municipalities": [{"municipality": "Южный", "status": "interrupted", "reasons": ["прервано"]}],
                "failed": ["Южный"]}

    monkeypatch.setattr(runner, "run_region", interrupted)
    code = cli.main(["run", "--data", str(region), "--year", str(YEAR), "--out", str(tmp_path), "--quiet"])
    captured = capsys.readouterr()
    assert code == 128 + signal.SIGTERM
    assert "Прогон прерван (SIGTERM)" in captured.err


def test_the_start_of_a_run_already_marks_its_municipalities(region, tmp_path):
    """A run killed with SIGKILL cannot write anything: its index already says «не завершено»."""
    run(region, tmp_path, StandIn())
    seen = {}

    class Peek(StandIn):
        def __call__(self, path, executed, job, output_dir):
            if not seen:
                seen["page"] = (base_of(tmp_path) / "index.html").read_text(encoding="utf-8")
            return super().__call__(path, executed, job, output_dir)

    run(region, tmp_path, Peek(), municipalities=["Южный"])
    north, south = re.findall(r"<tr><td>.*?</tr>", seen["page"].split("<tbody>")[1])
    assert "готово" in north and "не завершено" in south and "href" not in south


# --- stale and broken files -------------------------------------------------------------------

def test_a_failed_identification_removes_the_previous_registry(region, tmp_path):
    run(region, tmp_path, StandIn())
    south = base_of(tmp_path) / "yuzhnyy"
    assert (south / "registry.xlsx").is_file()
    manifest = run(region, tmp_path, StandIn({("Южный", "01_identification"): (cell_error("KeyError", "0"), True)}))
    assert manifest["failed"] == ["Южный"]
    assert not (south / "registry.xlsx").exists() and (south / "indicators.xlsx").is_file()
    assert "yuzhnyy/registry.xlsx" not in index_rows(base_of(tmp_path))[1]


class EmptyFiles(StandIn):
    """A full disk: the executed notebook (or a workbook) is written with 0 bytes."""

    def __init__(self, what):
        super().__init__()
        self.what = what

    def __call__(self, path, executed, job, output_dir):
        super().__call__(path, executed, job, output_dir)
        name = Path(path).stem
        if job.municipality == "Южный" and name == "01_identification":
            target = Path(executed) if self.what == "notebook" else Path(output_dir) / "registry.xlsx"
            target.write_bytes(b"")


@pytest.mark.parametrize("what", ["notebook", "workbook"])
def test_empty_files_never_reach_the_final_folder(region, tmp_path, what):
    run(region, tmp_path, StandIn())
    manifest = run(region, tmp_path, EmptyFiles(what))
    south = manifest["municipalities"][1]
    assert south["status"] == "failed"
    assert south["notebooks"][0]["status"] == "failed"
    assert "пуст или повреждён" in south["notebooks"][0]["reason"]
    folder = base_of(tmp_path) / "yuzhnyy"
    assert [p.name for p in folder.iterdir() if p.stat().st_size == 0] == []
    assert not (folder / "01_identification.html").exists() and not (folder / "registry.xlsx").exists()
    assert (folder / "02_dynamics.html").is_file()


def test_leftovers_of_a_killed_run_are_removed(region, tmp_path):
    base = base_of(tmp_path)
    (base / ".tmp-severnyy-999999").mkdir(parents=True)
    (base / ".tmp-severnyy-999999" / "01_identification.ipynb").write_text("{}")
    (base / ".index.html.abc123.tmp").write_text("")
    run(region, tmp_path, StandIn())
    assert not [p for p in base.rglob("*") if p.name.startswith(".")]


def test_kernel_connection_files_live_in_the_run_folder(tmp_path):
    from qualitylib.batch import kernels

    kernels.set_kernel_dir(str(tmp_path))
    try:
        manager = kernels.IpcKernelManager()
        assert Path(manager.connection_file).parent == tmp_path
        assert len(manager.ip) + len("-65535") < 100  # unix socket paths are limited to ~107 bytes
    finally:
        kernels.set_kernel_dir(None)


def test_a_run_leaves_no_run_folder_behind(region, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(runner.tempfile, "tempdir", str(scratch))
    run(region, tmp_path / "out", StandIn())
    assert list(scratch.iterdir()) == []


# --- bad output folders and years -------------------------------------------------------------

def test_an_output_folder_that_cannot_be_written(region, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("не папка")
    with pytest.raises(QualitylibError, match="недоступна для записи"):
        run(region, blocker / "out", StandIn())
    code = cli.main(["run", "--data", str(region), "--year", str(YEAR), "--out", str(blocker / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "недоступна для записи" in err and "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder(region, tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(QualitylibError, match="недоступна для записи"):
            run(region, out, StandIn())
    finally:
        out.chmod(0o755)


def test_a_year_without_data_stops_before_running(region, tmp_path, capsys):
    stand_in = StandIn()
    with pytest.raises(UsageError, match="нет результатов за 1999 год.*2024"):
        run_region(region, 1999, tmp_path, executor="inline", execute=stand_in, progress=False)
    assert stand_in.calls == [] and list(tmp_path.iterdir()) == []
    code = cli.main(["run", "--data", str(region), "--year", "1999", "--out", str(tmp_path), "--quiet"])
    assert code == 2 and "Есть годы: 2024" in capsys.readouterr().err


# --- the command line's errors ----------------------------------------------------------------

@pytest.mark.parametrize("error, code", [
    (QualitylibError("что-то не так с данными"), 1),
    (UsageError("неверный аргумент"), 2),
])
def test_every_project_error_is_a_message(monkeypatch, capsys, tmp_path, error, code):
    from qualitylib.exceptions import FisOkoError, TableReadError, Problem

    errors = [error, FisOkoError("выгрузка не читается"), TableReadError(Problem("a.csv", "не таблица"))]

    def fail(args):
        raise errors.pop(0)

    monkeypatch.setattr(cli, "cmd_sample", fail)
    assert cli.main(["sample", str(tmp_path)]) == code
    assert cli.main(["sample", str(tmp_path)]) == 1
    assert cli.main(["sample", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "выгрузка не читается" in err and "a.csv" in err


def test_ctrl_c_outside_a_run_is_a_message(monkeypatch, capsys, tmp_path):
    def interrupt(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_sample", interrupt)
    assert cli.main(["sample", str(tmp_path)]) == 130
    assert "Прервано" in capsys.readouterr().err


# --- worker processes -------------------------------------------------------------------------

class CrashOn(StandIn):
    """Kills its worker process while executing one municipality (picklable for the pool)."""

    def __init__(self, municipality):
        super().__init__()
        self.municipality = municipality

    def __call__(self, path, executed, job, output_dir):
        if job.municipality == self.municipality:
            os._exit(9)
        return super().__call__(path, executed, job, output_dir)


@pytest.mark.e2e  # worker processes (no kernel): about 10 s
def test_a_dead_worker_fails_only_its_own_municipality(tmp_path):
    paths = runner.available_notebooks()[:1]
    out = tmp_path / "out"
    jobs = [Job(f"М{i}", f"m{i}", str(tmp_path), 2026, "p.yaml", str(out / f"m{i}"), paths) for i in range(4)]
    results = execute_jobs(jobs, workers=2, progress=False, execute=CrashOn("М1"))
    assert [r.municipality for r in results] == ["М0", "М1", "М2", "М3"]
    assert [r.ok for r in results] == [True, False, True, True]
    assert "аварийно" in results[1].error
    assert sorted(p.name for p in out.iterdir()) == ["m0", "m2", "m3"]  # no .tmp-m1-* left


SLOW_RUN = """
import os, sys, time
from pathlib import Path
sys.path[:0] = {paths!r}
from test_orchestration import StandIn
from qualitylib.batch.runner import run_region


class Slow(StandIn):
    def __call__(self, path, executed, job, output_dir):
        if job.municipality == "Южный":
            Path({pids!r}, str(os.getpid())).write_text("")
            time.sleep(120)
        return super().__call__(path, executed, job, output_dir)


if __name__ == "__main__":
    from qualitylib.batch.cli import _log_to_stdout
    manifest = run_region({data!r}, 2024, {out!r}, workers=2, progress=False, execute=Slow())
    print("interrupted:", manifest["interrupted"], flush=True)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def start_slow_run(region, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "slow_run.py"
    script.write_text(SLOW_RUN.format(paths=[str(Path(__file__).parent), str(ROOT / "tests")], pids=str(pids),
                                      data=str(region), out=str(tmp_path / "out")), encoding="utf-8")
    main = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while not list(pids.iterdir()):
        assert main.poll() is None, main.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return main, int(next(pids.iterdir()).name)


def wait_dead(pid, seconds=10):
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_die_with_a_killed_main_process(region, tmp_path):
    main, worker = start_slow_run(region, tmp_path)
    main.kill()
    main.wait()
    assert wait_dead(worker), "the worker outlived the killed main process"
    left = list(Path(runner.tempfile.gettempdir()).glob(f"qlr-{main.pid}-*"))
    assert left  # a killed process cannot remove its run folder: the next run does
    runner.new_run_dir().rmdir()
    assert not any(p.exists() for p in left)


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigterm_stops_the_workers_and_writes_an_interrupted_index(region, tmp_path):
    main, worker = start_slow_run(region, tmp_path)
    main.send_signal(signal.SIGTERM)
    stdout, stderr = main.communicate(timeout=30)
    assert main.returncode == 0, stderr
    assert "interrupted: SIGTERM" in stdout
    assert wait_dead(worker, 2)
    manifest = manifest_of(tmp_path / "out")
    assert {m["municipality"]: m["status"] for m in manifest["municipalities"]}["Южный"] == "interrupted"
    base = base_of(tmp_path / "out")
    assert "Прогон прерван (SIGTERM)" in (base / "index.html").read_text(encoding="utf-8")
    assert not [p for p in base.rglob("*") if p.name.startswith(".")]
