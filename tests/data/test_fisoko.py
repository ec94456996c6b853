"""Tests of the ФИС ОКО importer (:mod:`qualitylib.data.fisoko`).

Tiny exports in both formats are written with openpyxl into ``tmp_path`` by
:func:`make_source`: four schools, absentees, «нет отметки», a pupil who missed one of
the two parts of the 2020 Russian work, a score above the maximum, logins with the
``sch`` prefix (results, logins.xlsx) and ``edu`` (context form), and one file whose name
names no subject. One more test imports the real region when the shared data are
present (``../shared/real/altai-vpr`` beside the repository, or ``QUALITYLIB_REAL_DATA``).
"""
from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from qualitylib.data import fisoko
from qualitylib.data.fisoko import (DEFAULT_SCALES, NO_MUNICIPALITY, FisOkoError, ScalesError, WorkFile,
                               import_fisoko, marks_from_scores, read_scales, work_from_path)
from qualitylib.data.region import load_region, validate_region

REPO = Path(__file__).resolve().parents[2]
REAL_DATA = Path(os.environ.get("QUALITYLIB_REAL_DATA", REPO.parent / "shared" / "real" / "altai-vpr"))

RU_HEADER = ["логин школы", "регион", "номер обучающегося", "код обучающегося",
             "отметка за предыдущую четверть/триместр", "пол", "класс", "вариант", "всего баллов",
             "балл за 1", "балл за 2", "Учебник"]
LATIN_HEADER = ["groups", "user", "id", "code", "otc", "gender", "klass", "var-1", "var-2", "sum",
                "a-1-grade", "a-2-grade", "Учебник"]
MATH5_2021 = "Проведение работы по математике, 5 класс. ВПР 2021.xlsx"
CONTEXT_FORM = "Сбор контекстных данных об ОО (2022).xlsx"
LOCATION_Q = "14. Где расположена образовательная организация?"
PUPILS_Q = ("20. Укажите количество обучающихся в ОО в 2021/2022 учебном году "
            "(в сумме по всем классам/курсам)")


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Write ``{sheet: rows}`` (first row = header) as an xlsx file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def make_source(root: Path) -> Path:
    """A tiny ФИС ОКО folder: two work files (one per format), logins, context form, a bad name."""
    muni_a = "Алейский муниципальный район"
    # 2021, Russian headers; math 5 scale 6/10/14, max 20.
    write_xlsx(root / "2021" / "5" / MATH5_2021, {"Sheet": [
        RU_HEADER,
        ["sch220001", muni_a, "1", "50001", "4", "м", "5а", "1", "6", "3", "3", ""],
        ["sch220001", muni_a, "2", "50002", "нет отметки", "ж", "А", "2", "7", "4", "3", ""],
        ["sch220001", muni_a, "3", "50003", "5", "ж", "нет", "1", "14", "7", "7", ""],
        ["sch220001", muni_a, "4", "50004", "", "м", "а", "2", "15", "8", "7", ""],
        ["sch220001", muni_a, "5", "50005", "", "", "", "отсутствовал", "", "", "", ""],
        ["sch220002", muni_a, "1", "50001", "3", "м", "б", "1", "3", "1", "2", ""],
        ["sch220002", muni_a, "2", "50002", "ж", "ж", "б", "1", "11", "5", "6", ""],
        ["sch220003", "Заречный муниципальный район", "1", "50001", "3", "м", "", "1", "10", "5", "5", ""],
    ]})
    # 2020, Latin headers, written in autumn by grade-5 pupils: the grade-4 Russian work
    # (scale 13/23/32, max 38) of two parts (var-1, var-2).
    groups = "22-RU-ALT,EAST,VPR_22"
    write_xlsx(root / "2020" / "4" / "Русский язык.xlsx", {"Sheet1": [
        LATIN_HEADER,
        [groups, "sch220001", 1.0, 50001.0, "3", "м", "а", "1", "1", 13.0, "6", "7", ""],
        [groups, "sch220001", 2.0, 50002.0, "4", "ж", "а", "2", "2", 14.0, "7", "7", ""],
        [groups, "sch220001", 3.0, 50003.0, "5", "ж", "б", "1", "", 33.0, "16", "17", ""],
        [groups, "sch220001", 4.0, 50004.0, "", "", "", "отсутствовал", "отсутствовал", "", "", "", ""],
        [groups, "sch220001", 5.0, 50005.0, "3", "м", "б", "отсутствовал", "1", 10.0, "", "10", ""],
        [groups, "sch220001", 6.0, 50006.0, "5", "м", "б", "1", "2", 40.0, "20", "20", ""],
        [groups, "sch220004", 1.0, 50001.0, "нет отметки", "м", "нет", "2", "1", 20.0, "10", "10", ""],
    ]})
    write_xlsx(root / "2021" / "6" / "Отчёт.xlsx", {"Sheet": [RU_HEADER]})
    write_xlsx(root / "logins.xlsx", {"Лист1": [
        ["логин", "имя", "регион"],
        ["sch220001", "МБОУ СОШ №1", "Алейский район"],
        ["sch220009", "МБОУ СОШ №9", "г. Алейск"],
    ]})
    head = ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа"]
    write_xlsx(root / CONTEXT_FORM, {
        "Общая информация об ОО": [
            head + [LOCATION_Q],
            ["edu220001", 22, "reg220000 | Алтайский край", f"reg22_m001 | {muni_a}",
             "edu220001 | МБОУ «СОШ №1»", "4) Населенный пункт сельского типа (поселок, село)"],
            ["edu220002", 22, "reg220000 | Алтайский край", f"reg22_m001 | {muni_a}",
             "edu220002 | МБОУ «СОШ №2»", "2) Город"],
        ],
        "ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО": [
            head + [PUPILS_Q],
            ["edu220001", 22, "reg220000 | Алтайский край", f"reg22_m001 | {muni_a}", "edu220001 | …", 300],
            ["edu220002", 22, "reg220000 | Алтайский край", f"reg22_m001 | {muni_a}", "edu220002 | …", 120.0],
        ],
    })
    return root


