"""Everything notebook 02 shows: the dynamics of a municipality's results, computed in one place.

The builder calls the rules of :mod:`qualitylib.rules.dynamics` and applies the small-group
rule of :mod:`qualitylib.rules.privacy` once; the Russian words are in
:mod:`qualitylib.views.dynamics`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..rules import dynamics as dyn
from ..rules.identification import identify_shnor
from ..rules.privacy import public_mask, small_mask
from ..data.region import Region

#: Columns of the change table hidden for a small group in a public report.
HIDDEN_COLUMNS = ["share_prev", "share_now", "lo_prev", "hi_prev", "lo_now", "hi_now", "change_pp", "p_value",
                  "q_value"]


@dataclass
class Dynamics:
    """The dynamics of one municipality (or the region) up to one year.

    ``group_changes`` is the one test per ШНОР over each group of procedures of Norilsk
    2.3.1 (:func:`qualitylib.rules.dynamics.group_changes`), with its own ``hidden`` column
    (a public report hides a pooled share of 0 % or 100 % and a pooled group below
    ``privacy.min_group``).

    ``indicators`` carries ``no_results`` (1 for a 2.3.1 indicator over a group of
    ``groups_without_results``: its value is NaN, not 0 %).

    ``changes`` and ``grid`` carry a column ``hidden`` (1 where a public report hides the
    row's shares because a year has fewer than ``privacy.min_group`` participants; always 0
    in an internal report).
    """

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
    group_changes: pd.DataFrame
    public: bool = False
    #: Groups of ``group_changes`` without a result of the ШНОР in either year (``dynamics`` keys).
    groups_without_results: tuple[str, ...] = ()

    def funnel(self, region: Region, assessment: str) -> pd.DataFrame:
        scope = region.subset(self.municipality)
        return dyn.funnel(scope.results, scope.schools, self.year, assessment)

    def funnel_with_limits(self, region: Region, assessment: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The funnel points of one assessment this year and the limit curves around their rate.

        The curves are ``None`` when no school has participants. When the schools are
        overdispersed (:func:`qualitylib.rules.stats.overdispersion`) the points are flagged
        against, and the curves are, the limits widened by the random-effects :math:`\\tau^2`;
        the exact limits stay in the ``exact_*`` and ``*_exact`` columns.
        """
        points = self.funnel(region, assessment)
        if points.empty:
            return points, None
        return points, dyn.funnel_curves(points["p0"].iloc[0] / 100, int(points["participants"].max()),
                                         dispersion=dyn.funnel_dispersion(points),
                                         method=str(points["method"].iloc[0]))


def hide_pooled(table: pd.DataFrame, params: dict, public: bool) -> pd.DataFrame:
    """A school-level test table with its ``hidden`` column (privacy of the pooled shares).

    In a public report a pooled group below ``privacy.min_group`` or a pooled share of 0 %
    or 100 % in either year has its shares, change, p and q hidden (NaN); the verdicts stay.
    """
    table = table.copy()
    hidden = np.zeros(len(table), dtype=int)
    if public:
        min_group = int(params["privacy"]["min_group"])
        hidden = (small_mask(table[["n_prev", "n_now"]], min_group).any(axis=1)
                  | table["share_prev"].isin([0.0, 100.0]) | table["share_now"].isin([0.0, 100.0]))
        hidden = hidden.to_numpy().astype(int)
        table.loc[hidden == 1, ["share_prev", "share_now", "change_pp", "p_value", "q_value"]] = np.nan
    table["hidden"] = hidden
    return table


