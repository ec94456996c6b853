"""Honest statistics for shares of pupils (fail shares of schools between years).

A school's fail share moving from 50 % to 17 % looks like "positive dynamics",
but if the class has 6 pupils (3 failing, then 1) the change is well within chance.
The functions here say whether a change is real and whether a share stands out:

* :func:`wilson_interval` -- Wilson score confidence interval of a proportion;
* :func:`two_proportion_test` -- two-sided test of p1 == p2 (Fisher's exact test
  for small tables, pooled z-test otherwise);
* :func:`benjamini_hochberg` -- adjusted p-values (q) of a family of tests, controlling
  the false discovery rate (Benjamini & Hochberg 1995);
* :func:`mantel_haenszel` -- one Cochran–Mantel–Haenszel test per school over its
  procedures, with the common change (the school-level "positive dynamics");
* :func:`verdict` -- ``"improved"`` / ``"declined"`` / ``"no_change"`` /
  ``"insufficient_data"`` for a change of a fail share;
* :func:`funnel_limits` and :func:`outside_funnel` -- exact binomial control limits
  of a funnel plot (Spiegelhalter 2005) and the rows outside them.

All functions are vectorised: inputs are numpy arrays, pandas Series (nullable
integer Series included, ``<NA>`` is read as NaN) or scalars that broadcast to a
common shape; outputs are numpy arrays of that shape. There is no Python loop per
row; Fisher's exact test loops only over chunks of rows (see
:data:`FISHER_CHUNK_CELLS`).
"""
from __future__ import annotations

import numpy as np
from scipy import special  # not scipy.stats: importing it costs ~0.4 s in every report kernel

__all__ = [
    "FISHER_CHUNK_CELLS",
    "benjamini_hochberg",
    "funnel_limits",
    "mantel_haenszel",
    "outside_funnel",
    "two_proportion_test",
    "verdict",
    "wilson_interval",
]

#: Largest number of cells (rows x support width) of one Fisher grid chunk. A few
#: float64 temporaries of this size are alive at once (about 32 MB each).
FISHER_CHUNK_CELLS = 4_000_000

#: Relative tolerance for "as probable as the observed table" in Fisher's test
#: (the same tolerance as R's ``fisher.test``); absorbs rounding in tied tables.
_FISHER_RELATIVE_TOLERANCE = 1e-7

#: Largest deviation of a count from an integer that is still read as that integer.
_INTEGER_TOLERANCE = 1e-6


def _as_float(values) -> np.ndarray:
    """Return ``values`` as a float64 array, missing values (``None``, ``<NA>``) as NaN."""
    if hasattr(values, "to_numpy"):  # pandas Series / Index / ExtensionArray
        return np.asarray(values.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)
    return np.asarray(values, dtype=np.float64)


def _broadcast(*values) -> list[np.ndarray]:
    """Convert to float64 arrays and broadcast them to one shape (copies, writable)."""
    arrays = np.broadcast_arrays(*[_as_float(v) for v in values])
    return [np.array(a, dtype=np.float64) for a in arrays]


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _is_count(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """True where ``n`` is a positive whole number and ``k`` a whole number in [0, n]."""
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(k) & np.isfinite(n) & (n > 0) & (k >= 0) & (k <= n)
            & (np.abs(k - np.rint(k)) <= _INTEGER_TOLERANCE)
            & (np.abs(n - np.rint(n)) <= _INTEGER_TOLERANCE)
        )


# ---------------------------------------------------------------------------
# Wilson interval
# ---------------------------------------------------------------------------

