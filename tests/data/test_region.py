"""Tests of loading a region (:mod:`qualitylib.data.region`) and of ``python -m qualitylib validate``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import RESULTS, SCHOOLS, with_cell, write_csv, write_region

from qualitylib.exceptions import UnknownMunicipalityError
from qualitylib import DataValidationError, Region, load_region, validate_region
from qualitylib.batch.cli import main

SAMPLE = Path(__file__).parents[2] / "data" / "sample"

ROADMAP = (
    ["municipality", "item", "measure", "deadline", "status"],
    [
        ["Северный", "1", "Создать рабочую группу", "Октябрь 2024 года", "выполнено"],
        ["Северный", "2", "Провести собеседование", "Ноябрь 2024 года", "в работе"],
        ["Южный", "1", "Утвердить координатора", "Октябрь 2024 года", "не начато"],
    ],
)

MONITORING = (
    ["year", "school_id", "teachers_total", "weak_pupils"],
    [[2024, "S1", 40, 12], [2024, "S2", 15, 3], [2024, "S3", 55, 20]],
)


@pytest.fixture
def full_region(region_dir):
    """The valid region with both optional tables."""
    write_csv(region_dir / "roadmap.csv", *ROADMAP)
    write_csv(region_dir / "monitoring.csv", *MONITORING)
    return region_dir


@pytest.fixture
def bad_region(tmp_path):
    """A region with two errors: text in results row 3 and a percent of 150 in context row 2."""
    folder = write_region(tmp_path / "bad", results=with_cell(RESULTS, 1, "participants", "много"))
    text = (folder / "context.csv").read_text(encoding="utf-8").replace(",12.5,", ",150,")
    (folder / "context.csv").write_text(text, encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------- validate_region
def test_valid_folder_gives_region_without_problems(region_dir):
    region, problems = validate_region(region_dir)
    assert problems == []
    assert isinstance(region, Region)
    assert region.name == "region"  # no region.yaml: the folder name
    assert region.path == region_dir
    assert region.warnings == []
    assert region.sources == {name: region_dir / f"{name}.csv"
                              for name in ("schools", "results", "context")}


def test_typed_tables(region_dir):
    region = load_region(region_dir)
    assert region.schools["school_id"].tolist() == ["S1", "S2", "S3"]
    assert region.schools["pupils_total"].dtype == np.int64
    assert region.results.index.tolist() == [0, 1, 2, 3]
    assert region.results["low_count"].dtype == np.int64
    assert str(region.results["mark3"].dtype) == "Int64"  # the ЕГЭ row has no marks
    assert region.context["internet"].dtype == np.int64
    assert region.context["pupils_low_income_pct"].isna().all()  # optional, absent
    assert region.context["pupils_low_income_pct"].dtype == np.float64


def test_optional_tables_absent_are_none(region_dir):
    region = load_region(region_dir)
    assert region.monitoring is None
    assert region.roadmap is None


def test_optional_tables_present_are_loaded(full_region):
    region = load_region(full_region)
    assert region.roadmap["item"].tolist() == ["1", "2", "1"]
    assert region.roadmap["responsible"].isna().all()
    # every contract column is present; those absent from the file are empty
    assert list(region.monitoring.columns[:3]) == ["year", "school_id", "teachers_total"]
    assert region.monitoring["teachers_total"].dtype == np.int64
    assert region.monitoring["weak_pupils"].tolist() == [12, 3, 20]
    assert region.monitoring["olympiad_winners"].isna().all()


def test_region_name_from_yaml(region_dir):
    (region_dir / "region.yaml").write_text("name: Тестовый край\n", encoding="utf-8")
    assert load_region(region_dir).name == "Тестовый край"


def test_missing_folder(tmp_path):
    region, problems = validate_region(tmp_path / "нет")
    assert region is None
    [problem] = problems
    assert "папка региона не найдена" in problem.message


def test_municipalities_and_years(region_dir):
    region = load_region(region_dir)
    assert region.municipalities == ["Северный", "Южный"]
    assert region.years == [2024]


# ---------------------------------------------------------------------------- load_region
def test_load_region_raises_with_every_problem(bad_region):
    with pytest.raises(DataValidationError) as info:
        load_region(bad_region)
    problems = info.value.problems
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        ("context.csv", 2, "teachers_overload_pct", "150"),
        ("results.csv", 3, "participants", "много"),
    ]
    assert info.value.errors == problems


def test_load_region_error_text_is_russian(bad_region):
    with pytest.raises(DataValidationError) as info:
        load_region(bad_region)
    text = str(info.value)
    lines = text.split("\n")
    assert lines[0] == f"Данные «{bad_region}» не прошли проверку: ошибок — 2."
    assert lines[1] == ("Ошибка: файл «context.csv», строка 2, столбец «teachers_overload_pct»: "
                        "значение «150» — ожидался процент от 0 до 100")
    assert lines[2] == ("Ошибка: файл «results.csv», строка 3, столбец «participants»: "
                        "значение «много» — ожидалось целое число")


def test_data_validation_error_is_a_value_error(bad_region):
    with pytest.raises(ValueError, match="не прошли проверку"):
        load_region(bad_region)


# ---------------------------------------------------------------------------- warnings
def test_unknown_column_is_a_warning(region_dir):
    header, rows = SCHOOLS
    write_csv(region_dir / "schools.csv", header + ["Комментарий"],
              [row + ["новая"] for row in rows])
    region, problems = validate_region(region_dir)
    assert region is not None
    [problem] = problems
    assert (problem.file, problem.column, problem.severity) == ("schools.csv", "Комментарий", "warning")
    assert "неизвестный столбец" in problem.message
    assert problem.format().startswith("Предупреждение: файл «schools.csv», столбец «Комментарий»")
    assert region.warnings == [problem]
    assert "Комментарий" not in region.schools.columns


def test_warning_does_not_block_load_region(region_dir):
    header, rows = SCHOOLS
    write_csv(region_dir / "schools.csv", header + ["Примечание"], [row + [""] for row in rows])
    assert len(load_region(region_dir).warnings) == 1


def test_warnings_listed_with_errors(region_dir):
    header, rows = with_cell(SCHOOLS, 0, "pupils_total", "-1")
    write_csv(region_dir / "schools.csv", header + ["Комментарий"], [row + ["x"] for row in rows])
    region, problems = validate_region(region_dir)
    assert region is None
    assert [p.severity for p in problems] == ["warning", "error"]
    with pytest.raises(DataValidationError) as info:
        load_region(region_dir)
    assert "ошибок — 1." in str(info.value)
    assert "Предупреждение" not in str(info.value)


# ---------------------------------------------------------------------------- subset
def test_subset_keeps_one_municipality(full_region):
    part = load_region(full_region).subset("Северный")
    assert part.schools["school_id"].tolist() == ["S1", "S2"]
    assert part.results["school_id"].tolist() == ["S1", "S2"]
    assert part.context["school_id"].tolist() == ["S1", "S2"]
    assert part.monitoring["school_id"].tolist() == ["S1", "S2"]
    assert part.roadmap["item"].tolist() == ["1", "2"]
    assert part.municipalities == ["Северный"]
    assert part.results.index.tolist() == [0, 1]


def test_subset_other_municipality(full_region):
    part = load_region(full_region).subset("Южный")
    assert part.schools["school_id"].tolist() == ["S3"]
    assert part.results["procedure"].tolist() == ["oge", "ege"]
    assert part.roadmap["measure"].tolist() == ["Утвердить координатора"]


def test_subset_without_optional_tables(region_dir):
    part = load_region(region_dir).subset("Южный")
    assert part.monitoring is None and part.roadmap is None


def test_subset_none_is_whole_region(region_dir):
    region = load_region(region_dir)
    assert region.subset(None) is region


def test_subset_unknown_municipality(region_dir):
    region = load_region(region_dir)
    with pytest.raises(UnknownMunicipalityError) as info:
        region.subset("Западный")
    assert info.value.names == ["Западный"] and info.value.known == ["Северный", "Южный"]
    message = str(info.value)
    assert message == "Муниципалитет «Западный» не найден в данных. Есть: Северный, Южный."


# ---------------------------------------------------------------------------- committed sample
def test_committed_sample_validates():
    if not (SAMPLE / "schools.csv").is_file():
        pytest.skip(f"no committed sample yet: {SAMPLE / 'schools.csv'} is missing")
    region, problems = validate_region(SAMPLE)
    assert [p.format() for p in problems if p.severity == "error"] == []
    assert region is not None
    assert len(region.schools) > 0 and len(region.results) > 0


# ---------------------------------------------------------------------------- command line
def test_cli_validate_bad_folder(bad_region, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    assert main(["validate", str(bad_region)]) == 1
    out = capsys.readouterr().out
    assert ("Ошибка: файл «context.csv», строка 2, столбец «teachers_overload_pct»: "
            "значение «150» — ожидался процент от 0 до 100") in out
    assert "Ошибка: файл «results.csv», строка 3, столбец «participants»: значение «много»" in out
    assert f"Проверка данных «{bad_region}»: ошибок — 2, предупреждений — 0." in out
    assert snapshot(tmp_path) == before


def test_cli_validate_good_folder(region_dir, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    assert main(["validate", str(region_dir)]) == 0
    out = capsys.readouterr().out
    assert f"Проверка данных «{region_dir}»: ошибок нет, предупреждений — 0." in out
    assert "муниципалитетов — 2, школ — 3, строк результатов — 4, годы — 2024." in out
    assert snapshot(tmp_path) == before


def test_cli_validate_limit(bad_region, capsys):
    assert main(["validate", str(bad_region), "--limit", "1"]) == 1
    out = capsys.readouterr().out
    assert "файл «context.csv»" in out
    assert "файл «results.csv»" not in out
    assert "показано 1 из 2 замечаний" in out


def test_cli_validate_missing_folder(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "нет")]) == 1
    assert "папка региона не найдена" in capsys.readouterr().out


def test_context_is_optional_with_a_warning(region_dir):
    (region_dir / "context.csv").unlink()
    region, problems = validate_region(region_dir)
    assert region is not None and region.context.empty
    assert [p.severity for p in problems] == ["warning"]
    assert "нет таблицы «Контекст»" in problems[0].message
    assert list(region.context.columns[:2]) == ["year", "school_id"]


def test_validated_region_is_cached_and_a_changed_file_misses(region_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("QUALITYLIB_CACHE", str(tmp_path / "cache"))
    first = load_region(region_dir)
    assert len(list((tmp_path / "cache").glob("region-*.pkl"))) == 1
    second = load_region(region_dir)
    assert second.results.equals(first.results)
    text = (region_dir / "schools.csv").read_text(encoding="utf-8")
    (region_dir / "schools.csv").write_text(text.replace("Школа № 1,", "Школа № 100,"), encoding="utf-8")
    third = load_region(region_dir)
    assert "Школа № 100" in set(third.schools["school_name"])
    assert len(list((tmp_path / "cache").glob("region-*.pkl"))) == 2


def test_cache_can_be_disabled(region_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("QUALITYLIB_CACHE", "0")
    load_region(region_dir)
    assert not (tmp_path / "cache").exists()


def test_a_region_read_by_a_relative_path_names_its_files_absolutely(region_dir, tmp_path, monkeypatch):
    """A notebook reads «../data/…»; the cached region is read later by a run in another folder,
    which hashes its source files: they are found from anywhere."""
    monkeypatch.setenv("QUALITYLIB_CACHE", str(tmp_path / "cache"))
    elsewhere = tmp_path / "notebooks"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    relative = Path("..") / region_dir.relative_to(tmp_path)
    region = load_region(relative)
    assert region.sources["schools"] == (region_dir / "schools.csv").resolve()
    assert all(p.is_absolute() for p in region.sources.values())
    monkeypatch.chdir(region_dir)
    again = load_region(region_dir)  # the cached copy, read from another folder
    assert again.sources == region.sources and all(p.is_file() for p in again.sources.values())
