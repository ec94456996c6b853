"""A deterministic synthetic sample region for demonstrations and tests.

:func:`make_sample` builds the five tables of :mod:`qualitylib.schema` for an invented
region of six municipalities (Норильск, Элиста, Полысаево, Кавказский район,
Чаа-Хольский кожуун, Красноярск; about 110 schools) over the years 2022-2026, and
:func:`write_sample` writes them as a region folder. Everything is drawn from one
``numpy.random.default_rng(seed)``: the same seed gives byte-identical files.

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
whether a school was a ШНОР by the identification rule in the previous year (support,
diagnosis and individual routes are concentrated in those schools).

The road maps are the real ones of Полысаево (26 items) and Элиста (19 items), see
:mod:`qualitylib.roadmaps_data`; their execution state is invented.

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
=============================  ===============================================================
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .roadmaps_data import roadmap_records
from .schema import CONTEXT, MONITORING, RESULTS, ROADMAP, SCHOOLS, TABLES

__all__ = ["make_sample", "write_sample", "YEARS", "MONITORING_COLUMNS", "SHNOR_PROCEDURES"]

#: Calendar years of the sample.
YEARS = (2022, 2023, 2024, 2025, 2026)

#: Region name written to ``region.yaml``.
REGION_NAME = "Синтетический регион (образец)"

#: The nine procedures of the ШНОР rule (METHODOLOGY section 1): (procedure, subject, grade).
SHNOR_PROCEDURES = (
    ("vpr", "math", 5), ("vpr", "math", 6), ("vpr", "russian", 5), ("vpr", "russian", 6),
    ("oge", "math", 9), ("oge", "russian", 9),
    ("ege", "math_base", 11), ("ege", "math_profile", 11), ("ege", "russian", 11),
)

#: Columns of the monitoring table beyond its key, in file order (the data contract's order).
MONITORING_COLUMNS = tuple(MONITORING.column_names[2:])

# --------------------------------------------------------------------------------------
# Schools
# --------------------------------------------------------------------------------------
# School kinds: "soh" secondary (grades 1-11), "oosh" basic (1-9), "gym" gymnasium,
# "lyc" lyceum. A school spec: (name, kind, locality, pupils_low, pupils_high, role),
# where role is "low" for a school fixed as persistently weak, else None (roles of the
# other schools are drawn from the seed).


def _city(prefix: str, numbers, kind: str, low: int, high: int, template: str):
    return [(template.format(prefix=prefix, n=n), kind, "город", low, high, None) for n in numbers]


def _municipality_specs() -> list[dict]:
    """The six municipalities: name, role counts and the list of school specs."""
    krasnoyarsk = (
        _city("МАОУ", (1, 2, 9, 13, 15), "gym", 700, 1300, "{prefix} «Гимназия № {n}»")
        + _city("МАОУ", (1, 7, 10), "lyc", 650, 1200, "{prefix} «Лицей № {n}»")
        + _city("МБОУ", (2, 5, 7, 12, 16, 17, 19, 21, 23, 24, 30, 31, 34, 36, 39, 42, 44, 46,
                         53, 62, 64, 65, 69, 72, 76, 82, 85, 90, 94, 98, 115, 121),
                "soh", 450, 1500, "{prefix} СОШ № {n}")
    )
    norilsk = (
        _city("МБОУ", (4, 5, 7, 11), "gym", 600, 1100, "{prefix} «Гимназия № {n}»")
        + _city("МБОУ", (3,), "lyc", 600, 1000, "{prefix} «Лицей № {n}»")
        + _city("МБОУ", (1, 6, 8, 9, 13, 14, 16, 17, 20, 21, 23, 27, 28, 29, 30, 31, 33, 37,
                         39, 40), "soh", 400, 1100, "{prefix} «Средняя школа № {n}»")
    )
    elista = [
        ("МБОУ «Элистинская многопрофильная гимназия»", "gym", "город", 800, 1300, None),
        ("МБОУ «Элистинская классическая гимназия»", "gym", "город", 600, 1000, None),
        ("МБОУ «Калмыцкая этнокультурная гимназия им. Зая-Пандиты»", "gym", "город", 500, 900,
         None),
        ("МБОУ «Элистинский лицей»", "lyc", "город", 700, 1200, None),
    ] + _city("МБОУ", (2, 3, 4, 8, 10, 12, 14, 15, 17, 18, 20, 21, 22, 23, 25, 30), "soh",
              300, 1200, "{prefix} «СОШ № {n}»")
    polysaevo = [
        ("МБОУ «Лицей»", "lyc", "город", 600, 900, None),
        ("МБОУ «Средняя общеобразовательная школа № 14»", "soh", "город", 400, 800, None),
        ("МБОУ «Средняя общеобразовательная школа № 17»", "soh", "город", 350, 700, None),
        ("МБОУ «Средняя общеобразовательная школа № 32»", "soh", "город", 450, 850, None),
        ("МБОУ «Основная общеобразовательная школа № 35»", "oosh", "город", 160, 240, "low"),
        ("МБОУ «Средняя общеобразовательная школа № 44»", "soh", "город", 500, 900, None),
    ]
    kavkazsky = [
        ("МАОУ СОШ № 1 г. Кропоткин", "soh", "город", 700, 1200, None),
        ("МАОУ «Гимназия № 2» г. Кропоткин", "gym", "город", 700, 1100, None),
        ("МАОУ СОШ № 3 г. Кропоткин", "soh", "город", 500, 1000, None),
        ("МАОУ СОШ № 4 г. Кропоткин", "soh", "город", 500, 1000, None),
        ("МАОУ СОШ № 5 г. Кропоткин", "soh", "город", 400, 900, None),
        ("МАОУ СОШ № 11 г. Кропоткин", "soh", "город", 600, 1100, None),
        ("МБОУ СОШ № 6 ст. Кавказской", "soh", "село", 350, 700, None),
        ("МБОУ СОШ № 7 ст. Кавказской", "soh", "село", 250, 500, None),
        ("МБОУ СОШ № 8 ст. Темижбекской", "soh", "село", 150, 400, None),
        ("МБОУ СОШ № 9 ст. Дмитриевской", "soh", "село", 200, 450, None),
        ("МБОУ СОШ № 10 ст. Казанской", "soh", "село", 300, 600, None),
        ("МБОУ СОШ № 12 пос. Мирского", "soh", "село", 120, 300, None),
        ("МБОУ СОШ № 13 ст. Казанской", "soh", "село", 80, 200, None),
        ("МБОУ СОШ № 15 ст. Дмитриевской", "soh", "село", 90, 220, None),
        ("МБОУ ООШ № 14 пос. Лосево", "oosh", "село", 40, 90, None),
    ]
    chaa_khol = [
        ("МБОУ СОШ № 1 с. Чаа-Холь", "soh", "село", 400, 650, None),
        ("МБОУ СОШ № 2 с. Чаа-Холь", "soh", "село", 250, 450, None),
        ("МБОУ СОШ с. Ак-Дуруг", "soh", "село", 120, 260, "low"),
        ("МБОУ СОШ им. Кара-оола В.Х. с. Булун-Терек", "soh", "село", 100, 220, "low"),
        ("МБОУ СОШ с. Шанчы", "soh", "село", 90, 200, None),
        ("МБОУ «Чаа-Хольская школа-интернат»", "soh", "село", 150, 300, None),
        ("МКОУ ООШ с. Ийме", "oosh", "село", 15, 35, None),
    ]
    # role counts: persistently low / improving out of the low zone / declining into it
    return [
        dict(name="Норильск", offset=0.10, social=-0.5, nonnative=2.0, overload=4.0,
             roles=(2, 1, 1), schools=norilsk),
        dict(name="Элиста", offset=-0.05, social=0.3, nonnative=0.5, overload=0.0,
             roles=(2, 1, 1), schools=elista),
        dict(name="Полысаево", offset=-0.05, social=0.3, nonnative=0.5, overload=1.0,
             roles=(0, 0, 1), schools=polysaevo),
        dict(name="Кавказский район", offset=0.05, social=0.2, nonnative=1.0, overload=1.0,
             roles=(2, 1, 1), schools=kavkazsky),
        dict(name="Чаа-Хольский кожуун", offset=-0.1, social=1.0, nonnative=1.0, overload=2.0,
             roles=(0, 0, 0), schools=chaa_khol),
        dict(name="Красноярск", offset=0.05, social=0.0, nonnative=2.0, overload=1.0,
             roles=(3, 2, 2), schools=krasnoyarsk),
    ]


def _make_schools(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the schools table and each school's latent traits.

    Returns
    -------
    schools : pandas.DataFrame
        The canonical schools table.
    latent : pandas.DataFrame
        Indexed by ``school_id``: ``kind``, ``rural``, ``municipality``, ``base`` (latent
        quality in 2024), ``slope`` (per year), ``class_sd`` (class-level noise),
        ``disadvantage`` (latent social disadvantage), ``muni`` (municipality spec).
    """
    rows, latent = [], []
    for m_number, muni in enumerate(_municipality_specs(), start=1):
        specs = muni["schools"]
        n = len(specs)
        # Draw roles for the schools without a fixed one; gymnasiums and lyceums are
        # never weak. "low" persistently weak, "up" improving out, "down" declining in.
        eligible = [i for i, s in enumerate(specs) if s[1] in ("soh", "oosh") and s[5] is None]
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
            base += {"gym": 0.45, "lyc": 0.5, "oosh": -0.15}.get(kind, 0.0) - 0.1 * rural
            slope = rng.normal(0.0, 0.04)
            if role == "low" and spec_role == "low":
                # a school named as weak in a real programme stays weak all period
                base = rng.uniform(-1.3, -1.1)
                slope = rng.uniform(-0.04, 0.02)
            elif role == "low":
                base = rng.uniform(-1.35, -1.0)
                slope = rng.uniform(-0.03, 0.08)
            elif role == "up":
                base = rng.uniform(-0.6, -0.4)
                slope = rng.uniform(0.18, 0.26)
            elif role == "down":
                base = rng.uniform(-0.7, -0.5)
                slope = rng.uniform(-0.28, -0.2)
            class_sd = 0.25 if pupils < 250 else (0.2 if rural else 0.14)
            disadvantage = (muni["social"] + 0.4 * rural - 0.6 * base / 0.4
                            + rng.normal(0.0, 0.8))
            rows.append(dict(school_id=school_id, school_name=name, municipality=muni["name"],
                             locality=locality, pupils_total=pupils))
            latent.append(dict(school_id=school_id, kind=kind, rural=rural, role=role,
                               municipality=muni["name"], base=base, slope=slope,
                               class_sd=class_sd, disadvantage=disadvantage, pupils=pupils,
                               nonnative=muni["nonnative"], overload=muni["overload"]))
    schools = pd.DataFrame(rows, columns=SCHOOLS.column_names)
    return schools, pd.DataFrame(latent).set_index("school_id")


