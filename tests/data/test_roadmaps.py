"""Tests of the road-map loader (:mod:`qualitylib.data.roadmaps`)."""
from __future__ import annotations

import textwrap

import pytest

from qualitylib.data.params import find_municipality_params
from qualitylib.data.roadmaps import ITEM_FIELDS, load_roadmap, load_roadmaps, roadmaps_dir
from qualitylib.data.schema import ROADMAP
from qualitylib.exceptions import ParamsError

GOOD = """\
roadmap:
  municipality: Энск
  plan: ensk-2024
  title: План Энска
  direction: Общее направление
items:
  - item: 1
    measure: Создать рабочую группу
    deadline: Октябрь 2024 года
    responsible: УО
    status: выполнено
    completed_on: 2024-10-15
    evidence: приказ № 1
  - item: '2.10'
    direction: Кадры
    measure: Обучить педагогов
    deadline: Весь период
    expected_result: 10 педагогов обучены
"""


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_file(tmp_path):
    plan = load_roadmap(write(tmp_path, "ensk.yaml", GOOD))
    assert (plan.municipality, plan.plan, plan.title) == ("Энск", "ensk-2024", "План Энска")
    assert len(plan.items) == 2
    first, second = plan.items
    assert tuple(first) == ITEM_FIELDS
    # an integer number becomes text, a YAML date an ISO date, the plan's direction fills in
    assert first["item"] == "1" and first["completed_on"] == "2024-10-15"
    assert first["direction"] == "Общее направление"
    assert first["expected_result"] == ""
    assert second == {"item": "2.10", "direction": "Кадры", "measure": "Обучить педагогов",
                      "deadline": "Весь период", "responsible": "", "expected_result": "10 педагогов обучены",
                      "status": "", "completed_on": "", "evidence": "", "restored": ""}
    records = plan.records()
    assert [list(r) for r in records] == [ROADMAP.column_names] * 2
    assert records[1]["municipality"] == "Энск" and records[1]["plan"] == "ensk-2024"
    assert plan.period is None


def messages(excinfo) -> str:
    return str(excinfo.value)


def test_missing_measure_names_file_and_item(tmp_path):
    path = write(tmp_path, "bad.yaml", GOOD.replace("    measure: Обучить педагогов\n", ""))
    with pytest.raises(ParamsError) as excinfo:
        load_roadmap(path)
    text = messages(excinfo)
    assert str(path) in text and excinfo.value.file == str(path)
    assert excinfo.value.problems == [
        "пункт 2 списка items (№ «2.10»): не заполнено обязательное поле «measure» (Мероприятие)"]


def test_every_problem_is_listed(tmp_path):
    bad = (GOOD.replace("  plan: ensk-2024\n", "")
           .replace("    deadline: Весь период\n", "    deadline: Весь период\n    cost: 5\n")
           .replace("  - item: '2.10'", "  - item: 1"))
    path = write(tmp_path, "bad.yaml", bad)
    with pytest.raises(ParamsError) as excinfo:
        load_roadmap(path)
    assert excinfo.value.problems == [
        "раздел roadmap: не заполнено обязательное поле «plan» (План)",
        "пункт 2 списка items (№ «1»): неизвестное поле «cost» (допустимы: " + ", ".join(ITEM_FIELDS) + ")",
        "пункт 2 списка items (№ «1»): номер пункта «1» уже был у пункта 1",
    ]


def test_wrong_types(tmp_path):
    bad = GOOD.replace("  - item: '2.10'", "  - item: 2.1").replace("    responsible: УО\n",
                                                                     "    responsible: [УО, ОО]\n")
    with pytest.raises(ParamsError) as excinfo:
        load_roadmap(write(tmp_path, "bad.yaml", bad))
    problems = excinfo.value.problems
    assert problems[0] == "пункт 1 списка items (№ «1»): поле «responsible» (Ответственные) должно быть текстом, " \
                          "а не «['УО', 'ОО']»"
    assert problems[1].startswith("пункт 2 списка items: поле «item» (№ п/п) должно быть текстом, а не «2.1»")
    assert len(problems) == 2


def test_not_a_plan(tmp_path):
    with pytest.raises(ParamsError, match="ожидались разделы «roadmap»"):
        load_roadmap(write(tmp_path, "list.yaml", "- 1\n- 2\n"))
    with pytest.raises(ParamsError) as excinfo:
        load_roadmap(write(tmp_path, "empty.yaml", "roadmap: {municipality: Энск, plan: p, title: t}\nitems: []\n"))
    assert excinfo.value.problems == ["раздел «items» должен быть непустым списком пунктов"]
    with pytest.raises(ParamsError, match=r"строка 2"):
        load_roadmap(write(tmp_path, "broken.yaml", "roadmap:\n  - : [\n"))
    with pytest.raises(ParamsError, match="не найден"):
        load_roadmap(tmp_path / "absent.yaml")


def test_folder_and_duplicate_plan_keys(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("ensk-2024", "ensk-2025"))
    assert list(load_roadmaps(tmp_path)) == ["ensk-2024", "ensk-2025"]
    write(tmp_path, "c.yaml", GOOD)
    with pytest.raises(ParamsError) as excinfo:
        load_roadmaps(tmp_path)
    assert excinfo.value.file == str(tmp_path / "c.yaml")
    assert excinfo.value.problems == [f"план «ensk-2024» уже описан в файле «{tmp_path / 'a.yaml'}»"]


def test_a_road_map_is_never_taken_for_municipal_params(tmp_path):
    (tmp_path / "roadmaps").mkdir()
    write(tmp_path / "roadmaps", "ensk.yaml", GOOD)
    assert find_municipality_params("Энск", tmp_path).name == "methodology.yaml"


def test_packaged_road_maps():
    assert roadmaps_dir().is_dir()
    plans = load_roadmaps()
    # the item counts of the originals in /work/shared/seeds/ (Norilsk: section 4.5 and the 2023 plan)
    assert {key: len(plan.items) for key, plan in plans.items()} == {
        "chaa-khol-2021": 18, "elista-2021": 19, "norilsk-2022-measures": 7, "norilsk-2023": 25,
        "polysaevo-2020": 26}
    polysaevo, elista = plans["polysaevo-2020"], plans["elista-2021"]
    assert (polysaevo.municipality, elista.municipality) == ("Полысаево", "Элиста")
    assert [item["item"] for item in polysaevo.items] == [str(i) for i in range(1, 27)]
    assert {item["direction"] for item in polysaevo.items} == {polysaevo.title}
    assert polysaevo.items[11]["deadline"] == "В течение учебного года"
    assert elista.items[16]["responsible"] == "" and elista.items[16]["status"] == "выполнено"
    assert elista.items[6]["deadline"] == "по графику БУ ДПО «КРИПКРО»"
    assert all(item["expected_result"] == "" for key in ("elista-2021", "polysaevo-2020")
               for item in plans[key].items)  # neither original has the column
