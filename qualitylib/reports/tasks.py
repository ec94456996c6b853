"""Everything notebook 04 («Анализ выполнения заданий ВПР») shows, gathered in one place.

:func:`build_tasks` computes the task analysis of the whole region once (memoised), keeps a
municipality's schools, names the ШНОР and risk-zone schools of the identification, gathers
the municipality's weakest skills against the region, every school's deficits (tasks and
content elements), the ВПР marks against the school marks and the score histograms. Small
groups are marked once here (``small``; ``hidden`` in a public report). Pupil-level data
are read only to count marks and scores per group: no pupil row leaves this module.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from ..data.cache import memoised
from ..data.catalogue import Catalogue, region_catalogue
from ..data.fisoko import read_scales
from ..data.pupils import pupils_stamp, read_pupil_marks
from ..data.region import Region
from ..rules.privacy import small_mask
from ..rules.tasks import (code_analysis, group_success, histogram_from_counts, marks_against_school, marks_total,
                           score_counts, success_reference, task_analysis, weakest)

#: Columns of the ``tasks`` command's CSV (one row per school × assessment × task).
CSV_COLUMNS = ["year", "school_id", "school_name", "municipality", "assessment", "position", "task", "level",
               "skill", "participants", "success_pct", "ci_low_pct", "ci_high_pct", "municipality_success_pct",
               "region_success_pct", "mastery", "p_value", "q_value", "deficit"]


@dataclass
class TaskReport:
    """The task analysis of one municipality (or the region) for one year: codes and numbers.

    Attributes
    ----------
    analysis : pandas.DataFrame
        :func:`qualitylib.rules.tasks.task_analysis` rows of the scope's schools, with
        ``school_name``, ``small`` (fewer than ``privacy.min_group`` participants) and ``hidden``.
    elements : pandas.DataFrame
        :func:`qualitylib.rules.tasks.code_analysis` of the content elements, same schools.
    skills : pandas.DataFrame
        The scope's success by assessment × skill against the region (all skills).
    weakest_skills : pandas.DataFrame
        The ``tasks.weakest_count`` skills of each assessment furthest below the region.
    focus : pandas.DataFrame
        ШНОР and risk-zone schools of the scope: school_id, school_name, shnor, risk.
    school_skills : pandas.DataFrame
        Each focus school's weakest skills (school_id, assessment, skill, success, region, gap, tasks).
    marks : pandas.DataFrame or None
        ВПР marks against school marks per school × work (None without pupil data), with
        ``small``/``hidden``.
    marks_total : pandas.DataFrame or None
        The same for the scope as a whole, per work.
    histograms : pandas.DataFrame or None
        Score counts per work of the scope (groups of at least ``tasks.histogram_min_participants``).
    bounds : dict
        ``work -> {"mark2", "mark3", "mark4", "max"}`` of the year's scales.
    available : bool
        Whether the region has a tasks table for the year.
    """

    municipality: str | None
    year: int
    params: dict
    analysis: pd.DataFrame
    elements: pd.DataFrame
    skills: pd.DataFrame
    weakest_skills: pd.DataFrame
    focus: pd.DataFrame
    school_skills: pd.DataFrame
    marks: pd.DataFrame | None = None
    marks_total: pd.DataFrame | None = None
    histograms: pd.DataFrame | None = None
    bounds: dict = field(default_factory=dict)
    available: bool = True
    public: bool = False
    catalogue_notes: dict = field(default_factory=dict)

    @property
    def deficits(self) -> pd.DataFrame:
        """Deficit tasks of the scope's schools."""
        return self.analysis[self.analysis["deficit"] == 1]


