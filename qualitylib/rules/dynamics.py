"""Dynamics of results: honest change between years (METHODOLOGY §4).

* Series of fail shares per school × assessment × year with Wilson 95 % intervals.
* Change between consecutive years with a two-proportion test (Fisher's exact test when
  an expected cell count is small, else a z-test), Benjamini–Hochberg q-values over the
  tested rows of one report and a verdict (q below ``alpha`` and a change of at least
  ``dynamics.min_change_pp``): ``improved``,
  ``no_change``, ``declined`` or ``insufficient_data`` (fewer than
  ``dynamics.min_participants`` in either year, or a missing year).
* The cohort ВПР grade 4 in ``Y − 1`` → grade 5 in ``Y`` (Norilsk 3.3.3).
* Norilsk shares 2.3.1 and 3.3.3 with numerator and denominator.
* The ГИА gap between the best and worst 10 % of schools (Chaa-Khol), mean-score trends
  of the municipality and its ШНОР (Elista).
* A status × change grid after the California School Dashboard, and funnel-plot limits.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .identification import assessment_ids
from .stats import (Overdispersion, adjusted_funnel_limits, benjamini_hochberg, funnel_limits, mantel_haenszel,
                    outside_adjusted_funnel, outside_funnel, overdispersion, two_proportion_test, verdict,
                    wilson_interval)

#: Codes of the groups of :func:`mean_score_trends`: all schools of the scope and its ШНОР.
TREND_GROUPS = ("all", "shnor")


def _with_assessment(results: pd.DataFrame) -> pd.DataFrame:
    frame = results.copy()
    frame["assessment"] = assessment_ids(frame).astype(str)
    return frame


def fail_series(results: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Fail share (percent) with its Wilson 95 % interval per school × assessment × year.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``school_id``, ``assessment``, ``participants``, ``low_count``, ``share``,
        ``share_lo``, ``share_hi`` (percent) and ``mean_score`` when given.
    """
    frame = _with_assessment(results[results["school_id"].isin(schools["school_id"])])
    frame = frame[frame["participants"] > 0]
    lo, hi = wilson_interval(frame["low_count"].to_numpy(), frame["participants"].to_numpy())
    out = frame[["year", "school_id", "assessment", "participants", "low_count"]].copy()
    out["share"] = frame["low_count"] * 100.0 / frame["participants"]
    out["share_lo"], out["share_hi"] = lo * 100, hi * 100
    out["mean_score"] = frame["mean_score"] if "mean_score" in frame else np.nan
    return out.sort_values(["school_id", "assessment", "year"]).reset_index(drop=True)


