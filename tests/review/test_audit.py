"""Who did what, when, from where: policy edits, decisions and sign-ins on an append-only record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kineret_pa.accounts.models import AuditEvent
from kineret_pa.pa_requests.models import PARequest, RequestEvent
from kineret_pa.policies.models import CriterionNode, Payer
from tests.admin.forms import PASSWORD, login, post_form

from .support import pended

UNMET = "Prior-Approval Requirements, Diagnoses 1.a"


# ---------------------------------------------------------------- policy edits


def test_a_policy_edit_in_the_admin_is_recorded_with_editor_values_and_ip(client, policy_staff, policy_data):
    payer = Payer.objects.get(slug="cigna")
    before_count = payer.history.count()
    login(client, policy_staff)
    response = post_form(client, reverse("admin:policies_payer_change", args=[payer.pk]), standard_review_hours=48)
    assert response.status_code == 302
    assert payer.history.count() == before_count + 1
    record = payer.history.first()  # the newest
    assert record.history_type == "~" and record.history_user == policy_staff
    assert record.ip_address == "127.0.0.1"
    delta = record.diff_against(record.prev_record)
    changes = {c.field: (c.old, c.new) for c in delta.changes}
    assert changes["standard_review_hours"] == (72, 48)


def test_a_criterion_edit_in_the_admin_is_recorded(client, policy_staff, policy_data):
    import datetime as dt

    from kineret_pa.policies.models import PolicyVersion
    from kineret_pa.policies.versions import version_copy_as_draft

    version = PolicyVersion.objects.get(policy__code="fep-5.70.050", status="active")
    draft = version_copy_as_draft(version=version, effective_date=dt.date(2027, 1, 1), user=policy_staff)
    node = CriterionNode.objects.get(version=draft, key="fep-initial")  # only a draft is edited
    login(client, policy_staff)
    response = post_form(
        client, reverse("admin:policies_criterionnode_change", args=[node.pk]), text="Edited wording for the audit test"
    )
    assert response.status_code == 302
    record = node.history.first()
    assert record.history_user == policy_staff and record.ip_address == "127.0.0.1"
    assert record.text == "Edited wording for the audit test"
    assert record.prev_record.text != record.text


def test_a_request_change_is_in_the_requests_history_too(policy_data, prescriber):
    pa = pended(prescriber)
    assert pa.history.filter(status=PARequest.Status.PENDED).exists()


# ---------------------------------------------------------------- decisions


def test_a_decision_is_recorded_with_actor_statuses_reasons_note_and_ip(client, reviewer, policy_data, prescriber):
    pa = pended(prescriber)
    login(client, reviewer)
    response = client.post(
        reverse("review-detail", args=[pa.pk]),
        {"row_version": 0, "code": "deny", "reasons": [UNMET], "note": "Under 18."},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    event = RequestEvent.objects.get(pa_request=pa, kind="decided")
    assert event.actor == reviewer
    assert (event.from_status, event.to_status) == ("pended", "denied")
    assert event.data["reasons"] == [UNMET] and event.data["note"] == "Under 18." and event.data["code"] == "deny"
    assert event.ip_address == "203.0.113.9"
    assert event.at is not None


def test_the_submission_is_the_first_event(policy_data, prescriber):
    pa = pended(prescriber)
    first = pa.events.first()
    assert (first.kind, first.actor, first.from_status, first.to_status) == ("submitted", prescriber, "draft", "pended")


# ---------------------------------------------------------------- append-only


@pytest.fixture
def request_event(policy_data, prescriber):
    return pended(prescriber).events.first()


@pytest.fixture
def audit_event(db, prescriber):
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.LOGIN, user=prescriber, username="dr_owner", ip_address="127.0.0.1"
    )


def test_a_request_event_cannot_be_changed_or_deleted(request_event):
    request_event.kind = "rewritten"
    with pytest.raises(PermissionError):
        request_event.save()
    with pytest.raises(PermissionError):
        request_event.delete()
    with pytest.raises(PermissionError):
        RequestEvent.objects.filter(pk=request_event.pk).update(kind="rewritten")
    with pytest.raises(PermissionError):
        RequestEvent.objects.filter(pk=request_event.pk).delete()
    with pytest.raises(PermissionError):
        RequestEvent.objects.all().delete()
    assert RequestEvent.objects.get(pk=request_event.pk).kind == "submitted"


def test_an_audit_event_cannot_be_changed_or_deleted(audit_event):
    audit_event.username = "someone_else"
    with pytest.raises(PermissionError):
        audit_event.save()
    with pytest.raises(PermissionError):
        audit_event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=audit_event.pk).update(username="someone_else")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=audit_event.pk).delete()
    assert AuditEvent.objects.get(pk=audit_event.pk).username == "dr_owner"


# ---------------------------------------------------------------- sign-ins


def test_sign_in_sign_out_and_a_failed_sign_in_are_recorded(client, prescriber):
    url = reverse("login")
    client.post(url, {"username": "dr_owner", "password": "wrong-password"}, REMOTE_ADDR="198.51.100.7")
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert (failed.username, failed.ip_address, failed.user) == ("dr_owner", "198.51.100.7", None)

    response = client.post(
        url, {"username": "dr_owner", "password": PASSWORD.format("dr_owner")}, REMOTE_ADDR="198.51.100.8"
    )
    assert response.status_code == 302
    signed_in = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert (signed_in.username, signed_in.ip_address, signed_in.user) == ("dr_owner", "198.51.100.8", prescriber)

    client.post(reverse("logout"), REMOTE_ADDR="198.51.100.9")
    signed_out = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGOUT)
    assert (signed_out.username, signed_out.ip_address, signed_out.user) == ("dr_owner", "198.51.100.9", prescriber)


# ---------------------------------------------------------------- the history on the pages


def test_the_history_is_shown_to_the_owner_and_the_reviewer(client, policy_data, prescriber, reviewer):
    pa = pended(prescriber)
    login(client, reviewer)
    client.post(
        reverse("review-detail", args=[pa.pk]), {"row_version": 0, "code": "more_info", "note": "Send the birth date."}
    )
    review_page = client.get(reverse("review-detail", args=[pa.pk])).content.decode()
    client.logout()
    login(client, prescriber)
    client.post(reverse("pa-request-answer", args=[pa.pk]), {"answer": "Born 2008-06-20."})
    owner_page = client.get(reverse("pa-request-detail", args=[pa.pk])).content.decode()

    for page in (review_page, owner_page):
        assert "History" in page
        assert "dr_owner: Submitted (Draft → Pended for clinical review)" in page
        assert "pharmacist: Decision recorded (Pended for clinical review → More information requested)" in page
        assert "Send the birth date." in page
    assert "(More information requested → Pended for clinical review)" in owner_page
    assert "Born 2008-06-20." in owner_page


def test_a_decision_emails_the_prescriber_through_the_task_queue_without_patient_data(
    prescriber, reviewer, policy_data, mailoutbox, django_capture_on_commit_callbacks
):
    from kineret_pa.pa_requests.services import pa_request_decide
    from tests.review.support import pended

    prescriber.email = "dr.owner@example.test"
    prescriber.save()
    pa = pended(prescriber)
    with django_capture_on_commit_callbacks(execute=True):
        pa_request_decide(
            pa_request_id=pa.pk,
            reviewer=reviewer,
            expected_version=pa.row_version,
            code="deny",
            reasons=["Prior-Approval Requirements, Diagnoses 1.a"],
            note="Patient is 17.",
        )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["dr.owner@example.test"] and pa.number in message.subject
    assert "Pat Doe" not in message.subject + message.body and "M-1" not in message.body
