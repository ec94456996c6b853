"""Programme indicators: the catalogue (``params/indicators.yaml``), programmes and their evaluation.

Every indicator is computed for the report year and the year before — numerator,
denominator, value — and compared with its target: ``met``, ``not_met`` or ``no_data``
(the value, or for a target relative to last year last year's value, cannot be computed),
or ``no_target`` when the programme sets none. Nothing is typed by hand into a report.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import dynamics as dyn
from .identification import identify_shnor
from ..data.cache import memoised
from ..data.params import PARAMS_DIR, SAFE_LOADER, ParamsError
from ..data.region import Region
from .risk import identify_risk
from ..data.schema import MONITORING

CATALOGUE_FILE = PARAMS_DIR / "indicators.yaml"
PROGRAMMES_DIR = PARAMS_DIR / "programmes"
KINDS = ("builtin", "school_share", "school_count", "sum_ratio", "sum", "mean")
SCOPES = ("all", "shnor", "risk")
DIRECTIONS = ("increase", "decrease", "at_least", "at_most", "equals", "increase_by", "decrease_by", "none")
STATUS_TITLES = {"met": "выполнен", "not_met": "не выполнен", "no_data": "нет данных", "no_target": "цель не задана"}
MONITORING_COLUMNS = set(MONITORING.column_names[2:])


@dataclass(frozen=True)
class Programme:
    """A programme: its indicators (with target overrides) and its period."""

    name: str
    title: str
    period: tuple[_dt.date, _dt.date] | None
    indicators: list[str]
    targets: dict


def _read(path: Path) -> dict:
    if not path.is_file():
        raise ParamsError([f"файл не найден: {path}"], str(path))
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ParamsError([f"файл не является корректным YAML: {exc}"], str(path)) from exc
    if not isinstance(data, dict):
        raise ParamsError(["ожидался словарь на верхнем уровне"], str(path))
    return data


def _check_target(target, where: str, problems: list[str]) -> None:
    if not isinstance(target, dict) or target.get("direction") not in DIRECTIONS:
        problems.append(f"«{where}.target»: ожидался словарь с direction из: {', '.join(DIRECTIONS)}")
        return
    unknown = set(target) - {"direction", "value", "relative"}
    if unknown:
        problems.append(f"«{where}.target»: неизвестные ключи {', '.join(sorted(unknown))}")
    needs_value = target["direction"] in ("at_least", "at_most", "equals", "increase_by", "decrease_by")
    value = target.get("value")
    if needs_value and (isinstance(value, bool) or not isinstance(value, (int, float))):
        problems.append(f"«{where}.target.value»: для direction {target['direction']} нужно число")


def load_catalogue(path: str | Path | None = None) -> dict[str, dict]:
    """Read and validate the indicator catalogue.

    Raises
    ------
    ParamsError
        Listing every indicator with an unknown kind, scope, monitoring column or target.
    """
    path = Path(path) if path else CATALOGUE_FILE
    data = _read(path).get("indicators")
    if not isinstance(data, dict) or not data:
        raise ParamsError(["ожидался раздел indicators со списком показателей"], str(path))
    problems: list[str] = []
    for ident, spec in data.items():
        where = f"indicators.{ident}"
        if not isinstance(spec, dict):
            problems.append(f"«{where}»: ожидался словарь")
            continue
        for key in ("title", "unit", "group", "programme", "period", "compute", "target"):
            if key not in spec:
                problems.append(f"«{where}»: нет ключа {key}")
        unknown = set(spec) - {"title", "unit", "group", "programme", "period", "compute", "target", "target_note"}
        if unknown:
            problems.append(f"«{where}»: неизвестные ключи {', '.join(sorted(unknown))}")
        compute = spec.get("compute", {})
        kind = compute.get("kind") if isinstance(compute, dict) else None
        if kind not in KINDS:
            problems.append(f"«{where}.compute.kind»: ожидалось одно из {', '.join(KINDS)}")
        elif kind == "builtin":
            if compute.get("name") not in BUILTINS:
                problems.append(f"«{where}.compute.name»: нет такой функции; есть: {', '.join(sorted(BUILTINS))}")
        else:
            if compute.get("scope") not in SCOPES:
                problems.append(f"«{where}.compute.scope»: ожидалось одно из {', '.join(SCOPES)}")
            for key in ("column", "numerator", "denominator"):
                if key in compute and compute[key] not in MONITORING_COLUMNS:
                    problems.append(f"«{where}.compute.{key}»: столбца «{compute[key]}» нет в таблице мониторинга")
        if "target" in spec:
            _check_target(spec["target"], where, problems)
    if problems:
        raise ParamsError(problems, str(path))
    return data


def load_programme(name: str, catalogue: dict, folder: str | Path | None = None) -> Programme:
    """Read ``params/programmes/<name>.yaml`` and check its indicators exist in the catalogue."""
    path = Path(folder or PROGRAMMES_DIR) / f"{name}.yaml"
    data = _read(path)
    problems = []
    indicators = data.get("indicators", [])
    if not isinstance(indicators, list) or not indicators:
        problems.append("«indicators»: ожидался непустой список кодов показателей")
        indicators = []
    for ident in indicators:
        if ident not in catalogue:
            problems.append(f"«indicators»: показателя «{ident}» нет в каталоге {CATALOGUE_FILE.name}")
    targets = data.get("targets") or {}
    for ident, target in targets.items():
        _check_target(target, f"targets.{ident}", problems)
    period = None
    if "period" in data:
        p = data["period"]
        if not (isinstance(p, dict) and isinstance(p.get("start"), _dt.date) and isinstance(p.get("end"), _dt.date)):
            problems.append("«period»: ожидалось {start: ГГГГ-ММ-ДД, end: ГГГГ-ММ-ДД}")
        else:
            period = (p["start"], p["end"])
    if problems:
        raise ParamsError(problems, str(path))
    return Programme(name, str(data.get("title", name)), period, list(indicators), dict(targets))


# ---------------------------------------------------------------------------------------------
# Evaluation context: the tables of one municipality and one year, computed once.


class Context:
    """Lazily computed tables shared by the indicators of one municipality and one year."""

    def __init__(self, region: Region, municipality: str | None, year: int, params: dict):
        self.region, self.municipality, self.year, self.params = region, municipality, year, params
        self.scope = region.subset(municipality)
        self._cache: dict = {}

    def cached(self, key, func):
        if key not in self._cache:
            self._cache[key] = func()
        return self._cache[key]

    def adopt(self, ident) -> None:
        """Reuse the ШНОР and risk tables of an identification of the same scope, year and params.

        Only an internal identification is adopted: a public one (``ident.public``) has small
        groups hidden, which the indicators must not see.
        """
        if ident.public or ident.municipality != self.municipality or ident.params != self.params:
            return
        for year, shnor, risk in ((ident.year, ident.shnor, ident.risk),
                                  (ident.year - 1, ident.shnor_prev, ident.risk_prev)):
            self._cache.setdefault(("shnor_table", year), shnor)
            self._cache.setdefault(("risk", year), risk)

    def shnor_table(self, year: int) -> pd.DataFrame:
        """The ШНОР rule applied to the scope's schools in ``year``."""
        return self.cached(("shnor_table", year), lambda: identify_shnor(
            self.scope.results, self.scope.schools, year, self.params))

    def shnor_ids(self, year: int) -> list[str]:
        """ШНОР the programme works with in ``year``: the list identified for ``year − 1``."""
        def compute():
            table = self.shnor_table(year - 1)
            return table.loc[table["shnor"] == 1, "school_id"].tolist()
        return self.cached(("shnor", year), compute)

    def risk(self, year: int) -> pd.DataFrame:
        return self.cached(("risk", year), lambda: identify_risk(
            self.scope.context, self.scope.results, self.scope.schools, year, self.params))

    def changes(self, year: int) -> pd.DataFrame:
        return self.cached(("changes", year), lambda: dyn.changes(
            self.scope.results, self.scope.schools, year, self.params))

    def cohort(self, year: int) -> pd.DataFrame:
        return self.cached(("cohort", year), lambda: dyn.cohort(
            self.scope.results, self.scope.schools, year, self.params))

    def scope_ids(self, scope: str, year: int) -> list[str]:
        if scope == "shnor":
            return self.shnor_ids(year)
        if scope == "risk":
            risk = self.risk(year)
            return risk.loc[risk["risk"] == 1, "school_id"].tolist()
        return self.scope.schools["school_id"].tolist()

    def monitoring(self, year: int) -> pd.DataFrame:
        mon = self.scope.monitoring
        if mon is None:
            return pd.DataFrame(columns=MONITORING.column_names)
        return mon[mon["year"] == year]


