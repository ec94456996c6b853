"""What exactly the pupils cannot do: ВПР results by task, mastery by level, deficits of schools.

Input is the school-level ``tasks`` table of the data contract (sum of the scores of a
school's participants per task; no pupil's score) and, for the skill and the codes a task
checks, the task catalogue (:class:`qualitylib.data.catalogue.Catalogue`).

*Success* of a task for a group (school, municipality, region) is
``score_sum / (participants × max_score)``: the share of the attainable points the group
got, in percent. Its interval (:func:`task_analysis`) is the 95 % Wilson interval with
``n = participants`` and ``k = success × n``: each pupil contributes one value
``score / max_score`` in [0, 1], whose variance is at most ``p(1 − p)`` (Bhatia–Davis), so
the binomial interval over *pupils* is exact in spirit for one-point tasks and conservative
(too wide, never too narrow) for partial-credit tasks. Treating ``participants × max_score``
points as independent trials would be wrong: the points of one pupil on one task are not
independent, and the interval would be too narrow by up to ``√max_score``.

*Mastery* (ФИОКО, recommendations of 2026): a basic-level task is ``mastered`` when its
success is at least ``basic_mastered_pct`` (60 %), ``not_mastered`` below
``basic_not_mastered_pct`` (57 %), ``uncertain`` between; advanced and high-level tasks use
``advanced_mastered_pct`` / ``advanced_not_mastered_pct`` (30 % / 28.5 %); a level the
catalogue does not give is read as ``unknown_level``; groups under ``min_participants`` (10)
get ``insufficient_data``.

A *deficit* of a school is a task not mastered by the school **and** significantly below
the rest of the region (:func:`qualitylib.rules.stats.bounded_mean_below_test`, one-sided,
the school against the region without the school), with the false discovery rate controlled
at ``alpha`` across the tasks of one school's work (Benjamini–Hochberg,
:func:`qualitylib.rules.stats.benjamini_hochberg_by_group`). The same is done for the content
elements and requirements of the catalogue (:func:`code_analysis`), pooling the tasks that
check a code.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import benjamini_hochberg_by_group, bounded_mean_below_test, wilson_interval

#: Mastery codes, in the order of the reports.
MASTERY = ("mastered", "uncertain", "not_mastered", "insufficient_data")
LEVELS = ("basic", "advanced", "high", "unknown")
KEY = ["year", "procedure", "subject", "grade"]
#: Columns of :func:`task_analysis`.
COLUMNS = ["year", "school_id", "municipality", "assessment", "procedure", "subject", "grade", "position",
           "task", "level", "skill", "block", "participants", "score_sum", "max_score", "success_pct", "ci_low_pct",
           "ci_high_pct", "municipality_success_pct", "region_success_pct", "mastery", "p_value", "q_value",
           "deficit"]
_TOLERANCE = 1e-9


def _assessment(frame: pd.DataFrame) -> pd.Series:
    return (frame["procedure"].astype(str) + "." + frame["subject"].astype(str) + "."
            + frame["grade"].astype("int64").astype(str))


def thresholds(level: pd.Series, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Mastered-from and not-mastered-below thresholds (percent) of every task by its level code."""
    unknown = params.get("unknown_level", "basic")
    lv = level.fillna("unknown").astype(str).replace("unknown", unknown)
    basic = lv.eq("basic").to_numpy()
    mastered = np.where(basic, params["basic_mastered_pct"], params["advanced_mastered_pct"])
    not_mastered = np.where(basic, params["basic_not_mastered_pct"], params["advanced_not_mastered_pct"])
    return mastered.astype(float), not_mastered.astype(float)


def mastery(score_sum, capacity, participants, mastered_pct, not_mastered_pct, min_participants: int) -> np.ndarray:
    """Mastery code of each group: compares ``score_sum × 100`` with ``threshold × capacity``.

    ``capacity`` is ``participants × max_score`` (for an aggregate, the sum over its tasks).
    """
    s = np.asarray(score_sum, dtype=float) * 100.0
    cap = np.asarray(capacity, dtype=float)
    n = np.asarray(participants, dtype=float)
    hi = s >= np.asarray(mastered_pct) * cap - _TOLERANCE
    lo = s < np.asarray(not_mastered_pct) * cap - _TOLERANCE
    code = np.where(hi, "mastered", np.where(lo, "not_mastered", "uncertain"))
    return np.where((n < min_participants) | (cap <= 0), "insufficient_data", code).astype(object)


