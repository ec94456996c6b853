"""Write the workbench notebooks (clean, without outputs) from the cell lists below.

Run ``python tools/make_notebooks.py`` after editing; the .ipynb files are committed.
"""
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


def explorer_cell(view: str):
    """The cell that shows the live controls in JupyterLab (nothing in a batch run)."""
    return new_code_cell("if interactive:\n"
                         "    from qualitylib.batch.interactive import explorer\n"
                         f"    view = explorer(region, params, municipality, year, view='{view}')\n"
                         "    display(view)")


def notebook(cells) -> nbformat.NotebookNode:
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})


def identification() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# Выявление школ с низкими образовательными результатами и школ в зоне риска\n\n"
            "Аналитическая справка по итогам года: список ШНОР по федеральному правилу (программа "
            "Норильска, раздел 2.1), школы в зоне риска снижения результатов (раздел 3.2), социальный "
            "контекст (программа Кавказского района) и предложения по сетевым парам «сильная школа — "
            "слабая школа». Все числа вычисляет библиотека `qualitylib` из данных региона."),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP + '''
from qualitylib.reports.identification import build_identification
from qualitylib.views.identification import heatmap, objectivity_method, present, summary_sentences

ident = present(build_identification(region, municipality, year, params, public=public))
display(html.title_block(region.name, municipality, year, params))'''),
        explorer_cell("identification"),
        new_markdown_cell("## Итоги"),
        new_code_cell("html.paragraphs(summary_sentences(ident))"),
        new_markdown_cell(
            "## Реестр ШНОР\n\n"
            "Результат оценочной процедуры **низкий**, если не менее порога (30 %) участников получили "
            "«2» (ВПР) или не преодолели минимальный порог (ОГЭ, ЕГЭ). Школа включается в список, если "
            "**(критерий 1)** у неё не менее двух низких процедур за год или **(критерий 2)** хотя бы "
            "одна низкая процедура в каждом из двух последних лет."),
        new_code_cell('html.table(ident.shnor_list, ["school_name", "criterion_1", "criterion_2", '
                      '"low_results", "low_results_prev", "reasons"],\n'
                      '           flags={"criterion_1": "да", "criterion_2": "да"}, '
                      'empty="ШНОР в этом году не выявлено.")'),
        new_markdown_cell(
            "## Доли низких результатов по процедурам\n\n"
            "Строки — школы (сначала ШНОР и школы в зоне риска), столбцы — процедуры. Ячейки не ниже "
            "порога выделены рамкой и знаком ▲; «м» — малая группа участников (меньше `privacy.min_group`), "
            "«скр.» — значение скрыто в публичном отчёте, «—» — нет данных."),
        new_code_cell("heatmap(ident)"),
        new_markdown_cell(
            "## Школы в зоне риска снижения образовательных результатов\n\n"
            "Области риска (Норильск, 3.2): 1 — материальная база (хотя бы одно «нет»); 2 — кадры "
            "(нагрузка 36 ч и более у > 10 % учителей или учителя без профильного диплома > 0 %); "
            "3 — контингент (сумма долей на учёте, с ОВЗ, инофонов, пропускающих > 10 %); 4 — результаты "
            "(доля «2» ≥ 20 % в двух из ВПР 4.1–4.4 или неуспевающих > 10 %)."),
        new_code_cell("htmlbars.risk_area_table(ident.risk)"),
        new_code_cell('html.table(ident.risk_list, ["school_name", "area_material", "area_staff", "area_pupils",\n'
                      '           "area_results", "teachers_overload_pct", "teachers_unqualified_pct",\n'
                      '           "pupils_sum_pct", "pupils_failing_pct", "vpr_high"],\n'
                      '           flags={c: "риск" for c in ["area_material", "area_staff", "area_pupils", '
                      '"area_results"]},\n'
                      '           empty="Школ в зоне риска нет.")'),
        new_markdown_cell("### Дефициты и адресные рекомендации"),
        new_code_cell('html.table(ident.risk_list, ["school_name", "material_missing", "deficits", '
                      '"recommendations"], '
                      'empty="Школ в зоне риска нет.")'),
        new_markdown_cell(
            "## Результаты с учётом социального контекста\n\n"
            "Индекс социального благополучия школы — 100 минус взвешенное среднее долей обучающихся из "
            "малоимущих и неполных семей, чьи родители не имеют высшего образования, на учёте, с ОВЗ, "
            "инофонов (веса — в файле параметров). ШНСУ — школы региона с наименьшим индексом. Пунктир — "
            "доля низких результатов, ожидаемая при таком индексе (взвешенная регрессия по всем школам "
            "региона); школа выше линии справляется хуже школ со сходным контингентом."),
        new_code_cell("fig = charts.social_scatter(ident.social, municipality, ident.shnor_list['school_id'])"),
        new_code_cell('mine = ident.social if municipality is None else '
                      'ident.social[ident.social["municipality"] == municipality]\n'
                      'html.table(mine.sort_values("social_index"), ["school_name", "social_index", "shnsu", '
                      '"share",\n'
                      '           "expected_share", "difference", "reading"], flags={"shnsu": "ШНСУ"})'),
        new_markdown_cell(
            "## Сетевые пары «сильная школа — слабая школа»\n\n"
            "Для каждой ШНОР подбирается школа-лидер: не ШНОР, с долей низких результатов не выше "
            "порога лидера при достаточном числе участников в тех процедурах, где ШНОР низкая. Кандидаты "
            "упорядочены по числу покрытых процедур, затем свой муниципалитет, затем меньшая доля низких "
            "результатов. ШНОР обслуживаются по тяжести (больше низких процедур — раньше); одна "
            "школа-лидер сопровождает не более заданного числа ШНОР."),
        new_code_cell('html.table(ident.pairs, ["school_name", "weak_assessments", "leader_name", '
                      '"leader_municipality", "covered", "note"],\n'
                      '           empty="Пар нет: ШНОР не выявлено.")'),
        new_markdown_cell(
            "## Объективность результатов ВПР\n\n"
            "Признаки необъективности по методике ФИОКО (по данным об учениках из ФИС ОКО): завышенный "
            "средний балл (95 % интервал школы целиком выше интервала региона), несоответствие школьным "
            "отметкам (ранговая корреляция Спирмена ниже нуля), резкий рост или падение результатов одной "
            "параллели от 4 к 5 классу. Признак — повод проверить данные школы, а не вывод о ней."),
        new_code_cell('if ident.objectivity is None:\n'
                      '    display(html.paragraphs(["Данных об учениках (выгрузки ФИС ОКО) для этого региона нет: '
                      'признаки необъективности не вычисляются."]))\n'
                      'else:\n'
                      '    display(html.paragraphs(objectivity_method()))\n'
                      '    display(html.table(ident.objectivity[ident.objectivity["marked"] == 1],\n'
                      '                       ["school_name", "inflated", "marks_mismatch", "sharp_rise", '
                      '"sharp_fall", "signs"],\n'
                      '                       empty="Школ с признаками необъективности нет."))'),
        new_markdown_cell("## Параметры методики"),
        new_code_cell("html.params_table(params)"),
        new_code_cell('if output_dir:\n'
                      '    from qualitylib.batch.excel import write_registry\n'
                      '    saved = write_registry(Path(output_dir) / "registry.xlsx", ident.shnor, ident.risk, '
                      'ident.pairs, params,\n'
                      '                           objectivity=ident.objectivity)\n'
                      '    display(html.paragraphs([f"Реестр сохранён в файл {saved.name}."]))'),
    ]
    return notebook(cells)


