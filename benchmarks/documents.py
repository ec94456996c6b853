"""CPU time of the cells that write Excel and Word (notebooks 01 and 04), printed as JSON.

    .venv/bin/python benchmarks/documents.py --data /tmp/altai --year 2021 \\
        --municipality "г. Барнаул" --municipality "Алейский район" [--before /tmp/base] [--rounds 5]

For each municipality the reports are built as the notebooks build them (``build_tasks``;
``present(build_identification(...))``), then each writer is timed with ``time.process_time``
(median of ``--rounds``): ``tasks_xlsx`` (:func:`~qualitylib.batch.excel.write_tasks_workbook`),
``tasks_docx`` (:func:`~qualitylib.batch.word.tasks_docx` with the score histograms),
``registry`` (:func:`~qualitylib.batch.excel.write_registry`) and ``ident_docx``
(:func:`~qualitylib.batch.word.identification_docx` with the social chart). A chart is drawn once
as the notebook shows it (a PNG at the figure's resolution) before the timed writer draws it again.

``--before`` names a folder holding another version's ``qualitylib`` package (e.g.
``git archive BASE qualitylib params notebooks | tar -x -C /tmp/base``, with
``qualitylib/defaults/params`` and ``notebooks`` linked to ``params`` and ``notebooks``); each
version runs in its own process, alternately, so that both meet the same machine load.
Set ``QUALITYLIB_CACHE`` to a folder of your own: the region's analysis is cached there.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r'''
import io, json, os, statistics, sys, tempfile, time
from pathlib import Path
base = os.environ.get("QL_BEFORE")
if base:  # the other version's package, not this checkout's editable install
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in str(getattr(f, "__module__", "")).lower()]
    sys.path.insert(0, base)
import matplotlib
matplotlib.use("Agg")
import qualitylib
from qualitylib import load_region
from qualitylib.batch.excel import write_registry, write_tasks_workbook
from qualitylib.batch.word import identification_docx, tasks_docx
from qualitylib.data.municipality import municipality_params
from qualitylib.reports.identification import build_identification
from qualitylib.reports.tasks import build_tasks
from qualitylib.views import charts
from qualitylib.views import tasks as task_views
from qualitylib.views.identification import present

data, year, muni, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
region = load_region(data)
params = municipality_params(muni, None, schools=region.schools, programme=None, known=region.municipalities)
t = build_tasks(region, muni, year, params)
ident = present(build_identification(region, muni, year, params))
mine = ident.social[ident.social["municipality"] == muni]
out = Path(tempfile.mkdtemp())

def shown(fig):
    if fig is not None:
        fig.savefig(io.BytesIO(), format="png", dpi=fig.dpi, bbox_inches=None, metadata={"Software": None})
    return fig

writers = {
    "tasks_xlsx": (lambda: None, lambda _: write_tasks_workbook(out / "tasks.xlsx", t)),
    "tasks_docx": (lambda: shown(task_views.histogram_chart(t)),
                   lambda fig: tasks_docx(out / "04_tasks.docx", region.name, t, fig)),
    "registry": (lambda: None, lambda _: write_registry(out / "registry.xlsx", ident.shnor, ident.risk, ident.pairs,
                                                         params, objectivity=ident.objectivity, social=mine)),
    "ident_docx": (lambda: shown(charts.social_scatter(ident.social, muni, ident.shnor_list["school_id"])),
                   lambda fig: identification_docx(out / "01_identification.docx", region.name, ident, fig)),
}
result = {"code": str(Path(qualitylib.__file__).parents[1]), "municipality": muni}
for name, (prepare, write) in writers.items():
    write(prepare())  # first call: imports and caches
    times = []
    for _ in range(rounds):
        arg = prepare()
        start = time.process_time()
        write(arg)
        times.append(time.process_time() - start)
    result[name] = round(statistics.median(times), 3)
result["load_average"] = round(os.getloadavg()[0], 2)
print(json.dumps(result, ensure_ascii=False))
'''


def run(code: str | None, data: str, year: int, municipality: str, rounds: int) -> dict:
    env = dict(os.environ)
    env.pop("QL_BEFORE", None)
    if code:
        env["QL_BEFORE"] = str(Path(code).resolve())
    done = subprocess.run([sys.executable, "-c", CHILD, data, str(year), municipality, str(rounds)], env=env,
                          check=True, capture_output=True, text=True, cwd=str(ROOT))
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--municipality", action="append", required=True)
    parser.add_argument("--before", help="folder with the other version's qualitylib package")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows = []
    for municipality in args.municipality:
        if args.before:
            rows.append({"version": "before", **run(args.before, args.data, args.year, municipality, args.rounds)})
        rows.append({"version": "after", **run(None, args.data, args.year, municipality, args.rounds)})
    print(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
