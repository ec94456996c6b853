"""A whole region's batch, as a user runs it, with where its time and memory go (results in benchmarks/README.md).

Usage::

    .venv/bin/python benchmarks/region.py DATA_DIR YEAR [--workers 2] [--out FOLDER]

Runs :func:`qualitylib.batch.runner.run_region` (every notebook, HTML, Excel, Word, the region's
report) with an empty cache and prints JSON:

* ``wall_s`` -- the run, as ``Готово за … с`` reports it;
* per notebook: the sum and median of its seconds over the municipalities, the sum of its cells
  (papermill's durations), the rest (kernel start and HTML) and its three costliest cells;
* ``peak_pss_mib`` -- the largest sum, over one worker, its kernel template and its kernel, of their
  proportional set sizes (pages a fork shares are counted once), sampled every 0.2 s, the
  largest of each of the three and the processes of the largest sample (:class:`Peak`).

For the Altai region of ``make real``: ``benchmarks/region.py data/real/altai 2021``.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path


class Peak:
    """Peak memory (MiB) of each batch worker's process tree, sampled in a thread.

    A worker's tree is the worker (a child of this process), its kernel template and the kernels
    the template forked. Every ``interval`` seconds each process's proportional set size is read
    (PSS: a page shared by several processes -- a fork's copy-on-write pages, a library -- counts
    a share to each); ``peak`` keeps the largest total of one tree and the largest PSS of each role,
    ``at_peak`` the processes of the sample with the largest total (role, PSS, USS, RSS).
    """

    ROLES = ("worker", "template", "kernel")

    def __init__(self, interval: float = 0.2):
        import psutil

        self.psutil, self.interval, self.stop = psutil, interval, threading.Event()
        self.peak = {"total": 0.0, **{role: 0.0 for role in self.ROLES}}
        self.at_peak: list[dict] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    @staticmethod
    def role(proc, worker) -> str:
        if proc.pid == worker.pid:
            return "worker"
        # the template is the worker's own child: a new interpreter running qualitylib.batch.warm
        # or a fork of the worker, named ql-template (a forked kernel keeps the template's command line)
        template = proc.ppid() == worker.pid and (
            "qualitylib.batch.warm" in " ".join(proc.cmdline()) or proc.name() == "ql-template")
        return "template" if template else "kernel"

    def sample(self, worker) -> None:
        """Read one worker's tree and update the peaks."""
        total, rows = 0.0, []
        for proc in [worker, *worker.children(recursive=True)]:
            try:
                info = proc.memory_full_info()
                role = self.role(proc, worker)
            except (self.psutil.NoSuchProcess, self.psutil.AccessDenied, self.psutil.ZombieProcess):
                continue
            pss = info.pss / 2 ** 20
            self.peak[role] = max(self.peak[role], pss)
            total += pss
            rows.append({"role": role, "pid": proc.pid, "pss": round(pss, 1),
                         "uss": round(info.uss / 2 ** 20, 1), "rss": round(info.rss / 2 ** 20, 1)})
        if total > self.peak["total"]:
            self.peak["total"], self.at_peak = total, rows

    def run(self) -> None:
        me = self.psutil.Process()
        while not self.stop.is_set():
            try:
                for worker in me.children():
                    self.sample(worker)
            except self.psutil.Error:
                pass
            time.sleep(self.interval)

    def result(self) -> dict:
        """The peaks, rounded to MiB, and the processes of the largest sample."""
        return {**{k: round(v) for k, v in self.peak.items()}, "at_peak": self.at_peak}

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
    args = parser.parse_args()
    os.environ["QUALITYLIB_CACHE"] = tempfile.mkdtemp(prefix="qlbench-cache-")
    from qualitylib.batch.runner import region_folder, run_region

    out = Path(args.out or tempfile.mkdtemp(prefix="qlbench-out-"))
    load = os.getloadavg()[0]
    with Peak() as peak:
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
