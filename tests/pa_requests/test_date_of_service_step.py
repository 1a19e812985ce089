"""The form's date of service takes what the API takes: an ISO date at most a year ahead."""

import datetime as dt

import pytest
from django.utils import timezone

from kineret_pa.engine.request import MSG_DATE_TOO_FAR

from .walk import scenario, step_fields, text
from .wizard_support import next_step, post_step


@pytest.mark.parametrize("typed", ["20260115", "01/15/2026", "Jan 15 2026"])
def test_a_date_of_service_not_typed_as_yyyy_mm_dd_is_refused(owner_client, draft, typed):
    answers = scenario("cigna_approved", policy={"date_of_service": typed})

    response = post_step(owner_client, draft, "policy", step_fields("policy", answers))

    assert response.context["form"].errors["date_of_service"] == ["Enter a valid date."]


def test_a_date_of_service_more_than_a_year_ahead_is_refused_naming_the_latest_date(owner_client, draft):
    today = timezone.localdate()
    latest = dt.date(today.year + 1, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    answers = scenario("cigna_approved", policy={"date_of_service": (latest + dt.timedelta(days=1)).isoformat()})

    response = post_step(owner_client, draft, "policy", step_fields("policy", answers))

    message = MSG_DATE_TOO_FAR.format(latest=latest.isoformat())
    assert response.context["form"].errors["date_of_service"] == [message]
    assert message in text(response)


def test_a_date_of_service_exactly_a_year_ahead_is_accepted(owner_client, draft):
    today = timezone.localdate()
    latest = dt.date(today.year + 1, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    answers = scenario("cigna_approved", policy={"date_of_service": latest.isoformat()})

    assert next_step(post_step(owner_client, draft, "policy", step_fields("policy", answers))) is not None
