"""What the region's report writes and links: its workbook and the links to the municipalities' reports."""
from __future__ import annotations

import html
import json
from pathlib import Path

from IPython.display import HTML

from ..views.region import REGION_TITLES, region_frame
from .excel import write_workbook

#: The folder of the region's report inside the region's output folder (slugs never start with «_»).
REGION_FOLDER = "_region"
#: The region's notebook (run once per region, not per municipality).
REGION_NOTEBOOK = "00_region"


def write_region_workbook(path: str | Path, report) -> Path:
    """``region.xlsx``: the sheet «Муниципалитеты» (the table of the report with the region's row)."""
    frame = region_frame(report).rename(columns=REGION_TITLES)
    return write_workbook(path, [("Муниципалитеты", frame, ())])


def municipality_links(output_dir: str | Path | None, titles: dict[str, str]) -> HTML:
    """Links from the region's report to each municipality's reports, read from the run's manifest.

    ``output_dir`` is the region report's folder (``<region>/<year>/_region``); nothing is
    shown outside a batch run.
    """
    if not output_dir:
        return HTML("<p>Ссылки на отчёты муниципалитетов появляются при пакетном прогоне.</p>")
    manifest = Path(output_dir).parent / "manifest.json"
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))["municipalities"]
    except (OSError, ValueError, KeyError, TypeError):
        return HTML("<p>Сведения о прогоне не найдены: ссылки на отчёты муниципалитетов не показаны.</p>")
    items = []
    for entry in entries:
        slug = str(entry.get("slug") or "")
        if not slug or "/" in slug or slug.startswith("."):
            continue
        links = " · ".join(f'<a href="../{html.escape(slug)}/{html.escape(nb)}.html">{html.escape(title)}</a>'
                           for nb, title in titles.items())
        items.append(f"<li><b>{html.escape(str(entry.get('municipality')))}</b>: {links}</li>")
    return HTML("<ul>" + "".join(items) + "</ul>")