def with_catalogue(tasks: pd.DataFrame, catalogue_tasks: pd.DataFrame | None) -> pd.DataFrame:
    """The tasks table with ``position``, ``skill``, ``block`` and (where missing) ``level`` from the catalogue.

    Tasks the catalogue does not list keep their own level (``unknown`` when none), an empty
    skill and a position after the catalogued ones, in the order of the table. ``skill`` and
    ``block`` are categories: each text once, however many schools wrote the task (the Altai
    region's analysis: 105 -> 48 MiB); they compare, group and print as the texts do.
    """
    out = tasks.copy()
    if "level" not in out:
        out["level"] = pd.NA
    out["task"] = out["task"].astype(str)
    if catalogue_tasks is not None and len(catalogue_tasks):
        cat = catalogue_tasks[["year", "subject", "grade", "task", "position", "level", "skill", "block"]].rename(
            columns={"level": "level_catalogue"})
        cat = cat.assign(task=cat["task"].astype(str))
        out = out.merge(cat, on=["year", "subject", "grade", "task"], how="left")
        out["level"] = out["level"].astype("object").where(out["level"].notna(), out["level_catalogue"])
        out = out.drop(columns="level_catalogue")
    else:
        out["position"] = np.nan
        out["skill"] = ""
        out["block"] = ""
    order = out.groupby(KEY + ["school_id"], sort=False).cumcount() + 1000
    out["position"] = out["position"].fillna(order).astype("int64")
    # the catalogue's texts repeat on every school's row of a task: each is held once (categories)
    out["skill"] = out["skill"].fillna("").astype(str).astype("category")
    out["block"] = out["block"].fillna("").astype(str).astype("category")
    out["level"] = out["level"].fillna("unknown").astype(str)
    return out


