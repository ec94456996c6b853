"""Methodology parameters from YAML, validated with Russian messages.

A parameters file may name a ``base`` file (a path relative to itself) whose values it
overrides key by key; the resulting set must be complete. Files are read with
:func:`qualitylib.data.yamlfile.read_yaml` only (safe tags, bounded size and alias expansion).
"""
from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..exceptions import ParamsError
from ..resources import params_dir
from .yamlfile import MAX_BYTES, SAFE_LOADER, read_yaml, shorten

#: Deficit codes of risk-zone schools (each needs a recommendation text) plus ``shnor``.
DEFICITS = ("internet", "computers", "labs", "overload", "unqualified", "pupils", "vpr", "failing",
            "shnor")
SOCIAL_COMPONENTS = ("pupils_low_income_pct", "parents_no_higher_ed_pct", "pupils_single_parent_pct",
                     "pupils_registered_pct", "pupils_disabled_pct", "pupils_nonnative_pct")
ASSESSMENT_PATTERN = re.compile(r"^(vpr|oge|ege|rdr)\.[a-z_]+\.(4|5|6|7|8|9|10|11)$")

__all__ = ["DEFAULT_FILE", "PARAMS_DIR", "SAFE_LOADER", "SPEC", "ParamsError", "find_municipality_params",
           "load_params", "visible"]

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
        "addressed_list": ("choice", ("computed", "official")),
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
        "min_change_pp": _number(0, 100),
        "exact_below": _number(0, None),
        "min_participants": _number(1, None, integer=True),
        "gia_math": ("assessments",),
        "gia_russian": ("assessments",),
        "diagnostics": ("assessments",),
        "diagnostics_regional": ("assessments",),
        "gap_share_pct": _number(1, 50),
        "gap_target_shrink": _number(0, None),
        "status_cuts": ("cuts", 4),
        "change_cuts": ("cuts", 4),
        "grid": ("grid", 5),
    },
    "privacy": {
        "min_group": _number(1, None, integer=True),
    },
    "tasks": {
        "basic_mastered_pct": _number(0, 100),
        "basic_not_mastered_pct": _number(0, 100),
        "advanced_mastered_pct": _number(0, 100),
        "advanced_not_mastered_pct": _number(0, 100),
        "unknown_level": ("choice", ("basic", "advanced")),
        "min_participants": _number(1, None, integer=True),
        "alpha": _number(0, 1),
        "mark_gap": _number(1, 3, integer=True),
        "histogram_min_participants": _number(1, None, integer=True),
        "weakest_count": _number(1, 20, integer=True),
    },
    "recommendations": ("texts", DEFICITS),
}
OPTIONAL_TOP = {"base", "municipality", "programme", "title"}