def wilson_interval(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score confidence interval for a proportion.

    Parameters
    ----------
    k : array_like
        Number of "successes" (e.g. failing pupils).
    n : array_like
        Number of trials (e.g. participants); same length as ``k``.
    confidence : float, default 0.95
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    lower, upper : numpy.ndarray
        Limits of the interval as proportions in [0, 1] (exactly 0 where
        ``k == 0`` and exactly 1 where ``k == n``). NaN where ``n`` is 0,
        negative or NaN, where ``k`` is NaN, or where ``k`` lies outside [0, n].

    Notes
    -----
    With :math:`z` the :math:`1 - (1 - \\text{confidence})/2` normal quantile and
    :math:`\\hat p = k/n`, the limits are

    .. math::

        \\frac{\\hat p + z^2/(2n) \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}.

    Unlike the Wald interval it stays inside [0, 1] and is not degenerate at
    ``k = 0`` or ``k = n``. ``k`` need not be an integer.

    Examples
    --------
    >>> lower, upper = wilson_interval([3], [10])
    >>> round(float(lower[0]), 4), round(float(upper[0]), 4)
    (0.1078, 0.6032)
    """
    _check_confidence(confidence)
    k, n = _broadcast(k, n)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(k) & np.isfinite(n) & (n > 0) & (k >= 0) & (k <= n)
    z = np.sqrt(2.0) * special.erfcinv(1.0 - confidence)  # the normal quantile isf((1 - c) / 2)
    z2 = z * z
    nn = np.where(valid, n, 1.0)
    kk = np.where(valid, k, 0.0)
    p_hat = kk / nn
    denom = 1.0 + z2 / nn
    center = (p_hat + z2 / (2.0 * nn)) / denom
    half = z * np.sqrt(np.maximum(p_hat * (1.0 - p_hat) / nn + z2 / (4.0 * nn * nn), 0.0)) / denom
    lower = np.where(kk == 0, 0.0, np.clip(center - half, 0.0, 1.0))  # exact at the edges
    upper = np.where(kk == nn, 1.0, np.clip(center + half, 0.0, 1.0))
    return np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)


# ---------------------------------------------------------------------------
# Two-proportion test
# ---------------------------------------------------------------------------

def _chunks(width: np.ndarray, max_cells: int):
    """Yield ``(start, stop)`` slices of ascending ``width`` with (stop-start)*width[stop-1] <= max_cells.

    A single row wider than ``max_cells`` forms a chunk of its own. The loop runs once
    per chunk, not per row.
    """
    m = len(width)
    start = 0
    while start < m:
        stop_max = min(m, start + max(1, max_cells))
        cells = np.arange(1, stop_max - start + 1, dtype=np.int64) * width[start:stop_max]
        take = max(1, int(np.searchsorted(cells, max_cells, side="right")))
        yield start, start + take
        start += take


def _fisher_two_sided(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray,
                      max_cells: int | None = None) -> np.ndarray:
    """Two-sided Fisher exact p-values of the 2x2 tables [[k1, n1-k1], [k2, n2-k2]].

    Integer int64 inputs of equal length, all tables valid. Conditioning on the
    margins, the top-left cell ``x`` follows the hypergeometric law with support
    ``max(0, K - n2) .. min(n1, K)`` (``K = k1 + k2``). The p-value is the
    probability of the tables no more probable than the observed one (relative
    tolerance :data:`_FISHER_RELATIVE_TOLERANCE`), computed on a padded 2-D grid
    (rows x support) from log-gamma. The normalising constant cancels: the p-value
    is the ratio of the masked sum to the full sum of the unnormalised
    probabilities, each row scaled by its largest term, so nothing underflows
    except probabilities negligible next to the mode.
    """
    if max_cells is None:
        max_cells = FISHER_CHUNK_CELLS
    big_k = k1 + k2
    lo = np.maximum(0, big_k - n2)
    hi = np.minimum(n1, big_k)
    width = hi - lo + 1
    order = np.argsort(width, kind="stable")
    p_sorted = np.empty(len(k1), dtype=np.float64)
    log_tol = np.log1p(_FISHER_RELATIVE_TOLERANCE)
    w_sorted = width[order]
    for start, stop in _chunks(w_sorted, max_cells):
        idx = order[start:stop]
        w = int(w_sorted[stop - 1])
        c_lo, c_n1, c_n2, c_k = lo[idx, None], n1[idx, None], n2[idx, None], big_k[idx, None]
        x = c_lo + np.arange(w, dtype=np.int64)[None, :]
        inside = x <= hi[idx, None]
        x = np.where(inside, x, c_lo)  # padding cells: any value inside the support
        xf = x.astype(np.float64)
        logp = -special.gammaln(xf + 1.0)
        logp -= special.gammaln((c_n1 - x) + 1.0)
        logp -= special.gammaln((c_k - x) + 1.0)
        logp -= special.gammaln((c_n2 - c_k + x) + 1.0)
        logp[~inside] = -np.inf
        logp -= np.max(logp, axis=1, keepdims=True)  # mode at 0: no underflow of the bulk
        observed = np.take_along_axis(logp, (k1[idx] - lo[idx])[:, None], axis=1)
        prob = np.exp(logp)
        total = prob.sum(axis=1)
        prob[logp > observed + log_tol] = 0.0
        p_sorted[start:stop] = prob.sum(axis=1) / total
    p = np.empty_like(p_sorted)
    p[order] = p_sorted
    return np.minimum(p, 1.0)


def two_proportion_test(k1, n1, k2, n2, exact_below: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided test of equal proportions, ``k1/n1`` against ``k2/n2``.

    Parameters
    ----------
    k1, n1 : array_like
        Successes and trials of the first sample (e.g. failing pupils and
        participants in the earlier year).
    k2, n2 : array_like
        Successes and trials of the second sample; all four of equal length.
    exact_below : float, default 5.0
        Fisher's exact test is used where the smallest expected cell count of the
        2x2 table ``[[k1, n1-k1], [k2, n2-k2]]`` (row total x column total / grand
        total) is below this value; the pooled z-test elsewhere. ``numpy.inf``
        forces Fisher's test everywhere, ``0`` forces the z-test.

    Returns
    -------
    p_value : numpy.ndarray of float
        Two-sided p-value of H0: p1 == p2, in [0, 1].
    method : numpy.ndarray of str
        ``"fisher"`` or ``"z"`` per row.

    Notes
    -----
    * Rows where ``n1 == 0`` or ``n2 == 0``, or any input is NaN, get a NaN p-value
      and method ``""``. So do rows that are not counts: a negative count, a ``k``
      above its ``n``, or a non-integer value (tolerance 1e-6).
    * z-test: pooled proportion :math:`\\bar p = (k_1+k_2)/(n_1+n_2)`,
      :math:`z = (k_1/n_1 - k_2/n_2)/\\sqrt{\\bar p(1-\\bar p)(1/n_1+1/n_2)}`, no
      continuity correction, p-value :math:`2(1-\\Phi(|z|))`; 1.0 when
      :math:`\\bar p` is 0 or 1. Same as
      ``statsmodels.stats.proportion.proportions_ztest``.
    * Fisher's test follows ``scipy.stats.fisher_exact`` (two-sided): the sum of the
      probabilities of all tables with the same margins that are at most as probable
      as the observed one, with a relative tolerance of 1e-7 for ties (scipy uses
      1e-14 on its own arithmetic; ties here are computed from log-gamma, so the
      looser tolerance of R's ``fisher.test`` is needed to keep them). It is
      vectorised over a padded rows x support grid, processed in chunks of at most
      :data:`FISHER_CHUNK_CELLS` cells; the support width is at most
      ``min(n1, n2, K, N-K) + 1``, small for the tables that need the exact test.

    Examples
    --------
    A class of 6 with 3 failing pupils, then 1:

    >>> p, method = two_proportion_test([3], [6], [1], [6])
    >>> round(float(p[0]), 4), str(method[0])
    (0.5455, 'fisher')
    """
    k1, n1, k2, n2 = _broadcast(k1, n1, k2, n2)
    shape = k1.shape
    k1, n1, k2, n2 = (a.ravel() for a in (k1, n1, k2, n2))
    valid = _is_count(k1, n1) & _is_count(k2, n2)
    p_value = np.full(k1.shape, np.nan)
    method = np.full(k1.shape, "", dtype="<U6")

    ik1, in1, ik2, in2 = (np.where(valid, np.rint(a), 0).astype(np.int64) for a in (k1, n1, k2, n2))
    big_n = in1 + in2
    big_k = ik1 + ik2
    # smallest expected count: smallest row total x smallest column total / grand total
    with np.errstate(invalid="ignore", divide="ignore"):
        min_expected = (np.minimum(in1, in2).astype(np.float64)
                        * np.minimum(big_k, big_n - big_k).astype(np.float64)) / big_n
    use_fisher = valid & (min_expected < exact_below)
    use_z = valid & ~use_fisher

    if use_fisher.any():
        p_value[use_fisher] = _fisher_two_sided(ik1[use_fisher], in1[use_fisher],
                                                ik2[use_fisher], in2[use_fisher])
        method[use_fisher] = "fisher"

    if use_z.any():
        a1, m1, a2, m2 = (a[use_z].astype(np.float64) for a in (ik1, in1, ik2, in2))
        pooled = (a1 + a2) / (m1 + m2)
        var = pooled * (1.0 - pooled) * (1.0 / m1 + 1.0 / m2)
        degenerate = var <= 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (a1 / m1 - a2 / m2) / np.sqrt(var)
        p_z = special.erfc(np.abs(z) / np.sqrt(2.0))  # two-sided normal p-value, 2·sf(|z|)
        p_value[use_z] = np.where(degenerate, 1.0, np.minimum(p_z, 1.0))
        method[use_z] = "z"

    return p_value.reshape(shape), method.reshape(shape)


# ---------------------------------------------------------------------------
# False discovery rate
# ---------------------------------------------------------------------------

def benjamini_hochberg(p_value) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) of one family of tests.

    Parameters
    ----------
    p_value : array_like
        p-values of the family (any shape). NaN entries (tests not made) are kept out
        of the family: they neither count in ``m`` nor get a q-value.

    Returns
    -------
    numpy.ndarray of float
        Adjusted p-values ``q`` of the same shape, in [0, 1]; NaN where ``p_value`` is
        NaN. Rejecting the hypotheses with ``q < alpha`` controls the false discovery
        rate (the expected share of false findings among the findings) at ``alpha``.

    Notes
    -----
    With the :math:`m` finite p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,

    .. math::

        q_{(i)} = \\min_{j \\ge i} \\min\\left(1, \\frac{m\\,p_{(j)}}{j}\\right),

    and each test gets the q of its rank (ties share the smallest). This is the
    step-up procedure of Benjamini & Hochberg (1995), valid for independent or
    positively dependent tests, and equals
    ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]`` on the finite
    p-values.

    Unlike a per-test level, where about ``alpha × m`` tests come out "significant" when
    nothing has changed, the procedure keeps the share of false findings at ``alpha``.

    References
    ----------
    Benjamini, Y., Hochberg, Y. (1995). Controlling the false discovery rate: a practical
    and powerful approach to multiple testing. *Journal of the Royal Statistical Society,
    Series B*, 57(1), 289–300.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, np.nan]).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    p = _as_float(p_value)
    shape = p.shape
    flat = p.ravel()
    q = np.full(flat.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(flat))
    m = len(finite)
    if m:
        order = finite[np.argsort(flat[finite], kind="stable")]
        ranked = flat[order] * m / np.arange(1, m + 1)
        q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return q.reshape(shape)


