"""The words of the identification: every text is made from the rules' codes and numbers."""
import pandas as pd

from qualitylib.data.params import load_params
from qualitylib.rules.identification import identify_shnor, low_results
from qualitylib.rules.pairing import leader_pairs
from qualitylib.views.identification import PAIR_NOTES, READINGS, pair_texts, shnor_reasons

COLUMNS = ["year", "school_id", "procedure", "subject", "grade", "participants", "low_count"]


def schools(ids, municipality="М"):
    return pd.DataFrame({"school_id": ids, "school_name": [f"Школа {i}" for i in ids],
                         "municipality": [municipality] * len(ids)})


def test_hidden_groups_read_small_group_and_show_no_counts():
    params = load_params()
    results = pd.DataFrame([(2026, "A", "vpr", "math", 5, 6, 3), (2026, "A", "oge", "russian", 9, 20, 7)],
                           columns=COLUMNS)
    table = identify_shnor(results, schools(["A"]), 2026, params)
    detail = low_results(results, params, years=(2025, 2026))
    detail["hidden"] = detail["participants"] < 10
    text = shnor_reasons(table, detail, 2026, params).iloc[0]
    assert text == ("Критерий 1 (не менее двух низких процедур в 2026 г.). 2026 г.: ВПР математика 5 кл. — "
                    "данные скрыты (малая группа или одинаковый результат у всех участников); ОГЭ русский язык — 35,0 % (7 из 20)")


def test_same_procedure_criterion_is_named_as_such():
    params = load_params()
    params["identification"]["criterion_2"] = "same"
    results = pd.DataFrame([(2026, "A", "vpr", "math", 5, 10, 4), (2025, "A", "vpr", "math", 5, 10, 3)],
                           columns=COLUMNS)
    table = identify_shnor(results, schools(["A"]), 2026, params)
    text = shnor_reasons(table, low_results(results, params).assign(hidden=False), 2026, params).iloc[0]
    assert text == ("Критерий 2 (одна и та же процедура низкая в 2025 и 2026 гг.). 2026 г.: ВПР математика 5 кл. — "
                    "40,0 % (4 из 10). 2025 г.: ВПР математика 5 кл. — 30,0 % (3 из 10)")


def test_pair_words_from_codes():
    params = load_params()
    results = pd.DataFrame([(2026, "W", "vpr", "math", 5, 20, 10), (2026, "W", "vpr", "russian", 5, 20, 10),
                            (2026, "L", "vpr", "math", 5, 20, 1)], columns=COLUMNS)
    both = pd.concat([schools(["W"]), schools(["L"], "Другой")], ignore_index=True)
    table = identify_shnor(results, both, 2026, params)
    pairs = pair_texts(leader_pairs(results, both, table, 2026, params)).iloc[0]
    assert pairs["weak_codes"] == "vpr.math.5;vpr.russian.5"
    assert pairs["weak_assessments"] == "ВПР математика 5 кл.; ВПР русский язык 5 кл."
    assert pairs["covered"] == "ВПР математика 5 кл."
    assert pairs["note"] == "школа-лидер из другого муниципалитета"


def test_every_code_has_words():
    assert set(PAIR_NOTES) == {"", "no_low_now", "no_leader", "other_municipality"}
    assert set(READINGS) == {"no_data", "worse", "better", "as_expected", "hidden"}
