"""Everything notebook 03 (the analytical note) shows: indicators, road map, addressed recommendations."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import pandas as pd

from ..data.cache import memoised
from ..data.deadlines import read_roadmap, text_column
from ..data.programmes import Programme, programme_for
from ..data.region import Region
from ..data.roadmaps import load_body_aliases, load_roadmaps
from ..rules.indicators import (INDICATOR_COLUMNS, IndicatorTables, compute_indicators, risk_factor_changes,
                                school_tests)
from ..rules.roadmap import overdue_items, roadmap_status, roadmap_summary, split_bodies
from .dynamics import hide_pooled
from .identification import Identification, build_identification

STATE_ORDER = ["done", "in_progress", "overdue", "not_started", "unparsed_deadline"]


@dataclass
class Monitoring:
    """One municipality's monitoring round."""

    municipality: str | None
    year: int
    params: dict
    programme: Programme | None
    indicators: pd.DataFrame
    ident: Identification
    as_of: _dt.date
    as_of_basis: str
    roadmap: pd.DataFrame | None
    roadmap_total: pd.DataFrame | None
    roadmap_by_direction: pd.DataFrame | None
    roadmap_by_body: pd.DataFrame | None
    overdue: pd.DataFrame | None
    recommendations: pd.DataFrame
    plans: pd.DataFrame | None = None
    #: The one test per ШНОР behind the indicators that count a school's verdict
    #: (:func:`qualitylib.rules.indicators.school_tests`), privacy applied.
    school_tests: pd.DataFrame | None = None
    #: The risk factors removed by each school of last year's risk zone
    #: (:func:`qualitylib.rules.indicators.risk_factor_changes`), when an indicator lists them.
    risk_factors: pd.DataFrame | None = None

    @property
    def year_in_period(self) -> bool | None:
        """Whether the report year overlaps the programme period (``None`` when it has none)."""
        if self.programme is None or self.programme.period is None:
            return None
        start, end = self.programme.period
        return start.year <= self.year <= end.year


def indicator_tables(region: Region, municipality: str | None, ident: Identification | None = None
                     ) -> IndicatorTables:
    """The tables the indicators of ``municipality`` are computed from.

    ``ident``, an identification of the same municipality already computed by the caller, lends
    its ШНОР and risk tables of its year and the year before. Only an internal identification
    is lent: a public one (``ident.public``) has small groups hidden, which the indicators must
    not see; the caller checks that its year and parameters are those of the indicators.
    """
    scope = region.subset(municipality)
    shnor, risk = {}, {}
    if ident is not None and not ident.public and ident.municipality == municipality:
        shnor = {ident.year: ident.shnor, ident.year - 1: ident.shnor_prev}
        risk = {ident.year: ident.risk, ident.year - 1: ident.risk_prev}
    return IndicatorTables(scope.schools, scope.results, scope.context, scope.monitoring, region.results,
                           shnor, risk, region.context, getattr(scope, "municipal", None))


def indicators_table(region: Region, municipality: str | None, year: int, params: dict,
                     programme: Programme, catalogue: dict, ident: Identification | None = None,
                     as_of: _dt.date | None = None) -> pd.DataFrame:
    """The programme's indicators for a municipality and year (codes and numbers).

    ``ident``, an :class:`qualitylib.reports.identification.Identification` of the same
    municipality, year and params already computed by the caller, lends its ШНОР and risk
    tables (:func:`indicator_tables`); the numbers are the same without it. ``as_of``: the monitoring
    day (default 1 September of ``year``; before October the risk zone reads last year's context).

    Returns
    -------
    pandas.DataFrame
        :func:`qualitylib.rules.indicators.compute_indicators`.

    Notes
    -----
    The table is memoised per region, data, code and parameters (:mod:`qualitylib.data.cache`):
    the analytical note computes it, the index page of a batch run reads it.
    """
    def compute():
        lend = ident if ident is not None and ident.year == int(year) and ident.params == params else None
        return compute_indicators(indicator_tables(region, municipality, lend), year, params, programme, catalogue,
                                  as_of)

    return memoised(region, "indicators",
                    {"municipality": municipality, "year": int(year), "params": params,
                     "programme": programme, "catalogue": catalogue,
                     "as_of": None if as_of is None else as_of.isoformat()}, compute)


#: How the monitoring date was chosen (:func:`report_date`).
AS_OF_BASES = ("given", "september", "period_end", "period_start")


def report_date(year: int, programme: Programme | None, as_of: str | _dt.date | None) -> tuple[_dt.date, str]:
    """The date the road map is read at and how it was chosen (:data:`AS_OF_BASES`).

    ``as_of`` when given (``"given"``); else 1 September of ``year``, the monitoring month of
    Norilsk (``"september"``); when that day lies after the programme's end, the road map is read
    at the end of its period (``"period_end"``), before its start at the start (``"period_start"``)
    -- the report says so at the top, nothing is clamped silently.
    """
    if as_of is not None:
        return (as_of if isinstance(as_of, _dt.date) else _dt.date.fromisoformat(str(as_of))), "given"
    date = _dt.date(int(year), 9, 1)
    if programme is not None and programme.period is not None:
        if date > programme.period[1]:
            return programme.period[1], "period_end"
        if date < programme.period[0]:
            return programme.period[0], "period_start"
    return date, "september"


