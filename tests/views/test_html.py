"""HTML pieces: soft hyphens in headers, dense tables."""
import pandas as pd

from qualitylib.views.html import DENSE_COLUMNS, header, table


def test_long_header_words_get_soft_hyphens_at_syllables():
    assert header("Участников") == "Участни&shy;ков"
    assert header("на множественность") == "на мно&shy;жествен&shy;ность"
    # short words, words with ь after the joint and markup are left whole and escaped
    assert header("Школа <b>") == "Школа &lt;b&gt;"
    assert header("Результаты") == "Результаты"
    assert header("Знаменатель").replace("&shy;", "") == "Знаменатель"


def test_many_columns_print_dense():
    frame = pd.DataFrame([[1] * DENSE_COLUMNS], columns=[f"c{i}" for i in range(DENSE_COLUMNS)])
    assert 'class="ql-table ql-dense"' in table(frame).text
    assert 'class="ql-table"' in table(frame.iloc[:, :DENSE_COLUMNS - 1]).text


def test_title_block_names_the_programme_unless_told_not_to():
    from qualitylib.data.params import find_municipality_params, load_params
    from qualitylib.views.html import programme_title, title_block

    params = load_params(find_municipality_params("Полысаево"))
    title = programme_title(params)
    assert title
    assert str(title_block("Регион", "Полысаево", 2026, params)).count(title) == 1
    assert title not in str(title_block("Регион", "Полысаево", 2026, params, programme=False))
