"""Kinds are typed once with their words and keep the values already stored; a decision reads the policy's
ceiling once and bounds an approval with the engine's own rate comparison; reads are selectors."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from kineret_pa.engine.evaluate import rate_within
from kineret_pa.pa_requests import selectors
from kineret_pa.pa_requests.models import Decision, PARequest, RequestEvent, ReviewDecisionCode
from kineret_pa.pa_requests.selectors import (
    attachment_get_for_user,
    decision_codes_for,
    pa_request_get_for_reviewer,
    pa_request_get_for_user,
)
from kineret_pa.pa_requests.services import (
    MSG_OVER_LIMIT,
    STATUS_FOR_DECISION,
    pa_request_appeal,
    pa_request_decide,
    pa_request_withdraw,
)
from tests.admin.forms import login

from .support import pended

S = PARequest.Status
UNMET = "Prior-Approval Requirements, Diagnoses 1.a"  # 18 years of age or older: the patient is 17


@pytest.fixture
def pa(policy_data, prescriber):
    return pended(prescriber)


# ---------------------------------------------------------------- typed kinds


def test_event_kinds_keep_their_stored_values_and_say_what_happened():
    assert {kind.value: kind.label for kind in RequestEvent.Kind} == {
        "submitted": "Submitted",
        "decided": "Decision recorded",
        "withdrawn": "Withdrawn",
        "appealed": "Appealed",
        "info_answered": "Answered the request for information",
        "attachment_added": "Attached a document",
        "expired": "Approval expired",
    }
    assert RequestEvent(kind=RequestEvent.Kind.INFO_ANSWERED).words == "Answered the request for information"


def test_an_event_kind_recorded_but_no_longer_declared_is_still_shown_in_words():
    assert RequestEvent(kind="policy_reloaded").words == "Policy reloaded"


def test_the_engines_decisions_are_typed_and_each_leads_to_one_status():
    assert {decision.value: decision.label for decision in Decision} == {
        "approve": "Approved",
        "partial": "Approved for a reduced quantity",
        "deny": "Pended for clinical review",
        "refer": "Referred to a pharmacist",
    }
    assert STATUS_FOR_DECISION == {"approve": S.APPROVED, "partial": S.PARTIAL, "deny": S.PENDED, "refer": S.REFERRED}


def test_a_pended_request_stores_the_engines_decision_and_reads_it_in_words(pa):
    pa.refresh_from_db()
    assert pa.decision == "deny" and pa.decision == Decision.DENY
    assert pa.get_decision_display() == "Pended for clinical review"


def test_each_step_of_a_requests_life_records_its_kind(pa, reviewer, prescriber):
    pa_request_decide(
        pa_request_id=pa.pk,
        reviewer=reviewer,
        expected_version=0,
        code="deny",
        reasons=[UNMET],
        note="The patient is 17.",
    )
    pa.refresh_from_db()
    pa_request_appeal(pa_request=pa, actor=prescriber, note="Turns 18 next week.")
    pa.refresh_from_db()
    pa_request_withdraw(pa_request=pa, actor=prescriber, reason="Started another therapy.")
    kinds = list(pa.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["submitted", "decided", "appealed", "withdrawn"]


def test_decision_codes_are_a_reviews_until_the_request_is_appealed(pa, reviewer, prescriber):
    assert {c.code for c in decision_codes_for(pa_request=pa)} == {"approve", "partial", "deny", "more_info"}
    pa_request_decide(
        pa_request_id=pa.pk,
        reviewer=reviewer,
        expected_version=0,
        code="deny",
        reasons=[UNMET],
        note="The patient is 17.",
    )
    pa.refresh_from_db()
    appealed = pa_request_appeal(pa_request=pa, actor=prescriber, note="Turns 18 next week.")
    assert {c.code for c in decision_codes_for(pa_request=appealed)} == {"overturn", "uphold"}
    assert ReviewDecisionCode.AppliesTo.APPEAL == "appeal" and ReviewDecisionCode.AppliesTo.REVIEW == "review"


# ---------------------------------------------------------------- one rate comparison, one ceiling per decision


def test_one_rate_comparison_allows_the_limits_rate_over_any_period_and_nothing_above():
    assert rate_within(84, 84, 84, 84)
    assert rate_within(28, 28, 84, 84)  # the same rate over a shorter period
    assert not rate_within(29, 28, 84, 84)
    assert rate_within(1, 3, 7, 21)
    assert rate_within(2.0000000001, 1, 2, 1)  # a float a hair above, from mg arithmetic, is the same rate
    assert not rate_within(2.001, 1, 2, 1)


def test_a_reviewer_may_approve_the_policys_rate_over_a_shorter_period(client, reviewer, pa):
    login(client, reviewer)
    response = client.post(
        reverse("review-detail", args=[pa.pk]),
        {
            "row_version": 0,
            "code": "approve",
            "quantity": 28,
            "per_days": 28,
            "duration_months": 12,
            "note": "Monthly fills.",
            "justification": "Patient turns 18 within the week.",
        },
    )
    assert response.status_code == 302
    pa.refresh_from_db()
    assert (pa.status, pa.approved_quantity, pa.approved_per_days) == (S.APPROVED, 28, 28)


def test_a_decision_post_reads_the_policys_ceiling_once(client, reviewer, pa, monkeypatch):
    calls = []
    real = selectors.quantity_if_covered

    def counted(snapshot, request):
        calls.append(1)
        return real(snapshot, request)

    monkeypatch.setattr(selectors, "quantity_if_covered", counted)
    login(client, reviewer)
    response = client.post(
        reverse("review-detail", args=[pa.pk]),
        {
            "row_version": 0,
            "code": "approve",
            "quantity": 168,
            "per_days": 84,
            "duration_months": 12,
            "note": "Double dose.",
            "justification": "Override.",
        },
    )
    assert response.context["form"].errors["quantity"] == [MSG_OVER_LIMIT.format(quantity=84, days=84)]
    assert len(calls) == 1


def test_the_decide_service_reads_the_ceiling_itself_when_not_given(pa, reviewer):
    # The policy's own grant needs no note: the service compared it with the ceiling it read.
    done = pa_request_decide(
        pa_request_id=pa.pk,
        reviewer=reviewer,
        expected_version=0,
        code="approve",
        quantity=84,
        per_days=84,
        justification="Patient turns 18 within the week.",
    )
    assert (done.status, done.approved_quantity, done.approved_per_days) == (S.APPROVED, 84, 84)


def test_a_ceiling_passed_to_the_decide_service_is_the_one_that_bounds_the_approval(pa, reviewer):
    ceiling = {"approved_quantity": 28, "per_days": 28, "duration": {"months": 6}, "one_time": False}
    with pytest.raises(ValidationError) as refused:
        pa_request_decide(
            pa_request_id=pa.pk,
            reviewer=reviewer,
            expected_version=0,
            code="approve",
            quantity=84,
            per_days=28,
            note="More.",
            justification="Override.",
            ceiling=ceiling,
        )
    assert refused.value.message_dict["quantity"] == [MSG_OVER_LIMIT.format(quantity=28, days=28)]


# ---------------------------------------------------------------- selectors: keyword-only, one kind of argument


def test_the_access_selectors_take_keywords_only(pa, prescriber):
    with pytest.raises(TypeError):
        pa_request_get_for_user(prescriber, pa.pk)  # type: ignore[misc]
    assert pa_request_get_for_user(user=prescriber, pa_request_id=pa.pk) == pa


def test_a_reviewer_selector_never_returns_a_draft_or_serves_a_prescriber(pa, prescriber, reviewer):
    assert pa_request_get_for_reviewer(user=reviewer, pa_request_id=pa.pk) == pa
    with pytest.raises(Http404):
        pa_request_get_for_reviewer(user=prescriber, pa_request_id=pa.pk)
    draft = PARequest.objects.create(owner=prescriber)
    with pytest.raises(Http404):
        pa_request_get_for_reviewer(user=reviewer, pa_request_id=draft.pk)


def test_an_attachment_selector_refuses_a_malformed_id_as_not_found(prescriber):
    with pytest.raises(Http404):
        attachment_get_for_user(user=prescriber, attachment_id="not-a-uuid")
