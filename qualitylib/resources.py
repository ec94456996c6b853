"""Where the defaults shipped with the package are: parameters, notebooks, report templates.

The defaults are package data. In a checkout they are the top-level ``params/`` and
``notebooks/`` folders, mapped by ``pyproject.toml`` onto the packages
``qualitylib.defaults.params`` and ``qualitylib.defaults.notebooks``; in an installed wheel
they are copies inside the package. Both are found through :mod:`importlib.resources`, so
nothing depends on where the package folder sits.
"""
from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

PARAMS_PACKAGE = "qualitylib.defaults.params"
NOTEBOOKS_PACKAGE = "qualitylib.defaults.notebooks"


def _folder(package: str) -> Path:
    # The package is installed as files (a wheel unpacked, or the checkout), never zipped.
    return Path(str(files(package)))


@functools.cache
def params_dir() -> Path:
    """The folder of the default parameters (methodology, indicators, programmes, ...)."""
    return _folder(PARAMS_PACKAGE)


@functools.cache
def notebooks_dir() -> Path:
    """The folder of the workbench notebooks."""
    return _folder(NOTEBOOKS_PACKAGE)


@functools.cache
def package_dir() -> Path:
    """The folder of the :mod:`qualitylib` package itself (its source files)."""
    return Path(str(files("qualitylib")))
