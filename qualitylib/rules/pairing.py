"""Leader pairing «strong helps weak» (Elista 7, Polysaevo 13, Chaa-Khol).

Method:

1. For every ШНОР, its *weak assessments* are those low in the identification year.
2. A *leader candidate* for an assessment is a school that is not ШНОР and has, in that
   assessment and year, at least ``pairing.min_participants`` participants and a fail
   share not above ``pairing.leader_max_fail_pct``.
3. Candidates are ranked for each ШНОР by: how many of its weak assessments they cover
   (more first), same municipality first, lower mean fail share in the covered
   assessments, then school id (for determinism).
4. ШНОР are served in order of severity (most low assessments first, then id); each
   takes the best-ranked candidate that still has capacity (a leader serves at most
   ``pairing.max_per_leader`` ШНОР). A ШНОР with no candidate gets none, said plainly.

Steps 1–3 are vectorised joins; step 4 walks the ШНОР list only (tens per municipality), and the
assessment ids of the words are joined once for all ШНОР.

Capacity is counted over the ШНОР of one call. The reports call it once for the whole
region's ШНОР (:func:`qualitylib.reports.identification.build_identification`), so that
``load(l) = #{w : leader(w) = l} ≤ max_per_leader`` holds over the region, not per
municipality: pairing each municipality separately would let a leader near a municipal
border serve up to ``max_per_leader`` ШНОР of *every* municipality.
"""
from __future__ import annotations

import pandas as pd

from .identification import join_within, low_results


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
              .agg(covered_count=("assessment", "size"), mean_share=("share", "mean"))
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
    # each ШНОР's candidates are a run of ``ranked`` (sorted by school first), best first
    candidate_school = ranked["school_id"].to_numpy(dtype=object)
    candidate_leader = ranked["leader_id"].to_numpy(dtype=object)
    first = {}
    for i, sid in enumerate(candidate_school):
        first.setdefault(sid, i)
    capacity = int(pp["max_per_leader"])
    load: dict[str, int] = {}
    chosen: dict[str, int] = {}  # ШНОР -> row of ``ranked``
    for sid in order["school_id"]:
        i = first.get(sid, len(ranked))
        while i < len(ranked) and candidate_school[i] == sid:
            if load.get(candidate_leader[i], 0) < capacity:
                load[candidate_leader[i]] = load.get(candidate_leader[i], 0) + 1
                chosen[sid] = i
                break
            i += 1
    # the words' codes, joined once: each ШНОР's weak assessments and those its leader covers, sorted
    weak_codes = join_within(weak.sort_values(["school_id", "assessment"], kind="mergesort"),
                             "school_id", "assessment", ";").to_dict()
    leader_of = pd.Series({sid: candidate_leader[i] for sid, i in chosen.items()}, dtype=object)
    covered = pairs[pairs["leader_id"].to_numpy(dtype=object) == pairs["school_id"].map(leader_of).to_numpy(dtype=object)]
    covered_codes = join_within(covered.sort_values(["school_id", "assessment"], kind="mergesort"),
                                "school_id", "assessment", ";").to_dict()
    count_of = ranked["covered_count"].to_numpy()
    same_of = ranked["same_municipality"].to_numpy()
    rows = []
    for sid in order["school_id"]:
        codes = weak_codes.get(sid, "")
        row = {"school_id": sid, "school_name": names.get(sid), "municipality": muni.get(sid),
               "weak_codes": codes, "weak_count": int(weak_count.get(sid, 0))}
        if sid not in chosen:
            note = "no_low_now" if not codes else "no_leader"
            row.update(leader_id=None, leader_name=None, leader_municipality=None, covered_codes="",
                       covered_count=0, same_municipality=0, note_code=note)
        else:
            i = chosen[sid]
            leader, same = candidate_leader[i], bool(same_of[i])
            row.update(leader_id=leader, leader_name=names.get(leader),
                       leader_municipality=muni.get(leader), covered_codes=covered_codes[sid],
                       covered_count=int(count_of[i]), same_municipality=int(same),
                       note_code="" if same else "other_municipality")
        rows.append(row)
    columns = ["school_id", "school_name", "municipality", "weak_codes", "weak_count", "leader_id",
               "leader_name", "leader_municipality", "covered_codes", "covered_count", "same_municipality",
               "note_code"]
    return pd.DataFrame(rows, columns=columns)
