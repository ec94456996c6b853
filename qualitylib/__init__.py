"""qualitylib: identification and monitoring of schools with low educational results (ШНОР).

The library behind the workbench's notebooks: the data contract and validated
loading of a region, the identification criteria, dynamics and monitoring indicators.
"""
from .exceptions import DataValidationError, Problem
from .data.region import Region, load_region, validate_region

__version__ = "0.1.0"

__all__ = ["DataValidationError", "Problem", "Region", "load_region", "validate_region", "__version__"]
