"""A region: a folder of tables loaded, validated and typed."""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .io import (
    TableReadError, clean_problem, file_hash, find_table_file, locate_table, read_raw, unrecognised_problems,
)
from .cache import cache_dir, file_stamp, open_cache, prepared, prune  # noqa: F401  (cache_dir: used from here too)
from ..exceptions import DataValidationError, EmptyTableError, ParamsError, Problem, UnknownMunicipalityError
from ..resources import package_dir
from .schema import TABLES, Table
from .validation import check_lookalikes, check_school_ids, convert_table
from .yamlfile import parse_yaml


@dataclass
class Region:
    """The tables of one region, typed.

    Attributes
    ----------
    name : str
        Region name (``region.yaml`` ``name``, else the folder name).
    path : pathlib.Path
        The region folder.
    schools, results, context : pandas.DataFrame
        Required tables with canonical columns.
    monitoring, roadmap, official, tasks, municipal : pandas.DataFrame or None
        Optional tables (``official``: the published list of ШНОР; ``tasks``: task scores of the works;
        ``municipal``: the municipality-level records of qualitative indicators).
    sources : dict
        Table name -> file it was read from.
    warnings : list of Problem
        Non-blocking remarks (unknown columns).
    cache_key : str or None
        Key of the folder's files and of the library's code (:func:`cache_key`) when loaded by
        :func:`load_region`; results computed from the region are memoised under it
        (:mod:`qualitylib.data.cache`). ``None`` for a region built in memory or a subset.
    """

    name: str
    path: Path
    schools: pd.DataFrame
    results: pd.DataFrame
    context: pd.DataFrame
    monitoring: pd.DataFrame | None = None
    roadmap: pd.DataFrame | None = None
    official: pd.DataFrame | None = None
    sources: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    cache_key: str | None = None
    tasks: pd.DataFrame | None = None
    #: The municipality-level records of the programme's qualitative indicators (table ``municipal``).
    municipal: pd.DataFrame | None = None

    @property
    def municipalities(self) -> list[str]:
        """Municipality names in alphabetical order."""
        return sorted(self.schools["municipality"].dropna().unique().tolist())

    @property
    def years(self) -> list[int]:
        """Years present in the results table."""
        return sorted(int(y) for y in self.results["year"].dropna().unique())

    def municipality_of(self, school_ids: pd.Series) -> pd.Series:
        """The municipality of each school id, as :meth:`subset` assigns rows to municipalities
        (missing for an id that is not in the schools table)."""
        return school_ids.map(self.schools.drop_duplicates("school_id").set_index("school_id")["municipality"])

    def subset(self, municipality: str | None) -> "Region":
        """Return the region restricted to one municipality's schools (``None``: all)."""
        if municipality is None:
            return self
        if municipality not in set(self.schools["municipality"]):
            raise UnknownMunicipalityError([municipality], self.municipalities)
        schools = self.schools[self.schools["municipality"] == municipality]
        ids = set(schools["school_id"])

        def pick(frame):
            if frame is None:
                return None
            if "school_id" in frame:
                return frame[frame["school_id"].isin(ids)].reset_index(drop=True)
            return frame[frame["municipality"] == municipality].reset_index(drop=True)

        return Region(self.name, self.path, schools.reset_index(drop=True), pick(self.results),
                      pick(self.context), pick(self.monitoring), pick(self.roadmap), pick(self.official),
                      dict(self.sources), list(self.warnings), tasks=pick(self.tasks),
                      municipal=pick(self.municipal))


