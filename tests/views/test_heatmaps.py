"""Tests of qualitylib.views.heatmaps: colours, marks and escaping of the colour-coded tables."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qualitylib.views.heatmaps import LEVEL_COLOURS, NO_DATA, fail_share_table, level_table, share_colours, text_colour


def cells(fragment) -> list[tuple[str, str]]:
    """(background, text) of every data cell, row by row."""
    return re.findall(r'<td[^>]*style="background:(#[0-9a-f]{6});color:#[0-9a-f]+">(.*?)</td>', fragment.text)


def test_share_colours_stops_and_midpoint():
    # green #a6d96a at 0, yellow #ffffbf at the threshold, red #d73027 from twice the threshold;
    # at 10 % of a 20 % threshold: ((166+255)/2, (217+255)/2, (106+191)/2) = (210.5, 236, 148.5) -> d3ec95
    colours = share_colours(np.array([0.0, 10.0, 20.0, 40.0, 75.0, np.nan]), 20)
    assert colours.tolist() == ["#a6d96a", "#d3ec95", "#ffffbf", "#d73027", "#d73027", NO_DATA]


def test_text_colour_reads_on_the_fill():
    assert text_colour("#ffffbf") == "#000"
    assert text_colour("#2c7bb6") == "#fff"
    assert text_colour(NO_DATA) == "#000"


def test_fail_share_table_marks():
    matrix = pd.DataFrame([[25.0, 19.6, np.nan], [20.0, 5.0, 0.0]], index=["Школа № 1", "Школа № 2"],
                          columns=["ВПР математика 5 кл.", "ОГЭ математика", "ЕГЭ русский язык"])
    small = pd.DataFrame([[False, False, False], [False, True, False]], index=matrix.index, columns=matrix.columns)
    out = fail_share_table(matrix, 20, small=small, min_group=10)
    texts = [t for _, t in cells(out)]
    # 19.6 is below 20: one decimal, no mark; 20 is at the threshold: marked
    assert texts == ["25 ▲", "19,6", "—", "20 ▲", "5 м", "0"]
    assert out.text.count('class="ql-mark"') == 2
    assert "меньше 10 участников" in out.text
    assert cells(out)[2][0] == NO_DATA


def test_fail_share_table_public_hides_and_drops_small_marks():
    matrix = pd.DataFrame([[30.0, 4.0]], index=["Школа"], columns=["a", "b"])
    hidden = pd.DataFrame([[False, True]], index=matrix.index, columns=matrix.columns)
    small = pd.DataFrame([[True, True]], index=matrix.index, columns=matrix.columns)
    out = fail_share_table(matrix, 20, small=small, hidden=hidden)
    assert [t for _, t in cells(out)] == ["30 ▲", "скр."]
    assert "4" not in "".join(t for _, t in cells(out))
    assert "скр. — скрыто: малая группа" in out.text


def test_names_are_escaped():
    matrix = pd.DataFrame([[1.0]], index=["<script>alert(1)</script>"], columns=["<b>x</b>"])
    out = fail_share_table(matrix, 20).text
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;x&lt;/b&gt;" in out


def test_level_table_colours_labels_and_order():
    grid = pd.DataFrame({
        "school_id": ["S2", "S1", "S1"],
        "school_name": ["Школа Б", "Школа А", "Школа А"],
        "assessment": ["vpr.math.5", "oge.math.9", "vpr.math.5"],
        "share_now": [46.4, 12.0, 0.0],
        "verdict": ["declined", "insufficient_data", "no_change"],
        "level": [5.0, np.nan, 1.0],
    })
    out = level_table(grid, {"vpr.math.5": "ВПР математика 5 кл.", "oge.math.9": "ОГЭ математика",
                             "ege.russian.11": "ЕГЭ русский"})
    # rows by name (А, Б), columns in the order of titles, absent assessments left out
    # long words of a header may break at soft hyphens
    assert [t.replace("&shy;", "") for t in re.findall(r"<th>(.*?)</th>", out.text)] == [
        "ВПР математика 5 кл.", "ОГЭ математика"]
    assert cells(out) == [(LEVEL_COLOURS[1], "0% =<br>синий"), (NO_DATA, "нет<br>данных"),
                          (LEVEL_COLOURS[5], "46% ↑<br>красный"), (NO_DATA, "—")]
    assert level_table(grid.iloc[:0], {}).text.count("<table") == 0


def test_level_table_hidden_cells_of_a_public_report():
    grid = pd.DataFrame({"school_id": ["S1", "S2"], "school_name": ["Школа А", "Школа Б"],
                         "assessment": ["vpr.math.5", "vpr.math.5"], "share_now": [np.nan, 20.0],
                         "verdict": ["improved", "improved"], "level": [np.nan, 2.0], "hidden": [1, 0]})
    out = level_table(grid, {"vpr.math.5": "ВПР математика 5 кл."})
    assert cells(out) == [(NO_DATA, "скр."), (LEVEL_COLOURS[2], "20% ↓<br>зелёный")]
