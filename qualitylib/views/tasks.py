"""Russian words, tables, the heatmap and charts of the ВПР task analysis (notebook 04, «Дефициты» sheet).

Everything here reads a :class:`qualitylib.reports.tasks.TaskReport` (codes and numbers,
small groups already marked) and turns it into what an official reads: the schools × tasks
heatmap coloured by mastery, the municipality's weakest skills against the region, every
ШНОР's and risk-zone school's deficits, addressed recommendations naming them, the ВПР
marks against school marks and the score histograms with the mark boundaries.
"""
from __future__ import annotations

import html as _html

import numpy as np
import pandas as pd

from .heatmaps import NO_DATA, _cell, _heat
from .html import HTML
from .labels import assessment_title, plural, ru_number

MASTERY_TITLES = {"mastered": "освоено", "uncertain": "на границе", "not_mastered": "не освоено",
                  "insufficient_data": "мало участников"}
LEVEL_TITLES = {"basic": "базовый", "advanced": "повышенный", "high": "высокий", "unknown": "не указан"}
LEVEL_LETTERS = {"basic": "Б", "advanced": "П", "high": "В", "unknown": "?"}
#: Fills of the heatmap cells by mastery (colour is never the only sign: the cell holds the number and ▼).
MASTERY_COLOURS = {"mastered": "#a6d96a", "uncertain": "#ffffbf", "not_mastered": "#f4a582",
                   "insufficient_data": NO_DATA}
WORK_TITLES = {"math": "математика", "russian": "русский язык"}


def work_title(work: str) -> str:
    """``math.5`` → «ВПР математика 5 кл.»."""
    subject, grade = work.split(".")
    return f"ВПР {WORK_TITLES.get(subject, subject)} {grade} кл."


def _pct(value, decimals: int = 0) -> str:
    return "—" if value is None or pd.isna(value) else f"{ru_number(float(value), decimals)} %"


def _short(text: str, width: int = 90) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --------------------------------------------------------------------------- summary

def summary_sentences(r) -> list[str]:
    """The summary of notebook 04, from the data."""
    if not r.available:
        return [f"В данных нет таблицы выполнения заданий ВПР (tasks) за {r.year} год: анализ по заданиям "
                "не выполнен. Таблицу записывает импорт выгрузки ФИС ОКО; регион может принести её и сам."]
    a = r.analysis
    schools = a["school_id"].nunique()
    works = a["assessment"].nunique()
    judged = a[a["mastery"] != "insufficient_data"]
    not_mastered = int((judged["mastery"] == "not_mastered").sum())
    out = [f"Проанализировано {plural(schools, 'школа', 'школы', 'школ')} и {plural(works, 'работа', 'работы', 'работ')} "
           f"ВПР {r.year} года: {plural(len(a), 'результат', 'результата', 'результатов')} «школа — задание».",
           f"Вывод об освоении сделан для {len(judged)} из них (в остальных меньше "
           f"{r.params['tasks']['min_participants']} участников); не освоено — {not_mastered} "
           f"({_pct(100 * not_mastered / len(judged) if len(judged) else np.nan)}).",
           f"Дефицитов (задание не освоено и выполнено значимо хуже, чем в остальном регионе) — "
           f"{int(a['deficit'].sum())} у {plural(a.loc[a['deficit'] == 1, 'school_id'].nunique(), 'школы', 'школ', 'школ')}."]
    if len(r.weakest_skills):
        top = r.weakest_skills.sort_values("gap_pp").iloc[0]
        out.append(f"Больше всего муниципалитет отстаёт от региона по умению «{_short(top['skill'], 120)}» "
                   f"({assessment_title(top['assessment'])}, задания {top['tasks']}): {_pct(top['success_pct'])} "
                   f"против {_pct(top['region_success_pct'])} по региону.")
    if len(r.focus):
        with_def = r.deficits[r.deficits["school_id"].isin(set(r.focus["school_id"]))]["school_id"].nunique()
        out.append(f"Из {plural(len(r.focus), 'школы', 'школ', 'школ')} ШНОР и зоны риска дефициты по заданиям "
                   f"найдены у {with_def}.")
    return out


# --------------------------------------------------------------------------- heatmap

