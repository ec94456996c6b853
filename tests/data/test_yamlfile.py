"""The one YAML reader: «billion laughs», self-referring aliases, size and encoding limits."""
import time

import pytest

from qualitylib.data.fisoko import read_scales
from qualitylib.data.params import PARAMS_DIR, ParamsError, load_params
from qualitylib.data.programmes import load_catalogue
from qualitylib.data.region import read_region_name
from qualitylib.data.roadmaps import load_roadmap
from qualitylib.data.yamlfile import MAX_BYTES, MAX_NODES, read_yaml, shorten
from qualitylib.exceptions import ScalesError


def billion_laughs(levels: int = 9) -> str:
    """Half a kilobyte of YAML whose aliases expand to 9**9 (387 million) strings."""
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    previous = "a"
    for name in "bcdefghijk"[:levels - 1]:
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


BOMB = billion_laughs()
#: The same bomb where the methodology expects a value, as in a real params file.
PARAMS_BOMB = BOMB.replace("i: &i", "identification:\n  threshold_pct: &i")


def region_name(path):
    """``region.yaml`` problems are reported with the region's other problems: raise the errors here."""
    problems = []
    read_region_name(path.parent, problems)
    errors = [p.message for p in problems if p.severity == "error"]
    if errors:
        raise ParamsError(errors, path.name)


@pytest.mark.parametrize("reader", [
    load_params, load_catalogue, load_roadmap, read_scales, read_yaml, region_name,
], ids=["params", "catalogue", "roadmap", "scales", "read_yaml", "region"])
def test_billion_laughs_is_refused_quickly_with_a_short_message(tmp_path, reader):
    path = tmp_path / "region.yaml"
    path.write_text(PARAMS_BOMB, encoding="utf-8")
    assert len(PARAMS_BOMB) < 600
    started = time.perf_counter()
    with pytest.raises(ParamsError) as err:
        reader(path)
    assert time.perf_counter() - started < 1
    message = str(err.value)
    assert "YAML-бомбы" in message and str(MAX_NODES) in message
    assert len(message) < 600


def test_scales_bomb_is_a_scales_error(tmp_path):
    path = tmp_path / "vpr.yaml"
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(ScalesError):
        read_scales(path)


def test_aliases_within_the_limit_and_merge_keys_still_work(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(billion_laughs(4) + "base: &common {x: 1}\nother:\n  <<: *common\n  y: 2\n", encoding="utf-8")
    data = read_yaml(path)
    assert len(data["d"]) == 9 and data["d"][0][0][0][0] == "lol"
    assert data["other"] == {"x": 1, "y": 2}


def test_self_referring_alias_is_refused(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("identification: &x\n  assessments: [*x]\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="рекурсивные структуры"):
        load_params(path)


def test_file_too_large_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("title: " + "а" * MAX_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="файл слишком велик") as err:
        load_params(path)
    assert len(str(err.value)) < 400


def test_not_utf8_is_a_russian_message(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_bytes("name: Кузбасс\n".encode("cp1251"))
    with pytest.raises(ParamsError, match="не в кодировке UTF-8"):
        read_yaml(path)


def test_yaml_error_is_short_and_names_the_line(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("title: ok\nrisk: [" + "x, " * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="не является корректным YAML") as err:
        load_params(path)
    assert len(str(err.value)) < 500


def test_long_values_are_cut_in_messages(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(f"base: {PARAMS_DIR / 'methodology.yaml'}\nidentification:\n  criterion_2: {'x' * 5000}\n"
                    f"  {'k' * 1000}: 1\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert "x" * 200 + "…" in message and "x" * 201 not in message
    assert "k" * 200 + "…" in message and "k" * 201 not in message


def test_shorten_does_not_print_a_huge_value_whole():
    huge = [["lol"] * 1000] * 1000
    started = time.perf_counter()
    text = shorten(huge)
    assert time.perf_counter() - started < 0.1 and len(text) <= 201


def test_shipped_files_still_load():
    for path in sorted(PARAMS_DIR.rglob("*.yaml")):
        assert read_yaml(path) is not None, path


def test_a_parsed_file_is_a_fresh_copy_and_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a:\n  b: 1\n", encoding="utf-8")
    first = read_yaml(path)
    first["a"]["b"] = 99  # a caller merging into what it read changes no one else's copy
    assert read_yaml(path) == {"a": {"b": 1}}
    path.write_text("a:\n  b: 2\n", encoding="utf-8")
    assert read_yaml(path) == {"a": {"b": 2}}