def _result(numerator, denominator, percent=True) -> tuple[float, float, float]:
    if denominator is None or pd.isna(denominator) or denominator == 0:
        return (float(numerator) if numerator is not None and not pd.isna(numerator) else np.nan,
                float(denominator) if denominator is not None and not pd.isna(denominator) else np.nan, np.nan)
    value = numerator * 100.0 / denominator if percent else numerator / denominator
    return float(numerator), float(denominator), round(float(value), 2)


def _generic(ctx: Context, compute: dict, year: int) -> tuple[float, float, float]:
    kind = compute["kind"]
    ids = ctx.scope_ids(compute["scope"], year)
    mon = ctx.monitoring(year)
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


# --- builtins: (ctx, year) -> (numerator, denominator, value) --------------------------------

def _positive(group_key):
    def compute(ctx: Context, year: int):
        ids = ctx.shnor_ids(year)
        flags = dyn.positive_dynamics(ctx.changes(year), ids, ctx.params["dynamics"][group_key])
        return _result(int(flags.fillna(0).sum()), len(ids))
    return compute


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
        res = ctx.scope.results
        part = res[(res["year"] == year) & (res["procedure"] == "oge") & (res["subject"] == subject)
                   & (res["participants"] > 0)]
        return _result(int((part["low_count"] == 0).sum()), len(part))
    return compute


