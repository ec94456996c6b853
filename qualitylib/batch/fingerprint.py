"""What a municipality's reports are made from, as digests: decide whether a rerun can reuse them.

A municipality's reports depend on

* ``data`` -- its own rows of every table of the region (schools, results, context,
  monitoring, road map), whatever file they come from: a corrected school in another
  municipality leaves this digest alone;
* ``region`` -- what its reports read from the rest of the region: the social reading of its
  schools (fitted over the whole region), the leader pairs of its ШНОР (assigned over the
  region), the region's mean scores per work and year (the score indices), the pupils' file
  (the objectivity limits come from the region's schools); values are taken as the reports
  round them, so a change too small to show does not rerun a municipality;
* ``params`` -- its parameters as loaded (the chain of ``base:`` files merged) and every
  shared parameter file of the package (programmes, indicator catalogue, road maps, scales);
* ``code`` -- the library's source files and report templates;
* ``notebooks`` -- the notebooks executed, and the run's mode (year, public).

:func:`fingerprint` gives the digests; :func:`changed_parts` says which differ from a
previous run's. Inside :func:`shared_digests` the parts every municipality shares (row hashes of
the region's tables, its mean scores, the shared parameter files) are computed once for all of
them. Nothing here writes a file.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..data.io import file_hash
from ..data.pupils import PUPILS_FILE
from ..data.region import Region, code_digest
from ..resources import package_dir, params_dir

#: The parts of a fingerprint, in the order the runner names them, with their Russian reasons.
PARTS = {
    "data": "изменились данные муниципалитета",
    "region": "изменились данные региона, которые читают его отчёты",
    "params": "изменились параметры",
    "code": "изменилась версия библиотеки",
    "notebooks": "изменились блокноты или режим прогона",
}

#: Decimals the reports show: values are rounded to them before hashing.
_DECIMALS = 1


def _digest(*chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk if isinstance(chunk, bytes) else str(chunk).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def frame_digest(frame: pd.DataFrame | None) -> str:
    """A digest of a table's content that ignores the order of its rows and columns."""
    if frame is None:
        return "none"
    frame = frame.reindex(columns=sorted(frame.columns))
    # a hash per row, then the hashes sorted: the same rows in any order give the same digest
    return _rows_digest(frame, pd.util.hash_pandas_object(frame, index=False).to_numpy())


def _rows_digest(frame: pd.DataFrame, row_hashes: np.ndarray) -> str:
    """:func:`frame_digest` from the hashes of some rows of ``frame`` (columns sorted)."""
    return _digest(",".join(map(str, frame.columns)), ",".join(map(str, frame.dtypes)),
                   np.sort(row_hashes).tobytes())


#: What :func:`shared_digests` keeps while it is open: (id of the region or None, what, ...) -> (region, value).
_SHARED: dict | None = None


@contextlib.contextmanager
def shared_digests() -> Iterator[None]:
    """Compute what every municipality's fingerprint shares once while open (the runner's planning).

    The row hashes of the region's tables, its mean scores and the shared parameter files are
    kept until the block ends, so fingerprinting 70 municipalities hashes each table once
    instead of 70 times; the digests are the same as without the block.
    """
    global _SHARED
    outer, _SHARED = _SHARED, {}
    try:
        yield
    finally:
        _SHARED = outer


def _shared(region: Region | None, key: tuple, compute):
    """``compute()``, kept under ``key`` for ``region`` while :func:`shared_digests` is open.

    The region is kept with the value, so that its ``id`` names no other region while the block is open.
    """
    if _SHARED is None:
        return compute()
    full = (None if region is None else id(region), *key)
    if full not in _SHARED:
        _SHARED[full] = (region, compute())
    return _SHARED[full][1]


def _table_rows(region: Region, name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """A region table with sorted columns, the hash of each row and each municipality's row positions.

    A row belongs to the municipality of its school (the schools of :meth:`Region.subset`), or
    to the one it names when the table has no school column.
    """
    frame = frame.reindex(columns=sorted(frame.columns))
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    if "school_id" in frame:
        owner = region.municipality_of(frame["school_id"])
    else:
        owner = frame["municipality"]
    rows = pd.Series(np.arange(len(frame))).groupby(owner.to_numpy(dtype=object), dropna=True).indices
    return frame, hashes, rows


@functools.cache
def code_fingerprint() -> str:
    """The library's source files (:func:`qualitylib.data.region.code_digest`) and its templates."""
    package = package_dir()
    templates = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".html", ".css", ".j2",
                                                                                       ".tpl", ".yaml"))
    return _digest(code_digest(), *(f"{p.relative_to(package).as_posix()}|{file_hash(p)}" for p in templates))


def _shared_params(params_dirs: list[Path], own: Path | None) -> str:
    """Every parameter file that is not a municipality's own: programmes, catalogue, road maps, scales."""
    chunks = []
    for folder in params_dirs:
        for file, chunk in _shared(None, ("params", str(folder)), lambda: _params_files(folder)):
            if own is None or file != own:
                chunks.append(chunk)
    return _digest(*chunks)


def _params_files(folder: Path) -> list[tuple[Path, str]]:
    """The files of a parameter folder that are no municipality's, each with its hash chunk."""
    if not folder.is_dir():
        return []
    return [(file, f"{file.relative_to(folder).as_posix()}|{file_hash(file)}")
            for file in sorted(folder.rglob("*.yaml")) + sorted(folder.rglob("*.yml")) + sorted(folder.rglob("*.csv"))
            if "municipalities" not in file.relative_to(folder).parts]


