"""The pupil-level ВПР table an import from ФИС ОКО leaves next to a region (never shown in reports)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .cache import discard_prepared, file_stamp, prepared
from .fisoko import read_scales

#: Where the importer writes the pupils' works, relative to the region folder.
PUPILS_FILE = Path("pupils") / "vpr.parquet"
COLUMNS = ["year", "school_id", "work", "score", "school_mark", "absent"]


def read_pupils(region_path: str | Path) -> pd.DataFrame | None:
    """The pupils' ВПР works of a region folder, or ``None`` when the region has none."""
    path = Path(region_path) / PUPILS_FILE
    if not path.is_file():
        return None
    return prepared(("pupils", file_stamp(path)), lambda: _pupil_table(path)[COLUMNS])


def pupils_stamp(region_path: str | Path) -> tuple | None:
    """The pupils' file of a region folder as :func:`qualitylib.data.cache.file_stamp` names it
    (``None`` without one): what a result computed from the pupils depends on, without reading them."""
    return file_stamp(Path(region_path) / PUPILS_FILE)


def max_scores(scales_file: str | Path | None = None) -> dict[tuple[int, str], float]:
    """The maximum score of every ВПР work by year: ``{(2021, "math.5"): 20, ...}``."""
    scales = read_scales(scales_file)
    return {(int(year), work): spec["max"] for year, works in scales.items() for work, spec in works.items()}


#: Columns read for the marks and score counts of the task report.
MARK_COLUMNS = ["year", "school_id", "work", "score", "mark", "school_mark", "participant"]


def read_pupil_marks(region_path: str | Path) -> pd.DataFrame | None:
    """ВПР marks, school marks and scores of the pupils of a region folder (``None`` without the file).

    Only counted per group by the task report (:mod:`qualitylib.reports.tasks`); never shown.
    """
    path = Path(region_path) / PUPILS_FILE
    if not path.is_file():
        return None
    return prepared(("pupil_marks", file_stamp(path)), lambda: _pupil_table(path)[MARK_COLUMNS])


def _pupil_table(path: Path) -> pd.DataFrame:
    """The columns of both :func:`read_pupils` and :func:`read_pupil_marks`, read once.

    Each takes its columns from this one table (a selection shares the table's arrays), so a
    batch worker's kernel template holds the region's pupils once, not once for each. A file of an
    older import without the marks' columns gives the pupils' columns (and no marks: a ``KeyError``).
    """
    def read() -> pd.DataFrame:
        import pyarrow.parquet as pq

        present = set(pq.read_schema(path).names)
        return pd.read_parquet(path, columns=[c for c in dict.fromkeys(COLUMNS + MARK_COLUMNS) if c in present])

    return prepared(("pupil_table", file_stamp(path)), read)


def release_pupils() -> None:
    """Drop the pupils' table a batch worker's template kept while it computed the results read
    from it (the objectivity signs, the marks and score counts): the kernels take those results,
    and never the pupils, so the template need not hold them (about 18 MiB on the Altai region)."""
    discard_prepared("pupil_table", "pupils", "pupil_marks")
