"""Signs of biased ВПР results (the federal ФИОКО method, ``shared/real/fioko-objectivity-method.txt``).

Computed from the pupil-level table that the ФИС ОКО importer keeps beside the region
(``pupils/vpr.parquet``); only per-school flags and statistics leave this module — never a
pupil's row.

Signs, for ВПР math and Russian in grades 4 and 5:

1. **Inflated mean score**: the school's 95 % confidence interval of the mean primary score
   lies entirely above the region's (the school's lower bound exceeds the region's upper
   bound; ``mean ± 1.96·s/√n``, sample standard deviation).
2. **Results not matching school marks**: Spearman's rank correlation between the
   pupils' school marks and their primary scores is below zero (schools with at least
   ``min_pupils`` pupils having both).
3. **Sharp rise or fall of one cohort from grade 4 to grade 5**: ``K = S₄(Y) / S₅(Y+1)``
   with S the school's mean percent of completion (primary score / maximum score × 100);
   a fall when K is above P75 + 3·IQR of all schools' K, a rise when K is below
   P25 − 3·IQR.

The region's objectivity index is 100 minus the percentage of schools marked by at least
one sign (among the schools with ВПР 4/5 data).

*Participants* are the pupils of the importer's rule (:mod:`qualitylib.data.fisoko`): present,
with a primary score, and a score not above the work's maximum ``max_scores[(year, work)]``
(a larger score is an input error; the importer counts such pupils as non-participants and
so do all three signs here).

Departures from the method text, stated in the report: sign 2 needs at least
``min_pupils`` (:data:`MIN_PUPILS`, 5) pupils with both a mark and a score (a rank
correlation of fewer pupils says nothing); the quartile limits of sign 3 are taken over the
schools of the region only (the method takes them over its whole sample of schools, whose K
the region's export does not contain).

The method lists 14 signs: an inflated mean in ВПР math and Russian of grades 4 and 5 and in
ОГЭ math and Russian (6), results not matching marks in the four ВПР works (4; the method's
list names Russian grade 4 twice and omits Russian grade 5, read here as the four works), and
a sharp rise or fall from grade 4 to 5 in math and Russian (4). The ВПР export allows the 12
ВПР signs — the four kinds of :data:`SIGNS`; the two ОГЭ signs need the pupils' ОГЭ scores,
which it does not contain.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

WORKS = ("math.4", "math.5", "russian.4", "russian.5")
#: The signs, in report order (their Russian names are in :mod:`qualitylib.views.identification`).
SIGNS = ("inflated", "marks_mismatch", "sharp_rise", "sharp_fall")
#: Fewest pupils with a school mark and a score for Spearman's correlation of sign 2.
MIN_PUPILS = 5


#: Subject of each work of :data:`WORKS` (its index) and the grade.
_SUBJECT = np.array([0, 0, 1, 1])
_GRADE = np.array([4, 5, 4, 5])
_SUBJECTS = ("math", "russian")


@dataclass(frozen=True)
class _Participants:
    """Participants in the works of :data:`WORKS` as integer codes, one entry per pupil in the table's order.

    Group-bys on these codes visit the pupils in the same order as group-bys on the text columns,
    so sums, means and deviations come out bit for bit the same; the codes of works and schools
    follow the sort order of their texts, so the groups come out in the same order too.
    """

    year: np.ndarray       #: int64
    work: np.ndarray       #: int64, index into :data:`WORKS`
    school: np.ndarray     #: int64, index into ``school_ids``; -1 without a school id
    score: np.ndarray      #: float64
    mark: np.ndarray       #: float64, NaN without a school mark
    top: np.ndarray        #: float64, the work's maximum score, NaN when unknown
    school_ids: pd.Index   #: sorted school ids (the table's dtype)
    works: pd.Index        #: the texts of :data:`WORKS` in the table's dtype (absent ones: any)

    first: int             #: the smallest year (the origin of the group codes)

    def take(self, mask: np.ndarray) -> _Participants:
        return replace(self, year=self.year[mask], work=self.work[mask], school=self.school[mask],
                       score=self.score[mask], mark=self.mark[mask], top=self.top[mask])

    def work_key(self) -> np.ndarray:
        """One int64 code per pupil for (year, work), ordered as the pair."""
        return (self.year - self.first) * len(WORKS) + self.work

    def school_key(self) -> np.ndarray:
        """One int64 code per pupil for (year, work, school), ordered as the triple (pupils with a school)."""
        return self.work_key() * max(len(self.school_ids), 1) + self.school

    def decode(self, key: np.ndarray) -> dict[str, object]:
        """The ``year``, ``work`` and ``school_id`` columns of the codes ``key`` of :meth:`school_key`."""
        school, pair = np.divmod(key, max(len(self.school_ids), 1))[::-1]
        return {"year": pair // len(WORKS) + self.first, "work": self.works.take(pair % len(WORKS)),
                "school_id": self.school_ids.take(school)}


def _participants(pupils: pd.DataFrame, max_scores: dict[tuple[int, str], float] | None = None) -> _Participants:
    """Participants in the works of the method; numbers as plain floats (NaN, not NA).

    A participant is present, has a score and, when ``max_scores`` is given, a score not above
    the work's maximum: the importer's rule (:mod:`qualitylib.data.fisoko`). A work missing from
    ``max_scores`` keeps all its scores.
    """
    work_codes, work_texts = pd.factorize(pupils["work"])
    position = {w: i for i, w in enumerate(work_texts)}
    lookup = np.array([WORKS.index(w) if w in WORKS else -1 for w in work_texts] + [-1], dtype=np.int64)
    work = lookup[work_codes]
    rows = np.flatnonzero(work >= 0)
    work = work[rows]
    score = pupils["score"].iloc[rows].astype("float64").to_numpy()
    mark = pupils["school_mark"].iloc[rows].astype("float64").to_numpy()
    year = pupils["year"].iloc[rows].astype("int64").to_numpy()
    absent = pupils["absent"].iloc[rows].astype("boolean").fillna(False).astype(bool).to_numpy()
    top = np.full(len(rows), np.nan)
    if max_scores and len(rows):
        first, last = int(year.min()), int(year.max())
        table = np.full((last - first + 1, len(WORKS)), np.nan)
        for (y, w), m in max_scores.items():
            if w in WORKS and first <= int(y) <= last:
                table[int(y) - first, WORKS.index(w)] = float(m)
        top = table[year - first, work]
    keep = ~absent & ~np.isnan(score) & ~(score > top)
    rows = rows[keep]
    school, school_ids = pd.factorize(pupils["school_id"].iloc[rows], sort=True)
    # group-by keys of Python objects come out with an inferred dtype (texts: ``str``); so do these
    school_ids, work_texts = school_ids.infer_objects(), work_texts.infer_objects()
    # the works' texts as the table holds them (only the works present are ever looked up)
    works = (work_texts.take([position.get(w, 0) for w in WORKS]) if len(work_texts)
             else pd.Index(WORKS).astype(pupils["work"].dtype))
    year = year[keep]
    return _Participants(year=year, work=work[keep], school=school.astype(np.int64), score=score[keep],
                         mark=mark[keep], top=top[keep], school_ids=school_ids, works=works,
                         first=int(year.min()) if len(year) else 0)


def _inflated(p: _Participants, z: float) -> pd.DataFrame:
    known = p.school >= 0
    school = pd.Series(p.score[known]).groupby(p.school_key()[known]).agg(["size", "mean", "std"])
    region = pd.Series(p.score).groupby(p.work_key()).agg(["size", "mean", "std"])
    at = region.reindex(school.index.to_numpy() // max(len(p.school_ids), 1))
    n, mean, sd = school["size"].to_numpy(), school["mean"].to_numpy(), school["std"].to_numpy()
    rn, region_mean, rsd = at["size"].to_numpy(), at["mean"].to_numpy(), at["std"].to_numpy()
    half = z * sd / np.sqrt(n)
    out = pd.DataFrame(p.decode(school.index.to_numpy()))
    out["n"], out["mean"] = n, mean
    out["school_lo"], out["school_hi"] = mean - half, mean + half
    out["region_mean"] = region_mean
    out["region_hi"] = region_mean + z * rsd / np.sqrt(rn)
    out["inflated"] = ((out["school_lo"] > out["region_hi"]) & (out["n"] >= 2)).astype(int)
    return out


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
    return _inflated(_participants(pupils, max_scores), z)


def _mismatch(p: _Participants, min_pupils: int) -> pd.DataFrame:
    mask = (p.school >= 0) & ~np.isnan(p.mark)
    key = p.school_key()[mask]
    ranks = pd.DataFrame({"x": p.mark[mask], "y": p.score[mask]}).groupby(key).rank(method="average")
    rx, ry = ranks["x"].to_numpy(), ranks["y"].to_numpy()
    groups = pd.DataFrame({"rx": rx, "ry": ry, "rxy": rx * ry, "rxx": rx ** 2, "ryy": ry ** 2}).groupby(key)
    sums, n = groups.sum(), groups.size().to_numpy()
    s = {c: sums[c].to_numpy() for c in sums.columns}
    cov = s["rxy"] - s["rx"] * s["ry"] / n
    var_x = s["rxx"] - s["rx"] ** 2 / n
    var_y = s["ryy"] - s["ry"] ** 2 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = cov / np.sqrt(var_x * var_y)
    rho = np.where((var_x > 1e-12) & (var_y > 1e-12), rho, np.nan)
    out = pd.DataFrame(p.decode(sums.index.to_numpy()))
    out["n"], out["spearman"] = n, np.round(rho, 4)
    out["marks_mismatch"] = ((out["spearman"] < 0) & (out["n"] >= min_pupils)).astype(int)
    return out


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
    return _mismatch(_participants(pupils, max_scores), min_pupils)


def _jumps(p: _Participants, year_from: int, iqr_factor: float) -> pd.DataFrame:
    grade = _GRADE[p.work]
    mask = (p.school >= 0) & (((p.year == year_from) & (grade == 4)) | ((p.year == year_from + 1) & (grade == 5)))
    completion = p.score[mask] * 100.0 / p.top[mask]
    subject, school, fifth = _SUBJECT[p.work[mask]], p.school[mask], grade[mask] == 5
    n_schools = max(len(p.school_ids), 1)
    key = (subject * n_schools + school) * 2 + fifth   # (subject, school, grade) in the order of the groups
    means = pd.Series(completion).groupby(key).mean()
    codes = means.index.to_numpy()
    pair, is_fifth = codes // 2, codes % 2 == 1
    s4 = pd.Series(means.to_numpy()[~is_fifth], index=pair[~is_fifth])
    s5 = pd.Series(means.to_numpy()[is_fifth], index=pair[is_fifth])
    both = s4.index.isin(s5.index)
    pairs = s4.index[both].to_numpy()
    # subjects are texts (of an object column when there is no participant at all, as pandas made them)
    subjects = pd.array(np.array(_SUBJECTS, dtype=object)[pairs // n_schools], dtype="str" if len(p.year) else object)
    out = pd.DataFrame({"subject": subjects,
                        "school_id": p.school_ids.take(pairs % n_schools),
                        "s4": s4.to_numpy()[both], "s5": s5.reindex(pairs).to_numpy()})
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
    return _jumps(_participants(pupils, max_scores), year_from, iqr_factor)


def _flagged(frame: pd.DataFrame, flag: str, label_cols: list[str]) -> pd.DataFrame:
    """``school_id`` and the code ``flag(label …)`` of each row of ``frame`` with the flag, in its order."""
    rows = frame[flag].to_numpy() == 1
    label = frame[label_cols[0]].to_numpy(dtype=object)[rows].astype(str)
    for col in label_cols[1:]:
        label = np.char.add(np.char.add(label, " "), frame[col].to_numpy(dtype=object)[rows].astype(str))
    code = np.char.add(np.char.add(f"{flag}(", label), ")") if len(label) else label
    return pd.DataFrame({"school_id": frame["school_id"].to_numpy(dtype=object)[rows], "code": code.astype(object)})


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
    everyone = _participants(pupils, max_scores)
    current = everyone if year is None else everyone.take(everyone.year == year)
    inflated = _inflated(current, 1.96)
    mismatch = _mismatch(current, min_pupils)
    years = sorted(int(y) for y in pupils["year"].unique())
    if cohort_from is not None:
        start = cohort_from
    elif year is not None:
        start = year - 1 if year - 1 in years else None
    else:
        start = years[0] if len(years) > 1 else None
    jumps = _jumps(everyone, start, 3.0) if start is not None else pd.DataFrame(
        columns=["subject", "school_id", "sharp_rise", "sharp_fall"])
    out = schools[schools["school_id"].isin(inflated["school_id"].unique())][
        ["school_id", "school_name", "municipality"]].copy()
    out = out.set_index("school_id")
    signs = [(inflated, "inflated", ["work", "year"]), (mismatch, "marks_mismatch", ["work", "year"])]
    if len(jumps):
        signs += [(jumps, "sharp_rise", ["subject"]), (jumps, "sharp_fall", ["subject"])]
    for frame, flag, _ in signs:
        out[flag] = frame.groupby("school_id")[flag].sum().reindex(out.index).fillna(0).astype(int)
    if not len(jumps):
        out["sharp_rise"] = 0
        out["sharp_fall"] = 0
    codes = pd.concat([_flagged(frame, flag, cols) for frame, flag, cols in signs], ignore_index=True)
    codes = codes[codes["school_id"].isin(out.index)]
    joined = codes.groupby("school_id", sort=False)["code"].agg(";".join)
    out["sign_codes"] = pd.Series(joined.reindex(out.index).fillna("").to_numpy(dtype=object), index=out.index,
                                  dtype=object)
    out["marked"] = (out[["inflated", "marks_mismatch", "sharp_rise", "sharp_fall"]].sum(axis=1) > 0).astype(int)
    index = round(100.0 - out["marked"].mean() * 100, 1) if len(out) else float("nan")
    return out.reset_index(), index
