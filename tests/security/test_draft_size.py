"""A draft holds what its steps ask for and no more, and one account keeps a bounded number of drafts open."""

import json

from django.urls import reverse

from kineret_pa.pa_requests.models import PARequest
from kineret_pa.pa_requests.services import MSG_TOO_MANY_DRAFTS
from tests.pa_requests.walk import SCENARIOS, walk_to
from tests.pa_requests.wizard_support import post_step, profile_for, start, step_url
from tests.review.support import submitted

POLICY_STEP = {
    "policy": "fep-5.70.050",
    "plan": "standard",
    "benefit": "pharmacy",
    "request_type": "initial",
    "urgency": "standard",
    "date_of_service": "2026-06-15",
}


def test_900_made_up_fields_posted_to_a_step_are_not_kept_in_the_draft(client, prescriber, policy_data):
    profile_for(prescriber)
    client.force_login(prescriber)
    pa = start(client)
    made_up = {f"junk_{i}": "x" * 1000 for i in range(900)}  # posted as "policy-junk_0" ... "policy-junk_899"

    response = post_step(client, pa, "policy", {**POLICY_STEP, **made_up})

    assert response.status_code == 302 and response.url == step_url(pa, "patient")
    pa.refresh_from_db()
    assert pa.wizard["step_data"]["policy"] == {
        "policy-policy": ["fep-5.70.050"],
        "policy-plan": ["standard"],
        "policy-benefit": ["pharmacy"],
        "policy-request_type": ["initial"],
        "policy-urgency": ["standard"],
        "policy-date_of_service": ["2026-06-15"],
    }
    assert len(json.dumps(pa.wizard)) < 2_000  # not the 900 kB posted


def test_made_up_fields_and_rows_beyond_the_limit_are_not_kept_in_a_rows_step(client, prescriber, policy_data):
    profile_for(prescriber)
    client.force_login(prescriber)
    pa = start(client)
    walk_to(client, pa, SCENARIOS["fep_approved"], stop="therapies")
    rows = {
        "TOTAL_FORMS": "1",
        "INITIAL_FORMS": "0",
        "MIN_NUM_FORMS": "0",
        "MAX_NUM_FORMS": "1000",
        "0-drug": "methotrexate",
        "0-months": "6",
        "0-outcome": "inadequate_response",
        "0-made_up": "x" * 1000,
        "999-drug": "y" * 100,
        "made_up": "z" * 1000,
    }

    post_step(client, pa, "therapies", rows, button={"wizard_save_exit": "1"})

    pa.refresh_from_db()
    assert pa.wizard["step_data"]["therapies"] == {
        "therapies-TOTAL_FORMS": ["1"],
        "therapies-INITIAL_FORMS": ["0"],
        "therapies-MIN_NUM_FORMS": ["0"],
        "therapies-MAX_NUM_FORMS": ["1000"],
        "therapies-0-drug": ["methotrexate"],
        "therapies-0-months": ["6"],
        "therapies-0-outcome": ["inadequate_response"],
    }


def test_a_new_request_beyond_the_open_drafts_limit_is_refused_with_a_message(
    client, prescriber, policy_data, settings
):
    settings.MAX_OPEN_DRAFTS = 3
    client.force_login(prescriber)
    first = start(client)
    PARequest.objects.filter(pk=first.pk).update(status=PARequest.Status.APPROVED)  # submitted: not a draft
    for _ in range(3):
        start(client)

    response = client.post(reverse("pa-request-new"), follow=True)

    assert response.redirect_chain == [(reverse("pa-request-list"), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "You already have 3 drafts open, the most one account can keep. "
        "Submit or discard a draft from My requests before starting another."
    ]
    assert MSG_TOO_MANY_DRAFTS.format(limit=3) in response.content.decode()
    assert PARequest.objects.filter(owner=prescriber, status=PARequest.Status.DRAFT).count() == 3


def test_a_renewal_beyond_the_open_drafts_limit_is_refused_with_the_same_message(
    client, prescriber, policy_data, settings
):
    settings.MAX_OPEN_DRAFTS = 1
    approved = submitted(prescriber)
    client.force_login(prescriber)
    start(client)

    response = client.post(reverse("pa-request-renew", args=[approved.pk]), follow=True)

    assert response.redirect_chain == [(reverse("pa-request-detail", args=[approved.pk]), 302)]
    assert MSG_TOO_MANY_DRAFTS.format(limit=1) in [str(message) for message in response.context["messages"]]
    assert PARequest.objects.filter(owner=prescriber, status=PARequest.Status.DRAFT).count() == 1
