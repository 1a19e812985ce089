"""An edit a pharmacist saves in the admin decides the very next request, with no restart.

Each test decides a request, copies the version in force as a draft, edits the draft through the
admin's HTTP forms as policy staff, and decides the same request again, naming the draft, in the same
process: the cached snapshot must notice the new revision by itself (no cache clearing in between).
The version in force is read-only and keeps deciding as before.
"""

import datetime as dt
import json

import pytest
from django.urls import reverse

from kineret_pa.policies import models as m
from tests.conftest import CIGNA, FEP_RA, build, unmet

from .forms import inline_prefix, login, post_form, rendered_data

FEP_1C = "Prior-Approval Requirements, Diagnoses 1.c"
FEP_1E = "Prior-Approval Requirements, Diagnoses 1.e"


def _change_url(obj) -> str:
    return reverse(f"admin:policies_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def staff_client(client, policy_staff):
    login(client, policy_staff)
    return client


DRAFT = "2027-01-01"


def _draft(code: str, user) -> m.PolicyVersion:
    from kineret_pa.policies.versions import version_copy_as_draft

    version = m.PolicyVersion.objects.in_force(dt.date(2026, 6, 15)).get(policy__code=code)
    return version_copy_as_draft(version=version, effective_date=dt.date.fromisoformat(DRAFT), user=user)


def _post_inline(client, parent, model, pick, **changes):
    """POST `parent`'s page with the inline row chosen by `pick(instance)` changed."""
    url = _change_url(parent)
    page = client.get(url)
    prefix, forms = inline_prefix(page, model)
    index = next(i for i, form in enumerate(forms) if pick(form.instance))
    data = rendered_data(page)
    data.update({f"{prefix}-{index}-{field}": str(value) for field, value in changes.items()})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def test_a_longer_dmard_trial_in_the_criterion_params_denies_a_four_month_trial(staff_client, determine, policy_staff):
    request = build(
        FEP_RA,
        prior_therapies=[
            {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"},  # the only conventional DMARD
            {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
            {"drug": "Enbrel", "months": 5, "outcome": "intolerance"},
        ],
    )
    assert determine(request)["decision"] == "approve"

    draft = _draft("fep-5.70.050", policy_staff)
    node = m.CriterionNode.objects.get(version=draft, clause=FEP_1C, kind="trials")
    response = post_form(staff_client, _change_url(node), params=json.dumps(dict(node.params, min_months=6)))
    assert response.status_code == 302

    result = determine(dict(request, version=DRAFT))
    assert result["decision"] == "deny"
    assert FEP_1C in unmet(result)
    assert determine(request)["decision"] == "approve"  # the version in force is unchanged


def test_a_criterion_of_the_version_in_force_cannot_be_changed_in_the_admin(staff_client, determine):
    node = m.CriterionNode.objects.get(version__policy__code="fep-5.70.050", clause=FEP_1C, kind="trials")
    page = staff_client.get(_change_url(node))
    assert page.status_code == 200
    assert b"never changes again" in page.content
    response = staff_client.post(_change_url(node), {"params": json.dumps(dict(node.params, min_months=6))})
    assert response.status_code == 403
    node.refresh_from_db()
    assert node.params["min_months"] == 3


def test_removing_enbrel_from_the_blue_focus_list_denies_a_request_that_only_tried_enbrel(
    staff_client, determine, policy_staff
):
    request = build(
        FEP_RA,
        plan="blue_focus",
        prior_therapies=[
            {"drug": "methotrexate", "months": 6, "outcome": "inadequate_response"},
            {"drug": "Enbrel", "months": 5, "outcome": "inadequate_response"},
        ],
    )
    assert determine(request)["decision"] == "approve"

    draft = _draft("fep-5.70.050", policy_staff)
    blue_focus = m.DrugList.objects.get(version=draft, code="fep-app3-ra-blue-focus")
    _post_inline(
        staff_client, blue_focus, m.DrugListEntry, lambda entry: entry.drug.generic_name == "etanercept", DELETE="on"
    )
    assert not blue_focus.entries.filter(drug__generic_name="etanercept").exists()

    result = determine(dict(request, version=DRAFT))
    assert result["decision"] == "deny"
    assert FEP_1E in unmet(result)


def test_a_new_retail_quantity_in_cigna_table_1_changes_the_partial_quantity(staff_client, determine, policy_staff):
    # 50 kg with CAPS (NOMID): Table 1 allows 112 retail syringes per 28 days; 140 are asked for.
    request = build(
        CIGNA, diagnosis="nomid", **{"patient.weight_kg": 50.0, "dose.mg_per_day": 400, "dose.quantity": 140}
    )
    before = determine(request)
    assert (before["decision"], before["approved_quantity"], before["per_days"]) == ("partial", 112, 28)

    draft = _draft("cigna-dqm008", policy_staff)
    table = m.WeightTable.objects.get(version=draft, code="cigna-table-1")
    _post_inline(staff_client, table, m.WeightRow, lambda row: row.weight_kg == 50, retail_quantity=126)

    after = determine(dict(request, version=DRAFT))
    assert (after["decision"], after["approved_quantity"], after["per_days"]) == ("partial", 126, 28)
