"""Command line of the workbench (messages in Russian).

Each sub-command is a small function; tables are written as UTF-8 CSV atomically.
Exit codes: 0 success; 1 any error of the project (invalid data or parameters, an output folder
locked by another run or not writable, failed municipalities); 2 wrong usage; 128 + the signal
(130, 143) for a run stopped by SIGINT or SIGTERM.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import unicodedata
from pathlib import Path

from ..data.params import ParamsError
from ..exceptions import DataValidationError, QualitylibError, UnknownMunicipalityError, UsageError


def terminal_safe(text: str) -> str:
    """The text with control and format characters (ESC of ANSI sequences, zero-width spaces) shown as
    ``[U+001B]``; line breaks are kept. Whatever a data or parameters file holds, a message printed to
    the terminal never moves its cursor, recolours it or hides a difference."""
    return "".join(c if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf") else f"[U+{ord(c):04X}]"
                   for c in str(text))


class _SafeFormatter(logging.Formatter):
    """The library's log messages, printed as :func:`terminal_safe` text."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record))


def _print(text: str = "", file=None) -> None:
    print(terminal_safe(text), file=file or sys.stdout, flush=True)


def cmd_validate(args) -> int:
    from ..data.region import validate_region

    region, problems = validate_region(args.data)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    for p in problems[: args.limit] if args.limit else problems:
        _print(p.format())
    shown = min(len(problems), args.limit) if args.limit else len(problems)
    if shown < len(problems):
        _print(f"… показано {shown} из {len(problems)} замечаний (--limit 0 — показать все).")
    if errors:
        _print(f"Проверка данных «{args.data}»: ошибок — {len(errors)}, предупреждений — {len(warnings)}. "
               "Исправьте ошибки и повторите проверку.")
        return 1
    _print(f"Проверка данных «{args.data}»: ошибок нет, предупреждений — {len(warnings)}. "
           f"Регион «{region.name}»: муниципалитетов — {len(region.municipalities)}, "
           f"школ — {len(region.schools)}, строк результатов — {len(region.results)}, "
           f"годы — {', '.join(map(str, region.years))}.")
    return 0


def cmd_sample(args) -> int:
    from .sample import write_sample

    path = write_sample(args.directory, seed=args.seed)
    _print(f"Синтетический регион записан в «{path}» (seed={args.seed}).")
    return 0


def cmd_template(args) -> int:
    from ..data.forms import FORM_TABLES, read_table_file
    from ..data.schema import SCHOOLS
    from .templates import programme_rounds, write_forms, write_templates

    if args.forms and (args.schools is None or args.year is None):
        raise UsageError("для форм школ (--forms) нужны список школ (--schools ФАЙЛ) и год (--year ГОД)")
    schools = read_table_file(args.schools, SCHOOLS) if args.schools else None
    skip = tuple(t.name for t in FORM_TABLES) if args.forms else ()
    written = write_templates(args.directory, schools, args.year, skip=skip)
    _print(f"Бланки таблиц записаны в «{args.directory}»: " + ", ".join(p.name for p in written) + ".")
    if schools is not None:
        _print(f"Список школ вписан в бланки: школ — {len(schools)}.")
    if args.forms:
        folder = Path(args.directory) / "формы школ"
        if args.rounds is not None:  # the same rounds for every school; «--rounds ""» for none
            rounds = [r.strip() for r in args.rounds.split(",") if r.strip()]
        else:  # the rounds of each municipality's programme (Norilsk 4.3: January and June)
            rounds = programme_rounds(schools, args.params_dir)
        forms = write_forms(folder, schools, args.year, rounds)
        _print(f"Формы школ (контекст и мониторинг за {args.year} год) записаны в «{folder}»: форм — {len(forms)}; "
               "разошлите их школам, заполненные соберите командой collect.")
        named = rounds.items() if isinstance(rounds, dict) else ([("все школы", rounds)] if rounds else [])
        for where, labels in named:
            _print(f"Раунды мониторинга в формах ({where}): {', '.join(labels)} — по столбцу на раунд.")
    return 0


