"""The parameters a municipality is computed with, when it has a file of its own or not.

A municipality without a parameters file runs on the base methodology; its monitoring programme
may still be chosen, in this order: the ``programme`` key of its own file, the «Программа» column
of the schools table (one value for the municipality), the programme given for the run
(``--programme``). :func:`init_params` writes a commented parameters file for a new municipality.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..exceptions import ParamsError
from .params import DEFAULT_FILE, PARAMS_DIR, find_municipality_params, load_params
from .programmes import PROGRAMMES_DIR
from .yamlfile import read_yaml


def available_programmes(folder: str | Path | None = None) -> dict[str, str]:
    """Programme name (file stem) -> its title, for every ``programmes/*.yaml``."""
    folder = Path(folder or PROGRAMMES_DIR)
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = read_yaml(path) or {}
        except ParamsError:
            continue
        out[path.stem] = str(data.get("title", path.stem)) if isinstance(data, dict) else path.stem
    return out


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).strip().lower().replace("ё", "е"))


def resolve_programme(text: str, folder: str | Path | None = None, where: str = "") -> str:
    """The programme's name from its name («norilsk»), its title as written, or the municipality whose
    programme it is («Норильск»).

    Raises
    ------
    ParamsError
        Naming the programmes there are, when ``text`` is none of them.
    """
    programmes = available_programmes(folder)
    wanted = _plain(text)
    for name, title in programmes.items():
        if wanted in (_plain(name), _plain(title)):
            return name
    for path in sorted((PARAMS_DIR / "municipalities").glob("*.yaml")):  # «Элиста»: the programme of Элиста
        try:
            data = read_yaml(path) or {}
        except ParamsError:
            continue
        if isinstance(data, dict) and _plain(data.get("municipality", "")) == wanted \
                and data.get("programme") in programmes:
            return data["programme"]
    listed = "; ".join(f"{name} — {title}" for name, title in programmes.items())
    raise ParamsError([f"программа «{text}» не найдена; есть программы: {listed}"], where or "программа")


def schools_programme(schools: pd.DataFrame | None, municipality: str) -> str | None:
    """The one programme the schools table names for the municipality (``None``: none named).

    Raises
    ------
    ParamsError
        When the municipality's schools name different programmes.
    """
    if schools is None or "programme" not in schools:
        return None
    values = schools.loc[schools["municipality"] == municipality, "programme"].dropna().astype(str).str.strip()
    values = sorted(set(v for v in values if v))
    if len(values) > 1:
        raise ParamsError([f"у школ муниципалитета «{municipality}» в таблице школ указаны разные программы: "
                           + ", ".join(f"«{v}»" for v in values) + "; у муниципалитета программа одна"],
                          "таблица «Школы», столбец «Программа мониторинга»")
    return values[0] if values else None


def municipality_params(municipality: str | None, params_file: str | Path | None = None,
                        params_dir: str | Path | None = None, schools: pd.DataFrame | None = None,
                        programme: str | None = None, known=()) -> dict:
    """The complete parameters of a municipality, with its programme chosen when its file names none.

    Parameters
    ----------
    municipality : str or None
        The municipality (``None``: the region, base methodology).
    params_file : str or Path, optional
        A parameters file to use instead of looking the municipality's one up.
    params_dir : str or Path, optional
        The parameters folder (default ``params/``).
    schools : DataFrame, optional
        The schools table: its ``programme`` column chooses the programme of a municipality
        whose file names none.
    programme : str, optional
        The programme for a municipality that has none in its file or in the schools table.
    known : iterable of str
        Every municipality of the region (see :func:`find_municipality_params`).

    Returns
    -------
    dict
        As :func:`load_params`; ``_programme_source`` says where the programme came from
        (``file``, ``schools``, ``run``) and is absent when there is no programme.
    """
    path = params_file or (find_municipality_params(municipality, params_dir, known=known)
                           if municipality else None)
    params = load_params(path)
    if params.get("programme"):
        params["_programme_source"] = "file"
        return params
    chosen, source = None, None
    if municipality:
        chosen, source = schools_programme(schools, municipality), "schools"
    if not chosen and programme:
        chosen, source = programme, "run"
    if chosen:
        params["programme"] = resolve_programme(chosen, where=(
            "таблица «Школы», столбец «Программа мониторинга»" if source == "schools" else "--programme"))
        params["_programme_source"] = source
    return params


_TEMPLATE = """# Параметры муниципалитета «{municipality}».
# Файл создан командой init. Всё, что не указано здесь, берётся из базовой методики (base).
# Строки, начинающиеся с «#», — пояснения; чтобы изменить значение, уберите «#» в начале строки.

# Базовая методика: порог низкого результата, процедуры, правила зоны риска и динамики.
base: {base}

# Название муниципалитета — точно как в таблице школ (столбец «Муниципалитет»).
municipality: {municipality_yaml}

# Программа мониторинга: её показатели и цели попадут в аналитическую справку.
# Сейчас выбрана: {title}.
# Другие готовые программы (впишите имя слева вместо нынешнего):
{others}
programme: {programme}

# Уточнения методики для этого муниципалитета (по умолчанию — как в базовой методике):
# identification:
#   threshold_pct: 30          # порог низкого результата, % участников с «2» или ниже минимального порога
#   min_participants: 5        # меньше участников — результат процедуры не оценивается
#   criterion_2: any           # any — хотя бы одна низкая процедура в каждом из двух лет; same — та же процедура
"""


def init_params(municipality: str, programme: str, params_dir: str | Path | None = None) -> Path:
    """Write ``<params_dir>/municipalities/<name>.yaml`` for a new municipality; return its path.

    The file is commented in Russian, names the base methodology and the chosen programme, and
    is loaded back (:func:`load_params`) before it is kept.

    Raises
    ------
    ParamsError
        When the programme is unknown, the municipality already has a file, or the file would
        not load.
    """
    import json

    from .io import atomic_path

    folder = Path(params_dir) if params_dir is not None else PARAMS_DIR
    name = resolve_programme(programme, where="--programme")
    try:
        existing = find_municipality_params(municipality, folder)
    except ParamsError:
        existing = None
    if existing is not None and existing.resolve() != (folder / "methodology.yaml").resolve() \
            and existing.resolve() != DEFAULT_FILE.resolve():
        raise ParamsError([f"у муниципалитета «{municipality}» уже есть файл параметров: измените его, "
                           "а не создавайте второй"], str(existing))
    target_dir = folder / "municipalities"
    base = "../methodology.yaml" if (folder / "methodology.yaml").is_file() else json.dumps(str(DEFAULT_FILE))
    programmes = available_programmes()
    stem = re.sub(r"[^0-9a-zа-я]+", "-", _plain(municipality)).strip("-") or "municipality"
    target = target_dir / f"{stem}.yaml"
    if target.exists():
        raise ParamsError([f"файл «{target}» уже есть: выберите другую папку параметров или удалите его"],
                          str(target))
    text = _TEMPLATE.format(
        municipality=municipality, municipality_yaml=json.dumps(municipality, ensure_ascii=False), base=base,
        programme=name, title=programmes.get(name, name),
        others="\n".join(f"#   {n} — {t}" for n, t in programmes.items() if n != name))
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
        load_params(tmp)  # never keep a file that does not load
    return target
