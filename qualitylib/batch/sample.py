"""A deterministic synthetic sample region for demonstrations and tests.

:func:`make_sample` builds the five tables of :mod:`qualitylib.data.schema` for an invented
region of six municipalities (Норильск, Элиста, Полысаево, Кавказский район,
Чаа-Хольский кожуун, Красноярск; about 110 schools) over the years 2022-2026, and
:func:`write_sample` writes them as a region folder. Everything is drawn from one
``numpy.random.default_rng(seed)``: the same seed gives byte-identical files.

What the region is -- its municipalities, school names, kinds and sizes, the schools fixed
as weak and how many others are drawn as weak, the scales of the assessments -- is data:
the specification :data:`SPEC_FILE` (``sample.yaml`` next to this module, shipped with the
package), read by :func:`sample_spec`. This module holds how the values are drawn.

How the data are made
---------------------
Every school has a latent quality ``mu`` (pupil ability units, 0 = an average school)
that moves linearly over the years (a per-school trend). Most schools are near 0;
about one in ten is persistently weak (``mu`` about -1), a few weak schools improve
out of the low zone, a few ordinary schools decline into it. Municipalities, gymnasiums
and lyceums, basic (ООШ) and rural schools shift ``mu``. For every assessment row the
pupils are simulated one by one: ability ``z ~ N(mu + class noise + test-year noise, 1)``
is mapped to a score on the procedure's scale, and the marks, the number below the
minimum, the mean and the highest score all come from those scores, so they always agree.
Small rural schools have few participants and more class noise, hence noisier shares.

Context (ОО-1, ОО-2, КИАСУО, social passports) follows a latent social disadvantage that
is correlated with ``mu`` but not determined by it. The monitoring table depends on
whether a school was a ШНОР in the previous year by the identification rule itself
(:func:`qualitylib.rules.identification.identify_shnor` with the packaged methodology, whose
``identification.assessments`` list the procedures that count): support, diagnosis and
individual routes are concentrated in those schools. The generator therefore sits on the
batch floor, above the rules.

The table ``municipal`` holds the yes/no items of Кавказский район (5–7, 9–15) with invented
evidence; the results hold the region's diagnostic works (``rdr``) of Норильск for 2025–2026, drawn
from their own generator after everything else.

The road maps are the real ones of Полысаево (26 items) and Элиста (19 items), read from
the packaged ``params/roadmaps/`` by :func:`qualitylib.data.roadmaps.load_roadmaps` (the
spec names the plans); their execution state is invented.

Monitoring columns / Столбцы таблицы мониторинга
-----------------------------------------------
All are non-negative integers, one row per year x school; a part never exceeds its whole.

=============================  ===============================================================
column                         meaning (RU / EN)
=============================  ===============================================================
teachers_total                 Педагогов всего / teachers in the school
teachers_diagnosed             Педагогов, прошедших диагностику профессиональных дефицитов
                               (Норильск 2.3.2) / teachers diagnosed for deficits (<= total)
teachers_supported             Педагогов, получивших консультативную или методическую поддержку
                               (2.3.3) / teachers given support (<= total)
teachers_diagnosed_subject,    Из них прошли диагностику предметных, методических,
teachers_diagnosed_methodical, психолого-педагогических дефицитов (Норильск 2.3.2; доли
teachers_diagnosed_psych       ``diagnostics_kinds`` спецификации, без случайных чисел)
teachers_regional_network      Педагогов — участников региональных сетевых методических
                               объединений / in regional network associations (<= total)
teachers_municipal_network     Педагогов — участников муниципальных методических объединений /
                               in municipal associations (<= total)
teachers_with_iom              Педагогов с индивидуальным образовательным маршрутом (ИОМ) /
                               teachers with an individual route (<= teachers_diagnosed)
teachers_trained               Педагогов, прошедших ПК по вопросам качества образования в этом
                               году (Элиста 8, Чаа-Холь) / trained on quality this year (<= total)
teachers_fgos_trained          Педагогов, обученных по обновлённым ФГОС (нарастающим итогом;
                               Кавказский) / trained under the updated standards (<= total)
prof_events_participation      1 — школа участвовала в профессиональных мероприятиях (конкурсы,
                               конференции) / took part in professional events
prof_events_presented          1 — школа представляла опыт на профессиональных мероприятиях /
                               presented there (1 only if prof_events_participation is 1)
internship_site_municipal      1 — школа является муниципальной стажировочной площадкой /
                               municipal internship site
internship_site_regional       1 — региональной стажировочной площадкой / regional internship
                               site (1 only if internship_site_municipal is 1)
prevention_system              1 — в школе действует система профилактики неуспешности
                               (Норильск 4.3) / in-school system preventing failure
risk_prevention                1 — организована профилактика выявленных рисков (Норильск 3.3) /
                               prevention of identified risks organised
weak_pupils                    Слабоуспевающих обучающихся / weak pupils (<= pupils_total)
weak_pupils_with_iom           Из них с ИОМ / of them with an individual route (<= weak_pupils)
failing_pupils                 Неуспевающих обучающихся (согласовано с контекстом 4.5) /
                               failing pupils (= context pupils_failing_pct x pupils_total)
failing_pupils_extra_lessons   Из них посещают дополнительные занятия / of them attending extra
                               lessons (<= failing_pupils)
graduates_11                   Выпускников 11 класса / grade-11 graduates (0 without grade 11)
honours_certificates           Из них получили аттестат с отличием / with honours (<= graduates)
university_entrants            Из них поступили в вузы / entered universities (<= graduates)
olympiad_winners               Победителей и призёров олимпиад (муниципальный этап и выше) /
                               olympiad winners and prize-winners
staffing_pct                   Укомплектованность педагогическими кадрами, % (0–100) /
                               staffing level, percent
parents_surveyed               Родителей, участвовавших в анкетировании / parents surveyed
                               (<= pupils_total)
parents_satisfied              Из них удовлетворены качеством образования / of them satisfied
                               (<= parents_surveyed)
pupils_total                   Обучающихся всего / pupils of the school (the schools table's count)
pupils_modern_conditions       Обучающихся, обеспеченных современными условиями обучения
                               (Чаа-Холь) / pupils with modern learning conditions (<= total)
pupils_municipal_events        Обучающихся — участников муниципальных мероприятий / pupils in
                               municipal events (<= pupils_total)
quality_programme              1 — у школы есть программа повышения качества образования /
                               school has a quality improvement programme
material_base_programme        1 — школа участвует в программе улучшения материальной базы /
                               in a material-base improvement programme
methodical_support             1 — школа получает методическое сопровождение / methodically
                               supported
in_network                     1 — школа включена в сетевое взаимодействие «сильный — слабому»
                               / in the "strong helps weak" network
equal_access                   1 — в школе созданы условия равного доступа к качественному
                               образованию (Кавказский) / equal-access conditions
analysis_done                  1 — в школе за год проведён анализ результатов и социальных
                               условий (Кавказский 8; 0 у ``analysis_missing`` спецификации)
diagnostics_done               1 — в раунде проведена диагностика качества обучения (Элиста,
                               пункт 2 дорожной карты; только в строках раундов)
round                          раунд внутри года (Норильск: январь, июнь; Элиста: сентябрь,
                               январь, апрель); пусто — годовые данные
=============================  ===============================================================
"""
from __future__ import annotations

