"""Approvals end: the daily command expires them, My requests warns a month ahead, a renewal starts from one."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kineret_pa.pa_requests.models import PARequest
from tests.admin.forms import login

from .support import pended, submitted

S = PARequest.Status


def _with(pa, **fields):
    PARequest.objects.filter(pk=pa.pk).update(**fields)
    pa.refresh_from_db()
    return pa


# ---------------------------------------------------------------- expire_requests


def test_expire_requests_expires_passed_approvals_and_leaves_the_rest(policy_data, prescriber):
    today = timezone.localdate()
    yesterday, tomorrow = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    expire = {
        "approved": _with(submitted(prescriber), expires_on=yesterday),
        "partial": _with(submitted(prescriber), status=S.PARTIAL, expires_on=today - dt.timedelta(days=40)),
        "overturned": _with(pended(prescriber), status=S.OVERTURNED, expires_on=yesterday),
    }
    keep = {
        "ends_today": _with(submitted(prescriber), expires_on=today),
        "ends_tomorrow": _with(submitted(prescriber), expires_on=tomorrow),
        "no_end": _with(submitted(prescriber), expires_on=None),
        "denied_with_a_past_date": _with(pended(prescriber), status=S.DENIED, expires_on=yesterday),
        "pended": _with(pended(prescriber), expires_on=yesterday),
        "already_expired": _with(submitted(prescriber), status=S.EXPIRED, expires_on=yesterday),
    }
    kept_status = {name: pa.status for name, pa in keep.items()}

    out = io.StringIO()
    call_command("expire_requests", stdout=out)
    assert "3 approval(s) expired." in out.getvalue()

    for name, pa in expire.items():
        before = pa.status
        pa.refresh_from_db()
        assert pa.status == S.EXPIRED, name
        event = pa.events.last()
        assert (event.kind, event.from_status, event.to_status, event.actor) == ("expired", before, S.EXPIRED, None)
    for name, pa in keep.items():
        pa.refresh_from_db()
        assert pa.status == kept_status[name], name

    out = io.StringIO()
    call_command("expire_requests", stdout=out)
    assert "0 approval(s) expired." in out.getvalue()


def test_an_expired_approval_says_so_to_the_prescriber(client, policy_data, prescriber):
    pa = _with(submitted(prescriber), expires_on=timezone.localdate() - dt.timedelta(days=1))
    call_command("expire_requests", stdout=io.StringIO())
    login(client, prescriber)
    page = client.get(reverse("pa-request-detail", args=[pa.pk])).content.decode()
    assert "Expired" in page


# ---------------------------------------------------------------- My requests: expiring soon


@pytest.mark.parametrize("days, flagged", [(0, True), (5, True), (30, True), (31, False), (200, False)])
def test_my_requests_flags_approvals_expiring_within_30_days(client, policy_data, prescriber, days, flagged):
    pa = _with(submitted(prescriber), expires_on=timezone.localdate() + dt.timedelta(days=days))
    login(client, prescriber)
    page = client.get(reverse("pa-request-list")).content.decode()
    row = page.split(pa.number, 1)[1].split("</tr>", 1)[0]
    assert ("Expires soon" in row) is flagged
    if flagged:
        assert f"{pa.expires_on:%Y-%m-%d}" in row


def test_a_pended_request_is_not_flagged(client, policy_data, prescriber):
    pa = pended(prescriber)
    login(client, prescriber)
    page = client.get(reverse("pa-request-list")).content.decode()
    row = page.split(pa.number, 1)[1].split("</tr>", 1)[0]
    assert "Expires soon" not in row


# ---------------------------------------------------------------- renewal

ANSWERS = {
    "policy": {
        "policy-policy": ["fep-5.70.050"],
        "policy-plan": ["standard"],
        "policy-benefit": ["pharmacy"],
        "policy-request_type": ["initial"],
        "policy-urgency": ["standard"],
        "policy-date_of_service": ["2026-06-15"],
    },
    "patient": {
        "patient-patient_name": ["Pat Doe"],
        "patient-member_id": ["M-1"],
        "patient-age_years": ["45"],
        "patient-weight_kg": ["70"],
    },
    "review": {"review-attestation": ["on"]},
}


def test_a_renewal_is_a_new_draft_prefilled_as_a_renewal(client, policy_data, prescriber):
    original = _with(submitted(prescriber), answers=ANSWERS)
    login(client, prescriber)
    response = client.post(reverse("pa-request-renew", args=[original.pk]))
    renewal = PARequest.objects.exclude(pk=original.pk).get(owner=prescriber)
    assert response.status_code == 302
    assert response.url == reverse("pa-request-step", kwargs={"pk": renewal.pk, "step": "policy"})
    assert renewal.status == S.DRAFT and renewal.renewal_of == original
    steps = renewal.wizard["step_data"]
    assert steps["policy"]["policy-request_type"] == ["renewal"]
    assert steps["policy"]["policy-date_of_service"] == [timezone.localdate().isoformat()]
    assert steps["policy"]["policy-policy"] == ["fep-5.70.050"]
    assert steps["patient"] == ANSWERS["patient"]
    assert "review" not in steps  # the attestation is given again
    original.refresh_from_db()
    assert original.answers == ANSWERS and original.status == S.APPROVED

    page = client.get(response.url).content.decode()
    renewal_radio = page.split('value="renewal"', 1)[1].split(">", 1)[0]
    assert "checked" in renewal_radio


def test_my_requests_offers_a_renewal_for_an_approval(client, policy_data, prescriber):
    pa = submitted(prescriber)
    login(client, prescriber)
    page = client.get(reverse("pa-request-list")).content.decode()
    assert reverse("pa-request-renew", args=[pa.pk]) in page


def test_another_prescriber_cannot_renew_my_approval(client, policy_data, prescriber, colleague):
    pa = submitted(prescriber)
    login(client, colleague)
    assert client.post(reverse("pa-request-renew", args=[pa.pk])).status_code == 404
    assert not PARequest.objects.filter(owner=colleague).exists()


def test_the_letter_after_a_reviewer_approval_shows_the_approved_quantity_and_the_note(
    client, prescriber, reviewer, policy_data
):
    from django.urls import reverse

    from kineret_pa.pa_requests.services import pa_request_decide
    from tests.review.support import pended

    pa = pended(prescriber)
    pa_request_decide(
        pa_request_id=pa.pk,
        reviewer=reviewer,
        expected_version=pa.row_version,
        code="approve",
        quantity=84,
        per_days=84,
        duration_months=12,
        note="Turns 18 this month; chart notes attached.",
        justification="Age criterion met at the date of service per chart.",
    )
    client.force_login(prescriber)
    page = client.get(reverse("pa-request-letter", args=[pa.pk])).content.decode()
    assert "84 syringes per 84 days" in page and "Turns 18 this month" in page and "clinical reviewer" in page


def test_a_renewal_starts_only_from_an_approval(client, prescriber, policy_data):
    from django.urls import reverse

    from kineret_pa.pa_requests.models import PARequest
    from tests.review.support import pended

    pa = pended(prescriber)
    client.force_login(prescriber)
    response = client.post(reverse("pa-request-renew", args=[pa.pk]))
    assert response.status_code == 302 and PARequest.objects.filter(renewal_of=pa).count() == 0
