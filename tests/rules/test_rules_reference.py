"""The integer-code ШНОР rule, risk zone and leader pairing give exactly what the former pandas versions gave.

The former implementations are kept in ``reference_rules.py`` and ``reference_pairing.py``; both run on seeded synthetic
regions that hold the awkward cases: results of schools outside the list, schools without any
result, zero participants, assessments the rule does not count, years outside the window, a
missing context row, a fractional threshold and a minimum of participants.
"""
import copy
import functools

import numpy as np
import pandas as pd
import pytest

import reference_pairing as ref_pairing
import reference_rules as ref
from qualitylib.data.params import load_params
from qualitylib.rules.identification import identify_shnor, in_set, low_results
from qualitylib.rules.pairing import leader_pairs
from qualitylib.rules.risk import high_vpr, identify_risk

ASSESSMENTS = [("vpr", "math", 4), ("vpr", "math", 5), ("vpr", "math", 6), ("vpr", "russian", 4),
               ("vpr", "russian", 5), ("vpr", "russian", 8), ("vpr", "math", 8), ("oge", "math", 9),
               ("oge", "russian", 9), ("ege", "russian", 11), ("vpr", "history", 7)]
YEARS = (2023, 2024, 2025, 2026)


@functools.lru_cache(maxsize=None)
def region(seed: int, n_schools: int = 300):
    """Schools, results and context of a synthetic region (some cells missing on purpose)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"S{i:04d}" for i in range(n_schools + 20)])  # the last 20 are not in the list
    schools = pd.DataFrame({"school_id": ids[:n_schools], "school_name": [f"Школа {i}" for i in ids[:n_schools]],
                            "municipality": rng.choice(["А", "Б", "В"], n_schools)})
    rows = []
    for school in ids:
        if rng.random() < 0.05:
            continue  # a school without any result
        quality = rng.uniform(0.0, 0.5)
        for year in YEARS:
            for proc, subj, grade in ASSESSMENTS:
                if rng.random() < 0.2:
                    continue
                n = int(rng.integers(0, 40))
                rows.append((year, school, proc, subj, grade, n, int(rng.binomial(n, quality))))
    results = pd.DataFrame(rows, columns=["year", "school_id", "procedure", "subject", "grade",
                                          "participants", "low_count"])
    results = results.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # no particular order
    ctx = []
    for school in ids:
        for year in YEARS:
            if rng.random() < 0.1:
                continue
            row = {"year": year, "school_id": school}
            for col in ("internet", "computers", "lab_physics", "lab_chemistry", "lab_biology", "lab_geography",
                        "lab_technology"):
                row[col] = int(rng.random() > 0.1)
            for col in ("teachers_overload_pct", "teachers_unqualified_pct", "pupils_registered_pct",
                        "pupils_disabled_pct", "pupils_nonnative_pct", "pupils_absentee_pct", "pupils_failing_pct"):
                row[col] = float(np.round(rng.choice([0.0, 3.3, 3.4, 10.0, rng.uniform(0, 15)]), 1))
            ctx.append(row)
    return schools, results, pd.DataFrame(ctx)


def variants():
    base = load_params()
    base["identification"]["assessments"] = [f"{p}.{s}.{g}" for p, s, g in ASSESSMENTS[1:10]]
    same = copy.deepcopy(base)
    same["identification"]["criterion_2"] = "same"
    strict = copy.deepcopy(base)
    strict["identification"].update(threshold_pct=27.5, min_participants=5)
    strict["risk"].update(vpr_pct=15.5, vpr_count=1)
    return {"any": base, "same": same, "strict": strict}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("variant", ["any", "same", "strict"])
@pytest.mark.parametrize("year", [2024, 2026])
def test_shnor_equals_reference(seed, variant, year):
    schools, results, _ = region(seed)
    params = variants()[variant]
    new = identify_shnor(results, schools, year, params)
    old = ref.identify_shnor(results, schools, year, params)
    pd.testing.assert_frame_equal(new, old)
    assert new["shnor"].sum() > 0  # the comparison covers selected schools, not only empty lists


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("variant", ["any", "strict"])
@pytest.mark.parametrize("year", [2025, 2026])
def test_risk_equals_reference(seed, variant, year):
    schools, results, context = region(seed)
    params = variants()[variant]
    pd.testing.assert_frame_equal(identify_risk(context, results, schools, year, params),
                                  ref.identify_risk(context, results, schools, year, params))
    pd.testing.assert_frame_equal(high_vpr(results, schools, year, params),
                                  ref.high_vpr(results, schools, year, params))


@pytest.mark.parametrize("years", [None, (2025, 2026), (2024, 2025, 2026)])
def test_low_results_equals_reference(years):
    schools, results, _ = region(4)
    params = variants()["strict"]
    pd.testing.assert_frame_equal(low_results(results, params, years=years),
                                  ref.low_results(results, params, years=years))


def test_rules_on_a_municipality_without_results():
    schools, results, context = region(5, n_schools=10)
    params = variants()["any"]
    empty = results.iloc[0:0]
    new, old = identify_shnor(empty, schools, 2026, params), ref.identify_shnor(empty, schools, 2026, params)
    # the one intended difference: without any ШНОР the former id columns were of dtype object, now text
    for col in ("low_assessments", "low_assessments_prev"):
        assert old[col].dtype == object and new[col].dtype == "str" and (new[col] == "").all()
        old[col] = old[col].astype("str")
    pd.testing.assert_frame_equal(new, old)
    pd.testing.assert_frame_equal(identify_risk(context, empty, schools, 2026, params),
                                  ref.identify_risk(context, empty, schools, 2026, params))


def test_in_set_is_isin():
    values = pd.Series(["a", "b", None, "c", "a", "d"], dtype="str")
    assert in_set(values, ["a", "d", "x"]).tolist() == [True, False, False, False, True, True]
    assert in_set(values, []).tolist() == [False] * 6
    assert in_set(values.iloc[0:0], ["a"]).tolist() == []


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("max_per_leader", [1, 2, 5])
def test_leader_pairs_equal_reference(seed, max_per_leader):
    schools, results, _ = region(seed)
    params = copy.deepcopy(variants()["any"])
    params["pairing"].update(max_per_leader=max_per_leader)
    shnor = identify_shnor(results, schools, 2026, params)
    exclude = list(schools["school_id"].iloc[:15])  # schools that may not lead
    for kwargs in ({}, {"exclude": exclude}):
        new = leader_pairs(results, schools, shnor, 2026, params, **kwargs)
        old = ref_pairing.leader_pairs(results, schools, shnor, 2026, params, **kwargs)
        pd.testing.assert_frame_equal(new, old)
        # the comparison covers chosen leaders, ШНОР left without one and leaders of another municipality
        assert (new["leader_id"].notna()).any()
        assert set(new["note_code"]) >= {"", "other_municipality"}
    if max_per_leader == 1:
        assert new["leader_id"].dropna().is_unique