import functools
import os
import tempfile
import dataclasses
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.special import ndtr, ndtri

from ..data.params import load_params
from ..data.yamlfile import read_yaml
from ..data.roadmaps import load_roadmaps
from ..data.catalogue import CATALOGUE_FILE
from ..data.schema import CONTEXT, MONITORING, MUNICIPAL, OFFICIAL, RESULTS, ROADMAP, SCHOOL_FACTS, SCHOOLS, TABLES, TASKS
from ..exceptions import ParamsError
from ..rules.identification import identify_shnor

__all__ = ["make_sample", "write_sample", "sample_spec", "SampleSpec", "MONITORING_COLUMNS", "SPEC_FILE"]

#: The specification of the sample region (municipalities, schools, kinds, roles, scales).
SPEC_FILE = Path(str(files(__package__))) / "sample.yaml"

#: Columns of the monitoring table beyond its key, in file order (the data contract's order).
MONITORING_COLUMNS = tuple(c for c in MONITORING.column_names[2:] if c != "round")


# --------------------------------------------------------------------------------------
# Specification
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleSpec:
    """The sample region as :data:`SPEC_FILE` describes it.

    Attributes
    ----------
    region : str
        Region name written to ``region.yaml``.
    years : tuple of int
        Calendar years of the sample.
    roadmaps : tuple of str
        Plan keys of the packaged road maps (``params/roadmaps/``) included in the sample.
    kinds : dict
        School kind -> ``quality_shift``, ``top_grade``, ``selective``, ``stay``, ``profile_math``.
    roles : dict
        Role -> ``base`` and ``slope`` ranges (``named_low``, ``low``, ``up``, ``down``).
    municipalities : tuple of dict
        ``name``, ``offset``, ``social``, ``nonnative``, ``overload``, ``roles`` (counts of
        low / up / down schools) and ``schools``: tuples ``(name, kind, locality, pupils_low,
        pupils_high, role)`` with ``role`` ``"low"`` for a school fixed as weak, else ``None``.
    assessments : dict
        ``(procedure, subject, grade)`` -> ``(max points, cut for mark 3 (= minimum), cut 4,
        cut 5, median score share, ability at the minimum)``; cuts 4 and 5 are ``None`` for ЕГЭ.
    official : dict
        The published ШНОР list of the sample: ``years``, ``roles`` (the schools of these roles
        are on the list of each of those years) and ``source``; empty for none.
    rounds : dict
        Monitoring rounds within a year: municipality -> {round: share}; each round's row repeats
        the year's prevention columns (Norilsk 4.3), the counts of pupils with an ИОМ and at extra
        lessons scaled by the round's share (no random draw).
    tasks : dict
        The synthetic task catalogue and the spreads of the tasks table (``skills``,
        ``templates``, ``ease``, ``task_sd``, ``school_sd``, ``weak_skill``, ``seed_offset``).
    diagnostics_kinds : dict
        Share of the diagnosed teachers who took each kind of diagnostics (Norilsk 2.3.2):
        ``subject``, ``methodical``, ``psych`` (no random draw).
    analysis_missing : dict
        Municipality -> {year: n}: the last ``n`` schools (by code) did not analyse their results
        and conditions that year (column ``analysis_done``); everywhere else they did.
    municipal : dict
        Municipality -> {year: {item number: (done, evidence)}}: the yes/no items of the table
        ``municipal`` (Kavkazsky 5–7, 9–15).
    regional_diagnostics : dict
        The region's diagnostic works (procedure ``rdr``): ``municipalities``, ``years``, ``works``
        (``subject.grade``) and ``seed_offset`` of their own random generator.
    """

    region: str
    years: tuple[int, ...]
    roadmaps: tuple[str, ...]
    kinds: dict[str, dict[str, Any]]
    roles: dict[str, dict[str, tuple[float, float]]]
    municipalities: tuple[dict[str, Any], ...]
    assessments: dict[tuple[str, str, int], tuple]
    official: dict[str, Any] = dataclasses.field(default_factory=dict)
    rounds: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)
    tasks: dict[str, Any] = field(default_factory=dict)
    diagnostics_kinds: dict[str, float] = dataclasses.field(default_factory=dict)
    analysis_missing: dict[str, dict[int, int]] = dataclasses.field(default_factory=dict)
    municipal: dict[str, dict[int, dict[str, tuple]]] = dataclasses.field(default_factory=dict)
    regional_diagnostics: dict[str, Any] = dataclasses.field(default_factory=dict)


