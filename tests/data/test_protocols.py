"""Pupil-level protocols aggregated into results by the federal rule (:mod:`qualitylib.data.protocols`)."""
from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pytest

from qualitylib.batch.cli import main
from qualitylib.data.protocols import import_protocols, load_mapping
from qualitylib.exceptions import DataValidationError, ParamsError

EGE_HEADER = ["Код ОО", "ФИО", "Предмет", "Тестовый балл", "Минимальный балл преодолён", "Пересдача",
              "Категория участника"]
EGE_ROWS = [
    ["S1", "А.", "Русский язык", 70, "да", "нет", "ВТГ"],
    ["S1", "Б.", "Русский язык", 20, "нет", "нет", "ВТГ"],
    ["S1", "Б.", "Русский язык", 40, "да", "да", "ВТГ"],        # the retake of Б.: not counted
    ["S1", "В.", "Русский язык", 90, "да", "нет", "ВПЛ"],       # a graduate of an earlier year
    ["S1", "Г.", "Русский язык", "неявка", None, "нет", "ВТГ"],  # absent
    ["S2", "Д.", "Математика профильная", 27, "да", "нет", "ВТГ"],
]


def _book(path, header, rows, title="Протокол результатов ЕГЭ, основной период"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _mapping(name, year=2026):
    return dataclasses.replace(load_mapping(name), year=year)


def test_ege_protocol_before_retakes_and_current_year_graduates_only(tmp_path):
    path = _book(tmp_path / "ЕГЭ РЦОИ.xlsx", EGE_HEADER, EGE_ROWS)
    imported = import_protocols([path], _mapping("ege-rcoi"))
    assert (imported.read, imported.retakes, imported.other_categories, imported.absent) == (6, 1, 1, 1)
    res = imported.results.set_index(["school_id", "subject"])
    russian = res.loc[("S1", "russian")]
    # Б. failed in the main period; the passed retake does not replace it: 1 low of 2
    assert (russian["year"], russian["procedure"], russian["grade"]) == (2026, "ege", 11)
    assert (russian["participants"], russian["low_count"]) == (2, 1)
    assert (russian["mean_score"], russian["max_score"]) == (45.0, 70.0)
    maths = res.loc[("S2", "math_profile")]
    assert (maths["participants"], maths["low_count"]) == (1, 0)


def test_oge_statement_with_marks(tmp_path):
    header = ["Логин ОО", "Класс", "Предмет", "Первичный балл", "Отметка", "Повторное участие"]
    rows = [["S1", 9, "Математика", 5, 2, None], ["S1", 9, "Математика", 10, 3, None],
            ["S1", 9, "Математика", 20, 4, None], ["S1", 9, "Математика", 28, 5, None],
            ["S1", 9, "Математика", 12, 3, "да"], ["S1", 9, "Математика", "н/я", "н/я", None]]
    path = tmp_path / "огэ.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, sep=";", index=False)
    imported = import_protocols([path], _mapping("oge-rcoi"))
    [row] = imported.results.to_dict("records")
    assert (row["participants"], row["low_count"], row["mark3"], row["mark4"], row["mark5"]) == (4, 1, 1, 1, 1)
    assert row["mean_score"] == pytest.approx((5 + 10 + 20 + 28) / 4, abs=0.01)
    assert (imported.retakes, imported.absent) == (1, 1)


def test_score_under_the_subjects_minimum_is_low(tmp_path):
    mapping = tmp_path / "диагностика.yaml"
    mapping.write_text("title: Региональная диагностика\nprocedure: vpr\ngrade: 7\ncolumns:\n  school: ОО\n"
                       "  subject: Предмет\n  score: Балл\nthresholds: {math: 6}\n", encoding="utf-8")
    path = _book(tmp_path / "diag.xlsx", ["ОО", "Предмет", "Балл"],
                 [["S1", "математика", 5], ["S1", "математика", 6], ["S1", "математика", 9]], title="Диагностика")
    imported = import_protocols([path], _mapping(mapping, 2025))
    [row] = imported.results.to_dict("records")
    assert (row["year"], row["grade"], row["participants"], row["low_count"]) == (2025, 7, 3, 1)


def test_messages_name_the_file_row_and_column(tmp_path):
    rows = [list(r) for r in EGE_ROWS]
    rows[1][2] = "Астрология"
    rows[5][3] = "сорок"
    path = _book(tmp_path / "ЕГЭ.xlsx", EGE_HEADER, rows)
    with pytest.raises(DataValidationError) as info:
        import_protocols([path], _mapping("ege-rcoi"))
    found = [(p.file, p.row, p.column, p.value) for p in info.value.problems if p.severity == "error"]
    assert found == [("ЕГЭ.xlsx", 4, "Предмет", "Астрология"), ("ЕГЭ.xlsx", 8, "Тестовый балл", "сорок")]


def test_a_protocol_without_a_mapped_column(tmp_path):
    path = _book(tmp_path / "ЕГЭ.xlsx", EGE_HEADER[:-1], [r[:-1] for r in EGE_ROWS])
    with pytest.raises(DataValidationError) as info:
        import_protocols([path], _mapping("ege-rcoi"))
    [problem] = info.value.problems
    assert problem.message.startswith("нет столбца «Категория участника» (категория участника)")


def test_a_mapping_that_cannot_tell_a_low_result(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("procedure: ege\ncolumns: {school: ОО, subject: Предмет, score: Балл}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="по одному баллу низкий результат не определить"):
        load_mapping(mapping)


def test_import_pupils_command_adds_to_the_region_results(tmp_path, capsys):
    path = _book(tmp_path / "ЕГЭ.xlsx", EGE_HEADER, EGE_ROWS)
    region = tmp_path / "region"
    assert main(["import-pupils", str(path), "--mapping", "ege-rcoi", "--year", "2026", "--out", str(region)]) == 0
    out = capsys.readouterr().out
    assert "пересдачи — 1, не выпускники текущего года — 1, неявки — 1. Строк результатов — 2" in out
    written = pd.read_csv(region / "results.csv")
    assert written[["school_id", "participants", "low_count"]].values.tolist() == [["S1", 2, 1], ["S2", 1, 0]]
    # imported again: the same rows are replaced, not repeated
    assert main(["import-pupils", str(path), "--mapping", "ege-rcoi", "--year", "2026", "--out", str(region)]) == 0
    assert len(pd.read_csv(region / "results.csv")) == 2
