"""Russian texts, tables and the chart of the region's report (:mod:`qualitylib.reports.region`)."""
from __future__ import annotations

import pandas as pd

from ..reports.region import RegionReport
from .labels import plural, ru_number

#: Russian titles of the region table's columns (the page and ``region.xlsx``).
REGION_TITLES = {
    "municipality": "Муниципалитет",
    "schools": "Школ",
    "shnor": "ШНОР",
    "shnor_share": "Доля ШНОР, %",
    "shnor_prev": "ШНОР год назад",
    "shnor_change": "Изменение числа ШНОР",
    "risk": "В зоне риска",
    "shnsu": "ШНСУ",
    "objectivity_index": "Индекс объективности",
    "indicators_met": "Показатели выполнены",
    "indicators_not_met": "Не выполнены",
    "indicators_total": "Показателей с целью",
    "indicators": "Показатели программы: выполнено из",
    "participants": "Участников процедур",
    "share": "Доля низких результатов, %",
    "funnel": "Положение на воронке",
}

#: Columns shown, in order.
SHOWN = ["municipality", "schools", "shnor", "shnor_share", "shnor_change", "risk", "shnsu",
         "objectivity_index", "indicators", "share", "funnel"]

FUNNEL_WORDS = {1: "выше пределов (особое внимание)", -1: "ниже пределов", 0: "в пределах"}


def region_frame(report: RegionReport) -> pd.DataFrame:
    """The municipalities and the region's total row, with the funnel reading in words."""
    table = report.table.copy()
    reading = report.funnel.set_index("municipality")["outside_998"] if len(report.funnel) else pd.Series(dtype=float)
    table["funnel"] = table["municipality"].map(reading).map(FUNNEL_WORDS).fillna("нет данных")
    table["indicators"] = [f"{int(m)} из {int(t)}" if pd.notna(t) and t else "—"
                           for m, t in zip(table["indicators_met"], table["indicators_total"])]
    total = {**report.totals, "municipality": "Регион в целом", "funnel": "—", "indicators": "—"}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    for col in ("schools", "shnor", "shnor_prev", "shnor_change", "risk", "shnsu", "participants"):
        table[col] = table[col].astype("Int64")
    table["shnor_change"] = table["shnor_change"].map(lambda v: f"{int(v):+d}".replace("-", "−") if v else "0")
    return table[SHOWN]


#: Up to this many municipalities every point of the region's funnel is named; in a larger region only
#: those outside the 95 % limits (the names of all would cover each other; the table names them all).
NAME_ALL_UP_TO = 20
#: The participants axis of the region's funnel is logarithmic when its largest municipality has at
#: least this many times the participants of its smallest (a regional capital beside small districts,
#: which a linear axis squeezes into its first tenth).
LOG_AXIS_RATIO = 20


def funnel_named(funnel: pd.DataFrame) -> pd.Series:
    """Which municipalities of the region's funnel are named on it (:data:`NAME_ALL_UP_TO`)."""
    if len(funnel) <= NAME_ALL_UP_TO:
        return pd.Series(True, index=funnel.index)
    return funnel["outside_95"] != 0


def funnel_log_axis(funnel: pd.DataFrame) -> bool:
    """Whether the region's funnel draws the participants on a logarithmic axis (:data:`LOG_AXIS_RATIO`)."""
    n = funnel["participants"]
    return bool(len(n) and n.min() > 0 and n.max() >= LOG_AXIS_RATIO * n.min())


def funnel_caption(funnel: pd.DataFrame) -> str:
    """The sentence under the region's funnel: which points are named and how the axis is drawn."""
    named = "Подписаны все муниципалитеты." if len(funnel) <= NAME_ALL_UP_TO else (
        "Подписаны муниципалитеты за пределами 95 % границ; все муниципалитеты с их долями — в таблице выше.")
    if funnel_log_axis(funnel):
        named += (" Число участников отложено в логарифмической шкале: от 100 до 1 000 участников на оси "
                  "столько же места, сколько от 1 000 до 10 000, поэтому малые муниципалитеты не сжаты у левого края.")
    return named


def funnel_chart(report: RegionReport):
    """The municipalities on the funnel, named as :func:`funnel_named` says, on the axis
    :func:`funnel_log_axis` chooses; ``None`` without participants."""
    import matplotlib.pyplot as plt

    from .charts import ThemedFigure, funnel_panel, theme

    if report.curves is None or report.funnel.empty:
        return None
    funnel = report.funnel
    with theme():
        fig, ax = plt.subplots(figsize=(7.2, 4.8), FigureClass=ThemedFigure)  # the printable width of A4
        funnel_panel(funnel, report.curves, f"Муниципалитеты, {int(report.year)}", ax=ax,
                     log_x=funnel_log_axis(funnel), named=funnel_named(funnel))
        fig.tight_layout()
    return fig


def region_sentences(report: RegionReport) -> list[str]:
    """The summary of the region's report, worded from its numbers."""
    t, y = report.totals, report.year
    out = [f"{y} год: в регионе {plural(t['schools'], 'школа', 'школы', 'школ')} в "
           f"{plural(len(report.table), 'муниципалитете', 'муниципалитетах', 'муниципалитетах')}; ШНОР — "
           f"{t['shnor']} ({ru_number(t['shnor_share'], 1)} % школ), год назад — {t['shnor_prev']}; в зоне риска — "
           f"{t['risk']}, ШНСУ — {t['shnsu']}."]
    if pd.notna(t.get("objectivity_index")):
        out.append(f"Индекс объективности результатов ВПР по региону — {ru_number(t['objectivity_index'], 1)}.")
    if len(report.table):
        top = report.table.sort_values(["shnor_share", "municipality"], ascending=[False, True]).iloc[0]
        out.append(f"Наибольшая доля ШНОР — {top['municipality']} ({ru_number(top['shnor_share'], 1)} %).")
    above = report.funnel[report.funnel["outside_998"] > 0]["municipality"].tolist() if len(report.funnel) else []
    if above:
        out.append("Доля низких результатов выше пределов воронки (отличие вряд ли случайно): "
                   + ", ".join(above) + ".")
    elif len(report.funnel):
        out.append("Ни один муниципалитет не выходит за верхний предел воронки: различия долей низких "
                   "результатов между муниципалитетами объяснимы случайностью и обычным разбросом.")
    for name, reason in report.problems.items():
        out.append(f"Муниципалитет «{name}» не включён: {reason}")
    return out


def region_method() -> list[str]:
    """How the region's report is computed, in plain words (its appendix)."""
    return [
        "Каждый муниципалитет считается по своей методике, как в его собственных отчётах: правило ШНОР, "
        "зона риска и показатели программы — по параметрам муниципалитета.",
        "Доля ШНОР — число ШНОР, делённое на число школ муниципалитета. Изменение числа ШНОР — разница со "
        "списком прошлого года по тому же правилу.",
        "Показатели программы — сколько из показателей с целевым значением выполнено (по программе "
        "муниципалитета); у муниципалитета без программы показателей нет.",
        "Индекс объективности — 100 минус доля школ с признаками необъективности результатов ВПР; "
        "вычисляется, если в данных есть результаты учеников.",
        "Доля низких результатов — по процедурам правила ШНОР с достаточным числом участников. Воронка "
        "сравнивает её с долей региона: 95 % и 99,8 % пределы при таком числе участников; если "
        "муниципалитеты различаются сильнее, чем объясняет случай, пределы расширены на этот разброс "
        "(метод Шпигельхалтера со случайными эффектами).",
    ]
