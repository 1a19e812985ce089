"""The admin rejects inconsistent policy data with messages a pharmacist understands, and saves nothing."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from kineret_pa.policies import models as m

from .forms import inline_prefix, login, post_form, rendered_data

FEP = "fep-5.70.050"


def _draft(code: str, user) -> m.PolicyVersion:
    """Only a draft is edited: each test edits a copy of the version in force."""
    from kineret_pa.policies.versions import version_copy_as_draft

    version = m.PolicyVersion.objects.in_force(dt.date(2026, 6, 15)).get(policy__code=code)
    return version_copy_as_draft(version=version, effective_date=dt.date(2027, 1, 1), user=user)


@pytest.fixture
def cigna_draft(policy_staff, policy_data):
    return _draft("cigna-dqm008", policy_staff)


def _change_url(obj) -> str:
    return reverse(f"admin:policies_{obj._meta.model_name}_change", args=[obj.pk])


def _errors(response) -> str:
    """Every error message on a re-rendered admin page, as one string."""
    texts = [str(response.context["adminform"].form.errors)]
    texts += [str(inline.formset.non_form_errors()) for inline in response.context["inline_admin_formsets"]]
    return " ".join(texts)


def test_a_version_added_in_the_admin_is_a_draft_even_when_the_post_says_active(client, policy_staff, policy_data):
    login(client, policy_staff)
    policy = m.Policy.objects.get(code=FEP)
    response = post_form(
        client,
        reverse("admin:policies_policyversion_add"),
        policy=policy.pk,
        effective_date="2026-01-01",
        status="active",
        source_title="FEP 5.70.050, January 2026",
    )
    assert response.status_code == 302
    added = m.PolicyVersion.objects.get(policy=policy, effective_date=dt.date(2026, 1, 1))
    assert added.status == "draft"  # only publishing makes a version active


def test_an_overlapping_active_version_is_refused_by_the_model(policy_data):
    from django.core.exceptions import ValidationError

    policy = m.Policy.objects.get(code=FEP)
    version = m.PolicyVersion(
        policy=policy, effective_date=dt.date(2026, 1, 1), status="active", source_title="FEP, January 2026"
    )
    with pytest.raises(ValidationError) as error:
        version.full_clean()
    assert "overlap the active version effective 2025-04-01 (until open-ended)" in str(error.value)


def test_a_draft_version_with_the_same_dates_is_accepted(client, policy_staff, policy_data):
    login(client, policy_staff)
    policy = m.Policy.objects.get(code=FEP)
    response = post_form(
        client,
        reverse("admin:policies_policyversion_add"),
        policy=policy.pk,
        effective_date="2026-01-01",
        status="draft",
        source_title="FEP 5.70.050, January 2026 draft",
    )
    assert response.status_code == 302
    assert m.PolicyVersion.objects.filter(policy=policy, status="draft").count() == 1


def _table_post(client, table, row_weight, **row_changes):
    """POST the weight table page with the row of `row_weight` changed."""
    url = _change_url(table)
    page = client.get(url)
    prefix, forms = inline_prefix(page, m.WeightRow)
    index = next(i for i, form in enumerate(forms) if form.instance.weight_kg == row_weight)
    data = rendered_data(page)
    data.update({f"{prefix}-{index}-{field}": str(value) for field, value in row_changes.items()})
    return client.post(url, data)


def _rows(table) -> list[tuple]:
    return list(table.rows.values_list("weight_kg", "max_mg_per_day", "syringes_per_day", "retail_quantity"))


def test_a_weight_row_lighter_than_the_row_above_is_refused(client, policy_staff, cigna_draft):
    login(client, policy_staff)
    table = m.WeightTable.objects.get(version=cigna_draft, code="cigna-table-1")
    before = _rows(table)
    # 20 kg -> 12 kg: it would sit above the 15 kg row while allowing more than it.
    response = _table_post(client, table, 20, weight_kg=12)
    assert response.status_code == 200
    assert "must weigh more than the row above it, and its maximum dose and syringe quantities" in _errors(response)
    assert _rows(table) == before


def test_a_weight_row_with_fewer_syringes_than_a_lighter_row_is_refused(client, policy_staff, cigna_draft):
    login(client, policy_staff)
    table = m.WeightTable.objects.get(version=cigna_draft, code="cigna-table-1")
    before = _rows(table)
    response = _table_post(client, table, 35, syringes_per_day=2)  # the 30 kg row needs 3
    assert response.status_code == 200
    assert "Row 5 (35.00 kg) must weigh more than the row above it" in _errors(response)
    assert _rows(table) == before


def test_a_single_weight_row_edited_on_its_own_page_must_fit_its_neighbours(client, policy_staff, cigna_draft):
    login(client, policy_staff)
    row = m.WeightRow.objects.get(table__version=cigna_draft, table__code="cigna-table-1", weight_kg=35)
    response = post_form(client, _change_url(row), retail_quantity=56)  # the 30 kg row allows 84
    assert response.status_code == 200
    assert "must weigh more than the row above it" in _errors(response)
    row.refresh_from_db()
    assert row.retail_quantity == 84


def test_a_criterion_naming_an_unknown_drug_list_shows_the_message_on_params(client, policy_staff, policy_data):
    login(client, policy_staff)
    node = m.CriterionNode.objects.get(
        version=_draft(FEP, policy_staff), clause="Prior-Approval Requirements, Diagnoses 1.c", kind="trials"
    )
    params = dict(node.params, lists=["fep-app2-conventional", "no-such-list"])
    response = post_form(client, _change_url(node), params=json.dumps(params))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["params"] == ["Unknown drug list codes in “lists”: no-such-list."]
    node.refresh_from_db()
    assert node.params["lists"] == ["fep-app2-conventional"]


def test_the_same_new_name_twice_on_a_drug_page_is_refused_in_words(client, policy_staff, policy_data):
    login(client, policy_staff)
    drug = m.Drug.objects.get(generic_name="anakinra")
    url = _change_url(drug)
    page = client.get(url)
    prefix, forms = inline_prefix(page, m.DrugName)
    data = rendered_data(page)
    n = len(forms)
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 2)
    for i in (n, n + 1):
        data.update({f"{prefix}-{i}-name": "Kineret  SC", f"{prefix}-{i}-kind": "alias", f"{prefix}-{i}-drug": drug.pk})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Each name may be entered once: kineret sc." in _errors(response)
    assert not m.DrugName.objects.filter(normalized="kineret sc").exists()