@pytest.fixture
def imported(tmp_path):
    src = make_source(tmp_path / "src")
    out = tmp_path / "region"
    report = import_fisoko(src, out)
    return src, out, report


def _result(out: Path, year: int, school: str, subject: str, grade: int) -> dict:
    results = pd.read_csv(out / "results.csv")
    row = results[(results.year == year) & (results.school_id == school) & (results.subject == subject)
                  & (results.grade == grade)]
    assert len(row) == 1
    return row.iloc[0].to_dict()


# --------------------------------------------------------------------------- scales

def test_default_scales_match_the_readme():
    scales = read_scales()
    assert DEFAULT_SCALES.is_file()
    assert set(scales) == {2020, 2021}
    for year in (2020, 2021):
        assert scales[year]["math.5"] == {"mark2": 6, "mark3": 10, "mark4": 14, "max": 20}
        assert scales[year]["russian.8"] == {"mark2": 25, "mark3": 31, "mark4": 44, "max": 51}
        assert scales[year]["math.6"]["max"] == 16
        assert len(scales[year]) == 8


def test_scales_errors_are_listed_in_russian(tmp_path):
    bad = tmp_path / "vpr.yaml"
    bad.write_text(yaml.safe_dump({"scales": {2021: {
        "history.5": {"mark2": 1, "mark3": 2, "mark4": 3, "max": 4},
        "math.5": {"mark2": 10, "mark3": 6, "mark4": 14, "max": 20},
        "russian.4": {"mark2": 13, "mark3": 23, "max": 38},
    }}}), encoding="utf-8")
    with pytest.raises(ScalesError) as exc:
        read_scales(bad)
    text = str(exc.value)
    assert "history.5: неизвестная работа" in text
    assert "границы отметок должны возрастать" in text and "10, 6, 14, 20" in text
    assert "russian.4 → mark4: ожидалось целое число" in text
    with pytest.raises(ScalesError, match="файл шкал не найден"):
        read_scales(tmp_path / "нет.yaml")