def dynamics() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# Динамика образовательных результатов\n\n"
            "Как изменились результаты школ и прежде всего ШНОР: доли низких результатов по годам с "
            "доверительными интервалами, изменение к прошлому году с проверкой значимости, когорта "
            "4 → 5 класс, показатели 2.3.1 и 3.3.3 программы Норильска, разрыв между лучшими и худшими "
            "школами (Чаа-Холь), средний балл ГИА (Элиста)."),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP + '''
from qualitylib.reports.dynamics import build_dynamics
from qualitylib.views import dynamics as texts
from qualitylib.views.labels import assessment_title

d = build_dynamics(region, municipality, year, params, public=public)
titles = {a: assessment_title(a) for a in params["identification"]["assessments"]
          + params["dynamics"]["diagnostics"]}
display(html.title_block(region.name, municipality, year, params))'''),
        explorer_cell("dynamics"),
        new_markdown_cell("## Итоги"),
        new_code_cell("html.paragraphs(texts.summary_sentences(d))"),
        new_markdown_cell(
            "## Как читать изменения\n\n"
            "Изменение доли низких результатов между годами считается **значимым**, если его нельзя "
            "объяснить случайностью при таком числе участников: применяется точный критерий Фишера (когда "
            "в таблице 2×2 ожидаемое число меньше 5) или z-критерий для двух долей. В отчёте проверяются "
            "сотни пар «школа — процедура», и при уровне значимости 5 % примерно каждая двадцатая "
            "оказалась бы «значимой» случайно, даже если ничего не изменилось. Поэтому p-значения всех "
            "проверок отчёта скорректированы на множественность сравнений (поправка Бенджамини — Хохберга, "
            "1995): столбец «q (с поправкой на множественность)». Вывод «значимое улучшение» или «значимое "
            "ухудшение» делается, только если q меньше уровня значимости (`dynamics.alpha`) **и** доля "
            "изменилась не меньше чем на практический порог `dynamics.min_change_pp` (по умолчанию 5 п.п.: "
            "половина федерального правила ВПР, по которому рост доли «2» на 10 п.п. и более — "
            "отрицательная динамика, и больше ±3 п.п., которые California School Dashboard считает "
            "«без изменений»). Остальные проверенные пары — «без значимых изменений». Если в одном из лет "
            "участников меньше минимума (параметр `dynamics.min_participants`), вывод о динамике не "
            "делается — «недостаточно данных». Интервалы на графиках — 95 % доверительные интервалы "
            "Уилсона."),
        new_markdown_cell("## Показатели мониторинга динамики (Норильск 2.3.1 и 3.3.3)"),
        new_code_cell('html.table(texts.indicator_table(d.indicators, year), ["id", "title", "numerator", "denominator",\n'
                      '           "value", "note"])'),
        new_markdown_cell("## Положительная динамика ШНОР: одна проверка на школу"),
        new_code_cell("html.paragraphs([texts.group_test_sentence(params)])"),
        new_code_cell('html.table(texts.group_table(d), ["group_title", "school_name", "procedures", "n_prev", '
                      '"share_prev",\n           "n_now", "share_now", "change_pp", "q_value_title", "verdict_title"],\n'
                      '           empty="ШНОР прошлого года нет.")'),
        new_markdown_cell("## ШНОР: доля низких результатов по годам"),
        new_code_cell("shnor_schools = region.subset(municipality).schools.query('school_id in @d.shnor_ids')\n"
                      "fig = charts.shnor_series(d.series, shnor_schools, params['identification']['assessments'],\n"
                      "                          params['identification']['threshold_pct'], titles)"),
        new_code_cell('html.table(texts.verdict_table(d, assessments=params["identification"]["assessments"]),\n'
                      '           ["school_name", "assessment_title", "n_prev", "share_prev", '
                      '"n_now",\n           "share_now", "change_pp", "p_value", "q_value_title", "method_title",\n           "verdict_title"],\n'
                      '           empty="ШНОР прошлого года нет.")'),
        new_markdown_cell("## Изменение к прошлому году по школам"),
        new_code_cell("panels = {f'{titles[a]}: {year - 1} → {year}': d.changes[d.changes['assessment'] == a]\n"
                      "          for a in ['vpr.math.5', 'vpr.russian.5', 'oge.math.9', 'oge.russian.9']}\n"
                      "fig = charts.slope_charts(panels, year)"),
        new_markdown_cell(
            "## Сетка «уровень × изменение»\n\n"
            "Как в California School Dashboard: уровень — доля низких результатов в этом году "
            "(границы `dynamics.status_cuts`), изменение — разница с прошлым годом в процентных пунктах "
            "(`dynamics.change_cuts`; незначимое изменение считается нулевым). Цвет ячейки — по таблице "
            "`dynamics.grid`: синий, зелёный, жёлтый, оранжевый, красный; в каждой ячейке подписаны доля, "
            "направление и цвет словом."),
        new_code_cell("heatmaps.level_table(d.grid[d.grid['assessment'].isin(params['identification']"
                      "['assessments'])], titles)"),
        new_markdown_cell(
            "## Воронка: доля низких результатов и размер школы\n\n"
            "Чем меньше участников, тем шире случайный разброс доли. Линии — 95 % и 99,8 % пределы вокруг "
            "средней доли муниципалитета; за пределами 99,8 % — отличие, которое вряд ли случайно. "
            "Если школы различаются сильнее, чем объясняет случай (сверхдисперсия), пределы расширены на "
            "межшкольный разброс τ² (метод Шпигельхалтера со случайными эффектами), и под заголовком графика "
            "написано, сделана ли поправка (тогда точные 99,8 % пределы без поправки показаны точками)."),
        new_code_cell("panels = []\n"
                      "for a in ['vpr.math.5', 'oge.math.9']:\n"
                      "    points, curves = d.funnel_with_limits(region, a)\n"
                      "    if len(points):\n"
                      "        panels.append((points, curves, f'{titles[a]}, {year}'))\n"
                      "fig = charts.funnel_charts(panels)"),
        new_markdown_cell(
            "## Разрыв между лучшими и худшими школами (Чаа-Холь)\n\n"
            "Средний балл 10 % школ с наибольшим и 10 % с наименьшим средним баллом ГИА; цель программы — "
            "сокращать разрыв не менее чем на 0,3 балла в год."),
        new_code_cell("gap = texts.gap_table(d.gap)\nfig = charts.gap_chart(gap)"),
        new_code_cell('html.table(gap, ["title", "year", "schools", "top_mean", "bottom_mean", "gap", '
                      '"gap_change", "target_met"],\n           flags={"target_met": "да"})'),
        new_markdown_cell("## Средний балл ГИА: муниципалитет и ШНОР (Элиста)"),
        new_code_cell("fig = charts.mean_trend_chart(d.trends, titles)"),
    ]
    return notebook(cells)


