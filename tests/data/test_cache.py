"""Tests of qualitylib.data.cache: results stored per region, data, code and arguments."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from qualitylib import load_region
from qualitylib.data.cache import memoised, prune, results_dir
from qualitylib.data.params import find_municipality_params, load_params
from qualitylib.reports.identification import build_identification

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALITYLIB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def region(cache, tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(SAMPLE, folder)
    return load_region(folder)


def test_computed_once_per_arguments(region):
    calls = []

    def compute(value):
        calls.append(value)
        return {"value": value, "list": [value]}

    first = memoised(region, "thing", {"year": 2026}, lambda: compute(1))
    again = memoised(region, "thing", {"year": 2026}, lambda: compute(2))
    other = memoised(region, "thing", {"year": 2025}, lambda: compute(3))
    assert calls == [1, 3]
    assert first == again == {"value": 1, "list": [1]} and other["value"] == 3
    again["list"].append(99)  # a copy: the stored result is untouched
    assert memoised(region, "thing", {"year": 2026}, lambda: compute(4))["list"] == [1]


def test_no_cache_computes_every_time(region, monkeypatch):
    monkeypatch.setenv("QUALITYLIB_CACHE", "0")
    calls = []
    for _ in range(2):
        memoised(region, "thing", {}, lambda: calls.append(1))
    assert calls == [1, 1]
    # a subset is not the region its key names: never memoised
    assert region.subset(region.municipalities[0]).cache_key is None


def test_broken_file_is_computed_again(region):
    memoised(region, "thing", {}, lambda: 1)
    (stored,) = results_dir(region).glob("thing-*.pkl")
    stored.write_bytes(b"not a pickle")
    assert memoised(region, "thing", {}, lambda: 2) == 2
    assert memoised(region, "thing", {}, lambda: 3) == 2


def test_new_data_gets_a_new_key(region, tmp_path):
    results = region.path / "results.csv"
    results.write_text(results.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = load_region(region.path)
    assert changed.cache_key != region.cache_key
    memoised(region, "thing", {}, lambda: "old")
    assert memoised(changed, "thing", {}, lambda: "new") == "new"


def test_identification_depends_on_its_parameters(region):
    params = load_params(find_municipality_params("Элиста"))
    base = build_identification(region, "Элиста", 2026, params, objectivity=False)
    strict = dict(params, identification=dict(params["identification"], threshold_pct=10))
    lower = build_identification(region, "Элиста", 2026, strict, objectivity=False)
    assert lower.change["count"] > base.change["count"]
    # read back from the cache: the same numbers, the caller's own params
    again = build_identification(region, "Элиста", 2026, params, objectivity=False)
    assert again.shnor.equals(base.shnor) and again.params is params
    assert len(list(results_dir(region).glob("identification-*.pkl"))) == 2


def test_prune_removes_stale_entries(tmp_path):
    old, fresh = tmp_path / "old", tmp_path / "fresh"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "x.pkl").write_bytes(b"1")
    stale = time.time() - 40 * 86400
    os.utime(old, (stale, stale))
    prune(tmp_path)
    assert not old.exists() and fresh.exists()


def test_region_wide_results_are_shared_and_public_hiding_stays_local(region):
    params = load_params(find_municipality_params("Элиста"))
    params = dict(params, privacy=dict(params["privacy"], min_group=300))  # some schools are small
    public = build_identification(region, "Элиста", 2026, params, public=True, objectivity=False)
    internal = build_identification(region, "Норильск", 2026, params, objectivity=False)
    small = (public.social["participants"] < 300).to_numpy()
    assert small.any() and public.social.loc[small, "share"].isna().all()
    # the region's social table was stored once, before the public report hid its small schools
    assert internal.social.loc[small, "share"].notna().all()
    assert len(list(results_dir(region).glob("social-*.pkl"))) == 1


def test_stale_region_pickles_are_pruned_when_a_region_is_cached(cache, tmp_path):
    cache.mkdir(parents=True, exist_ok=True)
    old = cache / "region-old.pkl"
    old.write_bytes(b"1")
    stale = time.time() - 40 * 86400
    os.utime(old, (stale, stale))
    folder = tmp_path / "another"
    shutil.copytree(SAMPLE, folder)
    load_region(folder)
    assert not old.exists() and len(list(cache.glob("region-*.pkl"))) == 1


@pytest.fixture
def prepared_store(monkeypatch):
    """An empty store of prepared values, restored (and keeping off) after the test."""
    from qualitylib.data import cache as cache_module

    monkeypatch.setattr(cache_module, "_PREPARED", {})
    yield cache_module
    cache_module.keep_prepared(False)


def test_a_prepared_value_is_kept_by_the_template_and_handed_out_once(prepared_store):
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    prepared_store.keep_prepared(True)  # the template: computes once, keeps, answers from memory
    kept = prepared_store.prepared(("thing", 1), compute)
    assert prepared_store.prepared(("thing", 1), compute) is kept
    assert calls == [1]
    prepared_store.keep_prepared(False)  # a forked kernel: the first reader takes the template's object
    assert prepared_store.prepared(("thing", 1), compute) is kept
    again = prepared_store.prepared(("thing", 1), compute)  # later readers compute their own
    assert again == {"n": 2} and again is not kept
    assert prepared_store.prepared(("other", 1), compute) == {"n": 3}  # another key is never taken


def test_memoised_and_load_region_take_what_the_template_prepared(prepared_store, region, monkeypatch):
    prepared_store.keep_prepared(True)
    kept = memoised(region, "thing", {"year": 2026}, lambda: {"value": 1})
    loaded = load_region(region.path)
    prepared_store.keep_prepared(False)
    assert memoised(region, "thing", {"year": 2026}, lambda: {"value": 2}) is kept
    assert load_region(region.path) is loaded
    # handed out once: the next reader gets a fresh copy from the cache, equal but its own
    fresh = memoised(region, "thing", {"year": 2026}, lambda: {"value": 3})
    assert fresh == {"value": 1} and fresh is not kept


def test_a_changed_file_is_not_taken_from_the_template(prepared_store, region):
    prepared_store.keep_prepared(True)
    loaded = load_region(region.path)
    prepared_store.keep_prepared(False)
    schools = Path(region.path) / "schools.csv"
    stat = schools.stat()
    os.utime(schools, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_region(region.path) is not loaded
