"""Tests of the synthetic sample region (:mod:`qualitylib.batch.sample`)."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from qualitylib.batch.sample import MONITORING_COLUMNS, make_sample, write_sample
from qualitylib.data.schema import SCHOOL_FACTS, TABLES

SEED = 2026
FILES = ("schools.csv", "results.csv", "context.csv", "monitoring.csv", "municipal.csv", "roadmap.csv", "official.csv",
         "region.yaml", "tasks.csv", "tasks_catalogue.yaml")
SHNOR_PROCEDURES = {
    ("vpr", "math", 5), ("vpr", "math", 6), ("vpr", "russian", 5), ("vpr", "russian", 6),
    ("oge", "math", 9), ("oge", "russian", 9),
    ("ege", "math_base", 11), ("ege", "math_profile", 11), ("ege", "russian", 11),
}


@pytest.fixture(scope="module")
def tables():
    return make_sample(SEED)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("sample") / "region", seed=SEED)


def shnor_counts(tables, year: int) -> dict[str, int]:
    """ШНОР per municipality by the integer rule, computed independently of the module."""
    r = tables["results"]
    low_by_school: dict[tuple[int, str], int] = {}
    for row in r.itertuples():
        if (row.procedure, row.subject, int(row.grade)) not in SHNOR_PROCEDURES:
            continue
        low = int(row.low_count) * 100 >= 30 * int(row.participants)
        key = (int(row.year), row.school_id)
        low_by_school[key] = low_by_school.get(key, 0) + int(low)
    counts = {m: 0 for m in tables["schools"]["municipality"].unique()}
    for school in tables["schools"].itertuples():
        now = low_by_school.get((year, school.school_id), 0)
        before = low_by_school.get((year - 1, school.school_id), 0)
        if now >= 2 or (now >= 1 and before >= 1):
            counts[school.municipality] += 1
    return counts


# ---------------------------------------------------------------------------- files
def test_same_seed_gives_identical_bytes(written, tmp_path):
    again = write_sample(tmp_path / "again", seed=SEED)
    for name in FILES:
        assert (written / name).read_bytes() == (again / name).read_bytes(), name


def test_other_seed_gives_other_results(written, tmp_path):
    other = write_sample(tmp_path / "other", seed=SEED + 1)
    assert (written / "results.csv").read_bytes() != (other / "results.csv").read_bytes()


def test_file_format(written):
    assert sorted(p.name for p in written.iterdir()) == sorted(FILES)  # no temp files left
    for name in FILES:
        data = (written / name).read_bytes()
        text = data.decode("utf-8")
        assert "\r" not in text and text.endswith("\n")
    yaml_text = (written / "region.yaml").read_text(encoding="utf-8")
    assert "name: Синтетический регион (образец)" in yaml_text
    assert re.search(r"^#.*[Сс]интетическ", yaml_text, re.M)
    # floats carry at most one decimal
    results = (written / "results.csv").read_text(encoding="utf-8")
    assert not re.search(r"\d\.\d\d", results)


def test_files_round_trip_with_schema_columns(written, tables):
    for name in ("schools", "results", "context", "monitoring", "roadmap"):
        frame = pd.read_csv(written / f"{name}.csv", dtype={"item": str})
        assert list(frame.columns) == list(tables[name].columns)
        assert len(frame) == len(tables[name])
        key = list(TABLES[name].key)
        assert not frame.duplicated(key).any(), name


def test_region_loads_without_problems(written):
    from qualitylib import load_region

    region = load_region(written)
    assert region.name == "Синтетический регион (образец)"
    assert len(region.municipalities) == 6
    assert region.roadmap is not None and region.monitoring is not None


# ---------------------------------------------------------------------------- contract
def test_canonical_columns_in_schema_order(tables):
    for name in ("results", "context", "roadmap"):
        assert list(tables[name].columns) == TABLES[name].column_names, name
    # the programme of a municipality is the analyst's choice, not a fact the sample makes up
    assert list(tables["schools"].columns) == list(SCHOOL_FACTS)
    assert list(tables["monitoring"].columns) == (
        TABLES["monitoring"].column_names)


def test_unique_keys_and_sorted(tables):
    for name, frame in tables.items():
        key = list(TABLES[name].key)
        assert not frame.duplicated(key).any(), name
    for name in ("schools", "results", "context", "monitoring"):
        frame = tables[name]
        key = list(TABLES[name].key)
        # monitoring: a year's own row (no round) before its rounds
        assert frame.equals(frame.sort_values(key, na_position="first", kind="stable").reset_index(drop=True)), name


def test_results_are_consistent(tables):
    r = tables["results"]
    counts = ["participants", "low_count"]
    assert (r[counts] >= 0).all().all()
    assert (r["participants"] >= 1).all()
    assert (r["low_count"] <= r["participants"]).all()
    marked = r[r["procedure"] != "ege"]
    assert (marked[["mark3", "mark4", "mark5"]] >= 0).all().all()
    total = marked["low_count"] + marked["mark3"] + marked["mark4"] + marked["mark5"]
    assert (total == marked["participants"]).all()
    assert r.loc[r["procedure"] == "ege", ["mark3", "mark4", "mark5"]].isna().all().all()
    assert (r["mean_score"] <= r["max_score"]).all()
    assert set(r["procedure"]) == {"vpr", "oge", "ege", "rdr"}
    # the region's diagnostic works (Norilsk 2.3.1.3): Norilsk, 2025-2026, grades 4, 6, 7, 8, one row per ВПР row
    rdr = r[r["procedure"] == "rdr"]
    town = rdr["school_id"].map(tables["schools"].set_index("school_id")["municipality"])
    assert set(town) == {"Норильск"} and set(rdr["year"]) == {2025, 2026} and set(rdr["grade"]) == {4, 6, 7, 8}
    twins = rdr.merge(r[r["procedure"] == "vpr"], on=["year", "school_id", "subject", "grade"], suffixes=("", "_vpr"))
    assert len(twins) == len(rdr) and (twins["participants"] == twins["participants_vpr"]).all()
    vpr = r[r["procedure"] == "vpr"]
    assert set(vpr["grade"]) == {4, 5, 6, 7, 8}
    assert set(vpr["subject"]) == {"math", "russian"}
    assert set(r.loc[r["procedure"] == "oge", "grade"]) == {9}
    ege = r[r["procedure"] == "ege"]
    assert set(ege["subject"]) == {"russian", "math_base", "math_profile"}
    assert set(ege["grade"]) == {11}
    assert ege["max_score"].max() <= 100
    # basic + profile math takers are the Russian takers of the class
    pivot = ege.pivot_table(index=["year", "school_id"], columns="subject",
                            values="participants", aggfunc="sum", fill_value=0)
    assert (pivot["math_base"] + pivot["math_profile"] == pivot["russian"]).all()


def test_context_ranges(tables):
    c = tables["context"]
    flags = [col.name for col in TABLES["context"].columns if col.kind == "flag"]
    pct = [col.name for col in TABLES["context"].columns if col.kind == "pct"]
    assert c[flags].isin([0, 1]).all().all()
    assert ((c[pct] >= 0) & (c[pct] <= 100)).all().all()
    assert c[pct].notna().all().all()
    assert len(c) == len(tables["schools"]) * 5


def test_monitoring_rounds(tables):
    m = tables["monitoring"]
    rounds = m[m["round"].notna()]
    towns = rounds["school_id"].map(tables["schools"].set_index("school_id")["municipality"])
    assert set(towns) == {"Норильск", "Элиста"}
    assert set(rounds.loc[towns == "Норильск", "round"]) == {"январь", "июнь"}
    rounds = rounds[towns == "Норильск"]
    yearly = m[m["round"].isna()].set_index(["year", "school_id"])
    june = rounds[rounds["round"] == "июнь"].set_index(["year", "school_id"])
    january = rounds[rounds["round"] == "январь"].set_index(["year", "school_id"])
    assert (june["weak_pupils_with_iom"] == yearly.loc[june.index, "weak_pupils_with_iom"]).all()
    assert (january["weak_pupils_with_iom"] <= june["weak_pupils_with_iom"].loc[january.index]).all()


def test_monitoring_parts_within_wholes(tables):
    m = tables["monitoring"]
    m = m[m["round"].isna()].drop(columns="round").merge(tables["schools"][["school_id", "pupils_total"]])
    values = m[list(MONITORING_COLUMNS)]
    assert (values >= 0).all().all()
    assert all(pd.api.types.is_integer_dtype(values[c]) for c in values)
    parts = [
        ("teachers_diagnosed", "teachers_total"), ("teachers_supported", "teachers_total"),
        ("teachers_regional_network", "teachers_total"),
        ("teachers_municipal_network", "teachers_total"), ("teachers_trained", "teachers_total"),
        ("teachers_fgos_trained", "teachers_total"), ("teachers_with_iom", "teachers_diagnosed"),
        ("prof_events_presented", "prof_events_participation"),
        ("internship_site_regional", "internship_site_municipal"),
        ("weak_pupils", "pupils_total"), ("weak_pupils_with_iom", "weak_pupils"),
        ("failing_pupils", "pupils_total"),
        ("failing_pupils_extra_lessons", "failing_pupils"),
        ("honours_certificates", "graduates_11"), ("university_entrants", "graduates_11"),
        ("parents_surveyed", "pupils_total"), ("parents_satisfied", "parents_surveyed"),
        ("pupils_modern_conditions", "pupils_total"), ("pupils_municipal_events", "pupils_total"),
    ]
    for part, whole in parts:
        assert (m[part] <= m[whole]).all(), (part, whole)
    assert m["staffing_pct"].between(0, 100).all()
    binary = ["prof_events_participation", "prof_events_presented", "internship_site_municipal",
              "internship_site_regional", "prevention_system", "risk_prevention",
              "quality_programme", "material_base_programme", "methodical_support",
              "in_network", "equal_access"]
    assert m[binary].isin([0, 1]).all().all()


# ---------------------------------------------------------------------------- plausibility
def test_region_shape(tables):
    s = tables["schools"]
    assert s["municipality"].nunique() == 6
    assert 80 <= len(s) <= 150
    assert s["school_id"].str.fullmatch(r"S\d{5}").all()
    assert set(s["locality"]) == {"город", "село"}
    assert s["pupils_total"].min() <= 40 and s["pupils_total"].max() >= 1000
    assert sorted(tables["results"]["year"].unique()) == [2022, 2023, 2024, 2025, 2026]
    assert sorted(tables["context"]["year"].unique()) == [2022, 2023, 2024, 2025, 2026]


def test_schools_without_grade_11_and_small_classes(tables):
    s, r = tables["schools"], tables["results"]
    no_ege = set(s["school_id"]) - set(r.loc[r["procedure"] == "ege", "school_id"])
    assert len(no_ege) >= 2
    assert s.loc[s["school_id"].isin(no_ege), "school_name"].str.contains("ООШ|Основная").any()
    small = r.loc[r["participants"] <= 10, "school_id"].nunique()
    assert small >= 3


def test_fail_shares_are_mostly_modest(tables):
    r = tables["results"]
    share = r["low_count"].sum() / r["participants"].sum()
    assert 0.03 <= share <= 0.15
    per_school = r.groupby("school_id").apply(
        lambda g: g["low_count"].sum() / g["participants"].sum())
    assert per_school.median() < 0.15


@pytest.mark.parametrize("year", [2025, 2026])
def test_some_shnor_in_every_municipality(tables, year):
    counts = shnor_counts(tables, year)
    sizes = tables["schools"]["municipality"].value_counts()
    for municipality, count in counts.items():
        assert count >= 1, (municipality, year)
        assert count * 2 < sizes[municipality], (municipality, year, count)
    total = sum(counts.values())
    assert 0.05 * len(tables["schools"]) <= total <= 0.25 * len(tables["schools"])


def test_polysaevo_school_35_is_shnor(tables):
    s = tables["schools"]
    school = s[s["school_name"] == "МБОУ «Основная общеобразовательная школа № 35»"]
    assert len(school) == 1 and school["municipality"].iloc[0] == "Полысаево"
    one = {"schools": school, "results": tables["results"]}
    assert shnor_counts(one, 2025)["Полысаево"] == 1


def test_social_context_tracks_results(tables):
    r, c = tables["results"], tables["context"]
    fail = (r.groupby("school_id")["low_count"].sum() / r.groupby("school_id")["participants"].sum())
    income = c.groupby("school_id")["pupils_low_income_pct"].mean()
    corr = fail.corr(income)
    assert 0.2 < corr < 0.95


# ---------------------------------------------------------------------------- road map
def test_roadmaps(tables):
    rm = tables["roadmap"]
    # every plan of params/roadmaps/ with the item count of its original
    assert rm.groupby("municipality").size().to_dict() == {"Норильск": 32, "Полысаево": 26, "Элиста": 19,
                                                           "Чаа-Хольский кожуун": 18}
    assert rm.groupby("plan").size().to_dict() == {"chaa-khol-2021": 18, "elista-2021": 19,
                                                   "norilsk-2022-measures": 7, "norilsk-2023": 25,
                                                   "polysaevo-2020": 26}
    assert rm["measure"].notna().all() and rm["deadline"].notna().all()
    assert set(rm["status"]) <= {"выполнено", "в работе", "не начато"}
    done = rm[rm["status"] == "выполнено"]
    assert done["completed_on"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert done["evidence"].notna().all()
    # an item in progress has dates only for the years already done of a recurring deadline
    partial = rm[(rm["status"] != "выполнено") & rm["completed_on"].notna()]
    assert partial["completed_on"].str.fullmatch(r"\d{4}-\d{2}-\d{2}(?:; \d{4}-\d{2}-\d{2})*").all()
    assert set(partial["plan"]) <= {"norilsk-2022-measures", "chaa-khol-2021"}
    pd.to_datetime(done["completed_on"], format="%Y-%m-%d")  # valid dates
    elista = rm[rm["municipality"] == "Элиста"].set_index("item")
    assert elista.loc["16", "deadline"] == "Ежегодно май"
    assert elista.loc["7", "deadline"] == "по графику БУ ДПО «КРИПКРО»"
    polysaevo = rm[rm["municipality"] == "Полысаево"].set_index("item")
    assert polysaevo.loc["12", "deadline"] == "В течение учебного года"
    assert list(polysaevo.index) == [str(i) for i in range(1, 27)]


# ---------------------------------------------------------------------------- specification
def test_specification_is_data():
    from qualitylib.batch.sample import SPEC_FILE, sample_spec
    from qualitylib.data.params import load_params

    spec = sample_spec()
    assert SPEC_FILE.name == "sample.yaml" and SPEC_FILE.is_file()
    assert spec.years == (2022, 2023, 2024, 2025, 2026)
    assert [m["name"] for m in spec.municipalities] == [
        "Норильск", "Элиста", "Полысаево", "Кавказский район", "Чаа-Хольский кожуун", "Красноярск"]
    # series expand in order: Норильск has 4 gymnasiums, 1 lyceum and 20 secondary schools
    norilsk = spec.municipalities[0]["schools"]
    assert len(norilsk) == 25
    assert norilsk[0] == ("МБОУ «Гимназия № 4»", "gym", "город", 600, 1100, None)
    assert norilsk[-1] == ("МБОУ «Средняя школа № 40»", "soh", "город", 400, 1100, None)
    assert sum(len(m["schools"]) for m in spec.municipalities) == 113  # 25 + 20 + 6 + 15 + 7 + 40
    # the ШНОР procedures of the methodology are all simulated; ЕГЭ has the minimum only
    counted = load_params()["identification"]["assessments"]
    simulated = {".".join(map(str, key)) for key in spec.assessments}
    assert set(counted) <= simulated
    assert spec.assessments[("ege", "russian", 11)] == (100, 24, None, None, 0.68, -2.4)
    assert spec.roadmaps == ("polysaevo-2020", "elista-2021", "norilsk-2022-measures", "norilsk-2023",
                             "chaa-khol-2021")


def test_monitoring_follows_the_rule(tables):
    """Programme schools of a year are the ШНОР of the year before by the rule itself."""
    from qualitylib.data.params import load_params
    from qualitylib.rules.identification import identify_shnor

    ident = identify_shnor(tables["results"], tables["schools"], 2025, load_params())
    shnor = set(ident.loc[ident["shnor"] == 1, "school_id"])
    assert shnor and len(shnor) == sum(shnor_counts(tables, 2025).values())
    m = tables["monitoring"]
    now = m[m["year"] == 2026].set_index("school_id")
    share = now["teachers_diagnosed"] / now["teachers_total"]
    assert share[list(shnor)].mean() > share.drop(list(shnor)).mean() + 0.3


# ---------------------------------------------------------------------------- tasks
def test_sample_tasks_fit_the_synthetic_catalogue(tables, written):
    """Every ВПР result of the last two years has its tasks; sums fit participants × maximum; the
    catalogue's maxima add up to each work's maximum."""
    from qualitylib.batch.sample import sample_catalogue, sample_spec
    from qualitylib.data.catalogue import read_catalogue, region_catalogue

    tasks, results = tables["tasks"], tables["results"]
    assert sorted(tasks["year"].unique()) == [2025, 2026]
    assert (tasks["score_sum"] <= tasks["participants"] * tasks["max_score"]).all()
    vpr = results[(results["procedure"] == "vpr") & results["year"].isin([2025, 2026])]
    keys = ["year", "school_id", "subject", "grade"]
    per_result = tasks.groupby(keys)["participants"].first()
    assert len(per_result) == len(vpr)
    assert (per_result.sort_index().to_numpy() == vpr.set_index(keys)["participants"].sort_index().to_numpy()).all()
    catalogue = region_catalogue(written)
    spec = sample_spec()
    for (procedure, subject, grade), scale in spec.assessments.items():
        if procedure == "vpr":
            work = catalogue.work(2026, subject, grade)
            assert work["max_score"].sum() == scale[0], (subject, grade)
    assert "синтетическ" in (written / "tasks_catalogue.yaml").read_text(encoding="utf-8").lower()
    assert len(read_catalogue().work(2026, "math", 5)) == 0  # the shipped catalogue stays official
    assert sample_catalogue()["catalogue"][2026]["math.5"]["same_as"] == 2025


def test_sample_exercises_the_programmes_as_written(tables):
    """Kavkazsky's yes/no items and analysis column, Elista's three diagnostics rounds, Norilsk 2.3.2 kinds."""
    municipal = tables["municipal"]
    kavkazsky = municipal[municipal["municipality"] == "Кавказский район"]
    assert sorted(kavkazsky.loc[kavkazsky["year"] == 2026, "indicator"].astype(int)) == [5, 6, 7, 9, 10, 11, 12, 13,
                                                                                          14, 15]
    mon, schools = tables["monitoring"], tables["schools"]
    town = mon["school_id"].map(schools.set_index("school_id")["municipality"])
    yearly = mon[mon["round"].isna()]
    k26 = yearly[(town[yearly.index] == "Кавказский район") & (yearly["year"] == 2026)]
    assert (k26["analysis_done"] == 0).sum() == 2 and (k26["analysis_done"] == 1).sum() == len(k26) - 2
    elista = mon[(town == "Элиста") & (mon["year"] == 2026) & mon["round"].notna()]
    assert set(elista["round"]) == {"сентябрь", "январь", "апрель"}
    # 20 schools: ceil(0.5 × 20), ceil(0.75 × 20), all
    assert elista.groupby("round")["diagnostics_done"].sum().to_dict() == {"сентябрь": 10, "январь": 15, "апрель": 20}
    kinds = yearly[["teachers_diagnosed", "teachers_diagnosed_subject", "teachers_diagnosed_methodical",
                    "teachers_diagnosed_psych"]].astype(int)
    assert (kinds["teachers_diagnosed_subject"] == kinds["teachers_diagnosed"]).all()
    assert (kinds["teachers_diagnosed_methodical"] == (kinds["teachers_diagnosed"] * 0.6).astype(int)).all()
