"""Programme indicators: their evaluation against the targets.

Every indicator is computed for the report year and the year before — numerator,
denominator, value — and compared with its target: ``met``, ``not_met`` or ``no_data``
(the value, or for a target relative to last year last year's value, cannot be computed),
or ``no_target`` when the programme sets none. Nothing is typed by hand into a report.
The catalogue and the programmes are read by :mod:`qualitylib.data.programmes`; their
Russian texts (status titles, targets in words) are :mod:`qualitylib.views.monitoring`.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import dynamics as dyn
from .identification import assessment_ids, identify_shnor
from .risk import identify_risk
from ..data.schema import CONTEXT_MONTH, MONITORING

if TYPE_CHECKING:  # the type only; the rules never read programme files
    from ..data.programmes import Programme

#: Status codes of an indicator, in report order.
STATUSES = ("met", "not_met", "no_data", "no_target")

#: Columns of :func:`compute_indicators`, in order.
INDICATOR_COLUMNS = ["id", "title", "group", "unit", "period", "numerator", "denominator", "value",
                     "prev_numerator", "prev_denominator", "prev_value", "change", "target_direction",
                     "target_value", "target_relative", "target_note", "status", "programme", "source",
                     "target_own", "round", "evidence", "prev_evidence", "lists", "basis"]

@dataclass(frozen=True)
class IndicatorTables:
    """The tables the indicators of one municipality are computed from.

    Parameters
    ----------
    schools, results, context : pandas.DataFrame
        The municipality's SCHOOLS, RESULTS and CONTEXT tables (the whole region's for the
        region as a whole).
    monitoring : pandas.DataFrame or None
        The municipality's MONITORING table; ``None`` when the region has none.
    region_results : pandas.DataFrame
        The RESULTS of the whole region (the score indices compare the municipality with it).
    shnor : mapping of int to pandas.DataFrame
        ШНОР tables (:func:`qualitylib.rules.identification.identify_shnor`) already computed
        for some years with the same parameters, reused instead of computed again.
    risk : mapping of int to pandas.DataFrame
        Risk tables (:func:`qualitylib.rules.risk.identify_risk`) likewise.
    region_context : pandas.DataFrame, optional
        The CONTEXT of the whole region: ШНСУ are the schools with the lowest social index among
        the region's (:func:`qualitylib.rules.social.social_index`); without it, among ``context``.
    municipal : pandas.DataFrame, optional
        The municipality's MUNICIPAL rows: its yes/no items (``indicator``, ``done``, ``evidence``).
    """

    schools: pd.DataFrame
    results: pd.DataFrame
    context: pd.DataFrame
    monitoring: pd.DataFrame | None
    region_results: pd.DataFrame
    shnor: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    risk: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    region_context: pd.DataFrame | None = None
    municipal: pd.DataFrame | None = None


# ---------------------------------------------------------------------------------------------
# Evaluation context: the tables of one municipality and one year, computed once.


class Context:
    """Lazily computed tables shared by the indicators of one municipality and one year."""

    def __init__(self, tables: IndicatorTables, year: int, params: dict, registry: tuple[str, ...] = (),
                 as_of: _dt.date | None = None):
        self.tables, self.year, self.params = tables, year, params
        self.registry = tuple(registry)
        self.as_of = monitoring_day(year, as_of)
        #: 1 when the monitoring day precedes the collection of the year's context (October): the
        #: risk zone of a year is then read on the context of the year before, the latest known
        self.context_lag = context_lag(year, self.as_of)
        self._cache: dict = {}
        for y, table in tables.shnor.items():
            self._cache[("shnor_table", int(y))] = table
        if not self.context_lag:  # lent risk tables read the context of their own year
            for y, table in tables.risk.items():
                self._cache[("risk", int(y))] = table

    def cached(self, key, func):
        if key not in self._cache:
            self._cache[key] = func()
        return self._cache[key]

    def diagnostics_basis(self) -> str:
        """:func:`diagnostics_basis` of the report year, computed once."""
        return self.cached(("diagnostics_basis", self.year), lambda: diagnostics_basis(
            self.tables.results, self.tables.schools, self.year, self.params))

    def shnor_table(self, year: int) -> pd.DataFrame:
        """The ШНОР rule applied to the scope's schools in ``year``."""
        return self.cached(("shnor_table", year), lambda: identify_shnor(
            self.tables.results, self.tables.schools, year, self.params))

    def shnor_ids(self, year: int) -> list[str]:
        """ШНОР the programme works with in ``year``: the list identified for ``year − 1``."""
        def compute():
            table = self.shnor_table(year - 1)
            return table.loc[table["shnor"] == 1, "school_id"].tolist()
        return self.cached(("shnor", year), compute)

    def context(self, year: int) -> pd.DataFrame:
        """The context known on the monitoring day for ``year``: the rows of ``year − context_lag``,
        labelled ``year``."""
        ctx = self.tables.context
        if not self.context_lag:
            return ctx
        return ctx[ctx["year"] == year - self.context_lag].assign(year=year)

    def risk(self, year: int) -> pd.DataFrame:
        """The risk zone of ``year``: the year's ВПР and the context known on its monitoring day."""
        return self.cached(("risk", year), lambda: identify_risk(
            self.context(year), self.tables.results, self.tables.schools, year, self.params))

    def changes(self, year: int) -> pd.DataFrame:
        return self.cached(("changes", year), lambda: dyn.changes(
            self.tables.results, self.tables.schools, year, self.params))

    def cohort(self, year: int) -> pd.DataFrame:
        return self.cached(("cohort", year), lambda: dyn.cohort(
            self.tables.results, self.tables.schools, year, self.params))

    def shnsu_ids(self, year: int) -> list[str]:
        """ШНСУ the programme works with in ``year``: identified on the context of ``year − 1``
        among the region's schools, restricted to the scope's."""
        def compute():
            from .social import social_index
            context = self.tables.region_context if self.tables.region_context is not None else self.tables.context
            index = social_index(context, year - 1, self.params)
            mine = set(self.tables.schools["school_id"])
            return [i for i in index.loc[index["shnsu"] == 1, "school_id"] if i in mine]
        return self.cached(("shnsu", year), compute)

    def registry_ids(self, year: int) -> list[str]:
        """The programme's registry of schools: the schools it names (by code or name) when it names
        any, else the ШНОР of ``year`` (:meth:`shnor_ids`)."""
        if not self.registry:
            return self.shnor_ids(year)
        schools = self.tables.schools
        named = set(self.registry)
        hit = schools["school_id"].astype(str).isin(named) | schools["school_name"].astype(str).isin(named)
        return schools.loc[hit, "school_id"].tolist()

    def scope_ids(self, scope: str, year: int) -> list[str]:
        """The schools of a scope: ``all``, ``shnor`` (the list of ``year − 1``), ``shnor_current`` (the
        list of ``year``), ``risk``, ``shnsu``, ``shnor_shnsu`` (ШНОР and/or ШНСУ) or ``registry``."""
        if scope == "shnor":
            return self.shnor_ids(year)
        if scope == "risk":
            risk = self.risk(year)
            return risk.loc[risk["risk"] == 1, "school_id"].tolist()
        if scope == "shnsu":
            return self.shnsu_ids(year)
        if scope == "shnor_shnsu":
            shnor = self.shnor_ids(year)
            return shnor + [i for i in self.shnsu_ids(year) if i not in set(shnor)]
        if scope == "registry":
            return self.registry_ids(year)
        if scope == "shnor_current":  # the list identified in the year itself (Norilsk 2.3.3.6)
            table = self.shnor_table(year)
            return table.loc[table["shnor"] == 1, "school_id"].tolist()
        return self.tables.schools["school_id"].tolist()

    def monitoring(self, year: int, round_: str = "") -> pd.DataFrame:
        """The monitoring rows of ``year`` and one round (``""``: the yearly rows, without a round)."""
        mon = self.tables.monitoring
        if mon is None:
            return pd.DataFrame(columns=MONITORING.column_names)
        rows = mon[mon["year"] == year]
        if "round" in rows:
            rounds = rows["round"].astype(object).where(rows["round"].notna(), "").astype(str).str.strip()
            rows = rows[rounds.str.casefold() == round_.strip().casefold()]
        elif round_:
            rows = rows.iloc[0:0]
        return rows


