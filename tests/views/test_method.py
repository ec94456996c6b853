"""The appendix «Методика и параметры» and the indicators' numbers as readers know them."""
from qualitylib.views.labels import indicator_numbers
from qualitylib.views.method import method_sections

PARAMS = {
    "identification": {"threshold_pct": 25, "min_participants": 5, "criterion_2": "same",
                       "assessments": ["vpr.math.5", "oge.russian.9"]},
    "dynamics": {"alpha": 0.01, "min_change_pp": 4, "exact_below": 5, "min_participants": 12},
    "privacy": {"min_group": 8},
}


def test_sentences_carry_this_municipalitys_values():
    sections = dict(method_sections(PARAMS, "dynamics"))
    shnor = " ".join(sections["Школы с низкими образовательными результатами"])
    assert "не менее 25 % её участников" in shnor
    assert "участников меньше 5, не оценивается" in shnor
    assert "одна и та же процедура низкая в оба последних года" in shnor
    assert "ВПР математика 5 кл., ОГЭ русский язык" in shnor
    dyn = " ".join(sections["Динамика результатов"])
    assert "при уровне 0,01" in dyn and "не меньше чем на 4 п.п." in dyn and "меньше 12" in dyn
    assert "меньше 8 участников" in sections["Защита данных"][0]
    # a report without the risk rule's parameters has no risk section; keys never show
    text = " ".join(s for _, ss in method_sections(PARAMS, "monitoring") for s in ss)
    assert "Зона риска" not in dict(method_sections(PARAMS, "monitoring"))
    assert "threshold_pct" not in text and "privacy" not in text


def test_programme_named_or_missing():
    with_programme = dict(method_sections(PARAMS, "monitoring", "Программа «Успех»"))
    assert "по программе «Программа «Успех»»" in with_programme["Показатели программы"][0]
    assert "не указана" in dict(method_sections(PARAMS, "monitoring"))["Показатели программы"][0]


def test_indicator_numbers_are_the_programmes_own():
    assert indicator_numbers(["norilsk.2.3.1.1", "norilsk.3.3.3.2"], "norilsk") == ["2.3.1.1", "3.3.3.2"]
    # borrowed from other programmes: the place in this programme's list
    assert indicator_numbers(["chaa-khol.1", "elista.4", "polysaevo.2"], "polysaevo") == ["1", "2", "2"]
