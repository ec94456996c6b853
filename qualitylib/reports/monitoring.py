"""Everything notebook 03 (the analytical note) shows: indicators, road map, addressed recommendations."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..batch.excel import params_frame, write_workbook
from ..rules.indicators import Programme, compute_indicators, programme_for
from ..data.region import Region
from .identification import Identification, build_identification
from ..views.labels import plural  # moves with summary_sentences to views
from ..views.identification import present  # moves with addressed_recommendations to views

STATE_ORDER = ["done", "in_progress", "overdue", "not_started", "unparsed_deadline"]


@dataclass
class Monitoring:
    """One municipality's monitoring round."""

    municipality: str | None
    year: int
    params: dict
    programme: Programme | None
    indicators: pd.DataFrame
    ident: Identification
    as_of: _dt.date
    roadmap: pd.DataFrame | None
    roadmap_total: pd.DataFrame | None
    roadmap_by_direction: pd.DataFrame | None
    roadmap_by_body: pd.DataFrame | None
    overdue: pd.DataFrame | None
    recommendations: pd.DataFrame


INDICATOR_COLUMNS = ["id", "title", "group", "unit", "period", "numerator", "denominator", "value",
                     "prev_numerator", "prev_denominator", "prev_value", "change", "target", "target_note",
                     "status", "status_title", "programme"]


def report_date(year: int, programme: Programme | None, as_of: str | _dt.date | None) -> _dt.date:
    """The date the road map is read at: ``as_of``, else 1 September of ``year`` (the monitoring
    month of Norilsk), but not after the programme's end."""
    if as_of is not None:
        return as_of if isinstance(as_of, _dt.date) else _dt.date.fromisoformat(str(as_of))
    date = _dt.date(int(year), 9, 1)
    if programme is not None and programme.period is not None and date > programme.period[1]:
        return programme.period[1]
    return date


def addressed_recommendations(ident: Identification) -> pd.DataFrame:
    """One row per ШНОР and per risk school: why it is listed and what is recommended to it."""
    texts = ident.params["recommendations"]
    rows = []
    pairs = ident.pairs.set_index("school_id") if len(ident.pairs) else pd.DataFrame()
    for row in ident.shnor_list.itertuples():
        leader = ""
        if row.school_id in pairs.index and pd.notna(pairs.loc[row.school_id, "leader_name"]):
            leader = f" Школа-лидер для сетевой пары: {pairs.loc[row.school_id, 'leader_name']}."
        rows.append({"school_name": row.school_name, "kind": "ШНОР", "reasons": row.reasons,
                     "recommendation": texts["shnor"].strip() + leader})
    for row in ident.risk_list.itertuples():
        rows.append({"school_name": row.school_name, "kind": "зона риска", "reasons": row.deficits,
                     "recommendation": row.recommendations})
    return pd.DataFrame(rows, columns=["school_name", "kind", "reasons", "recommendation"])


def build_monitoring(region: Region, municipality: str | None, year: int, params: dict,
                     as_of: str | _dt.date | None = None, public: bool = False) -> Monitoring:
    """Compute the programme's indicators, the road map's state and the recommendations."""
    from ..rules.roadmap import overdue_items, roadmap_status, roadmap_summary

    ident = build_identification(region, municipality, year, params, public=public, objectivity=False)
    if params.get("programme"):
        programme, catalogue = programme_for(params)
        indicators = compute_indicators(region, municipality, year, params, programme, catalogue, ident=ident)
    else:  # no programme named: the note still gives the road map and the recommendations
        programme, indicators = None, pd.DataFrame(columns=INDICATOR_COLUMNS)
    date = report_date(year, programme, as_of)
    scope = region.subset(municipality)
    roadmap = total = by_direction = by_body = overdue = None
    if scope.roadmap is not None and len(scope.roadmap):
        roadmap = roadmap_status(scope.roadmap, date, programme.period if programme else None)
        total = roadmap_summary(roadmap)
        by_direction = roadmap_summary(roadmap, by="direction")
        by_body = roadmap_summary(roadmap, by="responsible")
        overdue = overdue_items(roadmap)
    return Monitoring(municipality, year, params, programme, indicators, ident, date, roadmap, total,
                      by_direction, by_body, overdue, addressed_recommendations(present(ident)))


def summary_sentences(m: Monitoring) -> list[str]:
    """The one-page summary of the analytical note, from the data."""
    y = m.year
    ind = m.indicators
    counts = ind["status"].value_counts()
    with_target = int(len(ind) - counts.get("no_target", 0))
    if m.programme is None:
        out = [f"Программа мониторинга не указана (ключ programme в файле параметров муниципалитета), "
               f"поэтому показатели не вычислены. Отчётный год — {y}."]
    else:
        out = [f"Программа: {m.programme.title}. Отчётный год — {y}.",
               f"Из {with_target} показателей с целевым значением выполнено {int(counts.get('met', 0))}, не "
               f"выполнено {int(counts.get('not_met', 0))}, нет данных по {int(counts.get('no_data', 0))}."]
    comparable = ind.dropna(subset=["change"])
    if len(comparable):
        up = int((comparable["change"] > 0).sum())
        down = int((comparable["change"] < 0).sum())
        out.append(f"По сравнению с {y - 1} годом выросли значения {plural(up, 'показателя', 'показателей', 'показателей')}, "
                   f"снизились — {down}, не изменились — {len(comparable) - up - down}.")
    missed = ind[ind["status"] == "not_met"]["title"].tolist()
    if missed:
        out.append("Не выполнены: " + "; ".join(missed[:6]) + ("; …" if len(missed) > 6 else "") + ".")
    c = m.ident.change
    out.append(f"ШНОР в {y} году — {c['count']} (в {y - 1} году — {c['count_prev']}); школ в зоне риска — "
               f"{int(m.ident.risk['risk'].sum())}.")
    if m.roadmap_total is not None:
        t = m.roadmap_total.iloc[0]
        share = "—" if pd.isna(t["share_done_on_time"]) else f"{t['share_done_on_time']:.0f} %".replace(".", ",")
        out.append(f"Дорожная карта на {m.as_of:%d.%m.%Y}: пунктов — {int(t['total'])}, выполнено — {int(t['done'])}, "
                   f"в работе — {int(t['in_progress'])}, просрочено — {int(t['overdue'])}, не начато — "
                   f"{int(t['not_started'])}; выполнено в срок — {share} пунктов, срок которых наступил.")
        if int(t["unparsed_deadline"]):
            out.append(f"Срок не распознан у {int(t['unparsed_deadline'])} пунктов: уточните их в дорожной карте.")
    else:
        out.append("Дорожной карты муниципалитета в данных нет.")
    return out


def write_indicators_workbook(path: str | Path, m: Monitoring) -> Path:
    """``indicators.xlsx``: Показатели, Дорожная карта, Просрочено, Рекомендации, Параметры."""
    ind = m.indicators[["id", "group", "title", "unit", "numerator", "denominator", "value", "prev_value",
                        "change", "target", "status_title", "target_note", "period"]]
    sheets = [("Показатели", ind, ())]
    if m.roadmap is not None:
        cols = ["item", "direction", "measure", "deadline", "responsible", "state_title", "due", "completed_on",
                "evidence", "problem"]
        sheets.append(("Дорожная карта", m.roadmap[[c for c in cols if c in m.roadmap]], ()))
        sheets.append(("Просрочено", m.overdue, ()))
    sheets.append(("Рекомендации", m.recommendations, ()))
    sheets.append(("Параметры", params_frame(m.params), ()))
    return write_workbook(path, sheets)
