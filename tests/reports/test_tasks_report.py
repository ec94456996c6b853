"""The task report's marks and score counts (:mod:`qualitylib.reports.tasks`), from a pupils' file written by hand."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from qualitylib.data import cache
from qualitylib.data.municipality import find_municipality_params, load_params
from qualitylib.data.pupils import PUPILS_FILE
from qualitylib.data.region import load_region
from qualitylib.reports.prelude import prepare
from qualitylib.reports.tasks import build_tasks
from qualitylib.rules.tasks import marks_against_school, score_histogram

ROOT = Path(__file__).resolve().parents[2]


def pupils_table() -> pd.DataFrame:
    """Полысаево's S03001 (30 pupils) and S03002 (25) and Норильск's S01001 (60), math 5 of 2026."""
    rows = []
    for school, n, score, mark, school_mark in (("S03001", 30, 3.0, 3, 4), ("S03002", 25, 5.0, 4, 4),
                                                ("S01001", 60, 1.0, 2, 5)):
        rows += [(2026, school, "math.5", score, mark, school_mark, False, True)] * n
    rows += [(2026, "S03001", "math.5", None, None, 4, True, False)] * 3  # absent: not counted
    return pd.DataFrame(rows, columns=["year", "school_id", "work", "score", "mark", "school_mark", "absent",
                                       "participant"])


@pytest.fixture
def region_with_pupils(tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(ROOT / "data" / "sample", folder)
    (folder / PUPILS_FILE).parent.mkdir()
    pupils_table().to_parquet(folder / PUPILS_FILE)
    return folder, load_params(find_municipality_params("Полысаево"))


def test_marks_and_histograms_of_a_municipality_from_the_regions_counts(region_with_pupils):
    """Полысаево: 55 compared, 30 lowered (S03001, 3 against 4), 25 confirmed; the histogram of its
    55 participants (scores 3 and 5), not Норильск's 60 at 1 point."""
    folder, params = region_with_pupils
    region = load_region(folder)
    r = build_tasks(region, "Полысаево", 2026, params)
    total = r.marks_total.iloc[0]
    assert (total.compared, total.lowered, total.confirmed, total.raised) == (55, 30, 25, 0)
    assert total.lowered_pct == pytest.approx(100 * 30 / 55)
    assert r.marks.set_index("school_id").loc["S03001", "lowered"] == 30
    assert set(r.marks["school_id"]) == {"S03001", "S03002"}
    assert r.histograms["count"].tolist() == [0, 0, 0, 30, 0, 25]
    # the same tables as from the municipality's pupils themselves
    pupils = pupils_table()
    mine = pupils[pupils["school_id"].isin(["S03001", "S03002"])]
    pd.testing.assert_frame_equal(r.marks_total, marks_against_school(mine, by=("year", "work")))
    pd.testing.assert_frame_equal(r.marks.drop(columns=["school_name", "small", "hidden"]), marks_against_school(mine))
    pd.testing.assert_frame_equal(r.histograms, score_histogram(mine, min_participants=50))


def test_the_template_keeps_the_counts_and_not_the_pupils(region_with_pupils):
    """What a batch worker's template prepares: the region's counts of marks and scores, the objectivity
    signs, and no pupil table left for the kernels to inherit."""
    folder, _ = region_with_pupils
    params_file = str(find_municipality_params("Полысаево"))
    cache.keep_prepared(True)
    try:
        prepare(folder, 2026, "Полысаево", params_file)
    finally:
        cache.keep_prepared(False)
    try:
        kinds = {key[0] for key in cache._PREPARED}
        names = {key[2] for key in cache._PREPARED if key[0] == "memo"}
        assert not kinds & {"pupil_table", "pupils", "pupil_marks"}
        assert {"pupil_counts", "objectivity", "task_skill_reference"} <= names
    finally:
        cache._PREPARED.clear()
