"""The data contract: every table of a region, its columns, types and allowed values.

This module is the single source of truth for ``data/README.md`` (which documents
it in Russian), for the loader (:mod:`qualitylib.io`), for validation
(:mod:`qualitylib.validation`) and for the sample generator
(:mod:`qualitylib.sample`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Column kinds understood by the validator.
KINDS = ("id", "text", "int", "year", "float", "pct", "flag", "code")
#: The longest text cell accepted where a column sets no ``max_length`` (a road-map measure is a paragraph).
TEXT_LIMIT = 10_000
#: The largest integer accepted in ``int`` columns (counts of pupils, teachers, marks).
INT_LIMIT = 999_999_999


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        Canonical snake_case name.
    title : str
        Russian header accepted instead of ``name`` and used in messages and Excel.
    kind : str
        One of :data:`KINDS`: ``id`` (text key), ``text``, ``int`` (integer >= 0),
        ``year``, ``float`` (number >= 0), ``pct`` (0-100), ``flag`` (1 yes / 0 no),
        ``code`` (one of ``allowed``).
    required : bool
        Whether the column must be present.
    allowed : dict, optional
        For ``code`` columns: accepted spellings (lower case) mapped to canonical codes.
    min_value, max_value : float, optional
        Inclusive bounds for numeric kinds beyond those the kind implies.
    nullable : bool
        Whether an empty cell is accepted (always true for optional columns).
    aliases : tuple of str
        Further accepted header spellings.
    max_length : int, optional
        For ``id`` and ``text`` columns: the longest value accepted, in characters
        (default :data:`TEXT_LIMIT`).
    """

    name: str
    title: str
    kind: str
    required: bool = True
    allowed: dict[str, str] | None = None
    min_value: float | None = None
    max_value: float | None = None
    nullable: bool = False
    aliases: tuple[str, ...] = ()
    description: str = ""
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Table:
    """One table of a region folder."""

    name: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    extra_numeric: bool = False
    description: str = ""
    file_aliases: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


#: Procedures: ВПР, ОГЭ, ЕГЭ and the region's own diagnostic works (РДР: краевые, региональные
#: диагностические работы -- Norilsk 2.3.1.3 «по результатам краевых диагностических работ»).
PROCEDURES = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "rdr": "РДР"}
PROCEDURE_SPELLINGS = {
    "vpr": "vpr", "впр": "vpr",
    "oge": "oge", "огэ": "oge",
    "ege": "ege", "егэ": "ege",
    "rdr": "rdr", "рдр": "rdr", "кдр": "rdr", "краевая диагностическая работа": "rdr",
    "региональная диагностическая работа": "rdr",
}
#: Grades in which each procedure is written.
PROCEDURE_GRADES = {"vpr": (4, 5, 6, 7, 8, 10, 11), "oge": (9,), "ege": (11,), "rdr": (4, 5, 6, 7, 8, 9, 10, 11)}

SUBJECTS = {
    "math": "математика",
    "russian": "русский язык",
    "math_base": "математика (базовая)",
    "math_profile": "математика (профильная)",
}
SUBJECT_SPELLINGS = {
    "математика": "math",
    "русский язык": "russian",
    "русский": "russian",
    "математика (базовая)": "math_base",
    "математика базовая": "math_base",
    "математика (база)": "math_base",
    "базовая математика": "math_base",
    "математика (профильная)": "math_profile",
    "математика профильная": "math_profile",
    "математика (профиль)": "math_profile",
    "профильная математика": "math_profile",
}

LOCALITIES = {"город": "город", "село": "село", "urban": "город", "rural": "село"}

_ID = "Код ОО"

SCHOOLS = Table(
    name="schools",
    title="Школы",
    key=("school_id",),
    file_aliases=("школы",),
    description="Справочник общеобразовательных организаций: одна строка на школу.",
    columns=(
        Column("school_id", _ID, "id", aliases=("код школы", "логин"), max_length=100,
               description="Уникальный код школы (например, логин ФИС ОКО sch220206)."),
        Column("school_name", "Наименование ОО", "text", aliases=("школа", "наименование"), max_length=500,
               description="Краткое наименование школы."),
        Column("municipality", "Муниципалитет", "text", aliases=("муниципальное образование",), max_length=200,
               description="Муниципалитет (район, городской округ)."),
        Column("locality", "Тип местности", "code", required=False, allowed=LOCALITIES,
               description="«город» или «село»."),
        Column("pupils_total", "Численность обучающихся", "int", required=False,
               description="Число обучающихся на начало учебного года, человек."),
        Column("programme", "Программа мониторинга", "text", required=False, aliases=("программа",),
               max_length=500,
               description=("Программа мониторинга муниципалитета (norilsk, elista, polysaevo, kavkazsky, "
                            "chaa-khol или её название) — для муниципалитета без своего файла параметров; "
                            "у всех школ муниципалитета одна и та же.")),
    ),
)