def task_analysis(tasks: pd.DataFrame, schools: pd.DataFrame, params: dict, year: int | None = None,
                  catalogue_tasks: pd.DataFrame | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Success, mastery and deficits of every school × work × task.

    Parameters
    ----------
    tasks : pandas.DataFrame
        The ``tasks`` table of the **whole region** (the region's success is computed from it).
    schools : pandas.DataFrame
        ``school_id`` and ``municipality``.
    params : dict
        The ``tasks`` section of the methodology parameters.
    year : int, optional
        Only this year.
    catalogue_tasks : pandas.DataFrame, optional
        :attr:`Catalogue.tasks` (position, level, skill).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, sorted by year, municipality, school, assessment and position.
        ``success_pct`` and its interval are in percent; ``p_value`` tests the school below the
        rest of the region; ``q_value`` is its Benjamini–Hochberg adjustment over the tasks of
        the school's work; ``deficit`` is 1 where the task is ``not_mastered`` and
        ``q_value < alpha``.
    """
    frame = tasks if year is None else tasks[tasks["year"] == year]
    frame = with_catalogue(frame, catalogue_tasks)
    muni = schools.set_index("school_id")["municipality"]
    frame["municipality"] = frame["school_id"].map(muni)
    frame["assessment"] = _assessment(frame)
    cap = frame["participants"].to_numpy(dtype=float) * frame["max_score"].to_numpy(dtype=float)
    frame["capacity"] = cap
    keys = KEY + ["task"]
    region = frame.groupby(keys, sort=False)[["score_sum", "capacity", "participants"]].transform("sum")
    municipal = frame.groupby(keys + ["municipality"], sort=False, dropna=False)[["score_sum", "capacity"]].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        success = frame["score_sum"].to_numpy(dtype=float) / cap
        rest_cap = region["capacity"].to_numpy(dtype=float) - cap
        rest = (region["score_sum"].to_numpy(dtype=float) - frame["score_sum"].to_numpy(dtype=float)) / rest_cap
        frame["success_pct"] = 100 * success
        frame["municipality_success_pct"] = 100 * municipal["score_sum"].to_numpy(dtype=float) / municipal["capacity"].to_numpy(dtype=float)
        frame["region_success_pct"] = 100 * region["score_sum"].to_numpy(dtype=float) / region["capacity"].to_numpy(dtype=float)
    n = frame["participants"].to_numpy(dtype=float)
    low, high = wilson_interval(success * n, n, confidence)
    frame["ci_low_pct"], frame["ci_high_pct"] = 100 * low, 100 * high
    mastered_pct, not_mastered_pct = thresholds(frame["level"], params)
    frame["mastery"] = mastery(frame["score_sum"], cap, n, mastered_pct, not_mastered_pct,
                               params["min_participants"])
    testable = (frame["mastery"] != "insufficient_data").to_numpy()
    rest_n = region["participants"].to_numpy(dtype=float) - n
    p = bounded_mean_below_test(success, n, rest, rest_n)
    frame["p_value"] = np.where(testable, p, np.nan)
    family = frame.groupby(["school_id"] + KEY, sort=False).ngroup().to_numpy()
    frame["q_value"] = benjamini_hochberg_by_group(frame["p_value"].to_numpy(), family)
    frame["deficit"] = ((frame["mastery"] == "not_mastered") & (frame["q_value"] < params["alpha"])).astype("int64")
    frame = frame.sort_values(["year", "municipality", "school_id", "procedure", "subject", "grade", "position"],
                              kind="stable")
    return frame[COLUMNS].reset_index(drop=True)


def code_analysis(analysis: pd.DataFrame, codes: pd.DataFrame, params: dict, kind: str = "element",
                  confidence: float = 0.95) -> pd.DataFrame:
    """Success, mastery and deficits of every school × work × content element (or requirement).

    The tasks that check a code (:attr:`Catalogue.codes`, ``kind`` ``element`` or
    ``requirement``) are pooled: success = sum of their scores / sum of their
    ``participants × max_score``; its mastery thresholds are those of the tasks weighted by
    their maxima; the test and the Benjamini–Hochberg family (the codes of one school's work)
    are as in :func:`task_analysis`. ``analysis`` must hold the whole region.

    Returns
    -------
    pandas.DataFrame
        year, school_id, municipality, assessment, code, title, tasks (task numbers joined by
        ``", "``), participants, score_sum, capacity, success_pct, region_success_pct,
        mastery, p_value, q_value, deficit.
    """
    picked = codes[codes["kind"] == kind][["year", "subject", "grade", "task", "code", "title"]]
    if picked.empty or analysis.empty:
        return pd.DataFrame(columns=["year", "school_id", "municipality", "assessment", "code", "title", "tasks",
                                     "participants", "score_sum", "capacity", "success_pct", "region_success_pct",
                                     "mastery", "p_value", "q_value", "deficit"])
    # only the columns read below: the analysis carries long texts (skill, block) that a row per
    # task × code would copy (the Altai region: 95,000 rows become 192,000)
    needed = ["year", "school_id", "municipality", "assessment", "subject", "grade", "task", "level",
              "participants", "score_sum", "max_score"]
    rows = analysis[needed].merge(picked.assign(task=picked["task"].astype(str)), on=["year", "subject", "grade", "task"])
    mastered_pct, not_mastered_pct = thresholds(rows["level"], params)
    rows["capacity"] = rows["participants"] * rows["max_score"]
    rows["w_mastered"] = mastered_pct * rows["max_score"]
    rows["w_not"] = not_mastered_pct * rows["max_score"]
    keys = ["year", "school_id", "municipality", "assessment", "code"]
    out = rows.groupby(keys, sort=False, dropna=False).agg(
        participants=("participants", "max"), score_sum=("score_sum", "sum"), capacity=("capacity", "sum"),
        w_mastered=("w_mastered", "sum"), w_not=("w_not", "sum"), weight=("max_score", "sum")).reset_index()
    labels = rows.drop_duplicates(["year", "assessment", "code", "task"]).groupby(
        ["year", "assessment", "code"], sort=False).agg(title=("title", "first"), tasks=("task", ", ".join))
    out = out.join(labels, on=["year", "assessment", "code"])
    region = out.groupby(["year", "assessment", "code"], sort=False)[["score_sum", "capacity", "participants"]].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        success = out["score_sum"] / out["capacity"]
        rest = (region["score_sum"] - out["score_sum"]) / (region["capacity"] - out["capacity"])
        out["success_pct"] = 100 * success
        out["region_success_pct"] = 100 * region["score_sum"] / region["capacity"]
    out["mastery"] = mastery(out["score_sum"], out["capacity"], out["participants"], out["w_mastered"] / out["weight"],
                             out["w_not"] / out["weight"], params["min_participants"])
    p = bounded_mean_below_test(success, out["participants"], rest, region["participants"] - out["participants"])
    out["p_value"] = np.where(out["mastery"] != "insufficient_data", p, np.nan)
    family = out.groupby(["year", "school_id", "assessment"], sort=False).ngroup().to_numpy()
    out["q_value"] = benjamini_hochberg_by_group(out["p_value"].to_numpy(), family)
    out["deficit"] = ((out["mastery"] == "not_mastered") & (out["q_value"] < params["alpha"])).astype("int64")
    columns = ["year", "school_id", "municipality", "assessment", "code", "title", "tasks", "participants",
               "score_sum", "capacity", "success_pct", "region_success_pct", "mastery", "p_value", "q_value", "deficit"]
    return out[columns]


def success_reference(analysis: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """What :func:`group_success` takes from the whole region: its totals and task numbers by ``by``.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.Series)
        score_sum and capacity of the region by ``by``; the task numbers of each ``by`` group,
        joined by ``", "`` in their order in ``analysis``.
    """
    frame = analysis.assign(capacity=analysis["participants"] * analysis["max_score"])
    totals = frame.groupby(by, sort=False, dropna=False)[["score_sum", "capacity"]].sum()
    labels = frame.drop_duplicates([*by, "task"]).groupby(by, sort=False, dropna=False)["task"].agg(", ".join)
    return totals, labels.rename("tasks")


def group_success(analysis: pd.DataFrame, by: list[str], group: str = "school_id",
                  reference: tuple[pd.DataFrame, pd.Series] | None = None) -> pd.DataFrame:
    """Success of each group (``group``: ``school_id`` or ``municipality``) by ``by`` (e.g. skill), against the region.

    Parameters
    ----------
    reference : tuple, optional
        :func:`success_reference` of the whole region; then ``analysis`` may hold only the rows
        of the groups wanted (one municipality's schools), and each group's row is the same as
        from the whole region's rows. Default: the region is ``analysis``.

    Returns
    -------
    pandas.DataFrame
        ``[group, *by]``, participants (the largest of the tasks), score_sum, capacity,
        success_pct, region_success_pct, gap_pp (group − region, percentage points) and
        tasks (the task numbers, joined by ``", "``).
    """
    region, labels = reference if reference is not None else success_reference(analysis, by)
    frame = analysis.assign(capacity=analysis["participants"] * analysis["max_score"])
    out = frame.groupby([group, *by], sort=False, dropna=False).agg(
        participants=("participants", "max"), score_sum=("score_sum", "sum"),
        capacity=("capacity", "sum")).reset_index()
    out = out.join(labels, on=by)
    ref = region.reindex(pd.MultiIndex.from_frame(out[by]) if len(by) > 1 else out[by[0]])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["success_pct"] = 100 * out["score_sum"] / out["capacity"]
        out["region_success_pct"] = 100 * ref["score_sum"].to_numpy() / ref["capacity"].to_numpy()
    out["gap_pp"] = out["success_pct"] - out["region_success_pct"]
    return out


def weakest(frame: pd.DataFrame, group: str, n: int = 3, min_participants: int = 1) -> pd.DataFrame:
    """The ``n`` rows of each group with the largest shortfall against the region (``gap_pp``, most negative first).

    Only rows with at least ``min_participants`` and a shortfall (``gap_pp < 0``) are kept.
    """
    ok = frame[(frame["participants"] >= min_participants) & (frame["gap_pp"] < 0)]
    return ok.sort_values([group, "gap_pp"], kind="stable").groupby(group, sort=False).head(n).reset_index(drop=True)


# --------------------------------------------------------------------------- marks

def marks_against_school(pupils: pd.DataFrame, by: tuple[str, ...] = ("year", "school_id", "work"),
                         gap: int = 2) -> pd.DataFrame:
    """ВПР marks against the pupils' school marks (the standard ФИС ОКО table), per group.

    Parameters
    ----------
    pupils : pandas.DataFrame
        Pupil rows with ``mark`` (ВПР mark), ``school_mark`` and ``participant`` plus the
        ``by`` columns. Only participants with both marks count.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``compared`` (pupils with both marks), ``lowered`` (ВПР mark below the
        school mark), ``confirmed`` (equal), ``raised`` (above), ``discrepant`` (``gap`` marks
        or more apart, either way; ФИОКО: two) and their percentages ``*_pct`` of ``compared``.
    """
    part = pupils[pupils["participant"].astype(bool)]
    mark = part["mark"].to_numpy(dtype="float64", na_value=np.nan)
    school = part["school_mark"].to_numpy(dtype="float64", na_value=np.nan)
    both = np.isfinite(mark) & np.isfinite(school)
    diff = np.where(both, mark - school, 0.0)
    frame = pd.DataFrame({**{c: part[c].to_numpy() for c in by}, "compared": both, "lowered": both & (diff < 0),
                          "confirmed": both & (diff == 0), "raised": both & (diff > 0),
                          "discrepant": both & (np.abs(diff) >= gap)})
    return _mark_shares(frame.groupby(list(by), sort=True).sum().reset_index())


#: The counts of :func:`marks_against_school`, which add up over groups.
MARK_COUNTS = ("compared", "lowered", "confirmed", "raised", "discrepant")


def _mark_shares(out: pd.DataFrame) -> pd.DataFrame:
    for col in MARK_COUNTS[1:]:
        out[col] = out[col].astype("int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{col}_pct"] = np.where(out["compared"] > 0, 100 * out[col] / out["compared"], np.nan)
    out["compared"] = out["compared"].astype("int64")
    return out


def marks_total(marks: pd.DataFrame, by: tuple[str, ...] = ("year", "work")) -> pd.DataFrame:
    """:func:`marks_against_school` of a scope by ``by``, from its rows by finer groups (its schools).

    The counts add up, and the percentages are taken of the sums: the result is the same as from
    the scope's pupils.
    """
    return _mark_shares(marks.groupby(list(by), sort=True)[list(MARK_COUNTS)].sum().reset_index())


def score_histogram(pupils: pd.DataFrame, by: tuple[str, ...] = ("year", "work"),
                    min_participants: int = 50) -> pd.DataFrame:
    """Number of participants with each primary score, for groups of at least ``min_participants``.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``score`` (0 … the largest score seen, every value present) and ``count``.
        Groups with fewer participants are left out: their histogram says little
        (ФИОКО: informative from 50 participants).
    """
    return histogram_from_counts(score_counts(pupils, by), by, min_participants)


def score_counts(pupils: pd.DataFrame, by: tuple[str, ...] = ("year", "school_id", "work")) -> pd.Series:
    """Number of participants with each primary score (rounded), by ``by`` and ``score``; only scores seen."""
    part = pupils[pupils["participant"].astype(bool) & pupils["score"].notna()]
    return part.groupby([*by, part["score"].round().astype("int64").rename("score")]).size().rename("count")


def histogram_from_counts(counts: pd.Series, by: tuple[str, ...] = ("year", "work"),
                          min_participants: int = 50) -> pd.DataFrame:
    """:func:`score_histogram` from :func:`score_counts` by ``by`` or by finer groups (a scope's schools).

    Finer groups are added up first; the result is the same as from the scope's pupils.
    """
    levels = list(by)
    if list(counts.index.names) != [*levels, "score"]:
        counts = counts.groupby(level=[*levels, "score"]).sum()
    sizes = counts.groupby(level=levels).sum()
    big = sizes[sizes >= min_participants].index
    if not len(big):
        return pd.DataFrame(columns=[*by, "score", "count"])
    counts = counts[counts.index.droplevel("score").isin(big)]
    full = []
    for key, group in counts.groupby(level=list(range(len(by)))):
        top = int(group.index.get_level_values("score").max())
        key = key if isinstance(key, tuple) else (key,)
        values = group.droplevel(list(range(len(by)))).reindex(range(top + 1), fill_value=0)
        full.append(pd.DataFrame({**{c: v for c, v in zip(by, key)}, "score": values.index, "count": values.to_numpy()}))
    return pd.concat(full, ignore_index=True)