def plan_table(status: pd.DataFrame, titles: dict[str, str], periods: dict) -> pd.DataFrame:
    """One row per plan of a road map: key, title, period, items, occurrences and the summary counts."""
    summary = roadmap_summary(status, by="plan")
    items = status.drop_duplicates(["plan", "item"]).groupby("plan", sort=False).size()
    summary.insert(1, "title", summary["plan"].map(lambda key: titles.get(key, key)).astype(object))
    summary.insert(2, "items", summary["plan"].map(items).astype("int64"))
    summary.insert(3, "period_start", summary["plan"].map(lambda key: (periods.get(key) or (None, None))[0]))
    summary.insert(4, "period_end", summary["plan"].map(lambda key: (periods.get(key) or (None, None))[1]))
    return summary


def addressed_recommendations(ident: Identification) -> pd.DataFrame:
    """One row per ШНОР and per risk school: why it is listed and what is recommended to it.

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``school_name``, ``kind`` (``shnor`` or ``risk``), ``leader_name``
        (the leader school of a ШНОР's network pair; NaN when none) and ``list``: ``official`` when the
        ШНОР are those of the official list -- the parameters say ``identification.addressed_list:
        official`` and the data hold the list of the year -- else ``computed``. The reasons and the
        recommendations in words are added by :func:`qualitylib.views.monitoring.recommendation_frame`.
    """
    rows = []
    pairs = ident.pairs.set_index("school_id") if len(ident.pairs) else pd.DataFrame()
    shnor = ident.shnor_list[["school_id", "school_name"]]
    official = ident.params["identification"].get("addressed_list") == "official" and ident.reconciliation is not None
    if official:  # the programme works with the published list (Norilsk 2.1)
        listed = ident.reconciliation[ident.reconciliation["listed"] != "computed_only"]
        shnor = listed[["school_id", "school_name"]].assign(
            school_name=listed["school_name"].where(listed["school_name"].notna(), listed["school_id"]))
    for row in shnor.itertuples():
        leader = None
        if row.school_id in pairs.index and pd.notna(pairs.loc[row.school_id, "leader_name"]):
            leader = pairs.loc[row.school_id, "leader_name"]
        rows.append({"school_id": row.school_id, "school_name": row.school_name, "kind": "shnor",
                     "leader_name": leader, "list": "official" if official else "computed"})
    for row in ident.risk_list.itertuples():
        rows.append({"school_id": row.school_id, "school_name": row.school_name, "kind": "risk",
                     "leader_name": None, "list": "computed"})
    return pd.DataFrame(rows, columns=["school_id", "school_name", "kind", "leader_name", "list"])


def build_monitoring(region: Region, municipality: str | None, year: int, params: dict,
                     as_of: str | _dt.date | None = None, public: bool = False) -> Monitoring:
    """Compute the programme's indicators, the road map's state and the recommendations."""
    ident = build_identification(region, municipality, year, params, public=public, objectivity=False)
    given = None if as_of is None else (as_of if isinstance(as_of, _dt.date) else _dt.date.fromisoformat(str(as_of)))
    if params.get("programme"):
        programme, catalogue = programme_for(params)
        indicators = indicators_table(region, municipality, year, params, programme, catalogue, ident=ident,
                                      as_of=given)
        tests = hide_pooled(school_tests(indicator_tables(region, municipality, ident), year, params, programme,
                                         catalogue),
                            params, public)
    else:  # no programme named: the note still gives the road map and the recommendations
        programme, indicators, tests = None, pd.DataFrame(columns=INDICATOR_COLUMNS), None
    factors = None
    if (indicators["lists"] == "removed_risk_factors").any():
        factors = risk_factor_changes(indicator_tables(region, municipality), year, params, given)
    date, basis = report_date(year, programme, as_of)
    scope = region.subset(municipality)
    roadmap = total = by_direction = by_body = overdue = plans = None
    if scope.roadmap is not None and len(scope.roadmap):
        packaged = load_roadmaps()
        table = scope.roadmap.copy()
        table["plan"] = text_column(table, "plan")
        own = {key: plan.period for key, plan in packaged.items() if plan.period is not None}
        read = read_roadmap(table, programme.period if programme else None, plan_periods=own, occurrences=True)
        roadmap = roadmap_status(read, date)
        titles = {key: plan.title for key, plan in packaged.items()}
        roadmap["plan_title"] = roadmap["plan"].map(lambda key: titles.get(key, key)).astype(object)
        aliases = load_body_aliases().get(municipality or "", {})
        roadmap["bodies"] = roadmap["responsible"].map(lambda v: "; ".join(split_bodies(v, aliases))).astype(object) \
            if "responsible" in roadmap else ""
        total = roadmap_summary(roadmap)
        by_direction = roadmap_summary(roadmap, by=["plan_title", "direction"])
        by_body = roadmap_summary(roadmap, by="responsible", aliases=aliases)
        overdue = overdue_items(roadmap)
        periods = {key: (p[0], p[1]) for key, p in own.items()}
        if programme is not None and programme.period is not None:
            for key in roadmap["plan"].unique():
                periods.setdefault(key, programme.period)
        plans = plan_table(roadmap, titles, periods)
    return Monitoring(municipality, year, params, programme, indicators, ident, date, basis, roadmap, total,
                      by_direction, by_body, overdue, addressed_recommendations(ident), plans, tests, factors)
