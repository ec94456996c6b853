"""Leader pairing as it was computed before the vectorised rewrite (issue 20).

Kept verbatim (a Python lambda per school × leader group, one ``itertuples`` walk per ШНОР) as the
reference the rewritten :func:`qualitylib.rules.pairing.leader_pairs` must reproduce exactly:
``tests/rules/test_rules_reference.py`` compares both on seeded synthetic regions.
"""
from __future__ import annotations

import pandas as pd

from qualitylib.rules.identification import low_results


def leader_pairs(results: pd.DataFrame, schools: pd.DataFrame, shnor: pd.DataFrame, year: int,
                 params: dict, exclude=()) -> pd.DataFrame:
    """Suggest a leader school for each ШНОР.

    Parameters
    ----------
    results, schools : pandas.DataFrame
        Tables of the area searched for leaders (a municipality's ШНОР are matched among
        the schools passed in; pass the region to allow other municipalities).
    shnor : pandas.DataFrame
        Output of :func:`qualitylib.rules.identification.identify_shnor` for the same year:
        every school flagged ``shnor`` is paired and none of them leads. Pass all the ШНОР
        that share the leaders (the region's) so that the capacity counts over all of them.
    year : int
    params : dict
    exclude : iterable of str, optional
        Further schools that may not lead (e.g. ШНОР of other municipalities).

    Returns
    -------
    pandas.DataFrame
        One row per ШНОР: ``school_id``, ``school_name``, ``municipality``,
        ``weak_codes`` (ids of its low assessments, ``;``-separated), ``leader_id``,
        ``leader_name``, ``leader_municipality``, ``covered_codes`` (ids of the weak assessments
        where the leader is strong), ``covered_count``, ``weak_count``, ``same_municipality``
        (0/1) and ``note_code``: ``no_low_now`` (no low result this year: ШНОР by criterion 2), ``no_leader`` (no
        candidate with free capacity), ``other_municipality`` (the leader is from another
        municipality) or empty. Their words are in :mod:`qualitylib.views.identification`.
    """
    pp = params["pairing"]
    flags = low_results(results, params, years=[year])
    weak_ids = shnor.loc[shnor["shnor"] == 1, "school_id"]
    weak = flags[flags["low"] & flags["school_id"].isin(weak_ids)][["school_id", "assessment"]]
    cap = int(round(pp["leader_max_fail_pct"] * 100))
    strong = flags[
        flags["has_data"] & (flags["participants"] >= int(pp["min_participants"]))
        & (flags["low_count"] * 10_000 <= cap * flags["participants"])
        & ~flags["school_id"].isin(weak_ids) & ~flags["school_id"].isin(list(exclude))
    ][["school_id", "assessment", "share"]]

    muni = schools.set_index("school_id")["municipality"]
    names = schools.set_index("school_id")["school_name"]
    pairs = weak.merge(strong, on="assessment", suffixes=("", "_leader"))
    pairs = pairs.rename(columns={"school_id_leader": "leader_id"})
    ranked = (pairs.groupby(["school_id", "leader_id"])
              .agg(covered_count=("assessment", "size"), mean_share=("share", "mean"),
                   covered_codes=("assessment", lambda a: ";".join(sorted(a))))
              .reset_index())
    ranked["same_municipality"] = (ranked["school_id"].map(muni) == ranked["leader_id"].map(muni)).astype(int)
    ranked = ranked.sort_values(
        ["school_id", "covered_count", "same_municipality", "mean_share", "leader_id"],
        ascending=[True, False, False, True, True], kind="mergesort")

    weak_count = weak.groupby("school_id").size()
    order = (shnor[shnor["shnor"] == 1]
             .assign(weak_count=lambda d: d["school_id"].map(weak_count).fillna(0).astype(int))
             .sort_values(["weak_count", "low_results_prev", "school_id"], ascending=[False, False, True],
                          kind="mergesort"))
    load: dict[str, int] = {}
    by_school = {sid: grp for sid, grp in ranked.groupby("school_id", sort=False)}
    rows = []
    for sid in order["school_id"]:
        chosen = None
        for cand in by_school.get(sid, ranked.iloc[0:0]).itertuples(index=False):
            if load.get(cand.leader_id, 0) < int(pp["max_per_leader"]):
                chosen = cand
                break
        weak_codes = ";".join(sorted(weak.loc[weak["school_id"] == sid, "assessment"]))
        row = {"school_id": sid, "school_name": names.get(sid), "municipality": muni.get(sid),
               "weak_codes": weak_codes, "weak_count": int(weak_count.get(sid, 0))}
        if chosen is None:
            note = "no_low_now" if not weak_codes else "no_leader"
            row.update(leader_id=None, leader_name=None, leader_municipality=None, covered_codes="",
                       covered_count=0, same_municipality=0, note_code=note)
        else:
            load[chosen.leader_id] = load.get(chosen.leader_id, 0) + 1
            same = bool(chosen.same_municipality)
            row.update(leader_id=chosen.leader_id, leader_name=names.get(chosen.leader_id),
                       leader_municipality=muni.get(chosen.leader_id), covered_codes=chosen.covered_codes,
                       covered_count=int(chosen.covered_count), same_municipality=int(same),
                       note_code="" if same else "other_municipality")
        rows.append(row)
    columns = ["school_id", "school_name", "municipality", "weak_codes", "weak_count", "leader_id",
               "leader_name", "leader_municipality", "covered_codes", "covered_count", "same_municipality",
               "note_code"]
    return pd.DataFrame(rows, columns=columns)