def monitoring_day(year: int, as_of: _dt.date | None = None) -> _dt.date:
    """The day the indicators of ``year`` are read on: ``as_of``, else 1 September (Norilsk: «в сентябре»)."""
    return as_of if as_of is not None else _dt.date(int(year), 9, 1)


def context_lag(year: int, as_of: _dt.date) -> int:
    """0 when the context of ``year`` (collected in :data:`CONTEXT_MONTH`) exists on ``as_of``, else 1."""
    return 0 if as_of >= _dt.date(int(year), CONTEXT_MONTH, 1) else 1


def _result(numerator, denominator, percent=True) -> tuple[float, float, float]:
    if denominator is None or pd.isna(denominator) or denominator == 0:
        return (float(numerator) if numerator is not None and not pd.isna(numerator) else np.nan,
                float(denominator) if denominator is not None and not pd.isna(denominator) else np.nan, np.nan)
    value = numerator * 100.0 / denominator if percent else numerator / denominator
    return float(numerator), float(denominator), round(float(value), 2)


def _generic(ctx: Context, compute: dict, year: int, round_: str = "") -> tuple[float, float, float]:
    kind = compute["kind"]
    ids = ctx.scope_ids(compute["scope"], year)
    mon = ctx.monitoring(year, round_)
    rows = mon[mon["school_id"].isin(ids)]
    if kind in ("school_share", "school_count"):
        col = compute["column"]
        known = rows[col].dropna()
        hits = int((known >= compute.get("value", 1)).sum())
        if kind == "school_count":
            return (float(hits), np.nan, float(hits)) if len(known) else (np.nan, np.nan, np.nan)
        return _result(hits, len(known))
    if kind == "sum_ratio":
        pair = rows[[compute["numerator"], compute["denominator"]]].dropna()
        if pair.empty:
            return np.nan, np.nan, np.nan
        return _result(pair.iloc[:, 0].sum(), pair.iloc[:, 1].sum())
    if kind == "sum":
        known = rows[compute["column"]].dropna()
        return (float(known.sum()), np.nan, float(known.sum())) if len(known) else (np.nan, np.nan, np.nan)
    if kind == "mean":
        known = rows[compute["column"]].dropna()
        return (np.nan, float(len(known)), round(float(known.mean()), 2)) if len(known) else \
            (np.nan, np.nan, np.nan)
    raise ValueError(kind)  # pragma: no cover - validated in load_catalogue


