"""The one reader of YAML files: safe tags only, bounded size, bounded alias expansion.

Every YAML file the project reads (methodology parameters, programmes, the indicators
catalogue, road maps, the ВПР scales, ``region.yaml``) goes through :func:`read_yaml`.
It refuses, with a Russian message:

* a file larger than :data:`MAX_BYTES`;
* a file that is not UTF-8 text;
* a YAML error, or a tag other than the standard ones (no Python objects are built);
* a document whose anchors and aliases (``&a`` … ``*a``) expand to more than
  :data:`MAX_NODES` values — the «billion laughs» bomb: half a kilobyte of nested aliases
  that expands to a billion strings once anything prints or copies the value — or that
  refer to themselves.

The expansion is measured on the composed node graph before any Python object is built,
in time proportional to the number of distinct nodes. Any value echoed in a message is cut
with :func:`shorten`.

A file's document is parsed once per text: :func:`read_yaml` keeps the last
:data:`PARSED_KEPT` documents it parsed, by their exact text, and hands out a deep copy (a
batch reads the same parameter files for every municipality and notebook; parsing is ~10 ×
dearer than the copy). A changed file has another text and is parsed again.
"""
from __future__ import annotations

import copy
import reprlib
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import ParamsError

#: The C (libyaml) safe loader when PyYAML has it: ~10× faster, equally safe.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Largest YAML file accepted (bytes); the shipped files are below 30 KB.
MAX_BYTES = 1 << 20
#: Most values (scalars, lists, dictionaries) a document may hold once aliases are expanded.
MAX_NODES = 100_000
#: How many parsed documents :func:`read_yaml` keeps (by their text).
PARSED_KEPT = 64
_PARSED: dict[str, Any] = {}
#: Longest echo of a value in a message (characters).
ECHO_LIMIT = 200

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 8
_REPR.maxstring = _REPR.maxother = ECHO_LIMIT


def shorten(value: Any, limit: int = ECHO_LIMIT) -> str:
    """Text of ``value`` for a message, at most ``limit`` characters (cut with «…»).

    Large lists and dictionaries are abbreviated without being printed whole, so a huge
    value costs no more than a small one.

    Examples
    --------
    >>> shorten("а" * 300)[-3:], len(shorten("а" * 300))
    ('аа…', 201)
    >>> shorten([1, 2])
    '[1, 2]'
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, (list, tuple, dict, set)):
        text = _REPR.repr(value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _expanded_size(root: yaml.Node, limit: int) -> int | None:
    """Number of values under ``root`` with every alias expanded; ``None`` for a cycle.

    Shared nodes (the targets of aliases) are counted once per reference but visited once,
    iteratively (no recursion limit); counting stops as soon as ``limit`` is passed.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), limit + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            return None
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" (строка {mark.line + 1}, позиция {mark.column + 1})" if mark else ""
    problem = getattr(exc, "problem", None) or exc
    return f"файл не является корректным YAML{where}: {shorten(problem)}"


def read_yaml(path: str | Path, error: type[ParamsError] = ParamsError, display: str | None = None) -> Any:
    """Read one YAML document safely.

    Parameters
    ----------
    path : str or Path
        The file.
    error : type, optional
        The :class:`~qualitylib.exceptions.ParamsError` class to raise (e.g. ``ScalesError``).
    display : str, optional
        File name for messages (default: ``str(path)``).

    Returns
    -------
    object
        The document (``None`` for an empty file).

    Raises
    ------
    ParamsError
        (or ``error``) with one Russian sentence: missing, too large, not UTF-8, not YAML,
        a disallowed tag, or aliases expanding beyond :data:`MAX_NODES` values.
    """
    path = Path(path)
    name = display or str(path)
    if not path.is_file():
        raise error([f"файл не найден: {path}"], name)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise error([f"файл слишком велик ({size} байт, допускается не больше {MAX_BYTES}): "
                     "ожидался небольшой текстовый файл YAML"], name)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(["файл не в кодировке UTF-8: сохраните его как текст в UTF-8"], name) from None
    if text not in _PARSED:  # a document that fails raises and is not kept
        if len(_PARSED) >= PARSED_KEPT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[text] = parse_yaml(text, error, name)
    return copy.deepcopy(_PARSED[text])


def parse_yaml(text: str, error: type[ParamsError] = ParamsError, name: str = "YAML") -> Any:
    """Parse YAML text with the limits of :func:`read_yaml` (aliases, recursion); ``name`` names it in errors."""
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, MAX_NODES)
        if size is None:
            raise error(["ссылка-псевдоним (*имя) ссылается на раздел, внутри которого стоит сама: "
                         "рекурсивные структуры не допускаются"], name)
        if size > MAX_NODES:
            raise error([f"ссылки-псевдонимы (&имя … *имя) раскрываются больше чем в {MAX_NODES} значений: "
                         "такой файл не принимается (защита от «YAML-бомбы»); "
                         "запишите значения явно"], name)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise error([_yaml_problem(exc)], name) from exc
    except RecursionError:
        raise error(["слишком глубокая вложенность разделов YAML"], name) from None
    finally:
        loader.dispose()
