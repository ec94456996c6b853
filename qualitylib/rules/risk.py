"""Risk-zone schools (Norilsk programme 3.2): four areas, their triggers, deficits and recommendations.

| area | rule (default parameters) |
|---|---|
| 1 material base | at least one «no» among 1.1 internet, 1.2 computers, 1.3 five laboratories |
| 2 staff | 2.1 overloaded teachers > 10 %, or 2.2 teachers without a diploma in the subject > 0 % |
| 3 pupils | 3.1 + 3.2 + 3.3 + 3.4 > 10 % |
| 4 results | ВПР fail share ≥ 20 % in at least two of 4.1–4.4, or 4.5 failing pupils > 10 % |

Percentages are compared in whole hundredths of a percent, so a sum of
3.3 + 3.3 + 3.4 is exactly 10 % and not 10.000000000000002 %.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .identification import in_set, is_low, join_within, positions, rule_codes

#: The context columns of the five laboratories (risk area 1.3), in report order.
LABS = ("lab_physics", "lab_chemistry", "lab_biology", "lab_geography", "lab_technology")
PUPIL_COLUMNS = ("pupils_registered_pct", "pupils_disabled_pct", "pupils_nonnative_pct",
                 "pupils_absentee_pct")
#: Deficit codes in report order (their Russian names are in :mod:`qualitylib.views.identification`).
DEFICITS = ("internet", "computers", "labs", "overload", "unqualified", "pupils", "vpr", "failing")


def hundredths(pct: pd.Series) -> np.ndarray:
    """Percent values in hundredths of a percent, rounded to whole numbers (a float array, NaN for missing):
    sums of whole numbers are exact, and a missing value compares false."""
    return np.round(pct.to_numpy(dtype="float64", na_value=np.nan) * 100)


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


def vpr_shares(results: pd.DataFrame, year: int, assessments: list[str], schools=None,
               rows: np.ndarray | None = None) -> pd.DataFrame:
    """ВПР results with participants per school for the risk area 4 assessments of ``year``.

    Rows keep the order of ``results``; ``schools`` (school ids), when given, restricts them;
    ``rows`` (positions in ``results``), when given, are the only rows looked at.
    """
    mask = (results["year"].to_numpy() == year) & (results["participants"].to_numpy() > 0)
    if rows is not None:
        rows = rows[mask[rows]]
    else:
        rows = np.flatnonzero(mask)
    # only the columns read, and the school only of the rows of these assessments: taking every column
    # of a million-row table costs more than the rule
    ass = rule_codes(results[["procedure", "subject", "grade"]].take(rows), list(assessments))
    rows, ass = rows[ass >= 0], ass[ass >= 0]
    frame = results[["school_id", "participants", "low_count"]].take(rows)
    if schools is not None:
        mine = in_set(frame["school_id"], schools)
        frame, ass = frame[mine], ass[mine]
    frame.insert(1, "assessment", pd.array(np.array(list(assessments), dtype=object)[ass], dtype="str"))
    return frame


def high_vpr(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """The ВПР of risk area 4.1–4.4 whose fail share is at least ``risk.vpr_pct``, per school.

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``assessment``, ``participants``, ``low_count``, ``share`` (percent),
        sorted by school and assessment id.

    Notes
    -----
    The share is compared first, in integers on the whole table; only the rows at or above the
    threshold are then matched to their assessment and school.
    """
    return _high_vpr(results, schools["school_id"], year, params["risk"])


def _high_vpr(results: pd.DataFrame, ids, year: int, rp: dict) -> pd.DataFrame:
    high_rows = np.flatnonzero(is_low(results["low_count"].to_numpy(), results["participants"].to_numpy(),
                                      rp["vpr_pct"]))
    high = vpr_shares(results, year, rp["vpr_assessments"], ids, rows=high_rows)
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
    ids = base.index  # every lookup below goes through its hash table, built once
    # each school's context row of the year, by position: no text index to build per column
    of_year = context.take(np.flatnonzero(context["year"].to_numpy() == year)).reset_index(drop=True)
    where = positions(of_year["school_id"], ids)
    row_of = np.full(len(schools), -1, dtype=np.int64)
    row_of[where[where >= 0]] = np.flatnonzero(where >= 0)
    ctx = of_year.drop(columns="school_id").reindex(row_of)  # -1: no context row, all NaN
    ctx.index = base.index
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
    overload_flag = hundredths(ctx["teachers_overload_pct"]) > int(round(rp["overload_pct"] * 100))
    unqualified_flag = hundredths(ctx["teachers_unqualified_pct"]) > int(round(rp["unqualified_pct"] * 100))
    out["teachers_overload_pct"] = ctx["teachers_overload_pct"]
    out["teachers_unqualified_pct"] = ctx["teachers_unqualified_pct"]
    out["area_staff"] = (overload_flag | unqualified_flag).astype("int64")

    # Area 3: pupils
    pupils_sum = sum(hundredths(ctx[c]) for c in PUPIL_COLUMNS)  # missing if one share is missing
    pupils_flag = pupils_sum > int(round(rp["pupils_pct"] * 100))
    out["pupils_sum_pct"] = pd.array(pupils_sum / 100, dtype="Float64")  # NaN: <NA>
    out["area_pupils"] = pupils_flag.astype("int64")

    # Area 4: results
    high = _high_vpr(results, ids, year, rp)
    count = np.bincount(positions(high["school_id"], ids) + 1, minlength=len(schools) + 1)
    out["vpr_high_count"] = count[1:].astype("int64")  # the first bin counts unknown schools (none here)
    codes = np.full(len(schools), "", dtype=object)
    joined = join_within(high, "school_id", "assessment", ";")
    at = positions(pd.Series(joined.index), ids)
    codes[at[at >= 0]] = joined.to_numpy(dtype=object)[at >= 0]
    out["vpr_high_codes"] = pd.Series(codes, index=base.index, dtype="str" if len(joined) else object)
    failing_flag = hundredths(ctx["pupils_failing_pct"]) > int(round(rp["failing_pct"] * 100))
    vpr_flag = out["vpr_high_count"].to_numpy() >= int(rp["vpr_count"])
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
    # risk and areas descending, then school id: the ids are unique, so this is the one order a stable
    # sort of the three columns gives; the ids' rank comes from one sort of the text column
    rank = np.empty(len(out), dtype=np.int64)
    rank[np.asarray(out["school_id"].argsort(kind="stable"))] = np.arange(len(out))
    order = np.lexsort((rank, -out["areas"].to_numpy(), -out["risk"].to_numpy()))
    return out.take(order).reset_index(drop=True)
