"""The appendix «Методика и параметры»: the parameters in force, in plain Russian sentences.

A report shows its method to officials as sentences with the values of this municipality
(«Порог низкого результата — 30 % участников»), never as configuration keys. The sources of the
method (programmes, federal rules, papers) are named here and only here.
"""
from __future__ import annotations

from .labels import assessment_title, plural, ru_number

#: Which sections each report's appendix has, in order.
REPORT_SECTIONS = {
    "identification": ("shnor", "risk", "social", "pairing", "objectivity", "privacy"),
    "dynamics": ("shnor", "dynamics", "privacy"),
    "monitoring": ("shnor", "risk", "programme", "privacy"),
}

#: Titles of the social index's components (the ``social.weights`` shares).
SOCIAL_COMPONENTS = {
    "pupils_low_income_pct": "обучающиеся из малоимущих семей",
    "parents_no_higher_ed_pct": "обучающиеся, чьи родители не имеют высшего образования",
    "pupils_single_parent_pct": "обучающиеся из неполных семей",
    "pupils_registered_pct": "обучающиеся, состоящие на учёте",
    "pupils_disabled_pct": "обучающиеся с ОВЗ",
    "pupils_nonnative_pct": "обучающиеся-инофоны",
}


def _n(value) -> str:
    """A parameter value as the reader writes it: «30», «0,05», «0,3»."""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    return ru_number(float(value), len(repr(float(value)).split(".")[1]))


def _titles(codes) -> str:
    return ", ".join(assessment_title(a) for a in codes or [])


def _shnor(p: dict) -> list[str]:
    i = p.get("identification", {})
    out = [f"Результат оценочной процедуры считается низким, если не менее {_n(i.get('threshold_pct', 30))} % "
           "её участников получили «2» (ВПР) или не преодолели минимальный порог (ОГЭ, ЕГЭ)."]
    if int(i.get("min_participants", 1)) > 1:
        out.append(f"Процедура, в которой участников меньше {_n(i['min_participants'])}, не оценивается.")
    second = ("одна и та же процедура низкая в оба последних года" if i.get("criterion_2") == "same"
              else "хотя бы одна низкая процедура в каждом из двух последних лет")
    out.append("Школа относится к ШНОР, если у неё не менее двух низких процедур за год (критерий 1) "
               f"или {second} (критерий 2).")
    if i.get("assessments"):
        out.append(f"Учитываются процедуры: {_titles(i['assessments'])}.")
    out.append("Правило совпадает с федеральными методическими рекомендациями по выявлению ШНОР "
               "(в программе Норильска — раздел 2.1).")
    return out


def _risk(p: dict) -> list[str]:
    r = p.get("risk", {})
    if not r:
        return []
    return [
        "Школа относится к зоне риска снижения образовательных результатов, если риск есть хотя бы в одной "
        "из четырёх областей (по программе Норильска, раздел 3.2).",
        "Материальная база: нет хотя бы одного из условий (интернет, компьютеры, оснащённые кабинеты).",
        f"Кадры: доля учителей с нагрузкой 36 часов и более выше {_n(r.get('overload_pct', 10))} % или доля "
        f"учителей без диплома по преподаваемому предмету выше {_n(r.get('unqualified_pct', 0))} %.",
        f"Контингент: сумма долей обучающихся на учёте, с ОВЗ, инофонов и систематически пропускающих "
        f"занятия выше {_n(r.get('pupils_pct', 10))} %.",
        f"Результаты: доля «2» не ниже {_n(r.get('vpr_pct', 20))} % не менее чем в "
        f"{plural(int(r.get('vpr_count', 2)), 'процедуре', 'процедурах', 'процедурах')} из: "
        f"{_titles(r.get('vpr_assessments'))}; или доля неуспевающих выше {_n(r.get('failing_pct', 10))} %.",
    ]


def _social(p: dict) -> list[str]:
    s = p.get("social", {})
    if not s:
        return []
    weights = s.get("weights", {})
    parts = "; ".join(f"{SOCIAL_COMPONENTS.get(k, k)} — вес {_n(v)}" for k, v in weights.items())
    out = [f"Индекс социального благополучия школы — 100 минус взвешенное среднее долей: {parts} "
           "(методика Кавказского района)."]
    if "shnsu_pct" in s:
        out.append(f"Школы в неблагоприятных социальных условиях (ШНСУ) — {_n(s['shnsu_pct'])} % школ региона "
                   "с наименьшим индексом.")
    if "expected_band_pp" in s:
        out.append("Доля низких результатов школы сравнивается с ожидаемой при таком индексе (взвешенная "
                   "регрессия по всем школам региона); отличие не больше "
                   f"{_n(s['expected_band_pp'])} п.п. считается соответствием ожиданию.")
    return out


def _pairing(p: dict) -> list[str]:
    q = p.get("pairing", {})
    if not q:
        return []
    return [f"Школа-лидер сетевой пары — не ШНОР, с долей низких результатов не выше "
            f"{_n(q.get('leader_max_fail_pct', 10))} % при числе участников не меньше "
            f"{_n(q.get('min_participants', 10))} в тех процедурах, где ШНОР низкая; одна школа-лидер "
            f"сопровождает не более {plural(int(q.get('max_per_leader', 2)), 'ШНОР', 'ШНОР', 'ШНОР')} "
            "(по программам Элисты, Полысаево и Чаа-Хольского кожууна)."]