def cmd_collect(args) -> int:
    from ..data.forms import collect_forms, merge_into, read_table_file
    from ..data.io import find_table_file, write_csv_atomic
    from ..data.schema import SCHOOLS, TABLES
    from ..exceptions import DataValidationError

    out = Path(args.out)
    schools_file = args.schools or (out if out.is_dir() and find_table_file(out, SCHOOLS) else None)
    known = set(read_table_file(schools_file, SCHOOLS)["school_id"]) if schools_file else None
    collected = collect_forms(args.forms_dir, known)
    for problem in collected.problems:
        _print(problem.format())
    if collected.errors:
        _print(f"Сбор форм из «{args.forms_dir}»: форм — {collected.forms}, ошибок — {len(collected.errors)}. "
               "Ничего не записано: исправьте формы, названные выше, и повторите сбор.")
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in collected.tables.items():
        table = TABLES[name]
        existing = find_table_file(out, table)
        if existing is not None and existing.suffix.lower() != ".csv":
            raise DataValidationError([_existing_table_problem(existing.name, table)], source=f"«{out}»")
        target = existing or out / f"{name}.csv"
        old = read_table_file(existing, table) if existing is not None else None
        merged = merge_into(old, frame, table)
        write_csv_atomic(merged, target)
        _print(f"Таблица «{table.title}»: строк из форм — {len(frame)}, всего — {len(merged)}; "
               f"записана в «{target}».")
    return 0


def cmd_import_pupils(args) -> int:
    import dataclasses

    from ..data.forms import merge_into, read_table_file
    from ..data.io import find_table_file, write_csv_atomic
    from ..data.protocols import import_protocols, load_mapping
    from ..data.schema import RESULTS

    mapping = load_mapping(args.mapping)
    if args.year is not None:
        mapping = dataclasses.replace(mapping, year=args.year)
    if mapping.year is None and "year" not in mapping.columns:
        raise UsageError("год не указан ни в соответствии столбцов, ни в протоколе: добавьте --year ГОД")
    imported = import_protocols(args.files, mapping)
    for problem in imported.problems:
        _print(problem.format())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    existing = find_table_file(out, RESULTS)
    if existing is not None and existing.suffix.lower() != ".csv":
        raise DataValidationError([_existing_table_problem(existing.name, RESULTS, "результаты протоколов")],
                                  source=f"«{out}»")
    target = existing or out / "results.csv"
    old = read_table_file(existing, RESULTS) if existing is not None else None
    merged = merge_into(old, imported.results, RESULTS)
    write_csv_atomic(merged, target)
    _print(f"Протоколы «{mapping.title}»: строк участников — {imported.read}; не учтены по федеральному правилу: "
           f"пересдачи — {imported.retakes}, не выпускники текущего года — {imported.other_categories}, "
           f"неявки — {imported.absent}. Строк результатов — {len(imported.results)} (всего в таблице — "
           f"{len(merged)}); записано в «{target}».")
    return 0


def _existing_table_problem(file: str, table, what: str = "формы школ"):
    """The error of a table file collect or import-pupils would write beside (a second file of the table)."""
    from ..exceptions import Problem

    return Problem(file, f"таблица «{table.title}» уже есть в этом файле, а {what} записываются в "
                         f"{table.name}.csv: перенесите или удалите «{file}» (например, незаполненный бланк) и "
                         "повторите команду")


def cmd_init(args) -> int:
    from ..data.municipality import available_programmes, init_params, resolve_programme

    name = resolve_programme(args.programme, where="--programme")
    path = init_params(args.municipality, name, args.params_dir)
    _print(f"Файл параметров муниципалитета «{args.municipality}» записан: «{path}»; программа — "
           f"«{available_programmes().get(name, name)}». Остальное — по базовой методике; пояснения — в самом файле.")
    return 0


def _load(args):
    from ..data.region import load_region

    region = load_region(args.data)
    if args.municipality and args.municipality not in region.municipalities:
        raise UsageError(f"Муниципалитет «{args.municipality}» не найден в данных. "
                         f"Есть: {', '.join(region.municipalities)}.")
    from ..data.municipality import municipality_params

    params = municipality_params(args.municipality, args.params, schools=region.schools,
                                 programme=getattr(args, "programme", None), known=region.municipalities)
    if args.year not in region.years:
        raise UsageError(f"В данных нет результатов за {args.year} год. "
                         f"Есть годы: {', '.join(map(str, region.years))}.")
    return region, params


