"""The data paths beside their rivals, in one run (results tabled in benchmarks/README.md).

Usage::

    .venv/bin/python benchmarks/data.py [--src ../shared/real/altai-vpr] [--no-import]

Prints JSON:

* ``country``: the country of :func:`synthetic.country` (40,000 schools × 9 procedures ×
  3 years, ~1.08 M result rows), best of five runs each:
  ``identify_shnor`` (codes and numbers: counts, criteria, the ids of the low procedures) and
  the former version of it and of ``identify_risk`` (``tests/rules/reference_rules.py``),
  the same rule in polars (optional: ``pip install polars``; its table is converted from pandas
  before the clock starts, as a polars program would hold it), the Russian reasons
  (:func:`qualitylib.views.identification.shnor_reasons`) for the ШНОР of one municipality and
  for every ШНОР of the country, ``identify_risk`` and the social index;
* ``import``: the 16-file ФИС ОКО import with an empty cache in a fresh process, with 1 worker
  and with the default number (one per core), against reading the same 16 files with openpyxl
  in read-only mode (every row, values only) and with python-calamine; peak memory of each
  import process (the main process and its largest worker).
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import country  # noqa: E402

IMPORT = ("import json, resource, sys, time, tempfile, pathlib; t = time.perf_counter(); "
          "from qualitylib.data.fisoko import import_fisoko; "
          "out = pathlib.Path(tempfile.mkdtemp()) / 'r'; "
          "w = None if sys.argv[2] == 'default' else int(sys.argv[2]); "
          "r = import_fisoko(sys.argv[1], out, workers=w); s = time.perf_counter() - t; "
          "print(json.dumps({'s': s, 'files': len(r.files), "
          "'main_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
          "'worker_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))")


def best(func, repeats: int = 5) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        runs.append(time.perf_counter() - started)
    return min(runs)


def polars_shnor(pl, results, schools, year: int, params: dict):
    """The ШНОР rule in polars with the same output columns as ``identify_shnor``."""
    criteria = params["identification"]
    order = {a: i for i, a in enumerate(criteria["assessments"])}
    scaled = int(round(criteria["threshold_pct"] * 100))
    minimum = max(1, int(criteria["min_participants"]))
    frame = (results.lazy()
             .filter(pl.col("year").is_in([year - 1, year]))
             .with_columns(assessment=pl.concat_str([pl.col("procedure"), pl.col("subject"),
                                                     pl.col("grade").cast(pl.String)], separator="."))
             .filter(pl.col("assessment").is_in(list(order)))
             .with_columns(has_data=pl.col("participants") >= minimum,
                           order=pl.col("assessment").replace_strict(order, return_dtype=pl.Int32),
                           now=pl.col("year") == year)
             .with_columns(low=(pl.col("low_count") * 10_000 >= scaled * pl.col("participants"))
                           & (pl.col("participants") > 0) & pl.col("has_data"))
             .sort("order")
             .group_by("school_id")
             .agg(low_results=(pl.col("low") & pl.col("now")).sum(),
                  low_results_prev=(pl.col("low") & ~pl.col("now")).sum(),
                  assessed=(pl.col("has_data") & pl.col("now")).sum(),
                  assessed_prev=(pl.col("has_data") & ~pl.col("now")).sum(),
                  now_ids=pl.col("assessment").filter(pl.col("low") & pl.col("now")),
                  prev_ids=pl.col("assessment").filter(pl.col("low") & ~pl.col("now"))))
    counts = ["low_results", "low_results_prev", "assessed", "assessed_prev"]
    out = (schools.lazy().join(frame, on="school_id", how="left")
           .with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in counts])
           .with_columns(criterion_1=(pl.col("low_results") >= 2).cast(pl.Int64),
                         criterion_2=((pl.col("low_results") >= 1) & (pl.col("low_results_prev") >= 1)).cast(pl.Int64))
           .with_columns(shnor=(pl.col("criterion_1") | pl.col("criterion_2")).cast(pl.Int64))
           .with_columns(low_assessments=pl.when(pl.col("shnor") == 1).then(pl.col("now_ids").list.join(";"))
                         .otherwise(pl.lit("")),
                         low_assessments_prev=pl.when(pl.col("shnor") == 1).then(pl.col("prev_ids").list.join(";"))
                         .otherwise(pl.lit("")))
           .drop("now_ids", "prev_ids")
           .sort(["shnor", "low_results", "low_results_prev", "school_id"], descending=[True, True, True, False]))
    return out.collect()


def country_scale() -> dict:
    from qualitylib.data.params import load_params
    from qualitylib.rules.identification import identify_shnor, low_results
    from qualitylib.rules.risk import identify_risk
    from qualitylib.rules.social import social_index
    from qualitylib.views.identification import shnor_reasons

    schools, results, context = country()
    params = load_params()
    year = 2026
    table = identify_shnor(results, schools, year, params)
    detail = low_results(results, params, years=(year - 1, year))
    detail = detail[detail["low"]].assign(hidden=False)
    one = schools.loc[schools["municipality"] == schools["municipality"].iloc[0], "school_id"]
    shown = table[table["school_id"].isin(one)]
    out = {"result_rows": len(results), "schools": len(schools), "shnor": int(table["shnor"].sum()),
           "shown_schools_one_municipality": len(shown)}
    out["identify_shnor_s"] = best(lambda: identify_shnor(results, schools, year, params))
    out["reasons_one_municipality_s"] = best(lambda: shnor_reasons(shown, detail, year, params))
    out["reasons_every_shnor_s"] = best(lambda: shnor_reasons(table, detail, year, params), repeats=3)
    out["identify_risk_s"] = best(lambda: identify_risk(context, results, schools, year, params))
    # the former pandas version the rewrite must reproduce (kept for the tests), in the same run
    sys.path.insert(0, str(ROOT / "tests" / "rules"))
    import reference_rules as ref

    out["identify_shnor_before_s"] = best(lambda: ref.identify_shnor(results, schools, year, params), repeats=3)
    out["identify_risk_before_s"] = best(lambda: ref.identify_risk(context, results, schools, year, params), repeats=3)
    out["social_index_s"] = best(lambda: social_index(context, year, params))
    try:
        import polars as pl
    except ImportError:
        out["polars"] = "не установлен"
    else:
        pl_results, pl_schools = pl.from_pandas(results), pl.from_pandas(schools)
        theirs = polars_shnor(pl, pl_results, pl_schools, year, params).to_pandas()
        same = (theirs["school_id"].tolist() == table["school_id"].tolist()
                and all((theirs[c].astype(str).tolist() == table[c].astype(str).tolist())
                        for c in ("low_results", "low_results_prev", "assessed", "shnor", "low_assessments",
                                  "low_assessments_prev")))
        out["polars"] = pl.__version__
        out["polars_same_output"] = bool(same)
        out["polars_shnor_s"] = best(lambda: polars_shnor(pl, pl_results, pl_schools, year, params))
        out["identify_shnor_vs_polars"] = round(out["identify_shnor_s"] / out["polars_shnor_s"], 1)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def run_import(src: Path, workers: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QUALITYLIB_CACHE="0")
    done = subprocess.run([sys.executable, "-c", IMPORT, str(src), workers], env=env, check=True,
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_all(src: Path, reader: str) -> float:
    files = sorted(src.glob("20*/*/*.xlsx"))
    started = time.perf_counter()
    for path in files:
        if reader == "openpyxl":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            for _ in book.worksheets[0].iter_rows(values_only=True):
                pass
            book.close()
        else:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            book.get_sheet_by_index(0).to_python()
            book.close()
    return time.perf_counter() - started


def imports(src: Path) -> dict:
    sequential = run_import(src, "1")
    parallel = run_import(src, "default")
    openpyxl_s = read_all(src, "openpyxl")
    calamine_s = read_all(src, "calamine")
    return {"files": parallel["files"], "cores": len(os.sched_getaffinity(0)),
            "import_1_worker_s": round(sequential["s"], 1), "import_default_workers_s": round(parallel["s"], 1),
            "speedup": round(sequential["s"] / parallel["s"], 2),
            "openpyxl_read_only_all_files_s": round(openpyxl_s, 1), "calamine_all_files_s": round(calamine_s, 1),
            "import_vs_openpyxl": round(parallel["s"] / openpyxl_s, 3),
            "peak_mib_1_worker_main": round(sequential["main_mib"]),
            "peak_mib_default_main": round(parallel["main_mib"]), "peak_mib_default_worker": round(parallel["worker_mib"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", default=str(ROOT.parent / "shared" / "real" / "altai-vpr"))
    parser.add_argument("--no-import", action="store_true")
    args = parser.parse_args()
    report = {"country": country_scale()}
    src = Path(args.src)
    if not args.no_import and src.is_dir():
        report["import"] = imports(src)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