def test_marks_from_scale_by_hand():
    # math 5: «2» up to 6, «3» up to 10, «4» up to 14, «5» above.
    assert marks_from_scores([0, 6, 7, 10, 11, 14, 15, 20], 6, 10, 14).tolist() == [2, 2, 3, 3, 4, 4, 5, 5]
    assert pd.isna(marks_from_scores([float("nan")], 6, 10, 14)[0])


# --------------------------------------------------------------------------- file names

@pytest.mark.parametrize("path, expected", [
    ("2021/5/Проведение работы по математике, 5 класс. ВПР 2021.xlsx", WorkFile(2021, "math", 5)),
    ("2021/8/Проведение работы по русскому языку, 8 класс. ВПР 2021.xlsx", WorkFile(2021, "russian", 8)),
    ("2020/4/Русский язык.xlsx", WorkFile(2020, "russian", 4)),
    ("2020/6/Математика.xlsx", WorkFile(2020, "math", 6)),
    ("выгрузки/2020/4/Математика.xlsx", WorkFile(2020, "math", 4)),
    ("Проведение работы по математике, 6 класс. ВПР 2021.xlsx", WorkFile(2021, "math", 6)),
])
def test_work_from_path(path, expected):
    assert work_from_path(path) == expected
    assert expected.work == f"{expected.subject}.{expected.grade}"


@pytest.mark.parametrize("path, message", [
    ("2021/6/Отчёт.xlsx", "не удалось определить предмет по имени файла; ожидалось «Математика» или "
                          "«Русский язык» в имени"),
    ("2021/Математика.xlsx", "не удалось определить класс"),
    ("5/Математика.xlsx", "не удалось определить год"),
    ("2021/5/Проведение работы по математике, 6 класс. ВПР 2021.xlsx", "не совпадает с папкой «5»"),
    ("2020/9/Математика.xlsx", "ВПР проводится в классах"),
])
def test_work_from_path_errors(path, message):
    with pytest.raises(ValueError, match=message):
        work_from_path(path)


# --------------------------------------------------------------------------- import

def test_import_results_marks_and_absentees(imported):
    src, out, report = imported
    assert sorted(report.files) == ["2020/4/Русский язык.xlsx", f"2021/5/{MATH5_2021}"]
    assert report.rows == {"2020/4/Русский язык.xlsx": 7, f"2021/5/{MATH5_2021}": 8}
    # Scores 6, 7, 14, 15 → «2», «3», «4», «5»; the absentee is not a participant.
    row = _result(out, 2021, "sch220001", "math", 5)
    assert row["procedure"] == "vpr"
    assert (row["participants"], row["low_count"], row["mark3"], row["mark4"], row["mark5"]) == (4, 1, 1, 1, 1)
    assert row["mean_score"] == pytest.approx(10.5) and row["max_score"] == 15
    row = _result(out, 2021, "sch220002", "math", 5)
    assert (row["participants"], row["low_count"], row["mark4"]) == (2, 1, 1)
    # 2020: the folder «4» holds the grade-4 work (written by grade-5 pupils) → grade 4.
    # 13 → «2», 14 → «3», 33 → «5»; absent, one part missed and a score above 38 are excluded.
    row = _result(out, 2020, "sch220001", "russian", 4)
    assert (row["participants"], row["low_count"], row["mark3"], row["mark4"], row["mark5"]) == (3, 1, 1, 0, 1)
    assert report.participants == {"2020 russian.4": 4, "2021 math.5": 7}
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns) == fisoko.RESULTS.column_names
    assert (results[["low_count", "mark3", "mark4", "mark5"]].sum(axis=1) == results.participants).all()