RESULTS = Table(
    name="results",
    title="Результаты",
    key=("year", "school_id", "procedure", "subject", "grade"),
    file_aliases=("результаты",),
    description=(
        "Агрегированные результаты оценочных процедур: одна строка на год × школу × "
        "процедуру × предмет × класс."
    ),
    columns=(
        Column("year", "Год", "year",
               description="Календарный год проведения процедуры (2023/24 учебный год — 2024)."),
        Column("school_id", _ID, "id", aliases=("код школы", "логин")),
        Column("procedure", "Процедура", "code", allowed=PROCEDURE_SPELLINGS,
               description=("vpr (ВПР), oge (ОГЭ), ege (ЕГЭ), rdr (РДР — краевая или региональная "
                            "диагностическая работа; «2» — отметка «2» или ниже порога работы).")),
        Column("subject", "Предмет", "text",
               description="math, russian, math_base, math_profile; допускаются и другие коды."),
        Column("grade", "Класс", "int", min_value=4, max_value=11, description="Класс, 4–11."),
        Column("participants", "Участников", "int", aliases=("число участников",),
               description="Число участников (без отсутствовавших), человек."),
        Column("low_count", "Низкий результат", "int",
               aliases=("получили 2", "не преодолели минимальный порог", "число двоек"),
               description=(
                   "Число участников с отметкой «2» (ВПР) или не преодолевших минимальный порог "
                   "(ОГЭ, ЕГЭ: основной период, выпускники текущего года)."
               )),
        Column("mark3", "Отметка 3", "int", required=False, description="Число отметок «3»."),
        Column("mark4", "Отметка 4", "int", required=False, description="Число отметок «4»."),
        Column("mark5", "Отметка 5", "int", required=False, description="Число отметок «5»."),
        Column("mean_score", "Средний балл", "float", required=False,
               description="Средний первичный (ВПР) или тестовый (ОГЭ, ЕГЭ) балл."),
        Column("max_score", "Максимальный балл", "float", required=False,
               description="Наибольший балл участника."),
    ),
)

_FLAG = "1 — да, 0 — нет."
_PCT = "Процент, 0–100."

#: The month the context of a year is collected in (ОО-1, ОО-2, КИАСУО: October). A report dated before
#: that month of its year reads the context of the year before.
CONTEXT_MONTH = 10

CONTEXT = Table(
    name="context",
    title="Контекст",
    key=("year", "school_id"),
    required=False,
    file_aliases=("контекст",),
    description=(
        "Контекстные данные (ОО-1, ОО-2, КИАСУО, социальные паспорта): одна строка на год × школу. "
        "Показатели 1.1–4.5 таблицы рисковых школ Норильска и поля индекса социального благополучия."
    ),
    columns=(
        Column("year", "Год", "year", description="Год сбора данных (октябрь этого года)."),
        Column("school_id", _ID, "id", aliases=("код школы", "логин")),
        Column("internet", "1.1 Устойчивый доступ в Интернет", "flag", description=_FLAG),
        Column("computers", "1.2 Обеспеченность компьютерной техникой", "flag", description=_FLAG),
        Column("lab_physics", "1.3 Лаборатория: физика", "flag", description=_FLAG),
        Column("lab_chemistry", "1.3 Лаборатория: химия", "flag", description=_FLAG),
        Column("lab_biology", "1.3 Лаборатория: биология", "flag", description=_FLAG),
        Column("lab_geography", "1.3 Лаборатория: география", "flag", description=_FLAG),
        Column("lab_technology", "1.3 Лаборатория: технология", "flag", description=_FLAG),
        Column("teachers_overload_pct", "2.1 Учителя с нагрузкой 36 ч и более, %", "pct",
               description=_PCT),
        Column("teachers_unqualified_pct", "2.2 Учителя без профильного диплома, %", "pct",
               description=_PCT),
        Column("pupils_registered_pct", "3.1 Обучающиеся на учёте, %", "pct", description=_PCT),
        Column("pupils_disabled_pct", "3.2 Обучающиеся с ОВЗ, %", "pct", description=_PCT),
        Column("pupils_nonnative_pct", "3.3 Обучающиеся-инофоны, %", "pct", description=_PCT),
        Column("pupils_absentee_pct", "3.4 Систематически пропускающие занятия, %", "pct",
               description=_PCT),
        Column("pupils_failing_pct", "4.5 Неуспевающие, %", "pct", description=_PCT),
        Column("pupils_low_income_pct", "Обучающиеся из малоимущих семей, %", "pct",
               required=False,
               description="Социальный паспорт: доля детей из малоимущих семей. " + _PCT),
        Column("parents_higher_ed_pct", "Обучающиеся, у которых хотя бы один родитель с высшим "
               "образованием, %", "pct", required=False,
               description="Социальный паспорт: культурный статус семей. " + _PCT),
        Column("pupils_single_parent_pct", "Обучающиеся из неполных семей, %", "pct",
               required=False, description="Социальный паспорт. " + _PCT),
    ),
)

