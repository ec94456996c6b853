"""Write the workbench notebooks (clean, without outputs) from the cell lists below.

Run ``python tools/make_notebooks.py`` after editing; the .ipynb files are committed.
"""
import ast
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent.parent / "notebooks"

PARAMETERS = '''# Параметры (papermill подставляет свои значения при пакетном запуске)
data_dir = "../data/sample"      # папка региона
municipality = "Полысаево"       # муниципалитет; None — весь регион
year = 2026                      # год результатов
params_file = None               # файл параметров; None — файл муниципалитета из params/
programme = None                 # программа мониторинга, если её не называют ни файл, ни таблица школ
output_dir = None                # куда сохранить Excel; None — не сохранять
public = False                   # публичный режим: малые группы скрываются
interactive = True               # элементы управления в JupyterLab; пакетный прогон передаёт False'''

SETUP = '''from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import display

from qualitylib import load_region
from qualitylib.views import charts, heatmaps, html, htmlbars
from qualitylib.data.municipality import municipality_params

charts.configure_inline()
region = load_region(data_dir)
params = municipality_params(municipality, params_file, schools=region.schools, programme=programme,
                             known=region.municipalities)'''


def explorer_cell():
    """The cell that shows the live controls in JupyterLab (nothing in a batch run)."""
    return new_code_cell("if interactive:  # the controls: every change redraws the sections below\n"
                         "    from qualitylib.batch.interactive import explorer\n"
                         "    view = explorer(live)\n"
                         "    display(view)")


#: What a section may read from the notebook's state (``live.state``), by name.
STATE = ("region", "municipality", "year", "params", "public", "ident", "d", "titles", "m", "note", "t", "works",
         "figures")


def section(code: str):
    """A cell drawing one section from the state: ``@live.section`` over a function of the state's values.

    The function's arguments are the state names the code reads (see :data:`STATE`); its last
    expression is returned, so it is shown. In a batch run the function is called once, in
    JupyterLab the explorer calls it again for every change of the controls.
    """
    tree = ast.parse(code)
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    args = [name for name in STATE if name in loaded]
    lines = code.splitlines()
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not (isinstance(last.value, ast.Call)
                                           and getattr(last.value.func, "id", "") == "display"):
        row = last.lineno - 1
        lines[row] = lines[row][:last.col_offset] + "return " + lines[row][last.col_offset:]
        for more in range(row + 1, last.end_lineno):  # continuation lines keep their alignment
            lines[more] = " " * len("return ") + lines[more]
    body = "\n".join("    " + line if line else line for line in lines)
    return new_code_cell(f"@live.section\ndef show({', '.join(args)}):\n{body}")


def notebook(cells) -> nbformat.NotebookNode:
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})


