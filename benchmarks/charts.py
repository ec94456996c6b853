"""CPU time per chart figure as a notebook pays it: the chart function plus the image of the inline backend.

``python benchmarks/charts.py prepare DATA YEAR OUT.pkl [MUNICIPALITY ...]`` gathers what notebooks
01, 02 and 04 pass to the charts (per municipality) into a pickle; ``python benchmarks/charts.py time
OUT.pkl [--rounds N] [--png DIR]`` draws every figure N times with the ``qualitylib`` found on the path
and prints the median CPU time (``time.process_time``) per figure, chart and image apart (``png_s``,
``png_kib``: the inline backend's image, SVG with a ``qualitylib`` that shows SVG), as JSON. Run the
second step once with the code before a change (``PYTHONPATH=/tmp/base``) and once after.
"""
from __future__ import annotations

import json
import pickle
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace



def _inline() -> dict:
    """What ``charts.configure_inline`` tells the inline backend (it adds format, dpi and colours itself)."""
    from qualitylib.views import charts
    if hasattr(charts, "INLINE_FORMAT"):  # SVG since the eleventh round of issue 20
        return {"format": charts.INLINE_FORMAT, **charts.INLINE_SAVE}
    return {"format": "png", **getattr(charts, "INLINE_PNG", {"bbox_inches": None, "metadata": {"Software": None}})}


def prepare(data: str, year: int, out: str, municipalities: list[str]) -> None:
    from qualitylib import load_region
    from qualitylib.batch.interactive import report_sections
    from qualitylib.data.municipality import municipality_params

    region = load_region(data)
    inputs = {}
    for mun in municipalities:
        params = municipality_params(mun, None, schools=region.schools, known=region.municipalities)
        dyn = report_sections("dynamics", region, mun, year, params).state
        d, titles = dyn.d, dyn.titles
        schools = region.subset(mun).schools.query("school_id in @d.shnor_ids")
        slope = {f"{titles[a]}: {year - 1} → {year}": d.changes[d.changes["assessment"] == a]
                 for a in ["vpr.math.5", "vpr.russian.5", "oge.math.9", "oge.russian.9"]}
        funnel = []
        for a in ["vpr.math.5", "oge.math.9"]:
            points, curves = d.funnel_with_limits(region, a)
            if len(points):
                funnel.append((points, curves, f"{titles[a]}, {year}"))
        from qualitylib.views import dynamics as texts
        ident = report_sections("identification", region, mun, year, params).state.ident
        t = report_sections("tasks", region, mun, year, params).state.t
        inputs[mun] = {
            "social_scatter": ((ident.social, mun, ident.shnor_list["school_id"]), {}),
            "shnor_series_pages": ((d.series, schools, params["identification"]["assessments"],
                                    params["identification"]["threshold_pct"], titles), {}),
            "slope_charts": ((slope, year), {}),
            "funnel_charts": ((funnel,), {}),
            "gap_chart": ((texts.gap_table(d.gap),), {}),
            "mean_trend_chart": ((d.trends, titles), {}),
            "histogram_chart": ((SimpleNamespace(histograms=t.histograms, bounds=t.bounds),), {}),
        }
    Path(out).write_bytes(pickle.dumps(inputs))


def _function(name):
    from qualitylib.views import charts, tasks
    return getattr(tasks if name == "histogram_chart" else charts, name)


def _forget_texts() -> None:
    from qualitylib.views import charts
    getattr(charts, "_TEXT_CACHE", {}).clear()


def time_figures(path: str, rounds: int, png_dir: str | None) -> dict:
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    inputs = pickle.loads(Path(path).read_bytes())
    import gc
    gc.collect()
    gc.freeze()  # as in a kernel forked from its template: what it inherited is never visited
    inline = _inline()
    result = {}
    for mun, calls in inputs.items():
        for name, (args, kwargs) in calls.items():
            draw, png, sizes = [], [], []
            for k in range(rounds):
                _forget_texts()  # each notebook's kernel starts without kept texts
                t0 = time.process_time()
                out = _function(name)(*args, **kwargs)
                t1 = time.process_time()
                figs = [f for f in (out if isinstance(out, list) else [out]) if f is not None]
                images = []
                for fig in figs:
                    buf = BytesIO()
                    fig.savefig(buf, dpi=fig.dpi, facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor(),
                                **inline)
                    images.append(buf.getvalue())
                t2 = time.process_time()
                draw.append(t1 - t0)
                png.append(t2 - t1)
                sizes = [len(b) for b in images]
                if png_dir and k == 0:
                    for i, b in enumerate(images):
                        Path(png_dir, f"{mun}-{name}-{i}.png").write_bytes(b)
                plt.close("all")
            result[f"{mun} / {name}"] = {"figures": len(sizes), "chart_s": round(statistics.median(draw), 4),
                                         "png_s": round(statistics.median(png), 4),
                                         "total_s": round(statistics.median(d + p for d, p in zip(draw, png)), 4),
                                         "per_figure_s": round(statistics.median(d + p for d, p in zip(draw, png))
                                                               / max(1, len(sizes)), 4),
                                         "png_kib": round(sum(sizes) / 1024, 1)}
    return result


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
    else:
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
        png_dir = sys.argv[sys.argv.index("--png") + 1] if "--png" in sys.argv else None
        if png_dir:
            Path(png_dir).mkdir(parents=True, exist_ok=True)
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        print(json.dumps({"loadavg": load, "figures": time_figures(sys.argv[2], rounds, png_dir)},
                         ensure_ascii=False, indent=1))
