"""Charts print legibly on A4: no wider than the printable width, no text under 8 pt, labels apart."""
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from qualitylib import load_region
from qualitylib.data.params import find_municipality_params, load_params
from qualitylib.reports.dynamics import build_dynamics
from qualitylib.reports.identification import build_identification
from qualitylib.views import charts
from qualitylib.views.charts import MIN_PRINT_PT, PRINT_HEIGHT_IN, PRINT_WIDTH_IN, _spread
from qualitylib.views.dynamics import gap_table
from qualitylib.views.identification import present
from qualitylib.views.labels import assessment_title

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def figures():
    region = load_region(ROOT / "data" / "sample")
    params = load_params(find_municipality_params("Полысаево"))
    ident = present(build_identification(region, "Полысаево", 2026, params))
    d = build_dynamics(region, "Полысаево", 2026, params)
    codes = params["identification"]["assessments"] + params["dynamics"]["diagnostics"]
    titles = {a: assessment_title(a) for a in codes}
    schools = region.subset("Полысаево").schools.query("school_id in @d.shnor_ids")
    funnels = []
    for a in ["vpr.math.5", "oge.math.9"]:
        points, curves = d.funnel_with_limits(region, a)
        funnels.append((points, curves, titles[a]))
    out = {
        "social": charts.social_scatter(ident.social, "Полысаево", ident.shnor_list["school_id"]),
        "series": charts.shnor_series(d.series, schools, params["identification"]["assessments"],
                                      params["identification"]["threshold_pct"], titles),
        "slopes": charts.slope_charts({titles[a]: d.changes[d.changes["assessment"] == a]
                                       for a in ["vpr.math.5", "vpr.russian.5", "oge.math.9", "oge.russian.9"]}, 2026),
        "funnel": charts.funnel_charts(funnels),
        "gap": charts.gap_chart(gap_table(d.gap)),
        "trends": charts.mean_trend_chart(d.trends, titles),
    }
    yield {k: v for k, v in out.items() if v is not None}
    plt.close("all")


def test_every_chart_prints_at_its_own_size_with_legible_text(figures):
    assert set(figures) >= {"social", "series", "slopes", "funnel"}
    for name, fig in figures.items():
        assert fig.get_figwidth() <= PRINT_WIDTH_IN + 1e-9, name
        assert fig.get_figheight() <= PRINT_HEIGHT_IN + 1.3 + 1e-9, name  # one page
        fig.canvas.draw()
        small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip() and t.get_fontsize() < MIN_PRINT_PT]
        assert small == [], name
        # decimal commas in every numeric tick label
        ticks = [t.get_text() for ax in fig.axes if ax.axison for t in ax.get_xticklabels() + ax.get_yticklabels()]
        assert not [t for t in ticks if "." in t], name


def test_labels_beside_lines_do_not_overlap():
    import pandas as pd

    # five significant changes ending within 4 p.p. of each other: their names would overlap
    changes = pd.DataFrame({"school_name": [f"МБОУ «Средняя общеобразовательная школа № {i}»" for i in range(5)],
                            "share_prev": [60.0, 58, 10, 12, 55], "share_now": [30.0, 31, 33, 29, 32],
                            "verdict": ["improved", "improved", "declined", "declined", "improved"]})
    fig = charts.slope_charts({"ВПР математика 5 кл.": changes}, 2026)
    fig.draw_without_rendering()
    ax = fig.axes[0]
    boxes = [t.get_window_extent() for t in ax.texts]
    assert len(boxes) == 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    # the legend sits under the axes, off every line and label
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 <= ax.get_window_extent().y0


def test_spread_keeps_the_gap_and_moves_as_little_as_needed():
    assert _spread([10.0, 50.0], gap=5) == [10.0, 50.0]
    assert _spread([10.0, 11.0, 12.0], gap=5) == [6.0, 11.0, 16.0]
    assert _spread([30.0, 10.0, 11.0], gap=4) == [30.0, 8.5, 12.5]
