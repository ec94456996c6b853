"""Russian texts of the dynamics report (notebook 02): titles, notes, cell labels and the summary.

The rules (:mod:`qualitylib.rules.dynamics`) return codes and numbers and the report
(:mod:`qualitylib.reports.dynamics`) gathers them, privacy already applied; this module
only words them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .labels import assessment_title, indicator_numbers, natural_sort
from ..reports.dynamics import Dynamics
from ..reports.dynamics import change_tests
from .labels import plural, programme_period_note
from .labels import ru_number

#: Verdict code -> its words in tables.
VERDICT_TITLES = {
    "improved": "значимое улучшение",
    "no_change": "без значимых изменений",
    "declined": "значимое ухудшение",
    "insufficient_data": "недостаточно данных",
}

#: Test code of :func:`qualitylib.rules.stats.two_proportion_test` -> its name.
METHOD_TITLES = {"fisher": "точный Фишера", "z": "z-критерий"}

#: Colour words of the five status/change levels (1: best ... 5: needs the most attention).
LEVEL_NAMES = {1: "синий", 2: "зелёный", 3: "жёлтый", 4: "оранжевый", 5: "красный"}

#: Arrow of a grid cell by verdict: the fail share fell (↓), rose (↑), or did not change significantly (=).
VERDICT_ARROWS = {"improved": "↓", "declined": "↑"}

#: Group code of :func:`qualitylib.rules.dynamics.mean_score_trends` -> its name.
TREND_GROUP_TITLES = {"all": "все школы", "shnor": "ШНОР"}

#: Label of a grid cell without a level, and of one hidden in a public report.
NO_LEVEL_LABEL = "нет\nданных"
HIDDEN_LABEL = "скр."

_SUBJECT_DATIVE = {"math": "математике", "russian": "русскому языку"}


def indicator_title(indicator_id: str, year: int) -> str:
    """The title of a Norilsk 2.3.1 / 3.3.3 indicator computed for ``year``."""
    cohort = {"norilsk.3.3.3.1": "math", "norilsk.3.3.3.2": "russian"}
    oge = {"norilsk.3.3.3.3": "russian", "norilsk.3.3.3.4": "math"}
    if indicator_id == "norilsk.2.3.1.1":
        return "Доля ШНОР с положительной динамикой результатов ГИА по математике"
    if indicator_id == "norilsk.2.3.1.2":
        return "Доля ШНОР с положительной динамикой результатов ГИА по русскому языку"
    if indicator_id == "norilsk.2.3.1.3":
        return ("Доля ШНОР с положительной динамикой по диагностическим работам 4, 6, 7, 8 классов "
                "(по данным ВПР)")
    if indicator_id in cohort:
        return (f"Доля ОУ, в которых снизился процент «2» по ВПР по {_SUBJECT_DATIVE[cohort[indicator_id]]} "
                f"(4 класс {year - 1} → 5 класс {year})")
    if indicator_id in oge:
        return f"Доля ОУ без неудовлетворительных результатов ОГЭ по {_SUBJECT_DATIVE[oge[indicator_id]]}"
    raise KeyError(indicator_id)


def indicator_note(untestable: float, significant: float, no_results: bool = False, denominator: float = 1) -> str:
    """The note of an indicator: ШНОР that cannot be assessed (2.3.1) or significant falls (3.3.3);
    no results of its procedures in either year (``no_results``), or none to count (``denominator`` 0)."""
    if no_results:
        return "у ШНОР нет результатов ни в прошлом, ни в этом году"
    if pd.notna(denominator) and denominator == 0:
        return "нет результатов"
    if pd.notna(untestable):
        return f"нельзя оценить (мало участников или нет данных): {int(untestable)}" if untestable else ""
    if pd.notna(significant):
        return f"из них значимо: {int(significant)}"
    return ""


def indicator_table(indicators: pd.DataFrame, year: int) -> pd.DataFrame:
    """The indicators of :class:`~qualitylib.reports.dynamics.Dynamics` with ``title`` and ``note``."""
    table = indicators.copy()
    table["title"] = [indicator_title(i, year) for i in table["id"]]
    no_results = table["no_results"] if "no_results" in table else pd.Series(0, index=table.index)
    table["note"] = [indicator_note(u, s, bool(n), d) for u, s, n, d in
                     zip(table["untestable"], table["significant"], no_results, table["denominator"])]
    table["number"] = indicator_numbers(table["id"], "norilsk")  # the dynamics indicators are Norilsk's 2.3.1, 3.3.3
    return table


def gap_table(gap: pd.DataFrame) -> pd.DataFrame:
    """The ГИА gap table of :func:`qualitylib.rules.dynamics.gia_gap` with the assessment ``title``."""
    table = gap.copy()
    table["title"] = table["assessment"].map(assessment_title)
    return table


def grid_labels(grid: pd.DataFrame) -> pd.Series:
    """The label of each status × change cell: share this year, arrow and colour word.

    «46% ↑» and a new line «красный» for a level; «нет данных» without one; «скр.» where the
    report hid the cell (``hidden`` equal to 1).
    """
    testable = grid["verdict"] != "insufficient_data"
    arrow = grid["verdict"].map(VERDICT_ARROWS).fillna("=")
    share = grid["share_now"].map(lambda v: "—" if pd.isna(v) else ru_number(v, 0) + "%")
    level_name = grid["level"].map(LEVEL_NAMES).fillna("нет данных")
    labels = pd.Series(np.where(testable, share + " " + arrow + "\n" + level_name, NO_LEVEL_LABEL),
                       index=grid.index)
    if "hidden" in grid:
        labels[grid["hidden"] == 1] = HIDDEN_LABEL
    return labels


def q_value_text(q: float) -> str:
    """A q-value as the tables show p-values: three decimals, «<0,001» below that, «—» when not tested."""
    if pd.isna(q):
        return "—"
    return "<0,001" if q < 0.001 else ru_number(float(q), 3)


def correction_sentence(d: Dynamics) -> str:
    """One plain sentence: changes tested, «significant» ones expected by chance, significant after correction.

    «Проверено 582 изменения; если читать каждую проверку отдельно при уровне значимости 5 %,
    около 29 из них оказались бы «значимыми» случайно, даже без реальных изменений, поэтому
    выводы скорректированы на множественность сравнений (поправка Бенджамини — Хохберга,
    q < 0,05) и требуют изменения не меньше 5 п.п.: значимых изменений — 3.»
    """
    t = change_tests(d)
    expected = ru_number(t.expected_by_chance, 0 if t.expected_by_chance >= 10 else 1, trim=True)
    tested = plural(t.tested, "изменение", "изменения", "изменений")
    return (f"Проверено {tested} доли низких результатов (пары «школа — процедура» с достаточным числом "
            f"участников в обоих годах); если читать каждую проверку отдельно при уровне значимости "
            f"{ru_number(t.alpha * 100, 1, trim=True)} %, около {expected} из них оказались бы «значимыми» "
            f"случайно, даже без реальных изменений, поэтому выводы скорректированы на множественность "
            f"сравнений (поправка Бенджамини — Хохберга, q < {f'{t.alpha:g}'.replace('.', ',')}) "
            f"и требуют изменения не меньше {ru_number(t.min_change_pp, 1, trim=True)} п.п.: "
            f"значимых изменений — {t.significant}.")


def verdict_table(d: Dynamics, school_ids=None, assessments=None) -> pd.DataFrame:
    """Changes of the given schools (default: ШНОР) and assessments (default: all), with titles."""
    ids = d.shnor_ids if school_ids is None else list(school_ids)
    table = d.changes[d.changes["school_id"].isin(ids)].copy()
    if assessments is not None:
        table = table[table["assessment"].isin(list(assessments))]
    table["assessment_title"] = table["assessment"].map(assessment_title)
    table["verdict_title"] = table["verdict"].map(VERDICT_TITLES)
    table["method_title"] = table["method"].map(METHOD_TITLES).fillna("—")
    table["q_value_title"] = table["q_value"].map(q_value_text)
    return natural_sort(table.sort_values("assessment", kind="stable"), ["school_name"])


#: Titles of the groups of procedures a ШНОР is judged over (Norilsk 2.3.1).
GROUP_TITLES = {"gia_math": "ГИА по математике", "gia_russian": "ГИА по русскому языку",
                "diagnostics": "Диагностические работы 4, 6, 7, 8 классов (по данным ВПР)"}


def school_test_frame(tests: pd.DataFrame) -> pd.DataFrame:
    """A table of school-level tests (:func:`qualitylib.rules.dynamics.school_changes`) with
    ``school_name`` filled, ``q_value_title`` and ``verdict_title``."""
    table = tests.copy()
    table["school_name"] = table["school_name"].fillna(table["school_id"])
    table["verdict_title"] = table["verdict"].map(VERDICT_TITLES)
    table["q_value_title"] = table["q_value"].map(q_value_text)
    return table


def group_table(d: Dynamics) -> pd.DataFrame:
    """The one test per ШНОР and group of procedures, with ``group_title``, ``q_value_title``, ``verdict_title``.

    A group none of the ШНОР has results of is left out (:func:`missing_groups_sentences` says so).
    """
    table = school_test_frame(d.group_changes[~d.group_changes["group"].isin(list(d.groups_without_results))])
    table["group_title"] = table["group"].map(GROUP_TITLES)
    order = {key: i for i, key in enumerate(GROUP_TITLES)}
    return table.sort_values(["group", "school_name"], key=lambda s: s.map(order) if s.name == "group" else s)


def group_test_sentence(params: dict) -> str:
    """How «positive dynamics» of a ШНОР is decided, in one plain sentence with the report's parameters."""
    dp = params["dynamics"]
    alpha = f"{dp['alpha']:g}".replace(".", ",")
    return ("Положительная динамика ШНОР оценивается одной проверкой на школу по всей "
            "группе процедур (критерий Кохрана — Мантеля — Хензеля по таблицам 2×2 процедур; изменение — "
            "общая разница долей по Мантелю — Хензелю), а не по отдельным процедурам: иначе при восьми "
            "работах до 17 % школ получали бы «положительную динамику» случайно. Школа засчитывается, если "
            f"доля низких результатов снизилась значимо (q < {alpha} с поправкой "
            "Бенджамини — Хохберга по ШНОР) и не меньше чем на "
            f"{ru_number(float(dp['min_change_pp']), 1, trim=True)} п.п.; в проверку входят процедуры, где в "
            f"обоих годах не меньше {int(dp['min_participants'])} участников.")