def identification() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# Выявление школ с низкими образовательными результатами и школ в зоне риска\n\n"
            "Аналитическая справка по итогам года: список ШНОР по федеральному правилу, школы в зоне "
            "риска снижения результатов, результаты с учётом социального контекста и предложения по "
            "сетевым парам «сильная школа — слабая школа». Все числа вычислены по данным региона; "
            "методика и её источники — в приложении «Методика и параметры»."),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP + '''
from qualitylib.batch.interactive import report_sections
from qualitylib.views.identification import (NO_SOCIAL_DATA, heatmap, objectivity_method, present,
                                             reconciliation_frame, reconciliation_sentences,
                                             recommendations_by_deficit, social_rows, summary_sentences)

live = report_sections("identification", region, municipality, year, params, public=public,
                       interactive=interactive)'''),
        section("html.title_block(region.name, municipality, year, params)"),
        explorer_cell(),
        new_markdown_cell("## Итоги"),
        section("html.paragraphs(summary_sentences(ident))"),
        new_markdown_cell(
            "## Реестр ШНОР\n\n"
            "Результат оценочной процедуры **низкий**, если не менее порога (30 %) участников получили "
            "«2» (ВПР) или не преодолели минимальный порог (ОГЭ, ЕГЭ). Школа включается в список, если "
            "**(критерий 1)** у неё не менее двух низких процедур за год или **(критерий 2)** хотя бы "
            "одна низкая процедура в каждом из двух последних лет."),
        section('html.table(ident.shnor_list, ["school_name", "criterion_1", "criterion_2", '
                      '"low_results", "low_results_prev", "reasons"],\n'
                      '           flags={"criterion_1": "да", "criterion_2": "да"}, '
                      'empty="ШНОР в этом году не выявлено.")'),
        new_markdown_cell(
            "### Сверка с официальным списком ШНОР\n\n"
            "Если в данных есть список ШНОР, опубликованный ФИОКО или регионом, вычисленный список сверяется с "
            "ним: школы в обоих списках, только в вычисленном (с причинами по правилу) и только в официальном "
            "(с тем, почему правило их не отбирает)."),
        section('reconciliation = reconciliation_frame(ident)\n'
                      'if reconciliation is None:\n'
                      '    display(html.paragraphs(["Официального списка ШНОР за этот год в данных нет."]))\n'
                      'else:\n'
                      '    display(html.paragraphs(reconciliation_sentences(ident)))\n'
                      '    display(html.table(reconciliation, ["school_name", "listed_title", "source", '
                      '"explanation"]))'),
        new_markdown_cell(
            "## Доли низких результатов по процедурам\n\n"
            "Строки — школы (сначала ШНОР и школы в зоне риска), столбцы — процедуры. Ячейки не ниже "
            "порога выделены рамкой и знаком ▲; «м» — малая группа участников (её размер указан в "
            "приложении), «скр.» — значение скрыто в публичном отчёте, «—» — нет данных."),
        section("heatmap(ident)"),
        new_markdown_cell(
            "## Школы в зоне риска снижения образовательных результатов\n\n"
            "Области риска: 1 — материальная база (хотя бы одно «нет»); 2 — кадры "
            "(нагрузка 36 ч и более у > 10 % учителей или учителя без профильного диплома > 0 %); "
            "3 — контингент (сумма долей на учёте, с ОВЗ, инофонов, пропускающих > 10 %); 4 — результаты "
            "(доля «2» ≥ 20 % в двух из ВПР 4.1–4.4 или неуспевающих > 10 %)."),
        section("htmlbars.risk_area_table(ident.risk)"),
        section('html.table(ident.risk_list, ["school_name", "area_material", "area_staff", "area_pupils",\n'
                      '           "area_results", "teachers_overload_pct", "teachers_unqualified_pct",\n'
                      '           "pupils_sum_pct", "pupils_failing_pct", "vpr_high"],\n'
                      '           flags={c: "риск" for c in ["area_material", "area_staff", "area_pupils", '
                      '"area_results"]},\n'
                      '           empty="Школ в зоне риска нет.")'),
        new_markdown_cell("### Дефициты и адресные рекомендации\n\n"
                          "Каждый дефицит — с перечнем школ, у которых он есть, и рекомендацией для них."),
        section('html.table(recommendations_by_deficit(ident.risk_list, params), ["deficit", "school_names", '
                      '"schools_count",\n           "recommendation"], empty="Школ в зоне риска нет.")'),
        new_markdown_cell(
            "## Результаты с учётом социального контекста\n\n"
            "Индекс социального благополучия школы — 100 минус взвешенное среднее долей обучающихся из "
            "малоимущих и неполных семей, чьи родители не имеют высшего образования, на учёте, с ОВЗ, "
            "инофонов (веса — в файле параметров). ШНСУ — школы региона с наименьшим индексом. Пунктир — "
            "доля низких результатов, ожидаемая при таком индексе (взвешенная регрессия по всем школам "
            "региона); школа выше линии справляется хуже школ со сходным контингентом."),
        section("if not len(social_rows(ident)):\n"
                "    display(html.paragraphs([NO_SOCIAL_DATA]))\n"
                "else:  # drawn once, sharp enough for print: the Word document takes the same picture\n"
                "    figures['social'] = charts.picture(charts.social_scatter(ident.social, municipality,\n"
                "                                                             ident.shnor_list['school_id']))\n"
                "    display(figures['social'])"),
        section('mine = social_rows(ident)  # none without social data: the sentence above says so\n'
                'if len(mine):\n'
                '    display(html.table(mine.sort_values("social_index"), ["school_name", "social_index", "shnsu",\n'
                '                       "share", "expected_share", "difference", "reading"], flags={"shnsu": "ШНСУ"}))'),
        new_markdown_cell(
            "## Сетевые пары «сильная школа — слабая школа»\n\n"
            "Для каждой ШНОР подбирается школа-лидер: не ШНОР, с долей низких результатов не выше "
            "порога лидера при достаточном числе участников в тех процедурах, где ШНОР низкая. Кандидаты "
            "упорядочены по числу покрытых процедур, затем свой муниципалитет, затем меньшая доля низких "
            "результатов. ШНОР обслуживаются по тяжести (больше низких процедур — раньше); одна "
            "школа-лидер сопровождает не более заданного числа ШНОР."),
        section('html.table(ident.pairs, ["school_name", "weak_assessments", "leader_name", '
                      '"leader_municipality", "covered", "note"],\n'
                      '           empty="Пар нет: ШНОР не выявлено.")'),
        new_markdown_cell(
            "## Объективность результатов ВПР\n\n"
            "Признаки необъективности по методике ФИОКО (по данным об учениках из ФИС ОКО): завышенный "
            "средний балл (95 % интервал школы целиком выше интервала региона), несоответствие школьным "
            "отметкам (ранговая корреляция Спирмена ниже нуля), резкий рост или падение результатов одной "
            "параллели от 4 к 5 классу. Признак — повод проверить данные школы, а не вывод о ней."),
        section('if ident.objectivity is None:\n'
                      '    display(html.paragraphs(["Данных об учениках (выгрузки ФИС ОКО) для этого региона нет: '
                      'признаки необъективности не вычисляются."]))\n'
                      'else:\n'
                      '    display(html.paragraphs(objectivity_method()))\n'
                      '    display(html.table(ident.objectivity[ident.objectivity["marked"] == 1],\n'
                      '                       ["school_name", "inflated", "marks_mismatch", "sharp_rise", '
                      '"sharp_fall", "signs"],\n'
                      '                       empty="Школ с признаками необъективности нет."))'),
        new_markdown_cell("## Приложение. Методика и параметры"),
        section('html.method_appendix(params, "identification")'),
        new_code_cell('if output_dir:  # the registry (Excel) and this report as a Word document\n'
                      '    from qualitylib.batch.excel import write_registry\n'
                      '    ident = live.state.ident\n'
                      '    from qualitylib.batch.word import identification_docx\n'
                      '    write_registry(Path(output_dir) / "registry.xlsx", ident.shnor, ident.risk, ident.pairs, params,\n'
                      '                   objectivity=ident.objectivity, social=ident.own_social)\n'
                      '    identification_docx(Path(output_dir) / "01_identification.docx", region.name, ident,\n'
                      '                        live.state.figures.get("social"))'),
    ]
    return notebook(cells)


