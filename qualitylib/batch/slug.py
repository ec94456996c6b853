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
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = slugify(name)
        slug, k = base, 2
        while slug in used:
            slug, k = f"{base}-{k}", k + 1
        used.add(slug)
        out[name] = slug
    return out
