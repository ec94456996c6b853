"""Risk-zone schools (Norilsk programme 3.2): four areas, their triggers, deficits and recommendations.

| area | rule (default parameters) |
|---|---|
| 1 material base | at least one «no» among 1.1 internet, 1.2 computers, 1.3 five laboratories |
| 2 staff | 2.1 overloaded teachers > 10 %, or 2.2 teachers without a diploma in the subject > 0 % |
| 3 pupils | 3.1 + 3.2 + 3.3 + 3.4 > 10 % |
| 4 results | ВПР fail share ≥ 20 % in at least two of 4.1–4.4, or 4.5 failing pupils > 10 % |

Percentages are compared in hundredths of a percent (integers), so a sum of
3.3 + 3.3 + 3.4 is exactly 10 % and not 10.000000000000002 %.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .identification import in_set, is_low, join_within, rule_codes

#: The context columns of the five laboratories (risk area 1.3), in report order.
LABS = ("lab_physics", "lab_chemistry", "lab_biology", "lab_geography", "lab_technology")
PUPIL_COLUMNS = ("pupils_registered_pct", "pupils_disabled_pct", "pupils_nonnative_pct",
                 "pupils_absentee_pct")
#: Deficit codes in report order (their Russian names are in :mod:`qualitylib.views.identification`).
DEFICITS = ("internet", "computers", "labs", "overload", "unqualified", "pupils", "vpr", "failing")


def hundredths(pct: pd.Series) -> pd.Series:
    """Percent values as integer hundredths of a percent (NaN kept as <NA>)."""
    return np.round(pct.astype("float64") * 100).astype("Int64")


def join_labels(flags: pd.DataFrame, labels: dict[str, str], sep: str) -> pd.Series:
    """Join the labels of the True cells of each row with ``sep`` (vectorised).

    Rows are encoded as a bit pattern of their flags; each distinct pattern (at most
    2 ** columns, a few dozen in practice) is joined once and mapped back.
    """
    columns = list(flags.columns)
    bits = np.zeros(len(flags), dtype=np.int64)
    for k, col in enumerate(columns):
        bits |= flags[col].to_numpy(dtype=bool).astype(np.int64) << k
    patterns, which = np.unique(bits, return_inverse=True)
    text = np.array([sep.join(labels[c] for k, c in enumerate(columns) if int(b) >> k & 1) for b in patterns] or [""],
                    dtype=object)
    return pd.Series(text[which.reshape(-1)] if len(bits) else text[:0], index=flags.index, dtype=object)


def vpr_shares(results: pd.DataFrame, year: int, assessments: list[str], schools=None) -> pd.DataFrame:
    """ВПР results with participants per school for the risk area 4 assessments of ``year``.

    Rows keep the order of ``results``; ``schools`` (school ids), when given, restricts them.
    """
    of_year = results.take(np.flatnonzero((results["year"].to_numpy() == year)
                                          & (results["participants"].to_numpy() > 0)))
    ass = rule_codes(of_year, list(assessments))
    keep = ass >= 0
    if schools is not None:
        keep &= in_set(of_year["school_id"], schools)
    rows = np.flatnonzero(keep)
    frame = of_year[["school_id", "participants", "low_count"]].take(rows)
    frame.insert(1, "assessment", pd.array(np.array(list(assessments), dtype=object)[ass[rows]], dtype="str"))
    return frame


def high_vpr(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """The ВПР of risk area 4.1–4.4 whose fail share is at least ``risk.vpr_pct``, per school.

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``assessment``, ``participants``, ``low_count``, ``share`` (percent),
        sorted by school and assessment id.
    """
    rp = params["risk"]
    vpr = vpr_shares(results, year, rp["vpr_assessments"], schools["school_id"])
    high = vpr[is_low(vpr["low_count"].to_numpy(), vpr["participants"].to_numpy(), rp["vpr_pct"])].copy()
    high["share"] = high["low_count"] * 100.0 / high["participants"]
    return high.sort_values(["school_id", "assessment"], kind="mergesort").reset_index(drop=True)


def identify_risk(context: pd.DataFrame, results: pd.DataFrame, schools: pd.DataFrame,
                  year: int, params: dict) -> pd.DataFrame:
    """Flag risk-zone schools for ``year`` by the four areas.

    Parameters
    ----------
    context, results, schools : pandas.DataFrame
        Region (or municipality) tables.
    year : int
        Context year (October data) and ВПР year read.
    params : dict
        Validated parameters (``risk`` and ``recommendations`` sections).

    Returns
    -------
    pandas.DataFrame
        One row per school: ``area_material``, ``area_staff``, ``area_pupils``,
        ``area_results``, ``risk`` (0/1); the values that triggered them
        (``labs_codes`` — the laboratory columns without equipment, ``;``-separated —,
        ``teachers_overload_pct``, ``teachers_unqualified_pct``, ``pupils_sum_pct``,
        ``vpr_high_codes`` — the ids of :func:`high_vpr`, ``;``-separated —, ``vpr_high_count``,
        ``pupils_failing_pct``); ``has_context`` (0/1) and ``deficit_codes`` (codes of
        :data:`DEFICITS`, ``;``-separated). Their words and the recommendations are made by
        :mod:`qualitylib.views.identification`.
    """
    rp = params["risk"]
    base = schools[["school_id", "school_name", "municipality"]].set_index("school_id")
    ctx = context[context["year"] == year].set_index("school_id").reindex(base.index)
    has_context = ctx["internet"].notna()
    out = base.copy()
    out["has_context"] = has_context.astype("int64")

    # Area 1: material base
    internet_no = ctx["internet"].eq(0).fillna(False).astype(bool)
    computers_no = ctx["computers"].eq(0).fillna(False).astype(bool)
    labs_no = pd.DataFrame({col: ctx[col].eq(0).fillna(False).astype(bool) for col in LABS})
    out["labs_codes"] = join_labels(labs_no, {c: c for c in LABS}, ";")
    material = pd.DataFrame({"internet": internet_no, "computers": computers_no,
                             "labs": labs_no.any(axis=1)})
    out["area_material"] = material.any(axis=1).astype("int64")

    # Area 2: staff
    overload = hundredths(ctx["teachers_overload_pct"])
    unqualified = hundredths(ctx["teachers_unqualified_pct"])
    overload_flag = (overload > int(round(rp["overload_pct"] * 100))).fillna(False).astype(bool)
    unqualified_flag = (unqualified > int(round(rp["unqualified_pct"] * 100))).fillna(False).astype(bool)
    out["teachers_overload_pct"] = ctx["teachers_overload_pct"]
    out["teachers_unqualified_pct"] = ctx["teachers_unqualified_pct"]
    out["area_staff"] = (overload_flag | unqualified_flag).astype("int64")

    # Area 3: pupils
    pupils_sum = sum(hundredths(ctx[c]) for c in PUPIL_COLUMNS)
    pupils_flag = (pupils_sum > int(round(rp["pupils_pct"] * 100))).fillna(False).astype(bool)
    out["pupils_sum_pct"] = pupils_sum.astype("Float64") / 100
    out["area_pupils"] = pupils_flag.astype("int64")

    # Area 4: results
    high = high_vpr(results, schools, year, params)
    out["vpr_high_count"] = high.groupby("school_id").size().reindex(base.index).fillna(0).astype("int64")
    out["vpr_high_codes"] = join_within(high, "school_id", "assessment", ";").reindex(base.index).fillna("")
    failing = hundredths(ctx["pupils_failing_pct"])
    failing_flag = (failing > int(round(rp["failing_pct"] * 100))).fillna(False).astype(bool)
    vpr_flag = out["vpr_high_count"] >= int(rp["vpr_count"])
    out["pupils_failing_pct"] = ctx["pupils_failing_pct"]
    out["area_results"] = (vpr_flag | failing_flag).astype("int64")

    areas = ["area_material", "area_staff", "area_pupils", "area_results"]
    out["areas"] = out[areas].sum(axis=1).astype("int64")
    out["risk"] = (out["areas"] > 0).astype("int64")

    deficits = pd.DataFrame({
        "internet": internet_no, "computers": computers_no, "labs": labs_no.any(axis=1),
        "overload": overload_flag, "unqualified": unqualified_flag, "pupils": pupils_flag,
        "vpr": vpr_flag, "failing": failing_flag,
    }, index=base.index)
    out["deficit_codes"] = join_labels(deficits, {c: c for c in deficits}, ";")
    out = out.reset_index()
    return out.sort_values(["risk", "areas", "school_id"], ascending=[False, False, True],
                           kind="mergesort").reset_index(drop=True)