def municipal_flag(municipal: pd.DataFrame | None, indicator_id: str, programme: str, year: int
                   ) -> tuple[float, str]:
    """A yes/no item of the municipality in ``year``: ``(1.0 | 0.0 | NaN, evidence)``.

    The row of the table MUNICIPAL whose ``indicator`` is the indicator's code (``kavkazsky.6``) or
    its number in the programme (``6``: the code without ``<programme>.``). No row, or an empty
    ``done``, gives NaN (no data); several rows of one item count as done only if all say so.
    """
    if municipal is None or municipal.empty:
        return np.nan, ""
    rows = municipal[municipal["year"] == year]
    names = {indicator_id.casefold()}
    if indicator_id.startswith(f"{programme}."):
        names.add(indicator_id[len(programme) + 1:].casefold())
    keys = rows["indicator"].astype(str).str.strip().str.rstrip(".").str.casefold()
    rows = rows[keys.isin(names)]
    done = pd.to_numeric(rows["done"], errors="coerce").dropna()
    evidence = ""
    if "evidence" in rows:
        evidence = "; ".join(str(v).strip() for v in rows["evidence"].dropna() if str(v).strip())
    if done.empty:
        return np.nan, evidence
    return float(int((done == 1).all())), evidence


# --- builtins: (ctx, year) -> (numerator, denominator, value) --------------------------------

#: Builtins that count a verdict of one school-level test per ШНОР, and the ``dynamics`` key of
#: the group of procedures they test (``None``: the identification assessments).
SCHOOL_TEST_BUILTINS = {"shnor_positive_gia_math": "gia_math", "shnor_positive_gia_russian": "gia_russian",
                        "shnor_positive_diagnostics": "diagnostics", "shnor_improved": None}


def _group_assessments(params: dict, group_key: str | None) -> list[str]:
    return list(params["identification"]["assessments"] if group_key is None else params["dynamics"][group_key])


