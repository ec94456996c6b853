"""What the school card of the interactive explorer shows, gathered for one school and year."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.region import Region
from ..rules.dynamics import fail_series
from .identification import Identification, build_identification


@dataclass
class SchoolCard:
    """One school's identification rows, results by year and monitoring values.

    Attributes
    ----------
    school_id : str
    year : int
    info : pandas.Series
        The school's row of the schools table.
    ident : Identification
        The identification of the school's municipality (memoised: the same the report shows).
    series : pandas.DataFrame
        The school's fail shares by year and assessment with their intervals.
    assessments : list of str
        The counted assessments the school has results in, in the parameters' order.
    monitoring : pandas.DataFrame
        The school's monitoring row of ``year`` (may be empty).
    """

    school_id: str
    year: int
    info: pd.Series
    ident: Identification
    series: pd.DataFrame
    assessments: list[str]
    monitoring: pd.DataFrame

    @property
    def shnor(self) -> pd.Series:
        return self.ident.shnor.set_index("school_id").loc[self.school_id]

    @property
    def risk(self) -> pd.Series:
        return self.ident.risk.set_index("school_id").loc[self.school_id]

    @property
    def pairs(self) -> pd.DataFrame:
        return self.ident.pairs[self.ident.pairs["school_id"] == self.school_id]


def build_school_card(region: Region, school_id: str, year: int, params: dict) -> SchoolCard | None:
    """Gather the card of ``school_id``; ``None`` when the school is not in the data."""
    schools = region.schools.set_index("school_id")
    if school_id not in schools.index:
        return None
    info = schools.loc[school_id]
    municipality = info["municipality"]
    ident = build_identification(region, municipality, year, params, objectivity=False)
    scope = region.subset(municipality)
    own = scope.schools[scope.schools["school_id"] == school_id]
    series = fail_series(scope.results, own)
    assessments = [a for a in params["identification"]["assessments"] if a in set(series["assessment"])]
    monitoring = pd.DataFrame()
    if scope.monitoring is not None:
        monitoring = scope.monitoring[(scope.monitoring["school_id"] == school_id)
                                      & (scope.monitoring["year"] == year)]
    return SchoolCard(school_id, year, info, ident, series, assessments, monitoring)
