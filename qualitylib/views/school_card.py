"""A school card: everything about one school on one page (results, risk, indicators, pair, advice)."""
from __future__ import annotations

import pandas as pd

from ..data.schema import MONITORING
from ..reports.school_card import SchoolCard
from . import charts, html
from .identification import present
from .labels import assessment_title, ru_number


def school_card(card: SchoolCard | None, school_id: str = "") -> list:
    """Display items of the card: heading, ШНОР status, results chart and table, risk areas,
    monitoring values, the leader pair and the recommendations."""
    if card is None:
        return [html.paragraphs([f"Школа с кодом {school_id} не найдена."])]
    info, year, params = card.info, card.year, card.ident.params
    shown = present(card.ident)
    shnor = shown.shnor.set_index("school_id").loc[card.school_id]
    row = shown.risk.set_index("school_id").loc[card.school_id]
    items = []
    facts = [f"{info['school_name']} — {info['municipality']}"]
    if "locality" in info and pd.notna(info.get("locality")):
        facts.append(f"Тип местности: {info['locality']}; обучающихся: "
                     f"{'—' if pd.isna(info.get('pupils_total')) else int(info['pupils_total'])}.")
    if shnor["shnor"] == 1:
        facts.append(f"ШНОР в {year} году. {shnor['reasons']}")
    else:
        facts.append(f"В {year} году не ШНОР (низких процедур: {shnor['low_results']} в {year}, "
                     f"{shnor['low_results_prev']} в {year - 1}).")
    items.append(html.paragraphs(facts))

    own = pd.DataFrame([{"school_id": card.school_id, "school_name": info["school_name"],
                         "municipality": info["municipality"]}])
    titles = {a: assessment_title(a) for a in card.assessments}
    fig = charts.shnor_series(card.series, own, card.assessments, params["identification"]["threshold_pct"], titles)
    if fig is not None:
        fig.suptitle("Доля низких результатов по годам, 95 % интервалы", fontsize=10)
        items.append(fig)
    recent = card.series[card.series["year"].isin([year - 1, year])].copy()
    recent["assessment_title"] = recent["assessment"].map(assessment_title)
    items.append(html.table(recent, ["year", "assessment_title", "participants", "low_count", "share", "share_lo",
                                     "share_hi"], empty="Результатов нет."))

    items.append(html.table(row.to_frame().T, ["area_material", "area_staff", "area_pupils", "area_results",
                                               "deficits"],
                            flags={c: "риск" for c in ("area_material", "area_staff", "area_pupils", "area_results")}))
    if len(card.monitoring):
        titles_mon = {c.name: c.title for c in MONITORING.columns}
        flags = {c.name for c in MONITORING.columns if c.kind == "flag"}
        values = card.monitoring.iloc[0].drop(["year", "school_id"]).dropna()
        frame = pd.DataFrame({"title": [titles_mon.get(k, k) for k in values.index],
                              "value": [("да" if int(v) == 1 else "нет") if k in flags
                                        else str(int(v)) if float(v).is_integer() else ru_number(float(v))
                                        for k, v in values.items()]})
        items.append(html.table(frame, ["title", "value"]))
    if shnor["shnor"] == 1:
        pairs = shown.pairs[shown.pairs["school_id"] == card.school_id]
        items.append(html.table(pairs, ["weak_assessments", "leader_name", "leader_municipality", "covered", "note"]))
    advice = []
    if shnor["shnor"] == 1:
        advice.append(params["recommendations"]["shnor"].strip())
    if row["recommendations"]:
        advice += row["recommendations"].splitlines()
    items.append(html.paragraphs(["Рекомендации: " + (" ".join(advice) if advice else "нет.")]))
    return items
