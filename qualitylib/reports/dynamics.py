"""Everything notebook 02 shows: the dynamics of a municipality's results, computed in one place."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..rules import dynamics as dyn
from ..rules.identification import identify_shnor
from ..views.labels import ru_number
from ..data.params import assessment_title
from ..data.region import Region
from ..views.labels import plural  # moves with summary_sentences to views


@dataclass
class Dynamics:
    """The dynamics of one municipality (or the region) up to one year."""

    municipality: str | None
    year: int
    params: dict
    shnor_ids: list[str]
    series: pd.DataFrame
    changes: pd.DataFrame
    cohort: pd.DataFrame
    indicators: pd.DataFrame
    gap: pd.DataFrame
    trends: pd.DataFrame
    grid: pd.DataFrame
    public: bool = False

    def funnel(self, region: Region, assessment: str) -> pd.DataFrame:
        scope = region.subset(self.municipality)
        return dyn.funnel(scope.results, scope.schools, self.year, assessment)


def build_dynamics(region: Region, municipality: str | None, year: int, params: dict,
                   public: bool = False) -> Dynamics:
    """Compute the series, the year-to-year changes, the cohort, the indicators, the gap and the grid.

    The ШНОР are those of the previous year's list (``year − 1``): the programme works with
    them during the year and their dynamics is what it monitors. With ``public``, results of
    groups below ``privacy.min_group`` are removed from the series and the grid.
    """
    scope = region.subset(municipality)
    shnor_prev = identify_shnor(scope.results, scope.schools, year - 1, params)
    shnor_ids = shnor_prev.loc[shnor_prev["shnor"] == 1, "school_id"].tolist()
    series = dyn.fail_series(scope.results, scope.schools)
    change_table = dyn.changes(scope.results, scope.schools, year, params)
    cohort_table = dyn.cohort(scope.results, scope.schools, year, params)
    indicators = pd.concat([dyn.norilsk_231(change_table, shnor_ids, params),
                            dyn.norilsk_333(cohort_table, scope.results, scope.schools, year)], ignore_index=True)
    gap = dyn.gia_gap(scope.results, scope.schools, params)
    trends = dyn.mean_score_trends(scope.results, scope.schools, shnor_ids,
                                   params["dynamics"]["gia_math"] + params["dynamics"]["gia_russian"])
    grid = dyn.status_change_grid(change_table, params)
    if public:
        min_group = int(params["privacy"]["min_group"])
        series = series[series["participants"] >= min_group]
        small = (change_table["n_prev"] < min_group) | (change_table["n_now"] < min_group)
        grid.loc[small, ["share_now", "share_prev", "level", "status_level", "change_level"]] = np.nan
        grid.loc[small, "label"] = "скр."
        grid.loc[small, "level_name"] = "малая группа"
    return Dynamics(municipality, year, params, shnor_ids, series, change_table, cohort_table, indicators, gap,
                    trends, grid, public)


def summary_sentences(d: Dynamics) -> list[str]:
    """The summary of notebook 02, built from the data."""
    y = d.year
    out = []
    n_shnor = len(d.shnor_ids)
    where = f"муниципалитета «{d.municipality}»" if d.municipality else "региона"
    out.append(f"Динамика {y - 1} → {y} год: в списке ШНОР {where} за {y - 1} год "
               f"{plural(n_shnor, 'школа', 'школы', 'школ')}.")
    shnor_changes = d.changes[d.changes["school_id"].isin(d.shnor_ids)]
    for group, name in ((d.params["dynamics"]["gia_math"], "ГИА по математике"),
                        (d.params["dynamics"]["gia_russian"], "ГИА по русскому языку")):
        flags = dyn.positive_dynamics(shnor_changes, d.shnor_ids, group)
        if n_shnor:
            out.append(f"{int(flags.fillna(0).sum())} из {n_shnor} ШНОР значимо улучшили результат {name}"
                       + (f"; у {int(flags.isna().sum())} оценить нельзя (мало участников или нет данных)"
                          if flags.isna().any() else "") + ".")
    counts = d.changes["verdict"].value_counts()
    total = int(counts.sum())
    out.append(f"Всего пар «школа — процедура» с результатами в обоих годах или в одном из них: {total}; "
               f"значимое улучшение — {int(counts.get('improved', 0))}, значимое ухудшение — "
               f"{int(counts.get('declined', 0))}, без значимых изменений — {int(counts.get('no_change', 0))}, "
               f"недостаточно данных — {int(counts.get('insufficient_data', 0))}.")
    for row in d.indicators.itertuples():
        if row.id.startswith("norilsk.3.3.3.1") and row.denominator:
            out.append(f"Когорта 4 → 5 класс по математике: доля «2» снизилась в {row.numerator} из "
                       f"{row.denominator} школ ({row.note}).")
    last = d.gap[d.gap["year"] == y]
    for row in last.itertuples():
        if pd.notna(row.gap_change):
            target = ru_number(d.params["dynamics"]["gap_target_shrink"])
            verdict = f"цель (сокращение не менее чем на {target}) " + \
                      ("достигнута" if row.target_met == 1 else "не достигнута")
            out.append(f"Разрыв между 10 % лучших и 10 % худших школ, {row.title}: {ru_number(row.gap)} балла "
                       f"(изменение за год {ru_number(row.gap_change, sign=True)}); {verdict}.")
    return out


def verdict_table(d: Dynamics, school_ids=None, assessments=None) -> pd.DataFrame:
    """Changes of the given schools (default: ШНОР) and assessments (default: all), for the report."""
    ids = d.shnor_ids if school_ids is None else list(school_ids)
    table = d.changes[d.changes["school_id"].isin(ids)].copy()
    if assessments is not None:
        table = table[table["assessment"].isin(list(assessments))]
    table["assessment_title"] = table["assessment"].map(assessment_title)
    table["verdict_title"] = table["verdict"].map(dyn.VERDICT_TITLES)
    table["method_title"] = table["method"].map({"fisher": "точный Фишера", "z": "z-критерий"}).fillna("—")
    if d.public:
        small = (table["n_prev"] < d.params["privacy"]["min_group"]) | (
            table["n_now"] < d.params["privacy"]["min_group"])
        table.loc[small, ["share_prev", "share_now", "change_pp", "p_value"]] = np.nan
    return table.sort_values(["school_name", "assessment"])