def monitoring() -> nbformat.NotebookNode:
    parameters = PARAMETERS + "\nas_of = None                     # дата состояния дорожной карты (ГГГГ-ММ-ДД); None — 1 сентября года"
    cells = [
        new_markdown_cell(
            "# Аналитическая справка: мониторинг программы\n\n"
            "Показатели программы против целевых значений, изменение к прошлому году, состояние дорожной "
            "карты и адресные рекомендации школам. Все значения вычислены из таблиц региона по формулам "
            "и целевым значениям программы."),
        new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        new_code_cell(SETUP + '''
from qualitylib.batch.excel import write_indicators_workbook
from qualitylib.reports.monitoring import build_monitoring
from qualitylib.views.dynamics import group_test_sentence
from qualitylib.views.monitoring import note_view, school_tests_frame, summary_sentences

m = build_monitoring(region, municipality, year, params, as_of=as_of, public=public)
note = note_view(m)
display(html.title_block(region.name, municipality, year, params))'''),
        explorer_cell("monitoring"),
        new_markdown_cell("## Краткие итоги"),
        new_code_cell("html.paragraphs(summary_sentences(m))"),
        new_code_cell('html.table(note.indicators, ["title", "value", "target", "status_title", "prev_value", "change"],\n'
                      '           status_columns=("status_title",))'),
        new_markdown_cell(
            "## Показатели по группам\n\n"
            "Для каждого показателя — числитель и знаменатель, значение в этом и прошлом году, цель и статус. "
            "В столбце полос серая — прошлый год, под ней — этот год; её цвет повторяет статус, подписанный "
            "словом: выполнен, не выполнен, нет данных."),
        new_code_cell("display(htmlbars.indicator_legend(year))\n"
                      "for _, part in note.indicators.groupby(['group', 'unit'], sort=False):\n"
                      "    display(htmlbars.indicator_table(part, year))"),
        new_code_cell('tests = school_tests_frame(m)  # only for programmes that count a school\'s positive dynamics\n'
                      'if len(tests):\n'
                      '    display(html.heading("Положительная динамика ШНОР: одна проверка на школу"))\n'
                      '    display(html.paragraphs([group_test_sentence(params)]))\n'
                      '    display(html.table(tests, ["title", "school_name", "procedures", "share_prev", "share_now",\n'
                      '                               "change_pp", "q_value_title", "verdict_title"]))'),
        new_markdown_cell("## Дорожная карта"),
        new_code_cell('if m.roadmap is None:\n'
                      '    display(html.paragraphs(["Дорожной карты муниципалитета в данных нет."]))\n'
                      'else:\n'
                      '    display(html.paragraphs([f"Состояние на {m.as_of:%d.%m.%Y}."]))\n'
                      '    display(html.table(m.roadmap_total, ["total", "done", "in_progress", "overdue", '
                      '"not_started",\n'
                      '                       "unparsed_deadline", "done_on_time", "share_done_on_time"]))'),
        new_markdown_cell("### По направлениям и ответственным"),
        new_code_cell('if m.roadmap is not None:\n'
                      '    display(html.table(note.roadmap_by_direction, ["direction", "total", "done", "in_progress", '
                      '"overdue",\n'
                      '                       "not_started", "share_done_on_time"]))\n'
                      '    display(html.table(note.roadmap_by_body, ["responsible", "total", "done", "in_progress", '
                      '"overdue",\n'
                      '                       "not_started", "share_done_on_time"]))'),
        new_markdown_cell("### Просроченные мероприятия и нераспознанные сроки"),
        new_code_cell('if m.roadmap is not None:\n'
                      '    display(html.table(m.overdue, ["item", "measure", "deadline", "responsible"],\n'
                      '                       empty="Просроченных мероприятий нет."))\n'
                      '    unparsed = note.roadmap[note.roadmap["state"] == "unparsed_deadline"]\n'
                      '    display(html.table(unparsed, ["item", "measure", "deadline", "problem"],\n'
                      '                       empty="Все сроки распознаны."))'),
        new_markdown_cell("## Адресные рекомендации"),
        new_code_cell('html.table(note.recommendations, ["school_name", "kind", "reasons", "recommendation"],\n'
                      '           empty="ШНОР и школ в зоне риска нет.")'),
        new_markdown_cell("## Параметры методики"),
        new_code_cell("html.params_table(params)"),
        new_code_cell('if output_dir:\n'
                      '    saved = write_indicators_workbook(Path(output_dir) / "indicators.xlsx", m)\n'
                      '    display(html.paragraphs([f"Показатели сохранены в файл {saved.name}."]))'),
    ]
    return notebook(cells)


def build_notebooks() -> dict[str, nbformat.NotebookNode]:
    """The three workbench notebooks by file name, with stable cell ids, without writing them."""
    out = {}
    for name, build in (("01_identification.ipynb", identification), ("02_dynamics.ipynb", dynamics),
                        ("03_monitoring.ipynb", monitoring)):
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
