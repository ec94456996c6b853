"""qualitylib: identification and monitoring of schools with low educational results (ШНОР).

The library behind the workbench's notebooks: the data contract and validated
loading of a region, the identification criteria, dynamics and monitoring indicators.
"""
from .exceptions import DataValidationError, Problem

__version__ = "0.1.0"

#: Names taken from the data floor when first used, so that importing a part of the package that
#: needs no tables (the batch workers) does not import pandas.
_LAZY = {"Region": "qualitylib.data.region", "load_region": "qualitylib.data.region",
         "validate_region": "qualitylib.data.region"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'qualitylib' has no attribute {name!r}")

__all__ = ["DataValidationError", "Problem", "Region", "load_region", "validate_region", "__version__"]
