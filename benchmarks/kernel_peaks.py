"""The memory of each notebook's kernel for one municipality, sampled finely (results in benchmarks/README.md).

Usage::

    .venv/bin/python benchmarks/kernel_peaks.py DATA_DIR YEAR MUNICIPALITY [--interval 0.05]

Runs ``python -m qualitylib run`` for ``MUNICIPALITY`` with one worker, an empty cache and a new
output folder, and reads every process of the run every ``interval`` seconds (``/proc/PID/smaps_rollup``:
one read a process, :func:`region.rollup`, as ``benchmarks/region.py`` reads them). Prints JSON:
per kernel, in the order the worker started them (the municipality's notebooks, then the region's
report), its largest proportional set size (PSS) and its largest own pages (USS: private clean and
dirty), and the same for the worker and its kernel template; ``out``, the run's folder.

For the largest municipality of the Altai region of ``make real``::

    .venv/bin/python benchmarks/kernel_peaks.py data/real/altai 2021 "г. Барнаул"
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from region import Peak, rollup  # noqa: E402


def role(proc) -> str | None:
    """``kernel``, ``template`` (as :meth:`region.Peak.is_template` tells one) or ``worker`` (a spawned
    pool process), or ``None`` for another process."""
    from qualitylib.batch.warm import KERNEL_NAME

    if proc.name() == KERNEL_NAME:
        return "kernel"
    if Peak.is_template(proc):
        return "template"
    return "worker" if "spawn_main" in " ".join(proc.cmdline()) else None


def main() -> None:
    import psutil

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("year", type=int)
    parser.add_argument("municipality")
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args()

    out, cache = tempfile.mkdtemp(prefix="ql-kernels-out-"), tempfile.mkdtemp(prefix="ql-kernels-cache-")
    command = [sys.executable, "-m", "qualitylib", "run", "--data", args.data_dir, "--year", str(args.year),
               "--workers", "1", "--out", out, "--quiet", "--municipality", args.municipality]
    run = subprocess.Popen(command, env=dict(os.environ, QUALITYLIB_CACHE=cache), stdout=subprocess.DEVNULL)
    parent = psutil.Process(run.pid)
    seen: dict[int, dict] = {}
    started = time.perf_counter()
    while run.poll() is None:
        try:
            children = parent.children(recursive=True)
        except psutil.Error:
            children = []
        for proc in children:
            try:
                kind = role(proc)  # each time: a worker's fork becomes its template after a moment
            except psutil.Error:
                continue
            sample = rollup(proc.pid) if kind else None
            if sample is None:
                continue
            row = seen.setdefault(proc.pid, {"from_s": round(time.perf_counter() - started, 2), "pss": 0.0, "uss": 0.0})
            row["role"] = kind
            row["pss"], row["uss"] = max(row["pss"], sample["pss"]), max(row["uss"], sample["uss"])
            row["to_s"] = round(time.perf_counter() - started, 2)
        time.sleep(args.interval)

    manifest = next(Path(out).glob("*/*/manifest.json"), None)
    names: list[str] = []
    if manifest is not None:
        for row in json.loads(manifest.read_text(encoding="utf-8"))["municipalities"]:
            names += [entry["notebook"] for entry in row.get("notebooks") or []]
    kernels = [row for row in seen.values() if row["role"] == "kernel"]
    for number, row in enumerate(kernels):
        row["notebook"] = names[number] if number < len(names) else "region report"
    result = {"returncode": run.returncode, "interval_s": args.interval, "out": out,
              "processes": [{k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}
                            for row in seen.values()]}
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
