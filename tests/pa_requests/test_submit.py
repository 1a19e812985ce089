"""Submitting: the decision in words, the review clock, what the request keeps, once only."""

import datetime as dt

import pytest
from django.urls import reverse

from kineret_pa.pa_requests.forms import MSG_PROFILE_INCOMPLETE
from kineret_pa.pa_requests.models import PARequest, PrescriberProfile, RequestEvent
from kineret_pa.policies.models import Payer

from .walk import SCENARIOS, checked_value, input_value, scenario, submit, text, walk_to
from .wizard_support import post_step, step_url


@pytest.mark.parametrize(
    "name, words, status",
    [
        ("cigna_approved", "Approved", "approved"),
        ("cigna_partial", "Approved for a reduced quantity", "partially_approved"),
        ("fep_approved", "Approved", "approved"),
        ("fep_pended", "Pended for clinical review", "pended"),
        ("fb_approved", "Approved", "approved"),
        ("fb_referred", "Referred to a pharmacist", "referred"),
        ("fb_mis_c", "Approved", "approved"),
    ],
)
def test_a_full_walk_submits_and_lands_on_the_determination(owner_client, draft, name, words, status):
    response = submit(owner_client, draft, SCENARIOS[name])

    assert response.status_code == 302 and response.url == reverse("pa-request-detail", args=[draft.pk])
    page = owner_client.get(response.url)
    assert page.status_code == 200
    assert page.context["words"] == words
    assert f"{words} " in text(page)
    draft.refresh_from_db()
    assert draft.status == status


def payer_of(pa) -> Payer:
    return pa.policy_version.policy.payer


@pytest.mark.parametrize("name", ["fep_pended", "fb_referred"])
def test_a_pended_or_referred_request_is_due_in_the_payers_standard_hours(submitted, name):
    pa = submitted(name)

    hours = payer_of(pa).standard_review_hours
    assert hours == 72
    assert pa.due_at == pa.submitted_at + dt.timedelta(hours=hours)


def test_an_expedited_request_is_due_in_the_payers_expedited_hours(submitted):
    answers = scenario("fep_pended", policy={"urgency": "expedited", "expedited_attestation": "on"})

    pa = submitted(answers=answers)

    hours = payer_of(pa).expedited_review_hours
    assert hours == 24
    assert pa.urgency == "expedited"
    assert pa.due_at == pa.submitted_at + dt.timedelta(hours=hours)


def test_an_approval_has_no_review_clock_and_starts_now(submitted):
    pa = submitted("cigna_approved")

    assert pa.due_at is None
    assert pa.auto_decided and pa.decided_at == pa.submitted_at
    assert pa.approved_quantity == pa.determination["approved_quantity"]


def test_the_request_keeps_answers_contract_request_version_and_determination(submitted):
    pa = submitted("fep_approved")

    assert pa.answers["patient"]["patient-member_id"] == ["MBR-1001"]
    assert pa.answers["therapies"]["therapies-1-drug"] == ["Humira"]
    assert pa.contract_request["policy"] == "fep-5.70.050" and pa.contract_request["plan"] == "standard"
    assert pa.contract_request["diagnosis"] == "ra" and pa.contract_request["severity"] == "moderate"
    assert [t["drug"] for t in pa.contract_request["prior_therapies"]] == ["methotrexate", "Humira", "Enbrel"]
    assert pa.contract_request["concomitant_drugs"] == ["folic acid"]
    assert pa.contract_request["screening"]["tb"] == "negative"
    assert pa.policy_version.policy.code == "fep-5.70.050"
    assert pa.determination["policy"]["version"] == pa.policy_version.effective_date.isoformat()
    assert pa.determination["decision"] == pa.decision == "approve"
    assert (pa.patient_name, pa.member_id) == ("Zoë Ağaoğlu", "MBR-1001")
    assert pa.prescriber_snapshot["npi"] == "1234567893"


def test_posting_the_review_step_again_creates_no_second_request(owner_client, draft):
    submit(owner_client, draft, SCENARIOS["fep_pended"])
    first = PARequest.objects.get(pk=draft.pk)

    again = post_step(owner_client, draft, "review", {"attestation": "on"})
    finished = owner_client.get(step_url(draft, "finished"))

    assert again.status_code == 302 and again.url == reverse("pa-request-detail", args=[draft.pk])
    assert finished.status_code == 302 and finished.url == reverse("pa-request-detail", args=[draft.pk])
    assert PARequest.objects.count() == 1
    after = PARequest.objects.get(pk=draft.pk)
    assert (after.submitted_at, after.due_at, after.status) == (first.submitted_at, first.due_at, first.status)
    assert RequestEvent.objects.filter(pa_request=draft, kind="submitted").count() == 1


def test_editing_a_step_after_submitting_changes_nothing(owner_client, draft):
    submit(owner_client, draft, SCENARIOS["cigna_approved"])

    response = post_step(owner_client, draft, "patient", {"patient_name": "Someone Else"})

    assert response.status_code == 302 and response.url == reverse("pa-request-detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.patient_name == "Zoë Ağaoğlu"


@pytest.mark.parametrize("profile", ["none", "incomplete"])
def test_submit_without_a_complete_profile_shows_the_message_and_submits_nothing(owner_client, owner, draft, profile):
    if profile == "none":
        PrescriberProfile.objects.filter(user=owner).delete()
    else:
        PrescriberProfile.objects.filter(user=owner).update(fax="")
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"])

    response = post_step(owner_client, draft, "review", {"attestation": "on"})
    if response.status_code == 302:  # the last step redirects to the finished URL; it re-shows the review step
        response = owner_client.get(response.url)

    assert response.status_code == 200
    assert MSG_PROFILE_INCOMPLETE in text(response)
    draft.refresh_from_db()
    assert draft.is_draft and draft.submitted_at is None
    assert not RequestEvent.objects.exists()


def test_submit_without_the_attestation_asks_for_it(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"])

    response = post_step(owner_client, draft, "review", {})

    assert response.status_code == 200
    assert "Submitting needs your attestation." in text(response)
    draft.refresh_from_db()
    assert draft.is_draft


def test_the_review_step_prechecks_the_decision_before_submitting(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_pended"])

    page = owner_client.get(step_url(draft, "review"))

    assert "If submitted now: Pended for clinical review" in text(page)


def test_a_renewal_from_an_approved_request_is_a_new_prefilled_draft(owner_client, submitted):
    approved = submitted("cigna_approved")

    response = owner_client.post(reverse("pa-request-renew", args=[approved.pk]))

    renewal = PARequest.objects.exclude(pk=approved.pk).get()
    assert response.status_code == 302 and response.url == step_url(renewal, "policy")
    assert renewal.is_draft and renewal.renewal_of == approved and renewal.owner == approved.owner
    assert renewal.wizard["step_data"]["policy"]["policy-request_type"] == ["renewal"]
    assert renewal.wizard["step_data"]["patient"]["patient-member_id"] == ["MBR-1001"]
    policy_page = owner_client.get(response.url)
    assert checked_value(policy_page, "policy-request_type") == "renewal"
    patient_page = owner_client.get(step_url(renewal, "patient"))
    assert input_value(patient_page, "patient-patient_name") == "Zoë Ağaoğlu"
    approved.refresh_from_db()
    assert approved.status == "approved"  # the original is untouched
