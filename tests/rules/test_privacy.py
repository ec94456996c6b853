"""Small groups: marking, suppression, complementary suppression."""
import numpy as np
import pandas as pd

from qualitylib.rules.privacy import complementary, public_mask, small_mask, suppress, uniform_mask


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


def test_uniform_groups_are_those_with_one_outcome_for_all():
    k = pd.DataFrame({"a": [0, 3, 12], "b": [5, 0, 1]})
    n = pd.DataFrame({"a": [20, 12, 12], "b": [5, 0, 30]})
    assert uniform_mask(k, n).to_numpy().tolist() == [[True, True], [False, False], [True, False]]
    # with a minimum of 10: b0 (5 participants) is small as well as uniform; a0 and a2 are uniform only
    assert public_mask(n, k, 10).to_numpy().tolist() == [[True, True], [False, False], [True, False]]


def test_suppress_hides_uniform_groups_and_their_complements():
    values = pd.DataFrame({"a": [0.0, 40.0, 50.0], "b": [20.0, 30.0, 10.0]})
    n = pd.DataFrame({"a": [20, 20, 20], "b": [20, 10, 30]})
    k = pd.DataFrame({"a": [0, 8, 10], "b": [4, 3, 3]})
    shown, hidden = suppress(values, n, 10, low_count=k)
    # a0 is uniform (0 of 20); its row and column each need a second hidden cell: the smallest groups
    assert hidden.to_numpy().tolist() == [[True, True], [True, True], [False, False]]
    assert shown.isna().to_numpy().tolist() == hidden.to_numpy().tolist()
