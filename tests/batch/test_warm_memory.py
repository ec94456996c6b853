"""What the kernel template does to keep its kernels small (:mod:`qualitylib.batch.warm`)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from qualitylib.batch import warm
from qualitylib.batch.runner import available_notebooks


def run_python(code: str) -> dict:
    """Run ``code`` in a new interpreter; the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_preload_statements_read_without_nbformat(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("import not_code"),
        new_code_cell("import os\nfrom pathlib import Path\nx = 1"),
        new_code_cell("if interactive:\n    from json import dumps\nfrom . import relative"),
        new_code_cell("import os\nthis is not python"),
    ])
    nbformat.write(nb, tmp_path / "a.ipynb")
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    found = warm.preload_statements([str(tmp_path / "a.ipynb"), str(tmp_path / "broken.ipynb"),
                                     str(tmp_path / "missing.ipynb")])
    assert found == ["import os", "from pathlib import Path", "from json import dumps"]


def test_preload_statements_of_the_shipped_notebooks_are_those_nbformat_reads():
    import ast

    expected: list[str] = []
    for path in available_notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for node in ast.walk(ast.parse(cell.source)):
                    if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
                        if ast.unparse(node) not in expected:
                            expected.append(ast.unparse(node))
    assert expected and warm.preload_statements(available_notebooks()) == expected
    probe = run_python("""
        import json, sys
        from qualitylib.batch import warm
        from qualitylib.batch.runner import NOTEBOOKS_DIR
        warm.preload_statements(sorted(str(p) for p in NOTEBOOKS_DIR.glob("*.ipynb")))
        print(json.dumps({"nbformat": "nbformat" in sys.modules}))
    """)
    assert probe == {"nbformat": False}


@pytest.mark.skipif(not warm.available(), reason="fork is not used on this platform")
def test_the_template_allocates_arrow_memory_with_malloc():
    probe = run_python("""
        import json, os
        os.environ.pop("ARROW_DEFAULT_MEMORY_POOL", None)
        from qualitylib.batch import warm
        warm._preload([])
        import pyarrow
        print(json.dumps({"pool": pyarrow.default_memory_pool().backend_name,
                          "env": os.environ["ARROW_DEFAULT_MEMORY_POOL"]}))
    """)
    assert probe == {"pool": "system", "env": "system"}


def test_after_the_freeze_the_collector_still_runs_full_collections():
    # a template holding many long-lived objects, then a kernel's work: a "workbook" of reference
    # cycles, promoted while it is built and garbage once written, and other objects made meanwhile.
    # With gc.freeze alone the collector keeps the count of the frozen objects and runs no full
    # collection until a quarter of that count is new (the workbook stays); after _freeze it does.
    probe = run_python("""
        import gc, json
        from qualitylib.batch import warm

        def kernel_work():
            before = gc.get_stats()[2]["collections"]
            book = []
            for _ in range(10_000):
                book.append([book])
            del book
            held = [[] for _ in range(50_000)]
            return gc.get_stats()[2]["collections"] - before

        gc.set_threshold(100, 2, 2)  # the oldest generation's turn comes often: only its rule decides
        keep = [[] for _ in range(400_000)]
        gc.collect()
        gc.freeze()
        plain = kernel_work()
        gc.unfreeze()
        warm._freeze()
        frozen = gc.get_freeze_count()
        print(json.dumps({"frozen": frozen >= len(keep), "plain": plain, "after_freeze": kernel_work()}))
    """)
    assert probe["frozen"]
    assert probe["plain"] == 0
    assert probe["after_freeze"] > 0
