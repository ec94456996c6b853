"""Write data/README.md (Russian) from the data contract in qualitylib/schema.py."""
from pathlib import Path

from qualitylib.data.schema import LOCALITIES, PROCEDURES, SUBJECTS, TABLES

KIND_TEXT = {
    "id": "текст (код)", "text": "текст", "int": "целое ≥ 0", "year": "год (целое)",
    "float": "число ≥ 0", "pct": "процент 0–100", "flag": "1 / 0 (да / нет)", "code": "код из списка",
}

INTRO = """# Данные: контракт таблиц региона

> Этот файл создаётся командой `python tools/make_data_readme.py` из `qualitylib/data/schema.py`;
> правьте схему, а не файл.

Регион — это папка с таблицами. Каждая таблица — файл CSV (UTF-8 или Windows-1251, разделитель
`,` или `;` определяется автоматически; десятичная запятая допускается) или XLSX (берётся лист с
именем таблицы, иначе первый лист). Имя файла — код таблицы или его русское название:
`schools.csv` или `школы.xlsx`. Первая строка — заголовок: канонические имена столбцов
(snake_case) или русские заголовки из таблиц ниже (регистр и лишние пробелы не важны).
Необязательный файл `region.yaml` задаёт название региона (`name: ...`).

Проверка: `python -m qualitylib validate ПАПКА` выводит **все** ошибки сразу: файл, лист, номер
строки, как в Excel (заголовок — строка 1), столбец, значение и что ожидалось. При ошибках ничего
не записывается.

## Образец: `data/sample/` — данные синтетические

Папка `data/sample/` — **вымышленный** регион, созданный командой
`python -m qualitylib sample data/sample --seed 2026` (одинаковое зерно — одинаковые файлы).
Названия муниципалитетов взяты из пяти программ (Норильск, Элиста, Полысаево, Кавказский район,
Чаа-Хольский кожуун) и добавлен крупный город (Красноярск), но школы, результаты и контекст
сгенерированы и не описывают реальные школы; состав образца (муниципалитеты, школы, их типы и
размеры) описан в `qualitylib/batch/sample.yaml`. Настоящие в образце только тексты дорожных
карт всех пяти программ (перенесены из программ в `params/roadmaps/`: Полысаево — 26 пунктов,
Элиста — 19, Норильск — меры раздела 4.5 (7) и план на 2023 год (25), Чаа-Хольский кожуун — 18);
их статусы выполнения вымышлены. Программа Кавказского района упоминает «дорожную карту», но не
приводит её.

## Коды

- Процедуры (`procedure`): {procedures}.
- Предметы (`subject`): {subjects}; допускаются и другие коды предметов.
- Оценочная процедура в параметрах записывается как `процедура.предмет.класс`,
  например `vpr.math.5`, `oge.russian.9`, `ege.math_profile.11`.
- Тип местности (`locality`): {localities}.
- Год — календарный год проведения процедуры: 2023/24 учебный год — 2024.
"""


def table_section(table) -> str:
    lines = [f"## Таблица `{table.name}` — {table.title}" + ("" if table.required else " (необязательная)"), "",
             table.description, "", f"Ключ (строки не повторяются): `{'`, `'.join(table.key)}`.", "",
             "| столбец | русский заголовок | тип | обяз. | описание |", "|---|---|---|---|---|"]
    for col in table.columns:
        kind = KIND_TEXT[col.kind]
        if col.kind == "code":
            kind += ": " + ", ".join(sorted(set(col.allowed.values())))
        if col.min_value is not None:
            kind += f", от {col.min_value:g} до {col.max_value:g}"
        desc = col.description.replace("|", "/")
        lines.append(f"| `{col.name}` | {col.title} | {kind} | {'да' if col.required else 'нет'} | {desc} |")
    if table.extra_numeric:
        lines += ["", "Прочие столбцы с именами в snake_case принимаются как неотрицательные числа."]
    return "\n".join(lines)


EXAMPLES = """## Пример

`schools.csv`:

```
school_id,school_name,municipality,locality,pupils_total
S03005,МБОУ «Основная общеобразовательная школа № 35»,Полысаево,город,228
```

`results.csv` (строки образца; то же с русскими заголовками в Windows-1251 через `;` тоже допустимо):

```
year,school_id,procedure,subject,grade,participants,low_count,mark3,mark4,mark5,mean_score,max_score
2026,S03005,oge,russian,9,29,6,20,3,0,17.8,26.0
2026,S03005,vpr,math,5,27,4,20,3,0,8.3,13.0
```

`context.csv`:

```
year,school_id,internet,computers,lab_physics,lab_chemistry,lab_biology,lab_geography,lab_technology,teachers_overload_pct,teachers_unqualified_pct,pupils_registered_pct,pupils_disabled_pct,pupils_nonnative_pct,pupils_absentee_pct,pupils_failing_pct
2026,S03005,1,1,0,1,1,1,1,12.5,0,3.1,2.4,0,1.2,4.0
```

## Что проверяется

Отсутствующие обязательные столбцы и таблицы; типы (целое, число, процент, 1/0, код); пустые
обязательные ячейки; отрицательные числа; `low_count > participants`; сумма отметок «2»–«5», не
равная числу участников; проценты вне 0–100; класс, в котором процедура не проводится (ОГЭ — 9,
ЕГЭ — 11); код школы, которого нет в `schools`; повтор ключа (с номером первой строки); год в
будущем; пустой файл; файл, который не является таблицей; строка с другим числом полей.
Неизвестные столбцы — предупреждение.
"""


def render() -> str:
    parts = [INTRO.format(
        procedures=", ".join(f"`{k}` ({v})" for k, v in PROCEDURES.items()),
        subjects=", ".join(f"`{k}` ({v})" for k, v in SUBJECTS.items()),
        localities=", ".join(sorted(set(LOCALITIES.values()))))]
    parts += [table_section(t) for t in TABLES.values()]
    parts.append(EXAMPLES)
    return "\n\n".join(parts)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "data" / "README.md"
    target.write_text(render(), encoding="utf-8")
    print("written", target)
