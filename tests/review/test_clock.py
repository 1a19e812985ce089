"""The review clock: due times from the payer's own windows, and a queue ordered and filtered by them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kineret_pa.pa_requests.models import PARequest
from kineret_pa.policies.models import Payer, PolicyVersion
from tests.admin.forms import login
from tests.conftest import CIGNA, build

from .support import pended, submitted

S = PARequest.Status


# ---------------------------------------------------------------- due times


@pytest.mark.parametrize("urgency, hours", [("standard", 72), ("expedited", 24)])
def test_a_pended_request_is_due_within_the_payers_window(policy_data, prescriber, urgency, hours):
    pa = pended(prescriber, urgency=urgency)
    assert pa.due_at == pa.submitted_at + dt.timedelta(hours=hours)


def test_a_referred_request_is_due_within_the_payers_window(policy_data, prescriber):
    # Cigna sends a CAPS patient over 100 kg asking above the base limit to the UM pharmacist.
    pa = submitted(prescriber, build(CIGNA, diagnosis="fcas", **{"patient.weight_kg": 120, "dose.quantity": 56}))
    assert pa.status == S.REFERRED
    assert pa.due_at == pa.submitted_at + dt.timedelta(hours=72)


def test_an_engine_approval_has_no_due_time(policy_data, prescriber):
    pa = submitted(prescriber)
    assert pa.status == S.APPROVED and pa.due_at is None and pa.decided_at == pa.submitted_at


@pytest.mark.parametrize(
    "field, urgency", [("standard_review_hours", "standard"), ("expedited_review_hours", "expedited")]
)
def test_changing_the_payers_window_changes_the_next_requests_due_time(policy_data, prescriber, field, urgency):
    first = pended(prescriber, urgency=urgency)
    payer = Payer.objects.get(slug="bcbs-fep")
    setattr(payer, field, 48 if urgency == "standard" else 12)
    payer.save()
    second = pended(prescriber, urgency=urgency)
    assert second.due_at == second.submitted_at + dt.timedelta(hours=getattr(payer, field))
    first.refresh_from_db()
    assert first.due_at == first.submitted_at + dt.timedelta(hours=72 if urgency == "standard" else 24)


# ---------------------------------------------------------------- the queue


def _make(owner, policy_code, *, status=S.PENDED, diagnosis="ra", due_in_hours=10.0, urgency="standard"):
    version = PolicyVersion.objects.get(policy__code=policy_code)
    now = timezone.now()
    return PARequest.objects.create(
        owner=owner,
        status=status,
        policy_version=version,
        urgency=urgency,
        contract_request={"diagnosis": diagnosis},
        determination={"decision": "deny", "reasons": [], "policy": {"code": policy_code, "version": "x"}},
        decision="deny",
        submitted_at=now - dt.timedelta(hours=1),
        due_at=now + dt.timedelta(hours=due_in_hours),
    )


@pytest.fixture
def queue(policy_data, prescriber):
    return {
        "fep_overdue": _make(prescriber, "fep-5.70.050", due_in_hours=-3),
        "cigna_soon": _make(prescriber, "cigna-dqm008", due_in_hours=5, diagnosis="gout"),
        "fb_later": _make(prescriber, "floridablue-09-J0000-45", due_in_hours=48, status=S.REFERRED),
        "fep_appeal": _make(prescriber, "fep-5.70.050", due_in_hours=30, status=S.APPEALED),
        "fep_info": _make(prescriber, "fep-5.70.050", due_in_hours=1, status=S.INFO_REQUESTED),
        "fep_approved": _make(prescriber, "fep-5.70.050", due_in_hours=2, status=S.APPROVED),
    }


def _rows(client, **params):
    response = client.get(reverse("review-queue"), params)
    assert response.status_code == 200
    return [pa.pk for pa in response.context["page"]], response


def test_the_queue_holds_queue_states_ordered_by_due_time(client, reviewer, queue):
    login(client, reviewer)
    rows, _ = _rows(client)
    assert rows == [queue[k].pk for k in ("fep_overdue", "cigna_soon", "fep_appeal", "fb_later")]


def test_the_queue_highlights_overdue_requests(client, reviewer, queue):
    login(client, reviewer)
    _, response = _rows(client)
    page = response.content.decode()
    overdue_row = page.split(queue["fep_overdue"].number)[0].rsplit("<tr", 1)[1]
    assert 'class="table-danger"' in overdue_row and "Overdue" in overdue_row
    soon_row = page.split(queue["cigna_soon"].number)[0].rsplit("<tr", 1)[1]
    assert "table-danger" not in soon_row and "left" in soon_row
    assert page.count("table-danger") == 1


def test_the_review_page_marks_an_overdue_request(client, reviewer, queue):
    login(client, reviewer)
    page = client.get(reverse("review-detail", args=[queue["fep_overdue"].pk])).content.decode()
    assert "overdue" in page
    page = client.get(reverse("review-detail", args=[queue["cigna_soon"].pk])).content.decode()
    assert ">overdue<" not in page


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"payer": "bcbs-fep"}, ["fep_overdue", "fep_appeal"]),
        ({"payer": "cigna"}, ["cigna_soon"]),
        ({"payer": "florida-blue"}, ["fb_later"]),
        ({"diagnosis": "gout"}, ["cigna_soon"]),
        ({"diagnosis": "ra"}, ["fep_overdue", "fep_appeal", "fb_later"]),
        ({"status": "referred"}, ["fb_later"]),
        ({"status": "appealed"}, ["fep_appeal"]),
        ({"status": "approved"}, ["fep_overdue", "cigna_soon", "fep_appeal", "fb_later"]),  # not a queue state: ignored
        ({"due": "overdue"}, ["fep_overdue"]),
        ({"due": "24h"}, ["fep_overdue", "cigna_soon"]),
        ({"payer": "bcbs-fep", "due": "overdue"}, ["fep_overdue"]),
        ({"payer": "cigna", "status": "appealed"}, []),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else None,
)
def test_the_queue_filters(client, reviewer, queue, params, expected):
    login(client, reviewer)
    rows, response = _rows(client, **params)
    assert rows == [queue[k].pk for k in expected]
    if not expected:
        assert "Nothing waiting." in response.content.decode()


def test_the_filters_are_kept_selected(client, reviewer, queue):
    login(client, reviewer)
    _, response = _rows(client, payer="cigna", due="overdue")
    page = response.content.decode()
    assert 'value="cigna" selected' in page and 'value="overdue" selected' in page


def test_the_queue_pages_fifty_at_a_time_without_counting_the_backlog(
    client, reviewer, prescriber, policy_data, django_assert_max_num_queries
):
    from kineret_pa.pa_requests.models import PARequest
    from tests.review.support import pended

    first = pended(prescriber)
    PARequest.objects.bulk_create(
        [
            PARequest(
                owner=prescriber,
                status=PARequest.Status.PENDED,
                policy_version=first.policy_version,
                contract_request=first.contract_request,
                determination=first.determination,
                submitted_at=first.submitted_at,
                due_at=first.due_at,
            )
            for _ in range(60)
        ]
    )
    client.force_login(reviewer)
    page_one = client.get(reverse("review-queue"))
    assert len(page_one.context["page"]) == 50 and page_one.context["page"].has_next
    page_two = client.get(reverse("review-queue"), {"page": 2})
    assert len(page_two.context["page"]) == 11 and not page_two.context["page"].has_next
    assert client.get(reverse("review-queue"), {"page": "abc"}).status_code == 200
    with django_assert_max_num_queries(12):
        client.get(reverse("review-queue"))
