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

import numpy as np
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
    assessments = list(criteria["assessments"])
    ass = rule_codes(results, assessments)
    keep = ass >= 0
    if years is not None:
        keep &= np.isin(results["year"].to_numpy(), list(years))
    rows = np.flatnonzero(keep)
    frame = results[["year", "school_id", "participants", "low_count"]].take(rows).reset_index(drop=True)
    frame["assessment"] = pd.array(np.array(assessments, dtype=object)[ass[rows]], dtype="str")
    frame["has_data"] = frame["participants"] >= max(1, int(criteria["min_participants"]))
    frame["low"] = is_low(frame["low_count"], frame["participants"], criteria["threshold_pct"]) & frame["has_data"]
    share = frame["low_count"] * 100.0 / frame["participants"].where(frame["participants"] > 0)
    frame["share"] = share.where(frame["has_data"])
    cols = ["year", "school_id", "assessment", "participants", "low_count", "share", "has_data", "low"]
    return frame[cols]


def join_within(frame: pd.DataFrame, key: str, column: str, sep: str) -> pd.Series:
    """Join ``column`` of the rows of each ``key`` value with ``sep``, keeping row order.

    Returns a text Series (``str``) indexed by the distinct keys. Vectorised: the rows are spread into
    a keys × position table of objects (numpy, no per-key Python call), and its columns are
    concatenated, a handful of passes.
    """
    if frame.empty:
        return pd.Series(dtype=object)
    codes, keys = pd.factorize(frame[key], sort=True)
    texts = frame[column].astype(str).to_numpy(dtype=object)
    known = codes >= 0  # a missing key joins nothing
    codes, texts = codes[known], texts[known]
    order = np.argsort(codes, kind="stable")
    grouped = codes[order]
    counts = np.bincount(grouped, minlength=len(keys))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    position = np.arange(len(grouped)) - starts[grouped]
    wide = np.full((len(keys), max(1, int(counts.max(initial=0)))), None, dtype=object)
    wide[grouped, position] = texts[order]
    text = wide[:, 0].copy()
    for pos in range(1, wide.shape[1]):
        has = np.flatnonzero(counts > pos)
        text[has] = text[has] + sep + wide[has, pos]
    return pd.Series(text, index=pd.Index(keys, name=key), dtype="str")


def in_set(values: pd.Series, allowed) -> np.ndarray:
    """Whether each value is among ``allowed`` (a boolean array; missing values are not).

    The same as ``values.isin(allowed)``, but the column is factorised once and only its
    distinct values are looked up: for text columns this is ~20 × faster than
    :meth:`pandas.Series.isin` (which builds one Python object per allowed value). A
    :class:`pandas.Index` of distinct values is used as it is (see :func:`positions`).
    """
    codes, uniques = pd.factorize(values)
    known = allowed if isinstance(allowed, pd.Index) and allowed.is_unique else pd.Index(pd.unique(pd.Series(allowed)))
    hit = known.get_indexer(uniques) >= 0
    return np.append(hit, False)[codes]  # code -1 (a missing value) takes the appended False


def positions(values: pd.Series, targets) -> np.ndarray:
    """Position of each value in ``targets`` (distinct values), ``-1`` when absent; factorised as :func:`in_set`.

    ``targets`` may be a :class:`pandas.Index`: its hash table is built on the first lookup and
    kept, so a caller looking several columns up in the same ids pays for it once.
    """
    codes, uniques = pd.factorize(values)
    found = (targets if isinstance(targets, pd.Index) else pd.Index(targets)).get_indexer(uniques)
    return np.append(found, -1)[codes]  # code -1 (a missing value) takes the appended -1


def rule_codes(results: pd.DataFrame, assessments: list[str]) -> np.ndarray:
    """Position of each results row's assessment in ``assessments``, ``-1`` when it is not there.

    The ids come from :func:`assessment_ids` (categorical), so each distinct id is looked up
    once; a row missing its procedure, subject or grade has no assessment (``-1``).
    """
    missing = results[["procedure", "subject", "grade"]].isna().any(axis=1).to_numpy()
    out = np.full(len(results), -1, dtype=np.int64)
    ids = assessment_ids(results[~missing] if missing.any() else results).array
    out[~missing] = np.append(pd.Index(assessments).get_indexer(ids.categories), -1)[ids.codes]
    return out


