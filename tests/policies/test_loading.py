"""Loading the fixtures is idempotent, and drug names resolve the way requests spell them."""

from __future__ import annotations

import pytest
from django.apps import apps

from kineret_pa.policies import models as m
from kineret_pa.policies.loading import policies_load
from kineret_pa.policies.snapshots import policy_data_get


def row_counts(*, history: bool = True) -> dict[str, int]:
    """Rows of every model of the policies app, many-to-many tables included (and history tables unless told not)."""
    config = apps.get_app_config("policies")
    return {
        model._meta.db_table: model.objects.count()
        for model in config.get_models(include_auto_created=True)
        if history or "historical" not in model._meta.db_table
    }


def test_loading_the_policies_twice_changes_no_row_count(policy_data):
    before = row_counts()
    policies_load()
    once = row_counts()
    policies_load()
    assert once == before  # history tables included: a load that changes nothing records nothing
    assert row_counts() == once
    seeded = row_counts(history=False)
    # FEP Appendix 3 names no preferred adalimumab biosimilar: that table is empty in the seed data by design.
    seeded.pop("policies_druglistentry_preferred_biosimilars")
    assert all(seeded[table] for table in seeded), "every policies table holds seed rows"


def test_reloading_with_replace_rebuilds_the_same_rows(policy_data):
    # A replace is a change, so it is on the record in the history tables; the data rows match.
    before = row_counts(history=False)
    policies_load(replace=True)
    once = row_counts(history=False)
    policies_load(replace=True)
    assert once == before
    assert row_counts(history=False) == once


@pytest.mark.parametrize(
    "name, generic",
    [
        ("Humira", "adalimumab"),
        ("HUMIRA", "adalimumab"),
        ("humira", "adalimumab"),
        ("adalimumab", "adalimumab"),
        ("ADALIMUMAB", "adalimumab"),
        ("adalimumab-bwwd", "adalimumab-bwwd"),
        ("Adalimumab-BWWD", "adalimumab-bwwd"),
        ("Hadlima", "adalimumab-bwwd"),
        ("hadlima", "adalimumab-bwwd"),
        ("Adalimumab-aaty", "adalimumab-aaty"),
        ("Simlandi", "adalimumab-ryvk"),
        ("hcq", "hydroxychloroquine"),
        ("HCQ", "hydroxychloroquine"),
        ("mtx", "methotrexate"),
        ("MTX", "methotrexate"),
        ("Xeljanz XR", "tofacitinib"),
        ("xeljanz  xr", "tofacitinib"),
        ("  Xeljanz XR ", "tofacitinib"),
        ("Xeljanz", "tofacitinib"),
        ("Rinvoq LQ", "upadacitinib"),
        ("Enbrel", "etanercept"),
        ("Actemra", "tocilizumab"),
        ("Kineret", "anakinra"),
        ("oral gold", "auranofin"),
        ("folic acid", "folic acid"),
    ],
)
def test_drug_names_resolve_case_insensitively(policy_data, name, generic):
    catalog = policy_data_get().catalog
    drug_id = catalog.drug_id(name)
    assert drug_id is not None, name
    assert catalog.drugs[drug_id].generic_name == generic


@pytest.mark.parametrize("name", ["adalimumab-xxxx", "Humira Pen 40", "aspirin", ""])
def test_unknown_drug_names_do_not_resolve(policy_data, name):
    assert policy_data_get().catalog.drug_id(name) is None


@pytest.mark.parametrize(
    "biosimilar, reference",
    [
        ("Hadlima", "adalimumab"),
        ("adalimumab-bwwd", "adalimumab"),
        ("Yuflyma", "adalimumab"),
        ("Hyrimoz", "adalimumab"),
        ("Simlandi", "adalimumab"),
        ("Amjevita", "adalimumab"),
        ("Erelzi", "etanercept"),
        ("Inflectra", "infliximab"),
        ("Truxima", "rituximab"),
        ("Tyenne", "tocilizumab"),
    ],
)
def test_a_biosimilar_points_at_its_reference_product(policy_data, biosimilar, reference):
    catalog = policy_data_get().catalog
    drug = catalog.drugs[catalog.drug_id(biosimilar)]
    assert catalog.drugs[drug.biosimilar_of].generic_name == reference
    assert m.Drug.objects.get(pk=drug.id).biosimilar_of.generic_name == reference


@pytest.mark.parametrize("reference", ["Humira", "Enbrel", "Remicade", "Actemra", "Rituxan", "Kineret"])
def test_a_reference_product_is_no_biosimilar(policy_data, reference):
    catalog = policy_data_get().catalog
    drug = catalog.drugs[catalog.drug_id(reference)]
    assert drug.biosimilar_of is None
    assert drug.molecule == drug.id
