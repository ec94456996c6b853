"""Import of ФИС ОКО pupil-level ВПР exports into a region folder of the data contract.

A regional ministry receives from the federal system ФИС ОКО one Excel file per ВПР work
(subject × grade × year) with one row per pupil: the school's login, a pseudonymous pupil
code, the school's own mark of the previous term, the class letter, the variant (or
«отсутствовал»), the primary score and the score of every task. :func:`import_fisoko`
turns a folder of such files into the tables of :mod:`qualitylib.schema`:

``schools.csv``
    One row per school login seen in the work files; name and municipality from
    ``logins.xlsx``, else from the federal context form («Сбор контекстных данных об ОО»,
    logins there start with ``edu`` instead of ``sch``), else from the municipality column
    of the 2021 files; «Муниципалитет не указан» when no source knows it. Municipality
    names of the fallback sources are translated to the spelling of ``logins.xlsx``
    («Алейский муниципальный район» → «Алейский район») through the schools both sources
    share. ``locality`` (город/село) and ``pupils_total`` come from the context form when
    it has them (questions 14 and 20 of the 2022 form; the pupil count is that of the
    2021/22 school year).
``results.csv``
    One row per year × school × ``vpr`` × subject × grade with at least one participant:
    participants, marks «2»–«5» (``low_count`` is the number of «2»), mean and maximum
    primary score.
``tasks.csv``
    One row per year × school × work × task: participants, the sum of their scores and the
    task's maximum and level, for the works the task catalogue describes (see :func:`_work_tasks`).
``region.yaml``
    The region's name.
``pupils/vpr.parquet``
    The pupil-level table (year, school_id, work, subject, grade, class_letter,
    pupil_code, score, mark, school_mark, absent, participant) for the objectivity
    analysis (ВПР marks against school marks). It is never shown in reports.

No ``context.csv`` is written: the exports carry none of the contract's context fields.

Conventions
-----------
*Year and grade.* ``year`` is the calendar year in which the work was written and
``grade`` is the grade of the **work**, not of the pupils who wrote it. In 2020 ВПР
was moved to autumn: in September–October 2020 pupils wrote the work of the grade they
had just finished, so folder ``2020/4`` holds the grade-4 work written by pupils then in
grade 5 (their codes start with 5, their class reads «5а» or «а»). It is imported as
``year=2020, grade=4``; ``2020/N`` and ``2021/N`` are the same work one year apart and
``2020/4`` → ``2021/5`` follows one cohort.

*Subject, grade and year of a file* are read from its name and folders:
``2021/5/Проведение работы по математике, 5 класс. ВПР 2021.xlsx`` (export of 2021,
Russian headers) or ``2020/5/Математика.xlsx`` (export of 2020, Latin headers). The
format itself is recognised by the header row (``логин школы`` or ``user``).

*Absent pupils* (``вариант``/``var-1`` is «отсутствовал») are not participants. The
2020 Russian-language work of grade 4 has two parts written on two days (``var-1``,
``var-2``): a pupil absent from either part has an incomplete score and is counted as
absent too (the report gives their number). Pupils with no score, or with a score above
the work's maximum (an input error), are not participants either.

*ВПР mark* is not in the files: it comes from the primary score by the scale of the
work and year in ``params/scales/vpr.yaml`` (:func:`read_scales`): «2» when the score is
at most the upper bound of «2», and so on. The school mark (``отметка за предыдущую
четверть/триместр``, ``otc``) is kept as 2–5; «нет отметки», empty cells and other
values are missing.

*Cache.* Reading the 16 files of a region takes seconds (python-calamine; openpyxl would
take minutes). The normalised content of every work file is kept in ``cache_dir`` as
parquet under the SHA-256 of the file's bytes, so a second import of unchanged files
reads no Excel at all. The cached frames do not depend on the scales: marks are
recomputed from the scales on every run (it takes milliseconds), so correcting a scale
never needs a re-read and never serves stale marks.

*Parallel reading.* The work files that are not in the cache are read and normalised in
worker processes (``workers``, default: one per available core, at most one per file;
``spawn`` processes, so nothing of the caller's state is inherited). Everything else -- the
order of the files, duplicates, problems, marks, the tables written -- is done in the main
process in the files' order, exactly as with ``workers=1`` (which reads in the main process).
When worker processes cannot be started or die, the files are read in the main process.
"""
from __future__ import annotations

import json
import multiprocessing
import operator
import os
import re
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..exceptions import FisOkoError, ScalesError
from .io import atomic_path, file_hash, write_csv_atomic
from .params import PARAMS_DIR, ParamsError
from .catalogue import read_catalogue
from .schema import PROCEDURE_GRADES, RESULTS, SCHOOL_FACTS, SCHOOLS, TASKS
from .yamlfile import read_yaml

#: Default scales file.
DEFAULT_SCALES = PARAMS_DIR / "scales" / "vpr.yaml"
#: Municipality of a school that no source names.
NO_MUNICIPALITY = "Муниципалитет не указан"
#: Bumped whenever the normalised per-file frame changes, so old cache entries are ignored.
CACHE_VERSION = 2
#: Subjects the importer recognises, with their Russian names for messages.
SUBJECT_TITLES = {"math": "математика", "russian": "русский язык"}
#: Columns of ``pupils/vpr.parquet``.
PUPIL_COLUMNS = ("year", "school_id", "work", "subject", "grade", "class_letter", "pupil_code",
                 "score", "mark", "school_mark", "absent", "participant")

_VPR_GRADES = PROCEDURE_GRADES["vpr"]
_WORK_PATTERN = re.compile(r"^(math|russian)\.(\d{1,2})$")
_SCALE_KEYS = ("mark2", "mark3", "mark4", "max")
_SUBJECT_PATTERNS = (("math", re.compile(r"математик")),
                     ("russian", re.compile(r"русск\w*\s+язык")))
_GRADE_IN_NAME = re.compile(r"(?<!\d)(\d{1,2})\s*-?\s*(?:й|го|ый)?\s*класс")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_YEAR_FOLDER = re.compile(r"^(?:19|20)\d\d$")
_ABSENT = "отсутств"
_NO_MARK = "нет отметки"