def _expand_schools(entries: list[dict]) -> list[tuple]:
    """School specs of a municipality; a series (``numbers``) expands ``{n}`` in the name."""
    schools = []
    for entry in entries:
        low, high = entry["pupils"]
        names = ([entry["name"].replace("{n}", str(n)) for n in entry["numbers"]]
                 if "numbers" in entry else [entry["name"]])
        schools += [(name, entry["kind"], entry["locality"], int(low), int(high), entry.get("role"))
                    for name in names]
    return schools


def _assessment(key: str, scale: dict) -> tuple[tuple[str, str, int], tuple]:
    procedure, subject, grade = key.split(".")
    cuts = list(scale["cuts"]) + [None] * (3 - len(scale["cuts"]))
    return (procedure, subject, int(grade)), (scale["max_points"], *cuts, scale["median_share"],
                                             scale["z_minimum"])


@functools.cache
def sample_spec(path: str | Path | None = None) -> SampleSpec:
    """Read the specification of the sample region (default: the packaged :data:`SPEC_FILE`).

    Raises
    ------
    ParamsError
        The file is missing a section or a value of the expected shape.
    """
    path = Path(path) if path is not None else SPEC_FILE
    data = read_yaml(path)
    try:
        return SampleSpec(
            region=str(data["region"]),
            years=tuple(int(y) for y in data["years"]),
            roadmaps=tuple(data["roadmaps"]),
            kinds={kind: dict(values) for kind, values in data["kinds"].items()},
            roles={role: {k: tuple(v) for k, v in ranges.items()} for role, ranges in data["roles"].items()},
            municipalities=tuple(
                dict(name=m["name"], offset=m["offset"], social=m["social"], nonnative=m["nonnative"],
                     overload=m["overload"], roles=(m["roles"]["low"], m["roles"]["up"], m["roles"]["down"]),
                     schools=_expand_schools(m["schools"]))
                for m in data["municipalities"]),
            assessments=dict(_assessment(key, scale) for key, scale in data["assessments"].items()),
            official=dict(years=tuple(int(y) for y in data["official"]["years"]),
                          roles=tuple(data["official"]["roles"]), source=str(data["official"]["source"]))
            if data.get("official") else {},
            rounds={str(town): {str(r): float(v) for r, v in shares.items()}
                    for town, shares in (data.get("rounds") or {}).items()},
            tasks=dict(data.get("tasks") or {}),
            diagnostics_kinds={str(k): float(v) for k, v in (data.get("diagnostics_kinds") or {}).items()},
            analysis_missing={str(town): {int(y): int(n) for y, n in years.items()}
                              for town, years in (data.get("analysis_missing") or {}).items()},
            regional_diagnostics=dict(data.get("regional_diagnostics") or {}),
            municipal={str(town): {int(y): {str(i): tuple(v) for i, v in items.items()} for y, items in years.items()}
                       for town, years in (data.get("municipal") or {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ParamsError([f"спецификация образца не соответствует формату: {exc!r}"], str(path)) from exc


# --------------------------------------------------------------------------------------
# Schools
# --------------------------------------------------------------------------------------
def _make_schools(rng: np.random.Generator, spec: SampleSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the schools table and each school's latent traits.

    Returns
    -------
    schools : pandas.DataFrame
        The canonical schools table.
    latent : pandas.DataFrame
        Indexed by ``school_id``: ``kind``, ``rural``, ``role``, ``municipality``, ``base``
        (latent quality in 2024), ``slope`` (per year), ``class_sd`` (class-level noise),
        ``disadvantage`` (latent social disadvantage), ``pupils``, ``nonnative``, ``overload``.
    """
    rows, latent = [], []
    for m_number, muni in enumerate(spec.municipalities, start=1):
        specs = muni["schools"]
        # Draw roles for the schools without a fixed one; gymnasiums and lyceums (selective
        # kinds) are never weak. "low" persistently weak, "up" improving out, "down" declining in.
        eligible = [i for i, s in enumerate(specs) if not spec.kinds[s[1]]["selective"] and s[5] is None]
        n_low, n_up, n_down = muni["roles"]
        picked = rng.permutation(eligible)[: n_low + n_up + n_down]
        roles = [s[5] or "normal" for s in specs]
        for j, i in enumerate(picked):
            roles[i] = "low" if j < n_low else ("up" if j < n_low + n_up else "down")
        for s_number, ((name, kind, locality, low, high, spec_role), role) in enumerate(
                zip(specs, roles), start=1):
            school_id = f"S{m_number:02d}{s_number:03d}"
            pupils = int(rng.integers(low, high + 1))
            rural = locality == "село"
            base = muni["offset"] + rng.normal(0.05, 0.30)
            base += spec.kinds[kind]["quality_shift"] - 0.1 * rural
            slope = rng.normal(0.0, 0.04)
            # a school named as weak in a real programme stays weak all period
            traits = spec.roles.get("named_low" if role == "low" and spec_role == "low" else role)
            if traits is not None:
                base = rng.uniform(*traits["base"])
                slope = rng.uniform(*traits["slope"])
            class_sd = 0.25 if pupils < 250 else (0.2 if rural else 0.14)
            disadvantage = (muni["social"] + 0.4 * rural - 0.6 * base / 0.4
                            + rng.normal(0.0, 0.8))
            rows.append(dict(school_id=school_id, school_name=name, municipality=muni["name"],
                             locality=locality, pupils_total=pupils))
            latent.append(dict(school_id=school_id, kind=kind, rural=rural, role=role,
                               selective=bool(spec.kinds[kind]["selective"]),
                               municipality=muni["name"], base=base, slope=slope,
                               class_sd=class_sd, disadvantage=disadvantage, pupils=pupils,
                               nonnative=muni["nonnative"], overload=muni["overload"]))
    schools = pd.DataFrame(rows, columns=list(SCHOOL_FACTS))
    return schools, pd.DataFrame(latent).set_index("school_id")


def _quality(latent: pd.Series, year: int) -> float:
    """Latent quality of a school in a year (linear trend through 2024)."""
    return float(latent["base"] + latent["slope"] * (year - 2024))


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


def _pupil_scores(rng: np.random.Generator, mu: float, n: int, scale: tuple) -> np.ndarray:
    """Integer scores of ``n`` pupils whose abilities are ``N(mu, 1)`` (``scale``: see
    :attr:`SampleSpec.assessments`)."""
    max_points, cut3, _, _, median_frac, z_min = scale
    # score fraction = Phi(a + b z): the median pupil of an average school gets
    # ``median_frac``; a pupil at ability ``z_min`` is exactly at the minimum.
    a = ndtri(median_frac)
    b = (a - ndtri(cut3 / max_points)) / -z_min
    z = rng.normal(mu, 1.0, size=n)
    return np.rint(max_points * ndtr(a + b * z)).astype(int)


def _result_row(year, school_id, key, scale, scores) -> dict:
    """One results row from the simulated scores of its participants."""
    procedure, subject, grade = key
    max_points, cut3, cut4, cut5, _, _ = scale
    row = dict(year=year, school_id=school_id, procedure=procedure, subject=subject,
               grade=grade, participants=int(scores.size), low_count=int((scores < cut3).sum()),
               mark3=pd.NA, mark4=pd.NA, mark5=pd.NA,
               mean_score=round(float(scores.mean()), 1), max_score=float(scores.max()))
    if cut4 is not None:
        row["mark3"] = int(((scores >= cut3) & (scores < cut4)).sum())
        row["mark4"] = int(((scores >= cut4) & (scores < cut5)).sum())
        row["mark5"] = int((scores >= cut5).sum())
    return row


def _make_results(rng: np.random.Generator, latent: pd.DataFrame, spec: SampleSpec
                  ) -> tuple[pd.DataFrame, dict[tuple[int, str], int]]:
    """Simulate every assessment row.

    Returns
    -------
    results : pandas.DataFrame
        The canonical results table.
    graduates : dict
        ``(year, school_id)`` -> size of the grade-11 class (0 without grade 11).
    """
    # difficulty of each (year, procedure) shifts every school alike
    assessments, years = spec.assessments, spec.years
    year_shock = {(y, k): rng.normal(0.0, 0.08) for y in years for k in assessments}
    rows, graduates = [], {}
    for school_id, s in latent.iterrows():
        kind = spec.kinds[s["kind"]]
        per_grade = s["pupils"] / kind["top_grade"]
        for year in years:
            mu = _quality(s, year)
            sizes = {g: int(rng.poisson(per_grade * np.exp(rng.normal(0.0, 0.1))))
                     for g in range(4, 10)}
            has_senior = kind["top_grade"] == 11 and not (s["pupils"] < 250 and rng.random() < 0.25)
            stay = kind["stay"] * (0.8 if s["rural"] else 1.0)
            sizes[11] = int(rng.binomial(sizes[9], stay)) if has_senior else 0
            graduates[(year, school_id)] = sizes[11]
            for key, scale in assessments.items():
                procedure, subject, grade = key
                if procedure == "vpr":
                    if rng.random() < 0.015:  # not held at this school this year
                        continue
                    n = int(rng.binomial(sizes[grade], 0.93))
                elif procedure == "oge":
                    n = int(rng.binomial(sizes[9], 0.97))
                else:
                    n = 0  # ЕГЭ rows are drawn together below
                if procedure == "ege":
                    continue
                if n == 0:
                    continue
                row_mu = mu + year_shock[(year, key)] + rng.normal(0.0, s["class_sd"])
                rows.append(_result_row(year, school_id, key, scale, _pupil_scores(rng, row_mu, n, scale)))
            if sizes[11] == 0:
                continue
            # ЕГЭ: every graduate writes Russian; profile math is chosen by a part of the
            # class, basic math by the rest. Takers are selected, so the school effect is
            # damped.
            n_russian = int(rng.binomial(sizes[11], 0.98))
            p_profile = kind["profile_math"] * (0.7 if s["role"] == "low" else 1.0)
            n_profile = int(rng.binomial(n_russian, p_profile))
            counts = {"russian": n_russian, "math_profile": n_profile,
                      "math_base": n_russian - n_profile}
            for subject in ("russian", "math_base", "math_profile"):
                key = ("ege", subject, 11)
                if counts[subject] == 0:
                    continue
                row_mu = 0.6 * mu + year_shock[(year, key)] + rng.normal(0.0, s["class_sd"])
                scores = _pupil_scores(rng, row_mu, counts[subject], assessments[key])
                rows.append(_result_row(year, school_id, key, assessments[key], scores))
    results = pd.DataFrame(rows, columns=RESULTS.column_names)
    for col in ("mark3", "mark4", "mark5"):
        results[col] = results[col].astype("Int64")
    return results, graduates


def _shnor_flags(results: pd.DataFrame, schools: pd.DataFrame, years, params: dict
                 ) -> dict[tuple[int, str], bool]:
    """ШНОР per ``(year, school_id)`` by the identification rule
    (:func:`qualitylib.rules.identification.identify_shnor`) with ``params``."""
    flags = {}
    for year in years:
        ident = identify_shnor(results, schools, year, params)
        flags.update({(int(year), school_id): bool(shnor)
                      for school_id, shnor in zip(ident["school_id"], ident["shnor"])})
    return flags


# --------------------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------------------
_LABS = ("lab_physics", "lab_chemistry", "lab_biology", "lab_geography", "lab_technology")


def _year_installed(rng: np.random.Generator, p_have: float) -> int:
    """Year from which a facility exists (2021: before the sample; >2026: not yet)."""
    return 2021 if rng.random() < p_have else int(rng.integers(2023, 2030))


def _make_context(rng: np.random.Generator, latent: pd.DataFrame, years) -> pd.DataFrame:
    """Context rows (one per year x school) driven by the latent disadvantage."""
    rows = []
    for school_id, s in latent.iterrows():
        d, rural, mu0 = s["disadvantage"], s["rural"], s["base"]
        internet_from = _year_installed(rng, 0.75 if rural else 0.98)
        computers_from = _year_installed(rng, 0.85 if rural else 0.97)
        lab_from = {lab: _year_installed(rng, 0.55 if rural else 0.9) for lab in _LABS}
        overload = np.clip(rng.normal(5.0 + s["overload"] + 2.0 * rural, 4.0), 0, 22)
        unqualified = (rng.uniform(2.0, 14.0)
                       if rng.random() < (0.3 if rural else 0.12) else 0.0)
        low_income = np.clip(22.0 + 10.0 * d + rng.normal(0, 4), 2, 85)
        higher_ed = np.clip(45.0 - 10.0 * d + rng.normal(0, 5), 5, 90)
        single = np.clip(22.0 + 5.0 * d + rng.normal(0, 3), 5, 60)
        registered = max(0.0, 0.8 + 0.7 * d + rng.normal(0, 0.6))
        disabled = max(0.5, 2.8 + 0.8 * d + rng.normal(0, 1.2))
        nonnative = max(0.0, rng.normal(s["nonnative"], 1.0)) * (0.5 if rural else 1.0)
        absentee = max(0.0, 0.7 + 0.6 * d + rng.normal(0, 0.7))
        for year in years:
            mu = _quality(s, year)
            failing = np.clip(1.2 * np.exp(-1.4 * mu) * rng.lognormal(0.0, 0.4) + rng.normal(0, 0.8), 0, 15)
            if mu > 0.3 and rng.random() < 0.5:
                failing = 0.0
            jitter = lambda sd: rng.normal(0.0, sd)  # noqa: E731 - small yearly drift
            rows.append(dict(
                year=year, school_id=school_id,
                internet=int(year >= internet_from), computers=int(year >= computers_from),
                **{lab: int(year >= lab_from[lab]) for lab in _LABS},
                teachers_overload_pct=np.clip(overload + jitter(2.0), 0, 25),
                teachers_unqualified_pct=max(0.0, unqualified + jitter(1.0)) if unqualified else 0.0,
                pupils_registered_pct=max(0.0, registered + jitter(0.3)),
                pupils_disabled_pct=max(0.0, disabled + 0.2 * (year - 2022) + jitter(0.4)),
                pupils_nonnative_pct=max(0.0, nonnative + jitter(0.3)),
                pupils_absentee_pct=max(0.0, absentee + jitter(0.4)),
                pupils_failing_pct=failing,
                pupils_low_income_pct=np.clip(low_income + jitter(1.5), 0, 100),
                parents_higher_ed_pct=np.clip(higher_ed + 0.5 * (year - 2022) + jitter(1.5),
                                              0, 100),
                pupils_single_parent_pct=np.clip(single + jitter(1.0), 0, 100),
            ))
    context = pd.DataFrame(rows, columns=CONTEXT.column_names)
    pct = [c.name for c in CONTEXT.columns if c.kind == "pct"]
    context[pct] = context[pct].astype(float).round(1)
    return context


# --------------------------------------------------------------------------------------
# Monitoring
# --------------------------------------------------------------------------------------
def _make_monitoring(rng: np.random.Generator, latent: pd.DataFrame, context: pd.DataFrame,
                     shnor: dict[tuple[int, str], bool],
                     graduates: dict[tuple[int, str], int], years) -> pd.DataFrame:
    """Monitoring rows: programme schools (ШНОР in the previous year) get the support."""
    ctx = context.set_index(["year", "school_id"])
    rows = []

    def share(n: int, p: float) -> int:
        return int(rng.binomial(n, float(np.clip(p, 0.0, 1.0))))

    def flag(p: float) -> int:
        return int(rng.random() < p)

    for school_id, s in latent.iterrows():
        pupils, rural = int(s["pupils"]), bool(s["rural"])
        strong = s["selective"] or s["base"] > 0.4
        teachers_base = max(8, round(pupils / 14 * rng.uniform(0.85, 1.15)) + 2)
        site_municipal = int(strong and rng.random() < 0.35)
        site_regional = int(site_municipal and rng.random() < 0.35)
        for year in years:
            mu = _quality(s, year)
            c = ctx.loc[(year, school_id)]
            if year == years[0]:
                programme = s["role"] in ("low", "up")
            else:
                programme = shnor.get((year - 1, school_id), False)
            t = 1.0 if programme else 0.0
            teachers = max(4, teachers_base + int(rng.integers(-1, 2)))
            diagnosed = share(teachers, 0.1 + 0.65 * t)
            participation = flag(0.55 + 0.3 * t + 0.1 * strong)
            weak = share(pupils, 0.05 + 0.05 * max(0.0, -mu) + 0.01 * s["disadvantage"])
            failing = int(round(c["pupils_failing_pct"] * pupils / 100))
            grads = graduates[(year, school_id)]
            surveyed = share(pupils, rng.uniform(0.3, 0.7))
            labs = int(sum(c[lab] for lab in _LABS))
            equipped = bool(c["internet"] and c["computers"] and labs >= 4)
            rows.append(dict(
                year=year, school_id=school_id,
                teachers_total=teachers,
                teachers_diagnosed=diagnosed,
                teachers_supported=share(teachers, 0.15 + 0.6 * t),
                teachers_regional_network=share(teachers, 0.05 + 0.2 * t),
                teachers_municipal_network=share(teachers, 0.25 + 0.3 * t),
                teachers_with_iom=share(diagnosed, 0.3 + 0.45 * t),
                teachers_trained=share(teachers, 0.15 + 0.25 * t),
                teachers_fgos_trained=share(teachers, 0.45 + 0.12 * (year - 2022)),
                prof_events_participation=participation,
                prof_events_presented=participation * flag(0.25 + 0.35 * strong),
                internship_site_municipal=site_municipal,
                internship_site_regional=site_regional,
                prevention_system=flag(0.6 + 0.05 * (year - 2022) + 0.3 * t),
                risk_prevention=flag(0.5 + 0.4 * t),
                weak_pupils=weak,
                weak_pupils_with_iom=share(weak, 0.35 + 0.45 * t),
                failing_pupils=failing,
                failing_pupils_extra_lessons=share(failing, 0.85),
                graduates_11=grads,
                honours_certificates=share(grads, 0.08 + 0.06 * mu),
                university_entrants=share(grads, 0.55 + 0.15 * mu - 0.1 * rural),
                olympiad_winners=int(rng.poisson(pupils / 150 * np.exp(0.8 * mu))),
                staffing_pct=int(np.clip(round(100 - abs(rng.normal(0, 4)) - 3 * rural
                                               - 3 * t - s["overload"]), 70, 100)),
                parents_surveyed=surveyed,
                parents_satisfied=share(surveyed, 0.86 + 0.05 * mu),
                pupils_total=pupils,
                pupils_modern_conditions=share(pupils, (0.5 if rural else 0.75)
                                               + 0.07 * (year - 2022)),
                pupils_municipal_events=share(pupils, rng.uniform(0.15, 0.45)),
                quality_programme=flag(0.9 * t + 0.3 * (1 - t)),
                material_base_programme=flag(0.8 * t + (0.4 if rural else 0.15) * (1 - t)),
                methodical_support=flag(0.95 * t + 0.3 * (1 - t)),
                in_network=int(bool(site_municipal) or rng.random() < 0.9 * t + 0.2 * (1 - t)),
                equal_access=int(equipped or rng.random() < 0.3),
            ))
    return pd.DataFrame(rows, columns=MONITORING.column_names)


# --------------------------------------------------------------------------------------
# Road map, assembly and writing
# --------------------------------------------------------------------------------------
def _make_roadmap(plans) -> pd.DataFrame:
    """The items of the packaged road maps named by ``plans`` (real texts, invented state)."""
    roadmaps = load_roadmaps()
    records = [record for plan in plans for record in roadmaps[plan].records()]
    roadmap = pd.DataFrame(records, columns=ROADMAP.column_names)
    return roadmap.replace("", None)


def _sort_by_key(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Sort rows by the table key (road map items in numeric order)."""
    key = list(TABLES[name].key)
    if name == "municipal":  # items in their programme's order
        return (frame.assign(_n=frame["indicator"].astype(int))
                .sort_values(["year", "municipality", "_n"], kind="stable").drop(columns="_n")
                .reset_index(drop=True))
    if name == "roadmap":
        return (frame.assign(_n=frame["item"].astype(int))
                .sort_values(["municipality", "plan", "_n"], kind="stable").drop(columns="_n")
                .reset_index(drop=True))
    key = [k for k in key if k in frame]
    return frame.sort_values(key, na_position="first", kind="stable").reset_index(drop=True)


#: Columns a monitoring round repeats (Norilsk 4.3: twice a year, January and June).
ROUND_COLUMNS = ("prevention_system", "weak_pupils", "weak_pupils_with_iom", "failing_pupils",
                 "failing_pupils_extra_lessons")


def _make_rounds(monitoring: pd.DataFrame, schools: pd.DataFrame, rounds: dict) -> pd.DataFrame:
    """The rows of the monitoring rounds within a year (no random draw): the prevention columns of the
    year, the pupils with an ИОМ and at extra lessons scaled by the round's share."""
    town = schools.set_index("school_id")["municipality"]
    parts = []
    for name, shares in rounds.items():
        mine = monitoring[monitoring["school_id"].map(town) == name]
        for label, share in shares.items():
            part = pd.DataFrame({"year": mine["year"], "school_id": mine["school_id"]})
            for column in ROUND_COLUMNS:
                values = mine[column]
                if column in ("weak_pupils_with_iom", "failing_pupils_extra_lessons"):
                    values = np.floor(values * share).astype("int64")
                part[column] = values
            # the first schools by code held the round's diagnostics (Elista, item 2 of the road map)
            order = mine.groupby("year")["school_id"].rank(method="first")
            size = mine.groupby("year")["school_id"].transform("size")
            part["diagnostics_done"] = (order <= np.ceil(share * size)).astype("int64")
            part["round"] = label
            parts.append(part)
    if not parts:
        return monitoring.iloc[0:0]
    return pd.concat(parts, ignore_index=True).reindex(columns=MONITORING.column_names)


def _add_derived_columns(monitoring: pd.DataFrame, schools: pd.DataFrame, spec: SampleSpec) -> pd.DataFrame:
    """The yearly columns drawn from no random number: the kinds of teachers' diagnostics (Norilsk
    2.3.2) and the analysis of results and conditions done in the school (Kavkazsky 8)."""
    out = monitoring.copy()
    for kind, share in spec.diagnostics_kinds.items():
        out[f"teachers_diagnosed_{kind}"] = np.floor(out["teachers_diagnosed"] * share).astype("int64")
    town = out["school_id"].map(schools.set_index("school_id")["municipality"])
    out["analysis_done"] = 1
    for name, years in spec.analysis_missing.items():
        for year, n in years.items():
            mine = out[(town == name) & (out["year"] == year)].sort_values("school_id")
            out.loc[mine.index[len(mine) - n:], "analysis_done"] = 0
    return out


def _make_municipal(municipal: dict) -> pd.DataFrame:
    """The yes/no items of the municipalities (no random draw)."""
    rows = [dict(year=year, municipality=town, indicator=item,
                 done=None if done in ("", None) else int(done), evidence=evidence or None)
            for town, years in municipal.items() for year, items in years.items()
            for item, (done, evidence) in items.items()]
    frame = pd.DataFrame(rows, columns=MUNICIPAL.column_names)
    frame["done"] = frame["done"].astype("Int64")
    return frame


def _make_regional(rng: np.random.Generator, results: pd.DataFrame, latent: pd.DataFrame,
                   spec: SampleSpec) -> pd.DataFrame:
    """The region's diagnostic works (``rdr``): the pupils of each ВПР row of the given works,
    municipalities and years write them again on the ВПР's scale, around the school's latent quality."""
    r = spec.regional_diagnostics
    works = {tuple(w.split(".")) for w in r["works"]}
    towns = set(r["municipalities"])
    vpr = results[(results["procedure"] == "vpr") & results["year"].isin([int(y) for y in r["years"]])]
    rows = []
    for row in vpr.itertuples(index=False):
        s = latent.loc[row.school_id]
        if s["municipality"] not in towns or (row.subject, str(row.grade)) not in works:
            continue
        scale = spec.assessments[("vpr", row.subject, int(row.grade))]
        mu = _quality(s, int(row.year)) + rng.normal(0.0, s["class_sd"])
        scores = _pupil_scores(rng, mu, int(row.participants), scale)
        rows.append(_result_row(int(row.year), row.school_id, ("rdr", row.subject, int(row.grade)), scale, scores))
    frame = pd.DataFrame(rows, columns=RESULTS.column_names)
    for col in ("mark3", "mark4", "mark5"):
        frame[col] = frame[col].astype("Int64")
    return frame


def _make_official(latent: pd.DataFrame, official: dict) -> pd.DataFrame:
    """The published ШНОР list: the schools of the given roles, every given year (no random draw)."""
    ids = [school for school, s in latent.iterrows() if s["role"] in official["roles"]]
    rows = [dict(year=year, school_id=school, source=official["source"]) for year in official["years"] for school in ids]
    return pd.DataFrame(rows, columns=OFFICIAL.column_names)


# --------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------
def _work_tasks(template: list, skills: dict, max_points: int) -> list[dict]:
    """A work's tasks: the template in order until the maxima add up to ``max_points``."""
    tasks, total, i = [], 0, 0
    codes = list(skills)
    last = int(str(template[-1][0]).split(".")[0].split("K")[0])
    while total < max_points:
        if i < len(template):
            number, level, top, code = template[i]
        else:  # a longer work continues with tasks numbered on
            number, level, top, code = str(last + 1 + i - len(template)), "П", 2, codes[i % len(codes)]
        top = min(int(top), max_points - total)
        tasks.append({"position": len(tasks) + 1, "task": str(number), "level": level, "max": top,
                      "skill": skills[code][1], "elements": [str(code)], "requirements": [str(code)]})
        total += top
        i += 1
    return tasks


def _task_years(spec: SampleSpec) -> tuple[int, ...]:
    return tuple(spec.years[-int(spec.tasks.get("years", 2)):])


def sample_catalogue(spec: SampleSpec | None = None) -> dict:
    """The synthetic task catalogue of the sample (the structure of ``params/tasks/vpr.yaml``).

    The tasks table covers the last ``years`` years of the sample (two by default, enough
    for a report and its previous year); the first of them describes every ВПР work of the
    sample, the later ones are ``same_as`` it.
    """
    spec = spec or sample_spec()
    t = spec.tasks
    years = _task_years(spec)
    first, works = years[0], {}
    for (procedure, subject, grade), scale in spec.assessments.items():
        if procedure != "vpr" or subject not in t["templates"]:
            continue
        skills = {str(k): v for k, v in t["skills"][subject].items()}
        works[f"{subject}.{grade}"] = {
            "source": "синтетическое описание (регион-образец)",
            "elements": {code: title for code, (title, _) in skills.items()},
            "requirements": {code: skill for code, (_, skill) in skills.items()},
            "tasks": _work_tasks(t["templates"][subject], skills, int(scale[0]))}
    catalogue = {first: works}
    for year in years[1:]:
        catalogue[year] = {w: {"same_as": first, "checked": "синтетическая работа того же состава"} for w in works}
    return {"catalogue": catalogue}


def _make_tasks(rng: np.random.Generator, results: pd.DataFrame, latent: pd.DataFrame,
                spec: SampleSpec, catalogue: dict) -> pd.DataFrame:
    """The tasks table: each ВПР result's sum of scores per task, drawn around the result's mean.

    A task's success is ``Φ(Φ⁻¹(mean share) + ease(level) + task effect + school noise + weak
    skill)``; the sum of scores is binomial over the participants' points of the task.
    """
    t = spec.tasks
    years = _task_years(spec)
    works = catalogue["catalogue"][years[0]]
    effects = {w: rng.normal(0.0, t["task_sd"], size=len(e["tasks"])) for w, e in works.items()}
    weak = {sid: str(rng.integers(1, 7)) for sid in latent.index}
    rows = []
    vpr = results[(results["procedure"] == "vpr") & results["year"].isin(years)]
    for r in vpr.itertuples(index=False):
        work = f"{r.subject}.{r.grade}"
        if work not in works:
            continue
        tasks = works[work]["tasks"]
        top = spec.assessments[("vpr", r.subject, int(r.grade))][0]
        share = float(np.clip(r.mean_score / top, 0.02, 0.98))
        role = latent.at[r.school_id, "role"]
        base = ndtri(share)
        for k, task in enumerate(tasks):
            shift = t["ease"][task["level"]] + effects[work][k] + rng.normal(0.0, t["school_sd"])
            if role in ("low", "down", "named_low") and task["elements"][0] == weak[r.school_id]:
                shift += t["weak_skill"]
            p = float(ndtr(base + shift))
            points = int(r.participants) * int(task["max"])
            rows.append((int(r.year), r.school_id, "vpr", r.subject, int(r.grade), task["task"],
                         int(r.participants), float(rng.binomial(points, p)), int(task["max"]), task["level"]))
    return pd.DataFrame(rows, columns=TASKS.column_names)


def make_sample(seed: int = 2026, params: dict | None = None) -> dict[str, pd.DataFrame]:
    """Build the synthetic sample region described by :func:`sample_spec`.

    Parameters
    ----------
    seed : int, default 2026
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same tables.
    params : dict, optional
        Parameters of the ШНОР rule that decides which schools get the programme's support
        in the monitoring table; default: the packaged methodology (:func:`load_params`).

    Returns
    -------
    dict of str to pandas.DataFrame
        Tables ``schools``, ``results``, ``context``, ``monitoring``, ``roadmap``, ``tasks`` and (when the
        specification gives one) ``official`` with
        the canonical columns of :mod:`qualitylib.data.schema` in schema order (monitoring:
        ``year``, ``school_id`` and :data:`MONITORING_COLUMNS`), rows sorted by table key.

    Examples
    --------
    >>> tables = make_sample(2026)
    >>> sorted(tables)
    ['context', 'monitoring', 'municipal', 'official', 'results', 'roadmap', 'schools', 'tasks']
    """
    spec = sample_spec()
    params = load_params() if params is None else params
    rng = np.random.default_rng(seed)
    schools_rng, results_rng, context_rng, monitoring_rng = rng.spawn(4)
    schools, latent = _make_schools(schools_rng, spec)
    results, graduates = _make_results(results_rng, latent, spec)
    context = _make_context(context_rng, latent, spec.years)
    shnor = _shnor_flags(results, schools, spec.years, params)
    monitoring = _make_monitoring(monitoring_rng, latent, context, shnor, graduates, spec.years)
    monitoring = _add_derived_columns(monitoring, schools, spec)
    if spec.rounds:
        rounds = _make_rounds(monitoring, schools, spec.rounds)
        monitoring = pd.concat([monitoring, rounds], ignore_index=True)
        for column in MONITORING_COLUMNS:   # the round rows leave the other columns empty
            monitoring[column] = monitoring[column].astype("Int64")
    tables = dict(schools=schools, results=results, context=context, monitoring=monitoring,
                  roadmap=_make_roadmap(spec.roadmaps))
    if spec.official:
        tables["official"] = _make_official(latent, spec.official)
    if spec.municipal:
        tables["municipal"] = _make_municipal(spec.municipal)
    if spec.regional_diagnostics:  # its own generator, after everything drawn from the results
        regional_rng = np.random.default_rng([seed, int(spec.regional_diagnostics["seed_offset"])])
        regional = _make_regional(regional_rng, results, latent, spec)
        tables["results"] = pd.concat([results, regional], ignore_index=True)
    if spec.tasks:  # its own generator: the other tables do not change with the task specification
        tasks_rng = np.random.default_rng([seed, int(spec.tasks["seed_offset"])])
        tables["tasks"] = _make_tasks(tasks_rng, results, latent, spec, sample_catalogue(spec))
    return {name: _sort_by_key(frame, name) for name, frame in tables.items()}


def _write_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line endings) to ``target`` via a temp file + rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the folder is shared data
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_sample(path, seed: int = 2026) -> Path:
    """Write the sample region to a folder.

    Each table goes to ``<name>.csv`` (UTF-8, comma-separated, ``\\n`` line endings, no
    index, rows sorted by key, floats with one decimal), plus ``region.yaml`` with the
    region name. Every file is written atomically (temp file in the folder, then
    :func:`os.replace`); the same seed gives byte-identical files.

    Parameters
    ----------
    path : str or os.PathLike
        Target folder; created if missing. Existing files of the same names are replaced.
    seed : int, default 2026
        Seed passed to :func:`make_sample`.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in make_sample(seed).items():
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.1f")
        _write_atomic(folder / f"{name}.csv", text)
    meta = (
        "# Синтетические данные: школы, результаты и показатели вымышлены и сгенерированы "
        f"qualitylib.sample (seed {seed}); реальных школ и обучающихся они не описывают.\n"
        f"name: {sample_spec().region}\n"
    )
    _write_atomic(folder / "region.yaml", meta)
    if sample_spec().tasks:
        catalogue = ("# Синтетический каталог заданий ВПР региона-образца (qualitylib.sample): задания и умения "
                     "вымышлены.\n" + yaml.safe_dump(sample_catalogue(), allow_unicode=True, sort_keys=False, width=120))
        _write_atomic(folder / CATALOGUE_FILE, catalogue)
    return folder
