"""The region's ``index.html``: every municipality, its headline numbers and links to its reports."""
from __future__ import annotations

import html
import re

PAGE_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:0 auto;padding:16px 24px;color:#222}
h1{font-size:22px;margin-bottom:4px} .sub{color:#555;font-size:13px;margin-bottom:16px}
table{border-collapse:collapse;width:100%;font-size:13px}
th{background:#ddebf7;text-align:left;padding:5px 7px;border:1px solid #b4c6e7;vertical-align:bottom}
td{padding:4px 7px;border:1px solid #d9d9d9;vertical-align:top}
td.num{text-align:right;white-space:nowrap}
tr:nth-child(even) td{background:#f7f7f7}
.ok{color:#1e6b1e;font-weight:bold} .fail{color:#b00020;font-weight:bold}
.reason{color:#b00020;font-size:12px;white-space:pre-wrap}
.legend{color:#555;font-size:12px;margin-top:10px}
.when{color:#555;font-size:12px} .warn{color:#b00020;font-weight:bold;margin-bottom:12px}
@page{size:A4 portrait;margin:14mm 12mm;@bottom-right{content:"Стр. " counter(page) " из " counter(pages);font-size:8pt;color:#555}}
@media print{body{max-width:none;padding:0;font-size:10pt} table{font-size:8pt} td.num{white-space:normal}
 th,td{padding:2px 3px;overflow-wrap:anywhere} thead{display:table-header-group} tr{break-inside:avoid}
 a{color:#000;text-decoration:none}}
"""


def _e(text) -> str:
    return html.escape(str(text))


def ru_datetime(text: str) -> str:
    """``2026-12-01 14:05`` (the manifest's form) as the reader writes it: «01.12.2026 14:05»."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(.*)", str(text).strip())
    if not match:
        return str(text)
    year, month, day, rest = match.groups()
    return f"{day}.{month}.{year}{rest}"


#: The Word and Excel files of a municipality the index links, after its reports.
#: (key in a row's ``reports``, file name, link text).
FILE_LINKS = (("01_identification.docx", "01_identification.docx", "Выявление ШНОР (Word)"),
              ("03_monitoring.docx", "03_monitoring.docx", "Аналитическая справка (Word)"),
              ("registry", "registry.xlsx", "Реестр (Excel)"),
              ("indicators", "indicators.xlsx", "Показатели (Excel)"),
              ("tasks", "tasks.xlsx", "Дефициты по заданиям (Excel)"))


#: The state of a municipality's reports as the index shows it.
STATUS_TITLES = {
    "ok": "готово",
    "failed": "ошибка",
    "interrupted": "прервано",
    "running": "не завершено",
    "not_run": "не запускался",
}


def render_index(region_name: str, year: int, rows: list[dict], generated: str, public: bool,
                 notebook_titles: dict[str, str], note: str = "", region_report: dict | None = None) -> str:
    """Render the index page.

    Parameters
    ----------
    rows : list of dict
        Per municipality: ``municipality``, ``slug``, ``status`` (a key of
        :data:`STATUS_TITLES`), ``reasons`` (list of str), ``reports`` (notebook -> bool
        present), ``headline`` (dict with ``schools``, ``shnor``, ``shnor_prev``, ``risk``,
        ``shnsu`` and optionally ``indicators_met``/``indicators_total``) and optionally
        ``generated``: the date of the row's results, shown when it is not ``generated``
        (a municipality kept from an earlier run).
    note : str, optional
        A warning shown above the table (an interrupted or unfinished run).
    region_report : dict, optional
        The region's report as the manifest records it (``status``, ``reasons``, ``folder``,
        ``reports``): linked above the table when built, its reasons shown when it failed.
    """
    head = ("<tr><th>Муниципалитет</th><th>Школ</th><th>ШНОР</th><th>ШНОР год назад</th>"
            "<th>В зоне риска</th><th>ШНСУ</th><th>Показатели выполнены</th><th>Отчёты</th>"
            "<th>Состояние</th></tr>")
    body = []
    for row in rows:
        h = row.get("headline") or {}
        links = []
        for name, title in notebook_titles.items():
            if row["reports"].get(name):
                links.append(f'<a href="{_e(row["slug"])}/{_e(name)}.html">{_e(title)}</a>')
        for key, name, text in FILE_LINKS:
            if row["reports"].get(key):
                links.append(f'<a href="{_e(row["slug"])}/{_e(name)}">{_e(text)}</a>')
        met = (f'{h["indicators_met"]} из {h["indicators_total"]}' if h.get("indicators_total")
               else "программа мониторинга не выбрана" if h.get("no_programme") else "—")
        title = STATUS_TITLES.get(row["status"], row["status"])
        if row["status"] == "ok":
            status = f'<span class="ok">{_e(title)}</span>'
        else:
            status = (f'<span class="fail">{_e(title)}</span><div class="reason">'
                      + "<br>".join(_e(r) for r in row.get("reasons", [])) + "</div>")
        if row.get("reused"):
            status += (f'<div class="when">отчёты прогона {_e(ru_datetime(row["generated"]))}: входные данные '
                       'с тех пор не изменились</div>')
        elif row.get("generated") and row["generated"] != generated:
            status += f'<div class="when">результаты прогона {_e(ru_datetime(row["generated"]))}</div>'

        def num(key):
            return f'<td class="num">{_e(h[key])}</td>' if key in h else '<td class="num">—</td>'

        body.append(f"<tr><td>{_e(row['municipality'])}</td>{num('schools')}{num('shnor')}{num('shnor_prev')}"
                    f"{num('risk')}{num('shnsu')}<td class='num'>{_e(met)}</td><td>{'<br>'.join(links)}</td>"
                    f"<td>{status}</td></tr>")
    failed = sum(1 for r in rows if r["status"] == "failed")
    others = "".join(f"; {STATUS_TITLES[key]}: {count}" for key in ("interrupted", "running", "not_run")
                     if (count := sum(1 for r in rows if r["status"] == key)))
    warning = f'<div class="warn">{_e(note)}</div>\n' if note else ""
    mode = "публичный (малые группы скрыты)" if public else "внутренний (малые группы отмечены)"
    overview = ""
    if region_report:
        files = region_report.get("reports") or {}
        folder = _e(region_report.get("folder", ""))
        parts = [f'<a href="{folder}/{_e(name)}">{title}</a>' for name, title in
                 (("00_region.html", "Обзор по региону"), ("region.xlsx", "Обзор по региону (Excel)"),
                  ("00_region.docx", "Обзор по региону (Word)"))
                 if files.get(name)]
        if region_report.get("status") != "ok":
            parts.append('<span class="fail">обзор по региону не построен</span>')
        overview = " · ".join(parts) + " · " if parts else ""
    region_links = (overview + '<a href="registry.xlsx">Реестр региона (Excel)</a> · '
                    '<a href="changes.html">Что изменилось</a>')
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{_e(region_name)} — отчёты за {int(year)} год</title><style>{PAGE_CSS}</style></head>
<body>
<h1>{_e(region_name)}: отчёты за {int(year)} год</h1>
<div class="sub">Муниципалитетов: {len(rows)}; с ошибками: {failed}{others}. Режим: {mode}. Сформировано: {_e(ru_datetime(generated))}.<br>
{region_links}</div>
{warning}<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>
<p class="legend">ШНОР — школы с низкими образовательными результатами (правило: не менее 30 % участников
с «2» или ниже минимального порога не менее чем в двух процедурах за год либо хотя бы в одной в каждом
из двух лет); в зоне риска — школы с рисками снижения результатов по четырём областям; ШНСУ — школы в
неблагоприятных социальных условиях.</p>
</body></html>
"""
