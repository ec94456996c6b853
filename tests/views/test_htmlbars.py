"""Tests of qualitylib.views.htmlbars: bars in table rows, widths by hand."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qualitylib.views.htmlbars import PREVIOUS_COLOUR, STATUS_COLOURS, bars, indicator_legend, indicator_table, risk_area_table


def widths(markup: str) -> list[tuple[str, str]]:
    return re.findall(r'width:([0-9.]+)%;background:(#[0-9a-f]{6})', markup)


def test_bars_are_shares_of_the_top():
    assert widths(bars([30, 120, np.nan, -5], ["#000000"] * 4, 120)) == [
        ("25.0", "#000000"), ("100.0", "#000000"), ("0.0", "#000000"), ("0.0", "#000000")]
    assert widths(bars([3], ["#000000"], 0)) == [("0.0", "#000000")]


def test_risk_area_table_counts_and_bars():
    risk = pd.DataFrame({"area_material": [1, 1, 0, 0], "area_staff": [1, 1, 1, 1], "area_pupils": [0, 0, 0, 0],
                         "area_results": [0, 1, 0, 0], "risk": [1, 1, 1, 1]})
    out = risk_area_table(risk).text
    # 2, 4, 0 and 1 schools; the longest bar is the staff area's
    assert re.findall(r'<td class="ql-num">(\d+)</td>', out) == ["2", "4", "0", "1"]
    assert [w for w, _ in widths(out)] == ["50.0", "100.0", "0.0", "25.0"]
    assert "всего в зоне риска: 4 из 4" in out


def test_indicator_table_scale_colours_and_escaping():
    group = pd.DataFrame({
        "id": ["a.1", "a.2"], "number": ["1", "2"], "title": ["Доля <b>ШНОР</b>", "Доля педагогов"], "group": ["Кадры"] * 2,
        "unit": ["%"] * 2, "numerator": [1, 40], "denominator": [2, 50], "value": [50.0, 80.0],
        "prev_value": [np.nan, 60.0], "target": ["рост за год", "не менее 90"], "status": ["no_data", "not_met"],
        "status_title": ["нет данных", "не выполнен"], "target_note": ["", ""],
    })
    out = indicator_table(group, 2026).text
    assert "<h4>Кадры (%)</h4>" in out
    assert "a.1" not in out  # the reader sees the programme's number, not the catalogue code
    assert "Доля &lt;b&gt;ШНОР&lt;/b&gt;" in out and "<b>ШНОР</b>" not in out
    # one scale for the group: its largest value, 80
    assert widths(out) == [("0.0", PREVIOUS_COLOUR), ("62.5", STATUS_COLOURS["no_data"]),
                           ("75.0", PREVIOUS_COLOUR), ("100.0", STATUS_COLOURS["not_met"])]
    assert 'class="ql-bad">не выполнен' in out
    legend = indicator_legend(2026).text
    assert "2025" in legend and all(c in legend for c in STATUS_COLOURS.values())