MONITORING = Table(
    name="monitoring",
    title="Мониторинг",
    key=("year", "school_id", "round"),
    required=False,
    extra_numeric=True,
    file_aliases=("мониторинг",),
    description=(
        "Показатели мониторинга программы: одна строка на год × школу (данные школ за учебный год, "
        "закончившийся в этом году). Все столбцы, кроме ключа, необязательные: показатель, для "
        "которого нет столбца, выводится как «нет данных»."
    ),
    columns=(
        Column("year", "Год", "year"),
        Column("school_id", _ID, "id", aliases=("код школы", "логин")),
        *(Column(name, title, kind, required=False, description=desc) for name, title, kind, desc in (
            ("teachers_total", "Педагогов всего", "int", "Число педагогических работников школы."),
            ("teachers_diagnosed", "Педагогов прошли диагностику дефицитов", "int",
             "Прошли диагностику профессиональных дефицитов хотя бы одного вида (Норильск 2.3.2)."),
            ("teachers_diagnosed_subject", "Педагогов прошли диагностику предметных дефицитов", "int",
             "Включены в диагностику предметных дефицитов (компетенций) (Норильск 2.3.2)."),
            ("teachers_diagnosed_methodical", "Педагогов прошли диагностику методических дефицитов", "int",
             "Включены в диагностику методических дефицитов (Норильск 2.3.2)."),
            ("teachers_diagnosed_psych", "Педагогов прошли психолого-педагогическую диагностику", "int",
             "Включены в диагностику психолого-педагогических дефицитов (Норильск 2.3.2)."),
            ("teachers_supported", "Педагогов получили методическую поддержку", "int",
             "Получили консультативную, методическую поддержку в году (Норильск 2.3.3)."),
            ("teachers_regional_network", "Педагогов в региональных сетевых объединениях", "int",
             "Участники региональных сетевых методических объединений."),
            ("teachers_municipal_network", "Педагогов в муниципальных объединениях", "int",
             "Участники муниципальных методических объединений (ГМО)."),
            ("teachers_with_iom", "Педагогов с ИОМ", "int", "Педагоги с индивидуальным образовательным маршрутом."),
            ("teachers_trained", "Педагогов прошли ПК по качеству образования", "int",
             "Прошли повышение квалификации по вопросам качества образования в году (Элиста, Чаа-Холь)."),
            ("teachers_fgos_trained", "Педагогов обучены по обновлённым ФГОС", "int",
             "Обучены по обновлённым ФГОС, нарастающим итогом (Кавказский район)."),
            ("prof_events_participation", "Участие в профессиональных мероприятиях", "flag",
             "Школа участвовала в профессиональных мероприятиях (Норильск 2.3.3.5)."),
            ("prof_events_presented", "Представление опыта на мероприятиях", "flag",
             "Школа представила опыт: выступление, статья (Норильск 2.3.3.6)."),
            ("internship_site_municipal", "Муниципальная стажировочная площадка", "flag", "Норильск 2.3.3.7."),
            ("internship_site_regional", "Региональная стажировочная площадка", "flag", "Норильск 2.3.3.8."),
            ("prevention_system", "Внутришкольная система профилактики неуспешности", "flag", "Норильск 4.3.1."),
            ("risk_prevention", "Организована профилактика рисков", "flag", "Норильск 3.3.1.2."),
            ("weak_pupils", "Слабоуспевающих и неуспевающих", "int", "Слабоуспевающие и неуспевающие обучающиеся."),
            ("weak_pupils_with_iom", "Из них с ИОМ", "int", "Норильск 4.3.2."),
            ("failing_pupils", "Неуспевающих", "int", "Неуспевающие обучающиеся."),
            ("failing_pupils_extra_lessons", "Неуспевающих на дополнительных занятиях", "int", "Норильск 4.3.3."),
            ("graduates_11", "Выпускников 11 класса", "int", "Выпускники 11 класса."),
            ("honours_certificates", "Аттестатов с отличием", "int", "Элиста 5."),
            ("university_entrants", "Поступили в вузы", "int", "Выпускники 11 класса, поступившие в вузы (Элиста 6)."),
            ("olympiad_winners", "Победителей и призёров олимпиад", "int", "Элиста 7."),
            ("staffing_pct", "Укомплектованность кадрами, %", "pct", "Элиста 9, Кавказский район."),
            ("parents_surveyed", "Родителей опрошено", "int", "Участники анкетирования удовлетворённости."),
            ("parents_satisfied", "Родителей удовлетворены", "int", "Элиста 10, Чаа-Холь."),
            ("pupils_total", "Обучающихся всего", "int", "Число обучающихся школы (знаменатель долей обучающихся)."),
            ("pupils_modern_conditions", "Обучающихся в современных условиях", "int", "Чаа-Холь."),
            ("pupils_municipal_events", "Обучающихся — участников муниципальных мероприятий", "int", "Чаа-Холь."),
            ("quality_programme", "Есть программа повышения качества", "flag", "Чаа-Холь."),
            ("material_base_programme", "Участие в улучшении материальной базы", "flag", "Чаа-Холь."),
            ("methodical_support", "Методическое сопровождение школы", "flag", "Чаа-Холь."),
            ("in_network", "Сетевое взаимодействие «сильный — слабому»", "flag", "Чаа-Холь, Элиста, Полысаево."),
            ("equal_access", "Условия равного доступа к качественному образованию", "flag", "Кавказский район."),
            ("analysis_done", "Проведён анализ результатов и социальных условий", "flag",
             "В школе за год проведён анализ данных об образовательных результатах и внешних социальных "
             "условиях работы (Кавказский район, показатель 8)."),
            ("diagnostics_done", "Проведена диагностика качества обучения", "flag",
             "В раунде проведена диагностика качества обучения, преподавания и управления школой "
             "(Элиста, пункт 2 дорожной карты: сентябрь, январь, апрель)."),
        )),
        Column("round", "Раунд мониторинга", "text", required=False, aliases=("раунд", "срез"),
               description=("Раунд мониторинга внутри года («январь», «июнь»; Норильск 4.4, Элиста): пусто — "
                            "годовые данные. Показатель с раундами считается для каждого раунда по его строкам.")),
    ),
)

