"""The tasks table: the data contract, the task catalogue and its import from ФИС ОКО files.

The tiny exports of :func:`tests.data.test_fisoko.make_source` are imported with a small
catalogue (two tasks per work, maxima adding up to the work's maximum) and the sums of
scores are checked against the cells written in the fixture.
"""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from qualitylib.data.catalogue import DEFAULT_CATALOGUE, build_work, read_catalogue, write_catalogue
from qualitylib.data.fisoko import import_fisoko
from qualitylib.data.region import validate_region
from qualitylib.exceptions import ParamsError

from test_fisoko import LATIN_HEADER, RU_HEADER, MATH5_2021, make_source, write_xlsx

CATALOGUE = {"catalogue": {
    2021: {"math.5": {"elements": {"1": "Числа"}, "requirements": {"2": "Вычисления"}, "tasks": [
        {"position": 1, "task": "1", "level": "Б", "max": 10, "skill": "Счёт", "elements": ["1"]},
        {"position": 2, "task": "2.1", "level": "П", "max": 10, "skill": "Задачи", "requirements": ["2"]}]},
           "russian.4": {"tasks": [
               {"position": 1, "task": "1K1", "level": "Б", "max": 19},
               {"position": 2, "task": "1K2", "level": "", "max": 19}]}},
    2020: {"russian.4": {"same_as": 2021, "checked": "проверено"}},
}}


@pytest.fixture
def catalogue_file(tmp_path):
    path = tmp_path / "tasks.yaml"
    path.write_text(yaml.safe_dump(CATALOGUE, allow_unicode=True), encoding="utf-8")
    return path


def _task(tasks: pd.DataFrame, year, school, task) -> dict:
    row = tasks[(tasks.year == year) & (tasks.school_id == school) & (tasks.task.astype(str) == task)]
    assert len(row) == 1
    return row.iloc[0].to_dict()


def test_import_writes_task_sums_by_hand(tmp_path, catalogue_file):
    src = make_source(tmp_path / "src")
    out = tmp_path / "region"
    report = import_fisoko(src, out, catalogue_file=catalogue_file)
    tasks = pd.read_csv(out / "tasks.csv", dtype={"task": str})
    assert list(tasks.columns) == ["year", "school_id", "procedure", "subject", "grade", "task",
                                   "participants", "score_sum", "max_score", "level"]
    # 2021 math 5, sch220001: pupils 1-4 wrote (3+4+7+8, 3+3+7+7); pupil 5 was absent.
    assert _task(tasks, 2021, "sch220001", "1") | {} == {
        "year": 2021, "school_id": "sch220001", "procedure": "vpr", "subject": "math", "grade": 5, "task": "1",
        "participants": 4, "score_sum": 22.0, "max_score": 10, "level": "Б"}
    assert _task(tasks, 2021, "sch220001", "2.1")["score_sum"] == 20.0
    assert _task(tasks, 2021, "sch220002", "2.1")["score_sum"] == 8.0  # 2 + 6
    # 2020 Russian 4 (same_as 2021): pupils 1-3 of sch220001 (pupil 5 missed a part, pupil 6 is above the maximum)
    first = _task(tasks, 2020, "sch220001", "1K1")
    assert (first["participants"], first["score_sum"]) == (3, 29.0)  # 6 + 7 + 16
    assert _task(tasks, 2020, "sch220001", "1K2")["score_sum"] == 31.0  # 7 + 7 + 17
    assert pd.isna(_task(tasks, 2020, "sch220001", "1K2")["level"])
    assert report.tasks_rows == len(tasks) == 2 * 3 + 2 * 2
    region, problems = validate_region(out)
    assert region is not None and len(region.tasks) == len(tasks)
    assert set(region.tasks["level"].dropna()) == {"basic", "advanced"}