#: Task columns of one heatmap table: a wider work is split so that every table prints on A4
#: (as many columns as the fail-share heatmap of notebook 01 has assessments).
HEATMAP_COLUMNS = 8
#: Long words of school names shortened in the heatmap's row labels (the full name is the tooltip).
SHORT_NAMES = (("Средняя общеобразовательная школа", "СОШ"), ("средняя общеобразовательная школа", "СОШ"),
               ("Основная общеобразовательная школа", "ООШ"), ("основная общеобразовательная школа", "ООШ"),
               ("Муниципальное бюджетное общеобразовательное учреждение", "МБОУ"),
               ("муниципальное бюджетное общеобразовательное учреждение", "МБОУ"))


def short_school_name(name: str) -> str:
    """«МБОУ «Средняя общеобразовательная школа № 5»» → «МБОУ «СОШ № 5»»."""
    text = str(name)
    for long, short in SHORT_NAMES:
        text = text.replace(long, short)
    return text


def heatmap(r, assessment: str, max_rows: int | None = None, max_columns: int = HEATMAP_COLUMNS) -> HTML:
    """Schools × tasks of one work: success %, coloured by mastery; ▼ and a frame mark a deficit.

    Rows: ШНОР and risk-zone schools first, then the others by name; the last two rows are
    the municipality and the region. «м» marks a small group; «скр.» a value hidden in a
    public report. A work of more than ``max_columns`` tasks is shown as several tables of
    consecutive tasks (the legend once, above the first).
    """
    a = _work_rows(r, assessment)
    if a.empty:
        return HTML('<p class="ql-note">Нет данных по заданиям этой работы.</p>')
    every = a.drop_duplicates("position").sort_values("position")
    parts = [every.iloc[i:i + max_columns] for i in range(0, len(every), max_columns)]
    rows = _heat_rows(r, a)  # the schools and their cells, once for all the tables of the work
    tables = [_heatmap_part(r, tasks, rows, max_rows, legend=(i == 0)) for i, tasks in enumerate(parts)]
    return HTML("".join(str(t) for t in tables))


#: The columns of the task analysis the heatmap reads.
HEAT_COLUMNS = ("school_id", "school_name", "position", "task", "level", "hidden", "deficit", "success_pct", "small",
                "mastery", "municipality_success_pct", "region_success_pct")


def _work_rows(r, assessment: str) -> pd.DataFrame:
    """The rows of one work in the task analysis, with the columns the heatmap reads."""
    a = r.analysis
    return a.loc[a["assessment"] == assessment, [c for c in HEAT_COLUMNS if c in a]]


def _heat_rows(r, a: pd.DataFrame):
    """The schools of one work's heatmap: ``(order, names, cells, focus, shnor)``.

    ``order`` lists the school ids in row order (ШНОР and risk-zone schools first, then the
    others by name), ``names`` maps ids to names, ``cells`` maps ``(school, position)`` to
    ``(hidden, deficit, success_pct, small, mastery)``.
    """
    focus = list(r.focus["school_id"])
    first = a.drop_duplicates("school_id")
    names = dict(zip(first["school_id"].tolist(), first["school_name"].tolist()))
    order = [s for s in focus if s in names] + sorted(set(names) - set(focus), key=lambda s: str(names[s]))
    columns = [a[c].tolist() for c in ("school_id", "position", "hidden", "deficit", "success_pct", "small", "mastery")]
    cells = {(school, pos): rest for school, pos, *rest in zip(*columns)}
    shnor = set(r.focus.loc[r.focus["shnor"] == 1, "school_id"])
    return order, names, cells, set(focus), shnor


