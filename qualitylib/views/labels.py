"""Russian titles of the library's output columns and Russian numbers, shared by notebooks, Excel and reports."""
from __future__ import annotations

import json
import re

import pandas as pd

from ..data.schema import PROCEDURES, SUBJECTS


def ru_number(value: float, decimals: int = 1, sign: bool = False, trim: bool = False) -> str:
    """A number with a decimal comma: ``ru_number(-1.25) -> '-1,2'``; ``sign`` adds «+» to positives.

    With ``trim``, a zero fraction is dropped: ``ru_number(25.0, trim=True) -> '25'``.
    """
    text = f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"
    if trim and decimals > 0:
        text = text.removesuffix("." + "0" * decimals)
    return text.replace(".", ",")


def period_years(period) -> str:
    """«2022–2024» for a period of several years, «2023» for one."""
    start, end = period
    return f"{start.year}" if start.year == end.year else f"{start.year}–{end.year}"


def programme_period_note(params: dict, year: int) -> str | None:
    """«Отчётный год 2026 вне периода программы 2022–2024 …» when ``year`` lies outside the period of the
    programme the parameters name; ``None`` when it lies inside, or no programme or period is given.

    Every report says it at the top, so that nothing is read as if the programme still ran.
    """
    if not params.get("programme"):
        return None
    from ..data.programmes import programme_for

    programme, _ = programme_for(params)
    if programme.period is None:
        return None
    start, end = programme.period
    if start.year <= int(year) <= end.year:
        return None
    return (f"Отчётный год {year} вне периода программы {period_years(programme.period)}: данные {year} года "
            f"показаны как есть, но цели и мероприятия программы относятся к её периоду.")


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: ``plural(5, "школа", "школы", "школ")`` -> «5 школ»."""
    n_abs = abs(int(n))
    if n_abs % 10 == 1 and n_abs % 100 != 11:
        word = one
    elif 2 <= n_abs % 10 <= 4 and not 12 <= n_abs % 100 <= 14:
        word = few
    else:
        word = many
    return f"{n} {word}"


def assessment_title(assessment: str) -> str:
    """Russian title of an assessment id, e.g. ``vpr.math.5`` -> «ВПР математика 5 кл.»."""
    procedure, subject, grade = assessment.split(".")
    name = SUBJECTS.get(subject, subject)
    if procedure == "vpr":
        return f"ВПР {name} {grade} кл."
    return f"{PROCEDURES[procedure]} {name}"


def assessment_titles(codes: str, sep: str = "; ") -> str:
    """The titles of ``;``-separated assessment ids, joined with ``sep`` (empty for none)."""
    return sep.join(assessment_title(a) for a in codes.split(";") if a)


def indicator_numbers(ids, programme: str | None) -> list[str]:
    """The numbers a reader knows indicators by: the programme's own («norilsk.2.3.1.1» of the programme
    ``norilsk`` -> «2.3.1.1»), or, for an indicator a programme takes from another one, its place in
    the programme's list («3»).
    """
    out = []
    for position, code in enumerate(ids, start=1):
        code = str(code)
        if programme and code.startswith(f"{programme}."):
            # «8.ege.math_base» (one of the parts of the programme's indicator 8) reads «8»
            own = code[len(programme) + 1:]
            number = re.match(r"[\d.]*\d", own)
            item = re.fullmatch(r"roadmap\.([\d.]*\d)", own)  # measured from an item of the road map
            out.append(f"дорожная карта, п. {item.group(1)}" if item else number.group(0) if number else str(position))
        else:
            out.append(str(position))
    return out


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
    "deficit": "Дефицит",
    "schools_count": "Число школ",
    "school_names": "Школы",
    "recommendations": "Адресные рекомендации",
    "social_index": "Индекс социального благополучия",
    "components": "Показателей в индексе",
    "shnsu": "ШНСУ",
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
    "id": "Код показателя",
    "number": "№",
    "title": "Показатель",
    "numerator": "Числитель",
    "denominator": "Знаменатель",
    "value": "Значение",
    "unit": "Ед.",
    "assessment_title": "Процедура",
    "n_prev": "Участников в прошлом году",
    "n_now": "Участников в этом году",
    "share_prev": "Доля низких в прошлом году, %",
    "share_now": "Доля низких в этом году, %",
    "share_lo": "Нижняя граница 95 % интервала, %",
    "share_hi": "Верхняя граница 95 % интервала, %",
    "lo_prev": "Нижняя граница 95 % (прошлый год), %",
    "hi_prev": "Верхняя граница 95 % (прошлый год), %",
    "lo_now": "Нижняя граница 95 % (этот год), %",
    "hi_now": "Верхняя граница 95 % (этот год), %",
    "change_pp": "Изменение, п.п.",
    "p_value": "p-значение",
    "q_value": "q (с поправкой на множественность)",
    "q_value_title": "q (с поправкой на множественность)",
    "procedures": "Процедур в проверке",
    "group_title": "Группа процедур",
    "method": "Критерий",
    "method_title": "Критерий",
    "verdict": "Вывод",
    "verdict_title": "Вывод",
    "procedure": "Вид оценочной процедуры",
    "subject": "Предмет",
    "grade": "Класс",
    "schools": "Школ",
    "area": "Область риска",
    "bar": "Прошлый и этот год",
    "schools_bar": "Наглядно",
    "top_mean": "Средний балл 10 % лучших",
    "bottom_mean": "Средний балл 10 % худших",
    "gap": "Разрыв, баллов",
    "gap_change": "Изменение разрыва",
    "target_met": "Цель достигнута",
    "level_name": "Цвет",
    "group": "Группа показателей",
    "period": "Периодичность",
    "prev_numerator": "Числитель в прошлом году",
    "prev_denominator": "Знаменатель в прошлом году",
    "prev_value": "Значение в прошлом году",
    "change": "Изменение за год",
    "target": "Цель",
    "target_note": "Источник цели",
    "status": "Статус (код)",
    "status_title": "Статус",
    "answer": "Выполнено (да/нет)",
    "prev_answer": "Выполнено в прошлом году",
    "programme": "Программа",
    "item": "№ п/п",
    "direction": "Направление",
    "measure": "Мероприятие",
    "deadline": "Срок",
    "responsible": "Ответственные",
    "expected_result": "Ожидаемый результат",
    "completed_on": "Дата выполнения",
    "evidence": "Подтверждение",
    "due": "Срок (дата)",
    "state_title": "Состояние",
    "problem": "Замечание",
    "done": "Выполнено",
    "in_progress": "В работе",
    "overdue": "Просрочено",
    "not_started": "Не начато",
    "unparsed_deadline": "Срок не распознан",
    "total": "Всего сроков исполнения",
    "items": "Пунктов плана",
    "listed_title": "Где в списках",
    "round": "Раунд мониторинга",
    "source": "Источник списка",
    "explanation": "Пояснение",
    "plan_title": "План",
    "occurrence_title": "Повторение",
    "restored": "Восстановлено в тексте",
    "bodies": "Ответственные (единое написание)",
    "done_on_time": "Выполнено в срок",
    "share_done_on_time": "Доля выполненных в срок, %",
    "body": "Ответственный",
    "kind": "Тип",
    "recommendation": "Рекомендации",
    "inflated": "Завышенный средний балл (работ)",
    "marks_mismatch": "Несоответствие отметкам (работ)",
    "sharp_rise": "Резкий рост 4 → 5",
    "sharp_fall": "Резкое падение 4 → 5",
    "signs": "Признаки",
    "marked": "Есть признаки",
}


def titled(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Select ``columns`` (default: all) and rename them to their Russian titles."""
    columns = list(frame.columns) if columns is None else columns
    return frame[columns].rename(columns=COLUMN_TITLES)


