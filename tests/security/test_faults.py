"""The database going away mid-request gives a friendly 503, and the draft is still there afterwards."""

import threading
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client

from kineret_pa.accounts.models import ApiToken
from kineret_pa.middleware import MSG_UNAVAILABLE
from kineret_pa.pa_requests.models import PARequest
from tests.conftest import FEP_RA
from tests.pa_requests.wizard_support import post_step, profile_for, start, step_url

POLICY_STEP = {
    "policy": "fep-5.70.050",
    "plan": "standard",
    "benefit": "pharmacy",
    "request_type": "initial",
    "urgency": "standard",
    "date_of_service": "2026-06-15",
}


def test_api_answers_503_in_the_error_shape_when_the_database_is_away(client, prescriber, policy_data):
    token = ApiToken.issue(user=prescriber, name="x")[1]
    with mock.patch(
        "kineret_pa.api.views.determination_compute", side_effect=OperationalError("server closed the connection")
    ):
        response = client.post(
            "/api/v1/determinations", FEP_RA, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 503
    assert response.json() == {"errors": {"service": [MSG_UNAVAILABLE]}}
    assert response["Retry-After"] == "30"


def test_a_form_step_during_an_outage_is_a_503_page_and_the_draft_survives(client, prescriber, policy_data):
    profile_for(prescriber)
    client.force_login(prescriber)
    pa = start(client)
    post_step(client, pa, "policy", POLICY_STEP)
    with mock.patch(
        "kineret_pa.policies.snapshots.PolicyData.snapshot",
        side_effect=OperationalError("the database system is shutting down"),
    ):
        response = client.get(step_url(pa, "patient"))
    assert response.status_code == 503
    assert MSG_UNAVAILABLE.encode() in response.content and b"Traceback" not in response.content
    # The database is back: the answers already given are there.
    page = client.get(step_url(pa, "policy"))
    assert page.status_code == 200
    assert page.context["wizard"]["form"]["policy"].value() == "fep-5.70.050"


def test_every_response_carries_a_request_id(client, db):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="abcdef12-3456")
    assert response["X-Request-ID"] == "abcdef12-3456"
    assert len(client.get("/accounts/login/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]) == 32


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_one_draft_make_one_request(prescriber, policy_data):
    """Run on PostgreSQL, where the row lock serializes the two submits."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers itself; the row lock is exercised on PostgreSQL in CI")
    from kineret_pa.pa_requests.services import pa_request_create, pa_request_submit

    profile = profile_for(prescriber)
    draft = pa_request_create(owner=prescriber)
    results, barrier = [], threading.Barrier(2)

    def submit():
        barrier.wait()
        try:
            pa = pa_request_submit(
                pa_request_id=draft.pk,
                owner=prescriber,
                contract_request=FEP_RA,
                answers={},
                urgency="standard",
                patient_name="Pat",
                member_id="M",
                profile=profile,
            )
            results.append(pa.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["approved", "approved"]
    assert PARequest.objects.filter(owner=prescriber).count() == 1
    assert PARequest.objects.get().events.filter(kind="submitted").count() == 1


def test_a_policy_edit_during_a_determination_neither_mixes_versions_nor_is_lost(policy_data):
    """The determination in flight uses the snapshot it started with; the next one sees the edit."""
    from kineret_pa.policies import services
    from kineret_pa.policies.models import CriterionNode
    from tests.conftest import build

    data = build(
        FEP_RA,
        prior_therapies=[
            {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"},
            {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
            {"drug": "Enbrel", "months": 5, "outcome": "intolerance"},
        ],
    )
    real_decide = services.decide

    def decide_while_staff_edit(snapshot, request):
        node = CriterionNode.objects.get(
            version__policy__code="fep-5.70.050", clause="Prior-Approval Requirements, Diagnoses 1.c"
        )
        node.params = {**node.params, "min_months": 6}  # saved mid-determination: the revision changes
        node.save()
        return real_decide(snapshot, request)

    with mock.patch.object(services, "decide", side_effect=decide_while_staff_edit):
        during, _, _ = services.determination_compute(data=data)
    after, _, _ = services.determination_compute(data=data)
    assert during.decision == "approve"  # decided wholly on the version as it was when it started
    assert after.decision == "deny"  # the next determination uses the edited criterion
    assert "Prior-Approval Requirements, Diagnoses 1.c" in [r.clause for r in after.reasons if not r.met]


# The database failing before the view (the session, the user, the second-factor check all read it in
# middleware) or after it (the session's save) is a 503 as well. The test client re-raises any exception
# Django handled; a browser gets only the response, so these clients do not re-raise.
SESSION_STORE = "django.contrib.sessions.backends.db.SessionStore"


def test_a_signed_in_page_is_a_503_page_when_the_session_cannot_be_read(prescriber, policy_data, settings):
    settings.OTP_REQUIRED = True  # as in production: the second-factor check reads the user before any view
    browser = Client(raise_request_exception=False)
    browser.force_login(prescriber)
    with mock.patch(f"{SESSION_STORE}.load", side_effect=OperationalError("connection refused")):
        response = browser.get("/requests/")
    assert response.status_code == 503
    assert MSG_UNAVAILABLE in response.content.decode() and "Traceback" not in response.content.decode()
    assert response["Retry-After"] == "30"


def test_a_page_is_a_503_when_the_session_cannot_be_saved_after_the_view(prescriber, policy_data):
    browser = Client(raise_request_exception=False)
    browser.force_login(prescriber)  # the first page after sign-in refreshes the session: a save
    with mock.patch(f"{SESSION_STORE}.save", side_effect=OperationalError("server closed the connection")):
        response = browser.get("/requests/")
    assert response.status_code == 503
    assert MSG_UNAVAILABLE in response.content.decode()


def test_the_api_called_from_a_signed_in_browser_answers_503_in_the_error_shape(prescriber, policy_data):
    token = ApiToken.issue(user=prescriber, name="x")[1]
    browser = Client(raise_request_exception=False)
    browser.force_login(prescriber)
    with mock.patch(f"{SESSION_STORE}.load", side_effect=OperationalError("connection refused")):
        response = browser.post(
            "/api/v1/determinations", FEP_RA, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 503
    assert response.json() == {"errors": {"service": [MSG_UNAVAILABLE]}}
    assert response["Retry-After"] == "30"


def test_an_error_that_is_not_the_database_is_still_a_500(prescriber, policy_data):
    browser = Client(raise_request_exception=False)
    browser.force_login(prescriber)
    with mock.patch(f"{SESSION_STORE}.load", side_effect=RuntimeError("a bug")):
        response = browser.get("/requests/")
    assert response.status_code == 500