def _heat_cells(r, tasks: pd.DataFrame, rows, max_rows: int | None = None):
    """Rows of the heatmap: ``(labels, columns, cells)``; each cell ``(text, colour, empty, deficit)``.

    ``rows`` is :func:`_heat_rows` of the work's rows (computed once for all its tables).
    """
    columns = [f"{t} ({LEVEL_LETTERS.get(lv, '?')})" for t, lv in zip(tasks["task"], tasks["level"])]
    order, names, cells, focus, shnor = rows
    if max_rows is not None:
        order = order[:max_rows]
    out, labels = [], []
    public = bool(r.public)
    positions = tasks["position"].tolist()
    for school in order:
        row = []
        for pos in positions:
            c = cells.get((school, pos))
            if c is None:
                row.append(("—", NO_DATA, True, False))
                continue
            hidden, deficit, success_pct, small, mastery = c
            if bool(hidden):
                row.append(("скр.", NO_DATA, True, False))
                continue
            deficit = int(deficit) == 1
            text = ru_number(success_pct, 0) + (" ▼" if deficit else "") + (
                " м" if bool(small) and not public else "")
            row.append((text, MASTERY_COLOURS[mastery], False, deficit))
        out.append(row)
        mark = " (ШНОР)" if school in shnor else (" (зона риска)" if school in focus else "")
        labels.append(f"{short_school_name(names[school])}{mark}")
    for title, col in (("Муниципалитет", "municipality_success_pct"), ("Регион", "region_success_pct")):
        values = tasks[col].to_numpy(dtype=float)
        out.append([(ru_number(v, 0), "#ffffff", False, False) if np.isfinite(v) else ("—", NO_DATA, True, False)
                    for v in values])
        labels.append(title if r.municipality is not None or title == "Регион" else "Все школы")
    return labels, columns, out


def heatmap_legend(r) -> str:
    """The legend under the heatmap's title: what the colours, ▼ and the column headers mean."""
    tp = r.params["tasks"]
    return (f"Выполнение задания, % от возможных баллов. Цвет — освоение: зелёный — освоено (базовый уровень "
            f"от {ru_number(tp['basic_mastered_pct'], 1, trim=True)} %, повышенный и высокий — от "
            f"{ru_number(tp['advanced_mastered_pct'], 1, trim=True)} %), жёлтый — на границе, оранжевый — не "
            f"освоено (ниже {ru_number(tp['basic_not_mastered_pct'], 1, trim=True)} % и "
            f"{ru_number(tp['advanced_not_mastered_pct'], 1, trim=True)} %), серый — меньше "
            f"{tp['min_participants']} участников. ▼ и рамка — дефицит школы. В заголовке — номер задания и "
            "уровень (Б, П, В; «?» — не указан в описании работы).")


def _heatmap_part(r, tasks: pd.DataFrame, rows, max_rows: int | None, legend: bool) -> HTML:
    labels, columns, rows = _heat_cells(r, tasks, rows, max_rows)
    made: dict = {}  # a table repeats few distinct cells: each one's HTML is written once

    def cell(text, colour, empty, deficit):
        key = (text, colour, empty, deficit)
        if key not in made:
            made[key] = _cell(text, colour, empty=True) if empty else _cell(text, colour, marked=deficit)
        return made[key]

    cells = [[cell(*c) for c in row] for row in rows]
    return _heat(labels, columns, cells, "Школа", _html.escape(heatmap_legend(r)) if legend else "")


def heatmap_frames(r, assessment: str, max_columns: int = HEATMAP_COLUMNS * 2):
    """The heatmap of one work as plain tables (for Word): ``[(frame, headers, fills), …]``.

    One table per ``max_columns`` consecutive tasks; ``frame`` holds the texts («45 ▼»),
    ``headers`` the column titles, ``fills`` the cell colours (``#rrggbb`` or ``None``).
    """
    a = _work_rows(r, assessment)
    if a.empty:
        return []
    every = a.drop_duplicates("position").sort_values("position")
    out = []
    schools = _heat_rows(r, a)
    for i in range(0, len(every), max_columns):
        tasks = every.iloc[i:i + max_columns]
        labels, columns, rows = _heat_cells(r, tasks, schools)
        keys = [f"c{j}" for j in range(len(columns))]
        frame = pd.DataFrame([[label, *(c[0] for c in row)] for label, row in zip(labels, rows)],
                             columns=["school", *keys], dtype=object)  # texts: no string type inferred
        fills = [[None, *(c[1] for c in row)] for row in rows]
        out.append((frame, ["Школа", *columns], fills))
    return out


# --------------------------------------------------------------------------- tables

def weakest_skills_table(r) -> pd.DataFrame:
    """The municipality's weakest skills of each work against the region."""
    w = r.weakest_skills
    return pd.DataFrame({
        "Работа": w["assessment"].map(assessment_title), "Умение": w["skill"], "Задания": w["tasks"],
        "Выполнение в муниципалитете, %": w["success_pct"].round(1),
        "Выполнение в регионе, %": w["region_success_pct"].round(1),
        "Разница, п.п.": w["gap_pp"].round(1)})