def _quality(latent: pd.Series, year: int) -> float:
    """Latent quality of a school in a year (linear trend through 2024)."""
    return float(latent["base"] + latent["slope"] * (year - 2024))


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------
# (procedure, subject, grade) -> (max points, cut for mark 3 (= minimum), cut 4, cut 5,
# score fraction of the median pupil of an average school, ability z at the minimum).
# ВПР/ОГЭ: primary points with mark cuts; ЕГЭ russian / profile math: test score 0-100 with
# the minimum (24 / 27); ЕГЭ basic math: primary points 0-21, minimum 7 (mark 3).
_PROCEDURES = {
    ("vpr", "math", 4): (20, 6, 10, 14, 0.55, -1.9),
    ("vpr", "russian", 4): (38, 14, 24, 33, 0.64, -1.8),
    ("vpr", "math", 5): (20, 7, 11, 15, 0.56, -1.5),
    ("vpr", "russian", 5): (45, 18, 29, 39, 0.63, -1.45),
    ("vpr", "math", 6): (20, 6, 10, 14, 0.50, -1.35),
    ("vpr", "russian", 6): (51, 25, 34, 45, 0.66, -1.35),
    ("vpr", "math", 7): (19, 7, 12, 16, 0.58, -1.35),
    ("vpr", "russian", 7): (47, 20, 29, 38, 0.61, -1.35),
    ("vpr", "math", 8): (25, 7, 12, 18, 0.47, -1.4),
    ("vpr", "russian", 8): (51, 25, 35, 45, 0.67, -1.3),
    ("oge", "math", 9): (31, 8, 15, 22, 0.50, -1.6),
    ("oge", "russian", 9): (33, 15, 22, 29, 0.72, -1.9),
    ("ege", "russian", 11): (100, 24, None, None, 0.68, -2.4),
    ("ege", "math_base", 11): (21, 7, None, None, 0.62, -2.0),
    ("ege", "math_profile", 11): (100, 27, None, None, 0.55, -1.45),
}

