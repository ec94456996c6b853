"""Warm kernels against ordinary ones, in one run (results tabled in benchmarks/README.md).

Usage::

    .venv/bin/python benchmarks/kernels.py [--rounds 2] [--workers 2]

Each round measures, alternating ordinary kernels (``QUALITYLIB_WARM_KERNELS=0``) and warm ones:

* the floor of :func:`batch.floor` (an empty notebook with every import statement of the reports,
  executed and converted to HTML by the runner, median of 10 after two warm-up notebooks);
* the sample region with ``--workers`` workers and empty caches: wall time and the median seconds
  per notebook;
* the memory of each worker: the largest sum over a worker, its template and its kernel of their
  proportional set sizes (PSS: pages a fork shares are counted once), sampled every 0.2 s, and the
  largest PSS of each of the three (``region.Peak``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch import batch, floor  # noqa: E402
from region import Peak  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in range(args.rounds):
            entry = {}
            for mode, label in (("0", "ordinary"), ("1", "warm")):
                os.environ["QUALITYLIB_WARM_KERNELS"] = mode
                entry[f"floor_{label}_s"] = round(floor(tmp / f"r{n}-{label}-floor", repeats=12), 2)
                with Peak() as memory:
                    wall, per_nb = batch(ROOT / "data" / "sample", tmp / f"r{n}-{label}" / "s", workers=args.workers)
                entry[f"sample_{label}_wall_s"] = round(wall, 1)
                entry[f"sample_{label}_per_notebook_median_s"] = round(statistics.median(s for _, s in per_nb), 2)
                entry[f"sample_{label}_peak_pss_per_worker_mib"] = memory.result()
            entry["floor_warm_vs_ordinary"] = round(entry["floor_warm_s"] / entry["floor_ordinary_s"], 2)
            entry["per_notebook_warm_vs_ordinary_floor"] = round(
                entry["sample_warm_per_notebook_median_s"] / entry["floor_ordinary_s"], 2)
            entry["sample_wall_warm_vs_ordinary"] = round(entry["sample_warm_wall_s"] / entry["sample_ordinary_wall_s"], 2)
            rounds.append(entry)
    print(json.dumps({"workers": args.workers, "notebooks": per_nb and len(per_nb), "rounds": rounds},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