ROADMAP = Table(
    name="roadmap",
    title="Дорожная карта",
    key=("municipality", "plan", "item"),
    required=False,
    file_aliases=("дорожная карта", "дорожная_карта"),
    description=("Мероприятия дорожной карты: одна строка на пункт. У муниципалитета может быть несколько "
                 "планов: столбец «План» отличает их (без него все пункты муниципалитета — один план)."),
    columns=(
        Column("municipality", "Муниципалитет", "text"),
        Column("plan", "План", "text", required=False, aliases=("дорожная карта",),
               description="Ключ или название плана, если у муниципалитета их несколько."),
        Column("item", "№ п/п", "text", aliases=("номер", "пункт")),
        Column("direction", "Направление", "text", required=False),
        Column("measure", "Мероприятие", "text"),
        Column("deadline", "Срок", "text"),
        Column("responsible", "Ответственные", "text", required=False),
        Column("expected_result", "Ожидаемый результат", "text", required=False),
        Column("status", "Статус", "text", required=False),
        Column("completed_on", "Дата выполнения", "text", required=False),
        Column("evidence", "Подтверждение", "text", required=False),
        Column("restored", "Восстановлено в тексте", "text", required=False,
               description="Что в тексте пункта восстановлено по искажённому оригиналу."),
    ),
)

