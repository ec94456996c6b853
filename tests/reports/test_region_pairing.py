"""Leader pairs of the reports: capacity counted over the whole region, not per municipality."""
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from qualitylib import load_region
from qualitylib.data.params import find_municipality_params, load_params
from qualitylib.data.region import Region
from qualitylib.reports.identification import build_identification
from qualitylib.reports.school_card import build_school_card

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count"]


def two_municipalities(tmp_path) -> Region:
    """ШНОР A1, A2 in «А» and B1, B2 in «Б»; one leader L in «А» strong where all four are weak,
    and L2 in «Б» strong in one of their two weak assessments only."""
    rows = []
    for school in ("A1", "A2", "B1", "B2"):
        rows += [(2026, school, "vpr", "math", 5, 10, 5), (2026, school, "vpr", "russian", 5, 10, 5)]
    rows += [(2026, "L", "vpr", "math", 5, 20, 0), (2026, "L", "vpr", "russian", 5, 20, 0),
             (2026, "L2", "vpr", "math", 5, 20, 1)]
    results = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("mark3", "mark4", "mark5"):
        results[col] = pd.array([pd.NA] * len(results), dtype="Int64")
    results["mean_score"] = results["max_score"] = float("nan")
    ids = ["A1", "A2", "L", "B1", "B2", "L2"]
    schools = pd.DataFrame({"school_id": ids, "school_name": [f"Школа {i}" for i in ids],
                            "municipality": ["А", "А", "А", "Б", "Б", "Б"], "locality": "город",
                            "pupils_total": 300})
    sample = load_region(ROOT / "data" / "sample")
    return Region("Два муниципалитета", tmp_path, schools, results, sample.context.iloc[0:0].copy())


@pytest.fixture
def params():
    return load_params()


def test_capacity_counts_over_the_region(tmp_path, params):
    region = two_municipalities(tmp_path)
    assert params["pairing"]["max_per_leader"] == 2
    a = build_identification(region, "А", 2026, params, objectivity=False).pairs.set_index("school_id")
    b = build_identification(region, "Б", 2026, params, objectivity=False).pairs.set_index("school_id")
    # paired per municipality, «Б» would give L its A1 and A2 again plus B1 and B2 (4 > 2)
    load = Counter(pd.concat([a, b])["leader_id"].dropna())
    assert load["L"] == 2 and max(load.values()) <= 2
    assert a["leader_id"].tolist() == ["L", "L"] and (a["same_municipality"] == 1).all()
    # «Б» gets its own leader L2, which covers one of the two weak assessments
    assert b.loc[["B1", "B2"], "leader_id"].tolist() == ["L2", "L2"]
    assert b.loc["B1", "covered_codes"] == "vpr.math.5" and (b["note_code"] == "").all()
    # the whole region's report shows the same assignment
    whole = build_identification(region, None, 2026, params, objectivity=False).pairs.set_index("school_id")
    assert whole["leader_id"].to_dict() == {**a["leader_id"].to_dict(), **b["leader_id"].to_dict()}


def test_sample_no_leader_over_capacity_and_the_card_shows_the_report_pair():
    region = load_region(ROOT / "data" / "sample")
    load, reports = Counter(), {}
    for municipality in region.municipalities:
        params = load_params(find_municipality_params(municipality))
        pairs = build_identification(region, municipality, 2026, params, objectivity=False).pairs
        reports[municipality] = (params, pairs)
        load.update(pairs["leader_id"].dropna())
        cap = int(params["pairing"]["max_per_leader"])
    assert load and max(load.values()) <= cap
    # the school card of a ШНОР proposes the leader of its municipality's report
    for municipality, (params, pairs) in reports.items():
        for row in pairs.head(2).itertuples():
            card = build_school_card(region, row.school_id, 2026, params)
            assert card.pairs["leader_id"].tolist() == [row.leader_id]