def test_import_pupils_table(imported):
    _, out, _ = imported
    pupils = pd.read_parquet(out / "pupils" / "vpr.parquet")
    assert list(pupils.columns) == list(fisoko.PUPIL_COLUMNS)
    math5 = pupils[(pupils.work == "math.5") & (pupils.school_id == "sch220001")].set_index("pupil_code")
    assert math5["mark"].tolist()[:4] == [2, 3, 4, 5]
    assert pd.isna(math5.loc["50002", "school_mark"])  # «нет отметки»
    assert pd.isna(math5.loc["50004", "school_mark"])  # empty cell
    assert math5.loc["50001", "school_mark"] == 4
    assert math5.loc["50001", "class_letter"] == "а"  # «5а» → «а»
    assert pd.isna(math5.loc["50003", "class_letter"])  # «нет»
    assert bool(math5.loc["50005", "absent"]) and not bool(math5.loc["50005", "participant"])
    assert pd.isna(math5.loc["50005", "mark"])
    ru4 = pupils[(pupils.work == "russian.4") & (pupils.school_id == "sch220001")].set_index("pupil_code")
    assert ru4.index.tolist() == ["50001", "50002", "50003", "50004", "50005", "50006"]  # 50001.0 → «50001»
    assert (ru4["year"] == 2020).all() and (ru4["grade"] == 4).all()
    assert bool(ru4.loc["50005", "absent"])  # absent from part 1, score of part 2 only
    assert not bool(ru4.loc["50006", "participant"]) and ru4.loc["50006", "score"] == 40  # above max 38
    # «ж» in the school-mark column is not a mark
    other = pupils[(pupils.work == "math.5") & (pupils.school_id == "sch220002")].set_index("pupil_code")
    assert pd.isna(other.loc["50002", "school_mark"])


def test_import_schools_from_all_sources(imported):
    _, out, report = imported
    schools = pd.read_csv(out / "schools.csv", dtype={"pupils_total": "Int64"}).set_index("school_id")
    assert list(schools.reset_index().columns) == list(fisoko.SCHOOL_FACTS)
    assert schools.index.tolist() == ["sch220001", "sch220002", "sch220003", "sch220004"]
    # logins.xlsx first; the context form (edu prefix) for a login missing there, its municipality
    # translated to the spelling of logins.xlsx through the school both know.
    assert schools.loc["sch220001", "school_name"] == "МБОУ СОШ №1"
    assert schools.loc["sch220001", "municipality"] == "Алейский район"
    assert schools.loc["sch220002", "school_name"] == "МБОУ «СОШ №2»"
    assert schools.loc["sch220002", "municipality"] == "Алейский район"
    # the municipality column of the 2021 file, when neither logins nor the form know the school
    assert schools.loc["sch220003", "municipality"] == "Заречный муниципальный район"
    assert schools.loc["sch220003", "school_name"] == "sch220003"
    assert schools.loc["sch220004", "municipality"] == NO_MUNICIPALITY
    assert report.schools_without_municipality == ["sch220004"]
    assert schools.loc["sch220001", "locality"] == "село" and schools.loc["sch220002", "locality"] == "город"
    assert schools.loc["sch220001", "pupils_total"] == 300 and schools.loc["sch220002", "pupils_total"] == 120
    assert "sch220009" not in schools.index  # in logins.xlsx but without results
    assert report.schools == 4 and report.municipalities == 3


def test_import_problems_in_russian(imported):
    _, out, report = imported
    problems = "\n".join(report.problems)
    assert ("файл «2021/6/Отчёт.xlsx»: не удалось определить предмет по имени файла; ожидалось "
            "«Математика» или «Русский язык» в имени") in problems
    assert "пропустивших одну из двух частей работы" in problems
    assert "первичный балл выше максимума работы (38) у 1 учеников" in problems and "sch220001 — 1" in problems
    assert "отметка за четверть не из 2–5" in problems and "«ж» — 1" in problems
    assert f"записано «{NO_MUNICIPALITY}»: sch220004" in problems
    assert not report.context_written and not (out / "context.csv").exists()
    assert any("context.csv не записан" in n for n in report.notes)
    text = report.format()
    assert "файлов результатов — 2" in text and "2021, математика, 5 класс: 7" in text
    assert yaml.safe_load((out / "region.yaml").read_text(encoding="utf-8")) == {
        "name": "Алтайский край (ФИС ОКО, ВПР 2020–2021)"}