# ---------------------------------------------------------------------------
# One test over several procedures: Cochran–Mantel–Haenszel
# ---------------------------------------------------------------------------

def mantel_haenszel(k1, n1, k2, n2, group, correction: bool = True) -> dict:
    """Cochran–Mantel–Haenszel test of one common change over the strata of each group.

    A school judged over a group of procedures (its ОГЭ and ЕГЭ in mathematics, or its
    diagnostic works) has one 2×2 table per procedure: last year and this year × low and
    not low. Judging each table alone and calling the school improved when one of up to
    eight tables improved inflates the false findings (13–17 % of schools where nothing
    changed); this function gives **one** test per school, pooling the procedures as
    strata, and one estimate of the change.

    Parameters
    ----------
    k1, n1 : array_like
        Low results and participants in the earlier year, one entry per stratum
        (school × procedure).
    k2, n2 : array_like
        The same in the later year.
    group : array_like
        The group (school) of each stratum; any hashable labels.
    correction : bool, default True
        Apply the continuity correction of Mantel & Haenszel (1959), as R's
        ``mantelhaen.test`` does by default: the test is then slightly conservative in
        small schools, never liberal.

    Returns
    -------
    dict of numpy.ndarray
        One entry per distinct group, in sorted order of the labels:

        * ``group`` -- the labels;
        * ``strata`` -- number of strata with pupils in both years;
        * ``n1``, ``n2`` -- participants of those strata in each year;
        * ``risk_difference`` -- the Mantel–Haenszel estimate of the common change of the
          low share, ``p2 − p1`` (a proportion; negative = fewer low results);
        * ``statistic`` -- the CMH chi-square (1 degree of freedom);
        * ``p_value`` -- its two-sided p-value; NaN when no stratum has pupils in both
          years, 1 when no stratum carries information (all low or none low in both years).

    Notes
    -----
    For stratum :math:`i` with :math:`a_i = k_{1i}`, :math:`m_i = k_{1i} + k_{2i}` low
    results of :math:`N_i = n_{1i} + n_{2i}` pupils,

    .. math::

        E_i = \\frac{n_{1i} m_i}{N_i}, \\qquad
        V_i = \\frac{n_{1i} n_{2i} m_i (N_i - m_i)}{N_i^2 (N_i - 1)}, \\qquad
        \\chi^2_{MH} = \\frac{\\left(\\left|\\sum_i (a_i - E_i)\\right| - c\\right)^2}{\\sum_i V_i},

    with :math:`c = 1/2` when corrected and :math:`|\\sum_i (a_i - E_i)| \\ge 1/2` (else
    :math:`c = 0`, as in R's ``mantelhaen.test``), and the p-value from :math:`\\chi^2_1`. The common risk difference is

    .. math::

        \\widehat{RD}_{MH} = \\frac{\\sum_i w_i (\\hat p_{2i} - \\hat p_{1i})}{\\sum_i w_i},
        \\qquad w_i = \\frac{n_{1i} n_{2i}}{N_i}.

    Because :math:`a_i - E_i = w_i (\\hat p_{1i} - \\hat p_{2i})`, the sign of the test's
    deviation and of :math:`\\widehat{RD}_{MH}` always agree: a significant test with a
    negative estimate is a significant fall of the low share. Without correction the
    statistic equals ``statsmodels.stats.contingency_tables.StratifiedTable(...)
    .test_null_odds(correction=False).statistic``, and with it ``correction=True`` whenever
    the deviation is at least 1/2.

    References
    ----------
    Mantel, N., Haenszel, W. (1959). Statistical aspects of the analysis of data from
    retrospective studies of disease. *Journal of the National Cancer Institute*, 22,
    719–748. Greenland, S., Robins, J. M. (1985). Estimation of a common effect parameter
    from sparse follow-up data. *Biometrics*, 41, 55–68.

    Examples
    --------
    >>> out = mantel_haenszel([30, 20], [100, 80], [15, 10], [100, 80], ["A", "A"])
    >>> out["risk_difference"].round(4).tolist(), out["p_value"].round(4).tolist()
    ([-0.1389], [0.0019])
    """
    k1, n1, k2, n2 = _broadcast(k1, n1, k2, n2)
    labels = np.asarray(group)
    if labels.shape != k1.shape:
        labels = np.broadcast_to(labels, k1.shape)
    keys, index = np.unique(labels.ravel(), return_inverse=True)
    k1, n1, k2, n2 = (a.ravel() for a in (k1, n1, k2, n2))
    with np.errstate(invalid="ignore"):
        usable = (n1 > 0) & (n2 > 0) & np.isfinite(k1) & np.isfinite(k2)
    size = len(keys)

    def total(values):
        return np.bincount(index[usable], weights=values[usable], minlength=size)

    big_n = n1 + n2
    m = k1 + k2
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(usable, n1 * n2 / big_n, 0.0)
        deviation = np.where(usable, k1 - n1 * m / big_n, 0.0)
        variance = np.where(usable & (big_n > 1), n1 * n2 * m * (big_n - m) / (big_n ** 2 * (big_n - 1)), 0.0)
        change = np.where(usable, k2 / n2 - k1 / n1, 0.0)
    strata = np.bincount(index[usable], minlength=size)
    sum_dev, sum_var, sum_w = total(deviation), total(variance), total(weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = 0.5 if correction else 0.0
        numerator = np.where(np.abs(sum_dev) >= shift, np.abs(sum_dev) - shift, np.abs(sum_dev))
        statistic = np.where(sum_var > 0, numerator ** 2 / sum_var, 0.0)
        p_value = np.where(sum_var > 0, special.erfc(np.sqrt(statistic / 2.0)), 1.0)
        risk_difference = np.where(sum_w > 0, total(weight * change) / sum_w, np.nan)
    p_value = np.where(strata > 0, np.minimum(p_value, 1.0), np.nan)
    statistic = np.where(strata > 0, statistic, np.nan)
    return {"group": keys, "strata": strata, "n1": total(n1), "n2": total(n2),
            "risk_difference": risk_difference, "statistic": statistic, "p_value": p_value}


# ---------------------------------------------------------------------------
# Verdict
# ---------------------------------------------------------------------------

def verdict(share_prev, share_now, p_value, n_prev, n_now,
            alpha: float = 0.05, min_n: float = 10, min_change: float = 0.0) -> np.ndarray:
    """Classify the change of a fail share between two years.

    Parameters
    ----------
    share_prev, share_now : array_like
        Fail shares in the earlier and the later year (any common scale, e.g.
        proportions or percent; only their order matters).
    p_value : array_like
        p-value of the change, e.g. from :func:`two_proportion_test`.
    n_prev, n_now : array_like
        Number of participants in the earlier and the later year.
    alpha : float, default 0.05
        Significance level.
    min_n : float, default 10
        Smallest number of participants, in each year, for a verdict.
    min_change : float, default 0.0
        Smallest practical change, ``abs(share_now - share_prev)`` on the scale of the
        shares (percentage points for percent shares), for a significant verdict;
        smaller significant changes are ``"no_change"``. 0 keeps every significant change.

    Returns
    -------
    numpy.ndarray of str
        Per row, the first rule that applies:

        * ``"insufficient_data"`` -- either n is NaN or below ``min_n``, the
          p-value is NaN, or either share is NaN;
        * ``"improved"`` -- ``p_value < alpha``, ``share_now < share_prev`` (a falling
          fail share is an improvement) and ``share_prev - share_now >= min_change``;
        * ``"declined"`` -- ``p_value < alpha`` and ``share_now - share_prev >= min_change``
          (and ``share_now > share_prev``);
        * ``"no_change"`` -- otherwise.

        Pass adjusted p-values (:func:`benjamini_hochberg`) as ``p_value`` when the
        verdicts of a family of tests are shown together.

    Examples
    --------
    >>> p, _ = two_proportion_test([60, 3], [200, 6], [20, 1], [200, 6])
    >>> verdict([0.3, 0.5], [0.1, 1 / 6], p, [200, 6], [200, 6]).tolist()
    ['improved', 'insufficient_data']
    """
    share_prev, share_now, p_value, n_prev, n_now = _broadcast(
        share_prev, share_now, p_value, n_prev, n_now)
    with np.errstate(invalid="ignore"):
        insufficient = (
            ~(n_prev >= min_n) | ~(n_now >= min_n)  # NaN compares False: insufficient
            | np.isnan(p_value) | np.isnan(share_prev) | np.isnan(share_now)
        )
        # a tiny tolerance: 5.0 pp computed as a difference of two percentages may be 4.999...
        significant = (p_value < alpha) & (np.abs(share_now - share_prev) >= min_change - 1e-9)
    out = np.full(share_prev.shape, "no_change", dtype="<U17")
    out[significant & (share_now < share_prev)] = "improved"
    out[significant & (share_now > share_prev)] = "declined"
    out[insufficient] = "insufficient_data"
    return out


# ---------------------------------------------------------------------------
# Funnel plot
# ---------------------------------------------------------------------------

def _binom_cdf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``P(Y <= k)`` for ``Y ~ Bin(n, p)``, as ``scipy.stats.binom.cdf`` (0 below 0, 1 from ``n``)."""
    k = np.floor(k)
    with np.errstate(invalid="ignore"):  # cephes wants whole counts as integers
        inside = special.bdtr(np.clip(k, 0, n).astype(np.int64), np.asarray(n).astype(np.int64), p)
    return np.where(k < 0, 0.0, np.where(k >= n, 1.0, inside))


def _binom_ppf(q: float, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The smallest ``r`` with ``P(Y <= r) >= q``, as ``scipy.stats.binom.ppf`` for ``0 < q < 1``.

    Built, like scipy's own, on ``special.bdtrik``: importing ``scipy.stats`` costs ~0.4 s
    in every report kernel, ``scipy.special`` is already loaded.
    """
    with np.errstate(invalid="ignore"):
        r = np.ceil(special.bdtrik(q, n, p))
    r = np.where(p == 0, 0.0, np.where(np.isnan(r), n, r))
    below = np.maximum(r - 1, 0)
    return np.minimum(np.where(_binom_cdf(below, n, p) >= q, below, r), n)


def _interpolated_quantile(q: float, n: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """Spiegelhalter's interpolated binomial quantile ``r - alpha'`` (a count)."""
    r = _binom_ppf(q, n, p0)
    cdf_r = _binom_cdf(r, n, p0)
    cdf_below = _binom_cdf(r - 1, n, p0)
    step = cdf_r - cdf_below
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(step > 0, (cdf_r - q) / step, 0.0)
    return r - a


def _funnel_inputs(p0, n, confidence: float):
    """Checked funnel inputs: the mask of usable points, and ``n`` and ``p0`` with placeholders elsewhere."""
    _check_confidence(confidence)
    p0_arr, n = _broadcast(p0, n)
    with np.errstate(invalid="ignore"):
        if np.any((p0_arr < 0) | (p0_arr > 1)):
            raise ValueError("p0 must be in [0, 1]")
        valid = np.isfinite(n) & (n > 0) & np.isfinite(p0_arr)
    return valid, np.where(valid, n, 1.0), np.where(valid, p0_arr, 0.5)


def funnel_limits(p0, n, confidence) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial control limits of a funnel plot (Spiegelhalter 2005).

    Parameters
    ----------
    p0 : float
        Target proportion in [0, 1] (e.g. the regional fail share). An array
        broadcasting against ``n`` also works.
    n : array_like
        Group sizes (participants); whole numbers.
    confidence : float
        Coverage of the limits, e.g. 0.95 (warning) or 0.998 (control).

    Returns
    -------
    lower, upper : numpy.ndarray
        Limits as proportions, clipped to [0, 1]; NaN where ``n <= 0`` or ``n``
        is NaN.

    Notes
    -----
    With :math:`\\alpha = (1 - \\text{confidence})/2` and :math:`Y \\sim
    \\text{Bin}(n, p_0)`, for :math:`q = \\alpha` (lower) and :math:`q = 1-\\alpha`
    (upper): :math:`r` is the binomial quantile ``scipy.stats.binom.ppf(q, n, p0)``
    (the smallest :math:`r` with :math:`P(Y \\le r) \\ge q`),

    .. math::

        \\alpha' = \\frac{P(Y \\le r) - q}{P(Y \\le r) - P(Y \\le r - 1)},
        \\qquad \\text{limit} = (r - \\alpha')/n.

    The interpolation makes the limits smooth in ``n``. For small ``n`` the
    probability of an in-control group falling outside them is not exactly
    :math:`\\alpha` on each side (Manktelow & Seaton 2012): the upper limit can sit
    below the last count whose upper tail is at most :math:`\\alpha` (e.g.
    ``p0 = 0.5, n = 10``: upper limit 0.7676, so 8/10 is above it although
    :math:`P(Y \\ge 8) = 0.055`), the lower limit is conservative.

    Examples
    --------
    >>> lower, upper = funnel_limits(0.5, [10], 0.95)
    >>> round(float(lower[0]), 4), round(float(upper[0]), 4)
    (0.1324, 0.7676)
    """
    valid, nn, pp = _funnel_inputs(p0, n, confidence)
    alpha = (1.0 - confidence) / 2.0
    lower = _interpolated_quantile(alpha, nn, pp) / nn
    upper = _interpolated_quantile(1.0 - alpha, nn, pp) / nn
    lower = np.where(valid, np.clip(lower, 0.0, 1.0), np.nan)
    upper = np.where(valid, np.clip(upper, 0.0, 1.0), np.nan)
    return lower, upper


def outside_funnel(k, n, p0, confidence) -> np.ndarray:
    """Position of each share ``k/n`` relative to the funnel limits of :func:`funnel_limits`.

    Parameters
    ----------
    k : array_like
        Counts (e.g. failing pupils).
    n : array_like
        Group sizes, same length as ``k``.
    p0 : float
        Target proportion in [0, 1].
    confidence : float
        Coverage of the limits, e.g. 0.95 or 0.998.

    Returns
    -------
    numpy.ndarray of int
        +1 where ``k/n`` is strictly above the upper limit, -1 where strictly below
        the lower limit, 0 inside, and 0 where ``n`` is 0 (or ``n`` or ``k`` is
        NaN, or ``n`` negative).

    Examples
    --------
    >>> outside_funnel([40, 20, 5, 0], [100, 100, 100, 0], 0.2, 0.95).tolist()
    [1, 0, -1, 0]
    """
    k, n = _broadcast(k, n)
    lower, upper = funnel_limits(p0, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k / n
        above = share > upper  # NaN compares False
        below = share < lower
    out = np.zeros(share.shape, dtype=np.int64)
    out[above] = 1
    out[below] = -1
    return out


# ---------------------------------------------------------------------------
# Funnel plot: overdispersion (Spiegelhalter 2005b; FunnelPlotR)
# ---------------------------------------------------------------------------

from typing import NamedTuple  # noqa: E402 -- here, with the section that needs it

#: Share of the z-scores winsorised at each side before the dispersion is estimated.
WINSORISE_SHARE = 0.1

#: The two adjustments of the funnel limits for overdispersion (Spiegelhalter 2005b):
#: ``"additive"`` (random effects, the default) and ``"multiplicative"``.
OVERDISPERSION_METHODS = ("additive", "multiplicative")


class Overdispersion(NamedTuple):
    """What :func:`overdispersion` estimated for one set of units (schools) around a target.

    Attributes
    ----------
    phi : float
        Dispersion factor: ``phi_winsorised`` divided by its expectation under pure chance,
        so that it is about 1 when the units differ by chance only.
    phi_winsorised : float
        Mean of the squared winsorised z-scores (FunnelPlotR's :math:`\\phi`).
    tau2 : float
        Between-unit variance on the arcsine scale (DerSimonian–Laird, from the winsorised
        z-scores); 0 when :math:`N\\hat\\phi \\le N - 1`.
    statistic : float
        :math:`N\\hat\\phi`, compared with the :math:`\\chi^2_{N-1}` critical value.
    critical : float
        The :math:`\\chi^2_{N-1}` quantile at ``confidence``.
    units : int
        :math:`N`, the units with a valid count (``n > 0``, ``0 <= k <= n``).
    overdispersed : bool
        ``statistic > critical`` (and at least two units): the limits should be widened.
    """

    phi: float
    phi_winsorised: float
    tau2: float
    statistic: float
    critical: float
    units: int
    overdispersed: bool

    @classmethod
    def none(cls) -> "Overdispersion":
        """No adjustment: what the exact limits assume (``phi = 1``, ``tau2 = 0``)."""
        return cls(phi=np.nan, phi_winsorised=np.nan, tau2=0.0, statistic=np.nan, critical=np.nan, units=0, overdispersed=False)


def _winsorised_normal_moment(trim: float) -> float:
    """``E[W^2]`` for ``W`` a standard normal winsorised at ``trim`` each side (1 for ``trim = 0``)."""
    if trim == 0:
        return 1.0
    q = float(-special.ndtri(trim))
    density = float(np.exp(-q * q / 2) / np.sqrt(2 * np.pi))
    return (1 - 2 * trim) - 2 * q * density + 2 * trim * q * q


def _arcsine_z(k: np.ndarray, n: np.ndarray, target: float) -> np.ndarray:
    """``(asin(sqrt(k/n)) - asin(sqrt(target))) * 2 sqrt(n)``: the z-score on the arcsine scale."""
    return (np.arcsin(np.sqrt(k / n)) - np.arcsin(np.sqrt(target))) * 2.0 * np.sqrt(n)


def overdispersion(k, n, target, trim: float = WINSORISE_SHARE, confidence: float = 0.95) -> Overdispersion:
    """Whether shares ``k/n`` of several units vary around ``target`` more than chance allows.

    Parameters
    ----------
    k : array_like
        Counts of each unit (e.g. failing pupils of each school).
    n : array_like
        Group sizes, same length as ``k``. Units with ``n <= 0``, NaN or ``k`` outside
        ``[0, n]`` are left out.
    target : float
        Target proportion in [0, 1], usually the pooled share ``sum(k) / sum(n)``.
    trim : float, default 0.1
        Share of the z-scores winsorised at each side (FunnelPlotR's ``trim_by``).
    confidence : float, default 0.95
        Level of the :math:`\\chi^2` test of overdispersion.

    Returns
    -------
    Overdispersion
        ``phi``, ``tau2``, the test statistic and critical value, the number of units and
        the verdict ``overdispersed``.

    Notes
    -----
    On the variance-stabilising arcsine scale :math:`y_i = \\arcsin\\sqrt{k_i/n_i}` has
    standard error :math:`s_i = 1/(2\\sqrt{n_i})` whatever the share, so the z-score of
    unit :math:`i` against :math:`\\theta_0 = \\arcsin\\sqrt{p_0}` is

    .. math:: z_i = (y_i - \\theta_0) / s_i = 2\\sqrt{n_i}\\,(y_i - \\theta_0).

    The :math:`z_i` are winsorised: those below the ``trim`` quantile (linear interpolation,
    R's type 7) are set to it, those above the ``1 - trim`` quantile likewise, so that a few
    true outliers do not inflate the estimate. With :math:`N` units,

    .. math::

        \\hat\\phi_w = \\frac{1}{N}\\sum_i z_{i,w}^2, \\qquad
        \\hat\\phi = \\hat\\phi_w / c_t, \\qquad
        c_t = (1 - 2t) - 2 q\\varphi(q) + 2 t q^2, \\quad q = \\Phi^{-1}(1 - t),

    .. math::

        \\hat\\tau^2 = \\max\\left(0, \\frac{N\\hat\\phi - (N - 1)}
        {\\sum_i w_i - \\sum_i w_i^2 / \\sum_i w_i}\\right), \\quad w_i = 1/s_i^2 = 4 n_i

    (the DerSimonian–Laird moment estimator with :math:`N\\hat\\phi` in place of Cochran's
    :math:`Q`). :math:`c_t` is the second moment of a standard normal winsorised at
    :math:`t` each side (0.679 for :math:`t = 0.1`, 1 for :math:`t = 0`): Spiegelhalter and
    FunnelPlotR use :math:`\\hat\\phi_w` itself, which is about 0.68, not 1, under pure chance,
    so that both the test and :math:`\\hat\\tau^2` come out too small (in a simulation of
    beta-binomial schools the widened 95 % limits then still flag about 11 % of the schools;
    with :math:`c_t` about 5 %). ``phi_winsorised`` keeps the uncorrected value. Without extra variation :math:`N\\hat\\phi` is approximately
    :math:`\\chi^2_{N-1}` (one degree of freedom spent on the pooled target), and the
    units are called overdispersed when it exceeds the ``confidence`` quantile.

    The arcsine transform is the one FunnelPlotR uses for proportions; the
    Freeman–Tukey double arcsine would behave slightly better near 0 and 1.

    References
    ----------
    Spiegelhalter D. J. (2005a). Funnel plots for comparing institutional performance.
    *Statistics in Medicine* 24, 1185–1202. — Spiegelhalter D. J. (2005b). Handling
    over-dispersion of performance indicators. *Quality and Safety in Health Care* 14,
    347–351. — DerSimonian R., Laird N. (1986). Meta-analysis in clinical trials.
    *Controlled Clinical Trials* 7, 177–188. — Mainey C. et al., FunnelPlotR (R package),
    https://github.com/chrismainey/FunnelPlotR.

    Examples
    --------
    Four schools of 100 pupils around 50 %: a binomial spread, then a wide one.

    >>> overdispersion([45, 48, 53, 55], [100] * 4, 0.5).overdispersed
    False
    >>> overdispersion([20, 35, 65, 80], [100] * 4, 0.5).overdispersed
    True
    """
    _check_confidence(confidence)
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), got {trim!r}")
    target = float(target)
    if not 0.0 <= target <= 1.0:
        raise ValueError("target must be in [0, 1]")
    k, n = _broadcast(k, n)
    valid = _is_count(k, n)
    k, n = np.rint(k[valid]), np.rint(n[valid])
    units = int(k.size)
    if units < 2:
        return Overdispersion(phi=np.nan, phi_winsorised=np.nan, tau2=0.0, statistic=np.nan, critical=np.nan, units=units,
                              overdispersed=False)
    z = _arcsine_z(k, n, target)
    low, high = np.quantile(z, [trim, 1.0 - trim])
    z_w = np.clip(z, low, high)
    phi_winsorised = float(np.mean(z_w ** 2))
    phi = phi_winsorised / _winsorised_normal_moment(trim)
    statistic = units * phi
    critical = float(special.chdtri(units - 1, 1.0 - confidence))
    w = 4.0 * n
    tau2 = max(0.0, (statistic - (units - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    return Overdispersion(phi=phi, phi_winsorised=phi_winsorised, tau2=float(tau2), statistic=float(statistic), critical=critical,
                          units=units, overdispersed=bool(statistic > critical))


def adjusted_funnel_limits(p0, n, confidence, dispersion: Overdispersion,
                           method: str = "additive") -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits widened for overdispersion, or the exact ones when there is none.

    Parameters
    ----------
    p0 : float
        Target proportion in [0, 1].
    n : array_like
        Group sizes.
    confidence : float
        Coverage of the limits, e.g. 0.95 or 0.998.
    dispersion : Overdispersion
        The result of :func:`overdispersion` for the units plotted.
    method : {"additive", "multiplicative"}, default "additive"
        Random-effects (additive :math:`\\tau^2`) or multiplicative (:math:`\\sqrt\\phi`)
        widening.

    Returns
    -------
    lower, upper : numpy.ndarray
        Limits as proportions in [0, 1], never inside the exact ones; NaN where
        ``n <= 0`` or NaN. When
        ``dispersion.overdispersed`` is false these are exactly :func:`funnel_limits`.

    Notes
    -----
    With :math:`\\theta_0 = \\arcsin\\sqrt{p_0}`, :math:`s = 1/(2\\sqrt n)` and
    :math:`z` the standard normal quantile at :math:`(1 + \\text{confidence})/2`:

    .. math::

        \\text{additive:}\\quad \\sin^2\\left(\\theta_0 \\pm z\\sqrt{s^2 + \\hat\\tau^2}\\right),
        \\qquad
        \\text{multiplicative:}\\quad \\sin^2\\left(\\theta_0 \\pm z\\sqrt{\\hat\\phi}\\,s\\right),

    the angle clipped to :math:`[0, \\pi/2]` before the back-transform. The result is never
    narrower than the exact limits (lower = min, upper = max of the two): for a few pupils
    the normal approximation on the arcsine scale is narrower than the exact binomial
    limits, and an adjustment for extra variation must only widen them. The additive
    limits do not close in on :math:`p_0` as :math:`n` grows (their width tends to
    :math:`2z\\hat\\tau`), which is why they are the default: with true differences
    between schools the multiplicative limits would still flag most large schools
    (Spiegelhalter 2005b; FunnelPlotR's default for the same reason). See
    :func:`overdispersion` for the references.
    """
    if method not in OVERDISPERSION_METHODS:
        raise ValueError(f"method must be one of {OVERDISPERSION_METHODS}, got {method!r}")
    if not dispersion.overdispersed:
        return funnel_limits(p0, n, confidence)
    valid, nn, pp = _funnel_inputs(p0, n, confidence)
    theta0 = np.arcsin(np.sqrt(pp))
    s = 1.0 / (2.0 * np.sqrt(nn))
    z = -special.ndtri((1.0 - confidence) / 2.0)
    half = z * (np.sqrt(s ** 2 + dispersion.tau2) if method == "additive" else np.sqrt(dispersion.phi) * s)
    exact_lower, exact_upper = funnel_limits(pp, nn, confidence)
    lower = np.minimum(np.sin(np.clip(theta0 - half, 0.0, np.pi / 2)) ** 2, exact_lower)
    upper = np.maximum(np.sin(np.clip(theta0 + half, 0.0, np.pi / 2)) ** 2, exact_upper)
    return np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)


def outside_adjusted_funnel(k, n, p0, confidence, dispersion: Overdispersion,
                            method: str = "additive") -> np.ndarray:
    """Position of each share ``k/n`` relative to :func:`adjusted_funnel_limits`.

    Returns +1 strictly above the upper limit, −1 strictly below the lower one, 0 inside
    and where ``n`` is 0 or NaN, as :func:`outside_funnel` (which it equals when
    ``dispersion.overdispersed`` is false).
    """
    k, n = _broadcast(k, n)
    lower, upper = adjusted_funnel_limits(p0, n, confidence, dispersion, method)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k / n
        above = share > upper
        below = share < lower
    out = np.zeros(share.shape, dtype=np.int64)
    out[above] = 1
    out[below] = -1
    return out


__all__ += ["OVERDISPERSION_METHODS", "Overdispersion", "WINSORISE_SHARE", "adjusted_funnel_limits",
            "outside_adjusted_funnel", "overdispersion"]


# ---------------------------------------------------------------------------
# Success of a task: a mean of scores bounded in [0, 1]
# ---------------------------------------------------------------------------

def bounded_mean_below_test(mean, n, reference_mean, reference_n) -> np.ndarray:
    """One-sided p-value that a group's mean of [0, 1]-bounded scores lies below a reference group's.

    A task's success is the mean over pupils of ``score / max_score``, a number in [0, 1]:
    0 or 1 for a one-point task, 0, 1/2, 1 for a two-point one, and so on. Only the sum of
    scores is known per school (no pupil's score), so the variance is bounded instead of
    estimated: a variable in [0, 1] with mean :math:`p` has variance at most
    :math:`p(1-p)` (Bhatia–Davis inequality), with equality for 0/1 scores. The test is the
    pooled two-sample z-test of proportions with this bound,

    .. math::

        z = \\frac{\\hat p_1 - \\hat p_2}{\\sqrt{\\bar p (1-\\bar p) (1/n_1 + 1/n_2)}},
        \\qquad \\bar p = \\frac{n_1 \\hat p_1 + n_2 \\hat p_2}{n_1 + n_2},

    and the p-value :math:`\\Phi(z)` (small when the group is below the reference). For 0/1
    tasks it is the usual z-test; for partial-credit tasks it is conservative (the true
    variance is smaller than the bound, so real differences are found less often, never
    more often than the nominal level).

    Parameters
    ----------
    mean, n : array_like
        The group's mean share of the maximum (in [0, 1]) and its number of pupils.
    reference_mean, reference_n : array_like
        The same for the reference group (e.g. the rest of the region: the region without the school).

    Returns
    -------
    numpy.ndarray
        p-values in [0, 1]; NaN where a size is not positive or a mean is missing or outside [0, 1].
        Where both means are 0 or both 1 (no variance) the p-value is 1.

    Examples
    --------
    >>> round(float(bounded_mean_below_test(0.4, 50, 0.6, 5000)), 4)
    0.0021
    """
    p1, n1, p2, n2 = _broadcast(mean, n, reference_mean, reference_n)
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = (np.isfinite(p1) & np.isfinite(p2) & (n1 > 0) & (n2 > 0)
                 & (p1 >= 0) & (p1 <= 1) & (p2 >= 0) & (p2 <= 1))
        pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
        z = np.where(se > 0, (p1 - p2) / np.where(se > 0, se, 1.0), 0.0)
        p = np.where(se > 0, special.ndtr(z), 1.0)
    return np.where(valid, p, np.nan)


def benjamini_hochberg_by_group(p_value, groups) -> np.ndarray:
    """:func:`benjamini_hochberg` applied within each group of tests, vectorised.

    Each group (e.g. the tasks of one school's work) is its own family; the result equals
    calling :func:`benjamini_hochberg` on every group separately (a test checks it), without
    a Python loop over thousands of groups.

    Parameters
    ----------
    p_value : array_like
        p-values; NaN entries are not tests (they get NaN and do not count in their group's ``m``).
    groups : array_like
        Group label of every p-value (any hashable values), same length.

    Examples
    --------
    >>> benjamini_hochberg_by_group([0.01, 0.04, 0.03, 0.5], ["a", "a", "a", "b"]).round(3).tolist()
    [0.03, 0.04, 0.04, 0.5]
    """
    p = _as_float(p_value).ravel()
    labels = np.asarray(groups)
    if labels.dtype == object:
        labels = labels.astype(str)
    codes = np.unique(labels.ravel(), return_inverse=True)[1].ravel()
    q = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if not len(finite):
        return q
    g, pf = codes[finite], p[finite]
    order = np.lexsort((pf, g))  # by group, then by p
    g_sorted, p_sorted = g[order], pf[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    sizes = np.diff(np.r_[starts, len(g_sorted)])
    m = np.repeat(sizes, sizes)
    rank = np.arange(len(g_sorted)) - np.repeat(starts, sizes) + 1
    ranked = p_sorted * m / rank
    # cumulative minimum from the end of every group: reverse, shift groups apart, accumulate
    rev = ranked[::-1]
    rev_groups = g_sorted[::-1]
    # one minimum.accumulate over all groups: every new group is shifted below everything before it
    step = np.cumsum(np.r_[0, np.diff(rev_groups) != 0]) * (ranked.max() + 1.0)
    out = np.minimum.accumulate(rev - step) + step
    q_sorted = np.minimum(out[::-1], 1.0)
    q[finite[order]] = q_sorted
    return q


__all__ += ["bounded_mean_below_test", "benjamini_hochberg_by_group"]