# Header spellings of the two export formats, after normalisation (lower case, single
# spaces). ``ru``: exports of 2021 with Russian headers; ``latin``: exports of 2020.
_FORMATS = {
    "ru": {
        "school_id": ("логин школы", "логин оо", "логин"),
        "municipality": ("регион", "муниципалитет"),
        "pupil_code": ("код обучающегося", "код участника"),
        "school_mark": ("отметка за предыдущую четверть/триместр",
                        "отметка за предыдущую четверть", "отметка за четверть"),
        "class_letter": ("класс", "литера класса"),
        "variant": ("вариант",),
        "variant2": ("вариант 2", "вариант части 2"),
        "score": ("всего баллов", "сумма баллов", "первичный балл"),
    },
    "latin": {
        "school_id": ("user",),
        "pupil_code": ("code",),
        "school_mark": ("otc",),
        "class_letter": ("klass",),
        "variant": ("var-1",),
        "variant2": ("var-2",),
        "score": ("sum",),
    },
}
_REQUIRED = ("school_id", "pupil_code", "variant", "score")
#: Score columns of the tasks: ``балл за N`` (2021) and ``a-N-grade`` (2020); N is the position.
_TASK_HEADERS = {"ru": re.compile(r"^балл за (\d{1,3})$"), "latin": re.compile(r"^a-(\d{1,3})-grade$")}
#: In a 2020 export, the first column after the work's tasks is filled for at most this share of participants,
#: each task column for at least ``1 - _TASK_FILL`` of them, and the task scores add up to the primary score
#: for at least ``_TASK_SUM_SHARE`` of them; otherwise the catalogue does not describe the file's work.
_TASK_FILL = 0.1
_TASK_SUM_SHARE = 0.95
_FORMAT_TITLES = {"ru": "выгрузка с русскими заголовками (2021)",
                  "latin": "выгрузка с латинскими заголовками (2020)"}
_CACHE_DTYPES = {"school_id": "string", "municipality": "string", "class_letter": "string",
                 "pupil_code": "string", "score": "float64", "school_mark": "Int8",
                 "absent": "bool", "part_missed": "bool"}


class _FileError(Exception):
    """One source file cannot be used; the message (Russian) does not name the file."""


@dataclass(frozen=True)
class WorkFile:
    """Year, subject and grade of one work file, read from its name and folders.

    Attributes
    ----------
    year : int
        Calendar year the work was written.
    subject : str
        ``math`` or ``russian``.
    grade : int
        Grade of the work (not of the pupils: see the module docstring on autumn 2020).
    """

    year: int
    subject: str
    grade: int

    @property
    def work(self) -> str:
        """Work code ``subject.grade``, e.g. ``math.5``."""
        return f"{self.subject}.{self.grade}"

    @property
    def title(self) -> str:
        """Russian title, e.g. «математика, 5 класс (2021)»."""
        return f"{SUBJECT_TITLES[self.subject]}, {self.grade} класс ({self.year})"


@dataclass
class ImportReport:
    """What :func:`import_fisoko` read, wrote and found.

    Attributes
    ----------
    src_dir, out_dir : Path
        Source folder and the region folder written.
    files : list of str
        Work files read (paths relative to ``src_dir``).
    rows : dict
        Pupil rows (absent pupils included) per work file.
    participants : dict
        Participants per work, keyed ``"2021 math.5"``.
    schools : int
        Schools written to ``schools.csv``.
    municipalities : int
        Distinct municipalities of those schools.
    results_rows : int
        Rows of ``results.csv``.
    tasks_rows : int
        Rows of ``tasks.csv`` (school × work × task).
    problems : list of str
        Every problem found, in Russian, each naming its file.
    seconds : float
        Wall time of the import.
    cache_hits : int
        Work files whose normalised content came from the cache.
    written : list of Path
        Files written.
    context_written : bool
        Always ``False``: the exports have no context data (see :attr:`notes`).
    schools_without_municipality : list of str
        Logins that got «Муниципалитет не указан».
    notes : list of str
        Facts the user should know that are not data problems.
    """

    src_dir: Path
    out_dir: Path
    files: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    participants: dict[str, int] = field(default_factory=dict)
    schools: int = 0
    municipalities: int = 0
    results_rows: int = 0
    tasks_rows: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cache_hits: int = 0
    written: list[Path] = field(default_factory=list)
    context_written: bool = False
    schools_without_municipality: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def format(self) -> str:
        """Return the report as Russian text for the command line."""
        lines = [
            f"Импорт выгрузки ФИС ОКО «{self.src_dir}» → «{self.out_dir}»: "
            f"файлов результатов — {len(self.files)} (из кэша — {self.cache_hits}), "
            f"школ — {self.schools}, муниципалитетов — {self.municipalities}, "
            f"строк результатов — {self.results_rows}, строк заданий — {self.tasks_rows}, "
            f"время — {self.seconds:.1f} с.",
            "Участников по работам:",
        ]
        for key, count in self.participants.items():
            year, work = key.split()
            subject, grade = work.split(".")
            lines.append(f"  {year}, {SUBJECT_TITLES.get(subject, subject)}, {grade} класс: {count}")
        lines.append("Записано: " + ", ".join(
            p.relative_to(self.out_dir).as_posix() if p.is_relative_to(self.out_dir) else str(p)
            for p in self.written) + ".")
        lines += self.notes
        if self.problems:
            lines.append(f"Замечания ({len(self.problems)}):")
            lines += [f"- {p}" for p in self.problems]
        else:
            lines.append("Замечаний нет.")
        return "\n".join(lines)


# --------------------------------------------------------------------------- scales

def read_scales(path: str | Path | None = None) -> dict[int, dict[str, dict[str, int]]]:
    """Read the ВПР scales: mark bounds and maximum primary score per year and work.

    Parameters
    ----------
    path : str or Path, optional
        YAML file (default ``params/scales/vpr.yaml``) of the form
        ``scales: {2021: {math.5: {mark2: 6, mark3: 10, mark4: 14, max: 20}}}``, read
        with :func:`qualitylib.data.yamlfile.read_yaml`.

    Returns
    -------
    dict
        ``{year: {work: {"mark2", "mark3", "mark4", "max"}}}``; ``markN`` is the upper
        bound of the primary score for mark N.

    Raises
    ------
    ScalesError
        Listing every problem in Russian: unreadable file, unknown work, missing or
        non-integer bound, bounds not increasing.

    Examples
    --------
    >>> read_scales()[2021]["math.5"]
    {'mark2': 6, 'mark3': 10, 'mark4': 14, 'max': 20}
    """
    file = Path(path) if path is not None else DEFAULT_SCALES
    name = str(file)
    if not file.is_file():
        raise ScalesError([f"файл шкал не найден: {file}"], name)
    data = read_yaml(file, ScalesError, name)
    if not isinstance(data, dict) or not isinstance(data.get("scales"), dict):
        raise ScalesError(["ожидался раздел «scales:» с годами, например "
                           "scales: {2021: {math.5: {mark2: 6, mark3: 10, mark4: 14, max: 20}}}"], name)
    problems: list[str] = []
    scales: dict[int, dict[str, dict[str, int]]] = {}
    for year, works in data["scales"].items():
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            problems.append(f"scales → {year}: год должен быть целым числом (например 2021)")
            continue
        if not isinstance(works, dict):
            problems.append(f"scales → {year}: ожидался список работ вида math.5: {{mark2: …, mark3: …, "
                            "mark4: …, max: …}")
            continue
        for work, spec in works.items():
            where = f"scales → {year} → {work}"
            match = _WORK_PATTERN.match(str(work))
            if not match or int(match.group(2)) not in _VPR_GRADES:
                problems.append(f"{where}: неизвестная работа; ожидалось предмет.класс, например math.5 или "
                                f"russian.4 (предметы: {', '.join(SUBJECT_TITLES)}; классы ВПР: "
                                f"{', '.join(map(str, _VPR_GRADES))})")
                continue
            if not isinstance(spec, dict):
                problems.append(f"{where}: ожидалось {{mark2: …, mark3: …, mark4: …, max: …}}")
                continue
            extra = sorted(set(map(str, spec)) - set(_SCALE_KEYS))
            if extra:
                problems.append(f"{where}: неизвестные ключи {', '.join(extra)}; допустимы "
                                f"{', '.join(_SCALE_KEYS)}")
            values = {}
            for key in _SCALE_KEYS:
                value = spec.get(key)
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    problems.append(f"{where} → {key}: ожидалось целое число ≥ 0, указано «{value}»")
                else:
                    values[key] = value
            if len(values) < len(_SCALE_KEYS):
                continue
            bounds = [values[k] for k in _SCALE_KEYS]
            if not all(a < b for a, b in zip(bounds, bounds[1:])):
                problems.append(f"{where}: границы отметок должны возрастать: mark2 < mark3 < mark4 < max, "
                                f"а указано {', '.join(map(str, bounds))}")
                continue
            scales.setdefault(year, {})[str(work)] = values
    if problems:
        raise ScalesError(problems, name)
    return scales


