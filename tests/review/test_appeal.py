"""An appeal goes to a different reviewer than the one who denied the request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kineret_pa.accounts.roles import REVIEWER
from kineret_pa.pa_requests.models import PARequest
from kineret_pa.pa_requests.services import MSG_REASONS, MSG_SAME_REVIEWER, pa_request_decide
from tests.admin.forms import login
from tests.conftest import _user

from .support import pended

S = PARequest.Status
UNMET = "Prior-Approval Requirements, Diagnoses 1.a"


@pytest.fixture
def second_reviewer(db, django_user_model):
    return _user(django_user_model, "pharmacist_two", REVIEWER)


@pytest.fixture
def appealed(client, policy_data, prescriber, reviewer):
    pa = pended(prescriber)
    pa_request_decide(
        pa_request_id=pa.pk, reviewer=reviewer, expected_version=0, code="deny", reasons=[UNMET], note="Under 18."
    )
    login(client, prescriber)
    response = client.post(
        reverse("pa-request-appeal", args=[pa.pk]), {"note": "The patient turned 18 on 2026-06-10."}, follow=True
    )
    assert "Appeal submitted to another reviewer." in [str(m) for m in response.context["messages"]]
    client.logout()
    pa.refresh_from_db()
    assert pa.status == S.APPEALED and pa.denied_by == reviewer
    return pa


def _queue_numbers(client):
    return {row.pk for row in client.get(reverse("review-queue")).context["page"]}


def test_the_denier_does_not_see_the_appeal_in_the_queue(client, appealed, reviewer, second_reviewer):
    login(client, reviewer)
    assert appealed.pk not in _queue_numbers(client)
    client.logout()
    login(client, second_reviewer)
    assert appealed.pk in _queue_numbers(client)


def test_the_denier_is_refused_if_they_post_a_decision(client, appealed, reviewer):
    login(client, reviewer)
    response = client.post(
        reverse("review-detail", args=[appealed.pk]),
        {
            "row_version": appealed.row_version,
            "code": "overturn",
            "quantity": 84,
            "per_days": 84,
            "duration_months": 12,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [MSG_SAME_REVIEWER]
    appealed.refresh_from_db()
    assert appealed.status == S.APPEALED


def test_the_appeal_offers_only_overturn_or_uphold(client, appealed, second_reviewer):
    login(client, second_reviewer)
    form = client.get(reverse("review-detail", args=[appealed.pk])).context["form"]
    assert {code for code, _ in form.fields["code"].choices} == {"overturn", "uphold"}


def test_another_reviewer_overturns_the_denial(client, appealed, second_reviewer, clock):
    first_decided_at = appealed.decided_at
    login(client, second_reviewer)
    clock(2026, 5, 31, 12, 0)
    response = client.post(
        reverse("review-detail", args=[appealed.pk]),
        {
            "row_version": appealed.row_version,
            "code": "overturn",
            "quantity": 84,
            "per_days": 84,
            "duration_months": 12,
            "note": "Age confirmed.",
        },
    )
    assert response.status_code == 302
    appealed.refresh_from_db()
    assert appealed.status == S.OVERTURNED
    assert (appealed.approved_quantity, appealed.approved_per_days) == (84, 84)
    assert appealed.expires_on == dt.date(2027, 5, 31)  # 12 months from the local date of the overturn
    assert appealed.decided_by == second_reviewer
    assert appealed.decided_at == first_decided_at  # the first decision's time is the published one
    event = appealed.events.get(kind="decided", from_status=S.APPEALED)  # the clock was set back: not by time
    assert (event.actor, event.from_status, event.to_status) == (second_reviewer, S.APPEALED, S.OVERTURNED)


def test_another_reviewer_upholds_the_denial_with_reasons(client, appealed, second_reviewer):
    login(client, second_reviewer)
    url = reverse("review-detail", args=[appealed.pk])
    refused = client.post(url, {"row_version": appealed.row_version, "code": "uphold", "note": "Still under 18."})
    assert refused.context["form"].errors["reasons"] == [MSG_REASONS]
    response = client.post(
        url,
        {
            "row_version": appealed.row_version,
            "code": "uphold",
            "reasons": [UNMET],
            "note": "The date of birth on file shows 17.",
        },
    )
    assert response.status_code == 302
    appealed.refresh_from_db()
    assert appealed.status == S.UPHELD and appealed.denied_by == second_reviewer
    event = appealed.events.filter(kind="decided").last()
    assert event.data["reasons"] == [UNMET] and event.data["note"] == "The date of birth on file shows 17."


def test_an_upheld_denial_cannot_be_appealed_again(client, appealed, prescriber, second_reviewer):
    pa_request_decide(
        pa_request_id=appealed.pk,
        reviewer=second_reviewer,
        expected_version=appealed.row_version,
        code="uphold",
        reasons=[UNMET],
        note="Upheld.",
    )
    login(client, prescriber)
    response = client.post(reverse("pa-request-appeal", args=[appealed.pk]), {"note": "Again."}, follow=True)
    assert any("cannot become" in str(m) for m in response.context["messages"])
    appealed.refresh_from_db()
    assert appealed.status == S.UPHELD
