"""Parameters: the base file, overrides through ``base``, and Russian errors."""
import pytest

from qualitylib.views.labels import assessment_title
from qualitylib.data.params import (PARAMS_DIR, ParamsError, find_municipality_params,
                               load_params)


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_is_the_norilsk_rule():
    p = load_params()
    assert p["identification"]["threshold_pct"] == 30
    assert p["identification"]["criterion_2"] == "any"
    assert len(p["identification"]["assessments"]) == 9
    assert p["risk"]["vpr_assessments"] == ["vpr.math.4", "vpr.math.8", "vpr.russian.4", "vpr.russian.8"]


def test_override_through_base(tmp_path):
    base = (PARAMS_DIR / "methodology.yaml").resolve()
    path = write(tmp_path, f"base: {base}\nmunicipality: Тест\nidentification:\n  criterion_2: same\n")
    p = load_params(path)
    assert p["identification"]["criterion_2"] == "same"
    assert p["identification"]["threshold_pct"] == 30
    assert p["municipality"] == "Тест"


@pytest.mark.parametrize("text, fragment", [
    ("identification:\n  treshold_pct: 30\n", "«identification.treshold_pct»: неизвестный ключ"),
    ("identification:\n  threshold_pct: тридцать\n", "ожидалось число, получено «тридцать»"),
    ("identification:\n  threshold_pct: 130\n", "вне допустимого диапазона (от 0 до 100)"),
    ("identification:\n  criterion_2: both\n", "ожидалось одно из значений any, same"),
    ("identification:\n  assessments: [vpr.math.55]\n", "ожидалась процедура вида"),
    ("pairing:\n  max_per_leader: 1.5\n", "ожидалось целое число"),
    ("social:\n  weights: {income: 1}\n", "«social.weights.income»: неизвестный показатель"),
])
def test_errors_are_russian_and_name_the_key(tmp_path, text, fragment):
    base = (PARAMS_DIR / "methodology.yaml").resolve()
    path = write(tmp_path, f"base: {base}\n{text}")
    with pytest.raises(ParamsError) as err:
        load_params(path)
    assert fragment in str(err.value)
    assert str(path) in str(err.value)


def test_incomplete_file_lists_missing_keys(tmp_path):
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, "identification:\n  threshold_pct: 30\n"))
    assert "«identification.min_participants»: ключ обязателен" in str(err.value)
    assert "«recommendations»: ключ обязателен" in str(err.value)


def test_unsafe_yaml_is_rejected(tmp_path):
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, "identification: !!python/object/apply:os.system ['echo hi']\n"))
    assert "не является корректным YAML" in str(err.value)


def test_municipality_file_lookup(tmp_path):
    write(tmp_path, "base: x.yaml\nmunicipality: Полысаево\n", "polysaevo.yaml")
    write(tmp_path, "{}", "methodology.yaml")
    assert find_municipality_params("Полысаево", tmp_path).name == "polysaevo.yaml"
    assert find_municipality_params("Другой", tmp_path).name == "methodology.yaml"


def test_assessment_titles():
    assert assessment_title("vpr.math.5") == "ВПР математика 5 кл."
    assert assessment_title("ege.math_profile.11") == "ЕГЭ математика (профильная)"
