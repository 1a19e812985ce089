"""CDS Hooks (Da Vinci CRD 2.0.1): discovery and order-sign for Kineret orders under the seed policies."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kineret_pa.accounts.models import ApiToken
from kineret_pa.api.views import MSG_AUTH, MSG_TOKEN
from kineret_pa.fhir.conformance import COVERAGE_INFORMATION_URL, conformance_check, package_load
from kineret_pa.fhir.crd import MSG_HOOK, MSG_NOT_BUNDLE, MSG_NOT_OBJECT, MSG_REQUIRED
from kineret_pa.pa_requests.models import PARequest
from kineret_pa.policies.models import PolicyVersion

URL = "/cds-services/kineret-pa-order-sign"
MEMBER = "W123456789"
FORM_URL = "http://testserver/requests/"


@pytest.fixture
def token(prescriber):
    return ApiToken.issue(user=prescriber, name="EHR")[1]


def anakinra_order(order_id="order-1", **concept):
    return {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": concept
        or {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "72435"}]},
        "subject": {"reference": "Patient/pat-1"},
        "authoredOn": "2026-06-15",
        "requester": {"reference": "Practitioner/dr-1"},
    }


def coverage(payor_display=None, payor_identifier=None, plan=None):
    payor = {}
    if payor_display:
        payor["display"] = payor_display
    if payor_identifier:
        payor["identifier"] = {"value": payor_identifier}
    resource = {
        "resourceType": "Coverage",
        "id": "cov-1",
        "status": "active",
        "identifier": [
            {
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB"}]},
                "value": MEMBER,
            }
        ],
        "beneficiary": {"reference": "Patient/pat-1"},
        "payor": [payor],
    }
    if plan:
        resource["class"] = [
            {
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}]
                },
                "value": plan,
            }
        ]
    return resource


def hook(orders, cov):
    return {
        "hook": "order-sign",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {
            "userId": "Practitioner/dr-1",
            "patientId": "pat-1",
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": o} for o in orders]},
        },
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": "pat-1"},
            "coverage": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": cov}]} if cov else None,
        },
    }


def post(client, data, token=None, content_type="application/json"):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(URL, body, content_type=content_type, **extra)


def extension_values(answer, index=0):
    """{sub-extension url: value} of the coverage-information extension the system action puts on the order."""
    resource = answer["systemActions"][index]["resource"]
    (extension,) = [e for e in resource["extension"] if e["url"] == COVERAGE_INFORMATION_URL]
    return {part["url"]: next(v for k, v in part.items() if k.startswith("value")) for part in extension["extension"]}


def test_discovery_lists_the_order_sign_service_with_its_prefetch(client, policy_data):
    response = client.get("/cds-services")
    assert response.status_code == 200
    (service,) = response.json()["services"]
    assert service["hook"] == "order-sign"
    assert service["id"] == "kineret-pa-order-sign"
    assert service["title"] and service["description"]
    assert service["prefetch"]["coverage"] == "Coverage?patient={{context.patientId}}&status=active"
    assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_cigna_order_is_conditional_on_the_quantity_limit(client, policy_data, token):
    response = post(client, hook([anakinra_order()], coverage(payor_display="Cigna")), token)
    assert response.status_code == 200
    answer = response.json()
    (card,) = answer["cards"]
    assert card["summary"] == "Kineret needs prior authorization above the quantity limit of Cigna DQM008"
    assert card["indicator"] == "warning"
    assert card["source"]["label"] == "Kineret PA"
    assert card["source"]["url"] == "http://testserver/"
    assert card["links"] == [
        {"label": "Start a prior-authorization request (guided form)", "url": FORM_URL, "type": "absolute"}
    ]
    values = extension_values(answer)
    assert values["coverage"] == {"reference": "Coverage/cov-1"}
    assert values["covered"] == "conditional"
    assert values["pa-needed"] == "conditional"
    assert values["doc-needed"] == "conditional"
    assert values["date"] == timezone.localdate().isoformat()
    assert values["coverage-assertion-id"]
    assert "satisfied-pa-id" not in values and "info-needed" not in values


def test_fep_order_with_a_plan_needs_prior_authorization_and_clinical_documents(client, policy_data, token):
    cov = coverage(payor_display="Blue Cross and Blue Shield Federal Employee Program (FEP)", plan="standard")
    answer = post(client, hook([anakinra_order()], cov), token).json()
    (card,) = answer["cards"]
    assert card["summary"] == (
        "Kineret needs prior authorization under Blue Cross and Blue Shield Federal Employee Program (FEP) 5.70.050"
    )
    assert "Plan: FEP Standard Option." in card["detail"]
    values = extension_values(answer)
    assert (values["covered"], values["pa-needed"], values["doc-needed"]) == ("conditional", "auth-needed", "clinical")
    assert "info-needed" not in values


def test_fep_order_without_a_plan_says_more_information_is_needed(client, policy_data, token):
    answer = post(client, hook([anakinra_order()], coverage(payor_identifier="bcbs-fep")), token).json()
    assert answer["cards"][0]["detail"].endswith(
        "The policy depends on the plan option (FEP Basic Option, FEP Blue Focus, FEP Standard Option); "
        "the coverage names none of them."
    )
    assert extension_values(answer)["info-needed"] == "OTH"


def test_florida_blue_order_found_by_payer_slug_and_brand_name(client, policy_data, token):
    order = anakinra_order(text="Kineret 100 mg/0.67 mL prefilled syringe")
    answer = post(client, hook([order], coverage(payor_identifier="florida-blue")), token).json()
    (card,) = answer["cards"]
    assert card["summary"] == "Kineret needs prior authorization under Florida Blue 09-J0000-45"
    assert card["indicator"] == "warning"
    values = extension_values(answer)
    assert (values["covered"], values["pa-needed"], values["doc-needed"]) == ("conditional", "auth-needed", "clinical")
    # The order itself is sent back as it came, with the extension added.
    resource = answer["systemActions"][0]["resource"]
    assert resource["id"] == "order-1" and resource["medicationCodeableConcept"] == order["medicationCodeableConcept"]
    assert answer["systemActions"][0]["type"] == "update"


def _approval(owner, *, pk, expires_on, policy_code="fep-5.70.050"):
    version = PolicyVersion.objects.get(policy__code=policy_code, status=PolicyVersion.Status.ACTIVE)
    return PARequest.objects.create(
        id=pk,
        owner=owner,
        status=PARequest.Status.APPROVED,
        policy_version=version,
        member_id=MEMBER,
        decided_at=timezone.now() - dt.timedelta(days=3),
        expires_on=expires_on,
    )


FEP_COVERAGE = {"payor_display": "Blue Cross and Blue Shield Federal Employee Program (FEP)", "plan": "standard"}


def test_an_approval_in_force_satisfies_the_order_with_its_request_number(client, policy_data, prescriber, token):
    today = timezone.localdate()
    _approval(
        prescriber, pk=uuid.UUID("1a2b3c4d-0000-4000-8000-000000000001"), expires_on=today + dt.timedelta(days=90)
    )
    answer = post(client, hook([anakinra_order()], coverage(**FEP_COVERAGE)), token).json()
    (card,) = answer["cards"]
    assert card["summary"] == (
        "Kineret is covered by approved prior authorization KPA-1A2B3C4D "
        "(Blue Cross and Blue Shield Federal Employee Program (FEP) 5.70.050)"
    )
    assert card["indicator"] == "info"
    values = extension_values(answer)
    assert values["pa-needed"] == "satisfied"
    assert values["satisfied-pa-id"] == "KPA-1A2B3C4D"
    assert "doc-needed" not in values


def test_another_prescribers_approval_does_not_count(client, policy_data, colleague, token):
    today = timezone.localdate()
    _approval(colleague, pk=uuid.UUID("9f9f9f9f-0000-4000-8000-000000000002"), expires_on=today + dt.timedelta(days=90))
    values = extension_values(post(client, hook([anakinra_order()], coverage(**FEP_COVERAGE)), token).json())
    assert values["pa-needed"] == "auth-needed"
    assert "satisfied-pa-id" not in values


def test_an_expired_approval_does_not_count(client, policy_data, prescriber, token):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    _approval(prescriber, pk=uuid.UUID("7e7e7e7e-0000-4000-8000-000000000003"), expires_on=yesterday)
    values = extension_values(post(client, hook([anakinra_order()], coverage(**FEP_COVERAGE)), token).json())
    assert values["pa-needed"] == "auth-needed"


def test_an_approval_under_another_policy_does_not_count(client, policy_data, prescriber, token):
    today = timezone.localdate()
    _approval(
        prescriber,
        pk=uuid.UUID("5c5c5c5c-0000-4000-8000-000000000004"),
        expires_on=today + dt.timedelta(days=90),
        policy_code="cigna-dqm008",
    )
    values = extension_values(post(client, hook([anakinra_order()], coverage(**FEP_COVERAGE)), token).json())
    assert values["pa-needed"] == "auth-needed"


def test_an_order_for_another_drug_gets_no_card(client, policy_data, token):
    orders = [anakinra_order(text="Methotrexate 2.5 MG Oral Tablet"), anakinra_order(text="Amoxicillin 500 MG")]
    answer = post(client, hook(orders, coverage(payor_display="Cigna")), token).json()
    assert answer == {"cards": []}


def test_one_card_per_anakinra_order_only(client, policy_data, token):
    orders = [
        anakinra_order("a"),
        anakinra_order("b", text="Methotrexate 2.5 MG"),
        anakinra_order("c", text="anakinra"),
    ]
    answer = post(client, hook(orders, coverage(payor_display="Cigna")), token).json()
    assert len(answer["cards"]) == 2
    assert [a["resource"]["id"] for a in answer["systemActions"]] == ["a", "c"]


def test_unknown_payer_gets_a_card_saying_coverage_could_not_be_determined(client, policy_data, token):
    response = post(client, hook([anakinra_order()], coverage(payor_display="Acme Health")), token)
    assert response.status_code == 200
    answer = response.json()
    (card,) = answer["cards"]
    assert card["summary"] == "Kineret PA could not determine coverage for Kineret: the payer is not one it knows"
    assert "Acme Health" in card["detail"]
    assert "systemActions" not in answer


def test_no_coverage_in_the_prefetch_gets_the_undetermined_card(client, policy_data, token):
    answer = post(client, hook([anakinra_order()], None), token).json()
    assert answer["cards"][0]["summary"].startswith("Kineret PA could not determine coverage")


def test_every_emitted_coverage_information_conforms_to_the_crd_profile(client, policy_data, prescriber, token):
    package = package_load()
    extension_profile = package.profiles[COVERAGE_INFORMATION_URL]
    order_profile = package.profiles["http://hl7.org/fhir/us/davinci-crd/StructureDefinition/profile-medicationrequest"]
    _approval(
        prescriber,
        pk=uuid.UUID("3d3d3d3d-0000-4000-8000-000000000005"),
        expires_on=timezone.localdate() + dt.timedelta(days=30),
        policy_code="floridablue-09-J0000-45",
    )
    coverages = [
        coverage(payor_display="Cigna"),
        coverage(**FEP_COVERAGE),
        coverage(payor_identifier="bcbs-fep"),
        coverage(payor_display="Florida Blue"),  # the approval above: satisfied
    ]
    for cov in coverages:
        answer = post(client, hook([anakinra_order()], cov), token).json()
        resource = answer["systemActions"][0]["resource"]
        MedicationRequest.model_validate(resource)  # parses with the FHIR model library
        (extension,) = [e for e in resource["extension"] if e["url"] == COVERAGE_INFORMATION_URL]
        result = conformance_check(extension, extension_profile)
        assert result.ok, result.problems
        assert {"crd-ci-q1", "crd-ci-q3", "crd-ci-q5"} <= result.evaluated
        order_result = conformance_check(resource, order_profile)
        assert order_result.ok, order_result.problems


def test_missing_token_is_401_with_an_operation_outcome(client, policy_data):
    response = post(client, hook([anakinra_order()], coverage(payor_display="Cigna")))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"][0]["diagnostics"] == MSG_AUTH


def test_unknown_token_is_401(client, policy_data):
    response = post(client, hook([anakinra_order()], coverage(payor_display="Cigna")), "not-a-token")
    assert response.status_code == 401
    assert response.json()["issue"][0]["diagnostics"] == MSG_TOKEN


def _malformed():
    good = hook([anakinra_order()], coverage(payor_display="Cigna"))
    no_orders = copy.deepcopy(good)
    del no_orders["context"]["draftOrders"]
    not_bundle = copy.deepcopy(good)
    not_bundle["context"]["draftOrders"] = [anakinra_order()]
    bad_order = copy.deepcopy(good)
    bad_order["context"]["draftOrders"]["entry"][0]["resource"]["status"] = 12
    bad_coverage = copy.deepcopy(good)
    bad_coverage["prefetch"]["coverage"]["entry"][0]["resource"]["payor"] = "Cigna"
    other_hook = copy.deepcopy(good)
    other_hook["hook"] = "order-select"
    return [
        ("{not json", "$", None),
        (json.dumps([good]), "$", MSG_NOT_OBJECT),
        (json.dumps(no_orders), "context.draftOrders", MSG_REQUIRED),
        (json.dumps(not_bundle), "context.draftOrders", MSG_NOT_BUNDLE),
        (json.dumps(bad_order), "context.draftOrders.entry.0.resource.status", None),
        (json.dumps(bad_coverage), "prefetch.coverage.entry.0.resource.payor", None),
        (json.dumps(other_hook), "hook", MSG_HOOK),
        (json.dumps({"hook": "order-sign", "hookInstance": "x"}), "context", MSG_REQUIRED),
    ]


@pytest.mark.parametrize(("body", "path", "message"), _malformed())
def test_malformed_requests_are_400_with_an_operation_outcome_naming_the_problem(
    client, policy_data, token, body, path, message
):
    response = post(client, body, token)
    assert response.status_code == 400
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    expressions = [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    assert any(e.startswith(path) for e in expressions), outcome
    if message:
        assert message in [issue["diagnostics"] for issue in outcome["issue"]]


def test_wrong_content_type_is_400_not_500(client, policy_data, token):
    response = post(client, json.dumps(hook([], None)), token, content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_one_order_sign_costs_a_bounded_number_of_queries(client, policy_data, token, django_assert_max_num_queries):
    request = hook([anakinra_order()], coverage(payor_display="Cigna"))
    post(client, request, token)  # builds this revision's catalog once, as the first call of a worker does
    # The token with the revision, the policies with payer and drug, their plans, their drugs' names, the approval.
    with django_assert_max_num_queries(5):
        assert post(client, request, token).status_code == 200


def test_the_documented_curl_example_gets_the_florida_blue_card(client, policy_data, token):
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "interoperability.md").read_text(encoding="utf-8")
    body = text.split("<<'JSON'\n", 1)[1].split("\nJSON\n", 1)[0]
    answer = post(client, body, token).json()
    assert [card["summary"] for card in answer["cards"]] == [
        "Kineret needs prior authorization under Florida Blue 09-J0000-45"
    ]


def test_with_the_database_gone_the_cds_service_answers_a_transient_operation_outcome(rf):
    from kineret_pa.middleware import MSG_UNAVAILABLE, database_unavailable_response

    response = database_unavailable_response(rf.post("/cds-services/kineret-pa-order-sign"))

    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert json.loads(response.content) == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "transient", "diagnostics": MSG_UNAVAILABLE}],
    }