def params_frame(params: dict) -> pd.DataFrame:
    """Parameters flattened to «параметр — значение» rows for the Параметры sheet."""
    rows = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
            rows.append({"parameter": prefix, "value": text})

    walk("", {k: v for k, v in params.items() if not k.startswith("_")})
    return pd.DataFrame(rows, columns=["parameter", "value"]).rename(
        columns={"parameter": "Параметр", "value": "Значение"})


#: 0/1 columns that a reader's table shows as «да»/«нет».
FLAG_COLUMNS = {"criterion_1", "criterion_2", "shnor", "risk", "area_material", "area_staff", "area_pupils",
                "area_results", "shnsu", "target_met", "marked", "same_municipality", "has_context", "inflated_flag"}


def reader_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a reader opens it in Excel: 0/1 flags as «да»/«нет», Russian column titles."""
    out = frame.copy()
    for col in FLAG_COLUMNS & set(out.columns):
        values = pd.to_numeric(out[col], errors="coerce")
        out[col] = values.map({1: "да", 0: "нет"}).astype(object).where(values.notna(), None)
    return out.rename(columns=COLUMN_TITLES)


def natural_key(text) -> tuple:
    """A sort key that orders numbers inside names by value: «школа № 2» before «школа № 17»."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                 for part in re.split(r"(\d+)", str(text)) if part)


def natural_sort(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``columns`` in natural order (see :func:`natural_key`), stable."""
    order = sorted(range(len(frame)), key=lambda i: tuple(natural_key(frame[c].iat[i]) for c in columns))
    return frame.iloc[order]
