"""Keep the batch processes from importing what they never use.

nbformat validates notebooks with jsonschema, and jsonschema, when the optional package
``rfc3987_syntax`` is installed (JupyterLab's event system installs it), imports it to check
the ``iri`` string format: it builds a parser grammar at import, 2-4 s and 16 MiB in every process
that reads or writes a notebook (the command line, each worker and each kernel template). No notebook
schema uses that format. :func:`skip_unused_imports` marks the package as unavailable in the
batch's own processes only (never in JupyterLab's), so jsonschema skips that one format checker.
"""
from __future__ import annotations

import sys

#: Optional packages the batch processes never need, though something they import would load them.
UNUSED = ("rfc3987_syntax",)
#: What a process that reads no tables never needs: papermill imports pyarrow only to offer HDFS
#: paths (40 MiB in each worker, which runs papermill and nbconvert and leaves the tables to kernels).
UNUSED_WITHOUT_TABLES = ("pyarrow",)


def skip_unused_imports(tables: bool = True) -> None:
    """Make :data:`UNUSED` unavailable to this process (a later ``import`` raises ImportError).

    With ``tables`` false -- a batch worker, whose kernels read the tables -- also
    :data:`UNUSED_WITHOUT_TABLES`. Does nothing for a package this process has already imported.
    """
    for name in UNUSED + (() if tables else UNUSED_WITHOUT_TABLES):
        sys.modules.setdefault(name, None)
