"""Starting a request (POST only) and discarding a draft (only one's own, only a draft)."""

from django.urls import reverse

from kineret_pa.pa_requests.models import PARequest

from .wizard_support import start, step_url

NEW = reverse("pa-request-new")


def discard_url(pa):
    return reverse("pa-request-discard", args=[pa.pk])


def test_new_creates_a_draft_owned_by_the_prescriber_and_opens_the_policy_step(owner_client, owner):
    response = owner_client.post(NEW)

    pa = PARequest.objects.get()
    assert pa.owner == owner and pa.is_draft
    assert response.status_code == 302 and response.url == step_url(pa, "policy")
    assert owner_client.get(response.url).status_code == 200


def test_new_by_get_is_not_allowed_and_creates_nothing(owner_client):
    response = owner_client.get(NEW)

    assert response.status_code == 405
    assert not PARequest.objects.exists()


def test_new_by_an_anonymous_visitor_goes_to_sign_in(client, policy_data):
    response = client.post(NEW)

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not PARequest.objects.exists()


def test_discard_deletes_the_owners_draft(owner_client, draft):
    response = owner_client.post(discard_url(draft))

    assert response.status_code == 302 and response.url == reverse("pa-request-list")
    assert not PARequest.objects.filter(pk=draft.pk).exists()


def test_discard_leaves_a_submitted_request(owner_client, submitted):
    pa = submitted("cigna_approved")

    owner_client.post(discard_url(pa))

    pa.refresh_from_db()
    assert pa.status == PARequest.Status.APPROVED


def test_discard_by_another_prescriber_is_not_found_and_keeps_the_draft(colleague_client, draft):
    response = colleague_client.post(discard_url(draft))

    assert response.status_code == 404
    assert PARequest.objects.filter(pk=draft.pk).exists()


def test_discard_by_get_is_not_allowed(owner_client, draft):
    assert owner_client.get(discard_url(draft)).status_code == 405
    assert PARequest.objects.filter(pk=draft.pk).exists()


def test_each_new_request_is_a_separate_draft(owner_client):
    first, second = start(owner_client), start(owner_client)

    assert first.pk != second.pk and first.number != second.number