def changes(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """Change of every school × assessment from ``year − 1`` to ``year`` with a test and a verdict.

    Every row with at least ``dynamics.min_participants`` participants in both years is
    tested (:func:`~qualitylib.rules.stats.two_proportion_test`); the tested rows of the
    table (the school × assessment rows of one report) are one family, and their p-values
    are adjusted by Benjamini–Hochberg (:func:`~qualitylib.rules.stats.benjamini_hochberg`).
    A verdict ``improved`` / ``declined`` needs both ``q_value < dynamics.alpha`` and
    ``abs(change_pp) >= dynamics.min_change_pp``; a tested row that misses either is
    ``no_change``.

    Why both. Without the correction, about ``alpha × m`` of ``m`` tests come out
    "significant" when nothing has changed (77 of 1,537 in the sample region at 5 %); the
    correction keeps the expected share of false findings among the findings at ``alpha``.
    The practical threshold keeps a large school's statistically real but tiny change
    (2 pp of 300 pupils) from being called an improvement or a decline. Its default,
    5 percentage points, is half the federal ВПР rule (a rise of the share of «2» by
    10 pp or more is negative dynamics) and above the ±3 points that California's
    School Dashboard calls "maintained".

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``school_name``, ``municipality``, ``assessment``, ``procedure``,
        ``subject``, ``grade``, ``n_prev``, ``n_now``, ``share_prev``, ``share_now`` (percent),
        ``lo_prev``, ``hi_prev``, ``lo_now``, ``hi_now``, ``change_pp``, ``p_value`` (of the
        test alone), ``q_value`` (Benjamini–Hochberg over the tested rows; NaN for rows not
        tested), ``method`` (``fisher`` or ``z``), ``verdict``.
    """
    dp = params["dynamics"]
    series = fail_series(results[results["year"].isin([year - 1, year])], schools)
    prev = series[series["year"] == year - 1].set_index(["school_id", "assessment"])
    now = series[series["year"] == year].set_index(["school_id", "assessment"])
    keys = prev.index.union(now.index)
    prev, now = prev.reindex(keys), now.reindex(keys)
    out = pd.DataFrame(index=keys).reset_index()
    out["n_prev"], out["n_now"] = prev["participants"].to_numpy(), now["participants"].to_numpy()
    k_prev, k_now = prev["low_count"].to_numpy(dtype=float), now["low_count"].to_numpy(dtype=float)
    out["share_prev"], out["share_now"] = prev["share"].to_numpy(), now["share"].to_numpy()
    out["lo_prev"], out["hi_prev"] = prev["share_lo"].to_numpy(), prev["share_hi"].to_numpy()
    out["lo_now"], out["hi_now"] = now["share_lo"].to_numpy(), now["share_hi"].to_numpy()
    out["change_pp"] = out["share_now"] - out["share_prev"]
    n_prev = out["n_prev"].to_numpy(dtype=float)
    n_now = out["n_now"].to_numpy(dtype=float)
    p_value, method = two_proportion_test(k_prev, n_prev, k_now, n_now, exact_below=dp["exact_below"])
    out["p_value"], out["method"] = p_value, method
    out["q_value"] = _family_q(out, p_value, n_prev, n_now, dp["min_participants"])
    out["verdict"] = verdict(out["share_prev"].to_numpy(), out["share_now"].to_numpy(), out["q_value"].to_numpy(),
                             n_prev, n_now, alpha=dp["alpha"], min_n=dp["min_participants"],
                             min_change=dp["min_change_pp"])
    parts = out["assessment"].str.split(".", expand=True)
    out["procedure"], out["subject"], out["grade"] = parts[0], parts[1], parts[2].astype(int)
    out = out.merge(schools[["school_id", "school_name", "municipality"]], on="school_id", how="left")
    cols = ["school_id", "school_name", "municipality", "assessment", "procedure", "subject", "grade", "n_prev",
            "n_now", "share_prev", "share_now", "lo_prev", "hi_prev", "lo_now", "hi_now", "change_pp", "p_value",
            "q_value", "method", "verdict"]
    return out[cols]


def _family_q(table: pd.DataFrame, p_value: np.ndarray, n_prev: np.ndarray, n_now: np.ndarray,
              min_n: float) -> np.ndarray:
    """Benjamini–Hochberg q of the rows that get a verdict (enough pupils both years, p and shares known)."""
    with np.errstate(invalid="ignore"):
        tested = ((n_prev >= min_n) & (n_now >= min_n) & np.isfinite(p_value)
                  & table["share_prev"].notna().to_numpy() & table["share_now"].notna().to_numpy())
    return benjamini_hochberg(np.where(tested, p_value, np.nan))


def cohort(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """The same pupils a year later: ВПР grade 4 in ``year − 1`` → grade 5 in ``year`` (math, Russian).

    A school without grade 4 last year (or without grade 5 this year) gets
    ``insufficient_data``. The tested comparisons of the table are one family, corrected
    by Benjamini–Hochberg, and a verdict needs the practical threshold, as in :func:`changes`.

    Returns
    -------
    pandas.DataFrame
        One row per school × subject: ``n_prev``, ``share_prev`` (grade 4), ``n_now``,
        ``share_now`` (grade 5), ``change_pp``, ``fell`` (1 when the share fell at all),
        ``p_value``, ``q_value``, ``method``, ``verdict``.
    """
    dp = params["dynamics"]
    frame = results[results["school_id"].isin(schools["school_id"]) & (results["procedure"] == "vpr")
                    & results["subject"].isin(["math", "russian"])]
    g4 = frame[(frame["year"] == year - 1) & (frame["grade"] == 4)].set_index(["school_id", "subject"])
    g5 = frame[(frame["year"] == year) & (frame["grade"] == 5)].set_index(["school_id", "subject"])
    index = pd.MultiIndex.from_product([schools["school_id"], ["math", "russian"]], names=["school_id", "subject"])
    g4, g5 = g4.reindex(index), g5.reindex(index)
    out = pd.DataFrame(index=index).reset_index()
    n_prev = g4["participants"].to_numpy(dtype=float)
    n_now = g5["participants"].to_numpy(dtype=float)
    k_prev = g4["low_count"].to_numpy(dtype=float)
    k_now = g5["low_count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_prev"] = np.where(n_prev > 0, k_prev * 100 / n_prev, np.nan)
        out["share_now"] = np.where(n_now > 0, k_now * 100 / n_now, np.nan)
    out["n_prev"], out["n_now"] = n_prev, n_now
    out["change_pp"] = out["share_now"] - out["share_prev"]
    out["fell"] = (out["change_pp"] < 0).astype(int)
    p_value, method = two_proportion_test(k_prev, n_prev, k_now, n_now, exact_below=dp["exact_below"])
    out["p_value"], out["method"] = p_value, method
    out["q_value"] = _family_q(out, p_value, n_prev, n_now, dp["min_participants"])
    out["verdict"] = verdict(out["share_prev"].to_numpy(), out["share_now"].to_numpy(), out["q_value"].to_numpy(),
                             n_prev, n_now, alpha=dp["alpha"], min_n=dp["min_participants"],
                             min_change=dp["min_change_pp"])
    return out.merge(schools[["school_id", "school_name", "municipality"]], on="school_id", how="left")


def _indicator(indicator_id: str, numerator: int, denominator: int, untestable=np.nan, significant=np.nan) -> dict:
    value = round(numerator * 100.0 / denominator, 1) if denominator else np.nan
    return {"id": indicator_id, "numerator": int(numerator), "denominator": int(denominator), "value": value,
            "unit": "%", "untestable": untestable, "significant": significant}


def school_changes(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict,
                   assessments: list[str], school_ids=None) -> pd.DataFrame:
    """One change per school over a group of procedures, ``year − 1`` → ``year``, with one test.

    The procedures of the group (``assessments``) with at least
    ``dynamics.min_participants`` pupils in both years are the strata of one
    Cochran–Mantel–Haenszel test per school
    (:func:`~qualitylib.rules.stats.mantel_haenszel`, with continuity correction); the
    change is the Mantel–Haenszel common difference of the low share. The schools of the
    table are one family: their p-values are adjusted by Benjamini–Hochberg. The verdict
    follows :func:`~qualitylib.rules.stats.verdict`: ``improved`` / ``declined`` need
    ``q_value < dynamics.alpha`` and ``abs(change_pp) >= dynamics.min_change_pp``; a
    school without a procedure of the group testable in both years is ``insufficient_data``.

    Why one test. Calling a school "positive" when one of its up to eight procedures
    improved significantly and none declined gives 13–17 % of schools "positive dynamics"
    where nothing changed; one pooled test keeps the false rate at most ``alpha``.

    Parameters
    ----------
    results, schools : pandas.DataFrame
        RESULTS and SCHOOLS of the scope.
    year : int
        The later year.
    params : dict
        Parameters (``dynamics`` section).
    assessments : list of str
        Assessment codes of the group (``procedure.subject.grade``).
    school_ids : iterable of str, optional
        The schools judged (default: every school of ``schools``); they are the family.

    Returns
    -------
    pandas.DataFrame
        One row per school, in the order of ``school_ids``: ``school_id``, ``school_name``, ``procedures``
        (number of procedures tested), ``n_prev``, ``n_now`` (their pupils), ``share_prev``,
        ``share_now`` (pooled low share of those procedures, percent), ``change_pp`` (the
        common change, percentage points), ``p_value``, ``q_value``, ``verdict``.
    """
    dp = params["dynamics"]
    ids = list(schools["school_id"] if school_ids is None else school_ids)
    frame = _with_assessment(results[results["year"].isin([year - 1, year]) & results["school_id"].isin(ids)])
    frame = frame[frame["assessment"].isin(list(assessments))]
    keys = ["school_id", "assessment"]
    prev = frame[frame["year"] == year - 1].groupby(keys)[["participants", "low_count"]].sum()
    now = frame[frame["year"] == year].groupby(keys)[["participants", "low_count"]].sum()
    pair = prev.add_suffix("_prev").join(now.add_suffix("_now"), how="inner")
    pair = pair[(pair["participants_prev"] >= dp["min_participants"]) & (pair["participants_now"] >= dp["min_participants"])]
    out = pd.DataFrame({"school_id": ids})
    if pair.empty:
        test = pd.DataFrame(columns=["procedures", "n_prev", "n_now", "k_prev", "k_now", "change_pp", "p_value"])
    else:
        school = pair.index.get_level_values("school_id").to_numpy()
        mh = mantel_haenszel(pair["low_count_prev"].to_numpy(float), pair["participants_prev"].to_numpy(float),
                             pair["low_count_now"].to_numpy(float), pair["participants_now"].to_numpy(float), school)
        pooled = pair.groupby(level="school_id")[["low_count_prev", "low_count_now"]].sum().reindex(mh["group"])
        test = pd.DataFrame({"procedures": mh["strata"], "n_prev": mh["n1"], "n_now": mh["n2"],
                             "k_prev": pooled["low_count_prev"].to_numpy(), "k_now": pooled["low_count_now"].to_numpy(),
                             "change_pp": mh["risk_difference"] * 100, "p_value": mh["p_value"]},
                            index=pd.Index(mh["group"], name="school_id"))
    out = out.join(test, on="school_id")
    out["procedures"] = out["procedures"].fillna(0).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_prev"] = out["k_prev"] * 100 / out["n_prev"]
        out["share_now"] = out["k_now"] * 100 / out["n_now"]
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy(float))
    # the direction and the size are those of the common change, not of the pooled shares
    change = out["change_pp"].to_numpy(float)
    out["verdict"] = verdict(np.where(np.isfinite(change), 0.0, np.nan), change, out["q_value"].to_numpy(),
                             out["n_prev"].to_numpy(float), out["n_now"].to_numpy(float), alpha=dp["alpha"],
                             min_n=dp["min_participants"], min_change=dp["min_change_pp"])
    out = out.merge(schools[["school_id", "school_name"]], on="school_id", how="left")
    return out[["school_id", "school_name", "procedures", "n_prev", "n_now", "share_prev", "share_now", "change_pp",
                "p_value", "q_value", "verdict"]]


#: The groups of procedures Norilsk 2.3.1 judges a ШНОР over: indicator id and ``dynamics`` key.
POSITIVE_GROUPS = (("norilsk.2.3.1.1", "gia_math"), ("norilsk.2.3.1.2", "gia_russian"),
                   ("norilsk.2.3.1.3", "diagnostics"))


def group_changes(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict, school_ids) -> pd.DataFrame:
    """:func:`school_changes` of the given schools for each group of :data:`POSITIVE_GROUPS`.

    Each group is its own family (its own Benjamini–Hochberg correction over the schools),
    as each indicator counts its own verdicts.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`school_changes` and ``group`` (the ``dynamics`` key:
        ``gia_math``, ``gia_russian``, ``diagnostics``).
    """
    parts = [school_changes(results, schools, year, params, params["dynamics"][key], school_ids).assign(group=key)
             for _, key in POSITIVE_GROUPS]
    return pd.concat(parts, ignore_index=True)


def groups_without_results(results: pd.DataFrame, year: int, params: dict, school_ids) -> list[str]:
    """The groups of :data:`POSITIVE_GROUPS` (``dynamics`` keys) of which none of ``school_ids`` has a
    result with participants in ``year − 1`` or ``year`` (a region whose data hold no ГИА, say).

    Such a group is not "too few participants": there is nothing to test, and a report says so
    once instead of listing every school as untestable.
    """
    ids = list(school_ids)
    if not ids:
        return []
    frame = results[results["year"].isin([year - 1, year]) & results["school_id"].isin(ids)
                    & (results["participants"] > 0)]
    present = set(assessment_ids(frame).astype(str)) if len(frame) else set()
    return [key for _, key in POSITIVE_GROUPS if not present & set(params["dynamics"][key])]


def norilsk_231(group_table: pd.DataFrame, shnor_ids) -> pd.DataFrame:
    """Norilsk 2.3.1: shares of ШНОР with significant positive dynamics (ГИА math, ГИА Russian, diagnostics).

    A ШНОР has positive dynamics in a group of procedures when its one test over the group
    (:func:`school_changes`, given here as :func:`group_changes` of the ШНОР) finds a
    significant fall of the low share of at least ``dynamics.min_change_pp``. The
    denominator is every ШНОР; a ШНОР whose results cannot be tested (small groups,
    missing year) is counted in the denominator but not the numerator, and ``untestable``
    says how many such schools there are.

    Returns
    -------
    pandas.DataFrame
        One row per indicator (``norilsk.2.3.1.1`` ГИА math, ``.2`` ГИА Russian, ``.3``
        diagnostics): ``id``, ``numerator``, ``denominator``, ``value`` (percent, one
        decimal; NaN without ШНОР), ``unit``, ``untestable`` and ``significant`` (NaN here).
    """
    shnor_ids = list(shnor_ids)
    rows = []
    for indicator_id, key in POSITIVE_GROUPS:
        part = group_table[(group_table["group"] == key) & group_table["school_id"].isin(shnor_ids)]
        rows.append(_indicator(indicator_id, int((part["verdict"] == "improved").sum()), len(shnor_ids),
                               untestable=int((part["verdict"] == "insufficient_data").sum())
                               + len(set(shnor_ids) - set(part["school_id"]))))
    return pd.DataFrame(rows)


def norilsk_333(cohort_table: pd.DataFrame, results: pd.DataFrame, schools: pd.DataFrame, year: int) -> pd.DataFrame:
    """Norilsk 3.3.3: the grade 4 → 5 cohort and ОГЭ without failures, over all schools.

    «Снизился процент неудовлетворительных результатов» is read as written (any fall of the
    share); ``significant`` gives how many of those falls are statistically significant.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``norilsk.3.3.3.1`` / ``.2`` (cohort grade 4 in ``year − 1``
        → grade 5 in ``year``, math / Russian: schools whose share fell, of the schools with
        both years), ``norilsk.3.3.3.3`` / ``.4`` (ОГЭ Russian / math: schools without a
        failure, of the schools with participants); columns as in :func:`norilsk_231`,
        ``untestable`` NaN and ``significant`` NaN for the ОГЭ rows.
    """
    rows = []
    for indicator_id, subject in (("norilsk.3.3.3.1", "math"), ("norilsk.3.3.3.2", "russian")):
        part = cohort_table[(cohort_table["subject"] == subject) & cohort_table["change_pp"].notna()]
        significant = int((part["verdict"] == "improved").sum())
        rows.append(_indicator(indicator_id, int(part["fell"].sum()), len(part), significant=significant))
    oge = results[(results["year"] == year) & (results["procedure"] == "oge") & (results["participants"] > 0)
                  & results["school_id"].isin(schools["school_id"])]
    for indicator_id, subject in (("norilsk.3.3.3.3", "russian"), ("norilsk.3.3.3.4", "math")):
        part = oge[oge["subject"] == subject]
        rows.append(_indicator(indicator_id, int((part["low_count"] == 0).sum()), len(part)))
    return pd.DataFrame(rows)


def gia_gap(results: pd.DataFrame, schools: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Gap in mean ГИА score between the best and the worst ``gap_share_pct`` % of schools, per year.

    For every ГИА assessment and year, schools are ranked by their mean score; the gap is
    the mean of the top group minus the mean of the bottom group (each at least one school).

    Returns
    -------
    pandas.DataFrame
        ``assessment``, ``year``, ``schools``, ``top_mean``, ``bottom_mean``, ``gap``,
        ``gap_change`` (from the previous year) and ``target_met`` (1 when the gap shrank
        by at least ``gap_target_shrink``; NaN for the first year).
    """
    dp = params["dynamics"]
    gia = set(dp["gia_math"]) | set(dp["gia_russian"])
    frame = _with_assessment(results[results["school_id"].isin(schools["school_id"])])
    frame = frame[frame["assessment"].isin(gia) & frame["mean_score"].notna() & (frame["participants"] > 0)]
    frame = frame.sort_values(["assessment", "year", "mean_score"])
    size = frame.groupby(["assessment", "year"])["mean_score"].transform("size")
    rank = frame.groupby(["assessment", "year"]).cumcount()
    k = np.maximum(1, np.floor(size * dp["gap_share_pct"] / 100)).astype(int)
    frame["bottom"] = rank < k
    frame["top"] = rank >= size - k
    grouped = frame.groupby(["assessment", "year"])
    out = pd.DataFrame({
        "schools": grouped.size(),
        "top_mean": frame[frame["top"]].groupby(["assessment", "year"])["mean_score"].mean(),
        "bottom_mean": frame[frame["bottom"]].groupby(["assessment", "year"])["mean_score"].mean(),
    }).reset_index()
    out = out[out["schools"] >= 2]
    out["gap"] = (out["top_mean"] - out["bottom_mean"]).round(2)
    out["gap_change"] = out.groupby("assessment")["gap"].diff().round(2)
    out["target_met"] = np.where(out["gap_change"].isna(), np.nan,
                                 (out["gap_change"] <= -dp["gap_target_shrink"]).astype(float))
    return out.reset_index(drop=True)


def mean_score_trends(results: pd.DataFrame, schools: pd.DataFrame, shnor_ids, assessments=None) -> pd.DataFrame:
    """Participant-weighted mean score per year and assessment: all schools and the ШНОР (Elista).

    Returns
    -------
    pandas.DataFrame
        ``assessment``, ``year``, ``group`` (``all``: every school of ``schools``; ``shnor``: those
        in ``shnor_ids``; see :data:`TREND_GROUPS`), ``mean_score``, ``participants``.
    """
    frame = _with_assessment(results[results["school_id"].isin(schools["school_id"])])
    frame = frame[frame["mean_score"].notna() & (frame["participants"] > 0)]
    if assessments is not None:
        frame = frame[frame["assessment"].isin(list(assessments))]
    frame["points"] = frame["mean_score"] * frame["participants"]
    parts = []
    for group, part in zip(TREND_GROUPS, (frame, frame[frame["school_id"].isin(list(shnor_ids))])):
        agg = part.groupby(["assessment", "year"])[["points", "participants"]].sum().reset_index()
        agg["mean_score"] = (agg["points"] / agg["participants"]).round(2)
        agg["group"] = group
        parts.append(agg.drop(columns="points"))
    return pd.concat(parts, ignore_index=True)


def status_change_grid(change_table: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Status × change levels per school × assessment after the California School Dashboard.

    Status level 1..5 from this year's fail share by ``status_cuts`` (1: lowest share);
    change level 1..5 from the change in percentage points by ``change_cuts`` (1: strongest
    fall), set to 3 when the change is not statistically significant; the colour level
    1..5 (1: best … 5: needs the most attention) is read from ``grid[status − 1][change − 1]``.
    Rows with ``insufficient_data`` get no level.

    Returns
    -------
    pandas.DataFrame
        The change table plus ``status_level``, ``change_level`` and ``level`` (1..5, NaN
        without a level).
    """
    dp = params["dynamics"]
    out = change_table.copy()
    testable = out["verdict"] != "insufficient_data"
    status = np.digitize(out["share_now"].to_numpy(dtype=float), dp["status_cuts"], right=True) + 1
    change = np.digitize(out["change_pp"].to_numpy(dtype=float), dp["change_cuts"], right=True) + 1
    change = np.where(out["verdict"] == "no_change", 3, change)
    grid = np.array(dp["grid"])
    level = grid[np.clip(status, 1, 5) - 1, np.clip(change, 1, 5) - 1]
    out["status_level"] = np.where(testable, status, np.nan)
    out["change_level"] = np.where(testable, change, np.nan)
    out["level"] = np.where(testable, level, np.nan)
    return out


def funnel(results: pd.DataFrame, schools: pd.DataFrame, year: int, assessment: str,
           method: str = "additive") -> pd.DataFrame:
    """Funnel-plot data for one assessment and year: each school against the area's rate.

    The schools' spread around the pooled rate is tested for overdispersion
    (:func:`qualitylib.rules.stats.overdispersion`); when the schools differ more than chance
    allows, the flags are taken against the limits widened by ``method`` (the additive
    random-effects :math:`\\tau^2` by default), otherwise against the exact binomial limits.

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``school_name``, ``participants``, ``low_count``, ``share`` (percent),
        ``p0`` (the pooled rate, percent), ``outside_95``, ``outside_998`` (+1 above, −1 below,
        against the limits in use), ``exact_95``, ``exact_998`` (the same against the exact
        limits), and, the same on every row, ``phi``, ``tau2``, ``adjusted`` (1 when the limits
        are widened) and ``method``.
    """
    frame = _with_assessment(results[(results["year"] == year) & results["school_id"].isin(schools["school_id"])])
    frame = frame[(frame["assessment"] == assessment) & (frame["participants"] > 0)]
    out = funnel_units(frame[["school_id", "participants", "low_count"]], method)
    return out.merge(schools[["school_id", "school_name"]], on="school_id", how="left")


def funnel_units(units: pd.DataFrame, method: str = "additive") -> pd.DataFrame:
    """Funnel-plot data of any units with ``participants`` and ``low_count`` (schools, municipalities).

    The rate is the units' pooled rate; overdispersion and the flags as in :func:`funnel`.

    Returns
    -------
    pandas.DataFrame
        ``units`` (rows with participants) and the columns :func:`funnel` adds: ``share``,
        ``p0``, ``outside_95``, ``outside_998``, ``exact_95``, ``exact_998``, ``phi``,
        ``tau2``, ``adjusted``, ``method``.
    """
    out = units[units["participants"] > 0].copy()
    p0 = out["low_count"].sum() / out["participants"].sum() if len(out) else np.nan
    out["share"] = out["low_count"] * 100.0 / out["participants"]
    out["p0"] = p0 * 100
    k, n = out["low_count"].to_numpy(), out["participants"].to_numpy()
    dispersion = overdispersion(k, n, p0) if len(out) else Overdispersion.none()
    for level, confidence in (("95", 0.95), ("998", 0.998)):
        out[f"outside_{level}"] = outside_adjusted_funnel(k, n, p0, confidence, dispersion, method) if len(out) else []
        out[f"exact_{level}"] = outside_funnel(k, n, p0, confidence) if len(out) else []
    out["phi"] = dispersion.phi
    out["tau2"] = dispersion.tau2
    out["adjusted"] = int(dispersion.overdispersed)
    out["method"] = method
    return out


def funnel_dispersion(points: pd.DataFrame) -> Overdispersion:
    """The overdispersion estimate behind a :func:`funnel` table (recomputed from its counts)."""
    if points.empty:
        return Overdispersion.none()
    return overdispersion(points["low_count"].to_numpy(), points["participants"].to_numpy(),
                          points["p0"].iloc[0] / 100)


def funnel_curves(p0: float, n_max: int, points: int = 200, dispersion: Overdispersion | None = None,
                  method: str = "additive") -> pd.DataFrame:
    """The 95 % and 99.8 % limits (percent) over group sizes 1..``n_max`` for drawing (``points``
    sizes evenly spaced, and as many evenly spaced on a logarithmic scale).

    ``lo95``, ``hi95``, ``lo998``, ``hi998`` are the limits in use: widened for
    overdispersion by ``method`` when ``dispersion.overdispersed``, the exact binomial ones
    otherwise; ``*_exact`` columns always hold the exact limits.
    """
    dispersion = dispersion if dispersion is not None else Overdispersion.none()
    # evenly spaced on a linear and on a logarithmic scale: the curves are smooth on either axis
    # (the region's funnel draws its participants on a logarithmic one)
    n = np.unique(np.concatenate([np.linspace(1, max(2, n_max), points),
                                  np.geomspace(1, max(2, n_max), points)]).round().astype(int))
    columns = {"n": n}
    for level, confidence in (("95", 0.95), ("998", 0.998)):
        lo, hi = adjusted_funnel_limits(p0, n, confidence, dispersion, method)
        columns[f"lo{level}"], columns[f"hi{level}"] = lo * 100, hi * 100
    for level, confidence in (("95", 0.95), ("998", 0.998)):
        lo, hi = funnel_limits(p0, n, confidence)
        columns[f"lo{level}_exact"], columns[f"hi{level}_exact"] = lo * 100, hi * 100
    return pd.DataFrame(columns)
