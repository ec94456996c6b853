"""Programme indicators as input: the catalogue (``params/indicators.yaml``) and the programmes.

The catalogue names every indicator, its unit, group, periodicity, how it is computed and its
default target; a programme (``params/programmes/<name>.yaml``) lists the indicators it
monitors, may override their targets and gives its period. Both are read and validated here;
the evaluation is :func:`qualitylib.rules.indicators.compute_indicators`.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import ParamsError
from .params import PARAMS_DIR
from .schema import MONITORING
from .yamlfile import read_yaml

CATALOGUE_FILE = PARAMS_DIR / "indicators.yaml"
PROGRAMMES_DIR = PARAMS_DIR / "programmes"
KINDS = ("builtin", "school_share", "school_count", "sum_ratio", "sum", "mean", "municipal_flag")
SCOPES = ("all", "shnor", "shnor_current", "risk", "shnsu", "shnor_shnsu", "registry")
#: What an indicator may list besides its value (:data:`qualitylib.rules.indicators.LISTS`).
LISTS = ("removed_risk_factors",)
DIRECTIONS = ("increase", "decrease", "at_least", "at_most", "equals", "increase_by", "decrease_by", "none")
MONITORING_COLUMNS = set(MONITORING.column_names[2:]) - {"round"}

#: Names of the indicators computed by a function of their own (``compute: {kind: builtin, name: …}``);
#: the functions are :data:`qualitylib.rules.indicators.BUILTINS`, which has exactly these keys.
BUILTIN_NAMES = (
    "shnor_positive_gia_math", "shnor_positive_gia_russian", "shnor_positive_diagnostics", "shnor_count",
    "risk_share", "risk_removed", "deficit_share", "deficit_removed", "cohort_math", "cohort_russian",
    "oge_russian_no_fail", "oge_math_no_fail", "vpr_score_index", "gia_score_index", "shnor_gia_pass",
    "shnor_improved", "gia_gap", "gia_gap_oge_russian", "gia_gap_oge_math",
    "gia_gap_ege_russian", "gia_gap_ege_math_base",
)


@dataclass(frozen=True)
class Programme:
    """A programme: its indicators (with target overrides), its period and its registry of schools.

    ``registry`` holds the schools (codes or names as in the schools table) the programme names as
    its own -- the scope ``registry`` of an indicator; empty when it names none (the scope then is
    the ШНОР list).
    """

    name: str
    title: str
    period: tuple[_dt.date, _dt.date] | None
    indicators: list[str]
    targets: dict
    registry: tuple[str, ...] = ()


def _read(path: Path) -> dict:
    if not path.is_file():
        raise ParamsError([f"файл не найден: {path}"], str(path))
    data = read_yaml(path) or {}
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
        unknown = set(spec) - {"title", "unit", "group", "programme", "period", "compute", "target", "target_note",
                               "rounds", "lists"}
        if unknown:
            problems.append(f"«{where}»: неизвестные ключи {', '.join(sorted(unknown))}")
        compute = spec.get("compute", {})
        kind = compute.get("kind") if isinstance(compute, dict) else None
        if kind not in KINDS:
            problems.append(f"«{where}.compute.kind»: ожидалось одно из {', '.join(KINDS)}")
        elif kind == "municipal_flag":  # a yes/no item of the municipality: table «Мониторинг муниципалитета»
            if set(compute) - {"kind"}:
                problems.append(f"«{where}.compute»: у показателя municipal_flag нет других ключей")
        elif kind == "builtin":
            if compute.get("name") not in BUILTIN_NAMES:
                problems.append(f"«{where}.compute.name»: нет такой функции; есть: {', '.join(sorted(BUILTIN_NAMES))}")
        else:
            if compute.get("scope") not in SCOPES:
                problems.append(f"«{where}.compute.scope»: ожидалось одно из {', '.join(SCOPES)}")
            for key in ("column", "numerator", "denominator"):
                if key in compute and compute[key] not in MONITORING_COLUMNS:
                    problems.append(f"«{where}.compute.{key}»: столбца «{compute[key]}» нет в таблице мониторинга")
        if "target" in spec:
            _check_target(spec["target"], where, problems)
        if "lists" in spec and spec["lists"] not in LISTS:
            problems.append(f"«{where}.lists»: ожидалось одно из {', '.join(LISTS)}")
        rounds = spec.get("rounds")
        if rounds is not None and (not isinstance(rounds, list) or not rounds
                                   or not all(isinstance(r, str) and r.strip() for r in rounds)):
            problems.append(f"«{where}.rounds»: ожидался список раундов мониторинга (текст), например [январь, июнь]")
        elif rounds is not None and kind in ("builtin", "municipal_flag"):
            problems.append(f"«{where}.rounds»: раунды задаются только показателям из таблицы мониторинга")
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
    registry = data.get("registry") or []
    if not isinstance(registry, list) or not all(isinstance(r, str) and r.strip() for r in registry):
        problems.append("«registry»: ожидался список школ (код или название, как в справочнике школ)")
        registry = []
    if problems:
        raise ParamsError(problems, str(path))
    return Programme(name, str(data.get("title", name)), period, list(indicators), dict(targets),
                     tuple(r.strip() for r in registry))


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


def programme_titles(folder: str | Path | None = None) -> dict[str, str]:
    """The titles of the programmes of a folder (default ``params/programmes/``) by their key."""
    folder = Path(folder or PROGRAMMES_DIR)
    return {path.stem: str(_read(path).get("title", path.stem)) for path in sorted(folder.glob("*.yaml"))}

