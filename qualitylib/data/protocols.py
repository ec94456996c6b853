"""Pupil-level protocols (ОГЭ, ЕГЭ, regional diagnostics from a regional processing centre) aggregated
into the ``results`` table by a mapping that names the protocol's columns.

A mapping (YAML, read with :func:`qualitylib.data.yamlfile.read_yaml`; ready ones in
``params/mappings/``) says which column holds the school, the subject, the grade, the score or the
mark or the pass, the retake and the category of participant, and which values mean what. The
federal rule is applied when aggregating: a retake (резервный срок, повторное участие) does not
replace the main-period result and is left out, and only graduates of the current year count
(выпускники прошлых лет and others are left out); an absent participant is no participant.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, ParamsError, Problem, TableReadError
from .io import clean_problem, read_raw
from .layout import normalise_header
from .params import PARAMS_DIR
from .schema import PROCEDURE_SPELLINGS, RESULTS, SUBJECT_SPELLINGS, Column, Table
from .validation import _parse_number
from .yamlfile import read_yaml

MAPPINGS_DIR = PARAMS_DIR / "mappings"
#: Columns a mapping may name (``school`` and ``subject`` are required, and one of ``score``, ``mark``, ``passed``).
ROLES = ("school", "subject", "grade", "year", "procedure", "score", "mark", "passed", "retake", "category",
         "absent")
_ROLE_TITLES = {"school": "код школы", "subject": "предмет", "grade": "класс", "year": "год",
                "procedure": "процедура", "score": "балл", "mark": "отметка", "passed": "порог пройден",
                "retake": "пересдача", "category": "категория участника", "absent": "неявка"}
_TOP = {"title", "procedure", "year", "grade", "columns", "subjects", "thresholds", "retake_values",
        "current_category", "absent_values", "passed_values"}


@dataclass(frozen=True)
class Mapping:
    """A protocol layout: which column is what, and what its values mean."""

    title: str
    columns: dict[str, str]
    procedure: str | None
    year: int | None
    grade: int | None
    subjects: dict[str, str]
    thresholds: dict[str, float]
    retake_values: tuple[str, ...]
    current_category: tuple[str, ...]
    absent_values: tuple[str, ...]
    passed_values: tuple[str, ...]
    source: str


def _words(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        values = [values]
    return tuple(normalise_header(v) for v in values)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; a bare name («ege-rcoi») is looked up in ``params/mappings/``.

    Raises
    ------
    ParamsError
        Listing every unknown key, missing column or value that does not fit.
    """
    path = Path(path)
    if not path.is_file() and (MAPPINGS_DIR / f"{path.name}.yaml").is_file():
        path = MAPPINGS_DIR / f"{path.name}.yaml"
    if not path.is_file():
        ready = ", ".join(p.stem for p in sorted(MAPPINGS_DIR.glob("*.yaml")))
        raise ParamsError([f"файл соответствия столбцов не найден; готовые: {ready}"], str(path))
    data = read_yaml(path) or {}
    problems = []
    if not isinstance(data, dict):
        raise ParamsError(["ожидался словарь: title, columns, subjects …"], str(path))
    problems += [f"«{key}»: неизвестный ключ (допустимы: {', '.join(sorted(_TOP))})" for key in data if key not in _TOP]
    columns = data.get("columns") or {}
    if not isinstance(columns, dict):
        problems.append("«columns»: ожидался словарь «роль: заголовок столбца»")
        columns = {}
    problems += [f"«columns.{key}»: неизвестная роль (допустимы: {', '.join(ROLES)})" for key in columns
                 if key not in ROLES]
    for role in ("school", "subject"):
        if role not in columns:
            problems.append(f"«columns.{role}»: не указан столбец ({_ROLE_TITLES[role]})")
    if not any(role in columns for role in ("score", "mark", "passed")):
        problems.append("«columns»: нужен столбец балла (score), отметки (mark) или прохождения порога (passed)")
    procedure = data.get("procedure")
    if procedure is not None and normalise_header(procedure) not in PROCEDURE_SPELLINGS:
        problems.append(f"«procedure»: ожидалось vpr, oge или ege, а не «{procedure}»")
    if procedure is None and "procedure" not in columns:
        problems.append("«procedure»: укажите процедуру (oge, ege, vpr) или столбец процедуры")
    subjects = {normalise_header(k): str(v) for k, v in (data.get("subjects") or {}).items()}
    thresholds = data.get("thresholds") or {}
    if not isinstance(thresholds, dict) or not all(isinstance(v, (int, float)) for v in thresholds.values()):
        problems.append("«thresholds»: ожидался словарь «предмет: минимальный балл»")
        thresholds = {}
    if "score" in columns and "mark" not in columns and "passed" not in columns and not thresholds:
        problems.append("«thresholds»: по одному баллу низкий результат не определить — укажите минимальные "
                        "баллы предметов, столбец отметки или столбец прохождения порога")
    if problems:
        raise ParamsError(problems, str(path))
    return Mapping(
        title=str(data.get("title", path.stem)), columns={k: str(v) for k, v in columns.items()},
        procedure=PROCEDURE_SPELLINGS[normalise_header(procedure)] if procedure else None,
        year=int(data["year"]) if data.get("year") is not None else None,
        grade=int(data["grade"]) if data.get("grade") is not None else None,
        subjects=subjects, thresholds={str(k): float(v) for k, v in thresholds.items()},
        retake_values=_words(data.get("retake_values", ["да", "1", "пересдача"])),
        current_category=_words(data.get("current_category")),
        absent_values=_words(data.get("absent_values", ["неявка", "не явился", "отсутствовал"])),
        passed_values=_words(data.get("passed_values", ["да", "1", "преодолен", "зачет"])),
        source=str(path))


