"""Rules floor: pure functions on tables — the ШНОР rule, risk zone, social index, pairing, statistics,
dynamics, programme indicators, road map, objectivity and small-group privacy.

Tables and parameters in; tables of codes and numbers out. No Russian prose, no files, no cache.
Uses only the data floor (its table contract).
"""
