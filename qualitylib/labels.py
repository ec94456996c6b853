"""Russian titles of the library's output columns, shared by notebooks, Excel and reports."""
from __future__ import annotations

import pandas as pd

COLUMN_TITLES: dict[str, str] = {
    "school_id": "Код ОО",
    "school_name": "Школа",
    "municipality": "Муниципалитет",
    "year": "Год",
    "assessment": "Процедура",
    "participants": "Участников",
    "low_count": "Низкий результат, чел.",
    "share": "Доля низких результатов, %",
    "low_results": "Низких процедур в году",
    "low_results_prev": "Низких процедур в прошлом году",
    "assessed": "Процедур с данными",
    "assessed_prev": "Процедур с данными в прошлом году",
    "criterion_1": "Критерий 1",
    "criterion_2": "Критерий 2",
    "shnor": "ШНОР",
    "low_assessments": "Низкие процедуры (коды)",
    "reasons": "Основания",
    "has_context": "Есть контекстные данные",
    "material_missing": "Материальная база: чего нет",
    "area_material": "1. Материальная база",
    "area_staff": "2. Кадры",
    "area_pupils": "3. Контингент",
    "area_results": "4. Результаты",
    "areas": "Областей риска",
    "risk": "Зона риска",
    "teachers_overload_pct": "2.1 Нагрузка 36 ч и более, %",
    "teachers_unqualified_pct": "2.2 Без профильного диплома, %",
    "pupils_sum_pct": "3.1–3.4 Сумма, %",
    "vpr_high": "4.1–4.4 ВПР с долей «2» не ниже порога",
    "vpr_high_count": "4.1–4.4 Число таких ВПР",
    "pupils_failing_pct": "4.5 Неуспевающие, %",
    "deficit_codes": "Коды дефицитов",
    "deficits": "Дефициты",
    "recommendations": "Адресные рекомендации",
    "social_index": "Индекс социального благополучия",
    "components": "Показателей в индексе",
    "shnsu": "ШНСУ",
    "fail_share": "Доля низких результатов, %",
    "expected_share": "Ожидаемая доля при таком контингенте, %",
    "difference": "Разница с ожидаемой, п.п.",
    "reading": "Оценка с учётом контекста",
    "weak_assessments": "Низкие процедуры ШНОР",
    "weak_count": "Число низких процедур",
    "leader_id": "Код школы-лидера",
    "leader_name": "Школа-лидер",
    "leader_municipality": "Муниципалитет школы-лидера",
    "covered": "Процедуры, где лидер силён",
    "covered_count": "Покрыто процедур",
    "same_municipality": "Тот же муниципалитет",
    "note": "Примечание",
}


def titled(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Select ``columns`` (default: all) and rename them to their Russian titles."""
    columns = list(frame.columns) if columns is None else columns
    return frame[columns].rename(columns=COLUMN_TITLES)
