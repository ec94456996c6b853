"""Everything notebook 01 shows, computed in one place: the identification of a municipality's year.

The notebook calls :func:`build_identification` once and then shows its parts; the
batch runner reads the same object for the region's index and registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..rules.identification import fail_share_matrix, identify_shnor, low_results, shnor_change
from ..data.cache import memoised
from ..rules.pairing import leader_pairs
from ..rules.objectivity import region_objectivity
from ..data.params import assessment_title
from ..rules.privacy import suppress
from ..data.region import Region
from ..rules.risk import identify_risk
from ..rules.social import results_vs_context


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: ``plural(5, "школа", "школы", "школ")`` -> «5 школ»."""
    n_abs = abs(int(n))
    if n_abs % 10 == 1 and n_abs % 100 != 11:
        word = one
    elif 2 <= n_abs % 10 <= 4 and not 12 <= n_abs % 100 <= 14:
        word = few
    else:
        word = many
    return f"{n} {word}"


@dataclass
class Identification:
    """The identification of one municipality (or the whole region) for one year."""

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
    public: bool = False
    change: dict = field(default_factory=dict)
    available: list[str] = field(default_factory=list)
    objectivity: pd.DataFrame | None = None
    objectivity_index: float | None = None

    @property
    def shnor_list(self) -> pd.DataFrame:
        return self.shnor[self.shnor["shnor"] == 1]

    @property
    def risk_list(self) -> pd.DataFrame:
        return self.risk[self.risk["risk"] == 1]

    @property
    def headline(self) -> dict:
        """Headline numbers for the region's index page."""
        mine = self.social if self.municipality is None else \
            self.social[self.social["municipality"] == self.municipality]
        return {"schools": int(len(self.shnor)), "shnor": int(self.shnor["shnor"].sum()),
                "shnor_prev": int(self.shnor_prev["shnor"].sum()), "risk": int(self.risk["risk"].sum()),
                "shnsu": int(mine["shnsu"].sum())}


