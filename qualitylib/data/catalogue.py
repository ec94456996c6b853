"""The task catalogue of ВПР works: what each task of a work checks, per year.

The catalogue is data (``params/tasks/vpr.yaml``, shipped in the wheel) of the form::

    catalogue:
      2021:
        math.5:
          source: «Описание КИМ ВПР 2021 …»
          elements: {"1": Числа и вычисления, …}          # content elements (КЭС): code -> title
          requirements: {"1": Оперировать понятиями …, …}  # requirements (КТ): code -> title
          tasks:
            - {position: 1, task: "1", level: Б, max: 1, skill: …, block: …,
               elements: ["1"], requirements: ["1"]}
      2020:
        math.5: {same_as: 2021, checked: …}   # the 2021 description, checked against the 2020 export

``position`` is the order of the task in the work (the order of the score columns of the
ФИС ОКО export: ``балл за 1…N`` in 2021, ``a-1-grade…`` in 2020), ``task`` its number as printed
in the work (``1``, ``1K1``, ``15.2``), ``level`` Б (basic), П (advanced) or В (high), ``max``
the maximum score. :func:`build_year` makes a year's entries from the official description
tables (``<grade>/<subject>/ALL.xlsx``, ``KS.xlsx``, ``KT.xlsx``); :func:`write_catalogue`
puts them into a catalogue file, keeping the other years; :func:`read_catalogue` reads the
file into tables with level codes ``basic`` / ``advanced`` / ``high``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..exceptions import ParamsError
from .cache import file_stamp, prepared
from .io import atomic_path
from .params import PARAMS_DIR
from .schema import TASK_LEVELS
from .yamlfile import read_yaml

#: The catalogue shipped with the package.
DEFAULT_CATALOGUE = PARAMS_DIR / "tasks" / "vpr.yaml"
#: A region folder's own catalogue (e.g. the synthetic one of the sample), used instead of the default.
CATALOGUE_FILE = "tasks_catalogue.yaml"
#: Corrections of the description tables (a maximum score the source table gives wrongly), with reasons;
#: :func:`build_year` applies them.
DEFAULT_CORRECTIONS = PARAMS_DIR / "tasks" / "corrections.yaml"
#: Folder names of the description tables -> subject codes.
SUBJECT_FOLDERS = {"математика": "math", "русский язык": "russian"}
LEVEL_LETTERS = {"basic": "Б", "advanced": "П", "high": "В"}
TASK_COLUMNS = ("year", "subject", "grade", "position", "task", "level", "max_score", "skill", "block")
CODE_COLUMNS = ("year", "subject", "grade", "position", "task", "kind", "code", "title")
_WORK = re.compile(r"^(math|russian)\.(\d{1,2})$")


@dataclass(frozen=True)
class Catalogue:
    """The task catalogue as two tables.

    Attributes
    ----------
    tasks : pandas.DataFrame
        One row per year × work × task: :data:`TASK_COLUMNS` (``level`` is a code:
        ``basic``, ``advanced``, ``high``, or ``unknown`` where the source gives none — the
        2021 descriptions of Russian, grades 5, 6, 8; ``max_score`` an integer).
    codes : pandas.DataFrame
        One row per task × code: :data:`CODE_COLUMNS`; ``kind`` is ``element`` (КЭС) or
        ``requirement`` (КТ); ``title`` the code's title (empty when the source has none).
    notes : dict
        ``(year, work)`` -> the ``checked`` text of a ``same_as`` entry and the ``corrected`` text
        of the description it uses (works with neither have no note).
    """

    tasks: pd.DataFrame
    codes: pd.DataFrame
    notes: dict

    def work(self, year: int, subject: str, grade: int) -> pd.DataFrame:
        """The tasks of one work in position order (empty when the catalogue has none)."""
        t = self.tasks
        return t[(t["year"] == year) & (t["subject"] == subject) & (t["grade"] == grade)].sort_values("position")


# --------------------------------------------------------------------------- building

def _cell(value) -> str:
    """A cell as text: ``1.0`` → ``1``, ``6.5`` stays, blanks → ``""``."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    # \x02 and the soft hyphen mark a word broken at a line end of the PDF: joined; other controls: a space
    text = re.sub(r"[\x02\xad]", "", str(value).replace("\xa0", " "))
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _task_number(value) -> str:
    """Task number as printed; a Cyrillic «К» (критерий) is written as the Latin K of the exports."""
    return _cell(value).replace("К", "K").replace("к", "K").replace(" ", "")


