"""Small groups: marking, suppression, complementary suppression."""
import numpy as np
import pandas as pd

from qualitylib.rules.privacy import complementary, small_mask, suppress


def test_small_mask_ignores_empty_cells():
    n = pd.DataFrame([[5, 10, np.nan, 0]])
    assert small_mask(n, 10).values.tolist() == [[True, False, False, False]]


def test_single_hidden_cell_gets_a_complement_in_row_and_column():
    # row 0 has one small cell (n=4); its cheapest partner in the row is n=12;
    # then column 1 has one hidden cell -> its cheapest partner in that column (n=15) is hidden too,
    # and row 1 now has one hidden cell -> another partner there.
    n = np.array([[4.0, 12.0, 30.0], [20.0, 15.0, 40.0], [50.0, 60.0, 70.0]])
    hidden = complementary(n < 10, n)
    assert hidden.sum(axis=1).tolist() and all(c != 1 for c in hidden.sum(axis=1))
    assert all(c != 1 for c in hidden.sum(axis=0))
    assert hidden[0, 0] and hidden[0, 1]


def test_no_small_cells_means_nothing_hidden():
    values = pd.DataFrame([[10.0, 20.0]])
    out, mask = suppress(values, pd.DataFrame([[30, 40]]), 10)
    assert not mask.values.any() and out.equals(values)


def test_a_hidden_cell_cannot_be_recovered_from_row_totals():
    n = pd.DataFrame([[8, 25, 30]], columns=list("abc"))
    values = pd.DataFrame([[50.0, 20.0, 10.0]], columns=list("abc"))
    out, mask = suppress(values, n, 10)
    assert mask.loc[0, "a"] and mask.loc[0, "b"] and not mask.loc[0, "c"]
    assert np.isnan(out.loc[0, "a"]) and np.isnan(out.loc[0, "b"]) and out.loc[0, "c"] == 10.0


def test_without_complement_only_small_cells_are_hidden():
    n = pd.DataFrame([[8, 25]])
    _, mask = suppress(pd.DataFrame([[1.0, 2.0]]), n, 10, with_complement=False)
    assert mask.values.tolist() == [[True, False]]
