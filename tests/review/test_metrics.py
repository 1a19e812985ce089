"""The published figures on a known data set: per payer and urgency, on the page and in the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from kineret_pa.accounts.roles import ADMINISTRATOR
from kineret_pa.pa_requests.metrics import COLUMNS, MSG_BAD_DATE, MSG_REVERSED, metrics_compute
from kineret_pa.pa_requests.models import PARequest, RequestEvent
from kineret_pa.policies.models import PolicyVersion
from tests.admin.forms import login
from tests.conftest import _user

S = PARequest.Status
UTC = dt.UTC
START, END = dt.date(2026, 1, 1), dt.date(2026, 4, 1)
FEP_NAME = "Blue Cross and Blue Shield Federal Employee Program (FEP)"

# (status, auto-decided, hours from submission to decision or None)
DATA = {
    ("fep-5.70.050", "standard"): [
        (S.APPROVED, True, 0),
        (S.APPROVED, False, 10),
        (S.DENIED, False, 20),
        (S.OVERTURNED, False, 30),
        (S.UPHELD, False, 40),
        (S.PENDED, False, None),
        (S.WITHDRAWN, False, None),
    ],
    ("fep-5.70.050", "expedited"): [
        (S.APPROVED, True, 0),
        (S.PARTIAL, False, 4),
        (S.APPEALED, False, 6),
    ],
    ("cigna-dqm008", "standard"): [
        (S.EXPIRED, True, 0),
        (S.DENIED, False, 12),
        (S.INFO_REQUESTED, False, None),
    ],
    ("cigna-dqm008", "expedited"): [
        (S.PENDED, False, None),
    ],
}

# Approved % counts approvals as asked; partial approvals apart; both of decided requests. FEP standard has one
# approval that came after a request for more information (the timeframe extended): 1 of 5 decided.
EXPECTED = [
    {
        "payer": FEP_NAME,
        "urgency": "expedited",
        "submitted": 3,
        "decided": 3,
        "approved_pct": 33.3,
        "partial_pct": 33.3,
        "denied_pct": 33.3,
        "approved_after_appeal_pct": 0.0,
        "approved_after_extension_pct": 0.0,
        "auto_approved_pct": 33.3,
        "mean_hours_to_decision": 3.33,
        "median_hours_to_decision": 4.0,
    },
    {
        "payer": FEP_NAME,
        "urgency": "standard",
        "submitted": 7,
        "decided": 5,
        "approved_pct": 60.0,
        "partial_pct": 0.0,
        "denied_pct": 40.0,
        "approved_after_appeal_pct": 50.0,
        "approved_after_extension_pct": 20.0,
        "auto_approved_pct": 14.3,
        "mean_hours_to_decision": 20.0,
        "median_hours_to_decision": 20.0,
    },
    {
        "payer": "Cigna",
        "urgency": "expedited",
        "submitted": 1,
        "decided": 0,
        "approved_pct": None,
        "partial_pct": None,
        "denied_pct": None,
        "approved_after_appeal_pct": None,
        "approved_after_extension_pct": None,
        "auto_approved_pct": 0.0,
        "mean_hours_to_decision": None,
        "median_hours_to_decision": None,
    },
    {
        "payer": "Cigna",
        "urgency": "standard",
        "submitted": 3,
        "decided": 2,
        "approved_pct": 50.0,
        "partial_pct": 0.0,
        "denied_pct": 50.0,
        "approved_after_appeal_pct": None,
        "approved_after_extension_pct": 0.0,
        "auto_approved_pct": 33.3,
        "mean_hours_to_decision": 6.0,
        "median_hours_to_decision": 6.0,
    },
]


def _make(owner, policy_code, urgency, status, auto, hours, submitted):
    return PARequest.objects.create(
        owner=owner,
        policy_version=PolicyVersion.objects.get(policy__code=policy_code),
        urgency=urgency,
        status=status,
        auto_decided=auto,
        submitted_at=submitted,
        decided_at=None if hours is None else submitted + dt.timedelta(hours=hours),
    )


@pytest.fixture
def data_set(policy_data, prescriber):
    day = dt.datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
    made = {}
    for (code, urgency), rows in DATA.items():
        for i, (status, auto, hours) in enumerate(rows):
            made[(code, urgency, i)] = _make(prescriber, code, urgency, status, auto, hours, day + dt.timedelta(days=i))
    # The second FEP standard approval waited for more information first: its timeframe was extended.
    extended = made[("fep-5.70.050", "standard", 1)]
    RequestEvent.objects.create(pa_request=extended, kind="decided", from_status=S.PENDED, to_status=S.INFO_REQUESTED)
    RequestEvent.objects.create(
        pa_request=extended, kind="info_answered", from_status=S.INFO_REQUESTED, to_status=S.PENDED
    )
    # A denied request that also waited for information counts in no approval figure.
    RequestEvent.objects.create(
        pa_request=made[("fep-5.70.050", "standard", 2)],
        kind="decided",
        from_status=S.PENDED,
        to_status=S.INFO_REQUESTED,
    )
    # Outside the period, and a draft: neither counts.
    _make(prescriber, "fep-5.70.050", "standard", S.DENIED, False, 5, dt.datetime(2026, 4, 5, 12, tzinfo=UTC))
    _make(prescriber, "fep-5.70.050", "standard", S.DENIED, False, 5, dt.datetime(2025, 12, 30, 12, tzinfo=UTC))
    PARequest.objects.create(owner=prescriber, submitted_at=day)


@pytest.fixture
def administrator(db, django_user_model):
    return _user(django_user_model, "administrator", ADMINISTRATOR)


def test_the_figures_for_each_payer_and_urgency(data_set):
    assert metrics_compute(start=START, end=END) == EXPECTED


def test_an_empty_period_has_no_rows(data_set):
    assert metrics_compute(start=dt.date(2024, 1, 1), end=dt.date(2024, 4, 1)) == []


def test_the_period_end_is_exclusive(data_set):
    rows = metrics_compute(start=dt.date(2026, 4, 5), end=dt.date(2026, 4, 6))
    assert [(r["payer"], r["submitted"], r["denied_pct"]) for r in rows] == [(FEP_NAME, 1, 100.0)]
    assert metrics_compute(start=dt.date(2026, 4, 6), end=dt.date(2026, 4, 7)) == []


def test_the_page_shows_the_figures_to_an_administrator(client, administrator, data_set):
    login(client, administrator)
    response = client.get(reverse("metrics"), {"start": START.isoformat(), "end": END.isoformat()})
    assert response.status_code == 200
    assert response.context["table"] == EXPECTED
    page = response.content.decode()
    for figure in ("33.3", "14.3", "3.33", "20.0", "50.0", "60.0"):
        assert f"<td>{figure}</td>" in page


def test_the_csv_has_a_header_and_the_same_figures(client, administrator, data_set):
    login(client, administrator)
    response = client.get(reverse("metrics"), {"start": START.isoformat(), "end": END.isoformat(), "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="pa-metrics-{START}-{END}.csv"'
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    assert reader.fieldnames == ["period_start", "period_end"] + COLUMNS
    rows = list(reader)
    assert len(rows) == len(EXPECTED)
    for row, expected in zip(rows, EXPECTED):
        assert (row["period_start"], row["period_end"]) == (START.isoformat(), END.isoformat())
        for column in COLUMNS:
            value = expected[column]
            assert row[column] == ("" if value is None else str(value)), column


def test_an_unreadable_date_is_a_message_on_its_field_not_a_silent_default(client, administrator, data_set):
    login(client, administrator)
    response = client.get(reverse("metrics"), {"start": "not-a-date", "end": "2026-13-45"})
    assert response.status_code == 400
    assert response.context["errors"] == {
        "start": MSG_BAD_DATE.format(value="not-a-date"),
        "end": MSG_BAD_DATE.format(value="2026-13-45"),
    }
    assert MSG_BAD_DATE.format(value="not-a-date") == "“not-a-date” is not a date: use YYYY-MM-DD."
    assert response.context["table"] == []
    assert 'value="not-a-date"' in response.content.decode()  # what was typed stays in the field


def test_a_reversed_period_is_a_message(client, administrator, data_set):
    login(client, administrator)
    response = client.get(reverse("metrics"), {"start": "2026-04-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert response.context["errors"] == {
        "end": "The period must end after it starts: 2026-04-01 is not before 2026-01-01."
    }
    assert MSG_REVERSED.format(start="2026-04-01", end="2026-01-01") in response.content.decode()
    csv_response = client.get(reverse("metrics"), {"start": "2026-04-01", "end": "2026-01-01", "format": "csv"})
    assert csv_response.status_code == 400


def test_the_page_names_the_rules_correctly(client, administrator, data_set):
    login(client, administrator)
    page = client.get(reverse("metrics")).content.decode()
    assert "that rule leaves drugs out" in page and "CMS-0062-P" in page
    assert "As CMS-0057-F asks" not in page


def test_the_public_page_is_off_unless_switched_on(client, data_set, settings):
    settings.PUBLIC_METRICS = False
    assert client.get(reverse("metrics-public")).status_code == 404


def test_the_public_page_shows_aggregates_without_sign_in(client, data_set, settings):
    settings.PUBLIC_METRICS = True
    response = client.get(reverse("metrics-public"), {"start": START.isoformat(), "end": END.isoformat()})
    assert response.status_code == 200
    assert response.context["table"] == EXPECTED
    assert all(set(row) == set(COLUMNS) for row in response.context["table"])  # figures per payer, nothing per patient
    csv_response = client.get(
        reverse("metrics-public"), {"start": START.isoformat(), "end": END.isoformat(), "format": "csv"}
    )
    assert csv_response.status_code == 200


@pytest.mark.parametrize("who", ["reviewer", "prescriber", "policy_staff"])
def test_the_page_needs_view_metrics(client, request, data_set, who):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("metrics")).status_code == 403
    assert client.get(reverse("metrics"), {"format": "csv"}).status_code == 403


def test_administrators_hold_view_metrics_and_reviewers_do_not(administrator, reviewer):
    assert administrator.has_perm("pa_requests.view_metrics")
    assert not reviewer.has_perm("pa_requests.view_metrics")
