"""``python -m qualitylib tasks`` and ``tasks-catalogue``: the CSV, its columns and a real school by hand."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from qualitylib.batch.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "data" / "sample")
REAL = Path(os.environ.get("QUALITYLIB_REAL_DATA", ROOT.parent / "shared" / "real" / "altai-vpr"))
DESCRIPTIONS = REAL.parent / "vpr-descriptions-2021"
MATH5 = "Проведение работы по математике, 5 класс. ВПР 2021.xlsx"
COLUMNS = ["school_id", "assessment", "task", "participants", "success_pct", "municipality_success_pct",
           "region_success_pct", "level", "mastery", "deficit"]


def test_tasks_csv_on_the_sample(tmp_path, capsys):
    out = tmp_path / "tasks.csv"
    assert main(["tasks", "--data", SAMPLE, "--year", "2026", "--municipality", "Полысаево", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"task": str})
    assert all(c in table.columns for c in COLUMNS)
    assert set(table["municipality"]) == {"Полысаево"}
    assert set(table["mastery"]) <= {"mastered", "uncertain", "not_mastered", "insufficient_data"}
    assert set(table["deficit"]) <= {0, 1}
    assert (table.loc[table["deficit"] == 1, "mastery"] == "not_mastered").all()
    assert (table.loc[table["participants"] < 10, "mastery"] == "insufficient_data").all()
    assert "Задания ВПР за 2026 год" in capsys.readouterr().out


def test_tasks_without_a_tasks_table_is_a_russian_usage_error(tmp_path, capsys):
    folder = tmp_path / "region"
    folder.mkdir()
    for name in ("schools.csv", "results.csv"):
        (folder / name).write_bytes((Path(SAMPLE) / name).read_bytes())
    assert main(["tasks", "--data", str(folder), "--year", "2026", "--out", str(tmp_path / "t.csv")]) == 2
    assert "нет таблицы заданий (tasks) за 2026 год" in capsys.readouterr().err


@pytest.mark.skipif(not (REAL / "2021" / "5" / MATH5).is_file(),
                    reason=f"нет реальных данных ФИС ОКО в «{REAL}» (задайте QUALITYLIB_REAL_DATA)")
def test_one_real_school_by_hand_from_the_raw_file(tmp_path):
    """Task 7 of ВПР math 5 (2021) of school sch220206, summed from the export's own cells."""
    from python_calamine import CalamineWorkbook

    src = tmp_path / "src" / "2021" / "5"
    src.mkdir(parents=True)
    (src / MATH5).symlink_to(REAL / "2021" / "5" / MATH5)
    (tmp_path / "src" / "logins.xlsx").symlink_to(REAL / "logins.xlsx")
    assert main(["import-fisoko", str(tmp_path / "src"), "--out", str(tmp_path / "region")]) == 0
    out = tmp_path / "tasks.csv"
    assert main(["tasks", "--data", str(tmp_path / "region"), "--year", "2021", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"task": str})

    rows = CalamineWorkbook.from_path(str(REAL / "2021" / "5" / MATH5)).get_sheet_by_index(0).to_python()
    head = [str(h).strip().lower() for h in rows[0]]
    login, variant, total, task = (head.index(h) for h in ("логин школы", "вариант", "всего баллов", "балл за 7"))

    def number(cell) -> float:
        try:
            return float(cell)
        except (TypeError, ValueError):
            return 0.0  # «X», «не пройд.»: not attempted

    pupils = [r for r in rows[1:] if str(r[login]).strip().lower() == "sch220206"
              and not str(r[variant]).lower().startswith("отсутств") and str(r[total]).strip() != ""
              and number(r[total]) <= 20]
    n = len(pupils)
    score = sum(min(number(r[task]), 1.0) for r in pupils)  # task 7 is worth 1 point
    mine = table[(table["school_id"] == "sch220206") & (table["position"] == 7)].iloc[0]
    assert mine["task"] == "7" and mine["assessment"] == "vpr.math.5"
    assert mine["participants"] == n > 0
    assert mine["success_pct"] == pytest.approx(round(100 * score / n, 1))


@pytest.mark.skipif(not DESCRIPTIONS.is_dir(), reason=f"нет описаний работ в «{DESCRIPTIONS}»")
def test_catalogue_command_rebuilds_the_shipped_year(tmp_path, capsys):
    out = tmp_path / "vpr.yaml"
    out.write_bytes((ROOT / "params" / "tasks" / "vpr.yaml").read_bytes())
    assert main(["tasks-catalogue", str(DESCRIPTIONS), "--year", "2021", "--out", str(out)]) == 0
    assert out.read_bytes() == (ROOT / "params" / "tasks" / "vpr.yaml").read_bytes()
    assert "работ — 8" in capsys.readouterr().out


MATH8 = "Проведение работы по математике, 8 класс. ВПР 2021.xlsx"


@pytest.mark.skipif(not (REAL / "2021" / "8" / MATH8).is_file(),
                    reason=f"нет реальных данных ФИС ОКО в «{REAL}» (задайте QUALITYLIB_REAL_DATA)")
def test_math8_catalogue_maxima_are_those_the_export_reaches():
    """The corrected maxima of math 8 (2021) are the scores the export's columns reach.

    A maximum counts when at least 0.1 % of participants reach it: a handful of scores above the
    task's maximum are input errors (one pupil has 2 for task 17, worth 1).
    """
    from python_calamine import CalamineWorkbook

    from qualitylib.data.catalogue import read_catalogue

    rows = CalamineWorkbook.from_path(str(REAL / "2021" / "8" / MATH8)).get_sheet_by_index(0).to_python()
    head = [str(h).strip().lower() for h in rows[0]]
    variant = head.index("вариант")
    pupils = [r for r in rows[1:] if not str(r[variant]).lower().startswith("отсутств")]
    reached = []
    for position in range(1, 21):
        col = head.index(f"балл за {position}")
        scores = pd.Series([r[col] for r in pupils])
        scores = pd.to_numeric(scores, errors="coerce").dropna()
        counts = scores.value_counts()
        reached.append(int(max(v for v, n in counts.items() if n >= 0.001 * len(scores))))
    work = read_catalogue().work(2021, "math", 8)
    assert work["max_score"].tolist() == reached
    assert sum(reached) == 25