def dynamics() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# Динамика образовательных результатов\n\n"
            "Как изменились результаты школ и прежде всего ШНОР: доли низких результатов по годам с "
            "доверительными интервалами, изменение к прошлому году с проверкой значимости, показатели "
            "мониторинга динамики, разрыв между лучшими и худшими школами, средний балл ГИА. Методика "
            "и её источники — в приложении «Методика и параметры»."),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP + '''
from qualitylib.batch.interactive import report_sections
from qualitylib.views import dynamics as texts

live = report_sections("dynamics", region, municipality, year, params, public=public, interactive=interactive)'''),
        section("html.title_block(region.name, municipality, year, params)"),
        explorer_cell(),
        new_markdown_cell("## Итоги"),
        section("html.paragraphs(texts.summary_sentences(d))"),
        new_markdown_cell(
            "## Как читать изменения\n\n"
            "Изменение доли низких результатов между годами считается **значимым**, если его нельзя "
            "объяснить случайностью при таком числе участников: применяется точный критерий Фишера (когда "
            "в таблице 2×2 ожидаемое число меньше 5) или z-критерий для двух долей. В отчёте проверяются "
            "сотни пар «школа — процедура», и при уровне значимости 5 % примерно каждая двадцатая "
            "оказалась бы «значимой» случайно, даже если ничего не изменилось. Поэтому p-значения всех "
            "проверок отчёта скорректированы на множественность сравнений: столбец «q (с поправкой на "
            "множественность)». Вывод «значимое улучшение» или «значимое ухудшение» делается, только если q меньше уровня значимости **и** доля изменилась не меньше "
            "чем на практический порог (значения — в приложении). Остальные проверенные пары — «без "
            "значимых изменений». Если в одном из лет участников меньше минимума, вывод о динамике не "
            "делается — «недостаточно данных». Интервалы на графиках — 95 % доверительные интервалы."),
        new_markdown_cell("## Показатели мониторинга динамики"),
        section('html.table(texts.indicator_table(d.indicators, year), ["number", "title", "numerator", "denominator",\n'
                      '           "value", "note"])'),
        new_markdown_cell("## Положительная динамика ШНОР: одна проверка на школу"),
        section("html.paragraphs([texts.group_test_sentence(params), *texts.missing_groups_sentences(d)])"),
        section('html.table(texts.group_table(d), ["group_title", "school_name", "procedures", "n_prev", '
                      '"share_prev",\n           "n_now", "share_now", "change_pp", "q_value_title", "verdict_title"],\n'
                      '           empty="ШНОР прошлого года нет.")'),
        new_markdown_cell("## ШНОР: доля низких результатов по годам"),
        section("shnor_schools = region.subset(municipality).schools.query('school_id in @d.shnor_ids')\n"
                      "charts.shnor_series_pages(d.series, shnor_schools, params['identification']['assessments'],\n"
                      "                          params['identification']['threshold_pct'], titles)  # 4 schools a page"),
        section('html.table(texts.verdict_table(d, assessments=params["identification"]["assessments"]),\n'
                      '           ["school_name", "assessment_title", "n_prev", "share_prev", '
                      '"n_now",\n           "share_now", "change_pp", "p_value", "q_value_title", "method_title",\n           "verdict_title"],\n'
                      '           empty="ШНОР прошлого года нет.")'),
        new_markdown_cell("## Изменение к прошлому году по школам"),
        section("panels = {f'{titles[a]}: {year - 1} → {year}': d.changes[d.changes['assessment'] == a]\n"
                      "          for a in ['vpr.math.5', 'vpr.russian.5', 'oge.math.9', 'oge.russian.9']}\n"
                      "fig = charts.slope_charts(panels, year)"),
        new_markdown_cell(
            "## Сетка «уровень × изменение»\n\n"
            "Уровень — доля низких результатов в этом году, изменение — разница с прошлым годом в "
            "процентных пунктах (незначимое изменение считается нулевым); границы уровней и изменений — "
            "в приложении. Цвет ячейки: синий, зелёный, жёлтый, оранжевый, красный (от лучшего к "
            "требующему наибольшего внимания); в каждой ячейке подписаны доля, направление и цвет словом."),
        section("heatmaps.level_table(d.grid[d.grid['assessment'].isin(params['identification']"
                      "['assessments'])], titles)"),
        new_markdown_cell(
            "## Воронка: доля низких результатов и размер школы\n\n"
            "Чем меньше участников, тем шире случайный разброс доли. Линии — 95 % и 99,8 % пределы вокруг "
            "средней доли муниципалитета; за пределами 99,8 % — отличие, которое вряд ли случайно. "
            "Если школы различаются сильнее, чем объясняет случай (сверхдисперсия), пределы расширены на "
            "межшкольный разброс τ², и под заголовком графика "
            "написано, сделана ли поправка (тогда точные 99,8 % пределы без поправки показаны точками)."),
        section("panels = []\n"
                      "for a in ['vpr.math.5', 'oge.math.9']:\n"
                      "    points, curves = d.funnel_with_limits(region, a)\n"
                      "    if len(points):\n"
                      "        panels.append((points, curves, f'{titles[a]}, {year}'))\n"
                      "fig = charts.funnel_charts(panels)"),
        new_markdown_cell(
            "## Разрыв между лучшими и худшими школами\n\n"
            "Средний балл 10 % школ с наибольшим и 10 % с наименьшим средним баллом ГИА; цель программы — "
            "сокращать разрыв не менее чем на 0,3 балла в год."),
        section('gap = texts.gap_table(d.gap)\n'
                '[charts.gap_chart(gap),  # the chart, then the table\n'
                ' html.table(gap, ["title", "year", "schools", "top_mean", "bottom_mean", "gap", "gap_change", '
                '"target_met"],\n            flags={"target_met": "да"})]'),
        new_markdown_cell("## Средний балл ГИА: муниципалитет и ШНОР"),
        section("fig = charts.mean_trend_chart(d.trends, titles)"),
        new_markdown_cell("## Приложение. Методика и параметры"),
        section('html.method_appendix(params, "dynamics")'),
    ]
    return notebook(cells)