def _score_index(procedures):
    """Participant-weighted mean score of the area relative to the region's (= 100), averaged over works."""
    def compute(ctx: Context, year: int):
        res = ctx.region.results
        part = res[(res["year"] == year) & res["procedure"].isin(procedures) & res["mean_score"].notna()
                   & (res["participants"] > 0)].copy()
        if part.empty:
            return np.nan, np.nan, np.nan
        part["points"] = part["mean_score"] * part["participants"]
        keys = ["procedure", "subject", "grade"]
        region_mean = part.groupby(keys)[["points", "participants"]].sum()
        mine = part[part["school_id"].isin(ctx.scope.schools["school_id"])].groupby(keys)[
            ["points", "participants"]].sum()
        if mine.empty:
            return np.nan, np.nan, np.nan
        ratio = (mine["points"] / mine["participants"]) / (region_mean["points"] / region_mean["participants"]).reindex(
            mine.index)
        return np.nan, np.nan, round(float(ratio.mean() * 100), 2)
    return compute


def _shnor_gia_pass(ctx: Context, year: int):
    ids = ctx.shnor_ids(year)
    res = ctx.scope.results
    part = res[(res["year"] == year) & res["procedure"].isin(["oge", "ege"]) & res["school_id"].isin(ids)]
    if part.empty:
        return np.nan, np.nan, np.nan
    return _result(int((part["participants"] - part["low_count"]).sum()), int(part["participants"].sum()))


def _shnor_improved(ctx: Context, year: int):
    """ШНОР whose pooled fail share over the identification assessments fell significantly."""
    from .social import school_fail_share
    from .stats import two_proportion_test, verdict

    ids = ctx.shnor_ids(year)
    if not ids:
        return _result(0, 0)
    now = school_fail_share(ctx.scope.results, year, ctx.params).set_index("school_id").reindex(ids)
    prev = school_fail_share(ctx.scope.results, year - 1, ctx.params).set_index("school_id").reindex(ids)
    dp = ctx.params["dynamics"]
    p, _ = two_proportion_test(prev["low_count"], prev["participants"], now["low_count"], now["participants"],
                               exact_below=dp["exact_below"])
    v = verdict(prev["fail_share"].to_numpy(), now["fail_share"].to_numpy(), p, prev["participants"].to_numpy(),
                now["participants"].to_numpy(), alpha=dp["alpha"], min_n=dp["min_participants"])
    return _result(int((v == "improved").sum()), len(ids))


def _analysis_coverage(ctx: Context, year: int):
    ids = set(ctx.scope.schools["school_id"])
    res = ctx.scope.results
    with_results = set(res.loc[(res["year"] == year) & (res["participants"] > 0), "school_id"])
    ctx_table = ctx.scope.context
    with_context = set(ctx_table.loc[ctx_table["year"] == year, "school_id"])
    return _result(len(ids & with_results & with_context), len(ids))


def _gia_gap(ctx: Context, year: int):
    gap = ctx.cached("gap", lambda: dyn.gia_gap(ctx.scope.results, ctx.scope.schools, ctx.params))
    part = gap[gap["year"] == year]
    if part.empty:
        return np.nan, np.nan, np.nan
    return np.nan, np.nan, round(float(part["gap"].mean()), 2)


