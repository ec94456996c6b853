"""Everything notebook 01 shows, computed in one place: the identification of a municipality's year.

The notebook calls :func:`build_identification` once and then shows its parts; the
batch runner reads the same object for the region's index and registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..data.cache import memoised
from ..data.pupils import max_scores, pupils_stamp, read_pupils
from ..data.region import Region
from ..rules.identification import identify_shnor, low_results, reconcile_official, result_matrix, shnor_change
from ..rules.objectivity import objectivity as objectivity_signs
from ..rules.pairing import leader_pairs
from ..rules.privacy import public_mask, small_mask, suppress
from ..rules.risk import high_vpr, identify_risk
from ..rules.social import results_vs_context


@dataclass
class Identification:
    """The identification of one municipality (or the whole region) for one year.

    Tables of codes and numbers (the rules' outputs); their Russian words are added by
    :func:`qualitylib.views.identification.present`. ``detail`` holds the low results of the
    three years the lists read and ``high_vpr`` the risk area 4 ВПР of this and last year, each
    with ``hidden`` — true where a public report hides a small group. ``matrix`` (fail shares),
    ``low`` (the rule's flags), ``small`` and ``hidden`` are school id × assessment id tables.
    """

    municipality: str | None
    year: int
    params: dict
    shnor: pd.DataFrame
    shnor_prev: pd.DataFrame
    risk: pd.DataFrame
    risk_prev: pd.DataFrame
    social: pd.DataFrame
    pairs: pd.DataFrame
    matrix: pd.DataFrame
    small: pd.DataFrame
    hidden: pd.DataFrame
    low: pd.DataFrame = field(default_factory=pd.DataFrame)
    detail: pd.DataFrame = field(default_factory=pd.DataFrame)
    high_vpr: pd.DataFrame = field(default_factory=pd.DataFrame)
    public: bool = False
    change: dict = field(default_factory=dict)
    available: list[str] = field(default_factory=list)
    objectivity: pd.DataFrame | None = None
    objectivity_index: float | None = None
    reconciliation: pd.DataFrame | None = None

    @property
    def shnor_list(self) -> pd.DataFrame:
        return self.shnor[self.shnor["shnor"] == 1]

    @property
    def risk_list(self) -> pd.DataFrame:
        return self.risk[self.risk["risk"] == 1]

    @property
    def own_social(self) -> pd.DataFrame:
        """The social context of the report's own schools (``social`` holds the whole region's)."""
        return self.social if self.municipality is None else \
            self.social[self.social["municipality"] == self.municipality]

    @property
    def headline(self) -> dict:
        """Headline numbers for the region's index page."""
        mine = self.own_social
        return {"schools": int(len(self.shnor)), "shnor": int(self.shnor["shnor"].sum()),
                "shnor_prev": int(self.shnor_prev["shnor"].sum()), "risk": int(self.risk["risk"].sum()),
                "shnsu": int(mine["shnsu"].sum())}


def build_identification(region: Region, municipality: str | None, year: int, params: dict,
                         public: bool = False, objectivity: bool = True) -> Identification:
    """Compute ШНОР (this and last year), risk schools, social context, pairs and the heatmap.

    The social index and the leader pairs use the whole region; everything else is restricted
    to ``municipality`` (``None``: the whole region). The pairs are assigned once for all the
    region's ШНОР (:func:`qualitylib.rules.pairing.leader_pairs` over the region, memoised without
    the municipality), so a leader's capacity ``pairing.max_per_leader`` counts over the region;
    a municipality's report shows its own ШНОР's rows of that assignment. With ``public``, small groups are
    marked for suppression by the rule of :mod:`qualitylib.rules.privacy` (once, here). With
    ``objectivity`` false the signs of biased results (which read the pupil table) are skipped.

    The result (but for the objectivity signs) is memoised per region, data, code and
    parameters (:mod:`qualitylib.data.cache`): the notebooks of a batch run and the index page
    compute it once.
    """
    ident = memoised(region, "identification",
                     {"municipality": municipality, "year": int(year), "params": params, "public": bool(public)},
                     lambda: _identification(region, municipality, year, params, public))
    ident.params = params  # the caller's own dict, not the stored copy
    if objectivity:
        # the signs read the region's pupil table: only callers that show them pay for it
        found = region_objectivity(region, year)
        if found is not None:
            table, index = found
            if municipality is not None:
                table = table[table["municipality"] == municipality]
            ident.objectivity, ident.objectivity_index = table, index
    return ident


def region_objectivity(region: Region, year: int) -> tuple[pd.DataFrame, float] | None:
    """The objectivity signs of every school of the region and the region's index (memoised per region).

    ``None`` when the region has no pupil table.
    """
    stamp = pupils_stamp(region.path)
    if stamp is None:
        return None
    scores = max_scores()
    # the pupils are read only to compute the signs, not where they were computed before (a kernel)
    return memoised(region, "objectivity",
                    {"year": int(year), "max_scores": sorted(f"{y}|{w}|{m}" for (y, w), m in scores.items()),
                     "pupils": list(stamp)},
                    lambda: objectivity_signs(read_pupils(region.path), region.schools, scores, year=year))


def region_identification(region: Region, year: int, params: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What every municipality's identification shares (memoised per region): the region's ШНОР,
    the social context of all its schools and the leader pairs of all its ШНОР."""
    region_shnor = memoised(region, "region_shnor",
                            {"year": int(year), "identification": params["identification"]},
                            lambda: identify_shnor(region.results, region.schools, year, params))
    social = memoised(region, "social", {"year": int(year), "identification": params["identification"],
                                         "social": params["social"]},
                      lambda: results_vs_context(region.results, region.context, region.schools, year, params))
    # Leaders are paired once for the region's ШНОР (own municipality first; no ШНОР leads), so that a
    # leader's capacity counts over the whole region; each municipality shows its ШНОР's rows.
    region_pairs = memoised(region, "region_pairs",
                            {"year": int(year), "identification": params["identification"],
                             "pairing": params["pairing"]},
                            lambda: leader_pairs(region.results, region.schools, region_shnor, year, params))
    return region_shnor, social, region_pairs


def _identification(region: Region, municipality: str | None, year: int, params: dict,
                    public: bool) -> Identification:
    min_group = int(params["privacy"]["min_group"])
    scope = region.subset(municipality)
    ids = scope.schools["school_id"]
    # region-wide results depend on fewer parameters than the municipality's: shared by all of them
    region_shnor, social, region_pairs = region_identification(region, year, params)
    shnor = region_shnor[region_shnor["school_id"].isin(ids)].reset_index(drop=True)
    shnor_prev = identify_shnor(scope.results, scope.schools, year - 1, params)
    risk = identify_risk(scope.context, scope.results, scope.schools, year, params)
    risk_prev = identify_risk(scope.context, scope.results, scope.schools, year - 1, params)
    # privacy, once: what a public report must not show is marked here and only read by the views
    detail = low_results(scope.results, params, years=(year - 2, year - 1, year))
    detail = detail[detail["low"]].reset_index(drop=True)
    detail["hidden"] = public & public_mask(detail["participants"], detail["low_count"], min_group)
    high = pd.concat([high_vpr(scope.results, scope.schools, y, params).assign(year=y) for y in (year, year - 1)],
                     ignore_index=True)
    high["hidden"] = public & public_mask(high["participants"], high["low_count"], min_group)
    if public:
        low_total = social["share"] * social["participants"] / 100.0
        small_school = public_mask(social["participants"], low_total.round(), min_group) | (
            social["participants"] < min_group)
        social.loc[small_school, ["share", "expected_share", "difference"]] = float("nan")
        social.loc[small_school, "reading_code"] = "hidden"
    pairs = region_pairs[region_pairs["school_id"].isin(ids)].reset_index(drop=True)
    # the heatmap: ШНОР and risk schools first, then the others
    order = pd.concat([shnor.loc[shnor["shnor"] == 1, "school_id"], risk.loc[risk["risk"] == 1, "school_id"],
                       scope.schools["school_id"]]).drop_duplicates()
    flags = low_results(scope.results, params, years=[year])
    assessments = params["identification"]["assessments"]
    matrix = result_matrix(flags, order, assessments, "share")
    low = result_matrix(flags, order, assessments, "low").reindex(columns=matrix.columns)
    low = low.astype("boolean").fillna(False).astype(bool)
    n = result_matrix(flags, order, assessments, "participants").reindex(columns=matrix.columns)
    small = small_mask(n, min_group)
    if public:
        k = result_matrix(flags, order, assessments, "low_count").reindex(columns=matrix.columns)
        matrix, hidden = suppress(matrix, n, min_group, low_count=k)
    else:
        hidden = small & False
    available = sorted(set(flags.loc[flags["has_data"], "assessment"]),
                       key=params["identification"]["assessments"].index)
    return Identification(municipality, year, params, shnor, shnor_prev, risk, risk_prev, social, pairs,
                          matrix, small, hidden, low, detail, high, public, shnor_change(shnor, shnor_prev),
                          available, reconciliation=reconcile_official(shnor, scope.official, year))
