"""Command line: identify, risk, sample and their Russian errors."""
from pathlib import Path

import pandas as pd

from qualitylib.batch.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "data" / "sample")


def test_identify_writes_machine_readable_csv(tmp_path, capsys):
    out = tmp_path / "shnor.csv"
    assert main(["identify", "--data", SAMPLE, "--year", "2026", "--municipality", "Полысаево", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8")
    for col in ("school_id", "municipality", "low_results", "criterion_1", "criterion_2", "reasons"):
        assert col in table.columns
    assert set(table["municipality"]) == {"Полысаево"}
    assert set(table["criterion_1"]) <= {0, 1} and set(table["criterion_2"]) <= {0, 1}
    assert table.loc[table["shnor"] == 1, "reasons"].str.startswith("Критерий").all()
    assert "ШНОР за 2026 год" in capsys.readouterr().out


def test_risk_writes_area_flags(tmp_path):
    out = tmp_path / "risk.csv"
    assert main(["risk", "--data", SAMPLE, "--year", "2026", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8")
    for col in ("school_id", "municipality", "risk", "area_material", "area_staff", "area_pupils", "area_results"):
        assert col in table.columns
    assert (table["risk"] == table[["area_material", "area_staff", "area_pupils", "area_results"]].max(axis=1)).all()


def test_municipality_params_are_used(tmp_path):
    # Кавказский район uses the same-procedure variant of criterion 2 (params/municipalities/kavkazsky.yaml)
    same, default = tmp_path / "same.csv", tmp_path / "default.csv"
    main(["identify", "--data", SAMPLE, "--year", "2026", "--municipality", "Кавказский район", "--out", str(same)])
    main(["identify", "--data", SAMPLE, "--year", "2026", "--municipality", "Кавказский район",
          "--params", str(ROOT / "params" / "methodology.yaml"), "--out", str(default)])
    assert pd.read_csv(same)["criterion_2"].sum() <= pd.read_csv(default)["criterion_2"].sum()


def test_unknown_municipality_and_year_are_usage_errors(tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert main(["identify", "--data", SAMPLE, "--year", "2026", "--municipality", "Атлантида", "--out", str(out)]) == 2
    assert "Муниципалитет «Атлантида» не найден" in capsys.readouterr().err
    assert main(["identify", "--data", SAMPLE, "--year", "1999", "--out", str(out)]) == 2
    assert "нет результатов за 1999 год" in capsys.readouterr().err
    assert not out.exists()


def test_bad_params_file_is_reported(tmp_path, capsys):
    bad = tmp_path / "p.yaml"
    bad.write_text(f"base: {ROOT / 'params' / 'methodology.yaml'}\nidentification:\n  threshold_pct: -1\n",
                   encoding="utf-8")
    assert main(["identify", "--data", SAMPLE, "--year", "2026", "--params", str(bad), "--out",
                 str(tmp_path / "x.csv")]) == 1
    assert "вне допустимого диапазона" in capsys.readouterr().err


def test_sample_command_is_deterministic(tmp_path):
    assert main(["sample", str(tmp_path / "a"), "--seed", "7"]) == 0
    assert main(["sample", str(tmp_path / "b"), "--seed", "7"]) == 0
    assert (tmp_path / "a" / "results.csv").read_bytes() == (tmp_path / "b" / "results.csv").read_bytes()


def test_dynamics_command(tmp_path, capsys):
    out = tmp_path / "dyn.csv"
    assert main(["dynamics", "--data", SAMPLE, "--year", "2026", "--municipality", "Элиста", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8")
    for col in ("school_id", "procedure", "subject", "grade", "share_prev", "share_now", "n_prev", "n_now",
                "lo_prev", "hi_prev", "lo_now", "hi_now", "p_value", "verdict"):
        assert col in table.columns
    assert set(table["verdict"]) <= {"improved", "no_change", "declined", "insufficient_data"}
    assert "Динамика 2025 → 2026" in capsys.readouterr().out


def test_indicators_command(tmp_path, capsys):
    out = tmp_path / "ind.csv"
    assert main(["indicators", "--data", SAMPLE, "--year", "2026", "--municipality", "Элиста", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8")
    for col in ("id", "title", "numerator", "denominator", "value", "target", "status", "prev_value"):
        assert col in table.columns
    # the 10 indicators and the diagnostics of road-map item 2 in its three rounds
    assert len(table) == 13 and table["id"].str.startswith("elista.").all()
    assert table.loc[table["id"] == "elista.roadmap.2", "round"].tolist() == ["сентябрь", "январь", "апрель"]
    assert set(table["status"]) <= {"met", "not_met", "no_data", "no_target"}
    assert "Показатели программы" in capsys.readouterr().out


def test_indicators_without_programme_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "ind.csv"
    code = main(["indicators", "--data", SAMPLE, "--year", "2026", "--municipality", "Элиста",
                 "--params", str(ROOT / "params" / "methodology.yaml"), "--out", str(out)])
    assert code == 1 and "не указана программа" in capsys.readouterr().err and not out.exists()


def test_messages_never_print_terminal_control_characters(tmp_path, capsys):
    """An unknown municipality named with an ANSI escape and a zero-width space is echoed escaped."""
    code = main(["identify", "--data", str(ROOT / "data" / "sample"), "--year", "2026",
                 "--municipality", "\x1b[31mКрасный\u200b", "--out", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "\x1b" not in err and "\u200b" not in err
    assert "[U+001B][31mКрасный[U+200B]" in err


def test_excel_option_writes_csv_russian_excel_opens(tmp_path):
    out = tmp_path / "shnor.csv"
    assert main(["identify", "--data", SAMPLE, "--year", "2026", "--municipality", "Полысаево", "--out", str(out),
                 "--excel"]) == 0
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))  # the BOM: Excel reads the file as UTF-8
    table = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert {"Код ОО", "Школа", "ШНОР", "Критерий 1", "Основания"} <= set(table.columns)
    assert set(table["ШНОР"]) <= {"да", "нет"} and (table["ШНОР"] == "да").any()
    machine = pd.read_csv(tmp_path / "m.csv") if main(["identify", "--data", SAMPLE, "--year", "2026",
                                                       "--municipality", "Полысаево", "--out",
                                                       str(tmp_path / "m.csv")]) == 0 else None
    assert (table["ШНОР"] == "да").sum() == machine["shnor"].sum()


def _commands():
    from qualitylib.batch.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


def test_help_is_russian_throughout(capsys):
    import pytest

    english = ("usage", "options", "positional arguments", "optional arguments", "show this help",
               "arguments:", "DATA", "YEAR")
    for argv in ([], *([name] for name in _commands())):
        with pytest.raises(SystemExit) as done:
            main([*argv, "-h"])
        assert done.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith("Использование: python -m qualitylib")
        assert "показать эту справку и выйти" in text
        assert not [word for word in english if word in text], (argv, text)


def test_usage_errors_are_russian(capsys):
    import pytest

    for argv, expected in ((["identify"], "не указаны обязательные аргументы: --data, --year, --out"),
                           (["run", "--data", "d", "--year", "x"], "аргумент --year: ожидалось целое число, а не 'x'"),
                           (["run", "--data", "d", "--year", "1", "--executor", "z"],
                            "аргумент --executor: недопустимое значение 'z' (допустимы: 'local', 'dask')"),
                           (["validate", "d", "--лишний"], "неизвестные аргументы: --лишний")):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("Использование: ") and f"Ошибка в аргументах: {expected}\n" in err


def test_done_message_tells_kept_from_never_run():
    """A first run of one municipality into an empty folder keeps nothing from earlier runs."""
    from qualitylib.batch.cli import done_message

    rows = [{"municipality": "А", "status": "ok"}, {"municipality": "Б", "status": "ok"},
            {"municipality": "В", "status": "not_run"}, {"municipality": "Г", "status": "not_run"}]
    manifest = {"run": ["А"], "municipalities": rows, "failed": [], "reused": [], "seconds": 12.4}
    assert done_message(manifest) == ("Готово за 12 с: муниципалитетов — 1, с ошибками — 0; ещё 1 — в оглавлении "
                                      "с результатами прошлых прогонов; ещё 2 не запускались (в оглавлении — "
                                      "«не запускался»).")
    manifest = {"run": ["А", "Б", "В", "Г"], "municipalities": rows, "failed": ["Б"], "reused": ["В"], "seconds": 3}
    assert done_message(manifest) == ("Готово за 3 с: муниципалитетов — 4, с ошибками — 1, без пересчёта (входные "
                                      "данные не изменились) — 1.")