def _check(value: Any, spec: Any, where: str, problems: list[str]) -> None:
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            problems.append(f"«{where}»: ожидался раздел (словарь ключей), получено «{shorten(value)}»")
            return
        for key in value:
            if key not in spec:
                allowed = ", ".join(spec)
                problems.append(f"«{where}.{shorten(key)}»: неизвестный ключ; допустимые ключи: {allowed}")
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
            problems.append(f"«{where}»: ожидалось {expected}, получено «{shorten(value)}»")
        elif (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"от {lo} до {hi}" if hi is not None else f"не меньше {lo}"
            problems.append(f"«{where}»: значение {value} вне допустимого диапазона ({rng})")
        elif kind == "number" and round(value * 100) != value * 100:
            problems.append(f"«{where}»: допускается не более двух знаков после запятой, получено {value}")
    elif kind == "choice":
        if value not in spec[1]:
            problems.append(f"«{where}»: ожидалось одно из значений {', '.join(spec[1])}, получено «{shorten(value)}»")
    elif kind == "text":
        if not isinstance(value, str) or not value.strip():
            problems.append(f"«{where}»: ожидался непустой текст, получено «{shorten(value)}»")
    elif kind == "assessments":
        if not isinstance(value, list) or not value:
            problems.append(f"«{where}»: ожидался непустой список процедур вида vpr.math.5")
            return
        for item in value:
            if not isinstance(item, str) or not ASSESSMENT_PATTERN.match(item):
                problems.append(f"«{where}»: «{shorten(item)}» — ожидалась процедура вида "
                                "процедура.предмет.класс, например vpr.math.5 или oge.russian.9")
    elif kind == "weights":
        if not isinstance(value, dict) or not value:
            problems.append(f"«{where}»: ожидался словарь «показатель: вес»")
            return
        for key, weight in value.items():
            if key not in SOCIAL_COMPONENTS:
                problems.append(f"«{where}.{shorten(key)}»: неизвестный показатель; допустимые: "
                                + ", ".join(SOCIAL_COMPONENTS))
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                problems.append(f"«{where}.{key}»: ожидался неотрицательный вес, получено «{shorten(weight)}»")
        if all(isinstance(w, (int, float)) for w in value.values()) and sum(value.values()) <= 0:
            problems.append(f"«{where}»: сумма весов должна быть больше нуля")
    elif kind == "cuts":
        ok = (isinstance(value, list) and len(value) == spec[1]
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
              and all(a < b for a, b in zip(value, value[1:])))
        if not ok:
            problems.append(f"«{where}»: ожидался список из {spec[1]} возрастающих чисел, получено «{shorten(value)}»")
    elif kind == "grid":
        size = spec[1]
        ok = (isinstance(value, list) and len(value) == size
              and all(isinstance(row, list) and len(row) == size
                      and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 for v in row)
                      for row in value))
        if not ok:
            problems.append(f"«{where}»: ожидалась таблица {size}×{size} из целых чисел 1–5, получено «{shorten(value)}»")
    elif kind == "texts":
        if not isinstance(value, dict):
            problems.append(f"«{where}»: ожидался словарь «дефицит: текст рекомендации»")
            return
        for key, text in value.items():
            if key not in spec[1]:
                problems.append(f"«{where}.{shorten(key)}»: неизвестный тип дефицита; допустимые: " + ", ".join(spec[1]))
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
    data = read_yaml(path)
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
    for level in ("basic", "advanced"):
        tasks = merged.get("tasks", {})
        if tasks.get(f"{level}_not_mastered_pct", 0) > tasks.get(f"{level}_mastered_pct", 100):
            problems.append(f"«tasks.{level}_not_mastered_pct»: порог «не освоено» ({tasks[f'{level}_not_mastered_pct']}) "
                            f"больше порога «освоено» ({tasks[f'{level}_mastered_pct']}); ожидалось не больше")
    if problems:
        raise ParamsError(problems, str(path))
    merged.pop("base", None)
    merged["_source"] = [str(p) for p in chain]
    return merged


#: Sub-folders and files of a parameters folder that hold other files, not municipality parameters.
OTHER_FOLDERS = ("programmes", "roadmaps", "scales", "tasks")
OTHER_FILES = ("indicators.yaml", "bodies.yaml")
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Zs"}


