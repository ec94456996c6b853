"""Natural order of school names and recommendations grouped by deficit."""
import pandas as pd

from qualitylib.data.params import load_params
from qualitylib.views.identification import recommendations_by_deficit
from qualitylib.views.labels import natural_key, natural_sort


def test_school_numbers_sort_by_value():
    names = ["МБОУ «СОШ № 17»", "МБОУ «СОШ № 2»", "МБОУ «Лицей»", "МБОУ «СОШ № 1»"]
    frame = natural_sort(pd.DataFrame({"school_name": names}), ["school_name"])
    assert list(frame["school_name"]) == ["МБОУ «Лицей»", "МБОУ «СОШ № 1»", "МБОУ «СОШ № 2»", "МБОУ «СОШ № 17»"]
    assert natural_key("№ 9") < natural_key("№ 10")


def test_each_deficit_once_with_the_schools_that_share_it():
    params = load_params()
    risk = pd.DataFrame({"school_name": ["Школа № 17", "Школа № 2", "Лицей"],
                         "deficit_codes": ["overload;vpr", "overload", None]})
    table = recommendations_by_deficit(risk, params)
    assert list(table["deficit"]) == ["Перегрузка учителей", "Низкие результаты ВПР"]
    assert list(table["school_names"]) == ["Школа № 2; Школа № 17", "Школа № 17"]
    assert list(table["schools_count"]) == [2, 1]
    assert table["recommendation"].iloc[0] == params["recommendations"]["overload"].strip()
    assert recommendations_by_deficit(risk.iloc[2:], params).empty
