"""Results computed once per region, data, code and parameters, shared by the notebooks of a run.

Each report runs in a fresh kernel, so without help the analytical note (03) recomputes the
identification that notebook 01 has just computed, and the batch runner computes both again
for the index page. :func:`memoised` keeps such results as pickles next to the cache of
validated regions (:func:`qualitylib.data.region.cache_dir`), under a key made of

* the region's key — the SHA-256 of its files and of the library's own source code
  (:func:`qualitylib.data.region.cache_key`), so new data or a new version never reads old results;
* the function's name and its arguments, the parameters included (as canonical JSON).

A result is a fresh copy on every read (unpickled), so a caller that changes it changes
nothing shared. Without a cache folder (``QUALITYLIB_CACHE=0``, a read-only home, a region
built in memory) the function is simply called.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import time
from pathlib import Path
from typing import Any, Callable

from .io import atomic_path

#: Cached regions and result folders not used for this many days are removed when a new one is made.
KEEP_DAYS = 30


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def results_dir(region) -> Path | None:
    """The folder of memoised results of ``region``, or ``None`` when there is no cache."""
    from .region import cache_dir

    store = cache_dir()
    key = getattr(region, "cache_key", None)
    if store is None or not key:
        return None
    folder = store / "results" / key
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        prune(folder.parent)
    return folder


def prune(parent: Path, keep_days: float = KEEP_DAYS, pattern: str = "*") -> None:
    """Remove entries of ``parent`` matching ``pattern`` not touched for ``keep_days`` days.

    A folder goes with its files. Used for result folders and for the validated-region
    pickles, which pile up with every new version of the data or of the library.
    """
    limit = time.time() - keep_days * 86400
    for entry in parent.glob(pattern):
        try:
            if entry.stat().st_mtime >= limit:
                continue
            if entry.is_dir():
                for file in entry.iterdir():
                    file.unlink(missing_ok=True)
                entry.rmdir()
            else:
                entry.unlink(missing_ok=True)
        except OSError:  # another process is using or removing it
            continue


def memoised(region, name: str, arguments: dict, compute: Callable[[], Any]) -> Any:
    """Return ``compute()``, read from the region's results cache when it was stored before.

    Parameters
    ----------
    region : qualitylib.data.region.Region
        The region the result is computed from (its ``cache_key`` names the data and code).
    name : str
        The result's kind, e.g. ``"identification"``.
    arguments : dict
        Everything else the result depends on (municipality, year, parameters, flags);
        JSON-serialisable, values without a JSON form are taken by ``str``.
    compute : callable
        Computes the result when it is not stored.
    """
    folder = results_dir(region)
    if folder is None:
        return compute()
    digest = hashlib.sha256(_canonical([name, arguments]).encode()).hexdigest()[:32]
    return stored(folder / f"{name}-{digest}.pkl", compute, touch=folder)


def stored(path: Path, compute: Callable[[], Any], touch: Path | None = None) -> Any:
    """``compute()`` kept as a pickle at ``path``: read when there, else computed and written atomically.

    A file that cannot be read (truncated, written by another pandas) is computed again; a
    file that cannot be written (read-only home, full disk, unpicklable value) is skipped: the
    cache never breaks the computation. ``touch`` (default ``path``) gets its time renewed on
    every read, so that :func:`prune` keeps what is in use.
    """
    try:
        with open(path, "rb") as fh:
            value = pickle.load(fh)
        with contextlib.suppress(OSError):
            os.utime(touch or path)
        return value
    except FileNotFoundError:
        pass
    except Exception:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    value = compute()
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        pass
    return value
