"""Specialties are data (issue 15, item 9): loaded with the catalog, added by policy staff, taken by the API,
and read by Florida Blue's "specialist in the area of the member's diagnosis" through the derived yes/no."""

import json

import pytest

from kineret_pa.accounts.models import ApiToken
from kineret_pa.policies import models as m
from tests.conftest import FB_RA, build

URL = "/api/v1/determinations"


@pytest.fixture
def token(prescriber):
    return ApiToken.issue(user=prescriber, name="practice system")[1]


def post(client, data, token):
    return client.post(URL, json.dumps(data), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _specialty_only(**prescriber) -> dict:
    data = build(FB_RA)
    data["prescriber"] = prescriber
    return data


def test_the_catalog_holds_the_specialties_with_the_diagnoses_they_are_specialists_in(policy_data):
    rheumatologist = m.Specialty.objects.get(code="rheumatology")
    geneticist = m.Specialty.objects.get(code="genetics")

    assert rheumatologist.name == "Rheumatologist"
    assert "ra" in set(rheumatologist.diagnoses.values_list("slug", flat=True))
    assert set(geneticist.diagnoses.values_list("slug", flat=True)) == {"caps", "dira"}


def test_florida_blue_ra_from_a_rheumatologist_stated_as_a_specialty_is_approved(client, token, policy_data):
    response = post(client, _specialty_only(specialty="rheumatology"), token)

    assert response.status_code == 200, response.json()
    assert response.json()["decision"] == "approve"


def test_florida_blue_ra_from_a_dermatologist_who_consulted_nobody_is_not_approved(client, token, policy_data):
    body = post(client, _specialty_only(specialty="dermatology"), token).json()

    assert body["decision"] != "approve"
    unmet = [r for r in body["reasons"] if not r["met"]]
    assert any("specialist" in r["text"] for r in unmet)


def test_florida_blue_ra_from_a_dermatologist_who_consulted_a_rheumatologist_is_approved(client, token, policy_data):
    response = post(client, _specialty_only(specialty="dermatology", consulted_specialty="rheumatology"), token)

    assert response.json()["decision"] == "approve"


def test_a_specialty_added_in_the_admin_is_taken_by_the_api(client, token, policy_data, policy_staff):
    staff = client.__class__()
    staff.force_login(policy_staff)
    ra = m.Diagnosis.objects.get(slug="ra")
    response = staff.post(
        "/admin/policies/specialty/add/",
        {"code": "nephrology", "name": "Nephrologist", "order": 20, "diagnoses": [ra.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    body = post(client, _specialty_only(specialty="nephrology"), token).json()

    # The new row counts as a specialist in RA because policy staff said so on the row.
    assert body["decision"] == "approve"


def test_an_unknown_specialty_is_a_400_naming_the_known_ones(client, token, policy_data):
    body = post(client, _specialty_only(specialty="podiatry"), token).json()

    message = body["errors"]["prescriber.specialty"][0]
    assert message.startswith("Must be one of: rheumatology, pediatric_rheumatology, genetics,")
    assert "podiatry" not in message
