"""The request's life: every legal move passes, every other is refused in words, through the
transition table, the services and the prescriber's HTTP actions alike."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kineret_pa.pa_requests.models import QUEUE_STATUSES, PARequest, RequestEvent
from kineret_pa.pa_requests.services import (
    pa_request_answer,
    pa_request_appeal,
    pa_request_decide,
    pa_request_withdraw,
    pa_requests_expire,
)
from kineret_pa.pa_requests.transitions import TRANSITIONS, IllegalTransition, transition_check
from tests.admin.forms import login

from .support import pended

S = PARequest.Status
ALL = [s.value for s in S]
LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [(a, b) for a, b in itertools.product(ALL, ALL) if b not in TRANSITIONS.get(a, set())]
OPEN = [S.PENDED, S.REFERRED, S.INFO_REQUESTED, S.APPEALED]


def _id(pair):
    return f"{pair[0]}->{pair[1]}"


# ---------------------------------------------------------------- the table


@pytest.mark.parametrize("pair", LEGAL, ids=_id)
def test_a_legal_transition_passes_the_check(pair):
    transition_check(*pair)


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_every_other_transition_is_refused_in_words(pair):
    current, target = pair
    with pytest.raises(IllegalTransition) as refused:
        transition_check(current, target)
    message = str(refused.value)
    assert S(current).label in message and S(target).label in message and "cannot become" in message


def test_the_table_covers_every_pair_exactly_once():
    assert len(LEGAL) + len(ILLEGAL) == len(ALL) ** 2
    assert not any(b in TRANSITIONS.get(a, set()) for a, b in ILLEGAL)


@pytest.mark.parametrize("final", [S.UPHELD, S.EXPIRED, S.WITHDRAWN])
def test_final_states_lead_nowhere(final):
    assert not TRANSITIONS.get(final)


def test_nothing_is_ever_denied_straight_from_a_draft():
    assert S.DENIED not in TRANSITIONS[S.DRAFT]


# ---------------------------------------------------------------- through the services


def _in_status(owner, status) -> PARequest:
    """A real pended request, moved to `status` by the ORM (bypassing the table on purpose)."""
    pa = pended(owner)
    extra = {"expires_on": None}
    if status == S.APPEALED or status == S.DENIED:
        extra["decision"] = "deny"
    PARequest.objects.filter(pk=pa.pk).update(status=status, **extra)
    pa.refresh_from_db()
    return pa


def _snapshot(pa):
    pa.refresh_from_db()
    return (pa.status, pa.row_version, pa.due_at, pa.events.count())


STATUSES_AFTER_SUBMIT = [s for s in ALL if s != S.DRAFT]


@pytest.mark.parametrize("status", STATUSES_AFTER_SUBMIT)
def test_withdraw_only_from_an_open_state(policy_data, prescriber, status):
    pa = _in_status(prescriber, status)
    if status in OPEN:
        done = pa_request_withdraw(pa_request=pa, actor=prescriber, reason="patient moved")
        assert done.status == S.WITHDRAWN and done.due_at is None
        assert done.events.last().kind == "withdrawn"
    else:
        before = _snapshot(pa)
        with pytest.raises(IllegalTransition):
            pa_request_withdraw(pa_request=pa, actor=prescriber)
        assert _snapshot(pa) == before


@pytest.mark.parametrize("status", STATUSES_AFTER_SUBMIT)
def test_appeal_only_from_denied(policy_data, prescriber, status):
    pa = _in_status(prescriber, status)
    if status == S.DENIED:
        done = pa_request_appeal(pa_request=pa, actor=prescriber, note="New chart notes attached.")
        assert done.status == S.APPEALED and done.due_at is not None
    else:
        before = _snapshot(pa)
        with pytest.raises(IllegalTransition):
            pa_request_appeal(pa_request=pa, actor=prescriber, note="Please reconsider.")
        assert _snapshot(pa) == before


@pytest.mark.parametrize("status", STATUSES_AFTER_SUBMIT)
def test_answer_only_when_information_was_requested(policy_data, prescriber, status):
    pa = _in_status(prescriber, status)
    if status == S.INFO_REQUESTED:
        done = pa_request_answer(pa_request=pa, actor=prescriber, answer="Age confirmed: 18 next week.")
        assert done.status == S.PENDED
    else:
        before = _snapshot(pa)
        with pytest.raises(IllegalTransition):
            pa_request_answer(pa_request=pa, actor=prescriber, answer="Here it is.")
        assert _snapshot(pa) == before


def test_an_empty_answer_or_appeal_is_refused_before_any_move(policy_data, prescriber):
    pa = _in_status(prescriber, S.INFO_REQUESTED)
    with pytest.raises(ValidationError):
        pa_request_answer(pa_request=pa, actor=prescriber, answer="   ")
    denied = _in_status(prescriber, S.DENIED)
    with pytest.raises(ValidationError):
        pa_request_appeal(pa_request=denied, actor=prescriber, note="")
    assert _snapshot(pa)[0] == S.INFO_REQUESTED and _snapshot(denied)[0] == S.DENIED


@pytest.mark.parametrize("status", [s for s in STATUSES_AFTER_SUBMIT if s not in QUEUE_STATUSES])
@pytest.mark.parametrize("code", ["approve", "deny", "more_info"])
def test_decide_only_on_a_queue_state(policy_data, prescriber, reviewer, status, code):
    pa = _in_status(prescriber, status)
    before = _snapshot(pa)
    with pytest.raises(IllegalTransition, match="no longer open"):
        pa_request_decide(
            pa_request_id=pa.pk,
            reviewer=reviewer,
            expected_version=pa.row_version,
            code=code,
            quantity=84,
            per_days=84,
            reasons=["Prior-Approval Requirements, Diagnoses 1.a"],
            note="Decided.",
            justification="Override.",
        )
    assert _snapshot(pa) == before


def test_decide_on_a_draft_is_refused(policy_data, prescriber, reviewer):
    from kineret_pa.pa_requests.services import pa_request_create

    draft = pa_request_create(owner=prescriber)
    with pytest.raises(IllegalTransition, match="no longer open"):
        pa_request_decide(
            pa_request_id=draft.pk,
            reviewer=reviewer,
            expected_version=0,
            code="approve",
            quantity=84,
            per_days=84,
            note="x",
            justification="x",
        )
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


@pytest.mark.parametrize("status", sorted(QUEUE_STATUSES))
def test_decide_works_on_every_queue_state(policy_data, prescriber, reviewer, status):
    pa = _in_status(prescriber, status)
    code = "overturn" if status == S.APPEALED else "approve"
    done = pa_request_decide(
        pa_request_id=pa.pk,
        reviewer=reviewer,
        expected_version=pa.row_version,
        code=code,
        quantity=84,
        per_days=84,
        duration_months=12,
        justification="Birthday next week.",
    )
    assert done.status == (S.OVERTURNED if status == S.APPEALED else S.APPROVED)


@pytest.mark.parametrize("status", STATUSES_AFTER_SUBMIT)
def test_expire_touches_only_approvals(policy_data, prescriber, status):
    import datetime as dt

    pa = _in_status(prescriber, status)
    PARequest.objects.filter(pk=pa.pk).update(expires_on=dt.date(2020, 1, 1))
    pa_requests_expire(today=dt.date(2020, 6, 1))
    pa.refresh_from_db()
    if status in (S.APPROVED, S.PARTIAL, S.OVERTURNED):
        assert pa.status == S.EXPIRED
        event = pa.events.last()
        assert (event.kind, event.from_status, event.to_status, event.actor) == ("expired", status, S.EXPIRED, None)
    else:
        assert pa.status == status


# ---------------------------------------------------------------- through the HTTP views


HTTP_ACTIONS = [
    ("pa-request-withdraw", {"reason": "no longer needed"}, [S.APPROVED, S.DENIED, S.WITHDRAWN, S.EXPIRED, S.UPHELD]),
    ("pa-request-appeal", {"note": "New labs attached."}, [S.PENDED, S.APPROVED, S.WITHDRAWN, S.APPEALED]),
    ("pa-request-answer", {"answer": "Here is the answer."}, [S.PENDED, S.DENIED, S.APPROVED, S.WITHDRAWN]),
]


@pytest.mark.parametrize("url_name, data, statuses", HTTP_ACTIONS, ids=[a[0] for a in HTTP_ACTIONS])
def test_an_illegal_action_through_the_page_shows_a_message_and_changes_nothing(
    client, policy_data, prescriber, url_name, data, statuses
):
    login(client, prescriber)
    for status in statuses:
        pa = _in_status(prescriber, status)
        before = _snapshot(pa)
        response = client.post(reverse(url_name, args=[pa.pk]), data, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("pa-request-detail", args=[pa.pk])
        shown = [str(m) for m in response.context["messages"]]
        assert any("cannot become" in m for m in shown), (status, shown)
        assert _snapshot(pa) == before


def test_a_legal_action_through_the_page_moves_the_request(client, policy_data, prescriber):
    login(client, prescriber)
    pa = pended(prescriber)
    response = client.post(reverse("pa-request-withdraw", args=[pa.pk]), {"reason": "resolved"}, follow=True)
    assert "Request withdrawn." in [str(m) for m in response.context["messages"]]
    pa.refresh_from_db()
    assert pa.status == S.WITHDRAWN
    assert RequestEvent.objects.filter(pa_request=pa, kind="withdrawn", actor=prescriber).exists()


def test_a_decision_on_a_closed_request_through_the_review_page_shows_a_message(
    client, policy_data, prescriber, reviewer
):
    pa = _in_status(prescriber, S.APPROVED)
    login(client, reviewer)
    response = client.post(
        reverse("review-detail", args=[pa.pk]),
        {"code": "more_info", "note": "Send labs.", "row_version": pa.row_version},
    )
    assert response.status_code == 200
    assert any("no longer open" in str(m) or "cannot become" in str(m) for m in response.context["messages"])
    pa.refresh_from_db()
    assert pa.status == S.APPROVED and pa.events.filter(kind="decided").count() == 0