def _table(mapping: Mapping) -> Table:
    """The protocol's columns as a table of the reader (header found under title rows, two-row headers)."""
    return Table("protocol", mapping.title, tuple(Column(role, header, "text", required=role in ("school", "subject"))
                                                  for role, header in mapping.columns.items()), key=())


@dataclass
class Imported:
    """Results aggregated from protocols, and what was left out and why."""

    results: pd.DataFrame
    problems: list[Problem]
    read: int
    retakes: int
    other_categories: int
    absent: int


def _column(frame: pd.DataFrame, header: str) -> pd.Series:
    lookup = {normalise_header(c): c for c in frame.columns}
    return frame[lookup[normalise_header(header)]]


def import_protocols(files: list[str | Path], mapping: Mapping) -> Imported:
    """Read pupil-level protocols and aggregate them into ``results`` rows by the federal rule.

    Every participant row is one pupil's result. Rows of a retake, of a participant who is not a
    current-year graduate, and of an absent participant are left out (and counted). Per year ×
    school × procedure × subject × grade: ``participants`` (the rows kept), ``low_count`` (mark «2»,
    or the pass column saying no, or a score under the subject's minimum), ``mark3``…``mark5`` when
    marks are given, ``mean_score`` and ``max_score`` when scores are.
    """
    table = _table(mapping)
    problems: list[Problem] = []
    parts = []
    for file in files:
        path = Path(file)
        try:
            raw = read_raw(path, table)
        except TableReadError as exc:
            problems += exc.problems
            continue
        headers = {normalise_header(c) for c in raw.frame.columns}
        missing = [role for role, header in mapping.columns.items() if normalise_header(header) not in headers]
        if missing:
            problems += [Problem(raw.file, f"нет столбца «{mapping.columns[r]}» ({_ROLE_TITLES[r]}), который "
                                           f"называет соответствие «{mapping.title}»", sheet=raw.sheet)
                         for r in missing]
            continue
        cells = pd.DataFrame({role: _column(raw.frame, header).astype(object) for role, header in mapping.columns.items()},
                             index=raw.frame.index)
        cells.attrs.update(file=raw.file, sheet=raw.sheet)
        parts.append(cells)
    if problems:
        raise DataValidationError([clean_problem(p) for p in problems], source="протоколов")
    counts = {"read": 0, "retakes": 0, "other": 0, "absent": 0}
    rows = []
    for cells in parts:
        rows.append(_pupils(cells, mapping, problems, counts))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataValidationError([clean_problem(p) for p in problems], source="протоколов")
    pupils = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return Imported(_aggregate(pupils, mapping), problems, counts["read"], counts["retakes"], counts["other"],
                    counts["absent"])


def _cell_errors(cells, mask, role, mapping, message) -> list[Problem]:
    return [Problem(cells.attrs["file"], message, sheet=cells.attrs["sheet"], row=int(r),
                    column=mapping.columns[role], value=str(cells.loc[r, role])) for r in cells.index[mask]]


