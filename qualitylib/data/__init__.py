"""Data floor: the data contract, reading and validating a region's tables, parameters, the cache of validated data, the ФИС ОКО importer and the synthetic sample.

Uses nothing above it.
"""