def missing_groups_sentences(d: Dynamics) -> list[str]:
    """One sentence for the groups of procedures the ШНОР have no results of in either year (none: no sentence)."""
    titles = [f"«{GROUP_TITLES[k]}»" for k in d.groups_without_results]
    if not titles:
        return []
    one = len(titles) == 1
    named = titles[0] if one else ", ".join(titles[:-1]) + " и " + titles[-1]
    return [f"Результатов по {'группе' if one else 'группам'} {named} у ШНОР нет ни в {d.year - 1}, ни в "
            f"{d.year} году: положительная динамика по {'ней' if one else 'ним'} не оценивается, и в таблице "
            f"{'её' if one else 'их'} нет."]


def summary_sentences(d: Dynamics) -> list[str]:
    """The summary of notebook 02, worded from the report's numbers."""
    y = d.year
    out = [note for note in (programme_period_note(d.params, y),) if note]
    n_shnor = len(d.shnor_ids)
    where = f"муниципалитета «{d.municipality}»" if d.municipality else "региона"
    out.append(f"Динамика {y - 1} → {y} год: в списке ШНОР {where} за {y - 1} год "
               f"{plural(n_shnor, 'школа', 'школы', 'школ')}.")
    indicators = d.indicators.set_index("id")
    gia = [(indicator_id, key in d.groups_without_results, subject) for indicator_id, key, subject in
           (("norilsk.2.3.1.1", "gia_math", "по математике"), ("norilsk.2.3.1.2", "gia_russian", "по русскому языку"))]
    missing = [subject for _, without, subject in gia if without]
    if n_shnor and missing:
        out.append(f"Результатов ГИА {' и '.join(missing)} у ШНОР нет ни в {y - 1}, ни в {y} году: "
                   "их динамику оценить нельзя.")
    for indicator_id, without, subject in gia:
        if n_shnor and not without:
            row = indicators.loc[indicator_id]
            untestable = int(row["untestable"])
            out.append(f"{int(row['numerator'])} из {n_shnor} ШНОР значимо улучшили результат ГИА {subject}"
                       + (f"; у {untestable} оценить нельзя (мало участников или нет данных)"
                          if untestable else "") + ".")
    counts = d.changes["verdict"].value_counts()
    total = int(counts.sum())
    out.append(f"Всего пар «школа — процедура» с результатами в обоих годах или в одном из них: {total}; "
               f"значимое улучшение — {int(counts.get('improved', 0))}, значимое ухудшение — "
               f"{int(counts.get('declined', 0))}, без значимых изменений — {int(counts.get('no_change', 0))}, "
               f"недостаточно данных — {int(counts.get('insufficient_data', 0))}.")
    out.append(correction_sentence(d))
    cohort = indicators.loc["norilsk.3.3.3.1"]
    if cohort["denominator"]:
        out.append(f"Когорта 4 → 5 класс по математике: доля «2» снизилась в {int(cohort['numerator'])} из "
                   f"{int(cohort['denominator'])} школ "
                   f"({indicator_note(cohort['untestable'], cohort['significant'])}).")
    last = gap_table(d.gap[d.gap["year"] == y])
    for row in last.itertuples():
        if pd.notna(row.gap_change):
            target = ru_number(d.params["dynamics"]["gap_target_shrink"])
            verdict = f"цель (сокращение не менее чем на {target}) " + \
                      ("достигнута" if row.target_met == 1 else "не достигнута")
            out.append(f"Разрыв между 10 % лучших и 10 % худших школ, {row.title}: {ru_number(row.gap)} балла "
                       f"(изменение за год {ru_number(row.gap_change, sign=True)}); {verdict}.")
    return out


