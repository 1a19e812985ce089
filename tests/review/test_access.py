"""Who may open what: the owner their own requests, reviewers the queue, administrators the metrics.
Another prescriber gets a 404 (never a 403 that confirms the request exists); a user without the prescriber
role gets a 403 on every prescriber page, whatever the request; anonymous visitors sign in first."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kineret_pa.accounts.roles import ADMINISTRATOR
from kineret_pa.pa_requests.models import Attachment, PARequest
from kineret_pa.pa_requests.services import attachment_add, pa_request_create
from kineret_pa.policies.models import Payer
from tests.admin.forms import login, post_form, rendered_data
from tests.conftest import _user

from .support import pended

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def administrator(db, django_user_model):
    return _user(django_user_model, "administrator", ADMINISTRATOR)


@pytest.fixture
def users(prescriber, colleague, reviewer, policy_staff, administrator):
    return {
        "owner": prescriber,
        "other_prescriber": colleague,
        "reviewer": reviewer,
        "policy_staff": policy_staff,
        "administrator": administrator,
        "anonymous": None,
    }


@pytest.fixture
def pa(policy_data, prescriber):
    pa = pended(prescriber)
    attachment_add(pa_request=pa, uploaded_by=prescriber, upload=SimpleUploadedFile("labs.pdf", PDF))
    return pa


# (name, method, url for the request, post data)
ENDPOINTS = {
    "detail": ("get", lambda pa: reverse("pa-request-detail", args=[pa.pk]), None),
    "letter": ("get", lambda pa: reverse("pa-request-letter", args=[pa.pk]), None),
    "withdraw": ("post", lambda pa: reverse("pa-request-withdraw", args=[pa.pk]), {"reason": "x"}),
    "appeal": ("post", lambda pa: reverse("pa-request-appeal", args=[pa.pk]), {"note": "New facts."}),
    "answer": ("post", lambda pa: reverse("pa-request-answer", args=[pa.pk]), {"answer": "An answer."}),
    "attach": ("post", lambda pa: reverse("pa-request-attach", args=[pa.pk]), {"description": "more labs"}),
    "queue": ("get", lambda pa: reverse("review-queue"), None),
    "review_detail": ("get", lambda pa: reverse("review-detail", args=[pa.pk]), None),
    "review_decide": (
        "post",
        lambda pa: reverse("review-detail", args=[pa.pk]),
        {"code": "more_info", "note": "Send labs.", "row_version": "0"},
    ),
    "download": ("get", lambda pa: reverse("attachment-download", args=[pa.attachments.get().pk]), None),
    "metrics": ("get", lambda pa: reverse("metrics"), None),
    "metrics_csv": ("get", lambda pa: reverse("metrics") + "?format=csv", None),
}

EXPECTED = {
    #                  detail letter withdraw appeal answer attach queue review decide download metrics csv
    "owner": (200, 200, "detail", "detail", "detail", "detail", 403, 403, 403, 200, 403, 403),
    "other_prescriber": (404, 404, 404, 404, 404, 404, 403, 403, 403, 404, 403, 403),
    # The prescriber's pages need the prescriber role: everyone else is refused before any request is looked up.
    "reviewer": (403, 403, 403, 403, 403, 403, 200, 200, "queue", 200, 403, 403),
    "policy_staff": (403, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403, 403),
    "administrator": (403, 403, 403, 403, 403, 403, 403, 403, 403, 404, 200, 200),
    "anonymous": ("login",) * 12,
}
CASES = [(role, name, expected) for role, row in EXPECTED.items() for name, expected in zip(ENDPOINTS, row)]


def _state(pa):
    pa.refresh_from_db()
    return (pa.status, pa.row_version, pa.events.count(), Attachment.objects.filter(pa_request=pa).count())


@pytest.mark.parametrize("role, endpoint, expected", CASES, ids=[f"{r}-{e}" for r, e, _ in CASES])
def test_object_level_access(client, users, pa, role, endpoint, expected):
    user = users[role]
    if user is not None:
        login(client, user)
    method, url_for, data = ENDPOINTS[endpoint]
    url = url_for(pa)
    if endpoint == "attach":
        data = {**data, "file": SimpleUploadedFile("more.pdf", PDF)}
    before = _state(pa)
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)

    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login") + "?next=")
        assert _state(pa) == before
    elif expected == "detail":
        assert response.status_code == 302 and response.url == reverse("pa-request-detail", args=[pa.pk])
    elif expected == "queue":
        assert response.status_code == 302 and response.url == reverse("review-queue")
    else:
        assert response.status_code == expected
        if expected in (403, 404):
            assert _state(pa) == before
            assert pa.patient_name not in response.content.decode()


def test_the_owners_actions_take_effect(client, prescriber, pa):
    login(client, prescriber)
    client.post(reverse("pa-request-attach", args=[pa.pk]), {"file": SimpleUploadedFile("more.pdf", PDF)})
    assert pa.attachments.count() == 2
    client.post(reverse("pa-request-withdraw", args=[pa.pk]), {"reason": "done"})
    pa.refresh_from_db()
    assert pa.status == PARequest.Status.WITHDRAWN


def test_the_prescribers_post_actions_refuse_get(client, prescriber, pa):
    login(client, prescriber)
    for name in ("pa-request-withdraw", "pa-request-appeal", "pa-request-answer", "pa-request-attach"):
        assert client.get(reverse(name, args=[pa.pk])).status_code == 405


def test_an_unknown_request_number_is_a_404_for_everyone(client, users, policy_data):
    missing = uuid.uuid4()
    login(client, users["owner"])
    assert client.get(reverse("pa-request-detail", args=[missing])).status_code == 404
    for role in ("owner", "reviewer"):
        login(client, users[role])
        assert client.get(reverse("attachment-download", args=[missing])).status_code == 404
        client.logout()
    login(client, users["reviewer"])
    assert client.get(reverse("review-detail", args=[missing])).status_code == 404


def test_a_draft_is_not_in_the_reviewers_reach(client, prescriber, reviewer, policy_data):
    draft = pa_request_create(owner=prescriber)
    login(client, reviewer)
    assert client.get(reverse("review-detail", args=[draft.pk])).status_code == 404
    assert draft.pk not in {row.pk for row in client.get(reverse("review-queue")).context["page"]}


def test_another_prescribers_list_does_not_show_the_request(client, colleague, pa):
    login(client, colleague)
    page = client.get(reverse("pa-request-list")).content.decode()
    assert pa.number not in page and pa.patient_name not in page


def test_the_superuser_reaches_the_queue_and_the_metrics(client, superuser, pa):
    login(client, superuser)
    assert client.get(reverse("review-queue")).status_code == 200
    assert client.get(reverse("metrics")).status_code == 200


# ---------------------------------------------------------------- reviewers and the policy admin


def test_a_reviewer_has_no_admin_access(client, reviewer, policy_data):
    payer = Payer.objects.get(slug="cigna")
    url = reverse("admin:policies_payer_change", args=[payer.pk])
    login(client, reviewer)
    for response in (
        client.get(url),
        client.post(url, {"name": "Renamed", "slug": "cigna", "standard_review_hours": 1}),
    ):
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    payer.refresh_from_db()
    assert payer.name == "Cigna" and payer.standard_review_hours == 72


def test_a_reviewer_with_admin_access_can_view_but_not_change_policy_data(client, reviewer, policy_staff, policy_data):
    payer = Payer.objects.get(slug="cigna")
    url = reverse("admin:policies_payer_change", args=[payer.pk])
    # The form as policy staff would post it, then posted by a reviewer given staff status.
    login(client, policy_staff)
    data = rendered_data(client.get(url))
    data.update(name="Renamed by a reviewer", standard_review_hours="1")
    client.logout()
    reviewer.is_staff = True
    reviewer.save()
    login(client, reviewer)
    assert client.get(url).status_code == 200  # view permission only
    assert client.post(url, data).status_code == 403
    payer.refresh_from_db()
    assert payer.name == "Cigna" and payer.standard_review_hours == 72


def test_policy_staff_can_change_policy_data(client, policy_staff, policy_data):
    payer = Payer.objects.get(slug="cigna")
    login(client, policy_staff)
    response = post_form(client, reverse("admin:policies_payer_change", args=[payer.pk]), standard_review_hours=48)
    assert response.status_code == 302
    payer.refresh_from_db()
    assert payer.standard_review_hours == 48
