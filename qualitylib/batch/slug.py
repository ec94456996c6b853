"""Safe folder names for municipalities and regions."""
from __future__ import annotations

import hashlib
import re

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))


def slugify(name: str, max_length: int = 60) -> str:
    """A folder name made of ``[a-z0-9-]`` only: Cyrillic transliterated, everything else dashed.

    A name that leaves nothing (``"../"``, ``"/etc"``, ``"***"``) gets a short hash, so the
    result is never empty, never ``.``/``..`` and never contains a path separator.

    Examples
    --------
    >>> slugify("Чаа-Хольский кожуун")
    'chaa-kholskiy-kozhuun'
    >>> slugify("../x")
    'x'
    """
    text = "".join(_TRANSLIT.get(ch, ch) for ch in str(name).lower())
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_length].strip("-")
    if not text:
        text = "m-" + hashlib.sha1(str(name).encode("utf-8")).hexdigest()[:8]
    return text


def unique_slugs(names: list[str]) -> dict[str, str]:
    """Map each name to a slug, adding ``-2``, ``-3`` … where two names give the same slug."""
    return stable_slugs(names)


_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def is_slug(text) -> bool:
    """Whether ``text`` could have come from :func:`slugify` (a safe folder name)."""
    return isinstance(text, str) and len(text) <= 80 and _SLUG.fullmatch(text) is not None


def stable_slugs(names: list[str], previous: dict[str, str] | None = None) -> dict[str, str]:
    """Slugs for all ``names`` that keep the ones of an earlier run.

    ``names`` should be every municipality of the region (not the ones selected for a
    run), so that a folder name never depends on the selection. A name with a slug in
    ``previous`` keeps it (unless it is not a safe folder name or is taken twice); the
    others get :func:`unique_slugs`-style names that avoid every slug in ``previous``
    (a folder of a municipality that has gone from the data is not reused).

    Examples
    --------
    >>> stable_slugs(["ПОЛЫСАЕВО", "Полысаево"])
    {'ПОЛЫСАЕВО': 'polysaevo', 'Полысаево': 'polysaevo-2'}
    >>> stable_slugs(["Город", "город"], {"город": "gorod"})
    {'Город': 'gorod-2', 'город': 'gorod'}
    """
    previous = {k: v for k, v in (previous or {}).items() if is_slug(v)}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        slug = previous.get(name)
        if slug is not None and slug not in taken:
            out[name] = slug
            taken.add(slug)
    used = taken | set(previous.values())
    for name in names:
        if name in out:
            continue
        base = slugify(name)
        slug, k = base, 2
        while slug in used:
            slug, k = f"{base}-{k}", k + 1
        used.add(slug)
        out[name] = slug
    return {name: out[name] for name in names}
