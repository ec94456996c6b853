"""«Что изменилось»: what a run changed against the previous run of the same region and year.

Each run records in its manifest, per municipality, the state its reports show
(:func:`municipality_state`: the ШНОР and risk-zone lists with their reasons, the status of
every indicator, the parameters in force) and the digest of every data file. The next run
compares its own with them (:func:`compare`) and writes a page (``changes.html``) and a
workbook with the sheet «Что изменилось» (``changes.xlsx``). The first run says there is
nothing to compare with.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..data.io import atomic_path
from ..views.labels import params_frame
from ..views.monitoring import STATUS_TITLES
from .excel import write_workbook

#: Columns of :func:`compare`, with their Russian titles (the page and the sheet).
CHANGE_COLUMNS = {"municipality": "Муниципалитет", "kind": "Что изменилось", "subject": "Школа, показатель, файл",
                  "before": "Было", "after": "Стало", "reason": "Основание"}

#: Kinds of change, in the order they are listed.
KINDS = ("Вошла в список ШНОР", "Вышла из списка ШНОР", "Вошла в зону риска", "Вышла из зоны риска",
         "Статус показателя", "Файл данных", "Параметр")

#: The table names of the data contract as the reader knows them.
TABLE_TITLES = {"schools": "школы", "results": "результаты", "context": "контекстные данные",
                "monitoring": "мониторинг", "roadmap": "дорожная карта", "tasks": "выполнение заданий",
                "official": "официальный список ШНОР"}


def municipality_state(shnor_list: pd.DataFrame, risk_list: pd.DataFrame, indicators: pd.DataFrame | None,
                       params: dict) -> dict:
    """What a municipality's reports show, for the next run to compare with (JSON-ready).

    Parameters
    ----------
    shnor_list, risk_list : pandas.DataFrame
        The listed schools with their reasons in words
        (:func:`qualitylib.views.identification.present`: ``reasons``, ``deficits``).
    indicators : pandas.DataFrame or None
        :func:`qualitylib.rules.indicators.compute_indicators` (``id``, ``title``, ``status``).
    params : dict
        The parameters in force.
    """
    def listed(frame: pd.DataFrame, reason: str) -> dict:
        return {str(r.school_id): {"name": str(r.school_name), "reason": str(getattr(r, reason, "") or "")}
                for r in frame.itertuples()}

    rows = params_frame(params)
    return {
        "shnor": listed(shnor_list, "reasons"),
        "risk": listed(risk_list, "deficits"),
        "indicators": ({} if indicators is None else
                       {str(r.id): {"title": str(r.title), "status": str(r.status)} for r in indicators.itertuples()}),
        "params": dict(zip(rows.iloc[:, 0].astype(str), rows.iloc[:, 1].astype(str))),
    }


def _list_changes(name: str, before: dict, after: dict, entered: str, left: str) -> list[dict]:
    rows = []
    for school_id in sorted(set(after) - set(before), key=lambda s: after[s]["name"]):
        rows.append({"municipality": name, "kind": entered, "subject": after[school_id]["name"], "before": "нет",
                     "after": "да", "reason": after[school_id]["reason"]})
    for school_id in sorted(set(before) - set(after), key=lambda s: before[s]["name"]):
        rows.append({"municipality": name, "kind": left, "subject": before[school_id]["name"], "before": "да",
                     "after": "нет", "reason": "в этом прогоне не отвечает правилу; прежнее основание: "
                                               + before[school_id]["reason"]})
    return rows


def compare(previous: dict | None, current: dict) -> pd.DataFrame | None:
    """The changes from the ``previous`` manifest to the ``current`` one; ``None`` without a previous run.

    Both are manifests as :mod:`qualitylib.batch.runner` writes them: ``inputs`` (table ->
    ``file``, ``sha256``) and, per municipality, ``state`` (:func:`municipality_state`). A
    municipality without a state in either run (failed, not run) is skipped.

    Returns
    -------
    pandas.DataFrame or None
        Columns :data:`CHANGE_COLUMNS` (codes as keys), sorted by municipality and kind.
    """
    if not previous:
        return None
    rows = []
    old_inputs, new_inputs = previous.get("inputs") or {}, current.get("inputs") or {}
    for table in sorted(set(old_inputs) | set(new_inputs)):
        old, new = old_inputs.get(table) or {}, new_inputs.get(table) or {}
        if old.get("sha256") != new.get("sha256"):
            title = TABLE_TITLES.get(table, table)
            what = ("файл добавлен" if not old else "файл удалён" if not new else "содержимое файла изменилось")
            rows.append({"municipality": "весь регион", "kind": "Файл данных",
                         "subject": f"{title} ({Path(str(new.get('file') or old.get('file'))).name})",
                         "before": "" if not old else "прежняя версия", "after": what, "reason": ""})
    old_states = {m.get("municipality"): m.get("state") for m in previous.get("municipalities") or []
                  if isinstance(m, dict)}
    for entry in current.get("municipalities") or []:
        name, state = entry.get("municipality"), entry.get("state")
        before = old_states.get(name)
        if not isinstance(state, dict) or not isinstance(before, dict):
            continue
        rows += _list_changes(name, before.get("shnor") or {}, state.get("shnor") or {},
                              "Вошла в список ШНОР", "Вышла из списка ШНОР")
        rows += _list_changes(name, before.get("risk") or {}, state.get("risk") or {},
                              "Вошла в зону риска", "Вышла из зоны риска")
        old_ind, new_ind = before.get("indicators") or {}, state.get("indicators") or {}
        for key in [k for k in new_ind if k in old_ind and old_ind[k]["status"] != new_ind[k]["status"]]:
            rows.append({"municipality": name, "kind": "Статус показателя", "subject": new_ind[key]["title"],
                         "before": STATUS_TITLES.get(old_ind[key]["status"], old_ind[key]["status"]),
                         "after": STATUS_TITLES.get(new_ind[key]["status"], new_ind[key]["status"]), "reason": ""})
        old_par, new_par = before.get("params") or {}, state.get("params") or {}
        for key in sorted(set(old_par) | set(new_par)):
            if old_par.get(key) != new_par.get(key):
                rows.append({"municipality": name, "kind": "Параметр", "subject": key,
                             "before": old_par.get(key, "—"), "after": new_par.get(key, "—"), "reason": ""})
    table = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    if len(table):
        order = {k: i for i, k in enumerate(KINDS)}
        table = table.assign(_k=table["kind"].map(order)).sort_values(
            ["_k", "municipality", "subject"], kind="mergesort").drop(columns="_k").reset_index(drop=True)
    return table


_CSS = """body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:0 auto;padding:16px 24px;color:#222}
h1{font-size:22px} table{border-collapse:collapse;width:100%;font-size:13px;table-layout:auto}
th{background:#ddebf7;text-align:left;padding:5px 7px;border:1px solid #b4c6e7}
td{padding:4px 7px;border:1px solid #d9d9d9;vertical-align:top;overflow-wrap:anywhere}
thead{display:table-header-group} tr{break-inside:avoid}
@page{size:A4 landscape;margin:12mm}"""


def _ru(when: str) -> str:
    """«2026-09-01 10:00» as «01.09.2026 10:00» (as the index shows dates)."""
    from .index_page import ru_datetime

    return ru_datetime(when) if when else when


def render_changes(region_name: str, year: int, table: pd.DataFrame | None, generated: str,
                   previous_generated: str = "") -> str:
    """The page «Что изменилось» of a region's run."""
    e = html.escape
    generated, previous_generated = _ru(generated), _ru(previous_generated)
    if table is None:
        body = "<p>Это первый прогон в этой папке: сравнивать пока не с чем.</p>"
    elif table.empty:
        body = f"<p>С прогона {e(previous_generated)} ничего не изменилось.</p>"
    else:
        head = "".join(f"<th>{e(t)}</th>" for t in CHANGE_COLUMNS.values())
        rows = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
                       for row in table[list(CHANGE_COLUMNS)].itertuples(index=False))
        counts = table["kind"].value_counts()
        summary = "; ".join(f"{k.lower()} — {int(counts[k])}" for k in KINDS if k in counts)
        body = (f"<p>По сравнению с прогоном {e(previous_generated)}: {e(summary)}.</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (f'<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8"><title>{e(region_name)} — что '
            f'изменилось, {int(year)}</title><style>{_CSS}</style></head><body>'
            f'<p><a href="index.html">← Оглавление</a></p><h1>{e(region_name)}: что изменилось ({int(year)} год)</h1>'
            f'<p>Сформировано {e(generated)}.</p>{body}</body></html>\n')


def write_changes(folder: Path, region_name: str, year: int, table: pd.DataFrame | None, generated: str,
                  previous_generated: str = "") -> None:
    """Write ``changes.html`` and ``changes.xlsx`` (sheet «Что изменилось») into ``folder``, atomically."""
    with atomic_path(folder / "changes.html") as tmp:
        tmp.write_text(render_changes(region_name, year, table, generated, previous_generated), encoding="utf-8")
    previous_generated = _ru(previous_generated)
    if table is None:
        frame = pd.DataFrame({"Что изменилось": ["Это первый прогон в этой папке: сравнивать пока не с чем."]})
    elif table.empty:
        frame = pd.DataFrame({"Что изменилось": [f"С прогона {previous_generated} ничего не изменилось."]})
    else:
        frame = table.rename(columns=CHANGE_COLUMNS)
    write_workbook(folder / "changes.xlsx", [("Что изменилось", frame, ())])
