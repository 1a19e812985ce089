"""The header's Notifications link: a prescriber sees how many notifications are unread, in one query at most."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kineret_pa.accounts.models import ApiToken
from kineret_pa.pa_requests.models import Notification, PARequest
from tests.conftest import CIGNA

from .walk import text

LIST = reverse("pa-request-list")
NOTIFICATIONS = reverse("notifications")
LINK = f'href="{NOTIFICATIONS}"'


def _notify(user, how_many: int) -> None:
    pa = PARequest.objects.create(owner=user)
    Notification.objects.bulk_create(
        [Notification(user=user, pa_request=pa, text="Approved: 28 syringes for 28 days.") for _ in range(how_many)]
    )


def _notification_queries(queries) -> list[str]:
    # A statement prepared on PostgreSQL (the API's token check) is captured without its SQL text.
    return [q["sql"] for q in queries if Notification._meta.db_table in (q["sql"] or "")]


def test_a_prescriber_with_two_unread_notifications_sees_the_count_in_the_header(owner_client, owner):
    _notify(owner, 2)

    page = owner_client.get(LIST)

    assert LINK in page.content.decode()
    assert "Notifications 2 unread" in text(page)  # "unread" is for screen readers; the badge shows 2


def test_after_opening_the_notifications_page_the_count_is_gone(owner_client, owner):
    _notify(owner, 2)

    opened = owner_client.get(NOTIFICATIONS)
    later = owner_client.get(LIST)

    assert opened.status_code == 200
    assert "unread" not in text(opened)  # the page marks them read before its header is drawn
    assert LINK in later.content.decode() and "unread" not in text(later)


def test_a_prescriber_with_nothing_unread_has_the_link_without_a_count(owner_client):
    page = owner_client.get(LIST)

    assert LINK in page.content.decode()
    assert "unread" not in text(page)


def test_another_prescribers_notifications_are_not_counted(owner_client, owner, colleague):
    _notify(owner, 1)
    _notify(colleague, 3)

    assert "Notifications 1 unread" in text(owner_client.get(LIST))


def test_an_anonymous_page_has_no_notifications_link(client, policy_data):
    page = client.get(reverse("login"))

    assert page.status_code == 200
    assert LINK not in page.content.decode()


def test_a_reviewer_has_no_notifications_link_and_no_query_for_it(reviewer_client):
    with CaptureQueriesContext(connection) as queries:
        page = reviewer_client.get(reverse("review-queue"))

    assert page.status_code == 200
    assert LINK not in page.content.decode()
    assert _notification_queries(queries) == []


def test_the_header_counts_unread_notifications_in_one_query(owner_client, owner):
    _notify(owner, 2)

    with CaptureQueriesContext(connection) as queries:
        owner_client.get(LIST)

    assert len(_notification_queries(queries)) == 1


def test_a_determination_by_api_token_runs_no_notification_query(client, owner):
    _notify(owner, 2)
    raw = ApiToken.issue(user=owner, name="practice system")[1]

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/determinations",
            json.dumps(CIGNA),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )

    assert response.status_code == 200
    assert _notification_queries(queries) == []
