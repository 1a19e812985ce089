"""How long an approval lasts: whole calendar months (or days) from the date it was given in the app's time
zone (America/New_York), through the same day number; a month too short for that day ends on its last day.
Every expected date is written by hand (issue 12, item 10)."""

from __future__ import annotations

import datetime as dt

import pytest

from kineret_pa.pa_requests.models import PARequest
from kineret_pa.pa_requests.services import pa_request_decide

from .support import pended, submitted

S = PARequest.Status


def _approve(pa, reviewer, **duration):
    """A reviewer's override approval at the policy's quantity, for the duration given."""
    return pa_request_decide(
        pa_request_id=pa.pk,
        reviewer=reviewer,
        expected_version=pa.row_version,
        code="approve",
        quantity=84,
        per_days=84,
        note="Duration set by the reviewer.",
        justification="Patient turns 18 within the week.",
        **duration,
    )


def test_an_engine_approval_on_the_30th_lasts_twelve_full_months(settings, clock, prescriber, policy_data):
    assert settings.TIME_ZONE == "America/New_York"
    clock(2026, 3, 30, 10, 0)

    pa = submitted(prescriber)  # FEP's initial approval: 12 months

    assert pa.status == S.APPROVED
    assert pa.expires_on == dt.date(2027, 3, 30)


def test_an_evening_approval_starts_on_the_local_date_not_the_utc_one(clock, prescriber, policy_data):
    clock(2026, 6, 30, 21, 30)  # 01:30 UTC on 1 July

    pa = submitted(prescriber)

    assert pa.expires_on == dt.date(2027, 6, 30)


@pytest.mark.parametrize(
    "given, months, expected",
    [
        ((2026, 1, 31, 21, 0), 1, dt.date(2026, 2, 28)),  # February is shorter: its last day (02:00 UTC on 1 Feb)
        ((2026, 5, 31, 12, 0), 1, dt.date(2026, 6, 30)),  # so is June
        ((2027, 12, 31, 12, 0), 2, dt.date(2028, 2, 29)),  # into a leap February
        ((2028, 2, 29, 20, 0), 12, dt.date(2029, 2, 28)),  # a leap day, a year later (01:00 UTC on 1 March)
    ],
    ids=["2026-01-31-evening+1", "2026-05-31+1", "2027-12-31+2", "2028-02-29-evening+12"],
)
def test_a_reviewers_approval_lasts_whole_calendar_months(
    clock, prescriber, reviewer, policy_data, given, months, expected
):
    pa = pended(prescriber)
    clock(*given)

    approved = _approve(pa, reviewer, duration_months=months)

    assert approved.expires_on == expected


def test_a_reviewers_approval_in_days_counts_calendar_days(clock, prescriber, reviewer, policy_data):
    pa = pended(prescriber)
    clock(2026, 1, 31, 23, 15)  # 04:15 UTC on 1 February

    approved = _approve(pa, reviewer, duration_days=90)

    assert approved.expires_on == dt.date(2026, 5, 1)