def test_import_tokens_count_as_zero_and_mismatches_are_refused(tmp_path, catalogue_file):
    src = tmp_path / "src"
    write_xlsx(src / "2021" / "5" / MATH5_2021, {"Sheet": [
        RU_HEADER,
        ["sch220001", "М", "1", "50001", "4", "м", "а", "1", "5", "X", "5", ""],
        ["sch220001", "М", "2", "50002", "4", "м", "а", "1", "12", "12", "не пройд.", ""],
    ]})
    # 2020: a third column filled for every participant: the catalogue (two tasks) does not fit
    header = LATIN_HEADER[:12] + ["a-3-grade"]
    write_xlsx(src / "2020" / "4" / "Русский язык.xlsx", {"Sheet1": [
        header, ["g", "sch220001", 1.0, 1.0, "3", "м", "а", "1", "1", 15.0, "5", "5", "5"]]})
    out = tmp_path / "region"
    report = import_fisoko(src, out, catalogue_file=catalogue_file)
    tasks = pd.read_csv(out / "tasks.csv", dtype={"task": str})
    assert set(tasks["year"]) == {2021}
    assert _task(tasks, 2021, "sch220001", "1")["score_sum"] == 10.0  # X → 0, 12 above the maximum → 10
    assert _task(tasks, 2021, "sch220001", "2.1")["score_sum"] == 5.0  # «не пройд.» → 0
    problems = "\n".join(report.problems)
    assert "балл за задание выше максимального по каталогу в 1 ячейках — засчитан максимальный балл" in problems
    assert "«2020/4/Русский язык.xlsx»: столбцы баллов за задания не совпадают с каталогом" in problems
    assert "следующий столбец — у 100%" in problems


def test_catalogue_reads_levels_and_same_as(catalogue_file):
    cat = read_catalogue(catalogue_file)
    work = cat.work(2020, "russian", 4)
    assert work["task"].tolist() == ["1K1", "1K2"] and work["level"].tolist() == ["basic", "unknown"]
    assert cat.notes[(2020, "russian.4")] == "проверено"
    codes = cat.codes[cat.codes["year"] == 2021]
    assert codes[["task", "kind", "code", "title"]].values.tolist() == [
        ["1", "element", "1", "Числа"], ["2.1", "requirement", "2", "Вычисления"]]


def test_catalogue_errors_in_russian(tmp_path):
    bad = {"catalogue": {2021: {"math.5": {"tasks": [{"position": 2, "task": "", "level": "Z", "max": 0}]},
                                "химия": {"tasks": []}},
                         2020: {"math.5": {"same_as": 2019}}}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        read_catalogue(path)
    text = str(exc.value)
    for part in ("position должен быть 1", "нет номера задания", "уровень «Z» — ожидалось Б, П, В",
                 "max — ожидалось целое число от 1 до 100", "ожидалась работа вида math.5",
                 "same_as: 2019 — в каталоге нет описания"):
        assert part in text


def test_build_from_description_tables(tmp_path):
    folder = tmp_path / "5" / "Математика"
    write_xlsx(folder / "ALL.xlsx", {"Лист1": [
        ["№ КИМ", "№", "Умения, виды деятельности", "Блоки ПООП", "Уровень сложности", "Код КЭС", "Код КТ",
         "Максимальный балл за выполнение задания"],
        [1.0, 1.0, "Умение счи- тать", "Блок", "Б", 1.0, "2.1", 1.0],
        [1.0, 1.0, "Умение счи- тать", "Блок", "Б", 1.0, "2.2", 1.0],
        ["1К2", "2", "Задачи", "Блок", "П", "", "", "2"],
    ]})
    write_xlsx(folder / "KS.xlsx", {"Лист1": [["Код", "Элементы"], [1.0, "Числа"]]})
    write_xlsx(folder / "KT.xlsx", {"Лист1": [["Код", "Требования"], ["2.1", "Считать"], ["2.2", "Решать"]]})
    entry = build_work(folder)
    assert entry["tasks"][0] | {} == {"position": 1, "task": "1", "level": "Б", "max": 1, "skill": "Умение считать",
                                      "block": "Блок", "elements": ["1"], "requirements": ["2.1", "2.2"]}
    assert entry["tasks"][1]["task"] == "1K2" and entry["tasks"][1]["level"] == "П"
    assert entry["requirements"] == {"2.1": "Считать", "2.2": "Решать"}
    out = write_catalogue({"math.5": entry}, 2021, tmp_path / "cat.yaml")
    assert read_catalogue(out).work(2021, "math", 5)["max_score"].tolist() == [1, 2]


def test_shipped_catalogue_fits_the_scales():
    """Every work of the shipped catalogue adds up to its stated maximum and to the maximum of its scale.

    The description table of math 8 (2021) gives maxima adding up to 28 against the work's 25; the
    catalogue carries the corrections of ``params/tasks/corrections.yaml`` (tasks 3, 4, 5 and 15).
    """
    from qualitylib.data.fisoko import read_scales

    cat = read_catalogue(DEFAULT_CATALOGUE)
    scales = read_scales()
    totals = cat.tasks.groupby(["year", "subject", "grade"])["max_score"].sum()
    wrong = [key for key, total in totals.items() if scales[key[0]][f"{key[1]}.{key[2]}"]["max"] != total]
    assert wrong == []
    raw = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))["catalogue"]
    for year, works in raw.items():
        for work, entry in works.items():
            entry = raw[entry["same_as"]][work] if "same_as" in entry else entry
            assert entry["max"] == sum(t["max"] for t in entry["tasks"]), (year, work)
    assert cat.work(2021, "math", 8)["max_score"].tolist() == [1, 1, 1, 1, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1,
                                                                1, 2, 2]
    assert "задания 3, 4 и 5" in cat.notes[(2021, "math.8")]
    assert len(cat.work(2021, "russian", 4)) == 20 and len(cat.work(2020, "math", 8)) == 0