def build_identification(region: Region, municipality: str | None, year: int, params: dict,
                         public: bool = False, objectivity: bool = True) -> Identification:
    """Compute ШНОР (this and last year), risk schools, social context, pairs and the heatmap.

    The social index and leader search use the whole region; everything else is restricted
    to ``municipality`` (``None``: the whole region). With ``public``, small groups are
    suppressed by the rule of :mod:`qualitylib.rules.privacy` in every figure shown. With
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


def _identification(region: Region, municipality: str | None, year: int, params: dict,
                    public: bool) -> Identification:
    min_group = int(params["privacy"]["min_group"])
    hide = min_group if public else None
    scope = region.subset(municipality)
    ids = scope.schools["school_id"]
    # region-wide results depend on fewer parameters than the municipality's: shared by all of them
    region_shnor = memoised(region, "region_shnor",
                            {"year": int(year), "identification": params["identification"], "hide": hide},
                            lambda: identify_shnor(region.results, region.schools, year, params, hide_below=hide))
    shnor = region_shnor[region_shnor["school_id"].isin(ids)].reset_index(drop=True)
    shnor_prev = identify_shnor(scope.results, scope.schools, year - 1, params, hide_below=hide)
    risk = identify_risk(scope.context, scope.results, scope.schools, year, params, hide_below=hide)
    risk_prev = identify_risk(scope.context, scope.results, scope.schools, year - 1, params, hide_below=hide)
    social = memoised(region, "social", {"year": int(year), "identification": params["identification"],
                                         "social": params["social"]},
                      lambda: results_vs_context(region.results, region.context, region.schools, year, params))
    if public:
        small_school = social["participants"] < min_group
        social.loc[small_school, ["fail_share", "expected_share", "difference"]] = float("nan")
        social.loc[small_school, "reading"] = "малая группа (данные скрыты)"
    # Leaders are searched in the whole region (own municipality first); no ШНОР leads.
    pairs = leader_pairs(region.results, region.schools, shnor, year, params,
                         exclude=region_shnor.loc[region_shnor["shnor"] == 1, "school_id"])
    # the heatmap: ШНОР and risk schools first, then the others
    order = pd.concat([shnor.loc[shnor["shnor"] == 1, "school_id"], risk.loc[risk["risk"] == 1, "school_id"],
                       scope.schools["school_id"]]).drop_duplicates()
    ordered = scope.schools.set_index("school_id").loc[order].reset_index()
    matrix = fail_share_matrix(scope.results, ordered, year, params)
    flags = low_results(scope.results, params, years=[year])
    n = flags.pivot_table(index="school_id", columns="assessment", values="participants", aggfunc="first")
    n = n.reindex(index=ordered["school_id"], columns=[a for a in params["identification"]["assessments"]
                                                      if a in n.columns])
    n.index, n.columns = matrix.index, matrix.columns
    small = ((n < min_group) & n.notna() & (n > 0))
    if public:
        matrix, hidden = suppress(matrix, n, min_group)
    else:
        hidden = small & False
    available = sorted(set(flags.loc[flags["has_data"], "assessment"]),
                       key=params["identification"]["assessments"].index)
    return Identification(municipality, year, params, shnor, shnor_prev, risk, risk_prev, social, pairs,
                          matrix, small, hidden, public, shnor_change(shnor, shnor_prev), available)


def summary_sentences(ident: Identification) -> list[str]:
    """The summary paragraph of notebook 01, built from the data."""
    y, c = ident.year, ident.change
    where = f"в муниципалитете «{ident.municipality}»" if ident.municipality else "в регионе"
    total = len(ident.shnor)
    names = ident.shnor.set_index("school_id")["school_name"]
    out = [f"В {y} году {where} по правилу выявления ШНОР (порог "
           f"{ident.params['identification']['threshold_pct']:g} %) отобрано "
           f"{plural(c['count'], 'школа', 'школы', 'школ')} с низкими образовательными результатами "
           f"из {total}; в {y - 1} году — {c['count_prev']}."]
    missing = [a for a in ident.params["identification"]["assessments"] if a not in ident.available]
    if missing:
        available = ", ".join(assessment_title(a) for a in ident.available) or "таких нет"
        out.append(f"Нет данных за {y} год по процедурам: {', '.join(assessment_title(a) for a in missing)}; "
                   f"правило применено к процедурам с данными: {available.rstrip('.')}.")
    if c["entered"]:
        out.append("Впервые в списке (не было в прошлом году): " + ", ".join(names[i] for i in c["entered"]) + ".")
    if c["left"]:
        out.append("Вышли из списка: " + ", ".join(names[i] for i in c["left"]) + ".")
    if c["count"]:
        c1 = int(ident.shnor["criterion_1"].sum())
        c2 = int(ident.shnor["criterion_2"].sum())
        out.append(f"По критерию 1 (не менее двух низких процедур в {y} г.) — {c1}, по критерию 2 "
                   f"(низкие результаты в {y - 1} и {y} гг.) — {c2}; школа может отвечать обоим.")
    risk_now, risk_prev = int(ident.risk["risk"].sum()), int(ident.risk_prev["risk"].sum())
    areas = {"area_material": "материальная база", "area_staff": "кадры", "area_pupils": "контингент",
             "area_results": "результаты"}
    by_area = ", ".join(f"{label} — {int(ident.risk[col].sum())}" for col, label in areas.items())
    out.append(f"В зоне риска снижения результатов — {plural(risk_now, 'школа', 'школы', 'школ')} "
               f"(в {y - 1} году — {risk_prev}); по областям: {by_area}.")
    no_ctx = int((ident.risk["has_context"] == 0).sum())
    if no_ctx:
        out.append(f"Нет контекстных данных за {y} год у {plural(no_ctx, 'школы', 'школ', 'школ')}: "
                   "для них зона риска не определена по областям 1–3.")
    mine = ident.social if ident.municipality is None else \
        ident.social[ident.social["municipality"] == ident.municipality]
    if mine["social_index"].notna().any():
        shnsu = int(mine["shnsu"].sum())
        both = int(mine[(mine["shnsu"] == 1) & mine["school_id"].isin(ident.shnor_list["school_id"])].shape[0])
        out.append(f"Школ в неблагоприятных социальных условиях (ШНСУ, {ident.params['social']['shnsu_pct']:g} % "
                   f"школ региона с наименьшим индексом) — {shnsu}; из них в списке ШНОР — {both}.")
        better = int((mine["reading"] == "лучше ожидаемого при таком контингенте").sum())
        worse = int((mine["reading"] == "хуже ожидаемого при таком контингенте").sum())
        out.append(f"С учётом контингента {plural(better, 'школа показывает', 'школы показывают', 'школ показывают')} "
                   f"результат лучше ожидаемого, {worse} — хуже ожидаемого.")
    else:
        out.append("Социальных данных (паспорта школ) нет: индекс социального благополучия и ШНСУ не вычисляются.")
    if ident.objectivity is not None:
        marked = int(ident.objectivity["marked"].sum())
        out.append(f"Признаки необъективности результатов ВПР (методика ФИОКО) — у "
                   f"{plural(marked, 'школы', 'школ', 'школ')} из {len(ident.objectivity)}; индекс объективности "
                   f"региона — {str(ident.objectivity_index).replace('.', ',')}. Список ШНОР надёжен настолько, "
                   f"насколько объективны данные.")
    paired = ident.pairs["leader_id"].notna().sum()
    if len(ident.pairs):
        out.append(f"Школа-лидер предложена для {paired} из {len(ident.pairs)} ШНОР.")
    return out
