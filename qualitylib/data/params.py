"""Methodology parameters from YAML, validated with Russian messages.

A parameters file may name a ``base`` file (a path relative to itself) whose values it
overrides key by key; the resulting set must be complete. Files are read with
a safe loader only (libyaml's ``CSafeLoader`` when present, else ``SafeLoader``).
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import ParamsError
from ..resources import params_dir

#: Deficit codes of risk-zone schools (each needs a recommendation text) plus ``shnor``.
DEFICITS = ("internet", "computers", "labs", "overload", "unqualified", "pupils", "vpr", "failing",
            "shnor")
SOCIAL_COMPONENTS = ("pupils_low_income_pct", "parents_no_higher_ed_pct", "pupils_single_parent_pct",
                     "pupils_registered_pct", "pupils_disabled_pct", "pupils_nonnative_pct")
ASSESSMENT_PATTERN = re.compile(r"^(vpr|oge|ege)\.[a-z_]+\.(4|5|6|7|8|9|10|11)$")

#: The C (libyaml) safe loader when PyYAML has it: ~10× faster, equally safe.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Folder of the default parameter files shipped with the package (``params/`` of the checkout).
PARAMS_DIR = params_dir()
DEFAULT_FILE = PARAMS_DIR / "methodology.yaml"


def _number(lo=None, hi=None, integer=False):
    return ("int" if integer else "number", lo, hi)


# Each leaf: (type, low, high) for numbers; ("choice", options); ("assessments",);
# ("text",); ("weights",); ("texts", keys).
SPEC: dict[str, Any] = {
    "base": ("text",),
    "municipality": ("text",),
    "programme": ("text",),
    "title": ("text",),
    "identification": {
        "threshold_pct": _number(0, 100),
        "min_participants": _number(1, None, integer=True),
        "criterion_2": ("choice", ("any", "same")),
        "assessments": ("assessments",),
    },
    "risk": {
        "overload_pct": _number(0, 100),
        "unqualified_pct": _number(0, 100),
        "pupils_pct": _number(0, 400),
        "vpr_pct": _number(0, 100),
        "vpr_count": _number(1, 4, integer=True),
        "vpr_assessments": ("assessments",),
        "failing_pct": _number(0, 100),
    },
    "social": {
        "weights": ("weights",),
        "shnsu_pct": _number(0, 100),
        "expected_band_pp": _number(0, 100),
    },
    "pairing": {
        "leader_max_fail_pct": _number(0, 100),
        "min_participants": _number(1, None, integer=True),
        "max_per_leader": _number(1, None, integer=True),
    },
    "dynamics": {
        "alpha": _number(0, 1),
        "exact_below": _number(0, None),
        "min_participants": _number(1, None, integer=True),
        "gia_math": ("assessments",),
        "gia_russian": ("assessments",),
        "diagnostics": ("assessments",),
        "gap_share_pct": _number(1, 50),
        "gap_target_shrink": _number(0, None),
        "status_cuts": ("cuts", 4),
        "change_cuts": ("cuts", 4),
        "grid": ("grid", 5),
    },
    "privacy": {
        "min_group": _number(1, None, integer=True),
    },
    "recommendations": ("texts", DEFICITS),
}
OPTIONAL_TOP = {"base", "municipality", "programme", "title"}


def _check(value: Any, spec: Any, where: str, problems: list[str]) -> None:
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            problems.append(f"«{where}»: ожидался раздел (словарь ключей), получено «{value}»")
            return
        for key in value:
            if key not in spec:
                allowed = ", ".join(spec)
                problems.append(f"«{where}.{key}»: неизвестный ключ; допустимые ключи: {allowed}")
        for key, sub in spec.items():
            if key in value:
                _check(value[key], sub, f"{where}.{key}", problems)
        return
    kind = spec[0]
    if kind in ("int", "number"):
        lo, hi = spec[1], spec[2]
        ok_type = isinstance(value, int) if kind == "int" else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type:
            expected = "целое число" if kind == "int" else "число"
            problems.append(f"«{where}»: ожидалось {expected}, получено «{value}»")
        elif (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"от {lo} до {hi}" if hi is not None else f"не меньше {lo}"
            problems.append(f"«{where}»: значение {value} вне допустимого диапазона ({rng})")
        elif kind == "number" and round(value * 100) != value * 100:
            problems.append(f"«{where}»: допускается не более двух знаков после запятой, получено {value}")
    elif kind == "choice":
        if value not in spec[1]:
            problems.append(f"«{where}»: ожидалось одно из значений {', '.join(spec[1])}, получено «{value}»")
    elif kind == "text":
        if not isinstance(value, str) or not value.strip():
            problems.append(f"«{where}»: ожидался непустой текст, получено «{value}»")
    elif kind == "assessments":
        if not isinstance(value, list) or not value:
            problems.append(f"«{where}»: ожидался непустой список процедур вида vpr.math.5")
            return
        for item in value:
            if not isinstance(item, str) or not ASSESSMENT_PATTERN.match(item):
                problems.append(f"«{where}»: «{item}» — ожидалась процедура вида "
                                "процедура.предмет.класс, например vpr.math.5 или oge.russian.9")
    elif kind == "weights":
        if not isinstance(value, dict) or not value:
            problems.append(f"«{where}»: ожидался словарь «показатель: вес»")
            return
        for key, weight in value.items():
            if key not in SOCIAL_COMPONENTS:
                problems.append(f"«{where}.{key}»: неизвестный показатель; допустимые: "
                                + ", ".join(SOCIAL_COMPONENTS))
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                problems.append(f"«{where}.{key}»: ожидался неотрицательный вес, получено «{weight}»")
        if all(isinstance(w, (int, float)) for w in value.values()) and sum(value.values()) <= 0:
            problems.append(f"«{where}»: сумма весов должна быть больше нуля")
    elif kind == "cuts":
        ok = (isinstance(value, list) and len(value) == spec[1]
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
              and all(a < b for a, b in zip(value, value[1:])))
        if not ok:
            problems.append(f"«{where}»: ожидался список из {spec[1]} возрастающих чисел, получено «{value}»")
    elif kind == "grid":
        size = spec[1]
        ok = (isinstance(value, list) and len(value) == size
              and all(isinstance(row, list) and len(row) == size
                      and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 for v in row)
                      for row in value))
        if not ok:
            problems.append(f"«{where}»: ожидалась таблица {size}×{size} из целых чисел 1–5, получено «{value}»")
    elif kind == "texts":
        if not isinstance(value, dict):
            problems.append(f"«{where}»: ожидался словарь «дефицит: текст рекомендации»")
            return
        for key, text in value.items():
            if key not in spec[1]:
                problems.append(f"«{where}.{key}»: неизвестный тип дефицита; допустимые: " + ", ".join(spec[1]))
            elif not isinstance(text, str) or not text.strip():
                problems.append(f"«{where}.{key}»: ожидался непустой текст рекомендации")


def _missing(value: dict, spec: dict, where: str, problems: list[str]) -> None:
    for key, sub in spec.items():
        if where == "" and key in OPTIONAL_TOP:
            continue
        path = f"{where}.{key}" if where else key
        if key not in value:
            problems.append(f"«{path}»: ключ обязателен, но не задан ни в файле, ни в базовом файле")
        elif isinstance(sub, dict) and isinstance(value[key], dict):
            _missing(value[key], sub, path, problems)
        elif sub[0] == "texts" and isinstance(value[key], dict):
            for code in sub[1]:
                if code not in value[key]:
                    problems.append(f"«{path}.{code}»: нет текста рекомендации для этого дефицита")


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "weights":
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ParamsError([f"файл параметров не найден: {path}"], str(path))
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (строка {mark.line + 1}, позиция {mark.column + 1})" if mark else ""
        raise ParamsError([f"файл не является корректным YAML{where}: {getattr(exc, 'problem', exc)}"],
                          str(path)) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(["ожидался словарь разделов (identification, risk, …) на верхнем уровне"],
                          str(path))
    return data


def load_params(path: str | Path | None = None) -> dict:
    """Load and validate a parameters file (default: ``params/methodology.yaml``).

    Parameters
    ----------
    path : str or Path, optional
        A YAML file; its ``base`` key (relative to the file) is loaded first and overridden.

    Returns
    -------
    dict
        The complete, validated parameter set; ``_source`` holds the file chain.

    Raises
    ------
    ParamsError
        Listing every unknown key, wrong type, missing key or out-of-range value.
    """
    path = Path(path) if path is not None else DEFAULT_FILE
    chain: list[Path] = []
    merged: dict = {}
    current: Path | None = path
    layers = []
    while current is not None:
        if current.resolve() in (p.resolve() for p in chain):
            raise ParamsError([f"циклическая ссылка base на {current}"], str(path))
        chain.append(current)
        data = _read_yaml(current)
        problems: list[str] = []
        _check(data, SPEC, current.name, problems)
        if problems:
            # strip the file-name prefix from the key paths for readability
            raise ParamsError([p.replace(f"«{current.name}.", "«") for p in problems], str(current))
        layers.append(data)
        base = data.get("base")
        current = (current.parent / base) if base else None
    for data in reversed(layers):
        merged = _merge(merged, data)
    problems = []
    _missing(merged, SPEC, "", problems)
    if problems:
        raise ParamsError(problems, str(path))
    merged.pop("base", None)
    merged["_source"] = [str(p) for p in chain]
    return merged


def find_municipality_params(municipality: str, params_dir: str | Path | None = None) -> Path:
    """The parameters file of a municipality, else the base methodology file.

    Every ``*.yaml`` under ``params_dir`` (default ``params/``) whose ``municipality``
    key equals the name is a match; without a match the folder's ``methodology.yaml``
    is used.
    """
    folder = Path(params_dir) if params_dir is not None else PARAMS_DIR
    for path in sorted(folder.rglob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and data.get("municipality") == municipality:
            return path
    default = folder / "methodology.yaml"
    return default if default.is_file() else DEFAULT_FILE