def _write_csv(table, args) -> None:
    """The command's table to ``args.out``: machine-readable CSV, or with ``--excel`` one Russian Excel opens
    as it is (UTF-8 with BOM, «;» between columns, decimal commas, Russian headers, «да»/«нет»)."""
    from ..data.io import write_csv_atomic

    if getattr(args, "excel", False):
        from ..views.labels import reader_frame

        write_csv_atomic(reader_frame(table), args.out, encoding="utf-8-sig", sep=";", decimal=",")
    else:
        write_csv_atomic(table, args.out)


def cmd_identify(args) -> int:
    from ..rules.identification import identify_shnor, low_results
    from ..views.identification import shnor_reasons

    region, params = _load(args)
    scope = region.subset(args.municipality)
    table = identify_shnor(scope.results, scope.schools, args.year, params)
    detail = low_results(scope.results, params, years=(args.year - 1, args.year)).assign(hidden=False)
    table["reasons"] = shnor_reasons(table, detail, args.year, params)
    _write_csv(table, args)
    _print(f"ШНОР за {args.year} год: {int(table['shnor'].sum())} из {len(table)} школ. "
           f"Таблица записана в «{args.out}».")
    return 0


def cmd_risk(args) -> int:
    from ..rules.risk import high_vpr, identify_risk
    from ..views.identification import risk_texts

    region, params = _load(args)
    scope = region.subset(args.municipality)
    table = identify_risk(scope.context, scope.results, scope.schools, args.year, params)
    high = high_vpr(scope.results, scope.schools, args.year, params).assign(hidden=False)
    table = table.join(risk_texts(table, high, params))
    _write_csv(table, args)
    _print(f"Школы в зоне риска за {args.year} год: {int(table['risk'].sum())} из {len(table)}. "
           f"Таблица записана в «{args.out}».")
    return 0


def done_message(manifest: dict) -> str:
    """The line a finished batch run prints: what was run, failed, reused, kept from earlier runs, never run."""
    run = manifest.get("run") or [item["municipality"] for item in manifest["municipalities"]]
    others = [item for item in manifest["municipalities"] if item["municipality"] not in run]
    kept = sum(1 for item in others if item["status"] != "not_run")
    never = len(others) - kept
    reused = len(manifest.get("reused") or [])
    return (f"Готово за {manifest['seconds']:.0f} с: муниципалитетов — {len(run)}, "
            f"с ошибками — {len(manifest['failed'])}"
            + (f", без пересчёта (входные данные не изменились) — {reused}" if reused else "")
            + (f"; ещё {kept} — в оглавлении с результатами прошлых прогонов" if kept else "")
            + (f"; ещё {never} не запускались (в оглавлении — «не запускался»)" if never else "") + ".")


def cmd_run(args) -> int:
    import signal

    from . import runner

    try:
        manifest = runner.run_region(args.data, args.year, args.out, params_dir=args.params_dir,
                                     municipalities=args.municipality, workers=args.workers, public=args.public,
                                     executor=args.executor, scheduler=args.scheduler, progress=not args.quiet,
                                     force=args.force, programme=args.programme)
    except UnknownMunicipalityError as exc:
        raise UsageError(str(exc)) from exc
    base = runner.region_folder(Path(args.out), manifest["region"], args.year)
    run = manifest.get("run") or [item["municipality"] for item in manifest["municipalities"]]
    failed = manifest["failed"]
    for item in manifest["municipalities"]:
        if item["municipality"] in failed and item["status"] != "interrupted":
            _print(f"  ✗ {item['municipality']}: " + " | ".join(item["reasons"]), file=sys.stderr)
    if manifest.get("interrupted"):
        name = manifest["interrupted"]
        done = sum(1 for item in manifest["municipalities"]
                   if item["municipality"] in run and item["status"] != "interrupted")
        _print(f"Прогон прерван ({name}) через {manifest['seconds']:.0f} с: рабочие процессы и ядра остановлены; "
               f"обработано муниципалитетов — {done} из {len(run)}, остальные отмечены в оглавлении «прервано». "
               f"Оглавление: {base / 'index.html'}", file=sys.stderr)
        return 128 + getattr(signal, name, signal.SIGINT)
    _print(done_message(manifest))
    _print(f"Что изменилось: {base / 'changes.html'}")
    _print(f"Оглавление: {base / 'index.html'}")
    return 1 if failed else 0