def _objectivity(p: dict) -> list[str]:
    return ["Признаки необъективности результатов ВПР — по методике ФИОКО (Федеральный институт оценки "
            "качества образования): завышенный средний балл, несоответствие школьным отметкам, резкий рост "
            "или падение результатов одной параллели."]


def _dynamics(p: dict) -> list[str]:
    d = p.get("dynamics", {})
    if not d:
        return []
    out = [
        f"Изменение доли низких результатов к прошлому году проверяется на значимость при уровне "
        f"{_n(d.get('alpha', 0.05))}: точным критерием Фишера, когда ожидаемое число в таблице 2×2 меньше "
        f"{_n(d.get('exact_below', 5))}, иначе z-критерием для двух долей; p-значения всех проверок отчёта "
        "скорректированы на множественность сравнений (поправка Бенджамини — Хохберга, 1995).",
        f"Вывод о значимом изменении делается, если, кроме того, доля изменилась не меньше чем на "
        f"{_n(d.get('min_change_pp', 5))} п.п. (половина федерального порога в 10 п.п.).",
        f"Если в одном из лет участников меньше {_n(d.get('min_participants', 10))}, вывод о динамике не "
        "делается («недостаточно данных»). Интервалы на графиках — 95 % доверительные интервалы Уилсона.",
    ]
    if d.get("gia_math") or d.get("gia_russian") or d.get("diagnostics"):
        out.append(f"Показатели динамики (нумерация программы Норильска, 2.3.1 и 3.3.3) считаются по "
                   f"ГИА по математике ({_titles(d.get('gia_math'))}), по русскому языку "
                   f"({_titles(d.get('gia_russian'))}) и по диагностическим работам: региональным "
                   f"({_titles(d.get('diagnostics_regional'))}), если они есть в данных за оба года, иначе — "
                   f"по ВПР тех же классов как замене ({_titles(d.get('diagnostics'))}).")
    if "gap_share_pct" in d:
        out.append(f"Разрыв — разница средних баллов ГИА {_n(d['gap_share_pct'])} % школ с наибольшим и "
                   f"{_n(d['gap_share_pct'])} % с наименьшим средним баллом; цель — сокращение не менее чем на "
                   f"{_n(d.get('gap_target_shrink', 0.3))} балла в год (по программе Чаа-Хольского кожууна). "
                   "Средний балл ГИА муниципалитета и ШНОР — по программе Элисты.")
    if d.get("status_cuts") and d.get("change_cuts"):
        cuts = d["status_cuts"]
        change = d["change_cuts"]
        out.append("Сетка «уровень × изменение» (по образцу школьной панели мониторинга штата Калифорния): "
                   f"уровни доли низких результатов — до {_n(cuts[0])} %, "
                   + ", ".join(f"{_n(a)}–{_n(b)} %" for a, b in zip(cuts, cuts[1:]))
                   + f", выше {_n(cuts[-1])} %; изменения — снижение более чем на {_n(-change[0])} п.п., "
                   f"снижение на {_n(-change[1])}–{_n(-change[0])} п.п., без изменений (от {_n(change[1])} до "
                   f"+{_n(change[2])} п.п.; незначимое изменение считается нулевым), рост на "
                   f"{_n(change[2])}–{_n(change[3])} п.п., рост более чем на {_n(change[3])} п.п.")
    out.append("Пределы воронки — 95 % и 99,8 % вокруг средней доли муниципалитета; при сверхдисперсии "
               "расширены на межшкольный разброс (метод Шпигельхалтера со случайными эффектами).")
    return out


def _programme(p: dict, programme_title: str | None = None) -> list[str]:
    if not programme_title:
        return ["Программа муниципалитета в параметрах не указана: показатели программы не вычисляются."]
    return [f"Показатели и целевые значения — по программе «{programme_title}». Где программа цели не задаёт, "
            "принятая цель и её обоснование указаны в столбце «Источник цели».",
            "Значения показателей вычислены по таблицам мониторинга региона; номера показателей — номера "
            "программы (для показателей, заимствованных из других программ, — порядковый номер в списке)."]


def _privacy(p: dict) -> list[str]:
    g = p.get("privacy", {}).get("min_group", 10)
    return [f"Малая группа — меньше {_n(g)} участников: во внутреннем отчёте её значения отмечены «м», в "
            "публичном скрыты (как и значения группы, у всех участников которой одинаковый результат)."]


SECTION_TITLES = {
    "shnor": "Школы с низкими образовательными результатами", "risk": "Зона риска", "social": "Социальный контекст",
    "pairing": "Сетевые пары", "objectivity": "Объективность", "dynamics": "Динамика результатов",
    "programme": "Показатели программы", "privacy": "Защита данных",
}


def method_sections(params: dict, report: str, programme_title: str | None = None) -> list[tuple[str, list[str]]]:
    """The appendix of ``report`` (a key of :data:`REPORT_SECTIONS`): ``(title, sentences)`` per section."""
    build = {"shnor": _shnor, "risk": _risk, "social": _social, "pairing": _pairing, "objectivity": _objectivity,
             "dynamics": _dynamics, "privacy": _privacy,
             "programme": lambda p: _programme(p, programme_title)}
    out = []
    for key in REPORT_SECTIONS[report]:
        sentences = build[key](params)
        if sentences:
            out.append((SECTION_TITLES[key], sentences))
    return out
