"""Word documents of the identification report (01), the analytical note (03), the ВПР task analysis (04)
and the region's report (00), written with python-docx.

Built from the same report objects and views as the notebooks (:func:`qualitylib.reports.identification.
build_identification` through :func:`qualitylib.views.identification.present`, :class:`qualitylib.reports.
monitoring.Monitoring` through :func:`qualitylib.views.monitoring.note_view`), not converted from HTML:
headings, tables whose header row repeats on every page, landscape sections for wide tables, the
charts as pictures, and the appendix «Методика и параметры». Files are written atomically.
"""
from __future__ import annotations

import datetime as _dt
import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from ..data.files import rewrite_archive
from ..data.io import atomic_path
from ..views.heatmaps import share_colours
from ..views.html import DENSE_COLUMNS, STATUS_CLASSES, cell_text, programme_title
from ..views.labels import COLUMN_TITLES, assessment_title, ru_number
from ..views.method import method_sections

HEADER_FILL = "DDEBF7"
FLAG_FILL = "F8CBAD"
#: Fills of the status words (the same colours as the HTML report).
STATUS_FILLS = {"ql-ok": "C6EFCE", "ql-bad": "FFC7CE", "ql-none": "EDEDED", "ql-warn": "FFEB9C"}
#: The width of a chart on a portrait page, cm.
PICTURE_CM = 16.5


#: How many rows of a table :func:`column_widths` measures.
WIDTH_SAMPLE = 200
#: A paragraph's properties right-aligning a number.
_RIGHT = '<w:pPr><w:jc w:val="right"/></w:pPr>'
_BREAKS = re.compile(r"([\t\r\n])")


def _shd_xml(fill: str) -> str:
    """A cell's fill (``w:shd``), as XML."""
    return f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'


def _text_xml(text: str) -> str:
    """``w:t`` holding ``text`` (escaped; spaces at its ends kept)."""
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{escape(text)}</w:t>"


def _run_content_xml(text: str) -> str:
    """A run's content as python-docx's ``Run.text`` writes it: a tab as ``w:tab``, a line break
    (``\\n`` or ``\\r``) as ``w:br``, the text between them in ``w:t``; nothing for ``""``."""
    if not text:
        return ""
    if "\t" not in text and "\n" not in text and "\r" not in text:
        return _text_xml(text)
    parts = []
    for part in _BREAKS.split(text):
        if part == "\t":
            parts.append("<w:tab/>")
        elif part in ("\n", "\r"):
            parts.append("<w:br/>")
        elif part:
            parts.append(_text_xml(part))
    return "".join(parts)


def column_widths(texts: list[list[str]], total_cm: float) -> list[float]:
    """Column widths (cm) summing to ``total_cm``: by each column's longest text, capped at 45 characters,
    never narrower than its longest word (so a word is not broken letter by letter)."""
    longest = [min(45, max((len(t) for t in col), default=4)) + 3 for col in texts]
    words = [max((len(w) for t in col for w in t.split()), default=4) + 2 for col in texts]
    weights = [max(a, b) for a, b in zip(longest, words)]
    scale = total_cm / sum(weights)
    return [w * scale for w in weights]


