"""The rules and the report builders return codes and numbers: no Cyrillic string literal outside docstrings.

Russian words belong to the views floor (and to the data floor, which reads Russian input and
names its problems in Russian); the architecture contract checks the imports, this the literals.
"""
import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "qualitylib"
CYRILLIC = re.compile("[\u0400-\u04FF]")
MODULES = sorted(str(p.relative_to(PACKAGE)) for floor in ("rules", "reports") for p in (PACKAGE / floor).glob("*.py"))


def cyrillic_literals(source: str) -> list[tuple[int, str]]:
    """String constants with a Cyrillic letter, docstrings (module, class, function) excepted."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docstrings.add(id(body[0].value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and CYRILLIC.search(node.value)]


def test_the_check_finds_a_literal_and_skips_docstrings_and_comments():
    source = '"""Модуль."""\n\ndef f():\n    """Функция."""\n    # комментарий\n    return f"доля {1}"\n'
    assert cyrillic_literals(source) == [(6, "доля ")]


def test_every_rules_and_reports_module_is_checked():
    assert "rules/identification.py" in MODULES and "reports/identification.py" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_no_cyrillic_literals(module):
    assert cyrillic_literals((PACKAGE / module).read_text(encoding="utf-8")) == []
