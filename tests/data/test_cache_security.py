"""Hostile cache: planted, tampered, foreign, world-writable or linked cache files never run code.

Issue 13, «Code must never run from data»: every file of the cache folder
(``QUALITYLIB_CACHE``) is authenticated (HMAC-SHA256, key created 0600 in the folder) before it
is unpickled, and folders or files another user owns, others may write, or that are symbolic
links are refused with a Russian warning while the computation goes on without the cache.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import stat
import time
from pathlib import Path

import pytest

from qualitylib import load_region
from qualitylib.data import cache as cache_module
from qualitylib.data.cache import memoised, prune, results_dir
from qualitylib.data.region import cache_key

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
POSIX = os.name != "nt"
posix_only = pytest.mark.skipif(not POSIX, reason="POSIX owners and permissions")


class Plant:
    """A pickle that, when unpickled, creates ``marker`` (what an attacker's payload would do)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture(autouse=True)
def fresh_warnings(caplog):
    """Every test sees its own warnings (they are reported once per process and path)."""
    getattr(cache_module, "_WARNED", set()).clear()
    caplog.set_level(logging.WARNING, logger="qualitylib.data.cache")
    yield


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALITYLIB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def region_dir(tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(SAMPLE, folder)
    return folder


def entry_path(region, name: str, arguments: dict) -> Path:
    """Where :func:`memoised` keeps ``name(arguments)`` (the key is public: name and arguments)."""
    canonical = json.dumps([name, arguments], sort_keys=True, ensure_ascii=False, default=str)
    return results_dir(region) / f"{name}-{hashlib.sha256(canonical.encode()).hexdigest()[:32]}.pkl"


def counting():
    calls = []

    def compute(value="right"):
        calls.append(value)
        return value

    return calls, compute


def cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "qualitylib.data.cache" and r.levelno == logging.WARNING]


def test_planted_region_pickle_is_not_executed(cache, region_dir, tmp_path, caplog):
    marker = tmp_path / "pwned"
    cache.mkdir(mode=0o700)
    planted = cache / f"region-{cache_key(region_dir)}.pkl"
    planted.write_bytes(pickle.dumps(Plant(marker)))
    region = load_region(region_dir)
    assert not marker.exists()
    assert region.name and len(region.schools) == len(load_region(region_dir, use_cache=False).schools)
    (message,) = cache_warnings(caplog)
    assert f"«{planted}»" in message and "подпись не совпадает" in message
    # the planted file is gone, replaced by an authentic entry that is read back
    assert planted.read_bytes().startswith(cache_module.MAGIC)
    assert load_region(region_dir).schools.equals(region.schools) and not marker.exists()


def test_planted_results_pickle_is_not_executed(cache, region_dir, tmp_path, caplog):
    marker = tmp_path / "pwned"
    region = load_region(region_dir)
    planted = entry_path(region, "identification", {"year": 2026})
    planted.write_bytes(pickle.dumps(Plant(marker)))
    calls, compute = counting()
    assert memoised(region, "identification", {"year": 2026}, compute) == "right"
    assert calls == ["right"] and not marker.exists()
    assert any(f"«{planted}»" in m for m in cache_warnings(caplog))


def test_a_tampered_byte_is_detected(cache, region_dir, caplog):
    region = load_region(region_dir)
    calls, compute = counting()
    memoised(region, "thing", {}, lambda: compute("AAAA-value"))
    path = entry_path(region, "thing", {})
    data = path.read_bytes()
    assert data.count(b"AAAA-value") == 1
    path.write_bytes(data.replace(b"AAAA-value", b"AAAB-value"))  # still a valid pickle
    assert memoised(region, "thing", {}, lambda: compute("AAAA-value")) == "AAAA-value"
    assert calls == ["AAAA-value", "AAAA-value"]
    assert any("подпись не совпадает" in m and str(path) in m for m in cache_warnings(caplog))


def test_an_entry_is_the_magic_the_tag_of_its_name_and_pickle_then_the_pickle(cache, region_dir):
    """The pickle is streamed to the file and signed on the way; the format is the one read before."""
    import hmac

    region = load_region(region_dir)
    value = {"rows": list(range(50_000)), "text": "ШНОР" * 1000}  # several pickle frames
    memoised(region, "thing", {}, lambda: value)
    path = entry_path(region, "thing", {})
    data = path.read_bytes()
    key = (cache / cache_module.KEY_FILE).read_bytes()
    head = len(cache_module.MAGIC) + hashlib.sha256().digest_size
    assert data.startswith(cache_module.MAGIC) and pickle.loads(data[head:]) == value
    expected = hmac.new(key, cache_module.MAGIC + path.name.encode() + b"\0" + data[head:], hashlib.sha256).digest()
    assert data[len(cache_module.MAGIC):head] == expected
    assert memoised(region, "thing", {}, lambda: "computed again") == value


def test_a_value_that_cannot_be_pickled_leaves_no_file(cache, region_dir):
    region = load_region(region_dir)
    memoised(region, "thing", {}, lambda: [1, 2, lambda: 3])
    folder = entry_path(region, "thing", {}).parent
    assert not [p.name for p in folder.iterdir() if p.name.startswith(("thing-", ".thing-"))]


def test_a_valid_entry_copied_under_another_name_is_refused(cache, region_dir):
    region = load_region(region_dir)
    memoised(region, "thing", {"year": 2025}, lambda: "for 2025")
    shutil.copyfile(entry_path(region, "thing", {"year": 2025}), entry_path(region, "thing", {"year": 2026}))
    assert memoised(region, "thing", {"year": 2026}, lambda: "for 2026") == "for 2026"


@posix_only
def test_folders_are_created_0700_and_the_key_0600(cache, region_dir):
    region = load_region(region_dir)
    memoised(region, "thing", {}, lambda: 1)
    mode = lambda p: stat.S_IMODE(os.lstat(p).st_mode)  # noqa: E731
    folder = results_dir(region)
    assert [mode(p) for p in (cache, cache / "results", folder)] == [0o700] * 3
    key = cache / cache_module.KEY_FILE
    assert mode(key) == 0o600 and len(key.read_bytes()) == 32
    assert {mode(p) for p in [*cache.glob("region-*.pkl"), *folder.iterdir()]} == {0o600}
    # the key is made once and kept
    before = key.read_bytes()
    load_region(region_dir)
    assert key.read_bytes() == before


@posix_only
def test_a_world_writable_cache_folder_is_refused(cache, region_dir, caplog):
    region = load_region(region_dir)
    calls, compute = counting()
    memoised(region, "thing", {}, compute)
    os.chmod(cache, 0o777)
    assert memoised(region, "thing", {}, compute) == "right" and calls == ["right", "right"]
    assert load_region(region_dir).schools.equals(region.schools)
    (message,) = cache_warnings(caplog)  # one warning, however often the cache is asked
    assert f"папка «{cache}» имеет права 777: запись разрешена группе или другим" in message


@posix_only
def test_a_readable_key_is_refused(cache, region_dir, caplog):
    region = load_region(region_dir)
    calls, compute = counting()
    memoised(region, "thing", {}, compute)
    key = cache / cache_module.KEY_FILE
    os.chmod(key, 0o644)
    assert memoised(region, "thing", {}, compute) == "right" and calls == ["right", "right"]
    (message,) = cache_warnings(caplog)
    assert f"«{key}» имеет права 644: доступ разрешён" in message


@posix_only
def test_a_folder_of_another_user_is_refused(cache, region_dir, caplog, monkeypatch):
    region = load_region(region_dir)
    calls, compute = counting()
    memoised(region, "thing", {}, compute)
    me = os.getuid()
    monkeypatch.setattr(cache_module.os, "getuid", lambda: me + 1)
    assert memoised(region, "thing", {}, compute) == "right" and calls == ["right", "right"]
    (message,) = cache_warnings(caplog)
    assert f"папка «{cache}»" in message and "принадлежит другому пользователю" in message


def test_a_symlinked_entry_is_refused_and_not_followed(cache, region_dir, caplog):
    region = load_region(region_dir)
    memoised(region, "thing", {"year": 2025}, lambda: "for 2025")
    target = entry_path(region, "thing", {"year": 2025})
    link = entry_path(region, "thing", {"year": 2026})
    link.symlink_to(target)
    assert memoised(region, "thing", {"year": 2026}, lambda: "for 2026") == "for 2026"
    assert any(f"«{link}»" in m and "символической ссылкой" in m for m in cache_warnings(caplog))
    # the link was replaced by an entry of its own; what it pointed to is untouched
    assert not link.is_symlink() and memoised(region, "thing", {"year": 2025}, lambda: "x") == "for 2025"


def test_a_symlinked_region_entry_pointing_outside_is_refused(cache, region_dir, tmp_path):
    load_region(region_dir)
    entry = cache / f"region-{cache_key(region_dir)}.pkl"
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(pickle.dumps("not a region"))
    entry.unlink()
    entry.symlink_to(outside)
    assert load_region(region_dir).name != "not a region"
    assert outside.read_bytes() == pickle.dumps("not a region")


def test_a_symlinked_cache_folder_is_refused(tmp_path, region_dir, monkeypatch, caplog):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "cache"
    link.symlink_to(real, target_is_directory=True)
    monkeypatch.setenv("QUALITYLIB_CACHE", str(link))
    assert load_region(region_dir).cache_key is None  # loaded without the cache
    assert list(real.iterdir()) == []
    assert any(f"«{link}»" in m and "символической ссылкой" in m for m in cache_warnings(caplog))


def test_a_symlinked_results_folder_is_refused(cache, region_dir, tmp_path):
    region = load_region(region_dir)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (cache / "results").symlink_to(elsewhere, target_is_directory=True)
    calls, compute = counting()
    for _ in range(2):
        assert memoised(region, "thing", {}, compute) == "right"
    assert calls == ["right", "right"] and list(elsewhere.iterdir()) == []


def test_prune_never_follows_a_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.txt"
    precious.write_text("keep me")
    results = tmp_path / "results"
    results.mkdir()
    link = results / "old-key"
    link.symlink_to(outside, target_is_directory=True)
    stale = time.time() - 40 * 86400
    for path in (outside, precious):
        os.utime(path, (stale, stale))
    os.utime(link, (stale, stale), follow_symlinks=False)
    prune(results)
    assert precious.read_text() == "keep me" and not link.is_symlink()


def test_a_full_disk_or_an_unpicklable_value_only_costs_time(cache, region_dir, monkeypatch):
    region = load_region(region_dir)
    calls, compute = counting()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(cache_module.tempfile, "mkstemp", full)
        assert memoised(region, "thing", {}, compute) == "right"
    assert memoised(region, "thing", {}, compute) == "right" and calls == ["right", "right"]
    value = memoised(region, "function", {}, lambda: (lambda: 1))  # cannot be pickled
    assert value() == 1 and not [p for p in results_dir(region).iterdir() if "function" in p.name]


def test_the_key_is_created_once(tmp_path):
    key = tmp_path / "hmac.key"
    cache_module._create_key(key)
    first = key.read_bytes()
    cache_module._create_key(key)  # another process lost the race: the first key stays
    assert key.read_bytes() == first and len(first) == 32
    assert [p.name for p in tmp_path.iterdir()] == ["hmac.key"]