def cmd_dynamics(args) -> int:
    from ..rules.dynamics import changes
    from ..views.dynamics import change_counts_message

    region, params = _load(args)
    scope = region.subset(args.municipality)
    table = changes(scope.results, scope.schools, args.year, params)
    _write_csv(table, args)
    _print(change_counts_message(table, args.year, args.out))
    return 0


def cmd_indicators(args) -> int:
    from ..data.programmes import programme_for
    from ..reports.monitoring import indicators_table
    from ..views.monitoring import indicator_frame

    region, params = _load(args)
    programme, catalogue = programme_for(params)
    table = indicator_frame(indicators_table(region, args.municipality, args.year, params, programme, catalogue))
    columns = ["id", "title", "round", "unit", "numerator", "denominator", "value", "answer", "target", "status",
               "prev_value", "change", "evidence", "group", "period", "target_note", "programme"]
    _write_csv(table[columns], args)
    counts = table["status"].value_counts()
    _print(f"Показатели программы «{programme.title}» за {args.year} год: выполнено — "
           f"{int(counts.get('met', 0))}, не выполнено — {int(counts.get('not_met', 0))}, нет данных — "
           f"{int(counts.get('no_data', 0))}, без цели — {int(counts.get('no_target', 0))}. "
           f"Таблица записана в «{args.out}».")
    return 0


def cmd_import_fisoko(args) -> int:
    from ..data.fisoko import FisOkoError, import_fisoko

    try:
        report = import_fisoko(args.src_dir, args.out, scales_file=args.scales, catalogue_file=args.catalogue,
                               workers=args.workers)
    except FisOkoError as exc:
        _print(f"Ошибка: {exc}", file=sys.stderr)
        return 1
    _print(report.format())
    return 0


def cmd_tasks(args) -> int:
    from ..data.catalogue import read_catalogue
    from ..data.io import write_csv_atomic
    from ..reports.tasks import tasks_table

    region, params = _load(args)
    if region.tasks is None or not (region.tasks["year"] == args.year).any():
        raise UsageError(f"В данных «{args.data}» нет таблицы заданий (tasks) за {args.year} год: она "
                         "появляется при импорте выгрузки ФИС ОКО (import-fisoko) или приносится как tasks.csv.")
    table = tasks_table(region, args.year, params, args.municipality,
                        read_catalogue(args.catalogue) if args.catalogue else None)
    for col in ("success_pct", "ci_low_pct", "ci_high_pct", "municipality_success_pct", "region_success_pct"):
        table[col] = table[col].round(1)
    for col in ("p_value", "q_value"):
        table[col] = table[col].round(5)
    write_csv_atomic(table, args.out)
    counts = table["mastery"].value_counts()
    _print(f"Задания ВПР за {args.year} год: строк — {len(table)} (школ — {table['school_id'].nunique()}), "
           f"освоено — {int(counts.get('mastered', 0))}, на границе — {int(counts.get('uncertain', 0))}, "
           f"не освоено — {int(counts.get('not_mastered', 0))}, мало участников — "
           f"{int(counts.get('insufficient_data', 0))}; дефицитов — {int(table['deficit'].sum())}. "
           f"Таблица записана в «{args.out}».")
    return 0


def cmd_tasks_catalogue(args) -> int:
    from ..data.catalogue import build_year, read_corrections, write_catalogue
    from ..data.fisoko import read_scales

    scales = read_scales(args.scales).get(args.year, {})
    fixes = read_corrections(args.corrections).get(args.year, {})
    works = build_year(args.src_dir, corrections=fixes, maxima={w: s["max"] for w, s in scales.items()})
    path = write_catalogue(works, args.year, args.out)
    counts = ", ".join(f"{work} — {len(entry['tasks'])}" for work, entry in works.items())
    fixed = [work for work, entry in works.items() if entry.get("corrected")]
    _print(f"Каталог заданий {args.year} г. записан в «{path}»: работ — {len(works)} (заданий: {counts}). "
           + (f"Исправлены максимальные баллы по файлу исправлений: {', '.join(fixed)}. " if fixed else "")
           + "Другие годы файла сохранены.")
    return 0


