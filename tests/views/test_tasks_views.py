"""Views of the task analysis: the heatmap, recommendations, public mode and the Excel workbook."""
from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from qualitylib.batch.excel import write_tasks_workbook
from qualitylib.reports.tasks import TaskReport
from qualitylib.rules.tasks import task_analysis
from qualitylib.views import tasks as v

PARAMS = {"tasks": {"basic_mastered_pct": 60, "basic_not_mastered_pct": 57, "advanced_mastered_pct": 30,
                    "advanced_not_mastered_pct": 28.5, "unknown_level": "basic", "min_participants": 10,
                    "alpha": 0.05, "mark_gap": 2, "histogram_min_participants": 50, "weakest_count": 3},
          "privacy": {"min_group": 10}}
SCHOOLS = pd.DataFrame({"school_id": ["A", "B", "C"], "municipality": ["X", "X", "Y"],
                        "school_name": ["МБОУ «Средняя общеобразовательная школа № 1»", "Школа Б", "Школа В"]})


def report(public: bool = False, tasks_per_work: int = 10) -> TaskReport:
    rows = []
    for k in range(1, tasks_per_work + 1):
        rows += [(2021, "A", "vpr", "math", 5, str(k), 30, 6.0 if k == 3 else 25.0, 1, "basic"),
                 (2021, "B", "vpr", "math", 5, str(k), 8, 8.0, 1, "basic"),
                 (2021, "C", "vpr", "math", 5, str(k), 400, 360.0, 1, "basic")]
    tasks = pd.DataFrame(rows, columns=["year", "school_id", "procedure", "subject", "grade", "task", "participants",
                                        "score_sum", "max_score", "level"])
    catalogue = pd.DataFrame({"year": 2021, "subject": "math", "grade": 5, "position": range(1, tasks_per_work + 1),
                              "task": [str(k) for k in range(1, tasks_per_work + 1)], "level": "basic",
                              "max_score": 1, "skill": [f"умение {k}" for k in range(1, tasks_per_work + 1)],
                              "block": ""})
    a = task_analysis(tasks, SCHOOLS, PARAMS["tasks"], 2021, catalogue)
    a = a[a["municipality"] == "X"].copy()
    a["school_name"] = a["school_id"].map(SCHOOLS.set_index("school_id")["school_name"])
    a["small"] = a["participants"] < 10
    a["hidden"] = public & (a["small"] | a["success_pct"].isin([0.0, 100.0]))
    focus = pd.DataFrame({"school_id": ["A"], "shnor": [1], "risk": [0], "school_name": [a["school_name"].iloc[0]]})
    empty = pd.DataFrame(columns=["school_id", "assessment", "skill", "success_pct", "region_success_pct", "gap_pp",
                                  "tasks", "participants"])
    return TaskReport("X", 2021, PARAMS, a.reset_index(drop=True), a.iloc[0:0].assign(code="", title="", tasks=""),
                      empty, empty, focus, empty, public=public)


def test_heatmap_marks_the_deficit_and_splits_wide_works():
    r = report()
    fragment = str(v.heatmap(r, "vpr.math.5"))
    assert fragment.count('<table class="ql-heat">') == 2  # 10 tasks: 8 + 2 columns
    # school A, task 3: 6 of 30 = 20 %, far below the rest of the region (90 %): a deficit
    assert re.search(r'class="ql-mark"[^>]*>20 ▼</td>', fragment)
    assert "МБОУ «СОШ №\u00a01» (ШНОР)" in fragment  # short name (№ kept with its number), the ШНОР first
    assert "8 м" not in fragment and "100 м" in fragment  # B: 8 pupils, 100 %: a small group
    assert fragment.index("Муниципалитет") < fragment.index("Регион")


def test_public_heatmap_hides_small_and_uniform_groups():
    fragment = str(v.heatmap(report(public=True), "vpr.math.5"))
    assert "скр." in fragment and "100 м" not in fragment


def test_recommendation_names_the_deficit_with_both_successes():
    text = v.recommendations(report())["Рекомендация"].iloc[0]
    # the region: (6 + 8 + 360) / (30 + 8 + 400) = 85.4 %
    assert "ВПР математика 5 кл., задание 3 — «умение 3»: 20 % (регион — 85 %)" in text
    assert v.school_deficits_table(report())["Задание"].tolist() == ["3"]


def test_tasks_workbook_has_the_deficits_sheet(tmp_path):
    path = write_tasks_workbook(tmp_path / "tasks.xlsx", report())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Дефициты", "Рекомендации", "Выполнение заданий", "Параметры"]
    sheet = book["Дефициты"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]]))
    assert sheet.max_row == 2 and row["Задание"] == "3" and row["Выполнение в школе, %"] == pytest.approx(20.0)


def test_workbook_without_focus_schools(tmp_path):
    """A municipality without ШНОР and risk-zone schools still gets its «Дефициты» sheet."""
    r = report()
    r.focus = r.focus.iloc[0:0]
    book = openpyxl.load_workbook(write_tasks_workbook(tmp_path / "tasks.xlsx", r))
    row = [c.value for c in book["Дефициты"][2]]
    assert book["Дефициты"].max_row == 2 and row[3] is None  # no group


def _with_histograms() -> TaskReport:
    r = report()
    counts = [0, 1, 3, 6, 9, 12, 10, 7, 4, 2, 1]
    r.histograms = pd.DataFrame({"year": 2021, "work": ["math.5"] * 11 + ["russian.5"] * 11,
                                 "score": list(range(11)) * 2, "count": counts + counts[::-1]})
    r.bounds = {"math.5": {"mark2": 3, "mark3": 6, "mark4": 8, "max": 10},
                "russian.5": {"mark2": 2, "mark3": 5, "mark4": 9, "max": 10}}
    return r


def test_histogram_bars_look_as_ax_bar_draws_them(monkeypatch):
    """The bars of a work are one collection; the picture is byte for byte the one ax.bar gives."""
    import io

    import matplotlib.pyplot as plt

    from qualitylib.views import charts

    def png(fig):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches=None, metadata={"Software": None})
        plt.close(fig)
        return buf.getvalue()

    fig = v.histogram_chart(_with_histograms())
    assert [ax.get_title() for ax in fig.axes] == ["ВПР математика 5 кл., участников: 55",
                                                  "ВПР русский язык 5 кл., участников: 55"]
    assert [len(ax.collections[0].get_paths()) for ax in fig.axes] == [11, 11]
    one = png(fig)
    monkeypatch.setattr(charts, "bars", lambda ax, x, heights, width, color: ax.bar(x, heights, width=width,
                                                                                     color=color))
    assert png(v.histogram_chart(_with_histograms())) == one
