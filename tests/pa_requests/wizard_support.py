"""Walk the form with the test client, step by step, as the browser would post it."""

from __future__ import annotations

import re

from django.urls import reverse

from kineret_pa.pa_requests.models import PARequest, PrescriberProfile


def profile_for(user) -> PrescriberProfile:
    return PrescriberProfile.objects.create(
        user=user,
        full_name="Dr Ada Owner",
        specialty="Rheumatology",
        npi="1234567893",
        phone="555-0100",
        fax="555-0101",
    )


def start(client) -> PARequest:
    response = client.post(reverse("pa-request-new"))
    assert response.status_code == 302
    return PARequest.objects.get(pk=response.url.split("/")[2])


def step_url(pa, step):
    return reverse("pa-request-step", kwargs={"pk": pa.pk, "step": step})


def post_step(client, pa, step, fields: dict, *, button: dict | None = None, follow=False):
    data = {"wizard-current_step": step}
    data.update({f"{step}-{key}": value for key, value in fields.items()})
    data.update(button or {})
    return client.post(step_url(pa, step), data, follow=follow)


def rows(step, items: list[dict], extra_blank=True):
    fields = {
        "TOTAL_FORMS": str(len(items) + (1 if extra_blank else 0)),
        "INITIAL_FORMS": "0",
        "MIN_NUM_FORMS": "0",
        "MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(items):
        for key, value in item.items():
            fields[f"{i}-{key}"] = value
    return fields


def next_step(response) -> str | None:
    if response.status_code != 302:
        return None
    match = re.search(r"/edit/([a-z_]+)/$", response.url)
    return match.group(1) if match else None
