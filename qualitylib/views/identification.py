"""Russian words of the identification: ШНОР reasons, risk deficits and recommendations, pairs,
social readings, and the summary of notebook 01.

The rules return codes and numbers; :func:`present` turns an
:class:`~qualitylib.reports.identification.Identification` into the same object with the
Russian columns the report, the Excel registry and the command line show (``reasons``,
``material_missing``, ``vpr_high``, ``deficits``, ``recommendations``, ``weak_assessments``,
``covered``, ``note``, ``reading``). Small groups hidden in a public report are marked by the
report builder (the ``hidden`` column of its detail tables: small groups and groups where every
participant has the same outcome); here they only read «данные скрыты».
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..reports.identification import Identification
from ..rules.identification import join_within
from ..rules.objectivity import MIN_PUPILS
from ..rules.risk import DEFICITS, LABS, join_labels
from .heatmaps import fail_share_table
from .labels import assessment_title, assessment_titles, natural_sort, plural, programme_period_note, ru_number

#: Laboratory column -> subject, as the risk table names what is missing.
LAB_TITLES = {"lab_physics": "физика", "lab_chemistry": "химия", "lab_biology": "биология",
              "lab_geography": "география", "lab_technology": "технология"}
#: Deficit code -> Russian name, in report order.
DEFICIT_NAMES = {
    "internet": "нет устойчивого доступа в Интернет",
    "computers": "недостаточно компьютерной техники",
    "labs": "нет лабораторного оборудования",
    "overload": "перегрузка учителей",
    "unqualified": "учителя без профильного диплома",
    "pupils": "сложный контингент обучающихся",
    "vpr": "низкие результаты ВПР",
    "failing": "высокая доля неуспевающих",
}
#: Pairing note code -> Russian.
PAIR_NOTES = {
    "": "",
    "no_low_now": "нет низких результатов в текущем году (ШНОР по критерию 2 за прошлый год)",
    "no_leader": "нет подходящей школы-лидера со свободной ёмкостью",
    "other_municipality": "школа-лидер из другого муниципалитета",
}
#: What a hidden group reads in a public report (small or uniform group, see :mod:`qualitylib.rules.privacy`).
HIDDEN = "данные скрыты (малая группа или одинаковый результат у всех участников)"
#: Social reading code -> Russian.
READINGS = {
    "no_data": "нет данных",
    "worse": "хуже ожидаемого при таком контингенте",
    "better": "лучше ожидаемого при таком контингенте",
    "as_expected": "в пределах ожидаемого",
    "hidden": HIDDEN,
}
#: Objectivity sign code -> Russian name.
SIGN_TITLES = {
    "inflated": "завышенный средний балл",
    "marks_mismatch": "несоответствие школьным отметкам",
    "sharp_rise": "резкий рост результатов параллели 4 → 5",
    "sharp_fall": "резкое падение результатов параллели 4 → 5",
}
RISK_AREAS = {"area_material": "материальная база", "area_staff": "кадры", "area_pupils": "контингент",
              "area_results": "результаты"}


def _titles(codes: pd.Series) -> pd.Series:
    titles = {a: assessment_title(a) for a in codes.unique()}
    return codes.map(titles).astype(str)


def criterion_texts(year: int, params: dict) -> tuple[str, str]:
    """The two criteria of the ШНОР rule in words, for ``year``."""
    same = params["identification"]["criterion_2"] == "same"
    c1 = f"критерий 1 (не менее двух низких процедур в {year} г.)"
    c2 = (f"критерий 2 (одна и та же процедура низкая в {year - 1} и {year} гг.)" if same
          else f"критерий 2 (низкие результаты и в {year - 1}, и в {year} г.)")
    return c1, c2


def shnor_reasons(shnor: pd.DataFrame, detail: pd.DataFrame, year: int, params: dict) -> pd.Series:
    """«Критерий 1 (…); критерий 2 (…). 2026 г.: ВПР … — 35,0 % (12 из 34); …» per school.

    Parameters
    ----------
    shnor : pandas.DataFrame
        Output of :func:`qualitylib.rules.identification.identify_shnor` for ``year``.
    detail : pandas.DataFrame
        Low results (:func:`qualitylib.rules.identification.low_results`, ``low`` rows) of
        ``year`` and ``year - 1``, with ``hidden`` (bool) where a public report hides the group.
    """
    out = shnor.set_index("school_id")
    flagged = out.index[out["shnor"] == 1]
    low = detail[detail["low"] & detail["school_id"].isin(flagged)
                 & detail["year"].isin([year - 1, year])].copy()
    order = {a: i for i, a in enumerate(params["identification"]["assessments"])}
    low["order"] = low["assessment"].map(order)
    low = low.sort_values(["school_id", "year", "order"])
    titles = _titles(low["assessment"])
    phrase = (titles + " — " + low["share"].map(ru_number).astype(str) + " % (" + low["low_count"].astype(str)
              + " из " + low["participants"].astype(str) + ")")
    low["phrase"] = phrase.where(~low["hidden"].astype(bool), titles + " — " + HIDDEN)
    now = join_within(low[low["year"] == year], "school_id", "phrase", "; ").reindex(out.index).fillna("")
    prev = join_within(low[low["year"] == year - 1], "school_id", "phrase", "; ").reindex(out.index).fillna("")
    c1, c2 = criterion_texts(year, params)
    has1, has2 = out["criterion_1"] == 1, out["criterion_2"] == 1
    head = pd.Series("", index=out.index, dtype=object)
    head[has1 & ~has2] = c1.capitalize()
    head[has2 & ~has1] = c2.capitalize()
    head[has1 & has2] = f"{c1.capitalize()}; {c2}"
    years = f". {year} г.: " + now + pd.Series(
        [f". {year - 1} г.: " if p else "" for p in prev], index=out.index) + prev
    text = (head + years).where(has1 | has2, "").astype(str)
    return pd.Series(text.to_numpy(), index=shnor.index, name="reasons")


def _pct_text(value: float) -> str:
    return ru_number(value, 1, trim=True) + " %"


def _code_flags(codes: pd.Series, names) -> pd.DataFrame:
    """Whether each ``;``-separated list of ``codes`` holds each of ``names`` (a column per name)."""
    padded = ";" + codes.fillna("").astype(str) + ";"
    return pd.DataFrame({c: padded.str.contains(f";{c};", regex=False).to_numpy(dtype=bool) for c in names},
                        index=codes.index)


def risk_texts(risk: pd.DataFrame, high: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The words of the risk table: ``material_missing``, ``vpr_high``, ``deficits``, ``recommendations``.

    Parameters
    ----------
    risk : pandas.DataFrame
        Output of :func:`qualitylib.rules.risk.identify_risk`.
    high : pandas.DataFrame
        :func:`qualitylib.rules.risk.high_vpr` of the same schools and year, with ``hidden``.
    params : dict
        The ``recommendations`` texts are used.
    """
    deficits = _code_flags(risk["deficit_codes"], DEFICITS)
    labs_flags = _code_flags(risk["labs_codes"], LABS)
    missing = join_labels(deficits[["internet", "computers"]],
                          {"internet": "нет устойчивого Интернета", "computers": "нет компьютерной техники"}, "; ")
    labs_part = ("нет лабораторного оборудования: " + join_labels(labs_flags, LAB_TITLES, ", ")).where(
        deficits["labs"], "")
    glue = np.where((missing != "") & (labs_part != ""), "; ", "")
    high = high.copy()
    titles = _titles(high["assessment"])
    high["phrase"] = (titles + " — " + high["share"].map(_pct_text).astype(str)).where(
        ~high["hidden"].astype(bool), titles + " — " + HIDDEN)
    by_school = join_within(high, "school_id", "phrase", "; ")
    texts = params["recommendations"]
    return pd.DataFrame({
        "material_missing": missing + glue + labs_part,
        "vpr_high": by_school.astype(object).reindex(risk["school_id"].astype(object)).fillna("").to_numpy(dtype=object),
        "deficits": join_labels(deficits, DEFICIT_NAMES, "; "),
        "recommendations": join_labels(deficits, {c: f"{DEFICIT_NAMES[c][0].upper()}{DEFICIT_NAMES[c][1:]}: "
                                                     f"{texts[c].strip()}" for c in DEFICITS}, "\n"),
    }, index=risk.index)


