"""The charts' font inside the HTML reports: DejaVu Sans, cut to the letters the reports use.

A chart is shown as SVG whose texts are texts (:data:`qualitylib.views.charts.INLINE_FORMAT`),
laid out by matplotlib with DejaVu Sans. A computer without that font would draw them in
another one, wider or narrower than the places matplotlib measured. The report therefore
carries the font itself (:func:`chart_font_css`), as WOFF in a data address: the font that
matplotlib ships, cut by fontTools (a matplotlib dependency) to Latin, Cyrillic and the signs the
reports print, about 20 KB. fontTools reads the whole font into Python objects first (some 15 MiB
that a process keeps), so the font is cut in a short-lived child process (:func:`chart_font_woff`).
It applies to the texts of the charts only (:data:`CHART_FONT`), so the page's own texts look as
before.
"""
from __future__ import annotations

import base64
from functools import lru_cache
from io import BytesIO
from pathlib import Path
import subprocess
import sys

#: The family name the report gives the embedded font (not «DejaVu Sans», which the page's own
#: texts name for the font of the reader's computer).
CHART_FONT = "DejaVu Sans (диаграммы)"

#: What the embedded font keeps: printable ASCII, Latin-1, the Russian alphabet (with Ё and the
#: letters of the other Cyrillic alphabets of the basic block) and the signs charts print: dashes,
#: the minus of negative numbers, arrows of the «2020 → 2021» titles, quotes, №, ≤ ≥ and the like.
#: A sign outside it is drawn by the reader's own sans-serif font.
CHARACTERS = frozenset(
    [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x100)]
    + [chr(c) for c in range(0x400, 0x460)] + list("–—−→←↑↓«»„“”‘’…·•×≥≤≈±№‰°²³€₽")
)


def _font_file() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@lru_cache(maxsize=1)
def chart_font_woff() -> bytes:
    """:func:`build_woff`, done once per process, in a child process that runs this file (it imports
    nothing of the library), so that the worker does not keep what fontTools read; in this process
    if the child cannot run or gives something else than a WOFF."""
    try:
        child = subprocess.run([sys.executable, str(Path(__file__).resolve())], capture_output=True,
                               timeout=300, check=True)
    except (OSError, subprocess.SubprocessError):
        return build_woff()
    return child.stdout if child.stdout[:4] == b"wOFF" else build_woff()


def build_woff() -> bytes:
    """DejaVu Sans of matplotlib cut to :data:`CHARACTERS`, as WOFF (the same bytes every time:
    the font's modification time is kept as it is)."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["kern"]
    options.hinting = False
    options.name_IDs = [0, 1, 2, 13]  # the name, the style, the copyright and the licence
    options.notdef_outline = True
    font = TTFont(str(_font_file()), recalcTimestamp=False, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in CHARACTERS])
    quiet = logging.getLogger("fontTools.subset")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # «FFTM NOT subset»: a table of font tools' own, dropped
    try:
        subsetter.subset(font)
    finally:
        quiet.setLevel(level)
    font.flavor = "woff"  # zlib: WOFF 2 would need brotli, which is not a dependency
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def chart_font_css() -> str:
    """The CSS that gives the charts' texts the embedded font: its ``@font-face`` and the rule
    for the texts of the SVG charts (``!important``: a text of an SVG names its font itself)."""
    data = base64.b64encode(chart_font_woff()).decode("ascii")
    return (f'@font-face{{font-family:"{CHART_FONT}";font-style:normal;font-weight:400;'
            f'src:url(data:font/woff;base64,{data}) format("woff")}}\n'
            f'.jp-RenderedSVG svg text{{font-family:"{CHART_FONT}","DejaVu Sans",Arial,sans-serif !important}}')


if __name__ == "__main__":  # the child process of chart_font_woff
    sys.stdout.buffer.write(build_woff())
