"""The ШНОР rule and the risk zone as they were computed before the integer-code rewrite (issue 20).

Kept verbatim (pandas group-bys and ``isin`` on text columns) as the reference the rewritten
rules must reproduce exactly: ``tests/rules/test_rules_reference.py`` compares both on seeded
synthetic regions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from qualitylib.rules.identification import is_low
from qualitylib.rules.risk import LABS, PUPIL_COLUMNS, join_labels


def hundredths(pct: pd.Series) -> pd.Series:
    """Percent values as integer hundredths of a percent (NaN kept as <NA>)."""
    return np.round(pct.astype("float64") * 100).astype("Int64")


def assessment_ids(results: pd.DataFrame) -> pd.Series:
    """The assessment id ``procedure.subject.grade`` of every results row (categorical).

    Each column is factorised on its own and the codes combined, so a million rows cost
    three hash passes, not a million string concatenations.
    """
    p_codes, p_uniques = pd.factorize(results["procedure"])
    s_codes, s_uniques = pd.factorize(results["subject"])
    g_codes, g_uniques = pd.factorize(results["grade"])
    combined = (p_codes.astype("int64") * len(s_uniques) + s_codes) * len(g_uniques) + g_codes
    codes, combos = pd.factorize(combined)
    n_s, n_g = len(s_uniques), len(g_uniques)
    labels = [f"{p_uniques[c // (n_s * n_g)]}.{s_uniques[(c // n_g) % n_s]}.{int(g_uniques[c % n_g])}"
              for c in combos]
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels), index=results.index, name="assessment")


def low_results(results: pd.DataFrame, params: dict, years=None) -> pd.DataFrame:
    """Low-result flags per school × assessment × year for the counted assessments.

    Parameters
    ----------
    results : pandas.DataFrame
        The region's results table.
    params : dict
        Parameters (``identification`` section is used).
    years : iterable of int, optional
        Restrict to these years.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``school_id``, ``assessment``, ``participants``, ``low_count``,
        ``share`` (percent, NaN without data), ``has_data`` (participants ≥ minimum) and
        ``low`` (bool; never true without data).
    """
    criteria = params["identification"]
    frame = results[["year", "school_id", "participants", "low_count"]].copy()
    frame["assessment"] = assessment_ids(results)
    keep = frame["assessment"].isin(criteria["assessments"])
    if years is not None:
        keep &= frame["year"].isin(list(years))
    frame = frame[keep]
    frame["assessment"] = frame["assessment"].astype(str)
    frame["has_data"] = frame["participants"] >= max(1, int(criteria["min_participants"]))
    frame["low"] = is_low(frame["low_count"], frame["participants"], criteria["threshold_pct"]) & frame["has_data"]
    share = frame["low_count"] * 100.0 / frame["participants"].where(frame["participants"] > 0)
    frame["share"] = share.where(frame["has_data"])
    cols = ["year", "school_id", "assessment", "participants", "low_count", "share", "has_data", "low"]
    return frame[cols].reset_index(drop=True)


def join_within(frame: pd.DataFrame, key: str, column: str, sep: str) -> pd.Series:
    """Join ``column`` of the rows of each ``key`` value with ``sep``, keeping row order.

    Vectorised: rows are spread into columns by their position within the key and the
    columns are concatenated (a handful of passes instead of one Python call per group).
    """
    if frame.empty:
        return pd.Series(dtype=object)
    position = frame.groupby(key, sort=False).cumcount()
    wide = pd.DataFrame({"key": frame[key].to_numpy(), "pos": position.to_numpy(),
                         "text": frame[column].astype(str).to_numpy()}).pivot(index="key", columns="pos",
                                                                            values="text")
    text = wide[0].astype(object)
    for pos in wide.columns[1:]:
        nxt = wide[pos]
        text = text + (sep + nxt).where(nxt.notna(), "")
    return text


def identify_shnor(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """Apply the ШНОР rule for ``year`` to every school of ``schools``.

    Parameters
    ----------
    results, schools : pandas.DataFrame
        Tables of the region (or of one municipality).
    year : int
        The year whose list is built (criterion 2 also reads ``year - 1``).
    params : dict
        Validated parameters.

    Returns
    -------
    pandas.DataFrame
        One row per school: ``school_id``, ``school_name``, ``municipality``,
        ``low_results`` (low assessments in ``year``), ``low_results_prev`` (in
        ``year - 1``), ``assessed`` / ``assessed_prev`` (assessments with data),
        ``criterion_1``, ``criterion_2``, ``shnor`` (0/1), ``low_assessments`` and
        ``low_assessments_prev`` (the ШНОР's low assessment ids in ``year`` and ``year - 1``,
        ``;``-separated, in the order of the parameters' list; empty for other schools).
        Sorted ШНОР first. The reasons in words are made by
        :func:`qualitylib.views.identification.shnor_reasons` from these codes and
        :func:`low_results`.
    """
    flags = low_results(results, params, years=(year - 1, year))
    flags = flags[flags["school_id"].isin(schools["school_id"])]
    per_year = flags.groupby(["school_id", "year"]).agg(
        low=("low", "sum"), assessed=("has_data", "sum")).unstack("year", fill_value=0)

    def column(name, y):
        return per_year[(name, y)] if (name, y) in per_year.columns else 0

    out = schools[["school_id", "school_name", "municipality"]].copy().set_index("school_id")
    out["low_results"] = column("low", year)
    out["low_results_prev"] = column("low", year - 1)
    out["assessed"] = column("assessed", year)
    out["assessed_prev"] = column("assessed", year - 1)
    out = out.fillna({"low_results": 0, "low_results_prev": 0, "assessed": 0, "assessed_prev": 0})
    for col in ("low_results", "low_results_prev", "assessed", "assessed_prev"):
        out[col] = out[col].astype("int64")

    out["criterion_1"] = (out["low_results"] >= 2).astype("int64")
    if params["identification"]["criterion_2"] == "same":
        low = flags[flags["low"]]
        both = low.groupby(["school_id", "assessment"])["year"].nunique()
        same = set(both[both == 2].index.get_level_values("school_id"))
        out["criterion_2"] = out.index.isin(same).astype("int64")
    else:
        out["criterion_2"] = ((out["low_results"] >= 1) & (out["low_results_prev"] >= 1)).astype("int64")
    out["shnor"] = (out["criterion_1"] | out["criterion_2"]).astype("int64")

    low = flags[flags["low"] & flags["school_id"].isin(out.index[out["shnor"] == 1])].copy()
    order = {a: i for i, a in enumerate(params["identification"]["assessments"])}
    low["order"] = low["assessment"].map(order)
    low = low.sort_values(["school_id", "year", "order"])
    current = low[low["year"] == year]
    previous = low[low["year"] == year - 1]
    out["low_assessments"] = join_within(current, "school_id", "assessment", ";").reindex(out.index).fillna("")
    out["low_assessments_prev"] = (join_within(previous, "school_id", "assessment", ";")
                                   .reindex(out.index).fillna(""))
    out = out.reset_index()
    out = out.sort_values(["shnor", "low_results", "low_results_prev", "school_id"],
                          ascending=[False, False, False, True], kind="mergesort")
    return out.reset_index(drop=True)


def vpr_shares(results: pd.DataFrame, year: int, assessments: list[str]) -> pd.DataFrame:
    """ВПР fail shares (percent) and counts per school for the risk area 4 assessments."""
    frame = results[results["year"] == year].copy()
    frame["assessment"] = assessment_ids(frame)
    frame = frame[frame["assessment"].isin(assessments) & (frame["participants"] > 0)]
    frame["assessment"] = frame["assessment"].astype(str)
    return frame[["school_id", "assessment", "participants", "low_count"]]


def high_vpr(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """The ВПР of risk area 4.1–4.4 whose fail share is at least ``risk.vpr_pct``, per school.

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``assessment``, ``participants``, ``low_count``, ``share`` (percent),
        sorted by school and assessment id.
    """
    rp = params["risk"]
    vpr = vpr_shares(results, year, rp["vpr_assessments"])
    vpr = vpr[vpr["school_id"].isin(schools["school_id"])]
    high = vpr[is_low(vpr["low_count"], vpr["participants"], rp["vpr_pct"])].copy()
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
