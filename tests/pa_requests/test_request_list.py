"""My requests: the owner's drafts (to resume) and submitted requests (with their status), nobody else's."""

import datetime as dt
import html
import re

from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from kineret_pa.pa_requests.models import PARequest

from .walk import text
from .wizard_support import post_step, start

LIST = reverse("pa-request-list")


def test_my_requests_lists_only_the_owners_requests(owner_client, owner, colleague_client, colleague, submitted):
    mine_draft = start(owner_client)
    mine_submitted = submitted("cigna_approved")
    theirs = start(colleague_client)

    page = owner_client.get(LIST)

    assert page.status_code == 200
    listed = {pa.pk for pa in page.context["page"]}
    assert listed == {mine_draft.pk, mine_submitted.pk}
    assert theirs.number not in text(page)
    assert mine_draft.number in text(page) and mine_submitted.number in text(page)


def test_a_draft_is_listed_with_resume_and_discard(owner_client, draft):
    post_step(owner_client, draft, "policy", {"policy": "cigna-dqm008"}, button={"wizard_save_exit": "1"})

    page = owner_client.get(LIST)
    body = page.content.decode()

    assert "Draft" in text(page)
    assert f'href="{reverse("pa-request-detail", args=[draft.pk])}">Resume' in body
    assert reverse("pa-request-discard", args=[draft.pk]) in body


def test_resume_opens_the_step_where_the_draft_was_left(owner_client, draft):
    post_step(
        owner_client,
        draft,
        "policy",
        {
            "policy": "cigna-dqm008",
            "benefit": "pharmacy",
            "request_type": "initial",
            "urgency": "standard",
            "date_of_service": "2026-06-15",
        },
    )
    response = owner_client.get(reverse("pa-request-detail", args=[draft.pk]))

    assert response.status_code == 302
    assert response.url == reverse("pa-request-step", kwargs={"pk": draft.pk, "step": "patient"})


def test_a_submitted_request_is_listed_with_its_status_and_renewal(owner_client, submitted):
    approved = submitted("cigna_approved")
    pended = submitted("fep_pended")

    page = owner_client.get(LIST)
    body = text(page)

    assert "Approved" in body and "Pended for clinical review" in body
    assert "due " + localtime(pended.due_at).strftime("%Y-%m-%d %H:%M") in body
    assert approved.patient_name in body
    assert reverse("pa-request-renew", args=[approved.pk]) in page.content.decode()
    assert reverse("pa-request-renew", args=[pended.pk]) not in page.content.decode()  # only approvals renew


def test_a_prescriber_with_no_requests_sees_how_to_start(owner_client):
    page = owner_client.get(LIST)

    assert "No requests yet" in text(page)


def test_anonymous_visitor_is_sent_to_sign_in(client, policy_data):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "next=/requests/" in response.url


def test_the_list_pages_fifty_at_a_time_newest_first(owner_client, owner):
    PARequest.objects.bulk_create([PARequest(owner=owner, patient_name=f"Patient {i:03d}") for i in range(105)])
    newest = PARequest.objects.filter(owner=owner).order_by("-updated_at").first()

    first = owner_client.get(LIST)
    assert len(first.context["page"]) == 50 and first.context["page"].has_next
    assert first.context["page"].items[0].pk == newest.pk
    assert "page=2" in first.content.decode()
    last = owner_client.get(LIST, {"page": 3})
    assert len(last.context["page"]) == 5 and not last.context["page"].has_next
    assert owner_client.get(LIST, {"page": "x"}).status_code == 200


def test_a_decided_request_shows_no_due_time(owner_client, submitted):
    pended = submitted("fep_pended")
    due = "due " + localtime(pended.due_at).strftime("%Y-%m-%d %H:%M")
    assert due in text(owner_client.get(LIST))
    # A reviewer approves it: the clock has stopped, so the list no longer shows when it was due.
    PARequest.objects.filter(pk=pended.pk).update(status=PARequest.Status.APPROVED)

    body = text(owner_client.get(LIST))

    assert "Approved" in body
    assert due not in body


def _row(page, pa) -> str:
    """The text of the request's row in My requests."""
    body = html.unescape(page.content.decode())
    start = body.index(f">{pa.number}</a>")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body[start : body.index("</tr>", start)]))


def test_a_draft_shows_the_patient_payer_and_last_change_entered_so_far(owner_client, draft):
    post_step(owner_client, draft, "policy", {"policy": "floridablue-09-J0000-45"}, button={"wizard_save_exit": "1"})
    post_step(
        owner_client,
        draft,
        "patient",
        {"patient_name": "Maria Lopez", "member_id": "FLB123456789"},
        button={"wizard_save_exit": "1"},
    )
    PARequest.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))

    row = _row(owner_client.get(LIST), draft)

    assert "Maria Lopez" in row and "member ID FLB123456789" in row
    assert "Florida Blue — 09-J0000-45" in row
    assert "last changed 3 days ago" in row
    assert "—" not in row.replace("Florida Blue — ", "")


def test_a_fresh_draft_says_patient_and_policy_are_not_entered_yet(owner_client, draft):
    row = _row(owner_client.get(LIST), draft)

    assert "not entered yet" in row and "not chosen yet" in row
    assert "—" not in row


def test_a_draft_naming_no_known_policy_says_none_is_chosen_yet(owner_client, draft):
    post_step(owner_client, draft, "policy", {"policy": "no-such-policy"}, button={"wizard_save_exit": "1"})

    row = _row(owner_client.get(LIST), draft)

    assert "not chosen yet" in row and "no-such-policy" not in row