def params_fingerprint(params: dict, params_file: str | Path | None, params_folder: str | Path | None) -> str:
    """The parameters as loaded and the shared parameter files of the package.

    The loaded parameters hold the municipality's own file and every ``base:`` file it
    builds on (merged), wherever they are; the shared files are the package's programmes,
    indicator catalogue, road maps and scales. Another municipality's file changes neither.
    """
    loaded = json.dumps({k: v for k, v in params.items() if not k.startswith("_")}, sort_keys=True,
                        ensure_ascii=False, default=str)
    own = Path(params_file).resolve() if params_file else None
    return _digest(loaded, _shared_params([params_dir()], own))


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(_DECIMALS)
    return out


def region_fingerprint(region: Region, municipality: str, year: int, params: dict) -> str:
    """What the municipality's reports read from the rest of the region, as they round it.

    Reads the region-wide results every municipality's identification shares
    (:func:`qualitylib.reports.identification.region_identification`, memoised: computed once
    for the region, and the notebooks reuse them) for the social reading of its schools and the
    leader pairs of its ШНОР; the municipality's own identification is left to its notebooks.
    """
    from ..reports.identification import region_identification

    _, social, pairs = region_identification(region, year, params)
    ids = _school_ids(region, municipality)
    social = social[social["school_id"].isin(ids)]
    pairs = pairs[pairs["school_id"].isin(ids)].reset_index(drop=True)
    return _digest(frame_digest(_rounded(social)), frame_digest(_rounded(pairs)),
                   *_shared(region, ("means", int(year)), lambda: _region_means(region, year)))


def _school_ids(region: Region, municipality: str) -> pd.Series:
    """The ids of the municipality's schools, as :meth:`Region.subset` takes them (which raises for an
    unknown one); without building the subset inside :func:`shared_digests`."""
    if _SHARED is None:
        return region.subset(municipality).schools["school_id"]
    known = _shared(region, ("municipalities",), lambda: set(region.schools["municipality"]))
    if municipality not in known:
        region.subset(municipality)
    return region.schools.loc[region.schools["municipality"] == municipality, "school_id"]


def _region_means(region: Region, year: int) -> tuple[str, str]:
    """The digests of the region's mean scores per work (this and last year) and of the pupils' file."""
    res = region.results
    scores = res[res["year"].isin([year - 1, year]) & res["mean_score"].notna() & (res["participants"] > 0)]
    scores = scores.assign(points=scores["mean_score"] * scores["participants"]).groupby(
        ["year", "procedure", "subject", "grade"])[["points", "participants"]].sum()
    means = (scores["points"] / scores["participants"]).round(2).reset_index(name="mean")
    pupils = Path(region.path) / PUPILS_FILE
    return frame_digest(means), file_hash(pupils) if pupils.is_file() else "none"


def data_fingerprint(region: Region, municipality: str) -> str:
    """The municipality's own rows of every table of the region."""
    if _SHARED is None:
        scope = region.subset(municipality)
        tables = _tables(scope)
        return _digest(*(f"{name}|{frame_digest(frame)}" for name, frame in sorted(tables.items())))
    _school_ids(region, municipality)  # an unknown municipality raises as above
    chunks = []
    for name, frame in sorted(_tables(region).items()):
        if frame is None:
            chunks.append(f"{name}|none")
            continue
        # the row hashes of the whole table, once; the municipality's rows are those subset() keeps
        table, hashes, rows = _shared(region, ("rows", name), lambda: _table_rows(region, name, frame))
        mine = rows.get(municipality, np.array([], dtype=np.int64))
        chunks.append(f"{name}|{_rows_digest(table, hashes[mine])}")
    return _digest(*chunks)


def _tables(scope: Region) -> dict[str, pd.DataFrame | None]:
    """The tables of a region hashed for its municipalities, by name (tables added later too)."""
    tables = {name: getattr(scope, name) for name in ("schools", "results", "context", "monitoring", "roadmap")}
    for name, value in vars(scope).items():
        if isinstance(value, pd.DataFrame) and name not in tables:
            tables[name] = value
    return tables


def fingerprint(region: Region, municipality: str, year: int, params: dict, params_file: str | Path | None,
                params_folder: str | Path | None, notebooks: list[str], notebooks_folder: Path,
                public: bool) -> dict[str, str]:
    """The digests of :data:`PARTS` for one municipality's reports of ``year``.

    ``notebooks`` are notebook files, or names looked up in ``notebooks_folder``.
    """
    notebook_files = [Path(nb) if str(nb).endswith(".ipynb") else notebooks_folder / f"{nb}.ipynb" for nb in notebooks]
    return {
        "data": data_fingerprint(region, municipality),
        "region": region_fingerprint(region, municipality, year, params),
        "params": params_fingerprint(params, params_file, params_folder),
        "code": code_fingerprint(),
        "notebooks": _digest(int(year), bool(public),
                             *(f"{p.name}|{file_hash(p) if p.is_file() else 'missing'}" for p in notebook_files)),
    }


def changed_parts(previous: dict | None, current: dict[str, str]) -> list[str]:
    """The parts of :data:`PARTS` whose digest differs from ``previous`` (all when there is none)."""
    if not isinstance(previous, dict):
        return list(PARTS)
    return [part for part in PARTS if previous.get(part) != current.get(part)]
