"""A whole region's batch, as a user runs it, with where its time and memory go (results in benchmarks/README.md).

Usage::

    .venv/bin/python benchmarks/region.py DATA_DIR YEAR [--workers 2] [--out FOLDER] [--interval 0.2]

Runs :func:`qualitylib.batch.runner.run_region` (every notebook, HTML, Excel, Word, the region's
report) with an empty cache and prints JSON:

* ``wall_s`` -- the run, as ``Готово за … с`` reports it;
* per notebook: the sum and median of its seconds over the municipalities, the sum of its cells
  (papermill's durations), the rest (kernel start and HTML) and its three costliest cells;
* ``peak_pss_mib`` -- the largest share of one worker: the sum of the proportional set sizes
  (pages a fork shares are counted once) of the worker, its kernel and its template (a
  template the workers share is divided among them); the largest of each
  of the three, the largest sum over all processes of the run (``machine``), and the processes
  of the largest sample (:class:`Peak`, every ``--interval`` seconds from ``/proc/PID/smaps_rollup``),
  and ``sampler_cpu_s``, the CPU the sampling took from the run (at 0.05 s a quarter of a core on the
  Altai region, which slows the run: time it at the default).

For the Altai region of ``make real``: ``benchmarks/region.py data/real/altai 2021``.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path


def rollup(pid: int) -> dict | None:
    """``pss``, ``uss`` (private clean and dirty) and ``rss`` of process ``pid`` in MiB, or ``None`` once it has gone."""
    values = {"Rss:": 0, "Pss:": 0, "Private_Clean:": 0, "Private_Dirty:": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                key, _, rest = line.partition(" ")
                if key in values:
                    values[key] += int(rest.split()[0])
    except OSError:
        return None
    return {"pss": values["Pss:"] / 1024, "uss": (values["Private_Clean:"] + values["Private_Dirty:"]) / 1024,
            "rss": values["Rss:"] / 1024}


class Peak:
    """Peak memory (MiB) of each batch worker's share of the run, and of the whole run, sampled in a thread.

    Every ``interval`` seconds each process's proportional set size is read (PSS: a page shared
    by several processes -- a fork's copy-on-write pages, a library -- counts a share to each),
    from ``/proc/PID/smaps_rollup`` (:func:`rollup`), one read a process, not psutil's full ``smaps``.
    At the default 0.2 s a kernel's peak of a few tenths of a second can fall between two samples
    (``benchmarks/kernel_peaks.py`` follows one municipality's kernels finely).
    A worker's share is the worker, the kernels running its notebooks (their sockets are named
    ``qlk-<worker's pid>-…``) and its kernel template: its own child, or
    the template all workers share (a child of this process), divided among the workers alive.
    ``peak`` keeps the largest share of one worker, the largest PSS of each role and, as
    ``machine``, the largest sum over every process of the run (this one too); ``at_peak`` the
    processes of the sample with the largest worker's share (role, PSS, USS, RSS).
    """

    ROLES = ("worker", "template", "kernel")

    def __init__(self, interval: float = 0.2):
        import psutil

        self.psutil, self.interval, self.stop = psutil, interval, threading.Event()
        self.known: dict[tuple, dict] = {}  # per process (pid, start time): what does not change
        self.cpu_s = 0.0
        self.peak = {"total": 0.0, **{role: 0.0 for role in self.ROLES}, "machine": 0.0}
        self.at_peak: list[dict] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    @staticmethod
    def is_template(proc, cmdline: str | None = None) -> bool:
        """A template: a new interpreter running qualitylib.batch.warm, or a worker's fork named ql-template
        (a forked kernel keeps the template's command line, but not its name). ``cmdline``: the process's
        command line joined, when the caller has read it (it does not change; the name does)."""
        name = proc.name()
        if cmdline is None:
            cmdline = " ".join(proc.cmdline())
        return name == "ql-template" or ("qualitylib.batch.warm" in cmdline and name != "ql-kernel")

    def read(self, proc) -> dict | None:
        try:
            key = (proc.pid, proc.create_time())
            known = self.known.get(key)
            if known is None:
                known = self.known[key] = {"ppid": proc.ppid(), "cmdline": " ".join(proc.cmdline()), "worker": None}
            # the name is read each time: a fork of the template names itself a kernel after a moment
            if proc.name() == "ql-kernel" and known["worker"] is None:  # its sockets are bound once it has started
                found = (re.match(r"qlk-(\d+)-", os.path.basename(c.laddr)) for c in proc.net_connections("unix"))
                known["worker"] = next((m.group(1) for m in found if m), None)
            memory = rollup(proc.pid)
            if memory is None:
                return None
            return {"pid": proc.pid, **memory, "template": self.is_template(proc, known["cmdline"]),
                    "spawned": "spawn_main" in known["cmdline"], "ppid": known["ppid"], "worker": known["worker"]}
        except (self.psutil.NoSuchProcess, self.psutil.AccessDenied, self.psutil.ZombieProcess):
            return None

    def sample(self) -> None:
        """Read the run's processes once and update the peaks."""
        me = self.psutil.Process()
        rows = {row["pid"]: row for row in map(self.read, [me, *me.children(recursive=True)]) if row}
        self.peak["machine"] = max(self.peak["machine"], sum(row["pss"] for row in rows.values()))
        workers = [row for row in rows.values() if row["ppid"] == me.pid and row["spawned"]]
        shared = sum(row["pss"] for row in rows.values() if row["ppid"] == me.pid and row["template"])
        self.peak["template"] = max(self.peak["template"], shared)
        for worker in workers:
            def mine(row, pid=worker["pid"]):
                while row is not None and row["ppid"] != me.pid:  # below the worker, or a kernel it runs
                    if row["ppid"] == pid or row["worker"] == str(pid):
                        return True
                    row = rows.get(row["ppid"])
                return False

            members = [worker, *(row for row in rows.values() if mine(row))]
            roles = ["worker", *("template" if row["template"] else "kernel" for row in members[1:])]
            total = sum(row["pss"] for row in members) + shared / len(workers)
            for role, row in zip(roles, members):
                self.peak[role] = max(self.peak[role], row["pss"])
            if total > self.peak["total"]:
                self.peak["total"] = total
                self.at_peak = [{"role": role, **{k: round(row[k], 1) for k in ("pss", "uss", "rss")}, "pid": row["pid"]}
                                for role, row in zip(roles, members)]
                if shared:
                    self.at_peak.append({"role": f"shared template / {len(workers)}", "pss": round(shared / len(workers), 1)})

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.sample()
            except self.psutil.Error:
                pass
            self.cpu_s = time.thread_time()  # what the sampling itself takes from the run's two cores
            time.sleep(self.interval)

    def result(self) -> dict:
        """The peaks, rounded to MiB, the processes of the largest sample and the sampler's own CPU seconds."""
        return {**{k: round(v) for k, v in self.peak.items()}, "at_peak": self.at_peak,
                "sampler_cpu_s": round(self.cpu_s, 1), "interval_s": self.interval}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def notebook_costs(base: Path, manifest: dict) -> dict:
    """Sums, medians and costliest cells of each notebook over the municipalities of a run."""
    import nbformat

    seconds, cells = collections.defaultdict(list), collections.defaultdict(lambda: collections.Counter())
    cell_sums = collections.defaultdict(float)
    for row in manifest["municipalities"]:
        for entry in row.get("notebooks") or []:
            name = entry["notebook"]
            seconds[name].append(entry["seconds"])
            path = base / row["slug"] / f"{name}.ipynb"
            if not path.is_file():
                continue
            for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
                took = (cell.metadata.get("papermill") or {}).get("duration") or 0.0
                cells[name][number] += took
                cell_sums[name] += took
    return {name: {"sum_s": round(sum(values), 1), "median_s": round(statistics.median(values), 2),
                   "cells_s": round(cell_sums[name], 1), "rest_s": round(sum(values) - cell_sums[name], 1),
                   "costliest_cells": [(number, round(took, 1)) for number, took in cells[name].most_common(3)]}
            for name, values in sorted(seconds.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("year", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None, help="output folder (default: a new temporary one)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between memory samples")
    args = parser.parse_args()
    os.environ["QUALITYLIB_CACHE"] = tempfile.mkdtemp(prefix="qlbench-cache-")
    from qualitylib.batch.runner import region_folder, run_region

    out = Path(args.out or tempfile.mkdtemp(prefix="qlbench-out-"))
    load = os.getloadavg()[0]
    with Peak(args.interval) as peak:
        manifest = run_region(args.data_dir, args.year, out, workers=args.workers, progress=False)
    base = region_folder(out, manifest["region"], args.year)
    print(json.dumps({
        "wall_s": manifest["seconds"], "workers": args.workers, "failed": manifest["failed"],
        "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2),
        "notebooks": notebook_costs(base, manifest),
        "peak_pss_mib": peak.result(),
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
