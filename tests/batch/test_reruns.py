"""Reruns redo only what changed, and «Что изменилось» names the change.

The sample region (six municipalities) is copied to a temporary folder and run with the
stand-in executor of ``test_orchestration`` (no kernel): the runner's planning, fingerprints,
reuse, manifest, index and the change page are the real ones.
"""
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_orchestration import StandIn

from qualitylib.batch import runner
from qualitylib.batch.changes import compare
from qualitylib.batch.runner import region_folder, run_region

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2026


@pytest.fixture
def sample(tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(ROOT / "data" / "sample", folder)
    return folder


def run(data, out, stand_in, **kwargs):
    return run_region(data, YEAR, out, executor="inline", execute=stand_in, progress=False, workers=1, **kwargs)


def executed(stand_in) -> list[str]:
    """Municipalities whose notebooks ran (the region's report runs every time, from all of them)."""
    return sorted({call["job"].municipality for call in stand_in.calls if not call["job"].region_report})


def edit_results(folder: Path, school_id: str, changes: dict) -> None:
    """Set ``low_count`` of ``school_id`` in 2026 per ``(procedure, subject, grade)``, moving pupils from «4»."""
    path = folder / "results.csv"
    res = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (procedure, subject, grade), low in changes.items():
        mask = ((res["school_id"] == school_id) & (res["year"] == str(YEAR)) & (res["procedure"] == procedure)
                & (res["subject"] == subject) & (res["grade"] == str(grade)))
        assert mask.sum() == 1
        i = res.index[mask][0]
        delta = low - int(res.at[i, "low_count"])
        res.at[i, "low_count"] = str(low)
        if res.at[i, "mark4"] != "":
            res.at[i, "mark4"] = str(int(res.at[i, "mark4"]) - delta)
    res.to_csv(path, index=False)


def page_text(path: Path) -> str:
    text = re.sub(r"<style.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_unchanged_inputs_reuse_every_report(sample, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(runner, "now_text", lambda: "2026-09-01 10:00")
    first = StandIn()
    run(sample, out, first)
    base = region_folder(out, "Синтетический регион (образец)", YEAR)
    assert len(executed(first)) == 6 and json.loads((base / "manifest.json").read_text())["reused"] == []
    assert "первый прогон" in page_text(base / "changes.html")
    monkeypatch.setattr(runner, "now_text", lambda: "2026-09-02 10:00")
    second = StandIn()
    manifest = run(sample, out, second)
    assert executed(second) == [] and [c["notebook"] for c in second.calls] == ["00_region"]
    assert len(manifest["reused"]) == 6 and manifest["failed"] == []
    assert {m["generated"] for m in manifest["municipalities"]} == {"2026-09-01 10:00"}   # marked with their date
    index = (base / "index.html").read_text(encoding="utf-8")
    assert index.count("входные данные с тех пор не изменились") == 6 and 'href="changes.html"' in index
    assert "ничего не изменилось" in page_text(base / "changes.html")
    # the region registry is rebuilt from all municipalities
    sheet = openpyxl.load_workbook(base / "registry.xlsx")["ШНОР"]
    assert len({r[2] for r in sheet.iter_rows(min_row=2, values_only=True)}) == 6
    # --force reruns everything
    forced = StandIn()
    assert run(sample, out, forced, force=True)["reused"] == [] and len(executed(forced)) == 6


def test_one_school_changed_reruns_only_its_municipality(sample, tmp_path):
    out = tmp_path / "out"
    run(sample, out, StandIn())
    base = region_folder(out, "Синтетический регион (образец)", YEAR)
    # Элиста's S02002: one more «2» in ВПР математика 7 (2 of 59 -> 3 of 59). The work is not one the ШНОР
    # rule counts, so nothing the other municipalities read of the region (the social index fitted over
    # the region's schools, the leader pairs) moves; a change in a counted work moves the fitted line a
    # little for every school, and a municipality whose shown numbers change with it is rerun too.
    edit_results(sample, "S02002", {("vpr", "math", 7): 3})
    again = StandIn()
    manifest = run(sample, out, again)
    assert executed(again) == ["Элиста"]
    assert sorted(manifest["reused"]) == ["Кавказский район", "Красноярск", "Норильск", "Полысаево",
                                          "Чаа-Хольский кожуун"]
    text = page_text(base / "changes.html")
    assert "Файл данных" in text and "результаты (results.csv)" in text and "содержимое файла изменилось" in text
    assert "Вошла в список ШНОР" not in text


def test_a_school_entering_the_list_is_named_with_its_reason(sample, tmp_path):
    out = tmp_path / "out"
    run(sample, out, StandIn())
    base = region_folder(out, "Синтетический регион (образец)", YEAR)
    # S02002 gets 20 of 56 «2» in ВПР математика 5 and 6: two low procedures, criterion 1
    edit_results(sample, "S02002", {("vpr", "math", 5): 20, ("vpr", "math", 6): 20})
    again = StandIn()
    run(sample, out, again)
    assert "Элиста" in executed(again)
    table = pd.read_excel(base / "changes.xlsx", sheet_name="Что изменилось", engine="openpyxl")
    entered = table[table["Что изменилось"] == "Вошла в список ШНОР"]
    assert entered["Муниципалитет"].tolist() == ["Элиста"]
    assert entered["Основание"].iloc[0].startswith("Критерий 1")
    assert "35,7 % (20 из 56)" in entered["Основание"].iloc[0]


def test_changed_parameters_rerun_their_municipality(sample, tmp_path):
    shutil.copytree(ROOT / "params", tmp_path / "params")
    params = tmp_path / "params" / "municipalities"
    out = tmp_path / "out"
    run(sample, out, StandIn(), params_dir=str(params))
    path = params / "norilsk.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nprivacy:\n  min_group: 12\n", encoding="utf-8")
    again = StandIn()
    manifest = run(sample, out, again, params_dir=str(params))
    assert executed(again) == ["Норильск"]
    changes = compare(None, manifest)
    assert changes is None
    page = page_text(region_folder(out, "Синтетический регион (образец)", YEAR) / "changes.html")
    assert "Параметр" in page and "privacy.min_group" in page and " 10 " in page and " 12 " in page


def test_compare_lists_status_flips_and_lists():
    state = {"shnor": {"A": {"name": "Школа А", "reason": "Критерий 1"}}, "risk": {},
             "indicators": {"x": {"title": "Показатель X", "status": "met"}}, "params": {"p": "1"}}
    later = {"shnor": {}, "risk": {"B": {"name": "Школа Б", "reason": "перегрузка учителей"}},
             "indicators": {"x": {"title": "Показатель X", "status": "not_met"}}, "params": {"p": "1"}}
    before = {"inputs": {"results": {"file": "r.csv", "sha256": "1"}},
              "municipalities": [{"municipality": "М", "state": state}]}
    after = {"inputs": {"results": {"file": "r.csv", "sha256": "1"}},
             "municipalities": [{"municipality": "М", "state": later}]}
    table = compare(before, after)
    assert table[["kind", "subject", "before", "after"]].values.tolist() == [
        ["Вышла из списка ШНОР", "Школа А", "да", "нет"],
        ["Вошла в зону риска", "Школа Б", "нет", "да"],
        ["Статус показателя", "Показатель X", "выполнен", "не выполнен"]]
    assert table.loc[0, "reason"].endswith("прежнее основание: Критерий 1")
    assert compare(before, before).empty and compare(None, after) is None
