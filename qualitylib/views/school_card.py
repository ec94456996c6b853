"""A school card: everything about one school on one page (results, risk, indicators, pair, advice)."""
from __future__ import annotations

import pandas as pd

from . import charts
from . import html
from ..rules.dynamics import fail_series
from ..rules.identification import identify_shnor
from ..rules.pairing import leader_pairs
from ..data.params import assessment_title
from ..data.region import Region
from ..rules.risk import identify_risk
from ..data.schema import MONITORING


def school_card(region: Region, school_id: str, year: int, params: dict) -> list:
    """Display items of the card: heading, ШНОР status, results chart and table, risk areas,
    monitoring values, the leader pair and the recommendations."""
    schools = region.schools.set_index("school_id")
    if school_id not in schools.index:
        return [html.paragraphs([f"Школа с кодом {school_id} не найдена."])]
    info = schools.loc[school_id]
    scope = region.subset(info["municipality"])
    items = []
    facts = [f"{info['school_name']} — {info['municipality']}"]
    if "locality" in info and pd.notna(info.get("locality")):
        facts.append(f"Тип местности: {info['locality']}; обучающихся: "
                     f"{'—' if pd.isna(info.get('pupils_total')) else int(info['pupils_total'])}.")
    shnor = identify_shnor(scope.results, scope.schools, year, params).set_index("school_id").loc[school_id]
    if shnor["shnor"] == 1:
        facts.append(f"ШНОР в {year} году. {shnor['reasons']}")
    else:
        facts.append(f"В {year} году не ШНОР (низких процедур: {shnor['low_results']} в {year}, "
                     f"{shnor['low_results_prev']} в {year - 1}).")
    items.append(html.paragraphs(facts))

    series = fail_series(scope.results, scope.schools[scope.schools["school_id"] == school_id])
    assessments = [a for a in params["identification"]["assessments"] if a in set(series["assessment"])]
    titles = {a: assessment_title(a) for a in assessments}
    fig = charts.shnor_series(series, scope.schools[scope.schools["school_id"] == school_id], assessments,
                              params["identification"]["threshold_pct"], titles)
    if fig is not None:
        fig.suptitle("Доля низких результатов по годам, 95 % интервалы", fontsize=10)
        items.append(fig)
    recent = series[series["year"].isin([year - 1, year])].copy()
    recent["assessment_title"] = recent["assessment"].map(assessment_title)
    items.append(html.table(recent, ["year", "assessment_title", "participants", "low_count", "share", "share_lo",
                                     "share_hi"], empty="Результатов нет."))

    risk = identify_risk(scope.context, scope.results, scope.schools, year, params).set_index("school_id")
    row = risk.loc[school_id]
    items.append(html.table(risk.loc[[school_id]].reset_index(),
                            ["area_material", "area_staff", "area_pupils", "area_results", "deficits"],
                            flags={c: "риск" for c in ("area_material", "area_staff", "area_pupils", "area_results")}))
    if scope.monitoring is not None:
        mon = scope.monitoring[(scope.monitoring["school_id"] == school_id) & (scope.monitoring["year"] == year)]
        if len(mon):
            titles_mon = {c.name: c.title for c in MONITORING.columns}
            values = mon.iloc[0].drop(["year", "school_id"]).dropna()
            frame = pd.DataFrame({"title": [titles_mon.get(k, k) for k in values.index],
                                  "value": [str(int(v)) if float(v).is_integer() else str(v) for v in values]})
            items.append(html.table(frame, ["title", "value"]))
    if shnor["shnor"] == 1:
        table = identify_shnor(region.results, region.schools, year, params)
        pairs = leader_pairs(region.results, region.schools, table[table["school_id"] == school_id], year, params,
                             exclude=table.loc[table["shnor"] == 1, "school_id"])
        items.append(html.table(pairs, ["weak_assessments", "leader_name", "leader_municipality", "covered", "note"]))
    advice = []
    if shnor["shnor"] == 1:
        advice.append(params["recommendations"]["shnor"].strip())
    if row["recommendations"]:
        advice += row["recommendations"].splitlines()
    items.append(html.paragraphs(["Рекомендации: " + (" ".join(advice) if advice else "нет.")]))
    return items