def _pupils(cells: pd.DataFrame, mapping: Mapping, problems: list[Problem], counts: dict) -> pd.DataFrame:
    """One protocol's kept participants, typed: year, school, procedure, subject, grade, score, mark, low."""
    counts["read"] += len(cells)
    keep = pd.Series(True, index=cells.index)
    norm = {role: cells[role].map(lambda v: None if v is None or pd.isna(v) else normalise_header(v))
            for role in cells.columns}
    if "absent" in cells:
        absent = norm["absent"].isin(mapping.absent_values)
        counts["absent"] += int(absent.sum())
        keep &= ~absent
    for role in ("score", "mark"):  # an absence marked in the score column
        if role in cells:
            absent = norm[role].isin(mapping.absent_values) & keep
            counts["absent"] += int(absent.sum())
            keep &= ~absent
    if "retake" in cells:
        retake = norm["retake"].isin(mapping.retake_values) & keep
        counts["retakes"] += int(retake.sum())
        keep &= ~retake
    if "category" in cells and mapping.current_category:
        other = ~norm["category"].isin(mapping.current_category) & keep
        counts["other"] += int(other.sum())
        keep &= ~other
    cells, norm = cells[keep], {k: v[keep] for k, v in norm.items()}
    out = pd.DataFrame(index=cells.index)
    out["school_id"] = cells["school"].astype("string").str.strip()
    problems += _cell_errors(cells, out["school_id"].isna().to_numpy(), "school", mapping,
                             "пустая ячейка: нужен код школы")
    subject = norm["subject"].map(lambda v: mapping.subjects.get(v) or SUBJECT_SPELLINGS.get(v) if v else None)
    problems += _cell_errors(cells, subject.isna().to_numpy(), "subject", mapping,
                             "предмет не распознан: добавьте его в раздел subjects соответствия столбцов")
    out["subject"] = subject
    if "procedure" in cells:
        procedure = norm["procedure"].map(PROCEDURE_SPELLINGS)
        problems += _cell_errors(cells, procedure.isna().to_numpy(), "procedure", mapping,
                                 "неизвестная процедура: ожидалось ВПР, ОГЭ или ЕГЭ")
        out["procedure"] = procedure
    else:
        out["procedure"] = mapping.procedure
    for role, fixed, low, high in (("year", mapping.year, 2000, 2100), ("grade", mapping.grade, 4, 11)):
        if role in cells:
            number, _ = _parse_number(cells[role].astype("string"), "int")
            bad = number.isna() | (number < low) | (number > high) | (number != np.floor(number))
            problems += _cell_errors(cells, bad.to_numpy(), role, mapping,
                                     f"ожидалось целое число от {low} до {high}")
            out[role] = number
        else:
            default = fixed
            if role == "grade" and default is None:
                default = {"oge": 9, "ege": 11}.get(mapping.procedure)
            if default is None:
                problems.append(Problem(cells.attrs["file"], f"не указан {_ROLE_TITLES[role]}: добавьте в "
                                                              f"соответствие столбец или значение «{role}»"))
            out[role] = default
    if "score" in cells:
        score, _ = _parse_number(cells["score"].astype("string"), "float")
        problems += _cell_errors(cells, (score.isna() & cells["score"].notna()).to_numpy(), "score", mapping,
                                 "ожидался балл — число ≥ 0 (неявку отметьте словом «неявка»)")
        out["score"] = score
    if "mark" in cells:
        mark, _ = _parse_number(cells["mark"].astype("string"), "int")
        bad = cells["mark"].notna() & ~mark.isin([2, 3, 4, 5])
        problems += _cell_errors(cells, bad.to_numpy(), "mark", mapping, "ожидалась отметка 2, 3, 4 или 5")
        out["mark"] = mark
    if "passed" in cells:
        out["passed"] = norm["passed"].isin(mapping.passed_values)
    return out


def _aggregate(pupils: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Per year × school × procedure × subject × grade: participants, low_count, marks and scores."""
    columns = RESULTS.column_names
    if pupils.empty:
        return pd.DataFrame(columns=columns)
    if "mark" in pupils:
        low = pupils["mark"] == 2
    elif "passed" in pupils:
        low = ~pupils["passed"].astype(bool)
    else:
        minimum = pupils["subject"].map(mapping.thresholds)
        low = pupils["score"] < minimum
        low = low.where(minimum.notna(), False)
    data = pupils.assign(low=low.astype(int))
    if "mark" in data:
        for mark in (3, 4, 5):
            data[f"mark{mark}"] = (data["mark"] == mark).astype(int)
    key = ["year", "school_id", "procedure", "subject", "grade"]
    grouped = data.groupby(key, sort=True)
    out = grouped.size().rename("participants").to_frame()
    out["low_count"] = grouped["low"].sum()
    for mark in (3, 4, 5):
        out[f"mark{mark}"] = grouped[f"mark{mark}"].sum() if f"mark{mark}" in data else pd.NA
    if "score" in data:
        out["mean_score"] = grouped["score"].mean().round(2)
        out["max_score"] = grouped["score"].max()
    else:
        out["mean_score"] = out["max_score"] = pd.NA
    out = out.reset_index()
    out["year"] = out["year"].astype(int)
    out["grade"] = out["grade"].astype(int)
    return out[columns]


def subjects_missing_threshold(mapping: Mapping, results: pd.DataFrame) -> list[str]:
    """Subjects of the results whose low count cannot be known (score only, no minimum given)."""
    if "mark" in mapping.columns or "passed" in mapping.columns:
        return []
    return sorted(set(results["subject"]) - set(mapping.thresholds))