def school_deficits_table(r) -> pd.DataFrame:
    """Deficits of the ШНОР and risk-zone schools: one row per school × task."""
    focus = r.focus.set_index("school_id")
    d = r.deficits[r.deficits["school_id"].isin(focus.index) & ~r.deficits["hidden"].astype(bool)]
    d = d.assign(gap=d["success_pct"] - d["region_success_pct"]).sort_values(["school_name", "gap"], kind="stable")
    kind = focus["shnor"].map({1: "ШНОР"}).fillna("зона риска")
    return pd.DataFrame({
        "Школа": d["school_name"], "Группа": [kind.get(s, "") for s in d["school_id"]],
        "Работа": d["assessment"].map(assessment_title), "Задание": d["task"],
        "Уровень": d["level"].map(LEVEL_TITLES), "Что проверяет": [_short(_what(t), 160) for t in d.itertuples()],
        "Выполнение в школе, %": d["success_pct"].round(1), "Выполнение в регионе, %": d["region_success_pct"].round(1),
        "Участников": d["participants"]}).reset_index(drop=True)


def deficits_sheet(r) -> pd.DataFrame:
    """The «Дефициты» sheet: every deficit of every school of the report (not only the focus schools)."""
    d = r.deficits[~r.deficits["hidden"].astype(bool)]
    focus = r.focus.set_index("school_id")
    kind = focus["shnor"].map({1: "ШНОР"}).fillna("зона риска")
    return pd.DataFrame({
        "Код ОО": d["school_id"], "Школа": d["school_name"], "Муниципалитет": d["municipality"],
        "Группа": [kind.get(s, "") for s in d["school_id"]], "Работа": d["assessment"].map(assessment_title),
        "Задание": d["task"], "Уровень": d["level"].map(LEVEL_TITLES), "Умение": d["skill"],
        "Что проверяет (блок ПООП)": d["block"],
        "Участников": d["participants"], "Выполнение в школе, %": d["success_pct"].round(1),
        "Нижняя граница 95 %": d["ci_low_pct"].round(1), "Верхняя граница 95 %": d["ci_high_pct"].round(1),
        "В муниципалитете, %": d["municipality_success_pct"].round(1),
        "В регионе, %": d["region_success_pct"].round(1), "q (Бенджамини — Хохберг)": d["q_value"].round(4)},
    ).reset_index(drop=True)


def tasks_sheet(r) -> pd.DataFrame:
    """The «Выполнение заданий» sheet: every school × task with its mastery."""
    a = r.analysis
    shown = ~a["hidden"].astype(bool)
    return pd.DataFrame({
        "Код ОО": a["school_id"], "Школа": a["school_name"], "Работа": a["assessment"].map(assessment_title),
        "Задание": a["task"], "Уровень": a["level"].map(LEVEL_TITLES), "Умение": a["skill"],
        "Участников": a["participants"], "Выполнение в школе, %": a["success_pct"].round(1).where(shown),
        "В муниципалитете, %": a["municipality_success_pct"].round(1), "В регионе, %": a["region_success_pct"].round(1),
        "Освоение": a["mastery"].map(MASTERY_TITLES).where(shown, "скрыто"), "Дефицит": a["deficit"].where(shown, 0)},
    ).reset_index(drop=True)


def elements_table(r) -> pd.DataFrame:
    """Deficits by content element (КЭС) of the focus schools."""
    e = r.elements
    e = e[(e["deficit"] == 1) & e["school_id"].isin(set(r.focus["school_id"])) & ~e["hidden"].astype(bool)]
    return pd.DataFrame({
        "Школа": e["school_name"], "Работа": e["assessment"].map(assessment_title), "Код КЭС": e["code"],
        "Элемент содержания": e["title"].map(lambda t: _short(t, 120)), "Задания": e["tasks"],
        "Выполнение в школе, %": e["success_pct"].round(1), "В регионе, %": e["region_success_pct"].round(1),
    }).reset_index(drop=True)


