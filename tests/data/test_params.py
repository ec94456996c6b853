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


# A municipality is never moved to the base methodology silently.

def municipality_folder(tmp_path, files: dict[str, str]):
    folder = tmp_path / "params"
    (folder / "municipalities").mkdir(parents=True)
    (folder / "methodology.yaml").write_text((PARAMS_DIR / "methodology.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_own_file_with_a_yaml_error_is_an_error_not_the_base_file(tmp_path):
    folder = municipality_folder(tmp_path, {
        "municipalities/a.yaml": "base: ../methodology.yaml\nmunicipality: Полысаево\nidentification: [\n",
        "municipalities/b.yaml": "base: ../methodology.yaml\nmunicipality: Норильск\n"})
    with pytest.raises(ParamsError) as err:
        find_municipality_params("Полысаево", folder)
    message = str(err.value)
    assert "a.yaml" in message and "не читается" in message and "не является корректным YAML" in message
    assert "базовой методикой" in message
    # the other municipality goes on with its own file
    assert find_municipality_params("Норильск", folder).name == "b.yaml"


def test_unreadable_file_of_unknown_owner_blocks_only_municipalities_without_a_file(tmp_path):
    folder = municipality_folder(tmp_path, {
        "municipalities/a.yaml": "base: ../methodology.yaml\n\tmunicipality: [Полысаево\n",
        "municipalities/b.yaml": "base: ../methodology.yaml\nmunicipality: Норильск\n"})
    with pytest.raises(ParamsError, match="нельзя понять, к какому муниципалитету") as err:
        find_municipality_params("Полысаево", folder)
    assert "a.yaml" in str(err.value)
    assert find_municipality_params("Норильск", folder).name == "b.yaml"


def test_two_files_claiming_one_municipality(tmp_path):
    folder = municipality_folder(tmp_path, {
        "municipalities/a.yaml": "base: ../methodology.yaml\nmunicipality: Полысаево\n",
        "municipalities/b.yaml": "base: ../methodology.yaml\nmunicipality: Полысаево\n"})
    with pytest.raises(ParamsError, match="указан в нескольких файлах параметров") as err:
        find_municipality_params("Полысаево", folder)
    assert "a.yaml" in str(err.value) and "b.yaml" in str(err.value)


@pytest.mark.parametrize("written, shown", [
    ('"Полысаево "', "«Полысаево␣»"),
    ('" Полысаево"', "«␣Полысаево»"),
    ("Чаа-Хольский  кожуун", "«Чаа-Хольский␣␣кожуун»"),
    ("Чаа-Хольский\u00a0кожуун", "«Чаа-Хольский<U+00A0>кожуун»"),
    ("Полысаево\u200b", "«Полысаево<U+200B>»"),
])
def test_name_differing_in_blanks_is_an_error_showing_them(tmp_path, written, shown):
    name = "Полысаево" if "Полысаево" in written else "Чаа-Хольский кожуун"
    folder = municipality_folder(tmp_path, {
        "municipalities/a.yaml": f"base: ../methodology.yaml\nmunicipality: {written}\n"})
    with pytest.raises(ParamsError) as err:
        find_municipality_params(name, folder)
    message = str(err.value)
    assert "a.yaml" in message and shown in message and "␣ — пробел" in message


def test_name_of_another_municipality_of_the_region_is_not_a_look_alike(tmp_path):
    folder = municipality_folder(tmp_path, {
        "municipalities/a.yaml": "base: ../methodology.yaml\nmunicipality: Тестовый  район\n"})
    known = ["Тестовый район", "Тестовый  район"]
    assert find_municipality_params("Тестовый район", folder, known=known).name == "methodology.yaml"
    assert find_municipality_params("Тестовый  район", folder, known=known).name == "a.yaml"


def test_programmes_and_road_maps_are_not_municipality_parameters(tmp_path):
    folder = municipality_folder(tmp_path, {
        "municipalities/a.yaml": "base: ../methodology.yaml\nmunicipality: Полысаево\n"})
    (folder / "roadmaps").mkdir()
    (folder / "roadmaps" / "broken.yaml").write_text("roadmap: [\n", encoding="utf-8")
    (folder / "indicators.yaml").write_text("{", encoding="utf-8")
    assert find_municipality_params("Полысаево", folder).name == "a.yaml"
    assert find_municipality_params("Норильск", folder).name == "methodology.yaml"