def _catalogue_digest(catalogue: Catalogue) -> str:
    digest = hashlib.sha256(pd.util.hash_pandas_object(catalogue.tasks, index=False).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(catalogue.codes, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _task_arguments(year: int, params: dict, catalogue: Catalogue) -> dict:
    """What a region-wide result of the task analysis depends on besides the region (its memo key)."""
    return {"year": int(year), "tasks": params["tasks"], "catalogue": _catalogue_digest(catalogue)}


def _from_analysis(region: Region, name: str, year: int, params: dict, catalogue: Catalogue, compute):
    """``compute()`` memoised per region under ``name``; a region without a tasks table computes it (empty)."""
    if region.tasks is None or region.tasks.empty:
        return compute()
    return memoised(region, name, _task_arguments(year, params, catalogue), compute)


def region_analysis(region: Region, year: int, params: dict, catalogue: Catalogue | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Task and content-element analysis of the whole region for a year (memoised)."""
    catalogue = catalogue if catalogue is not None else region_catalogue(region.path)
    if region.tasks is None or region.tasks.empty:
        empty = task_analysis(region.tasks.iloc[0:0] if region.tasks is not None else _empty_tasks(),
                              region.schools, params["tasks"], year, catalogue.tasks)
        return empty, code_analysis(empty, catalogue.codes, params["tasks"])

    def compute():
        analysis = task_analysis(region.tasks, region.schools, params["tasks"], year, catalogue.tasks)
        return analysis, code_analysis(analysis, catalogue.codes, params["tasks"])

    return memoised(region, "tasks", _task_arguments(year, params, catalogue), compute)


def region_school_skills(region: Region, year: int, params: dict, catalogue: Catalogue,
                         analysis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Success of every school of the region by skill, against the region (memoised per region).

    ``analysis``: the region's task analysis when the caller has it (:func:`region_analysis`).
    """
    def compute():
        rows = analysis if analysis is not None else region_analysis(region, year, params, catalogue)[0]
        return group_success(rows[rows["skill"] != ""], ["assessment", "skill"], "school_id")

    return _from_analysis(region, "task_skills", year, params, catalogue, compute)


def region_skill_reference(region: Region, year: int, params: dict, catalogue: Catalogue,
                           analysis: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The region's totals and task numbers by assessment × skill (memoised per region): what a
    scope's success by skill is compared with (:func:`qualitylib.rules.tasks.success_reference`).

    ``analysis``: the region's task analysis when the caller has it (:func:`region_analysis`).
    """
    def compute():
        rows = analysis if analysis is not None else region_analysis(region, year, params, catalogue)[0]
        return success_reference(rows.loc[rows["skill"] != "", ["assessment", "skill", "task", "participants",
                                                                "score_sum", "max_score"]], ["assessment", "skill"])

    return _from_analysis(region, "task_skill_reference", year, params, catalogue, compute)


def region_pupil_counts(region: Region, year: int, params: dict) -> tuple[pd.DataFrame, pd.Series] | None:
    """The ВПР marks against the school marks and the score counts of every school of the region
    for ``year`` (memoised per region; ``None`` without a pupils' file).

    A scope's tables add these up (:func:`qualitylib.rules.tasks.marks_total`,
    :func:`qualitylib.rules.tasks.histogram_from_counts`): a report never reads the pupils.
    """
    stamp = pupils_stamp(region.path)
    if stamp is None:
        return None
    gap = int(params["tasks"]["mark_gap"])

    def compute():
        pupils = read_pupil_marks(region.path)
        return _pupil_counts(pupils[pupils["year"] == year], gap)

    return memoised(region, "pupil_counts", {"year": int(year), "gap": gap, "pupils": list(stamp)}, compute)


def _pupil_counts(pupils: pd.DataFrame, gap: int) -> tuple[pd.DataFrame, pd.Series]:
    return marks_against_school(pupils, gap=gap), score_counts(pupils)


def _empty_tasks() -> pd.DataFrame:
    return pd.DataFrame({"year": pd.Series(dtype="int64"), "school_id": pd.Series(dtype="string"),
                         "procedure": pd.Series(dtype="string"), "subject": pd.Series(dtype="string"),
                         "grade": pd.Series(dtype="int64"), "task": pd.Series(dtype="string"),
                         "participants": pd.Series(dtype="int64"), "score_sum": pd.Series(dtype="float64"),
                         "max_score": pd.Series(dtype="int64"), "level": pd.Series(dtype="string")})


def tasks_table(region: Region, year: int, params: dict, municipality: str | None = None,
                catalogue: Catalogue | None = None) -> pd.DataFrame:
    """The rows of the ``tasks`` command: :data:`CSV_COLUMNS` for the scope's schools."""
    analysis, _ = region_analysis(region, year, params, catalogue)
    if municipality is not None:
        analysis = analysis[analysis["municipality"] == municipality]
    names = region.schools.set_index("school_id")["school_name"]
    out = analysis.assign(school_name=analysis["school_id"].map(names))
    return out[CSV_COLUMNS].reset_index(drop=True)


def build_tasks(region: Region, municipality: str | None, year: int, params: dict, public: bool = False,
                catalogue: Catalogue | None = None, focus: pd.DataFrame | None = None,
                pupils: pd.DataFrame | None = None, scales_file=None) -> TaskReport:
    """Gather the task analysis of ``municipality`` (``None``: the region) for ``year``.

    Parameters
    ----------
    focus : pandas.DataFrame, optional
        ШНОР and risk-zone schools (``school_id``, ``shnor``, ``risk`` flags); default: from
        :func:`qualitylib.reports.identification.build_identification`.
    pupils : pandas.DataFrame, optional
        The pupil table (``pupils/vpr.parquet`` with ``mark``, ``school_mark``, ``score``,
        ``participant``); default: read from the region folder when it is there.
    """
    catalogue = catalogue if catalogue is not None else region_catalogue(region.path)
    tp = params["tasks"]
    min_group = int(params["privacy"]["min_group"])
    analysis, elements = region_analysis(region, year, params, catalogue)
    scope_ids = set(region.subset(municipality).schools["school_id"])
    names = region.schools.set_index("school_id")["school_name"]
    region_rows = analysis
    analysis = analysis[analysis["school_id"].isin(scope_ids)].copy()
    elements = elements[elements["school_id"].isin(scope_ids)].copy()
    for frame in (analysis, elements):
        frame["school_name"] = frame["school_id"].map(names)
        frame["small"] = small_mask(frame["participants"], min_group)
        # a public report also hides 0 % and 100 %: on a one-point task they tell every pupil's score
        uniform = frame["success_pct"].isin([0.0, 100.0])
        frame["hidden"] = public & (frame["small"] | uniform)
    if focus is None:
        from .identification import build_identification

        ident = build_identification(region, municipality, year, params, public=public, objectivity=False)
        focus = ident.shnor[["school_id", "shnor"]].merge(ident.risk[["school_id", "risk"]], on="school_id", how="outer")
    focus = focus.fillna(0)
    focus = focus[(focus["shnor"] == 1) | (focus["risk"] == 1)].copy()
    focus["school_name"] = focus["school_id"].map(names)
    focus = focus[focus["school_id"].isin(scope_ids)].reset_index(drop=True)

    # skills of the scope against the region: the region's totals are computed once (the template's)
    scope_name = municipality if municipality is not None else "__region__"
    rows = analysis.loc[analysis["skill"] != "", ["assessment", "skill", "task", "participants", "score_sum",
                                                   "max_score"]].assign(scope=scope_name)
    reference = region_skill_reference(region, year, params, catalogue, region_rows)
    skills = group_success(rows, ["assessment", "skill"], "scope", reference=reference)
    skills = skills.drop(columns="scope")
    count = int(tp["weakest_count"])
    weakest_skills = weakest(skills.assign(g=skills["assessment"]), "g", n=count,
                             min_participants=tp["min_participants"]).drop(columns="g")
    by_school = region_school_skills(region, year, params, catalogue, region_rows)
    by_school = by_school[by_school["school_id"].isin(set(focus["school_id"]))]
    school_skills = weakest(by_school, "school_id", n=count, min_participants=tp["min_participants"])

    report = TaskReport(municipality, int(year), params, analysis.reset_index(drop=True),
                        elements.reset_index(drop=True), skills, weakest_skills, focus, school_skills,
                        public=public, available=bool(len(analysis)),
                        catalogue_notes={k: v for k, v in catalogue.notes.items() if k[0] == year})
    scales = read_scales(scales_file)
    report.bounds = scales.get(int(year), {})
    if pupils is not None:
        counts = _pupil_counts(pupils[pupils["year"] == year], int(tp["mark_gap"]))
    else:
        counts = region_pupil_counts(region, year, params)
    if counts is not None:
        per_school, scores = counts
        marks = per_school[per_school["school_id"].isin(scope_ids)].reset_index(drop=True)
        report.marks_total = marks_total(marks, by=("year", "work"))
        marks["school_name"] = marks["school_id"].map(names)
        marks["small"] = small_mask(marks["compared"], min_group)
        marks["hidden"] = public & marks["small"]
        report.marks = marks
        mine = scores[scores.index.get_level_values("school_id").isin(scope_ids)]
        report.histograms = histogram_from_counts(mine, by=("year", "work"),
                                                  min_participants=int(tp["histogram_min_participants"]))
    return report
