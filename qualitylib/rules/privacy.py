"""Small groups in published reports: marking and suppression.

The rule (documented in the README):

* a **small group** is a result cell (school × assessment × year) with fewer than
  ``privacy.min_group`` participants (default 10);
* an internal report shows small groups with the mark «м»;
* a public report (``--public``) hides their values («скр.»), and applies
  **complementary suppression**: in a table whose rows or columns have a total (or any
  figure computed from the whole row or column), a row or column with exactly one hidden
  cell gets a second cell hidden — the one with the fewest participants — so the hidden
  value cannot be recovered by subtraction. Repeated until no row or column has exactly
  one hidden cell;
* a public report also hides a **uniform group** — a result where every participant has the same
  outcome (0 % or 100 % low results): publishing it would tell each pupil's result (attribute
  disclosure). Uniform groups are hidden whatever their size and take part in the complementary
  suppression like small ones.

Pupil-level data never enter a report: the library works on per-school aggregates only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def small_mask(participants: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """True where a cell has data and fewer than ``min_group`` participants."""
    return (participants < min_group) & participants.notna() & (participants > 0)


def uniform_mask(low_count, participants):
    """True where a group with data has every participant with the same outcome (0 % or 100 % low).

    Works element-wise on numbers, arrays, Series or DataFrames of the same shape.
    """
    return (participants > 0) & ((low_count == 0) | (low_count == participants))


def public_mask(participants, low_count, min_group: int):
    """What a public report hides before the complementary rule: small or uniform groups."""
    return small_mask(participants, min_group) | uniform_mask(low_count, participants).fillna(False).astype(bool)


def complementary(hidden: np.ndarray, participants: np.ndarray) -> np.ndarray:
    """Extend a boolean ``hidden`` mask so that no row or column has exactly one hidden cell.

    The extra cell is the visible cell with data and the fewest participants in that row or
    column. A row or column whose only visible cells have no data needs nothing more.
    """
    hidden = hidden.copy()
    has_data = ~np.isnan(participants) & (participants > 0)
    weight = np.where(has_data, participants, np.inf)
    changed = True
    while changed:
        changed = False
        for axis in (1, 0):
            counts = hidden.sum(axis=axis)
            for k in np.flatnonzero(counts == 1):
                line_hidden = hidden[k] if axis == 1 else hidden[:, k]
                line_weight = weight[k] if axis == 1 else weight[:, k]
                candidates = np.where(~line_hidden & np.isfinite(line_weight), line_weight, np.inf)
                if np.isfinite(candidates).any():
                    j = int(np.argmin(candidates))
                    if axis == 1:
                        hidden[k, j] = True
                    else:
                        hidden[j, k] = True
                    changed = True
    return hidden


def suppress(values: pd.DataFrame, participants: pd.DataFrame, min_group: int,
             with_complement: bool = True, low_count: pd.DataFrame | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hide small groups, uniform groups (with ``low_count``) and their complements in a table of values.

    Parameters
    ----------
    values, participants : pandas.DataFrame
        Same shape and labels; ``participants`` gives each cell's group size.
    min_group : int
    with_complement : bool
        Apply complementary suppression (for tables published with totals).
    low_count : pandas.DataFrame, optional
        Same shape: the number of low results of each cell; uniform groups are hidden too.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The values with hidden cells set to NaN, and the boolean mask of hidden cells.
    """
    n = participants.to_numpy(dtype=float)
    mask = small_mask(participants, min_group) if low_count is None else \
        public_mask(participants, low_count, min_group)
    hidden = mask.to_numpy(dtype=bool)
    if with_complement:
        hidden = complementary(hidden, n)
    mask = pd.DataFrame(hidden, index=values.index, columns=values.columns)
    return values.mask(mask), mask
