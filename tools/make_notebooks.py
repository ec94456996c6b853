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
output_dir = None                # куда сохранить Excel; None — не сохранять
public = False                   # публичный режим: малые группы скрываются'''

SETUP = '''from pathlib import Path

from IPython.display import display

from qualitylib import load_region
from qualitylib import charts, html
from qualitylib.params import find_municipality_params, load_params

charts.apply_style()
region = load_region(data_dir)
params = load_params(params_file or find_municipality_params(municipality))'''


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
from qualitylib.report import build_identification, summary_sentences

ident = build_identification(region, municipality, year, params, public=public)
display(html.title_block(region.name, municipality, year, params))'''),
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
        new_code_cell("fig = charts.fail_share_heatmap(ident.matrix, params['identification']['threshold_pct'],\n"
                      "                              small=ident.small, hidden=ident.hidden)"),
        new_markdown_cell(
            "## Школы в зоне риска снижения образовательных результатов\n\n"
            "Области риска (Норильск, 3.2): 1 — материальная база (хотя бы одно «нет»); 2 — кадры "
            "(нагрузка 36 ч и более у > 10 % учителей или учителя без профильного диплома > 0 %); "
            "3 — контингент (сумма долей на учёте, с ОВЗ, инофонов, пропускающих > 10 %); 4 — результаты "
            "(доля «2» ≥ 20 % в двух из ВПР 4.1–4.4 или неуспевающих > 10 %)."),
        new_code_cell("fig = charts.risk_area_bars(ident.risk)"),
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
                      '"fail_share",\n'
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
        new_markdown_cell("## Параметры методики"),
        new_code_cell("html.params_table(params)"),
        new_code_cell('if output_dir:\n'
                      '    from qualitylib.excel import write_registry\n'
                      '    saved = write_registry(Path(output_dir) / "registry.xlsx", ident.shnor, ident.risk, '
                      'ident.pairs, params)\n'
                      '    display(html.paragraphs([f"Реестр сохранён в файл {saved.name}."]))'),
    ]
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, build in (("01_identification.ipynb", identification),):
        nb = build()
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{i:02d}"
        nbformat.write(nb, HERE / name)
        print("written", HERE / name)


if __name__ == "__main__":
    main()