MUNICIPAL = Table(
    name="municipal",
    title="Мониторинг муниципалитета",
    key=("year", "municipality", "indicator"),
    required=False,
    file_aliases=("мониторинг муниципалитета", "мониторинг_муниципалитета"),
    description=("Качественные показатели программы, которые оцениваются по муниципалитету в целом, а не по "
                 "школам (Кавказский район: нормативная база, инфраструктура поддержки, сообщества педагогов): "
                 "одна строка на год × муниципалитет × показатель — выполнено или нет и чем это подтверждено."),
    columns=(
        Column("year", "Год", "year"),
        Column("municipality", "Муниципалитет", "text", max_length=200),
        Column("indicator", "Показатель", "text", aliases=("№ показателя", "номер показателя"), max_length=100,
               description=("Номер показателя в программе (например, 6) или его код в каталоге показателей "
                            "(kavkazsky.6).")),
        Column("done", "Выполнено", "flag", nullable=True,
               description="1 — да, 0 — нет; пусто — не оценивалось (в отчёте «нет данных»)."),
        Column("evidence", "Подтверждение", "text", required=False,
               description="Чем подтверждено: документ, его номер и дата, ссылка, мероприятие."),
    ),
)

OFFICIAL = Table(
    name="official",
    title="Официальный список ШНОР",
    key=("year", "school_id"),
    required=False,
    file_aliases=("официальный список шнор", "официальный_список", "перечень шнор"),
    description=("Список ШНОР, опубликованный ФИОКО или регионом: одна строка на школу списка года. "
                 "Отчёт о выявлении сверяет с ним вычисленный список."),
    columns=(
        Column("year", "Год", "year"),
        Column("school_id", _ID, "id", aliases=("код школы", "логин")),
        Column("source", "Источник", "text", required=False,
               description="Кто опубликовал список: ФИОКО, министерство образования региона и т. п."),
    ),
)

#: Difficulty levels of ВПР tasks: accepted spellings (lower case) -> codes.
TASK_LEVELS = {"б": "basic", "базовый": "basic", "basic": "basic",
               "п": "advanced", "повышенный": "advanced", "advanced": "advanced",
               "в": "high", "высокий": "high", "high": "high"}

TASKS = Table(
    name="tasks",
    title="Задания",
    key=("year", "school_id", "procedure", "subject", "grade", "task"),
    required=False,
    file_aliases=("задания",),
    description=(
        "Выполнение заданий работы: одна строка на год × школу × процедуру × предмет × класс × "
        "задание. Только агрегаты по школе (сумма баллов всех участников), без данных учеников. "
        "Импорт ФИС ОКО заполняет таблицу из файлов работ."
    ),
    columns=(
        Column("year", "Год", "year"),
        Column("school_id", _ID, "id", aliases=("код школы", "логин")),
        Column("procedure", "Процедура", "code", allowed=PROCEDURE_SPELLINGS, description="vpr (ВПР) и т. д."),
        Column("subject", "Предмет", "text", description="math, russian, …"),
        Column("grade", "Класс", "int", min_value=4, max_value=11, description="Класс работы, 4–11."),
        Column("task", "Задание", "text", aliases=("номер задания", "№ задания"), max_length=20,
               description="Номер задания, как в работе: 1, 1K1, 15.2."),
        Column("participants", "Участников", "int", aliases=("число участников",),
               description="Участников работы в школе (без отсутствовавших), человек."),
        Column("score_sum", "Сумма баллов", "float",
               description="Сумма баллов всех участников школы за задание."),
        Column("max_score", "Максимальный балл", "int", min_value=1, max_value=100,
               description="Максимальный балл за задание."),
        Column("level", "Уровень сложности", "code", required=False, allowed=TASK_LEVELS,
               description="Б (базовый), П (повышенный), В (высокий); если не указан — из каталога "
                           "заданий."),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (SCHOOLS, RESULTS, CONTEXT, MONITORING, MUNICIPAL, ROADMAP,
                                                 OFFICIAL, TASKS)}

#: Columns of the schools table an importer or generator fills (the programme is the analyst's choice).
SCHOOL_FACTS = tuple(c for c in SCHOOLS.column_names if c != "programme")

#: Extensions a table file may have, in the order they are looked up.
EXTENSIONS = (".csv", ".xlsx")