def build_dynamics(region: Region, municipality: str | None, year: int, params: dict,
                   public: bool = False) -> Dynamics:
    """Compute the series, the year-to-year changes, the cohort, the indicators, the gap and the grid.

    The ШНОР are those of the previous year's list (``year − 1``): the programme works with
    them during the year and their dynamics is what it monitors. With ``public``, results of
    groups below ``privacy.min_group`` and of uniform groups (0 % or 100 % low:
    :func:`qualitylib.rules.privacy.uniform_mask`) are removed from the series, and the shares, their
    intervals, the change, the p-value and the q-value of a change with such a group in either
    year are hidden (NaN) in ``changes`` and ``grid``; the verdicts and the indicators, computed
    before, stay.

    The q-values of ``changes`` are Benjamini–Hochberg adjusted over the tested rows of this
    report's scope (the municipality, or the region): one report, one family of tests
    (:func:`qualitylib.rules.dynamics.changes`). :func:`change_tests` counts them.
    """
    scope = region.subset(municipality)
    shnor_prev = identify_shnor(scope.results, scope.schools, year - 1, params)
    shnor_ids = shnor_prev.loc[shnor_prev["shnor"] == 1, "school_id"].tolist()
    series = dyn.fail_series(scope.results, scope.schools)
    change_table = dyn.changes(scope.results, scope.schools, year, params)
    cohort_table = dyn.cohort(scope.results, scope.schools, year, params)
    group_table = dyn.group_changes(scope.results, scope.schools, year, params, shnor_ids)
    indicators = pd.concat([dyn.norilsk_231(group_table, shnor_ids),
                            dyn.norilsk_333(cohort_table, scope.results, scope.schools, year)], ignore_index=True)
    gap = dyn.gia_gap(scope.results, scope.schools, params)
    trends = dyn.mean_score_trends(scope.results, scope.schools, shnor_ids,
                                   params["dynamics"]["gia_math"] + params["dynamics"]["gia_russian"])
    grid = dyn.status_change_grid(change_table, params)
    hidden = np.zeros(len(change_table), dtype=int)
    if public:
        min_group = int(params["privacy"]["min_group"])
        series = series[~public_mask(series["participants"], series["low_count"], min_group)]
        uniform = pd.concat([change_table[c].isin([0.0, 100.0]) & (change_table[n] > 0)
                             for c, n in (("share_prev", "n_prev"), ("share_now", "n_now"))], axis=1).any(axis=1)
        hidden = (small_mask(change_table[["n_prev", "n_now"]], min_group).any(axis=1) | uniform)
        hidden = hidden.to_numpy().astype(int)
        small = hidden == 1
        change_table = change_table.copy()
        change_table.loc[small, HIDDEN_COLUMNS] = np.nan
        grid.loc[small, HIDDEN_COLUMNS + ["status_level", "change_level", "level"]] = np.nan
    change_table["hidden"] = hidden
    grid["hidden"] = hidden
    group_table = hide_pooled(group_table, params, public)
    missing = tuple(dyn.groups_without_results(scope.results, year, params, shnor_ids))
    # an indicator over a group nobody has results of has no value (not 0 % of the ШНОР)
    indicators["no_results"] = indicators["id"].isin([i for i, key in dyn.POSITIVE_GROUPS if key in missing]).astype(int)
    indicators.loc[indicators["no_results"] == 1, "value"] = np.nan
    return Dynamics(municipality, year, params, shnor_ids, series, change_table, cohort_table, indicators, gap,
                    trends, grid, group_table, public, missing)


@dataclass(frozen=True)
class ChangeTests:
    """How many changes of a report were tested and how many came out significant.

    ``tested``: rows with a q-value (enough participants in both years); ``expected_by_chance``:
    ``alpha × tested``, the number of «significant» changes expected without any true change
    had each test been read at ``alpha`` alone; ``significant``: the verdicts
    ``improved`` or ``declined`` (``q_value < alpha`` and ``abs(change_pp) >= min_change_pp``).
    """

    tested: int
    expected_by_chance: float
    significant: int
    alpha: float
    min_change_pp: float


def change_tests(d: Dynamics) -> ChangeTests:
    """Count the change tests of ``d`` from its verdicts (which a public report keeps)."""
    dp = d.params["dynamics"]
    table = d.changes
    tested = table["verdict"] != "insufficient_data"
    n = int(tested.sum())
    return ChangeTests(tested=n, expected_by_chance=float(dp["alpha"]) * n,
                       significant=int(table["verdict"].isin(["improved", "declined"]).sum()),
                       alpha=float(dp["alpha"]), min_change_pp=float(dp["min_change_pp"]))