def marks_from_scores(scores, mark2: float, mark3: float, mark4: float) -> np.ndarray:
    """Convert primary scores to ВПР marks 2–5 by the upper bounds of «2», «3», «4».

    Parameters
    ----------
    scores : array-like of float
        Primary scores; NaN gives NaN.
    mark2, mark3, mark4 : float
        Upper bounds (inclusive) of marks «2», «3», «4».

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> marks_from_scores([6, 7, 14, 15], 6, 10, 14).tolist()
    [2.0, 3.0, 4.0, 5.0]
    """
    s = np.asarray(scores, dtype=float)
    mark = 2.0 + (s > mark2) + (s > mark3) + (s > mark4)
    return np.where(np.isnan(s), np.nan, mark)


# --------------------------------------------------------------------------- file names

def work_from_path(path: str | Path, root: str | Path | None = None) -> WorkFile:
    """Read year, subject and grade of a work file from its name and folders.

    Parameters
    ----------
    path : str or Path
        The work file, e.g. ``…/2021/5/Проведение работы по математике, 5 класс. ВПР 2021.xlsx``
        or ``…/2020/5/Математика.xlsx``.
    root : str or Path, optional
        Source folder: only folders below it are looked at for the year.

    Returns
    -------
    WorkFile

    Raises
    ------
    ValueError
        With a Russian message (without the file's name) when the subject, grade or year
        cannot be determined or contradict each other.

    Examples
    --------
    >>> work_from_path("2020/5/Русский язык.xlsx")
    WorkFile(year=2020, subject='russian', grade=5)
    """
    path = Path(path)
    parts = path.relative_to(root).parts[:-1] if root is not None else path.parts[:-1]
    name = path.stem.lower().replace("ё", "е")
    subjects = [code for code, pattern in _SUBJECT_PATTERNS if pattern.search(name)]
    if not subjects:
        raise ValueError("не удалось определить предмет по имени файла; ожидалось «Математика» или "
                         "«Русский язык» в имени")
    if len(subjects) > 1:
        raise ValueError("в имени файла названы два предмета — математика и русский язык; "
                         "ожидался один")
    grade_name = _GRADE_IN_NAME.search(name)
    grade_folder = parts[-1] if parts and re.fullmatch(r"\d{1,2}", parts[-1]) else None
    if grade_name and grade_folder and int(grade_name.group(1)) != int(grade_folder):
        raise ValueError(f"класс в имени файла ({grade_name.group(1)}) не совпадает с папкой "
                         f"«{grade_folder}»")
    grade_text = grade_name.group(1) if grade_name else grade_folder
    if grade_text is None:
        raise ValueError("не удалось определить класс: ожидалось «N класс» в имени файла или папка "
                         "с номером класса (например 2021/5/Математика.xlsx)")
    grade = int(grade_text)
    if grade not in _VPR_GRADES:
        raise ValueError(f"класс {grade}: ВПР проводится в классах {', '.join(map(str, _VPR_GRADES))}")
    year_folder = next((p for p in reversed(parts) if _YEAR_FOLDER.match(p)), None)
    year_name = _YEAR_IN_NAME.search(name)
    if year_name and year_folder and year_name.group(1) != year_folder:
        raise ValueError(f"год в имени файла ({year_name.group(1)}) не совпадает с папкой «{year_folder}»")
    year_text = year_folder or (year_name.group(1) if year_name else None)
    if year_text is None:
        raise ValueError("не удалось определить год: ожидалась папка года (например 2021/5/…) "
                         "или год в имени файла («ВПР 2021»)")
    return WorkFile(int(year_text), subjects[0], grade)


# --------------------------------------------------------------------------- reading

def _norm_header(value) -> str:
    return re.sub(r"\s+", " ", str(value).replace("\xa0", " ")).strip().lower()


