"""Executed notebook -> self-contained offline HTML report without code.

The ``report`` template (``qualitylib/templates/report``) extends nbconvert's ``lab``
template and drops every script it would load from a CDN (require.js, MathJax, mermaid,
widgets). Charts shown as SVG are written into the page as they are (:func:`inline_svg`), with the
font their texts were measured in (:mod:`.webfont`); pictures are PNG data URIs. Run metadata
(timestamps, durations) is stripped before conversion, so the same inputs give the same HTML.
"""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import nbformat

TEMPLATES = Path(__file__).resolve().parent / "templates"
_VOLATILE_CELL_KEYS = ("execution", "papermill")
_VOLATILE_NB_KEYS = ("papermill",)

_exporter = None
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


#: What an SVG output may not contain to be written into the page as it is (matplotlib writes
#: none of it; a text's «<» is written «&lt;»): such an image is shown as an ``<img>``, as nbconvert does.
_ACTIVE_SVG = re.compile(r"<script|<foreignobject|<iframe|<object|<embed|javascript:|\son[a-z]+\s*=", re.I)


def inline_svg(svg) -> str:
    """An SVG output (matplotlib's file) as markup for the page: without the XML declaration, the
    document type and the RDF metadata, and with a Russian name for screen readers.

    Written into the page, rather than as an ``<img>``, the SVG's texts are drawn with the page's
    fonts (:func:`.webfont.chart_font_css`) and found by a search of the page, and the page does
    not carry the image a third larger in base64. An SVG with scripts or event handlers
    (:data:`_ACTIVE_SVG`) is shown as an ``<img>``, where none of it runs.
    """
    import markupsafe

    svg = str(svg)
    start = svg.find("<svg")
    if start < 0 or _ACTIVE_SVG.search(svg):
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return markupsafe.Markup(f'<img alt="Диаграмма" src="data:image/svg+xml;base64,{data}">')
    svg = svg[start:]
    meta = svg.find("<metadata>")
    if meta >= 0:
        end = svg.find("</metadata>", meta)
        if end >= 0:
            svg = svg[:meta].rstrip(" ") + svg[end + len("</metadata>"):].lstrip("\n")
    return markupsafe.Markup('<svg role="img" aria-label="Диаграмма"' + svg[4:].rstrip())


def strip_css_comments(css) -> str:
    """Drop ``/* … */`` comments (lab's CSS comments carry https links)."""
    import markupsafe

    return markupsafe.Markup(_CSS_COMMENT.sub("", str(css)))


#: nbconvert releases (major, minor) whose ``HTMLExporter.from_notebook_node`` :func:`_report_exporter_class`
#: repeats step by step; with another release the report exporter uses nbconvert's own method
#: (the same page, with the BeautifulSoup pass: ``tabindex`` on the outputs, about 0.2 s more a report).
CHECKED_RELEASES = ((7, 16), (7, 17))


def reproduces_parent() -> bool:
    """Whether the installed nbconvert is one of :data:`CHECKED_RELEASES`."""
    from nbconvert import __version__

    try:
        release = tuple(int(part) for part in __version__.split(".")[:2])
    except ValueError:
        return False
    return release in CHECKED_RELEASES


def _report_exporter_class():
    """:class:`nbconvert.HTMLExporter` without its BeautifulSoup pass over the finished page.

    ``HTMLExporter.from_notebook_node`` registers two filters, renders the template and then parses
    the whole page with BeautifulSoup (``html.parser``) to give ``<img>`` without ``alt`` a
    default text and the cells a ``tabindex`` — a second of parsing for a large page. This
    subclass registers the same filters and renders through
    :meth:`TemplateExporter.from_notebook_node` directly; the ``report`` template writes a Russian
    ``alt`` on every image output itself, and a page without code cells needs no focusable cells.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            if not reproduces_parent():  # an nbconvert this copy was not checked against: its own method
                return super().from_notebook_node(nb, resources, **kw)
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


def exporter():
    """A configured HTML exporter (:func:`_report_exporter_class`), created once per process."""
    global _exporter
    if _exporter is None:
        _exporter = _report_exporter_class()(
            template_name="report",
            extra_template_basedirs=[str(TEMPLATES)],
            filters={"strip_css_comments": strip_css_comments, "inline_svg": inline_svg},
            exclude_input=True,
            exclude_anchor_links=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            language_code="ru",
            optimistic_validation=True,  # validate the notebook once, not after each of 12 preprocessors
        )
    return _exporter


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without timestamps, durations, random cell ids and papermill run metadata.

    The copy is shallow where nothing changes (sources, output data): ``nb`` itself is left as it
    was, and the exporter deep-copies what it is given before it touches anything.
    """
    Node = nbformat.NotebookNode
    clean = Node(nb)
    clean["metadata"] = Node({k: v for k, v in nb.metadata.items() if k not in _VOLATILE_NB_KEYS})
    cells = []
    for number, cell in enumerate(nb.cells):
        cell = Node(cell)
        cell["id"] = f"cell-{number:03d}"  # papermill gives its injected cell a random id
        cell["metadata"] = Node({k: v for k, v in cell.get("metadata", {}).items() if k not in _VOLATILE_CELL_KEYS})
        if cell.get("cell_type") == "code":
            cell["execution_count"] = None
            if "outputs" in cell:
                cell["outputs"] = [Node(out, execution_count=None) if "execution_count" in out else out
                                   for out in cell["outputs"]]
        cells.append(cell)
    clean["cells"] = cells
    return clean


def drop_repeated_styles(page: str) -> str:
    """Keep the first of identical ``<style>`` blocks.

    Every table fragment of :mod:`qualitylib.html` carries its own CSS, so that it looks right
    wherever it is shown (a notebook output, an e-mail); one page needs it once. A block is
    ``<style`` up to the next ``>``, then up to the next ``</style>`` (found with ``str.find``:
    a regular expression crawls through the lab theme's quarter of a megabyte of CSS).
    """
    seen: set[str] = set()
    parts: list[str] = []
    done = 0
    start = page.find("<style")
    while start >= 0:
        opened = page.find(">", start + 6)
        closed = page.find("</style>", opened + 1) if opened >= 0 else -1
        if closed < 0:
            break
        end = closed + 8
        block = page[start:end]
        if block in seen:
            parts.append(page[done:start])
            done = end
        else:
            seen.add(block)
        start = page.find("<style", end)
    parts.append(page[done:])
    return "".join(parts)


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

    from .webfont import chart_font_css

    clean = strip_volatile(nb)
    clean.metadata["title"] = title
    svg = any("image/svg+xml" in out.get("data", {}) for cell in clean.cells for out in cell.get("outputs", ()))
    body, _ = exporter().from_notebook_node(clean, resources={
        "qualitylib_version": __version__, "ql_nav": markupsafe.Markup(nav), "ql_date": date,
        "ql_chart_font": markupsafe.Markup(chart_font_css()) if svg else ""})
    return drop_repeated_styles(body)