def _rows(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            return workbook.get_sheet_by_index(0).to_python()
        finally:
            workbook.close()
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise ParamsError([f"файл не удалось прочитать как книгу Excel: {exc}"], str(path)) from None


def _find(header: list[str], *starts: str) -> int | None:
    for i, name in enumerate(header):
        if any(name.startswith(s) for s in starts):
            return i
    return None


def _titles(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    rows = _rows(path)
    return {_cell(r[0]): _prose(_cell(r[1])) for r in rows[1:] if len(r) > 1 and _cell(r[0])}


def _prose(text: str) -> str:
    """Text of a description cell with the line-end hyphenation of the PDF undone («арифмети- ческие»)."""
    return re.sub(r"(\w)- ([а-яё])", r"\1\2", text)


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[;,\s]+", text) if c]


def build_work(folder: Path) -> dict:
    """One work's catalogue entry from its description tables (``ALL.xlsx``, ``KS.xlsx``, ``KT.xlsx``).

    Raises
    ------
    ParamsError
        A missing table or column, a task without a maximum score or a level.
    """
    table = folder / "ALL.xlsx"
    if not table.is_file():
        raise ParamsError(["нет таблицы описания заданий ALL.xlsx"], str(folder))
    rows = _rows(table)
    header = [_cell(v).lower() for v in rows[0]]
    cols = {"task": _find(header, "№ ким", "№ по ким"), "position": header.index("№") if "№" in header else None,
            "skill": _find(header, "умения"), "block": _find(header, "блоки"),
            "level": _find(header, "уровень"), "element": _find(header, "код кэс"),
            "requirement": _find(header, "код кт"), "max": _find(header, "максимальный балл")}
    missing = [k for k in ("task", "position", "level", "max") if cols[k] is None]
    if missing:
        raise ParamsError([f"нет столбцов: {', '.join(missing)} (ожидались «№ КИМ», «№», «Уровень сложности», "
                           "«Максимальный балл»)"], str(table))
    problems: list[str] = []
    tasks: dict[int, dict] = {}
    for excel_row, row in enumerate(rows[1:], start=2):
        get = lambda key: _cell(row[cols[key]]) if cols[key] is not None and cols[key] < len(row) else ""  # noqa: E731
        position = get("position")
        if not position:
            continue
        try:
            pos = int(float(position))
        except ValueError:
            problems.append(f"строка {excel_row}: номер позиции «{position}» не число")
            continue
        entry = tasks.setdefault(pos, {"position": pos, "task": _task_number(row[cols["task"]]), "level": None,
                                       "max": None, "skill": _prose(get("skill")), "block": _prose(get("block")),
                                       "elements": [], "requirements": []})
        level = get("level").lower()
        if level and not entry["level"]:
            if level not in TASK_LEVELS:
                problems.append(f"строка {excel_row}: уровень сложности «{level}» — ожидалось Б, П или В")
            else:
                entry["level"] = LEVEL_LETTERS[TASK_LEVELS[level]]
        top = get("max")
        if top and entry["max"] is None:
            try:
                entry["max"] = int(float(top))
            except ValueError:
                problems.append(f"строка {excel_row}: максимальный балл «{top}» не число")
        for key, field in (("element", "elements"), ("requirement", "requirements")):
            for code in _codes(get(key)):
                if code not in entry[field]:
                    entry[field].append(code)
    for pos, entry in tasks.items():
        if entry["max"] is None:
            problems.append(f"задание {entry['task']} (позиция {pos}): нет максимального балла")
    if sorted(tasks) != list(range(1, len(tasks) + 1)):
        problems.append(f"позиции заданий не идут подряд от 1: {sorted(tasks)}")
    if problems:
        raise ParamsError(problems, str(table))
    elements, requirements = _titles(folder / "KS.xlsx"), _titles(folder / "KT.xlsx")
    used_e = {c for t in tasks.values() for c in t["elements"]}
    used_r = {c for t in tasks.values() for c in t["requirements"]}
    return {"elements": {c: elements.get(c, "") for c in sorted(used_e, key=_code_order)},
            "requirements": {c: requirements.get(c, "") for c in sorted(used_r, key=_code_order)},
            "tasks": [tasks[p] for p in sorted(tasks)]}


def _code_order(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 10**6 for p in code.split("."))


def read_corrections(path: str | Path | None = None) -> dict[int, dict[str, dict]]:
    """Corrections of the description tables: ``{year: {work: {"reason": …, "tasks": {task: {"max": n}}}}}``.

    The file (default :data:`DEFAULT_CORRECTIONS`; a missing default file means no corrections)
    has the form ``corrections: {2021: {math.8: {reason: …, tasks: {"3": {max: 1}}}}}``: a task is
    named by its number in the work, a correction changes only its maximum score, and every
    correction says why.

    Raises
    ------
    ParamsError
        An unreadable file, a work without a reason, a maximum that is not a whole number 1–100.
    """
    file = Path(path) if path is not None else DEFAULT_CORRECTIONS
    if not file.is_file():
        if path is None:
            return {}
        raise ParamsError([f"файл исправлений каталога не найден: {file}"], str(file))
    data = read_yaml(file)
    years = data.get("corrections") if isinstance(data, dict) else None
    if not isinstance(years, dict):
        raise ParamsError(["ожидался раздел «corrections:» с годами и работами (math.8: {reason: …, tasks: …})"],
                          str(file))
    problems: list[str] = []
    out: dict[int, dict[str, dict]] = {}
    for year, works in years.items():
        if isinstance(year, bool) or not isinstance(year, int) or not isinstance(works, dict):
            problems.append(f"corrections → {year}: ожидался год (целое число) со словарём работ")
            continue
        for work, entry in works.items():
            where = f"corrections → {year} → {work}"
            if not _WORK.match(str(work)) or not isinstance(entry, dict):
                problems.append(f"{where}: ожидалась работа вида math.8 с разделами reason и tasks")
                continue
            if not str(entry.get("reason") or "").strip():
                problems.append(f"{where}: нет причины исправления (reason)")
            tasks = entry.get("tasks")
            if not isinstance(tasks, dict) or not tasks:
                problems.append(f"{where}: ожидался раздел tasks: {{номер задания: {{max: балл}}}}")
                continue
            for task, fix in tasks.items():
                top = fix.get("max") if isinstance(fix, dict) else None
                if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 100:
                    problems.append(f"{where} → tasks → {task}: max — ожидалось целое число от 1 до 100, "
                                    f"указано «{top}»")
            out.setdefault(int(year), {})[str(work)] = {"reason": str(entry.get("reason") or "").strip(),
                                                        "tasks": {str(k): v for k, v in tasks.items()}}
    if problems:
        raise ParamsError(problems, str(file))
    return out


def _apply_corrections(work: str, entry: dict, fix: dict, problems: list[str]) -> None:
    """Change the maxima ``fix`` names in ``entry`` (in place) and note the reason in it."""
    by_number = {t["task"]: t for t in entry["tasks"]}
    unknown = [n for n in fix["tasks"] if n not in by_number]
    if unknown:
        problems.append(f"{work}: в исправлениях названы задания, которых нет в описании: {', '.join(unknown)}")
        return
    changed = []
    for number, change in fix["tasks"].items():
        task = by_number[number]
        if task["max"] != change["max"]:
            changed.append(f"{number}: {task['max']} → {change['max']}")
            task["max"] = change["max"]
    if changed:
        entry["corrected"] = f"{fix['reason']} Исправлены максимальные баллы заданий ({'; '.join(changed)})."


def build_year(src_dir: str | Path, corrections: dict[str, dict] | None = None,
               maxima: dict[str, int] | None = None) -> dict[str, dict]:
    """Catalogue entries of every work found under ``src_dir/<grade>/<subject>/ALL.xlsx``.

    Parameters
    ----------
    src_dir : str or Path
        The description tables.
    corrections : dict, optional
        ``{work: {"reason", "tasks"}}`` for this year (see :func:`read_corrections`): maxima the
        source tables give wrongly; the entry records the reason under ``corrected``.
    maxima : dict, optional
        ``{work: maximum primary score}`` (the scales): each work's task maxima must add up to
        it; the entry records it under ``max``.

    Returns
    -------
    dict
        ``{"math.5": entry, ...}`` in grade and subject order (see :func:`build_work`).

    Raises
    ------
    ParamsError
        Besides the problems of :func:`build_work`: a work whose maxima (after the corrections)
        do not add up to its maximum, a correction naming a task the description lacks.
    """
    src = Path(src_dir)
    if not src.is_dir():
        raise ParamsError([f"папка описаний работ не найдена: {src}"], str(src))
    works: dict[str, dict] = {}
    problems: list[str] = []
    for table in sorted(src.glob("*/*/ALL.xlsx"), key=lambda p: (int(p.parent.parent.name)
                                                               if p.parent.parent.name.isdigit() else 99, p.parent.name)):
        grade, subject = table.parent.parent.name, table.parent.name.lower().replace("ё", "е")
        code = SUBJECT_FOLDERS.get(subject)
        if code is None or not grade.isdigit():
            problems.append(f"папка «{table.parent.relative_to(src)}»: ожидалось <класс>/<Математика или "
                            "Русский язык>/ALL.xlsx")
            continue
        try:
            entry = build_work(table.parent)
        except ParamsError as exc:
            problems += [f"«{table.parent.relative_to(src)}»: {p}" for p in exc.problems]
            continue
        work = f"{code}.{int(grade)}"
        if corrections and work in corrections:
            _apply_corrections(work, entry, corrections[work], problems)
        total = sum(t["max"] for t in entry["tasks"])
        head: dict = {"source": f"{table.parent.relative_to(src).as_posix()}"}
        if maxima and work in maxima:
            if total != int(maxima[work]):
                problems.append(f"«{table.parent.relative_to(src)}»: максимальные баллы заданий в сумме {total}, а "
                                f"максимум работы по шкале — {maxima[work]}: сверьте описание с выгрузкой и "
                                "впишите исправление в файл исправлений каталога")
                continue
            head["max"] = int(maxima[work])
        if "corrected" in entry:
            head["corrected"] = entry.pop("corrected")
        works[work] = {**head, **entry}
    if problems:
        raise ParamsError(problems, str(src))
    if not works:
        raise ParamsError(["не найдено ни одной таблицы <класс>/<предмет>/ALL.xlsx"], str(src))
    return works


_HEADER = """\
# Каталог заданий ВПР: что проверяет каждое задание работы, по годам.
# position — порядок задания в работе (порядок столбцов баллов выгрузки ФИС ОКО),
# task — номер задания в работе, level — уровень сложности (Б, П, В), max — максимальный балл,
# skill — проверяемое умение, block — блок ПООП, elements / requirements — коды КЭС / КТ.
# У работы: max — её максимальный первичный балл (по шкале params/scales/vpr.yaml; баллы заданий
# в сумме должны давать его), corrected — что исправлено в таблице описания и почему
# (исправления — params/tasks/corrections.yaml).
# same_as: год — работа совпадает с работой того года (проверено, см. checked). Работа, которой
# здесь нет (например, математика 8 кл. 2020 г.: в выгрузке 19 заданий, в описании 2021 г. — 20),
# импортируется без таблицы заданий.
# Год, собранный из таблиц описаний, перезаписывается командой
# python -m qualitylib tasks-catalogue ПАПКА_ОПИСАНИЙ --year ГОД --out ЭТОТ_ФАЙЛ
# (он применяет исправления и сверяет суммы баллов с максимумами работ).
"""


def write_catalogue(works: dict[str, dict], year: int, path: str | Path) -> Path:
    """Write ``works`` as the catalogue of ``year`` into ``path``, keeping the file's other years."""
    path = Path(path)
    data = {"catalogue": {}}
    if path.is_file():
        old = read_yaml(path)
        if isinstance(old, dict) and isinstance(old.get("catalogue"), dict):
            data = old
    data["catalogue"][int(year)] = works
    data["catalogue"] = dict(sorted(data["catalogue"].items(), reverse=True))
    text = _HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reading

def _entry_problems(where: str, entry) -> list[str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("tasks"), list) or not entry["tasks"]:
        return [f"{where}: ожидался раздел с непустым списком tasks (или same_as: год)"]
    problems = []
    stated = entry.get("max")
    if stated is not None:
        tops = [t.get("max") for t in entry["tasks"] if isinstance(t, dict)]
        if isinstance(stated, bool) or not isinstance(stated, int):
            problems.append(f"{where}: max (максимум работы) — ожидалось целое число, указано «{stated}»")
        elif all(isinstance(t, int) and not isinstance(t, bool) for t in tops) and sum(tops) != stated:
            problems.append(f"{where}: максимальные баллы заданий в сумме {sum(tops)}, а максимум работы (max) — "
                            f"{stated}")
    for i, task in enumerate(entry["tasks"], start=1):
        at = f"{where} → tasks → {i}"
        if not isinstance(task, dict):
            problems.append(f"{at}: ожидался словарь position, task, level, max …")
            continue
        if task.get("position") != i:
            problems.append(f"{at}: position должен быть {i} (задания по порядку), указано «{task.get('position')}»")
        if not str(task.get("task", "")).strip():
            problems.append(f"{at}: нет номера задания (task)")
        if task.get("level") not in (None, "") and str(task["level"]).lower() not in TASK_LEVELS:
            problems.append(f"{at}: уровень «{task.get('level')}» — ожидалось Б, П, В или пусто (не указан)")
        top = task.get("max")
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 100:
            problems.append(f"{at}: max — ожидалось целое число от 1 до 100, указано «{top}»")
    return problems


def read_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read a catalogue file (default: the packaged ``params/tasks/vpr.yaml``).

    Raises
    ------
    ParamsError
        Listing every problem in Russian (unknown work, task without level or maximum,
        ``same_as`` naming a year the file does not have).
    """
    file = Path(path) if path is not None else DEFAULT_CATALOGUE
    if not file.is_file():
        raise ParamsError([f"файл каталога заданий не найден: {file}"], str(file))
    data = read_yaml(file)
    if not isinstance(data, dict) or not isinstance(data.get("catalogue"), dict):
        raise ParamsError(["ожидался раздел «catalogue:» с годами и работами (math.5: {tasks: […]})"], str(file))
    years = data["catalogue"]
    problems: list[str] = []
    resolved: dict[tuple[int, str], dict] = {}
    notes: dict[tuple[int, str], str] = {}
    for year, works in years.items():
        if isinstance(year, bool) or not isinstance(year, int) or not isinstance(works, dict):
            problems.append(f"catalogue → {year}: ожидался год (целое число) со словарём работ")
            continue
        for work, entry in works.items():
            where = f"catalogue → {year} → {work}"
            if not _WORK.match(str(work)):
                problems.append(f"{where}: ожидалась работа вида math.5 или russian.4")
                continue
            if isinstance(entry, dict) and "same_as" in entry:
                other = years.get(entry["same_as"], {})
                entry_other = other.get(work) if isinstance(other, dict) else None
                if not isinstance(entry_other, dict) or "same_as" in entry_other:
                    problems.append(f"{where}: same_as: {entry['same_as']} — в каталоге нет описания этой "
                                    "работы за тот год")
                    continue
                notes[(year, str(work))] = str(entry.get("checked", f"как в {entry['same_as']} г."))
                entry = entry_other
            found = _entry_problems(where, entry)
            if found:
                problems += found
                continue
            resolved[(year, str(work))] = entry
            if entry.get("corrected"):  # what was corrected in the description, for the method appendix
                notes[(year, str(work))] = " ".join(x for x in (notes.get((year, str(work)), ""),
                                                                str(entry["corrected"])) if x)
    if problems:
        raise ParamsError(problems, str(file))
    task_rows, code_rows = [], []
    for (year, work), entry in resolved.items():
        subject, grade = work.split(".")
        titles = {"element": entry.get("elements") or {}, "requirement": entry.get("requirements") or {}}
        for task in entry["tasks"]:
            number = str(task["task"])
            task_rows.append((year, subject, int(grade), task["position"], number,
                              TASK_LEVELS.get(str(task.get("level") or "").lower(), "unknown"), int(task["max"]),
                              str(task.get("skill") or ""), str(task.get("block") or "")))
            for kind, key in (("element", "elements"), ("requirement", "requirements")):
                for code in task.get(key) or []:
                    code_rows.append((year, subject, int(grade), task["position"], number, kind, str(code),
                                      str(titles[kind].get(str(code), "") or "")))
    tasks = pd.DataFrame(task_rows, columns=list(TASK_COLUMNS))
    codes = pd.DataFrame(code_rows, columns=list(CODE_COLUMNS))
    for frame in (tasks, codes):
        for col in ("year", "grade", "position"):
            frame[col] = frame[col].astype("int64")
    return Catalogue(tasks=tasks, codes=codes, notes=notes)


def _default_stamps() -> tuple:
    """Stamps of the packaged catalogue and corrections files (what a prepared catalogue depends on)."""
    return file_stamp(DEFAULT_CATALOGUE), file_stamp(DEFAULT_CORRECTIONS)


def region_catalogue(region_path: str | Path | None) -> Catalogue:
    """The catalogue of a region folder: its own :data:`CATALOGUE_FILE` when it has one, else the default."""
    own = Path(region_path) / CATALOGUE_FILE if region_path is not None else None
    source = own if own is not None and own.is_file() else None
    return prepared(("catalogue", file_stamp(source) if source is not None else None, _default_stamps()),
                    lambda: read_catalogue(source))