def monitoring() -> nbformat.NotebookNode:
    parameters = PARAMETERS + "\nas_of = None                     # дата состояния дорожной карты (ГГГГ-ММ-ДД); None — 1 сентября года"
    cells = [
        new_markdown_cell(
            "# Аналитическая справка: мониторинг программы\n\n"
            "Показатели программы против целевых значений, изменение к прошлому году, состояние дорожной "
            "карты и адресные рекомендации школам. Все значения вычислены по таблицам мониторинга "
            "региона; методика, источники целей и параметры — в приложении «Методика и параметры»."),
        new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP + '''
from qualitylib.batch.excel import write_indicators_workbook
from qualitylib.batch.interactive import report_sections
from qualitylib.views.dynamics import group_test_sentence
from qualitylib.views.monitoring import (ROADMAP_INTRO, period_sentences, school_tests_frame, shown_values,
                                        summary_sentences)

live = report_sections("monitoring", region, municipality, year, params, public=public, interactive=interactive,
                       as_of=as_of)'''),
        section("html.title_block(region.name, municipality, year, params, programme=False)  # the summary names it"),
        explorer_cell(),
        new_markdown_cell("## Краткие итоги"),
        section("html.paragraphs(summary_sentences(m))"),
        section('html.table(shown_values(note.indicators), ["title", "value", "target", "status_title", "prev_value",\n'
                '                                             "change"], status_columns=("status_title",))'),
        new_markdown_cell(
            "## Показатели по группам\n\n"
            "Для каждого показателя — числитель и знаменатель, значение в этом и прошлом году, цель и статус. "
            "В столбце полос серая — прошлый год, под ней — этот год; её цвет повторяет статус, подписанный "
            "словом: выполнен, не выполнен, нет данных."),
        section("display(htmlbars.indicator_legend(year))\n"
                      "for _, part in note.indicators.groupby(['group', 'unit'], sort=False):\n"
                      "    display(htmlbars.indicator_table(part, year))"),
        section('tests = school_tests_frame(m)  # only for programmes that count a school\'s positive dynamics\n'
                      'if len(tests):\n'
                      '    display(html.heading("Положительная динамика ШНОР: одна проверка на школу"))\n'
                      '    display(html.paragraphs([group_test_sentence(params)]))\n'
                      '    display(html.table(tests, ["title", "school_name", "procedures", "share_prev", "share_now",\n'
                      '                               "change_pp", "q_value_title", "verdict_title"]))'),
        new_markdown_cell("## Дорожная карта"),
        section('if m.roadmap is None:  # without a road map, no words on how its plans are read\n'
                      '    display(html.paragraphs(["Дорожной карты муниципалитета в данных нет."]))\n'
                      'else:\n'
                      '    display(html.paragraphs([ROADMAP_INTRO, *period_sentences(m)[-1:]]))\n'
                      '    display(html.table(note.plans, ["plan_title", "items", "total", "done", "in_progress", '
                      '"overdue",\n'
                      '                       "not_started", "unparsed_deadline", "share_done_on_time"]))'),
        section('if m.roadmap is not None:  # the headings only under a road map (none: said above)\n'
                '    display(html.heading("Не выполнено на дату мониторинга"))\n'
                '    display(html.paragraphs(["Просроченные, выполняемые, не начатые пункты и пункты с нераспознанным '
                'сроком — по названиям."]))\n'
                      '    display(html.table(note.pending, ["plan_title", "item", "measure", "deadline", '
                      '"occurrence_title",\n'
                      '                       "state_title", "responsible", "expected_result"],\n'
                      '                       empty="Все мероприятия, срок которых наступил, выполнены."))'),
        section('if m.roadmap is not None:\n'
                '    display(html.heading("Пункты планов: ожидаемый результат и подтверждение"))\n'
                      '    for title, part in note.roadmap.groupby("plan_title", sort=False):\n'
                      '        display(html.paragraphs([title]))\n'
                      '        display(html.table(part, ["item", "measure", "deadline", "occurrence_title", '
                      '"state_title",\n'
                      '                           "expected_result", "evidence"]))\n'
                      '        restored = part[part["restored"].fillna("").astype(str) != ""] if "restored" in part else part.iloc[0:0]\n'
                      '        if len(restored):  # where the original text had to be rebuilt, under the table (A4 width)\n'
                      '            display(html.paragraphs([f"Пункт {r.item}: {r.restored}" '
                      'for r in restored.drop_duplicates("item").itertuples()], css_class="ql-note"))'),
        section('if m.roadmap is not None:\n'
                '    display(html.heading("По направлениям и ответственным"))\n'
                      '    display(html.table(note.roadmap_by_direction, ["plan_title", "direction", "total", "done", '
                      '"in_progress", '
                      '"overdue",\n'
                      '                       "not_started", "share_done_on_time"]))\n'
                      '    display(html.table(note.roadmap_by_body, ["responsible", "total", "done", "in_progress", '
                      '"overdue",\n'
                      '                       "not_started", "share_done_on_time"]))'),
        section('if m.roadmap is not None:\n'
                '    display(html.heading("Нераспознанные сроки"))\n'
                      '    unparsed = note.roadmap[note.roadmap["deadline_kind"] == "unparsed"]\n'
                      '    display(html.table(unparsed, ["plan_title", "item", "measure", "deadline", "state_title", '
                      '"problem"],\n'
                      '                       empty="Все сроки распознаны."))'),
        new_markdown_cell("## Адресные рекомендации"),
        section('html.table(note.recommendations, ["school_name", "kind", "reasons", "recommendation"],\n'
                      '           empty="ШНОР и школ в зоне риска нет.")'),
        new_markdown_cell("## Приложение. Методика и параметры"),
        section('html.method_appendix(params, "monitoring")'),
        new_code_cell('if output_dir:  # the indicators (Excel) and this note as a Word document\n'
                      '    from qualitylib.batch.word import monitoring_docx\n'
                      '    write_indicators_workbook(Path(output_dir) / "indicators.xlsx", live.state.m,\n'
                      '                              note=live.state.note)\n'
                      '    monitoring_docx(Path(output_dir) / "03_monitoring.docx", region.name, live.state.m,\n'
                      '                    note=live.state.note)'),
    ]
    return notebook(cells)


