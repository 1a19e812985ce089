"""A reviewer's decision: pre-filled from the policy, bounded by it, explained, and safe when two
reviewers act at once; the request's stored record never moves when policy data is edited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kineret_pa.accounts.roles import REVIEWER
from kineret_pa.pa_requests.models import Notification, PARequest, RequestEvent
from kineret_pa.pa_requests.selectors import policy_ceiling
from kineret_pa.pa_requests.services import (
    MSG_CHANGED,
    MSG_CONCURRENT,
    MSG_JUSTIFY,
    MSG_NOTE,
    MSG_OVER_LIMIT,
    MSG_REASONS,
    MSG_UNKNOWN_CODE,
    pa_request_decide,
)
from kineret_pa.policies.models import CriterionNode, Payer
from tests.admin.forms import login
from tests.conftest import _user

from .support import pended

S = PARequest.Status
UNMET = "Prior-Approval Requirements, Diagnoses 1.a"  # 18 years of age or older: the patient is 17
MET = "Prior-Approval Requirements, Diagnoses 1.b"


@pytest.fixture
def pa(policy_data, prescriber):
    return pended(prescriber)


@pytest.fixture
def rc(client, reviewer):
    login(client, reviewer)
    return client


def _url(pa):
    return reverse("review-detail", args=[pa.pk])


def _post(client, pa, **fields):
    data = {"row_version": pa.row_version, **fields}
    return client.post(_url(pa), {k: v for k, v in data.items() if v is not None})


def _errors(response) -> dict:
    return response.context["form"].errors


def _unchanged(pa, status=S.PENDED):
    pa.refresh_from_db()
    assert pa.status == status
    assert not pa.events.filter(kind="decided").exists()


# ---------------------------------------------------------------- approve and partial


def test_the_approval_is_prefilled_from_the_policy(rc, pa):
    ceiling = policy_ceiling(pa_request=pa)
    assert ceiling["approved_quantity"] == 84 and ceiling["per_days"] == 84 and ceiling["duration"] == {"months": 12}
    response = rc.get(_url(pa))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["quantity"] == 84 and form.initial["per_days"] == 84 and form.initial["duration_months"] == 12
    assert form.initial["duration_days"] is None and form.initial["row_version"] == pa.row_version
    page = response.content.decode()
    assert 'name="quantity" value="84"' in page and 'name="duration_months" value="12"' in page
    assert {c[0] for c in form.fields["code"].choices} == {"approve", "partial", "deny", "more_info"}


def test_approving_an_engine_pended_request_needs_an_override_justification(rc, pa):
    response = _post(rc, pa, code="approve", quantity=84, per_days=84, duration_months=12)
    assert response.status_code == 200
    assert _errors(response)["justification"] == [MSG_JUSTIFY]
    _unchanged(pa)


def test_approving_with_the_policys_values_and_a_justification_approves(rc, pa, reviewer, clock):
    clock(2026, 3, 30, 21, 30)  # 01:30 UTC on 31 March
    response = _post(
        rc,
        pa,
        code="approve",
        quantity=84,
        per_days=84,
        duration_months=12,
        justification="Patient turns 18 within the week; treating rheumatologist confirms.",
    )
    assert response.status_code == 302 and response.url == reverse("review-queue")
    pa.refresh_from_db()
    assert pa.status == S.APPROVED
    assert (pa.approved_quantity, pa.approved_per_days, pa.decided_by) == (84, 84, reviewer)
    assert pa.expires_on == dt.date(2027, 3, 30)  # 12 months from the local date
    assert pa.decided_at is not None and pa.row_version == 1
    event = pa.events.get(kind="decided")
    assert event.data["justification"].startswith("Patient turns 18")
    assert Notification.objects.filter(user=pa.owner, pa_request=pa, text__startswith="Approve").exists()


def test_approving_above_the_policys_limit_is_refused_with_the_limit(rc, pa):
    response = _post(
        rc,
        pa,
        code="approve",
        quantity=168,
        per_days=84,
        duration_months=12,
        note="Double dose requested.",
        justification="Override.",
    )
    assert _errors(response)["quantity"] == [MSG_OVER_LIMIT.format(quantity=84, days=84)]
    assert "limit is 84 syringes per 84 days" in response.content.decode()
    _unchanged(pa)


def test_a_higher_rate_over_a_shorter_period_is_also_over_the_limit(rc, pa):
    response = _post(
        rc,
        pa,
        code="approve",
        quantity=40,
        per_days=28,
        duration_months=12,
        note="Monthly fills.",
        justification="Override.",
    )
    assert "quantity" in _errors(response)
    _unchanged(pa)


def test_a_changed_quantity_needs_a_note(rc, pa):
    response = _post(rc, pa, code="partial", quantity=56, per_days=84, duration_months=12, justification="Override.")
    assert _errors(response)["note"] == [MSG_CHANGED]
    _unchanged(pa)


def test_a_changed_duration_needs_a_note(rc, pa):
    response = _post(rc, pa, code="approve", quantity=84, per_days=84, duration_months=6, justification="Override.")
    assert _errors(response)["note"] == [MSG_CHANGED]
    _unchanged(pa)


def test_a_reduced_quantity_with_a_note_is_a_partial_approval(rc, pa, clock):
    clock(2026, 1, 31, 23, 15)  # 04:15 UTC on 1 February
    response = _post(
        rc,
        pa,
        code="partial",
        quantity=56,
        per_days=84,
        duration_days=90,
        note="Approved for 56 syringes per 84 days, as the chart supports.",
        justification="Override.",
    )
    assert response.status_code == 302
    pa.refresh_from_db()
    assert (pa.status, pa.approved_quantity, pa.approved_per_days) == (S.PARTIAL, 56, 84)
    assert pa.expires_on == dt.date(2026, 5, 1)  # 90 days after 31 January


# ---------------------------------------------------------------- deny


def test_deny_needs_a_specific_unmet_clause_and_a_note(rc, pa):
    response = _post(rc, pa, code="deny")
    errors = _errors(response)
    assert errors["reasons"] == [MSG_REASONS] and errors["note"] == [MSG_NOTE]
    _unchanged(pa)


def test_deny_with_a_clause_but_no_note_is_refused(rc, pa):
    response = _post(rc, pa, code="deny", reasons=[UNMET])
    assert _errors(response)["note"] == [MSG_NOTE] and "reasons" not in _errors(response)
    _unchanged(pa)


def test_the_deny_form_offers_only_unmet_clauses(rc, pa):
    form = rc.get(_url(pa)).context["form"]
    offered = {value for value, _ in form.fields["reasons"].choices}
    assert UNMET in offered and MET not in offered


def test_a_clause_that_was_met_is_refused_by_the_page(rc, pa):
    response = _post(rc, pa, code="deny", reasons=[MET], note="Not severe enough.")
    assert "reasons" in _errors(response)
    _unchanged(pa)


def test_a_clause_that_was_met_is_refused_by_the_service(pa, reviewer):
    with pytest.raises(ValidationError) as refused:
        pa_request_decide(
            pa_request_id=pa.pk,
            reviewer=reviewer,
            expected_version=0,
            code="deny",
            reasons=[UNMET, MET],
            note="Mixed reasons.",
        )
    assert refused.value.message_dict["reasons"] == [MSG_REASONS]
    _unchanged(pa)


def test_a_denial_records_the_reasons_the_note_and_who_denied(rc, pa, reviewer):
    response = _post(rc, pa, code="deny", reasons=[UNMET], note="The patient is 17; resubmit at 18.")
    assert response.status_code == 302
    pa.refresh_from_db()
    assert pa.status == S.DENIED and pa.denied_by == reviewer and pa.decided_by == reviewer
    event = pa.events.get(kind="decided")
    assert event.data["reasons"] == [UNMET] and event.data["note"] == "The patient is 17; resubmit at 18."
    assert (event.from_status, event.to_status, event.actor) == (S.PENDED, S.DENIED, reviewer)


# ---------------------------------------------------------------- request more information: the clock


def test_requesting_information_stops_the_clock_and_the_answer_restarts_it_in_full(client, rc, pa, prescriber):
    assert pa.due_at == pa.submitted_at + dt.timedelta(hours=72)
    response = _post(rc, pa, code="more_info", note="Send the date of birth.")
    assert response.status_code == 302
    pa.refresh_from_db()
    assert pa.status == S.INFO_REQUESTED and pa.due_at is None and pa.decided_at is None

    login(client, prescriber)
    detail = client.get(reverse("pa-request-detail", args=[pa.pk])).content.decode()
    assert "Send the date of birth." in detail
    before = timezone.now()
    client.post(reverse("pa-request-answer", args=[pa.pk]), {"answer": "Born 2008-06-20."})
    after = timezone.now()
    pa.refresh_from_db()
    assert pa.status == S.PENDED
    assert before + dt.timedelta(hours=72) <= pa.due_at <= after + dt.timedelta(hours=72)


@pytest.mark.parametrize(
    "urgency, field", [("standard", "standard_review_hours"), ("expedited", "expedited_review_hours")]
)
def test_the_restarted_clock_is_the_payers_window_for_the_urgency(
    client, policy_data, prescriber, reviewer, urgency, field
):
    pa = pended(prescriber, urgency=urgency)
    assert pa.due_at - pa.submitted_at == dt.timedelta(hours=72 if urgency == "standard" else 24)
    pa_request_decide(pa_request_id=pa.pk, reviewer=reviewer, expected_version=0, code="more_info", note="Labs?")
    Payer.objects.filter(slug="bcbs-fep").update(**{field: 10})
    login(client, prescriber)
    before = timezone.now()
    client.post(reverse("pa-request-answer", args=[pa.pk]), {"answer": "Labs attached."})
    after = timezone.now()
    pa.refresh_from_db()
    assert before + dt.timedelta(hours=10) <= pa.due_at <= after + dt.timedelta(hours=10)


# ---------------------------------------------------------------- unknown codes


@pytest.mark.parametrize("code", ["bogus", "overturn", "uphold", "APPROVE", ""])
def test_an_unknown_decision_code_is_refused_by_the_page(rc, pa, code):
    response = _post(
        rc, pa, code=code, quantity=84, per_days=84, duration_months=12, note="n", justification="j", reasons=[UNMET]
    )
    assert response.status_code == 200 and "code" in _errors(response)
    _unchanged(pa)


@pytest.mark.parametrize("code", ["bogus", "overturn", "uphold", "approved", "denied"])
def test_an_unknown_decision_code_is_refused_by_the_service(pa, reviewer, code):
    with pytest.raises(ValidationError) as refused:
        pa_request_decide(
            pa_request_id=pa.pk,
            reviewer=reviewer,
            expected_version=0,
            code=code,
            quantity=84,
            per_days=84,
            reasons=[UNMET],
            note="n",
            justification="j",
        )
    assert refused.value.message_dict["code"] == [MSG_UNKNOWN_CODE]
    _unchanged(pa)


# ---------------------------------------------------------------- two reviewers at once


def test_the_second_of_two_concurrent_decisions_is_told_and_keeps_what_was_typed(
    client, django_user_model, policy_data, prescriber, reviewer
):
    from django.test import Client

    pa = pended(prescriber)
    second = _user(django_user_model, "pharmacist_two", REVIEWER)
    first_client, second_client = client, Client()
    login(first_client, reviewer)
    login(second_client, second)
    seen_first = first_client.get(_url(pa)).context["form"].initial["row_version"]
    seen_second = second_client.get(_url(pa)).context["form"].initial["row_version"]
    assert seen_first == seen_second == 0

    first = first_client.post(
        _url(pa), {"row_version": seen_first, "code": "deny", "reasons": [UNMET], "note": "Under 18."}
    )
    assert first.status_code == 302

    typed = {
        "row_version": seen_second,
        "code": "approve",
        "quantity": "70",
        "per_days": "84",
        "duration_months": "6",
        "note": "Second reviewer's carefully typed note.",
        "justification": "Second reviewer's justification text.",
    }
    response = second_client.post(_url(pa), typed)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert MSG_CONCURRENT.format(status="Denied") in shown
    page = response.content.decode()
    assert MSG_CONCURRENT.format(status="Denied").replace("'", "&#x27;") in page
    form = response.context["form"]
    for name, value in typed.items():
        if name != "row_version":
            assert form[name].value() == value
    assert "Second reviewer&#x27;s carefully typed note." in page
    assert "Second reviewer&#x27;s justification text." in page
    assert 'name="quantity" value="70"' in page

    pa.refresh_from_db()
    assert pa.status == S.DENIED and pa.decided_by == reviewer and pa.approved_quantity is None
    assert not RequestEvent.objects.filter(pa_request=pa, actor=second).exists()
    assert pa.row_version == 1


# ---------------------------------------------------------------- the record stays as submitted


def test_stored_answers_policy_version_and_determination_survive_policy_edits(rc, pa):
    PARequest.objects.filter(pk=pa.pk).update(answers={"patient": {"patient-age_years": ["17"]}})
    pa.refresh_from_db()
    stored = (pa.answers, pa.policy_version_id, pa.determination, pa.contract_request, pa.decision)
    node = CriterionNode.objects.get(version=pa.policy_version, clause=UNMET)
    node.text = "16 years of age or older (edited after submission)"
    node.params = {**node.params, "min": 16} if "min" in node.params else node.params
    node.save()
    pa.policy_version.source_title = "Edited title"
    pa.policy_version.save()

    fresh = PARequest.objects.get(pk=pa.pk)
    assert (
        fresh.answers,
        fresh.policy_version_id,
        fresh.determination,
        fresh.contract_request,
        fresh.decision,
    ) == stored
    page = rc.get(_url(pa)).content.decode()
    assert "18 years of age or older" in page and "edited after submission" not in page
