"""The indicator catalogue and the programmes: reading and validation."""
from pathlib import Path

import pytest

from qualitylib.data.params import ParamsError, find_municipality_params, load_params
from qualitylib.data.programmes import BUILTIN_NAMES, load_catalogue, load_programme, programme_for


def test_catalogue_covers_the_five_programmes_and_is_valid():
    catalogue = load_catalogue()
    programmes = {spec["programme"] for spec in catalogue.values()}
    assert programmes == {"norilsk", "elista", "kavkazsky", "chaa-khol"}
    for name in ("norilsk", "elista", "polysaevo", "kavkazsky", "chaa-khol"):
        assert load_programme(name, catalogue).indicators
    assert {spec["compute"]["name"] for spec in catalogue.values()
            if spec["compute"]["kind"] == "builtin"} <= set(BUILTIN_NAMES)


def test_catalogue_errors_are_russian(tmp_path):
    bad = tmp_path / "indicators.yaml"
    bad.write_text("indicators:\n  x.1:\n    title: Т\n    unit: '%'\n    group: г\n    programme: p\n"
                   "    period: ежегодно\n    compute: {kind: sum, scope: all, column: no_such_column}\n"
                   "    target: {direction: sideways}\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_catalogue(bad)
    text = str(err.value)
    assert "столбца «no_such_column» нет в таблице мониторинга" in text and "direction" in text


def test_unknown_builtin_is_named(tmp_path):
    bad = tmp_path / "indicators.yaml"
    bad.write_text("indicators:\n  x.1:\n    title: Т\n    unit: '%'\n    group: г\n    programme: p\n"
                   "    period: ежегодно\n    compute: {kind: builtin, name: nope}\n"
                   "    target: {direction: none}\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_catalogue(bad)
    assert "«indicators.x.1.compute.name»: нет такой функции" in str(err.value)


def test_programme_with_unknown_indicator(tmp_path):
    (tmp_path / "p.yaml").write_text("title: П\nindicators: [nope.1]\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_programme("p", load_catalogue(), tmp_path)
    assert "показателя «nope.1» нет в каталоге" in str(err.value)


def test_parameters_without_programme():
    with pytest.raises(ParamsError) as err:
        programme_for(load_params())
    assert "не указана программа" in str(err.value)


def test_every_sample_municipality_is_monitored_by_its_own_programme():
    names = {m: programme_for(load_params(find_municipality_params(m)))[0].name
             for m in ("Норильск", "Элиста", "Полысаево", "Кавказский район", "Чаа-Хольский кожуун")}
    assert names["Норильск"] == "norilsk" and names["Элиста"] == "elista" and names["Полысаево"] == "polysaevo"
    assert names["Кавказский район"] == "kavkazsky" and names["Чаа-Хольский кожуун"] == "chaa-khol"


def test_a_yes_no_item_takes_no_scope_or_rounds(tmp_path):
    bad = tmp_path / "indicators.yaml"
    bad.write_text("indicators:\n  x.1:\n    title: Т\n    unit: да/нет\n    group: г\n    programme: p\n"
                   "    period: ежегодно\n    compute: {kind: municipal_flag, scope: all}\n"
                   "    rounds: [январь]\n    target: {direction: equals, value: 1}\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_catalogue(bad)
    assert "у показателя municipal_flag нет других ключей" in str(err.value)
    assert "раунды задаются только показателям из таблицы мониторинга" in str(err.value)