REGION_PARAMETERS = '''# Параметры (papermill подставляет свои значения при пакетном запуске)
data_dir = "../data/sample"      # папка региона
year = 2026                      # год результатов
params_dir = None                # папка файлов параметров муниципалитетов; None — params/
output_dir = None                # куда сохранить Excel; None — не сохранять
public = False                   # публичный режим'''


def region() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# Школы с низкими результатами: муниципалитеты региона рядом\n\n"
            "Обзор для регионального министерства: в каждом муниципалитете — число школ, ШНОР (число, доля "
            "школ, изменение к прошлому году), школы в зоне риска, школы в неблагоприятных социальных "
            "условиях (ШНСУ), индекс объективности результатов ВПР, показатели программы; доля низких "
            "результатов муниципалитета на воронке; итоги по региону. Каждый муниципалитет считается по "
            "своей методике, как в его собственных отчётах."),
        new_code_cell(REGION_PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell('''from pathlib import Path

from IPython.display import display

from qualitylib import load_region
from qualitylib.batch.region_outputs import municipality_links, write_region_workbook
from qualitylib.reports.region import build_region_report, region_params
from qualitylib.views import charts, html
from qualitylib.views.region import (REGION_TITLES, funnel_caption, funnel_chart, region_frame, region_method,
                                     region_sentences)

charts.configure_inline()
region = load_region(data_dir)
params_of, problems = region_params(region, params_dir)
report = build_region_report(region, year, params_of, public=public, problems=problems)
display(html.paragraphs([f"Регион: {region.name} · Год: {int(year)}"]))'''),
        new_markdown_cell("## Итоги"),
        new_code_cell("html.paragraphs(region_sentences(report))"),
        new_markdown_cell(
            "## Муниципалитеты\n\n"
            "Показатели программы — сколько из показателей с целевым значением выполнено и не выполнено "
            "(по программе муниципалитета). Индекс объективности — 100 минус доля школ с признаками "
            "необъективности результатов ВПР (если в данных есть результаты учеников). Положение на воронке — "
            "выходит ли доля низких результатов за 99,8 % пределы при таком числе участников."),
        new_code_cell("html.table(region_frame(report).rename(columns=REGION_TITLES))"),
        new_markdown_cell(
            "## Воронка: доля низких результатов и число участников\n\n"
            "Каждая точка — муниципалитет: доля низких результатов по процедурам правила ШНОР против числа "
            "участников. Линии — 95 % и 99,8 % пределы вокруг доли региона; если муниципалитеты различаются "
            "сильнее, чем объясняет случай, пределы расширены на этот разброс (под заголовком сказано, "
            "сделана ли поправка)."),
        new_code_cell("fig = funnel_chart(report)\n"
                      "if fig is not None:  # which points are named, and how the axis is drawn\n"
                      "    display(html.paragraphs([funnel_caption(report.funnel)]))"),
        new_markdown_cell("## Приложение. Методика"),
        new_code_cell("html.paragraphs(region_method())"),
        new_markdown_cell("## Отчёты муниципалитетов"),
        new_code_cell("from qualitylib.batch.runner import NOTEBOOKS\n"
                      "municipality_links(output_dir, NOTEBOOKS)"),
        new_code_cell('if output_dir:  # the table as Excel and the report as a Word document\n'
                      '    from qualitylib.batch.word import region_docx\n'
                      '    write_region_workbook(Path(output_dir) / "region.xlsx", report)\n'
                      '    region_docx(Path(output_dir) / "00_region.docx", report, fig)  # the picture shown above'),
    ]
    return notebook(cells)