def test_import_passes_validation(imported):
    _, out, _ = imported
    region, problems = validate_region(out)
    # the only remark: no context table (a warning; the loader gives an empty one)
    assert [(p.file, p.severity) for p in problems] == [("context.csv", "warning")]
    assert len(load_region(out).schools) == 4


def test_cache_second_import_is_identical(tmp_path, imported):
    src, out, first = imported
    assert first.cache_hits == 0
    before = {name: (out / name).read_bytes() for name in ("schools.csv", "results.csv", "region.yaml")}
    pupils = pd.read_parquet(out / "pupils" / "vpr.parquet")
    second = import_fisoko(src, out)
    assert second.cache_hits == 2
    assert {name: (out / name).read_bytes() for name in before} == before
    pd.testing.assert_frame_equal(pd.read_parquet(out / "pupils" / "vpr.parquet"), pupils)
    assert second.problems == first.problems

    # The cache holds no marks: a corrected scale applies without re-reading the files.
    scales = yaml.safe_load(DEFAULT_SCALES.read_text(encoding="utf-8"))
    scales["scales"][2021]["math.5"]["mark2"] = 7
    scales_file = tmp_path / "vpr.yaml"
    scales_file.write_text(yaml.safe_dump(scales, allow_unicode=True), encoding="utf-8")
    third = import_fisoko(src, out, scales_file=scales_file)
    assert third.cache_hits == 2
    assert _result(out, 2021, "sch220001", "math", 5)["low_count"] == 2  # 6 and 7 are now «2»

    # A changed file is read again; a separate cache folder starts empty.
    write_xlsx(src / "2021" / "5" / MATH5_2021, {"Sheet": [
        RU_HEADER, ["sch220001", "x", "1", "50001", "4", "м", "а", "1", "20", "10", "10", ""]]})
    fourth = import_fisoko(src, out, cache_dir=tmp_path / "cache")
    assert fourth.cache_hits == 0
    fifth = import_fisoko(src, out)
    assert fifth.cache_hits == 1
    assert _result(out, 2021, "sch220001", "math", 5)["mark5"] == 1


def _tables(out: Path) -> dict:
    return {**{name: (out / name).read_bytes() for name in ("schools.csv", "results.csv", "tasks.csv", "region.yaml")
               if (out / name).exists()},
            "pupils": pd.read_parquet(out / "pupils" / "vpr.parquet")}


def test_parallel_import_equals_sequential(tmp_path):
    src = make_source(tmp_path / "src")
    # a damaged workbook and a second file of an imported work: their problems keep their place
    (src / "2021" / "5" / "Математика 5 класс.xlsx").write_bytes(b"not a workbook")
    reports = {}
    for workers in (1, 2):
        out = tmp_path / f"region-{workers}"
        reports[workers] = import_fisoko(src, out, workers=workers)
    one, two = reports[1], reports[2]
    assert two.files == one.files and two.problems == one.problems and two.notes == one.notes
    assert two.rows == one.rows and two.cache_hits == one.cache_hits == 0
    assert any("Математика 5 класс.xlsx" in p and "не удалось открыть как книгу Excel" in p for p in two.problems)
    first, second = _tables(tmp_path / "region-1"), _tables(tmp_path / "region-2")
    pupils = first.pop("pupils")
    pd.testing.assert_frame_equal(second.pop("pupils"), pupils)
    assert second == first
    # the cache written by the workers is the one a sequential import reads
    again = import_fisoko(src, tmp_path / "region-2", workers=1)
    assert again.cache_hits == 2 and again.problems == one.problems
    assert {k: v for k, v in _tables(tmp_path / "region-2").items() if k != "pupils"} == first