def diagnostics_basis(results: pd.DataFrame, schools: pd.DataFrame, year: int, params: dict) -> str:
    """Which works Norilsk 2.3.1.3 reads: ``regional`` -- the region's diagnostic works
    (``dynamics.diagnostics_regional``, procedure ``rdr``) when the municipality's results hold some
    of them in both ``year − 1`` and ``year``; else ``vpr_substitute`` -- ВПР of the same grades
    (``dynamics.diagnostics``), a labelled substitute."""
    regional = params["dynamics"].get("diagnostics_regional") or []
    if regional:
        part = results[results["school_id"].isin(schools["school_id"]) & (results["participants"] > 0)]
        held = part.loc[assessment_ids(part).isin(regional).to_numpy(), "year"]
        if {year - 1, year} <= set(held.astype(int)):
            return "regional"
    return "vpr_substitute"


def _group_key(ctx: Context, year: int, group_key: str | None) -> str | None:
    """The ``dynamics`` group a school test reads; the diagnostics group of the report year's basis."""
    if group_key == "diagnostics" and ctx.diagnostics_basis() == "regional":
        return "diagnostics_regional"
    return group_key


def _school_tests(ctx: Context, year: int, group_key: str | None) -> pd.DataFrame:
    """:func:`qualitylib.rules.dynamics.school_changes` of the programme year's ШНОР over a group."""
    group_key = _group_key(ctx, year, group_key)
    return ctx.cached(("school_tests", year, group_key), lambda: dyn.school_changes(
        ctx.tables.results, ctx.tables.schools, year, ctx.params, _group_assessments(ctx.params, group_key),
        ctx.shnor_ids(year)))


def _improved_share(group_key: str | None):
    """ШНОР whose one test over the group finds a significant fall of the low share (2.3.1, Kavkazsky).

    The school-level test of :func:`qualitylib.rules.dynamics.school_changes` (Cochran–
    Mantel–Haenszel over the procedures, Benjamini–Hochberg over the ШНОР, the practical
    threshold); schools that cannot be tested count in the denominator only.
    """
    def compute(ctx: Context, year: int):
        ids = ctx.shnor_ids(year)
        if not ids:
            return _result(0, 0)
        tests = _school_tests(ctx, year, group_key)
        return _result(int((tests["verdict"] == "improved").sum()), len(ids))
    return compute


def school_tests(tables: IndicatorTables, year: int, params: dict, programme: Programme,
                 catalogue: dict) -> pd.DataFrame:
    """The school-level tests behind the programme's indicators that count a school's verdict.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`qualitylib.rules.dynamics.school_changes` and ``indicator``
        (the indicator id), one row per ШНОР of the programme year and such indicator; empty
        when the programme has none.
    """
    ctx = Context(tables, year, params)
    parts = []
    for indicator_id in programme.indicators:
        compute = catalogue[indicator_id]["compute"]
        if compute["kind"] == "builtin" and compute["name"] in SCHOOL_TEST_BUILTINS:
            part = _school_tests(ctx, year, SCHOOL_TEST_BUILTINS[compute["name"]])
            parts.append(part.assign(indicator=indicator_id))
    if not parts:
        return pd.DataFrame(columns=["indicator", "school_id", "school_name", "procedures", "n_prev", "n_now",
                                     "share_prev", "share_now", "change_pp", "p_value", "q_value", "verdict"])
    return pd.concat(parts, ignore_index=True)


def _shnor_count(ctx: Context, year: int):
    table = ctx.shnor_table(year)
    has_data = table["assessed"] > 0
    if not has_data.any():
        return np.nan, np.nan, np.nan
    count = int(table["shnor"].sum())
    return float(count), np.nan, float(count)


def _risk_share(ctx: Context, year: int):
    risk = ctx.risk(year)
    known = risk[risk["has_context"] == 1]
    return _result(int(known["risk"].sum()), len(known))


def _removed(column_set):
    def compute(ctx: Context, year: int):
        prev, now = ctx.risk(year - 1), ctx.risk(year)
        flag_prev = prev.set_index("school_id")[column_set].max(axis=1)
        flag_now = now.set_index("school_id")[column_set].max(axis=1)
        known = (prev.set_index("school_id")["has_context"] == 1) & (now.set_index("school_id")["has_context"] == 1)
        before = flag_prev[(flag_prev == 1) & known]
        removed = int((flag_now.reindex(before.index) == 0).sum())
        return _result(removed, len(before))
    return compute


