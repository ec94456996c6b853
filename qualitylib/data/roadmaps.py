"""Road maps (plans of measures) of municipal programmes, read from YAML files.

The default road maps ship with the package in ``params/roadmaps/`` (found through
:func:`qualitylib.resources.params_dir`), one file per plan, so a municipality can have
several plans. A file reads::

    roadmap:
      municipality: Полысаево         # as in the schools table
      plan: polysaevo-2020            # key of the plan, unique over the folder
      title: План мероприятий ...     # title of the plan
      direction: ...                  # optional: direction of the items that name none
      period: {start: 2020-09-01, end: 2021-08-31}   # optional: the plan's own period
    items:
      - item: '1'                     # item number as written (text or integer)
        direction: ...                # optional: section of the plan
        measure: ...                  # required
        deadline: Октябрь 2020 года   # required, free text as in the original
        responsible: УО, ОО           # optional
        expected_result: ...          # optional
        status: выполнено             # optional: execution state
        completed_on: '2020-10-28'    # optional: date done (a YAML date is accepted too)
        evidence: приказ ...          # optional: the document that proves it
        restored: ...                 # optional: what of the text was restored from a garbled original

The plan's own fields sit under ``roadmap:``, not at the top level: a file with a top-level
``municipality`` key is taken for a municipality's methodology parameters by
:func:`qualitylib.data.params.find_municipality_params`. Absent optional values are ``""``. Every problem found in a file is reported at once as a
:class:`~qualitylib.exceptions.ParamsError` whose Russian message names the file and the item.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import ParamsError
from ..resources import params_dir
from .schema import ROADMAP
from .yamlfile import read_yaml

#: Name of the road-map folder inside a parameters folder.
ROADMAPS_FOLDER = "roadmaps"

#: Top-level keys of a plan file; keys of its ``roadmap`` section: required, optional.
FILE_KEYS = ("roadmap", "items")
PLAN_REQUIRED = ("municipality", "plan", "title")
PLAN_OPTIONAL = ("direction", "period")

#: Keys of an item, in the column order of the road-map table (without ``municipality``).
ITEM_FIELDS = tuple(name for name in ROADMAP.column_names if name not in ("municipality", "plan"))
ITEM_REQUIRED = ("item", "measure", "deadline")


@dataclass(frozen=True)
class RoadmapPlan:
    """One road map: a plan of a municipality and its items.

    Attributes
    ----------
    municipality, plan, title : str
        Municipality, key and title of the plan.
    items : tuple of dict
        One dict per item with the keys of :data:`ITEM_FIELDS` (absent values ``""``), in file order.
    source : str
        The file the plan was read from.
    period : tuple of datetime.date or None
        The plan's own period ``(start, end)`` when the file gives one; else the programme's
        period applies.
    """

    municipality: str
    plan: str
    title: str
    items: tuple[dict[str, str], ...]
    source: str = ""
    period: tuple[datetime.date, datetime.date] | None = None

    def records(self) -> list[dict[str, str]]:
        """The items as rows of the road-map table (:data:`qualitylib.data.schema.ROADMAP`)."""
        return [{"municipality": self.municipality, "plan": self.plan, **item} for item in self.items]


def roadmaps_dir() -> Path:
    """The folder of the default road maps (``params/roadmaps/``)."""
    return params_dir() / ROADMAPS_FOLDER


def _title(name: str) -> str:
    try:
        return f"«{name}» ({ROADMAP.column(name).title})"
    except KeyError:
        return f"«{name}»"


def _text(value: Any, where: str, name: str, required: bool, problems: list[str]) -> str:
    """A text field: a string (an integer for ``item``, a date for ``completed_on``)."""
    if value is None or value == "":
        if required:
            problems.append(f"{where}: не заполнено обязательное поле {_title(name)}")
        return ""
    if name == "completed_on" and isinstance(value, datetime.date):
        return value.isoformat()
    if name == "item" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        hint = " (номер пункта — текст или целое число; «2.10» запишите в кавычках)" if name == "item" else ""
        problems.append(f"{where}: поле {_title(name)} должно быть текстом, а не «{value}»{hint}")
        return ""
    text = value.strip()
    if required and not text:
        problems.append(f"{where}: не заполнено обязательное поле {_title(name)}")
    return text


def _unknown(data: dict, allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    for key in data:
        if key not in allowed:
            problems.append(f"{where}: неизвестное поле «{key}» (допустимы: {', '.join(allowed)})")


def _period(value: Any, problems: list[str]) -> tuple[datetime.date, datetime.date] | None:
    """The optional ``period: {start, end}`` of a plan."""
    if value is None:
        return None
    if (isinstance(value, dict) and set(value) == {"start", "end"}
            and all(isinstance(value[k], datetime.date) for k in ("start", "end"))):
        if value["start"] > value["end"]:
            problems.append("раздел roadmap: начало периода (start) позже его конца (end)")
            return None
        return value["start"], value["end"]
    problems.append("раздел roadmap: поле «period» должно иметь вид {start: ГГГГ-ММ-ДД, end: ГГГГ-ММ-ДД}")
    return None


def _read(path: Path) -> Any:
    if not path.is_file():
        raise ParamsError([f"файл дорожной карты не найден: {path}"], str(path))
    return read_yaml(path)


def load_roadmap(path: str | Path) -> RoadmapPlan:
    """Read and validate one road-map file.

    Parameters
    ----------
    path : str or Path
        A YAML file in the format of this module.

    Returns
    -------
    RoadmapPlan

    Raises
    ------
    ParamsError
        Listing every problem of the file; each names the item (its place in ``items`` and
        its number) and the field.
    """
    path = Path(path)
    data = _read(path)
    if not isinstance(data, dict):
        raise ParamsError(["ожидались разделы «roadmap» (municipality, plan, title) и «items» "
                           "на верхнем уровне"], str(path))
    problems: list[str] = []
    _unknown(data, FILE_KEYS, "файл", problems)
    header = data.get("roadmap")
    if not isinstance(header, dict):
        problems.append("раздел «roadmap» должен быть словарём с полями municipality, plan и title")
        header = {}
    _unknown(header, PLAN_REQUIRED + PLAN_OPTIONAL, "раздел roadmap", problems)
    head = {name: _text(header.get(name), "раздел roadmap", name, True, problems) for name in PLAN_REQUIRED}
    default_direction = _text(header.get("direction"), "раздел roadmap", "direction", False, problems)
    period = _period(header.get("period"), problems)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append("раздел «items» должен быть непустым списком пунктов")
        raw_items = []
    items, seen = [], {}
    for position, raw in enumerate(raw_items, start=1):
        where = f"пункт {position} списка items"
        if not isinstance(raw, dict):
            problems.append(f"{where}: ожидался словарь полей (item, measure, deadline, …)")
            continue
        number = raw.get("item")
        if isinstance(number, (str, int)) and not isinstance(number, bool) and str(number).strip():
            where += f" (№ «{str(number).strip()}»)"
        _unknown(raw, ITEM_FIELDS, where, problems)
        item = {name: _text(raw.get(name), where, name, name in ITEM_REQUIRED, problems)
                for name in ITEM_FIELDS}
        if not item["direction"]:
            item["direction"] = default_direction
        if item["item"]:
            if item["item"] in seen:
                problems.append(f"{where}: номер пункта «{item['item']}» уже был у пункта {seen[item['item']]}")
            else:
                seen[item["item"]] = position
        items.append(item)
    if problems:
        raise ParamsError(problems, str(path))
    return RoadmapPlan(items=tuple(items), source=str(path), period=period, **head)


def load_roadmaps(folder: str | Path | None = None) -> dict[str, RoadmapPlan]:
    """Read every ``*.yaml`` road map of a folder (default: the packaged ``params/roadmaps/``).

    Parameters
    ----------
    folder : str or Path, optional
        The folder of road-map files; its files are read in name order.

    Returns
    -------
    dict of str to RoadmapPlan
        Plans by their key, in file-name order.

    Raises
    ------
    ParamsError
        A file breaks the format, or two files carry the same plan key.
    """
    folder = Path(folder) if folder is not None else roadmaps_dir()
    if not folder.is_dir():
        raise ParamsError([f"папка дорожных карт не найдена: {folder}"], str(folder))
    plans: dict[str, RoadmapPlan] = {}
    for path in sorted(folder.glob("*.yaml")):
        plan = load_roadmap(path)
        if plan.plan in plans:
            raise ParamsError([f"план «{plan.plan}» уже описан в файле «{plans[plan.plan].source}»"], str(path))
        plans[plan.plan] = plan
    return plans


#: The alias table of responsible bodies, at the top of the parameters folder.
BODIES_FILE = "bodies.yaml"


def load_body_aliases(path: str | Path | None = None) -> dict[str, dict[str, str]]:
    """The alias table of responsible bodies (``params/bodies.yaml``).

    The file reads ``bodies: {municipality: {name: [other spellings, ...]}}``.

    Returns
    -------
    dict of str to dict
        Municipality -> {spelling in lower case (:meth:`str.casefold`) -> the body's one name};
        the name itself is among the spellings.

    Raises
    ------
    ParamsError
        When the file breaks the format or one spelling names two bodies.
    """
    path = Path(path) if path is not None else params_dir() / BODIES_FILE
    data = _read(path)
    bodies = data.get("bodies") if isinstance(data, dict) else None
    if not isinstance(bodies, dict) or set(data) != {"bodies"}:
        raise ParamsError(["ожидался раздел «bodies»: муниципалитет → название органа → список написаний"],
                          str(path))
    problems: list[str] = []
    table: dict[str, dict[str, str]] = {}
    for town, names in bodies.items():
        if not isinstance(names, dict):
            problems.append(f"«{town}»: ожидался словарь «название органа: [написания]»")
            continue
        spellings: dict[str, str] = {}
        for name, others in names.items():
            if others is None:
                others = []
            if not isinstance(name, str) or not isinstance(others, list) or not all(
                    isinstance(o, str) for o in others):
                problems.append(f"«{town}» → «{name}»: ожидался список написаний (текст)")
                continue
            for spelling in (name, *others):
                key = " ".join(spelling.split()).casefold()
                if key in spellings and spellings[key] != name:
                    problems.append(f"«{town}»: написание «{spelling}» отнесено и к «{spellings[key]}», "
                                    f"и к «{name}»")
                spellings[key] = name
        table[str(town)] = spellings
    if problems:
        raise ParamsError(problems, str(path))
    return table