def _read_rows(path: Path, sheet: int | str = 0) -> list[list]:
    """All cells of one sheet with python-calamine, as a list of rows."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise _FileError(f"не удалось открыть как книгу Excel (xlsx): {exc}") from None
    try:
        target = (workbook.get_sheet_by_index(sheet) if isinstance(sheet, int)
                  else workbook.get_sheet_by_name(sheet))
        return target.to_python()
    except Exception as exc:
        raise _FileError(f"не удалось прочитать лист: {exc}") from None
    finally:
        workbook.close()


def _sheet_names(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise _FileError(f"не удалось открыть как книгу Excel (xlsx): {exc}") from None
    try:
        return list(workbook.sheet_names)
    finally:
        workbook.close()


def _find_header(rows: list[list], wanted: set[str], scan: int = 10) -> int | None:
    """Index of the first of the top ``scan`` rows holding any header in ``wanted``."""
    for i, row in enumerate(rows[:scan]):
        if wanted & {_norm_header(v) for v in row}:
            return i
    return None


def _columns(rows: list[list], header: int, spellings: dict[str, tuple[str, ...]]) -> dict[str, tuple]:
    """Pick the columns named in ``spellings`` below the header row, as tuples of cells."""
    names = [_norm_header(v) for v in rows[header]]
    body = rows[header + 1:]
    transposed = list(zip(*body)) if body else [() for _ in names]
    picked = {}
    for key, options in spellings.items():
        for option in options:
            if option in names:
                picked[key] = transposed[names.index(option)]
                break
    return picked


def _text(values) -> pd.Series:
    """Cells as trimmed text (``string`` dtype); empty cells and blanks are missing.

    Numbers stored as floats lose a ``.0`` ending (``50001.0`` → ``50001``).
    """
    s = pd.Series(values, dtype=object).astype("string")
    s = s.str.replace("\xa0", " ", regex=False).str.strip()
    integral = _mask(s.str.contains(r"^-?\d+\.0+$", regex=True))
    if integral.any():
        s = s.mask(integral, s.str.replace(r"\.0+$", "", regex=True))
    return s.mask(_mask(s.eq("")))


def _mask(values: pd.Series) -> pd.Series:
    """A nullable boolean result as plain ``bool`` (missing → ``False``)."""
    return values.astype("boolean").fillna(False).astype(bool)


def _examples(values: pd.Series, limit: int = 5) -> str:
    counts = values.value_counts()
    shown = ", ".join(f"«{v}» — {n}" for v, n in counts.head(limit).items())
    return shown + (", …" if len(counts) > limit else "")


def _normalise_work(rows: list[list]) -> tuple[pd.DataFrame, dict]:
    """Turn the cells of one work file into the cached pupil frame and its metadata."""
    header = _find_header(rows, {h for fmt in _FORMATS.values() for h in fmt["school_id"]})
    if header is None:
        raise _FileError("не похоже на выгрузку ВПР из ФИС ОКО: нет столбца «логин школы» (выгрузка "
                         "2021 г.) или «user» (выгрузка 2020 г.) в первых строках")
    names = {_norm_header(v) for v in rows[header]}
    fmt = "latin" if "user" in names else "ru"
    cols = _columns(rows, header, _FORMATS[fmt])
    missing = [_FORMATS[fmt][k][0] for k in _REQUIRED if k not in cols]
    if missing:
        raise _FileError(f"{_FORMAT_TITLES[fmt]}: нет столбцов {', '.join(f'«{m}»' for m in missing)}")
    n = len(cols["school_id"])
    problems: list[str] = []
    empty = pd.Series(pd.NA, index=range(n), dtype="string")

    school = _text(cols["school_id"]).str.lower()
    keep = school.notna().astype(bool)
    if (~keep).any():
        problems.append(f"строк без логина школы: {int((~keep).sum())} — пропущены")
    odd = keep & ~_mask(school.str.contains(r"^[a-z]{2,5}\d+$", regex=True))
    if odd.any():
        problems.append(f"логины школ необычного вида: {_examples(school[odd])}")

    variant = _text(cols["variant"]).str.lower()
    absent1 = _mask(variant.str.startswith(_ABSENT))
    absent2 = pd.Series(False, index=range(n))
    two_parts = False
    if "variant2" in cols:
        variant2 = _text(cols["variant2"]).str.lower()
        two_parts = bool(variant2.notna().any())  # a work of two parts (Russian, grade 4, 2020)
        if two_parts:
            absent2 = _mask(variant2.str.startswith(_ABSENT))
    absent = absent1 | absent2
    part_missed = (absent1 != absent2) & keep & two_parts

    raw_score = _text(cols["score"])
    score = pd.to_numeric(raw_score, errors="coerce").astype("float64")
    bad_score = raw_score.notna().astype(bool) & (score.isna() | (score < 0))
    if (bad_score & keep).any():
        problems.append(f"первичный балл не число ≥ 0: {_examples(raw_score[bad_score & keep])} — такие "
                        "ученики не считаются участниками")
    score = score.mask(bad_score)

    if part_missed.any():
        problems.append(f"учеников, пропустивших одну из двух частей работы («отсутствовал» только в "
                        f"одном из столбцов вариантов): {int(part_missed.sum())} — балл неполный, они "
                        "считаются отсутствовавшими и не учитываются как участники")
    whole_with_score = absent & ~part_missed & score.notna() & keep
    if whole_with_score.any():
        problems.append(f"учеников с отметкой «отсутствовал» и баллом: {int(whole_with_score.sum())} — "
                        "считаются отсутствовавшими")
    no_score = ~absent & score.isna() & keep & ~bad_score
    if no_score.any():
        problems.append(f"учеников без отметки «отсутствовал» и без первичного балла: {int(no_score.sum())} — "
                        "не считаются участниками")

    if "school_mark" in cols:
        raw_mark = _text(cols["school_mark"])
        mark_num = pd.to_numeric(raw_mark, errors="coerce")
        valid = mark_num.isin([2, 3, 4, 5]).astype(bool)
        odd_mark = (raw_mark.notna().astype(bool) & ~valid & _mask(raw_mark.str.lower().ne(_NO_MARK))
                    & keep & ~absent)
        if odd_mark.any():
            problems.append(f"отметка за четверть не из 2–5 и не «нет отметки»: {_examples(raw_mark[odd_mark])} "
                            "— считается отсутствующей")
        school_mark = mark_num.where(valid).astype("Int8")
    else:
        problems.append("нет столбца отметки за четверть — отметки школы не импортированы")
        school_mark = pd.Series(pd.NA, index=range(n), dtype="Int8")

    if "class_letter" in cols:
        letter = _text(cols["class_letter"]).str.lower()
        letter = letter.str.replace(r"^\d+\s*[-–.]?\s*", "", regex=True).str.strip()
        letter = letter.mask(letter.isin(["", "нет", "-"]))
    else:
        letter = empty

    code = _text(cols["pupil_code"])
    municipality = _text(cols["municipality"]) if "municipality" in cols else empty
    tasks = _task_scores(rows, header, fmt, n)
    frame = pd.DataFrame({
        "school_id": school, "municipality": municipality, "class_letter": letter,
        "pupil_code": code, "score": score, "school_mark": school_mark,
        "absent": absent.astype(bool), "part_missed": part_missed.astype(bool), **tasks,
    })[keep].reset_index(drop=True).astype(_CACHE_DTYPES)
    dup = frame["pupil_code"].notna().astype(bool) & frame.duplicated(["school_id", "pupil_code"], keep=False)
    if dup.any():
        problems.append(f"повторяющихся пар «логин школы + код обучающегося»: {int(dup.sum())} строк")
    return frame, {"format": fmt, "rows": int(len(frame)), "problems": problems}


def _task_scores(rows: list[list], header: int, fmt: str, n: int) -> dict[str, np.ndarray]:
    """Score of every task column as float32 (``task_<position>``): a number, 0 for a token, NaN when empty.

    The exports write ``X``, ``x``, Cyrillic ``Х`` (task not attempted), ``не пройд.`` and rarely
    ``H`` instead of a score: each counts as 0, which reproduces the file's primary score for
    99.97 % of participants (ВПР math 5, 2021).
    """
    pattern = _TASK_HEADERS[fmt]
    positions = {}
    for i, value in enumerate(rows[header]):
        match = pattern.match(_norm_header(value))
        if match:
            positions.setdefault(int(match.group(1)), i)
    if not positions:
        return {}
    order = sorted(positions.items())
    getter = operator.itemgetter(*(i for _, i in order)) if len(order) > 1 else (lambda r: (r[order[0][1]],))
    width = max(positions.values()) + 1
    body = [r if len(r) >= width else list(r) + [None] * (width - len(r)) for r in rows[header + 1:]]
    cells = np.array(list(map(getter, body)), dtype=object).reshape(len(body), len(order))
    codes, distinct = pd.factorize(cells.ravel(), use_na_sentinel=True)
    table = np.array([_task_cell(v) for v in distinct] + [np.nan], dtype="float32")  # code -1: empty
    values = table[codes].reshape(cells.shape)
    return {f"task_{position}": values[:, k] for k, (position, _) in enumerate(order)}


def _task_cell(value) -> float:
    """One distinct task cell: its number, NaN when blank, 0 for a token («X», «не пройд.»)."""
    if value is None:
        return np.nan
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if not text:
        return np.nan
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return 0.0


def _task_columns(frame: pd.DataFrame) -> list[str]:
    cols = [c for c in frame.columns if c.startswith("task_")]
    return sorted(cols, key=lambda c: int(c[5:]))


def _work_tasks(frame: pd.DataFrame, info: WorkFile, fmt: str, catalogue, problems: list[str],
                notes: list[str], rel: str, scale: dict | None = None) -> pd.DataFrame | None:
    """The tasks rows of one work file (school × task sums), checked against the catalogue.

    Returns ``None`` (with a problem or a note) when the catalogue has no entry for the work,
    or the file's task columns do not match it: a 2021 export must have exactly as many
    ``балл за N`` columns as the catalogue has tasks; a 2020 export carries 40 generic
    columns of which the first N must be the work's tasks (each filled for most participants,
    the next one empty for most, their sum the primary score for at least 95 % of them); the
    maxima of the catalogue must add up to the work's maximum in the scales.
    """
    work = catalogue.work(info.year, info.subject, info.grade) if catalogue is not None else None
    if work is None or work.empty:
        notes.append(f"Файл «{rel}»: в каталоге заданий нет работы «{info.title}» — таблица заданий "
                     "для неё не записана.")
        return None
    n = len(work)
    cols = _task_columns(frame)
    wanted = [f"task_{p}" for p in range(1, n + 1)]
    part = frame[frame["participant"]]
    absent = [c for c in wanted if c not in frame]
    where = f"файл «{rel}»: столбцы баллов за задания не совпадают с каталогом заданий ({n} заданий)"
    if absent:
        problems.append(f"{where}: нет столбцов заданий {', '.join(c[5:] for c in absent)} — таблица заданий "
                        "для работы не записана")
        return None
    if fmt == "ru" and len(cols) != n:
        problems.append(f"{where}: в файле {len(cols)} столбцов «балл за …» — таблица заданий для работы не "
                        "записана")
        return None
    scores = part[wanted].to_numpy(dtype="float64")
    if len(part):
        filled = (~np.isnan(scores)).mean(axis=0)
        after = f"task_{n + 1}"
        after_filled = float(part[after].notna().mean()) if after in part else 0.0
        total = np.nan_to_num(scores).sum(axis=1)
        agree = float(np.mean(np.isclose(total, part["score"].to_numpy(dtype="float64"))))
        if filled.min() < 1 - _TASK_FILL or after_filled > _TASK_FILL or agree < _TASK_SUM_SHARE:
            problems.append(
                f"{where}: заполнено заданий у участников от {filled.min():.0%} до {filled.max():.0%}, "
                f"следующий столбец — у {after_filled:.0%}, сумма баллов за задания равна первичному баллу у "
                f"{agree:.1%} — описание не подходит к работе, таблица заданий для неё не записана")
            return None
    maxima = work["max_score"].to_numpy(dtype="float64")
    if scale is not None and int(maxima.sum()) != int(scale["max"]):
        problems.append(f"файл «{rel}»: максимальные баллы заданий по каталогу в сумме {int(maxima.sum())}, а "
                        f"максимум работы по шкале — {scale['max']}: описание не подходит к работе, таблица "
                        "заданий для неё не записана (исправьте каталог заданий)")
        return None
    scores = np.nan_to_num(scores)
    above = scores > maxima
    if above.any():
        problems.append(f"файл «{rel}»: балл за задание выше максимального по каталогу в {int(above.sum())} "
                        "ячейках — засчитан максимальный балл")
        scores = np.minimum(scores, maxima)
    below = scores < 0
    if below.any():
        problems.append(f"файл «{rel}»: отрицательный балл за задание в {int(below.sum())} ячейках — засчитан 0")
        scores = np.maximum(scores, 0)
    sums = pd.DataFrame(scores, columns=range(n)).groupby(part["school_id"].to_numpy()).sum()
    counts = part.groupby("school_id").size()
    level = work["level"].map({"basic": "Б", "advanced": "П", "high": "В"}).fillna("").to_numpy()
    school_ids = np.repeat(sums.index.to_numpy(), n)
    out = pd.DataFrame({
        "year": info.year, "school_id": school_ids, "procedure": "vpr", "subject": info.subject,
        "grade": info.grade, "task": np.tile(work["task"].to_numpy(), len(sums)),
        "participants": counts.reindex(sums.index).to_numpy().repeat(n),
        "score_sum": sums.to_numpy().ravel(), "max_score": np.tile(work["max_score"].to_numpy(), len(sums)),
        "level": np.tile(level, len(sums)),
    })
    return out


def _cache_stem(path: Path, cache: Path) -> Path:
    """Where the cache keeps one work file's normalised content (without the suffix)."""
    return cache / f"vpr-v{CACHE_VERSION}-{file_hash(path)}"