def _deficit_share(ctx: Context, year: int):
    risk = ctx.risk(year)
    known = risk[risk["has_context"] == 1]
    return _result(int((known[["area_material", "area_staff"]].max(axis=1) == 1).sum()), len(known))


def _cohort(subject):
    def compute(ctx: Context, year: int):
        part = ctx.cohort(year)
        part = part[(part["subject"] == subject) & part["change_pp"].notna()]
        return _result(int(part["fell"].sum()), len(part))
    return compute


def _oge_no_fail(subject):
    def compute(ctx: Context, year: int):
        res = ctx.tables.results
        part = res[(res["year"] == year) & (res["procedure"] == "oge") & (res["subject"] == subject)
                   & (res["participants"] > 0)]
        return _result(int((part["low_count"] == 0).sum()), len(part))
    return compute


def _score_index(procedures):
    """Participant-weighted mean score of the area relative to the region's (= 100), averaged over works."""
    def compute(ctx: Context, year: int):
        res = ctx.tables.region_results
        part = res[(res["year"] == year) & res["procedure"].isin(procedures) & res["mean_score"].notna()
                   & (res["participants"] > 0)].copy()
        if part.empty:
            return np.nan, np.nan, np.nan
        part["points"] = part["mean_score"] * part["participants"]
        keys = ["procedure", "subject", "grade"]
        region_mean = part.groupby(keys)[["points", "participants"]].sum()
        mine = part[part["school_id"].isin(ctx.tables.schools["school_id"])].groupby(keys)[
            ["points", "participants"]].sum()
        if mine.empty:
            return np.nan, np.nan, np.nan
        ratio = (mine["points"] / mine["participants"]) / (region_mean["points"] / region_mean["participants"]).reindex(
            mine.index)
        return np.nan, np.nan, round(float(ratio.mean() * 100), 2)
    return compute


def _shnor_gia_pass(ctx: Context, year: int):
    ids = ctx.shnor_ids(year)
    res = ctx.tables.results
    part = res[(res["year"] == year) & res["procedure"].isin(["oge", "ege"]) & res["school_id"].isin(ids)]
    if part.empty:
        return np.nan, np.nan, np.nan
    return _result(int((part["participants"] - part["low_count"]).sum()), int(part["participants"].sum()))


def _gia_gap_of(assessment: str):
    """The gap between the best and the worst 10 % of schools in one ГИА assessment, on its own scale."""
    def compute(ctx: Context, year: int):
        gap = ctx.cached("gap", lambda: dyn.gia_gap(ctx.tables.results, ctx.tables.schools, ctx.params))
        part = gap[(gap["year"] == year) & (gap["assessment"] == assessment)]
        if part.empty:
            return np.nan, np.nan, np.nan
        return np.nan, np.nan, round(float(part["gap"].iloc[0]), 2)
    return compute


def _gia_gap(ctx: Context, year: int):
    gap = ctx.cached("gap", lambda: dyn.gia_gap(ctx.tables.results, ctx.tables.schools, ctx.params))
    part = gap[gap["year"] == year]
    if part.empty:
        return np.nan, np.nan, np.nan
    return np.nan, np.nan, round(float(part["gap"].mean()), 2)


BUILTINS = {
    "shnor_positive_gia_math": _improved_share("gia_math"),
    "shnor_positive_gia_russian": _improved_share("gia_russian"),
    "shnor_positive_diagnostics": _improved_share("diagnostics"),
    "shnor_count": _shnor_count,
    "risk_share": _risk_share,
    "risk_removed": _removed(["risk"]),
    "deficit_share": _deficit_share,
    "deficit_removed": _removed(["area_material", "area_staff"]),
    "cohort_math": _cohort("math"),
    "cohort_russian": _cohort("russian"),
    "oge_russian_no_fail": _oge_no_fail("russian"),
    "oge_math_no_fail": _oge_no_fail("math"),
    "vpr_score_index": _score_index(["vpr"]),
    "gia_score_index": _score_index(["oge", "ege"]),
    "shnor_gia_pass": _shnor_gia_pass,
    "shnor_improved": _improved_share(None),
    "gia_gap": _gia_gap,
    "gia_gap_oge_russian": _gia_gap_of("oge.russian.9"),
    "gia_gap_oge_math": _gia_gap_of("oge.math.9"),
    "gia_gap_ege_russian": _gia_gap_of("ege.russian.11"),
    "gia_gap_ege_math_base": _gia_gap_of("ege.math_base.11"),
}


