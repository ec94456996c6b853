"""The pupils' table next to a region (:mod:`qualitylib.data.pupils`): read once for both of its readers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qualitylib.data import cache
from qualitylib.data.pupils import COLUMNS, MARK_COLUMNS, PUPILS_FILE, read_pupil_marks, read_pupils


@pytest.fixture
def region(tmp_path):
    rng = np.random.default_rng(20)
    n = 50
    table = pd.DataFrame({
        "year": pd.array([2021] * n, dtype="int16"),
        "school_id": pd.array([f"s{i % 4}" for i in range(n)], dtype="string"),
        "work": pd.array(["math.5", "russian.5"] * (n // 2), dtype="string"),
        "score": rng.integers(0, 20, n).astype("float64"),
        "mark": pd.array(rng.integers(2, 6, n), dtype="Int8"),
        "school_mark": pd.array([None, 4] * (n // 2), dtype="Int8"),
        "participant": [True] * (n - 3) + [False] * 3,
        "absent": [False] * (n - 3) + [True] * 3,
        "task_1": rng.integers(0, 2, n),  # a column neither reader takes
    })
    (tmp_path / PUPILS_FILE).parent.mkdir(parents=True)
    table.to_parquet(tmp_path / PUPILS_FILE)
    yield tmp_path, table
    cache.keep_prepared(False)
    cache._PREPARED.clear()


def test_each_reader_gets_its_columns_as_read_alone(region):
    folder, table = region
    pd.testing.assert_frame_equal(read_pupils(folder), table[COLUMNS])
    pd.testing.assert_frame_equal(read_pupil_marks(folder), table[MARK_COLUMNS])
    assert read_pupils(folder / "no-such-region") is None and read_pupil_marks(folder / "no-such-region") is None


def test_a_template_holds_the_pupils_once(region):
    folder, _ = region
    cache.keep_prepared(True)
    pupils, marks = read_pupils(folder), read_pupil_marks(folder)
    cache.keep_prepared(False)
    # both are selections of one table read once: the scores are the same array, not two copies
    assert np.shares_memory(pupils["score"].to_numpy(), marks["score"].to_numpy())
    assert sorted(key[0] for key in cache._PREPARED) == ["pupil_marks", "pupil_table", "pupils"]