def marks_table(r) -> pd.DataFrame:
    """ВПР marks against school marks per school and work (the standard ФИС ОКО table)."""
    if r.marks is None or r.marks.empty:
        return pd.DataFrame()
    m = r.marks[~r.marks["hidden"].astype(bool)]
    gap = r.params["tasks"]["mark_gap"]
    return pd.DataFrame({
        "Школа": m["school_name"], "Работа": m["work"].map(work_title), "Сравнено учеников": m["compared"],
        "Понизили, %": m["lowered_pct"].round(1), "Подтвердили, %": m["confirmed_pct"].round(1),
        "Повысили, %": m["raised_pct"].round(1), f"Расхождение на {gap} и более, %": m["discrepant_pct"].round(1),
        "Малая группа": m["small"].map({True: "м", False: ""})}).reset_index(drop=True)


# --------------------------------------------------------------------------- recommendations

def _what(task) -> str:
    """What a task checks, as concretely as the description says it: the programme block
    («выпускник научится …»), else the skill."""
    return str(getattr(task, "block", "") or getattr(task, "skill", "") or "умение не указано")


def recommendations(r) -> pd.DataFrame:
    """Addressed recommendations of the ШНОР and risk-zone schools, naming their deficits.

    For each focus school: its deficit tasks furthest below the region (the work, the task,
    the skill, the school's and the region's success; at most ``weakest_count + 2``), or —
    without a deficit — its weakest skills against the region; then what to do with them.
    """
    rows = []
    limit = int(r.params["tasks"]["weakest_count"]) + 2
    focus = r.focus if r.available else r.focus.iloc[0:0]
    deficits = r.deficits
    deficits = deficits[deficits["school_id"].isin(set(focus["school_id"])) & ~deficits["hidden"].astype(bool)]
    shown = [c for c in ("school_id", "assessment", "task", "block", "skill", "success_pct", "region_success_pct")
             if c in deficits]
    deficits = deficits[shown].assign(gap=deficits["region_success_pct"] - deficits["success_pct"])
    by_school = dict(iter(deficits.groupby("school_id", sort=False)))  # each school's rows in the table's order
    skills = dict(iter(r.school_skills.groupby("school_id", sort=False)))
    for f in focus.itertuples(index=False):
        d = by_school.get(f.school_id, deficits.iloc[0:0]).sort_values("gap", ascending=False)
        items = [f"{assessment_title(t.assessment)}, задание {t.task} — «{_short(_what(t), 110)}»: "
                 f"{_pct(t.success_pct)} (регион — {_pct(t.region_success_pct)})" for t in d.head(limit).itertuples()]
        if items:
            more = (f"; всего дефицитов — {len(d)} (полный список — на листе «Дефициты» книги Excel)"
                    if len(d) > limit else "")
            text = (f"Дефициты по заданиям ВПР {r.year} г. (больше всего отстают от региона): " + "; ".join(items)
                    + more + ". Включить эти умения в план адресной работы: скорректировать рабочие программы и "
                    "тематическое планирование, провести с обучающимися дополнительные занятия по ним, "
                    "через 2–3 месяца повторить диагностику теми же типами заданий.")
        else:
            weak = skills.get(f.school_id, r.school_skills.iloc[0:0])
            if weak.empty:
                text = ("Значимых дефицитов по заданиям ВПР не найдено (или мало участников для вывода); "
                        "провести внутреннюю диагностику по заданиям.")
            else:
                items = [f"«{_short(w.skill, 110)}» ({assessment_title(w.assessment)}, задания {w.tasks}): "
                         f"{_pct(w.success_pct)} против {_pct(w.region_success_pct)} по региону"
                         for w in weak.itertuples()]
                text = ("Значимых дефицитов по заданиям нет; слабее всего относительно региона: " + "; ".join(items)
                        + ". Уделить этим умениям внимание в рабочих программах.")
        rows.append({"Школа": f.school_name, "Группа": "ШНОР" if f.shnor == 1 else "зона риска",
                     "Рекомендация": text})
    return pd.DataFrame(rows, columns=["Школа", "Группа", "Рекомендация"])


def weakest_skills_sentence(r, school_id: str) -> str:
    """«Три самых слабых умения школы …» — the sentence the closing note quotes."""
    weak = r.school_skills[r.school_skills["school_id"] == school_id]
    if weak.empty:
        return "Слабых относительно региона умений не найдено."
    return "; ".join(f"«{_short(w.skill, 160)}» ({assessment_title(w.assessment)}, задания {w.tasks}): {_pct(w.success_pct)} против "
                     f"{_pct(w.region_success_pct)} по региону" for w in weak.itertuples()) + "."


