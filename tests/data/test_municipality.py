"""A municipality without a parameters file (:mod:`qualitylib.data.municipality`) and ``init``."""
from __future__ import annotations

import pandas as pd
import pytest

from qualitylib.batch.cli import main
from qualitylib.data.municipality import (
    init_params, municipality_params, resolve_programme, schools_programme,
)
from qualitylib.data.params import DEFAULT_FILE, load_params
from qualitylib.exceptions import ParamsError


def _schools(*rows):
    return pd.DataFrame(rows, columns=["school_id", "municipality", "programme"])


def test_without_a_file_the_base_methodology_and_no_programme(tmp_path):
    params = municipality_params("Новый район", params_dir=tmp_path)
    assert params["_source"] == [str(DEFAULT_FILE)]
    assert "programme" not in params and "_programme_source" not in params


def test_programme_from_the_schools_table_before_the_run_option(tmp_path):
    schools = _schools(("S1", "Новый район", "elista"), ("S2", "Новый район", None), ("S3", "Другой", "norilsk"))
    params = municipality_params("Новый район", params_dir=tmp_path, schools=schools, programme="norilsk")
    assert (params["programme"], params["_programme_source"]) == ("elista", "schools")
    params = municipality_params("Третий", params_dir=tmp_path, schools=schools, programme="norilsk")
    assert (params["programme"], params["_programme_source"]) == ("norilsk", "run")


def test_the_file_names_the_programme_first(tmp_path):
    init_params("Новый район", "kavkazsky", tmp_path)
    schools = _schools(("S1", "Новый район", "elista"))
    params = municipality_params("Новый район", params_dir=tmp_path, schools=schools, programme="norilsk")
    assert (params["programme"], params["_programme_source"]) == ("kavkazsky", "file")


def test_two_programmes_for_one_municipality_is_an_error():
    schools = _schools(("S1", "Новый", "elista"), ("S2", "Новый", "norilsk"))
    with pytest.raises(ParamsError, match="указаны разные программы: «elista», «norilsk»"):
        schools_programme(schools, "Новый")


@pytest.mark.parametrize("text", ["norilsk", "NORILSK ", "Программа повышения качества образования в школах "
                                  "г. Норильска на 2022–2024 годы", "Норильск"])
def test_programme_by_name_title_or_municipality(text):
    assert resolve_programme(text) == "norilsk"


def test_unknown_programme_lists_the_programmes():
    with pytest.raises(ParamsError) as info:
        resolve_programme("нет такой")
    assert "программа «нет такой» не найдена; есть программы: chaa-khol — " in str(info.value)


def test_init_writes_a_commented_file_that_loads(tmp_path, capsys):
    assert main(["init", "Берёзовский район", "--programme", "Элиста", "--params-dir", str(tmp_path)]) == 0
    [path] = (tmp_path / "municipalities").glob("*.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Параметры муниципалитета «Берёзовский район».")
    assert "\nprogramme: elista\n" in text and "#   norilsk — " in text
    params = load_params(path)
    assert (params["municipality"], params["programme"]) == ("Берёзовский район", "elista")
    assert params["identification"] == load_params()["identification"]
    assert "записан" in capsys.readouterr().out
    # a second file for the same municipality is refused
    assert main(["init", "Берёзовский район", "--programme", "norilsk", "--params-dir", str(tmp_path)]) == 1
    assert "уже есть файл параметров" in capsys.readouterr().err