BUILTINS = {
    "shnor_positive_gia_math": _positive("gia_math"),
    "shnor_positive_gia_russian": _positive("gia_russian"),
    "shnor_positive_diagnostics": _positive("diagnostics"),
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
    "shnor_improved": _shnor_improved,
    "analysis_coverage": _analysis_coverage,
    "gia_gap": _gia_gap,
}


# --- targets ---------------------------------------------------------------------------------

def target_text(target: dict, unit: str) -> str:
    """The target in Russian, e.g. «не менее 10», «100 %», «рост за год»."""
    d = target["direction"]
    v = target.get("value")
    u = " %" if unit == "%" else ""
    num = f"{v:g}".replace(".", ",") if isinstance(v, (int, float)) else ""
    return {
        "increase": "рост за год", "decrease": "снижение за год", "at_least": f"не менее {num}{u}",
        "at_most": f"не более {num}{u}", "equals": f"{num}{u}",
        "increase_by": f"рост не менее чем на {num}{' %' if target.get('relative') else u} за год",
        "decrease_by": f"снижение не менее чем на {num}{' %' if target.get('relative') else u} за год",
        "none": "не задана",
    }[d]


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


def programme_for(params: dict, catalogue: dict | None = None) -> tuple[Programme, dict]:
    """The programme named in a municipality's parameters (``programme: norilsk``) and the catalogue.

    Raises
    ------
    ParamsError
        When the parameters name no programme or it cannot be read.
    """
    catalogue = catalogue or load_catalogue()
    name = params.get("programme")
    if not name:
        source = (params.get("_source") or ["параметры"])[0]
        raise ParamsError(["не указана программа (ключ programme: norilsk, elista, polysaevo, kavkazsky, "
                           "chaa-khol или своя из params/programmes/)"], source)
    return load_programme(name, catalogue), catalogue


def compute_indicators(region: Region, municipality: str | None, year: int, params: dict,
                       programme: Programme, catalogue: dict, ident=None) -> pd.DataFrame:
    """Evaluate a programme's indicators for a municipality and year.

    ``ident``, an :class:`qualitylib.reports.identification.Identification` of the same municipality, year and
    params already computed by the caller, lends its ШНОР and risk tables (see
    :meth:`Context.adopt`).

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``id``, ``title``, ``group``, ``unit``, ``period``,
        ``numerator``, ``denominator``, ``value``, ``prev_numerator``, ``prev_denominator``,
        ``prev_value``, ``change``, ``target`` (Russian), ``target_note``, ``status``,
        ``status_title``, ``programme``.

    Notes
    -----
    The table is memoised per region, data, code and parameters (:mod:`qualitylib.data.cache`):
    the analytical note computes it, the index page of a batch run reads it.
    """
    return memoised(region, "indicators",
                    {"municipality": municipality, "year": int(year), "params": params,
                     "programme": programme, "catalogue": catalogue},
                    lambda: _compute_indicators(region, municipality, year, params, programme, catalogue, ident))


def _compute_indicators(region: Region, municipality: str | None, year: int, params: dict,
                        programme: Programme, catalogue: dict, ident) -> pd.DataFrame:
    ctx = Context(region, municipality, year, params)
    if ident is not None:
        ctx.adopt(ident)
    rows = []
    for ident in programme.indicators:
        spec = catalogue[ident]
        compute = spec["compute"]
        func = BUILTINS[compute["name"]] if compute["kind"] == "builtin" else (
            lambda c, y, _compute=compute: _generic(c, _compute, y))
        num, den, value = func(ctx, year)
        p_num, p_den, p_value = func(ctx, year - 1)
        target = programme.targets.get(ident, spec["target"])
        status = evaluate_target(value, p_value, target)
        rows.append({
            "id": ident, "title": spec["title"], "group": spec["group"], "unit": spec["unit"],
            "period": spec["period"], "numerator": num, "denominator": den, "value": value,
            "prev_numerator": p_num, "prev_denominator": p_den, "prev_value": p_value,
            "change": round(value - p_value, 2) if not (pd.isna(value) or pd.isna(p_value)) else np.nan,
            "target": target_text(target, spec["unit"]), "target_note": spec.get("target_note", ""),
            "status": status, "status_title": STATUS_TITLES[status], "programme": programme.name,
        })
    return pd.DataFrame(rows)