def test_catalogue_refuses_maxima_not_adding_up_to_the_work(tmp_path):
    bad = {"catalogue": {2021: {"math.5": {"max": 25, "tasks": [
        {"position": 1, "task": "1", "level": "Б", "max": 20}, {"position": 2, "task": "2", "level": "Б", "max": 8}]}}}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        read_catalogue(path)
    assert "в сумме 28, а максимум работы (max) — 25" in str(exc.value)


def _description(folder, maxima):
    write_xlsx(folder / "ALL.xlsx", {"Лист1": [
        ["№ КИМ", "№", "Умения", "Блоки", "Уровень сложности", "Код КЭС", "Код КТ", "Максимальный балл"],
        *[[str(i), i, "Умение", "Блок", "Б", "", "", top] for i, top in enumerate(maxima, start=1)]]})


def test_build_year_applies_corrections_and_checks_the_work_maximum(tmp_path):
    from qualitylib.data.catalogue import build_year, read_corrections

    _description(tmp_path / "src" / "8" / "Математика", [1, 3, 2])  # adds up to 6, the work's maximum is 4
    with pytest.raises(ParamsError) as exc:
        build_year(tmp_path / "src", maxima={"math.8": 4})
    assert "в сумме 6, а максимум работы по шкале — 4" in str(exc.value)
    fixes = tmp_path / "fix.yaml"
    fixes.write_text(yaml.safe_dump({"corrections": {2021: {"math.8": {
        "reason": "В выгрузке за задания 2 и 3 не больше 1 балла.", "tasks": {"2": {"max": 1}, "3": {"max": 2}}}}}},
        allow_unicode=True), encoding="utf-8")
    works = build_year(tmp_path / "src", corrections=read_corrections(fixes)[2021], maxima={"math.8": 4})
    entry = works["math.8"]
    assert [t["max"] for t in entry["tasks"]] == [1, 1, 2] and entry["max"] == 4
    assert entry["corrected"].endswith("(2: 3 → 1).")  # task 3 already had 2
    out = write_catalogue(works, 2021, tmp_path / "cat.yaml")
    cat = read_catalogue(out)
    assert cat.work(2021, "math", 8)["max_score"].sum() == 4
    assert "не больше 1 балла" in cat.notes[(2021, "math.8")]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"corrections": {2021: {"math.8": {"tasks": {"2": {"max": 0}}}}}}), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        read_corrections(bad)
    assert "нет причины исправления" in str(exc.value) and "max — ожидалось целое число" in str(exc.value)