def _finalise(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Give validated columns their analysis dtypes (int64 where no value is missing).

    The file's headers kept in ``attrs`` by validation are dropped: pandas deep-copies
    ``attrs`` into the result of every operation, which made the analysis 15 % slower.
    """
    out = frame.reset_index(drop=True)
    out.attrs = {}
    for col in out.columns:
        series = out[col]
        if str(series.dtype) == "Int64" and not series.isna().any():
            out[col] = series.astype("int64")
        elif str(series.dtype) == "Float64":
            out[col] = series.astype("float64")
    return out


def empty_table(table: Table) -> pd.DataFrame:
    """A table of the contract with no rows and the analysis dtypes of its columns."""
    dtypes = {"int": "Int64", "year": "int64", "flag": "Int64", "float": "float64", "pct": "float64"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes.get(c.kind, "string")) for c in table.columns})


_YAML_KINDS = {list: "список", str: "строка текста", int: "число", float: "число", bool: "логическое значение"}


def read_region_name(folder: Path, problems: list[Problem] | None = None) -> str:
    """Region name from ``region.yaml`` (key ``name``), else the folder's name.

    The file is read as UTF-8, else as Windows-1251 with a warning. A file that cannot be
    decoded, has a YAML syntax error or is not a mapping is an error; problems are appended
    to ``problems`` (when given) and the folder's name is used.
    """
    problems = [] if problems is None else problems
    meta = folder / "region.yaml"
    if meta.is_file():
        try:
            data = meta.read_bytes()
        except OSError as exc:
            problems.append(Problem(meta.name, f"файл не удалось прочитать ({exc.strerror or type(exc).__name__})"))
            return folder.resolve().name
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1251")
            except UnicodeDecodeError:
                problems.append(Problem(meta.name, "текст файла не читается ни в UTF-8, ни в Windows-1251: "
                                                   "сохраните его в кодировке UTF-8"))
                return folder.resolve().name
            problems.append(Problem(meta.name, "файл в кодировке Windows-1251: прочитан, но сохраните его "
                                               "в UTF-8", severity="warning"))
        try:
            data = parse_yaml(text, name=meta.name) or {}
        except ParamsError as exc:
            mark = getattr(exc.__cause__, "problem_mark", None)
            problems.append(Problem(meta.name, "; ".join(exc.problems) + " — ожидались строки вида "
                                                "«name: Название региона»",
                                    row=None if mark is None else mark.line + 1))
            return folder.resolve().name
        if not isinstance(data, dict):
            problems.append(Problem(meta.name, "ожидались пары «ключ: значение» (например «name: Название "
                                               f"региона»), а в файле {_YAML_KINDS.get(type(data), 'другое значение')}"))
        elif data.get("name"):
            name = str(data["name"])
            if re.search("[\x00-\x1f\x7f-\x9f]", name) or len(name) > 200:
                problems.append(Problem(meta.name, "название региона (name) длиннее 200 символов или содержит "
                                                   "управляющие символы: ожидалась одна строка обычного текста",
                                        column="name", value=name))
                return folder.resolve().name
            return name
    return folder.resolve().name


def validate_region(path: str | Path) -> tuple[Region | None, list[Problem]]:
    """Read and check every table of a region folder.

    Returns
    -------
    region : Region or None
        The typed region, or ``None`` when any error was found.
    problems : list of Problem
        Every error and warning, in file order.
    """
    folder = Path(path)
    if not folder.is_dir():
        return None, [Problem(str(path), "папка региона не найдена: ожидалась папка с таблицами "
                                         "schools, results, context")]
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    raws = {}
    sources: dict[str, Path] = {}
    for table in TABLES.values():
        file, found = locate_table(folder, table)
        problems += found
        if file is None:
            continue
        sources[table.name] = file
        try:
            raw = read_raw(file, table)
        except EmptyTableError as exc:
            if table.required:
                problems += exc.problems
            else:  # an optional table left unfilled (a template): nothing to read, nothing wrong
                problems += [replace(p, severity="warning", message=(
                    "в таблице нет ни одной строки под заголовком: она не используется (заполните её или "
                    "удалите файл)")) for p in exc.problems]
            continue
        except TableReadError as exc:
            problems += exc.problems
            continue
        problems += raw.notes
        frame, found = convert_table(raw, table)
        problems += found
        if frame is not None:
            frames[table.name] = frame
            raws[table.name] = raw

    if "schools" in frames:
        known = set(frames["schools"]["school_id"].dropna())
        schools_file = raws["schools"].file
        for name in ("results", "context", "monitoring", "official", "tasks"):
            if name in frames:
                header = frames[name].attrs["headers"]["school_id"]
                problems += check_school_ids(frames[name], raws[name], known, header, schools_file)
    problems += check_lookalikes(frames, raws)
    if not any(t.required and t.name not in sources for t in TABLES.values()):
        problems += unrecognised_problems(folder)  # else the missing table's error lists them
    name = read_region_name(folder, problems)

    problems = [clean_problem(p) for p in problems]
    problems.sort(key=lambda p: (p.file, p.sheet or "", p.row or 0))
    errors = [p for p in problems if p.severity == "error"]
    if errors or any(t.required and t.name not in frames for t in TABLES.values()):
        return None, problems
    typed = {name: _finalise(frame, TABLES[name]) for name, frame in frames.items()}
    if "context" not in typed:
        typed["context"] = empty_table(TABLES["context"])
        problems.append(Problem("context.csv", "нет таблицы «Контекст»: зона риска (области 1–3) и индекс "
                                               "социального благополучия не вычисляются", severity="warning"))
    region = Region(
        name=name, path=folder.resolve(),  # absolute: kernels of a batch run read the cached region elsewhere
        schools=typed["schools"], results=typed["results"], context=typed["context"],
        monitoring=typed.get("monitoring"), roadmap=typed.get("roadmap"), official=typed.get("official"),
        tasks=typed.get("tasks"), municipal=typed.get("municipal"),
        # absolute, as ``path``: a region cached by a notebook (``../data/…``) is read by runs elsewhere
        sources={table: file.resolve() for table, file in sources.items()},
        warnings=[p for p in problems if p.severity != "error"],
    )
    return region, problems


@functools.cache
def code_digest() -> str:
    """SHA-256 of the library's own source files: a changed library never reads old caches."""
    digest = hashlib.sha256()
    package = package_dir()
    for file in sorted(package.rglob("*.py")):
        digest.update(f"|{file.relative_to(package).as_posix()}|".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def cache_key(folder: Path) -> str:
    """A key naming the folder, the exact content of its table files and the library's code."""
    digest = hashlib.sha256(f"{code_digest()}|{folder.resolve()}".encode())
    files = [find_table_file(folder, t) for t in TABLES.values()] + [folder / "region.yaml"]
    for file in files:
        if file is not None and file.is_file():
            digest.update(f"|{file.name}|{file_hash(file)}".encode())
    return digest.hexdigest()


def load_region(path: str | Path, use_cache: bool = True) -> Region:
    """Load a region folder, raising :class:`DataValidationError` listing every problem.

    A region that passed validation is kept in the cache (:mod:`qualitylib.data.cache`:
    ``QUALITYLIB_CACHE``, ``0`` disables) keyed by the folder and the SHA-256 of its files,
    so that the notebooks of a batch run — each in a fresh kernel — do not parse and check
    the same tables again. Any change of a file misses the cache; a cached file that was
    not written by this user's cache (its HMAC tag does not match) is never unpickled.

    Parameters
    ----------
    path : str or Path
        Folder with ``schools``, ``results`` (and optionally ``context``, ``monitoring``,
        ``roadmap``) as CSV or XLSX.
    use_cache : bool
        Read and write the cache.

    Examples
    --------
    >>> region = load_region("data/sample")  # doctest: +SKIP
    >>> region.results.dtypes["participants"]  # doctest: +SKIP
    dtype('int64')
    """
    folder = Path(path)
    if not folder.is_dir():
        return _load_region(folder, path, use_cache)
    files = [find_table_file(folder, t) for t in TABLES.values()] + [folder / "region.yaml"]
    stamps = tuple(file_stamp(f) for f in files if f is not None)
    # a batch worker's template has read the region before forking this kernel: take its copy
    return prepared(("region", str(folder.resolve()), bool(use_cache), stamps),
                    lambda: _load_region(folder, path, use_cache))


def _load_region(folder: Path, path: str | Path, use_cache: bool) -> Region:
    cache = open_cache() if use_cache and folder.is_dir() else None
    key = cache_key(folder) if cache is not None else None

    def validated() -> Region:
        region, problems = validate_region(path)
        if region is None:
            raise DataValidationError(problems, source=f"«{path}»")
        region.cache_key = key
        if cache is not None:  # a new version of the data or of the library: old ones may go
            prune(cache.root, pattern="region-*.pkl")
        return region

    return validated() if cache is None else cache.stored(cache.root / f"region-{key}.pkl", validated)
