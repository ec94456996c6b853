"""Leader pairing «strong helps weak»: candidates, ranking and capacity."""
import pandas as pd
import pytest

from qualitylib.rules.identification import identify_shnor
from qualitylib.rules.pairing import leader_pairs
from qualitylib.data.params import load_params

COLUMNS = ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count"]


@pytest.fixture
def params():
    p = load_params()
    p["pairing"].update(max_per_leader=1, min_participants=10, leader_max_fail_pct=10)
    return p


def weak(school, year=2026):
    return [(year, school, "vpr", "math", 5, 10, 5), (year, school, "vpr", "russian", 5, 10, 5)]


def test_capacity_ranking_and_municipality_preference(params):
    rows = weak("W1") + weak("W2") + [(2026, "W3", "vpr", "math", 5, 20, 10), (2026, "W3", "oge", "math", 9, 20, 10)]
    rows += [
        (2026, "L1", "vpr", "math", 5, 20, 1), (2026, "L1", "vpr", "russian", 5, 20, 2),  # covers 2, same muni
        (2026, "L2", "vpr", "math", 5, 20, 0), (2026, "L2", "vpr", "russian", 5, 20, 0),  # covers 2, other muni
        (2026, "L3", "vpr", "math", 5, 9, 0),   # too few participants
        (2026, "L4", "vpr", "math", 5, 20, 3),  # 15 % > 10 %: not strong
    ]
    results = pd.DataFrame(rows, columns=COLUMNS)
    schools = pd.DataFrame({"school_id": ["W1", "W2", "W3", "L1", "L2", "L3", "L4"],
                            "school_name": ["W1", "W2", "W3", "L1", "L2", "L3", "L4"],
                            "municipality": ["М", "М", "М", "М", "Д", "М", "М"]})
    shnor = identify_shnor(results, schools, 2026, params)
    assert set(shnor.query("shnor == 1")["school_id"]) == {"W1", "W2", "W3"}
    pairs = leader_pairs(results, schools, shnor, 2026, params).set_index("school_id")
    # W1 and W2 (2 weak each, ordered by id) come first: W1 takes L1 (same municipality), W2 takes L2
    assert pairs.loc["W1", "leader_id"] == "L1" and pairs.loc["W1", "same_municipality"] == 1
    assert pairs.loc["W2", "leader_id"] == "L2" and pairs.loc["W2", "note_code"] == "other_municipality"
    assert pairs.loc["W1", "covered_count"] == 2
    # W3 is weak in vpr math 5 and oge math; every strong school is used up (capacity 1)
    assert pd.isna(pairs.loc["W3", "leader_id"])
    assert pairs.loc["W3", "note_code"] == "no_leader"


def test_larger_capacity_lets_a_leader_serve_two(params):
    params["pairing"]["max_per_leader"] = 2
    rows = weak("W1") + weak("W2") + [(2026, "L1", "vpr", "math", 5, 20, 0), (2026, "L1", "vpr", "russian", 5, 20, 0)]
    results = pd.DataFrame(rows, columns=COLUMNS)
    schools = pd.DataFrame({"school_id": ["W1", "W2", "L1"], "school_name": ["W1", "W2", "L1"],
                            "municipality": ["М"] * 3})
    pairs = leader_pairs(results, schools, identify_shnor(results, schools, 2026, params), 2026, params)
    assert pairs["leader_id"].tolist() == ["L1", "L1"]


def test_excluded_schools_never_lead(params):
    rows = weak("W1") + [(2026, "L1", "vpr", "math", 5, 20, 0)]
    results = pd.DataFrame(rows, columns=COLUMNS)
    schools = pd.DataFrame({"school_id": ["W1", "L1"], "school_name": ["W1", "L1"], "municipality": ["М"] * 2})
    shnor = identify_shnor(results, schools, 2026, params)
    pairs = leader_pairs(results, schools, shnor, 2026, params, exclude=["L1"])
    assert pairs["leader_id"].isna().all()