#: Share of grade-9 leavers who stay for grade 10-11, by school kind.
_STAY = {"soh": 0.55, "gym": 0.8, "lyc": 0.85}
#: Share of grade-11 pupils choosing profile math, by school kind.
_PROFILE = {"soh": 0.4, "gym": 0.65, "lyc": 0.75}


def _pupil_scores(rng: np.random.Generator, mu: float, n: int, spec: tuple) -> np.ndarray:
    """Integer scores of ``n`` pupils whose abilities are ``N(mu, 1)``."""
    max_points, cut3, _, _, median_frac, z_min = spec
    # score fraction = Phi(a + b z): the median pupil of an average school gets
    # ``median_frac``; a pupil at ability ``z_min`` is exactly at the minimum.
    a = ndtri(median_frac)
    b = (a - ndtri(cut3 / max_points)) / -z_min
    z = rng.normal(mu, 1.0, size=n)
    return np.rint(max_points * ndtr(a + b * z)).astype(int)


def _result_row(year, school_id, key, scores) -> dict:
    """One results row from the simulated scores of its participants."""
    procedure, subject, grade = key
    max_points, cut3, cut4, cut5, _, _ = _PROCEDURES[key]
    row = dict(year=year, school_id=school_id, procedure=procedure, subject=subject,
               grade=grade, participants=int(scores.size), low_count=int((scores < cut3).sum()),
               mark3=pd.NA, mark4=pd.NA, mark5=pd.NA,
               mean_score=round(float(scores.mean()), 1), max_score=float(scores.max()))
    if cut4 is not None:
        row["mark3"] = int(((scores >= cut3) & (scores < cut4)).sum())
        row["mark4"] = int(((scores >= cut4) & (scores < cut5)).sum())
        row["mark5"] = int((scores >= cut5).sum())
    return row