def _cached(stem: Path) -> bool:
    return stem.with_suffix(".parquet").is_file() and stem.with_suffix(".json").is_file()


def _load_work(path: Path, cache: Path | None, stem: Path | None = None) -> tuple[pd.DataFrame, dict, bool]:
    """Normalised content of one work file, from the cache when its hash is known.

    ``stem`` is :func:`_cache_stem` when the caller has computed it already.
    """
    if cache is not None:
        stem = stem or _cache_stem(path, cache)
        data, meta = stem.with_suffix(".parquet"), stem.with_suffix(".json")
        if data.is_file() and meta.is_file():
            try:
                frame = pd.read_parquet(data).astype(_CACHE_DTYPES)
                return frame, json.loads(meta.read_text(encoding="utf-8")), True
            except Exception:  # a damaged entry is rebuilt below
                pass
    frame, info = _normalise_work(_read_rows(path))
    if cache is not None:
        try:
            with atomic_path(data) as tmp:
                frame.to_parquet(tmp, index=False)
            with atomic_path(meta) as tmp:
                tmp.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        except OSError:
            pass  # a read-only cache only costs time
    return frame, info, False


def default_workers() -> int:
    """Worker processes of the import by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


class _Reader:
    """Work files read ahead in worker processes; :meth:`load` gives each one's content in turn.

    ``load`` behaves as :func:`_load_work`: it returns ``(frame, meta, hit)`` or raises the
    file's :class:`_FileError`. A file not read ahead, or whose worker died, is read in the
    calling process.
    """

    def __init__(self, paths: list[Path], cache: Path | None, workers: int):
        self.cache = cache
        self.futures: dict[Path, Future] = {}
        self.pool = None
        stems = {path: _cache_stem(path, cache) if cache is not None else None for path in paths}
        todo = [path for path in paths if stems[path] is None or not _cached(stems[path])]
        self.stems = stems
        if workers <= 1 or len(todo) < 2:
            return
        try:
            self.pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                            mp_context=multiprocessing.get_context("spawn"))
            self.futures = {path: self.pool.submit(_load_work, path, cache, stems[path]) for path in todo}
        except (OSError, NotImplementedError, RuntimeError):  # no processes here: read in this one
            self.close()
            self.futures = {}

    def load(self, path: Path) -> tuple[pd.DataFrame, dict, bool]:
        future = self.futures.pop(path, None)
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:  # a worker died (out of memory?): read the file here
                pass
        return _load_work(path, self.cache, self.stems.get(path))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- schools

def _strip_code(values: pd.Series) -> pd.Series:
    """``reg22_m056 | Целинный муниципальный район`` → ``Целинный муниципальный район``."""
    return values.str.replace(r"^[^|]*\|\s*", "", regex=True).str.strip().mask(lambda s: s.eq(""))


def _read_logins(path: Path, problems: list[str], rel: str) -> pd.DataFrame:
    rows = _read_rows(path)
    spell = {"school_id": ("логин", "логин школы", "login", "user"),
             "school_name": ("имя", "наименование", "название", "школа"),
             "municipality": ("регион", "муниципалитет", "муниципальное образование")}
    header = _find_header(rows, set(spell["school_id"]))
    if header is None:
        problems.append(f"файл «{rel}»: нет столбца «логин» — справочник логинов не использован")
        return pd.DataFrame(columns=list(spell), dtype="string")
    cols = _columns(rows, header, spell)
    n = len(cols["school_id"])
    frame = pd.DataFrame({k: _text(cols[k]) if k in cols else pd.Series(pd.NA, index=range(n), dtype="string")
                          for k in spell})
    frame["school_id"] = frame["school_id"].str.lower()
    return frame.dropna(subset=["school_id"]).drop_duplicates("school_id")


def _locality(answer: pd.Series) -> pd.Series:
    """Answer to «Где расположена ОО?» → «город» / «село» (urban-type settlements are urban)."""
    text = answer.str.lower()
    rural = text.str.contains("сельск", regex=False)
    urban = text.str.contains("город", regex=False) | text.str.contains("административный центр", regex=False)
    return pd.Series(np.where(rural, "село", np.where(urban, "город", None)), index=answer.index,
                     dtype="string")


def _read_context(path: Path, problems: list[str], rel: str) -> tuple[pd.DataFrame, str | None]:
    """Logins, names, municipalities, locality and pupil counts from the context form."""
    parts = []
    region = None
    for sheet in _sheet_names(path):
        rows = _read_rows(path, sheet)
        header = _find_header(rows, {"пользователь"})
        if header is None:
            continue
        names = [_norm_header(v) for v in rows[header]]
        spell = {"login": ("пользователь",), "municipality": ("муниципалитет",), "school": ("школа",),
                 "region": ("регион",)}
        locality_col = next((h for h in names if "где расположена" in h), None)
        pupils_col = next((h for h in names if "количество обучающихся" in h and "в сумме" in h), None)
        if locality_col:
            spell["locality"] = (locality_col,)
        if pupils_col:
            spell["pupils_total"] = (pupils_col,)
        cols = _columns(rows, header, spell)
        frame = pd.DataFrame({k: _text(v) for k, v in cols.items()})
        frame["school_id"] = frame["login"].str.lower().str.replace(r"^edu", "sch", regex=True)
        frame = frame.dropna(subset=["school_id"]).drop_duplicates("school_id").set_index("school_id")
        out = pd.DataFrame(index=frame.index)
        if "municipality" in frame:
            out["municipality"] = _strip_code(frame["municipality"])
        if "school" in frame:
            out["school_name"] = _strip_code(frame["school"])
        if "locality" in frame:
            out["locality"] = _locality(frame["locality"])
        if "pupils_total" in frame:
            count = pd.to_numeric(frame["pupils_total"], errors="coerce")
            out["pupils_total"] = count.where((count >= 0) & (count % 1 == 0)).astype("Int64")
        if "region" in frame and region is None:
            found = _strip_code(frame["region"]).dropna()
            region = found.mode().iat[0] if len(found) else None
        parts.append(out)
    if not parts:
        problems.append(f"файл «{rel}»: нет столбца «Пользователь» ни на одном листе — форма контекстных "
                        "данных не использована")
        return pd.DataFrame(), None
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.combine_first(part)
    return merged, region


def _crosswalk(primary: pd.Series, other: pd.Series, min_share: float = 0.8) -> pd.Series:
    """Translate ``other``'s municipality names to ``primary``'s through shared schools.

    A name is translated when at least ``min_share`` of the schools both sources know
    agree on one primary name; other names stay as they are.
    """
    both = pd.concat({"p": primary, "o": other}, axis=1, join="inner").dropna()
    if both.empty:
        return other
    counts = both.groupby(["o", "p"]).size().rename("n").reset_index()
    counts["share"] = counts["n"] / counts.groupby("o")["n"].transform("sum")
    best = counts[counts["share"] >= min_share].drop_duplicates("o").set_index("o")["p"]
    return other.map(best).fillna(other).astype("string")


def _build_schools(logins_ids: pd.Index, logins: pd.DataFrame, context: pd.DataFrame,
                   results_muni: pd.Series, report: ImportReport) -> pd.DataFrame:
    frame = pd.DataFrame(index=pd.Index(sorted(logins_ids), name="school_id"))
    base = logins.set_index("school_id") if len(logins) else pd.DataFrame(
        columns=["school_name", "municipality"], dtype="string")
    primary = base["municipality"].reindex(frame.index).astype("string")
    sources = [("справочник логинов", primary)]
    if "municipality" in context:
        sources.append(("форма контекстных данных",
                        _crosswalk(base["municipality"], context["municipality"]).reindex(frame.index)))
    sources.append(("столбец «регион» файлов результатов",
                    _crosswalk(base["municipality"], results_muni).reindex(frame.index)))
    muni = pd.Series(pd.NA, index=frame.index, dtype="string")
    for title, values in sources:
        fill = muni.isna() & values.notna()
        if fill.any() and title != sources[0][0]:
            report.notes.append(f"Муниципалитет {int(fill.sum())} школ взят из источника «{title}» "
                                f"(их нет в справочнике логинов): {', '.join(frame.index[fill][:10])}"
                                + (", …" if fill.sum() > 10 else ""))
        muni = muni.mask(fill, values)
    missing = muni.isna()
    report.schools_without_municipality = list(frame.index[missing])
    if missing.any():
        report.problems.append(f"школ без муниципалитета ни в одном источнике: {int(missing.sum())} — "
                               f"записано «{NO_MUNICIPALITY}»: {', '.join(frame.index[missing])}")
    frame["municipality"] = muni.fillna(NO_MUNICIPALITY)
    name = base["school_name"].reindex(frame.index).astype("string")
    if "school_name" in context:
        name = name.fillna(context["school_name"].reindex(frame.index))
    unnamed = name.isna()
    if unnamed.any():
        report.problems.append(f"школ без наименования ни в одном источнике: {int(unnamed.sum())} — вместо "
                               f"наименования записан логин: {', '.join(frame.index[unnamed])}")
    frame["school_name"] = name.fillna(pd.Series(frame.index, index=frame.index, dtype="string"))
    for col, dtype in (("locality", "string"), ("pupils_total", "Int64")):
        frame[col] = (context[col].reindex(frame.index) if col in context
                      else pd.Series(pd.NA, index=frame.index)).astype(dtype)
    return frame.reset_index()[list(SCHOOL_FACTS)]


# --------------------------------------------------------------------------- import

def _discover(src: Path, skip: list[Path]) -> tuple[list[Path], list[Path], list[Path]]:
    works, logins, contexts = [], [], []
    skip = [p.resolve() for p in skip]
    for path in sorted(src.rglob("*.xlsx")):
        if path.name.startswith(("~$", ".")) or not path.is_file():
            continue
        resolved = path.resolve()
        if any(resolved.is_relative_to(s) for s in skip):
            continue
        stem = path.stem.lower().strip()
        if stem in ("logins", "логины"):
            logins.append(path)
        elif stem.startswith("сбор контекстных данных"):
            contexts.append(path)
        else:
            works.append(path)
    return works, logins, contexts


def _aggregate(pupils: pd.DataFrame) -> pd.DataFrame:
    """Results of the contract from the pupil table: one row per year × school × work."""
    part = pupils[pupils["participant"]]
    marks = part["mark"].to_numpy(dtype="float64", na_value=np.nan)
    frame = pd.DataFrame({
        "year": part["year"].to_numpy(), "school_id": part["school_id"].to_numpy(),
        "subject": part["subject"].to_numpy(), "grade": part["grade"].to_numpy(),
        "score": part["score"].to_numpy(),
        "low_count": marks == 2, "mark3": marks == 3, "mark4": marks == 4, "mark5": marks == 5,
    })
    grouped = frame.groupby(["year", "school_id", "subject", "grade"], sort=True)
    out = grouped.agg(participants=("score", "size"), low_count=("low_count", "sum"),
                      mark3=("mark3", "sum"), mark4=("mark4", "sum"), mark5=("mark5", "sum"),
                      mean_score=("score", "mean"), max_score=("score", "max")).reset_index()
    out["procedure"] = "vpr"
    out["mean_score"] = out["mean_score"].round(2)
    for col in ("participants", "low_count", "mark3", "mark4", "mark5", "year", "grade"):
        out[col] = out[col].astype("int64")
    return out[RESULTS.column_names]


def import_fisoko(src_dir: str | Path, out_dir: str | Path, scales_file: str | Path | None = None,
                  cache_dir: str | Path | None = None, region_name: str | None = None,
                  catalogue_file: str | Path | None = None, workers: int | None = None) -> ImportReport:
    """Import a folder of ФИС ОКО ВПР exports as a region folder of the data contract.

    Parameters
    ----------
    src_dir : str or Path
        Folder with ``<year>/<grade>/<work>.xlsx`` files, ``logins.xlsx`` and optionally
        the context form ``Сбор контекстных данных об ОО (…).xlsx``.
    out_dir : str or Path
        Region folder to write: ``schools.csv``, ``results.csv``, ``region.yaml`` and
        ``pupils/vpr.parquet`` (no ``context.csv``: the exports have no context data).
    scales_file : str or Path, optional
        Scales (default ``params/scales/vpr.yaml``), see :func:`read_scales`.
    cache_dir : str or Path, optional
        Cache of normalised work files (default ``out_dir/.cache``).
    region_name : str, optional
        Name for ``region.yaml``; default: the region of the context form (else «Регион»)
        followed by «(ФИС ОКО, ВПР <years>)».
    catalogue_file : str or Path, optional
        Task catalogue (default ``params/tasks/vpr.yaml``, see
        :func:`qualitylib.data.catalogue.read_catalogue`): the number of tasks of each work,
        their numbers and maxima for ``tasks.csv``.
    workers : int, optional
        Processes reading the work files that are not in the cache (default
        :func:`default_workers`); ``1`` reads them one after another in this process. The
        result does not depend on it.

    Returns
    -------
    ImportReport
        Files, counts, problems (Russian) and timing. A file that cannot be used is
        listed in ``problems`` and the others are imported.

    Raises
    ------
    FisOkoError
        When the folder does not exist or no work file could be imported.
    ScalesError
        When the scales file is invalid.

    Examples
    --------
    >>> report = import_fisoko("../shared/real/altai-vpr", "outputs/altai")  # doctest: +SKIP
    >>> print(report.format())  # doctest: +SKIP
    """
    started = time.perf_counter()
    src, out = Path(src_dir), Path(out_dir)
    if not src.is_dir():
        raise FisOkoError(f"папка выгрузки ФИС ОКО не найдена: «{src}»")
    scales = read_scales(scales_file)
    catalogue = read_catalogue(catalogue_file)
    cache = Path(cache_dir) if cache_dir is not None else out / ".cache"
    report = ImportReport(src_dir=src, out_dir=out)

    works, logins_files, context_files = _discover(src, [out, cache])
    usable, first_of = {}, {}  # the files whose name and scale are known; the first file of each work
    for path in works:
        try:
            info = work_from_path(path, src)
        except ValueError as exc:
            usable[path] = exc
            continue
        usable[path] = info
        if scales.get(info.year, {}).get(info.work) is not None:
            first_of.setdefault((info.year, info.work), path)
    with _Reader(list(first_of.values()), cache, default_workers() if workers is None else int(workers)) as reader:
        frames, task_frames = _read_works(src, works, usable, scales, catalogue, reader, report)
    problems = report.problems
    if not frames:
        raise FisOkoError(f"в папке «{src}» не найдено ни одного файла результатов ВПР, который удалось "
                          "прочитать" + "".join(f"\n- {p}" for p in problems))
    return _finish(src, out, frames, task_frames, logins_files, context_files, region_name, report, started)


def _read_works(src: Path, works: list[Path], usable: dict, scales: dict, catalogue, reader: _Reader,
                report: ImportReport) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """The pupil and task frames of the work files, in the files' order (problems go to ``report``)."""
    problems = report.problems
    frames, seen, task_frames = [], {}, []
    for path in works:
        rel = path.relative_to(src).as_posix()
        info = usable[path]
        if isinstance(info, ValueError):
            problems.append(f"файл «{rel}»: {info}")
            continue
        if (info.year, info.work) in seen:
            problems.append(f"файл «{rel}»: работа «{info.title}» уже прочитана из файла "
                            f"«{seen[(info.year, info.work)]}» — файл пропущен")
            continue
        scale = scales.get(info.year, {}).get(info.work)
        if scale is None:
            problems.append(f"файл «{rel}»: нет шкалы перевода баллов в отметки для работы {info.work} "
                            f"{info.year} г. — добавьте её в файл шкал (params/scales/vpr.yaml); файл пропущен")
            continue
        try:
            frame, meta, hit = reader.load(path)
        except _FileError as exc:
            problems.append(f"файл «{rel}»: {exc}")
            continue
        seen[(info.year, info.work)] = rel
        report.cache_hits += hit
        report.files.append(rel)
        report.rows[rel] = meta["rows"]
        problems += [f"файл «{rel}»: {p}" for p in meta["problems"]]
        frame = frame.assign(year=info.year, work=info.work, subject=info.subject, grade=info.grade)
        above = frame["score"] > scale["max"]
        if above.any():
            by_school = frame.loc[above, "school_id"].value_counts()
            problems.append(f"файл «{rel}»: первичный балл выше максимума работы ({scale['max']}) у "
                            f"{int(above.sum())} учеников — ошибка ввода, они не считаются участниками; школы: "
                            + ", ".join(f"{s} — {n}" for s, n in by_school.items()))
        frame["participant"] = ~frame["absent"] & frame["score"].notna() & ~above
        mark = marks_from_scores(frame["score"], scale["mark2"], scale["mark3"], scale["mark4"])
        frame["mark"] = pd.Series(mark, index=frame.index).where(frame["participant"]).astype("Int8")
        tasks = _work_tasks(frame, info, meta["format"], catalogue, problems, report.notes, rel, scale)
        if tasks is not None:
            task_frames.append(tasks)
        frames.append(frame.drop(columns=_task_columns(frame)))
    return frames, task_frames


