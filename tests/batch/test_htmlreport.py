"""Tests of qualitylib.batch.htmlreport: one copy of each style block, no code in the report."""
from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output

from qualitylib.views.html import CSS, table
from qualitylib.batch.htmlreport import drop_repeated_styles, notebook_to_html


def test_identical_style_blocks_are_kept_once():
    page = "<style>a{}</style><p>1</p><style>b{}</style><style>a{}</style><p>2</p><style>b{}</style>"
    assert drop_repeated_styles(page) == "<style>a{}</style><p>1</p><style>b{}</style><p>2</p>"


def test_report_carries_the_table_css_once():
    import pandas as pd

    fragment = table(pd.DataFrame({"school_name": ["Школа № 1"]})).text
    cells = [new_code_cell("t", outputs=[new_output("display_data", data={"text/html": fragment})])
             for _ in range(3)]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    html = notebook_to_html(nb, "Отчёт")
    assert html.count(CSS.strip()) == 1
    assert html.count("Школа № 1") == 3