def joined_codes(matrix: np.ndarray, labels: list[str], sep: str) -> np.ndarray:
    """Join the ``labels`` of the True cells of each row of a boolean matrix (object array).

    Each distinct row pattern is joined once (a few dozen patterns in practice) and mapped back.
    """
    if not len(matrix):
        return np.array([], dtype=object)
    if matrix.shape[1] <= 62:  # each row as the bits of one integer
        bits = matrix.astype(np.int64) @ (np.int64(1) << np.arange(matrix.shape[1], dtype=np.int64))
        patterns, inverse = np.unique(bits, return_inverse=True)
        texts = np.array([sep.join(label for k, label in enumerate(labels) if int(b) >> k & 1) for b in patterns],
                         dtype=object)
    else:
        rows, inverse = np.unique(matrix, axis=0, return_inverse=True)
        texts = np.array([sep.join(label for label, on in zip(labels, row) if on) for row in rows], dtype=object)
    return texts[np.asarray(inverse).ravel()]


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
        :func:`low_results`, for the schools a report shows.

    Notes
    -----
    Computed in integer codes: each results row gets the position of its school in
    ``schools`` and of its assessment in the parameters' list (one factorisation per text
    column), and the counts per school are :func:`numpy.bincount` sums; the id lists are
    joined once per distinct pattern of low assessments. The results key (year, school,
    assessment) is unique in validated data.
    """
    criteria = params["identification"]
    assessments = list(criteria["assessments"])
    n_ass = len(assessments)
    ids = pd.Index(schools["school_id"])
    n = len(ids)
    years = results["year"].to_numpy()
    current, previous = years == year, years == year - 1
    ass = rule_codes(results, assessments)
    school = positions(results["school_id"], ids)
    keep = np.flatnonzero((current | previous) & (ass >= 0) & (school >= 0))
    school, ass, now = school[keep], ass[keep], current[keep]
    participants = results["participants"].to_numpy()[keep]
    has_data = participants >= max(1, int(criteria["min_participants"]))
    low = np.asarray(is_low(results["low_count"].to_numpy()[keep], participants, criteria["threshold_pct"])) & has_data

    def per_school(mask: np.ndarray) -> np.ndarray:
        return np.bincount(school[mask], minlength=n).astype("int64")

    low_now, low_prev = per_school(low & now), per_school(low & ~now)
    out = schools[["school_id", "school_name", "municipality"]].copy()
    out["low_results"] = low_now
    out["low_results_prev"] = low_prev
    out["assessed"] = per_school(has_data & now)
    out["assessed_prev"] = per_school(has_data & ~now)
    cells_now = np.zeros((n, n_ass), dtype=bool)
    cells_prev = np.zeros((n, n_ass), dtype=bool)
    cells_now[school[low & now], ass[low & now]] = True
    cells_prev[school[low & ~now], ass[low & ~now]] = True
    criterion_1 = low_now >= 2
    if criteria["criterion_2"] == "same":
        criterion_2 = (cells_now & cells_prev).any(axis=1)
    else:
        criterion_2 = (low_now >= 1) & (low_prev >= 1)
    shnor = criterion_1 | criterion_2
    out["criterion_1"] = criterion_1.astype("int64")
    out["criterion_2"] = criterion_2.astype("int64")
    out["shnor"] = shnor.astype("int64")
    texts_now = np.full(n, "", dtype=object)
    texts_prev = np.full(n, "", dtype=object)
    texts_now[shnor] = joined_codes(cells_now[shnor], assessments, ";")
    texts_prev[shnor] = joined_codes(cells_prev[shnor], assessments, ";")
    out["low_assessments"] = pd.array(texts_now, dtype="str")
    out["low_assessments_prev"] = pd.array(texts_prev, dtype="str")
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