#: What an indicator lists besides its value (catalogue key ``lists``): ``removed_risk_factors`` --
#: Norilsk 3.3.1.2 «с перечислением устраненных факторов», :func:`risk_factor_changes`.
LISTS = ("removed_risk_factors",)


def _codes(value) -> set[str]:
    return {c for c in str(value if isinstance(value, str) else "").split(";") if c}


def risk_factor_changes(tables: IndicatorTables, year: int, params: dict, as_of: _dt.date | None = None
                        ) -> pd.DataFrame:
    """The risk factors each school of last year's risk zone has removed by ``year``.

    The zones are those of the indicators (:meth:`Context.risk`, the context known on the monitoring
    day); schools without the context of both years are left out.

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``school_name``, ``removed_codes`` and ``remaining_codes`` (``;``-separated codes
        of :data:`qualitylib.rules.risk.DEFICITS`: last year's factors gone and still there),
        ``left_zone`` (1: not at risk in ``year``), ``prevention`` (the monitoring column
        ``risk_prevention`` of ``year``, NaN when not reported); in the order of last year's zone.
    """
    ctx = Context(tables, year, params, as_of=as_of)
    prev = ctx.risk(year - 1).set_index("school_id")
    now = ctx.risk(year).set_index("school_id")
    columns = ["school_id", "school_name", "removed_codes", "remaining_codes", "left_zone", "prevention"]
    before = prev[(prev["risk"] == 1) & (prev["has_context"] == 1)]
    before = before[before.index.isin(now.index[now["has_context"] == 1])]
    mon = ctx.monitoring(year)
    prevention = mon.set_index("school_id")["risk_prevention"] if "risk_prevention" in mon else pd.Series(dtype=float)
    rows = []
    for school_id, row in before.iterrows():
        new = _codes(now.at[school_id, "deficit_codes"])
        order = [c for c in str(row["deficit_codes"]).split(";") if c]
        rows.append({"school_id": school_id, "school_name": row["school_name"],
                     "removed_codes": ";".join(c for c in order if c not in new),
                     "remaining_codes": ";".join(c for c in order if c in new),
                     "left_zone": int(now.at[school_id, "risk"] == 0),
                     "prevention": float(prevention.get(school_id, np.nan)) if school_id in prevention.index
                     else np.nan})
    return pd.DataFrame(rows, columns=columns)


# --- targets ---------------------------------------------------------------------------------

def evaluate_target(value: float, previous: float, target: dict) -> str:
    """``met`` / ``not_met`` / ``no_data`` / ``no_target`` for one value against its target."""
    d = target["direction"]
    if d == "none":
        return "no_target"
    if value is None or pd.isna(value):
        return "no_data"
    v = target.get("value")
    if d in ("at_least", "at_most", "equals"):
        ok = {"at_least": value >= v - 1e-9, "at_most": value <= v + 1e-9, "equals": abs(value - v) < 1e-9}[d]
        return "met" if ok else "not_met"
    if previous is None or pd.isna(previous):
        return "no_data"
    if d == "increase":
        return "met" if value > previous else "not_met"
    if d == "decrease":
        return "met" if value < previous else "not_met"
    change = value - previous
    if target.get("relative"):
        if previous == 0:
            return "no_data"
        change = change * 100.0 / abs(previous)
    if d == "increase_by":
        return "met" if change >= v - 1e-9 else "not_met"
    return "met" if -change >= v - 1e-9 else "not_met"


