"""The signs of biased results as computed before the integer-code rewrite (issue 20).

Kept verbatim (pandas group-bys, ``.str`` operations and a per-row loop on text columns) as the
reference the rewritten :mod:`qualitylib.rules.objectivity` must reproduce exactly:
``tests/rules/test_objectivity_reference.py`` compares both on seeded synthetic pupil tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

WORKS = ("math.4", "math.5", "russian.4", "russian.5")
#: The signs, in report order (their Russian names are in :mod:`qualitylib.views.identification`).
SIGNS = ("inflated", "marks_mismatch", "sharp_rise", "sharp_fall")
#: Fewest pupils with a school mark and a score for Spearman's correlation of sign 2.
MIN_PUPILS = 5


def _participants(pupils: pd.DataFrame, max_scores: dict[tuple[int, str], float] | None = None) -> pd.DataFrame:
    """Participants in the works of the method; numbers as plain floats (NaN, not NA).

    A participant is present, has a score and, when ``max_scores`` is given, a score not above
    the work's maximum: the importer's rule (:mod:`qualitylib.data.fisoko`). A work missing from
    ``max_scores`` keeps all its scores.
    """
    frame = pupils[pupils["work"].isin(WORKS)].copy()
    for col in ("score", "school_mark"):
        frame[col] = frame[col].astype("float64")
    frame["year"] = frame["year"].astype("int64")
    absent = frame["absent"].astype("boolean").fillna(False).astype(bool)
    keep = ~absent & frame["score"].notna()
    if max_scores:
        maxima = pd.Series({(int(y), w): float(m) for (y, w), m in max_scores.items()}, dtype="float64")
        keys = pd.MultiIndex.from_arrays([frame["year"], frame["work"]])
        top = maxima.reindex(keys).to_numpy() if len(maxima) else np.full(len(frame), np.nan)
        keep &= ~(frame["score"].to_numpy() > top)
    return frame[keep]


def inflated_means(pupils: pd.DataFrame, z: float = 1.96,
                   max_scores: dict[tuple[int, str], float] | None = None) -> pd.DataFrame:
    """Sign 1 per school × year × work: ``school_lo`` above the region's ``region_hi``.

    Parameters
    ----------
    pupils : pandas.DataFrame
    z : float
        Normal quantile of the intervals (1.96: 95 %).
    max_scores : dict, optional
        ``(year, work) -> maximum primary score``: pupils above it are not participants.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``work``, ``school_id``, ``n``, ``mean``, ``school_lo``, ``school_hi``,
        ``region_mean``, ``region_hi``, ``inflated`` (0/1).
    """
    frame = _participants(pupils, max_scores)
    school = frame.groupby(["year", "work", "school_id"])["score"].agg(n="size", mean="mean", sd="std").reset_index()
    region = frame.groupby(["year", "work"])["score"].agg(rn="size", region_mean="mean", rsd="std").reset_index()
    out = school.merge(region, on=["year", "work"])
    half = z * out["sd"] / np.sqrt(out["n"])
    out["school_lo"], out["school_hi"] = out["mean"] - half, out["mean"] + half
    out["region_hi"] = out["region_mean"] + z * out["rsd"] / np.sqrt(out["rn"])
    out["inflated"] = ((out["school_lo"] > out["region_hi"]) & (out["n"] >= 2)).astype(int)
    return out[["year", "work", "school_id", "n", "mean", "school_lo", "school_hi", "region_mean", "region_hi",
                "inflated"]]


def marks_mismatch(pupils: pd.DataFrame, min_pupils: int = MIN_PUPILS,
                   max_scores: dict[tuple[int, str], float] | None = None) -> pd.DataFrame:
    """Sign 2 per school × year × work: Spearman's correlation of school marks and scores below zero.

    Spearman's ρ is computed vectorised: both variables are ranked within each school
    (average ranks for ties) and Pearson's correlation of the ranks is taken from group
    sums. Schools whose marks or scores do not vary get no ρ (and no sign); schools with
    fewer than ``min_pupils`` such pupils get a ρ but no sign. ``max_scores`` as in
    :func:`inflated_means`.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``work``, ``school_id``, ``n`` (pupils with a school mark), ``spearman``,
        ``marks_mismatch`` (0/1).
    """
    frame = _participants(pupils, max_scores)
    frame = frame[frame["school_mark"].notna()].copy()
    keys = ["year", "work", "school_id"]
    groups = frame.groupby(keys)
    frame["rx"] = groups["school_mark"].rank(method="average")
    frame["ry"] = groups["score"].rank(method="average")
    frame["rxy"], frame["rxx"], frame["ryy"] = frame["rx"] * frame["ry"], frame["rx"] ** 2, frame["ry"] ** 2
    sums = frame.groupby(keys)[["rx", "ry", "rxy", "rxx", "ryy"]].sum()
    n = frame.groupby(keys).size()
    cov = sums["rxy"] - sums["rx"] * sums["ry"] / n
    var_x = sums["rxx"] - sums["rx"] ** 2 / n
    var_y = sums["ryy"] - sums["ry"] ** 2 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = cov / np.sqrt(var_x * var_y)
    rho = rho.where((var_x > 1e-12) & (var_y > 1e-12))
    out = pd.DataFrame({"n": n, "spearman": rho.round(4)}).reset_index()
    out["marks_mismatch"] = ((out["spearman"] < 0) & (out["n"] >= min_pupils)).astype(int)
    return out


def cohort_jumps(pupils: pd.DataFrame, max_scores: dict[tuple[int, str], float], year_from: int,
                 iqr_factor: float = 3.0) -> pd.DataFrame:
    """Sign 3 per school and subject: the ratio K of completion in grade 4 (``year_from``) to grade 5 (next year).

    Parameters
    ----------
    max_scores : dict
        ``(year, work) -> maximum primary score`` of each work; pupils above it are not
        participants.

    Returns
    -------
    pandas.DataFrame
        ``subject``, ``school_id``, ``s4``, ``s5`` (mean completion, %), ``k``, ``low_limit``,
        ``high_limit``, ``sharp_rise``, ``sharp_fall`` (0/1).
    """
    maxima = pd.DataFrame([(int(y), w, float(m)) for (y, w), m in max_scores.items()],
                          columns=["year", "work", "max"])
    frame = _participants(pupils, max_scores).merge(maxima, on=["year", "work"], how="left")
    frame["completion"] = frame["score"] * 100.0 / frame["max"]
    frame["subject"] = frame["work"].str.split(".").str[0]
    means = frame.groupby(["year", "work", "subject", "school_id"])["completion"].mean().reset_index()
    g4 = means[(means["year"] == year_from) & means["work"].str.endswith(".4")]
    g5 = means[(means["year"] == year_from + 1) & means["work"].str.endswith(".5")]
    out = g4[["subject", "school_id", "completion"]].rename(columns={"completion": "s4"}).merge(
        g5[["subject", "school_id", "completion"]].rename(columns={"completion": "s5"}), on=["subject", "school_id"])
    out = out[out["s5"] > 0].copy()
    out["k"] = out["s4"] / out["s5"]
    if out.empty:
        for col in ("low_limit", "high_limit", "sharp_rise", "sharp_fall"):
            out[col] = pd.Series(dtype="float64" if "limit" in col else "int64")
        return out
    q = out.groupby("subject")["k"].quantile([0.25, 0.75]).unstack()
    iqr = q[0.75] - q[0.25]
    out["low_limit"] = out["subject"].map(q[0.25] - iqr_factor * iqr)
    out["high_limit"] = out["subject"].map(q[0.75] + iqr_factor * iqr)
    out["sharp_rise"] = (out["k"] < out["low_limit"]).astype(int)
    out["sharp_fall"] = (out["k"] > out["high_limit"]).astype(int)
    return out


def objectivity(pupils: pd.DataFrame, schools: pd.DataFrame, max_scores: dict[tuple[int, str], float],
                cohort_from: int | None = None, min_pupils: int = MIN_PUPILS,
                year: int | None = None) -> tuple[pd.DataFrame, float]:
    """All signs per school and the region's objectivity index.

    With ``year``, signs 1 and 2 use that year's works and sign 3 the cohort from
    ``year − 1`` (grade 4) to ``year`` (grade 5): the index of one assessment year, as
    ФИОКО publishes it. Without it, every year in the table counts. ``max_scores`` gives the
    maximum of each work: the completion of sign 3 and the participant rule of all signs
    (a score above the maximum is not a participant, as in the importer).

    Returns
    -------
    (pandas.DataFrame, float)
        Per school: ``school_id``, ``school_name``, ``municipality``, ``inflated``,
        ``marks_mismatch``, ``sharp_rise``, ``sharp_fall`` (number of works/subjects with the
        sign), ``sign_codes`` (each sign with its work, ``flag(work year)`` or ``flag(subject)``,
        ``;``-separated), ``marked`` (0/1); and the
        index (100 − % of marked schools among those with data).
    """
    current = pupils if year is None else pupils[pupils["year"] == year]
    inflated = inflated_means(current, max_scores=max_scores)
    mismatch = marks_mismatch(current, min_pupils, max_scores=max_scores)
    years = sorted(int(y) for y in pupils["year"].unique())
    if cohort_from is not None:
        start = cohort_from
    elif year is not None:
        start = year - 1 if year - 1 in years else None
    else:
        start = years[0] if len(years) > 1 else None
    jumps = cohort_jumps(pupils, max_scores, start) if start is not None else pd.DataFrame(
        columns=["subject", "school_id", "sharp_rise", "sharp_fall"])
    with_data = sorted(set(inflated["school_id"]))
    out = schools[schools["school_id"].isin(with_data)][["school_id", "school_name", "municipality"]].copy()
    out = out.set_index("school_id")
    texts = {sid: [] for sid in out.index}

    def collect(frame, flag, label_cols):
        counts = frame.groupby("school_id")[flag].sum()
        for row in frame[frame[flag] == 1].itertuples():
            if row.school_id in texts:
                where = " ".join(str(getattr(row, c)) for c in label_cols)
                texts[row.school_id].append(f"{flag}({where})")
        return counts.reindex(out.index).fillna(0).astype(int)

    out["inflated"] = collect(inflated, "inflated", ["work", "year"])
    out["marks_mismatch"] = collect(mismatch, "marks_mismatch", ["work", "year"])
    out["sharp_rise"] = collect(jumps, "sharp_rise", ["subject"]) if len(jumps) else 0
    out["sharp_fall"] = collect(jumps, "sharp_fall", ["subject"]) if len(jumps) else 0
    out["sign_codes"] = pd.Series({sid: ";".join(t) for sid, t in texts.items()}, dtype=object)
    out["marked"] = (out[["inflated", "marks_mismatch", "sharp_rise", "sharp_fall"]].sum(axis=1) > 0).astype(int)
    index = round(100.0 - out["marked"].mean() * 100, 1) if len(out) else float("nan")
    return out.reset_index(), index