# --------------------------------------------------------------------------- charts

def histogram_chart(r):
    """Score distribution of each work of the scope, with the mark boundaries (groups of ≥ 50)."""
    import matplotlib.pyplot as plt

    from .charts import ThemedFigure, bars, set_title, theme

    h = r.histograms
    if h is None or h.empty:
        return None
    works = list(dict.fromkeys(h["work"]))
    cols = 2
    rows = (len(works) + cols - 1) // cols
    with theme():
        fig, axes = plt.subplots(rows, cols, figsize=(7.2, 2.3 * rows), FigureClass=ThemedFigure, squeeze=False)
        for ax, work in zip(axes.ravel(), works):
            part = h[h["work"] == work]
            bars(ax, part["score"], part["count"], width=0.85, color="#6baed6")
            bounds = r.bounds.get(work, {})
            for key, label in (("mark2", "2|3"), ("mark3", "3|4"), ("mark4", "4|5")):
                if key in bounds:
                    ax.axvline(bounds[key] + 0.5, color="#d62728", linewidth=1, linestyle="--")
                    ax.annotate(label, (bounds[key] + 0.5, 0.97), xycoords=("data", "axes fraction"), fontsize=7,
                                ha="left", va="top", color="#d62728", xytext=(2, 0), textcoords="offset points")
            set_title(ax, f"{work_title(work)}, участников: {int(part['count'].sum())}", fontsize=9)
            ax.set_xlabel("Первичный балл", fontsize=8)
            ax.set_ylabel("Участников", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
            ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))  # counts of pupils: whole numbers
        for ax in axes.ravel()[len(works):]:
            ax.set_visible(False)
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- method

def method_paragraphs(r) -> list[str]:
    """The method in plain Russian (the appendix of notebook 04)."""
    tp = r.params["tasks"]
    notes = [f"{work_title(w)}: {text}" for (_, w), text in sorted(r.catalogue_notes.items()) if text]
    out = [
        "Выполнение задания — доля набранных баллов от возможных: сумма баллов участников, делённая на число "
        "участников и максимальный балл задания. Интервал — 95 % интервал Уилсона по числу участников: балл "
        "ученика за задание с частичным оцениванием (0, 1, 2 …) считается долей от максимума, и его разброс не "
        "больше, чем у задания «верно — неверно» с тем же выполнением, поэтому интервал для таких заданий "
        "получается с запасом (шире истинного), а не уже.",
        f"Задание базового уровня освоено, если выполнение не ниже {ru_number(tp['basic_mastered_pct'], 1, trim=True)} %, "
        f"не освоено — ниже {ru_number(tp['basic_not_mastered_pct'], 1, trim=True)} %, между ними — «на границе»; "
        f"задания повышенного и высокого уровня — {ru_number(tp['advanced_mastered_pct'], 1, trim=True)} % и "
        f"{ru_number(tp['advanced_not_mastered_pct'], 1, trim=True)} % (рекомендации ФИОКО по анализу результатов "
        f"ВПР). Если уровень задания в описании работы не указан, применяются пороги "
        f"{'базового' if tp['unknown_level'] == 'basic' else 'повышенного'} уровня. При числе участников меньше "
        f"{tp['min_participants']} вывод не делается.",
        "Дефицит школы — задание, которое школа не освоила и выполнила значимо хуже остального региона "
        "(односторонняя проверка; разброс баллов оценён сверху, как для заданий «верно — неверно»). Среди "
        "заданий одной работы школы доля ложных находок ограничена на уровне "
        f"{ru_number(100 * tp['alpha'], 0)} % (метод Бенджамини — Хохберга).",
        f"Сравнение отметок ВПР с отметками за четверть: «понизили» — отметка ВПР ниже школьной, «подтвердили» — "
        f"равна, «повысили» — выше; расхождение на {tp['mark_gap']} отметки и больше — признак, который читается "
        "вместе с признаками необъективности. Распределение первичных баллов показано для групп не меньше "
        f"{tp['histogram_min_participants']} участников.",
    ]
    if notes:
        out.append("Описания работ: " + "; ".join(notes) + ".")
    return out
