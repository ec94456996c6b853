"""School social well-being index (Kavkazsky programme) and results read against it.

Formula (weights in ``params.social.weights``)::

    index = 100 − Σ wᵢ·xᵢ / Σ wᵢ

where xᵢ are the «unfavourable» shares of pupils in percent: from low-income families,
whose parents have no higher education (``100 − parents_higher_ed_pct``), from
single-parent families, on a register, with disabilities, non-native speakers. A
component missing for a school is left out and the weights of the others are
renormalised. 100 means no unfavourable factor; lower is harder intake.

ШНСУ (school in unfavourable social conditions): the ``shnsu_pct`` % of the region's
schools with the lowest index in the year (ties at the cut-off are all included).

Results against context: the school's pooled fail share over the identification
assessments is compared with the share *expected* for its index by a
participant-weighted least-squares line fitted over all schools of the region;
the difference (percentage points) tells whether the school does better or worse
than schools with a similar intake; within ``expected_band_pp`` it reads as expected.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .identification import low_results


def component_frame(context: pd.DataFrame) -> pd.DataFrame:
    """The unfavourable components (percent) per context row, including the derived one."""
    comp = pd.DataFrame(index=context.index)
    for name in ("pupils_low_income_pct", "pupils_single_parent_pct", "pupils_registered_pct",
                 "pupils_disabled_pct", "pupils_nonnative_pct"):
        comp[name] = context[name].astype("float64") if name in context else np.nan
    higher = context["parents_higher_ed_pct"].astype("float64") if "parents_higher_ed_pct" in context \
        else pd.Series(np.nan, index=context.index)
    comp["parents_no_higher_ed_pct"] = 100.0 - higher
    return comp


def social_index(context: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """Social well-being index per school for ``year`` and the ШНСУ mark.

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``social_index`` (0–100, NaN without data), ``shnsu`` (0/1),
        ``components`` (how many components were available).
    """
    sp = params["social"]
    ctx = context[context["year"] == year].reset_index(drop=True)
    comp = component_frame(ctx)
    weights = pd.Series({k: float(v) for k, v in sp["weights"].items()})
    values = comp[weights.index]
    present = values.notna()
    w = present.mul(weights, axis=1)
    total_w = w.sum(axis=1)
    weighted = values.fillna(0).mul(weights, axis=1).sum(axis=1)
    index = 100.0 - weighted / total_w.where(total_w > 0)
    out = pd.DataFrame({"school_id": ctx["school_id"], "social_index": index.round(2),
                        "components": present[weights.index[weights > 0]].sum(axis=1).astype("int64")})
    known = out["social_index"].dropna()
    out["shnsu"] = 0
    if len(known):
        n_low = max(1, math.ceil(len(known) * sp["shnsu_pct"] / 100)) if sp["shnsu_pct"] > 0 else 0
        if n_low:
            cutoff = known.sort_values().iloc[n_low - 1]
            out["shnsu"] = (out["social_index"] <= cutoff).fillna(False).astype("int64")
    return out


def school_shares(results: pd.DataFrame, year: int, params: dict) -> pd.DataFrame:
    """Pooled fail share per school in ``year`` over the identification assessments."""
    flags = low_results(results, params, years=[year])
    flags = flags[flags["has_data"]]
    pooled = flags.groupby("school_id")[["low_count", "participants"]].sum()
    pooled["share"] = pooled["low_count"] * 100.0 / pooled["participants"]
    return pooled.reset_index()


def results_vs_context(results: pd.DataFrame, context: pd.DataFrame, schools: pd.DataFrame,
                       year: int, params: dict) -> pd.DataFrame:
    """Each school's fail share against its social index, with the share expected for that index.

    Computed over all schools passed in (give the whole region so that a
    municipality's schools are read among the region's).

    Returns
    -------
    pandas.DataFrame
        ``school_id``, ``school_name``, ``municipality``, ``social_index``, ``shnsu``,
        ``participants``, ``share``, ``expected_share``, ``difference`` (pp,
        positive = more failures than expected) and ``reading_code``: ``worse`` or ``better`` than expected beyond the band, ``as_expected``, ``no_data``.
    """
    idx = social_index(context, year, params)
    fail = school_shares(results, year, params)
    out = schools[["school_id", "school_name", "municipality"]].merge(idx, on="school_id", how="left")
    out = out.merge(fail[["school_id", "participants", "share"]], on="school_id", how="left")
    out["shnsu"] = out["shnsu"].fillna(0).astype("int64")
    fit = out.dropna(subset=["social_index", "share"])
    out["expected_share"] = np.nan
    if len(fit) >= 3 and fit["social_index"].nunique() > 1:
        slope, intercept = np.polyfit(fit["social_index"], fit["share"], 1,
                                      w=np.sqrt(fit["participants"].astype(float)))
        out["expected_share"] = (intercept + slope * out["social_index"]).clip(lower=0).round(2)
    out["difference"] = (out["share"] - out["expected_share"]).round(2)
    band = float(params["social"]["expected_band_pp"])
    out["reading_code"] = np.select(
        [out["difference"].isna(), out["difference"] > band, out["difference"] < -band],
        ["no_data", "worse", "better"],
        default="as_expected",
    )
    return out