def _finish(src: Path, out: Path, frames: list[pd.DataFrame], task_frames: list[pd.DataFrame],
            logins_files: list[Path], context_files: list[Path], region_name: str | None,
            report: ImportReport, started: float) -> ImportReport:
    """Schools, results, tasks and pupils from the work files' frames, written to ``out``."""
    problems = report.problems
    pupils = pd.concat(frames, ignore_index=True)
    registered = pupils.groupby(["year", "work", "school_id"])["participant"].any()
    if (~registered).any():
        problems.append(f"школ × работ, где все записанные ученики отсутствовали или без балла: "
                        f"{int((~registered).sum())} — строки результатов для них не записаны")

    logins = pd.DataFrame(columns=["school_id", "school_name", "municipality"], dtype="string")
    if logins_files:
        logins = pd.concat([_read_logins(p, problems, p.relative_to(src).as_posix()) for p in logins_files],
                           ignore_index=True).drop_duplicates("school_id")
    else:
        problems.append("нет файла logins.xlsx: наименования и муниципалитеты школ взяты из других источников")
    context, ctx_region = pd.DataFrame(), None
    for path in sorted(context_files, reverse=True):  # the newest form (largest year in the name) wins
        part, region = _read_context(path, problems, path.relative_to(src).as_posix())
        context = part if context.empty else context.combine_first(part)
        ctx_region = ctx_region or region
    counts = pupils.dropna(subset=["municipality"]).value_counts(["school_id", "municipality"])
    results_muni = counts.reset_index().drop_duplicates("school_id").set_index("school_id")["municipality"]
    school_ids = pd.Index(pupils["school_id"].unique())
    unknown = school_ids.difference(pd.Index(logins["school_id"]))
    if len(logins_files) and len(unknown):
        problems.append(f"логинов из файлов результатов нет в справочнике логинов: {len(unknown)} — "
                        f"{', '.join(unknown[:20])}" + (", …" if len(unknown) > 20 else ""))
    unused = pd.Index(logins["school_id"]).difference(school_ids)
    if len(unused):
        report.notes.append(f"В справочнике логинов {len(unused)} школ без результатов ВПР в выгрузке "
                            "(не записаны в schools.csv).")
    schools = _build_schools(school_ids, logins, context, results_muni, report)
    results = _aggregate(pupils)

    years = sorted(pupils["year"].unique())
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    name = region_name or f"{ctx_region or 'Регион'} (ФИС ОКО, ВПР {span})"
    pupils = pupils.sort_values(["year", "work", "school_id", "pupil_code"], kind="stable")
    pupils = pupils[list(PUPIL_COLUMNS)].reset_index(drop=True).astype(
        {"year": "int16", "grade": "int8", "work": "string", "subject": "string"})

    out.mkdir(parents=True, exist_ok=True)
    report.written.append(write_csv_atomic(schools, out / "schools.csv"))
    report.written.append(write_csv_atomic(results, out / "results.csv"))
    if task_frames:
        tasks = pd.concat(task_frames, ignore_index=True).sort_values(
            ["year", "subject", "grade", "school_id"], kind="stable")
        tasks = tasks[tasks["school_id"].isin(set(results["school_id"]))]
        report.tasks_rows = len(tasks)
        report.written.append(write_csv_atomic(tasks[TASKS.column_names], out / "tasks.csv"))
    with atomic_path(out / "region.yaml") as tmp:
        tmp.write_text("# Создано импортом выгрузки ФИС ОКО (qualitylib.fisoko).\n"
                       + yaml.safe_dump({"name": name}, allow_unicode=True, sort_keys=False),
                       encoding="utf-8")
    report.written.append(out / "region.yaml")
    with atomic_path(out / "pupils" / "vpr.parquet") as tmp:
        pupils.to_parquet(tmp, index=False)
    report.written.append(out / "pupils" / "vpr.parquet")

    participants = pupils[pupils["participant"]].groupby(["year", "work"]).size()
    report.participants = {f"{y} {w}": int(n) for (y, w), n in participants.items()}
    report.schools = len(schools)
    report.municipalities = int(schools["municipality"].nunique())
    report.results_rows = len(results)
    report.notes.append("Контекстных данных (таблица context) в выгрузке ФИС ОКО нет: context.csv не записан.")
    report.seconds = time.perf_counter() - started
    return report
