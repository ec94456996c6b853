"""Fingerprints computed for all municipalities at once equal those computed one by one."""
from pathlib import Path

import pytest

from qualitylib import load_region
from qualitylib.batch import runner
from qualitylib.batch.fingerprint import fingerprint, shared_digests
from qualitylib.data.municipality import municipality_params
from qualitylib.exceptions import UnknownMunicipalityError


SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def digests(region, names, year=2026):
    out = {}
    for name in names:
        params = municipality_params(name, None, schools=region.schools)
        out[name] = fingerprint(region, name, year, params, None, None, runner.available_notebooks(),
                                runner.NOTEBOOKS_DIR, False)
    return out


def test_shared_digests_equal_one_by_one():
    region = load_region(SAMPLE)
    names = region.municipalities
    alone = digests(region, names)
    with shared_digests():
        shared = digests(region, names)
    assert shared == alone
    assert len({d["data"] for d in alone.values()}) == len(names)  # each municipality's own rows differ


def test_shared_digests_follow_a_changed_school():
    region = load_region(SAMPLE)
    name = region.municipalities[0]
    before = digests(region, [name])[name]
    school = region.schools.loc[region.schools["municipality"] == name, "school_id"].iloc[0]
    rows = region.results.index[region.results["school_id"] == school]
    region.results.loc[rows[0], "low_count"] += 1
    with shared_digests():
        after = digests(region, [name])[name]
    assert after["data"] != before["data"] and after["params"] == before["params"]


def test_shared_digests_refuse_an_unknown_municipality():
    region = load_region(SAMPLE)
    with shared_digests(), pytest.raises(UnknownMunicipalityError):
        fingerprint(region, "Нет такого", 2026, municipality_params(None, None), None, None, [], runner.NOTEBOOKS_DIR,
                    False)
