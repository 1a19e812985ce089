"""The determination page and the printable letter: what they say, and who may open them."""

import datetime as dt

import pytest
from django.urls import reverse

from .walk import text
from .wizard_support import step_url


def detail(pa):
    return reverse("pa-request-detail", args=[pa.pk])


def letter(pa):
    return reverse("pa-request-letter", args=[pa.pk])


def clauses(pa):
    return [reason["clause"] for reason in pa.determination["reasons"]]


@pytest.mark.parametrize("page", [detail, letter], ids=["detail", "letter"])
def test_the_page_shows_the_request_the_people_the_decision_and_each_clause(owner_client, submitted, page):
    pa = submitted("fep_pended")

    response = owner_client.get(page(pa))
    body = text(response)

    assert response.status_code == 200
    assert pa.number in body
    assert "Zoë Ağaoğlu" in body and "MBR-1001" in body
    assert "Pended for clinical review" in body
    for clause in clauses(pa):
        assert clause in body
    assert "Not met" in body


def test_the_letter_names_the_prescriber_and_npi(owner_client, submitted):
    pa = submitted("cigna_approved")

    body = text(owner_client.get(letter(pa)))

    assert "Dr Ada Owner" in body and "NPI 1234567893" in body and "Rheumatology" in body
    assert "Approved" in body and "28 syringes per 28 days" in body


def test_the_detail_page_names_the_prescriber_and_npi(owner_client, submitted):
    pa = submitted("cigna_approved")

    body = text(owner_client.get(detail(pa)))

    assert "Prescriber: Dr Ada Owner, Rheumatology · NPI 1234567893" in body


def test_an_approval_shows_its_quantity_and_duration(owner_client, submitted):
    pa = submitted("cigna_partial")

    body = text(owner_client.get(detail(pa)))

    assert "Approved for a reduced quantity" in body
    assert f"{pa.determination['approved_quantity']} syringes per {pa.determination['per_days']} days" in body
    assert f"Approval lasts until: {pa.expires_on:%Y-%m-%d}" in body


def test_a_draft_has_no_letter_yet(owner_client, draft):
    response = owner_client.get(letter(draft))

    assert response.status_code == 302 and response.url == detail(draft)


@pytest.mark.parametrize("action", ["detail", "letter", "step", "renew", "discard"])
def test_another_prescriber_gets_not_found(colleague_client, owner_client, submitted, draft, action):
    pa = submitted("cigna_approved")
    urls = {
        "detail": ("get", detail(pa)),
        "letter": ("get", letter(pa)),
        "step": ("get", step_url(draft, "patient")),
        "renew": ("post", reverse("pa-request-renew", args=[pa.pk])),
        "discard": ("post", reverse("pa-request-discard", args=[draft.pk])),
    }
    method, url = urls[action]

    response = getattr(colleague_client, method)(url)

    assert response.status_code == 404
    assert "Zoë" not in response.content.decode()


def test_another_prescriber_cannot_post_a_step_of_the_owners_draft(colleague_client, draft):
    response = colleague_client.post(
        step_url(draft, "policy"), {"wizard-current_step": "policy", "policy-policy": "cigna-dqm008"}
    )

    draft.refresh_from_db()
    assert response.status_code == 404
    assert draft.wizard == {}


@pytest.mark.parametrize("page", [detail, letter], ids=["detail", "letter"])
def test_a_reviewer_is_refused_the_prescribers_pages(reviewer_client, submitted, page):
    # Reviewers work from their own queue; the prescriber's pages need the prescriber role.
    pa = submitted("fep_pended")

    response = reviewer_client.get(page(pa))
    assert response.status_code == 403
    assert "Zoë" not in response.content.decode()


def test_an_unknown_request_is_not_found(owner_client):
    assert owner_client.get("/requests/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.parametrize("page", [detail, letter], ids=["detail", "letter"])
def test_anonymous_visitor_is_sent_to_sign_in(client, submitted, page):
    pa = submitted("cigna_approved")
    client.logout()

    response = client.get(page(pa))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_anonymous_visitor_cannot_open_a_step(client, draft):
    client.logout()

    response = client.get(step_url(draft, "policy"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _decided_at(pa, when):
    from kineret_pa.pa_requests.models import PARequest

    PARequest.objects.filter(pk=pa.pk).update(decided_at=when)


# 01:30 UTC on 30 June is 21:30 on 29 June in New York: the letter counts from the local date.
DECIDED = dt.datetime(2026, 6, 30, 1, 30, tzinfo=dt.UTC)


def test_a_reduced_approval_letter_gives_the_unmet_criterion_and_the_appeal_deadline(owner_client, submitted):
    pa = submitted("cigna_partial")
    _decided_at(pa, DECIDED)

    body = text(owner_client.get(letter(pa)))

    assert "Why: the criteria not met" in body
    assert "Drug Quantity Limits" in body
    assert "Your right to appeal" in body
    assert "within 180 days, that is by 2026-12-26" in body  # 29 June + 180 days, counted by hand
    assert "Call the member services number on the back of the member's ID card." in body


def test_the_appeal_window_and_contact_are_the_payers_data(owner_client, submitted):
    from kineret_pa.policies.models import Payer

    pa = submitted("cigna_partial")
    _decided_at(pa, DECIDED)
    Payer.objects.filter(slug="cigna").update(appeal_window_days=60, appeal_contact="Fax appeals to 1-800-555-0100")

    body = text(owner_client.get(letter(pa)))

    assert "within 60 days, that is by 2026-08-28" in body
    assert "How to appeal: Fax appeals to 1-800-555-0100" in body


def test_an_approval_letter_has_no_appeal_section(owner_client, submitted):
    pa = submitted("cigna_approved")

    body = text(owner_client.get(letter(pa)))

    assert "Your right to appeal" not in body and "Why: the criteria not met" not in body
