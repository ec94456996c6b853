"""The rules (and the monitoring report) return codes and numbers: no Russian string literal outside docstrings."""
import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "qualitylib"
CYRILLIC = re.compile("[\u0400-\u04FF]")


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


def test_the_check_finds_a_literal_and_skips_docstrings():
    source = 'def f():\n    """Докстрока."""\n    return "текст"\n'
    assert cyrillic_literals(source) == [(3, "текст")]


@pytest.mark.parametrize("module", ["rules/indicators.py", "rules/roadmap.py", "reports/monitoring.py"])
def test_no_cyrillic_literals(module):
    assert cyrillic_literals((PACKAGE / module).read_text(encoding="utf-8")) == []
