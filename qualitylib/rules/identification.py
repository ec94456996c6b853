"""Identification of schools with low educational results (ШНОР) by the federal rule.

Norilsk programme 2.1 (the same rule as the federal list): a procedure's result is
*low* when at least ``threshold_pct`` % of its participants got mark 2 (ВПР) or did
not reach the minimum score (ОГЭ, ЕГЭ). A school is ШНОР for year ``Y`` when

* criterion 1: it has low results in at least two procedures in ``Y``; or
* criterion 2: it has low results in at least one procedure in ``Y`` and in at least
  one in ``Y - 1`` (``criterion_2: same`` requires the same procedure both years).

Everything here is vectorised over the whole results table.
"""
from __future__ import annotations

import pandas as pd


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


def is_low(low_count, participants, threshold_pct: float):
    """Whether a result is low: ``low_count * 100 >= threshold_pct * participants``, exactly.

    The comparison is done in integers (the threshold scaled to hundredths of a percent),
    so 3 of 10 at 30 % is low and 29 of 100 is not; nothing rounds the wrong way.
    ``participants == 0`` is never low.

    Parameters
    ----------
    low_count, participants : int or array-like of int
    threshold_pct : float
        Threshold in percent with at most two decimals.
    """
    scaled = int(round(threshold_pct * 100))
    return (low_count * 10_000 >= scaled * participants) & (participants > 0)


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


def shnor_change(current: pd.DataFrame, previous: pd.DataFrame) -> dict:
    """Compare two ШНОР lists (outputs of :func:`identify_shnor`).

    Returns
    -------
    dict
        ``count``, ``count_prev``, ``entered`` and ``left`` (lists of school ids),
        ``stayed`` (list).
    """
    now = set(current.loc[current["shnor"] == 1, "school_id"])
    before = set(previous.loc[previous["shnor"] == 1, "school_id"])
    return {
        "count": len(now),
        "count_prev": len(before),
        "entered": sorted(now - before),
        "left": sorted(before - now),
        "stayed": sorted(now & before),
    }


def result_matrix(flags: pd.DataFrame, school_ids, assessments: list[str], value: str) -> pd.DataFrame:
    """School × assessment table of one column of :func:`low_results` (``share``, ``low``, ...).

    Rows follow ``school_ids``, columns the assessments of ``assessments`` that have rows at
    all (in that order); a cell without a row is NaN.
    """
    table = flags.pivot_table(index="school_id", columns="assessment", values=value, aggfunc="first")
    order = [a for a in assessments if a in table.columns]
    return table.reindex(index=list(school_ids), columns=order)


def fail_share_matrix(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """School × assessment table of fail shares (percent) for ``year``; NaN means no data.

    Rows are school ids in the order of ``schools``, columns assessment ids in the order of
    the parameters' assessment list (assessments without any row are left out).
    """
    flags = low_results(results, params, years=[year])
    flags = flags[flags["school_id"].isin(schools["school_id"])]
    return result_matrix(flags, schools["school_id"], params["identification"]["assessments"], "share")


#: Codes of :func:`reconcile_official`: where a school is listed.
RECONCILIATION = ("both", "computed_only", "official_only")

#: Why the rule does not select a school of the official list (:func:`reconcile_official`).
NOT_SELECTED = ("not_in_scope", "no_data", "no_low_results", "one_low_result", "low_one_year_only_prev")


def reconcile_official(shnor: pd.DataFrame, official: pd.DataFrame | None, year: int) -> pd.DataFrame | None:
    """The computed ШНОР list against the official one (ФИОКО or the region) of the same year.

    Parameters
    ----------
    shnor : pandas.DataFrame
        :func:`identify_shnor` for ``year`` (the scope's schools).
    official : pandas.DataFrame or None
        The OFFICIAL table (``year``, ``school_id``, optional ``source``).
    year : int

    Returns
    -------
    pandas.DataFrame or None
        ``None`` when there is no official list for ``year``. Else one row per school on either
        list: ``school_id``, ``school_name``, ``listed`` (:data:`RECONCILIATION`), ``source``,
        ``low_results``, ``low_results_prev``, ``assessed``, ``criterion_1``, ``criterion_2`` and
        ``not_selected`` -- for a school only on the official list, why the rule does not select it
        (:data:`NOT_SELECTED`: not among the scope's schools, no data in the year, no low result, one
        low result in the year and none the year before, low results the year before only);
        ``None`` otherwise. Ordered: both, computed only, official only.
    """
    if official is None or not len(official):
        return None
    mine = official[official["year"] == int(year)]
    if mine.empty:
        return None
    sources = (mine.groupby("school_id")["source"].first() if "source" in mine
               else pd.Series(dtype=object))
    on_official = set(mine["school_id"])
    table = shnor.set_index("school_id")
    computed = set(table.index[table["shnor"] == 1])
    rows = []
    for school in [*sorted(computed & on_official), *sorted(computed - on_official),
                   *sorted(on_official - computed)]:
        known = school in table.index
        row = table.loc[school] if known else None
        listed = ("both" if school in computed and school in on_official
                  else "computed_only" if school in computed else "official_only")
        reason = None
        if listed == "official_only":
            if not known:
                reason = "not_in_scope"
            elif int(row["assessed"]) == 0:
                reason = "no_data"
            elif int(row["low_results"]) == 0 and int(row["low_results_prev"]) == 0:
                reason = "no_low_results"
            elif int(row["low_results"]) == 1:
                reason = "one_low_result"
            else:
                reason = "low_one_year_only_prev"
        source = sources.get(school) if school in sources.index else None
        rows.append({
            "school_id": school, "school_name": row["school_name"] if known else None, "listed": listed,
            "source": None if source is None or pd.isna(source) else source,
            "low_results": int(row["low_results"]) if known else None,
            "low_results_prev": int(row["low_results_prev"]) if known else None,
            "assessed": int(row["assessed"]) if known else None,
            "criterion_1": int(row["criterion_1"]) if known else None,
            "criterion_2": int(row["criterion_2"]) if known else None,
            "not_selected": reason,
        })
    out = pd.DataFrame(rows, columns=["school_id", "school_name", "listed", "source", "low_results",
                                      "low_results_prev", "assessed", "criterion_1", "criterion_2", "not_selected"])
    out["not_selected"] = out["not_selected"].astype(object).where(out["not_selected"].notna(), None)
    return out