def test_import_errors(tmp_path):
    with pytest.raises(FisOkoError, match="папка выгрузки ФИС ОКО не найдена"):
        import_fisoko(tmp_path / "нет", tmp_path / "out")
    write_xlsx(tmp_path / "src" / "2021" / "6" / "Отчёт.xlsx", {"Sheet": [RU_HEADER]})
    write_xlsx(tmp_path / "src" / "2021" / "5" / "Математика.xlsx", {"Sheet": [["фамилия", "балл"]]})
    with pytest.raises(FisOkoError) as exc:
        import_fisoko(tmp_path / "src", tmp_path / "out")
    assert "не найдено ни одного файла результатов ВПР" in str(exc.value)
    assert "не похоже на выгрузку ВПР из ФИС ОКО" in str(exc.value)
    assert "не удалось определить предмет" in str(exc.value)
    assert not (tmp_path / "out" / "results.csv").exists()


def test_work_without_scale_is_skipped(tmp_path):
    src = make_source(tmp_path / "src")
    scales = yaml.safe_load(DEFAULT_SCALES.read_text(encoding="utf-8"))
    del scales["scales"][2020]
    scales_file = tmp_path / "vpr.yaml"
    scales_file.write_text(yaml.safe_dump(scales, allow_unicode=True), encoding="utf-8")
    report = import_fisoko(src, tmp_path / "out", scales_file=scales_file)
    assert report.files == [f"2021/5/{MATH5_2021}"]
    assert any("нет шкалы перевода баллов в отметки для работы russian.4 2020 г." in p for p in report.problems)


# --------------------------------------------------------------------------- real data

@pytest.mark.skipif(not REAL_DATA.is_dir(),
                    reason=f"нет реальных данных ФИС ОКО в «{REAL_DATA}» (задайте QUALITYLIB_REAL_DATA)")
def test_real_altai_export(tmp_path):
    out = tmp_path / "altai"
    report = import_fisoko(REAL_DATA, out)
    assert len(report.files) == 16
    assert report.cache_hits == 0
    assert 600 <= report.schools <= 660
    assert 65 <= report.municipalities <= 75
    assert len(report.participants) == 16
    assert all(10_000 <= n <= 30_000 for n in report.participants.values()), report.participants
    assert report.schools_without_municipality == []
    results = pd.read_csv(out / "results.csv")
    assert (results[["low_count", "mark3", "mark4", "mark5"]].sum(axis=1) == results.participants).all()
    totals = results.groupby(["year", "subject", "grade"]).participants.sum()
    assert {f"{y} {s}.{g}": int(n) for (y, s, g), n in totals.items()} == report.participants
    scales = read_scales()
    pupils = pd.read_parquet(out / "pupils" / "vpr.parquet")
    top = pupils[pupils.participant].groupby(["year", "work"]).score.max()
    assert all(score <= scales[year][work]["max"] for (year, work), score in top.items())

    region, problems = validate_region(out)
    errors = [p for p in problems if p.severity == "error"]
    # Until the loader makes ``context`` optional, its absence is the only error allowed.
    assert all(p.file.startswith("context") for p in errors), [p.format() for p in errors[:5]]
    if not errors:
        assert len(load_region(out).schools) == report.schools

    again = import_fisoko(REAL_DATA, out)
    assert again.cache_hits == 16
    assert again.participants == report.participants


def test_cli_import_and_objectivity(tmp_path, capsys):
    from qualitylib.batch.cli import main

    source = make_source(tmp_path / "src")
    out = tmp_path / "region"
    assert main(["import-fisoko", str(source), "--out", str(out)]) == 0
    assert (out / "results.csv").is_file() and (out / "pupils" / "vpr.parquet").is_file()
    assert main(["objectivity", "--data", str(out), "--out", str(tmp_path / "obj.csv")]) == 0
    assert "индекс объективности региона" in capsys.readouterr().out
    assert main(["objectivity", "--data", str(REPO / "data" / "sample"), "--out", str(tmp_path / "x.csv")]) == 2
    assert "нет данных по ученикам" in capsys.readouterr().err
