"""Benchmark of the ВПР task analysis on the real region (Altai krai), printed as JSON.

    .venv/bin/python benchmarks/tasks.py [--src ../shared/real/altai-vpr] [--before ../main] [--rounds 3]

* ``import_cold``: ``import_fisoko`` of the 16 files with an empty cache (this checkout), and
  with ``--before`` the same with the code of another checkout (in a subprocess, alternating
  rounds, so both meet the same machine load); the issue asks for at most +20 %.
* ``analysis``: :func:`qualitylib.rules.tasks.task_analysis` (schools × tasks of the whole
  region for 2021) and :func:`qualitylib.rules.tasks.code_analysis` (content elements), median
  of five runs.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORT = ("import sys, time, tempfile, pathlib; t = time.perf_counter(); "
          "from qualitylib.data.fisoko import import_fisoko; "
          "out = pathlib.Path(tempfile.mkdtemp()) / 'r'; import_fisoko(sys.argv[1], out); "
          "print(time.perf_counter() - t)")


def cold_import(code_root: Path, src: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(code_root), QUALITYLIB_CACHE="0")
    done = subprocess.run([sys.executable, "-c", IMPORT, str(src)], env=env, check=True, capture_output=True,
                          text=True, cwd=tempfile.gettempdir())
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", default=str(ROOT.parent / "shared" / "real" / "altai-vpr"))
    parser.add_argument("--before", help="checkout with the code to compare the import with (e.g. ../main)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    src = Path(args.src)
    out: dict = {"import_cold_s": [], "import_cold_before_s": []}
    for _ in range(args.rounds):
        if args.before:
            out["import_cold_before_s"].append(round(cold_import(Path(args.before).resolve(), src), 2))
        out["import_cold_s"].append(round(cold_import(ROOT, src), 2))
    if args.before:
        out["import_ratio_median"] = round(statistics.median(out["import_cold_s"])
                                           / statistics.median(out["import_cold_before_s"]), 3)

    os.environ["QUALITYLIB_CACHE"] = "0"
    sys.path.insert(0, str(ROOT))
    from qualitylib.data.catalogue import read_catalogue
    from qualitylib.data.fisoko import import_fisoko
    from qualitylib.data.params import load_params
    from qualitylib.data.region import load_region
    from qualitylib.rules.tasks import code_analysis, task_analysis

    folder = Path(tempfile.mkdtemp()) / "altai"
    import_fisoko(src, folder)
    region = load_region(folder, use_cache=False)
    params, catalogue = load_params()["tasks"], read_catalogue()
    times, codes = [], []
    for _ in range(5):
        t = time.perf_counter()
        analysis = task_analysis(region.tasks, region.schools, params, 2021, catalogue.tasks)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        code_analysis(analysis, catalogue.codes, params)
        codes.append(time.perf_counter() - t)
    out.update({"tasks_rows": int(len(region.tasks)), "analysis_rows_2021": int(len(analysis)),
                "task_analysis_s": round(statistics.median(times), 3),
                "code_analysis_s": round(statistics.median(codes), 3),
                "deficits": int(analysis["deficit"].sum())})
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
