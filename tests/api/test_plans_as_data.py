"""A payer's plan options are rows (issue 15, item 8): a plan added by policy staff is a value the API takes,
another payer's plan is refused for a policy with plans of its own, and the words come from the row."""

import json

import pytest

from kineret_pa.accounts.models import ApiToken
from kineret_pa.policies import models as m
from tests.conftest import CIGNA, FEP_RA, build

URL = "/api/v1/determinations"
FEP_PLANS = "Must be one of: standard, basic, blue_focus."


@pytest.fixture
def token(prescriber):
    return ApiToken.issue(user=prescriber, name="practice system")[1]


def post(client, data, token):
    return client.post(URL, json.dumps(data), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def commercial(policy_data):
    """A fourth payer's "commercial" plan, offered by a policy (Cigna's, whose criteria do not read plans)."""
    payer = m.Payer.objects.create(slug="acme-health", name="Acme Health")
    plan = m.Plan.objects.create(payer=payer, code="commercial", name="Acme Commercial")
    m.Policy.objects.get(code="cigna-dqm008").plans.add(plan)
    return plan


def test_a_plan_added_as_data_is_taken_by_the_api(client, token, commercial):
    response = post(client, build(CIGNA, plan="commercial"), token)

    assert response.status_code == 200, response.json()
    assert response.json()["decision"] == "approve"


def test_another_payers_plan_is_refused_for_fep_naming_feps_plans(client, token, commercial):
    response = post(client, build(FEP_RA, plan="commercial"), token)

    assert response.status_code == 400
    assert response.json() == {"errors": {"plan": [FEP_PLANS]}}


def test_a_plan_no_payer_offers_is_refused_naming_every_plan(client, token, commercial):
    response = post(client, build(FEP_RA, plan="premium"), token)

    assert response.status_code == 400
    assert response.json() == {"errors": {"plan": ["Must be one of: standard, basic, blue_focus, commercial."]}}


def test_a_policy_offering_plans_refuses_a_blank_plan_only_where_its_criteria_read_it(client, token, commercial):
    # Cigna's criteria never read the plan: a request without one is decided as before.
    response = post(client, build(CIGNA, plan=None), token)

    assert response.status_code == 200


def test_the_openapi_document_lists_the_new_plan(client, commercial):
    response = client.get("/api/v1/openapi.json")

    plan = response.json()["components"]["schemas"]["Request"]["properties"]["plan"]
    assert plan["enum"] == ["standard", "basic", "blue_focus", "commercial", None]


def test_the_seed_plans_are_as_before(client, token, policy_data):
    for plan in ("standard", "basic", "blue_focus"):
        assert post(client, build(FEP_RA, plan=plan), token).status_code == 200
    assert post(client, build(FEP_RA, plan="gold"), token).json() == {"errors": {"plan": [FEP_PLANS]}}
