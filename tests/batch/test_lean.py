"""qualitylib.batch.lean: the batch processes skip an optional import they never use."""
from __future__ import annotations

import os
import subprocess
import sys


def test_notebooks_are_still_validated_without_the_skipped_package(tmp_path):
    code = (
        "from qualitylib.batch.lean import skip_unused_imports\n"
        "skip_unused_imports()\n"
        "import sys, nbformat\n"
        "from nbformat.v4 import new_code_cell, new_notebook\n"
        "nb = new_notebook(cells=[new_code_cell('1')])\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['cell_type'] = 'nonsense'\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid refused')\n"
        "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert out.stdout.split("\n")[:2] == ["invalid refused", "True"]


def test_a_worker_imports_papermill_and_nbconvert_but_no_tables_or_charts(tmp_path):
    code = (
        "import os, sys\n"
        "from qualitylib.batch.runner import warm_up\n"
        "warm_up(os.getppid(), None)\n"
        "import papermill, nbconvert\n"
        "print([m for m in ('pandas', 'pyarrow', 'matplotlib', 'rfc3987_syntax') if sys.modules.get(m)])\n"
    )
    env = {**os.environ, "QUALITYLIB_WARM_KERNELS": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True, env=env)
    assert out.stdout.strip() == "[]"
