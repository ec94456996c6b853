"""Executed notebook -> self-contained offline HTML report without code.

The ``report`` template (``qualitylib/templates/report``) extends nbconvert's ``lab``
template and drops every script it would load from a CDN (require.js, MathJax, mermaid,
widgets); charts are embedded PNG data URIs. Run metadata (timestamps, durations) is
stripped before conversion, so the same inputs give the same HTML.
"""
from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import nbformat

TEMPLATES = Path(__file__).resolve().parent / "templates"
_VOLATILE_CELL_KEYS = ("execution", "papermill")
_VOLATILE_NB_KEYS = ("papermill",)

_exporter = None
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)


def strip_css_comments(css) -> str:
    """Drop ``/* … */`` comments (lab's CSS comments carry https links)."""
    import markupsafe

    return markupsafe.Markup(_CSS_COMMENT.sub("", str(css)))


def exporter():
    """A configured :class:`nbconvert.HTMLExporter`, created once per process."""
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(
            template_name="report",
            extra_template_basedirs=[str(TEMPLATES)],
            filters={"strip_css_comments": strip_css_comments},
            exclude_input=True,
            exclude_anchor_links=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            language_code="ru",
        )
    return _exporter


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without timestamps, durations, random cell ids and papermill run metadata."""
    nb = copy.deepcopy(nb)
    for key in _VOLATILE_NB_KEYS:
        nb.metadata.pop(key, None)
    for number, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{number:03d}"  # papermill gives its injected cell a random id
        for key in _VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.get("cell_type") == "code":
            cell["execution_count"] = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None
    return nb


def drop_repeated_styles(page: str) -> str:
    """Keep the first of identical ``<style>`` blocks.

    Every table fragment of :mod:`qualitylib.html` carries its own CSS, so that it looks right
    wherever it is shown (a notebook output, an e-mail); one page needs it once.
    """
    seen: set[str] = set()

    def keep_first(match: re.Match) -> str:
        block = match.group(0)
        if block in seen:
            return ""
        seen.add(block)
        return block

    return _STYLE.sub(keep_first, page)


def nav_bar(current: str, reports: dict[str, str], files: dict[str, str], index: str | None = "../index.html") -> str:
    """The navigation bar of a report: the region's index, the municipality's reports and files.

    Parameters
    ----------
    current : str
        The file name of this report (shown in bold, without a link).
    reports : dict
        Report file name -> its Russian title, in order (the HTML reports of the municipality).
    files : dict
        Other file name -> its Russian title (Excel workbooks, Word documents).
    index : str or None
        The relative link to the region's index page.
    """
    parts = [f'<a href="{html.escape(index)}">Оглавление региона</a>'] if index else []
    for name, title in reports.items():
        if name == current:
            parts.append(f"<b>{html.escape(title)}</b>")
        else:
            parts.append(f'<a href="{html.escape(name)}">{html.escape(title)}</a>')
    parts += [f'<a href="{html.escape(name)}">{html.escape(title)}</a>' for name, title in files.items()]
    return " · ".join(parts)


def notebook_to_html(nb: nbformat.NotebookNode, title: str, nav: str = "", date: str = "") -> str:
    """Render an executed notebook as the offline report HTML.

    Parameters
    ----------
    nav : str
        Markup of the navigation bar (:func:`nav_bar`), built by the library; none when empty.
    date : str
        The generation date as the reader sees it (дд.мм.гггг), shown on screen and on paper.
    """
    import markupsafe

    from .. import __version__

    clean = strip_volatile(nb)
    clean.metadata["title"] = title
    body, _ = exporter().from_notebook_node(clean, resources={
        "qualitylib_version": __version__, "ql_nav": markupsafe.Markup(nav), "ql_date": date})
    return drop_repeated_styles(body)
