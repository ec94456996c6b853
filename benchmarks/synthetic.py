"""Synthetic country-scale tables for benchmarks (fast, vectorised, seeded)."""
from __future__ import annotations

import numpy as np
import pandas as pd

ASSESSMENTS = [("vpr", "math", 5), ("vpr", "math", 6), ("vpr", "russian", 5), ("vpr", "russian", 6),
               ("oge", "math", 9), ("oge", "russian", 9), ("ege", "math_base", 11), ("ege", "math_profile", 11),
               ("ege", "russian", 11)]
CONTEXT_FLAGS = ["internet", "computers", "lab_physics", "lab_chemistry", "lab_biology", "lab_geography",
                 "lab_technology"]
CONTEXT_PCT = ["teachers_overload_pct", "teachers_unqualified_pct", "pupils_registered_pct", "pupils_disabled_pct",
               "pupils_nonnative_pct", "pupils_absentee_pct", "pupils_failing_pct", "pupils_low_income_pct",
               "parents_higher_ed_pct", "pupils_single_parent_pct"]


def country(n_schools: int = 40_000, years=(2024, 2025, 2026), seed: int = 1, n_municipalities: int = 2300):
    """Schools, results (n_schools × 9 assessments × years rows) and context tables."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("S", np.arange(n_schools).astype(str))
    schools = pd.DataFrame({"school_id": ids, "school_name": np.char.add("Школа ", ids),
                            "municipality": np.char.add("М", (np.arange(n_schools) % n_municipalities).astype(str))})
    quality = rng.normal(0.1, 0.06, n_schools).clip(0.005, 0.8)
    n_years, n_ass = len(years), len(ASSESSMENTS)
    rows = n_schools * n_years * n_ass
    school_idx = np.repeat(np.arange(n_schools), n_years * n_ass)
    participants = rng.integers(0, 120, rows)
    low = rng.binomial(participants, np.clip(quality[school_idx] + rng.normal(0, 0.05, rows), 0, 1))
    year = np.tile(np.repeat(np.array(years), n_ass), n_schools)
    ass = np.tile(np.arange(n_ass), n_schools * n_years)
    results = pd.DataFrame({
        "year": year, "school_id": ids[school_idx],
        "procedure": np.array([a[0] for a in ASSESSMENTS])[ass],
        "subject": np.array([a[1] for a in ASSESSMENTS])[ass],
        "grade": np.array([a[2] for a in ASSESSMENTS])[ass],
        "participants": participants, "low_count": low,
    })
    ctx_rows = n_schools * n_years
    context = pd.DataFrame({"year": np.tile(np.array(years), n_schools), "school_id": np.repeat(ids, n_years)})
    for col in CONTEXT_FLAGS:
        context[col] = (rng.random(ctx_rows) > 0.05).astype(int)
    for col in CONTEXT_PCT:
        context[col] = rng.uniform(0, 15, ctx_rows).round(1)
    return schools, results, context