def _make_results(rng: np.random.Generator, latent: pd.DataFrame
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
    year_shock = {(y, k): rng.normal(0.0, 0.08) for y in YEARS for k in _PROCEDURES}
    rows, graduates = [], {}
    for school_id, s in latent.iterrows():
        grades_in_school = 9 if s["kind"] == "oosh" else 11
        per_grade = s["pupils"] / grades_in_school
        for year in YEARS:
            mu = _quality(s, year)
            sizes = {g: int(rng.poisson(per_grade * np.exp(rng.normal(0.0, 0.1))))
                     for g in range(4, 10)}
            has_senior = s["kind"] != "oosh" and not (s["pupils"] < 250 and rng.random() < 0.25)
            stay = _STAY.get(s["kind"], 0.5) * (0.8 if s["rural"] else 1.0)
            sizes[11] = int(rng.binomial(sizes[9], stay)) if has_senior else 0
            graduates[(year, school_id)] = sizes[11]
            for key, spec in _PROCEDURES.items():
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
                rows.append(_result_row(year, school_id, key, _pupil_scores(rng, row_mu, n, spec)))
            if sizes[11] == 0:
                continue
            # ЕГЭ: every graduate writes Russian; profile math is chosen by a part of the
            # class, basic math by the rest. Takers are selected, so the school effect is
            # damped.
            n_russian = int(rng.binomial(sizes[11], 0.98))
            p_profile = _PROFILE.get(s["kind"], 0.35) * (0.7 if s["role"] == "low" else 1.0)
            n_profile = int(rng.binomial(n_russian, p_profile))
            counts = {"russian": n_russian, "math_profile": n_profile,
                      "math_base": n_russian - n_profile}
            for subject in ("russian", "math_base", "math_profile"):
                key = ("ege", subject, 11)
                if counts[subject] == 0:
                    continue
                row_mu = 0.6 * mu + year_shock[(year, key)] + rng.normal(0.0, s["class_sd"])
                scores = _pupil_scores(rng, row_mu, counts[subject], _PROCEDURES[key])
                rows.append(_result_row(year, school_id, key, scores))
    results = pd.DataFrame(rows, columns=RESULTS.column_names)
    for col in ("mark3", "mark4", "mark5"):
        results[col] = results[col].astype("Int64")
    return results, graduates


def _shnor_flags(results: pd.DataFrame) -> dict[tuple[int, str], bool]:
    """ШНОР by the identification rule, per ``(year, school_id)``.

    A procedure is low when ``low_count * 100 >= 30 * participants``; a school is ШНОР
    for year Y when at least two of :data:`SHNOR_PROCEDURES` are low in Y, or at least
    one is low in Y and at least one in Y-1.
    """
    keys = list(zip(results["procedure"], results["subject"], results["grade"]))
    counted = results[[k in SHNOR_PROCEDURES for k in keys]]
    low = counted["low_count"] * 100 >= 30 * counted["participants"]
    n_low = low.groupby([counted["year"], counted["school_id"]]).sum()
    flags = {}
    for (year, school_id), count in n_low.items():
        before = int(n_low.get((year - 1, school_id), 0))
        flags[(int(year), school_id)] = bool(count >= 2 or (count >= 1 and before >= 1))
    return flags


# --------------------------------------------------------------------------------------
# Context
# --------------------------------------------------------------------------------------
_LABS = ("lab_physics", "lab_chemistry", "lab_biology", "lab_geography", "lab_technology")


def _year_installed(rng: np.random.Generator, p_have: float) -> int:
    """Year from which a facility exists (2021: before the sample; >2026: not yet)."""
    return 2021 if rng.random() < p_have else int(rng.integers(2023, 2030))


def _make_context(rng: np.random.Generator, latent: pd.DataFrame) -> pd.DataFrame:
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
        for year in YEARS:
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
                     graduates: dict[tuple[int, str], int]) -> pd.DataFrame:
    """Monitoring rows: programme schools (ШНОР in the previous year) get the support."""
    ctx = context.set_index(["year", "school_id"])
    rows = []

    def share(n: int, p: float) -> int:
        return int(rng.binomial(n, float(np.clip(p, 0.0, 1.0))))

    def flag(p: float) -> int:
        return int(rng.random() < p)

    for school_id, s in latent.iterrows():
        pupils, rural = int(s["pupils"]), bool(s["rural"])
        strong = s["kind"] in ("gym", "lyc") or s["base"] > 0.4
        teachers_base = max(8, round(pupils / 14 * rng.uniform(0.85, 1.15)) + 2)
        site_municipal = int(strong and rng.random() < 0.35)
        site_regional = int(site_municipal and rng.random() < 0.35)
        for year in YEARS:
            mu = _quality(s, year)
            c = ctx.loc[(year, school_id)]
            if year == YEARS[0]:
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
def _make_roadmap() -> pd.DataFrame:
    """The real road maps of Полысаево and Элиста (execution state invented)."""
    roadmap = pd.DataFrame(roadmap_records(), columns=ROADMAP.column_names)
    return roadmap.replace("", None)