def tasks() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# Анализ выполнения заданий ВПР\n\n"
            "Что именно не умеют обучающиеся: выполнение каждого задания ВПР по школам, освоение по уровню "
            "сложности, самые слабые умения муниципалитета относительно региона, дефициты школ с низкими "
            "результатами и школ в зоне риска, адресные рекомендации, отметки ВПР против отметок за четверть. "
            "Все числа вычислены по таблице выполнения заданий региона; методика — в приложении."),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP + '''
from qualitylib.batch.excel import write_tasks_workbook
from qualitylib.batch.interactive import report_sections
from qualitylib.views import tasks as task_views

live = report_sections("tasks", region, municipality, year, params, public=public, interactive=interactive)'''),
        section("html.title_block(region.name, municipality, year, params)"),
        explorer_cell(),
        new_markdown_cell("## Итоги"),
        section("html.paragraphs(task_views.summary_sentences(t))"),
        new_markdown_cell(
            "## Выполнение заданий по школам\n\n"
            "Строки — школы (сначала ШНОР и школы в зоне риска), столбцы — задания работы. В ячейке — "
            "выполнение задания, % от возможных баллов; цвет — освоение задания с учётом его уровня; "
            "▼ и рамка — дефицит школы. Две нижние строки — муниципалитет и регион."),
        section("for work in works:\n"
                      "    display(html.paragraphs([task_views.assessment_title(work)], css_class='ql-note'))\n"
                      "    display(task_views.heatmap(t, work))"),
        new_markdown_cell(
            "## Самые слабые умения муниципалитета\n\n"
            "По каждой работе — умения, по которым выполнение в муниципалитете ниже всего относительно региона."),
        section("html.table(task_views.weakest_skills_table(t), empty='Умений, выполненных хуже региона, нет.')"),
        new_markdown_cell(
            "## Дефициты ШНОР и школ в зоне риска\n\n"
            "Задания, которые школа не освоила и выполнила значимо хуже остального региона."),
        section("html.table(task_views.school_deficits_table(t), "
                      "empty='У ШНОР и школ в зоне риска значимых дефицитов по заданиям нет.')"),
        new_markdown_cell("### Дефициты по элементам содержания"),
        section("html.table(task_views.elements_table(t), empty='Дефицитов по элементам содержания нет.')"),
        new_markdown_cell("## Адресные рекомендации"),
        section("html.table(task_views.recommendations(t), empty='ШНОР и школ в зоне риска нет или нет данных '\n"
                      "           'по заданиям.')"),
        new_markdown_cell(
            "## Отметки ВПР и отметки за четверть\n\n"
            "Доли обучающихся, чья отметка ВПР ниже отметки за четверть («понизили»), равна ей или выше; "
            "расхождение на две отметки и больше читается вместе с признаками необъективности."),
        section("html.table(task_views.marks_table(t), empty='Отметок за четверть в данных нет.')"),
        new_markdown_cell("## Распределение первичных баллов\n\n"
                          "Пунктир — границы отметок «2»|«3», «3»|«4», «4»|«5»."),
        section("fig = task_views.histogram_chart(t)\n"
                      "if fig is None:\n"
                      "    display(html.paragraphs(['Данных по ученикам нет или групп меньше нужного числа участников.']))\n"
                      "else:  # drawn once, sharp enough for print: the Word document takes the same picture\n"
                      "    figures['histogram'] = charts.picture(fig)\n"
                      "    display(figures['histogram'])"),
        new_markdown_cell("## Методика"),
        section("html.paragraphs(task_views.method_paragraphs(t), css_class='ql-note')"),
        new_code_cell('if output_dir:  # the deficits (Excel) and this report as a Word document\n'
                      '    from qualitylib.batch.word import tasks_docx\n'
                      '    write_tasks_workbook(Path(output_dir) / "tasks.xlsx", live.state.t)\n'
                      '    tasks_docx(Path(output_dir) / "04_tasks.docx", region.name, live.state.t,\n'
                      '               live.state.figures.get("histogram"))'),
    ]
    return notebook(cells)


def build_notebooks() -> dict[str, nbformat.NotebookNode]:
    """The workbench notebooks by file name, with stable cell ids, without writing them."""
    out = {}
    for name, build in (("00_region.ipynb", region), ("01_identification.ipynb", identification),
                        ("02_dynamics.ipynb", dynamics), ("03_monitoring.ipynb", monitoring),
                        ("04_tasks.ipynb", tasks)):
        nb = build()
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{i:02d}"
        out[name] = nb
    return out


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, nb in build_notebooks().items():
        nbformat.write(nb, HERE / name)
        print("written", HERE / name)


if __name__ == "__main__":
    main()
