"""Everything the region's report shows: the municipalities side by side, computed in one place.

For the regional ministry: per municipality its schools, ШНОР (number, share of schools,
change from last year), schools in the risk zone, ШНСУ, the objectivity index (when the
region has pupil-level ВПР data), the programme indicators met and not met, and its pooled
share of low results — plotted as a funnel against its number of participants, with the
limits widened for overdispersion when the municipalities differ more than chance allows
(:func:`qualitylib.rules.dynamics.funnel_units`). Each municipality is read with its own
parameters, as in its own reports; the numbers are those of :func:`~qualitylib.reports
.identification.build_identification` and :func:`~qualitylib.reports.monitoring.indicators_table`
(memoised: a batch run computes them once).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.municipality import municipality_params
from ..data.programmes import programme_for
from ..data.region import Region
from ..exceptions import QualitylibError
from ..rules import dynamics as dyn
from ..rules.identification import low_results
from .identification import build_identification, region_objectivity
from .monitoring import indicators_table

#: Columns of :attr:`RegionReport.table`, in order.
REGION_COLUMNS = ["municipality", "schools", "shnor", "shnor_share", "shnor_prev", "shnor_change", "risk", "shnsu",
                  "objectivity_index", "indicators_met", "indicators_not_met", "indicators_total", "participants",
                  "low_count", "share", "programme"]


@dataclass
class RegionReport:
    """The region's report: one row per municipality, the region's totals, the funnel.

    ``table`` has the columns :data:`REGION_COLUMNS` (codes and numbers; ``shnor_share`` and
    ``share`` in percent, ``shnor_change`` = ``shnor − shnor_prev``, ``objectivity_index``
    NaN without pupil-level data, the indicator counts NaN without a programme).
    ``totals`` is the region's row (its indicators are not summed: they are not the region's).
    ``funnel`` is :func:`qualitylib.rules.dynamics.funnel_units` of the municipalities
    (``municipality`` and ``school_name`` = the municipality), ``curves`` its limits.
    ``problems`` maps a municipality left out of the table to the reason.
    """

    region: str
    year: int
    public: bool
    table: pd.DataFrame
    totals: dict
    funnel: pd.DataFrame
    curves: pd.DataFrame | None
    problems: dict[str, str]


def region_params(region: Region, params_dir: str | None = None) -> tuple[dict[str, dict], dict[str, str]]:
    """Each municipality's parameters, and the reasons of those whose file cannot be loaded."""
    params_of, problems = {}, {}
    for name in region.municipalities:
        try:
            params_of[name] = municipality_params(name, params_dir=params_dir, schools=region.schools,
                                                  known=region.municipalities)
        except QualitylibError as exc:
            problems[name] = str(exc)
    return params_of, problems


def _low_sums(region: Region, year: int, params: dict, kept: dict) -> pd.DataFrame:
    """Participants and low results with data per municipality, under ``params``' identification section.

    The flags are per school and work, so the region's table grouped by municipality gives what
    each municipality's own table gives; it is computed once for each distinct section (``kept``).
    """
    key = json.dumps(params["identification"], sort_keys=True, ensure_ascii=False, default=str)
    if key not in kept:
        flags = low_results(region.results, params, years=[year])
        flags = flags[flags["has_data"]]
        owner = region.municipality_of(flags["school_id"])
        kept[key] = flags[["participants", "low_count"]].groupby(owner.to_numpy(dtype=object)).sum()
    return kept[key]


def build_region_report(region: Region, year: int, params_of: Mapping[str, dict], public: bool = False,
                        problems: Mapping[str, str] | None = None) -> RegionReport:
    """Gather the municipalities side by side for ``year``.

    Parameters
    ----------
    region : Region
        The whole region.
    year : int
        The report year.
    params_of : mapping of str to dict
        Each municipality's parameters (:func:`region_params`); a municipality missing here
        is left out of the table.
    public : bool
        Public mode: the counts are of schools, never of small groups of pupils, so nothing
        is hidden; the flag is kept for the views.
    problems : mapping, optional
        Reasons of municipalities left out, carried to the report.
    """
    year = int(year)
    found = region_objectivity(region, year)  # memoised: the municipalities' notebooks computed it
    objectivity = None if found is None else found[0]
    rows, catalogue = [], None
    low_sums: dict[str, pd.DataFrame] = {}  # the region's low results, once per identification section
    for name in region.municipalities:
        if name not in params_of:
            continue
        params = params_of[name]
        ident = build_identification(region, name, year, params, public=public, objectivity=False)
        head = ident.headline
        row = {"municipality": name, "schools": head["schools"], "shnor": head["shnor"],
               "shnor_prev": head["shnor_prev"], "risk": head["risk"], "shnsu": head["shnsu"],
               "indicators_met": np.nan, "indicators_not_met": np.nan, "indicators_total": np.nan,
               "programme": params.get("programme") or ""}
        row["shnor_share"] = round(head["shnor"] * 100.0 / head["schools"], 1) if head["schools"] else np.nan
        row["shnor_change"] = head["shnor"] - head["shnor_prev"]
        if objectivity is not None:
            mine = objectivity[objectivity["municipality"] == name]
            row["objectivity_index"] = round(100.0 - mine["marked"].mean() * 100, 1) if len(mine) else np.nan
        else:
            row["objectivity_index"] = np.nan
        if params.get("programme"):
            programme, catalogue = programme_for(params, catalogue)
            table = indicators_table(region, name, year, params, programme, catalogue)
            row["indicators_met"] = int((table["status"] == "met").sum())
            row["indicators_not_met"] = int((table["status"] == "not_met").sum())
            row["indicators_total"] = int((table["status"] != "no_target").sum())
        sums = _low_sums(region, year, params, low_sums)
        row["participants"] = int(sums["participants"].get(name, 0))
        row["low_count"] = int(sums["low_count"].get(name, 0))
        row["share"] = round(row["low_count"] * 100.0 / row["participants"], 1) if row["participants"] else np.nan
        rows.append(row)
    table = pd.DataFrame(rows, columns=REGION_COLUMNS)
    totals = {key: int(table[key].sum()) for key in ("schools", "shnor", "shnor_prev", "risk", "shnsu",
                                                      "participants", "low_count")}
    totals["shnor_share"] = round(totals["shnor"] * 100.0 / totals["schools"], 1) if totals["schools"] else np.nan
    totals["shnor_change"] = totals["shnor"] - totals["shnor_prev"]
    totals["share"] = (round(totals["low_count"] * 100.0 / totals["participants"], 1)
                       if totals["participants"] else np.nan)
    if objectivity is not None and len(objectivity):
        totals["objectivity_index"] = round(100.0 - objectivity["marked"].mean() * 100, 1)
    else:
        totals["objectivity_index"] = np.nan
    units = table[["municipality", "participants", "low_count"]].assign(school_name=table["municipality"])
    funnel = dyn.funnel_units(units)
    curves = None
    if len(funnel):
        curves = dyn.funnel_curves(funnel["p0"].iloc[0] / 100, int(funnel["participants"].max()),
                                   dispersion=dyn.funnel_dispersion(funnel), method=str(funnel["method"].iloc[0]))
    return RegionReport(region.name, year, public, table, totals, funnel, curves, dict(problems or {}))