def _values(series: pd.Series) -> list:
    """A column's values as iterating it gives them (missing text as ``None``, which reads the same)."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, na_value=None).tolist()
    return list(series)


def _column_cells(col: str, values: list, flag: str | None, status: bool) -> list[tuple]:
    """Each cell of one column as ``(text, numeric, fill, measured text)``.

    ``flag`` is the word of a 0/1 flag column (1 -> the word, filled; 0 -> «нет»), else ``None``;
    ``status`` whether the column's words carry a status fill. The measured text is what
    :func:`column_widths` reads. The cell of a text, a number or ``None`` is worked out once per column
    (a float zero each time: its sign may show).
    """
    made: dict = {}
    out = []
    for value in values:
        kind = type(value)
        key = (kind, value) if kind in _KEPT and (kind is not float or value) else None
        cell = made.get(key) if key is not None else None
        if cell is None:
            if flag is not None and value is not None and not pd.isna(value):
                on = int(value) == 1
                cell = ((flag if on else "нет"), False, FLAG_FILL if on else None, cell_text(value, col)[0])
            else:
                text, numeric = cell_text(value, col)
                fill = STATUS_FILLS[STATUS_CLASSES[str(value)]] if status and str(value) in STATUS_CLASSES else None
                cell = (text, numeric, fill, text)
            if key is not None:
                made[key] = cell
        out.append(cell)
    return out


#: Types whose equal values read the same (a float zero aside: see :func:`_column_cells`).
_KEPT = frozenset({str, int, bool, float, type(None)})

class Report:
    """A Word document being written: headings, sentences, tables, pictures, orientation."""

    def __init__(self, title: str, region: str, municipality: str | None, year: int, params: dict,
                 date: _dt.date | None = None, programme: bool = True):
        self.doc = Document()
        style = self.doc.styles["Normal"]
        style.font.name = "DejaVu Sans"
        style.font.size = Pt(10)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Cm(1.5))
        section.top_margin, section.bottom_margin = Cm(1.5), Cm(1.5)
        self._page_numbers(section)
        self.doc.core_properties.title = title
        self.doc.core_properties.language = "ru-RU"
        self.doc.core_properties.author = "Отдел мониторинга качества образования"
        now = _dt.datetime.now()
        self.doc.core_properties.created = now
        self.doc.core_properties.modified = now
        self.landscape = False
        #: the tables' XML, put into the document when it is saved (see :meth:`table`)
        self._tables: list[bytes] = []
        self._grid_style = self.doc.styles["Table Grid"].style_id
        self._style_ids: dict[str, str | None] = {}
        self.heading(title, level=0)
        where = municipality or "весь регион"
        self.paragraph(f"Регион: {region} · Муниципалитет: {where} · Год: {int(year)}")
        programme = programme_title(params) if programme else None  # 03 names it in its first sentences
        if programme:
            self.paragraph(f"Программа: {programme}")
        self.paragraph(f"Сформировано {(date or _dt.date.today()):%d.%m.%Y}.", size=9)

    @staticmethod
    def _page_numbers(section) -> None:
        """«Стр. N» in the footer (a PAGE field Word fills in)."""
        par = section.footer.paragraphs[0]
        par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        par.add_run("Стр. ").font.size = Pt(8)
        run = par.add_run()
        run.font.size = Pt(8)
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            run._r.append(el)

    def heading(self, text: str, level: int = 1) -> None:
        """What python-docx's ``add_heading`` writes, with the style's id looked up once per document
        (python-docx searches the styles part for it at every heading)."""
        name = "Title" if level == 0 else f"Heading {level}"
        style_id = self._style_ids.get(name, False)
        if style_id is False:
            style_id = self._style_ids[name] = self.doc.part.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH)
        par = self.doc.add_paragraph(text)
        par._p.style = style_id

    def paragraph(self, text: str, size: float | None = None, italic: bool = False) -> None:
        par = self.doc.add_paragraph()
        run = par.add_run(text)
        if size:
            run.font.size = Pt(size)
        run.italic = italic

    def paragraphs(self, sentences: list[str]) -> None:
        for sentence in sentences:
            self.paragraph(sentence)

    def orientation(self, landscape: bool) -> None:
        """Start a new section in landscape or portrait (when it changes)."""
        if landscape == self.landscape:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        long, short = Cm(29.7), Cm(21.0)
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        self.landscape = landscape

    def table(self, frame: pd.DataFrame, columns: list[str], flags: dict[str, str] | None = None,
              empty: str = "Записей нет.", status_columns: tuple[str, ...] = (),
              fills: list[list[str | None]] | None = None, headers: list[str] | None = None) -> None:
        """A table with Russian headers repeated on every page; wide tables get a landscape section.

        ``flags`` as in :func:`qualitylib.views.html.table` (1 -> the word, filled; 0 -> «нет»);
        ``fills`` optional cell colours (rows × columns, ``#rrggbb`` or ``None``).

        The ``w:tbl`` element is written as one XML string and parsed once (a table of thousands of
        cells built through python-docx's objects took seconds); it is the element python-docx's
        ``add_table`` / ``add_row`` / ``add_run`` would build: style «Table Grid», centred, fixed layout,
        the grid and every cell's width, a bold header row repeated on every page that is not split,
        fills, right-aligned numbers.
        """
        if frame.empty:
            self.paragraph(empty, italic=True)
            return
        flags = flags or {}
        self.orientation(len(columns) >= DENSE_COLUMNS)
        size = Pt(7.5 if len(columns) >= DENSE_COLUMNS else 8.5)
        titles = headers or [COLUMN_TITLES.get(c, c) for c in columns]
        sub = frame[columns]
        body = [_column_cells(col, _values(sub.iloc[:, j]), flags.get(col), col in status_columns)
                for j, col in enumerate(columns)]
        # header words count as shorter: they may wrap into several lines
        measured = [[str(t)[:12] for t in titles[j:j + 1]] + [m for _, _, _, m in cells[:WIDTH_SAMPLE]]
                    for j, cells in enumerate(body)]
        if fills is not None:  # a given colour replaces the cell's own
            body = [[(text, numeric, colours[j].lstrip("#") if colours[j] else fill, m)
                     for (text, numeric, fill, m), colours in zip(cells, fills, strict=True)]
                    for j, cells in enumerate(body)]
        twips = [Cm(w).twips for w in column_widths(measured, 26.7 if self.landscape else 18.0)]
        half_points = int(size.pt * 2)
        out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{self._grid_style}"/>'
               '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
               '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" '
               'w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>',
               *(f'<w:gridCol w:w="{w}"/>' for w in twips),
               '</w:tblGrid><w:tr><w:trPr><w:tblHeader w:val="true"/><w:cantSplit/></w:trPr>']
        for title, w in zip(titles, twips):
            out.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/>{_shd_xml(HEADER_FILL)}</w:tcPr>'
                       f'<w:p><w:r/><w:r><w:rPr><w:b/><w:sz w:val="{half_points}"/></w:rPr>'
                       f'{_run_content_xml(str(title))}</w:r></w:p></w:tc>')
        out.append("</w:tr>")
        run = f'<w:r><w:rPr><w:sz w:val="{half_points}"/></w:rPr>'
        columns_xml = []
        for w, cells in zip(twips, body):
            start = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/>'
            made: dict = {}  # a column repeats few distinct cells: each one's XML is written once
            xml = []
            for text, numeric, fill, _ in cells:
                key = (text, numeric, fill)
                cell = made.get(key)
                if cell is None:
                    cell = made[key] = (f'{start}{_shd_xml(fill) if fill else ""}</w:tcPr><w:p>'
                                        f'{_RIGHT if numeric else ""}{run}{_run_content_xml(text)}</w:r></w:p></w:tc>')
                xml.append(cell)
            columns_xml.append(xml)
        out.extend(f"<w:tr>{''.join(line)}</w:tr>" for line in zip(*columns_xml))
        out.append("</w:tbl>")
        xml = "".join(out)
        if _NOT_IN_XML.search(xml):  # parsed now: lxml refuses the character with its own error
            self.doc.element.body._insert_tbl(parse_xml(xml))
        else:  # kept as text, in the document's place of a marker: see :func:`_put_tables`
            self.doc.element.body._insert_tbl(parse_xml(_marker(len(self._tables))))
            # the document's root declares the namespace: in the tree the table would not repeat it;
            # kept encoded: its markup takes a byte a character, not two as in a text with Cyrillic
            self._tables.append(xml.replace(f'<w:tbl {nsdecls("w")}>', "<w:tbl>", 1).encode("utf-8"))
        self.doc.add_paragraph()

    def figure(self, fig) -> None:
        """A chart as a picture: a :class:`~qualitylib.views.charts.Picture` the notebook showed, or a
        matplotlib figure, drawn here at :data:`~qualitylib.views.charts.PRINT_DPI` (then closed);
        nothing for ``None``."""
        if fig is None:
            return
        from ..views.charts import Picture, picture

        self.orientation(False)
        png = fig.png if isinstance(fig, Picture) else picture(fig).png
        self.doc.add_picture(io.BytesIO(png), width=Cm(PICTURE_CM))

    def appendix(self, params: dict, report: str) -> None:
        self.orientation(False)
        self.heading("Приложение. Методика и параметры", 1)
        for title, sentences in method_sections(params, report, programme_title(params)):
            self.heading(title, 2)
            self.paragraphs(sentences)

    def save(self, path: str | Path) -> Path:
        with atomic_path(path) as tmp:
            self.doc.save(str(tmp))
            if self._tables:
                _put_tables(Path(tmp), self._tables)
        return Path(path)


#: Characters XML 1.0 does not allow: a table holding one is parsed at once (and refused by lxml).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MARK = "qualitylib-table-"
_MARKED = re.compile(f'<w:tbl(?: xmlns:w="[^"]*")?><w:tblPr><w:tblCaption w:val="{_MARK}(\\d+)"/></w:tblPr></w:tbl>'
                     .encode())


def _marker(number: int) -> str:
    """The empty table that holds the place of table ``number`` in the document until it is saved."""
    return f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblCaption w:val="{_MARK}{number}"/></w:tblPr></w:tbl>'


def _put_tables(path: Path, tables: list[bytes]) -> None:
    """Replace the markers (:func:`_marker`) in the document python-docx saved at ``path`` by the tables.

    A table parsed into python-docx's tree takes about 2.6 KB of memory a cell (a heatmap of
    Barnaul's works: 14,000 cells, 37 MiB); as text it takes a tenth. The document is the one the
    parsed tables give, byte for byte (the tree serialises each table as it was written). It is
    written a piece at a time, each table let go once written: the whole document with its tables
    is never held.
    """
    def document(name: str, data: bytes):
        if name != "word/document.xml":
            return None
        marks = list(_MARKED.finditer(data))
        if [int(m.group(1)) for m in marks] != list(range(len(tables))):
            raise RuntimeError(f"В документе Word «{path.name}» не все таблицы нашли своё место.")
        return _with_tables(data, marks, tables)

    rewrite_archive(path, document)


def _with_tables(data: bytes, marks: list[re.Match], tables: list[bytes]):
    """The pieces of ``data`` with each marker replaced by its table (let go once handed out)."""
    at = 0
    for number, mark in enumerate(marks):
        yield data[at:mark.start()]
        table, tables[number] = tables[number], b""
        yield table
        at = mark.end()
    yield data[at:]


def _heat_frame(ident) -> tuple[pd.DataFrame, list[str], list[list[str | None]]]:
    """The fail-share heatmap as a table: names, shares «45 ▲», cell colours."""
    names = ident.shnor.set_index("school_id")["school_name"]
    threshold = ident.params["identification"]["threshold_pct"]
    matrix = ident.matrix
    low = ident.low.reindex_like(matrix).fillna(False).astype(bool) if len(ident.low) else matrix >= threshold
    hidden = (ident.hidden.reindex_like(matrix).fillna(False).astype(bool) if len(ident.hidden)
              else matrix.isna() & False)
    shown = matrix.where(~hidden)
    colours = share_colours(shown.to_numpy(dtype=float), threshold)
    rows, fills = [], []
    for i, sid in enumerate(matrix.index):
        row = {"school_name": names.get(sid, sid)}
        fill = [None]
        for j, a in enumerate(matrix.columns):
            v = matrix.iat[i, j]
            if hidden.iat[i, j]:
                text = "скр."
            elif pd.isna(v):
                text = "—"
            else:
                text = ru_number(v, 0) + (" ▲" if low.iat[i, j] else "")
            row[a] = text
            fill.append(colours[i, j])
        rows.append(row)
        fills.append(fill)
    frame = pd.DataFrame(rows, columns=["school_name", *matrix.columns])
    headers = ["Школа"] + [assessment_title(a) for a in matrix.columns]
    return frame, headers, fills


def identification_docx(path: str | Path, region_name: str, ident, social_figure=None) -> Path:
    """Write the identification report (01) as Word: the same sections and tables as the notebook.

    Parameters
    ----------
    ident : qualitylib.reports.identification.Identification
        As :func:`qualitylib.views.identification.present` returns it.
    social_figure : qualitylib.views.charts.Picture or matplotlib.figure.Figure, optional
        The social-context chart (:func:`qualitylib.views.charts.social_scatter`), as the notebook
        showed it (:func:`qualitylib.views.charts.picture`).
    """
    from ..views.identification import NO_SOCIAL_DATA, recommendations_by_deficit, social_rows, summary_sentences

    p = ident.params
    doc = Report("Выявление школ с низкими образовательными результатами и школ в зоне риска", region_name,
                 ident.municipality, ident.year, p)
    doc.heading("Итоги")
    doc.paragraphs(summary_sentences(ident))
    doc.heading("Реестр ШНОР")
    doc.table(ident.shnor_list, ["school_name", "criterion_1", "criterion_2", "low_results", "low_results_prev",
                                 "reasons"], flags={"criterion_1": "да", "criterion_2": "да"},
              empty="ШНОР в этом году не выявлено.")
    doc.heading("Доли низких результатов по процедурам")
    frame, headers, fills = _heat_frame(ident)
    doc.paragraph(f"Доля низких результатов, %; ▲ — не ниже порога ({p['identification']['threshold_pct']:g} %); "
                  "«скр.» — скрыто в публичном отчёте; «—» — нет данных.", size=9)
    doc.table(frame, list(frame.columns), headers=headers, fills=fills, empty="Результатов нет.")
    doc.heading("Школы в зоне риска снижения образовательных результатов")
    doc.table(ident.risk_list, ["school_name", "area_material", "area_staff", "area_pupils", "area_results",
                                "teachers_overload_pct", "teachers_unqualified_pct", "pupils_sum_pct",
                                "pupils_failing_pct", "vpr_high"],
              flags={c: "риск" for c in ["area_material", "area_staff", "area_pupils", "area_results"]},
              empty="Школ в зоне риска нет.")
    doc.heading("Дефициты и адресные рекомендации", 2)
    doc.table(recommendations_by_deficit(ident.risk_list, p), ["deficit", "school_names", "schools_count",
                                                                "recommendation"], empty="Школ в зоне риска нет.")
    doc.heading("Результаты с учётом социального контекста")
    mine = social_rows(ident)
    if len(mine):
        doc.figure(social_figure)
        doc.table(mine.sort_values("social_index"), ["school_name", "social_index", "shnsu", "share",
                                                     "expected_share", "difference", "reading"], flags={"shnsu": "ШНСУ"})
    else:
        doc.paragraph(NO_SOCIAL_DATA)
    doc.heading("Сетевые пары «сильная школа — слабая школа»")
    doc.table(ident.pairs, ["school_name", "weak_assessments", "leader_name", "leader_municipality", "covered",
                            "note"], empty="Пар нет: ШНОР не выявлено.")
    doc.heading("Объективность результатов ВПР")
    if ident.objectivity is None:
        doc.paragraph("Данных об учениках (выгрузки ФИС ОКО) для этого региона нет: признаки необъективности "
                      "не вычисляются.")
    else:
        doc.table(ident.objectivity[ident.objectivity["marked"] == 1],
                  ["school_name", "inflated", "marks_mismatch", "sharp_rise", "sharp_fall", "signs"],
                  empty="Школ с признаками необъективности нет.")
    doc.appendix(p, "identification")
    return doc.save(path)


def monitoring_docx(path: str | Path, region_name: str, m, note=None) -> Path:
    """Write the analytical note (03) as Word from a :class:`qualitylib.reports.monitoring.Monitoring`.

    ``note`` is its :func:`qualitylib.views.monitoring.note_view` when the caller has it already.
    """
    from ..views.monitoring import FLAG_COLUMNS, FLAG_UNIT, evidence_notes, note_view, summary_sentences

    note = note_view(m) if note is None else note
    doc = Report("Аналитическая справка: мониторинг программы", region_name, m.municipality, m.year, m.params,
                 programme=False)
    doc.heading("Краткие итоги")
    doc.paragraphs(summary_sentences(m))
    doc.heading("Показатели по группам")
    if note.indicators.empty:
        doc.paragraph("Показателей программы для этого муниципалитета нет.")
    for (group, unit), part in note.indicators.groupby(["group", "unit"], sort=False):
        if unit == FLAG_UNIT:  # yes/no items: the answers in words and their evidence, as in the HTML note
            doc.heading(group, 2)
            years = {"prev_answer": str(m.year - 1), "answer": str(m.year)}
            doc.table(part, FLAG_COLUMNS, headers=[years.get(c) or COLUMN_TITLES[c] for c in FLAG_COLUMNS],
                      status_columns=("status_title",))
            continue
        doc.heading(f"{group} ({unit})", 2)
        doc.table(part, ["number", "title", "numerator", "denominator", "prev_value", "value", "target",
                         "status_title", "target_note"], status_columns=("status_title",))
        doc.paragraphs(evidence_notes(part))  # what an indicator lists or which data it read, under the table
    doc.heading("Дорожная карта")
    if m.roadmap is None:
        doc.paragraph("Дорожной карты муниципалитета в данных нет.")
    else:
        doc.paragraph(f"Состояние на {m.as_of:%d.%m.%Y}.")
        doc.table(m.roadmap_total, ["total", "done", "in_progress", "overdue", "not_started", "unparsed_deadline",
                                    "done_on_time", "share_done_on_time"])
        doc.heading("По направлениям и ответственным", 2)
        doc.table(note.roadmap_by_direction, ["direction", "total", "done", "in_progress", "overdue",
                                              "not_started", "share_done_on_time"])
        doc.table(note.roadmap_by_body, ["responsible", "total", "done", "in_progress", "overdue", "not_started",
                                         "share_done_on_time"])
        doc.heading("Просроченные мероприятия", 2)
        doc.table(m.overdue, ["item", "measure", "deadline", "responsible"], empty="Просроченных мероприятий нет.")
    doc.heading("Адресные рекомендации")
    doc.table(note.recommendations, ["school_name", "kind", "reasons", "recommendation"],
              empty="ШНОР и школ в зоне риска нет.")
    doc.appendix(m.params, "monitoring")
    return doc.save(path)


def region_docx(path: str | Path, report, funnel_figure=None) -> Path:
    """Write the region's report (00) as Word from a :class:`qualitylib.reports.region.RegionReport`."""
    from ..views.region import REGION_TITLES, SHOWN, region_frame, region_method, region_sentences

    doc = Report("Школы с низкими результатами: муниципалитеты региона рядом", report.region, None, report.year, {})
    doc.heading("Итоги")
    doc.paragraphs(region_sentences(report))
    doc.heading("Муниципалитеты")
    doc.table(region_frame(report), SHOWN, headers=[REGION_TITLES[c] for c in SHOWN])
    doc.heading("Воронка: доля низких результатов и число участников")
    doc.figure(funnel_figure)
    doc.orientation(False)
    doc.heading("Приложение. Методика", 1)
    doc.paragraphs(region_method())
    return doc.save(path)


def tasks_docx(path: str | Path, region_name: str, r, histogram_figure=None) -> Path:
    """Write the ВПР task analysis (04) as Word from a :class:`qualitylib.reports.tasks.TaskReport`.

    The same sections as the notebook: the summary, the schools × tasks heatmap of every work
    (coloured by mastery, in landscape tables of consecutive tasks), the weakest skills, the
    deficits of the ШНОР and risk-zone schools (by task and content element), the addressed
    recommendations, ВПР marks against school marks, the score histograms and the method.
    ``histogram_figure``: the histograms as the notebook showed them (a
    :class:`~qualitylib.views.charts.Picture`) or a matplotlib figure.
    """
    from ..views import tasks as views

    doc = Report("Анализ выполнения заданий ВПР", region_name, r.municipality, r.year, r.params)
    doc.heading("Итоги")
    doc.paragraphs(views.summary_sentences(r))
    doc.heading("Выполнение заданий по школам")
    works = list(r.analysis["assessment"].drop_duplicates())
    if not works:
        doc.paragraph("Данных по заданиям ВПР за этот год нет.", italic=True)
    else:
        doc.paragraph(views.heatmap_legend(r), size=9)
    for work in works:
        doc.heading(views.assessment_title(work), 2)
        for frame, headers, fills in views.heatmap_frames(r, work):
            doc.table(frame, list(frame.columns), headers=headers, fills=fills)
    doc.orientation(False)
    doc.heading("Самые слабые умения муниципалитета")
    weakest = views.weakest_skills_table(r)
    doc.table(weakest, list(weakest.columns), empty="Умений, выполненных хуже региона, нет.")
    doc.heading("Дефициты ШНОР и школ в зоне риска")
    deficits = views.school_deficits_table(r)
    doc.table(deficits, list(deficits.columns),
              empty="У ШНОР и школ в зоне риска значимых дефицитов по заданиям нет.")
    doc.heading("Дефициты по элементам содержания", 2)
    elements = views.elements_table(r)
    doc.table(elements, list(elements.columns), empty="Дефицитов по элементам содержания нет.")
    doc.heading("Адресные рекомендации")
    advice = views.recommendations(r)
    doc.table(advice, list(advice.columns), empty="ШНОР и школ в зоне риска нет или нет данных по заданиям.")
    doc.heading("Отметки ВПР и отметки за четверть")
    marks = views.marks_table(r)
    doc.table(marks, list(marks.columns), empty="Отметок за четверть в данных нет.")
    doc.heading("Распределение первичных баллов")
    if histogram_figure is None:
        doc.paragraph("Данных по ученикам нет или групп меньше нужного числа участников.", italic=True)
    else:
        doc.paragraph("Пунктир — границы отметок «2»|«3», «3»|«4», «4»|«5».", size=9)
        doc.figure(histogram_figure)
    doc.orientation(False)
    doc.heading("Приложение. Методика", 1)
    doc.paragraphs(views.method_paragraphs(r))
    return doc.save(path)
