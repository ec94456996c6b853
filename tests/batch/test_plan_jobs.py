"""How the batch finds each municipality's parameters: a failure stays with its municipality."""
from pathlib import Path

from conftest import write_region

from qualitylib.batch.runner import plan_jobs
from qualitylib.data.params import PARAMS_DIR
from qualitylib.data.region import load_region


def test_unreadable_duplicate_or_look_alike_params_fail_their_municipality_only(tmp_path):
    folder = write_region(tmp_path / "region")
    (folder / "region.yaml").write_text("name: Тестовый регион\n", encoding="utf-8")
    region = load_region(folder)
    assert region.municipalities == ["Северный", "Южный"]
    params = tmp_path / "params"
    params.mkdir()
    (params / "methodology.yaml").write_text((PARAMS_DIR / "methodology.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    cases = {
        # a YAML error in its own file
        "Северный": {"north.yaml": "base: methodology.yaml\nmunicipality: Северный\nrisk: {\n"},
        # two files claiming it
        "Южный": {"south.yaml": "base: methodology.yaml\nmunicipality: Южный\n",
                  "south-2.yaml": "base: methodology.yaml\nmunicipality: Южный\n"},
    }
    for files in cases.values():
        for name, text in files.items():
            (params / name).write_text(text, encoding="utf-8")
    jobs, failed = plan_jobs(region, 2024, tmp_path / "out", str(params), None, False)
    assert jobs == [] and list(failed) == ["Северный", "Южный"]
    assert "north.yaml" in failed["Северный"] and "не является корректным YAML" in failed["Северный"]
    assert "south.yaml" in failed["Южный"] and "south-2.yaml" in failed["Южный"]
    assert "нескольких файлах" in failed["Южный"]

    # a trailing space fails Южный alone; Северный, now fixed, runs on its own file
    (params / "north.yaml").write_text("base: methodology.yaml\nmunicipality: Северный\n", encoding="utf-8")
    (params / "south.yaml").unlink()
    (params / "south-2.yaml").write_text('base: methodology.yaml\nmunicipality: "Южный "\n', encoding="utf-8")
    jobs, failed = plan_jobs(region, 2024, tmp_path / "out", str(params), None, False)
    assert [job.municipality for job in jobs] == ["Северный"]
    assert Path(jobs[0].params_file).name == "north.yaml"
    assert list(failed) == ["Южный"] and "«Южный␣»" in failed["Южный"] and "south-2.yaml" in failed["Южный"]
