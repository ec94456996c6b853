"""The objectivity section of notebook 01: the participant rule in the report and the method in words."""
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from qualitylib import load_region
from qualitylib.data.params import load_params
from qualitylib.data.pupils import PUPILS_FILE, max_scores
from qualitylib.reports.identification import build_identification
from qualitylib.rules.objectivity import MIN_PUPILS
from qualitylib.views.identification import objectivity_method

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2021   # a year of the shipped ВПР scales (params/scales/vpr.yaml)


def region_with_pupils(tmp_path) -> Path:
    """The sample region with a pupil table: ten schools of ordinary works, one with entry errors."""
    folder = tmp_path / "region"
    shutil.copytree(ROOT / "data" / "sample", folder)
    schools = load_region(folder).schools
    ids = schools.loc[schools["municipality"] == "Норильск", "school_id"].tolist()[:10]
    assert len(ids) == 10
    top = max_scores()[(YEAR, "math.4")]
    valid = [(0.25, 2), (0.4, 3), (0.55, 3), (0.7, 4), (0.85, 5)]       # share of the maximum, mark
    rows = [(YEAR, sid, "math.4", round(top * f), m, False) for sid in ids for f, m in valid]
    rows += [(YEAR, ids[0], "math.4", top + k, 2, False) for k in (5, 10, 15)]   # above the maximum
    frame = pd.DataFrame(rows, columns=["year", "school_id", "work", "score", "school_mark", "absent"])
    frame["score"], frame["school_mark"] = frame["score"].astype("float64"), frame["school_mark"].astype("float64")
    (folder / PUPILS_FILE).parent.mkdir()
    frame.to_parquet(folder / PUPILS_FILE)
    return folder


def test_report_signs_drop_scores_above_the_maximum(tmp_path):
    region = load_region(region_with_pupils(tmp_path))
    ident = build_identification(region, None, YEAR, load_params())
    table = ident.objectivity.set_index("school_id")
    assert len(table) == 10
    # with the three entry errors kept, the school's marks would run against its scores
    assert table["marks_mismatch"].sum() == 0 and ident.objectivity_index == 100.0


def test_method_sentences_state_the_departures():
    text = " ".join(objectivity_method())
    assert MIN_PUPILS == 5 and f"не меньше {MIN_PUPILS} учеников" in text
    assert "только по школам этого региона" in text
    assert "Из 14 признаков федеральной методики по выгрузке ВПР вычисляются 12" in text
    assert "завышенный средний балл ВПР, несоответствие школьным отметкам, резкий рост и резкое падение" in text
    assert "ОГЭ" in text and "не выше максимального балла работы" in text
    assert "не меньше 21 ученика" in " ".join(objectivity_method(21))


@pytest.mark.e2e
def test_notebook_01_states_the_method(tmp_path):
    import papermill as pm

    folder = region_with_pupils(tmp_path)
    out = tmp_path / "01.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "01_identification.ipynb"), str(out), kernel_name="python3",
                        parameters={"data_dir": str(folder), "municipality": "Норильск", "year": YEAR,
                                    "interactive": False},
                        cwd=str(ROOT / "notebooks"), progress_bar=False)
    shown = "".join(str(o.get("data", {}).get("text/html", "")) for c in nbformat.read(out, 4).cells
                    if c.cell_type == "code" for o in c.get("outputs", []))
    for sentence in objectivity_method():
        assert sentence.split(":")[0] in shown
