"""The region's report: the municipalities side by side, totals and the funnel of municipalities."""
from pathlib import Path

import numpy as np
import pytest

from qualitylib import load_region
from qualitylib.reports.region import REGION_COLUMNS, build_region_report, region_params
from qualitylib.rules.identification import low_results
from qualitylib.views.region import region_frame, region_sentences

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report():
    region = load_region(ROOT / "data" / "sample")
    params_of, problems = region_params(region)
    assert problems == {}
    return region, params_of, build_region_report(region, 2026, params_of)


def test_one_row_per_municipality_with_its_own_numbers(report):
    region, params_of, rep = report
    table = rep.table.set_index("municipality")
    assert list(rep.table.columns) == REGION_COLUMNS and list(table.index) == region.municipalities
    elista = table.loc["Элиста"]
    schools = region.subset("Элиста").schools
    assert elista["schools"] == len(schools)
    assert elista["shnor_share"] == pytest.approx(round(elista["shnor"] * 100 / elista["schools"], 1))
    assert elista["shnor_change"] == elista["shnor"] - elista["shnor_prev"]
    # pooled over the ШНОР rule's procedures with enough participants, with Элиста's own parameters
    flags = low_results(region.subset("Элиста").results, params_of["Элиста"], years=[2026])
    flags = flags[flags["has_data"]]
    assert elista["participants"] == flags["participants"].sum() and elista["low_count"] == flags["low_count"].sum()
    assert np.isnan(elista["objectivity_index"])  # the sample has no pupil-level file
    assert elista["indicators_met"] + elista["indicators_not_met"] <= elista["indicators_total"]


def test_totals_and_funnel_are_the_region_sums(report):
    _, _, rep = report
    for key in ("schools", "shnor", "shnor_prev", "risk", "shnsu", "participants", "low_count"):
        assert rep.totals[key] == rep.table[key].sum()
    assert rep.totals["share"] == pytest.approx(round(rep.totals["low_count"] * 100 / rep.totals["participants"], 1))
    assert len(rep.funnel) == len(rep.table)
    assert rep.funnel["p0"].iloc[0] == pytest.approx(rep.totals["low_count"] * 100 / rep.totals["participants"])
    assert set(rep.funnel["outside_998"]) <= {-1, 0, 1}


def test_views_word_the_report(report):
    _, _, rep = report
    frame = region_frame(rep)
    assert frame["municipality"].iloc[-1] == "Регион в целом" and len(frame) == len(rep.table) + 1
    assert frame["indicators"].iloc[-1] == "—" and " из " in frame["indicators"].iloc[0]
    text = " ".join(region_sentences(rep))
    assert f"ШНОР — {rep.totals['shnor']}" in text and "школ" in text