def visible(text: str) -> str:
    """``text`` with its spaces shown as «␣» and other blank or invisible characters as ``<U+XXXX>``.

    Examples
    --------
    >>> visible("Полысаево ")
    'Полысаево␣'
    >>> visible("Поly\u00a0саево\u200b")
    'Поly<U+00A0>саево<U+200B>'
    """
    out = []
    for char in text:
        if char == " ":
            out.append("␣")
        elif unicodedata.category(char) in _INVISIBLE:
            out.append(f"<U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)


def _squeezed(text: str) -> str:
    """``text`` without invisible characters and with every run of blanks made one space."""
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc") or c.isspace())
    return " ".join(text.split())


def _claimed_name(path: Path) -> str | None:
    """The top-level ``municipality:`` of a file that is not valid YAML, read as plain text."""
    with open(path, "rb") as fh:
        text = fh.read(MAX_BYTES).decode("utf-8", errors="replace")
    match = re.search(r"^municipality[ \t]*:[ \t]*(.*)$", text, re.M)
    if not match:
        return None
    value = match.group(1)
    if value[:1] in ("'", '"') and value[0] in value[1:]:
        return value[1:value.index(value[0], 1)]
    return value.split(" #", 1)[0].strip(" \t") or None


def _params_files(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*.yaml")):
        parts = path.relative_to(folder).parts
        if len(parts) == 1 and (parts[0] in OTHER_FILES or parts[0] == DEFAULT_FILE.name):
            continue
        if len(parts) > 1 and parts[0] in OTHER_FOLDERS:
            continue
        if path.is_file():
            files.append(path)
    return files


def find_municipality_params(municipality: str, params_dir: str | Path | None = None,
                             known: Iterable[str] = ()) -> Path:
    """The parameters file of a municipality, else the base methodology file.

    Every ``*.yaml`` under ``params_dir`` (default ``params/``; the sub-folders
    :data:`OTHER_FOLDERS`, ``indicators.yaml`` and the base ``methodology.yaml`` itself are
    not parameters of a municipality) whose top-level ``municipality`` key equals the name is
    a match; without a match the folder's ``methodology.yaml`` is used.

    A municipality is never moved to the base methodology silently: it is an error when
    its file is not valid YAML, when two files claim it, when a file names it with other
    blanks (a trailing space, two spaces, a no-break or zero-width space), or, for a
    municipality without a file of its own, when a file is not valid YAML and its
    municipality cannot be read.

    Parameters
    ----------
    municipality : str
        The name as the data write it.
    params_dir : str or Path, optional
        The parameters folder.
    known : iterable of str, optional
        Every municipality of the region: a file naming another of them exactly is not a
        look-alike of this one.

    Raises
    ------
    ParamsError
        With a Russian sentence naming the file(s) and, for look-alike names, the name with
        its blanks shown (:func:`visible`).
    """
    folder = Path(params_dir) if params_dir is not None else PARAMS_DIR
    others = set(known) - {municipality}
    wanted = _squeezed(municipality)
    matches: list[Path] = []
    problems: list[str] = []
    unreadable: list[str] = []
    for path in _params_files(folder):
        try:
            data = read_yaml(path)
        except ParamsError as exc:
            reason = "; ".join(exc.problems)
            claimed = _claimed_name(path)
            if claimed is None:
                unreadable.append(f"файл «{path}» не читается ({reason}), и по нему нельзя понять, "
                                  "к какому муниципалитету он относится")
            elif claimed not in others and _squeezed(claimed) == wanted:
                problems.append(f"файл параметров муниципалитета «{municipality}» «{path}» не читается: "
                                f"{reason}; муниципалитет не рассчитан, чтобы не подменить его параметры "
                                "базовой методикой")
            continue
        if not isinstance(data, dict) or "municipality" not in data:
            continue
        claimed = data["municipality"]
        if not isinstance(claimed, str):
            unreadable.append(f"файл «{path}»: municipality — не текст («{shorten(claimed)}»), "
                              "и по нему нельзя понять, к какому муниципалитету он относится")
        elif claimed == municipality:
            matches.append(path)
        elif claimed not in others and _squeezed(claimed) == wanted:
            problems.append(f"файл «{path}»: municipality записан как «{visible(shorten(claimed))}», а в данных "
                            f"муниципалитет называется «{visible(municipality)}» (␣ — пробел, <U+…> — "
                            "невидимый символ): исправьте название в файле, уберите лишние пробелы")
    if len(matches) > 1:
        problems.append(f"муниципалитет «{municipality}» указан в нескольких файлах параметров: "
                        + ", ".join(f"«{p}»" for p in matches) + "; оставьте один")
    if not matches and unreadable:
        problems += [f"{text}; у муниципалитета «{municipality}» нет своего файла, и без этого файла он был бы "
                     "рассчитан по базовой методике — исправьте или удалите файл" for text in unreadable]
    if problems:
        raise ParamsError(problems, str(matches[0] if len(matches) == 1 else folder))
    if matches:
        return matches[0]
    default = folder / "methodology.yaml"
    return default if default.is_file() else DEFAULT_FILE