def compute_indicators(tables: IndicatorTables, year: int, params: dict, programme: Programme,
                       catalogue: dict, as_of: _dt.date | None = None) -> pd.DataFrame:
    """Evaluate a programme's indicators for a municipality and year.

    Parameters
    ----------
    tables : IndicatorTables
        The municipality's tables (and any ШНОР and risk tables already computed).
    year : int
        The report year; every indicator is also computed for ``year − 1``.
    params : dict
        The methodology parameters (the ШНОР, risk and dynamics rules).
    programme : qualitylib.data.programmes.Programme
        The programme: its indicators and target overrides.
    catalogue : dict
        The indicator catalogue (:func:`qualitylib.data.programmes.load_catalogue`).
    as_of : datetime.date, optional
        The monitoring day (default 1 September of ``year``, :func:`monitoring_day`). Before October of
        ``year`` the year's context is not collected yet: the risk zone of ``year`` (and of ``year − 1``
        for the comparison) is read on the context of the year before (:func:`context_lag`).

    Returns
    -------
    pandas.DataFrame
        One row per indicator, columns :data:`INDICATOR_COLUMNS`: ``id``, ``title``, ``group``,
        ``unit``, ``period`` (from the catalogue), ``numerator``, ``denominator``, ``value``,
        ``prev_numerator``, ``prev_denominator``, ``prev_value``, ``change``, the target as
        ``target_direction``, ``target_value`` (NaN when none) and ``target_relative`` (bool),
        ``target_note``, ``status`` (one of :data:`STATUSES`), ``programme``, ``source`` (the programme
        the catalogue takes the indicator from: another one's for a borrowed indicator) and
        ``target_own`` (the programme sets the target itself) and ``round``: an indicator with
        ``rounds`` in the catalogue (``[январь, июнь]``) gives one row per round, computed from the
        monitoring rows of that round and compared with the same round of last year; ``""`` for the
        yearly rows. A yes/no item of the municipality (``compute: {kind: municipal_flag}``, unit
        «да/нет» in the catalogue) has value 1 or 0 from the table MUNICIPAL (:func:`municipal_flag`) and its
        ``evidence`` (``prev_evidence`` last year's); the other indicators have ``""`` there. ``lists``:
        what the indicator lists besides its value (:data:`LISTS`, ``""``); ``basis``: for the
        diagnostics of Norilsk 2.3.1.3 the works read (:func:`diagnostics_basis`), else ``""``.
    """
    ctx = Context(tables, year, params, getattr(programme, "registry", ()), as_of)
    rows = []
    for indicator_id, round_ in ((i, r) for i in programme.indicators for r in (catalogue[i].get("rounds") or [""])):
        spec = catalogue[indicator_id]
        compute = spec["compute"]
        evidence = prev_evidence = ""
        if compute["kind"] == "municipal_flag":
            value, evidence = municipal_flag(tables.municipal, indicator_id, programme.name, year)
            p_value, prev_evidence = municipal_flag(tables.municipal, indicator_id, programme.name, year - 1)
            num = den = p_num = p_den = np.nan
        else:
            func = BUILTINS[compute["name"]] if compute["kind"] == "builtin" else (
                lambda c, y, _compute=compute, _round=round_: _generic(c, _compute, y, _round))
            num, den, value = func(ctx, year)
            p_num, p_den, p_value = func(ctx, year - 1)   # a round is compared with the same round last year
        target = programme.targets.get(indicator_id, spec["target"])
        status = evaluate_target(value, p_value, target)
        rows.append({
            "round": round_,
            "id": indicator_id, "title": spec["title"], "group": spec["group"], "unit": spec["unit"],
            "period": spec["period"], "numerator": num, "denominator": den, "value": value,
            "prev_numerator": p_num, "prev_denominator": p_den, "prev_value": p_value,
            "change": round(value - p_value, 2) if not (pd.isna(value) or pd.isna(p_value)) else np.nan,
            "target_direction": target["direction"],
            "target_value": float(target["value"]) if target.get("value") is not None else np.nan,
            "target_relative": bool(target.get("relative", False)),
            "target_note": spec.get("target_note", ""), "status": status, "programme": programme.name,
            "source": spec["programme"], "target_own": indicator_id in programme.targets,
            "evidence": evidence, "prev_evidence": prev_evidence, "lists": spec.get("lists", ""),
            "basis": ctx.diagnostics_basis() if compute.get("name") == "shnor_positive_diagnostics" else "",
        })
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
