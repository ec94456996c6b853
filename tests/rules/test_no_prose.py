"""The rules return codes and numbers: no Cyrillic string literal outside docstrings."""
import ast
import re
from pathlib import Path

import pytest

import qualitylib.rules

RULES = Path(qualitylib.rules.__file__).parent
CYRILLIC = re.compile("[\u0400-\u04ff]")


def docstring_nodes(tree: ast.AST) -> set[int]:
    """ids of the constant nodes that are docstrings (module, class, function)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                out.add(id(body[0].value))
    return out


def cyrillic_literals(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    docs = docstring_nodes(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            and CYRILLIC.search(node.value)]


def test_the_check_finds_a_literal_and_skips_docstrings_and_comments():
    source = '"""Модуль."""\n\ndef f():\n    """Функция."""\n    # комментарий\n    return f"доля {1}"\n'
    assert cyrillic_literals(source) == [(6, "доля ")]


@pytest.mark.parametrize("module", ["dynamics.py", "stats.py"])
def test_no_cyrillic_string_literal_outside_docstrings(module):
    assert cyrillic_literals((RULES / module).read_text(encoding="utf-8")) == []
