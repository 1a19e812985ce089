"""No copy of a page with patient data is kept: every response the app makes says Cache-Control: no-store,
private, so neither the browser's cache nor its Back button after sign-out, nor a shared proxy, shows it again.
Static files keep their caching."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kineret_pa.accounts.models import ApiToken
from kineret_pa.pa_requests.services import attachment_add
from tests.conftest import FEP_RA
from tests.pa_requests.wizard_support import post_step, profile_for, start, step_url
from tests.review.support import pended

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
POLICY_STEP = {
    "policy": "fep-5.70.050",
    "plan": "standard",
    "benefit": "pharmacy",
    "request_type": "initial",
    "urgency": "standard",
    "date_of_service": "2026-06-15",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_a_prescribers_pages_letter_form_steps_and_attachments_are_not_stored(client, prescriber, policy_data):
    pa = pended(prescriber)
    attachment = attachment_add(pa_request=pa, uploaded_by=prescriber, upload=SimpleUploadedFile("labs.pdf", PDF))
    client.force_login(prescriber)
    draft = start(client)
    pages = {
        "my requests": reverse("pa-request-list"),
        "a request": reverse("pa-request-detail", args=[pa.pk]),
        "its letter": reverse("pa-request-letter", args=[pa.pk]),
        "a form step": step_url(draft, "policy"),
        "an attachment": reverse("attachment-download", args=[attachment.pk]),
        "the profile": reverse("profile"),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert {"no-store", "private"} <= directives(response), name

    posted = post_step(client, draft, "policy", POLICY_STEP)  # a form step's answer: the redirect to the next
    assert posted.status_code == 302
    assert {"no-store", "private"} <= directives(posted)


def test_a_reviewers_queue_and_request_and_the_admin_are_not_stored(
    client, prescriber, reviewer, superuser, policy_data
):
    pa = pended(prescriber)
    client.force_login(reviewer)
    for url in (reverse("review-queue"), reverse("review-detail", args=[pa.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= directives(response), url

    admin = Client()
    admin.force_login(superuser)
    response = admin.get("/admin/auth/user/")
    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)  # merged with the admin's own never-cache


def test_an_api_answer_is_not_stored(client, prescriber, policy_data):
    profile_for(prescriber)
    token = ApiToken.issue(user=prescriber, name="practice system")[1]

    response = client.post(
        "/api/v1/determinations", FEP_RA, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)


def test_static_files_keep_their_caching(settings, db):
    settings.WHITENOISE_USE_FINDERS = True  # served from static/ as in development, without collectstatic
    response = Client().get("/static/css/app.css")

    assert response.status_code == 200
    assert "no-store" not in directives(response)
    assert "max-age=60" in directives(response)