def _sort_by_key(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Sort rows by the table key (road map items in numeric order)."""
    key = list(TABLES[name].key)
    if name == "roadmap":
        return (frame.assign(_n=frame["item"].astype(int))
                .sort_values(["municipality", "_n"]).drop(columns="_n").reset_index(drop=True))
    return frame.sort_values(key).reset_index(drop=True)


def make_sample(seed: int = 2026) -> dict[str, pd.DataFrame]:
    """Build the synthetic sample region.

    Parameters
    ----------
    seed : int, default 2026
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same tables.

    Returns
    -------
    dict of str to pandas.DataFrame
        Tables ``schools``, ``results``, ``context``, ``monitoring`` and ``roadmap`` with
        the canonical columns of :mod:`qualitylib.schema` in schema order (monitoring:
        ``year``, ``school_id`` and :data:`MONITORING_COLUMNS`), rows sorted by table key.

    Examples
    --------
    >>> tables = make_sample(2026)
    >>> sorted(tables)
    ['context', 'monitoring', 'results', 'roadmap', 'schools']
    """
    rng = np.random.default_rng(seed)
    schools_rng, results_rng, context_rng, monitoring_rng = rng.spawn(4)
    schools, latent = _make_schools(schools_rng)
    results, graduates = _make_results(results_rng, latent)
    context = _make_context(context_rng, latent)
    monitoring = _make_monitoring(monitoring_rng, latent, context, _shnor_flags(results),
                                  graduates)
    tables = dict(schools=schools, results=results, context=context, monitoring=monitoring,
                  roadmap=_make_roadmap())
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
        f"name: {REGION_NAME}\n"
    )
    _write_atomic(folder / "region.yaml", meta)
    return folder