def cmd_objectivity(args) -> int:
    from ..data.pupils import max_scores, read_pupils
    from ..data.region import load_region
    from ..rules.objectivity import objectivity
    from ..views.identification import objectivity_texts
    from ..views.labels import ru_number

    region = load_region(args.data)
    pupils = read_pupils(region.path)
    if pupils is None:
        raise UsageError(f"В папке «{args.data}» нет данных по ученикам (pupils/vpr.parquet): "
                         "признаки необъективности считаются по выгрузке ФИС ОКО (import-fisoko).")
    table, index = objectivity(pupils, region.schools, max_scores(args.scales), year=args.year)
    table = objectivity_texts(table)
    _write_csv(table, args)
    index_text = ru_number(index, 1, trim=True)
    _print(f"Признаки необъективности: отмечено школ — {int(table['marked'].sum())} из {len(table)}; "
           f"индекс объективности региона — {index_text}. Таблица записана в «{args.out}».")
    return 0


class _RussianFormatter(argparse.HelpFormatter):
    """argparse's help with the Russian «Использование:» instead of «usage:»."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "Использование: " if prefix is None else prefix)


#: argparse's English error messages (Python 3.11–3.13) and their Russian text.
_ERRORS = (
    (r"the following arguments are required: (.*)", r"не указаны обязательные аргументы: \1"),
    (r"unrecognized arguments: (.*)", r"неизвестные аргументы: \1"),
    (r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)", r"аргумент \1: недопустимое значение \2 "
                                                                    r"(допустимы: \3)"),
    (r"argument (.*?): invalid int value: (.*)", r"аргумент \1: ожидалось целое число, а не \2"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"аргумент \1: недопустимое значение \3"),
    (r"argument (.*?): expected one argument", r"аргумент \1: ожидалось одно значение"),
    (r"argument (.*?): expected at least one argument", r"аргумент \1: ожидалось хотя бы одно значение"),
    (r"argument (.*?): ignored explicit argument (.*)", r"аргумент \1: лишнее значение \2"),
    (r"ambiguous option: (.*?) could match (.*)", r"неоднозначный параметр \1: подходят \2"),
    (r"argument (.*?): not allowed with argument (.*)", r"аргумент \1 нельзя указывать вместе с \2"),
)


def russian_error(message: str) -> str:
    """argparse's error message in Russian (a message it does not know stays as it is).

    Examples
    --------
    >>> russian_error("the following arguments are required: --data, --year")
    'не указаны обязательные аргументы: --data, --year'
    """
    for pattern, text in _ERRORS:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, text, message)
    return message


#: Russian placeholders of the arguments in help and usage, by argument name.
_METAVARS = {
    "data": "ПАПКА", "directory": "ПАПКА", "src_dir": "ПАПКА", "forms_dir": "ПАПКА_ФОРМ", "params_dir": "ПАПКА",
    "year": "ГОД", "out": "ПУТЬ", "params": "ФАЙЛ", "scales": "ФАЙЛ", "schools": "ФАЙЛ",
    "municipality": "МУНИЦИПАЛИТЕТ", "workers": "ЧИСЛО", "seed": "ЧИСЛО", "limit": "ЧИСЛО",
    "scheduler": "АДРЕС", "programme": "ПРОГРАММА", "mapping": "ФАЙЛ", "files": "ФАЙЛ", "rounds": "РАУНДЫ",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser that speaks Russian: headings, the help option, usage and errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _RussianFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "аргументы"
        self._optionals.title = "параметры"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="показать эту справку и выйти")

    def add_argument(self, *args, **kwargs):
        """An argument with a Russian placeholder in the help (``--year ГОД``), unless one is given."""
        action = kwargs.get("action")
        if "metavar" not in kwargs and action in (None, "store") and "choices" not in kwargs:
            dest = kwargs.get("dest") or next((a.lstrip("-") for a in args if a.startswith("--")), args[0])
            metavar = _METAVARS.get(dest.replace("-", "_"))
            if metavar:
                kwargs["metavar"] = metavar
        return super().add_argument(*args, **kwargs)

    def error(self, message):  # Russian usage errors
        self.print_usage(sys.stderr)
        self.exit(2, f"Ошибка в аргументах: {russian_error(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m qualitylib",
                     description="Аналитика программ поддержки школ с низкими образовательными результатами.")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", parser_class=_Parser, title="команды",
                                help="одна из команд ниже; справка по команде: КОМАНДА -h")

    p = sub.add_parser("validate", help="проверить папку региона и вывести все ошибки")
    p.add_argument("data", help="папка региона (schools, results, context …)")
    p.add_argument("--limit", type=int, default=0, help="показать не больше N замечаний (0 — все)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("template", help="бланки Excel для всех таблиц данных (и формы школ)")
    p.add_argument("directory", help="папка, куда записать бланки")
    p.add_argument("--schools", help="таблица школ (файл или папка региона): вписать список школ в бланки")
    p.add_argument("--year", type=int, help="год, который вписать в бланки и формы")
    p.add_argument("--forms", action="store_true",
                   help="ещё и форма для каждой школы (контекст и мониторинг за год) в папке «формы школ»")
    p.add_argument("--rounds", help=("раунды мониторинга в формах через запятую («январь,июнь»): по столбцу на "
                                     "раунд; по умолчанию — раунды программы каждого муниципалитета"))
    p.add_argument("--params-dir", help="папка параметров муниципалитетов (для раундов их программ)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("collect", help="собрать заполненные формы школ в таблицы контекста и мониторинга")
    p.add_argument("forms_dir", help="папка с заполненными формами школ (.xlsx)")
    p.add_argument("--out", required=True, help="папка региона, куда записать таблицы")
    p.add_argument("--schools", help="таблица школ для проверки кодов (по умолчанию — из папки --out)")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("sample", help="записать синтетический регион-образец")
    p.add_argument("directory", help="куда записать")
    p.add_argument("--seed", type=int, default=2026, help="зерно генератора (по умолчанию 2026)")
    p.set_defaults(func=cmd_sample)

    for name, func, text in (("identify", cmd_identify, "выявить ШНОР (CSV)"),
                             ("risk", cmd_risk, "выявить школы в зоне риска (CSV)"),
                             ("dynamics", cmd_dynamics, "динамика результатов к прошлому году (CSV)"),
                             ("indicators", cmd_indicators, "показатели программы против целей (CSV)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--data", required=True, help="папка региона")
        p.add_argument("--year", type=int, required=True, help="год результатов")
        p.add_argument("--params", help="файл параметров YAML (по умолчанию — параметры муниципалитета "
                                        "или params/methodology.yaml)")
        p.add_argument("--municipality", required=name == "indicators", help="только этот муниципалитет")
        p.add_argument("--programme", help="программа мониторинга, если её не называют ни файл параметров, "
                                           "ни таблица школ (norilsk, elista, … или название программы)")
        p.add_argument("--out", required=True, help="CSV-файл результата")
        p.add_argument("--excel", action="store_true",
                       help="CSV для Excel: кодировка UTF-8 с BOM, разделитель «;», десятичная запятая, русские заголовки")
        p.set_defaults(func=func)
    p = sub.add_parser("import-fisoko", help="импорт выгрузки ВПР из ФИС ОКО в папку региона")
    p.add_argument("src_dir", help="папка выгрузки (2020/…, 2021/…, logins.xlsx)")
    p.add_argument("--out", required=True, help="папка региона, которую создать")
    p.add_argument("--scales", help="файл шкал перевода баллов (по умолчанию params/scales/vpr.yaml)")
    p.add_argument("--catalogue", help="каталог заданий ВПР (по умолчанию params/tasks/vpr.yaml)")
    p.add_argument("--workers", type=int, default=None,
                   help="число процессов, читающих файлы (по умолчанию — по числу ядер; 1 — читать по очереди)")
    p.set_defaults(func=cmd_import_fisoko)

    p = sub.add_parser("tasks", help="выполнение заданий ВПР по школам: освоение и дефициты (CSV)")
    p.add_argument("--data", required=True, help="папка региона с таблицей заданий (tasks)")
    p.add_argument("--year", type=int, required=True, help="год результатов")
    p.add_argument("--params", help="файл параметров YAML (по умолчанию — параметры муниципалитета "
                                    "или params/methodology.yaml)")
    p.add_argument("--municipality", help="только этот муниципалитет")
    p.add_argument("--catalogue", help="каталог заданий ВПР (по умолчанию params/tasks/vpr.yaml)")
    p.add_argument("--out", required=True, help="CSV-файл результата")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("tasks-catalogue", help="каталог заданий ВПР из таблиц описаний работ (YAML)")
    p.add_argument("src_dir", help="папка описаний: <класс>/<Математика|Русский язык>/ALL.xlsx, KS.xlsx, KT.xlsx")
    p.add_argument("--year", type=int, required=True, help="год работ, которые описаны")
    p.add_argument("--out", required=True, help="файл каталога (год в нём заменяется, другие годы остаются)")
    p.add_argument("--corrections", help="исправления таблиц описаний (по умолчанию params/tasks/corrections.yaml)")
    p.add_argument("--scales", help="шкалы ВПР с максимумами работ (по умолчанию params/scales/vpr.yaml)")
    p.set_defaults(func=cmd_tasks_catalogue)
    p = sub.add_parser("import-pupils", help="протоколы участников ОГЭ, ЕГЭ, диагностик → таблица результатов")
    p.add_argument("files", nargs="+", help="файлы протоколов (.xlsx или .csv), одна строка — один участник")
    p.add_argument("--mapping", required=True, help="соответствие столбцов (YAML) или готовое: ege-rcoi, oge-rcoi")
    p.add_argument("--year", type=int, help="год экзаменов, если его нет в соответствии и в протоколе")
    p.add_argument("--out", required=True, help="папка региона: результаты добавляются в её таблицу results")
    p.set_defaults(func=cmd_import_pupils)

    p = sub.add_parser("objectivity", help="признаки необъективности результатов ВПР по школам (CSV)")
    p.add_argument("--data", required=True, help="папка региона, созданная import-fisoko")
    p.add_argument("--year", type=int, help="год ВПР (по умолчанию — все годы выгрузки)")
    p.add_argument("--scales", help="файл шкал (по умолчанию params/scales/vpr.yaml)")
    p.add_argument("--out", required=True, help="CSV-файл результата")
    p.add_argument("--excel", action="store_true",
                   help="CSV для Excel: кодировка UTF-8 с BOM, разделитель «;», десятичная запятая, русские заголовки")
    p.set_defaults(func=cmd_objectivity)

    p = sub.add_parser("run", help="пакетный прогон всех блокнотов по муниципалитетам (HTML, Excel, оглавление)")
    p.add_argument("--data", required=True, help="папка региона")
    p.add_argument("--year", type=int, required=True, help="год результатов")
    p.add_argument("--params-dir", help="папка с файлами параметров муниципалитетов (по умолчанию params/)")
    p.add_argument("--municipality", nargs="+", help="только эти муниципалитеты")
    p.add_argument("--workers", type=int, default=2, help="число параллельных процессов (по умолчанию 2)")
    p.add_argument("--out", default="outputs", help="папка результатов (по умолчанию outputs/)")
    p.add_argument("--public", action="store_true", help="публичный режим: малые группы скрываются")
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local — процессы этой машины; dask — кластер Dask")
    p.add_argument("--scheduler", help="адрес планировщика Dask (tcp://host:8786)")
    p.add_argument("--quiet", action="store_true", help="без индикатора выполнения")
    p.add_argument("--force", action="store_true",
                   help="пересчитать все муниципалитеты, даже если их входные данные не изменились")
    p.add_argument("--programme", help="программа мониторинга для муниципалитетов, у которых её не называют ни "
                                       "файл параметров, ни таблица школ (norilsk, elista, … или название)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("init", help="файл параметров нового муниципалитета с выбранной программой")
    p.add_argument("municipality", help="название муниципалитета, как в таблице школ")
    p.add_argument("--programme", required=True, help="программа мониторинга (norilsk, elista, … или название)")
    p.add_argument("--params-dir", help="папка параметров (по умолчанию — та, что читает run: params/)")
    p.set_defaults(func=cmd_init)
    for choice in sub._choices_actions:  # each command's help opens with its one-line description
        sub.choices[choice.dest].description = sub.choices[choice.dest].description or choice.help[:1].upper() + choice.help[1:] + "."
    return parser


def _log_to_stdout() -> None:
    """Messages of the library's loggers (``qualitylib.*``, level INFO) go to standard output as they are."""
    package = logging.getLogger("qualitylib")
    if not any(getattr(h, "qualitylib_cli", False) for h in package.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_SafeFormatter("%(message)s"))
        handler.qualitylib_cli = True
        package.addHandler(handler)
    package.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from .lean import skip_unused_imports

    skip_unused_imports()
    _log_to_stdout()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except UsageError as exc:
        _print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    except (DataValidationError, ParamsError) as exc:
        _print(str(exc), file=sys.stderr)
        return 1
    except QualitylibError as exc:  # every other error the user can fix: a message, never a traceback
        _print(f"Ошибка: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _print("Прервано пользователем.", file=sys.stderr)
        return 130
