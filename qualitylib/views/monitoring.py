"""Russian texts of the analytical note (notebook 03), of ``indicators.xlsx`` and of the CLI.

The rules and the report builder return codes and numbers
(:func:`qualitylib.rules.indicators.compute_indicators`,
:func:`qualitylib.reports.monitoring.build_monitoring`); this module turns them into the
columns and sentences a reader sees: the status of an indicator in words, its target in
words («не менее 90 %»), and the one-page summary.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..reports.identification import plural
from ..reports.monitoring import Monitoring
from .labels import ru_number

#: Russian titles of the indicator status codes.
STATUS_TITLES = {"met": "выполнен", "not_met": "не выполнен", "no_data": "нет данных", "no_target": "цель не задана"}

#: Columns of :func:`indicator_frame`, in order.
INDICATOR_VIEW_COLUMNS = ["id", "title", "group", "unit", "period", "numerator", "denominator", "value",
                          "prev_numerator", "prev_denominator", "prev_value", "change", "target", "target_note",
                          "status", "status_title", "programme"]


def _target_number(value: float) -> str:
    """A target value with as many decimals as it was written with: 10 → «10», 0.3 → «0,3»."""
    decimals = max(0, -Decimal(str(value)).normalize().as_tuple().exponent)
    return ru_number(value, decimals)


def target_text(direction: str, value: float | None, relative: bool, unit: str) -> str:
    """The target in Russian, e.g. «не менее 10», «100 %», «рост за год».

    Parameters
    ----------
    direction : str
        ``increase``, ``decrease``, ``at_least``, ``at_most``, ``equals``, ``increase_by``,
        ``decrease_by`` or ``none``.
    value : float or None
        The target value (NaN or ``None`` when the direction needs none).
    relative : bool
        For ``increase_by`` / ``decrease_by``: the value is a percentage of last year's value.
    unit : str
        The indicator's unit; «%» adds « %» after the value.
    """
    u = " %" if unit == "%" else ""
    num = _target_number(value) if value is not None and not pd.isna(value) else ""
    by = " %" if relative else u
    return {
        "increase": "рост за год", "decrease": "снижение за год", "at_least": f"не менее {num}{u}",
        "at_most": f"не более {num}{u}", "equals": f"{num}{u}",
        "increase_by": f"рост не менее чем на {num}{by} за год",
        "decrease_by": f"снижение не менее чем на {num}{by} за год",
        "none": "не задана",
    }[direction]


def indicator_frame(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicators with their target and status in words, columns :data:`INDICATOR_VIEW_COLUMNS`.

    ``indicators`` is a table of :func:`qualitylib.rules.indicators.compute_indicators`:
    ``target_direction``, ``target_value`` and ``target_relative`` become ``target``
    (:func:`target_text`), ``status`` gains ``status_title`` (:data:`STATUS_TITLES`).
    """
    out = indicators.copy()
    out["target"] = pd.Series([target_text(r.target_direction, r.target_value, bool(r.target_relative), r.unit)
                               for r in indicators.itertuples()], index=indicators.index, dtype=object)
    out["status_title"] = indicators["status"].map(STATUS_TITLES).astype(object)
    return out[INDICATOR_VIEW_COLUMNS]


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
        share = "—" if pd.isna(t["share_done_on_time"]) else f"{ru_number(t['share_done_on_time'], 0)} %"
        out.append(f"Дорожная карта на {m.as_of:%d.%m.%Y}: пунктов — {int(t['total'])}, выполнено — {int(t['done'])}, "
                   f"в работе — {int(t['in_progress'])}, просрочено — {int(t['overdue'])}, не начато — "
                   f"{int(t['not_started'])}; выполнено в срок — {share} пунктов, срок которых наступил.")
        if int(t["unparsed_deadline"]):
            out.append(f"Срок не распознан у {int(t['unparsed_deadline'])} пунктов: уточните их в дорожной карте.")
    else:
        out.append("Дорожной карты муниципалитета в данных нет.")
    return out
