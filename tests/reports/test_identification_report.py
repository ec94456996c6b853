"""The identification report object: sentences, public mode."""
import re
from pathlib import Path

import numpy as np
import pytest

from qualitylib import load_region
from qualitylib.data.params import load_params
from qualitylib.reports.identification import build_identification
from qualitylib.views.identification import present, summary_sentences
from qualitylib.views.labels import plural

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def region():
    return load_region(ROOT / "data" / "sample")


@pytest.mark.parametrize("n, text", [(1, "1 школа"), (2, "2 школы"), (5, "5 школ"), (11, "11 школ"),
                                     (21, "21 школа"), (112, "112 школ"), (0, "0 школ")])
def test_plural(n, text):
    assert plural(n, "школа", "школы", "школ") == text


def test_sentences_are_built_from_the_numbers(region):
    params = load_params()
    ident = build_identification(region, "Полысаево", 2026, params)
    text = " ".join(summary_sentences(ident))
    count = int(ident.shnor["shnor"].sum())
    assert f"отобрано {plural(count, 'школа', 'школы', 'школ')} с низкими" in text
    assert f"в 2025 году — {int(ident.shnor_prev['shnor'].sum())}" in text
    assert ident.headline["shnor"] == count


def test_public_mode_hides_small_groups_everywhere(region):
    params = load_params()
    internal = build_identification(region, "Чаа-Хольский кожуун", 2026, params)
    public = build_identification(region, "Чаа-Хольский кожуун", 2026, params, public=True)
    assert internal.small.values.any()  # the sample has small rural groups
    # every small cell is hidden, and no row or column has exactly one hidden cell
    assert (public.hidden | ~internal.small).values.all()
    assert all(c != 1 for c in public.hidden.sum(axis=1)) and all(c != 1 for c in public.hidden.sum(axis=0))
    assert np.isnan(public.matrix.values[public.hidden.values]).all()
    # privacy is marked once, in the report: the detail behind the reasons flags every small group
    small = public.detail["participants"] < params["privacy"]["min_group"]
    uniform = public.detail["low_count"] == public.detail["participants"]  # the detail lists low results only
    assert public.detail["hidden"].equals(small | uniform)
    assert not internal.detail["hidden"].any()
    # and the reasons in words show no «k из n» with n below the minimum group
    for reasons in present(public).shnor_list["reasons"]:
        for n in re.findall(r"\(\d+ из (\d+)\)", reasons):
            assert int(n) >= params["privacy"]["min_group"]
    # the list itself does not change
    assert public.shnor_list["school_id"].tolist() == internal.shnor_list["school_id"].tolist()


def test_public_mode_hides_uniform_groups(region):
    """Attribute disclosure: a published 0 % or 100 % tells every pupil's result, whatever the group's size."""
    params = load_params()
    internal = build_identification(region, "Красноярск", 2026, params)
    public = build_identification(region, "Красноярск", 2026, params, public=True)
    shown = public.matrix.to_numpy(dtype=float)
    assert not ((shown == 0) | (shown == 100)).any()  # no uniform share is published
    full = internal.matrix.to_numpy(dtype=float)
    assert ((full == 0) | (full == 100)).any()  # and the sample has some to hide
    assert all(c != 1 for c in public.hidden.sum(axis=1)) and all(c != 1 for c in public.hidden.sum(axis=0))
    social = public.social.dropna(subset=["share"])
    assert not social["share"].isin([0.0, 100.0]).any()


def test_sample_official_list_is_reconciled_and_norilsk_addresses_it():
    from pathlib import Path

    from qualitylib.data.params import find_municipality_params, load_params
    from qualitylib.data.region import load_region
    from qualitylib.reports.identification import build_identification
    from qualitylib.reports.monitoring import build_monitoring

    region = load_region(Path(__file__).resolve().parents[2] / "data" / "sample")
    assert set(region.official["year"]) == {2025, 2026} and set(region.official["source"]) == {"ФИОКО"}
    params = load_params(find_municipality_params("Норильск"))
    ident = build_identification(region, "Норильск", 2026, params, objectivity=False)
    rec = ident.reconciliation
    official = set(region.official.loc[region.official["year"] == 2026, "school_id"]) & set(
        region.subset("Норильск").schools["school_id"])
    computed = set(ident.shnor.loc[ident.shnor["shnor"] == 1, "school_id"])
    assert set(rec.loc[rec["listed"] == "both", "school_id"]) == official & computed
    assert set(rec.loc[rec["listed"] == "official_only", "school_id"]) == official - computed
    assert set(rec.loc[rec["listed"] == "computed_only", "school_id"]) == computed - official
    # Norilsk 2.1: the addressed work is with the official list
    m = build_monitoring(region, "Норильск", 2026, params)
    shnor_rows = m.recommendations[m.recommendations["kind"] == "shnor"]
    assert set(shnor_rows["school_id"]) == official and set(shnor_rows["list"]) == {"official"}
    assert build_identification(region, "Норильск", 2024, params, objectivity=False).reconciliation is None