def recommendations_by_deficit(risk: pd.DataFrame, params: dict) -> pd.DataFrame:
    """One row per deficit the schools at risk share: ``deficit``, ``school_names`` (their names in natural
    order), ``schools_count`` and the ``recommendation`` of the parameters, instead of the same text
    repeated for every school.

    ``risk`` holds the schools at risk with ``deficit_codes`` (``;``-separated codes of
    :data:`qualitylib.rules.risk.DEFICITS`) and ``school_name``.
    """
    codes = risk["deficit_codes"].fillna("").astype(str).str.split(";")
    rows = []
    for code in DEFICITS:
        having = risk[codes.map(lambda parts, c=code: c in parts)]
        if having.empty:
            continue
        names = natural_sort(having, ["school_name"])["school_name"].astype(str)
        rows.append({"deficit": DEFICIT_NAMES[code][0].upper() + DEFICIT_NAMES[code][1:], "school_names": "; ".join(names),
                     "schools_count": len(names), "recommendation": params["recommendations"][code].strip()})
    return pd.DataFrame(rows, columns=["deficit", "school_names", "schools_count", "recommendation"])


def pair_texts(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with ``weak_assessments`` and ``covered`` (assessment titles) and ``note`` in words."""
    return pairs.assign(weak_assessments=pairs["weak_codes"].fillna("").map(assessment_titles),
                        covered=pairs["covered_codes"].fillna("").map(assessment_titles),
                        note=pairs["note_code"].fillna("").map(PAIR_NOTES))


#: Subjects of the ВПР works named in the objectivity signs.
SIGN_SUBJECTS = {"math": "математика", "russian": "русский язык"}


def _sign_where(where: str) -> str:
    """``math.5 2021`` -> «ВПР математика 5 кл., 2021»; ``math`` -> «математика»."""
    first, *rest = where.split()
    subject, _, grade = first.partition(".")
    if subject in SIGN_SUBJECTS:
        first = f"ВПР {SIGN_SUBJECTS[subject]} {grade} кл." if grade.isdigit() else SIGN_SUBJECTS[subject]
    return ", ".join([first, *rest])


def sign_texts(codes: pd.Series) -> pd.Series:
    """Objectivity signs in words: ``inflated(math.5 2021)`` -> «завышенный средний балл (ВПР математика 5 кл., 2021)»."""
    def words(text) -> str:
        parts = [p for p in str(text).split(";") if p] if isinstance(text, str) else []
        return "; ".join(f"{SIGN_TITLES[p[:p.index('(')]]} ({_sign_where(p[p.index('(') + 1:].rstrip(')'))})"
                         for p in parts)
    return codes.map(words)


def objectivity_texts(table: pd.DataFrame) -> pd.DataFrame:
    """The objectivity table with ``signs`` in words."""
    return table.assign(signs=sign_texts(table["sign_codes"]))


def objectivity_method(min_pupils: int = MIN_PUPILS) -> list[str]:
    """How the objectivity signs are computed and where they depart from the ФИОКО method, in words.

    Parameters
    ----------
    min_pupils : int
        The fewest pupils with a mark and a score for Spearman's correlation
        (:func:`qualitylib.rules.objectivity.marks_mismatch`).
    """
    return [
        "Участники — ученики, присутствовавшие на работе и получившие первичный балл не выше "
        "максимального балла работы; балл выше максимума — ошибка ввода, такие ученики не учитываются "
        "(как и при загрузке выгрузки ФИС ОКО).",
        f"Несоответствие школьным отметкам проверяется только в школах, где не меньше "
        f"{plural(min_pupils, 'ученика', 'учеников', 'учеников')} имеют и школьную отметку, и балл за "
        "работу: корреляция по меньшему числу учеников ничего не говорит (в методике ФИОКО такого "
        "минимума нет).",
        "Границы резкого роста и резкого падения (25-й процентиль минус 3 межквартильных размаха и "
        "75-й процентиль плюс 3 межквартильных размаха отношения K) вычислены только по школам этого "
        "региона: данных о школах других регионов в выгрузке нет.",
        "Из 14 признаков федеральной методики по выгрузке ВПР вычисляются 12: завышенный средний балл "
        "ВПР, несоответствие школьным отметкам, резкий рост и резкое падение результатов параллели "
        "4 → 5 (по математике и русскому языку). Два признака завышенного среднего балла ОГЭ (математика "
        "и русский язык) не вычисляются: баллов учеников за ОГЭ в выгрузке нет.",
    ]


def present(ident: Identification) -> Identification:
    """The identification with its Russian columns, ready to show or to write to Excel."""
    detail, high = ident.detail, ident.high_vpr
    year, params = ident.year, ident.params

    def shnor_words(table: pd.DataFrame, y: int) -> pd.DataFrame:
        return table.assign(reasons=shnor_reasons(table, detail, y, params))

    def risk_words(table: pd.DataFrame, y: int) -> pd.DataFrame:
        words = risk_texts(table, high[high["year"] == y], params)
        return pd.concat([table, words], axis=1)

    social = ident.social.assign(reading=ident.social["reading_code"].map(READINGS))
    return dataclasses.replace(
        ident, shnor=shnor_words(ident.shnor, year), shnor_prev=shnor_words(ident.shnor_prev, year - 1),
        risk=risk_words(ident.risk, year), risk_prev=risk_words(ident.risk_prev, year - 1),
        social=social, pairs=pair_texts(ident.pairs),
        objectivity=None if ident.objectivity is None else objectivity_texts(ident.objectivity))


#: Where a school is listed (:data:`qualitylib.rules.identification.RECONCILIATION`), in words.
LISTED_TITLES = {"both": "в обоих списках", "computed_only": "только в вычисленном списке",
                 "official_only": "только в официальном списке"}


def _not_selected(code: str, row, year: int) -> str:
    low, prev = row.low_results, row.low_results_prev
    return {
        "not_in_scope": "школы нет в справочнике школ муниципалитета",
        "no_data": f"в {year} году у школы нет результатов оценочных процедур, по которым применяется правило",
        "no_low_results": f"ни одного низкого результата ни в {year}, ни в {year - 1} году",
        "one_low_result": (f"в {year} году низкий результат по одной процедуре (критерию 1 нужно не менее двух), "
                           f"в {year - 1} году — {'ни одного' if not prev else prev} (критерию 2 нужны низкие "
                           f"результаты в оба года)"),
        "low_one_year_only_prev": (f"низкие результаты были только в {year - 1} году ({prev}), в {year} году — "
                                   f"ни одного (критерию 2 нужны оба года)"),
    }[code] if code else ""


def reconciliation_frame(ident: Identification) -> pd.DataFrame | None:
    """The reconciliation with the official ШНОР list in words: ``school_name``, ``listed_title``,
    ``source`` and ``explanation`` -- the rule's reasons for a school only on the computed list, why
    the rule does not select a school only on the official one; ``None`` without an official list."""
    rec = ident.reconciliation
    if rec is None:
        return None
    reasons = ident.shnor.set_index("school_id")["reasons"] if "reasons" in ident.shnor else pd.Series(dtype=object)
    out = rec.copy()
    out["listed_title"] = rec["listed"].map(LISTED_TITLES).astype(object)
    texts = []
    for row in rec.itertuples():
        if row.listed == "official_only":
            texts.append(_not_selected(row.not_selected, row, ident.year))
        elif row.listed == "computed_only":
            texts.append(str(reasons.get(row.school_id, "")))
        else:
            texts.append("")
        if row.school_name is None or pd.isna(row.school_name):
            out.loc[row.Index, "school_name"] = row.school_id
    out["explanation"] = pd.Series(texts, index=rec.index, dtype=object)
    return out


def reconciliation_sentences(ident: Identification) -> list[str]:
    """One paragraph on the reconciliation with the official list (empty without one)."""
    rec = ident.reconciliation
    if rec is None:
        return []
    counts = rec["listed"].value_counts()
    sources = sorted({str(s) for s in rec["source"].dropna()})
    source = f" ({', '.join(sources)})" if sources else ""
    return [f"Сверка с официальным списком ШНОР {ident.year} года{source}: в обоих списках — "
            f"{int(counts.get('both', 0))}, только в вычисленном — {int(counts.get('computed_only', 0))}, "
            f"только в официальном — {int(counts.get('official_only', 0))}."]


#: What the summary and the social-context section say when no school has a social index.
NO_SOCIAL_DATA = "Социальных данных (паспорта школ) нет: индекс социального благополучия и ШНСУ не вычисляются."


def social_rows(ident: Identification) -> pd.DataFrame:
    """The municipality's schools (the region's for a regional report) of the social-context section;
    none when none of them has a social index: the section then says :data:`NO_SOCIAL_DATA` instead
    of an empty chart and a table of dashes."""
    mine = ident.own_social
    return mine if mine["social_index"].notna().any() else mine.iloc[:0]


def summary_sentences(ident: Identification) -> list[str]:
    """The summary paragraph of notebook 01, built from the data."""
    y, c = ident.year, ident.change
    where = f"в муниципалитете «{ident.municipality}»" if ident.municipality else "в регионе"
    total = len(ident.shnor)
    names = ident.shnor.set_index("school_id")["school_name"]
    out = [note for note in (programme_period_note(ident.params, y),) if note]
    out += [f"В {y} году {where} по правилу выявления ШНОР (порог "
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
    by_area = ", ".join(f"{label} — {int(ident.risk[col].sum())}" for col, label in RISK_AREAS.items())
    out.append(f"В зоне риска снижения результатов — {plural(risk_now, 'школа', 'школы', 'школ')} "
               f"(в {y - 1} году — {risk_prev}); по областям: {by_area}.")
    no_ctx = int((ident.risk["has_context"] == 0).sum())
    if no_ctx:
        out.append(f"Нет контекстных данных за {y} год у {plural(no_ctx, 'школы', 'школ', 'школ')}: "
                   "для них зона риска не определена по областям 1–3.")
    mine = social_rows(ident)
    if len(mine):
        shnsu = int(mine["shnsu"].sum())
        both = int(mine[(mine["shnsu"] == 1) & mine["school_id"].isin(ident.shnor_list["school_id"])].shape[0])
        out.append(f"Школ в неблагоприятных социальных условиях (ШНСУ, {ident.params['social']['shnsu_pct']:g} % "
                   f"школ региона с наименьшим индексом) — {shnsu}; из них в списке ШНОР — {both}.")
        better, worse = int((mine["reading_code"] == "better").sum()), int((mine["reading_code"] == "worse").sum())
        out.append(f"С учётом контингента {plural(better, 'школа показывает', 'школы показывают', 'школ показывают')} "
                   f"результат лучше ожидаемого, {worse} — хуже ожидаемого.")
    else:
        out.append(NO_SOCIAL_DATA)
    if ident.objectivity is not None:
        marked = int(ident.objectivity["marked"].sum())
        out.append(f"Признаки необъективности результатов ВПР (методика ФИОКО) — у "
                   f"{plural(marked, 'школы', 'школ', 'школ')} из {len(ident.objectivity)}; индекс объективности "
                   f"региона — {ru_number(ident.objectivity_index)}. Список ШНОР надёжен настолько, "
                   f"насколько объективны данные.")
    paired = ident.pairs["leader_id"].notna().sum()
    if len(ident.pairs):
        out.append(f"Школа-лидер предложена для {paired} из {len(ident.pairs)} ШНОР.")
    return out


def heatmap(ident: Identification):
    """The fail-share heatmap of the identification: schools by name, assessments by title."""
    names = ident.shnor.set_index("school_id")["school_name"]

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out.index = names.reindex(out.index).to_numpy()
        out.columns = [assessment_title(a) for a in out.columns]
        return out

    params = ident.params
    return fail_share_table(labelled(ident.matrix), params["identification"]["threshold_pct"],
                            small=labelled(ident.small), hidden=labelled(ident.hidden),
                            min_group=int(params["privacy"]["min_group"]), low=labelled(ident.low))