def change_counts_message(changes: pd.DataFrame, year: int, out) -> str:
    """The line ``qualitylib dynamics`` prints: verdicts counted and where the table was written."""
    counts = changes["verdict"].value_counts()
    return (f"Динамика {year - 1} → {year}: значимо улучшились — {int(counts.get('improved', 0))}, "
            f"ухудшились — {int(counts.get('declined', 0))}, без значимых изменений — "
            f"{int(counts.get('no_change', 0))}, недостаточно данных — {int(counts.get('insufficient_data', 0))}. "
            f"Таблица записана в «{out}».")


def funnel_limits_note(points: pd.DataFrame) -> str:
    """Which limits a funnel chart draws: widened for overdispersion (with φ and τ²) or exact.

    ``points`` is :func:`qualitylib.rules.dynamics.funnel`; a table without its ``adjusted``
    column is read as drawn with the exact limits. The between-school spread in percentage
    points is τ taken back from the arcsine scale at the mean share
    (:math:`\\tau \\cdot 2\\sqrt{p_0(1-p_0)}`, the delta method).
    """
    first = points.iloc[0] if len(points) else pd.Series(dtype=object)
    phi = first.get("phi", np.nan)
    phi_text = f"φ = {ru_number(phi, 2)}" if pd.notna(phi) else ""
    if not int(first.get("adjusted", 0) or 0):
        if not phi_text:
            return "точные биномиальные пределы"
        return f"точные биномиальные пределы: сверхдисперсии нет ({phi_text})"
    if first.get("method", "additive") == "multiplicative":
        return f"пределы с поправкой на сверхдисперсию: расширены в √φ раз ({phi_text})"
    p0 = float(first["p0"]) / 100
    spread = np.sqrt(float(first["tau2"])) * 2 * np.sqrt(p0 * (1 - p0)) * 100
    return (f"пределы с поправкой на сверхдисперсию ({phi_text}, τ² = {ru_number(first['tau2'], 4)}: "
            f"межшкольный разброс ≈ {ru_number(spread, 1)} п. п.)")
