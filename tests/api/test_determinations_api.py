"""POST /api/v1/determinations as the contract says: auth, 200 shape, 400 shape, never 500."""

import json

import pytest

from kineret_pa.accounts.models import ApiToken
from kineret_pa.api.views import MSG_AUTH, MSG_CSRF, MSG_TOKEN
from tests.conftest import CIGNA, FEP_RA, build

URL = "/api/v1/determinations"
FEP_1C = "Prior-Approval Requirements, Diagnoses 1.c"
CONTRACT_KEYS = {"decision", "approved_quantity", "per_days", "one_time", "duration", "policy", "reasons", "missing"}


@pytest.fixture
def token(prescriber):
    return ApiToken.issue(user=prescriber, name="practice system")[1]


def post(client, data, token=None, **extra):
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(URL, body, content_type=extra.pop("content_type", "application/json"), **extra)


def test_token_holder_gets_the_determination_in_the_contract_shape(client, policy_data, token):
    response = post(client, FEP_RA, token)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    assert body["decision"] == "approve"
    assert (body["approved_quantity"], body["per_days"], body["duration"]) == (84, 84, {"months": 12})
    assert body["policy"] == {"code": "fep-5.70.050", "version": "2025-04-01", "title": "Kineret"}
    assert all(set(reason) == {"clause", "met", "text", "detail"} for reason in body["reasons"])


def test_without_credentials_is_401_in_the_error_shape(client, policy_data):
    response = post(client, FEP_RA)
    assert response.status_code == 401
    assert response.json() == {"errors": {"auth": [MSG_AUTH]}}


def test_revoked_token_is_refused(client, policy_data, prescriber):
    token, raw = ApiToken.issue(user=prescriber, name="old")
    token.revoked_at = token.created_at
    token.save()
    response = post(client, FEP_RA, raw)
    assert response.status_code == 401
    assert response.json() == {"errors": {"auth": [MSG_TOKEN]}}


def test_token_of_a_deactivated_user_is_refused(client, policy_data, prescriber, token):
    prescriber.is_active = False
    prescriber.save()
    response = post(client, FEP_RA, token)
    assert response.status_code == 401
    assert response.json() == {"errors": {"auth": [MSG_TOKEN]}}


def test_a_policy_edit_decides_the_next_api_call(client, policy_data, token):
    # The token check reads the policy-data revision in the same query: an edit saved
    # between two calls must still reach the second one.
    from kineret_pa.policies import models as m

    request = build(
        FEP_RA,
        prior_therapies=[
            {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"},
            {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
            {"drug": "Enbrel", "months": 5, "outcome": "intolerance"},
        ],
    )
    assert post(client, request, token).json()["decision"] == "approve"
    node = m.CriterionNode.objects.get(version__policy__code="fep-5.70.050", clause=FEP_1C, kind="trials")
    node.params = dict(node.params, min_months=6)
    node.save()
    result = post(client, request, token).json()
    assert result["decision"] == "deny"
    assert FEP_1C in [r["clause"] for r in result["reasons"] if not r["met"]]


def test_tokens_are_stored_hashed(policy_data, prescriber):
    token, raw = ApiToken.issue(user=prescriber, name="x")
    assert raw not in token.key_hash and len(token.key_hash) == 64


def test_signed_in_browser_needs_the_csrf_token(policy_data, prescriber):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(prescriber)
    response = post(client, FEP_RA)
    assert response.status_code == 403
    assert response.json() == {"errors": {"auth": [MSG_CSRF]}}


def test_signed_in_browser_with_csrf_token_is_answered(client, policy_data, prescriber):
    client.force_login(prescriber)  # the test client does not enforce CSRF: a signed-in session
    assert post(client, CIGNA).status_code == 200


@pytest.mark.parametrize(
    "data, field",
    [
        (build(FEP_RA, **{"patient.weight_kg": 0}), "patient.weight_kg"),
        (build(FEP_RA, policy="aetna-123"), "policy"),
        (build(FEP_RA, diagnosis="lupus"), "diagnosis"),
        (
            build(FEP_RA, prior_therapies=[{"drug": "unobtainium", "months": 3, "outcome": "intolerance"}]),
            "prior_therapies[0].drug",
        ),
        (build(FEP_RA, date_of_service="2020-01-01"), "date_of_service"),
        (build(FEP_RA, **{"dose.days_supply": -5}), "dose.days_supply"),
    ],
)
def test_invalid_input_is_400_naming_the_field(client, policy_data, token, data, field):
    response = post(client, data, token)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and all(isinstance(m, str) for m in errors[field])


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("[]", "application/json"),
        ("NaN", "application/json"),
        (b"\xff\xfe", "application/json"),
        ("policy=fep", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_are_400_not_500(client, policy_data, token, body, content_type):
    response = post(client, body, token, content_type=content_type)
    assert response.status_code == 400
    assert set(response.json()) == {"errors"}


def test_get_is_405_in_the_error_shape(client, policy_data, token):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405
    assert "errors" in response.json()


def test_weight_missing_for_a_weight_based_rule_is_an_input_error(client, policy_data, token):
    data = build(CIGNA, diagnosis="nomid", **{"patient.weight_kg": None, "dose.quantity": 90})
    response = post(client, data, token)
    assert response.status_code == 400
    assert "patient.weight_kg" in response.json()["errors"]


def test_token_use_is_recorded_to_the_minute_without_a_write_per_call(
    client, policy_data, prescriber, django_assert_num_queries
):
    token, raw = ApiToken.issue(user=prescriber, name="practice system")
    post(client, CIGNA, raw)
    token.refresh_from_db()
    assert token.last_used_at is not None
    with django_assert_num_queries(1):  # the token and the policy-data revision in one query; no write
        assert post(client, CIGNA, raw).status_code == 200
